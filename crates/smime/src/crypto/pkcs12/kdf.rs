//! The PKCS#12 key derivation of RFC 7292 appendix B.2, used by the legacy
//! `pbeWithSHAAnd...` ciphers (appendix C) and by the integrity MAC (appendix B.4). PBES2
//! bags use PBKDF2 instead (RFC 8018 5.2), which the backend provides.

use smime_pkix::digest::{digest, DigestAlgorithm};
use zeroize::Zeroizing;

/// The purpose byte `ID` of RFC 7292 B.3: what the derived bytes are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Key material for a cipher (ID = 1).
    EncryptionKey = 1,
    /// An initial value (ID = 2).
    Iv = 2,
    /// The key of the integrity MAC (ID = 3).
    MacKey = 3,
}

/// The password as RFC 7292 B.1 wants it: a BMPString (UTF-16 big-endian) with a two-byte
/// zero terminator. Characters beyond the BMP become surrogate pairs, as OpenSSL writes them.
pub fn bmp_password(password: &str) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(password.len() * 2 + 2));
    for unit in password.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out.extend_from_slice(&[0, 0]);
    out
}

/// The hash's block length `v` in bytes (RFC 7292 B.2).
fn block_len(hash: DigestAlgorithm) -> usize {
    match hash {
        DigestAlgorithm::Sha1 | DigestAlgorithm::Sha256 => 64,
        DigestAlgorithm::Sha384 | DigestAlgorithm::Sha512 => 128,
    }
}

/// `input` repeated to fill a whole number of `v`-byte blocks (empty stays empty).
fn fill(input: &[u8], v: usize) -> Vec<u8> {
    let len = input.len().div_ceil(v) * v;
    input.iter().copied().cycle().take(len).collect()
}

/// Derive `len` bytes for `purpose` from the BMP `password` (see [`bmp_password`]), `salt`
/// and `iterations` with `hash` (RFC 7292 B.2, steps 1 to 7).
pub fn derive(
    hash: DigestAlgorithm,
    purpose: Purpose,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    len: usize,
) -> Zeroizing<Vec<u8>> {
    let v = block_len(hash);
    let diversifier = vec![purpose as u8; v];
    // I = S || P, each repeated to a multiple of v bytes.
    let mut i_blocks = Zeroizing::new(fill(salt, v));
    i_blocks.extend_from_slice(&fill(password, v));
    let mut out = Zeroizing::new(Vec::with_capacity(len + 64));
    while out.len() < len {
        let mut a = Zeroizing::new(digest(hash, &[&diversifier[..], &i_blocks[..]].concat()));
        for _ in 1..iterations {
            a = Zeroizing::new(digest(hash, &a));
        }
        out.extend_from_slice(&a);
        if out.len() >= len {
            break;
        }
        // I_j = (I_j + B + 1) mod 2^(8v) for every v-byte block I_j of I, B = A repeated.
        let b = fill(&a, v);
        for block in i_blocks.chunks_mut(v) {
            let mut carry = 1u16;
            for (x, y) in block.iter_mut().zip(b.iter()).rev() {
                let sum = u16::from(*x) + u16::from(*y) + carry;
                *x = (sum & 0xff) as u8;
                carry = sum >> 8;
            }
        }
    }
    out.truncate(len);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bmp_password_ascii_and_empty_are_utf16_with_terminator() {
        assert_eq!(*bmp_password("ab"), vec![0, b'a', 0, b'b', 0, 0]);
        assert_eq!(*bmp_password(""), vec![0, 0]);
        // U+1F600 is a surrogate pair.
        assert_eq!(
            *bmp_password("\u{1F600}"),
            vec![0xd8, 0x3d, 0xde, 0x00, 0, 0]
        );
    }

    #[test]
    fn derive_purpose_salt_password_and_length_change_the_output() {
        let pw = bmp_password("pw");
        let base = derive(
            DigestAlgorithm::Sha1,
            Purpose::EncryptionKey,
            &pw,
            b"salt",
            3,
            24,
        );
        assert_eq!(base.len(), 24);
        assert_ne!(
            *base,
            *derive(DigestAlgorithm::Sha1, Purpose::Iv, &pw, b"salt", 3, 24)
        );
        assert_ne!(
            *base,
            *derive(
                DigestAlgorithm::Sha1,
                Purpose::EncryptionKey,
                &pw,
                b"tlas",
                3,
                24
            )
        );
        assert_ne!(
            *base,
            *derive(
                DigestAlgorithm::Sha1,
                Purpose::EncryptionKey,
                &pw,
                b"salt",
                2,
                24
            )
        );
        // A longer output starts with the shorter one (more blocks, same first block).
        let long = derive(
            DigestAlgorithm::Sha1,
            Purpose::EncryptionKey,
            &pw,
            b"salt",
            3,
            50,
        );
        assert_eq!(&long[..24], &base[..]);
    }
}

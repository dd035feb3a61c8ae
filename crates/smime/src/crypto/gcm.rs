//! AES-GCM (NIST SP 800-38D) in a stream, for AuthEnvelopedData (RFC 5084).
//!
//! The content streams through aws-lc's incremental AES-GCM ([`super::ffi::aes_gcm`]),
//! which takes no additional data after the content. In AuthEnvelopedData, though, the
//! authenticated attributes (the GCM additional data, RFC 5083 2.1) come after the
//! content, while GHASH takes them first. GHASH is linear, so the tag is computed without
//! them and they are put in front afterwards (SP 800-38D 6.4, 7.1): with `c` ciphertext
//! blocks, H = E(K, 0^128) and A the attributes,
//!
//! GHASH(A || C || [len(A)]64 || [len(C)]64)
//!   = GHASH(C || [0]64 || [len(C)]64) XOR GHASH(A) * H^(c+1) XOR ([len(A)]64 || [0]64) * H,
//!
//! and the tag, E(K, J0) XOR that GHASH, changes by the same two terms.

use aws_lc_rs::cipher::{EncryptionContext, StreamingEncryptingKey, UnboundCipherKey};
use aws_lc_rs::cipher::{AES_128, AES_256};
use aws_lc_rs::iv::FixedLength;
use zeroize::Zeroizing;

use super::cipher::ContentDecryptionFailed;
use super::ffi::aes_gcm::{AesGcmDecryptor, AesGcmEncryptor};
use crate::{Error, Result};

/// The nonce length written and read (SP 800-38D 8.2.1, RFC 5084 3.2: 12 octets).
pub const NONCE_LEN: usize = super::ffi::aes_gcm::NONCE_LEN;
/// The tag length written (RFC 5084 3.2 allows 12 to 16 octets on reading).
pub const TAG_LEN: usize = super::ffi::aes_gcm::TAG_LEN;
/// The shortest tag accepted on reading (RFC 5084 3.2).
pub const MIN_TAG_LEN: usize = 12;
const BLOCK: usize = 16;
/// The longest plaintext, 2^39 - 256 bits (SP 800-38D 5.2.1.1).
const MAX_TEXT_LEN: u64 = (1 << 36) - 32;

type Block = [u8; BLOCK];

/// H = E(K, 0^128), the GHASH key: one AES block through CTR mode from a zero counter.
fn hash_key(key: &[u8]) -> Option<Zeroizing<Block>> {
    let alg = match key.len() {
        16 => &AES_128,
        32 => &AES_256,
        _ => return None,
    };
    let unbound = UnboundCipherKey::new(alg, key).ok()?;
    let mut ctr = StreamingEncryptingKey::less_safe_ctr(
        unbound,
        EncryptionContext::Iv128(FixedLength::from([0u8; BLOCK])),
    )
    .ok()?;
    let mut out = Zeroizing::new([0u8; 2 * BLOCK]);
    let n = ctr
        .update(&[0u8; BLOCK], &mut out[..])
        .ok()?
        .written()
        .len();
    let mut h = Zeroizing::new([0u8; BLOCK]);
    h.copy_from_slice(out.get(..BLOCK)?);
    (n == BLOCK).then_some(h)
}

/// x * y in GF(2^128) with GCM's bit order (SP 800-38D 6.3, algorithm 1), in constant
/// time: no branch or memory access depends on either operand.
fn gf_multiply(x: &Block, y: &Block) -> Block {
    const R: u128 = 0xE1 << 120;
    let mut x = u128::from_be_bytes(*x);
    let mut v = u128::from_be_bytes(*y);
    let mut z = 0u128;
    for _ in 0..128 {
        z ^= v & 0u128.wrapping_sub(x >> 127);
        x <<= 1;
        v = (v >> 1) ^ (R & 0u128.wrapping_sub(v & 1));
    }
    z.to_be_bytes()
}

/// h^n by square and multiply (n, a block count, is public).
fn gf_power(h: &Block, mut n: u64) -> Block {
    let mut result = [0u8; BLOCK];
    result[0] = 0x80; // the field's 1 in GCM's reflected bit order
    let mut base = *h;
    while n > 0 {
        if n & 1 == 1 {
            result = gf_multiply(&result, &base);
        }
        base = gf_multiply(&base, &base);
        n >>= 1;
    }
    result
}

fn xor_into(target: &mut Block, other: &[u8]) {
    for (t, o) in target.iter_mut().zip(other) {
        *t ^= o;
    }
}

/// What additional data `aad`, given after `text_len` bytes of content, changes in a tag
/// computed without it: GHASH(A) * H^(c+1) XOR ([len(A)]64 || [0]64) * H (see the module
/// documentation). Zero when `aad` is empty.
fn aad_correction(h: &Block, aad: &[u8], text_len: u64) -> Block {
    let mut correction = [0u8; BLOCK];
    if aad.is_empty() {
        return correction;
    }
    let mut aad_hash = [0u8; BLOCK];
    for block in aad.chunks(BLOCK) {
        xor_into(&mut aad_hash, block); // a short last block is padded with zeros
        aad_hash = gf_multiply(&aad_hash, h);
    }
    let text_blocks = text_len.div_ceil(BLOCK as u64);
    correction = gf_multiply(&aad_hash, &gf_power(h, text_blocks + 1));
    let mut lengths = [0u8; BLOCK];
    lengths[..8].copy_from_slice(&(aad.len() as u64 * 8).to_be_bytes());
    xor_into(&mut correction, &gf_multiply(&lengths, h));
    correction
}

/// Count `len` more bytes of content against the GCM limit.
fn count(total: &mut u64, len: usize) -> bool {
    *total = total.saturating_add(len as u64);
    *total <= MAX_TEXT_LEN
}

/// Streaming AES-GCM encryption.
pub struct GcmEncryptor {
    gcm: AesGcmEncryptor,
    h: Zeroizing<Block>,
    len: u64,
}

impl GcmEncryptor {
    /// Encrypt under `key` (16 or 32 bytes) and a 12-byte nonce that must never repeat
    /// with this key (the content key is fresh for every message).
    pub fn new(key: &[u8], nonce: &[u8; NONCE_LEN]) -> Result<Self> {
        let refused = || Error::Unexpected("the cipher backend refused the AES-GCM key".into());
        Ok(GcmEncryptor {
            gcm: AesGcmEncryptor::new(key, nonce).map_err(|_| refused())?,
            h: hash_key(key).ok_or_else(refused)?,
            len: 0,
        })
    }

    /// Encrypt `input`, appending the ciphertext (as long as the input) to `out`.
    pub fn update(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<()> {
        if !count(&mut self.len, input.len()) {
            return Err(Error::Unexpected(
                "the content is longer than AES-GCM allows (64 GiB)".into(),
            ));
        }
        self.gcm
            .update(input, out)
            .map_err(|_| Error::Unexpected("AES-GCM encryption failed".into()))
    }

    /// The tag over the ciphertext and the additional data `aad`.
    pub fn finish(self, aad: &[u8]) -> Result<[u8; TAG_LEN]> {
        let mut tag = self
            .gcm
            .finish()
            .map_err(|_| Error::Unexpected("AES-GCM encryption failed".into()))?;
        xor_into(&mut tag, &aad_correction(&self.h, aad, self.len));
        Ok(tag)
    }
}

/// Streaming AES-GCM decryption. The plaintext it yields must be held back until
/// [`GcmDecryptor::finish`] has checked the tag.
pub struct GcmDecryptor {
    gcm: AesGcmDecryptor,
    h: Zeroizing<Block>,
    len: u64,
}

impl GcmDecryptor {
    /// Decrypt under `key` and `nonce`; a key of the wrong length fails like a wrong key.
    pub fn new(
        key: &[u8],
        nonce: &[u8; NONCE_LEN],
    ) -> std::result::Result<Self, ContentDecryptionFailed> {
        Ok(GcmDecryptor {
            gcm: AesGcmDecryptor::new(key, nonce).map_err(|_| ContentDecryptionFailed)?,
            h: hash_key(key).ok_or(ContentDecryptionFailed)?,
            len: 0,
        })
    }

    /// Decrypt `input`, appending the (not yet authenticated) plaintext to `out`.
    pub fn update(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
    ) -> std::result::Result<(), ContentDecryptionFailed> {
        if !count(&mut self.len, input.len()) {
            return Err(ContentDecryptionFailed);
        }
        self.gcm
            .update(input, out)
            .map_err(|_| ContentDecryptionFailed)
    }

    /// Check the tag (12 to 16 bytes) over the ciphertext and `aad`. The received tag is
    /// moved by the additional data's share and compared by aws-lc, in constant time, with
    /// the tag over the ciphertext alone.
    pub fn finish(
        self,
        aad: &[u8],
        tag: &[u8],
    ) -> std::result::Result<(), ContentDecryptionFailed> {
        if !(MIN_TAG_LEN..=TAG_LEN).contains(&tag.len()) {
            return Err(ContentDecryptionFailed);
        }
        let mut without_aad = aad_correction(&self.h, aad, self.len);
        xor_into(&mut without_aad, tag);
        self.gcm
            .finish(&without_aad[..tag.len()])
            .map_err(|_| ContentDecryptionFailed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_128_GCM, AES_256_GCM};

    /// A deterministic byte pattern (no randomness needed to compare two implementations).
    fn pattern(len: usize, seed: u32) -> Vec<u8> {
        let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect()
    }

    fn one_shot(key: &[u8], nonce: &[u8; NONCE_LEN], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let alg = if key.len() == 16 {
            &AES_128_GCM
        } else {
            &AES_256_GCM
        };
        let key = LessSafeKey::new(UnboundKey::new(alg, key).unwrap());
        let mut data = plaintext.to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(*nonce),
            Aad::from(aad),
            &mut data,
        )
        .unwrap();
        data
    }

    #[test]
    fn gcm_streamed_matches_backend_one_shot_for_many_lengths_and_chunkings() {
        let lengths = [
            0usize, 1, 15, 16, 17, 31, 32, 33, 100, 255, 256, 1000, 4097, 65_537,
        ];
        for (i, &len) in lengths.iter().enumerate() {
            for key_len in [16, 32] {
                let key = pattern(key_len, i as u32);
                let nonce: [u8; NONCE_LEN] = pattern(NONCE_LEN, 99 + i as u32).try_into().unwrap();
                let aad = if i % 3 == 0 {
                    Vec::new()
                } else {
                    pattern(i * 7 + 1, 5)
                };
                let plaintext = pattern(len, 1000 + i as u32);
                let expected = one_shot(&key, &nonce, &aad, &plaintext);
                for chunk in [1usize, 5, 16, 17, 4096] {
                    let mut enc = GcmEncryptor::new(&key, &nonce).unwrap();
                    let mut ciphertext = Vec::new();
                    for piece in plaintext.chunks(chunk) {
                        enc.update(piece, &mut ciphertext).unwrap();
                    }
                    let tag = enc.finish(&aad).unwrap();
                    assert_eq!(ciphertext, expected[..len], "len {len} chunk {chunk}");
                    assert_eq!(tag, expected[len..], "tag, len {len} chunk {chunk}");

                    let mut dec = GcmDecryptor::new(&key, &nonce).unwrap();
                    let mut decrypted = Vec::new();
                    for piece in ciphertext.chunks(chunk) {
                        dec.update(piece, &mut decrypted).unwrap();
                    }
                    dec.finish(&aad, &tag).unwrap();
                    assert_eq!(decrypted, plaintext);
                }
            }
        }
    }

    #[test]
    fn gcm_changed_ciphertext_tag_or_aad_fails() {
        let key = pattern(32, 1);
        let nonce = [7u8; NONCE_LEN];
        let plaintext = pattern(100, 2);
        let sealed = one_shot(&key, &nonce, b"attrs", &plaintext);
        let (ciphertext, tag) = sealed.split_at(100);
        let open = |ct: &[u8], aad: &[u8], tag: &[u8]| {
            let mut dec = GcmDecryptor::new(&key, &nonce).unwrap();
            let mut out = Vec::new();
            dec.update(ct, &mut out).unwrap();
            dec.finish(aad, tag)
        };
        assert!(open(ciphertext, b"attrs", tag).is_ok());
        assert!(
            open(ciphertext, b"attrs", &tag[..12]).is_ok(),
            "12-byte tag"
        );
        assert!(open(ciphertext, b"attrz", tag).is_err());
        assert!(open(ciphertext, b"", tag).is_err());
        let mut bad = ciphertext.to_vec();
        bad[50] ^= 1;
        assert!(open(&bad, b"attrs", tag).is_err());
        let mut bad_tag = tag.to_vec();
        bad_tag[15] ^= 0x80;
        assert!(open(ciphertext, b"attrs", &bad_tag).is_err());
        assert!(open(ciphertext, b"attrs", &tag[..11]).is_err(), "short tag");
        assert!(open(&ciphertext[..99], b"attrs", tag).is_err(), "truncated");
    }
}

//! RSA private-key decryption for keys of 1024 to 2047 bits, which aws-lc-rs refuses
//! (its floor is 2048): RSAES-PKCS1-v1_5 (RFC 8017 7.2.2) and RSAES-OAEP (RFC 8017 7.1.2),
//! for reading old mail such as the RFC 4134 examples (Bob's key is RSA-1024).
//!
//! Only reached through [`crate::crypto::DecryptingKey`], whose callers check
//! [`crate::CryptoPolicy::legacy_allowed`]. Failures carry no detail: the caller replaces
//! the key with a random one (RFC 3218 2.3).

use std::os::raw::{c_int, c_long};
use std::ptr;

use aws_lc_sys::{
    d2i_PrivateKey, EVP_PKEY_CTX_free, EVP_PKEY_CTX_new, EVP_PKEY_CTX_set_rsa_mgf1_md,
    EVP_PKEY_CTX_set_rsa_oaep_md, EVP_PKEY_CTX_set_rsa_padding, EVP_PKEY_bits, EVP_PKEY_decrypt,
    EVP_PKEY_decrypt_init, EVP_PKEY_free, EVP_PKEY_id, EVP_PKEY_size, EVP_sha1, EVP_sha256,
    EVP_sha384, EVP_sha512, EVP_MD, EVP_PKEY, EVP_PKEY_CTX, EVP_PKEY_RSA, RSA_PKCS1_OAEP_PADDING,
    RSA_PKCS1_PADDING,
};

use super::clear_errors;
use crate::crypto::key_transport::{KeyTransport, OaepHash};

/// The smallest modulus read here (RFC 8551 2.3 calls anything below 2048 bits weak; under
/// 1024 is not read at all).
pub const MIN_BITS: usize = 1024;
/// The largest modulus read here: from 2048 bits on, aws-lc-rs does the work.
pub const MAX_BITS: usize = 2047;

/// The aws-lc digest of an RSAES-OAEP hash (used for MGF1 as well).
fn oaep_md(hash: OaepHash) -> *const EVP_MD {
    // SAFETY: these return pointers to static digest descriptions; no arguments.
    unsafe {
        match hash {
            OaepHash::Sha1 => EVP_sha1(),
            OaepHash::Sha256 => EVP_sha256(),
            OaepHash::Sha384 => EVP_sha384(),
            OaepHash::Sha512 => EVP_sha512(),
        }
    }
}

/// An RSA private key of [`MIN_BITS`]..=[`MAX_BITS`] bits, owned (freed on drop).
pub struct ShortRsaKey {
    pkey: ptr::NonNull<EVP_PKEY>,
    bits: usize,
}

// SAFETY: the EVP_PKEY is never changed after parsing; aws-lc's RSA private operations
// take the key's own lock for the blinding state they update, so the key may be used from
// several threads and moved between them (as aws-lc-rs does with its own RSA keys).
unsafe impl Send for ShortRsaKey {}
// SAFETY: see `Send`: only `&self` methods that aws-lc makes thread-safe.
unsafe impl Sync for ShortRsaKey {}

impl Drop for ShortRsaKey {
    fn drop(&mut self) {
        // SAFETY: `pkey` came from d2i_PrivateKey, is owned by us alone and freed once.
        unsafe { EVP_PKEY_free(self.pkey.as_ptr()) }
    }
}

/// An EVP_PKEY_CTX freed on every path.
struct CtxGuard(ptr::NonNull<EVP_PKEY_CTX>);

impl Drop for CtxGuard {
    fn drop(&mut self) {
        // SAFETY: the context came from EVP_PKEY_CTX_new and is freed once, here.
        unsafe { EVP_PKEY_CTX_free(self.0.as_ptr()) }
    }
}

impl ShortRsaKey {
    /// Read an RSA private key (PKCS#1 RSAPrivateKey, RFC 8017 A.1.2, or PKCS#8,
    /// RFC 5958) of 1024 to 2047 bits. `None` for anything else.
    pub fn from_der(der: &[u8]) -> Option<ShortRsaKey> {
        let len = c_long::try_from(der.len()).ok()?;
        let mut input = der.as_ptr();
        // SAFETY: `input` points at `len` readable bytes borrowed for the call; the out
        // parameter is null, so the function only returns a new key (or null) that we own.
        let pkey = unsafe { d2i_PrivateKey(EVP_PKEY_RSA, ptr::null_mut(), &mut input, len) };
        let Some(pkey) = ptr::NonNull::new(pkey) else {
            clear_errors();
            return None;
        };
        // SAFETY: `pkey` is a valid key we own; these only read it.
        let (id, bits) = unsafe { (EVP_PKEY_id(pkey.as_ptr()), EVP_PKEY_bits(pkey.as_ptr())) };
        let key = ShortRsaKey {
            pkey,
            bits: usize::try_from(bits).unwrap_or(0),
        };
        (id == EVP_PKEY_RSA && (MIN_BITS..=MAX_BITS).contains(&key.bits)).then_some(key)
    }

    /// The modulus length in bits.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// The modulus length in bytes: the ciphertext length, and the most a decryption gives.
    pub fn size_bytes(&self) -> usize {
        // SAFETY: `pkey` is a valid key; this only reads it.
        let size = unsafe { EVP_PKEY_size(self.pkey.as_ptr()) };
        usize::try_from(size).unwrap_or(0)
    }

    /// Decrypt `ciphertext` into `out` (at least [`Self::size_bytes`] long); the plaintext
    /// length, or `None` on any failure (wrong length, padding, key).
    pub fn decrypt(
        &self,
        transport: KeyTransport,
        ciphertext: &[u8],
        out: &mut [u8],
    ) -> Option<usize> {
        let result = self.decrypt_inner(transport, ciphertext, out);
        if result.is_none() {
            clear_errors();
        }
        result
    }

    fn decrypt_inner(
        &self,
        transport: KeyTransport,
        ciphertext: &[u8],
        out: &mut [u8],
    ) -> Option<usize> {
        if ciphertext.len() != self.size_bytes() || out.len() < self.size_bytes() {
            return None;
        }
        // SAFETY: `pkey` is a valid key; the new context holds its own reference to it.
        let ctx = unsafe { EVP_PKEY_CTX_new(self.pkey.as_ptr(), ptr::null_mut()) };
        let ctx = CtxGuard(ptr::NonNull::new(ctx)?);
        let ok = |rc: c_int| (rc == 1).then_some(());
        // SAFETY: `ctx` is a valid context for an RSA key; the digest pointers are static.
        unsafe {
            ok(EVP_PKEY_decrypt_init(ctx.0.as_ptr()))?;
            match transport {
                KeyTransport::RsaPkcs1 => {
                    ok(EVP_PKEY_CTX_set_rsa_padding(
                        ctx.0.as_ptr(),
                        RSA_PKCS1_PADDING,
                    ))?;
                }
                KeyTransport::RsaOaep(hash) => {
                    ok(EVP_PKEY_CTX_set_rsa_padding(
                        ctx.0.as_ptr(),
                        RSA_PKCS1_OAEP_PADDING,
                    ))?;
                    ok(EVP_PKEY_CTX_set_rsa_oaep_md(ctx.0.as_ptr(), oaep_md(hash)))?;
                    ok(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.0.as_ptr(), oaep_md(hash)))?;
                }
            }
        }
        let mut out_len = out.len();
        // SAFETY: `out` has `out_len` writable bytes (at least the modulus length, checked
        // above), `ciphertext` has `ciphertext.len()` readable bytes; both outlive the call.
        let rc = unsafe {
            EVP_PKEY_decrypt(
                ctx.0.as_ptr(),
                out.as_mut_ptr(),
                &mut out_len,
                ciphertext.as_ptr(),
                ciphertext.len(),
            )
        };
        (rc == 1 && out_len <= out.len()).then_some(out_len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_pki::Pki;

    /// Encrypt with openssl (the peer), decrypt here, for both paddings; a changed
    /// ciphertext and a key of 2048 bits are refused.
    #[test]
    fn short_rsa_decrypts_what_openssl_encrypts_with_both_paddings() {
        let pki = Pki::new();
        pki.openssl(&[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:1024",
            "-outform",
            "DER",
            "-out",
            "k.der",
        ]);
        pki.openssl(&[
            "pkey", "-inform", "DER", "-in", "k.der", "-pubout", "-out", "k.pub",
        ]);
        pki.write("m", &[0x42u8; 24]);
        let key = ShortRsaKey::from_der(&pki.read("k.der")).unwrap();
        assert_eq!(key.bits(), 1024);
        for (opts, padding) in [
            (vec![], KeyTransport::RsaPkcs1),
            (
                vec!["-pkeyopt", "rsa_padding_mode:oaep"],
                KeyTransport::RsaOaep(OaepHash::Sha1),
            ),
            (
                vec![
                    "-pkeyopt",
                    "rsa_padding_mode:oaep",
                    "-pkeyopt",
                    "rsa_oaep_md:sha256",
                    "-pkeyopt",
                    "rsa_mgf1_md:sha256",
                ],
                KeyTransport::RsaOaep(OaepHash::Sha256),
            ),
        ] {
            let mut args = vec![
                "pkeyutl", "-encrypt", "-pubin", "-inkey", "k.pub", "-in", "m", "-out", "c",
            ];
            args.extend(opts);
            pki.openssl(&args);
            let mut ciphertext = pki.read("c");
            let mut out = vec![0u8; key.size_bytes()];
            let n = key.decrypt(padding, &ciphertext, &mut out).unwrap();
            assert_eq!(&out[..n], &[0x42u8; 24], "{padding:?}");
            ciphertext[5] ^= 1;
            assert_eq!(key.decrypt(padding, &ciphertext, &mut out), None);
            assert_eq!(key.decrypt(padding, &ciphertext[1..], &mut out), None);
        }
        pki.key("big", "rsa2048");
        pki.openssl(&[
            "pkey", "-in", "big.key", "-outform", "DER", "-out", "big.der",
        ]);
        assert!(ShortRsaKey::from_der(&pki.read("big.der")).is_none());
        assert!(ShortRsaKey::from_der(b"\x30\x03\x02\x01\x00").is_none());
    }
}

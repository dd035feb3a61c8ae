//! Private keys for decryption: RSA (2048-8192 bits) from PEM or DER, PKCS#8 (RFC 5958) or
//! PKCS#1 (RFC 8017 A.1.2).
//!
//! Unwrapping a content-encryption key never fails visibly (RFC 3218 2.3, the Bleichenbacher
//! and Manger attacks): on any padding or length failure a random key of the expected length
//! takes its place, chosen without a branch on the secret outcome, and the message then fails
//! at the content stage with the same error as any other corruption.

use aws_lc_rs::rsa::{OaepPrivateDecryptingKey, Pkcs1PrivateDecryptingKey, PrivateDecryptingKey};
use zeroize::Zeroizing;

use super::cipher::random_bytes;
use super::key_transport::{KeyTransport, RSA_ENCRYPTION};
use super::pem::pem_blocks;
use crate::ber::{encode_tlv, Tag};
use crate::{Error, Result};

/// A private key that can unwrap content-encryption keys.
pub struct DecryptingKey {
    rsa: PrivateDecryptingKey,
}

impl std::fmt::Debug for DecryptingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DecryptingKey(RSA-{})", self.rsa.key_size_bits())
    }
}

/// A PKCS#1 RSAPrivateKey wrapped as a PKCS#8 PrivateKeyInfo (RFC 5958 2), which is the
/// form the backend reads for decryption keys.
fn pkcs1_to_pkcs8(pkcs1: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut alg = encode_tlv(Tag::OID, RSA_ENCRYPTION.as_bytes());
    alg.extend([0x05, 0x00]);
    let mut content = Zeroizing::new(encode_tlv(Tag::INTEGER, &[0]));
    content.extend(encode_tlv(Tag::SEQUENCE, &alg));
    content.extend(Zeroizing::new(encode_tlv(Tag::OCTET_STRING, pkcs1)).iter());
    Zeroizing::new(encode_tlv(Tag::SEQUENCE, &content))
}

fn from_der_any(der: &[u8]) -> Option<PrivateDecryptingKey> {
    PrivateDecryptingKey::from_pkcs8(der)
        .ok()
        .or_else(|| PrivateDecryptingKey::from_pkcs8(&pkcs1_to_pkcs8(der)).ok())
}

const UNSUPPORTED: &str = "not a supported decryption key (RSA 2048-8192 bits, PKCS#8 or PKCS#1; \
                           EC keys are not supported for decryption yet)";

impl DecryptingKey {
    /// Read a key from PEM (`PRIVATE KEY` or `RSA PRIVATE KEY`; other blocks are skipped)
    /// or DER. Encrypted keys are refused with a hint. `what` (a file name) goes in errors.
    pub fn from_pem_or_der(bytes: &[u8], what: &str) -> Result<DecryptingKey> {
        if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
            for block in pem_blocks(bytes, what)? {
                let der = Zeroizing::new(block.der);
                match block.label.as_str() {
                    "ENCRYPTED PRIVATE KEY" => {
                        return Err(Error::key(
                            what,
                            "the key is encrypted: decrypt it first (openssl pkey -in F -out G)",
                        ))
                    }
                    "PRIVATE KEY" | "RSA PRIVATE KEY" if block.encrypted => {
                        return Err(Error::key(
                            what,
                            "the key is encrypted: decrypt it first (openssl pkey -in F -out G)",
                        ))
                    }
                    "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" => {
                        return from_der_any(&der)
                            .map(|rsa| DecryptingKey { rsa })
                            .ok_or_else(|| Error::key(what, UNSUPPORTED));
                    }
                    _ => continue,
                }
            }
            return Err(Error::key(what, "no PRIVATE KEY block found"));
        }
        from_der_any(bytes)
            .map(|rsa| DecryptingKey { rsa })
            .ok_or_else(|| Error::key(what, UNSUPPORTED))
    }

    /// The modulus length in bytes (the length of every encryptedKey made for this key).
    pub fn modulus_len(&self) -> usize {
        self.rsa.key_size_bytes()
    }

    /// Unwrap a content-encryption key of `key_len` bytes. Any failure (wrong key, bad
    /// padding, wrong length) yields a random key instead, without a branch on which it was:
    /// the caller cannot tell, and neither can an attacker watching errors or timing
    /// (RFC 3218 2.3). The only error is a failing random number generator.
    pub fn unwrap_content_key(
        &self,
        transport: KeyTransport,
        encrypted_key: &[u8],
        key_len: usize,
    ) -> Result<Zeroizing<Vec<u8>>> {
        let random = random_bytes(key_len)?;
        let mut buffer = Zeroizing::new(vec![0u8; self.modulus_len()]);
        let decrypted_len = match transport {
            KeyTransport::RsaOaep(hash) => OaepPrivateDecryptingKey::new(self.rsa.clone())
                .ok()
                .and_then(|k| {
                    k.decrypt(hash.backend(), encrypted_key, &mut buffer, None)
                        .ok()
                        .map(|p| p.len())
                }),
            KeyTransport::RsaPkcs1 => Pkcs1PrivateDecryptingKey::new(self.rsa.clone())
                .ok()
                .and_then(|k| k.decrypt(encrypted_key, &mut buffer).ok().map(|p| p.len())),
        };
        // 0xFF when the unwrap worked and has the right length, else 0x00, computed without
        // branching on the values.
        let ok =
            u8::from(decrypted_len.is_some()) & u8::from(decrypted_len.unwrap_or(0) == key_len);
        let mask = ok.wrapping_neg();
        let mut key = Zeroizing::new(vec![0u8; key_len]);
        for (i, out) in key.iter_mut().enumerate() {
            let candidate = buffer.get(i).copied().unwrap_or(0);
            *out = (candidate & mask) | (random[i] & !mask);
        }
        Ok(key)
    }
}

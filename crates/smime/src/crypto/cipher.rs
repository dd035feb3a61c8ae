//! Content-encryption ciphers for EnvelopedData (AES-CBC, RFC 3565) and AuthEnvelopedData
//! (AES-GCM, RFC 5084), over the backend.
//!
//! Decryption releases nothing before it is checked: a GCM tag is verified before any
//! plaintext is returned, and CBC output is returned only after its padding is checked.
//! Failures carry no detail ([`ContentDecryptionFailed`]): the caller turns every one of them
//! into the same error as a failed key transport (RFC 3218).

use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::cipher::{
    DecryptionContext, EncryptionContext, PaddedBlockDecryptingKey, PaddedBlockEncryptingKey,
    UnboundCipherKey, AES_128, AES_256,
};
use aws_lc_rs::iv::FixedLength;
use const_oid::ObjectIdentifier;
use zeroize::Zeroizing;

use crate::cms::oids;
use crate::{Error, Result};

/// Length of the GCM nonce written and accepted (RFC 5084 3.2 recommends 12 octets).
pub const GCM_NONCE_LEN: usize = 12;
/// Length of the GCM tag written and accepted (RFC 5084 3.2 allows 12-16; 16 is what
/// OpenSSL and every client write).
pub const GCM_TAG_LEN: usize = 16;
/// The AES block (and CBC IV) length.
pub const AES_BLOCK_LEN: usize = 16;

/// A content-encryption algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentCipher {
    /// AES-128 in CBC mode with PKCS#7 padding (RFC 3565), EnvelopedData.
    Aes128Cbc,
    /// AES-256 in CBC mode with PKCS#7 padding (RFC 3565), EnvelopedData.
    Aes256Cbc,
    /// AES-128-GCM (RFC 5084), AuthEnvelopedData.
    Aes128Gcm,
    /// AES-256-GCM (RFC 5084), AuthEnvelopedData.
    Aes256Gcm,
}

/// A content decryption that failed: wrong key, changed ciphertext, bad padding or tag.
/// Deliberately without detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentDecryptionFailed;

impl ContentCipher {
    /// The algorithm's object identifier.
    pub fn oid(&self) -> ObjectIdentifier {
        match self {
            ContentCipher::Aes128Cbc => oids::AES128_CBC,
            ContentCipher::Aes256Cbc => oids::AES256_CBC,
            ContentCipher::Aes128Gcm => oids::AES128_GCM,
            ContentCipher::Aes256Gcm => oids::AES256_GCM,
        }
    }

    /// The cipher for an object identifier, if it is one of the supported ones.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        match *oid {
            oids::AES128_CBC => Some(ContentCipher::Aes128Cbc),
            oids::AES256_CBC => Some(ContentCipher::Aes256Cbc),
            oids::AES128_GCM => Some(ContentCipher::Aes128Gcm),
            oids::AES256_GCM => Some(ContentCipher::Aes256Gcm),
            _ => None,
        }
    }

    /// The name used in reports and on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            ContentCipher::Aes128Cbc => "AES-128-CBC",
            ContentCipher::Aes256Cbc => "AES-256-CBC",
            ContentCipher::Aes128Gcm => "AES-128-GCM",
            ContentCipher::Aes256Gcm => "AES-256-GCM",
        }
    }

    /// The key length in bytes.
    pub fn key_len(&self) -> usize {
        match self {
            ContentCipher::Aes128Cbc | ContentCipher::Aes128Gcm => 16,
            ContentCipher::Aes256Cbc | ContentCipher::Aes256Gcm => 32,
        }
    }

    /// Whether this is an AEAD cipher (AuthEnvelopedData) rather than CBC (EnvelopedData).
    pub fn is_aead(&self) -> bool {
        matches!(self, ContentCipher::Aes128Gcm | ContentCipher::Aes256Gcm)
    }

    fn cbc_algorithm(&self) -> &'static aws_lc_rs::cipher::Algorithm {
        match self {
            ContentCipher::Aes128Cbc | ContentCipher::Aes128Gcm => &AES_128,
            ContentCipher::Aes256Cbc | ContentCipher::Aes256Gcm => &AES_256,
        }
    }

    fn aead_algorithm(&self) -> &'static aead::Algorithm {
        match self {
            ContentCipher::Aes128Cbc | ContentCipher::Aes128Gcm => &aead::AES_128_GCM,
            ContentCipher::Aes256Cbc | ContentCipher::Aes256Gcm => &aead::AES_256_GCM,
        }
    }

    /// A fresh random content-encryption key of the right length.
    pub fn generate_key(&self) -> Result<Zeroizing<Vec<u8>>> {
        random_bytes(self.key_len())
    }
}

/// `len` random bytes from the backend's DRBG.
pub fn random_bytes(len: usize) -> Result<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(vec![0u8; len]);
    aws_lc_rs::rand::fill(&mut out)
        .map_err(|_| Error::Unexpected("the random number generator failed".into()))?;
    Ok(out)
}

fn backend_error(what: &str) -> Error {
    Error::Unexpected(format!("the cipher backend refused to {what}"))
}

/// Encrypt with AES-CBC and PKCS#7 padding under a fresh random IV; returns (IV, ciphertext).
pub fn cbc_encrypt(
    cipher: ContentCipher,
    key: &[u8],
    mut plaintext: Vec<u8>,
) -> Result<([u8; AES_BLOCK_LEN], Vec<u8>)> {
    let iv_bytes = random_bytes(AES_BLOCK_LEN)?;
    let mut iv = [0u8; AES_BLOCK_LEN];
    iv.copy_from_slice(&iv_bytes);
    let unbound = UnboundCipherKey::new(cipher.cbc_algorithm(), key)
        .map_err(|_| backend_error("take the content key"))?;
    let encrypting =
        PaddedBlockEncryptingKey::cbc_pkcs7(unbound).map_err(|_| backend_error("set up CBC"))?;
    encrypting
        .less_safe_encrypt(
            &mut plaintext,
            EncryptionContext::Iv128(FixedLength::from(iv)),
        )
        .map_err(|_| backend_error("encrypt"))?;
    Ok((iv, plaintext))
}

/// Decrypt AES-CBC and check the PKCS#7 padding; the plaintext is returned only when the
/// padding is right.
pub fn cbc_decrypt(
    cipher: ContentCipher,
    key: &[u8],
    iv: &[u8],
    mut ciphertext: Vec<u8>,
) -> std::result::Result<Zeroizing<Vec<u8>>, ContentDecryptionFailed> {
    let iv: [u8; AES_BLOCK_LEN] = iv.try_into().map_err(|_| ContentDecryptionFailed)?;
    if ciphertext.is_empty() || ciphertext.len() % AES_BLOCK_LEN != 0 {
        return Err(ContentDecryptionFailed);
    }
    let unbound =
        UnboundCipherKey::new(cipher.cbc_algorithm(), key).map_err(|_| ContentDecryptionFailed)?;
    let decrypting =
        PaddedBlockDecryptingKey::cbc_pkcs7(unbound).map_err(|_| ContentDecryptionFailed)?;
    let len = decrypting
        .decrypt(
            &mut ciphertext,
            DecryptionContext::Iv128(FixedLength::from(iv)),
        )
        .map_err(|_| ContentDecryptionFailed)?
        .len();
    ciphertext.truncate(len);
    Ok(Zeroizing::new(ciphertext))
}

/// Encrypt with AES-GCM under a fresh random 12-byte nonce; returns (nonce, ciphertext, tag).
pub fn gcm_seal(
    cipher: ContentCipher,
    key: &[u8],
    aad: &[u8],
    mut plaintext: Vec<u8>,
) -> Result<([u8; GCM_NONCE_LEN], Vec<u8>, [u8; GCM_TAG_LEN])> {
    let nonce_bytes = random_bytes(GCM_NONCE_LEN)?;
    let mut nonce = [0u8; GCM_NONCE_LEN];
    nonce.copy_from_slice(&nonce_bytes);
    let unbound = UnboundKey::new(cipher.aead_algorithm(), key)
        .map_err(|_| backend_error("take the content key"))?;
    let key = LessSafeKey::new(unbound);
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut plaintext,
        )
        .map_err(|_| backend_error("encrypt"))?;
    let mut tag_bytes = [0u8; GCM_TAG_LEN];
    tag_bytes.copy_from_slice(tag.as_ref());
    Ok((nonce, plaintext, tag_bytes))
}

/// Decrypt AES-GCM; the tag is checked before any plaintext is returned.
pub fn gcm_open(
    cipher: ContentCipher,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    ciphertext: Vec<u8>,
    tag: &[u8],
) -> std::result::Result<Zeroizing<Vec<u8>>, ContentDecryptionFailed> {
    let nonce: [u8; GCM_NONCE_LEN] = nonce.try_into().map_err(|_| ContentDecryptionFailed)?;
    if tag.len() != GCM_TAG_LEN {
        return Err(ContentDecryptionFailed);
    }
    let unbound =
        UnboundKey::new(cipher.aead_algorithm(), key).map_err(|_| ContentDecryptionFailed)?;
    let key = LessSafeKey::new(unbound);
    let mut in_out = Zeroizing::new(ciphertext);
    in_out.extend_from_slice(tag);
    let len = key
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut in_out,
        )
        .map_err(|_| ContentDecryptionFailed)?
        .len();
    in_out.truncate(len);
    Ok(in_out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cbc_round_trip_and_bad_padding_fails() {
        for cipher in [ContentCipher::Aes128Cbc, ContentCipher::Aes256Cbc] {
            let key = cipher.generate_key().unwrap();
            let (iv, ct) = cbc_encrypt(cipher, &key, b"hello world".to_vec()).unwrap();
            assert_eq!(ct.len(), 16);
            let pt = cbc_decrypt(cipher, &key, &iv, ct.clone()).unwrap();
            assert_eq!(&pt[..], b"hello world");
            let mut bad_iv = iv;
            bad_iv[15] ^= 0x80; // the last plaintext byte is the padding length
            assert!(cbc_decrypt(cipher, &key, &bad_iv, ct).is_err());
        }
    }

    #[test]
    fn gcm_round_trip_and_changed_tag_or_aad_fails() {
        for cipher in [ContentCipher::Aes128Gcm, ContentCipher::Aes256Gcm] {
            let key = cipher.generate_key().unwrap();
            let (nonce, ct, tag) = gcm_seal(cipher, &key, b"aad", b"secret".to_vec()).unwrap();
            let pt = gcm_open(cipher, &key, &nonce, b"aad", ct.clone(), &tag).unwrap();
            assert_eq!(&pt[..], b"secret");
            assert!(gcm_open(cipher, &key, &nonce, b"other", ct.clone(), &tag).is_err());
            let mut bad = tag;
            bad[0] ^= 1;
            assert!(gcm_open(cipher, &key, &nonce, b"aad", ct, &bad).is_err());
        }
    }
}

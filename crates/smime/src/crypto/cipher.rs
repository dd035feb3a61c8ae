//! Content-encryption ciphers, streamed: AES-CBC (RFC 3565; AES-192 read only) for EnvelopedData, AES-GCM
//! (RFC 5084) and ChaCha20-Poly1305 (RFC 8103) for AuthEnvelopedData, and for reading old
//! mail only 3DES and RC2 (RFC 3370 5.1, 5.2).
//!
//! [`ContentEncryptor`] and [`ContentDecryptor`] take the content in pieces of any size.
//! Decryption hands out plaintext before it is checked (a GCM or Poly1305 tag, or CBC
//! padding): the caller must hold it back until [`ContentDecryptor::finish`] succeeds
//! (see [`crate::stream::PlaintextSink`]). Failures carry no detail
//! ([`ContentDecryptionFailed`]): the caller turns every one of them into the same error
//! as a failed key transport (RFC 3218).

use aws_lc_rs::cipher::{
    DecryptionContext, EncryptionContext, StreamingDecryptingKey, StreamingEncryptingKey,
    UnboundCipherKey, AES_128, AES_192, AES_256,
};
use aws_lc_rs::iv::FixedLength;
use const_oid::ObjectIdentifier;
use zeroize::Zeroizing;

use super::chacha20_poly1305::{ChaCha20Poly1305Decryptor, ChaCha20Poly1305Encryptor};
use super::gcm::{GcmDecryptor, GcmEncryptor};
use super::legacy_cbc::LegacyCbcDecryptor;
pub use super::legacy_cbc::{rc2_effective_key_bits, BLOCK_LEN as LEGACY_BLOCK_LEN};
use crate::cms::oids;
use crate::{Error, Result};

/// The AES block (and CBC IV) length.
pub const AES_BLOCK_LEN: usize = 16;
/// The AEAD nonce length written (GCM and ChaCha20-Poly1305).
pub const AEAD_NONCE_LEN: usize = 12;
/// The AEAD tag length written.
pub const AEAD_TAG_LEN: usize = 16;

/// A content-encryption algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentCipher {
    /// AES-128 in CBC mode with PKCS#7 padding (RFC 3565), EnvelopedData.
    Aes128Cbc,
    /// AES-192 in CBC mode with PKCS#7 padding (RFC 3565), EnvelopedData: read, never
    /// written (S/MIME 4.0 senders use AES-128 or AES-256, RFC 8551 2.7).
    Aes192Cbc,
    /// AES-256 in CBC mode with PKCS#7 padding (RFC 3565), EnvelopedData.
    Aes256Cbc,
    /// AES-128-GCM (RFC 5084), AuthEnvelopedData.
    Aes128Gcm,
    /// AES-256-GCM (RFC 5084), AuthEnvelopedData.
    Aes256Gcm,
    /// ChaCha20-Poly1305 (RFC 8103), AuthEnvelopedData.
    ChaCha20Poly1305,
    /// Triple DES in CBC mode (RFC 3370 5.1): legacy, decryption only.
    DesEde3Cbc,
    /// RC2 in CBC mode (RFC 3370 5.2): legacy, decryption only.
    Rc2Cbc,
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
            ContentCipher::Aes192Cbc => oids::AES192_CBC,
            ContentCipher::Aes256Cbc => oids::AES256_CBC,
            ContentCipher::Aes128Gcm => oids::AES128_GCM,
            ContentCipher::Aes256Gcm => oids::AES256_GCM,
            ContentCipher::ChaCha20Poly1305 => oids::CHACHA20_POLY1305,
            ContentCipher::DesEde3Cbc => oids::DES_EDE3_CBC,
            ContentCipher::Rc2Cbc => oids::RC2_CBC,
        }
    }

    /// The cipher for an object identifier, if it is one this crate reads.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        [
            ContentCipher::Aes128Cbc,
            ContentCipher::Aes192Cbc,
            ContentCipher::Aes256Cbc,
            ContentCipher::Aes128Gcm,
            ContentCipher::Aes256Gcm,
            ContentCipher::ChaCha20Poly1305,
            ContentCipher::DesEde3Cbc,
            ContentCipher::Rc2Cbc,
        ]
        .into_iter()
        .find(|c| c.oid() == *oid)
    }

    /// The name used in reports and on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            ContentCipher::Aes128Cbc => "AES-128-CBC",
            ContentCipher::Aes192Cbc => "AES-192-CBC",
            ContentCipher::Aes256Cbc => "AES-256-CBC",
            ContentCipher::Aes128Gcm => "AES-128-GCM",
            ContentCipher::Aes256Gcm => "AES-256-GCM",
            ContentCipher::ChaCha20Poly1305 => "ChaCha20-Poly1305",
            ContentCipher::DesEde3Cbc => "3DES (des-ede3-cbc)",
            ContentCipher::Rc2Cbc => "RC2 (rc2-cbc)",
        }
    }

    /// The content-encryption key length in bytes. RC2 keys may have any length; 16 bytes
    /// (128 bits) is what RFC 3370 5.2 writers use and what is asked of key transport.
    pub fn key_len(&self) -> usize {
        match self {
            ContentCipher::Aes128Cbc | ContentCipher::Aes128Gcm | ContentCipher::Rc2Cbc => 16,
            ContentCipher::Aes256Cbc
            | ContentCipher::Aes256Gcm
            | ContentCipher::ChaCha20Poly1305 => 32,
            ContentCipher::Aes192Cbc => 24,
            ContentCipher::DesEde3Cbc => super::legacy_cbc::DES_EDE3_KEY_LEN,
        }
    }

    /// Whether this is an AEAD cipher (AuthEnvelopedData) rather than CBC (EnvelopedData).
    pub fn is_aead(&self) -> bool {
        matches!(
            self,
            ContentCipher::Aes128Gcm | ContentCipher::Aes256Gcm | ContentCipher::ChaCha20Poly1305
        )
    }

    /// Whether this is a legacy cipher, read only with `CryptoPolicy::allow_legacy` and
    /// never written.
    pub fn is_legacy(&self) -> bool {
        matches!(self, ContentCipher::DesEde3Cbc | ContentCipher::Rc2Cbc)
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

fn aes_algorithm(key: &[u8]) -> Option<&'static aws_lc_rs::cipher::Algorithm> {
    match key.len() {
        16 => Some(&AES_128),
        24 => Some(&AES_192),
        32 => Some(&AES_256),
        _ => None,
    }
}

/// Run a backend streaming update, appending its output to `out`.
fn append_with(
    out: &mut Vec<u8>,
    capacity: usize,
    update: impl FnOnce(&mut [u8]) -> std::result::Result<usize, ()>,
) -> std::result::Result<(), ()> {
    let start = out.len();
    out.resize(start + capacity, 0);
    let written = update(&mut out[start..])?;
    out.truncate(start + written);
    Ok(())
}

enum Encrypting {
    Cbc(StreamingEncryptingKey),
    Gcm(Box<GcmEncryptor>),
    ChaCha(Box<ChaCha20Poly1305Encryptor>),
}

/// Streaming content encryption under a fresh IV or nonce.
pub struct ContentEncryptor {
    mode: Encrypting,
    iv: Vec<u8>,
}

impl ContentEncryptor {
    /// Encrypt with `cipher` under `key` and a fresh random IV (CBC) or nonce (AEAD).
    /// Legacy ciphers are refused: they are never written.
    pub fn new(cipher: ContentCipher, key: &[u8]) -> Result<Self> {
        let refused = || Error::Unexpected(format!("the cipher backend refused {}", cipher.name()));
        if key.len() != cipher.key_len() {
            return Err(refused());
        }
        let (mode, iv) = match cipher {
            ContentCipher::Aes128Cbc | ContentCipher::Aes256Cbc => {
                let iv = random_bytes(AES_BLOCK_LEN)?;
                let iv_block: [u8; AES_BLOCK_LEN] = iv[..].try_into().map_err(|_| refused())?;
                let unbound = UnboundCipherKey::new(aes_algorithm(key).ok_or_else(refused)?, key)
                    .map_err(|_| refused())?;
                let key = StreamingEncryptingKey::less_safe_cbc_pkcs7(
                    unbound,
                    EncryptionContext::Iv128(FixedLength::from(iv_block)),
                )
                .map_err(|_| refused())?;
                (Encrypting::Cbc(key), iv.to_vec())
            }
            ContentCipher::Aes128Gcm | ContentCipher::Aes256Gcm => {
                let nonce = random_nonce()?;
                (
                    Encrypting::Gcm(Box::new(GcmEncryptor::new(key, &nonce)?)),
                    nonce.to_vec(),
                )
            }
            ContentCipher::ChaCha20Poly1305 => {
                let nonce = random_nonce()?;
                (
                    Encrypting::ChaCha(Box::new(ChaCha20Poly1305Encryptor::new(key, &nonce)?)),
                    nonce.to_vec(),
                )
            }
            ContentCipher::DesEde3Cbc | ContentCipher::Rc2Cbc => {
                return Err(Error::Refused {
                    what: format!("content encryption {}", cipher.name()),
                    reason: "legacy ciphers are only ever read, never written".into(),
                })
            }
            ContentCipher::Aes192Cbc => {
                return Err(Error::Refused {
                    what: format!("content encryption {}", cipher.name()),
                    reason: "AES-192 is only read; messages are written with AES-128 or AES-256"
                        .into(),
                })
            }
        };
        Ok(ContentEncryptor { mode, iv })
    }

    /// The CBC IV or the AEAD nonce, for the algorithm parameters.
    pub fn iv(&self) -> &[u8] {
        &self.iv
    }

    /// Encrypt `input`, appending ciphertext to `out`.
    pub fn update(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<()> {
        match &mut self.mode {
            Encrypting::Cbc(key) => append_with(out, input.len() + AES_BLOCK_LEN, |buf| {
                key.update(input, buf)
                    .map(|u| u.written().len())
                    .map_err(|_| ())
            })
            .map_err(|()| Error::Unexpected("AES-CBC encryption failed".into())),
            Encrypting::Gcm(gcm) => gcm.update(input, out),
            Encrypting::ChaCha(chacha) => chacha.update(input, out),
        }
    }

    /// Finish: the last CBC block (with its padding) goes to `out`; for an AEAD the tag
    /// is returned.
    pub fn finish(self, out: &mut Vec<u8>) -> Result<Option<[u8; AEAD_TAG_LEN]>> {
        match self.mode {
            Encrypting::Cbc(key) => {
                append_with(out, AES_BLOCK_LEN, |buf| {
                    key.finish(buf)
                        .map(|(_, u)| u.written().len())
                        .map_err(|_| ())
                })
                .map_err(|()| Error::Unexpected("AES-CBC encryption failed".into()))?;
                Ok(None)
            }
            Encrypting::Gcm(gcm) => Ok(Some(gcm.finish(&[])?)),
            Encrypting::ChaCha(chacha) => Ok(Some(chacha.finish())),
        }
    }
}

fn random_nonce() -> Result<[u8; AEAD_NONCE_LEN]> {
    let bytes = random_bytes(AEAD_NONCE_LEN)?;
    let mut nonce = [0u8; AEAD_NONCE_LEN];
    nonce.copy_from_slice(&bytes);
    Ok(nonce)
}

/// The content-encryption algorithm of a received message with its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentEncryption {
    /// The cipher.
    pub cipher: ContentCipher,
    /// The CBC IV or the AEAD nonce.
    pub iv: Vec<u8>,
    /// The AEAD tag length (GCMParameters aes-ICVlen, RFC 5084 3.2); 0 for CBC.
    pub tag_len: usize,
    /// RC2's effective key bits (RFC 3370 5.2); 0 for the other ciphers.
    pub rc2_effective_bits: usize,
}

impl ContentEncryption {
    /// The content-encryption key length to unwrap: the cipher's, except for RC2, whose
    /// key is as long as its effective key bits (RC2-40 has a 5-byte key, RFC 3370 5.2).
    pub fn key_len(&self) -> usize {
        if self.cipher == ContentCipher::Rc2Cbc && self.rc2_effective_bits.is_multiple_of(8) {
            (self.rc2_effective_bits / 8).clamp(1, 128)
        } else {
            self.cipher.key_len()
        }
    }
}

enum Decrypting {
    Cbc(StreamingDecryptingKey),
    Gcm(Box<GcmDecryptor>),
    ChaCha(Box<ChaCha20Poly1305Decryptor>),
    Legacy(Box<LegacyCbcDecryptor>),
}

/// Streaming content decryption. What [`ContentDecryptor::update`] yields is not checked
/// yet: release it only after [`ContentDecryptor::finish`] succeeds.
pub struct ContentDecryptor {
    mode: Decrypting,
}

impl ContentDecryptor {
    /// Decrypt per `encryption` under `key`. A key of the wrong length (possible only
    /// after a failed key transport) fails like a wrong key.
    pub fn new(
        encryption: &ContentEncryption,
        key: &[u8],
    ) -> std::result::Result<Self, ContentDecryptionFailed> {
        let iv = &encryption.iv;
        let mode = match encryption.cipher {
            ContentCipher::Aes128Cbc | ContentCipher::Aes192Cbc | ContentCipher::Aes256Cbc => {
                if key.len() != encryption.cipher.key_len() {
                    return Err(ContentDecryptionFailed);
                }
                let iv: [u8; AES_BLOCK_LEN] =
                    iv[..].try_into().map_err(|_| ContentDecryptionFailed)?;
                let unbound =
                    UnboundCipherKey::new(aes_algorithm(key).ok_or(ContentDecryptionFailed)?, key)
                        .map_err(|_| ContentDecryptionFailed)?;
                Decrypting::Cbc(
                    StreamingDecryptingKey::cbc_pkcs7(
                        unbound,
                        DecryptionContext::Iv128(FixedLength::from(iv)),
                    )
                    .map_err(|_| ContentDecryptionFailed)?,
                )
            }
            ContentCipher::Aes128Gcm | ContentCipher::Aes256Gcm => {
                if key.len() != encryption.cipher.key_len() {
                    return Err(ContentDecryptionFailed);
                }
                let nonce = iv[..].try_into().map_err(|_| ContentDecryptionFailed)?;
                Decrypting::Gcm(Box::new(GcmDecryptor::new(key, nonce)?))
            }
            ContentCipher::ChaCha20Poly1305 => {
                let nonce = iv[..].try_into().map_err(|_| ContentDecryptionFailed)?;
                Decrypting::ChaCha(Box::new(ChaCha20Poly1305Decryptor::new(key, nonce)?))
            }
            ContentCipher::DesEde3Cbc => {
                Decrypting::Legacy(Box::new(LegacyCbcDecryptor::des_ede3(key, iv)?))
            }
            ContentCipher::Rc2Cbc => Decrypting::Legacy(Box::new(LegacyCbcDecryptor::rc2(
                key,
                encryption.rc2_effective_bits,
                iv,
            )?)),
        };
        Ok(ContentDecryptor { mode })
    }

    /// Decrypt `input`, appending not yet checked plaintext to `out`.
    pub fn update(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
    ) -> std::result::Result<(), ContentDecryptionFailed> {
        match &mut self.mode {
            Decrypting::Cbc(key) => append_with(out, input.len() + AES_BLOCK_LEN, |buf| {
                key.update(input, buf)
                    .map(|u| u.written().len())
                    .map_err(|_| ())
            })
            .map_err(|()| ContentDecryptionFailed),
            Decrypting::Gcm(gcm) => gcm.update(input, out),
            Decrypting::ChaCha(chacha) => chacha.update(input, out),
            Decrypting::Legacy(legacy) => {
                legacy.update(input, out);
                Ok(())
            }
        }
    }

    /// Finish: CBC checks the padding and appends the last block to `out`; an AEAD checks
    /// `tag` over the ciphertext and the additional data `aad` (authAttrs, RFC 5083 2.2).
    pub fn finish(
        self,
        out: &mut Vec<u8>,
        aad: &[u8],
        tag: Option<&[u8]>,
    ) -> std::result::Result<(), ContentDecryptionFailed> {
        match self.mode {
            Decrypting::Cbc(key) => append_with(out, AES_BLOCK_LEN, |buf| {
                key.finish(buf).map(|u| u.written().len()).map_err(|_| ())
            })
            .map_err(|()| ContentDecryptionFailed),
            Decrypting::Gcm(gcm) => gcm.finish(aad, tag.ok_or(ContentDecryptionFailed)?),
            Decrypting::ChaCha(chacha) => chacha.finish(aad, tag.ok_or(ContentDecryptionFailed)?),
            Decrypting::Legacy(legacy) => legacy.finish(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(cipher: ContentCipher, enc: &ContentEncryptor) -> ContentEncryption {
        ContentEncryption {
            cipher,
            iv: enc.iv().to_vec(),
            tag_len: if cipher.is_aead() { AEAD_TAG_LEN } else { 0 },
            rc2_effective_bits: 0,
        }
    }

    fn round_trip(cipher: ContentCipher, plaintext: &[u8], chunk: usize) -> Vec<u8> {
        let key = cipher.generate_key().unwrap();
        let mut enc = ContentEncryptor::new(cipher, &key).unwrap();
        let mut ct = Vec::new();
        for piece in plaintext.chunks(chunk.max(1)) {
            enc.update(piece, &mut ct).unwrap();
        }
        let p = params(cipher, &enc);
        let tag = enc.finish(&mut ct).unwrap();
        let mut dec = ContentDecryptor::new(&p, &key).unwrap();
        let mut out = Vec::new();
        for piece in ct.chunks(chunk.max(1)) {
            dec.update(piece, &mut out).unwrap();
        }
        dec.finish(&mut out, &[], tag.as_ref().map(|t| &t[..]))
            .unwrap();
        out
    }

    #[test]
    fn every_written_cipher_round_trips_in_pieces() {
        for cipher in [
            ContentCipher::Aes128Cbc,
            ContentCipher::Aes256Cbc,
            ContentCipher::Aes128Gcm,
            ContentCipher::Aes256Gcm,
            ContentCipher::ChaCha20Poly1305,
        ] {
            for len in [0usize, 1, 15, 16, 17, 1000] {
                let plaintext: Vec<u8> = (0..len).map(|i| i as u8).collect();
                for chunk in [1, 16, 333] {
                    assert_eq!(
                        round_trip(cipher, &plaintext, chunk),
                        plaintext,
                        "{cipher:?} {len} {chunk}"
                    );
                }
            }
        }
    }

    #[test]
    fn cbc_bad_padding_fails_at_finish() {
        for cipher in [ContentCipher::Aes128Cbc, ContentCipher::Aes256Cbc] {
            let key = cipher.generate_key().unwrap();
            let mut enc = ContentEncryptor::new(cipher, &key).unwrap();
            let mut ct = Vec::new();
            enc.update(b"hello world", &mut ct).unwrap();
            let mut p = params(cipher, &enc);
            enc.finish(&mut ct).unwrap();
            p.iv[15] ^= 0x80; // the last plaintext byte is the padding length
            let mut dec = ContentDecryptor::new(&p, &key).unwrap();
            let mut out = Vec::new();
            dec.update(&ct, &mut out).unwrap();
            assert!(dec.finish(&mut out, &[], None).is_err());
        }
    }

    /// AES-192-CBC is read: what openssl writes with `-aes-192-cbc`, decrypted with its key.
    #[test]
    fn aes192_cbc_decrypts_what_openssl_encrypts() {
        let pki = crate::crypto::test_pki::Pki::new();
        let key = [0x5au8; 24];
        let iv = [0xa5u8; 16];
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        let plaintext: Vec<u8> = (0..100u8).collect();
        pki.write("p", &plaintext);
        pki.openssl(&[
            "enc",
            "-aes-192-cbc",
            "-K",
            &hex(&key),
            "-iv",
            &hex(&iv),
            "-in",
            "p",
            "-out",
            "c",
        ]);
        let ciphertext = pki.read("c");
        let encryption = ContentEncryption {
            cipher: ContentCipher::Aes192Cbc,
            iv: iv.to_vec(),
            tag_len: 0,
            rc2_effective_bits: 0,
        };
        let mut out = Vec::new();
        let mut dec = ContentDecryptor::new(&encryption, &key).unwrap();
        for piece in ciphertext.chunks(7) {
            dec.update(piece, &mut out).unwrap();
        }
        dec.finish(&mut out, &[], None).unwrap();
        assert_eq!(out, plaintext);
        let mut wrong = key;
        wrong[0] ^= 1;
        let mut dec = ContentDecryptor::new(&encryption, &wrong).unwrap();
        let mut out = Vec::new();
        dec.update(&ciphertext, &mut out).unwrap();
        assert!(dec.finish(&mut out, &[], None).is_err() || out != plaintext);
    }

    #[test]
    fn legacy_and_read_only_ciphers_are_never_written() {
        for cipher in [
            ContentCipher::DesEde3Cbc,
            ContentCipher::Rc2Cbc,
            ContentCipher::Aes192Cbc,
        ] {
            let key = vec![1u8; cipher.key_len()];
            let err = ContentEncryptor::new(cipher, &key).err().unwrap();
            assert!(matches!(err, Error::Refused { .. }), "{err}");
        }
    }
}

//! ChaCha20-Poly1305 (RFC 8439 2.8) in a stream, for AuthEnvelopedData (RFC 8103).
//!
//! The backend seals ChaCha20-Poly1305 only over a whole message in memory; here the
//! RustCrypto `chacha20` keystream and `poly1305` MAC are combined as RFC 8439 2.8 says:
//! the one-time Poly1305 key is the first 32 bytes of keystream block 0, the content is
//! encrypted from block 1 on, and the MAC covers AAD || pad16 || ciphertext || pad16 ||
//! le64(len(AAD)) || le64(len(ciphertext)).
//!
//! The additional data (authAttrs, RFC 5083 2.1) come after the content in a message but
//! first in the MAC. Poly1305 cannot put them in front afterwards (unlike GHASH), so the
//! decryptor keeps a copy of the ciphertext up to [`REPLAY_LIMIT`] and recomputes the MAC
//! when attributes turn up; a longer content with attributes fails. S/MIME writers put no
//! authAttrs on id-data content (RFC 9216's example has none, nor does this crate).

use chacha20::cipher::{KeyIvInit, StreamCipher, StreamCipherSeek};
use chacha20::ChaCha20;
use poly1305::universal_hash::{KeyInit, UniversalHash};
use poly1305::Poly1305;
use zeroize::Zeroizing;

use super::cipher::ContentDecryptionFailed;
use crate::{Error, Result};

/// The key length.
pub const KEY_LEN: usize = 32;
/// The nonce length (RFC 8103 3: AEADChaCha20Poly1305Nonce, 12 octets).
pub const NONCE_LEN: usize = 12;
/// The tag length (RFC 8103 3: 16 octets).
pub const TAG_LEN: usize = 16;
/// How much ciphertext the decryptor keeps for the case that authAttrs follow the content.
pub const REPLAY_LIMIT: usize = 4 * 1024 * 1024;
/// RFC 8439 2.8: the block counter is 32 bits and starts at 1 for the content.
const MAX_TEXT_LEN: u64 = ((1u64 << 32) - 1) * 64;

/// The MAC over ciphertext that streams by, in whole 16-byte blocks.
struct Mac {
    poly: Poly1305,
    one_time_key: Zeroizing<[u8; 32]>,
    pending: [u8; 16],
    pending_len: usize,
    len: u64,
}

impl Mac {
    fn new(one_time_key: Zeroizing<[u8; 32]>) -> Self {
        Mac {
            poly: Poly1305::new((&*one_time_key).into()),
            one_time_key,
            pending: [0; 16],
            pending_len: 0,
            len: 0,
        }
    }

    fn update(&mut self, mut data: &[u8]) -> bool {
        self.len += data.len() as u64;
        if self.len > MAX_TEXT_LEN {
            return false;
        }
        if self.pending_len > 0 {
            let take = (16 - self.pending_len).min(data.len());
            self.pending[self.pending_len..self.pending_len + take].copy_from_slice(&data[..take]);
            self.pending_len += take;
            data = &data[take..];
            if self.pending_len < 16 {
                return true;
            }
            self.poly.update_padded(&self.pending);
            self.pending_len = 0;
        }
        let whole = data.len() / 16 * 16;
        self.poly.update_padded(&data[..whole]);
        let rest = &data[whole..];
        self.pending[..rest.len()].copy_from_slice(rest);
        self.pending_len = rest.len();
        true
    }

    /// The tag when there is no additional data.
    fn finish(mut self) -> [u8; TAG_LEN] {
        if self.pending_len > 0 {
            self.poly.update_padded(&self.pending[..self.pending_len]);
        }
        let mut lengths = [0u8; 16];
        lengths[8..].copy_from_slice(&self.len.to_le_bytes());
        self.poly.update_padded(&lengths);
        self.poly.finalize().into()
    }

    /// The tag over `aad` and `ciphertext`, all at once.
    fn one_shot(one_time_key: &[u8; 32], aad: &[u8], ciphertext: &[u8]) -> [u8; TAG_LEN] {
        let mut poly = Poly1305::new(one_time_key.into());
        poly.update_padded(aad);
        poly.update_padded(ciphertext);
        let mut lengths = [0u8; 16];
        lengths[..8].copy_from_slice(&(aad.len() as u64).to_le_bytes());
        lengths[8..].copy_from_slice(&(ciphertext.len() as u64).to_le_bytes());
        poly.update_padded(&lengths);
        poly.finalize().into()
    }
}

/// The keystream positioned at block 1 and the MAC keyed from block 0.
fn setup(key: &[u8], nonce: &[u8; NONCE_LEN]) -> Option<(ChaCha20, Zeroizing<[u8; 32]>)> {
    let key: &[u8; KEY_LEN] = key.try_into().ok()?;
    let mut stream = ChaCha20::new(key.into(), nonce.into());
    let mut one_time_key = Zeroizing::new([0u8; 32]);
    stream.apply_keystream(&mut *one_time_key);
    stream.seek(64u64);
    Some((stream, one_time_key))
}

/// Streaming ChaCha20-Poly1305 encryption.
pub struct ChaCha20Poly1305Encryptor {
    stream: ChaCha20,
    mac: Mac,
}

impl ChaCha20Poly1305Encryptor {
    /// Encrypt under a 32-byte key and a nonce that never repeats with it.
    pub fn new(key: &[u8], nonce: &[u8; NONCE_LEN]) -> Result<Self> {
        let (stream, one_time_key) = setup(key, nonce)
            .ok_or_else(|| Error::Unexpected("ChaCha20-Poly1305 needs a 32-byte key".into()))?;
        Ok(ChaCha20Poly1305Encryptor {
            stream,
            mac: Mac::new(one_time_key),
        })
    }

    /// Encrypt `input`, appending the ciphertext to `out`.
    pub fn update(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<()> {
        if self.mac.len + input.len() as u64 > MAX_TEXT_LEN {
            return Err(Error::Unexpected(
                "the content is longer than ChaCha20-Poly1305 allows (256 GiB)".into(),
            ));
        }
        let start = out.len();
        out.extend_from_slice(input);
        self.stream.apply_keystream(&mut out[start..]);
        self.mac.update(&out[start..]);
        Ok(())
    }

    /// The tag; this crate writes no additional data.
    pub fn finish(self) -> [u8; TAG_LEN] {
        self.mac.finish()
    }
}

/// Streaming ChaCha20-Poly1305 decryption. The plaintext it yields must be held back until
/// [`ChaCha20Poly1305Decryptor::finish`] has checked the tag.
pub struct ChaCha20Poly1305Decryptor {
    stream: ChaCha20,
    mac: Mac,
    /// The ciphertext so far while it is short enough to replay with additional data.
    replay: Option<Vec<u8>>,
}

impl ChaCha20Poly1305Decryptor {
    /// Decrypt under `key` and `nonce`; a key of the wrong length fails like a wrong key.
    pub fn new(
        key: &[u8],
        nonce: &[u8; NONCE_LEN],
    ) -> std::result::Result<Self, ContentDecryptionFailed> {
        let (stream, one_time_key) = setup(key, nonce).ok_or(ContentDecryptionFailed)?;
        Ok(ChaCha20Poly1305Decryptor {
            stream,
            mac: Mac::new(one_time_key),
            replay: Some(Vec::new()),
        })
    }

    /// Decrypt `input`, appending the (not yet authenticated) plaintext to `out`.
    pub fn update(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
    ) -> std::result::Result<(), ContentDecryptionFailed> {
        if !self.mac.update(input) {
            return Err(ContentDecryptionFailed);
        }
        if let Some(replay) = &mut self.replay {
            if replay.len() + input.len() <= REPLAY_LIMIT {
                replay.extend_from_slice(input);
            } else {
                self.replay = None;
            }
        }
        let start = out.len();
        out.extend_from_slice(input);
        self.stream.apply_keystream(&mut out[start..]);
        Ok(())
    }

    /// Check the 16-byte tag over `aad` and the ciphertext, in constant time.
    pub fn finish(
        self,
        aad: &[u8],
        tag: &[u8],
    ) -> std::result::Result<(), ContentDecryptionFailed> {
        if tag.len() != TAG_LEN {
            return Err(ContentDecryptionFailed);
        }
        let expected = if aad.is_empty() {
            self.mac.finish()
        } else {
            let replay = self.replay.as_ref().ok_or(ContentDecryptionFailed)?;
            Mac::one_shot(&self.mac.one_time_key, aad, replay)
        };
        aws_lc_rs::constant_time::verify_slices_are_equal(&expected, tag)
            .map_err(|_| ContentDecryptionFailed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305};

    use crate::crypto::test_pki::unhex as hex;

    /// RFC 8439 2.8.2: the AEAD test vector.
    #[test]
    fn chacha20_poly1305_rfc8439_vector_matches_streamed() {
        let plaintext = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
        let aad = hex("50515253c0c1c2c3c4c5c6c7");
        let key = hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
        let nonce: [u8; 12] = hex("070000004041424344454647").try_into().unwrap();
        let expected_tag = hex("1ae10b594f09e26a7e902ecbd0600691");
        let expected_start = hex("d31a8d34648e60db7b86afbc53ef7ec2");
        // The encryptor writes no AAD: compare its ciphertext, then the decryptor with AAD.
        let mut enc = ChaCha20Poly1305Encryptor::new(&key, &nonce).unwrap();
        let mut ciphertext = Vec::new();
        for piece in plaintext.chunks(7) {
            enc.update(piece, &mut ciphertext).unwrap();
        }
        assert_eq!(ciphertext[..16], expected_start[..]);
        let mut dec = ChaCha20Poly1305Decryptor::new(&key, &nonce).unwrap();
        let mut out = Vec::new();
        dec.update(&ciphertext, &mut out).unwrap();
        dec.finish(&aad, &expected_tag).unwrap();
        assert_eq!(out, plaintext);
    }

    #[test]
    fn chacha20_poly1305_streamed_matches_backend_one_shot() {
        let key = [0x42u8; 32];
        let nonce = [9u8; 12];
        for len in [0usize, 1, 15, 16, 17, 63, 64, 65, 1000, 70_001] {
            let plaintext: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let sealing = LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, &key).unwrap());
            let mut expected = plaintext.clone();
            sealing
                .seal_in_place_append_tag(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::empty(),
                    &mut expected,
                )
                .unwrap();
            for chunk in [1usize, 16, 100, 65_536] {
                let mut enc = ChaCha20Poly1305Encryptor::new(&key, &nonce).unwrap();
                let mut ct = Vec::new();
                for piece in plaintext.chunks(chunk) {
                    enc.update(piece, &mut ct).unwrap();
                }
                let tag = enc.finish();
                assert_eq!(ct, expected[..len], "len {len}");
                assert_eq!(tag, expected[len..], "len {len}");
                let mut dec = ChaCha20Poly1305Decryptor::new(&key, &nonce).unwrap();
                let mut out = Vec::new();
                for piece in ct.chunks(chunk) {
                    dec.update(piece, &mut out).unwrap();
                }
                dec.finish(&[], &tag).unwrap();
                assert_eq!(out, plaintext);
                let mut bad = tag;
                bad[0] ^= 1;
                let mut dec = ChaCha20Poly1305Decryptor::new(&key, &nonce).unwrap();
                dec.update(&ct, &mut Vec::new()).unwrap();
                assert!(dec.finish(&[], &bad).is_err());
            }
        }
    }
}

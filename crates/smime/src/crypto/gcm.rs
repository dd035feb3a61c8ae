//! AES-GCM (NIST SP 800-38D) in a stream, for AuthEnvelopedData (RFC 5084).
//!
//! The backend offers AES-GCM only over a whole message in memory, so it is built here
//! from the backend's streaming AES-CTR (the GCTR function, SP 800-38D 6.5) and GHASH
//! (RustCrypto `ghash`, 6.4): with a 96-bit IV, J0 = IV || 0^31 || 1 and the content is
//! encrypted from inc32(J0) on; the tag is E(K, J0) XOR GHASH(A || C || lengths).
//!
//! In AuthEnvelopedData the authenticated attributes (the GCM additional data, RFC 5083
//! 2.1) come after the content, while GHASH takes them first. GHASH is linear, so the
//! ciphertext is hashed as it streams by and the attributes are put in front afterwards:
//! with `c` ciphertext blocks, GHASH(A || C || L) = (GHASH(A) * H^c XOR GHASH(C) XOR L) * H.

use aws_lc_rs::cipher::{
    Algorithm, DecryptionContext, EncryptionContext, StreamingDecryptingKey,
    StreamingEncryptingKey, UnboundCipherKey, AES_128, AES_256,
};
use aws_lc_rs::iv::FixedLength;
use ghash::universal_hash::{KeyInit, UniversalHash};
use ghash::GHash;
use zeroize::Zeroize;

use super::cipher::ContentDecryptionFailed;
use crate::{Error, Result};

/// The nonce length written and read (SP 800-38D 8.2.1, RFC 5084 3.2: 12 octets).
pub const NONCE_LEN: usize = 12;
/// The tag length written (RFC 5084 3.2 allows 12 to 16 octets on reading).
pub const TAG_LEN: usize = 16;
/// The shortest tag accepted on reading (RFC 5084 3.2).
pub const MIN_TAG_LEN: usize = 12;
const BLOCK: usize = 16;
/// The longest plaintext, 2^39 - 256 bits (SP 800-38D 5.2.1.1); it also keeps the
/// backend's 128-bit counter from carrying out of the 32 bits that inc32 counts.
const MAX_TEXT_LEN: u64 = (1 << 36) - 32;

fn aes(key: &[u8]) -> Option<&'static Algorithm> {
    match key.len() {
        16 => Some(&AES_128),
        32 => Some(&AES_256),
        _ => None,
    }
}

/// E(K, block): one AES block through CTR mode with `block` as the counter.
fn encrypt_block(key: &[u8], block: [u8; BLOCK]) -> Option<[u8; BLOCK]> {
    let unbound = UnboundCipherKey::new(aes(key)?, key).ok()?;
    let mut ctr = StreamingEncryptingKey::less_safe_ctr(
        unbound,
        EncryptionContext::Iv128(FixedLength::from(block)),
    )
    .ok()?;
    let mut out = [0u8; 2 * BLOCK];
    let n = ctr.update(&[0u8; BLOCK], &mut out).ok()?.written().len();
    let mut result = [0u8; BLOCK];
    result.copy_from_slice(&out[..n.min(BLOCK)]);
    out.zeroize();
    (n == BLOCK).then_some(result)
}

fn counter_block(nonce: &[u8; NONCE_LEN], counter: u32) -> [u8; BLOCK] {
    let mut block = [0u8; BLOCK];
    block[..NONCE_LEN].copy_from_slice(nonce);
    block[NONCE_LEN..].copy_from_slice(&counter.to_be_bytes());
    block
}

/// x * y in GF(2^128) with GCM's bit order: GHASH of the single block x under key y.
fn gf_multiply(x: &[u8; BLOCK], y: &[u8; BLOCK]) -> [u8; BLOCK] {
    let mut hash = GHash::new(y.into());
    hash.update_padded(x);
    hash.finalize().into()
}

/// h^n by square and multiply.
fn gf_power(h: &[u8; BLOCK], mut n: u64) -> [u8; BLOCK] {
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

fn xor_into(target: &mut [u8; BLOCK], other: &[u8]) {
    for (t, o) in target.iter_mut().zip(other) {
        *t ^= o;
    }
}

/// How many interleaved GHASH lanes hash the ciphertext: four independent multiplication
/// chains keep the carry-less multiplier busy where one chain waits on each product.
const LANES: usize = 4;
/// Blocks held back so that the lanes' results can be put together with non-negative
/// powers of H (see [`CiphertextHash::finish`]).
const HELD_BLOCKS: usize = LANES - 1;

/// GHASH over the ciphertext as it streams by. Blocks go round-robin to [`LANES`] GHASH
/// instances keyed with H^4: lane j of quad q gets block 4q + j. With r >= 3 blocks left
/// at the end (hashed directly with H), GHASH(C) = XOR_j lane_j * H^(r-j) XOR GHASH(rest).
struct CiphertextHash {
    h: [u8; BLOCK],
    lanes: [GHash; LANES],
    used_lanes: bool,
    pending: Vec<u8>,
    len: u64,
}

impl CiphertextHash {
    fn new(h: [u8; BLOCK]) -> Self {
        let h4 = gf_power(&h, LANES as u64);
        CiphertextHash {
            h,
            lanes: std::array::from_fn(|_| GHash::new(&h4.into())),
            used_lanes: false,
            pending: Vec::with_capacity(64 * 1024 + 2 * LANES * BLOCK),
            len: 0,
        }
    }

    fn update(&mut self, data: &[u8]) -> bool {
        self.len += data.len() as u64;
        if self.len > MAX_TEXT_LEN {
            return false;
        }
        self.pending.extend_from_slice(data);
        let blocks = self.pending.len() / BLOCK;
        if blocks < HELD_BLOCKS + LANES {
            return true;
        }
        let quads = (blocks - HELD_BLOCKS) / LANES;
        let ready = quads * LANES * BLOCK;
        for quad in self.pending[..ready].chunks_exact(LANES * BLOCK) {
            for (lane, block) in self.lanes.iter_mut().zip(quad.chunks_exact(BLOCK)) {
                lane.update(std::slice::from_ref(block.into()));
            }
        }
        self.used_lanes = true;
        self.pending.drain(..ready);
        true
    }

    /// GHASH(A || C || len(A) || len(C)) for additional data `aad` given only now.
    fn finish(self, aad: &[u8]) -> [u8; BLOCK] {
        let mut rest = GHash::new(&self.h.into());
        rest.update_padded(&self.pending);
        let mut state: [u8; BLOCK] = rest.finalize().into();
        if self.used_lanes {
            let remaining = self.pending.len().div_ceil(BLOCK) as u64;
            for (j, lane) in self.lanes.into_iter().enumerate() {
                let lane: [u8; BLOCK] = lane.finalize().into();
                let shifted = gf_multiply(&lane, &gf_power(&self.h, remaining - j as u64));
                xor_into(&mut state, &shifted);
            }
        }
        if !aad.is_empty() {
            let mut aad_hash = GHash::new(&self.h.into());
            aad_hash.update_padded(aad);
            let aad_state: [u8; BLOCK] = aad_hash.finalize().into();
            let blocks = self.len.div_ceil(BLOCK as u64);
            let shifted = gf_multiply(&aad_state, &gf_power(&self.h, blocks));
            xor_into(&mut state, &shifted);
        }
        let mut lengths = [0u8; BLOCK];
        lengths[..8].copy_from_slice(&(aad.len() as u64 * 8).to_be_bytes());
        lengths[8..].copy_from_slice(&(self.len * 8).to_be_bytes());
        xor_into(&mut state, &lengths);
        gf_multiply(&state, &self.h)
    }
}

/// Setup shared by both directions: H = E(K, 0^128), E(K, J0) and the first counter block.
fn setup(key: &[u8], nonce: &[u8; NONCE_LEN]) -> Option<([u8; BLOCK], [u8; BLOCK], [u8; BLOCK])> {
    let h = encrypt_block(key, [0u8; BLOCK])?;
    let tag_mask = encrypt_block(key, counter_block(nonce, 1))?;
    Some((h, tag_mask, counter_block(nonce, 2)))
}

/// Streaming AES-GCM encryption.
pub struct GcmEncryptor {
    ctr: StreamingEncryptingKey,
    hash: CiphertextHash,
    tag_mask: [u8; BLOCK],
}

impl GcmEncryptor {
    /// Encrypt under `key` (16 or 32 bytes) and a 12-byte nonce that must never repeat
    /// with this key (the content key is fresh for every message).
    pub fn new(key: &[u8], nonce: &[u8; NONCE_LEN]) -> Result<Self> {
        let refused = || Error::Unexpected("the cipher backend refused the AES-GCM key".into());
        let (h, tag_mask, first) = setup(key, nonce).ok_or_else(refused)?;
        let unbound =
            UnboundCipherKey::new(aes(key).ok_or_else(refused)?, key).map_err(|_| refused())?;
        let ctr = StreamingEncryptingKey::less_safe_ctr(
            unbound,
            EncryptionContext::Iv128(FixedLength::from(first)),
        )
        .map_err(|_| refused())?;
        Ok(GcmEncryptor {
            ctr,
            hash: CiphertextHash::new(h),
            tag_mask,
        })
    }

    /// Encrypt `input`, appending the ciphertext (as long as the input) to `out`.
    pub fn update(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<()> {
        let start = out.len();
        out.resize(start + input.len() + BLOCK, 0);
        let written = self
            .ctr
            .update(input, &mut out[start..])
            .map_err(|_| Error::Unexpected("AES-CTR encryption failed".into()))?
            .written()
            .len();
        out.truncate(start + written);
        if written != input.len() || !self.hash.update(&out[start..]) {
            return Err(Error::Unexpected(
                "the content is longer than AES-GCM allows (64 GiB)".into(),
            ));
        }
        Ok(())
    }

    /// The tag over the ciphertext and the additional data `aad`.
    pub fn finish(self, aad: &[u8]) -> [u8; TAG_LEN] {
        let mut tag = self.hash.finish(aad);
        xor_into(&mut tag, &self.tag_mask);
        tag
    }
}

/// Streaming AES-GCM decryption. The plaintext it yields must be held back until
/// [`GcmDecryptor::finish`] has checked the tag.
pub struct GcmDecryptor {
    ctr: StreamingDecryptingKey,
    hash: CiphertextHash,
    tag_mask: [u8; BLOCK],
}

impl GcmDecryptor {
    /// Decrypt under `key` and `nonce`; a key of the wrong length fails like a wrong key.
    pub fn new(
        key: &[u8],
        nonce: &[u8; NONCE_LEN],
    ) -> std::result::Result<Self, ContentDecryptionFailed> {
        let (h, tag_mask, first) = setup(key, nonce).ok_or(ContentDecryptionFailed)?;
        let unbound = UnboundCipherKey::new(aes(key).ok_or(ContentDecryptionFailed)?, key)
            .map_err(|_| ContentDecryptionFailed)?;
        let ctr = StreamingDecryptingKey::ctr(
            unbound,
            DecryptionContext::Iv128(FixedLength::from(first)),
        )
        .map_err(|_| ContentDecryptionFailed)?;
        Ok(GcmDecryptor {
            ctr,
            hash: CiphertextHash::new(h),
            tag_mask,
        })
    }

    /// Decrypt `input`, appending the (not yet authenticated) plaintext to `out`.
    pub fn update(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
    ) -> std::result::Result<(), ContentDecryptionFailed> {
        if !self.hash.update(input) {
            return Err(ContentDecryptionFailed);
        }
        let start = out.len();
        out.resize(start + input.len() + BLOCK, 0);
        let written = self
            .ctr
            .update(input, &mut out[start..])
            .map_err(|_| ContentDecryptionFailed)?
            .written()
            .len();
        out.truncate(start + written);
        if written != input.len() {
            return Err(ContentDecryptionFailed);
        }
        Ok(())
    }

    /// Check the tag (12 to 16 bytes) over the ciphertext and `aad`, in constant time.
    pub fn finish(
        self,
        aad: &[u8],
        tag: &[u8],
    ) -> std::result::Result<(), ContentDecryptionFailed> {
        if !(MIN_TAG_LEN..=TAG_LEN).contains(&tag.len()) {
            return Err(ContentDecryptionFailed);
        }
        let mut expected = self.hash.finish(aad);
        xor_into(&mut expected, &self.tag_mask);
        aws_lc_rs::constant_time::verify_slices_are_equal(&expected[..tag.len()], tag)
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
                    let tag = enc.finish(&aad);
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

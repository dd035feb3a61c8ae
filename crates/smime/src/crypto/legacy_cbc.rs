//! Legacy content ciphers, for reading old mail only (`CryptoPolicy::allow_legacy`):
//! des-ede3-cbc (RFC 3370 5.1) and rc2-cbc (RFC 3370 5.2, RFC 2268), both with 8-byte
//! blocks and PKCS#7 padding (RFC 5652 6.3). Decryption only: nothing is ever encrypted
//! with them. The backend has no RC2, so both use RustCrypto `des`/`rc2` with `cbc`.

use cbc::cipher::{BlockDecryptMut, InnerIvInit, KeyInit};
use des::TdesEde3;
use rc2::Rc2;

use super::cipher::ContentDecryptionFailed;

/// The block (and IV) length of both ciphers.
pub const BLOCK_LEN: usize = 8;
/// The 3DES key length (three DES keys).
pub const DES_EDE3_KEY_LEN: usize = 24;

/// The effective key bits of an RC2CBCParameter version (RFC 3370 5.2, RFC 2268 6):
/// 160, 120 and 58 stand for 40, 64 and 128 bits; 256 and above are the bits themselves.
/// A missing version means 32 bits (RFC 2268 6).
pub fn rc2_effective_key_bits(version: Option<i64>) -> Option<usize> {
    match version {
        None => Some(32),
        Some(160) => Some(40),
        Some(120) => Some(64),
        Some(58) => Some(128),
        Some(v) if (256..=1024).contains(&v) => usize::try_from(v).ok(),
        Some(_) => None,
    }
}

enum Mode {
    DesEde3(Box<cbc::Decryptor<TdesEde3>>),
    Rc2(cbc::Decryptor<Rc2>),
}

/// Streaming CBC decryption with a legacy block cipher; the last block is held back
/// until [`LegacyCbcDecryptor::finish`] checks its padding.
pub struct LegacyCbcDecryptor {
    mode: Mode,
    pending: Vec<u8>,
}

impl LegacyCbcDecryptor {
    /// des-ede3-cbc with a 24-byte key.
    pub fn des_ede3(key: &[u8], iv: &[u8]) -> Result<Self, ContentDecryptionFailed> {
        let cipher = TdesEde3::new_from_slice(key).map_err(|_| ContentDecryptionFailed)?;
        let iv: [u8; BLOCK_LEN] = iv.try_into().map_err(|_| ContentDecryptionFailed)?;
        Ok(LegacyCbcDecryptor {
            mode: Mode::DesEde3(Box::new(cbc::Decryptor::inner_iv_init(cipher, &iv.into()))),
            pending: Vec::new(),
        })
    }

    /// rc2-cbc with a key of any length and `effective_bits` effective key bits.
    pub fn rc2(
        key: &[u8],
        effective_bits: usize,
        iv: &[u8],
    ) -> Result<Self, ContentDecryptionFailed> {
        if key.is_empty() || key.len() > 128 || effective_bits == 0 || effective_bits > 1024 {
            return Err(ContentDecryptionFailed);
        }
        let cipher = Rc2::new_with_eff_key_len(key, effective_bits);
        let iv: [u8; BLOCK_LEN] = iv.try_into().map_err(|_| ContentDecryptionFailed)?;
        Ok(LegacyCbcDecryptor {
            mode: Mode::Rc2(cbc::Decryptor::inner_iv_init(cipher, &iv.into())),
            pending: Vec::new(),
        })
    }

    fn decrypt_blocks(&mut self, data: &mut [u8]) {
        for block in data.chunks_exact_mut(BLOCK_LEN) {
            let block = block.into();
            match &mut self.mode {
                Mode::DesEde3(d) => d.decrypt_block_mut(block),
                Mode::Rc2(d) => d.decrypt_block_mut(block),
            }
        }
    }

    /// Decrypt `input`, appending plaintext to `out`; the last whole block waits.
    pub fn update(&mut self, input: &[u8], out: &mut Vec<u8>) {
        self.pending.extend_from_slice(input);
        let mut keep = self.pending.len() % BLOCK_LEN;
        if keep == 0 {
            keep = BLOCK_LEN.min(self.pending.len());
        }
        let ready = self.pending.len() - keep;
        if ready == 0 {
            return;
        }
        let mut blocks: Vec<u8> = self.pending.drain(..ready).collect();
        self.decrypt_blocks(&mut blocks);
        out.extend_from_slice(&blocks);
    }

    /// Decrypt the last block and check and strip its PKCS#7 padding.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<(), ContentDecryptionFailed> {
        if self.pending.len() != BLOCK_LEN {
            return Err(ContentDecryptionFailed);
        }
        let mut last = std::mem::take(&mut self.pending);
        self.decrypt_blocks(&mut last);
        let pad = last[BLOCK_LEN - 1];
        let mut good = (1..=BLOCK_LEN as u8).contains(&pad);
        for (i, &b) in last.iter().enumerate() {
            good &= i < BLOCK_LEN - usize::from(pad).min(BLOCK_LEN) || b == pad;
        }
        if !good {
            return Err(ContentDecryptionFailed);
        }
        out.extend_from_slice(&last[..BLOCK_LEN - usize::from(pad)]);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cbc::cipher::block_padding::Pkcs7;
    use cbc::cipher::BlockEncryptMut;

    #[test]
    fn legacy_cbc_round_trips_with_any_chunking_and_rejects_bad_padding() {
        let key = [0x11u8; 24];
        let iv = [0x22u8; 8];
        for len in [0usize, 1, 7, 8, 9, 100] {
            let plaintext: Vec<u8> = (0..len as u8).collect();
            let encryptor =
                cbc::Encryptor::<TdesEde3>::inner_iv_init(TdesEde3::new(&key.into()), &iv.into());
            let ciphertext = encryptor.encrypt_padded_vec_mut::<Pkcs7>(&plaintext);
            for chunk in [1usize, 3, 8, 64] {
                let mut dec = LegacyCbcDecryptor::des_ede3(&key, &iv).unwrap();
                let mut out = Vec::new();
                for piece in ciphertext.chunks(chunk) {
                    dec.update(piece, &mut out);
                }
                dec.finish(&mut out).unwrap();
                assert_eq!(out, plaintext, "len {len} chunk {chunk}");
            }
            let mut bad_iv = iv;
            if len < 8 {
                bad_iv[7] ^= 0x40; // changes the padding byte of the only block
                let mut dec = LegacyCbcDecryptor::des_ede3(&key, &bad_iv).unwrap();
                let mut out = Vec::new();
                dec.update(&ciphertext, &mut out);
                assert!(dec.finish(&mut out).is_err());
            }
        }
    }

    #[test]
    fn rc2_parameter_versions_map_to_effective_bits() {
        assert_eq!(rc2_effective_key_bits(Some(58)), Some(128));
        assert_eq!(rc2_effective_key_bits(Some(160)), Some(40));
        assert_eq!(rc2_effective_key_bits(Some(120)), Some(64));
        assert_eq!(rc2_effective_key_bits(Some(256)), Some(256));
        assert_eq!(rc2_effective_key_bits(Some(7)), None);
    }
}

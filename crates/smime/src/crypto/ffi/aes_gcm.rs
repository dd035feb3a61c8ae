//! AES-128/256-GCM (NIST SP 800-38D) fed incrementally, through aws-lc's `EVP_aes_*_gcm`
//! cipher context: the same stitched AES-NI + carry-less-multiply code that aws-lc-rs's
//! one-shot AES-GCM runs, but taking the content in pieces (aws-lc-rs only seals whole
//! buffers).
//!
//! Only a 96-bit nonce (SP 800-38D 8.2.1, the RFC 5084 3.2 default) and no additional data
//! here: [`crate::crypto::gcm`] adds the authAttrs of AuthEnvelopedData, which arrive after
//! the content, to the tag afterwards. Failures carry no detail; the callers word them.

use std::os::raw::c_int;
use std::ptr;

use aws_lc_sys::{
    EVP_CIPHER_CTX_ctrl, EVP_DecryptFinal_ex, EVP_DecryptInit_ex, EVP_DecryptUpdate,
    EVP_EncryptFinal_ex, EVP_EncryptInit_ex, EVP_EncryptUpdate, EVP_aes_128_gcm, EVP_aes_256_gcm,
    EVP_CIPHER, EVP_CIPHER_CTX, EVP_CTRL_GCM_GET_TAG, EVP_CTRL_GCM_SET_IVLEN, EVP_CTRL_GCM_SET_TAG,
};

use super::cipher_ctx::CipherCtx;
use super::clear_errors;

/// The nonce length (SP 800-38D 8.2.1: 96 bits, so J0 = IV || 0^31 || 1).
pub const NONCE_LEN: usize = 12;
/// The longest tag (SP 800-38D 5.2.1.2: 128 bits).
pub const TAG_LEN: usize = 16;
/// The most bytes handed to one `EVP_*Update` call, whose length is a C `int`.
const MAX_PIECE: usize = 1 << 30;

/// An AES-GCM call that failed: a key of the wrong length, content longer than GCM allows
/// (2^36 - 32 bytes), or, on decryption, a tag that does not match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GcmFailed;

/// The `Init` functions of the two directions (same signature).
type InitFn = unsafe extern "C" fn(
    *mut EVP_CIPHER_CTX,
    *const EVP_CIPHER,
    *mut aws_lc_sys::ENGINE,
    *const u8,
    *const u8,
) -> c_int;

/// The `Update` functions of the two directions (same signature).
type UpdateFn =
    unsafe extern "C" fn(*mut EVP_CIPHER_CTX, *mut u8, *mut c_int, *const u8, c_int) -> c_int;

/// A context set up for AES-GCM under `key` (16 or 32 bytes) and `nonce`.
fn new_context(key: &[u8], nonce: &[u8; NONCE_LEN], init: InitFn) -> Result<CipherCtx, GcmFailed> {
    // SAFETY: these return pointers to static cipher descriptions; no arguments.
    let cipher = unsafe {
        match key.len() {
            16 => EVP_aes_128_gcm(),
            32 => EVP_aes_256_gcm(),
            _ => return Err(GcmFailed),
        }
    };
    let mut ctx = CipherCtx::new().ok_or(GcmFailed)?;
    // SAFETY: `ctx` is a fresh context we own; a null key and IV only select the cipher.
    let selected = unsafe {
        init(
            ctx.as_ptr(),
            cipher,
            ptr::null_mut(),
            ptr::null(),
            ptr::null(),
        )
    };
    // SAFETY: `ctx` now holds an AES-GCM cipher, whose SET_IVLEN control reads only `arg`.
    let iv_len = unsafe {
        EVP_CIPHER_CTX_ctrl(
            ctx.as_ptr(),
            EVP_CTRL_GCM_SET_IVLEN,
            NONCE_LEN as c_int,
            ptr::null_mut(),
        )
    };
    // SAFETY: the cipher reads exactly its key length from `key` (16 bytes for AES-128-GCM,
    // 32 for AES-256-GCM, matched above) and the IV length just set (12) from `nonce`.
    let keyed = selected == 1
        && iv_len == 1
        && unsafe {
            init(
                ctx.as_ptr(),
                ptr::null(),
                ptr::null_mut(),
                key.as_ptr(),
                nonce.as_ptr(),
            )
        } == 1;
    if !keyed {
        clear_errors();
        return Err(GcmFailed);
    }
    Ok(ctx)
}

/// Run `input` through the context, appending exactly as many bytes to `out` (GCM is a
/// stream cipher: `EVP_*Update` writes as much as it reads, nothing is held back).
fn update(
    ctx: &mut CipherCtx,
    update: UpdateFn,
    input: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), GcmFailed> {
    for piece in input.chunks(MAX_PIECE) {
        out.reserve(piece.len());
        let start = out.len();
        let mut written: c_int = 0;
        // Written straight into the spare capacity: no zeroing of memory that the cipher
        // overwrites anyway.
        let target = out.spare_capacity_mut().as_mut_ptr().cast::<u8>();
        // SAFETY: `target` has room for at least `piece.len()` bytes (reserved above), and
        // the AES-GCM cipher writes exactly `piece.len()` bytes there; `piece.len()` is at
        // most MAX_PIECE, which fits a C int; `written` is a valid out-parameter.
        let ok = unsafe {
            update(
                ctx.as_ptr(),
                target,
                &mut written,
                piece.as_ptr(),
                piece.len() as c_int,
            )
        };
        if ok != 1 || usize::try_from(written) != Ok(piece.len()) {
            clear_errors();
            return Err(GcmFailed);
        }
        // SAFETY: the cipher initialised `piece.len()` bytes from `start` on (checked just
        // above), all within the capacity reserved.
        unsafe { out.set_len(start + piece.len()) };
    }
    Ok(())
}

/// Incremental AES-GCM encryption, without additional data.
pub struct AesGcmEncryptor {
    ctx: CipherCtx,
}

impl AesGcmEncryptor {
    /// Encrypt under `key` (16 or 32 bytes) and a nonce that never repeats with it.
    pub fn new(key: &[u8], nonce: &[u8; NONCE_LEN]) -> Result<Self, GcmFailed> {
        Ok(AesGcmEncryptor {
            ctx: new_context(key, nonce, EVP_EncryptInit_ex)?,
        })
    }

    /// Encrypt `input`, appending the ciphertext (as long as the input) to `out`.
    pub fn update(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), GcmFailed> {
        update(&mut self.ctx, EVP_EncryptUpdate, input, out)
    }

    /// The 16-byte tag over everything encrypted.
    pub fn finish(mut self) -> Result<[u8; TAG_LEN], GcmFailed> {
        let mut rest = [0u8; TAG_LEN];
        let mut written: c_int = 0;
        // SAFETY: GCM's final step writes nothing (the content is all out already); `rest`
        // is room for a block anyway, `written` a valid out-parameter.
        let finished =
            unsafe { EVP_EncryptFinal_ex(self.ctx.as_ptr(), rest.as_mut_ptr(), &mut written) };
        let mut tag = [0u8; TAG_LEN];
        // SAFETY: GET_TAG copies `arg` (16) bytes into `tag`, which has that many.
        let got = finished == 1
            && written == 0
            && unsafe {
                EVP_CIPHER_CTX_ctrl(
                    self.ctx.as_ptr(),
                    EVP_CTRL_GCM_GET_TAG,
                    TAG_LEN as c_int,
                    tag.as_mut_ptr().cast(),
                )
            } == 1;
        if !got {
            clear_errors();
            return Err(GcmFailed);
        }
        Ok(tag)
    }
}

/// Incremental AES-GCM decryption, without additional data. What [`AesGcmDecryptor::update`]
/// yields is not authenticated until [`AesGcmDecryptor::finish`] succeeds.
pub struct AesGcmDecryptor {
    ctx: CipherCtx,
}

impl AesGcmDecryptor {
    /// Decrypt under `key` (16 or 32 bytes) and `nonce`.
    pub fn new(key: &[u8], nonce: &[u8; NONCE_LEN]) -> Result<Self, GcmFailed> {
        Ok(AesGcmDecryptor {
            ctx: new_context(key, nonce, EVP_DecryptInit_ex)?,
        })
    }

    /// Decrypt `input`, appending the (not yet authenticated) plaintext to `out`.
    pub fn update(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), GcmFailed> {
        update(&mut self.ctx, EVP_DecryptUpdate, input, out)
    }

    /// Check `tag` (1 to 16 bytes: the leading bytes of the full tag) over everything
    /// decrypted; aws-lc compares in constant time.
    pub fn finish(mut self, tag: &[u8]) -> Result<(), GcmFailed> {
        if tag.is_empty() || tag.len() > TAG_LEN {
            return Err(GcmFailed);
        }
        let mut expected = [0u8; TAG_LEN];
        expected[..tag.len()].copy_from_slice(tag);
        // SAFETY: SET_TAG copies `arg` (tag.len(), 1 to 16) bytes from `expected`, which has
        // 16; it only reads them.
        let set = unsafe {
            EVP_CIPHER_CTX_ctrl(
                self.ctx.as_ptr(),
                EVP_CTRL_GCM_SET_TAG,
                tag.len() as c_int,
                expected.as_mut_ptr().cast(),
            )
        };
        let mut rest = [0u8; TAG_LEN];
        let mut written: c_int = 0;
        // SAFETY: GCM's final step writes nothing, it compares the tag; `rest` is room for a
        // block anyway, `written` a valid out-parameter.
        let checked = set == 1
            && unsafe { EVP_DecryptFinal_ex(self.ctx.as_ptr(), rest.as_mut_ptr(), &mut written) }
                == 1
            && written == 0;
        if !checked {
            clear_errors();
            return Err(GcmFailed);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Test case 15 of the GCM specification (McGrew and Viega, "The Galois/Counter Mode of
    /// Operation", appendix B): AES-256, 96-bit IV, 64 bytes, no additional data.
    #[test]
    fn aes_gcm_known_answer_in_pieces_matches() {
        let hex = |s: &str| -> Vec<u8> {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .collect()
        };
        let key = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
        let nonce: [u8; NONCE_LEN] = hex("cafebabefacedbaddecaf888").try_into().unwrap();
        let plaintext = hex(concat!(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72",
            "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"
        ));
        let ciphertext = hex(concat!(
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa",
            "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad"
        ));
        let expected_tag = hex("b094dac5d93471bdec1a502270e3cc6c");
        let mut enc = AesGcmEncryptor::new(&key, &nonce).unwrap();
        let mut out = Vec::new();
        for piece in plaintext.chunks(7) {
            enc.update(piece, &mut out).unwrap();
        }
        let tag = enc.finish().unwrap();
        assert_eq!(out, ciphertext);
        assert_eq!(tag[..], expected_tag[..]);

        let mut dec = AesGcmDecryptor::new(&key, &nonce).unwrap();
        let mut back = Vec::new();
        dec.update(&ciphertext, &mut back).unwrap();
        assert_eq!(back, plaintext);
        dec.finish(&tag[..12]).unwrap();

        let mut dec = AesGcmDecryptor::new(&key, &nonce).unwrap();
        dec.update(&ciphertext, &mut Vec::new()).unwrap();
        let mut bad = tag;
        bad[0] ^= 1;
        assert_eq!(dec.finish(&bad), Err(GcmFailed));
    }

    #[test]
    fn aes_gcm_key_of_wrong_length_is_refused() {
        assert!(AesGcmEncryptor::new(&[0u8; 24], &[0u8; NONCE_LEN]).is_err());
        assert!(AesGcmDecryptor::new(&[0u8; 15], &[0u8; NONCE_LEN]).is_err());
    }
}

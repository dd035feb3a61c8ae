//! AES-192 key unwrap (RFC 3394 2.2.2, with the default IV of 2.2.3.1), which aws-lc-rs
//! leaves out (it wraps with AES-128 and AES-256 only). CMS names it id-aes192-wrap
//! (RFC 3565 2.3.2); we read it (KEKRecipientInfo with a 24-byte key-encryption key, key
//! agreement with an AES-192 wrap) and never write it.

use std::os::raw::c_uint;

use aws_lc_sys::{AES_set_decrypt_key, AES_unwrap_key, AES_KEY};
use zeroize::{Zeroize, Zeroizing};

/// The AES-192 key length.
pub const KEY_LEN: usize = 24;

/// An AES key schedule that is wiped when it goes out of scope.
struct Schedule(AES_KEY);

impl Drop for Schedule {
    fn drop(&mut self) {
        self.0.rd_key.zeroize();
    }
}

/// Unwrap `wrapped` (the key data plus 8 bytes, at least 24 bytes, a multiple of 8) under
/// the 24-byte `kek`. `None` when the integrity check fails or a length is impossible.
pub fn unwrap_aes192(kek: &[u8], wrapped: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    if kek.len() != KEY_LEN || wrapped.len() < 24 || !wrapped.len().is_multiple_of(8) {
        return None;
    }
    let mut schedule = Schedule(AES_KEY {
        rd_key: [0; 60],
        rounds: 0,
    });
    let bits = c_uint::try_from(KEY_LEN * 8).ok()?;
    // SAFETY: `kek` holds KEY_LEN readable bytes (checked above), which is what `bits` asks
    // for; `schedule.0` is a writable AES_KEY owned by this frame.
    let rc = unsafe { AES_set_decrypt_key(kek.as_ptr(), bits, &mut schedule.0) };
    if rc != 0 {
        return None;
    }
    let mut out = Zeroizing::new(vec![0u8; wrapped.len() - 8]);
    // SAFETY: the schedule is set up for decryption; a null IV selects RFC 3394's default;
    // `out` has room for `wrapped.len() - 8` bytes, exactly what the call writes, and the
    // input is `wrapped.len()` readable bytes; nothing overlaps.
    let written = unsafe {
        AES_unwrap_key(
            &schedule.0,
            std::ptr::null(),
            out.as_mut_ptr(),
            wrapped.as_ptr(),
            wrapped.len(),
        )
    };
    (usize::try_from(written).ok()? == out.len()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::crypto::test_pki::unhex as hex;

    /// RFC 3394 4.2 (128-bit key data) and 4.4 (192-bit key data) under a 192-bit KEK; a
    /// changed byte or a wrong KEK fails the integrity check.
    #[test]
    fn unwrap_aes192_matches_rfc3394_vectors() {
        let kek = hex("000102030405060708090A0B0C0D0E0F1011121314151617");
        for (wrapped, data) in [
            (
                "96778B25AE6CA435F92B5B97C050AED2468AB8A17AD84E5D",
                "00112233445566778899AABBCCDDEEFF",
            ),
            (
                "031D33264E15D33268F24EC260743EDCE1C6C7DDEE725A936BA814915C6762D2",
                "00112233445566778899AABBCCDDEEFF0001020304050607",
            ),
        ] {
            let mut wrapped = hex(wrapped);
            assert_eq!(&*unwrap_aes192(&kek, &wrapped).unwrap(), &hex(data)[..]);
            let mut other = kek.clone();
            other[23] ^= 1;
            assert!(unwrap_aes192(&other, &wrapped).is_none());
            wrapped[9] ^= 1;
            assert!(unwrap_aes192(&kek, &wrapped).is_none());
            assert!(unwrap_aes192(&kek, &wrapped[..16]).is_none());
            assert!(unwrap_aes192(&kek[..16], &wrapped).is_none());
        }
    }
}

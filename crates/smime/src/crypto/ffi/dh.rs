//! Finite-field Diffie-Hellman (RFC 2631 2.1.1), which aws-lc-rs does not offer: the shared
//! secret ZZ = y^x mod p of a recipient's X9.42 private key `x` (domain parameters p, g and
//! q from its PKCS#8 envelope) and an originator's public value `y`, for ESDH key agreement
//! in CMS (RFC 3370 4.1.1). Legacy: reached only through [`crate::crypto::DecryptingKey`],
//! whose callers check [`crate::CryptoPolicy::legacy_allowed`].
//!
//! aws-lc checks the public value before using it (1 < y < p-1 and, with q, y^q = 1 mod p)
//! and the result (SP 800-56A r3 5.7.1.1), in constant time in the private value.

use std::os::raw::c_int;
use std::ptr::{self, NonNull};

use aws_lc_sys::{
    BN_bin2bn, BN_clear_free, BN_free, DH_compute_key_padded, DH_free, DH_new, DH_num_bits,
    DH_set0_key, DH_set0_pqg, DH_size, BIGNUM, DH,
};
use zeroize::Zeroizing;

use super::clear_errors;

/// The smallest prime read (RFC 8551 2.3 rules finite-field DH out of new mail altogether;
/// this only keeps trivially weak groups out of old mail).
pub const MIN_PRIME_BITS: usize = 1024;
/// The largest prime read (aws-lc's own limit is 10,000 bits).
pub const MAX_PRIME_BITS: usize = 8192;

/// A BIGNUM owned until it is handed to aws-lc.
struct Bn(NonNull<BIGNUM>, bool);

impl Bn {
    /// A non-negative number from big-endian bytes; `secret` wipes it when freed.
    fn from_be(bytes: &[u8], secret: bool) -> Option<Bn> {
        // SAFETY: `bytes` is readable for its length; a null `ret` asks for a new BIGNUM,
        // owned by the returned guard.
        let bn = unsafe { BN_bin2bn(bytes.as_ptr(), bytes.len(), ptr::null_mut()) };
        NonNull::new(bn).map(|bn| Bn(bn, secret))
    }

    /// Give up ownership (to a call that takes it).
    fn into_raw(self) -> *mut BIGNUM {
        let raw = self.0.as_ptr();
        std::mem::forget(self);
        raw
    }
}

impl Drop for Bn {
    fn drop(&mut self) {
        // SAFETY: the BIGNUM is owned by this guard alone (ownership given away through
        // `into_raw` skips this) and freed once.
        unsafe {
            if self.1 {
                BN_clear_free(self.0.as_ptr());
            } else {
                BN_free(self.0.as_ptr());
            }
        }
    }
}

/// An X9.42 Diffie-Hellman private key with its domain parameters, owned (freed on drop).
pub struct DhPrivateKey {
    dh: NonNull<DH>,
    prime_bits: usize,
}

// SAFETY: the DH is not changed after construction except for its cached Montgomery
// context, which aws-lc fills under the DH's own lock; so it may move and be shared
// between threads.
unsafe impl Send for DhPrivateKey {}
// SAFETY: see `Send`.
unsafe impl Sync for DhPrivateKey {}

impl Drop for DhPrivateKey {
    fn drop(&mut self) {
        // SAFETY: the DH came from DH_new, is owned by us alone and freed once; it frees
        // (and, for the private value, wipes) the numbers it owns.
        unsafe { DH_free(self.dh.as_ptr()) }
    }
}

impl DhPrivateKey {
    /// A key from big-endian p, g, q (optional) and the private value x. `None` when a
    /// number is empty or the prime is outside [`MIN_PRIME_BITS`]..=[`MAX_PRIME_BITS`].
    pub fn new(p: &[u8], g: &[u8], q: Option<&[u8]>, x: &[u8]) -> Option<DhPrivateKey> {
        if p.is_empty() || g.is_empty() || x.is_empty() || q.is_some_and(<[u8]>::is_empty) {
            return None;
        }
        // SAFETY: no arguments; returns a new DH owned by the guard below, or null.
        let mut key = DhPrivateKey {
            dh: NonNull::new(unsafe { DH_new() })?,
            prime_bits: 0,
        };
        let p = Bn::from_be(p, false)?;
        let g = Bn::from_be(g, false)?;
        let q = match q {
            Some(q) => Some(Bn::from_be(q, false)?),
            None => None,
        };
        let x = Bn::from_be(x, true)?;
        let q_raw = q.map_or(ptr::null_mut(), Bn::into_raw);
        let (p_raw, g_raw) = (p.into_raw(), g.into_raw());
        // SAFETY: `dh` is valid; the three numbers are valid and owned by us. On success
        // DH_set0_pqg takes all of them; it fails only when p or g is null, which they are
        // not, so ownership has passed either way: check the code and free nothing here.
        let rc = unsafe { DH_set0_pqg(key.dh.as_ptr(), p_raw, q_raw, g_raw) };
        if rc != 1 {
            clear_errors();
            return None;
        }
        // SAFETY: as above; DH_set0_key always takes the private value and returns 1.
        let rc = unsafe { DH_set0_key(key.dh.as_ptr(), ptr::null_mut(), x.into_raw()) };
        if rc != 1 {
            clear_errors();
            return None;
        }
        // SAFETY: `dh` is valid with p set; this only reads it.
        let bits = unsafe { DH_num_bits(key.dh.as_ptr()) };
        key.prime_bits = usize::try_from(bits).ok()?;
        (MIN_PRIME_BITS..=MAX_PRIME_BITS)
            .contains(&key.prime_bits)
            .then_some(key)
    }

    /// The size of the prime p in bits.
    pub fn prime_bits(&self) -> usize {
        self.prime_bits
    }

    /// ZZ = y^x mod p for the peer's public value `y` (big-endian), left-padded with zeros
    /// to the length of p as RFC 2631 2.1.2 requires. `None` when `y` is not a valid public
    /// value in the group.
    pub fn shared_secret(&self, y: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let y = Bn::from_be(y, false)?;
        // SAFETY: `dh` is valid; this only reads it.
        let size = usize::try_from(unsafe { DH_size(self.dh.as_ptr()) }).ok()?;
        let mut out = Zeroizing::new(vec![0u8; size]);
        // SAFETY: `out` has DH_size bytes, the most the call writes; `y` and `dh` are valid
        // and outlive the call, which only reads them (and fills the DH's locked cache).
        let written: c_int =
            unsafe { DH_compute_key_padded(out.as_mut_ptr(), y.0.as_ptr(), self.dh.as_ptr()) };
        match usize::try_from(written) {
            Ok(n) if n == size => Some(out),
            _ => {
                clear_errors();
                None
            }
        }
    }
}

//! An owned aws-lc `EVP_CIPHER_CTX`: the incremental interface of aws-lc's ciphers
//! (`EVP_EncryptInit_ex` / `EVP_EncryptUpdate` / `EVP_EncryptFinal_ex` and their decrypting
//! twins), freed on every path.

use std::ptr::NonNull;

use aws_lc_sys::{EVP_CIPHER_CTX_free, EVP_CIPHER_CTX_new, EVP_CIPHER_CTX};

/// An `EVP_CIPHER_CTX` owned by this value alone, freed (and its key schedule wiped: aws-lc's
/// `EVP_CIPHER_CTX_cleanup` cleanses the cipher data) when it is dropped.
pub(super) struct CipherCtx(NonNull<EVP_CIPHER_CTX>);

// SAFETY: the context is reached only through this value, which hands out its pointer only
// to `&mut self`; aws-lc keeps no thread-bound state in a cipher context, so it may be
// moved to another thread (it is not `Sync`: it is never shared).
unsafe impl Send for CipherCtx {}

impl CipherCtx {
    /// A fresh, uninitialised context; `None` if aws-lc cannot allocate one.
    pub(super) fn new() -> Option<Self> {
        // SAFETY: no arguments; returns a new context that we own, or null.
        NonNull::new(unsafe { EVP_CIPHER_CTX_new() }).map(CipherCtx)
    }

    /// The context, for one aws-lc call made while `self` is borrowed.
    pub(super) fn as_ptr(&mut self) -> *mut EVP_CIPHER_CTX {
        self.0.as_ptr()
    }
}

impl Drop for CipherCtx {
    fn drop(&mut self) {
        // SAFETY: the context came from EVP_CIPHER_CTX_new, is owned by us alone and is
        // freed once, here.
        unsafe { EVP_CIPHER_CTX_free(self.0.as_ptr()) }
    }
}

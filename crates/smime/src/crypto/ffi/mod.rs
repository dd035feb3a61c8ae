//! Direct calls into aws-lc (`aws-lc-sys`) for what aws-lc-rs does not expose.
//!
//! This is the only module of the workspace where `unsafe` is allowed. It exists because
//! aws-lc-rs deliberately leaves out what old mail and full speed still need:
//! RSA private-key operations under 2048 bits, finite-field Diffie-Hellman, DSA, AES-192,
//! and AES-GCM that can be fed incrementally (aws-lc-rs only seals whole buffers).
//! The library underneath is the same aws-lc that aws-lc-rs links (one `libcrypto`), so
//! constant-time code paths are the same.
//!
//! Rules for every function here:
//! - safe signature, every pointer owned by an RAII guard that frees it on every path;
//! - every length checked before it crosses the boundary, every return code checked;
//! - a `// SAFETY:` comment on each `unsafe` block saying why the call is sound;
//! - legacy algorithms are reached only through callers that have checked
//!   [`crate::CryptoPolicy::legacy_allowed`].

pub(super) mod aes_gcm;
pub(crate) mod aes_key_wrap;
mod cipher_ctx;
pub(crate) mod dh;
pub(crate) mod rsa;

/// Leave aws-lc's thread-local error queue empty after an expected failure, so that it
/// cannot leak into a later, unrelated error report.
fn clear_errors() {
    // SAFETY: no arguments; only clears this thread's error queue.
    unsafe { aws_lc_sys::ERR_clear_error() }
}

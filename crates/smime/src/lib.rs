//! S/MIME 4.0 (RFC 8551) message engine: sign, verify and inspect S/MIME messages.
//!
//! - [`sign::Signer`] signs whole messages, detached (multipart/signed) or opaque, streaming;
//! - [`verify::Verifier`] verifies them and returns a [`report::VerifyReport`] per message
//!   with one report per signer (a bad signature is a result, not an error);
//! - [`protect::Protector`] signs and encrypts (and triple-wraps) in one streaming pass, with
//!   header protection (RFC 9788, [`mime::header_protection`]);
//! - [`open::Opener`] peels any nesting of layers, verifying each, and outputs only the
//!   protected entity (EFAIL);
//! - [`compress::Compressor`] and [`compress::Decompressor`] compress and decompress
//!   messages (CompressedData, RFC 3274), streaming, with a limit on decompressed size;
//! - [`inspect::inspect`] shows the structure of any S/MIME or CMS input;
//! - [`receipt`] makes and checks signed receipts (RFC 2634).
//!
//! Algorithm choices are explicit ([`CryptoPolicy`]); the default fails closed.
// `unsafe` is denied everywhere but `crypto::ffi`, the one module that calls aws-lc
// directly for what aws-lc-rs does not expose (legacy algorithms, streaming AES-GCM).
#![deny(unsafe_code)]

pub mod ber;
pub mod cipher_choice;
pub mod cms;
pub mod compress;
pub mod crypto;
pub mod decrypt;
pub mod encrypt;
mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod input;
pub mod inspect;
pub mod message;
pub mod mime;
pub mod open;
pub mod protect;
pub mod receipt;
pub mod recipient;
pub mod report;
pub mod sign;
pub mod stream;
pub mod verify;

pub use error::{Error, Result};
pub use smime_pkix::CryptoPolicy;
pub use x509_cert;

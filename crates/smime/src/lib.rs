//! S/MIME 4.0 (RFC 8551) message engine: sign, verify and inspect S/MIME messages.
#![forbid(unsafe_code)]

pub mod cms;
pub mod crypto;
mod error;
pub mod mime;
mod policy;

pub use error::{Error, Result};
pub use policy::CryptoPolicy;

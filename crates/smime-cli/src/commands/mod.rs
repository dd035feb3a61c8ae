//! One module per command.

pub mod ca;
pub mod ca_revocation;
pub mod cert_verify;
pub mod compress;
pub mod decompress;
pub mod decrypt;
pub mod encrypt;
pub mod inspect;
pub mod lifecycle;
pub mod open;
pub mod protect;
pub mod receipt;
pub mod sign;
pub mod store;
pub mod verify;
pub mod verify_receipt;

//! Certificate path building and validation for S/MIME.
//!
//! This crate is the validator that `smime verify`, `smime encrypt`, the store and the CA
//! rely on:
//! - path building from a leaf through given, carried or stored intermediates to a trust
//!   anchor, with several candidate issuers and bounded work;
//! - path validation as in RFC 5280 section 6.1, with the user inputs of 6.1.1
//!   ([`options::PolicyInputs`]);
//! - the mail rules of RFC 8550 (extended and plain key usage per purpose, the address
//!   binding of rfc822Name / SmtpUTF8Mailbox / emailAddress);
//! - revocation by CRL (RFC 5280 6.3) and OCSP (RFC 6960), with a hard-fail, soft-fail or
//!   off policy ([`options::RevocationMode`]);
//! - trust anchors from files, directories and the system store ([`anchors`]).
//!
//! It does no network I/O of its own: everything fetched (CRLs, OCSP responses, issuer
//! certificates) goes through the [`fetch::Fetcher`] trait, so tests and the gateway can
//! supply their own. The validation time is always a parameter, never the clock.
#![forbid(unsafe_code)]

pub mod anchors;
pub mod certificate;
pub mod crl;
mod crypto_policy;
pub mod digest;
mod error;
pub mod fetch;
#[doc(hidden)]
pub mod fuzzing;
pub mod mail;
pub mod mail_validation;
pub mod names;
pub mod ocsp;
pub mod options;
mod path_building;
mod path_validation;
pub mod pem;
pub mod policy_tree;
pub mod revocation;
pub mod signature;
pub mod validate;

pub use crypto_policy::CryptoPolicy;
pub use digest::DigestAlgorithm;
pub use error::{Error, Result};
pub use validate::{
    validate, Failure, RevocationCheck, RevocationRequest, RevocationStatus, Rule, ValidationReport,
};
pub use x509_cert;

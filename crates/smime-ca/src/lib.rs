//! The organisation CA of smime: a root that only signs intermediates, an issuing
//! intermediate, end-entity certificates following the CA/Browser Forum S/MIME Baseline
//! Requirements, renewal, and revocation published as CRLs (RFC 5280 5) and OCSP
//! (RFC 6960).

pub mod builder;
pub mod ca_keys;
pub mod ca_store;
pub mod conformance;
pub mod crl_issuer;
pub mod crl_publisher;
pub mod csr;
pub mod delivery;
pub mod extensions;
pub mod fuzzing;
pub mod hierarchy;
pub mod issue;
pub mod keygen;
pub mod lifecycle;
pub mod ocsp_responder;
pub mod organization;
pub mod profile;
pub mod refresher;
pub mod responder;
pub mod revocation_status;
pub mod serve;
pub mod signing;
pub mod store_revocation;
pub mod subject;
pub mod urls;

/// Errors of the CA.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A request (profile, name, address, CSR, key) does not conform; the reason names the rule.
    #[error("{what}: {reason}")]
    Refused {
        /// The request or the part of it that is wrong.
        what: String,
        /// Why it is refused (the requirement it breaks).
        reason: String,
    },
    /// Input (a CSR, a certificate, a CRL) could not be read.
    #[error("{what}: {reason}")]
    Input {
        /// The input and where in it.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] smime_store::Error),
    /// An expiry notice could not be sent (the SMTP server refused or did not answer).
    #[error("{what}: {reason}")]
    Notify {
        /// The server.
        what: String,
        /// What failed, and at which SMTP step.
        reason: String,
    },
    /// A cryptographic operation failed.
    #[error("{what}: {reason}")]
    Crypto {
        /// The operation.
        what: String,
        /// What failed.
        reason: String,
    },
}

/// Results of the CA.
pub type Result<T> = std::result::Result<T, Error>;

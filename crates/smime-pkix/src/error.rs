//! The one error type of the `smime-pkix` crate.
//!
//! A certificate that does not validate is a result, not an error: validation returns a
//! report naming the first rule that failed and the certificate it failed on. Errors are
//! for input that cannot be processed at all (malformed DER, unreadable files) and for
//! failures of the [`crate::fetch::Fetcher`].

/// Everything that can stop a validation before it reaches a verdict.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A certificate, CRL or OCSP response is not valid DER.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// Which object (`certificate 2 in chain.pem`, `CRL from http://...`, ...).
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// A file or its contents could not be read (a certificate file, a trust anchor
    /// directory); `what` names the file.
    #[error("{what}: {reason}")]
    Input {
        /// Which file or object (`ca.pem`, `/etc/ssl/certs`, ...).
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// A key or certificate does not fit the operation (a key of another type than the
    /// signature algorithm, an encoding that cannot be read).
    #[error("{what}: {reason}")]
    Key {
        /// Which key or certificate.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// An algorithm this implementation does not support.
    #[error("unsupported {context} algorithm {oid}")]
    UnsupportedAlgorithm {
        /// The algorithm's object identifier (dotted) or name.
        oid: String,
        /// Where it was found (`digest`, `signature`, ...).
        context: &'static str,
    },
    /// An algorithm or key that the [`crate::CryptoPolicy`] refuses.
    #[error("{what} is refused by policy: {reason}")]
    Refused {
        /// The algorithm or key.
        what: String,
        /// Why, and how to allow it if it can be allowed.
        reason: String,
    },
    /// Fetching a CRL, OCSP response or certificate failed.
    #[error("fetching {url} failed: {reason}")]
    Fetch {
        /// What was fetched.
        url: String,
        /// Why it failed (unreachable, timeout, HTTP status, offline mode).
        reason: String,
    },
}

impl Error {
    /// Shorthand for an [`Error::Input`].
    pub fn input(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Input {
            what: what.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for an [`Error::Key`].
    pub fn key(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Key {
            what: what.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for an [`Error::Malformed`].
    pub fn malformed(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Malformed {
            what: what.into(),
            reason: reason.into(),
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

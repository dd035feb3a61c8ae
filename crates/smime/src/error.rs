//! The one error type of the `smime` crate.
//!
//! A bad signature is not an error: verification returns a report per signer
//! (see [`crate::verify`]). Errors are for input that cannot be processed at all:
//! malformed MIME or ASN.1, unreadable keys, algorithms refused by policy, I/O.

/// Everything that can stop an S/MIME operation. Each variant says what is wrong and where.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The MIME structure is malformed; `part` names the MIME part (e.g. `message`, `part 2`).
    #[error("malformed MIME in {part}: {reason}")]
    Mime {
        /// Which MIME part (`message`, `part 1`, `signature part`, ...).
        part: String,
        /// What is wrong.
        reason: String,
    },
    /// The BER/DER encoding is malformed at a byte offset of the named structure.
    #[error("malformed {what} at byte {offset}: {reason}")]
    Asn1 {
        /// Which structure (`CMS ContentInfo`, `certificate 2`, ...).
        what: String,
        /// Byte offset in that structure's encoding.
        offset: usize,
        /// What is wrong.
        reason: String,
    },
    /// A key or certificate could not be read or does not fit the operation.
    #[error("{what}: {reason}")]
    Key {
        /// Which key or certificate (usually a file name or a description).
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// An algorithm this implementation does not support.
    #[error("unsupported {context} algorithm {oid}")]
    UnsupportedAlgorithm {
        /// The algorithm's object identifier (dotted) or name.
        oid: String,
        /// Where it was found (`digest`, `signature`, `content encryption`, ...).
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
    /// Output would grow past a limit set to keep hostile input from exhausting memory or
    /// disk (a decompression bomb).
    #[error("{what} is larger than the limit of {limit} bytes")]
    TooLarge {
        /// What grew (`the decompressed content`).
        what: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The input is well-formed but not what the operation needs (e.g. not signed at all).
    #[error("{0}")]
    Unexpected(String),
    /// A stage of a processing chain (e.g. the signing stage of `protect`) failed; what went
    /// wrong there is the [`std::error::Error::source`].
    #[error("{stage} stage")]
    Stage {
        /// Which stage (`sign`, `compress`, `encrypt`, `outer sign`, ...).
        stage: &'static str,
        /// What went wrong there.
        #[source]
        source: Box<Error>,
    },
    /// Reading or writing failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// Shorthand for an [`Error::Mime`].
    pub fn mime(part: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Mime {
            part: part.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for an [`Error::Asn1`].
    pub fn asn1(what: impl Into<String>, offset: usize, reason: impl Into<String>) -> Self {
        Error::Asn1 {
            what: what.into(),
            offset,
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
}

/// Errors of `smime_pkix` keep their kind: its input errors (reading certificates and PEM)
/// are this crate's [`Error::Key`] (same text: the file, then what is wrong), a refused
/// algorithm stays [`Error::Refused`].
impl From<smime_pkix::Error> for Error {
    fn from(e: smime_pkix::Error) -> Self {
        match e {
            smime_pkix::Error::Input { what, reason } => Error::Key { what, reason },
            smime_pkix::Error::Key { what, reason } => Error::Key { what, reason },
            smime_pkix::Error::UnsupportedAlgorithm { oid, context } => {
                Error::UnsupportedAlgorithm { oid, context }
            }
            smime_pkix::Error::Refused { what, reason } => Error::Refused { what, reason },
            smime_pkix::Error::Malformed { what, reason } => Error::Asn1 {
                what,
                offset: 0,
                reason,
            },
            other => Error::Unexpected(other.to_string()),
        }
    }
}

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

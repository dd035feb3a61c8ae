//! The certificate and key store of smime. This first part holds the key side: the
//! key-encryption key and the envelope that protects private keys at rest ([`kek`]), and
//! keys inside PKCS#11 tokens that sign and decrypt there ([`pkcs11`]).

pub mod kek;
pub mod keys;
pub mod pkcs11;

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A PKCS#11 module or token failed or refused (the token's CKR code is named).
    #[error("{what}: {reason}")]
    Token {
        /// The token, module or key.
        what: String,
        /// What failed.
        reason: String,
    },
    /// The key-encryption key could not be made or used, or a sealed key did not open.
    #[error("{what}: {reason}")]
    Kek {
        /// The KEK source or the sealed key.
        what: String,
        /// What failed.
        reason: String,
    },
    /// A stored private key cannot be added, found or used.
    #[error("{what}: {reason}")]
    Key {
        /// The key (its certificate fingerprint) or the address.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// The passphrase or key file is not the one the store's keys were sealed with.
    #[error("{what} does not unlock the store's keys: wrong passphrase or key file (nothing was changed)")]
    WrongPassphrase {
        /// The KEK source: `the passphrase`, the key file.
        what: String,
    },
}

/// Results of the store.
pub type Result<T> = std::result::Result<T, Error>;

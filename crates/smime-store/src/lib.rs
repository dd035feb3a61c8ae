//! The certificate and key store of smime.
//!
//! - [`Store`] ([`db`]): one handle over SQLite (embedded, the default) or PostgreSQL
//!   (several nodes), through sqlx's Any driver and a private tokio runtime: the public API
//!   is synchronous. The schema is versioned and migrated on open ([`migrations`]).
//! - The key side: the key-encryption key and the envelope that protects private keys at
//!   rest ([`kek`]), the key history of each address ([`keys`]) and keys inside PKCS#11
//!   tokens that sign and decrypt there ([`pkcs11`]).

pub mod audit;
pub mod backup;
pub mod ca_state;
pub mod certs;
pub mod db;
pub mod kek;
pub mod key_store;
pub mod keys;
pub mod lease;
pub mod migrations;
pub mod pkcs11;
pub mod roles;
pub mod testing;

pub use db::{Backend, Store};

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
    /// The store location is neither a PostgreSQL URL nor a usable SQLite file path.
    #[error("store location {location}: {reason}")]
    Location {
        /// The location as given (a PostgreSQL password is masked).
        location: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// The database could not be reached or opened (PostgreSQL refused the connection, the
    /// SQLite file is not a database).
    #[error("cannot connect to the store at {location}: {reason}")]
    Connect {
        /// The store location (a PostgreSQL password is masked).
        location: String,
        /// The driver's reason.
        reason: String,
    },
    /// A statement failed.
    #[error("store database: {what}: {reason}")]
    Database {
        /// What was being done, and on which table and row.
        what: String,
        /// The driver's reason.
        reason: String,
    },
    /// The store was written by a newer version of smime: its schema is not understood, so
    /// nothing is read or written.
    #[error("store {location} has schema version {found}, newer than the {known} this smime knows: upgrade smime")]
    SchemaTooNew {
        /// The store location.
        location: String,
        /// The store's schema version.
        found: i64,
        /// The newest version this code knows.
        known: i64,
    },
    /// A certificate input (a file, a PKCS#7 bundle) cannot be read, or a certificate is
    /// not in the store.
    #[error("{what}: {reason}")]
    Certificate {
        /// The input (file name and position) or the certificate (fingerprint).
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// A stored value cannot be read back (a corrupted row, a setting with a bad value).
    #[error("store data {what}: {reason}")]
    Corrupt {
        /// The table and row, or the setting.
        what: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The acting principal's role does not allow the operation; nothing was changed and
    /// the refusal was audited.
    #[error("{actor} ({role}) may not {operation}: permission denied (nothing was changed)")]
    Denied {
        /// The principal's name.
        actor: String,
        /// Its role.
        role: roles::Role,
        /// What it tried.
        operation: roles::Operation,
    },
    /// A principal or role is unknown, or a change to principals is not allowed.
    #[error("{what}: {reason}")]
    Principal {
        /// The principal or role.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// The audit log cannot be written or read.
    #[error("{what}: {reason}")]
    Audit {
        /// The entry or setting.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// A backup archive cannot be written or read: wrong passphrase, truncated, changed,
    /// malformed, or the target store is not empty.
    #[error("{what}: {reason}")]
    Backup {
        /// The archive and where in it (chunk, byte offset), or the store.
        what: String,
        /// What is wrong.
        reason: String,
    },
}

/// Results of the store.
pub type Result<T> = std::result::Result<T, Error>;

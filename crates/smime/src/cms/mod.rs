//! CMS content types (RFC 5652) as S/MIME uses them.
//!
//! - [`signed_data`]: reading SignedData in BER or DER, in memory or streamed;
//! - [`signed_builder`]: writing SignedData, whole or streamed;
//! - [`enveloped_builder`] and [`enveloped_data`]: writing and reading EnvelopedData and
//!   AuthEnvelopedData;
//! - [`attributes`]: the signed attributes S/MIME writes and checks;
//! - [`oids`]: object identifiers.

pub mod attributes;
pub mod enveloped_builder;
pub mod enveloped_data;
pub mod oids;
pub mod signed_builder;
pub mod signed_data;
pub mod signed_verify;

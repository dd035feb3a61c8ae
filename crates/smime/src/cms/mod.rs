//! CMS content types (RFC 5652) as S/MIME uses them.
//!
//! - [`signed_data`]: reading SignedData in BER or DER, in memory or streamed;
//! - [`signed_builder`]: writing SignedData, whole or streamed;
//! - [`enveloped_builder`] and [`enveloped_data`]: writing and reading EnvelopedData and
//!   AuthEnvelopedData;
//! - [`recipient_info`]: reading and writing RecipientInfos (RFC 5652 6.2);
//! - [`identifier`]: IssuerAndSerialNumber or subject key identifier (SignerIdentifier,
//!   RecipientIdentifier);
//! - [`compressed_data`]: reading and writing CompressedData (RFC 3274), streamed;
//! - [`attributes`]: the signed attributes S/MIME writes and checks;
//! - [`receipt`]: ESS signed receipts (RFC 2634): ReceiptRequest, Receipt, msgSigDigest;
//! - [`oids`]: object identifiers.

pub mod attributes;
pub mod compressed_data;
pub mod enveloped_builder;
pub mod enveloped_data;
pub mod identifier;
pub mod oids;
pub mod receipt;
pub mod recipient_info;
pub mod signed_builder;
pub mod signed_data;
pub mod signed_verify;

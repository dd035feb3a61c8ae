//! The ASN.1 of PKCS#12 (RFC 7292) and of the password-based encryption it uses (RFC 8018),
//! as far as reading needs it. Attributes and bag values stay `Any` and are read by hand:
//! files from old exporters do not always sort their SET OFs as DER requires.

use der::asn1::{Any, ObjectIdentifier, OctetString};
use der::Sequence;
use spki::AlgorithmIdentifierOwned;

/// `PFX` (RFC 7292 4): version 3, the authenticated safe, the optional MAC.
#[derive(Clone, Debug, Sequence)]
pub struct Pfx {
    pub version: u8,
    pub auth_safe: cms::content_info::ContentInfo,
    pub mac_data: Option<MacData>,
}

/// `MacData` (RFC 7292 4): the HMAC over the authenticated safe's content.
#[derive(Clone, Debug, Sequence)]
pub struct MacData {
    pub mac: DigestInfo,
    pub mac_salt: OctetString,
    #[asn1(default = "one")]
    pub iterations: u32,
}

fn one() -> u32 {
    1
}

/// `DigestInfo` (RFC 8017 9.2): here the MAC algorithm's hash and the MAC value.
#[derive(Clone, Debug, Sequence)]
pub struct DigestInfo {
    pub algorithm: AlgorithmIdentifierOwned,
    pub digest: OctetString,
}

/// `SafeBag` (RFC 7292 4.2).
#[derive(Clone, Debug, Sequence)]
pub struct SafeBag {
    pub bag_id: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    pub bag_value: Any,
    /// `SET OF PKCS12Attribute`, read by [`super::read`] element by element.
    pub bag_attributes: Option<Any>,
}

/// `PKCS12Attribute` (RFC 7292 4.2): an attribute type and its SET OF values.
#[derive(Clone, Debug, Sequence)]
pub struct Attribute {
    pub oid: ObjectIdentifier,
    pub values: Any,
}

/// `CertBag` (RFC 7292 4.2.3).
#[derive(Clone, Debug, Sequence)]
pub struct CertBag {
    pub cert_id: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    pub cert_value: Any,
}

/// `EncryptedPrivateKeyInfo` (RFC 5958 3): the value of a pkcs8ShroudedKeyBag.
#[derive(Clone, Debug, Sequence)]
pub struct EncryptedPrivateKeyInfo {
    pub encryption_algorithm: AlgorithmIdentifierOwned,
    pub encrypted_data: OctetString,
}

/// `pkcs-12PbeParams` (RFC 7292 appendix C).
#[derive(Clone, Debug, Sequence)]
pub struct Pkcs12PbeParams {
    pub salt: OctetString,
    pub iterations: u32,
}

/// `PBES2-params` (RFC 8018 A.4).
#[derive(Clone, Debug, Sequence)]
pub struct Pbes2Params {
    pub key_derivation_func: AlgorithmIdentifierOwned,
    pub encryption_scheme: AlgorithmIdentifierOwned,
}

/// `PBKDF2-params` (RFC 8018 A.2); only the `specified` salt choice, as every exporter writes.
#[derive(Clone, Debug, Sequence)]
pub struct Pbkdf2Params {
    pub salt: OctetString,
    pub iteration_count: u32,
    pub key_length: Option<u32>,
    /// DEFAULT algid-hmacWithSHA1 when absent.
    pub prf: Option<AlgorithmIdentifierOwned>,
}

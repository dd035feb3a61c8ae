//! The facts path validation reads from X.509 certificates (RFC 5280 4.1, 4.2): key
//! identifiers, names, extensions, and the issuer's signature.

use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, SubjectKeyIdentifier};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::Certificate;

use crate::signature::verify_signed_data;
use crate::{CryptoPolicy, Error, Result};

/// id-ce-subjectKeyIdentifier (RFC 5280 4.2.1.2).
pub const SUBJECT_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
/// id-ce-authorityKeyIdentifier (RFC 5280 4.2.1.1).
pub const AUTHORITY_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");

/// The extension with this OID, if the certificate has one.
pub fn find_extension(cert: &Certificate, oid: ObjectIdentifier) -> Option<&Extension> {
    cert.tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == oid)
}

/// The keyIdentifier of the subject key identifier extension (RFC 5280 4.2.1.2), if present.
pub fn subject_key_identifier(cert: &Certificate) -> Option<Vec<u8>> {
    let ext = find_extension(cert, SUBJECT_KEY_IDENTIFIER)?;
    SubjectKeyIdentifier::from_der(ext.extn_value.as_bytes())
        .ok()
        .map(|s| s.0.as_bytes().to_vec())
}

/// The authority key identifier extension (RFC 5280 4.2.1.1), if present and readable.
pub fn authority_key_identifier(cert: &Certificate) -> Option<AuthorityKeyIdentifier> {
    let ext = find_extension(cert, AUTHORITY_KEY_IDENTIFIER)?;
    AuthorityKeyIdentifier::from_der(ext.extn_value.as_bytes()).ok()
}

/// SHA-256 of the DER certificate (RFC 5754 2.2), lowercase hex without separators.
pub fn certificate_fingerprint_sha256(cert: &Certificate) -> String {
    let der = cert.to_der().unwrap_or_default();
    crate::digest::digest(crate::DigestAlgorithm::Sha256, &der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A distinguished name as an RFC 4514 string, most specific RDN first (`CN=Alice,O=Example`).
pub fn describe_name(name: &Name) -> String {
    name.to_string()
}

/// Whether `issuer`'s key made the signature on `cert` (RFC 5280 6.1.3 (a)(1)): the DER
/// tbsCertificate verified with the issuer's subjectPublicKeyInfo under the certificate's
/// signatureAlgorithm. `Ok(false)`: the signature does not verify; `Err`: the algorithm or
/// key is unsupported or refused by policy, or signatureAlgorithm differs from
/// tbsCertificate.signature (RFC 5280 4.1.1.2).
pub fn certificate_signed_by(
    cert: &Certificate,
    issuer: &Certificate,
    policy: &CryptoPolicy,
) -> Result<bool> {
    let what = || {
        format!(
            "certificate {}",
            describe_name(&cert.tbs_certificate.subject)
        )
    };
    if cert.signature_algorithm != cert.tbs_certificate.signature {
        return Err(Error::key(
            what(),
            "signatureAlgorithm differs from tbsCertificate.signature (RFC 5280 4.1.1.2)",
        ));
    }
    let tbs = cert
        .tbs_certificate
        .to_der()
        .map_err(|e| Error::key(what(), format!("cannot encode tbsCertificate: {e}")))?;
    verify_signed_data(
        &issuer.tbs_certificate.subject_public_key_info,
        &cert.signature_algorithm,
        &tbs,
        &cert.signature,
        policy,
    )
}

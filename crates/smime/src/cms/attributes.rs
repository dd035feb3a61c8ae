//! Signed attributes: encoding the ones we write and reading the ones we check.
//!
//! RFC 8551 2.5 lists what an S/MIME signer includes: content-type and message-digest
//! (mandatory, RFC 5652 11.1/11.2), signing-time, SMIMECapabilities,
//! SMIMEEncryptionKeyPreference; we add CMSAlgorithmProtection (RFC 6211) and ESS
//! signing-certificate-v2 (RFC 5035) so that neither the algorithms nor the signer
//! certificate can be substituted.

use std::time::SystemTime;

use const_oid::ObjectIdentifier;
use der::asn1::{GeneralizedTime, UtcTime};
use der::{Decode, Encode};
use x509_cert::Certificate;

use super::oids;
use super::signed_data::{Attribute, SignedAttributes};
use crate::ber::{encode_tlv, Element, Tag};
use crate::crypto::{DigestAlgorithm, SignatureScheme};
use crate::{Error, Result};

/// The content ciphers we announce in SMIMECapabilities, strongest first (RFC 8551 2.5.2, 2.7).
pub const ANNOUNCED_CAPABILITIES: [ObjectIdentifier; 6] = [
    oids::AES256_GCM,
    oids::CHACHA20_POLY1305,
    oids::AES128_GCM,
    oids::AES256_CBC,
    oids::AES128_CBC,
    oids::RSAES_OAEP,
];

fn der_of<T: Encode>(value: &T, what: &str) -> Result<Vec<u8>> {
    value
        .to_der()
        .map_err(|e| Error::asn1(what, 0, format!("cannot encode: {e}")))
}

/// A whole DER `Attribute` (RFC 5652 5.3) of type `oid` with the one DER value `value`.
pub fn attribute(oid: ObjectIdentifier, value: Vec<u8>) -> Result<Vec<u8>> {
    let mut content = der_of(&oid, "attribute type")?;
    content.extend(encode_tlv(Tag::SET, &value));
    Ok(encode_tlv(Tag::SEQUENCE, &content))
}

/// DER of `IssuerAndSerialNumber` (RFC 5652 10.2.4) for `cert`, content only or whole.
pub fn issuer_and_serial(cert: &Certificate) -> Result<Vec<u8>> {
    let mut content = der_of(&cert.tbs_certificate.issuer, "issuer")?;
    content.extend(der_of(
        &cert.tbs_certificate.serial_number,
        "serial number",
    )?);
    Ok(encode_tlv(Tag::SEQUENCE, &content))
}

/// signing-time (RFC 5652 11.3): UTCTime for 1950-2049, GeneralizedTime otherwise.
fn signing_time_value(at: SystemTime) -> Result<Vec<u8>> {
    match UtcTime::from_system_time(at) {
        Ok(t) => der_of(&t, "signing time"),
        Err(_) => der_of(
            &GeneralizedTime::from_system_time(at)
                .map_err(|e| Error::Unexpected(format!("signing time: {e}")))?,
            "signing time",
        ),
    }
}

/// SMIMECapabilities (RFC 8551 2.5.2): SEQUENCE OF SEQUENCE { capabilityID }.
fn capabilities_value() -> Result<Vec<u8>> {
    let mut content = Vec::new();
    for oid in ANNOUNCED_CAPABILITIES {
        content.extend(encode_tlv(Tag::SEQUENCE, &der_of(&oid, "capability")?));
    }
    Ok(encode_tlv(Tag::SEQUENCE, &content))
}

/// SMIMEEncryptionKeyPreference (RFC 8551 2.5.3): `[0] IMPLICIT IssuerAndSerialNumber`.
fn encryption_key_preference_value(cert: &Certificate) -> Result<Vec<u8>> {
    let ias = issuer_and_serial(cert)?;
    let element = Element::read_all(&ias, "IssuerAndSerialNumber")?;
    Ok(encode_tlv(Tag::context(0, true), element.content(&ias)))
}

/// CMSAlgorithmProtection (RFC 6211 2): SEQUENCE { digestAlgorithm, [1] IMPLICIT signatureAlgorithm }.
fn algorithm_protection_value(scheme: &SignatureScheme) -> Result<Vec<u8>> {
    let mut content = der_of(&scheme.digest().algorithm_identifier(), "digest algorithm")?;
    let sig = der_of(&scheme.signer_info_algorithm(), "signature algorithm")?;
    let element = Element::read_all(&sig, "signature algorithm")?;
    content.extend(encode_tlv(Tag::context(1, true), element.content(&sig)));
    Ok(encode_tlv(Tag::SEQUENCE, &content))
}

/// SigningCertificateV2 (RFC 5035 3): one ESSCertIDv2 with the SHA-256 hash of the signer
/// certificate (hashAlgorithm left at its default) and its IssuerSerial.
fn signing_certificate_v2_value(cert: &Certificate) -> Result<Vec<u8>> {
    let cert_der = der_of(cert, "signer certificate")?;
    let hash = crate::crypto::digest(DigestAlgorithm::Sha256, &cert_der);
    let mut id = encode_tlv(Tag::OCTET_STRING, &hash);
    let directory_name = encode_tlv(
        Tag::context(4, true),
        &der_of(&cert.tbs_certificate.issuer, "issuer")?,
    );
    let mut issuer_serial = encode_tlv(Tag::SEQUENCE, &directory_name);
    issuer_serial.extend(der_of(
        &cert.tbs_certificate.serial_number,
        "serial number",
    )?);
    id.extend(encode_tlv(Tag::SEQUENCE, &issuer_serial));
    let ess_cert_id = encode_tlv(Tag::SEQUENCE, &id);
    Ok(encode_tlv(
        Tag::SEQUENCE,
        &encode_tlv(Tag::SEQUENCE, &ess_cert_id),
    ))
}

/// What goes into one signer's signed attributes, besides the content digest.
pub struct AttributeSpec<'a> {
    /// eContentType.
    pub content_type: ObjectIdentifier,
    /// The signer certificate (for signing-certificate-v2).
    pub signer: &'a Certificate,
    /// The signature scheme (for CMSAlgorithmProtection).
    pub scheme: &'a SignatureScheme,
    /// signing-time, if any.
    pub signing_time: Option<SystemTime>,
    /// The certificate others should encrypt to, if not the signing certificate.
    pub encryption_certificate: Option<&'a Certificate>,
    /// Extra attributes, each a whole DER `Attribute` (e.g. a receiptRequest).
    pub extra: Vec<Vec<u8>>,
}

/// Encode the signed attributes as a DER SET OF (sorted, RFC 5652 5.4 / X.690 11.6): the
/// bytes the signature covers. In the SignerInfo the first octet becomes `[0]` (0xA0).
pub fn encode_signed_attributes(
    spec: &AttributeSpec<'_>,
    content_digest: &[u8],
) -> Result<Vec<u8>> {
    let mut attrs = vec![
        attribute(
            oids::ATTR_CONTENT_TYPE,
            der_of(&spec.content_type, "content type")?,
        )?,
        attribute(
            oids::ATTR_MESSAGE_DIGEST,
            encode_tlv(Tag::OCTET_STRING, content_digest),
        )?,
        attribute(oids::ATTR_SMIME_CAPABILITIES, capabilities_value()?)?,
        attribute(
            oids::ATTR_ALGORITHM_PROTECTION,
            algorithm_protection_value(spec.scheme)?,
        )?,
        attribute(
            oids::ATTR_SIGNING_CERTIFICATE_V2,
            signing_certificate_v2_value(spec.signer)?,
        )?,
    ];
    if let Some(at) = spec.signing_time {
        attrs.push(attribute(oids::ATTR_SIGNING_TIME, signing_time_value(at)?)?);
    }
    if let Some(cert) = spec.encryption_certificate {
        attrs.push(attribute(
            oids::ATTR_ENCRYPTION_KEY_PREFERENCE,
            encryption_key_preference_value(cert)?,
        )?);
    }
    attrs.extend(spec.extra.iter().cloned());
    attrs.sort();
    Ok(encode_tlv(Tag::SET, &attrs.concat()))
}

/// The one value of the attribute `oid`: `Ok(None)` if absent; an error naming the attribute
/// when it occurs more than once or with other than one value (RFC 5652 11.1-11.3 require
/// content-type, message-digest and signing-time to be single-valued and not repeated).
pub fn single_value<'a>(
    attrs: &'a SignedAttributes,
    oid: &ObjectIdentifier,
) -> Result<Option<&'a [u8]>, String> {
    let found: Vec<&Attribute> = attrs.all(oid);
    match found.as_slice() {
        [] => Ok(None),
        [one] if one.values.len() == 1 => Ok(Some(&one.values[0])),
        [_] => Err(format!(
            "the {} attribute must have exactly one value",
            oids::attribute_name(oid)
        )),
        _ => Err(format!(
            "the {} attribute occurs {} times",
            oids::attribute_name(oid),
            found.len()
        )),
    }
}

/// Read a signing-time value (RFC 5652 11.3).
pub fn read_signing_time(value: &[u8]) -> Result<SystemTime, String> {
    match value.first() {
        Some(0x17) => UtcTime::from_der(value)
            .map(|t| t.to_system_time())
            .map_err(|e| format!("malformed signing-time: {e}")),
        Some(0x18) => GeneralizedTime::from_der(value)
            .map(|t| t.to_system_time())
            .map_err(|e| format!("malformed signing-time: {e}")),
        _ => Err("malformed signing-time: neither UTCTime nor GeneralizedTime".into()),
    }
}

/// Read an OCTET STRING attribute value (message-digest).
pub fn read_octet_string(value: &[u8]) -> Result<Vec<u8>, String> {
    let element = Element::read_all(value, "attribute value").map_err(|e| e.to_string())?;
    element
        .octet_string(value, "attribute value")
        .map_err(|e| e.to_string())
}

/// Read an OBJECT IDENTIFIER attribute value (content-type).
pub fn read_oid(value: &[u8]) -> Result<ObjectIdentifier, String> {
    let element = Element::read_all(value, "attribute value").map_err(|e| e.to_string())?;
    element
        .oid(value, "attribute value")
        .map_err(|e| e.to_string())
}

/// The capability OIDs of an SMIMECapabilities value, in order.
pub fn read_capabilities(value: &[u8]) -> Result<Vec<ObjectIdentifier>, String> {
    let what = "SMIMECapabilities";
    let outer = Element::read_all(value, what).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for cap in outer.children(value, what).map_err(|e| e.to_string())? {
        let parts = cap.children(value, what).map_err(|e| e.to_string())?;
        if let Some(first) = parts.first() {
            out.push(first.oid(value, what).map_err(|e| e.to_string())?);
        }
    }
    Ok(out)
}

/// Check a CMSAlgorithmProtection value against the SignerInfo's algorithms (RFC 6211 4).
pub fn check_algorithm_protection(
    value: &[u8],
    digest_algorithm: &spki::AlgorithmIdentifierOwned,
    signature_algorithm: &spki::AlgorithmIdentifierOwned,
) -> Result<(), String> {
    let what = "CMSAlgorithmProtection";
    let outer = Element::read_all(value, what).map_err(|e| e.to_string())?;
    let parts = outer.children(value, what).map_err(|e| e.to_string())?;
    let digest = parts.first().ok_or("CMSAlgorithmProtection is empty")?;
    let digest =
        spki::AlgorithmIdentifierOwned::from_der(digest.bytes(value)).map_err(|e| e.to_string())?;
    if digest.oid != digest_algorithm.oid {
        return Err(
            "CMSAlgorithmProtection names another digest algorithm than the SignerInfo".into(),
        );
    }
    if let Some(sig) = parts.iter().find(|p| p.tag == Tag::context(1, true)) {
        let reencoded = encode_tlv(Tag::SEQUENCE, sig.content(value));
        let sig =
            spki::AlgorithmIdentifierOwned::from_der(&reencoded).map_err(|e| e.to_string())?;
        if sig.oid != signature_algorithm.oid {
            return Err(
                "CMSAlgorithmProtection names another signature algorithm than the SignerInfo"
                    .into(),
            );
        }
    }
    Ok(())
}

/// Check an ESS signing-certificate-v2 value (RFC 5035 5.4): the first ESSCertIDv2 must be
/// the hash of the certificate that verified the signature.
pub fn check_signing_certificate_v2(
    value: &[u8],
    signer: &Certificate,
    policy: &crate::CryptoPolicy,
) -> Result<(), String> {
    let what = "signing-certificate-v2";
    let err = |e: Error| e.to_string();
    let outer = Element::read_all(value, what).map_err(err)?;
    let parts = outer.children(value, what).map_err(err)?;
    let certs = parts.first().ok_or("signing-certificate-v2 is empty")?;
    let ids = certs.children(value, what).map_err(err)?;
    let first = ids
        .first()
        .ok_or("signing-certificate-v2 lists no certificate")?;
    let fields = first.children(value, what).map_err(err)?;
    let mut digest = DigestAlgorithm::Sha256;
    let mut idx = 0;
    if let Some(alg) = fields.first().filter(|f| f.tag == Tag::SEQUENCE) {
        let alg = spki::AlgorithmIdentifierOwned::from_der(alg.bytes(value))
            .map_err(|e| e.to_string())?;
        digest = DigestAlgorithm::from_oid(alg.oid, policy).map_err(|e| e.to_string())?;
        idx = 1;
    }
    let hash = fields
        .get(idx)
        .ok_or("ESSCertIDv2 has no certHash")?
        .octet_string(value, what)
        .map_err(err)?;
    let cert_der = signer.to_der().map_err(|e| e.to_string())?;
    if crate::crypto::digest(digest, &cert_der) != hash {
        return Err(
            "signing-certificate-v2 names another certificate than the one that signed".into(),
        );
    }
    Ok(())
}

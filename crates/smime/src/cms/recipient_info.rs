//! RecipientInfo (RFC 5652 6.2): reading the recipientInfos of an EnvelopedData or
//! AuthEnvelopedData, and writing one RecipientInfo per recipient certificate.
//!
//! Which RecipientInfo belongs to a decryption identity, and unwrapping the
//! content-encryption key from it, is [`crate::recipient`]'s job.

use std::time::SystemTime;

use der::asn1::ObjectIdentifier;
use der::Decode;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage, KeyUsages};
use x509_cert::Certificate;

use super::identifier::CertificateIdentifier;
use crate::ber::{encode_tlv, Class, Element, Tag};
use crate::crypto::key_transport::{is_rsa_key, wrap_content_key, KeyTransport};
use crate::crypto::{describe_name, subject_key_identifier};
use crate::{Error, Result};

const KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const EXTENDED_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const EMAIL_PROTECTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4");
const ANY_EXTENDED_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37.0");

/// How a KeyTransRecipientInfo names the recipient's certificate (RFC 5652 6.2.1, `rid`).
pub type RecipientIdentifier = CertificateIdentifier;

/// A KeyTransRecipientInfo (RFC 5652 6.2.1).
#[derive(Debug, Clone)]
pub struct KeyTransRecipientInfo {
    /// version (0 with issuerAndSerialNumber, 2 with subjectKeyIdentifier).
    pub version: i64,
    /// rid.
    pub rid: RecipientIdentifier,
    /// keyEncryptionAlgorithm, read; an error (unsupported algorithm) matters only when
    /// this RecipientInfo is the one used.
    pub key_transport: std::result::Result<KeyTransport, String>,
    /// encryptedKey.
    pub encrypted_key: Vec<u8>,
}

/// One RecipientInfo (RFC 5652 6.2).
#[derive(Debug, Clone)]
pub enum RecipientInfo {
    /// ktri: key transport.
    KeyTransport(KeyTransRecipientInfo),
    /// Any other kind (kari, kekri, pwri, ori), not supported yet: its name.
    Other(&'static str),
}

/// Read the recipientInfos SET (RFC 5652 6.1); at least one RecipientInfo is required.
pub fn parse_recipient_infos(buf: &[u8], set: &Element) -> Result<Vec<RecipientInfo>> {
    set.expect(Tag::SET, "recipientInfos")?;
    let mut recipient_infos = Vec::new();
    for ri in set.children(buf, "RecipientInfo")? {
        recipient_infos.push(parse_recipient_info(buf, &ri)?);
    }
    if recipient_infos.is_empty() {
        return Err(Error::asn1(
            "recipientInfos",
            set.range.start,
            "no RecipientInfo",
        ));
    }
    Ok(recipient_infos)
}

/// Read one RecipientInfo: the CHOICE is told apart by its tag (RFC 5652 6.2).
fn parse_recipient_info(buf: &[u8], ri: &Element) -> Result<RecipientInfo> {
    match (ri.tag.class, ri.tag.number) {
        (Class::Universal, 16) => parse_key_trans(buf, ri).map(RecipientInfo::KeyTransport),
        (Class::Context, 1) => Ok(RecipientInfo::Other("key agreement (kari)")),
        (Class::Context, 2) => Ok(RecipientInfo::Other("key encryption key (kekri)")),
        (Class::Context, 3) => Ok(RecipientInfo::Other("password (pwri)")),
        _ => Ok(RecipientInfo::Other("other (ori)")),
    }
}

/// KeyTransRecipientInfo ::= SEQUENCE { version, rid, keyEncryptionAlgorithm, encryptedKey }.
fn parse_key_trans(buf: &[u8], ri: &Element) -> Result<KeyTransRecipientInfo> {
    const WHAT: &str = "KeyTransRecipientInfo";
    let parts = ri.children(buf, WHAT)?;
    let [version, rid, alg, key] = parts.as_slice() else {
        return Err(Error::asn1(WHAT, ri.range.start, "expected four fields"));
    };
    let version = version.small_integer(buf, WHAT)?;
    let rid = CertificateIdentifier::parse(buf, rid, WHAT)?;
    let key_transport =
        KeyTransport::from_algorithm_identifier(buf, alg).map_err(|e| e.to_string());
    let encrypted_key = key.octet_string(buf, WHAT)?;
    Ok(KeyTransRecipientInfo {
        version,
        rid,
        key_transport,
        encrypted_key,
    })
}

/// How a RecipientInfo names the recipient's certificate (RFC 5652 6.2.1, `rid`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RecipientIdentifierKind {
    /// issuerAndSerialNumber (KeyTransRecipientInfo version 0): what every client reads.
    #[default]
    IssuerAndSerial,
    /// subjectKeyIdentifier (version 2): the certificate must have the extension.
    SubjectKeyIdentifier,
}

/// One recipient: certificate, key transport, how it is named.
#[derive(Debug, Clone)]
pub struct RecipientSpec {
    /// The recipient's certificate.
    pub certificate: Certificate,
    /// The key transport algorithm.
    pub transport: KeyTransport,
    /// How the RecipientInfo names the certificate.
    pub identifier: RecipientIdentifierKind,
}

impl RecipientSpec {
    /// The identifier naming this recipient's certificate; `what` names it in errors.
    fn rid(&self, what: &str) -> Result<RecipientIdentifier> {
        match self.identifier {
            RecipientIdentifierKind::IssuerAndSerial => {
                Ok(CertificateIdentifier::issuer_and_serial(&self.certificate))
            }
            RecipientIdentifierKind::SubjectKeyIdentifier => {
                subject_key_identifier(&self.certificate)
                    .map(CertificateIdentifier::SubjectKeyIdentifier)
                    .ok_or_else(|| {
                        Error::key(
                            what,
                            "the certificate has no subjectKeyIdentifier to name it by",
                        )
                    })
            }
        }
    }
}

/// Check that a recipient certificate may receive encrypted mail at `at`: within its
/// validity period, an RSA key, a keyUsage (when present) with keyEncipherment
/// (RFC 8550 4.4.2), an extendedKeyUsage (when present) with emailProtection or
/// anyExtendedKeyUsage (RFC 8550 4.4.4). `what` names the certificate in errors.
pub fn check_recipient_certificate(cert: &Certificate, at: SystemTime, what: &str) -> Result<()> {
    let tbs = &cert.tbs_certificate;
    let subject = describe_name(&tbs.subject);
    let what = format!("{what} ({subject})");
    if at > tbs.validity.not_after.to_system_time() {
        return Err(Error::key(
            what,
            format!("the certificate expired on {}", tbs.validity.not_after),
        ));
    }
    if at < tbs.validity.not_before.to_system_time() {
        return Err(Error::key(
            what,
            format!(
                "the certificate is not valid before {}",
                tbs.validity.not_before
            ),
        ));
    }
    if !is_rsa_key(&tbs.subject_public_key_info) {
        return Err(Error::key(
            what,
            format!(
                "the certificate's key ({}) is not RSA; only RSA key transport is supported so far",
                tbs.subject_public_key_info.algorithm.oid
            ),
        ));
    }
    for ext in tbs.extensions.iter().flatten() {
        if ext.extn_id == KEY_USAGE {
            let ku = KeyUsage::from_der(ext.extn_value.as_bytes())
                .map_err(|e| Error::key(&what, format!("malformed keyUsage: {e}")))?;
            if !ku.0.contains(KeyUsages::KeyEncipherment) {
                return Err(Error::key(
                    what,
                    "the certificate may not be used for encryption: its keyUsage lacks keyEncipherment (RFC 8550 4.4.2)",
                ));
            }
        } else if ext.extn_id == EXTENDED_KEY_USAGE {
            let eku = ExtendedKeyUsage::from_der(ext.extn_value.as_bytes())
                .map_err(|e| Error::key(&what, format!("malformed extendedKeyUsage: {e}")))?;
            if !eku
                .0
                .iter()
                .any(|o| *o == EMAIL_PROTECTION || *o == ANY_EXTENDED_KEY_USAGE)
            {
                return Err(Error::key(
                    what,
                    "the certificate is not for email: its extendedKeyUsage lacks emailProtection (RFC 8550 4.4.4)",
                ));
            }
        }
    }
    Ok(())
}

/// Check every recipient (see [`check_recipient_certificate`]) and that each can be named
/// as asked; errors name the recipient by its position.
pub fn check_recipients(recipients: &[RecipientSpec], at: SystemTime) -> Result<()> {
    if recipients.is_empty() {
        return Err(Error::Unexpected("at least one recipient is needed".into()));
    }
    for (i, r) in recipients.iter().enumerate() {
        let what = format!("recipient {}", i + 1);
        check_recipient_certificate(&r.certificate, at, &what)?;
        r.rid(&what)?;
    }
    Ok(())
}

/// The recipientInfos SET (DER, sorted as DER requires) giving `content_key` to every
/// recipient, and whether every RecipientInfo is version 0 (which decides the
/// EnvelopedData version, RFC 5652 6.1).
pub fn encode_recipient_infos(
    recipients: &[RecipientSpec],
    content_key: &[u8],
) -> Result<(Vec<u8>, bool)> {
    let mut infos = Vec::new();
    let mut all_version_0 = true;
    for (i, r) in recipients.iter().enumerate() {
        let what = format!("recipient {}", i + 1);
        let encrypted_key = wrap_content_key(
            &r.certificate.tbs_certificate.subject_public_key_info,
            r.transport,
            content_key,
            &what,
        )?;
        let rid = r.rid(&what)?;
        // RFC 5652 6.2.1: version 0 with issuerAndSerialNumber, 2 with subjectKeyIdentifier.
        let version = match rid {
            CertificateIdentifier::IssuerAndSerial { .. } => 0u8,
            CertificateIdentifier::SubjectKeyIdentifier(_) => 2u8,
        };
        all_version_0 &= version == 0;
        let mut content = encode_tlv(Tag::INTEGER, &[version]);
        content.extend(rid.to_der()?);
        content.extend(r.transport.algorithm_identifier_der());
        content.extend(encode_tlv(Tag::OCTET_STRING, &encrypted_key));
        infos.push(encode_tlv(Tag::SEQUENCE, &content));
    }
    infos.sort();
    Ok((encode_tlv(Tag::SET, &infos.concat()), all_version_0))
}

//! Writing EnvelopedData (RFC 5652 6) with AES-CBC (RFC 3565) and AuthEnvelopedData
//! (RFC 5083) with AES-GCM (RFC 5084), one KeyTransRecipientInfo per recipient
//! (RFC 5652 6.2.1), in DER.

use std::time::SystemTime;

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage, KeyUsages};
use x509_cert::Certificate;

use super::attributes::issuer_and_serial;
use super::oids;
use crate::ber::{encode_tlv, Tag};
use crate::crypto::cipher::{self, ContentCipher, GCM_TAG_LEN};
use crate::crypto::key_transport::{is_rsa_key, wrap_content_key, KeyTransport};
use crate::crypto::{describe_name, subject_key_identifier};
use crate::{Error, Result};

const KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const EXTENDED_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const EMAIL_PROTECTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4");
const ANY_EXTENDED_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37.0");

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

/// Builds an EnvelopedData (CBC) or AuthEnvelopedData (GCM) for a set of recipients.
pub struct EnvelopedDataBuilder {
    recipients: Vec<RecipientSpec>,
    cipher: ContentCipher,
}

impl EnvelopedDataBuilder {
    /// A builder; every recipient certificate is checked with
    /// [`check_recipient_certificate`] at `at`.
    pub fn new(
        recipients: Vec<RecipientSpec>,
        cipher: ContentCipher,
        at: SystemTime,
    ) -> Result<Self> {
        if recipients.is_empty() {
            return Err(Error::Unexpected("at least one recipient is needed".into()));
        }
        for (i, r) in recipients.iter().enumerate() {
            let what = format!("recipient {}", i + 1);
            check_recipient_certificate(&r.certificate, at, &what)?;
            if r.identifier == RecipientIdentifierKind::SubjectKeyIdentifier
                && subject_key_identifier(&r.certificate).is_none()
            {
                return Err(Error::key(
                    what,
                    "the certificate has no subjectKeyIdentifier to name it by",
                ));
            }
        }
        Ok(EnvelopedDataBuilder { recipients, cipher })
    }

    /// The content-encryption algorithm.
    pub fn cipher(&self) -> ContentCipher {
        self.cipher
    }

    fn recipient_infos(&self, content_key: &[u8]) -> Result<(Vec<u8>, bool)> {
        let mut infos = Vec::new();
        let mut all_version_0 = true;
        for (i, r) in self.recipients.iter().enumerate() {
            let what = format!("recipient {}", i + 1);
            let encrypted_key = wrap_content_key(
                &r.certificate.tbs_certificate.subject_public_key_info,
                r.transport,
                content_key,
                &what,
            )?;
            let (version, rid) = match r.identifier {
                RecipientIdentifierKind::IssuerAndSerial => {
                    (0u8, issuer_and_serial(&r.certificate)?)
                }
                RecipientIdentifierKind::SubjectKeyIdentifier => {
                    let ski = subject_key_identifier(&r.certificate).ok_or_else(|| {
                        Error::key(&what, "the certificate has no subjectKeyIdentifier")
                    })?;
                    (2u8, encode_tlv(Tag::context(0, false), &ski))
                }
            };
            all_version_0 &= version == 0;
            let mut content = encode_tlv(Tag::INTEGER, &[version]);
            content.extend(rid);
            content.extend(r.transport.algorithm_identifier_der());
            content.extend(encode_tlv(Tag::OCTET_STRING, &encrypted_key));
            infos.push(encode_tlv(Tag::SEQUENCE, &content));
        }
        infos.sort();
        Ok((encode_tlv(Tag::SET, &infos.concat()), all_version_0))
    }

    /// Encrypt `content` (the canonical MIME entity) and return the whole ContentInfo in DER.
    pub fn build(&self, content: Vec<u8>) -> Result<Vec<u8>> {
        let content_key = self.cipher.generate_key()?;
        let (recipient_infos, all_version_0) = self.recipient_infos(&content_key)?;
        let cipher_oid = oid_der(&self.cipher.oid())?;
        let (outer_type, inner) = if self.cipher.is_aead() {
            let (nonce, ciphertext, tag) =
                cipher::gcm_seal(self.cipher, &content_key, &[], content)?;
            // GCMParameters (RFC 5084 3.2): the nonce and, since it is not the default 12, the tag length.
            let mut params = encode_tlv(Tag::OCTET_STRING, &nonce);
            params.extend(encode_tlv(Tag::INTEGER, &[GCM_TAG_LEN as u8]));
            let mut alg = cipher_oid;
            alg.extend(encode_tlv(Tag::SEQUENCE, &params));
            // AuthEnvelopedData (RFC 5083 2.1): version 0, no authAttrs for id-data content.
            let mut inner = encode_tlv(Tag::INTEGER, &[0]);
            inner.extend(recipient_infos);
            inner.extend(encrypted_content_info(&alg, &ciphertext)?);
            inner.extend(encode_tlv(Tag::OCTET_STRING, &tag));
            (oids::AUTH_ENVELOPED_DATA, inner)
        } else {
            let (iv, ciphertext) = cipher::cbc_encrypt(self.cipher, &content_key, content)?;
            let mut alg = cipher_oid;
            alg.extend(encode_tlv(Tag::OCTET_STRING, &iv));
            // Version 0 when every RecipientInfo is version 0, else 2 (RFC 5652 6.1).
            let version = if all_version_0 { 0 } else { 2 };
            let mut inner = encode_tlv(Tag::INTEGER, &[version]);
            inner.extend(recipient_infos);
            inner.extend(encrypted_content_info(&alg, &ciphertext)?);
            (oids::ENVELOPED_DATA, inner)
        };
        let mut info = oid_der(&outer_type)?;
        info.extend(encode_tlv(
            Tag::context(0, true),
            &encode_tlv(Tag::SEQUENCE, &inner),
        ));
        Ok(encode_tlv(Tag::SEQUENCE, &info))
    }
}

/// EncryptedContentInfo (RFC 5652 6.1): id-data, the algorithm (its content octets in
/// `alg`), and the ciphertext as `[0] IMPLICIT OCTET STRING`.
fn encrypted_content_info(alg: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>> {
    let mut content = oid_der(&oids::DATA)?;
    content.extend(encode_tlv(Tag::SEQUENCE, alg));
    content.extend(encode_tlv(Tag::context(0, false), ciphertext));
    Ok(encode_tlv(Tag::SEQUENCE, &content))
}

fn oid_der(oid: &ObjectIdentifier) -> Result<Vec<u8>> {
    oid.to_der().map_err(|e| Error::Unexpected(e.to_string()))
}

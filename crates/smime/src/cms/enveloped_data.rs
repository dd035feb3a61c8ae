//! Reading EnvelopedData (RFC 5652 6) and AuthEnvelopedData (RFC 5083), in BER or DER, and
//! decrypting their content once a content-encryption key is known.

use const_oid::ObjectIdentifier;
use x509_cert::name::Name;
use x509_cert::Certificate;
use zeroize::Zeroizing;

use super::oids;
use super::signed_data::read_content_info;
use crate::ber::{Class, Element, Tag};
use crate::crypto::cipher::{self, ContentCipher, ContentDecryptionFailed, GCM_TAG_LEN};
use crate::crypto::key_transport::KeyTransport;
use crate::{Error, Result};

/// des-ede3-cbc (RFC 3370 5.1).
const DES_EDE3_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.3.7");
/// rc2-cbc (RFC 3370 5.2).
const RC2_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.3.2");
/// desCBC (single DES).
const DES_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.7");

/// How a KeyTransRecipientInfo names the recipient's certificate (RFC 5652 6.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecipientIdentifier {
    /// issuerAndSerialNumber.
    IssuerAndSerial {
        /// The issuer's distinguished name.
        issuer: Name,
        /// The serial number's content octets.
        serial: Vec<u8>,
    },
    /// subjectKeyIdentifier `[0]`.
    SubjectKeyIdentifier(Vec<u8>),
}

impl RecipientIdentifier {
    /// Whether `cert` is the certificate this identifier names.
    pub fn matches(&self, cert: &Certificate) -> bool {
        match self {
            RecipientIdentifier::IssuerAndSerial { issuer, serial } => {
                &cert.tbs_certificate.issuer == issuer
                    && cert.tbs_certificate.serial_number.as_bytes() == serial.as_slice()
            }
            RecipientIdentifier::SubjectKeyIdentifier(ski) => {
                crate::crypto::subject_key_identifier(cert).is_some_and(|c| &c == ski)
            }
        }
    }
}

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

/// The content-encryption algorithm and its parameters.
#[derive(Debug, Clone)]
pub struct ContentEncryption {
    /// The cipher.
    pub cipher: ContentCipher,
    /// The CBC IV or the GCM nonce.
    pub iv: Vec<u8>,
}

/// A parsed EnvelopedData or AuthEnvelopedData.
#[derive(Debug, Clone)]
pub struct EnvelopedData {
    /// Whether this is an AuthEnvelopedData (RFC 5083).
    pub authenticated: bool,
    /// version.
    pub version: i64,
    /// recipientInfos.
    pub recipient_infos: Vec<RecipientInfo>,
    /// The type of the encrypted content (id-data for S/MIME).
    pub content_type: ObjectIdentifier,
    /// contentEncryptionAlgorithm.
    pub encryption: ContentEncryption,
    /// encryptedContent, chunks joined.
    pub encrypted_content: Vec<u8>,
    /// authAttrs as the DER SET OF that the GCM tag covers (RFC 5083 2.2), if present.
    pub auth_attributes: Option<Vec<u8>>,
    /// mac (the GCM tag), AuthEnvelopedData only.
    pub mac: Option<Vec<u8>>,
}

/// Parse a whole ContentInfo holding EnvelopedData or AuthEnvelopedData.
pub fn parse_enveloped_content_info(buf: &[u8]) -> Result<EnvelopedData> {
    let (content_type, content) = read_content_info(buf)?;
    let authenticated = match content_type {
        oids::ENVELOPED_DATA => false,
        oids::AUTH_ENVELOPED_DATA => true,
        other => {
            return Err(Error::Unexpected(format!(
                "the CMS content is {}, not envelopedData or authEnvelopedData",
                oids::content_type_name(&other)
            )))
        }
    };
    let content = content.ok_or_else(|| Error::asn1("CMS ContentInfo", 0, "no content"))?;
    parse_enveloped_data(buf, &content, authenticated)
}

fn parse_enveloped_data(
    buf: &[u8],
    element: &Element,
    authenticated: bool,
) -> Result<EnvelopedData> {
    let what = if authenticated {
        "AuthEnvelopedData"
    } else {
        "EnvelopedData"
    };
    element.expect(Tag::SEQUENCE, what)?;
    let parts = element.children(buf, what)?;
    let mut it = parts.iter().peekable();
    let missing =
        |field: &str| Error::asn1(what, element.range.start, format!("{field} is missing"));
    let version = it
        .next()
        .ok_or_else(|| missing("version"))?
        .small_integer(buf, what)?;
    if it.peek().is_some_and(|e| e.tag == Tag::context(0, true)) {
        it.next(); // originatorInfo: certificates for key agreement, not needed for ktri
    }
    let set = it.next().ok_or_else(|| missing("recipientInfos"))?;
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
    let eci = it.next().ok_or_else(|| missing("encryptedContentInfo"))?;
    let (content_type, encryption, encrypted_content) = parse_encrypted_content_info(buf, eci)?;
    if encryption.cipher.is_aead() != authenticated {
        return Err(Error::Unexpected(format!(
            "{what} with {}: {} belongs in {}",
            encryption.cipher.name(),
            encryption.cipher.name(),
            if encryption.cipher.is_aead() {
                "AuthEnvelopedData (RFC 5083)"
            } else {
                "EnvelopedData (RFC 5652)"
            }
        )));
    }
    let mut auth_attributes = None;
    let mut mac = None;
    if authenticated {
        if let Some(attrs) = it.peek().filter(|e| e.tag == Tag::context(1, true)) {
            // The tag covers the DER of authAttrs with the SET OF tag (RFC 5083 2.2).
            let mut der = attrs.to_der(buf, "authAttrs")?;
            der[0] = 0x31;
            auth_attributes = Some(der);
            it.next();
        }
        let mac_element = it.next().ok_or_else(|| missing("mac"))?;
        mac = Some(mac_element.octet_string(buf, "mac")?);
        if it.peek().is_some_and(|e| e.tag == Tag::context(2, true)) {
            it.next(); // unauthAttrs
        }
    } else if it.peek().is_some_and(|e| e.tag == Tag::context(1, true)) {
        it.next(); // unprotectedAttrs
    }
    if let Some(extra) = it.next() {
        return Err(Error::asn1(
            what,
            extra.range.start,
            "unexpected field at the end",
        ));
    }
    Ok(EnvelopedData {
        authenticated,
        version,
        recipient_infos,
        content_type,
        encryption,
        encrypted_content,
        auth_attributes,
        mac,
    })
}

fn parse_recipient_info(buf: &[u8], ri: &Element) -> Result<RecipientInfo> {
    const WHAT: &str = "KeyTransRecipientInfo";
    match (ri.tag.class, ri.tag.number) {
        (Class::Universal, 16) => {}
        (Class::Context, 1) => return Ok(RecipientInfo::Other("key agreement (kari)")),
        (Class::Context, 2) => return Ok(RecipientInfo::Other("key encryption key (kekri)")),
        (Class::Context, 3) => return Ok(RecipientInfo::Other("password (pwri)")),
        _ => return Ok(RecipientInfo::Other("other (ori)")),
    }
    let parts = ri.children(buf, WHAT)?;
    let [version, rid, alg, key] = parts.as_slice() else {
        return Err(Error::asn1(WHAT, ri.range.start, "expected four fields"));
    };
    let version = version.small_integer(buf, WHAT)?;
    let rid = if rid.tag == Tag::SEQUENCE {
        let fields = rid.children(buf, "issuerAndSerialNumber")?;
        let [issuer, serial] = fields.as_slice() else {
            return Err(Error::asn1(
                WHAT,
                rid.range.start,
                "malformed issuerAndSerialNumber",
            ));
        };
        serial.expect(Tag::INTEGER, WHAT)?;
        let issuer = <Name as der::Decode>::from_der(&issuer.to_der(buf, WHAT)?)
            .map_err(|e| Error::asn1(WHAT, issuer.range.start, format!("bad issuer name: {e}")))?;
        RecipientIdentifier::IssuerAndSerial {
            issuer,
            serial: serial.content(buf).to_vec(),
        }
    } else if rid.tag.class == Class::Context && rid.tag.number == 0 {
        RecipientIdentifier::SubjectKeyIdentifier(implicit_octets(buf, rid, WHAT)?)
    } else {
        return Err(Error::asn1(
            WHAT,
            rid.range.start,
            "unknown recipient identifier",
        ));
    };
    let key_transport =
        KeyTransport::from_algorithm_identifier(buf, alg).map_err(|e| e.to_string());
    let encrypted_key = key.octet_string(buf, WHAT)?;
    Ok(RecipientInfo::KeyTransport(KeyTransRecipientInfo {
        version,
        rid,
        key_transport,
        encrypted_key,
    }))
}

/// The octets of an `[n] IMPLICIT OCTET STRING`, primitive or constructed from chunks.
fn implicit_octets(buf: &[u8], element: &Element, what: &str) -> Result<Vec<u8>> {
    if !element.tag.constructed {
        return Ok(element.content(buf).to_vec());
    }
    let mut out = Vec::new();
    for chunk in element.children(buf, what)? {
        out.extend(chunk.octet_string(buf, what)?);
    }
    Ok(out)
}

fn parse_encrypted_content_info(
    buf: &[u8],
    eci: &Element,
) -> Result<(ObjectIdentifier, ContentEncryption, Vec<u8>)> {
    const WHAT: &str = "EncryptedContentInfo";
    eci.expect(Tag::SEQUENCE, WHAT)?;
    let parts = eci.children(buf, WHAT)?;
    let (content_type, alg) = match parts.as_slice() {
        [ct, alg, ..] => (ct.oid(buf, WHAT)?, alg),
        _ => return Err(Error::asn1(WHAT, eci.range.start, "missing fields")),
    };
    alg.expect(Tag::SEQUENCE, WHAT)?;
    let alg_parts = alg.children(buf, WHAT)?;
    let oid = alg_parts
        .first()
        .ok_or_else(|| Error::asn1(WHAT, alg.range.start, "empty AlgorithmIdentifier"))?
        .oid(buf, WHAT)?;
    let Some(cipher) = ContentCipher::from_oid(&oid) else {
        return Err(match oid {
            DES_EDE3_CBC | RC2_CBC | DES_CBC => Error::Refused {
                what: format!("content encryption {}", legacy_name(&oid)),
                reason: "legacy algorithm, not supported yet".into(),
            },
            _ => Error::UnsupportedAlgorithm {
                oid: oids::cipher_name(&oid),
                context: "content encryption",
            },
        });
    };
    let params = alg_parts
        .get(1)
        .ok_or_else(|| Error::asn1(WHAT, alg.range.start, "the cipher has no parameters"))?;
    let iv = if cipher.is_aead() {
        // GCMParameters ::= SEQUENCE { aes-nonce OCTET STRING, aes-ICVlen INTEGER DEFAULT 12 }
        params.expect(Tag::SEQUENCE, "GCMParameters")?;
        let fields = params.children(buf, "GCMParameters")?;
        let nonce = fields
            .first()
            .ok_or_else(|| Error::asn1("GCMParameters", params.range.start, "no nonce"))?
            .octet_string(buf, "GCMParameters")?;
        let tag_len = match fields.get(1) {
            Some(l) => l.small_integer(buf, "GCMParameters")?,
            None => 12,
        };
        if tag_len != GCM_TAG_LEN as i64 || nonce.len() != cipher::GCM_NONCE_LEN {
            return Err(Error::UnsupportedAlgorithm {
                oid: format!(
                    "{} with a {}-byte nonce and a {tag_len}-byte tag (only 12 and 16 are supported)",
                    cipher.name(),
                    nonce.len()
                ),
                context: "content encryption",
            });
        }
        nonce
    } else {
        let iv = params.octet_string(buf, "CBC parameters")?;
        if iv.len() != cipher::AES_BLOCK_LEN {
            return Err(Error::asn1(
                WHAT,
                params.range.start,
                "the CBC IV is not 16 bytes",
            ));
        }
        iv
    };
    let encrypted = match parts.get(2) {
        Some(e) if e.tag.class == Class::Context && e.tag.number == 0 => {
            implicit_octets(buf, e, WHAT)?
        }
        Some(e) => {
            return Err(Error::asn1(
                WHAT,
                e.range.start,
                "expected [0] encryptedContent",
            ))
        }
        None => {
            return Err(Error::Unexpected(
                "the encrypted content is detached (not in the message); this is not supported"
                    .into(),
            ))
        }
    };
    Ok((content_type, ContentEncryption { cipher, iv }, encrypted))
}

fn legacy_name(oid: &ObjectIdentifier) -> &'static str {
    match *oid {
        DES_EDE3_CBC => "3DES (des-ede3-cbc)",
        RC2_CBC => "RC2 (rc2-cbc)",
        _ => "DES (desCBC)",
    }
}

impl EnvelopedData {
    /// Decrypt the content with `content_key`. GCM: the tag is checked first and nothing is
    /// returned unless it matches. CBC: the padding is checked first.
    pub fn decrypt_content(
        &self,
        content_key: &[u8],
    ) -> std::result::Result<Zeroizing<Vec<u8>>, ContentDecryptionFailed> {
        let cipher = self.encryption.cipher;
        if content_key.len() != cipher.key_len() {
            return Err(ContentDecryptionFailed);
        }
        if cipher.is_aead() {
            let tag = self.mac.as_deref().ok_or(ContentDecryptionFailed)?;
            cipher::gcm_open(
                cipher,
                content_key,
                &self.encryption.iv,
                self.auth_attributes.as_deref().unwrap_or(&[]),
                self.encrypted_content.clone(),
                tag,
            )
        } else {
            cipher::cbc_decrypt(
                cipher,
                content_key,
                &self.encryption.iv,
                self.encrypted_content.clone(),
            )
        }
    }
}

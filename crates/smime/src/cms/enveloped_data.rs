//! Reading EnvelopedData (RFC 5652 6) and AuthEnvelopedData (RFC 5083), in BER or DER, and
//! decrypting their content once a content-encryption key is known.

use const_oid::ObjectIdentifier;
use zeroize::Zeroizing;

use super::oids;
use super::recipient_info::parse_recipient_infos;
pub use super::recipient_info::{KeyTransRecipientInfo, RecipientIdentifier, RecipientInfo};
use super::signed_data::read_content_info;
use crate::ber::{Class, Element, Tag};
use crate::crypto::cipher::{self, ContentCipher, ContentDecryptionFailed, GCM_TAG_LEN};
use crate::{Error, Result};

/// des-ede3-cbc (RFC 3370 5.1).
const DES_EDE3_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.3.7");
/// rc2-cbc (RFC 3370 5.2).
const RC2_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.3.2");
/// desCBC (single DES).
const DES_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.7");

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
    let recipient_infos = parse_recipient_infos(buf, set)?;
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
            e.implicit_octet_string(buf, WHAT)?
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

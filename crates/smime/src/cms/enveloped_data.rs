//! Reading EnvelopedData (RFC 5652 6) and AuthEnvelopedData (RFC 5083), in BER or DER,
//! as a stream: [`EnvelopedReader`] reads everything up to the encrypted content into
//! memory (the RecipientInfos come first and are small), then passes the encryptedContent
//! on in pieces and reads what follows it (authAttrs and the mac of AuthEnvelopedData).
//! Memory stays bounded whatever the size of the content.

use std::io::Read;

use const_oid::ObjectIdentifier;

use super::oids;
use super::recipient_info::parse_recipient_infos;
pub use super::recipient_info::{KeyTransRecipientInfo, RecipientIdentifier, RecipientInfo};
use crate::ber::{Class, Element, Header, StreamReader, Tag};
pub use crate::crypto::cipher::ContentEncryption;
use crate::crypto::cipher::{ContentCipher, AES_BLOCK_LEN};
use crate::{Error, Result};

/// The largest recipientInfos (or originatorInfo) read into memory.
pub const MAX_RECIPIENT_INFOS_BYTES: usize = 1024 * 1024;
/// The largest authAttrs, unauthAttrs or unprotectedAttrs read into memory.
const MAX_ATTRIBUTES_BYTES: usize = 256 * 1024;

/// Everything of an EnvelopedData or AuthEnvelopedData that comes before the content.
#[derive(Debug, Clone)]
pub struct EnvelopedHead {
    /// Whether this is an AuthEnvelopedData (RFC 5083).
    pub authenticated: bool,
    /// version.
    pub version: i64,
    /// originatorInfo (its whole encoding), if present.
    pub originator_info: Option<Vec<u8>>,
    /// recipientInfos.
    pub recipient_infos: Vec<RecipientInfo>,
    /// The type of the encrypted content (id-data for S/MIME).
    pub content_type: ObjectIdentifier,
    /// contentEncryptionAlgorithm.
    pub encryption: ContentEncryption,
}

/// What follows the encrypted content.
#[derive(Debug, Clone, Default)]
pub struct EnvelopedTail {
    /// authAttrs as the DER SET OF that the tag covers (RFC 5083 2.2), if present.
    pub auth_attributes: Option<Vec<u8>>,
    /// mac (the AEAD tag), AuthEnvelopedData only.
    pub mac: Option<Vec<u8>>,
}

/// A whole EnvelopedData or AuthEnvelopedData in memory (tests, fuzzing, small messages).
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
    /// authAttrs as the DER SET OF that the tag covers (RFC 5083 2.2), if present.
    pub auth_attributes: Option<Vec<u8>>,
    /// mac (the AEAD tag), AuthEnvelopedData only.
    pub mac: Option<Vec<u8>>,
}

/// Parse a whole ContentInfo holding EnvelopedData or AuthEnvelopedData in memory.
pub fn parse_enveloped_content_info(buf: &[u8]) -> Result<EnvelopedData> {
    let mut reader = EnvelopedReader::new(buf)?;
    let mut encrypted_content = Vec::new();
    let tail = reader.read_content(&mut |chunk| {
        encrypted_content.extend_from_slice(chunk);
        Ok(())
    })?;
    let head = reader.head;
    Ok(EnvelopedData {
        authenticated: head.authenticated,
        version: head.version,
        recipient_infos: head.recipient_infos,
        content_type: head.content_type,
        encryption: head.encryption,
        encrypted_content,
        auth_attributes: tail.auth_attributes,
        mac: tail.mac,
    })
}

/// Reads a ContentInfo holding EnvelopedData or AuthEnvelopedData from a stream.
pub struct EnvelopedReader<R: Read> {
    stream: StreamReader<R>,
    head: EnvelopedHead,
    /// Where the definite-length ContentInfo, [0], (Auth)EnvelopedData and
    /// EncryptedContentInfo end (`None`: indefinite, ended by end-of-contents octets).
    ends: [Option<usize>; 4],
}

const CONTENT_INFO: usize = 0;
const EXPLICIT: usize = 1;
const ENVELOPED: usize = 2;
const ENCRYPTED_CONTENT_INFO: usize = 3;

impl<R: Read> EnvelopedReader<R> {
    /// Read the ContentInfo up to the encrypted content. Errors name the structure and
    /// the byte offset in the CMS encoding.
    pub fn new(reader: R) -> Result<Self> {
        let mut stream = StreamReader::new(reader, "CMS ContentInfo");
        let mut ends = [None; 4];
        let outer = stream.expect_header(Tag::SEQUENCE)?;
        ends[CONTENT_INFO] = end_of(&stream, &outer);
        let oid_header = stream.expect_header(Tag::OID)?;
        let content_type = read_oid(&mut stream, oid_header, "CMS ContentInfo")?;
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
        let what = if authenticated {
            "AuthEnvelopedData"
        } else {
            "EnvelopedData"
        };
        let explicit = stream.expect_header(Tag::context(0, true))?;
        ends[EXPLICIT] = end_of(&stream, &explicit);
        let enveloped = stream.expect_header(Tag::SEQUENCE)?;
        ends[ENVELOPED] = end_of(&stream, &enveloped);
        let version_header = stream.expect_header(Tag::INTEGER)?;
        let version_bytes = stream.read_element_after(version_header, 16)?;
        let version =
            Element::read_all(&version_bytes, what)?.small_integer(&version_bytes, what)?;
        let mut next = next_in(&mut stream, ends[ENVELOPED], what)?;
        let mut originator_info = None;
        if let Some(h) = next.filter(|h| h.tag == Tag::context(0, true)) {
            // originatorInfo: certificates and CRLs, for key agreement.
            originator_info = Some(stream.read_element_after(h, MAX_RECIPIENT_INFOS_BYTES)?);
            next = next_in(&mut stream, ends[ENVELOPED], what)?;
        }
        let at = stream.position();
        let set = next
            .filter(|h| h.tag == Tag::SET)
            .ok_or_else(|| Error::asn1(what, at, "expected the SET of recipientInfos"))?;
        let set_at = stream.position() - set.header_len;
        let set_bytes = stream.read_element_after(set, MAX_RECIPIENT_INFOS_BYTES)?;
        let recipient_infos = Element::read_all(&set_bytes, "recipientInfos")
            .and_then(|element| parse_recipient_infos(&set_bytes, &element))
            .map_err(|e| relocate(e, set_at))?;
        let eci = stream.expect_header(Tag::SEQUENCE)?;
        ends[ENCRYPTED_CONTENT_INFO] = end_of(&stream, &eci);
        let ct_header = stream.expect_header(Tag::OID)?;
        let content_type = read_oid(&mut stream, ct_header, "EncryptedContentInfo")?;
        let alg_header = stream.expect_header(Tag::SEQUENCE)?;
        let alg_at = stream.position() - alg_header.header_len;
        let alg_bytes = stream.read_element_after(alg_header, 4096)?;
        let encryption = parse_content_encryption(&alg_bytes).map_err(|e| relocate(e, alg_at))?;
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
        Ok(EnvelopedReader {
            stream,
            head: EnvelopedHead {
                authenticated,
                version,
                originator_info,
                recipient_infos,
                content_type,
                encryption,
            },
            ends,
        })
    }

    /// Everything before the content.
    pub fn head(&self) -> &EnvelopedHead {
        &self.head
    }

    /// Pass the encryptedContent octets to `sink` in pieces (chunks of a constructed
    /// `[0] IMPLICIT OCTET STRING` joined, X.690 8.7.3), then read the rest of the structure.
    pub fn read_content(
        &mut self,
        sink: &mut dyn FnMut(&[u8]) -> Result<()>,
    ) -> Result<EnvelopedTail> {
        const ECI: &str = "EncryptedContentInfo";
        let what = if self.head.authenticated {
            "AuthEnvelopedData"
        } else {
            "EnvelopedData"
        };
        let stream = &mut self.stream;
        let at = stream.position();
        match next_in(stream, self.ends[ENCRYPTED_CONTENT_INFO], ECI)? {
            Some(h) if h.tag.class == Class::Context && h.tag.number == 0 => {
                // [0] IMPLICIT OCTET STRING: read it as the OCTET STRING it stands for.
                let as_octets = Header {
                    tag: Tag {
                        class: Class::Universal,
                        number: 4,
                        constructed: h.tag.constructed,
                    },
                    ..h
                };
                stream.copy_octet_string(as_octets, sink)?;
            }
            Some(_) => return Err(Error::asn1(ECI, at, "expected [0] encryptedContent")),
            None => {
                return Err(Error::Unexpected(
                    "the encrypted content is detached (not in the message); this is not supported"
                        .into(),
                ))
            }
        }
        close(stream, self.ends[ENCRYPTED_CONTENT_INFO], ECI)?;
        let mut tail = EnvelopedTail::default();
        let mut next = next_in(stream, self.ends[ENVELOPED], what)?;
        if self.head.authenticated {
            if let Some(h) = next.filter(|h| h.tag == Tag::context(1, true)) {
                let bytes = stream.read_element_after(h, MAX_ATTRIBUTES_BYTES)?;
                let element = Element::read_all(&bytes, "authAttrs")?;
                // The tag covers the DER of authAttrs with the SET OF tag (RFC 5083 2.2).
                let mut der = element.to_der(&bytes, "authAttrs")?;
                der[0] = 0x31;
                tail.auth_attributes = Some(der);
                next = next_in(stream, self.ends[ENVELOPED], what)?;
            }
            let at = stream.position();
            let mac = next
                .filter(|h| h.tag.is_octet_string())
                .ok_or_else(|| Error::asn1(what, at, "the mac is missing"))?;
            let bytes = stream.read_element_after(mac, 1024)?;
            tail.mac = Some(Element::read_all(&bytes, "mac")?.octet_string(&bytes, "mac")?);
            next = next_in(stream, self.ends[ENVELOPED], what)?;
            if let Some(h) = next.filter(|h| h.tag == Tag::context(2, true)) {
                stream.read_element_after(h, MAX_ATTRIBUTES_BYTES)?; // unauthAttrs
                next = next_in(stream, self.ends[ENVELOPED], what)?;
            }
        } else if let Some(h) = next.filter(|h| h.tag == Tag::context(1, true)) {
            stream.read_element_after(h, MAX_ATTRIBUTES_BYTES)?; // unprotectedAttrs
            next = next_in(stream, self.ends[ENVELOPED], what)?;
        }
        if next.is_some() {
            return Err(Error::asn1(
                what,
                stream.position(),
                "unexpected field at the end",
            ));
        }
        close(stream, self.ends[EXPLICIT], "CMS ContentInfo")?;
        close(stream, self.ends[CONTENT_INFO], "CMS ContentInfo")?;
        Ok(tail)
    }
}

/// Where a definite-length value whose header was just read ends.
fn end_of<R: Read>(stream: &StreamReader<R>, header: &Header) -> Option<usize> {
    // Saturating: a hostile length near usize::MAX must fail as truncated input, not overflow.
    header
        .length
        .map(|len| stream.position().saturating_add(len))
}

/// The next header inside a value ending at `end` (definite) or at end-of-contents
/// (`None`); `Ok(None)` at the value's end.
fn next_in<R: Read>(
    stream: &mut StreamReader<R>,
    end: Option<usize>,
    what: &str,
) -> Result<Option<Header>> {
    match end {
        Some(end) if stream.position() == end => Ok(None),
        Some(end) if stream.position() > end => Err(Error::asn1(
            what,
            stream.position(),
            "a field runs past the end of its structure",
        )),
        Some(_) => match stream.next_header()? {
            Some(h) => Ok(Some(h)),
            None => Err(Error::asn1(
                what,
                stream.position(),
                "end-of-contents inside a definite-length value",
            )),
        },
        None => stream.next_header(),
    }
}

/// Check that the value ending at `end` has ended (consuming its end-of-contents octets).
fn close<R: Read>(stream: &mut StreamReader<R>, end: Option<usize>, what: &str) -> Result<()> {
    let at = stream.position();
    match next_in(stream, end, what)? {
        None => Ok(()),
        Some(_) => Err(Error::asn1(what, at, "unexpected field at the end")),
    }
}

fn read_oid<R: Read>(
    stream: &mut StreamReader<R>,
    header: Header,
    what: &str,
) -> Result<ObjectIdentifier> {
    let at = stream.position();
    let bytes = stream.read_content(header.length.unwrap_or(0), 64)?;
    ObjectIdentifier::from_bytes(&bytes)
        .map_err(|e| Error::asn1(what, at, format!("bad OBJECT IDENTIFIER: {e}")))
}

/// An error from parsing a piece read into memory, with its offset moved to where the
/// piece starts in the whole encoding.
fn relocate(error: Error, base: usize) -> Error {
    match error {
        Error::Asn1 {
            what,
            offset,
            reason,
        } => Error::asn1(what, base + offset, reason),
        other => other,
    }
}

/// Parse a contentEncryptionAlgorithm (its whole AlgorithmIdentifier encoding) with the
/// parameters each cipher takes: a CBC IV (RFC 3565 4.1, RFC 3370 5.1), GCMParameters
/// (RFC 5084 3.2), a ChaCha20-Poly1305 nonce (RFC 8103 3) or RC2CBCParameter (RFC 3370 5.2).
pub fn parse_content_encryption(alg_bytes: &[u8]) -> Result<ContentEncryption> {
    const WHAT: &str = "contentEncryptionAlgorithm";
    let alg = Element::read_all(alg_bytes, WHAT)?;
    alg.expect(Tag::SEQUENCE, WHAT)?;
    let parts = alg.children(alg_bytes, WHAT)?;
    let oid = parts
        .first()
        .ok_or_else(|| Error::asn1(WHAT, 0, "empty AlgorithmIdentifier"))?
        .oid(alg_bytes, WHAT)?;
    let Some(cipher) = ContentCipher::from_oid(&oid) else {
        return Err(match oid {
            oids::DES_CBC => Error::Refused {
                what: "content encryption DES (desCBC)".into(),
                reason: "single DES is broken and never accepted".into(),
            },
            _ => Error::UnsupportedAlgorithm {
                oid: oids::cipher_name(&oid),
                context: "content encryption",
            },
        });
    };
    let params = parts
        .get(1)
        .ok_or_else(|| Error::asn1(WHAT, 0, "the cipher has no parameters"))?;
    let mut encryption = ContentEncryption {
        cipher,
        iv: Vec::new(),
        tag_len: 0,
        rc2_effective_bits: 0,
    };
    match cipher {
        ContentCipher::Aes128Gcm | ContentCipher::Aes256Gcm => {
            // GCMParameters ::= SEQUENCE { aes-nonce OCTET STRING, aes-ICVlen INTEGER DEFAULT 12 }
            params.expect(Tag::SEQUENCE, "GCMParameters")?;
            let fields = params.children(alg_bytes, "GCMParameters")?;
            encryption.iv = fields
                .first()
                .ok_or_else(|| Error::asn1("GCMParameters", params.range.start, "no nonce"))?
                .octet_string(alg_bytes, "GCMParameters")?;
            let tag_len = match fields.get(1) {
                Some(l) => l.small_integer(alg_bytes, "GCMParameters")?,
                None => 12,
            };
            if !(12..=16).contains(&tag_len) || encryption.iv.len() != 12 {
                return Err(Error::UnsupportedAlgorithm {
                    oid: format!(
                        "{} with a {}-byte nonce and a {tag_len}-byte tag (12-byte nonces and 12 to 16-byte tags are supported)",
                        cipher.name(),
                        encryption.iv.len()
                    ),
                    context: "content encryption",
                });
            }
            encryption.tag_len = tag_len as usize;
        }
        ContentCipher::ChaCha20Poly1305 => {
            encryption.iv = params.octet_string(alg_bytes, "ChaCha20-Poly1305 nonce")?;
            encryption.tag_len = 16;
            if encryption.iv.len() != 12 {
                return Err(Error::asn1(
                    WHAT,
                    params.range.start,
                    "the ChaCha20-Poly1305 nonce is not 12 bytes (RFC 8103 3)",
                ));
            }
        }
        ContentCipher::Aes128Cbc
        | ContentCipher::Aes192Cbc
        | ContentCipher::Aes256Cbc
        | ContentCipher::DesEde3Cbc => {
            encryption.iv = params.octet_string(alg_bytes, "CBC parameters")?;
            let block = if cipher == ContentCipher::DesEde3Cbc {
                crate::crypto::cipher::LEGACY_BLOCK_LEN
            } else {
                AES_BLOCK_LEN
            };
            if encryption.iv.len() != block {
                return Err(Error::asn1(
                    WHAT,
                    params.range.start,
                    format!("the CBC IV is not {block} bytes"),
                ));
            }
        }
        ContentCipher::Rc2Cbc => {
            // RC2CBCParameter ::= SEQUENCE { rc2ParameterVersion INTEGER OPTIONAL, iv OCTET STRING }
            params.expect(Tag::SEQUENCE, "RC2CBCParameter")?;
            let fields = params.children(alg_bytes, "RC2CBCParameter")?;
            let (version, iv) = match fields.as_slice() {
                [iv] => (None, iv),
                [version, iv] => (
                    Some(version.small_integer(alg_bytes, "RC2CBCParameter")?),
                    iv,
                ),
                _ => {
                    return Err(Error::asn1(
                        "RC2CBCParameter",
                        params.range.start,
                        "expected a version and an IV",
                    ))
                }
            };
            encryption.iv = iv.octet_string(alg_bytes, "RC2CBCParameter")?;
            encryption.rc2_effective_bits = crate::crypto::cipher::rc2_effective_key_bits(version)
                .ok_or_else(|| Error::UnsupportedAlgorithm {
                    oid: format!("RC2 with parameter version {}", version.unwrap_or(0)),
                    context: "content encryption",
                })?;
            if encryption.iv.len() != crate::crypto::cipher::LEGACY_BLOCK_LEN {
                return Err(Error::asn1(
                    "RC2CBCParameter",
                    iv.range.start,
                    "the RC2 IV is not 8 bytes",
                ));
            }
        }
    }
    Ok(encryption)
}

//! Decrypting messages: application/pkcs7-mime with smime-type enveloped-data or
//! authEnveloped-data (RFC 8551 3.3), or a bare CMS EnvelopedData / AuthEnvelopedData
//! (DER, BER, PEM or base64).
//!
//! Like a bad signature, a message that cannot be decrypted is a result, not an error
//! ([`DecryptStatus`]); errors are for input that cannot be read at all. Every failure after
//! the recipient is found (wrong key, changed ciphertext, tag or padding) gives the one
//! message [`DECRYPTION_FAILED`]: key transport never fails on its own (RFC 3218, see
//! [`crate::crypto::DecryptingKey::unwrap_content_key`]).

use std::io::{Read, Write};

use serde::Serialize;
use x509_cert::Certificate;

use crate::cms::enveloped_data::parse_enveloped_content_info;
use crate::cms::oids;
use crate::crypto::DecryptingKey;
use crate::message::{looks_like_mime, read_header_block};
use crate::mime::{self, TransferEncoding};
use crate::recipient::{content_key_candidates, RecipientIdentity, RecipientSearch};
use crate::stream::Base64Reader;
use crate::{CryptoPolicy, Error, Result};

/// The one message for every failure at the content stage.
pub const DECRYPTION_FAILED: &str = "decryption failed: wrong key or corrupted message";

/// Largest input read (the message is decrypted in memory).
pub const MAX_INPUT: usize = 1 << 30;

/// The outcome of a decryption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DecryptStatus {
    /// The content was decrypted (and written).
    Decrypted,
    /// No RecipientInfo names the certificate.
    NotRecipient,
    /// Wrong key or corrupted message (deliberately not more precise).
    Failed,
}

/// What a decryption found.
#[derive(Debug, Clone, Serialize)]
pub struct DecryptReport {
    /// The outcome.
    pub status: DecryptStatus,
    /// `envelopedData` or `authEnvelopedData`.
    pub content_type: String,
    /// The content-encryption algorithm.
    pub cipher: String,
    /// Whether the content is authenticated (AEAD): false for CBC, whose content can be
    /// changed unnoticed unless it is also signed.
    pub authenticated: bool,
    /// The key transport of the RecipientInfo used, if one was found.
    pub key_transport: Option<String>,
    /// Which RecipientInfo (1-based) names the certificate.
    pub recipient: Option<usize>,
    /// How many RecipientInfos the message has.
    pub recipients: usize,
    /// What went wrong, for a status other than decrypted.
    pub reason: Option<String>,
}

/// Decrypts messages for one recipient identity.
pub struct Decryptor {
    identity: RecipientIdentity,
    policy: CryptoPolicy,
}

impl Decryptor {
    /// A decryptor for this certificate and key.
    pub fn new(certificate: Certificate, key: DecryptingKey, policy: CryptoPolicy) -> Self {
        Self::with_identity(RecipientIdentity::new(certificate, key), policy)
    }

    /// A decryptor for a recipient identity (see [`RecipientIdentity`]).
    pub fn with_identity(identity: RecipientIdentity, policy: CryptoPolicy) -> Self {
        Decryptor { identity, policy }
    }

    /// Decrypt the message (or bare CMS) read from `input`. On success the decrypted
    /// message is written to `output`: the outer headers of the input (without its Content-*
    /// headers), then the decrypted entity. Nothing is written unless the status is
    /// [`DecryptStatus::Decrypted`].
    pub fn decrypt<R: Read, W: Write>(&self, input: R, mut output: W) -> Result<DecryptReport> {
        let mut data = Vec::new();
        input.take(MAX_INPUT as u64 + 1).read_to_end(&mut data)?;
        if data.len() > MAX_INPUT {
            return Err(Error::Unexpected(format!(
                "the input is larger than {MAX_INPUT} bytes"
            )));
        }
        if data.is_empty() {
            return Err(Error::Unexpected("the input is empty".into()));
        }
        let (outer, der) = if looks_like_mime(&data) {
            let mut reader = &data[..];
            let header = read_header_block(&mut reader, "message")?;
            let content_type = header.entity.content_type()?;
            let mime_type = content_type.mime_type.to_ascii_lowercase();
            let name = content_type
                .param("name")
                .unwrap_or_default()
                .to_ascii_lowercase();
            if !(mime_type == "application/pkcs7-mime"
                || mime_type == "application/x-pkcs7-mime"
                || (mime_type == "application/octet-stream" && name.ends_with(".p7m")))
            {
                return Err(Error::mime(
                    "message",
                    format!("the message is {mime_type}, not an encrypted S/MIME message (application/pkcs7-mime)"),
                ));
            }
            match content_type
                .param("smime-type")
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                None | Some("enveloped-data") | Some("authenveloped-data") => {}
                Some(other) => {
                    return Err(Error::mime(
                        "message",
                        format!(
                        "the message is S/MIME {other}, not enveloped-data or authEnveloped-data"
                    ),
                    ))
                }
            }
            let encoding = header.entity.transfer_encoding();
            let der = match encoding {
                TransferEncoding::Base64
                | TransferEncoding::SevenBit
                | TransferEncoding::EightBit
                | TransferEncoding::Binary => mime::decode_body(reader, &encoding, "message")?,
                other => {
                    return Err(Error::mime(
                        "message",
                        format!(
                            "unsupported transfer encoding {other:?} for application/pkcs7-mime"
                        ),
                    ))
                }
            };
            let mut outer = Vec::new();
            for h in header.outer_headers() {
                if !h.name.eq_ignore_ascii_case("MIME-Version") {
                    outer.extend(header.field_bytes(h));
                }
            }
            outer.extend_from_slice(b"MIME-Version: 1.0\r\n");
            (Some(outer), der)
        } else if data[0] == 0x30 {
            (None, data)
        } else {
            (None, decode_pem_or_base64(&data)?)
        };
        let enveloped = parse_enveloped_content_info(&der)?;
        let mut report = DecryptReport {
            status: DecryptStatus::Failed,
            content_type: if enveloped.authenticated {
                oids::content_type_name(&oids::AUTH_ENVELOPED_DATA)
            } else {
                oids::content_type_name(&oids::ENVELOPED_DATA)
            },
            cipher: enveloped.encryption.cipher.name().into(),
            authenticated: enveloped.authenticated,
            key_transport: None,
            recipient: None,
            recipients: enveloped.recipient_infos.len(),
            reason: None,
        };
        let candidates = match content_key_candidates(
            &enveloped.recipient_infos,
            &self.identity,
            enveloped.encryption.cipher.key_len(),
            &self.policy,
        )? {
            RecipientSearch::Found(candidates) => candidates,
            RecipientSearch::NotRecipient(reason) => {
                report.status = DecryptStatus::NotRecipient;
                report.reason = Some(reason);
                return Ok(report);
            }
        };
        let mut plaintext = None;
        for candidate in candidates {
            report.recipient = Some(candidate.index + 1);
            report.key_transport = Some(candidate.algorithm);
            // CBC has no integrity: a wrong key passes the padding check about once in 256.
            // The content of an S/MIME message is a MIME entity; anything else fails the
            // same way.
            if let Ok(p) = enveloped.decrypt_content(&candidate.key) {
                if enveloped.authenticated || starts_like_entity(&p) {
                    plaintext = Some(p);
                    break;
                }
            }
        }
        let Some(plaintext) = plaintext else {
            report.reason = Some(DECRYPTION_FAILED.into());
            return Ok(report);
        };
        if let Some(outer) = outer {
            output.write_all(&outer)?;
        }
        output.write_all(&plaintext)?;
        output.flush()?;
        report.status = DecryptStatus::Decrypted;
        Ok(report)
    }
}

/// Whether decrypted bytes begin like a MIME entity: a header field or an empty header block.
fn starts_like_entity(content: &[u8]) -> bool {
    content.starts_with(b"\r\n") || content.starts_with(b"\n") || looks_like_mime(content)
}

/// Decode PEM (`-----BEGIN ...-----`) or bare base64 to DER.
fn decode_pem_or_base64(text: &[u8]) -> Result<Vec<u8>> {
    let body: Vec<u8> = if text.starts_with(b"-----BEGIN") {
        String::from_utf8_lossy(text)
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<String>()
            .into_bytes()
    } else {
        text.to_vec()
    };
    let mut out = Vec::new();
    Base64Reader::new(&body[..])
        .read_to_end(&mut out)
        .map_err(|e| {
            Error::asn1(
                "CMS input",
                0,
                format!("neither DER nor PEM nor base64: {e}"),
            )
        })?;
    Ok(out)
}

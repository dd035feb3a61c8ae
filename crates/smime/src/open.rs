//! Opening protected messages: peel every encrypted, signed and compressed layer, in any
//! nesting (RFC 8551 3.6), verify every signature and report each layer: `smime open`.
//!
//! **Only the protected entity comes out (EFAIL).** Decrypted content is never merged with
//! unprotected parts of the same message (RFC 8551 7, and the EFAIL attacks, efail.de): the
//! output is the innermost entity alone. When the received message is a multipart (e.g.
//! multipart/mixed) that holds an S/MIME part beside clear parts, that part is opened and
//! the clear parts are listed in the report as not merged, never output. With header
//! protection (RFC 9788) the output's header fields are the protected ones; without it they
//! are the outer ones, as received (the report says so).
//!
//! Layers are peeled one after the other; each layer's output is kept in a
//! [`crate::stream::Spool`] (memory, then a temporary file), so memory stays bounded by the
//! stages themselves. At most [`DEFAULT_MAX_DEPTH`] layers (configurable) are opened: a deeper nesting is refused.
//! Nothing is written to the output unless every layer is good.

use std::io::{self, BufReader, Read, Write};

use const_oid::ObjectIdentifier;
use serde::Serialize;
use x509_cert::Certificate;

use crate::ber;
use crate::cms::oids;
use crate::compress::{DecompressOptions, DecompressReport, Decompressor};
use crate::crypto::{describe_name, DecryptingKey};
use crate::decrypt::{DecryptReport, DecryptStatus, Decryptor};
use crate::message::{read_header_block, HeaderBlock};
use crate::mime::header_protection::{self, HeaderProtectionReport};
use crate::mime::{self, Entity, TransferEncoding};
use crate::report::VerifyReport;
use crate::stream::{read_up_to, Base64Reader, PlaintextSink, Spool};
use crate::verify::{Verifier, VerifyOptions};
use crate::{CryptoPolicy, Error, Result};

/// How many S/MIME layers are opened at most.
pub const DEFAULT_MAX_DEPTH: usize = 8;

/// The largest unprotected multipart searched for a protected part.
const MAX_MULTIPART: usize = 256 * 1024 * 1024;

/// MIME nesting searched for a protected part inside an unprotected multipart.
const MAX_MIME_DEPTH: usize = 16;

/// What to check and with which keys.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// How signatures are verified (trust anchors, policy, chain and sender checks).
    pub verify: VerifyOptions,
    /// How many layers are opened at most ([`DEFAULT_MAX_DEPTH`]).
    pub max_depth: usize,
    /// How many bytes a compressed layer may expand to (a larger one is refused: a bomb).
    pub max_decompressed: u64,
}

impl OpenOptions {
    /// Strict verification against these trust anchors, the default depth limit.
    pub fn new(trust_anchors: Vec<Certificate>) -> Self {
        OpenOptions {
            verify: VerifyOptions::new(trust_anchors),
            max_depth: DEFAULT_MAX_DEPTH,
            max_decompressed: DecompressOptions::default().max_size,
        }
    }
}

/// The kind of a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LayerKind {
    /// EnvelopedData or AuthEnvelopedData.
    Encrypted,
    /// SignedData: multipart/signed or opaque.
    Signed,
    /// CompressedData.
    Compressed,
}

/// One layer, from the outside in.
#[derive(Debug, Clone, Serialize)]
pub struct LayerReport {
    /// 1 for the outermost layer.
    pub depth: usize,
    /// What kind of layer.
    pub kind: LayerKind,
    /// The form: `multipart/signed`, `signed-data`, `envelopedData`, `authEnvelopedData`,
    /// `compressed-data`.
    pub form: String,
    /// Whether this layer is good: decrypted, decompressed, or every signature valid and
    /// trusted.
    pub good: bool,
    /// The layer's status: for encrypted layers `decrypted`, `not-recipient`, `failed` or
    /// `no-key`; for signed layers the verification status (`valid`, `bad-signature`, ...);
    /// `decompressed` for compressed layers.
    pub status: String,
    /// The content cipher, the signers' digest and signature algorithms, or `zlib`.
    pub algorithm: Option<String>,
    /// The signers' subjects, or the subject of the recipient certificate that decrypted.
    pub parties: Vec<String>,
    /// Everything that was wrong with this layer.
    pub problems: Vec<String>,
    /// Things worth knowing that do not make the layer bad (e.g. unauthenticated CBC).
    pub warnings: Vec<String>,
    /// The whole decryption report (encrypted layers).
    pub decrypt: Option<DecryptReport>,
    /// The whole verification report (signed layers).
    pub verify: Option<VerifyReport>,
    /// The whole decompression report (compressed layers).
    pub decompress: Option<DecompressReport>,
}

/// An unprotected part of the received message that was not merged with the protected one.
#[derive(Debug, Clone, Serialize)]
pub struct ClearPart {
    /// Which part (`part 1`, `part 2.1`, ...).
    pub part: String,
    /// Its Content-Type.
    pub content_type: String,
}

/// What `open` found.
#[derive(Debug, Clone, Serialize)]
pub struct OpenReport {
    /// Whether every layer is good (and there is at least one).
    pub valid: bool,
    /// The layers, from the outside in.
    pub layers: Vec<LayerReport>,
    /// Which part of the received message the layers were peeled from (`message`, or a part
    /// of an unprotected multipart).
    pub protected_part: String,
    /// The Content-Type of the entity output (the innermost one).
    pub content_type: Option<String>,
    /// Clear parts around the protected part: reported, never output (EFAIL).
    pub not_merged: Vec<ClearPart>,
    /// Header protection (RFC 9788), when the innermost entity carries it.
    pub header_protection: Option<HeaderProtectionReport>,
    /// Sentences about what was output and why.
    pub notes: Vec<String>,
}

impl OpenReport {
    /// The report before any layer is opened: not valid, peeling from the whole message.
    fn empty() -> Self {
        OpenReport {
            valid: false,
            layers: vec![],
            protected_part: "message".into(),
            content_type: None,
            not_merged: vec![],
            header_protection: None,
            notes: vec![],
        }
    }
}

/// Opens protected messages with any number of recipient keys.
pub struct Opener {
    recipients: Vec<(String, Decryptor)>,
    verifier: Verifier,
    decompressor: Decompressor,
    max_depth: usize,
}

impl Opener {
    /// An opener: `recipients` are certificate and key pairs, tried in order on each
    /// encrypted layer.
    pub fn new(
        recipients: Vec<(Certificate, DecryptingKey)>,
        policy: CryptoPolicy,
        mut options: OpenOptions,
    ) -> Self {
        options.verify.policy = policy;
        Opener {
            recipients: recipients
                .into_iter()
                .map(|(cert, key)| {
                    let subject = describe_name(&cert.tbs_certificate.subject);
                    (subject, Decryptor::new(cert, key, policy))
                })
                .collect(),
            verifier: Verifier::new(options.verify),
            decompressor: Decompressor::new(DecompressOptions {
                max_size: options.max_decompressed,
            }),
            max_depth: options.max_depth,
        }
    }

    /// Open the message read from `input`. When every layer is good the innermost entity is
    /// written to `output` (with the protected header fields, or the outer ones when there is
    /// no header protection); otherwise nothing is written. Errors are for input that cannot
    /// be read: malformed MIME or CMS, or a nesting deeper than the limit.
    pub fn open<R: Read, W: Write>(&self, input: R, mut output: W) -> Result<OpenReport> {
        let mut reader = BufReader::with_capacity(64 * 1024, input);
        let top = read_header_block(&mut reader, "message")?;
        let mut outer_fields = Vec::new();
        for h in top.outer_headers() {
            if !h.name.eq_ignore_ascii_case("MIME-Version") {
                outer_fields.extend(top.field_bytes(h));
            }
        }
        let mut entity = Spool::new();
        for h in top.content_headers() {
            entity.write_all(&top.field_bytes(h))?;
        }
        entity.write_all(b"\r\n")?;
        io::copy(&mut reader, &mut entity)?;

        let mut report = OpenReport::empty();
        let mut stopped = false;
        loop {
            let name = if report.layers.is_empty() {
                report.protected_part.clone()
            } else {
                format!("layer {} content", report.layers.len())
            };
            let (kind, form) = {
                let mut r = entity.reader()?;
                let head = read_header_block(&mut r, &name)?;
                match classify(&head, &mut r, &name)? {
                    Next::Layer(kind, form) => (kind, form),
                    Next::Content => break,
                    Next::Multipart if !report.layers.is_empty() => break,
                    Next::Multipart if report.protected_part != "message" => break,
                    Next::Multipart => {
                        drop(r);
                        let whole = read_spool(&mut entity, MAX_MULTIPART, "message")?;
                        let Some((range, part)) = find_protected_part(&whole, &mut report)? else {
                            break;
                        };
                        report.protected_part = part;
                        entity = Spool::new();
                        entity.write_all(&whole[range])?;
                        continue;
                    }
                }
            };
            if report.layers.len() >= self.max_depth {
                return Err(Error::Unexpected(format!(
                    "{name} is another {form} layer: the message nests more than {} S/MIME layers, the limit; refusing to open it",
                    self.max_depth
                )));
            }
            let depth = report.layers.len() + 1;
            let mut next = Spool::new();
            let layer = match kind {
                LayerKind::Encrypted => self.decrypt_layer(&mut entity, &mut next, depth)?,
                LayerKind::Signed => {
                    self.verify_layer(&outer_fields, &mut entity, &mut next, depth, form)?
                }
                LayerKind::Compressed => self.decompress_layer(&mut entity, &mut next, depth)?,
            };
            // A layer that produced no content ends the peeling; a bad signature does not
            // (its content is still there, and the layers inside are worth reporting).
            let produced = layer.kind == LayerKind::Signed || layer.good;
            report.layers.push(layer);
            if !produced {
                stopped = true;
                break;
            }
            entity = next;
        }

        if !report.not_merged.is_empty() {
            report.notes.push(format!(
                "{} clear part(s) of the received message were NOT merged with the protected part: {}",
                report.not_merged.len(),
                report
                    .not_merged
                    .iter()
                    .map(|p| format!("{} ({})", p.part, p.content_type))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if report.layers.is_empty() {
            report.notes.push(
                "the message has no S/MIME layer (neither encrypted nor signed): nothing was output"
                    .into(),
            );
            return Ok(report);
        }
        report.valid = report.layers.iter().all(|l| l.good);
        if stopped {
            report.notes.push(
                "a layer could not be opened: the layers inside it are not known; nothing was output"
                    .into(),
            );
            return Ok(report);
        }
        let mut r = entity.reader()?;
        let inner = read_header_block(&mut r, "protected entity")?;
        report.content_type = inner.entity.content_type().ok().map(|c| c.mime_type);
        report.header_protection = header_protection::check_headers(&top.entity, &inner.entity);
        let header = output_header(&inner, &outer_fields, &mut report);
        report.notes.push(format!(
            "only the protected entity ({}) is output: nothing outside the innermost layer is merged into it (EFAIL)",
            report.protected_part
        ));
        if report.valid {
            output.write_all(&header)?;
            io::copy(&mut r, &mut output)?;
            output.flush()?;
        } else {
            report
                .notes
                .push("not every layer is good: nothing was output".into());
        }
        Ok(report)
    }

    fn decrypt_layer(
        &self,
        entity: &mut Spool,
        next: &mut Spool,
        depth: usize,
    ) -> Result<LayerReport> {
        let mut layer = LayerReport {
            depth,
            kind: LayerKind::Encrypted,
            form: "encrypted".into(),
            good: false,
            status: "no-key".into(),
            algorithm: None,
            parties: vec![],
            problems: vec![],
            warnings: vec![],
            decrypt: None,
            verify: None,
            decompress: None,
        };
        let mut found = None;
        for (subject, decryptor) in &self.recipients {
            next.clear();
            let r = decryptor.decrypt_to_sink(entity.reader()?, &mut LayerSink(next))?;
            let not_recipient = r.status == DecryptStatus::NotRecipient;
            found = Some((subject, r));
            if !not_recipient {
                break;
            }
        }
        let Some((subject, r)) = found else {
            layer.problems.push(
                "the layer is encrypted and no recipient certificate and key were given".into(),
            );
            return Ok(layer);
        };
        layer.form = r.content_type.clone();
        layer.good = r.status == DecryptStatus::Decrypted;
        layer.status = kebab(&r.status);
        layer.algorithm = Some(r.cipher.clone());
        if layer.good {
            layer.parties.push(subject.clone());
            if !r.authenticated {
                layer.warnings.push(
                    "the content is not authenticated (CBC): only a signature inside protects it from changes".into(),
                );
            }
        } else if r.status == DecryptStatus::NotRecipient {
            layer.problems.push(format!(
                "none of the {} given certificates is a recipient",
                self.recipients.len()
            ));
        }
        layer.problems.extend(r.reason.clone());
        layer.decrypt = Some(r);
        Ok(layer)
    }

    fn decompress_layer(
        &self,
        entity: &mut Spool,
        next: &mut Spool,
        depth: usize,
    ) -> Result<LayerReport> {
        let r = self.decompressor.decompress(entity.reader()?, &mut *next)?;
        Ok(LayerReport {
            depth,
            kind: LayerKind::Compressed,
            form: "compressed-data".into(),
            good: true,
            status: "decompressed".into(),
            algorithm: Some(r.algorithm.clone()),
            parties: vec![],
            problems: vec![],
            warnings: vec![],
            decrypt: None,
            verify: None,
            decompress: Some(r),
        })
    }

    fn verify_layer(
        &self,
        outer_fields: &[u8],
        entity: &mut Spool,
        next: &mut Spool,
        depth: usize,
        form: String,
    ) -> Result<LayerReport> {
        let message = outer_fields.chain(entity.reader()?);
        let r = self.verifier.verify(message, Some(&mut *next))?;
        let mut algorithms: Vec<String> = r
            .signers
            .iter()
            .map(|s| {
                format!(
                    "{} with {}",
                    s.digest_algorithm.as_deref().unwrap_or("?"),
                    s.signature_algorithm.as_deref().unwrap_or("?")
                )
            })
            .collect();
        algorithms.dedup();
        let mut problems: Vec<String> = r
            .signers
            .iter()
            .flat_map(|s| s.problems.iter().cloned())
            .collect();
        problems.dedup();
        Ok(LayerReport {
            depth,
            kind: LayerKind::Signed,
            form: if r.form.is_empty() {
                form
            } else {
                r.form.clone()
            },
            good: r.valid,
            status: kebab(&r.status),
            algorithm: (!algorithms.is_empty()).then(|| algorithms.join(", ")),
            parties: r
                .signers
                .iter()
                .map(|s| {
                    s.subject
                        .clone()
                        .unwrap_or_else(|| "(unknown signer)".into())
                })
                .collect(),
            problems,
            warnings: r.warnings.clone(),
            decrypt: None,
            verify: Some(r),
            decompress: None,
        })
    }
}

/// The header section of the output (RFC 9788 4.3): the protected fields when the innermost
/// entity carries header protection, else the outer fields of the received message (which no
/// layer protects, as the report says), then the entity's Content-* fields.
fn output_header(inner: &HeaderBlock, outer_fields: &[u8], report: &mut OpenReport) -> Vec<u8> {
    if let Some(hp) = &report.header_protection {
        report.notes.push(format!(
            "the header fields are the protected ones (RFC 9788, hp=\"{}\"); outer fields that differ are listed under header_protection",
            hp.hp
        ));
        return header_protection::rendered_header(&inner.bytes, &inner.entity);
    }
    report.notes.push(
        "no header protection: the header fields are the outer ones, which no layer protects"
            .into(),
    );
    let mut header = outer_fields.to_vec();
    header.extend_from_slice(b"MIME-Version: 1.0\r\n");
    for h in inner.content_headers() {
        header.extend(inner.field_bytes(h));
    }
    header.extend_from_slice(b"\r\n");
    header
}

/// The kebab-case name of a unit enum variant (as serde's `rename_all = "kebab-case"` writes
/// it): `BadSignature` becomes `bad-signature`.
fn kebab<T: std::fmt::Debug>(value: &T) -> String {
    let mut out = String::new();
    for (i, c) in format!("{value:?}").chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// What an entity is.
enum Next {
    /// An S/MIME layer to peel, and its form.
    Layer(LayerKind, String),
    /// A multipart other than multipart/signed.
    Multipart,
    /// Anything else: content.
    Content,
}

/// Tell what an entity is from its Content-Type (RFC 8551 3.2.2 smime-type), and, for an
/// application/pkcs7-mime without smime-type (or a `.p7m` octet stream), from the CMS
/// content type at the start of its body.
fn classify(head: &HeaderBlock, body: &mut dyn Read, name: &str) -> Result<Next> {
    let ct = head.entity.content_type()?;
    let mime_type = ct.mime_type.as_str();
    if mime_type == "multipart/signed" {
        return Ok(Next::Layer(LayerKind::Signed, "multipart/signed".into()));
    }
    if mime_type.starts_with("multipart/") {
        return Ok(Next::Multipart);
    }
    if !is_pkcs7_mime(&head.entity, &ct) {
        return Ok(Next::Content);
    }
    let smime_type = ct.param("smime-type").map(str::to_ascii_lowercase);
    let kind = match smime_type.as_deref() {
        Some("enveloped-data") | Some("authenveloped-data") => LayerKind::Encrypted,
        Some("signed-data") => LayerKind::Signed,
        Some("compressed-data") => LayerKind::Compressed,
        Some(other) => {
            return Err(Error::mime(
                name,
                format!("S/MIME type {other} cannot be opened (expected enveloped-data, authEnveloped-data, signed-data or compressed-data)"),
            ))
        }
        None => sniff_content_type(&head.entity, body, name)?,
    };
    let form = match kind {
        LayerKind::Encrypted => "encrypted",
        LayerKind::Signed => "signed-data",
        LayerKind::Compressed => "compressed-data",
    };
    Ok(Next::Layer(kind, form.into()))
}

/// application/pkcs7-mime, application/x-pkcs7-mime, or an octet stream named `*.p7m`.
fn is_pkcs7_mime(entity: &Entity, ct: &mime::ContentType) -> bool {
    let named_p7m = ct
        .param("name")
        .map(str::to_ascii_lowercase)
        .or_else(|| {
            entity
                .header("Content-Disposition")
                .and_then(|h| mime::ContentType::parse(&format!("x/y; {}", h.value())).ok())
                .and_then(|d| d.param("filename").map(str::to_ascii_lowercase))
        })
        .is_some_and(|n| n.ends_with(".p7m"));
    matches!(
        ct.mime_type.as_str(),
        "application/pkcs7-mime" | "application/x-pkcs7-mime"
    ) || (ct.mime_type == "application/octet-stream" && named_p7m)
}

/// The kind of layer from the ContentInfo's contentType (RFC 5652 3) at the start of the body.
fn sniff_content_type(entity: &Entity, body: &mut dyn Read, name: &str) -> Result<LayerKind> {
    let mut start = [0u8; 64];
    let n = match entity.transfer_encoding() {
        TransferEncoding::Base64 => read_up_to(&mut Base64Reader::new(body), &mut start),
        _ => read_up_to(body, &mut start),
    }
    .map_err(|e| Error::mime(name, format!("cannot decode the body: {e}")))?;
    let start = &start[..n];
    let what = "CMS ContentInfo";
    let outer =
        ber::parse_header(start, what, 0)?.ok_or_else(|| Error::asn1(what, 0, "truncated"))?;
    let oid = ber::parse_header(&start[outer.header_len..], what, outer.header_len)?
        .ok_or_else(|| Error::asn1(what, outer.header_len, "truncated"))?;
    let begin = outer.header_len + oid.header_len;
    let bytes = oid
        .length
        .and_then(|l| start.get(begin..begin + l))
        .ok_or_else(|| Error::asn1(what, begin, "no contentType OBJECT IDENTIFIER"))?;
    let oid = ObjectIdentifier::from_bytes(bytes)
        .map_err(|e| Error::asn1(what, begin, format!("bad contentType: {e}")))?;
    match oid {
        o if o == oids::ENVELOPED_DATA || o == oids::AUTH_ENVELOPED_DATA => {
            Ok(LayerKind::Encrypted)
        }
        o if o == oids::SIGNED_DATA => Ok(LayerKind::Signed),
        o if o == oids::COMPRESSED_DATA => Ok(LayerKind::Compressed),
        other => Err(Error::Unexpected(format!(
            "{name} holds a CMS {} that cannot be opened",
            oids::content_type_name(&other)
        ))),
    }
}

/// In an unprotected multipart, find the first S/MIME part (depth first). Every other leaf
/// part is recorded in `report.not_merged`. `None` when no part is protected.
fn find_protected_part(
    whole: &[u8],
    report: &mut OpenReport,
) -> Result<Option<(std::ops::Range<usize>, String)>> {
    let mut found = None;
    walk_parts(whole, 0, 0, "message", &mut found, &mut report.not_merged)?;
    if found.is_none() {
        report.not_merged.clear();
    }
    Ok(found)
}

fn walk_parts(
    bytes: &[u8],
    offset: usize,
    depth: usize,
    name: &str,
    found: &mut Option<(std::ops::Range<usize>, String)>,
    clear: &mut Vec<ClearPart>,
) -> Result<()> {
    let entity = mime::parse_entity(bytes, name)?;
    let ct = entity.content_type()?;
    let protected = ct.mime_type == "multipart/signed" || is_pkcs7_mime(&entity, &ct);
    if depth > 0 && protected && found.is_none() {
        *found = Some((offset..offset + bytes.len(), name.to_string()));
        return Ok(());
    }
    if ct.mime_type.starts_with("multipart/") && !protected && depth < MAX_MIME_DEPTH {
        let boundary = ct
            .param("boundary")
            .ok_or_else(|| Error::mime(name, "multipart without a boundary parameter"))?;
        for (range, part_name) in mime::named_parts(bytes, &entity, boundary, name, depth)? {
            let start = range.start;
            let part = bytes.get(range).unwrap_or_default();
            walk_parts(part, offset + start, depth + 1, &part_name, found, clear)?;
        }
        return Ok(());
    }
    if depth > 0 {
        let mut content_type = ct.mime_type.clone();
        if protected {
            content_type.push_str(", a further protected part, not opened");
        }
        clear.push(ClearPart {
            part: name.to_string(),
            content_type,
        });
    }
    Ok(())
}

/// Decrypted bytes go straight into the next layer's spool, which is read only when the
/// decryption succeeded (the tag or padding checked): discarding empties it.
struct LayerSink<'a>(&'a mut Spool);

impl Write for LayerSink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl PlaintextSink for LayerSink<'_> {
    fn commit(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn discard(&mut self) {
        self.0.clear();
    }
}

/// All of `spool` in memory, if it is at most `limit` bytes.
fn read_spool(spool: &mut Spool, limit: usize, name: &str) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    spool
        .reader()?
        .take(limit as u64 + 1)
        .read_to_end(&mut out)?;
    if out.len() > limit {
        return Err(Error::mime(
            name,
            format!("larger than {limit} bytes: too large to search for its protected part"),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spool_reader_reads_back_from_memory_and_from_the_file() {
        let mut spool = Spool::new();
        let chunk = vec![7u8; 1024 * 1024];
        for _ in 0..9 {
            spool.write_all(&chunk).unwrap();
        }
        let mut back = Vec::new();
        spool.reader().unwrap().read_to_end(&mut back).unwrap();
        assert_eq!(back.len(), 9 * chunk.len());
        assert!(read_spool(&mut spool, 1024, "x").is_err());
        spool.clear();
        spool.write_all(b"abc").unwrap();
        assert_eq!(read_spool(&mut spool, 10, "x").unwrap(), b"abc");
    }

    #[test]
    fn find_protected_part_lists_the_clear_parts() {
        let message = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nclear\r\n--b\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n\r\nMIAG\r\n--b\r\nContent-Type: text/html\r\n\r\n<img src=\"\r\n--b--\r\n";
        let mut report = OpenReport::empty();
        let (range, name) = find_protected_part(message, &mut report).unwrap().unwrap();
        assert_eq!(name, "part 2");
        assert!(message[range].starts_with(b"Content-Type: application/pkcs7-mime"));
        let parts: Vec<_> = report.not_merged.iter().map(|p| p.part.as_str()).collect();
        assert_eq!(parts, ["part 1", "part 3"]);
        assert_eq!(report.not_merged[1].content_type, "text/html");
    }

    #[test]
    fn sniff_content_type_reads_the_cms_oid() {
        // SEQUENCE { OID envelopedData ... } in base64.
        let der = [
            0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03, 0xa0,
        ];
        let b64 = crate::mime::encode_base64_lines(&der);
        let entity = mime::parse_entity(
            b"Content-Type: application/pkcs7-mime\r\nContent-Transfer-Encoding: base64\r\n\r\n",
            "m",
        )
        .unwrap();
        let kind = sniff_content_type(&entity, &mut &b64[..], "m").unwrap();
        assert_eq!(kind, LayerKind::Encrypted);
        assert!(sniff_content_type(&entity, &mut &b"AAAA"[..], "m").is_err());
    }
}

//! Verifying signed messages (RFC 8551 3.5, RFC 5652 5.6).
//!
//! Accepted inputs: multipart/signed (RFC 1847; the signature part labelled
//! application/pkcs7-signature, application/x-pkcs7-signature or application/octet-stream
//! with a `.p7s` name, base64 or binary); application/pkcs7-mime or x-pkcs7-mime with
//! smime-type signed-data (or an octet-stream `.p7m`); a bare CMS ContentInfo in DER,
//! BER, PEM or base64 (with the detached content given separately).
//!
//! The exact received bytes of the signed entity are hashed, never a re-serialisation;
//! when they have bare LF line ends, their CRLF form is hashed too, since the signer
//! hashed the canonical form (RFC 8551 3.1.1). The content streams through: memory stays
//! bounded whatever the message size.
//!
//! A message is valid only if it has at least one SignerInfo, every SignerInfo verifies,
//! every signer chains to a trust anchor, and it has exactly one From address (and at most
//! one Sender) found among the signer certificate's addresses (RFC 8550 3, RFC 8551 2.3).

use std::io::{BufRead, BufReader, Read, Write};
use std::sync::Arc;
use std::time::SystemTime;

use smime_pkix::options::RevocationMode;
use smime_pkix::RevocationCheck;

use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

use crate::cms::signed_data::{self, SignedData};
use crate::cms::signed_verify::{check_signers, ComputedDigest, SignerCheckOptions};
use crate::crypto::{self, DigestAlgorithm};
use crate::input::{decode_pem_or_base64, pkcs7_body_reader};
use crate::message::{looks_like_mime, read_header_block, HeaderBlock};
use crate::mime::{self, CrlfWriter, MultipartScanner, ScanEvent};
use crate::report::{Status, VerifyReport};
use crate::stream::DigestSet;
use crate::{CryptoPolicy, Error, Result};

/// The largest signature part (or CMS without its content) held in memory.
const MAX_SIGNATURE_BYTES: usize = 16 * 1024 * 1024;
/// The largest message searched for a signed part when the signed part is nested.
const MAX_NESTED_MESSAGE: usize = 256 * 1024 * 1024;
/// Content kept in memory for signers without signed attributes.
const KEEP_CONTENT: usize = 1024 * 1024;
const CHUNK: usize = 64 * 1024;

/// What to check and against what.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Algorithm policy.
    pub policy: CryptoPolicy,
    /// Trust anchors for the chain check.
    pub trust_anchors: Vec<Certificate>,
    /// Certificates given besides those in the message (signers and intermediates).
    pub certificates: Vec<Certificate>,
    /// Whether to check the chain (`--no-chain` turns it off).
    pub check_chain: bool,
    /// Whether to check From/Sender against the signer certificate (off for bare CMS).
    pub check_sender: bool,
    /// Validate the chain at this time rather than at the signing time or now.
    pub at: Option<SystemTime>,
    /// Revocation checking of the signers' chains; `None`: not checked.
    pub revocation: Option<SignerRevocation>,
}

/// How signer chains are checked for revocation (RFC 5280 6.1.3 (a)(3)).
#[derive(Clone)]
pub struct SignerRevocation {
    /// The CRL/OCSP checker (e.g. `smime_pkix::revocation::RevocationChecker`).
    pub checker: Arc<dyn RevocationCheck + Send + Sync>,
    /// Hard-fail or soft-fail on an unknown status.
    pub mode: RevocationMode,
}

impl std::fmt::Debug for SignerRevocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignerRevocation")
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl VerifyOptions {
    /// Strict defaults: chain and sender checked, S/MIME 4.0 algorithms, these anchors.
    pub fn new(trust_anchors: Vec<Certificate>) -> Self {
        VerifyOptions {
            policy: CryptoPolicy::strict(),
            trust_anchors,
            certificates: vec![],
            check_chain: true,
            check_sender: true,
            at: None,
            revocation: None,
        }
    }
}

/// Hashes the signed content as received and, once a bare LF shows up, its CRLF form too.
struct ContentHasher {
    received: DigestSet,
    canonical: Option<CrlfWriter<DigestSet>>,
    last: u8,
    kept: Option<Vec<u8>>,
    head: Vec<u8>,
}

impl ContentHasher {
    fn new(algorithms: Vec<DigestAlgorithm>) -> Self {
        ContentHasher {
            received: DigestSet::new(&algorithms),
            canonical: None,
            last: 0,
            kept: Some(Vec::new()),
            head: Vec::new(),
        }
    }

    fn update(&mut self, chunk: &[u8]) -> Result<()> {
        if chunk.is_empty() {
            return Ok(());
        }
        if self.head.len() < CHUNK {
            let take = (CHUNK - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        if let Some(kept) = &mut self.kept {
            if kept.len() + chunk.len() <= KEEP_CONTENT {
                kept.extend_from_slice(chunk);
            } else {
                self.kept = None;
            }
        }
        match &mut self.canonical {
            Some(canonical) => {
                self.received.update(chunk);
                canonical.write_all(chunk)?;
            }
            None => {
                let prev = self.last;
                let mut bare_lf = None;
                let mut start = 0;
                while let Some(p) = memchr::memchr(b'\n', &chunk[start..]) {
                    let i = start + p;
                    let before = if i == 0 { prev } else { chunk[i - 1] };
                    if before != b'\r' {
                        bare_lf = Some(i);
                        break;
                    }
                    start = i + 1;
                }
                match bare_lf {
                    None => self.received.update(chunk),
                    Some(i) => {
                        self.received.update(&chunk[..i]);
                        let mut canonical = CrlfWriter::new(self.received.clone());
                        canonical.write_all(&chunk[i..])?;
                        self.received.update(&chunk[i..]);
                        self.canonical = Some(canonical);
                    }
                }
            }
        }
        self.last = chunk[chunk.len() - 1];
        Ok(())
    }

    fn finish(self) -> Result<(Vec<ComputedDigest>, Option<Vec<u8>>)> {
        let received = self.received.finish();
        let canonical = match self.canonical {
            Some(w) => Some(w.into_inner()?.finish()),
            None => None,
        };
        let digests = received
            .into_iter()
            .map(|(algorithm, d)| ComputedDigest {
                algorithm,
                received: d,
                canonical: canonical.as_ref().and_then(|c| {
                    c.iter()
                        .find(|(a, _)| *a == algorithm)
                        .map(|(_, d)| d.clone())
                }),
            })
            .collect();
        Ok((digests, self.kept))
    }
}

/// A verification report with the SignedData it was made from.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The report.
    pub report: VerifyReport,
    /// The SignedData as parsed (without its eContent).
    pub signed_data: SignedData,
}

/// Verifies signed messages.
pub struct Verifier {
    options: VerifyOptions,
}

impl Verifier {
    /// A verifier with these options.
    pub fn new(options: VerifyOptions) -> Self {
        Verifier { options }
    }

    /// Verify the message (or bare CMS) read from `input`. The signed entity's bytes go to
    /// `content_out` as they are read, when given; they must not be trusted unless the
    /// report says the message is valid.
    pub fn verify<R: Read>(
        &self,
        input: R,
        content_out: Option<&mut dyn Write>,
    ) -> Result<VerifyReport> {
        self.verify_keeping_signed_data(input, content_out)
            .map(|v| v.report)
    }

    /// [`Self::verify`], also returning the parsed SignedData (its SignerInfos with their
    /// received signed attributes), for callers that need more than the report: signed
    /// receipts (RFC 2634) need the original signature value and signed attributes. The
    /// eContent is not kept in it (it went to `content_out`).
    pub fn verify_keeping_signed_data<R: Read>(
        &self,
        input: R,
        content_out: Option<&mut dyn Write>,
    ) -> Result<Verified> {
        let mut reader = BufReader::with_capacity(CHUNK, input);
        let start = reader.fill_buf()?.to_vec();
        if !looks_like_mime(&start) {
            return self.verify_cms_keeping_signed_data(reader, None, content_out);
        }
        let header = read_header_block(&mut reader, "message")?;
        self.verify_entity(&header, &mut reader, content_out, true)
    }

    /// Verify a message held in memory.
    pub fn verify_bytes(&self, message: &[u8]) -> Result<VerifyReport> {
        self.verify(message, None)
    }

    /// Verify a bare CMS SignedData (DER, BER, PEM or base64), with its detached content
    /// read from `detached` when the signature is detached.
    pub fn verify_cms<R: Read>(
        &self,
        cms: R,
        detached: Option<&mut dyn Read>,
        content_out: Option<&mut dyn Write>,
    ) -> Result<VerifyReport> {
        self.verify_cms_keeping_signed_data(cms, detached, content_out)
            .map(|v| v.report)
    }

    fn verify_cms_keeping_signed_data<R: Read>(
        &self,
        mut cms: R,
        detached: Option<&mut dyn Read>,
        content_out: Option<&mut dyn Write>,
    ) -> Result<Verified> {
        let mut first = [0u8; 1];
        let n = cms.read(&mut first)?;
        if n == 0 {
            return Err(Error::Unexpected("the input is empty".into()));
        }
        let mut options = self.options.clone();
        options.check_sender = false;
        let verifier = Verifier { options };
        let chained = (&first[..]).chain(cms);
        if first[0] == 0x30 {
            verifier.verify_signed_data_stream(chained, detached, content_out, "cms")
        } else {
            let mut text = Vec::new();
            chained
                .take(MAX_NESTED_MESSAGE as u64)
                .read_to_end(&mut text)?;
            let der = decode_pem_or_base64(&text)?;
            verifier.verify_signed_data_stream(&der[..], detached, content_out, "cms")
        }
    }

    fn verify_entity(
        &self,
        header: &HeaderBlock,
        body: &mut dyn BufRead,
        content_out: Option<&mut dyn Write>,
        outermost: bool,
    ) -> Result<Verified> {
        let content_type = header.entity.content_type()?;
        let mime_type = content_type.mime_type.as_str();
        let name = content_type
            .param("name")
            .map(str::to_ascii_lowercase)
            .or_else(|| {
                header
                    .entity
                    .header("Content-Disposition")
                    .and_then(|h| disposition_filename(&h.value()))
            })
            .unwrap_or_default();
        let mut verified = if mime_type == "multipart/signed" {
            self.verify_multipart_signed(header, &content_type, body, content_out)?
        } else if mime_type == "application/pkcs7-mime"
            || mime_type == "application/x-pkcs7-mime"
            || (mime_type == "application/octet-stream" && name.ends_with(".p7m"))
        {
            let form = match content_type.param("smime-type").map(str::to_ascii_lowercase).as_deref() {
                None | Some("signed-data") => "signed-data",
                Some("signed-receipt") => "signed-receipt", // RFC 2634 2.4 step 13
                Some(other) => {
                    return Err(Error::Unexpected(format!(
                        "the message is S/MIME {other}, not signed-data: decrypt or decompress it first"
                    )))
                }
            };
            let decoded = pkcs7_body_reader(header.entity.transfer_encoding(), body)?;
            self.verify_signed_data_stream(decoded, None, content_out, form)?
        } else if mime_type.starts_with("multipart/") && outermost {
            return self.verify_nested(header, body, content_out);
        } else {
            return Err(Error::Unexpected(format!(
                "the message is not signed (its Content-Type is {mime_type})"
            )));
        };
        if outermost && self.options.check_sender {
            sender_check(header, &mut verified.report);
        } else if outermost {
            verified
                .report
                .warnings
                .push("the sender address was not checked".into());
        }
        Ok(verified)
    }

    fn verify_multipart_signed(
        &self,
        header: &HeaderBlock,
        content_type: &mime::ContentType,
        body: &mut dyn BufRead,
        mut content_out: Option<&mut dyn Write>,
    ) -> Result<Verified> {
        let boundary = content_type
            .param("boundary")
            .ok_or_else(|| Error::mime("message", "multipart/signed without a boundary parameter"))?
            .to_string();
        let protocol = content_type
            .param("protocol")
            .unwrap_or("")
            .to_ascii_lowercase();
        if protocol != "application/pkcs7-signature" && protocol != "application/x-pkcs7-signature"
        {
            return Err(Error::mime(
                "message",
                format!(
                    "multipart/signed with protocol \"{protocol}\" is not S/MIME (RFC 8551 3.5.3)"
                ),
            ));
        }
        let mut algorithms: Vec<DigestAlgorithm> = content_type
            .param("micalg")
            .unwrap_or("")
            .split(',')
            .filter_map(|m| DigestAlgorithm::parse_name(m.trim()))
            .filter(|d| *d != DigestAlgorithm::Sha1 || self.options.policy.legacy_allowed())
            .collect();
        if algorithms.is_empty() {
            algorithms = vec![
                DigestAlgorithm::Sha256,
                DigestAlgorithm::Sha384,
                DigestAlgorithm::Sha512,
            ];
        } else if !algorithms.contains(&DigestAlgorithm::Sha256) {
            // Some clients label micalg wrongly; SHA-256 is what nearly all of them sign with.
            algorithms.push(DigestAlgorithm::Sha256);
        }
        let mut hasher = ContentHasher::new(algorithms);
        let mut signature = Vec::new();
        let mut part = usize::MAX;
        let mut parts = 0usize;
        let mut failure: Option<Error> = None;
        let mut scanner = MultipartScanner::new(&boundary);
        let mut on_event = |event: ScanEvent<'_>| {
            if failure.is_some() {
                return;
            }
            match event {
                ScanEvent::PartStart(i) => {
                    part = i;
                    parts = parts.max(i + 1);
                }
                ScanEvent::PartBytes(bytes) if part == 0 => {
                    if let Err(e) = hasher.update(bytes) {
                        failure = Some(e);
                    } else if let Some(out) = content_out.as_mut() {
                        if let Err(e) = out.write_all(bytes) {
                            failure = Some(e.into());
                        }
                    }
                }
                ScanEvent::PartBytes(bytes) if part == 1 => {
                    if signature.len() + bytes.len() > MAX_SIGNATURE_BYTES {
                        failure = Some(Error::mime("signature part", "larger than 16 MiB"));
                    } else {
                        signature.extend_from_slice(bytes);
                    }
                }
                _ => {}
            }
        };
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = body.read(&mut buf)?;
            if n == 0 {
                break;
            }
            scanner.feed(&buf[..n], &mut on_event);
        }
        scanner.finish(&mut on_event)?;
        if let Some(e) = failure.take() {
            return Err(e);
        }
        if parts != 2 {
            return Err(Error::mime(
                "message",
                format!("multipart/signed must have exactly 2 parts (content and signature), found {parts}"),
            ));
        }
        let signature_entity = mime::parse_entity(&signature, "signature part")?;
        let sig_type = signature_entity.content_type()?;
        if !matches!(
            sig_type.mime_type.as_str(),
            "application/pkcs7-signature"
                | "application/x-pkcs7-signature"
                | "application/octet-stream"
        ) {
            return Err(Error::mime(
                "signature part",
                format!(
                    "expected application/pkcs7-signature, found {}",
                    sig_type.mime_type
                ),
            ));
        }
        let sig_body = signature
            .get(signature_entity.body_range.clone())
            .unwrap_or(&[]);
        let der = mime::decode_body(
            sig_body,
            &signature_entity.transfer_encoding(),
            "signature part",
        )?;
        let signed = signed_data::parse_signed_data_content_info(&der)?;
        if signed.has_econtent {
            return Err(Error::mime(
                "signature part",
                "the detached signature also encapsulates content (eContent); refusing the ambiguous message",
            ));
        }
        let head = std::mem::take(&mut hasher.head);
        let (digests, kept) = hasher.finish()?;
        let mut report = self.report(&signed, &digests, kept.as_deref(), "multipart/signed");
        report.signed_content_type = signed_content_type(&head);
        let _ = header;
        Ok(Verified {
            report,
            signed_data: signed,
        })
    }

    fn verify_signed_data_stream(
        &self,
        input: impl Read,
        detached: Option<&mut dyn Read>,
        content_out: Option<&mut dyn Write>,
        form: &str,
    ) -> Result<Verified> {
        let mut sink = HashingSink {
            policy: self.options.policy,
            hasher: None,
            out: content_out,
        };
        let signed = signed_data::stream_signed_data(input, &mut sink)?;
        let mut hasher = sink
            .hasher
            .take()
            .unwrap_or_else(|| ContentHasher::new(vec![DigestAlgorithm::Sha256]));
        match (signed.has_econtent, detached) {
            (true, Some(_)) => {
                return Err(Error::Unexpected(
                    "the CMS encapsulates its content; detached content was given too".into(),
                ))
            }
            (false, None) if !signed.signer_infos.is_empty() => {
                return Err(Error::Unexpected(
                    "the signature is detached: give the signed content (--content F)".into(),
                ))
            }
            (false, Some(content)) => {
                let mut buf = vec![0u8; CHUNK];
                loop {
                    let n = content.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    hasher.update(&buf[..n])?;
                    if let Some(out) = sink.out.as_mut() {
                        out.write_all(&buf[..n])?;
                    }
                }
            }
            (_, None) => {} // encapsulated, or nothing signed at all (certificates only)
        }
        let head = std::mem::take(&mut hasher.head);
        let (digests, kept) = hasher.finish()?;
        let mut report = self.report(&signed, &digests, kept.as_deref(), form);
        report.signed_content_type = signed_content_type(&head);
        Ok(Verified {
            report,
            signed_data: signed,
        })
    }

    /// A message whose signed part sits inside unsigned parts: verify that part, but never
    /// call the message signed.
    fn verify_nested(
        &self,
        header: &HeaderBlock,
        body: &mut dyn BufRead,
        content_out: Option<&mut dyn Write>,
    ) -> Result<Verified> {
        let mut whole = header.bytes.clone();
        body.take(MAX_NESTED_MESSAGE as u64)
            .read_to_end(&mut whole)?;
        let found = find_signed_part(&whole, 0, "message")?.ok_or_else(|| {
            Error::Unexpected("the message is not signed: no part of it is signed either".into())
        })?;
        let (range, part_name) = found;
        let part = &whole[range];
        let mut reader = BufReader::new(part);
        let part_header = read_header_block(&mut reader, &part_name)?;
        let mut verified = self.verify_entity(&part_header, &mut reader, content_out, false)?;
        let report = &mut verified.report;
        report.warnings.push(format!(
            "only {part_name} is signed; the rest of the message is not covered by the signature"
        ));
        if report.valid {
            report.valid = false;
        }
        if report.status == Status::Valid {
            report.status = Status::PartiallySigned;
        }
        Ok(verified)
    }

    fn report(
        &self,
        signed: &SignedData,
        digests: &[ComputedDigest],
        kept: Option<&[u8]>,
        form: &str,
    ) -> VerifyReport {
        let options = SignerCheckOptions {
            policy: self.options.policy,
            extra_certificates: &self.options.certificates,
            trust_anchors: &self.options.trust_anchors,
            check_chain: self.options.check_chain,
            at: self.options.at,
            revocation: self.options.revocation.as_ref(),
            content: kept,
        };
        let checked = check_signers(signed, digests, &options);
        let signers: Vec<_> = checked.into_iter().map(|c| c.report).collect();
        let status = if signers.is_empty() {
            Status::NoSigners
        } else {
            SEVERITY
                .iter()
                .copied()
                .find(|s| signers.iter().any(|r| r.status == *s))
                .unwrap_or(Status::Valid)
        };
        VerifyReport {
            valid: status == Status::Valid,
            status,
            form: form.to_string(),
            from: None,
            signed_content_type: None,
            signers,
            warnings: vec![],
        }
    }
}

/// Which signer status decides the message status, most severe first.
const SEVERITY: [Status; 7] = [
    Status::BadSignature,
    Status::WeakAlgorithm,
    Status::UnsupportedAlgorithm,
    Status::BadAttributes,
    Status::UnknownSigner,
    Status::SenderMismatch,
    Status::Untrusted,
];

struct HashingSink<'a> {
    policy: CryptoPolicy,
    hasher: Option<ContentHasher>,
    out: Option<&'a mut dyn Write>,
}

impl signed_data::EContentSink for HashingSink<'_> {
    fn digest_algorithms(&mut self, algorithms: &[AlgorithmIdentifierOwned]) -> Result<()> {
        let mut list: Vec<DigestAlgorithm> = algorithms
            .iter()
            .filter_map(|a| DigestAlgorithm::from_oid(a.oid, &self.policy).ok())
            .collect();
        if list.is_empty() {
            list.push(DigestAlgorithm::Sha256);
        }
        self.hasher = Some(ContentHasher::new(list));
        Ok(())
    }

    fn content(&mut self, chunk: &[u8]) -> Result<()> {
        self.hasher
            .get_or_insert_with(|| ContentHasher::new(vec![DigestAlgorithm::Sha256]))
            .update(chunk)?;
        if let Some(out) = self.out.as_mut() {
            out.write_all(chunk)?;
        }
        Ok(())
    }
}

/// The Content-Type of the signed entity, from its first bytes.
fn signed_content_type(head: &[u8]) -> Option<String> {
    let end = find_blank_line(head)?;
    let entity = mime::parse_entity(&head[..end], "signed entity").ok()?;
    entity.content_type().ok().map(|c| c.mime_type)
}

fn find_blank_line(bytes: &[u8]) -> Option<usize> {
    let crlf = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4);
    let lf = bytes.windows(2).position(|w| w == b"\n\n").map(|p| p + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn disposition_filename(value: &str) -> Option<String> {
    let lower = value.to_ascii_lowercase();
    let at = lower.find("filename=")?;
    Some(
        lower[at + 9..]
            .trim_matches(|c: char| c == '"' || c == ';' || c.is_whitespace())
            .to_string(),
    )
}

/// Find the first signed part (multipart/signed or pkcs7-mime) inside `bytes`, depth first.
fn find_signed_part(
    bytes: &[u8],
    depth: usize,
    name: &str,
) -> Result<Option<(std::ops::Range<usize>, String)>> {
    if depth > 16 {
        return Ok(None);
    }
    let entity = mime::parse_entity(bytes, name)?;
    let content_type = entity.content_type()?;
    if depth > 0
        && (content_type.mime_type == "multipart/signed"
            || ((content_type.mime_type == "application/pkcs7-mime"
                || content_type.mime_type == "application/x-pkcs7-mime")
                && content_type
                    .param("smime-type")
                    .is_none_or(|t| t.eq_ignore_ascii_case("signed-data"))))
    {
        return Ok(Some((0..bytes.len(), name.to_string())));
    }
    if content_type.mime_type.starts_with("multipart/") {
        let Some(boundary) = content_type.param("boundary") else {
            return Ok(None);
        };
        for (range, part_name) in mime::named_parts(bytes, &entity, boundary, name, depth)? {
            let start = range.start;
            if let Some((inner, inner_name)) =
                find_signed_part(&bytes[range], depth + 1, &part_name)?
            {
                return Ok(Some((start + inner.start..start + inner.end, inner_name)));
            }
        }
    }
    Ok(None)
}

/// Check the From (and Sender) address against the valid signers' certificates.
fn sender_check(header: &HeaderBlock, report: &mut VerifyReport) {
    let from: Vec<mime::Mailbox> = header
        .entity
        .headers_named("From")
        .flat_map(|h| mime::parse_mailboxes(&h.value()))
        .collect();
    let mut problems = Vec::new();
    if from.len() == 1 {
        report.from = Some(from[0].address.clone());
        if mime::display_name_looks_like_other_address(&from[0]) {
            report.warnings.push(format!(
                "the From display name \"{}\" looks like another address than {}",
                mime::decode_encoded_words(&from[0].display_name.clone().unwrap_or_default()),
                from[0].address
            ));
        }
    } else {
        problems.push(format!(
            "the message must have exactly one From address, found {}",
            from.len()
        ));
    }
    let sender: Vec<mime::Mailbox> = header
        .entity
        .headers_named("Sender")
        .flat_map(|h| mime::parse_mailboxes(&h.value()))
        .collect();
    if sender.len() > 1 {
        problems.push(format!("the message has {} Sender addresses", sender.len()));
    }
    for mailbox in from.iter().take(1).chain(sender.iter().take(1)) {
        let matched = report.signers.iter().any(|s| {
            s.signature_valid
                && s.emails
                    .iter()
                    .any(|e| crypto::email_addresses_match(e, &mailbox.address))
        });
        if !matched {
            problems.push(format!(
                "{} is not an address of the signer's certificate",
                mailbox.address
            ));
        }
    }
    if problems.is_empty() {
        return;
    }
    for s in &mut report.signers {
        s.problems.extend(problems.iter().cloned());
    }
    let decided_by_signers =
        SEVERITY[..5].contains(&report.status) || report.status == Status::NoSigners;
    if !decided_by_signers {
        report.status = Status::SenderMismatch;
        report.valid = false;
    }
    report.warnings.extend(problems);
}

//! Signed receipts (RFC 2634 2): making one for a received message that asks for it, and
//! checking one against the message we sent.
//!
//! A receipt proves that the recipient got the signed content unchanged: it signs a
//! [`Receipt`] that repeats the original's content type, signedContentIdentifier and
//! signature value, with a msgSigDigest attribute holding the digest of the original
//! signer's signed attributes (RFC 2634 2.4 and 2.10). It is sent as
//! `application/pkcs7-mime; smime-type=signed-receipt` (RFC 8551 3.2.2) to the receiptsTo
//! addresses of the request.
//!
//! The message is verified before a receipt is made, and no receipt is made when RFC 2634
//! says not to: no request, a request only in a countersignature (2.2), a message that is
//! itself a receipt (2.4), a receiptList without our address, or first-tier receipts for a
//! message that came through a mailing list (2.3 step 3). Mailing-list receipt policies
//! (mlReceiptPolicy, 2.3 step 3.1) are not interpreted: such a message is refused.

use std::io::{Read, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use der::asn1::OctetString;
use serde::Serialize;

use crate::ber::Element;
use crate::cms::attributes::{attribute, read_octet_string, single_value};
use crate::cms::oids;
use crate::cms::receipt::{msg_sig_digest_attribute, Receipt, ReceiptRequest, ReceiptsFromKind};
use crate::cms::signed_builder::{ContentDigests, SignedDataBuilder, SignerSpec};
use crate::cms::signed_data::{parse_signer_info, SignedData, SignerInfo};
use crate::cms::signed_verify::hex;
use crate::crypto::{self, DigestAlgorithm};
use crate::message::{looks_like_mime, read_header_block};
use crate::report::{Status, VerifyReport};
use crate::stream::Base64Writer;
use crate::verify::{Verified, Verifier, VerifyOptions};
use crate::{Error, Result};

/// What came of [`make_receipt`].
#[derive(Debug)]
pub enum ReceiptOutcome {
    /// The receipt was made.
    Made(SignedReceipt),
    /// The signature that asks for the receipt does not verify (or, with trust anchors, is
    /// not trusted): RFC 2634 2.4 step 1 forbids a receipt. The report says why.
    NotValid(Box<VerifyReport>),
}

/// A signed receipt, ready to send.
#[derive(Debug)]
pub struct SignedReceipt {
    /// The whole message (RFC 5322): To the receiptsTo addresses, application/pkcs7-mime;
    /// smime-type=signed-receipt.
    pub message: Vec<u8>,
    /// Where it goes (the rfc822Names of receiptsTo).
    pub receipts_to: Vec<String>,
    /// The signedContentIdentifier it acknowledges (hex).
    pub signed_content_identifier: String,
}

/// How much of the received message is kept for the receipt's headers (Subject, Message-ID).
const KEPT_HEAD: usize = 64 * 1024;

/// Passes a reader through, keeping a copy of its first [`KEPT_HEAD`] bytes.
struct HeadKeeper<R> {
    inner: R,
    head: Vec<u8>,
}

impl<R: Read> Read for HeadKeeper<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let keep = n.min(KEPT_HEAD - self.head.len());
        self.head.extend_from_slice(&buf[..keep]);
        Ok(n)
    }
}

/// Make the signed receipt for `received`, signed by `signer`. The message is verified with
/// `options` (its trust anchors decide whether the chain counts; with none, only the
/// signature is checked). An error when no receipt is asked for or allowed (see the module
/// documentation); [`ReceiptOutcome::NotValid`] when the signature fails.
pub fn make_receipt(
    received: impl Read,
    mut signer: SignerSpec,
    options: &VerifyOptions,
    signing_time: Option<SystemTime>,
) -> Result<ReceiptOutcome> {
    let mut received = HeadKeeper {
        inner: received,
        head: Vec::new(),
    };
    let verified = Verifier::new(options.clone())
        .verify_keeping_signed_data(&mut received, Some(&mut std::io::sink()))?;
    let signed = &verified.signed_data;
    if signed.econtent_type == oids::RECEIPT {
        return Err(Error::Unexpected(
            "the message is itself a signed receipt; receipts are never made for receipts (RFC 2634 2.4)"
                .into(),
        ));
    }
    let (index, si, request) = requesting_signer(&verified)?;
    let report = &verified.report.signers[index];
    if report.status != Status::Valid {
        return Ok(ReceiptOutcome::NotValid(Box::new(verified.report)));
    }
    check_asked_of(&request, si, &signer)?;
    let receipts_to = request.receipts_to_addresses();
    if receipts_to.is_empty() {
        return Err(Error::Unexpected(
            "the receipt request names no email address to send the receipt to (receiptsTo has no rfc822Name)".into(),
        ));
    }

    // RFC 2634 2.4 steps 2-3: the Receipt, DER-encoded, is the eContent.
    let receipt = Receipt {
        version: crate::cms::receipt::RECEIPT_VERSION,
        content_type: signed.econtent_type,
        signed_content_identifier: request.signed_content_identifier.clone(),
        originator_signature_value: OctetString::new(si.signature.clone())
            .map_err(|e| Error::Unexpected(format!("signature value: {e}")))?,
    };
    let content = receipt.to_content()?;
    // Step 5 and 2.10: msgSigDigest, with the original signer's digest algorithm (the one
    // its signature was computed with, as OpenSSL does).
    signer
        .extra_attributes
        .push(msg_sig_digest_attribute(&original_attributes_digest(
            si, options,
        )?)?);
    // 2.11: a contentIdentifier of the original goes along.
    if let Some(attrs) = &si.signed_attributes {
        if let Ok(Some(id)) = single_value(attrs, &oids::ATTR_CONTENT_IDENTIFIER) {
            signer
                .extra_attributes
                .push(attribute(oids::ATTR_CONTENT_IDENTIFIER, id.to_vec())?);
        }
    }
    let from = crypto::certificate_email_addresses(&signer.certificate)
        .into_iter()
        .next();
    let builder =
        SignedDataBuilder::new(vec![signer], signing_time)?.with_content_type(oids::RECEIPT);
    let digests = ContentDigests(
        builder
            .digest_algorithms()
            .into_iter()
            .map(|alg| (alg, crypto::digest(alg, &content)))
            .collect(),
    );
    let cms = builder.build(&digests, Some(&content))?;
    let message = receipt_message(&received.head, from.as_deref(), &receipts_to, &cms)?;
    Ok(ReceiptOutcome::Made(SignedReceipt {
        message,
        receipts_to,
        signed_content_identifier: hex(request.signed_content_identifier.as_bytes()),
    }))
}

/// The SignerInfo that asks for a receipt, with its decoded request. When several signers
/// ask, the first whose signature verifies is answered and the requests must be the same.
fn requesting_signer(verified: &Verified) -> Result<(usize, &SignerInfo, ReceiptRequest)> {
    let signed = &verified.signed_data;
    let mut requests = Vec::new();
    for si in &signed.signer_infos {
        let Some(attrs) = &si.signed_attributes else {
            continue;
        };
        match single_value(attrs, &oids::ATTR_RECEIPT_REQUEST) {
            Ok(Some(value)) => requests.push((si, ReceiptRequest::from_attribute_value(value)?)),
            Ok(None) => {}
            Err(e) => {
                return Err(Error::Unexpected(format!(
                    "SignerInfo {}: {e}",
                    si.index + 1
                )))
            }
        }
    }
    if requests.is_empty() {
        return Err(Error::Unexpected(if countersignature_requests(signed) {
            "the message's only receipt request is in a countersignature, where RFC 2634 2.2 forbids it: no receipt is made".into()
        } else {
            "the message does not request a signed receipt (no signer has a receiptRequest attribute, RFC 2634 2.3)".into()
        }));
    }
    if requests.iter().any(|(_, r)| r != &requests[0].1) {
        return Err(Error::Unexpected(
            "the signers of the message ask for different receipts; refusing the ambiguous request"
                .into(),
        ));
    }
    let chosen = requests
        .iter()
        .position(|(si, _)| verified.report.signers[si.index].status == Status::Valid)
        .unwrap_or(0);
    let (si, request) = requests.swap_remove(chosen);
    Ok((si.index, si, request))
}

/// Whether a countersignature (RFC 5652 11.4) of some signer carries a receipt request.
fn countersignature_requests(signed: &SignedData) -> bool {
    signed
        .signer_infos
        .iter()
        .flat_map(|si| &si.unsigned_attributes)
        .filter(|a| a.oid == oids::ATTR_COUNTERSIGNATURE)
        .flat_map(|a| &a.values)
        .filter_map(|value| {
            let element = Element::read_all(value, "countersignature").ok()?;
            parse_signer_info(value, &element, 0).ok()
        })
        .any(|counter| {
            counter
                .signed_attributes
                .is_some_and(|attrs| !attrs.all(&oids::ATTR_RECEIPT_REQUEST).is_empty())
        })
}

/// RFC 2634 2.3 step 3: whether this recipient is asked for a receipt.
fn check_asked_of(request: &ReceiptRequest, si: &SignerInfo, signer: &SignerSpec) -> Result<()> {
    let via_list = si
        .signed_attributes
        .as_ref()
        .is_some_and(|a| !a.all(&oids::ATTR_ML_EXPANSION_HISTORY).is_empty());
    if via_list {
        return Err(Error::Unexpected(
            "the message came through a mailing list (mlExpansionHistory); mailing-list receipt policies (RFC 2634 2.3 step 3.1) are not supported: no receipt is made".into(),
        ));
    }
    match request.receipts_from_kind() {
        ReceiptsFromKind::All | ReceiptsFromKind::Unspecified(_) | ReceiptsFromKind::FirstTier => {
            Ok(())
        }
        ReceiptsFromKind::Listed(list) => {
            let ours = crypto::certificate_email_addresses(&signer.certificate);
            if list
                .iter()
                .any(|a| ours.iter().any(|o| crypto::email_addresses_match(a, o)))
            {
                Ok(())
            } else {
                Err(Error::Unexpected(format!(
                    "receipts are asked only from {}; the certificate's addresses ({}) are not among them (RFC 2634 2.3 step 3.4.2): no receipt is made",
                    list.join(", "),
                    if ours.is_empty() { "none".to_string() } else { ours.join(", ") }
                )))
            }
        }
    }
}

/// The digest of the original signer's signed attributes as received (RFC 2634 2.4 step 1.2,
/// 2.10), with that signer's digest algorithm.
fn original_attributes_digest(si: &SignerInfo, options: &VerifyOptions) -> Result<Vec<u8>> {
    let attrs = si.signed_attributes.as_ref().ok_or_else(|| {
        Error::Unexpected(format!(
            "SignerInfo {} has no signed attributes",
            si.index + 1
        ))
    })?;
    let alg = DigestAlgorithm::from_oid(si.digest_algorithm.oid, &options.policy)?;
    Ok(crypto::digest(alg, &attrs.signed_bytes))
}

/// The receipt message: From our address, To the receiptsTo addresses, a reply to the
/// original (In-Reply-To and References its Message-ID, read from `received_head`, the
/// start of the received message), the CMS in base64.
fn receipt_message(
    received_head: &[u8],
    from: Option<&str>,
    to: &[String],
    cms: &[u8],
) -> Result<Vec<u8>> {
    let mut subject = "Signed receipt".to_string();
    let mut message_id = None;
    if looks_like_mime(received_head) {
        let header = read_header_block(&mut &received_head[..], "message")?;
        if let Some(s) = header.entity.header("Subject") {
            subject = format!("Signed receipt: {}", s.value().trim());
        }
        message_id = header
            .entity
            .header("Message-ID")
            .map(|h| h.value().trim().to_string());
    }
    let mut out = Vec::with_capacity(cms.len() * 4 / 3 + 1024);
    if let Some(from) = from {
        write!(out, "From: {from}\r\n")?;
    }
    write!(out, "To: {}\r\n", to.join(", "))?;
    write!(out, "Subject: {subject}\r\n")?;
    write!(out, "Date: {}\r\n", rfc5322_date(SystemTime::now()))?;
    if let Some(id) = message_id {
        write!(out, "In-Reply-To: {id}\r\nReferences: {id}\r\n")?;
    }
    out.extend_from_slice(
        b"MIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=signed-receipt; name=\"smime.p7m\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"smime.p7m\"\r\n\r\n",
    );
    let mut b64 = Base64Writer::new(&mut out);
    b64.write_all(cms)?;
    b64.finish()?;
    Ok(out)
}

/// A Date header value (RFC 5322 3.3) in UTC, e.g. `Mon, 23 Nov 2026 09:30:00 +0000`.
fn rfc5322_date(at: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = at
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    match der::DateTime::from_unix_duration(std::time::Duration::from_secs(secs)) {
        Ok(t) => format!(
            "{}, {:02} {} {} {:02}:{:02}:{:02} +0000",
            DAYS[((secs / 86_400) % 7) as usize],
            t.day(),
            MONTHS[(t.month() as usize).clamp(1, 12) - 1],
            t.year(),
            t.hour(),
            t.minutes(),
            t.seconds()
        ),
        Err(_) => "Thu, 01 Jan 1970 00:00:00 +0000".into(),
    }
}

/// The verdict on a signed receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReceiptStatus {
    /// The receipt is signed, trusted, and acknowledges exactly the message we sent.
    Valid,
    /// The receipt's own signature, content digest or chain fails: see `signature`.
    InvalidSignature,
    /// The receipt verifies but does not acknowledge the message we sent: see `mismatches`.
    Mismatch,
}

/// The result of checking a signed receipt against the original message (`smime
/// verify-receipt --json`, documented in the README).
#[derive(Debug, Clone, Serialize)]
pub struct ReceiptReport {
    /// Whether the receipt is valid for the original message.
    pub valid: bool,
    /// The verdict; `invalid-signature` takes precedence over `mismatch`.
    pub status: ReceiptStatus,
    /// The signedContentIdentifier the receipt acknowledges (hex).
    pub signed_content_identifier: String,
    /// The content type the receipt names (that of the original content).
    pub content_type: String,
    /// The verification of the receipt's signature (its signer is the recipient).
    pub signature: VerifyReport,
    /// Each way in which the receipt does not match the original message.
    pub mismatches: Vec<String>,
    /// Things worth knowing that do not make the receipt invalid.
    pub warnings: Vec<String>,
}

/// Check the signed receipt `receipt` (a message or bare CMS) against `original`, the signed
/// message we sent that asked for it (RFC 2634 2.4 and 2.10): the receipt's signature and
/// chain (with `options`; the sender address is not checked, since receipts need not carry
/// a From), then that its contentType and signedContentIdentifier are those of the
/// original request, its originatorSignatureValue is the original signature, and its
/// msgSigDigest is the digest of the original signed attributes. An error when either input
/// is malformed or the receipt is no signed receipt at all.
pub fn verify_receipt(
    receipt: impl Read,
    original: impl Read,
    options: &VerifyOptions,
) -> Result<ReceiptReport> {
    let mut receipt_options = options.clone();
    receipt_options.check_sender = false;
    // The eContent of a receipt is one small Receipt; a larger one is no receipt.
    let mut content = LimitedBuffer(Vec::new());
    let verified =
        Verifier::new(receipt_options).verify_keeping_signed_data(receipt, Some(&mut content))?;
    let content = content.0;
    let signed = &verified.signed_data;
    if signed.econtent_type != oids::RECEIPT {
        return Err(Error::Unexpected(format!(
            "the input is not a signed receipt: its content type is {}, not id-ct-receipt (RFC 2634 2.7)",
            oids::content_type_name(&signed.econtent_type)
        )));
    }
    let parsed = Receipt::from_content(&content)?;

    let mut original_options = options.clone();
    original_options.check_sender = false;
    original_options.check_chain = false;
    let sent = Verifier::new(original_options)
        .verify_keeping_signed_data(original, Some(&mut std::io::sink()))
        .map_err(|e| Error::Unexpected(format!("the original message: {e}")))?;

    let mut mismatches = Vec::new();
    let mut warnings = Vec::new();
    if signed.signer_infos.len() != 1 {
        mismatches.push(format!(
            "a signed receipt has one signer, this one has {}",
            signed.signer_infos.len()
        ));
    }
    let original_si = sent
        .signed_data
        .signer_infos
        .iter()
        .find(|si| si.signature == parsed.originator_signature_value.as_bytes());
    match original_si {
        None => mismatches.push(
            "originatorSignatureValue is no signature of the original message: the receipt is for another message or was changed"
                .into(),
        ),
        Some(osi) => {
            if !sent.report.signers[osi.index].signature_valid {
                warnings.push(format!(
                    "the original message's signer {} does not verify (was it changed since it was sent?)",
                    osi.index + 1
                ));
            }
            compare_with_original(&parsed, signed, osi, &sent.signed_data, options, &mut mismatches);
        }
    }
    let status = if !verified.report.valid {
        ReceiptStatus::InvalidSignature
    } else if !mismatches.is_empty() {
        ReceiptStatus::Mismatch
    } else {
        ReceiptStatus::Valid
    };
    Ok(ReceiptReport {
        valid: status == ReceiptStatus::Valid,
        status,
        signed_content_identifier: hex(parsed.signed_content_identifier.as_bytes()),
        content_type: oids::content_type_name(&parsed.content_type),
        signature: verified.report,
        mismatches,
        warnings,
    })
}

/// Keeps what is written, up to [`MAX_RECEIPT_CONTENT`] bytes; more is an error.
struct LimitedBuffer(Vec<u8>);

/// The largest Receipt read: its fields are an OID, an identifier and a signature value.
const MAX_RECEIPT_CONTENT: usize = 64 * 1024;

impl Write for LimitedBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + buf.len() > MAX_RECEIPT_CONTENT {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "the signed content is larger than {MAX_RECEIPT_CONTENT} bytes: not a Receipt"
                ),
            ));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The checks of a receipt against the original SignerInfo whose signature it repeats.
fn compare_with_original(
    receipt: &Receipt,
    signed: &SignedData,
    original: &SignerInfo,
    original_signed: &SignedData,
    options: &VerifyOptions,
    mismatches: &mut Vec<String>,
) {
    let request = original
        .signed_attributes
        .as_ref()
        .and_then(|a| single_value(a, &oids::ATTR_RECEIPT_REQUEST).ok().flatten())
        .map(ReceiptRequest::from_attribute_value);
    match request {
        None => mismatches.push("the original message did not ask for a receipt".into()),
        Some(Err(e)) => mismatches.push(format!("the original receipt request: {e}")),
        Some(Ok(request)) => {
            if request.signed_content_identifier != receipt.signed_content_identifier {
                mismatches.push(format!(
                    "signedContentIdentifier {} is not the original request's {}: the receipt is for another message",
                    hex(receipt.signed_content_identifier.as_bytes()),
                    hex(request.signed_content_identifier.as_bytes())
                ));
            }
        }
    }
    if receipt.content_type != original_signed.econtent_type {
        mismatches.push(format!(
            "contentType {} is not the original's {}",
            oids::content_type_name(&receipt.content_type),
            oids::content_type_name(&original_signed.econtent_type)
        ));
    }
    let claimed = signed
        .signer_infos
        .first()
        .and_then(|si| si.signed_attributes.as_ref())
        .map(|a| single_value(a, &oids::ATTR_MSG_SIG_DIGEST));
    match claimed {
        None | Some(Ok(None)) => {
            mismatches.push("the receipt has no msgSigDigest attribute (RFC 2634 2.10)".into())
        }
        Some(Err(e)) => mismatches.push(e),
        Some(Ok(Some(value))) => match (
            read_octet_string(value),
            original_attributes_digest(original, options),
        ) {
            (Ok(claimed), Ok(expected)) if claimed == expected => {}
            (Ok(_), Ok(_)) => mismatches
                .push("msgSigDigest is not the digest of the original signed attributes".into()),
            (Err(e), _) => mismatches.push(format!("msgSigDigest attribute: {e}")),
            (_, Err(e)) => mismatches.push(format!("the original signed attributes: {e}")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Encode;

    use crate::ber::{encode_tlv, Tag};
    use crate::cms::receipt::{ReceiptsFrom, ALL_RECEIPTS, FIRST_TIER_RECIPIENTS};
    use crate::crypto::test_pki::{Pki, CA_EXTENSIONS, LEAF_EXTENSIONS};

    const CONTENT: &[u8] = b"Content-Type: text/plain\r\n\r\nPlease confirm.\r\n";

    /// A root and two P-256 mail certificates: alice (sender) and bob (recipient).
    fn pki() -> Pki {
        let pki = Pki::new();
        pki.key("root", "p256");
        pki.root("root", "/CN=Receipt Test Root", 3650);
        for (serial, name) in [(2, "alice"), (3, "bob")] {
            pki.key(name, "p256");
            pki.issue(
                name,
                &format!("/CN={name}"),
                "root",
                30,
                serial,
                &format!("{LEAF_EXTENSIONS}subjectAltName=email:{name}@example.com\n"),
            );
        }
        let _ = CA_EXTENSIONS;
        pki
    }

    fn spec(pki: &Pki, name: &str, extra: Vec<Vec<u8>>) -> SignerSpec {
        let key = pki.private_key(name);
        SignerSpec {
            certificate: pki.cert(name),
            scheme: key.scheme(key.default_digest(), false).unwrap(),
            key,
            chain: vec![],
            encryption_certificate: None,
            extra_attributes: extra,
        }
    }

    fn options(pki: &Pki) -> VerifyOptions {
        let mut o = VerifyOptions::new(vec![pki.cert("root")]);
        o.check_sender = false;
        o
    }

    /// An opaque SignedData (bare DER) of `content` with `content_type`, signed by `name`.
    fn sign_cms(
        pki: &Pki,
        name: &str,
        extra: Vec<Vec<u8>>,
        content_type: const_oid::ObjectIdentifier,
        content: &[u8],
    ) -> Vec<u8> {
        let builder = SignedDataBuilder::new(vec![spec(pki, name, extra)], Some(SystemTime::now()))
            .unwrap()
            .with_content_type(content_type);
        let digests = ContentDigests(
            builder
                .digest_algorithms()
                .into_iter()
                .map(|a| (a, crypto::digest(a, content)))
                .collect(),
        );
        builder.build(&digests, Some(content)).unwrap()
    }

    fn request(from: ReceiptsFrom) -> ReceiptRequest {
        ReceiptRequest::new(&["alice@example.com".into()], from).unwrap()
    }

    /// Alice's message asking for a receipt, and the request.
    fn sent(pki: &Pki) -> (Vec<u8>, ReceiptRequest) {
        let request = request(ReceiptsFrom::AllOrFirstTier(ALL_RECEIPTS));
        let cms = sign_cms(
            pki,
            "alice",
            vec![request.to_attribute().unwrap()],
            oids::DATA,
            CONTENT,
        );
        (cms, request)
    }

    fn made(outcome: ReceiptOutcome) -> SignedReceipt {
        match outcome {
            ReceiptOutcome::Made(r) => r,
            ReceiptOutcome::NotValid(report) => panic!("no receipt: {report:?}"),
        }
    }

    fn signer_info_of(cms: &[u8]) -> SignerInfo {
        let signed = crate::cms::signed_data::parse_signed_data_content_info(cms).unwrap();
        signed.signer_infos[0].clone()
    }

    #[test]
    fn receipt_made_for_request_verifies_against_original() {
        let pki = pki();
        let (sent, request) = sent(&pki);
        let receipt =
            made(make_receipt(&sent[..], spec(&pki, "bob", vec![]), &options(&pki), None).unwrap());
        assert_eq!(receipt.receipts_to, ["alice@example.com"]);
        let text = String::from_utf8_lossy(&receipt.message);
        assert!(text.contains("smime-type=signed-receipt"), "{text}");
        assert!(text.starts_with("From: bob@example.com\r\nTo: alice@example.com\r\n"));
        let report = verify_receipt(&receipt.message[..], &sent[..], &options(&pki)).unwrap();
        assert!(report.valid, "{report:?}");
        assert_eq!(report.status, ReceiptStatus::Valid);
        assert_eq!(
            report.signed_content_identifier,
            hex(request.signed_content_identifier.as_bytes())
        );
        assert_eq!(report.signature.form, "signed-receipt");
    }

    /// A receipt signed by bob with these fields, against alice's `sent`.
    fn crafted(pki: &Pki, receipt: &Receipt, msg_sig_digest: Option<Vec<u8>>) -> Vec<u8> {
        let extra = msg_sig_digest
            .map(|d| vec![msg_sig_digest_attribute(&d).unwrap()])
            .unwrap_or_default();
        sign_cms(
            pki,
            "bob",
            extra,
            oids::RECEIPT,
            &receipt.to_content().unwrap(),
        )
    }

    fn honest(sent: &[u8], request: &ReceiptRequest) -> (Receipt, Vec<u8>) {
        let si = signer_info_of(sent);
        let digest = original_attributes_digest(&si, &VerifyOptions::default()).unwrap();
        let receipt = Receipt {
            version: 1,
            content_type: oids::DATA,
            signed_content_identifier: request.signed_content_identifier.clone(),
            originator_signature_value: OctetString::new(si.signature.clone()).unwrap(),
        };
        (receipt, digest)
    }

    fn mismatch_of(pki: &Pki, sent: &[u8], receipt_cms: &[u8]) -> Vec<String> {
        let report = verify_receipt(receipt_cms, sent, &options(pki)).unwrap();
        assert!(!report.valid);
        assert_eq!(report.status, ReceiptStatus::Mismatch, "{report:?}");
        assert!(
            report.signature.valid,
            "the crafted receipt itself verifies"
        );
        report.mismatches
    }

    #[test]
    fn crafted_honest_receipt_is_valid() {
        let pki = pki();
        let (sent, request) = sent(&pki);
        let (receipt, digest) = honest(&sent, &request);
        let cms = crafted(&pki, &receipt, Some(digest));
        let report = verify_receipt(&cms[..], &sent[..], &options(&pki)).unwrap();
        assert!(report.valid, "{report:?}");
    }

    #[test]
    fn receipt_with_other_content_identifier_is_mismatch() {
        let pki = pki();
        let (sent, request) = sent(&pki);
        let (mut receipt, digest) = honest(&sent, &request);
        receipt.signed_content_identifier = OctetString::new(vec![0x42; 32]).unwrap();
        let m = mismatch_of(&pki, &sent, &crafted(&pki, &receipt, Some(digest)));
        assert!(
            m.iter()
                .any(|m| m.starts_with("signedContentIdentifier 4242")),
            "{m:?}"
        );
    }

    #[test]
    fn receipt_with_changed_originator_signature_is_mismatch() {
        let pki = pki();
        let (sent, request) = sent(&pki);
        let (mut receipt, digest) = honest(&sent, &request);
        let mut sig = receipt.originator_signature_value.as_bytes().to_vec();
        sig[10] ^= 1;
        receipt.originator_signature_value = OctetString::new(sig).unwrap();
        let m = mismatch_of(&pki, &sent, &crafted(&pki, &receipt, Some(digest)));
        assert!(m[0].starts_with("originatorSignatureValue"), "{m:?}");
    }

    #[test]
    fn receipt_with_wrong_msg_sig_digest_is_mismatch() {
        let pki = pki();
        let (sent, request) = sent(&pki);
        let (receipt, mut digest) = honest(&sent, &request);
        digest[0] ^= 1;
        let m = mismatch_of(&pki, &sent, &crafted(&pki, &receipt, Some(digest)));
        assert_eq!(
            m,
            ["msgSigDigest is not the digest of the original signed attributes"]
        );
        let m = mismatch_of(&pki, &sent, &crafted(&pki, &receipt, None));
        assert!(m[0].contains("no msgSigDigest"), "{m:?}");
    }

    #[test]
    fn receipt_with_other_content_type_is_mismatch() {
        let pki = pki();
        let (sent, request) = sent(&pki);
        let (mut receipt, digest) = honest(&sent, &request);
        receipt.content_type = oids::SIGNED_DATA;
        let m = mismatch_of(&pki, &sent, &crafted(&pki, &receipt, Some(digest)));
        assert!(m[0].starts_with("contentType signedData"), "{m:?}");
    }

    #[test]
    fn receipt_for_original_without_request_is_mismatch() {
        let pki = pki();
        let plain = sign_cms(&pki, "alice", vec![], oids::DATA, CONTENT);
        let si = signer_info_of(&plain);
        let receipt = Receipt {
            version: 1,
            content_type: oids::DATA,
            signed_content_identifier: OctetString::new(vec![1; 32]).unwrap(),
            originator_signature_value: OctetString::new(si.signature.clone()).unwrap(),
        };
        let digest = original_attributes_digest(&si, &VerifyOptions::default()).unwrap();
        let m = mismatch_of(&pki, &plain, &crafted(&pki, &receipt, Some(digest)));
        assert!(
            m.iter().any(|m| m.contains("did not ask for a receipt")),
            "{m:?}"
        );
    }

    #[test]
    fn id_data_content_is_not_a_receipt() {
        let pki = pki();
        let (sent, _) = sent(&pki);
        let e = verify_receipt(&sent[..], &sent[..], &options(&pki)).unwrap_err();
        assert!(e.to_string().contains("not a signed receipt"), "{e}");
    }

    #[test]
    fn receipt_untrusted_signer_is_invalid_signature() {
        let pki = pki();
        let (sent, request) = sent(&pki);
        let (receipt, digest) = honest(&sent, &request);
        let cms = crafted(&pki, &receipt, Some(digest));
        let report = verify_receipt(&cms[..], &sent[..], &VerifyOptions::new(vec![])).unwrap();
        assert_eq!(report.status, ReceiptStatus::InvalidSignature);
        assert!(report.mismatches.is_empty(), "{report:?}");
    }

    #[test]
    fn no_request_no_receipt() {
        let pki = pki();
        let plain = sign_cms(&pki, "alice", vec![], oids::DATA, CONTENT);
        let e =
            make_receipt(&plain[..], spec(&pki, "bob", vec![]), &options(&pki), None).unwrap_err();
        assert!(
            e.to_string().contains("does not request a signed receipt"),
            "{e}"
        );
    }

    #[test]
    fn changed_content_no_receipt() {
        let pki = pki();
        let (sent, _) = sent(&pki);
        let at = sent.windows(7).position(|w| w == b"confirm").unwrap();
        let mut changed = sent.clone();
        changed[at] = b'C';
        match make_receipt(
            &changed[..],
            spec(&pki, "bob", vec![]),
            &options(&pki),
            None,
        )
        .unwrap()
        {
            ReceiptOutcome::NotValid(report) => {
                assert_eq!(report.signers[0].status, Status::BadSignature)
            }
            ReceiptOutcome::Made(_) => panic!("a receipt for a changed message"),
        }
    }

    #[test]
    fn receipt_for_receipt_is_refused() {
        let pki = pki();
        let (sent, request) = sent(&pki);
        let (receipt, digest) = honest(&sent, &request);
        let extra = vec![
            msg_sig_digest_attribute(&digest).unwrap(),
            request.to_attribute().unwrap(),
        ];
        let cms = sign_cms(
            &pki,
            "bob",
            extra,
            oids::RECEIPT,
            &receipt.to_content().unwrap(),
        );
        let e =
            make_receipt(&cms[..], spec(&pki, "alice", vec![]), &options(&pki), None).unwrap_err();
        assert!(e.to_string().contains("never made for receipts"), "{e}");
    }

    #[test]
    fn receipt_list_decides_who_answers() {
        let pki = pki();
        let list = |addr: &str| {
            let name = der::asn1::Ia5String::new(addr).unwrap();
            ReceiptsFrom::ReceiptList(vec![vec![
                x509_cert::ext::pkix::name::GeneralName::Rfc822Name(name),
            ]])
        };
        let for_carol = request(list("carol@example.com")).to_attribute().unwrap();
        let cms = sign_cms(&pki, "alice", vec![for_carol], oids::DATA, CONTENT);
        let e =
            make_receipt(&cms[..], spec(&pki, "bob", vec![]), &options(&pki), None).unwrap_err();
        assert!(
            e.to_string().contains("asked only from carol@example.com"),
            "{e}"
        );
        let for_bob = request(list("bob@EXAMPLE.COM")).to_attribute().unwrap();
        let cms = sign_cms(&pki, "alice", vec![for_bob], oids::DATA, CONTENT);
        made(make_receipt(&cms[..], spec(&pki, "bob", vec![]), &options(&pki), None).unwrap());
    }

    #[test]
    fn first_tier_via_mailing_list_no_receipt() {
        let pki = pki();
        let first_tier = request(ReceiptsFrom::AllOrFirstTier(FIRST_TIER_RECIPIENTS));
        let cms = sign_cms(
            &pki,
            "alice",
            vec![first_tier.to_attribute().unwrap()],
            oids::DATA,
            CONTENT,
        );
        made(make_receipt(&cms[..], spec(&pki, "bob", vec![]), &options(&pki), None).unwrap());
        // Any mlExpansionHistory value: its presence is what counts (RFC 2634 2.3 step 3).
        let history = attribute(
            oids::ATTR_ML_EXPANSION_HISTORY,
            encode_tlv(Tag::SEQUENCE, &[]),
        )
        .unwrap();
        let cms = sign_cms(
            &pki,
            "alice",
            vec![first_tier.to_attribute().unwrap(), history],
            oids::DATA,
            CONTENT,
        );
        let e =
            make_receipt(&cms[..], spec(&pki, "bob", vec![]), &options(&pki), None).unwrap_err();
        assert!(e.to_string().contains("mailing list"), "{e}");
    }

    #[test]
    fn content_identifier_is_copied_into_receipt() {
        let pki = pki();
        let request = request(ReceiptsFrom::AllOrFirstTier(ALL_RECEIPTS));
        let id = attribute(
            oids::ATTR_CONTENT_IDENTIFIER,
            encode_tlv(Tag::OCTET_STRING, b"msg-77"),
        )
        .unwrap();
        let cms = sign_cms(
            &pki,
            "alice",
            vec![request.to_attribute().unwrap(), id],
            oids::DATA,
            CONTENT,
        );
        let receipt =
            made(make_receipt(&cms[..], spec(&pki, "bob", vec![]), &options(&pki), None).unwrap());
        let mut sink = LimitedBuffer(Vec::new());
        let verified = Verifier::new(options(&pki))
            .verify_keeping_signed_data(&receipt.message[..], Some(&mut sink))
            .unwrap();
        let attrs = verified.signed_data.signer_infos[0]
            .signed_attributes
            .clone()
            .unwrap();
        let copied = single_value(&attrs, &oids::ATTR_CONTENT_IDENTIFIER).unwrap();
        assert_eq!(copied, Some(&encode_tlv(Tag::OCTET_STRING, b"msg-77")[..]));
        assert_eq!(verified.signed_data.version, 3);
    }

    /// Alice's signed message with no request of her own, countersigned by bob, whose
    /// countersignature asks for a receipt: RFC 2634 2.2 forbids that, so no receipt.
    #[test]
    fn request_only_in_countersignature_no_receipt() {
        let pki = pki();
        let plain = sign_cms(&pki, "alice", vec![], oids::DATA, CONTENT);
        let request = request(ReceiptsFrom::AllOrFirstTier(ALL_RECEIPTS));
        let counter = sign_cms(
            &pki,
            "bob",
            vec![request.to_attribute().unwrap()],
            oids::DATA,
            CONTENT,
        );
        let counter_si = nested(&counter, &[1, 0, LAST, 0]);
        let counter_attr = attribute(oids::ATTR_COUNTERSIGNATURE, counter_si).unwrap();
        // Rebuild alice's ContentInfo with `[1] { counter_attr }` after her signature.
        let si = nested(&plain, &[1, 0, LAST, 0]);
        let si_elem = Element::read_all(&si, "SignerInfo").unwrap();
        let mut si_content = si_elem.content(&si).to_vec();
        si_content.extend(encode_tlv(Tag::context(1, true), &counter_attr));
        let new_si = encode_tlv(Tag::SEQUENCE, &si_content);
        let signed = nested(&plain, &[1, 0]);
        let signed_elem = Element::read_all(&signed, "SignedData").unwrap();
        let parts = signed_elem.children(&signed, "SignedData").unwrap();
        let mut signed_content = Vec::new();
        for p in &parts[..parts.len() - 1] {
            signed_content.extend_from_slice(p.bytes(&signed));
        }
        signed_content.extend(encode_tlv(Tag::SET, &new_si));
        let mut info = oids::SIGNED_DATA.to_der().unwrap();
        info.extend(encode_tlv(
            Tag::context(0, true),
            &encode_tlv(Tag::SEQUENCE, &signed_content),
        ));
        let cms = encode_tlv(Tag::SEQUENCE, &info);
        let e =
            make_receipt(&cms[..], spec(&pki, "bob", vec![]), &options(&pki), None).unwrap_err();
        assert!(e.to_string().contains("countersignature"), "{e}");
    }

    #[test]
    fn malformed_receipt_request_makes_bad_attributes() {
        let pki = pki();
        // receiptsTo empty: SEQUENCE { OCTET STRING, [0] 0, SEQUENCE {} }.
        let value = [
            0x30, 0x0a, 0x04, 0x03, 1, 2, 3, 0x80, 0x01, 0x00, 0x30, 0x00,
        ];
        let bad = attribute(oids::ATTR_RECEIPT_REQUEST, value.to_vec()).unwrap();
        let cms = sign_cms(&pki, "alice", vec![bad], oids::DATA, CONTENT);
        let report = Verifier::new(options(&pki)).verify(&cms[..], None).unwrap();
        assert_eq!(report.signers[0].status, Status::BadAttributes);
        assert!(
            report.signers[0].problems[0].starts_with("receipt-request attribute:"),
            "{report:?}"
        );
        assert!(report.signers[0].receipt_request.is_none());
        let e =
            make_receipt(&cms[..], spec(&pki, "bob", vec![]), &options(&pki), None).unwrap_err();
        assert!(
            e.to_string().contains("receiptsTo must name 1 to 16"),
            "{e}"
        );
    }

    /// In a [`nested`] path: the last child.
    const LAST: usize = usize::MAX;

    /// The bytes of the element reached by taking the `path` children in turn
    /// (ContentInfo `[1, 0, LAST, 0]`: the first SignerInfo).
    fn nested(der: &[u8], path: &[usize]) -> Vec<u8> {
        let mut bytes = der.to_vec();
        for &i in path {
            let element = Element::read_all(&bytes, "test").unwrap();
            let children = element.children(&bytes, "test").unwrap();
            let child = if i == LAST {
                children.last().unwrap().clone()
            } else {
                children[i].clone()
            };
            bytes = child.bytes(&bytes).to_vec();
        }
        bytes
    }

    #[test]
    fn date_is_rfc5322() {
        let at = UNIX_EPOCH + std::time::Duration::from_secs(1_795_426_200); // 2026-11-23 09:30 UTC
        assert_eq!(rfc5322_date(at), "Mon, 23 Nov 2026 09:30:00 +0000");
        assert_eq!(rfc5322_date(UNIX_EPOCH), "Thu, 01 Jan 1970 00:00:00 +0000");
    }
}

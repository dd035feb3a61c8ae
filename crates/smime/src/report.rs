//! Verification reports: one per message, one per signer. Serialised as the stable
//! `--json` output of `smime verify` (documented in the README).

use serde::Serialize;
use smime_pkix::mail_validation::{CertificateSummary, FailedRule};

/// The verdict on a message or a signer. The message takes the first failing one, in this
/// order of precedence: a malformed or unsigned message, then the signers, then the sender,
/// then trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Everything checked out.
    Valid,
    /// The SignedData has no SignerInfo.
    NoSigners,
    /// A signature or the content digest does not match.
    BadSignature,
    /// A mandatory signed attribute is missing, repeated, malformed or inconsistent.
    BadAttributes,
    /// The signer's certificate is neither in the message nor given.
    UnknownSigner,
    /// An algorithm or key refused by policy (MD5, SHA-1 without `--allow-legacy`, short RSA).
    WeakAlgorithm,
    /// An algorithm this implementation does not support (e.g. DSA).
    UnsupportedAlgorithm,
    /// The From (or Sender) address is not one of the signer certificate's addresses.
    SenderMismatch,
    /// The signer's certificate does not chain to a trust anchor.
    Untrusted,
    /// Only a part of the message is signed; the rest could have been added by anyone.
    PartiallySigned,
}

impl Status {
    /// Whether this is [`Status::Valid`].
    pub fn is_valid(self) -> bool {
        self == Status::Valid
    }
}

/// The result of the chain check for a signer.
#[derive(Debug, Clone, Serialize)]
pub struct ChainReport {
    /// `trusted`, `untrusted` or `not-checked`.
    pub status: String,
    /// The subjects from the signer to the trust anchor, when trusted.
    pub path: Vec<String>,
    /// Why the chain is not trusted, when it is not.
    pub reason: Option<String>,
    /// The time the chain was validated at (RFC 3339).
    pub validated_at: Option<String>,
    /// Where that time came from: `signing-time`, `now` or `given`.
    pub time_source: Option<String>,
    /// The path (leaf first, trust anchor last) that was found, or the one the failure was
    /// found on: subject, issuer, serial, validity and SHA-256 fingerprint of each.
    pub certificates: Vec<CertificateSummary>,
    /// The first rule that failed (RFC 5280 path or RFC 8550 mail rule), when untrusted.
    pub failed_rule: Option<FailedRule>,
    /// What did not fail the chain but is worth knowing (a revocation status unknown under
    /// soft-fail).
    pub warnings: Vec<String>,
}

impl ChainReport {
    /// A chain that was not checked.
    pub fn not_checked() -> Self {
        ChainReport {
            status: "not-checked".into(),
            path: vec![],
            reason: None,
            validated_at: None,
            time_source: None,
            certificates: vec![],
            failed_rule: None,
            warnings: vec![],
        }
    }
}

/// A receipt request (RFC 2634 2.7) among a signer's signed attributes.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReceiptRequestReport {
    /// The signedContentIdentifier (hex), which the receipt must repeat.
    pub signed_content_identifier: String,
    /// Who is asked: `all`, `first-tier`, `listed` (see `receipts_from_list`) or
    /// `unspecified` (an allOrFirstTier value other than 0 or 1; OpenSSL writes -1 when
    /// neither was chosen; read as `all`).
    pub receipts_from: String,
    /// The addresses asked for a receipt, when `receipts_from` is `listed`.
    pub receipts_from_list: Vec<String>,
    /// Where the receipt goes: the email addresses of receiptsTo.
    pub receipts_to: Vec<String>,
}

impl ReceiptRequestReport {
    /// The report for a decoded request.
    pub fn new(request: &crate::cms::receipt::ReceiptRequest) -> Self {
        use crate::cms::receipt::ReceiptsFromKind;
        let kind = request.receipts_from_kind();
        ReceiptRequestReport {
            signed_content_identifier: crate::cms::signed_verify::hex(
                request.signed_content_identifier.as_bytes(),
            ),
            receipts_from: kind.name().to_string(),
            receipts_from_list: match kind {
                ReceiptsFromKind::Listed(list) => list,
                _ => vec![],
            },
            receipts_to: request.receipts_to_addresses(),
        }
    }
}

/// What was found about one SignerInfo.
#[derive(Debug, Clone, Serialize)]
pub struct SignerReport {
    /// The signer's verdict.
    pub status: Status,
    /// Whether the signature (and the content digest) verified.
    pub signature_valid: bool,
    /// Subject of the signer certificate (RFC 4514), if found.
    pub subject: Option<String>,
    /// Issuer of the signer certificate, or the issuer named by the SignerInfo.
    pub issuer: Option<String>,
    /// Serial number (hex) of the signer certificate.
    pub serial: Option<String>,
    /// Email addresses of the signer certificate.
    pub emails: Vec<String>,
    /// The signing-time attribute (RFC 3339), if present.
    pub signing_time: Option<String>,
    /// The digest algorithm name.
    pub digest_algorithm: Option<String>,
    /// The signature algorithm name.
    pub signature_algorithm: Option<String>,
    /// The signer's public key (e.g. `RSA 2048`).
    pub public_key: Option<String>,
    /// The content ciphers the signer announced (SMIMECapabilities), strongest first.
    pub capabilities: Vec<String>,
    /// The signed receipt this signer asks for (RFC 2634 2.7), if any.
    pub receipt_request: Option<ReceiptRequestReport>,
    /// The chain check.
    pub chain: ChainReport,
    /// Everything that was wrong, in order.
    pub problems: Vec<String>,
}

/// The verdict on a whole message.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// Whether the message is valid: every signer valid and trusted, sender matched.
    pub valid: bool,
    /// The overall status (see [`Status`] for the precedence).
    pub status: Status,
    /// `multipart/signed`, `signed-data` (application/pkcs7-mime), `signed-receipt`
    /// (application/pkcs7-mime; smime-type=signed-receipt, RFC 2634 2.4) or `cms` (bare CMS input).
    pub form: String,
    /// The From address, when there is exactly one.
    pub from: Option<String>,
    /// The Content-Type of the signed entity, when it is a MIME entity.
    pub signed_content_type: Option<String>,
    /// One report per SignerInfo, in order.
    pub signers: Vec<SignerReport>,
    /// Things worth knowing that do not make the message invalid.
    pub warnings: Vec<String>,
}

//! Validation of a certificate for mail: the path (RFC 5280 6.1, [`crate::validate`]) and
//! then the mail rules of RFC 8550 on the end-entity certificate ([`crate::mail`]); one
//! report that names the path and the first rule that failed. `smime cert verify`,
//! `smime verify` (per signer) and `smime encrypt` (per recipient) all use it.

use std::time::SystemTime;

use serde::Serialize;
use x509_cert::Certificate;

use crate::certificate::{certificate_fingerprint_sha256, describe_name};
use crate::mail::{check_mail_rules, Purpose};
use crate::options::ValidationOptions;
use crate::policy_tree::ValidPolicies;
use crate::validate::{validate, RevocationCheck};

/// An RFC 3339 time (`2024-05-01T12:00:00Z`).
pub fn rfc3339(t: SystemTime) -> String {
    der::DateTime::from_system_time(t)
        .map(|d| d.to_string())
        .unwrap_or_else(|_| "out of range".into())
}

/// One certificate of a path, as reports show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateSummary {
    /// Subject (RFC 4514).
    pub subject: String,
    /// Issuer (RFC 4514).
    pub issuer: String,
    /// Serial number, lowercase hex.
    pub serial: String,
    /// Start of the validity period (RFC 3339).
    pub not_before: String,
    /// End of the validity period (RFC 3339).
    pub not_after: String,
    /// SHA-256 of the DER certificate, lowercase hex.
    pub sha256: String,
}

impl CertificateSummary {
    /// The summary of `cert`.
    pub fn new(cert: &Certificate) -> Self {
        let tbs = &cert.tbs_certificate;
        CertificateSummary {
            subject: describe_name(&tbs.subject),
            issuer: describe_name(&tbs.issuer),
            serial: tbs
                .serial_number
                .as_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
            not_before: tbs.validity.not_before.to_date_time().to_string(),
            not_after: tbs.validity.not_after.to_date_time().to_string(),
            sha256: certificate_fingerprint_sha256(cert),
        }
    }
}

/// The first rule a certificate or its path broke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedRule {
    /// A stable identifier: the RFC 5280 rules of [`crate::Rule`] in snake case
    /// (`validity`, `name_constraints`, ...) and the mail rules of
    /// [`crate::mail::MailRuleFailure`] (`mail_key_usage`, ...).
    pub id: String,
    /// The section that states it (`RFC 5280 6.1.3 (a)(2)`, `RFC 8550 4.4.2`).
    pub rfc_section: String,
    /// Index of the certificate in the path (0 is the certificate validated).
    pub certificate_index: usize,
    /// That certificate's subject (RFC 4514).
    pub subject: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for FailedRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.rfc_section)
    }
}

/// What the certificate is validated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailUse<'a> {
    /// Signing, encryption or either.
    pub purpose: Purpose,
    /// The address that must be bound to the certificate; `None`: no binding is checked.
    pub address: Option<&'a str>,
}

/// The outcome of [`validate_for_mail`].
#[derive(Debug, Clone, Serialize)]
pub struct MailValidationReport {
    /// Whether the path is valid and the certificate meets the mail rules.
    pub valid: bool,
    /// The validation time (RFC 3339).
    pub time: String,
    /// The path found (leaf first, trust anchor last), or the one the failure was found on.
    pub path: Vec<CertificateSummary>,
    /// The first rule that failed, when not valid.
    pub failed_rule: Option<FailedRule>,
    /// The policies a valid path is valid for (RFC 5280 6.1.6), when the path is valid and
    /// longer than the anchor alone.
    pub valid_policies: Option<ValidPolicies>,
    /// Notes that did not fail the validation (e.g. revocation unknown under soft-fail).
    pub warnings: Vec<String>,
}

impl MailValidationReport {
    /// The failure as one line for people, `None` when valid.
    pub fn reason(&self) -> Option<String> {
        self.failed_rule.as_ref().map(|f| f.to_string())
    }
}

/// Validate `leaf` through `intermediates` to one of `anchors` at `options.time` (RFC 5280
/// 6.1, with `revocation` when given), then the RFC 8550 rules for `usage` on the leaf. The
/// path's failure is reported before any mail rule.
pub fn validate_for_mail(
    leaf: &Certificate,
    intermediates: &[Certificate],
    anchors: &[Certificate],
    options: &ValidationOptions,
    revocation: Option<&dyn RevocationCheck>,
    usage: MailUse<'_>,
) -> MailValidationReport {
    let report = validate(leaf, intermediates, anchors, options, revocation);
    let failed_rule = match &report.failure {
        Some(f) => Some(FailedRule {
            id: serde_json::to_value(f.rule)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            rfc_section: format!("RFC 5280 {}", f.rule.section()),
            certificate_index: f.index,
            subject: f.subject.clone(),
            message: f.detail.clone(),
        }),
        None => check_mail_rules(leaf, usage.purpose, usage.address)
            .err()
            .map(|m| FailedRule {
                id: m.id.to_string(),
                rfc_section: m.rfc_section.to_string(),
                certificate_index: 0,
                subject: describe_name(&leaf.tbs_certificate.subject),
                message: m.message,
            }),
    };
    MailValidationReport {
        valid: failed_rule.is_none(),
        time: rfc3339(options.time),
        path: report.path.iter().map(CertificateSummary::new).collect(),
        failed_rule,
        valid_policies: report.valid_policies,
        warnings: report.warnings,
    }
}

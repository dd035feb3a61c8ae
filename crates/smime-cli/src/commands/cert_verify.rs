//! `smime cert verify`: one certificate validated for S/MIME, with the path and the first
//! rule that failed.

use std::fmt::Write as _;
use std::time::SystemTime;

use anyhow::Result;
use serde::Serialize;
use smime_pkix::anchors::system_anchors;
use smime_pkix::mail::Purpose;
use smime_pkix::mail_validation::{validate_for_mail, MailUse, MailValidationReport};
use smime_pkix::options::{RevocationMode, ValidationOptions};

use smime_pkix::RevocationCheck;

use crate::args::{CertVerifyArgs, PurposeArg};
use crate::commands::verify::{parse_time, print_report};
use crate::{load, revocation};

/// The `--json` report.
#[derive(Serialize)]
struct CertVerifyReport {
    /// `valid` or `invalid`.
    status: &'static str,
    /// `any`, `sign` or `encrypt`.
    purpose: &'static str,
    /// The address checked, if any.
    email: Option<String>,
    #[serde(flatten)]
    validation: MailValidationReport,
}

/// Validate the certificate; returns whether it is valid.
pub fn run(args: &CertVerifyArgs) -> Result<bool> {
    let mut anchors = load::anchors(&args.trust)?;
    if args.system_trust {
        anchors.extend(system_anchors()?);
    }
    let leaf = load::certificate(&args.leaf)?;
    let untrusted = load::certificates(&args.untrusted)?;
    let time = match &args.at {
        Some(at) => parse_time(at)?,
        None => SystemTime::now(),
    };
    let mut options = ValidationOptions::at(time);
    options.allow_legacy = args.allow_legacy;
    let (mode, checker) = revocation::checker(&args.revocation, RevocationMode::SoftFail)?;
    options.revocation = mode;
    let purpose = match args.purpose {
        None => Purpose::Any,
        Some(PurposeArg::Sign) => Purpose::Sign,
        Some(PurposeArg::Encrypt) => Purpose::Encrypt,
    };
    let validation = validate_for_mail(
        &leaf,
        &untrusted,
        &anchors,
        &options,
        checker.as_deref().map(|c| c as &dyn RevocationCheck),
        MailUse {
            purpose,
            address: args.email.as_deref(),
        },
    );
    let valid = validation.valid;
    let report = CertVerifyReport {
        status: if valid { "valid" } else { "invalid" },
        purpose: purpose.name(),
        email: args.email.clone(),
        validation,
    };
    print_report(&report, args.json, human)?;
    Ok(valid)
}

fn human(report: &CertVerifyReport) -> String {
    let v = &report.validation;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Status: {} (for {}{}, at {})",
        report.status,
        report.purpose,
        report
            .email
            .as_deref()
            .map(|e| format!(", address {e}"))
            .unwrap_or_default(),
        v.time
    );
    let _ = writeln!(s, "Path:");
    for (i, c) in v.path.iter().enumerate() {
        let _ = writeln!(
            s,
            "  {i}: {}\n     issuer {}, serial {}, valid {} to {}\n     SHA-256 {}",
            c.subject, c.issuer, c.serial, c.not_before, c.not_after, c.sha256
        );
    }
    if let Some(f) = &v.failed_rule {
        let _ = writeln!(
            s,
            "Failed rule: {} ({}) at certificate {} ({}): {}",
            f.id, f.rfc_section, f.certificate_index, f.subject, f.message
        );
    }
    for w in &v.warnings {
        let _ = writeln!(s, "Warning: {w}");
    }
    s.trim_end().to_string()
}

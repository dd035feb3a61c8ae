//! `smime verify`.

use smime_pkix::options::RevocationMode;
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use serde::Serialize;
use smime::report::VerifyReport;
use smime::verify::{SignerRevocation, Verifier, VerifyOptions};
use smime::CryptoPolicy;
use smime_pkix::RevocationCheck;

use crate::args::VerifyArgs;
use crate::files::{open_input, read_file, Output};
use crate::{load, revocation};

/// Verify the input; returns whether the message is valid.
pub fn run(args: &VerifyArgs) -> Result<bool> {
    let mut options = verify_options(&args.trust, &args.cert)?;
    options.check_chain = !args.no_chain;
    options.check_sender = !args.no_sender_check;
    if args.allow_legacy {
        options.policy = CryptoPolicy::strict().allow_legacy();
    }
    if let Some(at) = &args.at {
        options.at = Some(parse_time(at)?);
    }
    let default = revocation::when_asked(&args.revocation, RevocationMode::SoftFail);
    let (mode, checker) = revocation::checker(&args.revocation, default)?;
    options.revocation = checker.map(|checker| SignerRevocation {
        checker: checker as Arc<dyn RevocationCheck + Send + Sync>,
        mode,
    });
    let verifier = Verifier::new(options);
    let input = open_input(args.input.as_deref())?;
    let mut content_out = args
        .content_out
        .as_deref()
        .map(|p| Output::create(Some(p)))
        .transpose()?;
    let report = match &args.content {
        Some(path) => {
            let content = read_file(path)?;
            let sink = content_out.as_mut().map(|o| o as &mut dyn Write);
            verifier.verify_cms(input, Some(&mut &content[..]), sink)?
        }
        None => verifier.verify(input, content_out.as_mut().map(|o| o as &mut dyn Write))?,
    };
    if let Some(out) = content_out {
        out.commit()?;
    }
    print_report(&report, args.json, human)?;
    Ok(report.valid)
}

/// Options trusting the `--trust` anchors, with the `--cert` certificates as extra
/// candidates for signers and intermediates (shared with `smime verify-receipt`).
pub(crate) fn verify_options(trust: &[PathBuf], cert: &[PathBuf]) -> Result<VerifyOptions> {
    let mut options = VerifyOptions::new(load::anchors(trust)?);
    options.certificates = load::certificates(cert)?;
    Ok(options)
}

/// Print a report on standard output: JSON with `--json`, else `human`'s text.
pub(crate) fn print_report<R: Serialize>(
    report: &R,
    json: bool,
    human: fn(&R) -> String,
) -> Result<()> {
    let text = if json {
        serde_json::to_string_pretty(report)?
    } else {
        human(report)
    };
    crate::files::print_stdout(&text)
}

/// The name a status enum has in the JSON report (e.g. `"valid"`), for the text report.
pub(crate) fn json_name(value: impl Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// Parse an RFC 3339 time such as `2024-05-01T12:00:00Z`.
pub fn parse_time(text: &str) -> Result<std::time::SystemTime> {
    let dt: der::DateTime = text
        .trim_end_matches('Z')
        .parse::<der::DateTime>()
        .or_else(|_| format!("{}Z", text.trim_end_matches('Z')).parse())
        .with_context(|| {
            format!("--at {text}: expected an RFC 3339 time such as 2024-05-01T12:00:00Z")
        })?;
    Ok(dt.to_system_time())
}

/// The report for people (also the receipt signature's part of `verify-receipt`).
pub(crate) fn human(report: &VerifyReport) -> String {
    let mut s = String::new();
    let status = json_name(report.status);
    let _ = writeln!(
        s,
        "Status: {status} ({})",
        if report.valid {
            "the message is valid"
        } else {
            "NOT valid"
        }
    );
    let _ = writeln!(s, "Form: {}", report.form);
    if let Some(from) = &report.from {
        let _ = writeln!(s, "From: {from}");
    }
    if let Some(ct) = &report.signed_content_type {
        let _ = writeln!(s, "Signed content: {ct}");
    }
    for (i, signer) in report.signers.iter().enumerate() {
        let status = json_name(signer.status);
        let _ = writeln!(s, "Signer {}: {status}", i + 1);
        let fields = [
            ("Subject", signer.subject.clone()),
            ("Issuer", signer.issuer.clone()),
            ("Serial", signer.serial.clone()),
            (
                "Emails",
                Some(signer.emails.join(", ")).filter(|e| !e.is_empty()),
            ),
            ("Signing time", signer.signing_time.clone()),
            ("Digest", signer.digest_algorithm.clone()),
            ("Signature", signer.signature_algorithm.clone()),
            ("Key", signer.public_key.clone()),
        ];
        for (name, value) in fields {
            if let Some(v) = value {
                let _ = writeln!(s, "  {name}: {v}");
            }
        }
        if let Some(r) = &signer.receipt_request {
            let _ = writeln!(
                s,
                "  Receipt requested: to {} (from {}{})",
                r.receipts_to.join(", "),
                r.receipts_from,
                if r.receipts_from_list.is_empty() {
                    String::new()
                } else {
                    format!(": {}", r.receipts_from_list.join(", "))
                }
            );
        }
        let chain = &signer.chain;
        let mut line = format!("  Chain: {}", chain.status);
        if !chain.path.is_empty() {
            let _ = write!(line, " ({})", chain.path.join(" -> "));
        }
        if let Some(r) = &chain.reason {
            let _ = write!(line, ": {r}");
        }
        if let (Some(at), Some(src)) = (&chain.validated_at, &chain.time_source) {
            let _ = write!(line, " [at {at}, {src}]");
        }
        let _ = writeln!(s, "{line}");
        for w in &chain.warnings {
            let _ = writeln!(s, "  Chain warning: {w}");
        }
        for p in &signer.problems {
            let _ = writeln!(s, "  Problem: {p}");
        }
    }
    for w in &report.warnings {
        let _ = writeln!(s, "Warning: {w}");
    }
    s.trim_end().to_string()
}

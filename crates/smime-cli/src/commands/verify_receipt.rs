//! `smime verify-receipt`: check a signed receipt against the message we sent (RFC 2634).

use std::fmt::Write as _;

use anyhow::{Context, Result};
use smime::receipt::{verify_receipt, ReceiptReport};

use crate::args::VerifyReceiptArgs;
use crate::commands::verify::{self, json_name, print_report, verify_options};
use crate::files::open_input;

/// Check the receipt; returns whether it is valid for the original message.
pub fn run(args: &VerifyReceiptArgs) -> Result<bool> {
    let options = verify_options(&args.trust, &args.cert)?;
    let original = std::fs::File::open(&args.original)
        .with_context(|| format!("cannot open {}", args.original.display()))?;
    let input = open_input(args.input.as_deref())?;
    let report = verify_receipt(input, std::io::BufReader::new(original), &options)
        .with_context(|| format!("checking the receipt against {}", args.original.display()))?;
    print_report(&report, args.json, human)?;
    Ok(report.valid)
}

/// The report for people.
fn human(report: &ReceiptReport) -> String {
    let mut s = String::new();
    let status = json_name(report.status);
    let _ = writeln!(
        s,
        "Receipt: {status} ({})",
        if report.valid {
            "the receipt acknowledges the message we sent"
        } else {
            "NOT valid"
        }
    );
    let _ = writeln!(
        s,
        "Content identifier: {}",
        report.signed_content_identifier
    );
    let _ = writeln!(s, "Content type: {}", report.content_type);
    for m in &report.mismatches {
        let _ = writeln!(s, "Mismatch: {m}");
    }
    for w in &report.warnings {
        let _ = writeln!(s, "Warning: {w}");
    }
    let _ = writeln!(s, "Receipt signature:");
    for line in verify::human(&report.signature).lines() {
        let _ = writeln!(s, "  {line}");
    }
    s.trim_end().to_string()
}

//! `smime open`: peel every layer, verify every signature, report each layer.

use std::fmt::Write as _;

use anyhow::{bail, Result};
use smime::crypto::DecryptingKey;
use smime::mime::header_protection::OuterStatus;
use smime::open::{OpenOptions, OpenReport, Opener};
use smime::CryptoPolicy;

use crate::args::OpenArgs;
use crate::files::{open_input, read_file, Output};
use crate::load;

/// Open the input; returns whether every layer is good (exit code 1 when not). The report
/// goes to standard error, since standard output may carry the message.
pub fn run(args: &OpenArgs) -> Result<bool> {
    if args.cert.len() != args.key.len() {
        bail!(
            "give one --key per --cert ({} certificates, {} keys)",
            args.cert.len(),
            args.key.len()
        );
    }
    let mut recipients = Vec::new();
    for (cert, key) in args.cert.iter().zip(&args.key) {
        let certificate = load::certificate(cert)?;
        let key = DecryptingKey::from_pem_or_der(&read_file(key)?, &key.display().to_string())?;
        recipients.push((certificate, key));
    }
    let policy = if args.allow_legacy {
        CryptoPolicy::strict().allow_legacy()
    } else {
        CryptoPolicy::strict()
    };
    let mut options = OpenOptions::new(load::anchors(&args.trust)?);
    options.max_decompressed = args.max_size;
    let opener = Opener::new(recipients, policy, options);
    let input = open_input(args.io.input.as_deref())?;
    let mut output = Output::create(args.io.output.as_deref())?;
    let report = opener.open(input, &mut output)?;
    if report.valid {
        output.commit()?;
    }
    // The temporary output file of an invalid message is dropped (deleted) here.
    if args.json {
        eprintln!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        eprintln!("{}", human(&report));
    }
    Ok(report.valid)
}

/// The report for people.
fn human(report: &OpenReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Status: {}",
        if report.valid {
            "every layer is good"
        } else {
            "NOT valid"
        }
    );
    for layer in &report.layers {
        let kind = match layer.kind {
            smime::open::LayerKind::Encrypted => "encrypted",
            smime::open::LayerKind::Signed => "signed",
            smime::open::LayerKind::Compressed => "compressed",
        };
        let _ = writeln!(
            s,
            "Layer {}: {kind} ({}{}): {}",
            layer.depth,
            layer.form,
            layer
                .algorithm
                .as_deref()
                .map(|a| format!(", {a}"))
                .unwrap_or_default(),
            layer.status
        );
        for party in &layer.parties {
            let _ = writeln!(
                s,
                "  {}: {party}",
                if layer.kind == smime::open::LayerKind::Signed {
                    "Signer"
                } else {
                    "Recipient"
                }
            );
        }
        for p in &layer.problems {
            let _ = writeln!(s, "  Problem: {p}");
        }
        for w in &layer.warnings {
            let _ = writeln!(s, "  Warning: {w}");
        }
    }
    let _ = writeln!(
        s,
        "Protected entity: {}{}",
        report.protected_part,
        report
            .content_type
            .as_deref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default()
    );
    for part in &report.not_merged {
        let _ = writeln!(
            s,
            "Not merged: {} ({}), outside the protected part",
            part.part, part.content_type
        );
    }
    if let Some(hp) = &report.header_protection {
        let _ = writeln!(s, "Header protection: hp=\"{}\"", hp.hp);
        for field in &hp.protected {
            let _ = writeln!(s, "  {}: {}", field.name, field.value);
        }
        for check in hp
            .outer
            .iter()
            .filter(|c| !matches!(c.status, OuterStatus::Same))
        {
            let status = match check.status {
                OuterStatus::Same => "same",
                OuterStatus::Obscured => "obscured outside",
                OuterStatus::Removed => "left out outside",
                OuterStatus::Changed => "CHANGED outside",
                OuterStatus::Missing => "MISSING outside",
                OuterStatus::Unprotected => "outside only, not protected",
            };
            let _ = writeln!(
                s,
                "  outer {}: {status} ({})",
                check.name,
                check.outer.join(" | ")
            );
        }
        for p in &hp.problems {
            let _ = writeln!(s, "  Problem: {p}");
        }
    }
    for note in &report.notes {
        let _ = writeln!(s, "Note: {note}");
    }
    s.trim_end().to_string()
}

//! `smime decrypt`.

use anyhow::Result;
use smime::crypto::DecryptingKey;
use smime::decrypt::{DecryptStatus, Decryptor};
use smime::CryptoPolicy;

use crate::args::DecryptArgs;
use crate::files::{open_input, read_file, Output};
use crate::load;

/// Decrypt the input; returns whether it could be decrypted (exit code 1 when not).
pub fn run(args: &DecryptArgs) -> Result<bool> {
    let certificate = load::certificate(&args.cert)?;
    let key =
        DecryptingKey::from_pem_or_der(&read_file(&args.key)?, &args.key.display().to_string())?;
    let decryptor = Decryptor::new(certificate, key, CryptoPolicy::strict());
    let input = open_input(args.io.input.as_deref())?;
    let mut output = Output::create(args.io.output.as_deref())?;
    let report = decryptor.decrypt(input, &mut output)?;
    if args.json {
        eprintln!("{}", serde_json::to_string_pretty(&report)?);
    }
    if report.status != DecryptStatus::Decrypted {
        // The temporary output file is dropped (deleted): nothing half-decrypted remains.
        eprintln!(
            "smime: {}",
            report.reason.as_deref().unwrap_or("decryption failed")
        );
        return Ok(false);
    }
    output.commit()?;
    if !args.json {
        eprintln!(
            "smime: decrypted {} ({}, {}), key transport {}{}",
            report.content_type,
            report.cipher,
            if report.authenticated {
                "authenticated"
            } else {
                "NOT authenticated: CBC content can be changed unnoticed unless it is also signed"
            },
            report.key_transport.as_deref().unwrap_or("?"),
            report
                .recipient
                .map(|r| format!(", recipient {r} of {}", report.recipients))
                .unwrap_or_default()
        );
    }
    Ok(true)
}

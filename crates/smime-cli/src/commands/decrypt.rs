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
    let policy = if args.allow_legacy {
        CryptoPolicy::strict().allow_legacy()
    } else {
        CryptoPolicy::strict()
    };
    let decryptor = Decryptor::new(certificate, key, policy);
    let input = open_input(args.io.input.as_deref())?;
    // The plaintext goes to a temporary file (also for standard output) that is renamed
    // or copied into place only once it is authenticated; on failure it is deleted.
    let mut output = Output::create_held(args.io.output.as_deref())?;
    let report = decryptor.decrypt_to_sink(input, &mut output)?;
    if args.json {
        eprintln!("{}", serde_json::to_string_pretty(&report)?);
    }
    if report.status != DecryptStatus::Decrypted {
        // The sink was discarded (the temporary file deleted): nothing half-decrypted remains.
        eprintln!(
            "smime: {}",
            report.reason.as_deref().unwrap_or("decryption failed")
        );
        return Ok(false);
    }
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

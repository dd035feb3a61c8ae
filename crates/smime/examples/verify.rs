//! Verify a signed message with the library and print the report as JSON.
//!
//! ```text
//! cargo run -p smime --example verify -- CA.pem < signed.eml
//! ```
use std::io::stdin;

use smime::crypto::load_certificates;
use smime::verify::{Verifier, VerifyOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(ca_path) = std::env::args().nth(1) else {
        eprintln!("usage: verify CA.pem < signed.eml");
        std::process::exit(2);
    };
    let anchors = load_certificates(&std::fs::read(&ca_path)?, &ca_path)?;
    let report = Verifier::new(VerifyOptions::new(anchors)).verify(stdin().lock(), None)?;
    // A bad signature is a result, not an error: look at the report.
    println!(
        "{}: {:?}",
        if report.valid { "valid" } else { "NOT valid" },
        report.status
    );
    for signer in &report.signers {
        println!(
            "  {:?} {:?} chain {}",
            signer.subject, signer.status, signer.chain.status
        );
    }
    std::process::exit(if report.valid { 0 } else { 1 });
}

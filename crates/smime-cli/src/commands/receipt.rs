//! `smime receipt`: the signed receipt (RFC 2634) for a received message that asks for one.

use std::io::Write;
use std::time::SystemTime;

use anyhow::Result;
use smime::cms::signed_builder::SignerSpec;
use smime::receipt::{make_receipt, ReceiptOutcome};
use smime::verify::VerifyOptions;

use crate::args::ReceiptArgs;
use crate::files::{open_input, Output};
use crate::load;

/// Verify the received message and write its receipt. `Ok(false)` (exit code 1) when the
/// signature asking for the receipt does not verify: then nothing is written.
pub fn run(args: &ReceiptArgs) -> Result<bool> {
    let certificate = load::certificate(&args.cert)?;
    let key = load::private_key(&args.key)?;
    let scheme = key.scheme(key.default_digest(), false)?;
    let signer = SignerSpec {
        certificate,
        key,
        scheme,
        chain: load::certificates(&args.chain)?,
        encryption_certificate: None,
        extra_attributes: vec![],
    };
    let mut options = VerifyOptions::new(load::anchors(&args.trust)?);
    options.check_chain = !options.trust_anchors.is_empty();
    options.check_sender = false;
    let input = open_input(args.io.input.as_deref())?;
    match make_receipt(input, signer, &options, Some(SystemTime::now()))? {
        ReceiptOutcome::Made(receipt) => {
            let mut output = Output::create(args.io.output.as_deref())?;
            output.write_all(&receipt.message)?;
            output.commit()?;
            eprintln!(
                "smime: signed receipt for content {} made, to be sent to {}",
                receipt.signed_content_identifier,
                receipt.receipts_to.join(", ")
            );
            Ok(true)
        }
        ReceiptOutcome::NotValid(report) => {
            let problems: Vec<&str> = report
                .signers
                .iter()
                .flat_map(|s| s.problems.iter().map(String::as_str))
                .collect();
            eprintln!(
                "smime: no receipt made: the signature asking for it is not valid: {}",
                problems.join("; ")
            );
            Ok(false)
        }
    }
}

//! `smime protect`: sign, then encrypt, in one pass, with header protection (RFC 9788).

use std::time::SystemTime;

use anyhow::{bail, Result};
use smime::protect::{ProtectOptions, Protector};
use smime::sign::{SignForm, SignOptions, Signer};

use crate::args::{ProtectArgs, RecipientIdArg, StoreFlags};
use crate::commands::{encrypt, sign};
use crate::files::{open_input, Output};
use crate::load;

/// Protect the input message.
pub fn run(args: &ProtectArgs, flags: &StoreFlags) -> Result<()> {
    if args.triple_wrap && args.recipients.to.is_empty() {
        bail!("--triple-wrap signs, encrypts and signs again: give the recipients with --to");
    }
    let chain = load::certificates(&args.chain)?;
    let spec = sign::signer_spec(
        &args.cert,
        &args.key,
        &chain,
        args.digest,
        false,
        None,
        vec![],
    )?;
    let signer = Signer::new(
        vec![spec],
        SignOptions {
            form: if args.opaque {
                SignForm::Opaque
            } else {
                SignForm::Detached
            },
            signing_time: Some(SystemTime::now()),
        },
    )?;
    let encryptor = if args.recipients.to.is_empty() {
        None
    } else {
        Some(encrypt::encryptor(
            &args.recipients,
            RecipientIdArg::IssuerSerial,
            flags,
        )?)
    };
    let protector = Protector::new(
        signer,
        encryptor,
        ProtectOptions {
            triple_wrap: args.triple_wrap,
            keep_subject: args.keep_subject,
            compress: args.compress,
        },
    )?;
    let input = open_input(args.io.input.as_deref())?;
    let mut output = Output::create(args.io.output.as_deref())?;
    let report = protector.protect(input, &mut output)?;
    output.commit()?;
    eprintln!(
        "smime: protected: {} (inside out), header protection hp=\"{}\"",
        report.layers.join(", "),
        report.header_protection.as_str()
    );
    Ok(())
}

//! `smime sign`.

use std::path::Path;
use std::time::SystemTime;

use anyhow::{bail, Context, Result};
use smime::cms::receipt::{self, ReceiptRequest, ReceiptsFrom};
use smime::cms::signed_builder::SignerSpec;
use smime::crypto::DigestAlgorithm;
use smime::sign::{SignForm, SignOptions, Signer};
use x509_cert::Certificate;

use crate::args::{DigestArg, ReceiptFromArg, SignArgs, StoreFlags};
use crate::files::{input_len, open_input, Output};
use crate::{load, progress, store};

/// Sign the input message.
pub fn run(args: &SignArgs, flags: &StoreFlags) -> Result<()> {
    if args.cert.len() != args.key.len() {
        bail!(
            "give one --key per --cert ({} certificates, {} keys)",
            args.cert.len(),
            args.key.len()
        );
    }
    let chain = load::certificates(&args.chain)?;
    let encryption_certificate = args
        .encryption_cert
        .as_deref()
        .map(load::certificate)
        .transpose()?;
    let receipt_request = receipt_request_attribute(args)?;
    let mut signers = Vec::new();
    for (cert_path, key_path) in args.cert.iter().zip(&args.key) {
        signers.push(signer_spec(
            cert_path,
            key_path,
            &chain,
            args.digest,
            args.pss,
            encryption_certificate.clone(),
            receipt_request.iter().cloned().collect(),
        )?);
    }
    if !args.from.is_empty() {
        // The signing key, certificate and chain of each address from the store; every
        // use is audited there.
        let store = store::open(flags)?;
        let actor = store::actor(&store, flags)?;
        let keys = store::unlock(&store, flags)?;
        for address in &args.from {
            let (certificate, stored_chain, key) = store
                .signing_key(&actor, &keys.kek, &keys.tokens, address, SystemTime::now())
                .with_context(|| format!("--from {address}"))?;
            let mut signer_chain = stored_chain;
            signer_chain.extend(chain.iter().cloned());
            signers.push(spec_from(
                certificate,
                key,
                signer_chain,
                args.digest,
                args.pss,
                encryption_certificate.clone(),
                receipt_request.iter().cloned().collect(),
            )?);
        }
    }
    let options = SignOptions {
        form: if args.opaque {
            SignForm::Opaque
        } else {
            SignForm::Detached
        },
        signing_time: (!args.no_signing_time).then(SystemTime::now),
    };
    let signer = Signer::new(signers, options)?;
    let input = open_input(args.io.input.as_deref())?;
    let mut output = Output::create(args.io.output.as_deref())?;
    let bar = progress::bar(input_len(args.io.input.as_deref()));
    signer.sign(input, &mut output, &mut |n| bar.set_position(n))?;
    bar.finish_and_clear();
    output.commit()
}

/// The receiptRequest attribute for `--receipt-request` (RFC 2634 2.7), the same for every
/// signer; `None` without the flag.
fn receipt_request_attribute(args: &SignArgs) -> Result<Option<Vec<u8>>> {
    if args.receipt_request.is_empty() {
        return Ok(None);
    }
    let from = ReceiptsFrom::AllOrFirstTier(match args.receipt_from {
        ReceiptFromArg::All => receipt::ALL_RECEIPTS,
        ReceiptFromArg::FirstTier => receipt::FIRST_TIER_RECIPIENTS,
    });
    let request = ReceiptRequest::new(&args.receipt_request, from).context("--receipt-request")?;
    Ok(Some(request.to_attribute()?))
}

/// One signer from its certificate and key files. Shared with `smime protect`.
pub fn signer_spec(
    cert: &Path,
    key: &Path,
    chain: &[Certificate],
    digest: DigestArg,
    pss: bool,
    encryption_certificate: Option<Certificate>,
    extra_attributes: Vec<Vec<u8>>,
) -> Result<SignerSpec> {
    spec_from(
        load::certificate(cert)?,
        load::private_key(key)?,
        chain.to_vec(),
        digest,
        pss,
        encryption_certificate,
        extra_attributes,
    )
}

/// One signer from its certificate and key (from files or the store).
fn spec_from(
    certificate: Certificate,
    key: smime::crypto::PrivateKey,
    chain: Vec<Certificate>,
    digest: DigestArg,
    pss: bool,
    encryption_certificate: Option<Certificate>,
    extra_attributes: Vec<Vec<u8>>,
) -> Result<SignerSpec> {
    let digest = match digest {
        DigestArg::Auto => None,
        DigestArg::Sha256 => Some(DigestAlgorithm::Sha256),
        DigestArg::Sha384 => Some(DigestAlgorithm::Sha384),
        DigestArg::Sha512 => Some(DigestAlgorithm::Sha512),
    };
    let scheme = key.scheme(digest.unwrap_or_else(|| key.default_digest()), pss)?;
    Ok(SignerSpec {
        certificate,
        key,
        scheme,
        chain,
        encryption_certificate,
        extra_attributes,
    })
}

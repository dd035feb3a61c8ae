//! `smime encrypt`.

use smime_pkix::options::RevocationMode;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{bail, Result};
use smime::cipher_choice::{choose_cipher, recipient_ciphers};
use smime::cms::enveloped_builder::{RecipientIdentifierKind, RecipientSpec};
use smime::crypto::cipher::ContentCipher;
use smime::crypto::key_transport::KeyTransport;
use smime::encrypt::{EncryptOptions, Encryptor};
use smime::report::SignerReport;
use smime::verify::{Verifier, VerifyOptions};
use smime_pkix::mail::Purpose;
use smime_pkix::mail_validation::{validate_for_mail, MailUse};
use smime_pkix::options::ValidationOptions;
use smime_pkix::RevocationCheck;
use x509_cert::Certificate;

use crate::args::{
    CipherArg, EncryptArgs, KeyTransportArg, RecipientArgs, RecipientIdArg, StoreFlags,
};
use crate::files::{open_input, read_file, Output};
use crate::store::{self, LazyStore};
use crate::{load, revocation};

/// Encrypt the input message to the recipients.
pub fn run(args: &EncryptArgs, flags: &StoreFlags) -> Result<()> {
    let encryptor = encryptor(&args.recipients, args.recipient_id, flags)?;
    let input = open_input(args.io.input.as_deref())?;
    let mut output = Output::create(args.io.output.as_deref())?;
    encryptor.encrypt(input, &mut output)?;
    output.commit()
}

/// The encryptor for the recipient certificates of `--to` (and `--self`), telling on
/// standard error which cipher `auto` chose and why (from the SMIMECapabilities of the
/// signed messages of `--capabilities`). Shared with `smime protect`.
pub fn encryptor(
    recipients: &RecipientArgs,
    recipient_id: RecipientIdArg,
    flags: &StoreFlags,
) -> Result<Encryptor> {
    let transport = match recipients.key_transport {
        KeyTransportArg::Oaep => KeyTransport::DEFAULT,
        KeyTransportArg::Pkcs1 => KeyTransport::RsaPkcs1,
    };
    let identifier = match recipient_id {
        RecipientIdArg::IssuerSerial => RecipientIdentifierKind::IssuerAndSerial,
        RecipientIdArg::Ski => RecipientIdentifierKind::SubjectKeyIdentifier,
    };
    let mut lazy = LazyStore::new(flags);
    let mut certificates = Vec::new();
    for to in &recipients.to {
        certificates.extend(recipient_certificates(to, &mut lazy)?);
    }
    if let Some(own) = recipients.self_cert.as_deref() {
        for own in recipient_certificates(own, &mut lazy)? {
            if !certificates.contains(&own) {
                certificates.push(own);
            }
        }
    }
    if !recipients.trust.is_empty() {
        refuse_invalid_recipients(&certificates, recipients)?;
    }
    let cipher = match recipients.cipher {
        CipherArg::Auto => {
            let signers = announced_capabilities(&recipients.capabilities)?;
            let choice = choose_cipher(&recipient_ciphers(&certificates, &signers));
            eprintln!(
                "smime: cipher {} (auto): {}",
                choice.cipher.name(),
                choice.reason
            );
            choice.cipher
        }
        CipherArg::Aes128Gcm => ContentCipher::Aes128Gcm,
        CipherArg::Aes256Gcm => ContentCipher::Aes256Gcm,
        CipherArg::ChaCha20Poly1305 => ContentCipher::ChaCha20Poly1305,
        CipherArg::Aes128Cbc => ContentCipher::Aes128Cbc,
        CipherArg::Aes256Cbc => ContentCipher::Aes256Cbc,
    };
    let specs = certificates
        .into_iter()
        .map(|certificate| RecipientSpec {
            certificate,
            transport,
            identifier,
        })
        .collect();
    let options = EncryptOptions {
        cipher,
        at: SystemTime::now(),
    };
    Ok(Encryptor::new(specs, options)?)
}

/// The certificates of one `--to` value: a file (a PEM file may hold several), or an
/// address whose valid encryption certificate is looked up in the store.
fn recipient_certificates(to: &Path, lazy: &mut LazyStore) -> Result<Vec<Certificate>> {
    if store::is_address(to) {
        let address = to.to_string_lossy();
        return Ok(vec![store::encryption_certificate(lazy.get()?, &address)?]);
    }
    load::certificates(&[to])
}

/// With `--trust`: every recipient must validate for encryption now (RFC 5280 path to an
/// anchor, RFC 8550 rules); the first that does not is an error naming it and the rule.
fn refuse_invalid_recipients(certificates: &[Certificate], args: &RecipientArgs) -> Result<()> {
    let anchors = load::anchors(&args.trust)?;
    let untrusted = load::certificates(&args.untrusted)?;
    let mut options = ValidationOptions::at(SystemTime::now());
    let default = revocation::when_asked(&args.revocation, RevocationMode::HardFail);
    let (mode, checker) = revocation::checker(&args.revocation, default)?;
    options.revocation = mode;
    for (i, cert) in certificates.iter().enumerate() {
        let report = validate_for_mail(
            cert,
            &untrusted,
            &anchors,
            &options,
            checker.as_deref().map(|c| c as &dyn RevocationCheck),
            MailUse {
                purpose: Purpose::Encrypt,
                address: None,
            },
        );
        if let Some(failure) = report.failed_rule {
            bail!(
                "recipient {} ({}) does not validate: {failure} [rule {}]",
                i + 1,
                smime::crypto::describe_name(&cert.tbs_certificate.subject),
                failure.id
            );
        }
    }
    Ok(())
}

/// The signers of the `--capabilities` messages whose signature verified. A message without
/// a valid signature is an error: its capabilities could be anyone's. The chain is not
/// checked (the capabilities only choose among ciphers we would write anyway).
fn announced_capabilities(paths: &[PathBuf]) -> Result<Vec<SignerReport>> {
    let mut options = VerifyOptions::new(vec![]);
    options.check_chain = false;
    options.check_sender = false;
    let verifier = Verifier::new(options);
    let mut signers = Vec::new();
    for path in paths {
        let report = verifier
            .verify_bytes(&read_file(path)?)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let valid: Vec<SignerReport> = report
            .signers
            .into_iter()
            .filter(|s| s.signature_valid)
            .collect();
        if valid.is_empty() {
            bail!(
                "{}: no valid signature, so its SMIMECapabilities cannot be trusted",
                path.display()
            );
        }
        if valid.iter().all(|s| s.capabilities.is_empty()) {
            eprintln!(
                "smime: {}: the signer announced no SMIMECapabilities",
                path.display()
            );
        }
        signers.extend(valid);
    }
    Ok(signers)
}

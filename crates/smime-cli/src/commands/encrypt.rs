//! `smime encrypt`.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::Result;
use smime::cms::enveloped_builder::{RecipientIdentifierKind, RecipientSpec};
use smime::crypto::cipher::ContentCipher;
use smime::crypto::key_transport::KeyTransport;
use smime::encrypt::{EncryptOptions, Encryptor};

use crate::args::{CipherArg, EncryptArgs, KeyTransportArg, RecipientIdArg};
use crate::files::{open_input, Output};
use crate::load;

/// Encrypt the input message to the recipients.
pub fn run(args: &EncryptArgs) -> Result<()> {
    let encryptor = encryptor(
        &args.to,
        args.self_cert.as_deref(),
        args.cipher,
        args.key_transport,
        args.recipient_id,
    )?;
    let input = open_input(args.io.input.as_deref())?;
    let mut output = Output::create(args.io.output.as_deref())?;
    encryptor.encrypt(input, &mut output)?;
    output.commit()
}

/// The encryptor for the recipient certificates in `to` (and `self_cert`), telling on
/// standard error which cipher `auto` chose and why. Shared with `smime protect`.
pub fn encryptor(
    to: &[PathBuf],
    self_cert: Option<&Path>,
    cipher: CipherArg,
    key_transport: KeyTransportArg,
    recipient_id: RecipientIdArg,
) -> Result<Encryptor> {
    let cipher = match cipher {
        CipherArg::Auto => {
            eprintln!(
                "smime: cipher AES-256-CBC (auto): the recipients' capabilities are not known, and \
                 Outlook, Apple Mail and NSS cannot read AES-GCM (AuthEnvelopedData); \
                 use --cipher aes-256-gcm when every recipient reads it"
            );
            ContentCipher::Aes256Cbc
        }
        CipherArg::Aes128Gcm => ContentCipher::Aes128Gcm,
        CipherArg::Aes256Gcm => ContentCipher::Aes256Gcm,
        CipherArg::ChaCha20Poly1305 => ContentCipher::ChaCha20Poly1305,
        CipherArg::Aes128Cbc => ContentCipher::Aes128Cbc,
        CipherArg::Aes256Cbc => ContentCipher::Aes256Cbc,
    };
    let transport = match key_transport {
        KeyTransportArg::Oaep => KeyTransport::DEFAULT,
        KeyTransportArg::Pkcs1 => KeyTransport::RsaPkcs1,
    };
    let identifier = match recipient_id {
        RecipientIdArg::IssuerSerial => RecipientIdentifierKind::IssuerAndSerial,
        RecipientIdArg::Ski => RecipientIdentifierKind::SubjectKeyIdentifier,
    };
    let mut certificates = load::certificates(to)?;
    if let Some(own) = self_cert {
        let own = load::certificate(own)?;
        if !certificates.contains(&own) {
            certificates.push(own);
        }
    }
    let recipients = certificates
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
    Ok(Encryptor::new(recipients, options)?)
}

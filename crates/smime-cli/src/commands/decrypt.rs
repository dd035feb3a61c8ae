//! `smime decrypt`.

use std::io::{BufReader, Read};

use anyhow::{bail, Context, Result};
use smime::crypto::pkcs12::read_pkcs12;
use smime::crypto::DecryptingKey;
use smime::decrypt::{DecryptStatus, Decryptor};
use smime::recipient::{KeyEncryptionKey, RecipientIdentity};
use smime::CryptoPolicy;
use zeroize::Zeroizing;

use crate::args::{DecryptArgs, StoreFlags};
use crate::files::{open_input, read_file, Output};
use crate::{load, store};

/// Decrypt the input; returns whether it could be decrypted (exit code 1 when not).
pub fn run(args: &DecryptArgs, flags: &StoreFlags) -> Result<bool> {
    let policy = if args.allow_legacy {
        CryptoPolicy::strict().allow_legacy()
    } else {
        CryptoPolicy::strict()
    };
    if args.key.is_none() && args.p12.is_none() && args.kek_file.is_none() {
        return run_from_store(args, flags, policy);
    }
    let identity = identity(args)?;
    let decryptor = Decryptor::with_identity(identity, policy);
    let input = open_input(args.io.input.as_deref())?;
    // The plaintext goes to a temporary file (also for standard output) that is renamed
    // or copied into place only once it is authenticated; on failure it is deleted.
    let mut output = Output::create_held(args.io.output.as_deref())?;
    let report = decryptor.decrypt_to_sink(input, &mut output)?;
    finish(args, &report)
}

/// Decrypt with the store's keys of the addressee, every key it ever had, newest first:
/// streamed like the file-key path (the plaintext is held in a temporary file until it is
/// authenticated). Whose keys: `--for`, else the principal's own address, else the
/// message's To/Cc addressees that have keys (read from its header, which is then decrypted
/// along with the rest).
fn run_from_store(args: &DecryptArgs, flags: &StoreFlags, policy: CryptoPolicy) -> Result<bool> {
    let store = store::open(flags)
        .context("no --key, --p12 or --kek-file given, so the store's keys are used")?;
    let actor = store::actor(&store, flags)?;
    let mut input = BufReader::new(open_input(args.io.input.as_deref())?);
    let (owners, header) = match (&args.for_address, &actor.address) {
        (Some(address), _) => (vec![address.clone()], Vec::new()),
        (None, Some(own)) => (vec![own.clone()], Vec::new()),
        (None, None) => {
            let block = smime::message::read_header_block(&mut input, "message")?;
            (addressees_with_keys(&store, &actor, &block)?, block.bytes)
        }
    };
    let keys = store::unlock(&store, flags)?;
    let mut output = Output::create_held(args.io.output.as_deref())?;
    let report = store
        .decrypt_to_sink(
            &actor,
            &keys.kek,
            &keys.tokens,
            &owners,
            (&header[..]).chain(input),
            &mut output,
            policy,
        )
        .with_context(|| format!("decrypting for {}", owners.join(", ")))?;
    finish(args, &report)
}

/// The To and Cc addresses of the message header `block` for which the store holds keys
/// (when neither --for nor the principal's own address says whose keys to use).
fn addressees_with_keys(
    store: &smime_store::Store,
    actor: &smime_store::roles::Actor,
    block: &smime::message::HeaderBlock,
) -> Result<Vec<String>> {
    let ring = store.key_ring(actor, None)?;
    let mut owners: Vec<String> = Vec::new();
    for name in ["To", "Cc", "Delivered-To"] {
        for header in block.entity.headers_named(name) {
            for mailbox in smime::mime::parse_mailboxes(&header.value()) {
                let address = mailbox.address.to_lowercase();
                if !ring.history(&address).is_empty() && !owners.contains(&address) {
                    owners.push(address);
                }
            }
        }
    }
    if owners.is_empty() {
        bail!(
            "none of the message's To/Cc addresses has a key in the store at {}: give --for ADDR",
            store.location()
        );
    }
    Ok(owners)
}

/// Report the outcome; `Ok(false)` (exit code 1) when the message did not open.
fn finish(args: &DecryptArgs, report: &smime::decrypt::DecryptReport) -> Result<bool> {
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
            "smime: decrypted {} ({}, {}), key management {}{}",
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

/// The decryption identity from the flags: a key-encryption key, a PKCS#12 file, or a key
/// with or without its certificate.
fn identity(args: &DecryptArgs) -> Result<RecipientIdentity> {
    if let (Some(file), Some(id)) = (&args.kek_file, &args.kek_id) {
        let id = decode_hex(id.trim()).with_context(|| format!("--kek-id {id}"))?;
        let kek = KeyEncryptionKey::new(id, read_kek(&read_file(file)?))
            .with_context(|| file.display().to_string())?;
        return Ok(RecipientIdentity::kek(kek));
    }
    if let Some(p12) = &args.p12 {
        let password = match &args.password_file {
            Some(file) => password_from(&read_file(file)?)
                .with_context(|| format!("{}: the password file", file.display()))?,
            None => Zeroizing::new(String::new()),
        };
        let what = p12.display().to_string();
        let identity = read_pkcs12(&read_file(p12)?, &password, &what)?;
        let key = DecryptingKey::from_pem_or_der(&identity.key_der, &what)?;
        return Ok(RecipientIdentity::new(identity.certificate, key)
            .try_every_recipient(args.try_all_recipients));
    }
    let Some(key_path) = &args.key else {
        bail!("give --key (with or without --cert), --p12 or --kek-file");
    };
    let key =
        DecryptingKey::from_pem_or_der(&read_file(key_path)?, &key_path.display().to_string())?;
    Ok(match &args.cert {
        Some(cert) => RecipientIdentity::new(load::certificate(cert)?, key)
            .try_every_recipient(args.try_all_recipients),
        None => RecipientIdentity::key_only(key),
    })
}

/// A key file: the key bytes as hex (whitespace ignored) when the file is hex text of 32, 48
/// or 64 digits, else the raw bytes.
fn read_kek(bytes: &[u8]) -> Zeroizing<Vec<u8>> {
    let text: Zeroizing<Vec<u8>> = Zeroizing::new(
        bytes
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect(),
    );
    if [32, 48, 64].contains(&text.len()) && text.iter().all(u8::is_ascii_hexdigit) {
        if let Ok(key) = decode_hex(std::str::from_utf8(&text).unwrap_or_default()) {
            return Zeroizing::new(key);
        }
    }
    Zeroizing::new(bytes.to_vec())
}

fn decode_hex(text: &str) -> Result<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("not hex: an even number of hex digits is expected");
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).map_err(Into::into))
        .collect()
}

/// The password: the first line of the file (without its line end).
fn password_from(bytes: &[u8]) -> Result<Zeroizing<String>> {
    let text = std::str::from_utf8(bytes).context("not UTF-8")?;
    Ok(Zeroizing::new(
        text.lines().next().unwrap_or_default().to_string(),
    ))
}

//! `smime store ...`: the certificate and key store from the command line. Every operation
//! runs as the acting principal (`--as`), is checked against its role and audited by the
//! store; a refusal exits with code 2 and names the principal, its role and the operation.

mod archive;
mod import;
mod inventory;
mod principals;

use anyhow::{bail, Result};
use smime_store::kek::Kek;

use crate::args::{StoreCommand, StoreFlags, StoreInitArgs};
use crate::store::{self, Unlock};

/// Run a store command; `Ok(false)` (exit code 1) when `audit --verify` finds a break.
pub fn run(command: &StoreCommand, flags: &StoreFlags) -> Result<bool> {
    match command {
        StoreCommand::Init(a) => init(a, flags).map(|()| true),
        StoreCommand::Import(a) => import::run(a, flags).map(|()| true),
        StoreCommand::List(a) => inventory::list(a, flags).map(|()| true),
        StoreCommand::Show(a) => inventory::show(a, flags).map(|()| true),
        StoreCommand::Export(a) => archive::export(a, flags).map(|()| true),
        StoreCommand::Backup(a) => archive::backup(a, flags).map(|()| true),
        StoreCommand::Restore(a) => archive::restore(a, flags).map(|()| true),
        StoreCommand::Audit(a) => inventory::audit(a, flags),
        StoreCommand::Principal(c) => principals::run(c, flags).map(|()| true),
    }
}

/// `smime store init`: create the store, make the acting principal its first admin and
/// record the key-encryption key (a passphrase stretched with Argon2id, a key file,
/// generated when missing, or an AES-256 key in a PKCS#11 token, made there when missing).
fn init(args: &StoreInitArgs, flags: &StoreFlags) -> Result<()> {
    let name = store::actor_name(flags)?;
    // Read the secret (or open the token) before creating anything: a missing passphrase
    // file or a wrong PIN leaves no half-made store behind.
    let unlock = if args.kek_in_token {
        if store::passphrase_file(flags).is_some() || store::key_file(flags).is_some() {
            bail!("--kek-in-token replaces --passphrase-file and --key-file: give one of them");
        }
        let Some(label) = store::token_label(flags) else {
            bail!("--kek-in-token needs the token: give --token LABEL (or set $SMIME_TOKEN) and --pin-file F");
        };
        Unlock::Token(store::open_token(flags, &label)?, args.kek_label.clone())
    } else {
        Unlock::from_flags(flags, None)?
    };
    if let Unlock::KeyFile(path) = &unlock {
        if !path.exists() {
            Kek::generate_key_file(path)?;
            eprintln!(
                "smime: wrote a new key file {} (keep it safe: without it the keys do not open)",
                path.display()
            );
        }
    }
    let store = store::create(flags)?;
    if let Some(kind) = store.setting("kek.kind")? {
        bail!(
            "the store at {} is already initialised (its keys are sealed under a {kind} key); \
             nothing was changed",
            store.location()
        );
    }
    let actor = store.bootstrap_admin(&name)?;
    store.init_kek(&actor, unlock.source())?;
    if !args.domain.is_empty() {
        let domains: Vec<String> = args
            .domain
            .iter()
            .map(|d| smime_store::certs::normalize_domain(d))
            .collect();
        store.set_setting(
            &actor,
            smime_store::certs::SETTING_ORG_DOMAINS,
            &domains.join(","),
        )?;
    }
    eprintln!(
        "smime: initialised the {} store at {}: admin {name}, keys sealed under {}",
        store.backend().name(),
        store.location(),
        match &unlock {
            Unlock::Passphrase(_) => "a passphrase (Argon2id)".to_string(),
            Unlock::KeyFile(_) => "a key file".to_string(),
            Unlock::Token(token, label) =>
                format!("AES-256 key {label:?} in PKCS#11 token {:?}", token.label()),
        }
    );
    Ok(())
}

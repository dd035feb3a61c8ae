//! The store as the commands see it: where it is (`--store`, `$SMIME_STORE`, the user's data
//! directory), who acts (`--as`, `$SMIME_ACTOR`, `$USER`) and how its private keys are
//! unlocked (`--passphrase-file` / `$SMIME_PASSPHRASE_FILE`, `--key-file` /
//! `$SMIME_KEY_FILE`, or an AES key in a PKCS#11 token), and which PKCS#11 token holds keys
//! (`--pkcs11-module` / `$SMIME_PKCS11_MODULE`, `--token` / `$SMIME_TOKEN`, `--pin-file` /
//! `$SMIME_PIN_FILE`). Every refusal names the store and says what to do.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use anyhow::{anyhow, bail, Context, Result};
use smime_store::kek::{read_secret_file, Kek};
use smime_store::key_store::KekSource;
use smime_store::pkcs11::{read_pin_file, Token, SOFTHSM2_MODULE};
use smime_store::roles::Actor;
use smime_store::Store;
use x509_cert::Certificate;
use zeroize::Zeroizing;

use crate::args::StoreFlags;

/// The store location: `--store`, else `$SMIME_STORE`, else the data-directory default.
pub fn location(flags: &StoreFlags) -> Result<String> {
    match &flags.store {
        Some(url) => Ok(url.clone()),
        None => Ok(smime_store::db::default_location()?),
    }
}

/// The SQLite file of a location, `None` for PostgreSQL (the rule of `Store::open`).
fn sqlite_path(location: &str) -> Option<PathBuf> {
    let lower = location.to_ascii_lowercase();
    if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
        return None;
    }
    Some(PathBuf::from(
        location.strip_prefix("sqlite://").unwrap_or(location),
    ))
}

/// Open an existing, initialised store. A missing SQLite file or a database without a
/// key-encryption key is an error that points to `smime store init` (opening would
/// otherwise create an empty store silently).
pub fn open(flags: &StoreFlags) -> Result<Store> {
    let location = location(flags)?;
    if let Some(path) = sqlite_path(&location) {
        if !path.exists() {
            bail!(
                "no store at {} (give --store or $SMIME_STORE; `smime store init` creates one)",
                path.display()
            );
        }
    }
    let store = Store::open(&location)?;
    if store.setting("kek.kind")?.is_none() {
        bail!(
            "the store at {} is not initialised: run `smime store init`",
            store.location()
        );
    }
    Ok(store)
}

/// Open the store at its location, creating it (`smime store init`).
pub fn create(flags: &StoreFlags) -> Result<Store> {
    Ok(Store::open(&location(flags)?)?)
}

/// The name of the acting principal: `--as`, `$SMIME_ACTOR`, `$USER`, `$LOGNAME`.
pub fn actor_name(flags: &StoreFlags) -> Result<String> {
    if let Some(name) = &flags.actor {
        return Ok(name.clone());
    }
    ["SMIME_ACTOR", "USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
        .ok_or_else(|| anyhow!("who is acting? give --as NAME or set $SMIME_ACTOR"))
}

/// The acting principal, looked up in the store.
pub fn actor(store: &Store, flags: &StoreFlags) -> Result<Actor> {
    Ok(store.actor(&actor_name(flags)?)?)
}

/// A file given by flag or, failing that, by environment variable.
fn flag_or_env(flag: &Option<PathBuf>, var: &str) -> Option<PathBuf> {
    flag.clone().or_else(|| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
}

/// The passphrase file (`--passphrase-file`, `$SMIME_PASSPHRASE_FILE`).
pub fn passphrase_file(flags: &StoreFlags) -> Option<PathBuf> {
    flag_or_env(&flags.passphrase_file, "SMIME_PASSPHRASE_FILE")
}

/// The key file (`--key-file`, `$SMIME_KEY_FILE`).
pub fn key_file(flags: &StoreFlags) -> Option<PathBuf> {
    flag_or_env(&flags.key_file, "SMIME_KEY_FILE")
}

/// The PKCS#11 module: `--pkcs11-module`, `$SMIME_PKCS11_MODULE`, else SoftHSM2's.
pub fn pkcs11_module(flags: &StoreFlags) -> PathBuf {
    flag_or_env(&flags.pkcs11_module, "SMIME_PKCS11_MODULE")
        .unwrap_or_else(|| PathBuf::from(SOFTHSM2_MODULE))
}

/// The token label: `--token`, `$SMIME_TOKEN`.
pub fn token_label(flags: &StoreFlags) -> Option<String> {
    flags.token.clone().or_else(|| {
        std::env::var("SMIME_TOKEN")
            .ok()
            .filter(|v| !v.trim().is_empty())
    })
}

/// The PIN file: `--pin-file`, `$SMIME_PIN_FILE`.
pub fn pin_file(flags: &StoreFlags) -> Option<PathBuf> {
    flag_or_env(&flags.pin_file, "SMIME_PIN_FILE")
}

/// What to give for a token: the flags, in one sentence for every refusal.
const TOKEN_FLAGS: &str = "give --token LABEL and --pin-file F (or set $SMIME_TOKEN and \
     $SMIME_PIN_FILE; the PIN is never an argument), and --pkcs11-module PATH unless the \
     token is SoftHSM2's";

/// Open the token `label` in the module of the flags and log in with the PIN of the PIN
/// file; a missing PIN file or a wrong PIN is an error naming both.
pub fn open_token(flags: &StoreFlags, label: &str) -> Result<Arc<Token>> {
    let Some(pin_path) = pin_file(flags) else {
        bail!("PKCS#11 token {label:?}: no PIN file: {TOKEN_FLAGS}");
    };
    let pin = read_pin_file(&pin_path)?;
    Token::open(&pkcs11_module(flags), label, &pin).with_context(|| {
        format!(
            "opening PKCS#11 token {label:?} with the PIN from {}",
            pin_path.display()
        )
    })
}

/// The token to make new keys in (`ca init --keys-in-token`, `ca issue --key-in-token`,
/// named by `option` in the refusal): one already open for the store, else the one the flags
/// name, opened now.
pub fn token_for_new_keys(
    flags: &StoreFlags,
    open: &[Arc<Token>],
    option: &str,
) -> Result<Arc<Token>> {
    if let Some(token) = open.first() {
        return Ok(Arc::clone(token));
    }
    match token_label(flags) {
        Some(label) => open_token(flags, &label),
        None => bail!("{option} needs the token: {TOKEN_FLAGS}"),
    }
}

/// Read a secret file (its first line), naming the flag in errors.
pub fn secret(path: &Path, what: &str) -> Result<Zeroizing<String>> {
    Ok(read_secret_file(path, what)?)
}

/// What unlocks the store's keys, from the flags. Both a passphrase and a key file is a
/// usage error; neither is an error that says which one the store needs.
pub enum Unlock {
    /// A passphrase (from its file).
    Passphrase(Zeroizing<String>),
    /// A key file.
    KeyFile(PathBuf),
    /// The AES key with this label in the token.
    Token(Arc<Token>, String),
}

impl Unlock {
    /// The unlock secret from the flags; `needed` is the store's `kek.kind` for the message
    /// when none is given.
    pub fn from_flags(flags: &StoreFlags, needed: Option<&str>) -> Result<Unlock> {
        match (passphrase_file(flags), key_file(flags)) {
            (Some(_), Some(_)) => bail!("give --passphrase-file or --key-file, not both"),
            (Some(p), None) => Ok(Unlock::Passphrase(secret(
                &p,
                &format!("passphrase file {}", p.display()),
            )?)),
            (None, Some(k)) => Ok(Unlock::KeyFile(k)),
            (None, None) => match needed {
                Some("keyfile") => bail!(
                    "the store's private keys are sealed under a key file: give --key-file F \
                     (or set $SMIME_KEY_FILE)"
                ),
                Some("pkcs11") => bail!(
                    "the store's private keys are sealed under an AES key in a PKCS#11 \
                     token: {TOKEN_FLAGS}"
                ),
                _ => bail!(
                    "the store's private keys are sealed under a passphrase: give \
                     --passphrase-file F (or set $SMIME_PASSPHRASE_FILE); it is never an argument"
                ),
            },
        }
    }

    /// As a [`KekSource`].
    pub fn source(&self) -> KekSource<'_> {
        match self {
            Unlock::Passphrase(p) => KekSource::Passphrase(p.as_bytes()),
            Unlock::KeyFile(path) => KekSource::KeyFile(path),
            Unlock::Token(token, label) => KekSource::Token(Arc::clone(token), label),
        }
    }
}

/// The store's key-encryption key and the PKCS#11 tokens opened for its token keys.
pub struct Unlocked {
    /// The key-encryption key.
    pub kek: Kek,
    /// The open tokens (the KEK's token, or the one `--token` names), for keys kept there.
    pub tokens: Vec<Arc<Token>>,
}

/// Unlock the store's key-encryption key (a wrong passphrase, key file or PIN is an error
/// that says so; nothing is changed) and open the token the flags name when the store keeps
/// keys in it. A KEK in a token
/// is unlocked through the token the store recorded (`--token` may name it too) with the
/// PIN of `--pin-file`.
pub fn unlock(store: &Store, flags: &StoreFlags) -> Result<Unlocked> {
    let kind = store.setting("kek.kind")?;
    if kind.as_deref() != Some("pkcs11") {
        let unlock = Unlock::from_flags(flags, kind.as_deref())?;
        let kek = store.unlock_kek(unlock.source())?;
        // The token --token names is opened only when the store keeps keys there: a command
        // that uses none runs without logging in to it (or needing its PIN).
        let tokens = match token_label(flags) {
            Some(label) if store.has_token_keys(&label)? => vec![open_token(flags, &label)?],
            _ => Vec::new(),
        };
        return Ok(Unlocked { kek, tokens });
    }
    let setting = |name: &str| -> Result<String> {
        store.setting(name)?.ok_or_else(|| {
            anyhow!(
                "the store at {} has a PKCS#11 key-encryption key but no {name} setting",
                store.location()
            )
        })
    };
    let (recorded, kek_label) = (setting("kek.token")?, setting("kek.label")?);
    let label = token_label(flags).unwrap_or_else(|| recorded.clone());
    if label != recorded {
        bail!(
            "the store at {} is sealed under PKCS#11 token {recorded:?}, not {label:?} (--token)",
            store.location()
        );
    }
    if pin_file(flags).is_none() {
        bail!(
            "the store at {}: its private keys are sealed under AES key {kek_label:?} in \
             PKCS#11 token {recorded:?}: {TOKEN_FLAGS}",
            store.location()
        );
    }
    let token = open_token(flags, &label)?;
    let kek = store.unlock_kek(KekSource::Token(Arc::clone(&token), &kek_label))?;
    Ok(Unlocked {
        kek,
        tokens: vec![token],
    })
}

/// Whether a `--to`/`--from` value names an address rather than a file: no such file,
/// and an `@` in it.
pub fn is_address(value: &Path) -> bool {
    !value.exists() && value.to_str().is_some_and(|s| s.contains('@'))
}

/// The newest valid encryption certificate of `address` in the store (RFC 8550 key usage,
/// within its validity, not marked revoked).
pub fn encryption_certificate(store: &Store, address: &str) -> Result<Certificate> {
    let now = unix_now();
    store
        .certificates_for_address(address, smime_pkix::mail::Purpose::Encrypt, now)?
        .into_iter()
        .next()
        .map(|r| r.certificate)
        .ok_or_else(|| {
            anyhow!(
                "{address}: no valid encryption certificate in the store at {} \
                 (smime store list --email {address})",
                store.location()
            )
        })
}

/// Now, in unix seconds.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A store opened on first use: commands that may or may not need it (`--to` with files
/// only never opens one).
#[derive(Default)]
pub struct LazyStore {
    flags: StoreFlags,
    store: Option<Store>,
}

impl LazyStore {
    /// Nothing is opened yet.
    pub fn new(flags: &StoreFlags) -> LazyStore {
        LazyStore {
            flags: flags.clone(),
            store: None,
        }
    }

    /// The store, opened now if it was not.
    pub fn get(&mut self) -> Result<&Store> {
        if self.store.is_none() {
            self.store = Some(open(&self.flags).context("looking up an address")?);
        }
        self.store
            .as_ref()
            .ok_or_else(|| anyhow!("the store did not open"))
    }
}

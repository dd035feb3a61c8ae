//! The key-encryption key (KEK) that protects private keys at rest, and the envelope that
//! seals each key under it: AES-256-GCM (NIST SP 800-38D) with a random 96-bit nonce and
//! associated data that binds the blob to its key id and owner, so a blob copied into
//! another row does not open.
//!
//! The KEK comes from a passphrase through Argon2id (RFC 9106; the parameters and salt are
//! kept with the store as a [`Argon2Params`] setting, so they can be raised later), from a
//! key file of 32 random bytes, or from an AES-256 key inside a PKCS#11 token that does the
//! GCM itself (the KEK then never enters memory). A check blob sealed at creation tells a
//! wrong passphrase apart from a damaged key: [`Kek::verify`].
//!
//! Envelope: `0x01 || nonce (12) || ciphertext || tag (16)`.

use std::path::Path;
use std::sync::Arc;

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use crate::pkcs11::{Token, TokenSecretKey};
use crate::{Error, Result};

/// The envelope format version (the first byte of every sealed blob).
const ENVELOPE_V1: u8 = 1;
/// The GCM tag length.
const TAG_LEN: usize = 16;
/// The length of a KEK and of a key file.
pub const KEK_LEN: usize = 32;
/// What the check blob holds (sealed with the id `kek-check` and no owner).
const CHECK_PLAINTEXT: &[u8] = b"smime-store key-encryption key check v1";

/// The Argon2id parameters that turn a passphrase into the KEK (RFC 9106 3.1), stored as
/// one setting: `argon2id$v=19$m=65536,t=3,p=1$<salt hex>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Argon2Params {
    /// Memory in KiB (m).
    pub memory_kib: u32,
    /// Passes (t).
    pub iterations: u32,
    /// Lanes (p).
    pub parallelism: u32,
    /// The random salt, 16 bytes when made here.
    pub salt: Vec<u8>,
}

impl Argon2Params {
    /// Today's parameters with a fresh salt: 64 MiB, 3 passes, 1 lane (RFC 9106 4, the
    /// second recommended option), about a quarter second on a current core.
    pub fn generate() -> Result<Argon2Params> {
        let mut salt = vec![0u8; 16];
        random(&mut salt)?;
        Ok(Argon2Params {
            memory_kib: 64 * 1024,
            iterations: 3,
            parallelism: 1,
            salt,
        })
    }

    /// The setting text (PHC string form without the hash; version 19 is Argon2 1.3).
    pub fn to_setting(&self) -> String {
        format!(
            "argon2id$v=19$m={},t={},p={}${}",
            self.memory_kib,
            self.iterations,
            self.parallelism,
            hex(&self.salt)
        )
    }

    /// A 32-byte key from `passphrase` with these parameters (Argon2id, version 1.3).
    pub fn derive(&self, passphrase: &[u8]) -> Result<Zeroizing<[u8; KEK_LEN]>> {
        let argon = argon2::Params::new(
            self.memory_kib,
            self.iterations,
            self.parallelism,
            Some(KEK_LEN),
        )
        .map_err(|e| kek_error("the argon2 parameters", e.to_string()))?;
        let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, argon);
        let mut key = Zeroizing::new([0u8; KEK_LEN]);
        argon
            .hash_password_into(passphrase, &self.salt, key.as_mut())
            .map_err(|e| kek_error("the passphrase", format!("Argon2id failed: {e}")))?;
        Ok(key)
    }

    /// Read the setting text written by [`Argon2Params::to_setting`].
    pub fn from_setting(text: &str) -> Result<Argon2Params> {
        let bad = || kek_error("the argon2 setting", format!("malformed: {text:?}"));
        let mut parts = text.split('$');
        if parts.next() != Some("argon2id") || parts.next() != Some("v=19") {
            return Err(bad());
        }
        let (mut m, mut t, mut p) = (None, None, None);
        for field in parts.next().ok_or_else(bad)?.split(',') {
            let (name, value) = field.split_once('=').ok_or_else(bad)?;
            let value: u32 = value.parse().map_err(|_| bad())?;
            match name {
                "m" => m = Some(value),
                "t" => t = Some(value),
                "p" => p = Some(value),
                _ => return Err(bad()),
            }
        }
        let salt = unhex(parts.next().ok_or_else(bad)?).ok_or_else(bad)?;
        if parts.next().is_some() || salt.len() < 8 {
            return Err(bad());
        }
        Ok(Argon2Params {
            memory_kib: m.ok_or_else(bad)?,
            iterations: t.ok_or_else(bad)?,
            parallelism: p.ok_or_else(bad)?,
            salt,
        })
    }
}

/// What a store keeps about its KEK in its settings: the Argon2id parameters when the KEK
/// comes from a passphrase, and the check blob that tells a wrong passphrase apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KekSettings {
    /// How a passphrase becomes the KEK; `None` for a key file or a token key.
    pub argon2: Option<Argon2Params>,
    /// [`Kek::check_blob`] of the KEK.
    pub check: Vec<u8>,
}

/// Read a secret (a passphrase, a PIN) from the first line of a file, without its line
/// end: a secret is never a command-line argument. `what` names it in errors.
pub fn read_secret_file(path: &Path, what: &str) -> Result<Zeroizing<String>> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path)
            .map_err(|e| kek_error(path.display(), format!("cannot read the {what} file: {e}")))?,
    );
    let line = Zeroizing::new(text.lines().next().unwrap_or_default().to_string());
    if line.is_empty() {
        return Err(kek_error(
            path.display(),
            format!("the {what} file is empty"),
        ));
    }
    Ok(line)
}

enum Inner {
    /// The KEK in memory (aws-lc clears it on drop).
    Software(LessSafeKey),
    /// An AES-256 key in a token that does the GCM.
    Token(Arc<Token>, TokenSecretKey),
}

/// The key-encryption key.
pub struct Kek {
    inner: Inner,
    /// Where it came from, for errors: `passphrase`, the key file, the token key.
    source: String,
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Kek({})", self.source)
    }
}

fn kek_error(what: impl std::fmt::Display, reason: impl Into<String>) -> Error {
    Error::Kek {
        what: what.to_string(),
        reason: reason.into(),
    }
}

pub(crate) fn random(out: &mut [u8]) -> Result<()> {
    SystemRandom::new()
        .fill(out)
        .map_err(|_| kek_error("random number generator", "failed"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The associated data of a sealed key: a label, then the key id and the owner, each
/// length-prefixed so that no two (id, owner) pairs give the same bytes.
pub fn associated_data(key_id: &str, owner: &str) -> Vec<u8> {
    let mut aad = b"smime-store private key v1".to_vec();
    for field in [key_id, owner] {
        aad.extend_from_slice(&(field.len() as u64).to_be_bytes());
        aad.extend_from_slice(field.as_bytes());
    }
    aad
}

impl Kek {
    fn software(key: &[u8], source: String) -> Result<Kek> {
        let key = UnboundKey::new(&AES_256_GCM, key)
            .map_err(|_| kek_error(&source, "not a 32-byte AES-256 key"))?;
        Ok(Kek {
            inner: Inner::Software(LessSafeKey::new(key)),
            source,
        })
    }

    /// A new KEK from a passphrase with fresh Argon2id parameters, and the settings to
    /// keep so that [`Kek::unlock_with_passphrase`] finds it again.
    pub fn create_from_passphrase(passphrase: &[u8]) -> Result<(Kek, KekSettings)> {
        let params = Argon2Params::generate()?;
        let kek = Kek::from_passphrase(passphrase, &params)?;
        let check = kek.check_blob()?;
        Ok((
            kek,
            KekSettings {
                argon2: Some(params),
                check,
            },
        ))
    }

    /// The KEK of a store whose settings are `settings`, from its passphrase; a wrong one
    /// is [`Error::WrongPassphrase`].
    pub fn unlock_with_passphrase(passphrase: &[u8], settings: &KekSettings) -> Result<Kek> {
        let params = settings.argon2.as_ref().ok_or_else(|| {
            kek_error(
                "the passphrase",
                "this store's keys are not sealed under a passphrase (a key file or token key)",
            )
        })?;
        let kek = Kek::from_passphrase(passphrase, params)?;
        kek.verify(&settings.check)?;
        Ok(kek)
    }

    /// The KEK from a passphrase through Argon2id with `params`.
    pub fn from_passphrase(passphrase: &[u8], params: &Argon2Params) -> Result<Kek> {
        let key = params.derive(passphrase)?;
        Kek::software(key.as_ref(), "the passphrase".into())
    }

    /// Write a new key file of 32 random bytes, readable by its owner only; refuses to
    /// overwrite an existing file.
    pub fn generate_key_file(path: &Path) -> Result<()> {
        let mut key = Zeroizing::new([0u8; KEK_LEN]);
        random(key.as_mut())?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(path)
            .map_err(|e| kek_error(path.display(), format!("cannot create the key file: {e}")))?;
        std::io::Write::write_all(&mut file, key.as_ref())
            .map_err(|e| kek_error(path.display(), format!("cannot write the key file: {e}")))
    }

    /// The KEK from a key file of exactly 32 bytes.
    pub fn from_key_file(path: &Path) -> Result<Kek> {
        let what = path.display().to_string();
        let key = Zeroizing::new(
            std::fs::read(path)
                .map_err(|e| kek_error(&what, format!("cannot read the key file: {e}")))?,
        );
        if key.len() != KEK_LEN {
            return Err(kek_error(
                &what,
                format!("a key file holds {KEK_LEN} bytes, this one {}", key.len()),
            ));
        }
        Kek::software(&key, format!("key file {what}"))
    }

    /// The KEK as the AES-256 key labelled `label` in `token` (made there, sensitive and not
    /// extractable, when `create` and it is missing). The token does the GCM.
    pub fn from_token(token: Arc<Token>, label: &str, create: bool) -> Result<Kek> {
        let key = token.secret_key(label, create)?;
        Ok(Kek {
            source: format!("AES key {label:?} in token {:?}", token.label()),
            inner: Inner::Token(token, key),
        })
    }

    /// Seal `plaintext` for the row `(key_id, owner)`.
    pub fn seal(&self, key_id: &str, owner: &str, plaintext: &[u8]) -> Result<Vec<u8>> {
        let aad = associated_data(key_id, owner);
        let mut nonce = [0u8; NONCE_LEN];
        random(&mut nonce)?;
        let sealed = match &self.inner {
            Inner::Software(key) => {
                let mut buffer = plaintext.to_vec();
                key.seal_in_place_append_tag(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(&aad),
                    &mut buffer,
                )
                .map_err(|_| kek_error(&self.source, "sealing failed"))?;
                buffer
            }
            Inner::Token(token, key) => token.gcm_encrypt(key, &nonce, &aad, plaintext)?,
        };
        let mut blob = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        blob.push(ENVELOPE_V1);
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&sealed);
        Ok(blob)
    }

    /// Open a blob sealed for `(key_id, owner)`. A wrong KEK, another row's blob or a
    /// changed byte all fail the same way (GCM authentication).
    pub fn open(&self, key_id: &str, owner: &str, blob: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let what = format!("sealed key {key_id:?} of {owner:?}");
        let (version, rest) = blob
            .split_first()
            .ok_or_else(|| kek_error(&what, "empty"))?;
        if *version != ENVELOPE_V1 {
            return Err(kek_error(
                &what,
                format!("unknown envelope version {version}"),
            ));
        }
        if rest.len() < NONCE_LEN + TAG_LEN {
            return Err(kek_error(&what, "too short"));
        }
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let aad = associated_data(key_id, owner);
        let failed = || {
            kek_error(
                &what,
                format!(
                    "does not open under {}: wrong key-encryption key, or the blob belongs to another key or was changed",
                    self.source
                ),
            )
        };
        match &self.inner {
            Inner::Software(key) => {
                let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| failed())?;
                let mut buffer = Zeroizing::new(sealed.to_vec());
                let len = key
                    .open_in_place(
                        Nonce::assume_unique_for_key(nonce),
                        Aad::from(&aad),
                        &mut buffer,
                    )
                    .map_err(|_| failed())?
                    .len();
                buffer.truncate(len);
                Ok(buffer)
            }
            Inner::Token(token, key) => token
                .gcm_decrypt(key, nonce, &aad, sealed)
                .map_err(|_| failed()),
        }
    }

    /// The check blob to keep with the store: [`Kek::verify`] opens it.
    pub fn check_blob(&self) -> Result<Vec<u8>> {
        self.seal("kek-check", "", CHECK_PLAINTEXT)
    }

    /// Whether this KEK is the one that made `check` (from [`Kek::check_blob`]); a wrong
    /// passphrase or key file is a clear error and nothing is changed.
    pub fn verify(&self, check: &[u8]) -> Result<()> {
        match self.open("kek-check", "", check) {
            Ok(plain) if plain.as_slice() == CHECK_PLAINTEXT => Ok(()),
            _ => Err(Error::WrongPassphrase {
                what: self.source.clone(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small Argon2 parameters: the tests check the plumbing, not the cost.
    fn quick() -> Argon2Params {
        Argon2Params {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
            salt: b"0123456789abcdef".to_vec(),
        }
    }

    #[test]
    fn argon2_params_setting_round_trips_and_malformed_is_refused() {
        let params = Argon2Params::generate().unwrap();
        assert_eq!(params.memory_kib, 65536);
        let text = params.to_setting();
        assert!(text.starts_with("argon2id$v=19$m=65536,t=3,p=1$"), "{text}");
        assert_eq!(Argon2Params::from_setting(&text).unwrap(), params);
        assert_ne!(Argon2Params::generate().unwrap().salt, params.salt);
        for bad in [
            "argon2i$v=19$m=1,t=1,p=1$0011223344556677",
            "argon2id$v=19$m=1,t=1$00112233445566",
            "argon2id$v=19$m=1,t=1,p=1$zz",
            "argon2id$v=19$m=1,t=1,p=1$0011223344556677$extra",
        ] {
            assert!(Argon2Params::from_setting(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn seal_then_open_same_row_recovers_other_row_or_kek_fails() {
        let kek = Kek::from_passphrase(b"correct horse", &quick()).unwrap();
        let blob = kek
            .seal("key-1", "alice@example.org", b"PKCS#8 bytes")
            .unwrap();
        assert_eq!(blob[0], ENVELOPE_V1);
        assert_eq!(blob.len(), 1 + NONCE_LEN + 12 + TAG_LEN);
        let plain = kek.open("key-1", "alice@example.org", &blob).unwrap();
        assert_eq!(plain.as_slice(), b"PKCS#8 bytes");
        // Fresh nonce each time.
        assert_ne!(
            kek.seal("key-1", "alice@example.org", b"PKCS#8 bytes")
                .unwrap(),
            blob
        );
        // Swapped between rows: another id or another owner does not open it.
        assert!(kek.open("key-2", "alice@example.org", &blob).is_err());
        assert!(kek.open("key-1", "bob@example.org", &blob).is_err());
        // The length prefixes keep ("key-1a", "") and ("key-1", "a") apart.
        let joined = kek.seal("key-1a", "", b"x").unwrap();
        assert!(kek.open("key-1", "a", &joined).is_err());
        let mut changed = blob.clone();
        *changed.last_mut().unwrap() ^= 1;
        assert!(kek.open("key-1", "alice@example.org", &changed).is_err());
        let other = Kek::from_passphrase(b"correct horse!", &quick()).unwrap();
        let err = other.open("key-1", "alice@example.org", &blob).unwrap_err();
        assert!(err.to_string().contains("key-1"), "{err}");
        assert!(kek.open("key-1", "alice@example.org", &blob[..20]).is_err());
    }

    #[test]
    fn verify_wrong_passphrase_is_a_clear_error() {
        let kek = Kek::from_passphrase(b"right", &quick()).unwrap();
        let check = kek.check_blob().unwrap();
        kek.verify(&check).unwrap();
        let again = Kek::from_passphrase(b"right", &quick()).unwrap();
        again.verify(&check).unwrap();
        let wrong = Kek::from_passphrase(b"wrong", &quick()).unwrap();
        let err = wrong.verify(&check).unwrap_err();
        assert!(matches!(err, Error::WrongPassphrase { .. }), "{err}");
        let mut salted = quick();
        salted.salt = b"fedcba9876543210".to_vec();
        let other_salt = Kek::from_passphrase(b"right", &salted).unwrap();
        assert!(other_salt.verify(&check).is_err());
    }

    #[test]
    fn unlock_with_passphrase_right_opens_wrong_is_refused() {
        let (kek, settings) = Kek::create_from_passphrase(b"right one").unwrap();
        let blob = kek.seal("k", "o", b"secret").unwrap();
        let again = Kek::unlock_with_passphrase(b"right one", &settings).unwrap();
        assert_eq!(again.open("k", "o", &blob).unwrap().as_slice(), b"secret");
        let err = Kek::unlock_with_passphrase(b"right one ", &settings).unwrap_err();
        assert!(matches!(err, Error::WrongPassphrase { .. }), "{err}");
        assert!(err.to_string().contains("nothing was changed"), "{err}");
        let no_params = KekSettings {
            argon2: None,
            check: settings.check.clone(),
        };
        assert!(Kek::unlock_with_passphrase(b"right one", &no_params).is_err());
    }

    #[test]
    fn read_secret_file_first_line_without_line_end() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("pass.txt");
        std::fs::write(&path, "pass phrase with spaces\r\nsecond line\n").unwrap();
        let secret = read_secret_file(&path, "passphrase").unwrap();
        assert_eq!(secret.as_str(), "pass phrase with spaces");
        std::fs::write(&path, "\n").unwrap();
        let err = read_secret_file(&path, "passphrase").unwrap_err();
        assert!(err.to_string().contains("pass.txt"), "{err}");
        assert!(read_secret_file(&dir.path().join("absent"), "PIN").is_err());
    }

    #[test]
    fn from_key_file_generated_file_works_short_file_refused() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("kek.bin");
        Kek::generate_key_file(&path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap().len(), KEK_LEN);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(
            Kek::generate_key_file(&path).is_err(),
            "overwrote a key file"
        );
        let kek = Kek::from_key_file(&path).unwrap();
        let blob = kek.seal("k", "o", b"secret").unwrap();
        assert_eq!(
            Kek::from_key_file(&path)
                .unwrap()
                .open("k", "o", &blob)
                .unwrap()
                .as_slice(),
            b"secret"
        );
        let short = dir.path().join("short.bin");
        std::fs::write(&short, [1u8; 16]).unwrap();
        let err = Kek::from_key_file(&short).unwrap_err();
        assert!(err.to_string().contains("short.bin"), "{err}");
    }
}

//! Private keys with their certificates, and the key history of each address, independent
//! of where the rows live (the SQL backends load and save [`StoredKey`]s).
//!
//! A key's PKCS#8 (RFC 5958) is sealed under the key-encryption key ([`crate::kek`]) with
//! its id and owner as associated data, or it stays in a PKCS#11 token and only its token
//! label and CKA_ID are kept. Plaintext key material exists only in memory, in `Zeroizing`
//! buffers or inside the crypto backend, while a key is used.
//!
//! History: a renewal adds a key and never removes one. The newest key that can sign is the
//! signing key; older signing keys are retired from signing. Every key that can decrypt
//! stays a decryption candidate forever, so mail encrypted to a key replaced several
//! renewals ago still opens.

use std::io::Read;
use std::sync::Arc;
use std::time::SystemTime;

use smime::crypto::pkcs12::{read_pkcs12, write_pkcs12, Pkcs12Identity};
use smime::crypto::{certificate_fingerprint_sha256, pem_blocks, DecryptingKey, PrivateKey};
use smime::decrypt::{DecryptReport, DecryptStatus, Decryptor};
use smime::recipient::RecipientIdentity;
use smime::stream::{PlaintextSink, SpooledSink};
use smime::x509_cert::Certificate;
use smime::CryptoPolicy;
use smime_pkix::mail::{certificate_email_addresses, check_key_usage, Purpose};
use zeroize::Zeroizing;

use crate::kek::Kek;
use crate::pkcs11::Token;
use crate::{Error, Result};

/// Where a private key is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyMaterial {
    /// PKCS#8 sealed under the KEK (see [`Kek::seal`]).
    Sealed(Vec<u8>),
    /// In a PKCS#11 token: its label and the key's CKA_ID.
    Token {
        /// The token label.
        token: String,
        /// The key's CKA_ID.
        id: Vec<u8>,
    },
}

/// One private key of one address, with its certificate and place in the history.
#[derive(Debug, Clone)]
pub struct StoredKey {
    /// The SHA-256 fingerprint of the certificate, hex: unique, and bound into the seal.
    pub id: String,
    /// The address (lower case) the key belongs to.
    pub owner: String,
    /// The certificate of the key.
    pub certificate: Certificate,
    /// The chain above it, leaf side first (for PKCS#12 export and signing).
    pub chain: Vec<Certificate>,
    /// The key itself, sealed or in a token.
    pub material: KeyMaterial,
    /// Whether the certificate allows signing mail (RFC 8550 4.4.2).
    pub can_sign: bool,
    /// Whether the certificate allows encrypting mail to it.
    pub can_decrypt: bool,
    /// Retired from signing by a newer signing key (still used for decryption).
    pub retired: bool,
}

impl StoredKey {
    /// The key ready to sign: a sealed key opened with `kek`, a token key found in the
    /// open token of its label among `tokens` (it signs inside the token).
    pub fn private_key(&self, kek: &Kek, tokens: &[Arc<Token>]) -> Result<PrivateKey> {
        match &self.material {
            KeyMaterial::Sealed(sealed) => {
                let der = kek.open(&self.id, &self.owner, sealed)?;
                PrivateKey::from_pem_or_der(&der, &self.id)
                    .map_err(|e| key_error(&self.id, e.to_string()))
            }
            KeyMaterial::Token { token, id } => {
                PrivateKey::external(Box::new(find_token(tokens, token)?.find_key(id)?))
                    .map_err(|e| key_error(&self.id, e.to_string()))
            }
        }
    }
}

/// The keys of every address, oldest first.
#[derive(Debug, Default)]
pub struct KeyRing {
    keys: Vec<StoredKey>,
}

fn key_error(what: impl std::fmt::Display, reason: impl Into<String>) -> Error {
    Error::Key {
        what: what.to_string(),
        reason: reason.into(),
    }
}

impl KeyRing {
    /// A ring over rows loaded from a store, oldest first.
    pub fn from_keys(keys: Vec<StoredKey>) -> KeyRing {
        KeyRing { keys }
    }

    /// Every key, oldest first (what a backend saves).
    pub fn keys(&self) -> &[StoredKey] {
        &self.keys
    }

    /// The keys of `owner`, oldest first.
    pub fn history(&self, owner: &str) -> Vec<&StoredKey> {
        let owner = owner.to_lowercase();
        self.keys.iter().filter(|k| k.owner == owner).collect()
    }

    /// Add `key_der` (PKCS#8, PEM or DER) with its certificate, sealed under `kek`, for `owner` (or, when
    /// `None`, the first address in the certificate). The key must belong to the certificate;
    /// adding the same certificate twice is an error. A key that can sign retires the
    /// owner's earlier signing keys.
    pub fn add_key(
        &mut self,
        kek: &Kek,
        owner: Option<&str>,
        certificate: Certificate,
        chain: Vec<Certificate>,
        key_der: &[u8],
    ) -> Result<&StoredKey> {
        let id = certificate_fingerprint_sha256(&certificate);
        let owner = owner_of(owner, &certificate, &id)?;
        let key_der = pkcs8_der(key_der, &id)?;
        let key_der = key_der.as_slice();
        // Keys that only decrypt (X25519, X9.42 DH) cannot sign, and the engine does not
        // derive their public key: they are read but not matched against the certificate.
        let public = match PrivateKey::from_pem_or_der(key_der, &id) {
            Ok(k) => Some(k.public_key_spki()),
            Err(_) => DecryptingKey::from_pem_or_der(key_der, &id)
                .map(|_| None)
                .map_err(|e| key_error(&id, format!("the private key cannot be read: {e}")))?,
        };
        if public.is_some_and(|p| p != certificate.tbs_certificate.subject_public_key_info) {
            return Err(key_error(
                &id,
                "the private key does not belong to the certificate",
            ));
        }
        let sealed = kek.seal(&id, &owner, key_der)?;
        self.push(StoredKey {
            id,
            owner,
            can_sign: check_key_usage(&certificate, Purpose::Sign).is_ok(),
            can_decrypt: check_key_usage(&certificate, Purpose::Encrypt).is_ok(),
            certificate,
            chain,
            material: KeyMaterial::Sealed(sealed),
            retired: false,
        })
    }

    /// Add a key that lives in `token` under CKA_ID `id`, with its certificate.
    pub fn add_token_key(
        &mut self,
        token: &Arc<Token>,
        key_id: &[u8],
        owner: Option<&str>,
        certificate: Certificate,
        chain: Vec<Certificate>,
    ) -> Result<&StoredKey> {
        use smime::crypto::external_key::ExternalSigner;
        let id = certificate_fingerprint_sha256(&certificate);
        let owner = owner_of(owner, &certificate, &id)?;
        let key = token.find_key(key_id)?;
        if key.public_key_spki() != certificate.tbs_certificate.subject_public_key_info {
            return Err(key_error(
                &id,
                "the token key does not belong to the certificate",
            ));
        }
        self.push(StoredKey {
            id,
            owner,
            can_sign: check_key_usage(&certificate, Purpose::Sign).is_ok(),
            can_decrypt: check_key_usage(&certificate, Purpose::Encrypt).is_ok(),
            certificate,
            chain,
            material: KeyMaterial::Token {
                token: token.label().to_string(),
                id: key_id.to_vec(),
            },
            retired: false,
        })
    }

    fn push(&mut self, key: StoredKey) -> Result<&StoredKey> {
        if self.keys.iter().any(|k| k.id == key.id) {
            return Err(key_error(
                &key.id,
                "this certificate's key is already stored",
            ));
        }
        if key.can_sign {
            for older in self
                .keys
                .iter_mut()
                .filter(|k| k.owner == key.owner && k.can_sign)
            {
                older.retired = true;
            }
        }
        self.keys.push(key);
        self.keys
            .last()
            .ok_or_else(|| key_error("key ring", "the key just added is missing"))
    }

    /// Seal every key again under `new` (a raised Argon2id cost, a new passphrase or key
    /// file): all or nothing, the ring is unchanged when one key does not open under `old`.
    /// Returns how many keys were resealed.
    pub fn reseal(&mut self, old: &Kek, new: &Kek) -> Result<usize> {
        let mut resealed = Vec::new();
        for (i, key) in self.keys.iter().enumerate() {
            if let KeyMaterial::Sealed(sealed) = &key.material {
                let plain = old.open(&key.id, &key.owner, sealed)?;
                resealed.push((i, new.seal(&key.id, &key.owner, &plain)?));
            }
        }
        let count = resealed.len();
        for (i, sealed) in resealed {
            if let Some(key) = self.keys.get_mut(i) {
                key.material = KeyMaterial::Sealed(sealed);
            }
        }
        Ok(count)
    }

    /// Import the key and chain of a PKCS#12 file (modern PBES2/AES or legacy 3DES/RC2).
    pub fn import_pkcs12(
        &mut self,
        kek: &Kek,
        owner: Option<&str>,
        bytes: &[u8],
        password: &str,
        what: &str,
    ) -> Result<&StoredKey> {
        let identity =
            read_pkcs12(bytes, password, what).map_err(|e| key_error(what, e.to_string()))?;
        self.add_key(
            kek,
            owner,
            identity.certificate,
            identity.chain,
            &identity.key_der,
        )
    }

    /// The signing certificate, chain and key of `owner`: the newest key that can sign,
    /// is not retired and whose certificate is valid at `now`.
    pub fn signing_key(
        &self,
        kek: &Kek,
        tokens: &[Arc<Token>],
        owner: &str,
        now: SystemTime,
    ) -> Result<(Certificate, Vec<Certificate>, PrivateKey)> {
        let history = self.history(owner);
        let key = history
            .iter()
            .rev()
            .find(|k| k.can_sign && !k.retired && valid_at(&k.certificate, now))
            .ok_or_else(|| {
                key_error(
                    owner,
                    format!(
                        "no current signing key ({} keys in its history)",
                        history.len()
                    ),
                )
            })?;
        let private = key.private_key(kek, tokens)?;
        Ok((key.certificate.clone(), key.chain.clone(), private))
    }

    /// Every decryption key `owner` ever had, newest first, expired and retired ones too.
    pub fn decryption_keys(
        &self,
        kek: &Kek,
        tokens: &[Arc<Token>],
        owner: &str,
    ) -> Result<Vec<(Certificate, DecryptingKey)>> {
        self.history(owner)
            .into_iter()
            .rev()
            .filter(|k| k.can_decrypt)
            .map(|k| {
                let key = match &k.material {
                    KeyMaterial::Sealed(sealed) => {
                        let der = kek.open(&k.id, &k.owner, sealed)?;
                        DecryptingKey::from_pem_or_der(&der, &k.id)
                            .map_err(|e| key_error(&k.id, e.to_string()))?
                    }
                    KeyMaterial::Token { token, id } => {
                        DecryptingKey::external(Box::new(find_token(tokens, token)?.find_key(id)?))
                    }
                };
                Ok((k.certificate.clone(), key))
            })
            .collect()
    }

    /// The newest key of `owner` as a PKCS#12 file (AES-256-CBC, PBKDF2-SHA256, HMAC-SHA256)
    /// under `password`. Keys in a token cannot be exported.
    pub fn export_pkcs12(&self, kek: &Kek, owner: &str, password: &str) -> Result<Vec<u8>> {
        let key = self
            .history(owner)
            .into_iter()
            .next_back()
            .ok_or_else(|| key_error(owner, "no key is stored for this address"))?;
        let sealed = match &key.material {
            KeyMaterial::Sealed(sealed) => sealed,
            KeyMaterial::Token { token, .. } => {
                return Err(key_error(
                    &key.id,
                    format!(
                        "the key of {owner} lives in PKCS#11 token {token:?} and cannot be \
                         exported"
                    ),
                ))
            }
        };
        let identity = Pkcs12Identity {
            certificate: key.certificate.clone(),
            chain: key.chain.clone(),
            key_der: kek.open(&key.id, &key.owner, sealed)?,
        };
        write_pkcs12(&identity, &key.owner, password).map_err(|e| key_error(owner, e.to_string()))
    }
}

pub(crate) fn owner_of(owner: Option<&str>, certificate: &Certificate, id: &str) -> Result<String> {
    match owner {
        Some(o) => Ok(o.to_lowercase()),
        None => certificate_email_addresses(certificate)
            .into_iter()
            .next()
            .map(|a| a.to_lowercase())
            .ok_or_else(|| key_error(id, "the certificate names no email address: give one")),
    }
}

/// The PKCS#8 DER of a key given as PEM (`PRIVATE KEY`) or DER: what is sealed and what
/// PKCS#12 export needs.
fn pkcs8_der(key: &[u8], what: &str) -> Result<Zeroizing<Vec<u8>>> {
    if !key.windows(11).any(|w| w == b"-----BEGIN ") {
        return Ok(Zeroizing::new(key.to_vec()));
    }
    let blocks = pem_blocks(key, what).map_err(|e| key_error(what, e.to_string()))?;
    let mut found = None;
    for block in blocks {
        let der = Zeroizing::new(block.der);
        match block.label.as_str() {
            "PRIVATE KEY" if !block.encrypted => {
                found = Some(der);
                break;
            }
            "RSA PRIVATE KEY" | "EC PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" | "PRIVATE KEY" => {
                return Err(key_error(
                    what,
                    format!(
                        "a {} block: give the key as unencrypted PKCS#8 (openssl pkey -in F -out G)",
                        block.label
                    ),
                ))
            }
            _ => {}
        }
    }
    found.ok_or_else(|| key_error(what, "no PRIVATE KEY block found"))
}

fn find_token<'a>(tokens: &'a [Arc<Token>], label: &str) -> Result<&'a Arc<Token>> {
    tokens.iter().find(|t| t.label() == label).ok_or_else(|| {
        key_error(
            format!("PKCS#11 token {label:?}"),
            "the key is in this token, which is not open (give the token and its PIN)",
        )
    })
}

fn valid_at(certificate: &Certificate, now: SystemTime) -> bool {
    let validity = &certificate.tbs_certificate.validity;
    validity.not_before.to_system_time() <= now && now <= validity.not_after.to_system_time()
}

/// Decrypt `message` for whichever of `keys` it names (every historical key of the
/// recipient, newest first; see [`decrypt_history_to_sink`]). The plaintext is returned only
/// when the status is decrypted.
pub fn decrypt_with_history(
    message: &[u8],
    keys: Vec<(Certificate, DecryptingKey)>,
    policy: CryptoPolicy,
) -> Result<(DecryptReport, Option<Zeroizing<Vec<u8>>>)> {
    let mut out = Zeroizing::new(Vec::new());
    let report = {
        let mut sink = SpooledSink::new(&mut *out);
        decrypt_history_to_sink(message, keys, &mut sink, policy)?
    };
    let decrypted = report.status == DecryptStatus::Decrypted;
    Ok((report, decrypted.then_some(out)))
}

/// Decrypt the message read from `input` into `sink` with whichever of `keys` it names:
/// one streamed pass, the RecipientInfos matched against every certificate of the history
/// (smime's [`Decryptor::with_identities`]), the sink committed only when the content is
/// authentic and discarded otherwise.
pub fn decrypt_history_to_sink(
    input: impl Read,
    keys: Vec<(Certificate, DecryptingKey)>,
    sink: &mut dyn PlaintextSink,
    policy: CryptoPolicy,
) -> Result<DecryptReport> {
    if keys.is_empty() {
        return Err(key_error("message", "no decryption key to try"));
    }
    let identities = keys
        .into_iter()
        .map(|(certificate, key)| RecipientIdentity::new(certificate, key))
        .collect();
    Decryptor::with_identities(identities, policy)
        .decrypt_to_sink(input, sink)
        .map_err(|e| key_error("message", e.to_string()))
}

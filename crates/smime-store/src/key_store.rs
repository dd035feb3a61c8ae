//! Private keys in the store: the key-encryption key recorded in the settings, and the
//! [`StoredKey`] rows with their chains, so that a [`KeyRing`]'s history survives reopening
//! the store and is shared by every node of a PostgreSQL store.
//!
//! The history rules are [`KeyRing`]'s, not repeated here: a key is added by loading the
//! owner's rows into a ring inside the write transaction, letting the ring add it (which
//! checks the key against its certificate, seals it and retires older signing keys), then
//! writing the new row and the retired flags back. Rows are never deleted.
//!
//! Settings: `kek.kind` (`passphrase` | `keyfile` | `pkcs11`), `kek.argon2`
//! ([`Argon2Params::to_setting`], passphrase only), `kek.check` (base64 of
//! [`Kek::check_blob`]), `kek.token` and `kek.label` (PKCS#11 only: the token label and the
//! AES key's label).

use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use der::Decode;
use smime::crypto::pkcs12::read_pkcs12;
use smime::crypto::{DecryptingKey, PrivateKey};
use smime::decrypt::DecryptReport;
use smime::stream::PlaintextSink;
use smime::x509_cert::Certificate;
use smime::CryptoPolicy;
use sqlx::{AnyConnection, Row};
use zeroize::Zeroizing;

use crate::audit::{self, AuditEvent, Outcome};
use crate::certs::{insert_certificate, normalize_address, CertSource};
use crate::db::{finish, now, read_setting, sql_error, write_setting, Store};
use crate::kek::{Argon2Params, Kek, KekSettings};
use crate::keys::{
    decrypt_history_to_sink, decrypt_with_history, owner_of, KeyMaterial, KeyRing, StoredKey,
};
use crate::pkcs11::Token;
use crate::roles::{Actor, Operation};
use crate::{Error, Result};

/// Where the store's key-encryption key comes from.
#[derive(Debug, Clone)]
pub enum KekSource<'a> {
    /// A passphrase, stretched with Argon2id (RFC 9106).
    Passphrase(&'a [u8]),
    /// A file of 32 random bytes.
    KeyFile(&'a Path),
    /// An AES-256 key with this label inside a PKCS#11 token.
    Token(Arc<Token>, &'a str),
}

impl KekSource<'_> {
    fn kind(&self) -> &'static str {
        match self {
            KekSource::Passphrase(_) => "passphrase",
            KekSource::KeyFile(_) => "keyfile",
            KekSource::Token(..) => "pkcs11",
        }
    }
}

fn kek_error(what: impl std::fmt::Display, reason: impl Into<String>) -> Error {
    Error::Kek {
        what: what.to_string(),
        reason: reason.into(),
    }
}

/// The owner column of an address: as certificate addresses are kept (lower case, IDNA
/// A-label domain, [`normalize_address`]), so `--from Alice@Bücher.example` finds the keys
/// of `alice@xn--bcher-kva.example`.
fn owner_address(address: &str) -> String {
    normalize_address(address)
        .map(|(a, _)| a)
        .unwrap_or_else(|| address.to_lowercase())
}

/// Read the key rows (all, or `owner`'s), oldest first, with certificates and chains.
async fn load_keys(conn: &mut AnyConnection, owner: Option<&str>) -> Result<Vec<StoredKey>> {
    let sql = format!(
        "SELECT k.id, k.owner, k.material_kind, k.sealed, k.token_label, k.token_id, \
         k.can_sign, k.can_decrypt, k.retired, c.der \
         FROM keys k JOIN certificates c ON c.id = k.id {} ORDER BY k.seq",
        if owner.is_some() {
            "WHERE k.owner = $1"
        } else {
            ""
        }
    );
    let mut query = sqlx::query(&sql);
    if let Some(o) = owner {
        query = query.bind(o);
    }
    let rows = query
        .fetch_all(&mut *conn)
        .await
        .map_err(sql_error("read the keys"))?;
    let mut keys = Vec::with_capacity(rows.len());
    for row in rows {
        let id: String = row.try_get(0).map_err(sql_error("read keys.id"))?;
        let get = |c: &str| sql_error(format!("read keys.{c} of {id}"));
        let corrupt = |reason: String| Error::Corrupt {
            what: format!("keys row {id}"),
            reason,
        };
        let kind: String = row.try_get(2).map_err(get("material_kind"))?;
        let material = match kind.as_str() {
            "sealed" => KeyMaterial::Sealed(
                row.try_get::<Option<Vec<u8>>, _>(3)
                    .map_err(get("sealed"))?
                    .ok_or_else(|| corrupt("a sealed key without its sealed bytes".into()))?,
            ),
            "token" => KeyMaterial::Token {
                token: row
                    .try_get::<Option<String>, _>(4)
                    .map_err(get("token_label"))?
                    .ok_or_else(|| corrupt("a token key without its token label".into()))?,
                id: row
                    .try_get::<Option<Vec<u8>>, _>(5)
                    .map_err(get("token_id"))?
                    .ok_or_else(|| corrupt("a token key without its CKA_ID".into()))?,
            },
            other => return Err(corrupt(format!("unknown material kind {other:?}"))),
        };
        let der: Vec<u8> = row.try_get(9).map_err(get("certificate"))?;
        let certificate = Certificate::from_der(&der)
            .map_err(|e| corrupt(format!("its certificate does not parse: {e}")))?;
        let chain_rows = sqlx::query(
            "SELECT c.der FROM key_chain k JOIN certificates c ON c.id = k.certificate_id \
             WHERE k.key_id = $1 ORDER BY k.position",
        )
        .bind(&id)
        .fetch_all(&mut *conn)
        .await
        .map_err(sql_error(format!("read the chain of key {id}")))?;
        let mut chain = Vec::with_capacity(chain_rows.len());
        for r in chain_rows {
            let der: Vec<u8> = r.try_get(0).map_err(get("chain"))?;
            chain.push(
                Certificate::from_der(&der)
                    .map_err(|e| corrupt(format!("a chain certificate does not parse: {e}")))?,
            );
        }
        keys.push(StoredKey {
            owner: row.try_get(1).map_err(get("owner"))?,
            can_sign: row.try_get::<i64, _>(6).map_err(get("can_sign"))? != 0,
            can_decrypt: row.try_get::<i64, _>(7).map_err(get("can_decrypt"))? != 0,
            retired: row.try_get::<i64, _>(8).map_err(get("retired"))? != 0,
            certificate,
            chain,
            material,
            id,
        });
    }
    Ok(keys)
}

/// Write a key the ring just added (its certificate and chain too) and the retired flags
/// the ring set on the owner's older keys.
async fn save_added_key(
    conn: &mut AnyConnection,
    ring: &KeyRing,
    key: &StoredKey,
    source_detail: Option<&str>,
    at: i64,
) -> Result<()> {
    insert_certificate(
        conn,
        &key.certificate,
        CertSource::Imported,
        source_detail,
        None,
        at,
    )
    .await?;
    let seq_row = sqlx::query("SELECT COALESCE(MAX(seq), 0) FROM keys")
        .fetch_one(&mut *conn)
        .await
        .map_err(sql_error("read the newest key sequence number"))?;
    let seq = seq_row
        .try_get::<i64, _>(0)
        .map_err(sql_error("read the newest key sequence number"))?
        + 1;
    let (kind, sealed, token_label, token_id) = match &key.material {
        KeyMaterial::Sealed(s) => ("sealed", Some(s.clone()), None, None),
        KeyMaterial::Token { token, id } => ("token", None, Some(token.clone()), Some(id.clone())),
    };
    sqlx::query(
        "INSERT INTO keys (id, owner, seq, material_kind, sealed, token_label, token_id, \
         can_sign, can_decrypt, retired, added_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&key.id)
    .bind(&key.owner)
    .bind(seq)
    .bind(kind)
    .bind(sealed)
    .bind(token_label)
    .bind(token_id)
    .bind(i64::from(key.can_sign))
    .bind(i64::from(key.can_decrypt))
    .bind(i64::from(key.retired))
    .bind(at)
    .execute(&mut *conn)
    .await
    .map_err(sql_error(format!("insert key {} of {}", key.id, key.owner)))?;
    for (position, cert) in key.chain.iter().enumerate() {
        let chain_cert =
            insert_certificate(conn, cert, CertSource::Imported, source_detail, None, at).await?;
        sqlx::query("INSERT INTO key_chain (key_id, position, certificate_id) VALUES ($1, $2, $3)")
            .bind(&key.id)
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(&chain_cert.id)
            .execute(&mut *conn)
            .await
            .map_err(sql_error(format!("insert the chain of key {}", key.id)))?;
    }
    for older in ring.history(&key.owner) {
        if older.retired && older.id != key.id {
            sqlx::query("UPDATE keys SET retired = 1 WHERE id = $1 AND retired = 0")
                .bind(&older.id)
                .execute(&mut *conn)
                .await
                .map_err(sql_error(format!("retire key {}", older.id)))?;
        }
    }
    Ok(())
}

/// How a key to add is given.
enum KeyInput<'a> {
    Software(&'a Kek, &'a [u8]),
    Token(&'a Arc<Token>, &'a [u8]),
}

/// A key's certificate and where it goes: what [`Store::add_key`] and
/// [`Store::add_token_key`] take besides the key itself.
#[derive(Debug, Clone)]
pub struct NewKey<'a> {
    /// The owner address; `None`: the certificate's first address.
    pub owner: Option<&'a str>,
    /// The key's certificate.
    pub certificate: Certificate,
    /// The chain above it, leaf side first.
    pub chain: Vec<Certificate>,
    /// Where it came from (a file name), kept with the certificates.
    pub source_detail: Option<&'a str>,
}

impl NewKey<'_> {
    /// A key for `certificate`'s first address, without chain.
    pub fn new(certificate: Certificate) -> NewKey<'static> {
        NewKey {
            owner: None,
            certificate,
            chain: Vec::new(),
            source_detail: None,
        }
    }
}

impl Store {
    /// Make the store's key-encryption key from `source` and record it in the settings
    /// (see the module notes). Refused when the store already has one: its keys would no
    /// longer open. A passphrase KEK gets fresh Argon2id parameters
    /// ([`Argon2Params::generate`]); a token KEK's AES key is made in the token if missing.
    pub fn init_kek(&self, actor: &Actor, source: KekSource<'_>) -> Result<Kek> {
        self.authorize(actor, Operation::ChangeSettings, None)?;
        if let Some(kind) = self.setting("kek.kind")? {
            return Err(kek_error(
                self.location(),
                format!("the store already has a key-encryption key ({kind}); nothing was changed"),
            ));
        }
        let (kek, settings, token) = match &source {
            KekSource::Passphrase(p) => {
                let (kek, settings) = Kek::create_from_passphrase(p)?;
                (kek, settings, None)
            }
            KekSource::KeyFile(path) => {
                let kek = Kek::from_key_file(path)?;
                let check = kek.check_blob()?;
                (
                    kek,
                    KekSettings {
                        argon2: None,
                        check,
                    },
                    None,
                )
            }
            KekSource::Token(token, label) => {
                let kek = Kek::from_token(Arc::clone(token), label, true)?;
                let check = kek.check_blob()?;
                (
                    kek,
                    KekSettings {
                        argon2: None,
                        check,
                    },
                    Some((token.label().to_string(), label.to_string())),
                )
            }
        };
        let kind = source.kind();
        self.block_on(async {
            let mut tx = self.begin_write().await?;
            let result = async {
                if let Some(existing) = read_setting(&mut tx, "kek.kind").await? {
                    // Another node initialised it meanwhile.
                    return Err(kek_error(
                        self.location(),
                        format!("the store already has a key-encryption key ({existing}); nothing was changed"),
                    ));
                }
                write_setting(&mut tx, "kek.kind", kind).await?;
                if let Some(params) = &settings.argon2 {
                    write_setting(&mut tx, "kek.argon2", &params.to_setting()).await?;
                }
                write_setting(&mut tx, "kek.check", &STANDARD.encode(&settings.check)).await?;
                if let Some((token, label)) = &token {
                    write_setting(&mut tx, "kek.token", token).await?;
                    write_setting(&mut tx, "kek.label", label).await?;
                }
                audit::append(
                    &mut tx,
                    &AuditEvent {
                        actor: &actor.name,
                        action: "init-kek",
                        object: "kek",
                        outcome: Outcome::Ok,
                        detail: Some(kind),
                    },
                    now(),
                )
                .await
            }
            .await;
            finish(tx, result).await
        })?;
        Ok(kek)
    }

    /// The store's key-encryption key from `source`, checked against the recorded check
    /// blob: a wrong passphrase or key file is [`Error::WrongPassphrase`], a source of
    /// another kind than the store's a clear [`Error::Kek`].
    pub fn unlock_kek(&self, source: KekSource<'_>) -> Result<Kek> {
        let kind = self.setting("kek.kind")?.ok_or_else(|| {
            kek_error(
                self.location(),
                "the store has no key-encryption key yet (smime store init)",
            )
        })?;
        if kind != source.kind() {
            return Err(kek_error(
                self.location(),
                format!(
                    "the store's keys are sealed under a {kind} key-encryption key, not a {}",
                    source.kind()
                ),
            ));
        }
        let check_text = self.setting("kek.check")?.ok_or_else(|| Error::Corrupt {
            what: "setting kek.check".into(),
            reason: "missing".into(),
        })?;
        let check = STANDARD
            .decode(check_text.trim())
            .map_err(|e| Error::Corrupt {
                what: "setting kek.check".into(),
                reason: format!("not base64: {e}"),
            })?;
        match source {
            KekSource::Passphrase(p) => {
                let argon = self.setting("kek.argon2")?.ok_or_else(|| Error::Corrupt {
                    what: "setting kek.argon2".into(),
                    reason: "missing for a passphrase key-encryption key".into(),
                })?;
                let settings = KekSettings {
                    argon2: Some(Argon2Params::from_setting(&argon)?),
                    check,
                };
                Kek::unlock_with_passphrase(p, &settings)
            }
            KekSource::KeyFile(path) => {
                let kek = Kek::from_key_file(path)?;
                kek.verify(&check)?;
                Ok(kek)
            }
            KekSource::Token(token, label) => {
                let kek = Kek::from_token(token, label, false)?;
                kek.verify(&check)?;
                Ok(kek)
            }
        }
    }

    /// The keys of `owner` (or of every address), oldest first, as a [`KeyRing`].
    pub fn key_ring(&self, actor: &Actor, owner: Option<&str>) -> Result<KeyRing> {
        let owner = owner.map(owner_address);
        self.authorize(actor, Operation::ReadInventory, owner.as_deref())?;
        self.load_ring(owner.as_deref())
    }

    /// Whether any key row of the store is kept in the PKCS#11 token `label`: a command
    /// opens (and logs in to) a token only when it holds keys the command may use.
    pub fn has_token_keys(&self, label: &str) -> Result<bool> {
        self.block_on(async {
            let mut conn = self.connect("look for keys in a token").await?;
            let count: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM keys WHERE material_kind = 'token' AND token_label = $1",
            )
            .bind(label)
            .fetch_one(&mut *conn)
            .await
            .map_err(sql_error(format!("count the keys in token {label:?}")))?;
            Ok(count > 0)
        })
    }

    fn load_ring(&self, owner: Option<&str>) -> Result<KeyRing> {
        self.block_on(async {
            let mut conn = self.connect("read the keys").await?;
            Ok(KeyRing::from_keys(load_keys(&mut conn, owner).await?))
        })
    }

    /// Add a private key (PKCS#8, PEM or DER) with its certificate and chain for
    /// `new.owner` (default: the certificate's first address), sealed under `kek`. The
    /// certificate and chain go into the certificate store; older signing keys of the owner
    /// are retired; one transaction with its audit row.
    pub fn add_key(
        &self,
        actor: &Actor,
        kek: &Kek,
        key_der: &[u8],
        new: NewKey<'_>,
    ) -> Result<StoredKey> {
        self.add(actor, KeyInput::Software(kek, key_der), new)
    }

    /// Add a key that lives in `token` under CKA_ID `key_id`, with its certificate.
    pub fn add_token_key(
        &self,
        actor: &Actor,
        token: &Arc<Token>,
        key_id: &[u8],
        new: NewKey<'_>,
    ) -> Result<StoredKey> {
        let new = NewKey {
            source_detail: new.source_detail.or(Some(token.label())),
            ..new
        };
        self.add(actor, KeyInput::Token(token, key_id), new)
    }

    /// Import the key, certificate and chain of a PKCS#12 file (modern or legacy) sealed
    /// under `kek`, for `owner` (default: the certificate's first address). `what` names
    /// the file.
    pub fn import_pkcs12(
        &self,
        actor: &Actor,
        kek: &Kek,
        owner: Option<&str>,
        bytes: &[u8],
        password: &str,
        what: &str,
    ) -> Result<StoredKey> {
        let identity = read_pkcs12(bytes, password, what).map_err(|e| Error::Key {
            what: what.to_string(),
            reason: e.to_string(),
        })?;
        self.add_key(
            actor,
            kek,
            &identity.key_der,
            NewKey {
                owner,
                certificate: identity.certificate,
                chain: identity.chain,
                source_detail: Some(what),
            },
        )
    }

    fn add(&self, actor: &Actor, key: KeyInput<'_>, new: NewKey<'_>) -> Result<StoredKey> {
        let NewKey {
            owner,
            certificate,
            chain,
            source_detail,
        } = new;
        let id = smime_pkix::certificate::certificate_fingerprint_sha256(&certificate);
        let owner = owner_address(&owner_of(owner, &certificate, &id)?);
        self.authorize(actor, Operation::ImportKey, Some(&owner))?;
        self.block_on(async {
            let mut tx = self.begin_write().await?;
            let result = async {
                let at = now();
                let mut ring = KeyRing::from_keys(load_keys(&mut tx, Some(&owner)).await?);
                let added = match key {
                    KeyInput::Software(kek, der) => {
                        ring.add_key(kek, Some(&owner), certificate, chain, der)?
                    }
                    KeyInput::Token(token, key_id) => {
                        ring.add_token_key(token, key_id, Some(&owner), certificate, chain)?
                    }
                }
                .clone();
                save_added_key(&mut tx, &ring, &added, source_detail, at).await?;
                audit::append(
                    &mut tx,
                    &AuditEvent {
                        actor: &actor.name,
                        action: "import-key",
                        object: &added.id,
                        outcome: Outcome::Ok,
                        detail: Some(&format!("owner {}", added.owner)),
                    },
                    at,
                )
                .await?;
                Ok(added)
            }
            .await;
            finish(tx, result).await
        })
    }

    /// Record one use of `owner`'s keys in the audit log (its own transaction).
    fn audit_use(&self, actor: &Actor, action: &str, owner: &str, detail: &str) -> Result<()> {
        self.record(&AuditEvent {
            actor: &actor.name,
            action,
            object: owner,
            outcome: Outcome::Ok,
            detail: Some(detail),
        })
    }

    /// The current signing certificate, chain and key of `owner` ([`KeyRing::signing_key`]);
    /// audited as a key use.
    pub fn signing_key(
        &self,
        actor: &Actor,
        kek: &Kek,
        tokens: &[Arc<Token>],
        owner: &str,
        at: SystemTime,
    ) -> Result<(Certificate, Vec<Certificate>, PrivateKey)> {
        let owner = owner_address(owner);
        self.authorize(actor, Operation::UseKey, Some(&owner))?;
        let found = self
            .load_ring(Some(&owner))?
            .signing_key(kek, tokens, &owner, at)?;
        self.audit_use(actor, "use-key", &owner, "sign")?;
        Ok(found)
    }

    /// Every decryption key `owner` ever had, newest first ([`KeyRing::decryption_keys`]);
    /// audited as a key use.
    pub fn decryption_keys(
        &self,
        actor: &Actor,
        kek: &Kek,
        tokens: &[Arc<Token>],
        owner: &str,
    ) -> Result<Vec<(Certificate, DecryptingKey)>> {
        let owner = owner_address(owner);
        self.authorize(actor, Operation::UseKey, Some(&owner))?;
        let keys = self
            .load_ring(Some(&owner))?
            .decryption_keys(kek, tokens, &owner)?;
        self.audit_use(
            actor,
            "use-key",
            &owner,
            &format!("decrypt ({} historical keys)", keys.len()),
        )?;
        Ok(keys)
    }

    /// Decrypt `message` for `owner` with whichever key of its history the message names
    /// ([`decrypt_with_history`]).
    pub fn decrypt(
        &self,
        actor: &Actor,
        kek: &Kek,
        tokens: &[Arc<Token>],
        owner: &str,
        message: &[u8],
        policy: CryptoPolicy,
    ) -> Result<(DecryptReport, Option<Zeroizing<Vec<u8>>>)> {
        let keys = self.decryption_keys(actor, kek, tokens, owner)?;
        decrypt_with_history(message, keys, policy)
    }

    /// Decrypt the message read from `input` into `sink` for any of `owners` (the message's
    /// addressees whose keys the store holds), with every key each ever had: one streamed
    /// pass in bounded memory ([`decrypt_history_to_sink`]). Each owner's keys are a key
    /// use, authorised and audited as [`Store::decryption_keys`].
    #[allow(clippy::too_many_arguments)]
    pub fn decrypt_to_sink(
        &self,
        actor: &Actor,
        kek: &Kek,
        tokens: &[Arc<Token>],
        owners: &[String],
        input: impl Read,
        sink: &mut dyn PlaintextSink,
        policy: CryptoPolicy,
    ) -> Result<DecryptReport> {
        let mut keys = Vec::new();
        for owner in owners {
            keys.extend(self.decryption_keys(actor, kek, tokens, owner)?);
        }
        decrypt_history_to_sink(input, keys, sink, policy)
    }

    /// The newest key of `owner` as PKCS#12 ([`KeyRing::export_pkcs12`]); audited.
    pub fn export_pkcs12(
        &self,
        actor: &Actor,
        kek: &Kek,
        owner: &str,
        password: &str,
    ) -> Result<Vec<u8>> {
        let owner = owner_address(owner);
        self.authorize(actor, Operation::ExportKey, Some(&owner))?;
        let bytes = self
            .load_ring(Some(&owner))?
            .export_pkcs12(kek, &owner, password)?;
        self.audit_use(actor, "export-key", &owner, "PKCS#12")?;
        Ok(bytes)
    }
}

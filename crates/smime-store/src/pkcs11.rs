//! Keys in a PKCS#11 token (PKCS#11 v2.40, through `cryptoki`): RSA and EC P-256/P-384 key pairs
//! generated inside the token as sensitive and never extractable (CKA_SENSITIVE true,
//! CKA_EXTRACTABLE false), which sign and decrypt inside it (RSA key transport; for EC
//! the token computes the ECDH secret and the engine derives the KEK and unwraps).
//! [`TokenKey`] implements the message engine's [`ExternalSigner`] and
//! [`ExternalDecrypter`], so a CMS SignedData or EnvelopedData is made or opened with the
//! key without its private part ever leaving the token. Tested against SoftHSM2.
//!
//! SoftHSM2 2.6 decrypts RSAES-OAEP only with SHA-1 and MGF1-SHA-1: mail encrypted with
//! OAEP-SHA-256 (what `smime encrypt` writes by default) to a SoftHSM2 key does not open
//! (it fails like a wrong key). Tokens that implement CKM_RSA_PKCS_OAEP fully do not have
//! this limit; PKCS#1 v1.5 and OAEP-SHA-1 work everywhere.
//!
//! A module is loaded and initialised once per process (C_Initialize is process-wide and
//! C_Finalize would end every other user's sessions), so [`Token::open`] shares one context
//! per module path.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as Pkcs11Error, RvError};
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::mechanism::elliptic_curve::{EcKdf, Ecdh1DeriveParams};
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsOaepParams, PkcsOaepSource, PkcsPssParams};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{
    Attribute, AttributeInfo, AttributeType, KeyType, ObjectClass, ObjectHandle,
};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use der::asn1::{BitString, UintRef};
use der::{Encode, Sequence};
use smime::crypto::external_key::{ExternalDecrypter, ExternalSigner};
use smime::crypto::key_agreement::AgreementCurve;
use smime::crypto::key_transport::{KeyTransport, OaepHash};
use smime::crypto::{digest, DigestAlgorithm, SignatureScheme};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use zeroize::Zeroizing;

use crate::{Error, Result};

/// Where SoftHSM2's module is on Debian.
pub const SOFTHSM2_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

mod ec;

pub use ec::TokenCurve;
use ec::{ec_public_key, ecdsa_sig_value};
/// rsaEncryption (RFC 8017 A.1).
use smime_pkix::signature::RSA_ENCRYPTION;

/// RSAPublicKey (RFC 8017 A.1.1).
#[derive(Sequence)]
struct RsaPublicKey<'a> {
    modulus: UintRef<'a>,
    public_exponent: UintRef<'a>,
}

/// The process-wide context of each module, by path.
fn module(path: &Path) -> Result<Pkcs11> {
    static MODULES: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    let modules = MODULES.get_or_init(|| Mutex::new(HashMap::new()));
    let mut modules = modules
        .lock()
        .map_err(|_| token_error(path.display(), "the module table lock is poisoned"))?;
    if let Some(context) = modules.get(path) {
        return Ok(context.clone());
    }
    let context =
        Pkcs11::new(path).map_err(|e| pkcs11_error(path.display(), "loading the module", e))?;
    match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(Pkcs11Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(pkcs11_error(path.display(), "C_Initialize", e)),
    }
    modules.insert(path.to_path_buf(), context.clone());
    Ok(context)
}

fn token_error(what: impl std::fmt::Display, reason: impl Into<String>) -> Error {
    Error::Token {
        what: what.to_string(),
        reason: reason.into(),
    }
}

/// A cryptoki error as `doing: CKR name` (the library's long texts add nothing).
fn pkcs11_error(what: impl std::fmt::Display, doing: &str, e: Pkcs11Error) -> Error {
    let reason = match e {
        Pkcs11Error::Pkcs11(rv, _) => format!("{doing} failed: {rv:?}"),
        other => format!("{doing} failed: {other}"),
    };
    token_error(what, reason)
}

/// Read a PIN from a file (the first line; a secret is never an argument).
pub fn read_pin_file(path: &Path) -> Result<Zeroizing<String>> {
    crate::kek::read_secret_file(path, "PIN")
}

/// A logged-in session with one token.
pub struct Token {
    label: String,
    session: Mutex<Session>,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Token({:?})", self.label)
    }
}

/// What a token key is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKeyKind {
    /// RSA with this modulus size in bits.
    Rsa(usize),
    /// ECDSA (and ECDH) on this curve.
    Ec(TokenCurve),
}

/// What a generated private key may do besides signing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyUse {
    /// Sign, and decrypt (RSA) or derive (ECDH): a mail key.
    All,
    /// Sign only: a CA key.
    SignOnly,
}

/// An AES-256 secret key in a token (a key-encryption key), used through the token only.
#[derive(Debug, Clone, Copy)]
pub struct TokenSecretKey(ObjectHandle);

/// A private key in a token, with its public key read from the token.
#[derive(Clone)]
pub struct TokenKey {
    token: Arc<Token>,
    private: ObjectHandle,
    kind: TokenKeyKind,
    spki: SubjectPublicKeyInfoOwned,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TokenKey({})", self.description_text())
    }
}

impl Token {
    /// Open the token labelled `token_label` in `module` (a PKCS#11 library such as
    /// [`SOFTHSM2_MODULE`]) and log in as its user with `pin`. PKCS#11 logs in per process,
    /// not per session: once one handle of this process has logged in to the token, the
    /// token reports CKR_USER_ALREADY_LOGGED_IN and does not check `pin` again.
    pub fn open(module_path: &Path, token_label: &str, pin: &str) -> Result<Arc<Token>> {
        let what = format!("token {token_label:?} in {}", module_path.display());
        let context = module(module_path)?;
        let slots = context
            .get_slots_with_initialized_token()
            .map_err(|e| pkcs11_error(&what, "listing the slots", e))?;
        let slot: Slot = slots
            .into_iter()
            .find(|s| {
                context
                    .get_token_info(*s)
                    .is_ok_and(|info| info.label().trim_end() == token_label)
            })
            .ok_or_else(|| token_error(&what, "no initialised token has this label"))?;
        let session = context
            .open_rw_session(slot)
            .map_err(|e| pkcs11_error(&what, "opening a session", e))?;
        let pin = AuthPin::from(pin.to_string());
        match session.login(UserType::User, Some(&pin)) {
            // Login is per application, not per session: another session may have done it.
            Ok(()) | Err(Pkcs11Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(Pkcs11Error::Pkcs11(RvError::PinIncorrect, _)) => {
                return Err(token_error(&what, "wrong PIN"))
            }
            Err(e) => return Err(pkcs11_error(&what, "logging in", e)),
        }
        Ok(Arc::new(Token {
            label: token_label.to_string(),
            session: Mutex::new(session),
        }))
    }

    /// The token's label.
    pub fn label(&self) -> &str {
        &self.label
    }

    fn with_session<T>(&self, f: impl FnOnce(&Session) -> Result<T>) -> Result<T> {
        let session = self
            .session
            .lock()
            .map_err(|_| token_error(self.what(), "the session lock is poisoned"))?;
        f(&session)
    }

    fn what(&self) -> String {
        format!("token {:?}", self.label)
    }

    /// The attributes every generated private key has: kept in the token, usable only after
    /// login, never readable (sensitive) and never wrappable out of it (not extractable).
    fn private_template(label: &str, id: &[u8]) -> Vec<Attribute> {
        vec![
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Id(id.to_vec()),
        ]
    }

    /// Generate a key pair of `kind` (RSA with public exponent 65537, or EC on the curve
    /// through CKM_EC_KEY_PAIR_GEN, PKCS#11 v2.40 2.3.5) that signs and decrypts (RSA key
    /// transport) or agrees (ECDH): what a mailbox's encryption key needs; `label` and `id`
    /// (CKA_LABEL, CKA_ID) find it again.
    pub fn generate_key(
        self: &Arc<Self>,
        label: &str,
        id: &[u8],
        kind: TokenKeyKind,
    ) -> Result<TokenKey> {
        self.generate(label, id, kind, KeyUse::All)
    }

    /// Generate a key pair of `kind` that only signs (CKA_SIGN alone: no CKA_DECRYPT, no
    /// CKA_DERIVE), as a CA key should (one key, one purpose: NIST SP 800-57 Part 1 5.2).
    pub fn generate_signing_key(
        self: &Arc<Self>,
        label: &str,
        id: &[u8],
        kind: TokenKeyKind,
    ) -> Result<TokenKey> {
        self.generate(label, id, kind, KeyUse::SignOnly)
    }

    /// Generate a key pair of `kind` (CKM_RSA_PKCS_KEY_PAIR_GEN with exponent 65537, or
    /// CKM_EC_KEY_PAIR_GEN on the curve) with the uses of `key_use`.
    fn generate(
        self: &Arc<Self>,
        label: &str,
        id: &[u8],
        kind: TokenKeyKind,
        key_use: KeyUse,
    ) -> Result<TokenKey> {
        let all = key_use == KeyUse::All;
        let mut public = vec![
            Attribute::Token(true),
            Attribute::Verify(true),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Id(id.to_vec()),
        ];
        let mut private = Self::private_template(label, id);
        private.push(Attribute::Sign(true));
        let (mechanism, doing) = match kind {
            TokenKeyKind::Rsa(bits) => {
                public.extend([
                    Attribute::ModulusBits((bits as u64).into()),
                    Attribute::PublicExponent(vec![1, 0, 1]),
                    Attribute::Encrypt(all),
                ]);
                // Decrypt: RSA key transport (KeyTransRecipientInfo).
                private.push(Attribute::Decrypt(all));
                (
                    Mechanism::RsaPkcsKeyPairGen,
                    format!("generating an RSA {bits} key pair"),
                )
            }
            TokenKeyKind::Ec(curve) => {
                public.push(Attribute::EcParams(curve.params(&self.what())?));
                // Derive: ECDH for KeyAgreeRecipientInfo.
                private.push(Attribute::Derive(all));
                (
                    Mechanism::EccKeyPairGen,
                    format!("generating an EC {} key pair", curve.name()),
                )
            }
        };
        let (_, private) = self.with_session(|s| {
            s.generate_key_pair(&mechanism, &public, &private)
                .map_err(|e| pkcs11_error(self.what(), &doing, e))
        })?;
        self.key(private)
    }

    /// The AES-256 key labelled `label`; when `create` and there is none, one is generated
    /// in the token (kept, sensitive, never extractable, for encryption and decryption).
    pub fn secret_key(&self, label: &str, create: bool) -> Result<TokenSecretKey> {
        let what = format!("AES key {label:?} in {}", self.what());
        self.with_session(|s| {
            let found = s
                .find_objects(&[
                    Attribute::Class(ObjectClass::SECRET_KEY),
                    Attribute::KeyType(KeyType::AES),
                    Attribute::Label(label.as_bytes().to_vec()),
                ])
                .map_err(|e| pkcs11_error(&what, "finding the key", e))?;
            if let Some(key) = found.first() {
                return Ok(TokenSecretKey(*key));
            }
            if !create {
                return Err(token_error(&what, "not found"));
            }
            s.generate_key(
                &Mechanism::AesKeyGen,
                &[
                    Attribute::Token(true),
                    Attribute::Private(true),
                    Attribute::Sensitive(true),
                    Attribute::Extractable(false),
                    Attribute::ValueLen(32.into()),
                    Attribute::Encrypt(true),
                    Attribute::Decrypt(true),
                    Attribute::Label(label.as_bytes().to_vec()),
                ],
            )
            .map(TokenSecretKey)
            .map_err(|e| pkcs11_error(&what, "generating the key", e))
        })
    }

    /// AES-256-GCM encryption inside the token (CKM_AES_GCM, 128-bit tag): ciphertext || tag.
    pub fn gcm_encrypt(
        &self,
        key: &TokenSecretKey,
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>> {
        let mut iv = nonce.to_vec();
        self.with_session(|s| {
            let params = GcmParams::new(&mut iv, aad, 128.into())
                .map_err(|e| pkcs11_error(self.what(), "GCM parameters", e))?;
            s.encrypt(&Mechanism::AesGcm(params), key.0, plaintext)
                .map_err(|e| pkcs11_error(self.what(), "AES-GCM encryption", e))
        })
    }

    /// AES-256-GCM decryption inside the token; an authentication failure is an error.
    pub fn gcm_decrypt(
        &self,
        key: &TokenSecretKey,
        nonce: &[u8],
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        let mut iv = nonce.to_vec();
        self.with_session(|s| {
            let params = GcmParams::new(&mut iv, aad, 128.into())
                .map_err(|e| pkcs11_error(self.what(), "GCM parameters", e))?;
            s.decrypt(&Mechanism::AesGcm(params), key.0, sealed)
                .map(Zeroizing::new)
                .map_err(|e| pkcs11_error(self.what(), "AES-GCM decryption", e))
        })
    }

    /// Whether any object of the token (key, certificate, data) carries CKA_ID `id`: a new
    /// key's CKA_ID must be unique, since [`Token::find_key`] finds a key by it alone
    /// (PKCS#11 v2.40 4.4: CKA_ID is meant to tell keys apart, the token does not enforce it).
    pub fn id_in_use(&self, id: &[u8]) -> Result<bool> {
        self.with_session(|s| {
            s.find_objects(&[Attribute::Id(id.to_vec())])
                .map(|found| !found.is_empty())
                .map_err(|e| pkcs11_error(self.what(), "looking for objects with a CKA_ID", e))
        })
    }

    /// The private key with CKA_ID `id`.
    pub fn find_key(self: &Arc<Self>, id: &[u8]) -> Result<TokenKey> {
        let found = self.with_session(|s| {
            s.find_objects(&[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::Id(id.to_vec()),
            ])
            .map_err(|e| pkcs11_error(self.what(), "finding the key", e))
        })?;
        let private = found
            .first()
            .copied()
            .ok_or_else(|| token_error(self.what(), format!("no private key with id {id:02x?}")))?;
        self.key(private)
    }

    /// Read the kind and public key of `private` (its public key object holds the EC point;
    /// an RSA private key object carries the modulus and public exponent itself).
    fn key(self: &Arc<Self>, private: ObjectHandle) -> Result<TokenKey> {
        let what = self.what();
        let (kind, spki) = self.with_session(|s| {
            let attributes = s
                .get_attributes(private, &[AttributeType::KeyType, AttributeType::Id])
                .map_err(|e| pkcs11_error(&what, "reading the key type", e))?;
            let key_type = attributes.iter().find_map(|a| match a {
                Attribute::KeyType(t) => Some(*t),
                _ => None,
            });
            let id = attributes.iter().find_map(|a| match a {
                Attribute::Id(id) => Some(id.clone()),
                _ => None,
            });
            match key_type {
                Some(KeyType::RSA) => rsa_public_key(s, private, &what),
                Some(KeyType::EC) => ec_public_key(s, id.unwrap_or_default(), &what),
                other => Err(token_error(
                    &what,
                    format!("a key of type {other:?} is not supported (RSA, EC P-256, P-384)"),
                )),
            }
        })?;
        Ok(TokenKey {
            token: Arc::clone(self),
            private,
            kind,
            spki,
        })
    }
}

fn rsa_public_key(
    s: &Session,
    private: ObjectHandle,
    what: &str,
) -> Result<(TokenKeyKind, SubjectPublicKeyInfoOwned)> {
    let attributes = s
        .get_attributes(
            private,
            &[AttributeType::Modulus, AttributeType::PublicExponent],
        )
        .map_err(|e| pkcs11_error(what, "reading the RSA public key", e))?;
    let (mut modulus, mut exponent) = (None, None);
    for a in attributes {
        match a {
            Attribute::Modulus(m) => modulus = Some(m),
            Attribute::PublicExponent(e) => exponent = Some(e),
            _ => {}
        }
    }
    let (Some(modulus), Some(exponent)) = (modulus, exponent) else {
        return Err(token_error(what, "the RSA key has no modulus or exponent"));
    };
    let encode = |m: &[u8], e: &[u8]| -> der::Result<Vec<u8>> {
        RsaPublicKey {
            modulus: UintRef::new(m)?,
            public_exponent: UintRef::new(e)?,
        }
        .to_der()
    };
    let key = encode(&modulus, &exponent)
        .map_err(|e| token_error(what, format!("encoding the RSA public key: {e}")))?;
    let spki = SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: RSA_ENCRYPTION,
            parameters: Some(der::asn1::Null.into()),
        },
        subject_public_key: BitString::from_bytes(&key)
            .map_err(|e| token_error(what, format!("encoding the RSA public key: {e}")))?,
    };
    let bits = modulus.iter().skip_while(|b| **b == 0).count() * 8;
    Ok((TokenKeyKind::Rsa(bits), spki))
}

/// The PKCS#11 hash mechanism and MGF1 of a digest.
fn hash_mechanism(digest: DigestAlgorithm) -> Option<(MechanismType, PkcsMgfType)> {
    match digest {
        DigestAlgorithm::Sha256 => Some((MechanismType::SHA256, PkcsMgfType::MGF1_SHA256)),
        DigestAlgorithm::Sha384 => Some((MechanismType::SHA384, PkcsMgfType::MGF1_SHA384)),
        DigestAlgorithm::Sha512 => Some((MechanismType::SHA512, PkcsMgfType::MGF1_SHA512)),
        _ => None,
    }
}

impl TokenKey {
    /// RSA, or EC on P-256 or P-384.
    pub fn kind(&self) -> TokenKeyKind {
        self.kind
    }

    /// The token holding the key.
    pub fn token(&self) -> &Arc<Token> {
        &self.token
    }

    fn description_text(&self) -> String {
        match self.kind {
            TokenKeyKind::Rsa(bits) => format!("RSA {bits} in token {:?}", self.token.label),
            TokenKeyKind::Ec(curve) => {
                format!("EC {} in token {:?}", curve.name(), self.token.label)
            }
        }
    }

    /// Try to take the private key out of the token, as an attacker with the PIN would: read
    /// its secret attribute (CKA_PRIVATE_EXPONENT or CKA_VALUE), then wrap it under a fresh
    /// session AES key. A key generated here must refuse both: the error names the token's
    /// answers. Exists to prove that the key stays inside.
    pub fn try_extract(&self) -> Result<Vec<u8>> {
        let what = self.description_text();
        let secret = match self.kind {
            TokenKeyKind::Rsa(_) => AttributeType::PrivateExponent,
            TokenKeyKind::Ec(_) => AttributeType::Value,
        };
        self.token.with_session(|s| {
            let info = s
                .get_attribute_info(self.private, &[secret])
                .map_err(|e| pkcs11_error(&what, "reading the secret attribute", e))?;
            let read = match info.first() {
                Some(AttributeInfo::Available(_)) => {
                    let value = s
                        .get_attributes(self.private, &[secret])
                        .map_err(|e| pkcs11_error(&what, "reading the secret attribute", e))?;
                    return Ok(format!("{value:?}").into_bytes());
                }
                Some(other) => format!("{secret:?} is {other:?}"),
                None => format!("{secret:?} is not reported"),
            };
            let wrapping = s
                .generate_key(
                    &Mechanism::AesKeyGen,
                    &[
                        Attribute::Token(false),
                        Attribute::ValueLen(32.into()),
                        Attribute::Wrap(true),
                    ],
                )
                .map_err(|e| pkcs11_error(&what, "making a wrapping key", e))?;
            let wrapped = s.wrap_key(&Mechanism::AesKeyWrapPad, wrapping, self.private);
            let _ = s.destroy_object(wrapping);
            match wrapped {
                Ok(w) => Ok(w),
                Err(e) => Err(pkcs11_error(&what, &format!("{read}; wrapping the key"), e)),
            }
        })
    }
}

impl ExternalSigner for TokenKey {
    fn public_key_spki(&self) -> SubjectPublicKeyInfoOwned {
        self.spki.clone()
    }

    /// RSA: CKM_SHA*_RSA_PKCS or CKM_SHA*_RSA_PKCS_PSS (salt as long as the hash, RFC 4056
    /// 3) hash inside the token. ECDSA: the message is hashed here and the token signs the
    /// hash with CKM_ECDSA, whose r || s output becomes an ECDSA-Sig-Value.
    fn sign(&self, scheme: &SignatureScheme, message: &[u8]) -> smime::Result<Vec<u8>> {
        let what = self.description_text();
        let refuse = |reason: String| smime::Error::key(&what, reason);
        let result = match (self.kind, scheme) {
            (TokenKeyKind::Rsa(_), SignatureScheme::RsaPkcs1(d)) => {
                let mechanism = match d {
                    DigestAlgorithm::Sha256 => Mechanism::Sha256RsaPkcs,
                    DigestAlgorithm::Sha384 => Mechanism::Sha384RsaPkcs,
                    DigestAlgorithm::Sha512 => Mechanism::Sha512RsaPkcs,
                    _ => return Err(refuse(format!("{} is not used for signing", d.name()))),
                };
                self.token_sign(&mechanism, message)
            }
            (TokenKeyKind::Rsa(_), SignatureScheme::RsaPss(d)) => {
                let (hash_alg, mgf) = hash_mechanism(*d)
                    .ok_or_else(|| refuse(format!("{} is not used for signing", d.name())))?;
                let params = PkcsPssParams {
                    hash_alg,
                    mgf,
                    s_len: (d.output_len() as u64).into(),
                };
                let mechanism = match d {
                    DigestAlgorithm::Sha256 => Mechanism::Sha256RsaPkcsPss(params),
                    DigestAlgorithm::Sha384 => Mechanism::Sha384RsaPkcsPss(params),
                    _ => Mechanism::Sha512RsaPkcsPss(params),
                };
                self.token_sign(&mechanism, message)
            }
            (TokenKeyKind::Ec(curve), SignatureScheme::Ecdsa(d)) => {
                let hash = digest(*d, message);
                self.token_sign(&Mechanism::Ecdsa, &hash)
                    .and_then(|rs| ecdsa_sig_value(curve, &rs, &what))
            }
            _ => {
                return Err(refuse(format!(
                    "this key cannot make a {} signature",
                    scheme.name()
                )))
            }
        };
        result.map_err(|e| refuse(e.to_string()))
    }

    fn description(&self) -> String {
        self.description_text()
    }
}

impl TokenKey {
    fn token_sign(&self, mechanism: &Mechanism, data: &[u8]) -> Result<Vec<u8>> {
        self.token.with_session(|s| {
            s.sign(mechanism, self.private, data)
                .map_err(|e| pkcs11_error(self.description_text(), "signing", e))
        })
    }
}

impl ExternalDecrypter for TokenKey {
    /// RSA: CKM_RSA_PKCS or CKM_RSA_PKCS_OAEP (MGF1 with the OAEP hash, no label) inside the
    /// token. Every failure is `None`: the engine goes on with a random key (RFC 3218).
    fn decrypt(&self, transport: KeyTransport, encrypted_key: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        if !matches!(self.kind, TokenKeyKind::Rsa(_)) {
            return None;
        }
        let oaep;
        let mechanism = match transport {
            KeyTransport::RsaPkcs1 => Mechanism::RsaPkcs,
            KeyTransport::RsaOaep(hash) => {
                let (hash_alg, mgf) = match hash {
                    OaepHash::Sha1 => (MechanismType::SHA1, PkcsMgfType::MGF1_SHA1),
                    OaepHash::Sha256 => (MechanismType::SHA256, PkcsMgfType::MGF1_SHA256),
                    OaepHash::Sha384 => (MechanismType::SHA384, PkcsMgfType::MGF1_SHA384),
                    OaepHash::Sha512 => (MechanismType::SHA512, PkcsMgfType::MGF1_SHA512),
                };
                oaep = PkcsOaepParams::new(hash_alg, mgf, PkcsOaepSource::empty());
                Mechanism::RsaPkcsOaep(oaep)
            }
        };
        let session = self.token.session.lock().ok()?;
        session
            .decrypt(&mechanism, self.private, encrypted_key)
            .ok()
            .map(Zeroizing::new)
    }

    fn agreement_curve(&self) -> Option<AgreementCurve> {
        match self.kind {
            TokenKeyKind::Ec(curve) => Some(curve.agreement()),
            TokenKeyKind::Rsa(_) => None,
        }
    }

    /// CKM_ECDH1_DERIVE without a KDF (PKCS#11 v2.40 2.3.15) into a session-only generic
    /// secret, read and destroyed at once: Z leaves the token, the private key never does.
    fn agree(&self, originator_public_key: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let TokenKeyKind::Ec(curve) = self.kind else {
            return None;
        };
        let session = self.token.session.lock().ok()?;
        let params = Ecdh1DeriveParams::new(EcKdf::null(), originator_public_key);
        let secret = session
            .derive_key(
                &Mechanism::Ecdh1Derive(params),
                self.private,
                &[
                    Attribute::Class(ObjectClass::SECRET_KEY),
                    Attribute::KeyType(KeyType::GENERIC_SECRET),
                    Attribute::Token(false),
                    Attribute::Sensitive(false),
                    Attribute::Extractable(true),
                    Attribute::ValueLen((curve.field_len() as u64).into()),
                ],
            )
            .ok()?;
        let value = session.get_attributes(secret, &[AttributeType::Value]);
        let _ = session.destroy_object(secret);
        value.ok()?.into_iter().find_map(|a| match a {
            Attribute::Value(z) => Some(Zeroizing::new(z)),
            _ => None,
        })
    }

    fn description(&self) -> String {
        self.description_text()
    }
}

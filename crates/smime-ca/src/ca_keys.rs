//! Where the CA's own keys are made: in software ([`crate::keygen`], then sealed in the
//! store) or inside a PKCS#11 token, where they are generated sensitive and never
//! extractable (PKCS#11 v2.40 4.9: CKA_SENSITIVE true, CKA_EXTRACTABLE false) and sign
//! there. [`crate::hierarchy::create_with`] takes either as a [`CaKeySource`].

use std::sync::Arc;

use smime::crypto::external_key::ExternalSigner;
use smime::crypto::PrivateKey;
use smime_store::pkcs11::{Token, TokenCurve, TokenKey, TokenKeyKind};
use spki::SubjectPublicKeyInfoOwned;
use zeroize::Zeroizing;

use crate::keygen::{generate, GeneratedKey, KeyAlgorithm};
use crate::profile::Usage;
use crate::signing::crypto;
use crate::{Error, Result};

/// Octets of the random CKA_ID given to each CA key made in a token.
const TOKEN_ID_OCTETS: usize = 16;

/// Where a CA's private key is.
pub enum CaKeyMaterial {
    /// PKCS#8 (RFC 5958), to seal in the store.
    Pkcs8(Zeroizing<Vec<u8>>),
    /// In a PKCS#11 token under this CKA_ID.
    Token {
        /// The token.
        token: Arc<Token>,
        /// The key's CKA_ID (unique per key).
        id: Vec<u8>,
    },
}

/// A CA key pair: ready to sign, and where it is kept.
pub struct CaKey {
    /// What was generated.
    pub algorithm: KeyAlgorithm,
    /// The key, ready to sign (inside the token for a token key).
    pub key: PrivateKey,
    /// Where the private key is.
    pub material: CaKeyMaterial,
}

impl std::fmt::Debug for CaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.material {
            CaKeyMaterial::Pkcs8(_) => write!(f, "CaKey({}, software)", self.algorithm.name()),
            CaKeyMaterial::Token { token, .. } => {
                write!(
                    f,
                    "CaKey({}, token {:?})",
                    self.algorithm.name(),
                    token.label()
                )
            }
        }
    }
}

impl CaKey {
    /// The PKCS#8 of a software key; `None` for a key in a token (it never leaves it).
    pub fn pkcs8(&self) -> Option<&[u8]> {
        match &self.material {
            CaKeyMaterial::Pkcs8(der) => Some(der.as_slice()),
            CaKeyMaterial::Token { .. } => None,
        }
    }
}

impl From<GeneratedKey> for CaKey {
    fn from(generated: GeneratedKey) -> CaKey {
        CaKey {
            algorithm: generated.algorithm,
            key: generated.key,
            material: CaKeyMaterial::Pkcs8(generated.pkcs8),
        }
    }
}

/// Makes the key pair of each CA of a hierarchy.
pub trait CaKeySource {
    /// A new key pair of `algorithm` for the CA labelled `label` (`root`, `intermediate-1`).
    fn make(&mut self, label: &str, algorithm: KeyAlgorithm) -> Result<CaKey>;
}

/// Keys generated in software by the crypto backend ([`generate`]).
#[derive(Debug, Default, Clone, Copy)]
pub struct SoftwareKeys;

impl CaKeySource for SoftwareKeys {
    fn make(&mut self, _label: &str, algorithm: KeyAlgorithm) -> Result<CaKey> {
        generate(algorithm).map(CaKey::from)
    }
}

/// Keys generated inside a PKCS#11 token that only sign ([`Token::generate_signing_key`]):
/// CKA_LABEL `smime ca:<label>`, a random CKA_ID.
/// EC P-256/P-384 through CKM_EC_KEY_PAIR_GEN, RSA 3072/4096 through
/// CKM_RSA_PKCS_KEY_PAIR_GEN; a token that cannot make one is named with its answer.
#[derive(Debug, Clone)]
pub struct TokenKeys {
    token: Arc<Token>,
}

impl TokenKeys {
    /// Make the CA keys in `token` (opened and logged in).
    pub fn new(token: Arc<Token>) -> TokenKeys {
        TokenKeys { token }
    }
}

impl CaKeySource for TokenKeys {
    fn make(&mut self, label: &str, algorithm: KeyAlgorithm) -> Result<CaKey> {
        let what = format!(
            "a {} key for CA {label} in PKCS#11 token {:?}",
            algorithm.name(),
            self.token.label()
        );
        let cka_label = format!("smime ca:{label}");
        let (id, key) =
            generate_in_token(&self.token, &what, &cka_label, token_kind(algorithm), true)?;
        let key = PrivateKey::external(Box::new(key)).map_err(|e| crypto(&what, e))?;
        Ok(CaKey {
            algorithm,
            key,
            material: CaKeyMaterial::Token {
                token: Arc::clone(&self.token),
                id,
            },
        })
    }
}

/// A subscriber's key pair made inside a token: where to find it again and the public key
/// to certify (its private key never leaves the token).
#[derive(Debug, Clone)]
pub struct SubscriberTokenKey {
    /// Its CKA_ID.
    pub id: Vec<u8>,
    /// Its public key, read from the token.
    pub public_key: SubjectPublicKeyInfoOwned,
}

/// Make the key pair of `email`'s certificate for `usage` inside `token` (CKA_LABEL
/// `smime:<email>:<usage>`, a fresh random CKA_ID), sensitive and never extractable
/// (PKCS#11 v2.40 4.9). A signing key only signs (CKA_SIGN); a key that encrypts can also
/// decrypt (RSA, CKA_DECRYPT: KeyTransRecipientInfo, RFC 5652 6.2.1) or derive (EC,
/// CKA_DERIVE: ECDH for KeyAgreeRecipientInfo, RFC 5753 3.1), and sign.
pub fn make_subscriber_token_key(
    token: &Arc<Token>,
    email: &str,
    usage: Usage,
    algorithm: KeyAlgorithm,
) -> Result<SubscriberTokenKey> {
    let what = format!(
        "a {} {} key for {email} in PKCS#11 token {:?}",
        algorithm.name(),
        usage.name(),
        token.label()
    );
    let label = format!("smime:{email}:{}", usage.name());
    let sign_only = usage == Usage::Sign;
    let (id, key) = generate_in_token(token, &what, &label, token_kind(algorithm), sign_only)?;
    Ok(SubscriberTokenKey {
        id,
        public_key: key.public_key_spki(),
    })
}

/// A new key pair of `kind` in `token` under a fresh CKA_ID ([`fresh_token_id`]), labelled
/// `cka_label`: one that only signs, or one that also decrypts or agrees. A token that
/// cannot make it is named, with its answer, in an error about `what`.
fn generate_in_token(
    token: &Arc<Token>,
    what: &str,
    cka_label: &str,
    kind: TokenKeyKind,
    sign_only: bool,
) -> Result<(Vec<u8>, TokenKey)> {
    let id = fresh_token_id(token, what)?;
    let generated = if sign_only {
        token.generate_signing_key(cka_label, &id, kind)
    } else {
        token.generate_key(cka_label, &id, kind)
    };
    let key = generated.map_err(|e| Error::Refused {
        what: what.to_string(),
        reason: format!("the token cannot make it: {e}"),
    })?;
    Ok((id, key))
}

/// The token key kind of an algorithm: EC P-256/P-384 through CKM_EC_KEY_PAIR_GEN, RSA
/// 3072/4096 through CKM_RSA_PKCS_KEY_PAIR_GEN (PKCS#11 v2.40 2.3.5, 2.1.4).
fn token_kind(algorithm: KeyAlgorithm) -> TokenKeyKind {
    match algorithm {
        KeyAlgorithm::P256 => TokenKeyKind::Ec(TokenCurve::P256),
        KeyAlgorithm::P384 => TokenKeyKind::Ec(TokenCurve::P384),
        KeyAlgorithm::Rsa3072 => TokenKeyKind::Rsa(3072),
        KeyAlgorithm::Rsa4096 => TokenKeyKind::Rsa(4096),
    }
}

/// How many random CKA_IDs are drawn before giving up: with 128 random bits a second draw
/// colliding means the generator or the token is broken, not bad luck.
const TOKEN_ID_ATTEMPTS: usize = 4;

/// A random CKA_ID no object in `token` carries yet (drawn again on a collision).
fn fresh_token_id(token: &Token, what: &str) -> Result<Vec<u8>> {
    let random = |id: &mut [u8]| {
        aws_lc_rs::rand::fill(id).map_err(|_| Error::Crypto {
            what: what.to_string(),
            reason: "the random generator failed making its CKA_ID".into(),
        })
    };
    let in_use = |id: &[u8]| {
        token.id_in_use(id).map_err(|e| Error::Refused {
            what: what.to_string(),
            reason: format!("the token cannot be searched for its CKA_ID: {e}"),
        })
    };
    fresh_id(what, random, in_use)
}

/// A CKA_ID from `random` that `in_use` says is free, after at most [`TOKEN_ID_ATTEMPTS`]
/// draws.
fn fresh_id(
    what: &str,
    mut random: impl FnMut(&mut [u8]) -> Result<()>,
    mut in_use: impl FnMut(&[u8]) -> Result<bool>,
) -> Result<Vec<u8>> {
    let mut id = vec![0u8; TOKEN_ID_OCTETS];
    for _ in 0..TOKEN_ID_ATTEMPTS {
        random(&mut id)?;
        if !in_use(&id)? {
            return Ok(id);
        }
    }
    Err(Error::Refused {
        what: what.to_string(),
        reason: format!("{TOKEN_ID_ATTEMPTS} random CKA_IDs were all in use in the token already"),
    })
}

#[cfg(test)]
mod tests {
    use der::Encode;
    use smime::CryptoPolicy;
    use smime_pkix::signature::verify_signed_data;

    use super::*;
    use crate::hierarchy::{create_with, CaOptions};
    use crate::organization::Organization;

    /// Software keys, recording the labels asked for and the public keys made.
    #[derive(Default)]
    struct Recording {
        made: Vec<(String, spki::SubjectPublicKeyInfoOwned)>,
    }

    impl CaKeySource for Recording {
        fn make(&mut self, label: &str, algorithm: KeyAlgorithm) -> Result<CaKey> {
            let key = SoftwareKeys.make(label, algorithm)?;
            self.made
                .push((label.to_string(), key.key.public_key_spki()));
            Ok(key)
        }
    }

    #[test]
    fn fresh_id_colliding_draw_is_drawn_again() {
        let taken = [7u8; TOKEN_ID_OCTETS];
        let mut draws = 0u8;
        let random = |id: &mut [u8]| {
            // First draw: the id already in the token; then a different one.
            id.fill(if draws == 0 { 7 } else { 9 });
            draws += 1;
            Ok(())
        };
        let id = fresh_id("test key", random, |id| Ok(id == taken)).unwrap();
        assert_eq!(id, [9u8; TOKEN_ID_OCTETS]);
    }

    #[test]
    fn fresh_id_always_in_use_is_refused() {
        let random = |id: &mut [u8]| {
            id.fill(1);
            Ok(())
        };
        let err = fresh_id("test key", random, |_| Ok(true)).unwrap_err();
        assert!(err.to_string().contains("CKA_ID"), "{err}");
    }

    #[test]
    fn create_with_source_makes_each_ca_key_there_and_parents_sign() {
        let org = Organization::new("Source Org", &["example.org".to_string()]).unwrap();
        let mut options = CaOptions::new(org);
        options.levels = 2;
        options.key_algorithm = KeyAlgorithm::P256;
        let mut source = Recording::default();
        let h = create_with(options, 1_700_000_000, &mut source).unwrap();
        let labels: Vec<&str> = source.made.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(labels, ["root", "intermediate-1", "intermediate-2"]);
        let cas: Vec<_> = std::iter::once(&h.root).chain(&h.intermediates).collect();
        for (ca, (label, spki)) in cas.iter().zip(&source.made) {
            assert_eq!(&ca.label, label);
            assert_eq!(
                &ca.certificate.tbs_certificate.subject_public_key_info,
                spki
            );
            assert!(ca.key.pkcs8().is_some(), "{label}: a software key");
        }
        // Each certificate is signed by the key its parent's source made (the root by itself).
        let policy = CryptoPolicy::strict();
        for (i, ca) in cas.iter().enumerate() {
            let parent = &source.made[i.saturating_sub(1)].1;
            let tbs = ca.certificate.tbs_certificate.to_der().unwrap();
            let cert = &ca.certificate;
            assert!(
                verify_signed_data(
                    parent,
                    &cert.signature_algorithm,
                    &tbs,
                    &cert.signature,
                    &policy
                )
                .unwrap(),
                "{}",
                ca.label
            );
        }
    }
}

//! The recipient side of decryption: which RecipientInfo (RFC 5652 6.2) belongs to the
//! decryption identity, and the content-encryption key unwrapped from it.
//!
//! [`content_key_candidates`] is the one call the decryption flow makes. It returns the
//! candidate content keys in the order to try them; the content stage (tag or padding check)
//! decides which one is right. Unwrapping never fails visibly (RFC 3218, see
//! [`DecryptingKey::unwrap_content_key`]): a wrong key gives a random candidate, so a wrong
//! key, a changed encryptedKey and a changed ciphertext all end in the same failure.
//!
//! A RecipientInfo is found by the recipient certificate (ktri `rid`, kari
//! RecipientEncryptedKey `rid`) or by the key identifier of a previously distributed key
//! (kekri). Without a certificate, or when asked, the private key is tried against every
//! RecipientInfo of its kind: RSA against each ktri, an EC or X25519 key against each kari
//! whose originator key is on its curve.

use x509_cert::Certificate;
use zeroize::Zeroizing;

use crate::cms::recipient_info::{KeyAgreeRecipientInfo, Originator, RecipientInfo};
use crate::crypto::cipher::random_bytes;
use crate::crypto::key_wrap::KeyWrapAlgorithm;
use crate::crypto::{describe_name, DecryptingKey, DecryptingKeyKind};
use crate::{CryptoPolicy, Error, Result};

/// A previously distributed AES key-encryption key and its identifier (RFC 5652 6.2.3).
pub struct KeyEncryptionKey {
    id: Vec<u8>,
    key: Zeroizing<Vec<u8>>,
}

impl KeyEncryptionKey {
    /// A key-encryption key of 16, 24 or 32 bytes (AES-128, AES-192 or AES-256 key wrap)
    /// named `id`.
    pub fn new(id: Vec<u8>, key: Zeroizing<Vec<u8>>) -> Result<Self> {
        if ![16, 24, 32].contains(&key.len()) {
            return Err(Error::key(
                "key-encryption key",
                format!(
                    "{} bytes; an AES key wrap key has 16, 24 or 32 bytes",
                    key.len()
                ),
            ));
        }
        Ok(KeyEncryptionKey { id, key })
    }
}

/// Who decrypts: a recipient certificate and its private key, a private key alone, or a
/// previously distributed key-encryption key.
pub struct RecipientIdentity {
    certificate: Option<Certificate>,
    key: Option<DecryptingKey>,
    kek: Option<KeyEncryptionKey>,
    try_every_recipient: bool,
}

impl RecipientIdentity {
    /// An identity from a certificate (which finds the RecipientInfo) and its private key.
    pub fn new(certificate: Certificate, key: DecryptingKey) -> Self {
        RecipientIdentity {
            certificate: Some(certificate),
            key: Some(key),
            kek: None,
            try_every_recipient: false,
        }
    }

    /// A private key alone: it is tried against every RecipientInfo of its kind.
    pub fn key_only(key: DecryptingKey) -> Self {
        RecipientIdentity {
            certificate: None,
            key: Some(key),
            kek: None,
            try_every_recipient: true,
        }
    }

    /// A previously distributed key-encryption key (KEKRecipientInfo).
    pub fn kek(kek: KeyEncryptionKey) -> Self {
        RecipientIdentity {
            certificate: None,
            key: None,
            kek: Some(kek),
            try_every_recipient: false,
        }
    }

    /// When no RecipientInfo names the certificate, try the key against every
    /// RecipientInfo of its kind anyway (for a message that names the recipient by another
    /// certificate of the same key).
    pub fn try_every_recipient(mut self, yes: bool) -> Self {
        self.try_every_recipient = yes;
        self
    }

    /// A description for "not a recipient" reports.
    fn describe(&self) -> String {
        match (&self.certificate, &self.key, &self.kek) {
            (Some(c), _, _) => format!(
                "the certificate (issuer {}, serial {})",
                describe_name(&c.tbs_certificate.issuer),
                hex(c.tbs_certificate.serial_number.as_bytes())
            ),
            (None, Some(k), _) => format!("the {} key", k.description()),
            (None, None, Some(kek)) => format!("the key-encryption key {}", hex(&kek.id)),
            (None, None, None) => "no key".into(),
        }
    }
}

impl std::fmt::Debug for RecipientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecipientIdentity({})", self.describe())
    }
}

/// A content-encryption key unwrapped from one RecipientInfo.
pub struct ContentKeyCandidate {
    /// Which RecipientInfo (0-based) it came from.
    pub index: usize,
    /// The key management algorithm, for reports (e.g. `RSAES-OAEP (SHA-256, MGF1-SHA-256)`).
    pub algorithm: String,
    /// The content-encryption key (random when the unwrap failed, RFC 3218).
    pub key: Zeroizing<Vec<u8>>,
}

/// What the search for the identity's RecipientInfo found.
pub enum RecipientSearch {
    /// Keys to try on the content, in order (at least one).
    Found(Vec<ContentKeyCandidate>),
    /// No RecipientInfo belongs to the identity: why, naming the identity.
    NotRecipient(String),
}

/// Find the RecipientInfo(s) of `identity` among `recipient_infos` and unwrap a content key
/// of `key_len` bytes from each. Errors are for a RecipientInfo of the identity whose
/// algorithm is unsupported or whose kind does not fit the key. A key that is not the
/// certificate's is not detected here: it fails at the content stage like any wrong key.
pub fn content_key_candidates(
    recipient_infos: &[RecipientInfo],
    identity: &RecipientIdentity,
    key_len: usize,
    policy: &CryptoPolicy,
) -> Result<RecipientSearch> {
    if let Some(why) = identity.key.as_ref().and_then(DecryptingKey::legacy) {
        if !policy.legacy_allowed() {
            return Err(Error::Refused {
                what: format!("the decryption key ({why})"),
                reason: LEGACY_HINT.into(),
            });
        }
    }
    let mut candidates = Vec::new();
    for (index, ri) in recipient_infos.iter().enumerate() {
        if let Some(key) = unwrap_named(ri, identity, key_len, policy)? {
            candidates.push(ContentKeyCandidate {
                index,
                algorithm: key.0,
                key: key.1,
            });
        }
    }
    let try_all = identity.try_every_recipient || identity.certificate.is_none();
    if candidates.is_empty() && try_all {
        if let Some(key) = &identity.key {
            for (index, ri) in recipient_infos.iter().enumerate() {
                for (algorithm, content_key) in unwrap_any(ri, key, key_len, policy)? {
                    candidates.push(ContentKeyCandidate {
                        index,
                        algorithm: format!("{algorithm}, tried without a matching certificate"),
                        key: content_key,
                    });
                }
            }
        }
    }
    if !candidates.is_empty() {
        return Ok(RecipientSearch::Found(candidates));
    }
    let listed: Vec<String> = recipient_infos
        .iter()
        .map(RecipientInfo::describe)
        .collect();
    Ok(RecipientSearch::NotRecipient(format!(
        "{} is not among the {} recipients of the message ({})",
        identity.describe(),
        recipient_infos.len(),
        listed.join("; ")
    )))
}

/// Why a legacy algorithm is refused, and how to allow it.
const LEGACY_HINT: &str =
    "it is legacy; to read old mail, allow it with --allow-legacy (CryptoPolicy::allow_legacy)";

/// A legacy key wrap (3DES, RFC 3217) is used only when the policy allows legacy algorithms.
fn check_wrap_policy(wrap: KeyWrapAlgorithm, policy: &CryptoPolicy) -> Result<()> {
    if wrap.is_legacy() && !policy.legacy_allowed() {
        return Err(Error::Refused {
            what: wrap.name().into(),
            reason: LEGACY_HINT.into(),
        });
    }
    Ok(())
}

/// The content key from `ri` if it names the identity: its certificate (ktri, kari) or its
/// key-encryption key identifier (kekri).
fn unwrap_named(
    ri: &RecipientInfo,
    identity: &RecipientIdentity,
    key_len: usize,
    policy: &CryptoPolicy,
) -> Result<Option<(String, Zeroizing<Vec<u8>>)>> {
    match ri {
        RecipientInfo::KeyTransport(ktri) => {
            let (Some(cert), Some(key)) = (&identity.certificate, &identity.key) else {
                return Ok(None);
            };
            if !ktri.rid.matches(cert) {
                return Ok(None);
            }
            let transport = ktri.key_transport.clone().map_err(Error::Unexpected)?;
            if key.kind() != DecryptingKeyKind::Rsa {
                return Err(Error::key(
                    "decryption key",
                    format!(
                        "the message uses RSA key transport for this certificate, but the key is {}",
                        key.description()
                    ),
                ));
            }
            let content_key = key.unwrap_content_key(transport, &ktri.encrypted_key, key_len)?;
            Ok(Some((transport.name(), content_key)))
        }
        RecipientInfo::KeyAgreement(kari) => {
            let (Some(cert), Some(key)) = (&identity.certificate, &identity.key) else {
                return Ok(None);
            };
            let Some(rek) = kari
                .recipient_encrypted_keys
                .iter()
                .find(|r| r.rid.matches(cert))
            else {
                return Ok(None);
            };
            unwrap_agreed(kari, key, &rek.encrypted_key, key_len, true, policy)
        }
        RecipientInfo::Kek(kekri) => {
            let Some(kek) = &identity.kek else {
                return Ok(None);
            };
            if kekri.key_identifier != kek.id {
                return Ok(None);
            }
            let wrap = kekri.key_wrap.clone().map_err(Error::Unexpected)?;
            check_wrap_policy(wrap, policy)?;
            if kek.key.len() != wrap.kek_len() {
                return Err(Error::key(
                    "key-encryption key",
                    format!(
                        "the message wraps with {}, which takes a {}-byte key, not {} bytes",
                        wrap.name(),
                        wrap.kek_len(),
                        kek.key.len()
                    ),
                ));
            }
            let content_key = unwrap_or_random(wrap, &kek.key, &kekri.encrypted_key, key_len)?;
            Ok(Some((
                format!("previously distributed key ({})", wrap.name()),
                content_key,
            )))
        }
        RecipientInfo::Other(_) => Ok(None),
    }
}

/// Every content key `key` may open in `ri`, without looking at the recipient identifiers.
fn unwrap_any(
    ri: &RecipientInfo,
    key: &DecryptingKey,
    key_len: usize,
    policy: &CryptoPolicy,
) -> Result<Vec<(String, Zeroizing<Vec<u8>>)>> {
    match (ri, key.kind()) {
        (RecipientInfo::KeyTransport(ktri), DecryptingKeyKind::Rsa) => {
            let Ok(transport) = ktri.key_transport.clone() else {
                return Ok(vec![]);
            };
            let content_key = key.unwrap_content_key(transport, &ktri.encrypted_key, key_len)?;
            Ok(vec![(transport.name(), content_key)])
        }
        (RecipientInfo::KeyAgreement(kari), kind)
            if kari.originator.fits_key(kind) && kari.key_agreement.is_ok() =>
        {
            let mut out = Vec::new();
            for rek in &kari.recipient_encrypted_keys {
                if let Some(found) =
                    unwrap_agreed(kari, key, &rek.encrypted_key, key_len, false, policy)?
                {
                    out.push(found);
                }
            }
            Ok(out)
        }
        _ => Ok(vec![]),
    }
}

/// Agree with the originator key of `kari` and unwrap `encrypted_key`. `named`: the
/// RecipientEncryptedKey names the identity's certificate, so an unusable RecipientInfo is
/// an error rather than a miss.
fn unwrap_agreed(
    kari: &KeyAgreeRecipientInfo,
    key: &DecryptingKey,
    encrypted_key: &[u8],
    key_len: usize,
    named: bool,
    policy: &CryptoPolicy,
) -> Result<Option<(String, Zeroizing<Vec<u8>>)>> {
    let kind = key.kind();
    let group = match kind {
        DecryptingKeyKind::Agreement(curve) => Some(curve.name().to_string()),
        DecryptingKeyKind::Dh => Some(key.description()),
        DecryptingKeyKind::Rsa => None,
    };
    let Some(group) = group else {
        return if named {
            Err(Error::key(
                "decryption key",
                format!(
                    "the message uses key agreement for this certificate, but the key is {}",
                    key.description()
                ),
            ))
        } else {
            Ok(None)
        };
    };
    let agreement = match &kari.key_agreement {
        Ok(a) => *a,
        Err(e) if named => return Err(Error::Unexpected(e.clone())),
        Err(_) => return Ok(None),
    };
    let Originator::PublicKey { public_key, .. } = &kari.originator else {
        return if named {
            Err(Error::UnsupportedAlgorithm {
                oid: "static-static ECDH (an originator certificate instead of an ephemeral key)"
                    .into(),
                context: "key agreement",
            })
        } else {
            Ok(None)
        };
    };
    // ESDH goes with a DH key, ECDH and X25519 with EC and X25519 keys.
    let same_kind = agreement.is_finite_field() == (kind == DecryptingKeyKind::Dh);
    if !kari.originator.fits_key(kind) || !same_kind {
        return if named {
            Err(Error::Unexpected(format!(
                "the KeyAgreeRecipientInfo ({}) does not fit the recipient's {group} key",
                agreement.name()
            )))
        } else {
            Ok(None)
        };
    }
    check_wrap_policy(agreement.wrap, policy)?;
    let content_key = key.unwrap_agreed_key(
        &agreement,
        public_key,
        kari.ukm.as_deref(),
        encrypted_key,
        key_len,
    )?;
    let mut name = format!("{} on {group}", agreement.name());
    if agreement.uses_sha1() {
        name.push_str(" (SHA-1 in the KDF: accepted for reading, never written)");
    }
    Ok(Some((name, content_key)))
}

/// AES key unwrap of a content key, a random key of `key_len` bytes on any failure.
fn unwrap_or_random(
    wrap: KeyWrapAlgorithm,
    kek: &[u8],
    encrypted_key: &[u8],
    key_len: usize,
) -> Result<Zeroizing<Vec<u8>>> {
    let random = random_bytes(key_len)?;
    Ok(match wrap.unwrap(kek, encrypted_key) {
        Some(k) if k.len() == key_len => k,
        _ => random,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cms::recipient_info::KekRecipientInfo;
    use crate::crypto::x942::legacy_key_wrap_for_tests;

    /// A KEKRecipientInfo with the 3DES key wrap (RFC 3217) is legacy: refused by the
    /// strict policy (naming the wrap and --allow-legacy), unwrapped with `allow_legacy`.
    #[test]
    fn kekri_3des_wrap_only_with_allow_legacy() {
        let kek: Vec<u8> = (1..=24).collect();
        let content_key: Vec<u8> = (50..74).collect();
        let infos = [RecipientInfo::Kek(KekRecipientInfo {
            version: 4,
            key_identifier: b"k".to_vec(),
            key_wrap: Ok(KeyWrapAlgorithm::Des3),
            encrypted_key: legacy_key_wrap_for_tests(&kek, &content_key, [3; 8], None),
        })];
        let identity = || {
            RecipientIdentity::kek(
                KeyEncryptionKey::new(b"k".to_vec(), Zeroizing::new(kek.clone())).unwrap(),
            )
        };
        let err = content_key_candidates(&infos, &identity(), 24, &CryptoPolicy::strict())
            .err()
            .unwrap();
        let message = err.to_string();
        assert!(
            matches!(err, Error::Refused { .. })
                && message.contains("3DES key wrap")
                && message.contains("--allow-legacy"),
            "{message}"
        );
        let legacy = CryptoPolicy::strict().allow_legacy();
        let RecipientSearch::Found(found) =
            content_key_candidates(&infos, &identity(), 24, &legacy).unwrap()
        else {
            panic!("the key id matches");
        };
        assert_eq!(&found[0].key[..], &content_key[..]);
    }
}

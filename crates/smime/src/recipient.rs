//! The recipient side of decryption: which RecipientInfo (RFC 5652 6.2) belongs to the
//! decryption identity, and the content-encryption key unwrapped from it.
//!
//! [`content_key_candidates`] is the one call the decryption flow makes. It returns the
//! candidate content keys in the order to try them; the content stage (tag or padding check)
//! decides which one is right. Key transport never fails visibly (RFC 3218, see
//! [`DecryptingKey::unwrap_content_key`]): a wrong RSA key gives a random candidate.

use x509_cert::Certificate;
use zeroize::Zeroizing;

use crate::cms::recipient_info::RecipientInfo;
use crate::crypto::{describe_name, DecryptingKey};
use crate::{CryptoPolicy, Error, Result};

/// Who decrypts: the recipient certificate (finds the RecipientInfo) and its private key.
pub struct RecipientIdentity {
    certificate: Certificate,
    key: DecryptingKey,
}

impl RecipientIdentity {
    /// An identity from a certificate and its private key.
    pub fn new(certificate: Certificate, key: DecryptingKey) -> Self {
        RecipientIdentity { certificate, key }
    }

    /// A description for "not a recipient" reports.
    fn describe(&self) -> String {
        format!(
            "the certificate (issuer {}, serial {})",
            describe_name(&self.certificate.tbs_certificate.issuer),
            hex(self.certificate.tbs_certificate.serial_number.as_bytes())
        )
    }
}

impl std::fmt::Debug for RecipientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecipientIdentity({}, {:?})", self.describe(), self.key)
    }
}

/// A content-encryption key unwrapped from one RecipientInfo.
pub struct ContentKeyCandidate {
    /// Which RecipientInfo (0-based) it came from.
    pub index: usize,
    /// The key management algorithm, for reports (e.g. `RSAES-OAEP (SHA-256, MGF1-SHA-256)`).
    pub algorithm: String,
    /// The content-encryption key (random when RSA key transport failed, RFC 3218).
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
/// algorithm is unsupported or refused by `policy`.
pub fn content_key_candidates(
    recipient_infos: &[RecipientInfo],
    identity: &RecipientIdentity,
    key_len: usize,
    _policy: &CryptoPolicy,
) -> Result<RecipientSearch> {
    let mut candidates = Vec::new();
    for (index, ri) in recipient_infos.iter().enumerate() {
        let RecipientInfo::KeyTransport(ktri) = ri else {
            continue;
        };
        if !ktri.rid.matches(&identity.certificate) {
            continue;
        }
        let transport = ktri.key_transport.clone().map_err(Error::Unexpected)?;
        let key = identity
            .key
            .unwrap_content_key(transport, &ktri.encrypted_key, key_len)?;
        candidates.push(ContentKeyCandidate {
            index,
            algorithm: transport.name(),
            key,
        });
        break;
    }
    if !candidates.is_empty() {
        return Ok(RecipientSearch::Found(candidates));
    }
    let others: Vec<&str> = recipient_infos
        .iter()
        .filter_map(|r| match r {
            RecipientInfo::Other(kind) => Some(*kind),
            _ => None,
        })
        .collect();
    Ok(RecipientSearch::NotRecipient(format!(
        "{} is not among the {} recipients of the message{}",
        identity.describe(),
        recipient_infos.len(),
        if others.is_empty() {
            String::new()
        } else {
            format!(" (not supported yet: {})", others.join(", "))
        }
    )))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

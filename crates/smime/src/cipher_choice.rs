//! `--cipher auto`: the content cipher for a set of recipients.
//!
//! RFC 8551 2.7.1: a sending agent uses what it knows of each recipient's capabilities (the
//! SMIMECapabilities attribute of a signed message the recipient sent, RFC 8551 2.5.2) and,
//! for several recipients, the strongest algorithm all of them support. AuthEnvelopedData
//! (AES-GCM, ChaCha20-Poly1305) is what S/MIME 4.0 prefers, but Outlook, Apple Mail and NSS
//! (Thunderbird) cannot read it: it is chosen only when every recipient is known to read
//! it. When anything is unknown the choice is AES-256-CBC, which every S/MIME agent since
//! RFC 5751 reads.

use x509_cert::Certificate;

use crate::crypto::cipher::ContentCipher;
use crate::crypto::{certificate_email_addresses, describe_name, email_addresses_match};
use crate::report::SignerReport;

/// The ciphers we write, strongest first (the order of our own SMIMECapabilities): the
/// AEADs, a 256-bit key first, then CBC.
pub const PREFERENCE: [ContentCipher; 5] = [
    ContentCipher::Aes256Gcm,
    ContentCipher::ChaCha20Poly1305,
    ContentCipher::Aes128Gcm,
    ContentCipher::Aes256Cbc,
    ContentCipher::Aes128Cbc,
];

/// The cipher used when a recipient's capabilities are not known.
pub const FALLBACK: ContentCipher = ContentCipher::Aes256Cbc;

/// What is known of one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientCiphers {
    /// Who (for the explanation), e.g. the certificate subject.
    pub recipient: String,
    /// The content ciphers the recipient announced, or `None` when nothing is known.
    pub ciphers: Option<Vec<ContentCipher>>,
}

/// The chosen cipher and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CipherChoice {
    /// The content cipher.
    pub cipher: ContentCipher,
    /// A sentence saying why, naming the recipients that decided it.
    pub reason: String,
}

/// The ciphers among `names` (SMIMECapabilities entries named as
/// [`crate::cms::oids::cipher_name`] names them) that we can write, in the order given.
pub fn ciphers_from_capability_names(names: &[String]) -> Vec<ContentCipher> {
    names
        .iter()
        .filter_map(|n| PREFERENCE.iter().find(|c| c.name() == n).copied())
        .collect()
}

/// Choose the content cipher for `recipients` (see the module documentation).
pub fn choose_cipher(recipients: &[RecipientCiphers]) -> CipherChoice {
    let unknown: Vec<&str> = recipients
        .iter()
        .filter(|r| r.ciphers.is_none())
        .map(|r| r.recipient.as_str())
        .collect();
    if recipients.is_empty() || !unknown.is_empty() {
        return CipherChoice {
            cipher: FALLBACK,
            reason: format!(
                "the capabilities of {} are not known, and Outlook, Apple Mail and NSS cannot \
                 read AuthEnvelopedData (AES-GCM); give a signed message from each recipient \
                 with --capabilities, or choose with --cipher",
                if unknown.is_empty() {
                    "the recipients".to_string()
                } else {
                    unknown.join(", ")
                }
            ),
        };
    }
    let supported_by_all = |c: &ContentCipher| {
        recipients
            .iter()
            .all(|r| r.ciphers.as_ref().is_some_and(|list| list.contains(c)))
    };
    match PREFERENCE.iter().find(|c| supported_by_all(c)) {
        Some(&cipher) if cipher.is_aead() => CipherChoice {
            cipher,
            reason: format!(
                "every recipient announced it in SMIMECapabilities ({})",
                names(recipients)
            ),
        },
        Some(&cipher) => {
            let without_aead: Vec<&str> = recipients
                .iter()
                .filter(|r| {
                    !r.ciphers
                        .as_ref()
                        .is_some_and(|list| list.iter().any(ContentCipher::is_aead))
                })
                .map(|r| r.recipient.as_str())
                .collect();
            CipherChoice {
                cipher,
                reason: format!(
                    "the strongest cipher all recipients announced ({}); no AEAD cipher is \
                     common to all of them{}",
                    names(recipients),
                    if without_aead.is_empty() {
                        String::new()
                    } else {
                        format!(" ({} announced none)", without_aead.join(", "))
                    }
                ),
            }
        }
        None => CipherChoice {
            cipher: FALLBACK,
            reason: format!(
                "the recipients ({}) announced no cipher in common that we write; AES-256-CBC \
                 is read by every S/MIME agent since RFC 5751",
                names(recipients)
            ),
        },
    }
}

/// What is known of each recipient certificate from the signers of messages the recipients
/// sent (their verification reports): a signer whose signature verified and whose
/// certificate is the recipient's (same issuer and serial number), else one that shares an
/// email address with it, gives its SMIMECapabilities. Recipients no signer matches are
/// unknown.
pub fn recipient_ciphers(
    recipients: &[Certificate],
    signers: &[SignerReport],
) -> Vec<RecipientCiphers> {
    let valid: Vec<&SignerReport> = signers
        .iter()
        .filter(|s| s.signature_valid && !s.capabilities.is_empty())
        .collect();
    recipients
        .iter()
        .map(|cert| {
            let tbs = &cert.tbs_certificate;
            let issuer = describe_name(&tbs.issuer);
            let serial = hex(tbs.serial_number.as_bytes());
            let emails = certificate_email_addresses(cert);
            let same_certificate = valid.iter().find(|s| {
                s.issuer.as_deref() == Some(issuer.as_str())
                    && s.serial
                        .as_deref()
                        .is_some_and(|x| x.eq_ignore_ascii_case(&serial))
            });
            let same_address = || {
                valid.iter().find(|s| {
                    s.emails
                        .iter()
                        .any(|a| emails.iter().any(|b| email_addresses_match(a, b)))
                })
            };
            RecipientCiphers {
                recipient: emails
                    .first()
                    .cloned()
                    .unwrap_or_else(|| describe_name(&tbs.subject)),
                ciphers: same_certificate
                    .or_else(same_address)
                    .map(|s| ciphers_from_capability_names(&s.capabilities)),
            }
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn names(recipients: &[RecipientCiphers]) -> String {
    recipients
        .iter()
        .map(|r| r.recipient.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ContentCipher::*;

    fn known(name: &str, ciphers: &[ContentCipher]) -> RecipientCiphers {
        RecipientCiphers {
            recipient: name.into(),
            ciphers: Some(ciphers.to_vec()),
        }
    }

    fn unknown(name: &str) -> RecipientCiphers {
        RecipientCiphers {
            recipient: name.into(),
            ciphers: None,
        }
    }

    #[test]
    fn choose_cipher_every_recipient_reads_gcm_is_aes256_gcm() {
        let choice = choose_cipher(&[
            known("alice", &[Aes256Gcm, Aes128Gcm, Aes256Cbc]),
            known("bob", &[Aes128Cbc, Aes256Gcm]),
        ]);
        assert_eq!(choice.cipher, Aes256Gcm);
        assert!(choice.reason.contains("alice, bob"), "{}", choice.reason);
    }

    #[test]
    fn choose_cipher_one_unknown_recipient_is_aes256_cbc_naming_it() {
        let choice = choose_cipher(&[known("alice", &[Aes256Gcm]), unknown("carol")]);
        assert_eq!(choice.cipher, Aes256Cbc);
        assert!(
            choice.reason.contains("carol") && !choice.reason.contains("alice"),
            "{}",
            choice.reason
        );
    }

    #[test]
    fn choose_cipher_no_recipient_known_is_aes256_cbc() {
        assert_eq!(choose_cipher(&[]).cipher, Aes256Cbc);
        assert_eq!(
            choose_cipher(&[unknown("a"), unknown("b")]).cipher,
            Aes256Cbc
        );
    }

    #[test]
    fn choose_cipher_takes_the_strongest_common_cipher() {
        // ChaCha20-Poly1305 is common, AES-256-GCM is not.
        let choice = choose_cipher(&[
            known("a", &[Aes256Gcm, ChaCha20Poly1305]),
            known("b", &[ChaCha20Poly1305, Aes128Gcm]),
        ]);
        assert_eq!(choice.cipher, ChaCha20Poly1305);
        // Only AES-128-GCM is a common AEAD.
        let choice = choose_cipher(&[
            known("a", &[Aes256Gcm, Aes128Gcm]),
            known("b", &[Aes128Gcm, Aes256Cbc]),
        ]);
        assert_eq!(choice.cipher, Aes128Gcm);
    }

    #[test]
    fn choose_cipher_a_recipient_without_aead_gets_cbc_and_is_named() {
        let choice = choose_cipher(&[
            known("modern", &[Aes256Gcm, Aes256Cbc, Aes128Cbc]),
            known("outlook", &[Aes256Cbc, Aes128Cbc]),
        ]);
        assert_eq!(choice.cipher, Aes256Cbc);
        assert!(
            choice.reason.contains("outlook announced none"),
            "{}",
            choice.reason
        );
        let choice = choose_cipher(&[
            known("old", &[Aes128Cbc]),
            known("new", &[Aes256Gcm, Aes128Cbc]),
        ]);
        assert_eq!(choice.cipher, Aes128Cbc);
    }

    #[test]
    fn choose_cipher_nothing_in_common_falls_back_to_aes256_cbc() {
        let choice = choose_cipher(&[known("a", &[Aes256Gcm]), known("b", &[])]);
        assert_eq!(choice.cipher, Aes256Cbc);
        assert!(
            choice.reason.contains("no cipher in common"),
            "{}",
            choice.reason
        );
    }

    #[test]
    fn ciphers_from_capability_names_keeps_what_we_write() {
        let names: Vec<String> = [
            "AES-256-GCM",
            "3DES (des-ede3-cbc)",
            "RSAES-OAEP",
            "AES-128-CBC",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            ciphers_from_capability_names(&names),
            vec![Aes256Gcm, Aes128Cbc]
        );
    }
}

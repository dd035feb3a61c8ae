//! Decrypting messages: application/pkcs7-mime with smime-type enveloped-data or
//! authEnveloped-data (RFC 8551 3.3), or a bare CMS EnvelopedData / AuthEnvelopedData
//! (DER, BER, PEM or base64).
//!
//! Like a bad signature, a message that cannot be decrypted is a result, not an error
//! ([`DecryptStatus`]); errors are for input that cannot be read at all. Every failure after
//! the recipient is found (wrong key, changed ciphertext, tag or padding) gives the one
//! message [`DECRYPTION_FAILED`]: key transport never fails on its own (RFC 3218, see
//! [`crate::crypto::DecryptingKey::unwrap_content_key`]).

use std::io::{Read, Write};

use serde::Serialize;
use x509_cert::Certificate;

use crate::cms::enveloped_data::{EnvelopedReader, EnvelopedTail, RecipientInfo};
use crate::cms::oids;
use crate::crypto::cipher::{ContentDecryptor, ContentEncryption};
use crate::crypto::DecryptingKey;
use crate::input::open_cms_input;
use crate::message::looks_like_mime;
use crate::recipient::{content_key_candidates, RecipientIdentity, RecipientSearch};
use crate::stream::{PlaintextSink, Spool, SpooledSink};
use crate::{CryptoPolicy, Error, Result};

/// The one message for every failure at the content stage.
pub const DECRYPTION_FAILED: &str = "decryption failed: wrong key or corrupted message";

/// Buffer size for streaming.
const CHUNK: usize = 64 * 1024;

/// How many plaintext bytes are kept to check that CBC output starts like a MIME entity.
const ENTITY_CHECK_LEN: usize = 256;

/// How many printable bytes a CBC content that is not a MIME entity must start with.
const TEXT_CHECK_LEN: usize = 16;

/// The outcome of a decryption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DecryptStatus {
    /// The content was decrypted (and written).
    Decrypted,
    /// No RecipientInfo names the certificate.
    NotRecipient,
    /// Wrong key or corrupted message (deliberately not more precise).
    Failed,
}

/// What a decryption found.
#[derive(Debug, Clone, Serialize)]
pub struct DecryptReport {
    /// The outcome.
    pub status: DecryptStatus,
    /// `envelopedData` or `authEnvelopedData`.
    pub content_type: String,
    /// The content-encryption algorithm.
    pub cipher: String,
    /// Whether the content is authenticated (AEAD): false for CBC, whose content can be
    /// changed unnoticed unless it is also signed.
    pub authenticated: bool,
    /// The key transport of the RecipientInfo used, if one was found.
    pub key_transport: Option<String>,
    /// Which RecipientInfo (1-based) names the certificate.
    pub recipient: Option<usize>,
    /// How many RecipientInfos the message has.
    pub recipients: usize,
    /// What went wrong, for a status other than decrypted.
    pub reason: Option<String>,
}

/// Decrypts messages for one recipient identity, or for any of several (every key a
/// mailbox ever had).
pub struct Decryptor {
    identities: Vec<RecipientIdentity>,
    policy: CryptoPolicy,
}

impl Decryptor {
    /// A decryptor for this certificate and key.
    pub fn new(certificate: Certificate, key: DecryptingKey, policy: CryptoPolicy) -> Self {
        Self::with_identity(RecipientIdentity::new(certificate, key), policy)
    }

    /// A decryptor for a recipient identity (see [`RecipientIdentity`]).
    pub fn with_identity(identity: RecipientIdentity, policy: CryptoPolicy) -> Self {
        Self::with_identities(vec![identity], policy)
    }

    /// A decryptor for whichever of `identities` the message names (a recipient's key
    /// history, newest first): the RecipientInfos of every identity are unwrapped and the
    /// content is tried with each key found, in order, still in one streamed pass over the
    /// input (several keys spool the ciphertext, in bounded memory).
    pub fn with_identities(identities: Vec<RecipientIdentity>, policy: CryptoPolicy) -> Self {
        Decryptor { identities, policy }
    }

    /// Decrypt the message (or bare CMS) read from `input`. On success the decrypted
    /// message is written to `output`: the outer headers of the input (without its Content-*
    /// headers), then the decrypted entity. Nothing is written unless the status is
    /// [`DecryptStatus::Decrypted`]: the plaintext is held (in memory, past
    /// [`crate::stream::SPOOL_MEMORY_LIMIT`] in a temporary file) until it is authenticated.
    pub fn decrypt<R: Read, W: Write>(&self, input: R, output: W) -> Result<DecryptReport> {
        let mut sink = SpooledSink::new(output);
        self.decrypt_to_sink(input, &mut sink)
    }

    /// Decrypt a message held in memory; the decrypted message is returned only when the
    /// status is [`DecryptStatus::Decrypted`].
    pub fn decrypt_bytes(&self, message: &[u8]) -> Result<(DecryptReport, Option<Vec<u8>>)> {
        let mut out = Vec::new();
        let report = self.decrypt(message, &mut out)?;
        let decrypted = (report.status == DecryptStatus::Decrypted).then_some(out);
        Ok((report, decrypted))
    }

    /// Decrypt the message (or bare CMS) read from `input` into `sink`, streaming in
    /// bounded memory. The sink is committed only when the status is
    /// [`DecryptStatus::Decrypted`] and discarded on every other outcome and on errors.
    pub fn decrypt_to_sink<R: Read>(
        &self,
        input: R,
        sink: &mut dyn PlaintextSink,
    ) -> Result<DecryptReport> {
        let result = self.decrypt_stream(input, sink);
        match &result {
            Ok(report) if report.status == DecryptStatus::Decrypted => sink.commit()?,
            _ => sink.discard(),
        }
        result
    }

    fn decrypt_stream<R: Read>(
        &self,
        input: R,
        sink: &mut dyn PlaintextSink,
    ) -> Result<DecryptReport> {
        let input = open_cms_input(input, &["enveloped-data", "authEnveloped-data"])?;
        self.decrypt_cms(input.cms, input.outer_headers.as_deref(), sink)
    }

    /// Decrypt a CMS ContentInfo read from `cms`: the head (RecipientInfos and algorithm)
    /// in memory, the content streamed through the cipher into `sink`.
    fn decrypt_cms(
        &self,
        cms: impl Read,
        outer: Option<&[u8]>,
        sink: &mut dyn PlaintextSink,
    ) -> Result<DecryptReport> {
        let mut reader = EnvelopedReader::new(cms)?;
        let head = reader.head();
        let cipher = head.encryption.cipher;
        if cipher.is_legacy() && !self.policy.legacy_allowed() {
            return Err(Error::Refused {
                what: format!("content encryption {}", cipher.name()),
                reason: "it is a legacy cipher; to read old mail, allow it with --allow-legacy \
                         (CryptoPolicy::allow_legacy)"
                    .into(),
            });
        }
        let mut report = DecryptReport {
            status: DecryptStatus::Failed,
            content_type: if head.authenticated {
                oids::content_type_name(&oids::AUTH_ENVELOPED_DATA)
            } else {
                oids::content_type_name(&oids::ENVELOPED_DATA)
            },
            cipher: cipher.name().into(),
            authenticated: head.authenticated,
            key_transport: None,
            recipient: None,
            recipients: head.recipient_infos.len(),
            reason: None,
        };
        let candidates = match self.candidates(&head.recipient_infos, head.encryption.key_len())? {
            RecipientSearch::Found(candidates) => candidates,
            RecipientSearch::NotRecipient(reason) => {
                report.status = DecryptStatus::NotRecipient;
                report.reason = Some(reason);
                return Ok(report);
            }
        };
        let encryption = head.encryption.clone();
        if let Some(outer) = outer {
            sink.write_all(outer)?;
        }
        let authentic = if let [candidate] = candidates.as_slice() {
            // One key: the content streams through the cipher into the sink.
            report.recipient = Some(candidate.index + 1);
            report.key_transport = Some(candidate.algorithm.clone());
            let mut pass = ContentPass::new(&encryption, &candidate.key);
            let tail = reader.read_content(&mut |chunk| pass.update(chunk, sink))?;
            pass.finish(&tail, sink)?
        } else {
            // Several keys to try: the ciphertext is spooled (bounded memory), each key is
            // checked on it without releasing anything, and the right one decrypts it again
            // into the sink.
            let mut spool = Spool::new();
            let tail = reader.read_content(&mut |chunk| Ok(spool.write_all(chunk)?))?;
            let mut authentic = false;
            for candidate in &candidates {
                report.recipient = Some(candidate.index + 1);
                report.key_transport = Some(candidate.algorithm.clone());
                let mut pass = ContentPass::new(&encryption, &candidate.key);
                let mut nowhere = std::io::sink();
                spool.replay(&mut |chunk| pass.update(chunk, &mut nowhere))?;
                if pass.finish(&tail, &mut nowhere)? {
                    let mut pass = ContentPass::new(&encryption, &candidate.key);
                    spool.replay(&mut |chunk| pass.update(chunk, sink))?;
                    authentic = pass.finish(&tail, sink)?;
                    break;
                }
            }
            authentic
        };
        if !authentic {
            report.reason = Some(DECRYPTION_FAILED.into());
            return Ok(report);
        }
        report.status = DecryptStatus::Decrypted;
        Ok(report)
    }
}

impl Decryptor {
    /// The content keys of every identity the RecipientInfos name, identities in order.
    /// An identity that fails (a legacy key the policy refuses, a key of the wrong kind)
    /// is passed over when another is a recipient; when none is, the first failure is the
    /// error, else the message is not for any of them.
    fn candidates(
        &self,
        recipient_infos: &[RecipientInfo],
        key_len: usize,
    ) -> Result<RecipientSearch> {
        let mut found = Vec::new();
        let mut first_error = None;
        let mut reasons = Vec::new();
        for identity in &self.identities {
            match content_key_candidates(recipient_infos, identity, key_len, &self.policy) {
                Ok(RecipientSearch::Found(candidates)) => found.extend(candidates),
                Ok(RecipientSearch::NotRecipient(reason)) => reasons.push(reason),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if !found.is_empty() {
            return Ok(RecipientSearch::Found(found));
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        Ok(RecipientSearch::NotRecipient(match reasons.as_slice() {
            [one] => one.clone(),
            [first, ..] => format!(
                "none of the {} keys tried is a recipient; the newest: {first}",
                reasons.len()
            ),
            [] => "no decryption key to try".into(),
        }))
    }
}

/// One pass of the encrypted content through the cipher with one candidate key. The
/// plaintext goes to a writer that must hold it until [`ContentPass::finish`] says it is
/// authentic.
struct ContentPass {
    decryptor: Option<ContentDecryptor>,
    authenticated: bool,
    /// The first plaintext bytes, for the CBC entity check.
    start: Vec<u8>,
    plaintext: Vec<u8>,
}

impl ContentPass {
    fn new(encryption: &ContentEncryption, key: &[u8]) -> Self {
        ContentPass {
            decryptor: ContentDecryptor::new(encryption, key).ok(),
            authenticated: encryption.cipher.is_aead(),
            start: Vec::with_capacity(ENTITY_CHECK_LEN),
            plaintext: Vec::with_capacity(CHUNK + 64),
        }
    }

    fn keep_start(&mut self) {
        let want = ENTITY_CHECK_LEN - self.start.len();
        let take = want.min(self.plaintext.len());
        self.start.extend_from_slice(&self.plaintext[..take]);
    }

    fn update(&mut self, chunk: &[u8], out: &mut dyn Write) -> Result<()> {
        let Some(decryptor) = self.decryptor.as_mut() else {
            return Ok(());
        };
        self.plaintext.clear();
        if decryptor.update(chunk, &mut self.plaintext).is_err() {
            self.decryptor = None;
            return Ok(());
        }
        self.keep_start();
        out.write_all(&self.plaintext)?;
        Ok(())
    }

    /// Check the tag (with the authAttrs as additional data) or the CBC padding, write the
    /// last plaintext, and say whether the content is authentic.
    fn finish(mut self, tail: &EnvelopedTail, out: &mut dyn Write) -> Result<bool> {
        let Some(decryptor) = self.decryptor.take() else {
            return Ok(false);
        };
        self.plaintext.clear();
        let checked = decryptor.finish(
            &mut self.plaintext,
            tail.auth_attributes.as_deref().unwrap_or(&[]),
            tail.mac.as_deref(),
        );
        if checked.is_err() {
            return Ok(false);
        }
        self.keep_start();
        // CBC has no integrity: a wrong key passes the padding check about once in 256.
        // The content of an S/MIME message is a MIME entity; anything else fails the same way.
        if !self.authenticated && !starts_like_entity(&self.start) {
            return Ok(false);
        }
        out.write_all(&self.plaintext)?;
        Ok(true)
    }
}

/// Whether decrypted bytes begin like a MIME entity: a header field or an empty header
/// block. Content that is not MIME passes when it starts with [`TEXT_CHECK_LEN`] or more
/// bytes of printable ASCII text: old mail and the RFC 4134 examples (5.1-5.3) hold a bare
/// line of text. Random bytes from a wrong key pass that about once in 5 million, after
/// having passed the padding check (once in 256).
fn starts_like_entity(content: &[u8]) -> bool {
    content.starts_with(b"\r\n")
        || content.starts_with(b"\n")
        || looks_like_mime(content)
        || (content.len() >= TEXT_CHECK_LEN
            && content
                .iter()
                .all(|&b| matches!(b, b'\t' | b'\r' | b'\n' | 0x20..=0x7e)))
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::cms::enveloped_builder::{
        EnvelopedDataBuilder, RecipientIdentifierKind, RecipientSpec,
    };
    use crate::crypto::cipher::{ContentCipher, AES_BLOCK_LEN as AES_BLOCK};
    use crate::crypto::key_transport::KeyTransport;
    use crate::crypto::test_pki::Pki;
    use crate::encrypt::{EncryptOptions, Encryptor};

    const ENCRYPTION: &str = "basicConstraints=CA:FALSE\nkeyUsage=critical,keyEncipherment\n\
                              extendedKeyUsage=emailProtection\n";

    /// CBC content must start like a MIME entity, or with 16 or more bytes of printable
    /// text (RFC 4134's examples); short text and binary bytes fail like a wrong key.
    #[test]
    fn starts_like_entity_accepts_headers_and_long_text_only() {
        assert!(starts_like_entity(b"Content-Type: text/plain\r\n\r\nhi"));
        assert!(starts_like_entity(b"\r\nbody"));
        assert!(starts_like_entity(b"This is some sample content."));
        assert!(!starts_like_entity(b"short text"));
        assert!(!starts_like_entity(b"This is some sample content.\x01"));
        assert!(!starts_like_entity(&[0xC3u8; 64]));
    }

    /// A key history (several identities): the message to an older key opens in one pass,
    /// a message to none of them is NotRecipient naming how many keys were tried.
    #[test]
    fn decrypt_with_identities_finds_the_older_key_and_names_a_miss() {
        let pki = Pki::new();
        pki.key("ca", "rsa2048");
        pki.root("ca", "/CN=History CA", 2);
        for (i, name) in ["old", "new", "other"].iter().enumerate() {
            pki.key(name, "rsa2048");
            pki.issue(
                name,
                &format!("/CN={name}"),
                "ca",
                2,
                20 + i as u32,
                ENCRYPTION,
            );
        }
        let to = |name: &str| {
            Encryptor::new(
                vec![RecipientSpec {
                    certificate: pki.cert(name),
                    transport: KeyTransport::DEFAULT,
                    identifier: RecipientIdentifierKind::IssuerAndSerial,
                }],
                EncryptOptions {
                    cipher: ContentCipher::Aes256Gcm,
                    at: SystemTime::now(),
                },
            )
            .unwrap()
            .encrypt_bytes(b"Content-Type: text/plain\r\n\r\nfor the history\r\n")
            .unwrap()
        };
        let history = || {
            ["new", "old"]
                .iter()
                .map(|name| {
                    let key =
                        DecryptingKey::from_pem_or_der(&pki.read(&format!("{name}.key")), name)
                            .unwrap();
                    RecipientIdentity::new(pki.cert(name), key)
                })
                .collect::<Vec<_>>()
        };
        let decryptor = Decryptor::with_identities(history(), CryptoPolicy::strict());
        let (report, plain) = decryptor.decrypt_bytes(&to("old")).unwrap();
        assert_eq!(report.status, DecryptStatus::Decrypted, "{report:?}");
        assert!(plain.unwrap().ends_with(b"for the history\r\n"));
        let (report, plain) = decryptor.decrypt_bytes(&to("other")).unwrap();
        assert_eq!(report.status, DecryptStatus::NotRecipient);
        assert!(plain.is_none());
        let reason = report.reason.unwrap_or_default();
        assert!(reason.contains("none of the 2 keys"), "{reason}");
    }

    /// A key alone is tried on every RecipientInfo: the wrong candidates must fail on the
    /// spooled ciphertext without releasing anything, and the right one must decrypt all of
    /// it, also past the spool's memory limit (a temporary file).
    #[test]
    fn decrypt_key_only_tries_each_recipient_over_spooled_content() {
        let pki = Pki::new();
        pki.key("ca", "rsa2048");
        pki.root("ca", "/CN=Spool CA", 2);
        for (i, name) in ["alice", "bob"].iter().enumerate() {
            pki.key(name, "rsa2048");
            pki.issue(
                name,
                &format!("/CN={name}"),
                "ca",
                2,
                10 + i as u32,
                ENCRYPTION,
            );
        }
        let recipients: Vec<RecipientSpec> = ["alice", "bob"]
            .iter()
            .map(|name| RecipientSpec {
                certificate: pki.cert(name),
                transport: KeyTransport::DEFAULT,
                identifier: RecipientIdentifierKind::IssuerAndSerial,
            })
            .collect();
        let mut message = b"Subject: spool\r\nContent-Type: text/plain\r\n\r\n".to_vec();
        while message.len() < crate::stream::SPOOL_MEMORY_LIMIT + 100_000 {
            message.extend_from_slice(b"a line of the body, long enough to fill megabytes\r\n");
        }
        for cipher in [ContentCipher::Aes256Gcm, ContentCipher::Aes128Cbc] {
            let encryptor = Encryptor::new(
                recipients.clone(),
                EncryptOptions {
                    cipher,
                    at: SystemTime::now(),
                },
            )
            .unwrap();
            let encrypted = encryptor.encrypt_bytes(&message).unwrap();
            let bob = DecryptingKey::from_pem_or_der(&pki.read("bob.key"), "bob.key").unwrap();
            let decryptor =
                Decryptor::with_identity(RecipientIdentity::key_only(bob), CryptoPolicy::strict());
            let (report, decrypted) = decryptor.decrypt_bytes(&encrypted).unwrap();
            assert_eq!(
                report.status,
                DecryptStatus::Decrypted,
                "{cipher:?}: {report:?}"
            );
            let decrypted = decrypted.unwrap();
            assert!(decrypted.ends_with(&message[message.len() - 1000..]));
            assert_eq!(report.recipients, 2);

            // A changed tag, or CBC padding length, fails for every candidate.
            let builder =
                EnvelopedDataBuilder::new(recipients.clone(), cipher, SystemTime::now()).unwrap();
            let mut der = builder.build(&message).unwrap();
            let at = if cipher.is_aead() {
                der.len() - 7 // the last byte of the mac, before six end-of-contents octets
            } else {
                der.len() - 10 - 1 - AES_BLOCK // flips the padding length of the last block
            };
            der[at] ^= 0x01;
            let bob = DecryptingKey::from_pem_or_der(&pki.read("bob.key"), "bob.key").unwrap();
            let decryptor =
                Decryptor::with_identity(RecipientIdentity::key_only(bob), CryptoPolicy::strict());
            let mut out = Vec::new();
            let report = decryptor.decrypt(&der[..], &mut out).unwrap();
            assert_eq!(report.status, DecryptStatus::Failed, "{cipher:?}");
            assert!(out.is_empty(), "{cipher:?}: plaintext released");
        }
    }
}

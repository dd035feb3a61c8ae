//! The enveloped examples of draft-ireland-examples-cms (keys and certificates from RFC 9216),
//! tests/data/rfc9216/examples-cms (see tests/data/PROVENANCE.md), through the recipient
//! layer ([`smime::recipient::content_key_candidates`]) and the content decryption. The
//! content of every example is `This is some sample content.` (not a MIME entity, so the
//! library's content stage is used here rather than the whole-message decryptor, which wants
//! a MIME entity behind CBC).
//!
//! | file                             | RecipientInfos                                   | content      |
//! |----------------------------------|--------------------------------------------------|--------------|
//! | encryptedForBobRSAOaep           | ktri Bob, RSAES-OAEP SHA-256                     | AES-128-CBC  |
//! | encryptedForBobAndDana           | ktri Bob (OAEP); kari Dana, X25519, X9.63 SHA-256 KDF, AES-128 wrap | AES-128-CBC |
//! | authEnvelopedForDanaX25519HKDF   | kari Dana, X25519, HKDF-SHA-256 (RFC 8418), AES-256 wrap | AES-128-GCM |
//! | encryptedKekri                   | kekri, key id "keyid", AES-256 wrap              | AES-192-CBC  |
//! | authEnvelopedForBobChaCha20Poly1305 | ktri Bob                                      | ChaCha20-Poly1305 (content layer, not here) |

use std::path::PathBuf;

use smime::ber::Element;
use smime::cms::enveloped_data::{parse_enveloped_content_info, EnvelopedData};
use smime::cms::recipient_info::{parse_recipient_infos, RecipientInfo};
use smime::crypto::cipher::ContentDecryptor;
use smime::crypto::key_wrap::KeyWrapAlgorithm;
use smime::crypto::{load_certificates, DecryptingKey};
use smime::recipient::{
    content_key_candidates, KeyEncryptionKey, RecipientIdentity, RecipientSearch,
};
use smime::CryptoPolicy;
use x509_cert::Certificate;
use zeroize::Zeroizing;

const CONTENT: &[u8] = b"This is some sample content.";

fn data(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/rfc9216/examples-cms")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn cert(name: &str) -> Certificate {
    load_certificates(&data(&format!("certs-and-keys/{name}")), name)
        .unwrap()
        .remove(0)
}

fn key(name: &str) -> DecryptingKey {
    DecryptingKey::from_pem_or_der(&data(&format!("certs-and-keys/{name}")), name).unwrap()
}

fn bob() -> RecipientIdentity {
    RecipientIdentity::new(
        cert("lamps-bob.encrypt.crt"),
        key("lamps-bob.decrypt.p8.pem"),
    )
}

fn dana() -> RecipientIdentity {
    RecipientIdentity::new(
        cert("lamps-dana.encrypt.crt"),
        key("lamps-dana.decrypt.p8.pem"),
    )
}

/// The content decrypted under `key`, if the tag or padding check passes.
fn decrypt_content(enveloped: &EnvelopedData, key: &[u8]) -> Option<Vec<u8>> {
    let mut decryptor = ContentDecryptor::new(&enveloped.encryption, key).ok()?;
    let mut out = Vec::new();
    decryptor
        .update(&enveloped.encrypted_content, &mut out)
        .ok()?;
    decryptor
        .finish(
            &mut out,
            enveloped.auth_attributes.as_deref().unwrap_or(&[]),
            enveloped.mac.as_deref(),
        )
        .ok()?;
    Some(out)
}

/// Decrypt `file` for `identity`: the 1-based RecipientInfo used, its algorithm, the content.
fn open(file: &str, identity: &RecipientIdentity) -> (usize, String, Option<Vec<u8>>) {
    let enveloped: EnvelopedData =
        parse_enveloped_content_info(&data(&format!("binary-files/{file}"))).unwrap();
    let RecipientSearch::Found(candidates) = content_key_candidates(
        &enveloped.recipient_infos,
        identity,
        enveloped.encryption.cipher.key_len(),
        &CryptoPolicy::strict(),
    )
    .unwrap() else {
        panic!("{file}: not a recipient");
    };
    assert_eq!(candidates.len(), 1, "{file}");
    let c = &candidates[0];
    let content = decrypt_content(&enveloped, &c.key);
    (c.index + 1, c.algorithm.clone(), content)
}

#[test]
fn rfc9216_encrypted_for_bob_rsa_oaep_decrypts() {
    let (index, algorithm, content) = open("encryptedForBobRSAOaep.p7m", &bob());
    assert_eq!(index, 1);
    assert!(algorithm.contains("OAEP"), "{algorithm}");
    assert_eq!(content.as_deref(), Some(CONTENT));
}

#[test]
fn rfc9216_encrypted_for_bob_and_dana_decrypts_for_both() {
    let (index, algorithm, content) = open("encryptedForBobAndDana.p7m", &bob());
    assert_eq!(
        (index, content.as_deref()),
        (1, Some(CONTENT)),
        "{algorithm}"
    );
    let (index, algorithm, content) = open("encryptedForBobAndDana.p7m", &dana());
    assert_eq!(index, 2);
    assert!(
        algorithm.contains("X9.63 KDF SHA-256") && algorithm.contains("X25519"),
        "{algorithm}"
    );
    assert_eq!(content.as_deref(), Some(CONTENT));
}

#[test]
fn rfc9216_encrypted_for_bob_and_dana_key_alone_finds_its_recipient() {
    let identity = RecipientIdentity::key_only(key("lamps-dana.decrypt.p8.pem"));
    let (index, _, content) = open("encryptedForBobAndDana.p7m", &identity);
    assert_eq!((index, content.as_deref()), (2, Some(CONTENT)));
}

#[test]
fn rfc9216_auth_enveloped_for_dana_x25519_hkdf_decrypts() {
    let (index, algorithm, content) = open("authEnvelopedForDanaX25519HKDF.p7m", &dana());
    assert_eq!(index, 1);
    assert!(algorithm.contains("HKDF-SHA-256"), "{algorithm}");
    assert_eq!(content.as_deref(), Some(CONTENT));
}

#[test]
fn rfc9216_wrong_key_for_the_certificate_fails_at_the_content() {
    // Bob's certificate names the ktri; Alice's RSA key unwraps a random key (RFC 3218), so
    // the content fails like a changed message would.
    let identity = RecipientIdentity::new(cert("lamps-bob.encrypt.crt"), key("lamps-alice.p8.pem"));
    let enveloped =
        parse_enveloped_content_info(&data("binary-files/encryptedForBobRSAOaep.p7m")).unwrap();
    let RecipientSearch::Found(candidates) = content_key_candidates(
        &enveloped.recipient_infos,
        &identity,
        16,
        &CryptoPolicy::strict(),
    )
    .unwrap() else {
        panic!("Bob's certificate is named");
    };
    assert_eq!(candidates.len(), 1);
    let content = decrypt_content(&enveloped, &candidates[0].key);
    assert_ne!(content.as_deref(), Some(CONTENT));
}

#[test]
fn rfc9216_key_of_the_wrong_kind_is_an_error() {
    // Bob's certificate names an RSA ktri; an X25519 key cannot open it, which the message
    // says openly (the algorithm is public), so this is a usage error.
    let identity = RecipientIdentity::new(
        cert("lamps-bob.encrypt.crt"),
        key("lamps-dana.decrypt.p8.pem"),
    );
    let enveloped =
        parse_enveloped_content_info(&data("binary-files/encryptedForBobRSAOaep.p7m")).unwrap();
    let err = content_key_candidates(
        &enveloped.recipient_infos,
        &identity,
        16,
        &CryptoPolicy::strict(),
    )
    .err()
    .expect("an X25519 key for an RSA RecipientInfo");
    assert!(err.to_string().contains("RSA key transport"), "{err}");
}

#[test]
fn rfc9216_recipient_not_named_is_reported() {
    // Bob's certificate is not a recipient of the message for Dana alone.
    let enveloped =
        parse_enveloped_content_info(&data("binary-files/authEnvelopedForDanaX25519HKDF.p7m"))
            .unwrap();
    let search = content_key_candidates(
        &enveloped.recipient_infos,
        &bob(),
        16,
        &CryptoPolicy::strict(),
    )
    .unwrap();
    let RecipientSearch::NotRecipient(reason) = search else {
        panic!("Bob is no recipient");
    };
    assert!(
        reason.contains("not among the 1 recipients") && reason.contains("kari for"),
        "{reason}"
    );
}

/// The KEKRecipientInfo of encryptedKekri: read at the recipient layer (its AES-192-CBC
/// content is the content layer's). The key-encryption key of the example is given in
/// draft-ireland-examples-cms, whose text is not in tests/data: here only the structure and
/// a wrong key are checked; the whole kekri path is checked against `openssl cms
/// -secretkey` in the CLI tests.
#[test]
fn rfc9216_encrypted_kekri_recipient_info_reads_and_a_wrong_kek_fails() {
    let der = data("binary-files/encryptedKekri.p7m");
    let info = Element::read_all(&der, "ContentInfo").unwrap();
    let fields = info.children(&der, "ContentInfo").unwrap();
    let enveloped = &fields[1].children(&der, "content").unwrap()[0];
    let parts = enveloped.children(&der, "EnvelopedData").unwrap();
    let infos = parse_recipient_infos(&der, &parts[1]).unwrap();
    let [RecipientInfo::Kek(kekri)] = infos.as_slice() else {
        panic!("one kekri expected: {infos:?}");
    };
    assert_eq!(kekri.version, 4);
    assert_eq!(kekri.key_identifier, b"keyid");
    assert_eq!(kekri.key_wrap, Ok(KeyWrapAlgorithm::Aes256));
    assert_eq!(kekri.encrypted_key.len(), 32);
    let wrong = KeyEncryptionKey::new(b"keyid".to_vec(), Zeroizing::new(vec![0u8; 32])).unwrap();
    let RecipientSearch::Found(candidates) = content_key_candidates(
        &infos,
        &RecipientIdentity::kek(wrong),
        24,
        &CryptoPolicy::strict(),
    )
    .unwrap() else {
        panic!("the key id matches");
    };
    // A wrong key unwraps to a random key (RFC 3218 style), never to an error here.
    assert_eq!(candidates[0].key.len(), 24);
    assert!(KeyWrapAlgorithm::Aes256
        .unwrap(&[0u8; 32], &kekri.encrypted_key)
        .is_none());
    let other_id = KeyEncryptionKey::new(b"other".to_vec(), Zeroizing::new(vec![0u8; 32])).unwrap();
    assert!(matches!(
        content_key_candidates(
            &infos,
            &RecipientIdentity::kek(other_id),
            24,
            &CryptoPolicy::strict()
        )
        .unwrap(),
        RecipientSearch::NotRecipient(_)
    ));
}

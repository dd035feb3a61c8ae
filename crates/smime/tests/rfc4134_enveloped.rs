//! RFC 4134 section 5 EnvelopedData examples, decrypted end to end with Bob's key:
//! 5.1 (RSA PKCS#1 v1.5 key transport to Bob, 3DES), 5.2 (a key transport RecipientInfo
//! for Bob and a KEK one, RC2/128) and 5.3 (5.1's body part as a whole S/MIME message).
//! Each must give exactly ExContent.bin.
//!
//! Everything in them is legacy: Bob's key is RSA-1024 (read through `crypto::ffi`,
//! aws-lc-rs refuses it), the ciphers are 3DES and RC2. Without
//! `CryptoPolicy::allow_legacy` they are refused with an error that names the cipher and
//! `--allow-legacy`; a wrong key gives the one generic decryption failure.

use smime::crypto::key_wrap::KeyWrapAlgorithm;
use smime::crypto::{load_certificates, DecryptingKey};
use smime::decrypt::{DecryptStatus, Decryptor, DECRYPTION_FAILED};
use smime::recipient::{KeyEncryptionKey, RecipientIdentity};
use smime::{CryptoPolicy, Error};
use zeroize::Zeroizing;

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/rfc4134/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn bob_certificate() -> smime::x509_cert::Certificate {
    load_certificates(&data("BobRSASignByCarl.cer"), "Bob's certificate")
        .unwrap()
        .remove(0)
}

fn key(file: &str) -> DecryptingKey {
    DecryptingKey::from_pem_or_der(&data(file), file).unwrap()
}

/// Bob's certificate with Bob's RSA-1024 key.
fn bob(policy: CryptoPolicy) -> Decryptor {
    Decryptor::new(bob_certificate(), key("BobPrivRSAEncrypt.pri"), policy)
}

fn legacy() -> CryptoPolicy {
    CryptoPolicy::strict().allow_legacy()
}

/// Decrypt `example` as Bob with `--allow-legacy`: the decrypted bytes.
fn decrypt_as_bob(example: &str) -> Vec<u8> {
    let (report, content) = bob(legacy()).decrypt_bytes(&data(example)).unwrap();
    assert_eq!(
        report.status,
        DecryptStatus::Decrypted,
        "{example}: {report:?}"
    );
    assert_eq!(report.recipient, Some(1), "{example}: {report:?}");
    assert_eq!(
        report.key_transport.as_deref(),
        Some("RSAES-PKCS1-v1_5"),
        "{example}"
    );
    content.unwrap()
}

/// Without --allow-legacy the example is refused by policy, naming its cipher.
fn assert_refused_without_allow_legacy(example: &str, cipher_name: &str) {
    let err = bob(CryptoPolicy::strict())
        .decrypt_bytes(&data(example))
        .unwrap_err();
    assert!(matches!(err, Error::Refused { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains(cipher_name) && message.contains("--allow-legacy"),
        "{message}"
    );
}

/// With --allow-legacy but a key that is not Bob's (Alice's RSA-1024 signing key, and a
/// 2048-bit key), Bob's RecipientInfo is used and the content fails with the one generic
/// message, not an error about the key.
fn assert_wrong_key_fails_generically(example: &str) {
    let stand_in = format!(
        "{}/tests/data/rfc9216/examples-cms/certs-and-keys/lamps-bob.decrypt.p8.pem",
        env!("CARGO_MANIFEST_DIR")
    );
    let stand_in =
        DecryptingKey::from_pem_or_der(&std::fs::read(stand_in).unwrap(), "RSA-2048").unwrap();
    for wrong in [key("AlicePrivRSASign.pri"), stand_in] {
        let what = wrong.description();
        let (report, content) = Decryptor::new(bob_certificate(), wrong, legacy())
            .decrypt_bytes(&data(example))
            .unwrap();
        assert_eq!(report.status, DecryptStatus::Failed, "{example} {what}");
        assert_eq!(report.recipient, Some(1), "{example} {what}");
        assert_eq!(report.reason.as_deref(), Some(DECRYPTION_FAILED));
        assert!(content.is_none());
    }
}

#[test]
fn rfc4134_5_1_3des_decrypts_to_ex_content_only_with_allow_legacy() {
    assert_eq!(decrypt_as_bob("5.1.bin"), data("ExContent.bin"));
    assert_refused_without_allow_legacy("5.1.bin", "3DES");
}

#[test]
fn rfc4134_5_2_rc2_decrypts_to_ex_content_only_with_allow_legacy() {
    assert_eq!(decrypt_as_bob("5.2.bin"), data("ExContent.bin"));
    assert_refused_without_allow_legacy("5.2.bin", "RC2");
}

/// 5.3 is a whole message: the output is its header fields (without the Content-* ones,
/// which described the encrypted part; in any order) followed by the decrypted content,
/// here exactly ExContent.
#[test]
fn rfc4134_5_3_message_decrypts_to_its_header_and_ex_content_only_with_allow_legacy() {
    // The file has LF line ends; the output has CRLF.
    let message = String::from_utf8(data("5.3.eml"))
        .unwrap()
        .replace("\r\n", "\n");
    let out = decrypt_as_bob("5.3.eml");
    let content = data("ExContent.bin");
    assert!(out.ends_with(&content), "{}", String::from_utf8_lossy(&out));
    let header = String::from_utf8(out[..out.len() - content.len()].to_vec()).unwrap();
    let mut got: Vec<&str> = header.split_terminator("\r\n").collect();
    let (fields, _) = message.split_once("\n\n").unwrap();
    let mut expected: Vec<&str> = fields
        .lines()
        .filter(|l| !l.starts_with([' ', '\t']) && !l.starts_with("Content-"))
        .collect();
    got.sort_unstable();
    expected.sort_unstable();
    assert_eq!(got, expected);
    assert_refused_without_allow_legacy("5.3.eml", "3DES");
}

#[test]
fn rfc4134_5_1_5_2_5_3_wrong_key_fails_with_the_generic_error() {
    for example in ["5.1.bin", "5.2.bin", "5.3.eml"] {
        assert_wrong_key_fails_generically(example);
    }
}

/// Bob's key alone (no certificate) is tried on every RecipientInfo of its kind: in 5.2 the
/// KEK RecipientInfo is skipped and the key transport one opens the content.
#[test]
fn rfc4134_5_2_bob_key_alone_decrypts_with_allow_legacy() {
    let identity = RecipientIdentity::key_only(key("BobPrivRSAEncrypt.pri"));
    let (report, content) = Decryptor::with_identity(identity, legacy())
        .decrypt_bytes(&data("5.2.bin"))
        .unwrap();
    assert_eq!(report.status, DecryptStatus::Decrypted, "{report:?}");
    assert_eq!(content.unwrap(), data("ExContent.bin"));
}

/// 5.2's second RecipientInfo is a KEKRecipientInfo ("MailListRC2") with the RC2 key wrap
/// (RFC 3217 4, parameter version 58: 128 bits). Its key-encryption key is not published:
/// a stand-in 16-byte key is used (with --allow-legacy) and the content fails with the one
/// generic message, not an error about the wrap.
#[test]
fn rfc4134_5_2_kekri_rc2_wrap_is_read_and_a_wrong_kek_fails_generically() {
    let enveloped =
        smime::cms::enveloped_data::parse_enveloped_content_info(&data("5.2.bin")).unwrap();
    let Some(smime::cms::enveloped_data::RecipientInfo::Kek(kekri)) =
        enveloped.recipient_infos.get(1)
    else {
        panic!("the second RecipientInfo is not a kekri");
    };
    assert_eq!(kekri.key_identifier, b"MailListRC2");
    assert_eq!(kekri.key_wrap, Ok(KeyWrapAlgorithm::Rc2(128)));
    let kek =
        || KeyEncryptionKey::new(b"MailListRC2".to_vec(), Zeroizing::new(vec![0x42; 16])).unwrap();
    let (report, content) = Decryptor::with_identity(RecipientIdentity::kek(kek()), legacy())
        .decrypt_bytes(&data("5.2.bin"))
        .unwrap();
    assert_eq!(report.status, DecryptStatus::Failed, "{report:?}");
    assert_eq!(report.recipient, Some(2), "{report:?}");
    assert_eq!(report.reason.as_deref(), Some(DECRYPTION_FAILED));
    assert!(content.is_none());
    let err = Decryptor::with_identity(RecipientIdentity::kek(kek()), CryptoPolicy::strict())
        .decrypt_bytes(&data("5.2.bin"))
        .unwrap_err();
    assert!(matches!(err, Error::Refused { .. }), "{err}");
}

/// The RSA-1024 key is legacy in itself: it reads, says why it is legacy, and the CLI
/// (through `content_key_candidates`) refuses it without --allow-legacy.
#[test]
fn decrypting_key_rsa_1024_is_read_and_marked_legacy() {
    let bob = key("BobPrivRSAEncrypt.pri");
    assert_eq!(bob.description(), "RSA 1024");
    let why = bob.legacy().unwrap();
    assert!(why.contains("1024 bits"), "{why}");
    let stand_in = format!(
        "{}/tests/data/rfc9216/examples-cms/certs-and-keys/lamps-bob.decrypt.p8.pem",
        env!("CARGO_MANIFEST_DIR")
    );
    let modern =
        DecryptingKey::from_pem_or_der(&std::fs::read(stand_in).unwrap(), "RSA-2048").unwrap();
    assert_eq!(modern.legacy(), None);
}

//! RFC 4134 section 5 EnvelopedData examples, both with legacy ciphers: 5.1 (RSA key
//! transport to Bob, 3DES) and 5.2 (a key transport RecipientInfo for Bob and a KEK one,
//! RC2). Without `CryptoPolicy::allow_legacy` they are refused with an error that names
//! the cipher and `--allow-legacy`, before any key is used.
//!
//! Bob's key is RSA-1024, which the backend (aws-lc-rs) refuses for decryption at any
//! policy, so the content key of Bob's KeyTransRecipientInfo is unwrapped by
//! `openssl pkeyutl`, and the content layer (3DES, RC2 with its parameter version) must
//! turn the ciphertext into ExContent with it.

use std::io::Write;
use std::process::{Command, Stdio};

use smime::cms::enveloped_data::{parse_enveloped_content_info, RecipientInfo};
use smime::crypto::cipher::ContentDecryptor;
use smime::crypto::{load_certificates, DecryptingKey};
use smime::decrypt::Decryptor;
use smime::{CryptoPolicy, Error};

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/rfc4134/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn data_path(name: &str) -> String {
    format!("{}/tests/data/rfc4134/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A 2048-bit key (RFC 9216's Bob) with RFC 4134 Bob's certificate: enough to reach the
/// policy check, which comes before recipient matching and key transport.
fn decryptor(policy: CryptoPolicy) -> Decryptor {
    let cert = load_certificates(&data("BobRSASignByCarl.cer"), "Bob's certificate")
        .unwrap()
        .remove(0);
    let key_path = format!(
        "{}/tests/data/rfc9216/examples-cms/certs-and-keys/lamps-bob.decrypt.p8.pem",
        env!("CARGO_MANIFEST_DIR")
    );
    let key = DecryptingKey::from_pem_or_der(&std::fs::read(key_path).unwrap(), "a 2048-bit key")
        .unwrap();
    Decryptor::new(cert, key, policy)
}

fn refused_without_allow_legacy(example: &str, cipher_name: &str) {
    let err = decryptor(CryptoPolicy::strict())
        .decrypt_bytes(&data(example))
        .unwrap_err();
    assert!(matches!(err, Error::Refused { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains(cipher_name) && message.contains("--allow-legacy"),
        "{message}"
    );
    // With the policy allowing it, the message gets past the check (Bob's KTRI is found;
    // the 2048-bit stand-in key cannot unwrap it, so the content fails as with a wrong key).
    let (report, content) = decryptor(CryptoPolicy::strict().allow_legacy())
        .decrypt_bytes(&data(example))
        .unwrap();
    assert_eq!(report.recipient, Some(1), "{report:?}");
    assert!(content.is_none());
}

/// The content key of the first KeyTransRecipientInfo, unwrapped with Bob's key by openssl.
fn unwrap_with_openssl(encrypted_key: &[u8]) -> Option<Vec<u8>> {
    let child = Command::new("openssl")
        .args(["pkeyutl", "-decrypt", "-keyform", "DER", "-inkey"])
        .arg(data_path("BobPrivRSAEncrypt.pri"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            assert!(
                std::env::var_os("SMIME_TEST_REQUIRE_PEERS").is_none(),
                "openssl is required: {e}"
            );
            eprintln!("openssl not found: skipping the RFC 4134 content check");
            return None;
        }
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(encrypted_key)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "openssl pkeyutl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(out.stdout)
}

fn content_decrypts_to_ex_content(example: &str) {
    let enveloped = parse_enveloped_content_info(&data(example)).unwrap();
    let Some(RecipientInfo::KeyTransport(ktri)) = enveloped.recipient_infos.first() else {
        panic!("{example}: the first RecipientInfo is not key transport");
    };
    let Some(content_key) = unwrap_with_openssl(&ktri.encrypted_key) else {
        return;
    };
    let mut decryptor = ContentDecryptor::new(&enveloped.encryption, &content_key).unwrap();
    let mut plaintext = Vec::new();
    // In odd pieces, so that the held-back last block crosses piece boundaries.
    for piece in enveloped.encrypted_content.chunks(5) {
        decryptor.update(piece, &mut plaintext).unwrap();
    }
    decryptor.finish(&mut plaintext, &[], None).unwrap();
    assert_eq!(plaintext, data("ExContent.bin"));

    let mut wrong_key = content_key.clone();
    wrong_key[0] ^= 0x80; // not the low bit: DES ignores it (parity)
    let mut decryptor = ContentDecryptor::new(&enveloped.encryption, &wrong_key).unwrap();
    let mut plaintext = Vec::new();
    decryptor
        .update(&enveloped.encrypted_content, &mut plaintext)
        .unwrap();
    let result = decryptor.finish(&mut plaintext, &[], None);
    assert!(
        result.is_err() || plaintext != data("ExContent.bin"),
        "a changed key must not give the content"
    );
}

#[test]
fn rfc4134_5_1_3des_is_refused_without_allow_legacy() {
    refused_without_allow_legacy("5.1.bin", "3DES");
}

#[test]
fn rfc4134_5_2_rc2_is_refused_without_allow_legacy() {
    refused_without_allow_legacy("5.2.bin", "RC2");
}

#[test]
fn rfc4134_5_1_3des_content_decrypts_to_ex_content() {
    content_decrypts_to_ex_content("5.1.bin");
}

#[test]
fn rfc4134_5_2_rc2_content_decrypts_to_ex_content() {
    content_decrypts_to_ex_content("5.2.bin");
}

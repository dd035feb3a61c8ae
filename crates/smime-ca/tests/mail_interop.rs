//! Mail made with the certificates the CA issues, read by OpenSSL: for every profile a
//! message signed with the signing certificate (`openssl cms -verify` against the root,
//! smimesign purpose) and a message encrypted to the EC and the RSA encryption
//! certificates (`openssl cms -decrypt` with the key the CA made).

mod common;

use std::process::Command;
use std::time::{Duration, SystemTime};

use common::*;
use smime::cms::recipient_info::{RecipientIdentifierKind, RecipientSpec};
use smime::cms::signed_builder::SignerSpec;
use smime::crypto::key_transport::KeyTransport;
use smime::crypto::PrivateKey;
use smime::encrypt::{EncryptOptions, Encryptor};
use smime::sign::{SignOptions, Signer};

const MESSAGE: &[u8] = b"From: alice@example.org\r\nTo: bob@example.org\r\nSubject: issued\r\n\
Content-Type: text/plain; charset=us-ascii\r\n\r\nSigned and sealed by the organisation CA.\r\n";

fn at() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(NOW as u64 + 3600)
}

#[test]
fn mail_signed_with_every_profile_openssl_verifies() {
    if !require_peer("openssl") {
        return;
    }
    let m = matrix();
    let dir = Dir::new();
    let root = dir.pem("root.pem", &[&m.root]);
    let intermediate = dir.pem("intermediate.pem", &[&m.intermediate]);
    let mut signed_count = 0;
    for fixture in m.issued.iter().filter(|f| f.usage.signs()) {
        let key = PrivateKey::from_pem_or_der(&fixture.pkcs8, "key").unwrap();
        let scheme = key.scheme(key.default_digest(), false).unwrap();
        let signer = Signer::new(
            vec![SignerSpec {
                certificate: fixture.certificate.clone(),
                key,
                scheme,
                chain: vec![m.intermediate.clone()],
                encryption_certificate: None,
                extra_attributes: Vec::new(),
            }],
            SignOptions {
                signing_time: Some(at()),
                ..SignOptions::default()
            },
        )
        .unwrap();
        let signed = dir.write(
            &format!("{}.eml", fixture.name()),
            &signer.sign_bytes(MESSAGE).unwrap(),
        );
        let content = dir.path("content.txt").to_string_lossy().into_owned();
        let (ok, out, err) = run(Command::new("openssl").args([
            "cms",
            "-verify",
            "-in",
            &signed,
            "-CAfile",
            &root,
            "-certfile",
            &intermediate,
            "-attime",
            &(NOW + 3600).to_string(),
            "-purpose",
            "smimesign",
            "-out",
            &content,
        ]));
        assert!(
            ok && err.contains("Verification successful"),
            "{}: {out}{err}",
            fixture.name()
        );
        let content = std::fs::read(&content).unwrap();
        assert!(
            String::from_utf8_lossy(&content).contains("Signed and sealed"),
            "{}",
            fixture.name()
        );
        signed_count += 1;
    }
    assert_eq!(
        signed_count, 16,
        "8 profiles, a signing and a dual-use certificate each"
    );
}

#[test]
fn mail_encrypted_to_every_profile_openssl_decrypts() {
    if !require_peer("openssl") {
        return;
    }
    let m = matrix();
    let dir = Dir::new();
    let mut decrypted = 0;
    for fixture in m.issued.iter().filter(|f| f.usage.encrypts()) {
        let encryptor = Encryptor::new(
            vec![RecipientSpec {
                certificate: fixture.certificate.clone(),
                transport: KeyTransport::DEFAULT,
                identifier: RecipientIdentifierKind::IssuerAndSerial,
            }],
            EncryptOptions {
                at: at(),
                ..EncryptOptions::default()
            },
        )
        .unwrap();
        let name = fixture.name();
        let encrypted = dir.write(
            &format!("{name}.eml"),
            &encryptor.encrypt_bytes(MESSAGE).unwrap(),
        );
        let cert = dir.pem(&format!("{name}.pem"), &[&fixture.certificate]);
        let key = dir.write(&format!("{name}.key"), key_pem(&fixture.pkcs8).as_bytes());
        let (ok, out, err) = run(Command::new("openssl").args([
            "cms", "-decrypt", "-in", &encrypted, "-recip", &cert, "-inkey", &key,
        ]));
        assert!(
            ok && out.contains("Signed and sealed"),
            "{name}: {out}{err}"
        );
        decrypted += 1;
    }
    assert_eq!(
        decrypted, 24,
        "8 profiles x (EC encrypt, RSA encrypt, RSA both)"
    );
}

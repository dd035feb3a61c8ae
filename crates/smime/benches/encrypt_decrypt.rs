//! In-process encryption and decryption (RSA-2048 OAEP key transport): 1 KiB sign+encrypt
//! messages (the cost of sending one signed and encrypted mail, target 2,000 per second per
//! core), 1 KiB and 1 MiB encrypt and decrypt with AES-256-GCM, AES-256-CBC and
//! ChaCha20-Poly1305. The whole-process comparison with `openssl cms -encrypt -stream` /
//! `-decrypt` is `bench/compare_openssl_encrypt.sh`.
//!
//! The key and certificate are made with the `openssl` command (as in the tests).
#![allow(missing_docs)]
mod common;

use common::{message, pki};
use std::time::SystemTime;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use smime::cms::enveloped_builder::{RecipientIdentifierKind, RecipientSpec};
use smime::cms::signed_builder::SignerSpec;
use smime::crypto::cipher::ContentCipher;
use smime::crypto::key_transport::KeyTransport;
use smime::crypto::{load_certificates, DecryptingKey, DigestAlgorithm, PrivateKey};
use smime::decrypt::{DecryptStatus, Decryptor};
use smime::encrypt::{EncryptOptions, Encryptor};
use smime::sign::{SignOptions, Signer};
use smime::CryptoPolicy;

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (cert_pem, key_pem) = pki(dir.path());
    let cert = load_certificates(&cert_pem, "bench cert")
        .unwrap()
        .remove(0);
    let signing_key = PrivateKey::from_pem_or_der(&key_pem, "bench key").unwrap();
    let scheme = signing_key.scheme(DigestAlgorithm::Sha256, false).unwrap();
    let signer = Signer::new(
        vec![SignerSpec {
            certificate: cert.clone(),
            key: signing_key,
            scheme,
            chain: vec![],
            encryption_certificate: None,
            extra_attributes: vec![],
        }],
        SignOptions::default(),
    )
    .unwrap();
    let encryptor = |cipher| {
        Encryptor::new(
            vec![RecipientSpec {
                certificate: cert.clone(),
                transport: KeyTransport::DEFAULT,
                identifier: RecipientIdentifierKind::IssuerAndSerial,
            }],
            EncryptOptions {
                cipher,
                at: SystemTime::now(),
            },
        )
        .unwrap()
    };
    let decryptor = Decryptor::new(
        cert.clone(),
        DecryptingKey::from_pem_or_der(&key_pem, "bench key").unwrap(),
        CryptoPolicy::strict(),
    );

    let small = message(1024);
    let mut group = c.benchmark_group("1KiB");
    group.throughput(Throughput::Elements(1));
    let gcm = encryptor(ContentCipher::Aes256Gcm);
    group.bench_function("sign+encrypt AES-256-GCM", |b| {
        b.iter(|| {
            gcm.encrypt_bytes(&signer.sign_bytes(&small).unwrap())
                .unwrap()
        })
    });
    group.finish();

    for (name, size) in [("1KiB", 1024), ("1MiB", 1 << 20)] {
        let msg = message(size);
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(size as u64));
        for cipher in [
            ContentCipher::Aes256Gcm,
            ContentCipher::Aes256Cbc,
            ContentCipher::ChaCha20Poly1305,
        ] {
            let encryptor = encryptor(cipher);
            let encrypted = encryptor.encrypt_bytes(&msg).unwrap();
            let (report, _) = decryptor.decrypt_bytes(&encrypted).unwrap();
            assert_eq!(report.status, DecryptStatus::Decrypted);
            group.bench_function(format!("encrypt {}", cipher.name()), |b| {
                b.iter(|| encryptor.encrypt_bytes(&msg).unwrap())
            });
            group.bench_function(format!("decrypt {}", cipher.name()), |b| {
                b.iter(|| decryptor.decrypt_bytes(&encrypted).unwrap())
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

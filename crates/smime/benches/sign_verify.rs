//! In-process sign and verify of 1 KiB and 1 MiB messages (RSA-2048, SHA-256, detached).
//! The whole-process comparison with `openssl cms -sign` / `-verify` is
//! `bench/compare_openssl.sh`; this one measures the library without process start-up.
//!
//! The key and certificate are made with the `openssl` command (as in the tests).
#![allow(missing_docs)]
use std::process::Command;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use smime::cms::signed_builder::SignerSpec;
use smime::crypto::{load_certificates, DigestAlgorithm, PrivateKey};
use smime::sign::{SignOptions, Signer};
use smime::verify::{Verifier, VerifyOptions};

fn pki(dir: &std::path::Path) -> (Vec<u8>, Vec<u8>) {
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=Bench/emailAddress=bench@example.com",
        ])
        .args([
            "-addext",
            "subjectAltName=email:bench@example.com",
            "-addext",
            "extendedKeyUsage=emailProtection",
        ])
        .arg("-keyout")
        .arg(dir.join("k.pem"))
        .arg("-out")
        .arg(dir.join("c.pem"))
        .output()
        .expect("openssl runs");
    assert!(
        status.status.success(),
        "openssl failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    (
        std::fs::read(dir.join("c.pem")).unwrap(),
        std::fs::read(dir.join("k.pem")).unwrap(),
    )
}

fn message(size: usize) -> Vec<u8> {
    let mut m =
        b"From: bench@example.com\r\nTo: you@example.com\r\nSubject: bench\r\n\r\n".to_vec();
    let line = b"The quick brown fox jumps over the lazy dog, again and again and again.\r\n";
    while m.len() < size {
        m.extend_from_slice(line);
    }
    m
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (cert_pem, key_pem) = pki(dir.path());
    let cert = load_certificates(&cert_pem, "bench cert")
        .unwrap()
        .remove(0);
    let key = PrivateKey::from_pem_or_der(&key_pem, "bench key").unwrap();
    let scheme = key.scheme(DigestAlgorithm::Sha256, false).unwrap();
    let signer = Signer::new(
        vec![SignerSpec {
            certificate: cert.clone(),
            key,
            scheme,
            chain: vec![],
            encryption_certificate: None,
            extra_attributes: vec![],
        }],
        SignOptions::default(),
    )
    .unwrap();
    let verifier = Verifier::new(VerifyOptions::new(vec![cert]));
    for (name, size) in [("1KiB", 1024), ("1MiB", 1 << 20)] {
        let msg = message(size);
        let signed = signer.sign_bytes(&msg).unwrap();
        assert!(verifier.verify_bytes(&signed).unwrap().valid);
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function("sign", |b| b.iter(|| signer.sign_bytes(&msg).unwrap()));
        group.bench_function("verify", |b| {
            b.iter(|| verifier.verify_bytes(&signed).unwrap())
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

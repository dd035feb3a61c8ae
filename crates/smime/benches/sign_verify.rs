//! In-process sign and verify of 1 KiB and 1 MiB messages (RSA-2048, SHA-256, detached).
//! The whole-process comparison with `openssl cms -sign` / `-verify` is
//! `bench/compare_openssl.sh`; this one measures the library without process start-up.
//!
//! The key and certificate are made with the `openssl` command (as in the tests).
#![allow(missing_docs)]
mod common;

use common::{message, pki};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use smime::cms::signed_builder::SignerSpec;
use smime::crypto::{load_certificates, DigestAlgorithm, PrivateKey};
use smime::sign::{SignOptions, Signer};
use smime::verify::{Verifier, VerifyOptions};

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

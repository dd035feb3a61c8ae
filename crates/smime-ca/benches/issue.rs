//! Certificates issued per second (criterion reports elements/s), each a whole
//! `issue::issue` call: build, conformance check, sign with the issuing CA's P-384 key.
//!
//! - `issue_generated_p384`: the CA also makes the subscriber's P-384 key;
//! - `issue_generated_rsa3072`: the CA also makes an RSA-3072 key (key generation dominates);
//! - `issue_csr_p256`: a PKCS#10 request is read and its proof of possession verified
//!   (`csr::verify_request`), then issued for the requester's P-256 key.
//!
//! Compare: `openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes ... | openssl x509
//! -req -CA ...` in a loop. Run: `cargo bench -p smime-ca --bench issue`.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use der::asn1::BitString;
use der::{Encode, Sequence};
use smime_ca::csr::verify_request;
use smime_ca::hierarchy::{create, CaOptions};
use smime_ca::issue::{issue, CertificateRequest, SubjectKey};
use smime_ca::keygen::{generate, KeyAlgorithm};
use smime_ca::organization::Organization;
use smime_ca::profile::{Profile, Usage};
use smime_ca::signing::sign_tbs;
use smime_ca::subject::Subscriber;
use spki::AlgorithmIdentifierOwned;
use x509_cert::request::{CertReqInfo, Version};

/// 2026-11-01T00:00:00Z.
const NOW: i64 = 1_793_491_200;

/// CertificationRequest (RFC 2986 4.2), to make a request in process.
#[derive(Sequence)]
struct Request {
    info: CertReqInfo,
    algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

/// A PKCS#10 request for a fresh P-256 key, signed with it (DER).
fn p256_request() -> Vec<u8> {
    let key = generate(KeyAlgorithm::P256).unwrap();
    let info = CertReqInfo {
        version: Version::V1,
        subject: Default::default(),
        public_key: key.key.public_key_spki(),
        attributes: Default::default(),
    };
    let signature = sign_tbs(&key.key, &info.to_der().unwrap()).unwrap();
    Request {
        info,
        algorithm: signature.algorithm,
        signature: signature.value,
    }
    .to_der()
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let org = Organization::new("Example Org", &["example.org".into()])
        .unwrap()
        .with_identifier("NTRDE-DEK1101R.HRB12345")
        .unwrap();
    let hierarchy = create(CaOptions::new(org), NOW).unwrap();
    let ca = hierarchy.issuing_ca();
    let profile = Profile::from_name("sponsor-strict").unwrap();
    let subscriber = Subscriber::person("alice@example.org", "Alice Example");

    let mut group = c.benchmark_group("issue");
    group.throughput(Throughput::Elements(1));
    for (name, algorithm) in [
        ("issue_generated_p384", KeyAlgorithm::P384),
        ("issue_generated_rsa3072", KeyAlgorithm::Rsa3072),
    ] {
        let mut request = CertificateRequest::new(subscriber.clone(), profile, Usage::Sign);
        request.key = SubjectKey::Generate(algorithm);
        if algorithm == KeyAlgorithm::Rsa3072 {
            group.sample_size(20);
        }
        group.bench_function(name, |b| b.iter(|| issue(&ca, &request, NOW).unwrap()));
    }
    group.sample_size(100);
    let csr = p256_request();
    group.bench_function("issue_csr_p256", |b| {
        b.iter(|| {
            let verified = verify_request(&csr, "bench.csr").unwrap();
            let mut request = CertificateRequest::new(subscriber.clone(), profile, Usage::Sign);
            request.key = SubjectKey::Public(verified.public_key);
            issue(&ca, &request, NOW).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

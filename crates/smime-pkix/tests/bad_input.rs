//! The malicious chain of Bouncy Castle's test data (`tests/data/bad-input`, four
//! certificates of about 1.6 MB each, built to exhaust parsers and validators) is refused
//! with a clear error. How long that takes is measured in `benches/validate.rs`.

use std::time::{Duration, SystemTime};

use smime_pkix::options::ValidationOptions;
use smime_pkix::pem::load_certificates;
use smime_pkix::x509_cert::Certificate;
use smime_pkix::{validate, Rule};

fn load(name: &str) -> Certificate {
    let path = format!(
        "{}/tests/data/bad-input/{name}.crt",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut certs = load_certificates(&bytes, &path).unwrap_or_else(|e| panic!("{e}"));
    certs
        .pop()
        .unwrap_or_else(|| panic!("{path}: no certificate"))
}

/// Inside the validity of the chain (2024-04-22 .. 2025-04-22): 2024-10-01.
fn options() -> ValidationOptions {
    ValidationOptions::at(SystemTime::UNIX_EPOCH + Duration::from_secs(1_727_740_800))
}

#[test]
fn validate_malicious_chain_is_refused_with_clear_error() {
    let (leaf, ca1, ca2, root) = (
        load("mal-leaf"),
        load("mal-ca1"),
        load("mal-ca2"),
        load("mal-root"),
    );
    let report = validate(&leaf, &[ca1, ca2], &[root], &options(), None);
    let failure = report
        .failure
        .expect("the malicious chain must not validate");
    println!("{failure}");
    // "Leaf Certificate 1" signs "Leaf Certificate 2" but is no CA (RFC 5280 6.1.4 (k)).
    assert_eq!((failure.rule, failure.index), (Rule::NotCa, 2), "{failure}");
    assert!(failure.subject.contains("Leaf Certificate 1"), "{failure}");
}

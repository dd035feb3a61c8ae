//! The validation API on a few NIST PKITS paths (the whole suite is in `pkits.rs`).

use std::time::{Duration, SystemTime};

use der::Decode;
use smime_pkix::options::ValidationOptions;
use smime_pkix::x509_cert::Certificate;
use smime_pkix::{validate, Rule};

fn cert(name: &str) -> Certificate {
    let path = format!(
        "{}/tests/data/pkits/certs/{name}.crt",
        env!("CARGO_MANIFEST_DIR")
    );
    let der = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Certificate::from_der(&der).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// 2010-01-01, inside the PKITS trust anchor's validity; PKITS signs with SHA-1 and
/// 1024-bit RSA, so legacy algorithms are allowed.
fn options() -> ValidationOptions {
    let mut options =
        ValidationOptions::at(SystemTime::UNIX_EPOCH + Duration::from_secs(1_262_304_000));
    options.allow_legacy = true;
    options
}

#[test]
fn validate_good_path_is_valid_leaf_first() {
    let (leaf, ca, root) = (
        cert("ValidCertificatePathTest1EE"),
        cert("GoodCACert"),
        cert("TrustAnchorRootCertificate"),
    );
    // Unrelated intermediates are ignored.
    let intermediates = [cert("BadSignedCACert"), ca.clone()];
    let report = validate(
        &leaf,
        &intermediates,
        std::slice::from_ref(&root),
        &options(),
        None,
    );
    assert!(report.is_valid(), "{:?}", report.failure);
    assert_eq!(report.path, vec![leaf, ca, root.clone()]);
    assert_eq!(report.trust_anchor(), Some(&root));
}

#[test]
fn validate_without_legacy_sha1_path_is_refused() {
    let report = validate(
        &cert("ValidCertificatePathTest1EE"),
        &[cert("GoodCACert")],
        &[cert("TrustAnchorRootCertificate")],
        &ValidationOptions::at(options().time),
        None,
    );
    let failure = report.failure.expect("SHA-1 refused");
    assert_eq!(failure.rule, Rule::Algorithm, "{failure}");
}

#[test]
fn validate_each_broken_rule_is_named() {
    let root = cert("TrustAnchorRootCertificate");
    for (leaf, ca, rule, index) in [
        (
            "InvalidCASignatureTest2EE",
            "BadSignedCACert",
            Rule::Signature,
            1,
        ),
        (
            "InvalidEESignatureTest3EE",
            "GoodCACert",
            Rule::Signature,
            0,
        ),
        (
            "InvalidCAnotBeforeDateTest1EE",
            "BadnotBeforeDateCACert",
            Rule::Validity,
            1,
        ),
        (
            "InvalidEEnotAfterDateTest6EE",
            "GoodCACert",
            Rule::Validity,
            0,
        ),
        (
            "InvalidMissingbasicConstraintsTest1EE",
            "MissingbasicConstraintsCACert",
            Rule::NotCa,
            1,
        ),
        (
            "InvalidkeyUsageCriticalkeyCertSignFalseTest1EE",
            "keyUsageCriticalkeyCertSignFalseCACert",
            Rule::KeyUsage,
            1,
        ),
        (
            "InvalidUnknownCriticalCertificateExtensionTest2EE",
            "TrustAnchorRootCertificate",
            Rule::CriticalExtension,
            0,
        ),
    ] {
        let report = validate(
            &cert(leaf),
            &[cert(ca)],
            std::slice::from_ref(&root),
            &options(),
            None,
        );
        let failure = report.failure.unwrap_or_else(|| panic!("{leaf} validated"));
        assert_eq!(
            (failure.rule, failure.index),
            (rule, index),
            "{leaf}: {failure}"
        );
    }
}

#[test]
fn validate_without_issuer_is_issuer_not_found() {
    let report = validate(
        &cert("ValidCertificatePathTest1EE"),
        &[],
        &[cert("TrustAnchorRootCertificate")],
        &options(),
        None,
    );
    let failure = report.failure.expect("no issuer");
    assert_eq!(failure.rule, Rule::IssuerNotFound);
    assert!(failure.detail.contains("Good CA"), "{failure}");
}

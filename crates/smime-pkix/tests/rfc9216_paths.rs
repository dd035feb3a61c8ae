//! The RFC 9216 sample PKI (section 4): an RSA CA and an Ed25519 CA, each self-signed and each
//! cross-signed by the other, so every end-entity certificate has a path to either root.
//! Path building must find the cross-signed path when only the other root is trusted, pick the
//! right one of two candidate issuers with the same name, and fail without the cross
//! certificate.

use std::time::{Duration, SystemTime};

use smime_pkix::options::ValidationOptions;
use smime_pkix::pem::load_certificates;
use smime_pkix::x509_cert::Certificate;
use smime_pkix::{validate, Rule, ValidationReport};

fn cert(name: &str) -> Certificate {
    let path = format!(
        "{}/tests/data/rfc9216/{name}.pem",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    load_certificates(&bytes, &path)
        .unwrap_or_else(|e| panic!("{e}"))
        .remove(0)
}

const RSA_ROOT: &str = "Sample_LAMPS_RSA_Certification_Authority.selfsigned";
const RSA_CROSS: &str = "Sample_LAMPS_RSA_Certification_Authority.crosssigned";
const ED_ROOT: &str = "Sample_LAMPS_Ed25519_Certification_Authority.selfsigned";
const ED_CROSS: &str = "Sample_LAMPS_Ed25519_Certification_Authority.crosssigned";

/// 2024-01-01: inside every certificate's validity (2020-12-15 .. 2052).
fn options() -> ValidationOptions {
    ValidationOptions::at(SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_067_200))
}

fn run(leaf: &str, intermediates: &[&str], anchor: &str) -> ValidationReport {
    let intermediates: Vec<Certificate> = intermediates.iter().map(|n| cert(n)).collect();
    validate(
        &cert(leaf),
        &intermediates,
        &[cert(anchor)],
        &options(),
        None,
    )
}

/// The path's certificates as their DER, leaf first, for comparison with the files.
fn path_is(report: &ValidationReport, names: &[&str]) {
    assert!(report.is_valid(), "{:?}", report.failure);
    let expected: Vec<Certificate> = names.iter().map(|n| cert(n)).collect();
    assert_eq!(report.path, expected, "path built");
}

#[test]
fn validate_rsa_leaf_under_its_own_root_is_valid() {
    let report = run("alice@smime.example.sig", &[ED_CROSS], RSA_ROOT);
    path_is(&report, &["alice@smime.example.sig", RSA_ROOT]);
}

#[test]
fn validate_rsa_leaf_under_ed25519_root_goes_through_cross_certificate() {
    // The RSA CA's cross certificate is signed by the Ed25519 root (an Ed25519 signature).
    let report = run("alice@smime.example.sig", &[RSA_CROSS], ED_ROOT);
    path_is(&report, &["alice@smime.example.sig", RSA_CROSS, ED_ROOT]);
}

#[test]
fn validate_ed25519_leaf_under_rsa_root_goes_through_cross_certificate() {
    let report = run("carlos@smime.example.sig", &[ED_CROSS], RSA_ROOT);
    path_is(&report, &["carlos@smime.example.sig", ED_CROSS, RSA_ROOT]);
}

#[test]
fn validate_with_both_ed25519_ca_certificates_reaches_rsa_root_through_cross() {
    // Both Ed25519 CA certificates are candidate issuers with the same name; only the cross
    // certificate leads to the RSA anchor. The builder may also take the self-signed one as a
    // self-issued intermediate before the cross certificate (a longer path that RFC 5280 6.1
    // accepts), so the test asserts what every valid path must hold.
    for (leaf, given) in [
        ("carlos@smime.example.sig", [ED_ROOT, ED_CROSS]),
        ("dana@smime.example.enc", [ED_CROSS, ED_ROOT]),
    ] {
        let report = run(leaf, &given, RSA_ROOT);
        assert!(report.is_valid(), "{leaf}: {:?}", report.failure);
        assert_eq!(
            report.path.first(),
            Some(&cert(leaf)),
            "{leaf}: path starts at the leaf"
        );
        assert_eq!(
            report.path.last(),
            Some(&cert(RSA_ROOT)),
            "{leaf}: path ends at the anchor"
        );
        assert!(
            report.path.contains(&cert(ED_CROSS)),
            "{leaf}: path uses the cross certificate"
        );
    }
}

#[test]
fn validate_without_cross_certificate_is_invalid_issuer_not_found() {
    let report = run("alice@smime.example.sig", &[ED_CROSS], ED_ROOT);
    let failure = report.failure.expect("no path to the Ed25519 root");
    assert_eq!(failure.rule, Rule::IssuerNotFound, "{failure:?}");
}

#[test]
fn validate_cross_certificate_with_changed_signature_is_invalid() {
    let mut cross = cert(RSA_CROSS);
    let mut signature = cross.signature.raw_bytes().to_vec();
    let last = signature.len() - 1;
    signature[last] ^= 1;
    cross.signature = der::asn1::BitString::from_bytes(&signature).expect("signature bit string");
    let report = validate(
        &cert("alice@smime.example.sig"),
        &[cross],
        &[cert(ED_ROOT)],
        &options(),
        None,
    );
    assert!(
        !report.is_valid(),
        "a changed cross-certificate signature must fail"
    );
}

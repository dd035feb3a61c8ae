//! `ca init`: the root and its subordinate CAs, checked by OpenSSL and smime-pkix.

mod common;

use std::time::{Duration, SystemTime};

use common::*;
use const_oid::db::rfc5280::{ID_CE_BASIC_CONSTRAINTS, ID_CE_NAME_CONSTRAINTS};
use der::Decode;
use smime_ca::issue::{issue, CertificateRequest, SubjectKey};
use smime_ca::keygen::KeyAlgorithm;
use smime_ca::profile::{Profile, Usage};
use smime_ca::subject::Subscriber;
use smime_pkix::certificate::find_extension;
use smime_pkix::options::ValidationOptions;
use x509_cert::ext::pkix::BasicConstraints;
use x509_cert::Certificate;

fn basic_constraints(cert: &Certificate) -> BasicConstraints {
    let ext = find_extension(cert, ID_CE_BASIC_CONSTRAINTS).expect("basicConstraints");
    assert!(ext.critical);
    BasicConstraints::from_der(ext.extn_value.as_bytes()).unwrap()
}

#[test]
fn init_three_levels_path_lengths_and_chain_verify() {
    let h = hierarchy(KeyAlgorithm::P256, 3, true);
    assert_eq!(h.intermediates.len(), 3);
    let root_bc = basic_constraints(&h.root.certificate);
    assert!(root_bc.ca && root_bc.path_len_constraint.is_none());
    assert!(find_extension(&h.root.certificate, ID_CE_NAME_CONSTRAINTS).is_none());
    for (i, ca) in h.intermediates.iter().enumerate() {
        let bc = basic_constraints(&ca.certificate);
        assert!(bc.ca);
        assert_eq!(bc.path_len_constraint, Some(2 - i as u8), "{}", ca.label);
        assert!(find_extension(&ca.certificate, ID_CE_NAME_CONSTRAINTS).is_some_and(|e| e.critical));
    }
    let leaf = issue(
        &h.issuing_ca(),
        &CertificateRequest::new(
            Subscriber::mailbox(ADDRESS),
            Profile::from_name("mailbox-strict").unwrap(),
            Usage::Sign,
        ),
        NOW,
    )
    .unwrap()
    .certificate;
    let chain = h.chain();
    assert_eq!(chain.len(), 4);
    assert_eq!(chain[0], h.issuing().certificate);
    assert_eq!(chain[3], h.root.certificate);

    let options =
        ValidationOptions::at(SystemTime::UNIX_EPOCH + Duration::from_secs(NOW as u64 + 60));
    let report = smime_pkix::validate(&leaf, &chain[..3], &chain[3..], &options, None);
    assert!(report.is_valid(), "{:?}", report.failure);
    assert_eq!(report.path.len(), 5);

    if !require_peer("openssl") {
        return;
    }
    let dir = Dir::new();
    let root = dir.pem("root.pem", &[&h.root.certificate]);
    let untrusted = dir.pem("chain.pem", &chain[..3].iter().collect::<Vec<_>>());
    let leaf = dir.pem("leaf.pem", &[&leaf]);
    let (ok, out, err) = openssl_verify(&root, &untrusted, &leaf, "smimesign");
    assert!(ok, "{out}{err}");
}

#[test]
fn init_rsa_hierarchy_signs_sha256_with_rsa_null_parameters() {
    let h = hierarchy(KeyAlgorithm::Rsa3072, 1, false);
    for cert in [&h.root.certificate, &h.issuing().certificate] {
        assert_eq!(
            cert.signature_algorithm.oid.to_string(),
            "1.2.840.113549.1.1.11"
        );
        assert_eq!(cert.signature_algorithm.parameters, Some(der::Any::null()));
        assert_eq!(cert.signature_algorithm, cert.tbs_certificate.signature);
    }
    let mut request = CertificateRequest::new(
        Subscriber::person(ADDRESS, "Alice Example"),
        Profile::from_name("individual-strict").unwrap(),
        Usage::Encrypt,
    );
    request.key = SubjectKey::Generate(KeyAlgorithm::P384);
    let leaf = issue(&h.issuing_ca(), &request, NOW).unwrap().certificate;
    let options =
        ValidationOptions::at(SystemTime::UNIX_EPOCH + Duration::from_secs(NOW as u64 + 60));
    let report = smime_pkix::validate(
        &leaf,
        std::slice::from_ref(&h.issuing().certificate),
        std::slice::from_ref(&h.root.certificate),
        &options,
        None,
    );
    assert!(report.is_valid(), "{:?}", report.failure);
}

#[test]
fn init_zero_or_too_many_levels_is_input_error() {
    for levels in [0, 5] {
        let mut options = smime_ca::hierarchy::CaOptions::new(organization());
        options.levels = levels;
        let err = smime_ca::hierarchy::create(options, NOW)
            .unwrap_err()
            .to_string();
        assert!(err.contains(&levels.to_string()), "{err}");
    }
}

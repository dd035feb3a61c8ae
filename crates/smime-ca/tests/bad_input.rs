//! Requests the CA must refuse, each with the rule it breaks: a legacy profile, an address
//! outside the organisation's domains, an organisation certificate without the
//! organisation's registration, a validity over 825 days, a person profile without a
//! person, and a built certificate that breaks its profile.

mod common;

use common::*;
use smime_ca::builder::{random_serial, tbs_certificate, validity};
use smime_ca::conformance;
use smime_ca::extensions;
use smime_ca::hierarchy::{create, CaOptions};
use smime_ca::issue::{issue, CertificateRequest, SubjectKey};
use smime_ca::keygen::{generate, KeyAlgorithm};
use smime_ca::organization::Organization;
use smime_ca::profile::{Profile, Usage};
use smime_ca::subject::{subject_name, Subscriber};
use smime_ca::Error;

fn refused(result: smime_ca::Result<impl std::fmt::Debug>) -> String {
    match result {
        Err(e @ Error::Refused { .. }) => e.to_string(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn request(email: &str, profile: &str, usage: Usage) -> CertificateRequest {
    let mut r = CertificateRequest::new(
        Subscriber::person(email, "Alice Example"),
        Profile::from_name(profile).unwrap(),
        usage,
    );
    r.key = SubjectKey::Generate(KeyAlgorithm::P256);
    r
}

#[test]
fn issue_legacy_profile_is_refused() {
    let h = hierarchy(KeyAlgorithm::P256, 1, false);
    for profile in [
        "mailbox-legacy",
        "organization-legacy",
        "sponsor-legacy",
        "individual-legacy",
    ] {
        let err = refused(issue(
            &h.issuing_ca(),
            &request(ADDRESS, profile, Usage::Sign),
            NOW,
        ));
        assert!(err.contains("legacy") && err.contains("7.1.6.1"), "{err}");
    }
}

#[test]
fn issue_address_outside_ca_domains_is_refused() {
    let h = hierarchy(KeyAlgorithm::P256, 1, false);
    for address in [
        "alice@example.com",
        "alice@notexample.org",
        "alice@example.org.evil.net",
    ] {
        let err = refused(issue(
            &h.issuing_ca(),
            &request(address, "mailbox-strict", Usage::Sign),
            NOW,
        ));
        assert!(
            err.contains(address) && err.contains("example.org"),
            "{err}"
        );
    }
    // A subdomain of ours is ours.
    issue(
        &h.issuing_ca(),
        &request("alice@mail.example.net", "mailbox-strict", Usage::Sign),
        NOW,
    )
    .unwrap();
}

#[test]
fn issue_organization_without_registration_is_refused() {
    let org = Organization::new("Example Org", &["example.org".into()]).unwrap();
    let h = create(CaOptions::new(org), NOW).unwrap();
    for profile in ["organization-strict", "sponsor-multipurpose"] {
        let err = refused(issue(
            &h.issuing_ca(),
            &request(ADDRESS, profile, Usage::Sign),
            NOW,
        ));
        assert!(err.contains("organizationIdentifier"), "{err}");
    }
    issue(
        &h.issuing_ca(),
        &request(ADDRESS, "individual-strict", Usage::Sign),
        NOW,
    )
    .unwrap();
}

#[test]
fn issue_validity_over_825_days_is_refused() {
    let h = hierarchy(KeyAlgorithm::P256, 1, false);
    let mut r = request(ADDRESS, "mailbox-strict", Usage::Sign);
    r.validity_days = 826;
    let err = refused(issue(&h.issuing_ca(), &r, NOW));
    assert!(err.contains("825") && err.contains("6.3.2"), "{err}");
    r.validity_days = 825;
    let cert = issue(&h.issuing_ca(), &r, NOW).unwrap().certificate;
    let v = &cert.tbs_certificate.validity;
    let span = v.not_after.to_unix_duration() - v.not_before.to_unix_duration();
    assert_eq!(span.as_secs() + 1, 825 * 86_400);
}

#[test]
fn issue_person_profile_without_name_is_refused() {
    let h = hierarchy(KeyAlgorithm::P256, 1, false);
    let mut r = request(ADDRESS, "individual-strict", Usage::Sign);
    r.subscriber = Subscriber::mailbox(ADDRESS);
    let err = refused(issue(&h.issuing_ca(), &r, NOW));
    assert!(
        err.contains("givenName") || err.contains("personal name"),
        "{err}"
    );
}

/// A TBSCertificate built for mailbox-strict signing by hand, with `edit` applied to its
/// extensions, then checked against `profile`.
fn check_edited(
    profile: &str,
    edit: impl FnOnce(&mut Vec<x509_cert::ext::Extension>),
) -> smime_ca::Result<()> {
    let h = hierarchy(KeyAlgorithm::P256, 1, false);
    let ca = h.issuing_ca();
    let profile = Profile::from_name(profile).unwrap();
    let key = generate(KeyAlgorithm::P256).unwrap().key.public_key_spki();
    let issuer_id =
        extensions::key_identifier(&ca.certificate.tbs_certificate.subject_public_key_info);
    let mut exts = vec![
        extensions::key_usage(
            Usage::Sign
                .key_usage(smime_ca::profile::KeyKind::Ec)
                .unwrap(),
        )
        .unwrap(),
        extensions::email_protection().unwrap(),
        extensions::subject_alt_name(&[ADDRESS.to_string()]).unwrap(),
        extensions::certificate_policies(&[profile.policy_oid()]).unwrap(),
        extensions::crl_distribution_point("http://pki.example.org/crl/x.crl").unwrap(),
        extensions::authority_info_access(
            Some("http://pki.example.org/ocsp"),
            "http://pki.example.org/ca/x.cer",
        )
        .unwrap(),
        extensions::subject_key_identifier(&key).unwrap(),
        extensions::authority_key_identifier(&issuer_id).unwrap(),
    ];
    edit(&mut exts);
    let tbs = tbs_certificate(
        ca.key,
        random_serial().unwrap(),
        ca.certificate.tbs_certificate.subject.clone(),
        validity(NOW, 365).unwrap(),
        subject_name(&profile, ca.organization, &Subscriber::mailbox(ADDRESS)).unwrap(),
        key,
        exts,
    )
    .unwrap();
    conformance::check(&tbs, &profile, Usage::Sign, ca.organization, ca.certificate)
}

#[test]
fn conformance_built_certificate_breaking_profile_is_refused() {
    check_edited("mailbox-strict", |_| {}).unwrap();
    // Strict allows emailProtection alone.
    let err = refused(check_edited("mailbox-strict", |exts| {
        exts[1] = x509_cert::ext::Extension {
            extn_id: const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE,
            critical: false,
            extn_value: der::asn1::OctetString::new(
                der::Encode::to_der(&x509_cert::ext::pkix::ExtendedKeyUsage(vec![
                    const_oid::db::rfc5280::ID_KP_EMAIL_PROTECTION,
                    const_oid::db::rfc5280::ID_KP_CLIENT_AUTH,
                ]))
                .unwrap(),
            )
            .unwrap(),
        }
    }));
    assert!(
        err.contains("extKeyUsage") && err.contains("7.1.2.3(f)"),
        "{err}"
    );
    // The policy of another profile.
    let err = refused(check_edited("mailbox-multipurpose", |exts| {
        let strict = Profile::from_name("mailbox-strict").unwrap().policy_oid();
        exts[3] = extensions::certificate_policies(&[strict]).unwrap();
    }));
    assert!(
        err.contains("2.23.140.1.5.1.2")
            && err.contains("2.23.140.1.5.1.3")
            && err.contains("7.1.6.1"),
        "{err}"
    );
    // keyUsage not critical, no CRL distribution point.
    let err = refused(check_edited("mailbox-strict", |exts| {
        exts[0].critical = false;
        exts.remove(4);
    }));
    assert!(
        err.contains("keyUsage must be critical")
            && err.contains("cRLDistributionPoints is required"),
        "{err}"
    );
    // An address outside the organisation in the SAN.
    let err = refused(check_edited("mailbox-strict", |exts| {
        exts[2] = extensions::subject_alt_name(&["eve@example.com".into()]).unwrap();
    }));
    assert!(err.contains("eve@example.com"), "{err}");
}

#[test]
fn organization_bad_identifier_or_country_is_input_error() {
    let org = Organization::new("Example Org", &["example.org".into()]).unwrap();
    assert!(org.clone().with_identifier("HRB12345").is_err());
    assert!(org.clone().with_country("Germany").is_err());
    assert!(Organization::new("Example Org", &[]).is_err());
    assert!(Organization::new("Example Org", &["localhost".into()]).is_err());
}

//! The mail rules of RFC 8550 (extended key usage, key usage per purpose and key type, the
//! address binding) on certificates made with openssl.

mod common;

use std::time::SystemTime;

use common::Pki;
use smime_pkix::mail::{
    certificate_email_addresses, check_address, check_extended_key_usage, check_key_usage,
    check_mail_rules, MailRuleFailure, Purpose,
};
use smime_pkix::mail_validation::{validate_for_mail, MailUse};
use smime_pkix::options::{RevocationMode, ValidationOptions};
use smime_pkix::x509_cert::Certificate;

const SIGN: &str = "keyUsage=critical,digitalSignature\n";

fn failed_rule(result: Result<(), MailRuleFailure>) -> &'static str {
    match result {
        Ok(()) => "none",
        Err(f) => {
            assert!(
                f.message.contains("CN="),
                "the message names the certificate: {f}"
            );
            assert!(f.rfc_section.starts_with("RFC "), "{f:?}");
            f.id
        }
    }
}

#[test]
fn mail_rules_extended_key_usage_per_rfc8550_4_4_4() {
    let pki = Pki::new();
    let cases = [
        ("eku-email", "extendedKeyUsage=emailProtection\n", "none"),
        ("eku-any", "extendedKeyUsage=anyExtendedKeyUsage\n", "none"),
        ("eku-absent", "", "none"),
        (
            "eku-client",
            "extendedKeyUsage=clientAuth,codeSigning\n",
            "mail_extended_key_usage",
        ),
    ];
    for (name, eku, expected) in cases {
        let cert = pki.leaf(
            name,
            "p256",
            &format!("/CN={name}"),
            &format!("{SIGN}{eku}"),
        );
        assert_eq!(
            failed_rule(check_extended_key_usage(&cert)),
            expected,
            "{name}"
        );
        assert_eq!(
            failed_rule(check_mail_rules(&cert, Purpose::Sign, None)),
            expected,
            "{name}"
        );
    }
}

#[test]
fn mail_rules_key_usage_per_purpose_and_key_type() {
    let pki = Pki::new();
    // (name, key kind, keyUsage, expected failure for Sign, Encrypt, Any)
    let cases = [
        (
            "rsa-sign",
            "rsa2048",
            "digitalSignature",
            ["none", "mail_key_usage", "none"],
        ),
        (
            "rsa-nr",
            "rsa2048",
            "nonRepudiation",
            ["none", "mail_key_usage", "none"],
        ),
        (
            "rsa-kt",
            "rsa2048",
            "keyEncipherment",
            ["mail_key_usage", "none", "none"],
        ),
        // An RSA key cannot do key agreement: keyAgreement does not make it a recipient.
        (
            "rsa-ka",
            "rsa2048",
            "keyAgreement",
            ["mail_key_usage", "mail_key_usage", "mail_key_usage"],
        ),
        (
            "ec-ka",
            "p256",
            "keyAgreement",
            ["mail_key_usage", "none", "none"],
        ),
        // An EC key encrypts by ECDH, so keyEncipherment is not enough.
        (
            "ec-kt",
            "p256",
            "keyEncipherment",
            ["mail_key_usage", "mail_key_usage", "mail_key_usage"],
        ),
        (
            "ec-both",
            "p256",
            "digitalSignature,keyAgreement",
            ["none", "none", "none"],
        ),
        (
            "ec-crl",
            "p256",
            "cRLSign",
            ["mail_key_usage", "mail_key_usage", "mail_key_usage"],
        ),
        (
            "x25519",
            "x25519",
            "keyAgreement",
            ["mail_key_type", "none", "none"],
        ),
        (
            "ed25519",
            "ed25519",
            "digitalSignature",
            ["none", "mail_key_type", "none"],
        ),
        (
            "pss",
            "rsa-pss",
            "digitalSignature,keyEncipherment",
            ["none", "mail_key_type", "none"],
        ),
    ];
    for (name, kind, usage, expected) in cases {
        let ext = format!("keyUsage=critical,{usage}\nextendedKeyUsage=emailProtection\n");
        let cert = pki.leaf(name, kind, &format!("/CN={name}"), &ext);
        for (purpose, want) in [Purpose::Sign, Purpose::Encrypt, Purpose::Any]
            .into_iter()
            .zip(expected)
        {
            assert_eq!(
                failed_rule(check_key_usage(&cert, purpose)),
                want,
                "{name} for {}",
                purpose.name()
            );
        }
    }
    // Without keyUsage every usage the key type allows is allowed.
    let cert = pki.leaf("no-ku", "p256", "/CN=no-ku", "");
    for purpose in [Purpose::Sign, Purpose::Encrypt, Purpose::Any] {
        assert_eq!(failed_rule(check_key_usage(&cert, purpose)), "none");
    }
}

#[test]
fn mail_rules_address_in_subject_only_is_bound() {
    let pki = Pki::new();
    let cert = pki.leaf(
        "subject-only",
        "p256",
        "/CN=Alice/emailAddress=alice@Example.org",
        SIGN,
    );
    assert_eq!(certificate_email_addresses(&cert), ["alice@Example.org"]);
    assert_eq!(
        failed_rule(check_address(&cert, "alice@example.ORG")),
        "none"
    );
    assert_eq!(
        failed_rule(check_address(&cert, "ALICE@example.org")),
        "mail_address_binding"
    );
}

#[test]
fn mail_rules_subject_address_ignored_when_san_has_one() {
    let pki = Pki::new();
    let cert = pki.leaf(
        "both",
        "p256",
        "/CN=Alice/emailAddress=old@example.org",
        &format!("{SIGN}subjectAltName=email:alice@example.com\n"),
    );
    assert_eq!(certificate_email_addresses(&cert), ["alice@example.com"]);
    assert_eq!(
        failed_rule(check_address(&cert, "alice@example.com")),
        "none"
    );
    let failure = check_address(&cert, "old@example.org").unwrap_err();
    assert_eq!(failure.id, "mail_address_binding");
    assert_eq!(failure.rfc_section, "RFC 8550 3");
    assert!(failure.message.contains("alice@example.com"), "{failure}");
    // No address at all.
    let cert = pki.leaf("none", "p256", "/CN=Nobody", SIGN);
    let failure = check_address(&cert, "alice@example.com").unwrap_err();
    assert!(
        failure.message.contains("has no email address"),
        "{failure}"
    );
    // Without an address to check, none is needed.
    assert_eq!(
        failed_rule(check_mail_rules(&cert, Purpose::Sign, None)),
        "none"
    );
}

#[test]
fn mail_rules_smtp_utf8_mailbox_is_bound() {
    let pki = Pki::new();
    let cert = pki.leaf(
        "utf8",
        "p256",
        "/CN=Jürgen",
        &format!(
            "{SIGN}subjectAltName=@alt\n[alt]\n\
             otherName.1=1.3.6.1.5.5.7.8.9;FORMAT:UTF8,UTF8:jürgen@bücher.example\n\
             email.1=juergen@example.com\n"
        ),
    );
    assert_eq!(
        certificate_email_addresses(&cert),
        ["jürgen@bücher.example", "juergen@example.com"]
    );
    for address in [
        "jürgen@bücher.example",
        "jürgen@BÜCHER.example",
        "jürgen@xn--bcher-kva.example",
        "juergen@EXAMPLE.com",
    ] {
        assert_eq!(
            failed_rule(check_address(&cert, address)),
            "none",
            "{address}"
        );
    }
    for address in [
        "JÜRGEN@bücher.example",
        "jurgen@bücher.example",
        "jürgen@bucher.example",
    ] {
        assert_eq!(
            failed_rule(check_address(&cert, address)),
            "mail_address_binding",
            "{address}"
        );
    }
}

#[test]
fn mail_rules_idn_a_label_in_san_matches_u_label_address() {
    let pki = Pki::new();
    let cert = pki.leaf(
        "idn",
        "p256",
        "/CN=Idn",
        &format!("{SIGN}subjectAltName=email:info@xn--mnchen-3ya.example\n"),
    );
    assert_eq!(
        failed_rule(check_address(&cert, "info@münchen.example")),
        "none"
    );
    assert_eq!(
        failed_rule(check_address(&cert, "info@MÜNCHEN.Example")),
        "none"
    );
    assert_eq!(
        failed_rule(check_address(&cert, "info@XN--MNCHEN-3YA.example")),
        "none"
    );
    assert_eq!(
        failed_rule(check_address(&cert, "info@munchen.example")),
        "mail_address_binding"
    );
    assert_eq!(
        failed_rule(check_mail_rules(
            &cert,
            Purpose::Sign,
            Some("info@münchen.example")
        )),
        "none"
    );
}

#[test]
fn mail_rules_first_failure_is_eku_then_key_usage_then_address() {
    let pki = Pki::new();
    let cert = pki.leaf(
        "all-wrong",
        "p256",
        "/CN=All Wrong",
        "keyUsage=critical,keyAgreement\nextendedKeyUsage=serverAuth\nsubjectAltName=email:a@example.com\n",
    );
    let rule = |p, a| failed_rule(check_mail_rules(&cert, p, a));
    assert_eq!(
        rule(Purpose::Sign, Some("b@example.com")),
        "mail_extended_key_usage"
    );
    let cert = pki.leaf(
        "ku-wrong",
        "p256",
        "/CN=Ku Wrong",
        "keyUsage=critical,keyAgreement\nsubjectAltName=email:a@example.com\n",
    );
    let rule = |p, a| failed_rule(check_mail_rules(&cert, p, a));
    assert_eq!(rule(Purpose::Sign, Some("b@example.com")), "mail_key_usage");
    assert_eq!(
        rule(Purpose::Encrypt, Some("b@example.com")),
        "mail_address_binding"
    );
    assert_eq!(rule(Purpose::Encrypt, Some("a@example.com")), "none");
}

/// Options for validation now (after the certificates were made: openssl sets their
/// notBefore to the second they are made in), without revocation.
fn now() -> ValidationOptions {
    let mut options = ValidationOptions::at(SystemTime::now());
    options.revocation = RevocationMode::Off;
    options
}

/// A CA under the root permitted only addresses at example.com (and its subdomains), with
/// mail.bad.example.com excluded.
fn constrained_ca(pki: &Pki) -> Certificate {
    pki.leaf(
        "ca",
        "p256",
        "/CN=Constrained CA",
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n\
         nameConstraints=critical,permitted;email:example.com,permitted;email:.example.com,\
         excluded;email:mail.bad.example.com\n",
    )
}

#[test]
fn validate_for_mail_name_constraints_permit_and_exclude_addresses() {
    let pki = Pki::new();
    let ca = constrained_ca(&pki);
    let anchors = [pki.cert("root")];
    for (name, email, expected) in [
        ("inside", "a@example.com", "none"),
        ("sub", "b@x.example.com", "none"),
        ("outside", "c@example.org", "name_constraints"),
        ("excluded", "d@mail.bad.example.com", "name_constraints"),
    ] {
        let leaf = pki.issue(
            name,
            "p256",
            &format!("/CN={name}"),
            &format!("{SIGN}subjectAltName=email:{email}\n"),
            "ca",
        );
        let report = validate_for_mail(
            &leaf,
            std::slice::from_ref(&ca),
            &anchors,
            &now(),
            None,
            MailUse {
                purpose: Purpose::Sign,
                address: Some(email),
            },
        );
        let got = report
            .failed_rule
            .as_ref()
            .map_or("none", |f| f.id.as_str());
        assert_eq!(got, expected, "{name}: {report:?}");
        assert_eq!(report.valid, expected == "none");
        if let Some(f) = &report.failed_rule {
            assert_eq!(f.certificate_index, 0, "{name}");
            assert!(f.rfc_section.starts_with("RFC 5280 6.1.3"), "{f:?}");
        }
        assert_eq!(report.path.len(), 3, "{name}");
        assert_eq!(report.path[0].subject, format!("CN={name}"));
    }
}

#[test]
fn validate_for_mail_path_failure_comes_before_mail_rules() {
    let pki = Pki::new();
    let ca = constrained_ca(&pki);
    // Outside the constraints AND not for email: the path rule is reported.
    let leaf = pki.issue(
        "both-wrong",
        "p256",
        "/CN=both-wrong",
        "extendedKeyUsage=serverAuth\nsubjectAltName=email:e@example.org\n",
        "ca",
    );
    let tls = pki.leaf("tls", "p256", "/CN=tls", "extendedKeyUsage=serverAuth\n");
    // After every certificate is made: their notBefore is the second they were made in.
    let options = now();
    let usage = MailUse {
        purpose: Purpose::Sign,
        address: Some("e@example.org"),
    };
    let anchors = [pki.cert("root")];
    let report = validate_for_mail(&leaf, &[ca], &anchors, &options, None, usage);
    assert_eq!(report.failed_rule.unwrap().id, "name_constraints");
    // Without the CA no path at all.
    let report = validate_for_mail(&leaf, &[], &anchors, &options, None, usage);
    assert_eq!(report.failed_rule.unwrap().id, "issuer_not_found");
    // Under the root directly the path is fine and the EKU rule fails.
    let report = validate_for_mail(&tls, &[], &anchors, &options, None, usage);
    let failed = report.failed_rule.unwrap();
    assert_eq!(failed.id, "mail_extended_key_usage");
    assert_eq!(failed.rfc_section, "RFC 8550 4.4.4");
    assert_eq!(report.path.len(), 2);
}

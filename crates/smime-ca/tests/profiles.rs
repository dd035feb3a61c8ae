//! Every CA/B S/MIME profile (mailbox, organization, sponsor, individual x multipurpose,
//! strict) with every usage, judged by the peers: `openssl verify -purpose`, smime-pkix's
//! path validation and mail rules, and pkilint's CA/B S/MIME linter.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use common::*;
use smime_ca::keygen::KeyAlgorithm;
use smime_ca::profile::Usage;
use smime_pkix::mail::{check_mail_rules, Purpose};
use smime_pkix::options::ValidationOptions;

fn at_now() -> ValidationOptions {
    ValidationOptions::at(SystemTime::UNIX_EPOCH + Duration::from_secs(NOW as u64 + 3600))
}

#[test]
fn issue_every_profile_and_usage_openssl_verify_passes() {
    if !require_peer("openssl") {
        return;
    }
    let m = matrix();
    let dir = Dir::new();
    let root = dir.pem("root.pem", &[&m.root]);
    let intermediate = dir.pem("intermediate.pem", &[&m.intermediate]);
    for fixture in &m.issued {
        let leaf = dir.pem(&format!("{}.pem", fixture.name()), &[&fixture.certificate]);
        // OpenSSL's smimeencrypt purpose demands keyEncipherment (crypto/x509/v3_purp.c,
        // check_purpose_smime_encrypt), which an EC key-agreement certificate must not have
        // (BR 7.1.2.3(e)): those are checked without a purpose here and decrypt with
        // OpenSSL in mail_interop.rs.
        let ec_encrypt =
            fixture.usage == Usage::Encrypt && fixture.algorithm != KeyAlgorithm::Rsa3072;
        let mut purposes = Vec::new();
        if fixture.usage.signs() {
            purposes.push("smimesign");
        }
        if fixture.usage.encrypts() && !ec_encrypt {
            purposes.push("smimeencrypt");
        }
        if ec_encrypt {
            purposes.push("any");
        }
        let verify = |purpose: &str| openssl_verify(&root, &intermediate, &leaf, purpose);
        for purpose in purposes {
            let (ok, out, err) = verify(purpose);
            assert!(
                ok && out.contains(": OK"),
                "{} -purpose {purpose}: {out}{err}",
                fixture.name()
            );
        }
        if ec_encrypt {
            // The limitation above is real, not a defect of the certificate under test.
            assert!(
                !verify("smimeencrypt").0,
                "{}: OpenSSL now accepts keyAgreement for smimeencrypt; test both",
                fixture.name()
            );
        }
    }
}

#[test]
fn issue_every_profile_smime_pkix_validates_for_address_and_purpose() {
    let m = matrix();
    for fixture in &m.issued {
        let report = smime_pkix::validate(
            &fixture.certificate,
            std::slice::from_ref(&m.intermediate),
            std::slice::from_ref(&m.root),
            &at_now(),
            None,
        );
        assert!(
            report.is_valid(),
            "{}: {:?}",
            fixture.name(),
            report.failure
        );
        assert_eq!(report.path.len(), 3, "{}", fixture.name());
        let purposes = [
            (fixture.usage.signs(), Purpose::Sign),
            (fixture.usage.encrypts(), Purpose::Encrypt),
        ];
        for (wanted, purpose) in purposes {
            let result = check_mail_rules(&fixture.certificate, purpose, Some(ADDRESS));
            assert_eq!(
                result.is_ok(),
                wanted,
                "{} {purpose:?}: {result:?}",
                fixture.name()
            );
        }
        assert!(
            check_mail_rules(&fixture.certificate, Purpose::Any, Some("bob@example.org")).is_err()
        );
    }
}

#[test]
fn issue_every_profile_pkilint_reports_no_error() {
    let Some(linter) = pkilint() else {
        return;
    };
    let m = matrix();
    let dir = Dir::new();
    let mut summary: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut errors = Vec::new();
    let mut record = |name: String, findings: Vec<(String, String, String)>| {
        let entry = summary.entry(name.clone()).or_default();
        for (severity, code, message) in findings {
            if matches!(severity.as_str(), "ERROR" | "FATAL") {
                errors.push(format!("{name}: {severity} {code} {message}"));
            }
            entry.push(format!("{severity} {code}"));
        }
    };
    let files: Vec<String> = m
        .issued
        .iter()
        .map(|f| dir.pem(&format!("{}.pem", f.name()), &[&f.certificate]))
        .collect();
    for (fixture, findings) in m.issued.iter().zip(lint(&linter, &["-d"], &files)) {
        record(fixture.name(), findings);
    }
    // The CA certificates against the RFC 5280 linter of the same package.
    if let Some(pkix) = pkilint_tool("lint_pkix_cert") {
        let files = [
            dir.pem("root.pem", &[&m.root]),
            dir.pem("intermediate.pem", &[&m.intermediate]),
        ];
        for (name, findings) in ["root", "intermediate"]
            .iter()
            .zip(lint(&pkix, &[], &files))
        {
            record(format!("CA {name}"), findings);
        }
    }
    for (name, findings) in &summary {
        println!(
            "pkilint {name}: {}",
            if findings.is_empty() {
                "no findings".into()
            } else {
                findings.join(", ")
            }
        );
    }
    assert!(errors.is_empty(), "pkilint errors:\n{}", errors.join("\n"));
    // Every issued certificate was linted (an entry even without findings).
    assert_eq!(
        summary.keys().filter(|k| !k.starts_with("CA ")).count(),
        m.issued.len()
    );
}

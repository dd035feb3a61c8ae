//! What the CA publishes besides certificates, judged by pkilint (PyPI, the linter the
//! CA/Browser Forum S/MIME work uses): a CRL with revoked entries (`lint_crl`, RFC 5280 and
//! the CA/B BR CRL profile), an OCSP response for a revoked certificate (`lint_ocsp_response`,
//! RFC 6960) and the delegated responder certificate `smime ca serve` issues
//! (`lint_pkix_cert`, RFC 5280). No ERROR or FATAL finding is allowed; every finding is
//! printed (`cargo test -- --nocapture`) for the note.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;
use der::Encode;
use smime::crypto::PrivateKey;
use smime_ca::crl_issuer::CrlIssuer;
use smime_ca::issue::{issue, CertificateRequest, SubjectKey};
use smime_ca::keygen::KeyAlgorithm;
use smime_ca::ocsp_responder::OcspResponder;
use smime_ca::profile::{Profile, Usage};
use smime_ca::responder::issue_responder;
use smime_ca::revocation_status::{RevocationList, RevokedEntry, Serial};
use smime_ca::subject::Subscriber;
use x509_cert::ext::pkix::CrlReason;

fn at(unix: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(u64::try_from(unix).expect("after 1970"))
}

#[test]
fn crl_ocsp_response_and_responder_pkilint_report_no_error() {
    let (Some(crl_lint), Some(ocsp_lint), Some(cert_lint)) = (
        pkilint_tool("lint_crl"),
        pkilint_tool("lint_ocsp_response"),
        pkilint_tool("lint_pkix_cert"),
    ) else {
        return;
    };
    let h = hierarchy(KeyAlgorithm::P384, 1, false);
    let ca = h.issuing();
    let pkcs8 = ca.key.pkcs8().expect("a software CA key");
    let ca_key = Arc::new(PrivateKey::from_pem_or_der(pkcs8, "issuing CA key").expect("CA key"));
    let mut leaves = Vec::new();
    for address in ["alice@example.org", "bob@example.org"] {
        let mut request = CertificateRequest::new(
            Subscriber::person(address, "Test Person"),
            Profile::issuable()[0],
            Usage::Sign,
        );
        request.key = SubjectKey::Generate(KeyAlgorithm::P256);
        leaves.push(
            issue(&h.issuing_ca(), &request, NOW)
                .expect("issue")
                .certificate,
        );
    }
    let serial =
        |c: &x509_cert::Certificate| Serial::from_serial_number(&c.tbs_certificate.serial_number);
    let list = Arc::new(RevocationList::new());
    for leaf in &leaves {
        list.add_issued(serial(leaf));
    }
    // One with a reason, one without (no reasonCode entry extension then, RFC 5280 5.3.1).
    for (leaf, reason) in [
        (&leaves[0], CrlReason::KeyCompromise),
        (&leaves[1], CrlReason::Unspecified),
    ] {
        list.revoke(RevokedEntry {
            serial: serial(leaf),
            revoked_at: at(NOW + 60),
            reason,
        });
    }
    let dir = Dir::new();
    let crl = CrlIssuer::new(ca.certificate.clone(), ca_key.clone())
        .expect("CRL issuer")
        .issue(
            &smime_ca::revocation_status::RevocationSource::revoked(list.as_ref())
                .expect("revoked"),
            42,
            at(NOW + 120),
        )
        .expect("CRL");
    let crl_file = dir.write("ca.crl", &crl);

    let (responder, responder_key) =
        issue_responder(&ca.certificate, &ca_key, NOW).expect("responder");
    let responder_file = dir.write("responder.der", &responder.to_der().expect("DER"));
    let mut ocsp = OcspResponder::new();
    ocsp.add_issuer(
        &ca.certificate,
        responder,
        Arc::new(responder_key.key),
        list.clone(),
    )
    .expect("responder fits");
    let query = smime_pkix::ocsp::build_request(&leaves[0], &ca.certificate, true).expect("query");
    let reply = ocsp.respond(query.der(), at(NOW + 180));
    let response_file = dir.write("response.der", &reply.der);

    let mut errors = Vec::new();
    for (name, linter, options, file) in [
        (
            "CRL (PKIX)",
            &crl_lint,
            vec!["-t", "CRL", "-p", "PKIX"],
            &crl_file,
        ),
        (
            "CRL (BR)",
            &crl_lint,
            vec!["-t", "CRL", "-p", "BR"],
            &crl_file,
        ),
        ("OCSP response", &ocsp_lint, vec![], &response_file),
        (
            "OCSP responder certificate",
            &cert_lint,
            vec![],
            &responder_file,
        ),
    ] {
        let findings = lint(linter, &options, std::slice::from_ref(file))
            .into_iter()
            .next()
            .expect("one report");
        let listed: Vec<String> = findings
            .iter()
            .map(|(severity, code, _)| format!("{severity} {code}"))
            .collect();
        println!(
            "pkilint {name}: {}",
            if listed.is_empty() {
                "no findings".into()
            } else {
                listed.join(", ")
            }
        );
        errors.extend(
            findings
                .iter()
                .filter(|(severity, _, _)| matches!(severity.as_str(), "ERROR" | "FATAL"))
                .map(|(severity, code, message)| format!("{name}: {severity} {code} {message}")),
        );
    }
    assert!(errors.is_empty(), "pkilint errors:\n{}", errors.join("\n"));
}

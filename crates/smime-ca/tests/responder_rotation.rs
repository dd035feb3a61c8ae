//! The responder certificate `smime ca serve` issues itself is renewed while the server
//! runs (smime_ca::responder::ResponderRotation): not before its last ten days, then a new
//! certificate for a new key signs the responses, and `openssl ocsp` and smime-pkix accept
//! them at a time the first certificate no longer covers.

mod openssl_ca;

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use der::Decode;
use openssl_ca::{issuing_ca_with_responder, key, leaf, pki};
use smime_ca::ocsp_responder::OcspResponder;
use smime_ca::responder::{issue_responder, ResponderRotation};
use smime_ca::revocation_status::{RevocationList, Serial};
use smime_ca::serve::ServeState;
use smime_pkix::ocsp::{build_request, verify_response, ResponseCheck};
use smime_pkix::{CryptoPolicy, RevocationStatus};
use x509_cert::Certificate;
use x509_ocsp::{BasicOcspResponse, OcspResponse};

const DAY: i64 = 86_400;

fn at(unix: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(u64::try_from(unix).expect("after 1970"))
}

/// The certificate carried in a served response.
fn signer_of(response: &[u8]) -> Certificate {
    let response = OcspResponse::from_der(response).expect("OCSPResponse");
    let bytes = response.response_bytes.expect("successful");
    let basic = BasicOcspResponse::from_der(bytes.response.as_bytes()).expect("basic");
    basic.certs.expect("certs")[0].clone()
}

/// `openssl ocsp -respin` verifying `response` at `time` against the root (the issuing CA
/// given as an untrusted intermediate).
fn openssl_accepts(pki: &pki::Pki, response: &[u8], time: i64) -> (bool, String) {
    pki.write("response.der", response);
    let out = Command::new("openssl")
        .args([
            "ocsp",
            "-respin",
            "response.der",
            "-issuer",
            "ca.pem",
            "-CAfile",
            "root.pem",
            "-verify_other",
            "ca.pem",
            "-attime",
            &time.to_string(),
            "-no_nonce",
        ])
        .current_dir(pki.dir())
        .output()
        .expect("run openssl ocsp");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.success() && text.contains("Response verify OK"),
        text,
    )
}

#[test]
fn responder_rotation_renews_in_last_ten_days_and_responses_verify_after_first_expires() {
    if !pki::require_openssl() {
        return;
    }
    let pki = pki::Pki::new();
    let ca = issuing_ca_with_responder(&pki);
    let ca_key = Arc::new(key(&pki, "ca"));
    let alice = leaf(&pki, "alice", "");
    let list = Arc::new(RevocationList::new());
    list.add_issued(Serial::from_serial_number(
        &alice.tbs_certificate.serial_number,
    ));
    // The test PKI lives 30 days from now: the first responder is issued 5 days ago so
    // that its end (day 30) and the checks after it fall inside the CA's life.
    let t0 = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(0))
        .expect("clock")
        - 5 * DAY;
    let (first, first_key) = issue_responder(&ca, &ca_key, t0).expect("responder");
    let mut responder = OcspResponder::new();
    responder
        .add_issuer(&ca, first.clone(), Arc::new(first_key.key), list.clone())
        .expect("add the CA");
    let state = Arc::new(ServeState::new(responder));
    let rotation = ResponderRotation::new(ca.clone(), ca_key.clone());

    // Twenty days in, ten are left: not yet.
    assert!(rotation
        .rotate_if_due(state.responder(), t0 + 19 * DAY)
        .expect("check")
        .is_none());
    assert_eq!(
        state
            .responder()
            .responder_certificate(&ca)
            .expect("current"),
        first
    );

    let query = build_request(&alice, &ca, false).expect("request");
    let late = t0 + 31 * DAY;
    // Without a renewal a response after day 30 carries an expired responder: refused.
    let stale = state.responder().respond(query.der(), at(late));
    let (ok, text) = openssl_accepts(&pki, &stale.der, late);
    assert!(!ok, "openssl accepted an expired responder: {text}");

    // Inside the last ten days the server task renews it, with a new key.
    let task = rotation.serve_task(state.clone());
    let done = task(at(t0 + 21 * DAY)).expect("rotate");
    assert!(
        done.as_deref().is_some_and(|d| d.contains("renewed")),
        "{done:?}"
    );
    let second = state
        .responder()
        .responder_certificate(&ca)
        .expect("current");
    assert_ne!(second, first);
    assert_ne!(
        second.tbs_certificate.subject_public_key_info,
        first.tbs_certificate.subject_public_key_info,
        "a renewal has a new key"
    );
    // Once renewed, the task has nothing to do until the new one's last ten days.
    assert!(task(at(t0 + 22 * DAY)).expect("check").is_none());

    let fresh = state.responder().respond(query.der(), at(late));
    assert_eq!(signer_of(&fresh.der), second);
    let (ok, text) = openssl_accepts(&pki, &fresh.der, late);
    assert!(ok, "openssl refused the renewed responder: {text}");
    let root = pki.cert("root");
    let status = verify_response(
        &query,
        &fresh.der,
        &ResponseCheck {
            issuer: &ca,
            trusted_responders: &[],
            time: at(late),
            policy: &CryptoPolicy::default(),
            require_nonce: false,
        },
        "rotated responder",
    );
    assert_eq!(
        status,
        RevocationStatus::Good,
        "root {}",
        root.tbs_certificate.subject
    );
}

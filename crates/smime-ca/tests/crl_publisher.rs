//! CRLs kept current: every publication numbered higher than the last, and a revocation
//! made outside the server (here straight into the revocation state, as `smime ca revoke`
//! writes the store) reaches the CRL that `serve` hands out, through the refresher.

mod openssl_ca;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use openssl_ca::{issuing_ca_with_responder, key, leaf, ocsp_responder, pki};
use smime_ca::crl_issuer::CrlIssuer;
use smime_ca::crl_publisher::CrlPublisher;
use smime_ca::refresher::spawn_refresher;
use smime_ca::revocation_status::{RevocationList, RevokedEntry, Serial};
use smime_ca::serve::ServeState;
use smime_pkix::crl::Crl;
use x509_cert::ext::pkix::CrlReason;

fn crl_number(der: &[u8]) -> Vec<u8> {
    let crl = Crl::from_der(der, "published CRL").expect("parse");
    crl.list()
        .tbs_cert_list
        .crl_extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_CRL_NUMBER)
        .expect("cRLNumber")
        .extn_value
        .as_bytes()
        .to_vec()
}

fn listed(der: &[u8]) -> Vec<Serial> {
    let crl = Crl::from_der(der, "published CRL").expect("parse");
    crl.list()
        .tbs_cert_list
        .revoked_certificates
        .iter()
        .flatten()
        .map(|e| Serial::from_serial_number(&e.serial_number))
        .collect()
}

#[test]
fn crl_refresher_publishes_outside_revocation_with_higher_number() {
    if !pki::require_openssl() {
        return;
    }
    let pki = pki::Pki::new();
    let ca = issuing_ca_with_responder(&pki);
    let bob = leaf(&pki, "bob", "");
    let list = Arc::new(RevocationList::new());
    let issuer = CrlIssuer::new(ca.clone(), Arc::new(key(&pki, "ca"))).expect("issuer");
    let publisher = Arc::new(CrlPublisher::starting_after(
        issuer,
        list.clone(),
        5_000_000_000,
    ));
    let (first_number, first) = publisher.publish(SystemTime::now()).expect("publish");
    assert_eq!(first_number, 5_000_000_001);
    let (second_number, _) = publisher.publish(SystemTime::now()).expect("publish");
    assert_eq!(second_number, 5_000_000_002);
    assert!(listed(&first).is_empty());
    // Nothing changed and the CRL is fresh: no new one.
    assert!(publisher
        .refresh(SystemTime::now())
        .expect("refresh")
        .is_none());

    let mut state = ServeState::new(ocsp_responder(&pki, &ca, list.clone()));
    let id = state.add_ca(&ca, first).expect("publish the CA");
    let state = Arc::new(state);
    let _refresher = spawn_refresher(
        vec![publisher.serve_task(state.clone())],
        Duration::from_millis(20),
        |_| {},
        |e| panic!("refresh failed: {e}"),
    )
    .expect("start the refresher");

    let serial = Serial::from_serial_number(&bob.tbs_certificate.serial_number);
    list.revoke(RevokedEntry {
        serial: serial.clone(),
        revoked_at: SystemTime::now(),
        reason: CrlReason::Superseded,
    });
    let path = format!("/crl/{id}.crl");
    let deadline = Instant::now() + Duration::from_secs(10);
    let served = loop {
        let body = state.handle("GET", &path, b"", SystemTime::now()).body;
        if listed(&body) == vec![serial.clone()] {
            break body;
        }
        assert!(
            Instant::now() < deadline,
            "the revocation never reached the served CRL"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    // 5 000 000 003 = 0x012A05F203, as a DER INTEGER.
    assert_eq!(
        crl_number(&served),
        [0x02, 0x05, 0x01, 0x2a, 0x05, 0xf2, 0x03]
    );
}

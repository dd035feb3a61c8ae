//! Revocation kept in the store (SQLite, and PostgreSQL when the test cluster runs): leaves
//! of an issuing CA (made with `openssl`) stored as issued, revoked by serial and by address
//! through the store's audited API, and the CRL and OCSP answers read back from the store.

mod openssl_ca;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use der::Decode;
use openssl_ca::{issuing_ca_with_responder, key, leaf, ocsp_responder, pki};
use smime_ca::crl_issuer::CrlIssuer;
use smime_ca::revocation_status::{RevocationSource, Serial, SerialStatus};
use smime_ca::store_revocation::{revoke, revoke_address, StoreRevocationSource};
use smime_pkix::crl::Crl;
use smime_store::certs::CertSource;
use smime_store::roles::Role;
use smime_store::testing::each_backend;
use smime_store::Store;
use x509_cert::ext::pkix::CrlReason;
use x509_ocsp::{BasicOcspResponse, CertStatus, OcspResponse};

fn serial_of(cert: &x509_cert::Certificate) -> Serial {
    Serial::from_serial_number(&cert.tbs_certificate.serial_number)
}

#[test]
fn store_revocation_by_serial_and_address_reaches_crl_and_ocsp() {
    if !pki::require_openssl() {
        return;
    }
    let pki = pki::Pki::new();
    let ca = issuing_ca_with_responder(&pki);
    let mail = "subjectAltName=email:carol@example.org\nextendedKeyUsage=emailProtection\n";
    let alice = leaf(&pki, "alice", "");
    let bob = leaf(&pki, "bob", "");
    let carol = leaf(&pki, "carol", mail);
    let outsider = pki.cert("responder"); // issued by the CA, never stored
    each_backend(|url| {
        let store = Arc::new(Store::open(url).expect("open the store"));
        let admin = store.bootstrap_admin("admin").expect("first admin");
        store
            .add_certificates(
                &admin,
                &[alice.clone(), bob.clone(), carol.clone()],
                CertSource::Issued,
                Some("test CA"),
                Some("mailbox-strict"),
            )
            .expect("store the leaves");
        let source = StoreRevocationSource::new(store.clone(), admin.clone(), &ca);
        assert_eq!(
            source.status(&serial_of(&alice)).unwrap(),
            SerialStatus::Good
        );
        assert_eq!(
            source.status(&serial_of(&outsider)).unwrap(),
            SerialStatus::Unknown
        );
        assert!(source.revoked().unwrap().is_empty());

        // By serial; a second revocation changes nothing.
        let at = SystemTime::now() - Duration::from_secs(60);
        let first = revoke(
            &store,
            &admin,
            &ca,
            &serial_of(&alice),
            CrlReason::KeyCompromise,
            at,
        )
        .expect("revoke alice");
        assert!(first.newly_revoked);
        let again = revoke(
            &store,
            &admin,
            &ca,
            &serial_of(&alice),
            CrlReason::Superseded,
            SystemTime::now(),
        )
        .expect("revoke alice again");
        assert!(!again.newly_revoked);
        assert_eq!(again.entry, first.entry);
        match source.status(&serial_of(&alice)).unwrap() {
            SerialStatus::Revoked(entry) => {
                assert_eq!(entry.reason, CrlReason::KeyCompromise);
                assert_eq!(entry, first.entry);
            }
            other => panic!("alice: {other:?}"),
        }
        assert!(revoke(
            &store,
            &admin,
            &ca,
            &serial_of(&outsider),
            CrlReason::Unspecified,
            at
        )
        .is_err());

        // By address: only carol's certificate.
        let by_address = revoke_address(
            &store,
            &admin,
            &ca,
            "Carol@Example.org",
            CrlReason::AffiliationChanged,
            SystemTime::now(),
        )
        .expect("revoke carol");
        assert_eq!(by_address.len(), 1);
        assert_eq!(by_address[0].entry.serial, serial_of(&carol));
        assert_eq!(source.status(&serial_of(&bob)).unwrap(), SerialStatus::Good);

        // An auditor may not revoke: refused, nothing changed.
        store
            .add_principal(&admin, "audrey", Role::Auditor, None)
            .expect("add an auditor");
        let auditor = store.actor("audrey").expect("auditor");
        assert!(revoke(
            &store,
            &auditor,
            &ca,
            &serial_of(&bob),
            CrlReason::Unspecified,
            at
        )
        .is_err());
        assert_eq!(source.status(&serial_of(&bob)).unwrap(), SerialStatus::Good);

        // The CRL from the store lists alice and carol with their reasons.
        let issuer = CrlIssuer::new(ca.clone(), Arc::new(key(&pki, "ca"))).expect("CRL issuer");
        let der = issuer
            .issue(&source.revoked().unwrap(), 7, SystemTime::now())
            .expect("CRL");
        let crl = Crl::from_der(&der, "store CRL").expect("parse");
        let listed: Vec<Serial> = crl
            .list()
            .tbs_cert_list
            .revoked_certificates
            .iter()
            .flatten()
            .map(|e| Serial::from_serial_number(&e.serial_number))
            .collect();
        let mut expected = vec![serial_of(&alice), serial_of(&carol)];
        expected.sort();
        assert_eq!(listed, expected);

        // OCSP answers from the store.
        let responder = ocsp_responder(
            &pki,
            &ca,
            Arc::new(StoreRevocationSource::new(
                store.clone(),
                admin.clone(),
                &ca,
            )),
        );
        for (cert, revoked) in [(&alice, true), (&bob, false)] {
            let query = smime_pkix::ocsp::build_request(cert, &ca, true).unwrap();
            let reply = responder.respond(query.der(), SystemTime::now());
            let response = OcspResponse::from_der(&reply.der).unwrap();
            let bytes = response.response_bytes.expect("successful");
            let basic = BasicOcspResponse::from_der(bytes.response.as_bytes()).unwrap();
            let status = basic.tbs_response_data.responses[0].cert_status;
            assert_eq!(
                matches!(status, CertStatus::Revoked(_)),
                revoked,
                "{status:?}"
            );
        }
    });
}

/// The cRLNumber of a DER CRL, as an integer.
fn crl_number(der: &[u8]) -> u64 {
    let crl = x509_cert::crl::CertificateList::from_der(der).expect("CRL");
    let ext = crl
        .tbs_cert_list
        .crl_extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_CRL_NUMBER)
        .expect("cRLNumber present");
    let number =
        x509_cert::ext::pkix::CrlNumber::from_der(ext.extn_value.as_bytes()).expect("cRLNumber");
    number
        .0
        .as_bytes()
        .iter()
        .fold(0u64, |n, b| (n << 8) | u64::from(*b))
}

#[test]
fn crl_numbers_from_the_store_grow_across_nodes_restarts_and_clocks() {
    use smime_ca::crl_publisher::CrlPublisher;
    if !pki::require_openssl() {
        return;
    }
    let pki = pki::Pki::new();
    let ca = issuing_ca_with_responder(&pki);
    let ca_key = Arc::new(key(&pki, "ca"));
    each_backend(|url| {
        // Two nodes: two store handles, two publishers for the same CA.
        let publisher = || {
            let store = Arc::new(Store::open(url).expect("open the store"));
            let admin = match store.bootstrap_admin("admin") {
                Ok(admin) => admin,
                Err(_) => store.actor("admin").expect("admin"),
            };
            let source = Arc::new(StoreRevocationSource::new(store, admin, &ca));
            CrlPublisher::new(
                CrlIssuer::new(ca.clone(), ca_key.clone()).expect("CRL issuer"),
                source,
            )
        };
        let (one, two) = (publisher(), publisher());
        let t = SystemTime::now();
        let mut numbers = Vec::new();
        // Both nodes in the same second: in memory both would propose the same number.
        for node in [&one, &two, &one, &two] {
            let (number, der) = node.publish(t).expect("publish");
            assert_eq!(crl_number(&der), number);
            numbers.push(number);
        }
        // A clock set back an hour, then a restarted node (a new publisher, nothing in
        // memory): the numbers still grow.
        numbers.push(
            one.publish(t - Duration::from_secs(3600))
                .expect("publish")
                .0,
        );
        numbers.push(publisher().publish(t).expect("publish").0);
        assert!(
            numbers.windows(2).all(|w| w[0] < w[1]),
            "cRLNumbers must strictly grow: {numbers:?}"
        );
        let floor = t
            .duration_since(SystemTime::UNIX_EPOCH)
            .expect("clock")
            .as_secs();
        assert!(numbers[0] >= floor, "{numbers:?}");
    });
}

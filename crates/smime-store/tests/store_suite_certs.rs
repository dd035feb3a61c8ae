//! The store suite, part 2: certificates. Import (PEM, DER, PKCS#7 bundles), deduplication,
//! the stored columns, and every inventory query; each body runs on SQLite and PostgreSQL.

use cms::cert::CertificateChoices;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{CertificateSet, EncapsulatedContentInfo, SignedData};
use der::asn1::SetOfVec;
use der::oid::ObjectIdentifier;
use der::{Any, Encode, EncodePem};
use smime::x509_cert::Certificate;
use smime_pkix::mail::Purpose;
use smime_store::certs::{CertSource, SETTING_APPROVED_CAS, SETTING_ORG_DOMAINS};
use smime_store::roles::{Actor, Role};
use smime_store::testing::each_backend;
use smime_store::testing::pki::{now, TestCa, TestKey, Usage};
use smime_store::{Error, Store};

const DAY: i64 = 86_400;

fn admin() -> Actor {
    Actor {
        name: "alice-admin".into(),
        role: Role::Admin,
        address: None,
    }
}

/// A degenerate SignedData holding `certs` (RFC 8551 3.8 certs-only), DER.
fn pkcs7_bundle(certs: &[Certificate]) -> Vec<u8> {
    let mut set = SetOfVec::new();
    for c in certs {
        set.insert(CertificateChoices::Certificate(c.clone()))
            .expect("set");
    }
    let signed = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::new(),
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1"),
            econtent: None,
        },
        certificates: Some(CertificateSet(set)),
        crls: None,
        signer_infos: cms::signed_data::SignerInfos(SetOfVec::new()),
    };
    ContentInfo {
        content_type: ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2"),
        content: Any::encode_from(&signed).expect("any"),
    }
    .to_der()
    .expect("DER")
}

fn pem(cert: &Certificate) -> Vec<u8> {
    cert.to_pem(der::pem::LineEnding::LF)
        .expect("PEM")
        .into_bytes()
}

fn ids(records: &[smime_store::certs::CertificateRecord]) -> Vec<String> {
    let mut v: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
    v.sort();
    v
}

fn fingerprint(cert: &Certificate) -> String {
    smime_pkix::certificate::certificate_fingerprint_sha256(cert)
}

#[test]
fn import_pem_der_and_pkcs7_duplicates_are_already_present() {
    let ca = TestCa::root("Dedupe CA");
    let key = TestKey::generate();
    let t = now();
    let leaf = ca.issue(
        "Bob",
        &["bob@example.org"],
        Usage::Both,
        10,
        (t - DAY, t + 30 * DAY),
        &key,
    );
    each_backend(|url| {
        let store = Store::open(url).expect("open");
        let actor = admin();
        let first = store
            .import_certificates(&actor, &pem(&leaf), "bob.pem", CertSource::Imported)
            .expect("PEM import");
        assert_eq!(first.len(), 1);
        assert!(first[0].added);
        assert_eq!(first[0].id, fingerprint(&leaf));
        let again = store
            .import_certificates(
                &actor,
                &leaf.to_der().expect("der"),
                "bob.der",
                CertSource::Imported,
            )
            .expect("DER import");
        assert_eq!(again.len(), 1);
        assert!(!again[0].added);
        assert_eq!(again[0].outcome(), "already present");
        // A bundle with the CA (new) and the leaf (present).
        let bundle = pkcs7_bundle(&[ca.certificate.clone(), leaf.clone()]);
        let from_bundle = store
            .import_certificates(&actor, &bundle, "chain.p7b", CertSource::Imported)
            .expect("PKCS#7 import");
        let added: Vec<bool> = from_bundle.iter().map(|i| i.added).collect();
        assert_eq!(from_bundle.len(), 2);
        assert_eq!(added.iter().filter(|a| **a).count(), 1, "{from_bundle:?}");
        let all = store.all_certificates(&actor).expect("list");
        assert_eq!(all.len(), 2);
        // The leaf keeps its first source detail.
        let row = store
            .certificate(&fingerprint(&leaf))
            .expect("query")
            .expect("stored");
        assert_eq!(row.source_detail.as_deref(), Some("bob.pem"));
        // PEM PKCS7 block too.
        let pem_bundle =
            der::pem::encode_string("PKCS7", der::pem::LineEnding::LF, &bundle).expect("pem");
        let from_pem_bundle = store
            .import_certificates(
                &actor,
                pem_bundle.as_bytes(),
                "chain.p7b.pem",
                CertSource::Imported,
            )
            .expect("PEM PKCS7 import");
        assert!(from_pem_bundle.iter().all(|i| !i.added));
    });
}

#[test]
fn import_bad_inputs_are_errors_naming_the_input() {
    each_backend(|url| {
        let store = Store::open(url).expect("open");
        let actor = admin();
        for (bytes, what, expect) in [
            (&b"not a certificate"[..], "junk.bin", "junk.bin"),
            (
                &b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"[..],
                "broken.pem",
                "PEM block 1",
            ),
            (
                &b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"[..],
                "key.pem",
                "no CERTIFICATE",
            ),
            (
                &[0x30, 0x82, 0x00, 0x05, 0x02, 0x01, 0x03, 0x30, 0x00][..],
                "id.p12",
                "PKCS#12",
            ),
        ] {
            let err = store
                .import_certificates(&actor, bytes, what, CertSource::Imported)
                .expect_err(what);
            assert!(matches!(err, Error::Certificate { .. }), "{what}: {err}");
            let text = err.to_string();
            assert!(
                text.contains(what) && text.contains(expect),
                "{what}: {text}"
            );
        }
        assert!(store.all_certificates(&actor).expect("list").is_empty());
    });
}

#[test]
fn import_columns_are_filled() {
    let root = TestCa::root("Column Root");
    let ca = root.intermediate("Column Issuing CA", 2);
    let key = TestKey::generate();
    let t = now();
    let leaf = ca.issue(
        "Carol",
        &["Carol@Example.ORG", "carol@other.example"],
        Usage::Sign,
        0x1234,
        (t - DAY, t + 10 * DAY),
        &key,
    );
    each_backend(|url| {
        let store = Store::open(url).expect("open");
        let actor = admin();
        let before = now();
        store
            .add_certificates(
                &actor,
                &[leaf.clone(), ca.certificate.clone()],
                CertSource::Issued,
                Some("Column Issuing CA"),
                Some("mailbox-strict"),
            )
            .expect("add");
        let row = store
            .certificate(&fingerprint(&leaf))
            .expect("query")
            .expect("stored");
        assert_eq!(row.subject, "CN=Carol,O=smime tests");
        assert_eq!(row.issuer, "CN=Column Issuing CA,O=smime tests");
        assert_eq!(row.serial, "010000000000001234");
        assert_eq!(row.ski.as_ref().map(String::len), Some(40));
        let ca_row = store
            .certificate(&fingerprint(&ca.certificate))
            .expect("query")
            .expect("stored");
        assert_eq!(row.aki, ca_row.ski, "the leaf's AKI is its CA's SKI");
        assert!(ca_row.is_ca && !row.is_ca);
        assert!(row.can_sign && !row.can_encrypt);
        assert!(!ca_row.can_sign && !ca_row.can_encrypt);
        assert_eq!(row.not_before, t - DAY);
        assert_eq!(row.not_after, t + 10 * DAY);
        assert_eq!(row.source, CertSource::Issued);
        assert_eq!(row.source_detail.as_deref(), Some("Column Issuing CA"));
        assert_eq!(row.profile.as_deref(), Some("mailbox-strict"));
        assert!(row.added_at >= before && row.added_at <= now());
        assert_eq!(row.revoked_at, None);
        assert_eq!(
            row.addresses,
            vec![
                "carol@example.org".to_string(),
                "carol@other.example".to_string()
            ]
        );
        assert_eq!(row.certificate, leaf);
        let by_serial = store
            .certificate_by_issuer_serial(&row.issuer, "0x010000000000001234")
            .expect("query")
            .expect("found by issuer and serial");
        assert_eq!(by_serial.id, row.id);
    });
}

#[test]
fn certificates_for_address_only_valid_unrevoked_fitting_ones() {
    let ca = TestCa::root("Lookup CA");
    let key = TestKey::generate();
    let t = now();
    let live = (t - DAY, t + 100 * DAY);
    let sign_only = ca.issue("D1", &["dave@example.org"], Usage::Sign, 1, live, &key);
    let encrypt_only = ca.issue("D2", &["dave@example.org"], Usage::Encrypt, 2, live, &key);
    let both_newer = ca.issue(
        "D3",
        &["Dave@EXAMPLE.org"],
        Usage::Both,
        3,
        (t - DAY, t + 200 * DAY),
        &key,
    );
    let expired = ca.issue(
        "D4",
        &["dave@example.org"],
        Usage::Both,
        4,
        (t - 100 * DAY, t - DAY),
        &key,
    );
    let not_yet = ca.issue(
        "D5",
        &["dave@example.org"],
        Usage::Both,
        5,
        (t + DAY, t + 100 * DAY),
        &key,
    );
    let revoked = ca.issue("D6", &["dave@example.org"], Usage::Both, 6, live, &key);
    let other = ca.issue("E", &["erin@example.org"], Usage::Both, 7, live, &key);
    let all = [
        sign_only.clone(),
        encrypt_only.clone(),
        both_newer.clone(),
        expired,
        not_yet,
        revoked.clone(),
        other,
    ];
    each_backend(|url| {
        let store = Store::open(url).expect("open");
        let actor = admin();
        store
            .add_certificates(&actor, &all, CertSource::Harvested, Some("<m1@x>"), None)
            .expect("add");
        store
            .mark_revoked(&actor, &fingerprint(&revoked), t, "keyCompromise")
            .expect("revoke");
        let signing = store
            .certificates_for_address("DAVE@example.org", Purpose::Sign, t)
            .expect("sign lookup");
        assert_eq!(
            signing.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
            vec![fingerprint(&both_newer), fingerprint(&sign_only)],
            "newest notAfter first"
        );
        let encrypting = store
            .certificates_for_address("dave@example.org", Purpose::Encrypt, t)
            .expect("encrypt lookup");
        assert_eq!(
            encrypting.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
            vec![fingerprint(&both_newer), fingerprint(&encrypt_only)]
        );
        assert!(store
            .certificates_for_address("nobody@example.org", Purpose::Any, t)
            .expect("lookup")
            .is_empty());
        assert!(matches!(
            store.certificates_for_address("not-an-address", Purpose::Any, t),
            Err(Error::Certificate { .. })
        ));
    });
}

#[test]
fn inventory_queries_expiring_domain_issuer_revoked() {
    let ca_a = TestCa::root("Inventory CA A");
    let ca_b = TestCa::root("Inventory CA B");
    let key = TestKey::generate();
    let t = now();
    let soon = ca_a.issue(
        "Soon",
        &["soon@example.org"],
        Usage::Both,
        1,
        (t - DAY, t + 5 * DAY),
        &key,
    );
    let later = ca_a.issue(
        "Later",
        &["later@example.org"],
        Usage::Both,
        2,
        (t - DAY, t + 50 * DAY),
        &key,
    );
    let gone = ca_b.issue(
        "Gone",
        &["gone@other.example"],
        Usage::Both,
        3,
        (t - 10 * DAY, t - DAY),
        &key,
    );
    each_backend(|url| {
        let store = Store::open(url).expect("open");
        let actor = admin();
        store
            .add_certificates(
                &actor,
                &[soon.clone(), later.clone(), gone.clone()],
                CertSource::Imported,
                None,
                None,
            )
            .expect("add");
        assert_eq!(
            ids(&store.expiring_certificates(&actor, 7, t).expect("expiring")),
            ids(&[store.certificate(&fingerprint(&soon)).unwrap().unwrap()])
        );
        assert_eq!(
            store
                .expiring_certificates(&actor, 60, t)
                .expect("expiring")
                .len(),
            2,
            "the expired one is not 'expiring'"
        );
        let in_example = store
            .certificates_by_domain(&actor, "EXAMPLE.org")
            .expect("domain");
        assert_eq!(in_example.len(), 2);
        let by_b = store
            .certificates_by_issuer(&actor, "CN=Inventory CA B,O=smime tests")
            .expect("issuer");
        assert_eq!(
            by_b.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
            vec![fingerprint(&gone)]
        );
        assert!(store
            .revoked_certificates(&actor)
            .expect("revoked")
            .is_empty());
        store
            .mark_revoked(&actor, &fingerprint(&later).to_uppercase(), t, "superseded")
            .expect("revoke");
        let revoked = store.revoked_certificates(&actor).expect("revoked");
        assert_eq!(revoked.len(), 1);
        assert_eq!(revoked[0].id, fingerprint(&later));
        assert_eq!(revoked[0].revoked_at, Some(t));
        assert_eq!(revoked[0].revocation_reason.as_deref(), Some("superseded"));
        let err = store
            .mark_revoked(&actor, "00ff", t, "superseded")
            .expect_err("unknown certificate");
        assert!(err.to_string().contains("00ff"), "{err}");
    });
}

#[test]
fn shadow_certificates_are_ours_not_under_an_approved_ca() {
    let approved_root = TestCa::root("Approved Root");
    let approved_issuing = approved_root.intermediate("Approved Issuing", 2);
    // Same names as the approved CAs, other keys: a look-alike.
    let rogue_root = TestCa::root("Approved Root");
    let rogue_issuing = rogue_root.intermediate("Approved Issuing", 2);
    let outside = TestCa::root("Outside CA");
    let key = TestKey::generate();
    let t = now();
    let v = (t - DAY, t + 30 * DAY);
    let good = approved_issuing.issue("Good", &["good@example.org"], Usage::Both, 10, v, &key);
    let lookalike = rogue_issuing.issue("Rogue", &["rogue@example.org"], Usage::Both, 11, v, &key);
    let foreign = outside.issue("Self-made", &["self@Example.org"], Usage::Both, 12, v, &key);
    let orphan = TestCa::root("Unknown CA").issue(
        "Orphan",
        &["orphan@example.org"],
        Usage::Both,
        13,
        v,
        &key,
    );
    let partner = outside.issue("Partner", &["p@partner.example"], Usage::Both, 14, v, &key);
    each_backend(|url| {
        let store = Store::open(url).expect("open");
        let actor = admin();
        store
            .add_certificates(
                &actor,
                &[
                    approved_root.certificate.clone(),
                    approved_issuing.certificate.clone(),
                    rogue_root.certificate.clone(),
                    rogue_issuing.certificate.clone(),
                    outside.certificate.clone(),
                    good.clone(),
                    lookalike.clone(),
                    foreign.clone(),
                    orphan.clone(),
                    partner.clone(),
                ],
                CertSource::Harvested,
                None,
                None,
            )
            .expect("add");
        store
            .set_setting(&actor, SETTING_ORG_DOMAINS, "example.org, example.net")
            .expect("domains");
        store
            .set_setting(
                &actor,
                SETTING_APPROVED_CAS,
                &fingerprint(&approved_root.certificate),
            )
            .expect("approved");
        assert_eq!(
            store.setting(SETTING_ORG_DOMAINS).expect("read").as_deref(),
            Some("example.org, example.net")
        );
        let mut expected = vec![
            fingerprint(&lookalike),
            fingerprint(&foreign),
            fingerprint(&orphan),
        ];
        expected.sort();
        assert_eq!(
            ids(&store.shadow_certificates(&actor).expect("shadow")),
            expected
        );
        // Approving the intermediate alone is enough for its leaves.
        store
            .set_setting(
                &actor,
                SETTING_APPROVED_CAS,
                &fingerprint(&approved_issuing.certificate).to_uppercase(),
            )
            .expect("approved");
        assert_eq!(
            ids(&store.shadow_certificates(&actor).expect("shadow")),
            expected
        );
        // Nothing approved: every certificate of our domains is a shadow one.
        store
            .set_setting(&actor, SETTING_APPROVED_CAS, "")
            .expect("approved");
        assert_eq!(store.shadow_certificates(&actor).expect("shadow").len(), 4);
    });
}

#[test]
fn import_denied_role_changes_nothing_and_is_audited() {
    let ca = TestCa::root("Denied CA");
    let t = now();
    let leaf = ca.issue(
        "Vic",
        &["vic@example.org"],
        Usage::Both,
        3,
        (t - DAY, t + DAY),
        &TestKey::generate(),
    );
    each_backend(|url| {
        let store = Store::open(url).expect("open");
        let auditor = Actor {
            name: "audrey".into(),
            role: Role::Auditor,
            address: None,
        };
        let err = store
            .import_certificates(&auditor, &pem(&leaf), "vic.pem", CertSource::Imported)
            .expect_err("an auditor may not import");
        assert!(matches!(err, Error::Denied { .. }), "{err}");
        assert!(store.all_certificates(&admin()).expect("list").is_empty());
        let err = store
            .mark_revoked(&auditor, &fingerprint(&leaf), t, "keyCompromise")
            .expect_err("an auditor may not revoke");
        assert!(matches!(err, Error::Denied { .. }), "{err}");
        store
            .import_certificates(&admin(), &pem(&leaf), "vic.pem", CertSource::Imported)
            .expect("import");
        let log = store.audit_log(&auditor, 0, 100).expect("audit log");
        let summary: Vec<(String, String, String)> = log
            .iter()
            .map(|e| (e.actor.clone(), e.action.clone(), e.outcome.clone()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    "audrey".into(),
                    "import-certificate".into(),
                    "denied".into()
                ),
                (
                    "audrey".into(),
                    "revoke-certificate".into(),
                    "denied".into()
                ),
                (
                    "alice-admin".into(),
                    "import-certificate".into(),
                    "ok".into()
                ),
            ]
        );
        assert_eq!(log[2].object, fingerprint(&leaf));
        assert!(store.verify_audit(&auditor).expect("verify").is_intact());
    });
}

//! Renewal by our own CA ([`CaReissue`] over `smime_ca::issue`) on a store (SQLite and
//! PostgreSQL): the successor keeps the subscriber (address and name), the profile, the usage
//! and the key algorithm, gets a NEW key and a fresh validity of the same length, and passes
//! the profile's conformance check (issue refuses otherwise); a second run renews nothing.

use std::time::Duration;

use smime_ca::hierarchy::{create, CaOptions};
use smime_ca::issue::{issue, CertificateRequest, SubjectKey};
use smime_ca::keygen::KeyAlgorithm;
use smime_ca::lifecycle::inventory::{InventoryPolicy, IssuerIdentity, DAY};
use smime_ca::lifecycle::renewal::run;
use smime_ca::lifecycle::renewal_ca::CaReissue;
use smime_ca::lifecycle::store_backend::{Issuer, StoreRenewal};
use smime_ca::organization::Organization;
use smime_ca::profile::{Profile, Usage};
use smime_ca::subject::Subscriber;
use smime_store::certs::CertSource;
use smime_store::key_store::{KekSource, NewKey};
use smime_store::testing::each_backend;
use smime_store::Store;

const T0: i64 = 1_800_000_000;

#[test]
fn ca_reissue_successor_keeps_subscriber_profile_and_algorithm_with_new_key() {
    each_backend(|url| {
        let store = Store::open(url).expect("open");
        let actor = store.bootstrap_admin("admin").expect("admin");
        let kek = store
            .init_kek(&actor, KekSource::Passphrase(b"lifecycle ca test"))
            .expect("kek");
        let org = Organization::new("Example Org", &["example.org".to_string()])
            .and_then(|o| o.with_identifier("NTRDE-HRB12345"))
            .and_then(|o| o.with_country("DE"))
            .expect("org");
        let hierarchy = create(CaOptions::new(org), T0 - DAY).expect("hierarchy");
        let issuing = &hierarchy.issuing().certificate;
        // Two certificates of different profiles, usages and key algorithms.
        let requests = [
            (
                "sponsor-strict",
                Subscriber::person("alice@example.org", "Alice Example"),
                Usage::Sign,
                KeyAlgorithm::P256,
            ),
            (
                "mailbox-multipurpose",
                Subscriber::mailbox("alice@example.org"),
                Usage::Encrypt,
                KeyAlgorithm::Rsa3072,
            ),
        ];
        let mut old = Vec::new();
        for (profile, subscriber, usage, algorithm) in requests {
            let profile = Profile::from_name(profile).expect("profile");
            let request = CertificateRequest {
                validity_days: 200,
                key: SubjectKey::Generate(algorithm),
                ..CertificateRequest::new(subscriber, profile, usage)
            };
            let issued = issue(&hierarchy.issuing_ca(), &request, T0).expect("issue");
            let key = issued.key.as_ref().expect("CA-made key");
            store
                .add_certificates(
                    &actor,
                    std::slice::from_ref(&issued.certificate),
                    CertSource::Issued,
                    Some("test"),
                    Some(&profile.to_string()),
                )
                .expect("store certificate");
            store
                .add_key(
                    &actor,
                    &kek,
                    &key.pkcs8,
                    NewKey {
                        owner: Some("alice@example.org"),
                        certificate: issued.certificate.clone(),
                        chain: hierarchy.chain(),
                        source_detail: Some("test"),
                    },
                )
                .expect("store key");
            old.push(issued.certificate);
        }
        let reissue = CaReissue {
            ca: hierarchy.issuing_ca(),
            chain: hierarchy.chain(),
            window_days: 30,
        };
        let backend = StoreRenewal {
            store: &store,
            actor: &actor,
            issuer: Some(Issuer {
                reissue: &reissue,
                kek: &kek,
            }),
            holder: "test".into(),
            lock_wait: Duration::from_secs(60),
        };
        let policy = InventoryPolicy {
            domains: vec!["example.org".into()],
            our_cas: vec![IssuerIdentity {
                subject: smime_pkix::certificate::describe_name(&issuing.tbs_certificate.subject),
                ski: smime_pkix::certificate::subject_key_identifier(issuing)
                    .map(|k| k.iter().map(|b| format!("{b:02x}")).collect()),
            }],
            ..InventoryPolicy::default()
        };
        let at = T0 + 190 * DAY;
        let summary = run(&backend, &policy, at, None).expect("run");
        assert_eq!(summary.renewed.len(), 2, "{summary:?}");
        for renewed in &summary.renewed {
            let new = store
                .certificate(&renewed.new_id)
                .expect("read")
                .expect("stored");
            let before = old
                .iter()
                .find(|c| {
                    smime_pkix::certificate::certificate_fingerprint_sha256(c) == renewed.old_id
                })
                .expect("old certificate");
            let (new_tbs, old_tbs) = (&new.certificate.tbs_certificate, &before.tbs_certificate);
            assert_eq!(new_tbs.subject, old_tbs.subject);
            assert_eq!(new.profile.as_deref(), Some(renewed.profile.as_str()));
            assert_ne!(
                new_tbs.subject_public_key_info,
                old_tbs.subject_public_key_info
            );
            assert_eq!(
                smime_pkix::signature::public_key_description(&new_tbs.subject_public_key_info),
                smime_pkix::signature::public_key_description(&old_tbs.subject_public_key_info)
            );
            let old_record = store
                .certificate(&renewed.old_id)
                .expect("read")
                .expect("stored");
            assert_eq!(
                new.not_after - new.not_before,
                old_record.not_after - old_record.not_before
            );
            assert!(new.not_before >= at - DAY, "a fresh validity");
            assert_eq!(
                (new.can_sign, new.can_encrypt),
                (
                    !renewed.usage.name().eq("encrypt"),
                    renewed.usage.name() != "sign"
                )
            );
        }
        let again = run(&backend, &policy, at, None).expect("run");
        assert!(again.renewed.is_empty(), "{again:?}");
    });
}

//! `smime lifecycle run`'s renewal on a real store (SQLite and PostgreSQL) with an injected
//! clock: nothing before the window, renewal inside it, nothing on a second run; mail
//! encrypted to the OLD encryption certificate still opens from the store's key history;
//! two runs at once renew each certificate once; a certificate of another CA gets a notice
//! that reaches aiosmtpd, once per stage (entering the window, then 7 days before expiry).
//!
//! The successors come from a test CA (`smime_store::testing::pki`) through the `Reissue`
//! seam, so what is tested here is the run, the lease and the store side of a renewal.

mod lifecycle_common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, UNIX_EPOCH};

use smime::cms::enveloped_builder::{RecipientIdentifierKind, RecipientSpec};
use smime::crypto::key_transport::KeyTransport;
use smime::encrypt::{EncryptOptions, Encryptor};
use smime::x509_cert::Certificate;
use smime::CryptoPolicy;
use smime_ca::lifecycle::inventory::{CertificateRecord, InventoryPolicy, IssuerIdentity, DAY};
use smime_ca::lifecycle::notify::SmtpConfig;
use smime_ca::lifecycle::renewal::{run, NoticeDelivery, RunSummary};
use smime_ca::lifecycle::store_backend::{Issuer, Reissue, Reissued, StoreRenewal};
use smime_store::certs::{CertSource, CertificateRecord as StoredCertificate};
use smime_store::kek::Kek;
use smime_store::key_store::{KekSource, NewKey};
use smime_store::roles::Actor;
use smime_store::testing::each_backend;
use smime_store::testing::pki::{TestCa, TestKey, Usage};
use smime_store::Store;
use zeroize::Zeroizing;

/// When the first certificates are issued (2027-01-15).
const T0: i64 = 1_800_000_000;
/// Their notAfter: a year later.
const EXPIRY: i64 = T0 + 365 * DAY;

/// Our test CA: successors for a year from the run time, with a new key.
struct TestReissue {
    ca: TestCa,
    serial: AtomicU64,
}

impl Reissue for TestReissue {
    fn reissue(
        &self,
        _old: &StoredCertificate,
        due: &CertificateRecord,
        now: i64,
    ) -> smime_ca::Result<Reissued> {
        let usage = match (due.can_sign, due.can_encrypt) {
            (true, true) => Usage::Both,
            (false, true) => Usage::Encrypt,
            _ => Usage::Sign,
        };
        let address = due.addresses.first().map_or("", String::as_str);
        let key = TestKey::generate();
        let certificate = self.ca.issue(
            address,
            &[address],
            usage,
            self.serial.fetch_add(1, Ordering::Relaxed),
            (now, now + 365 * DAY),
            &key,
        );
        Ok(Reissued {
            certificate,
            key_pkcs8: Zeroizing::new(key.pkcs8_der().to_vec()),
            chain: vec![self.ca.certificate.clone()],
            profile: due.profile.clone().unwrap_or_default(),
        })
    }
}

struct Fixture {
    ca: TestReissue,
    actor: Actor,
    kek: Kek,
}

fn fixture(store: &Store) -> Fixture {
    let actor = store.bootstrap_admin("admin").expect("admin");
    let kek = store
        .init_kek(&actor, KekSource::Passphrase(b"lifecycle store test"))
        .expect("kek");
    let ca = TestCa::root("Example Issuing CA");
    store
        .add_certificates(
            &actor,
            std::slice::from_ref(&ca.certificate),
            CertSource::Issued,
            Some("ca init"),
            None,
        )
        .expect("our CA");
    Fixture {
        ca: TestReissue {
            ca,
            serial: AtomicU64::new(1000),
        },
        actor,
        kek,
    }
}

fn policy(f: &Fixture) -> InventoryPolicy {
    InventoryPolicy {
        domains: vec!["example.org".into()],
        our_cas: vec![IssuerIdentity {
            subject: smime_pkix::certificate::describe_name(
                &f.ca.ca.certificate.tbs_certificate.subject,
            ),
            ski: smime_pkix::certificate::subject_key_identifier(&f.ca.ca.certificate)
                .map(|k| k.iter().map(|b| format!("{b:02x}")).collect()),
        }],
        ..InventoryPolicy::default()
    }
}

/// Issue `usage` for alice, valid T0..EXPIRY, and store it as issued with its key.
fn issue_and_store(store: &Store, f: &Fixture, usage: Usage, serial: u64) -> Certificate {
    let key = TestKey::generate();
    let address = "alice@example.org";
    let certificate =
        f.ca.ca
            .issue(address, &[address], usage, serial, (T0, EXPIRY), &key);
    store
        .add_certificates(
            &f.actor,
            std::slice::from_ref(&certificate),
            CertSource::Issued,
            Some("test"),
            Some("mailbox-strict"),
        )
        .expect("store certificate");
    store
        .add_key(
            &f.actor,
            &f.kek,
            key.pkcs8_der(),
            NewKey {
                owner: Some(address),
                certificate: certificate.clone(),
                chain: vec![f.ca.ca.certificate.clone()],
                source_detail: Some("test"),
            },
        )
        .expect("store key");
    certificate
}

fn run_at(
    store: &Store,
    f: &Fixture,
    holder: &str,
    now: i64,
    smtp: Option<&SmtpConfig>,
) -> RunSummary {
    let backend = StoreRenewal {
        store,
        actor: &f.actor,
        issuer: Some(Issuer {
            reissue: &f.ca,
            kek: &f.kek,
        }),
        holder: holder.into(),
        lock_wait: Duration::from_secs(60),
    };
    run(&backend, &policy(f), now, smtp).expect("run")
}

#[test]
fn lifecycle_run_injected_clock_renews_once_and_old_mail_opens() {
    each_backend(|url| {
        let store = Store::open(url).expect("open");
        let f = fixture(&store);
        let old_encryption = issue_and_store(&store, &f, Usage::Encrypt, 1);
        issue_and_store(&store, &f, Usage::Sign, 2);

        // 31 days before expiry: outside the 30-day window.
        let before = run_at(&store, &f, "a", EXPIRY - 31 * DAY, None);
        assert!(before.renewed.is_empty(), "{before:?}");

        // Mail to the old encryption certificate, sent before the renewal.
        let message = b"From: bob@example.org\r\nTo: alice@example.org\r\nSubject: old key\r\n\r\nsent before the renewal\r\n";
        let encrypted = Encryptor::new(
            vec![RecipientSpec {
                certificate: old_encryption.clone(),
                transport: KeyTransport::DEFAULT,
                identifier: RecipientIdentifierKind::IssuerAndSerial,
            }],
            EncryptOptions {
                at: UNIX_EPOCH + Duration::from_secs(u64::try_from(T0 + DAY).unwrap_or(0)),
                ..EncryptOptions::default()
            },
        )
        .expect("encryptor")
        .encrypt_bytes(message)
        .expect("encrypt");

        let inside = run_at(&store, &f, "a", EXPIRY - 29 * DAY, None);
        assert_eq!(inside.renewed.len(), 2, "{inside:?}");
        assert!(inside
            .renewed
            .iter()
            .all(|r| r.new_not_after > EXPIRY && r.new_key));
        assert!(inside.skipped.is_empty(), "{inside:?}");

        let again = run_at(&store, &f, "a", EXPIRY - 29 * DAY, None);
        assert!(again.renewed.is_empty(), "{again:?}");

        // Alice has two keys per usage now; the old decryption key still opens old mail,
        // and the old signing key is retired.
        let ring = store
            .key_ring(&f.actor, Some("alice@example.org"))
            .expect("ring");
        assert_eq!(ring.keys().len(), 4);
        assert_eq!(
            ring.keys()
                .iter()
                .filter(|k| k.can_sign && !k.retired)
                .count(),
            1
        );
        let (report, plain) = store
            .decrypt(
                &f.actor,
                &f.kek,
                &[],
                "alice@example.org",
                &encrypted,
                CryptoPolicy::default(),
            )
            .expect("decrypt with the history");
        let plain = plain.unwrap_or_else(|| panic!("not decrypted: {report:?}"));
        assert!(
            String::from_utf8_lossy(&plain).contains("sent before the renewal"),
            "{report:?}"
        );
        // The successors are stored as issued, with their profile, and new keys.
        for renewed in &inside.renewed {
            let new = store
                .certificate(&renewed.new_id)
                .expect("read")
                .expect("stored");
            assert_eq!(new.source, CertSource::Issued);
            assert_eq!(new.profile.as_deref(), Some("mailbox-strict"));
            let old = store
                .certificate(&renewed.old_id)
                .expect("read")
                .expect("stored");
            assert_ne!(
                new.certificate.tbs_certificate.subject_public_key_info,
                old.certificate.tbs_certificate.subject_public_key_info
            );
        }
    });
}

#[test]
fn lifecycle_run_twice_at_once_renews_each_once() {
    each_backend(|url| {
        let store = Store::open(url).expect("open");
        let f = fixture(&store);
        issue_and_store(&store, &f, Usage::Encrypt, 1);
        issue_and_store(&store, &f, Usage::Sign, 2);
        let at = EXPIRY - 10 * DAY;
        let renewed: usize = std::thread::scope(|s| {
            let runs: Vec<_> = ["node-a", "node-b"]
                .into_iter()
                .map(|holder| {
                    let f = &f;
                    s.spawn(move || {
                        let store = Store::open(url).expect("open");
                        run_at(&store, f, holder, at, None).renewed.len()
                    })
                })
                .collect();
            runs.into_iter().map(|r| r.join().unwrap_or(99)).sum()
        });
        assert_eq!(renewed, 2);
        let ring = store
            .key_ring(&f.actor, Some("alice@example.org"))
            .expect("ring");
        assert_eq!(ring.keys().len(), 4);
    });
}

#[test]
fn lifecycle_run_foreign_certificate_notice_reaches_smtp() {
    let Some(python) = lifecycle_common::aiosmtpd_python() else {
        return;
    };
    each_backend(|url| {
        let store = Store::open(url).expect("open");
        let f = fixture(&store);
        // Another CA's certificate for an address in our domain, expiring in 10 days.
        let other = TestCa::root("Public Mail CA");
        let not_after = T0 + 30 * DAY;
        let carol = other.issue(
            "carol@example.org",
            &["carol@example.org"],
            Usage::Sign,
            7,
            (T0, not_after),
            &TestKey::generate(),
        );
        store
            .add_certificates(
                &f.actor,
                std::slice::from_ref(&carol),
                CertSource::Imported,
                Some("carol.pem"),
                None,
            )
            .expect("import");
        let sink = lifecycle_common::SmtpSink::start(&python);
        let config = SmtpConfig::new(&sink.server(), "pki@example.org", "admin@example.org");
        let summary = run_at(&store, &f, "a", T0 + 20 * DAY, Some(&config));
        assert!(summary.renewed.is_empty(), "{summary:?}");
        assert_eq!(summary.notified.len(), 1, "{summary:?}");
        assert!(
            matches!(summary.notices, NoticeDelivery::Sent { .. }),
            "{summary:?}"
        );
        let got = sink.message(1);
        assert_eq!(got["rcpt_tos"][0], "admin@example.org");
        let content = got["content"].as_str().unwrap_or_default();
        assert!(content.contains("carol@example.org"), "{content}");
        assert!(
            content.contains(&smime_ca::lifecycle::inventory::time_text(not_after)),
            "{content}"
        );
        // The next day's run mails nothing: the notice at this stage was recorded.
        let next_day = run_at(&store, &f, "b", T0 + 21 * DAY, Some(&config));
        assert!(next_day.notified.is_empty(), "{next_day:?}");
        assert_eq!(next_day.already_notified.len(), 1, "{next_day:?}");
        assert_eq!(next_day.notices, NoticeDelivery::None);
        // Six days before expiry (the 7-day reminder) it is mailed once more.
        let reminder = run_at(&store, &f, "c", not_after - 6 * DAY, Some(&config));
        assert_eq!(reminder.notified.len(), 1, "{reminder:?}");
        let again = run_at(&store, &f, "d", not_after - 5 * DAY, Some(&config));
        assert!(again.notified.is_empty(), "{again:?}");
        let second = sink.message(2);
        assert!(
            second["content"]
                .as_str()
                .unwrap_or_default()
                .contains("carol@example.org"),
            "{second}"
        );
        assert_eq!(sink.count(), 2, "exactly two notices mailed");
    });
}

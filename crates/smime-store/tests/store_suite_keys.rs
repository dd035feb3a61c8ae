//! The store suite, part 3: keys. The key-encryption key recorded in the settings, key rows
//! and chains that survive reopening, renewal retiring older signing keys in the database,
//! and decryption with every historical key; each body runs on SQLite and PostgreSQL.

use std::time::SystemTime;

use smime::cms::enveloped_builder::{RecipientIdentifierKind, RecipientSpec};
use smime::crypto::key_transport::KeyTransport;
use smime::decrypt::DecryptStatus;
use smime::encrypt::{EncryptOptions, Encryptor};
use smime::x509_cert::Certificate;
use smime::CryptoPolicy;
use smime_store::key_store::{KekSource, NewKey};
use smime_store::keys::KeyMaterial;
use smime_store::roles::{Actor, Role};
use smime_store::testing::pki::{now, TestCa, TestKey, Usage};
use smime_store::testing::{each_backend, TempDir};
use smime_store::{Error, Store};

const DAY: i64 = 86_400;

fn officer() -> Actor {
    Actor {
        name: "kim-officer".into(),
        role: Role::Admin,
        address: None,
    }
}

fn encrypt_to(cert: &Certificate, body: &str) -> Vec<u8> {
    let encryptor = Encryptor::new(
        vec![RecipientSpec {
            certificate: cert.clone(),
            transport: KeyTransport::DEFAULT,
            identifier: RecipientIdentifierKind::IssuerAndSerial,
        }],
        EncryptOptions::default(),
    )
    .expect("encryptor");
    encryptor
        .encrypt_bytes(format!("Content-Type: text/plain\r\n\r\n{body}\r\n").as_bytes())
        .expect("encrypt")
}

#[test]
fn init_kek_passphrase_unlocks_wrong_one_and_second_init_refused() {
    each_backend(|url| {
        let actor = officer();
        {
            let store = Store::open(url).expect("open");
            store
                .init_kek(&actor, KekSource::Passphrase(b"correct horse"))
                .expect("init");
            assert_eq!(
                store.setting("kek.kind").expect("read").as_deref(),
                Some("passphrase")
            );
            let again = store
                .init_kek(&actor, KekSource::Passphrase(b"other"))
                .expect_err("second init");
            assert!(matches!(again, Error::Kek { .. }), "{again}");
        }
        let store = Store::open(url).expect("reopen");
        store
            .unlock_kek(KekSource::Passphrase(b"correct horse"))
            .expect("right passphrase");
        let wrong = store
            .unlock_kek(KekSource::Passphrase(b"wrong horse"))
            .expect_err("wrong passphrase");
        assert!(matches!(wrong, Error::WrongPassphrase { .. }), "{wrong}");
        let dir = TempDir::new("kek");
        let file = dir.0.join("kek.bin");
        smime_store::kek::Kek::generate_key_file(&file).expect("key file");
        let kind = store
            .unlock_kek(KekSource::KeyFile(&file))
            .expect_err("a key file for a passphrase store");
        assert!(kind.to_string().contains("passphrase"), "{kind}");
    });
}

#[test]
fn init_kek_key_file_wrong_file_is_refused() {
    each_backend(|url| {
        let store = Store::open(url).expect("open");
        let dir = TempDir::new("kek");
        let (good, bad) = (dir.0.join("good.key"), dir.0.join("bad.key"));
        smime_store::kek::Kek::generate_key_file(&good).expect("key file");
        smime_store::kek::Kek::generate_key_file(&bad).expect("key file");
        store
            .init_kek(&officer(), KekSource::KeyFile(&good))
            .expect("init");
        store
            .unlock_kek(KekSource::KeyFile(&good))
            .expect("right file");
        assert!(matches!(
            store.unlock_kek(KekSource::KeyFile(&bad)),
            Err(Error::WrongPassphrase { .. })
        ));
    });
}

#[test]
fn add_key_renewals_survive_reopen_and_old_keys_still_decrypt() {
    let root = TestCa::root("Key Root");
    let ca = root.intermediate("Key Issuing", 2);
    let t = now();
    let keys: Vec<TestKey> = (0..3).map(|_| TestKey::generate()).collect();
    let certs: Vec<Certificate> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let i = i64::try_from(i).expect("small");
            ca.issue(
                "Alice",
                &["Alice@Example.org"],
                Usage::Both,
                100 + u64::try_from(i).expect("small"),
                (t - DAY * (3 - i), t + 365 * DAY + i),
                k,
            )
        })
        .collect();
    let messages: Vec<Vec<u8>> = certs
        .iter()
        .enumerate()
        .map(|(i, c)| encrypt_to(c, &format!("generation {i}")))
        .collect();
    each_backend(|url| {
        let actor = officer();
        {
            let store = Store::open(url).expect("open");
            let kek = store
                .init_kek(&actor, KekSource::Passphrase(b"pw"))
                .expect("init");
            for (cert, key) in certs.iter().zip(&keys) {
                store
                    .add_key(
                        &actor,
                        &kek,
                        key.pkcs8_der(),
                        NewKey {
                            chain: vec![ca.certificate.clone(), root.certificate.clone()],
                            source_detail: Some("renewal"),
                            ..NewKey::new(cert.clone())
                        },
                    )
                    .expect("add key");
            }
            let dup = store
                .add_key(
                    &actor,
                    &kek,
                    keys[0].pkcs8_der(),
                    NewKey::new(certs[0].clone()),
                )
                .expect_err("the same key twice");
            assert!(matches!(dup, Error::Key { .. }), "{dup}");
            let mismatch = store
                .add_key(
                    &actor,
                    &kek,
                    keys[2].pkcs8_der(),
                    NewKey {
                        owner: Some("mallory@example.org"),
                        ..NewKey::new(certs[1].clone())
                    },
                )
                .expect_err("a key of another certificate");
            assert!(
                mismatch.to_string().contains("does not belong"),
                "{mismatch}"
            );
        }
        // A fresh handle: everything comes from the database.
        let store = Store::open(url).expect("reopen");
        let kek = store
            .unlock_kek(KekSource::Passphrase(b"pw"))
            .expect("unlock");
        let ring = store
            .key_ring(&actor, Some("alice@example.org"))
            .expect("ring");
        let history = ring.history("alice@example.org");
        assert_eq!(history.len(), 3);
        assert_eq!(
            history.iter().map(|k| k.retired).collect::<Vec<_>>(),
            vec![true, true, false],
            "older signing keys retired"
        );
        for (stored, cert) in history.iter().zip(&certs) {
            assert_eq!(&stored.certificate, cert, "oldest first");
            assert_eq!(stored.chain.len(), 2);
            assert_eq!(stored.chain[0], ca.certificate);
            assert!(matches!(stored.material, KeyMaterial::Sealed(_)));
        }
        let (signing_cert, chain, _key) = store
            .signing_key(&actor, &kek, &[], "ALICE@example.org", SystemTime::now())
            .expect("signing key");
        assert_eq!(signing_cert, certs[2]);
        assert_eq!(chain.len(), 2);
        // The certificates went into the certificate store too (leafs, CA, root: 5).
        assert_eq!(
            store.all_certificates(&actor).expect("certificates").len(),
            5
        );
        for (i, message) in messages.iter().enumerate() {
            let (report, plain) = store
                .decrypt(
                    &actor,
                    &kek,
                    &[],
                    "alice@example.org",
                    message,
                    CryptoPolicy::default(),
                )
                .expect("decrypt");
            assert_eq!(report.status, DecryptStatus::Decrypted, "generation {i}");
            let plain = String::from_utf8_lossy(plain.as_deref().expect("plaintext")).into_owned();
            assert!(plain.contains(&format!("generation {i}")), "{plain}");
        }
    });
}

#[test]
fn export_then_import_pkcs12_into_other_store_same_key() {
    let ca = TestCa::root("P12 CA");
    let key = TestKey::generate();
    let t = now();
    let cert = ca.issue(
        "Pat",
        &["pat@example.org"],
        Usage::Both,
        7,
        (t - DAY, t + 30 * DAY),
        &key,
    );
    let message = encrypt_to(&cert, "for pat");
    let exported = {
        let dir = TempDir::new("p12");
        let store = Store::open(&dir.0.join("src.sqlite").to_string_lossy()).expect("open");
        let kek = store
            .init_kek(&officer(), KekSource::Passphrase(b"pw"))
            .expect("init");
        store
            .add_key(
                &officer(),
                &kek,
                key.pkcs8_der(),
                NewKey {
                    chain: vec![ca.certificate.clone()],
                    ..NewKey::new(cert.clone())
                },
            )
            .expect("add");
        store
            .export_pkcs12(&officer(), &kek, "pat@example.org", "export pw")
            .expect("export")
    };
    each_backend(|url| {
        let store = Store::open(url).expect("open");
        let actor = officer();
        let dir = TempDir::new("kek");
        let file = dir.0.join("kek.bin");
        smime_store::kek::Kek::generate_key_file(&file).expect("key file");
        let kek = store
            .init_kek(&actor, KekSource::KeyFile(&file))
            .expect("init");
        let wrong = store
            .import_pkcs12(&actor, &kek, None, &exported, "bad pw", "pat.p12")
            .expect_err("wrong password");
        assert!(wrong.to_string().contains("pat.p12"), "{wrong}");
        let stored = store
            .import_pkcs12(&actor, &kek, None, &exported, "export pw", "pat.p12")
            .expect("import");
        assert_eq!(stored.certificate, cert);
        assert_eq!(stored.owner, "pat@example.org");
        assert_eq!(stored.chain, vec![ca.certificate.clone()]);
        let row = store
            .certificate(&stored.id)
            .expect("query")
            .expect("the certificate is stored");
        assert_eq!(row.source_detail.as_deref(), Some("pat.p12"));
        let (report, _) = store
            .decrypt(
                &actor,
                &kek,
                &[],
                "pat@example.org",
                &message,
                CryptoPolicy::default(),
            )
            .expect("decrypt");
        assert_eq!(report.status, DecryptStatus::Decrypted);
    });
}

#[test]
fn add_key_idn_owner_found_by_u_label_and_a_label() {
    let ca = TestCa::root("IDN CA");
    let key = TestKey::generate();
    let t = now();
    let cert = ca.issue(
        "Uli",
        &["uli@xn--bcher-kva.example"],
        Usage::Both,
        9,
        (t - DAY, t + DAY),
        &key,
    );
    each_backend(|url| {
        let store = Store::open(url).expect("open");
        let actor = officer();
        let dir = TempDir::new("kek");
        let file = dir.0.join("kek.bin");
        smime_store::kek::Kek::generate_key_file(&file).expect("key file");
        let kek = store
            .init_kek(&actor, KekSource::KeyFile(&file))
            .expect("init");
        let stored = store
            .add_key(
                &actor,
                &kek,
                key.pkcs8_der(),
                NewKey {
                    owner: Some("Uli@Bücher.Example"),
                    ..NewKey::new(cert.clone())
                },
            )
            .expect("add");
        assert_eq!(stored.owner, "uli@xn--bcher-kva.example");
        for lookup in ["uli@bücher.example", "ULI@xn--bcher-kva.example"] {
            let (found, _, _) = store
                .signing_key(&actor, &kek, &[], lookup, SystemTime::now())
                .unwrap_or_else(|e| panic!("{lookup}: {e}"));
            assert_eq!(found, cert, "{lookup}");
        }
    });
}

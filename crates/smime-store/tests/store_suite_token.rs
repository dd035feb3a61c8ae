//! The store suite, part 5: a store whose KEK is an AES key in a SoftHSM2 token and whose
//! key lives in the token too. The token rows (label, CKA_ID) survive reopening the store,
//! and the key signs and decrypts (ECDH inside the token) through the store; each body runs
//! on SQLite and PostgreSQL.
//!
//! One token per process: PKCS#11 initialises a module once, and SoftHSM2 reads
//! SOFTHSM2_CONF then.

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use smime::cms::enveloped_builder::{RecipientIdentifierKind, RecipientSpec};
use smime::crypto::external_key::ExternalSigner;
use smime::crypto::key_transport::KeyTransport;
use smime::decrypt::DecryptStatus;
use smime::encrypt::{EncryptOptions, Encryptor};
use smime::CryptoPolicy;
use smime_store::key_store::{KekSource, NewKey};
use smime_store::keys::KeyMaterial;
use smime_store::pkcs11::{Token, TokenCurve, TokenKeyKind, SOFTHSM2_MODULE};
use smime_store::roles::{Actor, Role};
use smime_store::testing::pki::{now, TestCa, Usage};
use smime_store::testing::{each_backend, TempDir};
use smime_store::Store;

const TOKEN_LABEL: &str = "smime-store-suite";

fn require_softhsm() -> bool {
    let present = Command::new("softhsm2-util")
        .arg("--version")
        .output()
        .is_ok()
        && Path::new(SOFTHSM2_MODULE).exists();
    if present {
        return true;
    }
    if std::env::var_os("SMIME_TEST_REQUIRE_PEERS").is_some_and(|v| !v.is_empty() && v != "0") {
        panic!(
            "softhsm2 missing and SMIME_TEST_REQUIRE_PEERS is set (scripts/test.sh installs it)"
        );
    }
    println!("skipped: softhsm2 missing (scripts/test.sh installs it)");
    false
}

/// The process's token (and the directory that holds it).
fn token() -> &'static (TempDir, Arc<Token>) {
    static TOKEN: OnceLock<(TempDir, Arc<Token>)> = OnceLock::new();
    TOKEN.get_or_init(|| {
        let dir = TempDir::new("softhsm");
        let tokens = dir.0.join("tokens");
        std::fs::create_dir(&tokens).expect("token dir");
        let conf = dir.0.join("softhsm2.conf");
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                tokens.display()
            ),
        )
        .expect("conf");
        // Set once, before the module is initialised.
        std::env::set_var("SOFTHSM2_CONF", &conf);
        let init = Command::new("softhsm2-util")
            .args(["--init-token", "--free", "--label", TOKEN_LABEL])
            .args(["--pin", "1234", "--so-pin", "123456"])
            .output()
            .expect("softhsm2-util");
        assert!(
            init.status.success(),
            "{}",
            String::from_utf8_lossy(&init.stderr)
        );
        let token = Token::open(Path::new(SOFTHSM2_MODULE), TOKEN_LABEL, "1234").expect("open");
        (dir, token)
    })
}

#[test]
fn token_kek_and_token_key_survive_reopen_sign_and_decrypt() {
    if !require_softhsm() {
        return;
    }
    let token = &token().1;
    let ca = TestCa::root("Token Suite CA");
    let t = now();
    let actor = Actor {
        name: "hsm-admin".into(),
        role: Role::Admin,
        address: None,
    };
    let counter = std::sync::atomic::AtomicU8::new(1);
    each_backend(|url| {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let key_id = [0x5a, n];
        let key = token
            .generate_key(
                &format!("suite key {n}"),
                &key_id,
                TokenKeyKind::Ec(TokenCurve::P256),
            )
            .expect("token key");
        let cert = ca.issue_for(
            "Hana",
            &["hana@example.org"],
            Usage::Both,
            u64::from(n),
            (t - 86_400, t + 86_400),
            &key.public_key_spki(),
        );
        let kek_label = format!("suite kek {n}");
        {
            let store = Store::open(url).expect("open");
            store
                .init_kek(&actor, KekSource::Token(Arc::clone(token), &kek_label))
                .expect("init with a token KEK");
            assert_eq!(
                store.setting("kek.kind").expect("read").as_deref(),
                Some("pkcs11")
            );
            store
                .add_token_key(&actor, token, &key_id, NewKey::new(cert.clone()))
                .expect("add the token key");
        }
        let store = Store::open(url).expect("reopen");
        store
            .unlock_kek(KekSource::Token(Arc::clone(token), &kek_label))
            .expect("unlock");
        let other = store
            .unlock_kek(KekSource::Token(Arc::clone(token), "no such key"))
            .expect_err("another token key is not the KEK");
        assert!(!other.to_string().is_empty());
        let kek = store
            .unlock_kek(KekSource::Token(Arc::clone(token), &kek_label))
            .expect("unlock");
        let ring = store
            .key_ring(&actor, Some("hana@example.org"))
            .expect("ring");
        let history = ring.history("hana@example.org");
        assert_eq!(history.len(), 1);
        assert_eq!(
            history[0].material,
            KeyMaterial::Token {
                token: TOKEN_LABEL.into(),
                id: key_id.to_vec(),
            }
        );
        let tokens = [Arc::clone(token)];
        let (signing_cert, _, _) = store
            .signing_key(&actor, &kek, &tokens, "hana@example.org", SystemTime::now())
            .expect("the token key signs");
        assert_eq!(signing_cert, cert);
        let message = Encryptor::new(
            vec![RecipientSpec {
                certificate: cert.clone(),
                transport: KeyTransport::DEFAULT,
                identifier: RecipientIdentifierKind::IssuerAndSerial,
            }],
            EncryptOptions::default(),
        )
        .expect("encryptor")
        .encrypt_bytes(b"Content-Type: text/plain\r\n\r\nfor the token\r\n")
        .expect("encrypt");
        let (report, plain) = store
            .decrypt(
                &actor,
                &kek,
                &tokens,
                "hana@example.org",
                &message,
                CryptoPolicy::default(),
            )
            .expect("decrypt");
        assert_eq!(report.status, DecryptStatus::Decrypted);
        assert!(String::from_utf8_lossy(plain.as_deref().expect("plain")).contains("for the token"));
    });
}

//! Key history of an address across renewals: the newest key signs, every old decryption
//! key still opens mail encrypted to it (by `openssl cms -encrypt`), keys are sealed under
//! the KEK, and PKCS#12 goes out (read by `openssl pkcs12` without -legacy) and comes in
//! (from `openssl pkcs12 -export -legacy`).

use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

use smime::cms::signed_builder::SignerSpec;
use smime::crypto::load_certificates;
use smime::decrypt::DecryptStatus;
use smime::sign::{SignOptions, Signer};
use smime::x509_cert::Certificate;
use smime::CryptoPolicy;
use smime_store::kek::{Argon2Params, Kek};
use smime_store::keys::{decrypt_with_history, KeyMaterial, KeyRing};
use tempfile::TempDir;

fn require_openssl() -> bool {
    if Command::new("openssl").arg("version").output().is_ok() {
        return true;
    }
    if std::env::var_os("SMIME_TEST_REQUIRE_PEERS").is_some_and(|v| !v.is_empty() && v != "0") {
        panic!("openssl missing and SMIME_TEST_REQUIRE_PEERS is set");
    }
    println!("skipped: openssl missing");
    false
}

fn openssl(dir: &Path, args: &[&str]) -> bool {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl");
    if !out.status.success() {
        eprintln!("openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    out.status.success()
}

/// A CA and three generations of alice's key and certificate (alice1 the oldest).
fn pki() -> TempDir {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    assert!(openssl(
        d,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-subj",
            "/CN=History CA",
            "-days",
            "30",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            "ca.pem",
        ]
    ));
    std::fs::write(
        d.join("leaf.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n\
         extendedKeyUsage=emailProtection\nsubjectAltName=email:Alice@Example.org\n",
    )
    .unwrap();
    for (i, name) in ["alice1", "alice2", "alice3"].iter().enumerate() {
        let (key, csr, pem) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.pem"),
        );
        let serial = (i + 10).to_string();
        assert!(openssl(
            d,
            &[
                "req",
                "-new",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &key,
                "-subj",
                "/CN=Alice",
                "-out",
                &csr,
            ]
        ));
        assert!(openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-extfile",
                "leaf.ext",
                "-set_serial",
                &serial,
                "-days",
                "30",
                "-out",
                &pem,
            ]
        ));
    }
    dir
}

fn cert(dir: &Path, name: &str) -> Certificate {
    let file = format!("{name}.pem");
    load_certificates(&std::fs::read(dir.join(&file)).unwrap(), &file)
        .unwrap()
        .remove(0)
}

/// Argon2id with small costs: the tests check the plumbing, not the cost.
fn params(salt: &[u8]) -> Argon2Params {
    Argon2Params {
        memory_kib: 256,
        iterations: 1,
        parallelism: 1,
        salt: salt.to_vec(),
    }
}

/// alice1..3 added in order under `kek`.
fn ring(dir: &Path, kek: &Kek) -> KeyRing {
    let mut ring = KeyRing::default();
    for name in ["alice1", "alice2", "alice3"] {
        let key = std::fs::read(dir.join(format!("{name}.key"))).unwrap();
        let stored = ring
            .add_key(kek, None, cert(dir, name), vec![cert(dir, "ca")], &key)
            .unwrap();
        assert_eq!(stored.owner, "alice@example.org");
        assert!(stored.can_sign && stored.can_decrypt);
        // Sealed, not the PKCS#8 in clear.
        let KeyMaterial::Sealed(sealed) = &stored.material else {
            panic!("not sealed")
        };
        assert!(!sealed.windows(16).any(|w| key.windows(16).any(|k| k == w)));
    }
    ring
}

#[test]
fn decrypt_mail_to_a_key_replaced_two_renewals_ago_opens() {
    if !require_openssl() {
        return;
    }
    let dir = pki();
    let d = dir.path();
    let kek = Kek::from_passphrase(b"passphrase", &params(b"salt-salt-salt-1")).unwrap();
    let ring = ring(d, &kek);
    assert_eq!(ring.history("ALICE@example.org").len(), 3);
    std::fs::write(
        d.join("plain.eml"),
        "To: alice@example.org\r\nContent-Type: text/plain\r\n\r\nold mail\r\n",
    )
    .unwrap();
    assert!(openssl(
        d,
        &[
            "cms",
            "-encrypt",
            "-aes256",
            "-in",
            "plain.eml",
            "-out",
            "old.eml",
            "-recip",
            "alice1.pem",
        ]
    ));
    let message = std::fs::read(d.join("old.eml")).unwrap();
    let keys = ring
        .decryption_keys(&kek, &[], "alice@example.org")
        .unwrap();
    assert_eq!(keys.len(), 3);
    assert_eq!(keys[0].0, cert(d, "alice3"), "newest first");
    let (report, plain) = decrypt_with_history(&message, keys, CryptoPolicy::strict()).unwrap();
    assert_eq!(report.status, DecryptStatus::Decrypted, "{report:?}");
    assert!(String::from_utf8_lossy(&plain.unwrap()).contains("old mail"));
    // The current key alone does not open it: the history is what did.
    let mut current = ring
        .decryption_keys(&kek, &[], "alice@example.org")
        .unwrap();
    current.truncate(1);
    let (report, plain) = decrypt_with_history(&message, current, CryptoPolicy::strict()).unwrap();
    assert_ne!(report.status, DecryptStatus::Decrypted);
    assert!(plain.is_none());
}

#[test]
fn signing_key_is_the_newest_and_openssl_verifies_it() {
    if !require_openssl() {
        return;
    }
    let dir = pki();
    let d = dir.path();
    let kek = Kek::from_passphrase(b"passphrase", &params(b"salt-salt-salt-2")).unwrap();
    let ring = ring(d, &kek);
    let retired: Vec<bool> = ring
        .history("alice@example.org")
        .iter()
        .map(|k| k.retired)
        .collect();
    assert_eq!(retired, [true, true, false]);
    let (certificate, chain, key) = ring
        .signing_key(&kek, &[], "alice@example.org", SystemTime::now())
        .unwrap();
    assert_eq!(certificate, cert(d, "alice3"));
    let scheme = key.scheme(key.default_digest(), false).unwrap();
    let signer = Signer::new(
        vec![SignerSpec {
            certificate,
            key,
            scheme,
            chain,
            encryption_certificate: None,
            extra_attributes: vec![],
        }],
        SignOptions::default(),
    )
    .unwrap();
    let signed = signer
        .sign_bytes(b"From: alice@example.org\r\nContent-Type: text/plain\r\n\r\nhi\r\n")
        .unwrap();
    std::fs::write(d.join("signed.eml"), signed).unwrap();
    assert!(openssl(
        d,
        &[
            "cms",
            "-verify",
            "-in",
            "signed.eml",
            "-CAfile",
            "ca.pem",
            "-signer",
            "who.pem",
            "-out",
            "content.txt",
        ]
    ));
    assert_eq!(cert(d, "who"), cert(d, "alice3"));
    // Nobody else has a signing key; a wrong KEK opens nothing.
    assert!(ring
        .signing_key(&kek, &[], "bob@example.org", SystemTime::now())
        .is_err());
    let wrong = Kek::from_passphrase(b"wrong", &params(b"salt-salt-salt-2")).unwrap();
    let err = ring
        .signing_key(&wrong, &[], "alice@example.org", SystemTime::now())
        .unwrap_err();
    assert!(err.to_string().contains("does not open"), "{err}");
    assert!(ring
        .decryption_keys(&wrong, &[], "alice@example.org")
        .is_err());
}

#[test]
fn add_key_wrong_certificate_or_twice_is_refused() {
    if !require_openssl() {
        return;
    }
    let dir = pki();
    let d = dir.path();
    let kek = Kek::from_passphrase(b"p", &params(b"salt-salt-salt-3")).unwrap();
    let mut ring = KeyRing::default();
    let key1 = std::fs::read(d.join("alice1.key")).unwrap();
    let err = ring
        .add_key(&kek, None, cert(d, "alice2"), vec![], &key1)
        .unwrap_err();
    assert!(err.to_string().contains("does not belong"), "{err}");
    ring.add_key(&kek, None, cert(d, "alice1"), vec![], &key1)
        .unwrap();
    let err = ring
        .add_key(&kek, None, cert(d, "alice1"), vec![], &key1)
        .unwrap_err();
    assert!(err.to_string().contains("already stored"), "{err}");
    assert_eq!(ring.keys().len(), 1);
}

#[test]
fn pkcs12_export_read_by_openssl_and_legacy_import_works() {
    if !require_openssl() {
        return;
    }
    let dir = pki();
    let d = dir.path();
    let kek = Kek::from_passphrase(b"p", &params(b"salt-salt-salt-4")).unwrap();
    let ring = ring(d, &kek);
    let p12 = ring
        .export_pkcs12(&kek, "alice@example.org", "export pw")
        .unwrap();
    std::fs::write(d.join("out.p12"), p12).unwrap();
    std::fs::write(d.join("pw.txt"), "export pw").unwrap();
    assert!(openssl(
        d,
        &[
            "pkcs12",
            "-in",
            "out.p12",
            "-passin",
            "file:pw.txt",
            "-nocerts",
            "-nodes",
            "-out",
            "back.key",
        ]
    ));
    assert!(openssl(
        d,
        &["pkey", "-in", "back.key", "-pubout", "-out", "back.pub"]
    ));
    assert!(openssl(
        d,
        &["pkey", "-in", "alice3.key", "-pubout", "-out", "alice3.pub"]
    ));
    assert_eq!(
        std::fs::read(d.join("back.pub")).unwrap(),
        std::fs::read(d.join("alice3.pub")).unwrap()
    );
    // A legacy (RC2-40 / 3DES, SHA-1 MAC) export of the oldest key comes in.
    assert!(openssl(
        d,
        &[
            "pkcs12",
            "-export",
            "-legacy",
            "-inkey",
            "alice1.key",
            "-in",
            "alice1.pem",
            "-passout",
            "file:pw.txt",
            "-out",
            "legacy.p12",
        ]
    ));
    let mut imported = KeyRing::default();
    let bytes = std::fs::read(d.join("legacy.p12")).unwrap();
    let stored = imported
        .import_pkcs12(&kek, None, &bytes, "export pw", "legacy.p12")
        .unwrap();
    assert_eq!(stored.certificate, cert(d, "alice1"));
    assert_eq!(stored.owner, "alice@example.org");
    let err = imported
        .import_pkcs12(&kek, None, &bytes, "wrong", "legacy.p12")
        .unwrap_err();
    assert!(err.to_string().contains("wrong password"), "{err}");
}

#[test]
fn reseal_under_a_new_kek_all_or_nothing() {
    if !require_openssl() {
        return;
    }
    let dir = pki();
    let d = dir.path();
    let old = Kek::from_passphrase(b"old", &params(b"salt-salt-salt-5")).unwrap();
    let new = Kek::from_passphrase(b"new", &params(b"salt-salt-salt-6")).unwrap();
    let mut ring = ring(d, &old);
    // With the wrong old KEK nothing changes.
    assert!(ring.reseal(&new, &new).is_err());
    assert_eq!(
        ring.decryption_keys(&old, &[], "alice@example.org")
            .unwrap()
            .len(),
        3
    );
    assert_eq!(ring.reseal(&old, &new).unwrap(), 3);
    assert!(ring
        .decryption_keys(&old, &[], "alice@example.org")
        .is_err());
    assert_eq!(
        ring.decryption_keys(&new, &[], "alice@example.org")
            .unwrap()
            .len(),
        3
    );
}

/// Run an NSS tool (the engine of Thunderbird) in `dir`; whether it succeeded.
fn nss(dir: &Path, tool: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(tool)
        .args(args)
        .current_dir(dir)
        .output()
        .expect(tool);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn pkcs12_export_imported_by_nss_pk12util() {
    if !require_openssl() {
        return;
    }
    let have = |bin: &str| Command::new(bin).arg("-H").output().is_ok();
    if !(have("pk12util") && have("certutil")) {
        if std::env::var_os("SMIME_TEST_REQUIRE_PEERS").is_some_and(|v| !v.is_empty() && v != "0") {
            panic!("pk12util/certutil missing and SMIME_TEST_REQUIRE_PEERS is set");
        }
        println!("skipped: pk12util/certutil missing (libnss3-tools)");
        return;
    }
    let dir = pki();
    let d = dir.path();
    let kek = Kek::from_passphrase(b"p", &params(b"salt-salt-salt-7")).unwrap();
    let ring = ring(d, &kek);
    std::fs::write(
        d.join("ours.p12"),
        ring.export_pkcs12(&kek, "alice@example.org", "nss pw")
            .unwrap(),
    )
    .unwrap();
    std::fs::write(d.join("pw.txt"), "nss pw\n").unwrap();
    std::fs::create_dir(d.join("nssdb")).unwrap();
    let (ok, text) = nss(
        d,
        "certutil",
        &["-N", "-d", "sql:nssdb", "--empty-password"],
    );
    assert!(ok, "{text}");
    let (ok, text) = nss(
        d,
        "pk12util",
        &[
            "-i",
            "ours.p12",
            "-d",
            "sql:nssdb",
            "-w",
            "pw.txt",
            "-K",
            "",
        ],
    );
    assert!(ok, "pk12util -i: {text}");
    // NSS now holds the RSA key with its certificate; its nickname is the certificate bag's
    // friendlyName, which p12-keystore sets to the subject.
    let (ok, keys) = nss(d, "certutil", &["-K", "-d", "sql:nssdb", "-f", "/dev/null"]);
    assert!(
        ok && keys.contains("rsa") && keys.contains("CN=Alice"),
        "{keys}"
    );
    // NSS's own exports (pk12util -o, Thunderbird, Firefox) are BER with indefinite
    // lengths, which p12-keystore does not read yet: see the README.
}

//! `smime store ...` and the store-backed `sign --from`, `encrypt --to ADDR` and `decrypt`,
//! end to end through the binary, each test on SQLite and on PostgreSQL
//! (`smime_store::testing::each_backend`; the PostgreSQL cluster is the one scripts/test.sh
//! starts). The results are checked by the real peers: `openssl cms -verify` reads what
//! `sign --from` wrote, `openssl cms -decrypt` what `encrypt --to ADDR` wrote, `openssl
//! pkcs12` what `store export` wrote.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use smime_store::testing::each_backend;

/// The store passphrase of every test store.
const PASSPHRASE: &str = "correct horse battery staple";

/// One store at `location`, driven through the binary as principal `admin` (its creator).
struct StoreUnderTest<'a> {
    location: String,
    pki: &'a Pki,
    /// The passphrase file.
    pass: PathBuf,
}

impl<'a> StoreUnderTest<'a> {
    /// A store at `location` (not created yet), with the passphrase file in the PKI directory.
    fn new(location: &str, pki: &'a Pki) -> StoreUnderTest<'a> {
        let pass = pki.dir.join("store-pass.txt");
        fs::write(&pass, format!("{PASSPHRASE}\n")).unwrap();
        StoreUnderTest {
            location: location.to_string(),
            pki,
            pass,
        }
    }

    /// `smime ARGS` against this store as `actor`, with no passphrase from the environment.
    fn smime_as(&self, actor: &str, args: &[&str]) -> Outcome {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_smime"));
        cmd.env("SMIME_STORE", &self.location)
            .env("SMIME_ACTOR", actor)
            .env_remove("SMIME_PASSPHRASE_FILE")
            .env_remove("SMIME_KEY_FILE")
            .args(args);
        run(&mut cmd)
    }

    /// `smime ARGS` as `admin`.
    fn smime(&self, args: &[&str]) -> Outcome {
        self.smime_as("admin", args)
    }

    /// The passphrase file as a string argument.
    fn pass(&self) -> &str {
        self.pass.to_str().unwrap()
    }

    /// `smime store init` with the passphrase.
    fn init(&self) {
        self.smime(&["store", "init", "--passphrase-file", self.pass()])
            .assert_ok();
    }

    /// Import the PKCS#12 file of `r` (password [`P12_PASSWORD`]).
    fn import_p12(&self, p12: &Path) -> serde_json::Value {
        let password = self.pki.dir.join("p12-pass.txt");
        fs::write(&password, format!("{P12_PASSWORD}\n")).unwrap();
        let o = self.smime(&[
            "store",
            "import",
            p12.to_str().unwrap(),
            "--password-file",
            password.to_str().unwrap(),
            "--passphrase-file",
            self.pass(),
            "--json",
        ]);
        o.assert_ok();
        o.json()
    }
}

/// A recipient that can sign and receive encrypted mail (RSA: digitalSignature and
/// keyEncipherment), issued by the PKI's intermediate, with `email`.
fn identity(pki: &Pki, name: &str, email: &str) -> Recipient {
    pki.recipient_with_email(
        RecipientKey::Rsa,
        name,
        "digitalSignature,keyEncipherment",
        email,
    )
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `openssl cms -encrypt` of a small message to `cert`, with the header To: `address`;
/// returns the message file.
fn openssl_encrypt(pki: &Pki, name: &str, cert: &Path, address: &str, body: &str) -> PathBuf {
    let plain = pki.dir.join(format!("{name}.plain.eml"));
    fs::write(&plain, plain_message("sender@example.org", body)).unwrap();
    let out = pki.dir.join(format!("{name}.enc.eml"));
    let o = run(Command::new("openssl")
        .args(["cms", "-encrypt", "-aes-256-cbc", "-in"])
        .arg(&plain)
        .arg("-out")
        .arg(&out)
        .args(["-to", address])
        .arg(cert));
    assert!(o.ok(), "{o}");
    out
}

#[test]
fn store_init_import_list_show_then_sign_from_openssl_verifies() {
    let Some((_dir, pki)) = pki_in_temp_dir("smime-store-sign-") else {
        return;
    };
    let alice = identity(&pki, "alice", "Alice@Example.com");
    each_backend(|location| {
        let s = StoreUnderTest::new(location, &pki);
        s.smime(&[
            "store",
            "init",
            "--passphrase-file",
            s.pass(),
            "--domain",
            "EXAMPLE.com",
        ])
        .assert_ok();
        // A second init changes nothing and says so.
        let again = s.smime(&["store", "init", "--passphrase-file", s.pass()]);
        again.assert_code(2);
        assert!(again.stderr.contains("already initialised"), "{again}");

        let imported = s.import_p12(&alice.p12);
        assert_eq!(imported[0]["outcome"], "key added", "{imported}");
        assert_eq!(imported[0]["key_owner"], "alice@example.com", "{imported}");
        let id = imported[0]["id"].as_str().unwrap().to_string();

        // list --json: the leaf (with its key) and the intermediate from the PKCS#12 chain.
        let list = s.smime(&["store", "list", "--json"]);
        list.assert_ok();
        let rows = list.json();
        let rows = rows.as_array().unwrap();
        let leaf = rows.iter().find(|r| r["id"] == id.as_str()).unwrap();
        assert_eq!(leaf["addresses"][0], "alice@example.com");
        assert_eq!(leaf["has_key"], true);
        assert_eq!(leaf["can_sign"], true);
        assert_eq!(leaf["can_encrypt"], true);
        assert_eq!(leaf["source"], "imported");
        assert!(
            rows.iter()
                .any(|r| r["is_ca"] == true
                    && r["subject"].as_str().unwrap().contains("Intermediate")),
            "{rows:?}"
        );
        // Filters: by address (any case), by domain; an unknown address lists nothing.
        let by_email = s.smime(&["store", "list", "--email", "ALICE@example.com", "--json"]);
        assert_eq!(by_email.json().as_array().unwrap().len(), 1, "{by_email}");
        let by_domain = s.smime(&["store", "list", "--domain", "example.com", "--json"]);
        assert_eq!(by_domain.json().as_array().unwrap().len(), 1, "{by_domain}");
        let nobody = s.smime(&["store", "list", "--email", "nobody@example.com", "--json"]);
        assert_eq!(nobody.json().as_array().unwrap().len(), 0, "{nobody}");
        // The other filters: expiring (the PKI's certificates run ten years), issuer,
        // revoked (none), shadow (example.com is ours, no CA is approved: alice's is one).
        let count = |args: &[&str]| {
            let mut all = vec!["store", "list", "--json"];
            all.extend_from_slice(args);
            let o = s.smime(&all);
            o.assert_ok();
            o.json().as_array().unwrap().len()
        };
        assert_eq!(count(&["--expiring", "30"]), 0);
        assert!(count(&["--expiring", "4000"]) >= 2);
        let issuer = leaf["issuer"].as_str().unwrap().to_string();
        assert_eq!(count(&["--issuer", &issuer]), 1);
        assert_eq!(
            count(&["--issuer", &issuer, "--email", "bob@example.com"]),
            0
        );
        assert_eq!(count(&["--revoked"]), 0);
        assert_eq!(count(&["--shadow"]), 1);

        // show by address: the certificate and the key history; by fingerprint prefix.
        let show = s.smime(&["store", "show", "alice@example.com", "--json"]);
        show.assert_ok();
        let shown = show.json();
        assert_eq!(shown["keys"].as_array().unwrap().len(), 1, "{shown}");
        assert_eq!(shown["keys"][0]["id"], id.as_str());
        assert_eq!(shown["keys"][0]["location"], "sealed");
        let by_id = s.smime(&["store", "show", &id[..12], "--json"]);
        by_id.assert_ok();
        assert_eq!(by_id.json()["id"], id.as_str());

        // sign --from: the stored key and chain; openssl verifies against the root.
        let input = pki.dir.join("to-sign.eml");
        fs::write(
            &input,
            plain_message("alice@example.com", "signed from the store"),
        )
        .unwrap();
        let signed = pki.dir.join("signed-from-store.eml");
        s.smime(&[
            "sign",
            "--from",
            "alice@example.com",
            "--passphrase-file",
            s.pass(),
            "--in",
            path(&input),
            "--out",
            path(&signed),
        ])
        .assert_ok();
        let verified = openssl_cms_verify(
            &pki.dir,
            &fs::read(&signed).unwrap(),
            Inform::Smime,
            None,
            &pki.root,
        );
        assert!(verified.ok(), "{verified}");
        assert!(verified.stdout_text().contains("signed from the store"));

        // Every step is in the audit log, and its chain is intact.
        let audit = s.smime(&["store", "audit", "--json"]);
        audit.assert_ok();
        let actions: Vec<String> = audit
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap().to_string())
            .collect();
        for action in ["import-key", "use-key"] {
            assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
        }
        let verify = s.smime(&["store", "audit", "--verify", "--json"]);
        verify.assert_ok();
        assert_eq!(verify.json()["intact"], true, "{verify}");
    });
}

#[test]
fn store_encrypt_to_address_and_file_openssl_decrypts() {
    let Some((_dir, pki)) = pki_in_temp_dir("smime-store-enc-") else {
        return;
    };
    let bob = identity(&pki, "bob", "bob@example.com");
    let carol = identity(&pki, "carol", "carol@example.com");
    each_backend(|location| {
        let s = StoreUnderTest::new(location, &pki);
        s.init();
        // Bob's certificate only (no key): what a harvested or imported partner looks like.
        let o = s.smime(&["store", "import", path(&bob.cert), "--json"]);
        o.assert_ok();
        assert_eq!(o.json()[0]["outcome"], "added", "{o}");
        let o = s.smime(&["store", "import", path(&bob.cert), "--json"]);
        assert_eq!(o.json()[0]["outcome"], "already present", "{o}");
        // A PKCS#12 file of certificates only (no key): imported without unlocking.
        let certs_only = pki.dir.join("carol-certs-only.p12");
        let o = run(Command::new("openssl")
            .args([
                "pkcs12",
                "-export",
                "-nokeys",
                "-passout",
                "pass:test",
                "-in",
            ])
            .arg(&carol.cert)
            .arg("-out")
            .arg(&certs_only));
        assert!(o.ok(), "{o}");
        let password = pki.dir.join("p12-pass.txt");
        fs::write(&password, "test\n").unwrap();
        let o = s.smime(&[
            "store",
            "import",
            path(&certs_only),
            "--password-file",
            path(&password),
            "--json",
        ]);
        o.assert_ok();
        assert_eq!(o.json()[0]["outcome"], "added", "{o}");
        let listed = s.smime(&["store", "list", "--email", "carol@example.com", "--json"]);
        assert_eq!(listed.json()[0]["has_key"], false, "{listed}");

        let input = pki.dir.join("to-encrypt.eml");
        fs::write(
            &input,
            plain_message("alice@example.com", "for bob and carol"),
        )
        .unwrap();
        let encrypted = pki.dir.join("encrypted-to-address.eml");
        // One address (any case) and one file, mixed.
        s.smime(&[
            "encrypt",
            "--to",
            "Bob@Example.com",
            "--to",
            path(&carol.cert),
            "--in",
            path(&input),
            "--out",
            path(&encrypted),
        ])
        .assert_ok();
        for r in [&bob, &carol] {
            let out = pki.dir.join(format!("{}.decrypted.eml", r.name));
            let o = run(Command::new("openssl")
                .args(["cms", "-decrypt", "-in"])
                .arg(&encrypted)
                .arg("-recip")
                .arg(&r.cert)
                .arg("-inkey")
                .arg(&r.key)
                .arg("-out")
                .arg(&out));
            assert!(o.ok(), "{}: {o}", r.name);
            assert!(fs::read_to_string(&out)
                .unwrap()
                .contains("for bob and carol"));
        }
        // An address the store does not know: exit 2, the address named.
        let o = s.smime(&[
            "encrypt",
            "--to",
            "nobody@example.com",
            "--in",
            path(&input),
        ]);
        o.assert_code(2);
        assert!(o.stderr.contains("nobody@example.com"), "{o}");
        assert!(o.stderr.contains("no valid encryption certificate"), "{o}");
    });
}

#[test]
fn store_decrypt_renewed_address_opens_mail_for_the_older_key() {
    let Some((_dir, pki)) = pki_in_temp_dir("smime-store-history-") else {
        return;
    };
    let old = identity(&pki, "dave-2024", "dave@example.com");
    let new = identity(&pki, "dave-2025", "dave@example.com");
    let for_old = openssl_encrypt(
        &pki,
        "for-old",
        &old.cert,
        "dave@example.com",
        "sealed for the old key",
    );
    let for_new = openssl_encrypt(
        &pki,
        "for-new",
        &new.cert,
        "dave@example.com",
        "sealed for the new key",
    );
    each_backend(|location| {
        let s = StoreUnderTest::new(location, &pki);
        s.init();
        s.import_p12(&old.p12);
        s.import_p12(&new.p12);
        let show = s.smime(&["store", "show", "dave@example.com", "--json"]);
        let keys = show.json()["keys"].clone();
        assert_eq!(keys.as_array().unwrap().len(), 2, "{show}");
        // The renewal retired the old key from signing, not from decryption.
        assert_eq!(keys[0]["retired"], true, "{keys}");
        assert_eq!(keys[0]["can_decrypt"], true, "{keys}");
        assert_eq!(keys[1]["retired"], false, "{keys}");

        for (message, body, named) in [
            (&for_old, "sealed for the old key", true),
            (&for_new, "sealed for the new key", true),
            // Without --for: the message's To address (dave's) chooses the keys.
            (&for_old, "sealed for the old key", false),
        ] {
            let out = pki.dir.join("history.out.eml");
            let mut args = vec![
                "decrypt",
                "--passphrase-file",
                s.pass(),
                "--in",
                path(message),
                "--out",
                path(&out),
            ];
            if named {
                args.extend(["--for", "dave@example.com"]);
            }
            s.smime(&args).assert_ok();
            assert!(fs::read_to_string(&out).unwrap().contains(body));
        }
        // A message for someone else: exit 1 (the input is not for these keys).
        let stranger = identity(&pki, "erin", "erin@example.com");
        let for_erin = openssl_encrypt(
            &pki,
            "for-erin",
            &stranger.cert,
            "erin@example.com",
            "not dave's",
        );
        let o = s.smime(&[
            "decrypt",
            "--for",
            "dave@example.com",
            "--passphrase-file",
            s.pass(),
            "--in",
            path(&for_erin),
        ]);
        o.assert_code(1);
        assert!(o.stdout.is_empty(), "{o}");
    });
}

#[test]
fn store_export_pkcs12_openssl_reads_the_same_key() {
    let Some((_dir, pki)) = pki_in_temp_dir("smime-store-export-") else {
        return;
    };
    let frank = identity(&pki, "frank", "frank@example.com");
    each_backend(|location| {
        let s = StoreUnderTest::new(location, &pki);
        s.init();
        s.import_p12(&frank.p12);
        let password = pki.dir.join("export-pass.txt");
        fs::write(&password, "export password\n").unwrap();
        let out = pki.dir.join("frank-export.p12");
        s.smime(&[
            "store",
            "export",
            "frank@example.com",
            "--out",
            path(&out),
            "--password-file",
            path(&password),
            "--passphrase-file",
            s.pass(),
        ])
        .assert_ok();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&out).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "the PKCS#12 file is readable by others");
        }
        let pem = pki.dir.join("frank-export.pem");
        let o = run(Command::new("openssl")
            .args(["pkcs12", "-nodes", "-in"])
            .arg(&out)
            .arg("-passin")
            .arg(format!("file:{}", password.display()))
            .arg("-out")
            .arg(&pem));
        assert!(o.ok(), "openssl pkcs12 (no -legacy): {o}");
        let public = |key: &Path| {
            let o = run(Command::new("openssl")
                .args(["pkey", "-pubout", "-in"])
                .arg(key));
            assert!(o.ok(), "{o}");
            o.stdout
        };
        assert_eq!(public(&pem), public(&frank.key));
        let text = fs::read_to_string(&pem).unwrap();
        assert_eq!(text.matches("BEGIN CERTIFICATE").count(), 2, "{text}");
        // An empty export password is refused; the audit log shows the export.
        let empty = pki.dir.join("empty.txt");
        fs::write(&empty, "").unwrap();
        let o = s.smime(&[
            "store",
            "export",
            "frank@example.com",
            "--out",
            path(&pki.dir.join("unprotected.p12")),
            "--password-file",
            path(&empty),
            "--passphrase-file",
            s.pass(),
        ]);
        o.assert_code(2);
        let audit = s.smime(&["store", "audit", "--json"]);
        assert!(
            audit
                .json()
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["action"] == "export-key" && e["object"] == "frank@example.com"),
            "{audit}"
        );
    });
}

#[test]
fn store_bad_input_wrong_passphrase_missing_store_denied_exit_2_with_the_reason() {
    let Some((_dir, pki)) = pki_in_temp_dir("smime-store-bad-") else {
        return;
    };
    let grace = identity(&pki, "grace", "grace@example.com");
    let input = pki.dir.join("bad-input.eml");
    fs::write(&input, plain_message("grace@example.com", "x")).unwrap();
    let wrong = pki.dir.join("wrong-pass.txt");
    fs::write(&wrong, "not the passphrase\n").unwrap();
    each_backend(|location| {
        let s = StoreUnderTest::new(location, &pki);
        if !location.starts_with("postgres") {
            // No store yet: every command but init says where it looked.
            let o = s.smime(&["store", "list"]);
            o.assert_code(2);
            assert!(
                o.stderr.contains("no store at") && o.stderr.contains("store init"),
                "{o}"
            );
        }
        s.init();
        s.import_p12(&grace.p12);
        let sign = |pass: Option<&str>, from: &str| {
            let mut args = vec!["sign", "--from", from, "--in", path(&input)];
            if let Some(p) = pass {
                args.extend(["--passphrase-file", p]);
            }
            s.smime(&args)
        };
        let o = sign(Some(path(&wrong)), "grace@example.com");
        o.assert_code(2);
        assert!(o.stderr.contains("wrong passphrase"), "{o}");
        let o = sign(None, "grace@example.com");
        o.assert_code(2);
        assert!(o.stderr.contains("--passphrase-file"), "{o}");
        let o = sign(Some(s.pass()), "nobody@example.com");
        o.assert_code(2);
        assert!(o.stderr.contains("nobody@example.com"), "{o}");
        // Not a principal.
        let o = s.smime_as("mallory", &["store", "list"]);
        o.assert_code(2);
        assert!(
            o.stderr.contains("mallory") && o.stderr.contains("not a principal"),
            "{o}"
        );
        // A user may use its own key only; the refusal is audited.
        s.smime(&[
            "store",
            "principal",
            "add",
            "heidi",
            "--role",
            "user",
            "--address",
            "heidi@example.com",
        ])
        .assert_ok();
        let list = s.smime(&["store", "principal", "list", "--json"]);
        assert_eq!(list.json().as_array().unwrap().len(), 2, "{list}");
        // Looking at its own address is allowed and leaves no `denied` row.
        let o = s.smime_as("heidi", &["store", "show", "heidi@example.com"]);
        o.assert_code(2);
        assert!(o.stderr.contains("no certificate or key"), "{o}");
        let denied_rows = || {
            s.smime(&["store", "audit", "--json"])
                .json()
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["actor"] == "heidi" && e["outcome"] == "denied")
                .count()
        };
        assert_eq!(denied_rows(), 0);
        let o = s.smime_as(
            "heidi",
            &[
                "sign",
                "--from",
                "grace@example.com",
                "--passphrase-file",
                s.pass(),
                "--in",
                path(&input),
            ],
        );
        o.assert_code(2);
        assert!(
            o.stderr.contains("heidi") && o.stderr.contains("may not"),
            "{o}"
        );
        let audit = s.smime(&["store", "audit", "--json"]);
        assert!(
            audit
                .json()
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["actor"] == "heidi" && e["outcome"] == "denied"),
            "{audit}"
        );
        // A wrong PKCS#12 password: exit 2, named, nothing imported.
        let bad = pki.dir.join("bad-p12-pass.txt");
        fs::write(&bad, "nope\n").unwrap();
        let before = s.smime(&["store", "list", "--json"]).json();
        let o = s.smime(&[
            "store",
            "import",
            path(&grace.p12),
            "--password-file",
            path(&bad),
            "--passphrase-file",
            s.pass(),
        ]);
        o.assert_code(2);
        assert!(o.stderr.contains("wrong password"), "{o}");
        assert_eq!(s.smime(&["store", "list", "--json"]).json(), before);
    });
}

#[test]
fn store_backup_restore_into_a_new_store_keeps_keys_and_history() {
    let Some((_dir, pki)) = pki_in_temp_dir("smime-store-backup-") else {
        return;
    };
    let ivan = identity(&pki, "ivan", "ivan@example.com");
    let message = openssl_encrypt(
        &pki,
        "for-ivan",
        &ivan.cert,
        "ivan@example.com",
        "kept through a restore",
    );
    let archive_pass = pki.dir.join("archive-pass.txt");
    fs::write(&archive_pass, "archive passphrase\n").unwrap();
    each_backend(|location| {
        let s = StoreUnderTest::new(location, &pki);
        s.init();
        s.import_p12(&ivan.p12);
        let archive = pki.dir.join("store.backup");
        let _ = fs::remove_file(&archive);
        s.smime(&[
            "store",
            "backup",
            "--out",
            path(&archive),
            "--archive-passphrase-file",
            path(&archive_pass),
        ])
        .assert_ok();
        // The target: a new SQLite store next to the PKI, initialised, then restored.
        let target_dir = tempfile::tempdir().unwrap();
        let target = StoreUnderTest::new(
            target_dir.path().join("restored.sqlite").to_str().unwrap(),
            &pki,
        );
        target.init();
        let o = target.smime(&[
            "store",
            "restore",
            "--in",
            path(&archive),
            "--archive-passphrase-file",
            path(&s.pass),
        ]);
        o.assert_code(2); // the wrong archive passphrase: nothing restored
        target
            .smime(&[
                "store",
                "restore",
                "--in",
                path(&archive),
                "--archive-passphrase-file",
                path(&archive_pass),
            ])
            .assert_ok();
        let out = pki.dir.join("restored.out.eml");
        target
            .smime(&[
                "decrypt",
                "--for",
                "ivan@example.com",
                "--passphrase-file",
                target.pass(),
                "--in",
                path(&message),
                "--out",
                path(&out),
            ])
            .assert_ok();
        assert!(fs::read_to_string(&out)
            .unwrap()
            .contains("kept through a restore"));
        let verify = target.smime(&["store", "audit", "--verify", "--json"]);
        assert_eq!(verify.json()["intact"], true, "{verify}");
    });
}

#[test]
fn store_key_file_init_unlocks_with_the_file_and_refuses_a_passphrase() {
    let Some((_dir, pki)) = pki_in_temp_dir("smime-store-keyfile-") else {
        return;
    };
    let judy = identity(&pki, "judy", "judy@example.com");
    let input = pki.dir.join("keyfile-input.eml");
    fs::write(
        &input,
        plain_message("judy@example.com", "signed under a key file"),
    )
    .unwrap();
    each_backend(|location| {
        let s = StoreUnderTest::new(location, &pki);
        if location.starts_with("postgres") {
            // An empty database is not a store yet: say so instead of acting on it.
            let o = s.smime(&["store", "list"]);
            o.assert_code(2);
            assert!(o.stderr.contains("not initialised"), "{o}");
        }
        let key_file = pki.dir.join(format!("kek-{}", location.len()));
        let _ = fs::remove_file(&key_file);
        let o = s.smime(&["store", "init", "--key-file", path(&key_file)]);
        o.assert_ok();
        assert!(o.stderr.contains("wrote a new key file"), "{o}");
        assert_eq!(fs::metadata(&key_file).unwrap().len(), 32);
        let password = pki.dir.join("p12-pass.txt");
        fs::write(&password, format!("{P12_PASSWORD}\n")).unwrap();
        s.smime(&[
            "store",
            "import",
            path(&judy.p12),
            "--password-file",
            path(&password),
            "--key-file",
            path(&key_file),
        ])
        .assert_ok();
        let signed = pki.dir.join("keyfile-signed.eml");
        s.smime(&[
            "sign",
            "--from",
            "judy@example.com",
            "--key-file",
            path(&key_file),
            "--in",
            path(&input),
            "--out",
            path(&signed),
        ])
        .assert_ok();
        let verified = openssl_cms_verify(
            &pki.dir,
            &fs::read(&signed).unwrap(),
            Inform::Smime,
            None,
            &pki.root,
        );
        assert!(verified.ok(), "{verified}");
        // A passphrase for a key-file store, or no secret at all: exit 2, the kind named.
        let o = s.smime(&[
            "sign",
            "--from",
            "judy@example.com",
            "--passphrase-file",
            s.pass(),
            "--in",
            path(&input),
        ]);
        o.assert_code(2);
        assert!(o.stderr.contains("keyfile"), "{o}");
        let o = s.smime(&["sign", "--from", "judy@example.com", "--in", path(&input)]);
        o.assert_code(2);
        assert!(o.stderr.contains("--key-file"), "{o}");
        // Principals: a role change takes effect at once; removal ends access.
        s.smime(&["store", "principal", "add", "kim", "--role", "auditor"])
            .assert_ok();
        s.smime_as("kim", &["store", "audit", "--verify"])
            .assert_ok();
        let o = s.smime_as("kim", &["store", "principal", "list"]);
        o.assert_ok();
        s.smime(&[
            "store",
            "principal",
            "set-role",
            "kim",
            "--role",
            "operator",
        ])
        .assert_ok();
        let o = s.smime_as("kim", &["store", "audit"]);
        o.assert_code(2);
        assert!(o.stderr.contains("may not"), "{o}");
        s.smime(&["store", "principal", "remove", "kim"])
            .assert_ok();
        let o = s.smime_as("kim", &["store", "list"]);
        o.assert_code(2);
        assert!(o.stderr.contains("not a principal"), "{o}");
        // The last admin stays.
        let o = s.smime(&["store", "principal", "remove", "admin"]);
        o.assert_code(2);
    });
}

#[test]
fn store_unreachable_postgres_exit_2_names_the_location_without_the_password() {
    if !require_peer("openssl") {
        return;
    }
    // Port 1 on the loopback refuses at once.
    let o = {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_smime"));
        cmd.env("SMIME_ACTOR", "admin").args([
            "--store",
            "postgres://smime:s3cret@127.0.0.1:1/smime",
            "store",
            "list",
        ]);
        run(&mut cmd)
    };
    o.assert_code(2);
    assert!(o.stderr.contains("127.0.0.1:1"), "{o}");
    assert!(!o.stderr.contains("s3cret"), "the password leaked: {o}");
}

//! The CA with its keys in a PKCS#11 token (SoftHSM2), end to end through the binary on
//! SQLite and PostgreSQL: a store whose key-encryption key is an AES key in the token
//! (`store init --kek-in-token`), `ca init --keys-in-token` (P-384, the default), a person
//! issued and accepted by `openssl verify`, a CRL accepted by `openssl crl -verify`, mail
//! signed with `sign --from` accepted by `openssl cms -verify`; the CA keys are token rows
//! without a sealed blob and refuse to leave the token; without the token flags or with a
//! wrong PIN the store does not open (exit 2, the message names the flags or the PIN).
//! `ca issue --key-in-token` makes a person's keys in the token: `sign --from` signs there
//! (openssl verifies), mail openssl encrypts to the EC P-256 and RSA encryption
//! certificates is decrypted by `smime decrypt` from the store, the keys are token rows that
//! refuse to leave the token, PKCS#12 export or delivery of them is refused, and a backup
//! restored into a new store decrypts with them again.
//!
//! One SoftHSM2 directory serves the file (SOFTHSM2_CONF is read once per process when the
//! module is initialised); each backend gets its own token.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use common::*;
use smime_store::keys::KeyMaterial;
use smime_store::pkcs11::{Token, SOFTHSM2_MODULE};
use smime_store::testing::each_backend;
use smime_store::Store;

const PIN: &str = "4321";
/// The tokens of the tests: one per store backend, one for the RSA test. All are made
/// before the module is loaded in this process, which may not see tokens made later.
const BACKEND_TOKENS: [&str; 2] = ["smime-ca-0", "smime-ca-1"];
const RSA_TOKEN: &str = "smime-ca-rsa";
/// The token of the subscriber keys made by `ca issue --key-in-token`.
const SUBSCRIBER_TOKEN: &str = "smime-subscribers";

/// The SoftHSM2 configuration of this test process.
struct Hsm {
    dir: tempfile::TempDir,
}

impl Hsm {
    fn conf(&self) -> PathBuf {
        self.dir.path().join("softhsm2.conf")
    }

    /// Initialise a new token `label` with user PIN [`PIN`].
    fn init_token(&self, label: &str) {
        let out = Command::new("softhsm2-util")
            .env("SOFTHSM2_CONF", self.conf())
            .args(["--init-token", "--free", "--label", label])
            .args(["--pin", PIN, "--so-pin", "12345678"])
            .output()
            .expect("softhsm2-util");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The SoftHSM2 directory, with SOFTHSM2_CONF set for this process before any module is
/// loaded; `None` (skipped) without SoftHSM2 unless SMIME_TEST_REQUIRE_PEERS is set.
fn hsm() -> Option<&'static Hsm> {
    static HSM: OnceLock<Hsm> = OnceLock::new();
    if !require_peers(&["openssl", "softhsm2-util"]) {
        return None;
    }
    assert!(
        Path::new(SOFTHSM2_MODULE).exists(),
        "softhsm2-util is installed but its module {SOFTHSM2_MODULE} is not"
    );
    Some(HSM.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temporary directory");
        let tokens = dir.path().join("tokens");
        fs::create_dir(&tokens).expect("token directory");
        fs::write(
            dir.path().join("softhsm2.conf"),
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                tokens.display()
            ),
        )
        .expect("softhsm2.conf");
        let hsm = Hsm { dir };
        for label in BACKEND_TOKENS
            .into_iter()
            .chain([RSA_TOKEN, SUBSCRIBER_TOKEN])
        {
            hsm.init_token(label);
        }
        // Set once, before the module is initialised in this process.
        std::env::set_var("SOFTHSM2_CONF", hsm.conf());
        hsm
    }))
}

/// One run: a store at `location`, a token `label`, files in `dir`.
struct Run<'a> {
    hsm: &'a Hsm,
    location: String,
    dir: PathBuf,
    label: String,
}

impl Run<'_> {
    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// `smime` with the store and actor, no secret from the environment, and `flags`
    /// (global flags such as --token) before `args`.
    fn smime_with(&self, flags: &[&str], args: &[&str]) -> Outcome {
        run(&mut self.command(flags, args))
    }

    /// The command of [`Run::smime_with`], not started.
    fn command(&self, flags: &[&str], args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_smime"));
        cmd.env("SMIME_STORE", &self.location)
            .env("SMIME_ACTOR", "admin")
            .env("SOFTHSM2_CONF", self.hsm.conf());
        for var in [
            "SMIME_PASSPHRASE_FILE",
            "SMIME_KEY_FILE",
            "SMIME_TOKEN",
            "SMIME_PIN_FILE",
            "SMIME_PKCS11_MODULE",
        ] {
            cmd.env_remove(var);
        }
        cmd.args(flags).args(args);
        cmd
    }

    /// The token flags with the right PIN file.
    fn token_flags(&self) -> [String; 6] {
        [
            "--pkcs11-module".into(),
            SOFTHSM2_MODULE.into(),
            "--token".into(),
            self.label.clone(),
            "--pin-file".into(),
            path(&self.file("pin.txt")).into(),
        ]
    }

    /// `smime` with the token flags and the right PIN file.
    fn smime(&self, args: &[&str]) -> Outcome {
        let flags = self.token_flags();
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        self.smime_with(&flags, args)
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

fn openssl(dir: &Path, args: &[&str]) -> Outcome {
    run(Command::new("openssl").current_dir(dir).args(args))
}

/// `openssl verify` of `cert` up to root.pem through inter.pem, in `dir`.
fn verify_chain(dir: &Path, cert: &str) -> Outcome {
    let args = [
        "verify",
        "-CAfile",
        "root.pem",
        "-untrusted",
        "inter.pem",
        cert,
    ];
    openssl(dir, &args)
}

/// The PEM blocks of `pem`, each as its own PEM text.
fn pem_blocks(pem: &str) -> Vec<String> {
    pem.split_inclusive("-----END CERTIFICATE-----\n")
        .filter(|b| b.contains("BEGIN CERTIFICATE"))
        .map(|b| b.trim_start().to_string())
        .collect()
}

impl<'a> Run<'a> {
    /// A run on a new SQLite store in a fresh directory, opened by a passphrase
    /// (`pass.txt`), with the token `label` named by the flags (`pin.txt`).
    fn passphrase(hsm: &'a Hsm, label: &str) -> (Run<'a>, tempfile::TempDir) {
        let run_dir = tempfile::tempdir_in(hsm.dir.path()).expect("run directory");
        let r = Run {
            hsm,
            location: run_dir.path().join("store.sqlite").display().to_string(),
            dir: run_dir.path().to_path_buf(),
            label: label.to_string(),
        };
        fs::write(r.file("pin.txt"), format!("{PIN}\n")).expect("pin");
        fs::write(r.file("pass.txt"), "a passphrase\n").expect("pass");
        (r, run_dir)
    }

    /// `smime` with the token flags and `--passphrase-file pass.txt` before `args`.
    fn smime_pass(&self, args: &[&str]) -> Outcome {
        let pass = self.file("pass.txt");
        let mut all = vec!["--passphrase-file", path(&pass)];
        all.extend_from_slice(args);
        self.smime(&all)
    }

    /// `sign --from alice@example.org` (run through `smime`) of a mail saying `body`:
    /// `openssl cms -verify` accepts it up to root.pem and gives `body` back.
    fn assert_alice_signs(&self, smime: impl Fn(&[&str]) -> Outcome, body: &str) {
        fs::write(
            self.file("mail.eml"),
            plain_message("alice@example.org", body),
        )
        .expect("write");
        smime(&[
            "sign",
            "--from",
            "alice@example.org",
            "--in",
            path(&self.file("mail.eml")),
            "--out",
            path(&self.file("signed.eml")),
        ])
        .assert_ok();
        let verify = [
            "cms",
            "-verify",
            "-in",
            "signed.eml",
            "-CAfile",
            "root.pem",
            "-certfile",
            "inter.pem",
            "-out",
            "verified.eml",
        ];
        openssl(&self.dir, &verify).assert_ok();
        let content = fs::read_to_string(self.file("verified.eml")).expect("verified");
        assert!(content.contains(body), "{content}");
    }

    /// `ca chain` split into `inter.pem` and `root.pem` (the file is `chain.pem`).
    fn write_chain(&self, smime: impl Fn(&[&str]) -> Outcome) {
        let chain = self.file("chain.pem");
        smime(&["ca", "chain", "--out", path(&chain)]).assert_ok();
        let blocks = pem_blocks(&fs::read_to_string(&chain).expect("chain"));
        assert_eq!(blocks.len(), 2, "{blocks:?}");
        fs::write(self.file("inter.pem"), &blocks[0]).expect("write");
        fs::write(self.file("root.pem"), &blocks[1]).expect("write");
    }
}

/// Every key of each `(owner, count)` of the store at `location` is a token row of `label`
/// (no sealed blob), `count` of them, and the token refuses to give it out.
fn assert_keys_stay_in_token(location: &str, label: &str, owners: &[(&str, usize)]) {
    let store = Store::open(location).expect("store");
    let admin = store.actor("admin").expect("admin");
    let token = Token::open(Path::new(SOFTHSM2_MODULE), label, PIN).expect("token");
    for (owner, count) in owners {
        let ring = store.key_ring(&admin, Some(owner)).expect("ring");
        let history = ring.history(owner);
        assert_eq!(history.len(), *count, "{owner}");
        for key in history {
            let KeyMaterial::Token { token: held_in, id } = &key.material else {
                panic!("{owner}: not a token key: {:?}", key.material);
            };
            assert_eq!(held_in, label);
            let err = Arc::clone(&token)
                .find_key(id)
                .expect("the key is in the token")
                .try_extract()
                .expect_err("the key left the token");
            assert!(
                err.to_string().contains("KeyUnextractable"),
                "{owner}: {err}"
            );
        }
    }
}

#[test]
fn ca_init_keys_in_token_issue_crl_openssl_accepts_and_keys_stay_in_token() {
    let Some(hsm) = hsm() else { return };
    let runs = AtomicUsize::new(0);
    each_backend(|location| {
        let n = runs.fetch_add(1, Ordering::SeqCst);
        let label = BACKEND_TOKENS[n].to_string();
        let run_dir = tempfile::tempdir_in(hsm.dir.path()).expect("run directory");
        let r = Run {
            hsm,
            location: location.to_string(),
            dir: run_dir.path().to_path_buf(),
            label: label.clone(),
        };
        fs::write(r.file("pin.txt"), format!("{PIN}\n")).expect("pin");
        fs::write(r.file("wrong-pin.txt"), "0000\n").expect("pin");

        // --kek-in-token without a token is refused before anything is made.
        let no_token = r.smime_with(&[], &["store", "init", "--kek-in-token"]);
        no_token.assert_code(2);
        assert!(no_token.stderr.contains("--token"), "{no_token}");

        let init = r.smime(&["store", "init", "--kek-in-token"]);
        init.assert_ok();
        assert!(init.stderr.contains("PKCS#11 token"), "{init}");

        let ca_init = r.smime(&[
            "ca",
            "init",
            "--name",
            "Token Org",
            "--domain",
            "example.org",
            "--keys-in-token",
        ]);
        ca_init.assert_ok();
        assert!(
            ca_init
                .stderr
                .contains(&format!("key in PKCS#11 token {label:?}")),
            "{ca_init}"
        );

        r.write_chain(|args| r.smime(args));
        // P-384 keys made in the token, signing with ECDSA-SHA384 (RFC 5758 3.2).
        let text = openssl(&r.dir, &["x509", "-in", "inter.pem", "-noout", "-text"]);
        text.assert_ok();
        let text = text.stdout_text();
        assert!(text.contains("ecdsa-with-SHA384"), "{text}");
        assert!(text.contains("NIST CURVE: P-384"), "{text}");

        // The issuing CA signs a person's pair inside the token.
        r.smime(&[
            "ca",
            "issue",
            "--email",
            "alice@example.org",
            "--name",
            "Alice Example",
            "--out",
            path(&r.file("alice.pem")),
        ])
        .assert_ok();
        let certs = pem_blocks(&fs::read_to_string(r.file("alice.pem")).expect("alice"));
        assert_eq!(certs.len(), 2, "{certs:?}");
        fs::write(r.file("alice-sign.pem"), &certs[0]).expect("write");
        let verified = verify_chain(&r.dir, "alice-sign.pem");
        verified.assert_ok();
        assert!(
            verified.stdout_text().contains("alice-sign.pem: OK"),
            "{verified}"
        );

        // Her key is sealed under the token's AES key: sign --from opens it.
        r.assert_alice_signs(|args| r.smime(args), "Signed under a token KEK.");

        // The CRL, signed in the token, verifies against the issuing CA.
        r.smime(&["ca", "crl", "--out", path(&r.file("ca.crl"))])
            .assert_ok();
        let crl = openssl(
            &r.dir,
            &[
                "crl",
                "-inform",
                "DER",
                "-in",
                "ca.crl",
                "-CAfile",
                "chain.pem",
                "-noout",
                "-verify",
            ],
        );
        crl.assert_ok();
        assert!(crl.stderr.contains("verify OK"), "{crl}");

        // `ca serve`: the CA, signing in the token, issues its OCSP responder at start-up.
        let listen = free_local_address();
        let flags = r.token_flags();
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        let _served = serve(
            &mut r.command(&flags, &["ca", "serve", "--listen", &listen]),
            &listen,
        );
        let url = format!("http://{listen}/ocsp");
        let text = ocsp_delegated_text(
            &r.file("inter.pem"),
            &r.file("alice-sign.pem"),
            &url,
            &r.file("root.pem"),
        );
        assert!(text.contains("alice-sign.pem: good"), "{text}");

        // `lifecycle run` renews a certificate due within the window from the token CA.
        assert_lifecycle_renews_bob(|args| r.smime(args));

        // Both CA keys are token rows (no sealed blob) and do not leave the token.
        assert_keys_stay_in_token(
            location,
            &label,
            &[("ca:root", 1), ("ca:intermediate-1", 1)],
        );

        // Without the token flags the store does not open, and the message names them.
        let bare = r.smime_with(
            &[],
            &["ca", "issue", "--email", "bob@example.org", "--name", "Bob"],
        );
        bare.assert_code(2);
        assert!(
            bare.stderr.contains("--pin-file") && bare.stderr.contains("--token"),
            "{bare}"
        );
        assert!(bare.stderr.contains(&label), "{bare}");

        // A wrong PIN is named as such, with the file it came from.
        let wrong = r.smime_with(
            &[
                "--token",
                &label,
                "--pin-file",
                path(&r.file("wrong-pin.txt")),
            ],
            &["ca", "issue", "--email", "bob@example.org", "--name", "Bob"],
        );
        wrong.assert_code(2);
        assert!(
            wrong.stderr.contains("wrong PIN") && wrong.stderr.contains("wrong-pin.txt"),
            "{wrong}"
        );
    });
}

#[test]
fn ca_init_keys_in_token_rsa3072_issues_openssl_verifies() {
    let Some(hsm) = hsm() else { return };
    let label = RSA_TOKEN;
    let (r, _run_dir) = Run::passphrase(hsm, label);
    let pass = r.file("pass.txt");
    // A passphrase store whose CA keys are in the token: --token names it.
    r.smime_pass(&["store", "init"]).assert_ok();
    r.smime_pass(&[
        "ca",
        "init",
        "--name",
        "RSA Token Org",
        "--domain",
        "example.org",
        "--key-algorithm",
        "rsa3072",
        "--keys-in-token",
    ])
    .assert_ok();
    r.write_chain(|args| r.smime(args));
    r.smime(&[
        "--passphrase-file",
        path(&pass),
        "ca",
        "issue",
        "--email",
        "carol@example.org",
        "--usage",
        "sign",
        "--out",
        path(&r.file("carol.pem")),
    ])
    .assert_ok();
    let text = openssl(&r.dir, &["x509", "-in", "inter.pem", "-noout", "-text"]);
    assert!(
        text.stdout_text().contains("Public-Key: (3072 bit)"),
        "{text}"
    );
    let verified = verify_chain(&r.dir, "carol.pem");
    verified.assert_ok();
    assert!(
        verified.stdout_text().contains("carol.pem: OK"),
        "{verified}"
    );
    // Without --token the passphrase store opens but the CA key's token is not open.
    let no_token = r.smime_with(
        &["--passphrase-file", path(&pass)],
        &[
            "ca",
            "issue",
            "--email",
            "dan@example.org",
            "--usage",
            "sign",
        ],
    );
    no_token.assert_code(2);
    assert!(no_token.stderr.contains("not open"), "{no_token}");
}

#[test]
fn ca_issue_key_in_token_signs_decrypts_and_key_stays_in_token() {
    let Some(hsm) = hsm() else { return };
    let label = SUBSCRIBER_TOKEN;
    let (r, _run_dir) = Run::passphrase(hsm, label);
    fs::write(r.file("p12pass.txt"), "export password\n").expect("pass");
    let smime = |args: &[&str]| r.smime_pass(args);
    // A passphrase store with a software CA; only the subscribers' keys go into the token.
    smime(&["store", "init"]).assert_ok();
    smime(&["ca", "init", "--name", "HSM Org", "--domain", "example.org"]).assert_ok();
    r.write_chain(smime);
    // --token with a wrong PIN: opened (and refused) only once the store keeps keys there.
    fs::write(r.file("wrong-pin.txt"), "0000\n").expect("pin");
    let (pass, wrong_pin) = (r.file("pass.txt"), r.file("wrong-pin.txt"));
    let wrong_pin_flags = [
        "--passphrase-file",
        path(&pass),
        "--token",
        label,
        "--pin-file",
        path(&wrong_pin),
    ];
    let carol = [
        "ca",
        "issue",
        "--email",
        "carol@example.org",
        "--usage",
        "sign",
    ];
    r.smime_with(&wrong_pin_flags, &carol).assert_ok();

    // The key never leaves the token: PKCS#12 delivery and a CSR's key are refused.
    for (flag, value) in [("--out-p12", "alice.p12"), ("--csr", "alice.csr")] {
        let refused = smime(&[
            "ca",
            "issue",
            "--email",
            "alice@example.org",
            "--key-in-token",
            flag,
            path(&r.file(value)),
        ]);
        refused.assert_code(2);
        assert!(
            refused.stderr.contains(flag) && refused.stderr.contains("never leaves"),
            "{refused}"
        );
    }

    // Alice's pair (EC P-256), both keys made in the token.
    let issued = smime(&[
        "ca",
        "issue",
        "--email",
        "alice@example.org",
        "--name",
        "Alice Example",
        "--key-algorithm",
        "p256",
        "--key-in-token",
        "--out",
        path(&r.file("alice.pem")),
    ]);
    issued.assert_ok();
    assert_eq!(
        issued
            .stderr
            .matches(&format!("key in PKCS#11 token {label:?}"))
            .count(),
        2,
        "{issued}"
    );
    let certs = pem_blocks(&fs::read_to_string(r.file("alice.pem")).expect("alice"));
    assert_eq!(certs.len(), 2, "{certs:?}");
    fs::write(r.file("alice-sign.pem"), &certs[0]).expect("write");
    fs::write(r.file("alice-encrypt.pem"), &certs[1]).expect("write");
    for cert in ["alice-sign.pem", "alice-encrypt.pem"] {
        verify_chain(&r.dir, cert).assert_ok();
    }
    // Bob's encryption certificate on an RSA 3072 key made in the token (key transport).
    smime(&[
        "ca",
        "issue",
        "--email",
        "bob@example.org",
        "--usage",
        "encrypt",
        "--key-algorithm",
        "rsa3072",
        "--key-in-token",
        "--out",
        path(&r.file("bob-encrypt.pem")),
    ])
    .assert_ok();

    let wrong = r.smime_with(&wrong_pin_flags, &carol);
    wrong.assert_code(2);
    assert!(wrong.stderr.contains("wrong PIN"), "{wrong}");

    // sign --from signs with the token key; openssl verifies.
    r.assert_alice_signs(smime, "Signed inside the token.");

    // openssl encrypts to each encryption certificate (ECDH, then RSA key transport);
    // smime decrypt finds the token key in the store and decrypts inside the token.
    for (who, cert) in [("alice", "alice-encrypt.pem"), ("bob", "bob-encrypt.pem")] {
        let address = format!("{who}@example.org");
        let body = format!("For {who}'s token key only.");
        fs::write(r.file("plain.eml"), plain_message(&address, &body)).expect("write");
        let encrypted = format!("{who}.enc.eml");
        openssl(
            &r.dir,
            &[
                "cms",
                "-encrypt",
                "-aes256",
                "-in",
                "plain.eml",
                "-out",
                &encrypted,
                cert,
            ],
        )
        .assert_ok();
        let decrypted = r.file(&format!("{who}.dec.eml"));
        smime(&[
            "decrypt",
            "--for",
            &address,
            "--in",
            path(&r.file(&encrypted)),
            "--out",
            path(&decrypted),
        ])
        .assert_ok();
        let text = fs::read_to_string(&decrypted).expect("decrypted");
        assert!(text.contains(&body), "{who}: {text}");
    }

    // The keys are token rows (no sealed blob), and the token refuses to give them out.
    assert_keys_stay_in_token(
        &r.location,
        label,
        &[("alice@example.org", 2), ("bob@example.org", 1)],
    );

    // store export of the address is refused and names the token.
    let export = smime(&[
        "store",
        "export",
        "alice@example.org",
        "--out",
        path(&r.file("alice-export.p12")),
        "--password-file",
        path(&r.file("p12pass.txt")),
    ]);
    export.assert_code(2);
    assert!(
        export.stderr.contains(&format!("PKCS#11 token {label:?}")),
        "{export}"
    );
    assert!(!r.file("alice-export.p12").exists(), "{export}");

    // Backup, then restore into a new store: the token rows come back and still decrypt.
    let archive = r.file("store.backup");
    smime(&["store", "backup", "--out", path(&archive)]).assert_ok();
    let restored = Run {
        hsm,
        location: r.file("restored.sqlite").display().to_string(),
        dir: r.dir.clone(),
        label: label.to_string(),
    };
    restored.smime_pass(&["store", "init"]).assert_ok();
    restored
        .smime_pass(&["store", "restore", "--in", path(&archive)])
        .assert_ok();
    let decrypted = r.file("restored.dec.eml");
    restored
        .smime_pass(&[
            "decrypt",
            "--for",
            "alice@example.org",
            "--in",
            path(&r.file("alice.enc.eml")),
            "--out",
            path(&decrypted),
        ])
        .assert_ok();
    let text = fs::read_to_string(&decrypted).expect("decrypted");
    assert!(text.contains("For alice's token key only."), "{text}");
    assert_keys_stay_in_token(
        &restored.location,
        label,
        &[("alice@example.org", 2), ("bob@example.org", 1)],
    );
}

//! `smime ca init | chain | issue` with the CA kept in the store, end to end through the
//! binary on SQLite and PostgreSQL: the issued certificates are checked by `openssl verify
//! -purpose smimesign|smimeencrypt`, mail signed with `sign --from` by `openssl cms
//! -verify`, the revocation by `openssl crl`, and `lifecycle run` renews from the store's
//! CA without CA files.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use smime_store::testing::each_backend;

const PASSPHRASE: &str = "ca test passphrase";

struct Ca {
    location: String,
    dir: PathBuf,
    pass: PathBuf,
}

impl Ca {
    fn smime(&self, args: &[&str]) -> Outcome {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_smime"));
        cmd.env("SMIME_STORE", &self.location)
            .env("SMIME_ACTOR", "admin")
            .env("SMIME_PASSPHRASE_FILE", &self.pass)
            .env_remove("SMIME_KEY_FILE")
            .args(args);
        run(&mut cmd)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The PEM blocks of `pem`, each as its own PEM text.
fn pem_blocks(pem: &str) -> Vec<String> {
    pem.split_inclusive("-----END CERTIFICATE-----\n")
        .filter(|b| b.contains("BEGIN CERTIFICATE"))
        .map(|b| b.trim_start().to_string())
        .collect()
}

fn openssl(args: &[&str]) -> Outcome {
    run(Command::new("openssl").args(args))
}

#[test]
fn ca_init_issue_sign_revoke_renew_openssl_accepts() {
    if !require_peer("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    each_backend(|location| {
        let run_dir = tempfile::tempdir_in(dir.path()).unwrap();
        let pass = run_dir.path().join("pass.txt");
        fs::write(&pass, format!("{PASSPHRASE}\n")).unwrap();
        let ca = Ca {
            location: location.to_string(),
            dir: run_dir.path().to_path_buf(),
            pass,
        };
        ca.smime(&["store", "init"]).assert_ok();

        // No CA yet: issuing says how to make one.
        let none = ca.smime(&["ca", "issue", "--email", "alice@example.org"]);
        none.assert_code(2);
        assert!(none.stderr.contains("smime ca init"), "{none}");

        ca.smime(&[
            "ca",
            "init",
            "--name",
            "Example Org",
            "--domain",
            "example.org",
            "--name-constraints",
        ])
        .assert_ok();
        let again = ca.smime(&["ca", "init", "--name", "Other", "--domain", "example.org"]);
        again.assert_code(2);
        assert!(again.stderr.contains("already has a CA"), "{again}");

        // The chain: issuing CA first, root last.
        let chain = ca.file("chain.pem");
        ca.smime(&["ca", "chain", "--out", path(&chain)])
            .assert_ok();
        let blocks = pem_blocks(&fs::read_to_string(&chain).unwrap());
        assert_eq!(blocks.len(), 2, "{blocks:?}");
        let (inter, root) = (ca.file("inter.pem"), ca.file("root.pem"));
        fs::write(&inter, &blocks[0]).unwrap();
        fs::write(&root, &blocks[1]).unwrap();

        // A person gets two certificates: to sign, then to encrypt.
        let alice = ca.file("alice.pem");
        let issued = ca.smime(&[
            "ca",
            "issue",
            "--email",
            "alice@example.org",
            "--name",
            "Alice Example",
            "--profile",
            "mailbox-strict",
            "--out",
            path(&alice),
            "--json",
        ]);
        issued.assert_ok();
        let report = issued.json();
        let usages: Vec<&str> = report
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["usage"].as_str().unwrap())
            .collect();
        assert_eq!(usages, ["sign", "encrypt"], "{report}");
        let certs = pem_blocks(&fs::read_to_string(&alice).unwrap());
        assert_eq!(certs.len(), 2);
        let (sign_cert, enc_cert) = (ca.file("alice-sign.pem"), ca.file("alice-enc.pem"));
        fs::write(&sign_cert, &certs[0]).unwrap();
        fs::write(&enc_cert, &certs[1]).unwrap();
        // The encryption certificate has a P-384 key with keyAgreement only (BR 7.1.2.3(e)
        // forbids keyEncipherment for EC keys); OpenSSL's smimeencrypt purpose insists on
        // keyEncipherment, so the chain is checked with `any` there; mail encrypted to it
        // is opened below from the store.
        for (cert, purpose, wanted) in [
            (&sign_cert, "smimesign", true),
            (&enc_cert, "any", true),
            (&enc_cert, "smimesign", false),
            (&sign_cert, "smimeencrypt", false),
        ] {
            let o = openssl(&[
                "verify",
                "-purpose",
                purpose,
                "-CAfile",
                path(&root),
                "-untrusted",
                path(&inter),
                path(cert),
            ]);
            assert_eq!(o.ok(), wanted, "{purpose}: {o}");
        }

        // Outside the CA's domains, and a legacy profile: refused, exit 2.
        let foreign = ca.smime(&["ca", "issue", "--email", "mallory@example.com"]);
        foreign.assert_code(2);
        assert!(foreign.stderr.contains("example.com"), "{foreign}");
        let legacy = ca.smime(&[
            "ca",
            "issue",
            "--email",
            "bob@example.org",
            "--profile",
            "mailbox-legacy",
        ]);
        legacy.assert_code(2);

        // A CSR: the requester's P-256 key certified, proof of possession checked; a request
        // whose signature no longer verifies is refused.
        let (csr_key, csr) = (ca.file("carol.key"), ca.file("carol.csr"));
        assert!(openssl(&[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            path(&csr_key),
            "-subj",
            "/CN=carol",
            "-out",
            path(&csr),
        ])
        .ok());
        let carol = ca.file("carol.pem");
        ca.smime(&[
            "ca",
            "issue",
            "--email",
            "carol@example.org",
            "--csr",
            path(&csr),
            "--usage",
            "sign",
            "--out",
            path(&carol),
        ])
        .assert_ok();
        let o = openssl(&[
            "verify",
            "-purpose",
            "smimesign",
            "-CAfile",
            path(&root),
            "-untrusted",
            path(&inter),
            path(&carol),
        ]);
        assert!(o.ok(), "{o}");
        let mut der = openssl(&["req", "-in", path(&csr), "-outform", "DER"]).stdout;
        let last = der.len() - 1;
        der[last] ^= 1;
        let bad = ca.file("bad.csr");
        fs::write(&bad, &der).unwrap();
        let refused = ca.smime(&[
            "ca",
            "issue",
            "--email",
            "carol@example.org",
            "--csr",
            path(&bad),
            "--usage",
            "sign",
        ]);
        refused.assert_code(2);
        assert!(refused.stderr.contains("bad.csr"), "{refused}");

        // PKCS#12 delivery of a CA-made key: openssl reads it with the password given.
        let (p12, p12_pass) = (ca.file("dave.p12"), ca.file("p12-pass.txt"));
        fs::write(&p12_pass, "dave's password\n").unwrap();
        ca.smime(&[
            "ca",
            "issue",
            "--email",
            "dave@example.org",
            "--usage",
            "both",
            "--out-p12",
            path(&p12),
            "--password-file",
            path(&p12_pass),
        ])
        .assert_ok();
        let o = openssl(&[
            "pkcs12",
            "-in",
            path(&p12),
            "-passin",
            &format!("file:{}", path(&p12_pass)),
            "-nodes",
        ]);
        assert!(o.ok(), "{o}");
        let text = o.stdout_text();
        assert!(
            text.contains("PRIVATE KEY") && text.contains("dave@example.org"),
            "{text}"
        );

        // sign --from: the key the CA made, from the store; openssl verifies to the root.
        let plain = ca.file("plain.eml");
        fs::write(
            &plain,
            plain_message("alice@example.org", "from the CA's key"),
        )
        .unwrap();
        let signed = ca.file("signed.eml");
        ca.smime(&[
            "sign",
            "--from",
            "alice@example.org",
            "--in",
            path(&plain),
            "--out",
            path(&signed),
        ])
        .assert_ok();
        let o = openssl(&[
            "cms",
            "-verify",
            "-purpose",
            "smimesign",
            "-CAfile",
            path(&root),
            "-in",
            path(&signed),
        ]);
        assert!(o.ok(), "{o}");
        assert!(o.stdout_text().contains("from the CA's key"), "{o}");

        // encrypt --to the address, decrypt from the store's keys.
        let encrypted = ca.file("encrypted.eml");
        ca.smime(&[
            "encrypt",
            "--to",
            "alice@example.org",
            "--in",
            path(&plain),
            "--out",
            path(&encrypted),
        ])
        .assert_ok();
        let opened = ca.file("opened.eml");
        ca.smime(&[
            "decrypt",
            "--for",
            "alice@example.org",
            "--in",
            path(&encrypted),
            "--out",
            path(&opened),
        ])
        .assert_ok();
        assert!(fs::read_to_string(&opened)
            .unwrap()
            .contains("from the CA's key"));

        // Revoke alice with the store's CA; the CRL verifies and names the reason.
        let crl = ca.file("ca.crl");
        ca.smime(&[
            "ca",
            "revoke",
            "--email",
            "alice@example.org",
            "--reason",
            "keyCompromise",
            "--crl-out",
            path(&crl),
        ])
        .assert_ok();
        let o = openssl(&[
            "crl",
            "-inform",
            "DER",
            "-in",
            path(&crl),
            "-CAfile",
            path(&chain),
            "-noout",
            "-text",
        ]);
        assert!(o.ok(), "{o}");
        assert!(o.stderr.contains("verify OK"), "{o}");
        assert_eq!(
            o.stdout_text().matches("Key Compromise").count(),
            2,
            "both of alice's certificates: {o}"
        );

        // `ca serve` from the store's CA (no files): responses signed by a delegated
        // responder the CA issues at start-up.
        let listen = free_local_address();
        let _served = serve(
            Command::new(env!("CARGO_BIN_EXE_smime"))
                .env("SMIME_STORE", &ca.location)
                .env("SMIME_ACTOR", "admin")
                .env("SMIME_PASSPHRASE_FILE", &ca.pass)
                .args(["ca", "serve", "--listen", &listen]),
            &listen,
        );
        let url = format!("http://{listen}/ocsp");
        let text = ocsp_delegated_text(&inter, &sign_cert, &url, &root);
        assert!(text.contains(": revoked"), "{text}");

        // A certificate due within the window is renewed from the store's CA (no files).
        assert_lifecycle_renews_bob(|args| ca.smime(args));
        let second = ca.smime(&["lifecycle", "run", "--json"]);
        second.assert_ok();
        assert_eq!(second.json()["renewed"].as_array().unwrap().len(), 0);
    });
}

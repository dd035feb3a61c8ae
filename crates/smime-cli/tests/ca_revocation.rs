//! `smime ca revoke | crl | serve` through the binary on a store (SQLite, and PostgreSQL
//! with the test cluster): leaves of an issuing CA made with `openssl` are imported, one is
//! revoked; `openssl crl -verify` reads the CRL, `openssl ocsp` asks the running `smime ca
//! serve`, and `smime cert verify` / `smime verify` see the revocation through it.

mod common;

#[path = "../../smime-ca/tests/openssl_ca/mod.rs"]
mod openssl_ca;

use std::path::Path;
use std::process::Command;

use common::{free_local_address, require_peer, run, serve, Outcome};
use openssl_ca::{issuing_ca_with_responder, leaf, pki};
use smime_ca::revocation_status::Serial;
use smime_store::testing::each_backend;

/// `smime ARGS` in `dir` on the store at `location` as `admin`.
fn smime_on(location: &str, dir: &Path, args: &[&str]) -> Outcome {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_smime"));
    cmd.env("SMIME_STORE", location)
        .env("SMIME_ACTOR", "admin")
        .env_remove("SMIME_PASSPHRASE_FILE")
        .env_remove("SMIME_KEY_FILE")
        .current_dir(dir)
        .args(args);
    run(&mut cmd)
}

fn openssl(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `openssl crl -verify` and the text of the DER CRL `file`.
fn crl_text(dir: &Path, file: &str) -> String {
    openssl(
        dir,
        &[
            "crl", "-inform", "DER", "-in", file, "-CAfile", "ca.pem", "-noout", "-text",
        ],
    )
}

#[test]
fn ca_revoke_crl_serve_seen_by_openssl_crl_and_ocsp() {
    if !require_peer("openssl") {
        return;
    }
    let pki = pki::Pki::new();
    let ca = issuing_ca_with_responder(&pki);
    // The server's address is chosen first: the leaves name it (CRL DP, AIA OCSP).
    let listen = free_local_address();
    let id = smime_ca::serve::ca_url_id(&ca);
    let leaf_of = |name: &str| {
        leaf(
            &pki,
            name,
            &format!(
                "subjectAltName=email:{name}@example.org\nextendedKeyUsage=emailProtection\n\
                 crlDistributionPoints=URI:http://{listen}/crl/{id}.crl\n\
                 authorityInfoAccess=OCSP;URI:http://{listen}/ocsp\n"
            ),
        )
    };
    let alice = leaf_of("alice");
    let bob = leaf_of("bob");
    let dir = pki.dir();
    for name in ["alice", "bob"] {
        pki.write(
            &format!("{name}.eml"),
            &common::plain_message(&format!("{name}@example.org"), "revocation test\n"),
        );
    }
    pki.write("pass.txt", b"correct horse battery staple\n");
    let bob_serial = Serial::from_serial_number(&bob.tbs_certificate.serial_number).to_hex();
    let alice_serial = Serial::from_serial_number(&alice.tbs_certificate.serial_number).to_hex();
    each_backend(|location| {
        let smime = |args: &[&str]| smime_on(location, dir, args);
        smime(&["store", "init", "--passphrase-file", "pass.txt"]).assert_ok();
        smime(&["store", "import", "alice.pem"]).assert_ok();
        smime(&["store", "import", "bob.pem"]).assert_ok();

        let revoke = |serial: &str, reason: &str, extra: &[&str]| {
            let mut args = vec![
                "ca",
                "revoke",
                "--ca-cert",
                "ca.pem",
                "--serial",
                serial,
                "--reason",
                reason,
            ];
            args.extend_from_slice(extra);
            smime(&args)
        };
        // Bad input first: nothing changes.
        let o = revoke(&bob_serial, "certificateHold", &[]);
        o.assert_code(2);
        assert!(o.stderr.contains("certificateHold"), "{}", o.stderr);
        revoke("0badc0de", "keyCompromise", &[]).assert_code(2);

        // The serial as the argument, as `smime ca revoke SERIAL --reason R` reads; with
        // --serial as well it is a usage error.
        let revoke_bob = |extra: &[&str]| {
            let mut args = vec!["ca", "revoke", "--ca-cert", "ca.pem", &bob_serial];
            args.extend_from_slice(extra);
            smime(&args)
        };
        revoke_bob(&["--serial", &bob_serial, "--reason", "keyCompromise"]).assert_code(2);
        revoke_bob(&[
            "--reason",
            "keyCompromise",
            "--ca-key",
            "ca.key",
            "--crl-out",
            "ca.crl",
        ])
        .assert_ok();
        let report = crl_text(dir, "ca.crl");
        assert!(report.contains("verify OK"), "{report}");
        assert!(
            report.contains(&format!("Serial Number: {}", bob_serial.to_uppercase())),
            "{report}"
        );
        assert!(report.contains("Key Compromise"), "{report}");
        assert!(!report.contains(&alice_serial.to_uppercase()), "{report}");
        smime(&[
            "ca",
            "crl",
            "--ca-cert",
            "ca.pem",
            "--ca-key",
            "ca.key",
            "--out",
            "again.crl",
        ])
        .assert_ok();
        let again = crl_text(dir, "again.crl");
        assert!(again.contains(&bob_serial.to_uppercase()), "{again}");

        let _served = serve(
            Command::new(env!("CARGO_BIN_EXE_smime"))
                .env("SMIME_STORE", location)
                .env("SMIME_ACTOR", "admin")
                .current_dir(dir)
                .args([
                    "ca",
                    "serve",
                    "--listen",
                    &listen,
                    "--ca-cert",
                    "ca.pem",
                    "--ca-key",
                    "ca.key",
                    "--responder-cert",
                    "responder.pem",
                    "--responder-key",
                    "responder.key",
                ]),
            &listen,
        );
        let url = format!("http://{listen}/ocsp");
        for (name, expected) in [("bob", "bob.pem: revoked"), ("alice", "alice.pem: good")] {
            let cert = format!("{name}.pem");
            let report = openssl(
                dir,
                &[
                    "ocsp", "-issuer", "ca.pem", "-cert", &cert, "-url", &url, "-CAfile",
                    "root.pem",
                ],
            );
            assert!(report.contains(expected), "{report}");
            assert!(report.contains("Response verify OK"), "{report}");
        }

        // smime itself sees the revocation: the certificate (OCSP from its AIA) and a
        // signed message (the responder given).
        let cert_verify = |cert: &str| {
            smime(&[
                "cert",
                "verify",
                "--trust",
                "root.pem",
                "--untrusted",
                "ca.pem",
                cert,
            ])
        };
        let o = cert_verify("bob.pem");
        o.assert_code(1);
        assert!(
            format!("{}{}", o.stdout_text(), o.stderr).contains("revoked"),
            "{}",
            o.stderr
        );
        cert_verify("alice.pem").assert_ok();
        for (name, code) in [("bob", 1), ("alice", 0)] {
            let (cert, key, input, signed) = (
                format!("{name}.pem"),
                format!("{name}.key"),
                format!("{name}.eml"),
                format!("{name}-signed.eml"),
            );
            smime(&[
                "sign", "--cert", &cert, "--key", &key, "--chain", "ca.pem", "--in", &input,
                "--out", &signed,
            ])
            .assert_ok();
            let o = smime(&[
                "verify",
                "--trust",
                "root.pem",
                "--ocsp-url",
                &url,
                "--in",
                &signed,
            ]);
            o.assert_code(code);
            if code == 1 {
                assert!(
                    format!("{}{}", o.stdout_text(), o.stderr).contains("revoked"),
                    "{}",
                    o.stderr
                );
            }
        }
    });
}

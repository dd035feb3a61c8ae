//! `smime cert verify`: the path, the first rule that failed (RFC 5280 path rules, RFC 8550
//! mail rules, name constraints on email addresses), JSON and exit codes; `openssl verify`
//! must agree on the plain cases. Also the same validator in `smime verify` (signing time
//! or now) and `smime encrypt --trust`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{pki_in_temp_dir, run, smime, Alg, Outcome, Pki};
use serde_json::Value;

const LEAF_SIGN: &str = "basicConstraints=critical,CA:FALSE\n\
                         keyUsage=critical,digitalSignature,nonRepudiation\n\
                         extendedKeyUsage=emailProtection\n";

fn s(path: &Path) -> String {
    path.display().to_string()
}

/// `smime cert verify --json ARGS...`, with the exit code checked against `status`.
fn cert_verify_json(args: &[&str], code: i32) -> Value {
    let mut all = vec!["cert", "verify", "--json"];
    all.extend_from_slice(args);
    let o = smime(&all);
    o.assert_code(code);
    let report = o.json();
    assert_eq!(report["valid"], code == 0, "{o}");
    assert_eq!(
        report["status"],
        if code == 0 { "valid" } else { "invalid" },
        "{o}"
    );
    report
}

fn failed_rule_id(report: &Value) -> String {
    report["failed_rule"]["id"]
        .as_str()
        .unwrap_or("none")
        .to_string()
}

/// `openssl verify` with the root as CAfile and the intermediate as untrusted.
fn openssl_verify(pki: &Pki, leaf: &Path, extra: &[&str]) -> Outcome {
    run(Command::new("openssl")
        .arg("verify")
        .args(extra)
        .arg("-CAfile")
        .arg(&pki.root)
        .arg("-untrusted")
        .arg(&pki.intermediate)
        .arg(leaf))
}

/// A leaf under the common intermediate.
fn leaf(pki: &Pki, name: &str, subject: &str, extensions: &str) -> PathBuf {
    pki.issue_certificate(
        Alg::P256,
        name,
        subject,
        extensions,
        (&pki.intermediate, &pki.intermediate_key),
    )
}

#[test]
fn cert_verify_valid_path_is_exit_0_with_path_in_json() {
    let Some((_dir, pki)) = pki_in_temp_dir("cert-verify-") else {
        return;
    };
    let alice = pki.leaf(Alg::P256);
    let (root, int, cert) = (s(&pki.root), s(&pki.intermediate), s(&alice.cert));
    let report = cert_verify_json(&["--trust", &root, "--untrusted", &int, &cert], 0);
    assert_eq!(report["purpose"], "any");
    assert_eq!(report["failed_rule"], Value::Null);
    let path = report["path"].as_array().unwrap();
    let subjects: Vec<&str> = path
        .iter()
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    assert_eq!(
        subjects,
        [
            "EMAIL=p256@example.com,CN=p256,O=smime tests",
            "CN=smime Test Intermediate CA,O=smime tests",
            "CN=smime Test Root CA,O=smime tests"
        ]
    );
    assert_eq!(path[0]["issuer"], path[1]["subject"]);
    // Serial and fingerprint as openssl prints them.
    let out = run(Command::new("openssl").args([
        "x509",
        "-noout",
        "-serial",
        "-fingerprint",
        "-sha256",
        "-in",
        &cert,
    ]));
    let text = out.stdout_text();
    let serial = text.lines().next().unwrap().trim_start_matches("serial=");
    assert_eq!(path[0]["serial"].as_str().unwrap(), serial.to_lowercase());
    let fingerprint = text.lines().nth(1).unwrap().rsplit('=').next().unwrap();
    assert_eq!(
        path[0]["sha256"].as_str().unwrap(),
        fingerprint.replace(':', "").to_lowercase()
    );
    assert!(path[0]["not_after"].as_str().unwrap().ends_with('Z'));
    // Signing: valid too; openssl agrees, also for the S/MIME signing purpose.
    cert_verify_json(
        &[
            "--trust",
            &root,
            "--untrusted",
            &int,
            "--purpose",
            "sign",
            &cert,
        ],
        0,
    );
    openssl_verify(&pki, &alice.cert, &["-purpose", "smimesign"]).assert_ok();
    // The text report names the path.
    let o = smime(&[
        "cert",
        "verify",
        "--trust",
        &root,
        "--untrusted",
        &int,
        &cert,
    ]);
    o.assert_ok();
    assert!(o.stdout_text().contains("Status: valid"), "{o}");
    assert!(o.stdout_text().contains("2: CN=smime Test Root CA"), "{o}");
}

#[test]
fn cert_verify_missing_intermediate_or_other_anchor_is_exit_1_like_openssl() {
    let Some((_dir, pki)) = pki_in_temp_dir("cert-verify-") else {
        return;
    };
    let alice = pki.leaf(Alg::Rsa);
    let (root, cert) = (s(&pki.root), s(&alice.cert));
    let report = cert_verify_json(&["--trust", &root, &cert], 1);
    assert_eq!(failed_rule_id(&report), "issuer_not_found", "{report}");
    assert_eq!(report["failed_rule"]["certificate_index"], 0);
    assert!(report["failed_rule"]["rfc_section"]
        .as_str()
        .unwrap()
        .starts_with("RFC 5280 6.1"));
    let o = run(Command::new("openssl").args(["verify", "-CAfile", &root, &cert]));
    assert!(!o.ok(), "openssl must fail too: {o}");
    // The intermediate as the only anchor is enough (a trust anchor need not be a root).
    cert_verify_json(&["--trust", &s(&pki.intermediate), &cert], 0);
    let o = run(Command::new("openssl").args([
        "verify",
        "-partial_chain",
        "-CAfile",
        &s(&pki.intermediate),
        &cert,
    ]));
    o.assert_ok();
}

#[test]
fn cert_verify_at_after_expiry_is_validity_failure_like_openssl() {
    let Some((_dir, pki)) = pki_in_temp_dir("cert-verify-") else {
        return;
    };
    let alice = pki.leaf(Alg::P256);
    let (root, int, cert) = (s(&pki.root), s(&pki.intermediate), s(&alice.cert));
    // Every certificate of the PKI is valid for 3650 days: 20 years on, none is.
    let later = "2046-01-01T00:00:00Z";
    let report = cert_verify_json(
        &["--trust", &root, "--untrusted", &int, "--at", later, &cert],
        1,
    );
    assert_eq!(failed_rule_id(&report), "validity", "{report}");
    assert_eq!(report["time"], later);
    let o = openssl_verify(&pki, &alice.cert, &["-attime", "2398291200"]);
    assert!(!o.ok(), "openssl must fail too: {o}");
    // A time before the certificates existed.
    let report = cert_verify_json(
        &[
            "--trust",
            &root,
            "--untrusted",
            &int,
            "--at",
            "2001-01-01T00:00:00Z",
            &cert,
        ],
        1,
    );
    assert_eq!(failed_rule_id(&report), "validity", "{report}");
}

#[test]
fn cert_verify_wrong_eku_fails_mail_rule_like_openssl_smime_purpose() {
    let Some((_dir, pki)) = pki_in_temp_dir("cert-verify-") else {
        return;
    };
    let cert = leaf(
        &pki,
        "tls",
        "/CN=tls",
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n\
         subjectAltName=email:tls@example.com\n",
    );
    let (root, int) = (s(&pki.root), s(&pki.intermediate));
    let report = cert_verify_json(&["--trust", &root, "--untrusted", &int, &s(&cert)], 1);
    assert_eq!(
        failed_rule_id(&report),
        "mail_extended_key_usage",
        "{report}"
    );
    assert_eq!(report["failed_rule"]["rfc_section"], "RFC 8550 4.4.4");
    assert_eq!(report["failed_rule"]["subject"], "CN=tls");
    // The path itself is fine: reported in full.
    assert_eq!(report["path"].as_array().unwrap().len(), 3);
    openssl_verify(&pki, &cert, &[]).assert_ok();
    let o = openssl_verify(&pki, &cert, &["-purpose", "smimesign"]);
    assert!(!o.ok(), "openssl's S/MIME purpose refuses it too: {o}");
}

#[test]
fn cert_verify_key_usage_per_purpose() {
    let Some((_dir, pki)) = pki_in_temp_dir("cert-verify-") else {
        return;
    };
    let (root, int) = (s(&pki.root), s(&pki.intermediate));
    let signing = s(&pki.leaf(Alg::P256).cert);
    let base = ["--trust", root.as_str(), "--untrusted", int.as_str()];
    let with = |extra: &[&str], cert: &str, code| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        args.push(cert);
        cert_verify_json(&args, code)
    };
    let report = with(&["--purpose", "encrypt"], &signing, 1);
    assert_eq!(failed_rule_id(&report), "mail_key_usage", "{report}");
    assert_eq!(report["failed_rule"]["rfc_section"], "RFC 8550 4.4.2");
    assert!(report["failed_rule"]["message"]
        .as_str()
        .unwrap()
        .contains("keyAgreement"));
    with(&["--purpose", "sign"], &signing, 0);
    let encrypting = s(&leaf(
        &pki,
        "ecdh",
        "/CN=ecdh",
        "keyUsage=critical,keyAgreement\nextendedKeyUsage=emailProtection\n",
    ));
    with(&["--purpose", "encrypt"], &encrypting, 0);
    let report = with(&["--purpose", "sign"], &encrypting, 1);
    assert_eq!(failed_rule_id(&report), "mail_key_usage", "{report}");
    with(&[], &encrypting, 0);
    // A usage that serves neither: not fit for S/MIME at all.
    let crl_only = s(&leaf(
        &pki,
        "crl-only",
        "/CN=crl-only",
        "keyUsage=critical,cRLSign\n",
    ));
    let report = with(&[], &crl_only, 1);
    assert_eq!(failed_rule_id(&report), "mail_key_usage", "{report}");
}

#[test]
fn cert_verify_email_binding_san_subject_utf8_and_idn() {
    let Some((_dir, pki)) = pki_in_temp_dir("cert-verify-") else {
        return;
    };
    let (root, int) = (s(&pki.root), s(&pki.intermediate));
    let check = |cert: &Path, email: &str, code| {
        cert_verify_json(
            &[
                "--trust",
                &root,
                "--untrusted",
                &int,
                "--email",
                email,
                &s(cert),
            ],
            code,
        )
    };
    let alice = pki.leaf(Alg::P256);
    let report = check(&alice.cert, "p256@EXAMPLE.com", 0);
    assert_eq!(report["email"], "p256@EXAMPLE.com");
    let report = check(&alice.cert, "P256@example.com", 1);
    assert_eq!(failed_rule_id(&report), "mail_address_binding", "{report}");
    assert_eq!(report["failed_rule"]["rfc_section"], "RFC 8550 3");

    // The address in the subject only (legacy emailAddress).
    let subject_only = leaf(
        &pki,
        "subj",
        "/CN=subj/emailAddress=subj@example.org",
        LEAF_SIGN,
    );
    check(&subject_only, "subj@example.org", 0);
    // The subject's address does not count when the SAN has one.
    let both = leaf(
        &pki,
        "both",
        "/CN=both/emailAddress=old@example.org",
        &format!("{LEAF_SIGN}subjectAltName=email:new@example.org\n"),
    );
    check(&both, "new@example.org", 0);
    let report = check(&both, "old@example.org", 1);
    assert_eq!(failed_rule_id(&report), "mail_address_binding", "{report}");

    // SmtpUTF8Mailbox (RFC 8398) with a U-label domain, matched by an A-label address too.
    let utf8 = leaf(
        &pki,
        "utf8",
        "/CN=utf8",
        &format!(
            "{LEAF_SIGN}subjectAltName=@alt\n[alt]\n\
             otherName.1=1.3.6.1.5.5.7.8.9;FORMAT:UTF8,UTF8:j\u{fc}rgen@b\u{fc}cher.example\n"
        ),
    );
    check(&utf8, "j\u{fc}rgen@b\u{fc}cher.example", 0);
    check(&utf8, "j\u{fc}rgen@xn--bcher-kva.example", 0);
    let report = check(&utf8, "jurgen@b\u{fc}cher.example", 1);
    assert_eq!(failed_rule_id(&report), "mail_address_binding", "{report}");

    // An A-label domain in an rfc822Name, matched by a U-label address.
    let idn = leaf(
        &pki,
        "idn",
        "/CN=idn",
        &format!("{LEAF_SIGN}subjectAltName=email:info@xn--mnchen-3ya.example\n"),
    );
    check(&idn, "info@m\u{fc}nchen.example", 0);
    check(&idn, "info@munchen.example", 1);
}

#[test]
fn cert_verify_name_constraints_permit_and_exclude_addresses_like_openssl() {
    let Some((_dir, pki)) = pki_in_temp_dir("cert-verify-") else {
        return;
    };
    // A CA limited to addresses at example.com and its subdomains, except bad.example.com.
    let ca = pki.issue_certificate(
        Alg::P256,
        "constrained",
        "/O=smime tests/CN=Constrained CA",
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n\
         nameConstraints=critical,permitted;email:example.com,permitted;email:.example.com,\
         excluded;email:.bad.example.com\n",
        (&pki.root, &pki.root_key),
    );
    let ca_key = pki.dir.join("constrained.key");
    let issue = |name: &str, email: &str| {
        pki.issue_certificate(
            Alg::P256,
            name,
            &format!("/CN={name}"),
            &format!("{LEAF_SIGN}subjectAltName=email:{email}\n"),
            (&ca, &ca_key),
        )
    };
    let root = s(&pki.root);
    let cases = [
        ("inside", "alice@example.com", true),
        ("sub", "bob@mail.example.com", true),
        ("outside", "eve@example.org", false),
        ("excluded", "mallory@x.bad.example.com", false),
    ];
    for (name, email, permitted) in cases {
        let cert = issue(name, email);
        let report = cert_verify_json(
            &[
                "--trust",
                &root,
                "--untrusted",
                &s(&ca),
                "--email",
                email,
                &s(&cert),
            ],
            if permitted { 0 } else { 1 },
        );
        if !permitted {
            assert_eq!(
                failed_rule_id(&report),
                "name_constraints",
                "{name}: {report}"
            );
            assert_eq!(report["failed_rule"]["certificate_index"], 0, "{name}");
        }
        let o = run(Command::new("openssl").args([
            "verify",
            "-CAfile",
            &root,
            "-untrusted",
            &s(&ca),
            &s(&cert),
        ]));
        assert_eq!(o.ok(), permitted, "openssl disagrees on {name}: {o}");
    }
}

#[test]
fn cert_verify_trust_directory_and_input_errors() {
    let Some((_dir, pki)) = pki_in_temp_dir("cert-verify-") else {
        return;
    };
    let anchors = pki.dir.join("anchors");
    std::fs::create_dir(&anchors).unwrap();
    std::fs::copy(&pki.root, anchors.join("root.crt")).unwrap();
    let alice = pki.leaf(Alg::Ed25519);
    let (int, cert) = (s(&pki.intermediate), s(&alice.cert));
    cert_verify_json(&["--trust", &s(&anchors), "--untrusted", &int, &cert], 0);
    // Input errors: exit 2, the file named, nothing on stdout.
    let missing = s(&pki.dir.join("missing.pem"));
    let not_a_cert = s(&alice.key);
    for args in [
        vec!["cert", "verify", "--trust", &missing, &cert],
        vec!["cert", "verify", "--trust", &s(&pki.root), &missing],
        vec!["cert", "verify", "--trust", &s(&pki.root), &not_a_cert],
        vec![
            "cert",
            "verify",
            "--trust",
            &s(&pki.root),
            "--at",
            "yesterday",
            &cert,
        ],
    ] {
        let o = smime(&args);
        o.assert_code(2);
        assert!(o.stdout.is_empty(), "{o}");
        assert!(
            o.stderr.contains("missing.pem")
                || o.stderr.contains(".key")
                || o.stderr.contains("--at"),
            "{o}"
        );
    }
    // No trust anchor at all is a usage error.
    smime(&["cert", "verify", &cert]).assert_code(2);
}

/// A scratch `openssl ca` directory `ca-NAME` (database, serial, CRL number, config with
/// a leaf profile `[ext]`); run `openssl ca -config ca.cnf` in it with `-cert`/`-keyfile`.
fn openssl_ca_dir(pki: &Pki, name: &str) -> PathBuf {
    let dir = pki.dir.join(format!("ca-{name}"));
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("index.txt"), b"").unwrap();
    std::fs::write(dir.join("serial"), b"4242\n").unwrap();
    std::fs::write(dir.join("crlnumber"), b"01\n").unwrap();
    std::fs::write(
        dir.join("ca.cnf"),
        "[ca]\ndefault_ca = ca_section\n[ca_section]\ndatabase = index.txt\n\
         new_certs_dir = .\nserial = serial\ncrlnumber = crlnumber\ndefault_md = sha256\n\
         default_crl_days = 30\npolicy = any\n[any]\ncommonName = supplied\n[ext]\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\n\
         authorityKeyIdentifier=keyid\n",
    )
    .unwrap();
    dir
}

/// `openssl ca -config ca.cnf ARGS` in `dir`, signing with `ca` and `ca_key`.
fn openssl_ca(dir: &Path, ca: (&Path, &Path), args: &[&str]) {
    run(Command::new("openssl")
        .current_dir(dir)
        .args(["ca", "-batch", "-config", "ca.cnf"])
        .args(["-cert", &s(ca.0), "-keyfile", &s(ca.1)])
        .args(args))
    .assert_ok();
}

/// A leaf under the common intermediate valid only from `start` to `end` (`openssl ca`
/// dates, `YYYYMMDDHHMMSSZ`): `openssl x509 -req` cannot set notBefore.
fn leaf_with_dates(pki: &Pki, name: &str, start: &str, end: &str) -> (PathBuf, PathBuf) {
    let dir = openssl_ca_dir(pki, name);
    let key = pki.dir.join(format!("{name}.key"));
    let cert = pki.dir.join(format!("{name}.pem"));
    let csr = dir.join("req.csr");
    run(Command::new("openssl").args([
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        &s(&key),
    ]))
    .assert_ok();
    run(Command::new("openssl").args([
        "req",
        "-new",
        "-key",
        &s(&key),
        "-subj",
        &format!("/CN={name}"),
        "-out",
        &s(&csr),
    ]))
    .assert_ok();
    openssl_ca(
        &dir,
        (&pki.intermediate, &pki.intermediate_key),
        &[
            "-notext",
            "-extensions",
            "ext",
            "-startdate",
            start,
            "-enddate",
            end,
        ]
        .into_iter()
        .chain(["-in", &s(&csr), "-out", &s(&cert)])
        .collect::<Vec<_>>(),
    );
    (cert, key)
}

/// `smime sign` then `smime verify --json --trust root`; the chain object of the signer.
fn sign_and_verify_chain(
    pki: &Pki,
    cert: &Path,
    key: &Path,
    sign: &[&str],
    verify: &[&str],
) -> Value {
    let tmp = pki.scratch();
    let (input, signed) = (tmp.path().join("in.eml"), tmp.path().join("signed.eml"));
    std::fs::write(&input, common::plain_message("a@example.com", "hello")).unwrap();
    let (cert, key, int) = (s(cert), s(key), s(&pki.intermediate));
    let mut args = vec!["sign", "--cert", &cert, "--key", &key];
    args.extend(["--chain", &int]);
    let (input, signed) = (s(&input), s(&signed));
    args.extend(["--in", &input, "--out", &signed]);
    args.extend_from_slice(sign);
    let owned: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    smime(&owned).assert_ok();
    let root = s(&pki.root);
    let mut args = vec![
        "verify",
        "--json",
        "--no-sender-check",
        "--trust",
        &root,
        "--in",
        &signed,
    ];
    args.extend_from_slice(verify);
    let report = smime(&args).json();
    report["signers"][0].clone()
}

#[test]
fn verify_chain_at_signing_time_or_now_is_reported() {
    let Some((_dir, pki)) = pki_in_temp_dir("verify-time-") else {
        return;
    };
    let leaf = pki.leaf(Alg::P256);
    // A signing time within the certificate's validity: validated then.
    let signer = sign_and_verify_chain(&pki, &leaf.cert, &leaf.key, &[], &[]);
    let chain = &signer["chain"];
    assert_eq!(chain["status"], "trusted", "{signer}");
    assert_eq!(chain["time_source"], "signing-time", "{signer}");
    assert_eq!(chain["validated_at"], signer["signing_time"], "{signer}");
    assert_eq!(
        chain["certificates"].as_array().unwrap().len(),
        3,
        "{signer}"
    );
    assert_eq!(chain["failed_rule"], Value::Null);
    // No signing time: now.
    let signer = sign_and_verify_chain(&pki, &leaf.cert, &leaf.key, &["--no-signing-time"], &[]);
    assert_eq!(signer["chain"]["time_source"], "now", "{signer}");
    assert_eq!(signer["chain"]["status"], "trusted", "{signer}");
    // --at decides, and a time after expiry fails the validity rule.
    let signer = sign_and_verify_chain(
        &pki,
        &leaf.cert,
        &leaf.key,
        &[],
        &["--at", "2046-01-01T00:00:00Z"],
    );
    let chain = &signer["chain"];
    assert_eq!(chain["time_source"], "given", "{signer}");
    assert_eq!(chain["status"], "untrusted", "{signer}");
    assert_eq!(chain["failed_rule"]["id"], "validity", "{signer}");
    assert_eq!(signer["status"], "untrusted", "{signer}");
    // A certificate not yet valid: the signing time (now) lies outside its validity, so the
    // chain is validated now, and fails.
    let (cert, key) = leaf_with_dates(&pki, "future", "20300101000000Z", "20310101000000Z");
    let signer = sign_and_verify_chain(&pki, &cert, &key, &[], &[]);
    let chain = &signer["chain"];
    assert!(signer["signing_time"].is_string(), "{signer}");
    assert_eq!(chain["time_source"], "now", "{signer}");
    assert_eq!(chain["failed_rule"]["id"], "validity", "{signer}");
    assert_eq!(chain["failed_rule"]["certificate_index"], 0, "{signer}");
    // Validated in 2030, within its validity (and the CAs'), it is trusted.
    let signer = sign_and_verify_chain(&pki, &cert, &key, &[], &["--at", "2030-06-01T00:00:00Z"]);
    assert_eq!(signer["chain"]["status"], "trusted", "{signer}");
}

#[test]
fn encrypt_with_trust_refuses_recipient_that_does_not_validate() {
    let Some((_dir, pki)) = pki_in_temp_dir("encrypt-trust-") else {
        return;
    };
    let kind = common::RecipientKey::P256;
    let bob = pki.recipient(kind, "bob", kind.encryption_usage());
    // A recipient from a CA nobody trusts: a self-signed certificate of its own.
    let stranger = pki.dir.join("stranger.pem");
    run(Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-days", "30", "-subj", "/CN=stranger"])
        .args(["-addext", "keyUsage=critical,keyAgreement"])
        .args([
            "-keyout",
            &s(&pki.dir.join("stranger.key")),
            "-out",
            &s(&stranger),
        ]))
    .assert_ok();
    let tmp = pki.scratch();
    let input = tmp.path().join("in.eml");
    std::fs::write(&input, common::plain_message("a@example.com", "secret")).unwrap();
    let out = tmp.path().join("out.eml");
    let (root, int, input, out_s) = (s(&pki.root), s(&pki.intermediate), s(&input), s(&out));
    let encrypt = |to: &[&Path], trust: bool| {
        let mut args = vec!["encrypt".to_string()];
        for t in to {
            args.extend(["--to".to_string(), s(t)]);
        }
        if trust {
            args.extend(["--trust", &root, "--untrusted", &int].map(String::from));
        }
        args.extend(["--in", &input, "--out", &out_s].map(String::from));
        smime(&args)
    };
    encrypt(&[&bob.cert], true).assert_ok();
    let o = encrypt(&[&bob.cert, &stranger], true);
    o.assert_code(2);
    assert!(
        o.stderr
            .contains("recipient 2 (CN=stranger) does not validate")
            && o.stderr.contains("issuer_not_found"),
        "{o}"
    );
    // Without --trust the path is not checked (only the certificate's own usage).
    std::fs::remove_file(&out).unwrap();
    encrypt(&[&bob.cert, &stranger], false).assert_ok();
    // A trusted certificate that may not receive encrypted mail is refused before the path.
    let signing = pki.leaf(Alg::P256);
    let o = encrypt(&[&signing.cert], true);
    o.assert_code(2);
    assert!(o.stderr.contains("keyAgreement"), "{o}");
}

#[test]
fn cert_verify_crl_revoked_leaf_fails_like_openssl_crl_check() {
    let Some((_dir, pki)) = pki_in_temp_dir("cert-verify-crl-") else {
        return;
    };
    let ext = format!("{LEAF_SIGN}subjectAltName=email:x@example.com\n");
    let good = leaf(&pki, "good", "/CN=good", &ext);
    let bad = leaf(&pki, "bad", "/CN=bad", &ext);
    let intermediate = (pki.intermediate.as_path(), pki.intermediate_key.as_path());
    // The intermediate's CRL revokes `bad`; the root's CRL revokes nothing.
    let dir = openssl_ca_dir(&pki, "crl");
    openssl_ca(
        &dir,
        intermediate,
        &["-revoke", &s(&bad), "-crl_reason", "keyCompromise"],
    );
    openssl_ca(&dir, intermediate, &["-gencrl", "-out", "crl.pem"]);
    let root_dir = openssl_ca_dir(&pki, "root-crl");
    openssl_ca(
        &root_dir,
        (&pki.root, &pki.root_key),
        &["-gencrl", "-out", "crl.pem"],
    );
    let (root, int) = (s(&pki.root), s(&pki.intermediate));
    let (crl, root_crl) = (s(&dir.join("crl.pem")), s(&root_dir.join("crl.pem")));
    let verify = |cert: &Path, extra: &[&str], code| {
        let mut args = vec!["--trust", &root, "--untrusted", &int, "--offline"];
        args.extend_from_slice(extra);
        let cert = s(cert);
        args.push(&cert);
        cert_verify_json(&args, code)
    };
    let report = verify(&bad, &["--crl", &crl], 1);
    assert_eq!(failed_rule_id(&report), "revoked", "{report}");
    assert_eq!(report["failed_rule"]["certificate_index"], 0, "{report}");
    assert!(
        report["failed_rule"]["message"]
            .as_str()
            .unwrap()
            .contains("keyCompromise"),
        "{report}"
    );
    // Soft-fail (the default): the intermediate's unknown status is a warning.
    let report = verify(&good, &["--crl", &crl], 0);
    assert!(
        !report["warnings"].as_array().unwrap().is_empty(),
        "{report}"
    );
    // Hard-fail needs a status for every certificate: the root's CRL covers the intermediate.
    let report = verify(&good, &["--crl", &crl, "--revocation", "hard"], 1);
    assert_eq!(failed_rule_id(&report), "revocation_unknown", "{report}");
    assert_eq!(report["failed_rule"]["certificate_index"], 1, "{report}");
    let report = verify(
        &good,
        &["--crl", &crl, "--crl", &root_crl, "--revocation", "hard"],
        0,
    );
    assert_eq!(report["warnings"], serde_json::json!([]), "{report}");
    // Revocation off: the revoked certificate passes.
    verify(&bad, &["--crl", &crl, "--revocation", "off"], 0);
    // smime verify checks the signer's chain against the same CRLs when given them.
    let key = |name: &str| pki.dir.join(format!("{name}.key"));
    let offline = ["--crl", crl.as_str(), "--offline"];
    let signer = sign_and_verify_chain(&pki, &bad, &key("bad"), &[], &offline);
    assert_eq!(signer["status"], "untrusted", "{signer}");
    assert_eq!(signer["chain"]["failed_rule"]["id"], "revoked", "{signer}");
    let signer = sign_and_verify_chain(&pki, &good, &key("good"), &[], &offline);
    assert_eq!(signer["chain"]["status"], "trusted", "{signer}");
    assert!(
        !signer["chain"]["warnings"].as_array().unwrap().is_empty(),
        "{signer}"
    );
    // Without revocation options, verify does not check revocation.
    let signer = sign_and_verify_chain(&pki, &bad, &key("bad"), &[], &[]);
    assert_eq!(signer["chain"]["status"], "trusted", "{signer}");
    // encrypt --trust refuses a revoked recipient when given the CRL.
    let tmp = pki.scratch();
    let input = tmp.path().join("in.eml");
    std::fs::write(&input, common::plain_message("a@example.com", "secret")).unwrap();
    let (input, out) = (s(&input), s(&tmp.path().join("out.eml")));
    let good_s = s(&good);
    let o = smime(&[
        "encrypt",
        "--to",
        &s(&bad),
        "--trust",
        &root,
        "--untrusted",
        &int,
        "--crl",
        &crl,
        "--crl",
        &root_crl,
        "--offline",
        "--in",
        &input,
        "--out",
        &out,
    ]);
    o.assert_code(2);
    assert!(o.stderr.contains("[rule revoked]"), "{o}");
    // For encryption, given CRLs mean hard-fail: with only the intermediate's CRL the
    // intermediate's own status is unknown and the recipient is refused for that; with the
    // root's CRL too the path and revocation pass and the next check decides (this `good`
    // certificate is a signing one, so the mail key-usage rule refuses it).
    let encrypt_good = |crls: &[&str]| {
        let mut args = vec![
            "encrypt",
            "--to",
            &good_s,
            "--trust",
            &root,
            "--untrusted",
            &int,
        ];
        for crl in crls {
            args.extend(["--crl", crl]);
        }
        args.extend(["--offline", "--in", &input, "--out", &out]);
        smime(&args)
    };
    let o = encrypt_good(&[&crl]);
    o.assert_code(2);
    assert!(o.stderr.contains("revocation_unknown"), "{o}");
    let o = encrypt_good(&[&crl, &root_crl]);
    o.assert_code(2);
    assert!(
        o.stderr.contains("mail_key_usage") && !o.stderr.contains("revocation"),
        "{o}"
    );
    // openssl verify -crl_check agrees.
    for (cert, ok) in [(&good, true), (&bad, false)] {
        let o = openssl_verify(&pki, cert, &["-crl_check", "-CRLfile", &crl]);
        assert_eq!(o.ok(), ok, "{o}");
    }
}

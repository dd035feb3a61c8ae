//! The sender check and changed messages: `smime verify` must never say "valid" for a message
//! whose From does not belong to the signer, whose signed part or signature changed, that is
//! only partly signed, or whose chain ends at the wrong anchor; input errors exit 2 with a
//! message on stderr and nothing on stdout.

mod common;

use std::ffi::OsStr;
use std::fs;

use common::*;

const BODY: &str = "Transfer 100 EUR to account 12345.\nThanks.\n";

/// An RSA-signed detached message from `from` (the certificate says rsa@example.com).
fn signed_from(peers: &Peers, from: &str, opaque: bool) -> Vec<u8> {
    let leaf = peers.pki.leaf(Alg::Rsa);
    let flags: &[&str] = if opaque { &["--opaque"] } else { &[] };
    let o = smime_sign(&peers.pki, leaf, &plain_message(from, BODY), flags, false);
    o.assert_ok();
    o.stdout.clone()
}

/// A detached message correctly signed by the RSA leaf.
fn good(peers: &Peers) -> Vec<u8> {
    let m = signed_from(peers, "rsa@example.com", false);
    let o = smime_verify_trusting(&peers.pki, &m);
    assert_eq!(o.code(), 0, "the unchanged message must be valid\n{o}");
    m
}

/// Exit 1 with this status.
#[track_caller]
fn assert_invalid(o: &Outcome, status: &str, what: &str) {
    assert_eq!(o.code(), 1, "{what}: must be invalid (exit 1)\n{o}");
    let r = o.json();
    assert_eq!(r["valid"], false, "{what}\n{o}");
    assert_eq!(r["status"], status, "{what}\n{o}");
}

/// Replace the whole From header line.
fn with_from(message: &[u8], new_from: &str) -> Vec<u8> {
    let old = header_value(message, "From").expect("From header");
    replace_once(
        message,
        format!("From: {old}\r\n").as_bytes(),
        format!("From: {new_from}\r\n").as_bytes(),
    )
}

#[test]
fn verify_from_not_matching_certificate_is_sender_mismatch() {
    let Some(peers) = Peers::new() else { return };
    let m = signed_from(&peers, "mallory@example.com", false);
    let o = smime_verify_trusting(&peers.pki, &m);
    assert_invalid(&o, "sender-mismatch", "From mallory, certificate rsa@");
    assert_eq!(o.json()["signers"][0]["signature_valid"], true, "{o}");

    // --no-sender-check turns the check off.
    let o = smime_verify_trusting_with(&peers.pki, &m, &["--no-sender-check"]);
    assert_eq!(o.code(), 0, "--no-sender-check\n{o}");
}

#[test]
fn verify_two_from_addresses_is_invalid() {
    let Some(peers) = Peers::new() else { return };
    for from in [
        "rsa@example.com, mallory@example.com",
        "mallory@example.com, rsa@example.com",
    ] {
        let m = with_from(&good(&peers), from);
        let o = smime_verify_trusting(&peers.pki, &m);
        assert_eq!(o.code(), 1, "From: {from}\n{o}");
        assert_eq!(o.json()["valid"], false, "From: {from}\n{o}");
    }
    // Two From header fields, each with one address.
    let m = replace_once(
        &good(&peers),
        b"From: rsa@example.com\r\n",
        b"From: rsa@example.com\r\nFrom: mallory@example.com\r\n",
    );
    let o = smime_verify_trusting(&peers.pki, &m);
    assert_eq!(o.code(), 1, "two From fields\n{o}");
    assert_eq!(o.json()["valid"], false, "two From fields\n{o}");
}

#[test]
fn verify_display_name_with_other_address_warns() {
    let Some(peers) = Peers::new() else { return };
    let m = with_from(&good(&peers), "\"ceo@bank.example\" <rsa@example.com>");
    let o = smime_verify_trusting(&peers.pki, &m);
    assert_eq!(o.code(), 0, "the address itself matches: still valid\n{o}");
    let r = o.json();
    let warnings = r["warnings"].as_array().cloned().unwrap_or_default();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap_or("").contains("ceo@bank.example")),
        "a display name holding another address must give a warning naming it\n{o}"
    );
}

#[test]
fn verify_encoded_display_name_with_other_address_warns() {
    let Some(peers) = Peers::new() else { return };
    // RFC 2047: a mail client shows "ceo@bank.example" as the sender's name.
    let m = with_from(
        &good(&peers),
        "=?utf-8?q?ceo=40bank=2Eexample?= <rsa@example.com>",
    );
    let o = smime_verify_trusting(&peers.pki, &m);
    assert_eq!(o.code(), 0, "the address itself matches\n{o}");
    let warnings = o.json()["warnings"].as_array().cloned().unwrap_or_default();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap_or("").contains("ceo@bank.example")),
        "an encoded display name holding another address must give a warning too\n{o}"
    );
}

#[test]
fn verify_changed_signed_header_is_bad_signature() {
    let Some(peers) = Peers::new() else { return };
    let m = good(&peers);
    // The signed part's own Content-Type header: charset=utf-8 -> charset=utf-7.
    let (content, _) = multipart_signed_parts(&m);
    assert!(find(&content, b"charset=utf-8").is_some());
    let bad = replace_once(&m, b"charset=utf-8", b"charset=utf-7");
    assert_invalid(
        &smime_verify_trusting(&peers.pki, &bad),
        "bad-signature",
        "changed header in the signed part",
    );
}

#[test]
fn verify_changed_signature_byte_is_never_valid() {
    let Some(peers) = Peers::new() else { return };
    let m = good(&peers);
    let (_, body) = split_header(&m);
    let start = m.len() - body.len();
    let sig_part = find(body, b"Content-Type: application/pkcs7-signature").expect("sig part");
    let b64_start = start + sig_part + find(&body[sig_part..], b"\r\n\r\n").unwrap() + 4;
    let b64_len = find(&m[b64_start..], b"\r\n--").unwrap();
    // Only the root is given, so that every certificate must come from the message (with
    // `--cert intermediate` a changed intermediate in the message is rightly ignored).
    let root_only = |message: &[u8]| {
        smime_verify(
            peers.path(),
            message,
            &["--trust".as_ref(), peers.pki.root.as_os_str()],
        )
    };
    // Every 37th base64 character of the signature part, changed to another base64 character.
    let mut cases = 0;
    for i in (0..b64_len).step_by(37) {
        let at = b64_start + i;
        let c = m[at];
        if !c.is_ascii_alphanumeric() {
            continue;
        }
        let mut bad = m.clone();
        bad[at] = if c == b'A' { b'B' } else { b'A' };
        let o = root_only(&bad);
        assert!(
            o.code() == 1 || o.code() == 2,
            "changed signature character at byte {at}: must exit 1 or 2, never 0\n{o}"
        );
        if o.code() == 1 {
            assert_ne!(o.json()["valid"], true, "{o}");
        }
        cases += 1;
    }
    assert!(cases > 20, "too few cases: {cases}");

    // The last bytes of the base64 are the signature value itself: exit 1, bad-signature.
    let mut at = b64_start + b64_len - 10;
    while !m[at].is_ascii_alphanumeric() {
        at -= 1;
    }
    let mut bad = m.clone();
    bad[at] = if m[at] == b'A' { b'B' } else { b'A' };
    assert_invalid(
        &root_only(&bad),
        "bad-signature",
        "changed byte inside the signature value",
    );
}

#[test]
fn verify_lf_only_copy_of_crlf_message_is_valid() {
    let Some(peers) = Peers::new() else { return };
    for opaque in [false, true] {
        let m = signed_from(&peers, "rsa@example.com", opaque);
        assert!(find(&m, b"\r\n").is_some(), "smime writes CRLF");
        let lf: Vec<u8> = m.iter().copied().filter(|&b| b != b'\r').collect();
        let o = smime_verify_trusting(&peers.pki, &lf);
        assert_eq!(o.code(), 0, "LF-only copy (opaque: {opaque})\n{o}");
        assert_eq!(report_status(&o), "valid", "{o}");
    }
}

#[test]
fn verify_signed_part_inside_multipart_mixed_is_partially_signed() {
    let Some(peers) = Peers::new() else { return };
    let m = good(&peers);
    let (head, body) = split_header(&m);
    // The outer header without its Content-Type (and MIME-Version), the signed entity being the
    // multipart/signed body with its own Content-Type.
    let ct = header_value(&m, "Content-Type").unwrap();
    let mut outer = Vec::new();
    for line in String::from_utf8_lossy(head).split("\r\n") {
        let lower = line.to_ascii_lowercase();
        if line.is_empty()
            || lower.starts_with("content-type:")
            || lower.starts_with("mime-version:")
            || line.starts_with(' ')
            || line.starts_with('\t')
        {
            continue;
        }
        outer.extend_from_slice(line.as_bytes());
        outer.extend_from_slice(b"\r\n");
    }
    let mut mixed = outer;
    mixed.extend_from_slice(
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer-mixed-1\"\r\n\r\n\
          --outer-mixed-1\r\n",
    );
    mixed.extend_from_slice(format!("Content-Type: {ct}\r\n\r\n").as_bytes());
    mixed.extend_from_slice(body);
    mixed.extend_from_slice(
        b"\r\n--outer-mixed-1\r\nContent-Type: text/plain\r\n\r\n\
          P.S. Actually send it to account 66666. (not signed)\r\n--outer-mixed-1--\r\n",
    );
    let o = smime_verify_trusting(&peers.pki, &mixed);
    assert_invalid(&o, "partially-signed", "signed part plus an unsigned part");
}

#[test]
fn verify_with_wrong_trust_anchor_is_untrusted() {
    let Some(peers) = Peers::new() else { return };
    let m = good(&peers);
    // Another, unrelated root.
    let tmp = peers.pki.scratch();
    let other = tmp.path().join("other-root.pem");
    let key = tmp.path().join("other-root.key");
    let mut cmd = std::process::Command::new("openssl");
    cmd.args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .args(["ec_paramgen_curve:P-256", "-nodes", "-days", "30"])
        .args(["-subj", "/CN=Some Other Root"])
        .args(["-addext", "basicConstraints=critical,CA:TRUE"])
        .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&other);
    run(&mut cmd).assert_ok();
    let o = smime_verify(peers.path(), &m, &["--trust".as_ref(), other.as_os_str()]);
    assert_invalid(&o, "untrusted", "wrong trust anchor");
    assert_eq!(o.json()["signers"][0]["signature_valid"], true, "{o}");
    // The right root alone works (the intermediate travels in the message).
    let o = smime_verify(
        peers.path(),
        &m,
        &["--trust".as_ref(), peers.pki.root.as_os_str()],
    );
    assert_eq!(o.code(), 0, "the intermediate travels in the message\n{o}");
}

#[test]
fn verify_no_chain_is_valid_with_chain_not_checked() {
    let Some(peers) = Peers::new() else { return };
    let m = good(&peers);
    let o = smime_verify(peers.path(), &m, &["--no-chain".as_ref()]);
    assert_eq!(o.code(), 0, "--no-chain, no anchors\n{o}");
    let r = o.json();
    assert_eq!(r["status"], "valid", "{o}");
    assert_eq!(r["signers"][0]["chain"]["status"], "not-checked", "{o}");
}

#[test]
fn verify_garbage_input_exits_2_with_error_on_stderr() {
    let Some(peers) = Peers::new() else { return };
    let inputs: [(&str, &[u8]); 4] = [
        ("random bytes", &[0x30, 0x82, 0xff, 0x00, 0x13, 0x37, 0x42, 0x99]),
        ("text", b"this is not a message at all"),
        ("empty", b""),
        (
            "signed type, broken base64",
            b"From: rsa@example.com\r\nContent-Type: application/pkcs7-mime; smime-type=signed-data\r\n\
              Content-Transfer-Encoding: base64\r\n\r\n!!!!not base64 at all!!!!\r\n",
        ),
    ];
    for (what, input) in inputs {
        for json in [false, true] {
            let tmp = peers.pki.scratch();
            let path = tmp.path().join("in");
            fs::write(&path, input).unwrap();
            let mut args: Vec<&OsStr> = vec!["verify".as_ref()];
            if json {
                args.push("--json".as_ref());
            }
            args.extend([
                "--trust".as_ref(),
                peers.pki.root.as_os_str(),
                "--in".as_ref(),
                path.as_os_str(),
            ]);
            let o = smime(&args);
            assert_eq!(o.code(), 2, "{what} (json: {json}): exit 2\n{o}");
            assert!(
                o.stderr.to_ascii_lowercase().contains("error"),
                "{what}: stderr must say error\n{o}"
            );
            assert!(
                o.stdout.is_empty(),
                "{what} (json: {json}): nothing on stdout\n{o}"
            );
        }
    }
}

#[test]
fn sign_out_into_missing_directory_exits_2_and_leaves_nothing() {
    let Some(peers) = Peers::new() else { return };
    let leaf = peers.pki.leaf(Alg::Rsa);
    let tmp = peers.pki.scratch();
    let input = tmp.path().join("in.eml");
    fs::write(&input, plain_message(&leaf.email, BODY)).unwrap();
    let missing_dir = tmp.path().join("no-such-dir");
    let out = missing_dir.join("out.eml");
    let o = smime(&[
        "sign".as_ref(),
        "--cert".as_ref(),
        leaf.cert.as_os_str(),
        "--key".as_ref(),
        leaf.key.as_os_str(),
        "--in".as_ref(),
        input.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(o.code(), 2, "--out into a missing directory\n{o}");
    assert!(o.stderr.to_ascii_lowercase().contains("error"), "{o}");
    assert!(!out.exists(), "no output file");
    assert!(!missing_dir.exists(), "the directory must not be created");
    let left: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        vec![std::ffi::OsString::from("in.eml")],
        "nothing left behind"
    );

    // The same for verify --content-out.
    let m = good(&peers);
    let signed = tmp.path().join("signed.eml");
    fs::write(&signed, &m).unwrap();
    let o = smime(&[
        "verify".as_ref(),
        "--trust".as_ref(),
        peers.pki.root.as_os_str(),
        "--content-out".as_ref(),
        out.as_os_str(),
        "--in".as_ref(),
        signed.as_os_str(),
    ]);
    assert_eq!(o.code(), 2, "--content-out into a missing directory\n{o}");
    assert!(!out.exists() && !missing_dir.exists(), "no output file");
}

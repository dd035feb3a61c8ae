//! Messages `smime verify` must never accept (exit 1 "not valid", or 2 "input error"; never
//! 0): OpenSSL's malformed SignedData samples, changed bytes in the body, in a header of the
//! signed part and in the signature, a bogus second signer before or after a good one, zero
//! signers, a From that is not the signer's, MD5, and SHA-1 without `--allow-legacy`.

mod common;

use std::ffi::OsStr;
use std::fs;

use common::*;

/// Exit 1 or 2, and when there is a JSON report, not valid.
#[track_caller]
fn assert_rejected(o: &Outcome, what: &str) {
    assert!(
        o.code() == 1 || o.code() == 2,
        "{what}: smime verify must exit 1 or 2\n{o}"
    );
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&o.stdout) {
        assert_eq!(v["valid"], false, "{what}: report says valid\n{o}");
    }
}

/// Exit 1 with this status.
#[track_caller]
fn assert_invalid(o: &Outcome, status: &str, what: &str) {
    assert_eq!(o.code(), 1, "{what}: expected exit 1\n{o}");
    assert_eq!(report_status(o), status, "{what}:\n{o}");
}

const BODY: &str = "Pay Bob 100 EUR.\nRegards, Alice\n";

// ---- OpenSSL's malformed samples ----

fn check_openssl_sample(file: &str, extra: &[&str]) {
    let path = data(&format!("openssl/recipes/80-test_cms_data/{file}"));
    let mut args: Vec<&OsStr> = vec![
        "verify".as_ref(),
        "--json".as_ref(),
        "--no-sender-check".as_ref(),
        "--no-chain".as_ref(),
    ];
    for e in extra {
        args.push(e.as_ref());
    }
    args.extend(["--in".as_ref(), path.as_os_str()]);
    let o = smime(&args);
    assert_rejected(&o, file);
}

#[test]
fn verify_missing_message_digest_attribute_is_rejected() {
    check_openssl_sample("no_md_attr.cms", &[]);
}

#[test]
fn verify_missing_content_type_attribute_is_rejected() {
    check_openssl_sample("no_ct_attr.cms", &[]);
}

#[test]
fn verify_two_content_type_attributes_is_rejected() {
    check_openssl_sample("ct_multiple_attr.cms", &[]);
}

#[test]
fn verify_signing_time_as_unsigned_attribute_is_rejected() {
    // RFC 5652 11.3: signing-time MUST NOT be an unsigned attribute; this sample has it there.
    check_openssl_sample("bad_signtime_attr.cms", &[]);
}

#[test]
fn verify_md4_pkcs7_is_rejected_even_with_allow_legacy() {
    for legacy in [&[][..], &["--allow-legacy"][..]] {
        check_openssl_sample("pkcs7-md4.pem", legacy);
        check_openssl_sample("pkcs7-md4-encrypted.pem", legacy);
    }
}

// ---- Changed bytes ----

/// A detached message signed by smime as the RSA leaf.
fn signed_detached(peers: &Peers) -> Vec<u8> {
    let leaf = peers.pki.leaf(Alg::Rsa);
    let o = smime_sign(
        &peers.pki,
        leaf,
        &plain_message(&leaf.email, BODY),
        &[],
        false,
    );
    o.assert_ok();
    let good = smime_verify_trusting(&peers.pki, &o.stdout);
    assert_eq!(
        good.code(),
        0,
        "the unchanged message must be valid\n{good}"
    );
    o.stdout.clone()
}

#[test]
fn verify_changed_body_byte_is_invalid() {
    let Some(peers) = Peers::new() else { return };
    let m = signed_detached(&peers);
    let bad = replace_once(&m, b"100 EUR", b"900 EUR");
    assert_invalid(
        &smime_verify_trusting(&peers.pki, &bad),
        "bad-signature",
        "body",
    );
}

#[test]
fn verify_changed_signed_part_header_is_invalid() {
    let Some(peers) = Peers::new() else { return };
    let m = signed_detached(&peers);
    // The first Content-Type after the outer header is the signed part's own.
    let (outer, body) = split_header(&m);
    let changed = replace_once(body, b"charset=utf-8", b"charset=utf-7");
    let bad = [outer, b"\r\n", &changed[..]].concat();
    assert_ne!(bad, m);
    assert_invalid(
        &smime_verify_trusting(&peers.pki, &bad),
        "bad-signature",
        "signed part header",
    );
}

#[test]
fn verify_changed_signature_byte_is_invalid() {
    let Some(peers) = Peers::new() else { return };
    let m = signed_detached(&peers);
    let (der, content) = cms_of_message(&m);
    // In DER, the SignerInfo's signature value is the last thing.
    let mut der = definite_der(&peers, &der);
    let last = der.len() - 1;
    der[last] ^= 0x01;
    let leaf = peers.pki.leaf(Alg::Rsa);
    let bad = make_multipart_signed(&leaf.email, &content.unwrap(), &der, "sha-256");
    assert_invalid(
        &smime_verify_trusting(&peers.pki, &bad),
        "bad-signature",
        "signature",
    );
}

#[test]
fn verify_changed_opaque_content_is_invalid() {
    let Some(peers) = Peers::new() else { return };
    let leaf = peers.pki.leaf(Alg::P256);
    let o = smime_sign(
        &peers.pki,
        leaf,
        &plain_message(&leaf.email, BODY),
        &["--opaque"],
        false,
    );
    o.assert_ok();
    let der = pkcs7_mime_der(&o.stdout);
    let bad = make_pkcs7_mime(&leaf.email, &replace_once(&der, b"100 EUR", b"900 EUR"));
    assert_invalid(
        &smime_verify_trusting(&peers.pki, &bad),
        "bad-signature",
        "opaque content",
    );
}

// ---- Two signers, one bogus ----

/// Re-encode a (possibly BER, indefinite-length) CMS as DER with `openssl cms -cmsout`.
fn definite_der(peers: &Peers, ber: &[u8]) -> Vec<u8> {
    let tmp = peers.pki.scratch();
    let input = tmp.path().join("in.ber");
    let output = tmp.path().join("out.der");
    fs::write(&input, ber).unwrap();
    let mut cmd = std::process::Command::new("openssl");
    cmd.args(["cms", "-cmsout", "-inform", "DER", "-outform", "DER"])
        .arg("-in")
        .arg(&input)
        .arg("-out")
        .arg(&output);
    run(&mut cmd).assert_ok();
    fs::read(&output).unwrap()
}

/// An opaque SignedData signed by smime as `first`, with `openssl cms -resign` adding `second`.
/// Returns (DER, the first signer's signature value).
fn two_signers(peers: &Peers, first: Alg, second: Alg) -> (Vec<u8>, Vec<u8>) {
    let a = peers.pki.leaf(first);
    let o = smime_sign(
        &peers.pki,
        a,
        &plain_message("alice@example.net", BODY),
        &["--opaque"],
        false,
    );
    o.assert_ok();
    let der = definite_der(peers, &pkcs7_mime_der(&o.stdout));
    // RSA-2048: the last 256 bytes are the first signer's signature value.
    assert!(matches!(first, Alg::Rsa | Alg::RsaPss));
    let sig_a = der[der.len() - 256..].to_vec();

    let tmp = peers.pki.scratch();
    let input = tmp.path().join("one.der");
    let output = tmp.path().join("two.der");
    fs::write(&input, &der).unwrap();
    let b = peers.pki.leaf(second);
    let mut cmd = std::process::Command::new("openssl");
    cmd.args([
        "cms",
        "-resign",
        "-inform",
        "DER",
        "-outform",
        "DER",
        "-nodetach",
    ])
    .arg("-in")
    .arg(&input)
    .arg("-signer")
    .arg(&b.cert)
    .arg("-inkey")
    .arg(&b.key)
    .arg("-out")
    .arg(&output);
    run(&mut cmd).assert_ok();
    (fs::read(&output).unwrap(), sig_a)
}

/// Verify with sender check off (two signers with different addresses).
fn verify_two(peers: &Peers, der: &[u8]) -> Outcome {
    let m = make_pkcs7_mime("alice@example.net", der);
    smime_verify(
        peers.path(),
        &m,
        &[
            "--no-sender-check".as_ref(),
            "--trust".as_ref(),
            peers.pki.root.as_os_str(),
        ],
    )
}

#[test]
fn verify_two_good_signers_is_valid() {
    let Some(peers) = Peers::new() else { return };
    let (der, _) = two_signers(&peers, Alg::Rsa, Alg::P256);
    let o = verify_two(&peers, &der);
    assert_eq!(o.code(), 0, "both signers good: valid\n{o}");
    assert_eq!(o.json()["signers"].as_array().map(|s| s.len()), Some(2));
}

/// (header length, content length) of the definite-length TLV at `i`.
fn tlv(der: &[u8], i: usize) -> (usize, usize) {
    let first = der[i + 1] as usize;
    if first < 0x80 {
        return (2, first);
    }
    let n = first & 0x7f;
    let len = der[i + 2..i + 2 + n]
        .iter()
        .fold(0usize, |acc, &b| (acc << 8) | b as usize);
    (2 + n, len)
}

/// The TLVs inside the TLV at `i`, as (start, total length).
fn children(der: &[u8], i: usize) -> Vec<(usize, usize)> {
    let (h, len) = tlv(der, i);
    let mut out = Vec::new();
    let mut at = i + h;
    while at < i + h + len {
        let (ch, clen) = tlv(der, at);
        out.push((at, ch + clen));
        at += ch + clen;
    }
    out
}

/// Put the SignerInfos of a two-signer DER SignedData in the order wanted: the one that
/// contains `marker` first (`marked_first`) or last. Lengths do not change, so only the
/// signerInfos SET's content is rewritten.
fn order_signers(der: &[u8], marker: &[u8], marked_first: bool) -> Vec<u8> {
    let content = children(der, 0)[1].0; // [0] EXPLICIT
    let signed_data = children(der, content)[0].0;
    let (set, _) = *children(der, signed_data).last().unwrap();
    assert_eq!(der[set], 0x31, "signerInfos SET");
    let infos = children(der, set);
    assert_eq!(infos.len(), 2, "two SignerInfos");
    let bytes = |(at, len): (usize, usize)| der[at..at + len].to_vec();
    let (a, b) = (bytes(infos[0]), bytes(infos[1]));
    let a_marked = find(&a, marker).is_some();
    assert_ne!(
        a_marked,
        find(&b, marker).is_some(),
        "marker in exactly one"
    );
    let (first, second) = if a_marked == marked_first {
        (a, b)
    } else {
        (b, a)
    };
    let mut out = der[..infos[0].0].to_vec();
    out.extend(first);
    out.extend(second);
    out.extend_from_slice(&der[infos[1].0 + infos[1].1..]);
    assert_eq!(out.len(), der.len());
    out
}

/// smime's RSA signer broken (one bit of its signature value), openssl's P-256 signer good,
/// the broken one put first or last.
fn bogus_and_good(peers: &Peers, bogus_first: bool) -> Outcome {
    let (mut der, sig_a) = two_signers(peers, Alg::Rsa, Alg::P256);
    let at = find(&der, &sig_a).expect("smime's signature inside the two-signer DER");
    der[at + 100] ^= 0x01;
    let broken = der[at..at + sig_a.len()].to_vec();
    let der = order_signers(&der, &broken, bogus_first);
    verify_two(peers, &der)
}

#[test]
fn verify_bogus_second_signer_appended_is_invalid() {
    let Some(peers) = Peers::new() else { return };
    let o = bogus_and_good(&peers, false);
    assert_invalid(&o, "bad-signature", "bogus signer appended");
    let r = o.json();
    assert_eq!(r["signers"][0]["signature_valid"], true, "{o}");
    assert_eq!(r["signers"][1]["signature_valid"], false, "{o}");
}

#[test]
fn verify_bogus_signer_prepended_is_invalid() {
    let Some(peers) = Peers::new() else { return };
    let o = bogus_and_good(&peers, true);
    assert_invalid(&o, "bad-signature", "bogus signer first");
    let r = o.json();
    assert_eq!(r["signers"][0]["signature_valid"], false, "{o}");
    assert_eq!(r["signers"][1]["signature_valid"], true, "{o}");
}

// ---- Zero signers ----

#[test]
fn verify_zero_signers_is_rejected() {
    let Some(peers) = Peers::new() else { return };
    let leaf = peers.pki.leaf(Alg::Rsa);
    // `openssl crl2pkcs7 -nocrl` writes a SignedData with certificates and no SignerInfo.
    let tmp = peers.pki.scratch();
    let out = tmp.path().join("nosigners.der");
    let mut cmd = std::process::Command::new("openssl");
    cmd.args(["crl2pkcs7", "-nocrl", "-outform", "DER"])
        .arg("-certfile")
        .arg(&leaf.cert)
        .arg("-out")
        .arg(&out);
    run(&mut cmd).assert_ok();
    let der = fs::read(&out).unwrap();

    // As an opaque signed-data message.
    let o = smime_verify_trusting(&peers.pki, &make_pkcs7_mime(&leaf.email, &der));
    assert_rejected(&o, "zero signers, opaque");
    if o.code() == 1 {
        assert_eq!(report_status(&o), "no-signers", "{o}");
    }
    // As the signature of a multipart/signed message.
    let content = mime_entity(&plain_message(&leaf.email, BODY));
    let o = smime_verify_trusting(
        &peers.pki,
        &make_multipart_signed(&leaf.email, &content, &der, "sha-256"),
    );
    assert_rejected(&o, "zero signers, detached");
    if o.code() == 1 {
        assert_eq!(report_status(&o), "no-signers", "{o}");
    }
}

// ---- Sender ----

#[test]
fn verify_from_not_matching_signer_is_sender_mismatch() {
    let Some(peers) = Peers::new() else { return };
    let leaf = peers.pki.leaf(Alg::Rsa);
    let o = smime_sign(
        &peers.pki,
        leaf,
        &plain_message("mallory@example.com", BODY),
        &[],
        false,
    );
    o.assert_ok();
    let v = smime_verify_trusting(&peers.pki, &o.stdout);
    assert_invalid(&v, "sender-mismatch", "From mallory, signed by rsa@");
    assert_eq!(v.json()["signers"][0]["signature_valid"], true, "{v}");

    // The From header changed after signing (it is outside the signature).
    let o = smime_sign(
        &peers.pki,
        leaf,
        &plain_message(&leaf.email, BODY),
        &[],
        false,
    );
    o.assert_ok();
    let forged = replace_once(
        &o.stdout,
        format!("From: {}", leaf.email).as_bytes(),
        b"From: ceo@example.com",
    );
    assert_invalid(
        &smime_verify_trusting(&peers.pki, &forged),
        "sender-mismatch",
        "From rewritten",
    );
}

// ---- Weak digests ----

fn openssl_signed_with_md(peers: &Peers, md: &str) -> Vec<u8> {
    let leaf = peers.pki.leaf(Alg::Rsa);
    let content = mime_entity(&plain_message(&leaf.email, BODY));
    let o = openssl_cms_sign(
        &peers.pki,
        leaf,
        &content,
        &OpensslSign {
            md: Some(md.into()),
            ..Default::default()
        },
    );
    o.assert_ok();
    o.stdout.clone()
}

fn verify_legacy(peers: &Peers, m: &[u8], legacy: bool) -> Outcome {
    let mut args: Vec<&OsStr> = vec!["--trust".as_ref(), peers.pki.root.as_os_str()];
    if legacy {
        args.push("--allow-legacy".as_ref());
    }
    smime_verify(peers.path(), m, &args)
}

#[test]
fn verify_md5_signed_is_rejected_even_with_allow_legacy() {
    let Some(peers) = Peers::new() else { return };
    let m = openssl_signed_with_md(&peers, "md5");
    let o = verify_legacy(&peers, &m, false);
    assert_invalid(&o, "weak-algorithm", "MD5");
    let o = verify_legacy(&peers, &m, true);
    assert_rejected(&o, "MD5 with --allow-legacy");
}

#[test]
fn verify_sha1_signed_needs_allow_legacy() {
    let Some(peers) = Peers::new() else { return };
    let m = openssl_signed_with_md(&peers, "sha1");
    let o = verify_legacy(&peers, &m, false);
    assert_invalid(&o, "weak-algorithm", "SHA-1 without --allow-legacy");
    let o = verify_legacy(&peers, &m, true);
    assert_eq!(
        o.code(),
        0,
        "SHA-1 with --allow-legacy must be accepted\n{o}"
    );
    assert_eq!(report_status(&o), "valid", "{o}");
}

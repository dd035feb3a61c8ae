//! Published test vectors verified by `smime verify`: RFC 4134 "Examples of S/MIME Messages"
//! (sections 4.2-4.10) and the RFC 9216 sample PKI's CMS examples (draft-ireland-examples-cms);
//! and decrypted by `smime decrypt`: RFC 4134 section 5 (5.1-5.3, all legacy: Bob's RSA-1024
//! key with 3DES or RC2, so only with `--allow-legacy`).
//! The data is in `crates/smime/tests/data/` (see its PROVENANCE.md).
//!
//! These are bare CMS ContentInfo files, not messages: `smime verify` reads DER, PEM or base64
//! CMS as well, takes detached content with `--content F`, and `--no-sender-check` because there
//! is no From header.
//!
//! RFC 4134 is from 2005: every example uses SHA-1, so the RSA ones (4.2, 4.5) are rejected by
//! default ("weak-algorithm", exit 1) and valid with `--allow-legacy`. All the others (4.3, 4.4,
//! 4.6, 4.7, 4.8, 4.9, 4.10) are signed with DSA, which the crypto backend does not do. Decision:
//! an unsupported signature algorithm is a verdict on the message, not a usage error, so
//! these exit 1 with status "unsupported-algorithm" (never 0, with or without
//! `--allow-legacy`).

mod common;

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use common::*;

fn rfc4134(name: &str) -> PathBuf {
    data(&format!("rfc4134/{name}"))
}

fn rfc9216(name: &str) -> PathBuf {
    data(&format!("rfc9216/{name}"))
}

/// `smime verify --json <args> --in <input>`.
fn verify(input: &Path, args: &[&OsStr]) -> Outcome {
    let mut all: Vec<&OsStr> = vec!["verify".as_ref(), "--json".as_ref()];
    all.extend_from_slice(args);
    all.extend(["--in".as_ref(), input.as_os_str()]);
    smime(&all)
}

/// Verify an RFC 4134 RSA example against Carl's RSA root, with and without --allow-legacy.
fn check_rfc4134_rsa(name: &str) {
    let input = rfc4134(name);
    let carl = rfc4134("CarlRSASelf.cer");
    let base: Vec<&OsStr> = vec![
        "--no-sender-check".as_ref(),
        "--trust".as_ref(),
        carl.as_ref(),
    ];

    let o = verify(&input, &base);
    assert_eq!(o.code(), 1, "{name}: SHA-1 must be refused by default\n{o}");
    assert_eq!(report_status(&o), "weak-algorithm", "{o}");

    let tmp = tempfile::tempdir().unwrap();
    let content_out = tmp.path().join("content");
    let mut args = base.clone();
    args.extend([
        "--allow-legacy".as_ref(),
        "--content-out".as_ref(),
        content_out.as_os_str(),
    ]);
    let o = verify(&input, &args);
    assert_eq!(o.code(), 0, "{name}: valid with --allow-legacy\n{o}");
    let report = o.json();
    assert_eq!(report["status"], "valid", "{o}");
    assert_eq!(report["signers"][0]["digest_algorithm"], "SHA-1", "{o}");
    assert_eq!(report["signers"][0]["chain"]["status"], "trusted", "{o}");
    assert_eq!(
        fs::read(&content_out).unwrap(),
        fs::read(rfc4134("ExContent.bin")).unwrap(),
        "{name}: --content-out must write ExContent"
    );

    // One byte of the encapsulated content changed.
    let der = fs::read(&input).unwrap();
    let excontent = fs::read(rfc4134("ExContent.bin")).unwrap();
    // The start of ExContent (4.5 splits it into BER chunks after 4 bytes).
    let at = find(&der, &excontent[4..12]).expect("ExContent inside the DER");
    let mut bad = der.clone();
    bad[at + 3] ^= 0x01;
    let bad_path = tmp.path().join("bad.bin");
    fs::write(&bad_path, bad).unwrap();
    let mut args = base.clone();
    args.push("--allow-legacy".as_ref());
    let o = verify(&bad_path, &args);
    assert_eq!(o.code(), 1, "{name} changed: must be invalid\n{o}");
    assert_eq!(report_status(&o), "bad-signature", "{o}");
}

#[test]
fn verify_rfc4134_4_2_rsa_sha1_valid_only_with_allow_legacy() {
    check_rfc4134_rsa("4.2.bin");
}

#[test]
fn verify_rfc4134_4_5_rsa_ber_indefinite_valid_only_with_allow_legacy() {
    check_rfc4134_rsa("4.5.bin");
}

/// `smime decrypt` an RFC 4134 section 5 example as Bob (RSA-1024, 3DES or RC2: all legacy),
/// writing the plaintext to a file: with --allow-legacy it is exactly `expected` and the
/// exit code 0; without, exit 2, no output file and an error naming the cipher and the flag;
/// with Alice's key (also RSA-1024) in place of Bob's, exit 1 and the one generic failure.
fn check_rfc4134_decrypt(name: &str, cipher: &str, expected: impl Fn(&[u8]) -> bool) {
    let input = rfc4134(name);
    let cert = rfc4134("BobRSASignByCarl.cer");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = |key: &str, legacy: bool| {
        let key = rfc4134(key);
        let mut args: Vec<&OsStr> = vec![
            "decrypt".as_ref(),
            "--cert".as_ref(),
            cert.as_os_str(),
            "--key".as_ref(),
            key.as_os_str(),
            "--in".as_ref(),
            input.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ];
        if legacy {
            args.push("--allow-legacy".as_ref());
        }
        smime(&args)
    };
    let o = run("BobPrivRSAEncrypt.pri", true);
    o.assert_ok();
    let plaintext = fs::read(&out).unwrap();
    assert!(
        expected(&plaintext),
        "{name}: {}",
        String::from_utf8_lossy(&plaintext)
    );
    assert!(o.stderr.contains(cipher), "{o}");
    fs::remove_file(&out).unwrap();

    let o = run("BobPrivRSAEncrypt.pri", false);
    o.assert_code(2);
    assert!(
        o.stderr.contains(cipher) && o.stderr.contains("--allow-legacy"),
        "{o}"
    );
    assert!(!out.exists(), "{name}: no output without --allow-legacy");

    let o = run("AlicePrivRSASign.pri", true);
    o.assert_code(1);
    assert!(
        o.stderr
            .contains("decryption failed: wrong key or corrupted message"),
        "{o}"
    );
    assert!(!out.exists(), "{name}: no output with a wrong key");
}

#[test]
fn decrypt_rfc4134_5_1_3des_gives_ex_content_only_with_allow_legacy() {
    let content = fs::read(rfc4134("ExContent.bin")).unwrap();
    check_rfc4134_decrypt("5.1.bin", "3DES", |p| p == content);
}

#[test]
fn decrypt_rfc4134_5_2_rc2_gives_ex_content_only_with_allow_legacy() {
    let content = fs::read(rfc4134("ExContent.bin")).unwrap();
    check_rfc4134_decrypt("5.2.bin", "RC2", |p| p == content);
}

/// 5.3 is a whole message: its non-Content header fields, then ExContent.
#[test]
fn decrypt_rfc4134_5_3_message_gives_header_and_ex_content_only_with_allow_legacy() {
    let content = fs::read(rfc4134("ExContent.bin")).unwrap();
    check_rfc4134_decrypt("5.3.eml", "3DES", |p| {
        p.ends_with(&content)
            && p.starts_with(b"Message-Id: <00103112005203.00349@amyemily.ig.com>\r\n")
            && find(p, b"Subject: Example 5.3\r\n").is_some()
            && find(p, b"Content-").is_none()
    });
}

/// The DSA examples: exit 1, "unsupported-algorithm", and "unsupported" said.
fn check_rfc4134_dsa(name: &str, detached: bool) {
    let input = rfc4134(name);
    let carl = rfc4134("CarlDSSSelf.cer");
    let content = rfc4134("ExContent.bin");
    for legacy in [false, true] {
        let mut args: Vec<&OsStr> = vec!["--trust".as_ref(), carl.as_ref()];
        if !name.ends_with(".eml") {
            args.push("--no-sender-check".as_ref());
        }
        if detached {
            args.extend(["--content".as_ref(), content.as_os_str()]);
        }
        if legacy {
            args.push("--allow-legacy".as_ref());
        }
        let o = verify(&input, &args);
        assert_eq!(
            o.code(),
            1,
            "{name} (DSA, allow-legacy {legacy}): expected exit 1\n{o}"
        );
        assert_eq!(report_status(&o), "unsupported-algorithm", "{name}:\n{o}");
        let report = o.json();
        assert_eq!(report["valid"], false);
        assert!(
            report["signers"]
                .as_array()
                .is_some_and(|s| !s.is_empty() && s.iter().all(|s| s["signature_valid"] == false)),
            "{name}: no DSA signer may be reported valid\n{o}"
        );
    }
}

#[test]
fn verify_rfc4134_4_3_dsa_detached_is_unsupported() {
    check_rfc4134_dsa("4.3.bin", true);
}

#[test]
fn verify_rfc4134_4_4_dsa_with_attributes_and_countersignature_is_unsupported() {
    check_rfc4134_dsa("4.4.bin", false);
}

#[test]
fn verify_rfc4134_4_6_dsa_two_signers_is_unsupported() {
    check_rfc4134_dsa("4.6.bin", false);
}

#[test]
fn verify_rfc4134_4_7_dsa_ski_signer_is_unsupported() {
    check_rfc4134_dsa("4.7.bin", false);
}

#[test]
fn verify_rfc4134_4_8_multipart_signed_dsa_is_unsupported() {
    check_rfc4134_dsa("4.8.eml", false);
    let o = verify(&rfc4134("4.8.eml"), &["--no-chain".as_ref()]);
    assert_eq!(o.json()["form"], "multipart/signed", "{o}");
}

#[test]
fn verify_rfc4134_4_9_pkcs7_mime_dsa_is_unsupported() {
    check_rfc4134_dsa("4.9.eml", false);
    let o = verify(&rfc4134("4.9.eml"), &["--no-chain".as_ref()]);
    assert_eq!(o.json()["form"], "signed-data", "{o}");
}

#[test]
fn verify_rfc4134_4_10_dsa_many_attributes_is_unsupported() {
    check_rfc4134_dsa("4.10.bin", false);
}

// ---- RFC 9216 examples ----

fn lamps_cas() -> (PathBuf, PathBuf) {
    (
        rfc9216("certs/Sample_LAMPS_RSA_Certification_Authority.selfsigned.pem"),
        rfc9216("certs/Sample_LAMPS_Ed25519_Certification_Authority.selfsigned.pem"),
    )
}

/// Verify an example trusting both sample CAs, then with --no-chain; both valid.
fn check_rfc9216(file: &str, extra: &[&OsStr], algorithms: &[&str]) -> serde_json::Value {
    let input = rfc9216(&format!("examples-cms/binary-files/{file}"));
    let (rsa_ca, ed_ca) = lamps_cas();
    let mut args: Vec<&OsStr> = vec![
        "--no-sender-check".as_ref(),
        "--trust".as_ref(),
        rsa_ca.as_ref(),
        "--trust".as_ref(),
        ed_ca.as_ref(),
    ];
    args.extend_from_slice(extra);
    let o = verify(&input, &args);
    assert_eq!(o.code(), 0, "{file}: expected valid\n{o}");
    let report = o.json();
    assert_eq!(report["status"], "valid", "{o}");
    let signers = report["signers"].as_array().expect("signers");
    assert_eq!(signers.len(), algorithms.len(), "{o}");
    for (s, alg) in signers.iter().zip(algorithms) {
        assert_eq!(s["status"], "valid", "{o}");
        assert_eq!(s["chain"]["status"], "trusted", "{o}");
        let got = s["signature_algorithm"].as_str().unwrap_or("");
        assert!(
            got.contains(alg),
            "{file}: signature algorithm {got:?} should name {alg}"
        );
    }

    let mut args: Vec<&OsStr> = vec!["--no-sender-check".as_ref(), "--no-chain".as_ref()];
    args.extend_from_slice(extra);
    let o = verify(&input, &args);
    assert_eq!(o.code(), 0, "{file} --no-chain: expected valid\n{o}");
    let r = o.json();
    assert_eq!(r["signers"][0]["chain"]["status"], "not-checked", "{o}");
    report
}

#[test]
fn verify_rfc9216_alice_rsa_is_valid() {
    check_rfc9216("signedByAliceRSA.p7m", &[], &["RSA"]);
}

#[test]
fn verify_rfc9216_alice_rsa_pss_is_valid() {
    check_rfc9216("signedByAliceRSAPSS.p7m", &[], &["PSS"]);
}

#[test]
fn verify_rfc9216_carlos_ed25519_is_valid() {
    check_rfc9216("signedByCarlosEd25519.p7m", &[], &["Ed25519"]);
}

#[test]
fn verify_rfc9216_carlos_detached_with_content_is_valid() {
    let tmp = tempfile::tempdir().unwrap();
    let content = tmp.path().join("content.txt");
    fs::write(&content, "This is some sample content.").unwrap();
    check_rfc9216(
        "signedByCarlosDetached.p7m",
        &["--content".as_ref(), content.as_ref()],
        &["Ed25519"],
    );

    // Other content: bad signature.
    fs::write(&content, "This is some sample content!").unwrap();
    let input = rfc9216("examples-cms/binary-files/signedByCarlosDetached.p7m");
    let o = verify(
        &input,
        &[
            "--no-sender-check".as_ref(),
            "--no-chain".as_ref(),
            "--content".as_ref(),
            content.as_ref(),
        ],
    );
    assert_eq!(o.code(), 1, "{o}");
    assert_eq!(report_status(&o), "bad-signature", "{o}");

    // No content at all: the input is incomplete, a usage/input error.
    let o = smime(&[
        "verify".as_ref(),
        "--no-sender-check".as_ref(),
        "--no-chain".as_ref(),
        "--in".as_ref(),
        input.as_os_str(),
    ]);
    assert_eq!(o.code(), 2, "detached without --content\n{o}");
    assert!(
        o.stderr.contains("--content"),
        "the error should name --content\n{o}"
    );
}

#[test]
fn verify_rfc9216_two_signers_with_supplied_certificates_is_valid() {
    let alice = rfc9216("examples-cms/certs-and-keys/lamps-alice.crt");
    let carlos = rfc9216("examples-cms/certs-and-keys/lamps-carlos.crt");
    let report = check_rfc9216(
        "signedByAliceAndCarlosNoCerts.p7m",
        &[
            "--cert".as_ref(),
            alice.as_ref(),
            "--cert".as_ref(),
            carlos.as_ref(),
        ],
        &["Ed25519", "RSA"],
    );
    let emails: Vec<String> = report["signers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["emails"].as_array().cloned().unwrap_or_default())
        .filter_map(|e| e.as_str().map(String::from))
        .collect();
    assert!(
        emails.contains(&"alice@smime.example".to_string()),
        "{report}"
    );
    assert!(
        emails.contains(&"carlos@smime.example".to_string()),
        "{report}"
    );
}

#[test]
fn verify_rfc9216_two_signers_without_certificates_is_invalid() {
    let input = rfc9216("examples-cms/binary-files/signedByAliceAndCarlosNoCerts.p7m");
    let o = verify(
        &input,
        &["--no-sender-check".as_ref(), "--no-chain".as_ref()],
    );
    assert_eq!(
        o.code(),
        1,
        "signers without certificates cannot be valid\n{o}"
    );
    assert_eq!(report_status(&o), "unknown-signer", "{o}");
}

#[test]
fn verify_rfc9216_pem_and_base64_inputs_are_valid() {
    let pem = rfc9216("examples-cms/pem-encoded/signedByAliceRSA.pem");
    let o = verify(&pem, &["--no-sender-check".as_ref(), "--no-chain".as_ref()]);
    assert_eq!(o.code(), 0, "PEM CMS input\n{o}");

    let tmp = tempfile::tempdir().unwrap();
    let b64 = tmp.path().join("signed.b64");
    let der = fs::read(rfc9216("examples-cms/binary-files/signedByAliceRSA.p7m")).unwrap();
    fs::write(&b64, base64_encode(&der)).unwrap();
    let o = verify(&b64, &["--no-sender-check".as_ref(), "--no-chain".as_ref()]);
    assert_eq!(o.code(), 0, "bare base64 CMS input\n{o}");
}

#[test]
fn verify_rfc9216_untrusted_root_is_untrusted() {
    // Alice's chain ends at the RSA CA; trusting only the Ed25519 CA must not be enough.
    let (_, ed_ca) = lamps_cas();
    let input = rfc9216("examples-cms/binary-files/signedByAliceRSA.p7m");
    let o = verify(
        &input,
        &[
            "--no-sender-check".as_ref(),
            "--trust".as_ref(),
            ed_ca.as_ref(),
        ],
    );
    assert_eq!(o.code(), 1, "{o}");
    assert_eq!(report_status(&o), "untrusted", "{o}");
}

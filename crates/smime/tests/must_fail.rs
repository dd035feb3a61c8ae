//! Signed data that must never verify, with the specific status it must get.
//!
//! 1. OpenSSL's malformed SignedData samples (tests/data/openssl/recipes/80-test_cms_data,
//!    see tests/data/PROVENANCE.md). Their signer certificate (2013..2023) was issued by an
//!    older "Test S/MIME RSA Root" whose key differs from smime-certs/smroot.pem (reissued
//!    2022), so no chain is within reach: these run with `check_chain = false`, which leaves
//!    the signer-level verdict as the only thing that can make them invalid.
//! 2. Messages signed at test time by the library (`smime::sign::Signer`) or by the openssl
//!    CLI, with keys and certificates made by the openssl CLI in a temporary directory, then
//!    changed: a bogus SignerInfo after or before a good one, zero SignerInfos, eContent
//!    inside a multipart/signed signature part, MD5 and SHA-1 digests.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::SystemTime;

use smime::ber::{encode_tlv, Element, Tag};
use smime::cms::signed_builder::SignerSpec;
use smime::cms::signed_data::parse_signed_data_content_info;
use smime::crypto::{load_certificates, DigestAlgorithm, PrivateKey};
use smime::mime::{decode_body, encode_base64_lines, parse_entity, TransferEncoding};
use smime::report::{Status, VerifyReport};
use smime::sign::{SignForm, SignOptions, Signer};
use smime::verify::{Verifier, VerifyOptions};
use smime::CryptoPolicy;
use x509_cert::Certificate;

// ---- OpenSSL's samples ----

fn openssl_sample(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/openssl/recipes/80-test_cms_data")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn no_chain(legacy: bool) -> VerifyOptions {
    let mut options = VerifyOptions::new(vec![]);
    options.check_chain = false;
    options.check_sender = false;
    if legacy {
        options.policy = CryptoPolicy::strict().allow_legacy();
    }
    options
}

/// Verify an OpenSSL sample under both policies; it must be invalid with `expected` at the
/// message and at every signer, and a problem saying `why`.
fn check_openssl_sample(name: &str, expected: Status, why: &str) {
    for legacy in [false, true] {
        let report = Verifier::new(no_chain(legacy))
            .verify_cms(&openssl_sample(name)[..], None, None)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            !report.valid,
            "{name} (legacy {legacy}) is valid: {report:#?}"
        );
        assert_eq!(
            report.status, expected,
            "{name} (legacy {legacy}): {report:#?}"
        );
        assert!(!report.signers.is_empty());
        for signer in &report.signers {
            assert_eq!(signer.status, expected, "{name}: {signer:#?}");
            let problems = signer.problems.join("; ");
            assert!(
                problems.contains(why),
                "{name}: expected a problem mentioning {why:?}: {problems}"
            );
        }
    }
}

#[test]
fn openssl_no_message_digest_attribute() {
    // Signed attributes without message-digest (RFC 5652 5.3: MUST be present).
    check_openssl_sample("no_md_attr.cms", Status::BadAttributes, "message-digest");
}

#[test]
fn openssl_no_content_type_attribute() {
    // Signed attributes without content-type (RFC 5652 5.3: MUST be present).
    check_openssl_sample("no_ct_attr.cms", Status::BadAttributes, "content-type");
}

#[test]
fn openssl_two_content_type_attributes() {
    // content-type twice (RFC 5652 11.1: only one instance allowed).
    check_openssl_sample(
        "ct_multiple_attr.cms",
        Status::BadAttributes,
        "content-type",
    );
}

#[test]
fn openssl_signing_time_as_unsigned_attribute() {
    // What this file really is (openssl cms -cmsout -print): the signed attributes are
    // content-type and message-digest, and the signing-time attribute is placed among the
    // UNSIGNED attributes. RFC 5652 11.3: "The signing-time attribute MUST be a signed
    // attribute" - OpenSSL refuses it ("ossl_cms_si_check_attributes: attribute error").
    check_openssl_sample(
        "bad_signtime_attr.cms",
        Status::BadAttributes,
        "signing-time",
    );
}

#[test]
fn openssl_md4_signed_pkcs7() {
    // pkcs7-md4.pem: a PKCS#7 SignedData, RSA with the MD4 digest. Never acceptable, not
    // even as legacy.
    check_openssl_sample("pkcs7-md4.pem", Status::WeakAlgorithm, "MD4");
}

#[test]
fn openssl_md4_signed_and_enveloped_pkcs7_is_an_error() {
    // pkcs7-md4-encrypted.pem is not SignedData at all: it is PKCS#7 signedAndEnvelopedData
    // (1.2.840.113549.1.7.4), which a verifier must refuse as such.
    for legacy in [false, true] {
        let result = Verifier::new(no_chain(legacy)).verify_cms(
            &openssl_sample("pkcs7-md4-encrypted.pem")[..],
            None,
            None,
        );
        match result {
            Err(e) => assert!(e.to_string().contains("not signedData"), "{e}"),
            Ok(report) => {
                assert!(!report.valid, "{report:#?}");
                panic!("signedAndEnvelopedData read as a report: {report:#?}")
            }
        }
    }
}

// ---- A test PKI made by the openssl CLI ----

struct Party {
    cert_pem: Vec<u8>,
    key_pem: Vec<u8>,
}

struct Pki {
    ca_pem: Vec<u8>,
    alice: Party,
    bob: Party,
}

fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl CLI is needed for these tests");
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path();
        openssl(
            dir,
            &[
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
                "ca.pem", "-days", "30", "-subj", "/O=smime tests/CN=Must-fail Test CA",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
        let party = |name: &str, serial: &str| {
            let ext = format!(
                "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=emailProtection\nsubjectAltName=email:{name}@example.com\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
            );
            std::fs::write(dir.join(format!("{name}.ext")), ext).unwrap();
            openssl(
                dir,
                &[
                    "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    &format!("{name}.key"), "-out", &format!("{name}.csr"), "-subj",
                    &format!("/O=smime tests/CN={name}"),
                ],
            );
            openssl(
                dir,
                &[
                    "x509", "-req", "-in", &format!("{name}.csr"), "-CA", "ca.pem", "-CAkey",
                    "ca.key", "-set_serial", serial, "-days", "30", "-sha256", "-extfile",
                    &format!("{name}.ext"), "-out", &format!("{name}.pem"),
                ],
            );
            Party {
                cert_pem: std::fs::read(dir.join(format!("{name}.pem"))).unwrap(),
                key_pem: std::fs::read(dir.join(format!("{name}.key"))).unwrap(),
            }
        };
        let alice = party("alice", "1001");
        let bob = party("bob", "1002");
        Pki {
            ca_pem: std::fs::read(dir.join("ca.pem")).unwrap(),
            alice,
            bob,
        }
    })
}

fn one_cert(pem: &[u8]) -> Certificate {
    load_certificates(pem, "test certificate")
        .expect("certificate")
        .remove(0)
}

fn spec(party: &Party) -> SignerSpec {
    let key = PrivateKey::from_pem_or_der(&party.key_pem, "test key").expect("key");
    let scheme = key.scheme(DigestAlgorithm::Sha256, false).expect("scheme");
    SignerSpec {
        certificate: one_cert(&party.cert_pem),
        key,
        scheme,
        chain: vec![],
        encryption_certificate: None,
        extra_attributes: vec![],
    }
}

const MESSAGE: &[u8] = b"From: alice@example.com\r\nTo: bob@example.com\r\nSubject: must fail\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nThe quick brown fox.\r\n";

fn strict() -> VerifyOptions {
    let mut options = VerifyOptions::new(vec![one_cert(&pki().ca_pem)]);
    options.check_chain = true;
    options.check_sender = true;
    options
}

fn legacy() -> VerifyOptions {
    let mut options = strict();
    options.policy = CryptoPolicy::strict().allow_legacy();
    options
}

fn verify(message: &[u8], options: VerifyOptions) -> VerifyReport {
    Verifier::new(options)
        .verify_bytes(message)
        .unwrap_or_else(|e| panic!("verify: {e}"))
}

fn sign(signers: Vec<SignerSpec>, form: SignForm) -> Vec<u8> {
    let options = SignOptions {
        form,
        signing_time: Some(SystemTime::now()),
    };
    Signer::new(signers, options)
        .expect("signer")
        .sign_bytes(MESSAGE)
        .expect("sign")
}

/// An opaque (application/pkcs7-mime) message: its header block and its CMS DER.
fn split_opaque(message: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let entity = parse_entity(message, "signed message").expect("entity");
    let header = message[entity.header_range.clone()].to_vec();
    let body = &message[entity.body_range.clone()];
    let der = decode_body(body, &TransferEncoding::Base64, "signed message").expect("base64");
    (header, der)
}

fn join_opaque(header: &[u8], der: &[u8]) -> Vec<u8> {
    let mut m = header.to_vec();
    m.extend_from_slice(&encode_base64_lines(der));
    m
}

/// Flip a byte in the middle of the signature value of SignerInfo `index`.
fn corrupt_signature(der: &[u8], index: usize) -> Vec<u8> {
    let signed = parse_signed_data_content_info(der).expect("SignedData");
    let signature = &signed.signer_infos[index].signature;
    assert!(signature.len() >= 64);
    let positions: Vec<usize> = der
        .windows(signature.len())
        .enumerate()
        .filter(|(_, w)| *w == &signature[..])
        .map(|(i, _)| i)
        .collect();
    assert_eq!(positions.len(), 1, "the signature value must occur once");
    let mut out = der.to_vec();
    out[positions[0] + signature.len() / 2] ^= 0x5a;
    out
}

fn assert_status(report: &VerifyReport, expected: Status, what: &str) {
    assert!(!report.valid, "{what} is valid: {report:#?}");
    assert_eq!(report.status, expected, "{what}: {report:#?}");
}

#[test]
fn library_signed_baselines_are_valid() {
    for form in [SignForm::Detached, SignForm::Opaque] {
        let report = verify(&sign(vec![spec(&pki().alice)], form), strict());
        assert!(report.valid, "{form:?}: {report:#?}");
        let report = verify(
            &sign(vec![spec(&pki().alice), spec(&pki().bob)], form),
            strict(),
        );
        assert!(report.valid, "two signers {form:?}: {report:#?}");
        assert_eq!(report.signers.len(), 2);
    }
}

#[test]
fn bogus_signer_info_appended_after_a_good_one() {
    let (header, der) = split_opaque(&sign(
        vec![spec(&pki().alice), spec(&pki().bob)],
        SignForm::Opaque,
    ));
    let bad = join_opaque(&header, &corrupt_signature(&der, 1));
    let report = verify(&bad, strict());
    assert_status(&report, Status::BadSignature, "bogus second SignerInfo");
    assert_eq!(report.signers.len(), 2);
    assert_eq!(report.signers[0].status, Status::Valid, "{report:#?}");
    assert_eq!(report.signers[1].status, Status::BadSignature);
    assert!(!report.signers[1].signature_valid);
    // Also as a bare CMS.
    let report = Verifier::new(strict())
        .verify_cms(&corrupt_signature(&der, 1)[..], None, None)
        .expect("verify");
    assert_status(
        &report,
        Status::BadSignature,
        "bogus second SignerInfo (CMS)",
    );
}

#[test]
fn bogus_signer_info_prepended_before_a_good_one() {
    let (header, der) = split_opaque(&sign(
        vec![spec(&pki().bob), spec(&pki().alice)],
        SignForm::Opaque,
    ));
    let bad = join_opaque(&header, &corrupt_signature(&der, 0));
    let report = verify(&bad, strict());
    assert_status(&report, Status::BadSignature, "bogus first SignerInfo");
    assert_eq!(report.signers[0].status, Status::BadSignature);
    assert_eq!(report.signers[1].status, Status::Valid, "{report:#?}");
    // Under the legacy policy too: a bad signer is never excused.
    let report = verify(&bad, legacy());
    assert_status(
        &report,
        Status::BadSignature,
        "bogus first SignerInfo (legacy)",
    );
}

/// Re-encode the SignedData of `der` with an empty signerInfos SET.
fn without_signers(der: &[u8]) -> Vec<u8> {
    let ci = Element::read_all(der, "ContentInfo").expect("ContentInfo");
    let ci_parts = ci.children(der, "ContentInfo").expect("ContentInfo parts");
    let explicit = &ci_parts[1];
    let sd = explicit.children(der, "[0]").expect("[0]").remove(0);
    let fields = sd.children(der, "SignedData").expect("SignedData fields");
    let last = fields.last().expect("signerInfos");
    assert_eq!(last.tag, Tag::SET, "signerInfos is the last field");
    let mut content = Vec::new();
    for f in &fields[..fields.len() - 1] {
        content.extend_from_slice(f.bytes(der));
    }
    content.extend_from_slice(&encode_tlv(Tag::SET, &[]));
    let sd = encode_tlv(Tag::SEQUENCE, &content);
    let mut ci_content = ci_parts[0].bytes(der).to_vec();
    ci_content.extend_from_slice(&encode_tlv(Tag::context(0, true), &sd));
    encode_tlv(Tag::SEQUENCE, &ci_content)
}

#[test]
fn zero_signer_infos() {
    let (header, der) = split_opaque(&sign(vec![spec(&pki().alice)], SignForm::Opaque));
    let none = without_signers(&der);
    let parsed = parse_signed_data_content_info(&none).expect("still a SignedData");
    assert!(parsed.signer_infos.is_empty());
    assert!(!parsed.certificates.is_empty());
    let report = verify(&join_opaque(&header, &none), strict());
    assert_status(&report, Status::NoSigners, "zero SignerInfos");
    assert!(report.signers.is_empty());
    let report = Verifier::new(legacy())
        .verify_cms(&none[..], None, None)
        .expect("verify");
    assert_status(&report, Status::NoSigners, "zero SignerInfos (CMS)");
}

#[test]
fn econtent_inside_a_multipart_signed_signature_part() {
    // A multipart/signed whose signature part carries a SignedData WITH eContent (the
    // opaque form): RFC 8551 3.5.3 requires the detached form there. The eContent here is
    // even the same entity as the first part, so nothing but the structure is wrong.
    let (_, der) = split_opaque(&sign(vec![spec(&pki().alice)], SignForm::Opaque));
    let entity = parse_signed_data_content_info(&der)
        .expect("SignedData")
        .econtent
        .expect("eContent");
    let mut m = b"From: alice@example.com\r\nTo: bob@example.com\r\nSubject: must fail\r\nMIME-Version: 1.0\r\nContent-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"XX\"\r\n\r\n--XX\r\n".to_vec();
    m.extend_from_slice(&entity);
    m.extend_from_slice(b"\r\n--XX\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\n");
    m.extend_from_slice(&encode_base64_lines(&der));
    m.extend_from_slice(b"--XX--\r\n");
    match Verifier::new(strict()).verify_bytes(&m) {
        Err(e) => {
            let text = e.to_string();
            eprintln!("eContent in the signature part: {text}");
            assert!(
                text.contains("eContent") || text.contains("detached"),
                "the error should name the problem: {text}"
            );
        }
        Ok(report) => {
            panic!("eContent in a multipart/signed signature part must be an error: {report:#?}")
        }
    }
}

// ---- Signed by the openssl CLI with MD5 and SHA-1 ----

/// Sign MESSAGE's body with `openssl cms -sign -md <md>` (multipart/signed) as alice.
fn openssl_signed(md: &str) -> Vec<u8> {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    std::fs::write(dir.join("alice.pem"), &pki().alice.cert_pem).unwrap();
    std::fs::write(dir.join("alice.key"), &pki().alice.key_pem).unwrap();
    let entity = parse_entity(MESSAGE, "message").expect("entity");
    let mut inner = b"Content-Type: text/plain; charset=us-ascii\r\n\r\n".to_vec();
    inner.extend_from_slice(&MESSAGE[entity.body_range.clone()]);
    std::fs::write(dir.join("entity.txt"), inner).unwrap();
    openssl(
        dir,
        &[
            "cms",
            "-sign",
            "-md",
            md,
            "-signer",
            "alice.pem",
            "-inkey",
            "alice.key",
            "-in",
            "entity.txt",
            "-out",
            "signed.eml",
        ],
    );
    let mut m =
        b"From: alice@example.com\r\nTo: bob@example.com\r\nSubject: must fail\r\n".to_vec();
    m.extend_from_slice(&std::fs::read(dir.join("signed.eml")).unwrap());
    m
}

#[test]
fn openssl_sha256_baseline_is_valid() {
    let report = verify(&openssl_signed("sha256"), strict());
    assert!(report.valid, "{report:#?}");
}

#[test]
fn md5_signed_is_weak_even_with_legacy() {
    let m = openssl_signed("md5");
    for (options, policy) in [(strict(), "strict"), (legacy(), "legacy")] {
        let report = verify(&m, options);
        assert_status(&report, Status::WeakAlgorithm, &format!("MD5 ({policy})"));
        let problems = report.signers[0].problems.join("; ");
        assert!(problems.contains("MD5"), "{problems}");
    }
}

#[test]
fn sha1_signed_is_weak_without_legacy_and_valid_with_it() {
    let m = openssl_signed("sha1");
    let report = verify(&m, strict());
    assert_status(&report, Status::WeakAlgorithm, "SHA-1 (strict)");
    assert!(report.signers[0].problems.join("; ").contains("SHA-1"));
    let report = verify(&m, legacy());
    assert!(report.valid, "SHA-1 with allow_legacy: {report:#?}");
    assert_eq!(report.status, Status::Valid);
}

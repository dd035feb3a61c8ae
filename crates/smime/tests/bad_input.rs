//! Malformed input: every case must come back as an `Err` (or an invalid report) that names
//! the problem - never a panic, never an abort, never `valid`.
//!
//! Each case goes through every entry point that reads untrusted bytes: `verify_cms` (bare
//! CMS, streamed), `verify_bytes` (the same bytes as an opaque S/MIME message), the in-memory
//! SignedData parser, `inspect`, and the fuzz entry points.
//!
//! A stack overflow aborts the whole test process, so the deep-nesting cases run in a child
//! process (this test binary, re-run on one test): the parent then fails with the child's
//! output instead of taking the other tests down with it.

use std::io::Read;
use std::path::PathBuf;
use std::process::Command;

use smime::report::Status;
use smime::verify::{Verifier, VerifyOptions};

const SIGNED_DATA_OID: &[u8] = b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02";
const DATA_OID: &[u8] = b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01";
const EOC: &[u8] = b"\x00\x00";
const CONTENT: &[u8] = b"This is some sample content.";

fn data(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn verifier() -> Verifier {
    let mut options = VerifyOptions::new(vec![]);
    options.check_chain = false;
    options.check_sender = false;
    Verifier::new(options)
}

fn opaque_message(cms: &[u8]) -> Vec<u8> {
    let mut m = b"From: alice@smime.example\r\nMIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\nContent-Transfer-Encoding: binary\r\n\r\n".to_vec();
    m.extend_from_slice(cms);
    m
}

/// What a malformed input produced.
#[derive(Debug)]
enum Outcome {
    Error(String),
    Invalid(Status, Vec<String>),
}

fn describe(result: smime::Result<smime::report::VerifyReport>, what: &str) -> Outcome {
    match result {
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.trim().is_empty(), "{what}: an error without a message");
            Outcome::Error(msg)
        }
        Ok(report) => {
            assert!(
                !report.valid && report.status != Status::Valid,
                "{what}: a malformed input came out valid: {report:#?}"
            );
            let problems = report
                .signers
                .iter()
                .flat_map(|s| s.problems.clone())
                .collect();
            Outcome::Invalid(report.status, problems)
        }
    }
}

/// Run a malformed CMS through every entry point; return the bare-CMS outcome (with detached
/// content given, so that "the signature is detached" is not what stops it).
fn check_cms(bytes: &[u8], what: &str) -> Outcome {
    let attached = describe(verifier().verify_cms(bytes, None, None), what);
    let mut content: &[u8] = CONTENT;
    let detached = describe(
        verifier().verify_cms(bytes, Some(&mut content as &mut dyn Read), None),
        what,
    );
    describe(verifier().verify_bytes(&opaque_message(bytes)), what);
    assert!(
        smime::cms::signed_data::parse_signed_data_content_info(bytes).is_err(),
        "{what}: the in-memory parser accepted it"
    );
    let _ = smime::inspect::inspect(bytes);
    smime::fuzzing::signed_data(bytes);
    eprintln!("{what}: attached {attached:?}; detached {detached:?}");
    detached
}

fn error_text(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Error(m) => m.to_ascii_lowercase(),
        Outcome::Invalid(status, problems) => format!("{status:?} {}", problems.join("; ")),
    }
}

fn assert_names(outcome: &Outcome, what: &str, words: &[&str]) {
    let text = error_text(outcome);
    assert!(
        words.iter().any(|w| text.contains(w)),
        "{what}: the error should name the problem (one of {words:?}): {outcome:?}"
    );
}

// ---- DER / BER ----

#[test]
fn empty_input() {
    let outcome = describe(verifier().verify_cms(&b""[..], None, None), "empty");
    assert_names(&outcome, "empty", &["empty"]);
    let outcome = describe(verifier().verify_bytes(b""), "empty message");
    assert!(matches!(outcome, Outcome::Error(_)), "{outcome:?}");
    assert!(smime::cms::signed_data::parse_signed_data_content_info(b"").is_err());
    let _ = smime::inspect::inspect(b"");
    smime::fuzzing::signed_data(b"");
    smime::mime::fuzz_split(b"");
}

#[test]
fn truncated_der_at_every_length() {
    let whole = data("rfc9216/examples-cms/binary-files/signedByAliceRSA.p7m");
    // Every cut inside the structure (the last byte of the signature included).
    for len in (1..whole.len()).step_by(7).chain([whole.len() - 1]) {
        let cut = &whole[..len];
        let outcome = describe(verifier().verify_cms(cut, None, None), "truncated");
        if len == whole.len() / 2 || len == whole.len() - 1 {
            assert_names(
                &outcome,
                &format!("truncated at {len}"),
                &["truncated", "ends", "short", "expected"],
            );
        }
        assert!(smime::cms::signed_data::parse_signed_data_content_info(cut).is_err());
        describe(
            verifier().verify_bytes(&opaque_message(cut)),
            "truncated message",
        );
    }
    for len in [1, 2, 20, whole.len() / 2, whole.len() - 1] {
        check_cms(&whole[..len], &format!("truncated at {len}"));
    }
}

#[test]
fn truncated_ber_indefinite() {
    let whole = data("rfc4134/4.5.bin");
    for len in (1..whole.len()).step_by(5) {
        check_cms(&whole[..len], &format!("BER truncated at {len}"));
    }
}

#[test]
fn length_claiming_two_to_the_forty_bytes() {
    let huge = [0x86, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00]; // 6 length octets: 2^40
                                                           // On the outer ContentInfo.
    let mut outer = vec![0x30];
    outer.extend_from_slice(&huge);
    outer.extend_from_slice(SIGNED_DATA_OID);
    let outcome = check_cms(&outer, "2^40 outer length");
    assert_names(
        &outcome,
        "2^40 outer length",
        &["truncated", "length", "too long", "large", "limit", "ends"],
    );
    // On the SignedData, then on the eContent OCTET STRING, then on a certificate.
    let mut inner = b"\x30\x80".to_vec();
    inner.extend_from_slice(SIGNED_DATA_OID);
    inner.extend_from_slice(b"\xa0\x80\x30");
    inner.extend_from_slice(&huge);
    inner.extend_from_slice(b"\x02\x01\x01\x31\x00");
    check_cms(&inner, "2^40 SignedData length");
    let mut econtent = b"\x30\x80".to_vec();
    econtent.extend_from_slice(SIGNED_DATA_OID);
    econtent.extend_from_slice(b"\xa0\x80\x30\x80\x02\x01\x01\x31\x00\x30\x80");
    econtent.extend_from_slice(DATA_OID);
    econtent.extend_from_slice(b"\xa0\x80\x04");
    econtent.extend_from_slice(&huge);
    econtent.extend_from_slice(b"some content");
    check_cms(&econtent, "2^40 eContent length");
    let mut certs = b"\x30\x80".to_vec();
    certs.extend_from_slice(SIGNED_DATA_OID);
    certs.extend_from_slice(b"\xa0\x80\x30\x80\x02\x01\x01\x31\x00\x30\x80");
    certs.extend_from_slice(DATA_OID);
    certs.extend_from_slice(b"\x00\x00\xa0");
    certs.extend_from_slice(&huge);
    certs.extend_from_slice(b"\x30\x03\x02\x01\x01");
    check_cms(&certs, "2^40 certificates length");
    // A length that does not fit in usize at all (9 length octets).
    let mut overflow = vec![0x30, 0x89, 0x01, 0, 0, 0, 0, 0, 0, 0, 0];
    overflow.extend_from_slice(SIGNED_DATA_OID);
    check_cms(&overflow, "2^64 outer length");
}

/// `\x30\x80` (SEQUENCE, indefinite) `depth` times, then as many end-of-contents.
fn nested_indefinite(depth: usize) -> Vec<u8> {
    let mut v = b"\x30\x80".repeat(depth);
    v.extend_from_slice(&EOC.repeat(depth));
    v
}

/// A SignedData with `inner` placed at `field`.
fn signed_data_with(field: &str, inner: &[u8]) -> Vec<u8> {
    let mut m = b"\x30\x80".to_vec();
    m.extend_from_slice(SIGNED_DATA_OID);
    m.extend_from_slice(b"\xa0\x80\x30\x80\x02\x01\x01\x31\x00\x30\x80");
    m.extend_from_slice(DATA_OID);
    match field {
        "econtent" => {
            m.extend_from_slice(b"\xa0\x80");
            m.extend_from_slice(inner);
            m.extend_from_slice(EOC);
            m.extend_from_slice(EOC);
            m.extend_from_slice(b"\x31\x00");
        }
        "certificates" => {
            m.extend_from_slice(EOC);
            m.extend_from_slice(b"\xa0\x80");
            m.extend_from_slice(inner);
            m.extend_from_slice(EOC);
            m.extend_from_slice(b"\x31\x00");
        }
        "signerInfos" => {
            m.extend_from_slice(EOC);
            m.extend_from_slice(b"\x31\x80");
            m.extend_from_slice(inner);
            m.extend_from_slice(EOC);
        }
        other => panic!("{other}"),
    }
    m.extend_from_slice(EOC);
    m.extend_from_slice(EOC);
    m.extend_from_slice(EOC);
    m
}

const CHILD_ENV: &str = "SMIME_BAD_INPUT_CHILD";

/// Run the test `name` of this binary in a child process with CHILD_ENV set; fail with its
/// output if it did not pass (a stack overflow aborts the child, not us).
fn in_child(name: &str) -> Option<String> {
    let exe = std::env::current_exe().expect("test binary");
    let output = Command::new(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .output()
        .expect("run the child");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.success() && stdout.contains("1 passed") {
        None
    } else {
        let tail: Vec<&str> = stderr.lines().rev().take(6).collect();
        Some(format!(
            "{name} ({}): {}",
            output.status,
            tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
        ))
    }
}

fn is_child() -> bool {
    std::env::var_os(CHILD_ENV).is_some()
}

#[test]
fn ten_thousand_nested_indefinite_sequences() {
    let failures: Vec<String> = [
        "child_nested_top_level",
        "child_nested_in_econtent",
        "child_nested_in_certificates",
        "child_nested_in_signer_infos",
        "child_nested_octet_string_chunks",
    ]
    .into_iter()
    .filter_map(in_child)
    .collect();
    assert!(
        failures.is_empty(),
        "deeply nested BER crashed or was accepted:\n{}",
        failures.join("\n")
    );
}

#[test]
fn child_nested_top_level() {
    if !is_child() {
        return;
    }
    let outcome = check_cms(&nested_indefinite(10_000), "10000 nested SEQUENCEs");
    assert!(matches!(outcome, Outcome::Error(_)), "{outcome:?}");
    let e = smime::ber::Element::read_all(&nested_indefinite(10_000), "nested");
    assert!(e.is_err(), "the BER reader accepted 10000 levels");
}

#[test]
fn child_nested_in_econtent() {
    if !is_child() {
        return;
    }
    let m = signed_data_with("econtent", &nested_indefinite(10_000));
    check_cms(&m, "10000 nested SEQUENCEs as eContent");
}

#[test]
fn child_nested_in_certificates() {
    if !is_child() {
        return;
    }
    let m = signed_data_with("certificates", &nested_indefinite(10_000));
    let outcome = check_cms(&m, "10000 nested SEQUENCEs in certificates");
    assert_names(&outcome, "nested certificates", &["nest", "deep", "depth"]);
}

#[test]
fn child_nested_in_signer_infos() {
    if !is_child() {
        return;
    }
    let m = signed_data_with("signerInfos", &nested_indefinite(10_000));
    let outcome = check_cms(&m, "10000 nested SEQUENCEs in signerInfos");
    assert_names(&outcome, "nested signerInfos", &["nest", "deep", "depth"]);
}

#[test]
fn child_nested_octet_string_chunks() {
    if !is_child() {
        return;
    }
    let mut chunks = b"\x24\x80".repeat(10_000);
    chunks.extend_from_slice(&EOC.repeat(10_000));
    let m = signed_data_with("econtent", &chunks);
    let outcome = check_cms(&m, "10000 nested OCTET STRING chunks");
    assert_names(&outcome, "nested chunks", &["nest", "deep", "depth"]);
}

#[test]
fn garbage_that_is_not_cms() {
    for bytes in [
        &b"\x04\x03abc"[..],
        b"\x30\x03\x02\x01\x01",
        b"\x30\x00",
        b"\xff\xff\xff\xff",
        b"-----BEGIN PKCS7-----\nnot base64 !!\n-----END PKCS7-----\n",
        b"\x00\x00\x00\x00",
    ] {
        check_cms(bytes, &format!("garbage {bytes:02x?}"));
    }
}

// ---- MIME ----

const MULTIPART_HEAD: &[u8] = b"From: alice@smime.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"BB\"\r\n\r\n";
const CONTENT_PART: &[u8] = b"Content-Type: text/plain\r\n\r\nThis is some sample content.\r\n";
const SIGNATURE_HEAD: &[u8] = b"Content-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\n";

fn base64_lines(der: &[u8]) -> Vec<u8> {
    smime::mime::encode_base64_lines(der)
}

fn multipart(parts: &[&[u8]], close: bool) -> Vec<u8> {
    let mut m = MULTIPART_HEAD.to_vec();
    for p in parts {
        m.extend_from_slice(b"--BB\r\n");
        m.extend_from_slice(p);
    }
    if close {
        m.extend_from_slice(b"--BB--\r\n");
    }
    m
}

fn signature_part(body: &[u8]) -> Vec<u8> {
    let mut p = SIGNATURE_HEAD.to_vec();
    p.extend_from_slice(body);
    p
}

fn check_message(message: &[u8], what: &str) -> Outcome {
    let outcome = describe(verifier().verify_bytes(message), what);
    // Also with LF line ends, as a local mailbox would store it.
    let lf: Vec<u8> = String::from_utf8_lossy(message)
        .replace("\r\n", "\n")
        .into_bytes();
    describe(verifier().verify_bytes(&lf), what);
    smime::mime::fuzz_split(message);
    smime::mime::fuzz_split(&lf);
    let _ = smime::inspect::inspect(message);
    eprintln!("{what}: {outcome:?}");
    outcome
}

fn good_signature() -> Vec<u8> {
    base64_lines(&data(
        "rfc9216/examples-cms/binary-files/signedByCarlosDetached.p7m",
    ))
}

#[test]
fn well_formed_multipart_baseline_is_parsed() {
    // The structure is fine; the signature does not cover this MIME entity, so it must be
    // a bad signature (not a parse error): the cases below differ from this one only in
    // their defect.
    let m = multipart(&[CONTENT_PART, &signature_part(&good_signature())], true);
    let outcome = check_message(&m, "baseline");
    assert!(
        matches!(outcome, Outcome::Invalid(Status::BadSignature, _)),
        "{outcome:?}"
    );
}

#[test]
fn non_base64_in_the_signature_part() {
    for body in [
        &b"MIIB!!not*base64@@\xff\xfe###\r\n"[..],
        b"%%%%\r\n",
        b"MIIB====MIIB\r\n",
    ] {
        let m = multipart(&[CONTENT_PART, &signature_part(body)], true);
        let outcome = check_message(&m, "non-base64 signature");
        assert!(matches!(outcome, Outcome::Error(_)), "{outcome:?}");
        assert_names(&outcome, "non-base64 signature", &["base64"]);
    }
    // Base64 of something that is not CMS.
    let m = multipart(
        &[CONTENT_PART, &signature_part(&base64_lines(b"hello world"))],
        true,
    );
    let outcome = check_message(&m, "base64 of garbage");
    assert!(matches!(outcome, Outcome::Error(_)), "{outcome:?}");
    // An empty signature part.
    let m = multipart(&[CONTENT_PART, &signature_part(b"")], true);
    check_message(&m, "empty signature part");
}

#[test]
fn multipart_signed_with_three_parts() {
    let sig = signature_part(&good_signature());
    let extra: &[u8] = b"Content-Type: text/plain\r\n\r\nextra\r\n";
    let m = multipart(&[CONTENT_PART, &sig, extra], true);
    let outcome = check_message(&m, "three parts");
    assert!(matches!(outcome, Outcome::Error(_)), "{outcome:?}");
    assert_names(&outcome, "three parts", &["2 parts", "two parts", "3"]);
    // And with one part only.
    let m = multipart(&[CONTENT_PART], true);
    let outcome = check_message(&m, "one part");
    assert!(matches!(outcome, Outcome::Error(_)), "{outcome:?}");
}

#[test]
fn missing_close_delimiter() {
    let sig = signature_part(&good_signature());
    let m = multipart(&[CONTENT_PART, &sig], false);
    let outcome = check_message(&m, "no close delimiter");
    assert!(matches!(outcome, Outcome::Error(_)), "{outcome:?}");
    assert_names(
        &outcome,
        "no close delimiter",
        &["close delimiter", "not closed"],
    );
    // No delimiter at all.
    let mut m = MULTIPART_HEAD.to_vec();
    m.extend_from_slice(CONTENT_PART);
    let outcome = check_message(&m, "no delimiter at all");
    assert!(matches!(outcome, Outcome::Error(_)), "{outcome:?}");
    // The boundary parameter missing.
    let m = String::from_utf8(multipart(&[CONTENT_PART, &sig], true))
        .unwrap()
        .replace("; boundary=\"BB\"", "");
    let outcome = check_message(m.as_bytes(), "no boundary parameter");
    assert!(matches!(outcome, Outcome::Error(_)), "{outcome:?}");
}

#[test]
fn header_only_and_unterminated_messages() {
    for m in [
        &b"From: a@example.com\r\n"[..],
        b"From: a@example.com\r\nContent-Type: multipart/signed; boundary=x\r\n",
        b"From: a@example.com\r\nContent-Type: application/pkcs7-mime; smime-type=signed-data\r\nContent-Transfer-Encoding: base64\r\n\r\n",
        b"Content-Type: multipart/signed; boundary=\"\"\r\n\r\n--\r\n\r\n----\r\n",
        b"\r\n\r\n",
    ] {
        check_message(m, &format!("{:?}", String::from_utf8_lossy(m)));
    }
}

#[test]
fn rfc2231_extended_parameter_with_a_percent_before_non_ascii() {
    // Found by fuzzing mime_split: an RFC 2231 `name*=` value with `%` followed by a
    // non-ASCII byte. Must be an error or an invalid report, not a panic.
    for header in [
        &b"Content-Type: multipart/signed; micalg*=x\xff%\xff"[..],
        b"Content-Type: text/plain; name*=utf-8''%\xc3\xa9",
        b"Content-Type: application/pkcs7-mime; smime-type*=%\xe2\x82\xac",
    ] {
        let mut m = b"From: a@example.com\r\n".to_vec();
        m.extend_from_slice(header);
        m.extend_from_slice(b"\r\n\r\nbody\r\n");
        let what = String::from_utf8_lossy(header).into_owned();
        let result = std::panic::catch_unwind(|| {
            let _ = verifier().verify_bytes(&m).map(|r| {
                assert!(!r.valid, "{what}: valid");
            });
            smime::mime::fuzz_split(&m);
        });
        assert!(result.is_ok(), "{what}: panicked");
    }
}

//! Replays the cargo-fuzz corpora (fuzz/corpus/<target>/: the `seed-*` inputs and any
//! `crash-*` input a fuzzing run found) through the same entry points as the fuzz targets,
//! so that every past finding stays a regression test on stable Rust, without cargo-fuzz.
//!
//! Each input's name is written to stderr before it runs: a stack overflow or abort takes the whole
//! process down, and the last name printed is the culprit.

use std::io::Write;
use std::path::{Path, PathBuf};

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "{}: the corpus has no files",
        dir.display()
    );
    assert!(
        files.iter().any(|p| p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("seed-"))),
        "{}: no seed-* input",
        dir.display()
    );
    files
}

fn replay(target: &str, run: fn(&[u8])) {
    let files = corpus(target);
    for path in &files {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // Straight to stderr, past the test harness's capture, so that it survives an abort.
        let _ = writeln!(
            std::io::stderr(),
            "{target}: {} ({} bytes)",
            path.display(),
            bytes.len()
        );
        let result = std::panic::catch_unwind(|| run(&bytes));
        assert!(
            result.is_ok(),
            "{target}: {} panicked (see the message above)",
            path.display()
        );
    }
    eprintln!("{target}: {} inputs replayed", files.len());
}

#[test]
fn mime_split_corpus() {
    replay("mime_split", smime::mime::fuzz_split);
}

#[test]
fn cms_signed_data_corpus() {
    replay("cms_signed_data", smime::fuzzing::signed_data);
}

#[test]
fn cms_receipt_corpus() {
    replay("cms_receipt", smime::fuzzing::receipt);
}

#[test]
fn cms_compressed_corpus() {
    replay("cms_compressed", smime::fuzzing::compressed_data);
}

#[test]
fn cms_recipient_info_corpus() {
    replay("cms_recipient_info", smime::fuzzing::recipient_infos);
}

#[test]
fn open_corpus() {
    fn run(data: &[u8]) {
        smime::fuzzing::open(
            data,
            include_bytes!("../../../fuzz/keys/open.pem"),
            include_bytes!("../../../fuzz/keys/open.key"),
        );
    }
    replay("open", run);
}

/// The cms_enveloped target's entry point with its fixed identity (RFC 9216 Bob).
fn enveloped_with_bob(data: &[u8]) {
    const CERTIFICATE: &[u8] =
        include_bytes!("data/rfc9216/examples-cms/certs-and-keys/lamps-bob.encrypt.crt");
    const KEY: &[u8] =
        include_bytes!("data/rfc9216/examples-cms/certs-and-keys/lamps-bob.decrypt.p8.pem");
    smime::fuzzing::enveloped_data(data, CERTIFICATE, KEY);
}

#[test]
fn cms_enveloped_corpus() {
    replay("cms_enveloped", enveloped_with_bob);
}

#[test]
fn pkix_policy_corpus() {
    replay(
        "pkix_policy",
        smime_pkix::policy_tree::fuzz_policy_processing,
    );
}

/// smime-pkix's targets: CRLs and OCSP responses come from the network.
#[test]
fn crl_corpus() {
    replay("crl", smime_pkix::fuzzing::crl);
}

#[test]
fn ocsp_response_corpus() {
    replay("ocsp_response", smime_pkix::fuzzing::ocsp_response);
}

#[test]
fn pkcs12_corpus() {
    replay("pkcs12", smime::fuzzing::pkcs12);
}

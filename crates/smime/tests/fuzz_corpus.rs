//! Replays the cargo-fuzz corpora (fuzz/corpus/<target>/: the `seed-*` inputs and any
//! `crash-*` input a fuzzing run found) through the same entry points as the fuzz targets,
//! so that every past finding stays a regression test on stable Rust, without cargo-fuzz.
//!
//! Each input's name is written to stderr before it runs: a stack overflow or abort takes the whole
//! process down, and the last name printed is the culprit.

mod fuzz_replay;

use fuzz_replay::replay;

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

//! Replays the corpus of smime-ca's fuzz target (fuzz/corpus/ocsp_request/: the `seed-*`
//! requests and any `crash-*` input a fuzzing run found) through the target's entry point,
//! so every finding stays a regression test on stable Rust.

#[path = "../../smime/tests/fuzz_replay/mod.rs"]
mod fuzz_replay;

use std::sync::OnceLock;

use smime_ca::ocsp_responder::OcspResponder;
use x509_ocsp::OcspResponseStatus;

/// The fuzz target's responder (fuzz/keys/), made once.
fn responder() -> &'static OcspResponder {
    static RESPONDER: OnceLock<Option<OcspResponder>> = OnceLock::new();
    RESPONDER
        .get_or_init(|| {
            smime_ca::fuzzing::ocsp_responder(
                include_bytes!("../../../fuzz/keys/ocsp-ca.pem"),
                include_bytes!("../../../fuzz/keys/ocsp-responder.pem"),
                include_bytes!("../../../fuzz/keys/ocsp-responder.key"),
            )
        })
        .as_ref()
        .expect("the fuzz keys make a responder (fuzz/keys/README.md)")
}

fn answer(data: &[u8]) {
    smime_ca::fuzzing::ocsp_request(responder(), data);
}

#[test]
fn ocsp_request_corpus() {
    fuzz_replay::replay("ocsp_request", answer);
}

/// The seeds reach the responder's whole path (matching, lookup, signing), except the one
/// for another issuer: a corpus of refusals would fuzz the parser only.
#[test]
fn ocsp_request_seeds_are_answered_as_intended() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/ocsp_request");
    let at = std::time::SystemTime::now();
    for (seed, expected) in [
        ("seed-good-sha1-nonce.der", OcspResponseStatus::Successful),
        ("seed-revoked-sha1.der", OcspResponseStatus::Successful),
        (
            "seed-revoked-sha256-nonce.der",
            OcspResponseStatus::Successful,
        ),
        ("seed-three-serials.der", OcspResponseStatus::Successful),
        ("seed-other-issuer.der", OcspResponseStatus::Unauthorized),
    ] {
        let request = std::fs::read(dir.join(seed)).expect("read the seed");
        assert_eq!(responder().respond(&request, at).status, expected, "{seed}");
    }
}

//! Fuzz the OCSP responder of smime-ca with requests (RFC 6960 4.1, untrusted network input).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use smime_ca::ocsp_responder::OcspResponder;

/// Made once: reading the keys on every input would slow the run down for nothing.
static RESPONDER: OnceLock<Option<OcspResponder>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let responder = RESPONDER.get_or_init(|| {
        smime_ca::fuzzing::ocsp_responder(
            include_bytes!("../keys/ocsp-ca.pem"),
            include_bytes!("../keys/ocsp-responder.pem"),
            include_bytes!("../keys/ocsp-responder.key"),
        )
    });
    if let Some(responder) = responder {
        smime_ca::fuzzing::ocsp_request(responder, data);
    }
});

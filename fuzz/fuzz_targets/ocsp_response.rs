//! Fuzz OCSP response parsing and verification (RFC 6960 3.2) in smime-pkix.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    smime_pkix::fuzzing::ocsp_response(data);
});

//! Fuzz CRL reading (PEM/DER) and RFC 5280 6.3.3 CRL processing in smime-pkix.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    smime_pkix::fuzzing::crl(data);
});

//! Fuzz PKCS#12 reading (RFC 7292: PBES2 and the legacy PKCS#12 PBE, MAC) and the export
//! writer over what reads.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    smime::fuzzing::pkcs12(data);
});

//! Fuzz the CMS SignedData parsers (in memory and streamed) and the whole verifier.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    smime::fuzzing::signed_data(data);
});

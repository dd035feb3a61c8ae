//! Fuzz the raw MIME layer: entity split, multipart split against the streaming scanner,
//! transfer decoding, address parsing and canonicalisation for signing.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    smime::mime::fuzz_split(data);
});

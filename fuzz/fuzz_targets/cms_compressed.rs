//! Fuzz the CompressedData reader (RFC 3274) with a small output limit, the decompressor and
//! the compress/decompress round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    smime::fuzzing::compressed_data(data);
});

//! Fuzz `smime open`: layer detection, decryption with a fixed key, verification, the EFAIL
//! part search and header protection, with a small depth limit.
#![no_main]

use libfuzzer_sys::fuzz_target;

const CERT: &[u8] = include_bytes!("../keys/open.pem");
const KEY: &[u8] = include_bytes!("../keys/open.key");

fuzz_target!(|data: &[u8]| {
    smime::fuzzing::open(data, CERT, KEY);
});

//! Fuzz the EnvelopedData/AuthEnvelopedData reader (in memory and streamed) and a whole
//! decryption with a fixed identity (RFC 9216 Bob's certificate and key).
#![no_main]

use libfuzzer_sys::fuzz_target;

const CERTIFICATE: &[u8] = include_bytes!(
    "../../crates/smime/tests/data/rfc9216/examples-cms/certs-and-keys/lamps-bob.encrypt.crt"
);
const KEY: &[u8] = include_bytes!(
    "../../crates/smime/tests/data/rfc9216/examples-cms/certs-and-keys/lamps-bob.decrypt.p8.pem"
);

fuzz_target!(|data: &[u8]| {
    smime::fuzzing::enveloped_data(data, CERTIFICATE, KEY);
});

//! Fuzz the RecipientInfo layer (RFC 5652 6.2): ktri, kari and kekri parsing, and the
//! recipient search and key unwrap for EC, X25519 and KEK identities.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    smime::fuzzing::recipient_infos(data);
});

//! Fuzz the ESS signed-receipt parsers (RFC 2634 ReceiptRequest and Receipt) and the receipt
//! check against an original message.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    smime::fuzzing::receipt(data);
});

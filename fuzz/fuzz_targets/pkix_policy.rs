//! Fuzz certificate policy processing (RFC 5280 6.1 valid_policy_tree): policy extensions
//! of a path of certificates under user inputs taken from the first two bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    smime_pkix::policy_tree::fuzz_policy_processing(data);
});

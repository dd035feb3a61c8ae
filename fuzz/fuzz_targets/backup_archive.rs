//! Fuzz the store's backup archive reader (an archive is untrusted input: it may come from
//! anywhere): the header, the passphrase check and the chunk framing with a fixed
//! passphrase, and the table-by-table contents reader over arbitrary plaintext.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = smime_store::backup::fuzz_archive(data);
});

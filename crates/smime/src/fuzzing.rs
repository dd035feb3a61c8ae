//! Entry points for the cargo-fuzz targets in `fuzz/` and for the tests that replay their
//! corpora. Each must return normally for any input: an error is fine, a panic is a bug.

use std::io::Read;

use crate::cms::signed_data;
use crate::verify::{Verifier, VerifyOptions};

/// A reader that hands out at most `step` bytes per call, to exercise streaming paths.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

struct Discard;

impl signed_data::EContentSink for Discard {
    fn digest_algorithms(&mut self, _: &[spki::AlgorithmIdentifierOwned]) -> crate::Result<()> {
        Ok(())
    }
    fn content(&mut self, _: &[u8]) -> crate::Result<()> {
        Ok(())
    }
}

/// The CMS SignedData parser, in memory and streamed (in two chunkings), then the whole
/// verifier over the same bytes as a bare CMS object and wrapped in an opaque S/MIME message.
pub fn signed_data(data: &[u8]) {
    let in_memory = signed_data::parse_signed_data_content_info(data);
    for step in [1, 7, 4096] {
        let streamed = signed_data::stream_signed_data(Trickle { data, step }, &mut Discard);
        if let (Ok(a), Ok(b)) = (&in_memory, &streamed) {
            assert_eq!(
                a.signer_infos.len(),
                b.signer_infos.len(),
                "streamed and in-memory parsers disagree"
            );
        }
    }
    let verifier = Verifier::new(VerifyOptions::new(vec![]));
    let _ = verifier.verify_cms(data, None, None);
    let mut message = b"From: a@example.com\r\nContent-Type: application/pkcs7-mime; smime-type=signed-data\r\nContent-Transfer-Encoding: binary\r\n\r\n".to_vec();
    message.extend_from_slice(data);
    let _ = verifier.verify_bytes(&message);
    let _ = crate::inspect::inspect(data);
}

/// The ESS parsers (RFC 2634): ReceiptRequest and Receipt decoding, which must re-encode to
/// the same bytes when they succeed (DER is canonical), then the whole receipt check with
/// the input as both receipt and original, as a bare CMS object and as an S/MIME message.
pub fn receipt(data: &[u8]) {
    use crate::cms::receipt::{Receipt, ReceiptRequest};
    use der::Encode;
    if let Ok(request) = ReceiptRequest::from_attribute_value(data) {
        let _ = request.receipts_from_kind();
        let _ = request.receipts_to_addresses();
        let _ = crate::report::ReceiptRequestReport::new(&request);
        let encoded = request.to_der().expect("a decoded ReceiptRequest encodes");
        assert_eq!(encoded, data, "ReceiptRequest does not round-trip");
    }
    if let Ok(receipt) = Receipt::from_content(data) {
        let encoded = receipt.to_content().expect("a decoded Receipt encodes");
        assert_eq!(encoded, data, "Receipt does not round-trip");
    }
    let options = VerifyOptions::new(vec![]);
    let _ = crate::receipt::verify_receipt(data, data, &options);
    let mut message = b"Content-Type: application/pkcs7-mime; smime-type=signed-receipt\r\nContent-Transfer-Encoding: binary\r\n\r\n".to_vec();
    message.extend_from_slice(data);
    let _ = crate::receipt::verify_receipt(&message[..], data, &options);
}

/// The CompressedData reader (RFC 3274) with a 64 KiB output limit, in three chunkings that must
/// agree, the message-level decompressor over the same bytes bare and inside a message, and
/// inspection; then the bytes as content through the writer and back, which must round-trip.
pub fn compressed_data(data: &[u8]) {
    use crate::cms::compressed_data::{
        compress_to_vec, decompress_content_info, decompress_to_vec,
    };
    use crate::compress::{DecompressOptions, Decompressor};

    const LIMIT: u64 = 64 * 1024;
    let whole = decompress_to_vec(data, LIMIT);
    for step in [1, 7, 4096] {
        let mut out = Vec::new();
        let streamed = decompress_content_info(Trickle { data, step }, &mut out, LIMIT);
        match (&whole, &streamed) {
            (Ok((a, bytes)), Ok(b)) => {
                assert_eq!(a, b, "chunkings disagree (step {step})");
                assert_eq!(
                    bytes, &out,
                    "chunkings disagree on the content (step {step})"
                );
            }
            (Err(_), Err(_)) => {}
            _ => panic!("one chunking failed and another did not (step {step})"),
        }
    }
    let decompressor = Decompressor::new(DecompressOptions { max_size: LIMIT });
    let _ = decompressor.decompress_bytes(data);
    let mut message = b"From: a@example.com\r\nContent-Type: application/pkcs7-mime; smime-type=compressed-data\r\nContent-Transfer-Encoding: binary\r\n\r\n".to_vec();
    message.extend_from_slice(data);
    let _ = decompressor.decompress_bytes(&message);
    let _ = crate::inspect::inspect(data);

    let cms = compress_to_vec(data).expect("compressing into memory cannot fail");
    let (_, back) = decompress_to_vec(&cms, LIMIT.max(data.len() as u64))
        .expect("our own CompressedData must decompress");
    assert_eq!(back, data, "compress/decompress round trip");
}

/// Fixed test keys for [`recipient_infos`] (made for this purpose, never used elsewhere): a
/// P-256 key (SEC1 DER) and an X25519 key (PKCS#8 DER).
const FUZZ_P256_KEY: &str = "3077020101042047e1b836962eaa8a4a34a6e1602eba0dd27a990fb74c0c500e680725ed41e639a00a06082a8648ce3d030107a14403420004ca588c42abe0d0800b9b27db607af1bc371d85fd9a21b98f9f6ed9074247807f5d968efd4abe4aa54ed3c316eae18bbefb2bf3da26325e9868fff308a31455e7";
const FUZZ_X25519_KEY: &str =
    "302e020100300506032b656e04220420d0d061decd3c0a4d77ef1325ff481afba4d16e7e6e96e0fe7cf2a0581c796c7f";

fn fuzz_key(hex: &str) -> crate::crypto::DecryptingKey {
    let der: Vec<u8> = (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex"))
        .collect();
    crate::crypto::DecryptingKey::from_pem_or_der(&der, "fuzz key").expect("fuzz key")
}

/// The RecipientInfo layer (RFC 5652 6.2): the input read as a whole EnvelopedData /
/// AuthEnvelopedData ContentInfo and as a bare recipientInfos SET; every RecipientInfo
/// described, then the search and unwrap run for a P-256 key, an X25519 key (both tried
/// against every RecipientInfo of their kind, so arbitrary originator keys reach the key
/// agreement) and a key-encryption key with the identifier `keyid`. Nothing may panic, and
/// every candidate key has the requested length.
pub fn recipient_infos(data: &[u8]) {
    use crate::cms::recipient_info::{parse_recipient_infos, RecipientInfo};
    use crate::recipient::{
        content_key_candidates, KeyEncryptionKey, RecipientIdentity, RecipientSearch,
    };
    let mut sets = Vec::new();
    if let Ok(enveloped) = crate::cms::enveloped_data::parse_enveloped_content_info(data) {
        sets.push(enveloped.recipient_infos);
    }
    if let Ok(element) = crate::ber::Element::read_all(data, "recipientInfos") {
        if let Ok(infos) = parse_recipient_infos(data, &element) {
            sets.push(infos);
        }
    }
    let identities = [
        RecipientIdentity::key_only(fuzz_key(FUZZ_P256_KEY)),
        RecipientIdentity::key_only(fuzz_key(FUZZ_X25519_KEY)),
        RecipientIdentity::kek(
            KeyEncryptionKey::new(b"keyid".to_vec(), zeroize::Zeroizing::new(vec![7u8; 32]))
                .expect("a 32-byte key"),
        ),
    ];
    for infos in &sets {
        let _: Vec<String> = infos.iter().map(RecipientInfo::describe).collect();
        for identity in &identities {
            for key_len in [16, 32] {
                if let Ok(RecipientSearch::Found(candidates)) =
                    content_key_candidates(infos, identity, key_len, &crate::CryptoPolicy::strict())
                {
                    for c in candidates {
                        assert_eq!(c.key.len(), key_len, "a candidate key of the wrong length");
                        assert!(c.index < infos.len());
                    }
                }
            }
        }
    }
}

/// `smime open` of a message with one fixed recipient key (`cert_pem`, `key_pem`: the fuzz
/// target's own pair, also its trust anchor), a depth limit of 3 and 1 MiB per compressed
/// layer, read in two chunkings:
/// both must come to the same result and the same output.
pub fn open(data: &[u8], cert_pem: &[u8], key_pem: &[u8]) {
    use crate::crypto::{load_certificates, DecryptingKey};
    use crate::open::{OpenOptions, Opener};

    let cert = load_certificates(cert_pem, "fuzz certificate")
        .expect("the fuzz certificate loads")
        .remove(0);
    let key = DecryptingKey::from_pem_or_der(key_pem, "fuzz key").expect("the fuzz key loads");
    let mut options = OpenOptions::new(vec![cert.clone()]);
    options.max_depth = 3;
    options.max_decompressed = 1 << 20;
    let opener = Opener::new(vec![(cert, key)], crate::CryptoPolicy::strict(), options);
    let mut outcomes = Vec::new();
    for step in [4096, 7] {
        let mut out = Vec::new();
        let result = opener.open(Trickle { data, step }, &mut out);
        if let Ok(report) = &result {
            assert!(
                report.valid || out.is_empty(),
                "output written for an invalid message"
            );
        }
        outcomes.push((result.map(|r| (r.valid, r.layers.len())).ok(), out));
    }
    assert_eq!(outcomes[0], outcomes[1], "the chunking changed the result");
}

/// The EnvelopedData/AuthEnvelopedData reader in three chunkings that must agree, then a
/// whole decryption (legacy ciphers allowed) with a fixed identity, bare and inside a
/// message, and inspection. `certificate` and `key` (PEM) are RFC 9216 Bob's, so that seeds
/// made for him reach the content stage: the cipher, the tag and padding checks and the
/// plaintext sink, where a decryption that fails must not release anything.
pub fn enveloped_data(data: &[u8], certificate: &[u8], key: &[u8]) {
    use crate::cms::enveloped_data::{parse_enveloped_content_info, EnvelopedReader};
    use crate::decrypt::{DecryptStatus, Decryptor};

    let whole = parse_enveloped_content_info(data);
    for step in [1, 7, 4096] {
        let streamed = EnvelopedReader::new(Trickle { data, step }).and_then(|mut reader| {
            let mut content = Vec::new();
            let tail = reader.read_content(&mut |chunk| {
                content.extend_from_slice(chunk);
                Ok(())
            })?;
            Ok((reader.head().recipient_infos.len(), content, tail.mac))
        });
        match (&whole, &streamed) {
            (Ok(a), Ok((recipients, content, mac))) => {
                assert_eq!(a.recipient_infos.len(), *recipients, "step {step}");
                assert_eq!(&a.encrypted_content, content, "step {step}");
                assert_eq!(&a.mac, mac, "step {step}");
            }
            (Err(_), Err(_)) => {}
            _ => panic!("one chunking failed and another did not (step {step})"),
        }
    }
    let certificate = crate::crypto::load_certificates(certificate, "fuzz certificate")
        .expect("the fuzz certificate loads")
        .remove(0);
    let key =
        crate::crypto::DecryptingKey::from_pem_or_der(key, "fuzz key").expect("the fuzz key loads");
    let decryptor = Decryptor::new(
        certificate,
        key,
        crate::CryptoPolicy::strict().allow_legacy(),
    );
    let mut message = b"From: a@example.com\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data\r\nContent-Transfer-Encoding: binary\r\n\r\n".to_vec();
    message.extend_from_slice(data);
    for input in [data, &message[..]] {
        let mut out = Vec::new();
        if let Ok(report) = decryptor.decrypt(input, &mut out) {
            assert!(
                report.status == DecryptStatus::Decrypted || out.is_empty(),
                "plaintext released for a message that did not decrypt: {report:?}"
            );
        }
    }
    let _ = crate::inspect::inspect(data);
}

/// PKCS#12 reading (RFC 7292) with the password the seeds use and with a wrong one; what
/// reads is written again and must read back to the same identity.
pub fn pkcs12(data: &[u8]) {
    use crate::crypto::pkcs12::{read_pkcs12, write_pkcs12};
    let _ = read_pkcs12(data, "wrong", "fuzz input");
    if let Ok(identity) = read_pkcs12(data, "fuzz", "fuzz input") {
        // A key that is not PKCS#8 is refused by the writer, which is fine.
        if let Ok(written) = write_pkcs12(&identity, "fuzz", "fuzz") {
            let again = read_pkcs12(&written, "fuzz", "rewritten").expect("our own PKCS#12 reads");
            assert_eq!(again.certificate, identity.certificate);
            assert_eq!(*again.key_der, *identity.key_der);
        }
    }
}

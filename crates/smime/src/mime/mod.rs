//! The raw MIME layer (RFC 2045, RFC 2046, RFC 5322) for S/MIME.
//!
//! Verification must hash the exact received bytes of the signed entity, so everything
//! here works on byte ranges into the original buffer and never re-serialises what it
//! reads. Signing needs the canonical form (RFC 8551 3.1): [`prepare_for_signing`].

mod address;
mod canonical;
mod content_type;
mod entity;
pub mod header_protection;
mod multipart;
mod transfer_encoding;

pub use address::{
    decode_encoded_words, display_name_looks_like_other_address, parse_mailboxes, Mailbox,
};
pub use canonical::{prepare_for_signing, to_crlf, CrlfWriter};
pub use content_type::ContentType;
pub use entity::{parse_entity, Entity, Header, TransferEncoding};
pub use multipart::{named_parts, new_boundary, split_multipart, MultipartScanner, ScanEvent};
pub use transfer_encoding::{decode_body, encode_base64_lines, encode_quoted_printable};

/// The body of the `mime_split` fuzz target (also replayed over its corpus by a test):
/// parse, split recursively, decode, scan in several chunkings (asserting the scanner agrees
/// with [`split_multipart`] byte for byte), round-trip the encoders, prepare for signing
/// (asserting it is idempotent and its output canonical).
#[doc(hidden)]
pub fn fuzz_split(data: &[u8]) {
    use std::io::Write;

    fn walk(bytes: &[u8], depth: usize) {
        if depth > 8 {
            return;
        }
        let Ok(entity) = parse_entity(bytes, "fuzz") else {
            return;
        };
        for h in &entity.headers {
            assert!(bytes.get(h.range.clone()).is_some(), "header range");
            let _ = h.value();
        }
        let Some(body) = bytes.get(entity.body_range.clone()) else {
            panic!("body range out of bounds");
        };
        let _ = decode_body(body, &entity.transfer_encoding(), "fuzz");
        for name in ["From", "To", "Sender"] {
            for h in entity.headers_named(name) {
                for m in parse_mailboxes(&h.value()) {
                    let _ = display_name_looks_like_other_address(&m);
                    let _ = m.display_name.as_deref().map(decode_encoded_words);
                }
            }
        }
        let Ok(ct) = entity.content_type() else {
            return;
        };
        let Some(boundary) = ct.param("boundary") else {
            return;
        };
        let whole = split_multipart(body, boundary, "fuzz");
        for step in [1usize, 2, 3, 64, 1001] {
            let mut scanner = MultipartScanner::new(boundary);
            let mut ranges = Vec::new();
            let mut parts: Vec<Vec<u8>> = Vec::new();
            let mut record = |e: ScanEvent<'_>| match e {
                ScanEvent::PartStart(_) => parts.push(Vec::new()),
                ScanEvent::PartBytes(b) => {
                    if let Some(p) = parts.last_mut() {
                        p.extend_from_slice(b)
                    }
                }
                ScanEvent::PartEnd { start, end } => ranges.push(start..end),
                ScanEvent::Preamble(_) | ScanEvent::Epilogue(_) => {}
            };
            for chunk in body.chunks(step) {
                scanner.feed(chunk, &mut record);
            }
            let streamed = scanner.finish(&mut record).map(|()| ranges);
            assert_eq!(
                whole.as_ref().ok(),
                streamed.as_ref().ok(),
                "scanner and split disagree (step {step})"
            );
            if let Ok(ranges) = &whole {
                for (r, p) in ranges.iter().zip(&parts) {
                    assert_eq!(body.get(r.clone()), Some(p.as_slice()), "part bytes");
                }
            }
        }
        if let Ok(parts) = whole {
            for r in parts {
                if let Some(part) = body.get(r) {
                    walk(part, depth + 1);
                }
            }
        }
    }
    walk(data, 0);

    let head = data.get(..data.len().min(4096)).unwrap_or_default();
    let qp = encode_quoted_printable(head);
    assert_eq!(
        decode_body(&qp, &TransferEncoding::QuotedPrintable, "fuzz")
            .ok()
            .as_deref(),
        Some(head),
        "quoted-printable round trip"
    );
    let b64 = encode_base64_lines(head);
    assert_eq!(
        decode_body(&b64, &TransferEncoding::Base64, "fuzz")
            .ok()
            .as_deref(),
        Some(head),
        "base64 round trip"
    );
    let canonical = to_crlf(data);
    let mut writer = CrlfWriter::new(Vec::new());
    for chunk in data.chunks(7) {
        let _ = writer.write_all(chunk);
    }
    assert_eq!(writer.into_inner().ok(), Some(canonical), "CrlfWriter");

    if let Ok(prepared) = prepare_for_signing(data) {
        assert_eq!(to_crlf(&prepared), prepared, "prepared output is canonical");
        assert_eq!(
            prepare_for_signing(&prepared).ok().as_deref(),
            Some(prepared.as_slice()),
            "prepare_for_signing is idempotent"
        );
    }
}

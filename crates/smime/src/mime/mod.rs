//! The raw MIME layer (RFC 2045, RFC 2046, RFC 5322) for S/MIME.
//!
//! Verification must hash the exact received bytes of the signed entity, so everything
//! here works on byte ranges into the original buffer and never re-serialises what it
//! reads. Signing needs the canonical form (RFC 8551 3.1): [`prepare_for_signing`].

mod address;
mod canonical;
mod content_type;
mod entity;
mod multipart;
mod transfer_encoding;

pub use address::{display_name_looks_like_other_address, parse_mailboxes, Mailbox};
pub use canonical::{prepare_for_signing, to_crlf, CrlfWriter};
pub use content_type::ContentType;
pub use entity::{parse_entity, Entity, Header, TransferEncoding};
pub use multipart::{new_boundary, split_multipart, MultipartScanner, ScanEvent};
pub use transfer_encoding::{decode_body, encode_base64_lines, encode_quoted_printable};

/// The body of the `mime_split` fuzz target (also replayed over its corpus by a test):
/// parse, split recursively, decode, scan in several chunkings, prepare for signing.
#[doc(hidden)]
pub fn fuzz_split(data: &[u8]) {
    fn walk(bytes: &[u8], depth: usize) {
        if depth > 8 {
            return;
        }
        let Ok(entity) = parse_entity(bytes, "fuzz") else {
            return;
        };
        let Ok(ct) = entity.content_type() else {
            return;
        };
        let body = &bytes[entity.body_range.clone()];
        let _ = decode_body(body, &entity.transfer_encoding(), "fuzz");
        if let Some(boundary) = ct.param("boundary") {
            let whole = split_multipart(body, boundary, "fuzz");
            for step in [1usize, 3, 64] {
                let mut scanner = MultipartScanner::new(boundary);
                let mut ranges = Vec::new();
                let mut record = |e: ScanEvent<'_>| {
                    if let ScanEvent::PartEnd { start, end } = e {
                        ranges.push(start..end)
                    }
                };
                for chunk in body.chunks(step) {
                    scanner.feed(chunk, &mut record);
                }
                let streamed = scanner.finish(&mut record).map(|()| ranges);
                assert_eq!(
                    whole.as_ref().ok(),
                    streamed.as_ref().ok(),
                    "scanner and split disagree"
                );
            }
            if let Ok(parts) = whole {
                for r in parts {
                    walk(&body[r], depth + 1);
                }
            }
        }
        for m in entity.headers_named("From") {
            let _ = parse_mailboxes(&m.value());
        }
    }
    walk(data, 0);
    let _ = prepare_for_signing(data);
}

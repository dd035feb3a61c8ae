//! The RFC 5322 message around the protected entity: reading the header block from a
//! stream, and telling outer headers (From, To, Subject, ...) from the content headers
//! (Content-*) that belong to the protected MIME entity (RFC 8551 3.1).

use std::io::BufRead;

use crate::mime::{self, Entity, Header};
use crate::{Error, Result};

/// The largest header block read (a guard against endless header lines).
pub const MAX_HEADER_BYTES: usize = 1024 * 1024;

/// The header block of a message, as read from a stream.
pub struct HeaderBlock {
    /// The bytes of the header block including the empty line that ends it (if any).
    pub bytes: Vec<u8>,
    /// The parsed headers.
    pub entity: Entity,
}

impl HeaderBlock {
    /// The headers that stay on the outer message: all but Content-* and MIME-Version.
    pub fn outer_headers(&self) -> Vec<&Header> {
        self.entity
            .headers
            .iter()
            .filter(|h| !Entity::is_content_header(&h.name))
            .collect()
    }

    /// The Content-* headers, which move into the protected entity.
    pub fn content_headers(&self) -> Vec<&Header> {
        self.entity
            .headers
            .iter()
            .filter(|h| {
                Entity::is_content_header(&h.name) && !h.name.eq_ignore_ascii_case("MIME-Version")
            })
            .collect()
    }

    /// The raw bytes of a header field (name, colon, value, folded lines), with CRLF line ends.
    pub fn field_bytes(&self, header: &Header) -> Vec<u8> {
        let raw = self.bytes.get(header.range.clone()).unwrap_or(&[]);
        let mut out = mime::to_crlf(raw);
        if !out.ends_with(b"\r\n") {
            out.extend_from_slice(b"\r\n");
        }
        out
    }
}

/// Read the header block: lines up to and including the first empty line. The rest of the
/// reader is the body.
pub fn read_header_block<R: BufRead>(reader: &mut R, part: &str) -> Result<HeaderBlock> {
    let mut bytes = Vec::new();
    loop {
        let start = bytes.len();
        let n = reader.read_until(b'\n', &mut bytes)?;
        if n == 0 {
            break;
        }
        let line = &bytes[start..];
        if line == b"\n" || line == b"\r\n" {
            break;
        }
        if bytes.len() > MAX_HEADER_BYTES {
            return Err(Error::mime(
                part,
                format!("the header block is longer than {MAX_HEADER_BYTES} bytes"),
            ));
        }
    }
    let entity = mime::parse_entity(&bytes, part)?;
    Ok(HeaderBlock { bytes, entity })
}

/// Whether the input looks like a MIME message rather than bare CMS (DER, PEM or base64).
pub fn looks_like_mime(start: &[u8]) -> bool {
    let Some(colon) = start.iter().position(|&b| b == b':') else {
        return false;
    };
    let name = &start[..colon];
    !name.is_empty()
        && name.len() < 80
        && name.iter().all(|&b| b.is_ascii_graphic() && b != b':')
        && !start.starts_with(b"-----BEGIN")
}

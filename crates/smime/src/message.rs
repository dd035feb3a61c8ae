//! The RFC 5322 message around the protected entity: reading the header block from a
//! stream, telling outer headers (From, To, Subject, ...) from the content headers
//! (Content-*) that belong to the protected MIME entity (RFC 8551 3.1), and writing the
//! protected entity and the outer message around a CMS object. Encryption and compression
//! share these, so every layer forms its entity the same way.

use std::io::{BufRead, Write};

use crate::mime::{self, CrlfWriter, Entity, Header, TransferEncoding};
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

    /// The outer headers as they head a message that wraps a new entity: every header but
    /// Content-* and MIME-Version, as received (CRLF line ends), then `MIME-Version: 1.0`.
    pub fn outer_header_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.bytes.len() + 20);
        for h in self.outer_headers() {
            out.extend(self.field_bytes(h));
        }
        out.extend_from_slice(b"MIME-Version: 1.0\r\n");
        out
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

/// Write the protected entity (RFC 8551 3.1): the Content-* headers (text/plain when there
/// is no Content-Type, RFC 2045 5.2), an empty line, and the body read from `body`, with
/// canonical CRLF line ends (RFC 8551 3.1.1) unless the body is declared binary. Streams:
/// memory stays bounded whatever the body size. Returns the number of body bytes read.
pub fn write_protected_entity(
    header: &HeaderBlock,
    body: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<u64> {
    let content = header.content_headers();
    if !content
        .iter()
        .any(|h| h.name.eq_ignore_ascii_case("Content-Type"))
    {
        out.write_all(b"Content-Type: text/plain; charset=us-ascii\r\n")?;
    }
    for h in content {
        out.write_all(&header.field_bytes(h))?;
    }
    out.write_all(b"\r\n")?;
    if header.entity.transfer_encoding() == TransferEncoding::Binary {
        return copy_buffered(body, out);
    }
    let mut crlf = CrlfWriter::new(out);
    let n = copy_buffered(body, &mut crlf)?;
    crlf.into_inner()?;
    Ok(n)
}

/// Copy `body` to `out` a whole buffer of `body` at a time, straight from that buffer (no
/// copy through a small intermediate buffer as `std::io::copy` makes for a `dyn Read`).
fn copy_buffered(body: &mut dyn BufRead, out: &mut dyn Write) -> Result<u64> {
    let mut copied = 0u64;
    loop {
        let piece = match body.fill_buf() {
            Ok(piece) => piece,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        if piece.is_empty() {
            return Ok(copied);
        }
        let len = piece.len();
        out.write_all(piece)?;
        body.consume(len);
        copied += len as u64;
    }
}

/// The MIME headers of an application/pkcs7-mime entity (RFC 8551 3.2) with this smime-type
/// and file name (`smime.p7m`, `smime.p7z`), base64-encoded, ending with the empty line.
pub fn pkcs7_mime_headers(smime_type: &str, file_name: &str) -> String {
    format!(
        "Content-Type: application/pkcs7-mime; smime-type={smime_type}; name=\"{file_name}\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"{file_name}\"\r\n\r\n"
    )
}

/// Whether the input looks like a MIME message rather than bare CMS (DER, PEM or base64).
/// DER starts with a SEQUENCE, 0x30 (`0`), and a 58-byte one has 0x3A (`:`) next, which
/// would pass for a header field named `0`; no real header name starts with a digit.
pub fn looks_like_mime(start: &[u8]) -> bool {
    if start.first().is_some_and(u8::is_ascii_digit) {
        return false;
    }
    let Some(colon) = start.iter().position(|&b| b == b':') else {
        return false;
    };
    let name = &start[..colon];
    !name.is_empty()
        && name.len() < 80
        && name.iter().all(|&b| b.is_ascii_graphic() && b != b':')
        && !start.starts_with(b"-----BEGIN")
}

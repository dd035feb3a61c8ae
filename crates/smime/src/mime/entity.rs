//! Splitting an entity into header fields and body (RFC 5322 2.1, RFC 2045 3).

use std::ops::Range;

use super::content_type::ContentType;
use crate::{Error, Result};

/// One header field (RFC 5322 2.2), as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The field name as written.
    pub name: String,
    /// The exact bytes after the colon, folded lines included, without the final line end.
    pub raw_value: Vec<u8>,
    /// The whole field including its line end, in the parsed buffer.
    pub range: Range<usize>,
}

impl Header {
    /// The value unfolded (RFC 5322 2.2.3: a line end followed by white space becomes that
    /// white space), trimmed, as text (invalid UTF-8 replaced).
    pub fn value(&self) -> String {
        let mut unfolded = Vec::with_capacity(self.raw_value.len());
        let mut rest = self.raw_value.as_slice();
        while let Some(i) = memchr::memchr(b'\n', rest) {
            let line = rest.get(..i).unwrap_or_default();
            unfolded.extend_from_slice(line.strip_suffix(b"\r").unwrap_or(line));
            rest = rest.get(i + 1..).unwrap_or_default();
        }
        unfolded.extend_from_slice(rest);
        String::from_utf8_lossy(&unfolded).trim().to_string()
    }
}

/// Content-Transfer-Encoding (RFC 2045 6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferEncoding {
    /// `7bit` (the default, RFC 2045 6.1): short lines of US-ASCII.
    SevenBit,
    /// `8bit`: short lines, octets above 127 allowed.
    EightBit,
    /// `binary`: any octets, no line structure.
    Binary,
    /// `quoted-printable` (RFC 2045 6.7).
    QuotedPrintable,
    /// `base64` (RFC 2045 6.8).
    Base64,
    /// Any other value, lowercased.
    Other(String),
}

/// A parsed entity (RFC 2045 3): its header fields and where its body lies. The ranges are
/// offsets into the buffer given to [`parse_entity`], so the exact received bytes stay
/// available (RFC 8551 3.1: a signature covers them as they are).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    /// Header fields in order.
    pub headers: Vec<Header>,
    /// The header block, including the empty line that ends it.
    pub header_range: Range<usize>,
    /// The body.
    pub body_range: Range<usize>,
}

/// Split `bytes` at the first empty line (RFC 5322 2.1; CRLF or LF line ends, mixed too).
/// Without an empty line everything must be header fields and the body is empty. A field
/// without a colon, with an invalid name, or a continuation line with no field before it is
/// an error naming `part_name` and the line number. The body is not copied.
pub fn parse_entity(bytes: &[u8], part_name: &str) -> Result<Entity> {
    let mut headers: Vec<Header> = Vec::new();
    let mut pos = 0;
    let mut line_no = 0;
    let mut previous_eol: &[u8] = b"";
    while let Some(rest) = bytes.get(pos..).filter(|r| !r.is_empty()) {
        line_no += 1;
        let line_len = memchr::memchr(b'\n', rest)
            .map(|i| i + 1)
            .unwrap_or(rest.len());
        let end = pos + line_len;
        let line = rest.get(..line_len).unwrap_or_default();
        let content = line.strip_suffix(b"\n").unwrap_or(line);
        let content = content.strip_suffix(b"\r").unwrap_or(content);
        let Some(&first) = content.first() else {
            return Ok(Entity {
                headers,
                header_range: 0..end,
                body_range: end..bytes.len(),
            });
        };
        if first == b' ' || first == b'\t' {
            let Some(h) = headers.last_mut() else {
                return Err(Error::mime(
                    part_name,
                    format!(
                        "header line {line_no} is a continuation with no header field before it"
                    ),
                ));
            };
            // The exact bytes: the previous line's end, then this line without its end.
            h.raw_value.extend_from_slice(previous_eol);
            h.raw_value.extend_from_slice(content);
            h.range.end = end;
        } else {
            let colon = memchr::memchr(b':', content).ok_or_else(|| {
                Error::mime(
                    part_name,
                    format!(
                        "header line {line_no} has no colon: {:?}",
                        String::from_utf8_lossy(
                            content.get(..content.len().min(40)).unwrap_or_default()
                        )
                    ),
                )
            })?;
            let name = content.get(..colon).unwrap_or_default();
            if name.is_empty() || !name.iter().all(|&b| (33..=126).contains(&b)) {
                return Err(Error::mime(
                    part_name,
                    format!(
                        "header line {line_no} has an invalid field name {:?} (RFC 5322 2.2: printable ASCII, no spaces)",
                        String::from_utf8_lossy(name.get(..name.len().min(40)).unwrap_or_default())
                    ),
                ));
            }
            headers.push(Header {
                name: String::from_utf8_lossy(name).into_owned(),
                raw_value: content.get(colon + 1..).unwrap_or_default().to_vec(),
                range: pos..end,
            });
        }
        previous_eol = line.get(content.len()..).unwrap_or_default();
        pos = end;
    }
    Ok(Entity {
        headers,
        header_range: 0..bytes.len(),
        body_range: bytes.len()..bytes.len(),
    })
}

impl Entity {
    /// The first header field named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&Header> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
    }

    /// Every header field named `name`.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Header> {
        self.headers
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
    }

    /// The Content-Type; `text/plain; charset=us-ascii` when absent (RFC 2045 5.2).
    pub fn content_type(&self) -> Result<ContentType> {
        match self.header("Content-Type") {
            Some(h) => ContentType::parse(&h.value()),
            None => ContentType::parse("text/plain; charset=us-ascii"),
        }
    }

    /// The Content-Transfer-Encoding; 7bit when absent (RFC 2045 6.1).
    pub fn transfer_encoding(&self) -> TransferEncoding {
        let Some(h) = self.header("Content-Transfer-Encoding") else {
            return TransferEncoding::SevenBit;
        };
        let v = h.value().to_ascii_lowercase();
        match v.trim() {
            "7bit" | "" => TransferEncoding::SevenBit,
            "8bit" => TransferEncoding::EightBit,
            "binary" => TransferEncoding::Binary,
            "quoted-printable" => TransferEncoding::QuotedPrintable,
            "base64" => TransferEncoding::Base64,
            other => TransferEncoding::Other(other.to_string()),
        }
    }

    /// Whether a header belongs to the MIME entity rather than the message: Content-* and
    /// MIME-Version (RFC 2045 9).
    pub fn is_content_header(name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        lower.starts_with("content-") || lower == "mime-version"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_entity_folded_header_and_lf_ends_keeps_exact_bytes() {
        let m = b"Subject: a\n  b\n\tc\nFrom: x@y\n\nbody\n";
        let e = parse_entity(m, "message").unwrap();
        assert_eq!(e.headers.len(), 2);
        assert_eq!(e.headers[0].raw_value, b" a\n  b\n\tc");
        assert_eq!(e.headers[0].value(), "a  b\tc");
        assert_eq!(&m[e.headers[0].range.clone()], b"Subject: a\n  b\n\tc\n");
        assert_eq!(&m[e.body_range.clone()], b"body\n");
        assert_eq!(
            &m[e.header_range.clone()],
            b"Subject: a\n  b\n\tc\nFrom: x@y\n\n"
        );
    }

    #[test]
    fn parse_entity_crlf_lf_and_mixed_split_at_first_empty_line() {
        for (m, body) in [
            (&b"A: 1\r\nB: 2\r\n\r\nx\r\n\r\ny"[..], &b"x\r\n\r\ny"[..]),
            (b"A: 1\nB: 2\n\nx\n\ny", b"x\n\ny"),
            (b"A: 1\r\nB: 2\n\r\nx", b"x"),
            (b"A: 1\nB: 2\r\n\nx", b"x"),
        ] {
            let e = parse_entity(m, "m").unwrap();
            assert_eq!(e.headers.len(), 2);
            assert_eq!(e.header("b").unwrap().value(), "2");
            assert_eq!(&m[e.body_range.clone()], body);
            assert_eq!(e.header_range.end, e.body_range.start);
        }
    }

    #[test]
    fn parse_entity_folded_crlf_header_unfolds_to_white_space() {
        let m = b"Content-Type: multipart/signed;\r\n\tboundary=\"x\"\r\n\r\n";
        let e = parse_entity(m, "m").unwrap();
        assert_eq!(
            e.header("content-type").unwrap().raw_value,
            b" multipart/signed;\r\n\tboundary=\"x\""
        );
        let ct = e.content_type().unwrap();
        assert!(ct.is("multipart/signed"));
        assert_eq!(ct.param("boundary"), Some("x"));
    }

    #[test]
    fn parse_entity_header_without_colon_is_error_naming_line() {
        let err = parse_entity(b"From: a\r\nbogus line\r\n\r\n", "part 2")
            .unwrap_err()
            .to_string();
        assert!(err.contains("part 2") && err.contains("line 2"), "{err}");
    }

    #[test]
    fn parse_entity_leading_continuation_line_is_error() {
        assert!(parse_entity(b" folded: x\r\n\r\n", "m").is_err());
    }

    #[test]
    fn parse_entity_space_in_field_name_is_error() {
        assert!(parse_entity(b"Bad Name: x\r\n\r\n", "m").is_err());
    }

    #[test]
    fn parse_entity_without_blank_line_has_empty_body() {
        let e = parse_entity(b"Content-Type: text/plain\r\n", "m").unwrap();
        assert!(e.body_range.is_empty());
        assert_eq!(e.content_type().unwrap().mime_type, "text/plain");
        assert!(parse_entity(b"A: 1\r\nno colon here", "m").is_err());
    }

    #[test]
    fn parse_entity_starting_with_empty_line_has_no_headers() {
        let e = parse_entity(b"\r\nbody", "m").unwrap();
        assert!(e.headers.is_empty());
        assert_eq!(e.body_range, 2..6);
        let ct = e.content_type().unwrap();
        assert_eq!(
            (ct.mime_type.as_str(), ct.param("charset")),
            ("text/plain", Some("us-ascii"))
        );
        assert_eq!(e.transfer_encoding(), TransferEncoding::SevenBit);
    }

    #[test]
    fn headers_named_is_case_insensitive_and_ordered() {
        let e = parse_entity(
            b"to: a@b\r\nTO: c@d\r\nContent-Transfer-Encoding:  Base64 \r\n\r\n",
            "m",
        )
        .unwrap();
        let values: Vec<String> = e.headers_named("To").map(|h| h.value()).collect();
        assert_eq!(values, ["a@b", "c@d"]);
        assert_eq!(e.header("To").unwrap().value(), "a@b");
        assert_eq!(e.transfer_encoding(), TransferEncoding::Base64);
    }

    #[test]
    fn is_content_header_covers_content_and_mime_version_only() {
        assert!(Entity::is_content_header("content-type"));
        assert!(Entity::is_content_header("MIME-Version"));
        assert!(Entity::is_content_header("Content-Disposition"));
        assert!(!Entity::is_content_header("Subject"));
        assert!(!Entity::is_content_header("Contents"));
    }
}

//! Splitting an entity into header fields and body (RFC 5322 2.1, RFC 2045 3).

use std::ops::Range;

use super::content_type::ContentType;
use crate::{Error, Result};

/// One header field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The field name as written.
    pub name: String,
    /// The bytes after the colon, folded lines included, without the final line end.
    pub raw_value: Vec<u8>,
    /// The whole field including its line end, in the parsed buffer.
    pub range: Range<usize>,
}

impl Header {
    /// The value unfolded (RFC 5322 2.2.3), trimmed, as text (invalid UTF-8 replaced).
    pub fn value(&self) -> String {
        let text = String::from_utf8_lossy(&self.raw_value);
        let mut out = String::with_capacity(text.len());
        for (i, line) in text.split('\n').enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if i > 0 {
                out.push(' ');
                out.push_str(line.trim_start());
            } else {
                out.push_str(line);
            }
        }
        out.trim().to_string()
    }
}

/// Content-Transfer-Encoding (RFC 2045 6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferEncoding {
    /// 7bit (the default).
    SevenBit,
    /// 8bit.
    EightBit,
    /// binary.
    Binary,
    /// quoted-printable.
    QuotedPrintable,
    /// base64.
    Base64,
    /// Anything else.
    Other(String),
}

/// A parsed entity: its header fields and where its body lies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    /// Header fields in order.
    pub headers: Vec<Header>,
    /// The header block, including the empty line that ends it.
    pub header_range: Range<usize>,
    /// The body.
    pub body_range: Range<usize>,
}

/// Split `bytes` at the first empty line (CRLF or LF line ends, mixed too). Without an
/// empty line, everything is header fields and the body is empty. The body is not copied.
pub fn parse_entity(bytes: &[u8], part_name: &str) -> Result<Entity> {
    let mut headers: Vec<Header> = Vec::new();
    let mut pos = 0;
    let mut line_no = 0;
    while pos < bytes.len() {
        line_no += 1;
        let end = bytes[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|i| pos + i + 1)
            .unwrap_or(bytes.len());
        let line = &bytes[pos..end];
        let content = line.strip_suffix(b"\n").unwrap_or(line);
        let content = content.strip_suffix(b"\r").unwrap_or(content);
        if content.is_empty() {
            return Ok(Entity {
                headers,
                header_range: 0..end,
                body_range: end..bytes.len(),
            });
        }
        if content[0] == b' ' || content[0] == b'\t' {
            match headers.last_mut() {
                Some(h) => {
                    h.raw_value.extend_from_slice(b"\r\n");
                    h.raw_value.extend_from_slice(content);
                    h.range.end = end;
                }
                None => {
                    return Err(Error::mime(
                        part_name,
                        format!("header line {line_no} is a continuation with nothing before it"),
                    ))
                }
            }
        } else {
            let colon = content.iter().position(|&b| b == b':').ok_or_else(|| {
                Error::mime(
                    part_name,
                    format!(
                        "header line {line_no} has no colon: {:?}",
                        String::from_utf8_lossy(&content[..content.len().min(40)])
                    ),
                )
            })?;
            let name = &content[..colon];
            if name.is_empty() || !name.iter().all(|&b| (33..=126).contains(&b)) {
                return Err(Error::mime(
                    part_name,
                    format!("header line {line_no} has an invalid field name"),
                ));
            }
            headers.push(Header {
                name: String::from_utf8_lossy(name).into_owned(),
                raw_value: content[colon + 1..].to_vec(),
                range: pos..end,
            });
        }
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
    fn parse_entity_folded_header_and_lf_ends_keeps_ranges() {
        let m = b"Subject: a\n  b\nFrom: x@y\n\nbody\n";
        let e = parse_entity(m, "message").unwrap();
        assert_eq!(e.headers.len(), 2);
        assert_eq!(e.headers[0].value(), "a b");
        assert_eq!(&m[e.headers[0].range.clone()], b"Subject: a\n  b\n");
        assert_eq!(&m[e.body_range.clone()], b"body\n");
    }

    #[test]
    fn parse_entity_header_without_colon_is_error_naming_line() {
        let err = parse_entity(b"From: a\r\nbogus line\r\n\r\n", "part 2")
            .unwrap_err()
            .to_string();
        assert!(err.contains("part 2") && err.contains("line 2"), "{err}");
    }

    #[test]
    fn parse_entity_without_blank_line_has_empty_body() {
        let e = parse_entity(b"Content-Type: text/plain\r\n", "m").unwrap();
        assert!(e.body_range.is_empty());
        assert_eq!(e.content_type().unwrap().mime_type, "text/plain");
    }
}

//! Content-Transfer-Encoding (RFC 2045 6): base64 and quoted-printable.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::entity::TransferEncoding;
use crate::{Error, Result};

/// Decode a body per its transfer encoding. base64 ignores white space and line breaks but
/// nothing else; quoted-printable follows RFC 2045 6.7 (soft line breaks, `=XX`).
pub fn decode_body(body: &[u8], encoding: &TransferEncoding, part_name: &str) -> Result<Vec<u8>> {
    match encoding {
        TransferEncoding::SevenBit | TransferEncoding::EightBit | TransferEncoding::Binary => {
            Ok(body.to_vec())
        }
        TransferEncoding::Base64 => decode_base64(body, part_name),
        TransferEncoding::QuotedPrintable => Ok(decode_quoted_printable(body)),
        TransferEncoding::Other(name) => Err(Error::mime(
            part_name,
            format!("unknown Content-Transfer-Encoding \"{name}\""),
        )),
    }
}

fn decode_base64(body: &[u8], part_name: &str) -> Result<Vec<u8>> {
    let mut clean = Vec::with_capacity(body.len());
    for (i, &b) in body.iter().enumerate() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' | b'=' => clean.push(b),
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ => {
                return Err(Error::mime(
                    part_name,
                    format!("invalid base64 character 0x{b:02x} at byte {i} of the body"),
                ))
            }
        }
    }
    STANDARD
        .decode(&clean)
        .map_err(|e| Error::mime(part_name, format!("invalid base64 body: {e}")))
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// RFC 2045 6.7. Malformed `=` sequences are kept literally (rule 6.7 "robustness").
fn decode_quoted_printable(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    for line in body.split_inclusive(|&b| b == b'\n') {
        let (content, eol): (&[u8], &[u8]) = if let Some(c) = line.strip_suffix(b"\r\n") {
            (c, b"\r\n")
        } else if let Some(c) = line.strip_suffix(b"\n") {
            (c, b"\n")
        } else {
            (line, b"")
        };
        // Trailing white space is not part of the content (RFC 2045 6.7 rule 3).
        let content = &content[..content.len()
            - content
                .iter()
                .rev()
                .take_while(|&&b| b == b' ' || b == b'\t')
                .count()];
        let (content, soft) = match content.strip_suffix(b"=") {
            Some(c) => (c, true),
            None => (content, false),
        };
        let mut i = 0;
        while i < content.len() {
            if content[i] == b'=' {
                if let (Some(h), Some(l)) = (
                    content.get(i + 1).and_then(|&b| hex_value(b)),
                    content.get(i + 2).and_then(|&b| hex_value(b)),
                ) {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
            }
            out.push(content[i]);
            i += 1;
        }
        if !soft {
            out.extend_from_slice(eol);
        }
    }
    out
}

/// base64 in 76-character lines ending in CRLF (RFC 2045 6.8).
pub fn encode_base64_lines(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() * 4 / 3 + data.len() / 38 + 4);
    for chunk in data.chunks(57) {
        out.extend_from_slice(STANDARD.encode(chunk).as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Quoted-printable (RFC 2045 6.7): CRLF line ends kept as hard line breaks, lines at most
/// 76 characters, `=` and 8-bit bytes escaped, trailing white space escaped, and `From `
/// at a line start escaped so that mbox stores cannot alter the signed text.
pub fn encode_quoted_printable(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 8);
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    let count = lines.len();
    for (n, line) in lines.into_iter().enumerate() {
        let line = if n + 1 < count {
            line.strip_suffix(b"\r").unwrap_or(line)
        } else {
            line
        };
        let mut width = 0;
        for (i, &b) in line.iter().enumerate() {
            let last = i + 1 == line.len();
            let literal = match b {
                b'=' => false,
                b' ' | b'\t' => !last,
                b'F' if i == 0 && line.starts_with(b"From ") => false,
                b'.' if i == 0 && line.len() == 1 => false,
                33..=126 => true,
                _ => false,
            };
            let len = if literal { 1 } else { 3 };
            if width + len > 75 {
                out.extend_from_slice(b"=\r\n");
                width = 0;
            }
            if literal {
                out.push(b);
            } else {
                out.extend_from_slice(format!("={b:02X}").as_bytes());
            }
            width += len;
        }
        if n + 1 < count {
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable_round_trip_random_bytes_is_identity() {
        let mut state = 0x1234_5678u32;
        for len in [0usize, 1, 75, 76, 77, 500] {
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (state >> 16) as u8
                })
                .map(|b| if b == b'\r' || b == b'\n' { b'x' } else { b })
                .collect();
            let encoded = encode_quoted_printable(&data);
            assert!(encoded.iter().all(|&b| b < 128));
            assert!(encoded.split(|&b| b == b'\n').all(|l| l.len() <= 77));
            assert_eq!(decode_quoted_printable(&encoded), data, "len {len}");
        }
    }

    #[test]
    fn quoted_printable_keeps_hard_breaks_and_escapes_from() {
        let text = b"From me\r\nline with space \r\nend";
        let encoded = encode_quoted_printable(text);
        assert!(encoded.starts_with(b"=46rom me\r\n"));
        assert_eq!(decode_quoted_printable(&encoded), text);
    }

    #[test]
    fn decode_base64_garbage_names_offset() {
        let err = decode_body(b"QUJD\r\n*", &TransferEncoding::Base64, "signature part")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("signature part") && err.contains("byte 6"),
            "{err}"
        );
    }
}

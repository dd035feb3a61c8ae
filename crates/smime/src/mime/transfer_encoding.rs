//! Content-Transfer-Encoding (RFC 2045 6): base64 and quoted-printable.

use base64::engine::general_purpose::STANDARD;
use base64::{DecodeError, Engine};

use super::entity::TransferEncoding;
use crate::{Error, Result};

/// Encoded lines are at most this long, not counting CRLF (RFC 2045 6.7 rule 5, 6.8).
const MAX_ENCODED_LINE: usize = 76;

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Decode a body per its Content-Transfer-Encoding (RFC 2045 6).
///
/// - base64 (6.8): white space and line breaks are ignored, any other character outside
///   the alphabet, bad padding or a truncated quantum is an error;
/// - quoted-printable (6.7): `=XX` (upper or lower case hex), soft line breaks, trailing
///   white space dropped (rule 3); an `=` followed by anything else is an error;
/// - 7bit, 8bit and binary: unchanged.
///
/// Errors name `part_name` and the byte offset in `body`.
pub fn decode_body(body: &[u8], encoding: &TransferEncoding, part_name: &str) -> Result<Vec<u8>> {
    match encoding {
        TransferEncoding::SevenBit | TransferEncoding::EightBit | TransferEncoding::Binary => {
            Ok(body.to_vec())
        }
        TransferEncoding::Base64 => decode_base64(body, part_name),
        TransferEncoding::QuotedPrintable => {
            decode_quoted_printable(body).map_err(|(offset, what)| {
                Error::mime(part_name, format!("{what} at byte {offset} of the body"))
            })
        }
        TransferEncoding::Other(name) => Err(Error::mime(
            part_name,
            format!("unknown Content-Transfer-Encoding \"{name}\""),
        )),
    }
}

fn is_base64_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn decode_base64(body: &[u8], part_name: &str) -> Result<Vec<u8>> {
    let mut clean = Vec::with_capacity(body.len());
    for (i, &b) in body.iter().enumerate() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' | b'=' => clean.push(b),
            _ if is_base64_space(b) => {}
            _ => {
                return Err(Error::mime(
                    part_name,
                    format!("invalid base64 character 0x{b:02x} at byte {i} of the body"),
                ))
            }
        }
    }
    STANDARD.decode(&clean).map_err(|e| {
        // Offsets of the decoder count only the base64 characters; map them back to the body.
        let body_offset = |n: usize| {
            body.iter()
                .enumerate()
                .filter(|(_, &b)| !is_base64_space(b))
                .nth(n)
                .map(|(i, _)| i)
                .unwrap_or(body.len())
        };
        let reason = match e {
            DecodeError::InvalidByte(n, b) => format!(
                "invalid base64: unexpected '{}' at byte {} of the body",
                b as char,
                body_offset(n)
            ),
            DecodeError::InvalidLastSymbol(n, b) => format!(
                "invalid base64: last symbol '{}' at byte {} of the body has bits that must be zero",
                b as char,
                body_offset(n)
            ),
            DecodeError::InvalidLength(n) => format!(
                "invalid base64: {n} characters is not a whole number of 4-character groups (the body ends at byte {})",
                body.len()
            ),
            DecodeError::InvalidPadding => match clean.iter().position(|&b| b == b'=') {
                Some(n) => format!(
                    "invalid base64: bad padding at byte {} of the body",
                    body_offset(n)
                ),
                None => format!(
                    "invalid base64: the text is cut short or lacks its '=' padding (the body ends at byte {})",
                    body.len()
                ),
            },
        };
        Error::mime(part_name, reason)
    })
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// RFC 2045 6.7. Errors carry the offset of the bad `=` and what is wrong with it.
fn decode_quoted_printable(body: &[u8]) -> std::result::Result<Vec<u8>, (usize, &'static str)> {
    let mut out = Vec::with_capacity(body.len());
    let mut line_start = 0;
    for line in body.split_inclusive(|&b| b == b'\n') {
        let (content, eol): (&[u8], &[u8]) = if let Some(c) = line.strip_suffix(b"\r\n") {
            (c, b"\r\n")
        } else if let Some(c) = line.strip_suffix(b"\n") {
            (c, b"\n")
        } else {
            (line, b"")
        };
        // Trailing white space is not part of the content (rule 3).
        let trailing = content
            .iter()
            .rev()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        let content = content.get(..content.len() - trailing).unwrap_or_default();
        let (content, soft) = match content.strip_suffix(b"=") {
            Some(c) => (c, true),
            None => (content, false),
        };
        let mut i = 0;
        while let Some(&b) = content.get(i) {
            if b == b'=' {
                let high = content.get(i + 1).copied().and_then(hex_value);
                let low = content.get(i + 2).copied().and_then(hex_value);
                match (high, low) {
                    (Some(h), Some(l)) => {
                        out.push(h << 4 | l);
                        i += 3;
                        continue;
                    }
                    _ => {
                        return Err((
                            line_start + i,
                            "invalid quoted-printable: '=' not followed by two hex digits or a line end",
                        ))
                    }
                }
            }
            out.push(b);
            i += 1;
        }
        if !soft {
            out.extend_from_slice(eol);
        }
        line_start += line.len();
    }
    Ok(out)
}

/// base64 in 76-character lines, each ending in CRLF (RFC 2045 6.8).
pub fn encode_base64_lines(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() * 4 / 3 + data.len() / 28 + 4);
    // 57 input bytes make exactly 76 characters.
    let mut line = String::with_capacity(MAX_ENCODED_LINE);
    for chunk in data.chunks(57) {
        line.clear();
        STANDARD.encode_string(chunk, &mut line);
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Quoted-printable (RFC 2045 6.7). CRLF line ends stay hard line breaks; every other byte
/// that is not printable ASCII (a lone CR or LF too, so any data round-trips) is `=XX`, as
/// are `=` and white space at the end of a line. Encoded lines are at most 76 characters
/// (soft line breaks `=`). `From ` and a lone `.` at the start of an encoded line are
/// escaped so that mbox stores and SMTP cannot alter signed text (RFC 8551 3.1.3 advice).
pub fn encode_quoted_printable(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 8 + 8);
    let mut lines = Vec::new();
    let mut rest = data;
    while let Some(i) = memchr::memmem::find(rest, b"\r\n") {
        lines.push(rest.get(..i).unwrap_or_default());
        rest = rest.get(i + 2..).unwrap_or_default();
    }
    lines.push(rest);
    let count = lines.len();
    for (n, line) in lines.into_iter().enumerate() {
        let mut width = 0;
        for (i, &b) in line.iter().enumerate() {
            let last = i + 1 == line.len();
            let tail = line.get(i..).unwrap_or_default();
            // Where an encoded line would start with this byte.
            let line_start = width == 0;
            let literal = match b {
                b'=' => false,
                b' ' | b'\t' => !last,
                b'F' => !(line_start && tail.starts_with(b"From ")),
                b'.' => !(line_start && last),
                33..=126 => true,
                _ => false,
            };
            let len = if literal { 1 } else { 3 };
            // The last token may fill the line; others leave room for a soft break's `=`.
            let limit = if last {
                MAX_ENCODED_LINE
            } else {
                MAX_ENCODED_LINE - 1
            };
            let (literal, len) = if width + len > limit {
                out.extend_from_slice(b"=\r\n");
                width = 0;
                // The byte now starts an encoded line: re-check the line-start escapes.
                let literal =
                    literal && !(b == b'F' && tail.starts_with(b"From ")) && !(b == b'.' && last);
                (literal, if literal { 1 } else { 3 })
            } else {
                (literal, len)
            };
            if literal {
                out.push(b);
            } else {
                out.extend_from_slice(&[b'=', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
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

    fn random_bytes(seed: u32, len: usize) -> Vec<u8> {
        let mut state = seed;
        (0..len)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (state >> 16) as u8
            })
            .collect()
    }

    #[test]
    fn quoted_printable_round_trip_random_bytes_is_identity() {
        for seed in 0..40u32 {
            for len in [0usize, 1, 2, 75, 76, 77, 151, 500] {
                let mut data = random_bytes(seed, len);
                // Make CRLF pairs and line-start specials likely too.
                if seed % 3 == 0 {
                    for (i, b) in data.iter_mut().enumerate() {
                        *b = b"\r\nFrom .= \tab"[(*b as usize + i) % 13];
                    }
                }
                let encoded = encode_quoted_printable(&data);
                assert!(encoded
                    .iter()
                    .all(|&b| (32..127).contains(&b) || matches!(b, b'\t' | b'\r' | b'\n')));
                for line in encoded.split(|&b| b == b'\n') {
                    let line = line.strip_suffix(b"\r").unwrap_or(line);
                    assert!(line.len() <= 76, "{:?}", String::from_utf8_lossy(line));
                    assert!(!line.starts_with(b"From "));
                    assert_ne!(line, b".");
                    assert!(!line.ends_with(b" ") && !line.ends_with(b"\t"));
                }
                assert!(!encoded.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'));
                assert_eq!(
                    decode_body(&encoded, &TransferEncoding::QuotedPrintable, "p").unwrap(),
                    data,
                    "seed {seed} len {len}"
                );
            }
        }
    }

    #[test]
    fn quoted_printable_keeps_hard_breaks_and_escapes_from() {
        let text = b"From me\r\nline with space \r\n.\r\na=b\r\nend";
        let encoded = encode_quoted_printable(text);
        assert_eq!(
            encoded,
            b"=46rom me\r\nline with space=20\r\n=2E\r\na=3Db\r\nend"
        );
        assert_eq!(decode_quoted_printable(&encoded).unwrap(), text);
    }

    #[test]
    fn quoted_printable_long_line_uses_soft_breaks_of_76() {
        let text = vec![b'x'; 200];
        let encoded = encode_quoted_printable(&text);
        let lines: Vec<&[u8]> = encoded.split(|&b| b == b'\n').collect();
        assert_eq!(lines[0].len(), 77); // 75 characters, '=', CR
        assert_eq!(decode_quoted_printable(&encoded).unwrap(), text);
        assert_eq!(encode_quoted_printable(&[b'y'; 76]), vec![b'y'; 76]);
    }

    #[test]
    fn decode_quoted_printable_soft_breaks_lower_hex_and_trailing_space() {
        let decoded = decode_body(
            b"caf=c3=A9 =  \r\nau lait  \r\nnext=\nline",
            &TransferEncoding::QuotedPrintable,
            "p",
        )
        .unwrap();
        assert_eq!(decoded, "café au lait\r\nnextline".as_bytes());
    }

    #[test]
    fn decode_quoted_printable_bad_escape_names_offset() {
        let err = decode_body(
            b"ok\r\nbad =4G here",
            &TransferEncoding::QuotedPrintable,
            "part 2",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("part 2") && err.contains("byte 8"), "{err}");
        assert!(decode_body(b"x=", &TransferEncoding::QuotedPrintable, "p").is_ok());
        assert!(decode_body(b"x=A", &TransferEncoding::QuotedPrintable, "p").is_err());
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

    #[test]
    fn decode_base64_misplaced_padding_names_body_offset() {
        let err = decode_body(b"QUJD\r\n QQ==\r\nQUJD\r\n", &TransferEncoding::Base64, "p")
            .unwrap_err()
            .to_string();
        assert!(err.contains("byte"), "{err}");
        let err = decode_body(b"QUJD\r\nQUJ", &TransferEncoding::Base64, "p")
            .unwrap_err()
            .to_string();
        assert!(err.contains("padding") && err.contains("byte 9"), "{err}");
        let err = decode_body(b"QUJD\r\nQUJDQ", &TransferEncoding::Base64, "p")
            .unwrap_err()
            .to_string();
        assert!(err.contains("byte"), "{err}");
    }

    #[test]
    fn decode_base64_ignores_line_breaks_and_spaces() {
        let data = random_bytes(7, 300);
        let mut encoded = encode_base64_lines(&data);
        assert!(encoded.split(|&b| b == b'\n').all(|l| l.len() <= 77));
        encoded.extend_from_slice(b"  \t\r\n");
        assert_eq!(
            decode_body(&encoded, &TransferEncoding::Base64, "p").unwrap(),
            data
        );
    }

    #[test]
    fn decode_unknown_encoding_is_error() {
        let e = TransferEncoding::Other("x-uuencode".into());
        assert!(decode_body(b"", &e, "p").is_err());
        assert_eq!(
            decode_body(b"\xff\0", &TransferEncoding::Binary, "p").unwrap(),
            b"\xff\0"
        );
    }
}

//! Canonical form for signing (RFC 8551 3.1): CRLF line ends, and content that a relay
//! could change (8-bit, binary, NUL bytes, lines over 998 octets) re-encoded first.

use std::io::{self, Write};
use std::ops::Range;

use super::entity::{parse_entity, Entity, TransferEncoding};
use super::multipart::split_multipart;
use super::transfer_encoding::{decode_body, encode_base64_lines, encode_quoted_printable};
use crate::{Error, Result};

/// Every line end as CRLF: lone LF and lone CR become CRLF (RFC 8551 3.1.1).
pub fn to_crlf(bytes: &[u8]) -> Vec<u8> {
    let mut w = CrlfWriter::new(Vec::with_capacity(bytes.len() + bytes.len() / 32));
    let _ = w.write_all(bytes);
    w.into_inner().unwrap_or_default()
}

/// [`to_crlf`] as a streaming writer (RFC 8551 3.1.1 canonical line ends): a CR at the end
/// of one write and an LF at the start of the next make one line end. Memory is bounded by
/// the size of one write; [`CrlfWriter::into_inner`] writes a CR left pending at the end.
pub struct CrlfWriter<W: Write> {
    inner: W,
    pending_cr: bool,
    buffer: Vec<u8>,
}

impl<W: Write> CrlfWriter<W> {
    /// Convert into `inner`.
    pub fn new(inner: W) -> Self {
        CrlfWriter {
            inner,
            pending_cr: false,
            buffer: Vec::new(),
        }
    }

    /// The inner writer, for taking out what was written so far.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// Write a pending CR as CRLF and return the inner writer.
    pub fn into_inner(mut self) -> io::Result<W> {
        if self.pending_cr {
            self.inner.write_all(b"\r\n")?;
        }
        Ok(self.inner)
    }
}

/// Whether `buf`, with no CR pending before it, is already in canonical form: every LF
/// comes right after a CR and every CR right before an LF, all within `buf`. Checked pair by
/// pair without an early exit, so that it compiles to vector compares.
fn is_canonical(buf: &[u8]) -> bool {
    let mismatches = buf
        .iter()
        .zip(buf.iter().skip(1))
        .fold(0u8, |bad, (&a, &b)| {
            bad | u8::from((a == b'\r') != (b == b'\n'))
        });
    mismatches == 0 && buf.first() != Some(&b'\n') && buf.last() != Some(&b'\r')
}

impl<W: Write> Write for CrlfWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Text that already has CRLF line ends passes through without a copy.
        if !self.pending_cr && is_canonical(buf) {
            self.inner.write_all(buf)?;
            return Ok(buf.len());
        }
        self.buffer.clear();
        self.buffer.reserve(buf.len() + 16);
        let mut rest = buf;
        while !rest.is_empty() {
            if self.pending_cr {
                // A CR ended the previous piece: CRLF in any case, consuming an LF that follows.
                self.buffer.extend_from_slice(b"\r\n");
                self.pending_cr = false;
                if rest[0] == b'\n' {
                    rest = &rest[1..];
                }
                continue;
            }
            match memchr::memchr2(b'\r', b'\n', rest) {
                None => {
                    self.buffer.extend_from_slice(rest);
                    break;
                }
                Some(i) => {
                    self.buffer.extend_from_slice(&rest[..i]);
                    if rest[i] == b'\n' {
                        self.buffer.extend_from_slice(b"\r\n");
                    } else {
                        self.pending_cr = true;
                    }
                    rest = &rest[i + 1..];
                }
            }
        }
        self.inner.write_all(&self.buffer)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Whether `body` has what RFC 8551 3.1.2 forbids in signed content: 8-bit octets, NUL,
/// or lines over 998 octets (RFC 5322 2.1.1).
fn needs_encoding(body: &[u8]) -> bool {
    body.iter().any(|&b| b >= 0x80 || b == 0)
        || body.split(|&b| b == b'\n').any(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            line.len() > 998
        })
}

/// Nesting deeper than this is refused rather than walked (no unbounded recursion).
const MAX_DEPTH: usize = 32;

/// Bring an entity into canonical form for signing (RFC 8551 3.1.1-3.1.3): CRLF line ends,
/// and every part (recursively through multiparts and message/rfc822) whose body is 8-bit,
/// binary, has NUL bytes or lines over 998 octets re-encoded: text/* as quoted-printable,
/// the rest as base64 (76-character lines), with its Content-Transfer-Encoding set. Parts
/// labelled `binary` are always re-encoded, since converting their line ends would change
/// them. Multipart boundaries and structure are kept (a preamble or epilogue that is not
/// 7-bit clean is dropped). When nothing needs re-encoding the result is [`to_crlf`] of
/// the input. Errors: a part that does not parse, a bare CR in header fields or before a
/// delimiter of a rewritten multipart (canonical form would change the structure), nesting
/// over 32 levels, a body that does not decode.
pub fn prepare_for_signing(entity_bytes: &[u8]) -> Result<Vec<u8>> {
    prepare(entity_bytes, 0, "signed entity")
}

fn prepare(bytes: &[u8], depth: usize, name: &str) -> Result<Vec<u8>> {
    if depth > MAX_DEPTH {
        return Err(Error::mime(
            name,
            format!("MIME parts nested more than {MAX_DEPTH} deep"),
        ));
    }
    let entity = parse_entity(bytes, name)?;
    check_no_bare_cr_in_headers(bytes, &entity, name)?;
    let body = bytes.get(entity.body_range.clone()).unwrap_or_default();
    let header = bytes.get(entity.header_range.clone()).unwrap_or_default();
    let ct = entity.content_type()?;
    let encoding = entity.transfer_encoding();
    let must_encode = needs_encoding(body) || encoding == TransferEncoding::Binary;
    if !must_encode {
        return Ok(to_crlf(bytes));
    }
    if ct.mime_type.starts_with("multipart/") {
        let Some(boundary) = ct.param("boundary") else {
            return Err(Error::mime(name, "multipart without a boundary parameter"));
        };
        let parts = split_multipart(body, boundary, name)?;
        if has_bare_cr(body) && !same_parts_in_canonical_form(body, boundary, &parts) {
            return Err(Error::mime(
                name,
                format!("a bare CR would move a --{boundary} delimiter in canonical form (RFC 8551 3.1.1)"),
            ));
        }
        let mut out = to_crlf(header);
        let mut previous_end = 0;
        for (i, part) in parts.iter().enumerate() {
            // Preamble and delimiter line (i = 0), or line end and delimiter line.
            let between = body.get(previous_end..part.start).unwrap_or_default();
            if needs_encoding(between) {
                out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            } else {
                out.extend(to_crlf(between));
            }
            let part_name = format!("{name}, part {}", i + 1);
            let part_bytes = body.get(part.clone()).unwrap_or_default();
            out.extend(prepare(part_bytes, depth + 1, &part_name)?);
            previous_end = part.end;
        }
        // The line end, the close delimiter line and the epilogue.
        let tail = body.get(previous_end..).unwrap_or_default();
        if needs_encoding(tail) {
            out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        } else {
            out.extend(to_crlf(tail));
        }
        return Ok(out);
    }
    if ct.mime_type == "message/rfc822"
        && matches!(
            encoding,
            TransferEncoding::SevenBit | TransferEncoding::EightBit | TransferEncoding::Binary
        )
    {
        // RFC 2046 5.2.1: only 7bit, 8bit or binary; the inner message is prepared instead.
        // Its header fields may still hold 8-bit text, which only an 8bit label allows.
        let inner = prepare(body, depth + 1, &format!("{name}, message"))?;
        let label = if inner.iter().any(|&b| b >= 0x80 || b == 0) {
            "8bit"
        } else {
            "7bit"
        };
        let mut out = header_block_with_encoding(bytes, &entity, label);
        out.extend(inner);
        return Ok(out);
    }
    let decoded = decode_body(body, &encoding, name)?;
    let (label, encoded) = if ct.mime_type.starts_with("text/") {
        (
            "quoted-printable",
            encode_quoted_printable(&to_crlf(&decoded)),
        )
    } else {
        ("base64", encode_base64_lines(&decoded))
    };
    let mut out = header_block_with_encoding(bytes, &entity, label);
    out.extend(encoded);
    Ok(out)
}

/// Whether `bytes` has a CR that is not followed by LF.
fn has_bare_cr(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n'))
}

/// Whether the canonical form of a multipart body has the same parts (in canonical form)
/// as the body itself: a bare CR becomes a line end and may create or hide a delimiter.
fn same_parts_in_canonical_form(body: &[u8], boundary: &str, parts: &[Range<usize>]) -> bool {
    let canonical = to_crlf(body);
    let Ok(canonical_parts) = split_multipart(&canonical, boundary, "") else {
        return false;
    };
    canonical_parts.len() == parts.len()
        && canonical_parts
            .iter()
            .zip(parts)
            .all(|(c, p)| canonical.get(c.clone()) == body.get(p.clone()).map(to_crlf).as_deref())
}

/// A bare CR in a header field becomes a line break in canonical form and would change the
/// fields (or end the header block) of the entity that gets signed: refuse it
/// (RFC 5322 2.2 allows CR only in CRLF).
fn check_no_bare_cr_in_headers(bytes: &[u8], entity: &Entity, name: &str) -> Result<()> {
    let header = bytes.get(entity.header_range.clone()).unwrap_or_default();
    for (line_no, line) in header.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if memchr::memchr(b'\r', line).is_some() {
            return Err(Error::mime(
                name,
                format!("header line {} contains a bare CR", line_no + 1),
            ));
        }
    }
    Ok(())
}

/// The header block with Content-Transfer-Encoding replaced by `encoding`, in CRLF form.
fn header_block_with_encoding(bytes: &[u8], entity: &Entity, encoding: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for h in &entity.headers {
        if !h.name.eq_ignore_ascii_case("Content-Transfer-Encoding") {
            let mut field = to_crlf(&bytes[h.range.clone()]);
            if !field.ends_with(b"\r\n") {
                field.extend_from_slice(b"\r\n");
            }
            out.extend(field);
        }
    }
    out.extend_from_slice(format!("Content-Transfer-Encoding: {encoding}\r\n\r\n").as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_7bit_crlf(bytes: &[u8]) -> bool {
        bytes.iter().all(|&b| b < 0x80 && b != 0)
            && !bytes.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r')
            && !bytes.windows(2).any(|w| w[0] == b'\r' && w[1] != b'\n')
            && bytes.split(|&b| b == b'\n').all(|l| l.len() <= 1000)
    }

    /// The decoded body of part `index` (0-based) of a multipart entity.
    fn decoded_part(entity_bytes: &[u8], path: &[usize]) -> (Vec<u8>, TransferEncoding) {
        let mut bytes = entity_bytes.to_vec();
        for &index in path {
            let e = parse_entity(&bytes, "m").unwrap();
            let boundary = e
                .content_type()
                .unwrap()
                .param("boundary")
                .unwrap()
                .to_string();
            let body = &bytes[e.body_range.clone()];
            let parts = split_multipart(body, &boundary, "m").unwrap();
            bytes = body[parts[index].clone()].to_vec();
        }
        let e = parse_entity(&bytes, "p").unwrap();
        let encoding = e.transfer_encoding();
        (
            decode_body(&bytes[e.body_range.clone()], &encoding, "p").unwrap(),
            encoding,
        )
    }

    #[test]
    fn to_crlf_lone_lf_and_lone_cr_become_crlf() {
        assert_eq!(
            to_crlf(b"a\nb\r\nc\rd\r\r\ne\n\r"),
            b"a\r\nb\r\nc\r\nd\r\n\r\ne\r\n\r\n"
        );
        assert_eq!(to_crlf(b""), b"");
        assert_eq!(to_crlf(b"\r"), b"\r\n");
    }

    #[test]
    fn crlf_writer_any_chunking_matches_to_crlf() {
        let mut state = 99u32;
        let random: Vec<u8> = (0..300)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                b"\r\nab"[(state >> 16) as usize % 4]
            })
            .collect();
        // Mostly canonical already: pieces that are pass through, the others are converted.
        let mostly_crlf = b"ab\r\ncd\r\n\r\nef\r\ngh\nij\r\n\r\r\nkl\r\n".repeat(3);
        for input in [&b"a\nb\r\nc\rd\r\r\ne\n\r"[..], &random, &mostly_crlf] {
            let expected = to_crlf(input);
            for step in 1..=input.len() {
                let mut w = CrlfWriter::new(Vec::new());
                for c in input.chunks(step) {
                    w.write_all(c).unwrap();
                }
                w.flush().unwrap();
                assert_eq!(w.into_inner().unwrap(), expected, "step {step}");
            }
        }
    }

    #[test]
    fn prepare_8bit_text_and_binary_attachment_become_7bit_and_decode_back() {
        let mut msg = b"Content-Type: multipart/mixed; boundary=\"xx\"\n\npreamble\n--xx\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nGr\xc3\xbc\xc3\x9fe\nFrom here\n--xx\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: binary\n\n".to_vec();
        let binary: Vec<u8> = (0..=255u8).chain(0..=255u8).collect();
        msg.extend_from_slice(&binary);
        msg.extend_from_slice(b"\n--xx--\nepilogue\n");
        let out = prepare_for_signing(&msg).unwrap();
        assert!(is_7bit_crlf(&out));
        assert!(out.starts_with(
            b"Content-Type: multipart/mixed; boundary=\"xx\"\r\n\r\npreamble\r\n--xx\r\n"
        ));
        assert!(out.ends_with(b"\r\n--xx--\r\nepilogue\r\n"));
        let (text, encoding) = decoded_part(&out, &[0]);
        assert_eq!(encoding, TransferEncoding::QuotedPrintable);
        assert_eq!(text, "Grüße\r\nFrom here".as_bytes());
        let (attachment, encoding) = decoded_part(&out, &[1]);
        assert_eq!(encoding, TransferEncoding::Base64);
        assert_eq!(attachment, binary);
        // The old Content-Transfer-Encoding field is replaced, not duplicated.
        let count = out
            .windows(26)
            .filter(|w| w.eq_ignore_ascii_case(b"Content-Transfer-Encoding:"))
            .count();
        assert_eq!(count, 2);
        assert_eq!(prepare_for_signing(&out).unwrap(), out, "idempotent");
    }

    #[test]
    fn prepare_nested_multipart_reencodes_only_the_8bit_leaf() {
        let msg = b"Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n--i\r\nContent-Type: text/plain\r\n\r\nplain ascii\r\n--i\r\nContent-Type: text/html; charset=iso-8859-1\r\n\r\n<p>caf\xe9</p>\r\n--i--\r\n--o\r\nContent-Type: text/plain\r\n\r\nsecond\r\n--o--\r\n";
        let out = prepare_for_signing(msg).unwrap();
        assert!(is_7bit_crlf(&out));
        let (plain, enc) = decoded_part(&out, &[0, 0]);
        assert_eq!(
            (plain.as_slice(), enc),
            (&b"plain ascii"[..], TransferEncoding::SevenBit)
        );
        let (html, enc) = decoded_part(&out, &[0, 1]);
        assert_eq!(
            (html.as_slice(), enc),
            (&b"<p>caf\xe9</p>"[..], TransferEncoding::QuotedPrintable)
        );
        let (second, _) = decoded_part(&out, &[1]);
        assert_eq!(second, b"second");
    }

    #[test]
    fn prepare_binary_label_with_ascii_keeps_lone_line_feeds() {
        let msg =
            b"Content-Type: application/x-data\r\nContent-Transfer-Encoding: binary\r\n\r\na\nb\rc";
        let out = prepare_for_signing(msg).unwrap();
        assert!(is_7bit_crlf(&out));
        let (data, enc) = decoded_part(&out, &[]);
        assert_eq!(
            (data.as_slice(), enc),
            (&b"a\nb\rc"[..], TransferEncoding::Base64)
        );
    }

    #[test]
    fn prepare_overlong_line_becomes_quoted_printable() {
        let mut msg = b"Content-Type: text/plain\n\n".to_vec();
        msg.extend(std::iter::repeat_n(b'x', 2000));
        let out = prepare_for_signing(&msg).unwrap();
        assert!(is_7bit_crlf(&out));
        assert_eq!(decoded_part(&out, &[]).0, vec![b'x'; 2000]);
    }

    #[test]
    fn prepare_message_rfc822_with_8bit_inner_body_is_prepared_inside() {
        let msg = b"Content-Type: message/rfc822\n\nSubject: hi\nContent-Type: text/plain\nContent-Transfer-Encoding: 8bit\n\n\xc3\xa9\n";
        let out = prepare_for_signing(msg).unwrap();
        assert!(is_7bit_crlf(&out));
        let outer = parse_entity(&out, "m").unwrap();
        assert_eq!(outer.transfer_encoding(), TransferEncoding::SevenBit);
        let inner = &out[outer.body_range.clone()];
        assert_eq!(decoded_part(inner, &[]).0, "é\r\n".as_bytes());
    }

    #[test]
    fn prepare_7bit_message_only_changes_line_ends() {
        let msg = b"Content-Type: text/plain\n\nhello\nworld\n";
        assert_eq!(prepare_for_signing(msg).unwrap(), to_crlf(msg));
        let multi = b"Content-Type: multipart/mixed; boundary=b\n\n--b \n\nx\n--b--\n";
        assert_eq!(prepare_for_signing(multi).unwrap(), to_crlf(multi));
    }

    #[test]
    fn prepare_multipart_8bit_without_boundary_is_error() {
        assert!(prepare_for_signing(b"Content-Type: multipart/mixed\r\n\r\n\xff\r\n").is_err());
    }

    #[test]
    fn prepare_deep_nesting_is_error_not_overflow() {
        let mut msg = Vec::new();
        for _ in 0..100 {
            msg.extend_from_slice(b"Content-Type: message/rfc822\r\n\r\n");
        }
        msg.extend_from_slice(b"\r\n\xff");
        assert!(prepare_for_signing(&msg).is_err());
    }

    #[test]
    fn prepare_bare_cr_in_rewritten_header_is_error() {
        let msg = b"Content-Type: text/plain\r\nX-A: b\rc\r\n\r\n\xff";
        let err = prepare_for_signing(msg).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("bare CR"), "{err}");
    }

    #[test]
    fn prepare_bare_cr_before_delimiter_is_error() {
        let msg =
            b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n\xff\r--b\r\n--b--\r\n";
        assert!(prepare_for_signing(msg).is_err());
        let msg =
            b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r \r\n\r\n\xff\r\n--b--\r\n";
        assert!(prepare_for_signing(msg).is_err());
    }
}

//! Canonical form for signing (RFC 8551 3.1): CRLF line ends, and content that a relay
//! could change (8-bit, binary, NUL bytes, lines over 998 octets) re-encoded first.

use std::io::{self, Write};

use super::entity::{parse_entity, Entity, TransferEncoding};
use super::multipart::split_multipart;
use super::transfer_encoding::{decode_body, encode_base64_lines, encode_quoted_printable};
use crate::Result;

/// Every line end as CRLF: lone LF and lone CR become CRLF (RFC 8551 3.1.1).
pub fn to_crlf(bytes: &[u8]) -> Vec<u8> {
    let mut w = CrlfWriter::new(Vec::with_capacity(bytes.len() + bytes.len() / 32));
    let _ = w.write_all(bytes);
    w.into_inner().unwrap_or_default()
}

/// [`to_crlf`] as a streaming writer: a CR at the end of one write and an LF at the start
/// of the next make one line end.
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

impl<W: Write> Write for CrlfWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
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

fn needs_encoding(body: &[u8]) -> bool {
    body.iter().any(|&b| b >= 0x80 || b == 0) || body.split(|&b| b == b'\n').any(|l| l.len() > 998)
}

/// Bring an entity into canonical form for signing (RFC 8551 3.1.1-3.1.3): CRLF line ends,
/// and every part (through multiparts and message/rfc822) whose body is 8-bit, binary,
/// has NUL bytes or overlong lines re-encoded: text as quoted-printable, the rest as base64.
pub fn prepare_for_signing(entity_bytes: &[u8]) -> Result<Vec<u8>> {
    prepare(entity_bytes, 0)
}

fn prepare(bytes: &[u8], depth: usize) -> Result<Vec<u8>> {
    let entity = parse_entity(bytes, "signed entity")?;
    let body = &bytes[entity.body_range.clone()];
    let ct = entity.content_type()?;
    if depth < 16 && ct.mime_type.starts_with("multipart/") {
        if let Some(boundary) = ct.param("boundary") {
            if !needs_encoding(body) {
                return Ok(to_crlf(bytes));
            }
            let parts = split_multipart(body, boundary, "signed entity")?;
            let mut out = to_crlf(&bytes[entity.header_range.clone()]);
            let first = parts.first().map(|p| p.start).unwrap_or(0);
            // The preamble up to (not including) the first delimiter line is dropped
            // except for its text; keep it simple and canonical.
            let _ = first;
            for part in &parts {
                out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
                out.extend(prepare(&body[part.clone()], depth + 1)?);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
            return Ok(out);
        }
    }
    if depth < 16 && ct.mime_type == "message/rfc822" && needs_encoding(body) {
        let mut out = to_crlf(&bytes[entity.header_range.clone()]);
        out.extend(prepare(body, depth + 1)?);
        return Ok(out);
    }
    let encoding = entity.transfer_encoding();
    let already_safe = matches!(
        encoding,
        TransferEncoding::Base64 | TransferEncoding::QuotedPrintable
    ) && !needs_encoding(body);
    if already_safe || !needs_encoding(body) {
        return Ok(to_crlf(bytes));
    }
    let decoded = decode_body(body, &encoding, "signed entity")?;
    let (name, encoded) = if ct.mime_type.starts_with("text/") {
        (
            "quoted-printable",
            encode_quoted_printable(&to_crlf(&decoded)),
        )
    } else {
        ("base64", encode_base64_lines(&decoded))
    };
    let mut out = header_block_with_encoding(bytes, &entity, name);
    out.extend(encoded);
    Ok(out)
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

    #[test]
    fn crlf_writer_any_chunking_matches_to_crlf() {
        let input = b"a\nb\r\nc\rd\r\r\ne\n\r";
        let expected = to_crlf(input);
        assert_eq!(expected, b"a\r\nb\r\nc\r\nd\r\n\r\ne\r\n\r\n");
        for step in 1..input.len() {
            let mut w = CrlfWriter::new(Vec::new());
            for c in input.chunks(step) {
                w.write_all(c).unwrap();
            }
            assert_eq!(w.into_inner().unwrap(), expected, "step {step}");
        }
    }

    #[test]
    fn prepare_8bit_text_and_binary_attachment_become_7bit_and_decode_back() {
        let mut msg = b"Content-Type: multipart/mixed; boundary=\"xx\"\n\n--xx\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nGr\xc3\xbc\xc3\x9fe\n--xx\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: binary\n\n".to_vec();
        let binary: Vec<u8> = (0..=255u8).filter(|&b| b != b'\n' && b != b'\r').collect();
        msg.extend_from_slice(&binary);
        msg.extend_from_slice(b"\n--xx--\n");
        let out = prepare_for_signing(&msg).unwrap();
        assert!(out.iter().all(|&b| b < 0x80 && b != 0), "7-bit clean");
        assert!(
            !out.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'),
            "CRLF only"
        );
        let entity = parse_entity(&out, "m").unwrap();
        let body = &out[entity.body_range.clone()];
        let parts = split_multipart(body, "xx", "m").unwrap();
        let text = parse_entity(&body[parts[0].clone()], "p1").unwrap();
        let decoded = decode_body(
            &body[parts[0].clone()][text.body_range.clone()],
            &text.transfer_encoding(),
            "p1",
        )
        .unwrap();
        assert_eq!(decoded, "Grüße".as_bytes());
        let attachment = &body[parts[1].clone()];
        let att = parse_entity(attachment, "p2").unwrap();
        assert_eq!(att.transfer_encoding(), TransferEncoding::Base64);
        assert_eq!(
            decode_body(
                &attachment[att.body_range.clone()],
                &TransferEncoding::Base64,
                "p2"
            )
            .unwrap(),
            binary
        );
    }

    #[test]
    fn prepare_7bit_message_only_changes_line_ends() {
        let msg = b"Content-Type: text/plain\n\nhello\nworld\n";
        assert_eq!(prepare_for_signing(msg).unwrap(), to_crlf(msg));
    }
}

//! Signing whole messages (RFC 8551 3.5): multipart/signed (detached, RFC 1847 and
//! RFC 8551 3.5.3) or application/pkcs7-mime; smime-type=signed-data (opaque, 3.5.2).
//!
//! The outer headers (From, To, Subject, ...) stay on the outer message; the Content-*
//! headers and the body form the signed entity, which is first brought into canonical
//! form: CRLF line ends, and 8-bit or binary parts re-encoded so that no relay can change
//! the signed bytes (RFC 8551 3.1.1-3.1.3).
//!
//! Messages up to [`IN_MEMORY_LIMIT`] are prepared in memory. Larger ones stream in
//! bounded memory: their body is converted to CRLF on the fly; a large body that declares
//! 8bit or binary encoding and is not multipart is base64-encoded on the fly; a large
//! multipart with 8-bit content is refused with an error (re-encode it first).

use std::io::{BufReader, Read, Write};
use std::time::SystemTime;

use crate::cms::signed_builder::{
    encode_content_chunk, ContentDigests, SignedDataBuilder, SignerSpec,
};
use crate::message::{read_header_block, HeaderBlock};
use crate::mime::{self, CrlfWriter, TransferEncoding};
use crate::stream::{read_up_to, Base64Writer, DigestSet};
use crate::Result;

/// Messages whose body is at most this long are canonicalised in memory.
pub const IN_MEMORY_LIMIT: usize = 8 * 1024 * 1024;

/// Chunk size for streaming.
const CHUNK: usize = 64 * 1024;

/// The two S/MIME signed forms (RFC 8551 3.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignForm {
    /// multipart/signed with an application/pkcs7-signature part: readable without S/MIME.
    Detached,
    /// application/pkcs7-mime; smime-type=signed-data: the content inside the CMS.
    Opaque,
}

/// Options for [`Signer`].
#[derive(Debug, Clone)]
pub struct SignOptions {
    /// Detached (default) or opaque.
    pub form: SignForm,
    /// The signing-time attribute; `None` leaves it out.
    pub signing_time: Option<SystemTime>,
}

impl Default for SignOptions {
    fn default() -> Self {
        SignOptions {
            form: SignForm::Detached,
            signing_time: Some(SystemTime::now()),
        }
    }
}

/// Signs messages with one or more signers.
pub struct Signer {
    builder: SignedDataBuilder,
    options: SignOptions,
}

impl Signer {
    /// A signer for these signers (each key is checked against its certificate).
    pub fn new(signers: Vec<SignerSpec>, options: SignOptions) -> Result<Self> {
        Ok(Signer {
            builder: SignedDataBuilder::new(signers, options.signing_time)?,
            options,
        })
    }

    /// Sign the message read from `input` and write the signed message to `output`.
    /// `progress` is told how many input bytes have been read so far.
    pub fn sign<R: Read, W: Write>(
        &self,
        input: R,
        output: W,
        progress: &mut dyn FnMut(u64),
    ) -> Result<()> {
        self.sign_with_protected_headers(&[], input, output, progress)
    }

    /// [`Signer::sign`], with `protected_fields` (whole header fields, CRLF line ends) put at
    /// the top of the signed entity's header block, before its Content-* fields: the
    /// protected header section of RFC 9788 (see [`crate::mime::header_protection`]).
    pub fn sign_with_protected_headers<R: Read, W: Write>(
        &self,
        protected_fields: &[u8],
        input: R,
        output: W,
        progress: &mut dyn FnMut(u64),
    ) -> Result<()> {
        let mut reader = BufReader::with_capacity(CHUNK, input);
        let header = read_header_block(&mut reader, "message")?;
        let mut body = Vec::new();
        (&mut reader)
            .take(IN_MEMORY_LIMIT as u64 + 1)
            .read_to_end(&mut body)?;
        progress((header.bytes.len() + body.len()) as u64);
        if body.len() <= IN_MEMORY_LIMIT {
            let mut entity = protected_fields.to_vec();
            entity.extend(inner_header_block(&header));
            entity.extend_from_slice(&body);
            let entity = mime::prepare_for_signing(&entity)?;
            let mut source = &entity[..];
            self.write_signed(&header, &mut source, output, progress)
        } else {
            let (entity_header, mode) = header_checked_for_streaming(&header)?;
            let entity = ([protected_fields, &entity_header].concat(), mode);
            let chained = (&body[..]).chain(reader);
            let mut source = CanonicalBody::new(entity, chained)?;
            self.write_signed(&header, &mut source, output, progress)
        }
    }

    /// Sign a message held in memory.
    pub fn sign_bytes(&self, message: &[u8]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(message.len() + 8192);
        self.sign(message, &mut out, &mut |_| {})?;
        Ok(out)
    }

    fn write_signed(
        &self,
        header: &HeaderBlock,
        entity: &mut dyn Read,
        output: impl Write,
        progress: &mut dyn FnMut(u64),
    ) -> Result<()> {
        let mut out = std::io::BufWriter::with_capacity(CHUNK, output);
        for h in header.outer_headers() {
            if !h.name.eq_ignore_ascii_case("MIME-Version") {
                out.write_all(&header.field_bytes(h))?;
            }
        }
        out.write_all(b"MIME-Version: 1.0\r\n")?;
        let mut digests = DigestSet::new(&self.builder.digest_algorithms());
        let mut buf = vec![0u8; CHUNK];
        let mut total = header.bytes.len() as u64;
        match self.options.form {
            SignForm::Detached => {
                let boundary = mime::new_boundary();
                let micalg: Vec<&str> = self
                    .builder
                    .digest_algorithms()
                    .iter()
                    .map(|d| d.micalg())
                    .collect();
                write!(
                    out,
                    "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";\r\n\tmicalg=\"{}\"; boundary=\"{boundary}\"\r\n\r\nThis is an S/MIME signed message.\r\n\r\n--{boundary}\r\n",
                    micalg.join(",")
                )?;
                loop {
                    let n = read_up_to(entity, &mut buf)?;
                    if n == 0 {
                        break;
                    }
                    digests.update(&buf[..n]);
                    out.write_all(&buf[..n])?;
                    total += n as u64;
                    progress(total);
                }
                let cms = self
                    .builder
                    .build(&ContentDigests(digests.finish()), None)?;
                write!(
                    out,
                    "\r\n--{boundary}\r\nContent-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"smime.p7s\"\r\nContent-Description: S/MIME Cryptographic Signature\r\n\r\n"
                )?;
                let mut b64 = Base64Writer::new(&mut out);
                b64.write_all(&cms)?;
                b64.finish()?;
                write!(out, "\r\n--{boundary}--\r\n")?;
            }
            SignForm::Opaque => {
                out.write_all(
                    b"Content-Type: application/pkcs7-mime; smime-type=signed-data; name=\"smime.p7m\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"smime.p7m\"\r\n\r\n",
                )?;
                let mut b64 = Base64Writer::new(&mut out);
                b64.write_all(&self.builder.stream_prefix()?)?;
                loop {
                    let n = read_up_to(entity, &mut buf)?;
                    if n == 0 {
                        break;
                    }
                    digests.update(&buf[..n]);
                    b64.write_all(&encode_content_chunk(&buf[..n]))?;
                    total += n as u64;
                    progress(total);
                }
                b64.write_all(
                    &self
                        .builder
                        .stream_suffix(&ContentDigests(digests.finish()))?,
                )?;
                b64.finish()?;
            }
        }
        out.flush()?;
        Ok(())
    }
}

/// The header block of the signed entity: the Content-* headers (with `default_type` when
/// there is no Content-Type), and, when `encoding` is given, that Content-Transfer-Encoding
/// in place of the original one.
fn content_header_block(
    header: &HeaderBlock,
    default_type: &str,
    encoding: Option<&str>,
) -> Vec<u8> {
    let mut out = Vec::new();
    let content = header.content_headers();
    if !content
        .iter()
        .any(|h| h.name.eq_ignore_ascii_case("Content-Type"))
    {
        out.extend_from_slice(format!("Content-Type: {default_type}\r\n").as_bytes());
    }
    for h in content {
        if encoding.is_none() || !h.name.eq_ignore_ascii_case("Content-Transfer-Encoding") {
            out.extend(header.field_bytes(h));
        }
    }
    if let Some(encoding) = encoding {
        out.extend_from_slice(format!("Content-Transfer-Encoding: {encoding}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// The header block for a message without declared 8-bit content.
fn inner_header_block(header: &HeaderBlock) -> Vec<u8> {
    content_header_block(header, "text/plain; charset=us-ascii", None)
}

/// How a large body is canonicalised while streaming.
enum StreamMode {
    /// CRLF line ends only; any 8-bit byte is an error.
    SevenBit,
    /// The body is base64-encoded on the fly (declared 8bit or binary, not multipart).
    Base64,
}

/// For a large message: the header block of the signed entity and how to stream its body.
fn header_checked_for_streaming(header: &HeaderBlock) -> Result<(Vec<u8>, StreamMode)> {
    let content_type = header.entity.content_type()?;
    match header.entity.transfer_encoding() {
        TransferEncoding::EightBit | TransferEncoding::Binary
            if !content_type.mime_type.starts_with("multipart/") =>
        {
            let out = content_header_block(header, "application/octet-stream", Some("base64"));
            Ok((out, StreamMode::Base64))
        }
        _ => Ok((inner_header_block(header), StreamMode::SevenBit)),
    }
}

/// Reads the canonical signed entity of a large message: its header block, then the body
/// converted to CRLF (or base64-encoded), in bounded memory.
struct CanonicalBody<R: Read> {
    body: R,
    mode: StreamMode,
    out: Vec<u8>,
    out_pos: usize,
    crlf: Option<CrlfWriter<Vec<u8>>>,
    base64: Option<Base64Writer<Vec<u8>>>,
    offset: u64,
    done: bool,
    raw: Vec<u8>,
}

impl<R: Read> CanonicalBody<R> {
    fn new((header, mode): (Vec<u8>, StreamMode), body: R) -> Result<Self> {
        Ok(CanonicalBody {
            body,
            mode,
            out: header,
            out_pos: 0,
            crlf: Some(CrlfWriter::new(Vec::new())),
            base64: Some(Base64Writer::new(Vec::new())),
            offset: 0,
            done: false,
            raw: vec![0u8; CHUNK],
        })
    }

    fn refill(&mut self) -> std::io::Result<()> {
        let mut raw = std::mem::take(&mut self.raw);
        let result = self.refill_with(&mut raw);
        self.raw = raw;
        result
    }

    fn refill_with(&mut self, raw: &mut [u8]) -> std::io::Result<()> {
        while self.out_pos >= self.out.len() && !self.done {
            self.out.clear();
            self.out_pos = 0;
            let n = self.body.read(raw)?;
            let chunk = &raw[..n];
            match self.mode {
                StreamMode::SevenBit => {
                    let clean = chunk.is_ascii() && memchr::memchr(0, chunk).is_none();
                    if let Some(i) = (!clean)
                        .then(|| chunk.iter().position(|&b| b >= 0x80 || b == 0))
                        .flatten()
                    {
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            format!(
                                "body byte {} is 8-bit or NUL in a message too large to re-encode in memory; encode it as base64 or quoted-printable first",
                                self.offset + i as u64
                            ),
                        ));
                    }
                    let w = self.crlf.as_mut().expect("present until done");
                    w.write_all(chunk)?;
                    if n == 0 {
                        let inner = self.crlf.take().expect("present until done").into_inner()?;
                        self.out.extend(inner);
                    } else {
                        self.out.append(w.get_mut());
                    }
                }
                StreamMode::Base64 => {
                    let w = self.base64.as_mut().expect("present until done");
                    w.write_all(chunk)?;
                    if n == 0 {
                        let inner = self.base64.take().expect("present until done").finish()?;
                        self.out.extend(inner);
                    } else {
                        self.out.append(w.get_mut());
                    }
                }
            }
            self.offset += n as u64;
            if n == 0 {
                self.done = true;
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for CanonicalBody<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.out_pos >= self.out.len() {
            self.refill()?;
        }
        let available = &self.out[self.out_pos..];
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.out_pos += n;
        Ok(n)
    }
}

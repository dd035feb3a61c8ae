//! Streaming building blocks: base64 in 76-character lines (RFC 2045 6.8) as an
//! [`std::io::Write`] filter and as an [`std::io::Read`] filter, a set of digests fed
//! as a writer, and [`PlaintextSink`]s that hold decrypted bytes back until they are
//! authenticated. They keep memory bounded by a buffer, whatever the message size.

use std::io::{self, Read, Seek, Write};

use crate::crypto::{DigestAlgorithm, Digester};

const LINE: usize = 76;

/// Fill as much of `buf` as `reader` gives before its end; returns how many bytes that is
/// (less than `buf.len()` only at the end of the input).
pub fn read_up_to(reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let n = reader.read(&mut buf[filled..])?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}
const GROUP: usize = LINE / 4 * 3; // 57 input bytes make one 76-character line

/// Writes base64 in CRLF-terminated lines of 76 characters.
pub struct Base64Writer<W: Write> {
    inner: W,
    pending: Vec<u8>,
    encoded: Vec<u8>,
    out: Vec<u8>,
}

impl<W: Write> Base64Writer<W> {
    /// Encode into `inner`.
    pub fn new(inner: W) -> Self {
        Base64Writer {
            inner,
            pending: Vec::with_capacity(GROUP),
            encoded: Vec::new(),
            out: Vec::new(),
        }
    }

    /// The inner writer (for taking out what was encoded so far).
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// Write the last partial line and return the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        if !self.pending.is_empty() {
            self.out.clear();
            encode_lines(&self.pending, &mut self.encoded, &mut self.out);
            self.inner.write_all(&self.out)?;
        }
        Ok(self.inner)
    }
}

/// Append the base64 of `data` to `out` in CRLF-terminated lines of 76 characters (all
/// full but the last); `encoded` is scratch space.
fn encode_lines(data: &[u8], encoded: &mut Vec<u8>, out: &mut Vec<u8>) {
    encoded.clear();
    base64_simd::STANDARD.encode_append(data, encoded);
    out.reserve(encoded.len() + encoded.len().div_ceil(LINE) * 2);
    let lines = encoded.chunks_exact(LINE);
    let last = lines.remainder();
    let mut line_out = [0u8; LINE + 2];
    line_out[LINE..].copy_from_slice(b"\r\n");
    for line in lines {
        // One copy of a constant length per line, which compiles to a few vector moves.
        line_out[..LINE].copy_from_slice(line);
        out.extend_from_slice(&line_out);
    }
    if !last.is_empty() {
        out.extend_from_slice(last);
        out.extend_from_slice(b"\r\n");
    }
}

impl<W: Write> Write for Base64Writer<W> {
    /// Everything that makes whole lines goes to the inner writer in one write.
    fn write(&mut self, mut buf: &[u8]) -> io::Result<usize> {
        let n = buf.len();
        self.out.clear();
        if !self.pending.is_empty() {
            let take = (GROUP - self.pending.len()).min(buf.len());
            self.pending.extend_from_slice(&buf[..take]);
            buf = &buf[take..];
            if self.pending.len() == GROUP {
                encode_lines(&self.pending, &mut self.encoded, &mut self.out);
                self.pending.clear();
            }
        }
        let whole = buf.len() / GROUP * GROUP;
        if whole > 0 {
            encode_lines(&buf[..whole], &mut self.encoded, &mut self.out);
        }
        self.pending.extend_from_slice(&buf[whole..]);
        if !self.out.is_empty() {
            self.inner.write_all(&self.out)?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Reads base64 text (any line length, whitespace ignored) and yields the decoded bytes.
/// Anything other than the base64 alphabet, `=` padding and whitespace is an error that
/// names its byte offset.
pub struct Base64Reader<R: Read> {
    inner: R,
    raw: Vec<u8>,
    text: Vec<u8>,
    decoded: Vec<u8>,
    decoded_pos: usize,
    consumed: usize,
    finished: bool,
}

impl<R: Read> Base64Reader<R> {
    /// Decode from `inner`.
    pub fn new(inner: R) -> Self {
        Base64Reader {
            inner,
            raw: vec![0u8; 64 * 1024],
            text: Vec::new(),
            decoded: Vec::new(),
            decoded_pos: 0,
            consumed: 0,
            finished: false,
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        while self.decoded_pos >= self.decoded.len() && !self.finished {
            let n = self.inner.read(&mut self.raw)?;
            if n == 0 {
                self.finished = true;
            }
            // Fast path: drop the line ends and let the decoder check the alphabet. Only when
            // it refuses are the bytes looked at one by one, for other whitespace and for an
            // error that names the offending byte.
            let before = self.text.len();
            strip_line_ends(&self.raw[..n], &mut self.text);
            if self.decode_ready().is_err() {
                self.text.truncate(before);
                self.filter_exactly(n)?;
                self.decode_ready()?;
            }
            self.consumed += n;
        }
        Ok(())
    }

    /// Append the base64 characters of `raw[..n]` to the text, skipping whitespace and
    /// failing on anything else.
    fn filter_exactly(&mut self, n: usize) -> io::Result<()> {
        for (i, &b) in self.raw[..n].iter().enumerate() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' | b'=' => self.text.push(b),
                b' ' | b'\t' | b'\r' | b'\n' => {}
                _ => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "invalid base64 character 0x{b:02x} at byte {}",
                            self.consumed + i
                        ),
                    ))
                }
            }
        }
        Ok(())
    }

    /// Decode the whole groups of the text (all of it at the end), keeping a group with
    /// `=` padding until the end is known: padding may only end the text.
    fn decode_ready(&mut self) -> io::Result<()> {
        let usable = if self.finished {
            self.text.len()
        } else {
            self.text.len() / 4 * 4
        };
        let usable = match memchr::memchr(b'=', &self.text[..usable]) {
            Some(p) if !self.finished => p / 4 * 4,
            _ => usable,
        };
        self.decoded.clear();
        self.decoded_pos = 0;
        if usable > 0 {
            if let Err(e) =
                base64_simd::STANDARD.decode_append(&self.text[..usable], &mut self.decoded)
            {
                self.decoded.clear();
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "invalid base64 near byte {}: {e}",
                        self.consumed.saturating_sub(self.text.len())
                    ),
                ));
            }
            self.text.drain(..usable);
        }
        if self.finished && !self.text.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "base64 text ends in the middle of a group",
            ));
        }
        Ok(())
    }
}

/// How many of `bytes` are CR or LF. Counted in blocks small enough for a byte counter, so
/// that it compiles to vector compares and adds.
fn count_line_end_bytes(bytes: &[u8]) -> usize {
    bytes
        .chunks(128)
        .map(|block| {
            let n = block
                .iter()
                .fold(0u8, |n, &b| n + u8::from(b == b'\r') + u8::from(b == b'\n'));
            usize::from(n)
        })
        .sum()
}

/// Append `raw` to `text` without its CR and LF bytes. Base64 comes in lines of one length
/// and one line end (CRLF or LF): after a line end is found by searching, the lines that
/// follow are checked only where that length puts their ends, and the run of them is
/// taken when it holds no other CR or LF (one counting pass); otherwise, for the rest of
/// `raw`, every line end is searched for.
fn strip_line_ends(mut rest: &[u8], text: &mut Vec<u8>) {
    text.reserve(rest.len());
    let mut regular = true;
    loop {
        let Some(i) = memchr::memchr2(b'\r', b'\n', rest) else {
            text.extend_from_slice(rest);
            return;
        };
        text.extend_from_slice(&rest[..i]);
        let end: &[u8] = if rest.get(i + 1) == Some(&b'\n') && rest[i] == b'\r' {
            b"\r\n"
        } else {
            &rest[i..=i]
        };
        rest = &rest[i + end.len()..];
        if !regular || end == b"\r" {
            continue;
        }
        let stride = i + end.len();
        let ends_at = |at: usize| {
            rest.get(at) == end.first() && (end.len() == 1 || rest.get(at + 1) == end.get(1))
        };
        let mut lines = 0;
        while ends_at(lines * stride + i) {
            lines += 1;
        }
        let run = &rest[..lines * stride];
        if count_line_end_bytes(run) == lines * end.len() {
            for line in run.chunks_exact(stride) {
                text.extend_from_slice(&line[..i]);
            }
            rest = &rest[run.len()..];
        } else {
            regular = false;
        }
    }
}

impl<R: Read> Read for Base64Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.decoded_pos >= self.decoded.len() {
            self.refill()?;
        }
        let available = &self.decoded[self.decoded_pos..];
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.decoded_pos += n;
        Ok(n)
    }
}

/// Several digests of the same bytes, fed as a writer.
pub struct DigestSet {
    digesters: Vec<(DigestAlgorithm, Digester)>,
}

impl DigestSet {
    /// Digests for each of `algorithms` (duplicates ignored).
    pub fn new(algorithms: &[DigestAlgorithm]) -> Self {
        let mut digesters: Vec<(DigestAlgorithm, Digester)> = Vec::new();
        for &alg in algorithms {
            if !digesters.iter().any(|(a, _)| *a == alg) {
                digesters.push((alg, Digester::new(alg)));
            }
        }
        DigestSet { digesters }
    }

    /// Feed bytes.
    pub fn update(&mut self, data: &[u8]) {
        for (_, d) in &mut self.digesters {
            d.update(data);
        }
    }

    /// The digests.
    pub fn finish(self) -> Vec<(DigestAlgorithm, Vec<u8>)> {
        self.digesters
            .into_iter()
            .map(|(a, d)| (a, d.finish()))
            .collect()
    }
}

impl Clone for DigestSet {
    fn clone(&self) -> Self {
        DigestSet {
            digesters: self.digesters.clone(),
        }
    }
}

impl Write for DigestSet {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Where decrypted content goes: written as it is decrypted, but made visible only by
/// [`PlaintextSink::commit`], which decryption calls once the tag (or the CBC padding) is
/// checked; on any failure [`PlaintextSink::discard`] is called instead. No plaintext of a
/// message that fails authentication is ever released (GCM/ChaCha20-Poly1305 tags are at
/// the end of the message).
pub trait PlaintextSink: Write {
    /// Release everything written.
    fn commit(&mut self) -> io::Result<()>;
    /// Throw everything written away.
    fn discard(&mut self);
}

/// How much a [`Spool`] holds in memory before it moves to a temporary file.
pub const SPOOL_MEMORY_LIMIT: usize = 4 * 1024 * 1024;

/// Bytes kept for reading back: in memory up to [`SPOOL_MEMORY_LIMIT`], then in an unnamed
/// temporary file (deleted by the system when closed). Memory stays bounded.
#[derive(Default)]
pub struct Spool {
    memory: Vec<u8>,
    file: Option<std::fs::File>,
}

impl Spool {
    /// An empty spool.
    pub fn new() -> Self {
        Spool::default()
    }

    /// Pass everything written so far to `sink`, in pieces, from the start.
    pub fn replay(
        &mut self,
        sink: &mut dyn FnMut(&[u8]) -> crate::Result<()>,
    ) -> crate::Result<()> {
        sink(&self.memory)?;
        if let Some(file) = &mut self.file {
            file.seek(io::SeekFrom::Start(0))?;
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = file.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                sink(&buf[..n])?;
            }
            file.seek(io::SeekFrom::End(0))?;
        }
        Ok(())
    }

    /// Read everything written so far, from the start. Write again only after [`Spool::clear`].
    pub fn reader(&mut self) -> io::Result<Box<dyn io::BufRead + '_>> {
        match &mut self.file {
            Some(file) => {
                file.seek(io::SeekFrom::Start(0))?;
                Ok(Box::new(io::BufReader::with_capacity(64 * 1024, &*file)))
            }
            None => Ok(Box::new(&self.memory[..])),
        }
    }

    /// Forget everything written.
    pub fn clear(&mut self) {
        self.memory = Vec::new();
        self.file = None;
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.file.is_none() && self.memory.len() + buf.len() > SPOOL_MEMORY_LIMIT {
            let mut file = tempfile::tempfile()?;
            file.write_all(&self.memory)?;
            self.memory = Vec::new();
            self.file = Some(file);
        }
        match &mut self.file {
            Some(file) => file.write_all(buf)?,
            None => self.memory.extend_from_slice(buf),
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A [`PlaintextSink`] in front of any writer: bytes are held in a [`Spool`] and copied to
/// the writer only on commit.
pub struct SpooledSink<W: Write> {
    target: W,
    spool: Spool,
}

impl<W: Write> SpooledSink<W> {
    /// Hold bytes for `target`.
    pub fn new(target: W) -> Self {
        SpooledSink {
            target,
            spool: Spool::new(),
        }
    }

    /// The writer behind the sink.
    pub fn into_inner(self) -> W {
        self.target
    }
}

impl<W: Write> Write for SpooledSink<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.spool.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<W: Write> PlaintextSink for SpooledSink<W> {
    fn commit(&mut self) -> io::Result<()> {
        let target = &mut self.target;
        self.spool
            .replay(&mut |piece| Ok(target.write_all(piece)?))
            .map_err(io::Error::other)?;
        self.spool.clear();
        self.target.flush()
    }

    fn discard(&mut self) {
        self.spool.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_writer_any_chunking_matches_one_shot_encoding() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut expected = Base64Writer::new(Vec::new());
        expected.write_all(&data).unwrap();
        let expected = expected.finish().unwrap();
        for chunk in [1, 3, 56, 57, 58, 100] {
            let mut w = Base64Writer::new(Vec::new());
            for c in data.chunks(chunk) {
                w.write_all(c).unwrap();
            }
            assert_eq!(w.finish().unwrap(), expected, "chunk size {chunk}");
        }
        let text = String::from_utf8(expected.clone()).unwrap();
        assert!(text.lines().all(|l| l.trim_end().len() <= 76));
        let mut decoded = Vec::new();
        Base64Reader::new(&expected[..])
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, data);
    }

    #[test]
    fn base64_reader_any_line_lengths_and_ends_decode_alike() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i * 13 % 251) as u8).collect();
        let mut plain = String::new();
        base64_simd::STANDARD.encode_append(&data, &mut plain);
        let plain = plain.into_bytes();
        let wrap = |widths: &[usize], end: &[u8]| {
            let mut out = Vec::new();
            let mut rest = &plain[..];
            for &w in widths.iter().cycle() {
                let take = w.min(rest.len());
                out.extend_from_slice(&rest[..take]);
                out.extend_from_slice(end);
                rest = &rest[take..];
                if rest.is_empty() {
                    break;
                }
            }
            out
        };
        let texts = [
            wrap(&[76], b"\r\n"),
            wrap(&[76], b"\n"),
            wrap(&[64], b"\r"),
            wrap(&[76, 76, 4, 76, 0, 76], b"\r\n"),
            wrap(&[76, 74], b"\r\n"),
            wrap(&[1, 2, 3, 76], b"\n\r\n"),
        ];
        for (i, text) in texts.iter().enumerate() {
            for chunk in [1, 77, 78, 4096] {
                let reader = ChunkedReader { data: text, chunk };
                let mut decoded = Vec::new();
                Base64Reader::new(reader)
                    .read_to_end(&mut decoded)
                    .unwrap_or_else(|e| panic!("text {i} chunk {chunk}: {e}"));
                assert_eq!(decoded, data, "text {i} chunk {chunk}");
            }
        }
    }

    /// A reader that gives at most `chunk` bytes per read.
    struct ChunkedReader<'a> {
        data: &'a [u8],
        chunk: usize,
    }

    impl Read for ChunkedReader<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.chunk.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn base64_reader_garbage_is_error_with_offset() {
        let mut out = Vec::new();
        let err = Base64Reader::new(&b"QUJD\r\nR*EF"[..])
            .read_to_end(&mut out)
            .unwrap_err();
        assert!(err.to_string().contains("byte 7"), "{err}");
    }

    #[test]
    fn base64_reader_truncated_group_is_error() {
        let mut out = Vec::new();
        assert!(Base64Reader::new(&b"QUJDR"[..])
            .read_to_end(&mut out)
            .is_err());
    }

    #[test]
    fn spooled_sink_releases_only_on_commit_and_spills_to_a_file() {
        let data: Vec<u8> = (0..SPOOL_MEMORY_LIMIT + 1000).map(|i| i as u8).collect();
        let mut out = Vec::new();
        let mut sink = SpooledSink::new(&mut out);
        for piece in data.chunks(100_000) {
            sink.write_all(piece).unwrap();
        }
        assert!(
            sink.spool.file.is_some(),
            "past the memory limit the sink spills to a file"
        );
        sink.commit().unwrap();
        drop(sink);
        assert_eq!(out, data);

        let mut out = Vec::new();
        let mut sink = SpooledSink::new(&mut out);
        sink.write_all(b"secret").unwrap();
        sink.discard();
        drop(sink);
        assert!(out.is_empty());
    }
}

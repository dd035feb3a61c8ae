//! Multipart bodies (RFC 2046 5.1.1), in memory and streamed.
//!
//! A part runs from the end of a delimiter line to the line end that precedes the next
//! delimiter: that line end belongs to the delimiter (RFC 2046 5.1.1), so it is not part of
//! the signed bytes in multipart/signed (RFC 1847 2.1). Delimiter lines may carry transport
//! padding (trailing white space); LF-only line ends are accepted.

use std::ops::Range;

use crate::{Error, Result};

/// Lines longer than this cannot be delimiters (boundaries are at most 70 characters); the
/// scanner passes such lines on without holding them.
const MAX_DELIMITER_LINE: usize = 1000;

/// What the scanner found.
#[derive(Debug, PartialEq, Eq)]
pub enum ScanEvent<'a> {
    /// A part begins (0-based index).
    PartStart(usize),
    /// Bytes of the current part, in order.
    PartBytes(&'a [u8]),
    /// The current part ended; its offsets in the whole body.
    PartEnd {
        /// Offset of the part's first byte.
        start: usize,
        /// Offset just past its last byte.
        end: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Preamble,
    Part(usize),
    Epilogue,
}

/// Finds the parts of a multipart body fed in chunks of any size, in bounded memory.
pub struct MultipartScanner {
    delimiter: Vec<u8>,
    state: State,
    /// The start of the current line, not yet known to be content.
    line: Vec<u8>,
    /// Offset (in the whole body) of the first byte of `line`.
    line_offset: usize,
    /// Whether the current line began earlier and was already passed on as content.
    mid_line: bool,
    /// The line end of the previous content line, held back in case a delimiter follows.
    pending_eol: Vec<u8>,
    part_start: usize,
    next_index: usize,
    offset: usize,
}

impl MultipartScanner {
    /// A scanner for `boundary` (without the leading `--`).
    pub fn new(boundary: &str) -> Self {
        let mut delimiter = b"--".to_vec();
        delimiter.extend_from_slice(boundary.as_bytes());
        MultipartScanner {
            delimiter,
            state: State::Preamble,
            line: Vec::new(),
            line_offset: 0,
            mid_line: false,
            pending_eol: Vec::new(),
            part_start: 0,
            next_index: 0,
            offset: 0,
        }
    }

    /// `Some(true)` for a close delimiter, `Some(false)` for a delimiter, `None` otherwise.
    fn delimiter_kind(&self, line: &[u8]) -> Option<bool> {
        let rest = line.strip_prefix(self.delimiter.as_slice())?;
        let (close, rest) = match rest.strip_prefix(b"--") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        rest.iter()
            .all(|&b| b == b' ' || b == b'\t')
            .then_some(close)
    }

    /// Feed the next chunk of the body.
    pub fn feed(&mut self, chunk: &[u8], mut on_event: impl FnMut(ScanEvent<'_>)) {
        let mut pos = 0;
        while pos < chunk.len() {
            if !self.mid_line && self.line.is_empty() {
                pos = self.fast_lines(chunk, pos, &mut on_event);
                if pos >= chunk.len() {
                    break;
                }
            }
            let newline = memchr::memchr(b'\n', &chunk[pos..]);
            let end = newline.map(|i| pos + i + 1).unwrap_or(chunk.len());
            let piece = &chunk[pos..end];
            if self.mid_line {
                if let State::Part(_) = self.state {
                    on_event(ScanEvent::PartBytes(piece));
                }
            } else if newline.is_none() && self.line.len() + piece.len() > MAX_DELIMITER_LINE {
                // Too long to be a delimiter: pass it on now.
                if let State::Part(_) = self.state {
                    if !self.pending_eol.is_empty() {
                        on_event(ScanEvent::PartBytes(&self.pending_eol));
                        self.pending_eol.clear();
                    }
                    if !self.line.is_empty() {
                        on_event(ScanEvent::PartBytes(&self.line));
                    }
                    on_event(ScanEvent::PartBytes(piece));
                }
                self.line.clear();
                self.mid_line = true;
            } else {
                if self.line.is_empty() {
                    self.line_offset = self.offset + pos;
                }
                self.line.extend_from_slice(piece);
            }
            self.offset_line_end(newline.is_some(), end + self.offset, &mut on_event);
            pos = end;
        }
        self.offset += chunk.len();
    }

    /// Pass on, in one piece, the run of complete lines from `pos` that cannot be
    /// delimiters (they do not start with `--`); returns where the run stops. The result is
    /// the same as handling each line alone: the last line end is held back.
    fn fast_lines(
        &mut self,
        chunk: &[u8],
        mut pos: usize,
        on_event: &mut impl FnMut(ScanEvent<'_>),
    ) -> usize {
        let run_start = pos;
        let mut last_eol = 0;
        while let Some(i) = memchr::memchr(b'\n', &chunk[pos..]) {
            let line = &chunk[pos..pos + i + 1];
            if line.starts_with(b"--") {
                break;
            }
            last_eol = if line.ends_with(b"\r\n") { 2 } else { 1 };
            pos += i + 1;
        }
        if pos > run_start {
            if let State::Part(_) = self.state {
                if !self.pending_eol.is_empty() {
                    on_event(ScanEvent::PartBytes(&self.pending_eol));
                }
                let content = &chunk[run_start..pos - last_eol];
                if !content.is_empty() {
                    on_event(ScanEvent::PartBytes(content));
                }
                self.pending_eol.clear();
                self.pending_eol
                    .extend_from_slice(&chunk[pos - last_eol..pos]);
            }
        }
        pos
    }

    fn offset_line_end(
        &mut self,
        complete: bool,
        line_end: usize,
        on_event: &mut impl FnMut(ScanEvent<'_>),
    ) {
        if !complete {
            return;
        }
        if self.mid_line {
            self.mid_line = false;
            return;
        }
        let line = std::mem::take(&mut self.line);
        let content_len = line.len() - if line.ends_with(b"\r\n") { 2 } else { 1 };
        let content = &line[..content_len];
        match self.delimiter_kind(content) {
            Some(close) => {
                if let State::Part(_) = self.state {
                    let end = self.line_offset - self.pending_eol.len();
                    on_event(ScanEvent::PartEnd {
                        start: self.part_start,
                        end,
                    });
                }
                self.pending_eol.clear();
                if close {
                    self.state = State::Epilogue;
                } else if self.state != State::Epilogue {
                    self.state = State::Part(self.next_index);
                    self.part_start = line_end;
                    on_event(ScanEvent::PartStart(self.next_index));
                    self.next_index += 1;
                }
            }
            None => {
                if let State::Part(_) = self.state {
                    if !self.pending_eol.is_empty() {
                        on_event(ScanEvent::PartBytes(&self.pending_eol));
                    }
                    if !content.is_empty() {
                        on_event(ScanEvent::PartBytes(content));
                    }
                    self.pending_eol = line[content_len..].to_vec();
                }
            }
        }
        self.line = line;
        self.line.clear();
    }

    /// The body has ended: fail unless a close delimiter was seen. A last line without a
    /// line end may itself be the close delimiter.
    pub fn finish(mut self, on_event: impl FnMut(ScanEvent<'_>)) -> Result<()> {
        if !self.line.is_empty() && !self.mid_line {
            self.feed(b"\n", on_event);
        }
        let boundary = String::from_utf8_lossy(&self.delimiter[2..]).into_owned();
        match self.state {
            State::Epilogue => Ok(()),
            State::Preamble => Err(Error::mime(
                "multipart body",
                format!("no delimiter line --{boundary} found"),
            )),
            State::Part(i) => Err(Error::mime(
                "multipart body",
                format!(
                    "part {} is not closed: the close delimiter --{boundary}-- is missing",
                    i + 1
                ),
            )),
        }
    }
}

/// The exact byte ranges of the parts of a multipart body (relative to `body`).
pub fn split_multipart(body: &[u8], boundary: &str, part_name: &str) -> Result<Vec<Range<usize>>> {
    let mut scanner = MultipartScanner::new(boundary);
    let mut ranges = Vec::new();
    let mut record = |e: ScanEvent<'_>| {
        if let ScanEvent::PartEnd { start, end } = e {
            ranges.push(start..end.max(start));
        }
    };
    scanner.feed(body, &mut record);
    scanner.finish(&mut record).map_err(|e| match e {
        Error::Mime { reason, .. } => Error::mime(part_name, reason),
        other => other,
    })?;
    Ok(ranges)
}

/// A fresh random boundary; `=_` cannot occur in base64 and `=_` is not valid
/// quoted-printable, so it cannot collide with encoded content (RFC 2045 6.7, 6.8).
pub fn new_boundary() -> String {
    let mut random = [0u8; 12];
    let _ = aws_lc_rs::rand::fill(&mut random);
    let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
    format!("----=_smime_{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"preamble\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b \r\n\r\nsecond\n--b--\r\nepilogue";

    #[test]
    fn split_multipart_crlf_and_padding_excludes_delimiter_line_end() {
        let parts = split_multipart(BODY, "b", "m").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(
            &BODY[parts[0].clone()],
            b"Content-Type: text/plain\r\n\r\nhello"
        );
        assert_eq!(&BODY[parts[1].clone()], b"\r\nsecond");
    }

    #[test]
    fn split_multipart_missing_close_delimiter_is_error() {
        let err = split_multipart(b"--b\r\nx\r\n", "b", "part 3")
            .unwrap_err()
            .to_string();
        assert!(err.contains("part 3") && err.contains("--b--"), "{err}");
    }

    #[test]
    fn split_multipart_boundary_prefix_of_longer_line_is_content() {
        let body = b"--b\r\n--bb\r\n--b--\r\n";
        let parts = split_multipart(body, "b", "m").unwrap();
        assert_eq!(&body[parts[0].clone()], b"--bb");
    }

    #[test]
    fn scanner_any_chunking_matches_split_multipart() {
        let mut long = b"--xyz\r\n".to_vec();
        long.extend(std::iter::repeat_n(b'a', 3000));
        long.extend_from_slice(b"\r\nline\r\n--xyz\r\npart two\r\n--xyz--\r\n");
        for (body, boundary) in [(BODY.to_vec(), "b"), (long, "xyz")] {
            let expected = split_multipart(&body, boundary, "m").unwrap();
            for step in 1..=17 {
                let mut scanner = MultipartScanner::new(boundary);
                let mut ranges = Vec::new();
                let mut bytes: Vec<Vec<u8>> = Vec::new();
                for chunk in body.chunks(step) {
                    scanner.feed(chunk, |e| match e {
                        ScanEvent::PartStart(_) => bytes.push(Vec::new()),
                        ScanEvent::PartBytes(b) => bytes.last_mut().unwrap().extend_from_slice(b),
                        ScanEvent::PartEnd { start, end } => ranges.push(start..end),
                    });
                }
                scanner
                    .finish(|e| {
                        if let ScanEvent::PartEnd { start, end } = e {
                            ranges.push(start..end)
                        }
                    })
                    .unwrap();
                assert_eq!(ranges, expected, "step {step}");
                for (r, b) in expected.iter().zip(&bytes) {
                    assert_eq!(&body[r.clone()], b.as_slice(), "step {step}");
                }
            }
        }
    }

    #[test]
    fn new_boundary_is_random() {
        assert_ne!(new_boundary(), new_boundary());
    }
}

//! Multipart bodies (RFC 2046 5.1.1), in memory and streamed.
//!
//! A part runs from the end of a delimiter line to the line end that precedes the next
//! delimiter: that line end belongs to the delimiter (RFC 2046 5.1.1), so it is not part of
//! the signed bytes in multipart/signed (RFC 1847 2.1). Delimiter lines may carry transport
//! padding (trailing white space); LF-only line ends are accepted.
//!
//! [`split_multipart`] is the scanner fed with the whole body at once, so the in-memory and
//! the streamed views cannot disagree about which bytes a part holds.

use std::ops::Range;

use super::entity::Entity;
use crate::{Error, Result};

/// A line with more than this many bytes before its LF is never a delimiter (boundaries are
/// at most 70 characters, RFC 2046 5.1.1, leaving room for generous transport padding). The
/// scanner passes longer lines on as they come instead of holding them, which bounds its
/// memory; the same rule applies to complete lines so that chunking never changes a result.
const MAX_DELIMITER_LINE: usize = 1000;

/// What [`MultipartScanner`] found, in body order.
#[derive(Debug, PartialEq, Eq)]
pub enum ScanEvent<'a> {
    /// Bytes of the preamble (before the first delimiter line, without the line end that
    /// belongs to that delimiter).
    Preamble(&'a [u8]),
    /// A part begins (0-based index).
    PartStart(usize),
    /// Bytes of the current part, in order; together exactly the bytes of the part's range.
    PartBytes(&'a [u8]),
    /// The current part ended; its offsets in the whole body (what [`split_multipart`] returns).
    PartEnd {
        /// Offset of the part's first byte.
        start: usize,
        /// Offset just past its last byte.
        end: usize,
    },
    /// Bytes after the close delimiter line (RFC 2046 5.1.1 epilogue).
    Epilogue(&'a [u8]),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Preamble,
    Part(usize),
    Epilogue,
}

/// Finds the parts of a multipart body fed in chunks of any size, in memory bounded by
/// about 1000 bytes (the longest line that can still be a delimiter). The events are the same for every chunking, and the
/// part ranges are those of [`split_multipart`].
///
/// ```
/// use smime::mime::{MultipartScanner, ScanEvent};
/// let body = b"--b\r\nhello\r\n--b--\r\n";
/// let mut scanner = MultipartScanner::new("b");
/// let mut part = Vec::new();
/// for chunk in body.chunks(3) {
///     scanner.feed(chunk, |e| if let ScanEvent::PartBytes(b) = e { part.extend_from_slice(b) });
/// }
/// scanner.finish(|_| {}).unwrap();
/// assert_eq!(part, b"hello");
/// ```
#[derive(Debug)]
pub struct MultipartScanner {
    /// `--` and the boundary.
    delimiter: Vec<u8>,
    state: State,
    /// The start of the current line, held until it is known whether it is a delimiter.
    line: Vec<u8>,
    /// Offset (in the whole body) of the first byte of the current line.
    line_offset: usize,
    /// The current line is too long to be a delimiter and is passed on as it comes.
    long_line: bool,
    /// In a long line: a CR at the end of the last piece, held back because it may be the
    /// start of the line end.
    held_cr: bool,
    /// The line end of the previous line, held back in case a delimiter follows (then it
    /// belongs to the delimiter). Length 0, 1 (LF) or 2 (CRLF).
    pending_eol: [u8; 2],
    pending_eol_len: usize,
    part_start: usize,
    next_index: usize,
    /// Bytes fed before the current chunk.
    offset: usize,
}

/// Send `bytes` as the event of the section `state` is in.
fn emit(state: State, bytes: &[u8], on_event: &mut impl FnMut(ScanEvent<'_>)) {
    if bytes.is_empty() {
        return;
    }
    match state {
        State::Preamble => on_event(ScanEvent::Preamble(bytes)),
        State::Part(_) => on_event(ScanEvent::PartBytes(bytes)),
        State::Epilogue => on_event(ScanEvent::Epilogue(bytes)),
    }
}

/// Split a line's bytes before its LF into content and whether a CR ends them.
fn strip_cr(bytes: &[u8]) -> (&[u8], bool) {
    match bytes.strip_suffix(b"\r") {
        Some(content) => (content, true),
        None => (bytes, false),
    }
}

impl MultipartScanner {
    /// A scanner for `boundary` (the parameter value, without the leading `--`).
    pub fn new(boundary: &str) -> Self {
        let mut delimiter = b"--".to_vec();
        delimiter.extend_from_slice(boundary.as_bytes());
        MultipartScanner {
            delimiter,
            state: State::Preamble,
            line: Vec::new(),
            line_offset: 0,
            long_line: false,
            held_cr: false,
            pending_eol: [0; 2],
            pending_eol_len: 0,
            part_start: 0,
            next_index: 0,
            offset: 0,
        }
    }

    fn boundary(&self) -> String {
        String::from_utf8_lossy(self.delimiter.get(2..).unwrap_or_default()).into_owned()
    }

    /// `Some(true)` for a close delimiter, `Some(false)` for a delimiter, `None` otherwise
    /// (RFC 2046 5.1.1: `--boundary`, `--` for the close delimiter, then only padding).
    fn delimiter_kind(&self, content: &[u8]) -> Option<bool> {
        let rest = content.strip_prefix(self.delimiter.as_slice())?;
        let (close, rest) = match rest.strip_prefix(b"--") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        rest.iter()
            .all(|&b| b == b' ' || b == b'\t')
            .then_some(close)
    }

    fn set_pending_eol(&mut self, crlf: bool) {
        if crlf {
            self.pending_eol = *b"\r\n";
            self.pending_eol_len = 2;
        } else {
            self.pending_eol = *b"\n\0";
            self.pending_eol_len = 1;
        }
    }

    fn flush_pending_eol(&mut self, on_event: &mut impl FnMut(ScanEvent<'_>)) {
        let eol = self.pending_eol;
        let len = self.pending_eol_len.min(2);
        self.pending_eol_len = 0;
        emit(self.state, eol.get(..len).unwrap_or_default(), on_event);
    }

    /// Feed the next chunk of the body.
    pub fn feed(&mut self, chunk: &[u8], mut on_event: impl FnMut(ScanEvent<'_>)) {
        let mut pos = 0;
        while pos < chunk.len() {
            let rest = chunk.get(pos..).unwrap_or_default();
            if self.state == State::Epilogue {
                emit(State::Epilogue, rest, &mut on_event);
                break;
            }
            if !self.long_line && self.line.is_empty() {
                pos = self.fast_lines(chunk, pos, &mut on_event);
                if pos >= chunk.len() {
                    break;
                }
            }
            let rest = chunk.get(pos..).unwrap_or_default();
            let newline = memchr::memchr(b'\n', rest);
            let piece_len = newline.map(|i| i + 1).unwrap_or(rest.len());
            let piece = rest.get(..piece_len).unwrap_or_default();
            let complete = newline.is_some();
            let before_lf = self.line.len() + piece.len() - usize::from(complete);
            if self.long_line {
                self.long_piece(piece, complete, &mut on_event);
            } else if before_lf > MAX_DELIMITER_LINE {
                // Too long to be a delimiter: pass it on from here without holding it.
                self.flush_pending_eol(&mut on_event);
                let held = std::mem::take(&mut self.line);
                emit(self.state, &held, &mut on_event);
                self.line = held;
                self.line.clear();
                self.long_line = true;
                self.long_piece(piece, complete, &mut on_event);
            } else {
                if self.line.is_empty() {
                    self.line_offset = self.offset + pos;
                }
                self.line.extend_from_slice(piece);
                if complete {
                    self.complete_line(self.offset + pos + piece_len, &mut on_event);
                }
            }
            pos += piece_len;
        }
        self.offset += chunk.len();
    }

    /// A piece of a long line (no LF inside; `complete`: it ends with the line's LF).
    fn long_piece(
        &mut self,
        piece: &[u8],
        complete: bool,
        on_event: &mut impl FnMut(ScanEvent<'_>),
    ) {
        let before_lf = if complete {
            piece
                .get(..piece.len().saturating_sub(1))
                .unwrap_or_default()
        } else {
            piece
        };
        if self.held_cr && !before_lf.is_empty() {
            // The held CR was not followed by LF: it is content.
            emit(self.state, b"\r", on_event);
            self.held_cr = false;
        }
        let (content, ends_in_cr) = strip_cr(before_lf);
        emit(self.state, content, on_event);
        if complete {
            let crlf = ends_in_cr || self.held_cr;
            self.held_cr = false;
            self.long_line = false;
            self.set_pending_eol(crlf);
        } else {
            self.held_cr = self.held_cr || ends_in_cr;
        }
    }

    /// Pass on, in one piece, the run of complete lines from `pos` that cannot be
    /// delimiters (they do not start with `--`); returns where the run stops. The result is
    /// the same as handling each line alone: the last line end is held back.
    fn fast_lines(
        &mut self,
        chunk: &[u8],
        start: usize,
        on_event: &mut impl FnMut(ScanEvent<'_>),
    ) -> usize {
        let mut pos = start;
        let mut last_eol_crlf = false;
        while let Some(rest) = chunk.get(pos..) {
            let Some(i) = memchr::memchr(b'\n', rest) else {
                break;
            };
            if rest.starts_with(b"--") {
                break;
            }
            last_eol_crlf = i > 0 && rest.get(i - 1) == Some(&b'\r');
            pos += i + 1;
        }
        if pos > start {
            self.flush_pending_eol(on_event);
            let eol_len = if last_eol_crlf { 2 } else { 1 };
            emit(
                self.state,
                chunk.get(start..pos - eol_len).unwrap_or_default(),
                on_event,
            );
            self.set_pending_eol(last_eol_crlf);
        }
        pos
    }

    /// The held line is complete (it ends with LF at `line_end` in the body).
    fn complete_line(&mut self, line_end: usize, on_event: &mut impl FnMut(ScanEvent<'_>)) {
        let line = std::mem::take(&mut self.line);
        let before_lf = line.get(..line.len().saturating_sub(1)).unwrap_or_default();
        let (content, crlf) = strip_cr(before_lf);
        let kind = if before_lf.len() > MAX_DELIMITER_LINE {
            None
        } else {
            self.delimiter_kind(content)
        };
        match kind {
            Some(close) => {
                if let State::Part(_) = self.state {
                    let end = self.line_offset.saturating_sub(self.pending_eol_len);
                    on_event(ScanEvent::PartEnd {
                        start: self.part_start,
                        end: end.max(self.part_start),
                    });
                }
                // The line end before a delimiter belongs to the delimiter.
                self.pending_eol_len = 0;
                if close {
                    self.state = State::Epilogue;
                } else {
                    self.state = State::Part(self.next_index);
                    self.part_start = line_end;
                    on_event(ScanEvent::PartStart(self.next_index));
                    self.next_index += 1;
                }
            }
            None => {
                self.flush_pending_eol(on_event);
                emit(self.state, content, on_event);
                self.set_pending_eol(crlf);
            }
        }
        self.line = line;
        self.line.clear();
    }

    /// The body has ended: fail unless a close delimiter was seen after at least one part.
    /// A last line without a line end may itself be the close delimiter.
    pub fn finish(mut self, mut on_event: impl FnMut(ScanEvent<'_>)) -> Result<()> {
        if self.long_line {
            if self.held_cr {
                emit(self.state, b"\r", &mut on_event);
            }
        } else if !self.line.is_empty() {
            // Judge the last line as if it ended; its missing line end is never passed on.
            self.line.push(b'\n');
            self.complete_line(self.offset + 1, &mut on_event);
        }
        let boundary = self.boundary();
        if boundary.is_empty() {
            return Err(Error::mime(
                "multipart body",
                "the boundary parameter is empty (RFC 2046 5.1.1 needs 1 to 70 characters)",
            ));
        }
        match self.state {
            State::Epilogue if self.next_index == 0 => Err(Error::mime(
                "multipart body",
                format!("the close delimiter --{boundary}-- comes before any body part"),
            )),
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

/// RFC 2046 5.1.1: the exact byte ranges (relative to `body`) of the parts of a multipart
/// body, each from the end of its delimiter line to the CRLF or LF that precedes the next
/// delimiter. Preamble and epilogue are left out. Errors (naming `part_name` and the
/// boundary) when no close delimiter follows the parts.
pub fn split_multipart(body: &[u8], boundary: &str, part_name: &str) -> Result<Vec<Range<usize>>> {
    let mut scanner = MultipartScanner::new(boundary);
    let mut ranges = Vec::new();
    let mut record = |e: ScanEvent<'_>| {
        if let ScanEvent::PartEnd { start, end } = e {
            ranges.push(start..end);
        }
    };
    scanner.feed(body, &mut record);
    scanner.finish(&mut record).map_err(|e| match e {
        Error::Mime { reason, .. } => Error::mime(part_name, reason),
        other => other,
    })?;
    Ok(ranges)
}

/// The parts of the multipart `entity` (parsed from `bytes`; its body split at `boundary`),
/// each as its byte range within `bytes` and its name for reports and errors: `part N` in
/// the top-level message (`depth` 0), `NAME.N` below a part named `NAME`.
pub fn named_parts(
    bytes: &[u8],
    entity: &Entity,
    boundary: &str,
    name: &str,
    depth: usize,
) -> Result<Vec<(Range<usize>, String)>> {
    let body_start = entity.body_range.start;
    let body = bytes.get(entity.body_range.clone()).unwrap_or_default();
    Ok(split_multipart(body, boundary, name)?
        .into_iter()
        .enumerate()
        .map(|(i, range)| {
            let part_name = if depth == 0 {
                format!("part {}", i + 1)
            } else {
                format!("{name}.{}", i + 1)
            };
            (body_start + range.start..body_start + range.end, part_name)
        })
        .collect())
}

/// A fresh random boundary, `----=_smime_` and 24 hex digits. `=_` cannot occur in base64
/// (RFC 2045 6.8) nor in quoted-printable (`=` must be followed by two hex digits or a line
/// end, RFC 2045 6.7), so the boundary cannot collide with encoded content (RFC 2046 5.1.1).
pub fn new_boundary() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut random = [0u8; 12];
    if aws_lc_rs::rand::fill(&mut random).is_err() {
        // Uniqueness is what matters here, not secrecy: fall back to time and a counter.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let count = COUNTER.fetch_add(1, Ordering::Relaxed);
        random[..8].copy_from_slice(&(nanos as u64).to_be_bytes());
        random[8..].copy_from_slice(&(count as u32).to_be_bytes());
    }
    let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
    format!("----=_smime_{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"preamble\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b \r\n\r\nsecond\n--b--\r\nepilogue";

    /// What a scan reports: part ranges, each part's bytes, preamble and epilogue.
    #[derive(Debug, PartialEq)]
    struct Scan {
        ranges: Vec<Range<usize>>,
        parts: Vec<Vec<u8>>,
        preamble: Vec<u8>,
        epilogue: Vec<u8>,
        result: std::result::Result<(), String>,
    }

    fn scan(body: &[u8], boundary: &str, step: usize) -> Scan {
        let mut s = Scan {
            ranges: Vec::new(),
            parts: Vec::new(),
            preamble: Vec::new(),
            epilogue: Vec::new(),
            result: Ok(()),
        };
        let mut on_event = |e: ScanEvent<'_>| match e {
            ScanEvent::Preamble(b) => s.preamble.extend_from_slice(b),
            ScanEvent::PartStart(i) => {
                assert_eq!(i, s.parts.len());
                s.parts.push(Vec::new())
            }
            ScanEvent::PartBytes(b) => s.parts.last_mut().unwrap().extend_from_slice(b),
            ScanEvent::PartEnd { start, end } => s.ranges.push(start..end),
            ScanEvent::Epilogue(b) => s.epilogue.extend_from_slice(b),
        };
        let mut scanner = MultipartScanner::new(boundary);
        for chunk in body.chunks(step.max(1)) {
            scanner.feed(chunk, &mut on_event);
        }
        let result = scanner.finish(&mut on_event).map_err(|e| e.to_string());
        s.result = result;
        s
    }

    fn long_line_inputs() -> Vec<(Vec<u8>, &'static str)> {
        let mut inputs = Vec::new();
        // A long line of dashes right before a delimiter, CRLF and LF.
        for eol in [&b"\r\n"[..], b"\n"] {
            let mut body = b"--b".to_vec();
            body.extend_from_slice(eol);
            body.extend(std::iter::repeat_n(b'-', 1500));
            body.extend_from_slice(eol);
            body.extend_from_slice(b"--b--");
            body.extend_from_slice(eol);
            inputs.push((body, "b"));
        }
        // A delimiter with over 1000 bytes of padding is content, whatever the chunking.
        let mut body = b"--b\r\nx\r\n--b".to_vec();
        body.extend(std::iter::repeat_n(b' ', 1200));
        body.extend_from_slice(b"\r\ny\r\n--b--\r\n");
        inputs.push((body, "b"));
        // A long line ending in a lone CR, then CR CR LF.
        let mut body = b"--b\r\n--".to_vec();
        body.extend(std::iter::repeat_n(b'a', 1100));
        body.extend_from_slice(b"\r\r\r\n--b--");
        inputs.push((body, "b"));
        inputs
    }

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
    fn split_multipart_lf_only_excludes_delimiter_line_end() {
        let body = b"--b\nA: 1\n\none\n\n--b\n\ntwo\n--b--\n";
        let parts = split_multipart(body, "b", "m").unwrap();
        assert_eq!(&body[parts[0].clone()], b"A: 1\n\none\n");
        assert_eq!(&body[parts[1].clone()], b"\ntwo");
    }

    #[test]
    fn split_multipart_missing_close_delimiter_is_error() {
        let err = split_multipart(b"--b\r\nx\r\n", "b", "part 3")
            .unwrap_err()
            .to_string();
        assert!(err.contains("part 3") && err.contains("--b--"), "{err}");
    }

    #[test]
    fn split_multipart_no_delimiter_is_error_naming_boundary() {
        let err = split_multipart(b"just text\r\n", "zz", "message")
            .unwrap_err()
            .to_string();
        assert!(err.contains("message") && err.contains("--zz"), "{err}");
    }

    #[test]
    fn split_multipart_close_without_parts_is_error() {
        assert!(split_multipart(b"--b--\r\n", "b", "m").is_err());
    }

    #[test]
    fn split_multipart_empty_boundary_is_error() {
        assert!(split_multipart(b"--\r\nx\r\n----\r\n", "", "m").is_err());
    }

    #[test]
    fn split_multipart_boundary_prefix_of_longer_line_is_content() {
        let body = b"--b\r\n--bb\r\n--b--x\r\n--b--\r\n";
        let parts = split_multipart(body, "b", "m").unwrap();
        assert_eq!(&body[parts[0].clone()], b"--bb\r\n--b--x");
    }

    #[test]
    fn split_multipart_close_delimiter_without_line_end_is_accepted() {
        let body = b"--b\r\nx\r\n--b--";
        let parts = split_multipart(body, "b", "m").unwrap();
        assert_eq!(&body[parts[0].clone()], b"x");
    }

    #[test]
    fn split_multipart_special_char_boundary_from_quoted_parameter_matches() {
        let ct =
            super::super::ContentType::parse("multipart/mixed; boundary=\"=_a'(b)+,-./:=? c\"")
                .unwrap();
        let boundary = ct.param("boundary").unwrap();
        assert_eq!(boundary, "=_a'(b)+,-./:=? c");
        let body = b"--=_a'(b)+,-./:=? c\r\none\r\n--=_a'(b)+,-./:=? c--\r\n";
        let parts = split_multipart(body, boundary, "m").unwrap();
        assert_eq!(&body[parts[0].clone()], b"one");
    }

    #[test]
    fn split_multipart_nested_parts_split_again() {
        let body = b"--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n--inner\r\n\r\nplain\r\n--inner\r\n\r\nrich\r\n--inner--\r\n--outer\r\n\r\nattachment\r\n--outer--\r\n";
        let outer = split_multipart(body, "outer", "m").unwrap();
        assert_eq!(outer.len(), 2);
        let first = &body[outer[0].clone()];
        let entity = super::super::parse_entity(first, "part 1").unwrap();
        let inner_boundary = entity.content_type().unwrap();
        let inner_body = &first[entity.body_range.clone()];
        let inner = split_multipart(
            inner_body,
            inner_boundary.param("boundary").unwrap(),
            "part 1",
        )
        .unwrap();
        let texts: Vec<&[u8]> = inner.iter().map(|r| &inner_body[r.clone()]).collect();
        assert_eq!(texts, [&b"\r\nplain"[..], b"\r\nrich"]);
        assert_eq!(&body[outer[1].clone()], b"\r\nattachment");
    }

    #[test]
    fn scanner_long_line_before_delimiter_matches_split_multipart() {
        for (body, boundary) in long_line_inputs() {
            let whole = split_multipart(&body, boundary, "m");
            for step in [1, 2, 3, 7, 999, 1000, 1001, 1003, 1500] {
                let s = scan(&body, boundary, step);
                assert_eq!(Some(&s.ranges), whole.as_ref().ok(), "step {step}");
            }
        }
    }

    #[test]
    fn scanner_any_chunking_matches_split_multipart() {
        let mut long = b"--xyz\r\n".to_vec();
        long.extend(std::iter::repeat_n(b'a', 3000));
        long.extend_from_slice(b"\r\nline\r\n--xyz\r\npart two\r\n--xyz--\r\n");
        let mut inputs: Vec<(Vec<u8>, &str)> = vec![
            (BODY.to_vec(), "b"),
            (long, "xyz"),
            (
                b"--b\nA: 1\n\none\n\n--b\n\ntwo\n--b--\nend\n".to_vec(),
                "b",
            ),
            (b"pre\r\n\r\n--b\r\n--b\r\n\r\n--b--".to_vec(), "b"),
            (
                b"--b\r\nx\r\r\n-\r\n--\r\n--b\t \r\ny\r--b--\r\n".to_vec(),
                "b",
            ),
            (b"--b\r\nno close\r\n".to_vec(), "b"),
            (b"no delimiter at all".to_vec(), "b"),
        ];
        inputs.extend(long_line_inputs());
        for (body, boundary) in inputs {
            let whole = split_multipart(&body, boundary, "multipart body");
            let reference = scan(&body, boundary, body.len());
            assert_eq!(reference.result.is_ok(), whole.is_ok());
            if let Ok(ranges) = &whole {
                assert_eq!(&reference.ranges, ranges);
                for (r, bytes) in ranges.iter().zip(&reference.parts) {
                    assert_eq!(&body[r.clone()], bytes.as_slice());
                }
            }
            for step in 1..=17 {
                let s = scan(&body, boundary, step);
                assert_eq!(
                    s,
                    reference,
                    "step {step} of {:?}",
                    String::from_utf8_lossy(&body)
                );
            }
        }
    }

    #[test]
    fn scanner_preamble_and_epilogue_are_reported_without_delimiter_line_ends() {
        let s = scan(BODY, "b", 4);
        assert_eq!(s.preamble, b"preamble");
        assert_eq!(s.epilogue, b"epilogue");
        assert!(s.result.is_ok());
    }

    #[test]
    fn new_boundary_is_random_and_not_base64_or_qp() {
        let a = new_boundary();
        assert_ne!(a, new_boundary());
        assert!(a.starts_with("----=_smime_") && a.len() == 12 + 24, "{a}");
    }
}

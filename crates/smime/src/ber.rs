//! BER reading for CMS (X.690 section 8).
//!
//! CMS producers such as Outlook and `openssl cms -stream` write BER: indefinite lengths
//! (X.690 8.1.3.6) and constructed OCTET STRINGs split into chunks (X.690 8.7.3). DER
//! decoders refuse both, so the outer CMS layers are read here, as a tree of byte ranges
//! into the original buffer. Keeping ranges (not re-encoded values) matters: a signature
//! covers the exact bytes of the signed attributes as they were received (RFC 5652 5.4).
//!
//! [`Element`] reads in memory; [`StreamReader`] reads the headers of a large message
//! from an [`std::io::Read`] so that its content can be hashed without holding it.

use std::io::Read;
use std::ops::Range;

use crate::{Error, Result};

/// How deep constructed values may nest before the input is refused (a guard against
/// stack exhaustion by hostile input).
pub const MAX_DEPTH: usize = 64;

/// Tag class (X.690 8.1.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Universal types (SEQUENCE, OCTET STRING, ...).
    Universal,
    /// Application-specific tags.
    Application,
    /// Context-specific tags (`[0]`, `[1]`, ...).
    Context,
    /// Private tags.
    Private,
}

/// An identifier octet (or octets): class, constructed bit and tag number (X.690 8.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag {
    /// The class.
    pub class: Class,
    /// Whether the encoding is constructed.
    pub constructed: bool,
    /// The tag number.
    pub number: u32,
}

impl Tag {
    /// UNIVERSAL 2, INTEGER.
    pub const INTEGER: Tag = Tag::universal(2, false);
    /// UNIVERSAL 4, OCTET STRING (primitive form).
    pub const OCTET_STRING: Tag = Tag::universal(4, false);
    /// UNIVERSAL 6, OBJECT IDENTIFIER.
    pub const OID: Tag = Tag::universal(6, false);
    /// UNIVERSAL 16, SEQUENCE.
    pub const SEQUENCE: Tag = Tag::universal(16, true);
    /// UNIVERSAL 17, SET.
    pub const SET: Tag = Tag::universal(17, true);

    /// A universal tag.
    pub const fn universal(number: u32, constructed: bool) -> Tag {
        Tag {
            class: Class::Universal,
            constructed,
            number,
        }
    }

    /// A context-specific tag `[number]`.
    pub const fn context(number: u32, constructed: bool) -> Tag {
        Tag {
            class: Class::Context,
            constructed,
            number,
        }
    }

    /// Whether this is an OCTET STRING in either form.
    pub fn is_octet_string(&self) -> bool {
        self.class == Class::Universal && self.number == 4
    }

    /// The identifier octets of this tag.
    pub fn encode(&self) -> Vec<u8> {
        let class_bits = match self.class {
            Class::Universal => 0x00,
            Class::Application => 0x40,
            Class::Context => 0x80,
            Class::Private => 0xC0,
        };
        let first = class_bits | if self.constructed { 0x20 } else { 0 };
        if self.number < 31 {
            return vec![first | self.number as u8];
        }
        let mut out = vec![first | 0x1F];
        let mut groups = Vec::new();
        let mut n = self.number;
        loop {
            groups.push((n & 0x7F) as u8);
            n >>= 7;
            if n == 0 {
                break;
            }
        }
        for (i, g) in groups.iter().rev().enumerate() {
            out.push(if i + 1 < groups.len() { g | 0x80 } else { *g });
        }
        out
    }

    pub(crate) fn describe(&self) -> String {
        match (self.class, self.number) {
            (Class::Universal, 2) => "INTEGER".into(),
            (Class::Universal, 4) => "OCTET STRING".into(),
            (Class::Universal, 6) => "OBJECT IDENTIFIER".into(),
            (Class::Universal, 16) => "SEQUENCE".into(),
            (Class::Universal, 17) => "SET".into(),
            (Class::Context, n) => format!("[{n}]"),
            (c, n) => format!("{c:?} {n}"),
        }
    }
}

/// A parsed identifier and length: what a TLV header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The tag.
    pub tag: Tag,
    /// The content length, `None` for the indefinite form (X.690 8.1.3.6).
    pub length: Option<usize>,
    /// How many bytes the identifier and length octets take.
    pub header_len: usize,
}

/// Parse a TLV header at the start of `bytes`. `Ok(None)` means more bytes are needed.
/// `offset` is only used in error messages.
pub fn parse_header(bytes: &[u8], what: &str, offset: usize) -> Result<Option<Header>> {
    let Some(&first) = bytes.first() else {
        return Ok(None);
    };
    let class = match first >> 6 {
        0 => Class::Universal,
        1 => Class::Application,
        2 => Class::Context,
        _ => Class::Private,
    };
    let constructed = first & 0x20 != 0;
    let mut pos = 1;
    let mut number = u32::from(first & 0x1F);
    if number == 0x1F {
        number = 0;
        loop {
            let Some(&b) = bytes.get(pos) else {
                return Ok(None);
            };
            pos += 1;
            if number > (u32::MAX >> 7) {
                return Err(Error::asn1(what, offset, "tag number too large"));
            }
            number = (number << 7) | u32::from(b & 0x7F);
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let Some(&len_byte) = bytes.get(pos) else {
        return Ok(None);
    };
    pos += 1;
    let length = if len_byte < 0x80 {
        Some(usize::from(len_byte))
    } else if len_byte == 0x80 {
        if !constructed {
            return Err(Error::asn1(
                what,
                offset,
                "indefinite length on a primitive value",
            ));
        }
        None
    } else {
        let count = usize::from(len_byte & 0x7F);
        if count > 8 || len_byte == 0xFF {
            return Err(Error::asn1(what, offset, "length field too long"));
        }
        let Some(len_bytes) = bytes.get(pos..pos + count) else {
            return Ok(None);
        };
        pos += count;
        let mut len: u64 = 0;
        for &b in len_bytes {
            len = (len << 8) | u64::from(b);
        }
        Some(usize::try_from(len).map_err(|_| Error::asn1(what, offset, "length too large"))?)
    };
    Ok(Some(Header {
        tag: Tag {
            class,
            constructed,
            number,
        },
        length,
        header_len: pos,
    }))
}

/// One BER element inside a buffer: its tag and where its parts lie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// The tag.
    pub tag: Tag,
    /// The whole element: header, content and (for indefinite lengths) the end-of-contents octets.
    pub range: Range<usize>,
    /// The content octets (for indefinite lengths, without the end-of-contents octets).
    pub content: Range<usize>,
    /// Whether the length was indefinite.
    pub indefinite: bool,
}

impl Element {
    /// Read the element that starts at `offset` in `buf`. `what` names the structure in errors.
    pub fn read(buf: &[u8], offset: usize, what: &str) -> Result<Element> {
        Self::read_at_depth(buf, offset, what, 0)
    }

    /// Read the single element that must fill all of `buf`.
    pub fn read_all(buf: &[u8], what: &str) -> Result<Element> {
        let element = Self::read(buf, 0, what)?;
        if element.range.end != buf.len() {
            return Err(Error::asn1(
                what,
                element.range.end,
                format!("{} bytes of trailing data", buf.len() - element.range.end),
            ));
        }
        Ok(element)
    }

    fn read_at_depth(buf: &[u8], offset: usize, what: &str, depth: usize) -> Result<Element> {
        if depth > MAX_DEPTH {
            return Err(Error::asn1(what, offset, "nested too deeply"));
        }
        let rest = buf.get(offset..).unwrap_or(&[]);
        let header = parse_header(rest, what, offset)?
            .ok_or_else(|| Error::asn1(what, offset, "truncated header"))?;
        let start = offset + header.header_len;
        match header.length {
            Some(len) => {
                let end = start
                    .checked_add(len)
                    .filter(|&end| end <= buf.len())
                    .ok_or_else(|| {
                        Error::asn1(
                            what,
                            offset,
                            format!(
                                "{} claims {len} bytes but only {} remain",
                                header.tag.describe(),
                                buf.len().saturating_sub(start)
                            ),
                        )
                    })?;
                Ok(Element {
                    tag: header.tag,
                    range: offset..end,
                    content: start..end,
                    indefinite: false,
                })
            }
            None => {
                // Indefinite: walk the children until the end-of-contents octets 00 00.
                let mut pos = start;
                loop {
                    match buf.get(pos..pos + 2) {
                        Some([0, 0]) => {
                            return Ok(Element {
                                tag: header.tag,
                                range: offset..pos + 2,
                                content: start..pos,
                                indefinite: true,
                            })
                        }
                        Some(_) => pos = Self::read_at_depth(buf, pos, what, depth + 1)?.range.end,
                        None => {
                            return Err(Error::asn1(
                                what,
                                offset,
                                format!("{} has no end-of-contents octets", header.tag.describe()),
                            ))
                        }
                    }
                }
            }
        }
    }

    /// The content octets.
    pub fn content<'a>(&self, buf: &'a [u8]) -> &'a [u8] {
        &buf[self.content.clone()]
    }

    /// The whole encoding.
    pub fn bytes<'a>(&self, buf: &'a [u8]) -> &'a [u8] {
        &buf[self.range.clone()]
    }

    /// The child elements of a constructed element.
    pub fn children(&self, buf: &[u8], what: &str) -> Result<Vec<Element>> {
        if !self.tag.constructed {
            return Err(Error::asn1(
                what,
                self.range.start,
                format!("{} is not constructed", self.tag.describe()),
            ));
        }
        let mut out = Vec::new();
        let mut pos = self.content.start;
        while pos < self.content.end {
            let child = Self::read(&buf[..self.content.end], pos, what)?;
            pos = child.range.end;
            out.push(child);
        }
        Ok(out)
    }

    /// Fail unless the tag is `tag`.
    pub fn expect(&self, tag: Tag, what: &str) -> Result<&Self> {
        if self.tag != tag {
            return Err(Error::asn1(
                what,
                self.range.start,
                format!("expected {}, found {}", tag.describe(), self.tag.describe()),
            ));
        }
        Ok(self)
    }

    /// The value of an OCTET STRING, primitive or constructed from chunks (X.690 8.7.3).
    pub fn octet_string(&self, buf: &[u8], what: &str) -> Result<Vec<u8>> {
        if !self.tag.is_octet_string() {
            return Err(Error::asn1(
                what,
                self.range.start,
                format!("expected OCTET STRING, found {}", self.tag.describe()),
            ));
        }
        let mut out = Vec::new();
        self.append_string_chunks(buf, what, &mut out, 0)?;
        Ok(out)
    }

    /// The octets of an `[n] IMPLICIT OCTET STRING` (any tag), primitive or constructed from
    /// OCTET STRING chunks (X.690 8.7).
    pub fn implicit_octet_string(&self, buf: &[u8], what: &str) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.append_string_chunks(buf, what, &mut out, 0)?;
        Ok(out)
    }

    fn append_string_chunks(
        &self,
        buf: &[u8],
        what: &str,
        out: &mut Vec<u8>,
        depth: usize,
    ) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(Error::asn1(what, self.range.start, "nested too deeply"));
        }
        if !self.tag.constructed {
            out.extend_from_slice(self.content(buf));
            return Ok(());
        }
        for child in self.children(buf, what)? {
            if !child.tag.is_octet_string() {
                return Err(Error::asn1(
                    what,
                    child.range.start,
                    "a chunk of an OCTET STRING is not an OCTET STRING",
                ));
            }
            child.append_string_chunks(buf, what, out, depth + 1)?;
        }
        Ok(())
    }

    /// The element re-encoded in DER form: definite lengths and OCTET STRINGs in one piece.
    /// Other values are copied as they are (enough for certificates carried in BER messages).
    pub fn to_der(&self, buf: &[u8], what: &str) -> Result<Vec<u8>> {
        if !self.indefinite && !self.contains_ber(buf, what, 0)? {
            return Ok(self.bytes(buf).to_vec());
        }
        let content = if self.tag.is_octet_string() {
            self.octet_string(buf, what)?
        } else if self.tag.constructed {
            let mut content = Vec::new();
            for child in self.children(buf, what)? {
                content.extend(child.to_der(buf, what)?);
            }
            content
        } else {
            self.content(buf).to_vec()
        };
        let tag = if self.tag.is_octet_string() {
            Tag::OCTET_STRING
        } else {
            self.tag
        };
        Ok(encode_tlv(tag, &content))
    }

    fn contains_ber(&self, buf: &[u8], what: &str, depth: usize) -> Result<bool> {
        if self.indefinite || (self.tag.is_octet_string() && self.tag.constructed) {
            return Ok(true);
        }
        if !self.tag.constructed || depth > MAX_DEPTH {
            return Ok(false);
        }
        for child in self.children(buf, what)? {
            if child.contains_ber(buf, what, depth + 1)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The value of an OBJECT IDENTIFIER.
    pub fn oid(&self, buf: &[u8], what: &str) -> Result<const_oid::ObjectIdentifier> {
        self.expect(Tag::OID, what)?;
        const_oid::ObjectIdentifier::from_bytes(self.content(buf)).map_err(|e| {
            Error::asn1(
                what,
                self.range.start,
                format!("bad OBJECT IDENTIFIER: {e}"),
            )
        })
    }

    /// An AlgorithmIdentifier (RFC 5280 4.1.1.2): SEQUENCE { algorithm OBJECT IDENTIFIER,
    /// parameters ANY OPTIONAL }. Returns the algorithm and the elements after it (the
    /// parameters, when present).
    pub fn algorithm_identifier(
        &self,
        buf: &[u8],
        what: &str,
    ) -> Result<(const_oid::ObjectIdentifier, Vec<Element>)> {
        self.expect(Tag::SEQUENCE, what)?;
        let mut parts = self.children(buf, what)?;
        if parts.is_empty() {
            return Err(Error::asn1(
                what,
                self.range.start,
                "empty AlgorithmIdentifier",
            ));
        }
        let oid = parts.remove(0).oid(buf, what)?;
        Ok((oid, parts))
    }

    /// The value of a small INTEGER (versions).
    pub fn small_integer(&self, buf: &[u8], what: &str) -> Result<i64> {
        self.expect(Tag::INTEGER, what)?;
        let bytes = self.content(buf);
        if bytes.is_empty() || bytes.len() > 8 {
            return Err(Error::asn1(what, self.range.start, "INTEGER out of range"));
        }
        let mut value: i64 = if bytes[0] & 0x80 != 0 { -1 } else { 0 };
        for &b in bytes {
            value = (value << 8) | i64::from(b);
        }
        Ok(value)
    }
}

/// The length octets for a definite length (X.690 8.1.3.4 and 8.1.3.5).
pub fn encode_length(len: usize) -> Vec<u8> {
    if len < 0x80 {
        return vec![len as u8];
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    let mut out = vec![0x80 | (bytes.len() - skip) as u8];
    out.extend_from_slice(&bytes[skip..]);
    out
}

/// A whole TLV with a definite length.
pub fn encode_tlv(tag: Tag, content: &[u8]) -> Vec<u8> {
    let mut out = tag.encode();
    out.extend(encode_length(content.len()));
    out.extend_from_slice(content);
    out
}

/// Reads TLV headers one at a time from a byte stream, so that a large value (the
/// eContent of a signed message) can be passed on in pieces without being held.
pub struct StreamReader<R: Read> {
    inner: R,
    buffer: Vec<u8>,
    /// The piece buffer of [`StreamReader::copy_content`], allocated once.
    piece: Vec<u8>,
    position: usize,
    what: String,
}

impl<R: Read> StreamReader<R> {
    /// Read from `inner`; `what` names the structure in errors.
    pub fn new(inner: R, what: &str) -> Self {
        StreamReader {
            inner,
            buffer: Vec::new(),
            piece: Vec::new(),
            position: 0,
            what: what.to_string(),
        }
    }

    /// Bytes consumed so far (for error offsets).
    pub fn position(&self) -> usize {
        self.position
    }

    fn fill(&mut self, want: usize) -> Result<bool> {
        let mut chunk = [0u8; 64];
        while self.buffer.len() < want {
            let n = self.inner.read(&mut chunk)?;
            if n == 0 {
                return Ok(false);
            }
            self.buffer.extend_from_slice(&chunk[..n]);
        }
        Ok(true)
    }

    /// Whether the stream has ended.
    pub fn at_end(&mut self) -> Result<bool> {
        Ok(!self.fill(1)?)
    }

    /// The next header, or `None` for end-of-contents octets (which are consumed).
    pub fn next_header(&mut self) -> Result<Option<Header>> {
        loop {
            if let Some(header) = parse_header(&self.buffer, &self.what, self.position)? {
                self.consume(header.header_len);
                if header.tag
                    == (Tag {
                        class: Class::Universal,
                        constructed: false,
                        number: 0,
                    })
                {
                    if header.length != Some(0) {
                        return Err(Error::asn1(
                            &self.what,
                            self.position,
                            "malformed end-of-contents octets",
                        ));
                    }
                    return Ok(None);
                }
                return Ok(Some(header));
            }
            let want = self.buffer.len() + 1;
            if !self.fill(want)? {
                return Err(Error::asn1(
                    &self.what,
                    self.position,
                    "truncated: the input ends inside a header",
                ));
            }
        }
    }

    /// The next header, which must have tag `tag`.
    pub fn expect_header(&mut self, tag: Tag) -> Result<Header> {
        let at = self.position;
        match self.next_header()? {
            Some(h) if h.tag == tag => Ok(h),
            Some(h) => Err(Error::asn1(
                &self.what,
                at,
                format!("expected {}, found {}", tag.describe(), h.tag.describe()),
            )),
            None => Err(Error::asn1(
                &self.what,
                at,
                format!("expected {}, found end-of-contents", tag.describe()),
            )),
        }
    }

    fn consume(&mut self, n: usize) {
        self.buffer.drain(..n);
        self.position += n;
    }

    /// Read exactly `len` content bytes into memory (for small values; `limit` guards memory).
    pub fn read_content(&mut self, len: usize, limit: usize) -> Result<Vec<u8>> {
        if len > limit {
            return Err(Error::asn1(
                &self.what,
                self.position,
                format!("value of {len} bytes exceeds the limit of {limit}"),
            ));
        }
        let mut out = Vec::with_capacity(len);
        self.copy_content(len, &mut |chunk| {
            out.extend_from_slice(chunk);
            Ok(())
        })?;
        Ok(out)
    }

    /// Pass `len` content bytes to `sink` in pieces.
    pub fn copy_content(
        &mut self,
        mut len: usize,
        sink: &mut dyn FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        if len > 0 && self.piece.is_empty() {
            self.piece = vec![0u8; 64 * 1024];
        }
        while len > 0 {
            let want = len.min(self.piece.len());
            // What is buffered already starts the piece; the rest is read into it, whole
            // however little each read gives: fewer, larger calls of `sink`.
            let buffered = self.buffer.len().min(want);
            self.piece[..buffered].copy_from_slice(&self.buffer[..buffered]);
            self.buffer.drain(..buffered);
            let n = buffered
                + crate::stream::read_up_to(&mut self.inner, &mut self.piece[buffered..want])?;
            if n == 0 {
                return Err(Error::asn1(
                    &self.what,
                    self.position,
                    format!("truncated: {len} more content bytes expected"),
                ));
            }
            sink(&self.piece[..n])?;
            self.position += n;
            len -= n;
        }
        Ok(())
    }

    /// Read a whole element (header already consumed) back into its full encoding, for
    /// small structures (certificates, SignerInfos) that are then parsed in memory.
    pub fn read_element_after(&mut self, header: Header, limit: usize) -> Result<Vec<u8>> {
        self.read_element_at_depth(header, limit, 0)
    }

    fn read_element_at_depth(
        &mut self,
        header: Header,
        limit: usize,
        depth: usize,
    ) -> Result<Vec<u8>> {
        if depth > MAX_DEPTH {
            return Err(Error::asn1(&self.what, self.position, "nested too deeply"));
        }
        let mut out = header.tag.encode();
        match header.length {
            Some(len) => {
                out.extend(encode_length(len));
                out.extend(self.read_content(len, limit)?);
            }
            None => {
                out.push(0x80);
                loop {
                    match self.next_header()? {
                        None => {
                            out.extend_from_slice(&[0, 0]);
                            break;
                        }
                        Some(child) => {
                            let bytes = self.read_element_at_depth(
                                child,
                                limit.saturating_sub(out.len()),
                                depth + 1,
                            )?;
                            out.extend(bytes);
                        }
                    }
                    if out.len() > limit {
                        return Err(Error::asn1(
                            &self.what,
                            self.position,
                            format!("structure exceeds the limit of {limit} bytes"),
                        ));
                    }
                }
            }
        }
        Ok(out)
    }

    /// Stream the value of an OCTET STRING (primitive, or constructed of chunks with definite
    /// or indefinite length) to `sink`. The header must already be read.
    pub fn copy_octet_string(
        &mut self,
        header: Header,
        sink: &mut dyn FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        self.copy_octet_string_at_depth(header, sink, 0)
    }

    fn copy_octet_string_at_depth(
        &mut self,
        header: Header,
        sink: &mut dyn FnMut(&[u8]) -> Result<()>,
        depth: usize,
    ) -> Result<()> {
        if !header.tag.is_octet_string() {
            return Err(Error::asn1(
                &self.what,
                self.position,
                format!("expected OCTET STRING, found {}", header.tag.describe()),
            ));
        }
        if depth > MAX_DEPTH {
            return Err(Error::asn1(&self.what, self.position, "nested too deeply"));
        }
        if !header.tag.constructed {
            let len = header.length.unwrap_or(0);
            return self.copy_content(len, sink);
        }
        match header.length {
            None => {
                while let Some(chunk) = self.next_header()? {
                    self.copy_octet_string_at_depth(chunk, sink, depth + 1)?;
                }
                Ok(())
            }
            Some(len) => {
                let end = self.position + len;
                while self.position < end {
                    let chunk = self.next_header()?.ok_or_else(|| {
                        Error::asn1(
                            &self.what,
                            self.position,
                            "end-of-contents inside a definite-length OCTET STRING",
                        )
                    })?;
                    self.copy_octet_string_at_depth(chunk, sink, depth + 1)?;
                }
                if self.position != end {
                    return Err(Error::asn1(
                        &self.what,
                        self.position,
                        "OCTET STRING chunks overrun their length",
                    ));
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_indefinite_sequence_with_chunked_octet_string_joins_chunks() {
        // SEQUENCE (indefinite) { OCTET STRING (constructed, indefinite) { "ab", "c" } }
        let buf = [
            0x30, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0, 0, 0, 0,
        ];
        let seq = Element::read_all(&buf, "test").unwrap();
        assert!(seq.indefinite);
        let children = seq.children(&buf, "test").unwrap();
        assert_eq!(children.len(), 1);
        assert_eq!(children[0].octet_string(&buf, "test").unwrap(), b"abc");
        let der = seq.to_der(&buf, "test").unwrap();
        assert_eq!(der, [0x30, 0x05, 0x04, 0x03, b'a', b'b', b'c']);
    }

    #[test]
    fn read_length_past_end_is_error_with_offset() {
        let buf = [0x30, 0x05, 0x04, 0x01];
        let err = Element::read(&buf, 0, "test").unwrap_err().to_string();
        assert!(
            err.contains("byte 0") && err.contains("claims 5 bytes"),
            "{err}"
        );
    }

    #[test]
    fn read_missing_end_of_contents_is_error() {
        let buf = [0x30, 0x80, 0x04, 0x00];
        assert!(Element::read(&buf, 0, "test").is_err());
    }

    #[test]
    fn read_deep_nesting_is_refused() {
        let mut buf = Vec::new();
        for _ in 0..200 {
            buf.extend_from_slice(&[0x30, 0x80]);
        }
        for _ in 0..200 {
            buf.extend_from_slice(&[0, 0]);
        }
        let err = Element::read(&buf, 0, "test").unwrap_err().to_string();
        assert!(err.contains("nested too deeply"), "{err}");
    }

    #[test]
    fn stream_reader_copies_chunked_octet_string_like_in_memory_reader() {
        let buf = [
            0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x24, 0x03, 0x04, 0x01, b'c', 0, 0, 0x02, 0x01,
            0x07,
        ];
        let mut reader = StreamReader::new(&buf[..], "test");
        let header = reader.next_header().unwrap().unwrap();
        let mut out = Vec::new();
        reader
            .copy_octet_string(header, &mut |c| {
                out.extend_from_slice(c);
                Ok(())
            })
            .unwrap();
        assert_eq!(out, b"abc");
        let int = reader.expect_header(Tag::INTEGER).unwrap();
        assert_eq!(reader.read_content(int.length.unwrap(), 10).unwrap(), [7]);
        assert!(reader.at_end().unwrap());
    }

    #[test]
    fn encode_length_long_form_round_trips() {
        for len in [0usize, 127, 128, 255, 256, 65_535, 1 << 24] {
            let mut enc = Tag::OCTET_STRING.encode();
            enc.extend(encode_length(len));
            let header = parse_header(&enc, "test", 0).unwrap().unwrap();
            assert_eq!(header.length, Some(len));
            assert_eq!(header.header_len, enc.len());
        }
    }
}

//! CompressedData (RFC 3274) with zlib, read and written as a stream.
//!
//! ```text
//! ContentInfo ::= SEQUENCE { contentType id-ct-compressedData, content [0] EXPLICIT CompressedData }
//! CompressedData ::= SEQUENCE {
//!   version CMSVersion,                                   -- always 0 (RFC 3274 1.1)
//!   compressionAlgorithm CompressionAlgorithmIdentifier,  -- id-alg-zlibCompress (RFC 3274 2)
//!   encapContentInfo EncapsulatedContentInfo }            -- RFC 5652 5.2
//! ```
//!
//! Writing follows `openssl cms -compress -stream`: indefinite lengths (X.690 8.1.3.6) and the
//! compressed octets as a constructed OCTET STRING of chunks (X.690 8.7.3), so nothing is held.
//! Reading accepts any BER or DER form through [`crate::ber::StreamReader`] and inflates the
//! chunks as they arrive; the decompressed size is limited, since a few kilobytes of zlib can
//! expand to gigabytes.

use std::io::Write;

use const_oid::ObjectIdentifier;
use flate2::write::ZlibEncoder;
use flate2::{Compression, Decompress, FlushDecompress, Status};

use super::oids;
use super::signed_builder::encode_content_chunk;
use crate::ber::{encode_tlv, Element, Header, StreamReader, Tag};
use crate::{Error, Result};

/// Default limit on decompressed output: 1 GiB.
pub const DEFAULT_MAX_DECOMPRESSED: u64 = 1 << 30;

/// Size of the OCTET STRING chunks written, and of the inflate output buffer.
const CHUNK: usize = 64 * 1024;

/// What a decompression found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompressedDataInfo {
    /// eContentType of the EncapsulatedContentInfo (id-data for an S/MIME entity).
    pub econtent_type: ObjectIdentifier,
    /// Bytes of zlib data in the eContent.
    pub compressed_bytes: u64,
    /// Bytes written after decompression.
    pub decompressed_bytes: u64,
    /// Whether the ContentInfo used indefinite lengths (BER, as streaming writers produce).
    pub indefinite_length: bool,
}

/// Writes a ContentInfo holding CompressedData around everything written to it, with
/// eContentType id-data. Call [`CompressedDataWriter::finish`] at the end: until then the
/// output is incomplete.
pub struct CompressedDataWriter<W: Write> {
    encoder: ZlibEncoder<OctetStringChunks<W>>,
}

impl<W: Write> CompressedDataWriter<W> {
    /// Start writing into `inner` (the BER prefix is written at once).
    pub fn new(mut inner: W) -> Result<Self> {
        inner.write_all(&stream_prefix())?;
        Ok(CompressedDataWriter {
            encoder: ZlibEncoder::new(OctetStringChunks::new(inner), Compression::default()),
        })
    }

    /// End the zlib stream and the BER structure; returns the inner writer.
    pub fn finish(self) -> Result<W> {
        let chunks = self.encoder.finish()?;
        let mut inner = chunks.finish()?;
        // End-of-contents: OCTET STRING, [0], EncapsulatedContentInfo, CompressedData, [0], ContentInfo.
        inner.write_all(&[0u8; 12])?;
        Ok(inner)
    }
}

impl<W: Write> Write for CompressedDataWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.encoder.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.encoder.flush()
    }
}

/// Compress `content` into a whole ContentInfo (BER, as [`CompressedDataWriter`] writes it).
pub fn compress_to_vec(content: &[u8]) -> Result<Vec<u8>> {
    let mut writer = CompressedDataWriter::new(Vec::with_capacity(content.len() / 2 + 64))?;
    writer.write_all(content)?;
    writer.finish()
}

/// Everything before the compressed octets: ContentInfo, CompressedData (version 0,
/// id-alg-zlibCompress with absent parameters, RFC 3274 2) and EncapsulatedContentInfo with
/// indefinite lengths, then the start of a constructed OCTET STRING.
fn stream_prefix() -> Vec<u8> {
    let mut out = vec![0x30, 0x80];
    out.extend(oid_tlv(&oids::COMPRESSED_DATA));
    out.extend([0xA0, 0x80, 0x30, 0x80]);
    out.extend(encode_tlv(Tag::INTEGER, &[0]));
    out.extend(encode_tlv(Tag::SEQUENCE, &oid_tlv(&oids::ZLIB_COMPRESS)));
    out.extend([0x30, 0x80]);
    out.extend(oid_tlv(&oids::DATA));
    out.extend([0xA0, 0x80, 0x24, 0x80]);
    out
}

fn oid_tlv(oid: &ObjectIdentifier) -> Vec<u8> {
    encode_tlv(Tag::OID, oid.as_bytes())
}

/// Collects the zlib output into primitive OCTET STRING chunks of [`CHUNK`] bytes.
struct OctetStringChunks<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> OctetStringChunks<W> {
    fn new(inner: W) -> Self {
        OctetStringChunks {
            inner,
            pending: Vec::with_capacity(CHUNK),
        }
    }

    fn finish(mut self) -> std::io::Result<W> {
        if !self.pending.is_empty() {
            self.inner.write_all(&encode_content_chunk(&self.pending))?;
        }
        Ok(self.inner)
    }
}

impl<W: Write> Write for OctetStringChunks<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let take = buf.len().min(CHUNK - self.pending.len());
        self.pending.extend_from_slice(&buf[..take]);
        if self.pending.len() == CHUNK {
            self.inner.write_all(&encode_content_chunk(&self.pending))?;
            self.pending.clear();
        }
        Ok(take)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Read a ContentInfo holding CompressedData from `reader` and write the decompressed
/// eContent to `output` as it is inflated. Fails when the output would pass `limit` bytes
/// (nothing more is written then), on any algorithm but zlib, and on a malformed, truncated
/// or trailing-garbage structure or zlib stream. On failure `output` may hold a prefix of the
/// content: callers that must not release partial output write to a temporary place.
pub fn decompress_content_info<R: std::io::Read>(
    reader: R,
    output: &mut dyn Write,
    limit: u64,
) -> Result<CompressedDataInfo> {
    let mut s = StreamReader::new(reader, "CMS ContentInfo");
    let outer = open(&mut s, Tag::SEQUENCE)?;
    let content_type = read_oid(&mut s, "CMS ContentInfo")?;
    if content_type != oids::COMPRESSED_DATA {
        return Err(Error::Unexpected(format!(
            "the CMS content is {}, not compressedData (RFC 3274)",
            oids::content_type_name(&content_type)
        )));
    }
    let explicit = open(&mut s, Tag::context(0, true))?;
    let compressed = open(&mut s, Tag::SEQUENCE)?;
    let version_header = s.expect_header(Tag::INTEGER)?;
    let at = s.position();
    let version_bytes = s.read_element_after(version_header, 16)?;
    let version = Element::read_all(&version_bytes, "CompressedData")?
        .small_integer(&version_bytes, "CompressedData")?;
    if version != 0 {
        return Err(Error::asn1(
            "CompressedData",
            at,
            format!("version is {version}; RFC 3274 1.1 requires 0"),
        ));
    }
    read_compression_algorithm(&mut s)?;
    let encap = open(&mut s, Tag::SEQUENCE)?;
    let econtent_type = read_oid(&mut s, "EncapsulatedContentInfo")?;
    if encap.end.is_some_and(|end| s.position() >= end) {
        return Err(Error::asn1(
            "EncapsulatedContentInfo",
            s.position(),
            "the eContent is absent: nothing was compressed",
        ));
    }
    let econtent = open(&mut s, Tag::context(0, true))?;
    let octets_at = s.position();
    let octets = s.next_header()?.ok_or_else(|| {
        Error::asn1(
            "eContent",
            octets_at,
            "end-of-contents instead of an OCTET STRING",
        )
    })?;
    let mut inflater = Inflater::new(output, limit);
    s.copy_octet_string(octets, &mut |chunk| inflater.feed(chunk))?;
    inflater.finish()?;
    for (container, what) in [
        (econtent, "eContent [0]"),
        (encap, "EncapsulatedContentInfo"),
        (compressed, "CompressedData"),
        (explicit, "ContentInfo [0]"),
        (outer, "ContentInfo"),
    ] {
        close(&mut s, container, what)?;
    }
    if !s.at_end()? {
        return Err(Error::asn1(
            "CMS ContentInfo",
            s.position(),
            "trailing data after the ContentInfo",
        ));
    }
    Ok(CompressedDataInfo {
        econtent_type,
        compressed_bytes: inflater.consumed,
        decompressed_bytes: inflater.produced,
        indefinite_length: outer.end.is_none(),
    })
}

/// [`decompress_content_info`] for input held in memory, into a vector.
pub fn decompress_to_vec(cms: &[u8], limit: u64) -> Result<(CompressedDataInfo, Vec<u8>)> {
    let mut out = Vec::new();
    let info = decompress_content_info(cms, &mut out, limit)?;
    Ok((info, out))
}

/// An open constructed value: where it ends when its length is definite.
#[derive(Clone, Copy)]
struct Open {
    end: Option<usize>,
}

fn open<R: std::io::Read>(s: &mut StreamReader<R>, tag: Tag) -> Result<Open> {
    let header: Header = s.expect_header(tag)?;
    Ok(Open {
        end: header.length.map(|len| s.position().saturating_add(len)),
    })
}

fn close<R: std::io::Read>(s: &mut StreamReader<R>, open: Open, what: &str) -> Result<()> {
    match open.end {
        None => match s.next_header()? {
            None => Ok(()),
            Some(_) => Err(Error::asn1(
                what,
                s.position(),
                "unexpected field where end-of-contents octets belong",
            )),
        },
        Some(end) if s.position() == end => Ok(()),
        Some(end) => Err(Error::asn1(
            what,
            s.position(),
            format!("its length says it ends at byte {end}"),
        )),
    }
}

fn read_oid<R: std::io::Read>(s: &mut StreamReader<R>, what: &str) -> Result<ObjectIdentifier> {
    let header = s.expect_header(Tag::OID)?;
    let at = s.position();
    let bytes = s.read_content(header.length.unwrap_or(0), 64)?;
    ObjectIdentifier::from_bytes(&bytes)
        .map_err(|e| Error::asn1(what, at, format!("bad OBJECT IDENTIFIER: {e}")))
}

/// compressionAlgorithm: id-alg-zlibCompress, parameters absent (RFC 3274 2) or NULL (which
/// some encoders write for every AlgorithmIdentifier). Any other algorithm is named in the error.
fn read_compression_algorithm<R: std::io::Read>(s: &mut StreamReader<R>) -> Result<()> {
    const WHAT: &str = "compressionAlgorithm";
    let header = s.expect_header(Tag::SEQUENCE)?;
    let at = s.position();
    let bytes = s.read_element_after(header, 1024)?;
    let element = Element::read_all(&bytes, WHAT)?;
    let fields = element.children(&bytes, WHAT)?;
    let oid = fields
        .first()
        .ok_or_else(|| Error::asn1(WHAT, at, "empty AlgorithmIdentifier"))?
        .oid(&bytes, WHAT)?;
    if oid != oids::ZLIB_COMPRESS {
        return Err(Error::UnsupportedAlgorithm {
            oid: format!(
                "{oid} (only id-alg-zlibCompress, {}, is defined for CMS)",
                oids::ZLIB_COMPRESS
            ),
            context: "compression",
        });
    }
    match &fields[1..] {
        [] => Ok(()),
        [null] if null.bytes(&bytes) == [0x05, 0x00] => Ok(()),
        _ => Err(Error::asn1(
            WHAT,
            at,
            "id-alg-zlibCompress takes no parameters (RFC 3274 2)",
        )),
    }
}

/// Inflates zlib (RFC 1950) data fed in pieces into a writer, counting and limiting the output.
struct Inflater<'w> {
    zlib: Decompress,
    buffer: Vec<u8>,
    output: &'w mut dyn Write,
    limit: u64,
    consumed: u64,
    produced: u64,
    ended: bool,
}

impl<'w> Inflater<'w> {
    fn new(output: &'w mut dyn Write, limit: u64) -> Self {
        Inflater {
            zlib: Decompress::new(true),
            buffer: vec![0; CHUNK],
            output,
            limit,
            consumed: 0,
            produced: 0,
            ended: false,
        }
    }

    fn feed(&mut self, mut input: &[u8]) -> Result<()> {
        self.consumed += input.len() as u64;
        loop {
            if self.ended {
                if input.is_empty() {
                    return Ok(());
                }
                return Err(self.corrupt("data after the end of the zlib stream"));
            }
            let in_before = self.zlib.total_in();
            let out_before = self.zlib.total_out();
            let status = self
                .zlib
                .decompress(input, &mut self.buffer, FlushDecompress::None)
                .map_err(|e| self.corrupt(&e.to_string()))?;
            let used = (self.zlib.total_in() - in_before) as usize;
            let made = (self.zlib.total_out() - out_before) as usize;
            input = &input[used..];
            self.emit(made)?;
            if status == Status::StreamEnd {
                self.ended = true;
                continue;
            }
            // More output may wait inside the inflater while the buffer came back full.
            if made == self.buffer.len() {
                continue;
            }
            if input.is_empty() {
                return Ok(());
            }
            if used == 0 && made == 0 {
                return Err(self.corrupt("the zlib stream makes no progress"));
            }
        }
    }

    fn emit(&mut self, made: usize) -> Result<()> {
        if made == 0 {
            return Ok(());
        }
        if self.produced + made as u64 > self.limit {
            return Err(Error::TooLarge {
                what: "the decompressed content".into(),
                limit: self.limit,
            });
        }
        self.output.write_all(&self.buffer[..made])?;
        self.produced += made as u64;
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        if !self.ended {
            // Everything was fed: whatever is still inside must come out now, or the stream is cut.
            self.feed(&[])?;
        }
        if !self.ended {
            return Err(self.corrupt("truncated: the zlib stream has no end"));
        }
        Ok(())
    }

    fn corrupt(&self, reason: &str) -> Error {
        Error::asn1(
            "zlib stream in the CompressedData eContent",
            self.zlib.total_in() as usize,
            reason,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    const LIMIT: u64 = 1 << 20;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = ZlibEncoder::new(Vec::new(), Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// A DER (definite-length, one primitive OCTET STRING) ContentInfo, built field by field,
    /// with a chosen version, algorithm and zlib payload.
    fn der_content_info(version: u8, algorithm: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut encap = oid_tlv(&oids::DATA);
        encap.extend(encode_tlv(
            Tag::context(0, true),
            &encode_tlv(Tag::OCTET_STRING, payload),
        ));
        let mut cd = encode_tlv(Tag::INTEGER, &[version]);
        cd.extend(encode_tlv(Tag::SEQUENCE, algorithm));
        cd.extend(encode_tlv(Tag::SEQUENCE, &encap));
        let mut ci = oid_tlv(&oids::COMPRESSED_DATA);
        ci.extend(encode_tlv(
            Tag::context(0, true),
            &encode_tlv(Tag::SEQUENCE, &cd),
        ));
        encode_tlv(Tag::SEQUENCE, &ci)
    }

    /// A reader that hands out `step` bytes per call.
    struct Trickle<'a>(&'a [u8], usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn compress_then_decompress_round_trips_in_any_chunking() {
        let content: Vec<u8> = (0..300_001u32)
            .map(|i| ((i % 251) ^ (i / 977)) as u8)
            .collect();
        let cms = compress_to_vec(&content).unwrap();
        for step in [1, 13, 4096, usize::MAX] {
            let mut out = Vec::new();
            let info = decompress_content_info(Trickle(&cms, step), &mut out, LIMIT).unwrap();
            assert_eq!(out, content, "step {step}");
            assert_eq!(info.econtent_type, oids::DATA);
            assert!(info.indefinite_length);
            assert_eq!(info.decompressed_bytes, content.len() as u64);
        }
    }

    #[test]
    fn compress_empty_content_round_trips() {
        let cms = compress_to_vec(b"").unwrap();
        let (info, out) = decompress_to_vec(&cms, LIMIT).unwrap();
        assert!(out.is_empty());
        assert!(
            info.compressed_bytes > 0,
            "an empty zlib stream still has a header"
        );
    }

    #[test]
    fn compress_writes_rfc3274_prefix() {
        let cms = compress_to_vec(b"x").unwrap();
        let element = Element::read_all(&cms, "test").unwrap();
        assert!(element.indefinite);
        let expected_start = [
            &[0x30, 0x80, 0x06, 0x0B][..],
            &[
                0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x10, 0x01, 0x09,
            ],
            &[
                0xA0, 0x80, 0x30, 0x80, 0x02, 0x01, 0x00, 0x30, 0x0D, 0x06, 0x0B,
            ],
            &[
                0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x10, 0x03, 0x08,
            ],
        ]
        .concat();
        assert!(cms.starts_with(&expected_start));
    }

    #[test]
    fn decompress_der_form_with_null_parameters_is_accepted() {
        let mut alg = oid_tlv(&oids::ZLIB_COMPRESS);
        alg.extend([0x05, 0x00]);
        let der = der_content_info(0, &alg, &zlib(b"hello\r\n"));
        let (info, out) = decompress_to_vec(&der, LIMIT).unwrap();
        assert_eq!(out, b"hello\r\n");
        assert!(!info.indefinite_length);
    }

    #[test]
    fn decompress_wrong_algorithm_is_error_naming_it() {
        let alg = encode_tlv(Tag::OID, &[0x2A, 0x03, 0x04]); // 1.2.3.4
        let der = der_content_info(0, &alg, &zlib(b"hello"));
        let err = decompress_to_vec(&der, LIMIT).unwrap_err().to_string();
        assert!(err.contains("compression algorithm 1.2.3.4"), "{err}");
    }

    #[test]
    fn decompress_version_1_is_error() {
        let der = der_content_info(1, &oid_tlv(&oids::ZLIB_COMPRESS), &zlib(b"hello"));
        let err = decompress_to_vec(&der, LIMIT).unwrap_err().to_string();
        assert!(err.contains("version is 1"), "{err}");
    }

    #[test]
    fn decompress_past_limit_fails_without_writing_past_it() {
        let content = vec![b'a'; 200_000];
        let cms = compress_to_vec(&content).unwrap();
        let mut out = Vec::new();
        let err = decompress_content_info(&cms[..], &mut out, 100_000).unwrap_err();
        assert!(
            matches!(err, Error::TooLarge { limit: 100_000, .. }),
            "{err}"
        );
        assert!(out.len() <= 100_000);
        // Exactly at the limit is fine.
        assert_eq!(decompress_to_vec(&cms, 200_000).unwrap().1, content);
    }

    #[test]
    fn decompress_corrupt_zlib_is_error() {
        let mut payload = zlib(b"hello hello hello");
        payload[4] ^= 0xFF;
        let der = der_content_info(0, &oid_tlv(&oids::ZLIB_COMPRESS), &payload);
        let err = decompress_to_vec(&der, LIMIT).unwrap_err().to_string();
        assert!(err.contains("zlib stream"), "{err}");
    }

    #[test]
    fn decompress_cut_zlib_stream_is_error() {
        let payload = zlib(&[7u8; 5000]);
        let der = der_content_info(
            0,
            &oid_tlv(&oids::ZLIB_COMPRESS),
            &payload[..payload.len() - 3],
        );
        let err = decompress_to_vec(&der, LIMIT).unwrap_err().to_string();
        assert!(err.contains("truncated"), "{err}");
    }

    #[test]
    fn decompress_data_after_zlib_end_is_error() {
        let mut payload = zlib(b"hello");
        payload.extend_from_slice(b"junk");
        let der = der_content_info(0, &oid_tlv(&oids::ZLIB_COMPRESS), &payload);
        let err = decompress_to_vec(&der, LIMIT).unwrap_err().to_string();
        assert!(err.contains("after the end"), "{err}");
    }

    #[test]
    fn decompress_truncated_ber_is_error_at_every_cut() {
        let cms = compress_to_vec(&[1u8; 1000]).unwrap();
        for cut in 0..cms.len() {
            assert!(
                decompress_to_vec(&cms[..cut], LIMIT).is_err(),
                "cut at {cut} accepted"
            );
        }
    }

    #[test]
    fn decompress_other_content_type_is_error() {
        let mut ci = encode_tlv(Tag::OID, oids::SIGNED_DATA.as_bytes());
        ci.extend(encode_tlv(Tag::context(0, true), &[0x30, 0x00]));
        let der = encode_tlv(Tag::SEQUENCE, &ci);
        let err = decompress_to_vec(&der, LIMIT).unwrap_err().to_string();
        assert!(err.contains("signedData"), "{err}");
    }
}

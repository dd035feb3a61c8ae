//! Compressing and decompressing whole messages: application/pkcs7-mime with
//! smime-type=compressed-data (RFC 8551 3.6; CompressedData, RFC 3274).
//!
//! As with encryption, the outer headers (From, To, Subject, ...) stay on the outer message
//! and the Content-* headers with the body form the protected entity, in canonical form
//! ([`crate::message::write_protected_entity`]). Both directions stream: the entity goes
//! through zlib and base64 as it is read, so memory stays bounded whatever the message size.
//! Decompression is limited in output ([`DecompressOptions::max_size`]) so that a small
//! hostile message cannot expand to fill memory or disk.

use std::io::{BufReader, BufWriter, Read, Write};

use serde::Serialize;

use crate::cms::compressed_data::{
    decompress_content_info, CompressedDataWriter, DEFAULT_MAX_DECOMPRESSED,
};
use crate::cms::oids;
use crate::input::open_cms_input;
use crate::message::{pkcs7_mime_headers, read_header_block, write_protected_entity};
use crate::stream::Base64Writer;
use crate::Result;

/// The smime-type of a compressed message (RFC 8551 3.2.2).
pub const SMIME_TYPE: &str = "compressed-data";

/// Compresses messages.
#[derive(Debug, Clone, Default)]
pub struct Compressor {}

impl Compressor {
    /// A compressor (zlib at its default level, the one algorithm RFC 3274 defines).
    pub fn new() -> Self {
        Compressor {}
    }

    /// Compress the message read from `input` and write the compressed message to `output`:
    /// the outer headers, then an application/pkcs7-mime entity (base64) holding the
    /// CompressedData of the protected entity.
    pub fn compress<R: Read, W: Write>(&self, input: R, output: W) -> Result<()> {
        let mut reader = BufReader::with_capacity(64 * 1024, input);
        let header = read_header_block(&mut reader, "message")?;
        let mut out = BufWriter::with_capacity(64 * 1024, output);
        out.write_all(&header.outer_header_bytes())?;
        out.write_all(pkcs7_mime_headers(SMIME_TYPE, "smime.p7z").as_bytes())?;
        let mut cms = CompressedDataWriter::new(Base64Writer::new(&mut out))?;
        write_protected_entity(&header, &mut reader, &mut cms)?;
        cms.finish()?.finish()?;
        out.flush()?;
        Ok(())
    }

    /// Compress a message held in memory.
    pub fn compress_bytes(&self, message: &[u8]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(message.len() / 2 + 1024);
        self.compress(message, &mut out)?;
        Ok(out)
    }
}

/// Options for [`Decompressor`].
#[derive(Debug, Clone, Copy)]
pub struct DecompressOptions {
    /// The most decompressed bytes accepted; past it decompression fails.
    pub max_size: u64,
}

impl Default for DecompressOptions {
    /// 1 GiB.
    fn default() -> Self {
        DecompressOptions {
            max_size: DEFAULT_MAX_DECOMPRESSED,
        }
    }
}

/// What a decompression found.
#[derive(Debug, Clone, Serialize)]
pub struct DecompressReport {
    /// The compression algorithm (`zlib`).
    pub algorithm: String,
    /// The eContentType of the compressed content (`data` for a MIME entity).
    pub content_type: String,
    /// Bytes of compressed data.
    pub compressed_bytes: u64,
    /// Bytes after decompression (the entity, without outer headers).
    pub decompressed_bytes: u64,
    /// Whether the input was a MIME message (its outer headers were kept) or bare CMS.
    pub message: bool,
}

/// Decompresses messages.
#[derive(Debug, Clone, Default)]
pub struct Decompressor {
    options: DecompressOptions,
}

impl Decompressor {
    /// A decompressor with these options.
    pub fn new(options: DecompressOptions) -> Self {
        Decompressor { options }
    }

    /// Decompress the message (application/pkcs7-mime; smime-type=compressed-data) or bare
    /// CMS (DER, BER, PEM or base64) read from `input`. Writes the outer headers of a message
    /// (without its Content-* headers), then the decompressed entity, as it is inflated.
    ///
    /// On an error (malformed input, a corrupt or cut zlib stream, output past
    /// [`DecompressOptions::max_size`]) `output` may already hold part of the result:
    /// write to a place that is discarded on error (the CLI renames a temporary file only
    /// on success).
    pub fn decompress<R: Read, W: Write>(&self, input: R, output: W) -> Result<DecompressReport> {
        let input = open_cms_input(input, &[SMIME_TYPE])?;
        let mut out = BufWriter::with_capacity(64 * 1024, output);
        if let Some(outer) = &input.outer_headers {
            out.write_all(outer)?;
        }
        let info = decompress_content_info(input.cms, &mut out, self.options.max_size)?;
        out.flush()?;
        Ok(DecompressReport {
            algorithm: "zlib".into(),
            content_type: oids::content_type_name(&info.econtent_type),
            compressed_bytes: info.compressed_bytes,
            decompressed_bytes: info.decompressed_bytes,
            message: input.outer_headers.is_some(),
        })
    }

    /// Decompress input held in memory.
    pub fn decompress_bytes(&self, input: &[u8]) -> Result<(DecompressReport, Vec<u8>)> {
        let mut out = Vec::new();
        let report = self.decompress(input, &mut out)?;
        Ok((report, out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    const MESSAGE: &[u8] = b"From: alice@example.com\nTo: bob@example.com\nSubject: compressed\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nline one\nline two\n";

    #[test]
    fn compress_keeps_outer_headers_and_round_trips_canonical_entity() {
        let compressed = Compressor::new().compress_bytes(MESSAGE).unwrap();
        let text = String::from_utf8(compressed.clone()).unwrap();
        assert!(text.starts_with("From: alice@example.com\r\nTo: bob@example.com\r\nSubject: compressed\r\nMIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=compressed-data; name=\"smime.p7z\"\r\n"), "{text}");
        assert!(
            !text.contains("line one"),
            "the body must be inside the CMS"
        );
        let (report, out) = Decompressor::default()
            .decompress_bytes(&compressed)
            .unwrap();
        assert_eq!(
            out,
            b"From: alice@example.com\r\nTo: bob@example.com\r\nSubject: compressed\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nline one\r\nline two\r\n"
        );
        assert!(report.message);
        assert_eq!(report.content_type, "data");
        assert_eq!(report.algorithm, "zlib");
    }

    #[test]
    fn decompress_small_limit_is_too_large_error() {
        let compressed = Compressor::new().compress_bytes(MESSAGE).unwrap();
        let err = Decompressor::new(DecompressOptions { max_size: 10 })
            .decompress_bytes(&compressed)
            .unwrap_err();
        assert!(matches!(err, Error::TooLarge { limit: 10, .. }), "{err}");
    }

    #[test]
    fn decompress_enveloped_message_is_refused_naming_the_type() {
        let message = b"From: a@example.com\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data\r\nContent-Transfer-Encoding: base64\r\n\r\nMAA=\r\n";
        let err = Decompressor::default()
            .decompress_bytes(message)
            .unwrap_err()
            .to_string();
        assert!(err.contains("enveloped-data"), "{err}");
    }
}

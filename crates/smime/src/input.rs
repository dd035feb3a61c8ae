//! Telling what was given to a receiving operation (decrypt, decompress, verify, inspect):
//! an S/MIME message whose body is application/pkcs7-mime (RFC 8551 3.2), or a bare CMS
//! object in DER/BER, PEM (RFC 7468) or base64. Everything here streams: the CMS bytes come
//! out of a reader, so a large message is never held.

use std::io::{self, BufReader, Cursor, Read};

use crate::message::{looks_like_mime, read_header_block};
use crate::mime::TransferEncoding;
use crate::stream::Base64Reader;
use crate::{Error, Result};

/// How many bytes are looked at to tell a MIME message from bare CMS.
const SNIFF: usize = 256;

/// The CMS object carried by an input, ready to be read.
pub struct CmsInput<'a> {
    /// For a MIME message: its outer headers, ready to head the output message
    /// (see [`crate::message::HeaderBlock::outer_header_bytes`]). `None` for bare CMS.
    pub outer_headers: Option<Vec<u8>>,
    /// The smime-type parameter (lower case) of a MIME message that has one.
    pub smime_type: Option<String>,
    /// The DER or BER bytes of the CMS ContentInfo.
    pub cms: Box<dyn Read + 'a>,
}

/// Open `input` as a message or bare CMS. A message must be application/pkcs7-mime (or
/// application/octet-stream named `*.p7m` or `*.p7z`, as some clients send it), with an
/// smime-type among `smime_types` (compared without case) or none; the errors name what was
/// found instead.
pub fn open_cms_input<'a, R: Read + 'a>(input: R, smime_types: &[&str]) -> Result<CmsInput<'a>> {
    let mut input = input;
    let mut start = Vec::with_capacity(SNIFF);
    (&mut input).take(SNIFF as u64).read_to_end(&mut start)?;
    if start.is_empty() {
        return Err(Error::Unexpected("the input is empty".into()));
    }
    let is_mime = looks_like_mime(&start);
    let whole = Cursor::new(start).chain(input);
    if !is_mime {
        return Ok(CmsInput {
            outer_headers: None,
            smime_type: None,
            cms: bare_cms_reader(whole)?,
        });
    }
    let mut reader = BufReader::new(whole);
    let header = read_header_block(&mut reader, "message")?;
    let content_type = header.entity.content_type()?;
    let mime_type = content_type.mime_type.to_ascii_lowercase();
    let name = content_type
        .param("name")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let wanted = smime_types.join(" or ");
    if !(mime_type == "application/pkcs7-mime"
        || mime_type == "application/x-pkcs7-mime"
        || (mime_type == "application/octet-stream"
            && (name.ends_with(".p7m") || name.ends_with(".p7z"))))
    {
        return Err(Error::mime(
            "message",
            format!("the message is {mime_type}, not an S/MIME {wanted} message (application/pkcs7-mime)"),
        ));
    }
    let smime_type = content_type
        .param("smime-type")
        .map(str::to_ascii_lowercase);
    if let Some(found) = &smime_type {
        if !smime_types.iter().any(|t| t.eq_ignore_ascii_case(found)) {
            return Err(Error::mime(
                "message",
                format!("the message is S/MIME {found}, not {wanted}"),
            ));
        }
    }
    let cms = pkcs7_body_reader(header.entity.transfer_encoding(), reader)?;
    Ok(CmsInput {
        outer_headers: Some(header.outer_header_bytes()),
        smime_type,
        cms,
    })
}

/// The decoded body of an application/pkcs7-mime entity: base64, or the octets as they are
/// (7bit, 8bit, binary). Any other transfer encoding is refused.
pub fn pkcs7_body_reader<'a, R: Read + 'a>(
    encoding: TransferEncoding,
    body: R,
) -> Result<Box<dyn Read + 'a>> {
    match encoding {
        TransferEncoding::Base64 => Ok(Box::new(Base64Reader::new(body))),
        TransferEncoding::SevenBit | TransferEncoding::EightBit | TransferEncoding::Binary => {
            Ok(Box::new(body))
        }
        other => Err(Error::mime(
            "message",
            format!("unsupported transfer encoding {other:?} for application/pkcs7-mime"),
        )),
    }
}

/// The DER/BER bytes of bare CMS: DER/BER as it is (it starts with a SEQUENCE, 0x30),
/// otherwise PEM or bare base64, decoded as it streams.
pub fn bare_cms_reader<'a, R: Read + 'a>(input: R) -> Result<Box<dyn Read + 'a>> {
    let mut input = input;
    let mut first = [0u8; 1];
    let n = input.read(&mut first)?;
    let whole = Cursor::new(first[..n].to_vec()).chain(input);
    if n == 1 && first[0] == 0x30 {
        Ok(Box::new(whole))
    } else {
        Ok(Box::new(Base64Reader::new(ArmorFilter::new(whole))))
    }
}

/// Decode PEM (`-----BEGIN ...-----`) or bare base64 held in memory to DER. The one
/// in-memory form of [`bare_cms_reader`]'s text path.
pub fn decode_pem_or_base64(text: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    Base64Reader::new(ArmorFilter::new(text))
        .read_to_end(&mut out)
        .map_err(|e| {
            Error::asn1(
                "CMS input",
                0,
                format!("neither DER nor PEM nor base64: {e}"),
            )
        })?;
    Ok(out)
}

/// Drops PEM encapsulation boundaries (RFC 7468 2): every line that starts with `-`. A
/// base64 line never does, so what remains is the base64 text. Needs no buffer of its own.
pub struct ArmorFilter<R: Read> {
    inner: R,
    at_line_start: bool,
    skipping: bool,
}

impl<R: Read> ArmorFilter<R> {
    /// Filter `inner`.
    pub fn new(inner: R) -> Self {
        ArmorFilter {
            inner,
            at_line_start: true,
            skipping: false,
        }
    }
}

impl<R: Read> Read for ArmorFilter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.inner.read(buf)?;
            if n == 0 {
                return Ok(0);
            }
            let mut kept = 0;
            for i in 0..n {
                let b = buf[i];
                if self.at_line_start && b == b'-' {
                    self.skipping = true;
                }
                self.at_line_start = b == b'\n';
                if !self.skipping {
                    buf[kept] = b;
                    kept += 1;
                }
                if b == b'\n' {
                    self.skipping = false;
                }
            }
            if kept > 0 {
                return Ok(kept);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(mut r: impl Read) -> Vec<u8> {
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn bare_cms_reader_pem_der_and_base64_give_the_same_bytes() {
        let der = [0x30u8, 0x03, 0x02, 0x01, 0x00];
        let pem = b"-----BEGIN CMS-----\r\nMAMCAQA=\r\n-----END CMS-----\r\n";
        assert_eq!(read_all(bare_cms_reader(&der[..]).unwrap()), der);
        assert_eq!(read_all(bare_cms_reader(&pem[..]).unwrap()), der);
        assert_eq!(
            read_all(bare_cms_reader(&b"MAMC\nAQA=\n"[..]).unwrap()),
            der
        );
        assert_eq!(decode_pem_or_base64(pem).unwrap(), der);
    }

    #[test]
    fn open_cms_input_der_whose_length_byte_is_a_colon_is_cms() {
        // SEQUENCE of 58 (0x3A, ':') bytes: "0:" must not pass for a header field.
        let mut der = vec![0x30, 0x3A];
        der.extend([0x04, 0x38]);
        der.extend([0x41; 0x38]);
        let input = open_cms_input(&der[..], &["compressed-data"]).unwrap();
        assert!(input.outer_headers.is_none());
        assert_eq!(read_all(input.cms), der);
    }

    #[test]
    fn decode_pem_or_base64_garbage_is_error_naming_the_input() {
        let err = decode_pem_or_base64(b"not base64!")
            .unwrap_err()
            .to_string();
        assert!(err.contains("neither DER nor PEM nor base64"), "{err}");
    }

    #[test]
    fn open_cms_input_message_keeps_outer_headers_and_decodes_body() {
        let message = b"From: a@example.com\r\nSubject: hi\r\nMIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=compressed-data; name=smime.p7z\r\nContent-Transfer-Encoding: base64\r\n\r\nMAMCAQA=\r\n";
        let input = open_cms_input(&message[..], &["compressed-data"]).unwrap();
        assert_eq!(
            input.outer_headers.as_deref(),
            Some(&b"From: a@example.com\r\nSubject: hi\r\nMIME-Version: 1.0\r\n"[..])
        );
        assert_eq!(input.smime_type.as_deref(), Some("compressed-data"));
        assert_eq!(read_all(input.cms), [0x30, 0x03, 0x02, 0x01, 0x00]);
    }

    #[test]
    fn open_cms_input_wrong_smime_type_is_error_naming_both() {
        let message = b"From: a@example.com\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n\r\nMAMCAQA=\r\n";
        let err = open_cms_input(&message[..], &["compressed-data"])
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("enveloped-data") && err.contains("compressed-data"),
            "{err}"
        );
    }

    #[test]
    fn open_cms_input_octet_stream_named_p7z_is_accepted() {
        let message = b"Subject: s\r\nContent-Type: application/octet-stream; name=\"smime.p7z\"\r\nContent-Transfer-Encoding: base64\r\n\r\nMAMCAQA=\r\n";
        let input = open_cms_input(&message[..], &["compressed-data"]).unwrap();
        assert_eq!(input.smime_type, None);
        assert_eq!(read_all(input.cms), [0x30, 0x03, 0x02, 0x01, 0x00]);
    }

    #[test]
    fn open_cms_input_plain_text_message_is_error() {
        let message = b"From: a@example.com\r\nContent-Type: text/plain\r\n\r\nhello\r\n";
        let err = open_cms_input(&message[..], &["compressed-data"])
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("text/plain"), "{err}");
    }
}

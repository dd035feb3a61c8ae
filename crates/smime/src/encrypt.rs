//! Encrypting whole messages (RFC 8551 3.3): application/pkcs7-mime with
//! smime-type=enveloped-data (AES-CBC, EnvelopedData) or smime-type=authEnveloped-data
//! (AES-GCM, AuthEnvelopedData, RFC 8551 3.3 and 3.4 of RFC 5083).
//!
//! The outer headers (From, To, Subject, ...) stay on the outer message; the Content-*
//! headers and the body form the protected entity, in canonical form (CRLF line ends;
//! a body declared binary is left as it is). The message is encrypted in memory.

use std::io::{BufReader, Read, Write};
use std::time::SystemTime;

use crate::cms::enveloped_builder::{EnvelopedDataBuilder, RecipientSpec};
use crate::crypto::cipher::ContentCipher;
use crate::message::{read_header_block, HeaderBlock};
use crate::mime::{self, TransferEncoding};
use crate::stream::Base64Writer;
use crate::Result;

/// Options for [`Encryptor`].
#[derive(Debug, Clone)]
pub struct EncryptOptions {
    /// The content-encryption algorithm.
    pub cipher: ContentCipher,
    /// The time at which recipient certificates must be valid.
    pub at: SystemTime,
}

impl Default for EncryptOptions {
    /// AES-256-CBC: every client reads it, unlike AuthEnvelopedData (Outlook, Apple Mail
    /// and older NSS do not). Choose GCM when the recipients are known to read it.
    fn default() -> Self {
        EncryptOptions {
            cipher: ContentCipher::Aes256Cbc,
            at: SystemTime::now(),
        }
    }
}

/// Encrypts messages to a set of recipients.
pub struct Encryptor {
    builder: EnvelopedDataBuilder,
}

impl Encryptor {
    /// An encryptor; every recipient certificate is checked (validity, RSA key, keyUsage,
    /// extendedKeyUsage) and refused with an error that names it.
    pub fn new(recipients: Vec<RecipientSpec>, options: EncryptOptions) -> Result<Self> {
        Ok(Encryptor {
            builder: EnvelopedDataBuilder::new(recipients, options.cipher, options.at)?,
        })
    }

    /// Encrypt the message read from `input` and write the encrypted message to `output`.
    pub fn encrypt<R: Read, W: Write>(&self, input: R, output: W) -> Result<()> {
        let mut reader = BufReader::new(input);
        let header = read_header_block(&mut reader, "message")?;
        let mut body = Vec::new();
        reader.read_to_end(&mut body)?;
        let entity = protected_entity(&header, &body);
        let cms = self.builder.build(entity)?;
        let smime_type = if self.builder.cipher().is_aead() {
            "authEnveloped-data"
        } else {
            "enveloped-data"
        };
        let mut out = std::io::BufWriter::new(output);
        for h in header.outer_headers() {
            if !h.name.eq_ignore_ascii_case("MIME-Version") {
                out.write_all(&header.field_bytes(h))?;
            }
        }
        write!(
            out,
            "MIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type={smime_type}; name=\"smime.p7m\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"smime.p7m\"\r\n\r\n"
        )?;
        let mut b64 = Base64Writer::new(&mut out);
        b64.write_all(&cms)?;
        b64.finish()?;
        out.flush()?;
        Ok(())
    }

    /// Encrypt a message held in memory.
    pub fn encrypt_bytes(&self, message: &[u8]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(message.len() * 4 / 3 + 4096);
        self.encrypt(message, &mut out)?;
        Ok(out)
    }
}

/// The entity to encrypt: the Content-* headers (text/plain when there is no Content-Type)
/// and the body, with CRLF line ends unless the body is declared binary.
fn protected_entity(header: &HeaderBlock, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + body.len() / 32 + 512);
    let content = header.content_headers();
    if !content
        .iter()
        .any(|h| h.name.eq_ignore_ascii_case("Content-Type"))
    {
        out.extend_from_slice(b"Content-Type: text/plain; charset=us-ascii\r\n");
    }
    for h in content {
        out.extend(header.field_bytes(h));
    }
    out.extend_from_slice(b"\r\n");
    if header.entity.transfer_encoding() == TransferEncoding::Binary {
        out.extend_from_slice(body);
    } else {
        out.extend(mime::to_crlf(body));
    }
    out
}

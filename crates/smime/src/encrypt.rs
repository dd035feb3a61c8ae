//! Encrypting whole messages (RFC 8551 3.3): application/pkcs7-mime with
//! smime-type=enveloped-data (AES-CBC, EnvelopedData) or smime-type=authEnveloped-data
//! (AES-GCM or ChaCha20-Poly1305, AuthEnvelopedData, RFC 8551 3.3 and RFC 5083).
//!
//! The outer headers (From, To, Subject, ...) stay on the outer message; the Content-*
//! headers and the body form the protected entity, in canonical form (CRLF line ends;
//! a body declared binary is left as it is). The message is encrypted as it streams by.

use std::io::{BufReader, BufWriter, Read, Write};
use std::time::SystemTime;

use crate::cms::enveloped_builder::{EnvelopedDataBuilder, RecipientSpec};
use crate::crypto::cipher::ContentCipher;
use crate::message::{pkcs7_mime_headers, read_header_block, write_protected_entity};
use crate::stream::Base64Writer;
use crate::Result;

/// Buffer size for streaming.
const CHUNK: usize = 64 * 1024;

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

    /// Encrypt the message read from `input` and write the encrypted message to `output`,
    /// streaming in bounded memory: the entity is converted to CRLF, encrypted, chunked
    /// into a BER encryptedContent and base64-encoded as it is read.
    pub fn encrypt<R: Read, W: Write>(&self, input: R, output: W) -> Result<()> {
        let mut reader = BufReader::with_capacity(CHUNK, input);
        let header = read_header_block(&mut reader, "message")?;
        let smime_type = if self.builder.cipher().is_aead() {
            "authEnveloped-data"
        } else {
            "enveloped-data"
        };
        let mut out = BufWriter::with_capacity(CHUNK, output);
        out.write_all(&header.outer_header_bytes())?;
        out.write_all(pkcs7_mime_headers(smime_type, "smime.p7m").as_bytes())?;
        let b64 = Base64Writer::new(&mut out);
        let mut cms = self.builder.writer(b64)?;
        write_protected_entity(&header, &mut reader, &mut cms)?;
        cms.finish()?.finish()?;
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

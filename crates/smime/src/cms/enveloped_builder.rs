//! Writing EnvelopedData (RFC 5652 6) with AES-CBC (RFC 3565) and AuthEnvelopedData
//! (RFC 5083) with AES-GCM (RFC 5084) or ChaCha20-Poly1305 (RFC 8103), streamed in BER:
//! the content is encrypted as it is written, in bounded memory. The RecipientInfos come
//! from [`super::recipient_info`].

use std::io::Write;
use std::time::SystemTime;

use der::asn1::ObjectIdentifier;
use der::Encode;

use super::oids;
pub use super::recipient_info::{
    check_recipient_certificate, RecipientIdentifierKind, RecipientSpec,
};
use super::recipient_info::{check_recipients, encode_recipient_infos};
use crate::ber::{encode_length, encode_tlv, Tag};
use crate::crypto::cipher::{ContentCipher, ContentEncryptor, AEAD_TAG_LEN, AES_BLOCK_LEN};
use crate::{Error, Result};

/// Builds an EnvelopedData (CBC) or AuthEnvelopedData (GCM) for a set of recipients.
pub struct EnvelopedDataBuilder {
    recipients: Vec<RecipientSpec>,
    cipher: ContentCipher,
}

impl EnvelopedDataBuilder {
    /// A builder; every recipient certificate is checked with
    /// [`check_recipient_certificate`] at `at`.
    pub fn new(
        recipients: Vec<RecipientSpec>,
        cipher: ContentCipher,
        at: SystemTime,
    ) -> Result<Self> {
        if cipher.is_legacy() {
            return Err(Error::Refused {
                what: format!("content encryption {}", cipher.name()),
                reason: "legacy ciphers are only ever read, never written".into(),
            });
        }
        check_recipients(&recipients, at)?;
        Ok(EnvelopedDataBuilder { recipients, cipher })
    }

    /// The content-encryption algorithm.
    pub fn cipher(&self) -> ContentCipher {
        self.cipher
    }

    /// Start a streamed ContentInfo: a fresh content key is wrapped for every recipient,
    /// the BER prefix (indefinite lengths, X.690 8.1.3.6, as `openssl cms -stream` writes)
    /// goes to `out`, and the returned writer encrypts what is written to it into
    /// encryptedContent chunks. [`EnvelopedWriter::finish`] writes the rest.
    pub fn writer<W: Write>(&self, mut out: W) -> Result<EnvelopedWriter<W>> {
        let content_key = self.cipher.generate_key()?;
        let (recipient_infos, all_version_0) =
            encode_recipient_infos(&self.recipients, &content_key)?;
        let encryptor = ContentEncryptor::new(self.cipher, &content_key)?;
        let mut alg = oid_der(&self.cipher.oid())?;
        alg.extend(match self.cipher {
            // GCMParameters (RFC 5084 3.2): the nonce and, since it is not the default 12,
            // the tag length.
            ContentCipher::Aes128Gcm | ContentCipher::Aes256Gcm => {
                let mut params = encode_tlv(Tag::OCTET_STRING, encryptor.iv());
                params.extend(encode_tlv(Tag::INTEGER, &[AEAD_TAG_LEN as u8]));
                encode_tlv(Tag::SEQUENCE, &params)
            }
            // The IV (RFC 3565 4.1) or the ChaCha20-Poly1305 nonce (RFC 8103 3).
            _ => encode_tlv(Tag::OCTET_STRING, encryptor.iv()),
        });
        let (outer_type, version) = if self.cipher.is_aead() {
            // AuthEnvelopedData (RFC 5083 2.1): version 0.
            (oids::AUTH_ENVELOPED_DATA, 0)
        } else {
            // Version 0 when every RecipientInfo is version 0, else 2 (RFC 5652 6.1).
            (oids::ENVELOPED_DATA, if all_version_0 { 0 } else { 2 })
        };
        let mut prefix = vec![0x30, 0x80];
        prefix.extend(oid_der(&outer_type)?);
        prefix.extend([0xA0, 0x80, 0x30, 0x80]);
        prefix.extend(encode_tlv(Tag::INTEGER, &[version]));
        prefix.extend(recipient_infos);
        // EncryptedContentInfo (RFC 5652 6.1): id-data, the algorithm, then the ciphertext
        // as a constructed [0] IMPLICIT OCTET STRING of chunks.
        prefix.extend([0x30, 0x80]);
        prefix.extend(oid_der(&oids::DATA)?);
        prefix.extend(encode_tlv(Tag::SEQUENCE, &alg));
        prefix.extend([0xA0, 0x80]);
        out.write_all(&prefix)?;
        Ok(EnvelopedWriter {
            out,
            encryptor,
            pending: Vec::with_capacity(CHUNK + AES_BLOCK_LEN),
        })
    }

    /// Encrypt `content` (the canonical MIME entity) and return the whole ContentInfo (BER).
    pub fn build(&self, content: &[u8]) -> Result<Vec<u8>> {
        let mut writer = self.writer(Vec::with_capacity(content.len() + 1024))?;
        writer.write_all(content)?;
        writer.finish()
    }
}

/// The size of each encryptedContent chunk written.
const CHUNK: usize = 64 * 1024;

/// Encrypts what is written to it into the encryptedContent of a streamed
/// (Auth)EnvelopedData; see [`EnvelopedDataBuilder::writer`].
pub struct EnvelopedWriter<W: Write> {
    out: W,
    encryptor: ContentEncryptor,
    pending: Vec<u8>,
}

impl<W: Write> EnvelopedWriter<W> {
    fn emit(&mut self) -> std::io::Result<()> {
        emit_chunk(&mut self.out, &mut self.pending)
    }

    /// Write the last ciphertext, the end-of-contents octets, the tag (AuthEnvelopedData
    /// mac, RFC 5083 2.1) and the closing octets; return the inner writer.
    pub fn finish(self) -> Result<W> {
        let EnvelopedWriter {
            mut out,
            encryptor,
            mut pending,
        } = self;
        let tag = encryptor.finish(&mut pending)?;
        emit_chunk(&mut out, &mut pending)?;
        // encryptedContent [0], EncryptedContentInfo
        let mut suffix = vec![0, 0, 0, 0];
        if let Some(tag) = tag {
            suffix.extend(encode_tlv(Tag::OCTET_STRING, &tag));
        }
        // (Auth)EnvelopedData, [0], ContentInfo
        suffix.extend([0, 0, 0, 0, 0, 0]);
        out.write_all(&suffix)?;
        Ok(out)
    }
}

/// Write `pending` ciphertext as one primitive OCTET STRING chunk (X.690 8.7.3.2).
fn emit_chunk(out: &mut impl Write, pending: &mut Vec<u8>) -> std::io::Result<()> {
    if !pending.is_empty() {
        let mut header = Tag::OCTET_STRING.encode();
        header.extend(encode_length(pending.len()));
        out.write_all(&header)?;
        out.write_all(pending)?;
        pending.clear();
    }
    Ok(())
}

impl<W: Write> Write for EnvelopedWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for piece in buf.chunks(CHUNK) {
            self.encryptor
                .update(piece, &mut self.pending)
                .map_err(std::io::Error::other)?;
            if self.pending.len() >= CHUNK {
                self.emit()?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

fn oid_der(oid: &ObjectIdentifier) -> Result<Vec<u8>> {
    oid.to_der().map_err(|e| Error::Unexpected(e.to_string()))
}

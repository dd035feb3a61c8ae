//! Writing EnvelopedData (RFC 5652 6) with AES-CBC (RFC 3565) and AuthEnvelopedData
//! (RFC 5083) with AES-GCM (RFC 5084), one KeyTransRecipientInfo per recipient
//! (RFC 5652 6.2.1), in DER.

use std::time::SystemTime;

use der::asn1::ObjectIdentifier;
use der::Encode;

use super::oids;
pub use super::recipient_info::{
    check_recipient_certificate, RecipientIdentifierKind, RecipientSpec,
};
use super::recipient_info::{check_recipients, encode_recipient_infos};
use crate::ber::{encode_tlv, Tag};
use crate::crypto::cipher::{self, ContentCipher, GCM_TAG_LEN};
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
        check_recipients(&recipients, at)?;
        Ok(EnvelopedDataBuilder { recipients, cipher })
    }

    /// The content-encryption algorithm.
    pub fn cipher(&self) -> ContentCipher {
        self.cipher
    }

    /// Encrypt `content` (the canonical MIME entity) and return the whole ContentInfo in DER.
    pub fn build(&self, content: Vec<u8>) -> Result<Vec<u8>> {
        let content_key = self.cipher.generate_key()?;
        let (recipient_infos, all_version_0) =
            encode_recipient_infos(&self.recipients, &content_key)?;
        let cipher_oid = oid_der(&self.cipher.oid())?;
        let (outer_type, inner) = if self.cipher.is_aead() {
            let (nonce, ciphertext, tag) =
                cipher::gcm_seal(self.cipher, &content_key, &[], content)?;
            // GCMParameters (RFC 5084 3.2): the nonce and, since it is not the default 12, the tag length.
            let mut params = encode_tlv(Tag::OCTET_STRING, &nonce);
            params.extend(encode_tlv(Tag::INTEGER, &[GCM_TAG_LEN as u8]));
            let mut alg = cipher_oid;
            alg.extend(encode_tlv(Tag::SEQUENCE, &params));
            // AuthEnvelopedData (RFC 5083 2.1): version 0, no authAttrs for id-data content.
            let mut inner = encode_tlv(Tag::INTEGER, &[0]);
            inner.extend(recipient_infos);
            inner.extend(encrypted_content_info(&alg, &ciphertext)?);
            inner.extend(encode_tlv(Tag::OCTET_STRING, &tag));
            (oids::AUTH_ENVELOPED_DATA, inner)
        } else {
            let (iv, ciphertext) = cipher::cbc_encrypt(self.cipher, &content_key, content)?;
            let mut alg = cipher_oid;
            alg.extend(encode_tlv(Tag::OCTET_STRING, &iv));
            // Version 0 when every RecipientInfo is version 0, else 2 (RFC 5652 6.1).
            let version = if all_version_0 { 0 } else { 2 };
            let mut inner = encode_tlv(Tag::INTEGER, &[version]);
            inner.extend(recipient_infos);
            inner.extend(encrypted_content_info(&alg, &ciphertext)?);
            (oids::ENVELOPED_DATA, inner)
        };
        let mut info = oid_der(&outer_type)?;
        info.extend(encode_tlv(
            Tag::context(0, true),
            &encode_tlv(Tag::SEQUENCE, &inner),
        ));
        Ok(encode_tlv(Tag::SEQUENCE, &info))
    }
}

/// EncryptedContentInfo (RFC 5652 6.1): id-data, the algorithm (its content octets in
/// `alg`), and the ciphertext as `[0] IMPLICIT OCTET STRING`.
fn encrypted_content_info(alg: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>> {
    let mut content = oid_der(&oids::DATA)?;
    content.extend(encode_tlv(Tag::SEQUENCE, alg));
    content.extend(encode_tlv(Tag::context(0, false), ciphertext));
    Ok(encode_tlv(Tag::SEQUENCE, &content))
}

fn oid_der(oid: &ObjectIdentifier) -> Result<Vec<u8>> {
    oid.to_der().map_err(|e| Error::Unexpected(e.to_string()))
}

//! Writing SignedData (RFC 5652 5) for S/MIME (RFC 8551 3.5).
//!
//! The content is hashed by the caller (so that it can be streamed); the builder turns
//! content digests into SignerInfos and encodes the ContentInfo, either whole in DER or,
//! for streaming, as a BER prefix and suffix around the eContent octets (indefinite
//! lengths, X.690 8.1.3.6, as `openssl cms -stream` writes).

use std::time::SystemTime;

use der::Encode;
use x509_cert::Certificate;

use super::attributes::{encode_signed_attributes, issuer_and_serial, AttributeSpec};
use super::oids;
use crate::ber::{encode_length, encode_tlv, Tag};
use crate::crypto::{DigestAlgorithm, PrivateKey, SignatureScheme};
use crate::{Error, Result};

/// One signer: certificate, key, scheme and optional attributes.
pub struct SignerSpec {
    /// The signer's certificate (included in the message).
    pub certificate: Certificate,
    /// The signer's private key.
    pub key: PrivateKey,
    /// The signature scheme.
    pub scheme: SignatureScheme,
    /// Certificates to include so that the receiver can build the chain.
    pub chain: Vec<Certificate>,
    /// The certificate to announce for encryption (SMIMEEncryptionKeyPreference), if any.
    pub encryption_certificate: Option<Certificate>,
    /// Extra signed attributes (whole DER `Attribute`s), e.g. a receipt request.
    pub extra_attributes: Vec<Vec<u8>>,
}

impl SignerSpec {
    /// Check that the key belongs to the certificate; `what` names them in the error.
    pub fn check_key_matches(&self, what: &str) -> Result<()> {
        let cert_key = self
            .certificate
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| Error::key(what, format!("cannot encode the certificate's key: {e}")))?;
        let key = self.key.public_key_spki().to_der().map_err(|e| {
            Error::key(
                what,
                format!("cannot encode the private key's public part: {e}"),
            )
        })?;
        if cert_key != key {
            return Err(Error::key(
                what,
                "the private key does not belong to the certificate",
            ));
        }
        Ok(())
    }
}

/// Content digests by algorithm, computed by whoever read the content.
#[derive(Debug, Clone, Default)]
pub struct ContentDigests(pub Vec<(DigestAlgorithm, Vec<u8>)>);

impl ContentDigests {
    /// The digest for `alg`, if it was computed.
    pub fn get(&self, alg: DigestAlgorithm) -> Option<&[u8]> {
        self.0
            .iter()
            .find(|(a, _)| *a == alg)
            .map(|(_, d)| d.as_slice())
    }
}

/// Builds a SignedData for one or more signers.
pub struct SignedDataBuilder {
    signers: Vec<SignerSpec>,
    signing_time: Option<SystemTime>,
    content_type: const_oid::ObjectIdentifier,
}

impl SignedDataBuilder {
    /// A builder for these signers. Each signer's key is checked against its certificate.
    pub fn new(signers: Vec<SignerSpec>, signing_time: Option<SystemTime>) -> Result<Self> {
        if signers.is_empty() {
            return Err(Error::Unexpected("at least one signer is needed".into()));
        }
        for (i, s) in signers.iter().enumerate() {
            s.check_key_matches(&format!("signer {}", i + 1))?;
        }
        Ok(SignedDataBuilder {
            signers,
            signing_time,
            content_type: oids::DATA,
        })
    }

    /// Sign content of another type than id-data (e.g. id-ct-receipt for a signed receipt,
    /// RFC 2634 2.4): it becomes the eContentType and the content-type attribute.
    pub fn with_content_type(mut self, content_type: const_oid::ObjectIdentifier) -> Self {
        self.content_type = content_type;
        self
    }

    /// SignedData version (RFC 5652 5.1): 3 when the content is not id-data, else 1 (the
    /// SignerInfos name their certificates by issuer and serial number).
    fn version(&self) -> u8 {
        if self.content_type == oids::DATA {
            1
        } else {
            3
        }
    }

    /// The distinct digest algorithms the content must be hashed with.
    pub fn digest_algorithms(&self) -> Vec<DigestAlgorithm> {
        let mut out: Vec<DigestAlgorithm> = Vec::new();
        for s in &self.signers {
            let d = s.scheme.digest();
            if !out.contains(&d) {
                out.push(d);
            }
        }
        out
    }

    /// The signers.
    pub fn signers(&self) -> &[SignerSpec] {
        &self.signers
    }

    fn digest_algorithm_set(&self) -> Result<Vec<u8>> {
        let mut algs = Vec::new();
        for d in self.digest_algorithms() {
            algs.push(
                d.algorithm_identifier()
                    .to_der()
                    .map_err(|e| Error::Unexpected(e.to_string()))?,
            );
        }
        algs.sort();
        Ok(encode_tlv(Tag::SET, &algs.concat()))
    }

    fn certificate_set(&self) -> Result<Vec<u8>> {
        let mut certs: Vec<Vec<u8>> = Vec::new();
        for s in &self.signers {
            for c in std::iter::once(&s.certificate)
                .chain(&s.chain)
                .chain(&s.encryption_certificate)
            {
                let der = c.to_der().map_err(|e| Error::Unexpected(e.to_string()))?;
                if !certs.contains(&der) {
                    certs.push(der);
                }
            }
        }
        certs.sort();
        Ok(encode_tlv(Tag::context(0, true), &certs.concat()))
    }

    fn signer_infos(&self, digests: &ContentDigests) -> Result<Vec<u8>> {
        let mut infos = Vec::new();
        for s in &self.signers {
            let digest_alg = s.scheme.digest();
            let digest = digests.get(digest_alg).ok_or_else(|| {
                Error::Unexpected(format!("no {} digest of the content", digest_alg.name()))
            })?;
            let spec = AttributeSpec {
                content_type: self.content_type,
                signer: &s.certificate,
                scheme: &s.scheme,
                signing_time: self.signing_time,
                encryption_certificate: s.encryption_certificate.as_ref(),
                extra: s.extra_attributes.clone(),
            };
            let signed_attrs = encode_signed_attributes(&spec, digest)?;
            let signature = s.key.sign(&s.scheme, &signed_attrs)?;
            let mut content = encode_tlv(Tag::INTEGER, &[1]);
            content.extend(issuer_and_serial(&s.certificate)?);
            content.extend(
                digest_alg
                    .algorithm_identifier()
                    .to_der()
                    .map_err(|e| Error::Unexpected(e.to_string()))?,
            );
            let mut tagged = signed_attrs;
            tagged[0] = 0xA0; // [0] IMPLICIT (RFC 5652 5.3)
            content.extend(tagged);
            content.extend(
                s.scheme
                    .signer_info_algorithm()
                    .to_der()
                    .map_err(|e| Error::Unexpected(e.to_string()))?,
            );
            content.extend(encode_tlv(Tag::OCTET_STRING, &signature));
            infos.push(encode_tlv(Tag::SEQUENCE, &content));
        }
        infos.sort();
        Ok(encode_tlv(Tag::SET, &infos.concat()))
    }

    /// The whole ContentInfo in DER. With `econtent`, the content is encapsulated
    /// (application/pkcs7-mime; smime-type=signed-data); without, the signature is detached.
    pub fn build(&self, digests: &ContentDigests, econtent: Option<&[u8]>) -> Result<Vec<u8>> {
        let mut encap = der_oid(&self.content_type)?;
        if let Some(content) = econtent {
            encap.extend(encode_tlv(
                Tag::context(0, true),
                &encode_tlv(Tag::OCTET_STRING, content),
            ));
        }
        let mut signed = encode_tlv(Tag::INTEGER, &[self.version()]);
        signed.extend(self.digest_algorithm_set()?);
        signed.extend(encode_tlv(Tag::SEQUENCE, &encap));
        signed.extend(self.certificate_set()?);
        signed.extend(self.signer_infos(digests)?);
        let mut info = der_oid(&oids::SIGNED_DATA)?;
        info.extend(encode_tlv(
            Tag::context(0, true),
            &encode_tlv(Tag::SEQUENCE, &signed),
        ));
        Ok(encode_tlv(Tag::SEQUENCE, &info))
    }

    /// The bytes before the streamed eContent octets: ContentInfo, SignedData and
    /// EncapsulatedContentInfo with indefinite lengths, then a constructed OCTET STRING.
    /// Write each piece of content with [`encode_content_chunk`], then [`Self::stream_suffix`].
    pub fn stream_prefix(&self) -> Result<Vec<u8>> {
        let mut out = vec![0x30, 0x80];
        out.extend(der_oid(&oids::SIGNED_DATA)?);
        out.extend([0xA0, 0x80, 0x30, 0x80]);
        out.extend(encode_tlv(Tag::INTEGER, &[self.version()]));
        out.extend(self.digest_algorithm_set()?);
        out.extend([0x30, 0x80]);
        out.extend(der_oid(&self.content_type)?);
        out.extend([0xA0, 0x80, 0x24, 0x80]);
        Ok(out)
    }

    /// The bytes after the streamed eContent: end-of-contents octets, certificates, SignerInfos.
    pub fn stream_suffix(&self, digests: &ContentDigests) -> Result<Vec<u8>> {
        let mut out = vec![0, 0, 0, 0, 0, 0]; // OCTET STRING, [0], EncapsulatedContentInfo
        out.extend(self.certificate_set()?);
        out.extend(self.signer_infos(digests)?);
        out.extend([0, 0, 0, 0, 0, 0]); // SignedData, [0], ContentInfo
        Ok(out)
    }
}

/// One chunk of a streamed eContent: a primitive OCTET STRING (X.690 8.7.3.2).
pub fn encode_content_chunk(chunk: &[u8]) -> Vec<u8> {
    let mut out = vec![0x04];
    out.extend(encode_length(chunk.len()));
    out.extend_from_slice(chunk);
    out
}

fn der_oid(oid: &const_oid::ObjectIdentifier) -> Result<Vec<u8>> {
    oid.to_der().map_err(|e| Error::Unexpected(e.to_string()))
}

//! RSA key transport of the content-encryption key (RFC 5652 6.2.1): RSAES-OAEP (RFC 3560,
//! RFC 8017 7.1) and RSAES-PKCS1-v1_5 (RFC 8017 7.2), encryption to a recipient
//! certificate's key, and the reading of the key-encryption AlgorithmIdentifier.

use aws_lc_rs::rsa::{
    OaepAlgorithm, OaepPublicEncryptingKey, Pkcs1PublicEncryptingKey, PublicEncryptingKey,
    OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256, OAEP_SHA384_MGF1SHA384, OAEP_SHA512_MGF1SHA512,
};
use const_oid::ObjectIdentifier;
use der::Encode;
use spki::SubjectPublicKeyInfoOwned;

use crate::ber::{encode_tlv, Class, Element, Tag};
use crate::cms::oids;
use crate::{Error, Result};

/// rsaEncryption (RFC 8017 A.1) is also the key transport algorithm for PKCS#1 v1.5
/// (RFC 3370 4.2.1).
pub use smime_pkix::signature::RSA_ENCRYPTION;
/// id-mgf1 (RFC 8017 B.2.1).
pub const MGF1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.8");
/// id-pSpecified (RFC 8017 A.2.1).
pub const P_SPECIFIED: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.9");
const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

/// The hash of RSAES-OAEP (the same hash is used for MGF1; the backend offers only those).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OaepHash {
    /// SHA-1: the RSAES-OAEP-params default (RFC 3560 3), what `openssl cms -keyopt
    /// rsa_padding_mode:oaep` writes. Read only.
    Sha1,
    /// SHA-256 with MGF1-SHA-256: what we write (RFC 8551 2.3 recommends it).
    Sha256,
    /// SHA-384 with MGF1-SHA-384.
    Sha384,
    /// SHA-512 with MGF1-SHA-512.
    Sha512,
}

impl OaepHash {
    fn oid(&self) -> ObjectIdentifier {
        match self {
            OaepHash::Sha1 => SHA1,
            OaepHash::Sha256 => SHA256,
            OaepHash::Sha384 => SHA384,
            OaepHash::Sha512 => SHA512,
        }
    }

    fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        match *oid {
            SHA1 => Some(OaepHash::Sha1),
            SHA256 => Some(OaepHash::Sha256),
            SHA384 => Some(OaepHash::Sha384),
            SHA512 => Some(OaepHash::Sha512),
            _ => None,
        }
    }

    pub(crate) fn backend(&self) -> &'static OaepAlgorithm {
        match self {
            OaepHash::Sha1 => &OAEP_SHA1_MGF1SHA1,
            OaepHash::Sha256 => &OAEP_SHA256_MGF1SHA256,
            OaepHash::Sha384 => &OAEP_SHA384_MGF1SHA384,
            OaepHash::Sha512 => &OAEP_SHA512_MGF1SHA512,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            OaepHash::Sha1 => "SHA-1",
            OaepHash::Sha256 => "SHA-256",
            OaepHash::Sha384 => "SHA-384",
            OaepHash::Sha512 => "SHA-512",
        }
    }
}

/// A key transport algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyTransport {
    /// RSAES-OAEP with a hash and MGF1 over the same hash, empty label (RFC 3560).
    RsaOaep(OaepHash),
    /// RSAES-PKCS1-v1_5 (RFC 3370 4.2.1), for old clients.
    RsaPkcs1,
}

impl KeyTransport {
    /// What we write by default: RSAES-OAEP with SHA-256 and MGF1-SHA-256.
    pub const DEFAULT: KeyTransport = KeyTransport::RsaOaep(OaepHash::Sha256);

    /// A name for reports.
    pub fn name(&self) -> String {
        match self {
            KeyTransport::RsaOaep(h) => format!("RSAES-OAEP ({}, MGF1-{})", h.name(), h.name()),
            KeyTransport::RsaPkcs1 => "RSAES-PKCS1-v1_5".into(),
        }
    }

    /// The keyEncryptionAlgorithm AlgorithmIdentifier, DER. The hash AlgorithmIdentifiers
    /// inside RSAES-OAEP-params carry NULL parameters (RFC 4055 2.1); SHA-1 is the default
    /// and is left out (RFC 3560 3).
    pub fn algorithm_identifier_der(&self) -> Vec<u8> {
        let null = [0x05u8, 0x00];
        match self {
            KeyTransport::RsaPkcs1 => {
                let mut content = oid_der(&RSA_ENCRYPTION);
                content.extend(null);
                encode_tlv(Tag::SEQUENCE, &content)
            }
            KeyTransport::RsaOaep(OaepHash::Sha1) => {
                let mut content = oid_der(&oids::RSAES_OAEP);
                content.extend(encode_tlv(Tag::SEQUENCE, &[]));
                encode_tlv(Tag::SEQUENCE, &content)
            }
            KeyTransport::RsaOaep(hash) => {
                let mut hash_alg = oid_der(&hash.oid());
                hash_alg.extend(null);
                let hash_alg = encode_tlv(Tag::SEQUENCE, &hash_alg);
                let mut mgf = oid_der(&MGF1);
                mgf.extend(&hash_alg);
                let mgf = encode_tlv(Tag::SEQUENCE, &mgf);
                let mut params = encode_tlv(Tag::context(0, true), &hash_alg);
                params.extend(encode_tlv(Tag::context(1, true), &mgf));
                let mut content = oid_der(&oids::RSAES_OAEP);
                content.extend(encode_tlv(Tag::SEQUENCE, &params));
                encode_tlv(Tag::SEQUENCE, &content)
            }
        }
    }

    /// Read a keyEncryptionAlgorithm: `alg` is the whole AlgorithmIdentifier in `buf`.
    pub fn from_algorithm_identifier(buf: &[u8], alg: &Element) -> Result<KeyTransport> {
        const WHAT: &str = "keyEncryptionAlgorithm";
        let (oid, params) = alg.algorithm_identifier(buf, WHAT)?;
        match oid {
            RSA_ENCRYPTION => Ok(KeyTransport::RsaPkcs1),
            oids::RSAES_OAEP => {
                let hash = match params.first() {
                    None => OaepHash::Sha1,
                    Some(p) if p.tag == NULL_TAG => OaepHash::Sha1,
                    Some(p) => read_oaep_params(buf, p)?,
                };
                Ok(KeyTransport::RsaOaep(hash))
            }
            other => Err(Error::UnsupportedAlgorithm {
                oid: other.to_string(),
                context: "key transport",
            }),
        }
    }
}

/// RSAES-OAEP-params (RFC 8017 A.2.1): hashAlgorithm [0], maskGenAlgorithm [1] (MGF1 over
/// the same hash: the backend supports no other), pSourceAlgorithm [2] (an empty label only).
fn read_oaep_params(buf: &[u8], params: &Element) -> Result<OaepHash> {
    const WHAT: &str = "RSAES-OAEP-params";
    params.expect(Tag::SEQUENCE, WHAT)?;
    let mut hash = OaepHash::Sha1;
    let mut mgf_hash = OaepHash::Sha1;
    for field in params.children(buf, WHAT)? {
        if field.tag.class != Class::Context || !field.tag.constructed {
            return Err(Error::asn1(WHAT, field.range.start, "unexpected field"));
        }
        let inner = field.children(buf, WHAT)?;
        let alg = inner
            .first()
            .ok_or_else(|| Error::asn1(WHAT, field.range.start, "empty field"))?;
        let (alg_oid, alg_params) = alg.algorithm_identifier(buf, WHAT)?;
        match field.tag.number {
            0 => {
                hash = OaepHash::from_oid(&alg_oid).ok_or(Error::UnsupportedAlgorithm {
                    oid: alg_oid.to_string(),
                    context: "RSAES-OAEP hash",
                })?;
            }
            1 => {
                if alg_oid != MGF1 {
                    return Err(Error::UnsupportedAlgorithm {
                        oid: alg_oid.to_string(),
                        context: "RSAES-OAEP mask generation",
                    });
                }
                let mgf_alg = alg_params
                    .first()
                    .ok_or_else(|| Error::asn1(WHAT, alg.range.start, "MGF1 without its hash"))?;
                mgf_alg.expect(Tag::SEQUENCE, WHAT)?;
                let mgf_oid = mgf_alg
                    .children(buf, WHAT)?
                    .first()
                    .ok_or_else(|| Error::asn1(WHAT, mgf_alg.range.start, "empty MGF1 hash"))?
                    .oid(buf, WHAT)?;
                mgf_hash = OaepHash::from_oid(&mgf_oid).ok_or(Error::UnsupportedAlgorithm {
                    oid: mgf_oid.to_string(),
                    context: "RSAES-OAEP MGF1 hash",
                })?;
            }
            2 => {
                let empty = match alg_params.first() {
                    None => true,
                    Some(label) => label.octet_string(buf, WHAT)?.is_empty(),
                };
                if alg_oid != P_SPECIFIED || !empty {
                    return Err(Error::UnsupportedAlgorithm {
                        oid: alg_oid.to_string(),
                        context: "RSAES-OAEP label (only an empty one is supported)",
                    });
                }
            }
            _ => return Err(Error::asn1(WHAT, field.range.start, "unexpected field")),
        }
    }
    if hash != mgf_hash {
        return Err(Error::UnsupportedAlgorithm {
            oid: format!("OAEP {} with MGF1-{}", hash.name(), mgf_hash.name()),
            context: "key transport",
        });
    }
    Ok(hash)
}

const NULL_TAG: Tag = Tag {
    class: Class::Universal,
    constructed: false,
    number: 5,
};

fn oid_der(oid: &ObjectIdentifier) -> Vec<u8> {
    encode_tlv(Tag::OID, oid.as_bytes())
}

/// Whether a SubjectPublicKeyInfo is an RSA key usable for key transport.
pub fn is_rsa_key(spki: &SubjectPublicKeyInfoOwned) -> bool {
    spki.algorithm.oid == RSA_ENCRYPTION
}

/// Encrypt the content-encryption key to the recipient's RSA public key. `what` names the
/// certificate in errors.
pub fn wrap_content_key(
    spki: &SubjectPublicKeyInfoOwned,
    transport: KeyTransport,
    content_key: &[u8],
    what: &str,
) -> Result<Vec<u8>> {
    if !is_rsa_key(spki) {
        return Err(Error::key(
            what,
            format!(
                "the certificate's key ({}) is not an RSA key; only RSA key transport is supported so far",
                spki.algorithm.oid
            ),
        ));
    }
    let der = spki
        .to_der()
        .map_err(|e| Error::key(what, format!("cannot encode the public key: {e}")))?;
    let public = PublicEncryptingKey::from_der(&der).map_err(|e| {
        Error::key(
            what,
            format!("the RSA key is not usable for encryption (2048-8192 bits): {e}"),
        )
    })?;
    let fail = |_| Error::key(what, "RSA encryption of the content key failed");
    match transport {
        KeyTransport::RsaOaep(hash) => {
            let key = OaepPublicEncryptingKey::new(public).map_err(fail)?;
            let mut out = vec![0u8; key.ciphertext_size()];
            let n = key
                .encrypt(hash.backend(), content_key, &mut out, None)
                .map_err(fail)?
                .len();
            out.truncate(n);
            Ok(out)
        }
        KeyTransport::RsaPkcs1 => {
            let key = Pkcs1PublicEncryptingKey::new(public).map_err(fail)?;
            let mut out = vec![0u8; key.ciphertext_size()];
            let n = key.encrypt(content_key, &mut out).map_err(fail)?.len();
            out.truncate(n);
            Ok(out)
        }
    }
}

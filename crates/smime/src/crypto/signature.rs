//! Signature schemes and their verification: RSA PKCS#1 v1.5 (RFC 3370 3.2, RFC 8551 2.2),
//! RSASSA-PSS (RFC 4056), ECDSA (RFC 5753 / RFC 5758) and Ed25519 (RFC 8419).

use aws_lc_rs::signature::{self as backend, UnparsedPublicKey, VerificationAlgorithm};
use const_oid::ObjectIdentifier;
use der::asn1::ObjectIdentifier as Oid;
use der::{Any, Decode, Encode};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use super::DigestAlgorithm;
use crate::ber::{encode_tlv, Element, Tag};
use crate::{CryptoPolicy, Error, Result};

pub(crate) const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
const MD2_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.2");
const MD5_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.4");
const SHA1_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.5");
const SHA256_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
const SHA384_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
const SHA512_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
const RSASSA_PSS: Oid = Oid::new_unwrap("1.2.840.113549.1.1.10");
const MGF1: Oid = Oid::new_unwrap("1.2.840.113549.1.1.8");
pub(crate) const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
const ECDSA_SHA1: Oid = Oid::new_unwrap("1.2.840.10045.4.1");
const ECDSA_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
const ECDSA_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");
pub(crate) const P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
pub(crate) const P384: Oid = Oid::new_unwrap("1.3.132.0.34");
pub(crate) const P521: Oid = Oid::new_unwrap("1.3.132.0.35");
pub(crate) const ED25519: Oid = Oid::new_unwrap("1.3.101.112");
const X25519: Oid = Oid::new_unwrap("1.3.101.110");
const DSA: Oid = Oid::new_unwrap("1.2.840.10040.4.1");
const DSA_SHA1: Oid = Oid::new_unwrap("1.2.840.10040.4.3");

/// How a signature is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureScheme {
    /// RSASSA-PKCS1-v1_5 with this digest.
    RsaPkcs1(DigestAlgorithm),
    /// RSASSA-PSS with this digest, MGF1 with the same digest, salt as long as the digest.
    RsaPss(DigestAlgorithm),
    /// ECDSA with this digest, DER-encoded signature.
    Ecdsa(DigestAlgorithm),
    /// Pure Ed25519 (RFC 8032), SHA-512 as the CMS digest (RFC 8419 3.1).
    Ed25519,
}

fn refused_md(oid: Oid) -> Error {
    let name = if oid == MD5_RSA {
        "MD5 with RSA"
    } else {
        "MD2 with RSA"
    };
    Error::Refused {
        what: format!("signature algorithm {name}"),
        reason: "broken, never accepted".into(),
    }
}

impl SignatureScheme {
    /// The digest the content is hashed with (for Ed25519, SHA-512 per RFC 8419 3.1).
    pub fn digest(&self) -> DigestAlgorithm {
        match self {
            SignatureScheme::RsaPkcs1(d)
            | SignatureScheme::RsaPss(d)
            | SignatureScheme::Ecdsa(d) => *d,
            SignatureScheme::Ed25519 => DigestAlgorithm::Sha512,
        }
    }

    /// A readable name.
    pub fn name(&self) -> String {
        match self {
            SignatureScheme::RsaPkcs1(d) => format!("RSA PKCS#1 v1.5 with {}", d.name()),
            SignatureScheme::RsaPss(d) => format!("RSA-PSS with {}", d.name()),
            SignatureScheme::Ecdsa(d) => format!("ECDSA with {}", d.name()),
            SignatureScheme::Ed25519 => "Ed25519".into(),
        }
    }

    /// The AlgorithmIdentifier for SignerInfo.signatureAlgorithm: rsaEncryption with NULL
    /// parameters (RFC 3370 3.2), id-RSASSA-PSS with its parameters (RFC 4056 2),
    /// ecdsa-with-SHAx without parameters (RFC 5758 3.2), id-Ed25519 (RFC 8419 2.3).
    pub fn signer_info_algorithm(&self) -> AlgorithmIdentifierOwned {
        match self {
            SignatureScheme::RsaPkcs1(_) => AlgorithmIdentifierOwned {
                oid: RSA_ENCRYPTION,
                parameters: Some(Any::null()),
            },
            SignatureScheme::RsaPss(d) => AlgorithmIdentifierOwned {
                oid: RSASSA_PSS,
                parameters: Some(pss_parameters(*d)),
            },
            SignatureScheme::Ecdsa(d) => AlgorithmIdentifierOwned {
                oid: match d {
                    DigestAlgorithm::Sha1 => ECDSA_SHA1,
                    DigestAlgorithm::Sha256 => ECDSA_SHA256,
                    DigestAlgorithm::Sha384 => ECDSA_SHA384,
                    DigestAlgorithm::Sha512 => ECDSA_SHA512,
                },
                parameters: None,
            },
            SignatureScheme::Ed25519 => AlgorithmIdentifierOwned {
                oid: ED25519,
                parameters: None,
            },
        }
    }

    /// The scheme of a SignerInfo from its digestAlgorithm and signatureAlgorithm.
    pub fn from_signer_info(
        digest_alg: &AlgorithmIdentifierOwned,
        sig_alg: &AlgorithmIdentifierOwned,
        policy: &CryptoPolicy,
    ) -> Result<Self> {
        if sig_alg.oid == MD5_RSA || sig_alg.oid == MD2_RSA {
            return Err(refused_md(sig_alg.oid));
        }
        if sig_alg.oid == ED25519 {
            // RFC 8419 3.1: SHA-512 is the digest for the message-digest attribute.
            DigestAlgorithm::from_oid(digest_alg.oid, policy)?;
            return Ok(SignatureScheme::Ed25519);
        }
        if sig_alg.oid == DSA || sig_alg.oid == DSA_SHA1 {
            return Err(Error::UnsupportedAlgorithm {
                oid: "DSA".into(),
                context: "signature",
            });
        }
        let digest = DigestAlgorithm::from_oid(digest_alg.oid, policy)?;
        let scheme = match sig_alg.oid {
            RSA_ENCRYPTION => SignatureScheme::RsaPkcs1(digest),
            SHA1_RSA | SHA256_RSA | SHA384_RSA | SHA512_RSA => {
                let named = Self::from_certificate_algorithm(sig_alg, policy)?;
                if named.digest() != digest {
                    return Err(Error::Refused {
                        what: "SignerInfo".into(),
                        reason: "the signature algorithm names another digest than digestAlgorithm"
                            .into(),
                    });
                }
                named
            }
            RSASSA_PSS => SignatureScheme::RsaPss(pss_digest(sig_alg, policy)?),
            EC_PUBLIC_KEY => SignatureScheme::Ecdsa(digest),
            ECDSA_SHA1 | ECDSA_SHA256 | ECDSA_SHA384 | ECDSA_SHA512 => {
                Self::from_certificate_algorithm(sig_alg, policy)?
            }
            other => {
                return Err(Error::UnsupportedAlgorithm {
                    oid: other.to_string(),
                    context: "signature",
                })
            }
        };
        scheme.digest().check(policy)?;
        Ok(scheme)
    }

    /// The scheme of a certificate's or CRL's signatureAlgorithm.
    pub fn from_certificate_algorithm(
        alg: &AlgorithmIdentifierOwned,
        policy: &CryptoPolicy,
    ) -> Result<Self> {
        let scheme = match alg.oid {
            SHA1_RSA => SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha1),
            SHA256_RSA => SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha256),
            SHA384_RSA => SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha384),
            SHA512_RSA => SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha512),
            RSASSA_PSS => SignatureScheme::RsaPss(pss_digest(alg, policy)?),
            ECDSA_SHA1 => SignatureScheme::Ecdsa(DigestAlgorithm::Sha1),
            ECDSA_SHA256 => SignatureScheme::Ecdsa(DigestAlgorithm::Sha256),
            ECDSA_SHA384 => SignatureScheme::Ecdsa(DigestAlgorithm::Sha384),
            ECDSA_SHA512 => SignatureScheme::Ecdsa(DigestAlgorithm::Sha512),
            ED25519 => SignatureScheme::Ed25519,
            MD5_RSA | MD2_RSA => return Err(refused_md(alg.oid)),
            DSA_SHA1 => {
                return Err(Error::UnsupportedAlgorithm {
                    oid: "DSA with SHA-1".into(),
                    context: "signature",
                })
            }
            other => {
                return Err(Error::UnsupportedAlgorithm {
                    oid: other.to_string(),
                    context: "signature",
                })
            }
        };
        scheme.digest().check(policy)?;
        Ok(scheme)
    }
}

/// RSASSA-PSS-params (RFC 4055 3.1): hash, MGF1 with the same hash, salt = hash length.
fn pss_parameters(d: DigestAlgorithm) -> Any {
    let hash = d.algorithm_identifier().to_der().unwrap_or_default();
    let mut mgf = MGF1.to_der().unwrap_or_default();
    mgf.extend_from_slice(&hash);
    let mut content = encode_tlv(Tag::context(0, true), &hash);
    content.extend(encode_tlv(
        Tag::context(1, true),
        &encode_tlv(Tag::SEQUENCE, &mgf),
    ));
    content.extend(encode_tlv(
        Tag::context(2, true),
        &encode_tlv(Tag::INTEGER, &[d.output_len() as u8]),
    ));
    let der = encode_tlv(Tag::SEQUENCE, &content);
    Any::from_der(&der).unwrap_or_else(|_| Any::null())
}

/// The digest of RSASSA-PSS parameters. The MGF must be MGF1 with the same digest and the
/// salt as long as the digest (the only form our backend verifies; what RFC 8551 producers write).
fn pss_digest(alg: &AlgorithmIdentifierOwned, policy: &CryptoPolicy) -> Result<DigestAlgorithm> {
    let unsupported = |why: &str| Error::UnsupportedAlgorithm {
        oid: format!("RSASSA-PSS ({why})"),
        context: "signature",
    };
    let params = alg
        .parameters
        .as_ref()
        .ok_or_else(|| unsupported("parameters absent: SHA-1 defaults"))?;
    let der = params.to_der().map_err(|_| unsupported("bad parameters"))?;
    let seq = Element::read_all(&der, "RSASSA-PSS-params")?;
    let mut hash = None;
    let mut mgf_hash = None;
    let mut salt: i64 = 20;
    for field in seq.children(&der, "RSASSA-PSS-params")? {
        let inner = field.children(&der, "RSASSA-PSS-params")?;
        let Some(value) = inner.first() else { continue };
        match field.tag {
            t if t == Tag::context(0, true) => {
                let a = AlgorithmIdentifierOwned::from_der(value.bytes(&der))
                    .map_err(|_| unsupported("bad hash"))?;
                hash = Some(DigestAlgorithm::from_oid(a.oid, policy)?);
            }
            t if t == Tag::context(1, true) => {
                let a = AlgorithmIdentifierOwned::from_der(value.bytes(&der))
                    .map_err(|_| unsupported("bad MGF"))?;
                if a.oid != MGF1 {
                    return Err(unsupported("MGF other than MGF1"));
                }
                let p = a
                    .parameters
                    .ok_or_else(|| unsupported("MGF1 without hash"))?;
                let p = p
                    .decode_as::<AlgorithmIdentifierOwned>()
                    .map_err(|_| unsupported("bad MGF1 hash"))?;
                mgf_hash = Some(DigestAlgorithm::from_oid(p.oid, policy)?);
            }
            t if t == Tag::context(2, true) => {
                salt = value.small_integer(&der, "RSASSA-PSS-params")?
            }
            _ => {}
        }
    }
    let hash = match hash {
        Some(h) => h,
        None => DigestAlgorithm::from_oid(ObjectIdentifier::new_unwrap("1.3.14.3.2.26"), policy)?,
    };
    if mgf_hash.unwrap_or(DigestAlgorithm::Sha1) != hash {
        return Err(unsupported("MGF1 hash differs from the message hash"));
    }
    if salt != hash.output_len() as i64 {
        return Err(unsupported("salt length differs from the hash length"));
    }
    Ok(hash)
}

/// Bits of an RSA modulus, from the RSAPublicKey in an SPKI (RFC 8017 A.1.1).
fn rsa_modulus_bits(key: &[u8]) -> Result<usize> {
    let seq = Element::read_all(key, "RSA public key")?;
    let n = seq
        .children(key, "RSA public key")?
        .into_iter()
        .next()
        .ok_or_else(|| Error::asn1("RSA public key", 0, "no modulus"))?;
    let bytes = n.content(key);
    let bytes = &bytes[bytes.iter().take_while(|&&b| b == 0).count()..];
    Ok(match bytes.first() {
        Some(first) => bytes.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    })
}

fn curve(spki: &SubjectPublicKeyInfoOwned) -> Option<Oid> {
    spki.algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<Oid>().ok())
}

/// A short description of a public key: `RSA 2048`, `EC P-256`, `Ed25519`, `X25519`.
pub fn public_key_description(spki: &SubjectPublicKeyInfoOwned) -> String {
    match spki.algorithm.oid {
        RSA_ENCRYPTION | RSASSA_PSS => {
            match rsa_modulus_bits(spki.subject_public_key.raw_bytes()) {
                Ok(bits) => format!("RSA {bits}"),
                Err(_) => "RSA (malformed)".into(),
            }
        }
        EC_PUBLIC_KEY => match curve(spki) {
            Some(P256) => "EC P-256".into(),
            Some(P384) => "EC P-384".into(),
            Some(P521) => "EC P-521".into(),
            Some(other) => format!("EC {other}"),
            None => "EC (unknown curve)".into(),
        },
        ED25519 => "Ed25519".into(),
        X25519 => "X25519".into(),
        DSA => "DSA".into(),
        other => other.to_string(),
    }
}

/// The backend algorithm for a key and scheme, after the policy checks on the key.
fn algorithm_for(
    spki: &SubjectPublicKeyInfoOwned,
    scheme: &SignatureScheme,
    policy: &CryptoPolicy,
) -> Result<&'static dyn VerificationAlgorithm> {
    scheme.digest().check(policy)?;
    let key = spki.subject_public_key.raw_bytes();
    let mismatch = || {
        Error::key(
            "signer key",
            format!(
                "a {} key cannot make a {} signature",
                public_key_description(spki),
                scheme.name()
            ),
        )
    };
    match scheme {
        SignatureScheme::RsaPkcs1(d) | SignatureScheme::RsaPss(d) => {
            if spki.algorithm.oid != RSA_ENCRYPTION && spki.algorithm.oid != RSASSA_PSS {
                return Err(mismatch());
            }
            let bits = rsa_modulus_bits(key)?;
            if bits < policy.min_rsa_bits() {
                return Err(Error::Refused {
                    what: format!("RSA key of {bits} bits"),
                    reason: if policy.legacy_allowed() {
                        format!("shorter than {} bits", policy.min_rsa_bits())
                    } else {
                        "shorter than 2048 bits; accept it for old mail with --allow-legacy".into()
                    },
                });
            }
            if bits > 8192 {
                return Err(Error::Refused {
                    what: format!("RSA key of {bits} bits"),
                    reason: "longer than 8192 bits".into(),
                });
            }
            let short = bits < 2048;
            Ok(match (scheme, d, short) {
                (SignatureScheme::RsaPkcs1(_), DigestAlgorithm::Sha1, _) => {
                    &backend::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY
                }
                (SignatureScheme::RsaPkcs1(_), DigestAlgorithm::Sha256, true) => {
                    &backend::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY
                }
                (SignatureScheme::RsaPkcs1(_), DigestAlgorithm::Sha512, true) => {
                    &backend::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY
                }
                (SignatureScheme::RsaPkcs1(_), DigestAlgorithm::Sha256, false) => {
                    &backend::RSA_PKCS1_2048_8192_SHA256
                }
                (SignatureScheme::RsaPkcs1(_), DigestAlgorithm::Sha384, false) => {
                    &backend::RSA_PKCS1_2048_8192_SHA384
                }
                (SignatureScheme::RsaPkcs1(_), DigestAlgorithm::Sha512, false) => {
                    &backend::RSA_PKCS1_2048_8192_SHA512
                }
                (SignatureScheme::RsaPss(_), DigestAlgorithm::Sha256, false) => {
                    &backend::RSA_PSS_2048_8192_SHA256
                }
                (SignatureScheme::RsaPss(_), DigestAlgorithm::Sha384, false) => {
                    &backend::RSA_PSS_2048_8192_SHA384
                }
                (SignatureScheme::RsaPss(_), DigestAlgorithm::Sha512, false) => {
                    &backend::RSA_PSS_2048_8192_SHA512
                }
                _ => {
                    return Err(Error::UnsupportedAlgorithm {
                        oid: format!("{} with a {bits}-bit key", scheme.name()),
                        context: "signature",
                    })
                }
            })
        }
        SignatureScheme::Ecdsa(d) => {
            if spki.algorithm.oid != EC_PUBLIC_KEY {
                return Err(mismatch());
            }
            Ok(match (curve(spki), d) {
                (Some(P256), DigestAlgorithm::Sha1) => &backend::ECDSA_P256_SHA1_ASN1,
                (Some(P256), DigestAlgorithm::Sha256) => &backend::ECDSA_P256_SHA256_ASN1,
                (Some(P256), DigestAlgorithm::Sha384) => &backend::ECDSA_P256_SHA384_ASN1,
                (Some(P256), DigestAlgorithm::Sha512) => &backend::ECDSA_P256_SHA512_ASN1,
                (Some(P384), DigestAlgorithm::Sha256) => &backend::ECDSA_P384_SHA256_ASN1,
                (Some(P384), DigestAlgorithm::Sha384) => &backend::ECDSA_P384_SHA384_ASN1,
                (Some(P384), DigestAlgorithm::Sha512) => &backend::ECDSA_P384_SHA512_ASN1,
                (Some(P521), DigestAlgorithm::Sha1) => &backend::ECDSA_P521_SHA1_ASN1,
                (Some(P521), DigestAlgorithm::Sha256) => &backend::ECDSA_P521_SHA256_ASN1,
                (Some(P521), DigestAlgorithm::Sha384) => &backend::ECDSA_P521_SHA384_ASN1,
                (Some(P521), DigestAlgorithm::Sha512) => &backend::ECDSA_P521_SHA512_ASN1,
                _ => {
                    return Err(Error::UnsupportedAlgorithm {
                        oid: format!("{} on {}", scheme.name(), public_key_description(spki)),
                        context: "signature",
                    })
                }
            })
        }
        SignatureScheme::Ed25519 => {
            if spki.algorithm.oid != ED25519 {
                return Err(mismatch());
            }
            Ok(&backend::ED25519)
        }
    }
}

/// Verify `signature` over `message` with the key in `spki`. `Ok(false)`: the signature
/// does not verify; `Err`: the key or algorithm is unsupported or refused by policy.
pub fn verify_signature(
    spki: &SubjectPublicKeyInfoOwned,
    scheme: &SignatureScheme,
    message: &[u8],
    signature: &[u8],
    policy: &CryptoPolicy,
) -> Result<bool> {
    let alg = algorithm_for(spki, scheme, policy)?;
    Ok(
        UnparsedPublicKey::new(alg, spki.subject_public_key.raw_bytes())
            .verify(message, signature)
            .is_ok(),
    )
}

/// Verify a signature made directly over content whose digest is `digest` (SignerInfos
/// without signed attributes, RFC 5652 5.4). Not possible for pure Ed25519.
pub fn verify_prehashed(
    spki: &SubjectPublicKeyInfoOwned,
    scheme: &SignatureScheme,
    digest: &[u8],
    signature: &[u8],
    policy: &CryptoPolicy,
) -> Result<bool> {
    if *scheme == SignatureScheme::Ed25519 {
        return Err(Error::UnsupportedAlgorithm {
            oid: "Ed25519 without signed attributes over content too large to hold".into(),
            context: "signature",
        });
    }
    let alg = algorithm_for(spki, scheme, policy)?;
    let digest = aws_lc_rs::digest::Digest::import_less_safe(digest, scheme.digest().backend())
        .map_err(|_| Error::Unexpected("digest of the wrong length".into()))?;
    Ok(
        UnparsedPublicKey::new(alg, spki.subject_public_key.raw_bytes())
            .verify_digest(&digest, signature)
            .is_ok(),
    )
}

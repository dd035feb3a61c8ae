//! Signature schemes and their verification: RSA PKCS#1 v1.5 (RFC 3370 3.2, RFC 8551 2.2),
//! RSASSA-PSS (RFC 4056), ECDSA (RFC 5753 / RFC 5758) and Ed25519 (RFC 8419).

use aws_lc_rs::signature::{
    self as backend, RsaParameters, RsaPssSaltLength, VerificationAlgorithm,
};
use const_oid::ObjectIdentifier;
use der::asn1::ObjectIdentifier as Oid;
use der::{Any, Decode, Encode};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use super::DigestAlgorithm;
use crate::ber::{encode_tlv, Element, Tag};
use crate::{CryptoPolicy, Error, Result};

pub(crate) const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
const MD2_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.2");
const MD4_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.3");
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
    /// RSASSA-PSS with this digest, MGF1 with the same digest, salt as long as the digest
    /// (RFC 4056 3, RFC 8551 2.2).
    RsaPss(DigestAlgorithm),
    /// RSASSA-PSS with this digest and MGF1 with the same digest, but a salt length other
    /// than the digest length, as found in received RSASSA-PSS-params (RFC 4055 3.1). Only
    /// verified, never produced.
    RsaPssWithSaltLength {
        /// The message digest (and MGF1 digest).
        digest: DigestAlgorithm,
        /// The salt length in bytes.
        salt_length: u16,
    },
    /// ECDSA with this digest, DER-encoded signature.
    Ecdsa(DigestAlgorithm),
    /// Pure Ed25519 (RFC 8032), SHA-512 as the CMS digest (RFC 8419 3.1).
    Ed25519,
}

fn refused_md(oid: Oid) -> Error {
    let name = match oid {
        MD5_RSA => "MD5 with RSA",
        MD4_RSA => "MD4 with RSA",
        _ => "MD2 with RSA",
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
            | SignatureScheme::Ecdsa(d)
            | SignatureScheme::RsaPssWithSaltLength { digest: d, .. } => *d,
            SignatureScheme::Ed25519 => DigestAlgorithm::Sha512,
        }
    }

    /// A readable name.
    pub fn name(&self) -> String {
        match self {
            SignatureScheme::RsaPkcs1(d) => format!("RSA PKCS#1 v1.5 with {}", d.name()),
            SignatureScheme::RsaPss(d) => format!("RSA-PSS with {}", d.name()),
            SignatureScheme::RsaPssWithSaltLength {
                digest,
                salt_length,
            } => format!(
                "RSA-PSS with {} and a {salt_length}-byte salt",
                digest.name()
            ),
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
                parameters: Some(pss_parameters(*d, d.output_len() as u16)),
            },
            SignatureScheme::RsaPssWithSaltLength {
                digest,
                salt_length,
            } => AlgorithmIdentifierOwned {
                oid: RSASSA_PSS,
                parameters: Some(pss_parameters(*digest, *salt_length)),
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

    /// The scheme of a SignerInfo from its digestAlgorithm and signatureAlgorithm (RFC 5652
    /// 5.3): rsaEncryption or sha*WithRSAEncryption (RFC 3370 3.2, RFC 5754 3.2),
    /// id-RSASSA-PSS with its parameters (RFC 4056 3), ecdsa-with-SHA* or id-ecPublicKey
    /// (RFC 5753 7.1.3, RFC 5758 3.2), id-Ed25519 (RFC 8419 3.1). SHA-1 only with legacy
    /// allowed; MD2/MD4/MD5 always refused; anything else is unsupported.
    pub fn from_signer_info(
        digest_alg: &AlgorithmIdentifierOwned,
        sig_alg: &AlgorithmIdentifierOwned,
        policy: &CryptoPolicy,
    ) -> Result<Self> {
        if sig_alg.oid == MD5_RSA || sig_alg.oid == MD4_RSA || sig_alg.oid == MD2_RSA {
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
            // RFC 3370 3.2 / RFC 8551: rsaEncryption, the digest from digestAlgorithm.
            RSA_ENCRYPTION => SignatureScheme::RsaPkcs1(digest),
            // RFC 5480 / RFC 5753 7.1.3 producers sometimes name the key type only.
            EC_PUBLIC_KEY => SignatureScheme::Ecdsa(digest),
            // Algorithms that name their own hash must agree with digestAlgorithm
            // (RFC 4056 3 for RSASSA-PSS; RFC 5754 3.2 and RFC 5758 3.2 for the others).
            SHA1_RSA | SHA256_RSA | SHA384_RSA | SHA512_RSA | RSASSA_PSS | ECDSA_SHA1
            | ECDSA_SHA256 | ECDSA_SHA384 | ECDSA_SHA512 => {
                let named = Self::from_certificate_algorithm(sig_alg, policy)?;
                if named.digest() != digest {
                    return Err(Error::Refused {
                        what: "SignerInfo".into(),
                        reason: format!(
                            "the signature algorithm {} names another digest than digestAlgorithm {}",
                            named.name(),
                            digest.name()
                        ),
                    });
                }
                named
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

    /// The scheme of a certificate's or CRL's signatureAlgorithm (RFC 5280 4.1.1.2):
    /// sha*WithRSAEncryption (RFC 4055 5), id-RSASSA-PSS (RFC 4055 3), ecdsa-with-SHA*
    /// (RFC 5758 3.2), id-Ed25519 (RFC 8410 3). SHA-1 only with legacy allowed.
    pub fn from_certificate_algorithm(
        alg: &AlgorithmIdentifierOwned,
        policy: &CryptoPolicy,
    ) -> Result<Self> {
        let scheme = match alg.oid {
            SHA1_RSA => SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha1),
            SHA256_RSA => SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha256),
            SHA384_RSA => SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha384),
            SHA512_RSA => SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha512),
            RSASSA_PSS => pss_scheme(alg, policy)?,
            ECDSA_SHA1 => SignatureScheme::Ecdsa(DigestAlgorithm::Sha1),
            ECDSA_SHA256 => SignatureScheme::Ecdsa(DigestAlgorithm::Sha256),
            ECDSA_SHA384 => SignatureScheme::Ecdsa(DigestAlgorithm::Sha384),
            ECDSA_SHA512 => SignatureScheme::Ecdsa(DigestAlgorithm::Sha512),
            ED25519 => SignatureScheme::Ed25519,
            MD5_RSA | MD4_RSA | MD2_RSA => return Err(refused_md(alg.oid)),
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

/// A non-negative INTEGER's content octets (X.690 8.3), for salt lengths.
fn unsigned_integer_content(value: u16) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let mut content: Vec<u8> = bytes
        .iter()
        .copied()
        .skip_while(|&b| b == 0)
        .collect::<Vec<u8>>();
    if content.first().is_none_or(|&b| b & 0x80 != 0) {
        content.insert(0, 0);
    }
    content
}

/// RSASSA-PSS-params (RFC 4055 3.1, as profiled for CMS by RFC 4056 3): the hash, MGF1 with
/// the same hash, the salt length; trailerField left at its default.
fn pss_parameters(d: DigestAlgorithm, salt_length: u16) -> Any {
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
        &encode_tlv(Tag::INTEGER, &unsigned_integer_content(salt_length)),
    ));
    let der = encode_tlv(Tag::SEQUENCE, &content);
    Any::from_der(&der).unwrap_or_else(|_| Any::null())
}

/// The scheme named by RSASSA-PSS-params (RFC 4055 3.1). The MGF must be MGF1 with the
/// same hash as the message (RFC 4056 3 requires it; our backend offers nothing else) and
/// the trailer field 1; any salt length is accepted as given.
fn pss_scheme(alg: &AlgorithmIdentifierOwned, policy: &CryptoPolicy) -> Result<SignatureScheme> {
    const WHAT: &str = "RSASSA-PSS-params";
    let unsupported = |why: &str| Error::UnsupportedAlgorithm {
        oid: format!("RSASSA-PSS ({why})"),
        context: "signature",
    };
    let params = alg
        .parameters
        .as_ref()
        .ok_or_else(|| unsupported("parameters absent: SHA-1 defaults"))?;
    let der = params.to_der().map_err(|_| unsupported("bad parameters"))?;
    let seq = Element::read_all(&der, WHAT)?;
    seq.expect(Tag::SEQUENCE, WHAT)?;
    let mut hash = None;
    let mut mgf_hash = None;
    // RFC 4055 3.1 defaults: SHA-1, MGF1 with SHA-1, 20 bytes of salt, trailer 1.
    let mut salt: i64 = 20;
    for field in seq.children(&der, WHAT)? {
        let inner = field.children(&der, WHAT)?;
        let [value] = inner.as_slice() else {
            return Err(unsupported("a field does not hold exactly one value"));
        };
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
            t if t == Tag::context(2, true) => salt = value.small_integer(&der, WHAT)?,
            t if t == Tag::context(3, true) => {
                if value.small_integer(&der, WHAT)? != 1 {
                    return Err(unsupported("trailer field other than 1"));
                }
            }
            _ => return Err(unsupported("unknown field")),
        }
    }
    let hash = match hash {
        Some(h) => h,
        None => DigestAlgorithm::from_oid(ObjectIdentifier::new_unwrap("1.3.14.3.2.26"), policy)?,
    };
    let mgf_hash = match mgf_hash {
        Some(h) => h,
        None => DigestAlgorithm::from_oid(ObjectIdentifier::new_unwrap("1.3.14.3.2.26"), policy)?,
    };
    if mgf_hash != hash {
        return Err(unsupported("MGF1 hash differs from the message hash"));
    }
    let salt_length = u16::try_from(salt).map_err(|_| unsupported("salt length out of range"))?;
    Ok(if usize::from(salt_length) == hash.output_len() {
        SignatureScheme::RsaPss(hash)
    } else {
        SignatureScheme::RsaPssWithSaltLength {
            digest: hash,
            salt_length,
        }
    })
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

/// The backend verifier for a key and scheme: one of the backend's fixed algorithms, or RSA
/// parameters made for a received PSS salt length.
enum Verifier {
    Fixed(&'static dyn VerificationAlgorithm),
    Rsa(RsaParameters),
}

impl Verifier {
    fn algorithm(&self) -> &dyn VerificationAlgorithm {
        match self {
            Verifier::Fixed(alg) => *alg,
            Verifier::Rsa(params) => params,
        }
    }
}

/// The backend verifier for a key and scheme, after the policy checks on the key.
fn verifier_for(
    spki: &SubjectPublicKeyInfoOwned,
    scheme: &SignatureScheme,
    policy: &CryptoPolicy,
) -> Result<Verifier> {
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
        SignatureScheme::RsaPkcs1(d)
        | SignatureScheme::RsaPss(d)
        | SignatureScheme::RsaPssWithSaltLength { digest: d, .. } => {
            let pkcs1 = matches!(scheme, SignatureScheme::RsaPkcs1(_));
            match spki.algorithm.oid {
                RSA_ENCRYPTION => {}
                // An id-RSASSA-PSS key may only make PSS signatures (RFC 4055 1.2).
                RSASSA_PSS if !pkcs1 => {}
                _ => return Err(mismatch()),
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
            // Keys under 2048 bits only get here when the policy allows legacy.
            let short = bits < 2048;
            let unsupported = || Error::UnsupportedAlgorithm {
                oid: format!("{} with a {bits}-bit key", scheme.name()),
                context: "signature",
            };
            if pkcs1 {
                return Ok(Verifier::Fixed(match (d, short) {
                    (DigestAlgorithm::Sha1, _) => {
                        &backend::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY
                    }
                    (DigestAlgorithm::Sha256, true) => {
                        &backend::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY
                    }
                    (DigestAlgorithm::Sha512, true) => {
                        &backend::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY
                    }
                    (DigestAlgorithm::Sha384, true) => return Err(unsupported()),
                    (DigestAlgorithm::Sha256, false) => &backend::RSA_PKCS1_2048_8192_SHA256,
                    (DigestAlgorithm::Sha384, false) => &backend::RSA_PKCS1_2048_8192_SHA384,
                    (DigestAlgorithm::Sha512, false) => &backend::RSA_PKCS1_2048_8192_SHA512,
                }));
            }
            let params = match (d, short) {
                (DigestAlgorithm::Sha256, false) => backend::RSA_PSS_2048_8192_SHA256,
                (DigestAlgorithm::Sha384, false) => backend::RSA_PSS_2048_8192_SHA384,
                (DigestAlgorithm::Sha512, false) => backend::RSA_PSS_2048_8192_SHA512,
                _ => return Err(unsupported()),
            };
            Ok(Verifier::Rsa(match scheme {
                SignatureScheme::RsaPssWithSaltLength { salt_length, .. } => {
                    params.with_pss_salt_length(RsaPssSaltLength::Custom(*salt_length))
                }
                _ => params,
            }))
        }
        SignatureScheme::Ecdsa(d) => {
            if spki.algorithm.oid != EC_PUBLIC_KEY {
                return Err(mismatch());
            }
            Ok(Verifier::Fixed(match (curve(spki), d) {
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
            }))
        }
        SignatureScheme::Ed25519 => {
            if spki.algorithm.oid != ED25519 {
                return Err(mismatch());
            }
            Ok(Verifier::Fixed(&backend::ED25519))
        }
    }
}

/// Verify `signature` over `message` with the key in `spki`; the scheme hashes `message`
/// itself (pure EdDSA for Ed25519, RFC 8419 3.1). RSA moduli must have between
/// [`CryptoPolicy::min_rsa_bits`] and 8192 bits; EC keys must be on P-256, P-384 or P-521
/// (RFC 5480 2.1.1.1), and ECDSA signatures are DER `ECDSA-Sig-Value` (RFC 5753 7.2), with
/// any SHA-2 hash on any curve. `Ok(false)`: the signature does not verify; `Err`: the key
/// or algorithm is unsupported or refused by policy.
pub fn verify_signature(
    spki: &SubjectPublicKeyInfoOwned,
    scheme: &SignatureScheme,
    message: &[u8],
    signature: &[u8],
    policy: &CryptoPolicy,
) -> Result<bool> {
    let verifier = verifier_for(spki, scheme, policy)?;
    Ok(verifier
        .algorithm()
        .verify_sig(spki.subject_public_key.raw_bytes(), message, signature)
        .is_ok())
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
    let verifier = verifier_for(spki, scheme, policy)?;
    let digest = aws_lc_rs::digest::Digest::import_less_safe(digest, scheme.digest().backend())
        .map_err(|_| Error::Unexpected("digest of the wrong length".into()))?;
    Ok(verifier
        .algorithm()
        .verify_digest_sig(spki.subject_public_key.raw_bytes(), &digest, signature)
        .is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_pki::Pki;
    use crate::crypto::PrivateKey;

    const MESSAGE: &[u8] = b"Content-Type: text/plain\r\n\r\nHello, world\r\n";

    fn strict() -> CryptoPolicy {
        CryptoPolicy::strict()
    }

    fn legacy() -> CryptoPolicy {
        CryptoPolicy::strict().allow_legacy()
    }

    fn alg(oid: &str, parameters: Option<Any>) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: Oid::new_unwrap(oid),
            parameters,
        }
    }

    /// Sign with our key, verify with the key openssl derives, and check that a changed
    /// message and a changed signature are `Ok(false)`.
    fn round_trip(pki: &Pki, name: &str, key: &PrivateKey, scheme: SignatureScheme) {
        let spki = pki.spki(name);
        assert_eq!(key.public_key_spki(), spki, "{name}: public key");
        let signature = key.sign(&scheme, MESSAGE).unwrap();
        let verify = |message: &[u8], signature: &[u8]| {
            verify_signature(&spki, &scheme, message, signature, &strict())
        };
        assert!(
            matches!(verify(MESSAGE, &signature), Ok(true)),
            "{name} {}",
            scheme.name()
        );
        assert!(matches!(verify(b"Hello, world", &signature), Ok(false)));
        let mut changed = signature.clone();
        let last = changed.len() - 1;
        changed[last] ^= 1;
        assert!(matches!(verify(MESSAGE, &changed), Ok(false)));
        // The scheme survives the trip through SignerInfo.signatureAlgorithm.
        let back = SignatureScheme::from_signer_info(
            &scheme.digest().algorithm_identifier(),
            &scheme.signer_info_algorithm(),
            &strict(),
        )
        .unwrap();
        assert_eq!(back, scheme);
    }

    #[test]
    fn sign_verify_rsa2048_every_scheme_valid_and_tampered_is_false() {
        let pki = Pki::new();
        pki.key("rsa", "rsa2048");
        let key = pki.private_key("rsa");
        for d in [
            DigestAlgorithm::Sha256,
            DigestAlgorithm::Sha384,
            DigestAlgorithm::Sha512,
        ] {
            round_trip(&pki, "rsa", &key, SignatureScheme::RsaPkcs1(d));
            round_trip(&pki, "rsa", &key, SignatureScheme::RsaPss(d));
        }
    }

    #[test]
    fn sign_verify_rsa_pss_key_valid_and_tampered_is_false() {
        let pki = Pki::new();
        pki.key("pss", "rsa-pss");
        let key = pki.private_key("pss");
        let scheme = key.scheme(DigestAlgorithm::Sha256, false).unwrap();
        assert_eq!(scheme, SignatureScheme::RsaPss(DigestAlgorithm::Sha256));
        round_trip(&pki, "pss", &key, scheme);
        // An id-RSASSA-PSS key makes PSS signatures only (RFC 4055 1.2).
        let pkcs1 = SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha256);
        assert!(key.sign(&pkcs1, MESSAGE).is_err());
        assert!(verify_signature(&pki.spki("pss"), &pkcs1, MESSAGE, &[0; 256], &strict()).is_err());
    }

    #[test]
    fn sign_verify_ec_curves_valid_and_tampered_is_false() {
        let pki = Pki::new();
        for (name, kind, digests) in [
            ("p256", "p256", &[DigestAlgorithm::Sha256][..]),
            ("p384", "p384", &[DigestAlgorithm::Sha384][..]),
            (
                "p521",
                "p521",
                &[
                    DigestAlgorithm::Sha256,
                    DigestAlgorithm::Sha384,
                    DigestAlgorithm::Sha512,
                ][..],
            ),
        ] {
            pki.key(name, kind);
            let key = pki.private_key(name);
            for d in digests {
                let scheme = key.scheme(*d, false).unwrap();
                assert_eq!(scheme, SignatureScheme::Ecdsa(*d));
                round_trip(&pki, name, &key, scheme);
            }
        }
    }

    #[test]
    fn sign_verify_ed25519_valid_and_tampered_is_false() {
        let pki = Pki::new();
        pki.key("ed", "ed25519");
        let key = pki.private_key("ed");
        let scheme = key.scheme(DigestAlgorithm::Sha256, false).unwrap();
        assert_eq!(scheme, SignatureScheme::Ed25519);
        assert_eq!(scheme.digest(), DigestAlgorithm::Sha512);
        round_trip(&pki, "ed", &key, scheme);
    }

    /// openssl signs `msg` with `key` and the extra arguments; we verify.
    fn openssl_signs(pki: &Pki, key: &str, digest: &str, extra: &[&str]) -> Vec<u8> {
        pki.write("msg", MESSAGE);
        let key = format!("{key}.key");
        let mut args = vec!["dgst", digest, "-sign", &key, "-out", "sig"];
        args.extend_from_slice(extra);
        args.push("msg");
        pki.openssl(&args);
        pki.read("sig")
    }

    /// openssl verifies our signature over `msg`.
    fn openssl_verifies(pki: &Pki, key: &str, digest: &str, extra: &[&str], sig: &[u8]) -> bool {
        pki.write("msg", MESSAGE);
        pki.write("oursig", sig);
        let key = format!("{key}.key");
        let mut args = vec!["dgst", digest, "-prverify", &key, "-signature", "oursig"];
        args.extend_from_slice(extra);
        args.push("msg");
        pki.try_openssl(&args)
    }

    #[test]
    fn verify_openssl_rsa_pkcs1_and_pss_signatures_agree_both_ways() {
        let pki = Pki::new();
        pki.key("rsa", "rsa2048");
        let spki = pki.spki("rsa");
        let key = pki.private_key("rsa");
        let pss = ["-sigopt", "rsa_padding_mode:pss"];

        let sig = openssl_signs(&pki, "rsa", "-sha256", &[]);
        let scheme = SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha256);
        assert!(verify_signature(&spki, &scheme, MESSAGE, &sig, &strict()).unwrap());
        let ours = key.sign(&scheme, MESSAGE).unwrap();
        assert!(openssl_verifies(&pki, "rsa", "-sha256", &[], &ours));
        assert!(!openssl_verifies(&pki, "rsa", "-sha384", &[], &ours));

        let sig = openssl_signs(
            &pki,
            "rsa",
            "-sha384",
            &[pss[0], pss[1], "-sigopt", "rsa_pss_saltlen:digest"],
        );
        let scheme = SignatureScheme::RsaPss(DigestAlgorithm::Sha384);
        assert!(verify_signature(&spki, &scheme, MESSAGE, &sig, &strict()).unwrap());
        let ours = key.sign(&scheme, MESSAGE).unwrap();
        assert!(openssl_verifies(&pki, "rsa", "-sha384", &pss, &ours));

        // OpenSSL's own default salt is as long as possible: 256 - 32 - 2 bytes.
        let sig = openssl_signs(
            &pki,
            "rsa",
            "-sha256",
            &[pss[0], pss[1], "-sigopt", "rsa_pss_saltlen:max"],
        );
        let digest_salt = SignatureScheme::RsaPss(DigestAlgorithm::Sha256);
        assert!(!verify_signature(&spki, &digest_salt, MESSAGE, &sig, &strict()).unwrap());
        let max_salt = SignatureScheme::RsaPssWithSaltLength {
            digest: DigestAlgorithm::Sha256,
            salt_length: 222,
        };
        assert!(verify_signature(&spki, &max_salt, MESSAGE, &sig, &strict()).unwrap());
    }

    #[test]
    fn verify_openssl_ecdsa_signatures_agree_both_ways() {
        let pki = Pki::new();
        pki.key("p256", "p256");
        pki.key("p384", "p384");
        for (name, digest, alg) in [
            ("p256", "-sha256", DigestAlgorithm::Sha256),
            // A hash other than the curve's own (RFC 5753 7.1.3 allows it).
            ("p256", "-sha384", DigestAlgorithm::Sha384),
            ("p256", "-sha512", DigestAlgorithm::Sha512),
            ("p384", "-sha384", DigestAlgorithm::Sha384),
            ("p384", "-sha256", DigestAlgorithm::Sha256),
        ] {
            let spki = pki.spki(name);
            let sig = openssl_signs(&pki, name, digest, &[]);
            let scheme = SignatureScheme::Ecdsa(alg);
            assert!(
                verify_signature(&spki, &scheme, MESSAGE, &sig, &strict()).unwrap(),
                "{name} {digest}"
            );
        }
        for name in ["p256", "p384"] {
            let key = pki.private_key(name);
            let scheme = key.scheme(key.default_digest(), false).unwrap();
            let digest = format!("-{}", scheme.digest().micalg().replace('-', ""));
            let ours = key.sign(&scheme, MESSAGE).unwrap();
            assert!(openssl_verifies(&pki, name, &digest, &[], &ours), "{name}");
        }
    }

    #[test]
    fn verify_rsa1024_strict_is_refused_and_legacy_is_valid() {
        let pki = Pki::new();
        pki.key("short", "rsa1024");
        let spki = pki.spki("short");
        let sig = openssl_signs(&pki, "short", "-sha256", &[]);
        let scheme = SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha256);
        match verify_signature(&spki, &scheme, MESSAGE, &sig, &strict()) {
            Err(Error::Refused { what, .. }) => assert_eq!(what, "RSA key of 1024 bits"),
            other => panic!("expected Refused, got {other:?}"),
        }
        assert!(verify_signature(&spki, &scheme, MESSAGE, &sig, &legacy()).unwrap());
        assert!(!verify_signature(&spki, &scheme, b"other", &sig, &legacy()).unwrap());
        assert_eq!(public_key_description(&spki), "RSA 1024");
    }

    #[test]
    fn verify_sha1_strict_is_refused_and_legacy_is_valid() {
        let pki = Pki::new();
        pki.key("rsa", "rsa2048");
        let spki = pki.spki("rsa");
        let sig = openssl_signs(&pki, "rsa", "-sha1", &[]);
        let scheme = SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha1);
        assert!(matches!(
            verify_signature(&spki, &scheme, MESSAGE, &sig, &strict()),
            Err(Error::Refused { .. })
        ));
        assert!(verify_signature(&spki, &scheme, MESSAGE, &sig, &legacy()).unwrap());
    }

    #[test]
    fn verify_key_of_other_type_is_error() {
        let pki = Pki::new();
        pki.key("ed", "ed25519");
        let spki = pki.spki("ed");
        let scheme = SignatureScheme::Ecdsa(DigestAlgorithm::Sha256);
        assert!(matches!(
            verify_signature(&spki, &scheme, MESSAGE, &[0x30, 0], &strict()),
            Err(Error::Key { .. })
        ));
    }

    #[test]
    fn verify_garbage_key_or_signature_is_false_or_error() {
        let pki = Pki::new();
        pki.key("p256", "p256");
        let spki = pki.spki("p256");
        let scheme = SignatureScheme::Ecdsa(DigestAlgorithm::Sha256);
        for sig in [&[][..], &[0x30][..], &[0xff; 200][..]] {
            assert!(!verify_signature(&spki, &scheme, MESSAGE, sig, &strict()).unwrap());
        }
        let mut broken = spki.clone();
        broken.subject_public_key = der::asn1::BitString::from_bytes(&[4, 1, 2, 3]).unwrap();
        assert!(!verify_signature(&broken, &scheme, MESSAGE, &[0x30, 0], &strict()).unwrap());
        let mut rsa = broken.clone();
        rsa.algorithm = alg("1.2.840.113549.1.1.1", Some(Any::null()));
        let pkcs1 = SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha256);
        assert!(verify_signature(&rsa, &pkcs1, MESSAGE, &[0; 256], &strict()).is_err());
    }

    #[test]
    fn public_key_description_each_type_is_named() {
        let pki = Pki::new();
        for (kind, expected) in [
            ("rsa2048", "RSA 2048"),
            ("rsa-pss", "RSA 2048"),
            ("p256", "EC P-256"),
            ("p384", "EC P-384"),
            ("p521", "EC P-521"),
            ("ed25519", "Ed25519"),
        ] {
            pki.key(kind, kind);
            assert_eq!(public_key_description(&pki.spki(kind)), expected);
        }
        pki.openssl(&["genpkey", "-algorithm", "X25519", "-out", "x.key"]);
        assert_eq!(public_key_description(&pki.spki("x")), "X25519");
    }

    #[test]
    fn from_signer_info_rsa_forms_are_pkcs1() {
        let sha256 = DigestAlgorithm::Sha256.algorithm_identifier();
        for oid in ["1.2.840.113549.1.1.1", "1.2.840.113549.1.1.11"] {
            assert_eq!(
                SignatureScheme::from_signer_info(&sha256, &alg(oid, Some(Any::null())), &strict())
                    .unwrap(),
                SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha256)
            );
        }
        let sha384 = DigestAlgorithm::Sha384.algorithm_identifier();
        assert!(matches!(
            SignatureScheme::from_signer_info(
                &sha384,
                &alg("1.2.840.113549.1.1.11", None),
                &strict()
            ),
            Err(Error::Refused { .. })
        ));
    }

    #[test]
    fn from_signer_info_ec_public_key_takes_digest_algorithm() {
        let sha384 = DigestAlgorithm::Sha384.algorithm_identifier();
        assert_eq!(
            SignatureScheme::from_signer_info(&sha384, &alg("1.2.840.10045.2.1", None), &strict())
                .unwrap(),
            SignatureScheme::Ecdsa(DigestAlgorithm::Sha384)
        );
        assert_eq!(
            SignatureScheme::from_signer_info(
                &sha384,
                &alg("1.2.840.10045.4.3.3", None),
                &strict()
            )
            .unwrap(),
            SignatureScheme::Ecdsa(DigestAlgorithm::Sha384)
        );
    }

    #[test]
    fn from_signer_info_legacy_and_broken_digests_follow_policy() {
        let sha1 = alg("1.3.14.3.2.26", None);
        let rsa = alg("1.2.840.113549.1.1.1", Some(Any::null()));
        assert!(matches!(
            SignatureScheme::from_signer_info(&sha1, &rsa, &strict()),
            Err(Error::Refused { .. })
        ));
        assert_eq!(
            SignatureScheme::from_signer_info(&sha1, &rsa, &legacy()).unwrap(),
            SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha1)
        );
        let md5 = alg("1.2.840.113549.2.5", None);
        assert!(matches!(
            SignatureScheme::from_signer_info(&md5, &rsa, &legacy()),
            Err(Error::Refused { .. })
        ));
        let sha256 = DigestAlgorithm::Sha256.algorithm_identifier();
        for md in [
            "1.2.840.113549.1.1.4",
            "1.2.840.113549.1.1.3",
            "1.2.840.113549.1.1.2",
        ] {
            assert!(matches!(
                SignatureScheme::from_signer_info(&sha256, &alg(md, None), &legacy()),
                Err(Error::Refused { .. })
            ));
        }
        assert!(matches!(
            SignatureScheme::from_signer_info(&sha256, &alg("1.2.3.4", None), &legacy()),
            Err(Error::UnsupportedAlgorithm { .. })
        ));
    }

    #[test]
    fn from_signer_info_ed25519_is_ed25519() {
        let sha512 = DigestAlgorithm::Sha512.algorithm_identifier();
        let ed = SignatureScheme::Ed25519.signer_info_algorithm();
        assert_eq!(ed.oid, ED25519);
        assert!(ed.parameters.is_none());
        assert_eq!(
            SignatureScheme::from_signer_info(&sha512, &ed, &strict()).unwrap(),
            SignatureScheme::Ed25519
        );
    }

    fn pss_params(hash: &str, mgf_hash: &str, salt: u16) -> Any {
        let hash = alg(hash, None).to_der().unwrap();
        let mut mgf = MGF1.to_der().unwrap();
        mgf.extend(alg(mgf_hash, None).to_der().unwrap());
        let mut content = encode_tlv(Tag::context(0, true), &hash);
        content.extend(encode_tlv(
            Tag::context(1, true),
            &encode_tlv(Tag::SEQUENCE, &mgf),
        ));
        content.extend(encode_tlv(
            Tag::context(2, true),
            &encode_tlv(Tag::INTEGER, &unsigned_integer_content(salt)),
        ));
        Any::from_der(&encode_tlv(Tag::SEQUENCE, &content)).unwrap()
    }

    #[test]
    fn from_signer_info_pss_params_parsed_and_mismatch_rejected() {
        const SHA256: &str = "2.16.840.1.101.3.4.2.1";
        const SHA384: &str = "2.16.840.1.101.3.4.2.2";
        const PSS: &str = "1.2.840.113549.1.1.10";
        let sha256 = DigestAlgorithm::Sha256.algorithm_identifier();
        let ok = alg(PSS, Some(pss_params(SHA256, SHA256, 32)));
        assert_eq!(
            SignatureScheme::from_signer_info(&sha256, &ok, &strict()).unwrap(),
            SignatureScheme::RsaPss(DigestAlgorithm::Sha256)
        );
        // Our encoding is the same as this independent one.
        assert_eq!(
            SignatureScheme::RsaPss(DigestAlgorithm::Sha256).signer_info_algorithm(),
            ok
        );
        let long_salt = alg(PSS, Some(pss_params(SHA256, SHA256, 222)));
        let scheme = SignatureScheme::from_signer_info(&sha256, &long_salt, &strict()).unwrap();
        assert_eq!(
            scheme,
            SignatureScheme::RsaPssWithSaltLength {
                digest: DigestAlgorithm::Sha256,
                salt_length: 222
            }
        );
        assert_eq!(scheme.signer_info_algorithm(), long_salt);
        let mgf_mismatch = alg(PSS, Some(pss_params(SHA256, SHA384, 32)));
        assert!(matches!(
            SignatureScheme::from_signer_info(&sha256, &mgf_mismatch, &strict()),
            Err(Error::UnsupportedAlgorithm { .. })
        ));
        let sha384 = DigestAlgorithm::Sha384.algorithm_identifier();
        assert!(matches!(
            SignatureScheme::from_signer_info(&sha384, &ok, &strict()),
            Err(Error::Refused { .. })
        ));
        let absent = alg(PSS, None);
        assert!(SignatureScheme::from_signer_info(&sha256, &absent, &legacy()).is_err());
        let garbage = alg(PSS, Some(Any::null()));
        assert!(SignatureScheme::from_signer_info(&sha256, &garbage, &legacy()).is_err());
    }

    #[test]
    fn from_certificate_algorithm_known_oids_map() {
        for (oid, scheme) in [
            (
                "1.2.840.113549.1.1.11",
                SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha256),
            ),
            (
                "1.2.840.113549.1.1.13",
                SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha512),
            ),
            (
                "1.2.840.10045.4.3.3",
                SignatureScheme::Ecdsa(DigestAlgorithm::Sha384),
            ),
            ("1.3.101.112", SignatureScheme::Ed25519),
        ] {
            assert_eq!(
                SignatureScheme::from_certificate_algorithm(&alg(oid, None), &strict()).unwrap(),
                scheme
            );
        }
        let sha1_rsa = alg("1.2.840.113549.1.1.5", Some(Any::null()));
        assert!(SignatureScheme::from_certificate_algorithm(&sha1_rsa, &strict()).is_err());
        assert_eq!(
            SignatureScheme::from_certificate_algorithm(&sha1_rsa, &legacy()).unwrap(),
            SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha1)
        );
    }

    #[test]
    fn scheme_names_are_readable() {
        assert_eq!(
            SignatureScheme::RsaPss(DigestAlgorithm::Sha256).name(),
            "RSA-PSS with SHA-256"
        );
        assert_eq!(
            SignatureScheme::Ecdsa(DigestAlgorithm::Sha384).name(),
            "ECDSA with SHA-384"
        );
        assert_eq!(SignatureScheme::Ed25519.name(), "Ed25519");
        assert_eq!(
            SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha256).name(),
            "RSA PKCS#1 v1.5 with SHA-256"
        );
        let pkcs1 = SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha256).signer_info_algorithm();
        assert_eq!(pkcs1.oid, RSA_ENCRYPTION);
        assert_eq!(pkcs1.parameters, Some(Any::null()));
    }
}

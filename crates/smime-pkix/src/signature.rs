//! Signature schemes and their verification: RSA PKCS#1 v1.5 (RFC 3370 3.2, RFC 8551 2.2),
//! RSASSA-PSS (RFC 4056), ECDSA (RFC 5753 / RFC 5758) and Ed25519 (RFC 8419).

use aws_lc_rs::signature::{
    self as backend, RsaParameters, RsaPssSaltLength, VerificationAlgorithm,
};
use der::asn1::{ObjectIdentifier as Oid, UintRef};
use der::{Any, Decode, Encode, Sequence};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::{CryptoPolicy, DigestAlgorithm, Error, Result};

/// rsaEncryption (RFC 8017 A.1): the RSA key type, and PKCS#1 v1.5 in SignerInfo (RFC 3370 3.2).
pub const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
const MD2_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.2");
const MD4_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.3");
const MD5_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.4");
const SHA1_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.5");
const SHA256_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
const SHA384_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
const SHA512_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
const RSASSA_PSS: Oid = Oid::new_unwrap("1.2.840.113549.1.1.10");
const MGF1: Oid = Oid::new_unwrap("1.2.840.113549.1.1.8");
/// id-ecPublicKey (RFC 5480 2.1.1).
pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
const ECDSA_SHA1: Oid = Oid::new_unwrap("1.2.840.10045.4.1");
const ECDSA_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
const ECDSA_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");
/// secp256r1 (RFC 5480 2.1.1.1).
pub const P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
/// secp384r1 (RFC 5480 2.1.1.1).
pub const P384: Oid = Oid::new_unwrap("1.3.132.0.34");
/// secp521r1 (RFC 5480 2.1.1.1).
pub const P521: Oid = Oid::new_unwrap("1.3.132.0.35");
/// id-Ed25519 (RFC 8410 3).
pub const ED25519: Oid = Oid::new_unwrap("1.3.101.112");
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

/// RSASSA-PSS-params (RFC 4055 3.1). Absent fields take the defaults of RFC 4055 3.1:
/// SHA-1, MGF1 with SHA-1, a 20-byte salt, trailer field 1.
#[derive(Sequence)]
struct RsaPssParameters {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    hash: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    mask_gen: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    salt_length: Option<u32>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    trailer_field: Option<u32>,
}

/// The SHA-1 digest OID, the RFC 4055 3.1 default for the PSS hash and MGF1 hash.
const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");

/// RSASSA-PSS-params (RFC 4055 3.1, as profiled for CMS by RFC 4056 3): the hash, MGF1 with
/// the same hash, the salt length; trailerField left at its default.
fn pss_parameters(d: DigestAlgorithm, salt_length: u16) -> Any {
    let hash = d.algorithm_identifier();
    let params = RsaPssParameters {
        hash: Some(hash.clone()),
        mask_gen: Any::encode_from(&hash)
            .ok()
            .map(|parameters| AlgorithmIdentifierOwned {
                oid: MGF1,
                parameters: Some(parameters),
            }),
        salt_length: Some(u32::from(salt_length)),
        trailer_field: None,
    };
    params
        .to_der()
        .ok()
        .and_then(|der| Any::from_der(&der).ok())
        .unwrap_or_else(Any::null)
}

/// The scheme named by RSASSA-PSS-params (RFC 4055 3.1). The MGF must be MGF1 with the
/// same hash as the message (RFC 4056 3 requires it; our backend offers nothing else) and
/// the trailer field 1; any salt length is accepted as given.
fn pss_scheme(alg: &AlgorithmIdentifierOwned, policy: &CryptoPolicy) -> Result<SignatureScheme> {
    let unsupported = |why: &str| Error::UnsupportedAlgorithm {
        oid: format!("RSASSA-PSS ({why})"),
        context: "signature",
    };
    let params = alg
        .parameters
        .as_ref()
        .ok_or_else(|| unsupported("parameters absent: SHA-1 defaults"))?;
    let params: RsaPssParameters = params
        .decode_as()
        .map_err(|_| unsupported("bad parameters"))?;
    let hash = DigestAlgorithm::from_oid(params.hash.map_or(SHA1, |h| h.oid), policy)?;
    let mgf_hash = match params.mask_gen {
        None => SHA1,
        Some(mgf) => {
            if mgf.oid != MGF1 {
                return Err(unsupported("MGF other than MGF1"));
            }
            let p = mgf
                .parameters
                .ok_or_else(|| unsupported("MGF1 without hash"))?;
            p.decode_as::<AlgorithmIdentifierOwned>()
                .map_err(|_| unsupported("bad MGF1 hash"))?
                .oid
        }
    };
    let mgf_hash = DigestAlgorithm::from_oid(mgf_hash, policy)?;
    if params.trailer_field.is_some_and(|t| t != 1) {
        return Err(unsupported("trailer field other than 1"));
    }
    if mgf_hash != hash {
        return Err(unsupported("MGF1 hash differs from the message hash"));
    }
    let salt_length = u16::try_from(params.salt_length.unwrap_or(20))
        .map_err(|_| unsupported("salt length out of range"))?;
    Ok(if usize::from(salt_length) == hash.output_len() {
        SignatureScheme::RsaPss(hash)
    } else {
        SignatureScheme::RsaPssWithSaltLength {
            digest: hash,
            salt_length,
        }
    })
}

/// RSAPublicKey (RFC 8017 A.1.1).
#[derive(Sequence)]
struct RsaPublicKey<'a> {
    modulus: UintRef<'a>,
    public_exponent: UintRef<'a>,
}

/// Bits of an RSA modulus, from the RSAPublicKey in an SPKI (RFC 8017 A.1.1).
fn rsa_modulus_bits(key: &[u8]) -> Result<usize> {
    let key = RsaPublicKey::from_der(key)
        .map_err(|e| Error::malformed("RSA public key", e.to_string()))?;
    let bytes = key.modulus.as_bytes();
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
        .map_err(|_| Error::key("prehashed digest", "of the wrong length for the scheme"))?;
    Ok(verifier
        .algorithm()
        .verify_digest_sig(spki.subject_public_key.raw_bytes(), &digest, signature)
        .is_ok())
}

/// Verify the signature on signed data of RFC 5280 (a certificate 4.1.1.3, a CRL 5.1.1.3,
/// an OCSP BasicOCSPResponse, RFC 6960 4.2.1): `tbs` is the DER of the signed part,
/// `algorithm` its signatureAlgorithm and `signature` the signatureValue BIT STRING.
/// `Ok(false)`: the signature does not verify; `Err`: the algorithm or key is unsupported
/// or refused by policy, or the BIT STRING has unused bits.
pub fn verify_signed_data(
    issuer_key: &SubjectPublicKeyInfoOwned,
    algorithm: &AlgorithmIdentifierOwned,
    tbs: &[u8],
    signature: &der::asn1::BitString,
    policy: &CryptoPolicy,
) -> Result<bool> {
    let scheme = SignatureScheme::from_certificate_algorithm(algorithm, policy)?;
    let signature = signature
        .as_bytes()
        .ok_or_else(|| Error::malformed("signatureValue", "BIT STRING with unused bits"))?;
    verify_signature(issuer_key, &scheme, tbs, signature, policy)
}

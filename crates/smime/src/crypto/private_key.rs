//! Private keys for signing: RSA, ECDSA (P-256, P-384, P-521) and Ed25519, read from PEM or
//! DER in PKCS#8 (RFC 5958), PKCS#1 (RFC 8017 A.1.2) or SEC1 (RFC 5915) form. The key
//! material stays inside the backend, which clears it when the key is dropped.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self as backend, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use der::Decode;
use spki::SubjectPublicKeyInfoOwned;
use zeroize::Zeroizing;

use super::pem::pem_blocks;
use super::{DigestAlgorithm, SignatureScheme};
use crate::{Error, Result};

enum Inner {
    Rsa(RsaKeyPair),
    /// The pair (made for the curve's own digest), the curve index into [`EC_ALGORITHMS`],
    /// and the DER to make pairs for other digests (the backend ties a pair to one digest).
    Ec(EcdsaKeyPair, usize, Zeroizing<Vec<u8>>),
    Ed25519(Ed25519KeyPair),
}

/// A private key that can sign.
pub struct PrivateKey {
    inner: Inner,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.inner {
            Inner::Rsa(_) => "RSA",
            Inner::Ec(..) => "EC",
            Inner::Ed25519(_) => "Ed25519",
        };
        write!(f, "PrivateKey({kind})")
    }
}

const EC_ALGORITHMS: [&backend::EcdsaSigningAlgorithm; 3] = [
    &backend::ECDSA_P256_SHA256_ASN1_SIGNING,
    &backend::ECDSA_P384_SHA384_ASN1_SIGNING,
    &backend::ECDSA_P521_SHA512_ASN1_SIGNING,
];

fn from_der_any(der: &[u8]) -> Option<Inner> {
    if let Ok(k) = RsaKeyPair::from_pkcs8(der) {
        return Some(Inner::Rsa(k));
    }
    if let Ok(k) = RsaKeyPair::from_der(der) {
        return Some(Inner::Rsa(k));
    }
    for (curve, alg) in EC_ALGORITHMS.iter().enumerate() {
        if let Ok(k) = EcdsaKeyPair::from_private_key_der(alg, der) {
            return Some(Inner::Ec(k, curve, Zeroizing::new(der.to_vec())));
        }
    }
    if let Ok(k) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der) {
        return Some(Inner::Ed25519(k));
    }
    None
}

/// The backend's ECDSA signing algorithm for a curve and digest (it offers P-256 with
/// SHA-256, P-384 with SHA-384, P-521 with SHA-256/384/512).
fn ec_signing_algorithm(
    curve: usize,
    digest: DigestAlgorithm,
) -> Result<&'static backend::EcdsaSigningAlgorithm> {
    match (curve, digest) {
        (0, DigestAlgorithm::Sha256) => Ok(&backend::ECDSA_P256_SHA256_ASN1_SIGNING),
        (1, DigestAlgorithm::Sha384) => Ok(&backend::ECDSA_P384_SHA384_ASN1_SIGNING),
        (2, DigestAlgorithm::Sha256) => Ok(&backend::ECDSA_P521_SHA256_ASN1_SIGNING),
        (2, DigestAlgorithm::Sha384) => Ok(&backend::ECDSA_P521_SHA384_ASN1_SIGNING),
        (2, DigestAlgorithm::Sha512) => Ok(&backend::ECDSA_P521_SHA512_ASN1_SIGNING),
        _ => Err(Error::key(
            "signer key",
            format!(
                "{} with {} is not offered for signing: P-256 signs with SHA-256, P-384 with SHA-384, P-521 with SHA-256/384/512",
                ["P-256", "P-384", "P-521"][curve.min(2)],
                digest.name()
            ),
        )),
    }
}

impl PrivateKey {
    /// Read a key from PEM (`PRIVATE KEY`, `RSA PRIVATE KEY`, `EC PRIVATE KEY`; other blocks
    /// such as `EC PARAMETERS` are skipped) or DER. `what` (a file name) goes in errors.
    pub fn from_pem_or_der(bytes: &[u8], what: &str) -> Result<PrivateKey> {
        if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
            for block in pem_blocks(bytes, what)? {
                let der = Zeroizing::new(block.der);
                match block.label.as_str() {
                    "ENCRYPTED PRIVATE KEY" => {
                        return Err(Error::key(
                            what,
                            "the key is encrypted: decrypt it first (openssl pkey -in F -out G)",
                        ))
                    }
                    "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" if block.encrypted => {
                        return Err(Error::key(
                            what,
                            "the key is encrypted: decrypt it first (openssl pkey -in F -out G)",
                        ))
                    }
                    "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" => {
                        return from_der_any(&der)
                            .map(|inner| PrivateKey { inner })
                            .ok_or_else(|| Error::key(what, format!("the {} block is not a supported private key (RSA, EC P-256/384/521, Ed25519)", block.label)));
                    }
                    _ => continue,
                }
            }
            return Err(Error::key(what, "no PRIVATE KEY block found"));
        }
        from_der_any(bytes)
            .map(|inner| PrivateKey { inner })
            .ok_or_else(|| Error::key(what, "neither a PEM nor a DER private key (PKCS#8, PKCS#1 or SEC1) that is supported"))
    }

    /// The public key as a SubjectPublicKeyInfo, to match against a certificate.
    pub fn public_key_spki(&self) -> SubjectPublicKeyInfoOwned {
        let der = match &self.inner {
            Inner::Rsa(k) => k.public_key().as_der().map(|d| d.as_ref().to_vec()),
            Inner::Ec(k, ..) => k.public_key().as_der().map(|d| d.as_ref().to_vec()),
            Inner::Ed25519(k) => k.public_key().as_der().map(|d| d.as_ref().to_vec()),
        };
        der.ok()
            .and_then(|d| SubjectPublicKeyInfoOwned::from_der(&d).ok())
            .unwrap_or_else(|| SubjectPublicKeyInfoOwned {
                algorithm: spki::AlgorithmIdentifierOwned {
                    oid: super::signature::RSA_ENCRYPTION,
                    parameters: None,
                },
                subject_public_key: der::asn1::BitString::from_bytes(&[])
                    .expect("empty bit string"),
            })
    }

    /// The digest that fits the key (RFC 5753 7.1 / RFC 8551 2.1): SHA-256 for RSA and
    /// P-256, SHA-384 for P-384, SHA-512 for P-521 and Ed25519.
    pub fn default_digest(&self) -> DigestAlgorithm {
        match &self.inner {
            Inner::Rsa(_) => DigestAlgorithm::Sha256,
            Inner::Ec(_, 0, _) => DigestAlgorithm::Sha256,
            Inner::Ec(_, 1, _) => DigestAlgorithm::Sha384,
            Inner::Ec(..) | Inner::Ed25519(_) => DigestAlgorithm::Sha512,
        }
    }

    /// The scheme for this key: RSA PKCS#1 v1.5 (or PSS when `pss`), ECDSA, or Ed25519.
    pub fn scheme(&self, digest: DigestAlgorithm, pss: bool) -> Result<SignatureScheme> {
        if digest == DigestAlgorithm::Sha1 {
            return Err(Error::Refused {
                what: "SHA-1 for signing".into(),
                reason: "never used for writing".into(),
            });
        }
        match (&self.inner, pss) {
            (Inner::Rsa(_), false) => Ok(SignatureScheme::RsaPkcs1(digest)),
            (Inner::Rsa(_), true) => Ok(SignatureScheme::RsaPss(digest)),
            (Inner::Ec(_, curve, _), false) => {
                ec_signing_algorithm(*curve, digest)?;
                Ok(SignatureScheme::Ecdsa(digest))
            }
            (Inner::Ed25519(_), false) => Ok(SignatureScheme::Ed25519),
            (_, true) => Err(Error::key("signer key", "RSA-PSS needs an RSA key")),
        }
    }

    /// Sign `message` (the scheme hashes it; Ed25519 signs it directly).
    pub fn sign(&self, scheme: &SignatureScheme, message: &[u8]) -> Result<Vec<u8>> {
        let failed = || {
            Error::key(
                "signer key",
                format!("signing with {} failed", scheme.name()),
            )
        };
        match (&self.inner, scheme) {
            (Inner::Rsa(k), SignatureScheme::RsaPkcs1(d) | SignatureScheme::RsaPss(d)) => {
                let pss = matches!(scheme, SignatureScheme::RsaPss(_));
                let encoding: &'static dyn backend::RsaEncoding = match (pss, d) {
                    (false, DigestAlgorithm::Sha256) => &backend::RSA_PKCS1_SHA256,
                    (false, DigestAlgorithm::Sha384) => &backend::RSA_PKCS1_SHA384,
                    (false, DigestAlgorithm::Sha512) => &backend::RSA_PKCS1_SHA512,
                    (true, DigestAlgorithm::Sha256) => &backend::RSA_PSS_SHA256,
                    (true, DigestAlgorithm::Sha384) => &backend::RSA_PSS_SHA384,
                    (true, DigestAlgorithm::Sha512) => &backend::RSA_PSS_SHA512,
                    (_, DigestAlgorithm::Sha1) => return Err(failed()),
                };
                let mut sig = vec![0u8; k.public_modulus_len()];
                k.sign(encoding, &SystemRandom::new(), message, &mut sig)
                    .map_err(|_| failed())?;
                Ok(sig)
            }
            (Inner::Ec(k, curve, der), SignatureScheme::Ecdsa(d)) => {
                let alg = ec_signing_algorithm(*curve, *d)?;
                let other;
                let pair = if std::ptr::eq(alg, EC_ALGORITHMS[*curve]) {
                    k
                } else {
                    other = EcdsaKeyPair::from_private_key_der(alg, der).map_err(|_| failed())?;
                    &other
                };
                Ok(pair
                    .sign(&SystemRandom::new(), message)
                    .map_err(|_| failed())?
                    .as_ref()
                    .to_vec())
            }
            (Inner::Ed25519(k), SignatureScheme::Ed25519) => Ok(k.sign(message).as_ref().to_vec()),
            _ => Err(Error::key(
                "signer key",
                format!("this key cannot make a {} signature", scheme.name()),
            )),
        }
    }
}

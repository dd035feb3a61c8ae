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
    Ec(EcdsaKeyPair),
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
            Inner::Ec(_) => "EC",
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
    for alg in EC_ALGORITHMS {
        if let Ok(k) = EcdsaKeyPair::from_private_key_der(alg, der) {
            return Some(Inner::Ec(k));
        }
    }
    if let Ok(k) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der) {
        return Some(Inner::Ed25519(k));
    }
    None
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
            Inner::Ec(k) => k.public_key().as_der().map(|d| d.as_ref().to_vec()),
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
            (Inner::Ec(_), false) => Ok(SignatureScheme::Ecdsa(digest)),
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
            (Inner::Ec(k), SignatureScheme::Ecdsa(d)) => {
                let digest = aws_lc_rs::digest::digest(d.backend(), message);
                Ok(k.sign_digest(&digest)
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

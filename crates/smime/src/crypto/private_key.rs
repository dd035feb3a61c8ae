//! Private keys for signing: RSA, ECDSA (P-256, P-384, P-521) and Ed25519, read from PEM or
//! DER in PKCS#8 (RFC 5958), PKCS#1 (RFC 8017 A.1.2) or SEC1 (RFC 5915) form. The key
//! material stays inside the backend, which clears it when the key is dropped.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self as backend, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use der::Decode;
use spki::SubjectPublicKeyInfoOwned;
use zeroize::Zeroizing;

use super::external_key::ExternalSigner;
use super::pem_blocks;
use super::{DigestAlgorithm, SignatureScheme};
use crate::ber::{Element, Tag};
use crate::{Error, Result};
use smime_pkix::signature::{EC_PUBLIC_KEY, P256, P384, P521, RSA_ENCRYPTION};
use spki::AlgorithmIdentifierOwned;

/// id-RSASSA-PSS as a key algorithm (RFC 4055 1.2).
const RSASSA_PSS_KEY: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");

enum Inner {
    /// The pair, and for an id-RSASSA-PSS key (RFC 4055 1.2, made by `openssl genpkey
    /// -algorithm RSA-PSS`) its AlgorithmIdentifier: such a key makes PSS signatures only.
    Rsa(RsaKeyPair, Option<AlgorithmIdentifierOwned>),
    /// The pair (made for the curve's own digest), the curve index into [`EC_ALGORITHMS`],
    /// and the DER to make pairs for other digests (the backend ties a pair to one digest).
    Ec(EcdsaKeyPair, usize, Zeroizing<Vec<u8>>),
    Ed25519(Ed25519KeyPair),
    /// A key held outside the process (a PKCS#11 token), and its kind read from its public key.
    External(Box<dyn ExternalSigner>, ExternalKind),
}

/// What an external key is, from its SubjectPublicKeyInfo.
#[derive(Clone, Copy)]
enum ExternalKind {
    Rsa,
    /// The curve index into [`EC_ALGORITHMS`].
    Ec(usize),
}

/// The named curves (RFC 5480 2.1.1.1) in the order of [`EC_ALGORITHMS`].
const EC_CURVES: [der::asn1::ObjectIdentifier; 3] = [P256, P384, P521];

/// A private key that can sign.
pub struct PrivateKey {
    inner: Inner,
    /// The public key, computed once when the key is read.
    spki: SubjectPublicKeyInfoOwned,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.inner {
            Inner::Rsa(_, None) => "RSA",
            Inner::Rsa(_, Some(_)) => "RSA-PSS",
            Inner::Ec(..) => "EC",
            Inner::Ed25519(_) => "Ed25519",
            Inner::External(ref signer, _) => {
                return write!(f, "PrivateKey({})", signer.description())
            }
        };
        write!(f, "PrivateKey({kind})")
    }
}

const EC_ALGORITHMS: [&backend::EcdsaSigningAlgorithm; 3] = [
    &backend::ECDSA_P256_SHA256_ASN1_SIGNING,
    &backend::ECDSA_P384_SHA384_ASN1_SIGNING,
    &backend::ECDSA_P521_SHA512_ASN1_SIGNING,
];

/// The privateKeyAlgorithm element and the privateKey octets of a PKCS#8 PrivateKeyInfo /
/// OneAsymmetricKey (RFC 5958 2, version 0 or 1); None when `der` is not one.
pub(crate) fn pkcs8_algorithm_and_key(der: &[u8]) -> Option<(Element, Zeroizing<Vec<u8>>)> {
    const WHAT: &str = "PKCS#8 private key";
    let info = Element::read_all(der, WHAT).ok()?;
    info.expect(Tag::SEQUENCE, WHAT).ok()?;
    let fields = info.children(der, WHAT).ok()?;
    let (version, alg, key) = (fields.first()?, fields.get(1)?, fields.get(2)?);
    if !matches!(version.small_integer(der, WHAT), Ok(0 | 1)) {
        return None;
    }
    key.expect(Tag::OCTET_STRING, WHAT).ok()?;
    Some((alg.clone(), Zeroizing::new(key.content(der).to_vec())))
}

/// An id-RSASSA-PSS PKCS#8 key (RFC 5958 2, RFC 4055 1.2), which the backend does not read
/// itself: its AlgorithmIdentifier and the RSAPrivateKey inside.
fn rsa_pss_pkcs8(der: &[u8]) -> Option<(AlgorithmIdentifierOwned, Zeroizing<Vec<u8>>)> {
    let (alg, key) = pkcs8_algorithm_and_key(der)?;
    let alg = AlgorithmIdentifierOwned::from_der(alg.bytes(der)).ok()?;
    (alg.oid == RSASSA_PSS_KEY).then_some((alg, key))
}

/// The SubjectPublicKeyInfo of a key pair, or `None` if the backend cannot encode it.
fn spki_of(inner: &Inner) -> Option<SubjectPublicKeyInfoOwned> {
    let der = match inner {
        Inner::Rsa(k, Some(alg)) => {
            return Some(SubjectPublicKeyInfoOwned {
                algorithm: alg.clone(),
                subject_public_key: der::asn1::BitString::from_bytes(k.public_key().as_ref())
                    .ok()?,
            })
        }
        Inner::Rsa(k, None) => k.public_key().as_der().ok()?.as_ref().to_vec(),
        Inner::Ec(k, ..) => k.public_key().as_der().ok()?.as_ref().to_vec(),
        Inner::Ed25519(k) => k.public_key().as_der().ok()?.as_ref().to_vec(),
        Inner::External(signer, _) => return Some(signer.public_key_spki()),
    };
    SubjectPublicKeyInfoOwned::from_der(&der).ok()
}

/// Wrap a key pair, or explain why it cannot be used.
/// The DER of the private key in `bytes` and the PEM label it came from: the first
/// `PRIVATE KEY` (PKCS#8, RFC 5958), `RSA PRIVATE KEY` (PKCS#1, RFC 8017 A.1.2) or
/// `EC PRIVATE KEY` (SEC1, RFC 5915) block of RFC 7468 PEM, other blocks (`EC PARAMETERS`)
/// skipped; or `bytes` itself, with no label, when it is not PEM. Encrypted keys are
/// refused with a hint to decrypt them first. Shared by the signing and decrypting keys.
pub(crate) fn private_key_der(
    bytes: &[u8],
    what: &str,
) -> Result<(Zeroizing<Vec<u8>>, Option<String>)> {
    if !bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        return Ok((Zeroizing::new(bytes.to_vec()), None));
    }
    let encrypted = || {
        Error::key(
            what,
            "the key is encrypted: decrypt it first (openssl pkey -in F -out G)",
        )
    };
    for block in pem_blocks(bytes, what)? {
        let der = Zeroizing::new(block.der);
        match block.label.as_str() {
            "ENCRYPTED PRIVATE KEY" => return Err(encrypted()),
            "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" if block.encrypted => {
                return Err(encrypted())
            }
            "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" => {
                return Ok((der, Some(block.label)))
            }
            _ => continue,
        }
    }
    Err(Error::key(what, "no PRIVATE KEY block found"))
}

fn finish(inner: Option<Inner>, what: &str, unsupported: String) -> Result<PrivateKey> {
    let inner = inner.ok_or_else(|| Error::key(what, unsupported))?;
    let spki = spki_of(&inner).ok_or_else(|| {
        Error::key(
            what,
            "the public key cannot be derived from the private key",
        )
    })?;
    Ok(PrivateKey { inner, spki })
}

fn from_der_any(der: &[u8]) -> Option<Inner> {
    if let Ok(k) = RsaKeyPair::from_pkcs8(der) {
        return Some(Inner::Rsa(k, None));
    }
    if let Ok(k) = RsaKeyPair::from_der(der) {
        return Some(Inner::Rsa(k, None));
    }
    if let Some((alg, rsa)) = rsa_pss_pkcs8(der) {
        return RsaKeyPair::from_der(&rsa)
            .ok()
            .map(|k| Inner::Rsa(k, Some(alg)));
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
    /// A key held outside the process (a PKCS#11 token): RSA, or ECDSA on P-256, P-384 or
    /// P-521, as its public key says. Signing goes through `signer`.
    pub fn external(signer: Box<dyn ExternalSigner>) -> Result<PrivateKey> {
        let spki = signer.public_key_spki();
        let kind = if spki.algorithm.oid == RSA_ENCRYPTION {
            Some(ExternalKind::Rsa)
        } else if spki.algorithm.oid == EC_PUBLIC_KEY {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok());
            EC_CURVES
                .iter()
                .position(|c| Some(*c) == curve)
                .map(ExternalKind::Ec)
        } else {
            None
        };
        let kind = kind.ok_or_else(|| {
            Error::key(
                signer.description(),
                "an external key must be RSA or EC P-256/384/521",
            )
        })?;
        Ok(PrivateKey {
            inner: Inner::External(signer, kind),
            spki,
        })
    }

    /// Read a key from PEM (RFC 7468: `PRIVATE KEY` for PKCS#8 (RFC 5958), `RSA PRIVATE KEY`
    /// for PKCS#1 (RFC 8017 A.1.2), `EC PRIVATE KEY` for SEC1 (RFC 5915); other blocks such as
    /// `EC PARAMETERS` are skipped; the first key block is used) or from DER in any of those
    /// forms. Encrypted keys are refused with a hint to decrypt them first. `what` (a file
    /// name) goes in errors.
    pub fn from_pem_or_der(bytes: &[u8], what: &str) -> Result<PrivateKey> {
        let (der, label) = private_key_der(bytes, what)?;
        let unsupported = match label {
            Some(label) => format!(
                "the {label} block is not a supported private key \
                 (RSA 2048-8192 bits, EC P-256/384/521, Ed25519)"
            ),
            None => "neither a PEM nor a DER private key (PKCS#8, PKCS#1 or SEC1) that is \
                     supported (RSA 2048-8192 bits, EC P-256/384/521, Ed25519)"
                .into(),
        };
        finish(from_der_any(&der), what, unsupported)
    }

    /// The public key as a SubjectPublicKeyInfo (RFC 5280 4.1.2.7), to match against a
    /// certificate. For an id-RSASSA-PSS key the key's own AlgorithmIdentifier is kept, as in
    /// its certificate (RFC 4055 1.2).
    pub fn public_key_spki(&self) -> SubjectPublicKeyInfoOwned {
        self.spki.clone()
    }

    /// The digest that fits the key (RFC 5753 7.1 / RFC 8551 2.1): SHA-256 for RSA and
    /// P-256, SHA-384 for P-384, SHA-512 for P-521 and Ed25519.
    pub fn default_digest(&self) -> DigestAlgorithm {
        match &self.inner {
            Inner::Rsa(..) | Inner::External(_, ExternalKind::Rsa | ExternalKind::Ec(0)) => {
                DigestAlgorithm::Sha256
            }
            Inner::Ec(_, 0, _) => DigestAlgorithm::Sha256,
            Inner::Ec(_, 1, _) | Inner::External(_, ExternalKind::Ec(1)) => DigestAlgorithm::Sha384,
            Inner::External(..) => DigestAlgorithm::Sha512,
            Inner::Ec(..) | Inner::Ed25519(_) => DigestAlgorithm::Sha512,
        }
    }

    /// The scheme for this key: RSA PKCS#1 v1.5, or RSASSA-PSS (RFC 4056) when `pss` or when
    /// the key is an id-RSASSA-PSS key; ECDSA with `digest` (RFC 5753); Ed25519 whatever the
    /// digest (RFC 8419). `pss` with a non-RSA key, SHA-1, or a curve and digest the backend
    /// cannot sign with are errors.
    pub fn scheme(&self, digest: DigestAlgorithm, pss: bool) -> Result<SignatureScheme> {
        if let (Inner::Ed25519(_), false) = (&self.inner, pss) {
            return Ok(SignatureScheme::Ed25519);
        }
        if digest == DigestAlgorithm::Sha1 {
            return Err(Error::Refused {
                what: "SHA-1 for signing".into(),
                reason: "never used for writing".into(),
            });
        }
        match (&self.inner, pss) {
            (Inner::Rsa(_, None), false) => Ok(SignatureScheme::RsaPkcs1(digest)),
            (Inner::Rsa(..), _) => Ok(SignatureScheme::RsaPss(digest)),
            (Inner::Ec(_, curve, _), false) => {
                ec_signing_algorithm(*curve, digest)?;
                Ok(SignatureScheme::Ecdsa(digest))
            }
            (Inner::Ed25519(_), false) => Ok(SignatureScheme::Ed25519),
            // The token says whether it can; the engine does not know its mechanisms.
            (Inner::External(_, ExternalKind::Rsa), false) => Ok(SignatureScheme::RsaPkcs1(digest)),
            (Inner::External(_, ExternalKind::Rsa), true) => Ok(SignatureScheme::RsaPss(digest)),
            (Inner::External(_, ExternalKind::Ec(_)), false) => Ok(SignatureScheme::Ecdsa(digest)),
            (_, true) => Err(Error::key("signer key", "RSA-PSS needs an RSA key")),
        }
    }

    /// Sign `message`: the scheme hashes it (Ed25519 signs it directly, RFC 8419 3.1). RSA-PSS
    /// uses MGF1 with the same hash and a salt as long as the hash (RFC 4056 3); ECDSA
    /// signatures are DER `ECDSA-Sig-Value` (RFC 5753 7.2). A scheme that does not fit the
    /// key is an error.
    pub fn sign(&self, scheme: &SignatureScheme, message: &[u8]) -> Result<Vec<u8>> {
        let failed = || {
            Error::key(
                "signer key",
                format!("signing with {} failed", scheme.name()),
            )
        };
        match (&self.inner, scheme) {
            (Inner::Rsa(_, Some(_)), SignatureScheme::RsaPkcs1(_)) => Err(Error::key(
                "signer key",
                "an RSA-PSS key (id-RSASSA-PSS) cannot make PKCS#1 v1.5 signatures",
            )),
            (Inner::Rsa(k, _), SignatureScheme::RsaPkcs1(d) | SignatureScheme::RsaPss(d)) => {
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
            (Inner::External(signer, _), _) => signer.sign(scheme, message),
            _ => Err(Error::key(
                "signer key",
                format!("this key cannot make a {} signature", scheme.name()),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_pki::Pki;

    fn load(pki: &Pki, file: &str) -> Result<PrivateKey> {
        PrivateKey::from_pem_or_der(&pki.read(file), file)
    }

    #[test]
    fn from_pem_or_der_rsa_pkcs8_pkcs1_pem_and_der_same_key() {
        let pki = Pki::new();
        pki.key("rsa", "rsa2048");
        let expected = pki.spki("rsa");
        pki.openssl(&[
            "pkey", "-in", "rsa.key", "-outform", "DER", "-out", "p8.der",
        ]);
        pki.openssl(&["rsa", "-in", "rsa.key", "-traditional", "-out", "p1.pem"]);
        pki.openssl(&[
            "rsa",
            "-in",
            "rsa.key",
            "-traditional",
            "-outform",
            "DER",
            "-out",
            "p1.der",
        ]);
        assert!(String::from_utf8_lossy(&pki.read("p1.pem")).contains("BEGIN RSA PRIVATE KEY"));
        for file in ["rsa.key", "p8.der", "p1.pem", "p1.der"] {
            let key = load(&pki, file).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(key.public_key_spki(), expected, "{file}");
            assert_eq!(format!("{key:?}"), "PrivateKey(RSA)");
        }
    }

    #[test]
    fn from_pem_or_der_ec_sec1_pkcs8_and_parameters_block_same_key() {
        let pki = Pki::new();
        pki.openssl(&[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-out",
            "sec1.pem",
        ]);
        let text = String::from_utf8_lossy(&pki.read("sec1.pem")).into_owned();
        assert!(text.contains("BEGIN EC PARAMETERS") && text.contains("BEGIN EC PRIVATE KEY"));
        pki.openssl(&["pkey", "-in", "sec1.pem", "-out", "p.key"]);
        let expected = pki.spki("p");
        pki.openssl(&[
            "ec", "-in", "sec1.pem", "-outform", "DER", "-out", "sec1.der",
        ]);
        pki.openssl(&[
            "pkey", "-in", "sec1.pem", "-outform", "DER", "-out", "p8.der",
        ]);
        for file in ["sec1.pem", "sec1.der", "p.key", "p8.der"] {
            let key = load(&pki, file).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(key.public_key_spki(), expected, "{file}");
            assert_eq!(key.default_digest(), DigestAlgorithm::Sha256);
        }
    }

    #[test]
    fn from_pem_or_der_p384_p521_ed25519_pss_read() {
        let pki = Pki::new();
        for (kind, digest, debug) in [
            ("p384", DigestAlgorithm::Sha384, "PrivateKey(EC)"),
            ("p521", DigestAlgorithm::Sha512, "PrivateKey(EC)"),
            ("ed25519", DigestAlgorithm::Sha512, "PrivateKey(Ed25519)"),
            ("rsa-pss", DigestAlgorithm::Sha256, "PrivateKey(RSA-PSS)"),
        ] {
            pki.key(kind, kind);
            let key = pki.private_key(kind);
            assert_eq!(key.public_key_spki(), pki.spki(kind), "{kind}");
            assert_eq!(key.default_digest(), digest, "{kind}");
            assert_eq!(format!("{key:?}"), debug);
            let der = format!("{kind}.der");
            pki.openssl(&[
                "pkey",
                "-in",
                &format!("{kind}.key"),
                "-outform",
                "DER",
                "-out",
                &der,
            ]);
            assert_eq!(load(&pki, &der).unwrap().public_key_spki(), pki.spki(kind));
        }
    }

    #[test]
    fn from_pem_or_der_encrypted_pem_says_decrypt_first() {
        let pki = Pki::new();
        pki.key("rsa", "rsa2048");
        pki.openssl(&[
            "pkey",
            "-in",
            "rsa.key",
            "-aes256",
            "-passout",
            "pass:secret",
            "-out",
            "p8enc.pem",
        ]);
        pki.openssl(&[
            "rsa",
            "-in",
            "rsa.key",
            "-traditional",
            "-aes256",
            "-passout",
            "pass:secret",
            "-out",
            "p1enc.pem",
        ]);
        for file in ["p8enc.pem", "p1enc.pem"] {
            let err = load(&pki, file).unwrap_err().to_string();
            assert!(err.contains(file), "{err}");
            assert!(
                err.contains("encrypted") && err.contains("decrypt it first"),
                "{err}"
            );
        }
    }

    #[test]
    fn from_pem_or_der_unusable_input_is_error_naming_file() {
        let pki = Pki::new();
        pki.key("short", "rsa1024");
        assert!(load(&pki, "short.key")
            .unwrap_err()
            .to_string()
            .contains("short.key"));
        for bytes in [
            &b""[..],
            &b"garbage"[..],
            &[0x30, 0x82, 0xff, 0xff][..],
            &b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"[..],
            &b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"[..],
            &b"-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n"[..],
            &b"-----BEGIN PRIVATE KEY-----\nAAAA\n"[..],
        ] {
            let err = PrivateKey::from_pem_or_der(bytes, "k.pem").unwrap_err();
            assert!(err.to_string().starts_with("k.pem: "), "{err}");
        }
    }

    #[test]
    fn scheme_per_key_type_follows_request() {
        let pki = Pki::new();
        pki.key("rsa", "rsa2048");
        pki.key("ec", "p256");
        pki.key("ed", "ed25519");
        let (rsa, ec, ed) = (
            pki.private_key("rsa"),
            pki.private_key("ec"),
            pki.private_key("ed"),
        );
        let sha384 = DigestAlgorithm::Sha384;
        assert_eq!(
            rsa.scheme(sha384, false).unwrap(),
            SignatureScheme::RsaPkcs1(sha384)
        );
        assert_eq!(
            rsa.scheme(sha384, true).unwrap(),
            SignatureScheme::RsaPss(sha384)
        );
        assert!(rsa.scheme(DigestAlgorithm::Sha1, false).is_err());
        assert_eq!(
            ec.scheme(DigestAlgorithm::Sha256, false).unwrap(),
            SignatureScheme::Ecdsa(DigestAlgorithm::Sha256)
        );
        assert!(ec.scheme(DigestAlgorithm::Sha256, true).is_err());
        // The backend signs P-256 with SHA-256 only.
        assert!(ec.scheme(sha384, false).is_err());
        assert_eq!(
            ed.scheme(DigestAlgorithm::Sha1, false).unwrap(),
            SignatureScheme::Ed25519
        );
        assert!(ed.scheme(DigestAlgorithm::Sha256, true).is_err());
        // A scheme for another key type is an error, not a panic.
        assert!(ed
            .sign(&SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha256), b"m")
            .is_err());
        assert!(rsa.sign(&SignatureScheme::Ed25519, b"m").is_err());
        assert!(rsa
            .sign(&SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha1), b"m")
            .is_err());
    }
}

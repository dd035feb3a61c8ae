//! Private keys for decryption, from PEM or DER: RSA (2048-8192 bits; PKCS#8, RFC 5958, or
//! PKCS#1, RFC 8017 A.1.2) for key transport, EC P-256/P-384 (PKCS#8 or SEC1, RFC 5915) and
//! X25519 (PKCS#8, RFC 8410 7) for key agreement. RSA keys of 1024-2047 bits are read too
//! (through [`super::ffi::rsa`], aws-lc-rs refuses them) but are legacy: they open a
//! message only under [`crate::CryptoPolicy::allow_legacy`] ([`DecryptingKey::legacy`]).
//! So are X9.42 Diffie-Hellman keys (PKCS#8 dhpublicnumber, RFC 3279 2.3.3) for ESDH key
//! agreement (RFC 3370 4.1.1), through [`super::ffi::dh`] and [`super::x942`].
//!
//! Unwrapping a content-encryption key never fails visibly (RFC 3218 2.3, the Bleichenbacher
//! and Manger attacks): on any padding or length failure a random key of the expected length
//! takes its place, chosen without a branch on the secret outcome, and the message then fails
//! at the content stage with the same error as any other corruption. Key agreement does the
//! same on a failed key unwrap, so every kind of recipient fails alike.

use aws_lc_rs::agreement;
use aws_lc_rs::rsa::{OaepPrivateDecryptingKey, Pkcs1PrivateDecryptingKey, PrivateDecryptingKey};
use const_oid::ObjectIdentifier;
use zeroize::Zeroizing;

use super::cipher::random_bytes;
use super::external_key::ExternalDecrypter;
use super::ffi::dh::DhPrivateKey;
use super::ffi::rsa::ShortRsaKey;
use super::key_agreement::{self, AgreementCurve, KeyAgreement, EC_PUBLIC_KEY, X25519};
use super::key_transport::{KeyTransport, RSA_ENCRYPTION};
use super::private_key::{pkcs8_algorithm_and_key, private_key_der};
use super::x942::{self, DH_PUBLIC_NUMBER};
use crate::ber::{encode_tlv, Element, Tag};
use crate::{Error, Result};

enum Inner {
    Rsa(PrivateDecryptingKey),
    /// RSA of 1024-2047 bits: legacy, through aws-lc directly.
    ShortRsa(ShortRsaKey),
    Agreement(AgreementCurve, agreement::PrivateKey),
    /// X9.42 Diffie-Hellman: legacy, through aws-lc directly.
    Dh(DhPrivateKey),
    /// A key held outside the process (a PKCS#11 token).
    External(Box<dyn ExternalDecrypter>),
}

/// A private key that can unwrap content-encryption keys.
pub struct DecryptingKey {
    inner: Inner,
}

/// What kind of RecipientInfo a key can open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecryptingKeyKind {
    /// RSA: KeyTransRecipientInfo.
    Rsa,
    /// EC or X25519 on this curve: KeyAgreeRecipientInfo.
    Agreement(AgreementCurve),
    /// X9.42 Diffie-Hellman: KeyAgreeRecipientInfo with ESDH (legacy).
    Dh,
}

impl std::fmt::Debug for DecryptingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            Inner::Rsa(k) => write!(f, "DecryptingKey(RSA-{})", k.key_size_bits()),
            Inner::ShortRsa(k) => write!(f, "DecryptingKey(RSA-{})", k.bits()),
            Inner::Agreement(curve, _) => write!(f, "DecryptingKey({})", curve.name()),
            Inner::Dh(k) => write!(f, "DecryptingKey(DH-{})", k.prime_bits()),
            Inner::External(k) => write!(f, "DecryptingKey({})", k.description()),
        }
    }
}

/// A PKCS#1 RSAPrivateKey wrapped as a PKCS#8 PrivateKeyInfo (RFC 5958 2), which is the
/// form the backend reads for decryption keys.
fn pkcs1_to_pkcs8(pkcs1: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut alg = encode_tlv(Tag::OID, RSA_ENCRYPTION.as_bytes());
    alg.extend([0x05, 0x00]);
    let mut content = Zeroizing::new(encode_tlv(Tag::INTEGER, &[0]));
    content.extend(encode_tlv(Tag::SEQUENCE, &alg));
    content.extend(Zeroizing::new(encode_tlv(Tag::OCTET_STRING, pkcs1)).iter());
    Zeroizing::new(encode_tlv(Tag::SEQUENCE, &content))
}

/// The privateKeyAlgorithm of a PKCS#8 PrivateKeyInfo / OneAsymmetricKey (RFC 5958 2): the
/// algorithm OID, the namedCurve OID if any, and the privateKey octets.
fn pkcs8_parts(
    der: &[u8],
) -> Option<(
    ObjectIdentifier,
    Option<ObjectIdentifier>,
    Zeroizing<Vec<u8>>,
)> {
    const WHAT: &str = "PKCS#8 private key";
    let (alg, key) = pkcs8_algorithm_and_key(der)?;
    let alg_parts = alg.children(der, WHAT).ok()?;
    let oid = alg_parts.first()?.oid(der, WHAT).ok()?;
    let curve = alg_parts
        .get(1)
        .filter(|p| p.tag == Tag::OID)
        .and_then(|p| p.oid(der, WHAT).ok());
    Some((oid, curve, key))
}

/// The 32 key bytes of an X25519 PKCS#8 key: privateKey holds CurvePrivateKey, itself an
/// OCTET STRING (RFC 8410 7).
fn x25519_private_key(private_key: &[u8]) -> Option<agreement::PrivateKey> {
    let inner = Element::read_all(private_key, "CurvePrivateKey").ok()?;
    inner.expect(Tag::OCTET_STRING, "CurvePrivateKey").ok()?;
    agreement::PrivateKey::from_private_key(&agreement::X25519, inner.content(private_key)).ok()
}

/// An EC key (PKCS#8 or SEC1 ECPrivateKey) on P-256 or P-384.
fn ec_private_key(der: &[u8]) -> Option<Inner> {
    [AgreementCurve::P256, AgreementCurve::P384]
        .into_iter()
        .find_map(|curve| {
            agreement::PrivateKey::from_private_key_der(curve.backend(), der)
                .ok()
                .map(|k| Inner::Agreement(curve, k))
        })
}

const UNSUPPORTED: &str = "not a supported decryption key (RSA 2048-8192 bits, or 1024-2047 \
                           with --allow-legacy, in PKCS#8 or PKCS#1; EC P-256/P-384 in PKCS#8 or SEC1; X25519 in PKCS#8)";

/// Read any supported key from DER; an error says why a recognised key is unusable.
fn from_der_any(der: &[u8], what: &str) -> Result<Inner> {
    if let Some((oid, curve, private_key)) = pkcs8_parts(der) {
        return match oid {
            RSA_ENCRYPTION => rsa_key(der).ok_or_else(|| {
                Error::key(
                    what,
                    "unusable RSA key (2048-8192 bits, or 1024-2047 with --allow-legacy)",
                )
            }),
            EC_PUBLIC_KEY => ec_private_key(der).ok_or_else(|| {
                Error::key(
                    what,
                    format!(
                        "EC key on curve {}: only P-256 and P-384 can decrypt",
                        curve.map(|c| c.to_string()).unwrap_or_else(|| "?".into())
                    ),
                )
            }),
            DH_PUBLIC_NUMBER => x942::dh_private_key(der).map(Inner::Dh).ok_or_else(|| {
                Error::key(
                    what,
                    "unusable X9.42 DH key (DomainParameters p, g, q; a 1024-8192-bit prime)",
                )
            }),
            X25519 => x25519_private_key(&private_key)
                .map(|k| Inner::Agreement(AgreementCurve::X25519, k))
                .ok_or_else(|| Error::key(what, "malformed X25519 private key")),
            other => Err(Error::key(
                what,
                format!("a {other} key cannot decrypt; {UNSUPPORTED}"),
            )),
        };
    }
    if let Some(inner) = ec_private_key(der) {
        return Ok(inner);
    }
    rsa_key(&pkcs1_to_pkcs8(der)).ok_or_else(|| Error::key(what, UNSUPPORTED))
}

/// An RSA key from PKCS#8: 2048-8192 bits through aws-lc-rs, 1024-2047 through
/// [`ShortRsaKey`] (legacy).
fn rsa_key(pkcs8: &[u8]) -> Option<Inner> {
    PrivateDecryptingKey::from_pkcs8(pkcs8)
        .map(Inner::Rsa)
        .ok()
        .or_else(|| ShortRsaKey::from_der(pkcs8).map(Inner::ShortRsa))
}

impl DecryptingKey {
    /// A key held outside the process (a PKCS#11 token), which opens KeyTransRecipientInfo
    /// (RSA) or KeyAgreeRecipientInfo (EC) through `decrypter`; failures still yield a
    /// random key.
    pub fn external(decrypter: Box<dyn ExternalDecrypter>) -> DecryptingKey {
        DecryptingKey {
            inner: Inner::External(decrypter),
        }
    }

    /// Read a key from PEM (`PRIVATE KEY`, `RSA PRIVATE KEY` or `EC PRIVATE KEY`; other
    /// blocks such as `EC PARAMETERS` are skipped) or DER. Encrypted keys are refused with
    /// a hint. `what` (a file name) goes in errors.
    pub fn from_pem_or_der(bytes: &[u8], what: &str) -> Result<DecryptingKey> {
        let (der, _) = private_key_der(bytes, what)?;
        from_der_any(&der, what).map(|inner| DecryptingKey { inner })
    }

    /// What kind of RecipientInfo the key opens.
    pub fn kind(&self) -> DecryptingKeyKind {
        match &self.inner {
            Inner::External(k) => k
                .agreement_curve()
                .map_or(DecryptingKeyKind::Rsa, DecryptingKeyKind::Agreement),
            Inner::Rsa(_) | Inner::ShortRsa(_) => DecryptingKeyKind::Rsa,
            Inner::Agreement(curve, _) => DecryptingKeyKind::Agreement(*curve),
            Inner::Dh(_) => DecryptingKeyKind::Dh,
        }
    }

    /// A short description: `RSA 2048`, `EC P-256`, `X25519`.
    pub fn description(&self) -> String {
        match &self.inner {
            Inner::Rsa(k) => format!("RSA {}", k.key_size_bits()),
            Inner::ShortRsa(k) => format!("RSA {}", k.bits()),
            Inner::Agreement(AgreementCurve::X25519, _) => "X25519".into(),
            Inner::Agreement(curve, _) => format!("EC {}", curve.name()),
            Inner::Dh(k) => format!("X9.42 DH {}", k.prime_bits()),
            Inner::External(k) => k.description(),
        }
    }

    /// Why the key is legacy (usable only with [`crate::CryptoPolicy::allow_legacy`]), or
    /// `None` for a key of today's strength.
    pub fn legacy(&self) -> Option<String> {
        match &self.inner {
            Inner::ShortRsa(k) => Some(format!(
                "an RSA key of {} bits (under 2048, RFC 8551 2.3)",
                k.bits()
            )),
            Inner::Dh(k) => Some(format!(
                "a finite-field Diffie-Hellman (X9.42) key of {} bits: RFC 8551 has no DH",
                k.prime_bits()
            )),
            _ => None,
        }
    }

    /// Unwrap a content-encryption key of `key_len` bytes from an RSA KeyTransRecipientInfo.
    /// Any failure (wrong key, bad padding, wrong length, not an RSA key) yields a random
    /// key instead, without a branch on which it was: the caller cannot tell, and neither
    /// can an attacker watching errors or timing (RFC 3218 2.3). The only error is a
    /// failing random number generator.
    pub fn unwrap_content_key(
        &self,
        transport: KeyTransport,
        encrypted_key: &[u8],
        key_len: usize,
    ) -> Result<Zeroizing<Vec<u8>>> {
        let random = random_bytes(key_len)?;
        let (buffer, decrypted_len) = match &self.inner {
            Inner::Rsa(rsa) => {
                let mut buffer = Zeroizing::new(vec![0u8; rsa.key_size_bytes()]);
                let len = match transport {
                    KeyTransport::RsaOaep(hash) => OaepPrivateDecryptingKey::new(rsa.clone())
                        .ok()
                        .and_then(|k| {
                            k.decrypt(hash.backend(), encrypted_key, &mut buffer, None)
                                .ok()
                                .map(|p| p.len())
                        }),
                    KeyTransport::RsaPkcs1 => Pkcs1PrivateDecryptingKey::new(rsa.clone())
                        .ok()
                        .and_then(|k| k.decrypt(encrypted_key, &mut buffer).ok().map(|p| p.len())),
                };
                (buffer, len)
            }
            Inner::ShortRsa(rsa) => {
                let mut buffer = Zeroizing::new(vec![0u8; rsa.size_bytes()]);
                let len = rsa.decrypt(transport, encrypted_key, &mut buffer);
                (buffer, len)
            }
            Inner::Agreement(..) | Inner::Dh(_) => return Ok(random),
            Inner::External(k) => {
                let decrypted = k.decrypt(transport, encrypted_key);
                let len = decrypted.as_ref().map(|d| d.len());
                (decrypted.unwrap_or_default(), len)
            }
        };
        // 0xFF when the unwrap worked and has the right length, else 0x00, computed without
        // branching on the values.
        let ok =
            u8::from(decrypted_len.is_some()) & u8::from(decrypted_len.unwrap_or(0) == key_len);
        Ok(select(ok, &buffer, &random))
    }

    /// Unwrap a content-encryption key of `key_len` bytes from a KeyAgreeRecipientInfo:
    /// agree with the originator's ephemeral public key, derive the key-encryption key and
    /// unwrap (RFC 5753 3.1.2, RFC 8418 2). As with RSA, any failure (a point not on the
    /// curve, a failed integrity check, a key of another kind) yields a random key.
    pub fn unwrap_agreed_key(
        &self,
        agreement: &KeyAgreement,
        originator_public_key: &[u8],
        ukm: Option<&[u8]>,
        encrypted_key: &[u8],
        key_len: usize,
    ) -> Result<Zeroizing<Vec<u8>>> {
        let random = random_bytes(key_len)?;
        let unwrapped = match &self.inner {
            Inner::Agreement(curve, key) if !agreement.is_finite_field() => {
                key_agreement::agree_and_unwrap(
                    key,
                    *curve,
                    agreement,
                    originator_public_key,
                    ukm,
                    encrypted_key,
                )
            }
            // ESDH (RFC 3370 4.1.1): ZZ, the X9.42 KDF, the (3DES) key unwrap.
            Inner::Dh(key) if agreement.is_finite_field() => {
                x942::shared_secret(key, originator_public_key).and_then(|zz| {
                    agreement
                        .wrap
                        .unwrap(&agreement.derive_kek(&zz, ukm), encrypted_key)
                })
            }
            Inner::External(k) if !agreement.is_finite_field() => {
                k.agree(originator_public_key).and_then(|z| {
                    agreement
                        .wrap
                        .unwrap(&agreement.derive_kek(&z, ukm), encrypted_key)
                })
            }
            _ => return Ok(random),
        };
        let ok = u8::from(unwrapped.as_ref().is_some_and(|k| k.len() == key_len));
        let empty = Zeroizing::new(Vec::new());
        Ok(select(ok, unwrapped.as_ref().unwrap_or(&empty), &random))
    }
}

/// `candidate` when `ok` is 1, else `random`, byte by byte without a branch on `ok`.
fn select(ok: u8, candidate: &[u8], random: &[u8]) -> Zeroizing<Vec<u8>> {
    let mask = ok.wrapping_neg();
    let mut key = Zeroizing::new(vec![0u8; random.len()]);
    for (i, out) in key.iter_mut().enumerate() {
        let c = candidate.get(i).copied().unwrap_or(0);
        *out = (c & mask) | (random[i] & !mask);
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_pki::Pki;

    /// The files of key `name` (`name.key`, PKCS#8 PEM) in each form: PKCS#8 PEM, the
    /// traditional form (PKCS#1 / SEC1) in PEM and in DER.
    fn key_forms(pki: &Pki, name: &str) -> [String; 3] {
        let key = format!("{name}.key");
        let traditional = format!("{name}.trad.pem");
        let der = format!("{name}.trad.der");
        pki.openssl(&["pkey", "-in", &key, "-traditional", "-out", &traditional]);
        pki.openssl(&[
            "pkey",
            "-in",
            &key,
            "-traditional",
            "-outform",
            "DER",
            "-out",
            &der,
        ]);
        [key, traditional, der]
    }

    #[test]
    fn from_pem_or_der_reads_each_key_kind_in_each_form() {
        let pki = Pki::new();
        for (name, kind) in [("rsa", "rsa2048"), ("p256", "p256"), ("p384", "p384")] {
            pki.key(name, kind);
            let kinds: Vec<DecryptingKeyKind> = key_forms(&pki, name)
                .iter()
                .map(|f| {
                    DecryptingKey::from_pem_or_der(&pki.read(f), f)
                        .unwrap()
                        .kind()
                })
                .collect();
            let expected = match name {
                "rsa" => DecryptingKeyKind::Rsa,
                "p256" => DecryptingKeyKind::Agreement(AgreementCurve::P256),
                _ => DecryptingKeyKind::Agreement(AgreementCurve::P384),
            };
            assert!(kinds.iter().all(|k| *k == expected), "{name}: {kinds:?}");
        }
        pki.openssl(&["genpkey", "-algorithm", "X25519", "-out", "x.key"]);
        let x = DecryptingKey::from_pem_or_der(&pki.read("x.key"), "x.key").unwrap();
        assert_eq!(
            x.kind(),
            DecryptingKeyKind::Agreement(AgreementCurve::X25519)
        );
        assert_eq!(x.description(), "X25519");
    }

    /// An RSA-1024 key reads in PKCS#8 and in PKCS#1 (traditional) form, PEM and DER,
    /// through the legacy path, and says it is legacy; an RSA-512 key does not read.
    #[test]
    fn from_pem_or_der_reads_rsa_1024_as_legacy_in_each_form() {
        let pki = Pki::new();
        for bits in ["1024", "512"] {
            let name = format!("r{bits}");
            pki.openssl(&[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                &format!("rsa_keygen_bits:{bits}"),
                "-out",
                &format!("{name}.key"),
            ]);
            for file in &key_forms(&pki, &name) {
                let read = DecryptingKey::from_pem_or_der(&pki.read(file), file);
                if bits == "512" {
                    let err = read.unwrap_err().to_string();
                    assert!(err.starts_with(file.as_str()), "{err}");
                    continue;
                }
                let k = read.unwrap();
                assert_eq!(k.kind(), DecryptingKeyKind::Rsa, "{file}");
                assert_eq!(k.description(), "RSA 1024", "{file}");
                assert!(k.legacy().is_some(), "{file}");
            }
        }
    }

    #[test]
    fn from_pem_or_der_signing_only_or_unsupported_keys_are_errors_naming_the_file() {
        let pki = Pki::new();
        pki.key("ed", "ed25519");
        pki.key("p521", "p521");
        for file in ["ed.key", "p521.key"] {
            let err = DecryptingKey::from_pem_or_der(&pki.read(file), file).unwrap_err();
            assert!(err.to_string().starts_with(file), "{err}");
        }
        let err = DecryptingKey::from_pem_or_der(b"not a key", "junk.pem").unwrap_err();
        assert!(err.to_string().contains("junk.pem"), "{err}");
    }
}

//! Key agreement for KeyAgreeRecipientInfo (RFC 5652 6.2.2): ephemeral-static ECDH on P-256
//! and P-384 (RFC 5753) and X25519 (RFC 8418). The shared secret goes through a KDF (ANSI
//! X9.63 with SHA-1/SHA-2, or HKDF with SHA-2) over the DER of ECC-CMS-SharedInfo to give a
//! key-encryption key, which wraps the content-encryption key with AES key wrap.
//!
//! We write stdDH with the X9.63 KDF over SHA-256 (P-256) or SHA-384 (P-384), and HKDF
//! with SHA-256 for X25519 (RFC 8418 recommends it); the wrap matches the content key
//! strength. Reading also accepts the SHA-1 X9.63 KDF that OpenSSL writes by default: a
//! KDF is not a signature, and SHA-1's collision weakness does not reach it; reports name it.
//!
//! Old mail may use finite-field ESDH instead (RFC 3370 4.1.1: X9.42 DH, the X9.42 KDF
//! with SHA-1, usually the 3DES key wrap): read with `CryptoPolicy::allow_legacy` only,
//! through [`super::x942`].

use aws_lc_rs::agreement::{self, UnparsedPublicKey};
use aws_lc_rs::{digest, hkdf};
use const_oid::ObjectIdentifier;
use spki::SubjectPublicKeyInfoOwned;
use zeroize::Zeroizing;

use super::key_wrap::KeyWrapAlgorithm;
use crate::ber::{encode_tlv, Element, Tag};
use crate::{Error, Result};

pub use smime_pkix::signature::{EC_PUBLIC_KEY, P256, P384};
/// id-X25519 (RFC 8410 3).
pub const X25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.110");

/// dhSinglePass-stdDH-sha1kdf-scheme (RFC 5753 7.1.4).
const STD_DH_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.133.16.840.63.0.2");
/// dhSinglePass-cofactorDH-sha1kdf-scheme (RFC 5753 7.1.4).
const COFACTOR_DH_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.133.16.840.63.0.3");
/// dhSinglePass-stdDH-sha224kdf-scheme .. sha512kdf (RFC 5753 7.1.4): arc 1.3.132.1.11.
const STD_DH_SHA2: [ObjectIdentifier; 4] = [
    ObjectIdentifier::new_unwrap("1.3.132.1.11.0"),
    ObjectIdentifier::new_unwrap("1.3.132.1.11.1"),
    ObjectIdentifier::new_unwrap("1.3.132.1.11.2"),
    ObjectIdentifier::new_unwrap("1.3.132.1.11.3"),
];
/// dhSinglePass-cofactorDH-sha224kdf-scheme .. sha512kdf (RFC 5753 7.1.4): arc 1.3.132.1.14.
const COFACTOR_DH_SHA2: [ObjectIdentifier; 4] = [
    ObjectIdentifier::new_unwrap("1.3.132.1.14.0"),
    ObjectIdentifier::new_unwrap("1.3.132.1.14.1"),
    ObjectIdentifier::new_unwrap("1.3.132.1.14.2"),
    ObjectIdentifier::new_unwrap("1.3.132.1.14.3"),
];
/// dhSinglePass-stdDH-hkdf-sha256/384/512-scheme (RFC 8418 2.2).
const STD_DH_HKDF: [ObjectIdentifier; 3] = [
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.3.19"),
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.3.20"),
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.3.21"),
];

/// A curve for key agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgreementCurve {
    /// NIST P-256 (secp256r1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
    /// X25519 (RFC 7748).
    X25519,
}

impl AgreementCurve {
    /// The curve of a certificate's public key, if it is one we agree keys on.
    pub fn from_spki(spki: &SubjectPublicKeyInfoOwned) -> Option<Self> {
        match spki.algorithm.oid {
            X25519 => Some(AgreementCurve::X25519),
            EC_PUBLIC_KEY => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()?
                    .decode_as::<ObjectIdentifier>()
                    .ok()?;
                Self::from_named_curve(&curve)
            }
            _ => None,
        }
    }

    /// The curve named by an ECParameters namedCurve OID.
    pub fn from_named_curve(oid: &ObjectIdentifier) -> Option<Self> {
        match *oid {
            P256 => Some(AgreementCurve::P256),
            P384 => Some(AgreementCurve::P384),
            _ => None,
        }
    }

    /// A name for reports.
    pub fn name(&self) -> &'static str {
        match self {
            AgreementCurve::P256 => "P-256",
            AgreementCurve::P384 => "P-384",
            AgreementCurve::X25519 => "X25519",
        }
    }

    pub(crate) fn backend(&self) -> &'static agreement::Algorithm {
        match self {
            AgreementCurve::P256 => &agreement::ECDH_P256,
            AgreementCurve::P384 => &agreement::ECDH_P384,
            AgreementCurve::X25519 => &agreement::X25519,
        }
    }

    /// The OriginatorPublicKey algorithm (RFC 5753 7.1.3 for EC: id-ecPublicKey with the
    /// parameters absent, the curve being the recipient's; RFC 8418 2.1 for X25519).
    fn originator_algorithm_der(&self) -> Vec<u8> {
        let oid = match self {
            AgreementCurve::X25519 => X25519,
            _ => EC_PUBLIC_KEY,
        };
        encode_tlv(Tag::SEQUENCE, &encode_tlv(Tag::OID, oid.as_bytes()))
    }
}

/// The hash of a KDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KdfHash {
    /// SHA-1 (read only).
    Sha1,
    /// SHA-224 (read only).
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl KdfHash {
    fn name(&self) -> &'static str {
        match self {
            KdfHash::Sha1 => "SHA-1",
            KdfHash::Sha224 => "SHA-224",
            KdfHash::Sha256 => "SHA-256",
            KdfHash::Sha384 => "SHA-384",
            KdfHash::Sha512 => "SHA-512",
        }
    }

    fn digest(&self) -> &'static digest::Algorithm {
        match self {
            KdfHash::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            KdfHash::Sha224 => &digest::SHA224,
            KdfHash::Sha256 => &digest::SHA256,
            KdfHash::Sha384 => &digest::SHA384,
            KdfHash::Sha512 => &digest::SHA512,
        }
    }
}

/// The key derivation function of a key agreement scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kdf {
    /// ANSI X9.63 KDF (SEC 1 3.6.1), as RFC 5753 uses it.
    X963(KdfHash),
    /// HKDF (RFC 5869) without salt, as RFC 8418 2.2 uses it (SHA-256/384/512 only).
    Hkdf(KdfHash),
    /// The X9.42 KDF with SHA-1 over OtherInfo (RFC 2631 2.1.2), for finite-field ESDH
    /// (RFC 3370 4.1.1). Legacy, read only.
    X942,
}

/// A keyEncryptionAlgorithm of a KeyAgreeRecipientInfo: the scheme (DH variant and KDF)
/// and, as its parameter, the key wrap algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyAgreement {
    /// The KDF.
    pub kdf: Kdf,
    /// cofactorDH rather than stdDH; the same for the prime-order curves read here.
    pub cofactor: bool,
    /// The key wrap of the content-encryption key.
    pub wrap: KeyWrapAlgorithm,
}

impl KeyAgreement {
    /// What we write to a recipient on `curve` for a content key of `content_key_len`
    /// bytes: X9.63 KDF with SHA-256 (P-256) or SHA-384 (P-384) as RFC 5753 pairs them,
    /// HKDF-SHA-256 for X25519 (RFC 8418 2.2), stdDH, and a wrap matching the content key.
    pub fn for_recipient(curve: AgreementCurve, content_key_len: usize) -> Self {
        let kdf = match curve {
            AgreementCurve::P256 => Kdf::X963(KdfHash::Sha256),
            AgreementCurve::P384 => Kdf::X963(KdfHash::Sha384),
            AgreementCurve::X25519 => Kdf::Hkdf(KdfHash::Sha256),
        };
        KeyAgreement {
            kdf,
            cofactor: false,
            wrap: KeyWrapAlgorithm::for_content_key(content_key_len),
        }
    }

    /// The scheme's object identifier.
    pub fn oid(&self) -> ObjectIdentifier {
        let sha2 = |h: KdfHash| match h {
            KdfHash::Sha224 => 0,
            KdfHash::Sha256 => 1,
            KdfHash::Sha384 => 2,
            _ => 3,
        };
        match (self.kdf, self.cofactor) {
            (Kdf::X963(KdfHash::Sha1), false) => STD_DH_SHA1,
            (Kdf::X963(KdfHash::Sha1), true) => COFACTOR_DH_SHA1,
            (Kdf::X963(h), false) => STD_DH_SHA2[sha2(h)],
            (Kdf::X963(h), true) => COFACTOR_DH_SHA2[sha2(h)],
            (Kdf::Hkdf(h), _) => STD_DH_HKDF[sha2(h) - 1],
            (Kdf::X942, _) => super::x942::ESDH,
        }
    }

    /// Whether this is finite-field ESDH (RFC 3370 4.1.1) rather than ECDH or X25519.
    pub fn is_finite_field(&self) -> bool {
        self.kdf == Kdf::X942
    }

    /// Whether the KDF uses SHA-1 (accepted for reading, never written).
    pub fn uses_sha1(&self) -> bool {
        matches!(self.kdf, Kdf::X963(KdfHash::Sha1) | Kdf::X942)
    }

    /// A name for reports, e.g. `ECDH stdDH, X9.63 KDF SHA-256, AES-128 key wrap`.
    pub fn name(&self) -> String {
        let kdf = match self.kdf {
            Kdf::X963(h) => format!("X9.63 KDF {}", h.name()),
            Kdf::Hkdf(h) => format!("HKDF-{}", h.name()),
            Kdf::X942 => return format!("ESDH (X9.42 DH), X9.42 KDF SHA-1, {}", self.wrap.name()),
        };
        format!(
            "ECDH {}, {kdf}, {}",
            if self.cofactor { "cofactorDH" } else { "stdDH" },
            self.wrap.name()
        )
    }

    /// The keyEncryptionAlgorithm AlgorithmIdentifier, DER: the scheme with the key wrap
    /// AlgorithmIdentifier as its parameters (RFC 5753 7.1.4 KeyWrapAlgorithm).
    pub fn algorithm_identifier_der(&self) -> Vec<u8> {
        let mut content = encode_tlv(Tag::OID, self.oid().as_bytes());
        content.extend(self.wrap.algorithm_identifier_der());
        encode_tlv(Tag::SEQUENCE, &content)
    }

    /// Read a keyEncryptionAlgorithm of a KeyAgreeRecipientInfo (`alg` in `buf`).
    pub fn from_algorithm_identifier(buf: &[u8], alg: &Element) -> Result<Self> {
        const WHAT: &str = "KeyAgreeRecipientInfo keyEncryptionAlgorithm";
        let (oid, params) = alg.algorithm_identifier(buf, WHAT)?;
        let sha2 = [
            KdfHash::Sha224,
            KdfHash::Sha256,
            KdfHash::Sha384,
            KdfHash::Sha512,
        ];
        let (kdf, cofactor) = if oid == STD_DH_SHA1 {
            (Kdf::X963(KdfHash::Sha1), false)
        } else if oid == COFACTOR_DH_SHA1 {
            (Kdf::X963(KdfHash::Sha1), true)
        } else if let Some(i) = STD_DH_SHA2.iter().position(|o| *o == oid) {
            (Kdf::X963(sha2[i]), false)
        } else if let Some(i) = COFACTOR_DH_SHA2.iter().position(|o| *o == oid) {
            (Kdf::X963(sha2[i]), true)
        } else if let Some(i) = STD_DH_HKDF.iter().position(|o| *o == oid) {
            (Kdf::Hkdf(sha2[i + 1]), false)
        } else if oid == super::x942::ESDH {
            (Kdf::X942, false)
        } else {
            return Err(Error::UnsupportedAlgorithm {
                oid: oid.to_string(),
                context: "key agreement",
            });
        };
        let wrap = params.first().ok_or_else(|| {
            Error::asn1(
                WHAT,
                alg.range.start,
                "the key wrap algorithm (parameters) is missing",
            )
        })?;
        let wrap =
            KeyWrapAlgorithm::from_algorithm_identifier(buf, wrap, "key agreement key wrap")?;
        Ok(KeyAgreement {
            kdf,
            cofactor,
            wrap,
        })
    }

    /// The key-encryption key from the shared secret `z` (RFC 5753 7.2, RFC 8418 2.2):
    /// the KDF over the DER of ECC-CMS-SharedInfo; for ESDH the X9.42 KDF over OtherInfo
    /// (RFC 2631 2.1.2).
    pub(crate) fn derive_kek(&self, z: &[u8], ukm: Option<&[u8]>) -> Zeroizing<Vec<u8>> {
        let len = self.wrap.kek_len();
        let info = shared_info_der(self.wrap, ukm, len);
        let mut out = Zeroizing::new(vec![0u8; len]);
        match self.kdf {
            Kdf::X942 => super::x942::x942_kdf(z, &self.wrap.oid(), ukm, &mut out),
            Kdf::X963(h) => x963_kdf(h.digest(), z, &info, &mut out),
            Kdf::Hkdf(h) => {
                let alg = match h {
                    KdfHash::Sha384 => hkdf::HKDF_SHA384,
                    KdfHash::Sha512 => hkdf::HKDF_SHA512,
                    _ => hkdf::HKDF_SHA256,
                };
                // Lengths of 16 or 32 bytes are always within HKDF's 255 * HashLen limit.
                if let Ok(okm) = hkdf::Salt::new(alg, &[])
                    .extract(z)
                    .expand(&[&info], OutputLength(len))
                {
                    let _ = okm.fill(&mut out);
                }
            }
        }
        out
    }
}

struct OutputLength(usize);

impl hkdf::KeyType for OutputLength {
    fn len(&self) -> usize {
        self.0
    }
}

/// ECC-CMS-SharedInfo (RFC 5753 7.2): keyInfo (the wrap algorithm), entityUInfo `[0]`
/// (the ukm, when present), suppPubInfo `[2]` (the key-encryption key length in bits as
/// a 32-bit big-endian number).
fn shared_info_der(wrap: KeyWrapAlgorithm, ukm: Option<&[u8]>, kek_len: usize) -> Vec<u8> {
    let mut content = wrap.algorithm_identifier_der();
    if let Some(ukm) = ukm {
        content.extend(encode_tlv(
            Tag::context(0, true),
            &encode_tlv(Tag::OCTET_STRING, ukm),
        ));
    }
    let bits = u32::try_from(kek_len * 8).unwrap_or(u32::MAX).to_be_bytes();
    content.extend(encode_tlv(
        Tag::context(2, true),
        &encode_tlv(Tag::OCTET_STRING, &bits),
    ));
    encode_tlv(Tag::SEQUENCE, &content)
}

/// ANSI X9.63 KDF (SEC 1 3.6.1): Hash(Z || counter || SharedInfo) for counter = 1, 2, ...
fn x963_kdf(hash: &'static digest::Algorithm, z: &[u8], info: &[u8], out: &mut [u8]) {
    for (counter, chunk) in (1u32..).zip(out.chunks_mut(hash.output_len())) {
        let mut ctx = digest::Context::new(hash);
        ctx.update(z);
        ctx.update(&counter.to_be_bytes());
        ctx.update(info);
        let block = ctx.finish();
        chunk.copy_from_slice(&block.as_ref()[..chunk.len()]);
    }
}

/// What the sender puts in a KeyAgreeRecipientInfo for one recipient.
pub struct AgreedKey {
    /// OriginatorPublicKey's algorithm AlgorithmIdentifier, DER.
    pub originator_algorithm_der: Vec<u8>,
    /// OriginatorPublicKey's publicKey: the ephemeral public key (an uncompressed point,
    /// or the 32 X25519 bytes).
    pub originator_public_key: Vec<u8>,
    /// The wrapped content-encryption key.
    pub encrypted_key: Vec<u8>,
}

/// Ephemeral-static key agreement with the recipient's key `spki` on `curve`, then wrap
/// `content_key` (RFC 5753 3.1.1, RFC 8418 2). `what` names the recipient in errors.
pub fn agree_and_wrap(
    spki: &SubjectPublicKeyInfoOwned,
    curve: AgreementCurve,
    agreement: &KeyAgreement,
    content_key: &[u8],
    what: &str,
) -> Result<AgreedKey> {
    let ephemeral = agreement::PrivateKey::generate(curve.backend())
        .map_err(|_| Error::Unexpected("generating an ephemeral key failed".into()))?;
    let public = ephemeral
        .compute_public_key()
        .map_err(|_| Error::Unexpected("computing the ephemeral public key failed".into()))?;
    let peer = UnparsedPublicKey::new(curve.backend(), spki.subject_public_key.raw_bytes());
    let kek = agreement::agree(
        &ephemeral,
        peer,
        Error::key(
            what,
            format!("the certificate's {} public key is not valid", curve.name()),
        ),
        |z| Ok(agreement.derive_kek(z, None)),
    )?;
    Ok(AgreedKey {
        originator_algorithm_der: curve.originator_algorithm_der(),
        originator_public_key: public.as_ref().to_vec(),
        encrypted_key: agreement.wrap.wrap(&kek, content_key)?,
    })
}

/// Recipient side: agree with the originator's ephemeral public key using our static
/// `key`, derive the key-encryption key and unwrap. `None` on any failure (invalid point,
/// failed integrity check).
pub(crate) fn agree_and_unwrap(
    key: &agreement::PrivateKey,
    curve: AgreementCurve,
    agreement: &KeyAgreement,
    originator_public_key: &[u8],
    ukm: Option<&[u8]>,
    encrypted_key: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    let peer = UnparsedPublicKey::new(curve.backend(), originator_public_key);
    let kek = agreement::agree(key, peer, (), |z| Ok(agreement.derive_kek(z, ukm))).ok()?;
    agreement.wrap.unwrap(&kek, encrypted_key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ANSI X9.63 KDF known answer (SHA-256, a 192-bit shared secret, no shared info,
    /// 128-bit output), the value OpenSSL gives: `openssl kdf -keylen 16 -kdfopt
    /// digest:SHA256 -kdfopt hexkey:96c05619d56c328ab95fe84b18264b08725b85e33fd34f08 X963KDF`.
    #[test]
    fn x963_kdf_matches_openssl() {
        let z: Vec<u8> = (0..24)
            .map(|i| {
                u8::from_str_radix(
                    &"96c05619d56c328ab95fe84b18264b08725b85e33fd34f08"[i * 2..i * 2 + 2],
                    16,
                )
                .unwrap()
            })
            .collect();
        let mut out = [0u8; 16];
        x963_kdf(&digest::SHA256, &z, &[], &mut out);
        let hex: String = out.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "443024c3dae66b95e6f5670601558f71");
    }

    #[test]
    fn key_agreement_identifier_round_trips() {
        for curve in [
            AgreementCurve::P256,
            AgreementCurve::P384,
            AgreementCurve::X25519,
        ] {
            for len in [16, 32] {
                let ka = KeyAgreement::for_recipient(curve, len);
                let der = ka.algorithm_identifier_der();
                let element = Element::read_all(&der, "test").unwrap();
                assert_eq!(
                    KeyAgreement::from_algorithm_identifier(&der, &element).unwrap(),
                    ka
                );
            }
        }
    }

    #[test]
    fn agree_and_unwrap_round_trips_and_wrong_key_fails() {
        for curve in [
            AgreementCurve::P256,
            AgreementCurve::P384,
            AgreementCurve::X25519,
        ] {
            let recipient = agreement::PrivateKey::generate(curve.backend()).unwrap();
            let other = agreement::PrivateKey::generate(curve.backend()).unwrap();
            let public = recipient.compute_public_key().unwrap();
            let spki = SubjectPublicKeyInfoOwned {
                algorithm: spki::AlgorithmIdentifierOwned {
                    oid: X25519,
                    parameters: None,
                },
                subject_public_key: der::asn1::BitString::from_bytes(public.as_ref()).unwrap(),
            };
            let ka = KeyAgreement::for_recipient(curve, 32);
            let agreed = agree_and_wrap(&spki, curve, &ka, &[9u8; 32], "test").unwrap();
            let key = agree_and_unwrap(
                &recipient,
                curve,
                &ka,
                &agreed.originator_public_key,
                None,
                &agreed.encrypted_key,
            )
            .unwrap();
            assert_eq!(&key[..], &[9u8; 32]);
            assert!(agree_and_unwrap(
                &other,
                curve,
                &ka,
                &agreed.originator_public_key,
                None,
                &agreed.encrypted_key
            )
            .is_none());
        }
    }
}

//! AES key wrap (RFC 3394) of a content-encryption key under a key-encryption key, as CMS
//! uses it for key agreement and previously distributed keys (RFC 3565 2.3.2, RFC 5652
//! 6.2.2 and 6.2.3). AES-128 and AES-256 go through aws-lc-rs; AES-192, which it leaves
//! out, is only ever unwrapped, through [`super::ffi::aes_key_wrap`].

use aws_lc_rs::key_wrap::{AesBlockCipher, KeyEncryptionKey, KeyWrap, AES_128, AES_256};
use const_oid::ObjectIdentifier;
use zeroize::Zeroizing;

use crate::ber::{encode_tlv, Element, Tag};
use crate::{Error, Result};

/// id-aes128-wrap (RFC 3565 2.3.2).
pub const AES128_WRAP: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.5");
/// id-aes192-wrap (RFC 3565 2.3.2).
pub const AES192_WRAP: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.25");
/// id-aes256-wrap (RFC 3565 2.3.2).
pub const AES256_WRAP: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.45");

/// An AES key wrap algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyWrapAlgorithm {
    /// id-aes128-wrap: a 128-bit key-encryption key.
    Aes128,
    /// id-aes192-wrap: a 192-bit key-encryption key. Read, never written.
    Aes192,
    /// id-aes256-wrap: a 256-bit key-encryption key.
    Aes256,
    /// id-alg-CMS3DESwrap (RFC 3217): a 3DES content key under a 3DES key-encryption key,
    /// as ESDH key agreement used it (RFC 3370 4.3.1). Legacy: read only, and only with
    /// `CryptoPolicy::allow_legacy`.
    Des3,
    /// id-alg-CMSRC2wrap (RFC 3217 4) with these RC2 effective key bits (RFC 3370 4.3.2:
    /// a 128-bit key-encryption key). Legacy like 3DES.
    Rc2(usize),
}

impl KeyWrapAlgorithm {
    /// The wrap that matches a content-encryption key of `content_key_len` bytes: a
    /// key-encryption key at least as strong as the key it protects (RFC 5753 7.2).
    pub fn for_content_key(content_key_len: usize) -> Self {
        if content_key_len <= 16 {
            KeyWrapAlgorithm::Aes128
        } else {
            KeyWrapAlgorithm::Aes256
        }
    }

    /// The algorithm's object identifier.
    pub fn oid(&self) -> ObjectIdentifier {
        match self {
            KeyWrapAlgorithm::Aes128 => AES128_WRAP,
            KeyWrapAlgorithm::Aes192 => AES192_WRAP,
            KeyWrapAlgorithm::Aes256 => AES256_WRAP,
            KeyWrapAlgorithm::Des3 => super::x942::CMS3DES_WRAP,
            KeyWrapAlgorithm::Rc2(_) => super::x942::CMSRC2_WRAP,
        }
    }

    /// Whether this wrap is legacy (read only with `CryptoPolicy::allow_legacy`).
    pub fn is_legacy(&self) -> bool {
        matches!(self, KeyWrapAlgorithm::Des3 | KeyWrapAlgorithm::Rc2(_))
    }

    /// The key-encryption key length in bytes.
    pub fn kek_len(&self) -> usize {
        match self {
            KeyWrapAlgorithm::Aes128 => 16,
            KeyWrapAlgorithm::Aes192 => super::ffi::aes_key_wrap::KEY_LEN,
            KeyWrapAlgorithm::Aes256 => 32,
            KeyWrapAlgorithm::Des3 => 24,
            KeyWrapAlgorithm::Rc2(_) => 16,
        }
    }

    /// A name for reports.
    pub fn name(&self) -> &'static str {
        match self {
            KeyWrapAlgorithm::Aes128 => "AES-128 key wrap",
            KeyWrapAlgorithm::Aes192 => "AES-192 key wrap",
            KeyWrapAlgorithm::Aes256 => "AES-256 key wrap",
            KeyWrapAlgorithm::Des3 => "3DES key wrap (CMS3DESwrap)",
            KeyWrapAlgorithm::Rc2(_) => "RC2 key wrap (CMSRC2wrap)",
        }
    }

    /// The aws-lc-rs cipher; `None` for AES-192 (through `ffi`) and 3DES (through
    /// `x942`), which are only read.
    fn backend(&self) -> Option<&'static AesBlockCipher> {
        match self {
            KeyWrapAlgorithm::Aes128 => Some(&AES_128),
            KeyWrapAlgorithm::Aes256 => Some(&AES_256),
            KeyWrapAlgorithm::Aes192 | KeyWrapAlgorithm::Des3 | KeyWrapAlgorithm::Rc2(_) => None,
        }
    }

    /// The AlgorithmIdentifier, DER: the parameters are absent for AES (RFC 3565 2.3.2),
    /// NULL for 3DES (RFC 3370 4.3.1) and the RC2 parameter version for RC2 (4.3.2).
    pub fn algorithm_identifier_der(&self) -> Vec<u8> {
        let mut content = encode_tlv(Tag::OID, self.oid().as_bytes());
        match self {
            KeyWrapAlgorithm::Des3 => content.extend([0x05, 0x00]),
            KeyWrapAlgorithm::Rc2(bits) => {
                let version = match bits {
                    40 => 160,
                    64 => 120,
                    128 => 58,
                    other => *other,
                };
                let version = u16::try_from(version).unwrap_or(58).to_be_bytes();
                let start = usize::from(version[0] == 0 && version[1] < 0x80);
                content.extend(encode_tlv(Tag::INTEGER, &version[start..]));
            }
            _ => {}
        }
        encode_tlv(Tag::SEQUENCE, &content)
    }

    /// Read a key wrap AlgorithmIdentifier (`alg` in `buf`); `context` names its place.
    pub fn from_algorithm_identifier(
        buf: &[u8],
        alg: &Element,
        context: &'static str,
    ) -> Result<Self> {
        let (oid, params) = alg.algorithm_identifier(buf, context)?;
        if oid == super::x942::CMSRC2_WRAP {
            // RC2wrapParameter ::= RC2ParameterVersion (RFC 3370 4.3.2).
            let version = params
                .first()
                .ok_or_else(|| Error::asn1(context, alg.range.start, "no RC2 wrap parameter"))?;
            let version = version.small_integer(buf, context)?;
            let bits =
                super::legacy_cbc::rc2_effective_key_bits(Some(version)).ok_or_else(|| {
                    Error::UnsupportedAlgorithm {
                        oid: format!("RC2 key wrap with parameter version {version}"),
                        context,
                    }
                })?;
            return Ok(KeyWrapAlgorithm::Rc2(bits));
        }
        // Parameters MUST be absent (RFC 3565 2.3.2); a NULL is tolerated as others do
        // (and is what RFC 3370 4.3.1 asks for 3DES).
        if let Some(p) = params.first() {
            if !(p.tag.number == 5 && p.content(buf).is_empty()) || params.len() > 1 {
                return Err(Error::asn1(
                    context,
                    p.range.start,
                    "a key wrap takes no parameters",
                ));
            }
        }
        Self::from_oid(&oid).ok_or_else(|| Error::UnsupportedAlgorithm {
            oid: oid.to_string(),
            context,
        })
    }

    /// The algorithm for an object identifier.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        match *oid {
            AES128_WRAP => Some(KeyWrapAlgorithm::Aes128),
            AES192_WRAP => Some(KeyWrapAlgorithm::Aes192),
            AES256_WRAP => Some(KeyWrapAlgorithm::Aes256),
            super::x942::CMS3DES_WRAP => Some(KeyWrapAlgorithm::Des3),
            _ => None,
        }
    }

    /// Wrap `key` (a multiple of 8 bytes, at least 16) under `kek`. AES-192 and 3DES are
    /// refused: they are only read.
    pub fn wrap(&self, kek: &[u8], key: &[u8]) -> Result<Vec<u8>> {
        let Some(backend) = self.backend() else {
            return Err(Error::Refused {
                what: self.name().into(),
                reason: "it is only read, never written".into(),
            });
        };
        let fail = |_| Error::Unexpected(format!("{} of the content key failed", self.name()));
        let kek = KeyEncryptionKey::new(backend, kek).map_err(fail)?;
        let mut out = vec![0u8; key.len() + 8];
        let n = kek.wrap(key, &mut out).map_err(fail)?.len();
        out.truncate(n);
        Ok(out)
    }

    /// Unwrap `wrapped` under `kek`; `None` when the integrity check fails (wrong key or
    /// changed data) or the input has an impossible length.
    pub fn unwrap(&self, kek: &[u8], wrapped: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        match self {
            KeyWrapAlgorithm::Des3 => return super::x942::des3_key_unwrap(kek, wrapped),
            KeyWrapAlgorithm::Rc2(bits) => return super::x942::rc2_key_unwrap(kek, *bits, wrapped),
            _ => {}
        }
        if kek.len() != self.kek_len() || wrapped.len() < 24 || !wrapped.len().is_multiple_of(8) {
            return None;
        }
        let Some(backend) = self.backend() else {
            return super::ffi::aes_key_wrap::unwrap_aes192(kek, wrapped);
        };
        let kek = KeyEncryptionKey::new(backend, kek).ok()?;
        let mut out = Zeroizing::new(vec![0u8; wrapped.len()]);
        let n = kek.unwrap(wrapped, &mut out).ok()?.len();
        out.truncate(n);
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::crypto::test_pki::unhex as hex;

    /// RFC 3394 4.1 and 4.6: 128-bit key data under 128- and 256-bit KEKs.
    #[test]
    fn key_wrap_matches_rfc3394_vectors() {
        let data = hex("00112233445566778899AABBCCDDEEFF");
        let kek128 = hex("000102030405060708090A0B0C0D0E0F");
        let wrapped = KeyWrapAlgorithm::Aes128.wrap(&kek128, &data).unwrap();
        assert_eq!(
            wrapped,
            hex("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5")
        );
        assert_eq!(
            &*KeyWrapAlgorithm::Aes128.unwrap(&kek128, &wrapped).unwrap(),
            &data[..]
        );
        let data = hex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F");
        let kek256 = hex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
        let wrapped = KeyWrapAlgorithm::Aes256.wrap(&kek256, &data).unwrap();
        assert_eq!(
            wrapped,
            hex("28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21")
        );
    }

    /// id-aes192-wrap is read (through `ffi`, RFC 3394 4.2's vector) but never written.
    #[test]
    fn aes192_wrap_is_read_but_never_written() {
        let alg = KeyWrapAlgorithm::from_oid(&AES192_WRAP).unwrap();
        assert_eq!(alg, KeyWrapAlgorithm::Aes192);
        assert_eq!(alg.kek_len(), 24);
        let kek = hex("000102030405060708090A0B0C0D0E0F1011121314151617");
        let wrapped = hex("96778B25AE6CA435F92B5B97C050AED2468AB8A17AD84E5D");
        assert_eq!(
            &*alg.unwrap(&kek, &wrapped).unwrap(),
            &hex("00112233445566778899AABBCCDDEEFF")[..]
        );
        assert!(matches!(
            alg.wrap(&kek, &[0u8; 16]),
            Err(Error::Refused { .. })
        ));
        assert_eq!(
            KeyWrapAlgorithm::for_content_key(24),
            KeyWrapAlgorithm::Aes256
        );
    }

    #[test]
    fn key_unwrap_wrong_kek_or_changed_data_is_none() {
        let kek = [7u8; 32];
        let mut wrapped = KeyWrapAlgorithm::Aes256.wrap(&kek, &[1u8; 32]).unwrap();
        assert!(KeyWrapAlgorithm::Aes256
            .unwrap(&[8u8; 32], &wrapped)
            .is_none());
        wrapped[5] ^= 1;
        assert!(KeyWrapAlgorithm::Aes256.unwrap(&kek, &wrapped).is_none());
        assert!(KeyWrapAlgorithm::Aes256
            .unwrap(&kek, &wrapped[..20])
            .is_none());
    }
}

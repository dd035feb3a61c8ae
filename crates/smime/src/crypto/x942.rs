//! Ephemeral-static Diffie-Hellman key agreement as old S/MIME used it (RFC 2631, RFC 3370
//! 4.1.1, id-alg-ESDH): X9.42 DH keys, the X9.42 KDF over SHA-1 with OtherInfo
//! (RFC 2631 2.1.2), and the Triple-DES and RC2 key wraps of the content key (RFC 3217 3
//! and 4, id-alg-CMS3DESwrap and id-alg-CMSRC2wrap). Read only and legacy: nothing here is ever written, and it is used
//! only with [`crate::CryptoPolicy::allow_legacy`] (the DH key itself is legacy, see
//! [`super::DecryptingKey::legacy`]; so is the wrap, see [`super::key_wrap`]).

use aws_lc_rs::{constant_time, digest};
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::InnerIvInit;
use cbc::cipher::{BlockDecryptMut, KeyIvInit};
use const_oid::ObjectIdentifier;
use des::TdesEde3;
use rc2::Rc2;
use zeroize::Zeroizing;

use super::ffi::dh::DhPrivateKey;
use super::private_key::pkcs8_algorithm_and_key;
use crate::ber::{encode_tlv, Element, Tag};

/// dhpublicnumber (RFC 3279 2.3.3): an X9.42 DH key, in certificates, PKCS#8 and
/// OriginatorPublicKey.
pub const DH_PUBLIC_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10046.2.1");
/// id-alg-ESDH (RFC 3370 4.1.1): ephemeral-static DH, X9.42 KDF with SHA-1.
pub const ESDH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.3.5");
/// id-alg-CMS3DESwrap (RFC 3217 3, RFC 3370 4.3.1).
pub const CMS3DES_WRAP: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.3.6");

/// id-alg-CMSRC2wrap (RFC 3217 4, RFC 3370 4.3.2).
pub const CMSRC2_WRAP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.3.7");

/// The fixed IV of the second CBC pass of both wraps (RFC 3217 3.1 and 4.1).
const WRAP_IV: [u8; 8] = [0x4a, 0xdd, 0xa2, 0x2c, 0x79, 0xe8, 0x21, 0x05];
/// A 3DES content key (three DES keys).
const DES3_KEY_LEN: usize = 24;
/// The length of a wrapped 3DES key: IV, key and checksum (RFC 3217 3.2 step 1).
const WRAPPED_LEN: usize = 40;

/// The X9.42 KDF (RFC 2631 2.1.2): SHA-1(ZZ || DER(OtherInfo)) for counter = 1, 2, ...
/// until `out` is full. OtherInfo holds the key wrap algorithm `wrap` and the counter
/// (KeySpecificInfo), partyAInfo `[0]` (the ukm, when present) and suppPubInfo `[2]` (the
/// key-encryption key length in bits, 32-bit big-endian).
pub fn x942_kdf(z: &[u8], wrap: &ObjectIdentifier, ukm: Option<&[u8]>, out: &mut [u8]) {
    let bits = u32::try_from(out.len() * 8)
        .unwrap_or(u32::MAX)
        .to_be_bytes();
    let hash = &digest::SHA1_FOR_LEGACY_USE_ONLY;
    for (counter, chunk) in (1u32..).zip(out.chunks_mut(hash.output_len())) {
        let mut key_info = encode_tlv(Tag::OID, wrap.as_bytes());
        key_info.extend(encode_tlv(Tag::OCTET_STRING, &counter.to_be_bytes()));
        let mut other_info = encode_tlv(Tag::SEQUENCE, &key_info);
        if let Some(ukm) = ukm {
            other_info.extend(encode_tlv(
                Tag::context(0, true),
                &encode_tlv(Tag::OCTET_STRING, ukm),
            ));
        }
        other_info.extend(encode_tlv(
            Tag::context(2, true),
            &encode_tlv(Tag::OCTET_STRING, &bits),
        ));
        let mut ctx = digest::Context::new(hash);
        ctx.update(z);
        ctx.update(&encode_tlv(Tag::SEQUENCE, &other_info));
        let block = ctx.finish();
        chunk.copy_from_slice(&block.as_ref()[..chunk.len()]);
    }
}

/// The CMS key checksum (RFC 3217 2): the first 8 bytes of SHA-1 of the key.
fn key_checksum(key: &[u8]) -> [u8; 8] {
    let hash = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, key);
    let mut out = [0u8; 8];
    out.copy_from_slice(&hash.as_ref()[..8]);
    out
}

/// A CBC decryption in place (whole 8-byte blocks, no padding) under the KEK, with an IV.
type CbcDecrypt<'a> = &'a dyn Fn(&[u8], &mut [u8]) -> Option<()>;

/// Steps 2-7 of both unwraps (RFC 3217 3.2 and 4.2): decrypt with the fixed IV, reverse
/// the octets, take the IV from the front, decrypt the rest with it, and check the key
/// checksum in the last 8 bytes. The checked data before the checksum, or `None`.
fn two_pass_unwrap(wrapped: &[u8], decrypt: CbcDecrypt<'_>) -> Option<Zeroizing<Vec<u8>>> {
    if wrapped.len() < 24 || !wrapped.len().is_multiple_of(8) {
        return None;
    }
    let mut temp = Zeroizing::new(wrapped.to_vec());
    decrypt(&WRAP_IV, &mut temp)?;
    temp.reverse();
    let (iv, rest) = temp.split_at_mut(8);
    decrypt(iv, rest)?;
    let (data, icv) = rest.split_at(rest.len() - 8);
    constant_time::verify_slices_are_equal(&key_checksum(data), icv).ok()?;
    Some(Zeroizing::new(data.to_vec()))
}

/// Unwrap a 3DES content key wrapped with id-alg-CMS3DESwrap under the 24-byte `kek`
/// (RFC 3217 3.2). `None` on any failure.
pub fn des3_key_unwrap(kek: &[u8], wrapped: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    if kek.len() != DES3_KEY_LEN || wrapped.len() != WRAPPED_LEN {
        return None;
    }
    two_pass_unwrap(wrapped, &|iv, data| {
        let decryptor = cbc::Decryptor::<TdesEde3>::new_from_slices(kek, iv).ok()?;
        decryptor.decrypt_padded_mut::<NoPadding>(data).ok()?;
        Some(())
    })
}

/// Unwrap a content key wrapped with id-alg-CMSRC2wrap under `kek` with RC2's
/// `effective_bits` (the RC2wrapParameter, RFC 3217 4.2): after the two passes and the
/// checksum, the first byte is the key length and the key follows, padded to a multiple
/// of 8 with fewer than 8 bytes. `None` on any failure.
pub fn rc2_key_unwrap(
    kek: &[u8],
    effective_bits: usize,
    wrapped: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    if kek.is_empty() || kek.len() > 128 || !(1..=1024).contains(&effective_bits) {
        return None;
    }
    let data = two_pass_unwrap(wrapped, &|iv, data| {
        let iv: [u8; 8] = iv.try_into().ok()?;
        let cipher = Rc2::new_with_eff_key_len(kek, effective_bits);
        let decryptor = cbc::Decryptor::<Rc2>::inner_iv_init(cipher, &iv.into());
        decryptor.decrypt_padded_mut::<NoPadding>(data).ok()?;
        Some(())
    })?;
    let (&len, rest) = data.split_first()?;
    let len = usize::from(len);
    if len > rest.len() || rest.len() - len >= 8 {
        return None;
    }
    Some(Zeroizing::new(rest[..len].to_vec()))
}

/// A non-negative INTEGER's magnitude (big-endian, without a leading zero), or `None`.
fn unsigned_integer<'a>(buf: &'a [u8], e: &Element) -> Option<&'a [u8]> {
    e.expect(Tag::INTEGER, "X9.42 DH number").ok()?;
    let bytes = e.content(buf);
    if bytes.first().is_none_or(|b| b & 0x80 != 0) {
        return None;
    }
    Some(bytes)
}

/// An X9.42 DH private key from PKCS#8 (RFC 5958 2): privateKeyAlgorithm dhpublicnumber
/// with DomainParameters { p, g, q, j OPTIONAL, validationParms OPTIONAL } (RFC 3279
/// 2.3.3), privateKey an INTEGER x. `None` when `der` is not one (or not a usable one).
pub fn dh_private_key(der: &[u8]) -> Option<DhPrivateKey> {
    const WHAT: &str = "X9.42 DH private key";
    let (alg, private_key) = pkcs8_algorithm_and_key(der)?;
    let (oid, params) = alg.algorithm_identifier(der, WHAT).ok()?;
    if oid != DH_PUBLIC_NUMBER {
        return None;
    }
    let domain = params.first()?;
    domain.expect(Tag::SEQUENCE, WHAT).ok()?;
    let numbers = domain.children(der, WHAT).ok()?;
    let p = unsigned_integer(der, numbers.first()?)?;
    let g = unsigned_integer(der, numbers.get(1)?)?;
    let q = unsigned_integer(der, numbers.get(2)?)?;
    let x = Element::read_all(&private_key, WHAT).ok()?;
    let x = unsigned_integer(&private_key, &x)?;
    DhPrivateKey::new(p, g, Some(q), x)
}

/// The public value y of an OriginatorPublicKey or certificate key: the BIT STRING holds a
/// DER INTEGER (RFC 3279 2.3.3). `None` when it does not.
pub fn dh_public_value(public_key: &[u8]) -> Option<&[u8]> {
    let y = Element::read_all(public_key, "X9.42 DH public value").ok()?;
    unsigned_integer(public_key, &y)
}

/// ZZ (RFC 2631 2.1.1) from our key and the originator's public key (the BIT STRING
/// contents of OriginatorPublicKey, RFC 3370 4.1.1); `None` when it is not a valid public
/// value of the key's group.
pub fn shared_secret(
    key: &DhPrivateKey,
    originator_public_key: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    key.shared_secret(dh_public_value(originator_public_key)?)
}

/// RFC 3217 3.1 and 4.1 (wrap), only to test the unwraps (nothing is ever wrapped with 3DES
/// or RC2): there are no standard vectors. `rc2_bits`: RC2 with these effective key bits
/// (the key gets its length byte and zero padding), else 3DES.
#[cfg(test)]
pub(crate) fn legacy_key_wrap_for_tests(
    kek: &[u8],
    key: &[u8],
    iv: [u8; 8],
    rc2_bits: Option<usize>,
) -> Vec<u8> {
    use cbc::cipher::BlockEncryptMut;
    let encrypt = |iv: &[u8], data: &mut Vec<u8>| {
        let len = data.len();
        match rc2_bits {
            Some(bits) => {
                let iv: [u8; 8] = iv.try_into().unwrap();
                cbc::Encryptor::<Rc2>::inner_iv_init(
                    Rc2::new_with_eff_key_len(kek, bits),
                    &iv.into(),
                )
                .encrypt_padded_mut::<NoPadding>(data, len)
                .unwrap();
            }
            None => {
                cbc::Encryptor::<TdesEde3>::new_from_slices(kek, iv)
                    .unwrap()
                    .encrypt_padded_mut::<NoPadding>(data, len)
                    .unwrap();
            }
        }
    };
    let mut cekicv = match rc2_bits {
        Some(_) => {
            let mut lcekpad = vec![u8::try_from(key.len()).unwrap()];
            lcekpad.extend(key);
            lcekpad.resize(lcekpad.len().div_ceil(8) * 8, 0);
            lcekpad
        }
        None => key.to_vec(),
    };
    cekicv.extend(key_checksum(&cekicv));
    encrypt(&iv, &mut cekicv);
    let mut temp = iv.to_vec();
    temp.extend(cekicv);
    temp.reverse();
    encrypt(&WRAP_IV, &mut temp);
    temp
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_pki::unhex;

    /// RFC 2631 2.1.6, examples 1 (3DES wrap, 192 bits) and 2 (RC2 wrap, 128 bits, with
    /// partyAInfo).
    #[test]
    fn x942_kdf_matches_rfc2631_examples() {
        let zz = unhex("000102030405060708090a0b0c0d0e0f10111213");
        let mut k = [0u8; 24];
        x942_kdf(&zz, &CMS3DES_WRAP, None, &mut k);
        assert_eq!(
            k.to_vec(),
            unhex("a09661392376f7044d9052a397883246b67f5f1ef63eb5fb")
        );
        let rc2_wrap = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.3.7");
        let party_a = unhex(&"0123456789abcdeffedcba9876543201".repeat(4));
        let mut k = [0u8; 16];
        x942_kdf(&zz, &rc2_wrap, Some(&party_a), &mut k);
        assert_eq!(k.to_vec(), unhex("48950c46e0530075403cce72889604e0"));
    }

    /// The public key (BIT STRING contents) of a SubjectPublicKeyInfo in DER.
    fn spki_public_key(spki: &[u8]) -> Vec<u8> {
        let e = Element::read_all(spki, "spki").unwrap();
        let fields = e.children(spki, "spki").unwrap();
        fields[1].content(spki)[1..].to_vec()
    }

    /// Two X9.42 keys in one group (RFC 5114 2.2's 2048-bit group, made by openssl) agree
    /// on ZZ both ways, padded to the prime's length; public values outside the group
    /// (0, 1, p-1 and y = p) are refused.
    #[test]
    fn dh_shared_secret_agrees_both_ways_and_refuses_bad_public_values() {
        let pki = crate::crypto::test_pki::Pki::new();
        pki.openssl(&[
            "genpkey",
            "-genparam",
            "-algorithm",
            "DHX",
            "-pkeyopt",
            "dh_rfc5114:2",
            "-out",
            "params.pem",
        ]);
        let mut keys = Vec::new();
        for name in ["a", "b"] {
            let key = format!("{name}.der");
            let public = format!("{name}.pub");
            pki.openssl(&[
                "genpkey",
                "-paramfile",
                "params.pem",
                "-outform",
                "DER",
                "-out",
                &key,
            ]);
            pki.openssl(&[
                "pkey", "-inform", "DER", "-in", &key, "-pubout", "-outform", "DER", "-out",
                &public,
            ]);
            let private = dh_private_key(&pki.read(&key)).unwrap();
            assert_eq!(private.prime_bits(), 2048);
            keys.push((private, spki_public_key(&pki.read(&public))));
        }
        let (a, a_public) = &keys[0];
        let (b, b_public) = &keys[1];
        let ab = shared_secret(a, b_public).unwrap();
        assert_eq!(ab.len(), 256);
        assert_eq!(ab, shared_secret(b, a_public).unwrap());
        assert_ne!(ab, shared_secret(a, a_public).unwrap());
        let p_der = {
            let der = pki.read("a.der");
            let (alg, _) = pkcs8_algorithm_and_key(&der).unwrap();
            let (_, params) = alg.algorithm_identifier(&der, "t").unwrap();
            params[0].children(&der, "t").unwrap()[0]
                .bytes(&der)
                .to_vec()
        };
        let p = Element::read_all(&p_der, "p")
            .unwrap()
            .content(&p_der)
            .to_vec();
        let mut p_minus_1 = p.clone();
        *p_minus_1.last_mut().unwrap() -= 1;
        for bad in [vec![0u8], vec![1u8], p_minus_1, p] {
            let public = encode_tlv(Tag::INTEGER, &bad);
            assert!(shared_secret(a, &public).is_none());
        }
        assert!(shared_secret(a, b"not DER").is_none());
    }

    #[test]
    fn des3_key_unwrap_round_trips_and_fails_on_any_change() {
        let kek: Vec<u8> = (1..=24).collect();
        let key: Vec<u8> = (100..124).collect();
        let wrapped = legacy_key_wrap_for_tests(&kek, &key, [9, 8, 7, 6, 5, 4, 3, 2], None);
        assert_eq!(wrapped.len(), WRAPPED_LEN);
        assert_eq!(&*des3_key_unwrap(&kek, &wrapped).unwrap(), &key[..]);
        for i in 0..wrapped.len() {
            let mut changed = wrapped.clone();
            changed[i] ^= 0x80;
            assert!(des3_key_unwrap(&kek, &changed).is_none(), "byte {i}");
        }
        let mut other = kek.clone();
        other[0] ^= 0x80;
        assert!(des3_key_unwrap(&other, &wrapped).is_none());
        assert!(des3_key_unwrap(&kek, &wrapped[..32]).is_none());
    }

    /// RC2 wrap round trip (128 effective bits as RFC 3370 4.3.2, and 40), any change or
    /// other KEK fails, and a 5-byte key (one padding block) comes back at its length.
    #[test]
    fn rc2_key_unwrap_round_trips_and_fails_on_any_change() {
        let kek: Vec<u8> = (30..46).collect();
        for (bits, key) in [(128, (0..16).collect::<Vec<u8>>()), (40, vec![7u8; 5])] {
            let wrapped = legacy_key_wrap_for_tests(&kek, &key, [1; 8], Some(bits));
            assert_eq!(&*rc2_key_unwrap(&kek, bits, &wrapped).unwrap(), &key[..]);
            for i in 0..wrapped.len() {
                let mut changed = wrapped.clone();
                changed[i] ^= 0x01;
                assert!(rc2_key_unwrap(&kek, bits, &changed).is_none(), "byte {i}");
            }
            assert!(rc2_key_unwrap(&kek[1..], bits, &wrapped).is_none());
            assert!(rc2_key_unwrap(&kek, bits + 8, &wrapped).is_none());
        }
    }
}

//! EC keys in a token: the curves a key pair is generated on (CKA_EC_PARAMS is the DER of
//! the namedCurve OID, PKCS#11 v2.40 2.3.3 and RFC 5480 2.1.1.1), the public key read back
//! as a SubjectPublicKeyInfo, and the token's raw ECDSA signature as an ECDSA-Sig-Value.

use cryptoki::object::{Attribute, AttributeType, ObjectClass};
use cryptoki::session::Session;
use der::asn1::{BitString, ObjectIdentifier, OctetString, UintRef};
use der::{Decode, Encode, Sequence};
use smime::crypto::key_agreement::AgreementCurve;
use smime_pkix::signature::{EC_PUBLIC_KEY, P256, P384};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use super::{pkcs11_error, token_error, TokenKeyKind};
use crate::Result;

/// A curve the token makes EC key pairs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenCurve {
    /// NIST P-256 (secp256r1): ECDSA with SHA-256.
    P256,
    /// NIST P-384 (secp384r1): ECDSA with SHA-384, the CA's default.
    P384,
}

impl TokenCurve {
    /// Both curves.
    pub const ALL: [TokenCurve; 2] = [TokenCurve::P256, TokenCurve::P384];

    /// The namedCurve OID (RFC 5480 2.1.1.1).
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            TokenCurve::P256 => P256,
            TokenCurve::P384 => P384,
        }
    }

    /// `P-256` or `P-384`.
    pub fn name(self) -> &'static str {
        match self {
            TokenCurve::P256 => "P-256",
            TokenCurve::P384 => "P-384",
        }
    }

    /// The curve of a namedCurve OID, if supported.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<TokenCurve> {
        TokenCurve::ALL.into_iter().find(|c| c.oid() == *oid)
    }

    /// Bytes of a field element: the length of r and s and of the ECDH secret Z
    /// (SEC 1 2.3.5, RFC 5753 7.2).
    pub fn field_len(self) -> usize {
        match self {
            TokenCurve::P256 => 32,
            TokenCurve::P384 => 48,
        }
    }

    /// The same curve for key agreement (KeyAgreeRecipientInfo).
    pub(super) fn agreement(self) -> AgreementCurve {
        match self {
            TokenCurve::P256 => AgreementCurve::P256,
            TokenCurve::P384 => AgreementCurve::P384,
        }
    }

    /// CKA_EC_PARAMS for generating a key pair on this curve.
    pub(super) fn params(self, what: &str) -> Result<Vec<u8>> {
        self.oid()
            .to_der()
            .map_err(|e| token_error(what, format!("encoding the curve: {e}")))
    }
}

/// ECDSA-Sig-Value (RFC 5753 7.2, RFC 3279 2.2.3).
#[derive(Sequence)]
struct EcdsaSigValue<'a> {
    r: UintRef<'a>,
    s: UintRef<'a>,
}

/// The public key object with the private key's CKA_ID holds the curve and the point.
pub(super) fn ec_public_key(
    s: &Session,
    id: Vec<u8>,
    what: &str,
) -> Result<(TokenKeyKind, SubjectPublicKeyInfoOwned)> {
    let public = s
        .find_objects(&[Attribute::Class(ObjectClass::PUBLIC_KEY), Attribute::Id(id)])
        .map_err(|e| pkcs11_error(what, "finding the EC public key", e))?;
    let public = public
        .first()
        .copied()
        .ok_or_else(|| token_error(what, "the EC key has no public key object with its id"))?;
    let attributes = s
        .get_attributes(public, &[AttributeType::EcParams, AttributeType::EcPoint])
        .map_err(|e| pkcs11_error(what, "reading the EC public key", e))?;
    let (mut params, mut point) = (None, None);
    for a in attributes {
        match a {
            Attribute::EcParams(p) => params = Some(p),
            Attribute::EcPoint(p) => point = Some(p),
            _ => {}
        }
    }
    let curve = params
        .and_then(|p| ObjectIdentifier::from_der(&p).ok())
        .and_then(|oid| TokenCurve::from_oid(&oid))
        .ok_or_else(|| token_error(what, "only EC keys on P-256 and P-384 are supported"))?;
    // CKA_EC_POINT is the DER OCTET STRING of the point (PKCS#11 v2.40 2.3.3).
    let point = point
        .and_then(|p| OctetString::from_der(&p).ok())
        .ok_or_else(|| token_error(what, "the EC public key has no readable point"))?;
    let spki = SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: EC_PUBLIC_KEY,
            parameters: Some(curve.oid().into()),
        },
        subject_public_key: BitString::from_bytes(point.as_bytes())
            .map_err(|e| token_error(what, format!("encoding the EC public key: {e}")))?,
    };
    Ok((TokenKeyKind::Ec(curve), spki))
}

/// The token's CKM_ECDSA output r || s, each exactly one field element long (PKCS#11 v2.40
/// 2.3.1), as a DER ECDSA-Sig-Value (RFC 3279 2.2.3): INTEGERs without leading zeros, a
/// zero byte added where the high bit is set.
pub(super) fn ecdsa_sig_value(curve: TokenCurve, rs: &[u8], what: &str) -> Result<Vec<u8>> {
    if rs.len() != 2 * curve.field_len() {
        return Err(token_error(
            what,
            format!(
                "the token's {} signature is {} bytes, not r || s of {} bytes",
                curve.name(),
                rs.len(),
                2 * curve.field_len()
            ),
        ));
    }
    let (r, s) = rs.split_at(curve.field_len());
    let encode = || -> der::Result<Vec<u8>> {
        EcdsaSigValue {
            r: UintRef::new(r)?,
            s: UintRef::new(s)?,
        }
        .to_der()
    };
    encode().map_err(|e| token_error(what, format!("encoding the ECDSA signature: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecdsa_sig_value_p384_high_bit_and_leading_zero_encoded_as_der_integers() {
        // r has its high bit set (a 0x00 is prepended), s starts with zeros (stripped).
        let mut rs = vec![0x80; 48];
        rs.extend(std::iter::repeat_n(0, 47));
        rs.push(0x05);
        let der = ecdsa_sig_value(TokenCurve::P384, &rs, "k").unwrap();
        let mut want = vec![0x30, 49 + 2 + 1 + 2, 0x02, 49, 0x00];
        want.extend([0x80; 48]);
        want.extend([0x02, 0x01, 0x05]);
        assert_eq!(der, want);
    }

    #[test]
    fn ecdsa_sig_value_wrong_length_refused() {
        let err = ecdsa_sig_value(TokenCurve::P384, &[1; 64], "k").unwrap_err();
        assert!(err.to_string().contains("not r || s of 96 bytes"), "{err}");
    }

    #[test]
    fn curve_from_oid_round_trips_and_refuses_p521() {
        for curve in TokenCurve::ALL {
            assert_eq!(TokenCurve::from_oid(&curve.oid()), Some(curve));
        }
        assert_eq!(TokenCurve::from_oid(&smime_pkix::signature::P521), None);
    }
}

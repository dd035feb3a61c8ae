//! Signing what the CA issues: the DER of a TBSCertificate (RFC 5280 4.1.1.1), a TBSCertList
//! (RFC 5280 5.1.1.1) or an OCSP ResponseData (RFC 6960 4.2.1) with a CA key.
//!
//! The AlgorithmIdentifier goes twice into signed data (inside the signed part and beside the
//! signature, RFC 5280 4.1.1.2 and 4.1.2.3), so it is known before signing:
//! [`signature_algorithm`] gives it, [`sign_tbs`] signs the encoded part.
//!
//! The digest follows the key (RFC 5758 3.2, CA/Browser Forum S/MIME BR 7.1.3.2): P-256 with
//! ecdsa-with-SHA256, P-384 with ecdsa-with-SHA384, P-521 with ecdsa-with-SHA512 (all
//! without parameters), RSA with sha256WithRSAEncryption and NULL parameters (RFC 4055 5:
//! the parameters MUST be present and NULL), Ed25519 with id-Ed25519 (RFC 8410 3).

use der::asn1::{BitString, ObjectIdentifier as Oid};
use der::{Any, Encode};
use smime::crypto::{DigestAlgorithm, PrivateKey, SignatureScheme};
use spki::AlgorithmIdentifierOwned;
use x509_cert::certificate::{Certificate, TbsCertificate};

use crate::{Error, Result};

/// sha256WithRSAEncryption (RFC 4055 5).
const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
/// sha384WithRSAEncryption (RFC 4055 5).
const SHA384_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
/// sha512WithRSAEncryption (RFC 4055 5).
const SHA512_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");

/// A signature over a TBS structure: the algorithm and the signatureValue BIT STRING.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// signatureAlgorithm, equal to the one inside the signed part.
    pub algorithm: AlgorithmIdentifierOwned,
    /// signatureValue (RFC 5280 4.1.1.3): the raw signature, no unused bits.
    pub value: BitString,
}

/// How `key` signs: its scheme (digest chosen by the key) and the AlgorithmIdentifier for
/// certificates, CRLs and OCSP responses. SHA-1 is never used.
pub fn signature_algorithm(
    key: &PrivateKey,
) -> Result<(SignatureScheme, AlgorithmIdentifierOwned)> {
    let scheme = key
        .scheme(key.default_digest(), false)
        .map_err(|e| crypto("choosing the CA signature algorithm", e))?;
    let algorithm = match scheme {
        // In certificates the OID names the digest too (RFC 4055 5), unlike in CMS
        // SignerInfo where rsaEncryption is used (RFC 3370 3.2).
        SignatureScheme::RsaPkcs1(digest) => AlgorithmIdentifierOwned {
            oid: match digest {
                DigestAlgorithm::Sha256 => SHA256_WITH_RSA,
                DigestAlgorithm::Sha384 => SHA384_WITH_RSA,
                DigestAlgorithm::Sha512 => SHA512_WITH_RSA,
                DigestAlgorithm::Sha1 => {
                    return Err(Error::Refused {
                        what: "CA signature algorithm".into(),
                        reason: "SHA-1 is never used for signing (CA/B S/MIME BR 7.1.3.2)".into(),
                    })
                }
            },
            parameters: Some(Any::null()),
        },
        // ECDSA (no parameters, RFC 5758 3.2), RSASSA-PSS with its parameters (RFC 4055 3.1)
        // and Ed25519 (RFC 8410 3) are written the same way in certificates and in CMS.
        other => other.signer_info_algorithm(),
    };
    Ok((scheme, algorithm))
}

/// Sign `tbs`, the DER of the signed part, with `key`. The signed part must already carry
/// the algorithm [`signature_algorithm`] returns for this key.
pub fn sign_tbs(key: &PrivateKey, tbs: &[u8]) -> Result<Signature> {
    let (scheme, algorithm) = signature_algorithm(key)?;
    let signature = key
        .sign(&scheme, tbs)
        .map_err(|e| crypto("signing with the CA key", e))?;
    let value = BitString::from_bytes(&signature).map_err(|e| Error::Crypto {
        what: "signatureValue".into(),
        reason: e.to_string(),
    })?;
    Ok(Signature { algorithm, value })
}

/// Sign a TBSCertificate with the issuer's key (RFC 5280 4.1). Its `signature` field is set
/// to the key's algorithm first, so the two copies always agree (RFC 5280 4.1.1.2).
pub fn sign_certificate(key: &PrivateKey, mut tbs: TbsCertificate) -> Result<Certificate> {
    tbs.signature = signature_algorithm(key)?.1;
    let der = tbs.to_der().map_err(|e| Error::Crypto {
        what: "encoding the TBSCertificate".into(),
        reason: e.to_string(),
    })?;
    let signature = sign_tbs(key, &der)?;
    Ok(Certificate {
        tbs_certificate: tbs,
        signature_algorithm: signature.algorithm,
        signature: signature.value,
    })
}

/// An engine error as a CA crypto error for `what`.
pub(crate) fn crypto(what: &str, error: smime::Error) -> Error {
    Error::Crypto {
        what: what.into(),
        reason: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keygen::{generate, KeyAlgorithm};
    use smime::crypto::verify_signature;
    use smime::CryptoPolicy;

    #[test]
    fn signature_algorithm_per_key_follows_br() {
        for (alg, oid, null) in [
            (KeyAlgorithm::P384, "1.2.840.10045.4.3.3", false),
            (KeyAlgorithm::P256, "1.2.840.10045.4.3.2", false),
            (KeyAlgorithm::Rsa3072, "1.2.840.113549.1.1.11", true),
        ] {
            let key = generate(alg).unwrap();
            let (_, id) = signature_algorithm(&key.key).unwrap();
            assert_eq!(id.oid.to_string(), oid, "{alg:?}");
            assert_eq!(id.parameters == Some(Any::null()), null, "{alg:?}");
            assert_eq!(id.parameters.is_none(), !null, "{alg:?}");
        }
    }

    #[test]
    fn sign_tbs_signature_verifies_and_changed_data_does_not() {
        for alg in [
            KeyAlgorithm::P384,
            KeyAlgorithm::P256,
            KeyAlgorithm::Rsa3072,
        ] {
            let key = generate(alg).unwrap();
            let signature = sign_tbs(&key.key, b"to be signed").unwrap();
            let spki = key.key.public_key_spki();
            let policy = CryptoPolicy::default();
            let scheme =
                SignatureScheme::from_certificate_algorithm(&signature.algorithm, &policy).unwrap();
            let raw = signature.value.as_bytes().unwrap();
            assert!(verify_signature(&spki, &scheme, b"to be signed", raw, &policy).unwrap());
            assert!(!verify_signature(&spki, &scheme, b"to be signeD", raw, &policy).unwrap());
        }
    }
}

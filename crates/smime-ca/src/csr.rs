//! Certificate requests (PKCS#10, RFC 2986): read one, prove that its maker holds the
//! private key (the request is signed with the key it asks to certify, RFC 2986 3 and 4.2),
//! and keep only the public key. The subject and any requested extensions are ignored: the
//! CA builds the subject from what it validated, per profile ([`crate::subject`]).

use der::asn1::{AnyRef, BitString};
use der::{Decode, Encode, Sequence};
use smime::crypto::pem_blocks;
use smime::CryptoPolicy;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::request::{CertReqInfo, Version};

use crate::conformance::key_kind;
use crate::profile::KeyKind;
use crate::{Error, Result};

/// CertificationRequest (RFC 2986 4.2), with the signed part kept as received: the
/// signature is over those exact bytes.
#[derive(Sequence)]
struct RawRequest<'a> {
    info: AnyRef<'a>,
    algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

/// A request whose signature was verified with its own key.
#[derive(Debug, Clone)]
pub struct VerifiedRequest {
    /// The key to certify.
    pub public_key: SubjectPublicKeyInfoOwned,
    /// Its kind, as the BR allows it (RSA of 2048 bits or more, P-256/384/521, Ed25519).
    pub key_kind: KeyKind,
    /// The subject the requester asked for (for messages only; never copied).
    pub requested_subject: String,
}

/// The DER of a request given as PEM (`CERTIFICATE REQUEST` or the older
/// `NEW CERTIFICATE REQUEST`) or DER.
fn request_der(bytes: &[u8], what: &str) -> Result<Vec<u8>> {
    if !bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        return Ok(bytes.to_vec());
    }
    let blocks = pem_blocks(bytes, what).map_err(|e| Error::Input {
        what: what.into(),
        reason: e.to_string(),
    })?;
    blocks
        .into_iter()
        .find(|b| b.label == "CERTIFICATE REQUEST" || b.label == "NEW CERTIFICATE REQUEST")
        .map(|b| b.der)
        .ok_or_else(|| Error::Input {
            what: what.into(),
            reason: "no CERTIFICATE REQUEST block".into(),
        })
}

/// Read the PKCS#10 request in `bytes` (PEM or DER; `what` names it in errors), check its
/// key against BR 6.1.5 and its proof of possession. Refused: a key too small or on a
/// curve not allowed, and a signature that does not verify with the request's key.
pub fn verify_request(bytes: &[u8], what: &str) -> Result<VerifiedRequest> {
    let input = |reason: String| Error::Input {
        what: what.into(),
        reason,
    };
    let der = request_der(bytes, what)?;
    let raw = RawRequest::from_der(&der).map_err(|e| {
        input(format!(
            "not a PKCS#10 certification request (RFC 2986): {e}"
        ))
    })?;
    let info_der = raw
        .info
        .to_der()
        .map_err(|e| input(format!("certificationRequestInfo: {e}")))?;
    let info = CertReqInfo::from_der(&info_der)
        .map_err(|e| input(format!("certificationRequestInfo: {e}")))?;
    if info.version != Version::V1 {
        return Err(input("version must be 0 (RFC 2986 4.1)".into()));
    }
    let kind = key_kind(&info.public_key).map_err(|e| match e {
        Error::Refused { what: key, reason } => Error::Refused {
            what: format!("{what}: {key}"),
            reason,
        },
        other => other,
    })?;
    let verified = smime_pkix::signature::verify_signed_data(
        &info.public_key,
        &raw.algorithm,
        &info_der,
        &raw.signature,
        &CryptoPolicy::default(),
    )
    .map_err(|e| Error::Refused {
        what: format!("{what}: signature algorithm"),
        reason: e.to_string(),
    })?;
    if !verified {
        return Err(Error::Refused {
            what: what.into(),
            reason: "the request's signature does not verify with its own public key: no proof \
                     of possession of the private key (RFC 2986 3)"
                .into(),
        });
    }
    Ok(VerifiedRequest {
        public_key: info.public_key,
        key_kind: kind,
        requested_subject: smime::crypto::describe_name(&info.subject),
    })
}

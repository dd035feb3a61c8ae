//! OCSP (RFC 6960): building a request for one certificate and verifying the response.
//!
//! The request names the certificate by a SHA-1 CertID (RFC 6960 4.1.1; RFC 5019 2.1.1
//! lets lightweight responders support SHA-1 only) and carries a random nonce (RFC 6960
//! 4.4.1, RFC 8954) so a replayed response is refused. The response must be signed by the
//! issuer itself, by a responder certificate the issuer delegated to (issued by it, with
//! id-kp-OCSPSigning, RFC 6960 4.2.2.2), or by a responder certificate the caller
//! configured; it must answer for our CertID, echo our nonce and be current at the
//! validation time.

use std::time::{Duration, SystemTime};

use const_oid::db::rfc5280::{
    ID_CE_EXT_KEY_USAGE, ID_KP_OCSP_SIGNING, ID_PE_AUTHORITY_INFO_ACCESS,
};
use const_oid::db::rfc5912::ID_AD_OCSP;
use const_oid::db::rfc6960::{ID_PKIX_OCSP_BASIC, ID_PKIX_OCSP_NONCE};
use der::asn1::{Null, OctetString};
use der::{Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{AuthorityInfoAccessSyntax, ExtendedKeyUsage};
use x509_cert::ext::Extension;
use x509_cert::Certificate;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspRequest, OcspResponse, OcspResponseStatus, Request,
    ResponderId, TbsRequest, Version,
};

use crate::certificate::certificate_signed_by;
use crate::crl::certificate_extension;
use crate::digest::{digest, DigestAlgorithm};
use crate::revocation::reason_name;
use crate::signature::verify_signed_data;
use crate::validate::RevocationStatus;
use crate::{CryptoPolicy, Error, Result};

/// How far a response may have passed its nextUpdate at the validation time (RFC 5019 4
/// allows for clock skew).
pub const CLOCK_SKEW: Duration = Duration::from_secs(300);

/// Nonce length in bytes (RFC 8954 2.1: 1 to 32; 16 is what OpenSSL sends).
const NONCE_LEN: usize = 16;

/// An OCSP request ready to POST, and what its response must answer.
#[derive(Debug, Clone)]
pub struct OcspQuery {
    der: Vec<u8>,
    cert_id: CertId,
    nonce: Option<Vec<u8>>,
}

impl OcspQuery {
    /// The DER OCSPRequest (RFC 6960 4.1.1), the body of an HTTP POST with content type
    /// `application/ocsp-request` (RFC 6960 A.1).
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The nonce sent, if any.
    pub fn nonce(&self) -> Option<&[u8]> {
        self.nonce.as_deref()
    }
}

/// Builds the request for `cert` issued by `issuer` (RFC 6960 4.1.1): one Request with the
/// SHA-1 CertID, unsigned, with a fresh random nonce extension when `with_nonce`.
pub fn build_request(
    cert: &Certificate,
    issuer: &Certificate,
    with_nonce: bool,
) -> Result<OcspQuery> {
    let cert_id = cert_id(cert, issuer)?;
    let nonce = if with_nonce {
        let mut bytes = vec![0u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut bytes)
            .map_err(|_| Error::malformed("OCSP nonce", "the random generator failed"))?;
        Some(bytes)
    } else {
        None
    };
    let request_extensions = match &nonce {
        Some(nonce) => Some(vec![nonce_extension(nonce)?]),
        None => None,
    };
    let request = OcspRequest {
        tbs_request: TbsRequest {
            version: Version::V1,
            requestor_name: None,
            request_list: vec![Request {
                req_cert: cert_id.clone(),
                single_request_extensions: None,
            }],
            request_extensions,
        },
        optional_signature: None,
    };
    let der = request
        .to_der()
        .map_err(|e| Error::malformed("OCSP request", e.to_string()))?;
    Ok(OcspQuery {
        der,
        cert_id,
        nonce,
    })
}

/// The nonce extension (RFC 8954 2.1): extnValue holds `Nonce ::= OCTET STRING`.
fn nonce_extension(nonce: &[u8]) -> Result<Extension> {
    let encode = |e: der::Error| Error::malformed("OCSP nonce", e.to_string());
    let inner = OctetString::new(nonce)
        .map_err(encode)?
        .to_der()
        .map_err(encode)?;
    Ok(Extension {
        extn_id: ID_PKIX_OCSP_NONCE,
        critical: false,
        extn_value: OctetString::new(inner).map_err(encode)?,
    })
}

/// The SHA-1 CertID of `cert` (RFC 6960 4.1.1): the hash of the issuer's DER subject name,
/// the hash of the issuer's subjectPublicKey BIT STRING value, and the serial number.
fn cert_id(cert: &Certificate, issuer: &Certificate) -> Result<CertId> {
    let encode = |e: der::Error| Error::malformed("OCSP CertID", e.to_string());
    let issuer_name = issuer.tbs_certificate.subject.to_der().map_err(encode)?;
    Ok(CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: DigestAlgorithm::Sha1.oid(),
            parameters: Some(Null.into()),
        },
        issuer_name_hash: OctetString::new(digest(DigestAlgorithm::Sha1, &issuer_name))
            .map_err(encode)?,
        issuer_key_hash: OctetString::new(key_hash(issuer)).map_err(encode)?,
        serial_number: cert.tbs_certificate.serial_number.clone(),
    })
}

/// SHA-1 of the subjectPublicKey BIT STRING value (RFC 6960 4.1.1 issuerKeyHash, 4.2.1
/// KeyHash).
fn key_hash(cert: &Certificate) -> Vec<u8> {
    digest(
        DigestAlgorithm::Sha1,
        cert.tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes(),
    )
}

/// The OCSP responder URIs of the certificate's authorityInfoAccess (RFC 5280 4.2.2.1).
pub fn responder_urls(cert: &Certificate) -> Vec<String> {
    let Some(aia) =
        certificate_extension::<AuthorityInfoAccessSyntax>(cert, ID_PE_AUTHORITY_INFO_ACCESS)
    else {
        return Vec::new();
    };
    aia.0
        .iter()
        .filter(|d| d.access_method == ID_AD_OCSP)
        .filter_map(|d| match &d.access_location {
            GeneralName::UniformResourceIdentifier(uri) => Some(uri.to_string()),
            _ => None,
        })
        .collect()
}

/// What an OCSP response is checked against (RFC 6960 3.2).
#[derive(Debug, Clone, Copy)]
pub struct ResponseCheck<'a> {
    /// The validated issuer of the certificate asked about.
    pub issuer: &'a Certificate,
    /// Responder certificates the caller trusts besides the issuer and its delegates.
    pub trusted_responders: &'a [Certificate],
    /// The validation time.
    pub time: SystemTime,
    /// Which signature algorithms are accepted.
    pub policy: &'a CryptoPolicy,
    /// Whether a response that does not echo the nonce sent is refused.
    pub require_nonce: bool,
}

/// Verifies the OCSP response `body` to `query` and returns the status it gives (RFC 6960
/// 3.2): responseStatus successful and a BasicOCSPResponse (4.2.1); signed by the issuer,
/// by a delegated responder certificate carried in the response (4.2.2.2), or by one of the
/// trusted responders; a SingleResponse for our CertID; our nonce echoed (when one was sent
/// and `require_nonce`; a different nonce is always refused); nextUpdate, if present, not
/// before the validation time (within [`CLOCK_SKEW`]). A response made after the validation
/// time is newer information and is used, as a CRL is (see [`crate::crl::Crl::stale_at`]):
/// validation at a message's signing time asks today's responder.
///
/// `source` names the responder in the result. A response that fails any check gives
/// [`RevocationStatus::Unknown`] saying why.
pub fn verify_response(
    query: &OcspQuery,
    body: &[u8],
    check: &ResponseCheck<'_>,
    source: &str,
) -> RevocationStatus {
    match verify(query, body, check, source) {
        Ok(status) => status,
        Err(why) => RevocationStatus::Unknown {
            detail: format!("OCSP response from {source} refused: {why}"),
        },
    }
}

fn verify(
    query: &OcspQuery,
    body: &[u8],
    check: &ResponseCheck<'_>,
    source: &str,
) -> std::result::Result<RevocationStatus, String> {
    let ResponseCheck {
        issuer,
        trusted_responders,
        time,
        policy,
        require_nonce,
    } = *check;
    let response =
        OcspResponse::from_der(body).map_err(|e| format!("malformed OCSPResponse: {e}"))?;
    if response.response_status != OcspResponseStatus::Successful {
        return Err(format!("responseStatus {:?}", response.response_status));
    }
    let bytes = response
        .response_bytes
        .ok_or("successful response without responseBytes")?;
    if bytes.response_type != ID_PKIX_OCSP_BASIC {
        return Err(format!("unsupported responseType {}", bytes.response_type));
    }
    let basic = BasicOcspResponse::from_der(bytes.response.as_bytes())
        .map_err(|e| format!("malformed BasicOCSPResponse: {e}"))?;
    let data = &basic.tbs_response_data;

    // RFC 6960 4.2.2.2: who may sign.
    let produced_at = data.produced_at.0.to_system_time();
    let signer = response_signer(&basic, issuer, trusted_responders, produced_at, policy)?;
    let tbs = data
        .to_der()
        .map_err(|e| format!("cannot encode tbsResponseData: {e}"))?;
    match verify_signed_data(
        &signer.tbs_certificate.subject_public_key_info,
        &basic.signature_algorithm,
        &tbs,
        &basic.signature,
        policy,
    ) {
        Ok(true) => {}
        Ok(false) => {
            return Err(format!(
                "the signature does not verify with the key of {}",
                signer.tbs_certificate.subject
            ))
        }
        Err(e) => return Err(e.to_string()),
    }

    // RFC 6960 4.4.1 / RFC 8954: the nonce must be echoed.
    if let Some(sent) = &query.nonce {
        let echoed = data
            .response_extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == ID_PKIX_OCSP_NONCE);
        let expected = nonce_extension(sent).map_err(|e| e.to_string())?;
        match echoed {
            Some(ext) if ext.extn_value == expected.extn_value => {}
            Some(_) => {
                return Err("the nonce differs from the one sent (a replayed response?)".into())
            }
            None if require_nonce => return Err("the nonce sent is not echoed".into()),
            None => {}
        }
    }

    let single = data
        .responses
        .iter()
        .find(|r| same_cert_id(&r.cert_id, &query.cert_id))
        .ok_or("no SingleResponse for the certificate asked about")?;
    if let Some(next) = &single.next_update {
        if next.0.to_system_time() + CLOCK_SKEW < time {
            return Err(format!(
                "stale: nextUpdate {} is before the validation time",
                next.0.to_date_time()
            ));
        }
    }
    Ok(match &single.cert_status {
        CertStatus::Good(_) => RevocationStatus::Good,
        CertStatus::Revoked(info) => RevocationStatus::Revoked {
            detail: format!(
                "{} since {}, OCSP {source}",
                reason_name(info.revocation_reason),
                info.revocation_time.0.to_date_time()
            ),
        },
        CertStatus::Unknown(_) => RevocationStatus::Unknown {
            detail: format!("OCSP {source} does not know the certificate (certStatus unknown)"),
        },
    })
}

/// The certificate whose key must have signed `basic` (RFC 6960 4.2.2.2): the issuer when
/// the responderID names it; else a configured trusted responder it names; else a
/// certificate in the response it names that the issuer signed, with id-kp-OCSPSigning,
/// valid when it signed the response (producedAt: responder certificates live for days,
/// the validation time may be a signing time long past).
fn response_signer(
    basic: &BasicOcspResponse,
    issuer: &Certificate,
    trusted_responders: &[Certificate],
    produced_at: SystemTime,
    policy: &CryptoPolicy,
) -> std::result::Result<Certificate, String> {
    let rid = &basic.tbs_response_data.responder_id;
    if responder_is(rid, issuer) {
        return Ok(issuer.clone());
    }
    if let Some(trusted) = trusted_responders.iter().find(|c| responder_is(rid, c)) {
        return Ok(trusted.clone());
    }
    let mut why = Vec::new();
    for candidate in basic
        .certs
        .iter()
        .flatten()
        .filter(|c| responder_is(rid, c))
    {
        let subject = &candidate.tbs_certificate.subject;
        if candidate.tbs_certificate.issuer != issuer.tbs_certificate.subject
            || !certificate_signed_by(candidate, issuer, policy).unwrap_or(false)
        {
            why.push(format!(
                "responder {subject} is not issued by the certificate's issuer"
            ));
            continue;
        }
        let ocsp_signing =
            certificate_extension::<ExtendedKeyUsage>(candidate, ID_CE_EXT_KEY_USAGE)
                .is_some_and(|eku| eku.0.contains(&ID_KP_OCSP_SIGNING));
        if !ocsp_signing {
            why.push(format!("responder {subject} lacks id-kp-OCSPSigning"));
            continue;
        }
        let validity = &candidate.tbs_certificate.validity;
        if produced_at < validity.not_before.to_system_time()
            || produced_at > validity.not_after.to_system_time()
        {
            why.push(format!(
                "responder {subject} was not valid when it signed (producedAt)"
            ));
            continue;
        }
        return Ok(candidate.clone());
    }
    if why.is_empty() {
        why.push(
            "the responder is neither the issuer nor a certificate the issuer delegated to".into(),
        );
    }
    Err(why.join("; "))
}

/// Whether the responderID (RFC 6960 4.2.1) names `cert`: by subject name or by the SHA-1
/// of its public key.
fn responder_is(rid: &ResponderId, cert: &Certificate) -> bool {
    match rid {
        ResponderId::ByName(name) => *name == cert.tbs_certificate.subject,
        ResponderId::ByKey(hash) => hash.as_bytes() == key_hash(cert).as_slice(),
    }
}

/// CertID equality, ignoring whether the hash AlgorithmIdentifier's NULL parameters are
/// present (both encodings occur, RFC 5754 2).
fn same_cert_id(a: &CertId, b: &CertId) -> bool {
    a.hash_algorithm.oid == b.hash_algorithm.oid
        && a.issuer_name_hash == b.issuer_name_hash
        && a.issuer_key_hash == b.issuer_key_hash
        && a.serial_number == b.serial_number
}

//! An OCSP responder (RFC 6960) for the CAs we run: reads an OCSPRequest, answers each
//! CertID good, revoked or unknown from the CA's [`RevocationSource`], echoes the nonce
//! (RFC 8954), and signs a BasicOCSPResponse with the CA's delegated responder certificate
//! (RFC 6960 4.2.2.2), named by key hash and carried in the response.
//!
//! The request is untrusted input: nothing here panics on it, and whatever cannot be read
//! or breaks a rule gets an unsigned malformedRequest response (RFC 6960 2.3), never an
//! error.

use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use const_oid::db::rfc5280::ID_KP_OCSP_SIGNING;
use const_oid::db::rfc6960::ID_PKIX_OCSP_NONCE;
use der::asn1::{GeneralizedTime, OctetString};
use der::{Decode, Encode, Tagged};
use smime::crypto::{certificate_signed_by, digest, DigestAlgorithm, PrivateKey};
use smime::CryptoPolicy;
use x509_cert::ext::pkix::ExtendedKeyUsage;
use x509_cert::ext::Extension;
use x509_cert::Certificate;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspGeneralizedTime, OcspRequest, OcspResponse,
    OcspResponseStatus, ResponderId, ResponseData, RevokedInfo, SingleResponse, Version,
};

use crate::crl_issuer::whole_seconds;
use crate::revocation_status::{RevocationSource, Serial, SerialStatus};
use crate::signing::{sign_tbs, signature_algorithm};
use crate::{Error, Result};

/// How long a response is current by default (nextUpdate - thisUpdate): one day, within
/// the CA/Browser Forum S/MIME Baseline Requirements 4.9.10 bounds (8 hours to 10 days).
/// Responses are made per request, so a revocation shows at once to a client that asks.
pub const DEFAULT_RESPONSE_VALIDITY: Duration = Duration::from_secs(24 * 3600);

/// The most Requests one OCSPRequest may carry; more is answered malformedRequest (each
/// costs a lookup, and clients ask for one or a handful).
pub const MAX_REQUESTS: usize = 64;

/// Nonce lengths RFC 8954 2.1 allows.
const NONCE_LENGTHS: std::ops::RangeInclusive<usize> = 1..=32;

/// `OCSPResponse { responseStatus internalError }`, the answer when even encoding fails.
const INTERNAL_ERROR: [u8; 5] = [0x30, 0x03, 0x0a, 0x01, 0x02];

/// The digests a CertID may use (RFC 6960 4.1.1 and RFC 5019 2.1.1 name SHA-1; RFC 6960
/// 4.3 lets clients use others, OpenSSL offers SHA-256 and up).
const CERT_ID_DIGESTS: [DigestAlgorithm; 4] = [
    DigestAlgorithm::Sha1,
    DigestAlgorithm::Sha256,
    DigestAlgorithm::Sha384,
    DigestAlgorithm::Sha512,
];

/// One CA the responder answers for.
struct ServedIssuer {
    /// The CA certificate.
    issuer: Certificate,
    /// (digest, issuerNameHash, issuerKeyHash) for each of [`CERT_ID_DIGESTS`].
    hashes: Vec<(DigestAlgorithm, Vec<u8>, Vec<u8>)>,
    /// Who signs the responses; replaced when a short-lived responder certificate is
    /// renewed while the server runs ([`OcspResponder::replace_responder`]).
    signer: RwLock<Arc<Signer>>,
    source: Arc<dyn RevocationSource>,
}

/// The responder certificate and key that sign a CA's responses.
struct Signer {
    /// The delegated responder certificate (or the CA itself), sent in every response.
    responder: Certificate,
    /// SHA-1 of the responder's subjectPublicKey: the ResponderID byKey (RFC 6960 4.2.1).
    responder_key_hash: Vec<u8>,
    key: Arc<PrivateKey>,
}

impl Signer {
    /// Refused unless `responder` was issued by `issuer` (or is `issuer`), carries
    /// id-kp-OCSPSigning (RFC 6960 4.2.2.2) and holds `key`'s public key, and `key` can
    /// sign: a client would refuse its responses anyway.
    fn new(issuer: &Certificate, responder: Certificate, key: Arc<PrivateKey>) -> Result<Signer> {
        let name = responder.tbs_certificate.subject.to_string();
        let refused = |reason: &str| Error::Refused {
            what: format!("OCSP responder certificate {name}"),
            reason: reason.into(),
        };
        if key.public_key_spki() != responder.tbs_certificate.subject_public_key_info {
            return Err(refused("the key given is not the certificate's key"));
        }
        // RFC 6960 4.2.2.2: the CA that issued the certificates may sign the responses
        // itself; any other responder is a delegated one, issued by it for OCSP signing.
        let ca_itself = responder == *issuer;
        if !ca_itself
            && (responder.tbs_certificate.issuer != issuer.tbs_certificate.subject
                || !certificate_signed_by(&responder, issuer, &CryptoPolicy::default())
                    .unwrap_or(false))
        {
            return Err(refused(&format!(
                "not issued by the CA {} (RFC 6960 4.2.2.2)",
                issuer.tbs_certificate.subject
            )));
        }
        let eku = smime_pkix::certificate::find_extension(
            &responder,
            const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE,
        )
        .and_then(|e| ExtendedKeyUsage::from_der(e.extn_value.as_bytes()).ok());
        if !ca_itself && !eku.is_some_and(|eku| eku.0.contains(&ID_KP_OCSP_SIGNING)) {
            return Err(refused(
                "lacks extendedKeyUsage id-kp-OCSPSigning (RFC 6960 4.2.2.2)",
            ));
        }
        let responder_key_hash = digest(
            DigestAlgorithm::Sha1,
            responder
                .tbs_certificate
                .subject_public_key_info
                .subject_public_key
                .raw_bytes(),
        );
        // Fail now, not on the first request, if the key cannot sign.
        signature_algorithm(&key)?;
        Ok(Signer {
            responder,
            responder_key_hash,
            key,
        })
    }
}

/// Answers OCSP requests for the CAs added to it.
pub struct OcspResponder {
    issuers: Vec<ServedIssuer>,
    validity: Duration,
}

impl std::fmt::Debug for OcspResponder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OcspResponder")
            .field("issuers", &self.issuers.len())
            .field("validity", &self.validity)
            .finish_non_exhaustive()
    }
}

impl Default for OcspResponder {
    fn default() -> Self {
        OcspResponder::new()
    }
}

/// What [`OcspResponder::respond`] made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcspReply {
    /// The DER OCSPResponse, the HTTP body (`application/ocsp-response`, RFC 6960 A.1).
    pub der: Vec<u8>,
    /// Its responseStatus.
    pub status: OcspResponseStatus,
}

impl OcspReply {
    fn unsigned(status: OcspResponseStatus) -> OcspReply {
        let der = OcspResponse {
            response_status: status,
            response_bytes: None,
        }
        .to_der()
        .unwrap_or_else(|_| INTERNAL_ERROR.to_vec());
        OcspReply { der, status }
    }
}

/// Why a request is not answered with a signed response.
enum Refusal {
    Malformed,
    Unauthorized,
    Internal,
}

impl OcspResponder {
    /// A responder that serves no CA yet, with [`DEFAULT_RESPONSE_VALIDITY`].
    pub fn new() -> OcspResponder {
        OcspResponder {
            issuers: Vec::new(),
            validity: DEFAULT_RESPONSE_VALIDITY,
        }
    }

    /// Sets how long responses are current (nextUpdate - thisUpdate).
    pub fn validity(mut self, validity: Duration) -> OcspResponder {
        self.validity = validity;
        self
    }

    /// Answers for certificates issued by `issuer`, signing with `responder` (the delegated
    /// responder certificate) and its `key`, with statuses from `source`. Refused unless
    /// `responder` was issued by `issuer`, carries id-kp-OCSPSigning (RFC 6960 4.2.2.2) and
    /// holds `key`'s public key: a client would refuse its responses anyway.
    pub fn add_issuer(
        &mut self,
        issuer: &Certificate,
        responder: Certificate,
        key: Arc<PrivateKey>,
        source: Arc<dyn RevocationSource>,
    ) -> Result<()> {
        let signer = Signer::new(issuer, responder, key)?;
        let encode = |e: der::Error| Error::Input {
            what: format!("CA certificate {}", issuer.tbs_certificate.subject),
            reason: e.to_string(),
        };
        let issuer_name = issuer.tbs_certificate.subject.to_der().map_err(encode)?;
        let issuer_key = issuer
            .tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes();
        let hashes = CERT_ID_DIGESTS
            .iter()
            .map(|d| (*d, digest(*d, &issuer_name), digest(*d, issuer_key)))
            .collect();
        self.issuers.push(ServedIssuer {
            issuer: issuer.clone(),
            hashes,
            signer: RwLock::new(Arc::new(signer)),
            source,
        });
        Ok(())
    }

    /// Signs `issuer`'s responses with `responder` and `key` from now on (a renewed
    /// responder certificate, while the server runs). Checked as [`Self::add_issuer`]
    /// checks; refused when `issuer` is not served here.
    pub fn replace_responder(
        &self,
        issuer: &Certificate,
        responder: Certificate,
        key: Arc<PrivateKey>,
    ) -> Result<()> {
        let served = self.served(issuer)?;
        let signer = Signer::new(issuer, responder, key)?;
        *served.signer.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(signer);
        Ok(())
    }

    /// The certificate that signs `issuer`'s responses now.
    pub fn responder_certificate(&self, issuer: &Certificate) -> Result<Certificate> {
        let served = self.served(issuer)?;
        let signer = served.signer.read().unwrap_or_else(|p| p.into_inner());
        Ok(signer.responder.clone())
    }

    fn served(&self, issuer: &Certificate) -> Result<&ServedIssuer> {
        self.issuers
            .iter()
            .find(|s| s.issuer == *issuer)
            .ok_or_else(|| Error::Refused {
                what: format!("CA {}", issuer.tbs_certificate.subject),
                reason: "is not served by this OCSP responder".into(),
            })
    }

    /// Answers the DER OCSPRequest `request` at `now`. Always gives a response: a signed
    /// successful one, or an unsigned malformedRequest (unreadable request, no Request,
    /// more than [`MAX_REQUESTS`], a nonce outside 1..32 octets (RFC 8954 2.1), an
    /// unrecognised critical extension), unauthorized (a CertID of a CA not served here,
    /// or of several CAs at once: one response has one signer) or internalError (the
    /// revocation source or the signature failed).
    pub fn respond(&self, request: &[u8], now: SystemTime) -> OcspReply {
        match self.answer(request, now) {
            Ok(der) => OcspReply {
                der,
                status: OcspResponseStatus::Successful,
            },
            Err(Refusal::Malformed) => OcspReply::unsigned(OcspResponseStatus::MalformedRequest),
            Err(Refusal::Unauthorized) => OcspReply::unsigned(OcspResponseStatus::Unauthorized),
            Err(Refusal::Internal) => OcspReply::unsigned(OcspResponseStatus::InternalError),
        }
    }

    fn answer(&self, request: &[u8], now: SystemTime) -> std::result::Result<Vec<u8>, Refusal> {
        let request = OcspRequest::from_der(request).map_err(|_| Refusal::Malformed)?;
        let tbs = &request.tbs_request;
        if tbs.request_list.is_empty() || tbs.request_list.len() > MAX_REQUESTS {
            return Err(Refusal::Malformed);
        }
        let nonce = request_nonce(tbs.request_extensions.as_deref())?;
        for single in &tbs.request_list {
            refuse_critical(single.single_request_extensions.as_deref(), &[])?;
        }

        // One signer per response: every CertID must name the same served CA.
        let mut served: Option<&ServedIssuer> = None;
        for single in &tbs.request_list {
            let found = self
                .issuers
                .iter()
                .find(|i| i.issued(&single.req_cert))
                .ok_or(Refusal::Unauthorized)?;
            match served {
                Some(s) if !std::ptr::eq(s, found) => return Err(Refusal::Unauthorized),
                _ => served = Some(found),
            }
        }
        let issuer = served.ok_or(Refusal::Malformed)?;

        let now = whole_seconds(now);
        let this_update = generalized(now)?;
        let next_update = generalized(now + self.validity)?;
        let mut responses = Vec::with_capacity(tbs.request_list.len());
        for single in &tbs.request_list {
            let serial = Serial::from_serial_number(&single.req_cert.serial_number);
            let cert_status = match issuer.source.status(&serial) {
                Ok(SerialStatus::Good) => CertStatus::good(),
                Ok(SerialStatus::Unknown) => CertStatus::unknown(),
                Ok(SerialStatus::Revoked(entry)) => CertStatus::revoked(RevokedInfo {
                    revocation_time: generalized(whole_seconds(entry.revoked_at))?,
                    // As in the CRL (RFC 5280 5.3.1), unspecified is left out.
                    revocation_reason: (entry.reason
                        != x509_cert::ext::pkix::CrlReason::Unspecified)
                        .then_some(entry.reason),
                }),
                Err(_) => return Err(Refusal::Internal),
            };
            responses.push(SingleResponse {
                // The CertID as asked, so the client finds its answer (RFC 6960 4.2.2.3).
                cert_id: single.req_cert.clone(),
                cert_status,
                this_update,
                next_update: Some(next_update),
                single_extensions: None,
            });
        }

        // The signer of this response, even if a renewal replaces it meanwhile.
        let signer = Arc::clone(&issuer.signer.read().unwrap_or_else(|p| p.into_inner()));
        let response_data = ResponseData {
            version: Version::V1,
            responder_id: ResponderId::ByKey(
                OctetString::new(signer.responder_key_hash.clone())
                    .map_err(|_| Refusal::Internal)?,
            ),
            produced_at: this_update,
            responses,
            response_extensions: nonce.map(|n| vec![n]),
        };
        let tbs_der = response_data.to_der().map_err(|_| Refusal::Internal)?;
        let signature = sign_tbs(&signer.key, &tbs_der).map_err(|_| Refusal::Internal)?;
        let basic = BasicOcspResponse {
            tbs_response_data: response_data,
            signature_algorithm: signature.algorithm,
            signature: signature.value,
            certs: Some(vec![signer.responder.clone()]),
        };
        OcspResponse::successful(basic)
            .and_then(|r| r.to_der())
            .map_err(|_| Refusal::Internal)
    }
}

impl ServedIssuer {
    /// Whether `id` names a certificate of this CA: the issuer name and key hashes under a
    /// digest we compute (RFC 6960 4.1.1). The hash AlgorithmIdentifier's parameters may
    /// be NULL or absent (both occur, RFC 5754 2).
    fn issued(&self, id: &CertId) -> bool {
        if id
            .hash_algorithm
            .parameters
            .as_ref()
            .is_some_and(|p| p.tag() != der::Tag::Null || !p.value().is_empty())
        {
            return false;
        }
        self.hashes.iter().any(|(d, name, key)| {
            d.oid() == id.hash_algorithm.oid
                && name.as_slice() == id.issuer_name_hash.as_bytes()
                && key.as_slice() == id.issuer_key_hash.as_bytes()
        })
    }
}

/// The nonce extension of the request, to echo unchanged (RFC 6960 4.4.1): its value must
/// be a DER OCTET STRING of 1 to 32 octets (RFC 8954 2.1). Repeated extensions (RFC 5280
/// 4.2) and unrecognised critical ones are malformed.
fn request_nonce(
    extensions: Option<&[Extension]>,
) -> std::result::Result<Option<Extension>, Refusal> {
    let Some(extensions) = extensions else {
        return Ok(None);
    };
    refuse_critical(Some(extensions), &[ID_PKIX_OCSP_NONCE])?;
    let mut nonces = extensions
        .iter()
        .filter(|e| e.extn_id == ID_PKIX_OCSP_NONCE);
    let nonce = nonces.next();
    if nonces.next().is_some() {
        return Err(Refusal::Malformed);
    }
    let Some(nonce) = nonce else {
        return Ok(None);
    };
    let value =
        OctetString::from_der(nonce.extn_value.as_bytes()).map_err(|_| Refusal::Malformed)?;
    if !NONCE_LENGTHS.contains(&value.as_bytes().len()) {
        return Err(Refusal::Malformed);
    }
    Ok(Some(Extension {
        extn_id: ID_PKIX_OCSP_NONCE,
        critical: false,
        extn_value: nonce.extn_value.clone(),
    }))
}

/// Malformed when an extension marked critical is not one of `known`, or one appears twice.
fn refuse_critical(
    extensions: Option<&[Extension]>,
    known: &[der::asn1::ObjectIdentifier],
) -> std::result::Result<(), Refusal> {
    let extensions = extensions.unwrap_or_default();
    for (i, e) in extensions.iter().enumerate() {
        if e.critical && !known.contains(&e.extn_id) {
            return Err(Refusal::Malformed);
        }
        if extensions
            .iter()
            .skip(i + 1)
            .any(|o| o.extn_id == e.extn_id)
        {
            return Err(Refusal::Malformed);
        }
    }
    Ok(())
}

fn generalized(at: SystemTime) -> std::result::Result<OcspGeneralizedTime, Refusal> {
    GeneralizedTime::from_system_time(at)
        .map(OcspGeneralizedTime)
        .map_err(|_| Refusal::Internal)
}

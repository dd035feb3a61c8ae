//! The revocation checker the path validator calls for each certificate and its validated
//! issuer (RFC 5280 6.1.3 (a)(3)): [`RevocationChecker`] implements
//! [`RevocationCheck`]; the validator applies the [`crate::options::RevocationMode`]
//! (hard-fail rejects an unknown status, soft-fail reports it, off never asks).
//!
//! Sources are tried in order until one gives a definite answer (good or revoked):
//! 1. the configured OCSP responder (RFC 6960),
//! 2. the OCSP responders named in the certificate's authorityInfoAccess (RFC 5280 4.2.2.1),
//! 3. the CRLs given by the caller,
//! 4. the CRLs fetched from the certificate's cRLDistributionPoints (RFC 5280 4.2.1.13)
//!    and the delta CRLs named by freshestCRL (the certificate's, 4.2.1.15, or a complete
//!    CRL's, 5.2.6), together with the given ones, cached by URL until their nextUpdate.
//!
//! Everything fetched goes through the [`Fetcher`]; with [`crate::fetch::Offline`] no
//! request is made and only the given CRLs count.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::SystemTime;

use const_oid::db::rfc5280::{ID_CE_CRL_DISTRIBUTION_POINTS, ID_CE_FRESHEST_CRL};
use x509_cert::ext::pkix::crl::{CrlDistributionPoints, FreshestCrl};
use x509_cert::ext::pkix::CrlReason;
use x509_cert::name::Name;
use x509_cert::Certificate;

use crate::crl::{certificate_extension, check_crls, point_uris, Crl, CrlSignerValidator};
use crate::fetch::{FetchKind, Fetcher};
use crate::names::NormalizedName;
use crate::ocsp::{build_request, responder_urls, verify_response, ResponseCheck};
use crate::validate::{RevocationCheck, RevocationRequest, RevocationStatus};
use crate::CryptoPolicy;

/// The RFC 5280 5.3.1 name of a reason code (`None`: the entry gives none).
pub fn reason_name(reason: Option<CrlReason>) -> &'static str {
    match reason {
        None | Some(CrlReason::Unspecified) => "unspecified",
        Some(CrlReason::KeyCompromise) => "keyCompromise",
        Some(CrlReason::CaCompromise) => "cACompromise",
        Some(CrlReason::AffiliationChanged) => "affiliationChanged",
        Some(CrlReason::Superseded) => "superseded",
        Some(CrlReason::CessationOfOperation) => "cessationOfOperation",
        Some(CrlReason::CertificateHold) => "certificateHold",
        Some(CrlReason::RemoveFromCRL) => "removeFromCRL",
        Some(CrlReason::PrivilegeWithdrawn) => "privilegeWithdrawn",
        Some(CrlReason::AaCompromise) => "aACompromise",
    }
}

/// Checks certificates against CRLs and OCSP responders; one per validation run or kept
/// for many (fetched CRLs are cached by URL until their nextUpdate).
pub struct RevocationChecker {
    fetcher: Box<dyn Fetcher + Send + Sync>,
    crls: Vec<Crl>,
    fetch_crls: bool,
    responder: Option<(String, Vec<Certificate>)>,
    use_aia_ocsp: bool,
    require_nonce: bool,
    cache: Mutex<HashMap<String, Vec<Crl>>>,
}

impl std::fmt::Debug for RevocationChecker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevocationChecker")
            .field("crls", &self.crls.len())
            .field("fetch_crls", &self.fetch_crls)
            .field("responder", &self.responder.as_ref().map(|(url, _)| url))
            .field("use_aia_ocsp", &self.use_aia_ocsp)
            .field("require_nonce", &self.require_nonce)
            .finish_non_exhaustive()
    }
}

impl RevocationChecker {
    /// A checker that fetches through `fetcher` (give [`crate::fetch::Offline`] for no
    /// network) and has no CRLs of its own yet.
    pub fn new(fetcher: impl Fetcher + Send + Sync + 'static) -> Self {
        RevocationChecker {
            fetcher: Box::new(fetcher),
            crls: Vec::new(),
            fetch_crls: true,
            responder: None,
            use_aia_ocsp: true,
            require_nonce: true,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Adds CRLs given by the caller (`--crl`), complete or delta, of any issuer.
    pub fn with_crls(mut self, crls: impl IntoIterator<Item = Crl>) -> Self {
        self.crls.extend(crls);
        self
    }

    /// Asks the OCSP responder at `url` first, for every certificate. Responses signed by
    /// one of `signers` are accepted besides those of the issuer and its delegated
    /// responders (RFC 6960 4.2.2.2, a locally configured signing authority).
    pub fn with_ocsp_responder(mut self, url: &str, signers: Vec<Certificate>) -> Self {
        self.responder = Some((url.to_owned(), signers));
        self
    }

    /// Whether to ask the OCSP responders of the certificate's authorityInfoAccess
    /// (default: yes).
    pub fn use_aia_ocsp(mut self, use_aia: bool) -> Self {
        self.use_aia_ocsp = use_aia;
        self
    }

    /// Whether an OCSP response must echo the nonce sent (default: yes; a different nonce
    /// is refused either way). Responders that pre-produce responses (RFC 5019) do not
    /// echo nonces.
    pub fn require_nonce(mut self, require: bool) -> Self {
        self.require_nonce = require;
        self
    }

    /// Whether to fetch CRLs from cRLDistributionPoints (default: yes).
    pub fn fetch_crls(mut self, fetch: bool) -> Self {
        self.fetch_crls = fetch;
        self
    }

    /// The revocation status of `cert`, whose issuer `issuer` has been validated, at `time`.
    /// `signers` validates CRL signers other than `issuer` (RFC 5280 6.3.3 (f)). The path
    /// validator calls this through [`RevocationCheck`].
    pub fn status(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
        time: SystemTime,
        policy: &CryptoPolicy,
        signers: &dyn CrlSignerValidator,
    ) -> RevocationStatus {
        let mut why = Vec::new();
        let mut responders: Vec<(&str, &[Certificate])> = Vec::new();
        if let Some((url, signers)) = &self.responder {
            responders.push((url, signers));
        }
        let aia = if self.use_aia_ocsp {
            responder_urls(cert)
        } else {
            Vec::new()
        };
        responders.extend(aia.iter().map(|u| (u.as_str(), &[][..])));
        for (url, trusted) in responders {
            match self.ask_ocsp(url, trusted, cert, issuer, time, policy) {
                RevocationStatus::Unknown { detail } => why.push(detail),
                status => return status,
            }
        }
        let given: Vec<&Crl> = self.crls.iter().collect();
        if !given.is_empty() {
            match check_crls(cert, issuer, &given, time, policy, signers) {
                RevocationStatus::Unknown { detail } => why.push(format!("given CRLs: {detail}")),
                status => return status,
            }
        }
        if self.fetch_crls {
            let mut fetched = Vec::new();
            let complete_urls = distribution_point_urls(cert);
            for url in &complete_urls {
                match self.fetch_crl(url, time) {
                    Ok(crls) => fetched.extend(crls),
                    Err(e) => why.push(e),
                }
            }
            // Delta CRLs (RFC 5280 5.2.4) where the certificate (4.2.1.15) or a complete
            // CRL (5.2.6) says they are published.
            let mut delta_urls = freshest_crl_urls(cert);
            for crl in self.crls.iter().chain(&fetched).filter(|c| !c.is_delta()) {
                delta_urls.extend_from_slice(crl.freshest_crl_urls());
            }
            delta_urls.sort();
            delta_urls.dedup();
            delta_urls.retain(|url| !complete_urls.contains(url));
            for url in &delta_urls {
                match self.fetch_crl(url, time) {
                    Ok(crls) => fetched.extend(crls),
                    Err(e) => why.push(e),
                }
            }
            if !fetched.is_empty() {
                let all: Vec<&Crl> = self.crls.iter().chain(fetched.iter()).collect();
                match check_crls(cert, issuer, &all, time, policy, signers) {
                    RevocationStatus::Unknown { detail } => {
                        why.push(format!("fetched CRLs: {detail}"))
                    }
                    status => return status,
                }
            }
        }
        if why.is_empty() {
            why.push(
                "no OCSP responder, no CRL given and none named by the certificate".to_owned(),
            );
        }
        RevocationStatus::Unknown {
            detail: why.join("; "),
        }
    }

    /// One OCSP exchange with the responder at `url` (RFC 6960 A.1: HTTP POST).
    fn ask_ocsp(
        &self,
        url: &str,
        trusted: &[Certificate],
        cert: &Certificate,
        issuer: &Certificate,
        time: SystemTime,
        policy: &CryptoPolicy,
    ) -> RevocationStatus {
        let query = match build_request(cert, issuer, true) {
            Ok(query) => query,
            Err(e) => {
                return RevocationStatus::Unknown {
                    detail: e.to_string(),
                }
            }
        };
        match self.fetcher.fetch(FetchKind::Ocsp, url, Some(query.der())) {
            Ok(body) => {
                let check = ResponseCheck {
                    issuer,
                    trusted_responders: trusted,
                    time,
                    policy,
                    require_nonce: self.require_nonce,
                };
                verify_response(&query, &body, &check, url)
            }
            Err(e) => RevocationStatus::Unknown {
                detail: e.to_string(),
            },
        }
    }

    /// The CRLs at `url`, from the cache while every one is still current at `time`
    /// (before its nextUpdate), else fetched anew.
    fn fetch_crl(&self, url: &str, time: SystemTime) -> Result<Vec<Crl>, String> {
        if let Ok(cache) = self.cache.lock() {
            if let Some(crls) = cache.get(url) {
                if crls.iter().all(|c| c.stale_at(time).is_none()) {
                    return Ok(crls.clone());
                }
            }
        }
        let body = self
            .fetcher
            .fetch(FetchKind::Crl, url, None)
            .map_err(|e| e.to_string())?;
        let crls = Crl::load(&body, url).map_err(|e| e.to_string())?;
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(url.to_owned(), crls.clone());
        }
        Ok(crls)
    }
}

impl RevocationCheck for RevocationChecker {
    fn check(&self, request: &RevocationRequest<'_>) -> RevocationStatus {
        self.status(
            request.certificate,
            request.issuer,
            request.options.time,
            &request.options.crypto_policy(),
            &PathSigners { request },
        )
    }
}

/// CRL signers found and validated by the path validator (RFC 5280 6.3.3 (f)): the
/// trust anchors, the path's and the given intermediate certificates named like the CRL
/// issuer; an intermediate counts only when its own path validates (revocation included,
/// nesting bounded by [`crate::validate::MAX_REVOCATION_NESTING`]).
struct PathSigners<'a, 'b> {
    request: &'a RevocationRequest<'b>,
}

impl CrlSignerValidator for PathSigners<'_, '_> {
    fn validated_crl_signers(&self, crl_issuer: &Name, _: &Crl, _: SystemTime) -> Vec<Certificate> {
        let wanted = NormalizedName::new(crl_issuer);
        let named = |c: &&Certificate| NormalizedName::new(&c.tbs_certificate.subject) == wanted;
        let request = self.request;
        let mut signers: Vec<Certificate> = request.anchors.iter().filter(named).cloned().collect();
        // The certificate and its issuer were tried before the validator was asked.
        let tried = [request.certificate, request.issuer];
        for cert in request
            .path
            .iter()
            .chain(request.intermediates)
            .filter(named)
        {
            if !tried.contains(&cert)
                && !signers.contains(cert)
                && request.validate_issuer(cert, &[]).is_valid()
            {
                signers.push(cert.clone());
            }
        }
        signers
    }
}

/// The URIs of the certificate's cRLDistributionPoints fullNames (RFC 5280 4.2.1.13), in
/// order; HTTP ones are what a [`Fetcher`] can usually serve.
pub fn distribution_point_urls(cert: &Certificate) -> Vec<String> {
    certificate_extension::<CrlDistributionPoints>(cert, ID_CE_CRL_DISTRIBUTION_POINTS)
        .map(|points| point_uris(&points.0))
        .unwrap_or_default()
}

/// The URIs of the certificate's freshestCRL (RFC 5280 4.2.1.15): its delta CRLs.
pub fn freshest_crl_urls(cert: &Certificate) -> Vec<String> {
    certificate_extension::<FreshestCrl>(cert, ID_CE_FRESHEST_CRL)
        .map(|points| point_uris(&points.0))
        .unwrap_or_default()
}

//! A [`Fetcher`] over plain HTTP (feature `http`), for CRLs (RFC 5280 4.2.1.13: HTTP GET of
//! a DER CRL) and OCSP (RFC 6960 A.1: HTTP POST of `application/ocsp-request`).
//!
//! Only `http://` URLs are fetched: CRLs and OCSP responses are signed, so TLS adds nothing
//! to their integrity, and an `https://` distribution point would need a second trust
//! configuration. Every request is bounded in time and in response size, so a slow or
//! hostile server cannot stall or exhaust a validation.

use std::time::Duration;

use crate::fetch::{FetchKind, Fetcher};
use crate::{Error, Result};

/// Fetches over HTTP with a timeout and a response-size cap.
#[derive(Debug, Clone)]
pub struct HttpFetcher {
    agent: ureq::Agent,
    max_response_bytes: u64,
}

impl HttpFetcher {
    /// Default time for a whole request (connect, send, receive).
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
    /// Default cap on a response body: large CRLs of public CAs reach tens of MiB.
    pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

    /// A fetcher with [`Self::DEFAULT_TIMEOUT`] and [`Self::DEFAULT_MAX_RESPONSE_BYTES`].
    pub fn new() -> Self {
        Self::with_limits(Self::DEFAULT_TIMEOUT, Self::DEFAULT_MAX_RESPONSE_BYTES)
    }

    /// A fetcher whose requests each take at most `timeout` and whose responses are
    /// refused beyond `max_response_bytes`.
    pub fn with_limits(timeout: Duration, max_response_bytes: u64) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(3)
            .build()
            .into();
        HttpFetcher {
            agent,
            max_response_bytes,
        }
    }
}

impl Default for HttpFetcher {
    fn default() -> Self {
        Self::new()
    }
}

impl Fetcher for HttpFetcher {
    fn fetch(&self, kind: FetchKind, url: &str, body: Option<&[u8]>) -> Result<Vec<u8>> {
        let failed = |reason: String| Error::Fetch {
            url: url.to_owned(),
            reason,
        };
        if !url.starts_with("http://") {
            return Err(failed("only http:// URLs are fetched".to_owned()));
        }
        let accept = match kind {
            FetchKind::Crl => "application/pkix-crl",
            FetchKind::Ocsp => "application/ocsp-response",
            FetchKind::Certificate => "application/pkix-cert",
        };
        let response = match body {
            Some(body) => self
                .agent
                .post(url)
                .header("Accept", accept)
                .content_type(match kind {
                    FetchKind::Ocsp => "application/ocsp-request",
                    _ => "application/octet-stream",
                })
                .send(body),
            None => self.agent.get(url).header("Accept", accept).call(),
        };
        let mut response = response.map_err(|e| failed(e.to_string()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(failed(format!("HTTP status {status}")));
        }
        response
            .body_mut()
            .with_config()
            .limit(self.max_response_bytes)
            .read_to_vec()
            .map_err(|e| failed(e.to_string()))
    }
}

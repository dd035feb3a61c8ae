//! The one door to the network: fetching CRLs, OCSP responses and issuer certificates.
//!
//! `smime-pkix` never opens a socket. The CLI supplies an HTTP implementation, tests supply
//! their own (a map of URLs, or a real server on loopback), and `--offline` supplies
//! [`Offline`], which refuses every request.

use crate::{Error, Result};

/// What is being fetched; an implementation may use it for caching and content types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchKind {
    /// A CRL from a cRLDistributionPoints URI (RFC 5280 4.2.1.13), HTTP GET.
    Crl,
    /// An OCSP request (RFC 6960 appendix A.1), HTTP POST of `application/ocsp-request`.
    Ocsp,
    /// An issuer certificate from an authorityInfoAccess caIssuers URI (RFC 5280 4.2.2.1).
    Certificate,
}

/// Fetches bytes from a URL. Implementations must bound time and size themselves.
pub trait Fetcher {
    /// GET `url` (`body` is `None`) or POST `body` to it; returns the response body.
    fn fetch(&self, kind: FetchKind, url: &str, body: Option<&[u8]>) -> Result<Vec<u8>>;
}

/// A fetcher that makes no request: every fetch fails (the CLI's `--offline`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Offline;

impl Fetcher for Offline {
    fn fetch(&self, _kind: FetchKind, url: &str, _body: Option<&[u8]>) -> Result<Vec<u8>> {
        Err(Error::Fetch {
            url: url.to_owned(),
            reason: "offline: no network request is made".to_owned(),
        })
    }
}

#[cfg(feature = "http")]
pub mod http;

//! Where the CA publishes what relying parties fetch, under one base URL: the CRL of each
//! CA (RFC 5280 4.2.1.13), each CA certificate (caIssuers, RFC 5280 4.2.2.1: a DER
//! certificate over HTTP) and the OCSP responder (RFC 6960, one URL for every CA). The
//! certificates point here and `smime ca serve` ([`crate::serve`]) answers here. A CA is
//! named in URLs by [`crate::serve::ca_url_id`], the hex of its key identifier.

/// The URLs of one CA installation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaUrls {
    base: String,
}

impl CaUrls {
    /// URLs under `base` (e.g. `http://pki.example.org`); a trailing `/` is dropped.
    /// CRLs and OCSP are served over plain HTTP (CA/B S/MIME BR 7.1.2.3(b,c)).
    pub fn new(base: &str) -> CaUrls {
        CaUrls {
            base: base.trim_end_matches('/').to_string(),
        }
    }

    /// The default base URL for an organisation: `http://pki.<first domain>`.
    pub fn default_for(domain: &str) -> CaUrls {
        CaUrls::new(&format!("http://pki.{domain}"))
    }

    /// The base URL, without a trailing `/`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The CRL issued by the CA with this URL id.
    pub fn crl(&self, ca: &str) -> String {
        format!("{}/crl/{ca}.crl", self.base)
    }

    /// The DER certificate of the CA with this URL id.
    pub fn ca_certificate(&self, ca: &str) -> String {
        format!("{}/certs/{ca}.crt", self.base)
    }

    /// The CRL of `ca` (named by its [`crate::serve::ca_url_id`]).
    pub fn crl_of(&self, ca: &x509_cert::Certificate) -> String {
        self.crl(&crate::serve::ca_url_id(ca))
    }

    /// The certificate of `ca` (named by its [`crate::serve::ca_url_id`]).
    pub fn certificate_of(&self, ca: &x509_cert::Certificate) -> String {
        self.ca_certificate(&crate::serve::ca_url_id(ca))
    }

    /// The OCSP responder (RFC 6960 A.1: requests by POST, or GET with the request appended).
    pub fn ocsp(&self) -> String {
        format!("{}/ocsp", self.base)
    }

    /// The HTTP path (no scheme, host or base path) of a full URL made here, for a server
    /// that routes requests: `/crl/root.crl` for `http://host/pki/crl/root.crl` when the
    /// base is `http://host/pki`.
    pub fn path_of<'a>(&self, url: &'a str) -> Option<&'a str> {
        url.strip_prefix(&self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_under_base_trailing_slash_dropped() {
        let urls = CaUrls::new("http://pki.example.org/");
        assert_eq!(urls.crl("0a1b"), "http://pki.example.org/crl/0a1b.crl");
        assert_eq!(
            urls.ca_certificate("0a1b"),
            "http://pki.example.org/certs/0a1b.crt"
        );
        assert_eq!(urls.ocsp(), "http://pki.example.org/ocsp");
        assert_eq!(urls.path_of(&urls.ocsp()), Some("/ocsp"));
        assert_eq!(
            CaUrls::default_for("example.org"),
            CaUrls::new("http://pki.example.org")
        );
    }
}

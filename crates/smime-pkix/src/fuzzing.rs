//! Entry points for the cargo-fuzz targets in `fuzz/` (`crl`, `ocsp_response`) and for the
//! test that replays their corpora. Each must return normally for any input: an error or an
//! unknown status is fine, a panic is a bug. CRLs and OCSP responses arrive from the network,
//! so their parsers see hostile bytes.

use std::time::{Duration, SystemTime};

use der::Decode;
use x509_cert::Certificate;

use crate::crl::{check_crls, Crl, IssuerSignsCrls};
use crate::ocsp::{build_request, verify_response, ResponseCheck};
use crate::CryptoPolicy;

/// PKITS "Good CA" and an end entity it issued: a real issuer and certificate to check.
fn pkits_pair() -> Option<(Certificate, Certificate)> {
    let issuer = include_bytes!("../tests/data/pkits/certs/GoodCACert.crt");
    let leaf = include_bytes!("../tests/data/pkits/certs/ValidCertificatePathTest1EE.crt");
    Some((
        Certificate::from_der(leaf).ok()?,
        Certificate::from_der(issuer).ok()?,
    ))
}

/// 2010-01-01, when the PKITS CRLs are current.
fn pkits_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_262_304_000)
}

/// CRL reading (PEM or DER) and RFC 5280 6.3.3 processing of what was read, for the PKITS
/// certificate, with the CRLs taken as complete and delta CRLs alike.
pub fn crl(data: &[u8]) {
    let Ok(crls) = Crl::load(data, "fuzz input") else {
        return;
    };
    let Some((leaf, issuer)) = pkits_pair() else {
        return;
    };
    let refs: Vec<&Crl> = crls.iter().collect();
    let policy = CryptoPolicy::strict().allow_legacy();
    let _ = check_crls(
        &leaf,
        &issuer,
        &refs,
        pkits_time(),
        &policy,
        &IssuerSignsCrls,
    );
}

/// OCSP response parsing and verification (RFC 6960 3.2) as the answer to a request for
/// the PKITS certificate.
pub fn ocsp_response(data: &[u8]) {
    let Some((leaf, issuer)) = pkits_pair() else {
        return;
    };
    let Ok(query) = build_request(&leaf, &issuer, true) else {
        return;
    };
    let policy = CryptoPolicy::strict().allow_legacy();
    for require_nonce in [true, false] {
        let check = ResponseCheck {
            issuer: &issuer,
            trusted_responders: &[],
            time: pkits_time(),
            policy: &policy,
            require_nonce,
        };
        let _ = verify_response(&query, data, &check, "fuzz input");
    }
}

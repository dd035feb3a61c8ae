//! The entry point of the `ocsp_request` cargo-fuzz target in `fuzz/` and of the test that
//! replays its corpus. OCSP requests arrive from anyone who can reach `smime ca serve`, so
//! the responder must answer every input without panicking.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use x509_cert::ext::pkix::CrlReason;

use crate::ocsp_responder::OcspResponder;
use crate::revocation_status::{RevocationList, RevokedEntry, Serial};

/// Answers `data` as an OCSP request (RFC 6960 4.1) with `responder` (made once by
/// [`ocsp_responder`]) at a fixed time.
pub fn ocsp_request(responder: &OcspResponder, data: &[u8]) {
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let _ = responder.respond(data, at);
}

/// The responder for the CA `ca_pem` with its delegated responder `responder_pem` /
/// `responder_key` (fuzz/keys/): serial 1 issued and good, 2 revoked for keyCompromise,
/// others unknown. None when the files do not fit.
pub fn ocsp_responder(
    ca_pem: &[u8],
    responder_pem: &[u8],
    responder_key: &[u8],
) -> Option<OcspResponder> {
    let ca = smime::crypto::load_certificates(ca_pem, "fuzz CA")
        .ok()?
        .pop()?;
    let cert = smime::crypto::load_certificates(responder_pem, "fuzz responder")
        .ok()?
        .pop()?;
    let key =
        smime::crypto::PrivateKey::from_pem_or_der(responder_key, "fuzz responder key").ok()?;
    let list = RevocationList::new();
    list.add_issued(Serial::from_bytes(&[1]));
    list.add_issued(Serial::from_bytes(&[2]));
    list.revoke(RevokedEntry {
        serial: Serial::from_bytes(&[2]),
        revoked_at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        reason: CrlReason::KeyCompromise,
    });
    let mut responder = OcspResponder::new();
    responder
        .add_issuer(&ca, cert, Arc::new(key), Arc::new(list))
        .ok()?;
    Some(responder)
}

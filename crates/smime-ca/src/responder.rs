//! The delegated OCSP responder (RFC 6960 4.2.2.2): a short-lived certificate the issuing CA
//! gives a fresh key when `smime ca serve` starts, so the CA key signs one certificate per
//! start instead of every response, and the responder key never leaves the process.
//!
//! The certificate carries extKeyUsage id-kp-OCSPSigning only, a critical keyUsage
//! digitalSignature, and id-pkix-ocsp-nocheck (RFC 6960 4.2.2.2.1: clients do not check a
//! responder's own status, which is why its life is kept short).

use der::flagset::FlagSet;
use smime::crypto::PrivateKey;
use x509_cert::ext::pkix::KeyUsages;
use x509_cert::Certificate;

use crate::builder::{random_serial, tbs_certificate, validity, AttributeText, NameBuilder};
use crate::extensions;
use crate::keygen::{generate, GeneratedKey, KeyAlgorithm};
use crate::signing::sign_certificate;
use crate::subject::{COMMON_NAME, ORGANIZATION};
use crate::Result;

/// How long a responder certificate lives: a running `ca serve` is restarted (or makes a
/// new one) within this time.
pub const RESPONDER_VALIDITY_DAYS: u32 = 30;

/// A responder certificate issued at `now` (unix seconds) by the CA `ca_certificate` with
/// `ca_key`, for a new P-256 key, valid [`RESPONDER_VALIDITY_DAYS`], named
/// `CN=OCSP Responder` under the CA's organizationName when it has one.
pub fn issue_responder(
    ca_certificate: &Certificate,
    ca_key: &PrivateKey,
    now: i64,
) -> Result<(Certificate, GeneratedKey)> {
    let key = generate(KeyAlgorithm::P256)?;
    let spki = key.key.public_key_spki();
    let ca_spki = &ca_certificate.tbs_certificate.subject_public_key_info;
    let organization = ca_certificate
        .tbs_certificate
        .subject
        .0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| atv.oid == ORGANIZATION)
        .and_then(|atv| atv.value.decode_as::<String>().ok());
    let subject = NameBuilder::new()
        .add_optional(ORGANIZATION, organization.as_deref(), AttributeText::Utf8)?
        .add(COMMON_NAME, "OCSP Responder", AttributeText::Utf8)?
        .build();
    let usage: FlagSet<KeyUsages> = KeyUsages::DigitalSignature.into();
    let tbs = tbs_certificate(
        ca_key,
        random_serial()?,
        ca_certificate.tbs_certificate.subject.clone(),
        validity(now, RESPONDER_VALIDITY_DAYS)?,
        subject,
        spki.clone(),
        vec![
            extensions::basic_constraints(false, None)?,
            extensions::key_usage(usage)?,
            extensions::ocsp_signing()?,
            extensions::ocsp_no_check()?,
            extensions::subject_key_identifier(&spki)?,
            extensions::authority_key_identifier(&extensions::key_identifier(ca_spki))?,
        ],
    )?;
    Ok((sign_certificate(ca_key, tbs)?, key))
}

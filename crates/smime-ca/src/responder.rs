//! The delegated OCSP responder (RFC 6960 4.2.2.2): a short-lived certificate the issuing CA
//! gives a fresh key when `smime ca serve` starts, so the CA key signs one certificate per
//! start instead of every response, and the responder key never leaves the process. A
//! server that runs longer renews it [`RESPONDER_RENEW_DAYS`] before it expires
//! ([`ResponderRotation`]), with a new key again, so responses never carry an expired
//! responder certificate.
//!
//! The certificate carries extKeyUsage id-kp-OCSPSigning only, a critical keyUsage
//! digitalSignature, and id-pkix-ocsp-nocheck (RFC 6960 4.2.2.2.1: clients do not check a
//! responder's own status, which is why its life is kept short).

use std::sync::Arc;

use der::flagset::FlagSet;
use smime::crypto::PrivateKey;
use x509_cert::ext::pkix::KeyUsages;
use x509_cert::Certificate;

use crate::builder::{random_serial, tbs_certificate, validity, AttributeText, NameBuilder};
use crate::extensions;
use crate::keygen::{generate, GeneratedKey, KeyAlgorithm};
use crate::ocsp_responder::OcspResponder;
use crate::refresher::Task;
use crate::serve::ServeState;
use crate::signing::sign_certificate;
use crate::subject::{COMMON_NAME, ORGANIZATION};
use crate::Result;

/// How long a responder certificate lives.
pub const RESPONDER_VALIDITY_DAYS: u32 = 30;

/// How long before its end a running server replaces the responder certificate: a third of
/// its life, so a client's cached response (one day, [`crate::ocsp_responder`]) never
/// outlives the certificate that signed it, and a failing renewal has ten days of retries.
pub const RESPONDER_RENEW_DAYS: u32 = 10;

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
            // The CA's own subjectKeyIdentifier (RFC 5280 4.2.1.1), whatever method made it.
            extensions::authority_key_identifier(&crate::crl_issuer::key_identifier(
                ca_certificate,
            ))?,
        ],
    )?;
    Ok((sign_certificate(ca_key, tbs)?, key))
}

/// Renews the responder certificate of one CA while a server runs (see the module notes).
pub struct ResponderRotation {
    ca_certificate: Certificate,
    ca_key: Arc<PrivateKey>,
}

impl std::fmt::Debug for ResponderRotation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponderRotation")
            .field(
                "ca",
                &self.ca_certificate.tbs_certificate.subject.to_string(),
            )
            .finish_non_exhaustive()
    }
}

impl ResponderRotation {
    /// Renews the responders of the CA `ca_certificate` with `ca_key`.
    pub fn new(ca_certificate: Certificate, ca_key: Arc<PrivateKey>) -> ResponderRotation {
        ResponderRotation {
            ca_certificate,
            ca_key,
        }
    }

    /// When the certificate signing this CA's responses in `responder` has less than
    /// [`RESPONDER_RENEW_DAYS`] left at `now` (unix seconds), issue a new one for a new key
    /// and sign with it from now on; returns it, or `None` when not due.
    pub fn rotate_if_due(
        &self,
        responder: &OcspResponder,
        now: i64,
    ) -> Result<Option<Certificate>> {
        let current = responder.responder_certificate(&self.ca_certificate)?;
        let not_after = current
            .tbs_certificate
            .validity
            .not_after
            .to_unix_duration()
            .as_secs();
        let left = i64::try_from(not_after)
            .unwrap_or(i64::MAX)
            .saturating_sub(now);
        if left > i64::from(RESPONDER_RENEW_DAYS) * 86_400 {
            return Ok(None);
        }
        let (certificate, key) = issue_responder(&self.ca_certificate, &self.ca_key, now)?;
        responder.replace_responder(
            &self.ca_certificate,
            certificate.clone(),
            Arc::new(key.key),
        )?;
        Ok(Some(certificate))
    }

    /// The server job that renews the responder of `state` when due.
    pub fn serve_task(self, state: Arc<ServeState>) -> Task {
        Box::new(move |now| {
            let now = now
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
            Ok(self.rotate_if_due(state.responder(), now)?.map(|c| {
                format!(
                    "OCSP responder certificate renewed (serial {}, valid {RESPONDER_VALIDITY_DAYS} days)",
                    crate::revocation_status::Serial::from_serial_number(
                        &c.tbs_certificate.serial_number
                    )
                    .to_hex()
                )
            }))
        })
    }
}

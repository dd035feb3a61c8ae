//! Issuing CRLs (RFC 5280 5): complete v2 CRLs signed by the issuing CA itself, with
//! thisUpdate and nextUpdate, a cRLNumber, the CA's authorityKeyIdentifier, and one entry
//! per revoked certificate with its revocationDate and reasonCode.
//!
//! The CRL number is the caller's to keep (the store's `ca` table): it must grow with every
//! CRL the CA issues (RFC 5280 5.2.3), so [`CrlIssuer::issue`] takes it rather than
//! counting in memory, where a restart would reset it.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use const_oid::db::rfc5280::{ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_CRL_NUMBER, ID_CE_CRL_REASONS};
use der::asn1::{GeneralizedTime, OctetString, UtcTime};
use der::Encode;
use smime::crypto::{digest, subject_key_identifier, DigestAlgorithm, PrivateKey};
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlNumber, CrlReason, KeyUsage, KeyUsages};
use x509_cert::ext::Extension;
use x509_cert::time::Time;
use x509_cert::{Certificate, Version};

use crate::revocation_status::RevokedEntry;
use crate::signing::{sign_tbs, signature_algorithm};
use crate::{Error, Result};

/// How long a CRL is current by default: nextUpdate = thisUpdate + 7 days (the CA/Browser
/// Forum S/MIME Baseline Requirements 4.9.7 allow at most 10 days for end-entity CRLs).
pub const DEFAULT_CRL_VALIDITY: Duration = Duration::from_secs(7 * 24 * 3600);

/// Signs CRLs for one CA with its key.
pub struct CrlIssuer {
    ca: Certificate,
    key: Arc<PrivateKey>,
    key_identifier: Vec<u8>,
    validity: Duration,
}

impl std::fmt::Debug for CrlIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CrlIssuer")
            .field("ca", &self.ca.tbs_certificate.subject.to_string())
            .field("validity", &self.validity)
            .finish_non_exhaustive()
    }
}

impl CrlIssuer {
    /// The issuer for `ca` signing with `key`. Refused when the key is not the
    /// certificate's, or when the certificate's keyUsage lacks cRLSign (RFC 5280 4.2.1.3).
    pub fn new(ca: Certificate, key: Arc<PrivateKey>) -> Result<CrlIssuer> {
        let subject = ca.tbs_certificate.subject.to_string();
        if key.public_key_spki() != ca.tbs_certificate.subject_public_key_info {
            return Err(Error::Refused {
                what: format!("CRL signing key for {subject}"),
                reason: "the key is not the CA certificate's key".into(),
            });
        }
        if let Some(ku) = certificate_key_usage(&ca) {
            if !ku.0.contains(KeyUsages::CRLSign) {
                return Err(Error::Refused {
                    what: format!("CA {subject}"),
                    reason: "its keyUsage lacks cRLSign (RFC 5280 4.2.1.3)".into(),
                });
            }
        }
        Ok(CrlIssuer {
            key_identifier: key_identifier(&ca),
            ca,
            key,
            validity: DEFAULT_CRL_VALIDITY,
        })
    }

    /// Sets how long each CRL is current (nextUpdate - thisUpdate).
    pub fn validity(mut self, validity: Duration) -> CrlIssuer {
        self.validity = validity;
        self
    }

    /// How long each CRL is current.
    pub fn crl_validity(&self) -> Duration {
        self.validity
    }

    /// The CA certificate.
    pub fn ca(&self) -> &Certificate {
        &self.ca
    }

    /// A complete CRL (DER) listing `revoked`, numbered `number`, current from `this_update`
    /// for the configured validity. Entries are sorted by serial so the same state gives the
    /// same list; a reasonCode is written unless the reason is unspecified (RFC 5280 5.3.1).
    pub fn issue(
        &self,
        revoked: &[RevokedEntry],
        number: u64,
        this_update: SystemTime,
    ) -> Result<Vec<u8>> {
        let encode = |what: &str, e: der::Error| Error::Crypto {
            what: format!("encoding the CRL's {what}"),
            reason: e.to_string(),
        };
        let mut sorted: Vec<&RevokedEntry> = revoked.iter().collect();
        sorted.sort_by(|a, b| a.serial.cmp(&b.serial));
        let mut entries = Vec::with_capacity(sorted.len());
        for entry in sorted {
            let crl_entry_extensions = match entry.reason {
                CrlReason::Unspecified => None,
                reason => Some(vec![Extension {
                    extn_id: ID_CE_CRL_REASONS,
                    critical: false,
                    extn_value: OctetString::new(
                        reason.to_der().map_err(|e| encode("reasonCode", e))?,
                    )
                    .map_err(|e| encode("reasonCode", e))?,
                }]),
            };
            entries.push(RevokedCert {
                serial_number: entry.serial.to_serial_number()?,
                revocation_date: x509_time(entry.revoked_at)?,
                crl_entry_extensions,
            });
        }
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(
                OctetString::new(self.key_identifier.clone())
                    .map_err(|e| encode("authorityKeyIdentifier", e))?,
            ),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        };
        let crl_number = CrlNumber(
            der::asn1::Uint::new(&number.to_be_bytes()).map_err(|e| encode("cRLNumber", e))?,
        );
        let extension = |extn_id, value: Vec<u8>, what: &str| -> Result<Extension> {
            Ok(Extension {
                extn_id,
                critical: false,
                extn_value: OctetString::new(value).map_err(|e| encode(what, e))?,
            })
        };
        let crl_extensions = vec![
            extension(
                ID_CE_AUTHORITY_KEY_IDENTIFIER,
                aki.to_der()
                    .map_err(|e| encode("authorityKeyIdentifier", e))?,
                "authorityKeyIdentifier",
            )?,
            extension(
                ID_CE_CRL_NUMBER,
                crl_number.to_der().map_err(|e| encode("cRLNumber", e))?,
                "cRLNumber",
            )?,
        ];
        let next_update = this_update
            .checked_add(self.validity)
            .ok_or_else(|| Error::Input {
                what: "CRL nextUpdate".into(),
                reason: "out of range".into(),
            })?;
        let tbs = TbsCertList {
            version: Version::V2,
            signature: signature_algorithm(&self.key)?.1,
            issuer: self.ca.tbs_certificate.subject.clone(),
            this_update: x509_time(this_update)?,
            next_update: Some(x509_time(next_update)?),
            // An empty SEQUENCE OF is not written (RFC 5280 5.1.2.6: absent when none).
            revoked_certificates: (!entries.is_empty()).then_some(entries),
            crl_extensions: Some(crl_extensions),
        };
        let tbs_der = tbs.to_der().map_err(|e| encode("TBSCertList", e))?;
        let signature = sign_tbs(&self.key, &tbs_der)?;
        CertificateList {
            tbs_cert_list: tbs,
            signature_algorithm: signature.algorithm,
            signature: signature.value,
        }
        .to_der()
        .map_err(|e| encode("CertificateList", e))
    }
}

/// The keyUsage extension of `cert`, if present and readable.
fn certificate_key_usage(cert: &Certificate) -> Option<KeyUsage> {
    use der::Decode;
    let ext =
        smime_pkix::certificate::find_extension(cert, const_oid::db::rfc5280::ID_CE_KEY_USAGE)?;
    KeyUsage::from_der(ext.extn_value.as_bytes()).ok()
}

/// The CA's key identifier: its subjectKeyIdentifier, else the SHA-1 of its subjectPublicKey
/// (RFC 5280 4.2.1.2 method 1, what the CA's own certificates would carry in their AKI).
pub fn key_identifier(ca: &Certificate) -> Vec<u8> {
    subject_key_identifier(ca).unwrap_or_else(|| {
        digest(
            DigestAlgorithm::Sha1,
            ca.tbs_certificate
                .subject_public_key_info
                .subject_public_key
                .raw_bytes(),
        )
    })
}

/// A time as RFC 5280 4.1.2.5 wants it in certificates and CRLs (5.1.2.4): UTCTime through
/// 2049, GeneralizedTime from 2050, whole seconds.
pub fn x509_time(at: SystemTime) -> Result<Time> {
    let whole = whole_seconds(at);
    if let Ok(utc) = UtcTime::from_system_time(whole) {
        return Ok(Time::UtcTime(utc));
    }
    GeneralizedTime::from_system_time(whole)
        .map(Time::GeneralTime)
        .map_err(|e| Error::Input {
            what: "time".into(),
            reason: e.to_string(),
        })
}

/// `at` without its fraction of a second: DER times have none (RFC 5280 4.1.2.5.1 and
/// 4.1.2.5.2); times before 1970 become 1970.
pub(crate) fn whole_seconds(at: SystemTime) -> SystemTime {
    let seconds = at
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    UNIX_EPOCH + Duration::from_secs(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x509_time_utc_before_2050_generalized_after() {
        let t2049 = UNIX_EPOCH + Duration::from_secs(2_524_607_999); // 2049-12-31T23:59:59Z
        assert!(matches!(x509_time(t2049).unwrap(), Time::UtcTime(_)));
        let t2050 = UNIX_EPOCH + Duration::from_secs(2_524_608_000);
        assert!(matches!(x509_time(t2050).unwrap(), Time::GeneralTime(_)));
        let fraction = UNIX_EPOCH + Duration::from_millis(1_700_000_000_500);
        assert_eq!(
            x509_time(fraction).unwrap().to_unix_duration(),
            Duration::from_secs(1_700_000_000)
        );
    }
}

//! Revocation state kept in the store: a certificate our CA issued is revoked by marking its
//! row (`certificates.revoked_at`, `revocation_reason`, through [`Store::mark_revoked`], audited
//! there), and the CRL issuer and the OCSP responder read it back through
//! [`StoreRevocationSource`]. All SQL stays in smime-store; this module uses its public API.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use smime::crypto::describe_name;
use smime_store::certs::CertificateRecord;
use smime_store::roles::Actor;
use smime_store::Store;
use x509_cert::ext::pkix::CrlReason;
use x509_cert::Certificate;

use crate::crl_issuer::key_identifier;
use crate::revocation_status::{
    parse_reason, reason_name, RevocationSource, RevokedEntry, Serial, SerialStatus,
};
use crate::{Error, Result};

/// The revocation state of the certificates one CA issued, read from the store on every
/// question (so a revocation made by another process, `smime ca revoke`, shows at once).
/// A certificate belongs to the CA when its issuer name is the CA's subject and its
/// authorityKeyIdentifier, when it has one, is the CA's key identifier (a CA renewed with a
/// new key keeps its name). Serials the store does not hold are [`SerialStatus::Unknown`].
pub struct StoreRevocationSource {
    store: Arc<Store>,
    actor: Actor,
    ca: CaIdentity,
}

/// How the store's rows name a CA: its subject (RFC 4514, as `certificates.issuer`) and its
/// key identifier (hex, as `certificates.aki`).
struct CaIdentity {
    issuer_name: String,
    key_id: String,
}

impl CaIdentity {
    fn of(ca: &Certificate) -> CaIdentity {
        CaIdentity {
            issuer_name: describe_name(&ca.tbs_certificate.subject),
            key_id: smime::cms::signed_verify::hex(&key_identifier(ca)),
        }
    }

    fn issued(&self, record: &CertificateRecord) -> bool {
        record.issuer == self.issuer_name
            && record
                .aki
                .as_deref()
                .is_none_or(|aki| aki.eq_ignore_ascii_case(&self.key_id))
    }
}

impl std::fmt::Debug for StoreRevocationSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreRevocationSource")
            .field("store", &self.store.location())
            .field("issuer", &self.ca.issuer_name)
            .finish_non_exhaustive()
    }
}

impl StoreRevocationSource {
    /// The state of the certificates `ca` issued, read as `actor` (it needs ReadInventory:
    /// an operator, auditor or admin).
    pub fn new(store: Arc<Store>, actor: Actor, ca: &Certificate) -> StoreRevocationSource {
        StoreRevocationSource {
            store,
            actor,
            ca: CaIdentity::of(ca),
        }
    }
}

/// A stored revocation as a CRL entry. Reasons the store holds under another spelling or
/// that this CA does not issue (an imported row) are published as unspecified.
fn entry(record: &CertificateRecord, revoked_at: i64) -> Result<RevokedEntry> {
    Ok(RevokedEntry {
        serial: Serial::from_hex(&record.serial)?,
        revoked_at: UNIX_EPOCH + Duration::from_secs(u64::try_from(revoked_at).unwrap_or(0)),
        reason: record
            .revocation_reason
            .as_deref()
            .and_then(|r| parse_reason(r).ok())
            .unwrap_or(CrlReason::Unspecified),
    })
}

impl RevocationSource for StoreRevocationSource {
    fn revoked(&self) -> Result<Vec<RevokedEntry>> {
        let records = self
            .store
            .certificates_by_issuer(&self.actor, &self.ca.issuer_name)?;
        records
            .iter()
            .filter(|r| self.ca.issued(r))
            .filter_map(|r| r.revoked_at.map(|at| entry(r, at)))
            .collect()
    }

    fn status(&self, serial: &Serial) -> Result<SerialStatus> {
        let record = self
            .store
            .certificate_by_issuer_serial(&self.ca.issuer_name, &serial.to_hex())?;
        Ok(match record {
            Some(r) if self.ca.issued(&r) => match r.revoked_at {
                Some(at) => SerialStatus::Revoked(entry(&r, at)?),
                None => SerialStatus::Good,
            },
            _ => SerialStatus::Unknown,
        })
    }

    fn next_crl_number(&self, floor: u64) -> Result<u64> {
        Ok(self
            .store
            .advance_counter(&crl_counter(&self.ca.key_id), floor)?)
    }
}

/// The store counter that holds the last cRLNumber of the CA with key identifier `key_id`
/// (hex): one per CA key, since a CA renewed with a new key starts a new CRL scope.
pub fn crl_counter(key_id: &str) -> String {
    format!("crl-number.{}", key_id.to_ascii_lowercase())
}

/// What [`revoke`] did to one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// The certificate's fingerprint (its store id).
    pub id: String,
    /// Its subject, RFC 4514.
    pub subject: String,
    /// The entry as published (for a certificate revoked before: the first revocation).
    pub entry: RevokedEntry,
    /// False when it was already revoked: nothing was changed.
    pub newly_revoked: bool,
}

/// Revokes the certificate with `serial` that `ca` issued, at `at`, for `reason`, as `actor`
/// (RevokeCertificate: operator or admin; audited by the store). A certificate already
/// revoked keeps its first date and reason (RFC 5280 5.3.1 has no "re-revocation"), so
/// revoking twice is harmless. The caller then issues a new CRL (RFC 5280 5: the CRL must
/// list it from now on); the OCSP responder reads the store and needs nothing.
pub fn revoke(
    store: &Store,
    actor: &Actor,
    ca: &Certificate,
    serial: &Serial,
    reason: CrlReason,
    at: SystemTime,
) -> Result<Revocation> {
    let identity = CaIdentity::of(ca);
    let record = store
        .certificate_by_issuer_serial(&identity.issuer_name, &serial.to_hex())?
        .filter(|r| identity.issued(r))
        .ok_or_else(|| Error::Input {
            what: format!("serial {serial}"),
            reason: format!(
                "no certificate issued by {} with this serial in the store",
                identity.issuer_name
            ),
        })?;
    revoke_record(store, actor, &record, reason, at)
}

/// Revokes every certificate of `address` that `ca` issued and that is valid at `at`
/// (the store's lookup by address skips expired and revoked ones); an empty list when there
/// is none.
pub fn revoke_address(
    store: &Store,
    actor: &Actor,
    ca: &Certificate,
    address: &str,
    reason: CrlReason,
    at: SystemTime,
) -> Result<Vec<Revocation>> {
    let identity = CaIdentity::of(ca);
    store
        .certificates_for_address(address, smime_pkix::mail::Purpose::Any, unix_seconds(at))?
        .iter()
        .filter(|r| identity.issued(r))
        .map(|r| revoke_record(store, actor, r, reason, at))
        .collect()
}

fn revoke_record(
    store: &Store,
    actor: &Actor,
    record: &CertificateRecord,
    reason: CrlReason,
    at: SystemTime,
) -> Result<Revocation> {
    if let Some(first) = record.revoked_at {
        return Ok(Revocation {
            id: record.id.clone(),
            subject: record.subject.clone(),
            entry: entry(record, first)?,
            newly_revoked: false,
        });
    }
    let at = unix_seconds(at);
    store.mark_revoked(actor, &record.id, at, reason_name(reason))?;
    Ok(Revocation {
        id: record.id.clone(),
        subject: record.subject.clone(),
        entry: RevokedEntry {
            serial: Serial::from_hex(&record.serial)?,
            revoked_at: UNIX_EPOCH + Duration::from_secs(u64::try_from(at).unwrap_or(0)),
            reason,
        },
        newly_revoked: true,
    })
}

fn unix_seconds(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

//! The store and the issuing CA behind `smime lifecycle run`: the [`RenewalBackend`] the
//! command uses.
//!
//! - Lock: the store lease [`RENEWAL_LEASE`] ([`Store::try_lease`]), taken before the rows
//!   are read and taken again (extended) before each renewal, so a run that lost it (it
//!   stalled past the time to live and another node took over) stops instead of renewing
//!   twice. A waiting run polls until the lease is free or its wait is over.
//! - Renewal: a [`Reissue`] makes the successor with a NEW key (our CA's is
//!   `renewal_ca::CaReissue`); it is stored as `issued` with its profile, then its key is
//!   sealed into the owner's history, which retires older signing keys and keeps every
//!   decryption key ([`smime_store::keys`]).
//! - Expiry notices mailed: `ca` rows [`NOTICE_PREFIX`]`<id>` ([`Store::set_ca_values`]).
//! - The inventory of the store (`smime lifecycle report`): [`inventory`].

use std::collections::HashMap;
use std::time::{Duration, Instant};

use smime_store::certs::{CertSource, CertificateRecord as StoredCertificate};
use smime_store::kek::Kek;
use smime_store::key_store::NewKey;
use smime_store::roles::Actor;
use smime_store::Store;
use x509_cert::certificate::Certificate;
use zeroize::Zeroizing;

use super::inventory::{
    classify, owner_of, CertificateRecord, InventoryPolicy, InventoryReport, IssuerIdentity,
    Usage as InventoryUsage,
};
use super::renewal::{RenewalBackend, Renewed};
use crate::{Error, Result};

/// The name of the store lease that serialises renewal runs.
pub const RENEWAL_LEASE: &str = "lifecycle.run";

/// The store's `ca` rows that record the expiry notices mailed:
/// `notice.<certificate id>` = `<stage>:<unix seconds>` (see [`super::renewal::notice_stage`]).
pub const NOTICE_PREFIX: &str = "notice.";

/// How long a lease holds without being extended.
const LEASE_TTL: Duration = Duration::from_secs(15 * 60);

/// How often a waiting run asks for the lease again.
const LEASE_POLL: Duration = Duration::from_millis(200);

/// The inventory's view of a stored certificate.
pub fn record_of(stored: &StoredCertificate) -> CertificateRecord {
    CertificateRecord {
        id: stored.id.clone(),
        subject: stored.subject.clone(),
        issuer: stored.issuer.clone(),
        serial: stored.serial.clone(),
        aki: stored.aki.clone(),
        not_before: stored.not_before,
        not_after: stored.not_after,
        is_ca: stored.is_ca,
        can_sign: stored.can_sign,
        can_encrypt: stored.can_encrypt,
        source: stored.source.name().to_string(),
        revoked_at: stored.revoked_at,
        profile: stored.profile.clone(),
        addresses: stored.addresses.clone(),
    }
}

/// A successor made for a due certificate: what [`StoreRenewal`] stores.
pub struct Reissued {
    /// The new certificate.
    pub certificate: Certificate,
    /// Its NEW private key, PKCS#8 (RFC 5958).
    pub key_pkcs8: Zeroizing<Vec<u8>>,
    /// The chain above it, issuing CA first.
    pub chain: Vec<Certificate>,
    /// The profile it follows.
    pub profile: String,
}

/// Makes the successor of a due certificate, with a new key.
pub trait Reissue {
    /// The successor of `due` (stored as `old`) at `now`.
    fn reissue(
        &self,
        old: &StoredCertificate,
        due: &CertificateRecord,
        now: i64,
    ) -> Result<Reissued>;
}

/// What renewing needs beyond the store: what makes successors, and the key that seals
/// their keys.
pub struct Issuer<'a> {
    /// Our CA (see `renewal_ca::CaReissue`).
    pub reissue: &'a dyn Reissue,
    /// The unlocked key-encryption key that seals the new keys.
    pub kek: &'a Kek,
}

/// A renewal backend over a store and our issuing CA.
pub struct StoreRenewal<'a> {
    /// The store.
    pub store: &'a Store,
    /// Who runs it (needs the right to issue certificates and import keys).
    pub actor: &'a Actor,
    /// Our CA; `None` when its key is not available here: every due certificate is then
    /// reported as a failed renewal, and the notices still go out.
    pub issuer: Option<Issuer<'a>>,
    /// This run's name in the lease (host, process, start time).
    pub holder: String,
    /// How long to wait for another run's lease.
    pub lock_wait: Duration,
}

impl StoreRenewal<'_> {
    fn take_lease(&self) -> Result<bool> {
        Ok(self
            .store
            .try_lease(RENEWAL_LEASE, &self.holder, LEASE_TTL)?)
    }
}

impl RenewalBackend for StoreRenewal<'_> {
    fn lock(&self) -> Result<()> {
        let start = Instant::now();
        while !self.take_lease()? {
            if start.elapsed() >= self.lock_wait {
                return Err(Error::Refused {
                    what: format!("lifecycle run on {}", self.store.location()),
                    reason: format!(
                        "another run holds the renewal lease ({RENEWAL_LEASE}) after waiting {} s",
                        self.lock_wait.as_secs()
                    ),
                });
            }
            std::thread::sleep(LEASE_POLL);
        }
        Ok(())
    }

    fn unlock(&self) -> Result<()> {
        Ok(self.store.release_lease(RENEWAL_LEASE, &self.holder)?)
    }

    fn certificates(&self) -> Result<Vec<CertificateRecord>> {
        Ok(self
            .store
            .all_certificates(self.actor)?
            .iter()
            .map(record_of)
            .collect())
    }

    fn renew(&self, due: &CertificateRecord, now: i64) -> Result<Renewed> {
        if !self.take_lease()? {
            return Err(Error::Refused {
                what: format!("renewal of {}", due.id),
                reason: "this run lost the renewal lease to another run: stopped".into(),
            });
        }
        let old = self
            .store
            .certificate(&due.id)?
            .ok_or_else(|| Error::Input {
                what: format!("certificate {}", due.id),
                reason: "no longer in the store".into(),
            })?;
        let issuer = self.issuer.as_ref().ok_or_else(|| Error::Refused {
            what: format!("renewal of {}", due.id),
            reason: "our issuing CA's key is not available in this store (smime ca init)".into(),
        })?;
        let reissued = issuer.reissue.reissue(&old, due, now)?;
        let owner = owner_of(due);
        let detail = format!("renewal of {}", due.id);
        let profile = reissued.profile.clone();
        self.store.add_certificates(
            self.actor,
            std::slice::from_ref(&reissued.certificate),
            CertSource::Issued,
            Some(&detail),
            Some(&profile),
        )?;
        let stored = self.store.add_key(
            self.actor,
            issuer.kek,
            &reissued.key_pkcs8,
            NewKey {
                owner: Some(&owner),
                certificate: reissued.certificate.clone(),
                chain: reissued.chain,
                source_detail: Some(&detail),
            },
        )?;
        let validity = &reissued.certificate.tbs_certificate.validity;
        Ok(Renewed {
            old_id: due.id.clone(),
            new_id: stored.id,
            owner,
            usage: InventoryUsage::of(due),
            profile,
            old_not_after: due.not_after,
            new_not_after: i64::try_from(validity.not_after.to_unix_duration().as_secs())
                .unwrap_or(i64::MAX),
            new_key: true,
        })
    }

    fn notices_sent(&self) -> Result<HashMap<String, u32>> {
        let rows = self.store.ca_values(NOTICE_PREFIX)?;
        Ok(rows
            .into_iter()
            .filter_map(|(name, value)| {
                let id = name.strip_prefix(NOTICE_PREFIX)?.to_string();
                // `<stage>:<unix seconds>`; a row that does not read counts as never
                // mailed, so a damaged record costs one notice too many, never one missed.
                let stage = value.split_once(':')?.0.parse::<u32>().ok()?;
                Some((id, stage))
            })
            .collect())
    }

    fn record_notices(&self, sent: &[(String, u32)], now: i64) -> Result<()> {
        let rows: Vec<(String, String)> = sent
            .iter()
            .map(|(id, stage)| (format!("{NOTICE_PREFIX}{id}"), format!("{stage}:{now}")))
            .collect();
        Ok(self.store.set_ca_values(&rows)?)
    }
}

fn identity(stored: &StoredCertificate) -> IssuerIdentity {
    IssuerIdentity {
        subject: stored.subject.clone(),
        ski: stored.ski.clone(),
    }
}

/// The inventory policy of `store` with a window of `window_days`: the organisation's
/// domains (`org.domains`), our CAs (the CA certificates our CA made, stored as `issued`)
/// and the store's shadow verdicts ([`Store::shadow_certificates`]).
pub fn inventory_policy(
    store: &Store,
    actor: &Actor,
    certificates: &[StoredCertificate],
    window_days: i64,
) -> Result<InventoryPolicy> {
    let domains = store
        .setting("org.domains")?
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    Ok(InventoryPolicy {
        window_days,
        domains,
        our_cas: certificates
            .iter()
            .filter(|c| c.is_ca && c.source == CertSource::Issued)
            .map(identity)
            .collect(),
        shadows: store
            .shadow_certificates(actor)?
            .into_iter()
            .map(|c| c.id)
            .collect(),
    })
}

/// The inventory of `store` at `now` (`smime lifecycle report`).
pub fn inventory(
    store: &Store,
    actor: &Actor,
    window_days: i64,
    now: i64,
) -> Result<InventoryReport> {
    let stored = store.all_certificates(actor)?;
    let policy = inventory_policy(store, actor, &stored, window_days)?;
    let records: Vec<CertificateRecord> = stored.iter().map(record_of).collect();
    Ok(classify(&records, &policy, now))
}

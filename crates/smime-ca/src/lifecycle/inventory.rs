//! The certificate inventory (`smime lifecycle report`): every certificate in the store,
//! classified by status and origin, grouped by owner, issuer, profile and usage.
//!
//! The classification is a pure function of the certificate rows, the organisation's
//! settings and a clock ([`classify`] takes `now`): the report of a given store at a given
//! time is always the same, and tests move the clock instead of waiting.
//!
//! - status: `revoked` (the store knows a revocation) before `expired` (past notAfter,
//!   RFC 5280 4.1.2.5) before `expiring` (notAfter within the window) before `valid`;
//! - ours: issued by our CA (the store says `issued`, or the AKI names one of our CA keys);
//! - shadow: an end-entity certificate with an address in one of the organisation's domains
//!   whose issuer is neither our CA nor under a CA on the approved list (`ca.approved`): mail
//!   in our name protected by keys nobody here manages. Which certificates chain to an
//!   approved CA is the store's decision (`Store::shadow_certificates` follows issuers with
//!   verified signatures); it reaches the classification as [`InventoryPolicy::shadows`],
//!   and a certificate of ours is never a shadow one.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, UNIX_EPOCH};

use serde::Serialize;

/// Seconds in a day (the window is counted in days).
pub const DAY: i64 = 86_400;

/// The default renewal and expiry window: 30 days.
pub const DEFAULT_WINDOW_DAYS: i64 = 30;

/// One certificate of the store as the inventory sees it (a `certificates` row with its
/// `certificate_addresses`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRecord {
    /// SHA-256 fingerprint of the DER, lower-case hex.
    pub id: String,
    /// Subject, RFC 4514.
    pub subject: String,
    /// Issuer, RFC 4514.
    pub issuer: String,
    /// Serial number, lower-case hex.
    pub serial: String,
    /// The keyIdentifier of the authorityKeyIdentifier, lower-case hex.
    pub aki: Option<String>,
    /// notBefore, unix seconds.
    pub not_before: i64,
    /// notAfter, unix seconds.
    pub not_after: i64,
    /// A CA certificate (basicConstraints cA).
    pub is_ca: bool,
    /// Mail signing allowed by KU/EKU.
    pub can_sign: bool,
    /// Mail encryption allowed by KU/EKU.
    pub can_encrypt: bool,
    /// `imported`, `issued` or `harvested`.
    pub source: String,
    /// When the store learnt of its revocation.
    pub revoked_at: Option<i64>,
    /// The CA/Browser Forum profile, for certificates our CA issued.
    pub profile: Option<String>,
    /// Its email addresses, lower case.
    pub addresses: Vec<String>,
}

/// One of our CAs: matched by the subjectKeyIdentifier of its certificate against a
/// certificate's AKI, else by its subject against the issuer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IssuerIdentity {
    /// The CA certificate's subject, RFC 4514.
    pub subject: String,
    /// Its subjectKeyIdentifier, lower-case hex.
    pub ski: Option<String>,
}

impl IssuerIdentity {
    fn issued(&self, record: &CertificateRecord) -> bool {
        match (&self.ski, &record.aki) {
            (Some(ski), Some(aki)) => ski.eq_ignore_ascii_case(aki),
            _ => self.subject == record.issuer,
        }
    }
}

/// What the classification needs besides the rows: the organisation's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryPolicy {
    /// The window in days: a certificate expiring within it is `expiring` (and due for renewal).
    pub window_days: i64,
    /// The organisation's mail domains (`org.domains`), lower case.
    pub domains: Vec<String>,
    /// Our own CA certificates (root and intermediates).
    pub our_cas: Vec<IssuerIdentity>,
    /// The ids of the certificates the store finds not under an approved CA
    /// (`Store::shadow_certificates`).
    pub shadows: Vec<String>,
}

impl Default for InventoryPolicy {
    fn default() -> Self {
        InventoryPolicy {
            window_days: DEFAULT_WINDOW_DAYS,
            domains: Vec::new(),
            our_cas: Vec::new(),
            shadows: Vec::new(),
        }
    }
}

/// The status of a certificate at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Within its validity period and not within the window.
    Valid,
    /// Valid, but its notAfter falls within the window.
    Expiring,
    /// Past its notAfter.
    Expired,
    /// Revoked (whatever its dates).
    Revoked,
}

impl Status {
    /// `valid`, `expiring`, `expired`, `revoked`.
    pub fn name(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Expiring => "expiring",
            Status::Expired => "expired",
            Status::Revoked => "revoked",
        }
    }
}

/// What a certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Usage {
    /// Mail signing only.
    Sign,
    /// Mail encryption only.
    Encrypt,
    /// Both.
    Both,
    /// A CA certificate.
    Ca,
    /// Neither (no S/MIME usage).
    None,
}

impl Usage {
    /// `sign`, `encrypt`, `both`, `ca`, `none`.
    pub fn name(self) -> &'static str {
        match self {
            Usage::Sign => "sign",
            Usage::Encrypt => "encrypt",
            Usage::Both => "both",
            Usage::Ca => "ca",
            Usage::None => "none",
        }
    }

    /// The usage of a row.
    pub fn of(record: &CertificateRecord) -> Usage {
        match (record.is_ca, record.can_sign, record.can_encrypt) {
            (true, _, _) => Usage::Ca,
            (false, true, true) => Usage::Both,
            (false, true, false) => Usage::Sign,
            (false, false, true) => Usage::Encrypt,
            (false, false, false) => Usage::None,
        }
    }
}

/// The status of `record` at `now` with a window of `window_days`.
pub fn status_at(record: &CertificateRecord, now: i64, window_days: i64) -> Status {
    if record.revoked_at.is_some() {
        Status::Revoked
    } else if record.not_after < now {
        Status::Expired
    } else if record.not_after <= now.saturating_add(window_days.saturating_mul(DAY)) {
        Status::Expiring
    } else {
        Status::Valid
    }
}

/// The owner of a certificate: its first address, else its subject.
pub fn owner_of(record: &CertificateRecord) -> String {
    record
        .addresses
        .first()
        .cloned()
        .unwrap_or_else(|| record.subject.clone())
}

/// The domain part of an address, lower case.
fn domain_of(address: &str) -> Option<String> {
    address
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('.').to_ascii_lowercase())
}

/// Whether `domain` is `org` or a subdomain of it.
fn in_domain(domain: &str, org: &str) -> bool {
    let org = org.trim_end_matches('.').to_ascii_lowercase();
    domain == org || domain.ends_with(&format!(".{org}"))
}

/// Whether our CA issued `record`.
pub fn is_ours(record: &CertificateRecord, policy: &InventoryPolicy) -> bool {
    record.source == "issued" || policy.our_cas.iter().any(|ca| ca.issued(record))
}

/// Whether `record` is a shadow certificate under `policy` (see the module notes).
pub fn is_shadow(record: &CertificateRecord, policy: &InventoryPolicy) -> bool {
    !record.is_ca && !is_ours(record, policy) && policy.shadows.contains(&record.id)
}

/// Whether one of `record`'s addresses is in one of the organisation's domains.
pub fn in_our_domains(record: &CertificateRecord, policy: &InventoryPolicy) -> bool {
    record
        .addresses
        .iter()
        .any(|a| domain_of(a).is_some_and(|d| policy.domains.iter().any(|org| in_domain(&d, org))))
}

/// An RFC 3339 rendering of unix seconds.
pub fn time_text(seconds: i64) -> String {
    let t = if seconds >= 0 {
        UNIX_EPOCH + Duration::from_secs(seconds.unsigned_abs())
    } else {
        UNIX_EPOCH - Duration::from_secs(seconds.unsigned_abs())
    };
    smime_pkix::mail_validation::rfc3339(t)
}

/// One certificate in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InventoryEntry {
    /// SHA-256 fingerprint, hex.
    pub id: String,
    /// Its first address, else its subject.
    pub owner: String,
    /// All its addresses.
    pub addresses: Vec<String>,
    /// Subject, RFC 4514.
    pub subject: String,
    /// Issuer, RFC 4514.
    pub issuer: String,
    /// Serial, hex.
    pub serial: String,
    /// The profile our CA issued it under, if any.
    pub profile: Option<String>,
    /// What it is for.
    pub usage: Usage,
    /// notAfter, unix seconds.
    pub not_after: i64,
    /// notAfter, RFC 3339.
    pub not_after_utc: String,
    /// Whole days from the report time to notAfter (negative once expired).
    pub days_left: i64,
    /// The status at the report time.
    pub status: Status,
    /// Issued by our CA.
    pub ours: bool,
    /// A shadow certificate (see the module notes).
    pub shadow: bool,
    /// Where the store got it: `imported`, `issued`, `harvested`.
    pub source: String,
}

/// Counts of a group of certificates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Counts {
    /// All certificates of the group.
    pub total: u64,
    /// Status `valid`.
    pub valid: u64,
    /// Status `expiring`.
    pub expiring: u64,
    /// Status `expired`.
    pub expired: u64,
    /// Status `revoked`.
    pub revoked: u64,
    /// Issued by our CA.
    pub ours: u64,
    /// Shadow certificates.
    pub shadow: u64,
}

impl Counts {
    fn add(&mut self, entry: &InventoryEntry) {
        self.total += 1;
        match entry.status {
            Status::Valid => self.valid += 1,
            Status::Expiring => self.expiring += 1,
            Status::Expired => self.expired += 1,
            Status::Revoked => self.revoked += 1,
        }
        self.ours += u64::from(entry.ours);
        self.shadow += u64::from(entry.shadow);
    }
}

/// The counts of one owner, issuer, profile or usage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupCounts {
    /// The owner, issuer, profile (`-` for none) or usage.
    pub key: String,
    /// Its counts.
    #[serde(flatten)]
    pub counts: Counts,
}

/// The inventory at one time: every certificate and the counts by group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InventoryReport {
    /// The report time, unix seconds.
    pub at: i64,
    /// The report time, RFC 3339.
    pub at_utc: String,
    /// The window in days.
    pub window_days: i64,
    /// Counts over every certificate.
    pub counts: Counts,
    /// Per owner, sorted by owner.
    pub by_owner: Vec<GroupCounts>,
    /// Per issuer, sorted by issuer.
    pub by_issuer: Vec<GroupCounts>,
    /// Per profile (`-` for none), sorted.
    pub by_profile: Vec<GroupCounts>,
    /// Per usage, sorted.
    pub by_usage: Vec<GroupCounts>,
    /// Every certificate, by owner then notAfter.
    pub certificates: Vec<InventoryEntry>,
}

/// Classify one row.
pub fn entry(record: &CertificateRecord, policy: &InventoryPolicy, now: i64) -> InventoryEntry {
    InventoryEntry {
        id: record.id.clone(),
        owner: owner_of(record),
        addresses: record.addresses.clone(),
        subject: record.subject.clone(),
        issuer: record.issuer.clone(),
        serial: record.serial.clone(),
        profile: record.profile.clone(),
        usage: Usage::of(record),
        not_after: record.not_after,
        not_after_utc: time_text(record.not_after),
        days_left: record.not_after.saturating_sub(now).div_euclid(DAY),
        status: status_at(record, now, policy.window_days),
        ours: is_ours(record, policy),
        shadow: is_shadow(record, policy),
        source: record.source.clone(),
    }
}

fn grouped(
    entries: &[InventoryEntry],
    key: impl Fn(&InventoryEntry) -> String,
) -> Vec<GroupCounts> {
    let mut groups: BTreeMap<String, Counts> = BTreeMap::new();
    for e in entries {
        groups.entry(key(e)).or_default().add(e);
    }
    groups
        .into_iter()
        .map(|(key, counts)| GroupCounts { key, counts })
        .collect()
}

/// The inventory of `records` at `now` (unix seconds).
pub fn classify(
    records: &[CertificateRecord],
    policy: &InventoryPolicy,
    now: i64,
) -> InventoryReport {
    let mut certificates: Vec<InventoryEntry> =
        records.iter().map(|r| entry(r, policy, now)).collect();
    certificates
        .sort_by(|a, b| (&a.owner, a.not_after, &a.id).cmp(&(&b.owner, b.not_after, &b.id)));
    let mut counts = Counts::default();
    for e in &certificates {
        counts.add(e);
    }
    InventoryReport {
        at: now,
        at_utc: time_text(now),
        window_days: policy.window_days,
        counts,
        by_owner: grouped(&certificates, |e| e.owner.clone()),
        by_issuer: grouped(&certificates, |e| e.issuer.clone()),
        by_profile: grouped(&certificates, |e| {
            e.profile.clone().unwrap_or_else(|| "-".into())
        }),
        by_usage: grouped(&certificates, |e| e.usage.name().into()),
        certificates,
    }
}

impl InventoryReport {
    /// The report as text: the totals, the certificates, then the groups.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let c = &self.counts;
        let _ = writeln!(
            out,
            "inventory at {} (window {} days): {} certificates: {} valid, {} expiring, {} expired, {} revoked; {} ours, {} shadow",
            self.at_utc, self.window_days, c.total, c.valid, c.expiring, c.expired, c.revoked, c.ours, c.shadow
        );
        if !self.certificates.is_empty() {
            let _ = writeln!(out, "\ncertificates:");
        }
        for e in &self.certificates {
            let mut flags = String::new();
            if e.ours {
                flags.push_str(" ours");
            }
            if e.shadow {
                flags.push_str(" SHADOW");
            }
            let _ = writeln!(
                out,
                "  {:<8} {:<7} {} expires {} ({} days) profile {} issuer {} serial {}{}",
                e.status.name(),
                e.usage.name(),
                e.owner,
                e.not_after_utc,
                e.days_left,
                e.profile.as_deref().unwrap_or("-"),
                e.issuer,
                e.serial,
                flags
            );
        }
        for (title, groups) in [
            ("owner", &self.by_owner),
            ("issuer", &self.by_issuer),
            ("profile", &self.by_profile),
            ("usage", &self.by_usage),
        ] {
            if groups.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\nby {title}:");
            for g in groups {
                let c = &g.counts;
                let _ = writeln!(
                    out,
                    "  {}: {} total, {} valid, {} expiring, {} expired, {} revoked, {} ours, {} shadow",
                    g.key, c.total, c.valid, c.expiring, c.expired, c.revoked, c.ours, c.shadow
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn record(id: &str, address: &str, not_after: i64) -> CertificateRecord {
        CertificateRecord {
            id: id.into(),
            subject: format!("CN={address}"),
            issuer: "CN=Example Issuing CA".into(),
            serial: "01".into(),
            aki: Some("aa".into()),
            not_before: NOW - 100 * DAY,
            not_after,
            is_ca: false,
            can_sign: true,
            can_encrypt: false,
            source: "issued".into(),
            revoked_at: None,
            profile: Some("mailbox-strict".into()),
            addresses: vec![address.into()],
        }
    }

    fn policy() -> InventoryPolicy {
        InventoryPolicy {
            domains: vec!["example.org".into()],
            our_cas: vec![IssuerIdentity {
                subject: "CN=Example Issuing CA".into(),
                ski: Some("aa".into()),
            }],
            shadows: vec!["f".into(), "5".into(), "ours".into()],
            ..InventoryPolicy::default()
        }
    }

    #[test]
    fn status_boundaries_follow_window_and_revocation() {
        let window = 30;
        let at = |not_after| status_at(&record("a", "a@example.org", not_after), NOW, window);
        assert_eq!(at(NOW + 31 * DAY), Status::Valid);
        assert_eq!(at(NOW + 30 * DAY), Status::Expiring);
        assert_eq!(at(NOW), Status::Expiring);
        assert_eq!(at(NOW - 1), Status::Expired);
        let mut revoked = record("r", "r@example.org", NOW + 100 * DAY);
        revoked.revoked_at = Some(NOW - DAY);
        assert_eq!(status_at(&revoked, NOW, window), Status::Revoked);
        revoked.not_after = NOW - DAY;
        assert_eq!(status_at(&revoked, NOW, window), Status::Revoked);
    }

    #[test]
    fn shadow_store_verdict_never_marks_ours() {
        let p = policy();
        let mut foreign = record("f", "bob@sub.example.org", NOW + 100 * DAY);
        foreign.source = "harvested".into();
        foreign.issuer = "CN=Some Public CA".into();
        foreign.aki = Some("cc".into());
        assert!(!is_ours(&foreign, &p));
        assert!(is_shadow(&foreign, &p));
        // Not in the store's list (under an approved CA): not shadow.
        let mut partner = foreign.clone();
        partner.id = "p".into();
        assert!(!is_shadow(&partner, &p));
        // Imported but issued by our CA key: ours, so never shadow.
        let mut ours = foreign.clone();
        ours.id = "ours".into();
        ours.aki = Some("AA".into());
        assert!(is_ours(&ours, &p));
        assert!(!is_shadow(&ours, &p));
    }

    #[test]
    fn in_our_domains_subdomains_only() {
        let p = policy();
        let mut r = record("x", "bob@sub.example.org", NOW);
        assert!(in_our_domains(&r, &p));
        r.addresses = vec!["bob@notexample.org".into()];
        assert!(!in_our_domains(&r, &p));
        r.addresses = vec!["bob@example.com".into()];
        assert!(!in_our_domains(&r, &p));
    }

    #[test]
    fn classify_mixed_store_counts_each_status_and_group() {
        let p = policy();
        let mut records = vec![
            record("1", "alice@example.org", NOW + 200 * DAY),
            record("2", "alice@example.org", NOW + 10 * DAY),
            record("3", "bob@example.org", NOW - DAY),
        ];
        let mut revoked = record("4", "carol@example.org", NOW + 200 * DAY);
        revoked.revoked_at = Some(NOW - 5);
        revoked.can_encrypt = true;
        records.push(revoked);
        let mut shadow = record("5", "dave@example.org", NOW + 200 * DAY);
        shadow.source = "harvested".into();
        shadow.issuer = "CN=Some Public CA".into();
        shadow.aki = None;
        shadow.profile = None;
        records.push(shadow);

        let report = classify(&records, &p, NOW);
        let c = report.counts;
        assert_eq!(
            (c.total, c.valid, c.expiring, c.expired, c.revoked, c.ours, c.shadow),
            (5, 2, 1, 1, 1, 4, 1)
        );
        let alice = report
            .by_owner
            .iter()
            .find(|g| g.key == "alice@example.org");
        assert_eq!(
            alice.map(|g| (g.counts.total, g.counts.expiring)),
            Some((2, 1))
        );
        let public = report
            .by_issuer
            .iter()
            .find(|g| g.key == "CN=Some Public CA");
        assert_eq!(public.map(|g| g.counts.shadow), Some(1));
        let none = report.by_profile.iter().find(|g| g.key == "-");
        assert_eq!(none.map(|g| g.counts.total), Some(1));
        let both = report.by_usage.iter().find(|g| g.key == "both");
        assert_eq!(both.map(|g| g.counts.revoked), Some(1));
        assert_eq!(
            report.certificates.first().map(|e| e.id.as_str()),
            Some("2")
        );

        let text = report.to_text();
        assert!(
            text.contains("5 certificates: 2 valid, 1 expiring, 1 expired, 1 revoked"),
            "{text}"
        );
        assert!(text.contains("SHADOW"), "{text}");
        let json = serde_json::to_value(&report).unwrap_or_default();
        assert_eq!(json["counts"]["shadow"], 1);
        assert_eq!(json["certificates"][0]["status"], "expiring");
        assert_eq!(json["by_usage"][0]["key"], "both");
    }
}

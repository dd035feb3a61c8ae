//! `smime lifecycle run`: renew every certificate of ours that is due, and send expiry
//! notices for the ones we cannot renew.
//!
//! Which certificates are due is a pure function ([`plan`]) of the rows, the policy and an
//! injected `now`. A certificate is due when it is ours (issued by our CA), not revoked, not
//! a CA certificate, expiring within the window, and not superseded by a newer certificate
//! of ours for the same owner, usage and profile. Renewing it issues a successor with a
//! NEW key, for encryption and signing certificates alike: a renewal is the moment to roll
//! keys, and reusing a key would extend the exposure of a key that may have leaked. The old
//! key stays in the owner's key history (the store keeps every decryption key and retires
//! older signing keys), so mail encrypted to the old certificate still opens.
//!
//! Idempotent: the successor supersedes the old certificate, so a second run finds nothing
//! due. Safe to run twice at once: [`run`] takes the backend's exclusive lock BEFORE it
//! reads the rows, so a run that waited for the lock sees the other run's successors.
//!
//! Expiry notices are mailed once per stage, not on every run (a daily timer would
//! otherwise mail the same list every day): a certificate is at stage 1 when it enters the
//! window, 2 at [`REMINDER_DAYS`]`[0]` days before it expires, 3 at `[1]` ([`notice_stage`]).
//! The backend records the stage mailed ([`RenewalBackend::record_notices`]) once the relay
//! accepted the message; a run mails the certificates whose stage grew since, and lists the
//! others as already notified. Without SMTP nothing is recorded: the report lists every
//! notice on every run.

use serde::Serialize;

use super::inventory::{
    in_our_domains, is_ours, owner_of, status_at, CertificateRecord, InventoryPolicy, Status, Usage,
};
use super::notify::{expiry_message, send_mail, ExpiryNotice, SmtpConfig};
use crate::Result;

/// Days before expiry at which a certificate already noticed is noticed again (the first
/// notice goes when it enters the window).
pub const REMINDER_DAYS: [i64; 2] = [7, 1];

/// The notice stage of a certificate expiring at `not_after` seen at `now` with a window of
/// `window_days`: 0 outside the window, then one more for the window and for each of
/// [`REMINDER_DAYS`] (those inside the window) that has been reached.
pub fn notice_stage(not_after: i64, now: i64, window_days: i64) -> u32 {
    let left = not_after.saturating_sub(now);
    let reached = |days: i64| left <= days.saturating_mul(super::inventory::DAY);
    if !reached(window_days) {
        return 0;
    }
    let reminders = REMINDER_DAYS
        .iter()
        .filter(|d| **d < window_days && reached(**d))
        .count();
    1 + u32::try_from(reminders).unwrap_or(0)
}

/// What a run does with the certificates it looked at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenewalPlan {
    /// Ours and due: to renew.
    pub due: Vec<CertificateRecord>,
    /// Not ours, expiring and not replaced: to notify about.
    pub notices: Vec<ExpiryNotice>,
    /// Looked at but neither renewed nor notified, with the reason.
    pub skipped: Vec<Skipped>,
}

/// A certificate a run did not renew, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// SHA-256 fingerprint, hex.
    pub id: String,
    /// Its owner.
    pub owner: String,
    /// Why.
    pub reason: String,
    /// A renewal was tried and failed (as opposed to a certificate a run does not renew).
    pub failed: bool,
}

/// One renewal: the old certificate and its successor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Renewed {
    /// The old certificate's fingerprint.
    pub old_id: String,
    /// The successor's fingerprint.
    pub new_id: String,
    /// The owner.
    pub owner: String,
    /// What both are for.
    pub usage: Usage,
    /// The profile both follow.
    pub profile: String,
    /// The old notAfter, unix seconds.
    pub old_not_after: i64,
    /// The successor's notAfter, unix seconds.
    pub new_not_after: i64,
    /// Whether the successor has a new key (always, see the module notes).
    pub new_key: bool,
}

/// Where the expiry notices of a run went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "delivery", rename_all = "lowercase")]
pub enum NoticeDelivery {
    /// No certificate needed a notice.
    None,
    /// Mailed to `to` through `server`.
    Sent {
        /// The relay.
        server: String,
        /// The recipient.
        to: String,
    },
    /// No SMTP configured: the notices are in this report only.
    Listed,
    /// Sending failed: the notices are in this report only.
    Failed {
        /// What failed.
        reason: String,
    },
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    /// The run's time, unix seconds.
    pub at: i64,
    /// The window in days.
    pub window_days: i64,
    /// Certificates renewed.
    pub renewed: Vec<Renewed>,
    /// Certificates we cannot renew that expire within the window and reached a new notice
    /// stage: mailed by this run (or listed, see `notices`).
    pub notified: Vec<ExpiryNotice>,
    /// Certificates we cannot renew whose notice at their current stage was mailed by an
    /// earlier run: not mailed again.
    pub already_notified: Vec<ExpiryNotice>,
    /// Where those notices went.
    pub notices: NoticeDelivery,
    /// Certificates neither renewed nor notified, with the reason.
    pub skipped: Vec<Skipped>,
}

impl RunSummary {
    /// The summary as text.
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "lifecycle run at {} (window {} days): {} renewed, {} notified, {} notified earlier, {} skipped",
            super::inventory::time_text(self.at),
            self.window_days,
            self.renewed.len(),
            self.notified.len(),
            self.already_notified.len(),
            self.skipped.len()
        );
        for r in &self.renewed {
            let _ = writeln!(
                out,
                "  renewed {} ({}, {}): {} -> {}, expires {} (was {}), new key",
                r.owner,
                r.usage.name(),
                r.profile,
                r.old_id,
                r.new_id,
                super::inventory::time_text(r.new_not_after),
                super::inventory::time_text(r.old_not_after),
            );
        }
        let delivery = match &self.notices {
            NoticeDelivery::None => String::new(),
            NoticeDelivery::Sent { server, to } => format!("mailed to {to} via {server}"),
            NoticeDelivery::Listed => "not mailed (no SMTP configured)".into(),
            NoticeDelivery::Failed { reason } => format!("NOT mailed: {reason}"),
        };
        for n in &self.notified {
            let _ = writeln!(
                out,
                "  expiring, cannot renew: {} expires {} ({}), {}",
                n.owner,
                super::inventory::time_text(n.not_after),
                n.reason,
                delivery
            );
        }
        for n in &self.already_notified {
            let _ = writeln!(
                out,
                "  expiring, cannot renew: {} expires {} (notified earlier, not mailed again)",
                n.owner,
                super::inventory::time_text(n.not_after),
            );
        }
        for s in &self.skipped {
            let _ = writeln!(out, "  skipped {} ({}): {}", s.owner, s.id, s.reason);
        }
        out
    }
}

/// The usage, owner and profile a successor must match to supersede `record`.
fn same_line(a: &CertificateRecord, b: &CertificateRecord) -> bool {
    owner_of(a) == owner_of(b) && Usage::of(a) == Usage::of(b) && a.profile == b.profile
}

/// The newer, unrevoked certificate that replaces `record`, if any: for ours, a newer
/// certificate of ours in the same line; for others, any newer certificate of the owner
/// with the same usage.
fn successor<'a>(
    record: &CertificateRecord,
    records: &'a [CertificateRecord],
    policy: &InventoryPolicy,
) -> Option<&'a CertificateRecord> {
    let ours = is_ours(record, policy);
    records.iter().find(|other| {
        other.id != record.id
            && other.revoked_at.is_none()
            && other.not_after > record.not_after
            && if ours {
                is_ours(other, policy) && same_line(record, other)
            } else {
                owner_of(other) == owner_of(record) && Usage::of(other) == Usage::of(record)
            }
    })
}

/// Whether a certificate we cannot renew concerns us: an address in our domains, or
/// imported on purpose (harvested certificates of correspondents are their business).
fn concerns_us(record: &CertificateRecord, policy: &InventoryPolicy) -> bool {
    record.source == "imported" || in_our_domains(record, policy)
}

/// Decide what a run at `now` does with `records` (see the module notes).
pub fn plan(records: &[CertificateRecord], policy: &InventoryPolicy, now: i64) -> RenewalPlan {
    let mut out = RenewalPlan::default();
    for record in records {
        let status = status_at(record, now, policy.window_days);
        if record.is_ca || matches!(status, Status::Valid | Status::Revoked) {
            continue;
        }
        if successor(record, records, policy).is_some() {
            continue;
        }
        let owner = owner_of(record);
        if is_ours(record, policy) {
            let reason = if status == Status::Expired {
                Some("expired before this run: issue a new certificate (smime ca issue)".into())
            } else if record.profile.is_none() {
                Some("issued by our CA but no profile is recorded: issue a new certificate (smime ca issue)".into())
            } else if record.addresses.is_empty() {
                Some("no email address to renew for".into())
            } else {
                None
            };
            match reason {
                Some(reason) => out.skipped.push(Skipped {
                    id: record.id.clone(),
                    owner,
                    reason,
                    failed: false,
                }),
                None => out.due.push(record.clone()),
            }
        } else if status == Status::Expiring && concerns_us(record, policy) {
            out.notices.push(ExpiryNotice {
                id: record.id.clone(),
                owner,
                subject: record.subject.clone(),
                issuer: record.issuer.clone(),
                serial: record.serial.clone(),
                not_after: record.not_after,
                reason: format!(
                    "{} certificate from another CA ({}): our CA cannot renew it",
                    record.source, record.issuer
                ),
            });
        }
    }
    out
}

/// What a run needs from the store and the CA.
pub trait RenewalBackend {
    /// Take the exclusive renewal lock, waiting for another run to release it.
    fn lock(&self) -> Result<()>;
    /// Release it.
    fn unlock(&self) -> Result<()>;
    /// Every certificate in the store.
    fn certificates(&self) -> Result<Vec<CertificateRecord>>;
    /// Issue the successor of `due` at `now` with a new key and store it (certificate, key
    /// in the owner's history).
    fn renew(&self, due: &CertificateRecord, now: i64) -> Result<Renewed>;
    /// The notice stage last mailed for each certificate id (see [`notice_stage`]).
    fn notices_sent(&self) -> Result<std::collections::HashMap<String, u32>>;
    /// Record that the notices `(id, stage)` were mailed at `now`.
    fn record_notices(&self, sent: &[(String, u32)], now: i64) -> Result<()>;
}

/// Run the renewal at `now`: lock, read, renew what is due, unlock; then mail the expiry
/// notices through `smtp` when given. A renewal that fails is reported in `skipped` and the
/// others go on; a failing lock or read is an error.
pub fn run(
    backend: &dyn RenewalBackend,
    policy: &InventoryPolicy,
    now: i64,
    smtp: Option<&SmtpConfig>,
) -> Result<RunSummary> {
    backend.lock()?;
    let renewals = (|| {
        let records = backend.certificates()?;
        let plan = plan(&records, policy, now);
        let mut renewed = Vec::new();
        let mut skipped = plan.skipped;
        for due in &plan.due {
            match backend.renew(due, now) {
                Ok(r) => renewed.push(r),
                Err(e) => skipped.push(Skipped {
                    id: due.id.clone(),
                    owner: owner_of(due),
                    reason: format!("renewal failed: {e}"),
                    failed: true,
                }),
            }
        }
        Ok::<_, crate::Error>((renewed, skipped, plan.notices))
    })();
    let unlocked = backend.unlock();
    let (renewed, skipped, expiring) = renewals?;
    unlocked?;
    let sent = backend.notices_sent()?;
    let stage_of = |n: &ExpiryNotice| notice_stage(n.not_after, now, policy.window_days);
    let (notified, already_notified): (Vec<_>, Vec<_>) = expiring
        .into_iter()
        .partition(|n| stage_of(n) > sent.get(&n.id).copied().unwrap_or(0));
    let notices = match (notified.is_empty(), smtp) {
        (true, _) => NoticeDelivery::None,
        (false, None) => NoticeDelivery::Listed,
        (false, Some(config)) => {
            let message = expiry_message(&notified, &config.from, &config.to, now);
            match send_mail(config, &message) {
                Ok(()) => {
                    let stages: Vec<(String, u32)> = notified
                        .iter()
                        .map(|n| (n.id.clone(), stage_of(n)))
                        .collect();
                    // The mail is gone: a failure to record it means at worst one more
                    // notice next run, so it is reported, not fatal.
                    match backend.record_notices(&stages, now) {
                        Ok(()) => NoticeDelivery::Sent {
                            server: config.server.clone(),
                            to: config.to.clone(),
                        },
                        Err(e) => NoticeDelivery::Failed {
                            reason: format!(
                                "mailed to {} via {}, but recording it failed (the next run mails again): {e}",
                                config.to, config.server
                            ),
                        },
                    }
                }
                Err(e) => NoticeDelivery::Failed {
                    reason: e.to_string(),
                },
            }
        }
    };
    Ok(RunSummary {
        at: now,
        window_days: policy.window_days,
        renewed,
        notified,
        already_notified,
        notices,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::super::inventory::{IssuerIdentity, DAY};
    use super::*;
    use std::sync::{Condvar, Mutex};

    const NOW: i64 = 1_800_000_000;

    fn record(id: &str, address: &str, not_after: i64, can_encrypt: bool) -> CertificateRecord {
        CertificateRecord {
            id: id.into(),
            subject: format!("CN={address}"),
            issuer: "CN=Example Issuing CA".into(),
            serial: id.into(),
            aki: Some("aa".into()),
            not_before: not_after - 365 * DAY,
            not_after,
            is_ca: false,
            can_sign: !can_encrypt,
            can_encrypt,
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
            ..InventoryPolicy::default()
        }
    }

    #[test]
    fn plan_due_superseded_and_foreign_are_told_apart() {
        let p = policy();
        let mut foreign = record("f", "eve@example.org", NOW + 5 * DAY, false);
        foreign.source = "imported".into();
        foreign.issuer = "CN=Public CA".into();
        foreign.aki = Some("ff".into());
        let mut correspondent = foreign.clone();
        correspondent.id = "h".into();
        correspondent.source = "harvested".into();
        correspondent.addresses = vec!["x@elsewhere.example".into()];
        let mut revoked = record("r", "rob@example.org", NOW + 5 * DAY, false);
        revoked.revoked_at = Some(NOW - DAY);
        let records = vec![
            record("a-sign", "alice@example.org", NOW + 10 * DAY, false),
            record("a-enc", "alice@example.org", NOW + 10 * DAY, true),
            // Bob's signing certificate was renewed already: the old one is superseded.
            record("b-old", "bob@example.org", NOW + 10 * DAY, false),
            record("b-new", "bob@example.org", NOW + 375 * DAY, false),
            record("c-far", "carol@example.org", NOW + 100 * DAY, false),
            record("d-gone", "dan@example.org", NOW - DAY, false),
            foreign,
            correspondent,
            revoked,
        ];
        let plan = plan(&records, &p, NOW);
        let due: Vec<&str> = plan.due.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(due, ["a-sign", "a-enc"]);
        let noticed: Vec<&str> = plan.notices.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(noticed, ["f"]);
        let skipped: Vec<&str> = plan.skipped.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(skipped, ["d-gone"]);
    }

    /// A backend over rows in memory whose renewals add a successor a year later.
    struct Memory {
        rows: Mutex<Vec<CertificateRecord>>,
        locked: Mutex<bool>,
        freed: Condvar,
        sent: Mutex<std::collections::HashMap<String, u32>>,
    }

    impl Memory {
        fn new(rows: Vec<CertificateRecord>) -> Memory {
            Memory {
                rows: Mutex::new(rows),
                locked: Mutex::new(false),
                freed: Condvar::new(),
                sent: Mutex::default(),
            }
        }
    }

    impl RenewalBackend for Memory {
        fn lock(&self) -> Result<()> {
            let mut locked = self.locked.lock().unwrap_or_else(|e| e.into_inner());
            while *locked {
                locked = self.freed.wait(locked).unwrap_or_else(|e| e.into_inner());
            }
            *locked = true;
            Ok(())
        }
        fn unlock(&self) -> Result<()> {
            *self.locked.lock().unwrap_or_else(|e| e.into_inner()) = false;
            self.freed.notify_all();
            Ok(())
        }
        fn certificates(&self) -> Result<Vec<CertificateRecord>> {
            Ok(self.rows.lock().unwrap_or_else(|e| e.into_inner()).clone())
        }
        fn renew(&self, due: &CertificateRecord, now: i64) -> Result<Renewed> {
            // Slow, so that a concurrent run would overlap without the lock.
            std::thread::sleep(std::time::Duration::from_millis(50));
            let mut rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
            let mut next = due.clone();
            next.id = format!("{}+{}", due.id, rows.len());
            next.not_after = now + 365 * DAY;
            rows.push(next.clone());
            Ok(Renewed {
                old_id: due.id.clone(),
                new_id: next.id,
                owner: owner_of(due),
                usage: Usage::of(due),
                profile: due.profile.clone().unwrap_or_default(),
                old_not_after: due.not_after,
                new_not_after: next.not_after,
                new_key: true,
            })
        }
        fn notices_sent(&self) -> Result<std::collections::HashMap<String, u32>> {
            Ok(self.sent.lock().unwrap_or_else(|e| e.into_inner()).clone())
        }
        fn record_notices(&self, sent: &[(String, u32)], _now: i64) -> Result<()> {
            let mut map = self.sent.lock().unwrap_or_else(|e| e.into_inner());
            map.extend(sent.iter().cloned());
            Ok(())
        }
    }

    #[test]
    fn notice_stage_window_then_reminders() {
        let not_after = NOW + 100 * DAY;
        let at = |days_left: i64| notice_stage(not_after, not_after - days_left * DAY, 30);
        assert_eq!(at(31), 0);
        assert_eq!(at(30), 1);
        assert_eq!(at(8), 1);
        assert_eq!(at(7), 2);
        assert_eq!(at(2), 2);
        assert_eq!(at(1), 3);
        assert_eq!(at(-5), 3);
        // A window of 5 days has only the 1-day reminder.
        assert_eq!(notice_stage(not_after, not_after - 5 * DAY, 5), 1);
        assert_eq!(notice_stage(not_after, not_after - DAY, 5), 2);
    }

    #[test]
    fn run_records_notices_and_mails_again_only_at_a_new_stage() {
        let p = policy();
        let mut foreign = record("f", "eve@example.org", NOW + 20 * DAY, false);
        foreign.source = "imported".into();
        foreign.aki = None;
        foreign.issuer = "CN=Public CA".into();
        let backend = Memory::new(vec![foreign]);
        // As if mailed at stage 1 by an earlier run.
        backend.record_notices(&[("f".into(), 1)], NOW).unwrap();
        let later = run(&backend, &p, NOW + DAY, None).expect("run");
        assert!(later.notified.is_empty(), "{later:?}");
        assert_eq!(later.already_notified.len(), 1);
        assert_eq!(later.notices, NoticeDelivery::None);
        assert!(later.to_text().contains("notified earlier"));
        // 6 days before expiry: stage 2, listed again (no SMTP here, nothing recorded).
        let reminder = run(&backend, &p, NOW + 14 * DAY, None).expect("run");
        assert_eq!(reminder.notified.len(), 1, "{reminder:?}");
        assert_eq!(backend.notices_sent().unwrap().get("f"), Some(&1));
    }

    #[test]
    fn run_before_window_inside_and_again_renews_once() {
        let p = policy();
        let expires = NOW + 60 * DAY;
        let backend = Memory::new(vec![record("a", "alice@example.org", expires, true)]);
        let before = run(&backend, &p, expires - 31 * DAY, None).expect("run");
        assert!(before.renewed.is_empty());
        let inside = run(&backend, &p, expires - 29 * DAY, None).expect("run");
        assert_eq!(inside.renewed.len(), 1);
        let again = run(&backend, &p, expires - 29 * DAY, None).expect("run");
        assert!(again.renewed.is_empty(), "{again:?}");
        assert!(again.skipped.is_empty(), "{again:?}");
        assert!(inside.to_text().contains("1 renewed"));
    }

    #[test]
    fn run_twice_at_once_renews_each_certificate_once() {
        let p = policy();
        let backend = Memory::new(vec![
            record("a", "alice@example.org", NOW + 5 * DAY, true),
            record("b", "bob@example.org", NOW + 5 * DAY, false),
        ]);
        let (one, two) = std::thread::scope(|s| {
            let one = s.spawn(|| run(&backend, &p, NOW, None));
            let two = s.spawn(|| run(&backend, &p, NOW, None));
            (one.join(), two.join())
        });
        let total = [one, two]
            .into_iter()
            .map(|r| r.ok().and_then(|r| r.ok()).map_or(99, |s| s.renewed.len()))
            .sum::<usize>();
        assert_eq!(total, 2);
        assert_eq!(backend.certificates().map(|r| r.len()).unwrap_or(0), 4);
    }

    #[test]
    fn run_notices_without_smtp_are_listed() {
        let p = policy();
        let mut foreign = record("f", "eve@example.org", NOW + 5 * DAY, false);
        foreign.source = "imported".into();
        foreign.aki = None;
        foreign.issuer = "CN=Public CA".into();
        let summary = run(&Memory::new(vec![foreign]), &p, NOW, None).expect("run");
        assert_eq!(summary.notified.len(), 1);
        assert_eq!(summary.notices, NoticeDelivery::Listed);
        let json = serde_json::to_value(&summary).unwrap_or_default();
        assert_eq!(json["notices"]["delivery"], "listed");
        assert_eq!(json["notified"][0]["owner"], "eve@example.org");
    }
}

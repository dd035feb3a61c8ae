//! The audit log (issue 5, item 5): an append-only record of every key use, key export,
//! import, issuance, revocation, role change, backup and restore, hash-chained so that an
//! edited or removed entry is found by [`verify`].
//!
//! Each entry `n` (`seq` = 1, 2, ...) carries `prev_hash` = the hash of entry `n - 1` (64
//! zeros for the first) and `hash` = SHA-256 (FIPS 180-4) over a canonical encoding of its
//! fields: a label, then each field as an 8-byte big-endian length followed by its bytes, so
//! that no two different entries encode alike (`("ab", "c")` is not `("a", "bc")`).
//!
//! The rows alone cannot show that the newest entries were cut off: the shortened chain is
//! still a valid chain. So every append also records the head, `<count>:<hash of the last
//! entry>`, in `settings` under `audit.head`, in the same transaction; a removed last row
//! then no longer matches the head.
//!
//! What the chain does not do: anyone who can write the database can recompute every hash
//! and the head after an edit (there is no secret in the chain). It catches careless or
//! partial tampering, and a copy of the head kept elsewhere (the backup archive, a
//! monitoring system polling `smime store audit --verify --json`) catches the rest.

use std::fmt;
use std::str::FromStr;

use aws_lc_rs::digest::{digest, SHA256};
use smime::cms::signed_verify::hex;
use sqlx::{AnyConnection, Row};

use crate::db::sql_error;
use crate::roles::{Actor, Operation};
use crate::{Error, Result, Store};

/// The `settings` row that records the chain's head.
pub const HEAD_SETTING: &str = "audit.head";
/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// The label that starts every hashed encoding (the format version of the chain).
const HASH_LABEL: &[u8] = b"smime-store audit entry v1";
/// Rows read per query by [`verify`] and [`entries`], so memory stays bounded.
const PAGE: i64 = 1000;

/// How an audited operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Done.
    Ok,
    /// Refused by the role check; nothing was changed.
    Denied,
    /// Attempted and failed (bad input, wrong passphrase); nothing was changed.
    Failed,
}

impl Outcome {
    /// The text kept in `audit_log.outcome`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Outcome {
    type Err = Error;

    fn from_str(text: &str) -> Result<Outcome> {
        [Outcome::Ok, Outcome::Denied, Outcome::Failed]
            .into_iter()
            .find(|o| o.as_str() == text)
            .ok_or_else(|| Error::Audit {
                what: format!("outcome {text:?}"),
                reason: "unknown outcome (ok, denied or failed)".into(),
            })
    }
}

/// One event to record.
#[derive(Debug, Clone, Copy)]
pub struct AuditEvent<'a> {
    /// The principal's name.
    pub actor: &'a str,
    /// What was done: an [`Operation`](crate::roles::Operation) name or a finer verb
    /// (`add-principal`, `set-role`, ...).
    pub action: &'a str,
    /// What it was done to: a certificate or key id, an address, a principal, a file.
    pub object: &'a str,
    /// How it ended.
    pub outcome: Outcome,
    /// Anything else worth keeping (never a secret).
    pub detail: Option<&'a str>,
}

/// One stored entry of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// Unix seconds.
    pub at: i64,
    /// The principal's name.
    pub actor: String,
    /// What was done.
    pub action: String,
    /// What it was done to.
    pub object: String,
    /// How it ended (the stored text; [`Outcome::from_str`] reads it).
    pub outcome: String,
    /// Anything else.
    pub detail: Option<String>,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditVerification {
    /// Entries that verified before the first break (all of them when intact).
    pub entries: u64,
    /// The hash of the last verified entry ([`GENESIS_HASH`] for none).
    pub head: String,
    /// The first break, if any.
    pub broken: Option<AuditBreak>,
}

impl AuditVerification {
    /// Whether the whole chain and its recorded head agree.
    pub fn is_intact(&self) -> bool {
        self.broken.is_none()
    }
}

/// The first place where the chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditBreak {
    /// The sequence number of the first entry that is missing or wrong.
    pub seq: i64,
    /// What is wrong there.
    pub problem: AuditProblem,
}

impl fmt::Display for AuditBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "audit entry {}: {}", self.seq, self.problem)
    }
}

/// Why the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuditProblem {
    /// Entries from this seq up to `next_present - 1` are gone (deleted rows).
    Missing {
        /// The next seq that is present.
        next_present: i64,
    },
    /// The entry does not name the previous entry's hash (an entry before it was removed
    /// and the rest renumbered, or the field was edited).
    PrevHashMismatch,
    /// The entry's fields no longer give its hash (an edited row).
    HashMismatch,
    /// The head records more entries than there are: the newest ones were removed.
    TailMissing {
        /// The count the head records.
        recorded_count: u64,
    },
    /// There are entries the head does not know of (written around the store).
    Unrecorded {
        /// The count the head records.
        recorded_count: u64,
    },
    /// The count agrees but the last hash does not (the chain was rewritten).
    HeadMismatch,
    /// There are entries but no `audit.head` setting.
    HeadMissing,
    /// The `audit.head` setting cannot be read.
    HeadMalformed,
}

impl fmt::Display for AuditProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuditProblem::Missing { next_present } => {
                write!(f, "missing (deleted): the next entry present is {next_present}")
            }
            AuditProblem::PrevHashMismatch => f.write_str(
                "does not chain to the previous entry (an entry before it was removed or edited)",
            ),
            AuditProblem::HashMismatch => f.write_str("edited: its fields do not give its hash"),
            AuditProblem::TailMissing { recorded_count } => write!(
                f,
                "missing: the log recorded {recorded_count} entries, the newest were removed"
            ),
            AuditProblem::Unrecorded { recorded_count } => write!(
                f,
                "not recorded: the log recorded {recorded_count} entries, later rows were added around the store"
            ),
            AuditProblem::HeadMismatch => {
                f.write_str("the recorded head hash differs: the chain was rewritten")
            }
            AuditProblem::HeadMissing => {
                write!(f, "the {HEAD_SETTING} setting is missing")
            }
            AuditProblem::HeadMalformed => {
                write!(f, "the {HEAD_SETTING} setting is malformed")
            }
        }
    }
}

/// The hash of an entry: SHA-256 over the label and every field, length-prefixed.
#[allow(clippy::too_many_arguments)]
fn entry_hash(
    seq: i64,
    at: i64,
    actor: &str,
    action: &str,
    object: &str,
    outcome: &str,
    detail: Option<&str>,
    prev_hash: &str,
) -> String {
    let mut encoded = HASH_LABEL.to_vec();
    let mut field = |bytes: &[u8]| {
        encoded.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
        encoded.extend_from_slice(bytes);
    };
    field(&seq.to_be_bytes());
    field(&at.to_be_bytes());
    field(actor.as_bytes());
    field(action.as_bytes());
    field(object.as_bytes());
    field(outcome.as_bytes());
    // An absent detail and an empty one must differ: a presence byte first.
    match detail {
        None => field(&[0]),
        Some(detail) => {
            field(&[1]);
            field(detail.as_bytes());
        }
    }
    field(prev_hash.as_bytes());
    hex(digest(&SHA256, &encoded).as_ref())
}

impl AuditEntry {
    fn expected_hash(&self) -> String {
        entry_hash(
            self.seq,
            self.at,
            &self.actor,
            &self.action,
            &self.object,
            &self.outcome,
            self.detail.as_deref(),
            &self.prev_hash,
        )
    }

    fn from_row(row: &sqlx::any::AnyRow) -> std::result::Result<AuditEntry, sqlx::Error> {
        Ok(AuditEntry {
            seq: row.try_get("seq")?,
            at: row.try_get("at")?,
            actor: row.try_get("actor")?,
            action: row.try_get("action")?,
            object: row.try_get("object")?,
            outcome: row.try_get("outcome")?,
            detail: row.try_get("detail")?,
            prev_hash: row.try_get("prev_hash")?,
            hash: row.try_get("hash")?,
        })
    }
}

const SELECT_ENTRIES: &str =
    "SELECT seq, at, actor, action, object, outcome, detail, prev_hash, hash \
     FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2";

/// Read `<count>:<hash>`.
fn parse_head(text: &str) -> Option<(i64, &str)> {
    let (count, hash) = text.split_once(':')?;
    Some((count.parse().ok()?, hash))
}

/// Append `event` at time `at` (unix seconds) to the chain and move the recorded head.
/// Call it inside the transaction of the change it records, so that both or neither land.
pub(crate) async fn append(
    conn: &mut AnyConnection,
    event: &AuditEvent<'_>,
    at: i64,
) -> Result<()> {
    // Write the head row first: in PostgreSQL this locks it, in SQLite it takes the write
    // lock, so concurrent appenders queue here instead of both choosing the same seq.
    sqlx::query(
        "INSERT INTO settings (name, value) VALUES ($1, $2) \
         ON CONFLICT (name) DO UPDATE SET value = settings.value",
    )
    .bind(HEAD_SETTING)
    .bind(format!("0:{GENESIS_HASH}"))
    .execute(&mut *conn)
    .await
    .map_err(sql_error("the audit log head"))?;
    let head: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
        .bind(HEAD_SETTING)
        .fetch_optional(&mut *conn)
        .await
        .map_err(sql_error("the audit log head"))?;
    let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await
        .map_err(sql_error("the audit log"))?;
    let last = match last {
        None => (0, GENESIS_HASH.to_string()),
        Some(row) => {
            let read = "the audit log's last entry";
            (
                row.try_get::<i64, _>("seq").map_err(sql_error(read))?,
                row.try_get::<String, _>("hash").map_err(sql_error(read))?,
            )
        }
    };
    // Continue from the recorded head rather than from the last row, so that removing the
    // newest rows cannot be covered by the next append: the new entry then names the
    // removed one as its predecessor and the gap shows. Rows beyond the head (written
    // around the store) are chained onto instead of colliding with their seq.
    let (prev_seq, prev_hash) = match head.as_deref().and_then(parse_head) {
        Some((count, hash)) if count >= last.0 => (count, hash.to_string()),
        _ => last,
    };
    let seq = prev_seq.checked_add(1).ok_or_else(|| Error::Audit {
        what: format!("audit entry {prev_seq}"),
        reason: "sequence number exhausted".into(),
    })?;
    let outcome = event.outcome.as_str();
    let hash = entry_hash(
        seq,
        at,
        event.actor,
        event.action,
        event.object,
        outcome,
        event.detail,
        &prev_hash,
    );
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, object, outcome, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(seq)
    .bind(at)
    .bind(event.actor)
    .bind(event.action)
    .bind(event.object)
    .bind(outcome)
    .bind(event.detail)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *conn)
    .await
    .map_err(sql_error(format!("audit entry {seq}")))?;
    sqlx::query("UPDATE settings SET value = $1 WHERE name = $2")
        .bind(format!("{seq}:{hash}"))
        .bind(HEAD_SETTING)
        .execute(&mut *conn)
        .await
        .map_err(sql_error("the audit log head"))?;
    Ok(())
}

/// Entries with `seq > after`, oldest first, at most `limit`.
pub(crate) async fn entries(
    conn: &mut AnyConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<AuditEntry>> {
    let rows = sqlx::query(SELECT_ENTRIES)
        .bind(after)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await
        .map_err(sql_error("the audit log"))?;
    rows.iter()
        .map(|row| AuditEntry::from_row(row).map_err(sql_error("an audit log entry")))
        .collect()
}

/// Walk the whole chain and compare its end with the recorded head; report the first break.
/// A database error is an `Err`; a broken chain is an `Ok` report with `broken` set.
pub(crate) async fn verify(conn: &mut AnyConnection) -> Result<AuditVerification> {
    let mut count: u64 = 0;
    let mut prev = GENESIS_HASH.to_string();
    let mut last_seq = 0i64;
    let report = |count, prev: &str, seq, problem| AuditVerification {
        entries: count,
        head: prev.to_string(),
        broken: Some(AuditBreak { seq, problem }),
    };
    loop {
        let page = entries(conn, last_seq, PAGE).await?;
        let Some(last) = page.last() else { break };
        let page_end = last.seq;
        for entry in &page {
            let expected_seq = last_seq.saturating_add(1);
            if entry.seq != expected_seq {
                let problem = AuditProblem::Missing {
                    next_present: entry.seq,
                };
                return Ok(report(count, &prev, expected_seq, problem));
            }
            if entry.prev_hash != prev {
                return Ok(report(
                    count,
                    &prev,
                    entry.seq,
                    AuditProblem::PrevHashMismatch,
                ));
            }
            if entry.expected_hash() != entry.hash {
                return Ok(report(count, &prev, entry.seq, AuditProblem::HashMismatch));
            }
            prev.clone_from(&entry.hash);
            last_seq = entry.seq;
            count += 1;
        }
        last_seq = page_end;
    }
    let head: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
        .bind(HEAD_SETTING)
        .fetch_optional(&mut *conn)
        .await
        .map_err(sql_error("the audit log head"))?;
    let next = last_seq.saturating_add(1);
    let problem = match head {
        None if count == 0 => None,
        None => Some((last_seq, AuditProblem::HeadMissing)),
        Some(head) => {
            match parse_head(&head).and_then(|(n, h)| Some((u64::try_from(n).ok()?, h))) {
                None => Some((last_seq.max(1), AuditProblem::HeadMalformed)),
                Some((recorded_count, _)) if recorded_count > count => {
                    Some((next, AuditProblem::TailMissing { recorded_count }))
                }
                Some((recorded_count, _)) if recorded_count < count => Some((
                    i64::try_from(recorded_count).map_or(next, |n| n.saturating_add(1)),
                    AuditProblem::Unrecorded { recorded_count },
                )),
                Some((_, hash)) if hash != prev => Some((last_seq, AuditProblem::HeadMismatch)),
                Some(_) => None,
            }
        }
    };
    Ok(match problem {
        None => AuditVerification {
            entries: count,
            head: prev,
            broken: None,
        },
        Some((seq, problem)) => report(count, &prev, seq, problem),
    })
}

impl Store {
    /// Audit entries with `seq > after`, oldest first, at most `limit` (needs `read-audit`).
    pub fn audit_log(&self, actor: &Actor, after: i64, limit: i64) -> Result<Vec<AuditEntry>> {
        self.block_on(async {
            self.authorize_async(actor, Operation::ReadAudit, None, "audit log")
                .await?;
            let mut conn = self.connect("read the audit log").await?;
            entries(&mut conn, after, limit.max(0)).await
        })
    }

    /// Check the audit log's hash chain and recorded head (needs `read-audit`). A broken
    /// chain is a report (`broken` set), not an error.
    pub fn verify_audit(&self, actor: &Actor) -> Result<AuditVerification> {
        self.block_on(async {
            self.authorize_async(actor, Operation::ReadAudit, None, "audit log")
                .await?;
            let mut conn = self.connect("verify the audit log").await?;
            verify(&mut conn).await
        })
    }

    /// Record `event` now, in its own transaction (for callers outside a change, such as
    /// a key use that reads only).
    pub fn record(&self, event: &AuditEvent<'_>) -> Result<()> {
        self.block_on(crate::roles::audit_alone(self, event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Connection;

    /// The two tables of schema v1 this module uses (SQLite text), until the store's
    /// migrations create them.
    const SCHEMA: [&str; 2] = [
        "CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE audit_log (seq BIGINT PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL, \
         action TEXT NOT NULL, object TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT, \
         prev_hash TEXT NOT NULL, hash TEXT NOT NULL)",
    ];

    fn run<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a current-thread runtime")
            .block_on(f)
    }

    async fn log_with(n: i64) -> AnyConnection {
        sqlx::any::install_default_drivers();
        let mut conn = AnyConnection::connect("sqlite::memory:")
            .await
            .expect("in-memory SQLite");
        for ddl in SCHEMA {
            sqlx::query(ddl).execute(&mut conn).await.expect("schema");
        }
        for i in 1..=n {
            let object = format!("key-{i}");
            let detail = (i % 2 == 0).then_some("renewal");
            let event = AuditEvent {
                actor: "alice",
                action: "use-key",
                object: &object,
                outcome: if i == 3 { Outcome::Denied } else { Outcome::Ok },
                detail,
            };
            append(&mut conn, &event, 1_700_000_000 + i)
                .await
                .expect("append");
        }
        conn
    }

    async fn exec(conn: &mut AnyConnection, sql: &str) {
        sqlx::query(sql).execute(&mut *conn).await.expect(sql);
    }

    fn broken_at(v: &AuditVerification) -> Option<(i64, AuditProblem)> {
        v.broken.as_ref().map(|b| (b.seq, b.problem.clone()))
    }

    #[test]
    fn verify_appended_chain_is_intact() {
        run(async {
            let mut conn = log_with(5).await;
            let v = verify(&mut conn).await.expect("verify");
            assert!(v.is_intact(), "{:?}", v.broken);
            assert_eq!(v.entries, 5);
            let all = entries(&mut conn, 0, 100).await.expect("entries");
            assert_eq!(
                all.iter().map(|e| e.seq).collect::<Vec<_>>(),
                [1, 2, 3, 4, 5]
            );
            assert_eq!(all[0].prev_hash, GENESIS_HASH);
            assert_eq!(
                all[2].outcome.parse::<Outcome>().ok(),
                Some(Outcome::Denied)
            );
            assert_eq!(v.head, all[4].hash);
            for pair in all.windows(2) {
                assert_eq!(pair[1].prev_hash, pair[0].hash);
            }
        });
    }

    #[test]
    fn verify_empty_log_is_intact() {
        run(async {
            let mut conn = log_with(0).await;
            let v = verify(&mut conn).await.expect("verify");
            assert!(v.is_intact());
            assert_eq!((v.entries, v.head.as_str()), (0, GENESIS_HASH));
        });
    }

    #[test]
    fn verify_edited_row_reports_hash_mismatch() {
        run(async {
            let mut conn = log_with(5).await;
            exec(
                &mut conn,
                "UPDATE audit_log SET outcome = 'ok' WHERE seq = 3",
            )
            .await;
            let v = verify(&mut conn).await.expect("verify");
            assert_eq!(broken_at(&v), Some((3, AuditProblem::HashMismatch)));
            assert_eq!(v.entries, 2);
        });
    }

    #[test]
    fn verify_detail_null_to_empty_reports_hash_mismatch() {
        run(async {
            let mut conn = log_with(5).await;
            exec(&mut conn, "UPDATE audit_log SET detail = '' WHERE seq = 1").await;
            let v = verify(&mut conn).await.expect("verify");
            assert_eq!(broken_at(&v), Some((1, AuditProblem::HashMismatch)));
        });
    }

    #[test]
    fn verify_deleted_middle_row_reports_missing() {
        run(async {
            let mut conn = log_with(5).await;
            exec(&mut conn, "DELETE FROM audit_log WHERE seq = 2").await;
            let v = verify(&mut conn).await.expect("verify");
            assert_eq!(
                broken_at(&v),
                Some((2, AuditProblem::Missing { next_present: 3 }))
            );
        });
    }

    #[test]
    fn verify_deleted_first_row_reports_missing() {
        run(async {
            let mut conn = log_with(3).await;
            exec(&mut conn, "DELETE FROM audit_log WHERE seq = 1").await;
            let v = verify(&mut conn).await.expect("verify");
            assert_eq!(
                broken_at(&v),
                Some((1, AuditProblem::Missing { next_present: 2 }))
            );
        });
    }

    #[test]
    fn verify_deleted_and_renumbered_reports_prev_hash_mismatch() {
        run(async {
            let mut conn = log_with(5).await;
            exec(&mut conn, "DELETE FROM audit_log WHERE seq = 3").await;
            exec(
                &mut conn,
                "UPDATE audit_log SET seq = seq - 1 WHERE seq > 3",
            )
            .await;
            let v = verify(&mut conn).await.expect("verify");
            assert_eq!(broken_at(&v), Some((3, AuditProblem::PrevHashMismatch)));
        });
    }

    #[test]
    fn verify_deleted_last_row_reports_tail_missing() {
        run(async {
            let mut conn = log_with(5).await;
            exec(&mut conn, "DELETE FROM audit_log WHERE seq = 5").await;
            let v = verify(&mut conn).await.expect("verify");
            let problem = AuditProblem::TailMissing { recorded_count: 5 };
            assert_eq!(broken_at(&v), Some((5, problem)));
            assert_eq!(v.entries, 4);
        });
    }

    #[test]
    fn verify_row_added_around_store_reports_unrecorded() {
        run(async {
            let mut conn = log_with(2).await;
            let head: String =
                sqlx::query_scalar("SELECT value FROM settings WHERE name = 'audit.head'")
                    .fetch_one(&mut conn)
                    .await
                    .expect("head");
            append(
                &mut conn,
                &AuditEvent {
                    actor: "mallory",
                    action: "export-key",
                    object: "k",
                    outcome: Outcome::Ok,
                    detail: None,
                },
                1,
            )
            .await
            .expect("append");
            sqlx::query("UPDATE settings SET value = $1 WHERE name = 'audit.head'")
                .bind(head)
                .execute(&mut conn)
                .await
                .expect("restore head");
            let v = verify(&mut conn).await.expect("verify");
            assert_eq!(
                broken_at(&v),
                Some((3, AuditProblem::Unrecorded { recorded_count: 2 }))
            );
        });
    }

    #[test]
    fn verify_rewritten_chain_reports_head_mismatch() {
        run(async {
            let mut conn = log_with(3).await;
            // Rewrite entry 3 with a consistent hash, as someone who knows the encoding would.
            let mut e = entries(&mut conn, 2, 1).await.expect("entry 3").remove(0);
            e.outcome = "ok".into();
            e.hash = e.expected_hash();
            sqlx::query("UPDATE audit_log SET outcome = $1, hash = $2 WHERE seq = 3")
                .bind(&e.outcome)
                .bind(&e.hash)
                .execute(&mut conn)
                .await
                .expect("rewrite");
            let v = verify(&mut conn).await.expect("verify");
            assert_eq!(broken_at(&v), Some((3, AuditProblem::HeadMismatch)));
        });
    }

    #[test]
    fn verify_head_removed_reports_head_missing() {
        run(async {
            let mut conn = log_with(2).await;
            exec(&mut conn, "DELETE FROM settings WHERE name = 'audit.head'").await;
            let v = verify(&mut conn).await.expect("verify");
            assert_eq!(broken_at(&v), Some((2, AuditProblem::HeadMissing)));
        });
    }

    #[test]
    fn append_after_tail_removed_reports_missing() {
        run(async {
            let mut conn = log_with(4).await;
            exec(&mut conn, "DELETE FROM audit_log WHERE seq = 4").await;
            let event = AuditEvent {
                actor: "a",
                action: "b",
                object: "c",
                outcome: Outcome::Failed,
                detail: None,
            };
            append(&mut conn, &event, 5).await.expect("append");
            let v = verify(&mut conn).await.expect("verify");
            assert_eq!(
                broken_at(&v),
                Some((4, AuditProblem::Missing { next_present: 5 }))
            );
        });
    }

    #[test]
    fn entry_hash_field_boundaries_differ() {
        let a = entry_hash(1, 2, "ab", "c", "o", "ok", None, GENESIS_HASH);
        let b = entry_hash(1, 2, "a", "bc", "o", "ok", None, GENESIS_HASH);
        let c = entry_hash(1, 2, "ab", "c", "o", "ok", Some(""), GENESIS_HASH);
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 64);
    }
}

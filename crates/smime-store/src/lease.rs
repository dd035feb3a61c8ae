//! Leases: a named, time-limited exclusive claim recorded in the `ca` table, for work that
//! must run on one node at a time over several transactions (`smime lifecycle run` issues,
//! then stores, certificate after certificate).
//!
//! The claim is read and written inside one write transaction, and write transactions are
//! serialised on both backends (see [`crate::db`]), so two nodes can never both see the
//! lease free. A lease expires on its own after its time to live: a run that crashed does
//! not block the next one forever. Leases are locks, not data: they are not audited (the
//! work they guard is).

use std::time::Duration;

use sqlx::Row;

use crate::db::{finish, now, sql_error};
use crate::{Result, Store};

/// The `ca` row that records lease `name`: `lease.<name>` = `<expires>:<holder>`.
fn row_name(name: &str) -> String {
    format!("lease.{name}")
}

impl Store {
    /// Take lease `name` for `holder` for `ttl`, unless another holder has it and it has not
    /// expired. True when `holder` now has it (taking it again extends it).
    pub fn try_lease(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool> {
        let row = row_name(name);
        let ttl = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
        self.block_on(async {
            let mut tx = self.begin_write().await?;
            let result = async {
                let at = now();
                let current = read_lease(&mut tx, &row, name).await?;
                let free = match current.as_deref().and_then(|v| v.split_once(':')) {
                    Some((expires, owner)) => {
                        owner == holder || expires.parse::<i64>().map_or(true, |e| e <= at)
                    }
                    None => true,
                };
                if free {
                    sqlx::query(
                        "INSERT INTO ca (name, value) VALUES ($1, $2) \
                         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    )
                    .bind(&row)
                    .bind(format!("{}:{holder}", at.saturating_add(ttl)))
                    .execute(&mut *tx)
                    .await
                    .map_err(sql_error(format!("take lease {name}")))?;
                }
                Ok(free)
            }
            .await;
            finish(tx, result).await
        })
    }

    /// Give lease `name` back, if `holder` has it.
    pub fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        let row = row_name(name);
        self.block_on(async {
            let mut tx = self.begin_write().await?;
            let result = async {
                let current = read_lease(&mut tx, &row, name).await?;
                if current
                    .as_deref()
                    .and_then(|v| v.split_once(':'))
                    .is_some_and(|(_, owner)| owner == holder)
                {
                    sqlx::query("DELETE FROM ca WHERE name = $1")
                        .bind(&row)
                        .execute(&mut *tx)
                        .await
                        .map_err(sql_error(format!("release lease {name}")))?;
                }
                Ok(())
            }
            .await;
            finish(tx, result).await
        })
    }
}

async fn read_lease(
    conn: &mut sqlx::AnyConnection,
    row: &str,
    name: &str,
) -> Result<Option<String>> {
    sqlx::query("SELECT value FROM ca WHERE name = $1")
        .bind(row)
        .fetch_optional(&mut *conn)
        .await
        .map_err(sql_error(format!("read lease {name}")))?
        .map(|r| r.try_get::<String, _>(0))
        .transpose()
        .map_err(sql_error(format!("read lease {name}")))
}

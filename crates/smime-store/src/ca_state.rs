//! The CA's own bookkeeping, kept in the `ca` table (`name` → `value`, both text) so that
//! every node sharing a store sees it and a backup carries it:
//!
//! - counters that only ever grow, such as each CA's last cRLNumber (RFC 5280 5.2.3: "a
//!   monotonically increasing sequence number for a given CRL scope and CRL issuer"),
//!   advanced by [`Store::advance_counter`];
//! - small records such as the expiry notices already mailed (`smime lifecycle run`), read
//!   by prefix with [`Store::ca_values`] and written with [`Store::set_ca_values`];
//! - leases ([`crate::lease`]).
//!
//! A row is read and written inside one write transaction, and write transactions are
//! serialised on both backends ([`crate::db`]), so two nodes never hand out the same counter
//! value. These rows are protocol state, not inventory: they guard no secret (what they
//! number or record was signed with a CA key, which needs the KEK) and are not audited.

use sqlx::{AnyConnection, Row};

use crate::db::{finish, read_name_value, sql_error, write_name_value, NameValue};
use crate::{Error, Result, Store};

impl Store {
    /// Advance counter `name` and return its new value: `max(last + 1, floor)`, where `last`
    /// is the value recorded so far (0 when none). The value is recorded before it is
    /// returned, so a value is never handed out twice, even by two nodes at once, and never
    /// goes back, even when `floor` (a caller's clock) does.
    pub fn advance_counter(&self, name: &str, floor: u64) -> Result<u64> {
        let row = counter_row(name);
        self.block_on(async {
            let mut tx = self.begin_write().await?;
            let result = async {
                let last = match read_ca_row(&mut tx, &row).await? {
                    Some(text) => text.parse::<u64>().map_err(|e| Error::Corrupt {
                        what: format!("ca row {row}"),
                        reason: format!("{text:?} is not a counter value: {e}"),
                    })?,
                    None => 0,
                };
                let next = last.checked_add(1).ok_or_else(|| Error::Corrupt {
                    what: format!("ca row {row}"),
                    reason: "the counter is at its maximum".into(),
                })?;
                let next = next.max(floor);
                write_ca_row(&mut tx, &row, &next.to_string()).await?;
                Ok(next)
            }
            .await;
            finish(tx, result).await
        })
    }

    /// The value counter `name` last handed out, if any.
    pub fn counter(&self, name: &str) -> Result<Option<u64>> {
        let row = counter_row(name);
        self.ca_values(&row)?
            .into_iter()
            .find(|(n, _)| *n == row)
            .map(|(_, v)| {
                v.parse::<u64>().map_err(|e| Error::Corrupt {
                    what: format!("ca row {row}"),
                    reason: format!("{v:?} is not a counter value: {e}"),
                })
            })
            .transpose()
    }

    /// Every `ca` row whose name starts with `prefix`, as (name, value), ordered by name.
    pub fn ca_values(&self, prefix: &str) -> Result<Vec<(String, String)>> {
        self.block_on(async {
            let mut conn = self.connect("read CA state").await?;
            // Compared on the prefix itself rather than with LIKE, whose `_` and `%` would
            // match more than the prefix says.
            let rows = sqlx::query(
                "SELECT name, value FROM ca WHERE substr(name, 1, length($1)) = $1 ORDER BY name",
            )
            .bind(prefix)
            .fetch_all(&mut *conn)
            .await
            .map_err(sql_error(format!("read ca rows {prefix}*")))?;
            rows.iter()
                .map(|r| {
                    Ok((
                        r.try_get::<String, _>(0)
                            .map_err(sql_error(format!("read ca rows {prefix}*")))?,
                        r.try_get::<String, _>(1)
                            .map_err(sql_error(format!("read ca rows {prefix}*")))?,
                    ))
                })
                .collect()
        })
    }

    /// Write every (name, value) of `rows` in one transaction: all or none.
    pub fn set_ca_values(&self, rows: &[(String, String)]) -> Result<()> {
        self.block_on(async {
            let mut tx = self.begin_write().await?;
            let result = async {
                for (name, value) in rows {
                    write_ca_row(&mut tx, name, value).await?;
                }
                Ok(())
            }
            .await;
            finish(tx, result).await
        })
    }
}

/// The `ca` row of counter `name`.
fn counter_row(name: &str) -> String {
    format!("counter.{name}")
}

/// The value of `ca` row `name`, if present.
pub(crate) async fn read_ca_row(conn: &mut AnyConnection, name: &str) -> Result<Option<String>> {
    read_name_value(conn, NameValue::Ca, name).await
}

/// Insert or replace `ca` row `name`.
pub(crate) async fn write_ca_row(conn: &mut AnyConnection, name: &str, value: &str) -> Result<()> {
    write_name_value(conn, NameValue::Ca, name, value).await
}

/// Delete `ca` row `name` (nothing when absent).
pub(crate) async fn delete_ca_row(conn: &mut AnyConnection, name: &str) -> Result<()> {
    sqlx::query("DELETE FROM ca WHERE name = $1")
        .bind(name)
        .execute(&mut *conn)
        .await
        .map_err(sql_error(format!("delete ca row {name}")))?;
    Ok(())
}

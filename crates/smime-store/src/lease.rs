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

use crate::ca_state::{delete_ca_row, read_ca_row, write_ca_row};
use crate::db::{finish, now};
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
                let current = read_ca_row(&mut tx, &row).await?;
                let free = match current.as_deref().and_then(|v| v.split_once(':')) {
                    Some((expires, owner)) => {
                        owner == holder || expires.parse::<i64>().map_or(true, |e| e <= at)
                    }
                    None => true,
                };
                if free {
                    let value = format!("{}:{holder}", at.saturating_add(ttl));
                    write_ca_row(&mut tx, &row, &value).await?;
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
                let current = read_ca_row(&mut tx, &row).await?;
                if current
                    .as_deref()
                    .and_then(|v| v.split_once(':'))
                    .is_some_and(|(_, owner)| owner == holder)
                {
                    delete_ca_row(&mut tx, &row).await?;
                }
                Ok(())
            }
            .await;
            finish(tx, result).await
        })
    }
}

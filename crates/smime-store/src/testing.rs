//! Test support: a fresh, empty PostgreSQL database per test on the throwaway cluster that
//! scripts/test.sh starts (its admin URL is `SMIME_TEST_POSTGRES_URL`), so that the same
//! test body runs on SQLite and on PostgreSQL, here and in the crates above (which see no
//! sqlx).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::{AnyConnection, Connection, Executor};

use crate::{Error, Result};

/// The environment variable holding the admin URL of the test cluster.
pub const POSTGRES_URL_VAR: &str = "SMIME_TEST_POSTGRES_URL";

/// Run `body` once per backend with the location of a new, empty store: a SQLite file in a
/// fresh temporary directory, then a fresh database on the PostgreSQL test cluster. Without
/// `SMIME_TEST_POSTGRES_URL` the PostgreSQL run prints `skipped postgres`, or panics when
/// `SMIME_TEST_REQUIRE_PEERS` is set (CI must not skip it silently).
pub fn each_backend(body: impl Fn(&str)) {
    {
        let dir = TempDir::new("sqlite");
        let path = dir.0.join("store.sqlite");
        println!("backend sqlite: {}", path.display());
        body(&path.to_string_lossy());
    }
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(admin_url) if !admin_url.is_empty() => {
            let database = PostgresTestDatabase::create(&admin_url)
                .unwrap_or_else(|e| panic!("{POSTGRES_URL_VAR}: {e}"));
            println!("backend postgres: {}", database.url());
            body(database.url());
        }
        _ => {
            if std::env::var_os("SMIME_TEST_REQUIRE_PEERS")
                .is_some_and(|v| !v.is_empty() && v != "0")
            {
                panic!("{POSTGRES_URL_VAR} is not set and SMIME_TEST_REQUIRE_PEERS is: start the PostgreSQL test cluster (scripts/test.sh does)");
            }
            println!("skipped postgres: {POSTGRES_URL_VAR} is not set (scripts/test.sh starts a cluster)");
        }
    }
}

/// A new directory under the system temporary directory, removed on drop.
#[derive(Debug)]
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    /// Make `<tmp>/smime-store-<what>-<pid>-<time>-<n>`.
    pub fn new(what: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("smime-store-{what}-{}", unique_suffix()));
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A database made for one test; dropped (with its connections) when this is dropped.
#[derive(Debug)]
pub struct PostgresTestDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl PostgresTestDatabase {
    /// Make a new empty database `t_<pid>_<time>_<n>` on the cluster at `admin_url`.
    pub fn create(admin_url: &str) -> Result<PostgresTestDatabase> {
        let name = format!("t_{}", unique_suffix());
        admin(admin_url, &format!("CREATE DATABASE {name}"))?;
        let url = database_url(admin_url, &name).ok_or_else(|| Error::Location {
            location: admin_url.to_string(),
            reason: "not a postgres://host/database URL".into(),
        })?;
        Ok(PostgresTestDatabase {
            admin_url: admin_url.to_string(),
            name,
            url,
        })
    }

    /// The URL of the new database (what `Store::open` takes).
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for PostgresTestDatabase {
    fn drop(&mut self) {
        // WITH (FORCE) (PostgreSQL 13+) ends connections a failed test left open.
        let _ = admin(
            &self.admin_url,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

/// `admin_url` with its database replaced by `name`.
fn database_url(admin_url: &str, name: &str) -> Option<String> {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let after_scheme = base.find("://")? + 3;
    let path_start = base[after_scheme..]
        .find('/')
        .map(|i| i + after_scheme)
        .unwrap_or(base.len());
    let mut url = format!("{}/{name}", &base[..path_start]);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    Some(url)
}

fn admin(admin_url: &str, statement: &str) -> Result<()> {
    sqlx::any::install_default_drivers();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Connect {
            location: admin_url.to_string(),
            reason: e.to_string(),
        })?;
    runtime.block_on(async {
        let mut conn = AnyConnection::connect(admin_url)
            .await
            .map_err(|e| Error::Connect {
                location: admin_url.to_string(),
                reason: e.to_string(),
            })?;
        conn.execute(statement).await.map_err(|e| Error::Database {
            what: statement.to_string(),
            reason: e.to_string(),
        })?;
        let _ = conn.close().await;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::database_url;

    #[test]
    fn database_url_database_is_replaced() {
        assert_eq!(
            database_url("postgres://u@127.0.0.1:5/postgres", "t_1").as_deref(),
            Some("postgres://u@127.0.0.1:5/t_1")
        );
        assert_eq!(
            database_url("postgresql://u@h?host=/tmp/x", "t_2").as_deref(),
            Some("postgresql://u@h/t_2?host=/tmp/x")
        );
    }
}

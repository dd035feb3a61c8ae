//! The store handle: where the database is (a SQLite file or a PostgreSQL URL), the
//! connection pool, the private runtime that drives sqlx, write transactions and settings.
//!
//! One code path serves both backends: sqlx's Any driver passes SQL through unchanged, and
//! both SQLite and PostgreSQL accept `$1`-style placeholders, so queries are written once.
//! Only DDL differs (see [`crate::migrations`]).
//!
//! Writes are serialised on both backends, because the audit log is one hash chain
//! (each row hashes the previous one) and must not fork:
//! - SQLite: WAL mode (readers never block the writer), `BEGIN IMMEDIATE` (the write lock is
//!   taken at the start, so a read-then-write transaction cannot fail with SQLITE_BUSY half
//!   way) and a 10 s busy timeout (a second process waits for the lock instead of failing).
//! - PostgreSQL: every write transaction first takes one transaction-scoped advisory lock
//!   (`pg_advisory_xact_lock`), released at commit or rollback; several nodes on one
//!   database then write one after the other, and readers are never blocked.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Row, Transaction};

use crate::{Error, Result};

/// Which database holds the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file (the default).
    Sqlite,
    /// A PostgreSQL database, shared by several nodes.
    Postgres,
}

impl Backend {
    /// `sqlite` or `postgres`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The key of the advisory lock that serialises writers on PostgreSQL ("smime" in ASCII).
const POSTGRES_WRITE_LOCK: i64 = 0x0073_6d69_6d65;

/// How long a SQLite writer waits for another process's write lock.
const SQLITE_BUSY_TIMEOUT_MS: u64 = 10_000;

/// A certificate and key store: a pool of connections to one database, and the runtime
/// that drives them. Every public method is synchronous; the handle is `Send + Sync`.
pub struct Store {
    pub(crate) runtime: tokio::runtime::Runtime,
    pub(crate) pool: AnyPool,
    backend: Backend,
    location: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .field("location", &self.location)
            .finish()
    }
}

/// Unix seconds now (the store's time format: i64 seconds since 1970).
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// An error of a statement: `what` names the operation and the table or row.
pub(crate) fn sql_error(what: impl std::fmt::Display) -> impl FnOnce(sqlx::Error) -> Error {
    move |e| Error::Database {
        what: what.to_string(),
        reason: e.to_string(),
    }
}

/// Where a store is, resolved from a URL or path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

/// The store location when none is given: `$SMIME_STORE`, else
/// `$XDG_DATA_HOME/smime/store.sqlite`, else `~/.local/share/smime/store.sqlite`
/// (the XDG Base Directory default).
pub fn default_location() -> Result<String> {
    if let Some(s) = std::env::var_os("SMIME_STORE").filter(|s| !s.is_empty()) {
        return s.into_string().map_err(|s| Error::Location {
            location: s.to_string_lossy().into_owned(),
            reason: "$SMIME_STORE is not valid UTF-8".into(),
        });
    }
    let data_home = match std::env::var_os("XDG_DATA_HOME").filter(|s| !s.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => {
            let home = std::env::var_os("HOME")
                .filter(|s| !s.is_empty())
                .ok_or_else(|| Error::Location {
                    location: "(default)".into(),
                    reason: "neither $SMIME_STORE, $XDG_DATA_HOME nor $HOME is set: give --store"
                        .into(),
                })?;
            PathBuf::from(home).join(".local").join("share")
        }
    };
    let path = data_home.join("smime").join("store.sqlite");
    path.to_str()
        .map(str::to_string)
        .ok_or_else(|| Error::Location {
            location: path.to_string_lossy().into_owned(),
            reason: "the default store path is not valid UTF-8".into(),
        })
}

/// The location with a PostgreSQL password masked, for messages.
fn display_location(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_string();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

fn parse_location(url: &str) -> Result<Location> {
    let location_error = |reason: &str| Error::Location {
        location: display_location(url),
        reason: reason.to_string(),
    };
    if url.trim().is_empty() {
        return Err(location_error(
            "empty: give a SQLite file path or a postgres:// URL",
        ));
    }
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
        return Ok(Location::Postgres(url.to_string()));
    }
    let path = if let Some(p) = url.strip_prefix("sqlite://") {
        p
    } else if let Some(p) = url.strip_prefix("sqlite:") {
        p
    } else if let Some((scheme, _)) = url.split_once("://") {
        if !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+')
        {
            return Err(location_error(&format!(
                "unsupported scheme {scheme}://: give a SQLite file path, sqlite://PATH or a postgres:// URL"
            )));
        }
        url
    } else {
        url
    };
    if path.is_empty() || path == ":memory:" {
        return Err(location_error(
            "not a SQLite file path (in-memory databases are not supported)",
        ));
    }
    Ok(Location::Sqlite(PathBuf::from(path)))
}

/// Make sure a SQLite store file can be created and written: its directory is made when
/// missing (the default data directory on first use), and the file is opened for writing.
fn prepare_sqlite_file(path: &Path, shown: &str) -> Result<()> {
    let location_error = |reason: String| Error::Location {
        location: shown.to_string(),
        reason,
    };
    if path.is_dir() {
        return Err(location_error(
            "is a directory: give a file path for the SQLite store".into(),
        ));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            location_error(format!("cannot create directory {}: {e}", dir.display()))
        })?;
    }
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| location_error(format!("not a writable file: {e}")))?;
    Ok(())
}

/// `sqlite://` + the path, percent-encoded (sqlx decodes it again), opened read-write.
fn sqlite_url(path: &Path) -> Result<String> {
    let text = path.to_str().ok_or_else(|| Error::Location {
        location: path.to_string_lossy().into_owned(),
        reason: "the path is not valid UTF-8".into(),
    })?;
    let mut url = String::from("sqlite://");
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            url.push(char::from(b));
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url.push_str("?mode=rw");
    Ok(url)
}

impl Store {
    /// Open (creating it if needed) the store at `url`: `postgres://...` or
    /// `postgresql://...` for PostgreSQL, otherwise a SQLite file path (`sqlite://PATH`
    /// accepted too). The schema is migrated to the newest version this code knows; a store
    /// from a newer version is refused ([`Error::SchemaTooNew`]).
    pub fn open(url: &str) -> Result<Store> {
        let location = parse_location(url)?;
        let shown = display_location(url);
        sqlx::any::install_default_drivers();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Connect {
                location: shown.clone(),
                reason: format!("cannot start the store's runtime: {e}"),
            })?;
        let (backend, connect_url) = match &location {
            Location::Sqlite(path) => {
                prepare_sqlite_file(path, &shown)?;
                (Backend::Sqlite, sqlite_url(path)?)
            }
            Location::Postgres(url) => (Backend::Postgres, url.clone()),
        };
        let connect_error = |reason: String| Error::Connect {
            location: shown.clone(),
            reason,
        };
        let options =
            AnyConnectOptions::from_str(&connect_url).map_err(|e| connect_error(e.to_string()))?;
        let pool = runtime.block_on(async {
            // One direct connection first: a refused or misconfigured database is reported
            // at once, not after the pool's retries.
            let mut first = AnyConnection::connect_with(&options)
                .await
                .map_err(|e| connect_error(e.to_string()))?;
            if backend == Backend::Sqlite {
                // WAL is a property of the file: set once, kept by every later connection.
                first
                    .execute("PRAGMA journal_mode = WAL")
                    .await
                    .map_err(|e| connect_error(format!("cannot switch to WAL mode: {e}")))?;
            }
            first.close().await.map_err(|e| connect_error(e.to_string()))?;
            let pool = AnyPoolOptions::new()
                .max_connections(4)
                .acquire_timeout(Duration::from_secs(30))
                .after_connect(move |conn, _| {
                    Box::pin(async move {
                        if backend == Backend::Sqlite {
                            conn.execute(
                                format!(
                                    "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; PRAGMA foreign_keys = ON"
                                )
                                .as_str(),
                            )
                            .await?;
                        }
                        Ok(())
                    })
                })
                .connect_lazy_with(options);
            Ok::<_, Error>(pool)
        })?;
        let store = Store {
            runtime,
            pool,
            backend,
            location: shown,
        };
        store.block_on(crate::migrations::migrate(&store))?;
        Ok(store)
    }

    /// Open the store at [`default_location`].
    pub fn open_default() -> Result<Store> {
        Store::open(&default_location()?)
    }

    /// Which database holds the store.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Where the store is (a PostgreSQL password is masked).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Run a future of the store on its private runtime (the sync/async seam).
    /// A pooled connection for reading, to `purpose` (named in the error).
    pub(crate) async fn connect(&self, purpose: &str) -> Result<PoolConnection<Any>> {
        self.pool.acquire().await.map_err(sql_error(format!(
            "connect to {} to {purpose}",
            self.location
        )))
    }

    pub(crate) fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Begin a write transaction: the store's single writer lock is taken first (see the
    /// module notes). Use `&mut *tx` as the `&mut AnyConnection` of the statements, then end
    /// it with [`finish`]: commit on success, roll back on error.
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Any>> {
        match self.backend {
            Backend::Sqlite => self
                .pool
                .begin_with("BEGIN IMMEDIATE")
                .await
                .map_err(sql_error(format!(
                    "begin a write transaction on {}",
                    self.location
                ))),
            Backend::Postgres => {
                let mut tx = self.pool.begin().await.map_err(sql_error(format!(
                    "begin a write transaction on {}",
                    self.location
                )))?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(POSTGRES_WRITE_LOCK)
                    .execute(&mut *tx)
                    .await
                    .map_err(sql_error("take the store's write lock"))?;
                Ok(tx)
            }
        }
    }

    /// The value of setting `name`, if set.
    pub fn setting(&self, name: &str) -> Result<Option<String>> {
        self.block_on(async {
            let mut conn = self.connect(&format!("read setting {name}")).await?;
            read_setting(&mut conn, name).await
        })
    }

    /// The schema version of the store (the newest applied migration).
    pub fn schema_version(&self) -> Result<i64> {
        self.block_on(async {
            let mut conn = self.connect("read the schema version").await?;
            crate::migrations::current_version(&mut conn).await
        })
    }
}

/// End a write transaction: commit when `result` is `Ok`, roll back when it is `Err` (the
/// error is returned either way; a failed commit is an error too).
pub(crate) async fn finish<T>(tx: Transaction<'static, Any>, result: Result<T>) -> Result<T> {
    match result {
        Ok(value) => {
            tx.commit()
                .await
                .map_err(sql_error("commit the transaction"))?;
            Ok(value)
        }
        Err(e) => {
            // The error that made us roll back is the one to report; a failed rollback
            // leaves nothing behind either (the connection is discarded).
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

/// Read setting `name` on `conn`.
pub(crate) async fn read_setting(conn: &mut AnyConnection, name: &str) -> Result<Option<String>> {
    read_name_value(conn, NameValue::Settings, name).await
}

/// Set setting `name` to `value` on `conn` (inside the caller's write transaction).
pub(crate) async fn write_setting(conn: &mut AnyConnection, name: &str, value: &str) -> Result<()> {
    write_name_value(conn, NameValue::Settings, name, value).await
}

/// The two tables of (name TEXT PRIMARY KEY, value TEXT) rows.
#[derive(Debug, Clone, Copy)]
pub(crate) enum NameValue {
    /// `settings`: configuration, audited when changed.
    Settings,
    /// `ca`: the CA's bookkeeping and leases ([`crate::ca_state`]).
    Ca,
}

impl NameValue {
    fn table(self) -> &'static str {
        match self {
            NameValue::Settings => "settings",
            NameValue::Ca => "ca",
        }
    }
}

/// The value of row `name` of `table`, if present.
pub(crate) async fn read_name_value(
    conn: &mut AnyConnection,
    table: NameValue,
    name: &str,
) -> Result<Option<String>> {
    let what = || format!("read {} row {name}", table.table());
    // The table name is one of two constants, never input.
    let sql = format!("SELECT value FROM {} WHERE name = $1", table.table());
    let row = sqlx::query(&sql)
        .bind(name)
        .fetch_optional(&mut *conn)
        .await
        .map_err(sql_error(what()))?;
    row.map(|r| r.try_get::<String, _>(0).map_err(sql_error(what())))
        .transpose()
}

/// Insert or replace row `name` of `table` (inside the caller's write transaction).
pub(crate) async fn write_name_value(
    conn: &mut AnyConnection,
    table: NameValue,
    name: &str,
    value: &str,
) -> Result<()> {
    let sql = format!(
        "INSERT INTO {} (name, value) VALUES ($1, $2) \
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        table.table()
    );
    sqlx::query(&sql)
        .bind(name)
        .bind(value)
        .execute(&mut *conn)
        .await
        .map_err(sql_error(format!("write {} row {name}", table.table())))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_location_postgres_and_paths_are_told_apart() {
        assert_eq!(
            parse_location("postgres://u@h/db").ok(),
            Some(Location::Postgres("postgres://u@h/db".into()))
        );
        assert_eq!(
            parse_location("PostgreSQL://u@h/db").ok(),
            Some(Location::Postgres("PostgreSQL://u@h/db".into()))
        );
        assert_eq!(
            parse_location("sqlite:///tmp/a.sqlite").ok(),
            Some(Location::Sqlite("/tmp/a.sqlite".into()))
        );
        assert_eq!(
            parse_location("dir/a b.sqlite").ok(),
            Some(Location::Sqlite("dir/a b.sqlite".into()))
        );
        assert!(matches!(
            parse_location("mysql://h/db"),
            Err(Error::Location { .. })
        ));
        assert!(matches!(parse_location(""), Err(Error::Location { .. })));
        assert!(matches!(
            parse_location(":memory:"),
            Err(Error::Location { .. })
        ));
    }

    #[test]
    fn display_location_password_is_masked() {
        assert_eq!(
            display_location("postgres://alice:secret@db:5432/s"),
            "postgres://alice:***@db:5432/s"
        );
        assert_eq!(
            display_location("postgres://alice@db/s"),
            "postgres://alice@db/s"
        );
        assert_eq!(display_location("/tmp/x"), "/tmp/x");
    }

    #[test]
    fn sqlite_url_special_characters_are_encoded() {
        assert_eq!(
            sqlite_url(Path::new("/tmp/a b?#.sqlite")).ok().as_deref(),
            Some("sqlite:///tmp/a%20b%3F%23.sqlite?mode=rw")
        );
    }
}

//! Helpers shared by the governance and backup tests.

use sqlx::{AnyConnection, Connection, Executor, Row};

/// Every row of every table, rendered and sorted, per table.
pub type Dump = Vec<(String, Vec<String>)>;

/// The tables of schema v1 besides `schema_migrations`.
pub const TABLES: [&str; 8] = [
    "settings",
    "certificates",
    "certificate_addresses",
    "keys",
    "key_chain",
    "principals",
    "audit_log",
    "ca",
];

/// The store's database opened directly, as another program (or an attacker with write
/// access to the database) would.
pub struct Raw {
    runtime: tokio::runtime::Runtime,
    conn: AnyConnection,
}

impl Raw {
    /// Connect to the store at `url` (a SQLite path or a PostgreSQL URL).
    pub fn open(url: &str) -> Raw {
        sqlx::any::install_default_drivers();
        let url = if url.starts_with("postgres") {
            url.to_string()
        } else {
            format!("sqlite://{url}")
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let conn = runtime
            .block_on(AnyConnection::connect(&url))
            .expect("raw connection");
        Raw { runtime, conn }
    }

    /// Run one statement.
    pub fn execute(&mut self, sql: &str) {
        self.runtime
            .block_on(self.conn.execute(sql))
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Every row of `table`, each value rendered, sorted.
    pub fn rows(&mut self, table: &str) -> Vec<String> {
        let sql = format!("SELECT * FROM {table}");
        let rows = self
            .runtime
            .block_on(sqlx::query(&sql).fetch_all(&mut self.conn))
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        let mut out: Vec<String> = rows
            .iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| {
                        if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
                            format!("{v:?}")
                        } else if let Ok(v) = row.try_get::<Option<String>, _>(i) {
                            format!("{v:?}")
                        } else {
                            format!("{:?}", row.try_get::<Option<Vec<u8>>, _>(i).ok())
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect();
        out.sort();
        out
    }

    /// Every table.
    pub fn dump(&mut self) -> Dump {
        TABLES
            .iter()
            .map(|t| (t.to_string(), self.rows(t)))
            .collect()
    }
}

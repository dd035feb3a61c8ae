//! Schema migrations, applied on open.
//!
//! The store keeps its own table `schema_migrations(version, applied_at)`. Each migration
//! runs in one write transaction together with its row there, so a migration is applied
//! completely or not at all, and two nodes opening the same PostgreSQL store at once apply
//! it once (the second sees the row after the writer lock is released). A store whose
//! newest version is above [`LATEST_VERSION`] was written by a newer smime and is refused.
//!
//! A migration has two DDL texts, one per backend, because only DDL differs (BLOB vs BYTEA);
//! a landed migration is never edited: changes go in a new version.

use sqlx::{AnyConnection, Row};

use crate::db::{finish, now, sql_error, Backend, Store};
use crate::{Error, Result};

/// One schema version.
struct Migration {
    version: i64,
    sqlite: &'static [&'static str],
    postgres: &'static [&'static str],
}

/// The schema v1 tables, with `{blob}` standing for the binary column type.
macro_rules! schema_v1 {
    ($blob:literal) => {
        [
            "CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
            concat!(
                "CREATE TABLE certificates (",
                "id TEXT PRIMARY KEY, der ",
                $blob,
                " NOT NULL, subject TEXT NOT NULL, issuer TEXT NOT NULL, serial TEXT NOT NULL, ",
                "ski TEXT, aki TEXT, not_before BIGINT NOT NULL, not_after BIGINT NOT NULL, ",
                "is_ca BIGINT NOT NULL, can_sign BIGINT NOT NULL, can_encrypt BIGINT NOT NULL, ",
                "source TEXT NOT NULL, source_detail TEXT, added_at BIGINT NOT NULL, ",
                "revoked_at BIGINT, revocation_reason TEXT, profile TEXT)"
            ),
            "CREATE INDEX certificates_issuer_serial ON certificates (issuer, serial)",
            "CREATE INDEX certificates_ski ON certificates (ski)",
            "CREATE INDEX certificates_subject ON certificates (subject)",
            "CREATE INDEX certificates_not_after ON certificates (not_after)",
            concat!(
                "CREATE TABLE certificate_addresses (",
                "certificate_id TEXT NOT NULL REFERENCES certificates (id), ",
                "address TEXT NOT NULL, domain TEXT NOT NULL, ",
                "PRIMARY KEY (certificate_id, address))"
            ),
            "CREATE INDEX certificate_addresses_address ON certificate_addresses (address)",
            "CREATE INDEX certificate_addresses_domain ON certificate_addresses (domain)",
            concat!(
                "CREATE TABLE keys (",
                "id TEXT PRIMARY KEY, owner TEXT NOT NULL, seq BIGINT NOT NULL, ",
                "material_kind TEXT NOT NULL, sealed ",
                $blob,
                ", token_label TEXT, token_id ",
                $blob,
                ", can_sign BIGINT NOT NULL, can_decrypt BIGINT NOT NULL, ",
                "retired BIGINT NOT NULL, added_at BIGINT NOT NULL)"
            ),
            "CREATE INDEX keys_owner ON keys (owner)",
            concat!(
                "CREATE TABLE key_chain (",
                "key_id TEXT NOT NULL, position BIGINT NOT NULL, certificate_id TEXT NOT NULL, ",
                "PRIMARY KEY (key_id, position))"
            ),
            concat!(
                "CREATE TABLE principals (",
                "name TEXT PRIMARY KEY, role TEXT NOT NULL, address TEXT, ",
                "created_at BIGINT NOT NULL)"
            ),
            concat!(
                "CREATE TABLE audit_log (",
                "seq BIGINT PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL, ",
                "action TEXT NOT NULL, object TEXT NOT NULL, outcome TEXT NOT NULL, ",
                "detail TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)"
            ),
            "CREATE TABLE ca (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        ]
    };
}

const V1_SQLITE: [&str; 15] = schema_v1!("BLOB");
const V1_POSTGRES: [&str; 15] = schema_v1!("BYTEA");

/// Every migration, oldest first.
const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    sqlite: &V1_SQLITE,
    postgres: &V1_POSTGRES,
}];

/// The newest schema version this code knows.
pub const LATEST_VERSION: i64 = 1;

const CREATE_MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations \
     (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)";

/// The newest applied version (0 for a new store).
pub(crate) async fn current_version(conn: &mut AnyConnection) -> Result<i64> {
    let row = sqlx::query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        .fetch_one(&mut *conn)
        .await
        .map_err(sql_error("read the schema version (schema_migrations)"))?;
    row.try_get::<i64, _>(0)
        .map_err(sql_error("read the schema version (schema_migrations)"))
}

/// Bring the store to [`LATEST_VERSION`], or refuse a newer store.
pub(crate) async fn migrate(store: &Store) -> Result<()> {
    {
        let mut tx = store.begin_write().await?;
        let result = sqlx::query(CREATE_MIGRATIONS_TABLE)
            .execute(&mut *tx)
            .await
            .map(|_| ())
            .map_err(sql_error("create table schema_migrations"));
        finish(tx, result).await?;
    }
    for migration in MIGRATIONS {
        let mut tx = store.begin_write().await?;
        let result = apply(&mut tx, store, migration).await;
        finish(tx, result).await?;
    }
    Ok(())
}

/// Apply `migration` unless the store already has it (checked under the writer lock).
async fn apply(conn: &mut AnyConnection, store: &Store, migration: &Migration) -> Result<()> {
    let current = current_version(conn).await?;
    if current > LATEST_VERSION {
        return Err(Error::SchemaTooNew {
            location: store.location().to_string(),
            found: current,
            known: LATEST_VERSION,
        });
    }
    if current >= migration.version {
        return Ok(());
    }
    let statements = match store.backend() {
        Backend::Sqlite => migration.sqlite,
        Backend::Postgres => migration.postgres,
    };
    for statement in statements {
        sqlx::query(statement)
            .execute(&mut *conn)
            .await
            .map_err(sql_error(format!(
                "schema migration {} on {}: {statement}",
                migration.version,
                store.location()
            )))?;
    }
    sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
        .bind(migration.version)
        .bind(now())
        .execute(&mut *conn)
        .await
        .map_err(sql_error(format!(
            "record schema migration {}",
            migration.version
        )))?;
    Ok(())
}

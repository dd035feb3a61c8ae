//! Backup and restore (issue 5, item 6): the whole store in one encrypted,
//! integrity-protected archive ([`archive`]) holding every table row by row
//! ([`contents`]); private keys stay sealed under the store's KEK inside it, so restoring
//! needs the backup passphrase to read the archive and the store's own passphrase (or key
//! file) to use the keys afterwards.
//!
//! A backup is written while holding the store's write lock (so the tables agree with each
//! other) to a temporary file beside the target, synced, then renamed over it: a crash
//! leaves the old file or the new one, never half of one. A restore reads the archive in
//! one write transaction of the target and commits only after the last chunk
//! authenticated and the contents ended where they should: a wrong passphrase, a
//! truncated or changed archive rolls everything back. The target must be empty: no
//! certificate, key or CA state; the principals, settings and audit log that `smime store
//! init` writes are replaced by the archive's (they describe the restored keys: the KEK
//! parameters, who may use them, their history). Backups and restores are audited; a
//! restore's entry continues the restored chain.

pub mod archive;
pub mod contents;

use std::fs::File;
use std::io::{BufReader, BufWriter, Read};
use std::path::{Path, PathBuf};

use archive::{ArchiveReader, ArchiveWriter, Header, CHUNK_SIZE, MAX_ARGON2_MEMORY_KIB};
use contents::{ContentsReader, ContentsWriter, Kind, TableSpec, Value};
use sqlx::{AnyConnection, Row};

use crate::audit::{self, AuditEvent, Outcome};
use crate::db::{finish, now, sql_error};
use crate::kek::Argon2Params;
use crate::roles::{audit_alone, Actor, Operation};
use crate::{Error, Result, Store};

/// The store schema version whose tables [`TABLES`] lists.
pub const SCHEMA_VERSION: i64 = 1;

/// Every table of schema v1 except `schema_migrations`, parents before children so that
/// foreign keys hold while restoring.
pub static TABLES: &[TableSpec] = &[
    TableSpec {
        name: "settings",
        columns: &[("name", Kind::Text), ("value", Kind::Text)],
        order_by: "name",
    },
    TableSpec {
        name: "certificates",
        columns: &[
            ("id", Kind::Text),
            ("der", Kind::Blob),
            ("subject", Kind::Text),
            ("issuer", Kind::Text),
            ("serial", Kind::Text),
            ("ski", Kind::Text),
            ("aki", Kind::Text),
            ("not_before", Kind::Int),
            ("not_after", Kind::Int),
            ("is_ca", Kind::Int),
            ("can_sign", Kind::Int),
            ("can_encrypt", Kind::Int),
            ("source", Kind::Text),
            ("source_detail", Kind::Text),
            ("added_at", Kind::Int),
            ("revoked_at", Kind::Int),
            ("revocation_reason", Kind::Text),
            ("profile", Kind::Text),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "certificate_addresses",
        columns: &[
            ("certificate_id", Kind::Text),
            ("address", Kind::Text),
            ("domain", Kind::Text),
        ],
        order_by: "certificate_id, address",
    },
    TableSpec {
        name: "keys",
        columns: &[
            ("id", Kind::Text),
            ("owner", Kind::Text),
            ("seq", Kind::Int),
            ("material_kind", Kind::Text),
            ("sealed", Kind::Blob),
            ("token_label", Kind::Text),
            ("token_id", Kind::Blob),
            ("can_sign", Kind::Int),
            ("can_decrypt", Kind::Int),
            ("retired", Kind::Int),
            ("added_at", Kind::Int),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "key_chain",
        columns: &[
            ("key_id", Kind::Text),
            ("position", Kind::Int),
            ("certificate_id", Kind::Text),
        ],
        order_by: "key_id, position",
    },
    TableSpec {
        name: "principals",
        columns: &[
            ("name", Kind::Text),
            ("role", Kind::Text),
            ("address", Kind::Text),
            ("created_at", Kind::Int),
        ],
        order_by: "name",
    },
    TableSpec {
        name: "audit_log",
        columns: &[
            ("seq", Kind::Int),
            ("at", Kind::Int),
            ("actor", Kind::Text),
            ("action", Kind::Text),
            ("object", Kind::Text),
            ("outcome", Kind::Text),
            ("detail", Kind::Text),
            ("prev_hash", Kind::Text),
            ("hash", Kind::Text),
        ],
        order_by: "seq",
    },
    TableSpec {
        name: "ca",
        columns: &[("name", Kind::Text), ("value", Kind::Text)],
        order_by: "name",
    },
];

/// What an archive holds, from [`inspect_archive`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveSummary {
    /// The archive's header.
    pub header: archive::Header,
    /// Rows per table, in archive order.
    pub tables: Vec<(&'static str, u64)>,
}

/// Read a whole archive without a store: authenticate every chunk, check the contents
/// against [`TABLES`] and count the rows. `what` names the archive in errors; Argon2id
/// parameters above `max_memory_kib` are refused.
pub fn inspect_archive<R: Read>(
    source: R,
    passphrase: &[u8],
    max_memory_kib: u32,
    what: &str,
) -> Result<ArchiveSummary> {
    let archive = ArchiveReader::open(source, passphrase, max_memory_kib, what)?;
    let mut contents = ContentsReader::new(archive, TABLES);
    let header = contents.header().clone();
    let mut tables = Vec::new();
    while let Some(table) = contents.next_table()? {
        let mut rows = 0;
        while contents.next_row()?.is_some() {
            rows += 1;
        }
        tables.push((table.name, rows));
    }
    contents.finish()?;
    Ok(ArchiveSummary { header, tables })
}

/// Tables that must be empty for a restore (the others hold what `init` writes).
const MUST_BE_EMPTY: [&str; 5] = [
    "certificates",
    "certificate_addresses",
    "keys",
    "key_chain",
    "ca",
];
/// Tables a restore clears before loading (what `init` wrote into the empty target).
const REPLACED: [&str; 3] = ["audit_log", "principals", "settings"];
/// Rows read per query while dumping.
const DUMP_PAGE: i64 = 500;

fn store_error(store: &Store, reason: impl Into<String>) -> Error {
    Error::Backup {
        what: format!("store at {}", store.location()),
        reason: reason.into(),
    }
}

/// The temporary file of a backup, removed unless it was renamed into place.
struct TempFile {
    path: PathBuf,
    done: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn create_temp(out: &Path) -> Result<(File, TempFile)> {
    let what = out.display().to_string();
    let name = out
        .file_name()
        .ok_or_else(|| archive::archive_error(&what, "not a file name"))?;
    let dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(".{}.tmp", std::process::id()));
    let path = dir.join(temp_name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Keys inside are sealed, but the archive is still nobody else's business.
        options.mode(0o600);
    }
    let file = options.open(&path).map_err(|e| {
        archive::archive_error(
            path.display(),
            format!("cannot create the temporary file: {e}"),
        )
    })?;
    Ok((file, TempFile { path, done: false }))
}

async fn dump_table<W: std::io::Write>(
    conn: &mut AnyConnection,
    table: &TableSpec,
    contents: &mut ContentsWriter<W>,
) -> Result<u64> {
    let columns: Vec<&str> = table.columns.iter().map(|(name, _)| *name).collect();
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {} LIMIT $1 OFFSET $2",
        columns.join(", "),
        table.name,
        table.order_by
    );
    contents.begin_table(table)?;
    let mut count: u64 = 0;
    loop {
        let what = format!("read table {} for the backup", table.name);
        let rows = sqlx::query(&sql)
            .bind(DUMP_PAGE)
            .bind(i64::try_from(count).unwrap_or(i64::MAX))
            .fetch_all(&mut *conn)
            .await
            .map_err(sql_error(&what))?;
        for row in &rows {
            let mut values = Vec::with_capacity(columns.len());
            for (i, (_, kind)) in table.columns.iter().enumerate() {
                let value = match kind {
                    Kind::Int => row.try_get::<Option<i64>, _>(i).map(|v| v.map(Value::Int)),
                    Kind::Text => row
                        .try_get::<Option<String>, _>(i)
                        .map(|v| v.map(Value::Text)),
                    Kind::Blob => row
                        .try_get::<Option<Vec<u8>>, _>(i)
                        .map(|v| v.map(Value::Blob)),
                }
                .map_err(sql_error(&what))?;
                values.push(value.unwrap_or(Value::Null));
            }
            contents.row(&values)?;
            count += 1;
        }
        if (rows.len() as i64) < DUMP_PAGE {
            break;
        }
    }
    contents.end_table()?;
    Ok(count)
}

async fn load_row(
    conn: &mut AnyConnection,
    table: &TableSpec,
    sql: &str,
    values: Vec<Value>,
) -> Result<()> {
    let mut query = sqlx::query(sql);
    for (value, (_, kind)) in values.into_iter().zip(table.columns) {
        // A NULL is bound with its column's type: PostgreSQL refuses a text NULL for BYTEA.
        query = match (value, kind) {
            (Value::Int(v), _) => query.bind(v),
            (Value::Text(v), _) => query.bind(v),
            (Value::Blob(v), _) => query.bind(v),
            (Value::Null, Kind::Int) => query.bind(None::<i64>),
            (Value::Null, Kind::Text) => query.bind(None::<String>),
            (Value::Null, Kind::Blob) => query.bind(None::<Vec<u8>>),
        };
    }
    query
        .execute(&mut *conn)
        .await
        .map_err(sql_error(format!("restore a row of table {}", table.name)))?;
    Ok(())
}

async fn table_rows(conn: &mut AnyConnection, table: &str) -> Result<i64> {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&mut *conn)
        .await
        .map_err(sql_error(format!("count the rows of table {table}")))
}

impl Store {
    /// Write the whole store to `out`, encrypted under `passphrase` with fresh Argon2id
    /// parameters (needs `backup`).
    pub fn backup(&self, actor: &Actor, out: &Path, passphrase: &[u8]) -> Result<ArchiveSummary> {
        self.backup_with(actor, out, passphrase, Argon2Params::generate()?)
    }

    /// [`Store::backup`] with chosen Argon2id parameters (tests and benchmarks use cheap
    /// ones; a reader refuses more than 1 GiB).
    pub fn backup_with(
        &self,
        actor: &Actor,
        out: &Path,
        passphrase: &[u8],
        argon2: Argon2Params,
    ) -> Result<ArchiveSummary> {
        let object = out.display().to_string();
        self.block_on(async {
            self.authorize_async(actor, Operation::Backup, None, &object)
                .await?;
            let result = self
                .write_backup(actor, out, &object, passphrase, argon2)
                .await;
            if let Err(e) = &result {
                let reason = e.to_string();
                let event = AuditEvent {
                    actor: &actor.name,
                    action: Operation::Backup.as_str(),
                    object: &object,
                    outcome: Outcome::Failed,
                    detail: Some(&reason),
                };
                // The backup's own error is the one to report.
                let _ = audit_alone(self, &event).await;
            }
            result
        })
    }

    async fn write_backup(
        &self,
        actor: &Actor,
        out: &Path,
        object: &str,
        passphrase: &[u8],
        argon2: Argon2Params,
    ) -> Result<ArchiveSummary> {
        let mut tx = self.begin_write().await?;
        let result = async {
            let schema_version = crate::migrations::current_version(&mut tx).await?;
            if schema_version != SCHEMA_VERSION {
                return Err(store_error(
                    self,
                    format!("schema version {schema_version}: this smime backs up version {SCHEMA_VERSION} only"),
                ));
            }
            // The entry is part of the archive: a restored store shows when it was saved.
            let event = AuditEvent {
                actor: &actor.name,
                action: Operation::Backup.as_str(),
                object,
                outcome: Outcome::Ok,
                detail: None,
            };
            audit::append(&mut tx, &event, now()).await?;
            let header = Header {
                schema_version,
                created_at: now(),
                argon2,
                chunk_size: CHUNK_SIZE,
            };
            let (file, mut temp) = create_temp(out)?;
            let temp_what = temp.path.display().to_string();
            let writer = ArchiveWriter::new(BufWriter::new(file), passphrase, &header, &temp_what)?;
            let mut contents = ContentsWriter::new(writer);
            let mut tables = Vec::with_capacity(TABLES.len());
            for table in TABLES {
                tables.push((table.name, dump_table(&mut tx, table, &mut contents).await?));
            }
            let file = contents
                .finish()?
                .into_inner()
                .map_err(|e| archive::archive_error(&temp_what, format!("cannot write: {}", e.error())))?;
            file.sync_all()
                .map_err(|e| archive::archive_error(&temp_what, format!("cannot sync: {e}")))?;
            std::fs::rename(&temp.path, out).map_err(|e| {
                archive::archive_error(out.display(), format!("cannot move {temp_what} into place: {e}"))
            })?;
            temp.done = true;
            if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
                // The rename is durable once the directory is synced (best effort: not
                // every platform can open a directory).
                let _ = File::open(dir).and_then(|d| d.sync_all());
            }
            Ok(ArchiveSummary { header, tables })
        }
        .await;
        finish(tx, result).await
    }

    /// Rebuild this store from the archive `input` (needs `restore`). The store must be
    /// empty (see the module notes); any error leaves it as it was.
    pub fn restore(
        &self,
        actor: &Actor,
        input: &Path,
        passphrase: &[u8],
    ) -> Result<ArchiveSummary> {
        let object = input.display().to_string();
        self.block_on(async {
            self.authorize_async(actor, Operation::Restore, None, &object)
                .await?;
            let file = File::open(input)
                .map_err(|e| archive::archive_error(&object, format!("cannot open: {e}")))?;
            let archive = ArchiveReader::open(
                BufReader::new(file),
                passphrase,
                MAX_ARGON2_MEMORY_KIB,
                &format!("backup archive {object}"),
            )?;
            let mut contents = ContentsReader::new(archive, TABLES);
            let header = contents.header().clone();
            if header.schema_version != SCHEMA_VERSION {
                return Err(archive::archive_error(
                    &object,
                    format!(
                        "holds a store of schema version {}, this smime restores version {SCHEMA_VERSION}",
                        header.schema_version
                    ),
                ));
            }
            let mut tx = self.begin_write().await?;
            let result = async {
                let target_version = crate::migrations::current_version(&mut tx).await?;
                if target_version != header.schema_version {
                    return Err(store_error(
                        self,
                        format!(
                            "schema version {target_version}, the archive holds version {}",
                            header.schema_version
                        ),
                    ));
                }
                let mut held = Vec::new();
                for table in MUST_BE_EMPTY {
                    let n = table_rows(&mut tx, table).await?;
                    if n > 0 {
                        held.push(format!("{n} rows in {table}"));
                    }
                }
                if !held.is_empty() {
                    return Err(store_error(
                        self,
                        format!(
                            "not empty ({}): restore only into a new store (nothing was changed)",
                            held.join(", ")
                        ),
                    ));
                }
                for table in REPLACED {
                    sqlx::query(&format!("DELETE FROM {table}"))
                        .execute(&mut *tx)
                        .await
                        .map_err(sql_error(format!("clear table {table} for the restore")))?;
                }
                let mut tables = Vec::with_capacity(TABLES.len());
                while let Some(table) = contents.next_table()? {
                    let columns: Vec<&str> = table.columns.iter().map(|(n, _)| *n).collect();
                    let placeholders: Vec<String> =
                        (1..=columns.len()).map(|i| format!("${i}")).collect();
                    let sql = format!(
                        "INSERT INTO {} ({}) VALUES ({})",
                        table.name,
                        columns.join(", "),
                        placeholders.join(", ")
                    );
                    let mut count = 0u64;
                    while let Some(values) = contents.next_row()? {
                        load_row(&mut tx, table, &sql, values).await?;
                        count += 1;
                    }
                    tables.push((table.name, count));
                }
                // Only a complete, authentic archive is committed.
                contents.finish()?;
                let detail = format!("backup made at {}", header.created_at);
                let event = AuditEvent {
                    actor: &actor.name,
                    action: Operation::Restore.as_str(),
                    object: &object,
                    outcome: Outcome::Ok,
                    detail: Some(&detail),
                };
                audit::append(&mut tx, &event, now()).await?;
                Ok(ArchiveSummary {
                    header: header.clone(),
                    tables,
                })
            }
            .await;
            finish(tx, result).await
        })
    }
}

/// The passphrase of the `backup_archive` fuzz target and of its seeds.
#[doc(hidden)]
pub const FUZZ_PASSPHRASE: &[u8] = b"smime-store fuzz backup passphrase";

/// The `backup_archive` fuzz target: `data` read as an archive under [`FUZZ_PASSPHRASE`]
/// (Argon2id memory capped at 1 MiB so that runs stay fast), and `data` as the plaintext
/// contents of an authentic archive (a forged chunk never authenticates, so this is how the
/// contents reader meets arbitrary bytes). Never panics; the results are for the seed tests.
#[doc(hidden)]
pub fn fuzz_archive(data: &[u8]) -> (Result<ArchiveSummary>, Result<ArchiveSummary>) {
    let as_archive = inspect_archive(data, FUZZ_PASSPHRASE, 1024, "fuzz archive");
    let header = Header {
        schema_version: SCHEMA_VERSION,
        created_at: 0,
        argon2: Argon2Params {
            memory_kib: 8,
            iterations: 1,
            parallelism: 1,
            salt: vec![0x5a; 16],
        },
        chunk_size: 4096,
    };
    let as_contents = ArchiveWriter::new(Vec::new(), FUZZ_PASSPHRASE, &header, "fuzz contents")
        .and_then(|mut writer| {
            writer.write(data)?;
            writer.finish()
        })
        .and_then(|archive| {
            inspect_archive(archive.as_slice(), FUZZ_PASSPHRASE, 8, "fuzz contents")
        });
    (as_archive, as_contents)
}

#[cfg(test)]
mod tests {
    use super::archive::{ArchiveWriter, Header};
    use super::contents::{ContentsWriter, Value};
    use super::*;
    use crate::kek::Argon2Params;

    const PASS: &[u8] = b"backup passphrase";

    fn header() -> Header {
        Header {
            schema_version: SCHEMA_VERSION,
            created_at: 1_700_000_000,
            argon2: Argon2Params {
                memory_kib: 64,
                iterations: 1,
                parallelism: 1,
                salt: vec![7; 16],
            },
            chunk_size: 97,
        }
    }

    fn sample_value(kind: Kind, row: usize, column: usize) -> Value {
        match (kind, (row + column) % 4) {
            (_, 0) => Value::Null,
            (Kind::Int, _) => Value::Int(-(row as i64) * 1000 + column as i64),
            (Kind::Text, _) => Value::Text(format!("r{row}c{column} é")),
            (Kind::Blob, _) => Value::Blob(vec![row as u8; column * 13]),
        }
    }

    /// An archive with `rows(i)` rows in table `i`, and the same rows kept aside.
    fn sample(rows: impl Fn(usize) -> usize) -> (Vec<u8>, Vec<Vec<Vec<Value>>>) {
        let writer = ArchiveWriter::new(Vec::new(), PASS, &header(), "sample").expect("writer");
        let mut contents = ContentsWriter::new(writer);
        let mut kept = Vec::new();
        for (i, table) in TABLES.iter().enumerate() {
            contents.begin_table(table).expect("table");
            let mut table_rows = Vec::new();
            for r in 0..rows(i) {
                let row: Vec<Value> = table
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(c, (_, kind))| sample_value(*kind, r, c))
                    .collect();
                contents.row(&row).expect("row");
                table_rows.push(row);
            }
            contents.end_table().expect("end");
            kept.push(table_rows);
        }
        (contents.finish().expect("finish"), kept)
    }

    #[test]
    fn inspect_archive_every_table_counts_rows() {
        let (bytes, _) = sample(|i| i * 3);
        let summary = inspect_archive(bytes.as_slice(), PASS, 1024, "sample").expect("inspect");
        assert_eq!(summary.header, header());
        let expected: Vec<(&str, u64)> = TABLES
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name, i as u64 * 3))
            .collect();
        assert_eq!(summary.tables, expected);
    }

    #[test]
    fn contents_rows_read_back_equal() {
        let (bytes, kept) = sample(|i| i + 2);
        let archive = ArchiveReader::open(bytes.as_slice(), PASS, 1024, "sample").expect("open");
        let mut contents = ContentsReader::new(archive, TABLES);
        let mut read = Vec::new();
        while contents.next_table().expect("table").is_some() {
            let mut rows = Vec::new();
            while let Some(row) = contents.next_row().expect("row") {
                rows.push(row);
            }
            read.push(rows);
        }
        contents.finish().expect("finish");
        assert_eq!(read, kept);
    }

    #[test]
    fn inspect_archive_missing_table_is_malformed() {
        let writer = ArchiveWriter::new(Vec::new(), PASS, &header(), "short").expect("writer");
        let mut contents = ContentsWriter::new(writer);
        contents.begin_table(&TABLES[0]).expect("table");
        contents.end_table().expect("end");
        let bytes = contents.finish().expect("finish");
        let err = inspect_archive(bytes.as_slice(), PASS, 1024, "short")
            .err()
            .map(|e| e.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("ends after 1 of")),
            "{err:?}"
        );
    }

    #[test]
    fn inspect_archive_unknown_table_is_malformed() {
        static OTHER: TableSpec = TableSpec {
            name: "secrets",
            columns: &[("name", Kind::Text), ("value", Kind::Text)],
            order_by: "name",
        };
        let writer = ArchiveWriter::new(Vec::new(), PASS, &header(), "other").expect("writer");
        let mut contents = ContentsWriter::new(writer);
        contents.begin_table(&OTHER).expect("table");
        contents.end_table().expect("end");
        let bytes = contents.finish().expect("finish");
        let err = inspect_archive(bytes.as_slice(), PASS, 1024, "other")
            .err()
            .map(|e| e.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("\"secrets\" where settings was expected")),
            "{err:?}"
        );
    }
}

//! Backup and restore (issue 5, item 6): the whole store in one encrypted,
//! integrity-protected archive ([`archive`]) holding every table row by row
//! ([`contents`]); private keys stay sealed under the store's KEK inside it.

pub mod archive;
pub mod contents;

use std::io::Read;

use archive::ArchiveReader;
use contents::{ContentsReader, Kind, TableSpec};

use crate::Result;

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

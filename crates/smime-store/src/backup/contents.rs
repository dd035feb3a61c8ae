//! The plaintext inside a backup archive: every table of the schema, in a fixed order,
//! row by row, each value tagged with its kind.
//!
//! ```text
//! table     = 0x01 || name (u16 length || UTF-8) || column count (u16)
//!             || per column: name (u16 length || UTF-8) || kind (u8)
//! row       = 0x02 || per column: 0x00 null | 0x01 i64 | 0x02 u32 length || UTF-8
//!                                  | 0x03 u32 length || bytes
//! table end = 0x03 || row count (u64)
//! end       = 0x04 || table count (u16)
//! ```
//! A reader accepts exactly the tables and columns it knows, in order: names in the
//! archive never reach SQL text, only the reader's own constants do.

use std::io::{Read, Write};

use super::archive::{archive_error, ArchiveReader, ArchiveWriter};
use crate::Result;

const TABLE: u8 = 1;
const ROW: u8 = 2;
const TABLE_END: u8 = 3;
const END: u8 = 4;
/// The largest single value a reader accepts (a certificate, a sealed key, an audit detail).
const MAX_VALUE_LEN: u32 = 64 * 1024 * 1024;

/// The kind of a column (the store keeps times and booleans as integers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// BIGINT.
    Int,
    /// TEXT.
    Text,
    /// BLOB / BYTEA.
    Blob,
}

impl Kind {
    fn tag(self) -> u8 {
        match self {
            Kind::Int => 1,
            Kind::Text => 2,
            Kind::Blob => 3,
        }
    }
}

/// A table as the backup knows it.
#[derive(Debug)]
pub struct TableSpec {
    /// The table name.
    pub name: &'static str,
    /// Its columns, in the order written.
    pub columns: &'static [(&'static str, Kind)],
    /// The ORDER BY of the dump (the primary key), so that archives are reproducible.
    pub order_by: &'static str,
}

/// One value of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// NULL.
    Null,
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

/// Writes the contents into an archive.
pub struct ContentsWriter<W: Write> {
    archive: ArchiveWriter<W>,
    tables: u16,
    rows: u64,
}

fn push_name(out: &mut Vec<u8>, name: &str) {
    // Names are this module's constants, all far shorter than 64 KiB.
    let len = u16::try_from(name.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(name.as_bytes().get(..usize::from(len)).unwrap_or_default());
}

impl<W: Write> ContentsWriter<W> {
    /// Contents into `archive`.
    pub fn new(archive: ArchiveWriter<W>) -> Self {
        ContentsWriter {
            archive,
            tables: 0,
            rows: 0,
        }
    }

    /// Start `table`.
    pub fn begin_table(&mut self, table: &TableSpec) -> Result<()> {
        let mut out = vec![TABLE];
        push_name(&mut out, table.name);
        out.extend_from_slice(&(table.columns.len() as u16).to_be_bytes());
        for (name, kind) in table.columns {
            push_name(&mut out, name);
            out.push(kind.tag());
        }
        self.rows = 0;
        self.tables += 1;
        self.archive.write(&out)
    }

    /// One row of the current table, its values in column order.
    pub fn row(&mut self, values: &[Value]) -> Result<()> {
        let mut out = vec![ROW];
        for value in values {
            match value {
                Value::Null => out.push(0),
                Value::Int(i) => {
                    out.push(1);
                    out.extend_from_slice(&i.to_be_bytes());
                }
                Value::Text(text) => bytes_value(&mut out, 2, text.as_bytes())?,
                Value::Blob(bytes) => bytes_value(&mut out, 3, bytes)?,
            }
        }
        self.rows += 1;
        self.archive.write(&out)
    }

    /// End the current table.
    pub fn end_table(&mut self) -> Result<()> {
        let mut out = vec![TABLE_END];
        out.extend_from_slice(&self.rows.to_be_bytes());
        self.archive.write(&out)
    }

    /// End the contents and the archive.
    pub fn finish(mut self) -> Result<W> {
        let mut out = vec![END];
        out.extend_from_slice(&self.tables.to_be_bytes());
        self.archive.write(&out)?;
        self.archive.finish()
    }
}

fn bytes_value(out: &mut Vec<u8>, tag: u8, bytes: &[u8]) -> Result<()> {
    let len = u32::try_from(bytes.len())
        .ok()
        .filter(|len| *len <= MAX_VALUE_LEN)
        .ok_or_else(|| {
            archive_error(
                "the backup",
                format!(
                    "a value of {} bytes is larger than {MAX_VALUE_LEN}",
                    bytes.len()
                ),
            )
        })?;
    out.push(tag);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
    Ok(())
}

/// Reads the contents of an archive, table by table, checking them against `tables`.
pub struct ContentsReader<R: Read> {
    archive: ArchiveReader<R>,
    tables: &'static [TableSpec],
    /// The next table expected.
    next: usize,
    /// The table being read and its rows so far.
    current: Option<(&'static TableSpec, u64)>,
}

impl<R: Read> ContentsReader<R> {
    /// Contents of `archive`, which must hold exactly `tables`.
    pub fn new(archive: ArchiveReader<R>, tables: &'static [TableSpec]) -> Self {
        ContentsReader {
            archive,
            tables,
            next: 0,
            current: None,
        }
    }

    /// The archive's header.
    pub fn header(&self) -> &super::archive::Header {
        self.archive.header()
    }

    fn byte(&mut self, what: &str) -> Result<u8> {
        let mut b = [0u8; 1];
        self.archive.read_into(&mut b, what)?;
        Ok(b[0])
    }

    fn u16(&mut self, what: &str) -> Result<u16> {
        let mut b = [0u8; 2];
        self.archive.read_into(&mut b, what)?;
        Ok(u16::from_be_bytes(b))
    }

    fn u32(&mut self, what: &str) -> Result<u32> {
        let mut b = [0u8; 4];
        self.archive.read_into(&mut b, what)?;
        Ok(u32::from_be_bytes(b))
    }

    fn u64(&mut self, what: &str) -> Result<u64> {
        let mut b = [0u8; 8];
        self.archive.read_into(&mut b, what)?;
        Ok(u64::from_be_bytes(b))
    }

    fn malformed(&self, reason: impl std::fmt::Display) -> crate::Error {
        archive_error(
            self.archive.position(),
            format!("malformed contents: {reason}"),
        )
    }

    fn name(&mut self, what: &str) -> Result<Vec<u8>> {
        let len = self.u16(what)?;
        let mut name = vec![0u8; usize::from(len)];
        self.archive.read_into(&mut name, what)?;
        Ok(name)
    }

    /// The next table, or `None` after the last one (the end record was read and the
    /// archive checked complete: call [`ContentsReader::finish`]).
    pub fn next_table(&mut self) -> Result<Option<&'static TableSpec>> {
        if let Some((table, _)) = self.current {
            return Err(self.malformed(format!("table {} not read to its end", table.name)));
        }
        let tag = self.byte("a table record")?;
        match tag {
            TABLE => {
                let Some(expected) = self.tables.get(self.next) else {
                    return Err(self.malformed(format!(
                        "more tables than the {} this smime knows",
                        self.tables.len()
                    )));
                };
                let name = self.name("a table name")?;
                if name != expected.name.as_bytes() {
                    return Err(self.malformed(format!(
                        "table {:?} where {} was expected",
                        String::from_utf8_lossy(&name),
                        expected.name
                    )));
                }
                let count = self.u16("a column count")?;
                if usize::from(count) != expected.columns.len() {
                    return Err(self.malformed(format!(
                        "table {} has {count} columns, this smime knows {}",
                        expected.name,
                        expected.columns.len()
                    )));
                }
                for (column, kind) in expected.columns {
                    let name = self.name("a column name")?;
                    let tag = self.byte("a column kind")?;
                    if name != column.as_bytes() || tag != kind.tag() {
                        return Err(self.malformed(format!(
                            "table {} column {:?} (kind {tag}) where {column} (kind {}) was expected",
                            expected.name,
                            String::from_utf8_lossy(&name),
                            kind.tag()
                        )));
                    }
                }
                self.next += 1;
                self.current = Some((expected, 0));
                Ok(Some(expected))
            }
            END => {
                let count = self.u16("the table count")?;
                if self.next != self.tables.len() || usize::from(count) != self.next {
                    return Err(self.malformed(format!(
                        "ends after {} of {} tables",
                        self.next,
                        self.tables.len()
                    )));
                }
                Ok(None)
            }
            other => Err(self.malformed(format!("record type {other} where a table was expected"))),
        }
    }

    /// The next row of the current table, or `None` at its end.
    pub fn next_row(&mut self) -> Result<Option<Vec<Value>>> {
        let Some((table, rows)) = self.current else {
            return Err(self.malformed("a row outside a table"));
        };
        match self.byte("a row record")? {
            ROW => {
                let mut values = Vec::with_capacity(table.columns.len());
                for (column, kind) in table.columns {
                    values.push(self.value(table, column, *kind)?);
                }
                self.current = Some((table, rows + 1));
                Ok(Some(values))
            }
            TABLE_END => {
                let count = self.u64("a row count")?;
                if count != rows {
                    return Err(self.malformed(format!(
                        "table {} ends after {rows} rows but records {count}",
                        table.name
                    )));
                }
                self.current = None;
                Ok(None)
            }
            other => Err(self.malformed(format!(
                "record type {other} in table {} where a row was expected",
                table.name
            ))),
        }
    }

    fn value(&mut self, table: &TableSpec, column: &str, kind: Kind) -> Result<Value> {
        let tag = self.byte("a value")?;
        if tag == 0 {
            return Ok(Value::Null);
        }
        if tag != kind.tag() {
            return Err(self.malformed(format!(
                "{}.{column}: value of kind {tag} in a column of kind {}",
                table.name,
                kind.tag()
            )));
        }
        if kind == Kind::Int {
            let mut b = [0u8; 8];
            self.archive.read_into(&mut b, "an integer")?;
            return Ok(Value::Int(i64::from_be_bytes(b)));
        }
        let len = self.u32("a value length")?;
        if len > MAX_VALUE_LEN {
            return Err(self.malformed(format!(
                "{}.{column}: a value of {len} bytes (at most {MAX_VALUE_LEN})",
                table.name
            )));
        }
        let mut bytes = vec![0u8; len as usize];
        self.archive.read_into(&mut bytes, "a value")?;
        if kind == Kind::Blob {
            return Ok(Value::Blob(bytes));
        }
        String::from_utf8(bytes)
            .map(Value::Text)
            .map_err(|_| self.malformed(format!("{}.{column}: text is not UTF-8", table.name)))
    }

    /// Check that the archive ended right after the end record.
    pub fn finish(self) -> Result<()> {
        self.archive.finish()
    }
}

//! The encrypted container of a backup: a plaintext header, then the contents in
//! AES-256-GCM chunks (NIST SP 800-38D) under a key from the backup passphrase through
//! Argon2id (RFC 9106).
//!
//! ```text
//! header  = "SMIME-STORE-BACKUP" || version (1) || schema version (i64) || created (i64)
//!           || argon2 m, t, p (u32 each) || salt length (u8) || salt || chunk size (u32)
//!           || check tag (16)
//! chunk   = last flag (u8: 0 more, 1 last) || length (u32) || ciphertext || tag (16)
//! ```
//! All integers big-endian. The check tag is GCM over nothing with the all-ones nonce and
//! the header before it as associated data: a tag that does not verify means the wrong
//! passphrase (or a changed header), before any content is touched. Chunk `i` uses the
//! nonce `0^32 || i` (the key is fresh for every archive, from a fresh salt, so a counter
//! never repeats under one key) and the associated data `header || i || last flag`: a
//! reordered, dropped, edited or relabelled chunk fails to authenticate, and an archive
//! that ends before a chunk flagged last is truncated.

use std::io::{Read, Write};

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use zeroize::Zeroizing;

use crate::kek::Argon2Params;
use crate::{Error, Result};

/// The first bytes of every archive.
pub const MAGIC: &[u8] = b"SMIME-STORE-BACKUP";
/// The container format version.
pub const FORMAT_VERSION: u8 = 1;
/// Plaintext bytes per chunk when writing.
pub const CHUNK_SIZE: u32 = 64 * 1024;
const TAG_LEN: usize = 16;
/// The largest chunk a reader accepts (the header names the chunk size; an archive is
/// untrusted, so its claims are bounded before anything is allocated).
const MAX_CHUNK_SIZE: u32 = 16 * 1024 * 1024;
/// The costliest Argon2id parameters a reader accepts from an archive: 1 GiB, 64 passes,
/// 16 lanes; anything beyond is refused rather than computed.
pub const MAX_ARGON2_MEMORY_KIB: u32 = 1024 * 1024;
const MAX_ARGON2_ITERATIONS: u32 = 64;
const MAX_ARGON2_PARALLELISM: u32 = 16;
const CHECK_NONCE: [u8; NONCE_LEN] = [0xff; NONCE_LEN];

/// An archive error: `what` names the archive and where in it.
pub(crate) fn archive_error(what: impl std::fmt::Display, reason: impl Into<String>) -> Error {
    Error::Backup {
        what: what.to_string(),
        reason: reason.into(),
    }
}

/// The archive's plaintext header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The store schema version of the contents.
    pub schema_version: i64,
    /// When the backup was made, unix seconds.
    pub created_at: i64,
    /// How the passphrase became the key.
    pub argon2: Argon2Params,
    /// Plaintext bytes per chunk.
    pub chunk_size: u32,
}

impl Header {
    /// The encoding without the check tag.
    fn encode(&self) -> Result<Vec<u8>> {
        let salt_len = u8::try_from(self.argon2.salt.len())
            .map_err(|_| archive_error("the backup header", "salt longer than 255 bytes"))?;
        let mut out = MAGIC.to_vec();
        out.push(FORMAT_VERSION);
        out.extend_from_slice(&self.schema_version.to_be_bytes());
        out.extend_from_slice(&self.created_at.to_be_bytes());
        out.extend_from_slice(&self.argon2.memory_kib.to_be_bytes());
        out.extend_from_slice(&self.argon2.iterations.to_be_bytes());
        out.extend_from_slice(&self.argon2.parallelism.to_be_bytes());
        out.push(salt_len);
        out.extend_from_slice(&self.argon2.salt);
        out.extend_from_slice(&self.chunk_size.to_be_bytes());
        Ok(out)
    }
}

fn key_from(passphrase: &[u8], params: &Argon2Params) -> Result<LessSafeKey> {
    let key = params.derive(passphrase)?;
    let key = UnboundKey::new(&AES_256_GCM, key.as_ref())
        .map_err(|_| archive_error("the backup key", "not an AES-256 key"))?;
    Ok(LessSafeKey::new(key))
}

fn chunk_nonce(index: u64) -> Nonce {
    let mut nonce = [0u8; NONCE_LEN];
    nonce[NONCE_LEN - 8..].copy_from_slice(&index.to_be_bytes());
    Nonce::assume_unique_for_key(nonce)
}

fn chunk_aad(header: &[u8], index: u64, last: bool) -> Vec<u8> {
    let mut aad = header.to_vec();
    aad.extend_from_slice(&index.to_be_bytes());
    aad.push(u8::from(last));
    aad
}

/// Writes the header, then encrypts everything written into chunks. The last chunk is
/// written by [`ArchiveWriter::finish`]; without it the archive reads as truncated.
pub struct ArchiveWriter<W: Write> {
    sink: W,
    key: LessSafeKey,
    header: Vec<u8>,
    chunk_size: usize,
    index: u64,
    pending: Zeroizing<Vec<u8>>,
    what: String,
}

impl<W: Write> ArchiveWriter<W> {
    /// Start an archive in `sink` (`what` names it in errors).
    pub fn new(mut sink: W, passphrase: &[u8], header: &Header, what: &str) -> Result<Self> {
        let key = key_from(passphrase, &header.argon2)?;
        let mut bytes = header.encode()?;
        let check = key
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(CHECK_NONCE),
                Aad::from(&bytes),
                &mut [],
            )
            .map_err(|_| archive_error(what, "sealing the passphrase check failed"))?;
        bytes.extend_from_slice(check.as_ref());
        sink.write_all(&bytes)
            .map_err(|e| archive_error(what, format!("cannot write: {e}")))?;
        Ok(ArchiveWriter {
            sink,
            key,
            header: bytes,
            chunk_size: header.chunk_size.max(1) as usize,
            index: 0,
            pending: Zeroizing::new(Vec::new()),
            what: what.to_string(),
        })
    }

    /// Add plaintext.
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.pending.extend_from_slice(bytes);
        // Keep at least one byte back: only `finish` knows which chunk is the last, and
        // it must not be empty unless the whole archive is.
        while self.pending.len() > self.chunk_size {
            let rest = Zeroizing::new(self.pending.split_off(self.chunk_size));
            let chunk = std::mem::replace(&mut self.pending, rest);
            self.emit(chunk, false)?;
        }
        Ok(())
    }

    fn emit(&mut self, mut chunk: Zeroizing<Vec<u8>>, last: bool) -> Result<()> {
        let aad = chunk_aad(&self.header, self.index, last);
        self.key
            .seal_in_place_append_tag(chunk_nonce(self.index), Aad::from(&aad), &mut *chunk)
            .map_err(|_| archive_error(&self.what, "encryption failed"))?;
        let len =
            u32::try_from(chunk.len()).map_err(|_| archive_error(&self.what, "chunk too large"))?;
        let mut frame = vec![u8::from(last)];
        frame.extend_from_slice(&len.to_be_bytes());
        self.sink
            .write_all(&frame)
            .and_then(|()| self.sink.write_all(&chunk))
            .map_err(|e| archive_error(&self.what, format!("cannot write: {e}")))?;
        self.index += 1;
        Ok(())
    }

    /// Write the last chunk and hand back the sink.
    pub fn finish(mut self) -> Result<W> {
        let chunk = std::mem::take(&mut self.pending);
        self.emit(Zeroizing::new(chunk.to_vec()), true)?;
        self.sink
            .flush()
            .map_err(|e| archive_error(&self.what, format!("cannot write: {e}")))?;
        Ok(self.sink)
    }
}

/// Reads and authenticates an archive chunk by chunk. Plaintext is handed out only from
/// chunks that authenticated; the caller must still reach [`ArchiveReader::finish`]
/// before trusting that nothing was cut off.
pub struct ArchiveReader<R: Read> {
    source: R,
    key: LessSafeKey,
    header_bytes: Vec<u8>,
    header: Header,
    index: u64,
    plain: Zeroizing<Vec<u8>>,
    position: usize,
    last_seen: bool,
    /// Bytes consumed from the source, for error positions.
    offset: u64,
    what: String,
}

fn read_exact_or<R: Read>(source: &mut R, out: &mut [u8], what: &str, at: u64) -> Result<()> {
    source.read_exact(out).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => archive_error(
            what,
            format!("truncated: the archive ends at or after byte {at}, before its last chunk"),
        ),
        _ => archive_error(what, format!("cannot read at byte {at}: {e}")),
    })
}

impl<R: Read> ArchiveReader<R> {
    /// Read the header, derive the key from `passphrase` and check it. Argon2id
    /// parameters above `max_memory_kib` (and the fixed pass and lane limits) are refused.
    pub fn open(mut source: R, passphrase: &[u8], max_memory_kib: u32, what: &str) -> Result<Self> {
        let mut offset = 0u64;
        let mut fixed = [0u8; 18 + 1 + 8 + 8 + 12 + 1];
        read_exact_or(&mut source, &mut fixed, what, offset).map_err(|_| {
            archive_error(what, "not a smime store backup: shorter than its header")
        })?;
        offset += fixed.len() as u64;
        let (magic, rest) = fixed.split_at(MAGIC.len());
        if magic != MAGIC {
            return Err(archive_error(
                what,
                "not a smime store backup (no SMIME-STORE-BACKUP magic)",
            ));
        }
        let mut fields = Fields(rest);
        let version = fields.u8();
        if version != FORMAT_VERSION {
            return Err(archive_error(
                what,
                format!(
                    "backup format version {version}, this smime reads version {FORMAT_VERSION}"
                ),
            ));
        }
        let schema_version = fields.i64();
        let created_at = fields.i64();
        let (memory_kib, iterations, parallelism) = (fields.u32(), fields.u32(), fields.u32());
        let salt_len = fields.u8();
        if memory_kib > max_memory_kib
            || iterations > MAX_ARGON2_ITERATIONS
            || parallelism > MAX_ARGON2_PARALLELISM
        {
            return Err(archive_error(
                what,
                format!(
                    "header: Argon2id parameters m={memory_kib},t={iterations},p={parallelism} exceed the limits m={max_memory_kib},t={MAX_ARGON2_ITERATIONS},p={MAX_ARGON2_PARALLELISM}"
                ),
            ));
        }
        let mut salt = vec![0u8; usize::from(salt_len)];
        read_exact_or(&mut source, &mut salt, what, offset)?;
        offset += salt.len() as u64;
        let mut tail = [0u8; 4 + TAG_LEN];
        read_exact_or(&mut source, &mut tail, what, offset)?;
        offset += tail.len() as u64;
        let (chunk_size, check) = tail.split_at(4);
        let chunk_size = Fields(chunk_size).u32();
        if chunk_size == 0 || chunk_size > MAX_CHUNK_SIZE {
            return Err(archive_error(
                what,
                format!("header: chunk size {chunk_size} outside 1..={MAX_CHUNK_SIZE}"),
            ));
        }
        let header = Header {
            schema_version,
            created_at,
            argon2: Argon2Params {
                memory_kib,
                iterations,
                parallelism,
                salt,
            },
            chunk_size,
        };
        let mut header_bytes = header.encode()?;
        let key = key_from(passphrase, &header.argon2)
            .map_err(|e| archive_error(what, format!("header: {e}")))?;
        let mut tag = check.to_vec();
        key.open_in_place(
            Nonce::assume_unique_for_key(CHECK_NONCE),
            Aad::from(&header_bytes),
            &mut tag,
        )
        .map_err(|_| {
            archive_error(
                what,
                "wrong passphrase: the backup passphrase does not open this archive (or its header was changed)",
            )
        })?;
        header_bytes.extend_from_slice(check);
        Ok(ArchiveReader {
            source,
            key,
            header_bytes,
            header,
            index: 0,
            plain: Zeroizing::new(Vec::new()),
            position: 0,
            last_seen: false,
            offset,
            what: what.to_string(),
        })
    }

    /// The header (already authenticated by the passphrase check).
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Read and open the next chunk into `plain`.
    fn next_chunk(&mut self) -> Result<()> {
        let at = self.offset;
        let mut frame = [0u8; 5];
        read_exact_or(&mut self.source, &mut frame, &self.what, at)?;
        let (flag, len) = frame.split_at(1);
        let last = match flag.first() {
            Some(0) => false,
            Some(1) => true,
            _ => {
                return Err(archive_error(
                    &self.what,
                    format!(
                        "changed or corrupted: chunk {} at byte {at} has a bad flag",
                        self.index
                    ),
                ))
            }
        };
        let len = Fields(len).u32();
        if (len as usize) < TAG_LEN || len > self.header.chunk_size.saturating_add(TAG_LEN as u32) {
            return Err(archive_error(
                &self.what,
                format!(
                    "changed or corrupted: chunk {} at byte {at} claims {len} bytes (at most {} allowed)",
                    self.index,
                    u64::from(self.header.chunk_size) + TAG_LEN as u64
                ),
            ));
        }
        let mut sealed = Zeroizing::new(vec![0u8; len as usize]);
        read_exact_or(&mut self.source, &mut sealed, &self.what, at + 5)?;
        self.offset = at + 5 + u64::from(len);
        let aad = chunk_aad(&self.header_bytes, self.index, last);
        let plain_len = self
            .key
            .open_in_place(chunk_nonce(self.index), Aad::from(&aad), &mut sealed)
            .map_err(|_| {
                archive_error(
                    &self.what,
                    format!(
                        "changed, reordered or corrupted: chunk {} at byte {at} does not authenticate",
                        self.index
                    ),
                )
            })?
            .len();
        sealed.truncate(plain_len);
        self.plain = sealed;
        self.position = 0;
        self.last_seen = last;
        self.index += 1;
        Ok(())
    }

    /// Fill `out` with the next plaintext bytes; `what` names what is being read.
    pub fn read_into(&mut self, out: &mut [u8], what: &str) -> Result<()> {
        let mut filled = 0;
        while filled < out.len() {
            if self.position == self.plain.len() {
                if self.last_seen {
                    return Err(archive_error(
                        &self.what,
                        format!(
                            "contents end inside {what}: the archive is incomplete or malformed"
                        ),
                    ));
                }
                self.next_chunk()?;
                continue;
            }
            let available = &self.plain[self.position..];
            let n = available.len().min(out.len() - filled);
            out[filled..filled + n].copy_from_slice(&available[..n]);
            filled += n;
            self.position += n;
        }
        Ok(())
    }

    /// Check that the contents ended exactly here: the last chunk was read, no plaintext
    /// is left and nothing follows it in the file.
    pub fn finish(mut self) -> Result<()> {
        while !self.last_seen || self.position < self.plain.len() {
            if self.position < self.plain.len() {
                return Err(archive_error(
                    &self.what,
                    "malformed: data after the end of the contents",
                ));
            }
            self.next_chunk()?;
        }
        let mut probe = [0u8; 1];
        match self.source.read(&mut probe) {
            Ok(0) => Ok(()),
            Ok(_) => Err(archive_error(
                &self.what,
                format!(
                    "malformed: bytes after the last chunk at byte {}",
                    self.offset
                ),
            )),
            Err(e) => Err(archive_error(&self.what, format!("cannot read: {e}"))),
        }
    }

    /// Where the reader is: the chunk being read.
    pub fn position(&self) -> String {
        format!("{} chunk {}", self.what, self.index.saturating_sub(1))
    }
}

/// Big-endian fields of a slice whose length was checked by the caller (missing bytes
/// read as zero rather than panicking).
struct Fields<'a>(&'a [u8]);

impl Fields<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let n = N.min(self.0.len());
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        out
    }
    fn u8(&mut self) -> u8 {
        self.take::<1>()[0]
    }
    fn u32(&mut self) -> u32 {
        u32::from_be_bytes(self.take())
    }
    fn i64(&mut self) -> i64 {
        i64::from_be_bytes(self.take())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASS: &[u8] = b"correct horse";

    fn header(chunk_size: u32) -> Header {
        Header {
            schema_version: 1,
            created_at: 1_700_000_000,
            argon2: Argon2Params {
                memory_kib: 64,
                iterations: 1,
                parallelism: 1,
                salt: b"0123456789abcdef".to_vec(),
            },
            chunk_size,
        }
    }

    fn archive(plain: &[u8], chunk_size: u32) -> Vec<u8> {
        let mut w =
            ArchiveWriter::new(Vec::new(), PASS, &header(chunk_size), "test").expect("writer");
        for piece in plain.chunks(7) {
            w.write(piece).expect("write");
        }
        w.finish().expect("finish")
    }

    fn read_all(bytes: &[u8], passphrase: &[u8], len: usize) -> Result<Vec<u8>> {
        let mut r = ArchiveReader::open(bytes, passphrase, 1024, "test")?;
        let mut out = vec![0u8; len];
        r.read_into(&mut out, "the test contents")?;
        r.finish()?;
        Ok(out)
    }

    fn error_text(r: Result<Vec<u8>>) -> String {
        match r {
            Ok(_) => "read without error".into(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn archive_round_trip_over_several_chunks_reads_back() {
        let plain: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
        for chunk_size in [1, 100, 1000, 4096] {
            let bytes = archive(&plain, chunk_size);
            assert_eq!(
                read_all(&bytes, PASS, plain.len()).ok(),
                Some(plain.clone()),
                "{chunk_size}"
            );
        }
        let empty = archive(&[], 16);
        assert_eq!(read_all(&empty, PASS, 0).ok(), Some(Vec::new()));
    }

    #[test]
    fn archive_wrong_passphrase_is_named() {
        let bytes = archive(b"secret rows", 4);
        assert!(error_text(read_all(&bytes, b"wrong", 11)).contains("wrong passphrase"));
    }

    #[test]
    fn archive_truncated_anywhere_is_refused() {
        let plain = [7u8; 100];
        let bytes = archive(&plain, 16);
        for cut in 0..bytes.len() {
            let text = error_text(read_all(&bytes[..cut], PASS, plain.len()));
            assert!(
                text.contains("truncated") || text.contains("shorter than its header"),
                "cut at {cut}: {text}"
            );
        }
    }

    #[test]
    fn archive_truncated_at_chunk_boundary_with_short_contents_read_is_refused() {
        // A reader that expects fewer bytes still needs the last chunk at finish.
        let bytes = archive(&[1u8; 64], 16);
        let header_len = header(16).encode().map(|h| h.len() + TAG_LEN).unwrap_or(0);
        let cut = header_len + 2 * (5 + 16 + TAG_LEN);
        let text = error_text(read_all(&bytes[..cut], PASS, 32));
        assert!(text.contains("truncated"), "{text}");
    }

    #[test]
    fn archive_any_changed_byte_is_refused() {
        let plain = [9u8; 40];
        let bytes = archive(&plain, 16);
        for i in 0..bytes.len() {
            let mut changed = bytes.clone();
            changed[i] ^= 0x01;
            assert!(
                read_all(&changed, PASS, plain.len()).is_err(),
                "byte {i} changed"
            );
        }
    }

    #[test]
    fn archive_swapped_chunks_are_refused() {
        let bytes = archive(&[1u8; 48], 16);
        let header_len = header(16).encode().map(|h| h.len() + TAG_LEN).unwrap_or(0);
        let frame = 5 + 16 + TAG_LEN;
        let mut swapped = bytes[..header_len].to_vec();
        swapped.extend_from_slice(&bytes[header_len + frame..header_len + 2 * frame]);
        swapped.extend_from_slice(&bytes[header_len..header_len + frame]);
        swapped.extend_from_slice(&bytes[header_len + 2 * frame..]);
        let text = error_text(read_all(&swapped, PASS, 48));
        assert!(
            text.contains("chunk 0") && text.contains("does not authenticate"),
            "{text}"
        );
    }

    #[test]
    fn archive_trailing_bytes_are_refused() {
        let mut bytes = archive(&[1u8; 20], 16);
        bytes.push(0);
        assert!(error_text(read_all(&bytes, PASS, 20)).contains("after the last chunk"));
    }

    #[test]
    fn archive_costly_argon2_parameters_are_refused() {
        let mut h = header(16);
        h.argon2.memory_kib = 2048;
        let bytes = ArchiveWriter::new(Vec::new(), PASS, &h, "t")
            .and_then(ArchiveWriter::finish)
            .expect("archive");
        let text = error_text(read_all(&bytes, PASS, 0));
        assert!(text.contains("exceed the limits"), "{text}");
    }
}

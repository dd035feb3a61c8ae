//! Input and output files: `-` or nothing is standard input/output; output files are
//! written to a temporary file in the same directory and renamed into place, so that a
//! failure never leaves a half-written file.

use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use smime::stream::PlaintextSink;

/// Open the input: a file, or standard input.
pub fn open_input(path: Option<&Path>) -> Result<Box<dyn Read>> {
    match path {
        None => Ok(Box::new(io::stdin().lock())),
        Some(p) if p == Path::new("-") => Ok(Box::new(io::stdin().lock())),
        Some(p) => Ok(Box::new(
            File::open(p).with_context(|| format!("cannot open {}", p.display()))?,
        )),
    }
}

/// The size of the input file, when it is a file (for the progress bar).
pub fn input_len(path: Option<&Path>) -> Option<u64> {
    path.filter(|p| *p != Path::new("-"))
        .and_then(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
}

/// Read a whole file, naming it in the error.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// An output that becomes visible only when committed.
pub enum Output {
    /// Standard output.
    Stdout(io::BufWriter<io::Stdout>),
    /// Standard output held back in an unnamed temporary file until committed (for
    /// decrypted content, which may only appear once it is authenticated).
    HeldStdout(File),
    /// Held back in an unnamed temporary file and copied into `target` on commit: a target
    /// that exists and is not a regular file (a device such as `/dev/null`, or a FIFO), which
    /// renaming a temporary file over it would replace.
    HeldSpecial { file: File, target: PathBuf },
    /// A temporary file that is renamed to `target` on commit.
    File {
        temp: tempfile::NamedTempFile,
        target: PathBuf,
    },
    /// Committed or discarded: nothing more can be written.
    Discarded,
}

impl Output {
    /// Create the output for `path` (`-` or `None`: standard output).
    pub fn create(path: Option<&Path>) -> Result<Output> {
        match path {
            None => Ok(Output::Stdout(io::BufWriter::new(io::stdout()))),
            Some(p) if p == Path::new("-") => Ok(Output::Stdout(io::BufWriter::new(io::stdout()))),
            Some(p) if std::fs::metadata(p).is_ok_and(|m| !m.is_file() && !m.is_dir()) => {
                Ok(Output::HeldSpecial {
                    file: tempfile::tempfile().context("cannot create a temporary file")?,
                    target: p.to_path_buf(),
                })
            }
            Some(p) => {
                let dir = p
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                let temp = tempfile::Builder::new()
                    .prefix(".smime-")
                    .tempfile_in(dir)
                    .with_context(|| {
                        format!("cannot create a temporary file in {}", dir.display())
                    })?;
                Ok(Output::File {
                    temp,
                    target: p.to_path_buf(),
                })
            }
        }
    }

    /// Like [`Output::create`], but standard output too is held back until commit.
    pub fn create_held(path: Option<&Path>) -> Result<Output> {
        match Output::create(path)? {
            Output::Stdout(_) => Ok(Output::HeldStdout(
                tempfile::tempfile().context("cannot create a temporary file")?,
            )),
            other => Ok(other),
        }
    }

    /// Make the output visible (rename the temporary file into place).
    pub fn commit(self) -> Result<()> {
        match self {
            Output::Stdout(mut w) => Ok(w.flush()?),
            Output::HeldStdout(mut file) => {
                file.seek(io::SeekFrom::Start(0))?;
                let mut out = io::stdout().lock();
                io::copy(&mut file, &mut out)?;
                Ok(out.flush()?)
            }
            Output::HeldSpecial { mut file, target } => {
                file.seek(io::SeekFrom::Start(0))?;
                let mut out = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&target)
                    .with_context(|| format!("cannot write {}", target.display()))?;
                io::copy(&mut file, &mut out)
                    .with_context(|| format!("cannot write {}", target.display()))?;
                Ok(out.flush()?)
            }
            Output::Discarded => Err(anyhow::anyhow!(
                "the output was already committed or discarded"
            )),
            Output::File { temp, target } => {
                temp.as_file().sync_all().ok();
                temp.persist(&target)
                    .with_context(|| format!("cannot write {}", target.display()))?;
                Ok(())
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf),
            Output::HeldStdout(file) | Output::HeldSpecial { file, .. } => file.write(buf),
            Output::File { temp, .. } => temp.write(buf),
            Output::Discarded => Err(io::Error::other("the output was discarded")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::HeldStdout(file) | Output::HeldSpecial { file, .. } => file.flush(),
            Output::File { temp, .. } => temp.flush(),
            Output::Discarded => Ok(()),
        }
    }
}

/// Decryption commits the output only once the content is authenticated, and discards it
/// (deleting the temporary file) otherwise.
impl PlaintextSink for Output {
    fn commit(&mut self) -> io::Result<()> {
        std::mem::replace(self, Output::Discarded)
            .commit()
            .map_err(io::Error::other)
    }

    fn discard(&mut self) {
        *self = Output::Discarded;
    }
}

/// Print a line to standard output; a closed pipe (`smime verify | head -1`) is not an error.
pub fn print_stdout(text: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

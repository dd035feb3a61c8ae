//! What leaves or rebuilds the store: `export` (one address's newest key as PKCS#12),
//! `backup` and `restore` (the whole store as one encrypted archive).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use smime_store::backup::ArchiveSummary;
use zeroize::Zeroizing;

use crate::args::{StoreBackupArgs, StoreExportArgs, StoreFlags, StoreRestoreArgs};
use crate::store;

/// Write `bytes` to `path` readable by its owner only (a private key inside), through a
/// temporary file renamed into place.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        temp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// `smime store export ADDR --out F.p12 --password-file F`.
pub fn export(args: &StoreExportArgs, flags: &StoreFlags) -> Result<()> {
    let password = store::secret(
        &args.password_file,
        &format!("password file {}", args.password_file.display()),
    )?;
    if password.is_empty() {
        bail!(
            "{}: an empty PKCS#12 password would leave the key unprotected",
            args.password_file.display()
        );
    }
    let store = store::open(flags)?;
    let actor = store::actor(&store, flags)?;
    let kek = store::unlock(&store, flags)?.kek;
    let p12 = store.export_pkcs12(&actor, &kek, &args.address, &password)?;
    write_private(&args.out, &p12)?;
    eprintln!(
        "smime: wrote the newest key of {} to {} (PKCS#12: AES-256-CBC, PBKDF2-SHA256, HMAC-SHA256)",
        args.address,
        args.out.display()
    );
    Ok(())
}

/// The archive passphrase: `--archive-passphrase-file`, else the store's passphrase file.
fn archive_passphrase(own: &Option<PathBuf>, flags: &StoreFlags) -> Result<Zeroizing<String>> {
    let Some(path) = own.clone().or_else(|| store::passphrase_file(flags)) else {
        bail!("give --archive-passphrase-file F (or --passphrase-file F) for the archive's passphrase");
    };
    let passphrase = store::secret(&path, &format!("passphrase file {}", path.display()))?;
    if passphrase.is_empty() {
        bail!("{}: the archive passphrase is empty", path.display());
    }
    Ok(passphrase)
}

fn rows(summary: &ArchiveSummary) -> String {
    summary
        .tables
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(t, n)| format!("{t} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `smime store backup --out F`.
pub fn backup(args: &StoreBackupArgs, flags: &StoreFlags) -> Result<()> {
    let passphrase = archive_passphrase(&args.archive_passphrase_file, flags)?;
    let store = store::open(flags)?;
    let actor = store::actor(&store, flags)?;
    let summary = store.backup(&actor, &args.out, passphrase.as_bytes())?;
    eprintln!(
        "smime: backed up {} to {}: {}",
        store.location(),
        args.out.display(),
        rows(&summary)
    );
    Ok(())
}

/// `smime store restore --in F` into a just-initialised store.
pub fn restore(args: &StoreRestoreArgs, flags: &StoreFlags) -> Result<()> {
    let passphrase = archive_passphrase(&args.archive_passphrase_file, flags)?;
    let store = store::open(flags)?;
    let actor = store::actor(&store, flags)?;
    let summary = store.restore(&actor, &args.input, passphrase.as_bytes())?;
    eprintln!(
        "smime: restored {} into {}: {}",
        args.input.display(),
        store.location(),
        rows(&summary)
    );
    Ok(())
}

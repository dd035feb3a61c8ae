//! Loading certificates and keys from files, naming the file in every error.

use std::path::Path;

use anyhow::Result;
use smime::crypto::{load_certificates, PrivateKey};
use x509_cert::Certificate;

use crate::files::read_file;

/// All certificates in each of `paths`.
pub fn certificates(paths: &[impl AsRef<Path>]) -> Result<Vec<Certificate>> {
    let mut out = Vec::new();
    for p in paths {
        let p = p.as_ref();
        out.extend(load_certificates(&read_file(p)?, &p.display().to_string())?);
    }
    Ok(out)
}

/// The trust anchors of each of `paths`: PEM/DER files or directories of them.
pub fn anchors(paths: &[impl AsRef<Path>]) -> Result<Vec<Certificate>> {
    let mut out = Vec::new();
    for p in paths {
        out.extend(smime_pkix::anchors::load_anchors(p.as_ref())?);
    }
    Ok(out)
}

/// The first certificate in `path`.
pub fn certificate(path: &Path) -> Result<Certificate> {
    let mut certs = certificates(&[path])?;
    Ok(certs.remove(0))
}

/// The private key in `path`.
pub fn private_key(path: &Path) -> Result<PrivateKey> {
    Ok(PrivateKey::from_pem_or_der(
        &read_file(path)?,
        &path.display().to_string(),
    )?)
}

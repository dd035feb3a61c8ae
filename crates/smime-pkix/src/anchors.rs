//! Trust anchors (RFC 5280 6.1.1 (d)) from files, directories and the system store.
//!
//! An anchor is a certificate taken as trusted without a check of its own signature; only
//! its name and key start the path (RFC 5280 6.1.1 (d)). Files are PEM (any number of
//! certificates, see [`crate::pem::load_certificates`]) or one DER certificate.
//! Directories are read like OpenSSL's `-CApath`: every `*.pem`, `*.crt`, `*.cer` and
//! `*.der` file and every hashed name (`5ad8a5d6.0`, usually a link to one of the others).
//! Duplicates (the same DER reached twice) are kept once. Every error names the file.

use std::path::{Path, PathBuf};

use der::Encode;
use x509_cert::Certificate;

use crate::pem::load_certificates;
use crate::{Error, Result};

/// The system bundles tried, in order, when neither `SSL_CERT_FILE` nor `SSL_CERT_DIR` is set:
/// Debian/Ubuntu, Fedora/RHEL, and the OpenSSL default of BSDs and Alpine.
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
];

/// The certificates of one PEM or DER file.
pub fn load_anchor_file(path: &Path) -> Result<Vec<Certificate>> {
    let what = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| Error::input(&what, e.to_string()))?;
    load_certificates(&bytes, &what)
}

/// Whether `name` is an OpenSSL subject-hash name: 8 hex digits, a dot, a decimal counter
/// (`c_rehash`; `.r0` names are CRLs and are not read).
fn is_hashed_name(name: &str) -> bool {
    let Some((hash, counter)) = name.split_once('.') else {
        return false;
    };
    hash.len() == 8
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
        && !counter.is_empty()
        && counter.bytes().all(|b| b.is_ascii_digit())
}

fn is_certificate_file_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".pem", ".crt", ".cer", ".der"]
        .iter()
        .any(|ext| lower.ends_with(ext))
        || is_hashed_name(name)
}

/// The certificates of every certificate file in `dir` (not its subdirectories), in file
/// name order. A file that cannot be read or holds no certificate is an error naming it.
pub fn load_anchor_dir(dir: &Path) -> Result<Vec<Certificate>> {
    let what = dir.display().to_string();
    let entries = std::fs::read_dir(dir).map_err(|e| Error::input(&what, e.to_string()))?;
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::input(&what, e.to_string()))?;
        let path = entry.path();
        let is_file = std::fs::metadata(&path).is_ok_and(|m| m.is_file());
        let named = entry
            .file_name()
            .to_str()
            .is_some_and(is_certificate_file_name);
        if is_file && named {
            files.push(path);
        }
    }
    files.sort();
    let mut anchors = Anchors::default();
    for file in files {
        anchors.extend(load_anchor_file(&file)?);
    }
    Ok(anchors.into_vec())
}

/// A file or a directory ([`load_anchor_file`] or [`load_anchor_dir`]).
pub fn load_anchors(path: &Path) -> Result<Vec<Certificate>> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::input(path.display().to_string(), e.to_string()))?;
    if meta.is_dir() {
        load_anchor_dir(path)
    } else {
        load_anchor_file(path)
    }
}

/// The system's trust anchors: the file named by `SSL_CERT_FILE` and the directories named
/// by `SSL_CERT_DIR` (colon-separated) when either is set, as OpenSSL reads them; else the
/// first of the usual system bundles that exists.
pub fn system_anchors() -> Result<Vec<Certificate>> {
    let file = std::env::var_os("SSL_CERT_FILE").filter(|v| !v.is_empty());
    let dirs = std::env::var_os("SSL_CERT_DIR").filter(|v| !v.is_empty());
    if file.is_none() && dirs.is_none() {
        let bundle = SYSTEM_BUNDLES
            .iter()
            .map(Path::new)
            .find(|p| p.is_file())
            .ok_or_else(|| {
                Error::input(
                    "system trust store",
                    format!(
                        "none of {} exists (set SSL_CERT_FILE or SSL_CERT_DIR)",
                        SYSTEM_BUNDLES.join(", ")
                    ),
                )
            })?;
        return load_anchor_file(bundle);
    }
    let mut anchors = Anchors::default();
    if let Some(file) = file {
        anchors.extend(load_anchor_file(Path::new(&file))?);
    }
    if let Some(dirs) = dirs {
        for dir in std::env::split_paths(&dirs) {
            anchors.extend(load_anchor_dir(&dir)?);
        }
    }
    Ok(anchors.into_vec())
}

/// Certificates without repeats (by DER), in the order first met.
#[derive(Default)]
struct Anchors {
    certs: Vec<Certificate>,
    ders: Vec<Vec<u8>>,
}

impl Anchors {
    fn extend(&mut self, certs: Vec<Certificate>) {
        for cert in certs {
            let der = cert.to_der().unwrap_or_default();
            if !self.ders.contains(&der) {
                self.ders.push(der);
                self.certs.push(cert);
            }
        }
    }

    fn into_vec(self) -> Vec<Certificate> {
        self.certs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_certificate_file_name_hashed_and_extensions() {
        for name in [
            "ca.pem",
            "CA.CRT",
            "x.der",
            "x.cer",
            "5ad8a5d6.0",
            "5AD8A5D6.12",
        ] {
            assert!(is_certificate_file_name(name), "{name}");
        }
        for name in [
            "5ad8a5d6.r0",
            "README",
            "ca.pem.bak",
            "5ad8a5d.0",
            "5ad8a5d6.",
        ] {
            assert!(!is_certificate_file_name(name), "{name}");
        }
    }
}

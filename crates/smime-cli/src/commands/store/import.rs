//! `smime store import FILE`: certificates (PEM, DER, PKCS#7 certs-only) or a PKCS#12 file
//! with its key, which needs the store unlocked.

use anyhow::{bail, Context, Result};
use serde::Serialize;
use smime::crypto::pkcs12::{is_pkcs12, read_pkcs12_contents};
use smime_store::certs::CertSource;
use smime_store::key_store::NewKey;

use crate::args::{StoreFlags, StoreImportArgs};
use crate::files::{print_stdout, read_file};
use crate::store;

/// One line of the import report.
#[derive(Serialize)]
struct Imported {
    /// The certificate's SHA-256 fingerprint.
    id: String,
    /// Its subject.
    subject: String,
    /// `added`, `already present`, or `key added` (a PKCS#12 key with its certificate).
    outcome: String,
    /// The owner of an imported key.
    #[serde(skip_serializing_if = "Option::is_none")]
    key_owner: Option<String>,
}

/// Import the file.
pub fn run(args: &StoreImportArgs, flags: &StoreFlags) -> Result<()> {
    let what = args.file.display().to_string();
    let bytes = read_file(&args.file)?;
    let store = store::open(flags)?;
    let actor = store::actor(&store, flags)?;
    let mut report = Vec::new();
    if args.password_file.is_some() || is_pkcs12(&bytes) {
        let password = match &args.password_file {
            Some(p) => store::secret(p, &format!("password file {}", p.display()))?,
            None => zeroize::Zeroizing::new(String::new()),
        };
        let contents = read_pkcs12_contents(&bytes, &password, &what)?;
        if contents.identities.is_empty() && contents.certificates.is_empty() {
            bail!("{what}: the PKCS#12 file holds no key and no certificate");
        }
        // Every key of the file (Windows exports may hold several), each with its chain;
        // a file of certificates only needs no unlocking.
        if !contents.identities.is_empty() {
            let kek = store::unlock(&store, flags)?.kek;
            for identity in &contents.identities {
                let key = store.add_key(
                    &actor,
                    &kek,
                    &identity.key_der,
                    NewKey {
                        owner: args.owner.as_deref(),
                        certificate: identity.certificate.clone(),
                        chain: identity.chain.clone(),
                        source_detail: Some(&what),
                    },
                )?;
                report.push(Imported {
                    id: key.id.clone(),
                    subject: smime::crypto::describe_name(&key.certificate.tbs_certificate.subject),
                    outcome: "key added".into(),
                    key_owner: Some(key.owner.clone()),
                });
            }
        }
        if !contents.certificates.is_empty() {
            let added = store.add_certificates(
                &actor,
                &contents.certificates,
                CertSource::Imported,
                Some(&what),
                None,
            )?;
            report.extend(added.into_iter().map(|c| Imported {
                outcome: c.outcome().into(),
                id: c.id,
                subject: c.subject,
                key_owner: None,
            }));
        }
    } else {
        let added = store
            .import_certificates(&actor, &bytes, &what, CertSource::Imported)
            .with_context(|| format!("importing {what}"))?;
        report.extend(added.into_iter().map(|c| Imported {
            outcome: c.outcome().into(),
            id: c.id,
            subject: c.subject,
            key_owner: None,
        }));
    }
    if args.json {
        return print_stdout(&serde_json::to_string_pretty(&report)?);
    }
    for line in &report {
        print_stdout(&format!(
            "{}  {}  {}{}",
            line.outcome,
            line.id,
            line.subject,
            line.key_owner
                .as_deref()
                .map(|o| format!("  (key of {o})"))
                .unwrap_or_default()
        ))?;
    }
    Ok(())
}

//! The CA hierarchy kept in the store: `smime ca init` saves it, every later command
//! (`ca issue`, `ca chain`, `ca revoke`, `ca crl`, `ca serve`, `lifecycle run`) loads the
//! issuing CA from there instead of from files.
//!
//! Each CA key is a store key (sealed under the store's KEK like every other private key,
//! or, made in a PKCS#11 token, recorded by its token label and CKA_ID; audited when added)
//! whose owner is `ca:<label>` (`ca:root`, `ca:issuing`, ...): a name without `@`, so it
//! can never collide with a mailbox. A token CA key signs inside its token, which the
//! caller opens and passes to [`load`]. The organisation, the base URL and the
//! order of the CA labels are settings (`ca.*`); `org.domains` and `ca.approved` (the CA
//! certificates' fingerprints) are what the store's shadow-certificate query reads.

use std::sync::Arc;

use smime::crypto::{certificate_fingerprint_sha256, PrivateKey};
use smime_store::certs::CertSource;
use smime_store::kek::Kek;
use smime_store::key_store::NewKey;
use smime_store::pkcs11::Token;
use smime_store::roles::Actor;
use smime_store::Store;
use x509_cert::Certificate;

use crate::ca_keys::CaKeyMaterial;
use crate::hierarchy::Hierarchy;
use crate::issue::IssuingCa;
use crate::organization::Organization;
use crate::urls::CaUrls;
use crate::{Error, Result};

/// Setting: the CA labels, root first, issuing CA last, comma separated.
const LABELS: &str = "ca.labels";
/// Setting: the organisation's name.
const ORG_NAME: &str = "ca.org.name";
/// Setting: the organisation identifier (BR 7.1.4.2.2(d)), when known.
const ORG_IDENTIFIER: &str = "ca.org.identifier";
/// Setting: the organisation's country, when known.
const ORG_COUNTRY: &str = "ca.org.country";
/// Setting: the base URL of the CRL, OCSP and caIssuers locations.
const BASE_URL: &str = "ca.base_url";
/// Setting read by the store's shadow query: the organisation's domains.
const ORG_DOMAINS: &str = "org.domains";
/// Setting read by the store's shadow query: fingerprints of approved CA certificates.
const APPROVED: &str = "ca.approved";

/// The issuing CA loaded from the store, with what issuance needs.
pub struct StoredCa {
    /// The issuing CA's label (`issuing`).
    pub label: String,
    /// The issuing CA's certificate.
    pub certificate: Certificate,
    /// Its private key, unsealed for this process (or signing inside its token).
    pub key: PrivateKey,
    /// The CA certificates from the issuing CA up to the root.
    pub chain: Vec<Certificate>,
    /// The organisation the CA issues for.
    pub organization: Organization,
    /// Where the CA publishes CRLs, OCSP and its certificates.
    pub urls: CaUrls,
}

impl std::fmt::Debug for StoredCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "StoredCa({}, {})",
            self.label,
            smime::crypto::describe_name(&self.certificate.tbs_certificate.subject)
        )
    }
}

impl StoredCa {
    /// The issuing CA as [`crate::issue::issue`] takes it.
    pub fn issuing_ca(&self) -> IssuingCa<'_> {
        IssuingCa {
            certificate: &self.certificate,
            key: &self.key,
            label: &self.label,
            urls: &self.urls,
            organization: &self.organization,
        }
    }
}

fn owner_of(label: &str) -> String {
    format!("ca:{label}")
}

/// Whether the store already holds a CA.
pub fn has_ca(store: &Store) -> Result<bool> {
    Ok(store.setting(LABELS)?.is_some_and(|v| !v.is_empty()))
}

/// Keep `hierarchy` in the store: every CA key sealed under `kek`, or recorded as a token
/// key when it was made in a token (owner `ca:<label>`, its chain above it), the
/// organisation and URLs as settings, the CA certificates approved.
/// Refused when the store already has a CA (a second root would orphan what the first
/// issued).
pub fn save(store: &Store, actor: &Actor, kek: &Kek, hierarchy: &Hierarchy) -> Result<()> {
    if has_ca(store)? {
        return Err(Error::Refused {
            what: format!("the store at {}", store.location()),
            reason: "already has a CA (smime ca chain shows it); a second one is not made".into(),
        });
    }
    let levels: Vec<_> = std::iter::once(&hierarchy.root)
        .chain(hierarchy.intermediates.iter())
        .collect();
    for (i, ca) in levels.iter().enumerate() {
        // The chain above this CA, nearest first.
        let chain = levels[..i]
            .iter()
            .rev()
            .map(|c| c.certificate.clone())
            .collect();
        let owner = owner_of(&ca.label);
        // Marked as ours first (source `issued`): the inventory tells our CAs by it.
        store.add_certificates(
            actor,
            std::slice::from_ref(&ca.certificate),
            CertSource::Issued,
            Some("smime ca init"),
            None,
        )?;
        let new = NewKey {
            owner: Some(&owner),
            certificate: ca.certificate.clone(),
            chain,
            source_detail: Some("smime ca init"),
        };
        match &ca.key.material {
            CaKeyMaterial::Pkcs8(pkcs8) => store.add_key(actor, kek, pkcs8, new)?,
            CaKeyMaterial::Token { token, id } => store.add_token_key(actor, token, id, new)?,
        };
    }
    let org = &hierarchy.options.organization;
    let approved: Vec<String> = levels
        .iter()
        .map(|c| certificate_fingerprint_sha256(&c.certificate))
        .collect();
    let labels: Vec<&str> = levels.iter().map(|c| c.label.as_str()).collect();
    store.set_setting(actor, ORG_NAME, &org.name)?;
    if let Some(id) = &org.identifier {
        store.set_setting(actor, ORG_IDENTIFIER, id)?;
    }
    if let Some(country) = &org.country {
        store.set_setting(actor, ORG_COUNTRY, country)?;
    }
    store.set_setting(actor, ORG_DOMAINS, &org.domains.join(","))?;
    store.set_setting(actor, BASE_URL, hierarchy.options.urls.base())?;
    store.set_setting(actor, APPROVED, &approved.join(","))?;
    // Written last: a store with labels has a whole CA.
    store.set_setting(actor, LABELS, &labels.join(","))?;
    Ok(())
}

/// The CA certificates in the store, issuing CA first, root last (what `smime ca chain`
/// writes and what a relying party needs above a leaf).
pub fn chain(store: &Store, actor: &Actor) -> Result<Vec<Certificate>> {
    let labels = labels(store)?;
    let mut out = Vec::new();
    for label in labels.iter().rev() {
        out.push(ca_key(store, actor, label)?.certificate);
    }
    Ok(out)
}

/// Load the issuing CA, its key unsealed with `kek`, or, when it is in a PKCS#11 token,
/// found in the token of that label among `tokens` (it signs there).
pub fn load(store: &Store, actor: &Actor, kek: &Kek, tokens: &[Arc<Token>]) -> Result<StoredCa> {
    let labels = labels(store)?;
    let label = labels.last().cloned().unwrap_or_default();
    let stored = ca_key(store, actor, &label)?;
    let key = stored
        .private_key(kek, tokens)
        .map_err(|e| Error::Refused {
            what: format!("CA key {label}"),
            reason: e.to_string(),
        })?;
    let mut chain = vec![stored.certificate.clone()];
    chain.extend(stored.chain.iter().cloned());
    let setting = |name: &str| store.setting(name);
    let domains: Vec<String> = setting(ORG_DOMAINS)?
        .unwrap_or_default()
        .split(',')
        .filter(|d| !d.is_empty())
        .map(str::to_string)
        .collect();
    let mut organization = Organization::new(&setting(ORG_NAME)?.unwrap_or_default(), &domains)?;
    if let Some(id) = setting(ORG_IDENTIFIER)? {
        organization = organization.with_identifier(&id)?;
    }
    if let Some(country) = setting(ORG_COUNTRY)? {
        organization = organization.with_country(&country)?;
    }
    let urls = match setting(BASE_URL)? {
        Some(base) => CaUrls::new(&base),
        None => CaUrls::default_for(domains.first().map_or("invalid", String::as_str)),
    };
    Ok(StoredCa {
        label,
        certificate: stored.certificate,
        key,
        chain,
        organization,
        urls,
    })
}

fn labels(store: &Store) -> Result<Vec<String>> {
    let labels: Vec<String> = store
        .setting(LABELS)?
        .unwrap_or_default()
        .split(',')
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    if labels.is_empty() {
        return Err(Error::Refused {
            what: format!("the store at {}", store.location()),
            reason: "has no CA: make one with `smime ca init --name ORG --domain DOMAIN`".into(),
        });
    }
    Ok(labels)
}

/// The newest key row of CA `label`.
fn ca_key(store: &Store, actor: &Actor, label: &str) -> Result<smime_store::keys::StoredKey> {
    let owner = owner_of(label);
    store
        .key_ring(actor, Some(&owner))?
        .history(&owner)
        .last()
        .map(|k| (*k).clone())
        .ok_or_else(|| Error::Refused {
            what: format!("CA {label}"),
            reason: format!("no key in the store at {}", store.location()),
        })
}

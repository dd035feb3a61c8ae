//! Reading the store: `list`, `show` and `audit`. The JSON forms are stable: one object
//! per certificate (fingerprint, names, serial, addresses, validity in RFC 3339, usage
//! flags, origin, revocation, whether the store holds its key), per key, per audit entry.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use anyhow::{bail, Result};
use serde::Serialize;
use smime_pkix::mail::Purpose;
use smime_pkix::mail_validation::rfc3339;
use smime_store::certs::{normalize_address, normalize_domain, CertificateRecord};
use smime_store::keys::{KeyMaterial, StoredKey};
use smime_store::roles::{Actor, Operation};
use smime_store::Store;

use crate::args::{StoreAuditArgs, StoreFlags, StoreListArgs, StoreShowArgs};
use crate::files::print_stdout;
use crate::store;

/// Unix seconds as RFC 3339.
fn time(unix: i64) -> String {
    let t = u64::try_from(unix)
        .ok()
        .and_then(|s| SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(s)))
        .unwrap_or(SystemTime::UNIX_EPOCH);
    rfc3339(t)
}

/// A certificate as `list --json` and `show --json` print it.
#[derive(Serialize)]
struct CertificateJson {
    id: String,
    subject: String,
    issuer: String,
    serial: String,
    addresses: Vec<String>,
    not_before: String,
    not_after: String,
    is_ca: bool,
    can_sign: bool,
    can_encrypt: bool,
    source: &'static str,
    source_detail: Option<String>,
    added_at: String,
    revoked_at: Option<String>,
    revocation_reason: Option<String>,
    profile: Option<String>,
    ski: Option<String>,
    has_key: bool,
}

impl CertificateJson {
    fn new(r: &CertificateRecord, keys: &HashSet<String>) -> CertificateJson {
        CertificateJson {
            id: r.id.clone(),
            subject: r.subject.clone(),
            issuer: r.issuer.clone(),
            serial: r.serial.clone(),
            addresses: r.addresses.clone(),
            not_before: time(r.not_before),
            not_after: time(r.not_after),
            is_ca: r.is_ca,
            can_sign: r.can_sign,
            can_encrypt: r.can_encrypt,
            source: r.source.name(),
            source_detail: r.source_detail.clone(),
            added_at: time(r.added_at),
            revoked_at: r.revoked_at.map(time),
            revocation_reason: r.revocation_reason.clone(),
            profile: r.profile.clone(),
            ski: r.ski.clone(),
            has_key: keys.contains(&r.id),
        }
    }

    /// One line of the text listing.
    fn line(&self) -> String {
        let mut flags = Vec::new();
        if self.is_ca {
            flags.push("ca");
        }
        if self.can_sign {
            flags.push("sign");
        }
        if self.can_encrypt {
            flags.push("encrypt");
        }
        if self.has_key {
            flags.push("key");
        }
        if self.revoked_at.is_some() {
            flags.push("REVOKED");
        }
        format!(
            "{}  {}  {:<22}  {}  [{}]",
            self.id.get(..16).unwrap_or(&self.id),
            self.not_after,
            self.addresses.join(","),
            self.subject,
            flags.join(" ")
        )
    }
}

/// A stored key as `show` prints it (never its material).
#[derive(Serialize)]
struct KeyJson {
    id: String,
    owner: String,
    subject: String,
    not_after: String,
    can_sign: bool,
    can_decrypt: bool,
    retired: bool,
    location: &'static str,
}

impl KeyJson {
    fn new(k: &StoredKey) -> KeyJson {
        KeyJson {
            id: k.id.clone(),
            owner: k.owner.clone(),
            subject: smime::crypto::describe_name(&k.certificate.tbs_certificate.subject),
            not_after: rfc3339(
                k.certificate
                    .tbs_certificate
                    .validity
                    .not_after
                    .to_system_time(),
            ),
            can_sign: k.can_sign,
            can_decrypt: k.can_decrypt,
            retired: k.retired,
            location: match k.material {
                KeyMaterial::Sealed(_) => "sealed",
                KeyMaterial::Token { .. } => "token",
            },
        }
    }
}

/// The ids of the certificates whose key the store holds (empty when the actor may not
/// see those keys: the listing then only lacks the `key` flag). The role is asked first so
/// that a listing does not leave a `denied` row in the audit log.
fn key_ids(store: &Store, actor: &Actor, owner: Option<&str>) -> HashSet<String> {
    if !actor.may(Operation::ReadInventory, owner) {
        return HashSet::new();
    }
    store
        .key_ring(actor, owner)
        .map(|ring| ring.keys().iter().map(|k| k.id.clone()).collect())
        .unwrap_or_default()
}

/// `smime store list`: the narrowest query the filters allow, then every other filter.
pub fn list(args: &StoreListArgs, flags: &StoreFlags) -> Result<()> {
    let store = store::open(flags)?;
    let actor = store::actor(&store, flags)?;
    let now = store::unix_now();
    let email = match &args.email {
        Some(e) => Some(
            normalize_address(e)
                .map(|(address, _)| address)
                .ok_or_else(|| anyhow::anyhow!("--email {e}: not an email address"))?,
        ),
        None => None,
    };
    let domain = args.domain.as_deref().map(normalize_domain);
    let mut records = if args.shadow {
        store.shadow_certificates(&actor)?
    } else if args.revoked {
        store.revoked_certificates(&actor)?
    } else if let Some(days) = args.expiring {
        store.expiring_certificates(&actor, days, now)?
    } else if let Some(domain) = &domain {
        store.certificates_by_domain(&actor, domain)?
    } else if let Some(issuer) = &args.issuer {
        store.certificates_by_issuer(&actor, issuer)?
    } else {
        store.all_certificates(&actor)?
    };
    records.retain(|r| {
        email.as_ref().is_none_or(|e| r.addresses.contains(e))
            && domain.as_ref().is_none_or(|d| {
                r.addresses
                    .iter()
                    .any(|a| a.rsplit_once('@').is_some_and(|(_, ad)| ad == d))
            })
            && args.issuer.as_ref().is_none_or(|i| &r.issuer == i)
            && (!args.revoked || r.revoked_at.is_some())
            && args.expiring.is_none_or(|days| {
                r.not_after >= now && r.not_after <= now.saturating_add(i64::from(days) * 86_400)
            })
    });
    let keys = key_ids(&store, &actor, None);
    let rows: Vec<CertificateJson> = records
        .iter()
        .map(|r| CertificateJson::new(r, &keys))
        .collect();
    if args.json {
        return print_stdout(&serde_json::to_string_pretty(&rows)?);
    }
    for row in &rows {
        print_stdout(&row.line())?;
    }
    eprintln!("smime: {} certificates", rows.len());
    Ok(())
}

/// What `show ADDR --json` prints.
#[derive(Serialize)]
struct AddressJson {
    address: String,
    certificates: Vec<CertificateJson>,
    keys: Vec<KeyJson>,
}

/// `smime store show ID|ADDR`.
pub fn show(args: &StoreShowArgs, flags: &StoreFlags) -> Result<()> {
    let store = store::open(flags)?;
    let actor = store::actor(&store, flags)?;
    let target = args.target.trim();
    if target.contains('@') {
        let (address, _) = normalize_address(target)
            .ok_or_else(|| anyhow::anyhow!("{target}: not an email address"))?;
        let ring = store.key_ring(&actor, Some(&address))?;
        // Every certificate of the address for those who may read the inventory; a user
        // (its own address only) sees those valid now.
        let mut certificates = if actor.may(Operation::ReadInventory, None) {
            store.all_certificates(&actor)?
        } else {
            store.certificates_for_address(&address, Purpose::Any, store::unix_now())?
        };
        certificates.retain(|r| r.addresses.contains(&address));
        let keys = ring.history(&address);
        if certificates.is_empty() && keys.is_empty() {
            bail!(
                "{address}: no certificate or key in the store at {}",
                store.location()
            );
        }
        let ids: HashSet<String> = keys.iter().map(|k| k.id.clone()).collect();
        let shown = AddressJson {
            address: address.clone(),
            certificates: certificates
                .iter()
                .map(|r| CertificateJson::new(r, &ids))
                .collect(),
            keys: keys.iter().map(|k| KeyJson::new(k)).collect(),
        };
        if args.json {
            return print_stdout(&serde_json::to_string_pretty(&shown)?);
        }
        print_stdout(&format!("{address}\ncertificates:"))?;
        for c in &shown.certificates {
            print_stdout(&format!("  {}", c.line()))?;
        }
        print_stdout("keys (oldest first):")?;
        for k in &shown.keys {
            print_stdout(&format!(
                "  {}  {}  until {}  {}{}{}",
                k.id.get(..16).unwrap_or(&k.id),
                k.location,
                k.not_after,
                if k.can_sign { "sign " } else { "" },
                if k.can_decrypt { "decrypt " } else { "" },
                if k.retired {
                    "(retired from signing)"
                } else {
                    ""
                }
            ))?;
        }
        return Ok(());
    }
    let id = target.to_ascii_lowercase();
    if id.len() < 8 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("{target}: give an address or a certificate fingerprint (at least 8 hex digits)");
    }
    let record = match store.certificate(&id)? {
        Some(r) => r,
        None => {
            let mut matches = store.all_certificates(&actor)?;
            matches.retain(|r| r.id.starts_with(&id));
            match matches.len() {
                1 => matches.remove(0),
                0 => bail!(
                    "{target}: no such certificate in the store at {}",
                    store.location()
                ),
                n => bail!("{target}: {n} certificates start with it; give more digits"),
            }
        }
    };
    let owner = record.addresses.first().map(String::as_str);
    let shown = CertificateJson::new(&record, &key_ids(&store, &actor, owner));
    if args.json {
        return print_stdout(&serde_json::to_string_pretty(&shown)?);
    }
    let text = [
        format!("id:          {}", shown.id),
        format!("subject:     {}", shown.subject),
        format!("issuer:      {}", shown.issuer),
        format!("serial:      {}", shown.serial),
        format!("addresses:   {}", shown.addresses.join(", ")),
        format!("valid:       {} to {}", shown.not_before, shown.not_after),
        format!(
            "usage:       {}{}{}",
            if shown.is_ca { "ca " } else { "" },
            if shown.can_sign { "sign " } else { "" },
            if shown.can_encrypt { "encrypt" } else { "" }
        ),
        format!(
            "source:      {}{}",
            shown.source,
            shown
                .source_detail
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        ),
        format!("added:       {}", shown.added_at),
        format!(
            "revoked:     {}",
            shown
                .revoked_at
                .as_deref()
                .map(|at| format!(
                    "{at} ({})",
                    shown.revocation_reason.as_deref().unwrap_or("no reason")
                ))
                .unwrap_or_else(|| "no".into())
        ),
        format!("key stored:  {}", if shown.has_key { "yes" } else { "no" }),
    ];
    print_stdout(&text.join("\n"))
}

/// An audit entry as `audit --json` prints it.
#[derive(Serialize)]
struct AuditJson {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    object: String,
    outcome: String,
    detail: Option<String>,
    hash: String,
}

/// What `audit --verify --json` prints.
#[derive(Serialize)]
struct VerificationJson {
    intact: bool,
    entries: u64,
    head: String,
    broken_at: Option<i64>,
    problem: Option<String>,
}

/// `smime store audit`: the entries, or with `--verify` the chain check (`Ok(false)`,
/// exit code 1, when it is broken).
pub fn audit(args: &StoreAuditArgs, flags: &StoreFlags) -> Result<bool> {
    let store = store::open(flags)?;
    let actor = store::actor(&store, flags)?;
    if args.verify {
        let v = store.verify_audit(&actor)?;
        let shown = VerificationJson {
            intact: v.is_intact(),
            entries: v.entries,
            head: v.head.clone(),
            broken_at: v.broken.as_ref().map(|b| b.seq),
            problem: v.broken.as_ref().map(|b| b.problem.to_string()),
        };
        if args.json {
            print_stdout(&serde_json::to_string_pretty(&shown)?)?;
        } else if let Some(broken) = &v.broken {
            eprintln!(
                "smime: the audit log of {} is BROKEN after {} good entries: {broken}",
                store.location(),
                v.entries
            );
        } else {
            eprintln!(
                "smime: the audit log of {} is intact: {} entries, head {}",
                store.location(),
                v.entries,
                v.head
            );
        }
        return Ok(shown.intact);
    }
    let entries: Vec<AuditJson> = store
        .audit_log(&actor, args.after, args.limit)?
        .into_iter()
        .map(|e| AuditJson {
            seq: e.seq,
            at: time(e.at),
            actor: e.actor,
            action: e.action,
            object: e.object,
            outcome: e.outcome,
            detail: e.detail,
            hash: e.hash,
        })
        .collect();
    if args.json {
        print_stdout(&serde_json::to_string_pretty(&entries)?)?;
    } else {
        for e in &entries {
            print_stdout(&format!(
                "{:>6}  {}  {}  {}  {}  {}{}",
                e.seq,
                e.at,
                e.actor,
                e.action,
                e.object,
                e.outcome,
                e.detail
                    .as_deref()
                    .map(|d| format!("  ({d})"))
                    .unwrap_or_default()
            ))?;
        }
    }
    Ok(true)
}

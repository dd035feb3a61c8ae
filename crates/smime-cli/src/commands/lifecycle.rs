//! `smime lifecycle run` (renewal and expiry notices; what cron or a systemd timer calls)
//! and `smime lifecycle report` (the inventory), on the store.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use smime_ca::issue::IssuingCa;
use smime_ca::lifecycle::notify::SmtpConfig;
use smime_ca::lifecycle::renewal::{run as renew, NoticeDelivery};
use smime_ca::lifecycle::renewal_ca::{organization_of, CaReissue};
use smime_ca::lifecycle::store_backend::{inventory, inventory_policy, Issuer, StoreRenewal};
use smime_ca::urls::CaUrls;
use smime_store::roles::Actor;
use smime_store::Store;

use crate::args::{LifecycleReportArgs, LifecycleRunArgs, StoreFlags};
use crate::commands::verify::parse_time;

/// Unix seconds of `--at`, else now.
fn clock(at: Option<&str>) -> Result<i64> {
    let time = match at {
        Some(at) => parse_time(at)?,
        None => SystemTime::now(),
    };
    let seconds = time
        .duration_since(UNIX_EPOCH)
        .context("--at: before 1970")?
        .as_secs();
    i64::try_from(seconds).context("--at: too far in the future")
}

/// Open the store (the global store flags) and look up the acting principal.
fn open(flags: &StoreFlags) -> Result<(Store, Actor)> {
    let store = crate::store::open(flags)?;
    let actor = crate::store::actor(&store, flags)?;
    Ok((store, actor))
}

/// `smime lifecycle report`.
pub fn report(args: &LifecycleReportArgs, flags: &StoreFlags) -> Result<bool> {
    let args = &args.common;
    let now = clock(args.at.as_deref())?;
    let (store, actor) = open(flags)?;
    let report = inventory(&store, &actor, args.window, now)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_text());
    }
    Ok(true)
}

/// `smime lifecycle run`: exit 0 when every due certificate was renewed and the notices,
/// if any, went where configured; 1 when a renewal or the notice mail failed.
pub fn run(args: &LifecycleRunArgs, flags: &StoreFlags) -> Result<bool> {
    let common = &args.common;
    let now = clock(common.at.as_deref())?;
    let smtp = match (&args.notify_smtp, &args.notify_to) {
        (Some(server), Some(to)) => Some(SmtpConfig::new(server, &args.notify_from, to)),
        _ => None,
    };
    let (store, actor) = open(flags)?;
    let stored = store.all_certificates(&actor)?;
    let policy = inventory_policy(&store, &actor, &stored, common.window)?;
    // Our CA from files (`--ca-cert`, `--ca-key`), else the one `smime ca init` keeps in
    // the store; without either every due certificate is reported as a failed renewal and
    // the expiry notices still go out. With a CA the store's keys are unlocked, once (a
    // token logs in once): they seal the renewed keys and hold the store's CA key.
    let files = args.ca_cert.as_ref().zip(args.ca_key.as_ref());
    let keys = if files.is_some() || smime_ca::ca_store::has_ca(&store)? {
        Some(crate::store::unlock(&store, flags)?)
    } else {
        None
    };
    let ca = match (files, &keys) {
        (Some((cert, key)), _) => {
            let certificate = crate::load::certificate(cert)?;
            let key = crate::load::private_key(key)?;
            let organization = organization_of(&certificate, &policy.domains)?;
            let urls = match &args.base_url {
                Some(base) => CaUrls::new(base),
                None => CaUrls::default_for(
                    organization
                        .domains
                        .first()
                        .map_or("invalid", String::as_str),
                ),
            };
            let mut chain = vec![certificate.clone()];
            chain.extend(crate::load::certificates(&args.ca_chain)?);
            Some((certificate, key, organization, urls, chain))
        }
        (None, Some(keys)) => {
            let ca = smime_ca::ca_store::load(&store, &actor, &keys.kek, &keys.tokens)?;
            Some((ca.certificate, ca.key, ca.organization, ca.urls, ca.chain))
        }
        (None, None) => None,
    };
    let reissue = ca
        .as_ref()
        .map(|(certificate, key, organization, urls, chain)| CaReissue {
            ca: IssuingCa {
                certificate,
                key,
                label: "issuing",
                urls,
                organization,
            },
            chain: chain.clone(),
            window_days: common.window,
        });
    let backend = StoreRenewal {
        store: &store,
        actor: &actor,
        issuer: reissue
            .as_ref()
            .zip(keys.as_ref())
            .map(|(reissue, keys)| Issuer {
                reissue,
                kek: &keys.kek,
            }),
        holder: format!(
            "{}:{}:{}",
            std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".into()),
            std::process::id(),
            clock(None)?
        ),
        lock_wait: Duration::from_secs(args.lock_wait),
    };
    let summary = renew(&backend, &policy, now, smtp.as_ref())?;
    if common.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print!("{}", summary.to_text());
    }
    let failed = summary.skipped.iter().any(|s| s.failed)
        || matches!(summary.notices, NoticeDelivery::Failed { .. });
    Ok(!failed)
}

//! `smime ca revoke | crl | serve`: revocation of what the organisation CA issued, kept in
//! the store (smime_ca::store_revocation), published as CRLs (RFC 5280 5) and over OCSP
//! (RFC 6960) by smime_ca::serve. The issuing CA is the one `smime ca init` keeps in the
//! store, or given as files (`--ca-cert`, `--ca-key`).

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::{anyhow, Context, Result};
use smime::crypto::PrivateKey;
use smime_ca::ca_store;
use smime_ca::crl_issuer::CrlIssuer;
use smime_ca::crl_publisher::CrlPublisher;
use smime_ca::ocsp_responder::OcspResponder;
use smime_ca::refresher::spawn_refresher;
use smime_ca::responder::{
    issue_responder, ResponderRotation, RESPONDER_RENEW_DAYS, RESPONDER_VALIDITY_DAYS,
};
use smime_ca::revocation_status::{parse_reason, reason_name, Serial};
use smime_ca::serve::{ServeConfig, ServeState, Server};
use smime_ca::store_revocation::{revoke, revoke_address, StoreRevocationSource};
use smime_store::roles::Actor;
use smime_store::Store;
use x509_cert::Certificate;

use crate::args::{CaCommand, CaCrlArgs, CaFiles, CaRevokeArgs, CaServeArgs, StoreFlags};
use crate::files::Output;
use crate::load;

/// Runs one `smime ca` revocation command.
pub fn run(command: &CaCommand, flags: &StoreFlags) -> Result<()> {
    match command {
        CaCommand::Revoke(a) => revoke_command(a, flags),
        CaCommand::Crl(a) => crl_command(a, flags),
        CaCommand::Serve(a) => serve_command(a, flags),
        CaCommand::Init(_) | CaCommand::Chain(_) | CaCommand::Issue(_) => {
            super::ca::run(command, flags)
        }
    }
}

/// The issuing CA's certificate, and its key when `need_key`: from the files given, else
/// from the store (`smime ca init`), the key unsealed with the store's KEK.
fn issuing_ca(
    cert: Option<&Path>,
    key: Option<&Path>,
    need_key: bool,
    store: &Store,
    actor: &Actor,
    flags: &StoreFlags,
) -> Result<(Certificate, Option<PrivateKey>)> {
    match (cert, key) {
        (Some(cert), key) => {
            let key = match (key, need_key) {
                (Some(k), true) => Some(load::private_key(k)?),
                (None, true) => return Err(anyhow!("--ca-cert needs --ca-key here")),
                (_, false) => None,
            };
            Ok((load::certificate(cert)?, key))
        }
        (None, Some(_)) => Err(anyhow!("--ca-key needs --ca-cert")),
        (None, None) if need_key => {
            let keys = crate::store::unlock(store, flags)?;
            let ca = ca_store::load(store, actor, &keys.kek, &keys.tokens)?;
            Ok((ca.certificate, Some(ca.key)))
        }
        (None, None) => {
            let chain = ca_store::chain(store, actor)?;
            let first = chain
                .into_iter()
                .next()
                .ok_or_else(|| anyhow!("the store's CA has no certificate"))?;
            Ok((first, None))
        }
    }
}

/// The issuing CA with its key, for the commands that sign (CRLs, OCSP responders).
fn signing_ca(
    files: &CaFiles,
    key: Option<&Path>,
    store: &Store,
    actor: &Actor,
    flags: &StoreFlags,
) -> Result<(Certificate, PrivateKey)> {
    match issuing_ca(files.ca_cert.as_deref(), key, true, store, actor, flags)? {
        (ca, Some(key)) => Ok((ca, key)),
        (ca, None) => Err(anyhow!("no key for the CA {}", ca.tbs_certificate.subject)),
    }
}

fn revoke_command(args: &CaRevokeArgs, flags: &StoreFlags) -> Result<()> {
    let reason = parse_reason(&args.reason)?;
    let store = crate::store::open(flags)?;
    let actor = crate::store::actor(&store, flags)?;
    let (ca, ca_key) = issuing_ca(
        args.ca.ca_cert.as_deref(),
        args.ca_key.as_deref(),
        args.crl_out.is_some(),
        &store,
        &actor,
        flags,
    )?;
    let now = SystemTime::now();
    let done = match (
        args.serial.as_ref().or(args.serial_arg.as_ref()),
        &args.email,
    ) {
        (Some(serial), _) => vec![revoke(
            &store,
            &actor,
            &ca,
            &Serial::from_hex(serial)?,
            reason,
            now,
        )?],
        (None, Some(address)) => {
            let done = revoke_address(&store, &actor, &ca, address, reason, now)?;
            if done.is_empty() {
                return Err(anyhow!(
                    "{address}: no valid certificate issued by {} in the store at {}",
                    ca.tbs_certificate.subject,
                    store.location()
                ));
            }
            done
        }
        (None, None) => return Err(anyhow!("give --serial or --email")),
    };
    for r in &done {
        let what = if r.newly_revoked {
            "revoked"
        } else {
            "already revoked, unchanged"
        };
        eprintln!(
            "{what}: serial {} ({}), {}",
            r.entry.serial,
            r.subject,
            reason_name(r.entry.reason)
        );
    }
    if let (Some(key), Some(out)) = (ca_key, &args.crl_out) {
        write_crl(Arc::new(store), actor, &ca, key, out)?;
    }
    Ok(())
}

fn crl_command(args: &CaCrlArgs, flags: &StoreFlags) -> Result<()> {
    let store = crate::store::open(flags)?;
    let actor = crate::store::actor(&store, flags)?;
    let (ca, key) = signing_ca(&args.ca, args.ca_key.as_deref(), &store, &actor, flags)?;
    write_crl(Arc::new(store), actor, &ca, key, &args.out)
}

/// Issues the CA's CRL from the store's revocations and writes it to `out` (DER).
fn write_crl(
    store: Arc<Store>,
    actor: Actor,
    ca: &Certificate,
    key: PrivateKey,
    out: &Path,
) -> Result<()> {
    let source = Arc::new(StoreRevocationSource::new(store, actor, ca));
    let issuer = CrlIssuer::new(ca.clone(), Arc::new(key))?;
    let (number, der) = CrlPublisher::new(issuer, source).publish(SystemTime::now())?;
    let mut output = Output::create(Some(out))?;
    output
        .write_all(&der)
        .with_context(|| format!("writing the CRL to {}", out.display()))?;
    output.commit()?;
    eprintln!("CRL number {number} written to {}", out.display());
    Ok(())
}

fn serve_command(args: &CaServeArgs, flags: &StoreFlags) -> Result<()> {
    let store = Arc::new(crate::store::open(flags)?);
    let actor = crate::store::actor(&store, flags)?;
    let (ca, ca_key) = signing_ca(&args.ca, args.ca_key.as_deref(), &store, &actor, flags)?;
    let ca_key = Arc::new(ca_key);
    let source = Arc::new(StoreRevocationSource::new(store.clone(), actor, &ca));
    let mut responder = OcspResponder::new();
    // The delegated responder given, else one the CA issues now for a fresh key that
    // lives only in this process (RFC 6960 4.2.2.2) and renews while the server runs.
    let mut tasks = Vec::new();
    let (responder_cert, responder_key) = match (&args.responder_cert, &args.responder_key) {
        (Some(c), Some(k)) => (load::certificate(c)?, Arc::new(load::private_key(k)?)),
        _ => {
            let (cert, key) = issue_responder(&ca, &ca_key, crate::store::unix_now())?;
            eprintln!(
                "OCSP responses are signed by a responder certificate issued now (serial {}, valid {RESPONDER_VALIDITY_DAYS} days, renewed {RESPONDER_RENEW_DAYS} days before it ends)",
                Serial::from_serial_number(&cert.tbs_certificate.serial_number).to_hex()
            );
            (cert, Arc::new(key.key))
        }
    };
    responder.add_issuer(&ca, responder_cert, responder_key, source.clone())?;
    let issuer = CrlIssuer::new(ca.clone(), ca_key.clone())?;
    let publisher = Arc::new(CrlPublisher::new(issuer, source));
    let (_, crl) = publisher.publish(SystemTime::now())?;
    let mut state = ServeState::new(responder);
    let id = state.add_ca(&ca, crl)?;
    let state = Arc::new(state);
    let config = ServeConfig {
        path_prefix: args.path_prefix.clone(),
        ..ServeConfig::default()
    };
    let server = Server::bind(args.listen.as_str(), state.clone(), config)
        .with_context(|| format!("listening on {}", args.listen))?;
    tasks.push(publisher.serve_task(state.clone()));
    if args.responder_cert.is_none() {
        tasks.push(ResponderRotation::new(ca.clone(), ca_key).serve_task(state));
    }
    let _refresher = spawn_refresher(
        tasks,
        Duration::from_secs(args.refresh.max(1)),
        |done| eprintln!("smime: {done}"),
        |e| eprintln!("smime: refresh failed (what is served stays as it was): {e}"),
    )
    .context("starting the refresher")?;
    eprintln!(
        "serving {} on http://{}{}: /crl/{id}.crl /certs/{id}.crt /ocsp",
        ca.tbs_certificate.subject,
        server.local_addr()?,
        args.path_prefix
    );
    server.run()?;
    Ok(())
}

//! `smime ca init | chain | issue`: the organisation CA kept in the store
//! (smime_ca::ca_store), certificates issued under the CA/Browser Forum S/MIME profiles
//! (smime_ca::issue) with keys the CA makes and seals in the store under the address.
//! Revocation and publication (`revoke`, `crl`, `serve`) are in `ca_revocation`.

use std::io::Write;
use std::sync::Arc;

use anyhow::Result;
use smime_ca::ca_keys::{make_subscriber_token_key, CaKeyMaterial, TokenKeys};
use smime_ca::ca_store;
use smime_ca::csr::verify_request;
use smime_ca::delivery::pkcs12;
use smime_ca::hierarchy::{create, create_with, CaOptions};
use smime_ca::issue::{issue_set, CertificateRequest, IssuedCertificate, IssuingCa, SubjectKey};
use smime_ca::keygen::KeyAlgorithm;
use smime_ca::organization::Organization;
use smime_ca::profile::{Profile, Usage};
use smime_ca::revocation_status::Serial;
use smime_ca::subject::Subscriber;
use smime_ca::urls::CaUrls;
use smime_store::certs::CertSource;
use smime_store::key_store::NewKey;
use smime_store::pkcs11::Token;

use crate::args::{CaChainArgs, CaCommand, CaInitArgs, CaIssueArgs, StoreFlags};
use crate::files::Output;

/// Runs one `smime ca` command.
pub fn run(command: &CaCommand, flags: &StoreFlags) -> Result<()> {
    match command {
        CaCommand::Init(a) => init(a, flags),
        CaCommand::Chain(a) => chain(a, flags),
        CaCommand::Issue(a) => issue_command(a, flags),
        other => super::ca_revocation::run(other, flags),
    }
}

fn init(args: &CaInitArgs, flags: &StoreFlags) -> Result<()> {
    let store = crate::store::open(flags)?;
    let actor = crate::store::actor(&store, flags)?;
    let keys = crate::store::unlock(&store, flags)?;
    let mut organization = Organization::new(&args.name, &args.domains)?;
    if let Some(id) = &args.org_id {
        organization = organization.with_identifier(id)?;
    }
    if let Some(country) = &args.country {
        organization = organization.with_country(country)?;
    }
    let mut options = CaOptions::new(organization);
    options.key_algorithm = KeyAlgorithm::from_name(&args.key_algorithm)?;
    options.levels = args.levels;
    options.name_constraints = args.name_constraints;
    if let Some(base) = &args.base_url {
        options.urls = CaUrls::new(base);
    }
    if ca_store::has_ca(&store)? {
        anyhow::bail!(
            "the store at {} already has a CA (smime ca chain shows it); a second one is not made",
            store.location()
        );
    }
    let now = crate::store::unix_now();
    let hierarchy = if args.keys_in_token {
        // The token holding the store's KEK, else the one the flags name.
        let token = crate::store::token_for_new_keys(flags, &keys.tokens, "--keys-in-token")?;
        create_with(options, now, &mut TokenKeys::new(token))?
    } else {
        create(options, now)?
    };
    ca_store::save(&store, &actor, &keys.kek, &hierarchy)?;
    for ca in std::iter::once(&hierarchy.root).chain(&hierarchy.intermediates) {
        let kept = match &ca.key.material {
            CaKeyMaterial::Pkcs8(_) => "key sealed in the store".to_string(),
            CaKeyMaterial::Token { token, .. } => {
                format!("key in PKCS#11 token {:?}", token.label())
            }
        };
        eprintln!(
            "made CA {}: {} (SHA-256 {}, {kept})",
            ca.label,
            smime::crypto::describe_name(&ca.certificate.tbs_certificate.subject),
            smime::crypto::certificate_fingerprint_sha256(&ca.certificate)
        );
    }
    eprintln!(
        "CRL, OCSP and CA certificates are to be served under {} (smime ca serve)",
        hierarchy.options.urls.base()
    );
    Ok(())
}

fn chain(args: &CaChainArgs, flags: &StoreFlags) -> Result<()> {
    let store = crate::store::open(flags)?;
    let actor = crate::store::actor(&store, flags)?;
    let certificates = ca_store::chain(&store, &actor)?;
    write_pem(&certificates, args.out.as_deref())
}

fn write_pem(certificates: &[x509_cert::Certificate], out: Option<&std::path::Path>) -> Result<()> {
    let mut output = Output::create(out)?;
    for certificate in certificates {
        output.write_all(smime::crypto::certificate_to_pem(certificate).as_bytes())?;
    }
    output.commit()
}

/// Where the PKCS#12 of one certificate goes: `out` itself, or with `-<usage>` before its
/// extension when a pair is issued.
fn p12_path(out: &std::path::Path, usage: &str, pair: bool) -> std::path::PathBuf {
    if !pair {
        return out.to_path_buf();
    }
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = out
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    out.with_file_name(format!("{stem}-{usage}{ext}"))
}

fn issue_command(args: &CaIssueArgs, flags: &StoreFlags) -> Result<()> {
    if args.key_in_token {
        for (given, flag) in [
            (args.csr.is_some(), "--csr"),
            (args.out_p12.is_some(), "--out-p12"),
        ] {
            if given {
                anyhow::bail!(
                    "--key-in-token cannot be used with {flag}: the key is made in the token \
                     and never leaves it"
                );
            }
        }
    }
    let store = crate::store::open(flags)?;
    let actor = crate::store::actor(&store, flags)?;
    let keys = crate::store::unlock(&store, flags)?;
    let kek = &keys.kek;
    let ca = ca_store::load(&store, &actor, kek, &keys.tokens)?;
    let profile = Profile::from_name(&args.profile)?;
    let usages = match &args.usage {
        Some(u) => vec![Usage::from_name(u)?],
        None => Vec::new(),
    };
    let subscriber = match &args.name {
        Some(name) => Subscriber::person(&args.email, name),
        None => Subscriber::mailbox(&args.email),
    };
    let mut request = CertificateRequest::new(subscriber, profile, Usage::Sign);
    request.validity_days = args.validity_days;
    if let Some(alg) = &args.key_algorithm {
        request.key = SubjectKey::Generate(KeyAlgorithm::from_name(alg)?);
    }
    if let Some(csr) = &args.csr {
        let bytes = crate::files::read_file(csr)?;
        let verified = verify_request(&bytes, &format!("CSR {}", csr.display()))?;
        request.key = SubjectKey::Public(verified.public_key);
        if usages.is_empty() {
            anyhow::bail!(
                "--csr certifies one key: give --usage sign, encrypt or both (a person's \
                 sign/encrypt pair needs two keys, two requests)"
            );
        }
    }
    let password = match &args.password_file {
        Some(p) => Some(crate::store::secret(
            p,
            &format!("password file {}", p.display()),
        )?),
        None => None,
    };
    let now = crate::store::unix_now();
    let issued = if args.key_in_token {
        issue_in_token(
            args,
            flags,
            &keys.tokens,
            &ca.issuing_ca(),
            request,
            &usages,
            now,
        )?
    } else {
        issue_set(&ca.issuing_ca(), &request, &usages, now)?
            .into_iter()
            .map(|cert| (cert, None))
            .collect()
    };
    let mut report = Vec::new();
    let pair = issued.len() > 1;
    for (cert, token_key) in &issued {
        let profile = cert.profile.to_string();
        store.add_certificates(
            &actor,
            std::slice::from_ref(&cert.certificate),
            CertSource::Issued,
            Some("smime ca issue"),
            Some(&profile),
        )?;
        let id = smime::crypto::certificate_fingerprint_sha256(&cert.certificate);
        let new_key = || NewKey {
            owner: Some(&args.email),
            certificate: cert.certificate.clone(),
            chain: ca.chain.clone(),
            source_detail: Some("smime ca issue"),
        };
        // A CA-made key is kept in the store under the address, a token key is recorded as
        // one; a CSR's key stays with the requester.
        let kept = match (&cert.key, token_key) {
            (Some(key), _) => {
                store.add_key(&actor, kek, &key.pkcs8, new_key())?;
                ", key kept in the store".to_string()
            }
            (None, Some((token, key_id))) => {
                store.add_token_key(&actor, token, key_id, new_key())?;
                format!(", key in PKCS#11 token {:?}", token.label())
            }
            (None, None) => String::new(),
        };
        if let Some(out) = &args.out_p12 {
            let file = p12_path(out, cert.usage.name(), pair);
            let (p12, generated) = pkcs12(
                cert,
                &ca.chain,
                &args.email,
                password.as_deref().map(|p| p.as_str()),
            )?;
            let mut output = Output::create(Some(&file))?;
            output.write_all(&p12)?;
            output.commit()?;
            eprintln!(
                "PKCS#12 for the {} key written to {}",
                cert.usage.name(),
                file.display()
            );
            if let Some(generated) = generated {
                // Shown once, never stored.
                eprintln!("its password (shown once): {}", generated.as_str());
            }
        }
        let serial =
            Serial::from_serial_number(&cert.certificate.tbs_certificate.serial_number).to_hex();
        eprintln!(
            "issued {} certificate for {} ({}, serial {serial}, SHA-256 {id}){kept}",
            cert.usage.name(),
            args.email,
            cert.profile,
        );
        report.push(serde_json::json!({
            "email": args.email,
            "usage": cert.usage.name(),
            "profile": cert.profile.to_string(),
            "serial": serial,
            "sha256": id,
            "not_after": cert.certificate.tbs_certificate.validity.not_after.to_unix_duration().as_secs(),
        }));
    }
    if let Some(out) = &args.out {
        let certificates: Vec<_> = issued.iter().map(|(c, _)| c.certificate.clone()).collect();
        write_pem(&certificates, Some(out))?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(())
}

/// An issued certificate with the token and CKA_ID of its key when the key was made there.
type Issued = (IssuedCertificate, Option<(Arc<Token>, Vec<u8>)>);

/// `--key-in-token`: each certificate's key pair is made in the token the flags name
/// ([`make_subscriber_token_key`]) and its public key certified as a CSR's would be
/// ([`SubjectKey::Public`]); each certificate comes back with the token and CKA_ID of its key.
fn issue_in_token(
    args: &CaIssueArgs,
    flags: &StoreFlags,
    tokens: &[Arc<Token>],
    ca: &IssuingCa<'_>,
    mut request: CertificateRequest,
    usages: &[Usage],
    now: i64,
) -> Result<Vec<Issued>> {
    let token = &crate::store::token_for_new_keys(flags, tokens, "--key-in-token")?;
    let algorithm = match request.key {
        SubjectKey::Generate(algorithm) => algorithm,
        SubjectKey::Public(_) => KeyAlgorithm::default(),
    };
    let usages = if usages.is_empty() {
        &[Usage::Sign, Usage::Encrypt][..]
    } else {
        usages
    };
    let mut issued = Vec::new();
    for usage in usages {
        let key = make_subscriber_token_key(token, &args.email, *usage, algorithm)?;
        request.key = SubjectKey::Public(key.public_key);
        for cert in issue_set(ca, &request, &[*usage], now)? {
            issued.push((cert, Some((Arc::clone(token), key.id.clone()))));
        }
    }
    Ok(issued)
}

//! The revocation checker (CRLs, OCSP) of `--crl`, `--revocation`, `--ocsp-url` and
//! `--offline`, shared by `cert verify` and `verify`.

use std::sync::Arc;

use anyhow::Result;
use smime_pkix::crl::Crl;
use smime_pkix::fetch::http::HttpFetcher;
use smime_pkix::fetch::Offline;
use smime_pkix::options::RevocationMode;
use smime_pkix::revocation::RevocationChecker;

use crate::args::{RevocationArg, RevocationArgs};
use crate::files::read_file;

/// The default mode of commands that check revocation only when asked (`verify`,
/// `encrypt --trust`): `asked` (soft-fail for `verify`, hard-fail for `encrypt`, where an
/// unknown status must not send mail to a possibly compromised key) when CRLs or an OCSP
/// responder are given, else off.
pub fn when_asked(args: &RevocationArgs, asked: RevocationMode) -> RevocationMode {
    if args.crl.is_empty() && args.ocsp_url.is_none() {
        RevocationMode::Off
    } else {
        asked
    }
}

/// The mode (`default` unless `--revocation` is given) and the checker; no checker when
/// the mode is off. Without `--offline`, CRLs and OCSP responses are fetched over HTTP.
pub fn checker(
    args: &RevocationArgs,
    default: RevocationMode,
) -> Result<(RevocationMode, Option<Arc<RevocationChecker>>)> {
    let mode = match args.revocation {
        Some(RevocationArg::Hard) => RevocationMode::HardFail,
        Some(RevocationArg::Soft) => RevocationMode::SoftFail,
        Some(RevocationArg::Off) => RevocationMode::Off,
        None => default,
    };
    if mode == RevocationMode::Off {
        return Ok((mode, None));
    }
    let mut crls = Vec::new();
    for path in &args.crl {
        crls.extend(Crl::load(&read_file(path)?, &path.display().to_string())?);
    }
    let checker = if args.offline {
        RevocationChecker::new(Offline)
    } else {
        RevocationChecker::new(HttpFetcher::new())
    }
    .with_crls(crls);
    let checker = match &args.ocsp_url {
        Some(url) => checker.with_ocsp_responder(url, Vec::new()),
        None => checker,
    };
    Ok((mode, Some(Arc::new(checker))))
}

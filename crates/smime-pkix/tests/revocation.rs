//! Revocation checking end to end against real servers on loopback: a CA made with
//! `openssl ca` in a temporary directory (a good leaf, a revoked leaf, a delegated OCSP
//! responder), `openssl ocsp -port` as the responder, and a small HTTP server in the test
//! serving the CRL the leaves name in cRLDistributionPoints. Requests go through
//! `fetch::http::HttpFetcher`.
//!
//! A missing `openssl` skips these tests, and fails them under SMIME_TEST_REQUIRE_PEERS=1
//! (CI), as in crates/smime-cli/tests/common.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use const_oid::db::rfc5280::{
    ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_CRL_NUMBER, ID_CE_CRL_REASONS, ID_CE_DELTA_CRL_INDICATOR,
};

use smime_pkix::crl::{Crl, IssuerSignsCrls};
use smime_pkix::fetch::http::HttpFetcher;
use smime_pkix::fetch::{FetchKind, Fetcher, Offline};
use smime_pkix::options::{RevocationMode, ValidationOptions};
use smime_pkix::revocation::RevocationChecker;
use smime_pkix::x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use smime_pkix::x509_cert::der::asn1::{BitString, OctetString, Uint};
use smime_pkix::x509_cert::der::Encode;
use smime_pkix::x509_cert::ext::pkix::CrlReason;
use smime_pkix::x509_cert::ext::Extension;
use smime_pkix::x509_cert::time::Time;
use smime_pkix::x509_cert::{Certificate, Version};
use smime_pkix::{validate, CryptoPolicy, RevocationStatus, Rule, ValidationReport};

/// A port nobody listens on (bound, read, released).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a loopback port")
        .port()
}

/// Serves the files of a directory over HTTP/1.0 GET on loopback and counts requests.
struct FileServer {
    port: u16,
    hits: Arc<AtomicUsize>,
}

impl FileServer {
    fn start(dir: &Path) -> FileServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the CRL server");
        let port = listener.local_addr().expect("local address").port();
        let hits = Arc::new(AtomicUsize::new(0));
        let (dir, counter) = (dir.to_path_buf(), hits.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                counter.fetch_add(1, Ordering::SeqCst);
                serve(stream, &dir);
            }
        });
        FileServer { port, hits }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

fn serve(mut stream: TcpStream, dir: &Path) {
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&request);
    let path = text.split_whitespace().nth(1).unwrap_or("/");
    let file = dir.join(path.trim_start_matches('/'));
    let reply = match std::fs::read(&file) {
        Ok(body) => {
            let mut r = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/pkix-crl\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .into_bytes();
            r.extend_from_slice(&body);
            r
        }
        Err(_) => {
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec()
        }
    };
    let _ = stream.write_all(&reply);
}

/// `openssl ocsp -port` and its URL.
struct Responder {
    _process: common::OpensslResponder,
    url: String,
}

/// A CA made with `openssl ca`: root (signs certificates and CRLs), `good` and `revoked`
/// leaves naming the CRL server and the OCSP port, `ocsp` (delegated responder: issued by
/// the root, id-kp-OCSPSigning) and `rogue` (an OCSP signer of another CA).
struct Pki {
    base: common::Pki,
    crl_server: FileServer,
    ocsp_port: u16,
}

/// Key generation options: P-256 keys are quick to make.
const EC: &str = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";

const CA_CONFIG: &str = "\
[ca]
default_ca = ca_default
[ca_default]
dir = .
database = index.txt
new_certs_dir = .
certificate = root.pem
private_key = root.key
serial = serial
crlnumber = crlnumber
default_md = sha256
default_days = 30
default_crl_days = 1
policy = policy_any
unique_subject = no
crl_extensions = crl_ext
[policy_any]
commonName = supplied
[crl_ext]
authorityKeyIdentifier = keyid:always
[leaf_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
crlDistributionPoints = URI:http://127.0.0.1:CRL_PORT/ca.crl
authorityInfoAccess = OCSP;URI:http://127.0.0.1:OCSP_PORT/
[delta_leaf_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
crlDistributionPoints = URI:http://127.0.0.1:CRL_PORT/ca.crl
freshestCRL = URI:http://127.0.0.1:CRL_PORT/delta.crl
[ocsp_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
";

impl Pki {
    /// The CA with `revoked` revoked for keyCompromise and `ca.crl` (nextUpdate in a day)
    /// served at the leaves' distribution point; `None` when openssl is missing.
    fn new() -> Option<Pki> {
        if !common::require_openssl() {
            return None;
        }
        // The root of common::Pki (root.pem, root.key) signs the certificates and CRLs.
        let base = common::Pki::new();
        let crl_server = FileServer::start(base.dir());
        let pki = Pki {
            base,
            crl_server,
            ocsp_port: free_port(),
        };
        let config = CA_CONFIG
            .replace("CRL_PORT", &pki.crl_server.port.to_string())
            .replace("OCSP_PORT", &pki.ocsp_port.to_string());
        pki.base.write("openssl-ca.cnf", config.as_bytes());
        pki.base.write("index.txt", b"");
        pki.base.write("serial", b"1000\n");
        pki.base.write("crlnumber", b"01\n");
        for (name, ext) in [
            ("good", "leaf_ext"),
            ("revoked", "leaf_ext"),
            ("ocsp", "ocsp_ext"),
        ] {
            pki.run(&format!(
                "req -new {EC} -keyout {name}.key -out {name}.csr -subj /CN={name}"
            ));
            pki.run(&format!(
                "ca -batch -config openssl-ca.cnf -extensions {ext} -notext -in {name}.csr -out {name}.pem"
            ));
        }
        pki.run("ca -batch -config openssl-ca.cnf -revoke revoked.pem -crl_reason keyCompromise");
        pki.run("ca -batch -config openssl-ca.cnf -gencrl -out ca.pem.crl");
        pki.run("crl -in ca.pem.crl -outform DER -out ca.crl");
        // Issued by the root outside `openssl ca`: not in index.txt, so the responder does
        // not know it.
        pki.run(&format!(
            "req -new {EC} -keyout unlisted.key -out unlisted.csr -subj /CN=unlisted"
        ));
        pki.run(
            "x509 -req -in unlisted.csr -CA root.pem -CAkey root.key -days 30 \
             -extfile openssl-ca.cnf -extensions leaf_ext -out unlisted.pem",
        );
        // An OCSP signer the root never certified, named like the delegated responder.
        pki.run(&format!(
            "req -x509 {EC} -keyout rogue.key -out rogue.pem -subj /CN=ocsp -days 60 \
             -addext extendedKeyUsage=OCSPSigning"
        ));
        Some(pki)
    }

    /// Runs `openssl` with the whitespace-separated `args` in the CA directory.
    fn run(&self, args: &str) {
        self.base
            .openssl(&args.split_whitespace().collect::<Vec<_>>());
    }

    fn cert(&self, name: &str) -> Certificate {
        self.base.cert(name)
    }

    fn crl(&self) -> Crl {
        Crl::from_der(&self.base.read("ca.crl"), "ca.crl").expect("parse CRL")
    }

    /// Starts `openssl ocsp` signing with `signer` (`ocsp`, `root` or `rogue`) on `port`
    /// and waits until it says it is listening. (A probe connection would not do: the
    /// single-threaded responder then hangs on the empty connection.)
    fn responder(&self, signer: &str, port: u16) -> Responder {
        self.responder_with(signer, port, "")
    }

    /// [`Pki::responder`] with more `openssl ocsp` options (`-nmin 1`: nextUpdate in a
    /// minute).
    fn responder_with(&self, signer: &str, port: u16, options: &str) -> Responder {
        let args = format!(
            "ocsp -index index.txt -CA root.pem -port {port} -rsigner {signer}.pem \
             -rkey {signer}.key -ignore_err {options}"
        );
        Responder {
            _process: common::OpensslResponder::start(self.base.dir(), &args),
            url: format!("http://127.0.0.1:{port}/"),
        }
    }

    /// The delegated responder on the port the leaves' authorityInfoAccess names.
    fn aia_responder(&self) -> Responder {
        self.responder("ocsp", self.ocsp_port)
    }

    /// The status of leaf `leaf` (`good` or `revoked`) at `time`.
    fn check(&self, checker: &RevocationChecker, leaf: &str, time: SystemTime) -> RevocationStatus {
        checker.status(
            &self.cert(leaf),
            &self.cert("root"),
            time,
            &CryptoPolicy::strict(),
            &IssuerSignsCrls,
        )
    }
}

fn now() -> SystemTime {
    SystemTime::now()
}

/// Panics unless `status` is good.
fn expect_good(status: RevocationStatus) {
    assert_eq!(status, RevocationStatus::Good);
}

/// Panics unless `status` is revoked for keyCompromise (what the CA revoked `revoked` for).
fn expect_key_compromise(status: RevocationStatus) {
    assert!(
        matches!(&status, RevocationStatus::Revoked { detail } if detail.starts_with("keyCompromise since ")),
        "expected revoked for keyCompromise, got {status:?}"
    );
}

/// Panics unless `status` is unknown for a reason that mentions `why`.
fn expect_unknown(status: &RevocationStatus, why: &str) {
    assert!(
        matches!(status, RevocationStatus::Unknown { detail } if detail.contains(why)),
        "expected unknown because of {why:?}, got {status:?}"
    );
}

/// Validates leaf `leaf` up to the root with `checker` under `mode` at `time`.
fn validate_leaf(
    pki: &Pki,
    checker: &RevocationChecker,
    leaf: &str,
    mode: RevocationMode,
    time: SystemTime,
) -> ValidationReport {
    let mut options = ValidationOptions::at(time);
    options.revocation = mode;
    validate(
        &pki.cert(leaf),
        &[],
        &[pki.cert("root")],
        &options,
        Some(checker),
    )
}

/// Panics unless the report fails on the leaf for `rule`.
fn expect_failure(report: &ValidationReport, rule: Rule) {
    let failure = report.failure.as_ref().expect("the path is not valid");
    assert_eq!((failure.rule, failure.index), (rule, 0), "{failure}");
}

/// Only OCSP: no CRL is given and none is fetched.
fn ocsp_only(fetcher: impl Fetcher + Send + Sync + 'static) -> RevocationChecker {
    RevocationChecker::new(fetcher).fetch_crls(false)
}

/// Only the OCSP responder at `url`, whose responses `signers` may also sign.
fn configured_only(url: &str, signers: Vec<Certificate>) -> RevocationChecker {
    ocsp_only(HttpFetcher::new())
        .use_aia_ocsp(false)
        .with_ocsp_responder(url, signers)
}

#[test]
fn ocsp_good_leaf_from_aia_is_good() {
    let Some(pki) = Pki::new() else { return };
    let _responder = pki.aia_responder();
    expect_good(pki.check(&ocsp_only(HttpFetcher::new()), "good", now()));
}

#[test]
fn ocsp_revoked_leaf_from_aia_is_revoked_with_reason() {
    let Some(pki) = Pki::new() else { return };
    let _responder = pki.aia_responder();
    let checker = ocsp_only(HttpFetcher::new());
    let status = pki.check(&checker, "revoked", now());
    assert!(
        matches!(&status, RevocationStatus::Revoked { detail } if detail.contains(&format!("OCSP http://127.0.0.1:{}/", pki.ocsp_port))),
        "{status:?}"
    );
    expect_key_compromise(status);
    // Through the validator, revoked fails even under soft-fail.
    let report = validate_leaf(&pki, &checker, "revoked", RevocationMode::SoftFail, now());
    expect_failure(&report, Rule::Revoked);
}

#[test]
fn ocsp_configured_responder_signed_by_issuer_is_accepted() {
    let Some(pki) = Pki::new() else { return };
    let responder = pki.responder("root", free_port());
    let checker = configured_only(&responder.url, Vec::new());
    expect_good(pki.check(&checker, "good", now()));
    expect_key_compromise(pki.check(&checker, "revoked", now()));
}

#[test]
fn ocsp_responder_not_delegated_by_issuer_is_refused() {
    let Some(pki) = Pki::new() else { return };
    let responder = pki.responder("rogue", free_port());
    let checker = configured_only(&responder.url, Vec::new());
    let status = pki.check(&checker, "revoked", now());
    expect_unknown(&status, "not issued by the certificate's issuer");
    // Configured as a trusted signer, the same responder is believed (RFC 6960 4.2.2.2).
    let checker = configured_only(&responder.url, vec![pki.cert("rogue")]);
    expect_key_compromise(pki.check(&checker, "revoked", now()));
}

#[test]
fn ocsp_certificate_unknown_to_responder_is_unknown() {
    let Some(pki) = Pki::new() else { return };
    let _responder = pki.aia_responder();
    let status = pki.check(&ocsp_only(HttpFetcher::new()), "unlisted", now());
    expect_unknown(&status, "certStatus unknown");
}

#[test]
fn ocsp_response_past_next_update_is_stale() {
    let Some(pki) = Pki::new() else { return };
    let _responder = pki.responder_with("ocsp", pki.ocsp_port, "-nmin 1");
    let checker = ocsp_only(HttpFetcher::new());
    expect_good(pki.check(&checker, "good", now()));
    // nextUpdate is a minute away; ten minutes on it is past, beyond the allowed skew.
    let later = now() + Duration::from_secs(600);
    expect_unknown(&pki.check(&checker, "good", later), "stale: nextUpdate");
}

#[test]
fn ocsp_response_made_after_validation_time_is_used() {
    let Some(pki) = Pki::new() else { return };
    let _responder = pki.aia_responder();
    // Validation at a past time (a message's signing time) asks today's responder; the
    // delegated responder's certificate, younger than an hour, is checked when it signed.
    let earlier = now() - Duration::from_secs(3600);
    let checker = ocsp_only(HttpFetcher::new());
    expect_good(pki.check(&checker, "good", earlier));
    expect_key_compromise(pki.check(&checker, "revoked", earlier));
}

/// Replays the first OCSP response it received for every later OCSP request.
struct Replayer {
    inner: HttpFetcher,
    first: Mutex<Option<Vec<u8>>>,
}

impl Fetcher for Replayer {
    fn fetch(
        &self,
        kind: FetchKind,
        url: &str,
        body: Option<&[u8]>,
    ) -> smime_pkix::Result<Vec<u8>> {
        let mut first = self.first.lock().expect("lock");
        if let Some(recorded) = first.as_ref() {
            return Ok(recorded.clone());
        }
        let response = self.inner.fetch(kind, url, body)?;
        *first = Some(response.clone());
        Ok(response)
    }
}

#[test]
fn ocsp_replayed_response_with_old_nonce_is_refused() {
    let Some(pki) = Pki::new() else { return };
    let _responder = pki.aia_responder();
    let checker = ocsp_only(Replayer {
        inner: HttpFetcher::new(),
        first: Mutex::new(None),
    });
    expect_good(pki.check(&checker, "good", now()));
    expect_unknown(&pki.check(&checker, "good", now()), "nonce differs");
}

/// Changes one bit of the nonce in each OCSP response (inside the signed tbsResponseData).
struct Tamperer(HttpFetcher);

impl Fetcher for Tamperer {
    fn fetch(
        &self,
        kind: FetchKind,
        url: &str,
        body: Option<&[u8]>,
    ) -> smime_pkix::Result<Vec<u8>> {
        let mut response = self.0.fetch(kind, url, body)?;
        // The request ends with the nonce extension: its last 16 bytes are the nonce.
        let request = body.expect("an OCSP POST");
        let nonce = &request[request.len() - 16..];
        let at = response
            .windows(16)
            .position(|w| w == nonce)
            .expect("the response echoes the nonce");
        response[at] ^= 1;
        Ok(response)
    }
}

#[test]
fn ocsp_response_altered_in_transit_is_refused() {
    let Some(pki) = Pki::new() else { return };
    let _responder = pki.aia_responder();
    let status = pki.check(&ocsp_only(Tamperer(HttpFetcher::new())), "good", now());
    expect_unknown(&status, "signature does not verify");
}

#[test]
fn crl_from_distribution_point_gives_status_and_is_cached() {
    let Some(pki) = Pki::new() else { return };
    let checker = RevocationChecker::new(HttpFetcher::new()).use_aia_ocsp(false);
    expect_good(pki.check(&checker, "good", now()));
    expect_key_compromise(pki.check(&checker, "revoked", now()));
    assert_eq!(
        pki.crl_server.hits(),
        1,
        "the second check uses the cached CRL"
    );
}

#[test]
fn crl_given_offline_gives_status_without_requests() {
    let Some(pki) = Pki::new() else { return };
    let checker = RevocationChecker::new(Offline).with_crls([pki.crl()]);
    expect_key_compromise(pki.check(&checker, "revoked", now()));
    expect_good(pki.check(&checker, "good", now()));
    // At a time before the CRL was issued (a signing time) the newer CRL is used, and its
    // entries count whatever their date (signingTime is the signer's claim).
    let earlier = now() - Duration::from_secs(3600);
    expect_key_compromise(pki.check(&checker, "revoked", earlier));
    expect_good(pki.check(&checker, "good", earlier));
    assert_eq!(pki.crl_server.hits(), 0);
}

#[test]
fn crl_load_reads_pem_bundles_and_der_alike() {
    let Some(pki) = Pki::new() else { return };
    let pem = pki.base.read("ca.pem.crl");
    let mut bundle = pki.base.read("root.pem");
    bundle.extend_from_slice(&pem);
    bundle.extend_from_slice(&pem);
    // Certificates in the bundle are skipped; each CRL is named by its place.
    let crls = Crl::load(&bundle, "bundle.pem").expect("two CRLs");
    assert_eq!(crls.len(), 2);
    assert_eq!(crls[1].source(), "bundle.pem, CRL 2");
    let der = Crl::load(&pki.base.read("ca.crl"), "ca.crl").expect("one CRL");
    assert_eq!(der.len(), 1);
    assert_eq!(crls[0].list(), der[0].list());
    let err = Crl::load(&pki.base.read("root.pem"), "root.pem").expect_err("no CRL");
    assert!(err.to_string().contains("root.pem"), "{err}");
}

/// A delta CRL (RFC 5280 5.2.4) for `ca.crl` listing `revoked` for keyCompromise: openssl
/// makes no delta CRLs, so it is built here and signed with `openssl dgst` by the root.
fn delta_crl(pki: &Pki, revoked: &Certificate) -> Vec<u8> {
    let complete = pki.crl().list().tbs_cert_list.clone();
    let now = Time::try_from(SystemTime::now()).expect("time");
    let tomorrow =
        Time::try_from(SystemTime::now() + Duration::from_secs(24 * 3600)).expect("time");
    let extension = |oid, critical, value: Vec<u8>| Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value).expect("extension value"),
    };
    let number = |n: u8| Uint::new(&[n]).expect("number");
    let authority_key = complete
        .crl_extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == ID_CE_AUTHORITY_KEY_IDENTIFIER)
        .expect("openssl puts authorityKeyIdentifier in ca.crl")
        .clone();
    let reason = CrlReason::KeyCompromise.to_der().expect("reason");
    let tbs = TbsCertList {
        version: Version::V2,
        signature: complete.signature.clone(),
        issuer: complete.issuer.clone(),
        this_update: now,
        next_update: Some(tomorrow),
        revoked_certificates: Some(vec![RevokedCert {
            serial_number: revoked.tbs_certificate.serial_number.clone(),
            revocation_date: now,
            crl_entry_extensions: Some(vec![extension(ID_CE_CRL_REASONS, false, reason)]),
        }]),
        crl_extensions: Some(vec![
            authority_key,
            extension(ID_CE_CRL_NUMBER, false, number(2).to_der().expect("der")),
            // BaseCRLNumber 1: ca.crl is CRL number 1 (crlnumber file).
            extension(
                ID_CE_DELTA_CRL_INDICATOR,
                true,
                number(1).to_der().expect("der"),
            ),
        ]),
    };
    pki.base
        .write("delta.tbs", &tbs.to_der().expect("tbsCertList"));
    pki.run("dgst -sha256 -sign root.key -out delta.sig delta.tbs");
    let list = CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: complete.signature,
        signature: BitString::from_bytes(&pki.base.read("delta.sig")).expect("signature"),
    };
    list.to_der().expect("CRL")
}

#[test]
fn crl_delta_named_by_freshest_crl_is_fetched_and_applied() {
    let Some(pki) = Pki::new() else { return };
    pki.run(&format!(
        "req -new {EC} -keyout delta.key -out delta.csr -subj /CN=delta"
    ));
    pki.run(
        "ca -batch -config openssl-ca.cnf -extensions delta_leaf_ext -notext \
         -in delta.csr -out delta.pem",
    );
    let checker = RevocationChecker::new(HttpFetcher::new()).use_aia_ocsp(false);
    // No delta CRL published yet: its fetch fails and the complete CRL decides.
    expect_good(pki.check(&checker, "delta", now()));
    pki.base
        .write("delta.crl", &delta_crl(&pki, &pki.cert("delta")));
    let status = pki.check(&checker, "delta", now());
    expect_key_compromise(status.clone());
    assert!(
        matches!(&status, RevocationStatus::Revoked { detail } if detail.ends_with("/delta.crl")),
        "{status:?}"
    );
}

#[test]
fn crl_stale_is_unknown_hard_fail_fails_soft_fail_warns() {
    let Some(pki) = Pki::new() else { return };
    // ca.crl's nextUpdate is a day after it was made: two days on, it is stale.
    let later = now() + Duration::from_secs(2 * 24 * 3600);
    let checker = RevocationChecker::new(HttpFetcher::new())
        .use_aia_ocsp(false)
        .with_crls([pki.crl()]);
    expect_unknown(&pki.check(&checker, "revoked", later), "stale");
    let report = validate_leaf(&pki, &checker, "revoked", RevocationMode::HardFail, later);
    expect_failure(&report, Rule::RevocationUnknown);
    let report = validate_leaf(&pki, &checker, "revoked", RevocationMode::SoftFail, later);
    assert!(report.is_valid(), "{:?}", report.failure);
    assert!(
        report.warnings.iter().any(|w| w.contains("stale")),
        "{:?}",
        report.warnings
    );
    // The fetched copy is just as stale: fetched at each check (never cached), not believed.
    assert_eq!(pki.crl_server.hits(), 3);
}

#[test]
fn unreachable_responder_is_unknown_and_each_mode_decides() {
    let Some(pki) = Pki::new() else { return };
    // Nothing listens on the AIA port (no responder started) nor on the configured one.
    let closed = format!("http://127.0.0.1:{}/", free_port());
    let checker = ocsp_only(HttpFetcher::with_limits(Duration::from_secs(5), 1 << 20))
        .with_ocsp_responder(&closed, Vec::new());
    expect_unknown(&pki.check(&checker, "good", now()), &closed);
    let report = validate_leaf(&pki, &checker, "good", RevocationMode::HardFail, now());
    expect_failure(&report, Rule::RevocationUnknown);
    let report = validate_leaf(&pki, &checker, "good", RevocationMode::SoftFail, now());
    assert!(report.is_valid(), "{:?}", report.failure);
    assert!(
        report.warnings.iter().any(|w| w.contains(&closed)),
        "{:?}",
        report.warnings
    );
    // Off: not asked at all (the checker above would have said unknown).
    let report = validate_leaf(&pki, &checker, "good", RevocationMode::Off, now());
    assert!(
        report.is_valid() && report.warnings.is_empty(),
        "{report:?}"
    );
}

#[test]
fn offline_makes_no_request() {
    let Some(pki) = Pki::new() else { return };
    let _responder = pki.aia_responder();
    let status = pki.check(&RevocationChecker::new(Offline), "revoked", now());
    expect_unknown(&status, "offline");
    assert_eq!(pki.crl_server.hits(), 0, "no CRL fetched");
    // The same check over HTTP does reach the CRL server (the counter works).
    let online = RevocationChecker::new(HttpFetcher::new()).use_aia_ocsp(false);
    expect_key_compromise(pki.check(&online, "revoked", now()));
    assert_eq!(pki.crl_server.hits(), 1);
}

#[test]
fn http_fetch_response_over_size_cap_is_refused() {
    let Some(pki) = Pki::new() else { return };
    let url = format!("http://127.0.0.1:{}/ca.crl", pki.crl_server.port);
    let small = HttpFetcher::with_limits(Duration::from_secs(5), 16);
    let err = small
        .fetch(FetchKind::Crl, &url, None)
        .expect_err("over the cap");
    assert!(err.to_string().contains(&url), "{err}");
    let body = HttpFetcher::new()
        .fetch(FetchKind::Crl, &url, None)
        .expect("fetch");
    assert_eq!(body, pki.base.read("ca.crl"));
}

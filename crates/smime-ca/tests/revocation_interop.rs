//! Revocation end to end: a root and an issuing CA made with the `openssl` command-line
//! tool in a temporary directory, a delegated OCSP responder certificate (id-kp-OCSPSigning,
//! id-pkix-ocsp-nocheck) and leaves naming our server in cRLDistributionPoints and AIA; one
//! leaf revoked. Our CRL is read by `openssl crl`, our OCSP responder behind `serve` by
//! `openssl ocsp` and by smime-pkix's revocation checker (CRL and OCSP over HTTP), and bad
//! requests get malformedRequest, 413 and so on while the server keeps serving.
//!
//! A missing `openssl` skips these tests, and fails them under SMIME_TEST_REQUIRE_PEERS=1.

mod openssl_ca;

use openssl_ca::{issuing_ca_with_responder, key, leaf, ocsp_responder, pki};

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine;
use der::asn1::OctetString;
use der::{Decode, Encode};
use smime_ca::crl_issuer::CrlIssuer;
use smime_ca::revocation_status::{RevocationList, RevocationSource, RevokedEntry, Serial};
use smime_ca::serve::{ServeConfig, ServeState, Server, ServerHandle};
use smime_pkix::crl::{Crl, IssuerSignsCrls};
use smime_pkix::fetch::http::HttpFetcher;
use smime_pkix::fetch::{FetchKind, Fetcher};
use smime_pkix::revocation::RevocationChecker;
use smime_pkix::{CryptoPolicy, RevocationStatus};
use x509_cert::ext::pkix::CrlReason;
use x509_cert::ext::Extension;
use x509_cert::Certificate;
use x509_ocsp::{
    BasicOcspResponse, CertStatus, OcspRequest, OcspResponse, OcspResponseStatus, TbsRequest,
    Version,
};

/// The CA setup and our server publishing it.
struct Setup {
    pki: pki::Pki,
    ca: Certificate,
    list: Arc<RevocationList>,
    issuer: CrlIssuer,
    state: Arc<ServeState>,
    id: String,
    server: ServerHandle,
    crl_number: u64,
}

impl Setup {
    /// Root -> issuing CA -> responder, `good` and `revoked` leaves; `revoked` is revoked
    /// for keyCompromise and the CRL regenerated, as a revocation does.
    fn new() -> Option<Setup> {
        if !pki::require_openssl() {
            return None;
        }
        let pki = pki::Pki::new();
        let ca = issuing_ca_with_responder(&pki);
        let ca_key = Arc::new(key(&pki, "ca"));
        let list = Arc::new(RevocationList::new());
        let responder = ocsp_responder(&pki, &ca, list.clone());
        let issuer = CrlIssuer::new(ca.clone(), ca_key).expect("CRL issuer");
        let first_crl = issuer.issue(&[], 1, SystemTime::now()).expect("first CRL");
        let mut state = ServeState::new(responder);
        let id = state.add_ca(&ca, first_crl).expect("publish the CA");
        let state = Arc::new(state);
        let server = Server::bind("127.0.0.1:0", state.clone(), ServeConfig::default())
            .expect("bind")
            .spawn()
            .expect("spawn the server");
        let base = format!("http://{}", server.local_addr());
        for name in ["good", "revoked"] {
            let cert = leaf(
                &pki,
                name,
                &format!(
                    "crlDistributionPoints=URI:{base}/crl/{id}.crl\n\
                     authorityInfoAccess=OCSP;URI:{base}/ocsp,caIssuers;URI:{base}/certs/{id}.crt\n"
                ),
            );
            list.add_issued(Serial::from_serial_number(
                &cert.tbs_certificate.serial_number,
            ));
        }
        let mut setup = Setup {
            pki,
            ca,
            list,
            issuer,
            state,
            id,
            server,
            crl_number: 1,
        };
        setup.revoke("revoked", CrlReason::KeyCompromise);
        Some(setup)
    }

    /// Revokes leaf `name` now and publishes a new CRL.
    fn revoke(&mut self, name: &str, reason: CrlReason) {
        let serial = Serial::from_serial_number(&self.pki.cert(name).tbs_certificate.serial_number);
        self.list.revoke(RevokedEntry {
            serial,
            revoked_at: SystemTime::now(),
            reason,
        });
        self.crl_number += 1;
        let crl = self
            .issuer
            .issue(
                &self.list.revoked().expect("revoked list"),
                self.crl_number,
                SystemTime::now(),
            )
            .expect("issue the CRL");
        self.pki.write("ca.crl", &crl);
        assert!(self.state.set_crl(&self.id, crl));
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.server.local_addr())
    }

    /// `openssl ocsp` asking our server about leaf `name`.
    fn openssl_ocsp(&self, name: &str, extra: &[&str]) -> Output {
        let url = self.url("/ocsp");
        let cert = format!("{name}.pem");
        // Options first: a digest option must come before -cert.
        let mut args = vec!["ocsp"];
        args.extend_from_slice(extra);
        args.extend([
            "-issuer", "ca.pem", "-cert", &cert, "-url", &url, "-CAfile", "root.pem",
        ]);
        Command::new("openssl")
            .args(&args)
            .current_dir(self.pki.dir())
            .output()
            .expect("run openssl ocsp")
    }

    fn status(&self, checker: &RevocationChecker, name: &str) -> RevocationStatus {
        checker.status(
            &self.pki.cert(name),
            &self.ca,
            SystemTime::now(),
            &CryptoPolicy::default(),
            &IssuerSignsCrls,
        )
    }
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The serial as `openssl crl -text` prints it in `Serial Number:` lines (upper-case hex).
fn openssl_serial(cert: &Certificate) -> String {
    Serial::from_serial_number(&cert.tbs_certificate.serial_number)
        .to_hex()
        .to_uppercase()
}

#[test]
fn crl_revoked_leaf_openssl_verifies_and_lists_serial_with_reason() {
    let Some(setup) = Setup::new() else { return };
    let out = Command::new("openssl")
        .args([
            "crl", "-inform", "DER", "-in", "ca.crl", "-CAfile", "ca.pem", "-noout", "-text",
        ])
        .current_dir(setup.pki.dir())
        .output()
        .expect("run openssl crl");
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    assert!(report.contains("verify OK"), "{report}");
    assert!(report.contains("Version 2"), "{report}");
    let revoked = openssl_serial(&setup.pki.cert("revoked"));
    let entry = report
        .split("Serial Number: ")
        .skip(1)
        .find(|e| e.starts_with(&revoked))
        .unwrap_or_else(|| panic!("serial {revoked} not listed:\n{report}"));
    assert!(entry.contains("Key Compromise"), "{report}");
    assert!(
        !report.contains(&openssl_serial(&setup.pki.cert("good"))),
        "{report}"
    );
    assert!(report.contains("X509v3 CRL Number"), "{report}");
    assert!(
        report.contains("X509v3 Authority Key Identifier"),
        "{report}"
    );
    // The number moved on with the revocation (1 was the empty CRL).
    assert!(
        report.contains("CRL Number: \n                2"),
        "{report}"
    );

    // Against the wrong CA the signature does not verify.
    let out = Command::new("openssl")
        .args([
            "crl", "-inform", "DER", "-in", "ca.crl", "-CAfile", "root.pem", "-noout",
        ])
        .current_dir(setup.pki.dir())
        .output()
        .expect("run openssl crl");
    assert!(!text(&out).contains("verify OK"), "{}", text(&out));
}

#[test]
fn crl_unspecified_reason_has_no_reason_code() {
    let Some(mut setup) = Setup::new() else {
        return;
    };
    setup.revoke("good", CrlReason::Unspecified);
    let crl = Crl::from_der(&setup.pki.read("ca.crl"), "ca.crl").expect("our CRL parses");
    let serial = setup.pki.cert("good").tbs_certificate.serial_number;
    let entry = crl
        .list()
        .tbs_cert_list
        .revoked_certificates
        .iter()
        .flatten()
        .find(|e| e.serial_number == serial)
        .expect("listed");
    assert_eq!(entry.crl_entry_extensions, None);
    assert!(crl.next_update().is_some_and(|n| {
        let days = n
            .duration_since(crl.this_update())
            .unwrap_or_default()
            .as_secs()
            / 86400;
        days == 7
    }));
}

#[test]
fn ocsp_openssl_client_sees_revoked_and_good_with_nonce() {
    let Some(setup) = Setup::new() else { return };
    let out = setup.openssl_ocsp("revoked", &["-resp_text"]);
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    assert!(report.contains("Response verify OK"), "{report}");
    assert!(report.contains("revoked.pem: revoked"), "{report}");
    assert!(report.contains("Reason: keyCompromise"), "{report}");
    // openssl sends a nonce by default and warns when it is not echoed.
    assert!(report.contains("OCSP Nonce"), "{report}");
    assert!(!report.contains("WARNING"), "{report}");
    // By key: 40 hex digits (SHA-1 of the responder's key), not a name.
    let responder_id = report
        .split("Responder Id: ")
        .nth(1)
        .and_then(|r| r.lines().next())
        .unwrap_or_default();
    assert!(
        responder_id.len() == 40 && responder_id.chars().all(|c| c.is_ascii_hexdigit()),
        "{report}"
    );

    let out = setup.openssl_ocsp("good", &[]);
    let report = text(&out);
    assert!(report.contains("good.pem: good"), "{report}");
    assert!(report.contains("Response verify OK"), "{report}");
}

#[test]
fn ocsp_openssl_client_sha256_cert_id_is_answered() {
    let Some(setup) = Setup::new() else { return };
    let out = setup.openssl_ocsp("revoked", &["-sha256"]);
    let report = text(&out);
    assert!(report.contains("revoked.pem: revoked"), "{report}");
}

#[test]
fn revocation_checker_sees_revocation_through_served_ocsp_and_crl() {
    let Some(setup) = Setup::new() else { return };
    // OCSP from the AIA, no CRL.
    let ocsp = RevocationChecker::new(HttpFetcher::new()).fetch_crls(false);
    assert!(
        matches!(setup.status(&ocsp, "revoked"), RevocationStatus::Revoked { detail } if detail.starts_with("keyCompromise") && detail.contains("OCSP")),
    );
    assert_eq!(setup.status(&ocsp, "good"), RevocationStatus::Good);
    // The CRL from the distribution point, no OCSP.
    let crl = RevocationChecker::new(HttpFetcher::new()).use_aia_ocsp(false);
    let status = setup.status(&crl, "revoked");
    assert!(
        matches!(&status, RevocationStatus::Revoked { detail } if detail.starts_with("keyCompromise")),
        "{status:?}"
    );
    assert_eq!(setup.status(&crl, "good"), RevocationStatus::Good);
}

/// A request for `cert` of the issuing CA with these extensions (nonce tests).
fn request_with(setup: &Setup, cert: &str, extensions: Option<Vec<Extension>>) -> Vec<u8> {
    let query = smime_pkix::ocsp::build_request(&setup.pki.cert(cert), &setup.ca, false)
        .expect("build the request");
    let mut request = OcspRequest::from_der(query.der()).expect("our own request");
    request.tbs_request.request_extensions = extensions;
    request.to_der().expect("encode")
}

fn nonce(value: &[u8]) -> Extension {
    Extension {
        extn_id: const_oid::db::rfc6960::ID_PKIX_OCSP_NONCE,
        critical: false,
        extn_value: OctetString::new(OctetString::new(value).unwrap().to_der().unwrap()).unwrap(),
    }
}

/// POSTs `body` to /ocsp over a fresh connection and reads the OCSPResponse.
fn post_ocsp(setup: &Setup, body: &[u8]) -> OcspResponse {
    let der = HttpFetcher::new()
        .fetch(FetchKind::Ocsp, &setup.url("/ocsp"), Some(body))
        .expect("POST /ocsp");
    OcspResponse::from_der(&der).expect("an OCSPResponse")
}

fn basic_response(response: &OcspResponse) -> BasicOcspResponse {
    assert_eq!(response.response_status, OcspResponseStatus::Successful);
    let bytes = response.response_bytes.as_ref().expect("responseBytes");
    BasicOcspResponse::from_der(bytes.response.as_bytes()).expect("BasicOCSPResponse")
}

#[test]
fn ocsp_malformed_requests_get_malformed_request() {
    let Some(setup) = Setup::new() else { return };
    let empty_list = OcspRequest {
        tbs_request: TbsRequest {
            version: Version::V1,
            requestor_name: None,
            request_list: Vec::new(),
            request_extensions: None,
        },
        optional_signature: None,
    }
    .to_der()
    .unwrap();
    let mut critical = nonce(&[1; 16]);
    critical.extn_id = const_oid::db::rfc6960::ID_PKIX_OCSP_CRL;
    critical.critical = true;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("garbage", b"not DER at all".to_vec()),
        ("empty", Vec::new()),
        (
            "truncated",
            request_with(&setup, "good", None)[..20].to_vec(),
        ),
        ("no Request", empty_list),
        (
            "33-octet nonce",
            request_with(&setup, "good", Some(vec![nonce(&[7; 33])])),
        ),
        (
            "empty nonce",
            request_with(&setup, "good", Some(vec![nonce(&[])])),
        ),
        (
            "two nonces",
            request_with(&setup, "good", Some(vec![nonce(&[1]), nonce(&[2])])),
        ),
        (
            "unknown critical extension",
            request_with(&setup, "good", Some(vec![critical])),
        ),
    ];
    for (what, body) in cases {
        assert_eq!(
            post_ocsp(&setup, &body).response_status,
            OcspResponseStatus::MalformedRequest,
            "{what}"
        );
    }
    // A request for another CA's certificate: not ours to answer.
    let query =
        smime_pkix::ocsp::build_request(&setup.pki.cert("ca"), &setup.pki.cert("root"), true)
            .unwrap();
    assert_eq!(
        post_ocsp(&setup, query.der()).response_status,
        OcspResponseStatus::Unauthorized
    );
}

#[test]
fn ocsp_nonce_of_32_octets_is_echoed_and_unknown_serial_is_unknown() {
    let Some(setup) = Setup::new() else { return };
    let sent = nonce(&[0x5a; 32]);
    let response = post_ocsp(
        &setup,
        &request_with(&setup, "good", Some(vec![sent.clone()])),
    );
    let basic = basic_response(&response);
    let echoed = basic
        .tbs_response_data
        .response_extensions
        .clone()
        .expect("extensions");
    assert_eq!(echoed, vec![sent]);
    assert_eq!(basic.certs.as_ref().map(Vec::len), Some(1));

    // The responder certificate's serial was not recorded as issued: unknown, never good.
    let query =
        smime_pkix::ocsp::build_request(&setup.pki.cert("responder"), &setup.ca, false).unwrap();
    let basic = basic_response(&post_ocsp(&setup, query.der()));
    assert!(matches!(
        basic.tbs_response_data.responses[0].cert_status,
        CertStatus::Unknown(_)
    ));
}

#[test]
fn ocsp_get_with_base64_request_is_answered() {
    let Some(setup) = Setup::new() else { return };
    let query =
        smime_pkix::ocsp::build_request(&setup.pki.cert("revoked"), &setup.ca, true).unwrap();
    for encoded in [
        base64::engine::general_purpose::STANDARD
            .encode(query.der())
            .replace('/', "%2F")
            .replace('+', "%2B")
            .replace('=', "%3D"),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(query.der()),
    ] {
        let der = HttpFetcher::new()
            .fetch(
                FetchKind::Crl,
                &setup.url(&format!("/ocsp/{encoded}")),
                None,
            )
            .expect("GET /ocsp/...");
        let response = OcspResponse::from_der(&der).expect("an OCSPResponse");
        let basic = basic_response(&response);
        let single = &basic.tbs_response_data.responses[0];
        assert!(
            matches!(single.cert_status, CertStatus::Revoked(info) if info.revocation_reason == Some(CrlReason::KeyCompromise))
        );
        assert_eq!(
            single.cert_id.serial_number,
            setup.pki.cert("revoked").tbs_certificate.serial_number
        );
    }
}

/// Sends raw bytes on a fresh connection and returns what came back until the server closed
/// or went quiet.
fn raw_exchange(setup: &Setup, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(setup.server.local_addr()).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = stream.write_all(bytes);
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    String::from_utf8_lossy(&reply).into_owned()
}

#[test]
fn serve_oversized_body_gets_413_and_server_keeps_serving() {
    let Some(setup) = Setup::new() else { return };
    let mut big = format!(
        "POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\nContent-Length: {}\r\n\r\n",
        10 * 1024 * 1024
    )
    .into_bytes();
    big.extend(std::iter::repeat_n(0x30u8, 200 * 1024));
    let reply = raw_exchange(&setup, &big);
    assert!(reply.starts_with("HTTP/1.1 413 "), "{reply}");

    let huge_head = format!(
        "GET /crl/{}.crl HTTP/1.1\r\nX: {}\r\n\r\n",
        setup.id,
        "a".repeat(64 * 1024)
    );
    assert!(raw_exchange(&setup, huge_head.as_bytes()).starts_with("HTTP/1.1 431 "));
    assert!(raw_exchange(&setup, b"BREW /ocsp HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405 "));
    assert!(raw_exchange(&setup, b"GET /crl/00.crl HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404 "));
    assert!(raw_exchange(&setup, b"nonsense\r\n\r\n").starts_with("HTTP/1.1 400 "));

    // Still serving: the CRL and the certificate with their content types, two requests
    // on one keep-alive connection.
    let two = format!(
        "GET /crl/{id}.crl HTTP/1.1\r\nHost: x\r\n\r\nGET /certs/{id}.crt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        id = setup.id
    );
    let reply = raw_exchange(&setup, two.as_bytes());
    assert_eq!(reply.matches("HTTP/1.1 200 OK").count(), 2, "{reply}");
    assert!(
        reply.contains("Content-Type: application/pkix-crl"),
        "{reply}"
    );
    assert!(
        reply.contains("Content-Type: application/pkix-cert"),
        "{reply}"
    );
    let out = setup.openssl_ocsp("revoked", &[]);
    assert!(
        text(&out).contains("revoked.pem: revoked"),
        "{}",
        text(&out)
    );
}

#[test]
fn serve_ca_certificate_is_the_der_of_the_ca() {
    let Some(setup) = Setup::new() else { return };
    let der = HttpFetcher::new()
        .fetch(
            FetchKind::Certificate,
            &setup.url(&format!("/certs/{}.crt", setup.id)),
            None,
        )
        .expect("GET /certs");
    assert_eq!(der, setup.ca.to_der().unwrap());
}

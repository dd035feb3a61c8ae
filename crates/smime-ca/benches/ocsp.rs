//! OCSP responses per second on loopback (criterion reports them as elements/s):
//!
//! - `respond_in_process`: [`OcspResponder::respond`] alone (parse, lookup, P-256 ECDSA
//!   signature), no HTTP;
//! - `serve_post_keep_alive`: one client thread POSTing to `serve` over one keep-alive
//!   connection, each response read before the next request;
//! - `serve_post_new_connection`: the same, a new TCP connection per request;
//! - `openssl_responder_post_new_connection`: the same client against `openssl ocsp -port`
//!   (OpenSSL's responder, single-threaded, one request per connection) with the same CA,
//!   responder certificate and key, for comparison;
//! - `openssl_ocsp_client_process`: one whole `openssl ocsp -issuer ... -cert ... -url`
//!   client run against `serve` (process start, request, verification), the way a shell
//!   script would ask.
//!
//! The CA (P-256: root, issuing CA, delegated responder, one leaf) is made with the
//! `openssl` command in a temporary directory. Run: `cargo bench -p smime-ca --bench ocsp`.
#![allow(missing_docs)]

#[path = "../tests/openssl_ca/mod.rs"]
mod openssl_ca;

use openssl_ca::{issuing_ca_with_responder, leaf, ocsp_responder, pki};

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use smime_ca::revocation_status::{RevocationList, Serial};
use smime_ca::serve::{ServeConfig, ServeState, Server};

/// Sends one POST /ocsp on `stream` and reads the whole response; panics unless 200.
/// Returns the body and whether the server closes the connection after it.
fn post(stream: &mut TcpStream, request: &[u8], close: bool) -> (Vec<u8>, bool) {
    let head = format!(
        "POST /ocsp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/ocsp-request\r\n\
         Content-Length: {}\r\n{}\r\n",
        request.len(),
        if close { "Connection: close\r\n" } else { "" }
    );
    let mut message = head.into_bytes();
    message.extend_from_slice(request);
    stream.write_all(&message).expect("send");
    let mut reader = BufReader::new(stream);
    let mut length = 0usize;
    let mut closing = false;
    let mut status = String::new();
    reader.read_line(&mut status).expect("status line");
    assert!(
        status.starts_with("HTTP/1.") && status.contains(" 200 "),
        "{status}"
    );
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("header");
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().expect("Content-Length");
            }
            closing |= name.eq_ignore_ascii_case("connection")
                && value.trim().eq_ignore_ascii_case("close");
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).expect("body");
    (body, closing)
}

fn connect(address: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(address).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    stream
}

fn post_new_connection(address: SocketAddr, request: &[u8]) -> Vec<u8> {
    post(&mut connect(address), request, true).0
}

/// `openssl ocsp -port` answering from an index that lists the leaf.
fn openssl_responder(pki: &pki::Pki, leaf_serial: &Serial) -> (pki::OpensslResponder, SocketAddr) {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    pki.write(
        "index.txt",
        format!(
            "V\t491231235959Z\t\t{}\tunknown\t/O=Example/CN=leaf\n",
            leaf_serial.to_hex().to_uppercase()
        )
        .as_bytes(),
    );
    let responder = pki::OpensslResponder::start(
        pki.dir(),
        &format!(
            "ocsp -index index.txt -CA ca.pem -rsigner responder.pem -rkey responder.key \
             -port {port} -nmin 1440"
        ),
    );
    (responder, SocketAddr::from(([127, 0, 0, 1], port)))
}

fn bench(c: &mut Criterion) {
    let pki = pki::Pki::new();
    let ca = issuing_ca_with_responder(&pki);
    let leaf = leaf(&pki, "leaf", "");
    let serial = Serial::from_serial_number(&leaf.tbs_certificate.serial_number);
    let list = Arc::new(RevocationList::new());
    list.add_issued(serial.clone());
    let responder = ocsp_responder(&pki, &ca, list);
    // A nonce, as openssl sends by default: every response is signed afresh.
    let query = smime_pkix::ocsp::build_request(&leaf, &ca, true).expect("request");
    let request = query.der().to_vec();

    let mut group = c.benchmark_group("ocsp");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(8));

    group.bench_function("respond_in_process", |b| {
        b.iter(|| responder.respond(&request, SystemTime::now()))
    });

    let state = Arc::new(ServeState::new(responder));
    let server = Server::bind("127.0.0.1:0", state, ServeConfig::default())
        .expect("bind")
        .spawn()
        .expect("serve");
    let address = server.local_addr();

    // The server ends a keep-alive connection after ServeConfig::max_requests_per_connection
    // requests (10 000); the client then opens the next one, as HTTP clients do.
    let mut stream = connect(address);
    group.bench_function("serve_post_keep_alive", |b| {
        b.iter(|| {
            let (body, closing) = post(&mut stream, &request, false);
            if closing {
                stream = connect(address);
            }
            body
        })
    });
    drop(stream);

    group.bench_function("serve_post_new_connection", |b| {
        b.iter(|| post_new_connection(address, &request))
    });

    let (_openssl, openssl_address) = openssl_responder(&pki, &serial);
    let reply = post_new_connection(openssl_address, &request);
    assert!(!reply.is_empty(), "openssl ocsp answers");
    group.bench_function("openssl_responder_post_new_connection", |b| {
        b.iter(|| post_new_connection(openssl_address, &request))
    });

    let url = format!("http://{address}/ocsp");
    group.sample_size(20);
    group.bench_function("openssl_ocsp_client_process", |b| {
        b.iter(|| {
            let out = Command::new("openssl")
                .args([
                    "ocsp", "-issuer", "ca.pem", "-cert", "leaf.pem", "-url", &url, "-CAfile",
                    "root.pem",
                ])
                .current_dir(pki.dir())
                .output()
                .expect("openssl ocsp");
            assert!(String::from_utf8_lossy(&out.stdout).contains("leaf.pem: good"));
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! The CA's HTTP publication point: CRLs, CA certificates and the OCSP responder over plain
//! HTTP/1.1 (RFC 5280 4.2.1.13 and 4.2.2.1, RFC 6960 A.1: the objects are signed, so no
//! TLS). Paths, under the CA's base URL (`--base-url`, whose path becomes
//! [`ServeConfig::path_prefix`]); `<ca>` is the lower-case hex subjectKeyIdentifier of the CA:
//!
//! ```text
//! GET  /crl/<ca>.crl     application/pkix-crl     the CA's current CRL
//! GET  /certs/<ca>.crt   application/pkix-cert    the CA certificate
//! POST /ocsp             application/ocsp-request -> application/ocsp-response
//! GET  /ocsp/<request>   base64 (standard or URL-safe, percent-encoded or not) of the DER request
//! ```
//!
//! A small server on `std::net`: a pool of worker threads, one connection each, growing up to
//! [`ServeConfig::max_connections`] (then 503), keep-alive, read and write timeouts, request
//! heads and bodies bounded (431, 413: the server closes that connection and goes on serving
//! the others). Chunked request bodies are refused with 411: OCSP clients send a
//! Content-Length.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use base64::Engine;
use der::Encode;
use x509_cert::Certificate;

use crate::crl_issuer::key_identifier;
use crate::ocsp_responder::OcspResponder;
use crate::{Error, Result};

/// Limits and layout of the server.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The path of the base URL (`/pki` for `http://ca.example.org/pki`), `""` for none.
    pub path_prefix: String,
    /// The largest request body (an OCSP request for a few certificates is well under 1 KiB).
    pub max_body: usize,
    /// The largest request line plus headers.
    pub max_head: usize,
    /// Read and write timeout of a connection; an idle keep-alive connection is closed after
    /// it.
    pub timeout: Duration,
    /// Connections served at once; more get 503.
    pub max_connections: usize,
    /// Requests on one keep-alive connection before the server closes it.
    pub max_requests_per_connection: usize,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            path_prefix: String::new(),
            max_body: 64 * 1024,
            max_head: 16 * 1024,
            timeout: Duration::from_secs(10),
            max_connections: 64,
            max_requests_per_connection: 10_000,
        }
    }
}

/// One CA published by the server.
#[derive(Debug)]
struct PublishedCa {
    id: String,
    certificate: Arc<Vec<u8>>,
    crl: RwLock<Arc<Vec<u8>>>,
}

/// What the server publishes: CA certificates, their current CRLs, and the OCSP responder.
#[derive(Debug)]
pub struct ServeState {
    cas: Vec<PublishedCa>,
    responder: OcspResponder,
}

/// The id of a CA in URLs: the lower-case hex of its key identifier (subjectKeyIdentifier,
/// else the SHA-1 of its key), as in the CRL distribution points and AIA of what it issues.
pub fn ca_url_id(ca: &Certificate) -> String {
    smime::cms::signed_verify::hex(&key_identifier(ca))
}

impl ServeState {
    /// Publishes nothing yet; OCSP requests go to `responder`.
    pub fn new(responder: OcspResponder) -> ServeState {
        ServeState {
            cas: Vec::new(),
            responder,
        }
    }

    /// Publishes `ca` and its current CRL (DER); returns its URL id ([`ca_url_id`]).
    pub fn add_ca(&mut self, ca: &Certificate, crl: Vec<u8>) -> Result<String> {
        let id = ca_url_id(ca);
        let certificate = ca.to_der().map_err(|e| Error::Input {
            what: format!("CA certificate {}", ca.tbs_certificate.subject),
            reason: e.to_string(),
        })?;
        self.cas.retain(|c| c.id != id);
        self.cas.push(PublishedCa {
            id: id.clone(),
            certificate: Arc::new(certificate),
            crl: RwLock::new(Arc::new(crl)),
        });
        Ok(id)
    }

    /// The OCSP responder.
    pub fn responder(&self) -> &OcspResponder {
        &self.responder
    }

    /// Replaces the CRL of the CA with URL id `id` (after a revocation or on schedule);
    /// false when no such CA is published.
    pub fn set_crl(&self, id: &str, crl: Vec<u8>) -> bool {
        let Some(ca) = self.cas.iter().find(|c| c.id == id) else {
            return false;
        };
        *ca.crl.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(crl);
        true
    }

    /// The response to one request: `method`, the path after the base URL's path (query
    /// removed), and the body. Used by the server; pure, so it is tested without sockets.
    pub fn handle(&self, method: &str, path: &str, body: &[u8], now: SystemTime) -> Response {
        let get = method == "GET" || method == "HEAD";
        if let Some(rest) = path.strip_prefix("/crl/") {
            let Some(ca) = rest.strip_suffix(".crl").and_then(|id| self.ca(id)) else {
                return Response::status(404);
            };
            if !get {
                return Response::method_not_allowed("GET, HEAD");
            }
            let crl = ca.crl.read().unwrap_or_else(|p| p.into_inner()).clone();
            return Response::ok("application/pkix-crl", crl);
        }
        if let Some(rest) = path.strip_prefix("/certs/") {
            let Some(ca) = rest.strip_suffix(".crt").and_then(|id| self.ca(id)) else {
                return Response::status(404);
            };
            if !get {
                return Response::method_not_allowed("GET, HEAD");
            }
            return Response::ok("application/pkix-cert", ca.certificate.clone());
        }
        if path == "/ocsp" || path == "/ocsp/" {
            if method != "POST" {
                return Response::method_not_allowed("POST");
            }
            return self.ocsp(body, now);
        }
        if let Some(encoded) = path.strip_prefix("/ocsp/") {
            if !get {
                return Response::method_not_allowed("GET, HEAD");
            }
            // An undecodable request is still an OCSP request: malformedRequest.
            let request = decode_get_request(encoded).unwrap_or_default();
            return self.ocsp(&request, now);
        }
        Response::status(404)
    }

    fn ca(&self, id: &str) -> Option<&PublishedCa> {
        self.cas.iter().find(|c| c.id.eq_ignore_ascii_case(id))
    }

    fn ocsp(&self, request: &[u8], now: SystemTime) -> Response {
        let reply = self.responder.respond(request, now);
        Response::ok("application/ocsp-response", Arc::new(reply.der))
    }
}

/// The DER request of `GET /ocsp/<request>` (RFC 6960 A.1: base64 of the DER, URL-encoded).
/// Standard and URL-safe alphabets and missing padding are accepted.
fn decode_get_request(encoded: &str) -> Option<Vec<u8>> {
    let text = percent_decode(encoded)?;
    let normalized: Vec<u8> = text
        .into_iter()
        .filter(|b| *b != b'=')
        .map(|b| match b {
            b'-' => b'+',
            b'_' => b'/',
            other => other,
        })
        .collect();
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(normalized)
        .ok()
}

/// `%XX` escapes decoded (RFC 3986 2.1); a broken escape is None.
fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    Some(out)
}

/// An HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Content-Type, when there is a body.
    pub content_type: Option<&'static str>,
    /// The `Allow` header of a 405.
    pub allow: Option<&'static str>,
    /// The body.
    pub body: Arc<Vec<u8>>,
}

impl Response {
    fn ok(content_type: &'static str, body: Arc<Vec<u8>>) -> Response {
        Response {
            status: 200,
            content_type: Some(content_type),
            allow: None,
            body,
        }
    }

    fn status(status: u16) -> Response {
        Response {
            status,
            content_type: None,
            allow: None,
            body: Arc::new(Vec::new()),
        }
    }

    fn method_not_allowed(allow: &'static str) -> Response {
        Response {
            allow: Some(allow),
            ..Response::status(405)
        }
    }

    /// The head and body as sent; `head_only` for HEAD, `close` adds `Connection: close`.
    fn to_bytes(&self, head_only: bool, close: bool) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nContent-Length: {}\r\n",
            self.status,
            reason_phrase(self.status),
            self.body.len()
        );
        if let Some(t) = self.content_type {
            head.push_str(&format!("Content-Type: {t}\r\n"));
        }
        if let Some(a) = self.allow {
            head.push_str(&format!("Allow: {a}\r\n"));
        }
        if close {
            head.push_str("Connection: close\r\n");
        }
        head.push_str("\r\n");
        let mut out = head.into_bytes();
        if !head_only {
            out.extend_from_slice(&self.body);
        }
        out
    }
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Error",
    }
}

/// A bound server, not yet accepting.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    state: Arc<ServeState>,
    config: Arc<ServeConfig>,
    stop: Arc<AtomicBool>,
}

/// A server running on its own thread; stopped when dropped.
#[derive(Debug)]
pub struct ServerHandle {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Result<()>>>,
}

impl ServerHandle {
    /// Where it listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept call so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Server {
    /// Binds `listen` (`127.0.0.1:8080`, `[::]:80`).
    pub fn bind(
        listen: impl ToSocketAddrs,
        state: Arc<ServeState>,
        config: ServeConfig,
    ) -> Result<Server> {
        let listener =
            TcpListener::bind(listen).map_err(|e| io_error("binding the listen address", e))?;
        Ok(Server {
            listener,
            state,
            config: Arc::new(config),
            stop: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The bound address (with the port chosen when 0 was asked).
    pub fn local_addr(&self) -> Result<SocketAddr> {
        self.listener
            .local_addr()
            .map_err(|e| io_error("reading the listen address", e))
    }

    /// Accepts and serves connections until stopped (see [`Server::spawn`]).
    pub fn run(self) -> Result<()> {
        // Connections go to a pool of worker threads that live as long as the server:
        // starting a thread per connection cost more than the OCSP signature (measured by
        // benches/ocsp.rs). A worker is added when every worker is busy, up to
        // max_connections; beyond that a connection gets 503.
        let (queue, inbox) = mpsc::channel::<TcpStream>();
        let inbox = Arc::new(Mutex::new(inbox));
        let busy = Arc::new(AtomicUsize::new(0));
        let mut workers = 0usize;
        for stream in self.listener.incoming() {
            if self.stop.load(Ordering::SeqCst) {
                break;
            }
            // A failed accept (the peer gave up, too many files) must not end the server.
            let Ok(stream) = stream else {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            };
            let in_flight = busy.fetch_add(1, Ordering::SeqCst) + 1;
            if in_flight > self.config.max_connections {
                busy.fetch_sub(1, Ordering::SeqCst);
                let _ = stream.set_write_timeout(Some(self.config.timeout));
                let _ = (&stream).write_all(&Response::status(503).to_bytes(false, true));
                continue;
            }
            if in_flight > workers {
                let (inbox, state, config, counter) = (
                    inbox.clone(),
                    self.state.clone(),
                    self.config.clone(),
                    busy.clone(),
                );
                let spawned = std::thread::Builder::new()
                    .name("smime-ca-http".into())
                    .spawn(move || work(&inbox, &state, &config, &counter));
                if spawned.is_ok() {
                    workers += 1;
                } else if workers == 0 {
                    // Nobody would ever take the connection.
                    busy.fetch_sub(1, Ordering::SeqCst);
                    continue;
                }
            }
            if queue.send(stream).is_err() {
                busy.fetch_sub(1, Ordering::SeqCst);
            }
        }
        // Dropping the queue ends the workers once their connections are done.
        Ok(())
    }

    /// Runs the server on a thread of its own.
    pub fn spawn(self) -> Result<ServerHandle> {
        let address = self.local_addr()?;
        let stop = self.stop.clone();
        let thread = std::thread::Builder::new()
            .name("smime-ca-accept".into())
            .spawn(move || self.run())
            .map_err(|e| io_error("starting the server thread", e))?;
        Ok(ServerHandle {
            address,
            stop,
            thread: Some(thread),
        })
    }
}

/// Serves `state` on `listen` with the default limits until the process ends.
pub fn serve(listen: impl ToSocketAddrs, state: Arc<ServeState>) -> Result<()> {
    Server::bind(listen, state, ServeConfig::default())?.run()
}

fn io_error(what: &str, e: std::io::Error) -> Error {
    Error::Input {
        what: what.into(),
        reason: e.to_string(),
    }
}

/// A worker thread: serves the connections it takes from `inbox` until the server stops.
fn work(
    inbox: &Mutex<mpsc::Receiver<TcpStream>>,
    state: &ServeState,
    config: &ServeConfig,
    busy: &AtomicUsize,
) {
    loop {
        let next = inbox.lock().unwrap_or_else(|p| p.into_inner()).recv();
        let Ok(stream) = next else {
            return;
        };
        serve_connection(stream, state, config);
        busy.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What reading one request gave.
enum Incoming {
    Request {
        method: String,
        path: String,
        body: Vec<u8>,
        keep_alive: bool,
    },
    /// Answer with this status and close.
    Refuse(u16),
    /// The peer closed or went quiet between requests.
    Closed,
}

fn serve_connection(mut stream: TcpStream, state: &ServeState, config: &ServeConfig) {
    let _ = stream.set_read_timeout(Some(config.timeout));
    let _ = stream.set_write_timeout(Some(config.timeout));
    let _ = stream.set_nodelay(true);
    let mut buffer = Vec::new();
    for served in 1..=config.max_requests_per_connection {
        match read_request(&mut stream, &mut buffer, config) {
            Incoming::Closed => return,
            Incoming::Refuse(status) => {
                let _ = stream.write_all(&Response::status(status).to_bytes(false, true));
                linger_close(stream);
                return;
            }
            Incoming::Request {
                method,
                path,
                body,
                keep_alive,
            } => {
                let response = state.handle(&method, &path, &body, SystemTime::now());
                let close = !keep_alive || served == config.max_requests_per_connection;
                let bytes = response.to_bytes(method == "HEAD", close);
                if stream.write_all(&bytes).is_err() || close {
                    return;
                }
            }
        }
    }
}

/// Closes after an error response without reading the whole body: shut down our side, then
/// read and drop what the client still sends for a moment, so the close does not turn into a
/// reset that destroys the response before the client reads it.
fn linger_close(mut stream: TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut sink = [0u8; 8192];
    let mut drained = 0usize;
    while drained < 4 * 1024 * 1024 {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

/// Reads one request from `stream`; `buffer` keeps bytes read past it (pipelining).
fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>, config: &ServeConfig) -> Incoming {
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = find(buffer, b"\r\n\r\n") {
            break at;
        }
        if buffer.len() > config.max_head {
            return Incoming::Refuse(431);
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Incoming::Closed,
            Ok(n) => buffer.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            Err(_) if buffer.is_empty() => return Incoming::Closed,
            Err(_) => return Incoming::Refuse(408),
        }
    };
    if head_end > config.max_head {
        return Incoming::Refuse(431);
    }
    let head: Vec<u8> = buffer.drain(..head_end + 4).collect();
    let Ok(head) = std::str::from_utf8(&head) else {
        return Incoming::Refuse(400);
    };
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Incoming::Refuse(400);
    };
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        v if v.starts_with("HTTP/") => return Incoming::Refuse(505),
        _ => return Incoming::Refuse(400),
    };
    let mut content_length: Option<usize> = None;
    let mut keep_alive = !http10;
    for line in lines.filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            return Incoming::Refuse(400);
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            let Ok(length) = value.parse::<usize>() else {
                return Incoming::Refuse(400);
            };
            if content_length.is_some_and(|l| l != length) {
                return Incoming::Refuse(400);
            }
            content_length = Some(length);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Incoming::Refuse(411);
        } else if name.eq_ignore_ascii_case("connection") {
            let value = value.to_ascii_lowercase();
            if value.split(',').any(|t| t.trim() == "close") {
                keep_alive = false;
            } else if value.split(',').any(|t| t.trim() == "keep-alive") {
                keep_alive = true;
            }
        }
    }
    let length = content_length.unwrap_or(0);
    if length > config.max_body {
        return Incoming::Refuse(413);
    }
    while buffer.len() < length {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return Incoming::Refuse(400),
            Ok(n) => buffer.extend_from_slice(chunk.get(..n).unwrap_or_default()),
        }
    }
    let body: Vec<u8> = buffer.drain(..length).collect();
    Incoming::Request {
        method: method.to_owned(),
        path: request_path(target, &config.path_prefix),
        body,
        keep_alive,
    }
}

/// The path of a request target below the base URL's path: origin form (`/crl/x.crl`) or
/// absolute form (`http://host/crl/x.crl`, RFC 9112 3.2.2), query removed. A target outside
/// the prefix gives a path no route matches.
fn request_path(target: &str, prefix: &str) -> String {
    let without_authority = match target.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| rest.get(i..).unwrap_or("/")),
        None => target,
    };
    let path = without_authority
        .split_once('?')
        .map_or(without_authority, |(p, _)| p);
    let prefix = prefix.trim_end_matches('/');
    match path.strip_prefix(prefix) {
        Some(rest) if rest.starts_with('/') => rest.to_owned(),
        _ => String::from("/-outside-the-base-url"),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_get_request_accepts_both_alphabets_and_escapes() {
        let der = [0x30u8, 0xfb, 0xff, 0x3e];
        let std = base64::engine::general_purpose::STANDARD.encode(der);
        assert!(std.contains('+') || std.contains('/'));
        assert_eq!(decode_get_request(&std).unwrap(), der);
        let escaped = std
            .replace('/', "%2F")
            .replace('+', "%2B")
            .replace('=', "%3D");
        assert_eq!(decode_get_request(&escaped).unwrap(), der);
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(der);
        assert_eq!(decode_get_request(&url).unwrap(), der);
        assert!(decode_get_request("%zz").is_none());
        assert!(decode_get_request("!!!").is_none());
    }

    #[test]
    fn request_path_prefix_and_absolute_form() {
        assert_eq!(request_path("/pki/ocsp?x=1", "/pki"), "/ocsp");
        assert_eq!(
            request_path("http://h:80/pki/crl/a.crl", "/pki/"),
            "/crl/a.crl"
        );
        assert_eq!(request_path("/ocsp", ""), "/ocsp");
        assert_ne!(request_path("/other/ocsp", "/pki"), "/ocsp");
        assert_ne!(request_path("/pkiocsp", "/pki"), "/ocsp");
    }

    #[test]
    fn handle_unknown_path_and_method_give_404_405() {
        let state = ServeState::new(OcspResponder::new());
        let now = SystemTime::now();
        assert_eq!(state.handle("GET", "/nothing", b"", now).status, 404);
        assert_eq!(state.handle("GET", "/crl/ab.crl", b"", now).status, 404);
        assert_eq!(state.handle("GET", "/ocsp", b"", now).status, 405);
        assert_eq!(state.handle("PUT", "/ocsp/MAA=", b"", now).status, 405);
        // An OCSP request nobody can read is answered in OCSP: malformedRequest.
        let r = state.handle("POST", "/ocsp", b"junk", now);
        assert_eq!(
            (r.status, r.body.as_slice()),
            (200, &[0x30, 3, 0x0a, 1, 1][..])
        );
    }
}

//! Shared harness for the interop tests: a throwaway PKI made with the `openssl` CLI, and
//! wrappers around the real peers (`openssl cms`, NSS `cmsutil`, GnuPG `gpgsm`) and our own
//! `smime` binary. Every wrapper writes its inputs and outputs to files in a fresh temporary
//! directory and returns an [`Outcome`]: exit status, standard output, standard error.
//!
//! Peer quirks found while writing this (Debian 12: OpenSSL 3.0, NSS 3.87, GnuPG 2.2.40) are
//! noted where they are handled.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::fmt;
use std::fs;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The password of every PKCS#12 file the harness writes.
pub const P12_PASSWORD: &str = "test";

/// What a command did: exit status, standard output, standard error. Wrappers that write an
/// output file put that file's bytes in `stdout` (the tool's own standard output is then empty).
pub struct Outcome {
    /// The command line, for messages.
    pub command: String,
    /// The exit status.
    pub status: ExitStatus,
    /// Standard output (or the output file, see above).
    pub stdout: Vec<u8>,
    /// Standard error, lossily decoded.
    pub stderr: String,
}

impl Outcome {
    /// The exit code; -1 when killed by a signal.
    pub fn code(&self) -> i32 {
        self.status.code().unwrap_or(-1)
    }

    /// Whether the command exited 0.
    pub fn ok(&self) -> bool {
        self.status.success()
    }

    /// Standard output as text (lossy).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Panic with the whole story unless the command exited 0.
    #[track_caller]
    pub fn assert_ok(&self) -> &Self {
        assert!(self.ok(), "expected success:\n{self}");
        self
    }

    /// Panic unless the command exited with `code`.
    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code(), code, "unexpected exit code:\n{self}");
        self
    }

    /// Standard output parsed as JSON (panics with the story if it is not).
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        match serde_json::from_slice(&self.stdout) {
            Ok(v) => v,
            Err(e) => panic!("stdout is not JSON ({e}):\n{self}"),
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let out = self.stdout_text();
        let out: String = out.chars().take(4000).collect();
        write!(
            f,
            "$ {}\nexit: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command,
            self.status.code(),
            out,
            self.stderr
        )
    }
}

/// Run a command with no standard input and collect everything.
pub fn run(cmd: &mut Command) -> Outcome {
    run_with_stdin(cmd, &[])
}

/// Run a command feeding `stdin`, and collect everything.
pub fn run_with_stdin(cmd: &mut Command, stdin: &[u8]) -> Outcome {
    let command = describe(cmd);
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start `{command}`: {e}"));
    {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        // A tool that exits without reading its input is not an error here.
        let _ = pipe.write_all(stdin);
    }
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("`{command}` failed to run: {e}"));
    Outcome {
        command,
        status: out.status,
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Run `cmd` and panic with the story unless it exits 0.
#[track_caller]
fn must(cmd: &mut Command) -> Outcome {
    let o = run(cmd);
    assert!(o.ok(), "harness command failed:\n{o}");
    o
}

/// Whether `bin` is an executable on `PATH`.
pub fn have(bin: &str) -> bool {
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| {
        let p = dir.join(bin);
        fs::metadata(&p)
            .map(|m| {
                m.is_file() && {
                    use std::os::unix::fs::PermissionsExt;
                    m.permissions().mode() & 0o111 != 0
                }
            })
            .unwrap_or(false)
    })
}

/// Whether the peer binary `bin` is there. When it is not: panic if `SMIME_TEST_REQUIRE_PEERS`
/// is set (CI, where a silent skip would hide a broken setup), else print a skip note and
/// return false.
pub fn require_peer(bin: &str) -> bool {
    if have(bin) {
        return true;
    }
    if std::env::var_os("SMIME_TEST_REQUIRE_PEERS").is_some_and(|v| !v.is_empty() && v != "0") {
        panic!("peer binary `{bin}` is missing and SMIME_TEST_REQUIRE_PEERS is set (install it: scripts/test.sh does, as root)");
    }
    println!("skipped: {bin} missing (scripts/test.sh installs it)");
    false
}

/// Whether every one of `bins` is there (see [`require_peer`]).
pub fn require_peers(bins: &[&str]) -> bool {
    bins.iter().all(|b| require_peer(b))
}

/// A fresh temporary directory for one wrapper call, inside `base`.
fn scratch(base: &Path) -> TempDir {
    tempfile::Builder::new()
        .prefix("run-")
        .tempdir_in(base)
        .expect("temporary directory")
}

/// Run our own binary (`smime`) with `args`.
pub fn smime<S: AsRef<OsStr>>(args: &[S]) -> Outcome {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_smime"));
    cmd.args(args);
    run(&mut cmd)
}

/// Run `smime` with `args`, feeding `stdin`.
pub fn smime_stdin<S: AsRef<OsStr>>(args: &[S], stdin: &[u8]) -> Outcome {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_smime"));
    cmd.args(args);
    run_with_stdin(&mut cmd, stdin)
}

/// The test data folder of the `smime` library crate (copied corpora, see its PROVENANCE.md).
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../smime/tests/data")
}

/// A file in [`data_dir`].
pub fn data(rel: &str) -> PathBuf {
    let p = data_dir().join(rel);
    assert!(p.exists(), "test data missing: {}", p.display());
    p
}

// ---------------------------------------------------------------------------------------------
// The PKI
// ---------------------------------------------------------------------------------------------

/// The leaf key algorithms of the test PKI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Alg {
    /// RSA 2048, PKCS#1 v1.5 signatures.
    Rsa,
    /// RSA 2048 (rsaEncryption key), used with RSASSA-PSS signatures.
    RsaPss,
    /// ECDSA P-256.
    P256,
    /// ECDSA P-384.
    P384,
    /// Ed25519.
    Ed25519,
}

impl Alg {
    /// Every algorithm, in a fixed order.
    pub const ALL: [Alg; 5] = [Alg::Rsa, Alg::RsaPss, Alg::P256, Alg::P384, Alg::Ed25519];

    /// Short name, used in file names, nicknames and the email address.
    pub fn name(self) -> &'static str {
        match self {
            Alg::Rsa => "rsa",
            Alg::RsaPss => "rsa-pss",
            Alg::P256 => "p256",
            Alg::P384 => "p384",
            Alg::Ed25519 => "ed25519",
        }
    }

    /// `<name>@example.com`.
    pub fn email(self) -> String {
        format!("{}@example.com", self.name())
    }

    fn genpkey_args(self) -> &'static [&'static str] {
        match self {
            Alg::Rsa | Alg::RsaPss => &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
            Alg::P256 => &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
            Alg::P384 => &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
            Alg::Ed25519 => &["-algorithm", "ED25519"],
        }
    }
}

impl fmt::Display for Alg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One end-entity certificate with its key, in every form the peers want.
#[derive(Clone, Debug)]
pub struct Leaf {
    /// The key algorithm.
    pub alg: Alg,
    /// File stem and NSS nickname (`rsa`, `rsa-pss`, `p256`, `p384`, `ed25519`).
    pub name: String,
    /// The address in the subject (emailAddress) and the rfc822Name SAN.
    pub email: String,
    /// Certificate, PEM.
    pub cert: PathBuf,
    /// Private key, PKCS#8 PEM.
    pub key: PathBuf,
    /// PKCS#12 (password "test", AES-256-CBC key and certificate bags, SHA-256 MAC, with the
    /// intermediate and the root): for NSS.
    pub p12: PathBuf,
    /// The issuing CA certificates below the trust anchor (the intermediate), for `--chain`.
    pub chain: Vec<PathBuf>,
    /// Every CA certificate up to and including the root, issuer first.
    pub full_chain: Vec<PathBuf>,
}

/// A throwaway PKI: a root CA, an intermediate CA under it, and one leaf per [`Alg`] issued
/// by the intermediate (so every verification needs the intermediate: from the message, where
/// the signer put it, or from `--cert`).
pub struct Pki {
    /// Where the files are.
    pub dir: PathBuf,
    /// Root CA certificate (PEM), the trust anchor.
    pub root: PathBuf,
    /// Root CA key.
    pub root_key: PathBuf,
    /// Intermediate CA certificate (PEM), issued by the root; it issues every leaf.
    pub intermediate: PathBuf,
    /// Intermediate CA key.
    pub intermediate_key: PathBuf,
    /// One leaf per algorithm, in [`Alg::ALL`] order.
    pub leaves: Vec<Leaf>,
    /// The RSA leaf again (kept for the tests written when only this one sat under the
    /// intermediate).
    pub chained: Leaf,
}

/// `openssl pkcs12 -export` arguments for a legacy PKCS#12 (3DES PBE, SHA-1 MAC), as older
/// Windows exports write and gpgsm reads.
pub const LEGACY_P12_ARGS: [&str; 6] = [
    "-keypbe",
    "PBE-SHA1-3DES",
    "-certpbe",
    "PBE-SHA1-3DES",
    "-macalg",
    "sha1",
];

fn openssl() -> Command {
    Command::new("openssl")
}

fn p(path: &Path) -> &OsStr {
    path.as_os_str()
}

/// A fresh temporary directory (named `prefix`...) holding a new [`Pki`]; None when openssl
/// is missing and peers are not required. Keep the directory alive as long as the PKI.
pub fn pki_in_temp_dir(prefix: &str) -> Option<(TempDir, Pki)> {
    if !require_peer("openssl") {
        return None;
    }
    let dir = tempfile::Builder::new().prefix(prefix).tempdir().unwrap();
    let pki = Pki::new(dir.path());
    Some((dir, pki))
}

impl Pki {
    /// Generate the PKI in `dir` (which must exist) with the `openssl` CLI.
    pub fn new(dir: &Path) -> Pki {
        let dir = dir.to_path_buf();
        let f = |name: &str| dir.join(name);

        // Root CA, RSA 2048, self-signed.
        let root = f("root.pem");
        let root_key = f("root.key");
        must(
            openssl()
                .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256"])
                .arg("-keyout")
                .arg(&root_key)
                .arg("-out")
                .arg(&root)
                .args([
                    "-days",
                    "3650",
                    "-subj",
                    "/O=smime tests/CN=smime Test Root CA",
                ])
                .args(["-addext", "basicConstraints=critical,CA:TRUE"])
                .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"])
                .args(["-addext", "subjectKeyIdentifier=hash"]),
        );

        // Intermediate CA, issued by the root.
        let intermediate = f("intermediate.pem");
        let intermediate_key = f("intermediate.key");
        genkey(Alg::Rsa, &intermediate_key);
        let ca_ext = f("ca.ext");
        fs::write(
            &ca_ext,
            "basicConstraints=critical,CA:TRUE,pathlen:0\n\
             keyUsage=critical,keyCertSign,cRLSign\n\
             subjectKeyIdentifier=hash\n\
             authorityKeyIdentifier=keyid\n",
        )
        .unwrap();
        issue(
            &dir,
            &intermediate_key,
            "/O=smime tests/CN=smime Test Intermediate CA",
            &ca_ext,
            &root,
            &root_key,
            &intermediate,
        );

        let make_leaf = |alg: Alg, name: &str| {
            let email = format!("{name}@example.com");
            let key = f(&format!("{name}.key"));
            let cert = f(&format!("{name}.pem"));
            let p12 = f(&format!("{name}.p12"));
            genkey(alg, &key);
            let ext = f(&format!("{name}.ext"));
            fs::write(
                &ext,
                format!(
                    "basicConstraints=critical,CA:FALSE\n\
                     keyUsage=critical,digitalSignature,nonRepudiation\n\
                     extendedKeyUsage=emailProtection\n\
                     subjectAltName=email:{email}\n\
                     subjectKeyIdentifier=hash\n\
                     authorityKeyIdentifier=keyid\n"
                ),
            )
            .unwrap();
            issue(
                &dir,
                &key,
                &format!("/O=smime tests/CN={name}/emailAddress={email}"),
                &ext,
                &intermediate,
                &intermediate_key,
                &cert,
            );
            // PKCS#12 with every certificate up to the root, modern encryption.
            let bundle = f(&format!("{name}.cachain.pem"));
            let mut pem = Vec::new();
            for c in [&intermediate, &root] {
                pem.extend(fs::read(c).unwrap());
            }
            fs::write(&bundle, pem).unwrap();
            must(
                openssl()
                    .args(["pkcs12", "-export"])
                    .arg("-in")
                    .arg(&cert)
                    .arg("-inkey")
                    .arg(&key)
                    .arg("-certfile")
                    .arg(&bundle)
                    .args(["-name", name, "-passout", &format!("pass:{P12_PASSWORD}")])
                    .args([
                        "-keypbe",
                        "AES-256-CBC",
                        "-certpbe",
                        "AES-256-CBC",
                        "-macalg",
                        "sha256",
                    ])
                    .arg("-out")
                    .arg(&p12),
            );
            Leaf {
                alg,
                name: name.to_string(),
                email,
                cert,
                key,
                p12,
                chain: vec![intermediate.clone()],
                full_chain: vec![intermediate.clone(), root.clone()],
            }
        };

        let leaves: Vec<Leaf> = Alg::ALL
            .iter()
            .map(|&alg| make_leaf(alg, alg.name()))
            .collect();
        let chained = leaves[0].clone();
        Pki {
            dir,
            root,
            root_key,
            intermediate,
            intermediate_key,
            leaves,
            chained,
        }
    }

    /// The leaf of `alg`.
    pub fn leaf(&self, alg: Alg) -> &Leaf {
        self.leaves
            .iter()
            .find(|l| l.alg == alg)
            .expect("every Alg has a leaf")
    }

    /// Every leaf.
    pub fn all_leaves(&self) -> impl Iterator<Item = &Leaf> {
        self.leaves.iter()
    }

    /// A fresh scratch directory inside the PKI directory.
    pub fn scratch(&self) -> TempDir {
        scratch(&self.dir)
    }

    /// A certificate `name.pem` for a new `alg` key `name.key`, issued by `issuer` (the
    /// certificate and its key) with `subject` and `extensions` (openssl x509v3 config
    /// lines; sections such as `[alt]` last). Returns the certificate's path.
    pub fn issue_certificate(
        &self,
        alg: Alg,
        name: &str,
        subject: &str,
        extensions: &str,
        issuer: (&Path, &Path),
    ) -> PathBuf {
        let key = self.dir.join(format!("{name}.key"));
        let cert = self.dir.join(format!("{name}.pem"));
        let ext = self.dir.join(format!("{name}.ext"));
        fs::write(
            &ext,
            format!("authorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n{extensions}"),
        )
        .unwrap();
        genkey(alg, &key);
        issue(&self.dir, &key, subject, &ext, issuer.0, issuer.1, &cert);
        cert
    }
}

fn genkey(alg: Alg, out: &Path) {
    must(
        openssl()
            .arg("genpkey")
            .args(alg.genpkey_args())
            .arg("-out")
            .arg(out),
    );
}

fn issue(dir: &Path, key: &Path, subject: &str, ext: &Path, ca: &Path, ca_key: &Path, out: &Path) {
    let csr = out.with_extension("csr");
    must(
        openssl()
            .args(["req", "-new"])
            .arg("-key")
            .arg(key)
            .args(["-subj", subject])
            .arg("-out")
            .arg(&csr),
    );
    must(
        openssl()
            .args(["x509", "-req", "-sha256", "-days", "3650"])
            .arg("-in")
            .arg(&csr)
            .arg("-CA")
            .arg(ca)
            .arg("-CAkey")
            .arg(ca_key)
            .arg("-CAserial")
            .arg(dir.join("serial.srl"))
            .arg("-CAcreateserial")
            .arg("-extfile")
            .arg(ext)
            .arg("-out")
            .arg(out),
    );
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

/// A plain text message from `from` with CRLF line ends, ready to be signed.
pub fn plain_message(from: &str, body: &str) -> Vec<u8> {
    let body = body.replace("\r\n", "\n").replace('\n', "\r\n");
    format!(
        "From: {from}\r\nTo: bob@example.org\r\nSubject: interop test\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n{body}"
    )
    .into_bytes()
}

/// The MIME entity of a message: its Content-* headers and body, the rest of the header dropped.
/// This is what the peers sign when they make the S/MIME layer themselves.
pub fn mime_entity(message: &[u8]) -> Vec<u8> {
    let (head, body) = split_header(message);
    let mut out = Vec::new();
    for field in header_fields(head) {
        if field.to_ascii_lowercase().starts_with(b"content-") {
            out.extend_from_slice(field);
        }
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// Split at the first empty line: (header with its final line end, body).
pub fn split_header(message: &[u8]) -> (&[u8], &[u8]) {
    // Whichever empty line comes first: peers mix LF outer headers with CRLF inner parts.
    let crlf = find(message, b"\r\n\r\n");
    let lf = find(message, b"\n\n");
    match (crlf, lf) {
        (Some(c), Some(l)) if l < c => (&message[..l + 1], &message[l + 2..]),
        (Some(c), _) => (&message[..c + 2], &message[c + 4..]),
        (None, Some(l)) => (&message[..l + 1], &message[l + 2..]),
        (None, None) => (message, &[]),
    }
}

/// The header fields (each with its continuation lines and line end).
fn header_fields(head: &[u8]) -> Vec<&[u8]> {
    let mut fields: Vec<&[u8]> = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < head.len() {
        if head[i] == b'\n' {
            let next = head.get(i + 1).copied();
            if next != Some(b' ') && next != Some(b'\t') {
                fields.push(&head[start..=i]);
                start = i + 1;
            }
        }
        i += 1;
    }
    if start < head.len() {
        fields.push(&head[start..]);
    }
    fields
}

/// The unfolded value of header field `name` (case-insensitive), if present.
pub fn header_value(message: &[u8], name: &str) -> Option<String> {
    let (head, _) = split_header(message);
    for field in header_fields(head) {
        let text = String::from_utf8_lossy(field);
        if let Some((n, v)) = text.split_once(':') {
            if n.trim().eq_ignore_ascii_case(name) {
                return Some(v.replace(['\r', '\n'], "").trim().to_string());
            }
        }
    }
    None
}

/// A parameter (e.g. `boundary`) of a structured header value.
pub fn header_param(value: &str, param: &str) -> Option<String> {
    for part in value.split(';').skip(1) {
        if let Some((k, v)) = part.split_once('=') {
            if k.trim().eq_ignore_ascii_case(param) {
                return Some(v.trim().trim_matches('"').to_string());
            }
        }
    }
    None
}

/// Position of `needle` in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The two parts of a multipart/signed message: (the signed entity exactly as its bytes stand
/// between the boundaries, the DER signature decoded from the second part).
pub fn multipart_signed_parts(message: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let ct = header_value(message, "Content-Type").expect("Content-Type");
    assert!(
        ct.to_ascii_lowercase().starts_with("multipart/signed"),
        "not multipart/signed: {ct}"
    );
    let boundary = header_param(&ct, "boundary").expect("boundary parameter");
    let (_, body) = split_header(message);
    let delim = format!("--{boundary}");
    let first = find(body, delim.as_bytes()).expect("first boundary");
    let after = first + delim.len();
    let start = after
        + if body[after..].starts_with(b"\r\n") {
            2
        } else {
            1
        };
    let rest = &body[start..];
    let close = format!("\r\n--{boundary}");
    let (end, skip) = match find(rest, close.as_bytes()) {
        Some(e) => (e, close.len()),
        None => {
            let lf = format!("\n--{boundary}");
            (
                find(rest, lf.as_bytes()).expect("second boundary"),
                lf.len(),
            )
        }
    };
    let content = rest[..end].to_vec();
    let second = &rest[end + skip..];
    let second = second
        .strip_prefix(b"\r\n")
        .or(second.strip_prefix(b"\n"))
        .unwrap_or(second);
    let (_, sig_body) = split_header(second);
    let sig_end = find(sig_body, delim.as_bytes()).unwrap_or(sig_body.len());
    (content, base64_decode(&sig_body[..sig_end]))
}

/// The DER of an application/pkcs7-mime message (base64 body).
pub fn pkcs7_mime_der(message: &[u8]) -> Vec<u8> {
    let (_, body) = split_header(message);
    base64_decode(body)
}

/// The CMS DER of an S/MIME message of either form, and the detached content if any.
pub fn cms_of_message(message: &[u8]) -> (Vec<u8>, Option<Vec<u8>>) {
    let ct = header_value(message, "Content-Type").unwrap_or_default();
    if ct.to_ascii_lowercase().starts_with("multipart/signed") {
        let (content, der) = multipart_signed_parts(message);
        (der, Some(content))
    } else {
        (pkcs7_mime_der(message), None)
    }
}

/// Decode base64, ignoring whitespace and anything after the padding.
pub fn base64_decode(text: &[u8]) -> Vec<u8> {
    fn val(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for &c in text {
        if c == b'=' || c == b'-' {
            break;
        }
        let Some(v) = val(c) else { continue };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// Encode base64 with 64-character CRLF lines.
pub fn base64_encode(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (i, chunk) in data.chunks(3).enumerate() {
        if i > 0 && i % 16 == 0 {
            out.push_str("\r\n");
        }
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = ((b[0] as u32) << 16) | ((b[1] as u32) << 8) | b[2] as u32;
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(T[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out.push_str("\r\n");
    out
}

/// Wrap a detached signature and its content into a multipart/signed message from `from`.
pub fn make_multipart_signed(from: &str, content: &[u8], der: &[u8], micalg: &str) -> Vec<u8> {
    let boundary = "----=_harness_boundary_7f3a";
    let mut m = format!(
        "From: {from}\r\nTo: bob@example.org\r\nSubject: interop test\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; \
         micalg={micalg}; boundary=\"{boundary}\"\r\n\r\n\
         This is an S/MIME signed message\r\n\r\n--{boundary}\r\n"
    )
    .into_bytes();
    m.extend_from_slice(content);
    m.extend_from_slice(
        format!(
            "\r\n--{boundary}\r\nContent-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n\
             Content-Transfer-Encoding: base64\r\n\
             Content-Disposition: attachment; filename=\"smime.p7s\"\r\n\r\n{}\r\n--{boundary}--\r\n",
            base64_encode(der)
        )
        .as_bytes(),
    );
    m
}

/// Wrap an encapsulating SignedData into an application/pkcs7-mime message from `from`.
pub fn make_pkcs7_mime(from: &str, der: &[u8]) -> Vec<u8> {
    let mut m = format!(
        "From: {from}\r\nTo: bob@example.org\r\nSubject: interop test\r\nMIME-Version: 1.0\r\n\
         Content-Type: application/pkcs7-mime; smime-type=signed-data; name=\"smime.p7m\"\r\n\
         Content-Transfer-Encoding: base64\r\n\
         Content-Disposition: attachment; filename=\"smime.p7m\"\r\n\r\n"
    )
    .into_bytes();
    m.extend_from_slice(base64_encode(der).as_bytes());
    m
}

/// Change one byte of the body text: the first occurrence of `from` becomes `to`.
#[track_caller]
pub fn replace_once(message: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let i = find(message, from).unwrap_or_else(|| {
        panic!(
            "{:?} not found in the message",
            String::from_utf8_lossy(from)
        )
    });
    let mut m = message[..i].to_vec();
    m.extend_from_slice(to);
    m.extend_from_slice(&message[i + from.len()..]);
    m
}

// ---------------------------------------------------------------------------------------------
// smime
// ---------------------------------------------------------------------------------------------

/// Sign `message` with our binary as `leaf`. `extra` are more flags (`--opaque`, `--pss`,
/// `--digest`, ...). The intermediate always goes in with `--chain` (as a mail client sends
/// it, so that `--trust root` alone can verify); with `with_chain` the root goes in as well.
pub fn smime_sign(
    pki: &Pki,
    leaf: &Leaf,
    message: &[u8],
    extra: &[&str],
    with_chain: bool,
) -> Outcome {
    let tmp = pki.scratch();
    let input = tmp.path().join("in.eml");
    let output = tmp.path().join("out.eml");
    fs::write(&input, message).unwrap();
    let mut args: Vec<&OsStr> = vec![
        "sign".as_ref(),
        "--cert".as_ref(),
        p(&leaf.cert),
        "--key".as_ref(),
        p(&leaf.key),
    ];
    let chain = if with_chain {
        &leaf.full_chain
    } else {
        &leaf.chain
    };
    for c in chain {
        args.push("--chain".as_ref());
        args.push(p(c));
    }
    for e in extra {
        args.push(e.as_ref());
    }
    args.extend(["--in".as_ref(), p(&input), "--out".as_ref(), p(&output)]);
    let mut o = smime(&args);
    if o.ok() {
        o.stdout = fs::read(&output).unwrap_or_default();
    }
    o
}

/// `smime verify --json --in <message> <args>`; the JSON report is in `stdout`.
pub fn smime_verify(dir: &Path, message: &[u8], args: &[&OsStr]) -> Outcome {
    let tmp = scratch(dir);
    let input = tmp.path().join("in.eml");
    fs::write(&input, message).unwrap();
    let mut all: Vec<&OsStr> = vec!["verify".as_ref(), "--json".as_ref()];
    all.extend_from_slice(args);
    all.extend(["--in".as_ref(), p(&input)]);
    smime(&all)
}

/// `smime verify --json --trust <root> --cert <intermediate>` of `message`.
pub fn smime_verify_trusting(pki: &Pki, message: &[u8]) -> Outcome {
    smime_verify_trusting_with(pki, message, &[])
}

/// [`smime_verify_trusting`] with more flags (`--no-sender-check`, `--no-chain`, ...).
pub fn smime_verify_trusting_with(pki: &Pki, message: &[u8], extra: &[&str]) -> Outcome {
    let mut args: Vec<&OsStr> = vec![
        "--trust".as_ref(),
        p(&pki.root),
        "--cert".as_ref(),
        p(&pki.intermediate),
    ];
    args.extend(extra.iter().map(|e| OsStr::new(*e)));
    smime_verify(&pki.dir, message, &args)
}

/// The `status` of a verify report, or a description of what came out instead.
pub fn report_status(o: &Outcome) -> String {
    match serde_json::from_slice::<serde_json::Value>(&o.stdout) {
        Ok(v) => v["status"].as_str().unwrap_or("<no status>").to_string(),
        Err(_) => format!("<no JSON, exit {}>", o.code()),
    }
}

// ---------------------------------------------------------------------------------------------
// openssl cms
// ---------------------------------------------------------------------------------------------

/// How `openssl cms -sign` makes its output.
#[derive(Clone, Debug, Default)]
pub struct OpensslSign {
    /// `-nodetach`: encapsulate the content (opaque signing).
    pub nodetach: bool,
    /// `-stream`: BER with indefinite lengths.
    pub stream: bool,
    /// `-binary`: no MIME canonicalisation of the input.
    pub binary: bool,
    /// `-md`.
    pub md: Option<String>,
    /// RSASSA-PSS (salt length = digest length, as gpgsm insists).
    pub pss: bool,
    /// `-outform` (default SMIME: a whole message, with `-from`/`-to`/`-subject`).
    pub outform: Option<String>,
    /// Include the root too (`-certfile`); the intermediate is always included, as a mail
    /// client would.
    pub chain: bool,
    /// More raw arguments.
    pub extra: Vec<String>,
}

/// `openssl cms -sign` of `content` (a MIME entity; with SMIME output the result is a whole
/// message from `leaf.email`). The output file's bytes are in `stdout`.
pub fn openssl_cms_sign(pki: &Pki, leaf: &Leaf, content: &[u8], opts: &OpensslSign) -> Outcome {
    let tmp = pki.scratch();
    let input = tmp.path().join("content");
    let output = tmp.path().join("signed");
    fs::write(&input, content).unwrap();
    let mut cmd = openssl();
    cmd.args(["cms", "-sign"])
        .arg("-in")
        .arg(&input)
        .arg("-signer")
        .arg(&leaf.cert)
        .arg("-inkey")
        .arg(&leaf.key)
        .arg("-out")
        .arg(&output);
    if opts.nodetach {
        cmd.arg("-nodetach");
    }
    if opts.stream {
        cmd.arg("-stream");
    }
    if opts.binary {
        cmd.arg("-binary");
    }
    if let Some(md) = &opts.md {
        cmd.args(["-md", md]);
    }
    if opts.pss {
        cmd.args([
            "-keyopt",
            "rsa_padding_mode:pss",
            "-keyopt",
            "rsa_pss_saltlen:digest",
        ]);
    }
    {
        let bundle = tmp.path().join("chain.pem");
        let mut pem = Vec::new();
        for c in if opts.chain {
            &leaf.full_chain
        } else {
            &leaf.chain
        } {
            pem.extend(fs::read(c).unwrap());
        }
        fs::write(&bundle, pem).unwrap();
        cmd.arg("-certfile").arg(&bundle);
    }
    match &opts.outform {
        Some(form) => {
            cmd.args(["-outform", form]);
        }
        None => {
            cmd.args([
                "-from",
                &leaf.email,
                "-to",
                "bob@example.org",
                "-subject",
                "interop test",
            ]);
        }
    }
    cmd.args(&opts.extra);
    let mut o = run(&mut cmd);
    if o.ok() {
        o.stdout = fs::read(&output).unwrap_or_default();
    }
    o
}

/// The input form for `openssl cms -verify`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inform {
    /// A whole S/MIME message.
    Smime,
    /// DER CMS.
    Der,
    /// PEM CMS.
    Pem,
}

/// `openssl cms -verify -CAfile <ca>` of `signed` (with `content` for a detached DER/PEM
/// signature). The verified content is in `stdout`.
pub fn openssl_cms_verify(
    dir: &Path,
    signed: &[u8],
    inform: Inform,
    content: Option<&[u8]>,
    ca: &Path,
) -> Outcome {
    openssl_cms_verify_with(dir, signed, inform, content, ca, &[])
}

/// [`openssl_cms_verify`] with more raw arguments (`-binary`, `-certfile`, ...).
pub fn openssl_cms_verify_with(
    dir: &Path,
    signed: &[u8],
    inform: Inform,
    content: Option<&[u8]>,
    ca: &Path,
    extra: &[&str],
) -> Outcome {
    let tmp = scratch(dir);
    let input = tmp.path().join("signed");
    let output = tmp.path().join("content");
    fs::write(&input, signed).unwrap();
    let mut cmd = openssl();
    cmd.args(["cms", "-verify"])
        .arg("-in")
        .arg(&input)
        .args([
            "-inform",
            match inform {
                Inform::Smime => "SMIME",
                Inform::Der => "DER",
                Inform::Pem => "PEM",
            },
        ])
        .arg("-CAfile")
        .arg(ca)
        .arg("-out")
        .arg(&output);
    if let Some(c) = content {
        let cpath = tmp.path().join("detached");
        fs::write(&cpath, c).unwrap();
        cmd.arg("-content").arg(&cpath).arg("-binary");
    }
    cmd.args(extra);
    let mut o = run(&mut cmd);
    o.stdout = fs::read(&output).unwrap_or_default();
    o
}

/// `openssl cms -sign_receipt -in <received> -signer <leaf> -inkey <key> -certfile
/// <intermediate>`: the signed receipt (RFC 2634) for `received`, an S/MIME message whose first
/// SignerInfo asks for one. The receipt (an S/MIME message) is in `stdout`.
pub fn openssl_cms_sign_receipt(pki: &Pki, leaf: &Leaf, received: &[u8]) -> Outcome {
    let tmp = pki.scratch();
    let input = tmp.path().join("received.eml");
    let output = tmp.path().join("receipt.eml");
    fs::write(&input, received).unwrap();
    let mut cmd = openssl();
    cmd.args(["cms", "-sign_receipt"])
        .arg("-in")
        .arg(&input)
        .arg("-signer")
        .arg(&leaf.cert)
        .arg("-inkey")
        .arg(&leaf.key)
        .arg("-certfile")
        .arg(&pki.intermediate)
        .arg("-out")
        .arg(&output);
    let mut o = run(&mut cmd);
    o.stdout = fs::read(&output).unwrap_or_default();
    o
}

/// `openssl cms -verify_receipt <receipt> -in <sent> -CAfile <ca>`: checks the receipt's
/// signature and that it answers the request in `sent` (both S/MIME messages).
pub fn openssl_cms_verify_receipt(dir: &Path, receipt: &[u8], sent: &[u8], ca: &Path) -> Outcome {
    let tmp = scratch(dir);
    let receipt_path = tmp.path().join("receipt.eml");
    let sent_path = tmp.path().join("sent.eml");
    fs::write(&receipt_path, receipt).unwrap();
    fs::write(&sent_path, sent).unwrap();
    run(openssl()
        .args(["cms", "-verify_receipt"])
        .arg(&receipt_path)
        .arg("-in")
        .arg(&sent_path)
        .arg("-CAfile")
        .arg(ca))
}

// ---------------------------------------------------------------------------------------------
// NSS
// ---------------------------------------------------------------------------------------------

/// An NSS database with the root and the intermediate trusted ("C,C,C") and the leaves' PKCS#12
/// files imported. NSS 3.87 cannot import Ed25519 keys: `imported` says which leaves made it.
pub struct Nss {
    /// The database directory.
    pub db: PathBuf,
    /// Names of the leaves whose PKCS#12 import worked (their nickname is the name).
    pub imported: Vec<String>,
    /// Where scratch directories go.
    base: PathBuf,
}

impl Nss {
    /// Make the database in `dir/nssdb`.
    pub fn new(dir: &Path, pki: &Pki) -> Nss {
        let db = dir.join("nssdb");
        fs::create_dir_all(&db).unwrap();
        let dbarg = format!("sql:{}", db.display());
        must(Command::new("certutil").args(["-N", "-d", &dbarg, "--empty-password"]));
        for (nick, cert) in [
            ("smime-test-root", &pki.root),
            ("smime-test-intermediate", &pki.intermediate),
        ] {
            must(
                Command::new("certutil")
                    .args(["-A", "-d", &dbarg, "-n", nick, "-t", "C,C,C"])
                    .arg("-i")
                    .arg(cert),
            );
        }
        let mut imported = Vec::new();
        for leaf in pki.all_leaves() {
            let o = run(Command::new("pk12util").arg("-i").arg(&leaf.p12).args([
                "-d",
                &dbarg,
                "-W",
                P12_PASSWORD,
                "-K",
                "",
            ]));
            if o.ok() {
                imported.push(leaf.name.clone());
            }
        }
        Nss {
            db,
            imported,
            base: dir.to_path_buf(),
        }
    }

    fn dbarg(&self) -> String {
        format!("sql:{}", self.db.display())
    }

    /// `cmsutil -D` (decode and verify, usage email signer) of a DER CMS; `content` for a detached
    /// signature. The decoded content is in `stdout`.
    pub fn cmsutil_verify(&self, der: &[u8], content: Option<&[u8]>) -> Outcome {
        let tmp = scratch(&self.base);
        let input = tmp.path().join("in.p7m");
        let output = tmp.path().join("content");
        fs::write(&input, der).unwrap();
        let mut cmd = Command::new("cmsutil");
        cmd.args(["-D", "-d", &self.dbarg(), "-u", "4"])
            .arg("-i")
            .arg(&input)
            .arg("-o")
            .arg(&output);
        if let Some(c) = content {
            let cpath = tmp.path().join("detached");
            fs::write(&cpath, c).unwrap();
            cmd.arg("-c").arg(&cpath);
        }
        let mut o = run(&mut cmd);
        o.stdout = fs::read(&output).unwrap_or_default();
        o
    }

    /// `cmsutil -S` as `leaf` (by nickname) over `content`, with a signing time; `-T` (detached)
    /// when `detached`. The DER output is in `stdout`.
    pub fn cmsutil_sign(&self, leaf: &Leaf, content: &[u8], detached: bool) -> Outcome {
        let tmp = scratch(&self.base);
        let input = tmp.path().join("content");
        let output = tmp.path().join("out.p7m");
        fs::write(&input, content).unwrap();
        let mut cmd = Command::new("cmsutil");
        cmd.args([
            "-S",
            "-G",
            "-P",
            "-Y",
            "NONE",
            "-d",
            &self.dbarg(),
            "-N",
            &leaf.name,
            "-p",
            "",
        ])
        .arg("-i")
        .arg(&input)
        .arg("-o")
        .arg(&output);
        if detached {
            cmd.arg("-T");
        }
        let mut o = run(&mut cmd);
        if o.ok() {
            o.stdout = fs::read(&output).unwrap_or_default();
        }
        o
    }
}

// ---------------------------------------------------------------------------------------------
// gpgsm
// ---------------------------------------------------------------------------------------------

/// A GnuPG home of its own with the root in trustlist.txt, the CA certificates imported and the
/// leaves' keys installed, set up so that `gpgsm --sign` never asks anything.
///
/// GnuPG 2.2.40 quirks: its PKCS#12 reader knows neither PBES2 with an HMAC-SHA-256 PRF (what
/// OpenSSL 3 writes) nor EC keys, so RSA keys come in through a PKCS#12 with 3DES, and EC keys
/// are written straight into `private-keys-v1.d/` as S-expressions under their keygrip.
pub struct Gpgsm {
    /// GNUPGHOME.
    pub home: PathBuf,
    /// Names of the leaves whose key made it in.
    pub imported: Vec<String>,
    base: PathBuf,
}

impl Gpgsm {
    /// Make the home in `dir/gnupg`.
    pub fn new(dir: &Path, pki: &Pki) -> Gpgsm {
        use std::os::unix::fs::PermissionsExt;
        let home = dir.join("gnupg");
        fs::create_dir_all(&home).unwrap();
        fs::set_permissions(&home, fs::Permissions::from_mode(0o700)).unwrap();
        fs::write(
            home.join("gpgsm.conf"),
            "disable-crl-checks\ndisable-ocsp\ndisable-dirmngr\ndisable-policy-checks\n\
             include-certs -1\nbatch\npinentry-mode loopback\nno-secmem-warning\n",
        )
        .unwrap();
        fs::write(
            home.join("gpg-agent.conf"),
            "allow-loopback-pinentry\nallow-preset-passphrase\n",
        )
        .unwrap();
        let fpr = must(
            openssl()
                .args(["x509", "-noout", "-fingerprint", "-sha1"])
                .arg("-in")
                .arg(&pki.root),
        )
        .stdout_text();
        let fpr = fpr.trim().rsplit('=').next().unwrap().to_string();
        fs::write(home.join("trustlist.txt"), format!("{fpr} S relax\n")).unwrap();
        let mut g = Gpgsm {
            home,
            imported: Vec::new(),
            base: dir.to_path_buf(),
        };
        must(
            g.cmd()
                .arg("--import")
                .arg(&pki.root)
                .arg(&pki.intermediate),
        );
        let mut imported = Vec::new();
        for leaf in pki.all_leaves() {
            if g.install(leaf) {
                imported.push(leaf.name.clone());
            }
        }
        g.imported = imported;
        g
    }

    /// `gpgsm` with this home and the non-interactive options.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new("gpgsm");
        c.env("GNUPGHOME", &self.home).args([
            "--batch",
            "--pinentry-mode",
            "loopback",
            "--passphrase-fd",
            "0",
        ]);
        c
    }

    fn install(&self, leaf: &Leaf) -> bool {
        match leaf.alg {
            Alg::Rsa | Alg::RsaPss => {
                let p12 = leaf.p12.with_extension("gpgsm.p12");
                must(
                    openssl()
                        .args(["pkcs12", "-export"])
                        .arg("-in")
                        .arg(&leaf.cert)
                        .arg("-inkey")
                        .arg(&leaf.key)
                        .args([
                            "-name",
                            &leaf.name,
                            "-passout",
                            &format!("pass:{P12_PASSWORD}"),
                        ])
                        .args(LEGACY_P12_ARGS)
                        .arg("-out")
                        .arg(&p12),
                );
                let o = run_with_stdin(
                    self.cmd().arg("--import").arg(&p12),
                    format!("{P12_PASSWORD}\n").as_bytes(),
                );
                o.ok() && o.stderr.contains("secret keys imported: 1")
            }
            Alg::P256 | Alg::P384 | Alg::Ed25519 => {
                if !run(self.cmd().arg("--import").arg(&leaf.cert)).ok() {
                    return false;
                }
                let listing = run(self.cmd().args([
                    "--with-colons",
                    "--with-keygrip",
                    "--list-keys",
                    &leaf.email,
                ]))
                .stdout_text();
                let Some(grip) = listing
                    .lines()
                    .find(|l| l.starts_with("grp:"))
                    .and_then(|l| l.split(':').nth(9))
                    .filter(|g| g.len() == 40)
                else {
                    return false;
                };
                let text = must(
                    openssl()
                        .args(["pkey", "-noout", "-text"])
                        .arg("-in")
                        .arg(&leaf.key),
                )
                .stdout_text();
                let (Some(d), Some(q)) = (hex_block(&text, "priv:"), hex_block(&text, "pub:"))
                else {
                    return false;
                };
                let atom = |b: &[u8]| {
                    let mut v = format!("{}:", b.len()).into_bytes();
                    v.extend_from_slice(b);
                    v
                };
                let mut sexp = b"(".to_vec();
                sexp.extend(atom(b"private-key"));
                sexp.extend(b"(");
                sexp.extend(atom(b"ecc"));
                let (curve, q, size) = match leaf.alg {
                    Alg::P256 => ("NIST P-256", q, 32),
                    Alg::P384 => ("NIST P-384", q, 48),
                    _ => ("Ed25519", [&[0x40u8][..], &q].concat(), 32),
                };
                // openssl prints a leading 00 when the top bit is set; the agent wants the
                // scalar at the curve's size.
                let mut d = d;
                while d.len() > size && d[0] == 0 {
                    d.remove(0);
                }
                while d.len() < size {
                    d.insert(0, 0);
                }
                sexp.extend(b"(");
                sexp.extend(atom(b"curve"));
                sexp.extend(atom(curve.as_bytes()));
                sexp.extend(b")");
                if leaf.alg == Alg::Ed25519 {
                    sexp.extend(b"(");
                    sexp.extend(atom(b"flags"));
                    sexp.extend(atom(b"eddsa"));
                    sexp.extend(b")");
                }
                for (name, value) in [(&b"q"[..], &q[..]), (b"d", &d[..])] {
                    sexp.extend(b"(");
                    sexp.extend(atom(name));
                    sexp.extend(atom(value));
                    sexp.extend(b")");
                }
                sexp.extend(b"))");
                let keys = self.home.join("private-keys-v1.d");
                fs::create_dir_all(&keys).unwrap();
                fs::write(keys.join(format!("{grip}.key")), sexp).unwrap();
                true
            }
        }
    }

    /// `gpgsm --verify`: of a detached DER signature with its `content`, or of an opaque
    /// SignedData (`content` None; the content is in `stdout`).
    pub fn gpgsm_verify(&self, der: &[u8], content: Option<&[u8]>) -> Outcome {
        let tmp = scratch(&self.base);
        let input = tmp.path().join("in.p7m");
        let output = tmp.path().join("content");
        fs::write(&input, der).unwrap();
        let mut cmd = self.cmd();
        cmd.arg("--output").arg(&output).arg("--verify").arg(&input);
        if let Some(c) = content {
            let cpath = tmp.path().join("detached");
            fs::write(&cpath, c).unwrap();
            cmd.arg(&cpath);
        }
        let mut o = run(&mut cmd);
        o.stdout = fs::read(&output).unwrap_or_default();
        o
    }

    /// `gpgsm --sign` (opaque) or `--detach-sign` as `leaf`. The DER output is in `stdout`.
    pub fn gpgsm_sign(&self, leaf: &Leaf, content: &[u8], detached: bool) -> Outcome {
        let tmp = scratch(&self.base);
        let input = tmp.path().join("content");
        let output = tmp.path().join("out.p7m");
        fs::write(&input, content).unwrap();
        let mut cmd = self.cmd();
        // gpgsm 2.2 hashes with SHA-256 unless told; its agent refuses that for a P-384 key.
        if leaf.alg == Alg::P384 {
            cmd.args(["--digest-algo", "SHA384"]);
        }
        cmd.args(["--local-user", &leaf.email])
            .arg(if detached { "--detach-sign" } else { "--sign" })
            .arg("--output")
            .arg(&output)
            .arg(&input);
        let mut o = run_with_stdin(&mut cmd, format!("{P12_PASSWORD}\n").as_bytes());
        if o.ok() {
            o.stdout = fs::read(&output).unwrap_or_default();
        }
        o
    }
}

impl Drop for Gpgsm {
    fn drop(&mut self) {
        // The agent would otherwise outlive the test.
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", &self.home)
            .args(["--kill", "gpg-agent"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// The bytes of an `openssl ... -text` hex block that follows `label` (e.g. `priv:`).
fn hex_block(text: &str, label: &str) -> Option<Vec<u8>> {
    let mut lines = text.lines().skip_while(|l| l.trim() != label);
    lines.next()?;
    let mut hex = String::new();
    for l in lines {
        let t = l.trim();
        if t.is_empty() || !t.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
            break;
        }
        hex.extend(t.chars().filter(|c| *c != ':'));
    }
    let bytes: Option<Vec<u8>> = (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
        .collect();
    bytes.filter(|b| !b.is_empty())
}

// ---------------------------------------------------------------------------------------------
// All peers at once
// ---------------------------------------------------------------------------------------------

/// A temporary directory with a PKI and, where installed, NSS and gpgsm set up for it.
pub struct Peers {
    /// Keep it alive for as long as the test runs (dropped last).
    pub pki: Pki,
    /// NSS, when cmsutil, certutil and pk12util are installed.
    pub nss: Option<Nss>,
    /// gpgsm, when installed.
    pub gpgsm: Option<Gpgsm>,
    /// Owns the directory; declared last so that it goes after the gpg-agent is stopped.
    pub dir: TempDir,
}

impl Peers {
    /// None when openssl itself is missing (and peers are not required).
    pub fn new() -> Option<Peers> {
        let (dir, pki) = pki_in_temp_dir("smime-peers-")?;
        let nss =
            require_peers(&["certutil", "pk12util", "cmsutil"]).then(|| Nss::new(dir.path(), &pki));
        let gpgsm = (require_peer("gpgsm") && require_peer("gpgconf"))
            .then(|| Gpgsm::new(dir.path(), &pki));
        Some(Peers {
            pki,
            nss,
            gpgsm,
            dir,
        })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

// ---------------------------------------------------------------------------------------------
// What the peers can do
// ---------------------------------------------------------------------------------------------

/// The peers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Peer {
    /// `openssl cms`.
    Openssl,
    /// NSS `cmsutil`.
    Nss,
    /// GnuPG `gpgsm`.
    Gpgsm,
}

/// Sign or verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Make a SignedData.
    Sign,
    /// Verify one.
    Verify,
}

/// What each peer can do with each algorithm in CMS, as measured on Debian 12 (OpenSSL 3.0.x,
/// NSS 3.87, GnuPG 2.2.40) by `peers_selfcheck.rs` and the interop tests. Where a peer cannot,
/// the tests assert that it fails, so an upgrade that adds support shows up as a failure to
/// update this table.
///
/// - OpenSSL 3.0 cannot sign Ed25519 in CMS ("no default digest" / "invalid digest").
/// - NSS 3.87 cannot import Ed25519 keys nor decode an Ed25519 SignedData.
/// - cmsutil and gpgsm have no way to ask for RSASSA-PSS: `Sign` with `RsaPss` means nothing
///   for them (the tests do not ask).
pub fn capability(peer: Peer, op: Op, alg: Alg) -> bool {
    use Alg::*;
    match (peer, op, alg) {
        (_, _, Rsa | P256 | P384) => true,
        (Peer::Openssl, Op::Sign, RsaPss) => true,
        (Peer::Openssl, Op::Sign, Ed25519) => false,
        (Peer::Openssl, Op::Verify, RsaPss) => true,
        (Peer::Openssl, Op::Verify, Ed25519) => false,
        (Peer::Nss, Op::Verify, RsaPss) => true,
        (Peer::Nss, _, Ed25519) => false,
        (Peer::Gpgsm, Op::Verify, RsaPss) => true,
        (Peer::Gpgsm, _, Ed25519) => false,
        (Peer::Nss | Peer::Gpgsm, Op::Sign, RsaPss) => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Encryption recipients
// ---------------------------------------------------------------------------------------------

/// The key of an encryption recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecipientKey {
    /// RSA 2048: key transport.
    Rsa,
    /// EC P-256: ECDH key agreement.
    P256,
    /// EC P-384: ECDH key agreement.
    P384,
    /// X25519: key agreement (RFC 8418).
    X25519,
}

impl RecipientKey {
    /// Every kind, in a fixed order.
    pub const ALL: [RecipientKey; 4] = [
        RecipientKey::Rsa,
        RecipientKey::P256,
        RecipientKey::P384,
        RecipientKey::X25519,
    ];

    /// Short name.
    pub fn name(self) -> &'static str {
        match self {
            RecipientKey::Rsa => "rsa",
            RecipientKey::P256 => "p256",
            RecipientKey::P384 => "p384",
            RecipientKey::X25519 => "x25519",
        }
    }

    /// The key usage an encryption certificate of this kind has (RFC 8550 4.4.2).
    pub fn encryption_usage(self) -> &'static str {
        match self {
            RecipientKey::Rsa => "keyEncipherment",
            _ => "keyAgreement",
        }
    }

    /// The signing [`Alg`] of the same key type, for the peer installers (none for X25519).
    fn alg(self) -> Option<Alg> {
        match self {
            RecipientKey::Rsa => Some(Alg::Rsa),
            RecipientKey::P256 => Some(Alg::P256),
            RecipientKey::P384 => Some(Alg::P384),
            RecipientKey::X25519 => None,
        }
    }
}

/// An encryption recipient: certificate (issued by the intermediate) and key.
#[derive(Clone, Debug)]
pub struct Recipient {
    /// The key kind.
    pub kind: RecipientKey,
    /// File stem, NSS nickname and local part of the address.
    pub name: String,
    /// `<name>@example.com`.
    pub email: String,
    /// Certificate, PEM.
    pub cert: PathBuf,
    /// Private key, PKCS#8 PEM.
    pub key: PathBuf,
    /// PKCS#12 (password "test", modern encryption, with the CA chain).
    pub p12: PathBuf,
}

impl Recipient {
    /// The same certificate and key as a [`Leaf`], for [`Nss::import`] and [`Gpgsm::add`]
    /// (none for X25519, which neither peer reads).
    pub fn leaf(&self, pki: &Pki) -> Option<Leaf> {
        Some(Leaf {
            alg: self.kind.alg()?,
            name: self.name.clone(),
            email: self.email.clone(),
            cert: self.cert.clone(),
            key: self.key.clone(),
            p12: self.p12.clone(),
            chain: vec![pki.intermediate.clone()],
            full_chain: vec![pki.intermediate.clone(), pki.root.clone()],
        })
    }
}

impl Pki {
    /// An encryption recipient `name` of `kind`, issued by the intermediate with keyUsage
    /// `key_usage` (e.g. [`RecipientKey::encryption_usage`], or `digitalSignature` for a
    /// certificate that must be refused), emailProtection and an rfc822Name. An X25519 key
    /// cannot sign its own request, so its certificate is made with `-force_pubkey`.
    pub fn recipient(&self, kind: RecipientKey, name: &str, key_usage: &str) -> Recipient {
        self.recipient_with_email(kind, name, key_usage, &format!("{name}@example.com"))
    }

    /// [`Pki::recipient`] with another address (e.g. that of a signing leaf).
    pub fn recipient_with_email(
        &self,
        kind: RecipientKey,
        name: &str,
        key_usage: &str,
        email: &str,
    ) -> Recipient {
        let f = |n: &str| self.dir.join(n);
        let email = email.to_string();
        let key = f(&format!("{name}.key"));
        let cert = f(&format!("{name}.pem"));
        let p12 = f(&format!("{name}.p12"));
        let ext = f(&format!("{name}.ext"));
        fs::write(
            &ext,
            format!(
                "basicConstraints=critical,CA:FALSE\n\
                 keyUsage=critical,{key_usage}\n\
                 extendedKeyUsage=emailProtection\n\
                 subjectAltName=email:{email}\n\
                 subjectKeyIdentifier=hash\n\
                 authorityKeyIdentifier=keyid\n"
            ),
        )
        .unwrap();
        let subject = format!("/O=smime tests/CN={name}/emailAddress={email}");
        match kind.alg() {
            Some(alg) => {
                genkey(alg, &key);
                issue(
                    &self.dir,
                    &key,
                    &subject,
                    &ext,
                    &self.intermediate,
                    &self.intermediate_key,
                    &cert,
                );
            }
            None => {
                must(
                    openssl()
                        .args(["genpkey", "-algorithm", "X25519", "-out"])
                        .arg(&key),
                );
                let public = f(&format!("{name}.pub.pem"));
                must(
                    openssl()
                        .args(["pkey", "-pubout", "-in"])
                        .arg(&key)
                        .arg("-out")
                        .arg(&public),
                );
                must(
                    openssl()
                        .args([
                            "x509", "-new", "-sha256", "-days", "3650", "-subj", &subject,
                        ])
                        .arg("-force_pubkey")
                        .arg(&public)
                        .arg("-CA")
                        .arg(&self.intermediate)
                        .arg("-CAkey")
                        .arg(&self.intermediate_key)
                        .arg("-extfile")
                        .arg(&ext)
                        .arg("-out")
                        .arg(&cert),
                );
            }
        }
        must(
            openssl()
                .args(["pkcs12", "-export"])
                .arg("-in")
                .arg(&cert)
                .arg("-inkey")
                .arg(&key)
                .arg("-certfile")
                .arg(&self.intermediate)
                .args(["-name", name, "-passout", &format!("pass:{P12_PASSWORD}")])
                .args(["-keypbe", "AES-256-CBC", "-certpbe", "AES-256-CBC"])
                .args(["-macalg", "sha256"])
                .arg("-out")
                .arg(&p12),
        );
        Recipient {
            kind,
            name: name.to_string(),
            email,
            cert,
            key,
            p12,
        }
    }
}

impl Nss {
    /// Import `leaf`'s PKCS#12 (certificate and key); whether it worked.
    pub fn import(&mut self, leaf: &Leaf) -> bool {
        let o = run(Command::new("pk12util").arg("-i").arg(&leaf.p12).args([
            "-d",
            &self.dbarg(),
            "-W",
            P12_PASSWORD,
            "-K",
            "",
        ]));
        if o.ok() {
            self.imported.push(leaf.name.clone());
        }
        o.ok()
    }

    /// `cmsutil -E` to the recipients (nicknames or addresses in the database) over
    /// `content`. The DER EnvelopedData is in `stdout`.
    pub fn cmsutil_encrypt(&self, recipients: &[&str], content: &[u8]) -> Outcome {
        let tmp = scratch(&self.base);
        let input = tmp.path().join("content");
        let output = tmp.path().join("out.p7m");
        fs::write(&input, content).unwrap();
        let mut cmd = Command::new("cmsutil");
        cmd.args(["-E", "-d", &self.dbarg(), "-r", &recipients.join(",")])
            .arg("-i")
            .arg(&input)
            .arg("-o")
            .arg(&output);
        let mut o = run(&mut cmd);
        o.stdout = if o.ok() {
            fs::read(&output).unwrap_or_default()
        } else {
            Vec::new()
        };
        o
    }

    /// `cmsutil -D` of a DER EnvelopedData: the decrypted content is in `stdout`.
    pub fn cmsutil_decrypt(&self, der: &[u8]) -> Outcome {
        let tmp = scratch(&self.base);
        let input = tmp.path().join("in.p7m");
        let output = tmp.path().join("content");
        fs::write(&input, der).unwrap();
        let mut o = run(Command::new("cmsutil")
            .args(["-D", "-d", &self.dbarg(), "-p", ""])
            .arg("-i")
            .arg(&input)
            .arg("-o")
            .arg(&output));
        o.stdout = fs::read(&output).unwrap_or_default();
        o
    }
}

impl Gpgsm {
    /// Install `leaf`'s certificate and key; whether it worked.
    pub fn add(&mut self, leaf: &Leaf) -> bool {
        let ok = self.install(leaf);
        if ok {
            self.imported.push(leaf.name.clone());
        }
        ok
    }

    /// `gpgsm --encrypt` to the recipients (addresses) over `content`; DER in `stdout`.
    pub fn gpgsm_encrypt(&self, recipients: &[&str], content: &[u8]) -> Outcome {
        let tmp = scratch(&self.base);
        let input = tmp.path().join("content");
        let output = tmp.path().join("out.p7m");
        fs::write(&input, content).unwrap();
        let mut cmd = self.cmd();
        for r in recipients {
            cmd.args(["--recipient", r]);
        }
        cmd.arg("--encrypt")
            .arg("--output")
            .arg(&output)
            .arg(&input);
        let mut o = run_with_stdin(&mut cmd, format!("{P12_PASSWORD}\n").as_bytes());
        o.stdout = if o.ok() {
            fs::read(&output).unwrap_or_default()
        } else {
            Vec::new()
        };
        o
    }

    /// `gpgsm --decrypt` of a DER EnvelopedData: the content is in `stdout`.
    pub fn gpgsm_decrypt(&self, der: &[u8]) -> Outcome {
        let tmp = scratch(&self.base);
        let input = tmp.path().join("in.p7m");
        let output = tmp.path().join("content");
        fs::write(&input, der).unwrap();
        let mut cmd = self.cmd();
        cmd.arg("--output")
            .arg(&output)
            .arg("--decrypt")
            .arg(&input);
        let mut o = run_with_stdin(&mut cmd, format!("{P12_PASSWORD}\n").as_bytes());
        o.stdout = if o.ok() {
            fs::read(&output).unwrap_or_default()
        } else {
            Vec::new()
        };
        o
    }
}

/// A server child process (`smime ca serve`); killed when dropped.
pub struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A local address `127.0.0.1:PORT` free a moment ago, for a server to listen on.
pub fn free_local_address() -> String {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .to_string()
}

/// Start `cmd`, a server that listens on `listen` (its output discarded), and wait until it
/// accepts connections (20 seconds at most).
pub fn serve(cmd: &mut Command, listen: &str) -> Served {
    let served = Served(
        cmd.stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the server"),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(listen).is_err() {
        assert!(
            Instant::now() < deadline,
            "the server did not listen on {listen}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    served
}

/// Ask the OCSP responder at `url` about `cert` (issued by `issuer`, chained to `root`) with
/// `openssl ocsp`; asserts the response is signed by a delegated responder (id-kp-OCSPSigning)
/// and verifies, and returns openssl's text (stdout and stderr) for the status.
pub fn ocsp_delegated_text(issuer: &Path, cert: &Path, url: &str, root: &Path) -> String {
    let path = |p: &Path| p.to_str().expect("UTF-8 path").to_string();
    let o = run(Command::new("openssl").args([
        "ocsp".into(),
        "-issuer".into(),
        path(issuer),
        "-cert".into(),
        path(cert),
        "-url".into(),
        url.to_string(),
        "-CAfile".into(),
        path(root),
        "-resp_text".into(),
    ]));
    let text = format!("{}{}", o.stdout_text(), o.stderr);
    assert!(
        text.contains("OCSP Signing"),
        "a delegated responder: {text}"
    );
    assert!(text.contains("Response verify OK"), "{text}");
    text
}

/// With the store's CA (run through `smime`): bob gets an encryption certificate for 10
/// days, inside the default renewal window, and `lifecycle run` renews exactly it.
pub fn assert_lifecycle_renews_bob(smime: impl Fn(&[&str]) -> Outcome) {
    smime(&[
        "ca",
        "issue",
        "--email",
        "bob@example.org",
        "--usage",
        "encrypt",
        "--validity-days",
        "10",
    ])
    .assert_ok();
    let renewal = smime(&["lifecycle", "run", "--json"]);
    renewal.assert_ok();
    let summary = renewal.json();
    let renewed = summary["renewed"].as_array().expect("renewed");
    assert_eq!(renewed.len(), 1, "{summary}");
    assert_eq!(renewed[0]["owner"], "bob@example.org", "{summary}");
}

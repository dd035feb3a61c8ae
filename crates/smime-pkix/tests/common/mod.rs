//! Certificates made at test time with the `openssl` command-line tool in a temporary
//! directory: a root, and leaves with any extensions (openssl x509v3 config lines).
#![allow(dead_code)] // each test file uses a part

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use smime_pkix::pem::load_certificates;
use smime_pkix::x509_cert::Certificate;
use tempfile::TempDir;

/// Extensions of a CA certificate.
pub const CA_EXTENSIONS: &str = "basicConstraints=critical,CA:TRUE\n\
     keyUsage=critical,keyCertSign,cRLSign\n\
     subjectKeyIdentifier=hash\n";

/// A scratch directory with a P-256 root `root.pem`/`root.key` (subject `/O=Example/CN=Root`).
pub struct Pki {
    dir: TempDir,
}

impl Pki {
    pub fn new() -> Pki {
        let pki = Pki {
            dir: TempDir::new().expect("temporary directory"),
        };
        pki.write("req.cnf", b"[req]\ndistinguished_name = dn\n[dn]\n[ext]\n");
        pki.write(
            "ca.cnf",
            format!("[req]\ndistinguished_name = dn\n[dn]\n[ext]\n{CA_EXTENSIONS}").as_bytes(),
        );
        pki.key("root", "p256");
        pki.openssl(&[
            "req",
            "-x509",
            "-new",
            "-key",
            "root.key",
            "-subj",
            "/O=Example/CN=Root",
            "-days",
            "30",
            "-config",
            "ca.cnf",
            "-extensions",
            "ext",
            "-out",
            "root.pem",
        ]);
        pki
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
    }

    pub fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.path(name), bytes).unwrap_or_else(|e| panic!("write {name}: {e}"));
    }

    /// Run `openssl args...` in the directory; panics with its stderr when it fails.
    pub fn openssl(&self, args: &[&str]) {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("the openssl command-line tool");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `name.key`: `rsa2048`, `rsa-pss`, `p256`, `ed25519` or `x25519`.
    pub fn key(&self, name: &str, kind: &str) {
        let out = format!("{name}.key");
        let mut args = vec!["genpkey", "-out", &out];
        match kind {
            "rsa2048" => args.extend(["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
            "rsa-pss" => args.extend(["-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048"]),
            "p256" => args.extend(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
            "ed25519" => args.extend(["-algorithm", "ED25519"]),
            "x25519" => args.extend(["-algorithm", "X25519"]),
            other => panic!("unknown key kind {other}"),
        }
        self.openssl(&args);
    }

    /// `name.pem`: a certificate for a new `kind` key, issued by the root with `subject` and
    /// `extensions` (x509v3 config lines, sections such as `[alt]` last; `-force_pubkey` so a
    /// key-agreement-only key works).
    pub fn leaf(&self, name: &str, kind: &str, subject: &str, extensions: &str) -> Certificate {
        self.issue(name, kind, subject, extensions, "root")
    }

    /// [`Pki::leaf`] issued by `issuer` (`issuer.pem`, `issuer.key`) instead of the root.
    pub fn issue(
        &self,
        name: &str,
        kind: &str,
        subject: &str,
        extensions: &str,
        issuer: &str,
    ) -> Certificate {
        self.key(name, kind);
        let (key, public, ext, out) = (
            format!("{name}.key"),
            format!("{name}.pub.pem"),
            format!("{name}.ext"),
            format!("{name}.pem"),
        );
        self.openssl(&["pkey", "-in", &key, "-pubout", "-out", &public]);
        let (ca, ca_key) = (format!("{issuer}.pem"), format!("{issuer}.key"));
        self.write(
            &ext,
            format!("authorityKeyIdentifier=keyid\n{extensions}").as_bytes(),
        );
        self.openssl(&[
            "x509",
            "-new",
            "-sha256",
            "-days",
            "30",
            "-subj",
            subject,
            "-force_pubkey",
            &public,
            "-CA",
            &ca,
            "-CAkey",
            &ca_key,
            "-extfile",
            &ext,
            "-out",
            &out,
        ]);
        self.cert(name)
    }

    /// The first certificate of `name.pem`.
    pub fn cert(&self, name: &str) -> Certificate {
        let file = format!("{name}.pem");
        load_certificates(&self.read(&file), &file)
            .unwrap_or_else(|e| panic!("{e}"))
            .remove(0)
    }
}

/// Whether `openssl` is there; panics when it is missing under SMIME_TEST_REQUIRE_PEERS
/// (the convention of crates/smime-cli/tests/common::require_peer).
pub fn require_openssl() -> bool {
    let found = Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        if std::env::var_os("SMIME_TEST_REQUIRE_PEERS").is_some_and(|v| !v.is_empty() && v != "0") {
            panic!("peer binary `openssl` is missing and SMIME_TEST_REQUIRE_PEERS is set");
        }
        println!("skipped: openssl missing (scripts/test.sh installs it)");
    }
    found
}

/// `openssl ocsp ... -port P` (OpenSSL's responder) running in a directory; killed when
/// dropped.
pub struct OpensslResponder {
    child: Child,
}

impl OpensslResponder {
    /// Starts `openssl` with the whitespace-separated `args` (an `ocsp ... -port P` command)
    /// in `dir` and waits until it says it is listening. (A probe connection would not do:
    /// the single-threaded responder then hangs on the empty connection.)
    pub fn start(dir: &Path, args: &str) -> OpensslResponder {
        let mut child = Command::new("openssl")
            .args(args.split_whitespace())
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start openssl ocsp");
        let stderr = child.stderr.take().expect("stderr of openssl ocsp");
        let (ready, listening) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Reads every line, so the pipe never fills; says when the server is up.
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("waiting for OCSP client connections") {
                    let _ = ready.send(());
                }
            }
        });
        let responder = OpensslResponder { child };
        listening
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("openssl {args}: did not start listening"));
        responder
    }
}

impl Drop for OpensslResponder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

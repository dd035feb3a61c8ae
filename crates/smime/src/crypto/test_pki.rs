//! Test support: keys and certificates made at test time with the `openssl` command-line
//! tool in a temporary directory (no fixtures to go stale).

use std::path::PathBuf;
use std::process::Command;

use der::Decode;
use spki::SubjectPublicKeyInfoOwned;
use tempfile::TempDir;
use x509_cert::Certificate;

use super::{load_certificates, PrivateKey};

/// Extensions of a CA certificate.
pub(crate) const CA_EXTENSIONS: &str = "basicConstraints=critical,CA:TRUE\n\
     keyUsage=critical,keyCertSign,cRLSign\n\
     subjectKeyIdentifier=hash\n";

/// Extensions of a mail signing certificate.
pub(crate) const LEAF_EXTENSIONS: &str = "basicConstraints=CA:FALSE\n\
     keyUsage=critical,digitalSignature\n\
     extendedKeyUsage=emailProtection\n\
     subjectKeyIdentifier=hash\n";

/// Bytes from hex text (whitespace ignored), for known-answer tests.
pub(crate) fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A scratch directory for one test's keys and certificates.
pub(crate) struct Pki {
    dir: TempDir,
}

impl Pki {
    pub(crate) fn new() -> Self {
        let dir = TempDir::new().expect("temporary directory");
        std::fs::write(
            dir.path().join("req.cnf"),
            "[req]\ndistinguished_name = dn\n[dn]\n",
        )
        .expect("write req.cnf");
        Pki { dir }
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub(crate) fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
    }

    pub(crate) fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.path(name), bytes).unwrap_or_else(|e| panic!("write {name}: {e}"));
    }

    /// Run `openssl args...` in the directory; panics with its stderr when it fails.
    pub(crate) fn openssl(&self, args: &[&str]) {
        assert!(self.try_openssl(args), "openssl {args:?} failed");
    }

    /// Run `openssl args...` in the directory; whether it succeeded.
    pub(crate) fn try_openssl(&self, args: &[&str]) -> bool {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("the openssl command-line tool");
        if !out.status.success() {
            eprintln!("openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        }
        out.status.success()
    }

    /// Generate `name.key` (PKCS#8 PEM): `rsa2048`, `rsa1024`, `rsa-pss`, `p256`, `p384`,
    /// `p521` or `ed25519`.
    pub(crate) fn key(&self, name: &str, kind: &str) {
        let out = format!("{name}.key");
        let mut args = vec!["genpkey", "-out", &out];
        match kind {
            "rsa2048" => args.extend(["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
            "rsa1024" => args.extend(["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"]),
            "rsa-pss" => args.extend(["-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048"]),
            "p256" => args.extend(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
            "p384" => args.extend(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]),
            "p521" => args.extend(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"]),
            "ed25519" => args.extend(["-algorithm", "ED25519"]),
            other => panic!("unknown key kind {other}"),
        }
        self.openssl(&args);
    }

    pub(crate) fn private_key(&self, name: &str) -> PrivateKey {
        PrivateKey::from_pem_or_der(&self.read(&format!("{name}.key")), name)
            .unwrap_or_else(|e| panic!("{name}.key: {e}"))
    }

    /// The public key of `name.key` as openssl writes it.
    pub(crate) fn spki(&self, name: &str) -> SubjectPublicKeyInfoOwned {
        let key = format!("{name}.key");
        let out = format!("{name}.pub.der");
        self.openssl(&[
            "pkey", "-in", &key, "-pubout", "-outform", "DER", "-out", &out,
        ]);
        SubjectPublicKeyInfoOwned::from_der(&self.read(&out)).expect("SPKI from openssl")
    }

    /// A self-signed CA certificate `name.pem` for `name.key`.
    pub(crate) fn root(&self, name: &str, subject: &str, days: u32) {
        let config = format!("{name}.cnf");
        self.write(
            &config,
            format!("[req]\ndistinguished_name = dn\n[dn]\n[ext]\n{CA_EXTENSIONS}").as_bytes(),
        );
        let (key, out, days) = (
            format!("{name}.key"),
            format!("{name}.pem"),
            days.to_string(),
        );
        self.openssl(&[
            "req",
            "-x509",
            "-new",
            "-key",
            &key,
            "-subj",
            subject,
            "-days",
            &days,
            "-config",
            &config,
            "-extensions",
            "ext",
            "-out",
            &out,
        ]);
    }

    /// A certificate `name.pem` for `name.key`, issued by `issuer` (`issuer.pem`,
    /// `issuer.key`) with `extensions` (openssl x509v3 config lines).
    pub(crate) fn issue(
        &self,
        name: &str,
        subject: &str,
        issuer: &str,
        days: u32,
        serial: u32,
        extensions: &str,
    ) {
        let (key, csr, ext, out) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.ext"),
            format!("{name}.pem"),
        );
        let (ca, ca_key) = (format!("{issuer}.pem"), format!("{issuer}.key"));
        self.write(
            &ext,
            format!("{extensions}authorityKeyIdentifier=keyid\n").as_bytes(),
        );
        self.openssl(&[
            "req", "-new", "-key", &key, "-subj", subject, "-config", "req.cnf", "-out", &csr,
        ]);
        let (days, serial) = (days.to_string(), serial.to_string());
        self.openssl(&[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &ca,
            "-CAkey",
            &ca_key,
            "-set_serial",
            &serial,
            "-days",
            &days,
            "-extfile",
            &ext,
            "-out",
            &out,
        ]);
    }

    pub(crate) fn cert(&self, name: &str) -> Certificate {
        let mut certs = load_certificates(&self.read(&format!("{name}.pem")), name)
            .unwrap_or_else(|e| panic!("{name}.pem: {e}"));
        certs.remove(0)
    }
}

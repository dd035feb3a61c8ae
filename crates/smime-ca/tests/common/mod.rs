//! Helpers of the smime-ca integration tests: a CA hierarchy for example.org, files in a
//! temporary directory, and the peer binaries (openssl, pkilint) that judge what we issue.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use der::{Encode, EncodePem};
use smime_ca::hierarchy::{create, CaOptions, Hierarchy};
use smime_ca::keygen::KeyAlgorithm;
use smime_ca::organization::Organization;
use smime_ca::urls::CaUrls;
use x509_cert::Certificate;

/// 2026-11-01T00:00:00Z: issuance time of the fixtures (inside every validity).
pub const NOW: i64 = 1_793_491_200;

/// Whether the peer binary `bin` (a name on PATH or a path) can be run. When not: panic
/// under `SMIME_TEST_REQUIRE_PEERS` (CI must not skip silently), else print a skip note.
pub fn require_peer(bin: &str) -> bool {
    let found = if bin.contains('/') {
        Path::new(bin).is_file()
    } else {
        std::env::var_os("PATH")
            .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(bin).is_file()))
    };
    if found {
        return true;
    }
    if std::env::var_os("SMIME_TEST_REQUIRE_PEERS").is_some_and(|v| !v.is_empty() && v != "0") {
        panic!("peer `{bin}` is missing and SMIME_TEST_REQUIRE_PEERS is set (scripts/test.sh installs it)");
    }
    println!("skipped: {bin} missing (scripts/test.sh installs it)");
    false
}

/// The pkilint S/MIME linter: `$SMIME_TEST_PKILINT` (scripts/test.sh sets it to the venv's
/// `lint_cabf_smime_cert`), else `lint_cabf_smime_cert` on PATH.
pub fn pkilint() -> Option<String> {
    let bin = std::env::var("SMIME_TEST_PKILINT").unwrap_or_else(|_| "lint_cabf_smime_cert".into());
    require_peer(&bin).then_some(bin)
}

/// Another linter of the pkilint package (`lint_crl`, `lint_ocsp_response`,
/// `lint_pkix_cert`), installed beside [`pkilint`].
pub fn pkilint_tool(name: &str) -> Option<String> {
    let smime = pkilint()?;
    let tool = Path::new(&smime)
        .with_file_name(name)
        .to_string_lossy()
        .into_owned();
    require_peer(&tool).then_some(tool)
}

/// example.org's organisation: registered (NTRDE-DEK1101R.HRB12345, the EUID form BR 7.1.4.2.2(d) recommends), in Germany, two domains.
pub fn organization() -> Organization {
    Organization::new("Example Org", &["example.org".into(), "example.net".into()])
        .unwrap()
        .with_identifier("NTRDE-DEK1101R.HRB12345")
        .unwrap()
        .with_country("DE")
        .unwrap()
}

/// A hierarchy for [`organization`] with `levels` subordinates, keys of `algorithm`.
pub fn hierarchy(algorithm: KeyAlgorithm, levels: usize, name_constraints: bool) -> Hierarchy {
    let mut options = CaOptions::new(organization());
    options.key_algorithm = algorithm;
    options.levels = levels;
    options.name_constraints = name_constraints;
    options.urls = CaUrls::new("http://pki.example.org");
    create(options, NOW).unwrap()
}

/// A temporary directory for files given to the peers.
pub struct Dir(pub tempfile::TempDir);

impl Dir {
    pub fn new() -> Dir {
        Dir(tempfile::tempdir().unwrap())
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    /// Write certificates as PEM into `name`; its path.
    pub fn pem(&self, name: &str, certs: &[&Certificate]) -> String {
        let mut text = String::new();
        for c in certs {
            text.push_str(&c.to_pem(der::pem::LineEnding::LF).unwrap());
        }
        std::fs::write(self.path(name), text).unwrap();
        self.path(name).to_string_lossy().into_owned()
    }

    /// Write `bytes` into `name`; its path.
    pub fn write(&self, name: &str, bytes: &[u8]) -> String {
        std::fs::write(self.path(name), bytes).unwrap();
        self.path(name).to_string_lossy().into_owned()
    }
}

/// The DER of a certificate.
pub fn der(cert: &Certificate) -> Vec<u8> {
    cert.to_der().unwrap()
}

/// Run a command: (success, stdout, stderr).
pub fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// One certificate of the issued matrix, with its key as PKCS#8 DER.
pub struct IssuedFixture {
    pub profile: smime_ca::profile::Profile,
    pub usage: smime_ca::profile::Usage,
    pub algorithm: KeyAlgorithm,
    pub certificate: Certificate,
    pub pkcs8: Vec<u8>,
}

impl IssuedFixture {
    /// `mailbox-strict-sign-p384`.
    pub fn name(&self) -> String {
        format!(
            "{}-{}-{}",
            self.profile,
            self.usage.name(),
            self.algorithm.name()
        )
    }
}

/// Every issuable profile with every usage, made once per test binary: signing with P-384,
/// encryption with P-256 and RSA-3072, both with RSA-3072; the address is in the
/// subject alternative name, the person is Alice Example. Also the root and intermediate.
pub struct Matrix {
    pub root: Certificate,
    pub intermediate: Certificate,
    pub issued: Vec<IssuedFixture>,
}

pub const ADDRESS: &str = "alice@example.org";

pub fn matrix() -> &'static Matrix {
    use smime_ca::issue::{issue, CertificateRequest, SubjectKey};
    use smime_ca::profile::{Profile, Usage};
    use smime_ca::subject::Subscriber;
    static MATRIX: std::sync::OnceLock<Matrix> = std::sync::OnceLock::new();
    MATRIX.get_or_init(|| {
        let h = hierarchy(KeyAlgorithm::P384, 1, true);
        let ca = h.issuing_ca();
        let mut issued = Vec::new();
        for profile in Profile::issuable() {
            for (usage, algorithm) in [
                (Usage::Sign, KeyAlgorithm::P384),
                (Usage::Encrypt, KeyAlgorithm::P256),
                (Usage::Encrypt, KeyAlgorithm::Rsa3072),
                (Usage::Both, KeyAlgorithm::Rsa3072),
            ] {
                let mut request = CertificateRequest::new(
                    Subscriber::person(ADDRESS, "Alice Example"),
                    profile,
                    usage,
                );
                request.key = SubjectKey::Generate(algorithm);
                let done = issue(&ca, &request, NOW)
                    .unwrap_or_else(|e| panic!("{profile} {}: {e}", usage.name()));
                issued.push(IssuedFixture {
                    profile,
                    usage,
                    algorithm,
                    certificate: done.certificate,
                    pkcs8: done.key.expect("the CA made the key").pkcs8.to_vec(),
                });
            }
        }
        Matrix {
            root: h.root.certificate.clone(),
            intermediate: h.intermediates[0].certificate.clone(),
            issued,
        }
    })
}

/// PKCS#8 DER as a PEM `PRIVATE KEY`.
pub fn key_pem(pkcs8: &[u8]) -> String {
    der::pem::encode_string("PRIVATE KEY", der::pem::LineEnding::LF, pkcs8).unwrap()
}

/// `openssl verify -attime NOW+1h -purpose PURPOSE -CAfile ROOT -untrusted UNTRUSTED LEAF`.
pub fn openssl_verify(
    root: &str,
    untrusted: &str,
    leaf: &str,
    purpose: &str,
) -> (bool, String, String) {
    run(Command::new("openssl").args([
        "verify",
        "-attime",
        &(NOW + 3600).to_string(),
        "-purpose",
        purpose,
        "-CAfile",
        root,
        "-untrusted",
        untrusted,
        leaf,
    ]))
}

/// Lints every file in one Python process (pkilint takes seconds to start, milliseconds to
/// lint): imports the linter's own module (`pkilint.bin.<linter name>`) and calls its `main`
/// with the command-line arguments, one JSON report per line.
const LINT_DRIVER: &str = r#"
import contextlib, importlib, io, sys
module = importlib.import_module("pkilint.bin." + sys.argv[1])
cut = sys.argv.index("--")
options, files = sys.argv[2:cut], sys.argv[cut + 1:]
for name in files:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        module.main(["lint"] + options + [name])
    print(" ".join(out.getvalue().split("\n")), flush=True)
"#;

/// pkilint's findings on each file: (severity, code, message). `linter` is the installed
/// script (its `#!` line names the interpreter of its virtual environment); `options` go
/// before the file (`-d`, `-t CRL -p PKIX`).
pub fn lint(
    linter: &str,
    options: &[&str],
    files: &[String],
) -> Vec<Vec<(String, String, String)>> {
    let script = std::fs::read_to_string(linter).unwrap_or_else(|e| panic!("{linter}: {e}"));
    let python = script
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("#!"))
        .map(str::trim)
        .unwrap_or_else(|| panic!("{linter}: no #! line"));
    let module = std::path::Path::new(linter)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let mut cmd = Command::new(python);
    cmd.args(["-c", LINT_DRIVER, &module]).args(options);
    cmd.args(["-s", "DEBUG", "-f", "JSON", "--"]).args(files);
    let (ok, out, err) = run(&mut cmd);
    assert!(ok, "{linter}: {err}");
    let reports: Vec<&str> = out.lines().collect();
    assert_eq!(reports.len(), files.len(), "{linter}: {out}{err}");
    reports
        .iter()
        .zip(files)
        .map(|(text, file)| {
            let report: serde_json::Value = serde_json::from_str(text)
                .unwrap_or_else(|e| panic!("{linter} {file}: not JSON ({e}): {text}{err}"));
            let mut findings = Vec::new();
            for result in report["results"].as_array().into_iter().flatten() {
                for f in result["finding_descriptions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    findings.push((
                        f["severity"].as_str().unwrap_or("?").to_string(),
                        f["code"].as_str().unwrap_or("?").to_string(),
                        f["message"].as_str().unwrap_or("").to_string(),
                    ));
                }
            }
            findings
        })
        .collect()
}

//! Shared by the lifecycle tests: aiosmtpd (PyPI) as the SMTP peer of the expiry notices,
//! started on a free loopback port (tests/peers/smtp_sink.py), recording each accepted
//! message to a file. Its Python comes from `SMIME_TEST_AIOSMTPD_PYTHON` (scripts/test.sh
//! makes a virtual environment), else `python3` if it has aiosmtpd.
#![allow(dead_code)] // each test file uses a part

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// A Python with aiosmtpd, or `None` (skip) / a panic under SMIME_TEST_REQUIRE_PEERS.
pub fn aiosmtpd_python() -> Option<PathBuf> {
    let candidates: Vec<PathBuf> = std::env::var_os("SMIME_TEST_AIOSMTPD_PYTHON")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .into_iter()
        .chain(std::iter::once(PathBuf::from("python3")))
        .collect();
    for python in candidates {
        let ok = Command::new(&python)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(python);
        }
    }
    if std::env::var_os("SMIME_TEST_REQUIRE_PEERS").is_some_and(|v| !v.is_empty() && v != "0") {
        panic!("aiosmtpd is missing and SMIME_TEST_REQUIRE_PEERS is set (scripts/test.sh installs it in a venv and sets SMIME_TEST_AIOSMTPD_PYTHON)");
    }
    println!("skipped: aiosmtpd missing (scripts/test.sh installs it)");
    None
}

/// A running aiosmtpd sink; stopped (stdin closed, then killed) on drop.
pub struct SmtpSink {
    child: Child,
    stdin: Option<ChildStdin>,
    port: u16,
    dir: tempfile::TempDir,
}

impl SmtpSink {
    pub fn start(python: &Path) -> SmtpSink {
        let dir = tempfile::tempdir().expect("temporary directory");
        // Relative to either crate that includes this module (smime-ca, smime-cli).
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../smime-ca/tests/peers/smtp_sink.py");
        let mut child = Command::new(python)
            .arg(&script)
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start aiosmtpd");
        let stdout = child.stdout.take().expect("aiosmtpd stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("aiosmtpd port");
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("aiosmtpd did not print its port: {line:?}"));
        let stdin = child.stdin.take();
        SmtpSink {
            child,
            stdin,
            port,
            dir,
        }
    }

    pub fn server(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The `n`th message the server accepted (1-based), waiting up to 10 s for it.
    pub fn message(&self, n: usize) -> serde_json::Value {
        let path = self.dir.path().join(format!("{n}.json"));
        let start = Instant::now();
        while !path.exists() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "aiosmtpd recorded no message {n}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let text = std::fs::read_to_string(&path).expect("read the recorded message");
        serde_json::from_str(&text).expect("recorded message is JSON")
    }

    pub fn count(&self) -> usize {
        std::fs::read_dir(self.dir.path())
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
                    .count()
            })
            .unwrap_or(0)
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

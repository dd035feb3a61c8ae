//! Expiry notices sent by smime-ca's SMTP client to a real SMTP server: aiosmtpd (PyPI),
//! started by the test on a free loopback port (tests/peers/smtp_sink.py), which records each
//! accepted message to a file the test reads.
//!
//! The server's Python comes from `SMIME_TEST_AIOSMTPD_PYTHON` (scripts/test.sh makes a
//! virtual environment), else `python3` if it has aiosmtpd. Without one the tests print
//! `skipped`, and fail under SMIME_TEST_REQUIRE_PEERS=1.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use smime_ca::lifecycle::inventory::time_text;
use smime_ca::lifecycle::notify::{expiry_message, send_mail, ExpiryNotice, SmtpConfig};

/// A Python with aiosmtpd, or `None` (skip) / a panic under SMIME_TEST_REQUIRE_PEERS.
fn aiosmtpd_python() -> Option<PathBuf> {
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
struct SmtpSink {
    child: Child,
    stdin: Option<ChildStdin>,
    port: u16,
    dir: tempfile::TempDir,
}

impl SmtpSink {
    fn start(python: &Path) -> SmtpSink {
        let dir = tempfile::tempdir().expect("temporary directory");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/smtp_sink.py");
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

    fn server(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The `n`th message the server accepted (1-based), waiting up to 10 s for it.
    fn message(&self, n: usize) -> serde_json::Value {
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

    fn count(&self) -> usize {
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

fn notice(owner: &str, not_after: i64) -> ExpiryNotice {
    ExpiryNotice {
        id: "ab".repeat(32),
        owner: owner.into(),
        subject: format!("CN=Bob,E={owner}"),
        issuer: "CN=Public Mail CA".into(),
        serial: "0a1b2c".into(),
        not_after,
        reason: "issued by another CA (CN=Public Mail CA)".into(),
    }
}

#[test]
fn send_mail_expiry_notice_arrives_with_address_and_expiry() {
    let Some(python) = aiosmtpd_python() else {
        return;
    };
    let sink = SmtpSink::start(&python);
    let not_after = 1_800_000_000 + 12 * 86_400;
    let notices = [notice("bob@example.org", not_after)];
    let message = expiry_message(
        &notices,
        "pki@example.org",
        "admin@example.org",
        1_800_000_000,
    );
    let config = SmtpConfig::new(&sink.server(), "pki@example.org", "admin@example.org");
    send_mail(&config, &message).expect("aiosmtpd accepts the notice");

    let got = sink.message(1);
    assert_eq!(got["mail_from"], "pki@example.org");
    assert_eq!(got["rcpt_tos"][0], "admin@example.org");
    let content = got["content"].as_str().unwrap_or_default();
    assert!(content.contains("bob@example.org"), "{content}");
    assert!(content.contains(&time_text(not_after)), "{content}");
    assert!(content.contains("To: admin@example.org"), "{content}");
}

#[test]
fn send_mail_leading_dot_lines_arrive_unchanged() {
    let Some(python) = aiosmtpd_python() else {
        return;
    };
    let sink = SmtpSink::start(&python);
    let message = "From: a@example.org\r\nTo: b@example.org\r\nSubject: dots\r\n\r\n.one dot\r\n..two dots\r\n.\r\nlast\r\n";
    let config = SmtpConfig::new(&sink.server(), "a@example.org", "b@example.org");
    send_mail(&config, message).expect("aiosmtpd accepts the message");
    let got = sink.message(1);
    let content = got["content"].as_str().unwrap_or_default();
    // aiosmtpd removes the stuffing (RFC 5321 4.5.2): the body is as sent.
    assert!(
        content.ends_with("\r\n\r\n.one dot\r\n..two dots\r\n.\r\nlast\r\n"),
        "{content:?}"
    );
}

#[test]
fn send_mail_refused_recipient_is_an_error_naming_the_step() {
    let Some(python) = aiosmtpd_python() else {
        return;
    };
    let sink = SmtpSink::start(&python);
    let config = SmtpConfig::new(&sink.server(), "pki@example.org", "refuse@example.org");
    let err = send_mail(&config, "Subject: x\r\n\r\nx\r\n").expect_err("550 must fail");
    let text = err.to_string();
    assert!(text.contains("RCPT TO") && text.contains("550"), "{text}");
    assert_eq!(sink.count(), 0);
}

#[test]
fn send_mail_no_server_is_a_connect_error() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let mut config = SmtpConfig::new(
        &format!("127.0.0.1:{port}"),
        "a@example.org",
        "b@example.org",
    );
    config.timeout = Duration::from_secs(2);
    let err = send_mail(&config, "x").expect_err("nothing listens");
    assert!(err.to_string().contains("cannot connect"), "{err}");
}

//! Expiry notices sent by smime-ca's SMTP client to a real SMTP server: aiosmtpd (PyPI),
//! started by the test on a free loopback port (tests/peers/smtp_sink.py), which records each
//! accepted message to a file the test reads.
//!
//! The server's Python comes from `SMIME_TEST_AIOSMTPD_PYTHON` (scripts/test.sh makes a
//! virtual environment), else `python3` if it has aiosmtpd. Without one the tests print
//! `skipped`, and fail under SMIME_TEST_REQUIRE_PEERS=1.

mod lifecycle_common;

use std::time::Duration;

use lifecycle_common::{aiosmtpd_python, SmtpSink};

use smime_ca::lifecycle::inventory::time_text;
use smime_ca::lifecycle::notify::{expiry_message, send_mail, ExpiryNotice, SmtpConfig};

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

//! Expiry notices for certificates we cannot renew (imported, or from another CA), sent by
//! SMTP to a configured address.
//!
//! The client is the small subset of RFC 5321 a local relay needs (no AUTH, no TLS): the
//! greeting (220), EHLO (250, 4.1.1.1), MAIL FROM (250, 4.1.1.2), RCPT TO (250/251,
//! 4.1.1.3), DATA (354, then the message with dot-stuffing, 4.5.2, and `<CRLF>.<CRLF>`,
//! 250), QUIT (221). Every reply code is checked (multi-line replies, 4.2.1, are read to
//! their last line) and every read and write has a timeout, so a silent server cannot hang
//! `smime lifecycle run` under cron.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::inventory::time_text;
use crate::{Error, Result};

/// Where and to whom notices go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    /// The relay, `host:port`.
    pub server: String,
    /// The envelope and header sender.
    pub from: String,
    /// The recipient.
    pub to: String,
    /// The name given in EHLO.
    pub helo: String,
    /// The limit on connecting and on every read and write.
    pub timeout: Duration,
}

impl SmtpConfig {
    /// A configuration with `localhost` as the EHLO name and a 30 s timeout.
    pub fn new(server: &str, from: &str, to: &str) -> SmtpConfig {
        SmtpConfig {
            server: server.into(),
            from: from.into(),
            to: to.into(),
            helo: "localhost".into(),
            timeout: Duration::from_secs(30),
        }
    }
}

/// A certificate that expires within the window and that we cannot renew.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExpiryNotice {
    /// SHA-256 fingerprint, hex.
    pub id: String,
    /// Its owner (first address, else subject).
    pub owner: String,
    /// Subject, RFC 4514.
    pub subject: String,
    /// Issuer, RFC 4514.
    pub issuer: String,
    /// Serial, hex.
    pub serial: String,
    /// notAfter, unix seconds.
    pub not_after: i64,
    /// Why we cannot renew it.
    pub reason: String,
}

fn smtp_error(server: &str, reason: impl Into<String>) -> Error {
    Error::Notify {
        what: format!("SMTP server {server}"),
        reason: reason.into(),
    }
}

/// A mailbox fit for an SMTP path and a header: no CR, LF, angle brackets or spaces.
fn check_mailbox(address: &str, server: &str) -> Result<()> {
    if address.is_empty()
        || !address.contains('@')
        || address
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '<' || c == '>')
    {
        return Err(smtp_error(
            server,
            format!("{address:?} is not a usable mailbox address"),
        ));
    }
    Ok(())
}

/// The RFC 5322 message that lists `notices` (`now`, unix seconds, is its Date).
pub fn expiry_message(notices: &[ExpiryNotice], from: &str, to: &str, now: i64) -> String {
    let mut body = String::new();
    let _ = writeln!(
        body,
        "These certificates expire soon and cannot be renewed by our CA;\r\nask their issuers for new ones.\r"
    );
    for n in notices {
        let _ = write!(
            body,
            "\r\n{}\r\n  expires: {}\r\n  subject: {}\r\n  issuer: {}\r\n  serial: {}\r\n  sha256: {}\r\n  reason: {}\r\n",
            n.owner,
            time_text(n.not_after),
            n.subject,
            n.issuer,
            n.serial,
            n.id,
            n.reason
        );
    }
    let date = rfc5322_date(now);
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {} certificate(s) expiring, not renewable by smime\r\nDate: {date}\r\nMessage-ID: <smime-lifecycle-{now}-{}@{}>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}",
        notices.len(),
        notices.len(),
        from.rsplit_once('@').map(|(_, d)| d).unwrap_or("localhost"),
    )
}

/// An RFC 5322 3.3 date-time in UTC (`Mon, 23 Nov 2026 15:00:00 +0000`).
fn rfc5322_date(now: i64) -> String {
    // time_text gives `YYYY-MM-DDTHH:MM:SSZ`; the weekday follows from the day number
    // (1970-01-01 was a Thursday).
    let iso = time_text(now);
    let (date, time) = iso.split_once('T').unwrap_or((&iso, "00:00:00Z"));
    let mut parts = date.split('-');
    let (year, month, day) = (
        parts.next().unwrap_or("1970"),
        parts.next().unwrap_or("01"),
        parts.next().unwrap_or("01"),
    );
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    let month = month
        .parse::<usize>()
        .ok()
        .and_then(|m| MONTHS.get(m.wrapping_sub(1)))
        .unwrap_or(&"Jan");
    let weekday = usize::try_from(now.div_euclid(86_400).rem_euclid(7))
        .ok()
        .and_then(|d| WEEKDAYS.get(d))
        .unwrap_or(&"Thu");
    format!(
        "{weekday}, {day} {month} {year} {} +0000",
        time.trim_end_matches('Z')
    )
}

/// Dot-stuffing (RFC 5321 4.5.2) and CRLF line ends; the result ends with CRLF.
fn dot_stuffed(message: &str) -> String {
    let mut out = String::with_capacity(message.len() + 16);
    for line in message.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with('.') {
            out.push('.');
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    // split('\n') on a message ending in a newline yields a last empty line: drop its CRLF.
    if message.ends_with('\n') {
        out.truncate(out.len().saturating_sub(2));
    }
    out
}

struct Session {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    server: String,
}

impl Session {
    /// Read one reply (every line of a multi-line reply) and check its code.
    fn reply(&mut self, step: &str, expected: &[u16]) -> Result<String> {
        let mut text = String::new();
        loop {
            let mut line = String::new();
            let n = self
                .reader
                .by_ref()
                .take(4096)
                .read_line(&mut line)
                .map_err(|e| smtp_error(&self.server, format!("{step}: reading the reply: {e}")))?;
            if n == 0 {
                return Err(smtp_error(
                    &self.server,
                    format!("{step}: the server closed the connection"),
                ));
            }
            let line = line.trim_end_matches(['\r', '\n']);
            text.push_str(line);
            text.push('\n');
            let code = line.get(..3).and_then(|c| c.parse::<u16>().ok());
            let Some(code) = code else {
                return Err(smtp_error(
                    &self.server,
                    format!("{step}: not an SMTP reply: {line:?}"),
                ));
            };
            // "250-..." continues, "250 ..." (or a bare "250") ends the reply.
            if line.as_bytes().get(3) == Some(&b'-') {
                continue;
            }
            if !expected.contains(&code) {
                return Err(smtp_error(
                    &self.server,
                    format!("{step}: refused with {}", text.trim_end()),
                ));
            }
            return Ok(text);
        }
    }

    fn send(&mut self, step: &str, data: &str) -> Result<()> {
        self.writer
            .write_all(data.as_bytes())
            .and_then(|()| self.writer.flush())
            .map_err(|e| smtp_error(&self.server, format!("{step}: writing: {e}")))
    }

    fn command(&mut self, step: &str, line: &str, expected: &[u16]) -> Result<String> {
        self.send(step, &format!("{line}\r\n"))?;
        self.reply(step, expected)
    }
}

/// Send `message` (an RFC 5322 message) from `config.from` to `config.to` through
/// `config.server`.
pub fn send_mail(config: &SmtpConfig, message: &str) -> Result<()> {
    let server = config.server.as_str();
    check_mailbox(&config.from, server)?;
    check_mailbox(&config.to, server)?;
    let addresses = server
        .to_socket_addrs()
        .map_err(|e| smtp_error(server, format!("not a usable host:port: {e}")))?;
    let mut last = None;
    let mut stream = None;
    for address in addresses {
        match TcpStream::connect_timeout(&address, config.timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let stream = stream.ok_or_else(|| {
        smtp_error(
            server,
            match last {
                Some(e) => format!("cannot connect: {e}"),
                None => "the name resolves to no address".into(),
            },
        )
    })?;
    let io_error = |e: std::io::Error| smtp_error(server, e.to_string());
    stream
        .set_read_timeout(Some(config.timeout))
        .map_err(io_error)?;
    stream
        .set_write_timeout(Some(config.timeout))
        .map_err(io_error)?;
    let writer = stream.try_clone().map_err(io_error)?;
    let mut session = Session {
        reader: BufReader::new(stream),
        writer,
        server: server.into(),
    };
    session.reply("greeting", &[220])?;
    session.command("EHLO", &format!("EHLO {}", config.helo), &[250])?;
    session.command("MAIL FROM", &format!("MAIL FROM:<{}>", config.from), &[250])?;
    session.command("RCPT TO", &format!("RCPT TO:<{}>", config.to), &[250, 251])?;
    session.command("DATA", "DATA", &[354])?;
    session.send("message", &dot_stuffed(message))?;
    session.command("end of data", ".", &[250])?;
    // The message is accepted; a failing QUIT changes nothing.
    let _ = session.command("QUIT", "QUIT", &[221]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_stuffed_leading_dots_doubled_and_crlf() {
        assert_eq!(dot_stuffed("a\n.b\r\n..c\n"), "a\r\n..b\r\n...c\r\n");
        assert_eq!(dot_stuffed("x"), "x\r\n");
    }

    #[test]
    fn rfc5322_date_known_instant_formats() {
        // 2026-11-23T15:37:28Z was a Monday.
        assert_eq!(
            rfc5322_date(1_795_448_248),
            "Mon, 23 Nov 2026 15:37:28 +0000"
        );
        assert_eq!(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
    }

    #[test]
    fn send_mail_bad_mailbox_is_refused_before_connecting() {
        let config = SmtpConfig::new("127.0.0.1:9", "a@b\r\nRCPT TO:<x@y>", "c@d");
        assert!(matches!(send_mail(&config, "x"), Err(Error::Notify { .. })));
    }
}

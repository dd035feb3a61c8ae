//! Setup shared by the criterion benches: an RSA-2048 key and certificate made with the
//! `openssl` command (as in the tests), fit for signing and for key transport, and a text
//! message of a given size.

use std::path::Path;
use std::process::Command;

/// A self-signed RSA-2048 certificate for bench@example.com and its key, PEM.
pub fn pki(dir: &Path) -> (Vec<u8>, Vec<u8>) {
    let out = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=Bench/emailAddress=bench@example.com"])
        .args(["-addext", "subjectAltName=email:bench@example.com"])
        .args([
            "-addext",
            "keyUsage=critical,digitalSignature,keyEncipherment",
        ])
        .args(["-addext", "extendedKeyUsage=emailProtection"])
        .arg("-keyout")
        .arg(dir.join("k.pem"))
        .arg("-out")
        .arg(dir.join("c.pem"))
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        std::fs::read(dir.join("c.pem")).unwrap(),
        std::fs::read(dir.join("k.pem")).unwrap(),
    )
}

/// A message of at least `size` bytes: headers and CRLF text lines.
pub fn message(size: usize) -> Vec<u8> {
    let mut m =
        b"From: bench@example.com\r\nTo: you@example.com\r\nSubject: bench\r\n\r\n".to_vec();
    let line = b"The quick brown fox jumps over the lazy dog, again and again and again.\r\n";
    while m.len() < size {
        m.extend_from_slice(line);
    }
    m
}

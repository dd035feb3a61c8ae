//! PEM (RFC 7468) blocks: a file may hold several (certificates, keys, CRLs); and reading
//! certificates from PEM or DER.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use der::Decode;
use x509_cert::Certificate;
use zeroize::Zeroizing;

use crate::{Error, Result};

/// One `-----BEGIN LABEL-----` ... `-----END LABEL-----` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemBlock {
    /// The label, e.g. `CERTIFICATE`.
    pub label: String,
    /// Whether the block has RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`, ...).
    pub encrypted: bool,
    /// The decoded bytes.
    pub der: Vec<u8>,
}

/// All PEM blocks of `text`; `what` names the file in errors. Text outside blocks is ignored.
pub fn pem_blocks(text: &[u8], what: &str) -> Result<Vec<PemBlock>> {
    let text = String::from_utf8_lossy(text);
    let mut blocks = Vec::new();
    // The body may be a private key: clear it when it is dropped.
    let mut current: Option<(String, Zeroizing<String>, bool)> = None;
    for (line_no, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            current = Some((label.to_string(), Zeroizing::new(String::new()), false));
        } else if let Some(label) = line
            .strip_prefix("-----END ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            let Some((begin, body, encrypted)) = current.take() else {
                return Err(Error::input(
                    what,
                    format!("line {}: END without BEGIN", line_no + 1),
                ));
            };
            if begin != label {
                return Err(Error::input(
                    what,
                    format!("line {}: BEGIN {begin} ended by END {label}", line_no + 1),
                ));
            }
            let der = STANDARD.decode(body.as_bytes()).map_err(|e| {
                Error::input(
                    what,
                    format!(
                        "bad base64 in the {begin} block ending at line {}: {e}",
                        line_no + 1
                    ),
                )
            })?;
            blocks.push(PemBlock {
                label: begin,
                encrypted,
                der,
            });
        } else if let Some((_, body, encrypted)) = current.as_mut() {
            if line.contains(':') {
                *encrypted |= line.starts_with("Proc-Type") || line.starts_with("DEK-Info");
            } else {
                body.push_str(line);
            }
        }
    }
    if let Some((label, _, _)) = current {
        return Err(Error::input(
            what,
            format!("the {label} block has no END line"),
        ));
    }
    Ok(blocks)
}

/// Read certificates (RFC 5280 4.1): any number of PEM `CERTIFICATE` or `X509 CERTIFICATE`
/// blocks (RFC 7468 5; other blocks, including OpenSSL's `TRUSTED CERTIFICATE`, are
/// ignored), or one DER certificate. No certificate at all is an error naming `what`.
pub fn load_certificates(bytes: &[u8], what: &str) -> Result<Vec<Certificate>> {
    if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        let mut certs = Vec::new();
        for (i, block) in pem_blocks(bytes, what)?.into_iter().enumerate() {
            if block.label == "CERTIFICATE" || block.label == "X509 CERTIFICATE" {
                certs.push(Certificate::from_der(&block.der).map_err(|e| {
                    Error::input(
                        what,
                        format!("PEM block {} is not a valid certificate: {e}", i + 1),
                    )
                })?);
            }
        }
        if certs.is_empty() {
            return Err(Error::input(
                what,
                "no CERTIFICATE block found (TRUSTED CERTIFICATE blocks are not read: \
                 convert them with openssl x509 -in F -out G)",
            ));
        }
        return Ok(certs);
    }
    Certificate::from_der(bytes)
        .map(|c| vec![c])
        .map_err(|e| Error::input(what, format!("neither PEM nor a DER certificate: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_blocks_several_blocks_with_text_between_all_read() {
        let text = b"junk\r\n-----BEGIN A-----\r\nAAEC\r\n-----END A-----\r\nmore\n\
            -----BEGIN B-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00\n\nAw==\n-----END B-----\n";
        let blocks = pem_blocks(text, "f.pem").unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(
            (blocks[0].label.as_str(), blocks[0].encrypted),
            ("A", false)
        );
        assert_eq!(blocks[0].der, vec![0, 1, 2]);
        assert_eq!((blocks[1].label.as_str(), blocks[1].encrypted), ("B", true));
        assert_eq!(blocks[1].der, vec![3]);
    }

    #[test]
    fn pem_blocks_mismatched_or_unterminated_is_error() {
        for text in [
            &b"-----BEGIN A-----\nAA==\n-----END B-----\n"[..],
            &b"-----BEGIN A-----\nAA==\n"[..],
            &b"-----END A-----\n"[..],
            &b"-----BEGIN A-----\n%%%%\n-----END A-----\n"[..],
        ] {
            let err = pem_blocks(text, "f.pem").unwrap_err();
            assert!(err.to_string().starts_with("f.pem: "), "{err}");
        }
        assert!(pem_blocks(b"no blocks", "f.pem").unwrap().is_empty());
    }
}

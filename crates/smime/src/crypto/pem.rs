//! PEM (RFC 7468) blocks: a file may hold several (certificates, keys, CRLs).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

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
    let mut current: Option<(String, String, bool)> = None;
    for (line_no, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            current = Some((label.to_string(), String::new(), false));
        } else if let Some(label) = line
            .strip_prefix("-----END ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            let Some((begin, body, encrypted)) = current.take() else {
                return Err(Error::key(
                    what,
                    format!("line {}: END without BEGIN", line_no + 1),
                ));
            };
            if begin != label {
                return Err(Error::key(
                    what,
                    format!("line {}: BEGIN {begin} ended by END {label}", line_no + 1),
                ));
            }
            let der = STANDARD.decode(body.as_bytes()).map_err(|e| {
                Error::key(
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
        return Err(Error::key(
            what,
            format!("the {label} block has no END line"),
        ));
    }
    Ok(blocks)
}

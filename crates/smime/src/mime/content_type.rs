//! Content-Type values (RFC 2045 5.1) with RFC 2231 parameter continuations.

use crate::{Error, Result};

/// A parsed Content-Type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentType {
    /// `type/subtype`, lowercase.
    pub mime_type: String,
    /// Parameters: names lowercase, values unquoted.
    pub params: Vec<(String, String)>,
}

/// Remove RFC 5322 comments `( ... )` outside quoted strings.
fn strip_comments(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let (mut depth, mut quoted, mut escaped) = (0usize, false, false);
    for c in value.chars() {
        if escaped {
            escaped = false;
            if depth == 0 {
                out.push(c);
            }
            continue;
        }
        match c {
            '\\' if quoted || depth > 0 => {
                escaped = true;
                if depth == 0 {
                    out.push(c);
                }
            }
            '"' if depth == 0 => {
                quoted = !quoted;
                out.push(c);
            }
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Split at `;` outside quoted strings.
fn split_params(value: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let (mut quoted, mut escaped) = (false, false);
    for c in value.chars() {
        if escaped {
            escaped = false;
            current.push(c);
            continue;
        }
        match c {
            '\\' if quoted => {
                escaped = true;
                current.push(c);
            }
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ';' if !quoted => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    parts.push(current);
    parts
}

fn unquote(value: &str) -> String {
    let v = value.trim();
    if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        let mut out = String::new();
        let mut escaped = false;
        for c in v[1..v.len() - 1].chars() {
            if escaped {
                out.push(c);
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else {
                out.push(c);
            }
        }
        out
    } else {
        v.to_string()
    }
}

/// RFC 2231 4: `charset'language'percent-encoded` (the charset is assumed UTF-8 or ASCII).
fn decode_extended(value: &str) -> String {
    let encoded = value.splitn(3, '\'').nth(2).unwrap_or(value);
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((high * 16 + low) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl ContentType {
    /// Parse a Content-Type value.
    pub fn parse(value: &str) -> Result<ContentType> {
        let cleaned = strip_comments(value);
        let mut parts = split_params(&cleaned).into_iter();
        let mime_type = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let valid = mime_type.split_once('/').is_some_and(|(t, s)| {
            !t.is_empty() && !s.is_empty() && !mime_type.contains(char::is_whitespace)
        });
        if !valid {
            return Err(Error::mime(
                "Content-Type",
                format!("\"{}\" is not type/subtype", value.trim()),
            ));
        }
        // (name, section, extended, value) for RFC 2231 continuations.
        let mut raw: Vec<(String, Option<u32>, bool, String)> = Vec::new();
        for p in parts {
            let Some((name, v)) = p.split_once('=') else {
                continue;
            };
            let mut name = name.trim().to_ascii_lowercase();
            let mut extended = false;
            if let Some(n) = name.strip_suffix('*') {
                extended = true;
                name = n.to_string();
            }
            let mut section = None;
            if let Some((base, idx)) = name.rsplit_once('*') {
                if let Ok(n) = idx.parse::<u32>() {
                    section = Some(n);
                    name = base.to_string();
                }
            }
            let value = if extended {
                v.trim().to_string()
            } else {
                unquote(v)
            };
            raw.push((name, section, extended, value));
        }
        let mut params: Vec<(String, String)> = Vec::new();
        let mut names: Vec<String> = raw.iter().map(|r| r.0.clone()).collect();
        names.dedup();
        for name in names {
            if params.iter().any(|(n, _)| *n == name) {
                continue;
            }
            let mut sections: Vec<&(String, Option<u32>, bool, String)> =
                raw.iter().filter(|r| r.0 == name).collect();
            sections.sort_by_key(|r| r.1.unwrap_or(0));
            let mut value = String::new();
            for (i, s) in sections.iter().enumerate() {
                if s.2 {
                    value.push_str(&if i == 0 {
                        decode_extended(&s.3)
                    } else {
                        decode_extended(&format!("''{}", s.3))
                    });
                } else {
                    value.push_str(&s.3);
                }
            }
            params.push((name, value));
        }
        Ok(ContentType { mime_type, params })
    }

    /// A parameter's value.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether this is `mime_type` (case-insensitive).
    pub fn is(&self, mime_type: &str) -> bool {
        self.mime_type.eq_ignore_ascii_case(mime_type)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_quoted_boundary_with_semicolon_and_comment_keeps_value() {
        let ct = ContentType::parse(
            "Multipart/Signed (c); protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"a;b \\\"c\\\"\"",
        )
        .unwrap();
        assert_eq!(ct.mime_type, "multipart/signed");
        assert_eq!(ct.param("boundary"), Some("a;b \"c\""));
        assert_eq!(ct.param("MICALG"), Some("sha-256"));
    }

    #[test]
    fn parse_rfc2231_continuation_joins_sections() {
        let ct = ContentType::parse(
            "application/octet-stream; name*0=\"smime\"; name*1=\".p7m\"; title*=utf-8''a%20b",
        )
        .unwrap();
        assert_eq!(ct.param("name"), Some("smime.p7m"));
        assert_eq!(ct.param("title"), Some("a b"));
    }

    #[test]
    fn parse_without_subtype_is_error() {
        assert!(ContentType::parse("text").is_err());
    }
}

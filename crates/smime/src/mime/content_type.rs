//! Content-Type values (RFC 2045 5.1) with RFC 2231 parameter continuations.

use crate::{Error, Result};

/// A parsed Content-Type (RFC 2045 5.1, RFC 2231).
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

/// RFC 2231 4: percent-decode an extended value (without its `charset'language'` prefix).
fn percent_decode(encoded: &str, out: &mut Vec<u8>) {
    let bytes = encoded.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = |k: usize| bytes.get(k).and_then(|&b| (b as char).to_digit(16));
            if let (Some(high), Some(low)) = (hex(i + 1), hex(i + 2)) {
                out.extend(u8::try_from(high * 16 + low).ok());
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
}

/// Text from bytes in an RFC 2231 charset: ISO-8859-1 (and US-ASCII) map byte to char;
/// anything else is read as UTF-8, invalid sequences replaced.
fn decode_charset(charset: &str, bytes: &[u8]) -> String {
    if charset.eq_ignore_ascii_case("iso-8859-1") || charset.eq_ignore_ascii_case("latin1") {
        bytes.iter().map(|&b| char::from(b)).collect()
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

/// One `name[*n][*]=value` parameter as written.
struct RawParam {
    name: String,
    section: Option<u32>,
    extended: bool,
    value: String,
}

/// Join a parameter's pieces (RFC 2231 3 and 4): numbered sections in order from 0 (up to
/// the first gap); else an extended `name*`; else the plain `name`.
fn join_param(pieces: &[&RawParam]) -> String {
    let mut sections: Vec<&RawParam> = pieces
        .iter()
        .copied()
        .filter(|p| p.section.is_some())
        .collect();
    sections.sort_by_key(|p| p.section);
    if sections.first().is_some_and(|p| p.section == Some(0)) {
        let mut charset = String::new();
        let mut bytes = Vec::new();
        for (expected, p) in (0u32..).zip(&sections) {
            if p.section != Some(expected) {
                break;
            }
            if p.extended {
                let mut encoded = p.value.as_str();
                if expected == 0 {
                    let mut split = p.value.splitn(3, '\'');
                    if let (Some(cs), Some(_language), Some(rest)) =
                        (split.next(), split.next(), split.next())
                    {
                        charset = cs.to_string();
                        encoded = rest;
                    }
                }
                percent_decode(encoded, &mut bytes);
            } else {
                bytes.extend_from_slice(p.value.as_bytes());
            }
        }
        return decode_charset(&charset, &bytes);
    }
    if let Some(p) = pieces.iter().find(|p| p.extended && p.section.is_none()) {
        let mut split = p.value.splitn(3, '\'');
        if let (Some(charset), Some(_language), Some(rest)) =
            (split.next(), split.next(), split.next())
        {
            let mut bytes = Vec::new();
            percent_decode(rest, &mut bytes);
            return decode_charset(charset, &bytes);
        }
        return p.value.clone();
    }
    pieces
        .iter()
        .find(|p| !p.extended && p.section.is_none())
        .or(pieces.first())
        .map(|p| p.value.clone())
        .unwrap_or_default()
}

impl ContentType {
    /// Parse a Content-Type value (RFC 2045 5.1): `type/subtype` then `;`-separated
    /// parameters. Quoted strings with `\` escapes are unquoted, comments `( )` skipped
    /// (RFC 5322 3.2.2), RFC 2231 continuations joined and percent-decoding applied;
    /// the first occurrence of a parameter wins. Errors when there is no `type/subtype`.
    pub fn parse(value: &str) -> Result<ContentType> {
        let cleaned = strip_comments(value);
        let mut parts = split_params(&cleaned).into_iter();
        let mime_type = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let valid = mime_type.split_once('/').is_some_and(|(t, s)| {
            !t.is_empty()
                && !s.is_empty()
                && !s.contains('/')
                && !mime_type.contains(|c: char| c.is_whitespace() || c.is_control() || c == '"')
        });
        if !valid {
            return Err(Error::mime(
                "Content-Type",
                format!("\"{}\" is not type/subtype (RFC 2045 5.1)", value.trim()),
            ));
        }
        let mut raw: Vec<RawParam> = Vec::new();
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
            if let Some((base, index)) = name.rsplit_once('*') {
                if let Ok(n) = index.parse::<u32>() {
                    section = Some(n);
                    name = base.to_string();
                }
            }
            if name.is_empty() {
                continue;
            }
            let value = if extended {
                v.trim().to_string()
            } else {
                unquote(v)
            };
            raw.push(RawParam {
                name,
                section,
                extended,
                value,
            });
        }
        let mut params: Vec<(String, String)> = Vec::new();
        for p in &raw {
            if params.iter().any(|(n, _)| *n == p.name) {
                continue;
            }
            let pieces: Vec<&RawParam> = raw.iter().filter(|r| r.name == p.name).collect();
            params.push((p.name.clone(), join_param(&pieces)));
        }
        Ok(ContentType { mime_type, params })
    }

    /// A parameter's value (name case-insensitive).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether this is `mime_type` (`type/subtype`, case-insensitive, RFC 2045 5.1).
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
            "Multipart/Signed (c; \"x\"); protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"a;b \\\"c\\\" (d)\"",
        )
        .unwrap();
        assert_eq!(ct.mime_type, "multipart/signed");
        assert!(ct.is("MULTIPART/signed"));
        assert_eq!(ct.param("boundary"), Some("a;b \"c\" (d)"));
        assert_eq!(ct.param("MICALG"), Some("sha-256"));
        assert_eq!(ct.param("protocol"), Some("application/pkcs7-signature"));
    }

    #[test]
    fn parse_rfc2231_continuation_joins_sections() {
        let ct = ContentType::parse(
            "application/octet-stream; name*1=\".p7m\"; name*0=\"smime\"; title*=utf-8''a%20b",
        )
        .unwrap();
        assert_eq!(ct.param("name"), Some("smime.p7m"));
        assert_eq!(ct.param("title"), Some("a b"));
    }

    #[test]
    fn parse_rfc2231_utf8_split_across_sections_decodes_whole() {
        let ct = ContentType::parse(
            "text/plain; name*0*=utf-8'de'Gr%C3; name*1*=%BC%C3%9Fe; x*=iso-8859-1''%FC",
        )
        .unwrap();
        assert_eq!(ct.param("name"), Some("Grüße"));
        assert_eq!(ct.param("x"), Some("ü"));
    }

    #[test]
    fn parse_rfc2231_bad_percent_and_non_ascii_does_not_panic() {
        let ct = ContentType::parse("a/b; n*=utf-8''%é%; m*0*=%; m*2=x").unwrap();
        assert!(ct.param("n").is_some());
        assert_eq!(ct.param("m"), Some("%"));
    }

    #[test]
    fn parse_first_parameter_wins_and_names_lowercased() {
        let ct = ContentType::parse("text/plain; Charset=UTF-8; charset=latin1; junk").unwrap();
        assert_eq!(ct.params, [("charset".to_string(), "UTF-8".to_string())]);
    }

    #[test]
    fn parse_without_subtype_is_error() {
        assert!(ContentType::parse("text").is_err());
        assert!(ContentType::parse("text/").is_err());
        assert!(ContentType::parse("a/b/c").is_err());
        assert!(ContentType::parse("").is_err());
    }
}

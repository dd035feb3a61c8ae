//! Mailbox lists in From, Sender, To (RFC 5322 3.4).

/// One mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    /// The display name, unquoted (encoded words left as they are).
    pub display_name: Option<String>,
    /// The address `local@domain`.
    pub address: String,
}

/// Split at commas outside quotes, angle brackets and comments; drop comments.
fn split_list(value: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let (mut quoted, mut escaped, mut angle, mut comment) = (false, false, false, 0usize);
    for c in value.chars() {
        if escaped {
            escaped = false;
            if comment == 0 {
                current.push(c);
            }
            continue;
        }
        match c {
            '\\' if quoted || comment > 0 => {
                escaped = true;
                if comment == 0 {
                    current.push(c);
                }
            }
            '"' if comment == 0 => {
                quoted = !quoted;
                current.push(c);
            }
            '(' if !quoted => comment += 1,
            ')' if !quoted && comment > 0 => comment -= 1,
            _ if comment > 0 => {}
            '<' if !quoted => {
                angle = true;
                current.push(c);
            }
            '>' if !quoted => {
                angle = false;
                current.push(c);
            }
            ':' if !quoted && !angle => current.clear(), // group name
            ';' if !quoted && !angle => items.push(std::mem::take(&mut current)),
            ',' if !quoted && !angle => items.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    items.push(current);
    items
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
        s[1..s.len() - 1]
            .replace("\\\"", "\"")
            .replace("\\\\", "\\")
    } else {
        s.to_string()
    }
}

/// Parse a mailbox list; never fails, skips what is not a mailbox.
pub fn parse_mailboxes(value: &str) -> Vec<Mailbox> {
    let mut out = Vec::new();
    for item in split_list(value) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let (display, address) = match (item.rfind('<'), item.rfind('>')) {
            (Some(open), Some(close)) if open < close => {
                let name = unquote(&item[..open]);
                (
                    Some(name).filter(|n| !n.is_empty()),
                    item[open + 1..close].trim().to_string(),
                )
            }
            _ => (None, item.to_string()),
        };
        let valid = address.rsplit_once('@').is_some_and(|(l, d)| {
            !l.is_empty() && !d.is_empty() && !address.contains(char::is_whitespace)
        });
        if valid {
            out.push(Mailbox {
                display_name: display,
                address,
            });
        }
    }
    out
}

/// Whether the display name contains an address other than the mailbox's own (a common
/// spoofing trick: `"boss@example.com" <attacker@evil.example>`).
pub fn display_name_looks_like_other_address(m: &Mailbox) -> bool {
    let Some(name) = &m.display_name else {
        return false;
    };
    name.split(|c: char| c.is_whitespace() || "<>()[]\"',;".contains(c))
        .filter(|t| t.contains('@'))
        .filter_map(|t| {
            t.rsplit_once('@')
                .filter(|(l, d)| !l.is_empty() && d.contains('.'))
                .map(|_| t)
        })
        .any(|t| !t.eq_ignore_ascii_case(&m.address))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_mailboxes_quoted_comma_and_group_yields_each_address() {
        let m = parse_mailboxes(
            "\"Doe, Jane\" <jane@example.com>, team: a@x.org, b@y.org;, (c) c@z.net",
        );
        let addrs: Vec<&str> = m.iter().map(|m| m.address.as_str()).collect();
        assert_eq!(addrs, ["jane@example.com", "a@x.org", "b@y.org", "c@z.net"]);
        assert_eq!(m[0].display_name.as_deref(), Some("Doe, Jane"));
    }

    #[test]
    fn display_name_with_other_address_is_flagged() {
        let m = &parse_mailboxes("\"boss@example.com\" <mallory@evil.example>")[0];
        assert!(display_name_looks_like_other_address(m));
        let m = &parse_mailboxes("\"alice@example.com\" <alice@example.com>")[0];
        assert!(!display_name_looks_like_other_address(m));
    }
}

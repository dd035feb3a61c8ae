//! Mailbox lists in From, Sender, To, Cc (RFC 5322 3.4).

/// One mailbox (RFC 5322 3.4): an optional display name and an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    /// The display name: quoted strings unquoted and unescaped, white space collapsed,
    /// encoded words (RFC 2047) left as they are. For the old form `addr (Name)` the
    /// comment is taken as the name.
    pub display_name: Option<String>,
    /// The address `local@domain` as written (angle brackets removed).
    pub address: String,
}

/// One item of a list before interpretation: the text outside comments (quoted strings kept
/// as written) and the text of its comments.
#[derive(Default)]
struct Item {
    text: String,
    comments: Vec<String>,
}

/// Split at `,` and at group ends `;` outside quotes, angle brackets and comments; a group
/// name `name:` outside quotes and angle brackets is dropped (RFC 5322 3.4 `group`).
fn split_list(value: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut current = Item::default();
    let mut comment = String::new();
    let (mut quoted, mut escaped, mut angle, mut depth) = (false, false, false, 0usize);
    for c in value.chars() {
        if escaped {
            escaped = false;
            if depth > 0 {
                comment.push(c);
            } else {
                current.text.push(c);
            }
            continue;
        }
        if depth > 0 {
            match c {
                '\\' => escaped = true,
                '(' => {
                    depth += 1;
                    comment.push(c);
                }
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        current.comments.push(std::mem::take(&mut comment));
                    } else {
                        comment.push(c);
                    }
                }
                _ => comment.push(c),
            }
            continue;
        }
        match c {
            '\\' if quoted => {
                escaped = true;
                current.text.push(c);
            }
            '"' => {
                quoted = !quoted;
                current.text.push(c);
            }
            _ if quoted => current.text.push(c),
            '(' => depth = 1,
            '<' => {
                angle = true;
                current.text.push(c);
            }
            '>' => {
                angle = false;
                current.text.push(c);
            }
            ':' if !angle => current = Item::default(),
            ';' | ',' if !angle => items.push(std::mem::take(&mut current)),
            _ => current.text.push(c),
        }
    }
    if depth > 0 {
        current.comments.push(comment);
    }
    items.push(current);
    items
}

/// A display name as text: quotes removed, `\x` becomes `x`, white space collapsed
/// (RFC 5322 3.2.4 quoted-string, 3.2.5 phrase).
fn phrase_text(phrase: &str) -> String {
    let mut out = String::with_capacity(phrase.len());
    let (mut quoted, mut escaped) = (false, false);
    for c in phrase.chars() {
        if escaped {
            escaped = false;
            out.push(c);
            continue;
        }
        match c {
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            _ => out.push(c),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `address` looks like `local@domain` (no white space, something on both sides).
fn is_address(address: &str) -> bool {
    address
        .rsplit_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty())
        && !address.contains(|c: char| c.is_whitespace() || c.is_control() || "<>,;".contains(c))
}

/// Parse a mailbox list or address list (RFC 5322 3.4): `Name <a@b>`, `a@b`, `a@b (Name)`,
/// groups `G: a@b, c@d;`, comments, quoted display names containing commas. Never fails;
/// whatever is not a mailbox is skipped.
pub fn parse_mailboxes(value: &str) -> Vec<Mailbox> {
    let mut out = Vec::new();
    for item in split_list(value) {
        let text = item.text.trim();
        if text.is_empty() {
            continue;
        }
        // The angle address is the last `<...>` outside quotes.
        let mut open = None;
        let mut close = None;
        let mut quoted = false;
        let mut escaped = false;
        for (i, c) in text.char_indices() {
            if escaped {
                escaped = false;
                continue;
            }
            match c {
                '\\' if quoted => escaped = true,
                '"' => quoted = !quoted,
                '<' if !quoted => {
                    open = Some(i);
                    close = None;
                }
                '>' if !quoted && open.is_some() => close = Some(i),
                _ => {}
            }
        }
        let (display, address) = match (open, close) {
            (Some(o), Some(c)) if o < c => {
                let name = phrase_text(text.get(..o).unwrap_or_default());
                let address = text.get(o + 1..c).unwrap_or_default().trim();
                // An obsolete route `@a,@b:` before the address (RFC 5322 4.4).
                let address = address.rsplit_once(':').map_or(address, |(_, a)| a).trim();
                (Some(name), address.to_string())
            }
            _ => (None, text.to_string()),
        };
        if !is_address(&address) {
            continue;
        }
        let display = display.filter(|n| !n.is_empty()).or_else(|| {
            item.comments
                .iter()
                .map(|c| c.split_whitespace().collect::<Vec<_>>().join(" "))
                .find(|c| !c.is_empty())
        });
        out.push(Mailbox {
            display_name: display,
            address,
        });
    }
    out
}

/// One RFC 2047 encoded word `=?charset?B|Q?text?=` decoded, or `None` if `word` is not one.
fn decode_encoded_word(word: &str) -> Option<String> {
    let inner = word.strip_prefix("=?")?.strip_suffix("?=")?;
    let mut fields = inner.splitn(3, '?');
    let (charset, encoding, text) = (fields.next()?, fields.next()?, fields.next()?);
    // RFC 2231 5: `charset*language`.
    let charset = charset.split('*').next().unwrap_or(charset);
    let bytes = if encoding.eq_ignore_ascii_case("b") {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .ok()?
    } else if encoding.eq_ignore_ascii_case("q") {
        let raw = text.as_bytes();
        let mut out = Vec::with_capacity(raw.len());
        let mut i = 0;
        while let Some(&b) = raw.get(i) {
            match b {
                b'_' => out.push(b' '),
                b'=' => {
                    let hex = |k: usize| raw.get(k).and_then(|&b| (b as char).to_digit(16));
                    let (h, l) = (hex(i + 1)?, hex(i + 2)?);
                    out.push(u8::try_from(h * 16 + l).ok()?);
                    i += 2;
                }
                _ => out.push(b),
            }
            i += 1;
        }
        out
    } else {
        return None;
    };
    Some(if charset.eq_ignore_ascii_case("iso-8859-1") {
        bytes.iter().map(|&b| char::from(b)).collect()
    } else {
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// A display name with its RFC 2047 encoded words decoded (B and Q; UTF-8, US-ASCII and
/// ISO-8859-1, other charsets read as UTF-8); white space between two encoded words is
/// dropped (RFC 2047 6.2). What mail clients show to the user, for spoofing checks and
/// reports.
pub fn decode_encoded_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = String::new();
    let mut previous_encoded = false;
    for token in text.split_inclusive([' ', '\t']) {
        let word = token.trim_end_matches([' ', '\t']);
        let space = token.get(word.len()..).unwrap_or_default();
        if word.is_empty() {
            pending_space.push_str(space);
            continue;
        }
        match decode_encoded_word(word) {
            Some(decoded) => {
                if !previous_encoded {
                    out.push_str(&pending_space);
                }
                out.push_str(&decoded);
                previous_encoded = true;
            }
            None => {
                out.push_str(&pending_space);
                out.push_str(word);
                previous_encoded = false;
            }
        }
        pending_space = space.to_string();
    }
    out.push_str(&pending_space);
    out
}

/// Whether the display name, as a mail client shows it (RFC 2047 encoded words decoded),
/// contains an address other than the mailbox's own: a common spoofing trick,
/// `"boss@example.com" <attacker@evil.example>`, shown by many clients as just the name.
/// The comparison ignores case.
pub fn display_name_looks_like_other_address(m: &Mailbox) -> bool {
    let Some(name) = &m.display_name else {
        return false;
    };
    let name = decode_encoded_words(name);
    name.split(|c: char| c.is_whitespace() || "<>()[]\"',;:".contains(c))
        .map(|t| t.trim_matches('.'))
        .filter(|t| {
            t.rsplit_once('@')
                .is_some_and(|(l, d)| !l.is_empty() && d.contains('.'))
        })
        .any(|t| !t.eq_ignore_ascii_case(&m.address))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addresses(value: &str) -> Vec<String> {
        parse_mailboxes(value)
            .into_iter()
            .map(|m| m.address)
            .collect()
    }

    #[test]
    fn parse_mailboxes_quoted_comma_and_group_yields_each_address() {
        let m = parse_mailboxes(
            "\"Doe, Jane\" <jane@example.com>, team: a@x.org, b@y.org;, (c) c@z.net",
        );
        let addrs: Vec<&str> = m.iter().map(|m| m.address.as_str()).collect();
        assert_eq!(addrs, ["jane@example.com", "a@x.org", "b@y.org", "c@z.net"]);
        assert_eq!(m[0].display_name.as_deref(), Some("Doe, Jane"));
        assert_eq!(m[1].display_name, None);
    }

    #[test]
    fn parse_mailboxes_escaped_quotes_and_angle_in_name_are_unescaped() {
        let m = parse_mailboxes(r#""A \"B\" <x@evil.example>" <real@example.com>"#);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].address, "real@example.com");
        assert_eq!(
            m[0].display_name.as_deref(),
            Some(r#"A "B" <x@evil.example>"#)
        );
        assert!(display_name_looks_like_other_address(&m[0]));
    }

    #[test]
    fn parse_mailboxes_old_comment_form_gives_display_name() {
        let m = parse_mailboxes("jane@example.com (Jane  Doe)");
        assert_eq!(m[0].address, "jane@example.com");
        assert_eq!(m[0].display_name.as_deref(), Some("Jane Doe"));
    }

    #[test]
    fn parse_mailboxes_encoded_word_name_is_left_as_is() {
        let m = parse_mailboxes("=?utf-8?q?J=C3=BCrgen?= <j@example.de>");
        assert_eq!(
            m[0].display_name.as_deref(),
            Some("=?utf-8?q?J=C3=BCrgen?=")
        );
    }

    #[test]
    fn parse_mailboxes_skips_garbage_and_empty_groups() {
        assert_eq!(addresses("undisclosed-recipients:;"), Vec::<String>::new());
        assert_eq!(
            addresses("not an address, <>, @x, y@, \"q\"@, ok@example.com, ((nested) c) <n@e.x>"),
            ["ok@example.com", "n@e.x"]
        );
        assert_eq!(addresses(""), Vec::<String>::new());
        assert_eq!(addresses("\"unterminated <a@b.c>"), Vec::<String>::new());
        assert_eq!(addresses("(unterminated a@b.c"), Vec::<String>::new());
    }

    #[test]
    fn parse_mailboxes_route_and_colon_in_angle_keep_address() {
        assert_eq!(
            addresses("Old <@relay.example:a@b.example>"),
            ["a@b.example"]
        );
        assert_eq!(addresses("G: X <x@y.z>;, w@v.u"), ["x@y.z", "w@v.u"]);
    }

    #[test]
    fn display_name_with_other_address_is_flagged() {
        let m = &parse_mailboxes("\"boss@example.com\" <mallory@evil.example>")[0];
        assert!(display_name_looks_like_other_address(m));
        let m = &parse_mailboxes("\"Alice@Example.com\" <alice@example.com>")[0];
        assert!(!display_name_looks_like_other_address(m));
        let m = &parse_mailboxes("Alice Smith <alice@example.com>")[0];
        assert!(!display_name_looks_like_other_address(m));
        let m = &parse_mailboxes("\"Alice (alice@example.com.)\" <a@example.org>")[0];
        assert!(display_name_looks_like_other_address(m));
    }

    #[test]
    fn decode_encoded_words_q_and_b_join_adjacent_words() {
        assert_eq!(
            decode_encoded_words("=?utf-8?q?ceo=40bank=2Eexample?="),
            "ceo@bank.example"
        );
        assert_eq!(
            decode_encoded_words("a =?UTF-8?B?SsO8cmdlbg==?= =?iso-8859-1?Q?_M=FCller?= b"),
            "a Jürgen Müller b"
        );
        assert_eq!(
            decode_encoded_words("=?utf-8?q?a?=  \t =?utf-8?q?b?=  c"),
            "ab  c"
        );
        assert_eq!(
            decode_encoded_words("=?x?q?=4?= plain  =?bad"),
            "=?x?q?=4?= plain  =?bad"
        );
    }

    #[test]
    fn display_name_encoded_other_address_is_flagged() {
        let m = &parse_mailboxes("=?utf-8?q?ceo=40bank=2Eexample?= <rsa@example.com>")[0];
        assert_eq!(
            m.display_name.as_deref(),
            Some("=?utf-8?q?ceo=40bank=2Eexample?=")
        );
        assert!(display_name_looks_like_other_address(m));
    }
}

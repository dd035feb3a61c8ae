//! Header protection for cryptographically protected mail (RFC 9788).
//!
//! Sending (RFC 9788 4.1 and 4.2): every non-structural header field of the message (From,
//! To, Cc, Subject, Date, Message-ID, ...) is copied into the header section of the
//! Cryptographic Payload, whose Content-Type gets `hp="cipher"` when the message is
//! encrypted and `hp="clear"` when it is only signed (RFC 9788 2.1.1). An encrypted message's
//! outer header fields then pass through a Header Confidentiality Policy (RFC 9788 3.2):
//! `hcp_baseline` replaces the outer Subject with `[...]` and leaves Comments and Keywords
//! out (RFC 9788 3.2.1); what stays outside is recorded inside as `HP-Outer` fields
//! (RFC 9788 2.2), so that the receiver can tell confidentiality from tampering. A signed-only
//! message keeps its outer fields unchanged (`hcp_no_confidentiality`) and has no HP-Outer.
//! The optional Legacy Display Element (RFC 9788 4.2.2) is not written.
//!
//! Receiving (RFC 9788 4.3 and 4.4): the protected fields are the ones to show; every outer
//! field is compared with its protected copy (and, for an encrypted message, with the HP-Outer
//! record of what the sender put outside) and any difference is reported.

use serde::Serialize;

use super::{Entity, Header};
use crate::message::HeaderBlock;
use crate::{Error, Result};

/// The name of the field recording an outer header field inside an encrypted message
/// (RFC 9788 2.2).
pub const HP_OUTER: &str = "HP-Outer";

/// The outer Subject of an encrypted message under `hcp_baseline` (RFC 9788 3.2.1).
pub const OBSCURED_SUBJECT: &str = "[...]";

/// The `hp` Content-Type parameter of the Cryptographic Payload (RFC 9788 2.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HpMode {
    /// `hp="cipher"`: the message is encrypted (and usually signed).
    Cipher,
    /// `hp="clear"`: the message is only signed; every header field is also outside.
    Clear,
}

impl HpMode {
    /// The parameter value.
    pub fn as_str(self) -> &'static str {
        match self {
            HpMode::Cipher => "cipher",
            HpMode::Clear => "clear",
        }
    }
}

/// A Header Confidentiality Policy (RFC 9788 3.2): what an encrypted message shows outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfidentialityPolicy {
    /// `hcp_baseline` (RFC 9788 3.2.1): Subject becomes `[...]`, Comments and Keywords are
    /// left out, everything else is kept.
    Baseline,
    /// `hcp_baseline` except that the Subject stays visible (`--keep-subject`).
    BaselineKeepSubject,
    /// `hcp_no_confidentiality` (RFC 9788 3.2.2): every field is kept. The only policy for a
    /// signed-only message.
    NoConfidentiality,
}

impl ConfidentialityPolicy {
    /// The outer value of a field under this policy: `None` leaves the field out. `raw_value`
    /// is the exact text after the colon.
    pub fn apply(self, name: &str, raw_value: &[u8]) -> Option<Vec<u8>> {
        if self == ConfidentialityPolicy::NoConfidentiality {
            return Some(raw_value.to_vec());
        }
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "subject" if self == ConfidentialityPolicy::Baseline => {
                Some(format!(" {OBSCURED_SUBJECT}").into_bytes())
            }
            "comments" | "keywords" => None,
            _ => Some(raw_value.to_vec()),
        }
    }
}

/// Whether a field is structural (RFC 9788 1.1: Content-* and MIME-Version): it describes the
/// MIME structure and is never copied or compared.
pub fn is_structural(name: &str) -> bool {
    Entity::is_content_header(name)
}

/// The header fields of a message prepared for header protection.
#[derive(Debug, Clone)]
pub struct ProtectedHeaders {
    /// The header block to hand to the signer: the outer fields after the confidentiality
    /// policy, then the Content-* fields with the `hp` parameter (a Content-Type is added
    /// when the message has none), then the empty line.
    pub message_header: Vec<u8>,
    /// The fields to put at the top of the Cryptographic Payload's header section: a copy of
    /// every non-structural field, then (encrypted only) one HP-Outer per outer field.
    pub protected_fields: Vec<u8>,
}

/// Prepare a message's header for header protection (RFC 9788 4.1). Any HP-Outer field
/// already in the message (from an earlier protection) is dropped; an `hp` parameter
/// already on the Content-Type is replaced.
pub fn protect_headers(
    header: &HeaderBlock,
    mode: HpMode,
    policy: ConfidentialityPolicy,
) -> Result<ProtectedHeaders> {
    let policy = match mode {
        HpMode::Clear => ConfidentialityPolicy::NoConfidentiality,
        HpMode::Cipher => policy,
    };
    let mut outer = Vec::new();
    let mut protected = Vec::new();
    let mut records = Vec::new();
    for h in &header.entity.headers {
        if is_structural(&h.name) || h.name.eq_ignore_ascii_case(HP_OUTER) {
            continue;
        }
        protected.extend(header.field_bytes(h));
        if let Some(value) = policy.apply(&h.name, &h.raw_value) {
            let field = field(&h.name, &value);
            if mode == HpMode::Cipher {
                records.extend(field_with_value(HP_OUTER, &[b" ", &field[..]].concat()));
            }
            outer.extend(field);
        }
    }
    protected.extend(records);
    let mut content = Vec::new();
    let mut has_type = false;
    for h in header.content_headers() {
        if h.name.eq_ignore_ascii_case("Content-Type") {
            has_type = true;
            content.extend(content_type_with_hp(header, h, mode)?);
        } else {
            content.extend(header.field_bytes(h));
        }
    }
    if !has_type {
        content.extend(
            format!(
                "Content-Type: text/plain; charset=us-ascii; hp=\"{}\"\r\n",
                mode.as_str()
            )
            .into_bytes(),
        );
    }
    let mut message_header = outer;
    message_header.extend(content);
    message_header.extend_from_slice(b"\r\n");
    Ok(ProtectedHeaders {
        message_header,
        protected_fields: protected,
    })
}

/// `Name:value\r\n` where `value` is the exact text after the colon (CRLF line ends).
fn field(name: &str, value: &[u8]) -> Vec<u8> {
    let mut out = name.as_bytes().to_vec();
    out.push(b':');
    out.extend(super::to_crlf(value));
    out.extend_from_slice(b"\r\n");
    out
}

/// An HP-Outer field whose value is a whole field (`Name: value\r\n`): its line end is
/// dropped so that the result is one field.
fn field_with_value(name: &str, whole_field: &[u8]) -> Vec<u8> {
    let trimmed = whole_field.strip_suffix(b"\r\n").unwrap_or(whole_field);
    field(name, trimmed)
}

/// The Content-Type field with `hp="<mode>"` appended (an existing `hp` is replaced, which
/// rewrites the field from its parsed parameters).
fn content_type_with_hp(header: &HeaderBlock, h: &Header, mode: HpMode) -> Result<Vec<u8>> {
    let parsed = super::ContentType::parse(&h.value())?;
    if parsed.param("hp").is_none() {
        let raw = header.field_bytes(h);
        let raw = raw.strip_suffix(b"\r\n").unwrap_or(&raw);
        let raw = String::from_utf8_lossy(raw);
        let raw = raw.trim_end().trim_end_matches(';');
        return Ok(format!("{raw};\r\n hp=\"{}\"\r\n", mode.as_str()).into_bytes());
    }
    let mut value = parsed.mime_type.clone();
    for (name, v) in parsed.params.iter().filter(|(n, _)| n != "hp") {
        if v.contains(['"', '\\', '\r', '\n']) {
            return Err(Error::mime(
                "Content-Type",
                format!("cannot rewrite the {name} parameter to replace the hp parameter"),
            ));
        }
        value.push_str(&format!(";\r\n {name}=\"{v}\""));
    }
    Ok(format!("Content-Type: {value};\r\n hp=\"{}\"\r\n", mode.as_str()).into_bytes())
}

/// A header field by name and unfolded value, for reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    /// The field name as written.
    pub name: String,
    /// The unfolded value.
    pub value: String,
}

/// How an outer header field relates to its protected copy (RFC 9788 4.3 and 4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OuterStatus {
    /// The outer value is the protected value.
    Same,
    /// The outer value differs from the protected one as the sender's confidentiality
    /// policy made it (it matches the HP-Outer record, or is the `[...]` Subject).
    Obscured,
    /// The sender left the field out of the outer header (confidential; no HP-Outer record).
    Removed,
    /// The outer value differs from what the sender wrote: changed in transit, or added.
    Changed,
    /// The protected field is missing outside although the sender did not remove it.
    Missing,
    /// The outer field has no protected copy (e.g. Received): not covered by the protection.
    Unprotected,
}

/// The check of one outer field name against its protected copy.
#[derive(Debug, Clone, Serialize)]
pub struct OuterCheck {
    /// The field name (as first written).
    pub name: String,
    /// The outer values (several for a repeated field), empty when absent outside.
    pub outer: Vec<String>,
    /// The protected values, empty when there is no protected copy.
    pub protected: Vec<String>,
    /// What the HP-Outer records say the sender put outside, when the message has them.
    pub sent_outside: Option<Vec<String>>,
    /// The verdict.
    pub status: OuterStatus,
}

/// What header protection says about a message (RFC 9788 4.3).
#[derive(Debug, Clone, Serialize)]
pub struct HeaderProtectionReport {
    /// `cipher` or `clear`, the `hp` parameter of the Cryptographic Payload.
    pub hp: String,
    /// The protected header fields (without HP-Outer), in order.
    pub protected: Vec<Field>,
    /// One check per field name found outside or protected.
    pub outer: Vec<OuterCheck>,
    /// One sentence per changed or missing outer field.
    pub problems: Vec<String>,
}

/// Compare the outer header fields of the received message with the protected fields of the
/// innermost entity. `None` when the entity carries no `hp` parameter (no header protection).
pub fn check_headers(outer: &Entity, inner: &Entity) -> Option<HeaderProtectionReport> {
    let hp = inner
        .content_type()
        .ok()?
        .param("hp")
        .map(str::to_ascii_lowercase)?;
    let protected: Vec<&Header> = inner
        .headers
        .iter()
        .filter(|h| !is_structural(&h.name) && !h.name.eq_ignore_ascii_case(HP_OUTER))
        .collect();
    let records: Vec<(String, String)> = inner
        .headers_named(HP_OUTER)
        .filter_map(|h| {
            let value = h.value();
            let (name, v) = value.split_once(':')?;
            Some((name.trim().to_string(), unfold(v)))
        })
        .collect();
    let has_records = hp == "cipher" && !records.is_empty();
    let outside: Vec<&Header> = outer
        .headers
        .iter()
        .filter(|h| !is_structural(&h.name))
        .collect();
    let mut names: Vec<String> = Vec::new();
    for h in protected.iter().chain(outside.iter()) {
        if !names.iter().any(|n| n.eq_ignore_ascii_case(&h.name)) {
            names.push(h.name.clone());
        }
    }
    let values = |list: &[&Header], name: &str| -> Vec<String> {
        list.iter()
            .filter(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| unfold(&h.value()))
            .collect()
    };
    let mut checks = Vec::new();
    let mut problems = Vec::new();
    for name in names {
        let p = values(&protected, &name);
        let o = values(&outside, &name);
        let sent = has_records.then(|| {
            records
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(&name))
                .map(|(_, v)| v.clone())
                .collect::<Vec<_>>()
        });
        let status = if p.is_empty() {
            OuterStatus::Unprotected
        } else if o == p {
            OuterStatus::Same
        } else if let Some(sent) = &sent {
            match (o == *sent, o.is_empty()) {
                (true, true) => OuterStatus::Removed,
                (true, false) => OuterStatus::Obscured,
                (false, true) => OuterStatus::Missing,
                (false, false) => OuterStatus::Changed,
            }
        } else if hp == "cipher" && name.eq_ignore_ascii_case("subject") && o == [OBSCURED_SUBJECT]
        {
            OuterStatus::Obscured
        } else if o.is_empty() {
            OuterStatus::Missing
        } else {
            OuterStatus::Changed
        };
        match status {
            OuterStatus::Changed => problems.push(format!(
                "the outer {name} {} differs from the protected {name} {}{}",
                quoted(&o),
                quoted(&p),
                sent.as_ref()
                    .map(|s| format!(" and from what the sender put outside ({})", quoted(s)))
                    .unwrap_or_default()
            )),
            OuterStatus::Missing => problems.push(format!(
                "the protected {name} {} is missing from the outer header",
                quoted(&p)
            )),
            _ => {}
        }
        checks.push(OuterCheck {
            name,
            outer: o,
            protected: p,
            sent_outside: sent,
            status,
        });
    }
    Some(HeaderProtectionReport {
        hp,
        protected: protected
            .iter()
            .map(|h| Field {
                name: h.name.clone(),
                value: unfold(&h.value()),
            })
            .collect(),
        outer: checks,
        problems,
    })
}

/// The header section to show the reader of a protected entity (RFC 9788 4.3): its fields
/// without the HP-Outer records, a MIME-Version, its Content-* fields, and the empty line.
/// `header_bytes` is the entity's header block, `entity` its parse.
pub fn rendered_header(header_bytes: &[u8], entity: &Entity) -> Vec<u8> {
    let mut out = Vec::with_capacity(header_bytes.len() + 32);
    for h in entity.headers.iter().filter(|h| !is_structural(&h.name)) {
        if !h.name.eq_ignore_ascii_case(HP_OUTER) {
            out.extend(crlf_field(header_bytes, h));
        }
    }
    out.extend_from_slice(b"MIME-Version: 1.0\r\n");
    for h in entity.headers.iter().filter(|h| is_structural(&h.name)) {
        if !h.name.eq_ignore_ascii_case("MIME-Version") {
            out.extend(crlf_field(header_bytes, h));
        }
    }
    out.extend_from_slice(b"\r\n");
    out
}

fn crlf_field(bytes: &[u8], h: &Header) -> Vec<u8> {
    let mut out = super::to_crlf(bytes.get(h.range.clone()).unwrap_or_default());
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// White space runs become one space (values compared after RFC 5322 unfolding).
fn unfold(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn quoted(values: &[String]) -> String {
    match values {
        [] => "(absent)".into(),
        [one] => format!("\"{one}\""),
        many => format!(
            "[{}]",
            many.iter()
                .map(|v| format!("\"{v}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::read_header_block;
    use crate::mime::parse_entity;

    const MESSAGE: &[u8] = b"From: Alice <alice@example.com>\r\nTo: bob@example.org\r\nSubject: the Jones contract\r\nKeywords: secret\r\nDate: Wed, 11 Jan 2023 16:08:43 -0500\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbody\r\n";

    fn block(message: &[u8]) -> HeaderBlock {
        read_header_block(&mut &message[..], "message").unwrap()
    }

    /// The entity a signer would make: protected fields, then the Content-* fields.
    fn payload(p: &ProtectedHeaders) -> Vec<u8> {
        let header = block(&p.message_header);
        let mut entity = p.protected_fields.clone();
        for h in header.content_headers() {
            entity.extend(header.field_bytes(h));
        }
        entity.extend_from_slice(b"\r\nbody\r\n");
        entity
    }

    #[test]
    fn protect_headers_cipher_baseline_obscures_subject_and_drops_keywords() {
        let p = protect_headers(
            &block(MESSAGE),
            HpMode::Cipher,
            ConfidentialityPolicy::Baseline,
        )
        .unwrap();
        let outer = String::from_utf8(p.message_header.clone()).unwrap();
        assert!(outer.contains("Subject: [...]\r\n"), "{outer}");
        assert!(
            !outer.contains("Jones") && !outer.contains("Keywords"),
            "{outer}"
        );
        assert!(
            outer.contains("From: Alice <alice@example.com>\r\n"),
            "{outer}"
        );
        assert!(outer.contains("hp=\"cipher\""), "{outer}");
        let inner = String::from_utf8(p.protected_fields.clone()).unwrap();
        assert!(inner.contains("Subject: the Jones contract\r\n"), "{inner}");
        assert!(inner.contains("Keywords: secret\r\n"), "{inner}");
        assert!(inner.contains("HP-Outer: Subject: [...]\r\n"), "{inner}");
        assert!(
            inner.contains("HP-Outer: From: Alice <alice@example.com>\r\n"),
            "{inner}"
        );
        assert!(!inner.contains("HP-Outer: Keywords"), "{inner}");
        assert!(!inner.contains("Content-Type"), "{inner}");
    }

    #[test]
    fn protect_headers_clear_keeps_everything_and_writes_no_hp_outer() {
        let p = protect_headers(
            &block(MESSAGE),
            HpMode::Clear,
            ConfidentialityPolicy::Baseline,
        )
        .unwrap();
        let outer = String::from_utf8(p.message_header.clone()).unwrap();
        assert!(outer.contains("Subject: the Jones contract\r\n"), "{outer}");
        assert!(outer.contains("Keywords: secret\r\n"), "{outer}");
        assert!(outer.contains("hp=\"clear\""), "{outer}");
        assert!(!String::from_utf8_lossy(&p.protected_fields).contains("HP-Outer"));
    }

    #[test]
    fn protect_headers_keep_subject_leaves_subject_outside() {
        let p = protect_headers(
            &block(MESSAGE),
            HpMode::Cipher,
            ConfidentialityPolicy::BaselineKeepSubject,
        )
        .unwrap();
        let outer = String::from_utf8(p.message_header).unwrap();
        assert!(outer.contains("Subject: the Jones contract\r\n"), "{outer}");
        assert!(!outer.contains("Keywords"), "{outer}");
    }

    #[test]
    fn protect_headers_without_content_type_adds_one_and_replaces_old_hp() {
        let p = protect_headers(
            &block(b"From: a@b\r\n\r\nx"),
            HpMode::Clear,
            ConfidentialityPolicy::Baseline,
        )
        .unwrap();
        let outer = String::from_utf8(p.message_header).unwrap();
        assert!(outer.contains("Content-Type: text/plain; charset=us-ascii; hp=\"clear\""));
        let p = protect_headers(
            &block(b"From: a@b\r\nContent-Type: text/plain; hp=cipher; charset=utf-8\r\nHP-Outer: From: x@y\r\n\r\nx"),
            HpMode::Clear,
            ConfidentialityPolicy::Baseline,
        )
        .unwrap();
        let header = block(&p.message_header);
        let ct = header.entity.content_type().unwrap();
        assert_eq!(ct.param("hp"), Some("clear"));
        assert_eq!(ct.param("charset"), Some("utf-8"));
        assert!(!String::from_utf8_lossy(&p.protected_fields).contains("x@y"));
    }

    #[test]
    fn check_headers_round_trip_reports_obscured_subject_not_a_problem() {
        let p = protect_headers(
            &block(MESSAGE),
            HpMode::Cipher,
            ConfidentialityPolicy::Baseline,
        )
        .unwrap();
        let entity_bytes = payload(&p);
        let inner = parse_entity(&entity_bytes, "inner").unwrap();
        let outer = parse_entity(&p.message_header, "outer").unwrap();
        let report = check_headers(&outer, &inner).unwrap();
        assert_eq!(report.hp, "cipher");
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        let status = |n: &str| report.outer.iter().find(|c| c.name == n).unwrap().status;
        assert_eq!(status("Subject"), OuterStatus::Obscured);
        assert_eq!(status("Keywords"), OuterStatus::Removed);
        assert_eq!(status("From"), OuterStatus::Same);
        let shown = rendered_header(&entity_bytes, &inner);
        let shown = String::from_utf8(shown).unwrap();
        assert!(shown.starts_with("From: Alice"), "{shown}");
        assert!(shown.contains("Subject: the Jones contract\r\n"), "{shown}");
        assert!(!shown.contains("HP-Outer"), "{shown}");
    }

    #[test]
    fn check_headers_changed_outer_subject_is_a_problem() {
        let p = protect_headers(
            &block(MESSAGE),
            HpMode::Cipher,
            ConfidentialityPolicy::Baseline,
        )
        .unwrap();
        let entity_bytes = payload(&p);
        let inner = parse_entity(&entity_bytes, "inner").unwrap();
        let changed = String::from_utf8(p.message_header.clone())
            .unwrap()
            .replace("Subject: [...]", "Subject: pay invoice 42")
            .replace("To: bob@example.org\r\n", "");
        let outer = parse_entity(changed.as_bytes(), "outer").unwrap();
        let report = check_headers(&outer, &inner).unwrap();
        let status = |n: &str| report.outer.iter().find(|c| c.name == n).unwrap().status;
        assert_eq!(status("Subject"), OuterStatus::Changed);
        assert_eq!(status("To"), OuterStatus::Missing);
        assert_eq!(report.problems.len(), 2, "{:?}", report.problems);
        assert!(
            report.problems.iter().any(|p| p.contains("pay invoice 42")),
            "{:?}",
            report.problems
        );
    }

    #[test]
    fn check_headers_clear_changed_subject_and_unprotected_field() {
        let p = protect_headers(
            &block(MESSAGE),
            HpMode::Clear,
            ConfidentialityPolicy::Baseline,
        )
        .unwrap();
        let entity_bytes = payload(&p);
        let inner = parse_entity(&entity_bytes, "inner").unwrap();
        let changed = String::from_utf8(p.message_header.clone())
            .unwrap()
            .replace(
                "Subject: the Jones",
                "Received: by relay\r\nSubject: the Smith",
            );
        let outer = parse_entity(changed.as_bytes(), "outer").unwrap();
        let report = check_headers(&outer, &inner).unwrap();
        let status = |n: &str| report.outer.iter().find(|c| c.name == n).unwrap().status;
        assert_eq!(status("Subject"), OuterStatus::Changed);
        assert_eq!(status("Received"), OuterStatus::Unprotected);
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    }

    #[test]
    fn check_headers_without_hp_is_none() {
        let e = parse_entity(MESSAGE, "m").unwrap();
        assert!(check_headers(&e, &e).is_none());
    }
}

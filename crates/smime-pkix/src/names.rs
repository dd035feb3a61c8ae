//! Distinguished-name comparison (RFC 5280 7.1) and name constraints (RFC 5280 4.2.1.10,
//! 6.1.3 (b)-(c), 6.1.4 (g)).
//!
//! Names are compared after the preparation of RFC 5280 7.1 reduced to what real CAs need
//! (and PKITS 4.3 tests): directory strings of any string type compare as text, without
//! regard to case, with leading and trailing white space removed and inner runs of white
//! space collapsed; other attribute values compare by their DER.

use const_oid::ObjectIdentifier;
use der::asn1::{Ia5StringRef, Utf8StringRef};
use der::{Decode, Encode, Tag, Tagged};
use x509_cert::ext::pkix::constraints::name::GeneralSubtree;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::name::Name;
use x509_cert::Certificate;

/// The emailAddress attribute (PKCS #9, 1.2.840.113549.1.9.1), which RFC 5280 4.2.1.10
/// requires to be checked against rfc822Name constraints.
pub const EMAIL_ADDRESS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1");
const SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");

/// One attribute value after preparation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Value {
    /// A directory string: case-folded, white space trimmed and collapsed.
    Text(String),
    /// Anything else: the DER of the value.
    Der(Vec<u8>),
}

/// A distinguished name prepared for comparison: RDNs in order, each a sorted set of
/// (type, value) pairs (a multi-valued RDN is a SET, RFC 5280 4.1.2.4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NormalizedName(Vec<Vec<(ObjectIdentifier, Value)>>);

fn text_of(value: &der::Any) -> Option<String> {
    let bytes = value.value();
    match value.tag() {
        Tag::PrintableString | Tag::Utf8String | Tag::Ia5String | Tag::VisibleString => {
            String::from_utf8(bytes.to_vec()).ok()
        }
        // T.61: the Latin-1 subset is what occurs in practice.
        Tag::TeletexString => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        Tag::BmpString => {
            let units: Vec<u16> = bytes
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            String::from_utf16(&units).ok()
        }
        // UniversalString (X.680 41), which `der` has no tag name for.
        t if u8::from(t) == 0x1c => bytes
            .chunks(4)
            .map(|c| {
                let mut b = [0u8; 4];
                b[..c.len()].copy_from_slice(c);
                char::from_u32(u32::from_be_bytes(b))
            })
            .collect(),
        _ => None,
    }
}

fn prepare(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl NormalizedName {
    /// Prepare `name` for comparison.
    pub fn new(name: &Name) -> Self {
        NormalizedName(
            name.0
                .iter()
                .map(|rdn| {
                    let mut set: Vec<(ObjectIdentifier, Value)> = rdn
                        .0
                        .iter()
                        .map(|atv| {
                            let value = match text_of(&atv.value) {
                                Some(t) => Value::Text(prepare(&t)),
                                None => Value::Der(atv.value.to_der().unwrap_or_default()),
                            };
                            (atv.oid, value)
                        })
                        .collect();
                    set.sort();
                    set
                })
                .collect(),
        )
    }

    /// Whether the name has no RDN (an empty subject, RFC 5280 4.1.2.6).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `self` lies within the subtree named by `base`: `base`'s RDNs are a prefix
    /// of `self`'s (RFC 5280 4.2.1.10, directoryName).
    pub fn is_within(&self, base: &NormalizedName) -> bool {
        base.0.len() <= self.0.len() && self.0.iter().zip(&base.0).all(|(a, b)| a == b)
    }
}

/// The emailAddress attribute values of a name.
fn email_attributes(name: &Name) -> Vec<String> {
    let mut out = Vec::new();
    for atv in name.0.iter().flat_map(|rdn| rdn.0.iter()) {
        if atv.oid == EMAIL_ADDRESS {
            if let Ok(s) = atv.value.decode_as::<Ia5StringRef<'_>>() {
                out.push(s.to_string());
            } else if let Ok(s) = atv.value.decode_as::<Utf8StringRef<'_>>() {
                out.push(s.to_string());
            }
        }
    }
    out
}

/// The names of a certificate that name constraints apply to (RFC 5280 6.1.3 (b)-(c)):
/// the subject as a directoryName (unless empty), its emailAddress attributes as
/// rfc822Names, and every subjectAltName. `Err` when the subjectAltName is malformed.
pub fn constrained_names(cert: &Certificate) -> Result<Vec<GeneralName>, String> {
    let subject = &cert.tbs_certificate.subject;
    let mut names = Vec::new();
    if !subject.0.is_empty() {
        names.push(GeneralName::DirectoryName(subject.clone()));
    }
    for email in email_attributes(subject) {
        if let Ok(a) = der::asn1::Ia5String::new(&email) {
            names.push(GeneralName::Rfc822Name(a));
        }
    }
    for ext in cert.tbs_certificate.extensions.iter().flatten() {
        if ext.extn_id == SUBJECT_ALT_NAME {
            let san = SubjectAltName::from_der(ext.extn_value.as_bytes())
                .map_err(|e| format!("malformed subjectAltName: {e}"))?;
            names.extend(san.0);
        }
    }
    Ok(names)
}

/// The GeneralName CHOICE index, to match names with constraints of the same form.
fn form(name: &GeneralName) -> u8 {
    match name {
        GeneralName::OtherName(_) => 0,
        GeneralName::Rfc822Name(_) => 1,
        GeneralName::DnsName(_) => 2,
        GeneralName::DirectoryName(_) => 4,
        GeneralName::EdiPartyName(_) => 5,
        GeneralName::UniformResourceIdentifier(_) => 6,
        GeneralName::IpAddress(_) => 7,
        GeneralName::RegisteredId(_) => 8,
    }
}

fn form_name(name: &GeneralName) -> &'static str {
    match form(name) {
        0 => "otherName",
        1 => "rfc822Name",
        2 => "dNSName",
        4 => "directoryName",
        5 => "ediPartyName",
        6 => "uniformResourceIdentifier",
        7 => "iPAddress",
        _ => "registeredID",
    }
}

/// A readable form of a name for failure messages.
pub fn describe_general_name(name: &GeneralName) -> String {
    match name {
        GeneralName::Rfc822Name(s) => format!("rfc822Name {s}"),
        GeneralName::DnsName(s) => format!("dNSName {s}"),
        GeneralName::UniformResourceIdentifier(s) => format!("URI {s}"),
        GeneralName::DirectoryName(n) => format!("directoryName {n}"),
        GeneralName::IpAddress(ip) => format!("iPAddress {:02x?}", ip.as_bytes()),
        other => form_name(other).to_string(),
    }
}

/// The domain part of a host name constraint match: `name` is `base` or ends with
/// `.base`; a `base` with a leading period matches only proper subdomains.
fn host_within(host: &str, base: &str) -> bool {
    let host = host.to_ascii_lowercase();
    let base = base.to_ascii_lowercase();
    if base.is_empty() {
        return true;
    }
    if base.starts_with('.') {
        return host.ends_with(&base);
    }
    host == base || host.ends_with(&format!(".{base}"))
}

/// rfc822Name constraints (RFC 5280 4.2.1.10): a full mailbox, a host (all mailboxes at
/// exactly that host) or a domain with a leading period (mailboxes at any subdomain).
fn mailbox_within(mailbox: &str, base: &str) -> bool {
    let Some((local, host)) = mailbox.rsplit_once('@') else {
        return false;
    };
    if let Some((base_local, base_host)) = base.rsplit_once('@') {
        return local == base_local && host.eq_ignore_ascii_case(base_host);
    }
    if base.starts_with('.') {
        return host
            .to_ascii_lowercase()
            .ends_with(&base.to_ascii_lowercase());
    }
    host.eq_ignore_ascii_case(base)
}

/// dNSName constraints: any name made by adding labels to the left of the constraint.
fn dns_within(name: &str, base: &str) -> bool {
    host_within(name.trim_end_matches('.'), base.trim_end_matches('.'))
}

/// The host of a URI with an authority (`scheme://[user@]host[:port]/...`).
fn uri_host(uri: &str) -> Option<&str> {
    let (_, rest) = uri.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        host.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

/// uniformResourceIdentifier constraints: on the host of the URI (RFC 5280 4.2.1.10); a
/// URI without a host is outside every URI subtree.
fn uri_within(uri: &str, base: &str) -> bool {
    match uri_host(uri) {
        Some(host) if base.starts_with('.') => host
            .to_ascii_lowercase()
            .ends_with(&base.to_ascii_lowercase()),
        Some(host) => host.eq_ignore_ascii_case(base),
        None => false,
    }
}

/// iPAddress constraints: address and mask, 8 octets for IPv4, 32 for IPv6.
fn ip_within(ip: &[u8], base: &[u8]) -> bool {
    if base.len() != ip.len() * 2 {
        return false;
    }
    let (addr, mask) = base.split_at(ip.len());
    ip.iter()
        .zip(addr)
        .zip(mask)
        .all(|((i, a), m)| i & m == a & m)
}

/// Whether `name` is within `base`; `None` when the form is one this validator cannot
/// compare (otherName, x400Address, ediPartyName, registeredID).
fn within(name: &GeneralName, base: &GeneralName) -> Option<bool> {
    Some(match (name, base) {
        (GeneralName::DirectoryName(n), GeneralName::DirectoryName(b)) => {
            NormalizedName::new(n).is_within(&NormalizedName::new(b))
        }
        (GeneralName::Rfc822Name(n), GeneralName::Rfc822Name(b)) => {
            mailbox_within(n.as_str(), b.as_str())
        }
        (GeneralName::DnsName(n), GeneralName::DnsName(b)) => dns_within(n.as_str(), b.as_str()),
        (GeneralName::UniformResourceIdentifier(n), GeneralName::UniformResourceIdentifier(b)) => {
            uri_within(n.as_str(), b.as_str())
        }
        (GeneralName::IpAddress(n), GeneralName::IpAddress(b)) => {
            ip_within(n.as_bytes(), b.as_bytes())
        }
        _ => return None,
    })
}

/// The state variables permitted_subtrees and excluded_subtrees of RFC 5280 6.1.2 (b),
/// (c). The permitted subtrees are kept as one set per certificate that had any: a name
/// must be within every set that constrains its form, which is the intersection of
/// 6.1.4 (g)(1) without computing it.
#[derive(Debug, Clone, Default)]
pub struct NameConstraintsState {
    permitted: Vec<Vec<GeneralSubtree>>,
    excluded: Vec<GeneralSubtree>,
}

impl NameConstraintsState {
    /// RFC 5280 6.1.4 (g): narrow by a certificate's nameConstraints.
    pub fn update(&mut self, constraints: x509_cert::ext::pkix::NameConstraints) {
        if let Some(permitted) = constraints.permitted_subtrees {
            self.permitted.push(permitted);
        }
        if let Some(excluded) = constraints.excluded_subtrees {
            self.excluded.extend(excluded);
        }
    }

    /// Whether no constraint has been set yet (the common case: nothing to check).
    pub fn is_unconstrained(&self) -> bool {
        self.permitted.is_empty() && self.excluded.is_empty()
    }

    /// RFC 5280 6.1.3 (b)-(c): every name must be within the permitted subtrees of its
    /// form and in no excluded subtree. A name of a form this validator cannot compare
    /// fails when a constraint of that form applies (RFC 5280 4.2.1.10 requires either
    /// processing the constraint or rejecting the certificate).
    pub fn check(&self, names: &[GeneralName]) -> Result<(), String> {
        for name in names {
            for set in &self.permitted {
                let same_form: Vec<&GeneralSubtree> =
                    set.iter().filter(|s| form(&s.base) == form(name)).collect();
                if same_form.is_empty() {
                    continue;
                }
                let mut inside = false;
                for subtree in same_form {
                    match within(name, &subtree.base) {
                        Some(true) => inside = true,
                        Some(false) => {}
                        None => {
                            return Err(format!(
                                "{} is constrained but this form is not supported",
                                form_name(name)
                            ))
                        }
                    }
                }
                if !inside {
                    return Err(format!(
                        "{} is not within the permitted subtrees",
                        describe_general_name(name)
                    ));
                }
            }
            for subtree in self.excluded.iter().filter(|s| form(&s.base) == form(name)) {
                match within(name, &subtree.base) {
                    Some(false) => {}
                    Some(true) => {
                        return Err(format!(
                            "{} is within the excluded subtree {}",
                            describe_general_name(name),
                            describe_general_name(&subtree.base)
                        ))
                    }
                    None => {
                        return Err(format!(
                            "{} is constrained but this form is not supported",
                            form_name(name)
                        ))
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn name(s: &str) -> NormalizedName {
        NormalizedName::new(&Name::from_str(s).unwrap())
    }

    #[test]
    fn normalized_name_case_and_whitespace_are_ignored() {
        assert_eq!(
            name("CN=Alice  Smith,O=Example"),
            name("CN= alice smith ,O=EXAMPLE")
        );
        assert_ne!(name("CN=Alice,O=Example"), name("CN=Bob,O=Example"));
        assert!(name("CN=Alice,OU=Mail,O=Example").is_within(&name("OU=Mail,O=Example")));
        assert!(!name("CN=Alice,O=Other").is_within(&name("OU=Mail,O=Example")));
    }

    #[test]
    fn host_mailbox_uri_ip_matching_follows_rfc5280() {
        assert!(mailbox_within("a@mail.example.com", ".example.com"));
        assert!(!mailbox_within("a@example.com", ".example.com"));
        assert!(mailbox_within("a@Example.com", "example.com"));
        assert!(!mailbox_within("a@mail.example.com", "example.com"));
        assert!(mailbox_within("a@example.com", "a@EXAMPLE.com"));
        assert!(!mailbox_within("b@example.com", "a@example.com"));
        assert!(dns_within("www.example.com", "example.com"));
        assert!(!dns_within("wwwexample.com", "example.com"));
        assert!(uri_within(
            "http://user@host.example.com:80/x",
            ".example.com"
        ));
        assert!(!uri_within("http://example.com/", ".example.com"));
        assert!(!uri_within("urn:x", "example.com"));
        assert!(ip_within(
            &[192, 168, 1, 7],
            &[192, 168, 0, 0, 255, 255, 0, 0]
        ));
        assert!(!ip_within(
            &[10, 0, 0, 1],
            &[192, 168, 0, 0, 255, 255, 0, 0]
        ));
    }
}

//! The mail rules of RFC 8550 that a certificate must meet besides a valid path:
//! extended key usage (4.4.4), key usage for the purpose (4.4.2) with a key type that can
//! serve it (RFC 8551 2.2, 2.3), and the binding of an email address (3, RFC 8398 3).
//!
//! Each failure is a [`MailRuleFailure`] with a stable rule id and the RFC section it
//! enforces, so the CLI can print "the first rule that failed".

use const_oid::ObjectIdentifier;
use der::asn1::{Ia5StringRef, Utf8StringRef};
use der::Decode;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName};
use x509_cert::Certificate;

use crate::certificate::{describe_name, find_extension};

const SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
const KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const EXTENDED_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const EMAIL_PROTECTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4");
const ANY_EXTENDED_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37.0");
/// The legacy emailAddress attribute of a subject name (PKCS #9, RFC 2985 5.2.1).
const EMAIL_ADDRESS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1");
/// id-on-SmtpUTF8Mailbox (RFC 8398 3).
const SMTP_UTF8_MAILBOX: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.8.9");

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const RSAES_OAEP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.7");
const RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const X25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.110");
const X448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.111");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const ED448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");

/// What the certificate is to be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Fit for S/MIME at all: a key usage that allows signing or encryption.
    Any,
    /// Signing mail (the signer's certificate).
    Sign,
    /// Encrypting mail to the certificate's key (a recipient's certificate).
    Encrypt,
}

impl Purpose {
    /// `any`, `sign` or `encrypt`.
    pub fn name(self) -> &'static str {
        match self {
            Purpose::Any => "any",
            Purpose::Sign => "sign",
            Purpose::Encrypt => "encrypt",
        }
    }
}

/// The first mail rule a certificate does not meet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailRuleFailure {
    /// A stable identifier: `mail_extended_key_usage`, `mail_key_usage`, `mail_key_type`,
    /// `mail_malformed_extension` or `mail_address_binding`.
    pub id: &'static str,
    /// The section that states the rule (`RFC 8550 4.4.4`).
    pub rfc_section: &'static str,
    /// What is wrong, naming the certificate.
    pub message: String,
}

impl std::fmt::Display for MailRuleFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.rfc_section)
    }
}

fn failure(id: &'static str, rfc_section: &'static str, message: String) -> MailRuleFailure {
    MailRuleFailure {
        id,
        rfc_section,
        message,
    }
}

fn subject(cert: &Certificate) -> String {
    describe_name(&cert.tbs_certificate.subject)
}

fn extension(cert: &Certificate, oid: ObjectIdentifier) -> Option<&[u8]> {
    find_extension(cert, oid).map(|e| e.extn_value.as_bytes())
}

fn malformed(cert: &Certificate, what: &str, e: der::Error) -> MailRuleFailure {
    failure(
        "mail_malformed_extension",
        "RFC 5280 4.2",
        format!("certificate {} has a malformed {what}: {e}", subject(cert)),
    )
}

/// The kind of public key, as far as the mail rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    /// RSA: signs, and encrypts by key transport (keyEncipherment).
    Rsa,
    /// RSA-PSS: signs only (RFC 4055 1.2).
    RsaPss,
    /// RSAES-OAEP: key transport only (RFC 4055 1.2).
    RsaOaep,
    /// EC: signs (ECDSA) and encrypts by key agreement (ECDH, keyAgreement).
    Ec,
    /// X25519/X448: key agreement only (RFC 8410 3).
    KeyAgreementOnly,
    /// Ed25519/Ed448: signs only (RFC 8410 3).
    SignatureOnly,
    /// Anything else: no key-type rule is applied.
    Other,
}

fn key_kind(cert: &Certificate) -> KeyKind {
    let oid = cert.tbs_certificate.subject_public_key_info.algorithm.oid;
    match oid {
        RSA_ENCRYPTION => KeyKind::Rsa,
        RSASSA_PSS => KeyKind::RsaPss,
        RSAES_OAEP => KeyKind::RsaOaep,
        EC_PUBLIC_KEY => KeyKind::Ec,
        X25519 | X448 => KeyKind::KeyAgreementOnly,
        ED25519 | ED448 => KeyKind::SignatureOnly,
        _ => KeyKind::Other,
    }
}

/// RFC 8550 4.4.4: when extendedKeyUsage is present it must contain emailProtection or
/// anyExtendedKeyUsage; a certificate without it is fit for any purpose.
pub fn check_extended_key_usage(cert: &Certificate) -> Result<(), MailRuleFailure> {
    let Some(der) = extension(cert, EXTENDED_KEY_USAGE) else {
        return Ok(());
    };
    let eku =
        ExtendedKeyUsage::from_der(der).map_err(|e| malformed(cert, "extendedKeyUsage", e))?;
    if eku
        .0
        .iter()
        .any(|o| *o == EMAIL_PROTECTION || *o == ANY_EXTENDED_KEY_USAGE)
    {
        return Ok(());
    }
    Err(failure(
        "mail_extended_key_usage",
        "RFC 8550 4.4.4",
        format!(
            "certificate {} is not for email (extendedKeyUsage lacks emailProtection and anyExtendedKeyUsage)",
            subject(cert)
        ),
    ))
}

/// RFC 8550 4.4.2 with RFC 8551 2.2/2.3: the key type must be able to serve the purpose,
/// and a keyUsage extension, when present, must allow it: signing needs digitalSignature
/// or nonRepudiation; encryption needs keyEncipherment for RSA key transport and
/// keyAgreement without encipherOnly (RFC 5280 4.2.1.3) for ECDH/X25519; [`Purpose::Any`]
/// needs one of those.
pub fn check_key_usage(cert: &Certificate, purpose: Purpose) -> Result<(), MailRuleFailure> {
    let kind = key_kind(cert);
    let name = subject(cert);
    let key_type_failure = |what: &str| {
        Err(failure(
            "mail_key_type",
            "RFC 8551 2.2, 2.3",
            format!("certificate {name} has {what}"),
        ))
    };
    match (purpose, kind) {
        (Purpose::Sign, KeyKind::KeyAgreementOnly | KeyKind::RsaOaep) => {
            return key_type_failure("a key that cannot sign (key agreement or RSAES-OAEP only)")
        }
        (Purpose::Encrypt, KeyKind::SignatureOnly | KeyKind::RsaPss) => {
            return key_type_failure("a key that cannot encrypt (Ed25519/Ed448 or RSASSA-PSS only)")
        }
        _ => {}
    }
    let Some(der) = extension(cert, KEY_USAGE) else {
        return Ok(());
    };
    let ku = KeyUsage::from_der(der).map_err(|e| malformed(cert, "keyUsage", e))?;
    let signs =
        ku.0.contains(KeyUsages::DigitalSignature) || ku.0.contains(KeyUsages::NonRepudiation);
    let transports = ku.0.contains(KeyUsages::KeyEncipherment);
    let agrees = ku.0.contains(KeyUsages::KeyAgreement);
    let encrypts = match kind {
        KeyKind::Rsa | KeyKind::RsaOaep => transports,
        KeyKind::Ec | KeyKind::KeyAgreementOnly => agrees,
        KeyKind::RsaPss | KeyKind::SignatureOnly | KeyKind::Other => transports || agrees,
    };
    let (ok, lacks) = match purpose {
        Purpose::Sign => (signs, "digitalSignature and nonRepudiation"),
        Purpose::Encrypt => (
            encrypts,
            match kind {
                KeyKind::Rsa | KeyKind::RsaOaep => "keyEncipherment (RSA key transport)",
                KeyKind::Ec | KeyKind::KeyAgreementOnly => "keyAgreement (ECDH)",
                _ => "keyEncipherment and keyAgreement",
            },
        ),
        Purpose::Any => (
            signs || encrypts,
            "digitalSignature, nonRepudiation and an encryption usage",
        ),
    };
    let key_agreement = matches!(kind, KeyKind::Ec | KeyKind::KeyAgreementOnly);
    if ok && purpose == Purpose::Encrypt && key_agreement && ku.0.contains(KeyUsages::EncipherOnly)
    {
        // The recipient's static key would be used to decipher (derive the key-encryption
        // key of a received message), which encipherOnly forbids.
        return Err(failure(
            "mail_key_usage",
            "RFC 5280 4.2.1.3",
            format!(
                "certificate {name} has keyUsage encipherOnly: its key may not be used to \
                 decipher, so the recipient could not read the message"
            ),
        ));
    }
    if ok {
        return Ok(());
    }
    let verb = match purpose {
        Purpose::Sign => "sign mail",
        Purpose::Encrypt => "receive encrypted mail",
        Purpose::Any => "be used for S/MIME",
    };
    Err(failure(
        "mail_key_usage",
        "RFC 8550 4.4.2",
        format!("certificate {name} may not {verb} (keyUsage lacks {lacks})"),
    ))
}

/// Email addresses a certificate is bound to (RFC 8550 3): its rfc822Name subject
/// alternative names (RFC 5280 4.2.1.6) and SmtpUTF8Mailbox otherNames (RFC 8398 3), in
/// that order; only when it has none of those, the legacy emailAddress attributes of the
/// subject. Deduplicated; malformed extensions and values are skipped.
pub fn certificate_email_addresses(cert: &Certificate) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let push = |out: &mut Vec<String>, s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    if let Some(san) =
        extension(cert, SUBJECT_ALT_NAME).and_then(|d| SubjectAltName::from_der(d).ok())
    {
        for name in san.0 {
            match name {
                GeneralName::Rfc822Name(a) => push(&mut out, a.to_string()),
                GeneralName::OtherName(other) if other.type_id == SMTP_UTF8_MAILBOX => {
                    if let Ok(s) = other.value.decode_as::<Utf8StringRef<'_>>() {
                        push(&mut out, s.to_string());
                    }
                }
                _ => {}
            }
        }
    }
    if !out.is_empty() {
        return out;
    }
    for atv in cert
        .tbs_certificate
        .subject
        .0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
    {
        if atv.oid != EMAIL_ADDRESS {
            continue;
        }
        if let Ok(s) = atv.value.decode_as::<Ia5StringRef<'_>>() {
            push(&mut out, s.to_string());
        } else if let Ok(s) = atv.value.decode_as::<Utf8StringRef<'_>>() {
            push(&mut out, s.to_string());
        }
    }
    out
}

/// Whether two domains are the same: ASCII case-insensitively, or after the IDNA mapping
/// of UTS 46 to A-labels (so `xn--bcher-kva.example` matches `Bücher.example`).
fn domains_match(a: &str, b: &str) -> bool {
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    match (idna::domain_to_ascii(a), idna::domain_to_ascii(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Whether two addresses are the same mailbox (RFC 8550 3, RFC 8398 3): local parts
/// compared exactly, domains case-insensitively and after IDNA mapping. Strings without
/// `@` never match.
pub fn email_addresses_match(a: &str, b: &str) -> bool {
    match (a.rsplit_once('@'), b.rsplit_once('@')) {
        (Some((la, da)), Some((lb, db))) => la == lb && domains_match(da, db),
        _ => false,
    }
}

/// RFC 8550 3: `address` must be one of the certificate's email addresses
/// ([`certificate_email_addresses`], compared with [`email_addresses_match`]).
pub fn check_address(cert: &Certificate, address: &str) -> Result<(), MailRuleFailure> {
    let addresses = certificate_email_addresses(cert);
    if addresses.iter().any(|a| email_addresses_match(a, address)) {
        return Ok(());
    }
    let has = if addresses.is_empty() {
        "has no email address".to_string()
    } else {
        format!("is for {}", addresses.join(", "))
    };
    Err(failure(
        "mail_address_binding",
        "RFC 8550 3",
        format!(
            "certificate {} is not bound to {address}: it {has}",
            subject(cert)
        ),
    ))
}

/// All mail rules for an end-entity certificate, in order: extended key usage, key type
/// and key usage for `purpose`, then the address binding when `address` is given.
pub fn check_mail_rules(
    cert: &Certificate,
    purpose: Purpose,
    address: Option<&str>,
) -> Result<(), MailRuleFailure> {
    check_extended_key_usage(cert)?;
    check_key_usage(cert, purpose)?;
    if let Some(address) = address {
        check_address(cert, address)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_match_domain_case_insensitive_local_part_exact() {
        assert!(email_addresses_match(
            "alice@example.org",
            "alice@EXAMPLE.Org"
        ));
        assert!(!email_addresses_match(
            "Alice@example.org",
            "alice@example.org"
        ));
        assert!(!email_addresses_match(
            "alice@example.org",
            "alice@example.com"
        ));
        assert!(!email_addresses_match("alice", "alice"));
        assert!(email_addresses_match("a@b@example.org", "a@b@Example.ORG"));
    }

    #[test]
    fn email_addresses_match_a_label_and_u_label_match() {
        assert!(email_addresses_match(
            "x@xn--bcher-kva.example",
            "x@Bücher.example"
        ));
        assert!(email_addresses_match(
            "x@bücher.example",
            "x@XN--BCHER-KVA.example"
        ));
        assert!(!email_addresses_match(
            "x@bücher.example",
            "x@bucher.example"
        ));
        assert!(!email_addresses_match(
            "ü@bücher.example",
            "Ü@bücher.example"
        ));
    }
}

//! The last check before a subscriber certificate is signed: does the built TBSCertificate
//! conform to its CA/Browser Forum S/MIME BR profile? Every broken rule is named with its
//! section; nothing that fails is signed.
//!
//! The rules are those the CA itself applies when building (BR 6.1.5, 6.3.2, 7.1, 7.1.2.3,
//! 7.1.4.2.2, 7.1.6.1), checked independently of the builder so a mistake in one is caught
//! by the other, plus the RFC 8550 mail rules of `smime_pkix::mail`.

use std::collections::HashSet;

use const_oid::db::rfc5280::{
    ANY_POLICY, ID_AD_CA_ISSUERS, ID_AD_OCSP, ID_CE_AUTHORITY_KEY_IDENTIFIER,
    ID_CE_BASIC_CONSTRAINTS, ID_CE_CERTIFICATE_POLICIES, ID_CE_CRL_DISTRIBUTION_POINTS,
    ID_CE_EXT_KEY_USAGE, ID_CE_KEY_USAGE, ID_CE_SUBJECT_ALT_NAME, ID_CE_SUBJECT_KEY_IDENTIFIER,
    ID_KP_CODE_SIGNING, ID_KP_EMAIL_PROTECTION, ID_KP_OCSP_SIGNING, ID_KP_SERVER_AUTH,
    ID_KP_TIME_STAMPING, ID_PE_AUTHORITY_INFO_ACCESS,
};
use der::asn1::{Ia5StringRef, ObjectIdentifier as Oid, PrintableStringRef, Utf8StringRef};
use der::{Any, Decode};
use smime::crypto::{public_key_description, SignatureScheme};
use smime::CryptoPolicy;
use smime_pkix::mail::{check_mail_rules, Purpose};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::certificate::{Certificate, TbsCertificate, Version};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies,
    CrlDistributionPoints, ExtendedKeyUsage, KeyUsage, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;

use crate::extensions::key_identifier;
use crate::organization::{check_identifier, Organization};
use crate::profile::{Generation, KeyKind, Profile, Usage, ValidationLevel};
use crate::subject::{
    COMMON_NAME, COUNTRY, GIVEN_NAME, ORGANIZATION, ORGANIZATION_IDENTIFIER, PSEUDONYM, SURNAME,
};
use crate::{Error, Result};

/// The longest validity of a multipurpose or strict certificate (BR 6.3.2), in days.
pub const MAX_VALIDITY_DAYS: i64 = 825;
/// Fewest octets of a serial number: 64 bits (BR 7.1).
const MIN_SERIAL_OCTETS: usize = 8;

const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
const ED25519: Oid = Oid::new_unwrap("1.3.101.112");
const OU: Oid = Oid::new_unwrap("2.5.4.11");
const SERIAL_NUMBER: Oid = Oid::new_unwrap("2.5.4.5");
const TITLE: Oid = Oid::new_unwrap("2.5.4.12");
const LOCALITY: Oid = Oid::new_unwrap("2.5.4.7");
const STATE: Oid = Oid::new_unwrap("2.5.4.8");
const STREET: Oid = Oid::new_unwrap("2.5.4.9");
const POSTAL_CODE: Oid = Oid::new_unwrap("2.5.4.17");
const EMAIL_ADDRESS: Oid = Oid::new_unwrap("1.2.840.113549.1.9.1");
/// The arc of the CA/Browser Forum S/MIME policy identifiers (BR 7.1.6.1).
const SMIME_POLICY_ARC: &str = "2.23.140.1.5.";

/// The kind of a subscriber key, if the BR allows it (6.1.5: RSA of 2048 bits or more with a
/// modulus a multiple of 8 bits; ECDSA on P-256, P-384 or P-521; Ed25519).
pub fn key_kind(spki: &SubjectPublicKeyInfoOwned) -> Result<KeyKind> {
    let description = public_key_description(spki);
    let refused = |reason: &str| Error::Refused {
        what: format!("public key {description}"),
        reason: format!("{reason} (CA/B S/MIME BR 6.1.5)"),
    };
    match spki.algorithm.oid {
        RSA_ENCRYPTION => {
            let bits: usize = description
                .strip_prefix("RSA ")
                .and_then(|b| b.parse().ok())
                .ok_or_else(|| refused("the RSA key cannot be read"))?;
            if bits < 2048 || !bits.is_multiple_of(8) || bits > 8192 {
                return Err(refused(
                    "RSA keys must have 2048 to 8192 bits, a multiple of 8",
                ));
            }
            Ok(KeyKind::Rsa)
        }
        EC_PUBLIC_KEY => match description.as_str() {
            "EC P-256" | "EC P-384" | "EC P-521" => Ok(KeyKind::Ec),
            _ => Err(refused("EC keys must be on P-256, P-384 or P-521")),
        },
        ED25519 => Ok(KeyKind::Ed25519),
        _ => Err(refused(
            "only RSA, ECDSA (P-256/384/521) and Ed25519 keys are certified",
        )),
    }
}

/// What one rule says of a certificate.
struct Findings {
    broken: Vec<String>,
}

impl Findings {
    fn rule(&mut self, ok: bool, section: &str, text: impl FnOnce() -> String) {
        if !ok {
            self.broken.push(format!("{} ({section})", text()));
        }
    }
}

/// The attributes a profile allows in the subject (BR 7.1.4.2.2 table), and whether they
/// are required; `None` for not allowed.
fn attribute_allowance(profile: &Profile, oid: &Oid) -> Option<bool> {
    let strict = profile.generation == Generation::Strict;
    let level = profile.level;
    let is = |o: Oid| *oid == o;
    let organization = matches!(
        level,
        ValidationLevel::Organization | ValidationLevel::Sponsor
    );
    let person = matches!(
        level,
        ValidationLevel::Sponsor | ValidationLevel::Individual
    );
    if is(COMMON_NAME) || is(SERIAL_NUMBER) || is(EMAIL_ADDRESS) {
        return Some(false);
    }
    if is(ORGANIZATION) || is(ORGANIZATION_IDENTIFIER) {
        return organization.then_some(true);
    }
    if is(OU) {
        return organization.then_some(false);
    }
    if is(GIVEN_NAME) || is(SURNAME) || is(PSEUDONYM) || is(TITLE) {
        return person.then_some(false);
    }
    if is(COUNTRY) || is(LOCALITY) || is(STATE) {
        return (level != ValidationLevel::Mailbox).then_some(false);
    }
    if is(STREET) || is(POSTAL_CODE) {
        return (level != ValidationLevel::Mailbox && !strict).then_some(false);
    }
    None
}

/// A directory string's text (UTF8String, PrintableString or IA5String), if it is one.
pub(crate) fn text(value: &Any) -> Option<String> {
    value
        .decode_as::<Utf8StringRef<'_>>()
        .map(|s| s.to_string())
        .or_else(|_| {
            value
                .decode_as::<PrintableStringRef<'_>>()
                .map(|s| s.to_string())
        })
        .or_else(|_| value.decode_as::<Ia5StringRef<'_>>().map(|s| s.to_string()))
        .ok()
}

fn decode<'a, T: Decode<'a>>(ext: &'a Extension, f: &mut Findings, name: &str) -> Option<T> {
    match T::from_der(ext.extn_value.as_bytes()) {
        Ok(v) => Some(v),
        Err(e) => {
            f.rule(false, "RFC 5280 4.2", || {
                format!("{name} cannot be read: {e}")
            });
            None
        }
    }
}

fn http_uri(name: &GeneralName) -> bool {
    matches!(name, GeneralName::UniformResourceIdentifier(u) if u.as_str().starts_with("http://"))
}

/// Check the subject (BR 7.1.4.2.2): allowed and required attributes, one attribute per
/// RDN, no mixing of pseudonym and personal name, the commonName's source, emailAddress
/// values in the SAN, organizationIdentifier syntax and its country.
fn check_subject(tbs: &TbsCertificate, profile: &Profile, san: &[String], f: &mut Findings) {
    const S: &str = "CA/B S/MIME BR 7.1.4.2.2";
    let mut present: Vec<(Oid, String)> = Vec::new();
    for rdn in &tbs.subject.0 {
        f.rule(rdn.0.len() == 1, S, || {
            "each subject RDN must hold one attribute".into()
        });
        for atv in rdn.0.iter() {
            match text(&atv.value) {
                Some(t) => present.push((atv.oid, t)),
                None => f.rule(false, S, || {
                    format!("subject attribute {} is not a text string", atv.oid)
                }),
            }
        }
    }
    let has = |oid: Oid| present.iter().any(|(o, _)| *o == oid);
    let values = |oid: Oid| -> Vec<&str> {
        present
            .iter()
            .filter(|(o, _)| *o == oid)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    for (oid, _) in &present {
        f.rule(attribute_allowance(profile, oid).is_some(), S, || {
            format!("subject attribute {oid} is not allowed in {profile}")
        });
    }
    for required in [ORGANIZATION, ORGANIZATION_IDENTIFIER] {
        if attribute_allowance(profile, &required) == Some(true) {
            f.rule(has(required), S, || {
                format!("subject attribute {required} is required in {profile}")
            });
        }
    }
    let person = matches!(
        profile.level,
        ValidationLevel::Sponsor | ValidationLevel::Individual
    );
    let named = has(GIVEN_NAME) || has(SURNAME);
    if person {
        f.rule(named || has(PSEUDONYM), S, || {
            format!("{profile} needs givenName, surname or pseudonym")
        });
    }
    f.rule(!(named && has(PSEUDONYM)), S, || {
        "pseudonym and givenName/surname cannot be mixed".into()
    });
    for cn in values(COMMON_NAME) {
        let from_address = san.iter().any(|a| a == cn);
        let from_org =
            profile.level == ValidationLevel::Organization && values(ORGANIZATION).contains(&cn);
        let from_person = person && (named || values(PSEUDONYM).contains(&cn));
        f.rule(from_address || from_org || from_person, S, || {
            format!("commonName {cn:?} is none of the address, organisation or person names")
        });
        f.rule(cn.chars().count() <= 64, "RFC 5280 A.1", || {
            "commonName is longer than 64 characters".into()
        });
    }
    for email in values(EMAIL_ADDRESS) {
        f.rule(san.iter().any(|a| a == email), S, || {
            format!("subject emailAddress {email} is not in the subjectAltName")
        });
    }
    for id in values(ORGANIZATION_IDENTIFIER) {
        f.rule(
            check_identifier(id).is_ok(),
            "CA/B S/MIME BR Appendix A.1",
            || format!("organizationIdentifier {id:?} has not the registration syntax"),
        );
        let id_country = id.get(3..5).unwrap_or_default();
        for country in values(COUNTRY) {
            f.rule(id_country == "XG" || id_country == country, S, || {
                format!(
                    "countryName {country} differs from the organizationIdentifier's {id_country}"
                )
            });
        }
    }
}

/// Check `tbs`, built for `profile` and `usage` and to be signed by `issuer`, for `org`.
/// Every broken rule is listed in the refusal.
pub fn check(
    tbs: &TbsCertificate,
    profile: &Profile,
    usage: Usage,
    org: &Organization,
    issuer: &Certificate,
) -> Result<()> {
    profile.check_issuable()?;
    let mut f = Findings { broken: Vec::new() };
    f.rule(tbs.version == Version::V3, "RFC 5280 4.1.2.1", || {
        "the version must be 3".into()
    });
    let serial = tbs.serial_number.as_bytes();
    f.rule(
        serial.len() >= MIN_SERIAL_OCTETS && serial.len() <= 20 && serial.iter().any(|b| *b != 0),
        "CA/B S/MIME BR 7.1, RFC 5280 4.1.2.2",
        || {
            format!(
                "the serial number must be positive with 64 to 160 bits, has {} octets",
                serial.len()
            )
        },
    );
    let not_before = tbs.validity.not_before.to_unix_duration().as_secs() as i64;
    let not_after = tbs.validity.not_after.to_unix_duration().as_secs() as i64;
    f.rule(not_after > not_before, "RFC 5280 4.1.2.5", || {
        "notAfter must follow notBefore".into()
    });
    f.rule(
        not_after - not_before < MAX_VALIDITY_DAYS * 86_400,
        "CA/B S/MIME BR 6.3.2",
        || format!("the validity must not exceed {MAX_VALIDITY_DAYS} days"),
    );
    f.rule(
        tbs.issuer == issuer.tbs_certificate.subject,
        "RFC 5280 4.1.2.4",
        || "the issuer name must be the issuing CA's subject".into(),
    );
    match SignatureScheme::from_certificate_algorithm(&tbs.signature, &CryptoPolicy::default()) {
        Ok(SignatureScheme::RsaPkcs1(_)) => f.rule(
            tbs.signature.parameters == Some(Any::null()),
            "RFC 4055 5, CA/B S/MIME BR 7.1.3.2",
            || "RSA signature algorithms must carry NULL parameters".into(),
        ),
        Ok(_) => {}
        Err(e) => f.rule(false, "CA/B S/MIME BR 7.1.3.2", || {
            format!("signature algorithm not allowed: {e}")
        }),
    }
    let kind = match key_kind(&tbs.subject_public_key_info) {
        Ok(kind) => Some(kind),
        Err(e) => {
            f.rule(false, "CA/B S/MIME BR 6.1.5", || e.to_string());
            None
        }
    };

    let extensions = tbs.extensions.as_deref().unwrap_or_default();
    let mut seen = HashSet::new();
    for ext in extensions {
        f.rule(seen.insert(ext.extn_id), "RFC 5280 4.2", || {
            format!("extension {} appears twice", ext.extn_id)
        });
    }
    let find = |oid: Oid| extensions.iter().find(|e| e.extn_id == oid);
    let known = [
        ID_CE_KEY_USAGE,
        ID_CE_EXT_KEY_USAGE,
        ID_CE_SUBJECT_ALT_NAME,
        ID_CE_CERTIFICATE_POLICIES,
        ID_CE_CRL_DISTRIBUTION_POINTS,
        ID_PE_AUTHORITY_INFO_ACCESS,
        ID_CE_SUBJECT_KEY_IDENTIFIER,
        ID_CE_AUTHORITY_KEY_IDENTIFIER,
        ID_CE_BASIC_CONSTRAINTS,
    ];
    for ext in extensions {
        f.rule(
            known.contains(&ext.extn_id),
            "CA/B S/MIME BR 7.1.2.3",
            || format!("extension {} is not one this CA writes", ext.extn_id),
        );
    }
    let mut required = |oid: Oid, name: &str, critical: bool, section: &str| {
        let ext = find(oid);
        f.rule(ext.is_some(), section, || format!("{name} is required"));
        if let Some(ext) = ext {
            f.rule(ext.critical == critical, section, || {
                format!(
                    "{name} must {}be critical",
                    if critical { "" } else { "not " }
                )
            });
        }
        ext
    };
    let ku = required(
        ID_CE_KEY_USAGE,
        "keyUsage",
        true,
        "CA/B S/MIME BR 7.1.2.3(e)",
    );
    let eku = required(
        ID_CE_EXT_KEY_USAGE,
        "extKeyUsage",
        false,
        "CA/B S/MIME BR 7.1.2.3(f)",
    );
    let policies = required(
        ID_CE_CERTIFICATE_POLICIES,
        "certificatePolicies",
        false,
        "CA/B S/MIME BR 7.1.2.3(a)",
    );
    let crl_dp = required(
        ID_CE_CRL_DISTRIBUTION_POINTS,
        "cRLDistributionPoints",
        false,
        "CA/B S/MIME BR 7.1.2.3(b)",
    );
    let aia = required(
        ID_PE_AUTHORITY_INFO_ACCESS,
        "authorityInformationAccess",
        false,
        "CA/B S/MIME BR 7.1.2.3(c)",
    );
    let ski = required(
        ID_CE_SUBJECT_KEY_IDENTIFIER,
        "subjectKeyIdentifier",
        false,
        "RFC 5280 4.2.1.2",
    );
    let aki = required(
        ID_CE_AUTHORITY_KEY_IDENTIFIER,
        "authorityKeyIdentifier",
        false,
        "CA/B S/MIME BR 7.1.2.3(g)",
    );
    let san_ext = find(ID_CE_SUBJECT_ALT_NAME);
    f.rule(san_ext.is_some(), "CA/B S/MIME BR 7.1.2.3(h)", || {
        "subjectAltName is required".into()
    });

    if let (Some(ext), Some(kind)) = (ku, kind) {
        if let (Some(ku), Ok(wanted)) = (
            decode::<KeyUsage>(ext, &mut f, "keyUsage"),
            usage.key_usage(kind),
        ) {
            f.rule(ku.0 == wanted, "CA/B S/MIME BR 7.1.2.3(e)", || {
                format!(
                    "keyUsage {:?} does not fit {} with this key (wanted {:?})",
                    ku.0,
                    usage.name(),
                    wanted
                )
            });
        }
        if let Err(e) = usage.key_usage(kind) {
            f.rule(false, "CA/B S/MIME BR 7.1.2.3(e)", || e.to_string());
        }
    }
    if let Some(eku) = eku.and_then(|e| decode::<ExtendedKeyUsage>(e, &mut f, "extKeyUsage")) {
        f.rule(
            eku.0.contains(&ID_KP_EMAIL_PROTECTION),
            "CA/B S/MIME BR 7.1.2.3(f)",
            || "extKeyUsage must contain id-kp-emailProtection".into(),
        );
        let prohibited: Vec<&Oid> = eku
            .0
            .iter()
            .filter(|k| match profile.generation {
                Generation::Strict => **k != ID_KP_EMAIL_PROTECTION,
                _ => [
                    ID_KP_SERVER_AUTH,
                    ID_KP_CODE_SIGNING,
                    ID_KP_TIME_STAMPING,
                    ID_KP_OCSP_SIGNING,
                    Oid::new_unwrap("2.5.29.37.0"),
                ]
                .contains(k),
            })
            .collect();
        f.rule(prohibited.is_empty(), "CA/B S/MIME BR 7.1.2.3(f)", || {
            format!("extKeyUsage {prohibited:?} not allowed in {profile}")
        });
    }
    if let Some(p) =
        policies.and_then(|e| decode::<CertificatePolicies>(e, &mut f, "certificatePolicies"))
    {
        let reserved: Vec<Oid> =
            p.0.iter()
                .map(|i| i.policy_identifier)
                .filter(|o| o.to_string().starts_with(SMIME_POLICY_ARC))
                .collect();
        f.rule(reserved == [profile.policy_oid()], "CA/B S/MIME BR 7.1.6.1", || {
            format!(
                "certificatePolicies must hold exactly one reserved S/MIME policy, {}, found {reserved:?}",
                profile.policy_oid()
            )
        });
        f.rule(
            !p.0.iter().any(|i| i.policy_identifier == ANY_POLICY),
            "CA/B S/MIME BR 7.1.2.3(a)",
            || "anyPolicy is not allowed in a subscriber certificate".into(),
        );
    }
    if let Some(dps) =
        crl_dp.and_then(|e| decode::<CrlDistributionPoints>(e, &mut f, "cRLDistributionPoints"))
    {
        let ok = !dps.0.is_empty()
            && dps.0.iter().all(|dp| {
                dp.reasons.is_none()
                    && dp.crl_issuer.is_none()
                    && matches!(&dp.distribution_point,
                        Some(DistributionPointName::FullName(names)) if !names.is_empty() && names.iter().all(http_uri))
            });
        f.rule(ok, "CA/B S/MIME BR 7.1.2.3(b)", || {
            "cRLDistributionPoints must give http:// fullName URIs only, without reasons or cRLIssuer".into()
        });
    }
    if let Some(aia) = aia
        .and_then(|e| decode::<AuthorityInfoAccessSyntax>(e, &mut f, "authorityInformationAccess"))
    {
        let ok = !aia.0.is_empty()
            && aia.0.iter().all(|a| {
                (a.access_method == ID_AD_OCSP || a.access_method == ID_AD_CA_ISSUERS)
                    && http_uri(&a.access_location)
            });
        f.rule(ok, "CA/B S/MIME BR 7.1.2.3(c)", || {
            "authorityInformationAccess must hold http:// OCSP or caIssuers URIs only".into()
        });
    }
    if let Some(ski) =
        ski.and_then(|e| decode::<SubjectKeyIdentifier>(e, &mut f, "subjectKeyIdentifier"))
    {
        f.rule(
            ski.0.as_bytes() == key_identifier(&tbs.subject_public_key_info),
            "RFC 5280 4.2.1.2",
            || "subjectKeyIdentifier is not the key's identifier".into(),
        );
    }
    if let Some(aki) =
        aki.and_then(|e| decode::<AuthorityKeyIdentifier>(e, &mut f, "authorityKeyIdentifier"))
    {
        let issuer_ski = smime_pkix::certificate::subject_key_identifier(issuer);
        f.rule(
            aki.authority_cert_issuer.is_none()
                && aki.authority_cert_serial_number.is_none()
                && aki.key_identifier.as_ref().map(|k| k.as_bytes().to_vec()) == issuer_ski
                && issuer_ski.is_some(),
            "CA/B S/MIME BR 7.1.2.3(g)",
            || "authorityKeyIdentifier must hold only the issuer's subjectKeyIdentifier".into(),
        );
    }
    if let Some(bc) = find(ID_CE_BASIC_CONSTRAINTS)
        .and_then(|e| decode::<BasicConstraints>(e, &mut f, "basicConstraints"))
    {
        f.rule(!bc.ca, "CA/B S/MIME BR 7.1.2.3(d)", || {
            "a subscriber certificate must not be a CA".into()
        });
    }
    let mut addresses = Vec::new();
    if let Some(ext) = san_ext {
        if let Some(san) = decode::<SubjectAltName>(ext, &mut f, "subjectAltName") {
            for name in &san.0 {
                match name {
                    GeneralName::Rfc822Name(a) => addresses.push(a.to_string()),
                    other => f.rule(false, "CA/B S/MIME BR 7.1.2.3(h)", || {
                        format!("subjectAltName may only hold rfc822Name here, not {other:?}")
                    }),
                }
            }
            f.rule(!addresses.is_empty(), "CA/B S/MIME BR 7.1.2.3(h)", || {
                "subjectAltName must hold an rfc822Name".into()
            });
            f.rule(
                ext.critical == tbs.subject.0.is_empty(),
                "RFC 5280 4.2.1.6",
                || "subjectAltName must be critical exactly when the subject is empty".into(),
            );
        }
    }
    for address in &addresses {
        if let Err(e) = org.check_address(address) {
            f.rule(false, "CA/B S/MIME BR 3.2.2", || e.to_string());
        }
    }
    check_subject(tbs, profile, &addresses, &mut f);

    // The RFC 8550 rules a relying party applies: checked on the unsigned body.
    let unsigned = Certificate {
        tbs_certificate: tbs.clone(),
        signature_algorithm: tbs.signature.clone(),
        signature: der::asn1::BitString::new(0, Vec::new()).map_err(|e| Error::Crypto {
            what: "an empty signature for the conformance check".into(),
            reason: e.to_string(),
        })?,
    };
    let purposes = [
        (usage.signs(), Purpose::Sign),
        (usage.encrypts(), Purpose::Encrypt),
    ];
    for (wanted, purpose) in purposes {
        if !wanted {
            continue;
        }
        if let Err(e) = check_mail_rules(&unsigned, purpose, addresses.first().map(String::as_str))
        {
            f.rule(false, e.rfc_section, || e.message.clone());
        }
    }

    if f.broken.is_empty() {
        return Ok(());
    }
    Err(Error::Refused {
        what: format!(
            "{} certificate for {}",
            profile,
            addresses.first().map_or("(no address)", String::as_str)
        ),
        reason: format!("does not conform: {}", f.broken.join("; ")),
    })
}

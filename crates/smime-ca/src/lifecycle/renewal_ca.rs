//! Successors issued by our CA ([`crate::issue`]): the [`Reissue`] of `smime lifecycle run`.
//!
//! The successor keeps the subscriber (address, names from the old subject), the profile,
//! the usage, the key algorithm (RSA under 3072 bits becomes RSA-3072) and the validity
//! length of the old certificate (at least twice the window, at most the BR's 825 days), with
//! a NEW key made by the CA.

use smime_store::certs::CertificateRecord as StoredCertificate;
use x509_cert::certificate::Certificate;

use super::inventory::{CertificateRecord, Usage as InventoryUsage, DAY};
use super::store_backend::{Reissue, Reissued};
use crate::conformance::{text as attribute_text, MAX_VALIDITY_DAYS};
use crate::issue::{issue, CertificateRequest, IssuingCa, SubjectKey};
use crate::keygen::KeyAlgorithm;
use crate::organization::Organization;
use crate::profile::{Profile, Usage};
use crate::subject::{
    Subscriber, COMMON_NAME, COUNTRY, GIVEN_NAME, ORGANIZATION, ORGANIZATION_IDENTIFIER, PSEUDONYM,
    SURNAME,
};
use crate::{Error, Result};

/// Our issuing CA and the chain stored with the new keys (issuing CA first, up to the root).
pub struct CaReissue<'a> {
    /// The CA that issues the successors.
    pub ca: IssuingCa<'a>,
    /// The chain above the successors.
    pub chain: Vec<Certificate>,
    /// The run's window in days: a successor lives at least twice as long, or it would be
    /// due again at once (a 30-day certificate under a 30-day window).
    pub window_days: i64,
}

/// The key algorithm of a successor: that of the old key (see the module notes).
fn key_algorithm(old: &Certificate) -> KeyAlgorithm {
    let described =
        smime_pkix::signature::public_key_description(&old.tbs_certificate.subject_public_key_info);
    match described.as_str() {
        "EC P-256" => KeyAlgorithm::P256,
        "EC P-384" => KeyAlgorithm::P384,
        rsa => match rsa
            .strip_prefix("RSA ")
            .and_then(|bits| bits.parse::<u32>().ok())
        {
            Some(bits) if bits >= 4096 => KeyAlgorithm::Rsa4096,
            Some(_) => KeyAlgorithm::Rsa3072,
            None => KeyAlgorithm::default(),
        },
    }
}

/// The first value of attribute `oid` in the old subject.
fn subject_attribute(old: &Certificate, oid: der::asn1::ObjectIdentifier) -> Option<String> {
    old.tbs_certificate
        .subject
        .0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| atv.oid == oid)
        .and_then(|atv| attribute_text(&atv.value))
}

/// The request for the successor of `due` (certificate `old`).
/// The successor lives as long as `due` did, but at least `min_days` and at most the BR's
/// 825 days.
pub fn renewal_request(
    old: &Certificate,
    due: &CertificateRecord,
    min_days: i64,
) -> Result<CertificateRequest> {
    let refused = |reason: &str| Error::Refused {
        what: format!("renewal of {}", due.id),
        reason: reason.into(),
    };
    let email = due
        .addresses
        .first()
        .ok_or_else(|| refused("the certificate has no email address"))?;
    let profile_name = due
        .profile
        .as_deref()
        .ok_or_else(|| refused("no profile is recorded for it"))?;
    let profile = Profile::from_name(profile_name)?;
    let usage = match InventoryUsage::of(due) {
        InventoryUsage::Sign => Usage::Sign,
        InventoryUsage::Encrypt => Usage::Encrypt,
        InventoryUsage::Both => Usage::Both,
        InventoryUsage::Ca | InventoryUsage::None => {
            return Err(refused("neither a signing nor an encryption certificate"))
        }
    };
    let common_name =
        subject_attribute(old, COMMON_NAME).filter(|cn| !cn.eq_ignore_ascii_case(email));
    let subscriber = Subscriber {
        email: email.clone(),
        name: common_name,
        given_name: subject_attribute(old, GIVEN_NAME),
        surname: subject_attribute(old, SURNAME),
        pseudonym: subject_attribute(old, PSEUDONYM),
    };
    let days = (due.not_after - due.not_before + DAY - 1) / DAY;
    let validity_days =
        u32::try_from(days.max(min_days).clamp(1, MAX_VALIDITY_DAYS)).unwrap_or(365);
    Ok(CertificateRequest {
        subscriber,
        profile,
        usage,
        validity_days,
        key: SubjectKey::Generate(key_algorithm(old)),
    })
}

impl Reissue for CaReissue<'_> {
    fn reissue(
        &self,
        old: &StoredCertificate,
        due: &CertificateRecord,
        now: i64,
    ) -> Result<Reissued> {
        let request = renewal_request(&old.certificate, due, self.window_days.saturating_mul(2))?;
        let issued = issue(&self.ca, &request, now)?;
        let key = issued.key.ok_or_else(|| Error::Crypto {
            what: format!("renewal of {}", due.id),
            reason: "the CA returned no key for a CA-made key request".into(),
        })?;
        Ok(Reissued {
            certificate: issued.certificate,
            key_pkcs8: key.pkcs8,
            chain: self.chain.clone(),
            profile: issued.profile.to_string(),
        })
    }
}

/// The organisation named by our issuing CA's certificate (organizationName, and
/// organizationIdentifier and countryName when present) with its mail `domains`: what
/// [`IssuingCa`] needs when the CA comes from files rather than from `smime ca init`.
pub fn organization_of(ca: &Certificate, domains: &[String]) -> Result<Organization> {
    let name = subject_attribute(ca, ORGANIZATION).ok_or_else(|| Error::Input {
        what: "issuing CA certificate".into(),
        reason: "its subject has no organizationName".into(),
    })?;
    let mut organization = Organization::new(&name, domains)?;
    if let Some(identifier) = subject_attribute(ca, ORGANIZATION_IDENTIFIER) {
        organization = organization.with_identifier(&identifier)?;
    }
    if let Some(country) = subject_attribute(ca, COUNTRY) {
        organization = organization.with_country(&country)?;
    }
    Ok(organization)
}

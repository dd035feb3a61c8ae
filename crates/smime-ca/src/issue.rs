//! Issuing subscriber certificates: build the TBSCertificate for a profile, check it
//! ([`crate::conformance`]), sign it with the issuing CA's key. Keys are made by the CA
//! ([`crate::keygen`]) or come from a verified CSR ([`crate::csr`]).

use der::asn1::ObjectIdentifier as Oid;
use smime::crypto::PrivateKey;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::certificate::Certificate;

use crate::builder::{random_serial, tbs_certificate, validity};
use crate::conformance::{self, key_kind, MAX_VALIDITY_DAYS};
use crate::extensions;
use crate::keygen::{generate, GeneratedKey, KeyAlgorithm};
use crate::organization::Organization;
use crate::profile::{Profile, Usage};
use crate::signing::sign_certificate;
use crate::subject::{subject_name, Subscriber};
use crate::urls::CaUrls;
use crate::{Error, Result};

/// The validity of a subscriber certificate unless asked otherwise, in days.
pub const DEFAULT_VALIDITY_DAYS: u32 = 365;

/// The CA that signs subscriber certificates: its certificate and key, its label,
/// where it publishes, and the organisation it serves.
pub struct IssuingCa<'a> {
    /// The issuing CA's certificate.
    pub certificate: &'a Certificate,
    /// Its private key.
    pub key: &'a PrivateKey,
    /// Its label in the hierarchy (`intermediate-1`).
    pub label: &'a str,
    /// The URLs put in issued certificates.
    pub urls: &'a CaUrls,
    /// The organisation, its domains and registration.
    pub organization: &'a Organization,
}

/// Where the subscriber's key comes from.
#[derive(Debug, Clone)]
pub enum SubjectKey {
    /// The CA makes one of this algorithm (and hands it back for sealing or PKCS#12).
    Generate(KeyAlgorithm),
    /// The subscriber's own public key, from a CSR whose proof of possession was checked.
    Public(SubjectPublicKeyInfoOwned),
}

/// A request for one certificate.
#[derive(Debug, Clone)]
pub struct CertificateRequest {
    /// Who it is for.
    pub subscriber: Subscriber,
    /// The CA/B profile.
    pub profile: Profile,
    /// Sign, encrypt or both.
    pub usage: Usage,
    /// Validity in days, at most 825 (BR 6.3.2).
    pub validity_days: u32,
    /// The key.
    pub key: SubjectKey,
}

impl CertificateRequest {
    /// A request with the default validity and a CA-made key of the default algorithm.
    pub fn new(subscriber: Subscriber, profile: Profile, usage: Usage) -> CertificateRequest {
        CertificateRequest {
            subscriber,
            profile,
            usage,
            validity_days: DEFAULT_VALIDITY_DAYS,
            key: SubjectKey::Generate(KeyAlgorithm::default()),
        }
    }
}

/// An issued certificate, and its private key when the CA made it.
pub struct IssuedCertificate {
    /// The certificate.
    pub certificate: Certificate,
    /// The key the CA generated (None for a CSR).
    pub key: Option<GeneratedKey>,
    /// The profile it follows.
    pub profile: Profile,
    /// What it is for.
    pub usage: Usage,
}

impl std::fmt::Debug for IssuedCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "IssuedCertificate({}, {}, {}, key: {})",
            smime::crypto::describe_name(&self.certificate.tbs_certificate.subject),
            self.profile,
            self.usage.name(),
            self.key.is_some()
        )
    }
}

/// Issue one certificate at `now` (unix seconds): refuse legacy profiles, addresses
/// outside the CA's domains, keys the BR does not allow and validities over 825 days;
/// build; check conformance; sign.
pub fn issue(
    ca: &IssuingCa<'_>,
    request: &CertificateRequest,
    now: i64,
) -> Result<IssuedCertificate> {
    request.profile.check_issuable()?;
    let email = ca.organization.check_address(&request.subscriber.email)?;
    if request.validity_days == 0 || i64::from(request.validity_days) > MAX_VALIDITY_DAYS {
        return Err(Error::Refused {
            what: format!("validity of {} days", request.validity_days),
            reason: format!("must be 1 to {MAX_VALIDITY_DAYS} days (CA/B S/MIME BR 6.3.2)"),
        });
    }
    let (spki, generated) = match &request.key {
        SubjectKey::Generate(algorithm) => {
            let key = generate(*algorithm)?;
            (key.key.public_key_spki(), Some(key))
        }
        SubjectKey::Public(spki) => (spki.clone(), None),
    };
    let kind = key_kind(&spki)?;
    let key_usage = request.usage.key_usage(kind)?;
    let subscriber = Subscriber {
        email: email.clone(),
        ..request.subscriber.clone()
    };
    let subject = subject_name(&request.profile, ca.organization, &subscriber)?;
    let issuer_key_id = smime_pkix::certificate::subject_key_identifier(ca.certificate)
        .ok_or_else(|| Error::Input {
            what: "issuing CA certificate".into(),
            reason: "has no subjectKeyIdentifier".into(),
        })?;
    let policies: [Oid; 1] = [request.profile.policy_oid()];
    let extensions = vec![
        extensions::key_usage(key_usage)?,
        extensions::email_protection()?,
        // Critical only when the subject is empty (RFC 5280 4.2.1.6); a mailbox certificate
        // for an address too long for commonName has none.
        {
            let mut san = extensions::subject_alt_name(std::slice::from_ref(&email))?;
            san.critical = subject.0.is_empty();
            san
        },
        extensions::certificate_policies(&policies)?,
        extensions::crl_distribution_point(&ca.urls.crl_of(ca.certificate))?,
        extensions::authority_info_access(
            Some(&ca.urls.ocsp()),
            &ca.urls.certificate_of(ca.certificate),
        )?,
        extensions::subject_key_identifier(&spki)?,
        extensions::authority_key_identifier(&issuer_key_id)?,
    ];
    let tbs = tbs_certificate(
        ca.key,
        random_serial()?,
        ca.certificate.tbs_certificate.subject.clone(),
        validity(now, request.validity_days)?,
        subject,
        spki,
        extensions,
    )?;
    conformance::check(
        &tbs,
        &request.profile,
        request.usage,
        ca.organization,
        ca.certificate,
    )?;
    let certificate = sign_certificate(ca.key, tbs)?;
    Ok(IssuedCertificate {
        certificate,
        key: generated,
        profile: request.profile,
        usage: request.usage,
    })
}

/// Issue a person's certificates: with `usages` empty, the default pair, one to sign and
/// one to encrypt (separate keys, so the encryption key can be kept in escrow and the
/// signing key never leaves the person); otherwise one per usage.
pub fn issue_set(
    ca: &IssuingCa<'_>,
    request: &CertificateRequest,
    usages: &[Usage],
    now: i64,
) -> Result<Vec<IssuedCertificate>> {
    let usages = if usages.is_empty() {
        &[Usage::Sign, Usage::Encrypt][..]
    } else {
        usages
    };
    usages
        .iter()
        .map(|usage| {
            issue(
                ca,
                &CertificateRequest {
                    usage: *usage,
                    ..request.clone()
                },
                now,
            )
        })
        .collect()
}

//! `smime ca init`: the organisation's CA hierarchy. A self-signed root that only signs
//! CA certificates (CA/B S/MIME BR 7.1.2.1) and one or more subordinate CAs below it
//! (BR 7.1.2.2); the last one issues subscriber certificates. Optionally the subordinates
//! carry name constraints limiting them to the organisation's domains (RFC 5280 4.2.1.10).

use der::flagset::FlagSet;
use x509_cert::certificate::Certificate;
use x509_cert::ext::pkix::KeyUsages;
use x509_cert::name::Name;

use crate::builder::{random_serial, tbs_certificate, validity, AttributeText, NameBuilder};
use crate::ca_keys::{CaKey, CaKeySource, SoftwareKeys};
use crate::extensions;
use crate::issue::IssuingCa;
use crate::keygen::KeyAlgorithm;
use crate::organization::Organization;
use crate::signing::sign_certificate;
use crate::subject::{COMMON_NAME, COUNTRY, ORGANIZATION};
use crate::urls::CaUrls;
use crate::{Error, Result};

/// Validity of the root certificate: 20 years.
pub const ROOT_VALIDITY_DAYS: u32 = 7305;
/// Validity of subordinate CA certificates: 10 years.
pub const INTERMEDIATE_VALIDITY_DAYS: u32 = 3652;
/// Most subordinate levels `init` makes.
const MAX_LEVELS: usize = 4;

/// How to make the hierarchy.
#[derive(Debug, Clone)]
pub struct CaOptions {
    /// The organisation (name, domains, registration).
    pub organization: Organization,
    /// The CA keys' algorithm (P-384 unless asked).
    pub key_algorithm: KeyAlgorithm,
    /// Subordinate CA levels below the root, at least 1.
    pub levels: usize,
    /// Put name constraints for the organisation's domains on the subordinates.
    pub name_constraints: bool,
    /// Where CRLs, CA certificates and OCSP are published.
    pub urls: CaUrls,
}

impl CaOptions {
    /// P-384, one subordinate level, no name constraints, URLs under `http://pki.<domain>`.
    pub fn new(organization: Organization) -> CaOptions {
        let urls = CaUrls::default_for(
            organization
                .domains
                .first()
                .map_or("invalid", String::as_str),
        );
        CaOptions {
            organization,
            key_algorithm: KeyAlgorithm::default(),
            levels: 1,
            name_constraints: false,
            urls,
        }
    }
}

/// One CA of the hierarchy.
pub struct CaCertificate {
    /// Its label in the store and in messages: `root`, `intermediate-1`, ...
    pub label: String,
    /// The certificate.
    pub certificate: Certificate,
    /// The key pair: PKCS#8 for sealing in the store, or a key in a PKCS#11 token.
    pub key: CaKey,
}

impl std::fmt::Debug for CaCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CaCertificate({}, {})",
            self.label,
            smime::crypto::describe_name(&self.certificate.tbs_certificate.subject)
        )
    }
}

/// The CA hierarchy: the root and its subordinates, top down.
#[derive(Debug)]
pub struct Hierarchy {
    /// The self-signed root.
    pub root: CaCertificate,
    /// Subordinate CAs, the root's child first; the last issues subscriber certificates.
    pub intermediates: Vec<CaCertificate>,
    /// The options it was made with (organisation and URLs are needed to issue).
    pub options: CaOptions,
}

impl Hierarchy {
    /// The CA that issues subscriber certificates (the last subordinate).
    pub fn issuing(&self) -> &CaCertificate {
        self.intermediates.last().unwrap_or(&self.root)
    }

    /// The issuing CA as [`IssuingCa`].
    pub fn issuing_ca(&self) -> IssuingCa<'_> {
        let ca = self.issuing();
        IssuingCa {
            certificate: &ca.certificate,
            key: &ca.key.key,
            label: &ca.label,
            urls: &self.options.urls,
            organization: &self.options.organization,
        }
    }

    /// The chain to hand out with subscriber certificates: the subordinates, issuing CA
    /// first, then the root (`smime ca chain`).
    pub fn chain(&self) -> Vec<Certificate> {
        self.intermediates
            .iter()
            .rev()
            .chain(std::iter::once(&self.root))
            .map(|c| c.certificate.clone())
            .collect()
    }
}

/// The subject of a CA certificate: countryName, organizationName, commonName.
fn ca_name(org: &Organization, common_name: &str) -> Result<Name> {
    if common_name.chars().count() > 64 {
        return Err(Error::Input {
            what: format!("CA name {common_name:?}"),
            reason: "longer than 64 characters (RFC 5280 ub-common-name): use a shorter organisation name".into(),
        });
    }
    Ok(NameBuilder::new()
        .add_optional(COUNTRY, org.country.as_deref(), AttributeText::Printable)?
        .add(ORGANIZATION, &org.name, AttributeText::Utf8)?
        .add(COMMON_NAME, common_name, AttributeText::Utf8)?
        .build())
}

/// Make the hierarchy at `now` (unix seconds) with keys generated in software.
pub fn create(options: CaOptions, now: i64) -> Result<Hierarchy> {
    create_with(options, now, &mut SoftwareKeys)
}

/// Make the hierarchy at `now` (unix seconds) with keys from `keys` (software, or a PKCS#11
/// token: [`crate::ca_keys::TokenKeys`]).
pub fn create_with(options: CaOptions, now: i64, keys: &mut dyn CaKeySource) -> Result<Hierarchy> {
    if options.levels == 0 || options.levels > MAX_LEVELS {
        return Err(Error::Input {
            what: format!("{} subordinate CA levels", options.levels),
            reason: format!("must be 1 to {MAX_LEVELS}: the root signs only CA certificates"),
        });
    }
    let org = &options.organization;
    let ca_usage: FlagSet<KeyUsages> = KeyUsages::KeyCertSign | KeyUsages::CRLSign;

    // BR 7.1.2.1: the root has basicConstraints cA (no path length: not recommended),
    // keyCertSign and cRLSign, a subjectKeyIdentifier, no extKeyUsage or policies.
    let root_key = keys.make("root", options.key_algorithm)?;
    let root_spki = root_key.key.public_key_spki();
    let root_name = ca_name(org, &format!("{} Root CA", org.name))?;
    let root_tbs = tbs_certificate(
        &root_key.key,
        random_serial()?,
        root_name.clone(),
        validity(now, ROOT_VALIDITY_DAYS)?,
        root_name,
        root_spki.clone(),
        vec![
            extensions::basic_constraints(true, None)?,
            extensions::key_usage(ca_usage)?,
            extensions::subject_key_identifier(&root_spki)?,
        ],
    )?;
    let root = CaCertificate {
        label: "root".into(),
        certificate: sign_certificate(&root_key.key, root_tbs)?,
        key: root_key,
    };

    // BR 7.1.2.2: each subordinate has basicConstraints cA with the path length left
    // below it, keyCertSign and cRLSign, extKeyUsage emailProtection, certificatePolicies
    // (anyPolicy: the organisation's own CAs), the parent's CRL and certificate URLs, SKI
    // and AKI, and name constraints when asked.
    let mut intermediates: Vec<CaCertificate> = Vec::new();
    for level in 1..=options.levels {
        let parent = intermediates.last().unwrap_or(&root);
        let label = format!("intermediate-{level}");
        let key = keys.make(&label, options.key_algorithm)?;
        let spki = key.key.public_key_spki();
        let common_name = if options.levels == 1 {
            format!("{} S/MIME Issuing CA", org.name)
        } else {
            format!("{} S/MIME CA {level}", org.name)
        };
        let parent_key_id =
            extensions::key_identifier(&parent.certificate.tbs_certificate.subject_public_key_info);
        let path_len = u8::try_from(options.levels - level).unwrap_or(0);
        let mut exts = vec![
            extensions::basic_constraints(true, Some(path_len))?,
            extensions::key_usage(ca_usage)?,
            extensions::email_protection()?,
            extensions::any_policy()?,
            extensions::crl_distribution_point(&options.urls.crl_of(&parent.certificate))?,
            extensions::authority_info_access(
                None,
                &options.urls.certificate_of(&parent.certificate),
            )?,
            extensions::subject_key_identifier(&spki)?,
            extensions::authority_key_identifier(&parent_key_id)?,
        ];
        if options.name_constraints {
            exts.push(extensions::name_constraints(&org.domains)?);
        }
        let tbs = tbs_certificate(
            &parent.key.key,
            random_serial()?,
            parent.certificate.tbs_certificate.subject.clone(),
            validity(now, INTERMEDIATE_VALIDITY_DAYS)?,
            ca_name(org, &common_name)?,
            spki,
            exts,
        )?;
        let certificate = sign_certificate(&parent.key.key, tbs)?;
        intermediates.push(CaCertificate {
            label,
            certificate,
            key,
        });
    }
    Ok(Hierarchy {
        root,
        intermediates,
        options,
    })
}

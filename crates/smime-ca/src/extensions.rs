//! The certificate extensions the CA writes (RFC 5280 4.2), each as an [`Extension`] with the
//! criticality RFC 5280 and the CA/Browser Forum S/MIME BR 7.1.2 ask for.

use const_oid::db::rfc5280::{ANY_POLICY, ID_AD_CA_ISSUERS, ID_AD_OCSP, ID_KP_EMAIL_PROTECTION};
use const_oid::AssociatedOid;
use der::asn1::{Ia5String, ObjectIdentifier as Oid, OctetString};
use der::Encode;
use smime::crypto::{digest, DigestAlgorithm};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::constraints::name::{GeneralSubtree, GeneralSubtrees};
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
    CertificatePolicies, CrlDistributionPoints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    NameConstraints, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;

use crate::{Error, Result};

/// An extension holding `value`, encoded, with the given criticality.
fn extension<T: Encode + AssociatedOid>(value: &T, critical: bool) -> Result<Extension> {
    let what = || format!("extension {}", T::OID);
    let der = value.to_der().map_err(|e| Error::Input {
        what: what(),
        reason: e.to_string(),
    })?;
    Ok(Extension {
        extn_id: T::OID,
        critical,
        extn_value: OctetString::new(der).map_err(|e| Error::Input {
            what: what(),
            reason: e.to_string(),
        })?,
    })
}

/// An IA5String (URIs, rfc822Name, dNSName), or an input error naming `what`.
pub(crate) fn ia5(text: &str, what: &str) -> Result<Ia5String> {
    Ia5String::new(text).map_err(|e| Error::Input {
        what: what.into(),
        reason: format!("{text:?} is not IA5 (ASCII) text: {e}"),
    })
}

/// The key identifier of a public key: SHA-256 of the subjectPublicKey BIT STRING's bytes,
/// truncated to 160 bits (RFC 7093 2, method 1; the RFC 5280 4.2.1.2 method with SHA-256).
pub fn key_identifier(spki: &SubjectPublicKeyInfoOwned) -> Vec<u8> {
    let mut id = digest(DigestAlgorithm::Sha256, spki.subject_public_key.raw_bytes());
    id.truncate(20);
    id
}

/// basicConstraints (RFC 5280 4.2.1.9), always critical (CA/B S/MIME BR 7.1.2.1 and
/// 7.1.2.2 for CAs; also allowed on end entities with cA FALSE).
pub fn basic_constraints(ca: bool, path_len: Option<u8>) -> Result<Extension> {
    extension(
        &BasicConstraints {
            ca,
            path_len_constraint: path_len,
        },
        true,
    )
}

/// keyUsage (RFC 5280 4.2.1.3), critical (RFC 5280 for CAs; CA/B S/MIME BR 7.1.2.3(e)
/// for subscribers).
pub fn key_usage(bits: impl Into<der::flagset::FlagSet<KeyUsages>>) -> Result<Extension> {
    extension(&KeyUsage(bits.into()), true)
}

/// extKeyUsage with id-kp-emailProtection only (RFC 8550 4.4.4), not critical (CA/B S/MIME
/// BR 7.1.2.3(f): strict allows nothing else; we write the same for multipurpose).
pub fn email_protection() -> Result<Extension> {
    extension(&ExtendedKeyUsage(vec![ID_KP_EMAIL_PROTECTION]), false)
}

/// extKeyUsage with id-kp-OCSPSigning only, for a delegated OCSP responder (RFC 6960
/// 4.2.2.2), not critical.
pub fn ocsp_signing() -> Result<Extension> {
    extension(
        &ExtendedKeyUsage(vec![const_oid::db::rfc5280::ID_KP_OCSP_SIGNING]),
        false,
    )
}

/// id-pkix-ocsp-nocheck (RFC 6960 4.2.2.2.1): the responder's own certificate is not
/// checked for revocation; its value is NULL, not critical.
pub fn ocsp_no_check() -> Result<Extension> {
    Ok(Extension {
        extn_id: const_oid::db::rfc6960::ID_PKIX_OCSP_NOCHECK,
        critical: false,
        extn_value: OctetString::new(der::asn1::Null.to_der().map_err(|e| Error::Input {
            what: "extension ocsp-nocheck".into(),
            reason: e.to_string(),
        })?)
        .map_err(|e| Error::Input {
            what: "extension ocsp-nocheck".into(),
            reason: e.to_string(),
        })?,
    })
}

/// subjectAltName with these rfc822Names (RFC 5280 4.2.1.6), not critical (the subject is
/// never empty in what we issue).
pub fn subject_alt_name(addresses: &[String]) -> Result<Extension> {
    let names = addresses
        .iter()
        .map(|a| ia5(a, "email address").map(GeneralName::Rfc822Name))
        .collect::<Result<Vec<_>>>()?;
    extension(&SubjectAltName(names), false)
}

/// subjectKeyIdentifier (RFC 5280 4.2.1.2) of `spki`, by [`key_identifier`].
pub fn subject_key_identifier(spki: &SubjectPublicKeyInfoOwned) -> Result<Extension> {
    let id = OctetString::new(key_identifier(spki)).map_err(|e| Error::Input {
        what: "subjectKeyIdentifier".into(),
        reason: e.to_string(),
    })?;
    extension(&SubjectKeyIdentifier(id), false)
}

/// authorityKeyIdentifier (RFC 5280 4.2.1.1) with the keyIdentifier only (CA/B S/MIME BR
/// 7.1.2.3(g): the issuer's subjectKeyIdentifier; issuer and serial absent).
pub fn authority_key_identifier(issuer_key_id: &[u8]) -> Result<Extension> {
    let id = OctetString::new(issuer_key_id).map_err(|e| Error::Input {
        what: "authorityKeyIdentifier".into(),
        reason: e.to_string(),
    })?;
    extension(
        &AuthorityKeyIdentifier {
            key_identifier: Some(id),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        },
        false,
    )
}

/// certificatePolicies (RFC 5280 4.2.1.4) naming these policies without qualifiers, not
/// critical (CA/B S/MIME BR 7.1.2.3(a)).
pub fn certificate_policies(policies: &[Oid]) -> Result<Extension> {
    let info = policies
        .iter()
        .map(|oid| PolicyInformation {
            policy_identifier: *oid,
            policy_qualifiers: None,
        })
        .collect();
    extension(&CertificatePolicies(info), false)
}

/// certificatePolicies with anyPolicy (RFC 5280 4.2.1.4), for the organisation's own
/// subordinate CAs (CA/B S/MIME BR 7.1.2.2(d), affiliated CAs).
pub fn any_policy() -> Result<Extension> {
    certificate_policies(&[ANY_POLICY])
}

/// cRLDistributionPoints with one HTTP URL as fullName (RFC 5280 4.2.1.13; CA/B S/MIME BR
/// 7.1.2.3(b): reasons and cRLIssuer absent), not critical.
pub fn crl_distribution_point(url: &str) -> Result<Extension> {
    let point = DistributionPoint {
        distribution_point: Some(DistributionPointName::FullName(vec![
            GeneralName::UniformResourceIdentifier(ia5(url, "CRL distribution point URL")?),
        ])),
        reasons: None,
        crl_issuer: None,
    };
    extension(&CrlDistributionPoints(vec![point]), false)
}

/// authorityInfoAccess (RFC 5280 4.2.2.1) with an OCSP responder (RFC 6960) and the
/// issuer's certificate (caIssuers, DER over HTTP), not critical (CA/B S/MIME BR 7.1.2.3(c)).
pub fn authority_info_access(ocsp: Option<&str>, ca_issuers: &str) -> Result<Extension> {
    let mut access = Vec::new();
    if let Some(url) = ocsp {
        access.push(AccessDescription {
            access_method: ID_AD_OCSP,
            access_location: GeneralName::UniformResourceIdentifier(ia5(url, "OCSP URL")?),
        });
    }
    access.push(AccessDescription {
        access_method: ID_AD_CA_ISSUERS,
        access_location: GeneralName::UniformResourceIdentifier(ia5(ca_issuers, "caIssuers URL")?),
    });
    extension(&AuthorityInfoAccessSyntax(access), false)
}

/// nameConstraints (RFC 5280 4.2.1.10), critical, permitting mail at `domains` and their
/// subdomains (rfc822Name `domain` and `.domain`) and the same host names (dNSName
/// `domain`, which covers subdomains). Domains must be IDNA A-labels.
pub fn name_constraints(domains: &[String]) -> Result<Extension> {
    let subtree = |name| GeneralSubtree {
        base: name,
        minimum: 0,
        maximum: None,
    };
    let mut permitted: GeneralSubtrees = Vec::new();
    for domain in domains {
        permitted.push(subtree(GeneralName::Rfc822Name(ia5(domain, "domain")?)));
        permitted.push(subtree(GeneralName::Rfc822Name(ia5(
            &format!(".{domain}"),
            "domain",
        )?)));
        permitted.push(subtree(GeneralName::DnsName(ia5(domain, "domain")?)));
    }
    extension(
        &NameConstraints {
            permitted_subtrees: Some(permitted),
            excluded_subtrees: None,
        },
        true,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Decode;

    #[test]
    fn name_constraints_domain_gives_mail_subdomain_and_dns_subtrees() {
        let ext = name_constraints(&["example.org".into()]).unwrap();
        assert!(ext.critical);
        let nc = NameConstraints::from_der(ext.extn_value.as_bytes()).unwrap();
        let names: Vec<String> = nc
            .permitted_subtrees
            .unwrap()
            .iter()
            .map(|s| match &s.base {
                GeneralName::Rfc822Name(n) => format!("rfc822:{n}"),
                GeneralName::DnsName(n) => format!("dns:{n}"),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            names,
            [
                "rfc822:example.org",
                "rfc822:.example.org",
                "dns:example.org"
            ]
        );
    }

    #[test]
    fn subject_alt_name_non_ascii_address_is_input_error() {
        let err = subject_alt_name(&["jörg@example.org".into()]).unwrap_err();
        assert!(err.to_string().contains("jörg@example.org"), "{err}");
    }
}

//! A basic certificate chain check: enough to say whether a signer chains to a trust anchor.
//!
//! It builds a path by issuer/subject name (several candidate issuers are tried), checks
//! each issuer's signature, the validity period at the given time, that issuers are CAs
//! (basicConstraints cA, keyCertSign when keyUsage is present), and stops at a trust
//! anchor. It does not yet check name constraints, policies, or revocation (RFC 5280 6
//! in full is the job of `smime-pkix`).

use std::time::SystemTime;

use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};
use x509_cert::Certificate;

use crate::crypto::{certificate_signed_by, describe_name};
use crate::CryptoPolicy;

/// Longest path tried (certificates, leaf included).
const MAX_DEPTH: usize = 8;
/// Most signature checks one path search may make (hostile certificate sets fail fast).
const MAX_SIGNATURE_CHECKS: usize = 64;

const EXTENDED_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const EMAIL_PROTECTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4");
const ANY_EXTENDED_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37.0");
const BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");

/// The result of [`check_chain`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainStatus {
    /// A path to a trust anchor was found.
    Trusted {
        /// Subjects from the leaf to the anchor.
        path: Vec<String>,
    },
    /// No path: the reason names the first failing certificate and rule.
    Untrusted {
        /// Why.
        reason: String,
    },
    /// Not checked.
    NotChecked,
}

fn validity_problem(cert: &Certificate, at: SystemTime) -> Option<String> {
    let v = &cert.tbs_certificate.validity;
    let name = describe_name(&cert.tbs_certificate.subject);
    if at < v.not_before.to_system_time() {
        return Some(format!(
            "certificate {name} is not valid before {}",
            v.not_before.to_date_time()
        ));
    }
    if at > v.not_after.to_system_time() {
        return Some(format!(
            "certificate {name} expired at {}",
            v.not_after.to_date_time()
        ));
    }
    None
}

fn ca_problem(cert: &Certificate) -> Option<String> {
    let name = describe_name(&cert.tbs_certificate.subject);
    let exts = cert.tbs_certificate.extensions.as_deref().unwrap_or(&[]);
    let is_ca = exts
        .iter()
        .find(|e| e.extn_id == BASIC_CONSTRAINTS)
        .and_then(|e| BasicConstraints::from_der(e.extn_value.as_bytes()).ok())
        .is_some_and(|bc| bc.ca);
    if !is_ca {
        return Some(format!(
            "certificate {name} is not a CA (basicConstraints cA is not set)"
        ));
    }
    if let Some(ku) = exts
        .iter()
        .find(|e| e.extn_id == KEY_USAGE)
        .and_then(|e| KeyUsage::from_der(e.extn_value.as_bytes()).ok())
    {
        if !ku.0.contains(KeyUsages::KeyCertSign) {
            return Some(format!(
                "certificate {name} may not sign certificates (keyUsage lacks keyCertSign)"
            ));
        }
    }
    None
}

/// Whether a signer certificate may sign mail (RFC 8550 4.4.2, 4.4.4): a keyUsage, when
/// present, with digitalSignature or nonRepudiation; an extendedKeyUsage, when present,
/// with emailProtection or anyExtendedKeyUsage.
pub fn signing_usage_problem(cert: &Certificate) -> Option<String> {
    let name = describe_name(&cert.tbs_certificate.subject);
    let exts = cert.tbs_certificate.extensions.as_deref().unwrap_or(&[]);
    if let Some(ku) = exts.iter().find(|e| e.extn_id == KEY_USAGE) {
        match KeyUsage::from_der(ku.extn_value.as_bytes()) {
            Ok(ku) if ku.0.contains(KeyUsages::DigitalSignature) || ku.0.contains(KeyUsages::NonRepudiation) => {}
            Ok(_) => return Some(format!("certificate {name} may not sign (keyUsage lacks digitalSignature and nonRepudiation)")),
            Err(e) => return Some(format!("certificate {name} has a malformed keyUsage: {e}")),
        }
    }
    if let Some(eku) = exts.iter().find(|e| e.extn_id == EXTENDED_KEY_USAGE) {
        match x509_cert::ext::pkix::ExtendedKeyUsage::from_der(eku.extn_value.as_bytes()) {
            Ok(eku)
                if eku
                    .0
                    .iter()
                    .any(|o| *o == EMAIL_PROTECTION || *o == ANY_EXTENDED_KEY_USAGE) => {}
            Ok(_) => {
                return Some(format!(
                    "certificate {name} is not for email (extendedKeyUsage lacks emailProtection)"
                ))
            }
            Err(e) => {
                return Some(format!(
                    "certificate {name} has a malformed extendedKeyUsage: {e}"
                ))
            }
        }
    }
    None
}

fn same(a: &Certificate, b: &Certificate) -> bool {
    a.to_der().ok() == b.to_der().ok()
}

struct Search<'a> {
    intermediates: &'a [Certificate],
    anchors: &'a [Certificate],
    at: SystemTime,
    policy: &'a CryptoPolicy,
    checks: usize,
    first_problem: Option<String>,
}

impl Search<'_> {
    fn note(&mut self, problem: String) {
        if self.first_problem.is_none() {
            self.first_problem = Some(problem);
        }
    }

    /// Extend `path` (ending in `cert`) to an anchor; returns the full path.
    fn extend(&mut self, cert: &Certificate, path: &mut Vec<Certificate>) -> Option<Vec<String>> {
        if let Some(p) = validity_problem(cert, self.at) {
            self.note(p);
            return None;
        }
        if self.anchors.iter().any(|a| same(a, cert)) {
            return Some(
                path.iter()
                    .map(|c| describe_name(&c.tbs_certificate.subject))
                    .collect(),
            );
        }
        if path.len() >= MAX_DEPTH {
            self.note(format!("no trust anchor within {MAX_DEPTH} certificates"));
            return None;
        }
        let issuer_name = &cert.tbs_certificate.issuer;
        let candidates: Vec<(Certificate, bool)> = self
            .anchors
            .iter()
            .map(|c| (c.clone(), true))
            .chain(self.intermediates.iter().map(|c| (c.clone(), false)))
            .filter(|(c, _)| &c.tbs_certificate.subject == issuer_name)
            .collect();
        if candidates.is_empty() {
            self.note(format!(
                "no certificate of the issuer {} of {} was found among the trust anchors and given certificates",
                describe_name(issuer_name),
                describe_name(&cert.tbs_certificate.subject)
            ));
            return None;
        }
        for (issuer, is_anchor) in candidates {
            if path.iter().any(|c| same(c, &issuer)) {
                continue; // a loop
            }
            if self.checks >= MAX_SIGNATURE_CHECKS {
                self.note("too many candidate issuers: path search stopped".into());
                return None;
            }
            self.checks += 1;
            match certificate_signed_by(cert, &issuer, self.policy) {
                Ok(true) => {}
                Ok(false) => {
                    self.note(format!(
                        "the signature on {} does not verify with the key of {}",
                        describe_name(&cert.tbs_certificate.subject),
                        describe_name(&issuer.tbs_certificate.subject)
                    ));
                    continue;
                }
                Err(e) => {
                    self.note(format!(
                        "certificate {}: {e}",
                        describe_name(&cert.tbs_certificate.subject)
                    ));
                    continue;
                }
            }
            if !is_anchor {
                if let Some(p) = ca_problem(&issuer) {
                    self.note(p);
                    continue;
                }
            }
            path.push(issuer.clone());
            if let Some(found) = self.extend(&issuer, path) {
                return Some(found);
            }
            path.pop();
        }
        None
    }
}

/// Find a path from `leaf` through `intermediates` to one of `anchors`, valid at `at`.
pub fn check_chain(
    leaf: &Certificate,
    intermediates: &[Certificate],
    anchors: &[Certificate],
    at: SystemTime,
    policy: &CryptoPolicy,
) -> ChainStatus {
    if anchors.is_empty() {
        return ChainStatus::Untrusted {
            reason: "no trust anchors were given".into(),
        };
    }
    let mut search = Search {
        intermediates,
        anchors,
        at,
        policy,
        checks: 0,
        first_problem: None,
    };
    let mut path = vec![leaf.clone()];
    match search.extend(leaf, &mut path) {
        Some(path) => ChainStatus::Trusted { path },
        None => ChainStatus::Untrusted {
            reason: search
                .first_problem
                .unwrap_or_else(|| "no path to a trust anchor".into()),
        },
    }
}

//! A basic certificate chain check: enough to say whether a signer chains to a trust anchor.
//!
//! What it checks (a subset of RFC 5280 6.1):
//! - the path is built by issuer/subject name match (RFC 5280 4.1.2.4), narrowed by
//!   authorityKeyIdentifier/subjectKeyIdentifier when both are present (RFC 5280 4.2.1.1);
//!   every candidate issuer is tried, at most [`MAX_DEPTH`] certificates, no certificate
//!   twice (so cross-signed loops end);
//! - each issuer's signature on its child ([`certificate_signed_by`], under the policy);
//! - the validity period of every certificate at the given time (RFC 5280 4.1.2.5);
//! - that every issuer that is not a trust anchor is a CA: basicConstraints cA TRUE and,
//!   when keyUsage is present, keyCertSign (RFC 5280 4.2.1.9, 4.2.1.3);
//! - the path ends at a trust anchor given as a certificate (same DER); the anchor's own
//!   signature and CA flags are not checked, its validity period is.
//!
//! What it does NOT check: pathLenConstraint, name constraints, certificate policies,
//! critical extensions it does not know, revocation (CRL/OCSP), extended key usage of the
//! CAs. RFC 5280 6 in full is the job of `smime-pkix`.

use std::time::SystemTime;

use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, BasicConstraints, KeyUsage, KeyUsages};
use x509_cert::Certificate;

use crate::crypto::{certificate_signed_by, describe_name, subject_key_identifier};
use crate::CryptoPolicy;

/// Longest path tried (certificates, leaf and anchor included).
pub const MAX_DEPTH: usize = 8;
/// Most signature checks one path search may make (hostile certificate sets fail fast).
const MAX_SIGNATURE_CHECKS: usize = 64;

const BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const AUTHORITY_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");

/// The keyIdentifier of the authority key identifier extension (RFC 5280 4.2.1.1).
fn authority_key_identifier(cert: &Certificate) -> Option<Vec<u8>> {
    let ext = cert
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == AUTHORITY_KEY_IDENTIFIER)?;
    AuthorityKeyIdentifier::from_der(ext.extn_value.as_bytes())
        .ok()?
        .key_identifier
        .map(|k| k.as_bytes().to_vec())
}

/// Whether `issuer` may have issued `cert` by name, and by key identifier when both
/// certificates carry one.
fn may_have_issued(issuer: &Certificate, cert: &Certificate) -> bool {
    if issuer.tbs_certificate.subject != cert.tbs_certificate.issuer {
        return false;
    }
    match (
        authority_key_identifier(cert),
        subject_key_identifier(issuer),
    ) {
        (Some(aki), Some(ski)) => aki == ski,
        _ => true,
    }
}

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
    /// The chain was not checked (e.g. the caller asked not to).
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
            .filter(|(c, _)| may_have_issued(c, cert))
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

/// Find a path from `leaf` through `intermediates` (certificates from the message and
/// extra files, in any order) to one of `anchors`, valid at `at`, with the checks listed in
/// the module documentation. A leaf that is itself an anchor (same DER) is trusted when it
/// is valid at `at`. `Untrusted` names the first problem met, e.g. `certificate CN=Alice
/// expired at 2020-01-01T00:00:00Z`.
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::crypto::test_pki::{Pki, CA_EXTENSIONS, LEAF_EXTENSIONS};

    const DAY: Duration = Duration::from_secs(86_400);

    fn now() -> SystemTime {
        SystemTime::now()
    }

    /// root (RSA-PSS) -> intermediate (P-384) -> leaf Alice (P-256, valid 2 days).
    fn pki() -> Pki {
        let pki = Pki::new();
        pki.key("root", "rsa-pss");
        pki.root("root", "/O=Example/CN=Root", 3650);
        pki.key("int", "p384");
        pki.issue(
            "int",
            "/O=Example/CN=Mail CA",
            "root",
            3650,
            2,
            CA_EXTENSIONS,
        );
        pki.key("alice", "p256");
        pki.issue("alice", "/O=Example/CN=Alice", "int", 2, 3, LEAF_EXTENSIONS);
        pki
    }

    fn check(
        pki: &Pki,
        leaf: &str,
        intermediates: &[&str],
        anchors: &[&str],
        at: SystemTime,
    ) -> ChainStatus {
        let certs = |names: &[&str]| names.iter().map(|n| pki.cert(n)).collect::<Vec<_>>();
        check_chain(
            &pki.cert(leaf),
            &certs(intermediates),
            &certs(anchors),
            at,
            &CryptoPolicy::strict(),
        )
    }

    fn untrusted_reason(status: ChainStatus) -> String {
        match status {
            ChainStatus::Untrusted { reason } => reason,
            other => panic!("expected Untrusted, got {other:?}"),
        }
    }

    #[test]
    fn check_chain_root_intermediate_leaf_is_trusted() {
        let pki = pki();
        assert_eq!(
            check(&pki, "alice", &["int"], &["root"], now()),
            ChainStatus::Trusted {
                path: vec![
                    "CN=Alice,O=Example".into(),
                    "CN=Mail CA,O=Example".into(),
                    "CN=Root,O=Example".into()
                ]
            }
        );
        // The leaf itself among the given certificates changes nothing.
        assert!(matches!(
            check(&pki, "alice", &["alice", "root", "int"], &["root"], now()),
            ChainStatus::Trusted { .. }
        ));
    }

    #[test]
    fn check_chain_leaf_is_anchor_is_trusted() {
        let pki = pki();
        assert_eq!(
            check(&pki, "alice", &[], &["alice"], now()),
            ChainStatus::Trusted {
                path: vec!["CN=Alice,O=Example".into()]
            }
        );
    }

    #[test]
    fn check_chain_expired_leaf_is_untrusted() {
        let pki = pki();
        let reason = untrusted_reason(check(&pki, "alice", &["int"], &["root"], now() + 5 * DAY));
        assert!(
            reason.starts_with("certificate CN=Alice,O=Example expired at 20"),
            "{reason}"
        );
        assert!(reason.ends_with('Z'), "{reason}");
        let reason = reason_before(&pki);
        assert!(reason.contains("is not valid before"), "{reason}");
    }

    fn reason_before(pki: &Pki) -> String {
        untrusted_reason(check(pki, "alice", &["int"], &["root"], now() - 2 * DAY))
    }

    #[test]
    fn check_chain_wrong_anchor_or_missing_intermediate_is_untrusted() {
        let pki = pki();
        pki.key("other", "p256");
        pki.root("other", "/O=Other/CN=Other Root", 30);
        let reason = untrusted_reason(check(&pki, "alice", &["int"], &["other"], now()));
        assert!(reason.contains("CN=Root,O=Example"), "{reason}");
        let reason = untrusted_reason(check(&pki, "alice", &[], &["root"], now()));
        assert!(reason.contains("CN=Mail CA,O=Example"), "{reason}");
        assert!(matches!(
            check(&pki, "alice", &["int"], &[], now()),
            ChainStatus::Untrusted { .. }
        ));
    }

    #[test]
    fn check_chain_same_name_other_key_is_skipped_or_untrusted() {
        let pki = pki();
        // An impostor root with the same name but another key: its signature fails.
        pki.key("fake", "rsa2048");
        pki.root("fake", "/O=Example/CN=Root", 30);
        let reason = untrusted_reason(check(&pki, "alice", &["int"], &["fake"], now()));
        assert!(reason.contains("CN=Mail CA,O=Example"), "{reason}");
        // With both candidates, the real one is found.
        assert!(matches!(
            check(&pki, "alice", &["int"], &["fake", "root"], now()),
            ChainStatus::Trusted { .. }
        ));
        // Two intermediates of the same name, without key identifiers to tell them apart.
        pki.key("int2", "p256");
        pki.issue(
            "int2",
            "/O=Example/CN=Mail CA",
            "root",
            30,
            9,
            "basicConstraints=critical,CA:TRUE\n",
        );
        assert!(matches!(
            check(&pki, "alice", &["int2", "int"], &["root"], now()),
            ChainStatus::Trusted { .. }
        ));
    }

    #[test]
    fn check_chain_issuer_not_ca_is_untrusted() {
        let pki = pki();
        pki.key("bob", "p256");
        pki.issue("bob", "/O=Example/CN=Bob", "alice", 1, 4, LEAF_EXTENSIONS);
        let reason = untrusted_reason(check(&pki, "bob", &["alice", "int"], &["root"], now()));
        assert!(
            reason.contains("certificate CN=Alice,O=Example is not a CA"),
            "{reason}"
        );
        // keyUsage without keyCertSign.
        pki.key("noks", "p256");
        pki.issue(
            "noks",
            "/O=Example/CN=No Sign CA",
            "root",
            30,
            5,
            "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,cRLSign\nsubjectKeyIdentifier=hash\n",
        );
        pki.key("carol", "p256");
        pki.issue(
            "carol",
            "/O=Example/CN=Carol",
            "noks",
            1,
            6,
            LEAF_EXTENSIONS,
        );
        let reason = untrusted_reason(check(&pki, "carol", &["noks"], &["root"], now()));
        assert!(reason.contains("keyCertSign"), "{reason}");
    }

    #[test]
    fn check_chain_cross_signed_loop_terminates() {
        let pki = Pki::new();
        // Two CAs that certify each other, and nothing that leads to the anchor.
        pki.key("a", "p256");
        pki.root("a", "/CN=CA A", 30);
        pki.key("b", "p256");
        pki.root("b", "/CN=CA B", 30);
        pki.issue("a", "/CN=CA A", "b", 30, 10, CA_EXTENSIONS);
        std::fs::rename(pki.path("a.pem"), pki.path("a-by-b.pem")).unwrap();
        pki.root("a", "/CN=CA A", 30);
        pki.issue("b", "/CN=CA B", "a", 30, 11, CA_EXTENSIONS);
        std::fs::rename(pki.path("b.pem"), pki.path("b-by-a.pem")).unwrap();
        pki.key("leaf", "p256");
        pki.issue("leaf", "/CN=Leaf", "a", 30, 12, LEAF_EXTENSIONS);
        pki.key("anchor", "p256");
        pki.root("anchor", "/CN=Anchor", 30);
        let status = check(&pki, "leaf", &["a-by-b", "b-by-a"], &["anchor"], now());
        assert!(
            matches!(status, ChainStatus::Untrusted { .. }),
            "{status:?}"
        );
        // With the self-signed A as anchor, the same set is trusted.
        assert!(matches!(
            check(&pki, "leaf", &["a-by-b", "b-by-a"], &["a"], now()),
            ChainStatus::Trusted { .. }
        ));
    }
}

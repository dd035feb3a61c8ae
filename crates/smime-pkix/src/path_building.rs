//! Path building (RFC 4158 in spirit): a depth-first search from the leaf towards the trust
//! anchors, trying every candidate issuer (cross-signed CAs, renewed CAs with the same
//! name) and backtracking when a path fails.
//!
//! Candidates are certificates whose subject matches the issuer name (RFC 5280 7.1
//! comparison), ordered: trust anchors first, then those whose subjectKeyIdentifier
//! equals the authorityKeyIdentifier keyIdentifier, or whose issuer and serial number equal
//! its authorityCertIssuer and authorityCertSerialNumber, then those without key
//! identifiers; a candidate whose subjectKeyIdentifier contradicts the keyIdentifier is not
//! tried. A certificate appears at most once in a path (loops end). Work is bounded by
//! [`crate::options::Limits`]: path length, candidates per certificate and signature checks
//! for the whole validation, so a hostile certificate set fails fast.

use std::collections::HashMap;

use der::Encode;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::Certificate;

use crate::certificate::{
    authority_key_identifier, certificate_signed_by, describe_name, subject_key_identifier,
};
use crate::names::NormalizedName;
use crate::options::ValidationOptions;
use crate::path_validation::{validate_path, PathOutputs, RevocationContext};
use crate::validate::{Failure, RevocationCheck, Rule, ValidationReport};
use crate::CryptoPolicy;

/// A certificate of the pool with what the search compares, computed once.
struct Node<'a> {
    cert: &'a Certificate,
    subject: NormalizedName,
    issuer: NormalizedName,
    subject_key_id: Option<Vec<u8>>,
    /// keyIdentifier of the authorityKeyIdentifier.
    authority_key_id: Option<Vec<u8>>,
    /// authorityCertIssuer directory names and authorityCertSerialNumber.
    authority_issuer_serial: Option<(Vec<NormalizedName>, Vec<u8>)>,
    anchor: bool,
}

impl<'a> Node<'a> {
    fn new(cert: &'a Certificate, anchor: bool) -> Self {
        let aki = authority_key_identifier(cert);
        let authority_issuer_serial = aki.as_ref().and_then(|a| {
            let names = a
                .authority_cert_issuer
                .as_ref()?
                .iter()
                .filter_map(|g| match g {
                    GeneralName::DirectoryName(n) => Some(NormalizedName::new(n)),
                    _ => None,
                })
                .collect();
            let serial = a.authority_cert_serial_number.as_ref()?;
            Some((names, serial.as_bytes().to_vec()))
        });
        Node {
            cert,
            subject: NormalizedName::new(&cert.tbs_certificate.subject),
            issuer: NormalizedName::new(&cert.tbs_certificate.issuer),
            subject_key_id: subject_key_identifier(cert),
            authority_key_id: aki
                .and_then(|a| a.key_identifier)
                .map(|k| k.as_bytes().to_vec()),
            authority_issuer_serial,
            anchor,
        }
    }
}

/// How useful a failure is to report: a failure on a path that reached a trust anchor
/// beats a signature that did not verify, which beats a missing issuer; the work limit
/// beats everything (the search stopped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Usefulness {
    IssuerNotFound,
    SignatureFailed,
    CompletePath,
    WorkLimit,
}

struct Search<'a> {
    nodes: Vec<Node<'a>>,
    options: &'a ValidationOptions,
    policy: CryptoPolicy,
    revocation: Option<RevocationContext<'a>>,
    /// (child, issuer) -> whether the issuer's key made the child's signature.
    signatures: HashMap<(usize, usize), Result<bool, String>>,
    signature_checks: usize,
    best: Option<(Usefulness, usize, Failure, Vec<usize>)>,
    valid: Option<(Vec<usize>, PathOutputs)>,
    aborted: bool,
}

impl<'a> Search<'a> {
    fn path_certificates(&self, path: &[usize]) -> Vec<Certificate> {
        path.iter()
            .filter_map(|&i| self.nodes.get(i).map(|n| n.cert.clone()))
            .collect()
    }

    fn record(&mut self, usefulness: Usefulness, failure: Failure, path: &[usize]) {
        let better = match &self.best {
            None => true,
            Some((u, len, _, _)) => (usefulness, path.len()) > (*u, *len),
        };
        if better {
            self.best = Some((usefulness, path.len(), failure, path.to_vec()));
        }
    }

    /// Candidate issuers of node `child`, best first, not already in `path`.
    fn candidates(&self, child: usize, path: &[usize]) -> Vec<usize> {
        let Some(c) = self.nodes.get(child) else {
            return Vec::new();
        };
        let mut found: Vec<(u8, usize)> = Vec::new();
        for (j, node) in self.nodes.iter().enumerate() {
            if path.contains(&j) || node.subject != c.issuer {
                continue;
            }
            let key_match = match (&c.authority_key_id, &node.subject_key_id) {
                (Some(a), Some(s)) if a == s => true,
                (Some(_), Some(_)) => continue,
                _ => false,
            };
            let serial_match = c
                .authority_issuer_serial
                .as_ref()
                .is_some_and(|(names, serial)| {
                    node.cert.tbs_certificate.serial_number.as_bytes() == serial.as_slice()
                        && names.contains(&node.issuer)
                });
            let valid_now = {
                let v = &node.cert.tbs_certificate.validity;
                self.options.time >= v.not_before.to_system_time()
                    && self.options.time <= v.not_after.to_system_time()
            };
            let rank = u8::from(!node.anchor) * 4
                + u8::from(!(key_match || serial_match)) * 2
                + u8::from(!valid_now);
            found.push((rank, j));
        }
        found.sort();
        found.into_iter().map(|(_, j)| j).collect()
    }

    fn signed_by(&mut self, child: usize, issuer: usize) -> Result<bool, String> {
        if let Some(r) = self.signatures.get(&(child, issuer)) {
            return r.clone();
        }
        self.signature_checks += 1;
        let result = match (self.nodes.get(child), self.nodes.get(issuer)) {
            (Some(c), Some(i)) => {
                certificate_signed_by(c.cert, i.cert, &self.policy).map_err(|e| e.to_string())
            }
            _ => Ok(false),
        };
        self.signatures.insert((child, issuer), result.clone());
        result
    }

    /// Extend `path` (leaf first) until a valid path is found; `true` when one is.
    fn extend(&mut self, path: &mut Vec<usize>) -> bool {
        let Some(&current) = path.last() else {
            return false;
        };
        let index = path.len() - 1;
        let cert = self.nodes.get(current).map(|n| n.cert);
        let Some(cert) = cert else { return false };
        if path.len() >= self.options.limits.max_depth {
            let failure = Failure::new(
                Rule::WorkLimit,
                index,
                cert,
                format!(
                    "no trust anchor within {} certificates",
                    self.options.limits.max_depth
                ),
            );
            self.record(Usefulness::IssuerNotFound, failure, path);
            return false;
        }
        let candidates = self.candidates(current, path);
        if candidates.is_empty() {
            let failure = Failure::new(
                Rule::IssuerNotFound,
                index,
                cert,
                format!(
                    "no trust anchor or intermediate certificate named {} issued it",
                    describe_name(&cert.tbs_certificate.issuer)
                ),
            );
            self.record(Usefulness::IssuerNotFound, failure, path);
            return false;
        }
        for issuer in candidates
            .into_iter()
            .take(self.options.limits.max_candidates)
        {
            if self.signature_checks >= self.options.limits.max_signature_checks
                && !self.signatures.contains_key(&(current, issuer))
            {
                let failure = Failure::new(
                    Rule::WorkLimit,
                    index,
                    cert,
                    format!(
                        "gave up after {} signature checks",
                        self.options.limits.max_signature_checks
                    ),
                );
                self.record(Usefulness::WorkLimit, failure, path);
                self.aborted = true;
                return false;
            }
            match self.signed_by(current, issuer) {
                Ok(true) => {}
                Ok(false) => {
                    let issuer_name = self
                        .nodes
                        .get(issuer)
                        .map(|n| describe_name(&n.cert.tbs_certificate.subject))
                        .unwrap_or_default();
                    let failure = Failure::new(
                        Rule::Signature,
                        index,
                        cert,
                        format!("the signature does not verify with the key of {issuer_name}"),
                    );
                    self.record(Usefulness::SignatureFailed, failure, path);
                    continue;
                }
                Err(e) => {
                    let failure = Failure::new(Rule::Algorithm, index, cert, e);
                    self.record(Usefulness::SignatureFailed, failure, path);
                    continue;
                }
            }
            path.push(issuer);
            let is_anchor = self.nodes.get(issuer).is_some_and(|n| n.anchor);
            if is_anchor {
                let certs = self.path_certificates(path);
                match validate_path(&certs, self.options, self.revocation.as_ref()) {
                    Ok(outputs) => {
                        self.valid = Some((path.clone(), outputs));
                        return true;
                    }
                    Err(failure) => self.record(Usefulness::CompletePath, failure, path),
                }
            } else if self.extend(path) {
                return true;
            }
            path.pop();
            if self.aborted {
                return false;
            }
        }
        false
    }
}

/// [`crate::validate()`] at a nesting level of revocation-issuer validations.
pub(crate) fn build_and_validate(
    leaf: &Certificate,
    intermediates: &[Certificate],
    anchors: &[Certificate],
    options: &ValidationOptions,
    revocation: Option<&dyn RevocationCheck>,
    nesting: usize,
) -> ValidationReport {
    let der = |c: &Certificate| c.to_der().unwrap_or_default();
    let anchor_der: Vec<Vec<u8>> = anchors.iter().map(der).collect();
    let leaf_der = der(leaf);
    // A leaf that is itself a trust anchor is trusted directly.
    if anchor_der.contains(&leaf_der) {
        return ValidationReport {
            path: vec![leaf.clone()],
            failure: None,
            warnings: Vec::new(),
            valid_policies: None,
            signature_checks: 0,
        };
    }
    // The pool: the leaf (node 0), the anchors, then the intermediates not seen yet.
    let mut seen = vec![leaf_der];
    let mut nodes = vec![Node::new(leaf, false)];
    for (cert, d) in anchors.iter().zip(anchor_der) {
        if !seen.contains(&d) {
            seen.push(d);
            nodes.push(Node::new(cert, true));
        }
    }
    for cert in intermediates {
        let d = der(cert);
        if !seen.contains(&d) {
            seen.push(d);
            nodes.push(Node::new(cert, false));
        }
    }
    let mut search = Search {
        nodes,
        options,
        policy: options.crypto_policy(),
        revocation: revocation.map(|checker| RevocationContext {
            checker,
            intermediates,
            anchors,
            nesting,
        }),
        signatures: HashMap::new(),
        signature_checks: 0,
        best: None,
        valid: None,
        aborted: false,
    };
    let mut path = vec![0];
    search.extend(&mut path);
    let signature_checks = search.signature_checks;
    if let Some((path, outputs)) = search.valid.take() {
        return ValidationReport {
            path: search.path_certificates(&path),
            failure: None,
            warnings: outputs.warnings,
            valid_policies: outputs.valid_policies,
            signature_checks,
        };
    }
    let (failure, path) = match search.best.take() {
        Some((_, _, failure, path)) => (failure, search.path_certificates(&path)),
        None => (
            Failure::new(Rule::IssuerNotFound, 0, leaf, "no path was found".into()),
            vec![leaf.clone()],
        ),
    };
    ValidationReport {
        path,
        failure: Some(failure),
        warnings: Vec::new(),
        valid_policies: None,
        signature_checks,
    }
}

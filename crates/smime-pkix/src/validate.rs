//! The public validation API: [`validate`] builds candidate paths from a leaf to a trust
//! anchor ([`crate::path_building`]) and checks each with the algorithm of RFC 5280 6.1
//! ([`crate::path_validation`]); the result is a [`ValidationReport`].

use serde::Serialize;
use x509_cert::Certificate;

use crate::certificate::describe_name;
use crate::options::ValidationOptions;
use crate::policy_tree::ValidPolicies;

/// The rule of RFC 5280 that a path broke. Each names its section ([`Rule::section`]).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// No certificate or trust anchor could have issued this certificate (by name, key
    /// identifiers and signature): path building (RFC 5280 6.1, RFC 4158).
    IssuerNotFound,
    /// A bound of [`crate::options::Limits`] was reached (depth, candidates, signature
    /// checks): the certificate set is too large or hostile.
    WorkLimit,
    /// The issuer's signature does not verify (RFC 5280 6.1.3 (a)(1)).
    Signature,
    /// The signature algorithm or key is unsupported or refused by the crypto policy
    /// (RFC 5280 6.1.3 (a)(1)).
    Algorithm,
    /// The validation time is outside the validity period (RFC 5280 6.1.3 (a)(2)).
    Validity,
    /// The certificate is revoked (RFC 5280 6.1.3 (a)(3)).
    Revoked,
    /// The revocation status could not be determined under hard-fail (RFC 5280 6.1.3 (a)(3)).
    RevocationUnknown,
    /// The issuer name differs from the working issuer name (RFC 5280 6.1.3 (a)(4)).
    IssuerName,
    /// A name is outside the permitted or inside the excluded subtrees (RFC 5280 6.1.3
    /// (b), (c)).
    NameConstraints,
    /// Certificate policy processing failed (RFC 5280 6.1.3 (d)-(f), 6.1.4 (a)-(b),
    /// (g)-(j), 6.1.5 (g)).
    Policy,
    /// An issuing certificate is not a CA: basicConstraints absent or cA FALSE, or a
    /// version 1/2 certificate (RFC 5280 6.1.4 (k)).
    NotCa,
    /// The path is longer than a pathLenConstraint allows (RFC 5280 6.1.4 (l), (m)).
    PathLength,
    /// An issuing certificate's keyUsage lacks keyCertSign (RFC 5280 6.1.4 (n)).
    KeyUsage,
    /// A critical extension this validator does not process (RFC 5280 6.1.4 (o), 6.1.5 (f)).
    CriticalExtension,
    /// An extension the algorithm needs cannot be decoded (RFC 5280 4.2).
    MalformedExtension,
}

impl Rule {
    /// The section of RFC 5280 that states the rule.
    pub fn section(&self) -> &'static str {
        match self {
            Rule::IssuerNotFound => "6.1 (path building)",
            Rule::WorkLimit => "6.1 (path building bounds)",
            Rule::Signature | Rule::Algorithm => "6.1.3 (a)(1)",
            Rule::Validity => "6.1.3 (a)(2)",
            Rule::Revoked | Rule::RevocationUnknown => "6.1.3 (a)(3)",
            Rule::IssuerName => "6.1.3 (a)(4)",
            Rule::NameConstraints => "6.1.3 (b)-(c)",
            Rule::Policy => "6.1.3 (d)-(f), 6.1.4 (a)-(b), (g)-(j), 6.1.5 (g)",
            Rule::NotCa => "6.1.4 (k)",
            Rule::PathLength => "6.1.4 (l)-(m)",
            Rule::KeyUsage => "6.1.4 (n)",
            Rule::CriticalExtension => "6.1.4 (o), 6.1.5 (f)",
            Rule::MalformedExtension => "4.2",
        }
    }
}

/// Why a path is not valid: the first rule that failed and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// The rule.
    pub rule: Rule,
    /// Index of the certificate in [`ValidationReport::path`] (0 is the leaf).
    pub index: usize,
    /// That certificate's subject (RFC 4514).
    pub subject: String,
    /// What exactly is wrong.
    pub detail: String,
}

impl Failure {
    pub(crate) fn new(rule: Rule, index: usize, cert: &Certificate, detail: String) -> Self {
        Failure {
            rule,
            index,
            subject: describe_name(&cert.tbs_certificate.subject),
            detail,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "certificate {} ({}): {} (RFC 5280 {})",
            self.index,
            self.subject,
            self.detail,
            self.rule.section()
        )
    }
}

/// The revocation status of one certificate, as a [`RevocationCheck`] reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum RevocationStatus {
    /// Not revoked, from a CRL or OCSP response valid at the validation time.
    Good,
    /// Revoked.
    Revoked {
        /// Reason, date and source (`keyCompromise on 2009-01-01, CRL of CN=...`).
        detail: String,
    },
    /// No status could be determined.
    Unknown {
        /// Why (no CRL, CRL expired, OCSP unreachable, ...).
        detail: String,
    },
}

/// What a revocation checker is asked about one certificate of a path (RFC 5280 6.1.3
/// (a)(3)). It also offers [`RevocationRequest::validate_issuer`] to validate the path of
/// a CRL or OCSP responder certificate against the same anchors and options.
pub struct RevocationRequest<'a> {
    /// The certificate whose status is asked.
    pub certificate: &'a Certificate,
    /// Its validated issuer (a certificate of the path or the trust anchor).
    pub issuer: &'a Certificate,
    /// Index of `certificate` in the path (0 is the leaf).
    pub index: usize,
    /// The whole path, leaf first, trust anchor last.
    pub path: &'a [Certificate],
    /// The options of the validation (time, revocation mode, crypto policy).
    pub options: &'a ValidationOptions,
    pub(crate) intermediates: &'a [Certificate],
    pub(crate) anchors: &'a [Certificate],
    pub(crate) checker: &'a dyn RevocationCheck,
    pub(crate) nesting: usize,
}

/// Deepest nesting of [`RevocationRequest::validate_issuer`] (a CRL issuer whose own CRL
/// issuer needs a path ...): beyond it the status is unknown.
pub const MAX_REVOCATION_NESTING: usize = 3;

impl RevocationRequest<'_> {
    /// Validate the path of a CRL issuer or OCSP responder certificate (RFC 5280 6.3.3 (f),
    /// RFC 6960 4.2.2.2) with the same trust anchors, intermediates (plus `extra`, e.g.
    /// certificates carried in an OCSP response), options and revocation checker. Past
    /// [`MAX_REVOCATION_NESTING`] levels the result is a [`Rule::RevocationUnknown`] failure.
    pub fn validate_issuer(&self, cert: &Certificate, extra: &[Certificate]) -> ValidationReport {
        if self.nesting >= MAX_REVOCATION_NESTING {
            return ValidationReport {
                path: vec![cert.clone()],
                failure: Some(Failure::new(
                    Rule::RevocationUnknown,
                    0,
                    cert,
                    format!("revocation issuer paths nested deeper than {MAX_REVOCATION_NESTING}"),
                )),
                warnings: Vec::new(),
                valid_policies: None,
                signature_checks: 0,
            };
        }
        let mut intermediates = self.intermediates.to_vec();
        intermediates.extend_from_slice(extra);
        crate::path_building::build_and_validate(
            cert,
            &intermediates,
            self.anchors,
            self.options,
            Some(self.checker),
            self.nesting + 1,
        )
    }
}

/// A revocation checker (CRL, OCSP), called for each certificate of a candidate path
/// once its signature has verified, with the validated issuer.
pub trait RevocationCheck {
    /// The status of `request.certificate` at `request.options.time`.
    fn check(&self, request: &RevocationRequest<'_>) -> RevocationStatus;
}

/// The outcome of [`validate`].
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct ValidationReport {
    /// The valid path, or else the path the reported failure was found on: leaf first,
    /// trust anchor last (just the leaf when no issuer was found).
    pub path: Vec<Certificate>,
    /// `None` when the path is valid; else the most useful failure among the candidate
    /// paths (one that reached a trust anchor is preferred).
    pub failure: Option<Failure>,
    /// Notes that did not fail the path (revocation unknown under soft-fail).
    pub warnings: Vec<String>,
    /// The policies a valid path is valid for (RFC 5280 6.1.6); `None` when the path is
    /// not valid or the leaf is itself a trust anchor.
    pub valid_policies: Option<ValidPolicies>,
    /// Signature verifications made (bounded by [`crate::options::Limits`]).
    pub signature_checks: usize,
}

impl ValidationReport {
    /// Whether a valid path to a trust anchor was found.
    pub fn is_valid(&self) -> bool {
        self.failure.is_none()
    }

    /// The trust anchor of a valid path.
    pub fn trust_anchor(&self) -> Option<&Certificate> {
        if self.is_valid() {
            self.path.last()
        } else {
            None
        }
    }
}

/// Validate `leaf` (RFC 5280 6.1): build paths through `intermediates` (given, carried in
/// the message or stored; any order, duplicates and unrelated certificates allowed) to one
/// of `anchors` (trust anchors given as certificates: their subject and key are the trust
/// anchor information of RFC 5280 6.1.1 (d); their other fields are not checked), and check
/// each candidate until one is valid. `revocation`: the CRL/OCSP checker, `None` to skip
/// revocation (as does [`crate::options::RevocationMode::Off`]).
pub fn validate(
    leaf: &Certificate,
    intermediates: &[Certificate],
    anchors: &[Certificate],
    options: &ValidationOptions,
    revocation: Option<&dyn RevocationCheck>,
) -> ValidationReport {
    crate::path_building::build_and_validate(leaf, intermediates, anchors, options, revocation, 0)
}

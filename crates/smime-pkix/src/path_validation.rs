//! The basic path validation algorithm of RFC 5280 6.1 over one candidate path.
//!
//! The path arrives leaf first and trust anchor last, as built; RFC 5280 numbers the
//! certificates the other way (1 next to the anchor, n the leaf), and so does the loop
//! here. Signatures (6.1.3 (a)(1)) were verified while building: a path is only complete
//! when every issuer's signature verified.

use const_oid::ObjectIdentifier;
use der::Decode;
use x509_cert::certificate::Version;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, NameConstraints};
use x509_cert::Certificate;

use crate::names::{constrained_names, NameConstraintsState, NormalizedName};
use crate::options::{RevocationMode, ValidationOptions};
use crate::policy_tree::{PolicyProcessor, ValidPolicies};
use crate::validate::{Failure, RevocationCheck, RevocationRequest, RevocationStatus, Rule};

const BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const NAME_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.30");

/// Extensions this validator (with the policy, mail and revocation modules) processes, so
/// that they may be critical (RFC 5280 6.1.4 (o), 6.1.5 (f)).
const KNOWN_EXTENSIONS: &[ObjectIdentifier] = &[
    ObjectIdentifier::new_unwrap("2.5.29.14"), // subjectKeyIdentifier
    KEY_USAGE,
    ObjectIdentifier::new_unwrap("2.5.29.17"), // subjectAltName
    ObjectIdentifier::new_unwrap("2.5.29.18"), // issuerAltName
    BASIC_CONSTRAINTS,
    NAME_CONSTRAINTS,
    ObjectIdentifier::new_unwrap("2.5.29.31"), // cRLDistributionPoints
    ObjectIdentifier::new_unwrap("2.5.29.32"), // certificatePolicies
    ObjectIdentifier::new_unwrap("2.5.29.33"), // policyMappings
    ObjectIdentifier::new_unwrap("2.5.29.35"), // authorityKeyIdentifier
    ObjectIdentifier::new_unwrap("2.5.29.36"), // policyConstraints
    ObjectIdentifier::new_unwrap("2.5.29.37"), // extKeyUsage (RFC 8550 rules, mail module)
    ObjectIdentifier::new_unwrap("2.5.29.46"), // freshestCRL
    ObjectIdentifier::new_unwrap("2.5.29.54"), // inhibitAnyPolicy
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.1.1"), // authorityInfoAccess
];

/// The extensions the algorithm reads, decoded once.
struct Extensions {
    basic_constraints: Option<BasicConstraints>,
    key_usage: Option<KeyUsage>,
    name_constraints: Option<NameConstraints>,
    unknown_critical: Option<ObjectIdentifier>,
}

impl Extensions {
    fn read(cert: &Certificate) -> Result<Self, String> {
        let mut out = Extensions {
            basic_constraints: None,
            key_usage: None,
            name_constraints: None,
            unknown_critical: None,
        };
        let mut seen: Vec<ObjectIdentifier> = Vec::new();
        for ext in cert.tbs_certificate.extensions.iter().flatten() {
            // RFC 5280 4.2: at most one instance of each extension.
            if seen.contains(&ext.extn_id) {
                return Err(format!("extension {} appears twice", ext.extn_id));
            }
            seen.push(ext.extn_id);
            let value = ext.extn_value.as_bytes();
            let bad = |name: &str, e: der::Error| format!("malformed {name}: {e}");
            match ext.extn_id {
                BASIC_CONSTRAINTS => {
                    out.basic_constraints = Some(
                        BasicConstraints::from_der(value)
                            .map_err(|e| bad("basicConstraints", e))?,
                    )
                }
                KEY_USAGE => {
                    out.key_usage = Some(KeyUsage::from_der(value).map_err(|e| bad("keyUsage", e))?)
                }
                NAME_CONSTRAINTS => {
                    out.name_constraints = Some(
                        NameConstraints::from_der(value).map_err(|e| bad("nameConstraints", e))?,
                    )
                }
                oid if ext.critical && !KNOWN_EXTENSIONS.contains(&oid) => {
                    out.unknown_critical.get_or_insert(oid);
                }
                _ => {}
            }
        }
        Ok(out)
    }
}

/// What the validation needs to ask a revocation checker, and to let it validate the
/// paths of CRL issuers.
pub(crate) struct RevocationContext<'a> {
    pub(crate) checker: &'a dyn RevocationCheck,
    pub(crate) intermediates: &'a [Certificate],
    pub(crate) anchors: &'a [Certificate],
    pub(crate) nesting: usize,
}

/// What a valid path yields besides its certificates.
pub(crate) struct PathOutputs {
    /// Notes that did not fail the path (revocation unknown under soft-fail).
    pub(crate) warnings: Vec<String>,
    /// The policies the path is valid for (RFC 5280 6.1.6); `None` for a leaf that is
    /// itself a trust anchor.
    pub(crate) valid_policies: Option<ValidPolicies>,
}

/// RFC 5280 6.1.2-6.1.5 over `path` (leaf first, trust anchor last, at least the anchor).
/// `Err` holds the first failure.
pub(crate) fn validate_path(
    path: &[Certificate],
    options: &ValidationOptions,
    revocation: Option<&RevocationContext<'_>>,
) -> Result<PathOutputs, Failure> {
    let mut warnings = Vec::new();
    let (Some((anchor, _)), Some(leaf)) = (path.split_last(), path.first()) else {
        return Ok(PathOutputs {
            warnings,
            valid_policies: None,
        });
    };
    let n = path.len() - 1;
    // 6.1.2: the state variables. The trust anchor's subject and key are the working
    // issuer name and key (6.1.1 (d)); its other fields are not trust anchor information.
    let mut working_issuer_name = NormalizedName::new(&anchor.tbs_certificate.subject);
    let mut name_constraints = NameConstraintsState::default();
    let mut max_path_length = n;
    // 6.1.2 (a), (d), (e), (f): the valid_policy_tree and its counters.
    let mut policy = PolicyProcessor::new(&options.policy, n);

    for i in 1..=n {
        let index = n - i;
        let (Some(cert), Some(issuer)) = (path.get(index), path.get(index + 1)) else {
            break;
        };
        let fail = |rule: Rule, detail: String| Failure::new(rule, index, cert, detail);
        let tbs = &cert.tbs_certificate;

        // 6.1.3 (a)(2): validity at the validation time (4.1.2.5).
        let not_before = tbs.validity.not_before.to_system_time();
        let not_after = tbs.validity.not_after.to_system_time();
        if options.time < not_before {
            return Err(fail(
                Rule::Validity,
                format!("not valid before {}", tbs.validity.not_before),
            ));
        }
        if options.time > not_after {
            return Err(fail(
                Rule::Validity,
                format!("expired on {}", tbs.validity.not_after),
            ));
        }

        // 6.1.3 (a)(4): issuer name chaining.
        let issuer_name = NormalizedName::new(&tbs.issuer);
        if issuer_name != working_issuer_name {
            return Err(fail(
                Rule::IssuerName,
                format!("issuer {} is not the working issuer name", tbs.issuer),
            ));
        }

        // 6.1.3 (a)(3): revocation status, with the validated issuer.
        if let (Some(ctx), false) = (revocation, options.revocation == RevocationMode::Off) {
            let request = RevocationRequest {
                certificate: cert,
                issuer,
                index,
                path,
                options,
                intermediates: ctx.intermediates,
                anchors: ctx.anchors,
                checker: ctx.checker,
                nesting: ctx.nesting,
            };
            match ctx.checker.check(&request) {
                RevocationStatus::Good => {}
                RevocationStatus::Revoked { detail } => {
                    return Err(fail(Rule::Revoked, format!("revoked: {detail}")))
                }
                RevocationStatus::Unknown { detail } => {
                    if options.revocation == RevocationMode::HardFail {
                        return Err(fail(
                            Rule::RevocationUnknown,
                            format!("revocation status unknown: {detail}"),
                        ));
                    }
                    warnings.push(format!(
                        "certificate {index} ({}): revocation status unknown: {detail}",
                        tbs.subject
                    ));
                }
            }
        }

        let extensions = Extensions::read(cert).map_err(|e| fail(Rule::MalformedExtension, e))?;
        let subject_name = NormalizedName::new(&tbs.subject);
        let self_issued = subject_name == issuer_name;

        // 6.1.3 (b), (c): name constraints, except on self-issued intermediates.
        let exempt = self_issued && i < n;
        if !exempt && !name_constraints.is_unconstrained() {
            let names = constrained_names(cert).map_err(|e| fail(Rule::MalformedExtension, e))?;
            name_constraints
                .check(&names)
                .map_err(|e| fail(Rule::NameConstraints, e))?;
        }

        // 6.1.3 (d)-(f) and, for i < n, 6.1.4 (a), (b), (h)-(j).
        policy
            .process_certificate(cert, i)
            .map_err(|e| fail(Rule::Policy, e.to_string()))?;

        if i < n {
            // 6.1.4 (c)-(f): the next working issuer name and key (the key is the one the
            // next signature was verified with while building).
            working_issuer_name = subject_name;
            // 6.1.4 (g): narrow the name constraints.
            if let Some(constraints) = extensions.name_constraints.clone() {
                name_constraints.update(constraints);
            }
            // 6.1.4 (k): an issuer must be a CA; version 1 and 2 certificates cannot say so.
            if tbs.version != Version::V3 {
                return Err(fail(
                    Rule::NotCa,
                    "a version 1 or 2 certificate issues another certificate".into(),
                ));
            }
            let Some(basic) = &extensions.basic_constraints else {
                return Err(fail(
                    Rule::NotCa,
                    "issues a certificate without basicConstraints".into(),
                ));
            };
            if !basic.ca {
                return Err(fail(
                    Rule::NotCa,
                    "issues a certificate but basicConstraints cA is FALSE".into(),
                ));
            }
            // 6.1.4 (l): self-issued certificates do not count.
            if !self_issued {
                if max_path_length == 0 {
                    return Err(fail(
                        Rule::PathLength,
                        "the path is longer than a pathLenConstraint allows".into(),
                    ));
                }
                max_path_length -= 1;
            }
            // 6.1.4 (m).
            if let Some(limit) = basic.path_len_constraint {
                max_path_length = max_path_length.min(usize::from(limit));
            }
            // 6.1.4 (n).
            if let Some(usage) = &extensions.key_usage {
                if !usage.key_cert_sign() {
                    return Err(fail(Rule::KeyUsage, "keyUsage lacks keyCertSign".into()));
                }
            }
        }
        // 6.1.4 (o), 6.1.5 (f).
        if let Some(oid) = extensions.unknown_critical {
            return Err(fail(
                Rule::CriticalExtension,
                format!("unknown critical extension {oid}"),
            ));
        }
    }
    // 6.1.5 (a), (b), (g).
    let valid_policies = policy
        .finish()
        .map_err(|e| Failure::new(Rule::Policy, 0, leaf, e.to_string()))?;
    Ok(PathOutputs {
        warnings,
        valid_policies: Some(valid_policies),
    })
}

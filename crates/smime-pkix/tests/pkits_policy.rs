//! NIST PKITS sections 4.8 to 4.12 (certificate policies, requireExplicitPolicy, policy
//! mappings, inhibitPolicyMapping, inhibitAnyPolicy) through `PolicyProcessor` alone.
//!
//! Each case is one run of the PKITS document ("Public Key Interoperability Test Suite
//! Certification Path Validation", NIST, 2004): its certification path below the trust
//! anchor, the user inputs of that run (section 3 defaults: initial-policy-set anyPolicy,
//! nothing set; several tests run again with other inputs) and the expected outcome. Where
//! the document states the resulting user-constrained or authorities-constrained policy set,
//! the case checks it too. Signatures, dates and revocation are not this module's business;
//! the paths' names are checked to chain so that a wrong path in the table fails the test.

use std::collections::BTreeSet;
use std::path::PathBuf;

use const_oid::db::rfc5280::ANY_POLICY;
use const_oid::ObjectIdentifier;
use der::Decode;
use smime_pkix::options::PolicyInputs;
use smime_pkix::policy_tree::{PolicyFailure, PolicyProcessor, ValidPolicies};
use smime_pkix::x509_cert::Certificate;

/// NIST-test-policy-1 .. -6 (PKITS section 3).
const P1: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.2.1.48.1");
const P2: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.2.1.48.2");
const P3: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.2.1.48.3");
const P6: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.2.1.48.6");
const ANY: ObjectIdentifier = ANY_POLICY;

/// The user inputs of one run; `Settings::DEFAULT` is PKITS section 3's.
#[derive(Clone, Copy)]
struct Settings {
    initial_policy_set: &'static [ObjectIdentifier],
    explicit: bool,
    mapping_inhibit: bool,
    any_policy_inhibit: bool,
}

impl Settings {
    const DEFAULT: Settings = Settings {
        initial_policy_set: &[ANY],
        explicit: false,
        mapping_inhibit: false,
        any_policy_inhibit: false,
    };

    const fn policies(initial_policy_set: &'static [ObjectIdentifier]) -> Settings {
        Settings {
            initial_policy_set,
            ..Settings::DEFAULT
        }
    }

    const fn explicit(initial_policy_set: &'static [ObjectIdentifier]) -> Settings {
        Settings {
            initial_policy_set,
            explicit: true,
            ..Settings::DEFAULT
        }
    }

    fn inputs(&self) -> PolicyInputs {
        PolicyInputs {
            initial_policy_set: self.initial_policy_set.to_vec(),
            initial_explicit_policy: self.explicit,
            initial_policy_mapping_inhibit: self.mapping_inhibit,
            initial_any_policy_inhibit: self.any_policy_inhibit,
        }
    }

    fn describe(&self) -> String {
        let mut parts = vec![format!(
            "initial-policy-set {{{}}}",
            names(self.initial_policy_set.iter())
        )];
        if self.explicit {
            parts.push("initial-explicit-policy".to_owned());
        }
        if self.mapping_inhibit {
            parts.push("initial-policy-mapping-inhibit".to_owned());
        }
        if self.any_policy_inhibit {
            parts.push("initial-inhibit-any-policy".to_owned());
        }
        parts.join(", ")
    }
}

enum Expected {
    Invalid,
    /// Valid; the user-constrained and authorities-constrained sets where the document
    /// gives them.
    Valid {
        user: Option<&'static [ObjectIdentifier]>,
        authorities: Option<&'static [ObjectIdentifier]>,
    },
}

const fn valid(user: &'static [ObjectIdentifier]) -> Expected {
    Expected::Valid {
        user: Some(user),
        authorities: None,
    }
}

/// Valid with the authorities-constrained set the document states; under the default
/// any-policy initial set the user-constrained set equals it (RFC 5280 6.1.5 (g)(ii)).
const fn valid_for(authorities: &'static [ObjectIdentifier]) -> Expected {
    Expected::Valid {
        user: Some(authorities),
        authorities: Some(authorities),
    }
}

struct Case {
    id: &'static str,
    /// Certificate file stems from the one the trust anchor issued to the end entity.
    path: &'static [&'static str],
    settings: Settings,
    expected: Expected,
}

const fn case(
    id: &'static str,
    path: &'static [&'static str],
    settings: Settings,
    expected: Expected,
) -> Case {
    Case {
        id,
        path,
        settings,
        expected,
    }
}

fn names<'a>(oids: impl Iterator<Item = &'a ObjectIdentifier>) -> String {
    oids.map(|oid| match oid.to_string().as_str() {
        "2.5.29.32.0" => "anyPolicy".to_owned(),
        dotted => match dotted.strip_prefix("2.16.840.1.101.3.2.1.48.") {
            Some(number) => format!("NIST-test-policy-{number}"),
            None => dotted.to_owned(),
        },
    })
    .collect::<Vec<_>>()
    .join(", ")
}

fn load(stem: &str) -> Certificate {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/pkits/certs")
        .join(format!("{stem}.crt"));
    let der = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    Certificate::from_der(&der).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

fn run(path: &[Certificate], settings: &Settings) -> Result<ValidPolicies, PolicyFailure> {
    let mut processor = PolicyProcessor::new(&settings.inputs(), path.len());
    for (index, certificate) in path.iter().enumerate() {
        processor.process_certificate(certificate, index + 1)?;
    }
    processor.finish()
}

/// Runs the cases, prints a line per case and fails with every mismatch.
fn check(cases: &[Case]) {
    let anchor = load("TrustAnchorRootCertificate");
    let mut mismatches = Vec::new();
    for case in cases {
        let path: Vec<Certificate> = case.path.iter().map(|stem| load(stem)).collect();
        let mut issuer = &anchor.tbs_certificate.subject;
        for (stem, certificate) in case.path.iter().zip(&path) {
            assert_eq!(
                &certificate.tbs_certificate.issuer, issuer,
                "{}: {stem} is not issued by the certificate before it",
                case.id
            );
            issuer = &certificate.tbs_certificate.subject;
        }
        let outcome = run(&path, &case.settings);
        let (verdict, problem) = match (&case.expected, &outcome) {
            (Expected::Invalid, Err(failure)) => (format!("invalid: {failure}"), None),
            (Expected::Invalid, Ok(policies)) => (
                "valid".to_owned(),
                Some(format!(
                    "expected invalid, got valid for {{{}}}",
                    names(policies.user_constrained.iter())
                )),
            ),
            (Expected::Valid { .. }, Err(failure)) => (
                format!("invalid: {failure}"),
                Some("expected valid".to_owned()),
            ),
            (Expected::Valid { user, authorities }, Ok(policies)) => {
                let mut problem = None;
                let differs = |expected: &Option<&[ObjectIdentifier]>, got: &BTreeSet<_>| {
                    expected.is_some_and(|set| set.iter().copied().collect::<BTreeSet<_>>() != *got)
                };
                if differs(user, &policies.user_constrained) {
                    problem = Some(format!(
                        "expected user-constrained {{{}}}",
                        names(user.unwrap_or_default().iter())
                    ));
                }
                if differs(authorities, &policies.authorities_constrained) {
                    problem = Some(format!(
                        "expected authorities-constrained {{{}}}",
                        names(authorities.unwrap_or_default().iter())
                    ));
                }
                (
                    format!(
                        "valid: user-constrained {{{}}}, authorities-constrained {{{}}}",
                        names(policies.user_constrained.iter()),
                        names(policies.authorities_constrained.iter())
                    ),
                    problem,
                )
            }
        };
        let status = if problem.is_some() { "MISMATCH" } else { "ok" };
        println!(
            "{} [{}] {verdict} ... {status}",
            case.id,
            case.settings.describe()
        );
        if let Some(problem) = problem {
            mismatches.push(format!("{}: {problem}; got {verdict}", case.id));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

const GOOD: &[&str] = &["GoodCACert", "ValidCertificatePathTest1EE"];
const NO_POLICIES: &[&str] = &["NoPoliciesCACert", "AllCertificatesNoPoliciesTest2EE"];
const DIFFERENT_3: &[&str] = &[
    "GoodCACert",
    "PoliciesP2subCACert",
    "DifferentPoliciesTest3EE",
];
const OVERLAPPING_6: &[&str] = &[
    "PoliciesP1234CACert",
    "PoliciesP1234subCAP123Cert",
    "PoliciesP1234subsubCAP123P12Cert",
    "OverlappingPoliciesTest6EE",
];
const SAME_10: &[&str] = &["PoliciesP12CACert", "AllCertificatesSamePoliciesTest10EE"];
const ANY_11: &[&str] = &["anyPolicyCACert", "AllCertificatesanyPolicyTest11EE"];
const SAME_13: &[&str] = &["PoliciesP123CACert", "AllCertificatesSamePoliciesTest13EE"];
const ANY_14: &[&str] = &["anyPolicyCACert", "AnyPolicyTest14EE"];
const NOTICE_18: &[&str] = &["PoliciesP12CACert", "UserNoticeQualifierTest18EE"];

#[test]
fn pkits_4_8_certificate_policies_match_the_document() {
    check(&[
        case("4.8.1.1", GOOD, Settings::explicit(&[ANY]), valid(&[P1])),
        case("4.8.1.2", GOOD, Settings::explicit(&[P1]), valid(&[P1])),
        case(
            "4.8.1.3",
            GOOD,
            Settings::explicit(&[P2]),
            Expected::Invalid,
        ),
        case("4.8.1.4", GOOD, Settings::explicit(&[P1, P2]), valid(&[P1])),
        case("4.8.2.1", NO_POLICIES, Settings::DEFAULT, valid(&[])),
        case(
            "4.8.2.2",
            NO_POLICIES,
            Settings::explicit(&[ANY]),
            Expected::Invalid,
        ),
        case("4.8.3.1", DIFFERENT_3, Settings::DEFAULT, valid(&[])),
        case(
            "4.8.3.2",
            DIFFERENT_3,
            Settings::explicit(&[ANY]),
            Expected::Invalid,
        ),
        case(
            "4.8.3.3",
            DIFFERENT_3,
            Settings::explicit(&[P1, P2]),
            Expected::Invalid,
        ),
        case(
            "4.8.4",
            &["GoodCACert", "GoodsubCACert", "DifferentPoliciesTest4EE"],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
        case(
            "4.8.5",
            &[
                "GoodCACert",
                "PoliciesP2subCA2Cert",
                "DifferentPoliciesTest5EE",
            ],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
        case("4.8.6.1", OVERLAPPING_6, Settings::DEFAULT, valid(&[P1])),
        case(
            "4.8.6.2",
            OVERLAPPING_6,
            Settings::policies(&[P1]),
            valid(&[P1]),
        ),
        case(
            "4.8.6.3",
            OVERLAPPING_6,
            Settings::policies(&[P2]),
            Expected::Invalid,
        ),
        case(
            "4.8.7",
            &[
                "PoliciesP123CACert",
                "PoliciesP123subCAP12Cert",
                "PoliciesP123subsubCAP12P1Cert",
                "DifferentPoliciesTest7EE",
            ],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
        case(
            "4.8.8",
            &[
                "PoliciesP12CACert",
                "PoliciesP12subCAP1Cert",
                "PoliciesP12subsubCAP1P2Cert",
                "DifferentPoliciesTest8EE",
            ],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
        case(
            "4.8.9",
            &[
                "PoliciesP123CACert",
                "PoliciesP123subCAP12Cert",
                "PoliciesP123subsubCAP12P2Cert",
                "PoliciesP123subsubsubCAP12P2P1Cert",
                "DifferentPoliciesTest9EE",
            ],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
        case("4.8.10.1", SAME_10, Settings::DEFAULT, valid(&[P1, P2])),
        case("4.8.10.2", SAME_10, Settings::policies(&[P1]), valid(&[P1])),
        case("4.8.10.3", SAME_10, Settings::policies(&[P2]), valid(&[P2])),
        case("4.8.11.1", ANY_11, Settings::DEFAULT, valid(&[ANY])),
        case("4.8.11.2", ANY_11, Settings::policies(&[P1]), valid(&[P1])),
        case(
            "4.8.12",
            &["PoliciesP3CACert", "DifferentPoliciesTest12EE"],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
        case("4.8.13.1", SAME_13, Settings::policies(&[P1]), valid(&[P1])),
        case("4.8.13.2", SAME_13, Settings::policies(&[P2]), valid(&[P2])),
        case("4.8.13.3", SAME_13, Settings::policies(&[P3]), valid(&[P3])),
        case("4.8.14.1", ANY_14, Settings::policies(&[P1]), valid(&[P1])),
        case(
            "4.8.14.2",
            ANY_14,
            Settings::policies(&[P2]),
            Expected::Invalid,
        ),
        case(
            "4.8.15",
            &["UserNoticeQualifierTest15EE"],
            Settings::DEFAULT,
            valid_for(&[P1]),
        ),
        case(
            "4.8.16",
            &["GoodCACert", "UserNoticeQualifierTest16EE"],
            Settings::DEFAULT,
            valid_for(&[P1]),
        ),
        case(
            "4.8.17",
            &["GoodCACert", "UserNoticeQualifierTest17EE"],
            Settings::DEFAULT,
            valid_for(&[P1]),
        ),
        case(
            "4.8.18.1",
            NOTICE_18,
            Settings::policies(&[P1]),
            valid(&[P1]),
        ),
        case(
            "4.8.18.2",
            NOTICE_18,
            Settings::policies(&[P2]),
            valid(&[P2]),
        ),
        case(
            "4.8.19",
            &["UserNoticeQualifierTest19EE"],
            Settings::DEFAULT,
            valid_for(&[P1]),
        ),
        // The document recommends running 4.8.20 with initial-explicit-policy set.
        case(
            "4.8.20",
            &["GoodCACert", "CPSPointerQualifierTest20EE"],
            Settings::explicit(&[ANY]),
            valid_for(&[P1]),
        ),
    ]);
}

#[test]
fn pkits_4_9_require_explicit_policy_matches_the_document() {
    check(&[
        case(
            "4.9.1",
            &[
                "requireExplicitPolicy10CACert",
                "requireExplicitPolicy10subCACert",
                "requireExplicitPolicy10subsubCACert",
                "requireExplicitPolicy10subsubsubCACert",
                "ValidrequireExplicitPolicyTest1EE",
            ],
            Settings::DEFAULT,
            valid(&[]),
        ),
        case(
            "4.9.2",
            &[
                "requireExplicitPolicy5CACert",
                "requireExplicitPolicy5subCACert",
                "requireExplicitPolicy5subsubCACert",
                "requireExplicitPolicy5subsubsubCACert",
                "ValidrequireExplicitPolicyTest2EE",
            ],
            Settings::DEFAULT,
            valid(&[]),
        ),
        case(
            "4.9.3",
            &[
                "requireExplicitPolicy4CACert",
                "requireExplicitPolicy4subCACert",
                "requireExplicitPolicy4subsubCACert",
                "requireExplicitPolicy4subsubsubCACert",
                "InvalidrequireExplicitPolicyTest3EE",
            ],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
        // The document gives no policy set for 4.9.4, only "should validate".
        case(
            "4.9.4",
            &[
                "requireExplicitPolicy0CACert",
                "requireExplicitPolicy0subCACert",
                "requireExplicitPolicy0subsubCACert",
                "requireExplicitPolicy0subsubsubCACert",
                "ValidrequireExplicitPolicyTest4EE",
            ],
            Settings::DEFAULT,
            Expected::Valid {
                user: None,
                authorities: None,
            },
        ),
        case(
            "4.9.5",
            &[
                "requireExplicitPolicy7CACert",
                "requireExplicitPolicy7subCARE2Cert",
                "requireExplicitPolicy7subsubCARE2RE4Cert",
                "requireExplicitPolicy7subsubsubCARE2RE4Cert",
                "InvalidrequireExplicitPolicyTest5EE",
            ],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
        case(
            "4.9.6",
            &[
                "requireExplicitPolicy2CACert",
                "requireExplicitPolicy2SelfIssuedCACert",
                "ValidSelfIssuedrequireExplicitPolicyTest6EE",
            ],
            Settings::DEFAULT,
            valid(&[]),
        ),
        case(
            "4.9.7",
            &[
                "requireExplicitPolicy2CACert",
                "requireExplicitPolicy2SelfIssuedCACert",
                "requireExplicitPolicy2subCACert",
                "InvalidSelfIssuedrequireExplicitPolicyTest7EE",
            ],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
        case(
            "4.9.8",
            &[
                "requireExplicitPolicy2CACert",
                "requireExplicitPolicy2SelfIssuedCACert",
                "requireExplicitPolicy2subCACert",
                "requireExplicitPolicy2SelfIssuedsubCACert",
                "InvalidSelfIssuedrequireExplicitPolicyTest8EE",
            ],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
    ]);
}

const MAPPING_1: &[&str] = &["Mapping1to2CACert", "ValidPolicyMappingTest1EE"];
const MAPPING_2: &[&str] = &["Mapping1to2CACert", "InvalidPolicyMappingTest2EE"];
const MAPPING_3: &[&str] = &[
    "P12Mapping1to3CACert",
    "P12Mapping1to3subCACert",
    "P12Mapping1to3subsubCACert",
    "ValidPolicyMappingTest3EE",
];
const MAPPING_5: &[&str] = &[
    "P1Mapping1to234CACert",
    "P1Mapping1to234subCACert",
    "ValidPolicyMappingTest5EE",
];
const MAPPING_6: &[&str] = &[
    "P1Mapping1to234CACert",
    "P1Mapping1to234subCACert",
    "ValidPolicyMappingTest6EE",
];
const MAPPING_12: &[&str] = &["P12Mapping1to3CACert", "ValidPolicyMappingTest12EE"];
const MAPPING_13: &[&str] = &["P1anyPolicyMapping1to2CACert", "ValidPolicyMappingTest13EE"];

#[test]
fn pkits_4_10_policy_mappings_match_the_document() {
    let inhibit_mapping = Settings {
        mapping_inhibit: true,
        ..Settings::DEFAULT
    };
    check(&[
        case(
            "4.10.1.1",
            MAPPING_1,
            Settings::policies(&[P1]),
            valid(&[P1]),
        ),
        case(
            "4.10.1.2",
            MAPPING_1,
            Settings::policies(&[P2]),
            Expected::Invalid,
        ),
        case("4.10.1.3", MAPPING_1, inhibit_mapping, Expected::Invalid),
        case("4.10.2.1", MAPPING_2, Settings::DEFAULT, Expected::Invalid),
        case("4.10.2.2", MAPPING_2, inhibit_mapping, Expected::Invalid),
        case(
            "4.10.3.1",
            MAPPING_3,
            Settings::policies(&[P1]),
            Expected::Invalid,
        ),
        case(
            "4.10.3.2",
            MAPPING_3,
            Settings::policies(&[P2]),
            valid(&[P2]),
        ),
        case(
            "4.10.4",
            &[
                "P12Mapping1to3CACert",
                "P12Mapping1to3subCACert",
                "P12Mapping1to3subsubCACert",
                "InvalidPolicyMappingTest4EE",
            ],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
        case(
            "4.10.5.1",
            MAPPING_5,
            Settings::policies(&[P1]),
            valid(&[P1]),
        ),
        case(
            "4.10.5.2",
            MAPPING_5,
            Settings::policies(&[P6]),
            Expected::Invalid,
        ),
        case(
            "4.10.6.1",
            MAPPING_6,
            Settings::policies(&[P1]),
            valid(&[P1]),
        ),
        case(
            "4.10.6.2",
            MAPPING_6,
            Settings::policies(&[P6]),
            Expected::Invalid,
        ),
        case(
            "4.10.7",
            &[
                "MappingFromanyPolicyCACert",
                "InvalidMappingFromanyPolicyTest7EE",
            ],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
        case(
            "4.10.8",
            &[
                "MappingToanyPolicyCACert",
                "InvalidMappingToanyPolicyTest8EE",
            ],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
        case(
            "4.10.9",
            &["PanyPolicyMapping1to2CACert", "ValidPolicyMappingTest9EE"],
            Settings::DEFAULT,
            valid_for(&[P1]),
        ),
        case(
            "4.10.10",
            &[
                "GoodCACert",
                "GoodsubCAPanyPolicyMapping1to2CACert",
                "InvalidPolicyMappingTest10EE",
            ],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
        case(
            "4.10.11",
            &[
                "GoodCACert",
                "GoodsubCAPanyPolicyMapping1to2CACert",
                "ValidPolicyMappingTest11EE",
            ],
            Settings::DEFAULT,
            valid_for(&[P1]),
        ),
        case(
            "4.10.12.1",
            MAPPING_12,
            Settings::policies(&[P1]),
            valid(&[P1]),
        ),
        case(
            "4.10.12.2",
            MAPPING_12,
            Settings::policies(&[P2]),
            valid(&[P2]),
        ),
        case("4.10.13", MAPPING_13, Settings::DEFAULT, valid_for(&[P1])),
        // The 4.10.13 text also covers other initial-policy-sets: one that includes
        // NIST-test-policy-1 gives {NIST-test-policy-1}; one that does not is rejected.
        case(
            "4.10.13",
            MAPPING_13,
            Settings::policies(&[P1, P2]),
            valid(&[P1]),
        ),
        case(
            "4.10.13",
            MAPPING_13,
            Settings::policies(&[P2]),
            Expected::Invalid,
        ),
        case(
            "4.10.14",
            &["P1anyPolicyMapping1to2CACert", "ValidPolicyMappingTest14EE"],
            Settings::DEFAULT,
            valid_for(&[P1]),
        ),
    ]);
}

#[test]
fn pkits_4_11_inhibit_policy_mapping_matches_the_document() {
    check(&[
        case(
            "4.11.1",
            &[
                "inhibitPolicyMapping0CACert",
                "inhibitPolicyMapping0subCACert",
                "InvalidinhibitPolicyMappingTest1EE",
            ],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
        case(
            "4.11.2",
            &[
                "inhibitPolicyMapping1P12CACert",
                "inhibitPolicyMapping1P12subCACert",
                "ValidinhibitPolicyMappingTest2EE",
            ],
            Settings::DEFAULT,
            valid_for(&[P1]),
        ),
        case(
            "4.11.3",
            &[
                "inhibitPolicyMapping1P12CACert",
                "inhibitPolicyMapping1P12subCACert",
                "inhibitPolicyMapping1P12subsubCACert",
                "InvalidinhibitPolicyMappingTest3EE",
            ],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
        case(
            "4.11.4",
            &[
                "inhibitPolicyMapping1P12CACert",
                "inhibitPolicyMapping1P12subCACert",
                "inhibitPolicyMapping1P12subsubCACert",
                "ValidinhibitPolicyMappingTest4EE",
            ],
            Settings::DEFAULT,
            valid_for(&[P2]),
        ),
        case(
            "4.11.5",
            &[
                "inhibitPolicyMapping5CACert",
                "inhibitPolicyMapping5subCACert",
                "inhibitPolicyMapping5subsubCACert",
                "inhibitPolicyMapping5subsubsubCACert",
                "InvalidinhibitPolicyMappingTest5EE",
            ],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
        case(
            "4.11.6",
            &[
                "inhibitPolicyMapping1P12CACert",
                "inhibitPolicyMapping1P12subCAIPM5Cert",
                "inhibitPolicyMapping1P12subsubCAIPM5Cert",
                "InvalidinhibitPolicyMappingTest6EE",
            ],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
        case(
            "4.11.7",
            &[
                "inhibitPolicyMapping1P1CACert",
                "inhibitPolicyMapping1P1SelfIssuedCACert",
                "inhibitPolicyMapping1P1subCACert",
                "ValidSelfIssuedinhibitPolicyMappingTest7EE",
            ],
            Settings::DEFAULT,
            valid_for(&[P1]),
        ),
        case(
            "4.11.8",
            &[
                "inhibitPolicyMapping1P1CACert",
                "inhibitPolicyMapping1P1SelfIssuedCACert",
                "inhibitPolicyMapping1P1subCACert",
                "inhibitPolicyMapping1P1subsubCACert",
                "InvalidSelfIssuedinhibitPolicyMappingTest8EE",
            ],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
        case(
            "4.11.9",
            &[
                "inhibitPolicyMapping1P1CACert",
                "inhibitPolicyMapping1P1SelfIssuedCACert",
                "inhibitPolicyMapping1P1subCACert",
                "inhibitPolicyMapping1P1subsubCACert",
                "InvalidSelfIssuedinhibitPolicyMappingTest9EE",
            ],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
        case(
            "4.11.10",
            &[
                "inhibitPolicyMapping1P1CACert",
                "inhibitPolicyMapping1P1SelfIssuedCACert",
                "inhibitPolicyMapping1P1subCACert",
                "inhibitPolicyMapping1P1SelfIssuedsubCACert",
                "InvalidSelfIssuedinhibitPolicyMappingTest10EE",
            ],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
        case(
            "4.11.11",
            &[
                "inhibitPolicyMapping1P1CACert",
                "inhibitPolicyMapping1P1SelfIssuedCACert",
                "inhibitPolicyMapping1P1subCACert",
                "inhibitPolicyMapping1P1SelfIssuedsubCACert",
                "InvalidSelfIssuedinhibitPolicyMappingTest11EE",
            ],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
    ]);
}

const INHIBIT_ANY_3: &[&str] = &[
    "inhibitAnyPolicy1CACert",
    "inhibitAnyPolicy1subCA1Cert",
    "inhibitAnyPolicyTest3EE",
];

#[test]
fn pkits_4_12_inhibit_any_policy_matches_the_document() {
    let inhibit_any = Settings {
        any_policy_inhibit: true,
        ..Settings::DEFAULT
    };
    check(&[
        case(
            "4.12.1",
            &["inhibitAnyPolicy0CACert", "InvalidinhibitAnyPolicyTest1EE"],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
        case(
            "4.12.2",
            &["inhibitAnyPolicy0CACert", "ValidinhibitAnyPolicyTest2EE"],
            Settings::DEFAULT,
            valid_for(&[P1]),
        ),
        case("4.12.3.1", INHIBIT_ANY_3, Settings::DEFAULT, valid(&[P1])),
        case("4.12.3.2", INHIBIT_ANY_3, inhibit_any, Expected::Invalid),
        case(
            "4.12.4",
            &[
                "inhibitAnyPolicy1CACert",
                "inhibitAnyPolicy1subCA1Cert",
                "InvalidinhibitAnyPolicyTest4EE",
            ],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
        case(
            "4.12.5",
            &[
                "inhibitAnyPolicy5CACert",
                "inhibitAnyPolicy5subCACert",
                "inhibitAnyPolicy5subsubCACert",
                "InvalidinhibitAnyPolicyTest5EE",
            ],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
        case(
            "4.12.6",
            &[
                "inhibitAnyPolicy1CACert",
                "inhibitAnyPolicy1subCAIAP5Cert",
                "InvalidinhibitAnyPolicyTest6EE",
            ],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
        case(
            "4.12.7",
            &[
                "inhibitAnyPolicy1CACert",
                "inhibitAnyPolicy1SelfIssuedCACert",
                "inhibitAnyPolicy1subCA2Cert",
                "ValidSelfIssuedinhibitAnyPolicyTest7EE",
            ],
            Settings::DEFAULT,
            valid_for(&[P1]),
        ),
        case(
            "4.12.8",
            &[
                "inhibitAnyPolicy1CACert",
                "inhibitAnyPolicy1SelfIssuedCACert",
                "inhibitAnyPolicy1subCA2Cert",
                "inhibitAnyPolicy1subsubCA2Cert",
                "InvalidSelfIssuedinhibitAnyPolicyTest8EE",
            ],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
        case(
            "4.12.9",
            &[
                "inhibitAnyPolicy1CACert",
                "inhibitAnyPolicy1SelfIssuedCACert",
                "inhibitAnyPolicy1subCA2Cert",
                "inhibitAnyPolicy1SelfIssuedsubCA2Cert",
                "ValidSelfIssuedinhibitAnyPolicyTest9EE",
            ],
            Settings::DEFAULT,
            valid_for(&[P1]),
        ),
        case(
            "4.12.10",
            &[
                "inhibitAnyPolicy1CACert",
                "inhibitAnyPolicy1SelfIssuedCACert",
                "inhibitAnyPolicy1subCA2Cert",
                "InvalidSelfIssuedinhibitAnyPolicyTest10EE",
            ],
            Settings::DEFAULT,
            Expected::Invalid,
        ),
    ]);
}

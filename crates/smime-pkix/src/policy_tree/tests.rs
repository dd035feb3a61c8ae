//! Policy processing over small certificate lists built here. Signatures, keys and dates
//! are placeholders: this module reads names and the four policy extensions only.

use std::str::FromStr;
use std::time::Duration;

use const_oid::db::rfc5280::{ID_CE_CERTIFICATE_POLICIES, ID_CE_POLICY_CONSTRAINTS, ID_QT_CPS};
use der::asn1::{Any, BitString, Ia5String, OctetString};
use der::Encode;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::certificate::{TbsCertificate, Version};
use x509_cert::ext::pkix::certpolicy::{PolicyInformation, PolicyQualifierInfo};
use x509_cert::ext::pkix::{PolicyMapping, PolicyMappings};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;

use super::*;

const P1: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.2.1.48.1");
const P2: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.2.1.48.2");
const P3: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.2.1.48.3");
const ANY: ObjectIdentifier = ANY_POLICY;
/// An algorithm OID for the placeholder signature and key (Ed25519).
const PLACEHOLDER_ALGORITHM: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

fn extension(oid: ObjectIdentifier, value: Vec<u8>) -> Extension {
    Extension {
        extn_id: oid,
        critical: false,
        extn_value: OctetString::new(value).unwrap(),
    }
}

/// certificatePolicies with the given policies, no qualifiers.
fn policies(oids: &[ObjectIdentifier]) -> Extension {
    let information: Vec<PolicyInformation> = oids
        .iter()
        .map(|oid| PolicyInformation {
            policy_identifier: *oid,
            policy_qualifiers: None,
        })
        .collect();
    extension(
        ID_CE_CERTIFICATE_POLICIES,
        CertificatePolicies(information).to_der().unwrap(),
    )
}

fn mappings(pairs: &[(ObjectIdentifier, ObjectIdentifier)]) -> Extension {
    let list = pairs
        .iter()
        .map(|(issuer, subject)| PolicyMapping {
            issuer_domain_policy: *issuer,
            subject_domain_policy: *subject,
        })
        .collect();
    extension(PolicyMappings::OID, PolicyMappings(list).to_der().unwrap())
}

fn constraints(require_explicit: Option<u32>, inhibit_mapping: Option<u32>) -> Extension {
    let value = PolicyConstraints {
        require_explicit_policy: require_explicit,
        inhibit_policy_mapping: inhibit_mapping,
    };
    extension(ID_CE_POLICY_CONSTRAINTS, value.to_der().unwrap())
}

fn inhibit_any_policy(skip: u32) -> Extension {
    extension(
        InhibitAnyPolicy::OID,
        InhibitAnyPolicy(skip).to_der().unwrap(),
    )
}

fn certificate(subject: &str, issuer: &str, extensions: Vec<Extension>) -> Certificate {
    let algorithm = AlgorithmIdentifierOwned {
        oid: PLACEHOLDER_ALGORITHM,
        parameters: None,
    };
    Certificate {
        tbs_certificate: TbsCertificate {
            version: Version::V3,
            serial_number: SerialNumber::new(&[1]).unwrap(),
            signature: algorithm.clone(),
            issuer: Name::from_str(issuer).unwrap(),
            validity: Validity::from_now(Duration::from_secs(3600)).unwrap(),
            subject: Name::from_str(subject).unwrap(),
            subject_public_key_info: SubjectPublicKeyInfoOwned {
                algorithm: algorithm.clone(),
                subject_public_key: BitString::from_bytes(&[0; 32]).unwrap(),
            },
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions: Some(extensions),
        },
        signature_algorithm: algorithm,
        signature: BitString::from_bytes(&[0; 64]).unwrap(),
    }
}

/// A path of certificates each issued by the previous one, the first by "CN=Anchor".
/// `self_issued[k]` makes certificate k + 1 carry its issuer's name as subject.
struct PathBuilder {
    certificates: Vec<Certificate>,
    issuer: String,
}

impl PathBuilder {
    fn new() -> Self {
        PathBuilder {
            certificates: Vec::new(),
            issuer: "CN=Anchor".to_owned(),
        }
    }

    fn ca(mut self, extensions: Vec<Extension>) -> Self {
        let subject = format!("CN=CA{}", self.certificates.len() + 1);
        self.certificates
            .push(certificate(&subject, &self.issuer, extensions));
        self.issuer = subject;
        self
    }

    /// A CA certificate whose subject is its issuer's name (key rollover).
    fn self_issued(mut self, extensions: Vec<Extension>) -> Self {
        let name = self.issuer.clone();
        self.certificates
            .push(certificate(&name, &name, extensions));
        self
    }

    fn end_entity(mut self, extensions: Vec<Extension>) -> Vec<Certificate> {
        self.certificates
            .push(certificate("CN=Leaf", &self.issuer, extensions));
        self.certificates
    }
}

fn run(path: &[Certificate], inputs: &PolicyInputs) -> Result<ValidPolicies, PolicyFailure> {
    let mut processor = PolicyProcessor::new(inputs, path.len());
    for (index, certificate) in path.iter().enumerate() {
        processor.process_certificate(certificate, index + 1)?;
    }
    processor.finish()
}

fn inputs(initial: &[ObjectIdentifier], explicit: bool) -> PolicyInputs {
    PolicyInputs {
        initial_policy_set: initial.to_vec(),
        initial_explicit_policy: explicit,
        ..PolicyInputs::default()
    }
}

fn set(oids: &[ObjectIdentifier]) -> BTreeSet<ObjectIdentifier> {
    oids.iter().copied().collect()
}

#[test]
fn policy_same_policy_on_every_certificate_is_valid_for_it() {
    let path = PathBuilder::new()
        .ca(vec![policies(&[P1])])
        .end_entity(vec![policies(&[P1])]);
    let valid = run(&path, &inputs(&[], true)).unwrap();
    assert_eq!(valid.authorities_constrained, set(&[P1]));
    assert_eq!(valid.user_constrained, set(&[P1]));
    assert!(valid.explicit_policy_required);
}

#[test]
fn policy_qualifiers_present_or_absent_are_accepted() {
    let with_cps = PolicyInformation {
        policy_identifier: P2,
        policy_qualifiers: Some(vec![PolicyQualifierInfo {
            policy_qualifier_id: ID_QT_CPS,
            qualifier: Some(
                Any::encode_from(&Ia5String::new("http://cps.example/").unwrap()).unwrap(),
            ),
        }]),
    };
    let without = PolicyInformation {
        policy_identifier: P1,
        policy_qualifiers: None,
    };
    let leaf_policies = extension(
        ID_CE_CERTIFICATE_POLICIES,
        CertificatePolicies(vec![without, with_cps])
            .to_der()
            .unwrap(),
    );
    let path = PathBuilder::new()
        .ca(vec![policies(&[P1, P2])])
        .end_entity(vec![leaf_policies]);
    let valid = run(&path, &inputs(&[], true)).unwrap();
    assert_eq!(valid.user_constrained, set(&[P1, P2]));
}

#[test]
fn policy_missing_extension_without_explicit_policy_is_valid_with_no_policy() {
    let path = PathBuilder::new()
        .ca(vec![policies(&[P1])])
        .end_entity(vec![]);
    let valid = run(&path, &PolicyInputs::default()).unwrap();
    assert!(valid.authorities_constrained.is_empty());
    assert!(valid.user_constrained.is_empty());
    assert!(!valid.explicit_policy_required);
}

#[test]
fn policy_missing_extension_with_explicit_policy_fails_at_that_certificate() {
    let path = PathBuilder::new()
        .ca(vec![])
        .end_entity(vec![policies(&[P1])]);
    let failure = run(&path, &inputs(&[], true)).unwrap_err();
    assert_eq!(failure.section, "6.1.3 (f)");
    assert_eq!(failure.certificate, Some(1));
    assert!(
        failure.to_string().contains("after certificate 1"),
        "{failure}"
    );
}

#[test]
fn policy_user_set_disjoint_from_path_policies_fails_with_explicit_policy() {
    let path = PathBuilder::new()
        .ca(vec![policies(&[P1, P2])])
        .end_entity(vec![policies(&[P1])]);
    let failure = run(&path, &inputs(&[P2], true)).unwrap_err();
    assert_eq!(failure.section, "6.1.5 (g)");
    let valid = run(&path, &inputs(&[P2], false)).unwrap();
    assert_eq!(valid.authorities_constrained, set(&[P1]));
    assert!(valid.user_constrained.is_empty());
}

#[test]
fn policy_any_policy_expands_to_the_issuers_policies() {
    let path = PathBuilder::new()
        .ca(vec![policies(&[P1, P2])])
        .ca(vec![policies(&[ANY])])
        .end_entity(vec![policies(&[P2])]);
    let valid = run(&path, &inputs(&[], true)).unwrap();
    assert_eq!(valid.user_constrained, set(&[P2]));
}

#[test]
fn policy_any_policy_throughout_is_valid_for_any_policy_or_the_users() {
    let path = PathBuilder::new()
        .ca(vec![policies(&[ANY])])
        .end_entity(vec![policies(&[ANY])]);
    let valid = run(&path, &inputs(&[], true)).unwrap();
    assert_eq!(valid.user_constrained, set(&[ANY]));
    let valid = run(&path, &inputs(&[P1, P3], true)).unwrap();
    assert_eq!(valid.authorities_constrained, set(&[ANY]));
    assert_eq!(valid.user_constrained, set(&[P1, P3]));
}

#[test]
fn policy_mapping_maps_issuer_domain_policy_to_subject_domain() {
    let path = PathBuilder::new()
        .ca(vec![policies(&[P1]), mappings(&[(P1, P2)])])
        .end_entity(vec![policies(&[P2])]);
    let valid = run(&path, &inputs(&[P1], true)).unwrap();
    // The policy is reported in the trust anchor's domain.
    assert_eq!(valid.user_constrained, set(&[P1]));
    let failure = run(&path, &inputs(&[P2], true)).unwrap_err();
    assert_eq!(failure.section, "6.1.5 (g)");
}

#[test]
fn policy_mapping_of_policy_covered_by_any_policy_creates_its_node() {
    let path = PathBuilder::new()
        .ca(vec![policies(&[ANY]), mappings(&[(P1, P2)])])
        .end_entity(vec![policies(&[P2])]);
    let valid = run(&path, &inputs(&[P1], true)).unwrap();
    assert_eq!(valid.user_constrained, set(&[P1]));
}

#[test]
fn policy_mapping_inhibited_by_input_deletes_mapped_policy() {
    let path = PathBuilder::new()
        .ca(vec![policies(&[P1]), mappings(&[(P1, P2)])])
        .end_entity(vec![policies(&[P2])]);
    let mut inhibited = inputs(&[], true);
    inhibited.initial_policy_mapping_inhibit = true;
    let failure = run(&path, &inhibited).unwrap_err();
    // 6.1.4 (b)(2) deletes the P1 node, so the tree is NULL before the leaf.
    assert_eq!(failure.section, "6.1.3 (f)");
    assert_eq!(failure.certificate, Some(2));
}

#[test]
fn policy_inhibit_policy_mapping_constraint_counts_certificates() {
    let build = |skip: u32| {
        PathBuilder::new()
            .ca(vec![policies(&[P1]), constraints(None, Some(skip))])
            .ca(vec![policies(&[P1]), mappings(&[(P1, P2)])])
            .end_entity(vec![policies(&[P2])])
    };
    let failure = run(&build(0), &inputs(&[], true)).unwrap_err();
    assert_eq!(failure.section, "6.1.3 (f)");
    assert_eq!(failure.certificate, Some(3));
    let valid = run(&build(1), &inputs(&[], true)).unwrap();
    assert_eq!(valid.user_constrained, set(&[P1]));
}

#[test]
fn policy_require_explicit_policy_counts_only_non_self_issued_certificates() {
    let leaf = || vec![]; // no certificatePolicies: valid only if no explicit policy is required
    let plain = PathBuilder::new()
        .ca(vec![policies(&[P1]), constraints(Some(2), None)])
        .ca(vec![policies(&[P1])])
        .end_entity(leaf());
    let failure = run(&plain, &PolicyInputs::default()).unwrap_err();
    assert_eq!(failure.section, "6.1.5 (g)");
    let rollover = PathBuilder::new()
        .ca(vec![policies(&[P1]), constraints(Some(2), None)])
        .self_issued(vec![policies(&[P1])])
        .end_entity(leaf());
    let valid = run(&rollover, &PolicyInputs::default()).unwrap();
    assert!(valid.user_constrained.is_empty());
    assert!(!valid.explicit_policy_required);
}

#[test]
fn policy_require_explicit_policy_zero_fails_when_tree_becomes_null() {
    let path = PathBuilder::new()
        .ca(vec![policies(&[P1]), constraints(Some(0), None)])
        .ca(vec![policies(&[P1])])
        .end_entity(vec![policies(&[P2])]);
    let failure = run(&path, &PolicyInputs::default()).unwrap_err();
    assert_eq!(failure.section, "6.1.3 (f)");
    assert_eq!(failure.certificate, Some(3));
}

#[test]
fn policy_end_entity_require_explicit_policy_zero_applies_in_wrap_up() {
    let build = |leaf_constraints: Vec<Extension>| {
        let mut extensions = vec![policies(&[P2])];
        extensions.extend(leaf_constraints);
        PathBuilder::new()
            .ca(vec![policies(&[P1])])
            .end_entity(extensions)
    };
    let valid = run(&build(vec![]), &PolicyInputs::default()).unwrap();
    assert!(valid.user_constrained.is_empty());
    let failure = run(
        &build(vec![constraints(Some(0), None)]),
        &PolicyInputs::default(),
    )
    .unwrap_err();
    assert_eq!(failure.section, "6.1.5 (g)");
}

#[test]
fn policy_inhibit_any_policy_stops_any_policy_expansion() {
    let build = |skip: u32| {
        PathBuilder::new()
            .ca(vec![policies(&[ANY]), inhibit_any_policy(skip)])
            .ca(vec![policies(&[ANY])])
            .end_entity(vec![policies(&[P1])])
    };
    let failure = run(&build(0), &inputs(&[], true)).unwrap_err();
    assert_eq!(failure.section, "6.1.3 (f)");
    assert_eq!(failure.certificate, Some(2));
    let valid = run(&build(1), &inputs(&[], true)).unwrap();
    assert_eq!(valid.user_constrained, set(&[P1]));
}

#[test]
fn policy_initial_any_policy_inhibit_ignores_any_policy() {
    let path = PathBuilder::new()
        .ca(vec![policies(&[ANY])])
        .end_entity(vec![policies(&[P1])]);
    let mut inhibited = inputs(&[], true);
    inhibited.initial_any_policy_inhibit = true;
    let failure = run(&path, &inhibited).unwrap_err();
    assert_eq!(failure.certificate, Some(1));
    assert!(run(&path, &inputs(&[], true)).is_ok());
}

#[test]
fn policy_self_issued_intermediate_processes_any_policy_despite_inhibit() {
    let path = PathBuilder::new()
        .ca(vec![policies(&[ANY]), inhibit_any_policy(0)])
        .self_issued(vec![policies(&[ANY])])
        .end_entity(vec![policies(&[P1])]);
    let valid = run(&path, &inputs(&[], true)).unwrap();
    assert_eq!(valid.user_constrained, set(&[P1]));
    let not_self_issued = PathBuilder::new()
        .ca(vec![policies(&[ANY]), inhibit_any_policy(0)])
        .ca(vec![policies(&[ANY])])
        .end_entity(vec![policies(&[P1])]);
    let failure = run(&not_self_issued, &inputs(&[], true)).unwrap_err();
    assert_eq!(failure.certificate, Some(2));
}

#[test]
fn policy_mapping_from_or_to_any_policy_fails() {
    for pair in [(ANY, P1), (P1, ANY)] {
        let path = PathBuilder::new()
            .ca(vec![policies(&[P1]), mappings(&[pair])])
            .end_entity(vec![policies(&[P1])]);
        let failure = run(&path, &PolicyInputs::default()).unwrap_err();
        assert_eq!(failure.section, "6.1.4 (a)");
        assert_eq!(
            failure.reason,
            "policy mapping to or from anyPolicy in certificate 1"
        );
    }
}

#[test]
fn policy_malformed_extensions_fail_naming_the_extension() {
    let garbage = vec![0x30, 0x03, 0x02, 0x01];
    let cases = [
        (
            extension(ID_CE_CERTIFICATE_POLICIES, garbage.clone()),
            "4.2.1.4",
            "certificatePolicies",
        ),
        (
            extension(ID_CE_CERTIFICATE_POLICIES, vec![0x30, 0x00]),
            "4.2.1.4",
            "empty certificatePolicies",
        ),
        (policies(&[P1, P1]), "4.2.1.4", "appears twice"),
        (
            extension(ID_CE_POLICY_CONSTRAINTS, garbage.clone()),
            "4.2.1.11",
            "policyConstraints",
        ),
        (
            extension(ID_CE_POLICY_CONSTRAINTS, vec![0x30, 0x00]),
            "4.2.1.11",
            "empty policyConstraints",
        ),
        (
            extension(PolicyMappings::OID, garbage.clone()),
            "4.2.1.5",
            "policyMappings",
        ),
        (
            extension(InhibitAnyPolicy::OID, vec![0x04, 0x00]),
            "4.2.1.14",
            "inhibitAnyPolicy",
        ),
    ];
    for (bad, section, name) in cases {
        let mut extensions = vec![bad];
        if section != "4.2.1.4" {
            extensions.push(policies(&[P1]));
        }
        let path = PathBuilder::new()
            .ca(extensions)
            .end_entity(vec![policies(&[P1])]);
        let failure = run(&path, &PolicyInputs::default()).unwrap_err();
        assert_eq!(failure.section, section, "{failure}");
        assert_eq!(failure.certificate, Some(1));
        assert!(failure.reason.contains(name), "{failure}");
    }
}

#[test]
fn policy_repeated_extension_fails() {
    let path = PathBuilder::new()
        .ca(vec![policies(&[P1]), policies(&[P2])])
        .end_entity(vec![policies(&[P1])]);
    let failure = run(&path, &PolicyInputs::default()).unwrap_err();
    assert_eq!(failure.section, "4.2.1.4");
}

#[test]
fn policy_hostile_mappings_stop_at_node_bound() {
    // Every CA maps each of ten policies to all ten: the RFC 5280 tree grows tenfold per
    // certificate.
    let ten: Vec<ObjectIdentifier> = (1..=10u32)
        .map(|k| ObjectIdentifier::new(&format!("1.2.3.{k}")).unwrap())
        .collect();
    let all_pairs: Vec<(ObjectIdentifier, ObjectIdentifier)> = ten
        .iter()
        .flat_map(|issuer| ten.iter().map(move |subject| (*issuer, *subject)))
        .collect();
    let mut builder = PathBuilder::new();
    for _ in 0..8 {
        builder = builder.ca(vec![policies(&ten), mappings(&all_pairs)]);
    }
    let path = builder.end_entity(vec![policies(&ten)]);
    let failure = run(&path, &PolicyInputs::default()).unwrap_err();
    assert_eq!(failure.section, "6.1.3 (d)");
    assert!(failure.reason.contains("10000 nodes"), "{failure}");
    assert_eq!(failure.certificate, Some(4));
}

#[test]
fn policy_certificates_out_of_order_fail() {
    let path = PathBuilder::new()
        .ca(vec![policies(&[P1])])
        .end_entity(vec![policies(&[P1])]);
    let mut processor = PolicyProcessor::new(&PolicyInputs::default(), 2);
    let failure = processor.process_certificate(&path[1], 2).unwrap_err();
    assert_eq!(failure.section, "6.1");
    processor.process_certificate(&path[0], 1).unwrap();
    let failure = processor.finish().unwrap_err();
    assert!(failure.reason.contains("before certificate 2"), "{failure}");
}

#[test]
fn policy_valid_policies_serialize_as_dotted_oids() {
    let path = PathBuilder::new()
        .ca(vec![policies(&[ANY])])
        .end_entity(vec![policies(&[P1])]);
    let valid = run(&path, &PolicyInputs::default()).unwrap();
    let json = serde_json::to_value(&valid).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "authorities_constrained": ["2.16.840.1.101.3.2.1.48.1"],
            "user_constrained": ["2.16.840.1.101.3.2.1.48.1"],
            "explicit_policy_required": false,
        })
    );
}

#[test]
fn policy_mapping_fan_out_stops_at_expected_policy_bound() {
    // Sixty issuer policies all map to P1, so sixty P1 nodes share depth 2; the next CA
    // maps P1 to 2,000 policies, which would give each of them 2,000 expected policies.
    let oids = |arc: u32, count: u32| -> Vec<ObjectIdentifier> {
        (1..=count)
            .map(|k| ObjectIdentifier::new(&format!("1.2.{arc}.{k}")).unwrap())
            .collect()
    };
    let sixty = oids(3, 60);
    let to_p1: Vec<_> = sixty.iter().map(|q| (*q, P1)).collect();
    let fan_out: Vec<_> = oids(4, 2_000).into_iter().map(|s| (P1, s)).collect();
    let path = PathBuilder::new()
        .ca(vec![policies(&sixty), mappings(&to_p1)])
        .ca(vec![policies(&[P1]), mappings(&fan_out)])
        .end_entity(vec![policies(&[P1])]);
    let failure = run(&path, &PolicyInputs::default()).unwrap_err();
    assert_eq!(failure.section, "6.1.4 (b)");
    assert_eq!(failure.certificate, Some(2));
    assert!(failure.reason.contains("100000 entries"), "{failure}");
    // The same shape with a small fan-out is processed.
    let small: Vec<_> = oids(4, 10).into_iter().map(|s| (P1, s)).collect();
    let path = PathBuilder::new()
        .ca(vec![policies(&sixty), mappings(&to_p1)])
        .ca(vec![policies(&[P1]), mappings(&small)])
        .end_entity(vec![policies(&oids(4, 1))]);
    let valid = run(&path, &PolicyInputs::default()).unwrap();
    assert_eq!(valid.user_constrained, sixty.iter().copied().collect());
}

#[test]
fn policy_self_issued_is_decided_by_rfc_5280_name_matching() {
    // Subject and issuer differ only in case and spacing: the same name by RFC 5280 7.1,
    // so the certificate is self-issued and does not count against requireExplicitPolicy.
    let mut path = PathBuilder::new()
        .ca(vec![policies(&[P1]), constraints(Some(2), None)])
        .self_issued(vec![policies(&[P1])])
        .end_entity(vec![]);
    path[1].tbs_certificate.subject = Name::from_str("CN=ca1").unwrap();
    path[1].tbs_certificate.issuer = Name::from_str("CN=CA1").unwrap();
    path[2].tbs_certificate.issuer = Name::from_str("CN=ca1").unwrap();
    let valid = run(&path, &PolicyInputs::default()).unwrap();
    assert!(!valid.explicit_policy_required);
}

//! Certificate policy processing: the `valid_policy_tree` of RFC 5280 section 6.1.
//!
//! The path validator creates one [`PolicyProcessor`] per candidate path, feeds it each
//! certificate from the one issued by the trust anchor (1) down to the end entity (n), and
//! asks [`PolicyProcessor::finish`] for the outcome: the policies the path is valid for, or
//! the rule that failed. This module does nothing else (no signatures, names or dates).
//!
//! The tree is kept as one vector of nodes per depth, each node pointing at its parent in
//! the level above. Policy qualifiers are not kept: nothing downstream displays them and
//! dropping them keeps a node small. The whole tree is bounded by [`MAX_POLICY_NODES`]
//! and the expected_policy_sets of one depth by [`MAX_EXPECTED_POLICIES`]:
//! policy mappings can make the RFC 5280 tree grow exponentially with the path length
//! (RFC 9618 section 1), so a hostile certificate set fails with a clear error instead of
//! exhausting memory.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use const_oid::db::rfc5280::ANY_POLICY;
use const_oid::{AssociatedOid, ObjectIdentifier};
use der::Decode;
use serde::Serialize;
use x509_cert::ext::pkix::{
    CertificatePolicies, InhibitAnyPolicy, PolicyConstraints, PolicyMappings,
};
use x509_cert::Certificate;

use crate::names::NormalizedName;
use crate::options::PolicyInputs;

/// Most nodes the `valid_policy_tree` may hold, all depths together. Real paths need a
/// handful per certificate; past this the path is rejected (see the module documentation).
pub const MAX_POLICY_NODES: usize = 10_000;

/// Most entries the expected_policy_sets of one depth may hold together. Mapped sets are
/// shared, not copied, but every entry is looked at when the next certificate is processed,
/// so a policyMappings extension with thousands of subject policies must not multiply.
pub const MAX_EXPECTED_POLICIES: usize = 100_000;

/// Why certificate policy processing rejected a path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("RFC 5280 {section}: {reason}")]
pub struct PolicyFailure {
    /// The RFC 5280 section of the rule that failed, e.g. `6.1.3 (f)`, or of the extension
    /// that could not be decoded, e.g. `4.2.1.4` for certificatePolicies.
    pub section: &'static str,
    /// The certificate (1-based, n is the end entity) the rule failed on; `None` when the
    /// failure is in the wrap-up (RFC 5280 6.1.5).
    pub certificate: Option<usize>,
    /// What failed, in words.
    pub reason: String,
}

/// The policies a path is valid for (RFC 5280 6.1.6 and the PKITS outputs).
///
/// Sets hold policy OIDs in the trust anchor's policy domain: where a path maps policies,
/// the policy is named as the first certificate below anyPolicy asserted it. `anyPolicy`
/// (2.5.29.32.0) in a set means the path is valid for any policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidPolicies {
    /// authorities-constrained-policy-set: the policies the CAs of the path allow,
    /// whatever the user-initial-policy-set.
    #[serde(serialize_with = "serialize_oids")]
    pub authorities_constrained: BTreeSet<ObjectIdentifier>,
    /// user-constrained-policy-set: the authorities-constrained policies that are also in
    /// the user-initial-policy-set (RFC 5280 6.1.5 (g)).
    #[serde(serialize_with = "serialize_oids")]
    pub user_constrained: BTreeSet<ObjectIdentifier>,
    /// explicit-policy-indicator: the path was required to be valid for at least one policy
    /// (`explicit_policy` reached 0), by the user input or by a policyConstraints extension.
    pub explicit_policy_required: bool,
}

fn serialize_oids<S: serde::Serializer>(
    oids: &BTreeSet<ObjectIdentifier>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(oids.iter().map(ToString::to_string))
}

/// One node of the `valid_policy_tree` (RFC 5280 6.1.2 (a)), without its qualifier_set.
#[derive(Debug, Clone)]
struct PolicyNode {
    valid_policy: ObjectIdentifier,
    /// The expected_policy_set when a mapping replaced `{valid_policy}` (RFC 5280 6.1.4
    /// (b)(1)); shared by every node the same mapping applies to.
    mapped: Option<Arc<[ObjectIdentifier]>>,
    /// Index of the parent in the level above; unused at depth 0.
    parent: usize,
}

impl PolicyNode {
    fn new(valid_policy: ObjectIdentifier, parent: usize) -> Self {
        PolicyNode {
            valid_policy,
            mapped: None,
            parent,
        }
    }

    fn expected_policy_set(&self) -> &[ObjectIdentifier] {
        match &self.mapped {
            Some(subjects) => subjects,
            None => std::slice::from_ref(&self.valid_policy),
        }
    }

    fn is_any_policy(&self) -> bool {
        self.valid_policy == ANY_POLICY
    }
}

/// A non-NULL `valid_policy_tree`: `depths[d]` holds the nodes of depth d.
#[derive(Debug, Clone)]
struct PolicyTree {
    depths: Vec<Vec<PolicyNode>>,
}

impl PolicyTree {
    /// RFC 5280 6.1.2 (a): a single anyPolicy node of depth 0.
    fn new() -> Self {
        PolicyTree {
            depths: vec![vec![PolicyNode::new(ANY_POLICY, 0)]],
        }
    }

    fn node_count(&self) -> usize {
        self.depths.iter().map(Vec::len).sum()
    }

    fn level(&self, depth: usize) -> &[PolicyNode] {
        self.depths.get(depth).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The index of the anyPolicy node of `depth`, if any (there is at most one: only an
    /// anyPolicy node expects anyPolicy, and it gets one anyPolicy child).
    fn any_policy_node(&self, depth: usize) -> Option<usize> {
        self.level(depth).iter().position(PolicyNode::is_any_policy)
    }

    /// Deletes the nodes of `depth` whose `keep` entry is false, and all their
    /// descendants.
    fn remove(&mut self, depth: usize, keep: &[bool]) {
        let mut keep = keep.to_vec();
        for d in depth..self.depths.len() {
            let mut new_index = Vec::with_capacity(keep.len());
            let mut next = 0;
            for &kept in &keep {
                new_index.push(kept.then_some(next));
                if kept {
                    next += 1;
                }
            }
            let mut flags = keep.iter();
            if let Some(level) = self.depths.get_mut(d) {
                level.retain(|_| flags.next().copied().unwrap_or(true));
            }
            // The level below keeps the children of kept nodes, re-pointed at their
            // parents' new positions.
            let Some(below) = self.depths.get_mut(d + 1) else {
                break;
            };
            keep = below
                .iter()
                .map(|child| matches!(new_index.get(child.parent), Some(Some(_))))
                .collect();
            for child in below.iter_mut() {
                if let Some(Some(index)) = new_index.get(child.parent) {
                    child.parent = *index;
                }
            }
        }
    }

    /// Deletes every node of depth below `deepest` that has no child, repeatedly (RFC 5280
    /// 6.1.3 (d)(3), 6.1.4 (b)(2)(ii), 6.1.5 (g)(iii)(4)). Returns false when nothing is
    /// left, i.e. the tree is NULL.
    fn prune(&mut self, deepest: usize) -> bool {
        for d in (0..deepest.min(self.depths.len())).rev() {
            let mut has_child = vec![false; self.level(d).len()];
            for child in self.level(d + 1) {
                if let Some(flag) = has_child.get_mut(child.parent) {
                    *flag = true;
                }
            }
            if has_child.iter().any(|kept| !kept) {
                self.remove(d, &has_child);
            }
        }
        !self.level(0).is_empty()
    }

    /// The policy of the node at `depth`/`index` in the trust anchor's domain: the
    /// valid_policy of the topmost node on its path that is not anyPolicy (a mapped policy
    /// keeps the issuer-domain policy there), or anyPolicy when every node is anyPolicy.
    fn authority_policy(&self, depth: usize, index: usize) -> ObjectIdentifier {
        let mut policy = ANY_POLICY;
        let mut index = index;
        for d in (1..=depth).rev() {
            let Some(node) = self.level(d).get(index) else {
                break;
            };
            if !node.is_any_policy() {
                policy = node.valid_policy;
            }
            index = node.parent;
        }
        policy
    }

    /// The trust-anchor-domain policies of the nodes of `depth`.
    fn policies_at(&self, depth: usize) -> BTreeSet<ObjectIdentifier> {
        (0..self.level(depth).len())
            .map(|index| self.authority_policy(depth, index))
            .collect()
    }
}

/// The policy extensions of one certificate, decoded.
struct CertificatePolicyExtensions {
    /// certificatePolicies without anyPolicy; `None` when the extension is absent.
    policies: Option<Vec<ObjectIdentifier>>,
    /// certificatePolicies includes anyPolicy.
    any_policy: bool,
    /// issuerDomainPolicy -> subjectDomainPolicy values, in certificate order.
    mappings: BTreeMap<ObjectIdentifier, Arc<[ObjectIdentifier]>>,
    /// The policyMappings extension names anyPolicy on either side.
    maps_any_policy: bool,
    constraints: Option<PolicyConstraints>,
    inhibit_any_policy: Option<u32>,
    self_issued: bool,
}

/// Decodes the extension `T` of certificate `index`; a malformed or repeated extension is
/// a failure naming it.
fn extension<'a, T: Decode<'a> + AssociatedOid>(
    certificate: &'a Certificate,
    index: usize,
    name: &str,
    section: &'static str,
) -> Result<Option<T>, PolicyFailure> {
    certificate
        .tbs_certificate
        .get::<T>()
        .map(|found| found.map(|(_critical, value)| value))
        .map_err(|error| PolicyFailure {
            section,
            certificate: Some(index),
            reason: format!(
                "malformed or repeated {name} extension in certificate {index}: {error}"
            ),
        })
}

fn malformed(section: &'static str, index: usize, reason: String) -> PolicyFailure {
    PolicyFailure {
        section,
        certificate: Some(index),
        reason,
    }
}

impl CertificatePolicyExtensions {
    /// Decodes what policy processing reads of certificate `index`; `intermediate` is
    /// i < n (only intermediates' policyMappings and inhibitAnyPolicy are processed).
    fn decode(
        certificate: &Certificate,
        index: usize,
        intermediate: bool,
    ) -> Result<Self, PolicyFailure> {
        let mut any_policy = false;
        let policies = match extension::<CertificatePolicies>(
            certificate,
            index,
            "certificatePolicies",
            "4.2.1.4",
        )? {
            None => None,
            Some(CertificatePolicies(information)) => {
                if information.is_empty() {
                    return Err(malformed(
                        "4.2.1.4",
                        index,
                        format!("empty certificatePolicies extension in certificate {index}"),
                    ));
                }
                let mut seen = HashSet::new();
                let mut policies = Vec::with_capacity(information.len());
                for policy in information {
                    let oid = policy.policy_identifier;
                    // RFC 5280 4.2.1.4: a policy OID MUST NOT appear more than once.
                    if !seen.insert(oid) {
                        return Err(malformed(
                            "4.2.1.4",
                            index,
                            format!("policy {oid} appears twice in the certificatePolicies extension of certificate {index}"),
                        ));
                    }
                    if oid == ANY_POLICY {
                        any_policy = true;
                    } else {
                        policies.push(oid);
                    }
                }
                Some(policies)
            }
        };
        let mut mappings = BTreeMap::new();
        let mut maps_any_policy = false;
        let mut inhibit_any_policy = None;
        if intermediate {
            if let Some(PolicyMappings(list)) =
                extension::<PolicyMappings>(certificate, index, "policyMappings", "4.2.1.5")?
            {
                if list.is_empty() {
                    return Err(malformed(
                        "4.2.1.5",
                        index,
                        format!("empty policyMappings extension in certificate {index}"),
                    ));
                }
                let mut grouped: BTreeMap<ObjectIdentifier, Vec<ObjectIdentifier>> =
                    BTreeMap::new();
                let mut seen = HashSet::new();
                for mapping in list {
                    let (issuer, subject) =
                        (mapping.issuer_domain_policy, mapping.subject_domain_policy);
                    maps_any_policy |= issuer == ANY_POLICY || subject == ANY_POLICY;
                    if seen.insert((issuer, subject)) {
                        grouped.entry(issuer).or_default().push(subject);
                    }
                }
                mappings = grouped
                    .into_iter()
                    .map(|(issuer, subjects)| (issuer, Arc::from(subjects)))
                    .collect();
            }
            inhibit_any_policy =
                extension::<InhibitAnyPolicy>(certificate, index, "inhibitAnyPolicy", "4.2.1.14")?
                    .map(|InhibitAnyPolicy(skip)| skip);
        }
        let constraints =
            extension::<PolicyConstraints>(certificate, index, "policyConstraints", "4.2.1.11")?;
        if let Some(PolicyConstraints {
            require_explicit_policy: None,
            inhibit_policy_mapping: None,
        }) = constraints
        {
            // RFC 5280 4.2.1.11: conforming CAs MUST NOT issue an empty sequence.
            return Err(malformed(
                "4.2.1.11",
                index,
                format!("empty policyConstraints extension in certificate {index}"),
            ));
        }
        let tbs = &certificate.tbs_certificate;
        Ok(CertificatePolicyExtensions {
            policies,
            any_policy,
            mappings,
            maps_any_policy,
            constraints,
            inhibit_any_policy,
            // Self-issued (RFC 5280 6.1) by the name matching of 7.1, as the validator
            // decides it for name constraints and pathLenConstraint.
            self_issued: NormalizedName::new(&tbs.subject) == NormalizedName::new(&tbs.issuer),
        })
    }
}

/// The policy state of RFC 5280 6.1 for one path: the `valid_policy_tree` and the
/// `explicit_policy`, `inhibit_anyPolicy` and `policy_mapping` counters.
#[derive(Debug, Clone)]
pub struct PolicyProcessor {
    /// `None` is the NULL tree.
    tree: Option<PolicyTree>,
    explicit_policy: usize,
    inhibit_any_policy: usize,
    policy_mapping: usize,
    /// user-initial-policy-set; `None` is any-policy.
    user_initial_policy_set: Option<BTreeSet<ObjectIdentifier>>,
    /// The path length n, trust anchor excluded.
    length: usize,
    /// The certificate expected next (1-based).
    next: usize,
    /// Certificate n has policyConstraints with requireExplicitPolicy 0 (RFC 5280 6.1.5 (b)).
    end_entity_requires_explicit_policy: bool,
}

impl PolicyProcessor {
    /// RFC 5280 6.1.2 initialisation for a path of `n` certificates (trust anchor excluded):
    /// (a) a valid_policy_tree of one anyPolicy node; (d) explicit_policy, (e)
    /// inhibit_anyPolicy and (f) policy_mapping are 0 when the matching initial input is
    /// set, n + 1 otherwise.
    pub fn new(inputs: &PolicyInputs, n: usize) -> Self {
        let counter = |inhibited: bool| if inhibited { 0 } else { n.saturating_add(1) };
        let user_initial_policy_set = if inputs.initial_policy_set.is_empty()
            || inputs.initial_policy_set.contains(&ANY_POLICY)
        {
            None
        } else {
            Some(inputs.initial_policy_set.iter().copied().collect())
        };
        PolicyProcessor {
            tree: Some(PolicyTree::new()),
            explicit_policy: counter(inputs.initial_explicit_policy),
            inhibit_any_policy: counter(inputs.initial_any_policy_inhibit),
            policy_mapping: counter(inputs.initial_policy_mapping_inhibit),
            user_initial_policy_set,
            length: n,
            next: 1,
            end_entity_requires_explicit_policy: false,
        }
    }

    /// Certificate `i` (1-based; i == n is the end entity): RFC 5280 6.1.3 (d)-(f), and for
    /// i < n 6.1.4 (a), (b), (h)-(j). Certificates must come in order, 1 to n.
    pub fn process_certificate(
        &mut self,
        cert: &Certificate,
        i: usize,
    ) -> Result<(), PolicyFailure> {
        if i != self.next || i > self.length {
            return Err(PolicyFailure {
                section: "6.1",
                certificate: Some(i),
                reason: format!(
                    "certificate {i} given where certificate {} of a path of {} was expected",
                    self.next, self.length
                ),
            });
        }
        let intermediate = i < self.length;
        let extensions = CertificatePolicyExtensions::decode(cert, i, intermediate)?;
        self.process_policies(&extensions, i)?;
        if intermediate {
            self.prepare_next(&extensions, i)?;
        } else {
            self.end_entity_requires_explicit_policy = extensions
                .constraints
                .as_ref()
                .and_then(|constraints| constraints.require_explicit_policy)
                == Some(0);
        }
        self.next += 1;
        Ok(())
    }

    /// RFC 5280 6.1.5 (a), (b), (g): wrap-up; the valid policies (the user-constrained
    /// policy set) or the failure.
    pub fn finish(mut self) -> Result<ValidPolicies, PolicyFailure> {
        if self.next <= self.length {
            return Err(PolicyFailure {
                section: "6.1",
                certificate: Some(self.next),
                reason: format!(
                    "policy processing ended before certificate {} of {}",
                    self.next, self.length
                ),
            });
        }
        // (a), (b)
        self.explicit_policy = self.explicit_policy.saturating_sub(1);
        if self.end_entity_requires_explicit_policy {
            self.explicit_policy = 0;
        }
        let n = self.length;
        let authorities_constrained = self
            .tree
            .as_ref()
            .map(|tree| tree.policies_at(n))
            .unwrap_or_default();
        // (g)
        if let (Some(tree), Some(user_set)) = (&mut self.tree, &self.user_initial_policy_set) {
            if !intersect(tree, user_set, n)? {
                self.tree = None;
            }
        }
        let user_constrained = self
            .tree
            .as_ref()
            .map(|tree| tree.policies_at(n))
            .unwrap_or_default();
        if self.explicit_policy == 0 && self.tree.is_none() {
            let reason = if authorities_constrained.is_empty() {
                "explicit policy required but the valid_policy_tree is NULL at the end of the path"
                    .to_owned()
            } else {
                format!(
                    "explicit policy required but none of the path's policies ({}) is in the user-initial-policy-set ({})",
                    join(&authorities_constrained),
                    join(self.user_initial_policy_set.as_ref().unwrap_or(&BTreeSet::new()))
                )
            };
            return Err(PolicyFailure {
                section: "6.1.5 (g)",
                certificate: None,
                reason,
            });
        }
        Ok(ValidPolicies {
            authorities_constrained,
            user_constrained,
            explicit_policy_required: self.explicit_policy == 0,
        })
    }

    /// RFC 5280 6.1.3 (d), (e), (f) for certificate `i`.
    fn process_policies(
        &mut self,
        extensions: &CertificatePolicyExtensions,
        i: usize,
    ) -> Result<(), PolicyFailure> {
        match (&mut self.tree, &extensions.policies) {
            // (e): no certificatePolicies extension, the tree becomes NULL.
            (Some(_), None) => self.tree = None,
            // (d)
            (Some(tree), Some(policies)) => {
                let any_policy_allowed = extensions.any_policy
                    && (self.inhibit_any_policy > 0 || (i < self.length && extensions.self_issued));
                let children = grow(tree, policies, any_policy_allowed, i)?;
                tree.depths.push(children);
                if !tree.prune(i) {
                    self.tree = None;
                }
            }
            (None, _) => {}
        }
        // (f)
        if self.explicit_policy == 0 && self.tree.is_none() {
            return Err(PolicyFailure {
                section: "6.1.3 (f)",
                certificate: Some(i),
                reason: format!(
                    "explicit policy required but valid_policy_tree is NULL after certificate {i}"
                ),
            });
        }
        Ok(())
    }

    /// RFC 5280 6.1.4 (a), (b), (h), (i), (j): preparation for certificate i + 1.
    fn prepare_next(
        &mut self,
        extensions: &CertificatePolicyExtensions,
        i: usize,
    ) -> Result<(), PolicyFailure> {
        // (a)
        if extensions.maps_any_policy {
            return Err(PolicyFailure {
                section: "6.1.4 (a)",
                certificate: Some(i),
                reason: format!("policy mapping to or from anyPolicy in certificate {i}"),
            });
        }
        // (b)
        if let Some(tree) = &mut self.tree {
            let alive = if self.policy_mapping > 0 {
                apply_mappings(tree, &extensions.mappings, i)?;
                true
            } else {
                let level = tree.level(i);
                let keep: Vec<bool> = level
                    .iter()
                    .map(|node| !extensions.mappings.contains_key(&node.valid_policy))
                    .collect();
                if keep.iter().any(|kept| !kept) {
                    tree.remove(i, &keep);
                    tree.prune(i)
                } else {
                    true
                }
            };
            if !alive {
                self.tree = None;
            }
        }
        // (h): a self-issued certificate does not count against the skip counts.
        if !extensions.self_issued {
            self.explicit_policy = self.explicit_policy.saturating_sub(1);
            self.policy_mapping = self.policy_mapping.saturating_sub(1);
            self.inhibit_any_policy = self.inhibit_any_policy.saturating_sub(1);
        }
        // (i)
        if let Some(constraints) = &extensions.constraints {
            if let Some(skip) = constraints.require_explicit_policy {
                self.explicit_policy = self.explicit_policy.min(skip_certs(skip));
            }
            if let Some(skip) = constraints.inhibit_policy_mapping {
                self.policy_mapping = self.policy_mapping.min(skip_certs(skip));
            }
        }
        // (j)
        if let Some(skip) = extensions.inhibit_any_policy {
            self.inhibit_any_policy = self.inhibit_any_policy.min(skip_certs(skip));
        }
        Ok(())
    }
}

fn skip_certs(skip: u32) -> usize {
    usize::try_from(skip).unwrap_or(usize::MAX)
}

fn too_many_nodes(i: usize) -> PolicyFailure {
    PolicyFailure {
        section: "6.1.3 (d)",
        certificate: Some(i),
        reason: format!(
            "the valid_policy_tree would exceed {MAX_POLICY_NODES} nodes at certificate {i}; the certificate set looks built to exhaust memory"
        ),
    }
}

/// RFC 5280 6.1.3 (d)(1) and (d)(2): the nodes of depth i for the policies of certificate
/// i, as children of the nodes of depth i - 1.
fn grow(
    tree: &PolicyTree,
    policies: &[ObjectIdentifier],
    any_policy_allowed: bool,
    i: usize,
) -> Result<Vec<PolicyNode>, PolicyFailure> {
    let parents = tree.level(i - 1);
    // Which parents expect each policy: one pass over the expected sets instead of one
    // per policy of the certificate.
    let mut expecting: HashMap<ObjectIdentifier, Vec<usize>> = HashMap::new();
    for (index, parent) in parents.iter().enumerate() {
        for expected in parent.expected_policy_set() {
            expecting.entry(*expected).or_default().push(index);
        }
    }
    let budget = MAX_POLICY_NODES.saturating_sub(tree.node_count());
    let mut children: Vec<PolicyNode> = Vec::new();
    let push = |children: &mut Vec<PolicyNode>, node: PolicyNode| {
        if children.len() >= budget {
            return Err(too_many_nodes(i));
        }
        children.push(node);
        Ok(())
    };
    // (1)
    for policy in policies {
        match expecting.get(policy) {
            Some(indexes) => {
                for index in indexes {
                    push(&mut children, PolicyNode::new(*policy, *index))?;
                }
            }
            None => {
                if let Some(index) = tree.any_policy_node(i - 1) {
                    push(&mut children, PolicyNode::new(*policy, index))?;
                }
            }
        }
    }
    // (2)
    if any_policy_allowed {
        let mut present: HashSet<(usize, ObjectIdentifier)> = children
            .iter()
            .map(|child| (child.parent, child.valid_policy))
            .collect();
        for (index, parent) in parents.iter().enumerate() {
            for expected in parent.expected_policy_set() {
                if present.insert((index, *expected)) {
                    push(&mut children, PolicyNode::new(*expected, index))?;
                }
            }
        }
    }
    Ok(children)
}

/// RFC 5280 6.1.4 (b)(1): with policy mapping allowed, each mapped node of depth i now
/// expects the subject-domain policies; a policy that only anyPolicy covered gets a node.
fn apply_mappings(
    tree: &mut PolicyTree,
    mappings: &BTreeMap<ObjectIdentifier, Arc<[ObjectIdentifier]>>,
    i: usize,
) -> Result<(), PolicyFailure> {
    let any_node = tree.any_policy_node(i);
    let any_parent = any_node
        .and_then(|index| tree.level(i).get(index))
        .map(|node| node.parent);
    let mut nodes_left = MAX_POLICY_NODES.saturating_sub(tree.node_count());
    let Some(level) = tree.depths.get_mut(i) else {
        return Ok(());
    };
    let mut by_policy: HashMap<ObjectIdentifier, Vec<usize>> = HashMap::new();
    for (index, node) in level.iter().enumerate() {
        by_policy.entry(node.valid_policy).or_default().push(index);
    }
    let mut expected_entries: usize = level
        .iter()
        .map(|node| node.expected_policy_set().len())
        .sum();
    let mut grow_expected = |added: usize| {
        expected_entries = expected_entries.saturating_add(added);
        if expected_entries > MAX_EXPECTED_POLICIES {
            return Err(PolicyFailure {
                section: "6.1.4 (b)",
                certificate: Some(i),
                reason: format!(
                    "the policy mappings of certificate {i} would make the expected_policy_sets exceed {MAX_EXPECTED_POLICIES} entries; the certificate set looks built to exhaust resources"
                ),
            });
        }
        Ok(())
    };
    for (issuer_policy, subject_policies) in mappings {
        match by_policy.get(issuer_policy) {
            Some(indexes) => {
                for index in indexes {
                    if let Some(node) = level.get_mut(*index) {
                        grow_expected(subject_policies.len())?;
                        node.mapped = Some(Arc::clone(subject_policies));
                    }
                }
            }
            None => {
                let Some(parent) = any_parent else {
                    continue;
                };
                if nodes_left == 0 {
                    return Err(too_many_nodes(i));
                }
                nodes_left -= 1;
                grow_expected(subject_policies.len())?;
                level.push(PolicyNode {
                    valid_policy: *issuer_policy,
                    mapped: Some(Arc::clone(subject_policies)),
                    parent,
                });
            }
        }
    }
    Ok(())
}

/// RFC 5280 6.1.5 (g)(iii): intersects a tree of depth n with a user-initial-policy-set
/// that is not any-policy. Returns false when the tree becomes NULL.
fn intersect(
    tree: &mut PolicyTree,
    user_set: &BTreeSet<ObjectIdentifier>,
    n: usize,
) -> Result<bool, PolicyFailure> {
    // (1), (2): the valid_policy_node_set is the nodes whose parent is anyPolicy; those
    // whose policy the user did not ask for go, with their descendants.
    let mut valid_policy_node_set = BTreeSet::new();
    for depth in 1..=n {
        let parents_any: Vec<bool> = tree
            .level(depth - 1)
            .iter()
            .map(PolicyNode::is_any_policy)
            .collect();
        let keep: Vec<bool> = tree
            .level(depth)
            .iter()
            .map(|node| {
                let in_set = parents_any.get(node.parent).copied().unwrap_or(false);
                if in_set {
                    valid_policy_node_set.insert(node.valid_policy);
                }
                !in_set || node.is_any_policy() || user_set.contains(&node.valid_policy)
            })
            .collect();
        if keep.iter().any(|kept| !kept) {
            tree.remove(depth, &keep);
        }
    }
    // (3): an anyPolicy leaf stands for every user policy not otherwise present.
    if n > 0 {
        if let Some(any_leaf) = tree.any_policy_node(n) {
            let parent = tree.level(n).get(any_leaf).map_or(0, |node| node.parent);
            let added: Vec<PolicyNode> = user_set
                .iter()
                .filter(|policy| !valid_policy_node_set.contains(*policy))
                .map(|policy| PolicyNode::new(*policy, parent))
                .collect();
            if tree.node_count() + added.len() > MAX_POLICY_NODES {
                return Err(PolicyFailure {
                    section: "6.1.5 (g)",
                    certificate: None,
                    reason: format!(
                        "the valid_policy_tree would exceed {MAX_POLICY_NODES} nodes when intersected with the user-initial-policy-set"
                    ),
                });
            }
            if let Some(level) = tree.depths.get_mut(n) {
                level.extend(added);
            }
            let keep: Vec<bool> = (0..tree.level(n).len())
                .map(|index| index != any_leaf)
                .collect();
            tree.remove(n, &keep);
        }
    }
    // (4)
    Ok(tree.prune(n))
}

/// Entry point of the `pkix_policy` fuzz target and of its corpus replay: byte 0 holds the
/// initial-explicit-policy, initial-policy-mapping-inhibit and initial-any-policy-inhibit
/// flags (bits 0-2); byte 1 selects the user-initial-policy-set (bit k: PKITS's
/// NIST-test-policy-(k+1), 2.16.840.1.101.3.2.1.48.(k+1); 0 is any-policy); the rest is up to 12 DER certificates, the trust anchor's subordinate
/// first. Returns normally for any input: a failure is a result, a panic is a bug.
pub fn fuzz_policy_processing(data: &[u8]) {
    let [flags, selector, certificates @ ..] = data else {
        return;
    };
    let initial_policy_set = (0..8u32)
        .filter(|bit| selector & (1 << bit) != 0)
        .filter_map(|bit| {
            ObjectIdentifier::new(&format!("2.16.840.1.101.3.2.1.48.{}", bit + 1)).ok()
        })
        .collect();
    let inputs = PolicyInputs {
        initial_policy_set,
        initial_explicit_policy: flags & 1 != 0,
        initial_policy_mapping_inhibit: flags & 2 != 0,
        initial_any_policy_inhibit: flags & 4 != 0,
    };
    let mut path = Vec::new();
    if let Ok(mut reader) = der::SliceReader::new(certificates) {
        while path.len() < 12 && !der::Reader::is_finished(&reader) {
            match Certificate::decode(&mut reader) {
                Ok(certificate) => path.push(certificate),
                Err(_) => break,
            }
        }
    }
    let mut processor = PolicyProcessor::new(&inputs, path.len());
    for (index, certificate) in path.iter().enumerate() {
        if processor
            .process_certificate(certificate, index + 1)
            .is_err()
        {
            return;
        }
    }
    let _ = processor.finish();
}

fn join(oids: &BTreeSet<ObjectIdentifier>) -> String {
    oids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests;

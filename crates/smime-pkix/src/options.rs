//! The inputs of a validation: time, policy inputs (RFC 5280 6.1.1), revocation mode and
//! the bounds on path-building work.

use std::time::SystemTime;

use const_oid::ObjectIdentifier;

use crate::CryptoPolicy;

/// The user-initial inputs of RFC 5280 6.1.1 (c), (e), (f), (g) and (h).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyInputs {
    /// user-initial-policy-set; empty means `{anyPolicy}`.
    pub initial_policy_set: Vec<ObjectIdentifier>,
    /// initial-explicit-policy: the path must be valid for at least one policy.
    pub initial_explicit_policy: bool,
    /// initial-policy-mapping-inhibit.
    pub initial_policy_mapping_inhibit: bool,
    /// initial-any-policy-inhibit.
    pub initial_any_policy_inhibit: bool,
}

impl Default for PolicyInputs {
    /// The PKITS defaults: any policy, nothing inhibited, no explicit policy required.
    fn default() -> Self {
        PolicyInputs {
            initial_policy_set: Vec::new(),
            initial_explicit_policy: false,
            initial_policy_mapping_inhibit: false,
            initial_any_policy_inhibit: false,
        }
    }
}

/// What to do when the revocation status of a certificate cannot be determined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationMode {
    /// Unknown status fails validation (the default for encryption).
    HardFail,
    /// Unknown status is reported but does not fail validation; `revoked` still fails.
    SoftFail,
    /// Revocation is not checked at all.
    Off,
}

/// Bounds on the work of path building, so a hostile set of certificates fails fast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest path, in certificates, leaf and trust anchor included.
    pub max_depth: usize,
    /// Most candidate issuers considered for one certificate.
    pub max_candidates: usize,
    /// Most signature verifications in one validation.
    pub max_signature_checks: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 10,
            max_candidates: 16,
            max_signature_checks: 128,
        }
    }
}

/// Everything a validation needs besides the certificates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationOptions {
    /// The time at which the path must be valid (RFC 5280 6.1.1 (b)).
    pub time: SystemTime,
    /// RFC 5280 6.1.1 policy inputs.
    pub policy: PolicyInputs,
    /// Revocation policy.
    pub revocation: RevocationMode,
    /// Accept SHA-1 signatures and RSA keys from 1024 bits (reading old mail only).
    pub allow_legacy: bool,
    /// Work bounds.
    pub limits: Limits,
}

impl ValidationOptions {
    /// Options for validation at `time` with the defaults: any policy, hard-fail
    /// revocation, S/MIME 4.0 algorithms only.
    pub fn at(time: SystemTime) -> Self {
        ValidationOptions {
            time,
            policy: PolicyInputs::default(),
            revocation: RevocationMode::HardFail,
            allow_legacy: false,
            limits: Limits::default(),
        }
    }

    /// The signature algorithms these options accept: the S/MIME 4.0 defaults, or legacy
    /// ones too with [`ValidationOptions::allow_legacy`].
    pub fn crypto_policy(&self) -> CryptoPolicy {
        if self.allow_legacy {
            CryptoPolicy::strict().allow_legacy()
        } else {
            CryptoPolicy::strict()
        }
    }
}

//! Which algorithms are produced and which are accepted.
//!
//! The defaults follow S/MIME 4.0 (RFC 8551 section 2): SHA-256/384/512 digests,
//! RSA keys of at least 2048 bits, ECDSA P-256/P-384, Ed25519. Reading old mail may need
//! SHA-1 and short RSA keys: those are accepted only with [`CryptoPolicy::allow_legacy`].
//! MD5 and MD4 are never accepted.

/// Algorithm policy, passed explicitly to every operation (never a global).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CryptoPolicy {
    legacy: bool,
}

impl Default for CryptoPolicy {
    fn default() -> Self {
        Self::strict()
    }
}

impl CryptoPolicy {
    /// The S/MIME 4.0 defaults: fails closed on anything weaker.
    pub const fn strict() -> Self {
        CryptoPolicy { legacy: false }
    }

    /// Also accept SHA-1 signatures and RSA keys from 1024 bits, for reading old mail.
    /// Never used for writing.
    pub const fn allow_legacy(self) -> Self {
        CryptoPolicy { legacy: true }
    }

    /// Whether legacy algorithms are accepted.
    pub const fn legacy_allowed(&self) -> bool {
        self.legacy
    }

    /// The smallest RSA modulus, in bits, that is accepted for verification.
    pub const fn min_rsa_bits(&self) -> usize {
        if self.legacy {
            1024
        } else {
            2048
        }
    }
}

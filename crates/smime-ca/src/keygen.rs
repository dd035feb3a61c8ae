//! Key pairs made by the CA: for its own certificates and for subscribers who do not bring a
//! CSR. ECDSA P-384 by default, P-256, RSA 3072 and 4096 on request: the algorithms and sizes
//! the CA/Browser Forum S/MIME BR 6.1.5 allows (RSA at least 2048 bits; P-256, P-384, P-521).
//! The private key leaves as PKCS#8 (RFC 5958) in [`Zeroizing`] memory, for sealing in the
//! store or a PKCS#12 delivery.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self as backend, EcdsaKeyPair, RsaKeyPair};
use smime::crypto::PrivateKey;
use zeroize::Zeroizing;

use crate::signing::crypto;
use crate::{Error, Result};

/// A key algorithm the CA generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum KeyAlgorithm {
    /// ECDSA on P-256 (secp256r1).
    P256,
    /// ECDSA on P-384 (secp384r1), the default.
    #[default]
    P384,
    /// RSA with a 3072-bit modulus.
    Rsa3072,
    /// RSA with a 4096-bit modulus.
    Rsa4096,
}

impl KeyAlgorithm {
    /// Every algorithm, in the order of [`KeyAlgorithm::name`].
    pub const ALL: [KeyAlgorithm; 4] = [
        KeyAlgorithm::P256,
        KeyAlgorithm::P384,
        KeyAlgorithm::Rsa3072,
        KeyAlgorithm::Rsa4096,
    ];

    /// The name used on the command line and in the store: `p256`, `p384`, `rsa3072`, `rsa4096`.
    pub fn name(self) -> &'static str {
        match self {
            KeyAlgorithm::P256 => "p256",
            KeyAlgorithm::P384 => "p384",
            KeyAlgorithm::Rsa3072 => "rsa3072",
            KeyAlgorithm::Rsa4096 => "rsa4096",
        }
    }

    /// The algorithm named `name` (as [`KeyAlgorithm::name`] writes it; `P-384`, `RSA-3072`
    /// and the like are read too).
    pub fn from_name(name: &str) -> Result<KeyAlgorithm> {
        let wanted: String = name
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_lowercase();
        KeyAlgorithm::ALL
            .into_iter()
            .find(|a| a.name() == wanted)
            .ok_or_else(|| Error::Input {
                what: format!("key algorithm {name:?}"),
                reason: "unknown: p256, p384, rsa3072 or rsa4096".into(),
            })
    }

    /// Whether the key is RSA (encryption then uses key transport, not key agreement).
    pub fn is_rsa(self) -> bool {
        matches!(self, KeyAlgorithm::Rsa3072 | KeyAlgorithm::Rsa4096)
    }
}

/// A freshly generated key pair.
pub struct GeneratedKey {
    /// What was generated.
    pub algorithm: KeyAlgorithm,
    /// The private key, PKCS#8 DER (RFC 5958), to seal or deliver.
    pub pkcs8: Zeroizing<Vec<u8>>,
    /// The same key, ready to sign.
    pub key: PrivateKey,
}

impl std::fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GeneratedKey({})", self.algorithm.name())
    }
}

/// Generate a key pair of `algorithm` from the backend's system random generator.
pub fn generate(algorithm: KeyAlgorithm) -> Result<GeneratedKey> {
    let failed = || Error::Crypto {
        what: format!("generating a {} key", algorithm.name()),
        reason: "the backend failed".into(),
    };
    let pkcs8 = match algorithm {
        KeyAlgorithm::P256 | KeyAlgorithm::P384 => {
            let alg = if algorithm == KeyAlgorithm::P256 {
                &backend::ECDSA_P256_SHA256_ASN1_SIGNING
            } else {
                &backend::ECDSA_P384_SHA384_ASN1_SIGNING
            };
            let document =
                EcdsaKeyPair::generate_pkcs8(alg, &SystemRandom::new()).map_err(|_| failed())?;
            Zeroizing::new(document.as_ref().to_vec())
        }
        KeyAlgorithm::Rsa3072 | KeyAlgorithm::Rsa4096 => {
            let size = if algorithm == KeyAlgorithm::Rsa3072 {
                KeySize::Rsa3072
            } else {
                KeySize::Rsa4096
            };
            let pair = RsaKeyPair::generate(size).map_err(|_| failed())?;
            let der = pair.as_der().map_err(|_| failed())?;
            Zeroizing::new(der.as_ref().to_vec())
        }
    };
    let key = PrivateKey::from_pem_or_der(&pkcs8, "generated key")
        .map_err(|e| crypto("reading the generated key", e))?;
    Ok(GeneratedKey {
        algorithm,
        pkcs8,
        key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use smime::crypto::public_key_description;

    #[test]
    fn generate_each_algorithm_gives_that_key() {
        for (alg, description) in [
            (KeyAlgorithm::P256, "EC P-256"),
            (KeyAlgorithm::P384, "EC P-384"),
            (KeyAlgorithm::Rsa3072, "RSA 3072"),
        ] {
            let generated = generate(alg).unwrap();
            assert_eq!(
                public_key_description(&generated.key.public_key_spki()),
                description
            );
            let again = PrivateKey::from_pem_or_der(&generated.pkcs8, "k").unwrap();
            assert_eq!(again.public_key_spki(), generated.key.public_key_spki());
        }
    }

    #[test]
    fn generate_twice_gives_different_keys() {
        let (a, b) = (
            generate(KeyAlgorithm::P384).unwrap(),
            generate(KeyAlgorithm::P384).unwrap(),
        );
        assert_ne!(a.key.public_key_spki(), b.key.public_key_spki());
    }

    #[test]
    fn from_name_reads_names_and_refuses_others() {
        for alg in KeyAlgorithm::ALL {
            assert_eq!(KeyAlgorithm::from_name(alg.name()).unwrap(), alg);
        }
        assert_eq!(
            KeyAlgorithm::from_name("RSA-4096").unwrap(),
            KeyAlgorithm::Rsa4096
        );
        assert_eq!(
            KeyAlgorithm::from_name("P-384").unwrap(),
            KeyAlgorithm::P384
        );
        assert!(KeyAlgorithm::from_name("rsa1024")
            .unwrap_err()
            .to_string()
            .contains("rsa1024"));
    }
}

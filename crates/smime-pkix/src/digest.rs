//! Message digests (RFC 5754 for SHA-2 in CMS; RFC 8551 2.1 for S/MIME's choice).

use const_oid::ObjectIdentifier;
use spki::AlgorithmIdentifierOwned;

use crate::{CryptoPolicy, Error, Result};
use aws_lc_rs::digest as backend;

/// The digest algorithms S/MIME uses. SHA-1 only for reading old mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigestAlgorithm {
    /// SHA-1 (legacy, RFC 3370 2.1): accepted only with [`CryptoPolicy::allow_legacy`].
    Sha1,
    /// SHA-256 (RFC 5754 2.2), the S/MIME 4.0 default.
    Sha256,
    /// SHA-384 (RFC 5754 2.3).
    Sha384,
    /// SHA-512 (RFC 5754 2.4).
    Sha512,
}

const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const MD5: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.5");
const MD4: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.4");
const MD2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.2");

impl DigestAlgorithm {
    /// The algorithm's OID (RFC 5754 2; SHA-1 from RFC 3370 2.1).
    pub fn oid(&self) -> ObjectIdentifier {
        match self {
            DigestAlgorithm::Sha1 => SHA1,
            DigestAlgorithm::Sha256 => SHA256,
            DigestAlgorithm::Sha384 => SHA384,
            DigestAlgorithm::Sha512 => SHA512,
        }
    }

    /// The algorithm for `oid`, if the policy accepts it. MD5, MD4 and MD2 are never accepted;
    /// SHA-1 only with legacy allowed.
    pub fn from_oid(oid: ObjectIdentifier, policy: &CryptoPolicy) -> Result<Self> {
        let alg = match oid {
            SHA256 => DigestAlgorithm::Sha256,
            SHA384 => DigestAlgorithm::Sha384,
            SHA512 => DigestAlgorithm::Sha512,
            SHA1 => DigestAlgorithm::Sha1,
            MD5 | MD4 | MD2 => {
                return Err(Error::Refused {
                    what: format!(
                        "digest {}",
                        if oid == MD5 {
                            "MD5"
                        } else if oid == MD4 {
                            "MD4"
                        } else {
                            "MD2"
                        }
                    ),
                    reason: "broken, never accepted".into(),
                })
            }
            other => {
                return Err(Error::UnsupportedAlgorithm {
                    oid: other.to_string(),
                    context: "digest",
                })
            }
        };
        alg.check(policy)?;
        Ok(alg)
    }

    /// Fail if the policy does not accept this digest.
    pub fn check(&self, policy: &CryptoPolicy) -> Result<()> {
        if *self == DigestAlgorithm::Sha1 && !policy.legacy_allowed() {
            return Err(Error::Refused {
                what: "digest SHA-1".into(),
                reason: "legacy algorithm; accept it for old mail with --allow-legacy".into(),
            });
        }
        Ok(())
    }

    /// The AlgorithmIdentifier, parameters absent (RFC 5754 2).
    pub fn algorithm_identifier(&self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: self.oid(),
            parameters: None,
        }
    }

    /// The `micalg` name (RFC 8551 3.5.3.2).
    pub fn micalg(&self) -> &'static str {
        match self {
            DigestAlgorithm::Sha1 => "sha-1",
            DigestAlgorithm::Sha256 => "sha-256",
            DigestAlgorithm::Sha384 => "sha-384",
            DigestAlgorithm::Sha512 => "sha-512",
        }
    }

    /// A readable name.
    pub fn name(&self) -> &'static str {
        match self {
            DigestAlgorithm::Sha1 => "SHA-1",
            DigestAlgorithm::Sha256 => "SHA-256",
            DigestAlgorithm::Sha384 => "SHA-384",
            DigestAlgorithm::Sha512 => "SHA-512",
        }
    }

    /// Digest length in bytes.
    pub fn output_len(&self) -> usize {
        self.backend().output_len()
    }

    /// Parse `sha256`, `sha-256`, `SHA256`, `sha1`, ... (micalg values and CLI names).
    pub fn parse_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().replace('-', "").as_str() {
            "sha1" => Some(DigestAlgorithm::Sha1),
            "sha256" => Some(DigestAlgorithm::Sha256),
            "sha384" => Some(DigestAlgorithm::Sha384),
            "sha512" => Some(DigestAlgorithm::Sha512),
            _ => None,
        }
    }

    /// The aws-lc-rs algorithm, for the callers that hash through the backend themselves
    /// (RSA-OAEP, prehashed verification).
    pub fn backend(&self) -> &'static backend::Algorithm {
        match self {
            DigestAlgorithm::Sha1 => &backend::SHA1_FOR_LEGACY_USE_ONLY,
            DigestAlgorithm::Sha256 => &backend::SHA256,
            DigestAlgorithm::Sha384 => &backend::SHA384,
            DigestAlgorithm::Sha512 => &backend::SHA512,
        }
    }
}

/// A streaming digest: feed it with [`Digester::update`] or as an [`std::io::Write`] sink.
#[derive(Clone)]
pub struct Digester(backend::Context);

impl Digester {
    /// Start a digest.
    pub fn new(alg: DigestAlgorithm) -> Self {
        Digester(backend::Context::new(alg.backend()))
    }

    /// Feed bytes.
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// The digest.
    pub fn finish(self) -> Vec<u8> {
        self.0.finish().as_ref().to_vec()
    }
}

impl std::io::Write for Digester {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The digest of `data`.
pub fn digest(alg: DigestAlgorithm, data: &[u8]) -> Vec<u8> {
    backend::digest(alg.backend(), data).as_ref().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_oid_md5_is_refused_even_with_legacy() {
        let legacy = CryptoPolicy::strict().allow_legacy();
        assert!(matches!(
            DigestAlgorithm::from_oid(MD5, &legacy),
            Err(Error::Refused { .. })
        ));
    }

    #[test]
    fn from_oid_sha1_needs_legacy() {
        assert!(DigestAlgorithm::from_oid(SHA1, &CryptoPolicy::strict()).is_err());
        assert_eq!(
            DigestAlgorithm::from_oid(SHA1, &CryptoPolicy::strict().allow_legacy()).unwrap(),
            DigestAlgorithm::Sha1
        );
    }

    #[test]
    fn digester_streaming_matches_one_shot() {
        let mut d = Digester::new(DigestAlgorithm::Sha384);
        d.update(b"ab");
        d.update(b"c");
        assert_eq!(d.finish(), digest(DigestAlgorithm::Sha384, b"abc"));
        assert_eq!(
            digest(DigestAlgorithm::Sha256, b"abc")[..4],
            [0xba, 0x78, 0x16, 0xbf]
        );
    }

    #[test]
    fn from_oid_md4_and_unknown_are_refused_or_unsupported() {
        let legacy = CryptoPolicy::strict().allow_legacy();
        assert!(matches!(
            DigestAlgorithm::from_oid(MD4, &legacy),
            Err(Error::Refused { .. })
        ));
        assert!(matches!(
            DigestAlgorithm::from_oid(ObjectIdentifier::new_unwrap("1.2.3.4"), &legacy),
            Err(Error::UnsupportedAlgorithm { .. })
        ));
    }

    #[test]
    fn names_and_identifiers_match_the_rfcs() {
        for (alg, micalg, name, len, oid) in [
            (DigestAlgorithm::Sha1, "sha-1", "SHA-1", 20, SHA1),
            (DigestAlgorithm::Sha256, "sha-256", "SHA-256", 32, SHA256),
            (DigestAlgorithm::Sha384, "sha-384", "SHA-384", 48, SHA384),
            (DigestAlgorithm::Sha512, "sha-512", "SHA-512", 64, SHA512),
        ] {
            assert_eq!(alg.micalg(), micalg);
            assert_eq!(alg.name(), name);
            assert_eq!(alg.output_len(), len);
            assert_eq!(digest(alg, b"").len(), len);
            assert_eq!(alg.oid(), oid);
            assert_eq!(alg.algorithm_identifier().parameters, None);
            assert_eq!(
                DigestAlgorithm::from_oid(oid, &CryptoPolicy::strict().allow_legacy()).unwrap(),
                alg
            );
            assert_eq!(DigestAlgorithm::parse_name(micalg), Some(alg));
            assert_eq!(DigestAlgorithm::parse_name(name), Some(alg));
        }
        assert_eq!(
            DigestAlgorithm::parse_name("sha256"),
            Some(DigestAlgorithm::Sha256)
        );
        assert_eq!(DigestAlgorithm::parse_name("md5"), None);
        assert_eq!(DigestAlgorithm::parse_name(""), None);
    }

    #[test]
    fn digester_io_write_matches_one_shot() {
        use std::io::Write;
        let mut d = Digester::new(DigestAlgorithm::Sha512);
        d.write_all(b"hello ").unwrap();
        d.write_all(b"world").unwrap();
        d.flush().unwrap();
        assert_eq!(d.finish(), digest(DigestAlgorithm::Sha512, b"hello world"));
    }
}

//! Keys whose private part lives elsewhere (a PKCS#11 token, an HSM): the engine hands them
//! what to sign or the encrypted content-encryption key, and never sees the key itself.
//! [`super::PrivateKey::external`] and [`super::DecryptingKey::external`] wrap them, so the
//! CMS code (SignedData, EnvelopedData) is the same for keys in memory and in a token.

use spki::SubjectPublicKeyInfoOwned;
use zeroize::Zeroizing;

use super::key_agreement::AgreementCurve;
use super::key_transport::KeyTransport;
use super::SignatureScheme;
use crate::Result;

/// A signing key held outside the process. Implementations hash `message` themselves
/// (a token mechanism such as CKM_SHA256_RSA_PKCS does both in one step) and return the
/// signature in CMS form: RSA signatures as the modulus-length octet string, ECDSA
/// signatures as DER `ECDSA-Sig-Value` (RFC 5753 7.2).
pub trait ExternalSigner: Send + Sync {
    /// The public key (RFC 5280 4.1.2.7), matched against the signer's certificate.
    fn public_key_spki(&self) -> SubjectPublicKeyInfoOwned;
    /// Sign `message` with `scheme` (one [`super::PrivateKey::scheme`] chose for the key).
    fn sign(&self, scheme: &SignatureScheme, message: &[u8]) -> Result<Vec<u8>>;
    /// A short description for messages: `RSA 2048 in token "mail"`.
    fn description(&self) -> String;
}

/// A decryption key held outside the process: RSA key transport, or (when
/// [`ExternalDecrypter::agreement_curve`] names a curve) ECDH key agreement.
pub trait ExternalDecrypter: Send + Sync {
    /// Decrypt a key-transport `encrypted_key` (RFC 5652 6.2.1) with RSAES-OAEP or
    /// RSAES-PKCS1-v1_5. `None` on any failure, whatever the reason: the caller then goes on
    /// with a random key (RFC 3218 2.3), so an error never tells a padding oracle anything.
    /// A token decides how long it takes; the engine cannot make that constant.
    fn decrypt(&self, transport: KeyTransport, encrypted_key: &[u8]) -> Option<Zeroizing<Vec<u8>>>;
    /// The curve of an EC key that opens KeyAgreeRecipientInfo; `None` (the default) for
    /// an RSA key.
    fn agreement_curve(&self) -> Option<AgreementCurve> {
        None
    }
    /// The ECDH shared secret Z (RFC 5753 3.1.2, the x-coordinate) with the originator's
    /// ephemeral public key (an uncompressed point); the engine derives the key-encryption
    /// key and unwraps. `None` on any failure, as for [`ExternalDecrypter::decrypt`].
    fn agree(&self, originator_public_key: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let _ = originator_public_key;
        None
    }
    /// A short description for messages: `RSA 2048 in token "mail"`.
    fn description(&self) -> String;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_pki::Pki;
    use crate::crypto::{verify_signature, DecryptingKey, DigestAlgorithm, PrivateKey};
    use crate::CryptoPolicy;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// An in-memory key behind the external interface, counting its calls.
    struct Outside(PrivateKey, Arc<AtomicUsize>);

    impl ExternalSigner for Outside {
        fn public_key_spki(&self) -> SubjectPublicKeyInfoOwned {
            self.0.public_key_spki()
        }
        fn sign(&self, scheme: &SignatureScheme, message: &[u8]) -> Result<Vec<u8>> {
            self.1.fetch_add(1, Ordering::SeqCst);
            self.0.sign(scheme, message)
        }
        fn description(&self) -> String {
            "test key outside".into()
        }
    }

    /// A decrypter that answers with a fixed result.
    struct Answer(Option<Vec<u8>>);

    impl ExternalDecrypter for Answer {
        fn decrypt(&self, _: KeyTransport, _: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
            self.0.clone().map(Zeroizing::new)
        }
        fn description(&self) -> String {
            "test decrypter".into()
        }
    }

    #[test]
    fn external_signer_signs_through_the_trait_and_verifies() {
        let pki = Pki::new();
        for (name, kind, digest) in [
            ("p256", "p256", DigestAlgorithm::Sha256),
            ("p384", "p384", DigestAlgorithm::Sha384),
            ("rsa", "rsa2048", DigestAlgorithm::Sha256),
        ] {
            pki.key(name, kind);
            let calls = Arc::new(AtomicUsize::new(0));
            let key = PrivateKey::external(Box::new(Outside(pki.private_key(name), calls.clone())))
                .unwrap();
            assert_eq!(key.default_digest(), digest, "{name}");
            assert_eq!(key.public_key_spki(), pki.spki(name), "{name}");
            let scheme = key.scheme(digest, false).unwrap();
            let signature = key.sign(&scheme, b"signed attributes").unwrap();
            assert_eq!(calls.load(Ordering::SeqCst), 1, "{name}");
            let spki = pki.spki(name);
            let policy = CryptoPolicy::strict();
            assert!(
                verify_signature(&spki, &scheme, b"signed attributes", &signature, &policy)
                    .unwrap()
            );
            assert!(!verify_signature(&spki, &scheme, b"other", &signature, &policy).unwrap());
        }
    }

    #[test]
    fn external_signer_rsa_pss_chosen_ed25519_refused() {
        let pki = Pki::new();
        pki.key("rsa", "rsa2048");
        let calls = Arc::new(AtomicUsize::new(0));
        let rsa =
            PrivateKey::external(Box::new(Outside(pki.private_key("rsa"), calls.clone()))).unwrap();
        assert_eq!(
            rsa.scheme(DigestAlgorithm::Sha256, true).unwrap(),
            SignatureScheme::RsaPss(DigestAlgorithm::Sha256)
        );
        pki.key("ed", "ed25519");
        let err =
            PrivateKey::external(Box::new(Outside(pki.private_key("ed"), calls))).unwrap_err();
        assert!(err.to_string().contains("test key outside"), "{err}");
    }

    #[test]
    fn unwrap_content_key_external_failure_or_wrong_length_gives_random_key() {
        let ok = DecryptingKey::external(Box::new(Answer(Some(vec![7; 32]))));
        let key = ok
            .unwrap_content_key(KeyTransport::RsaPkcs1, b"blob", 32)
            .unwrap();
        assert_eq!(*key, vec![7; 32]);
        assert_eq!(ok.description(), "test decrypter");
        for answer in [None, Some(vec![7; 16])] {
            let key = DecryptingKey::external(Box::new(Answer(answer.clone())));
            let a = key
                .unwrap_content_key(KeyTransport::RsaPkcs1, b"blob", 32)
                .unwrap();
            let b = key
                .unwrap_content_key(KeyTransport::RsaPkcs1, b"blob", 32)
                .unwrap();
            assert_eq!(a.len(), 32, "{answer:?}");
            assert_ne!(*a, *b, "{answer:?}: not random");
            assert_ne!(*a, vec![7; 32], "{answer:?}");
        }
    }
}

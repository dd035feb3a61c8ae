//! The facts S/MIME needs from X.509 certificates (RFC 5280): PEM output and fingerprints.
//! Key identifiers, names and issuer signatures are [`smime_pkix::certificate`]'s; reading
//! certificates and their email addresses is `smime_pkix`'s too ([`smime_pkix::pem`],
//! [`smime_pkix::mail`]).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use der::Encode;
use x509_cert::Certificate;

/// A certificate as PEM (RFC 7468 5), 64 characters a line.
pub fn certificate_to_pem(cert: &Certificate) -> String {
    let der = cert.to_der().unwrap_or_default();
    let b64 = STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_pki::{Pki, CA_EXTENSIONS, LEAF_EXTENSIONS};
    use crate::crypto::{
        certificate_fingerprint_sha256, certificate_signed_by, describe_name,
        subject_key_identifier, SignatureScheme,
    };
    use crate::CryptoPolicy;
    use const_oid::ObjectIdentifier;

    /// A PSS root (OpenSSL signs with a 222-byte salt) and an Ed25519 leaf with email
    /// addresses in the SAN and the subject.
    fn pki() -> Pki {
        let pki = Pki::new();
        pki.key("root", "rsa-pss");
        pki.root("root", "/O=Example/CN=Root", 30);
        pki.key("alice", "ed25519");
        pki.issue(
            "alice",
            "/O=Example/CN=Alice/emailAddress=alice@Example.org",
            "root",
            30,
            7,
            &format!(
                "{LEAF_EXTENSIONS}subjectAltName=email:alice@example.com,\
                 otherName:1.3.6.1.5.5.7.8.9;UTF8:alice.utf8@example.com,\
                 email:alice@example.org\n"
            ),
        );
        pki
    }

    #[test]
    fn certificate_to_pem_is_openssl_pem() {
        let pki = pki();
        let pem = certificate_to_pem(&pki.cert("root"));
        assert_eq!(pem.as_bytes(), pki.read("root.pem"));
    }

    #[test]
    fn certificate_facts_match_openssl() {
        let pki = pki();
        let root = pki.cert("root");
        let alice = pki.cert("alice");
        assert_eq!(
            describe_name(&root.tbs_certificate.subject),
            "CN=Root,O=Example"
        );
        pki.openssl(&[
            "x509",
            "-in",
            "root.pem",
            "-noout",
            "-fingerprint",
            "-sha256",
            "-out",
            "fp",
        ]);
        let fp = String::from_utf8(pki.read("fp")).unwrap();
        let expected = fp
            .trim()
            .rsplit('=')
            .next()
            .unwrap()
            .replace(':', "")
            .to_lowercase();
        assert_eq!(certificate_fingerprint_sha256(&root), expected);
        let ski = subject_key_identifier(&root).unwrap();
        assert_eq!(ski.len(), 20);
        let aki = alice
            .tbs_certificate
            .extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == ObjectIdentifier::new_unwrap("2.5.29.35"))
            .unwrap();
        assert!(aki.extn_value.as_bytes().ends_with(&ski));
    }

    #[test]
    fn certificate_signed_by_issuer_is_true_and_other_key_false() {
        let pki = pki();
        let (root, alice) = (pki.cert("root"), pki.cert("alice"));
        let policy = CryptoPolicy::strict();
        assert!(certificate_signed_by(&alice, &root, &policy).unwrap());
        assert!(certificate_signed_by(&root, &root, &policy).unwrap());
        pki.key("other", "rsa2048");
        pki.root("other", "/O=Example/CN=Root", 30);
        assert!(!certificate_signed_by(&alice, &pki.cert("other"), &policy).unwrap());
        // An Ed25519 key cannot have made an RSA-PSS signature.
        assert!(certificate_signed_by(&root, &alice, &policy).is_err());
        let _ = CA_EXTENSIONS;
    }

    #[test]
    fn certificate_signed_by_changed_tbs_is_false() {
        let pki = pki();
        let (root, mut alice) = (pki.cert("root"), pki.cert("alice"));
        alice.tbs_certificate.serial_number =
            x509_cert::serial_number::SerialNumber::new(&[8]).unwrap();
        assert!(!certificate_signed_by(&alice, &root, &CryptoPolicy::strict()).unwrap());
        let mut mismatched = pki.cert("alice");
        mismatched.signature_algorithm = SignatureScheme::Ed25519.signer_info_algorithm();
        assert!(certificate_signed_by(&mismatched, &root, &CryptoPolicy::strict()).is_err());
    }
}

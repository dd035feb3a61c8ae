//! Reading X.509 certificates (RFC 5280) and the facts S/MIME needs from them: email
//! addresses (RFC 8550 3), key identifiers, fingerprints, issuer signatures.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use const_oid::ObjectIdentifier;
use der::asn1::{Ia5StringRef, Utf8StringRef};
use der::{Decode, Encode};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{SubjectAltName, SubjectKeyIdentifier};
use x509_cert::name::Name;
use x509_cert::Certificate;

use super::pem::pem_blocks;
use super::{digest, verify_signature, DigestAlgorithm, SignatureScheme};
use crate::{CryptoPolicy, Error, Result};

const SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
const SUBJECT_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
const EMAIL_ADDRESS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1");
const SMTP_UTF8_MAILBOX: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.8.9");

/// Read certificates (RFC 5280 4.1): any number of PEM `CERTIFICATE` or `X509 CERTIFICATE`
/// blocks (RFC 7468 5; other blocks, including OpenSSL's `TRUSTED CERTIFICATE`, are
/// ignored), or one DER certificate. No certificate at all is an error naming `what`.
pub fn load_certificates(bytes: &[u8], what: &str) -> Result<Vec<Certificate>> {
    if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        let mut certs = Vec::new();
        for (i, block) in pem_blocks(bytes, what)?.into_iter().enumerate() {
            if block.label == "CERTIFICATE" || block.label == "X509 CERTIFICATE" {
                certs.push(Certificate::from_der(&block.der).map_err(|e| {
                    Error::key(
                        what,
                        format!("PEM block {} is not a valid certificate: {e}", i + 1),
                    )
                })?);
            }
        }
        if certs.is_empty() {
            return Err(Error::key(
                what,
                "no CERTIFICATE block found (TRUSTED CERTIFICATE blocks are not read: \
                 convert them with openssl x509 -in F -out G)",
            ));
        }
        return Ok(certs);
    }
    Certificate::from_der(bytes)
        .map(|c| vec![c])
        .map_err(|e| Error::key(what, format!("neither PEM nor a DER certificate: {e}")))
}

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

/// Email addresses of a certificate, deduplicated, in this order: rfc822Name subject
/// alternative names (RFC 5280 4.2.1.6), SmtpUTF8Mailbox otherName SANs (RFC 8398 3,
/// 1.3.6.1.5.5.7.8.9), then the legacy emailAddress attribute (1.2.840.113549.1.9.1) of the
/// subject (RFC 8550 3). Malformed extensions are skipped.
pub fn certificate_email_addresses(cert: &Certificate) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    for ext in cert.tbs_certificate.extensions.iter().flatten() {
        if ext.extn_id != SUBJECT_ALT_NAME {
            continue;
        }
        let Ok(san) = SubjectAltName::from_der(ext.extn_value.as_bytes()) else {
            continue;
        };
        for name in san.0 {
            match name {
                GeneralName::Rfc822Name(a) => push(a.to_string()),
                GeneralName::OtherName(other) if other.type_id == SMTP_UTF8_MAILBOX => {
                    if let Ok(s) = other.value.decode_as::<Utf8StringRef<'_>>() {
                        push(s.to_string());
                    }
                }
                _ => {}
            }
        }
    }
    for rdn in cert.tbs_certificate.subject.0.iter() {
        for atv in rdn.0.iter() {
            if atv.oid == EMAIL_ADDRESS {
                if let Ok(s) = atv.value.decode_as::<Ia5StringRef<'_>>() {
                    push(s.to_string());
                } else if let Ok(s) = atv.value.decode_as::<Utf8StringRef<'_>>() {
                    push(s.to_string());
                }
            }
        }
    }
    out
}

/// Whether two addresses are the same mailbox (RFC 8550 3): local parts compared exactly,
/// domains without regard to ASCII case (no IDNA conversion). Strings without `@` never match.
pub fn email_addresses_match(a: &str, b: &str) -> bool {
    match (a.rsplit_once('@'), b.rsplit_once('@')) {
        (Some((la, da)), Some((lb, db))) => la == lb && da.eq_ignore_ascii_case(db),
        _ => false,
    }
}

/// The keyIdentifier of the subject key identifier extension (RFC 5280 4.2.1.2), if present.
pub fn subject_key_identifier(cert: &Certificate) -> Option<Vec<u8>> {
    let ext = cert
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == SUBJECT_KEY_IDENTIFIER)?;
    SubjectKeyIdentifier::from_der(ext.extn_value.as_bytes())
        .ok()
        .map(|s| s.0.as_bytes().to_vec())
}

/// SHA-256 of the DER certificate (RFC 5754 2.2), lowercase hex without separators.
pub fn certificate_fingerprint_sha256(cert: &Certificate) -> String {
    let der = cert.to_der().unwrap_or_default();
    digest(DigestAlgorithm::Sha256, &der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A distinguished name as an RFC 4514 string, most specific RDN first (`CN=Alice,O=Example`).
pub fn describe_name(name: &Name) -> String {
    name.to_string()
}

/// Whether `issuer`'s key made the signature on `cert` (RFC 5280 6.1.3 (a)(1)): the DER
/// tbsCertificate verified with the issuer's subjectPublicKeyInfo under the certificate's
/// signatureAlgorithm. `Ok(false)`: the signature does not verify; `Err`: the algorithm or
/// key is unsupported or refused by policy, or signatureAlgorithm differs from
/// tbsCertificate.signature (RFC 5280 4.1.1.2).
pub fn certificate_signed_by(
    cert: &Certificate,
    issuer: &Certificate,
    policy: &CryptoPolicy,
) -> Result<bool> {
    if cert.signature_algorithm != cert.tbs_certificate.signature {
        return Err(Error::key(
            format!(
                "certificate {}",
                describe_name(&cert.tbs_certificate.subject)
            ),
            "signatureAlgorithm differs from tbsCertificate.signature (RFC 5280 4.1.1.2)",
        ));
    }
    let scheme = SignatureScheme::from_certificate_algorithm(&cert.signature_algorithm, policy)?;
    let tbs = cert
        .tbs_certificate
        .to_der()
        .map_err(|e| Error::key("certificate", format!("cannot encode tbsCertificate: {e}")))?;
    let signature = cert
        .signature
        .as_bytes()
        .ok_or_else(|| Error::key("certificate", "signature has unused bits"))?;
    verify_signature(
        &issuer.tbs_certificate.subject_public_key_info,
        &scheme,
        &tbs,
        signature,
        policy,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_pki::{Pki, CA_EXTENSIONS, LEAF_EXTENSIONS};

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
    fn certificate_email_addresses_san_other_name_and_subject_in_order() {
        let pki = pki();
        assert_eq!(
            certificate_email_addresses(&pki.cert("alice")),
            vec![
                "alice@example.com",
                "alice.utf8@example.com",
                "alice@example.org",
                "alice@Example.org"
            ]
        );
        assert!(certificate_email_addresses(&pki.cert("root")).is_empty());
    }

    #[test]
    fn email_addresses_match_domain_case_insensitive_local_part_exact() {
        assert!(email_addresses_match(
            "alice@example.org",
            "alice@EXAMPLE.Org"
        ));
        assert!(!email_addresses_match(
            "Alice@example.org",
            "alice@example.org"
        ));
        assert!(!email_addresses_match(
            "alice@example.org",
            "alice@example.com"
        ));
        assert!(!email_addresses_match("alice", "alice"));
        assert!(email_addresses_match("a@b@example.org", "a@b@Example.ORG"));
    }

    #[test]
    fn load_certificates_pem_bundle_and_der_read() {
        let pki = pki();
        let mut bundle = pki.read("alice.key");
        bundle.extend(b"text between blocks\n");
        bundle.extend(pki.read("alice.pem"));
        bundle.extend(pki.read("root.pem"));
        let certs = load_certificates(&bundle, "bundle.pem").unwrap();
        assert_eq!(certs, vec![pki.cert("alice"), pki.cert("root")]);
        pki.openssl(&[
            "x509", "-in", "root.pem", "-outform", "DER", "-out", "root.der",
        ]);
        assert_eq!(
            load_certificates(&pki.read("root.der"), "root.der").unwrap(),
            vec![pki.cert("root")]
        );
        let pem = certificate_to_pem(&pki.cert("root"));
        assert_eq!(pem.as_bytes(), pki.read("root.pem"));
    }

    #[test]
    fn load_certificates_no_certificate_is_error_naming_file() {
        let pki = pki();
        pki.openssl(&[
            "x509",
            "-in",
            "root.pem",
            "-trustout",
            "-out",
            "trusted.pem",
        ]);
        for (file, bytes) in [
            ("alice.key", pki.read("alice.key")),
            ("trusted.pem", pki.read("trusted.pem")),
            ("empty", Vec::new()),
            ("garbage.der", vec![0x30, 0x03, 0x02, 0x01, 0x00]),
        ] {
            let err = load_certificates(&bytes, file).unwrap_err().to_string();
            assert!(err.starts_with(&format!("{file}: ")), "{err}");
        }
        let der = pki.cert("root").to_der().unwrap();
        let truncated = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            STANDARD.encode(&der[..der.len() - 10])
        );
        let err = load_certificates(truncated.as_bytes(), "broken.pem").unwrap_err();
        assert!(err.to_string().contains("PEM block 1"), "{err}");
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

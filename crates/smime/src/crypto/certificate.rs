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

/// Read certificates: any number of PEM `CERTIFICATE` blocks (other blocks ignored), or one
/// DER certificate. No certificate at all is an error naming `what`.
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
            return Err(Error::key(what, "no CERTIFICATE block found"));
        }
        return Ok(certs);
    }
    Certificate::from_der(bytes)
        .map(|c| vec![c])
        .map_err(|e| Error::key(what, format!("neither PEM nor a DER certificate: {e}")))
}

/// A certificate as PEM.
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

/// Email addresses of a certificate: rfc822Name and SmtpUTF8Mailbox (RFC 8398) subject
/// alternative names, then the legacy emailAddress attribute of the subject (RFC 8550 3).
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

/// RFC 8550 3: local parts compared exactly, domains without regard to ASCII case.
pub fn email_addresses_match(a: &str, b: &str) -> bool {
    match (a.rsplit_once('@'), b.rsplit_once('@')) {
        (Some((la, da)), Some((lb, db))) => la == lb && da.eq_ignore_ascii_case(db),
        _ => false,
    }
}

/// The subject key identifier extension's value.
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

/// SHA-256 of the DER certificate, lowercase hex.
pub fn certificate_fingerprint_sha256(cert: &Certificate) -> String {
    let der = cert.to_der().unwrap_or_default();
    digest(DigestAlgorithm::Sha256, &der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A distinguished name as an RFC 4514 string.
pub fn describe_name(name: &Name) -> String {
    name.to_string()
}

/// Whether `issuer`'s key made the signature on `cert` (RFC 5280 6.1.3 (a)(1)).
pub fn certificate_signed_by(
    cert: &Certificate,
    issuer: &Certificate,
    policy: &CryptoPolicy,
) -> Result<bool> {
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

//! A root, an issuing CA and the CA's delegated OCSP responder (id-kp-OCSPSigning,
//! id-pkix-ocsp-nocheck, RFC 6960 4.2.2.2), all P-256, made with the `openssl` command in a
//! temporary directory (smime-pkix's test PKI helper), for the revocation tests and the
//! OCSP benchmark.
#![allow(dead_code)] // each user takes a part

#[path = "../../../smime-pkix/tests/common/mod.rs"]
pub mod pki;

use std::sync::Arc;

use smime::crypto::PrivateKey;
use smime_ca::ocsp_responder::OcspResponder;
use smime_ca::revocation_status::RevocationSource;
use x509_cert::Certificate;

/// Makes `ca.pem`/`ca.key` (issued by the root) and `responder.pem`/`responder.key` (issued
/// by `ca`) in `pki`; returns the issuing CA's certificate.
pub fn issuing_ca_with_responder(pki: &pki::Pki) -> Certificate {
    pki.issue(
        "ca",
        "p256",
        "/O=Example/CN=Issuing CA",
        &format!("{}subjectKeyIdentifier=hash\n", pki::CA_EXTENSIONS),
        "root",
    );
    pki.issue(
        "responder",
        "p256",
        "/O=Example/CN=OCSP Responder",
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
         extendedKeyUsage=OCSPSigning\n1.3.6.1.5.5.7.48.1.5=ASN1:NULL\n",
        "ca",
    );
    pki.cert("ca")
}

/// `name.pem`: an end-entity certificate issued by `ca` with these extra extension lines.
pub fn leaf(pki: &pki::Pki, name: &str, extensions: &str) -> Certificate {
    pki.issue(
        name,
        "p256",
        &format!("/O=Example/CN={name}"),
        &format!(
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n{extensions}"
        ),
        "ca",
    )
}

/// The private key `name.key`.
pub fn key(pki: &pki::Pki, name: &str) -> PrivateKey {
    let file = format!("{name}.key");
    PrivateKey::from_pem_or_der(&pki.read(&file), &file).expect("read the key")
}

/// An OCSP responder answering for `ca` with `responder.pem`/`responder.key` and statuses
/// from `source`.
pub fn ocsp_responder(
    pki: &pki::Pki,
    ca: &Certificate,
    source: Arc<dyn RevocationSource>,
) -> OcspResponder {
    let mut responder = OcspResponder::new();
    responder
        .add_issuer(
            ca,
            pki.cert("responder"),
            Arc::new(key(pki, "responder")),
            source,
        )
        .expect("the responder certificate fits");
    responder
}

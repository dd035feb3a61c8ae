//! Certificates for PKCS#10 requests made by OpenSSL (the key stays with the requester), the
//! requests the CA refuses (a signature that does not verify, a key too small, a curve not
//! allowed, an address outside the CA's domains), and PKCS#12 delivery of CA-made keys read
//! back by OpenSSL.

mod common;

use std::process::Command;

use common::*;
use smime_ca::csr::verify_request;
use smime_ca::delivery::pkcs12;
use smime_ca::issue::{issue, CertificateRequest, SubjectKey};
use smime_ca::keygen::KeyAlgorithm;
use smime_ca::profile::{KeyKind, Profile, Usage};
use smime_ca::subject::Subscriber;
use smime_ca::Error;

/// A key made by `openssl genpkey` with `args` and a CSR for it, in `dir`; the CSR's path.
fn openssl_request(dir: &Dir, name: &str, args: &[&str]) -> String {
    let key = dir
        .path(&format!("{name}.key"))
        .to_string_lossy()
        .into_owned();
    let csr = dir
        .path(&format!("{name}.csr"))
        .to_string_lossy()
        .into_owned();
    let (ok, _, err) = run(Command::new("openssl")
        .args(["genpkey", "-out", &key])
        .args(args));
    assert!(ok, "genpkey {args:?}: {err}");
    let (ok, _, err) = run(Command::new("openssl").args([
        "req",
        "-new",
        "-key",
        &key,
        "-subj",
        "/CN=whatever the requester asks",
        "-out",
        &csr,
    ]));
    assert!(ok, "req: {err}");
    csr
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn csr_openssl_requests_issued_for_their_own_keys() {
    if !require_peer("openssl") {
        return;
    }
    let h = hierarchy(KeyAlgorithm::P384, 1, true);
    let dir = Dir::new();
    let root = dir.pem("root.pem", &[&h.root.certificate]);
    let intermediate = dir.pem("intermediate.pem", &[&h.issuing().certificate]);
    for (name, args, usage, purpose) in [
        (
            "p256",
            &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"][..],
            Usage::Sign,
            "smimesign",
        ),
        (
            "p384",
            &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"][..],
            Usage::Sign,
            "smimesign",
        ),
        (
            "rsa2048",
            &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"][..],
            Usage::Encrypt,
            "smimeencrypt",
        ),
    ] {
        let csr = openssl_request(&dir, name, args);
        let verified = verify_request(&read(&csr), &csr).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            verified.key_kind,
            if name.starts_with('p') {
                KeyKind::Ec
            } else {
                KeyKind::Rsa
            }
        );
        assert!(
            verified.requested_subject.contains("whatever"),
            "{}",
            verified.requested_subject
        );
        let mut request = CertificateRequest::new(
            Subscriber::person(ADDRESS, "Alice Example"),
            Profile::from_name("sponsor-strict").unwrap(),
            usage,
        );
        request.key = SubjectKey::Public(verified.public_key.clone());
        let issued = issue(&h.issuing_ca(), &request, NOW).unwrap();
        assert!(issued.key.is_none());
        assert_eq!(
            issued.certificate.tbs_certificate.subject_public_key_info,
            verified.public_key
        );
        // The requested subject is not copied: the profile builds it.
        assert!(
            !smime::crypto::describe_name(&issued.certificate.tbs_certificate.subject)
                .contains("whatever")
        );
        let leaf = dir.pem(&format!("{name}.pem"), &[&issued.certificate]);
        let (ok, out, err) = openssl_verify(&root, &intermediate, &leaf, purpose);
        assert!(ok, "{name}: {out}{err}");
        // The certificate matches the requester's private key.
        let key = dir
            .path(&format!("{name}.key"))
            .to_string_lossy()
            .into_owned();
        let (_, from_key, _) = run(Command::new("openssl").args(["pkey", "-in", &key, "-pubout"]));
        let (_, from_cert, _) =
            run(Command::new("openssl").args(["x509", "-in", &leaf, "-noout", "-pubkey"]));
        assert_eq!(from_key, from_cert, "{name}");
    }
}

#[test]
fn csr_bad_signature_is_refused() {
    if !require_peer("openssl") {
        return;
    }
    let dir = Dir::new();
    let csr = openssl_request(
        &dir,
        "p256",
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    );
    let der_path = dir.path("p256.der").to_string_lossy().into_owned();
    let (ok, _, err) =
        run(Command::new("openssl")
            .args(["req", "-in", &csr, "-outform", "DER", "-out", &der_path]));
    assert!(ok, "{err}");
    let mut der = read(&der_path);
    verify_request(&der, "p256.der").unwrap();
    // The last byte is inside the signature's s value.
    let last = der.len() - 1;
    der[last] ^= 0x01;
    match verify_request(&der, "p256.der") {
        Err(e @ Error::Refused { .. }) => {
            let text = e.to_string();
            assert!(
                text.contains("p256.der") && text.contains("proof of possession"),
                "{text}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // A changed subject breaks the signature too: find the requested CN and change a letter.
    let mut der = read(&der_path);
    let at = der.windows(8).position(|w| w == b"whatever").unwrap();
    der[at] = b'W';
    assert!(matches!(
        verify_request(&der, "p256.der"),
        Err(Error::Refused { .. })
    ));
    // Not a request at all.
    assert!(matches!(
        verify_request(b"junk", "junk.csr"),
        Err(Error::Input { .. })
    ));
    assert!(matches!(
        verify_request(
            b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n",
            "c.pem"
        ),
        Err(Error::Input { .. })
    ));
}

#[test]
fn csr_small_rsa_key_or_curve_not_allowed_is_refused() {
    if !require_peer("openssl") {
        return;
    }
    let dir = Dir::new();
    for (name, args, wanted) in [
        (
            "rsa1024",
            &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"][..],
            "2048",
        ),
        (
            "k256",
            &[
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:secp256k1",
            ][..],
            "P-256",
        ),
    ] {
        let csr = openssl_request(&dir, name, args);
        match verify_request(&read(&csr), &csr) {
            Err(e @ Error::Refused { .. }) => {
                let text = e.to_string();
                assert!(
                    text.contains(wanted) && text.contains("6.1.5"),
                    "{name}: {text}"
                );
            }
            other => panic!("{name}: expected a refusal, got {other:?}"),
        }
    }
}

#[test]
fn csr_address_outside_ca_domains_is_refused() {
    if !require_peer("openssl") {
        return;
    }
    let h = hierarchy(KeyAlgorithm::P256, 1, false);
    let dir = Dir::new();
    let csr = openssl_request(
        &dir,
        "p256",
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    );
    let verified = verify_request(&read(&csr), &csr).unwrap();
    let mut request = CertificateRequest::new(
        Subscriber::mailbox("mallory@example.com"),
        Profile::from_name("mailbox-strict").unwrap(),
        Usage::Sign,
    );
    request.key = SubjectKey::Public(verified.public_key);
    let err = issue(&h.issuing_ca(), &request, NOW)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("mallory@example.com") && err.contains("example.org"),
        "{err}"
    );
}

#[test]
fn pkcs12_delivery_openssl_reads_key_certificate_and_chain() {
    if !require_peer("openssl") {
        return;
    }
    let h = hierarchy(KeyAlgorithm::P384, 1, false);
    let mut request = CertificateRequest::new(
        Subscriber::mailbox(ADDRESS),
        Profile::from_name("mailbox-strict").unwrap(),
        Usage::Encrypt,
    );
    request.key = SubjectKey::Generate(KeyAlgorithm::Rsa3072);
    let issued = issue(&h.issuing_ca(), &request, NOW).unwrap();
    let dir = Dir::new();
    for given in [Some("correct horse battery"), None] {
        let (file, generated) = pkcs12(&issued, &h.chain(), ADDRESS, given).unwrap();
        assert_eq!(generated.is_some(), given.is_none());
        let password = given
            .map(str::to_string)
            .unwrap_or_else(|| generated.as_deref().unwrap().clone());
        let p12 = dir.write("alice.p12", &file);
        let (ok, out, err) = run(Command::new("openssl").args([
            "pkcs12",
            "-in",
            &p12,
            "-passin",
            &format!("pass:{password}"),
            "-nodes",
            "-info",
        ]));
        assert!(ok, "{err}");
        assert!(err.contains("AES-256-CBC"), "{err}");
        assert_eq!(out.matches("BEGIN CERTIFICATE").count(), 3, "{out}");
        assert!(
            out.contains("BEGIN PRIVATE KEY") && out.contains(ADDRESS),
            "{out}"
        );
        let (ok, ..) = run(Command::new("openssl").args([
            "pkcs12",
            "-in",
            &p12,
            "-passin",
            "pass:wrong",
            "-nodes",
        ]));
        assert!(!ok, "a wrong password must not open it");
    }
    // A certificate for a CSR has no key to deliver.
    let mut csr_issued = issue(&h.issuing_ca(), &request, NOW).unwrap();
    csr_issued.key = None;
    assert!(pkcs12(&csr_issued, &h.chain(), ADDRESS, Some("x")).is_err());
}

//! Reading certificates and trust anchors: PEM bundles, DER, directories (hashed too), the
//! system store; errors name the file.

mod common;

use std::path::Path;

use common::Pki;
use smime_pkix::anchors::{load_anchor_dir, load_anchor_file, load_anchors, system_anchors};
use smime_pkix::pem::load_certificates;

const SIGN: &str = "keyUsage=critical,digitalSignature\n";

#[test]
fn load_certificates_pem_bundle_and_der_read() {
    let pki = Pki::new();
    let alice = pki.leaf("alice", "ed25519", "/CN=Alice", SIGN);
    let mut bundle = pki.read("alice.key");
    bundle.extend(b"text between blocks\n");
    bundle.extend(pki.read("alice.pem"));
    bundle.extend(pki.read("root.pem"));
    let certs = load_certificates(&bundle, "bundle.pem").unwrap();
    assert_eq!(certs, vec![alice, pki.cert("root")]);
    pki.openssl(&[
        "x509", "-in", "root.pem", "-outform", "DER", "-out", "root.der",
    ]);
    assert_eq!(
        load_certificates(&pki.read("root.der"), "root.der").unwrap(),
        vec![pki.cert("root")]
    );
}

#[test]
fn load_certificates_no_certificate_is_error_naming_file() {
    let pki = Pki::new();
    pki.openssl(&[
        "x509",
        "-in",
        "root.pem",
        "-trustout",
        "-out",
        "trusted.pem",
    ]);
    for (file, bytes) in [
        ("root.key", pki.read("root.key")),
        ("trusted.pem", pki.read("trusted.pem")),
        ("empty", Vec::new()),
        ("garbage.der", vec![0x30, 0x03, 0x02, 0x01, 0x00]),
    ] {
        let err = load_certificates(&bytes, file).unwrap_err().to_string();
        assert!(err.starts_with(&format!("{file}: ")), "{err}");
    }
    let pem = String::from_utf8(pki.read("root.pem")).unwrap();
    let mut lines: Vec<&str> = pem.lines().collect();
    lines.remove(3); // a line of base64 gone: the DER is truncated
    let err = load_certificates(lines.join("\n").as_bytes(), "broken.pem").unwrap_err();
    assert!(err.to_string().contains("PEM block 1"), "{err}");
}

#[test]
fn load_anchors_file_and_directory_with_hashed_names() {
    let pki = Pki::new();
    pki.leaf(
        "other",
        "p256",
        "/CN=Other CA",
        "basicConstraints=critical,CA:TRUE\n",
    );
    let dir = pki.path("anchors");
    std::fs::create_dir(&dir).unwrap();
    let bundle = [pki.read("root.pem"), pki.read("other.pem")].concat();
    std::fs::write(dir.join("bundle.pem"), &bundle).unwrap();
    pki.openssl(&[
        "x509",
        "-in",
        "root.pem",
        "-outform",
        "DER",
        "-out",
        "anchors/root.der",
    ]);
    std::fs::write(dir.join("README"), b"not a certificate").unwrap();
    std::fs::write(dir.join("5ad8a5d6.r0"), b"a CRL, not read").unwrap();
    // OpenSSL's hashed name for the root (what c_rehash/openssl rehash make).
    let hash_out = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-subject_hash", "-in"])
        .arg(pki.path("root.pem"))
        .output()
        .unwrap();
    let hash = String::from_utf8(hash_out.stdout)
        .unwrap()
        .trim()
        .to_string();
    std::os::unix::fs::symlink(dir.join("bundle.pem"), dir.join(format!("{hash}.0"))).unwrap();

    let from_file = load_anchor_file(&pki.path("root.pem")).unwrap();
    assert_eq!(from_file, vec![pki.cert("root")]);
    // Every certificate once, though the root is in three files.
    let from_dir = load_anchor_dir(&dir).unwrap();
    assert_eq!(from_dir.len(), 2, "{from_dir:?}");
    assert!(from_dir.contains(&pki.cert("root")));
    assert!(from_dir.contains(&pki.cert("other")));
    assert_eq!(load_anchors(&dir).unwrap(), from_dir);
    assert_eq!(load_anchors(&pki.path("root.pem")).unwrap(), from_file);
}

#[test]
fn load_anchors_bad_file_is_error_naming_it() {
    let pki = Pki::new();
    let dir = pki.path("anchors");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("ok.pem"), pki.read("root.pem")).unwrap();
    std::fs::write(
        dir.join("broken.crt"),
        b"-----BEGIN CERTIFICATE-----\nAAAA\n",
    )
    .unwrap();
    let err = load_anchor_dir(&dir).unwrap_err().to_string();
    assert!(err.contains("broken.crt"), "{err}");
    let missing = pki.path("missing.pem");
    let err = load_anchors(&missing).unwrap_err().to_string();
    assert!(err.starts_with(&missing.display().to_string()), "{err}");
}

#[test]
fn system_anchors_environment_and_default_bundle() {
    // The one test that sets SSL_CERT_FILE/SSL_CERT_DIR (the environment is per process).
    let pki = Pki::new();
    std::env::set_var("SSL_CERT_FILE", pki.path("root.pem"));
    std::env::remove_var("SSL_CERT_DIR");
    assert_eq!(system_anchors().unwrap(), vec![pki.cert("root")]);
    std::env::set_var("SSL_CERT_FILE", pki.path("missing.pem"));
    assert!(system_anchors()
        .unwrap_err()
        .to_string()
        .contains("missing.pem"));
    std::env::remove_var("SSL_CERT_FILE");
    std::env::set_var("SSL_CERT_DIR", pki.dir());
    assert!(system_anchors().unwrap().contains(&pki.cert("root")));
    std::env::remove_var("SSL_CERT_DIR");
    // The Debian bundle (ca-certificates) when the machine has it.
    let debian = Path::new("/etc/ssl/certs/ca-certificates.crt");
    if debian.is_file() {
        let system = system_anchors().unwrap();
        assert_eq!(system, load_anchor_file(debian).unwrap());
        assert!(system.len() > 10, "{}", system.len());
    }
}

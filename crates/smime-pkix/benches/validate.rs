//! Path validation of a 3-certificate RSA-2048 chain (root, intermediate, leaf; SHA-256):
//! `validate(leaf, [intermediate], [root])`, in process. The comparison with
//! `openssl verify -CAfile root.pem -untrusted inter.pem leaf.pem` on the same chain in the
//! same run is `bench/compare_openssl_verify.sh`, which passes its chain in
//! `SMIME_PKIX_BENCH_CHAIN` (a directory with root.pem, inter.pem, leaf.pem); without it
//! the chain is made here with the `openssl` command.
//!
//! Also timed: NIST PKITS 4.1.1 (3 certificates, RSA-1024/SHA-1, for the comparison with
//! certval in the README) and the malicious chain of `tests/data/bad-input` (must fail
//! fast).
#![allow(missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use criterion::{criterion_group, criterion_main, Criterion};
use der::Decode;
use smime_pkix::options::ValidationOptions;
use smime_pkix::pem::load_certificates;
use smime_pkix::validate;
use smime_pkix::x509_cert::Certificate;

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// root.pem, inter.pem and leaf.pem in `dir`: RSA-2048, SHA-256, CA extensions on the CAs.
fn make_chain(dir: &Path) {
    std::fs::write(
        dir.join("ca.ext"),
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n\
         subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
    )
    .expect("ca.ext");
    std::fs::write(
        dir.join("leaf.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n\
         extendedKeyUsage=emailProtection\nsubjectAltName=email:bench@example.com\n\
         subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
    )
    .expect("leaf.ext");
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "root.key",
            "-out",
            "root.pem",
            "-days",
            "30",
            "-subj",
            "/CN=Bench Root",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    for (name, subject, issuer, ext) in [
        ("inter", "/CN=Bench Intermediate", "root", "ca.ext"),
        ("leaf", "/CN=Bench Leaf", "inter", "leaf.ext"),
    ] {
        let (key, csr, pem) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.pem"),
        );
        openssl(
            dir,
            &[
                "req", "-newkey", "rsa:2048", "-nodes", "-keyout", &key, "-out", &csr, "-subj",
                subject,
            ],
        );
        let (ca, ca_key) = (format!("{issuer}.pem"), format!("{issuer}.key"));
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                &ca,
                "-CAkey",
                &ca_key,
                "-CAcreateserial",
                "-out",
                &pem,
                "-days",
                "30",
                "-sha256",
                "-extfile",
                ext,
            ],
        );
    }
}

fn one(dir: &Path, name: &str) -> Certificate {
    let path = dir.join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    load_certificates(&bytes, &path.display().to_string())
        .unwrap_or_else(|e| panic!("{e}"))
        .remove(0)
}

fn data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path)
}

fn bench(c: &mut Criterion) {
    let made = tempfile::tempdir().expect("temporary directory");
    let dir = match std::env::var_os("SMIME_PKIX_BENCH_CHAIN") {
        Some(d) => PathBuf::from(d),
        None => {
            make_chain(made.path());
            made.path().to_path_buf()
        }
    };
    let (root, inter, leaf) = (
        one(&dir, "root.pem"),
        one(&dir, "inter.pem"),
        one(&dir, "leaf.pem"),
    );
    let options = ValidationOptions::at(SystemTime::now());
    let report = validate(
        &leaf,
        std::slice::from_ref(&inter),
        std::slice::from_ref(&root),
        &options,
        None,
    );
    assert!(report.is_valid(), "{:?}", report.failure);
    c.bench_function("validate 3-certificate RSA-2048 chain", |b| {
        b.iter(|| {
            validate(
                &leaf,
                std::slice::from_ref(&inter),
                std::slice::from_ref(&root),
                &options,
                None,
            )
        })
    });

    // PKITS 4.1.1 at 2010-01-01, legacy algorithms allowed (SHA-1, RSA-1024).
    let pkits = |name: &str| {
        let bytes = std::fs::read(data(&format!("pkits/certs/{name}.crt"))).expect("PKITS file");
        Certificate::from_der(&bytes).expect("PKITS certificate")
    };
    let (p_root, p_ca) = (pkits("TrustAnchorRootCertificate"), pkits("GoodCACert"));
    let mut p_options =
        ValidationOptions::at(SystemTime::UNIX_EPOCH + Duration::from_secs(1_262_304_000));
    p_options.allow_legacy = true;
    c.bench_function("validate PKITS 4.1.1 (parse leaf + validate)", |b| {
        let leaf_der =
            std::fs::read(data("pkits/certs/ValidCertificatePathTest1EE.crt")).expect("leaf");
        b.iter(|| {
            let leaf = Certificate::from_der(&leaf_der).expect("leaf");
            let r = validate(
                &leaf,
                std::slice::from_ref(&p_ca),
                std::slice::from_ref(&p_root),
                &p_options,
                None,
            );
            assert!(r.is_valid());
        })
    });

    // The malicious chain: reading the four 1.6 MB PEM files and validating.
    let bad: Vec<Vec<u8>> = ["mal-leaf", "mal-ca1", "mal-ca2", "mal-root"]
        .iter()
        .map(|n| std::fs::read(data(&format!("bad-input/{n}.crt"))).expect("bad-input file"))
        .collect();
    let bad_options =
        ValidationOptions::at(SystemTime::UNIX_EPOCH + Duration::from_secs(1_727_740_800));
    let mut group = c.benchmark_group("bad-input");
    group.sample_size(10);
    group.bench_function("read 4 PEM files + validate mal-leaf", |b| {
        b.iter(|| {
            let certs: Vec<Certificate> = bad
                .iter()
                .map(|pem| load_certificates(pem, "bad-input").expect("PEM").remove(0))
                .collect();
            let r = validate(&certs[0], &certs[1..3], &certs[3..], &bad_options, None);
            assert!(!r.is_valid());
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

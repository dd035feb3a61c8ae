//! RFC 4134 ("Examples of S/MIME Messages") section 4, the signed-data examples, through the
//! library verifier. The data (tests/data/rfc4134, see tests/data/PROVENANCE.md) is the
//! Bouncy Castle copy of the RFC's examples; the content of every example is ExContent.bin.
//!
//! What the examples are (from the RFC text and from inspecting the files):
//!
//! | id   | signer                    | key | digest | form                                          |
//! |------|---------------------------|-----|--------|-----------------------------------------------|
//! | 4.2  | AliceRSA (issuer/serial)  | RSA 1024 | SHA-1 | eContent included, no attributes         |
//! | 4.3  | AliceDSS                  | DSA | SHA-1  | detached (content is ExContent.bin)           |
//! | 4.4  | AliceDSS, + countersig    | DSA | SHA-1  | signed + unsigned attributes, Carl's CRL      |
//! | 4.5  | AliceRSA, + CarlRSA cert  | RSA 1024 | SHA-1 | BER, indefinite lengths                  |
//! | 4.6  | AliceDSS and DianeDSS     | DSA | SHA-1  | two SignerInfos                               |
//! | 4.7  | AliceDSS by SKI           | DSA | SHA-1  | SignerIdentifier subjectKeyIdentifier, v3     |
//! | 4.8  | AliceDSS                  | DSA | SHA-1  | multipart/signed message (4.8.eml)            |
//! | 4.9  | AliceDSS                  | DSA | SHA-1  | application/pkcs7-mime message (4.9.eml)      |
//! | 4.10 | AliceDSS                  | DSA | SHA-1  | many unusual signed attributes                |
//! | 4.11 | none                      | -   | -      | certificates-only SignedData, no content      |
//!
//! Our crypto backend (aws-lc-rs) has no DSA, so the DSA examples must come out as
//! `unsupported-algorithm` - asserted exactly, so that this table stays honest. The RSA ones
//! use SHA-1 and 1024-bit keys: valid only under `allow_legacy`, `weak-algorithm` without.
//! Certificates are valid 1999..2039; the chain is validated at 2010-01-01 against CarlRSASelf
//! (and CarlDSSSelf for the DSA examples).

use std::io::Read;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use smime::report::{Status, VerifyReport};
use smime::verify::{Verifier, VerifyOptions};
use smime::CryptoPolicy;
use x509_cert::Certificate;

fn data(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/rfc4134")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn cert(name: &str) -> Certificate {
    let mut certs = smime::crypto::load_certificates(&data(name), name).expect(name);
    assert_eq!(certs.len(), 1, "{name}");
    certs.remove(0)
}

/// 2010-01-01T00:00:00Z, inside the validity of every RFC 4134 certificate (1999..2039).
fn at() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_262_304_000)
}

fn options(legacy: bool) -> VerifyOptions {
    let mut options = VerifyOptions::new(vec![cert("CarlRSASelf.cer"), cert("CarlDSSSelf.cer")]);
    options.policy = if legacy {
        CryptoPolicy::strict().allow_legacy()
    } else {
        CryptoPolicy::strict()
    };
    options.check_chain = true;
    options.check_sender = false;
    options.at = Some(at());
    options
}

#[derive(Clone, Copy)]
enum Input {
    /// A bare CMS file with its eContent.
    Attached,
    /// A bare CMS file whose content is ExContent.bin.
    Detached,
    /// A whole S/MIME message.
    Message,
}

struct Vector {
    id: &'static str,
    file: &'static str,
    input: Input,
    what: &'static str,
    /// Expected with allow_legacy.
    legacy: Status,
    /// Expected with the strict S/MIME 4.0 policy.
    strict: Status,
}

const VECTORS: &[Vector] = &[
    Vector {
        id: "4.2",
        file: "4.2.bin",
        input: Input::Attached,
        what: "RSA-1024 SHA-1, attached",
        legacy: Status::Valid,
        strict: Status::WeakAlgorithm,
    },
    Vector {
        id: "4.3",
        file: "4.3.bin",
        input: Input::Detached,
        what: "DSA SHA-1, detached",
        legacy: Status::UnsupportedAlgorithm,
        strict: Status::UnsupportedAlgorithm,
    },
    Vector {
        id: "4.4",
        file: "4.4.bin",
        input: Input::Attached,
        what: "DSA SHA-1, attributes, countersignature",
        legacy: Status::UnsupportedAlgorithm,
        strict: Status::UnsupportedAlgorithm,
    },
    Vector {
        id: "4.5",
        file: "4.5.bin",
        input: Input::Attached,
        what: "RSA-1024 SHA-1, BER indefinite",
        legacy: Status::Valid,
        strict: Status::WeakAlgorithm,
    },
    Vector {
        id: "4.6",
        file: "4.6.bin",
        input: Input::Attached,
        what: "DSA SHA-1, two signers",
        legacy: Status::UnsupportedAlgorithm,
        strict: Status::UnsupportedAlgorithm,
    },
    Vector {
        id: "4.7",
        file: "4.7.bin",
        input: Input::Attached,
        what: "DSA SHA-1, signer by SKI",
        legacy: Status::UnsupportedAlgorithm,
        strict: Status::UnsupportedAlgorithm,
    },
    Vector {
        id: "4.8",
        file: "4.8.eml",
        input: Input::Message,
        what: "DSA SHA-1, multipart/signed message",
        legacy: Status::UnsupportedAlgorithm,
        strict: Status::UnsupportedAlgorithm,
    },
    Vector {
        id: "4.9",
        file: "4.9.eml",
        input: Input::Message,
        what: "DSA SHA-1, application/pkcs7-mime message",
        legacy: Status::UnsupportedAlgorithm,
        strict: Status::UnsupportedAlgorithm,
    },
    Vector {
        id: "4.10",
        file: "4.10.bin",
        input: Input::Attached,
        what: "DSA SHA-1, unusual signed attributes",
        legacy: Status::UnsupportedAlgorithm,
        strict: Status::UnsupportedAlgorithm,
    },
    Vector {
        id: "4.11",
        file: "4.11.bin",
        input: Input::Detached,
        what: "certificates only, no signer",
        legacy: Status::NoSigners,
        strict: Status::NoSigners,
    },
];

fn run(v: &Vector, options: VerifyOptions) -> VerifyReport {
    let verifier = Verifier::new(options);
    let bytes = data(v.file);
    let result = match v.input {
        Input::Attached => verifier.verify_cms(&bytes[..], None, None),
        Input::Detached => {
            let content = data("ExContent.bin");
            let mut detached: &[u8] = &content;
            verifier.verify_cms(&bytes[..], Some(&mut detached as &mut dyn Read), None)
        }
        Input::Message => verifier.verify_bytes(&bytes),
    };
    result.unwrap_or_else(|e| panic!("RFC 4134 {}: verify failed with an error: {e}", v.id))
}

fn status_name(status: Status) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{status:?}"))
}

fn check_report(v: &Vector, report: &VerifyReport, expected: Status, policy: &str) {
    assert_eq!(
        report.status, expected,
        "RFC 4134 {} ({}) under {policy}: {report:#?}",
        v.id, v.what
    );
    assert_eq!(report.valid, expected == Status::Valid, "RFC 4134 {}", v.id);
    if expected == Status::NoSigners {
        assert!(report.signers.is_empty(), "RFC 4134 {}", v.id);
        return;
    }
    assert!(
        !report.signers.is_empty(),
        "RFC 4134 {}: no signer reports",
        v.id
    );
    for signer in &report.signers {
        assert_eq!(
            signer.status, expected,
            "RFC 4134 {} under {policy}: {signer:#?}",
            v.id
        );
        if expected == Status::Valid {
            assert!(signer.signature_valid, "RFC 4134 {}", v.id);
            assert_eq!(
                signer.chain.status, "trusted",
                "RFC 4134 {}: {signer:#?}",
                v.id
            );
            assert!(
                signer.problems.is_empty(),
                "RFC 4134 {}: {:?}",
                v.id,
                signer.problems
            );
        } else {
            assert!(!signer.signature_valid, "RFC 4134 {}", v.id);
            assert!(
                !signer.problems.is_empty(),
                "RFC 4134 {}: a failing signer must say why",
                v.id
            );
        }
    }
}

#[test]
fn rfc4134_signed_examples_with_legacy_policy() {
    let mut table = String::from("\nRFC 4134 section 4 (allow_legacy, chain at 2010-01-01):\n");
    table.push_str(&format!(
        "{:<5} {:<45} {:<22} {}\n",
        "id", "example", "status", "signers"
    ));
    for v in VECTORS {
        let report = run(v, options(true));
        let signers: Vec<String> = report
            .signers
            .iter()
            .map(|s| {
                format!(
                    "{} [{}]",
                    status_name(s.status),
                    s.subject.clone().unwrap_or_default()
                )
            })
            .collect();
        table.push_str(&format!(
            "{:<5} {:<45} {:<22} {}\n",
            v.id,
            v.what,
            status_name(report.status),
            signers.join(", ")
        ));
        check_report(v, &report, v.legacy, "allow_legacy");
    }
    println!("{table}");
}

#[test]
fn rfc4134_sha1_examples_are_refused_without_legacy() {
    let mut table = String::from("\nRFC 4134 section 4 (strict policy):\n");
    for v in VECTORS {
        let report = run(v, options(false));
        table.push_str(&format!("{:<5} {}\n", v.id, status_name(report.status)));
        check_report(v, &report, v.strict, "strict");
        assert!(
            !report.valid,
            "RFC 4134 {}: SHA-1 must not pass strict",
            v.id
        );
    }
    println!("{table}");
    // The RSA ones are refused for SHA-1 (and the 1024-bit key), and say so.
    for id in ["4.2", "4.5"] {
        let v = VECTORS.iter().find(|v| v.id == id).unwrap();
        let report = run(v, options(false));
        let problems = report.signers[0].problems.join("; ");
        assert!(
            problems.contains("SHA-1"),
            "RFC 4134 {id}: the refusal should name SHA-1: {problems}"
        );
    }
}

#[test]
fn rfc4134_rsa_examples_untrusted_without_the_rsa_root() {
    // Only the DSA root as anchor: the RSA signatures verify but the chain must not.
    let mut options = options(true);
    options.trust_anchors = vec![cert("CarlDSSSelf.cer")];
    for id in ["4.2", "4.5"] {
        let v = VECTORS.iter().find(|v| v.id == id).unwrap();
        let report = run(v, options.clone());
        assert_eq!(
            report.status,
            Status::Untrusted,
            "RFC 4134 {id}: {report:#?}"
        );
        assert!(report.signers[0].signature_valid, "RFC 4134 {id}");
    }
}

#[test]
fn rfc4134_rsa_examples_with_changed_content_are_bad_signatures() {
    for id in ["4.2", "4.5"] {
        let v = VECTORS.iter().find(|v| v.id == id).unwrap();
        let mut bytes = data(v.file);
        // 4.5 is BER and may chunk the eContent OCTET STRING: look for one word of it.
        let at = bytes
            .windows(6)
            .position(|w| w == b"sample")
            .expect("eContent in the file");
        bytes[at] ^= 0x01;
        let report = Verifier::new(options(true))
            .verify_cms(&bytes[..], None, None)
            .expect("verify");
        assert_eq!(
            report.status,
            Status::BadSignature,
            "RFC 4134 {id}: {report:#?}"
        );
        assert!(!report.valid);
    }
}

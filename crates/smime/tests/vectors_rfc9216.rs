//! The signed examples of draft-ireland-examples-cms (keys and certificates from RFC 9216),
//! tests/data/rfc9216/examples-cms, through the library verifier; chains checked against
//! the RFC 9216 sample CAs in tests/data/rfc9216/certs (see tests/data/PROVENANCE.md).
//!
//! What the files are (from `smime inspect` / `openssl cms -cmsout -print`):
//!
//! | file                              | signer(s)                     | algorithm                 | form     |
//! |-----------------------------------|-------------------------------|---------------------------|----------|
//! | signedByAliceRSA                  | Alice (RSA 2048)              | RSA PKCS#1 v1.5, SHA-256, no signed attributes | attached |
//! | signedByAliceRSAPSS               | Alice                         | RSASSA-PSS SHA-256, CMSAlgorithmProtection | attached |
//! | signedByCarlosEd25519             | Carlos (Ed25519)              | Ed25519, SHA-512, signing-certificate-v2 | attached |
//! | signedByCarlosDetached            | Carlos, by SKI (v3)           | Ed25519, SHA-512          | detached |
//! | signedByAliceAndCarlosNoCerts     | Carlos and Alice, no certs    | Ed25519 + RSA PKCS#1 v1.5 | attached |
//!
//! Every chain is within reach: Alice's certificate is issued by the self-signed "Sample
//! LAMPS RSA Certification Authority" and Carlos's by the self-signed "Sample LAMPS Ed25519
//! Certification Authority", both in rfc9216/certs, valid 2019/2020..2052. So every example
//! is checked with `check_chain = true` against those two self-signed roots (never with the
//! chain check off). The content is always `This is some sample content.`.

use std::io::Read;
use std::path::PathBuf;

use smime::report::{Status, VerifyReport};
use smime::verify::{Verifier, VerifyOptions};
use x509_cert::Certificate;

const CONTENT: &[u8] = b"This is some sample content.";

fn data(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/rfc9216")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn cert(name: &str) -> Certificate {
    let mut certs = smime::crypto::load_certificates(&data(name), name).expect(name);
    assert_eq!(certs.len(), 1, "{name}");
    certs.remove(0)
}

fn options() -> VerifyOptions {
    let mut options = VerifyOptions::new(vec![
        cert("certs/Sample_LAMPS_RSA_Certification_Authority.selfsigned.pem"),
        cert("certs/Sample_LAMPS_Ed25519_Certification_Authority.selfsigned.pem"),
    ]);
    options.check_chain = true;
    options.check_sender = false;
    options
}

struct Example {
    name: &'static str,
    detached: bool,
    /// Signer certificates to supply because the message carries none.
    supply: &'static [&'static str],
    /// Subjects (CN) of the signers, in SignerInfo order.
    signers: &'static [&'static str],
    signature_algorithm: &'static [&'static str],
}

const EXAMPLES: &[Example] = &[
    Example {
        name: "signedByAliceRSA",
        detached: false,
        supply: &[],
        signers: &["Alice Lovelace"],
        signature_algorithm: &["PKCS#1"],
    },
    Example {
        name: "signedByAliceRSAPSS",
        detached: false,
        supply: &[],
        signers: &["Alice Lovelace"],
        signature_algorithm: &["PSS"],
    },
    Example {
        name: "signedByCarlosEd25519",
        detached: false,
        supply: &[],
        signers: &["Carlos Turing"],
        signature_algorithm: &["Ed25519"],
    },
    Example {
        name: "signedByCarlosDetached",
        detached: true,
        supply: &[],
        signers: &["Carlos Turing"],
        signature_algorithm: &["Ed25519"],
    },
    Example {
        name: "signedByAliceAndCarlosNoCerts",
        detached: false,
        supply: &[
            "certs/alice@smime.example.sig.pem",
            "certs/carlos@smime.example.sig.pem",
        ],
        signers: &["Carlos Turing", "Alice Lovelace"],
        signature_algorithm: &["Ed25519", "PKCS#1"],
    },
];

fn verify(ex: &Example, cms: &[u8], content: &[u8]) -> VerifyReport {
    let mut options = options();
    options.certificates = ex.supply.iter().map(|c| cert(c)).collect();
    let verifier = Verifier::new(options);
    let result = if ex.detached {
        let mut detached: &[u8] = content;
        verifier.verify_cms(cms, Some(&mut detached as &mut dyn Read), None)
    } else {
        verifier.verify_cms(cms, None, None)
    };
    result.unwrap_or_else(|e| panic!("{}: verify failed with an error: {e}", ex.name))
}

fn check_valid(ex: &Example, report: &VerifyReport, encoding: &str) {
    assert_eq!(
        report.status,
        Status::Valid,
        "{} ({encoding}): {report:#?}",
        ex.name
    );
    assert!(report.valid);
    assert_eq!(report.signers.len(), ex.signers.len(), "{}", ex.name);
    for (i, signer) in report.signers.iter().enumerate() {
        assert_eq!(signer.status, Status::Valid, "{}: {signer:#?}", ex.name);
        assert!(signer.signature_valid);
        assert_eq!(signer.chain.status, "trusted", "{}: {signer:#?}", ex.name);
        let subject = signer.subject.clone().unwrap_or_default();
        assert!(
            subject.contains(ex.signers[i]),
            "{}: signer {i} is {subject}",
            ex.name
        );
        let alg = signer.signature_algorithm.clone().unwrap_or_default();
        assert!(
            alg.contains(ex.signature_algorithm[i]),
            "{}: signer {i} algorithm {alg}",
            ex.name
        );
    }
}

#[test]
fn rfc9216_signed_examples_are_valid_der_and_pem() {
    let mut table = String::from("\nRFC 9216 / examples-cms signed examples:\n");
    for ex in EXAMPLES {
        let der = data(&format!("examples-cms/binary-files/{}.p7m", ex.name));
        let report = verify(ex, &der, CONTENT);
        check_valid(ex, &report, "DER");
        let pem = data(&format!("examples-cms/pem-encoded/{}.pem", ex.name));
        let report = verify(ex, &pem, CONTENT);
        check_valid(ex, &report, "PEM");
        let algs: Vec<String> = report
            .signers
            .iter()
            .map(|s| s.signature_algorithm.clone().unwrap_or_default())
            .collect();
        table.push_str(&format!(
            "{:<32} {:<6} {}\n",
            ex.name,
            "valid",
            algs.join(" + ")
        ));
    }
    println!("{table}");
}

#[test]
fn rfc9216_signed_examples_with_a_changed_content_byte_are_bad_signatures() {
    for ex in EXAMPLES {
        let der = data(&format!("examples-cms/binary-files/{}.p7m", ex.name));
        let report = if ex.detached {
            let mut content = CONTENT.to_vec();
            content[0] ^= 0x01;
            verify(ex, &der, &content)
        } else {
            let mut changed = der.clone();
            let at = changed
                .windows(CONTENT.len())
                .position(|w| w == CONTENT)
                .expect("eContent in the file");
            changed[at + 5] ^= 0x01;
            verify(ex, &changed, CONTENT)
        };
        assert_eq!(
            report.status,
            Status::BadSignature,
            "{}: {report:#?}",
            ex.name
        );
        assert!(!report.valid, "{}", ex.name);
        for signer in &report.signers {
            assert_eq!(
                signer.status,
                Status::BadSignature,
                "{}: {signer:#?}",
                ex.name
            );
            assert!(!signer.signature_valid);
        }
    }
}

#[test]
fn rfc9216_two_signers_without_supplied_certificates_are_unknown_signers() {
    let ex = EXAMPLES
        .iter()
        .find(|e| e.name == "signedByAliceAndCarlosNoCerts")
        .unwrap();
    let der = data(&format!("examples-cms/binary-files/{}.p7m", ex.name));
    let report = Verifier::new(options())
        .verify_cms(&der[..], None, None)
        .expect("verify");
    assert_eq!(report.status, Status::UnknownSigner, "{report:#?}");
    assert!(!report.valid);
    // Only Alice's certificate: Carlos stays unknown, Alice verifies.
    let mut options = options();
    options.certificates = vec![cert("certs/alice@smime.example.sig.pem")];
    let report = Verifier::new(options)
        .verify_cms(&der[..], None, None)
        .expect("verify");
    assert!(!report.valid);
    assert_eq!(report.signers[0].status, Status::UnknownSigner);
    assert_eq!(report.signers[1].status, Status::Valid);
}

#[test]
fn rfc9216_examples_are_untrusted_under_the_other_root() {
    // Alice's examples with only the Ed25519 root (and no cross certificate): not trusted.
    let der = data("examples-cms/binary-files/signedByAliceRSA.p7m");
    let mut options = options();
    options.trust_anchors = vec![cert(
        "certs/Sample_LAMPS_Ed25519_Certification_Authority.selfsigned.pem",
    )];
    let report = Verifier::new(options.clone())
        .verify_cms(&der[..], None, None)
        .expect("verify");
    assert_eq!(report.status, Status::Untrusted, "{report:#?}");
    // With the cross-signed RSA CA certificate as an intermediate, the path reaches the
    // Ed25519 root.
    options.certificates = vec![cert(
        "certs/Sample_LAMPS_RSA_Certification_Authority.crosssigned.pem",
    )];
    let report = Verifier::new(options)
        .verify_cms(&der[..], None, None)
        .expect("verify");
    assert_eq!(report.status, Status::Valid, "{report:#?}");
}

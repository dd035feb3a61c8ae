//! Sign a message with the library, as a mail client would.
//!
//! ```text
//! cargo run -p smime --example sign -- CERT.pem KEY.pem < mail.eml > signed.eml
//! ```
use std::io::{stdin, stdout};

use smime::cms::signed_builder::SignerSpec;
use smime::crypto::{load_certificates, DigestAlgorithm, PrivateKey};
use smime::sign::{SignOptions, Signer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(cert_path), Some(key_path)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: sign CERT.pem KEY.pem < mail.eml > signed.eml");
        std::process::exit(2);
    };
    let certificate = load_certificates(&std::fs::read(cert_path)?, cert_path)?.remove(0);
    let key = PrivateKey::from_pem_or_der(&std::fs::read(key_path)?, key_path)?;
    let scheme = key.scheme(DigestAlgorithm::Sha256, false)?;
    let signer = Signer::new(
        vec![SignerSpec {
            certificate,
            key,
            scheme,
            chain: vec![],
            encryption_certificate: None,
            extra_attributes: vec![],
        }],
        SignOptions::default(),
    )?;
    // Streams: memory stays bounded whatever the message size.
    signer.sign(stdin().lock(), stdout().lock(), &mut |_| {})?;
    Ok(())
}

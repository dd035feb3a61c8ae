//! Reading and writing PKCS#12 files (RFC 7292): the certificate, its chain and the private
//! key. Reading ([`read`]) is our own and takes what any exporter writes: PBES2 with AES or
//! 3DES and PBKDF2 as OpenSSL 3 writes it, and the legacy PKCS#12 PBE ciphers with 3DES and
//! RC2 of older exports (`openssl pkcs12 -legacy`, old Windows and macOS). Writing, with the
//! `p12-keystore` crate, uses only PBES2 (RFC 8018 6.2) with PBKDF2-HMAC-SHA256 and
//! AES-256-CBC for every bag, and an HMAC-SHA256 MAC (RFC 7292 appendix B with SHA-256):
//! what OpenSSL 3, current Outlook, Thunderbird and macOS read without legacy switches.

mod asn1;
pub mod kdf;
mod read;

use der::Encode;
use p12_keystore::{EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, PrivateKeyChain};
use x509_cert::Certificate;
use zeroize::Zeroizing;

use crate::{Error, Result};

/// What a PKCS#12 file holds for one identity.
pub struct Pkcs12Identity {
    /// The end-entity certificate (the first of the key's chain).
    pub certificate: Certificate,
    /// The other certificates of the chain, leaf side first.
    pub chain: Vec<Certificate>,
    /// The private key, PKCS#8 DER.
    pub key_der: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for Pkcs12Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Pkcs12Identity({}, {} chain certificates)",
            super::describe_name(&self.certificate.tbs_certificate.subject),
            self.chain.len()
        )
    }
}

/// Everything a PKCS#12 file holds that mail needs.
#[derive(Debug)]
pub struct Pkcs12Contents {
    /// Each private key with its certificate and chain, in file order.
    pub identities: Vec<Pkcs12Identity>,
    /// The certificates that are neither a key's certificate nor in its chain.
    pub certificates: Vec<Certificate>,
}

/// Read every key with its certificate chain, and the other certificates, from a PKCS#12
/// file. `what` (the file name) goes in errors; a wrong password is reported as such.
pub fn read_pkcs12_contents(bytes: &[u8], password: &str, what: &str) -> Result<Pkcs12Contents> {
    read::read(bytes, password, what)
}

/// Whether `bytes` are a PKCS#12 file (a PFX, RFC 7292 4), told apart from certificates
/// and PKCS#7 bundles without a password.
pub fn is_pkcs12(bytes: &[u8]) -> bool {
    read::is_pfx(bytes)
}

/// Read the (first) private key with its certificate chain from a PKCS#12 file. `what` (the
/// file name) goes in errors; a wrong password is reported as such.
pub fn read_pkcs12(bytes: &[u8], password: &str, what: &str) -> Result<Pkcs12Identity> {
    read::read(bytes, password, what)?
        .identities
        .into_iter()
        .next()
        .ok_or_else(|| Error::key(what, "the PKCS#12 file holds no private key"))
}

/// PBKDF2 and MAC iterations of written files. OpenSSL 3 writes 2048; more costs a
/// password guesser more, and a tenth of a second per export is nothing.
pub const PKCS12_ITERATIONS: u64 = 100_000;

/// Write `identity` (key, certificate, chain) as a PKCS#12 file under `password`: PBES2 with
/// PBKDF2-HMAC-SHA256 and AES-256-CBC for the key and the certificates, HMAC-SHA256 for the
/// MAC, [`PKCS12_ITERATIONS`] each. `friendly_name` labels the key and its certificate (the
/// name mail clients show). The key must be PKCS#8 DER (RFC 5958).
pub fn write_pkcs12(
    identity: &Pkcs12Identity,
    friendly_name: &str,
    password: &str,
) -> Result<Vec<u8>> {
    let what = format!("PKCS#12 export of {friendly_name}");
    if super::private_key::pkcs8_algorithm_and_key(&identity.key_der).is_none() {
        return Err(Error::key(
            &what,
            "the private key is not PKCS#8 DER (RFC 5958)",
        ));
    }
    let to_p12 = |c: &Certificate| {
        let der = c
            .to_der()
            .map_err(|e| Error::key(&what, format!("encoding a certificate: {e}")))?;
        p12_keystore::Certificate::from_der(&der)
            .map_err(|e| Error::key(&what, format!("a certificate: {e}")))
    };
    let chain = std::iter::once(&identity.certificate)
        .chain(&identity.chain)
        .map(to_p12)
        .collect::<Result<Vec<_>>>()?;
    // localKeyId (RFC 7292 4.2, PKCS#9 9.4) pairs the key with its certificate: the
    // certificate's SHA-256 fingerprint is unique and stable.
    let leaf_der = identity
        .certificate
        .to_der()
        .map_err(|e| Error::key(&what, format!("encoding the certificate: {e}")))?;
    let local_key_id = super::digest(super::DigestAlgorithm::Sha256, &leaf_der);
    let mut store = KeyStore::new();
    store.add_entry(
        friendly_name,
        KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(
            // p12-keystore copies the key into a Vec it does not clear: one more plaintext
            // copy in memory until it is freed (the crate offers no zeroising type).
            identity.key_der.as_slice(),
            local_key_id,
            chain,
        )),
    );
    store
        .writer(password)
        .encryption_algorithm(EncryptionAlgorithm::PbeWithHmacSha256AndAes256)
        .encryption_iterations(PKCS12_ITERATIONS)
        .mac_algorithm(MacAlgorithm::HmacSha256)
        .mac_iterations(PKCS12_ITERATIONS)
        .write()
        .map_err(|e| Error::key(&what, format!("writing: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_pki::{Pki, LEAF_EXTENSIONS};

    /// A CA, and `alice.key` with `alice.pem` issued by it.
    fn identity() -> Pki {
        let pki = Pki::new();
        pki.key("ca", "rsa2048");
        pki.root("ca", "/CN=Test CA", 30);
        pki.key("alice", "p256");
        pki.issue("alice", "/CN=Alice", "ca", 30, 7, LEAF_EXTENSIONS);
        pki
    }

    #[test]
    fn write_pkcs12_openssl_reads_it_without_legacy_with_aes_and_sha256() {
        let pki = identity();
        let key = pki.read("alice.key");
        let key_der = crate::crypto::pem_blocks(&key, "alice.key")
            .unwrap()
            .remove(0)
            .der;
        let written = write_pkcs12(
            &Pkcs12Identity {
                certificate: pki.cert("alice"),
                chain: vec![pki.cert("ca")],
                key_der: Zeroizing::new(key_der),
            },
            "alice@example.org",
            "s3cret pass",
        )
        .unwrap();
        pki.write("out.p12", &written);
        pki.write("pass.txt", b"s3cret pass");
        // OpenSSL 3 without -legacy; -info names the algorithms on stderr.
        let out = std::process::Command::new("openssl")
            .args([
                "pkcs12",
                "-in",
                "out.p12",
                "-passin",
                "file:pass.txt",
                "-info",
                "-nodes",
            ])
            .current_dir(pki.path(""))
            .output()
            .unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(out.status.success(), "{stderr}");
        assert!(stderr.contains("MAC: sha256"), "{stderr}");
        assert!(stderr.contains("PBKDF2, AES-256-CBC"), "{stderr}");
        assert!(
            !stderr.contains("3DES") && !stderr.contains("RC2"),
            "{stderr}"
        );
        assert!(
            stdout.contains("friendlyName: alice@example.org"),
            "{stdout}"
        );
        // The key openssl recovers is ours, and both certificates came through.
        pki.write("back.pem", &out.stdout);
        pki.openssl(&["pkey", "-in", "back.pem", "-pubout", "-out", "back.pub"]);
        pki.openssl(&["pkey", "-in", "alice.key", "-pubout", "-out", "alice.pub"]);
        assert_eq!(pki.read("back.pub"), pki.read("alice.pub"));
        assert_eq!(stdout.matches("BEGIN CERTIFICATE").count(), 2, "{stdout}");
        // The wrong password is refused by openssl too.
        pki.write("wrong.txt", b"other");
        assert!(!pki.try_openssl(&[
            "pkcs12",
            "-in",
            "out.p12",
            "-passin",
            "file:wrong.txt",
            "-nokeys"
        ]));
    }

    #[test]
    fn read_pkcs12_openssl_modern_and_legacy_exports_round_trip() {
        let pki = identity();
        pki.write("pass.txt", b"pw");
        for (file, legacy) in [("modern.p12", false), ("legacy.p12", true)] {
            let mut args = vec![
                "pkcs12",
                "-export",
                "-inkey",
                "alice.key",
                "-in",
                "alice.pem",
                "-certfile",
                "ca.pem",
                "-passout",
                "file:pass.txt",
                "-out",
                file,
            ];
            if legacy {
                // PBE-SHA1-RC2-40 for the certificates, PBE-SHA1-3DES for the key, SHA-1 MAC.
                args.push("-legacy");
            }
            pki.openssl(&args);
            let read = read_pkcs12(&pki.read(file), "pw", file).unwrap();
            assert_eq!(read.certificate, pki.cert("alice"), "{file}");
            assert_eq!(read.chain, vec![pki.cert("ca")], "{file}");
            let key = crate::crypto::PrivateKey::from_pem_or_der(&read.key_der, file).unwrap();
            assert_eq!(key.public_key_spki(), pki.spki("alice"), "{file}");
            // Written again by us, read again by us: the same identity.
            let again = write_pkcs12(&read, "alice", "new pw").unwrap();
            let back = read_pkcs12(&again, "new pw", "again").unwrap();
            assert_eq!(back.certificate, read.certificate);
            assert_eq!(back.chain, read.chain);
            assert_eq!(*back.key_der, *read.key_der);
            let err = read_pkcs12(&again, "wrong", "again.p12").unwrap_err();
            assert!(err.to_string().contains("wrong password"), "{err}");
        }
    }

    #[test]
    fn read_pkcs12_every_flipped_byte_and_truncation_is_an_error_or_the_identity() {
        // Without a MAC every byte reaches the parser and the decryption; the reader must
        // answer each change with an error or a readable identity, never a panic.
        let pki = identity();
        pki.write("pass.txt", b"pw");
        for (file, extra) in [
            ("nomac-legacy.p12", &["-legacy", "-nomac"][..]),
            ("nomac.p12", &["-nomac"][..]),
        ] {
            let mut args = vec![
                "pkcs12",
                "-export",
                "-inkey",
                "alice.key",
                "-in",
                "alice.pem",
                "-certfile",
                "ca.pem",
                "-passout",
                "pass:pw",
                "-out",
                file,
            ];
            args.extend_from_slice(extra);
            pki.openssl(&args);
            let bytes = pki.read(file);
            assert!(read_pkcs12(&bytes, "pw", file).is_ok(), "{file}");
            let (mut errors, mut identities) = (0, 0);
            for i in 0..bytes.len() {
                let mut changed = bytes.clone();
                if let Some(b) = changed.get_mut(i) {
                    *b ^= 0x5a;
                }
                match read_pkcs12(&changed, "pw", file) {
                    Ok(_) => identities += 1,
                    Err(_) => errors += 1,
                }
                let _ = read_pkcs12(&bytes[..i], "pw", file)
                    .map(|_| panic!("{file}: truncated to {i} bytes read"));
            }
            // Without a MAC, changes inside the plain certificates still parse; changes in
            // the structure and the encrypted key do not.
            assert!(
                errors > 0 && identities > 0,
                "{file}: {errors} errors, {identities} read"
            );
        }
    }

    #[test]
    fn write_pkcs12_key_not_pkcs8_der_is_refused() {
        let pki = identity();
        let err = write_pkcs12(
            &Pkcs12Identity {
                certificate: pki.cert("alice"),
                chain: vec![],
                key_der: Zeroizing::new(pki.read("alice.key")),
            },
            "alice",
            "pw",
        )
        .unwrap_err();
        assert!(err.to_string().contains("not PKCS#8 DER"), "{err}");
    }
}

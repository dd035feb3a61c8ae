//! The recipient layer against real peers: key agreement (ECDH P-256/P-384, X25519), key
//! transport (RSA) and previously distributed keys (KEK), both directions, with OpenSSL, NSS
//! `cmsutil` and `gpgsm`; recipients of several key types in one message; the certificate
//! checks of encryption; wrong keys.
//!
//! What the peers here can do (Debian 12: OpenSSL 3.0, NSS 3.87, GnuPG 2.2.40), as these
//! tests assert (a peer upgrade that adds support makes the "cannot" assertions fail, which
//! is the signal to extend the tests):
//!
//! | peer    | RSA PKCS#1 | RSA OAEP | ECDH P-256/P-384 | X25519 | KEK | AES-GCM |
//! |---------|------------|----------|------------------|--------|-----|---------|
//! | openssl | both ways  | both ways| both ways        | no (cannot encrypt to X25519 in CMS) | writes (we read) | both ways |
//! | cmsutil | both ways  | no       | no (cannot encrypt to EC; our and OpenSSL's kari: SEC_ERROR_BAD_DER) | - | - | no |
//! | gpgsm   | both ways  | writes PKCS#1 only; cannot decrypt OAEP | no (refuses keyAgreement recipients; no ECDH decryption) | - | - | - |

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{
    base64_decode, pki_in_temp_dir, require_peer, require_peers, run, smime, split_header, Gpgsm,
    Nss, Outcome, Pki, Recipient, RecipientKey,
};

const MESSAGE: &str = "From: Alice <alice@example.com>\r\nTo: Bob <bob@example.com>\r\nSubject: recipients\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nThe numbers are in.\r\nA second line, long enough for several AES blocks of content.\r\n";

/// The entity `smime encrypt` protects for [`MESSAGE`], and what peers are given to encrypt.
const ENTITY: &str = "Content-Type: text/plain; charset=us-ascii\r\n\r\nThe numbers are in.\r\nA second line, long enough for several AES blocks of content.\r\n";

/// A PKI with one encryption recipient of each key kind, and the message files.
struct Setup {
    pki: Pki,
    recipients: Vec<Recipient>,
    _dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Option<Setup> {
        let (dir, pki) = pki_in_temp_dir("smime-recipients-")?;
        let recipients = RecipientKey::ALL
            .iter()
            .map(|&k| pki.recipient(k, &format!("{}-enc", k.name()), k.encryption_usage()))
            .collect();
        std::fs::write(dir.path().join("msg.eml"), MESSAGE).unwrap();
        std::fs::write(dir.path().join("entity.txt"), ENTITY).unwrap();
        Some(Setup {
            pki,
            recipients,
            _dir: dir,
        })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.pki.dir.join(name)
    }

    fn recipient(&self, kind: RecipientKey) -> &Recipient {
        self.recipients.iter().find(|r| r.kind == kind).unwrap()
    }

    /// `smime encrypt --to` each of `to`, with `extra` flags; the output message.
    fn encrypt(&self, to: &[&Recipient], extra: &[&str], out: &str) -> Outcome {
        let mut args: Vec<String> = vec!["encrypt".into()];
        for r in to {
            args.push("--to".into());
            args.push(r.cert.display().to_string());
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        args.extend([
            "--in".into(),
            self.path("msg.eml").display().to_string(),
            "--out".into(),
            self.path(out).display().to_string(),
        ]);
        smime(&args)
    }

    /// `smime decrypt --cert --key` (or `--key` alone when `with_cert` is false) of `input`.
    fn decrypt(&self, r: &Recipient, with_cert: bool, input: &str) -> Outcome {
        let mut args: Vec<String> = vec!["decrypt".into(), "--json".into()];
        if with_cert {
            args.extend(["--cert".into(), r.cert.display().to_string()]);
        }
        args.extend([
            "--key".into(),
            r.key.display().to_string(),
            "--in".into(),
            self.path(input).display().to_string(),
        ]);
        smime(&args)
    }

    /// The DER of an encrypted message written by `smime encrypt`.
    fn der_of(&self, message: &str) -> Vec<u8> {
        let bytes = std::fs::read(self.path(message)).unwrap();
        let (_, body) = split_header(&bytes);
        base64_decode(body)
    }
}

fn openssl(dir: &Path, args: &[&str]) -> Outcome {
    run(Command::new("openssl").current_dir(dir).args(args))
}

/// `openssl cms -decrypt` of DER `input` for `r`; the content in `stdout`.
fn openssl_decrypt(setup: &Setup, input: &str, r: &Recipient) -> Outcome {
    let cert = r.cert.display().to_string();
    let key = r.key.display().to_string();
    openssl(
        &setup.pki.dir,
        &[
            "cms", "-decrypt", "-inform", "DER", "-in", input, "-recip", &cert, "-inkey", &key,
        ],
    )
}

/// The decrypted message of a successful `smime decrypt` of a MIME message: outer headers
/// then the entity. For a bare DER input only the entity.
fn assert_decrypted(o: &Outcome, what: &str) -> serde_json::Value {
    assert!(o.ok(), "{what}: {o}");
    let report: serde_json::Value = serde_json::from_str(&o.stderr).unwrap_or_else(|e| {
        panic!("{what}: the --json report: {e}\n{}", o.stderr);
    });
    assert_eq!(report["status"], "decrypted", "{what}");
    report
}

#[test]
fn openssl_encrypt_to_ec_recipients_smime_decrypts() {
    let Some(s) = Setup::new() else { return };
    for kind in [RecipientKey::P256, RecipientKey::P384] {
        let r = s.recipient(kind);
        let cert = r.cert.display().to_string();
        // OpenSSL's default KDF for EC recipients is X9.63 with SHA-1.
        for (keyopt, kdf) in [
            (None, "X9.63 KDF SHA-1"),
            (Some("ecdh_kdf_md:sha256"), "X9.63 KDF SHA-256"),
            (Some("ecdh_kdf_md:sha384"), "X9.63 KDF SHA-384"),
            (Some("ecdh_kdf_md:sha512"), "X9.63 KDF SHA-512"),
        ] {
            // -aes-192-cbc: AES-192 content and, to match, an AES-192 key wrap (read only).
            for cipher in [
                "-aes-256-cbc",
                "-aes-128-cbc",
                "-aes-192-cbc",
                "-aes-128-gcm",
                "-aes-256-gcm",
            ] {
                let what = format!("{} {keyopt:?} {cipher}", kind.name());
                let mut args = vec![
                    "cms",
                    "-encrypt",
                    "-in",
                    "entity.txt",
                    "-outform",
                    "DER",
                    "-out",
                    "peer.der",
                    cipher,
                    "-recip",
                    &cert,
                ];
                if let Some(k) = keyopt {
                    args.extend(["-keyopt", k]);
                }
                let o = openssl(&s.pki.dir, &args);
                assert!(o.ok(), "{what}: {o}");
                let out = s.decrypt(r, true, "peer.der");
                let report = assert_decrypted(&out, &what);
                assert_eq!(out.stdout, ENTITY.as_bytes(), "{what}");
                let algorithm = report["key_transport"].as_str().unwrap_or_default();
                if cipher == "-aes-192-cbc" {
                    assert_eq!(report["cipher"], "AES-192-CBC", "{what}");
                    assert!(
                        algorithm.contains("AES-192 key wrap"),
                        "{what}: {algorithm}"
                    );
                }
                assert!(
                    algorithm.contains(kdf)
                        && algorithm.contains(if kind == RecipientKey::P256 {
                            "P-256"
                        } else {
                            "P-384"
                        }),
                    "{what}: {algorithm}"
                );
                assert_eq!(
                    algorithm.contains("SHA-1 in the KDF"),
                    keyopt.is_none(),
                    "{what}: a SHA-1 KDF is reported: {algorithm}"
                );
            }
        }
    }
}

#[test]
fn openssl_encrypt_to_mixed_recipients_smime_decrypts_for_each() {
    let Some(s) = Setup::new() else { return };
    let rsa = s.recipient(RecipientKey::Rsa);
    let p256 = s.recipient(RecipientKey::P256);
    let p384 = s.recipient(RecipientKey::P384);
    let (c1, c2, c3) = (
        rsa.cert.display().to_string(),
        p256.cert.display().to_string(),
        p384.cert.display().to_string(),
    );
    let o = openssl(
        &s.pki.dir,
        &[
            "cms",
            "-encrypt",
            "-in",
            "entity.txt",
            "-outform",
            "DER",
            "-out",
            "mixed.der",
            "-aes-256-cbc",
            "-recip",
            &c1,
            "-keyopt",
            "rsa_padding_mode:oaep",
            "-recip",
            &c2,
            "-recip",
            &c3,
            "-keyopt",
            "ecdh_kdf_md:sha384",
        ],
    );
    assert!(o.ok(), "{o}");
    for (r, index) in [(rsa, 1), (p256, 2), (p384, 3)] {
        let out = s.decrypt(r, true, "mixed.der");
        let report = assert_decrypted(&out, &r.name);
        assert_eq!(out.stdout, ENTITY.as_bytes(), "{}", r.name);
        assert_eq!(report["recipients"], 3);
        assert_eq!(report["recipient"], index, "{}", r.name);
        // The key alone finds its RecipientInfo too.
        let out = s.decrypt(r, false, "mixed.der");
        assert_decrypted(&out, &format!("{} without --cert", r.name));
        assert_eq!(out.stdout, ENTITY.as_bytes());
    }
}

#[test]
fn smime_encrypt_to_ec_recipients_openssl_decrypts() {
    let Some(s) = Setup::new() else { return };
    for kind in [RecipientKey::P256, RecipientKey::P384] {
        let r = s.recipient(kind);
        for cipher in ["aes-128-cbc", "aes-256-cbc", "aes-128-gcm", "aes-256-gcm"] {
            for id in ["issuer-serial", "ski"] {
                let what = format!("{} {cipher} {id}", kind.name());
                let o = s.encrypt(
                    &[r],
                    &["--cipher", cipher, "--recipient-id", id],
                    "ours.eml",
                );
                assert!(o.ok(), "{what}: {o}");
                std::fs::write(s.path("ours.der"), s.der_of("ours.eml")).unwrap();
                let out = openssl_decrypt(&s, "ours.der", r);
                assert!(out.ok(), "{what}: {out}");
                assert_eq!(out.stdout, ENTITY.as_bytes(), "{what}");
                let ours = s.decrypt(r, true, "ours.eml");
                assert_decrypted(&ours, &what);
                assert!(ours.stdout.ends_with(ENTITY.as_bytes()), "{what}");
            }
        }
    }
}

#[test]
fn smime_encrypt_to_rsa_ec_and_x25519_in_one_message_each_decrypts() {
    let Some(s) = Setup::new() else { return };
    let all: Vec<&Recipient> = s.recipients.iter().collect();
    let o = s.encrypt(&all, &["--cipher", "aes-256-gcm"], "all.eml");
    assert!(o.ok(), "{o}");
    std::fs::write(s.path("all.der"), s.der_of("all.eml")).unwrap();
    for r in &s.recipients {
        let out = s.decrypt(r, true, "all.eml");
        let report = assert_decrypted(&out, &r.name);
        assert_eq!(report["recipients"], 4, "{}", r.name);
        assert!(out.stdout.ends_with(ENTITY.as_bytes()), "{}", r.name);
        let expected = match r.kind {
            RecipientKey::Rsa => "RSAES-OAEP",
            RecipientKey::X25519 => "HKDF-SHA-256",
            RecipientKey::P256 => "X9.63 KDF SHA-256",
            RecipientKey::P384 => "X9.63 KDF SHA-384",
        };
        let algorithm = report["key_transport"].as_str().unwrap_or_default();
        assert!(algorithm.contains(expected), "{}: {algorithm}", r.name);
        if r.kind != RecipientKey::X25519 {
            let peer = openssl_decrypt(&s, "all.der", r);
            assert!(peer.ok(), "openssl for {}: {peer}", r.name);
            assert_eq!(peer.stdout, ENTITY.as_bytes());
        }
    }
}

/// OpenSSL 3.0 has no X25519 key agreement in CMS: it cannot encrypt to an X25519
/// certificate. Should a later OpenSSL manage, its output must decrypt with us and ours
/// with it.
#[test]
fn x25519_with_openssl_and_our_own_round_trip() {
    let Some(s) = Setup::new() else { return };
    let r = s.recipient(RecipientKey::X25519);
    let cert = r.cert.display().to_string();
    let o = s.encrypt(&[r], &["--cipher", "aes-128-gcm"], "x.eml");
    assert!(o.ok(), "{o}");
    let ours = s.decrypt(r, true, "x.eml");
    assert_decrypted(&ours, "X25519 round trip");
    std::fs::write(s.path("x.der"), s.der_of("x.eml")).unwrap();
    let peer_encrypt = openssl(
        &s.pki.dir,
        &[
            "cms",
            "-encrypt",
            "-in",
            "entity.txt",
            "-outform",
            "DER",
            "-out",
            "peer-x.der",
            "-aes-128-cbc",
            "-recip",
            &cert,
        ],
    );
    let peer_decrypt = openssl_decrypt(&s, "x.der", r);
    let version = openssl(&s.pki.dir, &["version"]).stdout_text();
    if peer_encrypt.ok() {
        let out = s.decrypt(r, true, "peer-x.der");
        assert_decrypted(&out, "openssl X25519 output");
        assert_eq!(out.stdout, ENTITY.as_bytes());
    } else {
        println!(
            "{version}: openssl cms cannot encrypt to X25519: {}",
            peer_encrypt.stderr
        );
        assert!(
            version.starts_with("OpenSSL 3.0") || version.starts_with("OpenSSL 3.1"),
            "{version} fails to encrypt to X25519: {peer_encrypt}"
        );
    }
    if peer_decrypt.ok() {
        assert_eq!(peer_decrypt.stdout, ENTITY.as_bytes());
    } else {
        println!(
            "{version}: openssl cms cannot decrypt X25519 kari: {}",
            peer_decrypt.stderr
        );
        assert!(
            version.starts_with("OpenSSL 3.0") || version.starts_with("OpenSSL 3.1"),
            "{version} fails to decrypt our X25519 message: {peer_decrypt}"
        );
    }
}

#[test]
fn kek_openssl_secretkey_smime_decrypts_and_wrong_id_or_key_fails() {
    let Some(s) = Setup::new() else { return };
    let key256 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    let key128 = "f0e0d0c0b0a090807060504030201000";
    // A 24-byte key: openssl wraps with id-aes192-wrap, which we read (never write).
    let key192 = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7";
    std::fs::write(s.path("kek192.hex"), format!("{key192}\n")).unwrap();
    std::fs::write(s.path("wrong192.hex"), "22".repeat(24)).unwrap();
    std::fs::write(s.path("kek256.hex"), format!("{key256}\n")).unwrap();
    let raw128: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&key128[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    std::fs::write(s.path("kek128.bin"), &raw128).unwrap();
    std::fs::write(s.path("wrong.hex"), "11".repeat(32)).unwrap();
    for (key, file, cipher) in [
        (key256, "kek256.hex", "-aes-256-cbc"),
        (key256, "kek256.hex", "-aes-256-gcm"),
        (key128, "kek128.bin", "-aes-128-cbc"),
        (key192, "kek192.hex", "-aes-192-cbc"),
        (key192, "kek192.hex", "-aes-256-gcm"),
    ] {
        let o = openssl(
            &s.pki.dir,
            &[
                "cms",
                "-encrypt",
                "-in",
                "entity.txt",
                "-outform",
                "DER",
                "-out",
                "kek.der",
                cipher,
                "-secretkey",
                key,
                "-secretkeyid",
                "6b65792d31",
            ],
        );
        assert!(o.ok(), "{o}");
        let kek = s.path(file).display().to_string();
        let input = s.path("kek.der").display().to_string();
        let out = smime(&[
            "decrypt",
            "--json",
            "--kek-file",
            &kek,
            "--kek-id",
            "6B65792D31",
            "--in",
            &input,
        ]);
        let report = assert_decrypted(&out, &format!("{file} {cipher}"));
        assert_eq!(out.stdout, ENTITY.as_bytes());
        let algorithm = report["key_transport"].as_str().unwrap_or_default();
        assert!(
            algorithm.contains("previously distributed key"),
            "{algorithm}"
        );
        assert_eq!(
            algorithm.contains("AES-192 key wrap"),
            key == key192,
            "{algorithm}"
        );
        let other_id = smime(&[
            "decrypt",
            "--kek-file",
            &kek,
            "--kek-id",
            "6b65792d32",
            "--in",
            &input,
        ]);
        assert_eq!(other_id.code(), 1, "{other_id}");
        assert!(other_id.stderr.contains("is not among"), "{other_id}");
        if file != "kek128.bin" {
            let wrong = if key == key192 {
                "wrong192.hex"
            } else {
                "wrong.hex"
            };
            let wrong = s.path(wrong).display().to_string();
            let out = smime(&[
                "decrypt",
                "--kek-file",
                &wrong,
                "--kek-id",
                "6b65792d31",
                "--in",
                &input,
            ]);
            assert_eq!(out.code(), 1, "{out}");
            assert!(out.stdout.is_empty());
            assert!(
                out.stderr
                    .contains("decryption failed: wrong key or corrupted message"),
                "{out}"
            );
        }
    }
}

#[test]
fn decrypt_ec_wrong_key_fails_like_a_changed_message() {
    let Some(s) = Setup::new() else { return };
    let r = s.recipient(RecipientKey::P256);
    let other = s
        .pki
        .recipient(RecipientKey::P256, "p256-other", "keyAgreement");
    for cipher in ["aes-256-gcm", "aes-256-cbc"] {
        let o = s.encrypt(&[r], &["--cipher", cipher], "ec.eml");
        assert!(o.ok(), "{o}");
        // The right certificate with another P-256 key.
        let wrong = smime(&[
            "decrypt",
            "--cert",
            &r.cert.display().to_string(),
            "--key",
            &other.key.display().to_string(),
            "--in",
            &s.path("ec.eml").display().to_string(),
        ]);
        assert_eq!(wrong.code(), 1, "{cipher}: {wrong}");
        assert!(wrong.stdout.is_empty());
        // A changed encryptedKey (the wrapped key sits before the EncryptedContentInfo).
        let mut der = s.der_of("ec.eml");
        let at = find_wrapped_key(&der);
        der[at] ^= 0x01;
        std::fs::write(s.path("changed.der"), &der).unwrap();
        let changed = s.decrypt(r, true, "changed.der");
        assert_eq!(changed.code(), 1, "{cipher}: {changed}");
        assert!(changed.stdout.is_empty());
        let message = |o: &Outcome| {
            o.stderr
                .lines()
                .find(|l| l.starts_with("smime:"))
                .unwrap_or_default()
                .to_string()
        };
        assert_eq!(
            message(&wrong),
            "smime: decryption failed: wrong key or corrupted message"
        );
        assert_eq!(message(&wrong), message(&changed), "{cipher}");
        // The other key alone is no recipient of the message: it is tried and fails.
        let alone = s.decrypt(&other, false, "ec.eml");
        assert_eq!(alone.code(), 1, "{alone}");
    }
}

/// The offset of the first byte of the wrapped content key of the (only) kari: the last
/// OCTET STRING of 24 or 40 bytes before the EncryptedContentInfo's id-data.
fn find_wrapped_key(der: &[u8]) -> usize {
    let id_data = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01,
    ];
    let end = der
        .windows(id_data.len())
        .position(|w| w == id_data)
        .expect("id-data");
    (0..end)
        .rev()
        .find(|&i| {
            der[i] == 0x04
                && (der[i + 1] == 24 || der[i + 1] == 40)
                && i + 2 + der[i + 1] as usize == end - 2
        })
        .map(|i| i + 2)
        .expect("the wrapped key")
}

#[test]
fn encrypt_refuses_recipient_certificates_that_forbid_it() {
    let Some(s) = Setup::new() else { return };
    let cases = [
        (
            RecipientKey::P256,
            "ec-sign",
            "digitalSignature",
            "keyAgreement",
        ),
        (
            RecipientKey::X25519,
            "x-enc-only",
            "keyAgreement,encipherOnly",
            "encipherOnly",
        ),
        (
            RecipientKey::Rsa,
            "rsa-agree",
            "keyAgreement",
            "keyEncipherment",
        ),
        (
            RecipientKey::P384,
            "p384-sign",
            "digitalSignature,nonRepudiation",
            "keyAgreement",
        ),
    ];
    for (kind, name, usage, expected) in cases {
        let bad = s.pki.recipient(kind, name, usage);
        let good = s.recipient(RecipientKey::P256);
        let o = s.encrypt(&[good, &bad], &[], "refused.eml");
        assert_eq!(o.code(), 2, "{name}: {o}");
        assert!(
            o.stderr.contains("recipient 2")
                && o.stderr.contains(&format!("CN={name}"))
                && o.stderr.contains(expected),
            "{name}: {o}"
        );
        assert!(
            !s.path("refused.eml").exists(),
            "no output for a refused recipient"
        );
    }
    // The signing-only P-256 leaf of the common PKI is refused too.
    let leaf = s.pki.leaf(common::Alg::P256);
    let cert = leaf.cert.display().to_string();
    let input = s.path("msg.eml").display().to_string();
    let o = smime(&["encrypt", "--to", &cert, "--in", &input]);
    assert_eq!(o.code(), 2, "{o}");
    assert!(o.stderr.contains("keyAgreement"), "{o}");
}

#[test]
fn encrypt_refuses_an_expired_ec_recipient() {
    let Some(s) = Setup::new() else { return };
    let r = s.recipient(RecipientKey::P256);
    // Reissue the same key with a validity that ended yesterday.
    let csr = s.path("expired.csr");
    let ext = s.path("expired.ext");
    std::fs::write(
        &ext,
        "keyUsage=critical,keyAgreement\nextendedKeyUsage=emailProtection\n",
    )
    .unwrap();
    let key = r.key.display().to_string();
    let o = openssl(
        &s.pki.dir,
        &[
            "req",
            "-new",
            "-key",
            &key,
            "-subj",
            "/CN=expired-ec",
            "-out",
            &csr.display().to_string(),
        ],
    );
    assert!(o.ok(), "{o}");
    let (ca, ca_key) = (
        s.pki.intermediate.display().to_string(),
        s.pki.intermediate_key.display().to_string(),
    );
    let o = openssl(
        &s.pki.dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr.display().to_string(),
            "-CA",
            &ca,
            "-CAkey",
            &ca_key,
            "-set_serial",
            "77",
            "-days",
            "-1",
            "-extfile",
            &ext.display().to_string(),
            "-out",
            "expired.pem",
        ],
    );
    assert!(o.ok(), "{o}");
    let cert = s.path("expired.pem").display().to_string();
    let input = s.path("msg.eml").display().to_string();
    let o = smime(&["encrypt", "--to", &cert, "--in", &input]);
    assert_eq!(o.code(), 2, "{o}");
    assert!(
        o.stderr.contains("CN=expired-ec") && o.stderr.contains("expired"),
        "{o}"
    );
}

#[test]
fn nss_rsa_both_ways_and_what_it_cannot() {
    let Some(s) = Setup::new() else { return };
    if !require_peers(&["certutil", "pk12util", "cmsutil"]) {
        return;
    }
    let mut nss = Nss::new(&s.pki.dir, &s.pki);
    let rsa = s.recipient(RecipientKey::Rsa);
    let p256 = s.recipient(RecipientKey::P256);
    for r in [rsa, p256] {
        assert!(
            nss.import(&r.leaf(&s.pki).unwrap()),
            "NSS import of {}",
            r.name
        );
    }
    // cmsutil -E (RSA PKCS#1 v1.5, AES CBC) -> smime decrypt.
    let o = nss.cmsutil_encrypt(&[&rsa.email], ENTITY.as_bytes());
    assert!(o.ok(), "{o}");
    std::fs::write(s.path("nss.der"), &o.stdout).unwrap();
    let out = s.decrypt(rsa, true, "nss.der");
    let report = assert_decrypted(&out, "cmsutil -E");
    assert_eq!(out.stdout, ENTITY.as_bytes());
    assert_eq!(report["key_transport"], "RSAES-PKCS1-v1_5");
    // smime encrypt -> cmsutil -D: PKCS#1 v1.5 with CBC works ...
    for cipher in ["aes-256-cbc", "aes-128-cbc"] {
        let o = s.encrypt(
            &[rsa],
            &["--key-transport", "pkcs1", "--cipher", cipher],
            "to-nss.eml",
        );
        assert!(o.ok(), "{o}");
        let out = nss.cmsutil_decrypt(&s.der_of("to-nss.eml"));
        assert!(out.ok(), "cmsutil -D {cipher}: {out}");
        assert_eq!(out.stdout, ENTITY.as_bytes());
    }
    // ... NSS 3.87 has no RSAES-OAEP, no AuthEnvelopedData and no ECDH in CMS.
    for (to, extra, what) in [
        (rsa, vec!["--cipher", "aes-256-cbc"], "RSA-OAEP"),
        (
            rsa,
            vec!["--key-transport", "pkcs1", "--cipher", "aes-256-gcm"],
            "AES-GCM",
        ),
        (p256, vec!["--cipher", "aes-256-cbc"], "ECDH P-256"),
    ] {
        let o = s.encrypt(&[to], &extra, "to-nss.eml");
        assert!(o.ok(), "{o}");
        let out = nss.cmsutil_decrypt(&s.der_of("to-nss.eml"));
        assert!(!out.ok(), "NSS now reads {what}: extend the tests ({out})");
    }
    let o = nss.cmsutil_encrypt(&[&p256.email], ENTITY.as_bytes());
    assert!(
        !o.ok(),
        "NSS now encrypts to EC keys: extend the tests ({o})"
    );
}

#[test]
fn gpgsm_both_ways() {
    let Some(s) = Setup::new() else { return };
    if !(require_peer("gpgsm") && require_peer("gpgconf")) {
        return;
    }
    let mut gpgsm = Gpgsm::new(&s.pki.dir, &s.pki);
    let rsa = s.recipient(RecipientKey::Rsa);
    let p256 = s.recipient(RecipientKey::P256);
    let p384 = s.recipient(RecipientKey::P384);
    for r in [rsa, p256, p384] {
        assert!(
            gpgsm.add(&r.leaf(&s.pki).unwrap()),
            "gpgsm install of {}",
            r.name
        );
    }
    let mut matrix = Vec::new();
    for r in [rsa, p256, p384] {
        // gpgsm --encrypt -> smime decrypt.
        let o = gpgsm.gpgsm_encrypt(&[&r.email], ENTITY.as_bytes());
        let peer_to_us = if o.ok() {
            std::fs::write(s.path("gpgsm.der"), &o.stdout).unwrap();
            let out = s.decrypt(r, true, "gpgsm.der");
            assert_decrypted(&out, &format!("gpgsm --encrypt to {}", r.name));
            assert_eq!(out.stdout, ENTITY.as_bytes());
            "ok".to_string()
        } else {
            format!(
                "gpgsm cannot encrypt: {}",
                o.stderr.lines().last().unwrap_or_default()
            )
        };
        // smime encrypt -> gpgsm --decrypt.
        let transports: &[&str] = if r.kind == RecipientKey::Rsa {
            &["pkcs1", "oaep"]
        } else {
            &["oaep"]
        };
        for transport in transports {
            let o = s.encrypt(
                &[r],
                &["--cipher", "aes-256-cbc", "--key-transport", transport],
                "to-gpgsm.eml",
            );
            assert!(o.ok(), "{o}");
            let out = gpgsm.gpgsm_decrypt(&s.der_of("to-gpgsm.eml"));
            let us_to_peer = if out.ok() {
                assert_eq!(out.stdout, ENTITY.as_bytes(), "gpgsm --decrypt {}", r.name);
                "ok".to_string()
            } else {
                format!(
                    "gpgsm cannot decrypt: {}",
                    out.stderr.lines().last().unwrap_or_default()
                )
            };
            matrix.push(format!(
                "{} ({transport}): gpgsm->smime {peer_to_us}; smime->gpgsm {us_to_peer}",
                r.name
            ));
        }
    }
    println!("{}", matrix.join("\n"));
    // GnuPG 2.2: RSA PKCS#1 v1.5 both ways; no RSAES-OAEP decryption; no ECDH in CMS (it
    // refuses a keyAgreement certificate as a recipient and has no ECDH decryption). A
    // gpgsm that learns any of these fails here: extend the tests then.
    let expect = [
        "rsa-enc (pkcs1): gpgsm->smime ok; smime->gpgsm ok",
        "rsa-enc (oaep): gpgsm->smime ok; smime->gpgsm gpgsm cannot decrypt",
        "p256-enc (oaep): gpgsm->smime gpgsm cannot encrypt",
        "p384-enc (oaep): gpgsm->smime gpgsm cannot encrypt",
    ];
    for (line, expected) in matrix.iter().zip(expect) {
        assert!(line.starts_with(expected), "{line}\nexpected: {expected}");
    }
    for line in &matrix[2..] {
        assert!(line.contains("smime->gpgsm gpgsm cannot decrypt"), "{line}");
    }
}

/// `smime sign` of the test message with `cert`/`key` (announces SMIMECapabilities with
/// AES-GCM); the signed message's path.
fn smime_signed(s: &Setup, cert: &Path, key: &Path, out: &str) -> String {
    let path = s.path(out).display().to_string();
    let o = smime(&[
        "sign",
        "--cert",
        &cert.display().to_string(),
        "--key",
        &key.display().to_string(),
        "--in",
        &s.path("msg.eml").display().to_string(),
        "--out",
        &path,
    ]);
    assert!(o.ok(), "{o}");
    path
}

/// The `smime: cipher ... (auto): ...` line and the smime-type of the output.
fn auto_choice(s: &Setup, to: &[&Path], capabilities: &[&str]) -> (String, String) {
    let mut args: Vec<String> = vec!["encrypt".into()];
    for t in to {
        args.extend(["--to".into(), t.display().to_string()]);
    }
    for c in capabilities {
        args.extend(["--capabilities".into(), c.to_string()]);
    }
    args.extend([
        "--in".into(),
        s.path("msg.eml").display().to_string(),
        "--out".into(),
        s.path("auto.eml").display().to_string(),
    ]);
    let o = smime(&args);
    assert!(o.ok(), "{o}");
    let line = o
        .stderr
        .lines()
        .find(|l| l.starts_with("smime: cipher"))
        .unwrap_or_default()
        .to_string();
    let message = std::fs::read(s.path("auto.eml")).unwrap();
    let smime_type = common::header_value(&message, "Content-Type")
        .and_then(|v| common::header_param(&v, "smime-type"))
        .unwrap_or_default();
    (line, smime_type)
}

#[test]
fn encrypt_auto_cipher_follows_the_recipients_capabilities() {
    let Some(s) = Setup::new() else { return };
    // A recipient whose one RSA certificate signs and encrypts.
    let dual = s.pki.recipient(
        RecipientKey::Rsa,
        "dual",
        "digitalSignature,keyEncipherment",
    );
    let dual_signed = smime_signed(&s, &dual.cert, &dual.key, "dual-signed.eml");
    // A P-256 encryption certificate with the address of the P-256 signing leaf.
    let leaf = s.pki.leaf(common::Alg::P256);
    let ec = s.pki.recipient_with_email(
        RecipientKey::P256,
        "ec-same-address",
        "keyAgreement",
        &leaf.email,
    );
    let leaf_signed = smime_signed(&s, &leaf.cert, &leaf.key, "leaf-signed.eml");
    let unknown = s.recipient(RecipientKey::P384);

    // Nothing known: AES-256-CBC, and why.
    let (line, smime_type) = auto_choice(&s, &[&dual.cert], &[]);
    assert!(
        line.starts_with("smime: cipher AES-256-CBC (auto)") && line.contains("not known"),
        "{line}"
    );
    assert_eq!(smime_type, "enveloped-data");

    // Every recipient announced AES-256-GCM (one by its certificate, one by its address).
    let (line, smime_type) =
        auto_choice(&s, &[&dual.cert, &ec.cert], &[&dual_signed, &leaf_signed]);
    assert!(
        line.starts_with("smime: cipher AES-256-GCM (auto)"),
        "{line}"
    );
    assert_eq!(smime_type, "authEnveloped-data");
    for r in [&dual, &ec] {
        let out = s.decrypt(r, true, "auto.eml");
        let report = assert_decrypted(&out, &r.name);
        assert_eq!(report["cipher"], "AES-256-GCM");
    }

    // One recipient unknown: AES-256-CBC, naming it.
    let (line, _) = auto_choice(&s, &[&dual.cert, &unknown.cert], &[&dual_signed]);
    assert!(
        line.starts_with("smime: cipher AES-256-CBC (auto)") && line.contains(&unknown.email),
        "{line}"
    );

    // OpenSSL announces no AES-GCM in its default SMIMECapabilities: CBC, saying so.
    let o = openssl(
        &s.pki.dir,
        &[
            "cms",
            "-sign",
            "-in",
            "entity.txt",
            "-signer",
            &dual.cert.display().to_string(),
            "-inkey",
            &dual.key.display().to_string(),
            "-out",
            "openssl-signed.eml",
        ],
    );
    assert!(o.ok(), "{o}");
    let openssl_signed = s.path("openssl-signed.eml").display().to_string();
    let (line, smime_type) = auto_choice(&s, &[&dual.cert], &[&openssl_signed]);
    assert!(
        line.starts_with("smime: cipher AES-256-CBC (auto)") && line.contains("announced none"),
        "{line}"
    );
    assert_eq!(smime_type, "enveloped-data");

    // A signed message whose signature does not verify is refused.
    let bytes = std::fs::read(&dual_signed).unwrap();
    let changed = common::replace_once(&bytes, b"The numbers are in.", b"The numbers are IN.");
    std::fs::write(s.path("changed-signed.eml"), changed).unwrap();
    let o = smime(&[
        "encrypt",
        "--to",
        &dual.cert.display().to_string(),
        "--capabilities",
        &s.path("changed-signed.eml").display().to_string(),
        "--in",
        &s.path("msg.eml").display().to_string(),
    ]);
    assert_eq!(o.code(), 2, "{o}");
    assert!(o.stderr.contains("no valid signature"), "{o}");
}

#[test]
fn decrypt_with_pkcs12_of_every_key_kind_legacy_pbe_and_wrong_password() {
    let Some(s) = Setup::new() else { return };
    let all: Vec<&Recipient> = s.recipients.iter().collect();
    let o = s.encrypt(&all, &["--cipher", "aes-256-gcm"], "p12.eml");
    assert!(o.ok(), "{o}");
    std::fs::write(s.path("password"), format!("{}\n", common::P12_PASSWORD)).unwrap();
    std::fs::write(s.path("wrong-password"), "not the password\n").unwrap();
    let input = s.path("p12.eml").display().to_string();
    let decrypt_p12 = |p12: &Path, password: &str| {
        smime(&[
            "decrypt",
            "--json",
            "--p12",
            &p12.display().to_string(),
            "--password-file",
            &s.path(password).display().to_string(),
            "--in",
            &input,
        ])
    };
    // OpenSSL 3 defaults: PBES2, AES-256-CBC, PBKDF2 with HMAC-SHA-256, SHA-256 MAC.
    for r in &s.recipients {
        let out = decrypt_p12(&r.p12, "password");
        assert_decrypted(&out, &format!("{} PKCS#12", r.name));
        assert!(out.stdout.ends_with(ENTITY.as_bytes()));
    }
    // Legacy PKCS#12 PBE (3DES, SHA-1 MAC), as older Windows exports write.
    let rsa = s.recipient(RecipientKey::Rsa);
    let legacy = s.path("legacy.p12");
    let (cert, key, out) = (
        rsa.cert.display().to_string(),
        rsa.key.display().to_string(),
        legacy.display().to_string(),
    );
    let passout = format!("pass:{}", common::P12_PASSWORD);
    let mut args = vec![
        "pkcs12", "-export", "-in", &cert, "-inkey", &key, "-passout", &passout, "-out", &out,
    ];
    args.extend(common::LEGACY_P12_ARGS);
    let o = openssl(&s.pki.dir, &args);
    assert!(o.ok(), "{o}");
    let out = decrypt_p12(&legacy, "password");
    assert_decrypted(&out, "legacy PKCS#12");
    // A wrong password is an input error naming the file, and nothing is written.
    let out = decrypt_p12(&rsa.p12, "wrong-password");
    assert_eq!(out.code(), 2, "{out}");
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains("wrong password") && out.stderr.contains("rsa-enc.p12"),
        "{out}"
    );
}

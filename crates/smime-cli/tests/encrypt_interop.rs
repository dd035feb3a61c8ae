//! Encryption interop with OpenSSL both ways, and the must-fail cases of decryption:
//! `smime encrypt` -> `openssl cms -decrypt` (OAEP and PKCS#1 x CBC and GCM),
//! `openssl cms -encrypt` -> `smime decrypt` (CBC, GCM, OAEP, several recipients, SKI),
//! wrong key, flipped bits, truncated input, a signing-only recipient certificate.
//!
//! The PKI (a CA and RSA-2048 recipients) is made with the openssl CLI in a temporary
//! directory. Without `openssl` on the PATH the tests say so and pass.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use tempfile::TempDir;

const MESSAGE: &str = "From: Alice <alice@example.com>\r\nTo: Bob <bob@example.com>\r\nSubject: quarterly numbers\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nThe numbers are in.\r\nSecond line of the body, long enough for several AES blocks.\r\n";

const EXTENSIONS: &str = "\
[enc]
basicConstraints=CA:FALSE
keyUsage=critical,keyEncipherment
extendedKeyUsage=emailProtection
subjectKeyIdentifier=hash
[sig]
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=emailProtection
subjectKeyIdentifier=hash
";

struct Pki {
    dir: TempDir,
}

impl Pki {
    /// A CA and the recipients alice, bob (keyEncipherment) and carol (digitalSignature only).
    fn new() -> Option<Pki> {
        if Command::new("openssl").arg("version").output().is_err() {
            eprintln!("openssl not found: skipping the encryption interop tests");
            return None;
        }
        let dir = TempDir::new().unwrap();
        let pki = Pki { dir };
        std::fs::write(pki.path("ext.cnf"), EXTENSIONS).unwrap();
        std::fs::write(pki.path("msg.eml"), MESSAGE).unwrap();
        pki.openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-subj",
            "/CN=Test CA",
            "-days",
            "30",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        for (i, (name, section)) in [("alice", "enc"), ("bob", "enc"), ("carol", "sig")]
            .iter()
            .enumerate()
        {
            let subject = format!("/CN={name}/emailAddress={name}@example.com");
            pki.openssl(&[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
                "-subj",
                &subject,
            ]);
            pki.openssl(&[
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-set_serial",
                &format!("{}", 1000 + i),
                "-days",
                "30",
                "-out",
                &format!("{name}.pem"),
                "-extfile",
                "ext.cnf",
                "-extensions",
                section,
            ]);
        }
        Some(pki)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn openssl(&self, args: &[&str]) -> Output {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn smime(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_smime"))
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap()
    }

    /// `smime decrypt` as `who`; returns the output.
    fn smime_decrypt(&self, cert: &str, key: &str, input: &str) -> Output {
        self.smime(&[
            "decrypt",
            "--cert",
            &format!("{cert}.pem"),
            "--key",
            &format!("{key}.key"),
            "--in",
            input,
        ])
    }
}

fn assert_success(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The decrypted output must hold the body and the outer Subject.
fn assert_decrypted_message(out: &[u8], what: &str) {
    let text = String::from_utf8_lossy(out);
    assert!(text.contains("The numbers are in."), "{what}: {text}");
    assert!(text.contains("Content-Type: text/plain"), "{what}: {text}");
}

/// Change the DER inside an S/MIME message with `change`, writing a new message.
fn tamper(input: &Path, output: &Path, change: impl FnOnce(&mut Vec<u8>)) {
    let text = std::fs::read_to_string(input).unwrap();
    let (headers, body) = text.split_once("\r\n\r\n").unwrap();
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let mut der = STANDARD.decode(compact).unwrap();
    change(&mut der);
    let encoded = STANDARD.encode(&der);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    std::fs::write(
        output,
        format!("{headers}\r\n\r\n{}\r\n", lines.join("\r\n")),
    )
    .unwrap();
}

#[test]
fn smime_encrypt_openssl_decrypts_every_cipher_and_key_transport() {
    let Some(pki) = Pki::new() else { return };
    for transport in ["oaep", "pkcs1"] {
        for cipher in ["aes-128-cbc", "aes-256-cbc", "aes-128-gcm", "aes-256-gcm"] {
            for rid in ["issuer-serial", "ski"] {
                let what = format!("{transport} {cipher} {rid}");
                let out = pki.smime(&[
                    "encrypt",
                    "--to",
                    "alice.pem",
                    "--cipher",
                    cipher,
                    "--key-transport",
                    transport,
                    "--recipient-id",
                    rid,
                    "--in",
                    "msg.eml",
                    "--out",
                    "enc.eml",
                ]);
                assert_success(&out, &what);
                let enc = std::fs::read_to_string(pki.path("enc.eml")).unwrap();
                assert!(enc.starts_with("From: Alice"), "{what}: outer headers kept");
                let smime_type = if cipher.ends_with("gcm") {
                    "smime-type=authEnveloped-data"
                } else {
                    "smime-type=enveloped-data"
                };
                assert!(enc.contains(smime_type), "{what}: {smime_type}");
                let dec = pki.openssl(&[
                    "cms",
                    "-decrypt",
                    "-in",
                    "enc.eml",
                    "-recip",
                    "alice.pem",
                    "-inkey",
                    "alice.key",
                ]);
                assert_decrypted_message(&dec.stdout, &format!("openssl: {what}"));
                let own = pki.smime_decrypt("alice", "alice", "enc.eml");
                assert_success(&own, &format!("smime: {what}"));
                assert_decrypted_message(&own.stdout, &format!("smime: {what}"));
                assert!(String::from_utf8_lossy(&own.stdout).contains("Subject: quarterly numbers"));
            }
        }
    }
}

#[test]
fn smime_encrypt_auto_chooses_aes256_cbc_and_says_why() {
    let Some(pki) = Pki::new() else { return };
    let out = pki.smime(&[
        "encrypt",
        "--to",
        "alice.pem",
        "--in",
        "msg.eml",
        "--out",
        "enc.eml",
    ]);
    assert_success(&out, "auto");
    assert!(String::from_utf8_lossy(&out.stderr).contains("AES-256-CBC"));
    let parsed = pki.openssl(&["cms", "-cmsout", "-print", "-in", "enc.eml"]);
    let printed = String::from_utf8_lossy(&parsed.stdout);
    assert!(printed.contains("aes-256-cbc"), "{printed}");
    assert!(printed.contains("rsaesOaep"), "{printed}");
}

#[test]
fn smime_encrypt_several_recipients_and_self_each_decrypts() {
    let Some(pki) = Pki::new() else { return };
    let out = pki.smime(&[
        "encrypt",
        "--to",
        "alice.pem",
        "--self",
        "bob.pem",
        "--cipher",
        "aes-256-gcm",
        "--in",
        "msg.eml",
        "--out",
        "enc.eml",
    ]);
    assert_success(&out, "two recipients");
    for who in ["alice", "bob"] {
        pki.openssl(&[
            "cms",
            "-decrypt",
            "-in",
            "enc.eml",
            "-recip",
            &format!("{who}.pem"),
            "-inkey",
            &format!("{who}.key"),
        ]);
        let own = pki.smime_decrypt(who, who, "enc.eml");
        assert_success(&own, who);
        assert_decrypted_message(&own.stdout, who);
    }
}

#[test]
fn openssl_encrypt_smime_decrypts() {
    let Some(pki) = Pki::new() else { return };
    let cases: &[(&str, &[&str])] = &[
        ("aes256 pkcs1", &["-aes256", "alice.pem"]),
        ("aes128 pkcs1", &["-aes128", "alice.pem"]),
        ("aes-128-gcm", &["-aes-128-gcm", "alice.pem"]),
        ("aes-256-gcm", &["-aes-256-gcm", "alice.pem"]),
        ("stream aes256", &["-stream", "-aes256", "alice.pem"]),
        (
            "oaep sha1 aes256",
            &[
                "-aes256",
                "-recip",
                "alice.pem",
                "-keyopt",
                "rsa_padding_mode:oaep",
            ],
        ),
        (
            "oaep sha256 aes-256-gcm",
            &[
                "-aes-256-gcm",
                "-recip",
                "alice.pem",
                "-keyopt",
                "rsa_padding_mode:oaep",
                "-keyopt",
                "rsa_oaep_md:sha256",
                "-keyopt",
                "rsa_mgf1_md:sha256",
            ],
        ),
        (
            "keyid aes256",
            &["-aes256", "-keyid", "-recip", "alice.pem"],
        ),
        ("two recipients", &["-aes256", "bob.pem", "alice.pem"]),
    ];
    for (what, args) in cases {
        let mut full = vec!["cms", "-encrypt", "-in", "msg.eml", "-out", "peer.eml"];
        full.extend_from_slice(args);
        pki.openssl(&full);
        let out = pki.smime_decrypt("alice", "alice", "peer.eml");
        assert_success(&out, what);
        assert_decrypted_message(&out.stdout, what);
        let report = String::from_utf8_lossy(&out.stderr);
        let gcm = what.contains("gcm");
        assert_eq!(
            report.contains("(AES-128-GCM, authenticated)")
                || report.contains("(AES-256-GCM, authenticated)"),
            gcm,
            "{what}: {report}"
        );
    }
    // The second recipient of the two-recipient message.
    let out = pki.smime_decrypt("bob", "bob", "peer.eml");
    assert_success(&out, "bob of two");
}

#[test]
fn decrypt_wrong_key_fails_with_the_same_message_as_a_flipped_ciphertext_bit() {
    let Some(pki) = Pki::new() else { return };
    for cipher in ["aes-256-gcm", "aes-128-gcm"] {
        for transport in ["oaep", "pkcs1"] {
            let out = pki.smime(&[
                "encrypt",
                "--to",
                "alice.pem",
                "--cipher",
                cipher,
                "--key-transport",
                transport,
                "--in",
                "msg.eml",
                "--out",
                "enc.eml",
            ]);
            assert_success(&out, cipher);
            let wrong = pki.smime_decrypt("alice", "bob", "enc.eml");
            assert_eq!(
                wrong.status.code(),
                Some(1),
                "wrong key {cipher} {transport}"
            );
            assert!(wrong.stdout.is_empty(), "nothing is released");
            // The last ciphertext byte sits just before the 18-byte mac OCTET STRING.
            tamper(&pki.path("enc.eml"), &pki.path("flipped.eml"), |der| {
                let i = der.len() - 19;
                der[i] ^= 0x01;
            });
            let flipped = pki.smime_decrypt("alice", "alice", "flipped.eml");
            assert_eq!(
                flipped.status.code(),
                Some(1),
                "flipped {cipher} {transport}"
            );
            assert!(flipped.stdout.is_empty());
            let message = String::from_utf8_lossy(&wrong.stderr);
            assert!(
                message.contains("decryption failed: wrong key or corrupted message"),
                "{message}"
            );
            assert_eq!(wrong.stderr, flipped.stderr, "{cipher} {transport}");
        }
    }
}

#[test]
fn decrypt_flipped_gcm_tag_fails() {
    let Some(pki) = Pki::new() else { return };
    let out = pki.smime(&[
        "encrypt",
        "--to",
        "alice.pem",
        "--cipher",
        "aes-256-gcm",
        "--in",
        "msg.eml",
        "--out",
        "enc.eml",
    ]);
    assert_success(&out, "gcm");
    tamper(&pki.path("enc.eml"), &pki.path("tag.eml"), |der| {
        // The streamed BER ends with the 16-byte mac and then six end-of-contents octets.
        assert_eq!(der[der.len() - 6..], [0; 6]);
        assert_eq!(der[der.len() - 24..der.len() - 22], [0x04, 16]);
        let last = der.len() - 7;
        der[last] ^= 0x80;
    });
    let out = pki.smime_decrypt("alice", "alice", "tag.eml");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrong key or corrupted message"));
}

#[test]
fn decrypt_cbc_changed_padding_block_fails_and_wrong_key_fails() {
    let Some(pki) = Pki::new() else { return };
    let out = pki.smime(&[
        "encrypt",
        "--to",
        "alice.pem",
        "--cipher",
        "aes-256-cbc",
        "--in",
        "msg.eml",
        "--out",
        "enc.eml",
    ]);
    assert_success(&out, "cbc");
    // The last byte of the next-to-last ciphertext block flips the padding length byte
    // (1..16) to 129..144: never valid padding.
    tamper(&pki.path("enc.eml"), &pki.path("flipped.eml"), |der| {
        let i = der.len() - 17;
        der[i] ^= 0x80;
    });
    let flipped = pki.smime_decrypt("alice", "alice", "flipped.eml");
    assert_eq!(flipped.status.code(), Some(1));
    assert!(flipped.stdout.is_empty());
    let wrong = pki.smime_decrypt("alice", "bob", "enc.eml");
    assert_eq!(wrong.status.code(), Some(1));
    assert_eq!(wrong.stderr, flipped.stderr);
}

#[test]
fn decrypt_truncated_input_is_malformed() {
    let Some(pki) = Pki::new() else { return };
    let out = pki.smime(&[
        "encrypt",
        "--to",
        "alice.pem",
        "--in",
        "msg.eml",
        "--out",
        "enc.eml",
    ]);
    assert_success(&out, "cbc");
    let bytes = std::fs::read(pki.path("enc.eml")).unwrap();
    // Cut at a base64 line end so that what remains is valid base64 of a truncated DER.
    let text = String::from_utf8(bytes).unwrap();
    let body_start = text.find("\r\n\r\n").unwrap() + 4;
    let cut = body_start + 78 * 3;
    std::fs::write(pki.path("cut.eml"), &text[..cut]).unwrap();
    let out = pki.smime_decrypt("alice", "alice", "cut.eml");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    // Cut in the middle of a base64 group as well.
    std::fs::write(pki.path("cut2.eml"), &text[..text.len() - 7]).unwrap();
    let out = pki.smime_decrypt("alice", "alice", "cut2.eml");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn decrypt_not_a_recipient_says_so() {
    let Some(pki) = Pki::new() else { return };
    let out = pki.smime(&[
        "encrypt",
        "--to",
        "alice.pem",
        "--in",
        "msg.eml",
        "--out",
        "enc.eml",
    ]);
    assert_success(&out, "cbc");
    let out = pki.smime_decrypt("bob", "bob", "enc.eml");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not among the 1 recipients"));
}

#[test]
fn encrypt_signing_only_certificate_is_refused() {
    let Some(pki) = Pki::new() else { return };
    let out = pki.smime(&[
        "encrypt",
        "--to",
        "carol.pem",
        "--in",
        "msg.eml",
        "--out",
        "enc.eml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(message.contains("keyEncipherment"), "{message}");
    assert!(message.contains("carol"), "{message}");
    assert!(!pki.path("enc.eml").exists(), "no output file on error");
}

#[test]
fn decrypt_3des_is_refused_as_legacy() {
    let Some(pki) = Pki::new() else { return };
    pki.openssl(&[
        "cms",
        "-encrypt",
        "-des3",
        "-in",
        "msg.eml",
        "-out",
        "des.eml",
        "alice.pem",
    ]);
    let out = pki.smime_decrypt("alice", "alice", "des.eml");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(
        message.contains("3DES") && message.contains("--allow-legacy"),
        "{message}"
    );
    let out = pki.smime(&[
        "decrypt",
        "--allow-legacy",
        "--cert",
        "alice.pem",
        "--key",
        "alice.key",
        "--in",
        "des.eml",
    ]);
    assert_success(&out, "3DES with --allow-legacy");
    assert_decrypted_message(&out.stdout, "3DES with --allow-legacy");
}

#[test]
fn decrypt_rc2_only_with_allow_legacy() {
    let Some(pki) = Pki::new() else { return };
    let rc2 = Command::new("openssl")
        .args([
            "cms",
            "-encrypt",
            "-rc2-40",
            "-in",
            "msg.eml",
            "-out",
            "rc2.eml",
            "alice.pem",
        ])
        .current_dir(pki.dir.path())
        .output()
        .unwrap();
    if !rc2.status.success() {
        // OpenSSL 3 keeps RC2 in its legacy provider, which may not be loadable here.
        eprintln!(
            "openssl cannot encrypt with RC2 here: {}",
            String::from_utf8_lossy(&rc2.stderr)
        );
        return;
    }
    let out = pki.smime_decrypt("alice", "alice", "rc2.eml");
    assert_eq!(out.status.code(), Some(2));
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(
        message.contains("RC2") && message.contains("--allow-legacy"),
        "{message}"
    );
    let out = pki.smime(&[
        "decrypt",
        "--allow-legacy",
        "--cert",
        "alice.pem",
        "--key",
        "alice.key",
        "--in",
        "rc2.eml",
    ]);
    assert_success(&out, "RC2-40 with --allow-legacy");
    assert_decrypted_message(&out.stdout, "RC2-40 with --allow-legacy");
}

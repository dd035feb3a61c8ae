//! Keys in a SoftHSM2 token: generated inside it, they sign a CMS SignedData that
//! `openssl cms -verify` accepts, decrypt what `openssl cms -encrypt` made for their
//! certificate (PKCS#1 v1.5 and OAEP), and refuse to leave the token.
//!
//! One token in a temporary directory serves the whole file: PKCS#11 initialises a module
//! once per process, and SoftHSM2 reads SOFTHSM2_CONF then.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use smime::crypto::{load_certificates, DecryptingKey, PrivateKey};
use smime::decrypt::{DecryptStatus, Decryptor};
use smime::sign::{SignOptions, Signer};
use smime::x509_cert;
use smime::CryptoPolicy;
use smime_store::pkcs11::{
    read_pin_file, Token, TokenCurve, TokenKey, TokenKeyKind, SOFTHSM2_MODULE,
};
use tempfile::TempDir;

const TOKEN_LABEL: &str = "smime-test";

/// The peer binaries; a missing one fails under SMIME_TEST_REQUIRE_PEERS=1 (CI), else skips.
fn require_peers() -> bool {
    let missing: Vec<&str> = ["softhsm2-util", "openssl"]
        .into_iter()
        .filter(|bin| Command::new(bin).arg("--version").output().is_err())
        .chain((!Path::new(SOFTHSM2_MODULE).exists()).then_some(SOFTHSM2_MODULE))
        .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var_os("SMIME_TEST_REQUIRE_PEERS").is_some_and(|v| !v.is_empty() && v != "0") {
        panic!("{missing:?} missing and SMIME_TEST_REQUIRE_PEERS is set (scripts/test.sh installs softhsm2)");
    }
    println!("skipped: {missing:?} missing (scripts/test.sh installs softhsm2)");
    false
}

struct Fixture {
    dir: TempDir,
    token: Arc<Token>,
    /// What opening the token with a wrong PIN said, before anyone logged in.
    wrong_pin: String,
}

impl Fixture {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn openssl(&self, args: &[&str]) {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A certificate `name.pem` for the token key, issued by the test CA: openssl makes a
    /// request with the CA's key and replaces its public key with the token's.
    fn certify(&self, name: &str, key: &TokenKey, key_usage: &str) -> x509_cert::Certificate {
        use der::EncodePem;
        use smime::crypto::external_key::ExternalSigner;
        let public = key
            .public_key_spki()
            .to_pem(der::pem::LineEnding::LF)
            .unwrap();
        std::fs::write(self.path(&format!("{name}.pub")), public).unwrap();
        std::fs::write(
            self.path(&format!("{name}.ext")),
            format!(
                "basicConstraints=CA:FALSE\nkeyUsage=critical,{key_usage}\n\
                 extendedKeyUsage=emailProtection\nsubjectAltName=email:{name}@example.org\n"
            ),
        )
        .unwrap();
        let (csr, pub_file, ext, out) = (
            format!("{name}.csr"),
            format!("{name}.pub"),
            format!("{name}.ext"),
            format!("{name}.pem"),
        );
        let subject = format!("/CN={name}");
        self.openssl(&[
            "req", "-new", "-key", "ca.key", "-subj", &subject, "-out", &csr,
        ]);
        self.openssl(&[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-force_pubkey",
            &pub_file,
            "-extfile",
            &ext,
            "-set_serial",
            "2",
            "-days",
            "30",
            "-out",
            &out,
        ]);
        load_certificates(&std::fs::read(self.path(&out)).unwrap(), &out)
            .unwrap()
            .remove(0)
    }
}

fn fixture() -> Option<&'static Fixture> {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    if !require_peers() {
        return None;
    }
    Some(FIXTURE.get_or_init(|| {
        let dir = TempDir::new().unwrap();
        let tokens = dir.path().join("tokens");
        std::fs::create_dir(&tokens).unwrap();
        let conf = dir.path().join("softhsm2.conf");
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                tokens.display()
            ),
        )
        .unwrap();
        // Set once, before the module is initialised, while no other thread reads it.
        std::env::set_var("SOFTHSM2_CONF", &conf);
        let init = Command::new("softhsm2-util")
            .args(["--init-token", "--free", "--label", TOKEN_LABEL])
            .args(["--pin", "1234", "--so-pin", "123456"])
            .output()
            .unwrap();
        assert!(
            init.status.success(),
            "{}",
            String::from_utf8_lossy(&init.stderr)
        );
        std::fs::write(dir.path().join("pin.txt"), "1234\n").unwrap();
        let module = Path::new(SOFTHSM2_MODULE);
        let wrong_pin = Token::open(module, TOKEN_LABEL, "9999")
            .map(|_| "accepted".to_string())
            .unwrap_or_else(|e| e.to_string());
        let pin = read_pin_file(&dir.path().join("pin.txt")).unwrap();
        let token = Token::open(module, TOKEN_LABEL, &pin).unwrap();
        let fixture = Fixture {
            dir,
            token,
            wrong_pin,
        };
        fixture.openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-subj",
            "/CN=Token Test CA",
            "-days",
            "30",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            "ca.pem",
        ]);
        fixture
    }))
}

const MESSAGE: &[u8] = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: token\r\n\
Content-Type: text/plain\r\n\r\nSigned inside the token.\r\n";

/// Sign MESSAGE with `key` and its certificate; openssl verifies it against the CA.
fn sign_and_verify(f: &Fixture, name: &str, key: TokenKey, pss: bool) {
    let certificate = f.certify(name, &key, "digitalSignature");
    let private = PrivateKey::external(Box::new(key)).unwrap();
    let scheme = private.scheme(private.default_digest(), pss).unwrap();
    let signer = Signer::new(
        vec![smime::cms::signed_builder::SignerSpec {
            certificate,
            key: private,
            scheme,
            chain: vec![],
            encryption_certificate: None,
            extra_attributes: vec![],
        }],
        SignOptions::default(),
    )
    .unwrap();
    let signed = signer.sign_bytes(MESSAGE).unwrap();
    let (input, content) = (format!("{name}.eml"), format!("{name}.out"));
    std::fs::write(f.path(&input), &signed).unwrap();
    f.openssl(&[
        "cms", "-verify", "-in", &input, "-CAfile", "ca.pem", "-out", &content,
    ]);
    let content = std::fs::read(f.path(&content)).unwrap();
    assert!(
        String::from_utf8_lossy(&content).contains("Signed inside the token."),
        "{}",
        String::from_utf8_lossy(&content)
    );
    // A changed body no longer verifies: openssl checked our signature, not just the form.
    let tampered = String::from_utf8(signed)
        .unwrap()
        .replace("Signed inside the token.", "Signed outside the token.");
    std::fs::write(f.path("tampered.eml"), tampered).unwrap();
    let out = Command::new("openssl")
        .args(["cms", "-verify", "-in", "tampered.eml", "-CAfile", "ca.pem"])
        .current_dir(f.dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success(), "a tampered message verified");
}

#[test]
fn sign_with_token_rsa_key_pkcs1_and_pss_openssl_cms_verifies() {
    let Some(f) = fixture() else { return };
    let key = f
        .token
        .generate_key("rsa-sign", b"rsa-sign", TokenKeyKind::Rsa(2048))
        .unwrap();
    assert_eq!(key.kind(), TokenKeyKind::Rsa(2048));
    sign_and_verify(f, "rsasign", key.clone(), false);
    // RSASSA-PSS (RFC 4056) through CKM_SHA256_RSA_PKCS_PSS.
    sign_and_verify(f, "rsapss", key, true);
}

#[test]
fn sign_with_token_p256_key_openssl_cms_verifies() {
    let Some(f) = fixture() else { return };
    let key = f
        .token
        .generate_key("ec-sign", b"ec-sign", TokenKeyKind::Ec(TokenCurve::P256))
        .unwrap();
    assert_eq!(key.kind(), TokenKeyKind::Ec(TokenCurve::P256));
    sign_and_verify(f, "ecsign", key, false);
}

#[test]
fn sign_with_token_p384_key_sha384_openssl_cms_verifies() {
    let Some(f) = fixture() else { return };
    let key = f
        .token
        .generate_key(
            "ec384-sign",
            b"ec384-sign",
            TokenKeyKind::Ec(TokenCurve::P384),
        )
        .unwrap();
    assert_eq!(key.kind(), TokenKeyKind::Ec(TokenCurve::P384));
    // Found again by CKA_ID: the curve is read back from CKA_EC_PARAMS.
    let found = f.token.find_key(b"ec384-sign").unwrap();
    assert_eq!(found.kind(), TokenKeyKind::Ec(TokenCurve::P384));
    assert!(format!("{found:?}").contains("EC P-384"), "{found:?}");
    let private = PrivateKey::external(Box::new(found.clone())).unwrap();
    assert_eq!(
        private.default_digest(),
        smime::crypto::DigestAlgorithm::Sha384
    );
    sign_and_verify(f, "ec384sign", found, false);
}

#[test]
fn decrypt_openssl_encrypted_to_token_key_pkcs1_and_oaep_recovers_content() {
    let Some(f) = fixture() else { return };
    let key = f
        .token
        .generate_key("rsa-dec", b"rsa-dec", TokenKeyKind::Rsa(2048))
        .unwrap();
    let certificate = f.certify("rsadec", &key, "keyEncipherment");
    std::fs::write(f.path("plain.eml"), MESSAGE).unwrap();
    // The key found again by its id: what a store holding only the id does.
    let found = f.token.find_key(b"rsa-dec").unwrap();
    let decryptor = Decryptor::new(
        certificate,
        DecryptingKey::external(Box::new(found)),
        CryptoPolicy::strict(),
    );
    // SoftHSM2 2.6 does OAEP with SHA-1 only (CKR_ARGUMENTS_BAD otherwise), so OAEP with
    // SHA-256, what smime encrypt writes, is not tested here: see the pkcs11 module docs.
    for (out, padding) in [
        ("pkcs1.eml", &[][..]),
        ("oaep.eml", &["-keyopt", "rsa_padding_mode:oaep"][..]),
    ] {
        let mut args = vec![
            "cms",
            "-encrypt",
            "-aes256",
            "-in",
            "plain.eml",
            "-out",
            out,
            "-recip",
            "rsadec.pem",
        ];
        args.extend(padding);
        f.openssl(&args);
        let (report, plain) = decryptor
            .decrypt_bytes(&std::fs::read(f.path(out)).unwrap())
            .unwrap();
        assert_eq!(report.status, DecryptStatus::Decrypted, "{out}: {report:?}");
        let plain = String::from_utf8(plain.unwrap()).unwrap();
        assert!(plain.contains("Signed inside the token."), "{out}: {plain}");
    }
    // Another token key cannot open it: the random-key fallback makes it fail, not error.
    let other = f
        .token
        .generate_key("rsa-other", b"rsa-other", TokenKeyKind::Rsa(2048))
        .unwrap();
    let wrong = Decryptor::new(
        f.certify("rsadec2", &key, "keyEncipherment"),
        DecryptingKey::external(Box::new(other)),
        CryptoPolicy::strict(),
    );
    f.openssl(&[
        "cms",
        "-encrypt",
        "-aes256",
        "-in",
        "plain.eml",
        "-out",
        "again.eml",
        "-recip",
        "rsadec2.pem",
    ]);
    let (report, plain) = wrong
        .decrypt_bytes(&std::fs::read(f.path("again.eml")).unwrap())
        .unwrap();
    assert_eq!(report.status, DecryptStatus::Failed, "{report:?}");
    assert!(plain.is_none());
}

#[test]
fn extract_token_generated_keys_is_refused() {
    let Some(f) = fixture() else { return };
    let rsa = f
        .token
        .generate_key("rsa-x", b"rsa-x", TokenKeyKind::Rsa(2048))
        .unwrap();
    let ec = f
        .token
        .generate_key("ec-x", b"ec-x", TokenKeyKind::Ec(TokenCurve::P256))
        .unwrap();
    let ec384 = f
        .token
        .generate_key("ec384-x", b"ec384-x", TokenKeyKind::Ec(TokenCurve::P384))
        .unwrap();
    for key in [rsa, ec, ec384] {
        let err = key
            .try_extract()
            .expect_err("the private key left the token");
        let text = err.to_string();
        // The secret attribute is sensitive, and wrapping is refused as unextractable.
        assert!(text.contains("is Sensitive"), "{text}");
        assert!(text.contains("KeyUnextractable"), "{text}");
    }
}

#[test]
fn open_token_wrong_pin_is_refused_and_missing_label_named() {
    let Some(f) = fixture() else { return };
    assert!(f.wrong_pin.contains("wrong PIN"), "{}", f.wrong_pin);
    let err = Token::open(Path::new(SOFTHSM2_MODULE), "no-such-token", "1234").unwrap_err();
    assert!(err.to_string().contains("no-such-token"), "{err}");
    let err = read_pin_file(&f.path("absent-pin.txt")).unwrap_err();
    assert!(err.to_string().contains("absent-pin.txt"), "{err}");
}

#[test]
fn kek_in_token_seals_opens_and_binds_the_row() {
    use smime_store::kek::Kek;
    let Some(f) = fixture() else { return };
    let kek = Kek::from_token(Arc::clone(&f.token), "store-kek", true).unwrap();
    let blob = kek
        .seal("key-1", "alice@example.org", b"PKCS#8 bytes")
        .unwrap();
    // Found again by its label (not made a second time), the key opens what it sealed.
    let again = Kek::from_token(Arc::clone(&f.token), "store-kek", false).unwrap();
    let plain = again.open("key-1", "alice@example.org", &blob).unwrap();
    assert_eq!(plain.as_slice(), b"PKCS#8 bytes");
    assert!(again.open("key-1", "bob@example.org", &blob).is_err());
    let check = kek.check_blob().unwrap();
    again.verify(&check).unwrap();
    let other = Kek::from_token(Arc::clone(&f.token), "other-kek", true).unwrap();
    assert!(other.verify(&check).is_err());
    assert!(Kek::from_token(Arc::clone(&f.token), "absent-kek", false).is_err());
}

#[test]
fn key_ring_token_key_signs_decrypts_and_is_not_exported() {
    use smime_store::kek::{Argon2Params, Kek};
    use smime_store::keys::{decrypt_with_history, KeyRing};
    let Some(f) = fixture() else { return };
    let key = f
        .token
        .generate_key("ring", b"ring", TokenKeyKind::Rsa(2048))
        .unwrap();
    let certificate = f.certify("ringkey", &key, "digitalSignature,keyEncipherment");
    let kek = Kek::from_passphrase(
        b"p",
        &Argon2Params {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
            salt: b"0123456789abcdef".to_vec(),
        },
    )
    .unwrap();
    let mut ring = KeyRing::default();
    let stored = ring
        .add_token_key(&f.token, b"ring", None, certificate.clone(), vec![])
        .unwrap();
    assert_eq!(stored.owner, "ringkey@example.org");
    // Another token key does not match the certificate; an absent id is named.
    f.token
        .generate_key("ring-other", b"ring-other", TokenKeyKind::Rsa(2048))
        .unwrap();
    let mut other = KeyRing::default();
    let err = other
        .add_token_key(&f.token, b"ring-other", None, certificate.clone(), vec![])
        .unwrap_err();
    assert!(err.to_string().contains("does not belong"), "{err}");
    assert!(other
        .add_token_key(&f.token, b"absent", None, certificate, vec![])
        .is_err());
    let tokens = [Arc::clone(&f.token)];
    let (cert, _, signing) = ring
        .signing_key(
            &kek,
            &tokens,
            "ringkey@example.org",
            std::time::SystemTime::now(),
        )
        .unwrap();
    assert!(format!("{signing:?}").contains("in token"), "{signing:?}");
    assert_eq!(cert, ring.keys()[0].certificate);
    std::fs::write(f.path("ringplain.eml"), MESSAGE).unwrap();
    f.openssl(&[
        "cms",
        "-encrypt",
        "-aes256",
        "-in",
        "ringplain.eml",
        "-out",
        "ring.eml",
        "-recip",
        "ringkey.pem",
    ]);
    let keys = ring
        .decryption_keys(&kek, &tokens, "ringkey@example.org")
        .unwrap();
    let message = std::fs::read(f.path("ring.eml")).unwrap();
    let (report, _) = decrypt_with_history(&message, keys, CryptoPolicy::strict()).unwrap();
    assert_eq!(report.status, DecryptStatus::Decrypted, "{report:?}");
    // Without the token open the key cannot be used, and it is never exported.
    assert!(ring
        .decryption_keys(&kek, &[], "ringkey@example.org")
        .is_err());
    let err = ring
        .export_pkcs12(&kek, "ringkey@example.org", "pw")
        .unwrap_err();
    assert!(err.to_string().contains("cannot be exported"), "{err}");
}

#[test]
fn decrypt_openssl_encrypted_to_token_ec_keys_ecdh_recovers_content() {
    let Some(f) = fixture() else { return };
    for curve in TokenCurve::ALL {
        ecdh_decrypt(f, curve);
    }
}

/// openssl encrypts to a token key on `curve`; the token agrees and the engine unwraps.
fn ecdh_decrypt(f: &Fixture, curve: TokenCurve) {
    let n = curve.field_len();
    let key = f
        .token
        .generate_key(
            &format!("ec-dec-{n}"),
            format!("ec-dec-{n}").as_bytes(),
            TokenKeyKind::Ec(curve),
        )
        .unwrap();
    let (name, pem) = (format!("ecdec{n}"), format!("ecdec{n}.pem"));
    let certificate = f.certify(&name, &key, "keyAgreement");
    let decryptor = Decryptor::new(
        certificate,
        DecryptingKey::external(Box::new(key)),
        CryptoPolicy::strict(),
    );
    std::fs::write(f.path("ecplain.eml"), MESSAGE).unwrap();
    // dhSinglePass-stdDH with the X9.63 KDF over SHA-256 and over SHA-384 (RFC 5753).
    for (out, kdf) in [
        (format!("ec{n}-256.eml"), "ecdh_kdf_md:sha256"),
        (format!("ec{n}-384.eml"), "ecdh_kdf_md:sha384"),
    ] {
        f.openssl(&[
            "cms",
            "-encrypt",
            "-aes256",
            "-in",
            "ecplain.eml",
            "-out",
            &out,
            "-recip",
            &pem,
            "-keyopt",
            kdf,
        ]);
        let (report, plain) = decryptor
            .decrypt_bytes(&std::fs::read(f.path(&out)).unwrap())
            .unwrap();
        assert_eq!(report.status, DecryptStatus::Decrypted, "{out}: {report:?}");
        assert!(String::from_utf8(plain.unwrap())
            .unwrap()
            .contains("Signed inside the token."));
    }
    // Another token key of the same curve, given as the key of the named certificate,
    // agrees on another secret: the unwrap fails (a random key, then Failed), no error.
    let other = f
        .token
        .generate_key(
            &format!("ec-other-{n}"),
            format!("ec-other-{n}").as_bytes(),
            TokenKeyKind::Ec(curve),
        )
        .unwrap();
    let named = load_certificates(&std::fs::read(f.path(&pem)).unwrap(), &pem)
        .unwrap()
        .remove(0);
    let wrong = Decryptor::new(
        named,
        DecryptingKey::external(Box::new(other)),
        CryptoPolicy::strict(),
    );
    let (report, plain) = wrong
        .decrypt_bytes(&std::fs::read(f.path(&format!("ec{n}-256.eml"))).unwrap())
        .unwrap();
    assert_eq!(report.status, DecryptStatus::Failed, "{report:?}");
    assert!(plain.is_none());
}

#[test]
fn generate_signing_key_signs_and_does_not_derive() {
    use smime::crypto::external_key::ExternalDecrypter;
    let Some(f) = fixture() else { return };
    let ec = f
        .token
        .generate_signing_key(
            "ec-sign-only",
            b"ec-sign-only",
            TokenKeyKind::Ec(TokenCurve::P384),
        )
        .unwrap();
    // A P-384 point (the key's own public key) to agree with: the token refuses to derive.
    let spki = smime::crypto::external_key::ExternalSigner::public_key_spki(&ec);
    let point = spki.subject_public_key.raw_bytes().to_vec();
    assert!(ec.agree(&point).is_none(), "a sign-only EC key derived");
    let general = f
        .token
        .generate_key(
            "ec-general",
            b"ec-general",
            TokenKeyKind::Ec(TokenCurve::P384),
        )
        .unwrap();
    assert!(
        general.agree(&point).is_some(),
        "the mail key did not derive"
    );
    sign_and_verify(f, "ecsignonly", ec, false);

    let rsa = f
        .token
        .generate_signing_key("rsa-sign-only", b"rsa-sign-only", TokenKeyKind::Rsa(2048))
        .unwrap();
    assert_eq!(rsa.kind(), TokenKeyKind::Rsa(2048));
    sign_and_verify(f, "rsasignonly", rsa, false);
}

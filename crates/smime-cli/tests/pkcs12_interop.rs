//! PKCS#12 both ways with the real peers: what we write, `openssl pkcs12` opens with the
//! same key and certificates; what `openssl pkcs12 -export` writes (modern AES, and the
//! legacy 3DES/RC2 of `-legacy` and older exporters) and what NSS `pk12util` writes (BER),
//! we read, and the key signs and decrypts. Wrong passwords and hostile chains fail cleanly.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use smime::crypto::load_certificates;
use smime::crypto::pkcs12::{read_pkcs12, read_pkcs12_contents, write_pkcs12, Pkcs12Identity};
use smime::crypto::PrivateKey;
use smime::x509_cert::Certificate;
use zeroize::Zeroizing;

fn certificates(path: &Path) -> Vec<Certificate> {
    load_certificates(&fs::read(path).unwrap(), &path.display().to_string()).unwrap()
}

fn der(c: &Certificate) -> Vec<u8> {
    use der::Encode;
    c.to_der().unwrap()
}

/// The public key of a PEM or DER private key file, as `openssl pkey -pubout` writes it (DER).
fn openssl_public_key(dir: &Path, key: &Path) -> Vec<u8> {
    let out = dir.join("public.der");
    let o = run(Command::new("openssl")
        .args(["pkey", "-pubout", "-outform", "DER", "-in"])
        .arg(key)
        .arg("-out")
        .arg(&out));
    assert!(o.ok(), "{o}");
    fs::read(out).unwrap()
}

/// The PKCS#8 DER of a PEM key file.
fn pkcs8_der(key: &Path) -> Zeroizing<Vec<u8>> {
    let pem = fs::read(key).unwrap();
    Zeroizing::new(
        smime::crypto::pem_blocks(&pem, "key")
            .unwrap()
            .into_iter()
            .find(|b| b.label == "PRIVATE KEY")
            .unwrap()
            .der,
    )
}

/// `openssl pkcs12 -export` of `cert` and `key` with `certfile` (more certificates) and
/// `extra` arguments, under the password in `pass.txt` (its first line); returns the file.
fn openssl_export(
    dir: &Path,
    name: &str,
    cert: &Path,
    key: &Path,
    certfile: &Path,
    extra: &[&str],
) -> PathBuf {
    let out = dir.join(name);
    let o = run(Command::new("openssl")
        .args(["pkcs12", "-export", "-in"])
        .arg(cert)
        .arg("-inkey")
        .arg(key)
        .arg("-certfile")
        .arg(certfile)
        // pass: rather than file: because openssl reads no password from an empty file.
        .arg("-passout")
        .arg(format!(
            "pass:{}",
            fs::read_to_string(dir.join("pass.txt")).unwrap().trim_end()
        ))
        .args(extra)
        .arg("-out")
        .arg(&out));
    assert!(o.ok(), "openssl pkcs12 -export {extra:?}: {o}");
    out
}

/// What `openssl pkcs12 -info` says about a file's algorithms (stderr), with the password
/// in `pass.txt`; `legacy` loads the legacy provider first (RC2 needs it in OpenSSL 3).
fn openssl_info(dir: &Path, file: &Path, legacy: bool) -> String {
    let mut cmd = Command::new("openssl");
    cmd.args(["pkcs12", "-info", "-noout", "-in"])
        .arg(file)
        .arg("-passin")
        .arg(format!("file:{}", dir.join("pass.txt").display()));
    if legacy {
        cmd.arg("-legacy");
    }
    let o = run(&mut cmd);
    assert!(o.ok(), "openssl pkcs12 -info: {o}");
    o.stderr.clone()
}

/// A file with the intermediate and the root, for `-certfile`.
fn ca_bundle(pki: &Pki) -> PathBuf {
    let path = pki.dir.join("cas.pem");
    let mut pem = fs::read(&pki.intermediate).unwrap();
    pem.extend(fs::read(&pki.root).unwrap());
    fs::write(&path, pem).unwrap();
    path
}

#[test]
fn write_pkcs12_every_key_type_openssl_recovers_same_key_and_certificates() {
    let Some((dir, pki)) = pki_in_temp_dir("smime-p12-out-") else {
        return;
    };
    let d = dir.path();
    fs::write(d.join("pass.txt"), "öut pässword\n").unwrap();
    let x25519 = pki.recipient(RecipientKey::X25519, "x25519", "keyAgreement");
    let mut pairs: Vec<(String, PathBuf, PathBuf)> = pki
        .all_leaves()
        .map(|l| (l.name.clone(), l.cert.clone(), l.key.clone()))
        .collect();
    pairs.push(("x25519".into(), x25519.cert.clone(), x25519.key.clone()));
    for (name, cert, key) in pairs {
        let identity = Pkcs12Identity {
            certificate: certificates(&cert).remove(0),
            chain: [&pki.intermediate, &pki.root]
                .iter()
                .map(|c| certificates(c).remove(0))
                .collect(),
            key_der: pkcs8_der(&key),
        };
        let p12 = d.join(format!("{name}.ours.p12"));
        fs::write(
            &p12,
            write_pkcs12(&identity, &name, "öut pässword").unwrap(),
        )
        .unwrap();
        let info = openssl_info(d, &p12, false);
        assert!(
            info.contains("PBKDF2, AES-256-CBC") && info.contains("MAC: sha256"),
            "{name}: {info}"
        );
        let pem = d.join(format!("{name}.back.pem"));
        let o = run(Command::new("openssl")
            .args(["pkcs12", "-nodes", "-in"])
            .arg(&p12)
            .arg("-passin")
            .arg(format!("file:{}", d.join("pass.txt").display()))
            .arg("-out")
            .arg(&pem));
        assert!(o.ok(), "{name}: {o}");
        // The same key: openssl derives the same public key from what it recovered.
        assert_eq!(
            openssl_public_key(d, &pem),
            openssl_public_key(d, &key),
            "{name}"
        );
        // The same certificates, byte for byte, leaf first.
        let back: Vec<Vec<u8>> = certificates(&pem).iter().map(der).collect();
        let expected: Vec<Vec<u8>> = std::iter::once(&identity.certificate)
            .chain(&identity.chain)
            .map(der)
            .collect();
        assert_eq!(back, expected, "{name}");
    }
}

/// What each openssl export variant must say in `-info`, and its extra arguments.
const VARIANTS: [(&str, &[&str], &[&str], bool); 6] = [
    (
        "default",
        &[],
        &["PBKDF2, AES-256-CBC", "MAC: sha256"],
        false,
    ),
    (
        "legacy",
        &["-legacy"],
        &[
            "pbeWithSHA1And3-KeyTripleDES-CBC",
            "pbeWithSHA1And40BitRC2-CBC",
            "MAC: sha1",
        ],
        true,
    ),
    (
        "windows-3des",
        &LEGACY_P12_ARGS,
        &["pbeWithSHA1And3-KeyTripleDES-CBC", "MAC: sha1"],
        false,
    ),
    (
        "2des-rc2-128",
        &[
            "-legacy",
            "-keypbe",
            "PBE-SHA1-2DES",
            "-certpbe",
            "PBE-SHA1-RC2-128",
            "-macalg",
            "sha1",
        ],
        &[
            "pbeWithSHA1And2-KeyTripleDES-CBC",
            "pbeWithSHA1And128BitRC2-CBC",
        ],
        true,
    ),
    (
        "aes128-sha512-mac",
        &[
            "-keypbe",
            "AES-128-CBC",
            "-certpbe",
            "AES-128-CBC",
            "-macalg",
            "sha512",
        ],
        &["PBKDF2, AES-128-CBC", "MAC: sha512"],
        false,
    ),
    (
        "plain-certs-no-mac",
        &["-certpbe", "NONE", "-nomac"],
        &["PBKDF2, AES-256-CBC"],
        false,
    ),
];

#[test]
fn read_pkcs12_openssl_modern_and_legacy_exports_give_the_same_key_and_chain() {
    let Some((dir, pki)) = pki_in_temp_dir("smime-p12-in-") else {
        return;
    };
    let d = dir.path();
    fs::write(d.join("pass.txt"), "pw\n").unwrap();
    let cas = ca_bundle(&pki);
    let expected_chain = vec![
        certificates(&pki.intermediate).remove(0),
        certificates(&pki.root).remove(0),
    ];
    for (variant, args, info_says, legacy) in VARIANTS {
        for leaf in pki.all_leaves() {
            let file = openssl_export(
                d,
                &format!("{}-{variant}.p12", leaf.name),
                &leaf.cert,
                &leaf.key,
                &cas,
                args,
            );
            if leaf.alg == Alg::Rsa {
                // The file really uses the algorithms named (openssl's own account).
                let info = openssl_info(d, &file, legacy);
                for says in info_says {
                    assert!(info.contains(says), "{variant}: {says} not in {info}");
                }
            }
            let what = file.display().to_string();
            let read = read_pkcs12(&fs::read(&file).unwrap(), "pw", &what)
                .unwrap_or_else(|e| panic!("{variant} {}: {e}", leaf.name));
            assert_eq!(
                read.certificate,
                certificates(&leaf.cert).remove(0),
                "{variant} {}",
                leaf.name
            );
            assert_eq!(read.chain, expected_chain, "{variant} {}", leaf.name);
            let key = PrivateKey::from_pem_or_der(&read.key_der, &what).unwrap();
            assert_eq!(
                key.public_key_spki(),
                read.certificate.tbs_certificate.subject_public_key_info,
                "{variant} {}",
                leaf.name
            );
        }
    }
}

#[test]
fn read_pkcs12_legacy_export_key_signs_and_decrypts_with_smime() {
    let Some((dir, pki)) = pki_in_temp_dir("smime-p12-use-") else {
        return;
    };
    let d = dir.path();
    fs::write(d.join("pass.txt"), "pw\n").unwrap();
    let cas = ca_bundle(&pki);

    // Signing: the RSA leaf's key out of a -legacy file signs; openssl cms verifies.
    let leaf = pki.leaf(Alg::Rsa);
    let legacy = openssl_export(
        d,
        "sign-legacy.p12",
        &leaf.cert,
        &leaf.key,
        &cas,
        &["-legacy"],
    );
    let read = read_pkcs12(&fs::read(&legacy).unwrap(), "pw", "sign-legacy.p12").unwrap();
    let key_file = d.join("recovered.key.der");
    fs::write(&key_file, &*read.key_der).unwrap();
    let input = d.join("plain.eml");
    fs::write(
        &input,
        plain_message(&leaf.email, "signed with a legacy PKCS#12 key"),
    )
    .unwrap();
    let signed = d.join("signed.eml");
    smime(&[
        "sign".as_ref(),
        "--cert".as_ref(),
        leaf.cert.as_os_str(),
        "--key".as_ref(),
        key_file.as_os_str(),
        "--chain".as_ref(),
        pki.intermediate.as_os_str(),
        "--in".as_ref(),
        input.as_os_str(),
        "--out".as_ref(),
        signed.as_os_str(),
    ])
    .assert_ok();
    let verified = openssl_cms_verify(
        d,
        &fs::read(&signed).unwrap(),
        Inform::Smime,
        None,
        &pki.root,
    );
    assert!(verified.ok(), "{verified}");
    assert!(verified
        .stdout_text()
        .contains("signed with a legacy PKCS#12 key"));

    // Decryption: RSA and ECDH recipients in legacy files open what openssl cms encrypted.
    for kind in [RecipientKey::Rsa, RecipientKey::P256] {
        let r = pki.recipient(
            kind,
            &format!("dec-{}", kind.name()),
            kind.encryption_usage(),
        );
        for (variant, args) in [("legacy", &["-legacy"][..]), ("3des", &LEGACY_P12_ARGS[..])] {
            let p12 = openssl_export(
                d,
                &format!("{}-{variant}.p12", r.name),
                &r.cert,
                &r.key,
                &pki.intermediate,
                args,
            );
            let message = d.join(format!("{}-{variant}.eml", r.name));
            fs::write(&message, plain_message("a@example.com", "for the old key")).unwrap();
            let encrypted = d.join(format!("{}-{variant}.enc.eml", r.name));
            let o = run(Command::new("openssl")
                .args(["cms", "-encrypt", "-aes-256-cbc", "-in"])
                .arg(&message)
                .arg("-out")
                .arg(&encrypted)
                .arg(&r.cert));
            assert!(o.ok(), "{o}");
            let out = d.join(format!("{}-{variant}.dec.eml", r.name));
            smime(&[
                "decrypt".as_ref(),
                "--p12".as_ref(),
                p12.as_os_str(),
                "--password-file".as_ref(),
                d.join("pass.txt").as_os_str(),
                "--in".as_ref(),
                encrypted.as_os_str(),
                "--out".as_ref(),
                out.as_os_str(),
            ])
            .assert_ok();
            let plain = fs::read_to_string(&out).unwrap();
            assert!(plain.contains("for the old key"), "{variant}: {plain}");
        }
    }
}

#[test]
fn read_pkcs12_wrong_password_is_named_for_every_kind_of_file() {
    let Some((dir, pki)) = pki_in_temp_dir("smime-p12-wrong-") else {
        return;
    };
    let d = dir.path();
    fs::write(d.join("pass.txt"), "right\n").unwrap();
    let leaf = pki.leaf(Alg::P256);
    for (variant, args) in [
        ("default", &[][..]),
        ("legacy", &["-legacy"][..]),
        ("legacy-no-mac", &["-legacy", "-nomac"][..]),
        ("no-mac", &["-nomac"][..]),
    ] {
        let file = openssl_export(
            d,
            &format!("{variant}.p12"),
            &leaf.cert,
            &leaf.key,
            &pki.intermediate,
            args,
        );
        let bytes = fs::read(&file).unwrap();
        assert!(read_pkcs12(&bytes, "right", variant).is_ok(), "{variant}");
        // Without a MAC only the padding and the structure betray a wrong password, and
        // the padding passes by chance about once in 256 tries: try many.
        let tries = if variant.contains("no-mac") { 400 } else { 3 };
        for i in 0..tries {
            let err = match read_pkcs12(&bytes, &format!("wrong{i}"), variant) {
                Ok(_) => panic!("{variant}: read under the wrong password wrong{i}"),
                Err(e) => e.to_string(),
            };
            assert!(
                err.contains(variant) && err.contains("wrong password"),
                "{variant}: {err}"
            );
        }
        // The CLI says the same and exits 2 (an input error).
        fs::write(d.join("wrong.txt"), "wrong\n").unwrap();
        let o = smime(&[
            "decrypt".as_ref(),
            "--p12".as_ref(),
            file.as_os_str(),
            "--password-file".as_ref(),
            d.join("wrong.txt").as_os_str(),
            "--in".as_ref(),
            leaf.cert.as_os_str(),
        ]);
        o.assert_code(2);
        assert!(o.stderr.contains("wrong password"), "{variant}: {o}");
    }
    // Damaged files: a flipped byte in the MAC, a truncation: errors, no panic.
    let bytes = fs::read(d.join("default.p12")).unwrap();
    let mut flipped = bytes.clone();
    if let Some(last) = flipped.last_mut() {
        *last ^= 1;
    }
    assert!(read_pkcs12(&flipped, "right", "flipped")
        .unwrap_err()
        .to_string()
        .contains("wrong password or damaged file"));
    for len in [0, 1, 10, bytes.len() / 2, bytes.len() - 1] {
        assert!(read_pkcs12(&bytes[..len], "right", "truncated").is_err());
    }
}

#[test]
fn read_pkcs12_empty_password_export_opens() {
    let Some((dir, pki)) = pki_in_temp_dir("smime-p12-empty-") else {
        return;
    };
    let d = dir.path();
    fs::write(d.join("pass.txt"), "").unwrap();
    let leaf = pki.leaf(Alg::Rsa);
    for (variant, args) in [("default", &[][..]), ("legacy", &["-legacy"][..])] {
        let file = openssl_export(
            d,
            &format!("empty-{variant}.p12"),
            &leaf.cert,
            &leaf.key,
            &pki.intermediate,
            args,
        );
        let read = read_pkcs12(&fs::read(&file).unwrap(), "", variant)
            .unwrap_or_else(|e| panic!("{variant}: {e}"));
        assert_eq!(read.certificate, certificates(&leaf.cert).remove(0));
    }
}

#[test]
fn read_pkcs12_certificates_naming_each_other_as_issuer_end_the_chain() {
    let Some((dir, pki)) = pki_in_temp_dir("smime-p12-loop-") else {
        return;
    };
    let d = dir.path();
    fs::write(d.join("pass.txt"), "pw\n").unwrap();
    // X is issued by "Y" (the intermediate's key signs, the name says Y); Y by X: a loop
    // of issuer names that a naive chain builder follows forever.
    let ca = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n";
    let y0 = pki.issue_certificate(
        Alg::P256,
        "y0",
        "/CN=Loop Y",
        ca,
        (&pki.intermediate, &pki.intermediate_key),
    );
    let x = pki.issue_certificate(
        Alg::P256,
        "x",
        "/CN=Loop X",
        ca,
        (&y0, &pki.dir.join("y0.key")),
    );
    let y = pki.issue_certificate(
        Alg::P256,
        "y",
        "/CN=Loop Y",
        ca,
        (&x, &pki.dir.join("x.key")),
    );
    let leaf = pki.issue_certificate(
        Alg::P256,
        "looped",
        "/CN=looped",
        "keyUsage=critical,digitalSignature\n",
        (&x, &pki.dir.join("x.key")),
    );
    let bundle = d.join("loop.pem");
    let mut pem = fs::read(&x).unwrap();
    pem.extend(fs::read(&y).unwrap());
    fs::write(&bundle, pem).unwrap();
    let file = openssl_export(
        d,
        "loop.p12",
        &leaf,
        &pki.dir.join("looped.key"),
        &bundle,
        &[],
    );
    let contents = read_pkcs12_contents(&fs::read(&file).unwrap(), "pw", "loop.p12").unwrap();
    let [identity] = &contents.identities[..] else {
        panic!("one identity expected: {contents:?}");
    };
    let names: Vec<String> = identity
        .chain
        .iter()
        .map(|c| c.tbs_certificate.subject.to_string())
        .collect();
    assert_eq!(names, ["CN=Loop X", "CN=Loop Y"]);
    assert!(contents.certificates.is_empty());
}

#[test]
fn read_pkcs12_nss_pk12util_ber_export_is_read() {
    if !require_peers(&["certutil", "pk12util"]) {
        return;
    }
    let Some((dir, pki)) = pki_in_temp_dir("smime-p12-nss-") else {
        return;
    };
    let d = dir.path();
    let nss = Nss::new(d, &pki);
    fs::write(d.join("pw.txt"), "nss export\n").unwrap();
    let leaf = pki.leaf(Alg::Rsa);
    assert!(nss.imported.contains(&leaf.name), "{:?}", nss.imported);
    let file = d.join("nss.p12");
    let o = run(Command::new("pk12util")
        .arg("-o")
        .arg(&file)
        .args(["-n", &leaf.name, "-d"])
        .arg(format!("sql:{}", nss.db.display()))
        .arg("-w")
        .arg(d.join("pw.txt"))
        .args(["-K", ""]));
    assert!(o.ok(), "{o}");
    let bytes = fs::read(&file).unwrap();
    // NSS writes BER with an indefinite length at the top: what this test is about.
    assert_eq!(bytes.get(..2), Some(&[0x30, 0x80][..]), "not BER any more?");
    let read = read_pkcs12(&bytes, "nss export", "nss.p12").unwrap();
    assert_eq!(read.certificate, certificates(&leaf.cert).remove(0));
    let key = PrivateKey::from_pem_or_der(&read.key_der, "nss.p12").unwrap();
    assert_eq!(
        key.public_key_spki(),
        read.certificate.tbs_certificate.subject_public_key_info
    );
}

#[test]
fn keyring_pkcs12_export_then_import_keeps_key_chain_and_owner() {
    use smime_store::kek::Kek;
    use smime_store::keys::KeyRing;
    let Some((dir, pki)) = pki_in_temp_dir("smime-p12-ring-") else {
        return;
    };
    let d = dir.path();
    fs::write(d.join("pass.txt"), "legacy pw\n").unwrap();
    let leaf = pki.leaf(Alg::P384);
    let legacy = openssl_export(
        d,
        "in.p12",
        &leaf.cert,
        &leaf.key,
        &ca_bundle(&pki),
        &["-legacy"],
    );
    let kek_file = d.join("kek");
    Kek::generate_key_file(&kek_file).unwrap();
    let kek = Kek::from_key_file(&kek_file).unwrap();
    let mut ring = KeyRing::default();
    let bytes = fs::read(&legacy).unwrap();
    let err = ring
        .import_pkcs12(&kek, None, &bytes, "wrong", "in.p12")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("in.p12") && err.contains("wrong password"),
        "{err}"
    );
    assert!(ring.keys().is_empty());
    let stored = ring
        .import_pkcs12(&kek, None, &bytes, "legacy pw", "in.p12")
        .unwrap();
    assert_eq!(stored.owner, leaf.email);

    // Out of the ring (modern AES), into a second ring: the same key, chain and owner.
    let exported = ring.export_pkcs12(&kek, &leaf.email, "export pw").unwrap();
    let mut again = KeyRing::default();
    again
        .import_pkcs12(&kek, None, &exported, "export pw", "exported.p12")
        .unwrap();
    let now = std::time::SystemTime::now();
    let (cert, chain, key) = again.signing_key(&kek, &[], &leaf.email, now).unwrap();
    assert_eq!(cert, certificates(&leaf.cert).remove(0));
    assert_eq!(
        chain,
        vec![
            certificates(&pki.intermediate).remove(0),
            certificates(&pki.root).remove(0)
        ]
    );
    assert_eq!(
        key.public_key_spki(),
        cert.tbs_certificate.subject_public_key_info
    );
    // And openssl opens the export with the same key.
    let out = d.join("exported.p12");
    fs::write(&out, &exported).unwrap();
    fs::write(d.join("pass.txt"), "export pw\n").unwrap();
    let pem = d.join("exported.pem");
    let o = run(Command::new("openssl")
        .args(["pkcs12", "-nodes", "-in"])
        .arg(&out)
        .arg("-passin")
        .arg(format!("file:{}", d.join("pass.txt").display()))
        .arg("-out")
        .arg(&pem));
    assert!(o.ok(), "{o}");
    assert_eq!(
        openssl_public_key(d, &pem),
        openssl_public_key(d, &leaf.key)
    );
}

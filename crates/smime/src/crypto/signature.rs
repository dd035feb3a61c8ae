//! Tests of signature schemes and their verification against our own signing key and the
//! openssl tool. The verification itself lives in [`smime_pkix::signature`] (certificate
//! and CRL signatures need it there); the schemes are re-exported from [`crate::crypto`].

use der::asn1::ObjectIdentifier as Oid;
use der::{Any, Decode, Encode};
use smime_pkix::signature::{ED25519, RSA_ENCRYPTION};
use smime_pkix::Error;
use spki::AlgorithmIdentifierOwned;

use crate::ber::{encode_tlv, Tag};
use crate::crypto::test_pki::Pki;
use crate::crypto::{
    public_key_description, verify_signature, DigestAlgorithm, PrivateKey, SignatureScheme,
};
use crate::CryptoPolicy;

const MGF1: Oid = Oid::new_unwrap("1.2.840.113549.1.1.8");

/// A non-negative INTEGER's content octets (X.690 8.3), for salt lengths: an encoding
/// independent of the one under test.
fn unsigned_integer_content(value: u16) -> Vec<u8> {
    let mut content: Vec<u8> = value
        .to_be_bytes()
        .iter()
        .copied()
        .skip_while(|&b| b == 0)
        .collect();
    if content.first().is_none_or(|&b| b & 0x80 != 0) {
        content.insert(0, 0);
    }
    content
}

const MESSAGE: &[u8] = b"Content-Type: text/plain\r\n\r\nHello, world\r\n";

fn strict() -> CryptoPolicy {
    CryptoPolicy::strict()
}

fn legacy() -> CryptoPolicy {
    CryptoPolicy::strict().allow_legacy()
}

fn alg(oid: &str, parameters: Option<Any>) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: Oid::new_unwrap(oid),
        parameters,
    }
}

/// Sign with our key, verify with the key openssl derives, and check that a changed
/// message and a changed signature are `Ok(false)`.
fn round_trip(pki: &Pki, name: &str, key: &PrivateKey, scheme: SignatureScheme) {
    let spki = pki.spki(name);
    assert_eq!(key.public_key_spki(), spki, "{name}: public key");
    let signature = key.sign(&scheme, MESSAGE).unwrap();
    let verify = |message: &[u8], signature: &[u8]| {
        verify_signature(&spki, &scheme, message, signature, &strict())
    };
    assert!(
        matches!(verify(MESSAGE, &signature), Ok(true)),
        "{name} {}",
        scheme.name()
    );
    assert!(matches!(verify(b"Hello, world", &signature), Ok(false)));
    let mut changed = signature.clone();
    let last = changed.len() - 1;
    changed[last] ^= 1;
    assert!(matches!(verify(MESSAGE, &changed), Ok(false)));
    // The scheme survives the trip through SignerInfo.signatureAlgorithm.
    let back = SignatureScheme::from_signer_info(
        &scheme.digest().algorithm_identifier(),
        &scheme.signer_info_algorithm(),
        &strict(),
    )
    .unwrap();
    assert_eq!(back, scheme);
}

#[test]
fn sign_verify_rsa2048_every_scheme_valid_and_tampered_is_false() {
    let pki = Pki::new();
    pki.key("rsa", "rsa2048");
    let key = pki.private_key("rsa");
    for d in [
        DigestAlgorithm::Sha256,
        DigestAlgorithm::Sha384,
        DigestAlgorithm::Sha512,
    ] {
        round_trip(&pki, "rsa", &key, SignatureScheme::RsaPkcs1(d));
        round_trip(&pki, "rsa", &key, SignatureScheme::RsaPss(d));
    }
}

#[test]
fn sign_verify_rsa_pss_key_valid_and_tampered_is_false() {
    let pki = Pki::new();
    pki.key("pss", "rsa-pss");
    let key = pki.private_key("pss");
    let scheme = key.scheme(DigestAlgorithm::Sha256, false).unwrap();
    assert_eq!(scheme, SignatureScheme::RsaPss(DigestAlgorithm::Sha256));
    round_trip(&pki, "pss", &key, scheme);
    // An id-RSASSA-PSS key makes PSS signatures only (RFC 4055 1.2).
    let pkcs1 = SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha256);
    assert!(key.sign(&pkcs1, MESSAGE).is_err());
    assert!(verify_signature(&pki.spki("pss"), &pkcs1, MESSAGE, &[0; 256], &strict()).is_err());
}

#[test]
fn sign_verify_ec_curves_valid_and_tampered_is_false() {
    let pki = Pki::new();
    for (name, kind, digests) in [
        ("p256", "p256", &[DigestAlgorithm::Sha256][..]),
        ("p384", "p384", &[DigestAlgorithm::Sha384][..]),
        (
            "p521",
            "p521",
            &[
                DigestAlgorithm::Sha256,
                DigestAlgorithm::Sha384,
                DigestAlgorithm::Sha512,
            ][..],
        ),
    ] {
        pki.key(name, kind);
        let key = pki.private_key(name);
        for d in digests {
            let scheme = key.scheme(*d, false).unwrap();
            assert_eq!(scheme, SignatureScheme::Ecdsa(*d));
            round_trip(&pki, name, &key, scheme);
        }
    }
}

#[test]
fn sign_verify_ed25519_valid_and_tampered_is_false() {
    let pki = Pki::new();
    pki.key("ed", "ed25519");
    let key = pki.private_key("ed");
    let scheme = key.scheme(DigestAlgorithm::Sha256, false).unwrap();
    assert_eq!(scheme, SignatureScheme::Ed25519);
    assert_eq!(scheme.digest(), DigestAlgorithm::Sha512);
    round_trip(&pki, "ed", &key, scheme);
}

/// openssl signs `msg` with `key` and the extra arguments; we verify.
fn openssl_signs(pki: &Pki, key: &str, digest: &str, extra: &[&str]) -> Vec<u8> {
    pki.write("msg", MESSAGE);
    let key = format!("{key}.key");
    let mut args = vec!["dgst", digest, "-sign", &key, "-out", "sig"];
    args.extend_from_slice(extra);
    args.push("msg");
    pki.openssl(&args);
    pki.read("sig")
}

/// openssl verifies our signature over `msg`.
fn openssl_verifies(pki: &Pki, key: &str, digest: &str, extra: &[&str], sig: &[u8]) -> bool {
    pki.write("msg", MESSAGE);
    pki.write("oursig", sig);
    let key = format!("{key}.key");
    let mut args = vec!["dgst", digest, "-prverify", &key, "-signature", "oursig"];
    args.extend_from_slice(extra);
    args.push("msg");
    pki.try_openssl(&args)
}

#[test]
fn verify_openssl_rsa_pkcs1_and_pss_signatures_agree_both_ways() {
    let pki = Pki::new();
    pki.key("rsa", "rsa2048");
    let spki = pki.spki("rsa");
    let key = pki.private_key("rsa");
    let pss = ["-sigopt", "rsa_padding_mode:pss"];

    let sig = openssl_signs(&pki, "rsa", "-sha256", &[]);
    let scheme = SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha256);
    assert!(verify_signature(&spki, &scheme, MESSAGE, &sig, &strict()).unwrap());
    let ours = key.sign(&scheme, MESSAGE).unwrap();
    assert!(openssl_verifies(&pki, "rsa", "-sha256", &[], &ours));
    assert!(!openssl_verifies(&pki, "rsa", "-sha384", &[], &ours));

    let sig = openssl_signs(
        &pki,
        "rsa",
        "-sha384",
        &[pss[0], pss[1], "-sigopt", "rsa_pss_saltlen:digest"],
    );
    let scheme = SignatureScheme::RsaPss(DigestAlgorithm::Sha384);
    assert!(verify_signature(&spki, &scheme, MESSAGE, &sig, &strict()).unwrap());
    let ours = key.sign(&scheme, MESSAGE).unwrap();
    assert!(openssl_verifies(&pki, "rsa", "-sha384", &pss, &ours));

    // OpenSSL's own default salt is as long as possible: 256 - 32 - 2 bytes.
    let sig = openssl_signs(
        &pki,
        "rsa",
        "-sha256",
        &[pss[0], pss[1], "-sigopt", "rsa_pss_saltlen:max"],
    );
    let digest_salt = SignatureScheme::RsaPss(DigestAlgorithm::Sha256);
    assert!(!verify_signature(&spki, &digest_salt, MESSAGE, &sig, &strict()).unwrap());
    let max_salt = SignatureScheme::RsaPssWithSaltLength {
        digest: DigestAlgorithm::Sha256,
        salt_length: 222,
    };
    assert!(verify_signature(&spki, &max_salt, MESSAGE, &sig, &strict()).unwrap());
}

#[test]
fn verify_openssl_ecdsa_signatures_agree_both_ways() {
    let pki = Pki::new();
    pki.key("p256", "p256");
    pki.key("p384", "p384");
    for (name, digest, alg) in [
        ("p256", "-sha256", DigestAlgorithm::Sha256),
        // A hash other than the curve's own (RFC 5753 7.1.3 allows it).
        ("p256", "-sha384", DigestAlgorithm::Sha384),
        ("p256", "-sha512", DigestAlgorithm::Sha512),
        ("p384", "-sha384", DigestAlgorithm::Sha384),
        ("p384", "-sha256", DigestAlgorithm::Sha256),
    ] {
        let spki = pki.spki(name);
        let sig = openssl_signs(&pki, name, digest, &[]);
        let scheme = SignatureScheme::Ecdsa(alg);
        assert!(
            verify_signature(&spki, &scheme, MESSAGE, &sig, &strict()).unwrap(),
            "{name} {digest}"
        );
    }
    for name in ["p256", "p384"] {
        let key = pki.private_key(name);
        let scheme = key.scheme(key.default_digest(), false).unwrap();
        let digest = format!("-{}", scheme.digest().micalg().replace('-', ""));
        let ours = key.sign(&scheme, MESSAGE).unwrap();
        assert!(openssl_verifies(&pki, name, &digest, &[], &ours), "{name}");
    }
}

#[test]
fn verify_rsa1024_strict_is_refused_and_legacy_is_valid() {
    let pki = Pki::new();
    pki.key("short", "rsa1024");
    let spki = pki.spki("short");
    let sig = openssl_signs(&pki, "short", "-sha256", &[]);
    let scheme = SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha256);
    match verify_signature(&spki, &scheme, MESSAGE, &sig, &strict()) {
        Err(Error::Refused { what, .. }) => assert_eq!(what, "RSA key of 1024 bits"),
        other => panic!("expected Refused, got {other:?}"),
    }
    assert!(verify_signature(&spki, &scheme, MESSAGE, &sig, &legacy()).unwrap());
    assert!(!verify_signature(&spki, &scheme, b"other", &sig, &legacy()).unwrap());
    assert_eq!(public_key_description(&spki), "RSA 1024");
}

#[test]
fn verify_sha1_strict_is_refused_and_legacy_is_valid() {
    let pki = Pki::new();
    pki.key("rsa", "rsa2048");
    let spki = pki.spki("rsa");
    let sig = openssl_signs(&pki, "rsa", "-sha1", &[]);
    let scheme = SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha1);
    assert!(matches!(
        verify_signature(&spki, &scheme, MESSAGE, &sig, &strict()),
        Err(Error::Refused { .. })
    ));
    assert!(verify_signature(&spki, &scheme, MESSAGE, &sig, &legacy()).unwrap());
}

#[test]
fn verify_key_of_other_type_is_error() {
    let pki = Pki::new();
    pki.key("ed", "ed25519");
    let spki = pki.spki("ed");
    let scheme = SignatureScheme::Ecdsa(DigestAlgorithm::Sha256);
    assert!(matches!(
        verify_signature(&spki, &scheme, MESSAGE, &[0x30, 0], &strict()),
        Err(Error::Key { .. })
    ));
}

#[test]
fn verify_garbage_key_or_signature_is_false_or_error() {
    let pki = Pki::new();
    pki.key("p256", "p256");
    let spki = pki.spki("p256");
    let scheme = SignatureScheme::Ecdsa(DigestAlgorithm::Sha256);
    for sig in [&[][..], &[0x30][..], &[0xff; 200][..]] {
        assert!(!verify_signature(&spki, &scheme, MESSAGE, sig, &strict()).unwrap());
    }
    let mut broken = spki.clone();
    broken.subject_public_key = der::asn1::BitString::from_bytes(&[4, 1, 2, 3]).unwrap();
    assert!(!verify_signature(&broken, &scheme, MESSAGE, &[0x30, 0], &strict()).unwrap());
    let mut rsa = broken.clone();
    rsa.algorithm = alg("1.2.840.113549.1.1.1", Some(Any::null()));
    let pkcs1 = SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha256);
    assert!(verify_signature(&rsa, &pkcs1, MESSAGE, &[0; 256], &strict()).is_err());
}

#[test]
fn public_key_description_each_type_is_named() {
    let pki = Pki::new();
    for (kind, expected) in [
        ("rsa2048", "RSA 2048"),
        ("rsa-pss", "RSA 2048"),
        ("p256", "EC P-256"),
        ("p384", "EC P-384"),
        ("p521", "EC P-521"),
        ("ed25519", "Ed25519"),
    ] {
        pki.key(kind, kind);
        assert_eq!(public_key_description(&pki.spki(kind)), expected);
    }
    pki.openssl(&["genpkey", "-algorithm", "X25519", "-out", "x.key"]);
    assert_eq!(public_key_description(&pki.spki("x")), "X25519");
}

#[test]
fn from_signer_info_rsa_forms_are_pkcs1() {
    let sha256 = DigestAlgorithm::Sha256.algorithm_identifier();
    for oid in ["1.2.840.113549.1.1.1", "1.2.840.113549.1.1.11"] {
        assert_eq!(
            SignatureScheme::from_signer_info(&sha256, &alg(oid, Some(Any::null())), &strict())
                .unwrap(),
            SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha256)
        );
    }
    let sha384 = DigestAlgorithm::Sha384.algorithm_identifier();
    assert!(matches!(
        SignatureScheme::from_signer_info(&sha384, &alg("1.2.840.113549.1.1.11", None), &strict()),
        Err(Error::Refused { .. })
    ));
}

#[test]
fn from_signer_info_ec_public_key_takes_digest_algorithm() {
    let sha384 = DigestAlgorithm::Sha384.algorithm_identifier();
    assert_eq!(
        SignatureScheme::from_signer_info(&sha384, &alg("1.2.840.10045.2.1", None), &strict())
            .unwrap(),
        SignatureScheme::Ecdsa(DigestAlgorithm::Sha384)
    );
    assert_eq!(
        SignatureScheme::from_signer_info(&sha384, &alg("1.2.840.10045.4.3.3", None), &strict())
            .unwrap(),
        SignatureScheme::Ecdsa(DigestAlgorithm::Sha384)
    );
}

#[test]
fn from_signer_info_legacy_and_broken_digests_follow_policy() {
    let sha1 = alg("1.3.14.3.2.26", None);
    let rsa = alg("1.2.840.113549.1.1.1", Some(Any::null()));
    assert!(matches!(
        SignatureScheme::from_signer_info(&sha1, &rsa, &strict()),
        Err(Error::Refused { .. })
    ));
    assert_eq!(
        SignatureScheme::from_signer_info(&sha1, &rsa, &legacy()).unwrap(),
        SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha1)
    );
    let md5 = alg("1.2.840.113549.2.5", None);
    assert!(matches!(
        SignatureScheme::from_signer_info(&md5, &rsa, &legacy()),
        Err(Error::Refused { .. })
    ));
    let sha256 = DigestAlgorithm::Sha256.algorithm_identifier();
    for md in [
        "1.2.840.113549.1.1.4",
        "1.2.840.113549.1.1.3",
        "1.2.840.113549.1.1.2",
    ] {
        assert!(matches!(
            SignatureScheme::from_signer_info(&sha256, &alg(md, None), &legacy()),
            Err(Error::Refused { .. })
        ));
    }
    assert!(matches!(
        SignatureScheme::from_signer_info(&sha256, &alg("1.2.3.4", None), &legacy()),
        Err(Error::UnsupportedAlgorithm { .. })
    ));
}

#[test]
fn from_signer_info_ed25519_is_ed25519() {
    let sha512 = DigestAlgorithm::Sha512.algorithm_identifier();
    let ed = SignatureScheme::Ed25519.signer_info_algorithm();
    assert_eq!(ed.oid, ED25519);
    assert!(ed.parameters.is_none());
    assert_eq!(
        SignatureScheme::from_signer_info(&sha512, &ed, &strict()).unwrap(),
        SignatureScheme::Ed25519
    );
}

fn pss_params(hash: &str, mgf_hash: &str, salt: u16) -> Any {
    let hash = alg(hash, None).to_der().unwrap();
    let mut mgf = MGF1.to_der().unwrap();
    mgf.extend(alg(mgf_hash, None).to_der().unwrap());
    let mut content = encode_tlv(Tag::context(0, true), &hash);
    content.extend(encode_tlv(
        Tag::context(1, true),
        &encode_tlv(Tag::SEQUENCE, &mgf),
    ));
    content.extend(encode_tlv(
        Tag::context(2, true),
        &encode_tlv(Tag::INTEGER, &unsigned_integer_content(salt)),
    ));
    Any::from_der(&encode_tlv(Tag::SEQUENCE, &content)).unwrap()
}

#[test]
fn from_signer_info_pss_params_parsed_and_mismatch_rejected() {
    const SHA256: &str = "2.16.840.1.101.3.4.2.1";
    const SHA384: &str = "2.16.840.1.101.3.4.2.2";
    const PSS: &str = "1.2.840.113549.1.1.10";
    let sha256 = DigestAlgorithm::Sha256.algorithm_identifier();
    let ok = alg(PSS, Some(pss_params(SHA256, SHA256, 32)));
    assert_eq!(
        SignatureScheme::from_signer_info(&sha256, &ok, &strict()).unwrap(),
        SignatureScheme::RsaPss(DigestAlgorithm::Sha256)
    );
    // Our encoding is the same as this independent one.
    assert_eq!(
        SignatureScheme::RsaPss(DigestAlgorithm::Sha256).signer_info_algorithm(),
        ok
    );
    let long_salt = alg(PSS, Some(pss_params(SHA256, SHA256, 222)));
    let scheme = SignatureScheme::from_signer_info(&sha256, &long_salt, &strict()).unwrap();
    assert_eq!(
        scheme,
        SignatureScheme::RsaPssWithSaltLength {
            digest: DigestAlgorithm::Sha256,
            salt_length: 222
        }
    );
    assert_eq!(scheme.signer_info_algorithm(), long_salt);
    let mgf_mismatch = alg(PSS, Some(pss_params(SHA256, SHA384, 32)));
    assert!(matches!(
        SignatureScheme::from_signer_info(&sha256, &mgf_mismatch, &strict()),
        Err(Error::UnsupportedAlgorithm { .. })
    ));
    let sha384 = DigestAlgorithm::Sha384.algorithm_identifier();
    assert!(matches!(
        SignatureScheme::from_signer_info(&sha384, &ok, &strict()),
        Err(Error::Refused { .. })
    ));
    let absent = alg(PSS, None);
    assert!(SignatureScheme::from_signer_info(&sha256, &absent, &legacy()).is_err());
    let garbage = alg(PSS, Some(Any::null()));
    assert!(SignatureScheme::from_signer_info(&sha256, &garbage, &legacy()).is_err());
}

#[test]
fn from_certificate_algorithm_known_oids_map() {
    for (oid, scheme) in [
        (
            "1.2.840.113549.1.1.11",
            SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha256),
        ),
        (
            "1.2.840.113549.1.1.13",
            SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha512),
        ),
        (
            "1.2.840.10045.4.3.3",
            SignatureScheme::Ecdsa(DigestAlgorithm::Sha384),
        ),
        ("1.3.101.112", SignatureScheme::Ed25519),
    ] {
        assert_eq!(
            SignatureScheme::from_certificate_algorithm(&alg(oid, None), &strict()).unwrap(),
            scheme
        );
    }
    let sha1_rsa = alg("1.2.840.113549.1.1.5", Some(Any::null()));
    assert!(SignatureScheme::from_certificate_algorithm(&sha1_rsa, &strict()).is_err());
    assert_eq!(
        SignatureScheme::from_certificate_algorithm(&sha1_rsa, &legacy()).unwrap(),
        SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha1)
    );
}

#[test]
fn scheme_names_are_readable() {
    assert_eq!(
        SignatureScheme::RsaPss(DigestAlgorithm::Sha256).name(),
        "RSA-PSS with SHA-256"
    );
    assert_eq!(
        SignatureScheme::Ecdsa(DigestAlgorithm::Sha384).name(),
        "ECDSA with SHA-384"
    );
    assert_eq!(SignatureScheme::Ed25519.name(), "Ed25519");
    assert_eq!(
        SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha256).name(),
        "RSA PKCS#1 v1.5 with SHA-256"
    );
    let pkcs1 = SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha256).signer_info_algorithm();
    assert_eq!(pkcs1.oid, RSA_ENCRYPTION);
    assert_eq!(pkcs1.parameters, Some(Any::null()));
}

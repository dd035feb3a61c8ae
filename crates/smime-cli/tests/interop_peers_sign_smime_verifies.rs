//! Messages signed by the real peers (`openssl cms -sign` in every output style, NSS
//! `cmsutil -S`, `gpgsm --sign`), verified by `smime verify --trust root`: each must be
//! "valid" (exit 0), and the same message with one byte of the signed body changed must be
//! "bad-signature" (exit 1).

mod common;

use common::*;

const BODY: &str = "Hello from a peer.\nSecond line.\n";

/// The entity the peers sign, CRLF line ends.
fn entity(from: &str) -> Vec<u8> {
    mime_entity(&plain_message(from, BODY))
}

/// The message with "Hello" changed to "Jello" inside the signed content: in the text of a
/// multipart/signed message, or inside the DER of an opaque one (then wrapped again).
fn tampered(message: &[u8], from: &str) -> Vec<u8> {
    let ct = header_value(message, "Content-Type").unwrap_or_default();
    if ct.to_ascii_lowercase().starts_with("multipart/signed") {
        replace_once(message, b"Hello", b"Jello")
    } else {
        let der = pkcs7_mime_der(message);
        make_pkcs7_mime(from, &replace_once(&der, b"Hello", b"Jello"))
    }
}

/// `smime verify --trust root` says valid; the tampered copy says bad-signature.
#[track_caller]
fn assert_valid_then_tampered_bad(peers: &Peers, message: &[u8], from: &str, what: &str) {
    let o = smime_verify_trusting(&peers.pki, message);
    assert_eq!(
        o.code(),
        0,
        "{what}: smime must accept the peer's message\n{o}"
    );
    let report = o.json();
    assert_eq!(report["status"], "valid", "{what}:\n{o}");
    assert_eq!(report["valid"], true, "{what}:\n{o}");
    assert_eq!(
        report["signers"][0]["signature_valid"], true,
        "{what}:\n{o}"
    );

    let bad = tampered(message, from);
    let o = smime_verify_trusting(&peers.pki, &bad);
    assert_eq!(
        o.code(),
        1,
        "{what}: smime must reject the changed message\n{o}"
    );
    assert_eq!(report_status(&o), "bad-signature", "{what}:\n{o}");
}

fn openssl_signed(peers: &Peers, leaf: &Leaf, content: &[u8], opts: OpensslSign) -> Vec<u8> {
    let o = openssl_cms_sign(&peers.pki, leaf, content, &opts);
    o.assert_ok();
    o.stdout.clone()
}

#[test]
fn verify_openssl_detached_is_valid() {
    let Some(peers) = Peers::new() else { return };
    let leaf = peers.pki.leaf(Alg::Rsa);
    let m = openssl_signed(&peers, leaf, &entity(&leaf.email), OpensslSign::default());
    assert_valid_then_tampered_bad(&peers, &m, &leaf.email, "openssl cms -sign (detached)");
}

#[test]
fn verify_openssl_opaque_nodetach_is_valid() {
    let Some(peers) = Peers::new() else { return };
    let leaf = peers.pki.leaf(Alg::Rsa);
    let opts = OpensslSign {
        nodetach: true,
        ..Default::default()
    };
    let m = openssl_signed(&peers, leaf, &entity(&leaf.email), opts);
    assert_valid_then_tampered_bad(&peers, &m, &leaf.email, "openssl cms -sign -nodetach");
}

#[test]
fn verify_openssl_stream_ber_indefinite_is_valid() {
    let Some(peers) = Peers::new() else { return };
    let leaf = peers.pki.leaf(Alg::Rsa);
    for nodetach in [true, false] {
        let opts = OpensslSign {
            stream: true,
            nodetach,
            ..Default::default()
        };
        let m = openssl_signed(&peers, leaf, &entity(&leaf.email), opts);
        if nodetach {
            // Make sure this really is BER with indefinite lengths: SEQUENCE 0x30 0x80.
            let der = pkcs7_mime_der(&m);
            assert_eq!(&der[..2], &[0x30, 0x80], "openssl -stream must write BER");
        }
        let what = format!("openssl cms -sign -stream (nodetach: {nodetach})");
        assert_valid_then_tampered_bad(&peers, &m, &leaf.email, &what);
    }
}

#[test]
fn verify_openssl_binary_lf_content_is_valid() {
    let Some(peers) = Peers::new() else { return };
    let leaf = peers.pki.leaf(Alg::Rsa);
    // -binary: openssl signs the bytes as they are, bare LF line ends included.
    let content: Vec<u8> = entity(&leaf.email)
        .into_iter()
        .filter(|&b| b != b'\r')
        .collect();
    for nodetach in [false, true] {
        let opts = OpensslSign {
            binary: true,
            nodetach,
            ..Default::default()
        };
        let m = openssl_signed(&peers, leaf, &content, opts);
        let what = format!("openssl cms -sign -binary (nodetach: {nodetach})");
        assert_valid_then_tampered_bad(&peers, &m, &leaf.email, &what);
    }
}

#[test]
fn verify_openssl_each_algorithm_is_valid() {
    let Some(peers) = Peers::new() else { return };
    for alg in Alg::ALL {
        if !capability(Peer::Openssl, Op::Sign, alg) {
            println!("openssl cannot sign {alg}: not tested here");
            continue;
        }
        let leaf = peers.pki.leaf(alg);
        let opts = OpensslSign {
            pss: alg == Alg::RsaPss,
            md: (alg == Alg::P384).then(|| "sha384".to_string()),
            ..Default::default()
        };
        let m = openssl_signed(&peers, leaf, &entity(&leaf.email), opts);
        assert_valid_then_tampered_bad(&peers, &m, &leaf.email, &format!("openssl {alg}"));
    }
}

#[test]
fn verify_openssl_intermediate_chain_is_valid() {
    let Some(peers) = Peers::new() else { return };
    let leaf = &peers.pki.chained;
    let opts = OpensslSign {
        chain: true,
        ..Default::default()
    };
    let m = openssl_signed(&peers, leaf, &entity(&leaf.email), opts);
    assert_valid_then_tampered_bad(&peers, &m, &leaf.email, "openssl with intermediate");
}

#[test]
fn verify_cmsutil_opaque_and_detached_are_valid() {
    let Some(peers) = Peers::new() else { return };
    let Some(nss) = &peers.nss else { return };
    for alg in [Alg::Rsa, Alg::P256, Alg::P384] {
        let leaf = peers.pki.leaf(alg);
        let content = entity(&leaf.email);
        for detached in [true, false] {
            let o = nss.cmsutil_sign(leaf, &content, detached);
            o.assert_ok();
            let m = if detached {
                make_multipart_signed(&leaf.email, &content, &o.stdout, "sha-256")
            } else {
                make_pkcs7_mime(&leaf.email, &o.stdout)
            };
            let what = format!("cmsutil -S {alg} (detached: {detached})");
            assert_valid_then_tampered_bad(&peers, &m, &leaf.email, &what);
        }
    }
}

#[test]
fn verify_gpgsm_signed_is_valid() {
    let Some(peers) = Peers::new() else { return };
    let Some(gpgsm) = &peers.gpgsm else { return };
    for alg in [Alg::Rsa, Alg::P256, Alg::P384] {
        let leaf = peers.pki.leaf(alg);
        let content = entity(&leaf.email);
        for detached in [true, false] {
            let o = gpgsm.gpgsm_sign(leaf, &content, detached);
            o.assert_ok();
            let micalg = if alg == Alg::P384 {
                "sha-384"
            } else {
                "sha-256"
            };
            let m = if detached {
                make_multipart_signed(&leaf.email, &content, &o.stdout, micalg)
            } else {
                make_pkcs7_mime(&leaf.email, &o.stdout)
            };
            let what = format!("gpgsm --sign {alg} (detached: {detached})");
            assert_valid_then_tampered_bad(&peers, &m, &leaf.email, &what);
        }
    }
}

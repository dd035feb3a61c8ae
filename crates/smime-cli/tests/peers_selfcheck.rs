//! The harness checked against itself: the peers sign and verify each other's messages, so a
//! failure in the interop tests is not the harness's fault. Also pins down what each peer on
//! this system can do (see `common::capability`), so that the matrix in the interop tests
//! stays honest when a peer is upgraded.

mod common;

use common::*;

/// The entity the peers sign: a MIME entity with CRLF line ends.
fn entity() -> Vec<u8> {
    mime_entity(&plain_message(
        "x@example.com",
        "Hello from the harness.\nSecond line.\n",
    ))
}

#[test]
fn selfcheck_openssl_signs_nss_and_gpgsm_verify() {
    let Some(peers) = Peers::new() else { return };
    let content = entity();
    for alg in Alg::ALL {
        let leaf = peers.pki.leaf(alg);
        let opts = OpensslSign {
            binary: true,
            pss: alg == Alg::RsaPss,
            // The curve's own digest: gpgsm refuses a 256-bit hash with a P-384 key.
            md: match alg {
                Alg::Ed25519 => Some("sha512".to_string()),
                Alg::P384 => Some("sha384".to_string()),
                _ => None,
            },
            outform: Some("DER".into()),
            ..Default::default()
        };
        let signed = openssl_cms_sign(&peers.pki, leaf, &content, &opts);
        let expect = capability(Peer::Openssl, Op::Sign, alg);
        assert_eq!(
            signed.ok(),
            expect,
            "openssl signing {alg}: capability table says {expect}\n{signed}"
        );
        if !signed.ok() {
            println!(
                "openssl cannot sign {alg} CMS: {}",
                signed.stderr.lines().next().unwrap_or("")
            );
            continue;
        }
        let o = openssl_cms_verify(
            peers.path(),
            &signed.stdout,
            Inform::Der,
            Some(&content),
            &peers.pki.root,
        );
        o.assert_ok();
        if let Some(nss) = &peers.nss {
            let o = nss.cmsutil_verify(&signed.stdout, Some(&content));
            assert_eq!(
                o.ok(),
                capability(Peer::Nss, Op::Verify, alg),
                "cmsutil verifying {alg}:\n{o}"
            );
            // And a changed byte must fail.
            let bad = replace_once(&content, b"Hello", b"Jello");
            let o = nss.cmsutil_verify(&signed.stdout, Some(&bad));
            assert!(!o.ok(), "cmsutil accepted changed content ({alg}):\n{o}");
        }
        if let Some(gpgsm) = &peers.gpgsm {
            let o = gpgsm.gpgsm_verify(&signed.stdout, Some(&content));
            assert_eq!(
                o.ok(),
                capability(Peer::Gpgsm, Op::Verify, alg),
                "gpgsm verifying {alg}:\n{o}"
            );
            let bad = replace_once(&content, b"Hello", b"Jello");
            let o = gpgsm.gpgsm_verify(&signed.stdout, Some(&bad));
            assert!(!o.ok(), "gpgsm accepted changed content ({alg}):\n{o}");
        }
    }
}

#[test]
fn selfcheck_openssl_opaque_and_chain_verify_everywhere() {
    let Some(peers) = Peers::new() else { return };
    let content = entity();
    let leaf = &peers.pki.chained;
    let opts = OpensslSign {
        nodetach: true,
        binary: true,
        chain: true,
        outform: Some("DER".into()),
        ..Default::default()
    };
    let signed = openssl_cms_sign(&peers.pki, leaf, &content, &opts);
    signed.assert_ok();
    let o = openssl_cms_verify(
        peers.path(),
        &signed.stdout,
        Inform::Der,
        None,
        &peers.pki.root,
    );
    o.assert_ok();
    assert_eq!(o.stdout, content);
    if let Some(nss) = &peers.nss {
        let o = nss.cmsutil_verify(&signed.stdout, None);
        o.assert_ok();
        assert_eq!(o.stdout, content);
    }
    if let Some(gpgsm) = &peers.gpgsm {
        let o = gpgsm.gpgsm_verify(&signed.stdout, None);
        o.assert_ok();
        assert_eq!(o.stdout, content);
    }
}

#[test]
fn selfcheck_openssl_smime_output_parses_with_the_harness() {
    let Some(peers) = Peers::new() else { return };
    let leaf = peers.pki.leaf(Alg::Rsa);
    let content = entity();
    let signed = openssl_cms_sign(&peers.pki, leaf, &content, &OpensslSign::default());
    signed.assert_ok();
    assert_eq!(
        header_value(&signed.stdout, "From").as_deref(),
        Some(leaf.email.as_str())
    );
    let (der, detached) = cms_of_message(&signed.stdout);
    let detached = detached.expect("multipart/signed");
    let o = openssl_cms_verify(
        peers.path(),
        &der,
        Inform::Der,
        Some(&detached),
        &peers.pki.root,
    );
    o.assert_ok();
    // The harness's own multipart/signed wrapper must be readable by openssl too.
    let rewrapped = make_multipart_signed(&leaf.email, &detached, &der, "sha-256");
    let o = openssl_cms_verify(
        peers.path(),
        &rewrapped,
        Inform::Smime,
        None,
        &peers.pki.root,
    );
    o.assert_ok();
}

#[test]
fn selfcheck_cmsutil_signs_openssl_verifies() {
    let Some(peers) = Peers::new() else { return };
    let Some(nss) = &peers.nss else { return };
    let content = entity();
    // No PSS: these peers cannot be asked for it.
    for alg in Alg::ALL.into_iter().filter(|a| *a != Alg::RsaPss) {
        let leaf = peers.pki.leaf(alg);
        for detached in [true, false] {
            let signed = nss.cmsutil_sign(leaf, &content, detached);
            let expect = capability(Peer::Nss, Op::Sign, alg);
            assert_eq!(signed.ok(), expect, "cmsutil signing {alg}:\n{signed}");
            if !signed.ok() {
                println!("cmsutil cannot sign {alg}");
                continue;
            }
            let o = openssl_cms_verify(
                peers.path(),
                &signed.stdout,
                Inform::Der,
                detached.then_some(&content[..]),
                &peers.pki.root,
            );
            o.assert_ok();
            if !detached {
                assert_eq!(o.stdout, content);
            }
        }
    }
}

#[test]
fn selfcheck_gpgsm_signs_openssl_verifies() {
    let Some(peers) = Peers::new() else { return };
    let Some(gpgsm) = &peers.gpgsm else { return };
    let content = entity();
    // No PSS: these peers cannot be asked for it.
    for alg in Alg::ALL.into_iter().filter(|a| *a != Alg::RsaPss) {
        let leaf = peers.pki.leaf(alg);
        for detached in [true, false] {
            let signed = gpgsm.gpgsm_sign(leaf, &content, detached);
            let expect = capability(Peer::Gpgsm, Op::Sign, alg);
            assert_eq!(signed.ok(), expect, "gpgsm signing {alg}:\n{signed}");
            if !signed.ok() {
                println!("gpgsm cannot sign {alg}");
                continue;
            }
            let o = openssl_cms_verify(
                peers.path(),
                &signed.stdout,
                Inform::Der,
                detached.then_some(&content[..]),
                &peers.pki.root,
            );
            assert_eq!(
                o.ok(),
                capability(Peer::Openssl, Op::Verify, alg),
                "openssl verifying gpgsm {alg}:\n{o}"
            );
            if !detached && o.ok() {
                assert_eq!(o.stdout, content);
            }
        }
    }
}

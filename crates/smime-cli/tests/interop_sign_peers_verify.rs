//! `smime sign` output verified by the real peers: `openssl cms -verify`, NSS `cmsutil -D` and
//! `gpgsm --verify`, for every key algorithm, detached (multipart/signed) and opaque
//! (application/pkcs7-mime). Where a peer does not support an algorithm (see
//! `common::capability`), the test asserts that the peer fails, so the matrix stays honest.

mod common;

use common::*;

const BODY: &str = "Interop body line one.\nLine two, with trailing spaces   \nLast line.\n";

/// Sign as `leaf` with `smime` and have every peer verify, detached and opaque.
fn sign_and_check(peers: &Peers, leaf: &Leaf, with_chain: bool) {
    let alg = leaf.alg;
    let message = plain_message(&leaf.email, BODY);
    for opaque in [false, true] {
        let form = if opaque { "opaque" } else { "detached" };
        let mut flags = Vec::new();
        if opaque {
            flags.push("--opaque");
        }
        if alg == Alg::RsaPss {
            flags.push("--pss");
        }
        let signed = smime_sign(&peers.pki, leaf, &message, &flags, with_chain);
        signed.assert_ok();
        let eml = &signed.stdout;
        assert_eq!(
            header_value(eml, "From").as_deref(),
            Some(leaf.email.as_str()),
            "the outer From header must be kept"
        );
        let (der, detached) = cms_of_message(eml);
        assert_eq!(detached.is_none(), opaque, "{form}: wrong S/MIME form");

        // openssl reads the whole S/MIME message itself.
        let o = openssl_cms_verify(peers.path(), eml, Inform::Smime, None, &peers.pki.root);
        check(Peer::Openssl, alg, form, &o);
        if o.ok() {
            assert!(o.stdout_text().contains("Interop body line one."), "{o}");
        }

        if let Some(nss) = &peers.nss {
            let o = nss.cmsutil_verify(&der, detached.as_deref());
            check(Peer::Nss, alg, form, &o);
            if o.ok() && opaque {
                assert!(o.stdout_text().contains("Interop body line one."), "{o}");
            }
        }
        if let Some(gpgsm) = &peers.gpgsm {
            let o = gpgsm.gpgsm_verify(&der, detached.as_deref());
            check(Peer::Gpgsm, alg, form, &o);
            if o.ok() && opaque {
                assert!(o.stdout_text().contains("Interop body line one."), "{o}");
            }
        }
    }
}

/// Assert the peer's verdict matches the capability table.
#[track_caller]
fn check(peer: Peer, alg: Alg, form: &str, o: &Outcome) {
    let expected = capability(peer, Op::Verify, alg);
    if expected {
        assert!(
            o.ok(),
            "{peer:?} must verify smime's {alg} {form} signature:\n{o}"
        );
        println!("{peer:?} verifies {alg} {form}: ok");
    } else {
        assert!(
            !o.ok(),
            "{peer:?} was expected NOT to support {alg} but verified smime's {form} signature: \
             update common::capability\n{o}"
        );
        let why = o.stderr.lines().last().unwrap_or("").to_string();
        println!("{peer:?} does not support {alg} ({form}): fails as expected: {why}");
    }
}

#[test]
fn sign_rsa_peers_verify() {
    let Some(peers) = Peers::new() else { return };
    sign_and_check(&peers, peers.pki.leaf(Alg::Rsa), false);
}

#[test]
fn sign_rsa_pss_peers_verify() {
    let Some(peers) = Peers::new() else { return };
    sign_and_check(&peers, peers.pki.leaf(Alg::RsaPss), false);
}

#[test]
fn sign_ecdsa_p256_peers_verify() {
    let Some(peers) = Peers::new() else { return };
    sign_and_check(&peers, peers.pki.leaf(Alg::P256), false);
}

#[test]
fn sign_ecdsa_p384_peers_verify() {
    let Some(peers) = Peers::new() else { return };
    sign_and_check(&peers, peers.pki.leaf(Alg::P384), false);
}

#[test]
fn sign_ed25519_peers_verify() {
    let Some(peers) = Peers::new() else { return };
    sign_and_check(&peers, peers.pki.leaf(Alg::Ed25519), false);
}

#[test]
fn sign_with_intermediate_chain_peers_verify() {
    let Some(peers) = Peers::new() else { return };
    // Only the root is trusted: the intermediate must travel in the message (--chain).
    sign_and_check(&peers, &peers.pki.chained, true);
}

#[test]
fn sign_digest_choices_openssl_verifies() {
    let Some(peers) = Peers::new() else { return };
    let leaf = peers.pki.leaf(Alg::Rsa);
    let message = plain_message(&leaf.email, BODY);
    for (digest, micalg) in [
        ("sha256", "sha-256"),
        ("sha384", "sha-384"),
        ("sha512", "sha-512"),
    ] {
        let signed = smime_sign(&peers.pki, leaf, &message, &["--digest", digest], false);
        signed.assert_ok();
        let ct = header_value(&signed.stdout, "Content-Type").unwrap_or_default();
        assert_eq!(
            header_param(&ct, "micalg")
                .map(|m| m.to_ascii_lowercase())
                .as_deref(),
            Some(micalg),
            "micalg for --digest {digest}: {ct}"
        );
        let o = openssl_cms_verify(
            peers.path(),
            &signed.stdout,
            Inform::Smime,
            None,
            &peers.pki.root,
        );
        o.assert_ok();
    }
}

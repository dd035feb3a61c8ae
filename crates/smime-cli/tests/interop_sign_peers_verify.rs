//! `smime sign` output verified by the real peers: `openssl cms -verify -CAfile root`, NSS
//! `cmsutil -D` and `gpgsm --verify`, for every key algorithm (RSA, RSA-PSS, ECDSA P-256 and
//! P-384, Ed25519), detached (multipart/signed) and opaque (application/pkcs7-mime). smime signs
//! as the leaf with `--chain intermediate`; only the root is trusted by the peers.
//!
//! Where a peer does not support an algorithm (see `common::capability`), the test asserts that
//! the peer FAILS, so the matrix stays honest: a peer upgrade that adds support shows up as a
//! test failure asking to update the table.
//!
//! The whole matrix is printed once every algorithm has run:
//! `cargo test -p smime-cli --test interop_sign_peers_verify -- --nocapture`

mod common;

use std::sync::Mutex;

use common::*;

const BODY: &str = "Interop body line one.\nLine two, with trailing spaces   \nLast line.\n";

/// The cells found so far (algorithm, form, peer, verdict), and how many algorithms are done.
static MATRIX: Mutex<(Vec<String>, usize)> = Mutex::new((Vec::new(), 0));

/// Sign as the `alg` leaf with `smime` (leaf + `--chain intermediate`) and have every peer
/// verify, detached and opaque.
fn sign_and_check(alg: Alg) {
    let Some(peers) = Peers::new() else { return };
    let leaf = peers.pki.leaf(alg);
    let message = plain_message(&leaf.email, BODY);
    let mut cells = Vec::new();
    for opaque in [false, true] {
        let form = if opaque { "opaque" } else { "detached" };
        let mut flags = Vec::new();
        if opaque {
            flags.push("--opaque");
        }
        if alg == Alg::RsaPss {
            flags.push("--pss");
        }
        let signed = smime_sign(&peers.pki, leaf, &message, &flags, false);
        signed.assert_ok();
        let eml = &signed.stdout;
        assert_eq!(
            header_value(eml, "From").as_deref(),
            Some(leaf.email.as_str()),
            "the outer From header must be kept"
        );
        let (der, detached) = cms_of_message(eml);
        assert_eq!(detached.is_none(), opaque, "{form}: wrong S/MIME form");

        // openssl reads the whole S/MIME message itself; the intermediate must come from it.
        let o = openssl_cms_verify(peers.path(), eml, Inform::Smime, None, &peers.pki.root);
        cells.push(check(Peer::Openssl, alg, form, &o));
        if o.ok() {
            assert!(o.stdout_text().contains("Interop body line one."), "{o}");
        }

        if let Some(nss) = &peers.nss {
            let o = nss.cmsutil_verify(&der, detached.as_deref());
            cells.push(check(Peer::Nss, alg, form, &o));
            if o.ok() && opaque {
                assert!(o.stdout_text().contains("Interop body line one."), "{o}");
            }
        }
        if let Some(gpgsm) = &peers.gpgsm {
            let o = gpgsm.gpgsm_verify(&der, detached.as_deref());
            cells.push(check(Peer::Gpgsm, alg, form, &o));
            if o.ok() && opaque {
                assert!(o.stdout_text().contains("Interop body line one."), "{o}");
            }
        }
    }
    record(cells);
}

/// Add the cells of one algorithm; the last algorithm to finish prints the whole matrix.
fn record(cells: Vec<String>) {
    let mut m = MATRIX.lock().unwrap_or_else(|e| e.into_inner());
    m.0.extend(cells);
    m.1 += 1;
    if m.1 == Alg::ALL.len() {
        let mut rows = m.0.clone();
        rows.sort();
        println!("\n== smime signs, peers verify (leaf + --chain intermediate, trust: root) ==");
        println!("{:<8} {:<9} {:<8} verdict", "alg", "form", "peer");
        for r in rows {
            println!("{r}");
        }
    }
}

/// Assert the peer's verdict matches the capability table; return the matrix cell.
#[track_caller]
fn check(peer: Peer, alg: Alg, form: &str, o: &Outcome) -> String {
    let expected = capability(peer, Op::Verify, alg);
    let peer_name = format!("{peer:?}").to_lowercase();
    if expected {
        assert!(
            o.ok(),
            "{peer:?} must verify smime's {alg} {form} signature:\n{o}"
        );
        format!("{:<8} {form:<9} {peer_name:<8} verifies", alg.name())
    } else {
        assert!(
            !o.ok(),
            "{peer:?} was expected NOT to support {alg} but verified smime's {form} signature: \
             update common::capability\n{o}"
        );
        let why = o
            .stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim()
            .to_string();
        let cell = format!(
            "{:<8} {form:<9} {peer_name:<8} FAILS (unsupported): {why}",
            alg.name()
        );
        println!("{cell}");
        cell
    }
}

#[test]
fn sign_rsa_peers_verify() {
    sign_and_check(Alg::Rsa);
}

#[test]
fn sign_rsa_pss_peers_verify() {
    sign_and_check(Alg::RsaPss);
}

#[test]
fn sign_ecdsa_p256_peers_verify() {
    sign_and_check(Alg::P256);
}

#[test]
fn sign_ecdsa_p384_peers_verify() {
    sign_and_check(Alg::P384);
}

#[test]
fn sign_ed25519_peers_verify() {
    sign_and_check(Alg::Ed25519);
}

#[test]
fn sign_with_root_in_chain_openssl_verifies() {
    let Some(peers) = Peers::new() else { return };
    // The whole chain, root included, in the message: still fine for every peer.
    let leaf = peers.pki.leaf(Alg::Rsa);
    let signed = smime_sign(
        &peers.pki,
        leaf,
        &plain_message(&leaf.email, BODY),
        &[],
        true,
    );
    signed.assert_ok();
    openssl_cms_verify(
        peers.path(),
        &signed.stdout,
        Inform::Smime,
        None,
        &peers.pki.root,
    )
    .assert_ok();
}

#[test]
fn sign_without_intermediate_openssl_cannot_build_the_chain() {
    let Some(peers) = Peers::new() else { return };
    // Without --chain the message lacks the intermediate: openssl (root only) must fail, which
    // shows the other tests really depend on smime putting the intermediate in.
    let leaf = peers.pki.leaf(Alg::Rsa);
    let tmp = peers.pki.scratch();
    let input = tmp.path().join("in.eml");
    let output = tmp.path().join("out.eml");
    std::fs::write(&input, plain_message(&leaf.email, BODY)).unwrap();
    let o = smime(&[
        "sign".as_ref(),
        "--cert".as_ref(),
        leaf.cert.as_os_str(),
        "--key".as_ref(),
        leaf.key.as_os_str(),
        "--in".as_ref(),
        input.as_os_str(),
        "--out".as_ref(),
        output.as_os_str(),
    ]);
    o.assert_ok();
    let signed = std::fs::read(&output).unwrap();
    let v = openssl_cms_verify(peers.path(), &signed, Inform::Smime, None, &peers.pki.root);
    assert!(
        !v.ok(),
        "no intermediate in the message: openssl must fail\n{v}"
    );
    // And smime itself needs --cert intermediate then.
    let v = smime_verify(
        peers.path(),
        &signed,
        &["--trust".as_ref(), peers.pki.root.as_os_str()],
    );
    assert_eq!(v.code(), 1, "{v}");
    assert_eq!(report_status(&v), "untrusted", "{v}");
    let v = smime_verify_trusting(&peers.pki, &signed);
    assert_eq!(v.code(), 0, "with --cert intermediate\n{v}");
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

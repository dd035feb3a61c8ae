//! Messages signed by the real peers (`openssl cms -sign` in every output style and with every
//! key algorithm it can, NSS `cmsutil -S`, `gpgsm --sign`), verified by
//! `smime verify --trust root --cert intermediate`: each must be "valid" (exit 0), and the same
//! message with one byte of the signed content changed must be "bad-signature" (exit 1).
//!
//! Where a peer cannot sign with an algorithm, the test asserts that it fails (see
//! `common::capability`). The whole matrix is printed once every test here has run:
//! `cargo test -p smime-cli --test interop_peers_sign_smime_verifies -- --nocapture`

mod common;

use std::sync::Mutex;

use common::*;

const BODY: &str = "Hello from a peer.\nSecond line.\n";

/// How many tests record cells (the last one prints the matrix).
const RECORDING_TESTS: usize = 5;

static MATRIX: Mutex<(Vec<String>, usize)> = Mutex::new((Vec::new(), 0));

fn record(cells: Vec<String>) {
    let mut m = MATRIX.lock().unwrap_or_else(|e| e.into_inner());
    m.0.extend(cells);
    m.1 += 1;
    if m.1 == RECORDING_TESTS {
        let mut rows = m.0.clone();
        rows.sort();
        println!("\n== peers sign, smime verifies (--trust root --cert intermediate) ==");
        println!("{:<8} {:<8} {:<28} verdict", "peer", "alg", "form");
        for r in rows {
            println!("{r}");
        }
    }
}

fn cell(peer: &str, alg: Alg, form: &str, verdict: &str) -> String {
    format!("{peer:<8} {:<8} {form:<28} {verdict}", alg.name())
}

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

/// `smime verify --trust root --cert intermediate` says valid; the tampered copy says
/// bad-signature.
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
    assert_eq!(
        report["signers"][0]["chain"]["status"], "trusted",
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
fn verify_openssl_output_styles_are_valid() {
    let Some(peers) = Peers::new() else { return };
    let leaf = peers.pki.leaf(Alg::Rsa);
    let lf_entity: Vec<u8> = entity(&leaf.email)
        .into_iter()
        .filter(|&b| b != b'\r')
        .collect();
    let styles: Vec<(&str, OpensslSign, Vec<u8>)> = vec![
        ("detached", OpensslSign::default(), entity(&leaf.email)),
        (
            "-nodetach",
            OpensslSign {
                nodetach: true,
                ..Default::default()
            },
            entity(&leaf.email),
        ),
        (
            "-stream (detached)",
            OpensslSign {
                stream: true,
                ..Default::default()
            },
            entity(&leaf.email),
        ),
        (
            "-stream -nodetach (BER)",
            OpensslSign {
                stream: true,
                nodetach: true,
                ..Default::default()
            },
            entity(&leaf.email),
        ),
        // -binary: openssl signs the bytes as they are, bare LF line ends included.
        (
            "-binary (detached, LF)",
            OpensslSign {
                binary: true,
                ..Default::default()
            },
            lf_entity.clone(),
        ),
        (
            "-binary -nodetach (LF)",
            OpensslSign {
                binary: true,
                nodetach: true,
                ..Default::default()
            },
            lf_entity,
        ),
        (
            "-md sha384",
            OpensslSign {
                md: Some("sha384".into()),
                ..Default::default()
            },
            entity(&leaf.email),
        ),
        (
            "-md sha512",
            OpensslSign {
                md: Some("sha512".into()),
                ..Default::default()
            },
            entity(&leaf.email),
        ),
        (
            "-md sha512 -nodetach",
            OpensslSign {
                md: Some("sha512".into()),
                nodetach: true,
                ..Default::default()
            },
            entity(&leaf.email),
        ),
        (
            "root in -certfile",
            OpensslSign {
                chain: true,
                ..Default::default()
            },
            entity(&leaf.email),
        ),
    ];
    let mut cells = Vec::new();
    for (style, opts, content) in styles {
        let stream_opaque = opts.stream && opts.nodetach;
        let m = openssl_signed(&peers, leaf, &content, opts);
        if stream_opaque {
            // Make sure this really is BER with indefinite lengths: SEQUENCE 0x30 0x80.
            let der = pkcs7_mime_der(&m);
            assert_eq!(&der[..2], &[0x30, 0x80], "openssl -stream must write BER");
        }
        assert_valid_then_tampered_bad(&peers, &m, &leaf.email, &format!("openssl {style}"));
        cells.push(cell(
            "openssl",
            Alg::Rsa,
            style,
            "valid; changed: bad-signature",
        ));
    }
    record(cells);
}

#[test]
fn verify_openssl_each_algorithm_is_valid() {
    let Some(peers) = Peers::new() else { return };
    let mut cells = Vec::new();
    for alg in Alg::ALL {
        let leaf = peers.pki.leaf(alg);
        for nodetach in [false, true] {
            let form = if nodetach { "opaque" } else { "detached" };
            let opts = OpensslSign {
                pss: alg == Alg::RsaPss,
                md: (alg == Alg::P384).then(|| "sha384".to_string()),
                nodetach,
                ..Default::default()
            };
            let o = openssl_cms_sign(&peers.pki, leaf, &entity(&leaf.email), &opts);
            if !capability(Peer::Openssl, Op::Sign, alg) {
                assert!(
                    !o.ok(),
                    "openssl was expected NOT to sign {alg} in CMS: update common::capability\n{o}"
                );
                let why = last_line(&o.stderr);
                cells.push(cell(
                    "openssl",
                    alg,
                    form,
                    &format!("openssl cannot sign: {why}"),
                ));
                continue;
            }
            o.assert_ok();
            let what = format!("openssl {alg} {form}");
            assert_valid_then_tampered_bad(&peers, &o.stdout, &leaf.email, &what);
            cells.push(cell("openssl", alg, form, "valid; changed: bad-signature"));
        }
    }
    record(cells);
}

#[test]
fn verify_openssl_bare_der_without_from_is_valid() {
    let Some(peers) = Peers::new() else { return };
    let leaf = peers.pki.leaf(Alg::P256);
    let content = entity(&leaf.email);
    // Bare DER CMS, opaque: no From header anywhere, so --no-sender-check.
    let opts = OpensslSign {
        nodetach: true,
        outform: Some("DER".into()),
        ..Default::default()
    };
    let der = openssl_signed(&peers, leaf, &content, opts);
    let o = smime_verify_trusting_with(&peers.pki, &der, &["--no-sender-check"]);
    assert_eq!(o.code(), 0, "bare DER opaque\n{o}");
    assert_eq!(report_status(&o), "valid", "{o}");
    let bad = replace_once(&der, b"Hello", b"Jello");
    let o = smime_verify_trusting_with(&peers.pki, &bad, &["--no-sender-check"]);
    assert_eq!(o.code(), 1, "bare DER opaque, changed\n{o}");
    assert_eq!(report_status(&o), "bad-signature", "{o}");

    // Bare DER, detached, the content given with --content.
    let opts = OpensslSign {
        outform: Some("DER".into()),
        binary: true,
        ..Default::default()
    };
    let der = openssl_signed(&peers, leaf, &content, opts);
    let tmp = peers.pki.scratch();
    let cpath = tmp.path().join("content");
    std::fs::write(&cpath, &content).unwrap();
    let cpath = cpath.to_str().unwrap().to_string();
    let o = smime_verify_trusting_with(
        &peers.pki,
        &der,
        &["--no-sender-check", "--content", &cpath],
    );
    assert_eq!(o.code(), 0, "bare DER detached with --content\n{o}");
    assert_eq!(report_status(&o), "valid", "{o}");
    std::fs::write(&cpath, replace_once(&content, b"Hello", b"Jello")).unwrap();
    let o = smime_verify_trusting_with(
        &peers.pki,
        &der,
        &["--no-sender-check", "--content", &cpath],
    );
    assert_eq!(o.code(), 1, "bare DER detached, changed content\n{o}");
    assert_eq!(report_status(&o), "bad-signature", "{o}");
    record(vec![
        cell(
            "openssl",
            Alg::P256,
            "bare DER opaque",
            "valid; changed: bad-signature",
        ),
        cell(
            "openssl",
            Alg::P256,
            "bare DER detached --content",
            "valid; changed: bad-signature",
        ),
    ]);
}

#[test]
fn verify_cmsutil_opaque_and_detached_are_valid() {
    let Some(peers) = Peers::new() else { return };
    let Some(nss) = &peers.nss else {
        record(Vec::new());
        return;
    };
    let mut cells = Vec::new();
    for alg in [Alg::Rsa, Alg::P256, Alg::P384, Alg::Ed25519] {
        let leaf = peers.pki.leaf(alg);
        let content = entity(&leaf.email);
        for detached in [true, false] {
            let form = if detached { "detached (-T)" } else { "opaque" };
            let o = nss.cmsutil_sign(leaf, &content, detached);
            if !capability(Peer::Nss, Op::Sign, alg) {
                assert!(
                    !o.ok(),
                    "cmsutil was expected NOT to sign {alg}: update common::capability\n{o}"
                );
                let why = last_line(&o.stderr);
                cells.push(cell(
                    "cmsutil",
                    alg,
                    form,
                    &format!("cmsutil cannot sign: {why}"),
                ));
                continue;
            }
            o.assert_ok();
            let m = if detached {
                make_multipart_signed(&leaf.email, &content, &o.stdout, "sha-256")
            } else {
                make_pkcs7_mime(&leaf.email, &o.stdout)
            };
            let what = format!("cmsutil -S {alg} ({form})");
            assert_valid_then_tampered_bad(&peers, &m, &leaf.email, &what);
            cells.push(cell("cmsutil", alg, form, "valid; changed: bad-signature"));
        }
    }
    record(cells);
}

#[test]
fn verify_gpgsm_signed_is_valid() {
    let Some(peers) = Peers::new() else { return };
    let Some(gpgsm) = &peers.gpgsm else {
        record(Vec::new());
        return;
    };
    let mut cells = Vec::new();
    for alg in [Alg::Rsa, Alg::P256, Alg::P384, Alg::Ed25519] {
        let leaf = peers.pki.leaf(alg);
        let content = entity(&leaf.email);
        for detached in [true, false] {
            let form = if detached { "detached" } else { "opaque" };
            let o = gpgsm.gpgsm_sign(leaf, &content, detached);
            if !capability(Peer::Gpgsm, Op::Sign, alg) {
                assert!(
                    !o.ok() || o.stdout.is_empty(),
                    "gpgsm was expected NOT to sign {alg}: update common::capability\n{o}"
                );
                let why = last_line(&o.stderr);
                cells.push(cell(
                    "gpgsm",
                    alg,
                    form,
                    &format!("gpgsm cannot sign: {why}"),
                ));
                continue;
            }
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
            let what = format!("gpgsm --sign {alg} ({form})");
            assert_valid_then_tampered_bad(&peers, &m, &leaf.email, &what);
            cells.push(cell("gpgsm", alg, form, "valid; changed: bad-signature"));
        }
    }
    record(cells);
}

fn last_line(text: &str) -> String {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_string()
}

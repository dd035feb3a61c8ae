//! `smime compress` / `smime decompress` (CompressedData, RFC 3274).
//!
//! Debian's OpenSSL is built without zlib, so no peer here reads or writes CompressedData.
//! Our output is therefore checked by independent tools: `openssl asn1parse` reads the BER
//! (structure, OIDs, version; the OIDs' expected encodings come from `openssl asn1parse
//! -genstr`); `openssl cms -cmsout -print` decodes it with OpenSSL's CMS templates (which need
//! no zlib) and dumps the joined eContent; the zlib stream is inflated by `gzip` (its deflate
//! data re-wrapped in a gzip header, RFC 1952, so gzip also checks CRC-32 and length) and by
//! Python's zlib when python3 is there; the zlib header and Adler-32 trailer (RFC 1950) are
//! checked here. `openssl cms -uncompress` is asserted to fail for lack of zlib, so that this
//! test notices the day it stops failing. RFC 4134 has no CompressedData sample and
//! tests/data has none.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;

const ID_CT_COMPRESSED_DATA: &str = "1.2.840.113549.1.9.16.1.9";
const ID_ALG_ZLIB_COMPRESS: &str = "1.2.840.113549.1.9.16.3.8";
const ID_DATA: &str = "1.2.840.113549.1.7.1";

/// A message with CRLF line ends: what `decompress` gives back is exactly this, with
/// `MIME-Version: 1.0` placed after the outer headers.
fn message(body: &[u8]) -> Vec<u8> {
    let mut m = b"From: alice@example.org\r\nTo: bob@example.org\r\nSubject: compress test\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n".to_vec();
    m.extend_from_slice(body);
    m
}

/// The protected entity of [`message`]: its Content-* header and body.
fn entity(body: &[u8]) -> Vec<u8> {
    let mut e = b"Content-Type: text/plain; charset=utf-8\r\n\r\n".to_vec();
    e.extend_from_slice(body);
    e
}

fn run_in(dir: &Path, args: &[&str]) -> Outcome {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_smime"));
    cmd.current_dir(dir).args(args);
    run(&mut cmd)
}

/// Compress `input` with `smime compress --in --out`, returning the compressed message.
fn compress(dir: &Path, input: &[u8]) -> Vec<u8> {
    fs::write(dir.join("in.eml"), input).unwrap();
    run_in(dir, &["compress", "--in", "in.eml", "--out", "c.eml"]).assert_ok();
    fs::read(dir.join("c.eml")).unwrap()
}

/// Decompress the file `name` in `dir` to `out.eml`; the outcome and the output (if written).
fn decompress(dir: &Path, name: &str, extra: &[&str]) -> (Outcome, Option<Vec<u8>>) {
    let _ = fs::remove_file(dir.join("out.eml"));
    let mut args = vec!["decompress", "--in", name, "--out", "out.eml"];
    args.extend_from_slice(extra);
    let o = run_in(dir, &args);
    (o, fs::read(dir.join("out.eml")).ok())
}

/// Files in `dir` other than `keep`: a failed run must leave no output or temporary file.
fn stray_files(dir: &Path, keep: &[&str]) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !keep.contains(&n.as_str()))
        .collect()
}

#[track_caller]
fn assert_failed_without_output(o: &Outcome, out: &Option<Vec<u8>>, dir: &Path, keep: &[&str]) {
    assert_eq!(o.code(), 2, "expected exit 2:\n{o}");
    assert!(out.is_none(), "an output file was written:\n{o}");
    assert!(
        stray_files(dir, keep).is_empty(),
        "files left behind: {:?}",
        stray_files(dir, keep)
    );
}

fn round_trip(body: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let input = message(body);
    let compressed = compress(dir.path(), &input);
    assert!(
        header_value(&compressed, "Content-Type")
            .unwrap()
            .contains("smime-type=compressed-data"),
        "{}",
        String::from_utf8_lossy(&compressed[..200.min(compressed.len())])
    );
    assert_eq!(
        header_value(&compressed, "Subject").as_deref(),
        Some("compress test")
    );
    let (o, out) = decompress(dir.path(), "c.eml", &[]);
    o.assert_ok();
    assert!(out.unwrap() == input, "round trip changed the message");
}

#[test]
fn compress_small_message_round_trips() {
    round_trip(b"Hello Bob,\r\nthis message is compressed.\r\n");
}

#[test]
fn compress_empty_body_round_trips() {
    round_trip(b"");
}

#[test]
fn compress_multi_mib_odd_size_round_trips() {
    // 3 MiB + 12345 bytes of lines that compress but are not trivial.
    let mut body = Vec::new();
    let mut i = 0u64;
    while body.len() < 3 * 1024 * 1024 + 12345 {
        body.extend_from_slice(
            format!("line {i} {}\r\n", i.wrapping_mul(0x9E37_79B9_7F4A_7C15)).as_bytes(),
        );
        i += 1;
    }
    body.truncate(3 * 1024 * 1024 + 12345);
    round_trip(&body);
}

#[test]
fn compress_binary_body_round_trips_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let body: Vec<u8> = (0..200_003u32).map(|i| (i * 7 + i / 256) as u8).collect();
    let mut input = b"From: alice@example.org\r\nSubject: binary\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n".to_vec();
    input.extend_from_slice(&body);
    let compressed = compress(dir.path(), &input);
    let (o, out) = decompress(dir.path(), "c.eml", &[]);
    o.assert_ok();
    let mut expected = b"From: alice@example.org\r\nSubject: binary\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n".to_vec();
    expected.extend_from_slice(&body);
    assert!(out.unwrap() == expected, "binary body changed");
    // A binary body is not line-converted: the CMS holds the entity's bytes as they are.
    if require_peer("openssl") {
        let mut entity =
            b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n"
                .to_vec();
        entity.extend_from_slice(&body);
        let zlib = econtent_by_asn1parse(dir.path(), &pkcs7_mime_der(&compressed));
        independent_inflate(dir.path(), &zlib, &entity);
    }
}

#[test]
fn compress_lf_message_is_canonicalised_to_crlf() {
    let dir = tempfile::tempdir().unwrap();
    let compressed = compress(
        dir.path(),
        b"From: a@example.org\nSubject: lf\n\nline one\nline two\n",
    );
    fs::write(dir.path().join("c.eml"), &compressed).unwrap();
    let (o, out) = decompress(dir.path(), "c.eml", &[]);
    o.assert_ok();
    assert_eq!(
        String::from_utf8(out.unwrap()).unwrap(),
        "From: a@example.org\r\nSubject: lf\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nline one\r\nline two\r\n"
    );
}

#[test]
fn compress_and_decompress_through_pipes() {
    let input = message(b"through standard input and output\r\n");
    let c = smime_stdin(&["compress"], &input);
    c.assert_ok();
    let d = smime_stdin(&["decompress", "--json"], &c.stdout);
    d.assert_ok();
    assert_eq!(d.stdout, input);
    let report: serde_json::Value = serde_json::from_str(&d.stderr)
        .unwrap_or_else(|e| panic!("--json report on stderr ({e}):\n{d}"));
    assert_eq!(report["algorithm"], "zlib");
    assert_eq!(report["content_type"], "data");
    assert_eq!(report["message"], true);
    assert_eq!(
        report["decompressed_bytes"].as_u64(),
        Some(entity(b"through standard input and output\r\n").len() as u64),
        "{report}"
    );
}

#[test]
fn decompress_bare_der_pem_and_base64_give_the_entity() {
    let dir = tempfile::tempdir().unwrap();
    let body = b"bare CMS input\r\n";
    let der = pkcs7_mime_der(&compress(dir.path(), &message(body)));
    let b64 = base64_encode(&der);
    fs::write(dir.path().join("c.der"), &der).unwrap();
    fs::write(
        dir.path().join("c.pem"),
        format!("-----BEGIN CMS-----\r\n{b64}\r\n-----END CMS-----\r\n"),
    )
    .unwrap();
    fs::write(dir.path().join("c.b64"), &b64).unwrap();
    for name in ["c.der", "c.pem", "c.b64"] {
        let (o, out) = decompress(dir.path(), name, &[]);
        o.assert_ok();
        assert_eq!(out.unwrap(), entity(body), "{name}");
    }
}

// ---- the structure, checked by independent tools ----

/// One row of `openssl asn1parse -i`: offset, depth, header length, length, type.
struct Row {
    offset: usize,
    depth: usize,
    header_len: usize,
    len: Option<usize>,
    kind: String,
    value: String,
}

fn asn1parse(dir: &Path, der: &[u8]) -> Vec<Row> {
    let path = dir.join("asn1.der");
    fs::write(&path, der).unwrap();
    let o = run(Command::new("openssl")
        .args(["asn1parse", "-inform", "DER", "-i", "-in"])
        .arg(&path));
    o.assert_ok();
    let field = |line: &str, key: &str| -> String {
        let at = line
            .find(key)
            .unwrap_or_else(|| panic!("no {key} in {line}"))
            + key.len();
        line[at..].split_whitespace().next().unwrap().to_string()
    };
    o.stdout_text()
        .lines()
        .map(|line| {
            let offset = line.split(':').next().unwrap().trim().parse().unwrap();
            let len = field(line, " l=");
            let rest = &line[line.find("prim:").or_else(|| line.find("cons:")).unwrap() + 5..];
            let (kind, value) = match rest.find(':') {
                Some(c) => (
                    rest[..c].replace("[HEX DUMP]", "").trim().to_string(),
                    rest[c + 1..].trim().to_string(),
                ),
                None => (rest.trim().to_string(), String::new()),
            };
            Row {
                offset,
                depth: field(line, "d=").parse().unwrap(),
                header_len: field(line, "hl=").parse().unwrap(),
                len: len.parse().ok(),
                kind,
                value,
            }
        })
        .collect()
}

/// The DER encoding of an OBJECT IDENTIFIER, made by OpenSSL from its dotted form.
fn oid_der(dir: &Path, dotted: &str) -> Vec<u8> {
    let path = dir.join("oid.der");
    run(Command::new("openssl")
        .args([
            "asn1parse",
            "-noout",
            "-genstr",
            &format!("OID:{dotted}"),
            "-out",
        ])
        .arg(&path))
    .assert_ok();
    fs::read(path).unwrap()
}

fn element<'a>(der: &'a [u8], row: &Row) -> &'a [u8] {
    &der[row.offset..row.offset + row.header_len + row.len.unwrap()]
}

/// Check the RFC 3274 structure with `openssl asn1parse` and return the eContent octets
/// (the primitive OCTET STRING chunks joined, sliced out at the offsets OpenSSL reports).
fn econtent_by_asn1parse(dir: &Path, der: &[u8]) -> Vec<u8> {
    let rows = asn1parse(dir, der);
    let shape: Vec<(usize, &str)> = rows
        .iter()
        .take(11)
        .map(|r| (r.depth, r.kind.as_str()))
        .collect();
    assert_eq!(
        shape,
        [
            (0, "SEQUENCE"),     // ContentInfo
            (1, "OBJECT"),       // contentType
            (1, "cont [ 0 ]"),   // content
            (2, "SEQUENCE"),     // CompressedData
            (3, "INTEGER"),      // version
            (3, "SEQUENCE"),     // compressionAlgorithm
            (4, "OBJECT"),       //   algorithm (no parameters follow)
            (3, "SEQUENCE"),     // encapContentInfo
            (4, "OBJECT"),       //   eContentType
            (4, "cont [ 0 ]"),   //   eContent
            (5, "OCTET STRING"), //     the compressed octets
        ],
        "RFC 3274 shape"
    );
    assert_eq!(element(der, &rows[1]), oid_der(dir, ID_CT_COMPRESSED_DATA));
    assert_eq!(rows[4].value, "00", "version must be 0 (RFC 3274 1.1)");
    assert_eq!(element(der, &rows[6]), oid_der(dir, ID_ALG_ZLIB_COMPRESS));
    assert_eq!(element(der, &rows[8]), oid_der(dir, ID_DATA));
    let mut octets = Vec::new();
    for r in rows[10..].iter().take_while(|r| r.depth >= 5) {
        if let (true, Some(len)) = (r.kind == "OCTET STRING", r.len) {
            let start = r.offset + r.header_len;
            octets.extend_from_slice(&der[start..start + len]);
        }
    }
    octets
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &x in data {
        crc ^= u32::from(x);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Inflate a zlib stream without our code: check its RFC 1950 header and Adler-32 trailer
/// against `expected` here, inflate the deflate data with gzip (RFC 1952 wrapper with the
/// CRC-32 and length of `expected`) and, when there, with Python's zlib. Returns the bytes.
fn independent_inflate(dir: &Path, zlib: &[u8], expected: &[u8]) -> Vec<u8> {
    assert!(zlib.len() >= 6, "zlib stream too short");
    let (cmf, flg) = (zlib[0], zlib[1]);
    assert_eq!(
        cmf & 0x0F,
        8,
        "compression method must be deflate (RFC 1950 2.2)"
    );
    assert_eq!((u16::from(cmf) * 256 + u16::from(flg)) % 31, 0, "FCHECK");
    assert_eq!(flg & 0x20, 0, "no preset dictionary");
    let trailer = u32::from_be_bytes(zlib[zlib.len() - 4..].try_into().unwrap());
    assert_eq!(trailer, adler32(expected), "Adler-32 of the content");
    let mut gz = vec![0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF];
    gz.extend_from_slice(&zlib[2..zlib.len() - 4]);
    gz.extend_from_slice(&crc32(expected).to_le_bytes());
    gz.extend_from_slice(&(expected.len() as u32).to_le_bytes());
    let mut inflated = None;
    if require_peer("gzip") {
        let path = dir.join("content.gz");
        fs::write(&path, &gz).unwrap();
        let o = run(Command::new("gzip").arg("-dc").arg(&path));
        o.assert_ok();
        assert!(o.stdout == expected, "gzip inflated something else");
        inflated = Some(o.stdout);
    }
    if require_peer("python3") {
        let path = dir.join("content.zlib");
        fs::write(&path, zlib).unwrap();
        let o = run(Command::new("python3").arg("-c").arg(
            "import sys, zlib; sys.stdout.buffer.write(zlib.decompress(open(sys.argv[1], 'rb').read()))",
        ).arg(&path));
        o.assert_ok();
        assert!(
            o.stdout == expected,
            "Python's zlib inflated something else"
        );
        inflated = Some(o.stdout);
    }
    inflated.expect("no independent inflater ran")
}

#[test]
fn compress_output_has_rfc3274_structure_and_a_zlib_stream_others_inflate() {
    if !require_peer("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Large enough for several 64 KiB OCTET STRING chunks, incompressible enough to need them.
    let mut body = Vec::new();
    let mut x = 1u64;
    while body.len() < 300_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        body.extend_from_slice(format!("{x:x}\r\n").as_bytes());
    }
    let compressed = compress(dir.path(), &message(&body));
    let der = pkcs7_mime_der(&compressed);
    let zlib = econtent_by_asn1parse(dir.path(), &der);
    independent_inflate(dir.path(), &zlib, &entity(&body));
}

/// The eContent octets from the hex dump of `openssl cms -cmsout -print` (lines
/// `0000 - 78 9c 01 43-...   x..C`: the hex part ends at the first run of three spaces).
fn econtent_from_cms_print(text: &str) -> Vec<u8> {
    let dump = &text[text.find("eContent:").expect("no eContent in the print")..];
    let mut out = Vec::new();
    for line in dump.lines().skip(1) {
        let Some((offset, rest)) = line.trim_start().split_once(" - ") else {
            break;
        };
        assert!(offset.chars().all(|c| c.is_ascii_hexdigit()), "{line}");
        let hex = rest.split("   ").next().unwrap().replace('-', " ");
        out.extend(
            hex.split_whitespace().map(|h| {
                u8::from_str_radix(h, 16).unwrap_or_else(|e| panic!("{h}: {e} in {line}"))
            }),
        );
    }
    out
}

#[test]
fn openssl_cms_decodes_our_compressed_data_with_its_cms_templates() {
    if !require_peer("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let body = b"OpenSSL reads the structure even without zlib.\r\n".repeat(40);
    let der = pkcs7_mime_der(&compress(dir.path(), &message(&body)));
    fs::write(dir.path().join("c.der"), &der).unwrap();
    let o = run(Command::new("openssl")
        .current_dir(dir.path())
        .args(["cms", "-cmsout", "-print", "-inform", "DER", "-in", "c.der"]));
    o.assert_ok();
    let text = o.stdout_text();
    for expected in [
        format!("contentType: id-smime-ct-compressedData ({ID_CT_COMPRESSED_DATA})"),
        "version: 0".to_string(),
        format!("algorithm: zlib compression ({ID_ALG_ZLIB_COMPRESS})"),
        "parameter: <ABSENT>".to_string(),
        format!("eContentType: pkcs7-data ({ID_DATA})"),
    ] {
        assert!(text.contains(&expected), "missing `{expected}`:\n{o}");
    }
    let zlib = econtent_from_cms_print(&text);
    independent_inflate(dir.path(), &zlib, &entity(&body));
}

#[test]
fn openssl_cannot_uncompress_here_for_lack_of_zlib() {
    if !require_peer("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let der = pkcs7_mime_der(&compress(dir.path(), &message(b"for openssl\r\n")));
    fs::write(dir.path().join("c.der"), &der).unwrap();
    let o = run(Command::new("openssl").current_dir(dir.path()).args([
        "cms",
        "-uncompress",
        "-inform",
        "DER",
        "-in",
        "c.der",
    ]));
    // When this starts to pass, OpenSSL has zlib: replace this test with a real interop check
    // (our output uncompressed by openssl, and `openssl cms -compress` output read by us).
    assert!(
        !o.ok() && o.stderr.contains("unsupported compression algorithm"),
        "openssl cms -uncompress no longer fails for lack of zlib: make this an interop test\n{o}"
    );
    let o = run_with_stdin(
        Command::new("openssl").args(["cms", "-compress", "-outform", "DER"]),
        b"hello",
    );
    assert!(
        !o.ok() && o.stderr.contains("unsupported compression algorithm"),
        "openssl cms -compress no longer fails for lack of zlib: make this an interop test\n{o}"
    );
}

#[test]
fn inspect_shows_the_compressed_layer_and_the_entity_inside() {
    let dir = tempfile::tempdir().unwrap();
    compress(dir.path(), &message(b"inspect me\r\n"));
    let o = run_in(dir.path(), &["inspect", "--json", "--in", "c.eml"]);
    o.assert_ok();
    let v = o.json();
    let layers = v["layers"].as_array().unwrap();
    let cms = layers
        .iter()
        .find(|l| l["content_type"] == "compressedData")
        .unwrap_or_else(|| panic!("no compressedData layer:\n{o}"));
    let details = cms["details"].to_string();
    assert!(details.contains("[\"compression\",\"zlib\"]"), "{details}");
    assert!(details.contains("[\"version\",\"0\"]"), "{details}");
    assert!(
        layers
            .iter()
            .any(|l| l["content_type"] == "text/plain"
                && l["depth"].as_u64() > cms["depth"].as_u64()),
        "the entity inside is not shown:\n{o}"
    );
}

// ---- must fail ----

#[test]
fn decompress_past_max_size_fails_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let body = vec![b'A'; 1024 * 1024];
    let compressed = compress(dir.path(), &message(&body));
    assert!(
        compressed.len() < 16 * 1024,
        "1 MiB of one letter should compress well"
    );
    let (o, out) = decompress(dir.path(), "c.eml", &["--max-size", "100K"]);
    assert_failed_without_output(&o, &out, dir.path(), &["in.eml", "c.eml"]);
    assert!(
        o.stderr.contains("larger than the limit of 102400 bytes"),
        "{o}"
    );
    // The same input decompresses under a limit that fits.
    let (o, out) = decompress(dir.path(), "c.eml", &["--max-size", "2M"]);
    o.assert_ok();
    assert_eq!(out.unwrap(), message(&body));
}

#[test]
fn decompress_max_size_garbage_is_usage_error() {
    let o = smime(&["decompress", "--max-size", "lots"]);
    assert_eq!(o.code(), 2, "{o}");
    assert!(o.stderr.contains("not a size"), "{o}");
}

/// A zlib stream of `total` zero bytes without compressing them all: one 1 MiB block of zeros
/// ended by a full flush (which resets the window, so the block can be repeated), repeated,
/// then an empty final block and the Adler-32 (for n zeros: a = 1, b = n mod 65521).
fn zeros_bomb(total: u64) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    const BLOCK: usize = 1 << 20;
    assert_eq!(total % BLOCK as u64, 0);
    let mut z = Compress::new(Compression::best(), false);
    let mut block = Vec::with_capacity(BLOCK);
    z.compress_vec(&vec![0u8; BLOCK], &mut block, FlushCompress::Full)
        .unwrap();
    assert_eq!(
        z.total_in(),
        BLOCK as u64,
        "one call compresses the whole block"
    );
    let mut out = vec![0x78, 0xDA];
    for _ in 0..total / BLOCK as u64 {
        out.extend_from_slice(&block);
    }
    out.extend_from_slice(&[0x03, 0x00]); // final fixed-Huffman block holding only end-of-block
    let b = (total % 65521) as u32;
    out.extend_from_slice(&((b << 16) | 1).to_be_bytes());
    out
}

/// A DER ContentInfo (definite lengths, one primitive OCTET STRING) around `zlib`, built
/// here with the OIDs made by OpenSSL, not by our writer.
fn der_compressed_data(dir: &Path, zlib: &[u8]) -> Vec<u8> {
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let n = content.len();
        if n < 0x80 {
            out.push(n as u8);
        } else {
            let bytes = n.to_be_bytes();
            let skip = bytes.iter().take_while(|&&b| b == 0).count();
            out.push(0x80 | (bytes.len() - skip) as u8);
            out.extend_from_slice(&bytes[skip..]);
        }
        out.extend_from_slice(content);
        out
    }
    let mut encap = oid_der(dir, ID_DATA);
    encap.extend(tlv(0xA0, &tlv(0x04, zlib)));
    let mut cd = tlv(0x02, &[0]);
    cd.extend(tlv(0x30, &oid_der(dir, ID_ALG_ZLIB_COMPRESS)));
    cd.extend(tlv(0x30, &encap));
    let mut ci = oid_der(dir, ID_CT_COMPRESSED_DATA);
    ci.extend(tlv(0xA0, &tlv(0x30, &cd)));
    tlv(0x30, &ci)
}

#[test]
fn decompress_gigabyte_bomb_fails_fast_against_the_default_limit() {
    if !require_peer("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // 1 GiB + 1 MiB of zeros in about 1 MiB: past the default limit of 1 GiB.
    let zlib = zeros_bomb((1 << 30) + (1 << 20));
    assert!(zlib.len() < 2 << 20, "bomb is {} bytes", zlib.len());
    let der = der_compressed_data(dir.path(), &zlib);
    fs::write(dir.path().join("bomb.der"), &der).unwrap();
    // The bomb is a valid stream: a limit above its size lets it through (checked on a
    // small one, the same construction).
    let small = der_compressed_data(dir.path(), &zeros_bomb(3 << 20));
    fs::write(dir.path().join("small.der"), &small).unwrap();
    let (o, out) = decompress(dir.path(), "small.der", &[]);
    o.assert_ok();
    assert!(out.unwrap() == vec![0u8; 3 << 20]);
    let _ = fs::remove_file(dir.path().join("out.eml"));

    let started = Instant::now();
    let (o, out) = decompress(dir.path(), "bomb.der", &[]);
    let elapsed = started.elapsed();
    assert_failed_without_output(
        &o,
        &out,
        dir.path(),
        &["bomb.der", "small.der", "asn1.der", "oid.der"],
    );
    assert!(
        o.stderr
            .contains("larger than the limit of 1073741824 bytes"),
        "{o}"
    );
    assert!(elapsed < Duration::from_secs(60), "took {elapsed:?}");
}

#[test]
fn decompress_truncated_input_fails_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let compressed = compress(dir.path(), &message(&vec![b'x'; 100_000]));
    let (head, body) = split_header(&compressed);
    for keep in [body.len() / 2, body.len() - 10] {
        let mut cut = head.to_vec();
        cut.extend_from_slice(&body[..keep]);
        fs::write(dir.path().join("cut.eml"), &cut).unwrap();
        let (o, out) = decompress(dir.path(), "cut.eml", &[]);
        assert_failed_without_output(&o, &out, dir.path(), &["in.eml", "c.eml", "cut.eml"]);
    }
    let der = pkcs7_mime_der(&compressed);
    fs::write(dir.path().join("cut.der"), &der[..der.len() - 5]).unwrap();
    let (o, out) = decompress(dir.path(), "cut.der", &[]);
    assert_failed_without_output(
        &o,
        &out,
        dir.path(),
        &["in.eml", "c.eml", "cut.eml", "cut.der"],
    );
    assert!(
        o.stderr.contains("truncated") || o.stderr.contains("end-of-contents"),
        "{o}"
    );
}

#[test]
fn decompress_corrupt_zlib_stream_fails_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let compressed = compress(
        dir.path(),
        &message(b"a corrupt stream must not pass unnoticed\r\n"),
    );
    let mut der = pkcs7_mime_der(&compressed);
    // The first chunk's zlib header follows `04 len` after the fixed prefix; break FCHECK.
    let at = find(&der, &[0x24, 0x80, 0x04]).unwrap() + 4;
    assert_eq!(der[at], 0x78, "zlib header expected at {at}");
    der[at + 1] ^= 0x01;
    fs::write(dir.path().join("bad.der"), &der).unwrap();
    let (o, out) = decompress(dir.path(), "bad.der", &[]);
    assert_failed_without_output(&o, &out, dir.path(), &["in.eml", "c.eml", "bad.der"]);
    assert!(o.stderr.contains("zlib stream"), "{o}");
}

#[test]
fn decompress_wrong_algorithm_fails_naming_the_oid() {
    let dir = tempfile::tempdir().unwrap();
    let compressed = compress(dir.path(), &message(b"which algorithm?\r\n"));
    let mut der = pkcs7_mime_der(&compressed);
    let zlib_oid = [
        0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x10, 0x03, 0x08,
    ];
    let at = find(&der, &zlib_oid).unwrap();
    der[at + zlib_oid.len() - 1] = 99; // id-smime-alg 99
    fs::write(dir.path().join("alg.der"), &der).unwrap();
    let (o, out) = decompress(dir.path(), "alg.der", &[]);
    assert_failed_without_output(&o, &out, dir.path(), &["in.eml", "c.eml", "alg.der"]);
    assert!(
        o.stderr
            .contains("compression algorithm 1.2.840.113549.1.9.16.3.99"),
        "{o}"
    );
}

#[test]
fn decompress_message_that_is_not_compressed_fails() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("plain.eml"), message(b"not compressed\r\n")).unwrap();
    let (o, out) = decompress(dir.path(), "plain.eml", &[]);
    assert_failed_without_output(&o, &out, dir.path(), &["plain.eml"]);
    assert!(o.stderr.contains("text/plain"), "{o}");
}

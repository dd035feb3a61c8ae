//! RFC 4134 section 5 EnvelopedData examples: both use legacy ciphers (5.1: RSA key
//! transport with 3DES; 5.2: a key transport and a KEK (CMS RC2 key wrap) RecipientInfo with
//! RC2), which are refused with a clear error until legacy decryption (`--allow-legacy`) is
//! implemented. The structure must still parse up to the cipher.

use smime::cms::enveloped_data::parse_enveloped_content_info;
use smime::Error;

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/rfc4134/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn rfc4134_5_1_ktri_3des_is_refused_as_legacy() {
    let err = parse_enveloped_content_info(&data("5.1.bin")).unwrap_err();
    assert!(matches!(err, Error::Refused { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("3DES") && message.contains("legacy"),
        "{message}"
    );
}

#[test]
fn rfc4134_5_2_rc2_is_refused_as_legacy() {
    let err = parse_enveloped_content_info(&data("5.2.bin")).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("legacy"), "{message}");
}

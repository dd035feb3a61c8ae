//! `inspect` lists every RecipientInfo as `cms::recipient_info` reads it: kind, whom it
//! names and the key-encryption algorithm by name (RFC 5652 6.2), on the enveloped examples
//! of draft-ireland-examples-cms in tests/data/rfc9216/examples-cms (see
//! tests/data/PROVENANCE.md).

use smime::inspect::{inspect, RecipientSummary};

fn recipients(name: &str) -> Vec<RecipientSummary> {
    let path = format!(
        "{}/tests/data/rfc9216/examples-cms/binary-files/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let report = inspect(&std::fs::read(&path).unwrap()).unwrap();
    report
        .layers
        .into_iter()
        .flat_map(|layer| layer.recipients)
        .collect()
}

#[test]
fn ktri_and_kari_show_their_algorithms() {
    let r = recipients("encryptedForBobAndDana.p7m");
    assert_eq!(r.len(), 2, "{r:?}");
    assert_eq!(r[0].kind, "ktri");
    assert_eq!(
        r[0].key_encryption_algorithm,
        "RSAES-OAEP (SHA-256, MGF1-SHA-256)"
    );
    assert!(r[0]
        .recipient
        .starts_with("ktri for issuer CN=Sample LAMPS RSA"));
    assert_eq!(r[1].kind, "kari");
    assert_eq!(
        r[1].key_encryption_algorithm,
        "ECDH stdDH, X9.63 KDF SHA-256, AES-128 key wrap"
    );
}

#[test]
fn kekri_shows_its_key_wrap_and_key_id() {
    let r = recipients("encryptedKekri.p7m");
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0].kind, "kekri");
    assert_eq!(r[0].key_encryption_algorithm, "AES-256 key wrap");
    assert_eq!(r[0].recipient, "kekri for key id 6b65796964");
}

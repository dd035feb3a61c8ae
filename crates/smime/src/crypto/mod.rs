//! The only place that calls the cryptographic backend (aws-lc-rs): digests, private keys,
//! signatures and their verification, reading certificates, and the key management of
//! encryption: RSA key transport, ECDH/X25519 key agreement, AES key wrap.
//!
//! aws-lc-rs gives constant-time RSA (unlike RustCrypto `rsa`, RUSTSEC-2023-0071), ECDSA,
//! Ed25519 and the SHA-2 family with assembly.

mod certificate;
pub mod chacha20_poly1305;
pub mod cipher;
mod decrypting_key;
pub mod external_key;
#[allow(unsafe_code)]
mod ffi;
pub mod gcm;
pub mod key_agreement;
pub mod key_transport;
pub mod key_wrap;
mod legacy_cbc;
pub mod pkcs12;
mod private_key;
#[cfg(test)]
mod signature;
#[cfg(test)]
pub(crate) mod test_pki;
pub(crate) mod x942;

pub use certificate::certificate_to_pem;
pub use decrypting_key::{DecryptingKey, DecryptingKeyKind};
pub use private_key::PrivateKey;
pub use smime_pkix::certificate::{
    certificate_fingerprint_sha256, certificate_signed_by, describe_name, subject_key_identifier,
};
pub use smime_pkix::digest::{digest, DigestAlgorithm, Digester};
pub use smime_pkix::mail::{certificate_email_addresses, email_addresses_match};
pub use smime_pkix::pem::{load_certificates, pem_blocks, PemBlock};
pub use smime_pkix::signature::{
    public_key_description, verify_prehashed, verify_signature, SignatureScheme,
};

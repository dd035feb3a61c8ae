//! Reading a PKCS#12 file (RFC 7292): the certificate, its chain and the private key, with
//! the `p12-keystore` crate (PBES2 with AES and PBKDF2 as OpenSSL 3 writes it, and the
//! legacy PKCS#12 PBE with 3DES/RC2 of older exports).

use der::Decode;
use p12_keystore::KeyStore;
use x509_cert::Certificate;
use zeroize::Zeroizing;

use crate::{Error, Result};

/// What a PKCS#12 file holds for one identity.
pub struct Pkcs12Identity {
    /// The end-entity certificate (the first of the key's chain).
    pub certificate: Certificate,
    /// The other certificates of the chain, leaf side first.
    pub chain: Vec<Certificate>,
    /// The private key, PKCS#8 DER.
    pub key_der: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for Pkcs12Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Pkcs12Identity({}, {} chain certificates)",
            super::describe_name(&self.certificate.tbs_certificate.subject),
            self.chain.len()
        )
    }
}

/// Read the (first) private key with its certificate chain from a PKCS#12 file. `what` (the
/// file name) goes in errors; a wrong password is reported as such.
pub fn read_pkcs12(bytes: &[u8], password: &str, what: &str) -> Result<Pkcs12Identity> {
    let store = KeyStore::from_pkcs12(bytes, password).map_err(|e| {
        let text = e.to_string();
        if text.to_ascii_lowercase().contains("mac") {
            Error::key(
                what,
                format!("cannot open the PKCS#12 file: wrong password or damaged file ({text})"),
            )
        } else {
            Error::key(what, format!("cannot read the PKCS#12 file: {text}"))
        }
    })?;
    let (_, chain) = store
        .private_key_chain()
        .ok_or_else(|| Error::key(what, "the PKCS#12 file holds no private key"))?;
    let key_der = Zeroizing::new(chain.key().to_vec());
    let mut certificates = chain.chain().iter().map(|c| {
        Certificate::from_der(c.as_der())
            .map_err(|e| Error::key(what, format!("a certificate in the PKCS#12 file: {e}")))
    });
    let certificate = certificates
        .next()
        .ok_or_else(|| Error::key(what, "the PKCS#12 file has no certificate for its key"))??;
    let chain = certificates.collect::<Result<Vec<_>>>()?;
    Ok(Pkcs12Identity {
        certificate,
        chain,
        key_der,
    })
}

//! Handing a CA-generated key to its owner: a PKCS#12 file (RFC 7292) with the key, the
//! certificate and the chain, encrypted with AES-256 (PBES2, [`write_pkcs12`]), under a
//! password the operator gives or one made here and shown once.

use smime::crypto::pkcs12::{write_pkcs12, Pkcs12Identity};
use x509_cert::Certificate;
use zeroize::Zeroizing;

use crate::issue::IssuedCertificate;
use crate::signing::crypto;
use crate::{Error, Result};

/// Characters of generated passwords: letters and digits without look-alikes (0/O, 1/l/I),
/// so a password read aloud or copied from paper survives.
const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// Length of generated passwords: 24 characters of 57, about 140 bits.
const PASSWORD_LENGTH: usize = 24;

/// A random password for a PKCS#12 file, in groups of six (`abcdef-...`).
pub fn generate_password() -> Result<Zeroizing<String>> {
    let mut password = Zeroizing::new(String::with_capacity(PASSWORD_LENGTH + 3));
    let mut byte = [0u8; 1];
    let mut made = 0;
    while made < PASSWORD_LENGTH {
        aws_lc_rs::rand::fill(&mut byte).map_err(|_| Error::Crypto {
            what: "PKCS#12 password".into(),
            reason: "the random generator failed".into(),
        })?;
        // Rejection sampling keeps every character equally likely.
        let limit = 256 - 256 % ALPHABET.len();
        if usize::from(byte[0]) >= limit {
            continue;
        }
        if made > 0 && made % 6 == 0 {
            password.push('-');
        }
        password.push(char::from(ALPHABET[usize::from(byte[0]) % ALPHABET.len()]));
        made += 1;
    }
    Ok(password)
}

/// A PKCS#12 file for `issued` (which must hold the key the CA made) with `chain` (issuing
/// CA first), labelled `friendly_name` (the address). With `password` None a password is
/// generated and returned, to be shown once and never stored.
pub fn pkcs12(
    issued: &IssuedCertificate,
    chain: &[Certificate],
    friendly_name: &str,
    password: Option<&str>,
) -> Result<(Vec<u8>, Option<Zeroizing<String>>)> {
    let key = issued.key.as_ref().ok_or_else(|| Error::Input {
        what: format!("PKCS#12 for {friendly_name}"),
        reason: "the certificate was issued for a CSR: the CA does not hold its key".into(),
    })?;
    let generated = match password {
        Some(_) => None,
        None => Some(generate_password()?),
    };
    let password = password
        .or(generated.as_deref().map(String::as_str))
        .unwrap_or_default();
    if password.is_empty() {
        return Err(Error::Input {
            what: format!("PKCS#12 password for {friendly_name}"),
            reason: "is empty".into(),
        });
    }
    let identity = Pkcs12Identity {
        certificate: issued.certificate.clone(),
        chain: chain.to_vec(),
        key_der: key.pkcs8.clone(),
    };
    let file = write_pkcs12(&identity, friendly_name, password)
        .map_err(|e| crypto("writing the PKCS#12 file", e))?;
    Ok((file, generated))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generate_password_grouped_from_alphabet_and_different() {
        let (a, b) = (generate_password().unwrap(), generate_password().unwrap());
        assert_ne!(*a, *b);
        assert_eq!(a.len(), PASSWORD_LENGTH + 3);
        assert!(a
            .split('-')
            .all(|g| g.len() == 6 && g.bytes().all(|c| ALPHABET.contains(&c))));
    }
}

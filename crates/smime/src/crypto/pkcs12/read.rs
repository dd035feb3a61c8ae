//! Reading PKCS#12 files (RFC 7292) of any exporter: BER or DER, the MAC with SHA-1 or
//! SHA-2, bags encrypted with PBES2 (PBKDF2 + AES-CBC or 3DES, RFC 8018 6.2) or with the
//! legacy PKCS#12 PBE ciphers of appendix C (3DES with three or two keys, RC2 with 128 or 40
//! bits: what `openssl pkcs12 -legacy`, old Windows and macOS write). Legacy ciphers are only
//! ever read here, never written.
//!
//! The file is untrusted: nesting, iteration counts and chain building are bounded, and a
//! chain never uses a certificate twice (two certificates naming each other as issuer end
//! the chain instead of looping).

use aws_lc_rs::{hmac, pbkdf2};
use der::asn1::{Any, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Reader, SliceReader};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use zeroize::Zeroizing;

use super::asn1::{
    Attribute, CertBag, EncryptedPrivateKeyInfo, MacData, Pbes2Params, Pbkdf2Params, Pfx,
    Pkcs12PbeParams, SafeBag,
};
use super::kdf::{self, bmp_password, Purpose};
use super::{Pkcs12Contents, Pkcs12Identity};
use crate::ber::Element;
use crate::crypto::cipher::{ContentCipher, ContentDecryptor, ContentEncryption};
use crate::crypto::private_key::pkcs8_algorithm_and_key;
use crate::crypto::{DigestAlgorithm, PrivateKey};
use crate::{Error, Result};

const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_ENCRYPTED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");
const ID_ENVELOPED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.3");
const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");

const KEY_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.1");
const SHROUDED_KEY_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.2");
const CERT_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.3");
const SAFE_CONTENTS_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.6");
const X509_CERTIFICATE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.22.1");
const LOCAL_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.21");

const PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");
const PBKDF2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.12");
const PBMAC1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.14");
const HMAC_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.7");
const HMAC_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.9");
const HMAC_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.10");
const HMAC_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.11");
/// pbeWithSHAAnd... (RFC 7292 appendix C).
const PBE_SHA1_RC4_128: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.1");
const PBE_SHA1_RC4_40: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.2");
const PBE_SHA1_3DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.3");
const PBE_SHA1_2DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.4");
const PBE_SHA1_RC2_128: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.5");
const PBE_SHA1_RC2_40: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.6");

/// More iterations than any exporter writes (OpenSSL 2048, Windows 2000, we 100,000): a
/// file asking for more would only make the reader spin.
const MAX_ITERATIONS: u32 = 10_000_000;
/// How deep safeContentsBags may nest.
const MAX_NESTING: usize = 4;

/// The password in its two encodings: UTF-8 for PBES2/PBKDF2 (RFC 8018 as OpenSSL does it)
/// and BMPString for the PKCS#12 KDF (RFC 7292 B.1).
struct Password {
    utf8: Zeroizing<Vec<u8>>,
    bmp: Zeroizing<Vec<u8>>,
    /// Whether a MAC proved the password. Without one, a wrong password shows only as
    /// garbage after decryption (the padding passes by chance one time in ~256).
    proven: bool,
}

impl Password {
    /// A structure that does not parse after decryption: damage, or a wrong password when
    /// no MAC proved it.
    fn garbled(&self, reason: String) -> Failure {
        if self.proven {
            Failure::Other(reason)
        } else {
            Failure::WrongPassword(reason)
        }
    }
}

/// Why a step failed: a wrong password and a damaged or unsupported file read differently.
enum Failure {
    WrongPassword(String),
    Other(String),
}

type Step<T> = std::result::Result<T, Failure>;

fn other(reason: impl Into<String>) -> Failure {
    Failure::Other(reason.into())
}

/// Read every key with its chain, and the certificates that belong to no key.
pub fn read(bytes: &[u8], password: &str, what: &str) -> Result<Pkcs12Contents> {
    read_steps(bytes, password).map_err(|failure| match failure {
        Failure::WrongPassword(reason) => Error::key(
            what,
            format!("cannot open the PKCS#12 file: wrong password or damaged file ({reason})"),
        ),
        Failure::Other(reason) => {
            Error::key(what, format!("cannot read the PKCS#12 file: {reason}"))
        }
    })
}

/// Whether `bytes` hold a PFX (RFC 7292 4): version 3 and an authSafe, DER or BER.
pub fn is_pfx(bytes: &[u8]) -> bool {
    to_der(bytes, "PFX")
        .ok()
        .and_then(|der| Pfx::from_der(&der).ok())
        .is_some_and(|pfx| pfx.version == 3)
}

fn read_steps(bytes: &[u8], password: &str) -> Step<Pkcs12Contents> {
    let der = to_der(bytes, "PFX")?;
    let pfx = Pfx::from_der(&der).map_err(|e| other(format!("not a PFX structure: {e}")))?;
    if pfx.version != 3 {
        return Err(other(format!("PFX version {} (3 expected)", pfx.version)));
    }
    match pfx.auth_safe.content_type {
        ID_DATA => {}
        ID_SIGNED_DATA => {
            return Err(other(
                "public-key integrity mode (signedData) is not supported, only password integrity",
            ))
        }
        oid => return Err(other(format!("authSafe content type {oid} is not id-data"))),
    }
    let auth_safe = octet_string(&pfx.auth_safe.content, "authSafe")?;
    let password = check_mac(pfx.mac_data.as_ref(), &auth_safe, password)?;
    let mut bags = Bags::default();
    let infos: Vec<cms::content_info::ContentInfo> =
        Vec::from_der(&to_der(&auth_safe, "AuthenticatedSafe")?)
            .map_err(|e| other(format!("AuthenticatedSafe: {e}")))?;
    for (i, info) in infos.iter().enumerate() {
        let safe_contents =
            match info.content_type {
                ID_DATA => octet_string(&info.content, "SafeContents")?.to_vec(),
                ID_ENCRYPTED_DATA => decrypt_encrypted_data(&info.content, &password)
                    .map_err(|f| in_part(f, &format!("encrypted SafeContents {}", i + 1)))?
                    .to_vec(),
                ID_ENVELOPED_DATA => return Err(other(
                    "a SafeContents in envelopedData (public-key privacy mode) is not supported",
                )),
                oid => return Err(other(format!("SafeContents content type {oid}"))),
            };
        let encrypted = info.content_type == ID_ENCRYPTED_DATA;
        let garbled = |f: Failure| match f {
            Failure::Other(reason) if encrypted => password.garbled(reason),
            f => f,
        };
        let der = to_der(&safe_contents, "SafeContents").map_err(garbled)?;
        bags.read_safe_contents(&der, &password, 0)
            .map_err(garbled)?;
    }
    bags.into_contents()
}

/// NSS (Thunderbird, Firefox, `pk12util`) and old Windows write BER: indefinite lengths
/// and chunked OCTET STRINGs, at every level (the PFX, and again inside each OCTET STRING
/// and each decrypted SafeContents). The MAC covers the authSafe's content octets, which
/// this keeps.
fn to_der(bytes: &[u8], what: &str) -> Step<Zeroizing<Vec<u8>>> {
    let element = Element::read_all(bytes, what).map_err(|e| other(e.to_string()))?;
    element
        .to_der(bytes, what)
        .map(Zeroizing::new)
        .map_err(|e| other(e.to_string()))
}

fn in_part(failure: Failure, part: &str) -> Failure {
    match failure {
        Failure::WrongPassword(r) => Failure::WrongPassword(format!("{part}: {r}")),
        Failure::Other(r) => Failure::Other(format!("{part}: {r}")),
    }
}

fn octet_string(any: &Any, what: &str) -> Step<Vec<u8>> {
    any.decode_as::<OctetString>()
        .map(OctetString::into_bytes)
        .map_err(|e| other(format!("{what}: {e}")))
}

/// The MAC's hash (RFC 7292 B.4 names it in the DigestInfo).
fn hash_of(oid: &ObjectIdentifier) -> Option<DigestAlgorithm> {
    const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
    const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
    const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
    const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
    match *oid {
        SHA1 => Some(DigestAlgorithm::Sha1),
        SHA256 => Some(DigestAlgorithm::Sha256),
        SHA384 => Some(DigestAlgorithm::Sha384),
        SHA512 => Some(DigestAlgorithm::Sha512),
        _ => None,
    }
}

fn check_iterations(iterations: u32, what: &str) -> Step<u32> {
    if iterations == 0 || iterations > MAX_ITERATIONS {
        return Err(other(format!(
            "{what}: {iterations} iterations (1 to {MAX_ITERATIONS} accepted)"
        )));
    }
    Ok(iterations)
}

/// Verify the MAC (RFC 7292 4, B.4) and return the password form that passed. An empty
/// password is tried as the two-byte BMP terminator and as no bytes at all: exporters
/// disagree (OpenSSL tries both too).
fn check_mac(mac_data: Option<&MacData>, auth_safe: &[u8], password: &str) -> Step<Password> {
    let utf8 = Zeroizing::new(password.as_bytes().to_vec());
    let Some(mac_data) = mac_data else {
        return Ok(Password {
            utf8,
            bmp: bmp_password(password),
            proven: false,
        });
    };
    let oid = mac_data.mac.algorithm.oid;
    if oid == PBMAC1 {
        return Err(other(
            "the PBMAC1 integrity MAC (RFC 9579) is not supported",
        ));
    }
    let hash = hash_of(&oid)
        .ok_or_else(|| other(format!("MAC digest algorithm {oid} is not supported")))?;
    let algorithm = match hash {
        DigestAlgorithm::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        DigestAlgorithm::Sha256 => hmac::HMAC_SHA256,
        DigestAlgorithm::Sha384 => hmac::HMAC_SHA384,
        DigestAlgorithm::Sha512 => hmac::HMAC_SHA512,
    };
    let iterations = check_iterations(mac_data.iterations, "MAC")?;
    let mut candidates = vec![bmp_password(password)];
    if password.is_empty() {
        candidates.push(Zeroizing::new(Vec::new()));
    }
    for bmp in candidates {
        let mac_key = kdf::derive(
            hash,
            Purpose::MacKey,
            &bmp,
            mac_data.mac_salt.as_bytes(),
            iterations,
            algorithm.digest_algorithm().output_len(),
        );
        let key = hmac::Key::new(algorithm, &mac_key);
        if hmac::verify(&key, auth_safe, mac_data.mac.digest.as_bytes()).is_ok() {
            return Ok(Password {
                utf8,
                bmp,
                proven: true,
            });
        }
    }
    Err(Failure::WrongPassword("the MAC does not match".into()))
}

/// `EncryptedData` (RFC 5652 8) read element by element: its `[0] IMPLICIT` encryptedContent
/// may come in chunks (X.690 8.7), which the derived types do not take.
fn decrypt_encrypted_data(content: &Any, password: &Password) -> Step<Zeroizing<Vec<u8>>> {
    const WHAT: &str = "EncryptedData";
    let der = content
        .to_der()
        .map_err(|e| other(format!("{WHAT}: {e}")))?;
    let broken = |e: crate::Error| other(e.to_string());
    let data = Element::read_all(&der, WHAT).map_err(broken)?;
    let fields = data.children(&der, WHAT).map_err(broken)?;
    let info = fields
        .get(1)
        .ok_or_else(|| other("EncryptedData without EncryptedContentInfo"))?;
    let info_fields = info.children(&der, WHAT).map_err(broken)?;
    let algorithm = info_fields
        .get(1)
        .ok_or_else(|| other("EncryptedContentInfo without an algorithm"))?;
    let algorithm = AlgorithmIdentifierOwned::from_der(algorithm.bytes(&der))
        .map_err(|e| other(format!("{WHAT} algorithm: {e}")))?;
    let ciphertext = match info_fields.get(2) {
        Some(c) => c.implicit_octet_string(&der, WHAT).map_err(broken)?,
        None => Vec::new(),
    };
    decrypt(&algorithm, &ciphertext, password)
}

/// Decrypt under a password-based scheme: PBES2 or a PKCS#12 PBE cipher.
fn decrypt(
    algorithm: &AlgorithmIdentifierOwned,
    ciphertext: &[u8],
    password: &Password,
) -> Step<Zeroizing<Vec<u8>>> {
    let params = algorithm
        .parameters
        .as_ref()
        .ok_or_else(|| other(format!("{} without parameters", algorithm.oid)))?;
    let (key, encryption) = match algorithm.oid {
        PBES2 => pbes2_key(params, password)?,
        oid => pkcs12_pbe_key(oid, params, password)?,
    };
    let mut plain = Zeroizing::new(Vec::with_capacity(ciphertext.len()));
    let failed = || {
        // Without a MAC (or with a MAC that passed under another password form) a wrong
        // password shows only here, as broken padding.
        Failure::WrongPassword("decryption failed (bad padding)".into())
    };
    let mut decryptor = ContentDecryptor::new(&encryption, &key).map_err(|_| failed())?;
    decryptor
        .update(ciphertext, &mut plain)
        .map_err(|_| failed())?;
    decryptor
        .finish(&mut plain, &[], None)
        .map_err(|_| failed())?;
    Ok(plain)
}

/// PBES2 (RFC 8018 6.2): PBKDF2 with HMAC-SHA-1 or SHA-2, then AES-CBC or 3DES-CBC.
fn pbes2_key(params: &Any, password: &Password) -> Step<(Zeroizing<Vec<u8>>, ContentEncryption)> {
    let params: Pbes2Params = params
        .decode_as()
        .map_err(|e| other(format!("PBES2 parameters: {e}")))?;
    let kdf = &params.key_derivation_func;
    if kdf.oid != PBKDF2 {
        return Err(other(format!(
            "PBES2 key derivation {} is not PBKDF2",
            kdf.oid
        )));
    }
    let kdf_params: Pbkdf2Params = kdf
        .parameters
        .as_ref()
        .ok_or_else(|| other("PBKDF2 without parameters"))?
        .decode_as()
        .map_err(|e| other(format!("PBKDF2 parameters: {e}")))?;
    let prf = kdf_params.prf.as_ref().map_or(HMAC_SHA1, |p| p.oid);
    let prf = match prf {
        HMAC_SHA1 => pbkdf2::PBKDF2_HMAC_SHA1,
        HMAC_SHA256 => pbkdf2::PBKDF2_HMAC_SHA256,
        HMAC_SHA384 => pbkdf2::PBKDF2_HMAC_SHA384,
        HMAC_SHA512 => pbkdf2::PBKDF2_HMAC_SHA512,
        oid => return Err(other(format!("PBKDF2 pseudo-random function {oid}"))),
    };
    let scheme = &params.encryption_scheme;
    let cipher = ContentCipher::from_oid(&scheme.oid)
        .filter(|c| {
            matches!(
                c,
                ContentCipher::Aes128Cbc
                    | ContentCipher::Aes192Cbc
                    | ContentCipher::Aes256Cbc
                    | ContentCipher::DesEde3Cbc
            )
        })
        .ok_or_else(|| other(format!("PBES2 encryption scheme {}", scheme.oid)))?;
    let iv = scheme
        .parameters
        .as_ref()
        .ok_or_else(|| other("PBES2 cipher without an IV"))
        .and_then(|p| octet_string(p, "PBES2 IV"))?;
    let key_len = cipher.key_len();
    if kdf_params.key_length.is_some_and(|l| l as usize != key_len) {
        return Err(other("PBKDF2 keyLength does not fit the cipher"));
    }
    let iterations = check_iterations(kdf_params.iteration_count, "PBKDF2")?;
    let mut key = Zeroizing::new(vec![0u8; key_len]);
    pbkdf2::derive(
        prf,
        std::num::NonZeroU32::new(iterations).ok_or_else(|| other("PBKDF2: 0 iterations"))?,
        kdf_params.salt.as_bytes(),
        &password.utf8,
        &mut key,
    );
    Ok((
        key,
        ContentEncryption {
            cipher,
            iv,
            tag_len: 0,
            rc2_effective_bits: 0,
        },
    ))
}

/// The legacy pbeWithSHAAnd... ciphers (RFC 7292 appendix C): key and IV from the PKCS#12
/// KDF with SHA-1.
fn pkcs12_pbe_key(
    oid: ObjectIdentifier,
    params: &Any,
    password: &Password,
) -> Step<(Zeroizing<Vec<u8>>, ContentEncryption)> {
    let (cipher, key_len) = match oid {
        PBE_SHA1_3DES => (ContentCipher::DesEde3Cbc, 24),
        PBE_SHA1_2DES => (ContentCipher::DesEde3Cbc, 16),
        PBE_SHA1_RC2_128 => (ContentCipher::Rc2Cbc, 16),
        PBE_SHA1_RC2_40 => (ContentCipher::Rc2Cbc, 5),
        PBE_SHA1_RC4_128 | PBE_SHA1_RC4_40 => {
            return Err(other(format!("the RC4 PBE cipher {oid} is not supported")))
        }
        oid => {
            return Err(other(format!(
                "encryption algorithm {oid} is not supported"
            )))
        }
    };
    let params: Pkcs12PbeParams = params
        .decode_as()
        .map_err(|e| other(format!("PKCS#12 PBE parameters: {e}")))?;
    let iterations = check_iterations(params.iterations, "PKCS#12 PBE")?;
    let derive = |purpose, len| {
        kdf::derive(
            DigestAlgorithm::Sha1,
            purpose,
            &password.bmp,
            params.salt.as_bytes(),
            iterations,
            len,
        )
    };
    let mut key = derive(Purpose::EncryptionKey, key_len);
    if oid == PBE_SHA1_2DES {
        // Two-key 3DES is K1 K2 K1.
        let first = key.get(..8).map(<[u8]>::to_vec).unwrap_or_default();
        key.extend_from_slice(&first);
    }
    let iv = derive(Purpose::Iv, 8).to_vec();
    Ok((
        key,
        ContentEncryption {
            cipher,
            iv,
            tag_len: 0,
            rc2_effective_bits: if cipher == ContentCipher::Rc2Cbc {
                key_len * 8
            } else {
                0
            },
        },
    ))
}

/// A bag's localKeyId (RFC 7292 4.2, PKCS#9 5.5.4): what pairs a key with its certificate.
fn local_key_id(bag: &SafeBag) -> Step<Option<Vec<u8>>> {
    let Some(set) = &bag.bag_attributes else {
        return Ok(None);
    };
    let mut reader = SliceReader::new(set.value()).map_err(|e| other(e.to_string()))?;
    while !reader.is_finished() {
        let attribute: Attribute = reader
            .decode()
            .map_err(|e| other(format!("a bag attribute: {e}")))?;
        if attribute.oid != LOCAL_KEY_ID {
            continue;
        }
        let mut values =
            SliceReader::new(attribute.values.value()).map_err(|e| other(e.to_string()))?;
        return Ok(values
            .decode::<OctetString>()
            .ok()
            .map(OctetString::into_bytes));
    }
    Ok(None)
}

struct KeyBag {
    der: Zeroizing<Vec<u8>>,
    local_key_id: Option<Vec<u8>>,
}

struct CertificateBag {
    certificate: Certificate,
    local_key_id: Option<Vec<u8>>,
}

#[derive(Default)]
struct Bags {
    keys: Vec<KeyBag>,
    certificates: Vec<CertificateBag>,
}

impl Bags {
    fn read_safe_contents(&mut self, der: &[u8], password: &Password, depth: usize) -> Step<()> {
        if depth > MAX_NESTING {
            return Err(other("safeContentsBags nested too deep"));
        }
        let bags: Vec<SafeBag> =
            Vec::from_der(der).map_err(|e| other(format!("SafeContents: {e}")))?;
        for bag in bags {
            let local_key_id = local_key_id(&bag)?;
            match bag.bag_id {
                KEY_BAG => self.keys.push(KeyBag {
                    der: Zeroizing::new(
                        bag.bag_value
                            .to_der()
                            .map_err(|e| other(format!("keyBag: {e}")))?,
                    ),
                    local_key_id,
                }),
                SHROUDED_KEY_BAG => {
                    let info: EncryptedPrivateKeyInfo = bag
                        .bag_value
                        .decode_as()
                        .map_err(|e| other(format!("pkcs8ShroudedKeyBag: {e}")))?;
                    let der = decrypt(
                        &info.encryption_algorithm,
                        info.encrypted_data.as_bytes(),
                        password,
                    )
                    .map_err(|f| in_part(f, "the private key"))?;
                    if pkcs8_algorithm_and_key(&der).is_none() {
                        return Err(
                            password.garbled("the private key: not PKCS#8 after decryption".into())
                        );
                    }
                    self.keys.push(KeyBag { der, local_key_id });
                }
                CERT_BAG => {
                    let cert_bag: CertBag = bag
                        .bag_value
                        .decode_as()
                        .map_err(|e| other(format!("certBag: {e}")))?;
                    if cert_bag.cert_id != X509_CERTIFICATE {
                        continue; // SDSI certificates: nothing we use
                    }
                    let der = octet_string(&cert_bag.cert_value, "certBag")?;
                    let certificate = Certificate::from_der(&der)
                        .map_err(|e| other(format!("a certificate: {e}")))?;
                    self.certificates.push(CertificateBag {
                        certificate,
                        local_key_id,
                    });
                }
                SAFE_CONTENTS_BAG => {
                    let nested = bag
                        .bag_value
                        .to_der()
                        .map_err(|e| other(format!("safeContentsBag: {e}")))?;
                    self.read_safe_contents(&nested, password, depth + 1)?;
                }
                // CRL and secret bags carry nothing for mail.
                _ => {}
            }
        }
        Ok(())
    }

    /// Pair every key with its certificate (by localKeyId, else by public key) and build
    /// its chain from the other certificates by issuer name, each at most once per chain.
    fn into_contents(self) -> Step<Pkcs12Contents> {
        let mut leaves = Vec::new();
        let mut others: Vec<Option<CertificateBag>> =
            self.certificates.into_iter().map(Some).collect();
        for key in self.keys {
            let public = PrivateKey::from_pem_or_der(&key.der, "PKCS#12 key")
                .ok()
                .map(|k| k.public_key_spki());
            let by_id = key.local_key_id.as_ref().and_then(|id| {
                others.iter().position(|c| {
                    c.as_ref()
                        .is_some_and(|c| c.local_key_id.as_ref() == Some(id))
                })
            });
            let by_public_key = || {
                let public = public.as_ref()?;
                others.iter().position(|c| {
                    c.as_ref().is_some_and(|c| {
                        c.certificate.tbs_certificate.subject_public_key_info == *public
                    })
                })
            };
            let Some(leaf) = by_id
                .or_else(by_public_key)
                .and_then(|i| others.get_mut(i)?.take())
            else {
                return Err(other("a private key without its certificate"));
            };
            leaves.push((leaf.certificate, key.der));
        }
        let others: Vec<Certificate> = others
            .into_iter()
            .flatten()
            .map(|c| c.certificate)
            .collect();
        let mut in_a_chain = vec![false; others.len()];
        let mut identities = Vec::new();
        for (certificate, key_der) in leaves {
            let mut used = vec![false; others.len()];
            let mut chain = Vec::new();
            let mut current = &certificate;
            while current.tbs_certificate.issuer != current.tbs_certificate.subject {
                let issuer_name = &current.tbs_certificate.issuer;
                let Some(i) = others.iter().enumerate().position(|(i, c)| {
                    !used.get(i).copied().unwrap_or(true)
                        && c.tbs_certificate.subject == *issuer_name
                }) else {
                    break;
                };
                if let (Some(u), Some(c)) = (used.get_mut(i), in_a_chain.get_mut(i)) {
                    (*u, *c) = (true, true);
                }
                let Some(issuer) = others.get(i) else { break };
                chain.push(issuer.clone());
                current = issuer;
            }
            identities.push(Pkcs12Identity {
                certificate,
                chain,
                key_der,
            });
        }
        Ok(Pkcs12Contents {
            identities,
            certificates: others
                .into_iter()
                .zip(in_a_chain)
                .filter(|(_, in_chain)| !in_chain)
                .map(|(c, _)| c)
                .collect(),
        })
    }
}

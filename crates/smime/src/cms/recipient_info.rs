//! RecipientInfo (RFC 5652 6.2): reading the recipientInfos of an EnvelopedData or
//! AuthEnvelopedData, and writing one RecipientInfo per recipient certificate.
//!
//! Which RecipientInfo belongs to a decryption identity, and unwrapping the
//! content-encryption key from it, is [`crate::recipient`]'s job.

use std::time::SystemTime;

use der::asn1::ObjectIdentifier;
use smime_pkix::mail::{check_extended_key_usage, check_key_usage, Purpose};
use x509_cert::Certificate;

use super::identifier::CertificateIdentifier;
use crate::ber::{encode_tlv, Class, Element, Tag};
use crate::crypto::key_agreement::{agree_and_wrap, AgreementCurve, KeyAgreement};
use crate::crypto::key_transport::{is_rsa_key, wrap_content_key, KeyTransport};
use crate::crypto::key_wrap::KeyWrapAlgorithm;
use crate::crypto::{
    describe_name, public_key_description, subject_key_identifier, DecryptingKeyKind,
};
use crate::{Error, Result};

/// How a KeyTransRecipientInfo names the recipient's certificate (RFC 5652 6.2.1, `rid`).
pub type RecipientIdentifier = CertificateIdentifier;

/// A KeyTransRecipientInfo (RFC 5652 6.2.1).
#[derive(Debug, Clone)]
pub struct KeyTransRecipientInfo {
    /// version (0 with issuerAndSerialNumber, 2 with subjectKeyIdentifier).
    pub version: i64,
    /// rid.
    pub rid: RecipientIdentifier,
    /// keyEncryptionAlgorithm, read; an error (unsupported algorithm) matters only when
    /// this RecipientInfo is the one used.
    pub key_transport: std::result::Result<KeyTransport, String>,
    /// encryptedKey.
    pub encrypted_key: Vec<u8>,
}

/// The sender's key in a KeyAgreeRecipientInfo (RFC 5652 6.2.2, OriginatorIdentifierOrKey).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Originator {
    /// issuerAndSerialNumber or subjectKeyIdentifier of the sender's certificate (static-static
    /// agreement; S/MIME uses ephemeral-static, RFC 5753 3.1).
    Certificate(CertificateIdentifier),
    /// originatorKey: an ephemeral public key.
    PublicKey {
        /// The key's algorithm (id-ecPublicKey or id-X25519).
        algorithm: ObjectIdentifier,
        /// The namedCurve parameter, when present (usually absent: the recipient's curve).
        curve: Option<ObjectIdentifier>,
        /// The key: an EC point or the 32 X25519 bytes.
        public_key: Vec<u8>,
    },
}

impl Originator {
    /// Whether this originator key can be agreed with a decryption key of `kind`: an EC or
    /// X25519 key on its curve (see [`Originator::fits`]), or an X9.42 DH key with a
    /// dhpublicnumber originator key (RFC 3370 4.1.1).
    pub fn fits_key(&self, kind: DecryptingKeyKind) -> bool {
        match (self, kind) {
            (_, DecryptingKeyKind::Agreement(curve)) => self.fits(curve),
            (Originator::PublicKey { algorithm, .. }, DecryptingKeyKind::Dh) => {
                *algorithm == crate::crypto::x942::DH_PUBLIC_NUMBER
            }
            _ => false,
        }
    }

    /// Whether this originator key can be agreed with a key on `curve` (RFC 5753 7.1.3:
    /// id-ecPublicKey, parameters absent or the recipient's curve; RFC 8418 2.1: id-X25519).
    pub fn fits(&self, curve: AgreementCurve) -> bool {
        match self {
            Originator::Certificate(_) => false,
            Originator::PublicKey {
                algorithm,
                curve: c,
                ..
            } => match curve {
                AgreementCurve::X25519 => *algorithm == crate::crypto::key_agreement::X25519,
                _ => {
                    *algorithm == crate::crypto::key_agreement::EC_PUBLIC_KEY
                        && c.is_none_or(|c| AgreementCurve::from_named_curve(&c) == Some(curve))
                }
            },
        }
    }
}

/// One RecipientEncryptedKey of a KeyAgreeRecipientInfo (RFC 5652 6.2.2).
#[derive(Debug, Clone)]
pub struct RecipientEncryptedKey {
    /// rid: issuerAndSerialNumber, or rKeyId's subjectKeyIdentifier (its date and other
    /// fields are not used to find a certificate).
    pub rid: RecipientIdentifier,
    /// encryptedKey: the wrapped content-encryption key.
    pub encrypted_key: Vec<u8>,
}

/// A KeyAgreeRecipientInfo (RFC 5652 6.2.2).
#[derive(Debug, Clone)]
pub struct KeyAgreeRecipientInfo {
    /// version (always 3).
    pub version: i64,
    /// originator.
    pub originator: Originator,
    /// ukm: user keying material, when present.
    pub ukm: Option<Vec<u8>>,
    /// keyEncryptionAlgorithm, read; an error matters only when this RecipientInfo is used.
    pub key_agreement: std::result::Result<KeyAgreement, String>,
    /// recipientEncryptedKeys.
    pub recipient_encrypted_keys: Vec<RecipientEncryptedKey>,
}

/// A KEKRecipientInfo (RFC 5652 6.2.3): the content key wrapped under a previously
/// distributed symmetric key.
#[derive(Debug, Clone)]
pub struct KekRecipientInfo {
    /// version (always 4).
    pub version: i64,
    /// kekid's keyIdentifier.
    pub key_identifier: Vec<u8>,
    /// keyEncryptionAlgorithm, read; an error matters only when this RecipientInfo is used.
    pub key_wrap: std::result::Result<KeyWrapAlgorithm, String>,
    /// encryptedKey.
    pub encrypted_key: Vec<u8>,
}

/// One RecipientInfo (RFC 5652 6.2).
#[derive(Debug, Clone)]
pub enum RecipientInfo {
    /// ktri: key transport.
    KeyTransport(KeyTransRecipientInfo),
    /// kari: key agreement.
    KeyAgreement(KeyAgreeRecipientInfo),
    /// kekri: a previously distributed key-encryption key.
    Kek(KekRecipientInfo),
    /// Any other kind (pwri, ori), not supported: its name.
    Other(&'static str),
}

impl RecipientInfo {
    /// The CHOICE alternative (RFC 5652 6.2): ktri, kari, kekri, or the unsupported kind.
    pub fn kind(&self) -> &'static str {
        match self {
            RecipientInfo::KeyTransport(_) => "ktri",
            RecipientInfo::KeyAgreement(_) => "kari",
            RecipientInfo::Kek(_) => "kekri",
            RecipientInfo::Other(kind) => kind,
        }
    }

    /// The keyEncryptionAlgorithm's name, or why it cannot be used.
    pub fn key_encryption_algorithm(&self) -> String {
        fn name<T>(alg: &std::result::Result<T, String>, name: impl Fn(&T) -> String) -> String {
            alg.as_ref().map_or_else(|e| e.clone(), name)
        }
        match self {
            RecipientInfo::KeyTransport(k) => name(&k.key_transport, KeyTransport::name),
            RecipientInfo::KeyAgreement(k) => name(&k.key_agreement, KeyAgreement::name),
            RecipientInfo::Kek(k) => name(&k.key_wrap, |w| w.name().to_string()),
            RecipientInfo::Other(_) => "not supported".to_string(),
        }
    }

    /// A one-line description for reports: kind and whom it names.
    pub fn describe(&self) -> String {
        match self {
            RecipientInfo::KeyTransport(k) => format!("ktri for {}", k.rid.describe()),
            RecipientInfo::KeyAgreement(k) => {
                let names: Vec<String> = k
                    .recipient_encrypted_keys
                    .iter()
                    .map(|r| r.rid.describe())
                    .collect();
                format!("kari for {}", names.join("; "))
            }
            RecipientInfo::Kek(k) => format!("kekri for key id {}", hex(&k.key_identifier)),
            RecipientInfo::Other(kind) => format!("{kind}, not supported"),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Read the recipientInfos SET (RFC 5652 6.1); at least one RecipientInfo is required.
pub fn parse_recipient_infos(buf: &[u8], set: &Element) -> Result<Vec<RecipientInfo>> {
    set.expect(Tag::SET, "recipientInfos")?;
    let mut recipient_infos = Vec::new();
    for ri in set.children(buf, "RecipientInfo")? {
        recipient_infos.push(parse_recipient_info(buf, &ri)?);
    }
    if recipient_infos.is_empty() {
        return Err(Error::asn1(
            "recipientInfos",
            set.range.start,
            "no RecipientInfo",
        ));
    }
    Ok(recipient_infos)
}

/// Read one RecipientInfo: the CHOICE is told apart by its tag (RFC 5652 6.2).
fn parse_recipient_info(buf: &[u8], ri: &Element) -> Result<RecipientInfo> {
    match (ri.tag.class, ri.tag.number, ri.tag.constructed) {
        (Class::Universal, 16, true) => parse_key_trans(buf, ri).map(RecipientInfo::KeyTransport),
        (Class::Context, 1, true) => parse_key_agree(buf, ri).map(RecipientInfo::KeyAgreement),
        (Class::Context, 2, true) => parse_kek(buf, ri).map(RecipientInfo::Kek),
        (Class::Context, 3, _) => Ok(RecipientInfo::Other("password (pwri)")),
        (Class::Context, 4, _) => Ok(RecipientInfo::Other("other (ori)")),
        _ => Err(Error::asn1(
            "RecipientInfo",
            ri.range.start,
            format!("unknown RecipientInfo kind {}", ri.tag.describe()),
        )),
    }
}

/// KeyTransRecipientInfo ::= SEQUENCE { version, rid, keyEncryptionAlgorithm, encryptedKey }.
fn parse_key_trans(buf: &[u8], ri: &Element) -> Result<KeyTransRecipientInfo> {
    const WHAT: &str = "KeyTransRecipientInfo";
    let parts = ri.children(buf, WHAT)?;
    let [version, rid, alg, key] = parts.as_slice() else {
        return Err(Error::asn1(WHAT, ri.range.start, "expected four fields"));
    };
    let version = version.small_integer(buf, WHAT)?;
    let rid = CertificateIdentifier::parse(buf, rid, WHAT)?;
    let key_transport =
        KeyTransport::from_algorithm_identifier(buf, alg).map_err(|e| e.to_string());
    let encrypted_key = key.octet_string(buf, WHAT)?;
    Ok(KeyTransRecipientInfo {
        version,
        rid,
        key_transport,
        encrypted_key,
    })
}

/// KeyAgreeRecipientInfo ::= SEQUENCE { version, originator [0] EXPLICIT
/// OriginatorIdentifierOrKey, ukm [1] EXPLICIT OPTIONAL, keyEncryptionAlgorithm,
/// recipientEncryptedKeys } (RFC 5652 6.2.2).
fn parse_key_agree(buf: &[u8], ri: &Element) -> Result<KeyAgreeRecipientInfo> {
    const WHAT: &str = "KeyAgreeRecipientInfo";
    let parts = ri.children(buf, WHAT)?;
    let mut it = parts.iter().peekable();
    let missing = |field: &str| Error::asn1(WHAT, ri.range.start, format!("{field} is missing"));
    let version = it
        .next()
        .ok_or_else(|| missing("version"))?
        .small_integer(buf, WHAT)?;
    let originator = it.next().ok_or_else(|| missing("originator"))?;
    originator.expect(Tag::context(0, true), WHAT)?;
    let originator = parse_originator(buf, originator)?;
    let mut ukm = None;
    if let Some(e) = it.peek().filter(|e| e.tag == Tag::context(1, true)) {
        let inner = e.children(buf, WHAT)?;
        let [octets] = inner.as_slice() else {
            return Err(Error::asn1(
                WHAT,
                e.range.start,
                "ukm must hold one OCTET STRING",
            ));
        };
        ukm = Some(octets.octet_string(buf, "ukm")?);
        it.next();
    }
    let alg = it.next().ok_or_else(|| missing("keyEncryptionAlgorithm"))?;
    let key_agreement =
        KeyAgreement::from_algorithm_identifier(buf, alg).map_err(|e| e.to_string());
    let keys = it.next().ok_or_else(|| missing("recipientEncryptedKeys"))?;
    keys.expect(Tag::SEQUENCE, "recipientEncryptedKeys")?;
    let mut recipient_encrypted_keys = Vec::new();
    for rek in keys.children(buf, "RecipientEncryptedKey")? {
        recipient_encrypted_keys.push(parse_recipient_encrypted_key(buf, &rek)?);
    }
    if recipient_encrypted_keys.is_empty() {
        return Err(Error::asn1(
            WHAT,
            keys.range.start,
            "no RecipientEncryptedKey",
        ));
    }
    if let Some(extra) = it.next() {
        return Err(Error::asn1(
            WHAT,
            extra.range.start,
            "unexpected field at the end",
        ));
    }
    Ok(KeyAgreeRecipientInfo {
        version,
        originator,
        ukm,
        key_agreement,
        recipient_encrypted_keys,
    })
}

/// OriginatorIdentifierOrKey ::= CHOICE { issuerAndSerialNumber, subjectKeyIdentifier [0],
/// originatorKey [1] OriginatorPublicKey } inside the `[0] EXPLICIT` tag.
fn parse_originator(buf: &[u8], explicit: &Element) -> Result<Originator> {
    const WHAT: &str = "KeyAgreeRecipientInfo originator";
    let inner = explicit.children(buf, WHAT)?;
    let [choice] = inner.as_slice() else {
        return Err(Error::asn1(
            WHAT,
            explicit.range.start,
            "expected one value",
        ));
    };
    if choice.tag != Tag::context(1, true) {
        return CertificateIdentifier::parse(buf, choice, WHAT).map(Originator::Certificate);
    }
    // OriginatorPublicKey ::= SEQUENCE { algorithm AlgorithmIdentifier, publicKey BIT STRING }
    let fields = choice.children(buf, WHAT)?;
    let [alg, key] = fields.as_slice() else {
        return Err(Error::asn1(
            WHAT,
            choice.range.start,
            "originatorKey must hold an algorithm and a public key",
        ));
    };
    let (algorithm, params) = alg.algorithm_identifier(buf, WHAT)?;
    let curve = match params.first() {
        Some(p) if p.tag == Tag::OID => Some(p.oid(buf, WHAT)?),
        _ => None,
    };
    // BIT STRING, primitive (DER), no unused bits: a key is whole octets.
    if key.tag != Tag::universal(3, false) || key.content(buf).first() != Some(&0) {
        return Err(Error::asn1(
            WHAT,
            key.range.start,
            "the public key must be a BIT STRING of whole octets",
        ));
    }
    Ok(Originator::PublicKey {
        algorithm,
        curve,
        public_key: key.content(buf)[1..].to_vec(),
    })
}

/// RecipientEncryptedKey ::= SEQUENCE { rid KeyAgreeRecipientIdentifier, encryptedKey };
/// KeyAgreeRecipientIdentifier ::= CHOICE { issuerAndSerialNumber, rKeyId [0] IMPLICIT
/// RecipientKeyIdentifier }, RecipientKeyIdentifier ::= SEQUENCE { subjectKeyIdentifier,
/// date OPTIONAL, other OPTIONAL }.
fn parse_recipient_encrypted_key(buf: &[u8], rek: &Element) -> Result<RecipientEncryptedKey> {
    const WHAT: &str = "RecipientEncryptedKey";
    rek.expect(Tag::SEQUENCE, WHAT)?;
    let fields = rek.children(buf, WHAT)?;
    let [rid, key] = fields.as_slice() else {
        return Err(Error::asn1(WHAT, rek.range.start, "expected two fields"));
    };
    let rid = if rid.tag == Tag::context(0, true) {
        let inner = rid.children(buf, WHAT)?;
        let ski = inner
            .first()
            .ok_or_else(|| Error::asn1(WHAT, rid.range.start, "empty rKeyId"))?;
        CertificateIdentifier::SubjectKeyIdentifier(ski.octet_string(buf, WHAT)?)
    } else if rid.tag == Tag::SEQUENCE {
        CertificateIdentifier::parse_issuer_and_serial(buf, rid, WHAT)?
    } else {
        return Err(Error::asn1(
            WHAT,
            rid.range.start,
            "expected issuerAndSerialNumber or [0] rKeyId",
        ));
    };
    Ok(RecipientEncryptedKey {
        rid,
        encrypted_key: key.octet_string(buf, WHAT)?,
    })
}

/// KEKRecipientInfo ::= SEQUENCE { version, kekid KEKIdentifier, keyEncryptionAlgorithm,
/// encryptedKey }; KEKIdentifier ::= SEQUENCE { keyIdentifier OCTET STRING, date
/// OPTIONAL, other OPTIONAL } (RFC 5652 6.2.3).
fn parse_kek(buf: &[u8], ri: &Element) -> Result<KekRecipientInfo> {
    const WHAT: &str = "KEKRecipientInfo";
    let parts = ri.children(buf, WHAT)?;
    let [version, kekid, alg, key] = parts.as_slice() else {
        return Err(Error::asn1(WHAT, ri.range.start, "expected four fields"));
    };
    let version = version.small_integer(buf, WHAT)?;
    kekid.expect(Tag::SEQUENCE, "KEKIdentifier")?;
    let key_identifier = kekid
        .children(buf, "KEKIdentifier")?
        .first()
        .ok_or_else(|| Error::asn1("KEKIdentifier", kekid.range.start, "empty"))?
        .octet_string(buf, "KEKIdentifier")?;
    let key_wrap =
        KeyWrapAlgorithm::from_algorithm_identifier(buf, alg, "KEKRecipientInfo key wrap")
            .map_err(|e| e.to_string());
    Ok(KekRecipientInfo {
        version,
        key_identifier,
        key_wrap,
        encrypted_key: key.octet_string(buf, WHAT)?,
    })
}

/// How a RecipientInfo names the recipient's certificate (RFC 5652 6.2.1, `rid`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RecipientIdentifierKind {
    /// issuerAndSerialNumber (KeyTransRecipientInfo version 0): what every client reads.
    #[default]
    IssuerAndSerial,
    /// subjectKeyIdentifier (version 2): the certificate must have the extension.
    SubjectKeyIdentifier,
}

/// One recipient: certificate, key transport, how it is named.
#[derive(Debug, Clone)]
pub struct RecipientSpec {
    /// The recipient's certificate.
    pub certificate: Certificate,
    /// The key transport algorithm.
    pub transport: KeyTransport,
    /// How the RecipientInfo names the certificate.
    pub identifier: RecipientIdentifierKind,
}

impl RecipientSpec {
    /// The identifier naming this recipient's certificate; `what` names it in errors.
    fn rid(&self, what: &str) -> Result<RecipientIdentifier> {
        match self.identifier {
            RecipientIdentifierKind::IssuerAndSerial => {
                Ok(CertificateIdentifier::issuer_and_serial(&self.certificate))
            }
            RecipientIdentifierKind::SubjectKeyIdentifier => {
                subject_key_identifier(&self.certificate)
                    .map(CertificateIdentifier::SubjectKeyIdentifier)
                    .ok_or_else(|| {
                        Error::key(
                            what,
                            "the certificate has no subjectKeyIdentifier to name it by",
                        )
                    })
            }
        }
    }
}

/// How a recipient's key receives the content-encryption key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecipientKeyKind {
    /// RSA: key transport (KeyTransRecipientInfo).
    Rsa,
    /// EC P-256/P-384 or X25519: key agreement (KeyAgreeRecipientInfo).
    Agreement(AgreementCurve),
}

/// The kind of a recipient certificate's key, or an error naming the certificate when it
/// cannot receive encrypted mail from us.
pub fn recipient_key_kind(cert: &Certificate, what: &str) -> Result<RecipientKeyKind> {
    let spki = &cert.tbs_certificate.subject_public_key_info;
    if is_rsa_key(spki) {
        return Ok(RecipientKeyKind::Rsa);
    }
    AgreementCurve::from_spki(spki)
        .map(RecipientKeyKind::Agreement)
        .ok_or_else(|| {
            Error::key(
                what,
                format!(
                    "the certificate's key ({}) cannot receive encrypted mail: RSA, EC P-256/P-384 \
                     and X25519 keys can",
                    public_key_description(spki)
                ),
            )
        })
}

/// Check that a recipient certificate may receive encrypted mail at `at`: within its
/// validity period, a key we can encrypt to, a keyUsage (when present) that allows it
/// (keyEncipherment for RSA key transport, keyAgreement and not encipherOnly for key
/// agreement: RFC 8550 4.4.2, RFC 5480 3, RFC 8410 5), an extendedKeyUsage (when present)
/// with emailProtection or anyExtendedKeyUsage (RFC 8550 4.4.4); the usage rules are
/// `smime_pkix::mail`'s. `what` names the certificate in errors.
pub fn check_recipient_certificate(cert: &Certificate, at: SystemTime, what: &str) -> Result<()> {
    let tbs = &cert.tbs_certificate;
    let subject = describe_name(&tbs.subject);
    let what = format!("{what} ({subject})");
    if at > tbs.validity.not_after.to_system_time() {
        return Err(Error::key(
            what,
            format!("the certificate expired on {}", tbs.validity.not_after),
        ));
    }
    if at < tbs.validity.not_before.to_system_time() {
        return Err(Error::key(
            what,
            format!(
                "the certificate is not valid before {}",
                tbs.validity.not_before
            ),
        ));
    }
    recipient_key_kind(cert, &what)?;
    check_extended_key_usage(cert)
        .and_then(|()| check_key_usage(cert, Purpose::Encrypt))
        .map_err(|failure| Error::key(what, failure.to_string()))
}

/// Check every recipient (see [`check_recipient_certificate`]) and that each can be named
/// as asked; errors name the recipient by its position.
pub fn check_recipients(recipients: &[RecipientSpec], at: SystemTime) -> Result<()> {
    if recipients.is_empty() {
        return Err(Error::Unexpected("at least one recipient is needed".into()));
    }
    for (i, r) in recipients.iter().enumerate() {
        let what = format!("recipient {}", i + 1);
        check_recipient_certificate(&r.certificate, at, &what)?;
        r.rid(&what)?;
    }
    Ok(())
}

/// The recipientInfos SET (DER, sorted as DER requires) giving `content_key` to every
/// recipient: a KeyTransRecipientInfo for an RSA key, a KeyAgreeRecipientInfo with a fresh
/// ephemeral key for an EC or X25519 key. Also whether every RecipientInfo is version 0,
/// which decides the EnvelopedData version (RFC 5652 6.1).
pub fn encode_recipient_infos(
    recipients: &[RecipientSpec],
    content_key: &[u8],
) -> Result<(Vec<u8>, bool)> {
    let mut infos = Vec::new();
    let mut all_version_0 = true;
    for (i, r) in recipients.iter().enumerate() {
        let what = format!("recipient {}", i + 1);
        let rid = r.rid(&what)?;
        let info = match recipient_key_kind(&r.certificate, &what)? {
            RecipientKeyKind::Rsa => key_trans_recipient_info(r, &rid, content_key, &what)?,
            RecipientKeyKind::Agreement(curve) => {
                key_agree_recipient_info(r, curve, &rid, content_key, &what)?
            }
        };
        all_version_0 &= info.1 == 0;
        infos.push(info.0);
    }
    infos.sort();
    Ok((encode_tlv(Tag::SET, &infos.concat()), all_version_0))
}

/// A KeyTransRecipientInfo (RFC 5652 6.2.1) and its version: 0 with
/// issuerAndSerialNumber, 2 with subjectKeyIdentifier.
fn key_trans_recipient_info(
    r: &RecipientSpec,
    rid: &RecipientIdentifier,
    content_key: &[u8],
    what: &str,
) -> Result<(Vec<u8>, u8)> {
    let encrypted_key = wrap_content_key(
        &r.certificate.tbs_certificate.subject_public_key_info,
        r.transport,
        content_key,
        what,
    )?;
    let version = match rid {
        CertificateIdentifier::IssuerAndSerial { .. } => 0u8,
        CertificateIdentifier::SubjectKeyIdentifier(_) => 2u8,
    };
    let mut content = encode_tlv(Tag::INTEGER, &[version]);
    content.extend(rid.to_der()?);
    content.extend(r.transport.algorithm_identifier_der());
    content.extend(encode_tlv(Tag::OCTET_STRING, &encrypted_key));
    Ok((encode_tlv(Tag::SEQUENCE, &content), version))
}

/// A KeyAgreeRecipientInfo (RFC 5652 6.2.2, version 3) with an ephemeral originator key
/// (RFC 5753 3.1.1, RFC 8418 2), no ukm, and one RecipientEncryptedKey whose rid is the
/// issuerAndSerialNumber or `[0] rKeyId` with the subjectKeyIdentifier.
fn key_agree_recipient_info(
    r: &RecipientSpec,
    curve: AgreementCurve,
    rid: &RecipientIdentifier,
    content_key: &[u8],
    what: &str,
) -> Result<(Vec<u8>, u8)> {
    let agreement = KeyAgreement::for_recipient(curve, content_key.len());
    let agreed = agree_and_wrap(
        &r.certificate.tbs_certificate.subject_public_key_info,
        curve,
        &agreement,
        content_key,
        what,
    )?;
    let mut key_bits = vec![0u8];
    key_bits.extend(&agreed.originator_public_key);
    let mut originator_key = agreed.originator_algorithm_der;
    originator_key.extend(encode_tlv(Tag::universal(3, false), &key_bits));
    let originator = encode_tlv(
        Tag::context(0, true),
        &encode_tlv(Tag::context(1, true), &originator_key),
    );
    let rid = match rid {
        CertificateIdentifier::IssuerAndSerial { .. } => rid.to_der()?,
        CertificateIdentifier::SubjectKeyIdentifier(ski) => {
            encode_tlv(Tag::context(0, true), &encode_tlv(Tag::OCTET_STRING, ski))
        }
    };
    let mut rek = rid;
    rek.extend(encode_tlv(Tag::OCTET_STRING, &agreed.encrypted_key));
    let mut content = encode_tlv(Tag::INTEGER, &[3]);
    content.extend(originator);
    content.extend(agreement.algorithm_identifier_der());
    content.extend(encode_tlv(Tag::SEQUENCE, &encode_tlv(Tag::SEQUENCE, &rek)));
    Ok((encode_tlv(Tag::context(1, true), &content), 3))
}

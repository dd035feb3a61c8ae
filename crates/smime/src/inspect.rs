//! The structure of any S/MIME message or CMS object, for people and scripts: the MIME
//! layers, the CMS content types (RFC 5652 3), algorithms, signers with their signed
//! attributes, certificates, and recipients. Nothing is verified or decrypted here.

use std::fmt::Write as _;

use der::Encode;
use serde::Serialize;
use x509_cert::Certificate;

use crate::ber::{Element, Tag};
use crate::cms::signed_data::{self, SignerIdentifier};
use crate::cms::{attributes, compressed_data, oids, recipient_info};
use crate::crypto;
use crate::input::decode_pem_or_base64;
use crate::message::looks_like_mime;
use crate::mime;
use crate::{Error, Result};

/// How deep layers may nest before inspection stops.
const MAX_LAYERS: usize = 16;

/// The structure of an input.
#[derive(Debug, Clone, Serialize)]
pub struct InspectReport {
    /// The outer headers worth showing (From, To, Cc, Subject, Date, Message-ID).
    pub headers: Vec<(String, String)>,
    /// The layers, outermost first.
    pub layers: Vec<Layer>,
}

/// One layer: a MIME entity or a CMS content.
#[derive(Debug, Clone, Serialize)]
pub struct Layer {
    /// How deep this layer sits (0 is the outermost).
    pub depth: usize,
    /// `mime` or `cms`.
    pub kind: String,
    /// The MIME type or the CMS content type.
    pub content_type: String,
    /// Other facts, as name and value.
    pub details: Vec<(String, String)>,
    /// SignerInfos of a SignedData.
    pub signers: Vec<SignerSummary>,
    /// Certificates carried in a SignedData.
    pub certificates: Vec<CertificateSummary>,
    /// RecipientInfos of an (Auth)EnvelopedData.
    pub recipients: Vec<RecipientSummary>,
}

/// A SignerInfo.
#[derive(Debug, Clone, Serialize)]
pub struct SignerSummary {
    /// The signer identifier.
    pub sid: String,
    /// digestAlgorithm (name or OID).
    pub digest_algorithm: String,
    /// signatureAlgorithm (OID).
    pub signature_algorithm: String,
    /// Signed attributes, by name, with a readable value where known.
    pub signed_attributes: Vec<(String, String)>,
    /// Unsigned attribute names.
    pub unsigned_attributes: Vec<String>,
}

/// A certificate: subject, issuer, serial, validity and SHA-256 fingerprint (as in path
/// reports), with its email addresses and public key.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateSummary {
    /// Names, serial, validity, fingerprint.
    #[serde(flatten)]
    pub certificate: smime_pkix::mail_validation::CertificateSummary,
    /// Email addresses.
    pub emails: Vec<String>,
    /// Public key.
    pub public_key: String,
}

/// A RecipientInfo (RFC 5652 6.2), as [`recipient_info`] reads it.
#[derive(Debug, Clone, Serialize)]
pub struct RecipientSummary {
    /// ktri, kari, kekri, or the unsupported kind (password (pwri), other (ori)).
    pub kind: String,
    /// The key-encryption algorithm's name (with its KDF and key wrap for kari), or why it
    /// cannot be used.
    pub key_encryption_algorithm: String,
    /// Whom it names: kind and recipient identifiers (or the KEK identifier).
    pub recipient: String,
}

/// Inspect `input`: a MIME message or a bare CMS object (DER, BER, PEM or base64).
pub fn inspect(input: &[u8]) -> Result<InspectReport> {
    let mut report = InspectReport {
        headers: vec![],
        layers: vec![],
    };
    if looks_like_mime(input) {
        let entity = mime::parse_entity(input, "message")?;
        for name in [
            "From",
            "Sender",
            "To",
            "Cc",
            "Subject",
            "Date",
            "Message-ID",
        ] {
            for h in entity.headers_named(name) {
                report.headers.push((name.to_string(), h.value()));
            }
        }
        inspect_mime(input, "message", 0, &mut report.layers)?;
    } else {
        let der = decode_cms_text(input)?;
        inspect_cms(&der, 0, &mut report.layers)?;
    }
    Ok(report)
}

fn decode_cms_text(input: &[u8]) -> Result<Vec<u8>> {
    if input.first() == Some(&0x30) {
        return Ok(input.to_vec());
    }
    decode_pem_or_base64(input)
}

fn inspect_mime(bytes: &[u8], name: &str, depth: usize, layers: &mut Vec<Layer>) -> Result<()> {
    if depth > MAX_LAYERS {
        return Ok(());
    }
    let entity = mime::parse_entity(bytes, name)?;
    let content_type = entity.content_type()?;
    let mut layer = new_layer(depth, "mime", &content_type.mime_type);
    layer.details.push(("part".into(), name.into()));
    for (k, v) in &content_type.params {
        layer.details.push((k.clone(), v.clone()));
    }
    let body = bytes.get(entity.body_range.clone()).unwrap_or(&[]);
    layer
        .details
        .push(("body bytes".into(), body.len().to_string()));
    layers.push(layer);
    let is_cms = matches!(
        content_type.mime_type.as_str(),
        "application/pkcs7-mime"
            | "application/x-pkcs7-mime"
            | "application/pkcs7-signature"
            | "application/x-pkcs7-signature"
    ) || (content_type.mime_type == "application/octet-stream"
        && content_type
            .param("name")
            .is_some_and(|n| n.ends_with(".p7m") || n.ends_with(".p7s")));
    if is_cms {
        let der = mime::decode_body(body, &entity.transfer_encoding(), name)?;
        return inspect_cms(&der, depth + 1, layers);
    }
    if content_type.mime_type.starts_with("multipart/") {
        if let Some(boundary) = content_type.param("boundary") {
            for (i, range) in mime::split_multipart(body, boundary, name)?
                .into_iter()
                .enumerate()
            {
                let part_name = format!("{name} part {}", i + 1);
                inspect_mime(&body[range], &part_name, depth + 1, layers)?;
            }
        }
    }
    Ok(())
}

fn new_layer(depth: usize, kind: &str, content_type: &str) -> Layer {
    Layer {
        depth,
        kind: kind.into(),
        content_type: content_type.into(),
        details: vec![],
        signers: vec![],
        certificates: vec![],
        recipients: vec![],
    }
}

fn inspect_cms(der: &[u8], depth: usize, layers: &mut Vec<Layer>) -> Result<()> {
    if depth > MAX_LAYERS {
        return Ok(());
    }
    let (content_type, content) = signed_data::read_content_info(der)?;
    let mut layer = new_layer(depth, "cms", &oids::content_type_name(&content_type));
    let Some(content) = content else {
        layers.push(layer);
        return Ok(());
    };
    layer.details.push((
        "encoding".into(),
        if content.indefinite {
            "BER (indefinite lengths)"
        } else {
            "DER"
        }
        .into(),
    ));
    let mut inner: Option<Vec<u8>> = None;
    match content_type {
        oids::SIGNED_DATA => {
            let signed = signed_data::parse_signed_data(der, &content)?;
            layer
                .details
                .push(("version".into(), signed.version.to_string()));
            layer.details.push((
                "eContentType".into(),
                oids::content_type_name(&signed.econtent_type),
            ));
            layer.details.push((
                "eContent".into(),
                match &signed.econtent {
                    Some(c) => format!("{} bytes (opaque)", c.len()),
                    None => "absent (detached)".into(),
                },
            ));
            layer.certificates = signed
                .certificates
                .iter()
                .map(summarise_certificate)
                .collect();
            layer.signers = signed.signer_infos.iter().map(summarise_signer).collect();
            inner = signed
                .econtent
                .filter(|_| signed.econtent_type == oids::DATA);
        }
        oids::ENVELOPED_DATA | oids::AUTH_ENVELOPED_DATA => {
            summarise_enveloped(der, &content, &mut layer)?;
        }
        oids::COMPRESSED_DATA => {
            inner = summarise_compressed(der, &content, &mut layer)?;
        }
        _ => {}
    }
    layers.push(layer);
    if let Some(inner) = inner {
        if looks_like_mime(&inner) {
            let part = if content_type == oids::COMPRESSED_DATA {
                "compressed content"
            } else {
                "signed content"
            };
            inspect_mime(&inner, part, depth + 1, layers)?;
        } else if inner.first() == Some(&0x30) {
            inspect_cms(&inner, depth + 1, layers)?;
        }
    }
    Ok(())
}

/// The largest decompressed content that inspection holds to show the layers inside.
const MAX_INSPECT_DECOMPRESSED: u64 = 64 * 1024 * 1024;

/// CompressedData (RFC 3274): version, algorithm, eContentType and sizes; returns the
/// decompressed content when it is id-data and no larger than [`MAX_INSPECT_DECOMPRESSED`].
fn summarise_compressed(
    der: &[u8],
    content: &Element,
    layer: &mut Layer,
) -> Result<Option<Vec<u8>>> {
    let what = "CompressedData";
    let parts = content.children(der, what)?;
    if let Some(version) = parts.first() {
        layer.details.push((
            "version".into(),
            version.small_integer(der, what)?.to_string(),
        ));
    }
    if let Some(alg) = parts.get(1) {
        let oid = alg
            .children(der, what)?
            .first()
            .ok_or_else(|| Error::asn1(what, alg.range.start, "empty AlgorithmIdentifier"))?
            .oid(der, what)?;
        let name = if oid == oids::ZLIB_COMPRESS {
            "zlib".to_string()
        } else {
            oid.to_string()
        };
        layer.details.push(("compression".into(), name));
    }
    if let Some(oid) = parts
        .get(2)
        .and_then(|encap| encap.children(der, what).ok())
        .and_then(|fields| fields.first().and_then(|o| o.oid(der, what).ok()))
    {
        layer
            .details
            .push(("eContentType".into(), oids::content_type_name(&oid)));
    }
    match compressed_data::decompress_to_vec(der, MAX_INSPECT_DECOMPRESSED) {
        Ok((info, bytes)) => {
            layer.details.push((
                "eContent".into(),
                format!(
                    "{} bytes compressed, {} bytes decompressed",
                    info.compressed_bytes, info.decompressed_bytes
                ),
            ));
            Ok((info.econtent_type == oids::DATA).then_some(bytes))
        }
        Err(e) => {
            layer
                .details
                .push(("eContent".into(), format!("not decompressed: {e}")));
            Ok(None)
        }
    }
}

fn summarise_enveloped(der: &[u8], content: &Element, layer: &mut Layer) -> Result<()> {
    let what = "EnvelopedData";
    let parts = content.children(der, what)?;
    let mut it = parts.iter();
    let version = it
        .next()
        .ok_or_else(|| Error::asn1(what, content.range.start, "empty"))?;
    layer.details.push((
        "version".into(),
        version.small_integer(der, what)?.to_string(),
    ));
    let mut next = it.next();
    if next.is_some_and(|e| e.tag == Tag::context(0, true)) {
        layer
            .details
            .push(("originatorInfo".into(), "present".into()));
        next = it.next();
    }
    if let Some(set) = next {
        for ri in recipient_info::parse_recipient_infos(der, set)? {
            layer.recipients.push(RecipientSummary {
                kind: ri.kind().into(),
                key_encryption_algorithm: ri.key_encryption_algorithm(),
                recipient: ri.describe(),
            });
        }
    }
    if let Some(eci) = it.next() {
        let fields = eci.children(der, what)?;
        if let Some(alg) = fields.get(1).and_then(|a| a.children(der, what).ok()) {
            if let Some(oid) = alg.first().and_then(|o| o.oid(der, what).ok()) {
                layer
                    .details
                    .push(("content encryption".into(), oids::cipher_name(&oid)));
            }
        }
    }
    Ok(())
}

fn summarise_certificate(cert: &Certificate) -> CertificateSummary {
    CertificateSummary {
        certificate: smime_pkix::mail_validation::CertificateSummary::new(cert),
        emails: crypto::certificate_email_addresses(cert),
        public_key: crypto::public_key_description(&cert.tbs_certificate.subject_public_key_info),
    }
}

fn summarise_signer(si: &signed_data::SignerInfo) -> SignerSummary {
    let sid = match &si.sid {
        SignerIdentifier::IssuerAndSerial { issuer, serial } => {
            format!(
                "issuer {} serial {}",
                crypto::describe_name(issuer),
                hex(serial)
            )
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            format!("subject key identifier {}", hex(ski))
        }
    };
    let signed_attributes = si
        .signed_attributes
        .iter()
        .flat_map(|a| a.attributes.iter())
        .map(|a| (oids::attribute_name(&a.oid), describe_attribute(a)))
        .collect();
    SignerSummary {
        sid,
        digest_algorithm: crypto::DigestAlgorithm::from_oid(
            si.digest_algorithm.oid,
            &crate::CryptoPolicy::strict().allow_legacy(),
        )
        .map(|d| d.name().to_string())
        .unwrap_or_else(|_| si.digest_algorithm.oid.to_string()),
        signature_algorithm: si.signature_algorithm.oid.to_string(),
        signed_attributes,
        unsigned_attributes: si
            .unsigned_attributes
            .iter()
            .map(|a| oids::attribute_name(&a.oid))
            .collect(),
    }
}

fn describe_attribute(attr: &signed_data::Attribute) -> String {
    let Some(value) = attr.values.first() else {
        return String::new();
    };
    match attr.oid {
        oids::ATTR_CONTENT_TYPE => attributes::read_oid(value)
            .map(|o| oids::content_type_name(&o))
            .unwrap_or_else(|e| e),
        oids::ATTR_MESSAGE_DIGEST => attributes::read_octet_string(value)
            .map(|d| hex(&d))
            .unwrap_or_else(|e| e),
        oids::ATTR_SIGNING_TIME => attributes::read_signing_time(value)
            .ok()
            .and_then(|t| der::DateTime::from_system_time(t).ok())
            .map(|d| d.to_string())
            .unwrap_or_else(|| "malformed".into()),
        oids::ATTR_SMIME_CAPABILITIES => attributes::read_capabilities(value)
            .map(|c| {
                c.iter()
                    .map(oids::cipher_name)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_else(|e| e),
        _ => format!("{} bytes", value.len()),
    }
}

fn hex(bytes: &[u8]) -> String {
    crate::cms::signed_verify::hex(bytes)
}

impl InspectReport {
    /// The report as indented text.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for (k, v) in &self.headers {
            let _ = writeln!(s, "{k}: {v}");
        }
        for layer in &self.layers {
            let pad = "  ".repeat(layer.depth);
            let _ = writeln!(s, "{pad}[{}] {}", layer.kind, layer.content_type);
            for (k, v) in &layer.details {
                let _ = writeln!(s, "{pad}  {k}: {v}");
            }
            for (i, c) in layer.certificates.iter().enumerate() {
                let (public_key, emails) = (&c.public_key, &c.emails);
                let c = &c.certificate;
                let _ = writeln!(
                    s,
                    "{pad}  certificate {}: {} (issuer {}, serial {}, {} to {}, {}{})",
                    i + 1,
                    c.subject,
                    c.issuer,
                    c.serial,
                    c.not_before,
                    c.not_after,
                    public_key,
                    if emails.is_empty() {
                        String::new()
                    } else {
                        format!(", {}", emails.join(" "))
                    }
                );
            }
            for (i, si) in layer.signers.iter().enumerate() {
                let _ = writeln!(s, "{pad}  signer {}: {}", i + 1, si.sid);
                let _ = writeln!(
                    s,
                    "{pad}    digest {} signature {}",
                    si.digest_algorithm, si.signature_algorithm
                );
                for (k, v) in &si.signed_attributes {
                    let _ = writeln!(s, "{pad}    {k}: {v}");
                }
            }
            for (i, r) in layer.recipients.iter().enumerate() {
                let _ = writeln!(
                    s,
                    "{pad}  recipient {}: {}; {}",
                    i + 1,
                    r.recipient,
                    r.key_encryption_algorithm
                );
            }
        }
        s
    }
}

/// DER of a certificate, for callers that need to hash or compare it.
pub fn certificate_der(cert: &Certificate) -> Result<Vec<u8>> {
    cert.to_der().map_err(|e| Error::Unexpected(e.to_string()))
}

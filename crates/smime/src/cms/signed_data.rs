//! Reading SignedData (RFC 5652 5), in BER or DER, in memory or streamed.
//!
//! The parts are read with [`crate::ber`] so that the signed attributes keep their exact
//! received bytes (RFC 5652 5.4: the signature covers the DER encoding of the SET OF
//! attributes, which a conforming signer sent as it is).

use const_oid::ObjectIdentifier;
use der::Decode;
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

use super::identifier::CertificateIdentifier;
use super::oids;
use crate::ber::{Class, Element, StreamReader, Tag};
use crate::{Error, Result};

/// Largest certificate set or SignerInfo set read into memory when streaming.
pub const MAX_TAIL_BYTES: usize = 16 * 1024 * 1024;

/// How a SignerInfo names its signer's certificate (RFC 5652 5.3, `sid`).
pub type SignerIdentifier = CertificateIdentifier;

/// One attribute: its type and the DER of each value (RFC 5652 5.3, `Attribute`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// attrType.
    pub oid: ObjectIdentifier,
    /// attrValues, each a whole DER element.
    pub values: Vec<Vec<u8>>,
}

/// The signed attributes of a SignerInfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedAttributes {
    /// The attributes in received order.
    pub attributes: Vec<Attribute>,
    /// The bytes the signature covers: the received encoding with the `[0]` tag replaced by
    /// the SET OF tag (RFC 5652 5.4).
    pub signed_bytes: Vec<u8>,
}

impl SignedAttributes {
    /// All attributes of type `oid`.
    pub fn all(&self, oid: &ObjectIdentifier) -> Vec<&Attribute> {
        self.attributes.iter().filter(|a| &a.oid == oid).collect()
    }
}

/// A parsed SignerInfo (RFC 5652 5.3).
#[derive(Debug, Clone)]
pub struct SignerInfo {
    /// Position of this SignerInfo in the set (0-based), for reports.
    pub index: usize,
    /// version (1 with issuerAndSerialNumber, 3 with subjectKeyIdentifier).
    pub version: i64,
    /// sid.
    pub sid: SignerIdentifier,
    /// digestAlgorithm.
    pub digest_algorithm: AlgorithmIdentifierOwned,
    /// signedAttrs.
    pub signed_attributes: Option<SignedAttributes>,
    /// signatureAlgorithm.
    pub signature_algorithm: AlgorithmIdentifierOwned,
    /// signature.
    pub signature: Vec<u8>,
    /// unsignedAttrs.
    pub unsigned_attributes: Vec<Attribute>,
}

/// A parsed SignedData; `econtent` is `None` for detached signatures (or when streamed).
#[derive(Debug, Clone)]
pub struct SignedData {
    /// version.
    pub version: i64,
    /// digestAlgorithms.
    pub digest_algorithms: Vec<AlgorithmIdentifierOwned>,
    /// eContentType.
    pub econtent_type: ObjectIdentifier,
    /// eContent, with OCTET STRING chunks joined.
    pub econtent: Option<Vec<u8>>,
    /// Whether eContent was present (also true when it was streamed rather than kept).
    pub has_econtent: bool,
    /// The certificates field (only X.509 certificates; other choices are skipped).
    pub certificates: Vec<Certificate>,
    /// signerInfos.
    pub signer_infos: Vec<SignerInfo>,
}

/// Read a ContentInfo (RFC 5652 3) and return its content type and the element of its `[0]` content.
pub fn read_content_info(buf: &[u8]) -> Result<(ObjectIdentifier, Option<Element>)> {
    const WHAT: &str = "CMS ContentInfo";
    let outer = Element::read(buf, 0, WHAT)?;
    outer.expect(Tag::SEQUENCE, WHAT)?;
    let parts = outer.children(buf, WHAT)?;
    let oid_element = parts
        .first()
        .ok_or_else(|| Error::asn1(WHAT, outer.content.start, "empty ContentInfo"))?;
    let content_type = oid_element.oid(buf, WHAT)?;
    let content = match parts.get(1) {
        Some(explicit) => {
            explicit.expect(Tag::context(0, true), WHAT)?;
            let inner = explicit.children(buf, WHAT)?;
            Some(
                inner
                    .into_iter()
                    .next()
                    .ok_or_else(|| Error::asn1(WHAT, explicit.range.start, "empty [0] content"))?,
            )
        }
        None => None,
    };
    Ok((content_type, content))
}

/// Receives the parts of a streamed SignedData that are not kept in memory.
pub trait EContentSink {
    /// The digestAlgorithms field, before any content.
    fn digest_algorithms(&mut self, algorithms: &[AlgorithmIdentifierOwned]) -> Result<()>;
    /// A piece of the eContent octets.
    fn content(&mut self, chunk: &[u8]) -> Result<()>;
}

/// Parse a whole ContentInfo that must hold SignedData.
pub fn parse_signed_data_content_info(buf: &[u8]) -> Result<SignedData> {
    let (content_type, content) = read_content_info(buf)?;
    if content_type != oids::SIGNED_DATA {
        return Err(Error::Unexpected(format!(
            "the CMS content is {}, not signedData",
            oids::content_type_name(&content_type)
        )));
    }
    let content =
        content.ok_or_else(|| Error::asn1("CMS ContentInfo", 0, "signedData without content"))?;
    parse_signed_data(buf, &content)
}

/// Parse the SignedData SEQUENCE `element` of `buf`.
pub fn parse_signed_data(buf: &[u8], element: &Element) -> Result<SignedData> {
    const WHAT: &str = "SignedData";
    element.expect(Tag::SEQUENCE, WHAT)?;
    let parts = element.children(buf, WHAT)?;
    let mut it = parts.iter().peekable();
    let missing =
        |field: &str| Error::asn1(WHAT, element.range.start, format!("{field} is missing"));
    let version = it
        .next()
        .ok_or_else(|| missing("version"))?
        .small_integer(buf, WHAT)?;
    let digest_algorithms =
        parse_algorithm_set(buf, it.next().ok_or_else(|| missing("digestAlgorithms"))?)?;
    let encap = it.next().ok_or_else(|| missing("encapContentInfo"))?;
    encap.expect(Tag::SEQUENCE, "EncapsulatedContentInfo")?;
    let encap_parts = encap.children(buf, "EncapsulatedContentInfo")?;
    let econtent_type = encap_parts
        .first()
        .ok_or_else(|| missing("eContentType"))?
        .oid(buf, "EncapsulatedContentInfo")?;
    let econtent = match encap_parts.get(1) {
        Some(explicit) => {
            explicit.expect(Tag::context(0, true), "EncapsulatedContentInfo")?;
            let inner = explicit.children(buf, "eContent")?;
            let octets = inner
                .first()
                .ok_or_else(|| Error::asn1("eContent", explicit.range.start, "empty"))?;
            Some(octets.octet_string(buf, "eContent")?)
        }
        None => None,
    };
    let mut certificates = Vec::new();
    if let Some(e) = it
        .peek()
        .filter(|e| e.tag.class == Class::Context && e.tag.number == 0)
    {
        certificates = parse_certificate_set(buf, e)?;
        it.next();
    }
    if it
        .peek()
        .is_some_and(|e| e.tag.class == Class::Context && e.tag.number == 1)
    {
        it.next(); // crls: not used for verification here (the validator reads CRLs itself)
    }
    let signer_set = it.next().ok_or_else(|| missing("signerInfos"))?;
    let signer_infos = parse_signer_infos(buf, signer_set)?;
    if let Some(extra) = it.next() {
        return Err(Error::asn1(
            WHAT,
            extra.range.start,
            "unexpected field after signerInfos",
        ));
    }
    let has_econtent = econtent.is_some();
    Ok(SignedData {
        version,
        digest_algorithms,
        econtent_type,
        econtent,
        has_econtent,
        certificates,
        signer_infos,
    })
}

/// Parse a SignedData from a stream, passing the eContent octets to `content_sink` as they
/// arrive, so that a message of any size is read in bounded memory. The certificates and
/// SignerInfos that follow the content are read into memory (at most [`MAX_TAIL_BYTES`]).
/// The sink is told the digestAlgorithms before any content arrives, so that it hashes
/// with just those.
pub fn stream_signed_data<R: std::io::Read>(
    reader: R,
    sink: &mut dyn EContentSink,
) -> Result<SignedData> {
    let mut stream = StreamReader::new(reader, "CMS ContentInfo");
    let outer = stream.expect_header(Tag::SEQUENCE)?;
    let oid_header = stream.expect_header(Tag::OID)?;
    let oid_bytes = stream.read_content(oid_header.length.unwrap_or(0), 64)?;
    let content_type = ObjectIdentifier::from_bytes(&oid_bytes)
        .map_err(|e| Error::asn1("CMS ContentInfo", 2, format!("bad OBJECT IDENTIFIER: {e}")))?;
    if content_type != oids::SIGNED_DATA {
        return Err(Error::Unexpected(format!(
            "the CMS content is {}, not signedData",
            oids::content_type_name(&content_type)
        )));
    }
    let explicit = stream.expect_header(Tag::context(0, true))?;
    let signed = stream.expect_header(Tag::SEQUENCE)?;
    let version_header = stream.expect_header(Tag::INTEGER)?;
    let version_bytes = stream.read_element_after(version_header, 16)?;
    let version = Element::read_all(&version_bytes, "SignedData")?
        .small_integer(&version_bytes, "SignedData")?;
    let set_header = stream.expect_header(Tag::SET)?;
    let set_bytes = stream.read_element_after(set_header, 64 * 1024)?;
    let digest_algorithms = parse_algorithm_set(
        &set_bytes,
        &Element::read_all(&set_bytes, "digestAlgorithms")?,
    )?;
    sink.digest_algorithms(&digest_algorithms)?;
    let encap = stream.expect_header(Tag::SEQUENCE)?;
    let encap_end = encap
        .length
        .map(|len| stream.position().saturating_add(len));
    let ct_header = stream.expect_header(Tag::OID)?;
    let ct_bytes = stream.read_content(ct_header.length.unwrap_or(0), 64)?;
    let econtent_type = ObjectIdentifier::from_bytes(&ct_bytes).map_err(|e| {
        Error::asn1(
            "EncapsulatedContentInfo",
            stream.position(),
            format!("bad OBJECT IDENTIFIER: {e}"),
        )
    })?;
    let mut has_econtent = false;
    // The rest of EncapsulatedContentInfo: either its end, or [0] { OCTET STRING }.
    // The rest of EncapsulatedContentInfo: nothing (its end), or [0] EXPLICIT { OCTET STRING }.
    let first = match encap_end {
        Some(end) if stream.position() >= end => None,
        _ => stream.next_header()?,
    };
    if let Some(h) = first {
        if h.tag != Tag::context(0, true) {
            return Err(Error::asn1(
                "EncapsulatedContentInfo",
                stream.position(),
                "expected [0] eContent",
            ));
        }
        has_econtent = true;
        let octets = stream
            .next_header()?
            .ok_or_else(|| Error::asn1("eContent", stream.position(), "empty eContent"))?;
        stream.copy_octet_string(octets, &mut |chunk| sink.content(chunk))?;
        if h.length.is_none() {
            expect_end_of_contents(&mut stream, "eContent")?;
        }
        if encap.length.is_none() {
            expect_end_of_contents(&mut stream, "EncapsulatedContentInfo")?;
        }
    }
    let mut next = stream.next_header()?;
    let mut certificates = Vec::new();
    let mut signer_infos = None;
    while let Some(header) = next {
        let bytes = stream.read_element_after(header, MAX_TAIL_BYTES)?;
        let element = Element::read_all(&bytes, "SignedData")?;
        match (header.tag.class, header.tag.number) {
            (Class::Context, 0) => certificates = parse_certificate_set(&bytes, &element)?,
            (Class::Context, 1) => {}
            (Class::Universal, 17) => {
                signer_infos = Some(parse_signer_infos(&bytes, &element)?);
                break;
            }
            _ => {
                return Err(Error::asn1(
                    "SignedData",
                    stream.position(),
                    "unexpected field",
                ))
            }
        }
        next = stream.next_header()?;
    }
    let signer_infos = signer_infos
        .ok_or_else(|| Error::asn1("SignedData", stream.position(), "signerInfos is missing"))?;
    for (header, what) in [
        (signed, "SignedData"),
        (explicit, "ContentInfo [0]"),
        (outer, "ContentInfo"),
    ] {
        if header.length.is_none() {
            expect_end_of_contents(&mut stream, what)?;
        }
    }
    Ok(SignedData {
        version,
        digest_algorithms,
        econtent_type,
        econtent: None,
        has_econtent,
        certificates,
        signer_infos,
    })
}

fn expect_end_of_contents<R: std::io::Read>(
    stream: &mut StreamReader<R>,
    what: &str,
) -> Result<()> {
    match stream.next_header()? {
        None => Ok(()),
        Some(_) => Err(Error::asn1(
            what,
            stream.position(),
            "expected end-of-contents octets",
        )),
    }
}

fn parse_algorithm(buf: &[u8], element: &Element, what: &str) -> Result<AlgorithmIdentifierOwned> {
    let der = element.to_der(buf, what)?;
    AlgorithmIdentifierOwned::from_der(&der).map_err(|e| {
        Error::asn1(
            what,
            element.range.start,
            format!("bad AlgorithmIdentifier: {e}"),
        )
    })
}

fn parse_algorithm_set(buf: &[u8], element: &Element) -> Result<Vec<AlgorithmIdentifierOwned>> {
    element.expect(Tag::SET, "digestAlgorithms")?;
    element
        .children(buf, "digestAlgorithms")?
        .iter()
        .map(|e| parse_algorithm(buf, e, "digestAlgorithms"))
        .collect()
}

/// Parse a `[0] IMPLICIT CertificateSet`; only plain X.509 certificates are kept.
pub fn parse_certificate_set(buf: &[u8], element: &Element) -> Result<Vec<Certificate>> {
    let mut certs = Vec::new();
    for (i, child) in element.children(buf, "certificates")?.iter().enumerate() {
        if child.tag != Tag::SEQUENCE {
            continue; // attribute certificates and other formats (RFC 5652 10.2.2)
        }
        let what = format!("certificate {} in the message", i + 1);
        let der = child.to_der(buf, &what)?;
        let cert = Certificate::from_der(&der)
            .map_err(|e| Error::asn1(what.clone(), child.range.start, e.to_string()))?;
        certs.push(cert);
    }
    Ok(certs)
}

/// Parse the SET OF SignerInfo.
pub fn parse_signer_infos(buf: &[u8], element: &Element) -> Result<Vec<SignerInfo>> {
    element.expect(Tag::SET, "signerInfos")?;
    element
        .children(buf, "signerInfos")?
        .iter()
        .enumerate()
        .map(|(i, e)| parse_signer_info(buf, e, i))
        .collect()
}

/// Parse one SignerInfo (RFC 5652 5.3), the `index`-th of its set (also the value of a
/// countersignature attribute, RFC 5652 11.4).
pub fn parse_signer_info(buf: &[u8], element: &Element, index: usize) -> Result<SignerInfo> {
    let what = format!("SignerInfo {}", index + 1);
    let what = what.as_str();
    element.expect(Tag::SEQUENCE, what)?;
    let parts = element.children(buf, what)?;
    let mut it = parts.iter().peekable();
    let missing =
        |field: &str| Error::asn1(what, element.range.start, format!("{field} is missing"));
    let version = it
        .next()
        .ok_or_else(|| missing("version"))?
        .small_integer(buf, what)?;
    let sid_element = it.next().ok_or_else(|| missing("sid"))?;
    let sid = CertificateIdentifier::parse(buf, sid_element, what)?;
    let digest_algorithm = parse_algorithm(
        buf,
        it.next().ok_or_else(|| missing("digestAlgorithm"))?,
        what,
    )?;
    let mut signed_attributes = None;
    if let Some(e) = it.peek().filter(|e| e.tag == Tag::context(0, true)) {
        let attributes = parse_attributes(buf, e, what)?;
        let der = e.to_der(buf, what)?;
        let mut signed_bytes = der;
        signed_bytes[0] = 0x31; // RFC 5652 5.4: the SET OF tag, not the [0] IMPLICIT tag
        signed_attributes = Some(SignedAttributes {
            attributes,
            signed_bytes,
        });
        it.next();
    }
    let signature_algorithm = parse_algorithm(
        buf,
        it.next().ok_or_else(|| missing("signatureAlgorithm"))?,
        what,
    )?;
    let signature = it
        .next()
        .ok_or_else(|| missing("signature"))?
        .octet_string(buf, what)?;
    let mut unsigned_attributes = Vec::new();
    if let Some(e) = it.next() {
        if e.tag != Tag::context(1, true) {
            return Err(Error::asn1(
                what,
                e.range.start,
                "unexpected field after signature",
            ));
        }
        unsigned_attributes = parse_attributes(buf, e, what)?;
    }
    if let Some(extra) = it.next() {
        return Err(Error::asn1(
            what,
            extra.range.start,
            "unexpected field after unsignedAttrs",
        ));
    }
    Ok(SignerInfo {
        index,
        version,
        sid,
        digest_algorithm,
        signed_attributes,
        signature_algorithm,
        signature,
        unsigned_attributes,
    })
}

fn parse_attributes(buf: &[u8], element: &Element, what: &str) -> Result<Vec<Attribute>> {
    let mut out = Vec::new();
    for attr in element.children(buf, what)? {
        attr.expect(Tag::SEQUENCE, what)?;
        let parts = attr.children(buf, what)?;
        let (Some(oid), Some(values)) = (parts.first(), parts.get(1)) else {
            return Err(Error::asn1(
                what,
                attr.range.start,
                "attribute without values",
            ));
        };
        if parts.len() > 2 {
            return Err(Error::asn1(
                what,
                attr.range.start,
                "attribute has extra fields",
            ));
        }
        let oid = oid.oid(buf, what)?;
        values.expect(Tag::SET, what)?;
        let values = values
            .children(buf, what)?
            .iter()
            .map(|v| v.to_der(buf, what))
            .collect::<Result<Vec<_>>>()?;
        out.push(Attribute { oid, values });
    }
    Ok(out)
}

//! How CMS names a certificate: `IssuerAndSerialNumber` (RFC 5652 10.2.4) or a subject key
//! identifier. The same CHOICE is a SignerInfo's `sid` (RFC 5652 5.3) and a
//! KeyTransRecipientInfo's `rid` (RFC 5652 6.2.1); KeyAgreeRecipientInfo and the originator
//! of key agreement use the same two alternatives under other tags (RFC 5652 6.2.2).

use der::{Decode, Encode};
use x509_cert::name::Name;
use x509_cert::Certificate;

use crate::ber::{encode_tlv, Class, Element, Tag};
use crate::crypto::{describe_name, subject_key_identifier};
use crate::{Error, Result};

/// A reference to a certificate (`SignerIdentifier`, `RecipientIdentifier`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateIdentifier {
    /// issuerAndSerialNumber.
    IssuerAndSerial {
        /// The issuer's distinguished name.
        issuer: Name,
        /// The serial number's content octets.
        serial: Vec<u8>,
    },
    /// subjectKeyIdentifier: the value of the certificate's extension (RFC 5280 4.2.1.2).
    SubjectKeyIdentifier(Vec<u8>),
}

impl CertificateIdentifier {
    /// The identifier naming `cert` by issuer and serial number.
    pub fn issuer_and_serial(cert: &Certificate) -> Self {
        CertificateIdentifier::IssuerAndSerial {
            issuer: cert.tbs_certificate.issuer.clone(),
            serial: cert.tbs_certificate.serial_number.as_bytes().to_vec(),
        }
    }

    /// Whether `cert` is the certificate this identifier names.
    pub fn matches(&self, cert: &Certificate) -> bool {
        match self {
            CertificateIdentifier::IssuerAndSerial { issuer, serial } => {
                &cert.tbs_certificate.issuer == issuer
                    && cert.tbs_certificate.serial_number.as_bytes() == serial.as_slice()
            }
            CertificateIdentifier::SubjectKeyIdentifier(ski) => {
                subject_key_identifier(cert).is_some_and(|c| &c == ski)
            }
        }
    }

    /// Read the CHOICE `{ issuerAndSerialNumber, [0] IMPLICIT SubjectKeyIdentifier }`
    /// (SignerIdentifier, RecipientIdentifier). `what` names the structure in errors.
    pub fn parse(buf: &[u8], element: &Element, what: &str) -> Result<Self> {
        if element.tag == Tag::SEQUENCE {
            Self::parse_issuer_and_serial(buf, element, what)
        } else if element.tag.class == Class::Context && element.tag.number == 0 {
            Ok(CertificateIdentifier::SubjectKeyIdentifier(
                element.implicit_octet_string(buf, what)?,
            ))
        } else {
            Err(Error::asn1(
                what,
                element.range.start,
                format!(
                    "expected issuerAndSerialNumber or [0] subjectKeyIdentifier, found {}",
                    element.tag.describe()
                ),
            ))
        }
    }

    /// Read an `IssuerAndSerialNumber` SEQUENCE (RFC 5652 10.2.4), whatever its tag (it is
    /// also used implicitly tagged).
    pub fn parse_issuer_and_serial(buf: &[u8], element: &Element, what: &str) -> Result<Self> {
        if !element.tag.constructed {
            return Err(Error::asn1(
                what,
                element.range.start,
                "issuerAndSerialNumber is not a SEQUENCE",
            ));
        }
        let fields = element.children(buf, what)?;
        let [issuer, serial] = fields.as_slice() else {
            return Err(Error::asn1(
                what,
                element.range.start,
                "issuerAndSerialNumber must hold an issuer name and a serial number",
            ));
        };
        serial.expect(Tag::INTEGER, what)?;
        let issuer = Name::from_der(&issuer.to_der(buf, what)?)
            .map_err(|e| Error::asn1(what, issuer.range.start, format!("bad issuer name: {e}")))?;
        Ok(CertificateIdentifier::IssuerAndSerial {
            issuer,
            serial: serial.content(buf).to_vec(),
        })
    }

    /// DER of the CHOICE as SignerIdentifier and RecipientIdentifier write it: the
    /// `IssuerAndSerialNumber` SEQUENCE or `[0] IMPLICIT` the key identifier.
    pub fn to_der(&self) -> Result<Vec<u8>> {
        match self {
            CertificateIdentifier::IssuerAndSerial { issuer, serial } => {
                let mut content = issuer
                    .to_der()
                    .map_err(|e| Error::asn1("issuer name", 0, format!("cannot encode: {e}")))?;
                content.extend(encode_tlv(Tag::INTEGER, serial));
                Ok(encode_tlv(Tag::SEQUENCE, &content))
            }
            CertificateIdentifier::SubjectKeyIdentifier(ski) => {
                Ok(encode_tlv(Tag::context(0, false), ski))
            }
        }
    }

    /// A description for reports and errors: issuer and serial (hex), or the key identifier.
    pub fn describe(&self) -> String {
        match self {
            CertificateIdentifier::IssuerAndSerial { issuer, serial } => {
                format!("issuer {}, serial {}", describe_name(issuer), hex(serial))
            }
            CertificateIdentifier::SubjectKeyIdentifier(ski) => {
                format!("subject key identifier {}", hex(ski))
            }
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifier_round_trips_through_der() {
        use std::str::FromStr;
        for id in [
            CertificateIdentifier::IssuerAndSerial {
                issuer: Name::from_str("CN=Test CA,O=Example").unwrap(),
                serial: vec![0x01, 0x02],
            },
            CertificateIdentifier::SubjectKeyIdentifier(vec![1, 2, 3]),
        ] {
            let der = id.to_der().unwrap();
            let element = Element::read_all(&der, "test").unwrap();
            assert_eq!(
                CertificateIdentifier::parse(&der, &element, "test").unwrap(),
                id
            );
        }
    }

    #[test]
    fn identifier_with_other_tag_is_an_error() {
        let der = encode_tlv(Tag::context(1, false), &[1]);
        let element = Element::read_all(&der, "test").unwrap();
        let err = CertificateIdentifier::parse(&der, &element, "rid").unwrap_err();
        assert!(err.to_string().contains("rid"), "{err}");
    }
}

//! The parts of a TBSCertificate (RFC 5280 4.1.2): random serial numbers, validity times,
//! distinguished names, and the assembly of a version 3 certificate body.

use der::asn1::{
    Ia5StringRef, ObjectIdentifier as Oid, PrintableStringRef, SetOfVec, Utf8StringRef,
};
use der::{Any, DateTime};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::certificate::{TbsCertificate, Version};
use x509_cert::ext::Extension;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use crate::signing::signature_algorithm;
use crate::{Error, Result};

/// Octets of the serial numbers we make: 128 random bits, above the 64 the CA/B S/MIME BR
/// 7.1 asks for and within RFC 5280 4.1.2.2's 20 octets.
pub const SERIAL_OCTETS: usize = 16;

/// A random positive serial number (RFC 5280 4.1.2.2, CA/B S/MIME BR 7.1): [`SERIAL_OCTETS`]
/// bytes from the system generator; the top bit cleared keeps it positive without a
/// leading zero, and a non-zero first byte keeps its length (127 random bits at least).
pub fn random_serial() -> Result<SerialNumber> {
    let mut bytes = [0u8; SERIAL_OCTETS];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| Error::Crypto {
        what: "serial number".into(),
        reason: "the random generator failed".into(),
    })?;
    bytes[0] = (bytes[0] & 0x7f) | 0x01;
    SerialNumber::new(&bytes).map_err(|e| Error::Crypto {
        what: "serial number".into(),
        reason: e.to_string(),
    })
}

/// A certificate time (RFC 5280 4.1.2.5): UTCTime through 2049, GeneralizedTime from 2050.
pub fn time(unix_seconds: i64) -> Result<Time> {
    let bad = |reason: String| Error::Input {
        what: format!("time {unix_seconds}"),
        reason,
    };
    let seconds = u64::try_from(unix_seconds).map_err(|_| bad("before 1970".into()))?;
    let date = DateTime::from_unix_duration(std::time::Duration::from_secs(seconds))
        .map_err(|e| bad(e.to_string()))?;
    if date.year() < 2050 {
        der::asn1::UtcTime::from_date_time(date)
            .map(Time::UtcTime)
            .map_err(|e| bad(e.to_string()))
    } else {
        Ok(Time::GeneralTime(
            der::asn1::GeneralizedTime::from_date_time(date),
        ))
    }
}

/// A validity of `days` days from `not_before` (unix seconds): notAfter is the last second
/// of the period, since RFC 5280 4.1.2.5 counts both ends (so 825 days is 825 * 86400
/// seconds, as CA/B S/MIME BR 6.3.2 measures it).
pub fn validity(not_before: i64, days: u32) -> Result<Validity> {
    let not_after = not_before
        .checked_add(i64::from(days) * 86_400 - 1)
        .ok_or_else(|| Error::Input {
            what: format!("validity of {days} days"),
            reason: "out of range".into(),
        })?;
    Ok(Validity {
        not_before: time(not_before)?,
        not_after: time(not_after)?,
    })
}

/// How a name attribute's value is encoded.
#[derive(Debug, Clone, Copy)]
pub enum AttributeText {
    /// DirectoryString as UTF8String (RFC 5280 4.1.2.4: MUST for new certificates).
    Utf8,
    /// PrintableString (countryName, serialNumber: X.520 requires it).
    Printable,
    /// IA5String (emailAddress, PKCS#9).
    Ia5,
}

/// A distinguished name, built one attribute per RDN in the order added (CA/B S/MIME BR
/// 7.1.4.2: each RDN holds one attribute).
#[derive(Debug, Default, Clone)]
pub struct NameBuilder {
    rdns: Vec<RelativeDistinguishedName>,
}

impl NameBuilder {
    /// An empty name.
    pub fn new() -> NameBuilder {
        NameBuilder::default()
    }

    /// Add the attribute `oid` with `value`.
    pub fn add(mut self, oid: Oid, value: &str, text: AttributeText) -> Result<NameBuilder> {
        let bad = |e: der::Error| Error::Input {
            what: format!("name attribute {oid} {value:?}"),
            reason: e.to_string(),
        };
        let any = match text {
            AttributeText::Utf8 => Any::encode_from(&Utf8StringRef::new(value).map_err(bad)?),
            AttributeText::Printable => {
                Any::encode_from(&PrintableStringRef::new(value).map_err(bad)?)
            }
            AttributeText::Ia5 => Any::encode_from(&Ia5StringRef::new(value).map_err(bad)?),
        }
        .map_err(bad)?;
        let mut set = SetOfVec::new();
        set.insert(AttributeTypeAndValue { oid, value: any })
            .map_err(bad)?;
        self.rdns.push(RelativeDistinguishedName(set));
        Ok(self)
    }

    /// Add `oid` with `value` when there is a value.
    pub fn add_optional(
        self,
        oid: Oid,
        value: Option<&str>,
        text: AttributeText,
    ) -> Result<NameBuilder> {
        match value {
            Some(v) => self.add(oid, v, text),
            None => Ok(self),
        }
    }

    /// The name.
    pub fn build(self) -> Name {
        RdnSequence(self.rdns)
    }
}

/// A version 3 TBSCertificate (RFC 5280 4.1.2) whose signature algorithm is the one
/// `issuer_key` signs with.
pub fn tbs_certificate(
    issuer_key: &smime::crypto::PrivateKey,
    serial: SerialNumber,
    issuer: Name,
    validity: Validity,
    subject: Name,
    subject_public_key: SubjectPublicKeyInfoOwned,
    extensions: Vec<Extension>,
) -> Result<TbsCertificate> {
    Ok(TbsCertificate {
        version: Version::V3,
        serial_number: serial,
        signature: signature_algorithm(issuer_key)?.1,
        issuer,
        validity,
        subject,
        subject_public_key_info: subject_public_key,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_serial_is_positive_sixteen_octets_and_varies() {
        let (a, b) = (random_serial().unwrap(), random_serial().unwrap());
        assert_ne!(a, b);
        for s in [a, b] {
            assert_eq!(s.as_bytes().len(), SERIAL_OCTETS);
            assert!(s.as_bytes()[0] < 0x80 && s.as_bytes()[0] != 0);
        }
    }

    #[test]
    fn time_before_2050_is_utc_time_after_is_generalized() {
        assert!(matches!(time(1_700_000_000).unwrap(), Time::UtcTime(_)));
        assert!(matches!(time(2_600_000_000).unwrap(), Time::GeneralTime(_)));
        assert!(time(-1).is_err());
    }

    #[test]
    fn validity_days_counts_both_ends() {
        let v = validity(1_700_000_000, 1).unwrap();
        let span = v.not_after.to_unix_duration() - v.not_before.to_unix_duration();
        assert_eq!(span.as_secs(), 86_399);
    }
}

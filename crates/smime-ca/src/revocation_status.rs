//! The revocation state of one CA's certificates, as the CRL issuer (RFC 5280 5) and the
//! OCSP responder (RFC 6960) read it: which serials were issued, which are revoked, when and
//! why. [`RevocationSource`] is what the store implements; [`RevocationList`] keeps it in
//! memory.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::RwLock;
use std::time::SystemTime;

use x509_cert::ext::pkix::CrlReason;
use x509_cert::serial_number::SerialNumber;

use crate::{Error, Result};

/// A certificate serial number (RFC 5280 4.1.2.2) as its unsigned big-endian magnitude
/// without leading zero octets, the form the store keeps as lower-case hex. DER INTEGERs of
/// positive serials carry a leading 00 when the high bit is set; two serials that differ
/// only by it are the same serial.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Serial(Vec<u8>);

impl Serial {
    /// The serial of these big-endian octets (leading zeros dropped).
    pub fn from_bytes(bytes: &[u8]) -> Serial {
        let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
        Serial(bytes[start..].to_vec())
    }

    /// The serial of a certificate or CertID.
    pub fn from_serial_number(serial: &SerialNumber) -> Serial {
        Serial::from_bytes(serial.as_bytes())
    }

    /// Reads hex (upper or lower case, an optional `0x`, `:` separators as `openssl x509
    /// -serial` and browsers print them).
    pub fn from_hex(text: &str) -> Result<Serial> {
        let refused = |reason: &str| Error::Input {
            what: format!("serial number {text:?}"),
            reason: reason.into(),
        };
        let trimmed = text.trim();
        let digits: Vec<u8> = trimmed
            .strip_prefix("0x")
            .or_else(|| trimmed.strip_prefix("0X"))
            .unwrap_or(trimmed)
            .bytes()
            .filter(|b| *b != b':')
            .collect();
        if digits.is_empty() {
            return Err(refused("empty"));
        }
        if digits.len() > 42 {
            return Err(refused("longer than 20 octets (RFC 5280 4.1.2.2)"));
        }
        let value = |d: u8| (d as char).to_digit(16).map(|v| v as u8);
        let mut bytes = Vec::with_capacity(digits.len() / 2 + 1);
        // An odd number of digits: the first stands alone.
        let (head, rest) = digits.split_at(digits.len() % 2);
        for d in head {
            bytes.push(value(*d).ok_or_else(|| refused("not a hex number"))?);
        }
        for pair in rest.chunks(2) {
            let (Some(hi), Some(lo)) = (
                pair.first().copied().and_then(value),
                pair.get(1).copied().and_then(value),
            ) else {
                return Err(refused("not a hex number"));
            };
            bytes.push(hi << 4 | lo);
        }
        Ok(Serial::from_bytes(&bytes))
    }

    /// Lower-case hex without leading zero octets (the store's `certificates.serial`).
    pub fn to_hex(&self) -> String {
        if self.0.is_empty() {
            return "00".into();
        }
        smime::cms::signed_verify::hex(&self.0)
    }

    /// The magnitude octets (empty for zero).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// As a DER serial number (a positive INTEGER, RFC 5280 4.1.2.2).
    pub fn to_serial_number(&self) -> Result<SerialNumber> {
        let bytes: &[u8] = if self.0.is_empty() { &[0] } else { &self.0 };
        SerialNumber::new(bytes).map_err(|e| Error::Input {
            what: format!("serial number {self}"),
            reason: e.to_string(),
        })
    }
}

impl fmt::Display for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Serial({self})")
    }
}

/// One revoked certificate: a CRL entry (RFC 5280 5.1.2.6) and an OCSP RevokedInfo (RFC
/// 6960 4.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedEntry {
    /// The certificate's serial number.
    pub serial: Serial,
    /// When it was revoked (the CRL's revocationDate, OCSP revocationTime).
    pub revoked_at: SystemTime,
    /// Why (RFC 5280 5.3.1); `Unspecified` is published without a reasonCode, as 5.3.1
    /// asks.
    pub reason: CrlReason,
}

/// Reads a reason code by its RFC 5280 5.3.1 name (`keyCompromise`; case, `-` and `_` are
/// ignored, so `key-compromise` works) for a new revocation. certificateHold and
/// removeFromCRL are refused: a revocation here is final (the CA/Browser Forum S/MIME
/// Baseline Requirements 4.9.1 forbid suspension), and aACompromise is for attribute
/// certificates.
pub fn parse_reason(name: &str) -> Result<CrlReason> {
    let key: String = name
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect();
    let reason = match key.as_str() {
        "unspecified" => CrlReason::Unspecified,
        "keycompromise" => CrlReason::KeyCompromise,
        "cacompromise" => CrlReason::CaCompromise,
        "affiliationchanged" => CrlReason::AffiliationChanged,
        "superseded" => CrlReason::Superseded,
        "cessationofoperation" => CrlReason::CessationOfOperation,
        "privilegewithdrawn" => CrlReason::PrivilegeWithdrawn,
        "certificatehold" | "removefromcrl" | "aacompromise" => {
            return Err(Error::Refused {
                what: format!("revocation reason {name:?}"),
                reason: "not used by this CA: revocation is final (no certificateHold or \
                         removeFromCRL) and aACompromise is for attribute certificates"
                    .into(),
            })
        }
        _ => {
            return Err(Error::Input {
                what: format!("revocation reason {name:?}"),
                reason: "unknown; one of unspecified, keyCompromise, cACompromise, \
                         affiliationChanged, superseded, cessationOfOperation, \
                         privilegeWithdrawn (RFC 5280 5.3.1)"
                    .into(),
            })
        }
    };
    Ok(reason)
}

/// The RFC 5280 5.3.1 name of a reason (the inverse of [`parse_reason`]).
pub fn reason_name(reason: CrlReason) -> &'static str {
    smime_pkix::revocation::reason_name(Some(reason))
}

/// What the CA knows about one serial (RFC 6960 2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SerialStatus {
    /// Issued by the CA and not revoked.
    Good,
    /// Revoked.
    Revoked(RevokedEntry),
    /// Never issued by the CA, as far as it knows: OCSP must not call it good (CA/Browser
    /// Forum S/MIME Baseline Requirements 4.10.2).
    Unknown,
}

/// Where the revocation state of one CA comes from: the store, or a [`RevocationList`].
pub trait RevocationSource: Send + Sync {
    /// Every certificate of the CA that is revoked and not yet expired past the CRL's
    /// scope, in any order (the CRL issuer sorts them).
    fn revoked(&self) -> Result<Vec<RevokedEntry>>;
    /// The status of one serial of the CA.
    fn status(&self, serial: &Serial) -> Result<SerialStatus>;
    /// The cRLNumber of the CA's next CRL (RFC 5280 5.2.3), given `floor`, the number the
    /// publisher would use on its own: a source that keeps the last number (the store)
    /// returns `max(last + 1, floor)` and records it, so numbers grow across restarts and
    /// nodes even when clocks disagree; a source in memory takes `floor`.
    fn next_crl_number(&self, floor: u64) -> Result<u64> {
        Ok(floor)
    }
}

/// The revocation state of one CA in memory. Without a list of issued serials every serial
/// that is not revoked is [`SerialStatus::Good`]; with one, serials outside it are
/// [`SerialStatus::Unknown`].
#[derive(Debug, Default)]
pub struct RevocationList {
    inner: RwLock<ListInner>,
}

#[derive(Debug, Default)]
struct ListInner {
    issued: Option<BTreeSet<Serial>>,
    revoked: BTreeMap<Serial, RevokedEntry>,
}

impl RevocationList {
    /// An empty list: nothing revoked, every serial good.
    pub fn new() -> RevocationList {
        RevocationList::default()
    }

    /// Records `serial` as issued; from the first call on, serials never recorded are
    /// unknown.
    pub fn add_issued(&self, serial: Serial) {
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        inner
            .issued
            .get_or_insert_with(BTreeSet::new)
            .insert(serial);
    }

    /// Records a revocation; returns false (and keeps the first date and reason) when the
    /// serial was already revoked, so revoking twice never moves the date.
    pub fn revoke(&self, entry: RevokedEntry) -> bool {
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        if inner.revoked.contains_key(&entry.serial) {
            return false;
        }
        inner.revoked.insert(entry.serial.clone(), entry);
        true
    }
}

impl RevocationSource for RevocationList {
    fn revoked(&self) -> Result<Vec<RevokedEntry>> {
        let inner = self.inner.read().unwrap_or_else(|p| p.into_inner());
        Ok(inner.revoked.values().cloned().collect())
    }

    fn status(&self, serial: &Serial) -> Result<SerialStatus> {
        let inner = self.inner.read().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = inner.revoked.get(serial) {
            return Ok(SerialStatus::Revoked(entry.clone()));
        }
        Ok(match &inner.issued {
            Some(issued) if !issued.contains(serial) => SerialStatus::Unknown,
            _ => SerialStatus::Good,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_from_hex_with_colons_and_leading_zero_equals_bytes() {
        let a = Serial::from_hex("00:8f:01").unwrap();
        assert_eq!(a, Serial::from_bytes(&[0x8f, 0x01]));
        assert_eq!(a.to_hex(), "8f01");
        assert_eq!(Serial::from_hex("0xF01").unwrap().as_bytes(), &[0x0f, 0x01]);
    }

    #[test]
    fn serial_from_hex_garbage_is_error() {
        assert!(Serial::from_hex("zz").is_err());
        assert!(Serial::from_hex("").is_err());
        assert!(Serial::from_hex(&"ab".repeat(22)).is_err());
    }

    #[test]
    fn parse_reason_spellings_and_refusals() {
        assert_eq!(
            parse_reason("key-compromise").unwrap(),
            CrlReason::KeyCompromise
        );
        assert_eq!(
            parse_reason("cACompromise").unwrap(),
            CrlReason::CaCompromise
        );
        assert!(matches!(
            parse_reason("certificateHold"),
            Err(Error::Refused { .. })
        ));
        assert!(matches!(parse_reason("stolen"), Err(Error::Input { .. })));
        for r in [CrlReason::Superseded, CrlReason::PrivilegeWithdrawn] {
            assert_eq!(parse_reason(reason_name(r)).unwrap(), r);
        }
    }

    #[test]
    fn revocation_list_status_good_revoked_unknown() {
        let list = RevocationList::new();
        let (a, b) = (Serial::from_bytes(&[1]), Serial::from_bytes(&[2]));
        assert_eq!(list.status(&a).unwrap(), SerialStatus::Good);
        list.add_issued(a.clone());
        assert_eq!(list.status(&b).unwrap(), SerialStatus::Unknown);
        let entry = RevokedEntry {
            serial: a.clone(),
            revoked_at: SystemTime::UNIX_EPOCH,
            reason: CrlReason::Superseded,
        };
        assert!(list.revoke(entry.clone()));
        assert!(!list.revoke(RevokedEntry {
            reason: CrlReason::KeyCompromise,
            ..entry.clone()
        }));
        assert_eq!(list.status(&a).unwrap(), SerialStatus::Revoked(entry));
    }
}

//! ESS signed receipts (RFC 2634 2): the ReceiptRequest signed attribute, the Receipt content
//! and the msgSigDigest attribute, as ASN.1 types with their encoders and checked decoders.
//!
//! The module `ExtendedSecurityServices` uses IMPLICIT TAGS (RFC 2634 5): `allOrFirstTier` is
//! `[0]` primitive, `receiptList` `[1]` constructed.

use const_oid::ObjectIdentifier;
use der::asn1::{Ia5String, OctetString};
use der::{Choice, Decode, Encode, Sequence};
use x509_cert::ext::pkix::name::{GeneralName, GeneralNames};

use super::attributes::attribute;
use super::oids;
use crate::ber::{encode_tlv, Tag};
use crate::{Error, Result};

/// ub-receiptsTo (RFC 2634 5): at most this many receiptsTo entries.
pub const MAX_RECEIPTS_TO: usize = 16;

/// Length of the signedContentIdentifier we generate: 32 random bytes, as OpenSSL does;
/// RFC 2634 2.7 asks only that it be unique.
pub const CONTENT_IDENTIFIER_LEN: usize = 32;

/// ESSVersion of a Receipt (RFC 2634 2.7: `v1(1)`, the only version).
pub const RECEIPT_VERSION: i64 = 1;

/// `ReceiptsFrom` (RFC 2634 2.7): who is asked for a receipt.
#[derive(Clone, Debug, Eq, PartialEq, Choice)]
pub enum ReceiptsFrom {
    /// `allOrFirstTier [0] AllOrFirstTier`: `allReceipts (0)` or `firstTierRecipients (1)`.
    /// OpenSSL writes -1 when neither was chosen (`-receipt_request_to` alone); see
    /// [`ReceiptRequest::receipts_from_kind`].
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT")]
    AllOrFirstTier(i64),
    /// `receiptList [1] SEQUENCE OF GeneralNames`: only these recipients.
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", constructed = "true")]
    ReceiptList(Vec<GeneralNames>),
}

/// allOrFirstTier `allReceipts (0)`.
pub const ALL_RECEIPTS: i64 = 0;
/// allOrFirstTier `firstTierRecipients (1)`.
pub const FIRST_TIER_RECIPIENTS: i64 = 1;

/// How a [`ReceiptsFrom`] reads, for reports and decisions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReceiptsFromKind {
    /// Every recipient is asked.
    All,
    /// Only recipients that got the message from the originator, not through a mailing list.
    FirstTier,
    /// Only the listed addresses (rfc822Names of the receiptList).
    Listed(Vec<String>),
    /// An allOrFirstTier value outside the two defined ones (OpenSSL writes -1 by default).
    /// Read as "all": the originator asked for receipts without restricting who sends them.
    Unspecified(i64),
}

impl ReceiptsFromKind {
    /// `all`, `first-tier`, `listed` or `unspecified`, as in the JSON report.
    pub fn name(&self) -> &'static str {
        match self {
            ReceiptsFromKind::All => "all",
            ReceiptsFromKind::FirstTier => "first-tier",
            ReceiptsFromKind::Listed(_) => "listed",
            ReceiptsFromKind::Unspecified(_) => "unspecified",
        }
    }
}

/// `ReceiptRequest` (RFC 2634 2.7), the value of the id-aa-receiptRequest signed attribute.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct ReceiptRequest {
    /// A unique identifier of the signed content, copied into the Receipt.
    pub signed_content_identifier: OctetString,
    /// Who is asked to send a receipt.
    pub receipts_from: ReceiptsFrom,
    /// Where receipts go: `SEQUENCE SIZE (1..ub-receiptsTo) OF GeneralNames`.
    pub receipts_to: Vec<GeneralNames>,
}

impl ReceiptRequest {
    /// A request with a fresh random signedContentIdentifier, receipts going to each of
    /// `receipts_to` (email addresses, one GeneralNames with one rfc822Name each).
    pub fn new(receipts_to: &[String], receipts_from: ReceiptsFrom) -> Result<Self> {
        let id = crate::crypto::cipher::random_bytes(CONTENT_IDENTIFIER_LEN)?;
        let request = ReceiptRequest {
            signed_content_identifier: OctetString::new(id.to_vec())
                .map_err(|e| Error::Unexpected(format!("content identifier: {e}")))?,
            receipts_from,
            receipts_to: receipts_to
                .iter()
                .map(|a| Ok(vec![rfc822_name(a)?]))
                .collect::<Result<_>>()?,
        };
        request.check()?;
        Ok(request)
    }

    /// Decode and check a receipt request attribute value.
    pub fn from_attribute_value(value: &[u8]) -> Result<Self> {
        let request = ReceiptRequest::from_der(value)
            .map_err(|e| Error::asn1("ReceiptRequest", 0, e.to_string()))?;
        request.check()?;
        Ok(request)
    }

    /// The size constraints of RFC 2634 2.7 and 5.
    fn check(&self) -> Result<()> {
        if self.receipts_to.is_empty() || self.receipts_to.len() > MAX_RECEIPTS_TO {
            return Err(Error::asn1(
                "ReceiptRequest",
                0,
                format!(
                    "receiptsTo must name 1 to {MAX_RECEIPTS_TO} recipients, it names {}",
                    self.receipts_to.len()
                ),
            ));
        }
        if self.signed_content_identifier.as_bytes().is_empty() {
            return Err(Error::asn1(
                "ReceiptRequest",
                0,
                "the signedContentIdentifier is empty",
            ));
        }
        Ok(())
    }

    /// The whole DER `Attribute` (type id-aa-receiptRequest, one value), to be signed.
    pub fn to_attribute(&self) -> Result<Vec<u8>> {
        let value = self
            .to_der()
            .map_err(|e| Error::Unexpected(format!("cannot encode the ReceiptRequest: {e}")))?;
        attribute(oids::ATTR_RECEIPT_REQUEST, value)
    }

    /// How receiptsFrom reads.
    pub fn receipts_from_kind(&self) -> ReceiptsFromKind {
        match &self.receipts_from {
            ReceiptsFrom::AllOrFirstTier(ALL_RECEIPTS) => ReceiptsFromKind::All,
            ReceiptsFrom::AllOrFirstTier(FIRST_TIER_RECIPIENTS) => ReceiptsFromKind::FirstTier,
            ReceiptsFrom::AllOrFirstTier(other) => ReceiptsFromKind::Unspecified(*other),
            ReceiptsFrom::ReceiptList(list) => ReceiptsFromKind::Listed(email_addresses(list)),
        }
    }

    /// The email addresses (rfc822Names) of receiptsTo, in order. Other name forms
    /// (directory names, URIs) are left out: mail can only go to an address.
    pub fn receipts_to_addresses(&self) -> Vec<String> {
        email_addresses(&self.receipts_to)
    }
}

/// The rfc822Names among a list of GeneralNames, in order.
fn email_addresses(list: &[GeneralNames]) -> Vec<String> {
    list.iter()
        .flatten()
        .filter_map(|n| match n {
            GeneralName::Rfc822Name(a) => Some(a.to_string()),
            _ => None,
        })
        .collect()
}

/// An rfc822Name GeneralName (RFC 5280 4.2.1.6: an IA5String `local@domain`).
fn rfc822_name(address: &str) -> Result<GeneralName> {
    let valid = address
        .rsplit_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty())
        && address
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"<>,;".contains(&b));
    if !valid {
        return Err(Error::Unexpected(format!(
            "receipt address \"{address}\" is not an ASCII address local@domain (an rfc822Name, RFC 5280 4.2.1.6)"
        )));
    }
    Ia5String::new(address)
        .map(GeneralName::Rfc822Name)
        .map_err(|e| Error::Unexpected(format!("receipt address \"{address}\": {e}")))
}

/// `Receipt` (RFC 2634 2.7), the content of a signed receipt (eContentType id-ct-receipt).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct Receipt {
    /// ESSVersion, 1.
    pub version: i64,
    /// The content type of the original message (its content-type attribute).
    pub content_type: ObjectIdentifier,
    /// The signedContentIdentifier of the original ReceiptRequest.
    pub signed_content_identifier: OctetString,
    /// The signature value of the original SignerInfo that asked for the receipt.
    pub originator_signature_value: OctetString,
}

impl Receipt {
    /// Decode and check a Receipt (the eContent of a signed receipt).
    pub fn from_content(content: &[u8]) -> Result<Self> {
        let receipt =
            Receipt::from_der(content).map_err(|e| Error::asn1("Receipt", 0, e.to_string()))?;
        if receipt.version != RECEIPT_VERSION {
            return Err(Error::asn1(
                "Receipt",
                0,
                format!("version {} (RFC 2634 2.7 defines only 1)", receipt.version),
            ));
        }
        Ok(receipt)
    }

    /// The DER encoding: the eContent of the signed receipt (RFC 2634 2.4 step 3).
    pub fn to_content(&self) -> Result<Vec<u8>> {
        self.to_der()
            .map_err(|e| Error::Unexpected(format!("cannot encode the Receipt: {e}")))
    }
}

/// The msgSigDigest attribute (RFC 2634 2.10): `MsgSigDigest ::= OCTET STRING`, the digest
/// of the original signer's DER signed attributes.
pub fn msg_sig_digest_attribute(digest: &[u8]) -> Result<Vec<u8>> {
    attribute(
        oids::ATTR_MSG_SIG_DIGEST,
        encode_tlv(Tag::OCTET_STRING, digest),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_request_round_trips_with_addresses() {
        let request = ReceiptRequest::new(
            &["alice@example.com".into(), "audit@example.org".into()],
            ReceiptsFrom::AllOrFirstTier(ALL_RECEIPTS),
        )
        .unwrap();
        assert_eq!(request.signed_content_identifier.as_bytes().len(), 32);
        let der = request.to_der().unwrap();
        let back = ReceiptRequest::from_attribute_value(&der).unwrap();
        assert_eq!(back, request);
        assert_eq!(
            back.receipts_to_addresses(),
            ["alice@example.com", "audit@example.org"]
        );
        assert_eq!(back.receipts_from_kind(), ReceiptsFromKind::All);
        // [0] IMPLICIT INTEGER 0 right after the 34-byte OCTET STRING.
        assert_eq!(&der[2 + 34..2 + 34 + 3], &[0x80, 0x01, 0x00]);
    }

    #[test]
    fn receipt_request_identifiers_differ() {
        let to = ["a@example.com".to_string()];
        let a = ReceiptRequest::new(&to, ReceiptsFrom::AllOrFirstTier(0)).unwrap();
        let b = ReceiptRequest::new(&to, ReceiptsFrom::AllOrFirstTier(0)).unwrap();
        assert_ne!(a.signed_content_identifier, b.signed_content_identifier);
    }

    #[test]
    fn receipt_request_bad_address_is_refused() {
        for bad in [
            "no-at-sign",
            "Bob <bob@example.com>",
            "b\u{e9}@example.com",
            "@x",
        ] {
            let e = ReceiptRequest::new(&[bad.into()], ReceiptsFrom::AllOrFirstTier(0));
            assert!(e.is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn receipt_request_too_many_or_no_recipients_is_refused() {
        let many: Vec<String> = (0..17).map(|i| format!("r{i}@example.com")).collect();
        assert!(ReceiptRequest::new(&many, ReceiptsFrom::AllOrFirstTier(0)).is_err());
        assert!(ReceiptRequest::new(&[], ReceiptsFrom::AllOrFirstTier(0)).is_err());
    }

    #[test]
    fn receipt_list_is_read() {
        let list = vec![vec![rfc822_name("bob@example.org").unwrap()]];
        let request = ReceiptRequest {
            signed_content_identifier: OctetString::new(vec![1, 2, 3]).unwrap(),
            receipts_from: ReceiptsFrom::ReceiptList(list),
            receipts_to: vec![vec![rfc822_name("alice@example.com").unwrap()]],
        };
        let der = request.to_der().unwrap();
        let back = ReceiptRequest::from_attribute_value(&der).unwrap();
        assert_eq!(
            back.receipts_from_kind(),
            ReceiptsFromKind::Listed(vec!["bob@example.org".into()])
        );
    }

    #[test]
    fn receipt_round_trips_and_wrong_version_is_refused() {
        let receipt = Receipt {
            version: 1,
            content_type: oids::DATA,
            signed_content_identifier: OctetString::new(vec![7; 32]).unwrap(),
            originator_signature_value: OctetString::new(vec![9; 256]).unwrap(),
        };
        let der = receipt.to_content().unwrap();
        assert_eq!(Receipt::from_content(&der).unwrap(), receipt);
        let v2 = Receipt {
            version: 2,
            ..receipt
        };
        let e = Receipt::from_content(&v2.to_content().unwrap()).unwrap_err();
        assert!(e.to_string().contains("version 2"), "{e}");
    }

    #[test]
    fn truncated_receipt_is_an_error() {
        let receipt = Receipt {
            version: 1,
            content_type: oids::DATA,
            signed_content_identifier: OctetString::new(vec![7; 32]).unwrap(),
            originator_signature_value: OctetString::new(vec![9; 64]).unwrap(),
        };
        let der = receipt.to_content().unwrap();
        for cut in [0, 1, 10, der.len() - 1] {
            assert!(Receipt::from_content(&der[..cut]).is_err());
            crate::fuzzing::receipt(&der[..cut]);
        }
        crate::fuzzing::receipt(&der);
    }
}

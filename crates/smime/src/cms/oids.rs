//! Object identifiers of the CMS content types and attributes used by S/MIME.

use const_oid::ObjectIdentifier as Oid;

/// id-data (RFC 5652 4).
pub const DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
/// id-signedData (RFC 5652 5.1).
pub const SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
/// id-envelopedData (RFC 5652 6.1).
pub const ENVELOPED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.3");
/// id-digestedData (RFC 5652 7).
pub const DIGESTED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.5");
/// id-encryptedData (RFC 5652 8).
pub const ENCRYPTED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.6");
/// id-ct-authEnvelopedData (RFC 5083 1).
pub const AUTH_ENVELOPED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.23");
/// id-ct-compressedData (RFC 3274 1.1).
pub const COMPRESSED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.9");
/// id-ct-receipt (RFC 2634 2.7).
pub const RECEIPT: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.1");

/// content-type attribute (RFC 5652 11.1).
pub const ATTR_CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
/// message-digest attribute (RFC 5652 11.2).
pub const ATTR_MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
/// signing-time attribute (RFC 5652 11.3).
pub const ATTR_SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");
/// countersignature attribute (RFC 5652 11.4).
pub const ATTR_COUNTERSIGNATURE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.6");
/// SMIMECapabilities attribute (RFC 8551 2.5.2).
pub const ATTR_SMIME_CAPABILITIES: Oid = Oid::new_unwrap("1.2.840.113549.1.9.15");
/// SMIMEEncryptionKeyPreference attribute (RFC 8551 2.5.3).
pub const ATTR_ENCRYPTION_KEY_PREFERENCE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.11");
/// ESS signing-certificate-v2 attribute (RFC 5035 3).
pub const ATTR_SIGNING_CERTIFICATE_V2: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.47");
/// ESS signing-certificate (v1, SHA-1) attribute (RFC 2634 5.4).
pub const ATTR_SIGNING_CERTIFICATE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.12");
/// ESS receiptRequest attribute (RFC 2634 2.7).
pub const ATTR_RECEIPT_REQUEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.1");
/// ESS msgSigDigest attribute (RFC 2634 2.10).
pub const ATTR_MSG_SIG_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.5");
/// ESS contentIdentifier attribute (RFC 2634 2.11).
pub const ATTR_CONTENT_IDENTIFIER: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.7");
/// ESS mlExpansionHistory attribute (RFC 2634 4.2).
pub const ATTR_ML_EXPANSION_HISTORY: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.3");
/// CMSAlgorithmProtection attribute (RFC 6211 2).
pub const ATTR_ALGORITHM_PROTECTION: Oid = Oid::new_unwrap("1.2.840.113549.1.9.52");

/// AES-128-CBC (RFC 3565 4.1).
pub const AES128_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.2");
/// AES-192-CBC (RFC 3565 4.1): read, never written.
pub const AES192_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.22");
/// AES-256-CBC (RFC 3565 4.1).
pub const AES256_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.42");
/// AES-128-GCM (RFC 5084 3.2).
pub const AES128_GCM: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.6");
/// AES-256-GCM (RFC 5084 3.2).
pub const AES256_GCM: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.46");
/// ChaCha20-Poly1305 (RFC 8103 3).
pub const CHACHA20_POLY1305: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.3.18");
/// des-ede3-cbc (RFC 3370 5.1), legacy: read only.
pub const DES_EDE3_CBC: Oid = Oid::new_unwrap("1.2.840.113549.3.7");
/// rc2-cbc (RFC 3370 5.2), legacy: read only.
pub const RC2_CBC: Oid = Oid::new_unwrap("1.2.840.113549.3.2");
/// desCBC (single DES), never accepted.
pub const DES_CBC: Oid = Oid::new_unwrap("1.3.14.3.2.7");
/// id-alg-zlibCompress (RFC 3274 2): zlib (RFC 1950) around deflate (RFC 1951).
pub const ZLIB_COMPRESS: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.3.8");
/// RSAES-OAEP (RFC 3560 2).
pub const RSAES_OAEP: Oid = Oid::new_unwrap("1.2.840.113549.1.1.7");

/// A short name for a content type, for reports.
pub fn content_type_name(oid: &Oid) -> String {
    let name = match *oid {
        DATA => "data",
        SIGNED_DATA => "signedData",
        ENVELOPED_DATA => "envelopedData",
        DIGESTED_DATA => "digestedData",
        ENCRYPTED_DATA => "encryptedData",
        AUTH_ENVELOPED_DATA => "authEnvelopedData",
        COMPRESSED_DATA => "compressedData",
        RECEIPT => "receipt",
        _ => return oid.to_string(),
    };
    name.to_string()
}

/// A short name for an attribute type, for reports.
pub fn attribute_name(oid: &Oid) -> String {
    let name = match *oid {
        ATTR_CONTENT_TYPE => "content-type",
        ATTR_MESSAGE_DIGEST => "message-digest",
        ATTR_SIGNING_TIME => "signing-time",
        ATTR_COUNTERSIGNATURE => "countersignature",
        ATTR_SMIME_CAPABILITIES => "smime-capabilities",
        ATTR_ENCRYPTION_KEY_PREFERENCE => "encryption-key-preference",
        ATTR_SIGNING_CERTIFICATE_V2 => "signing-certificate-v2",
        ATTR_SIGNING_CERTIFICATE => "signing-certificate",
        ATTR_RECEIPT_REQUEST => "receipt-request",
        ATTR_MSG_SIG_DIGEST => "msg-sig-digest",
        ATTR_CONTENT_IDENTIFIER => "content-identifier",
        ATTR_ML_EXPANSION_HISTORY => "ml-expansion-history",
        ATTR_ALGORITHM_PROTECTION => "cms-algorithm-protection",
        _ => return oid.to_string(),
    };
    name.to_string()
}

/// A short name for a content-encryption algorithm, for reports.
pub fn cipher_name(oid: &Oid) -> String {
    let name = match *oid {
        AES128_CBC => "AES-128-CBC",
        AES192_CBC => "AES-192-CBC",
        AES256_CBC => "AES-256-CBC",
        AES128_GCM => "AES-128-GCM",
        AES256_GCM => "AES-256-GCM",
        CHACHA20_POLY1305 => "ChaCha20-Poly1305",
        DES_EDE3_CBC => "3DES (des-ede3-cbc)",
        RC2_CBC => "RC2 (rc2-cbc)",
        DES_CBC => "DES (desCBC)",
        RSAES_OAEP => "RSAES-OAEP",
        _ => return oid.to_string(),
    };
    name.to_string()
}

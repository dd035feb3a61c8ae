//! NIST PKITS (Public Key Interoperability Test Suite, certification path validation,
//! version 1.0.1), sections 4.1 to 4.16, as one table.
//!
//! Each row is one test (or one run of a test with other inputs, `4.8.1.2` ...): the end
//! entity, the certificates of its path other than the trust anchor (PKITS lists them per
//! test; where a CA has a self-issued or CRL-signing sibling of the same name, both are
//! given and path building must choose; for indirect CRLs the CRL issuer's certificate too),
//! the CRLs PKITS gives for the path (the only revocation source: a
//! `revocation::RevocationChecker` with the `Offline` fetcher, hard-fail), and for 4.8-4.12
//! the user-initial-policy-set / initial-explicit-policy / initial-policy-mapping-inhibit /
//! initial-any-policy-inhibit inputs of the PKITS document. The expected result comes from
//! the file name (`Valid*` accept, `Invalid*` reject), or from the PKITS document for the
//! policy tests whose file names carry no verdict. The trust anchor is always "Trust Anchor
//! Root Certificate"; the validation time 2010-01-01. PKITS signs with SHA-1 and 1024-bit
//! RSA (and DSA), so legacy algorithms are allowed.
//!
//! The test prints one line per test id, then passed/applicable per section, and fails when
//! a result differs from the expected one, except for the ids in [`KNOWN_FAILURES`] (and
//! fails too when one of those passes, so the list only shrinks).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use const_oid::ObjectIdentifier;
use der::Decode;
use smime_pkix::crl::Crl;
use smime_pkix::fetch::Offline;
use smime_pkix::options::{PolicyInputs, RevocationMode, ValidationOptions};
use smime_pkix::revocation::RevocationChecker;
use smime_pkix::x509_cert::Certificate;
use smime_pkix::{validate, ValidationReport};

/// User inputs of RFC 5280 6.1.1 for one run; `set` holds n of NIST-test-policy-n
/// (2.16.840.1.101.3.2.1.48.n), empty for {anyPolicy}.
#[derive(Clone, Copy)]
struct Inputs {
    set: &'static [u8],
    explicit: bool,
    mapping_inhibit: bool,
    any_inhibit: bool,
}

const DEFAULT: Inputs = Inputs {
    set: &[],
    explicit: false,
    mapping_inhibit: false,
    any_inhibit: false,
};

struct Case {
    id: &'static str,
    valid: bool,
    leaf: &'static str,
    intermediates: &'static [&'static str],
    /// The CRLs given to the revocation checker (no other source: nothing is fetched).
    crls: &'static [&'static str],
    policy: Inputs,
}

/// Tests whose result differs from PKITS today, and why. Remove an id when it passes.
const KNOWN_FAILURES: &[(&str, &str)] = &[
    (
        "4.1.4",
        "DSA: no DSA verification in aws-lc-rs, and S/MIME 4.0 (RFC 8551) has none",
    ),
    (
        "4.1.5",
        "DSA: no DSA verification in aws-lc-rs, and S/MIME 4.0 (RFC 8551) has none",
    ),
    (
        "4.2.3",
        "der 0.7 cannot decode a UTCTime before 1970 (notBefore 1950)",
    ),
];

#[rustfmt::skip]
const CASES: &[Case] = &[
    Case { id: "4.1.1", valid: true, leaf: "ValidCertificatePathTest1EE", intermediates: &["GoodCACert"], crls: &["GoodCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.1.2", valid: false, leaf: "InvalidCASignatureTest2EE", intermediates: &["BadSignedCACert"], crls: &["BadSignedCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.1.3", valid: false, leaf: "InvalidEESignatureTest3EE", intermediates: &["GoodCACert"], crls: &["GoodCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.1.4", valid: true, leaf: "ValidDSASignaturesTest4EE", intermediates: &["DSACACert"], crls: &["DSACACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.1.5", valid: true, leaf: "ValidDSAParameterInheritanceTest5EE", intermediates: &["DSAParametersInheritedCACert", "DSACACert"], crls: &["DSACACRL", "TrustAnchorRootCRL", "DSAParametersInheritedCACRL"], policy: DEFAULT },
    Case { id: "4.1.6", valid: false, leaf: "InvalidDSASignatureTest6EE", intermediates: &["DSACACert"], crls: &["DSACACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.2.1", valid: false, leaf: "InvalidCAnotBeforeDateTest1EE", intermediates: &["BadnotBeforeDateCACert"], crls: &["BadnotBeforeDateCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.2.2", valid: false, leaf: "InvalidEEnotBeforeDateTest2EE", intermediates: &["GoodCACert"], crls: &["GoodCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.2.3", valid: true, leaf: "Validpre2000UTCnotBeforeDateTest3EE", intermediates: &["GoodCACert"], crls: &["GoodCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.2.4", valid: true, leaf: "ValidGeneralizedTimenotBeforeDateTest4EE", intermediates: &["GoodCACert"], crls: &["GoodCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.2.5", valid: false, leaf: "InvalidCAnotAfterDateTest5EE", intermediates: &["BadnotAfterDateCACert"], crls: &["BadnotAfterDateCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.2.6", valid: false, leaf: "InvalidEEnotAfterDateTest6EE", intermediates: &["GoodCACert"], crls: &["GoodCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.2.7", valid: false, leaf: "Invalidpre2000UTCEEnotAfterDateTest7EE", intermediates: &["GoodCACert"], crls: &["GoodCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.2.8", valid: true, leaf: "ValidGeneralizedTimenotAfterDateTest8EE", intermediates: &["GoodCACert"], crls: &["GoodCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.3.1", valid: false, leaf: "InvalidNameChainingTest1EE", intermediates: &["GoodCACert"], crls: &["GoodCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.3.2", valid: false, leaf: "InvalidNameChainingOrderTest2EE", intermediates: &["NameOrderingCACert"], crls: &["NameOrderCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.3.3", valid: true, leaf: "ValidNameChainingWhitespaceTest3EE", intermediates: &["GoodCACert"], crls: &["GoodCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.3.4", valid: true, leaf: "ValidNameChainingWhitespaceTest4EE", intermediates: &["GoodCACert"], crls: &["GoodCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.3.5", valid: true, leaf: "ValidNameChainingCapitalizationTest5EE", intermediates: &["GoodCACert"], crls: &["GoodCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.3.6", valid: true, leaf: "ValidNameUIDsTest6EE", intermediates: &["UIDCACert"], crls: &["TrustAnchorRootCRL", "UIDCACRL"], policy: DEFAULT },
    Case { id: "4.3.7", valid: true, leaf: "ValidRFC3280MandatoryAttributeTypesTest7EE", intermediates: &["RFC3280MandatoryAttributeTypesCACert"], crls: &["RFC3280MandatoryAttributeTypesCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.3.8", valid: true, leaf: "ValidRFC3280OptionalAttributeTypesTest8EE", intermediates: &["RFC3280OptionalAttributeTypesCACert"], crls: &["RFC3280OptionalAttributeTypesCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.3.9", valid: true, leaf: "ValidUTF8StringEncodedNamesTest9EE", intermediates: &["UTF8StringEncodedNamesCACert"], crls: &["TrustAnchorRootCRL", "UTF8StringEncodedNamesCACRL"], policy: DEFAULT },
    Case { id: "4.3.10", valid: true, leaf: "ValidRolloverfromPrintableStringtoUTF8StringTest10EE", intermediates: &["RolloverfromPrintableStringtoUTF8StringCACert"], crls: &["RolloverfromPrintableStringtoUTF8StringCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.3.11", valid: true, leaf: "ValidUTF8StringCaseInsensitiveMatchTest11EE", intermediates: &["UTF8StringCaseInsensitiveMatchCACert"], crls: &["TrustAnchorRootCRL", "UTF8StringCaseInsensitiveMatchCACRL"], policy: DEFAULT },
    Case { id: "4.4.1", valid: false, leaf: "InvalidMissingCRLTest1EE", intermediates: &["NoCRLCACert"], crls: &["TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.4.2", valid: false, leaf: "InvalidRevokedCATest2EE", intermediates: &["RevokedsubCACert", "GoodCACert"], crls: &["GoodCACRL", "RevokedsubCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.4.3", valid: false, leaf: "InvalidRevokedEETest3EE", intermediates: &["GoodCACert"], crls: &["GoodCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.4.4", valid: false, leaf: "InvalidBadCRLSignatureTest4EE", intermediates: &["BadCRLSignatureCACert"], crls: &["BadCRLSignatureCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.4.5", valid: false, leaf: "InvalidBadCRLIssuerNameTest5EE", intermediates: &["BadCRLIssuerNameCACert"], crls: &["TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.4.6", valid: false, leaf: "InvalidWrongCRLTest6EE", intermediates: &["WrongCRLCACert"], crls: &["TrustAnchorRootCRL", "WrongCRLCACRL"], policy: DEFAULT },
    Case { id: "4.4.7", valid: true, leaf: "ValidTwoCRLsTest7EE", intermediates: &["TwoCRLsCACert"], crls: &["TrustAnchorRootCRL", "TwoCRLsCAGoodCRL"], policy: DEFAULT },
    Case { id: "4.4.8", valid: false, leaf: "InvalidUnknownCRLEntryExtensionTest8EE", intermediates: &["UnknownCRLEntryExtensionCACert"], crls: &["TrustAnchorRootCRL", "UnknownCRLEntryExtensionCACRL"], policy: DEFAULT },
    Case { id: "4.4.9", valid: false, leaf: "InvalidUnknownCRLExtensionTest9EE", intermediates: &["UnknownCRLExtensionCACert"], crls: &["TrustAnchorRootCRL", "UnknownCRLExtensionCACRL"], policy: DEFAULT },
    Case { id: "4.4.10", valid: false, leaf: "InvalidUnknownCRLExtensionTest10EE", intermediates: &["UnknownCRLExtensionCACert"], crls: &["TrustAnchorRootCRL", "UnknownCRLExtensionCACRL"], policy: DEFAULT },
    Case { id: "4.4.11", valid: false, leaf: "InvalidOldCRLnextUpdateTest11EE", intermediates: &["OldCRLnextUpdateCACert"], crls: &["OldCRLnextUpdateCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.4.12", valid: false, leaf: "Invalidpre2000CRLnextUpdateTest12EE", intermediates: &["pre2000CRLnextUpdateCACert"], crls: &["TrustAnchorRootCRL", "pre2000CRLnextUpdateCACRL"], policy: DEFAULT },
    Case { id: "4.4.13", valid: true, leaf: "ValidGeneralizedTimeCRLnextUpdateTest13EE", intermediates: &["GeneralizedTimeCRLnextUpdateCACert"], crls: &["GeneralizedTimeCRLnextUpdateCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.4.14", valid: true, leaf: "ValidNegativeSerialNumberTest14EE", intermediates: &["NegativeSerialNumberCACert"], crls: &["NegativeSerialNumberCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.4.15", valid: false, leaf: "InvalidNegativeSerialNumberTest15EE", intermediates: &["NegativeSerialNumberCACert"], crls: &["NegativeSerialNumberCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.4.16", valid: true, leaf: "ValidLongSerialNumberTest16EE", intermediates: &["LongSerialNumberCACert"], crls: &["LongSerialNumberCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.4.17", valid: true, leaf: "ValidLongSerialNumberTest17EE", intermediates: &["LongSerialNumberCACert"], crls: &["LongSerialNumberCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.4.18", valid: false, leaf: "InvalidLongSerialNumberTest18EE", intermediates: &["LongSerialNumberCACert"], crls: &["LongSerialNumberCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.4.19", valid: true, leaf: "ValidSeparateCertificateandCRLKeysTest19EE", intermediates: &["SeparateCertificateandCRLKeysCRLSigningCert", "SeparateCertificateandCRLKeysCertificateSigningCACert"], crls: &["SeparateCertificateandCRLKeysCRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.4.20", valid: false, leaf: "InvalidSeparateCertificateandCRLKeysTest20EE", intermediates: &["SeparateCertificateandCRLKeysCRLSigningCert", "SeparateCertificateandCRLKeysCertificateSigningCACert"], crls: &["SeparateCertificateandCRLKeysCRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.4.21", valid: false, leaf: "InvalidSeparateCertificateandCRLKeysTest21EE", intermediates: &["SeparateCertificateandCRLKeysCA2CRLSigningCert", "SeparateCertificateandCRLKeysCA2CertificateSigningCACert"], crls: &["SeparateCertificateandCRLKeysCA2CRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.5.1", valid: true, leaf: "ValidBasicSelfIssuedOldWithNewTest1EE", intermediates: &["BasicSelfIssuedNewKeyCACert", "BasicSelfIssuedNewKeyOldWithNewCACert"], crls: &["BasicSelfIssuedNewKeyCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.5.2", valid: false, leaf: "InvalidBasicSelfIssuedOldWithNewTest2EE", intermediates: &["BasicSelfIssuedNewKeyCACert", "BasicSelfIssuedNewKeyOldWithNewCACert"], crls: &["BasicSelfIssuedNewKeyCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.5.3", valid: true, leaf: "ValidBasicSelfIssuedNewWithOldTest3EE", intermediates: &["BasicSelfIssuedOldKeyCACert", "BasicSelfIssuedOldKeyNewWithOldCACert"], crls: &["BasicSelfIssuedOldKeyCACRL", "BasicSelfIssuedOldKeySelfIssuedCertCRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.5.4", valid: true, leaf: "ValidBasicSelfIssuedNewWithOldTest4EE", intermediates: &["BasicSelfIssuedOldKeyCACert", "BasicSelfIssuedOldKeyNewWithOldCACert"], crls: &["BasicSelfIssuedOldKeyCACRL", "BasicSelfIssuedOldKeySelfIssuedCertCRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.5.5", valid: false, leaf: "InvalidBasicSelfIssuedNewWithOldTest5EE", intermediates: &["BasicSelfIssuedOldKeyCACert", "BasicSelfIssuedOldKeyNewWithOldCACert"], crls: &["BasicSelfIssuedOldKeyCACRL", "BasicSelfIssuedOldKeySelfIssuedCertCRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.5.6", valid: true, leaf: "ValidBasicSelfIssuedCRLSigningKeyTest6EE", intermediates: &["BasicSelfIssuedCRLSigningKeyCACert", "BasicSelfIssuedCRLSigningKeyCRLCert"], crls: &["BasicSelfIssuedCRLSigningKeyCACRL", "BasicSelfIssuedCRLSigningKeyCRLCertCRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.5.7", valid: false, leaf: "InvalidBasicSelfIssuedCRLSigningKeyTest7EE", intermediates: &["BasicSelfIssuedCRLSigningKeyCACert", "BasicSelfIssuedCRLSigningKeyCRLCert"], crls: &["BasicSelfIssuedCRLSigningKeyCACRL", "BasicSelfIssuedCRLSigningKeyCRLCertCRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.5.8", valid: false, leaf: "InvalidBasicSelfIssuedCRLSigningKeyTest8EE", intermediates: &["BasicSelfIssuedCRLSigningKeyCACert", "BasicSelfIssuedCRLSigningKeyCRLCert"], crls: &["BasicSelfIssuedCRLSigningKeyCACRL", "BasicSelfIssuedCRLSigningKeyCRLCertCRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.6.1", valid: false, leaf: "InvalidMissingbasicConstraintsTest1EE", intermediates: &["MissingbasicConstraintsCACert"], crls: &["MissingbasicConstraintsCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.6.2", valid: false, leaf: "InvalidcAFalseTest2EE", intermediates: &["basicConstraintsCriticalcAFalseCACert"], crls: &["TrustAnchorRootCRL", "basicConstraintsCriticalcAFalseCACRL"], policy: DEFAULT },
    Case { id: "4.6.3", valid: false, leaf: "InvalidcAFalseTest3EE", intermediates: &["basicConstraintsNotCriticalcAFalseCACert"], crls: &["TrustAnchorRootCRL", "basicConstraintsNotCriticalcAFalseCACRL"], policy: DEFAULT },
    Case { id: "4.6.4", valid: true, leaf: "ValidbasicConstraintsNotCriticalTest4EE", intermediates: &["basicConstraintsNotCriticalCACert"], crls: &["TrustAnchorRootCRL", "basicConstraintsNotCriticalCACRL"], policy: DEFAULT },
    Case { id: "4.6.5", valid: false, leaf: "InvalidpathLenConstraintTest5EE", intermediates: &["pathLenConstraint0subCACert", "pathLenConstraint0CACert", "pathLenConstraint0SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "pathLenConstraint0CACRL", "pathLenConstraint0subCACRL"], policy: DEFAULT },
    Case { id: "4.6.6", valid: false, leaf: "InvalidpathLenConstraintTest6EE", intermediates: &["pathLenConstraint0subCACert", "pathLenConstraint0CACert", "pathLenConstraint0SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "pathLenConstraint0CACRL", "pathLenConstraint0subCACRL"], policy: DEFAULT },
    Case { id: "4.6.7", valid: true, leaf: "ValidpathLenConstraintTest7EE", intermediates: &["pathLenConstraint0CACert", "pathLenConstraint0SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "pathLenConstraint0CACRL"], policy: DEFAULT },
    Case { id: "4.6.8", valid: true, leaf: "ValidpathLenConstraintTest8EE", intermediates: &["pathLenConstraint0CACert", "pathLenConstraint0SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "pathLenConstraint0CACRL"], policy: DEFAULT },
    Case { id: "4.6.9", valid: false, leaf: "InvalidpathLenConstraintTest9EE", intermediates: &["pathLenConstraint6subsubCA00Cert", "pathLenConstraint6subCA0Cert", "pathLenConstraint6CACert"], crls: &["TrustAnchorRootCRL", "pathLenConstraint6CACRL", "pathLenConstraint6subCA0CRL", "pathLenConstraint6subsubCA00CRL"], policy: DEFAULT },
    Case { id: "4.6.10", valid: false, leaf: "InvalidpathLenConstraintTest10EE", intermediates: &["pathLenConstraint6subsubCA00Cert", "pathLenConstraint6subCA0Cert", "pathLenConstraint6CACert"], crls: &["TrustAnchorRootCRL", "pathLenConstraint6CACRL", "pathLenConstraint6subCA0CRL", "pathLenConstraint6subsubCA00CRL"], policy: DEFAULT },
    Case { id: "4.6.11", valid: false, leaf: "InvalidpathLenConstraintTest11EE", intermediates: &["pathLenConstraint6subsubsubCA11XCert", "pathLenConstraint6subsubCA11Cert", "pathLenConstraint6subCA1Cert", "pathLenConstraint6CACert"], crls: &["TrustAnchorRootCRL", "pathLenConstraint6CACRL", "pathLenConstraint6subCA1CRL", "pathLenConstraint6subsubCA11CRL", "pathLenConstraint6subsubsubCA11XCRL"], policy: DEFAULT },
    Case { id: "4.6.12", valid: false, leaf: "InvalidpathLenConstraintTest12EE", intermediates: &["pathLenConstraint6subsubsubCA11XCert", "pathLenConstraint6subsubCA11Cert", "pathLenConstraint6subCA1Cert", "pathLenConstraint6CACert"], crls: &["TrustAnchorRootCRL", "pathLenConstraint6CACRL", "pathLenConstraint6subCA1CRL", "pathLenConstraint6subsubCA11CRL", "pathLenConstraint6subsubsubCA11XCRL"], policy: DEFAULT },
    Case { id: "4.6.13", valid: true, leaf: "ValidpathLenConstraintTest13EE", intermediates: &["pathLenConstraint6subsubsubCA41XCert", "pathLenConstraint6subsubCA41Cert", "pathLenConstraint6subCA4Cert", "pathLenConstraint6CACert"], crls: &["TrustAnchorRootCRL", "pathLenConstraint6CACRL", "pathLenConstraint6subCA4CRL", "pathLenConstraint6subsubCA41CRL", "pathLenConstraint6subsubsubCA41XCRL"], policy: DEFAULT },
    Case { id: "4.6.14", valid: true, leaf: "ValidpathLenConstraintTest14EE", intermediates: &["pathLenConstraint6subsubsubCA41XCert", "pathLenConstraint6subsubCA41Cert", "pathLenConstraint6subCA4Cert", "pathLenConstraint6CACert"], crls: &["TrustAnchorRootCRL", "pathLenConstraint6CACRL", "pathLenConstraint6subCA4CRL", "pathLenConstraint6subsubCA41CRL", "pathLenConstraint6subsubsubCA41XCRL"], policy: DEFAULT },
    Case { id: "4.6.15", valid: true, leaf: "ValidSelfIssuedpathLenConstraintTest15EE", intermediates: &["pathLenConstraint0CACert", "pathLenConstraint0SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "pathLenConstraint0CACRL"], policy: DEFAULT },
    Case { id: "4.6.16", valid: false, leaf: "InvalidSelfIssuedpathLenConstraintTest16EE", intermediates: &["pathLenConstraint0subCA2Cert", "pathLenConstraint0CACert", "pathLenConstraint0SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "pathLenConstraint0CACRL", "pathLenConstraint0subCA2CRL"], policy: DEFAULT },
    Case { id: "4.6.17", valid: true, leaf: "ValidSelfIssuedpathLenConstraintTest17EE", intermediates: &["pathLenConstraint1SelfIssuedsubCACert", "pathLenConstraint1subCACert", "pathLenConstraint1CACert", "pathLenConstraint1SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "pathLenConstraint1CACRL", "pathLenConstraint1subCACRL"], policy: DEFAULT },
    Case { id: "4.7.1", valid: false, leaf: "InvalidkeyUsageCriticalkeyCertSignFalseTest1EE", intermediates: &["keyUsageCriticalkeyCertSignFalseCACert"], crls: &["TrustAnchorRootCRL", "keyUsageCriticalkeyCertSignFalseCACRL"], policy: DEFAULT },
    Case { id: "4.7.2", valid: false, leaf: "InvalidkeyUsageNotCriticalkeyCertSignFalseTest2EE", intermediates: &["keyUsageNotCriticalkeyCertSignFalseCACert"], crls: &["TrustAnchorRootCRL", "keyUsageNotCriticalkeyCertSignFalseCACRL"], policy: DEFAULT },
    Case { id: "4.7.3", valid: true, leaf: "ValidkeyUsageNotCriticalTest3EE", intermediates: &["keyUsageNotCriticalCACert"], crls: &["TrustAnchorRootCRL", "keyUsageNotCriticalCACRL"], policy: DEFAULT },
    Case { id: "4.7.4", valid: false, leaf: "InvalidkeyUsageCriticalcRLSignFalseTest4EE", intermediates: &["keyUsageCriticalcRLSignFalseCACert"], crls: &["TrustAnchorRootCRL", "keyUsageCriticalcRLSignFalseCACRL"], policy: DEFAULT },
    Case { id: "4.7.5", valid: false, leaf: "InvalidkeyUsageNotCriticalcRLSignFalseTest5EE", intermediates: &["keyUsageNotCriticalcRLSignFalseCACert"], crls: &["TrustAnchorRootCRL", "keyUsageNotCriticalcRLSignFalseCACRL"], policy: DEFAULT },
    Case { id: "4.8.1.1", valid: true, leaf: "ValidCertificatePathTest1EE", intermediates: &["GoodCACert"], crls: &["GoodCACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[], explicit: true, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.8.1.2", valid: true, leaf: "ValidCertificatePathTest1EE", intermediates: &["GoodCACert"], crls: &["GoodCACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[1], explicit: true, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.8.1.3", valid: false, leaf: "ValidCertificatePathTest1EE", intermediates: &["GoodCACert"], crls: &["GoodCACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[2], explicit: true, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.8.1.4", valid: true, leaf: "ValidCertificatePathTest1EE", intermediates: &["GoodCACert"], crls: &["GoodCACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[1, 2], explicit: true, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.8.2.1", valid: true, leaf: "AllCertificatesNoPoliciesTest2EE", intermediates: &["NoPoliciesCACert"], crls: &["NoPoliciesCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.8.2.2", valid: false, leaf: "AllCertificatesNoPoliciesTest2EE", intermediates: &["NoPoliciesCACert"], crls: &["NoPoliciesCACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[], explicit: true, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.8.3.1", valid: true, leaf: "DifferentPoliciesTest3EE", intermediates: &["PoliciesP2subCACert", "GoodCACert"], crls: &["GoodCACRL", "PoliciesP2subCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.8.3.2", valid: false, leaf: "DifferentPoliciesTest3EE", intermediates: &["PoliciesP2subCACert", "GoodCACert"], crls: &["GoodCACRL", "PoliciesP2subCACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[], explicit: true, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.8.3.3", valid: false, leaf: "DifferentPoliciesTest3EE", intermediates: &["PoliciesP2subCACert", "GoodCACert"], crls: &["GoodCACRL", "PoliciesP2subCACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[1, 2], explicit: true, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.8.4", valid: false, leaf: "DifferentPoliciesTest4EE", intermediates: &["GoodsubCACert", "GoodCACert"], crls: &["GoodCACRL", "GoodsubCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.8.5", valid: false, leaf: "DifferentPoliciesTest5EE", intermediates: &["PoliciesP2subCA2Cert", "GoodCACert"], crls: &["GoodCACRL", "PoliciesP2subCA2CRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.8.6.1", valid: true, leaf: "OverlappingPoliciesTest6EE", intermediates: &["PoliciesP1234subsubCAP123P12Cert", "PoliciesP1234subCAP123Cert", "PoliciesP1234CACert"], crls: &["PoliciesP1234CACRL", "PoliciesP1234subCAP123CRL", "PoliciesP1234subsubCAP123P12CRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.8.6.2", valid: true, leaf: "OverlappingPoliciesTest6EE", intermediates: &["PoliciesP1234subsubCAP123P12Cert", "PoliciesP1234subCAP123Cert", "PoliciesP1234CACert"], crls: &["PoliciesP1234CACRL", "PoliciesP1234subCAP123CRL", "PoliciesP1234subsubCAP123P12CRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[1], explicit: true, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.8.6.3", valid: false, leaf: "OverlappingPoliciesTest6EE", intermediates: &["PoliciesP1234subsubCAP123P12Cert", "PoliciesP1234subCAP123Cert", "PoliciesP1234CACert"], crls: &["PoliciesP1234CACRL", "PoliciesP1234subCAP123CRL", "PoliciesP1234subsubCAP123P12CRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[2], explicit: true, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.8.7", valid: false, leaf: "DifferentPoliciesTest7EE", intermediates: &["PoliciesP123subsubCAP12P1Cert", "PoliciesP123subCAP12Cert", "PoliciesP123CACert"], crls: &["PoliciesP123CACRL", "PoliciesP123subCAP12CRL", "PoliciesP123subsubCAP12P1CRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.8.8", valid: false, leaf: "DifferentPoliciesTest8EE", intermediates: &["PoliciesP12subsubCAP1P2Cert", "PoliciesP12subCAP1Cert", "PoliciesP12CACert"], crls: &["PoliciesP12CACRL", "PoliciesP12subCAP1CRL", "PoliciesP12subsubCAP1P2CRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.8.9", valid: false, leaf: "DifferentPoliciesTest9EE", intermediates: &["PoliciesP123subsubsubCAP12P2P1Cert", "PoliciesP123subsubCAP12P2Cert", "PoliciesP123subCAP12Cert", "PoliciesP123CACert"], crls: &["PoliciesP123CACRL", "PoliciesP123subCAP12CRL", "PoliciesP123subsubCAP2P2CRL", "PoliciesP123subsubsubCAP12P2P1CRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.8.10.1", valid: true, leaf: "AllCertificatesSamePoliciesTest10EE", intermediates: &["PoliciesP12CACert"], crls: &["PoliciesP12CACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.8.10.2", valid: true, leaf: "AllCertificatesSamePoliciesTest10EE", intermediates: &["PoliciesP12CACert"], crls: &["PoliciesP12CACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[1], explicit: true, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.8.10.3", valid: true, leaf: "AllCertificatesSamePoliciesTest10EE", intermediates: &["PoliciesP12CACert"], crls: &["PoliciesP12CACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[2], explicit: true, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.8.11.1", valid: true, leaf: "AllCertificatesanyPolicyTest11EE", intermediates: &["anyPolicyCACert"], crls: &["TrustAnchorRootCRL", "anyPolicyCACRL"], policy: DEFAULT },
    Case { id: "4.8.11.2", valid: true, leaf: "AllCertificatesanyPolicyTest11EE", intermediates: &["anyPolicyCACert"], crls: &["TrustAnchorRootCRL", "anyPolicyCACRL"], policy: Inputs { set: &[1], explicit: true, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.8.12", valid: false, leaf: "DifferentPoliciesTest12EE", intermediates: &["PoliciesP3CACert"], crls: &["PoliciesP3CACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.8.13.1", valid: true, leaf: "AllCertificatesSamePoliciesTest13EE", intermediates: &["PoliciesP123CACert"], crls: &["PoliciesP123CACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[1], explicit: true, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.8.13.2", valid: true, leaf: "AllCertificatesSamePoliciesTest13EE", intermediates: &["PoliciesP123CACert"], crls: &["PoliciesP123CACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[2], explicit: true, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.8.13.3", valid: true, leaf: "AllCertificatesSamePoliciesTest13EE", intermediates: &["PoliciesP123CACert"], crls: &["PoliciesP123CACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[3], explicit: true, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.8.14.1", valid: true, leaf: "AnyPolicyTest14EE", intermediates: &["anyPolicyCACert"], crls: &["TrustAnchorRootCRL", "anyPolicyCACRL"], policy: Inputs { set: &[1], explicit: true, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.8.14.2", valid: false, leaf: "AnyPolicyTest14EE", intermediates: &["anyPolicyCACert"], crls: &["TrustAnchorRootCRL", "anyPolicyCACRL"], policy: Inputs { set: &[2], explicit: true, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.8.15", valid: true, leaf: "UserNoticeQualifierTest15EE", intermediates: &[], crls: &["TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.8.16", valid: true, leaf: "UserNoticeQualifierTest16EE", intermediates: &["GoodCACert"], crls: &["GoodCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.8.17", valid: true, leaf: "UserNoticeQualifierTest17EE", intermediates: &["GoodCACert"], crls: &["GoodCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.8.18.1", valid: true, leaf: "UserNoticeQualifierTest18EE", intermediates: &["PoliciesP12CACert"], crls: &["PoliciesP12CACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[1], explicit: true, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.8.18.2", valid: true, leaf: "UserNoticeQualifierTest18EE", intermediates: &["PoliciesP12CACert"], crls: &["PoliciesP12CACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[2], explicit: true, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.8.19", valid: true, leaf: "UserNoticeQualifierTest19EE", intermediates: &[], crls: &["TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.8.20.1", valid: true, leaf: "CPSPointerQualifierTest20EE", intermediates: &["GoodCACert"], crls: &["GoodCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.8.20.2", valid: true, leaf: "CPSPointerQualifierTest20EE", intermediates: &["GoodCACert"], crls: &["GoodCACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[], explicit: true, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.9.1", valid: true, leaf: "ValidrequireExplicitPolicyTest1EE", intermediates: &["requireExplicitPolicy10subsubsubCACert", "requireExplicitPolicy10subsubCACert", "requireExplicitPolicy10subCACert", "requireExplicitPolicy10CACert"], crls: &["TrustAnchorRootCRL", "requireExplicitPolicy10CACRL", "requireExplicitPolicy10subCACRL", "requireExplicitPolicy10subsubCACRL", "requireExplicitPolicy10subsubsubCACRL"], policy: DEFAULT },
    Case { id: "4.9.2", valid: true, leaf: "ValidrequireExplicitPolicyTest2EE", intermediates: &["requireExplicitPolicy5subsubsubCACert", "requireExplicitPolicy5subsubCACert", "requireExplicitPolicy5subCACert", "requireExplicitPolicy5CACert"], crls: &["TrustAnchorRootCRL", "requireExplicitPolicy5CACRL", "requireExplicitPolicy5subCACRL", "requireExplicitPolicy5subsubCACRL", "requireExplicitPolicy5subsubsubCACRL"], policy: DEFAULT },
    Case { id: "4.9.3", valid: false, leaf: "InvalidrequireExplicitPolicyTest3EE", intermediates: &["requireExplicitPolicy4subsubsubCACert", "requireExplicitPolicy4subsubCACert", "requireExplicitPolicy4subCACert", "requireExplicitPolicy4CACert"], crls: &["TrustAnchorRootCRL", "requireExplicitPolicy4CACRL", "requireExplicitPolicy4subCACRL", "requireExplicitPolicy4subsubCACRL", "requireExplicitPolicy4subsubsubCACRL"], policy: DEFAULT },
    Case { id: "4.9.4", valid: true, leaf: "ValidrequireExplicitPolicyTest4EE", intermediates: &["requireExplicitPolicy0subsubsubCACert", "requireExplicitPolicy0subsubCACert", "requireExplicitPolicy0subCACert", "requireExplicitPolicy0CACert"], crls: &["TrustAnchorRootCRL", "requireExplicitPolicy0CACRL", "requireExplicitPolicy0subCACRL", "requireExplicitPolicy0subsubCACRL", "requireExplicitPolicy0subsubsubCACRL"], policy: DEFAULT },
    Case { id: "4.9.5", valid: false, leaf: "InvalidrequireExplicitPolicyTest5EE", intermediates: &["requireExplicitPolicy7subsubsubCARE2RE4Cert", "requireExplicitPolicy7subsubCARE2RE4Cert", "requireExplicitPolicy7subCARE2Cert", "requireExplicitPolicy7CACert"], crls: &["TrustAnchorRootCRL", "requireExplicitPolicy7CACRL", "requireExplicitPolicy7subCARE2CRL", "requireExplicitPolicy7subsubCARE2RE4CRL", "requireExplicitPolicy7subsubsubCARE2RE4CRL"], policy: DEFAULT },
    Case { id: "4.9.6", valid: true, leaf: "ValidSelfIssuedrequireExplicitPolicyTest6EE", intermediates: &["requireExplicitPolicy2CACert", "requireExplicitPolicy2SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "requireExplicitPolicy2CACRL"], policy: DEFAULT },
    Case { id: "4.9.7", valid: false, leaf: "InvalidSelfIssuedrequireExplicitPolicyTest7EE", intermediates: &["requireExplicitPolicy2SelfIssuedsubCACert", "requireExplicitPolicy2subCACert", "requireExplicitPolicy2CACert", "requireExplicitPolicy2SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "requireExplicitPolicy2CACRL", "requireExplicitPolicy2subCACRL"], policy: DEFAULT },
    Case { id: "4.9.8", valid: false, leaf: "InvalidSelfIssuedrequireExplicitPolicyTest8EE", intermediates: &["requireExplicitPolicy2SelfIssuedsubCACert", "requireExplicitPolicy2subCACert", "requireExplicitPolicy2CACert", "requireExplicitPolicy2SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "requireExplicitPolicy2CACRL", "requireExplicitPolicy2subCACRL"], policy: DEFAULT },
    Case { id: "4.10.1.1", valid: true, leaf: "ValidPolicyMappingTest1EE", intermediates: &["Mapping1to2CACert"], crls: &["Mapping1to2CACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[1], explicit: false, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.10.1.2", valid: false, leaf: "ValidPolicyMappingTest1EE", intermediates: &["Mapping1to2CACert"], crls: &["Mapping1to2CACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[2], explicit: false, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.10.1.3", valid: false, leaf: "ValidPolicyMappingTest1EE", intermediates: &["Mapping1to2CACert"], crls: &["Mapping1to2CACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[], explicit: false, mapping_inhibit: true, any_inhibit: false } },
    Case { id: "4.10.2.1", valid: false, leaf: "InvalidPolicyMappingTest2EE", intermediates: &["Mapping1to2CACert"], crls: &["Mapping1to2CACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.10.2.2", valid: false, leaf: "InvalidPolicyMappingTest2EE", intermediates: &["Mapping1to2CACert"], crls: &["Mapping1to2CACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[], explicit: false, mapping_inhibit: true, any_inhibit: false } },
    Case { id: "4.10.3.1", valid: false, leaf: "ValidPolicyMappingTest3EE", intermediates: &["P12Mapping1to3subsubCACert", "P12Mapping1to3subCACert", "P12Mapping1to3CACert"], crls: &["P12Mapping1to3CACRL", "P12Mapping1to3subCACRL", "P12Mapping1to3subsubCACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[1], explicit: false, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.10.3.2", valid: true, leaf: "ValidPolicyMappingTest3EE", intermediates: &["P12Mapping1to3subsubCACert", "P12Mapping1to3subCACert", "P12Mapping1to3CACert"], crls: &["P12Mapping1to3CACRL", "P12Mapping1to3subCACRL", "P12Mapping1to3subsubCACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[2], explicit: false, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.10.4", valid: false, leaf: "InvalidPolicyMappingTest4EE", intermediates: &["P12Mapping1to3subsubCACert", "P12Mapping1to3subCACert", "P12Mapping1to3CACert"], crls: &["P12Mapping1to3CACRL", "P12Mapping1to3subCACRL", "P12Mapping1to3subsubCACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[1], explicit: false, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.10.5.1", valid: true, leaf: "ValidPolicyMappingTest5EE", intermediates: &["P1Mapping1to234subCACert", "P1Mapping1to234CACert"], crls: &["P1Mapping1to234CACRL", "P1Mapping1to234subCACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[1], explicit: false, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.10.5.2", valid: false, leaf: "ValidPolicyMappingTest5EE", intermediates: &["P1Mapping1to234subCACert", "P1Mapping1to234CACert"], crls: &["P1Mapping1to234CACRL", "P1Mapping1to234subCACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[6], explicit: false, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.10.6.1", valid: true, leaf: "ValidPolicyMappingTest6EE", intermediates: &["P1Mapping1to234subCACert", "P1Mapping1to234CACert"], crls: &["P1Mapping1to234CACRL", "P1Mapping1to234subCACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[1], explicit: false, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.10.6.2", valid: false, leaf: "ValidPolicyMappingTest6EE", intermediates: &["P1Mapping1to234subCACert", "P1Mapping1to234CACert"], crls: &["P1Mapping1to234CACRL", "P1Mapping1to234subCACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[6], explicit: false, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.10.7", valid: false, leaf: "InvalidMappingFromanyPolicyTest7EE", intermediates: &["MappingFromanyPolicyCACert"], crls: &["MappingFromanyPolicyCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.10.8", valid: false, leaf: "InvalidMappingToanyPolicyTest8EE", intermediates: &["MappingToanyPolicyCACert"], crls: &["MappingToanyPolicyCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.10.9", valid: true, leaf: "ValidPolicyMappingTest9EE", intermediates: &["PanyPolicyMapping1to2CACert"], crls: &["PanyPolicyMapping1to2CACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.10.10", valid: false, leaf: "InvalidPolicyMappingTest10EE", intermediates: &["GoodsubCAPanyPolicyMapping1to2CACert", "GoodCACert"], crls: &["GoodCACRL", "GoodsubCAPanyPolicyMapping1to2CACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.10.11", valid: true, leaf: "ValidPolicyMappingTest11EE", intermediates: &["GoodsubCAPanyPolicyMapping1to2CACert", "GoodCACert"], crls: &["GoodCACRL", "GoodsubCAPanyPolicyMapping1to2CACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.10.12.1", valid: true, leaf: "ValidPolicyMappingTest12EE", intermediates: &["P12Mapping1to3CACert"], crls: &["P12Mapping1to3CACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[1], explicit: false, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.10.12.2", valid: true, leaf: "ValidPolicyMappingTest12EE", intermediates: &["P12Mapping1to3CACert"], crls: &["P12Mapping1to3CACRL", "TrustAnchorRootCRL"], policy: Inputs { set: &[2], explicit: false, mapping_inhibit: false, any_inhibit: false } },
    Case { id: "4.10.13", valid: true, leaf: "ValidPolicyMappingTest13EE", intermediates: &["P1anyPolicyMapping1to2CACert"], crls: &["P1anyPolicyMapping1to2CACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.10.14", valid: true, leaf: "ValidPolicyMappingTest14EE", intermediates: &["P1anyPolicyMapping1to2CACert"], crls: &["P1anyPolicyMapping1to2CACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.11.1", valid: false, leaf: "InvalidinhibitPolicyMappingTest1EE", intermediates: &["inhibitPolicyMapping0subCACert", "inhibitPolicyMapping0CACert"], crls: &["TrustAnchorRootCRL", "inhibitPolicyMapping0CACRL", "inhibitPolicyMapping0subCACRL"], policy: DEFAULT },
    Case { id: "4.11.2", valid: true, leaf: "ValidinhibitPolicyMappingTest2EE", intermediates: &["inhibitPolicyMapping1P12subCACert", "inhibitPolicyMapping1P12CACert"], crls: &["TrustAnchorRootCRL", "inhibitPolicyMapping1P12CACRL", "inhibitPolicyMapping1P12subCACRL"], policy: DEFAULT },
    Case { id: "4.11.3", valid: false, leaf: "InvalidinhibitPolicyMappingTest3EE", intermediates: &["inhibitPolicyMapping1P12subsubCACert", "inhibitPolicyMapping1P12subCACert", "inhibitPolicyMapping1P12CACert"], crls: &["TrustAnchorRootCRL", "inhibitPolicyMapping1P12CACRL", "inhibitPolicyMapping1P12subCACRL", "inhibitPolicyMapping1P12subsubCACRL"], policy: DEFAULT },
    Case { id: "4.11.4", valid: true, leaf: "ValidinhibitPolicyMappingTest4EE", intermediates: &["inhibitPolicyMapping1P12subsubCACert", "inhibitPolicyMapping1P12subCACert", "inhibitPolicyMapping1P12CACert"], crls: &["TrustAnchorRootCRL", "inhibitPolicyMapping1P12CACRL", "inhibitPolicyMapping1P12subCACRL", "inhibitPolicyMapping1P12subsubCACRL"], policy: DEFAULT },
    Case { id: "4.11.5", valid: false, leaf: "InvalidinhibitPolicyMappingTest5EE", intermediates: &["inhibitPolicyMapping5subsubsubCACert", "inhibitPolicyMapping5subsubCACert", "inhibitPolicyMapping5subCACert", "inhibitPolicyMapping5CACert"], crls: &["TrustAnchorRootCRL", "inhibitPolicyMapping5CACRL", "inhibitPolicyMapping5subCACRL", "inhibitPolicyMapping5subsubCACRL", "inhibitPolicyMapping5subsubsubCACRL"], policy: DEFAULT },
    Case { id: "4.11.6", valid: false, leaf: "InvalidinhibitPolicyMappingTest6EE", intermediates: &["inhibitPolicyMapping1P12subsubCAIPM5Cert", "inhibitPolicyMapping1P12subCAIPM5Cert", "inhibitPolicyMapping1P12CACert"], crls: &["TrustAnchorRootCRL", "inhibitPolicyMapping1P12CACRL", "inhibitPolicyMapping1P12subCAIPM5CRL", "inhibitPolicyMapping1P12subsubCAIPM5CRL"], policy: DEFAULT },
    Case { id: "4.11.7", valid: true, leaf: "ValidSelfIssuedinhibitPolicyMappingTest7EE", intermediates: &["inhibitPolicyMapping1P1SelfIssuedsubCACert", "inhibitPolicyMapping1P1subCACert", "inhibitPolicyMapping1P1CACert", "inhibitPolicyMapping1P1SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "inhibitPolicyMapping1P1CACRL", "inhibitPolicyMapping1P1subCACRL"], policy: DEFAULT },
    Case { id: "4.11.8", valid: false, leaf: "InvalidSelfIssuedinhibitPolicyMappingTest8EE", intermediates: &["inhibitPolicyMapping1P1subsubCACert", "inhibitPolicyMapping1P1SelfIssuedsubCACert", "inhibitPolicyMapping1P1subCACert", "inhibitPolicyMapping1P1CACert", "inhibitPolicyMapping1P1SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "inhibitPolicyMapping1P1CACRL", "inhibitPolicyMapping1P1subCACRL", "inhibitPolicyMapping1P1subsubCACRL"], policy: DEFAULT },
    Case { id: "4.11.9", valid: false, leaf: "InvalidSelfIssuedinhibitPolicyMappingTest9EE", intermediates: &["inhibitPolicyMapping1P1subsubCACert", "inhibitPolicyMapping1P1SelfIssuedsubCACert", "inhibitPolicyMapping1P1subCACert", "inhibitPolicyMapping1P1CACert", "inhibitPolicyMapping1P1SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "inhibitPolicyMapping1P1CACRL", "inhibitPolicyMapping1P1subCACRL", "inhibitPolicyMapping1P1subsubCACRL"], policy: DEFAULT },
    Case { id: "4.11.10", valid: false, leaf: "InvalidSelfIssuedinhibitPolicyMappingTest10EE", intermediates: &["inhibitPolicyMapping1P1SelfIssuedsubCACert", "inhibitPolicyMapping1P1subCACert", "inhibitPolicyMapping1P1CACert", "inhibitPolicyMapping1P1SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "inhibitPolicyMapping1P1CACRL", "inhibitPolicyMapping1P1subCACRL"], policy: DEFAULT },
    Case { id: "4.11.11", valid: false, leaf: "InvalidSelfIssuedinhibitPolicyMappingTest11EE", intermediates: &["inhibitPolicyMapping1P1SelfIssuedsubCACert", "inhibitPolicyMapping1P1subCACert", "inhibitPolicyMapping1P1CACert", "inhibitPolicyMapping1P1SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "inhibitPolicyMapping1P1CACRL", "inhibitPolicyMapping1P1subCACRL"], policy: DEFAULT },
    Case { id: "4.12.1", valid: false, leaf: "InvalidinhibitAnyPolicyTest1EE", intermediates: &["inhibitAnyPolicy0CACert"], crls: &["TrustAnchorRootCRL", "inhibitAnyPolicy0CACRL"], policy: DEFAULT },
    Case { id: "4.12.2", valid: true, leaf: "ValidinhibitAnyPolicyTest2EE", intermediates: &["inhibitAnyPolicy0CACert"], crls: &["TrustAnchorRootCRL", "inhibitAnyPolicy0CACRL"], policy: DEFAULT },
    Case { id: "4.12.3.1", valid: true, leaf: "inhibitAnyPolicyTest3EE", intermediates: &["inhibitAnyPolicy1subCA1Cert", "inhibitAnyPolicy1CACert", "inhibitAnyPolicy1SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "inhibitAnyPolicy1CACRL", "inhibitAnyPolicy1subCA1CRL"], policy: DEFAULT },
    Case { id: "4.12.3.2", valid: false, leaf: "inhibitAnyPolicyTest3EE", intermediates: &["inhibitAnyPolicy1subCA1Cert", "inhibitAnyPolicy1CACert", "inhibitAnyPolicy1SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "inhibitAnyPolicy1CACRL", "inhibitAnyPolicy1subCA1CRL"], policy: Inputs { set: &[], explicit: false, mapping_inhibit: false, any_inhibit: true } },
    Case { id: "4.12.4", valid: false, leaf: "InvalidinhibitAnyPolicyTest4EE", intermediates: &["inhibitAnyPolicy1subCA1Cert", "inhibitAnyPolicy1CACert", "inhibitAnyPolicy1SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "inhibitAnyPolicy1CACRL", "inhibitAnyPolicy1subCA1CRL"], policy: DEFAULT },
    Case { id: "4.12.5", valid: false, leaf: "InvalidinhibitAnyPolicyTest5EE", intermediates: &["inhibitAnyPolicy5subsubCACert", "inhibitAnyPolicy5subCACert", "inhibitAnyPolicy5CACert"], crls: &["TrustAnchorRootCRL", "inhibitAnyPolicy5CACRL", "inhibitAnyPolicy5subCACRL", "inhibitAnyPolicy5subsubCACRL"], policy: DEFAULT },
    Case { id: "4.12.6", valid: false, leaf: "InvalidinhibitAnyPolicyTest6EE", intermediates: &["inhibitAnyPolicy1subCAIAP5Cert", "inhibitAnyPolicy1CACert", "inhibitAnyPolicy1SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "inhibitAnyPolicy1CACRL", "inhibitAnyPolicy1subCAIAP5CRL"], policy: DEFAULT },
    Case { id: "4.12.7", valid: true, leaf: "ValidSelfIssuedinhibitAnyPolicyTest7EE", intermediates: &["inhibitAnyPolicy1SelfIssuedsubCA2Cert", "inhibitAnyPolicy1subCA2Cert", "inhibitAnyPolicy1CACert", "inhibitAnyPolicy1SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "inhibitAnyPolicy1CACRL", "inhibitAnyPolicy1subCA2CRL"], policy: DEFAULT },
    Case { id: "4.12.8", valid: false, leaf: "InvalidSelfIssuedinhibitAnyPolicyTest8EE", intermediates: &["inhibitAnyPolicy1subsubCA2Cert", "inhibitAnyPolicy1SelfIssuedsubCA2Cert", "inhibitAnyPolicy1subCA2Cert", "inhibitAnyPolicy1CACert", "inhibitAnyPolicy1SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "inhibitAnyPolicy1CACRL", "inhibitAnyPolicy1subCA2CRL", "inhibitAnyPolicy1subsubCA2CRL"], policy: DEFAULT },
    Case { id: "4.12.9", valid: true, leaf: "ValidSelfIssuedinhibitAnyPolicyTest9EE", intermediates: &["inhibitAnyPolicy1SelfIssuedsubCA2Cert", "inhibitAnyPolicy1subCA2Cert", "inhibitAnyPolicy1CACert", "inhibitAnyPolicy1SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "inhibitAnyPolicy1CACRL", "inhibitAnyPolicy1subCA2CRL"], policy: DEFAULT },
    Case { id: "4.12.10", valid: false, leaf: "InvalidSelfIssuedinhibitAnyPolicyTest10EE", intermediates: &["inhibitAnyPolicy1SelfIssuedsubCA2Cert", "inhibitAnyPolicy1subCA2Cert", "inhibitAnyPolicy1CACert", "inhibitAnyPolicy1SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "inhibitAnyPolicy1CACRL", "inhibitAnyPolicy1subCA2CRL"], policy: DEFAULT },
    Case { id: "4.13.1", valid: true, leaf: "ValidDNnameConstraintsTest1EE", intermediates: &["nameConstraintsDN1CACert", "nameConstraintsDN1SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDN1CACRL"], policy: DEFAULT },
    Case { id: "4.13.2", valid: false, leaf: "InvalidDNnameConstraintsTest2EE", intermediates: &["nameConstraintsDN1CACert", "nameConstraintsDN1SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDN1CACRL"], policy: DEFAULT },
    Case { id: "4.13.3", valid: false, leaf: "InvalidDNnameConstraintsTest3EE", intermediates: &["nameConstraintsDN1CACert", "nameConstraintsDN1SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDN1CACRL"], policy: DEFAULT },
    Case { id: "4.13.4", valid: true, leaf: "ValidDNnameConstraintsTest4EE", intermediates: &["nameConstraintsDN1CACert", "nameConstraintsDN1SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDN1CACRL"], policy: DEFAULT },
    Case { id: "4.13.5", valid: true, leaf: "ValidDNnameConstraintsTest5EE", intermediates: &["nameConstraintsDN2CACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDN2CACRL"], policy: DEFAULT },
    Case { id: "4.13.6", valid: true, leaf: "ValidDNnameConstraintsTest6EE", intermediates: &["nameConstraintsDN3CACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDN3CACRL"], policy: DEFAULT },
    Case { id: "4.13.7", valid: false, leaf: "InvalidDNnameConstraintsTest7EE", intermediates: &["nameConstraintsDN3CACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDN3CACRL"], policy: DEFAULT },
    Case { id: "4.13.8", valid: false, leaf: "InvalidDNnameConstraintsTest8EE", intermediates: &["nameConstraintsDN4CACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDN4CACRL"], policy: DEFAULT },
    Case { id: "4.13.9", valid: false, leaf: "InvalidDNnameConstraintsTest9EE", intermediates: &["nameConstraintsDN4CACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDN4CACRL"], policy: DEFAULT },
    Case { id: "4.13.10", valid: false, leaf: "InvalidDNnameConstraintsTest10EE", intermediates: &["nameConstraintsDN5CACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDN5CACRL"], policy: DEFAULT },
    Case { id: "4.13.11", valid: true, leaf: "ValidDNnameConstraintsTest11EE", intermediates: &["nameConstraintsDN5CACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDN5CACRL"], policy: DEFAULT },
    Case { id: "4.13.12", valid: false, leaf: "InvalidDNnameConstraintsTest12EE", intermediates: &["nameConstraintsDN1subCA1Cert", "nameConstraintsDN1CACert", "nameConstraintsDN1SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDN1CACRL", "nameConstraintsDN1subCA1CRL"], policy: DEFAULT },
    Case { id: "4.13.13", valid: false, leaf: "InvalidDNnameConstraintsTest13EE", intermediates: &["nameConstraintsDN1subCA2Cert", "nameConstraintsDN1CACert", "nameConstraintsDN1SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDN1CACRL", "nameConstraintsDN1subCA2CRL"], policy: DEFAULT },
    Case { id: "4.13.14", valid: true, leaf: "ValidDNnameConstraintsTest14EE", intermediates: &["nameConstraintsDN1subCA2Cert", "nameConstraintsDN1CACert", "nameConstraintsDN1SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDN1CACRL", "nameConstraintsDN1subCA2CRL"], policy: DEFAULT },
    Case { id: "4.13.15", valid: false, leaf: "InvalidDNnameConstraintsTest15EE", intermediates: &["nameConstraintsDN3subCA1Cert", "nameConstraintsDN3CACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDN3CACRL", "nameConstraintsDN3subCA1CRL"], policy: DEFAULT },
    Case { id: "4.13.16", valid: false, leaf: "InvalidDNnameConstraintsTest16EE", intermediates: &["nameConstraintsDN3subCA1Cert", "nameConstraintsDN3CACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDN3CACRL", "nameConstraintsDN3subCA1CRL"], policy: DEFAULT },
    Case { id: "4.13.17", valid: false, leaf: "InvalidDNnameConstraintsTest17EE", intermediates: &["nameConstraintsDN3subCA2Cert", "nameConstraintsDN3CACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDN3CACRL", "nameConstraintsDN3subCA2CRL"], policy: DEFAULT },
    Case { id: "4.13.18", valid: true, leaf: "ValidDNnameConstraintsTest18EE", intermediates: &["nameConstraintsDN3subCA2Cert", "nameConstraintsDN3CACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDN3CACRL", "nameConstraintsDN3subCA2CRL"], policy: DEFAULT },
    Case { id: "4.13.19", valid: true, leaf: "ValidDNnameConstraintsTest19EE", intermediates: &["nameConstraintsDN1CACert", "nameConstraintsDN1SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDN1CACRL"], policy: DEFAULT },
    Case { id: "4.13.20", valid: false, leaf: "InvalidDNnameConstraintsTest20EE", intermediates: &["nameConstraintsDN1CACert", "nameConstraintsDN1SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDN1CACRL"], policy: DEFAULT },
    Case { id: "4.13.21", valid: true, leaf: "ValidRFC822nameConstraintsTest21EE", intermediates: &["nameConstraintsRFC822CA1Cert"], crls: &["TrustAnchorRootCRL", "nameConstraintsRFC822CA1CRL"], policy: DEFAULT },
    Case { id: "4.13.22", valid: false, leaf: "InvalidRFC822nameConstraintsTest22EE", intermediates: &["nameConstraintsRFC822CA1Cert"], crls: &["TrustAnchorRootCRL", "nameConstraintsRFC822CA1CRL"], policy: DEFAULT },
    Case { id: "4.13.23", valid: true, leaf: "ValidRFC822nameConstraintsTest23EE", intermediates: &["nameConstraintsRFC822CA2Cert"], crls: &["TrustAnchorRootCRL", "nameConstraintsRFC822CA2CRL"], policy: DEFAULT },
    Case { id: "4.13.24", valid: false, leaf: "InvalidRFC822nameConstraintsTest24EE", intermediates: &["nameConstraintsRFC822CA2Cert"], crls: &["TrustAnchorRootCRL", "nameConstraintsRFC822CA2CRL"], policy: DEFAULT },
    Case { id: "4.13.25", valid: true, leaf: "ValidRFC822nameConstraintsTest25EE", intermediates: &["nameConstraintsRFC822CA3Cert"], crls: &["TrustAnchorRootCRL", "nameConstraintsRFC822CA3CRL"], policy: DEFAULT },
    Case { id: "4.13.26", valid: false, leaf: "InvalidRFC822nameConstraintsTest26EE", intermediates: &["nameConstraintsRFC822CA3Cert"], crls: &["TrustAnchorRootCRL", "nameConstraintsRFC822CA3CRL"], policy: DEFAULT },
    Case { id: "4.13.27", valid: true, leaf: "ValidDNandRFC822nameConstraintsTest27EE", intermediates: &["nameConstraintsDN1subCA3Cert", "nameConstraintsDN1CACert", "nameConstraintsDN1SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDN1CACRL", "nameConstraintsDN1subCA3CRL"], policy: DEFAULT },
    Case { id: "4.13.28", valid: false, leaf: "InvalidDNandRFC822nameConstraintsTest28EE", intermediates: &["nameConstraintsDN1subCA3Cert", "nameConstraintsDN1CACert", "nameConstraintsDN1SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDN1CACRL", "nameConstraintsDN1subCA3CRL"], policy: DEFAULT },
    Case { id: "4.13.29", valid: false, leaf: "InvalidDNandRFC822nameConstraintsTest29EE", intermediates: &["nameConstraintsDN1subCA3Cert", "nameConstraintsDN1CACert", "nameConstraintsDN1SelfIssuedCACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDN1CACRL", "nameConstraintsDN1subCA3CRL"], policy: DEFAULT },
    Case { id: "4.13.30", valid: true, leaf: "ValidDNSnameConstraintsTest30EE", intermediates: &["nameConstraintsDNS1CACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDNS1CACRL"], policy: DEFAULT },
    Case { id: "4.13.31", valid: false, leaf: "InvalidDNSnameConstraintsTest31EE", intermediates: &["nameConstraintsDNS1CACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDNS1CACRL"], policy: DEFAULT },
    Case { id: "4.13.32", valid: true, leaf: "ValidDNSnameConstraintsTest32EE", intermediates: &["nameConstraintsDNS2CACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDNS2CACRL"], policy: DEFAULT },
    Case { id: "4.13.33", valid: false, leaf: "InvalidDNSnameConstraintsTest33EE", intermediates: &["nameConstraintsDNS2CACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDNS2CACRL"], policy: DEFAULT },
    Case { id: "4.13.34", valid: true, leaf: "ValidURInameConstraintsTest34EE", intermediates: &["nameConstraintsURI1CACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsURI1CACRL"], policy: DEFAULT },
    Case { id: "4.13.35", valid: false, leaf: "InvalidURInameConstraintsTest35EE", intermediates: &["nameConstraintsURI1CACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsURI1CACRL"], policy: DEFAULT },
    Case { id: "4.13.36", valid: true, leaf: "ValidURInameConstraintsTest36EE", intermediates: &["nameConstraintsURI2CACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsURI2CACRL"], policy: DEFAULT },
    Case { id: "4.13.37", valid: false, leaf: "InvalidURInameConstraintsTest37EE", intermediates: &["nameConstraintsURI2CACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsURI2CACRL"], policy: DEFAULT },
    Case { id: "4.13.38", valid: false, leaf: "InvalidDNSnameConstraintsTest38EE", intermediates: &["nameConstraintsDNS1CACert"], crls: &["TrustAnchorRootCRL", "nameConstraintsDNS1CACRL"], policy: DEFAULT },
    Case { id: "4.14.1", valid: true, leaf: "ValiddistributionPointTest1EE", intermediates: &["distributionPoint1CACert"], crls: &["TrustAnchorRootCRL", "distributionPoint1CACRL"], policy: DEFAULT },
    Case { id: "4.14.2", valid: false, leaf: "InvaliddistributionPointTest2EE", intermediates: &["distributionPoint1CACert"], crls: &["TrustAnchorRootCRL", "distributionPoint1CACRL"], policy: DEFAULT },
    Case { id: "4.14.3", valid: false, leaf: "InvaliddistributionPointTest3EE", intermediates: &["distributionPoint1CACert"], crls: &["TrustAnchorRootCRL", "distributionPoint1CACRL"], policy: DEFAULT },
    Case { id: "4.14.4", valid: true, leaf: "ValiddistributionPointTest4EE", intermediates: &["distributionPoint1CACert"], crls: &["TrustAnchorRootCRL", "distributionPoint1CACRL"], policy: DEFAULT },
    Case { id: "4.14.5", valid: true, leaf: "ValiddistributionPointTest5EE", intermediates: &["distributionPoint2CACert"], crls: &["TrustAnchorRootCRL", "distributionPoint2CACRL"], policy: DEFAULT },
    Case { id: "4.14.6", valid: false, leaf: "InvaliddistributionPointTest6EE", intermediates: &["distributionPoint2CACert"], crls: &["TrustAnchorRootCRL", "distributionPoint2CACRL"], policy: DEFAULT },
    Case { id: "4.14.7", valid: true, leaf: "ValiddistributionPointTest7EE", intermediates: &["distributionPoint2CACert"], crls: &["TrustAnchorRootCRL", "distributionPoint2CACRL"], policy: DEFAULT },
    Case { id: "4.14.8", valid: false, leaf: "InvaliddistributionPointTest8EE", intermediates: &["distributionPoint2CACert"], crls: &["TrustAnchorRootCRL", "distributionPoint2CACRL"], policy: DEFAULT },
    Case { id: "4.14.9", valid: false, leaf: "InvaliddistributionPointTest9EE", intermediates: &["distributionPoint2CACert"], crls: &["TrustAnchorRootCRL", "distributionPoint2CACRL"], policy: DEFAULT },
    Case { id: "4.14.10", valid: true, leaf: "ValidNoissuingDistributionPointTest10EE", intermediates: &["NoissuingDistributionPointCACert"], crls: &["NoissuingDistributionPointCACRL", "TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.14.11", valid: false, leaf: "InvalidonlyContainsUserCertsTest11EE", intermediates: &["onlyContainsUserCertsCACert"], crls: &["TrustAnchorRootCRL", "onlyContainsUserCertsCACRL"], policy: DEFAULT },
    Case { id: "4.14.12", valid: false, leaf: "InvalidonlyContainsCACertsTest12EE", intermediates: &["onlyContainsCACertsCACert"], crls: &["TrustAnchorRootCRL", "onlyContainsCACertsCACRL"], policy: DEFAULT },
    Case { id: "4.14.13", valid: true, leaf: "ValidonlyContainsCACertsTest13EE", intermediates: &["onlyContainsCACertsCACert"], crls: &["TrustAnchorRootCRL", "onlyContainsCACertsCACRL"], policy: DEFAULT },
    Case { id: "4.14.14", valid: false, leaf: "InvalidonlyContainsAttributeCertsTest14EE", intermediates: &["onlyContainsAttributeCertsCACert"], crls: &["TrustAnchorRootCRL", "onlyContainsAttributeCertsCACRL"], policy: DEFAULT },
    Case { id: "4.14.15", valid: false, leaf: "InvalidonlySomeReasonsTest15EE", intermediates: &["onlySomeReasonsCA1Cert"], crls: &["TrustAnchorRootCRL", "onlySomeReasonsCA1compromiseCRL", "onlySomeReasonsCA1otherreasonsCRL"], policy: DEFAULT },
    Case { id: "4.14.16", valid: false, leaf: "InvalidonlySomeReasonsTest16EE", intermediates: &["onlySomeReasonsCA1Cert"], crls: &["TrustAnchorRootCRL", "onlySomeReasonsCA1compromiseCRL", "onlySomeReasonsCA1otherreasonsCRL"], policy: DEFAULT },
    Case { id: "4.14.17", valid: false, leaf: "InvalidonlySomeReasonsTest17EE", intermediates: &["onlySomeReasonsCA2Cert"], crls: &["TrustAnchorRootCRL", "onlySomeReasonsCA2CRL1", "onlySomeReasonsCA2CRL2"], policy: DEFAULT },
    Case { id: "4.14.18", valid: true, leaf: "ValidonlySomeReasonsTest18EE", intermediates: &["onlySomeReasonsCA3Cert"], crls: &["TrustAnchorRootCRL", "onlySomeReasonsCA3compromiseCRL", "onlySomeReasonsCA3otherreasonsCRL"], policy: DEFAULT },
    Case { id: "4.14.19", valid: true, leaf: "ValidonlySomeReasonsTest19EE", intermediates: &["onlySomeReasonsCA4Cert"], crls: &["TrustAnchorRootCRL", "onlySomeReasonsCA4compromiseCRL", "onlySomeReasonsCA4otherreasonsCRL"], policy: DEFAULT },
    Case { id: "4.14.20", valid: false, leaf: "InvalidonlySomeReasonsTest20EE", intermediates: &["onlySomeReasonsCA4Cert"], crls: &["TrustAnchorRootCRL", "onlySomeReasonsCA4compromiseCRL", "onlySomeReasonsCA4otherreasonsCRL"], policy: DEFAULT },
    Case { id: "4.14.21", valid: false, leaf: "InvalidonlySomeReasonsTest21EE", intermediates: &["onlySomeReasonsCA4Cert"], crls: &["TrustAnchorRootCRL", "onlySomeReasonsCA4compromiseCRL", "onlySomeReasonsCA4otherreasonsCRL"], policy: DEFAULT },
    Case { id: "4.14.22", valid: true, leaf: "ValidIDPwithindirectCRLTest22EE", intermediates: &["indirectCRLCA1Cert"], crls: &["TrustAnchorRootCRL", "indirectCRLCA1CRL"], policy: DEFAULT },
    Case { id: "4.14.23", valid: false, leaf: "InvalidIDPwithindirectCRLTest23EE", intermediates: &["indirectCRLCA1Cert"], crls: &["TrustAnchorRootCRL", "indirectCRLCA1CRL"], policy: DEFAULT },
    Case { id: "4.14.24", valid: true, leaf: "ValidIDPwithindirectCRLTest24EE", intermediates: &["indirectCRLCA2Cert", "indirectCRLCA1Cert"], crls: &["TrustAnchorRootCRL", "indirectCRLCA1CRL"], policy: DEFAULT },
    Case { id: "4.14.25", valid: true, leaf: "ValidIDPwithindirectCRLTest25EE", intermediates: &["indirectCRLCA2Cert", "indirectCRLCA1Cert"], crls: &["TrustAnchorRootCRL", "indirectCRLCA1CRL"], policy: DEFAULT },
    Case { id: "4.14.26", valid: false, leaf: "InvalidIDPwithindirectCRLTest26EE", intermediates: &["indirectCRLCA2Cert", "indirectCRLCA1Cert"], crls: &["TrustAnchorRootCRL", "indirectCRLCA1CRL"], policy: DEFAULT },
    Case { id: "4.14.27", valid: false, leaf: "InvalidcRLIssuerTest27EE", intermediates: &["indirectCRLCA2Cert"], crls: &["TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.14.28", valid: true, leaf: "ValidcRLIssuerTest28EE", intermediates: &["indirectCRLCA3Cert", "indirectCRLCA3cRLIssuerCert"], crls: &["TrustAnchorRootCRL", "indirectCRLCA3CRL", "indirectCRLCA3cRLIssuerCRL"], policy: DEFAULT },
    Case { id: "4.14.29", valid: true, leaf: "ValidcRLIssuerTest29EE", intermediates: &["indirectCRLCA3Cert", "indirectCRLCA3cRLIssuerCert"], crls: &["TrustAnchorRootCRL", "indirectCRLCA3CRL", "indirectCRLCA3cRLIssuerCRL"], policy: DEFAULT },
    Case { id: "4.14.30", valid: true, leaf: "ValidcRLIssuerTest30EE", intermediates: &["indirectCRLCA4Cert", "indirectCRLCA4cRLIssuerCert"], crls: &["TrustAnchorRootCRL", "indirectCRLCA4cRLIssuerCRL"], policy: DEFAULT },
    Case { id: "4.14.31", valid: false, leaf: "InvalidcRLIssuerTest31EE", intermediates: &["indirectCRLCA6Cert", "indirectCRLCA5Cert"], crls: &["TrustAnchorRootCRL", "indirectCRLCA5CRL"], policy: DEFAULT },
    Case { id: "4.14.32", valid: false, leaf: "InvalidcRLIssuerTest32EE", intermediates: &["indirectCRLCA6Cert", "indirectCRLCA5Cert"], crls: &["TrustAnchorRootCRL", "indirectCRLCA5CRL"], policy: DEFAULT },
    Case { id: "4.14.33", valid: true, leaf: "ValidcRLIssuerTest33EE", intermediates: &["indirectCRLCA6Cert", "indirectCRLCA5Cert"], crls: &["TrustAnchorRootCRL", "indirectCRLCA5CRL"], policy: DEFAULT },
    Case { id: "4.14.34", valid: false, leaf: "InvalidcRLIssuerTest34EE", intermediates: &["indirectCRLCA5Cert"], crls: &["TrustAnchorRootCRL", "indirectCRLCA5CRL"], policy: DEFAULT },
    Case { id: "4.14.35", valid: false, leaf: "InvalidcRLIssuerTest35EE", intermediates: &["indirectCRLCA5Cert"], crls: &["TrustAnchorRootCRL", "indirectCRLCA5CRL"], policy: DEFAULT },
    Case { id: "4.15.1", valid: false, leaf: "InvaliddeltaCRLIndicatorNoBaseTest1EE", intermediates: &["deltaCRLIndicatorNoBaseCACert"], crls: &["TrustAnchorRootCRL", "deltaCRLIndicatorNoBaseCACRL"], policy: DEFAULT },
    Case { id: "4.15.2", valid: true, leaf: "ValiddeltaCRLTest2EE", intermediates: &["deltaCRLCA1Cert"], crls: &["TrustAnchorRootCRL", "deltaCRLCA1CRL", "deltaCRLCA1deltaCRL"], policy: DEFAULT },
    Case { id: "4.15.3", valid: false, leaf: "InvaliddeltaCRLTest3EE", intermediates: &["deltaCRLCA1Cert"], crls: &["TrustAnchorRootCRL", "deltaCRLCA1CRL", "deltaCRLCA1deltaCRL"], policy: DEFAULT },
    Case { id: "4.15.4", valid: false, leaf: "InvaliddeltaCRLTest4EE", intermediates: &["deltaCRLCA1Cert"], crls: &["TrustAnchorRootCRL", "deltaCRLCA1CRL", "deltaCRLCA1deltaCRL"], policy: DEFAULT },
    Case { id: "4.15.5", valid: true, leaf: "ValiddeltaCRLTest5EE", intermediates: &["deltaCRLCA1Cert"], crls: &["TrustAnchorRootCRL", "deltaCRLCA1CRL", "deltaCRLCA1deltaCRL"], policy: DEFAULT },
    Case { id: "4.15.6", valid: false, leaf: "InvaliddeltaCRLTest6EE", intermediates: &["deltaCRLCA1Cert"], crls: &["TrustAnchorRootCRL", "deltaCRLCA1CRL", "deltaCRLCA1deltaCRL"], policy: DEFAULT },
    Case { id: "4.15.7", valid: true, leaf: "ValiddeltaCRLTest7EE", intermediates: &["deltaCRLCA1Cert"], crls: &["TrustAnchorRootCRL", "deltaCRLCA1CRL", "deltaCRLCA1deltaCRL"], policy: DEFAULT },
    Case { id: "4.15.8", valid: true, leaf: "ValiddeltaCRLTest8EE", intermediates: &["deltaCRLCA2Cert"], crls: &["TrustAnchorRootCRL", "deltaCRLCA2CRL", "deltaCRLCA2deltaCRL"], policy: DEFAULT },
    Case { id: "4.15.9", valid: false, leaf: "InvaliddeltaCRLTest9EE", intermediates: &["deltaCRLCA2Cert"], crls: &["TrustAnchorRootCRL", "deltaCRLCA2CRL", "deltaCRLCA2deltaCRL"], policy: DEFAULT },
    Case { id: "4.15.10", valid: false, leaf: "InvaliddeltaCRLTest10EE", intermediates: &["deltaCRLCA3Cert"], crls: &["TrustAnchorRootCRL", "deltaCRLCA3CRL", "deltaCRLCA3deltaCRL"], policy: DEFAULT },
    Case { id: "4.16.1", valid: true, leaf: "ValidUnknownNotCriticalCertificateExtensionTest1EE", intermediates: &[], crls: &["TrustAnchorRootCRL"], policy: DEFAULT },
    Case { id: "4.16.2", valid: false, leaf: "InvalidUnknownCriticalCertificateExtensionTest2EE", intermediates: &[], crls: &["TrustAnchorRootCRL"], policy: DEFAULT },
];

fn data(kind: &str, name: &str, ext: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/data/pkits/{kind}/{name}.{ext}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn read_cert(name: &str) -> Result<Certificate, String> {
    Certificate::from_der(&data("certs", name, "crt")).map_err(|e| format!("{name}: {e}"))
}

fn cert(name: &str) -> Certificate {
    read_cert(name).unwrap_or_else(|e| panic!("{e}"))
}

fn options(inputs: Inputs) -> ValidationOptions {
    // 2010-01-01T00:00:00Z.
    let mut options =
        ValidationOptions::at(SystemTime::UNIX_EPOCH + Duration::from_secs(1_262_304_000));
    options.allow_legacy = true;
    options.revocation = RevocationMode::HardFail;
    options.policy = PolicyInputs {
        initial_policy_set: inputs
            .set
            .iter()
            .map(|n| {
                ObjectIdentifier::new(&format!("2.16.840.1.101.3.2.1.48.{n}")).expect("policy OID")
            })
            .collect(),
        initial_explicit_policy: inputs.explicit,
        initial_policy_mapping_inhibit: inputs.mapping_inhibit,
        initial_any_policy_inhibit: inputs.any_inhibit,
    };
    options
}

/// The report, or why a certificate of the test cannot even be read (a rejection too).
fn run(case: &Case, anchor: &Certificate) -> Result<ValidationReport, String> {
    let leaf = read_cert(case.leaf)?;
    let intermediates = case
        .intermediates
        .iter()
        .map(|n| read_cert(n))
        .collect::<Result<Vec<_>, _>>()?;
    let crls = case
        .crls
        .iter()
        .map(|n| Crl::from_der(&data("crls", n, "crl"), n).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let checker = RevocationChecker::new(Offline).with_crls(crls);
    Ok(validate(
        &leaf,
        &intermediates,
        std::slice::from_ref(anchor),
        &options(case.policy),
        Some(&checker),
    ))
}

fn section(id: &str) -> String {
    id.split('.').take(2).collect::<Vec<_>>().join(".")
}

#[test]
fn pkits_every_test_matches_expected_result_or_known_failure() {
    let anchor = cert("TrustAnchorRootCertificate");
    let mut per_section: BTreeMap<(u32, u32), (String, usize, usize)> = BTreeMap::new();
    let mut unexpected = Vec::new();
    for case in CASES {
        let (accepted, outcome) = match run(case, &anchor) {
            Ok(report) => match &report.failure {
                None => (true, "accepted".to_string()),
                Some(f) => (false, format!("rejected: {:?}: {f}", f.rule)),
            },
            Err(e) => (false, format!("rejected: unreadable certificate {e}")),
        };
        let passed = accepted == case.valid;
        let known = KNOWN_FAILURES.iter().find(|(id, _)| *id == case.id);
        println!(
            "{:<9} {} {:<52} expected {:<7} {outcome}{}",
            case.id,
            if passed { "pass" } else { "FAIL" },
            case.leaf,
            if case.valid { "valid" } else { "invalid" },
            known
                .map(|(_, why)| format!("  [known: {why}]"))
                .unwrap_or_default(),
        );
        match (passed, known) {
            (false, None) => unexpected.push(format!("{} fails", case.id)),
            (true, Some(_)) => {
                unexpected.push(format!("{} passes: remove it from KNOWN_FAILURES", case.id))
            }
            _ => {}
        }
        let sec = section(case.id);
        let mut parts = sec.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        let key = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        let entry = per_section.entry(key).or_insert((sec, 0, 0));
        entry.2 += 1;
        if passed {
            entry.1 += 1;
        }
    }
    let (mut passed, mut total) = (0, 0);
    for (sec, ok, all) in per_section.values() {
        println!("section {sec:<5} {ok:>3} / {all:<3} passed");
        passed += ok;
        total += all;
    }
    println!("PKITS total {passed} / {total} passed");
    assert!(unexpected.is_empty(), "{}", unexpected.join("\n"));
}

#[test]
fn pkits_table_names_existing_files_once_per_id() {
    let mut ids = std::collections::HashSet::new();
    for case in CASES {
        assert!(ids.insert(case.id), "{} twice", case.id);
        for name in std::iter::once(&case.leaf).chain(case.intermediates) {
            assert!(!data("certs", name, "crt").is_empty(), "{name}");
        }
        for name in case.crls {
            assert!(!data("crls", name, "crl").is_empty(), "{name}");
        }
    }
    assert!(KNOWN_FAILURES
        .iter()
        .all(|(id, _)| CASES.iter().any(|c| c.id == *id)));
}

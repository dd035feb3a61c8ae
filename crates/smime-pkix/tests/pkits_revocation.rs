//! PKITS 4.4 (basic CRL), 4.5 (self-issued certificates and CRL signers), 4.7.4-4.7.5
//! (keyUsage without cRLSign), 4.14 (distribution points) and 4.15 (delta CRLs) through
//! `crl::check_crls` alone, before any path validator: each row is a test's certification
//! path below the trust anchor as the NIST PKITS document gives it, end entity first; every
//! certificate on it is checked against the next (the anchor last) with all 173 PKITS CRLs.
//!
//! The expected status is the one the PKITS document describes: Valid tests are good all
//! along the path; Invalid tests either list a certificate as revoked (Revoked) or leave its
//! status undeterminable (Unknown: no CRL in scope, a bad CRL signature or issuer, a stale
//! CRL, a critical unknown extension, reasons not covered, a delta CRL without its base).
//! Not here: 4.5.8 (the end entity is signed by a CRL-signing key, not a CA: a path rule).
//!
//! CRLs signed by keys other than the certificate's issuer are verified with the
//! certificates this test's `PkitsSigners` returns: the PKITS certificates named like the
//! CRL issuer, signed by the anchor or a CA of the path, and themselves not revoked, which is
//! what a validator's own path validation would establish for these one-level cases.

use std::path::Path;
use std::time::{Duration, SystemTime};

use der::Decode;
use smime_pkix::certificate::certificate_signed_by;
use smime_pkix::crl::{check_crls, Crl, CrlSignerValidator, IssuerSignsCrls};
use smime_pkix::x509_cert::name::Name;
use smime_pkix::x509_cert::Certificate;
use smime_pkix::{CryptoPolicy, RevocationStatus};

/// The expected status of a path (the first certificate that is not good decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Good,
    Revoked,
    Unknown,
}
use Expect::{Good, Revoked, Unknown};

/// (PKITS section, end entity, CA certificates above it up to the anchor, expected).
const TESTS: &[(&str, &str, &[&str], Expect)] = &[
    (
        "4.4.1",
        "InvalidMissingCRLTest1EE",
        &["NoCRLCACert"],
        Unknown,
    ),
    (
        "4.4.2",
        "InvalidRevokedCATest2EE",
        &["RevokedsubCACert", "GoodCACert"],
        Revoked,
    ),
    ("4.4.3", "InvalidRevokedEETest3EE", &["GoodCACert"], Revoked),
    (
        "4.4.4",
        "InvalidBadCRLSignatureTest4EE",
        &["BadCRLSignatureCACert"],
        Unknown,
    ),
    (
        "4.4.5",
        "InvalidBadCRLIssuerNameTest5EE",
        &["BadCRLIssuerNameCACert"],
        Unknown,
    ),
    (
        "4.4.6",
        "InvalidWrongCRLTest6EE",
        &["WrongCRLCACert"],
        Unknown,
    ),
    ("4.4.7", "ValidTwoCRLsTest7EE", &["TwoCRLsCACert"], Good),
    (
        "4.4.8",
        "InvalidUnknownCRLEntryExtensionTest8EE",
        &["UnknownCRLEntryExtensionCACert"],
        Unknown,
    ),
    (
        "4.4.9",
        "InvalidUnknownCRLExtensionTest9EE",
        &["UnknownCRLExtensionCACert"],
        Unknown,
    ),
    (
        "4.4.10",
        "InvalidUnknownCRLExtensionTest10EE",
        &["UnknownCRLExtensionCACert"],
        Unknown,
    ),
    (
        "4.4.11",
        "InvalidOldCRLnextUpdateTest11EE",
        &["OldCRLnextUpdateCACert"],
        Unknown,
    ),
    (
        "4.4.12",
        "Invalidpre2000CRLnextUpdateTest12EE",
        &["pre2000CRLnextUpdateCACert"],
        Unknown,
    ),
    (
        "4.4.13",
        "ValidGeneralizedTimeCRLnextUpdateTest13EE",
        &["GeneralizedTimeCRLnextUpdateCACert"],
        Good,
    ),
    (
        "4.4.14",
        "ValidNegativeSerialNumberTest14EE",
        &["NegativeSerialNumberCACert"],
        Good,
    ),
    (
        "4.4.15",
        "InvalidNegativeSerialNumberTest15EE",
        &["NegativeSerialNumberCACert"],
        Revoked,
    ),
    (
        "4.4.16",
        "ValidLongSerialNumberTest16EE",
        &["LongSerialNumberCACert"],
        Good,
    ),
    (
        "4.4.17",
        "ValidLongSerialNumberTest17EE",
        &["LongSerialNumberCACert"],
        Good,
    ),
    (
        "4.4.18",
        "InvalidLongSerialNumberTest18EE",
        &["LongSerialNumberCACert"],
        Revoked,
    ),
    (
        "4.4.19",
        "ValidSeparateCertificateandCRLKeysTest19EE",
        &["SeparateCertificateandCRLKeysCertificateSigningCACert"],
        Good,
    ),
    (
        "4.4.20",
        "InvalidSeparateCertificateandCRLKeysTest20EE",
        &["SeparateCertificateandCRLKeysCertificateSigningCACert"],
        Revoked,
    ),
    (
        "4.4.21",
        "InvalidSeparateCertificateandCRLKeysTest21EE",
        &["SeparateCertificateandCRLKeysCA2CertificateSigningCACert"],
        Unknown,
    ),
    (
        "4.5.1",
        "ValidBasicSelfIssuedOldWithNewTest1EE",
        &[
            "BasicSelfIssuedNewKeyOldWithNewCACert",
            "BasicSelfIssuedNewKeyCACert",
        ],
        Good,
    ),
    (
        "4.5.2",
        "InvalidBasicSelfIssuedOldWithNewTest2EE",
        &[
            "BasicSelfIssuedNewKeyOldWithNewCACert",
            "BasicSelfIssuedNewKeyCACert",
        ],
        Revoked,
    ),
    (
        "4.5.3",
        "ValidBasicSelfIssuedNewWithOldTest3EE",
        &[
            "BasicSelfIssuedOldKeyNewWithOldCACert",
            "BasicSelfIssuedOldKeyCACert",
        ],
        Good,
    ),
    (
        "4.5.4",
        "ValidBasicSelfIssuedNewWithOldTest4EE",
        &["BasicSelfIssuedOldKeyCACert"],
        Good,
    ),
    (
        "4.5.5",
        "InvalidBasicSelfIssuedNewWithOldTest5EE",
        &["BasicSelfIssuedOldKeyCACert"],
        Revoked,
    ),
    (
        "4.5.6",
        "ValidBasicSelfIssuedCRLSigningKeyTest6EE",
        &["BasicSelfIssuedCRLSigningKeyCACert"],
        Good,
    ),
    (
        "4.5.7",
        "InvalidBasicSelfIssuedCRLSigningKeyTest7EE",
        &["BasicSelfIssuedCRLSigningKeyCACert"],
        Revoked,
    ),
    (
        "4.7.4",
        "InvalidkeyUsageCriticalcRLSignFalseTest4EE",
        &["keyUsageCriticalcRLSignFalseCACert"],
        Unknown,
    ),
    (
        "4.7.5",
        "InvalidkeyUsageNotCriticalcRLSignFalseTest5EE",
        &["keyUsageNotCriticalcRLSignFalseCACert"],
        Unknown,
    ),
    (
        "4.14.1",
        "ValiddistributionPointTest1EE",
        &["distributionPoint1CACert"],
        Good,
    ),
    (
        "4.14.2",
        "InvaliddistributionPointTest2EE",
        &["distributionPoint1CACert"],
        Revoked,
    ),
    (
        "4.14.3",
        "InvaliddistributionPointTest3EE",
        &["distributionPoint1CACert"],
        Unknown,
    ),
    (
        "4.14.4",
        "ValiddistributionPointTest4EE",
        &["distributionPoint1CACert"],
        Good,
    ),
    (
        "4.14.5",
        "ValiddistributionPointTest5EE",
        &["distributionPoint2CACert"],
        Good,
    ),
    (
        "4.14.6",
        "InvaliddistributionPointTest6EE",
        &["distributionPoint2CACert"],
        Revoked,
    ),
    (
        "4.14.7",
        "ValiddistributionPointTest7EE",
        &["distributionPoint2CACert"],
        Good,
    ),
    (
        "4.14.8",
        "InvaliddistributionPointTest8EE",
        &["distributionPoint2CACert"],
        Unknown,
    ),
    (
        "4.14.9",
        "InvaliddistributionPointTest9EE",
        &["distributionPoint2CACert"],
        Unknown,
    ),
    (
        "4.14.10",
        "ValidNoissuingDistributionPointTest10EE",
        &["NoissuingDistributionPointCACert"],
        Good,
    ),
    (
        "4.14.11",
        "InvalidonlyContainsUserCertsTest11EE",
        &["onlyContainsUserCertsCACert"],
        Unknown,
    ),
    (
        "4.14.12",
        "InvalidonlyContainsCACertsTest12EE",
        &["onlyContainsCACertsCACert"],
        Unknown,
    ),
    (
        "4.14.13",
        "ValidonlyContainsCACertsTest13EE",
        &["onlyContainsCACertsCACert"],
        Good,
    ),
    (
        "4.14.14",
        "InvalidonlyContainsAttributeCertsTest14EE",
        &["onlyContainsAttributeCertsCACert"],
        Unknown,
    ),
    (
        "4.14.15",
        "InvalidonlySomeReasonsTest15EE",
        &["onlySomeReasonsCA1Cert"],
        Revoked,
    ),
    (
        "4.14.16",
        "InvalidonlySomeReasonsTest16EE",
        &["onlySomeReasonsCA1Cert"],
        Revoked,
    ),
    (
        "4.14.17",
        "InvalidonlySomeReasonsTest17EE",
        &["onlySomeReasonsCA2Cert"],
        Unknown,
    ),
    (
        "4.14.18",
        "ValidonlySomeReasonsTest18EE",
        &["onlySomeReasonsCA3Cert"],
        Good,
    ),
    (
        "4.14.19",
        "ValidonlySomeReasonsTest19EE",
        &["onlySomeReasonsCA4Cert"],
        Good,
    ),
    (
        "4.14.20",
        "InvalidonlySomeReasonsTest20EE",
        &["onlySomeReasonsCA4Cert"],
        Revoked,
    ),
    (
        "4.14.21",
        "InvalidonlySomeReasonsTest21EE",
        &["onlySomeReasonsCA4Cert"],
        Revoked,
    ),
    (
        "4.14.22",
        "ValidIDPwithindirectCRLTest22EE",
        &["indirectCRLCA1Cert"],
        Good,
    ),
    (
        "4.14.23",
        "InvalidIDPwithindirectCRLTest23EE",
        &["indirectCRLCA1Cert"],
        Revoked,
    ),
    (
        "4.14.24",
        "ValidIDPwithindirectCRLTest24EE",
        &["indirectCRLCA2Cert"],
        Good,
    ),
    (
        "4.14.25",
        "ValidIDPwithindirectCRLTest25EE",
        &["indirectCRLCA2Cert"],
        Good,
    ),
    (
        "4.14.26",
        "InvalidIDPwithindirectCRLTest26EE",
        &["indirectCRLCA2Cert"],
        Unknown,
    ),
    (
        "4.14.27",
        "InvalidcRLIssuerTest27EE",
        &["indirectCRLCA2Cert"],
        Unknown,
    ),
    (
        "4.14.28",
        "ValidcRLIssuerTest28EE",
        &["indirectCRLCA3Cert"],
        Good,
    ),
    (
        "4.14.29",
        "ValidcRLIssuerTest29EE",
        &["indirectCRLCA3Cert"],
        Good,
    ),
    (
        "4.14.30",
        "ValidcRLIssuerTest30EE",
        &["indirectCRLCA4Cert"],
        Good,
    ),
    (
        "4.14.31",
        "InvalidcRLIssuerTest31EE",
        &["indirectCRLCA6Cert"],
        Revoked,
    ),
    (
        "4.14.32",
        "InvalidcRLIssuerTest32EE",
        &["indirectCRLCA6Cert"],
        Revoked,
    ),
    (
        "4.14.33",
        "ValidcRLIssuerTest33EE",
        &["indirectCRLCA6Cert"],
        Good,
    ),
    (
        "4.14.34",
        "InvalidcRLIssuerTest34EE",
        &["indirectCRLCA5Cert"],
        Revoked,
    ),
    (
        "4.14.35",
        "InvalidcRLIssuerTest35EE",
        &["indirectCRLCA5Cert"],
        Unknown,
    ),
    (
        "4.15.1",
        "InvaliddeltaCRLIndicatorNoBaseTest1EE",
        &["deltaCRLIndicatorNoBaseCACert"],
        Unknown,
    ),
    ("4.15.2", "ValiddeltaCRLTest2EE", &["deltaCRLCA1Cert"], Good),
    (
        "4.15.3",
        "InvaliddeltaCRLTest3EE",
        &["deltaCRLCA1Cert"],
        Revoked,
    ),
    (
        "4.15.4",
        "InvaliddeltaCRLTest4EE",
        &["deltaCRLCA1Cert"],
        Revoked,
    ),
    ("4.15.5", "ValiddeltaCRLTest5EE", &["deltaCRLCA1Cert"], Good),
    (
        "4.15.6",
        "InvaliddeltaCRLTest6EE",
        &["deltaCRLCA1Cert"],
        Revoked,
    ),
    ("4.15.7", "ValiddeltaCRLTest7EE", &["deltaCRLCA1Cert"], Good),
    ("4.15.8", "ValiddeltaCRLTest8EE", &["deltaCRLCA2Cert"], Good),
    (
        "4.15.9",
        "InvaliddeltaCRLTest9EE",
        &["deltaCRLCA2Cert"],
        Revoked,
    ),
    (
        "4.15.10",
        "InvaliddeltaCRLTest10EE",
        &["deltaCRLCA3Cert"],
        Unknown,
    ),
];

/// 2010-01-01, inside the PKITS trust anchor's validity and before its CRLs' nextUpdate.
fn pkits_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_262_304_000)
}

fn policy() -> CryptoPolicy {
    // PKITS is signed with SHA-1 and RSA-1024.
    CryptoPolicy::strict().allow_legacy()
}

struct Pkits {
    certs: Vec<(String, Certificate)>,
    crls: Vec<Crl>,
}

impl Pkits {
    fn load() -> Pkits {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pkits");
        let read = |sub: &str| {
            let mut files: Vec<_> = std::fs::read_dir(dir.join(sub))
                .expect("PKITS data folder")
                .map(|e| e.expect("directory entry").path())
                .collect();
            files.sort();
            files
        };
        // Every certificate is a candidate CRL signer. The one the der crate refuses
        // (Validpre2000UTCnotBeforeDateTest3EE: a UTCTime before 2000) is in no test here.
        let certs = read("certs")
            .into_iter()
            .filter_map(|p| {
                let name = p.file_stem()?.to_string_lossy().into_owned();
                let der = std::fs::read(&p).expect("read certificate");
                Some((name, Certificate::from_der(&der).ok()?))
            })
            .collect();
        let crls = read("crls")
            .into_iter()
            .map(|p| {
                let name = p
                    .file_name()
                    .expect("file name")
                    .to_string_lossy()
                    .into_owned();
                Crl::from_der(&std::fs::read(&p).expect("read CRL"), &name).expect("PKITS CRL")
            })
            .collect();
        Pkits { certs, crls }
    }

    fn cert(&self, name: &str) -> &Certificate {
        &self
            .certs
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name} is not in tests/data/pkits/certs"))
            .1
    }

    fn crl_refs(&self) -> Vec<&Crl> {
        self.crls.iter().collect()
    }
}

/// CRL signers as a validator would find them for these one-level cases (module doc).
struct PkitsSigners<'a> {
    pkits: &'a Pkits,
    /// The anchor and the CA certificates of the path.
    authorities: Vec<&'a Certificate>,
}

impl CrlSignerValidator for PkitsSigners<'_> {
    fn validated_crl_signers(
        &self,
        crl_issuer: &Name,
        _: &Crl,
        time: SystemTime,
    ) -> Vec<Certificate> {
        let crls = self.pkits.crl_refs();
        self.pkits
            .certs
            .iter()
            .map(|(_, c)| c)
            .filter(|c| c.tbs_certificate.subject == *crl_issuer)
            .filter(|c| {
                self.authorities.iter().any(|authority| {
                    certificate_signed_by(c, authority, &policy()).unwrap_or(false)
                        && matches!(
                            check_crls(c, authority, &crls, time, &policy(), &IssuerSignsCrls),
                            RevocationStatus::Good
                        )
                })
            })
            .cloned()
            .collect()
    }
}

fn path_status(pkits: &Pkits, end_entity: &str, cas: &[&str]) -> RevocationStatus {
    let mut path: Vec<&Certificate> = vec![pkits.cert(end_entity)];
    path.extend(cas.iter().map(|n| pkits.cert(n)));
    path.push(pkits.cert("TrustAnchorRootCertificate"));
    let signers = PkitsSigners {
        pkits,
        authorities: path[1..].to_vec(),
    };
    let crls = pkits.crl_refs();
    let mut last = None;
    for pair in path.windows(2) {
        let status = check_crls(pair[0], pair[1], &crls, pkits_time(), &policy(), &signers);
        if !matches!(status, RevocationStatus::Good) {
            return status;
        }
        last = Some(status);
    }
    last.expect("a path of at least two certificates")
}

#[test]
fn pkits_crl_sections_give_the_documented_status() {
    let pkits = Pkits::load();
    let mut wrong = Vec::new();
    for (section, end_entity, cas, expected) in TESTS {
        let status = path_status(&pkits, end_entity, cas);
        let got = match &status {
            RevocationStatus::Good => Good,
            RevocationStatus::Revoked { .. } => Revoked,
            RevocationStatus::Unknown { .. } => Unknown,
        };
        if got != *expected {
            wrong.push(format!(
                "{section} {end_entity}: expected {expected:?}, got {status:?}"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} PKITS tests wrong:\n{}",
        wrong.len(),
        TESTS.len(),
        wrong.join("\n")
    );
}

#[test]
fn pkits_revoked_entries_carry_reason_and_date() {
    let pkits = Pkits::load();
    let status = path_status(&pkits, "InvalidRevokedEETest3EE", &["GoodCACert"]);
    let RevocationStatus::Revoked { detail } = status else {
        panic!("4.4.3 is revoked: {status:?}");
    };
    // The entry: keyCompromise, revoked on 2001-04-19 14:57:20 UTC, in GoodCACRL.
    assert_eq!(
        detail,
        "keyCompromise since 2001-04-19T14:57:20Z, CRL GoodCACRL.crl"
    );
}

#[test]
fn pkits_crl_past_next_update_is_stale() {
    let pkits = Pkits::load();
    // GoodCACRL's nextUpdate is 2011-04-19: a day later the good end entity is unknown.
    let later = SystemTime::UNIX_EPOCH + Duration::from_secs(1_303_300_000);
    let crls = pkits.crl_refs();
    let status = check_crls(
        pkits.cert("ValidCertificatePathTest1EE"),
        pkits.cert("GoodCACert"),
        &crls,
        later,
        &policy(),
        &IssuerSignsCrls,
    );
    assert!(
        matches!(&status, RevocationStatus::Unknown { detail } if detail.contains("stale")),
        "{status:?}"
    );
}

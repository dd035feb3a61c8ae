//! Certificate revocation lists: parsing and the CRL processing of RFC 5280 section 6.3.
//!
//! [`Crl`] decodes a CRL once (the extensions that section 6.3.3 needs, and whether it
//! carries a critical extension we do not understand); [`check_crls`] runs the algorithm of
//! section 6.3.3 for one certificate over a set of complete and delta CRLs: the scope of
//! each CRL (issuer, issuingDistributionPoint against the certificate's
//! cRLDistributionPoints, reason partitions, indirect CRLs), the CRL issuer's key (the
//! certificate's issuer, or another certificate that a [`CrlSignerValidator`] has
//! validated), its signature, its freshness at the validation time and finally the entry
//! for the certificate.

use std::time::SystemTime;

use const_oid::db::rfc5280::{
    ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_BASIC_CONSTRAINTS, ID_CE_CERTIFICATE_ISSUER,
    ID_CE_CRL_DISTRIBUTION_POINTS, ID_CE_CRL_NUMBER, ID_CE_CRL_REASONS, ID_CE_DELTA_CRL_INDICATOR,
    ID_CE_FRESHEST_CRL, ID_CE_HOLD_INSTRUCTION_CODE, ID_CE_INVALIDITY_DATE, ID_CE_ISSUER_ALT_NAME,
    ID_CE_ISSUING_DISTRIBUTION_POINT, ID_CE_KEY_USAGE,
};
use const_oid::ObjectIdentifier;
use der::asn1::Uint;
use der::{Decode, Encode};
use x509_cert::crl::{CertificateList, RevokedCert};
use x509_cert::ext::pkix::crl::dp::{DistributionPoint, IssuingDistributionPoint, ReasonFlags};
use x509_cert::ext::pkix::crl::{BaseCrlNumber, CrlDistributionPoints, CrlNumber, FreshestCrl};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName, GeneralNames};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CrlReason, KeyUsage, KeyUsages,
};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::Certificate;

use crate::certificate::find_extension;
use crate::names::NormalizedName;
use crate::pem::pem_blocks;
use crate::revocation::reason_name;
use crate::signature::verify_signed_data;
use crate::validate::RevocationStatus;
use crate::{CryptoPolicy, Error, Result};

/// A decoded CRL (RFC 5280 5.1) with the extensions that CRL processing reads.
#[derive(Debug, Clone)]
pub struct Crl {
    list: CertificateList,
    /// Where it came from (`file crl.pem, CRL 2`, `http://...`), for messages.
    source: String,
    /// cRLNumber (5.2.3), big-endian without leading zeros.
    number: Option<Vec<u8>>,
    /// deltaCRLIndicator's BaseCRLNumber (5.2.4): present exactly on delta CRLs.
    base_number: Option<Vec<u8>>,
    /// issuingDistributionPoint (5.2.5).
    issuing_distribution_point: Option<IssuingDistributionPoint>,
    /// The keyIdentifier of authorityKeyIdentifier (5.2.1).
    authority_key_id: Option<Vec<u8>>,
    /// The URIs of freshestCRL (5.2.6): where its delta CRLs are published.
    freshest: Vec<String>,
    /// Why the CRL cannot be used at all (an unrecognised critical CRL or entry extension,
    /// 5.2 and 5.3), if it cannot.
    unusable: Option<String>,
}

/// The CRL extensions this module understands (RFC 5280 5.2); a critical one outside this
/// list makes the CRL unusable.
const KNOWN_CRL_EXTENSIONS: &[ObjectIdentifier] = &[
    ID_CE_AUTHORITY_KEY_IDENTIFIER,
    ID_CE_ISSUER_ALT_NAME,
    ID_CE_CRL_NUMBER,
    ID_CE_DELTA_CRL_INDICATOR,
    ID_CE_ISSUING_DISTRIBUTION_POINT,
    ID_CE_FRESHEST_CRL,
];

/// The CRL entry extensions this module understands (RFC 5280 5.3).
const KNOWN_ENTRY_EXTENSIONS: &[ObjectIdentifier] = &[
    ID_CE_CRL_REASONS,
    ID_CE_INVALIDITY_DATE,
    ID_CE_CERTIFICATE_ISSUER,
    ID_CE_HOLD_INSTRUCTION_CODE,
];

impl Crl {
    /// Decodes one DER CRL; `source` names it in messages.
    pub fn from_der(der: &[u8], source: &str) -> Result<Crl> {
        let list = CertificateList::from_der(der)
            .map_err(|e| Error::malformed(format!("CRL {source}"), e.to_string()))?;
        Crl::from_list(list, source)
    }

    /// Decodes every CRL in `bytes`: PEM (`X509 CRL` blocks, RFC 7468 6; other blocks are
    /// ignored) or one DER CRL. `source` names the file or URL in messages.
    pub fn load(bytes: &[u8], source: &str) -> Result<Vec<Crl>> {
        if !bytes.windows(11).any(|w| w == b"-----BEGIN ") {
            return Ok(vec![Crl::from_der(bytes, source)?]);
        }
        let crls = pem_blocks(bytes, source)?
            .iter()
            .filter(|block| block.label == "X509 CRL")
            .enumerate()
            .map(|(i, block)| Crl::from_der(&block.der, &format!("{source}, CRL {}", i + 1)))
            .collect::<Result<Vec<_>>>()?;
        if crls.is_empty() {
            return Err(Error::input(source, "no X509 CRL PEM block"));
        }
        Ok(crls)
    }

    /// Wraps an already decoded CRL.
    pub fn from_list(list: CertificateList, source: &str) -> Result<Crl> {
        let what = || format!("CRL {source}");
        let mut crl = Crl {
            list,
            source: source.to_owned(),
            number: None,
            base_number: None,
            issuing_distribution_point: None,
            authority_key_id: None,
            freshest: Vec::new(),
            unusable: None,
        };
        let extensions = crl
            .list
            .tbs_cert_list
            .crl_extensions
            .clone()
            .unwrap_or_default();
        for ext in &extensions {
            let value = ext.extn_value.as_bytes();
            let bad =
                |e: der::Error| Error::malformed(what(), format!("extension {}: {e}", ext.extn_id));
            match ext.extn_id {
                ID_CE_CRL_NUMBER => {
                    crl.number = Some(uint_bytes(&CrlNumber::from_der(value).map_err(bad)?.0))
                }
                ID_CE_DELTA_CRL_INDICATOR => {
                    crl.base_number =
                        Some(uint_bytes(&BaseCrlNumber::from_der(value).map_err(bad)?.0))
                }
                // Decoded by hand: x509-cert 0.2 gives IssuingDistributionPoint a wrong OID.
                ID_CE_ISSUING_DISTRIBUTION_POINT => {
                    crl.issuing_distribution_point =
                        Some(IssuingDistributionPoint::from_der(value).map_err(bad)?)
                }
                ID_CE_FRESHEST_CRL => {
                    crl.freshest = point_uris(&FreshestCrl::from_der(value).map_err(bad)?.0)
                }
                ID_CE_AUTHORITY_KEY_IDENTIFIER => {
                    crl.authority_key_id = AuthorityKeyIdentifier::from_der(value)
                        .map_err(bad)?
                        .key_identifier
                        .map(|k| k.as_bytes().to_vec())
                }
                _ => {}
            }
        }
        crl.unusable = unknown_critical(&extensions, KNOWN_CRL_EXTENSIONS)
            .map(|oid| format!("unrecognised critical CRL extension {oid} (RFC 5280 5.2)"));
        if crl.unusable.is_none() {
            crl.unusable = crl.entries().iter().find_map(|entry| {
                let ext = entry.crl_entry_extensions.as_deref().unwrap_or_default();
                unknown_critical(ext, KNOWN_ENTRY_EXTENSIONS).map(|oid| {
                    format!("unrecognised critical CRL entry extension {oid} (RFC 5280 5.3)")
                })
            });
        }
        Ok(crl)
    }

    /// The decoded CRL.
    pub fn list(&self) -> &CertificateList {
        &self.list
    }

    /// Where the CRL came from, as given when it was loaded.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The CRL issuer's name.
    pub fn issuer(&self) -> &Name {
        &self.list.tbs_cert_list.issuer
    }

    /// thisUpdate.
    pub fn this_update(&self) -> SystemTime {
        self.list.tbs_cert_list.this_update.to_system_time()
    }

    /// nextUpdate, if the CRL has one (RFC 5280 requires it; old CRLs may lack it).
    pub fn next_update(&self) -> Option<SystemTime> {
        self.list
            .tbs_cert_list
            .next_update
            .map(|t| t.to_system_time())
    }

    /// The URIs of its freshestCRL extension (RFC 5280 5.2.6), where delta CRLs for it are
    /// published.
    pub fn freshest_crl_urls(&self) -> &[String] {
        &self.freshest
    }

    /// Whether this is a delta CRL (it carries deltaCRLIndicator, RFC 5280 5.2.4).
    pub fn is_delta(&self) -> bool {
        self.base_number.is_some()
    }

    /// Why the CRL is stale at `time`: past its nextUpdate (RFC 5280 6.3.3 (a)). `None`
    /// when it is current.
    ///
    /// A CRL issued after `time` is not stale: it is newer information, which is what
    /// validating at a message's signing time with today's CRL needs. Its entries count
    /// whatever their revocationDate, since signingTime is only the signer's claim and a
    /// compromised key can backdate it.
    pub fn stale_at(&self, time: SystemTime) -> Option<String> {
        match (self.next_update(), self.list.tbs_cert_list.next_update) {
            (Some(next), Some(shown)) if next < time => Some(format!(
                "{} is stale: nextUpdate {shown} is before the validation time",
                self.source
            )),
            _ => None,
        }
    }

    fn entries(&self) -> &[RevokedCert] {
        self.list
            .tbs_cert_list
            .revoked_certificates
            .as_deref()
            .unwrap_or_default()
    }

    /// The entry for the certificate with `serial` issued by `cert_issuer` (RFC 5280 5.3.3:
    /// in an indirect CRL, entries after a certificateIssuer extension belong to that
    /// issuer until the next one; before any, to the CRL issuer).
    fn entry_for(&self, serial: &[u8], cert_issuer: &Name) -> Option<&RevokedCert> {
        let indirect = self
            .issuing_distribution_point
            .as_ref()
            .is_some_and(|idp| idp.indirect_crl);
        let mut current: Vec<GeneralName> = vec![GeneralName::DirectoryName(self.issuer().clone())];
        for entry in self.entries() {
            if indirect {
                if let Some(names) =
                    entry_extension::<GeneralNames>(entry, ID_CE_CERTIFICATE_ISSUER)
                {
                    current = names;
                }
            }
            if entry.serial_number.as_bytes() == serial
                && current.iter().any(
                    |n| matches!(n, GeneralName::DirectoryName(d) if names_match(d, cert_issuer)),
                )
            {
                return Some(entry);
            }
        }
        None
    }
}

/// Finds CRL signing certificates other than the certificate's issuer (RFC 5280 6.3.3 (f)).
///
/// A CRL may be signed by a key other than the one that signed the certificate: an indirect
/// CRL issuer, or the same CA under a separate CRL-signing key or after a key rollover
/// (PKITS 4.4.19, 4.5). Such a certificate must itself have a valid path to the same trust
/// anchor as the certificate being checked; the path validator implements this trait so
/// that check is its own.
pub trait CrlSignerValidator {
    /// Certificates whose subject is `crl_issuer` and whose paths validate at `time`, the
    /// candidates to verify `crl`'s signature with. Certificates that do not validate must
    /// not be returned.
    fn validated_crl_signers(
        &self,
        crl_issuer: &Name,
        crl: &Crl,
        time: SystemTime,
    ) -> Vec<Certificate>;
}

/// A [`CrlSignerValidator`] that knows no other certificates: only CRLs signed by the
/// certificate's own issuer are used.
#[derive(Debug, Clone, Copy, Default)]
pub struct IssuerSignsCrls;

impl CrlSignerValidator for IssuerSignsCrls {
    fn validated_crl_signers(&self, _: &Name, _: &Crl, _: SystemTime) -> Vec<Certificate> {
        Vec::new()
    }
}

/// All reasons of RFC 5280 5.2.5 onlySomeReasons (bit 0, unused, excluded): covering them
/// all ends CRL processing (6.3.3, last step).
fn all_reasons() -> ReasonFlags {
    use x509_cert::ext::pkix::crl::dp::Reasons;
    Reasons::KeyCompromise
        | Reasons::CaCompromise
        | Reasons::AffiliationChanged
        | Reasons::Superseded
        | Reasons::CessationOfOperation
        | Reasons::CertificateHold
        | Reasons::PrivilegeWithdrawn
        | Reasons::AaCompromise
}

/// The revocation status of `cert`, issued by the already validated `issuer`, according to
/// `crls` (complete and delta CRLs, in any order) at `time`: RFC 5280 6.3.3 with
/// use-deltas set.
///
/// Returns [`RevocationStatus::Good`] when the CRLs cover all reasons and do not list the
/// certificate, [`RevocationStatus::Revoked`] when one does (reason, revocationDate and CRL
/// in the detail; certificateHold included: a held certificate is not usable while held),
/// and [`RevocationStatus::Unknown`] with the reason each CRL was not used otherwise.
pub fn check_crls(
    cert: &Certificate,
    issuer: &Certificate,
    crls: &[&Crl],
    time: SystemTime,
    policy: &CryptoPolicy,
    signers: &dyn CrlSignerValidator,
) -> RevocationStatus {
    let tbs = &cert.tbs_certificate;
    let serial = tbs.serial_number.as_bytes();
    // 6.3.3: without cRLDistributionPoints the certificate is treated as having one
    // distribution point with no name and the certificate issuer as cRLIssuer.
    let points =
        match certificate_extension::<CrlDistributionPoints>(cert, ID_CE_CRL_DISTRIBUTION_POINTS) {
            Some(dps) if !dps.0.is_empty() => dps.0,
            _ => vec![DistributionPoint {
                distribution_point: None,
                reasons: None,
                crl_issuer: None,
            }],
        };
    let is_ca = certificate_extension::<BasicConstraints>(cert, ID_CE_BASIC_CONSTRAINTS)
        .is_some_and(|bc| bc.ca);

    let mut reasons_mask = ReasonFlags::default();
    let mut problems: Vec<String> = Vec::new();

    let complete: Vec<&Crl> = crls.iter().copied().filter(|c| !c.is_delta()).collect();
    if complete.is_empty() && !crls.is_empty() {
        problems.push("only delta CRLs, no complete CRL they apply to".to_owned());
    }

    for point in &points {
        for crl in &complete {
            let interim = match crl_scope(crl, point, &tbs.issuer, is_ca, time) {
                Ok(reasons) => reasons,
                Err(why) => {
                    problems.extend(why);
                    continue;
                }
            };
            // 6.3.3 (d): the CRL must cover a reason not already covered.
            if (interim & !reasons_mask).is_empty() {
                continue;
            }
            // 6.3.3 (f), (g): the CRL issuer's validated key, and the CRL signature.
            let signer = match crl_signer(crl, cert, issuer, time, policy, signers) {
                Ok(signer) => signer,
                Err(why) => {
                    problems.push(why);
                    continue;
                }
            };
            // 6.3.3 (e), (h), (i): a current delta CRL for this complete CRL, same scope
            // and same key.
            let delta = crls
                .iter()
                .copied()
                .filter(|d| delta_applies(d, crl, &signer, time, policy))
                .max_by(|a, b| compare_numbers(&a.number, &b.number));
            let entry = delta
                .and_then(|d| Some((d.entry_for(serial, &tbs.issuer)?, d)))
                .or_else(|| Some((crl.entry_for(serial, &tbs.issuer)?, *crl)));
            if let Some((entry, listed_in)) = entry {
                let reason = entry_extension::<CrlReason>(entry, ID_CE_CRL_REASONS);
                // 6.3.3 (k): removeFromCRL (only meaningful in a delta) means not revoked.
                if reason != Some(CrlReason::RemoveFromCRL) {
                    return RevocationStatus::Revoked {
                        detail: format!(
                            "{} since {}, CRL {}",
                            reason_name(reason),
                            entry.revocation_date,
                            listed_in.source
                        ),
                    };
                }
            }
            // 6.3.3 (l).
            reasons_mask |= interim;
            if reasons_mask == all_reasons() {
                return RevocationStatus::Good;
            }
        }
    }
    if !reasons_mask.is_empty() {
        problems.push("the usable CRLs do not cover every revocation reason".to_owned());
    }
    if problems.is_empty() {
        problems.push(format!("no CRL of {}", tbs.issuer));
    }
    RevocationStatus::Unknown {
        detail: problems.join("; "),
    }
}

/// RFC 5280 6.3.3 (a), (b), (c): whether `crl` is current and covers the certificate
/// through distribution point `point`; the reasons it covers (interim_reasons_mask).
fn crl_scope(
    crl: &Crl,
    point: &DistributionPoint,
    cert_issuer: &Name,
    cert_is_ca: bool,
    time: SystemTime,
) -> std::result::Result<ReasonFlags, Option<String>> {
    let idp = crl.issuing_distribution_point.as_ref();
    // (b)(1): the CRL issuer is the DP's cRLIssuer (then the CRL must be indirect) or the
    // certificate's issuer.
    let dp_crl_issuers: Vec<Name> = point
        .crl_issuer
        .iter()
        .flatten()
        .filter_map(|n| match n {
            GeneralName::DirectoryName(d) => Some(d.clone()),
            _ => None,
        })
        .collect();
    if point.crl_issuer.is_some() {
        if !dp_crl_issuers.iter().any(|n| names_match(n, crl.issuer())) {
            return Err(None);
        }
        if !idp.is_some_and(|idp| idp.indirect_crl) {
            return Err(Some(format!(
                "{}: the distribution point names a cRLIssuer but the CRL is not indirect",
                crl.source
            )));
        }
    } else if !names_match(crl.issuer(), cert_issuer) {
        // An indirect CRL may still carry this issuer's certificates (5.2.5), but only when
        // the certificate's distribution point points at it through cRLIssuer.
        return Err(None);
    }
    // Only CRLs of the right issuer are worth a message from here on.
    if let Some(why) = &crl.unusable {
        return Err(Some(format!("{}: {why}", crl.source)));
    }
    if let Some(why) = crl.stale_at(time) {
        return Err(Some(why));
    }
    // (b)(2)
    if let Some(idp) = idp {
        if let Some(idp_name) = &idp.distribution_point {
            let idp_names = full_names(idp_name, crl.issuer());
            let dp_names: Vec<GeneralName> = match &point.distribution_point {
                Some(name) => {
                    let base = dp_crl_issuers.first().unwrap_or(cert_issuer);
                    full_names(name, base)
                }
                None if point.crl_issuer.is_some() => point.crl_issuer.clone().unwrap_or_default(),
                None => vec![GeneralName::DirectoryName(cert_issuer.clone())],
            };
            if !idp_names
                .iter()
                .any(|a| dp_names.iter().any(|b| general_names_match(a, b)))
            {
                return Err(Some(format!(
                    "{}: its issuingDistributionPoint does not match the certificate's distribution point",
                    crl.source
                )));
            }
        }
        if idp.only_contains_user_certs && cert_is_ca {
            return Err(Some(format!(
                "{}: covers end-entity certificates only (onlyContainsUserCerts)",
                crl.source
            )));
        }
        if idp.only_contains_ca_certs && !cert_is_ca {
            return Err(Some(format!(
                "{}: covers CA certificates only (onlyContainsCACerts)",
                crl.source
            )));
        }
        if idp.only_contains_attribute_certs {
            return Err(Some(format!(
                "{}: covers attribute certificates only",
                crl.source
            )));
        }
    }
    // (c): interim_reasons_mask.
    let dp_reasons = point.reasons;
    let idp_reasons = idp.and_then(|idp| idp.only_some_reasons);
    let interim = match (idp_reasons, dp_reasons) {
        (Some(i), Some(d)) => i & d,
        (Some(i), None) => i,
        (None, Some(d)) => d,
        (None, None) => all_reasons(),
    } & all_reasons();
    Ok(interim)
}

/// RFC 5280 6.3.3 (f), (g): the certificate whose validated key signed `crl`: the
/// certificate's issuer when it names the CRL issuer and its key verifies the signature;
/// else the certificate itself when it is the CRL issuer (an indirect CRL issuer's
/// certificate listed in its own CRL, PKITS 4.14.30: its path up to here is validated, and
/// asking the validator again would recurse); else one of the signers `signers`
/// validated. Its keyUsage, if present, must include cRLSign.
fn crl_signer(
    crl: &Crl,
    cert: &Certificate,
    issuer: &Certificate,
    time: SystemTime,
    policy: &CryptoPolicy,
    signers: &dyn CrlSignerValidator,
) -> std::result::Result<Certificate, String> {
    let mut why = Vec::new();
    let own: Vec<&Certificate> = [issuer, cert]
        .into_iter()
        .filter(|c| names_match(&c.tbs_certificate.subject, crl.issuer()))
        .collect();
    if let Some(signer) = first_signer(crl, own, policy, &mut why) {
        return Ok(signer.clone());
    }
    // Only now ask the validator: validating other certificates' paths costs more.
    let others = signers.validated_crl_signers(crl.issuer(), crl, time);
    if let Some(signer) = first_signer(crl, others.iter().collect(), policy, &mut why) {
        return Ok(signer.clone());
    }
    if why.is_empty() {
        why.push(format!("no validated certificate for {}", crl.issuer()));
    }
    Err(format!(
        "{}: no usable CRL signer ({})",
        crl.source,
        why.join("; ")
    ))
}

/// The first of `candidates` that may sign CRLs and whose key verifies `crl`'s signature;
/// why each other one failed goes to `why`.
fn first_signer<'c>(
    crl: &Crl,
    candidates: Vec<&'c Certificate>,
    policy: &CryptoPolicy,
    why: &mut Vec<String>,
) -> Option<&'c Certificate> {
    for candidate in candidates {
        if let Some(problem) = crl_sign_usage_problem(candidate) {
            why.push(problem);
            continue;
        }
        match crl_signed_by(crl, candidate, policy) {
            Ok(true) => return Some(candidate),
            Ok(false) => why.push(format!(
                "signature does not verify with the key of {}",
                candidate.tbs_certificate.subject
            )),
            Err(e) => why.push(e.to_string()),
        }
    }
    None
}

/// Why `cert` may not sign CRLs: a keyUsage without cRLSign (RFC 5280 4.2.1.3, 6.3.3 (f)).
fn crl_sign_usage_problem(cert: &Certificate) -> Option<String> {
    let usage = certificate_extension::<KeyUsage>(cert, ID_CE_KEY_USAGE)?;
    (!usage.0.contains(KeyUsages::CRLSign)).then(|| {
        format!(
            "{} has a keyUsage without cRLSign",
            cert.tbs_certificate.subject
        )
    })
}

/// Whether `signer`'s key made the signature on `crl` (RFC 5280 5.1.1.2, 5.1.1.3).
fn crl_signed_by(crl: &Crl, signer: &Certificate, policy: &CryptoPolicy) -> Result<bool> {
    let list = &crl.list;
    if list.signature_algorithm != list.tbs_cert_list.signature {
        return Err(Error::malformed(
            format!("CRL {}", crl.source),
            "signatureAlgorithm differs from tbsCertList.signature (RFC 5280 5.1.1.2)",
        ));
    }
    let tbs = list
        .tbs_cert_list
        .to_der()
        .map_err(|e| Error::malformed(format!("CRL {}", crl.source), e.to_string()))?;
    verify_signed_data(
        &signer.tbs_certificate.subject_public_key_info,
        &list.signature_algorithm,
        &tbs,
        &list.signature,
        policy,
    )
}

/// RFC 5280 6.3.3 (e), (h) and 5.2.4: whether `delta` is a current delta CRL for
/// `complete`: same issuer, same issuingDistributionPoint and authority key, a
/// BaseCRLNumber no greater than the complete CRL's cRLNumber, signed by the same key.
fn delta_applies(
    delta: &Crl,
    complete: &Crl,
    signer: &Certificate,
    time: SystemTime,
    policy: &CryptoPolicy,
) -> bool {
    let Some(base) = &delta.base_number else {
        return false;
    };
    let Some(number) = &complete.number else {
        return false;
    };
    delta.unusable.is_none()
        && delta.stale_at(time).is_none()
        && names_match(delta.issuer(), complete.issuer())
        && delta.issuing_distribution_point == complete.issuing_distribution_point
        && delta.authority_key_id == complete.authority_key_id
        && compare_numbers(&Some(base.clone()), &Some(number.clone())).is_le()
        && crl_signed_by(delta, signer, policy).unwrap_or(false)
}

/// Orders CRL numbers (big-endian, no leading zeros); a missing number sorts first.
fn compare_numbers(a: &Option<Vec<u8>>, b: &Option<Vec<u8>>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        (a, b) => a.is_some().cmp(&b.is_some()),
    }
}

fn uint_bytes(value: &Uint) -> Vec<u8> {
    let bytes = value.as_bytes();
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes[first..].to_vec()
}

/// The URIs of the fullNames of `points` (cRLDistributionPoints, freshestCRL: RFC 5280
/// 4.2.1.13, 4.2.1.15), in order.
pub(crate) fn point_uris(points: &[DistributionPoint]) -> Vec<String> {
    points
        .iter()
        .filter_map(|p| match &p.distribution_point {
            Some(DistributionPointName::FullName(names)) => Some(names),
            _ => None,
        })
        .flatten()
        .filter_map(|n| match n {
            GeneralName::UniformResourceIdentifier(uri) => Some(uri.to_string()),
            _ => None,
        })
        .collect()
}

/// The full names of a distribution point name (RFC 5280 4.2.1.13):
/// nameRelativeToCRLIssuer is appended to `base`, the CRL issuer's name.
fn full_names(name: &DistributionPointName, base: &Name) -> Vec<GeneralName> {
    match name {
        DistributionPointName::FullName(names) => names.clone(),
        DistributionPointName::NameRelativeToCRLIssuer(rdn) => {
            let mut full = base.clone();
            full.0.push(rdn.clone());
            vec![GeneralName::DirectoryName(full)]
        }
    }
}

fn general_names_match(a: &GeneralName, b: &GeneralName) -> bool {
    match (a, b) {
        (GeneralName::DirectoryName(a), GeneralName::DirectoryName(b)) => names_match(a, b),
        _ => a == b,
    }
}

/// Distinguished name equality for CRL scope and entry matching (RFC 5280 7.1, as the path
/// validator compares names).
fn names_match(a: &Name, b: &Name) -> bool {
    a == b || NormalizedName::new(a) == NormalizedName::new(b)
}

/// The first critical extension in `extensions` whose OID is not in `known`.
fn unknown_critical(
    extensions: &[Extension],
    known: &[ObjectIdentifier],
) -> Option<ObjectIdentifier> {
    extensions
        .iter()
        .find(|e| e.critical && !known.contains(&e.extn_id))
        .map(|e| e.extn_id)
}

/// The decoded extension `oid` of `cert`, if present and well formed.
pub(crate) fn certificate_extension<T: for<'a> Decode<'a>>(
    cert: &Certificate,
    oid: ObjectIdentifier,
) -> Option<T> {
    find_extension(cert, oid).and_then(|e| T::from_der(e.extn_value.as_bytes()).ok())
}

fn entry_extension<T: for<'a> Decode<'a>>(entry: &RevokedCert, oid: ObjectIdentifier) -> Option<T> {
    entry
        .crl_entry_extensions
        .as_deref()?
        .iter()
        .find(|e| e.extn_id == oid)
        .and_then(|e| T::from_der(e.extn_value.as_bytes()).ok())
}

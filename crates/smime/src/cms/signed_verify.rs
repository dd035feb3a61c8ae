//! Checking each SignerInfo of a SignedData (RFC 5652 5.4 and 5.6, RFC 8551 2.5).
//!
//! A SignerInfo is valid only if its algorithms are acceptable, its certificate is known,
//! the content-type and message-digest attributes are each present exactly once and match,
//! the optional signing-time, CMSAlgorithmProtection and signing-certificate-v2 attributes
//! are well-formed and consistent, and the signature verifies. The chain is checked
//! separately, against the given trust anchors.

use std::time::SystemTime;

use x509_cert::Certificate;

use super::attributes::{self, single_value};
use super::oids;
use super::receipt::ReceiptRequest;
use super::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use crate::crypto::{self, DigestAlgorithm, SignatureScheme};
use crate::report::{ChainReport, ReceiptRequestReport, SignerReport, Status};
use crate::{CryptoPolicy, Error};
use smime_pkix::mail::Purpose;
use smime_pkix::mail_validation::{rfc3339, validate_for_mail, MailUse};
use smime_pkix::options::{RevocationMode, ValidationOptions};

/// The digest of the received content for one algorithm, and, when the content had bare
/// LF line ends, the digest of its CRLF canonical form too (RFC 8551 3.1.1: a signer
/// hashes the canonical form; mail stores often keep LF only).
#[derive(Debug, Clone)]
pub struct ComputedDigest {
    /// The algorithm.
    pub algorithm: DigestAlgorithm,
    /// Digest of the bytes as received.
    pub received: Vec<u8>,
    /// Digest of the CRLF form, if it differs from the received bytes.
    pub canonical: Option<Vec<u8>>,
}

/// What the signer checks need besides the SignedData.
pub struct SignerCheckOptions<'a> {
    /// Algorithm policy.
    pub policy: CryptoPolicy,
    /// Certificates given by the caller, besides those in the message.
    pub extra_certificates: &'a [Certificate],
    /// Trust anchors; empty means the chain cannot be trusted.
    pub trust_anchors: &'a [Certificate],
    /// Whether to check the chain at all.
    pub check_chain: bool,
    /// Validate the chain at this time instead of the signing time or now.
    pub at: Option<SystemTime>,
    /// Revocation checking of the chain; `None`: not checked.
    pub revocation: Option<&'a crate::verify::SignerRevocation>,
    /// The content, if it is small enough to have been kept (needed only for SignerInfos
    /// without signed attributes and a pure-EdDSA signature).
    pub content: Option<&'a [u8]>,
}

/// A checked signer: its report and, if found, its certificate.
pub struct CheckedSigner {
    /// The report.
    pub report: SignerReport,
    /// The signer's certificate.
    pub certificate: Option<Certificate>,
}

/// Check every SignerInfo of `signed`.
pub fn check_signers(
    signed: &SignedData,
    digests: &[ComputedDigest],
    options: &SignerCheckOptions<'_>,
) -> Vec<CheckedSigner> {
    signed
        .signer_infos
        .iter()
        .map(|si| check_signer(signed, si, digests, options))
        .collect()
}

fn check_signer(
    signed: &SignedData,
    si: &SignerInfo,
    digests: &[ComputedDigest],
    options: &SignerCheckOptions<'_>,
) -> CheckedSigner {
    let mut report = SignerReport {
        status: Status::Valid,
        signature_valid: false,
        subject: None,
        issuer: match &si.sid {
            SignerIdentifier::IssuerAndSerial { issuer, .. } => Some(crypto::describe_name(issuer)),
            SignerIdentifier::SubjectKeyIdentifier(_) => None,
        },
        serial: match &si.sid {
            SignerIdentifier::IssuerAndSerial { serial, .. } => Some(hex(serial)),
            SignerIdentifier::SubjectKeyIdentifier(_) => None,
        },
        emails: vec![],
        signing_time: None,
        digest_algorithm: None,
        signature_algorithm: None,
        public_key: None,
        capabilities: vec![],
        receipt_request: None,
        chain: ChainReport::not_checked(),
        problems: vec![],
    };
    let fail = |report: &mut SignerReport, status: Status, problem: String| {
        if report.status == Status::Valid {
            report.status = status;
        }
        report.problems.push(problem);
    };

    let scheme = match SignatureScheme::from_signer_info(
        &si.digest_algorithm,
        &si.signature_algorithm,
        &options.policy,
    )
    .map_err(Error::from)
    {
        Ok(s) => {
            report.digest_algorithm = Some(s.digest().name().to_string());
            report.signature_algorithm = Some(s.name());
            Some(s)
        }
        Err(e @ Error::Refused { .. }) => {
            fail(&mut report, Status::WeakAlgorithm, e.to_string());
            None
        }
        Err(e) => {
            fail(&mut report, Status::UnsupportedAlgorithm, e.to_string());
            None
        }
    };

    let certificate = signed
        .certificates
        .iter()
        .chain(options.extra_certificates)
        .find(|c| si.sid.matches(c))
        .cloned();
    match &certificate {
        Some(cert) => {
            report.subject = Some(crypto::describe_name(&cert.tbs_certificate.subject));
            report.issuer = Some(crypto::describe_name(&cert.tbs_certificate.issuer));
            report.serial = Some(hex(cert.tbs_certificate.serial_number.as_bytes()));
            report.emails = crypto::certificate_email_addresses(cert);
            report.public_key = Some(crypto::public_key_description(
                &cert.tbs_certificate.subject_public_key_info,
            ));
        }
        None => fail(
            &mut report,
            Status::UnknownSigner,
            "the signer's certificate is neither in the message nor among the given certificates"
                .into(),
        ),
    }

    // RFC 5652 11.1-11.3: content-type, message-digest and signing-time must be signed.
    for attr in &si.unsigned_attributes {
        if [
            oids::ATTR_CONTENT_TYPE,
            oids::ATTR_MESSAGE_DIGEST,
            oids::ATTR_SIGNING_TIME,
        ]
        .contains(&attr.oid)
        {
            fail(
                &mut report,
                Status::BadAttributes,
                format!(
                    "the {} attribute must be signed, not unsigned",
                    oids::attribute_name(&attr.oid)
                ),
            );
        }
    }

    // The bytes the signature covers, if the attributes check out.
    let mut signing_time = None;
    let signed_bytes: Option<Vec<u8>> = match &si.signed_attributes {
        Some(attrs) => {
            let mut ok = true;
            let mut attr_fail = |report: &mut SignerReport, status, problem| {
                ok = false;
                fail(report, status, problem);
            };
            match single_value(attrs, &oids::ATTR_CONTENT_TYPE) {
                Ok(Some(v)) => match attributes::read_oid(v) {
                    Ok(oid) if oid == signed.econtent_type => {}
                    Ok(oid) => attr_fail(
                        &mut report,
                        Status::BadAttributes,
                        format!(
                            "the content-type attribute says {} but the content is {}",
                            oids::content_type_name(&oid),
                            oids::content_type_name(&signed.econtent_type)
                        ),
                    ),
                    Err(e) => attr_fail(
                        &mut report,
                        Status::BadAttributes,
                        format!("content-type attribute: {e}"),
                    ),
                },
                Ok(None) => attr_fail(
                    &mut report,
                    Status::BadAttributes,
                    "the content-type attribute is missing".into(),
                ),
                Err(e) => attr_fail(&mut report, Status::BadAttributes, e),
            }
            match single_value(attrs, &oids::ATTR_MESSAGE_DIGEST) {
                Ok(Some(v)) => match (attributes::read_octet_string(v), &scheme) {
                    (Ok(claimed), Some(scheme)) => {
                        match digests.iter().find(|d| d.algorithm == scheme.digest()) {
                            Some(d) if d.received == claimed || d.canonical.as_ref() == Some(&claimed) => {}
                            Some(_) => attr_fail(
                                &mut report,
                                Status::BadSignature,
                                "the content does not match the message-digest attribute: it was changed after signing".into(),
                            ),
                            None => attr_fail(
                                &mut report,
                                Status::UnsupportedAlgorithm,
                                format!("the content was not hashed with {}", scheme.digest().name()),
                            ),
                        }
                    }
                    (Ok(_), None) => {} // the algorithm already failed
                    (Err(e), _) => attr_fail(
                        &mut report,
                        Status::BadAttributes,
                        format!("message-digest attribute: {e}"),
                    ),
                },
                Ok(None) => attr_fail(
                    &mut report,
                    Status::BadAttributes,
                    "the message-digest attribute is missing".into(),
                ),
                Err(e) => attr_fail(&mut report, Status::BadAttributes, e),
            }
            match single_value(attrs, &oids::ATTR_SIGNING_TIME) {
                Ok(Some(v)) => match attributes::read_signing_time(v) {
                    Ok(t) => {
                        signing_time = Some(t);
                        report.signing_time = Some(rfc3339(t));
                    }
                    Err(e) => attr_fail(&mut report, Status::BadAttributes, e),
                },
                Ok(None) => {}
                Err(e) => attr_fail(&mut report, Status::BadAttributes, e),
            }
            match single_value(attrs, &oids::ATTR_ALGORITHM_PROTECTION) {
                Ok(Some(v)) => {
                    if let Err(e) = attributes::check_algorithm_protection(
                        v,
                        &si.digest_algorithm,
                        &si.signature_algorithm,
                    ) {
                        attr_fail(&mut report, Status::BadAttributes, e);
                    }
                }
                Ok(None) => {}
                Err(e) => attr_fail(&mut report, Status::BadAttributes, e),
            }
            if let (Ok(Some(v)), Some(cert)) = (
                single_value(attrs, &oids::ATTR_SIGNING_CERTIFICATE_V2),
                &certificate,
            ) {
                if let Err(e) = attributes::check_signing_certificate_v2(v, cert, &options.policy) {
                    attr_fail(&mut report, Status::BadAttributes, e);
                }
            }
            match single_value(attrs, &oids::ATTR_RECEIPT_REQUEST) {
                Ok(Some(v)) => match ReceiptRequest::from_attribute_value(v) {
                    Ok(request) => {
                        report.receipt_request = Some(ReceiptRequestReport::new(&request))
                    }
                    Err(e) => attr_fail(
                        &mut report,
                        Status::BadAttributes,
                        format!("receipt-request attribute: {e}"),
                    ),
                },
                Ok(None) => {}
                Err(e) => attr_fail(&mut report, Status::BadAttributes, e),
            }
            if let Ok(Some(v)) = single_value(attrs, &oids::ATTR_SMIME_CAPABILITIES) {
                if let Ok(caps) = attributes::read_capabilities(v) {
                    report.capabilities = caps.iter().map(oids::cipher_name).collect();
                }
            }
            ok.then(|| attrs.signed_bytes.clone())
        }
        None => {
            if signed.econtent_type != oids::DATA {
                fail(
                    &mut report,
                    Status::BadAttributes,
                    "signed attributes are required when the content is not id-data (RFC 5652 5.3)"
                        .into(),
                );
            }
            None
        }
    };

    if let (Some(scheme), Some(cert)) = (&scheme, &certificate) {
        let spki = &cert.tbs_certificate.subject_public_key_info;
        let verified = match (&si.signed_attributes, &signed_bytes) {
            (Some(_), Some(bytes)) => Some(
                crypto::verify_signature(spki, scheme, bytes, &si.signature, &options.policy)
                    .map_err(Error::from),
            ),
            (Some(_), None) => None, // attributes already failed
            (None, _) => Some(verify_without_attributes(
                spki, scheme, si, digests, options,
            )),
        };
        match verified {
            Some(Ok(true)) => report.signature_valid = report.status == Status::Valid,
            Some(Ok(false)) => fail(
                &mut report,
                Status::BadSignature,
                "the signature does not verify".into(),
            ),
            Some(Err(e @ Error::Refused { .. })) => {
                fail(&mut report, Status::WeakAlgorithm, e.to_string())
            }
            Some(Err(e)) => fail(&mut report, Status::UnsupportedAlgorithm, e.to_string()),
            None => {}
        }
    }

    if let Some(cert) = &certificate {
        report.chain = chain_report(cert, signed, signing_time, options);
        if report.status == Status::Valid && report.chain.status != "trusted" && options.check_chain
        {
            report.status = Status::Untrusted;
            report.problems.push(
                report
                    .chain
                    .reason
                    .clone()
                    .unwrap_or_else(|| "untrusted".into()),
            );
        }
    }
    CheckedSigner {
        report,
        certificate,
    }
}

/// Without signed attributes the signature covers the content itself (RFC 5652 5.4).
fn verify_without_attributes(
    spki: &spki::SubjectPublicKeyInfoOwned,
    scheme: &SignatureScheme,
    si: &SignerInfo,
    digests: &[ComputedDigest],
    options: &SignerCheckOptions<'_>,
) -> crate::Result<bool> {
    if let Some(content) = options.content {
        let mut ok =
            crypto::verify_signature(spki, scheme, content, &si.signature, &options.policy)?;
        if !ok {
            let canonical = crate::mime::to_crlf(content);
            if canonical != content {
                ok = crypto::verify_signature(
                    spki,
                    scheme,
                    &canonical,
                    &si.signature,
                    &options.policy,
                )?;
            }
        }
        return Ok(ok);
    }
    let digest = digests
        .iter()
        .find(|d| d.algorithm == scheme.digest())
        .ok_or_else(|| {
            Error::Unexpected(format!(
                "the content was not hashed with {}",
                scheme.digest().name()
            ))
        })?;
    let mut ok = crypto::verify_prehashed(
        spki,
        scheme,
        &digest.received,
        &si.signature,
        &options.policy,
    )?;
    if !ok {
        if let Some(canonical) = &digest.canonical {
            ok = crypto::verify_prehashed(spki, scheme, canonical, &si.signature, &options.policy)?;
        }
    }
    Ok(ok)
}

/// Validate the signer's certificate for signing mail (RFC 5280 6.1 path, RFC 8550 rules)
/// at the signing time when it lies within the certificate's validity and is not in the
/// future, else now (or at the time the caller gave); the report says which.
fn chain_report(
    cert: &Certificate,
    signed: &SignedData,
    signing_time: Option<SystemTime>,
    options: &SignerCheckOptions<'_>,
) -> ChainReport {
    if !options.check_chain {
        return ChainReport::not_checked();
    }
    let validity = &cert.tbs_certificate.validity;
    let within = |t: SystemTime| {
        t >= validity.not_before.to_system_time() && t <= validity.not_after.to_system_time()
    };
    let (at, source) = match (options.at, signing_time) {
        (Some(at), _) => (at, "given"),
        (None, Some(t)) if within(t) && t <= SystemTime::now() => (t, "signing-time"),
        _ => (SystemTime::now(), "now"),
    };
    if options.trust_anchors.is_empty() {
        return ChainReport {
            status: "untrusted".into(),
            path: vec![],
            reason: Some(
                "no trust anchors were given (use --trust CA.pem, or --no-chain)".to_string(),
            ),
            validated_at: Some(rfc3339(at)),
            time_source: Some(source.into()),
            certificates: vec![],
            failed_rule: None,
            warnings: vec![],
        };
    }
    let intermediates: Vec<Certificate> = signed
        .certificates
        .iter()
        .chain(options.extra_certificates)
        .cloned()
        .collect();
    let mut validation = ValidationOptions::at(at);
    validation.allow_legacy = options.policy.legacy_allowed();
    validation.revocation = options.revocation.map_or(RevocationMode::Off, |r| r.mode);
    let report = validate_for_mail(
        cert,
        &intermediates,
        options.trust_anchors,
        &validation,
        options
            .revocation
            .map(|r| r.checker.as_ref() as &dyn smime_pkix::RevocationCheck),
        MailUse {
            purpose: Purpose::Sign,
            address: None,
        },
    );
    ChainReport {
        status: if report.valid { "trusted" } else { "untrusted" }.into(),
        path: if report.valid {
            report.path.iter().map(|c| c.subject.clone()).collect()
        } else {
            vec![]
        },
        reason: report.reason(),
        validated_at: Some(report.time),
        time_source: Some(source.into()),
        certificates: report.path,
        failed_rule: report.failed_rule,
        warnings: report.warnings,
    }
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

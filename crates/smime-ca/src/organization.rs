//! The organisation the CA serves: its name, its registration (organizationIdentifier,
//! CA/B S/MIME BR 7.1.4.2.2(d) and Appendix A), its country and its mail domains. Addresses
//! outside the domains are refused; domains are kept as IDNA A-labels, lower case.

use crate::{Error, Result};

/// Registration schemes of CA/B S/MIME BR Appendix A.1.
const SCHEMES: [&str; 6] = ["NTR", "VAT", "PSD", "LEI", "GOV", "INT"];

/// The organisation behind the CA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    /// organizationName of the CA certificates and of organisation and sponsor certificates.
    pub name: String,
    /// organizationIdentifier (2.5.4.97), e.g. `NTRUS+CA-1234567` or `LEIXG-...`; organization-
    /// and sponsor-validated certificates need it (BR 7.1.4.2.2(d)).
    pub identifier: Option<String>,
    /// countryName, ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// Mail domains, IDNA A-labels in lower case.
    pub domains: Vec<String>,
}

impl Organization {
    /// An organisation: its name and domains (checked and turned into A-labels), no
    /// registration or country yet.
    pub fn new(name: &str, domains: &[String]) -> Result<Organization> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(Error::Input {
                what: format!("organisation name {name:?}"),
                reason: "must have 1 to 64 characters (RFC 5280 ub-organization-name)".into(),
            });
        }
        if domains.is_empty() {
            return Err(Error::Input {
                what: "organisation domains".into(),
                reason: "at least one mail domain is needed".into(),
            });
        }
        let domains = domains
            .iter()
            .map(|d| normalize_domain(d))
            .collect::<Result<Vec<_>>>()?;
        Ok(Organization {
            name: name.to_string(),
            identifier: None,
            country: None,
            domains,
        })
    }

    /// With this organizationIdentifier (checked against BR Appendix A.1 syntax).
    pub fn with_identifier(mut self, identifier: &str) -> Result<Organization> {
        check_identifier(identifier)?;
        self.identifier = Some(identifier.to_string());
        Ok(self)
    }

    /// With this countryName (two upper-case letters).
    pub fn with_country(mut self, country: &str) -> Result<Organization> {
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(Error::Input {
                what: format!("country {country:?}"),
                reason: "must be an ISO 3166-1 alpha-2 code in upper case, e.g. DE".into(),
            });
        }
        self.country = Some(country.to_string());
        Ok(self)
    }

    /// `address` with its domain lower-cased and in A-labels, if the domain is one of ours
    /// or below one of ours; otherwise refused, naming the domains.
    pub fn check_address(&self, address: &str) -> Result<String> {
        let address = normalize_address(address)?;
        let domain = address.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
        let ours = self
            .domains
            .iter()
            .any(|d| domain == d || domain.ends_with(&format!(".{d}")));
        if !ours {
            return Err(Error::Refused {
                what: format!("address {address}"),
                reason: format!(
                    "its domain is not one of the CA's domains ({}); the CA only certifies \
                     mailboxes it controls (CA/B S/MIME BR 3.2.2)",
                    self.domains.join(", ")
                ),
            });
        }
        Ok(address)
    }
}

/// A domain as an IDNA A-label in lower case (UTS 46), or an input error.
pub fn normalize_domain(domain: &str) -> Result<String> {
    let trimmed = domain.trim().trim_end_matches('.');
    let ascii = idna::domain_to_ascii(trimmed).map_err(|_| Error::Input {
        what: format!("domain {domain:?}"),
        reason: "not a valid domain name (IDNA)".into(),
    })?;
    if ascii.is_empty() || !ascii.contains('.') || ascii.split('.').any(str::is_empty) {
        return Err(Error::Input {
            what: format!("domain {domain:?}"),
            reason: "not a fully qualified domain name".into(),
        });
    }
    Ok(ascii)
}

/// An address `local@domain` with an ASCII local part (rfc822Name is IA5String, RFC 5280
/// 4.2.1.6; non-ASCII local parts would need SmtpUTF8Mailbox, RFC 8398) and its domain
/// normalized by [`normalize_domain`].
pub fn normalize_address(address: &str) -> Result<String> {
    let bad = |reason: &str| Error::Input {
        what: format!("address {address:?}"),
        reason: reason.into(),
    };
    let (local, domain) = address
        .trim()
        .rsplit_once('@')
        .ok_or_else(|| bad("not an email address (no @)"))?;
    if local.is_empty() || local.len() > 64 {
        return Err(bad(
            "the local part must have 1 to 64 characters (RFC 5321 4.5.3.1.1)",
        ));
    }
    if !local
        .bytes()
        .all(|b| b.is_ascii_graphic() && !b"()<>[]:;@\\,\"".contains(&b))
    {
        return Err(bad(
            "the local part must be plain ASCII (dot-atom, RFC 5322 3.4.1)",
        ));
    }
    Ok(format!("{local}@{}", normalize_domain(domain)?))
}

/// The syntax of an organizationIdentifier (CA/B S/MIME BR Appendix A.1): a 3-letter
/// scheme, a 2-letter country (`XG` for the global LEI and INT schemes), an optional
/// `+` and state code, a hyphen and the registration reference (none for GOV and INT).
pub fn check_identifier(identifier: &str) -> Result<()> {
    let bad = |reason: &str| Error::Input {
        what: format!("organizationIdentifier {identifier:?}"),
        reason: format!("{reason} (CA/B S/MIME BR Appendix A.1, e.g. NTRDE-HRB12345 or LEIXG-...)"),
    };
    let (scheme, rest) = identifier
        .split_at_checked(3)
        .ok_or_else(|| bad("too short"))?;
    if !SCHEMES.contains(&scheme) {
        return Err(bad("the scheme must be NTR, VAT, PSD, LEI, GOV or INT"));
    }
    let (country, rest) = rest.split_at_checked(2).ok_or_else(|| bad("no country"))?;
    if !country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(bad("the country must be two upper-case letters"));
    }
    let global = matches!(scheme, "LEI" | "INT");
    if global != (country == "XG") {
        return Err(bad(
            "LEI and INT use the country XG, the other schemes a real country",
        ));
    }
    let rest = match rest.strip_prefix('+') {
        Some(state_and_reference) => {
            let end = state_and_reference
                .find('-')
                .unwrap_or(state_and_reference.len());
            let (code, after) = state_and_reference.split_at(end);
            if code.is_empty() || code.len() > 3 || !code.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                return Err(bad("the state code must be 1 to 3 letters or digits"));
            }
            after
        }
        None => rest,
    };
    match (scheme, rest) {
        ("GOV" | "INT", "") => Ok(()),
        ("GOV" | "INT", _) => Err(bad("GOV and INT carry no registration reference")),
        (_, reference) => match reference.strip_prefix('-') {
            Some(r) if !r.is_empty() => Ok(()),
            _ => Err(bad("a hyphen and the registration reference must follow")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> Organization {
        Organization::new("Example", &["Example.ORG".into(), "bücher.example".into()]).unwrap()
    }

    #[test]
    fn new_domains_lowercase_a_labels() {
        assert_eq!(org().domains, ["example.org", "xn--bcher-kva.example"]);
    }

    #[test]
    fn check_address_ours_and_subdomain_accepted_foreign_refused() {
        let org = org();
        assert_eq!(
            org.check_address("Alice@EXAMPLE.org").unwrap(),
            "Alice@example.org"
        );
        assert!(org.check_address("bob@mail.example.org").is_ok());
        assert!(org.check_address("hr@bücher.example").is_ok());
        let err = org
            .check_address("eve@example.com")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("eve@example.com") && err.contains("example.org"),
            "{err}"
        );
        assert!(org.check_address("eve@notexample.org").is_err());
        assert!(org.check_address("no-at-sign").is_err());
        assert!(org.check_address("jörg@example.org").is_err());
    }

    #[test]
    fn check_identifier_schemes_and_countries() {
        for good in [
            "NTRDE-HRB12345",
            "VATFR-12345678901",
            "NTRUS+CA-1234",
            "LEIXG-5299000J2N45DDNE4Y28",
            "GOVUS",
            "INTXG",
        ] {
            assert!(check_identifier(good).is_ok(), "{good}");
        }
        for bad in [
            "", "NTR", "XYZDE-1", "NTRXG-1", "LEIDE-1", "NTRDE", "NTRDE-", "GOVUS-1", "ntrde-1",
        ] {
            assert!(check_identifier(bad).is_err(), "{bad}");
        }
    }
}

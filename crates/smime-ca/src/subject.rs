//! The subject distinguished name of a subscriber certificate, per profile (CA/B S/MIME BR
//! 7.1.4.2.2): mailbox-validated holds only the address as commonName; organization-
//! validated the organisation (organizationName, organizationIdentifier, countryName) and
//! the role address; sponsor-validated the organisation and the person; individual-
//! validated the person only.

use der::asn1::ObjectIdentifier as Oid;
use x509_cert::name::Name;

use crate::builder::{AttributeText, NameBuilder};
use crate::organization::Organization;
use crate::profile::{Profile, ValidationLevel};
use crate::{Error, Result};

/// commonName (X.520).
pub const COMMON_NAME: Oid = Oid::new_unwrap("2.5.4.3");
/// surname (X.520).
pub const SURNAME: Oid = Oid::new_unwrap("2.5.4.4");
/// countryName (X.520).
pub const COUNTRY: Oid = Oid::new_unwrap("2.5.4.6");
/// organizationName (X.520).
pub const ORGANIZATION: Oid = Oid::new_unwrap("2.5.4.10");
/// givenName (X.520).
pub const GIVEN_NAME: Oid = Oid::new_unwrap("2.5.4.42");
/// pseudonym (X.520).
pub const PSEUDONYM: Oid = Oid::new_unwrap("2.5.4.65");
/// organizationIdentifier (X.520, 2.5.4.97).
pub const ORGANIZATION_IDENTIFIER: Oid = Oid::new_unwrap("2.5.4.97");

/// RFC 5280 Appendix A upper bound of commonName.
const UB_COMMON_NAME: usize = 64;

/// Who the certificate is for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subscriber {
    /// The mailbox (rfc822Name), already checked against the CA's domains.
    pub email: String,
    /// The person's name as shown (`Alice Example`); sponsor and individual profiles split
    /// it into givenName and surname at the last space unless those are given.
    pub name: Option<String>,
    /// givenName, when known apart from `name`.
    pub given_name: Option<String>,
    /// surname, when known apart from `name`.
    pub surname: Option<String>,
    /// A pseudonym instead of the person's name (BR 7.1.4.2.2(b)); never with a name.
    pub pseudonym: Option<String>,
}

impl Subscriber {
    /// A subscriber known by address only.
    pub fn mailbox(email: &str) -> Subscriber {
        Subscriber {
            email: email.to_string(),
            ..Subscriber::default()
        }
    }

    /// A subscriber with a person's name.
    pub fn person(email: &str, name: &str) -> Subscriber {
        Subscriber {
            email: email.to_string(),
            name: Some(name.to_string()),
            ..Subscriber::default()
        }
    }

    /// givenName and surname: as given, or split from `name` at the last space (a
    /// one-word name is a givenName).
    fn given_and_surname(&self) -> (Option<String>, Option<String>) {
        if self.given_name.is_some() || self.surname.is_some() {
            return (self.given_name.clone(), self.surname.clone());
        }
        match self.name.as_deref().map(str::trim) {
            Some(name) if !name.is_empty() => match name.rsplit_once(' ') {
                Some((given, sur)) => (Some(given.trim().to_string()), Some(sur.to_string())),
                None => (Some(name.to_string()), None),
            },
            _ => (None, None),
        }
    }
}

fn refused(profile: &Profile, reason: &str) -> Error {
    Error::Refused {
        what: format!("subject of a {profile} certificate"),
        reason: format!("{reason} (CA/B S/MIME BR 7.1.4.2.2)"),
    }
}

/// The commonName to use for the address, if it fits (an address over 64 characters is
/// left out: the SAN carries it, and commonName is optional).
fn address_common_name(email: &str) -> Option<&str> {
    (email.len() <= UB_COMMON_NAME).then_some(email)
}

/// The subject name for `subscriber` under `profile`, or the rule that cannot be met.
pub fn subject_name(
    profile: &Profile,
    org: &Organization,
    subscriber: &Subscriber,
) -> Result<Name> {
    let utf8 = AttributeText::Utf8;
    let organization = |builder: NameBuilder| -> Result<NameBuilder> {
        let identifier = org.identifier.as_deref().ok_or_else(|| {
            refused(
                profile,
                "organizationIdentifier is required: set the organisation's registration \
                 (e.g. NTRDE-HRB12345) when the CA is made",
            )
        })?;
        builder
            .add_optional(COUNTRY, org.country.as_deref(), AttributeText::Printable)?
            .add(ORGANIZATION, &org.name, utf8)?
            .add(ORGANIZATION_IDENTIFIER, identifier, utf8)
    };
    let person = |builder: NameBuilder| -> Result<NameBuilder> {
        let (given, sur) = subscriber.given_and_surname();
        if let Some(pseudonym) = subscriber.pseudonym.as_deref() {
            if given.is_some() || sur.is_some() {
                return Err(refused(
                    profile,
                    "a pseudonym and a personal name cannot be mixed",
                ));
            }
            if pseudonym.chars().count() > UB_COMMON_NAME {
                return Err(refused(
                    profile,
                    "the pseudonym is longer than 64 characters",
                ));
            }
            return builder
                .add(PSEUDONYM, pseudonym, utf8)?
                .add(COMMON_NAME, pseudonym, utf8);
        }
        if given.is_none() && sur.is_none() {
            return Err(refused(
                profile,
                "a personal name (givenName/surname) or a pseudonym is required",
            ));
        }
        let common: String = [given.as_deref(), sur.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        if common.chars().count() > UB_COMMON_NAME {
            return Err(refused(
                profile,
                "the personal name is longer than 64 characters",
            ));
        }
        builder
            .add_optional(GIVEN_NAME, given.as_deref(), utf8)?
            .add_optional(SURNAME, sur.as_deref(), utf8)?
            .add(COMMON_NAME, &common, utf8)
    };
    let builder = NameBuilder::new();
    let builder = match profile.level {
        ValidationLevel::Mailbox => {
            builder.add_optional(COMMON_NAME, address_common_name(&subscriber.email), utf8)?
        }
        ValidationLevel::Organization => organization(builder)?.add_optional(
            COMMON_NAME,
            address_common_name(&subscriber.email),
            utf8,
        )?,
        ValidationLevel::Sponsor => person(organization(builder)?)?,
        ValidationLevel::Individual => person(builder)?,
    };
    Ok(builder.build())
}

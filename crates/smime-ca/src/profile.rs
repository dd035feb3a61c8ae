//! Subscriber certificate profiles of the CA/Browser Forum S/MIME Baseline Requirements
//! (7.1.2.3, 7.1.4.2.2, 7.1.6.1): four validation levels (mailbox, organization, sponsor,
//! individual) in three generations (legacy, multipurpose, strict). Legacy is only read:
//! BR 7.1.6.1 forbids issuing it since 15 July 2025.

use der::asn1::ObjectIdentifier as Oid;
use der::flagset::FlagSet;
use x509_cert::ext::pkix::KeyUsages;

use crate::{Error, Result};

/// How the subscriber's identity was validated (BR 1.1, 3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValidationLevel {
    /// Only control of the mailbox (BR 3.2.2): the subject holds the address alone.
    Mailbox,
    /// An organisation (a legal entity); role mailboxes such as finance@ (BR 3.2.3).
    Organization,
    /// A person affiliated with (sponsored by) a validated organisation (BR 3.2.3, 3.2.4).
    Sponsor,
    /// An individual person (BR 3.2.4).
    Individual,
}

/// The profile generation (BR 1.1 definitions, 7.1.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Generation {
    /// The lenient first generation; no longer issued (BR 7.1.6.1).
    Legacy,
    /// Close to strict, with a few more fields and extended key usages allowed.
    Multipurpose,
    /// The target profile: email protection only.
    Strict,
}

/// A profile: validation level and generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Profile {
    /// The validation level.
    pub level: ValidationLevel,
    /// The generation.
    pub generation: Generation,
}

/// What the certified key is for (RFC 8550 4.4.2, BR 7.1.2.3(e)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Usage {
    /// Signing mail: digitalSignature and nonRepudiation.
    Sign,
    /// Encrypting mail to the subscriber: keyEncipherment (RSA) or keyAgreement (EC).
    Encrypt,
    /// One key for both (digitalSignature with keyEncipherment or keyAgreement).
    Both,
}

/// The kind of public key, as far as key usage cares (BR 7.1.2.3(e)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA: encryption by key transport.
    Rsa,
    /// ECDSA/ECDH on a NIST curve: encryption by key agreement.
    Ec,
    /// Ed25519: signing only.
    Ed25519,
}

const LEVELS: [(ValidationLevel, &str, u32); 4] = [
    (ValidationLevel::Mailbox, "mailbox", 1),
    (ValidationLevel::Organization, "organization", 2),
    (ValidationLevel::Sponsor, "sponsor", 3),
    (ValidationLevel::Individual, "individual", 4),
];

const GENERATIONS: [(Generation, &str, u32); 3] = [
    (Generation::Legacy, "legacy", 1),
    (Generation::Multipurpose, "multipurpose", 2),
    (Generation::Strict, "strict", 3),
];

impl Profile {
    /// The eight profiles that may be issued (multipurpose and strict of each level).
    pub fn issuable() -> Vec<Profile> {
        LEVELS
            .iter()
            .flat_map(|(level, ..)| {
                [Generation::Multipurpose, Generation::Strict].map(|generation| Profile {
                    level: *level,
                    generation,
                })
            })
            .collect()
    }

    /// The profile named `level-generation`, e.g. `mailbox-strict` or
    /// `organization-multipurpose` (`sponsored-` is read as `sponsor-`). Legacy names are
    /// read; [`Profile::check_issuable`] refuses them.
    pub fn from_name(name: &str) -> Result<Profile> {
        let bad = || Error::Input {
            what: format!("profile {name:?}"),
            reason: "unknown: mailbox|organization|sponsor|individual - strict|multipurpose, \
                     e.g. mailbox-strict"
                .into(),
        };
        let lower = name.trim().to_ascii_lowercase();
        let (level, generation) = lower.split_once('-').ok_or_else(bad)?;
        let level = if level == "sponsored" {
            "sponsor"
        } else {
            level
        };
        let level = LEVELS
            .iter()
            .find(|(_, n, _)| *n == level)
            .ok_or_else(bad)?
            .0;
        let generation = GENERATIONS
            .iter()
            .find(|(_, n, _)| *n == generation)
            .ok_or_else(bad)?
            .0;
        Ok(Profile { level, generation })
    }

    /// The name, as [`Profile::from_name`] reads it.
    pub fn name(&self) -> String {
        format!("{}-{}", self.level_name(), self.generation_name())
    }

    fn level_name(&self) -> &'static str {
        LEVELS
            .iter()
            .find(|(l, ..)| *l == self.level)
            .map_or("", |(_, n, _)| n)
    }

    fn generation_name(&self) -> &'static str {
        GENERATIONS
            .iter()
            .find(|(g, ..)| *g == self.generation)
            .map_or("", |(_, n, _)| n)
    }

    /// The CA/Browser Forum reserved policy identifier (BR 7.1.6.1):
    /// 2.23.140.1.5.{1 mailbox, 2 organization, 3 sponsor, 4 individual}.{1 legacy,
    /// 2 multipurpose, 3 strict}.
    pub fn policy_oid(&self) -> Oid {
        let level = LEVELS
            .iter()
            .find(|(l, ..)| *l == self.level)
            .map_or(0, |(.., n)| *n);
        let generation = GENERATIONS
            .iter()
            .find(|(g, ..)| *g == self.generation)
            .map_or(0, |(.., n)| *n);
        // Both arcs are single digits from the tables above: the text always parses.
        Oid::new(&format!("2.23.140.1.5.{level}.{generation}"))
            .unwrap_or(Oid::new_unwrap("2.23.140.1.5"))
    }

    /// The profile a reserved policy identifier names, if it is one.
    pub fn from_policy_oid(oid: &Oid) -> Option<Profile> {
        LEVELS.iter().find_map(|(level, ..)| {
            GENERATIONS.iter().find_map(|(generation, ..)| {
                let p = Profile {
                    level: *level,
                    generation: *generation,
                };
                (p.policy_oid() == *oid).then_some(p)
            })
        })
    }

    /// Refuse what may no longer be issued: the legacy generation (BR 7.1.6.1, since
    /// 15 July 2025).
    pub fn check_issuable(&self) -> Result<()> {
        if self.generation == Generation::Legacy {
            return Err(Error::Refused {
                what: format!("profile {}", self.name()),
                reason: "legacy-generation certificates may no longer be issued \
                         (CA/B S/MIME BR 7.1.6.1, since 2025-07-15): use -strict or -multipurpose"
                    .into(),
            });
        }
        Ok(())
    }
}

impl Usage {
    /// `sign`, `encrypt` or `both`.
    pub fn from_name(name: &str) -> Result<Usage> {
        match name.trim().to_ascii_lowercase().as_str() {
            "sign" => Ok(Usage::Sign),
            "encrypt" => Ok(Usage::Encrypt),
            "both" => Ok(Usage::Both),
            _ => Err(Error::Input {
                what: format!("usage {name:?}"),
                reason: "must be sign, encrypt or both".into(),
            }),
        }
    }

    /// The name, as [`Usage::from_name`] reads it.
    pub fn name(self) -> &'static str {
        match self {
            Usage::Sign => "sign",
            Usage::Encrypt => "encrypt",
            Usage::Both => "both",
        }
    }

    /// Whether the key signs.
    pub fn signs(self) -> bool {
        matches!(self, Usage::Sign | Usage::Both)
    }

    /// Whether the key receives encrypted mail.
    pub fn encrypts(self) -> bool {
        matches!(self, Usage::Encrypt | Usage::Both)
    }

    /// The keyUsage bits for this usage and key (BR 7.1.2.3(e)): signing
    /// digitalSignature + nonRepudiation for a signing-only certificate; encryption
    /// keyEncipherment (RSA) or keyAgreement (EC); an Ed25519 key cannot encrypt.
    pub fn key_usage(self, key: KeyKind) -> Result<FlagSet<KeyUsages>> {
        let encrypt = match key {
            KeyKind::Rsa => KeyUsages::KeyEncipherment,
            KeyKind::Ec => KeyUsages::KeyAgreement,
            KeyKind::Ed25519 if self.encrypts() => {
                return Err(Error::Refused {
                    what: format!("usage {} with an Ed25519 key", self.name()),
                    reason: "Ed25519 keys only sign (RFC 8419); encryption needs RSA or EC".into(),
                })
            }
            KeyKind::Ed25519 => KeyUsages::DigitalSignature,
        };
        Ok(match self {
            Usage::Sign => KeyUsages::DigitalSignature | KeyUsages::NonRepudiation,
            Usage::Encrypt => encrypt.into(),
            Usage::Both => KeyUsages::DigitalSignature | encrypt,
        })
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_oid_every_profile_matches_br_table() {
        let mut seen = Vec::new();
        for (level, name, l) in LEVELS {
            for (generation, gname, g) in GENERATIONS {
                let p = Profile { level, generation };
                assert_eq!(p.policy_oid().to_string(), format!("2.23.140.1.5.{l}.{g}"));
                assert_eq!(Profile::from_policy_oid(&p.policy_oid()), Some(p));
                assert_eq!(p.name(), format!("{name}-{gname}"));
                assert_eq!(Profile::from_name(&p.name()).unwrap(), p);
                seen.push(p.policy_oid());
            }
        }
        seen.dedup();
        assert_eq!(seen.len(), 12);
    }

    #[test]
    fn check_issuable_legacy_refused_others_accepted() {
        assert_eq!(Profile::issuable().len(), 8);
        for p in Profile::issuable() {
            p.check_issuable().unwrap();
        }
        let err = Profile::from_name("mailbox-legacy")
            .unwrap()
            .check_issuable()
            .unwrap_err()
            .to_string();
        assert!(err.contains("legacy") && err.contains("7.1.6.1"), "{err}");
    }

    #[test]
    fn from_name_unknown_is_input_error() {
        for bad in ["mailbox", "strict-mailbox", "person-strict", ""] {
            assert!(Profile::from_name(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Profile::from_name("Sponsored-Strict").unwrap().level,
            ValidationLevel::Sponsor
        );
    }

    #[test]
    fn key_usage_per_usage_and_key_kind() {
        use KeyUsages::*;
        assert_eq!(
            Usage::Sign.key_usage(KeyKind::Ec).unwrap(),
            DigitalSignature | NonRepudiation
        );
        assert_eq!(
            Usage::Encrypt.key_usage(KeyKind::Rsa).unwrap(),
            FlagSet::from(KeyEncipherment)
        );
        assert_eq!(
            Usage::Encrypt.key_usage(KeyKind::Ec).unwrap(),
            FlagSet::from(KeyAgreement)
        );
        assert_eq!(
            Usage::Both.key_usage(KeyKind::Ec).unwrap(),
            DigitalSignature | KeyAgreement
        );
        assert!(Usage::Encrypt.key_usage(KeyKind::Ed25519).is_err());
    }
}

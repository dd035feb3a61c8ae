//! Principals, their roles, and which operations each role may perform (issue 5, item 4).
//!
//! The matrix is pure ([`Actor::may`]): it looks at nothing but the role, the operation and,
//! for a `user`, whether the object belongs to the user's own address. The store checks it
//! before every operation that needs a right and audits a refusal.
//!
//! | role          | may                                                                  |
//! |---------------|----------------------------------------------------------------------|
//! | `admin`       | everything                                                           |
//! | `key-officer` | export, back up and restore keys; use keys; read the inventory       |
//! | `operator`    | import, issue and revoke certificates; read the inventory            |
//! | `auditor`     | read the inventory and the audit log                                 |
//! | `user`        | read, use, export and import keys and certificates of its own address |

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// The role of a principal, stored as its text form in `principals.role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Everything, including principals and settings.
    Admin,
    /// Custody of private keys: export, backup, restore, use.
    KeyOfficer,
    /// Certificate lifecycle: import, issue, revoke.
    Operator,
    /// Read-only: inventory and audit log.
    Auditor,
    /// A mailbox owner: only the certificates and keys of its own address.
    User,
}

impl Role {
    /// Every role, in the order of the table above.
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::KeyOfficer,
        Role::Operator,
        Role::Auditor,
        Role::User,
    ];

    /// The text form kept in the store and shown by the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::KeyOfficer => "key-officer",
            Role::Operator => "operator",
            Role::Auditor => "auditor",
            Role::User => "user",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Error;

    fn from_str(text: &str) -> Result<Role, Error> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == text)
            .ok_or_else(|| Error::Principal {
                what: format!("role {text:?}"),
                reason: "unknown role (admin, key-officer, operator, auditor or user)".into(),
            })
    }
}

/// An operation that needs a right. Its text form is the audit log's `action` for checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Add certificates to the inventory.
    ImportCertificate,
    /// Add a private key.
    ImportKey,
    /// Sign or decrypt with a stored private key.
    UseKey,
    /// Take a private key out of the store (PKCS#12, PEM).
    ExportKey,
    /// Write a backup archive of the whole store.
    Backup,
    /// Rebuild a store from a backup archive.
    Restore,
    /// Issue a certificate from our CA.
    IssueCertificate,
    /// Revoke a certificate of our CA.
    RevokeCertificate,
    /// List and show certificates and keys (not their private material).
    ReadInventory,
    /// Read and verify the audit log.
    ReadAudit,
    /// Add, remove and change the role of principals.
    ManagePrincipals,
    /// Change store settings (domains, approved CAs, KEK).
    ChangeSettings,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 12] = [
        Operation::ImportCertificate,
        Operation::ImportKey,
        Operation::UseKey,
        Operation::ExportKey,
        Operation::Backup,
        Operation::Restore,
        Operation::IssueCertificate,
        Operation::RevokeCertificate,
        Operation::ReadInventory,
        Operation::ReadAudit,
        Operation::ManagePrincipals,
        Operation::ChangeSettings,
    ];

    /// The text form (audit `action`, error messages).
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::ImportCertificate => "import-certificate",
            Operation::ImportKey => "import-key",
            Operation::UseKey => "use-key",
            Operation::ExportKey => "export-key",
            Operation::Backup => "backup",
            Operation::Restore => "restore",
            Operation::IssueCertificate => "issue-certificate",
            Operation::RevokeCertificate => "revoke-certificate",
            Operation::ReadInventory => "read-inventory",
            Operation::ReadAudit => "read-audit",
            Operation::ManagePrincipals => "manage-principals",
            Operation::ChangeSettings => "change-settings",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The principal on whose behalf an operation runs (a row of `principals`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The principal's name (`--as NAME`, `SMIME_ACTOR`, the OS user).
    pub name: String,
    /// Its role.
    pub role: Role,
    /// A user's own mailbox, lower case; the other roles need none.
    pub address: Option<String>,
}

impl Actor {
    /// Whether this actor may perform `op` on an object owned by `owner` (an address; `None`
    /// for store-wide operations). Only a `user` looks at the owner: it may read, use,
    /// export and import keys and read certificates of its own address and nothing else.
    pub fn may(&self, op: Operation, owner: Option<&str>) -> bool {
        use Operation::*;
        match self.role {
            Role::Admin => true,
            Role::KeyOfficer => matches!(op, ExportKey | Backup | Restore | UseKey | ReadInventory),
            Role::Operator => matches!(
                op,
                ImportCertificate | IssueCertificate | RevokeCertificate | ReadInventory
            ),
            Role::Auditor => matches!(op, ReadInventory | ReadAudit),
            Role::User => {
                matches!(op, ReadInventory | UseKey | ExportKey | ImportKey)
                    && match (self.address.as_deref(), owner) {
                        // Addresses are stored lower case; compare the same way so that
                        // `Alice@Example.org` is still alice's own mailbox.
                        (Some(own), Some(owner)) => own.eq_ignore_ascii_case(owner),
                        _ => false,
                    }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor {
            name: format!("{role}-1"),
            role,
            address: (role == Role::User).then(|| "alice@example.org".to_string()),
        }
    }

    /// The table of the module documentation, written out independently of `may`.
    fn expected(role: Role, op: Operation) -> bool {
        let allowed: &[&str] = match role {
            Role::Admin => return true,
            Role::KeyOfficer => &[
                "export-key",
                "backup",
                "restore",
                "use-key",
                "read-inventory",
            ],
            Role::Operator => &[
                "import-certificate",
                "issue-certificate",
                "revoke-certificate",
                "read-inventory",
            ],
            Role::Auditor => &["read-inventory", "read-audit"],
            Role::User => &["read-inventory", "use-key", "export-key", "import-key"],
        };
        allowed.contains(&op.as_str())
    }

    #[test]
    fn may_every_role_and_operation_matches_table() {
        for role in Role::ALL {
            let a = actor(role);
            for op in Operation::ALL {
                assert_eq!(
                    a.may(op, Some("alice@example.org")),
                    expected(role, op),
                    "{role} {op} on own object"
                );
            }
        }
    }

    #[test]
    fn may_user_other_or_no_owner_is_denied() {
        let user = actor(Role::User);
        for op in Operation::ALL {
            assert!(
                !user.may(op, Some("bob@example.org")),
                "{op} on bob's object"
            );
            assert!(!user.may(op, None), "{op} store-wide");
        }
        assert!(user.may(Operation::UseKey, Some("ALICE@example.org")));
    }

    #[test]
    fn may_user_without_address_is_denied() {
        let user = Actor {
            address: None,
            ..actor(Role::User)
        };
        assert!(!user.may(Operation::UseKey, Some("alice@example.org")));
    }

    #[test]
    fn may_non_user_roles_ignore_owner() {
        for role in [Role::Admin, Role::KeyOfficer, Role::Operator, Role::Auditor] {
            let a = actor(role);
            for op in Operation::ALL {
                assert_eq!(
                    a.may(op, None),
                    a.may(op, Some("bob@example.org")),
                    "{role} {op}"
                );
            }
        }
    }

    #[test]
    fn role_text_round_trips_and_unknown_is_error() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().ok(), Some(role));
        }
        let err = "root".parse::<Role>().err().map(|e| e.to_string());
        assert!(
            err.as_deref().is_some_and(|e| e.contains("\"root\"")),
            "{err:?}"
        );
    }
}

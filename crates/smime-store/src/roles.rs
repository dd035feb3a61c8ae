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

use sqlx::{AnyConnection, Row};

use crate::audit::{self, AuditEvent, Outcome};
use crate::db::{finish, now, sql_error};
use crate::{Error, Result, Store};

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

    fn from_str(text: &str) -> Result<Role> {
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

/// A row of `principals`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The name an actor gives (`--as NAME`).
    pub name: String,
    /// Its role.
    pub role: Role,
    /// A user's own mailbox, lower case.
    pub address: Option<String>,
    /// When it was added, unix seconds.
    pub created_at: i64,
}

impl Principal {
    /// The actor acting as this principal.
    pub fn actor(&self) -> Actor {
        Actor {
            name: self.name.clone(),
            role: self.role,
            address: self.address.clone(),
        }
    }
}

fn principal_error(name: &str, reason: impl Into<String>) -> Error {
    Error::Principal {
        what: format!("principal {name:?}"),
        reason: reason.into(),
    }
}

/// A user needs its mailbox (the only objects it may touch); the address is kept lower
/// case like every address in the store.
fn checked_address(name: &str, role: Role, address: Option<&str>) -> Result<Option<String>> {
    match (role, address.map(str::trim).filter(|a| !a.is_empty())) {
        (Role::User, None) => Err(principal_error(
            name,
            "a user needs its own mail address (the certificates and keys it may use)",
        )),
        (_, Some(a)) if !a.contains('@') => Err(principal_error(
            name,
            format!("address {a:?} is not a mail address"),
        )),
        (_, a) => Ok(a.map(str::to_lowercase)),
    }
}

async fn read_principal(conn: &mut AnyConnection, name: &str) -> Result<Option<Principal>> {
    let row = sqlx::query("SELECT name, role, address, created_at FROM principals WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut *conn)
        .await
        .map_err(sql_error(format!("read principal {name:?}")))?;
    row.map(|row| principal_from_row(&row)).transpose()
}

fn principal_from_row(row: &sqlx::any::AnyRow) -> Result<Principal> {
    let what = "read a principals row";
    let name: String = row.try_get("name").map_err(sql_error(what))?;
    let role: String = row.try_get("role").map_err(sql_error(what))?;
    let role = role.parse().map_err(|_| Error::Corrupt {
        what: format!("principals row {name:?}"),
        reason: format!("unknown role {role:?}"),
    })?;
    Ok(Principal {
        role,
        address: row.try_get("address").map_err(sql_error(what))?,
        created_at: row.try_get("created_at").map_err(sql_error(what))?,
        name,
    })
}

/// Whether `p` is the only admin (run inside the write transaction, so no other change
/// can make a second admin disappear meanwhile).
async fn is_last_admin(conn: &mut AnyConnection, p: &Principal) -> Result<bool> {
    if p.role != Role::Admin {
        return Ok(false);
    }
    let admins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM principals WHERE role = $1")
        .bind(Role::Admin.as_str())
        .fetch_one(&mut *conn)
        .await
        .map_err(sql_error("count the admin principals"))?;
    Ok(admins <= 1)
}

/// Record `event` in its own write transaction (a refusal: nothing else changes).
pub(crate) async fn audit_alone(store: &Store, event: &AuditEvent<'_>) -> Result<()> {
    let mut tx = store.begin_write().await?;
    let result = audit::append(&mut tx, event, now()).await;
    finish(tx, result).await
}

/// What a principal change does, checked and written inside one transaction.
enum Change<'a> {
    Add {
        role: Role,
        address: Option<String>,
    },
    SetRole {
        role: Role,
        address: Option<&'a str>,
    },
    Remove,
}

impl Store {
    /// The actor for principal `name`; an unknown name is an error that says how to add it.
    pub fn actor(&self, name: &str) -> Result<Actor> {
        self.block_on(async {
            let mut conn = self.connect(&format!("read principal {name:?}")).await?;
            read_principal(&mut conn, name).await
        })?
        .map(|p| p.actor())
        .ok_or_else(|| {
            principal_error(
                name,
                format!(
                    "not a principal of the store at {} (an admin adds it: smime store principal add)",
                    self.location()
                ),
            )
        })
    }

    /// Check that `actor` may perform `op` on an object of `owner` (an address; `None` for
    /// store-wide operations). A refusal is audited (outcome `denied`, action = the
    /// operation, object = the owner or `store`) and returned as [`Error::Denied`];
    /// nothing else is changed.
    pub fn authorize(&self, actor: &Actor, op: Operation, owner: Option<&str>) -> Result<()> {
        let object = owner.unwrap_or("store");
        self.block_on(self.authorize_async(actor, op, owner, object))
    }

    /// [`Store::authorize`] naming the object in the audit row (a certificate or key id,
    /// a file).
    pub fn authorize_object(
        &self,
        actor: &Actor,
        op: Operation,
        owner: Option<&str>,
        object: &str,
    ) -> Result<()> {
        self.block_on(self.authorize_async(actor, op, owner, object))
    }

    /// [`Store::authorize`] for the store's own async code.
    pub(crate) async fn authorize_async(
        &self,
        actor: &Actor,
        op: Operation,
        owner: Option<&str>,
        object: &str,
    ) -> Result<()> {
        if actor.may(op, owner) {
            return Ok(());
        }
        let detail = owner.map(|o| format!("owner {o}"));
        let event = AuditEvent {
            actor: &actor.name,
            action: op.as_str(),
            object,
            outcome: Outcome::Denied,
            detail: detail.as_deref(),
        };
        audit_alone(self, &event).await?;
        Err(Error::Denied {
            actor: actor.name.clone(),
            role: actor.role,
            operation: op,
        })
    }

    /// Make `name` the first admin of a store that has no principal yet (`smime store
    /// init`); refused once any principal exists.
    pub fn bootstrap_admin(&self, name: &str) -> Result<Actor> {
        let name = name.trim();
        if name.is_empty() {
            return Err(principal_error(name, "empty name"));
        }
        self.block_on(async {
            let mut tx = self.begin_write().await?;
            let result = async {
                let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM principals")
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(sql_error("count the principals"))?;
                if count > 0 {
                    return Err(principal_error(
                        name,
                        format!(
                            "the store at {} already has principals: an admin adds more",
                            self.location()
                        ),
                    ));
                }
                insert_principal(&mut tx, name, Role::Admin, None).await?;
                let event = AuditEvent {
                    actor: name,
                    action: "add-principal",
                    object: name,
                    outcome: Outcome::Ok,
                    detail: Some("role admin (the first principal)"),
                };
                audit::append(&mut tx, &event, now()).await
            }
            .await;
            finish(tx, result).await
        })?;
        Ok(Actor {
            name: name.to_string(),
            role: Role::Admin,
            address: None,
        })
    }

    /// Add principal `name` with `role` (a user needs its `address`).
    pub fn add_principal(
        &self,
        actor: &Actor,
        name: &str,
        role: Role,
        address: Option<&str>,
    ) -> Result<()> {
        let name = name.trim();
        if name.is_empty() {
            return Err(principal_error(name, "empty name"));
        }
        let address = checked_address(name, role, address)?;
        self.change_principal(actor, name, Change::Add { role, address })
    }

    /// Give principal `name` a new role (and, for a user, its address). The last admin
    /// cannot stop being one.
    pub fn set_role(
        &self,
        actor: &Actor,
        name: &str,
        role: Role,
        address: Option<&str>,
    ) -> Result<()> {
        self.change_principal(actor, name, Change::SetRole { role, address })
    }

    /// Remove principal `name`. The last admin cannot be removed.
    pub fn remove_principal(&self, actor: &Actor, name: &str) -> Result<()> {
        self.change_principal(actor, name, Change::Remove)
    }

    fn change_principal(&self, actor: &Actor, name: &str, change: Change<'_>) -> Result<()> {
        let action = match change {
            Change::Add { .. } => "add-principal",
            Change::SetRole { .. } => "set-role",
            Change::Remove => "remove-principal",
        };
        self.block_on(async {
            self.authorize_async(actor, Operation::ManagePrincipals, None, name)
                .await?;
            let mut tx = self.begin_write().await?;
            let result = apply_change(&mut tx, name, &change).await;
            match result {
                Ok(detail) => {
                    let event = AuditEvent {
                        actor: &actor.name,
                        action,
                        object: name,
                        outcome: Outcome::Ok,
                        detail: Some(&detail),
                    };
                    let result = audit::append(&mut tx, &event, now()).await;
                    finish(tx, result).await
                }
                Err(Error::Principal { what, reason }) => {
                    // A refused change (unknown name, the last admin) changes nothing but
                    // is recorded: someone tried.
                    let _ = tx.rollback().await;
                    let event = AuditEvent {
                        actor: &actor.name,
                        action,
                        object: name,
                        outcome: Outcome::Failed,
                        detail: Some(&reason),
                    };
                    audit_alone(self, &event).await?;
                    Err(Error::Principal { what, reason })
                }
                Err(e) => finish(tx, Err(e)).await,
            }
        })
    }

    /// Every principal, by name (needs `read-inventory`).
    pub fn principals(&self, actor: &Actor) -> Result<Vec<Principal>> {
        self.block_on(async {
            self.authorize_async(actor, Operation::ReadInventory, None, "principals")
                .await?;
            let mut conn = self.connect("list principals").await?;
            let rows =
                sqlx::query("SELECT name, role, address, created_at FROM principals ORDER BY name")
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(sql_error("list principals"))?;
            rows.iter().map(principal_from_row).collect()
        })
    }
}

async fn insert_principal(
    conn: &mut AnyConnection,
    name: &str,
    role: Role,
    address: Option<&str>,
) -> Result<()> {
    sqlx::query("INSERT INTO principals (name, role, address, created_at) VALUES ($1, $2, $3, $4)")
        .bind(name)
        .bind(role.as_str())
        .bind(address)
        .bind(now())
        .execute(&mut *conn)
        .await
        .map_err(sql_error(format!("add principal {name:?}")))?;
    Ok(())
}

/// Apply `change` to `name`; the audit detail on success.
async fn apply_change(conn: &mut AnyConnection, name: &str, change: &Change<'_>) -> Result<String> {
    let existing = read_principal(conn, name).await?;
    match (change, existing) {
        (Change::Add { .. }, Some(p)) => Err(principal_error(
            name,
            format!("already exists (role {})", p.role),
        )),
        (Change::Add { role, address }, None) => {
            insert_principal(conn, name, *role, address.as_deref()).await?;
            Ok(match address {
                Some(a) => format!("role {role}, address {a}"),
                None => format!("role {role}"),
            })
        }
        (_, None) => Err(principal_error(name, "no such principal")),
        (Change::SetRole { role, address }, Some(p)) => {
            let address = checked_address(name, *role, address.or(p.address.as_deref()))?;
            if *role != Role::Admin && is_last_admin(conn, &p).await? {
                return Err(principal_error(
                    name,
                    "is the last admin: make another admin first",
                ));
            }
            sqlx::query("UPDATE principals SET role = $1, address = $2 WHERE name = $3")
                .bind(role.as_str())
                .bind(address.as_deref())
                .bind(name)
                .execute(&mut *conn)
                .await
                .map_err(sql_error(format!("change the role of principal {name:?}")))?;
            Ok(format!("role {} -> {role}", p.role))
        }
        (Change::Remove, Some(p)) => {
            if is_last_admin(conn, &p).await? {
                return Err(principal_error(
                    name,
                    "is the last admin and cannot be removed: make another admin first",
                ));
            }
            sqlx::query("DELETE FROM principals WHERE name = $1")
                .bind(name)
                .execute(&mut *conn)
                .await
                .map_err(sql_error(format!("remove principal {name:?}")))?;
            Ok(format!("was {}", p.role))
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

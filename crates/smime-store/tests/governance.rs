//! Roles and the audit log on both backends (issue 5 items 4 and 5): each role tried on
//! each operation, denied operations audited and changing nothing else, principals
//! management, and tampering with the audit log by raw SQL found by `verify_audit`.

use smime_store::audit::{AuditProblem, Outcome};
use smime_store::roles::{Actor, Operation, Role};
use smime_store::testing::each_backend;
use smime_store::{Error, Store};

mod common;

use common::Raw;

/// Every table but the audit log; the audit head setting moves with the log and is left
/// out too.
fn snapshot(raw: &mut Raw) -> Vec<(String, Vec<String>)> {
    raw.dump()
        .into_iter()
        .filter(|(t, _)| t != "audit_log")
        .map(|(t, rows)| {
            let rows = rows
                .into_iter()
                .filter(|r| !r.contains("audit.head"))
                .collect();
            (t, rows)
        })
        .collect()
}

fn audit_count(raw: &mut Raw) -> usize {
    raw.rows("audit_log").len()
}

/// A store with one principal of every role; the user owns alice@example.org.
fn populated(url: &str) -> (Store, Vec<Actor>) {
    let store = Store::open(url).expect("open");
    let admin = store.bootstrap_admin("root").expect("first admin");
    for (name, role, address) in [
        ("kate", Role::KeyOfficer, None),
        ("otto", Role::Operator, None),
        ("audrey", Role::Auditor, None),
        ("alice", Role::User, Some("Alice@Example.org")),
    ] {
        store
            .add_principal(&admin, name, role, address)
            .expect("add principal");
    }
    let actors = ["root", "kate", "otto", "audrey", "alice"]
        .iter()
        .map(|n| store.actor(n).expect("actor"))
        .collect();
    (store, actors)
}

#[test]
fn authorize_each_role_each_operation_follows_matrix_and_audits_denials() {
    each_backend(|url| {
        let (store, actors) = populated(url);
        let mut raw = Raw::open(url);
        for actor in &actors {
            for op in Operation::ALL {
                for owner in [None, Some("alice@example.org"), Some("bob@example.org")] {
                    let before = snapshot(&mut raw);
                    let audit_before = audit_count(&mut raw);
                    let result = store.authorize(actor, op, owner);
                    let allowed = actor.may(op, owner);
                    assert_eq!(result.is_ok(), allowed, "{} {op} {owner:?}", actor.name);
                    assert_eq!(
                        snapshot(&mut raw),
                        before,
                        "{} {op}: store changed",
                        actor.name
                    );
                    if allowed {
                        assert_eq!(audit_count(&mut raw), audit_before);
                        continue;
                    }
                    match result {
                        Err(Error::Denied {
                            actor: name,
                            role,
                            operation,
                        }) => {
                            assert_eq!(
                                (name.as_str(), role, operation),
                                (actor.name.as_str(), actor.role, op)
                            );
                        }
                        other => panic!("{} {op}: {other:?}", actor.name),
                    }
                    assert_eq!(
                        audit_count(&mut raw),
                        audit_before + 1,
                        "{} {op}: no audit row",
                        actor.name
                    );
                    let last = store
                        .audit_log(&actors[0], audit_before as i64, 1)
                        .expect("read the log");
                    assert_eq!(last.len(), 1);
                    assert_eq!(
                        (
                            last[0].actor.as_str(),
                            last[0].action.as_str(),
                            last[0].outcome.as_str()
                        ),
                        (actor.name.as_str(), op.as_str(), "denied")
                    );
                    assert_eq!(last[0].object, owner.unwrap_or("store"));
                }
            }
        }
        let verification = store.verify_audit(&actors[0]).expect("verify");
        assert!(verification.is_intact(), "{:?}", verification.broken);
    });
}

#[test]
fn store_operations_each_role_denied_ones_change_nothing() {
    each_backend(|url| {
        let (store, actors) = populated(url);
        let mut raw = Raw::open(url);
        for actor in &actors {
            let may_manage = actor.may(Operation::ManagePrincipals, None);
            let before = snapshot(&mut raw);
            let audit_before = audit_count(&mut raw);
            let name = format!("new-{}", actor.name);
            let added = store.add_principal(actor, &name, Role::Auditor, None);
            assert_eq!(
                added.is_ok(),
                may_manage,
                "{}: add principal {added:?}",
                actor.name
            );
            if !may_manage {
                assert_eq!(
                    snapshot(&mut raw),
                    before,
                    "{}: denied add changed the store",
                    actor.name
                );
                assert_eq!(audit_count(&mut raw), audit_before + 1);
                let removed = store.remove_principal(actor, "kate");
                assert!(matches!(removed, Err(Error::Denied { .. })), "{removed:?}");
                let demoted = store.set_role(actor, "root", Role::User, Some("root@example.org"));
                assert!(matches!(demoted, Err(Error::Denied { .. })), "{demoted:?}");
                assert_eq!(snapshot(&mut raw), before);
                assert_eq!(audit_count(&mut raw), audit_before + 3);
            }
            let listed = store.principals(actor);
            assert_eq!(
                listed.is_ok(),
                actor.may(Operation::ReadInventory, None),
                "{}",
                actor.name
            );
            let log = store.audit_log(actor, 0, 10);
            let verify = store.verify_audit(actor);
            let may_audit = actor.may(Operation::ReadAudit, None);
            assert_eq!(
                (log.is_ok(), verify.is_ok()),
                (may_audit, may_audit),
                "{}",
                actor.name
            );
        }
    });
}

#[test]
fn principals_add_set_remove_are_listed_and_audited() {
    each_backend(|url| {
        let (store, actors) = populated(url);
        let admin = &actors[0];
        let names: Vec<(String, Role)> = store
            .principals(admin)
            .expect("list")
            .into_iter()
            .map(|p| (p.name, p.role))
            .collect();
        assert_eq!(
            names,
            [
                ("alice".to_string(), Role::User),
                ("audrey".into(), Role::Auditor),
                ("kate".into(), Role::KeyOfficer),
                ("otto".into(), Role::Operator),
                ("root".into(), Role::Admin),
            ]
        );
        assert_eq!(actors[4].address.as_deref(), Some("alice@example.org"));

        store
            .set_role(admin, "otto", Role::Admin, None)
            .expect("promote");
        assert_eq!(store.actor("otto").expect("otto").role, Role::Admin);
        store.remove_principal(admin, "audrey").expect("remove");
        let gone = store.actor("audrey").err().map(|e| e.to_string());
        assert!(
            gone.as_deref()
                .is_some_and(|e| e.contains("\"audrey\"") && e.contains("not a principal")),
            "{gone:?}"
        );

        let log = store.audit_log(admin, 0, 100).expect("log");
        let changes: Vec<(&str, &str, &str, Option<&str>)> = log
            .iter()
            .map(|e| {
                (
                    e.action.as_str(),
                    e.object.as_str(),
                    e.outcome.as_str(),
                    e.detail.as_deref(),
                )
            })
            .collect();
        assert!(
            changes.contains(&("set-role", "otto", "ok", Some("role operator -> admin"))),
            "{changes:?}"
        );
        assert!(
            changes.contains(&("remove-principal", "audrey", "ok", Some("was auditor"))),
            "{changes:?}"
        );
        assert!(changes.contains(&(
            "add-principal",
            "alice",
            "ok",
            Some("role user, address alice@example.org")
        )));
        assert!(store.verify_audit(admin).expect("verify").is_intact());
    });
}

#[test]
fn principals_last_admin_cannot_be_removed_or_demoted() {
    each_backend(|url| {
        let (store, actors) = populated(url);
        let admin = &actors[0];
        let mut raw = Raw::open(url);
        let before = snapshot(&mut raw);
        for result in [
            store.remove_principal(admin, "root"),
            store.set_role(admin, "root", Role::Operator, None),
        ] {
            let text = result.err().map(|e| e.to_string());
            assert!(
                text.as_deref().is_some_and(|t| t.contains("last admin")),
                "{text:?}"
            );
        }
        assert_eq!(snapshot(&mut raw), before);
        let log = store.audit_log(admin, 0, 100).expect("log");
        let failed = log
            .iter()
            .filter(|e| e.outcome == Outcome::Failed.as_str())
            .count();
        assert_eq!(failed, 2, "refusals are audited");
        // With a second admin the first can go.
        store
            .set_role(admin, "kate", Role::Admin, None)
            .expect("second admin");
        store
            .remove_principal(admin, "root")
            .expect("remove the first admin");
        assert_eq!(store.actor("kate").expect("kate").role, Role::Admin);
    });
}

#[test]
fn principals_bad_input_is_refused_with_reason() {
    each_backend(|url| {
        let (store, actors) = populated(url);
        let admin = &actors[0];
        let cases = [
            (
                store.add_principal(admin, "kate", Role::Auditor, None),
                "already exists",
            ),
            (
                store.add_principal(admin, "bob", Role::User, None),
                "needs its own mail address",
            ),
            (
                store.add_principal(admin, "bob", Role::User, Some("bob")),
                "not a mail address",
            ),
            (
                store.add_principal(admin, " ", Role::Auditor, None),
                "empty name",
            ),
            (
                store.set_role(admin, "nobody", Role::Auditor, None),
                "no such principal",
            ),
            (store.remove_principal(admin, "nobody"), "no such principal"),
        ];
        for (result, expected) in cases {
            let text = result.err().map(|e| e.to_string());
            assert!(
                text.as_deref().is_some_and(|t| t.contains(expected)),
                "{expected}: {text:?}"
            );
        }
        let second = store.bootstrap_admin("eve").err().map(|e| e.to_string());
        assert!(
            second
                .as_deref()
                .is_some_and(|t| t.contains("already has principals")),
            "{second:?}"
        );
    });
}

/// A store whose log holds `n` more entries after setup, and the admin.
fn logged(url: &str, n: usize) -> (Store, Actor) {
    let (store, actors) = populated(url);
    for i in 0..n {
        let _ = store.authorize(
            &actors[3],
            Operation::ExportKey,
            Some(&format!("u{i}@example.org")),
        );
    }
    (store, actors[0].clone())
}

fn first_break(store: &Store, admin: &Actor) -> Option<(i64, AuditProblem)> {
    let v = store.verify_audit(admin).expect("verify");
    v.broken.map(|b| (b.seq, b.problem))
}

#[test]
fn verify_audit_raw_edit_is_detected_at_its_seq() {
    each_backend(|url| {
        let (store, admin) = logged(url, 4);
        assert_eq!(first_break(&store, &admin), None);
        let mut raw = Raw::open(url);
        raw.execute("UPDATE audit_log SET outcome = 'ok' WHERE seq = 7");
        assert_eq!(
            first_break(&store, &admin),
            Some((7, AuditProblem::HashMismatch))
        );
    });
}

#[test]
fn verify_audit_raw_delete_is_detected_at_its_seq() {
    each_backend(|url| {
        let (store, admin) = logged(url, 4);
        let mut raw = Raw::open(url);
        raw.execute("DELETE FROM audit_log WHERE seq = 3");
        assert_eq!(
            first_break(&store, &admin),
            Some((3, AuditProblem::Missing { next_present: 4 }))
        );
    });
}

#[test]
fn verify_audit_raw_delete_of_last_row_is_detected() {
    each_backend(|url| {
        let (store, admin) = logged(url, 4);
        let mut raw = Raw::open(url);
        let count = audit_count(&mut raw);
        raw.execute(&format!("DELETE FROM audit_log WHERE seq = {count}"));
        assert_eq!(
            first_break(&store, &admin),
            Some((
                count as i64,
                AuditProblem::TailMissing {
                    recorded_count: count as u64
                }
            ))
        );
        // Later appends do not hide the gap.
        let _ = store.authorize(
            &store.actor("audrey").expect("audrey"),
            Operation::Backup,
            None,
        );
        assert_eq!(
            first_break(&store, &admin),
            Some((
                count as i64,
                AuditProblem::Missing {
                    next_present: count as i64 + 1
                }
            ))
        );
    });
}

/// One call of a store method that needs `op`, on objects of `owner`.
type Call<'a> = Box<dyn Fn(&Actor) -> Result<(), Error> + 'a>;

#[test]
fn store_methods_each_role_denied_ones_change_nothing_and_are_audited() {
    use smime_store::certs::CertSource;
    use smime_store::key_store::{KekSource, NewKey};
    use smime_store::testing::pki::{now, TestCa, TestKey, Usage};

    let ca = TestCa::root("Roles CA");
    let t = now();
    let make = |address: &str, serial: u64| {
        let key = TestKey::generate();
        let cert = ca.issue(
            address,
            &[address],
            Usage::Both,
            serial,
            (t - 60, t + 86_400),
            &key,
        );
        (key, cert)
    };
    let (alice_key, alice_cert) = make("alice@example.org", 1);
    let (alice_new_key, alice_new_cert) = make("alice@example.org", 2);
    let (_, other_cert) = make("carol@example.org", 3);
    let (_, issued_cert) = make("dave@example.org", 4);
    let dir = smime_store::testing::TempDir::new("roles");
    each_backend(|url| {
        let (store, actors) = populated(url);
        let admin = &actors[0];
        let kek = store
            .init_kek(admin, KekSource::Passphrase(b"pw"))
            .expect("kek");
        store
            .add_key(
                admin,
                &kek,
                alice_key.pkcs8_der(),
                NewKey::new(alice_cert.clone()),
            )
            .expect("alice's key");
        let alice_id = {
            let records = store.all_certificates(admin).expect("inventory");
            records.first().expect("alice's certificate").id.clone()
        };
        let archive = dir.0.join(format!("roles-{}.bak", url.len()));
        let cheap = smime_store::kek::Argon2Params {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
            salt: vec![1; 16],
        };
        store
            .backup_with(admin, &archive, b"bk", cheap.clone())
            .expect("an archive to restore");
        let alice = Some("alice@example.org");
        let calls: Vec<(Operation, Option<&str>, Call)> = vec![
            (
                Operation::ImportCertificate,
                None,
                Box::new(|a| {
                    store
                        .add_certificates(
                            a,
                            std::slice::from_ref(&other_cert),
                            CertSource::Imported,
                            None,
                            None,
                        )
                        .map(drop)
                }),
            ),
            (
                Operation::IssueCertificate,
                None,
                Box::new(|a| {
                    store
                        .add_certificates(
                            a,
                            std::slice::from_ref(&issued_cert),
                            CertSource::Issued,
                            None,
                            Some("mailbox-strict"),
                        )
                        .map(drop)
                }),
            ),
            (
                Operation::ImportKey,
                alice,
                Box::new(|a| {
                    store
                        .add_key(
                            a,
                            &kek,
                            alice_new_key.pkcs8_der(),
                            NewKey::new(alice_new_cert.clone()),
                        )
                        .map(drop)
                }),
            ),
            (
                Operation::UseKey,
                alice,
                Box::new(|a| {
                    store
                        .decryption_keys(a, &kek, &[], "alice@example.org")
                        .map(drop)
                }),
            ),
            (
                Operation::ExportKey,
                alice,
                Box::new(|a| {
                    store
                        .export_pkcs12(a, &kek, "alice@example.org", "export pw")
                        .map(drop)
                }),
            ),
            (
                Operation::ReadInventory,
                alice,
                Box::new(|a| store.key_ring(a, Some("alice@example.org")).map(drop)),
            ),
            (
                Operation::ReadInventory,
                None,
                Box::new(|a| store.all_certificates(a).map(drop)),
            ),
            (
                Operation::RevokeCertificate,
                None,
                Box::new(|a| store.mark_revoked(a, &alice_id, t, "keyCompromise")),
            ),
            (
                Operation::ReadAudit,
                None,
                Box::new(|a| store.verify_audit(a).map(drop)),
            ),
            (
                Operation::ManagePrincipals,
                None,
                Box::new(|a| store.add_principal(a, &format!("p-{}", a.name), Role::Auditor, None)),
            ),
            (
                Operation::ChangeSettings,
                None,
                Box::new(|a| store.set_setting(a, "org.domains", "example.org")),
            ),
            (
                Operation::Backup,
                None,
                Box::new(|a| {
                    store
                        .backup_with(
                            a,
                            &dir.0.join(format!("{}.bak", a.name)),
                            b"bk",
                            cheap.clone(),
                        )
                        .map(drop)
                }),
            ),
            (
                Operation::Restore,
                None,
                Box::new(|a| store.restore(a, &archive, b"bk").map(drop)),
            ),
        ];
        let covered: std::collections::HashSet<Operation> =
            calls.iter().map(|(op, _, _)| *op).collect();
        assert_eq!(
            covered.len(),
            Operation::ALL.len(),
            "every operation has a call"
        );
        let mut raw = Raw::open(url);
        for actor in &actors {
            for (op, owner, call) in &calls {
                let before = snapshot(&mut raw);
                let audit_before = audit_count(&mut raw);
                let result = call(actor);
                if actor.may(*op, *owner) {
                    // Allowed: it may still fail for its own reasons (a restore into this
                    // non-empty store, a key added twice), never by the role check.
                    assert!(
                        !matches!(result, Err(Error::Denied { .. })),
                        "{} {op}: {result:?}",
                        actor.name
                    );
                    continue;
                }
                match &result {
                    Err(Error::Denied { operation, .. }) => assert_eq!(operation, op),
                    other => panic!(
                        "{} {op} {owner:?}: expected a denial, got {other:?}",
                        actor.name
                    ),
                }
                assert_eq!(
                    snapshot(&mut raw),
                    before,
                    "{} {op}: a denied call changed the store",
                    actor.name
                );
                assert_eq!(
                    audit_count(&mut raw),
                    audit_before + 1,
                    "{} {op}: not audited",
                    actor.name
                );
                let last = store.audit_log(admin, audit_before as i64, 1).expect("log");
                assert_eq!(
                    (last[0].actor.as_str(), last[0].outcome.as_str()),
                    (actor.name.as_str(), "denied"),
                    "{op}"
                );
            }
        }
        assert!(store.verify_audit(admin).expect("verify").is_intact());
    });
}

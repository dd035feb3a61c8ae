//! Backup and restore (issue 5 item 6) across backends: a backup from SQLite restores into
//! PostgreSQL and the reverse, every table equal afterwards; a wrong passphrase, a
//! truncated or changed archive and a non-empty target are refused by name and change
//! nothing.

use std::path::Path;

use smime_store::kek::Argon2Params;
use smime_store::roles::{Actor, Role};
use smime_store::testing::{PostgresTestDatabase, TempDir, POSTGRES_URL_VAR};
use smime_store::{Error, Store};

mod common;

use common::{Dump, Raw};

/// Cheap Argon2id for tests (the default costs 64 MiB and three passes).
fn cheap() -> Argon2Params {
    Argon2Params {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
        salt: b"test salt 16 byt".to_vec(),
    }
}

const PASSPHRASE: &[u8] = b"backup passphrase";

/// A new empty database of each backend, each kept alive by its guard.
enum Guard {
    Sqlite(#[allow(dead_code)] TempDir),
    Postgres(#[allow(dead_code)] PostgresTestDatabase),
}

fn new_location(backend: &str) -> Option<(String, Guard)> {
    match backend {
        "sqlite" => {
            let dir = TempDir::new("backup");
            let path = dir.0.join("store.sqlite").to_string_lossy().into_owned();
            Some((path, Guard::Sqlite(dir)))
        }
        _ => match std::env::var(POSTGRES_URL_VAR) {
            Ok(admin) if !admin.is_empty() => {
                let db = PostgresTestDatabase::create(&admin).expect("test database");
                Some((db.url().to_string(), Guard::Postgres(db)))
            }
            _ => {
                if std::env::var_os("SMIME_TEST_REQUIRE_PEERS")
                    .is_some_and(|v| !v.is_empty() && v != "0")
                {
                    panic!("{POSTGRES_URL_VAR} is not set and SMIME_TEST_REQUIRE_PEERS is");
                }
                println!("skipped postgres: {POSTGRES_URL_VAR} is not set");
                None
            }
        },
    }
}

/// A store with principals (through the API) and rows in every other table (raw SQL:
/// the backup works table by table, whatever wrote the rows), including NULLs of every
/// column kind and binary data with every byte value.
fn populate(url: &str) -> (Store, Actor) {
    let store = Store::open(url).expect("open source store");
    let admin = store.bootstrap_admin("root").expect("admin");
    store
        .add_principal(&admin, "kate", Role::KeyOfficer, None)
        .expect("key officer");
    store
        .add_principal(&admin, "alice", Role::User, Some("alice@example.org"))
        .expect("user");
    let blob: String = (0..=255u8).map(|b| format!("{b:02x}")).collect();
    let hex_literal = |hex: &str| {
        if url.starts_with("postgres") {
            format!("'\\x{hex}'::bytea")
        } else {
            format!("X'{hex}'")
        }
    };
    let mut raw = Raw::open(url);
    for (i, id) in ["c1", "c2", "c3"].iter().enumerate() {
        raw.execute(&format!(
            "INSERT INTO certificates VALUES ('{id}', {}, 'CN=alice {i}', 'CN=CA', '0{i}', NULL, 'aa', {}, {}, 0, 1, 1, 'imported', NULL, 5, NULL, NULL, 'mailbox-strict')",
            hex_literal(&blob),
            1_600_000_000 + i as i64,
            1_900_000_000 + i as i64,
        ));
        raw.execute(&format!(
            "INSERT INTO certificate_addresses VALUES ('{id}', 'alice@example.org', 'example.org')"
        ));
        raw.execute(&format!(
            "INSERT INTO keys VALUES ('{id}', 'alice@example.org', {i}, 'sealed', {}, NULL, NULL, 1, 1, {}, 7)",
            hex_literal(&format!("01{i:02x}{blob}")),
            i64::from(i < 2),
        ));
        raw.execute(&format!("INSERT INTO key_chain VALUES ('{id}', 0, '{id}')"));
    }
    raw.execute(&format!(
        "INSERT INTO keys VALUES ('t1', 'bob@example.org', 9, 'token', NULL, 'hsm key', {}, 1, 0, 0, 8)",
        hex_literal("0102")
    ));
    raw.execute("INSERT INTO ca VALUES ('crl.number', '42')");
    raw.execute("INSERT INTO settings VALUES ('org.domains', 'example.org,example.net')");
    raw.execute("INSERT INTO settings VALUES ('quote', 'it''s \"quoted\" é ✓')");
    (store, admin)
}

fn error_text<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Ok(v) => format!("succeeded: {v:?}"),
        Err(e) => e.to_string(),
    }
}

/// A backup of a populated store of `from`, and what its tables held.
fn backup_of(from: &str, dir: &Path) -> Option<(std::path::PathBuf, Dump, Guard)> {
    let (url, guard) = new_location(from)?;
    let (store, admin) = populate(&url);
    let out = dir.join(format!("{from}.smime-backup"));
    let summary = store
        .backup_with(&admin, &out, PASSPHRASE, cheap())
        .expect("backup");
    assert_eq!(
        summary
            .tables
            .iter()
            .find(|(t, _)| *t == "keys")
            .map(|(_, n)| *n),
        Some(4)
    );
    let dump = Raw::open(&url).dump();
    // No temporary file is left beside the archive.
    let names: Vec<String> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    Some((out, dump, guard))
}

#[test]
fn restore_every_backend_pair_tables_equal_and_audit_continues() {
    let dir = TempDir::new("archives");
    for from in ["sqlite", "postgres"] {
        let Some((archive, source, _source_guard)) = backup_of(from, &dir.0) else {
            continue;
        };
        for to in ["sqlite", "postgres"] {
            let Some((url, _guard)) = new_location(to) else {
                continue;
            };
            let target = Store::open(&url).expect("open target");
            let restorer = target.bootstrap_admin("restorer").expect("target admin");
            let summary = target
                .restore(&restorer, &archive, PASSPHRASE)
                .unwrap_or_else(|e| panic!("{from} -> {to}: {e}"));
            assert_eq!(
                summary.tables.iter().map(|(_, n)| n).sum::<u64>(),
                source
                    .iter()
                    .map(|(_, rows)| rows.len() as u64)
                    .sum::<u64>(),
                "{from} -> {to}"
            );
            let mut restored = Raw::open(&url).dump();
            // The restore appends its own entry (and moves the head) after the restored
            // chain; everything else is the source, row for row.
            let audit = restored
                .iter_mut()
                .find(|(t, _)| t == "audit_log")
                .expect("audit");
            let source_audit = &source
                .iter()
                .find(|(t, _)| t == "audit_log")
                .expect("audit")
                .1;
            assert_eq!(audit.1.len(), source_audit.len() + 1, "{from} -> {to}");
            audit.1.retain(|row| source_audit.contains(row));
            let settings = restored
                .iter_mut()
                .find(|(t, _)| t == "settings")
                .expect("settings");
            settings.1.retain(|row| !row.contains("audit.head"));
            let mut expected = source.clone();
            let settings = expected
                .iter_mut()
                .find(|(t, _)| t == "settings")
                .expect("settings");
            settings.1.retain(|row| !row.contains("audit.head"));
            assert_eq!(restored, expected, "{from} -> {to}");

            let root = target
                .actor("root")
                .expect("the restored principals replace the target's");
            assert!(target.actor("restorer").is_err());
            let verification = target.verify_audit(&root).expect("verify");
            assert!(
                verification.is_intact(),
                "{from} -> {to}: {:?}",
                verification.broken
            );
            let log = target.audit_log(&root, 0, 1000).expect("log");
            let last = log.last().expect("entries");
            assert_eq!(
                (
                    last.actor.as_str(),
                    last.action.as_str(),
                    last.outcome.as_str()
                ),
                ("restorer", "restore", "ok")
            );
            assert!(log
                .iter()
                .any(|e| e.action == "backup" && e.outcome == "ok"));
        }
    }
}

/// An archive from SQLite, and a fresh target of `to` with its admin and its dump.
struct Attempt {
    archive: Vec<u8>,
    target: Store,
    admin: Actor,
    url: String,
    _guard: Guard,
    _dir: TempDir,
}

fn attempt(to: &str) -> Option<Attempt> {
    let dir = TempDir::new("bad-archives");
    let (archive, _, _source) = backup_of("sqlite", &dir.0)?;
    let bytes = std::fs::read(&archive).expect("read archive");
    let (url, guard) = new_location(to)?;
    let target = Store::open(&url).expect("target");
    let admin = target.bootstrap_admin("restorer").expect("admin");
    Some(Attempt {
        archive: bytes,
        target,
        admin,
        url,
        _guard: guard,
        _dir: dir,
    })
}

impl Attempt {
    /// Restore `bytes` and check it fails naming `cause`, with the target unchanged.
    fn refused(&self, bytes: &[u8], passphrase: &[u8], cause: &str) {
        let before = Raw::open(&self.url).dump();
        let file = self._dir.0.join("attempt.smime-backup");
        std::fs::write(&file, bytes).expect("write");
        let text = error_text(self.target.restore(&self.admin, &file, passphrase));
        assert!(text.contains(cause), "expected {cause:?}: {text}");
        assert_eq!(
            Raw::open(&self.url).dump(),
            before,
            "{cause}: the target changed"
        );
    }
}

#[test]
fn restore_wrong_passphrase_is_refused_and_changes_nothing() {
    for to in ["sqlite", "postgres"] {
        let Some(a) = attempt(to) else { continue };
        a.refused(&a.archive, b"not the passphrase", "wrong passphrase");
    }
}

#[test]
fn restore_truncated_archive_is_refused_and_changes_nothing() {
    for to in ["sqlite", "postgres"] {
        let Some(a) = attempt(to) else { continue };
        let len = a.archive.len();
        for cut in [len - 1, len - 17, len / 2, 100] {
            a.refused(&a.archive[..cut], PASSPHRASE, "truncated");
        }
        a.refused(&a.archive[..20], PASSPHRASE, "shorter than its header");
    }
}

#[test]
fn restore_changed_archive_is_refused_and_changes_nothing() {
    for to in ["sqlite", "postgres"] {
        let Some(a) = attempt(to) else { continue };
        let mut changed = a.archive.clone();
        let middle = changed.len() / 2;
        changed[middle] ^= 0x40;
        a.refused(&changed, PASSPHRASE, "does not authenticate");
        let mut longer = a.archive.clone();
        longer.extend_from_slice(b"appended");
        a.refused(&longer, PASSPHRASE, "after the last chunk");
        a.refused(
            b"not an archive at all, but long enough to have a header.....",
            PASSPHRASE,
            "not a smime store backup",
        );
    }
}

#[test]
fn restore_into_non_empty_store_is_refused_and_changes_nothing() {
    for to in ["sqlite", "postgres"] {
        let Some(a) = attempt(to) else { continue };
        let file = a._dir.0.join("good.smime-backup");
        std::fs::write(&file, &a.archive).expect("write");
        a.target
            .restore(&a.admin, &file, PASSPHRASE)
            .expect("first restore");
        let root = a.target.actor("root").expect("restored admin");
        let before = Raw::open(&a.url).dump();
        let text = error_text(a.target.restore(&root, &file, PASSPHRASE));
        assert!(
            text.contains("not empty") && text.contains("rows in certificates"),
            "{text}"
        );
        assert_eq!(Raw::open(&a.url).dump(), before);
    }
}

#[test]
fn backup_and_restore_without_the_right_are_denied_and_audited() {
    let dir = TempDir::new("denied");
    let Some((url, _guard)) = new_location("sqlite") else {
        return;
    };
    let (store, admin) = populate(&url);
    store
        .add_principal(&admin, "otto", Role::Operator, None)
        .expect("operator");
    let otto = store.actor("otto").expect("otto");
    let out = dir.0.join("denied.smime-backup");
    let denied = store.backup_with(&otto, &out, PASSPHRASE, cheap());
    assert!(matches!(denied, Err(Error::Denied { .. })), "{denied:?}");
    assert!(!out.exists(), "a denied backup wrote a file");
    let kate = store.actor("kate").expect("kate");
    store
        .backup_with(&kate, &out, PASSPHRASE, cheap())
        .expect("a key officer backs up");
    let denied = store.restore(&otto, &out, PASSPHRASE);
    assert!(matches!(denied, Err(Error::Denied { .. })), "{denied:?}");
    let log = store.audit_log(&admin, 0, 1000).expect("log");
    let denials: Vec<(&str, &str)> = log
        .iter()
        .filter(|e| e.outcome == "denied")
        .map(|e| (e.actor.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(denials, [("otto", "backup"), ("otto", "restore")]);
}

/// Field `i` of a row rendered by `Raw::rows`, as plain text.
fn field(row: &str, i: usize) -> String {
    let value = row.split('|').nth(i).unwrap_or_default();
    value
        .strip_prefix("Some(")
        .and_then(|v| v.strip_suffix(')'))
        .unwrap_or(value)
        .trim_matches('"')
        .to_string()
}

#[test]
fn backup_tables_cover_every_table_and_column_of_the_schema() {
    let Some((url, _guard)) = new_location("sqlite") else {
        return;
    };
    drop(Store::open(&url).expect("open"));
    let mut raw = Raw::open(&url);
    let mut schema: Vec<(String, Vec<String>)> = raw
        .rows("sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'")
        .iter()
        .map(|row| field(row, 1))
        .map(|table| {
            let mut columns = raw
                .rows(&format!("pragma_table_info('{table}')"))
                .iter()
                .map(|row| field(row, 1))
                .collect::<Vec<_>>();
            columns.sort();
            (table, columns)
        })
        .collect();
    schema.sort();
    let mut known: Vec<(String, Vec<String>)> = smime_store::backup::TABLES
        .iter()
        .map(|t| {
            let mut columns: Vec<String> = t.columns.iter().map(|(c, _)| c.to_string()).collect();
            columns.sort();
            (t.name.to_string(), columns)
        })
        .collect();
    known.sort();
    assert_eq!(
        known, schema,
        "a migration changed the schema: update backup::TABLES and SCHEMA_VERSION"
    );
}

/// Run openssl in `dir` with the words of `command`; `None` (and a printed reason) when it
/// is not installed and CI does not require it, a panic when it fails.
fn openssl(dir: &Path, command: &str) -> Option<()> {
    let args: Vec<&str> = command.split_whitespace().collect();
    match std::process::Command::new("openssl")
        .args(&args)
        .current_dir(dir)
        .output()
    {
        Ok(out) if out.status.success() => Some(()),
        Ok(out) => panic!(
            "openssl {command}: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e)
            if std::env::var_os("SMIME_TEST_REQUIRE_PEERS")
                .is_some_and(|v| !v.is_empty() && v != "0") =>
        {
            panic!("openssl: {e} (SMIME_TEST_REQUIRE_PEERS is set)")
        }
        Err(e) => {
            println!("skipped: openssl: {e}");
            None
        }
    }
}

/// A private key (PKCS#8 PEM) and its certificate.
type Generation = (Vec<u8>, smime::x509_cert::Certificate);

/// Three self-signed generations of alice's encryption certificate (`alice1` the oldest)
/// and a message `openssl cms` encrypted to the first.
fn renewals(dir: &Path) -> Option<(Vec<Generation>, Vec<u8>)> {
    std::fs::write(
        dir.join("leaf.cnf"),
        "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = Alice\n\
         [leaf]\nbasicConstraints = critical, CA:FALSE\n\
         keyUsage = critical, digitalSignature, keyEncipherment\n\
         extendedKeyUsage = emailProtection\nsubjectAltName = email:alice@example.org\n",
    )
    .expect("config");
    let mut generations = Vec::new();
    for i in 1..=3 {
        openssl(
            dir,
            &format!(
                "req -x509 -newkey rsa:2048 -nodes -config leaf.cnf -extensions leaf -days 30 \
                 -set_serial {i} -keyout alice{i}.key -out alice{i}.pem"
            ),
        )?;
        let key = std::fs::read(dir.join(format!("alice{i}.key"))).expect("key");
        let name = format!("alice{i}.pem");
        let pem = std::fs::read(dir.join(&name)).expect("certificate");
        let cert = smime::crypto::load_certificates(&pem, &name)
            .expect("certificate")
            .remove(0);
        generations.push((key, cert));
    }
    std::fs::write(
        dir.join("plain.eml"),
        "Content-Type: text/plain\r\n\r\nsent before two renewals\r\n",
    )
    .expect("message");
    openssl(
        dir,
        "cms -encrypt -aes256 -in plain.eml -out old.eml -recip alice1.pem",
    )?;
    Some((
        generations,
        std::fs::read(dir.join("old.eml")).expect("encrypted"),
    ))
}

#[test]
fn restore_after_wipe_decrypts_mail_to_key_replaced_two_renewals_ago() {
    use smime_store::key_store::{KekSource, NewKey};
    let work = TempDir::new("renewals");
    let Some((generations, message)) = renewals(&work.0) else {
        return;
    };
    for (from, to) in [("sqlite", "postgres"), ("postgres", "sqlite")] {
        let archive = work.0.join(format!("{from}.smime-backup"));
        {
            let Some((url, source_guard)) = new_location(from) else {
                continue;
            };
            let store = Store::open(&url).expect("open");
            let admin = store.bootstrap_admin("root").expect("admin");
            let kek = store
                .init_kek(&admin, KekSource::Passphrase(b"store passphrase"))
                .expect("kek");
            for (key, cert) in &generations {
                store
                    .add_key(&admin, &kek, key, NewKey::new(cert.clone()))
                    .expect("renewal");
            }
            store
                .backup_with(&admin, &archive, PASSPHRASE, cheap())
                .expect("backup");
            // The wipe: the source store and its database are gone.
            drop(store);
            drop(source_guard);
        }
        let Some((url, _guard)) = new_location(to) else {
            continue;
        };
        let target = Store::open(&url).expect("new store");
        let restorer = target.bootstrap_admin("restorer").expect("admin");
        target
            .restore(&restorer, &archive, PASSPHRASE)
            .unwrap_or_else(|e| panic!("{from} -> {to}: {e}"));
        let root = target.actor("root").expect("restored admin");
        let kek = target
            .unlock_kek(KekSource::Passphrase(b"store passphrase"))
            .expect("the store passphrase opens the restored keys");
        let ring = target
            .key_ring(&root, Some("alice@example.org"))
            .expect("ring");
        let history = ring.history("alice@example.org");
        assert_eq!(history.len(), 3, "{from} -> {to}");
        assert_eq!(history[0].certificate, generations[0].1, "oldest first");
        let (report, plain) = target
            .decrypt(
                &root,
                &kek,
                &[],
                "alice@example.org",
                &message,
                smime::CryptoPolicy::default(),
            )
            .unwrap_or_else(|e| panic!("{from} -> {to}: {e}"));
        assert_eq!(
            report.status,
            smime::decrypt::DecryptStatus::Decrypted,
            "{from} -> {to}"
        );
        let plain = String::from_utf8_lossy(plain.as_deref().expect("plaintext")).into_owned();
        assert!(
            plain.contains("sent before two renewals"),
            "{from} -> {to}: {plain}"
        );
        assert!(target.verify_audit(&root).expect("verify").is_intact());
    }
}

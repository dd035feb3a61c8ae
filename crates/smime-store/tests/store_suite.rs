//! The store suite, part 1: opening, migrations, settings, bad locations. Every test body
//! runs on SQLite and on PostgreSQL (`smime_store::testing::each_backend`).

use smime_store::migrations::LATEST_VERSION;
use smime_store::testing::{each_backend, TempDir};
use smime_store::{Backend, Error, Store};
use sqlx::{AnyConnection, Connection, Row};

fn raw_i64(url: &str, sql: &str) -> i64 {
    smime_store::testing::raw_i64(url, sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

const TABLES: [&str; 9] = [
    "settings",
    "certificates",
    "certificate_addresses",
    "keys",
    "key_chain",
    "principals",
    "audit_log",
    "ca",
    "schema_migrations",
];

#[test]
fn open_new_store_has_every_table_at_latest_version() {
    each_backend(|url| {
        let store = Store::open(url).expect("open");
        let expected = if url.starts_with("postgres") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        assert_eq!(store.backend(), expected);
        assert_eq!(store.schema_version().expect("version"), LATEST_VERSION);
        drop(store);
        for table in TABLES {
            assert_eq!(
                raw_i64(url, &format!("SELECT COUNT(*) FROM {table}")),
                i64::from(table == "schema_migrations"),
                "{table}"
            );
        }
    });
}

#[test]
fn open_twice_migrations_are_applied_once() {
    each_backend(|url| {
        drop(Store::open(url).expect("first open"));
        let store = Store::open(url).expect("second open");
        assert_eq!(store.schema_version().expect("version"), LATEST_VERSION);
        drop(store);
        assert_eq!(raw_i64(url, "SELECT COUNT(*) FROM schema_migrations"), 1);
    });
}

#[test]
fn open_newer_schema_is_refused() {
    each_backend(|url| {
        drop(Store::open(url).expect("open"));
        raw_i64(
            url,
            "INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)",
        );
        match Store::open(url) {
            Err(Error::SchemaTooNew { found, known, .. }) => {
                assert_eq!((found, known), (999, LATEST_VERSION));
            }
            other => panic!("expected SchemaTooNew, got {other:?}"),
        }
    });
}

#[test]
fn setting_unknown_name_is_none() {
    each_backend(|url| {
        let store = Store::open(url).expect("open");
        assert_eq!(store.setting("org.domains").expect("read"), None);
    });
}

#[test]
fn open_sqlite_journal_is_wal() {
    let dir = TempDir::new("suite");
    let path = dir.0.join("s.sqlite");
    let url = path.to_string_lossy().into_owned();
    drop(Store::open(&url).expect("open"));
    // WAL is persistent in the file; a raw connection sees it.
    sqlx::any::install_default_drivers();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mode: String = runtime.block_on(async {
        let mut conn = AnyConnection::connect(&format!("sqlite://{url}"))
            .await
            .expect("raw");
        let row = sqlx::query("PRAGMA journal_mode")
            .fetch_one(&mut conn)
            .await
            .expect("pragma");
        row.try_get(0).expect("text")
    });
    assert_eq!(mode.to_lowercase(), "wal");
}

#[test]
fn open_directory_path_is_refused() {
    let dir = TempDir::new("suite");
    let err = Store::open(&dir.0.to_string_lossy()).expect_err("a directory");
    assert!(matches!(err, Error::Location { .. }), "{err}");
    assert!(err.to_string().contains("directory"), "{err}");
}

#[test]
fn open_unwritable_path_is_refused() {
    let err = Store::open("/proc/self/no-such-dir/store.sqlite").expect_err("unwritable");
    assert!(matches!(err, Error::Location { .. }), "{err}");
    assert!(err.to_string().contains("/proc/self/no-such-dir"), "{err}");
}

#[test]
fn open_unknown_scheme_is_refused() {
    let err = Store::open("mysql://user@host/db").expect_err("mysql");
    assert!(matches!(err, Error::Location { .. }), "{err}");
    assert!(err.to_string().contains("mysql://"), "{err}");
}

#[test]
fn open_non_database_file_is_refused() {
    let dir = TempDir::new("suite");
    let path = dir.0.join("not-a-db.sqlite");
    std::fs::write(&path, vec![0x42u8; 4096]).expect("write");
    let err = Store::open(&path.to_string_lossy()).expect_err("garbage file");
    assert!(matches!(err, Error::Connect { .. }), "{err}");
    assert!(err.to_string().contains("not-a-db.sqlite"), "{err}");
}

#[test]
fn open_refused_postgres_connection_is_clear_error() {
    // Port 1 on the loopback: nothing listens there, the connection is refused at once.
    let err = Store::open("postgres://smime:secret@127.0.0.1:1/store").expect_err("refused");
    assert!(matches!(err, Error::Connect { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("127.0.0.1:1"), "{text}");
    assert!(!text.contains("secret"), "the password leaks: {text}");
}

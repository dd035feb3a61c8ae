//! Backup and restore of a store holding N keys, on SQLite and on PostgreSQL (issue 5,
//! item 6).
//!
//! For each backend: a new store gets `SMIME_STORE_BENCH_KEYS` (default 2 000) private
//! keys through the public API (`Store::add_key`: each key its own address and
//! certificate, sealed under a passphrase KEK), then `Store::backup` (default Argon2id:
//! 64 MiB, 3 passes) writes the archive and `Store::restore` reads it into a new empty
//! store of the same backend. The time of one Argon2id derivation is printed apart: it is
//! paid once per backup and once per restore, whatever the size. Filling is not timed.
//! PostgreSQL needs `SMIME_TEST_POSTGRES_URL` (scripts/postgres_cluster.sh starts one).
//!
//! Run: `cargo bench --profile dev -p smime-store --bench backup` (dependencies at
//! opt-level 2; the time is in SQL, AES-GCM and Argon2id).
#![allow(missing_docs)]

use std::time::Instant;

use smime_store::kek::Argon2Params;
use smime_store::key_store::{KekSource, NewKey};
use smime_store::testing::pki::{now, TestCa, TestKey, Usage};
use smime_store::testing::{PostgresTestDatabase, TempDir, POSTGRES_URL_VAR};
use smime_store::Store;

const PASSPHRASE: &[u8] = b"bench backup passphrase";

fn run(backend: &str, source_url: &str, target_url: &str, keys: usize, dir: &TempDir) {
    let store = Store::open(source_url).expect("open the store");
    let admin = store.bootstrap_admin("bench").expect("admin");
    let kek = store
        .init_kek(&admin, KekSource::Passphrase(b"store passphrase"))
        .expect("kek");
    let ca = TestCa::root("Backup Bench CA");
    let key = TestKey::generate();
    let t = now();
    for i in 0..keys {
        let address = format!("user{i}@bench.example");
        let cert = ca.issue(
            &address,
            &[&address],
            Usage::Both,
            u64::try_from(i).unwrap_or(u64::MAX) + 1,
            (t - 86_400, t + 365 * 86_400),
            &key,
        );
        store
            .add_key(&admin, &kek, key.pkcs8_der(), NewKey::new(cert))
            .expect("add key");
    }
    let archive = dir.0.join(format!("{backend}.smime-backup"));
    let start = Instant::now();
    let summary = store.backup(&admin, &archive, PASSPHRASE).expect("backup");
    let backup = start.elapsed();
    let rows: u64 = summary.tables.iter().map(|(_, n)| n).sum();
    let size = std::fs::metadata(&archive).expect("archive").len();
    let target = Store::open(target_url).expect("open the target");
    let restorer = target.bootstrap_admin("restorer").expect("admin");
    let start = Instant::now();
    target
        .restore(&restorer, &archive, PASSPHRASE)
        .expect("restore");
    let restore = start.elapsed();
    println!(
        "{backend}: {keys} keys ({rows} rows, archive {:.1} MiB): backup {:.2} s, restore {:.2} s",
        size as f64 / (1024.0 * 1024.0),
        backup.as_secs_f64(),
        restore.as_secs_f64()
    );
}

fn main() {
    let keys: usize = std::env::var("SMIME_STORE_BENCH_KEYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let params = Argon2Params::generate().expect("parameters");
    let start = Instant::now();
    params.derive(PASSPHRASE).expect("derive");
    println!(
        "one Argon2id derivation (m={} KiB, t={}, p={}): {:.2} s",
        params.memory_kib,
        params.iterations,
        params.parallelism,
        start.elapsed().as_secs_f64()
    );
    let dir = TempDir::new("backup-bench");
    run(
        "sqlite",
        &dir.0.join("source.sqlite").to_string_lossy(),
        &dir.0.join("target.sqlite").to_string_lossy(),
        keys,
        &dir,
    );
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(admin) if !admin.is_empty() => {
            let source = PostgresTestDatabase::create(&admin).expect("a bench database");
            let target = PostgresTestDatabase::create(&admin).expect("a bench database");
            run("postgres", source.url(), target.url(), keys, &dir);
        }
        _ => println!("skipped postgres: {POSTGRES_URL_VAR} is not set"),
    }
}

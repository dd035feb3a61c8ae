//! The store at 100 000 certificates, on SQLite and on PostgreSQL (issue 5: import rate and
//! lookup latency).
//!
//! For each backend: a new store is filled with `SMIME_STORE_BENCH_CERTS` (default 100 000)
//! certificates, each with its own address, imported through the public API in batches of
//! 1 000 per transaction (`Store::add_certificates`: fingerprint check, the row, its
//! address, one audit row each); the fill rate is printed. Then 500 certificates are
//! imported one per transaction (`Store::import_certificates` of one PEM: the CLI's
//! `smime store import` path), and criterion times `Store::certificates_for_address` (valid
//! now, for encryption) on random addresses of the full store.
//!
//! Certificates are made in memory (`smime_store::testing::pki`: one P-256 CA key signs
//! every leaf, one leaf key), so generation is not timed. PostgreSQL needs
//! `SMIME_TEST_POSTGRES_URL` (scripts/postgres_cluster.sh starts a cluster); without it only
//! SQLite runs.
//!
//! Run: `cargo bench -p smime-store --bench store` (the figures in the README were taken
//! with `--profile dev`, dependencies at opt-level 2; the time is in SQL and crypto).
#![allow(missing_docs)]

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use smime::x509_cert::Certificate;
use smime_pkix::mail::Purpose;
use smime_store::certs::CertSource;
use smime_store::roles::{Actor, Role};
use smime_store::testing::pki::{now, TestCa, TestKey, Usage};
use smime_store::testing::{PostgresTestDatabase, TempDir, POSTGRES_URL_VAR};
use smime_store::Store;

const BATCH: usize = 1_000;
const SINGLE_IMPORTS: usize = 500;

fn address(i: usize) -> String {
    format!("user{i}@bench.example")
}

fn leaf(ca: &TestCa, key: &TestKey, i: usize, t: i64) -> Certificate {
    ca.issue(
        &format!("User {i}"),
        &[&address(i)],
        Usage::Both,
        u64::try_from(i).unwrap_or(u64::MAX),
        (t - 86_400, t + 365 * 86_400),
        key,
    )
}

fn run(c: &mut Criterion, backend: &str, url: &str, total: usize) {
    let actor = Actor {
        name: "bench".into(),
        role: Role::Admin,
        address: None,
    };
    let store = Store::open(url).expect("open the store");
    let ca = TestCa::root("Bench CA");
    let key = TestKey::generate();
    let t = now();
    let mut timed = Duration::ZERO;
    let mut made = 0;
    while made < total {
        let batch: Vec<Certificate> = (made..(made + BATCH).min(total))
            .map(|i| leaf(&ca, &key, i, t))
            .collect();
        let start = Instant::now();
        let imported = store
            .add_certificates(&actor, &batch, CertSource::Imported, Some("bench"), None)
            .expect("batch import");
        timed += start.elapsed();
        assert!(imported.iter().all(|i| i.added));
        made += batch.len();
    }
    println!(
        "{backend}: filled {total} certificates in batches of {BATCH} per transaction: {:.1} s, {:.0} certificates/s",
        timed.as_secs_f64(),
        total as f64 / timed.as_secs_f64()
    );
    let singles: Vec<String> = (total..total + SINGLE_IMPORTS)
        .map(|i| {
            der::EncodePem::to_pem(&leaf(&ca, &key, i, t), der::pem::LineEnding::LF).expect("PEM")
        })
        .collect();
    let start = Instant::now();
    for pem in &singles {
        store
            .import_certificates(&actor, pem.as_bytes(), "one.pem", CertSource::Imported)
            .expect("single import");
    }
    let elapsed = start.elapsed();
    println!(
        "{backend}: {SINGLE_IMPORTS} single-certificate imports (one transaction each) into {total}: {:.2} ms each, {:.0} certificates/s",
        elapsed.as_secs_f64() * 1000.0 / SINGLE_IMPORTS as f64,
        SINGLE_IMPORTS as f64 / elapsed.as_secs_f64()
    );
    let mut i: usize = 0;
    c.bench_function(&format!("{backend}/lookup_by_address/{total}"), |b| {
        b.iter(|| {
            // A multiplicative walk over the addresses: no two neighbours in a row.
            i = (i + 7_919) % total;
            let found = store
                .certificates_for_address(&address(i), Purpose::Encrypt, t)
                .expect("lookup");
            assert_eq!(found.len(), 1);
            found
        })
    });
}

fn store_benches(c: &mut Criterion) {
    let total: usize = std::env::var("SMIME_STORE_BENCH_CERTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    {
        let dir = TempDir::new("bench");
        let path = dir.0.join("bench.sqlite");
        run(c, "sqlite", &path.to_string_lossy(), total);
    }
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(admin) if !admin.is_empty() => {
            let database = PostgresTestDatabase::create(&admin).expect("a bench database");
            run(c, "postgres", database.url(), total);
        }
        _ => println!("skipped postgres: {POSTGRES_URL_VAR} is not set"),
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(200).measurement_time(Duration::from_secs(5));
    targets = store_benches
}
criterion_main!(benches);

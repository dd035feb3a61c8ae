//! The store suite, part 4: concurrency (issue 5 item 9). Several processes (this test
//! binary started again, each with its own `Store` handle: separate processes on one SQLite
//! file, separate "nodes" on one PostgreSQL database) import certificates and add keys to
//! the same store at the same time. Afterwards no write is lost (every row counted), no row
//! is duplicated (the shared certificate once), the key history is consistent (one current
//! signing key, the one added last) and the audit log is one unbroken chain.

use std::process::Command;

use smime_store::certs::CertSource;
use smime_store::key_store::{KekSource, NewKey};
use smime_store::roles::{Actor, Role};
use smime_store::testing::pki::{now, TestCa, TestKey, Usage};
use smime_store::testing::{each_backend, raw_i64, TempDir};
use smime_store::Store;

const WORKERS: usize = 3;
const ROUNDS: usize = 12;
const SHARED_OWNER: &str = "shared@example.org";
const DAY: i64 = 86_400;

fn actor(name: &str) -> Actor {
    Actor {
        name: name.into(),
        role: Role::Admin,
        address: None,
    }
}

fn count(url: &str, sql: &str) -> i64 {
    raw_i64(url, sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// One worker process: `ROUNDS` times, import a certificate of its own, import the
/// certificate every worker imports, and add a key for the shared owner (a renewal race).
#[test]
#[ignore = "a worker process started by concurrent_processes_lose_no_write"]
fn concurrency_worker() {
    let (Ok(url), Ok(worker), Ok(key_file), Ok(shared)) = (
        std::env::var("SMIME_STORE_WORKER_URL"),
        std::env::var("SMIME_STORE_WORKER_ID"),
        std::env::var("SMIME_STORE_WORKER_KEK"),
        std::env::var("SMIME_STORE_WORKER_SHARED"),
    ) else {
        panic!("run by concurrent_processes_lose_no_write only");
    };
    let store = Store::open(&url).expect("worker open");
    let me = actor(&format!("worker-{worker}"));
    let kek = store
        .unlock_kek(KekSource::KeyFile(std::path::Path::new(&key_file)))
        .expect("unlock");
    let ca = TestCa::root(&format!("Worker {worker} CA"));
    let t = now();
    for round in 0..ROUNDS {
        let serial = u64::try_from(round).expect("small") + 1;
        let own = ca.issue(
            &format!("w{worker}-{round}"),
            &[&format!("w{worker}-{round}@example.org")],
            Usage::Both,
            serial,
            (t - DAY, t + DAY),
            &TestKey::generate(),
        );
        let own_pem = der::EncodePem::to_pem(&own, der::pem::LineEnding::LF).expect("pem");
        store
            .import_certificates(&me, own_pem.as_bytes(), "own.pem", CertSource::Imported)
            .expect("import own certificate");
        let outcome = store
            .import_certificates(&me, shared.as_bytes(), "shared.pem", CertSource::Imported)
            .expect("import the shared certificate");
        assert_eq!(outcome.len(), 1);
        let key = TestKey::generate();
        let cert = ca.issue(
            &format!("shared key w{worker} r{round}"),
            &[SHARED_OWNER],
            Usage::Both,
            1000 + serial,
            (t - DAY, t + 10 * DAY),
            &key,
        );
        store
            .add_key(&me, &kek, key.pkcs8_der(), NewKey::new(cert))
            .expect("add key");
    }
}

#[test]
fn concurrent_processes_lose_no_write() {
    let shared_ca = TestCa::root("Shared CA");
    let t = now();
    let shared = shared_ca.issue(
        "Shared",
        &["everyone@example.org"],
        Usage::Both,
        1,
        (t - DAY, t + DAY),
        &TestKey::generate(),
    );
    let shared_pem = der::EncodePem::to_pem(&shared, der::pem::LineEnding::LF).expect("pem");
    each_backend(|url| {
        let dir = TempDir::new("concurrency");
        let key_file = dir.0.join("kek.bin");
        smime_store::kek::Kek::generate_key_file(&key_file).expect("key file");
        {
            let store = Store::open(url).expect("open");
            store
                .init_kek(&actor("setup"), KekSource::KeyFile(&key_file))
                .expect("init");
        }
        let audit_before = count(url, "SELECT COUNT(*) FROM audit_log");
        let exe = std::env::current_exe().expect("test binary");
        let children: Vec<_> = (0..WORKERS)
            .map(|w| {
                Command::new(&exe)
                    .args(["--ignored", "--exact", "concurrency_worker", "--nocapture"])
                    .env("SMIME_STORE_WORKER_URL", url)
                    .env("SMIME_STORE_WORKER_ID", w.to_string())
                    .env("SMIME_STORE_WORKER_KEK", &key_file)
                    .env("SMIME_STORE_WORKER_SHARED", &shared_pem)
                    .spawn()
                    .expect("spawn a worker")
            })
            .collect();
        for (w, child) in children.into_iter().enumerate() {
            let out = child.wait_with_output().expect("worker");
            assert!(out.status.success(), "worker {w} failed");
        }
        let workers = i64::try_from(WORKERS).expect("small");
        let rounds = i64::try_from(ROUNDS).expect("small");
        let keys = workers * rounds;
        // Own certificates + shared-key certificates + the shared certificate once.
        assert_eq!(
            count(url, "SELECT COUNT(*) FROM certificates"),
            2 * keys + 1
        );
        assert_eq!(count(url, "SELECT COUNT(*) FROM keys"), keys);
        assert_eq!(
            count(url, "SELECT COUNT(DISTINCT seq) FROM keys"),
            keys,
            "key sequence numbers unique"
        );
        assert_eq!(count(url, "SELECT MAX(seq) FROM keys"), keys);
        assert_eq!(
            count(
                url,
                "SELECT COUNT(*) FROM keys WHERE retired = 0 AND can_sign = 1"
            ),
            1,
            "exactly one current signing key for the shared owner"
        );
        assert_eq!(
            count(
                url,
                "SELECT COUNT(*) FROM keys WHERE retired = 0 AND seq = (SELECT MAX(seq) FROM keys)"
            ),
            1,
            "the current one is the newest"
        );
        // Audit: one row per certificate import (2 per round) and per key (1 per round),
        // contiguous sequence numbers.
        let audit_rows = count(url, "SELECT COUNT(*) FROM audit_log") - audit_before;
        assert_eq!(audit_rows, 3 * keys);
        assert_eq!(
            count(url, "SELECT MAX(seq) - MIN(seq) + 1 FROM audit_log"),
            count(url, "SELECT COUNT(*) FROM audit_log"),
            "audit sequence without gaps"
        );
        let store = Store::open(url).expect("reopen");
        let verification = store.verify_audit(&actor("check")).expect("verify");
        assert!(verification.is_intact(), "{verification:?}");
        let ring = store
            .key_ring(&actor("check"), Some(SHARED_OWNER))
            .expect("ring");
        assert_eq!(ring.history(SHARED_OWNER).len(), ROUNDS * WORKERS);
    });
}

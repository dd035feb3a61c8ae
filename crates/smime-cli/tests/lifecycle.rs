//! `smime lifecycle report` and `smime lifecycle run` on a store (SQLite and PostgreSQL)
//! holding certificates of every status: ours (issued by our CA), another CA's in our
//! domain, expired, revoked, shadow. The clock is injected with the hidden `--at`.

mod common;
#[path = "../../smime-ca/tests/lifecycle_common/mod.rs"]
mod lifecycle_common;

use smime_store::certs::{CertSource, SETTING_APPROVED_CAS, SETTING_ORG_DOMAINS};
use smime_store::key_store::KekSource;
use smime_store::testing::each_backend;
use smime_store::testing::pki::{TestCa, TestKey, Usage};
use smime_store::Store;

const DAY: i64 = 86_400;
/// When the certificates are issued.
const T0: i64 = 1_800_000_000;
/// The report and run time: T0 + 20 days.
const AT: &str = "2027-02-04T08:00:00Z";

fn fingerprint(cert: &smime::x509_cert::Certificate) -> String {
    smime_pkix::certificate::certificate_fingerprint_sha256(cert)
}

/// A store with our CA (root and intermediate, stored as issued, the root approved) and:
/// alice (ours, sign, expires T0+365: valid), bob (ours, encrypt, expires T0+30: expiring
/// at AT), dan (ours, expired at AT), rob (ours, revoked), carol (another CA, imported,
/// expires T0+25: expiring, shadow), erin (another CA, expires T0+200: valid, shadow).
fn populate(url: &str) {
    let store = Store::open(url).expect("open");
    let admin = store.bootstrap_admin("admin").expect("admin");
    store
        .init_kek(&admin, KekSource::Passphrase(b"lifecycle test passphrase"))
        .expect("kek");
    let root = TestCa::root("Example Root");
    let ours = root.intermediate("Example Issuing CA", 2);
    let other = TestCa::root("Other CA");
    store
        .add_certificates(
            &admin,
            &[root.certificate.clone(), ours.certificate.clone()],
            CertSource::Issued,
            Some("ca init"),
            None,
        )
        .expect("our CA");
    store
        .set_setting(&admin, SETTING_ORG_DOMAINS, "example.org")
        .expect("domains");
    store
        .set_setting(
            &admin,
            SETTING_APPROVED_CAS,
            &fingerprint(&root.certificate),
        )
        .expect("approved");
    let leaf = |ca: &TestCa, address: &str, usage: Usage, serial: u64, days: i64| {
        ca.issue(
            address,
            &[address],
            usage,
            serial,
            (T0, T0 + days * DAY),
            &TestKey::generate(),
        )
    };
    let issued = [
        leaf(&ours, "alice@example.org", Usage::Sign, 10, 365),
        leaf(&ours, "bob@example.org", Usage::Encrypt, 11, 30),
        leaf(&ours, "dan@example.org", Usage::Sign, 12, 10),
        leaf(&ours, "rob@example.org", Usage::Sign, 13, 365),
    ];
    store
        .add_certificates(
            &admin,
            &issued,
            CertSource::Issued,
            Some("test"),
            Some("mailbox-strict"),
        )
        .expect("issued");
    store
        .mark_revoked(&admin, &fingerprint(&issued[3]), T0 + DAY, "keyCompromise")
        .expect("revoke");
    let foreign = [
        leaf(&other, "carol@example.org", Usage::Sign, 20, 25),
        leaf(&other, "erin@example.org", Usage::Sign, 21, 200),
    ];
    store
        .add_certificates(
            &admin,
            &foreign,
            CertSource::Imported,
            Some("foreign.pem"),
            None,
        )
        .expect("foreign");
}

/// `smime lifecycle <command> --store URL --as admin --at AT <extra>`.
fn lifecycle(command: &str, url: &str, extra: &[&str]) -> common::Outcome {
    let mut args = vec![
        "lifecycle",
        command,
        "--store",
        url,
        "--as",
        "admin",
        "--at",
        AT,
    ];
    args.extend_from_slice(extra);
    common::smime(&args)
}

/// The element of array `list` of `value` whose `field` is `equals` (Null if none).
fn find(value: &serde_json::Value, list: &str, field: &str, equals: &str) -> serde_json::Value {
    value[list]
        .as_array()
        .and_then(|a| a.iter().find(|e| e[field] == equals))
        .cloned()
        .unwrap_or_default()
}

fn json(outcome: &common::Outcome) -> serde_json::Value {
    serde_json::from_slice(&outcome.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{outcome}"))
}

#[test]
fn lifecycle_report_mixed_store_counts_each_status_and_shadow() {
    each_backend(|url| {
        populate(url);
        let out = lifecycle("report", url, &["--json"]);
        out.assert_ok();
        let report = json(&out);
        let c = &report["counts"];
        // Our root and intermediate are valid CA certificates, counted too.
        assert_eq!(c["total"], 8, "{report:#}");
        assert_eq!(
            (
                &c["valid"],
                &c["expiring"],
                &c["expired"],
                &c["revoked"],
                &c["shadow"]
            ),
            (
                &serde_json::json!(4),
                &serde_json::json!(2),
                &serde_json::json!(1),
                &serde_json::json!(1),
                &serde_json::json!(2)
            ),
            "{report:#}"
        );
        let owner = |address: &str| find(&report, "certificates", "owner", address);
        assert_eq!(owner("bob@example.org")["status"], "expiring");
        assert_eq!(owner("bob@example.org")["ours"], true);
        assert_eq!(owner("carol@example.org")["shadow"], true);
        assert_eq!(owner("dan@example.org")["status"], "expired");
        assert_eq!(owner("rob@example.org")["status"], "revoked");
        let usage = |key: &str| find(&report, "by_usage", "key", key)["total"].clone();
        assert_eq!(usage("ca"), 2);
        assert_eq!(usage("encrypt"), 1);
        assert_eq!(usage("sign"), 5);

        let text = lifecycle("report", url, &[]);
        text.assert_ok();
        assert!(text.stdout_text().contains("SHADOW"), "{text}");
    });
}

#[test]
fn lifecycle_run_notice_reaches_smtp_with_address_and_expiry() {
    let Some(python) = lifecycle_common::aiosmtpd_python() else {
        return;
    };
    each_backend(|url| {
        populate(url);
        let sink = lifecycle_common::SmtpSink::start(&python);
        let server = sink.server();
        let out = lifecycle(
            "run",
            url,
            &[
                "--json",
                "--notify-smtp",
                &server,
                "--notify-to",
                "pki@example.org",
                "--notify-from",
                "smime@example.org",
            ],
        );
        let summary = json(&out);
        // Bob is due, but this store has no CA key: the renewal fails, exit 1.
        assert_eq!(out.code(), 1, "{out}");
        let skipped = |owner: &str| find(&summary, "skipped", "owner", owner);
        assert_eq!(skipped("bob@example.org")["failed"], true, "{summary:#}");
        // Dan's certificate expired before the run: not renewed, and not a failure.
        assert_eq!(skipped("dan@example.org")["failed"], false, "{summary:#}");
        assert_eq!(summary["renewed"].as_array().map(Vec::len), Some(0));
        assert_eq!(summary["notices"]["delivery"], "sent", "{summary:#}");
        let notified = &summary["notified"];
        assert_eq!(notified.as_array().map(Vec::len), Some(1), "{summary:#}");
        assert_eq!(notified[0]["owner"], "carol@example.org");
        let got = sink.message(1);
        assert_eq!(got["rcpt_tos"][0], "pki@example.org");
        let content = got["content"].as_str().unwrap_or_default();
        assert!(content.contains("carol@example.org"), "{content}");
        let expiry = notified[0]["not_after"].as_i64().unwrap_or_default();
        assert!(
            content.contains(&smime_ca::lifecycle::inventory::time_text(expiry)),
            "{content}"
        );
    });
}

#[test]
fn lifecycle_run_unknown_principal_is_a_usage_error() {
    each_backend(|url| {
        populate(url);
        let out = common::smime(&["lifecycle", "run", "--store", url, "--as", "nobody"]);
        assert_eq!(out.code(), 2, "{out}");
        assert!(out.stderr.contains("nobody"), "{out}");
    });
}

#[test]
fn lifecycle_run_with_ca_files_renews_due_certificate_once() {
    use der::Encode;
    use smime_ca::hierarchy::{create, CaOptions};
    use smime_ca::issue::{issue, CertificateRequest};
    use smime_ca::organization::Organization;
    use smime_ca::profile::{Profile, Usage as CaUsage};
    use smime_ca::subject::Subscriber;
    use smime_store::key_store::NewKey;

    each_backend(|url| {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = Store::open(url).expect("open");
        let admin = store.bootstrap_admin("admin").expect("admin");
        let kek = store
            .init_kek(&admin, KekSource::Passphrase(b"lifecycle test passphrase"))
            .expect("kek");
        store
            .set_setting(&admin, SETTING_ORG_DOMAINS, "example.org")
            .expect("domains");
        let org = Organization::new("Example Org", &["example.org".to_string()]).expect("org");
        let hierarchy = create(CaOptions::new(org), T0 - DAY).expect("hierarchy");
        let issuing = hierarchy.issuing();
        let profile = Profile::from_name("mailbox-strict").expect("profile");
        let request = CertificateRequest {
            validity_days: 30,
            ..CertificateRequest::new(
                Subscriber::mailbox("bob@example.org"),
                profile,
                CaUsage::Encrypt,
            )
        };
        let issued = issue(&hierarchy.issuing_ca(), &request, T0).expect("issue");
        store
            .add_certificates(
                &admin,
                std::slice::from_ref(&issued.certificate),
                CertSource::Issued,
                Some("test"),
                Some("mailbox-strict"),
            )
            .expect("store certificate");
        store
            .add_key(
                &admin,
                &kek,
                &issued.key.as_ref().expect("key").pkcs8,
                NewKey {
                    owner: Some("bob@example.org"),
                    certificate: issued.certificate.clone(),
                    chain: hierarchy.chain(),
                    source_detail: Some("test"),
                },
            )
            .expect("store key");
        drop(store);
        let ca_cert = dir.path().join("ca.der");
        let ca_key = dir.path().join("ca.key");
        let passphrase = dir.path().join("passphrase");
        std::fs::write(&ca_cert, issuing.certificate.to_der().expect("DER")).expect("write");
        std::fs::write(&ca_key, issuing.key.pkcs8().expect("software key")).expect("write");
        std::fs::write(&passphrase, "lifecycle test passphrase\n").expect("write");
        let ca_args = [
            "--json",
            "--ca-cert",
            ca_cert.to_str().unwrap_or_default(),
            "--ca-key",
            ca_key.to_str().unwrap_or_default(),
            "--passphrase-file",
            passphrase.to_str().unwrap_or_default(),
        ];
        let first = lifecycle("run", url, &ca_args);
        first.assert_ok();
        let summary = json(&first);
        assert_eq!(
            summary["renewed"].as_array().map(Vec::len),
            Some(1),
            "{summary:#}"
        );
        assert_eq!(summary["renewed"][0]["owner"], "bob@example.org");
        assert_eq!(summary["renewed"][0]["new_key"], true);
        let second = lifecycle("run", url, &ca_args);
        second.assert_ok();
        assert_eq!(
            json(&second)["renewed"].as_array().map(Vec::len),
            Some(0),
            "{second}"
        );
    });
}

//! Test support: a fresh, empty PostgreSQL database per test on the throwaway cluster that
//! scripts/test.sh starts (its admin URL is `SMIME_TEST_POSTGRES_URL`), so that the same
//! test body runs on SQLite and on PostgreSQL, here and in the crates above (which see no
//! sqlx).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::{AnyConnection, Connection, Executor};

use crate::{Error, Result};

/// The environment variable holding the admin URL of the test cluster.
pub const POSTGRES_URL_VAR: &str = "SMIME_TEST_POSTGRES_URL";

/// Run `body` once per backend with the location of a new, empty store: a SQLite file in a
/// fresh temporary directory, then a fresh database on the PostgreSQL test cluster. Without
/// `SMIME_TEST_POSTGRES_URL` the PostgreSQL run prints `skipped postgres`, or panics when
/// `SMIME_TEST_REQUIRE_PEERS` is set (CI must not skip it silently).
pub fn each_backend(body: impl Fn(&str)) {
    {
        let dir = TempDir::new("sqlite");
        let path = dir.0.join("store.sqlite");
        println!("backend sqlite: {}", path.display());
        body(&path.to_string_lossy());
    }
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(admin_url) if !admin_url.is_empty() => {
            let database = PostgresTestDatabase::create(&admin_url)
                .unwrap_or_else(|e| panic!("{POSTGRES_URL_VAR}: {e}"));
            println!("backend postgres: {}", database.url());
            body(database.url());
        }
        _ => {
            if std::env::var_os("SMIME_TEST_REQUIRE_PEERS")
                .is_some_and(|v| !v.is_empty() && v != "0")
            {
                panic!("{POSTGRES_URL_VAR} is not set and SMIME_TEST_REQUIRE_PEERS is: start the PostgreSQL test cluster (scripts/test.sh does)");
            }
            println!("skipped postgres: {POSTGRES_URL_VAR} is not set (scripts/test.sh starts a cluster)");
        }
    }
}

/// Run `sql` on the database of the store at `url` directly, as another program would (to
/// set up states the API cannot produce, or count rows): a `SELECT` returns its first
/// column of the first row as an integer, any other statement 0.
pub fn raw_i64(url: &str, sql: &str) -> Result<i64> {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let url = if url.starts_with("postgres") {
        url.to_string()
    } else {
        format!("sqlite://{url}")
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Connect {
            location: url.clone(),
            reason: e.to_string(),
        })?;
    let failed = |e: sqlx::Error| Error::Database {
        what: sql.to_string(),
        reason: e.to_string(),
    };
    runtime.block_on(async {
        let mut conn = AnyConnection::connect(&url)
            .await
            .map_err(|e| Error::Connect {
                location: url.clone(),
                reason: e.to_string(),
            })?;
        let value = if sql.trim_start().to_ascii_uppercase().starts_with("SELECT") {
            let row = sqlx::query(sql)
                .fetch_one(&mut conn)
                .await
                .map_err(failed)?;
            row.try_get::<i64, _>(0).map_err(failed)?
        } else {
            conn.execute(sql).await.map_err(failed)?;
            0
        };
        let _ = conn.close().await;
        Ok(value)
    })
}

/// A new directory under the system temporary directory, removed on drop.
#[derive(Debug)]
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    /// Make `<tmp>/smime-store-<what>-<pid>-<time>-<n>`.
    pub fn new(what: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("smime-store-{what}-{}", unique_suffix()));
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A database made for one test; dropped (with its connections) when this is dropped.
#[derive(Debug)]
pub struct PostgresTestDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl PostgresTestDatabase {
    /// Make a new empty database `t_<pid>_<time>_<n>` on the cluster at `admin_url`.
    pub fn create(admin_url: &str) -> Result<PostgresTestDatabase> {
        let name = format!("t_{}", unique_suffix());
        admin(admin_url, &format!("CREATE DATABASE {name}"))?;
        let url = database_url(admin_url, &name).ok_or_else(|| Error::Location {
            location: admin_url.to_string(),
            reason: "not a postgres://host/database URL".into(),
        })?;
        Ok(PostgresTestDatabase {
            admin_url: admin_url.to_string(),
            name,
            url,
        })
    }

    /// The URL of the new database (what `Store::open` takes).
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for PostgresTestDatabase {
    fn drop(&mut self) {
        // WITH (FORCE) (PostgreSQL 13+) ends connections a failed test left open.
        let _ = admin(
            &self.admin_url,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

/// `admin_url` with its database replaced by `name`.
fn database_url(admin_url: &str, name: &str) -> Option<String> {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let after_scheme = base.find("://")? + 3;
    let path_start = base[after_scheme..]
        .find('/')
        .map(|i| i + after_scheme)
        .unwrap_or(base.len());
    let mut url = format!("{}/{name}", &base[..path_start]);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    Some(url)
}

fn admin(admin_url: &str, statement: &str) -> Result<()> {
    sqlx::any::install_default_drivers();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Connect {
            location: admin_url.to_string(),
            reason: e.to_string(),
        })?;
    runtime.block_on(async {
        let mut conn = AnyConnection::connect(admin_url)
            .await
            .map_err(|e| Error::Connect {
                location: admin_url.to_string(),
                reason: e.to_string(),
            })?;
        conn.execute(statement).await.map_err(|e| Error::Database {
            what: statement.to_string(),
            reason: e.to_string(),
        })?;
        let _ = conn.close().await;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::database_url;

    #[test]
    fn database_url_database_is_replaced() {
        assert_eq!(
            database_url("postgres://u@127.0.0.1:5/postgres", "t_1").as_deref(),
            Some("postgres://u@127.0.0.1:5/t_1")
        );
        assert_eq!(
            database_url("postgresql://u@h?host=/tmp/x", "t_2").as_deref(),
            Some("postgresql://u@h/t_2?host=/tmp/x")
        );
    }
}

/// Certificates made in memory for tests and benchmarks: a P-256 CA signs ECDSA-SHA256
/// (RFC 5758 3.2) leaves built from x509-cert types, so 100 000 certificates take seconds,
/// not 100 000 `openssl` runs. Nothing here reads untrusted input.
pub mod pki {
    use std::str::FromStr;
    use std::time::Duration;

    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
    use der::asn1::{BitString, Ia5String, OctetString, UtcTime};
    use der::oid::ObjectIdentifier;
    use der::Encode;
    use smime::crypto::PrivateKey;
    use smime::x509_cert::certificate::{TbsCertificate, Version};
    use smime::x509_cert::ext::pkix::name::GeneralName;
    use smime::x509_cert::ext::pkix::{
        AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
        SubjectAltName, SubjectKeyIdentifier,
    };
    use smime::x509_cert::ext::Extension;
    use smime::x509_cert::name::Name;
    use smime::x509_cert::serial_number::SerialNumber;
    use smime::x509_cert::time::{Time, Validity};
    use smime::x509_cert::Certificate;
    use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
    use zeroize::Zeroizing;

    const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
    const EMAIL_PROTECTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4");

    /// What a leaf certificate's key may do.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Usage {
        /// digitalSignature.
        Sign,
        /// keyAgreement (ECDH).
        Encrypt,
        /// Both.
        Both,
    }

    /// A P-256 key pair.
    pub struct TestKey {
        pair: EcdsaKeyPair,
        pkcs8: Zeroizing<Vec<u8>>,
        spki: SubjectPublicKeyInfoOwned,
    }

    impl std::fmt::Debug for TestKey {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("TestKey(P-256)")
        }
    }

    impl TestKey {
        /// A new P-256 key.
        pub fn generate() -> TestKey {
            let rng = SystemRandom::new();
            let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
                .expect("P-256 key generation");
            let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref())
                .expect("P-256 key");
            let spki = PrivateKey::from_pem_or_der(pkcs8.as_ref(), "test key")
                .expect("smime reads the key")
                .public_key_spki();
            TestKey {
                pair,
                pkcs8: Zeroizing::new(pkcs8.as_ref().to_vec()),
                spki,
            }
        }

        /// The private key, PKCS#8 DER (RFC 5958).
        pub fn pkcs8_der(&self) -> &[u8] {
            &self.pkcs8
        }

        fn key_identifier(&self) -> Vec<u8> {
            let digest = aws_lc_rs::digest::digest(
                &aws_lc_rs::digest::SHA256,
                self.pair.public_key().as_ref(),
            );
            digest.as_ref().get(..20).unwrap_or_default().to_vec()
        }
    }

    /// A certification authority with a P-256 key.
    #[derive(Debug)]
    pub struct TestCa {
        name: Name,
        key: TestKey,
        /// The CA's own certificate.
        pub certificate: Certificate,
    }

    fn time(unix: i64) -> Time {
        let d = Duration::from_secs(u64::try_from(unix.max(0)).unwrap_or(0));
        match UtcTime::from_unix_duration(d) {
            Ok(t) => Time::UtcTime(t),
            Err(_) => Time::GeneralTime(
                der::asn1::GeneralizedTime::from_unix_duration(d).expect("a time after 1970"),
            ),
        }
    }

    fn extension(oid: &str, critical: bool, value: &impl Encode) -> Extension {
        Extension {
            extn_id: ObjectIdentifier::new_unwrap(oid),
            critical,
            extn_value: OctetString::new(value.to_der().expect("extension DER")).expect("octets"),
        }
    }

    fn serial_number(serial: u64) -> SerialNumber {
        let mut bytes = vec![0x01];
        bytes.extend_from_slice(&serial.to_be_bytes());
        SerialNumber::new(&bytes).expect("serial")
    }

    fn sign(
        issuer: &TestKey,
        issuer_name: &Name,
        subject: Name,
        subject_key: &SubjectPublicKeyInfoOwned,
        serial: u64,
        validity: (i64, i64),
        extensions: Vec<Extension>,
    ) -> Certificate {
        let algorithm = AlgorithmIdentifierOwned {
            oid: ECDSA_WITH_SHA256,
            parameters: None,
        };
        let tbs = TbsCertificate {
            version: Version::V3,
            serial_number: serial_number(serial),
            signature: algorithm.clone(),
            issuer: issuer_name.clone(),
            validity: Validity {
                not_before: time(validity.0),
                not_after: time(validity.1),
            },
            subject,
            subject_public_key_info: subject_key.clone(),
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions: Some(extensions),
        };
        let tbs_der = tbs.to_der().expect("TBS DER");
        let signature = issuer
            .pair
            .sign(&SystemRandom::new(), &tbs_der)
            .expect("ECDSA signature");
        Certificate {
            tbs_certificate: tbs,
            signature_algorithm: algorithm,
            signature: BitString::from_bytes(signature.as_ref()).expect("bit string"),
        }
    }

    /// Now, unix seconds.
    pub fn now() -> i64 {
        crate::db::now()
    }

    impl TestCa {
        /// A self-signed root CA `CN=<cn>`, valid from a day ago for ten years.
        pub fn root(cn: &str) -> TestCa {
            let key = TestKey::generate();
            let name = Name::from_str(&format!("CN={cn},O=smime tests")).expect("name");
            let certificate = sign(
                &key,
                &name,
                name.clone(),
                &key.spki,
                1,
                (now() - 86_400, now() + 3650 * 86_400),
                Self::ca_extensions(&key, None),
            );
            TestCa {
                name,
                key,
                certificate,
            }
        }

        /// An intermediate CA `CN=<cn>` under this one.
        pub fn intermediate(&self, cn: &str, serial: u64) -> TestCa {
            let key = TestKey::generate();
            let name = Name::from_str(&format!("CN={cn},O=smime tests")).expect("name");
            let certificate = sign(
                &self.key,
                &self.name,
                name.clone(),
                &key.spki,
                serial,
                (now() - 86_400, now() + 3650 * 86_400),
                Self::ca_extensions(&key, Some(&self.key)),
            );
            TestCa {
                name,
                key,
                certificate,
            }
        }

        fn ca_extensions(key: &TestKey, issuer: Option<&TestKey>) -> Vec<Extension> {
            let mut out = vec![
                extension(
                    "2.5.29.19",
                    true,
                    &BasicConstraints {
                        ca: true,
                        path_len_constraint: None,
                    },
                ),
                extension(
                    "2.5.29.15",
                    true,
                    &KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
                ),
                extension(
                    "2.5.29.14",
                    false,
                    &SubjectKeyIdentifier(OctetString::new(key.key_identifier()).expect("ski")),
                ),
            ];
            if let Some(issuer) = issuer {
                out.push(Self::aki(issuer));
            }
            out
        }

        fn aki(issuer: &TestKey) -> Extension {
            extension(
                "2.5.29.35",
                false,
                &AuthorityKeyIdentifier {
                    key_identifier: Some(OctetString::new(issuer.key_identifier()).expect("aki")),
                    authority_cert_issuer: None,
                    authority_cert_serial_number: None,
                },
            )
        }

        /// A leaf `CN=<cn>` for `addresses` (rfc822Name SANs) with `usage`, valid
        /// `not_before..not_after` (unix seconds), with key `key`.
        pub fn issue(
            &self,
            cn: &str,
            addresses: &[&str],
            usage: Usage,
            serial: u64,
            validity: (i64, i64),
            key: &TestKey,
        ) -> Certificate {
            self.issue_for(cn, addresses, usage, serial, validity, &key.spki)
        }

        /// [`TestCa::issue`] for a public key held elsewhere (a PKCS#11 token key).
        pub fn issue_for(
            &self,
            cn: &str,
            addresses: &[&str],
            usage: Usage,
            serial: u64,
            validity: (i64, i64),
            spki: &SubjectPublicKeyInfoOwned,
        ) -> Certificate {
            let key_identifier = {
                let point = spki.subject_public_key.raw_bytes();
                let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, point);
                digest.as_ref().get(..20).unwrap_or_default().to_vec()
            };
            let usages = match usage {
                Usage::Sign => KeyUsage(KeyUsages::DigitalSignature.into()),
                Usage::Encrypt => KeyUsage(KeyUsages::KeyAgreement.into()),
                Usage::Both => KeyUsage(KeyUsages::DigitalSignature | KeyUsages::KeyAgreement),
            };
            let san = SubjectAltName(
                addresses
                    .iter()
                    .map(|a| GeneralName::Rfc822Name(Ia5String::new(*a).expect("ASCII address")))
                    .collect(),
            );
            let extensions = vec![
                extension(
                    "2.5.29.19",
                    false,
                    &BasicConstraints {
                        ca: false,
                        path_len_constraint: None,
                    },
                ),
                extension("2.5.29.15", true, &usages),
                extension(
                    "2.5.29.37",
                    false,
                    &ExtendedKeyUsage(vec![EMAIL_PROTECTION]),
                ),
                extension("2.5.29.17", false, &san),
                extension(
                    "2.5.29.14",
                    false,
                    &SubjectKeyIdentifier(OctetString::new(key_identifier).expect("ski")),
                ),
                Self::aki(&self.key),
            ];
            let subject = Name::from_str(&format!("CN={cn},O=smime tests")).expect("name");
            sign(
                &self.key, &self.name, subject, spki, serial, validity, extensions,
            )
        }
    }
}

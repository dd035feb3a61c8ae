//! The CA's bookkeeping rows (`Store::advance_counter`, `ca_values`, `set_ca_values`) on
//! SQLite and PostgreSQL: counters that never repeat or go back, across handles and threads.

use std::collections::BTreeSet;

use smime_store::testing::each_backend;
use smime_store::Store;

#[test]
fn advance_counter_grows_past_floor_and_never_goes_back() {
    each_backend(|url| {
        let store = Store::open(url).expect("open");
        assert_eq!(store.counter("crl.ab").expect("read"), None);
        assert_eq!(store.advance_counter("crl.ab", 0).expect("advance"), 1);
        assert_eq!(store.advance_counter("crl.ab", 0).expect("advance"), 2);
        // A floor above the last value (the clock) is taken as is ...
        assert_eq!(
            store.advance_counter("crl.ab", 1_000).expect("advance"),
            1_000
        );
        // ... and a floor below it (a clock set back) does not send the counter back.
        assert_eq!(store.advance_counter("crl.ab", 10).expect("advance"), 1_001);
        // Another handle (another node) continues from the recorded value.
        let other = Store::open(url).expect("open again");
        assert_eq!(other.counter("crl.ab").expect("read"), Some(1_001));
        assert_eq!(other.advance_counter("crl.ab", 0).expect("advance"), 1_002);
        // Counters are independent.
        assert_eq!(other.advance_counter("crl.cd", 0).expect("advance"), 1);
    });
}

#[test]
fn advance_counter_concurrent_nodes_never_share_a_value() {
    each_backend(|url| {
        let store = Store::open(url).expect("open");
        let values: Vec<u64> = std::thread::scope(|s| {
            let nodes: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(move || {
                        let node = Store::open(url).expect("open");
                        (0..10)
                            .map(|_| node.advance_counter("crl.ab", 5).expect("advance"))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            nodes
                .into_iter()
                .flat_map(|n| n.join().unwrap_or_default())
                .collect()
        });
        let distinct: BTreeSet<u64> = values.iter().copied().collect();
        assert_eq!(values.len(), 40);
        assert_eq!(
            distinct.len(),
            40,
            "a value was handed out twice: {values:?}"
        );
        // 5 (the floor) for the first, then one more each time.
        assert_eq!(distinct.first(), Some(&5));
        assert_eq!(distinct.last(), Some(&44));
        assert_eq!(store.counter("crl.ab").expect("read"), Some(44));
    });
}

#[test]
fn ca_values_by_prefix_and_set_together() {
    each_backend(|url| {
        let store = Store::open(url).expect("open");
        store
            .set_ca_values(&[
                ("notice.aa".into(), "1:100".into()),
                ("notice.bb".into(), "2:200".into()),
                ("noticeX".into(), "other".into()),
            ])
            .expect("set");
        // `_` and `%` in a prefix are literal, not LIKE patterns.
        store
            .set_ca_values(&[("n_tice.cc".into(), "3".into())])
            .expect("set");
        let rows = store.ca_values("notice.").expect("read");
        assert_eq!(
            rows,
            [
                ("notice.aa".to_string(), "1:100".to_string()),
                ("notice.bb".to_string(), "2:200".to_string())
            ]
        );
        assert!(store.ca_values("n_tice.").expect("read").len() == 1);
        store
            .set_ca_values(&[("notice.aa".into(), "2:300".into())])
            .expect("replace");
        assert_eq!(
            store.ca_values("notice.aa").expect("read"),
            [("notice.aa".to_string(), "2:300".to_string())]
        );
    });
}

#[test]
fn advance_counter_corrupt_value_is_named() {
    each_backend(|url| {
        let store = Store::open(url).expect("open");
        store
            .set_ca_values(&[("counter.crl.ab".into(), "twelve".into())])
            .expect("set");
        let err = store.advance_counter("crl.ab", 0).unwrap_err().to_string();
        assert!(
            err.contains("counter.crl.ab") && err.contains("twelve"),
            "{err}"
        );
        // Nothing was written.
        assert_eq!(
            store.ca_values("counter.crl.ab").expect("read")[0].1,
            "twelve"
        );
    });
}

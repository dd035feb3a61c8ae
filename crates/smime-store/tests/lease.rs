//! Leases (`Store::try_lease` / `release_lease`) on SQLite and PostgreSQL: one holder at a
//! time, across handles and threads, released or expired.

use std::time::Duration;

use smime_store::testing::each_backend;
use smime_store::Store;

const HOUR: Duration = Duration::from_secs(3600);

#[test]
fn try_lease_second_holder_is_refused_until_release() {
    each_backend(|url| {
        let one = Store::open(url).expect("open");
        let two = Store::open(url).expect("open again");
        assert!(one.try_lease("renewal", "node-a", HOUR).expect("lease"));
        assert!(!two.try_lease("renewal", "node-b", HOUR).expect("lease"));
        // The holder may take it again (extending it); other leases are independent.
        assert!(one.try_lease("renewal", "node-a", HOUR).expect("lease"));
        assert!(two.try_lease("other", "node-b", HOUR).expect("lease"));
        // Only the holder releases it.
        two.release_lease("renewal", "node-b").expect("release");
        assert!(!two.try_lease("renewal", "node-b", HOUR).expect("lease"));
        one.release_lease("renewal", "node-a").expect("release");
        assert!(two.try_lease("renewal", "node-b", HOUR).expect("lease"));
    });
}

#[test]
fn try_lease_expired_lease_is_taken_over() {
    each_backend(|url| {
        let store = Store::open(url).expect("open");
        assert!(store
            .try_lease("renewal", "crashed", Duration::ZERO)
            .expect("lease"));
        assert!(store.try_lease("renewal", "next", HOUR).expect("lease"));
        assert!(!store.try_lease("renewal", "crashed", HOUR).expect("lease"));
    });
}

#[test]
fn try_lease_concurrent_takers_exactly_one_wins() {
    each_backend(|url| {
        let store = Store::open(url).expect("open");
        let winners = std::thread::scope(|s| {
            let takers: Vec<_> = (0..8)
                .map(|i| {
                    s.spawn(move || {
                        let store = Store::open(url).expect("open");
                        store
                            .try_lease("renewal", &format!("node-{i}"), HOUR)
                            .expect("lease")
                    })
                })
                .collect();
            takers
                .into_iter()
                .map(|t| t.join())
                .filter(|won| matches!(won, Ok(true)))
                .count()
        });
        assert_eq!(winners, 1);
        drop(store);
    });
}

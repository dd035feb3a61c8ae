//! Keeping a CA's published CRL current (RFC 5280 5): a new CRL on every revocation and on
//! schedule, each with a larger cRLNumber (5.2.3).
//!
//! CRL numbers: the publisher proposes `max(previous + 1, thisUpdate in unix seconds)` and
//! the revocation source has the last word ([`RevocationSource::next_crl_number`]). The
//! store's source records every number it hands out (`ca` table, one counter per CA key),
//! so numbers grow across restarts and across several `smime ca serve` nodes sharing a
//! store, and two nodes never sign different CRLs with the same number, even in the same
//! second or with a clock set back. A source in memory takes the proposal, which still
//! follows the clock; [`CrlPublisher::starting_after`] seeds the previous number.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::crl_issuer::CrlIssuer;
use crate::refresher::Task;
use crate::revocation_status::{RevocationSource, RevokedEntry};
use crate::serve::{ca_url_id, ServeState};
use crate::Result;

/// A CA's CRL issuer together with its revocation state and the last CRL made.
pub struct CrlPublisher {
    issuer: CrlIssuer,
    source: Arc<dyn RevocationSource>,
    last: Mutex<Published>,
}

/// The last CRL issued.
#[derive(Debug, Clone, Default)]
struct Published {
    number: u64,
    at: Option<SystemTime>,
    revoked: Vec<RevokedEntry>,
}

impl std::fmt::Debug for CrlPublisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CrlPublisher")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl CrlPublisher {
    /// Publishes the CRLs of `issuer`'s CA listing what `source` says is revoked.
    pub fn new(issuer: CrlIssuer, source: Arc<dyn RevocationSource>) -> CrlPublisher {
        CrlPublisher::starting_after(issuer, source, 0)
    }

    /// [`CrlPublisher::new`] for a CA whose last CRL had number `last_number`.
    pub fn starting_after(
        issuer: CrlIssuer,
        source: Arc<dyn RevocationSource>,
        last_number: u64,
    ) -> CrlPublisher {
        CrlPublisher {
            issuer,
            source,
            last: Mutex::new(Published {
                number: last_number,
                ..Published::default()
            }),
        }
    }

    /// The URL id of the CA (see [`ca_url_id`]).
    pub fn ca_url_id(&self) -> String {
        ca_url_id(self.issuer.ca())
    }

    /// Issues a new CRL now (after a revocation): returns its number and DER.
    pub fn publish(&self, now: SystemTime) -> Result<(u64, Vec<u8>)> {
        let revoked = self.source.revoked()?;
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        let number = self.source.next_crl_number(next_number(last.number, now))?;
        let der = self.issuer.issue(&revoked, number, now)?;
        *last = Published {
            number,
            at: Some(now),
            revoked,
        };
        Ok((number, der))
    }

    /// Issues a new CRL when the revocation state changed since the last one (a revocation
    /// made by another process), when half of the last one's validity has passed, or when
    /// none was issued yet; else `None`.
    pub fn refresh(&self, now: SystemTime) -> Result<Option<(u64, Vec<u8>)>> {
        let mut revoked = self.source.revoked()?;
        let due = {
            let last = self.last.lock().unwrap_or_else(|p| p.into_inner());
            let half = self.issuer.crl_validity() / 2;
            let mut before = last.revoked.clone();
            before.sort_by(|a, b| a.serial.cmp(&b.serial));
            revoked.sort_by(|a, b| a.serial.cmp(&b.serial));
            match last.at {
                None => true,
                Some(at) => before != revoked || now.duration_since(at).unwrap_or_default() >= half,
            }
        };
        if due {
            self.publish(now).map(Some)
        } else {
            Ok(None)
        }
    }
}

/// The number after `previous` for a CRL issued at `now` (see the module notes).
fn next_number(previous: u64, now: SystemTime) -> u64 {
    let seconds = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    previous.saturating_add(1).max(seconds)
}

impl CrlPublisher {
    /// The job that keeps `state`'s copy of this CA's CRL current: a [`refresh`] at each
    /// turn of the server's refresher ([`crate::refresher`]).
    ///
    /// [`refresh`]: CrlPublisher::refresh
    pub fn serve_task(self: &Arc<Self>, state: Arc<ServeState>) -> Task {
        let publisher = Arc::clone(self);
        Box::new(move |now| {
            Ok(publisher.refresh(now)?.map(|(number, der)| {
                state.set_crl(&publisher.ca_url_id(), der);
                format!("CRL number {number} published")
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn next_number_grows_and_follows_the_clock() {
        let t = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        assert_eq!(next_number(0, t), 1_800_000_000);
        assert_eq!(next_number(1_800_000_000, t), 1_800_000_001);
        assert_eq!(next_number(1_900_000_000, t), 1_900_000_001);
        assert_eq!(next_number(u64::MAX, t), u64::MAX);
    }
}

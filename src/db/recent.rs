//! What the database said a moment ago: per-process caches of reads that nearly every request
//! makes (who a bearer token belongs to, which policy versions an organisation has), so that a
//! quote needs no database at all and a read needs one query, not two.
//!
//! An entry is trusted for [`TRUSTED_FOR`], counted from the moment before its read began. A
//! write that could make an entry wrong (revoking a user, publishing a policy version) returns
//! only once [`SETTLE`] has passed since it committed ([`Settling`]): by then every entry read
//! before the commit, in any process on any machine, has expired, and entries read after it see
//! it. So once `users revoke` has returned, the token is refused by every server process, as if
//! each had asked the database. A read that began before the commit saw the old state, so it
//! began before the commit returned; its entry expires [`TRUSTED_FOR`] later, which is before
//! the write returns.
//!
//! While such a write waits, requests may still be answered from the old state, as they would
//! have been a moment before it. An action does not rely on the token's entry: it checks its user
//! inside its own transaction ([`crate::services::act`]). A claim, a travel request or a duty
//! station does take its policy version from here, which is the version a request a moment
//! earlier would have used: a new version must take effect after every existing one, so it never
//! changes a claim already stored. Only reads made outside a transaction are kept
//! ([`super::in_transaction`]): inside one, a read may see what the transaction has not committed.
//!
//! Two things this relies on, for operators: a change made by hand (SQL on `users` or
//! `policy_versions`) does not wait, so running processes may answer from what they read before
//! it for up to 100 ms; and the clock is the monotonic one, which stands still while a machine is
//! suspended, so a server process on a machine resumed from suspension may answer from entries
//! read before it, for up to 100 ms.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How long an entry is trusted after its read began.
pub const TRUSTED_FOR: Duration = Duration::from_millis(100);

/// How long a write that could make an entry wrong waits after its commit before it returns:
/// [`TRUSTED_FOR`], and half as much again for clocks of other machines that tick a little
/// faster or slower than this one's.
pub const SETTLE: Duration = Duration::from_millis(150);

/// What a write that could make an entry wrong hands back with its result: the write has not
/// finished until this is consumed, and the only ways to consume it ([`Settling::settle`], or
/// dropping it) wait [`SETTLE`]. Call `settle` once the write's transaction has committed; an
/// idempotent replay of such a write waits the same way ([`Settling::replayed`]), since the
/// request it repeats may still be settling in another process.
#[must_use = "a write that could make a kept entry wrong returns only once it has settled"]
#[derive(Debug)]
pub struct Settling {
    settled: bool,
}

impl Settling {
    /// Made only by the writes of this module's parent that need it (revoking a user, storing a
    /// policy version), so none of them can be called without receiving it.
    pub(super) fn new() -> Settling {
        Settling { settled: false }
    }

    /// A replay of a stored answer: the write that made it may have committed a moment ago, in
    /// a process that is still settling.
    pub fn replayed() -> Settling {
        Settling::new()
    }

    /// Waits [`SETTLE`]: by then every entry read before the write committed has expired in
    /// every process.
    pub fn settle(mut self) {
        self.settled = true;
        std::thread::sleep(SETTLE);
    }
}

impl Drop for Settling {
    /// A guard dropped without [`Settling::settle`] (an early return, an error) still waits.
    fn drop(&mut self) {
        if !self.settled {
            std::thread::sleep(SETTLE);
        }
    }
}

/// How many entries a cache holds before it drops the expired ones (and, if all are fresh, all).
const CAPACITY: usize = 4096;

/// Values by key, each trusted for [`TRUSTED_FOR`] after its read began.
pub struct Recent<K, V> {
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K, V> Default for Recent<K, V> {
    fn default() -> Self {
        Recent {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash, V: Clone> Recent<K, V> {
    /// The value kept for `key`, if its read began less than [`TRUSTED_FOR`] ago.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.get_at(key, Instant::now())
    }

    fn get_at<Q>(&self, key: &Q, now: Instant) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let entries = self.lock();
        let (began, value) = entries.get(key)?;
        fresh(*began, now).then(|| value.clone())
    }

    /// Keeps `value` for `key`, as read by a query that began at `began` (taken before the query
    /// was sent, never after).
    pub fn keep(&self, key: K, began: Instant, value: V) {
        let mut entries = self.lock();
        if entries.len() >= CAPACITY {
            let now = Instant::now();
            entries.retain(|_, (kept, _)| fresh(*kept, now));
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(key, (began, value));
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, (Instant, V)>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn fresh(began: Instant, now: Instant) -> bool {
    now.saturating_duration_since(began) < TRUSTED_FOR
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_trusted_until_its_time_is_up_and_not_after() {
        let recent = Recent::<String, i64>::default();
        let began = Instant::now();
        recent.keep("token".into(), began, 7);
        assert_eq!(recent.get_at("token", began), Some(7));
        assert_eq!(
            recent.get_at("token", began + TRUSTED_FOR - Duration::from_nanos(1)),
            Some(7)
        );
        assert_eq!(recent.get_at("token", began + TRUSTED_FOR), None);
        assert_eq!(recent.get_at("other", began), None);
    }

    /// A write that could make an entry wrong waits longer than any entry read before it lives.
    #[test]
    fn a_write_settles_after_every_entry_read_before_it_has_expired() {
        let (settle, trusted) = (SETTLE.as_micros(), TRUSTED_FOR.as_micros());
        assert!(settle >= trusted + trusted / 2, "{settle} µs, {trusted} µs");
    }

    #[test]
    fn a_full_cache_drops_what_has_expired_first() {
        let recent = Recent::<i64, i64>::default();
        let old = Instant::now()
            .checked_sub(TRUSTED_FOR * 2)
            .unwrap_or_else(Instant::now);
        for key in 0..i64::try_from(CAPACITY - 1).unwrap_or(0) {
            recent.keep(key, old, key);
        }
        let now = Instant::now();
        recent.keep(-1, now, -1);
        recent.keep(-2, now, -2);
        assert_eq!(recent.lock().len(), 2, "the expired entries are gone");
        assert_eq!(recent.get(&-1), Some(-1));
    }
}

//! [`MemoryStore`]: the record of handled events in this process's memory.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::{Claim, Store, StoreFuture};

/// A key as stored: the first 16 bytes of its SHA-256, so every entry has the same small
/// size whatever the id's length.
type Fingerprint = [u8; 16];

/// The owner of an entry that is done rather than in flight.
const DONE: u64 = 0;

/// A [`Store`] in this process's memory, for a single receiver.
///
/// It holds at most `capacity` entries (default [`DEFAULT_CAPACITY`](Self::DEFAULT_CAPACITY)).
/// Expired entries are dropped as new ones arrive; when every entry is still live, the one
/// claimed first is evicted to make room, so memory stays bounded under any load (an
/// evicted id is no longer recognised as a duplicate). An id takes about 110 bytes,
/// whatever its length (measured at 1 million ids: hash table plus eviction queue), so the
/// default capacity stays near 11 MiB. Receivers in several
/// processes need a shared store such as `RedisStore` (feature `redis`) instead.
///
/// ```
/// use tower_webhook::{dedupe::MemoryStore, WebhookVerify};
/// let layer = WebhookVerify::new("secret").dedupe(MemoryStore::with_capacity(10_000));
/// ```
pub struct MemoryStore {
    entries: Mutex<Entries>,
    capacity: usize,
    started: Instant,
}

#[derive(Default)]
struct Entries {
    map: HashMap<Fingerprint, Entry>,
    /// Keys in the order they were claimed, with the `seq` of that claim; an item whose
    /// `seq` no longer matches the map's entry is stale and skipped.
    order: VecDeque<(Fingerprint, u64)>,
    next_seq: u64,
}

#[derive(Clone, Copy)]
struct Entry {
    /// Milliseconds since the store was created.
    expires: u64,
    seq: u64,
    /// A fingerprint of the owner while in flight; [`DONE`] once handled.
    owner: u64,
}

impl MemoryStore {
    /// The capacity of [`new`](Self::new): 100,000 ids.
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// A store of at most [`DEFAULT_CAPACITY`](Self::DEFAULT_CAPACITY) ids.
    ///
    /// ```
    /// let store = tower_webhook::dedupe::MemoryStore::new();
    /// ```
    pub fn new() -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY)
    }

    /// A store of at most `capacity` ids (at least 1).
    ///
    /// ```
    /// let store = tower_webhook::dedupe::MemoryStore::with_capacity(1_000_000);
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(Entries::default()),
            capacity: capacity.max(1),
            started: Instant::now(),
        }
    }

    /// How many ids it holds now, live or not yet swept.
    ///
    /// ```
    /// assert_eq!(tower_webhook::dedupe::MemoryStore::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether it holds no id.
    ///
    /// ```
    /// assert!(tower_webhook::dedupe::MemoryStore::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        // The map is consistent between statements, so a poisoned lock is still usable.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn now(&self) -> u64 {
        millis(self.started.elapsed())
    }

    fn claim_now(&self, key: &str, owner: &str, ttl: Duration) -> Claim {
        let now = self.now();
        let fingerprint = fingerprint(key);
        let mut entries = self.lock();
        entries.sweep(now);
        if let Some(entry) = entries.map.get(&fingerprint) {
            if entry.expires > now {
                return if entry.owner == DONE {
                    Claim::Done
                } else {
                    Claim::InFlight
                };
            }
            entries.map.remove(&fingerprint);
        }
        entries.insert(
            fingerprint,
            owner_fingerprint(owner),
            now + millis(ttl),
            self.capacity,
        );
        Claim::New
    }

    fn complete_now(&self, key: &str, ttl: Duration) {
        let expires = self.now() + millis(ttl);
        let fingerprint = fingerprint(key);
        let mut entries = self.lock();
        match entries.map.get_mut(&fingerprint) {
            Some(entry) => {
                entry.owner = DONE;
                entry.expires = expires;
            }
            None => entries.insert(fingerprint, DONE, expires, self.capacity),
        }
    }

    fn release_now(&self, key: &str, owner: &str) {
        let fingerprint = fingerprint(key);
        let mut entries = self.lock();
        if entries
            .map
            .get(&fingerprint)
            .is_some_and(|entry| entry.owner == owner_fingerprint(owner))
        {
            entries.map.remove(&fingerprint);
        }
    }
}

impl Entries {
    /// Drops the expired entries at the front of the claim order, and stale queue items.
    fn sweep(&mut self, now: u64) {
        while let Some(&(fingerprint, seq)) = self.order.front() {
            match self.map.get(&fingerprint) {
                Some(entry) if entry.seq == seq => {
                    if entry.expires > now {
                        break;
                    }
                    self.map.remove(&fingerprint);
                }
                _ => {}
            }
            self.order.pop_front();
        }
    }

    fn insert(&mut self, fingerprint: Fingerprint, owner: u64, expires: u64, capacity: usize) {
        while self.map.len() >= capacity && self.evict_oldest() {}
        if self.order.len() >= capacity.saturating_mul(2) {
            self.drop_stale_items();
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.map.insert(
            fingerprint,
            Entry {
                expires,
                seq,
                owner,
            },
        );
        self.order.push_back((fingerprint, seq));
    }

    /// Removes the entry claimed first that is still in the map; false if there is none.
    fn evict_oldest(&mut self) -> bool {
        while let Some((fingerprint, seq)) = self.order.pop_front() {
            if self
                .map
                .get(&fingerprint)
                .is_some_and(|entry| entry.seq == seq)
            {
                self.map.remove(&fingerprint);
                tracing::debug!("memory store full; oldest webhook event id evicted");
                return true;
            }
        }
        false
    }

    /// Keeps only the queue items of entries still in the map, so released and re-claimed
    /// ids cannot grow the queue without bound.
    fn drop_stale_items(&mut self) {
        let map = &self.map;
        self.order.retain(|(fingerprint, seq)| {
            map.get(fingerprint).is_some_and(|entry| entry.seq == *seq)
        });
    }
}

fn fingerprint(key: &str) -> Fingerprint {
    let digest = Sha256::digest(key.as_bytes());
    let mut fingerprint = [0u8; 16];
    fingerprint.copy_from_slice(&digest[..16]);
    fingerprint
}

/// A fingerprint of an owner token, never equal to [`DONE`].
fn owner_fingerprint(owner: &str) -> u64 {
    let digest = Sha256::digest(owner.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(bytes) | 1
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX / 2)
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .finish()
    }
}

impl Store for MemoryStore {
    fn claim<'a>(&'a self, key: &'a str, owner: &'a str, ttl: Duration) -> StoreFuture<'a, Claim> {
        let claim = self.claim_now(key, owner, ttl);
        Box::pin(async move { Ok(claim) })
    }

    fn complete<'a>(&'a self, key: &'a str, ttl: Duration) -> StoreFuture<'a, ()> {
        self.complete_now(key, ttl);
        Box::pin(async { Ok(()) })
    }

    fn release<'a>(&'a self, key: &'a str, owner: &'a str) -> StoreFuture<'a, ()> {
        self.release_now(key, owner);
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(60);

    #[test]
    fn never_holds_more_than_its_capacity_and_evicts_the_oldest_claim() {
        let store = MemoryStore::with_capacity(3);
        for id in ["a", "b", "c", "d"] {
            assert_eq!(store.claim_now(id, "owner", TTL), Claim::New);
        }
        assert_eq!(store.len(), 3);
        assert_eq!(
            store.claim_now("a", "other", TTL),
            Claim::New,
            "a was evicted"
        );
        assert_eq!(store.claim_now("d", "other", TTL), Claim::InFlight);
    }

    #[test]
    fn released_and_reclaimed_ids_do_not_grow_the_queue() {
        let store = MemoryStore::with_capacity(10);
        for _ in 0..1000 {
            assert_eq!(store.claim_now("same", "owner", TTL), Claim::New);
            store.release_now("same", "owner");
        }
        let entries = store.lock();
        assert!(
            entries.order.len() <= 20,
            "queue holds {}",
            entries.order.len()
        );
    }

    #[test]
    fn release_by_another_owner_leaves_the_claim() {
        let store = MemoryStore::new();
        assert_eq!(store.claim_now("id", "first", TTL), Claim::New);
        store.release_now("id", "second");
        assert_eq!(store.claim_now("id", "third", TTL), Claim::InFlight);
        store.release_now("id", "first");
        assert_eq!(store.claim_now("id", "third", TTL), Claim::New);
    }

    #[test]
    fn release_leaves_a_done_entry() {
        let store = MemoryStore::new();
        assert_eq!(store.claim_now("id", "first", TTL), Claim::New);
        store.complete_now("id", TTL);
        store.release_now("id", "first");
        assert_eq!(store.claim_now("id", "second", TTL), Claim::Done);
    }
}

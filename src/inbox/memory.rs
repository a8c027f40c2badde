//! [`MemoryInbox`]: an inbox in this process's memory, for tests and development.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::{Claimed, DeadLetter, Delivery, Receipt, Store, StoreError, StoreFuture};

/// A [`Store`] in this process's memory: **not durable**. What it holds is lost when the
/// process ends, so a sender may have been told 200 for a delivery that is never handled.
/// For tests and development; in production use `RedisInbox` or `PostgresInbox`.
///
/// It holds at most `capacity` deliveries (pending, in flight and dead); an append beyond
/// that fails, and the sender gets 503 and retries later. Claims scan the deliveries in
/// arrival order, so it suits thousands of deliveries, not millions.
///
/// ```
/// use std::sync::Arc;
/// use tower_webhook::{inbox::MemoryInbox, WebhookVerify};
///
/// let inbox = Arc::new(MemoryInbox::new(10_000));
/// let layer = WebhookVerify::new("secret").inbox(Arc::clone(&inbox));
/// ```
pub struct MemoryInbox {
    entries: Mutex<Entries>,
    arrived: Notify,
    capacity: usize,
}

#[derive(Default)]
struct Entries {
    by_id: BTreeMap<u64, Entry>,
    next_id: u64,
}

struct Entry {
    metadata: String,
    body: Bytes,
    /// Claims so far.
    attempts: u32,
    state: State,
}

enum State {
    /// Claimable once the instant has passed.
    Due(Instant),
    /// Claimed; claimable again once the visibility timeout has passed.
    InFlight(Instant),
    /// Every attempt failed.
    Dead(String),
}

impl MemoryInbox {
    /// An inbox of at most `capacity` deliveries (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(Entries::default()),
            arrived: Notify::new(),
            capacity: capacity.max(1),
        }
    }

    /// How many deliveries it holds: pending, in flight and dead.
    pub fn len(&self) -> usize {
        self.lock().by_id.len()
    }

    /// Whether it holds no delivery.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        // A panic while the lock was held left every entry whole: keep going.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Claims the first claimable delivery, or says when one next becomes claimable.
    fn try_claim(&self, visibility: Duration) -> Result<Claimed, Option<Instant>> {
        let now = Instant::now();
        let mut entries = self.lock();
        let mut next = None::<Instant>;
        for (id, entry) in &mut entries.by_id {
            let at = match entry.state {
                State::Due(at) | State::InFlight(at) => at,
                State::Dead(_) => continue,
            };
            if at > now {
                next = Some(next.map_or(at, |next| next.min(at)));
                continue;
            }
            entry.attempts += 1;
            entry.state = State::InFlight(now + visibility);
            let delivery =
                Delivery::from_stored(&entry.metadata, entry.body.clone(), entry.attempts)
                    .expect("the inbox reads back what it wrote");
            return Ok(Claimed {
                delivery,
                receipt: Receipt::new(id.to_string(), entry.attempts),
            });
        }
        Err(next)
    }

    /// Applies `settle` to the delivery of `receipt` if this claim still holds it (it was
    /// not claimed again after its visibility timeout).
    fn settle(&self, receipt: &Receipt, settle: impl FnOnce(&mut Entries, u64)) {
        let Ok(id) = receipt.id().parse::<u64>() else {
            return;
        };
        let mut entries = self.lock();
        let held = entries.by_id.get(&id).is_some_and(|entry| {
            entry.attempts == receipt.attempt() && matches!(entry.state, State::InFlight(_))
        });
        if held {
            settle(&mut entries, id);
        }
    }
}

impl Store for MemoryInbox {
    fn append<'a>(&'a self, delivery: &'a Delivery) -> StoreFuture<'a, ()> {
        let mut entries = self.lock();
        let result = if entries.by_id.len() >= self.capacity {
            Err(StoreError::new(format!(
                "the memory inbox is full ({} deliveries)",
                self.capacity
            )))
        } else {
            let id = entries.next_id;
            entries.next_id += 1;
            let entry = Entry {
                metadata: delivery.metadata_json(),
                body: delivery.body().clone(),
                attempts: 0,
                state: State::Due(Instant::now()),
            };
            entries.by_id.insert(id, entry);
            Ok(())
        };
        drop(entries);
        self.arrived.notify_waiters();
        Box::pin(std::future::ready(result))
    }

    fn claim<'a>(
        &'a self,
        _consumer: &'a str,
        visibility: Duration,
        wait: Duration,
    ) -> StoreFuture<'a, Option<Claimed>> {
        Box::pin(async move {
            let deadline = Instant::now() + wait;
            loop {
                let arrived = self.arrived.notified();
                let next = match self.try_claim(visibility) {
                    Ok(claimed) => return Ok(Some(claimed)),
                    Err(next) => next.map_or(deadline, |next| next.min(deadline)),
                };
                if Instant::now() >= deadline {
                    return Ok(None);
                }
                let _ = tokio::time::timeout_at(next, arrived).await;
            }
        })
    }

    fn complete(&self, receipt: Receipt) -> StoreFuture<'_, ()> {
        self.settle(&receipt, |entries, id| {
            entries.by_id.remove(&id);
        });
        Box::pin(std::future::ready(Ok(())))
    }

    fn retry<'a>(
        &'a self,
        receipt: Receipt,
        delay: Duration,
        _error: &'a str,
    ) -> StoreFuture<'a, ()> {
        self.settle(&receipt, |entries, id| {
            let entry = entries.by_id.get_mut(&id).expect("a held entry");
            entry.state = State::Due(Instant::now() + delay);
        });
        Box::pin(std::future::ready(Ok(())))
    }

    fn bury<'a>(&'a self, receipt: Receipt, error: &'a str) -> StoreFuture<'a, ()> {
        self.settle(&receipt, |entries, id| {
            let entry = entries.by_id.get_mut(&id).expect("a held entry");
            entry.state = State::Dead(error.to_owned());
        });
        Box::pin(std::future::ready(Ok(())))
    }

    fn dead_letters(&self, limit: usize) -> StoreFuture<'_, Vec<DeadLetter>> {
        let entries = self.lock();
        let dead = entries
            .by_id
            .iter()
            .filter_map(|(id, entry)| match &entry.state {
                State::Dead(error) => Some(DeadLetter {
                    id: id.to_string(),
                    delivery: Delivery::from_stored(
                        &entry.metadata,
                        entry.body.clone(),
                        entry.attempts,
                    )
                    .expect("the inbox reads back what it wrote"),
                    attempts: entry.attempts,
                    error: error.clone(),
                }),
                _ => None,
            })
            .take(limit)
            .collect();
        Box::pin(std::future::ready(Ok(dead)))
    }

    fn requeue<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool> {
        let mut entries = self.lock();
        let entry = id
            .parse::<u64>()
            .ok()
            .and_then(|id| entries.by_id.get_mut(&id))
            .filter(|entry| matches!(entry.state, State::Dead(_)));
        let found = match entry {
            Some(entry) => {
                entry.attempts = 0;
                entry.state = State::Due(Instant::now());
                true
            }
            None => false,
        };
        drop(entries);
        if found {
            self.arrived.notify_waiters();
        }
        Box::pin(std::future::ready(Ok(found)))
    }
}

impl fmt::Debug for MemoryInbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryInbox")
            .field("len", &self.len())
            .field("capacity", &self.capacity)
            .finish()
    }
}

//! Keys that a provider publishes and a receiver fetches: AWS SNS's and PayPal's signing
//! certificates (named by a URL in the request), Plaid's JSON Web Keys (named by a key id).
//!
//! A scheme for such a provider names the key a request was signed with in
//! [`Claims::key_id`](crate::scheme::Claims::key_id), after checking that the name is one
//! the provider could have sent (a certificate URL on the provider's own host, say). The
//! layer then asks the [`KeySource`] configured with
//! [`WebhookVerify::key_source`](crate::WebhookVerify::key_source) for that key, after the
//! body is read and before the signature is checked, and verifies with it alone.
//! [`CachedKeys`] keeps fetched keys, so a key is fetched once, not once per request.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::key::Key;

/// The future a [`KeySource`] returns.
pub type KeyFuture<'a> = Pin<Box<dyn Future<Output = Result<Key, KeyError>> + Send + 'a>>;

/// Where the keys named by requests come from.
///
/// ```
/// use tower_webhook::key_source::{KeyError, KeyFuture, KeySource};
/// use tower_webhook::scheme::Key;
///
/// /// Keys known in advance, by id.
/// #[derive(Debug)]
/// struct Known(Vec<(String, Key)>);
///
/// impl KeySource for Known {
///     fn key<'a>(&'a self, id: &'a str) -> KeyFuture<'a> {
///         let found = self.0.iter().find(|(known, _)| known == id).map(|(_, key)| key.clone());
///         Box::pin(async move { found.ok_or(KeyError::Unknown) })
///     }
/// }
/// ```
pub trait KeySource: fmt::Debug + Send + Sync + 'static {
    /// The key named `id` (already checked by the scheme).
    fn key<'a>(&'a self, id: &'a str) -> KeyFuture<'a>;
}

/// Why a [`KeySource`] has no key for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// No such key: the request is refused (400).
    Unknown,
    /// The key could not be fetched now: the sender should retry (503).
    Unavailable,
}

/// A [`KeySource`] that keeps each key it fetched for a while, and at most so many keys.
///
/// ```
/// use std::time::Duration;
/// use tower_webhook::key_source::CachedKeys;
/// # use tower_webhook::key_source::{KeyError, KeyFuture, KeySource};
/// # #[derive(Debug)] struct Fetch;
/// # impl KeySource for Fetch {
/// #     fn key<'a>(&'a self, _: &'a str) -> KeyFuture<'a> { Box::pin(async { Err(KeyError::Unknown) }) }
/// # }
/// let keys = CachedKeys::new(Fetch).ttl(Duration::from_secs(3600)).capacity(64);
/// ```
#[derive(Debug)]
pub struct CachedKeys<S> {
    source: S,
    ttl: Duration,
    capacity: usize,
    cached: Mutex<HashMap<String, (Key, Instant)>>,
}

impl<S: KeySource> CachedKeys<S> {
    /// Keeps the keys `source` fetches for an hour, at most 64 of them.
    pub fn new(source: S) -> Self {
        Self {
            source,
            ttl: Duration::from_secs(3600),
            capacity: 64,
            cached: Mutex::default(),
        }
    }

    /// How long a fetched key is kept (default an hour).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// How many keys are kept at most (default 64); when full, expired keys are dropped,
    /// then all of them.
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    fn cached(&self, id: &str) -> Option<Key> {
        let cached = self
            .cached
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (key, fetched) = cached.get(id)?;
        (fetched.elapsed() < self.ttl).then(|| key.clone())
    }

    fn keep(&self, id: &str, key: &Key) {
        let mut cached = self
            .cached
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if cached.len() >= self.capacity {
            cached.retain(|_, (_, fetched)| fetched.elapsed() < self.ttl);
            if cached.len() >= self.capacity {
                cached.clear();
            }
        }
        cached.insert(id.to_owned(), (key.clone(), Instant::now()));
    }
}

impl<S: KeySource> KeySource for CachedKeys<S> {
    fn key<'a>(&'a self, id: &'a str) -> KeyFuture<'a> {
        Box::pin(async move {
            if let Some(key) = self.cached(id) {
                return Ok(key);
            }
            let key = self.source.key(id).await?;
            self.keep(id, &key);
            Ok(key)
        })
    }
}

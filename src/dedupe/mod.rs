//! Exactly-once handling: a record of handled events, so that a delivery the sender
//! repeats does not run the handler twice.
//!
//! Turn it on with [`WebhookVerify::dedupe`](crate::WebhookVerify::dedupe) and a [`Store`]:
//! [`MemoryStore`] for one receiver, `RedisStore` (feature `redis`) for several receivers
//! behind a load balancer. After the signature is verified, the event id (the id the scheme
//! signs, such as `webhook-id`, else where the scheme's sender puts it: see
//! [`Scheme::event_id`]) is claimed in the store under a
//! prefix, and:
//!
//! | the store says | what happens | the sender sees |
//! | --- | --- | --- |
//! | new | the handler runs; a 2xx marks the id done, anything else (or a panic) releases it | the handler's response |
//! | done | the handler does not run | 200 with `webhook-duplicate: true` |
//! | in flight | the handler does not run | 409: retry later |
//! | unreachable | the handler does not run (or does, with [`dedupe_fail_open`](crate::WebhookVerify::dedupe_fail_open)) | 503: retry later |
//! | no id in the event | the handler does not run | 400 |
//!
//! A claim that is never settled (the process died, or the request was dropped) expires
//! by itself after [`dedupe_in_flight_ttl`](crate::WebhookVerify::dedupe_in_flight_ttl).
//! A handler that runs longer than that can run a second time for a retry.

use std::borrow::Cow;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::response::Response;
use futures_util::FutureExt as _;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

use crate::extract::Verified;
use crate::layer::Config;
use crate::rejection::{Rejection, RejectionKind};
use crate::scheme::Scheme;

mod memory;
#[cfg(feature = "redis")]
mod redis;

pub use self::memory::MemoryStore;
#[cfg(feature = "redis")]
pub use self::redis::RedisStore;

/// The prefix put before every event id in the store, unless changed with
/// [`dedupe_prefix`](crate::WebhookVerify::dedupe_prefix).
pub const DEFAULT_PREFIX: &str = "tower-webhook:";

/// How long a claim on an event being handled lasts when nothing settles it (default of
/// [`dedupe_in_flight_ttl`](crate::WebhookVerify::dedupe_in_flight_ttl)).
pub const DEFAULT_IN_FLIGHT_TTL: Duration = Duration::from_secs(30);

/// How much longer than the timestamp tolerance a handled event is remembered, unless
/// changed with [`dedupe_ttl`](crate::WebhookVerify::dedupe_ttl).
pub const DEFAULT_DONE_MARGIN: Duration = Duration::from_secs(5 * 60);

/// The response header that marks the answer to a duplicate of a handled event.
pub const DUPLICATE_HEADER: HeaderName = HeaderName::from_static("webhook-duplicate");

/// What [`Store::claim`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Nobody held the key: it is now in flight, owned by the caller.
    New,
    /// Another request holds the key and has not finished.
    InFlight,
    /// The event was handled successfully.
    Done,
}

/// The future a [`Store`] returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Where the record of handled events lives.
///
/// Each operation must be atomic on its own: two concurrent `claim`s of one key, from any
/// number of receivers sharing the store, must give [`Claim::New`] to exactly one. Entries
/// expire by themselves after the time given.
///
/// ```
/// use std::time::Duration;
/// use tower_webhook::dedupe::{Claim, MemoryStore, Store};
///
/// # tokio_test_block_on(async {
/// let store = MemoryStore::new();
/// let ttl = Duration::from_secs(30);
/// assert_eq!(store.claim("evt_1", "owner-a", ttl).await.unwrap(), Claim::New);
/// assert_eq!(store.claim("evt_1", "owner-b", ttl).await.unwrap(), Claim::InFlight);
/// store.complete("evt_1", Duration::from_secs(600)).await.unwrap();
/// assert_eq!(store.claim("evt_1", "owner-b", ttl).await.unwrap(), Claim::Done);
/// # });
/// # fn tokio_test_block_on(future: impl std::future::Future) {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(future);
/// # }
/// ```
pub trait Store: fmt::Debug + Send + Sync + 'static {
    /// Marks `key` in flight for `owner` until `ttl` passes, unless it is already in
    /// flight or done, and says which. An expired entry counts as absent.
    fn claim<'a>(&'a self, key: &'a str, owner: &'a str, ttl: Duration) -> StoreFuture<'a, Claim>;

    /// Marks `key` done for `ttl`, whoever held it.
    fn complete<'a>(&'a self, key: &'a str, ttl: Duration) -> StoreFuture<'a, ()>;

    /// Removes `key` if it is still in flight for `owner`; leaves it alone otherwise (done,
    /// or claimed again by someone else after the claim expired).
    fn release<'a>(&'a self, key: &'a str, owner: &'a str) -> StoreFuture<'a, ()>;
}

/// A shared store, so that several layers (or your own code) can use one.
///
/// ```
/// use std::sync::Arc;
/// use tower_webhook::{dedupe::MemoryStore, WebhookVerify};
///
/// let store = Arc::new(MemoryStore::new());
/// let orders = WebhookVerify::new("secret a").dedupe(Arc::clone(&store)).dedupe_prefix("orders:");
/// let refunds = WebhookVerify::new("secret b").dedupe(Arc::clone(&store)).dedupe_prefix("refunds:");
/// assert!(store.is_empty());
/// ```
impl<T: Store + ?Sized> Store for Arc<T> {
    fn claim<'a>(&'a self, key: &'a str, owner: &'a str, ttl: Duration) -> StoreFuture<'a, Claim> {
        (**self).claim(key, owner, ttl)
    }

    fn complete<'a>(&'a self, key: &'a str, ttl: Duration) -> StoreFuture<'a, ()> {
        (**self).complete(key, ttl)
    }

    fn release<'a>(&'a self, key: &'a str, owner: &'a str) -> StoreFuture<'a, ()> {
        (**self).release(key, owner)
    }
}

/// A store that did not answer or answered with an error.
pub struct StoreError {
    source: Box<dyn Error + Send + Sync>,
}

impl StoreError {
    /// Wraps the store's own error.
    pub fn new(source: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        Self {
            source: source.into(),
        }
    }
}

impl fmt::Debug for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("StoreError").field(&self.source).finish()
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "event store error: {}", self.source)
    }
}

impl Error for StoreError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&*self.source)
    }
}

/// The dedupe part of the layer's configuration.
#[derive(Clone, Debug)]
pub(crate) struct Dedupe {
    pub(crate) store: Option<Arc<dyn Store>>,
    pub(crate) prefix: String,
    pub(crate) in_flight_ttl: Duration,
    pub(crate) done_ttl: Option<Duration>,
    pub(crate) fail_open: bool,
}

impl Default for Dedupe {
    fn default() -> Self {
        Self {
            store: None,
            prefix: DEFAULT_PREFIX.to_owned(),
            in_flight_ttl: DEFAULT_IN_FLIGHT_TTL,
            done_ttl: None,
            fail_open: false,
        }
    }
}

/// The store key of a verified event, or `None` when dedupe is off.
pub(crate) fn key<S: Scheme>(
    config: &Config<S>,
    headers: &HeaderMap,
    verified: &Verified,
) -> Result<Option<String>, Rejection> {
    if config.dedupe.store.is_none() {
        return Ok(None);
    }
    let id = match verified.id() {
        Some(id) => Cow::Borrowed(id),
        None => Cow::Owned(
            config
                .scheme
                .event_id(headers, verified.body())
                .ok_or_else(|| Rejection::new(RejectionKind::MissingEventId))?,
        ),
    };
    Ok(Some(format!("{}{id}", config.dedupe.prefix)))
}

/// Runs `handler` at most once per `key` across every receiver sharing the store.
pub(crate) async fn run_once<S, E, F>(
    config: &Config<S>,
    key: String,
    handler: F,
) -> Result<Response, E>
where
    F: Future<Output = Result<Response, E>>,
{
    let dedupe = &config.dedupe;
    let store = dedupe
        .store
        .clone()
        .expect("a dedupe key is only made when a store is configured");
    let owner = owner_token();
    match store.claim(&key, &owner, dedupe.in_flight_ttl).await {
        Ok(Claim::New) => {}
        Ok(Claim::Done) => {
            tracing::debug!("duplicate of a handled webhook event; handler not run");
            return Ok(duplicate_response());
        }
        Ok(Claim::InFlight) => return Ok(config.reject(Rejection::new(RejectionKind::InFlight))),
        Err(error) if dedupe.fail_open => {
            tracing::warn!(%error, "event store unavailable; handling the webhook without dedupe");
            return handler.await;
        }
        Err(error) => {
            tracing::warn!(%error, "event store unavailable; webhook refused");
            return Ok(config.reject(Rejection::new(RejectionKind::StoreUnavailable)));
        }
    }

    let claim = HeldClaim {
        store,
        key,
        owner,
        settled: false,
    };
    match AssertUnwindSafe(handler).catch_unwind().await {
        Ok(Ok(response)) if response.status().is_success() => {
            let done_ttl = dedupe
                .done_ttl
                .unwrap_or(config.tolerance + DEFAULT_DONE_MARGIN);
            claim.complete(done_ttl).await;
            Ok(response)
        }
        Ok(outcome) => {
            claim.release().await;
            outcome
        }
        Err(panic) => {
            claim.release().await;
            std::panic::resume_unwind(panic)
        }
    }
}

/// 200, with [`DUPLICATE_HEADER`] and no body.
fn duplicate_response() -> Response {
    let mut response = Response::new(axum::body::Body::empty());
    *response.status_mut() = StatusCode::OK;
    response
        .headers_mut()
        .insert(DUPLICATE_HEADER, HeaderValue::from_static("true"));
    response
}

/// A token naming this request as the owner of its claim: random per process, then a
/// counter, so no two requests of any receivers sharing a store get the same one.
fn owner_token() -> String {
    static PROCESS: OnceLock<String> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let process = PROCESS.get_or_init(|| {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).expect("the operating system's random source works");
        hex::encode(bytes)
    });
    format!("{process}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A claim this request holds; released in the background if the request is dropped
/// before settling it.
struct HeldClaim {
    store: Arc<dyn Store>,
    key: String,
    owner: String,
    settled: bool,
}

impl HeldClaim {
    async fn complete(mut self, ttl: Duration) {
        self.settled = true;
        if let Err(error) = self.store.complete(&self.key, ttl).await {
            tracing::warn!(%error, "could not mark a handled webhook event done");
        }
    }

    async fn release(mut self) {
        self.settled = true;
        if let Err(error) = self.store.release(&self.key, &self.owner).await {
            tracing::warn!(%error, "could not release a webhook event claim; it will expire");
        }
    }
}

impl Drop for HeldClaim {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return; // the claim expires by itself
        };
        let store = Arc::clone(&self.store);
        let key = std::mem::take(&mut self.key);
        let owner = std::mem::take(&mut self.owner);
        runtime.spawn(async move {
            if let Err(error) = store.release(&key, &owner).await {
                tracing::warn!(%error, "could not release a webhook event claim; it will expire");
            }
        });
    }
}

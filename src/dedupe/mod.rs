//! Exactly-once handling: a record of handled events, so that a delivery the sender
//! repeats does not run the handler twice.
//!
//! Turn it on with [`WebhookVerify::dedupe`](crate::WebhookVerify::dedupe) and a [`Store`]:
//! [`MemoryStore`] for one receiver, `RedisStore` (feature `redis`) for several receivers
//! behind a load balancer. After the signature is verified, the event id (the id the scheme
//! signs, such as `webhook-id`, else where the scheme's sender puts it: see
//! [`Scheme::event_id`](crate::scheme::Scheme::event_id)) is claimed in the store under a
//! prefix, and:
//!
//! | the store says | what happens | the sender sees |
//! | --- | --- | --- |
//! | new | the handler runs; a 2xx marks the id done, anything else (or a panic) releases it | the handler's response |
//! | done | the handler does not run | 200 with `webhook-duplicate: true` |
//! | in flight | the handler does not run | 409: retry later |
//! | unreachable | the handler does not run (or does, with [`Dedupe::fail_open`]) | 503: retry later |
//! | no id in the event | the handler does not run | 400 |
//!
//! A claim that is never settled (the process died, or the request was dropped) expires
//! by itself after [`Dedupe::in_flight_ttl`].
//! A handler that runs longer than that can run a second time for a retry.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures_util::FutureExt as _;
use http::HeaderName;

use crate::rejection::{Rejection, RejectionKind};
use crate::report::Throttle;

mod memory;
#[cfg(feature = "redis")]
mod redis;

pub use self::memory::MemoryStore;
#[cfg(feature = "redis")]
pub use self::redis::RedisStore;

/// The prefix put before every event id in the store, unless changed with
/// [`Dedupe::prefix`].
pub const DEFAULT_PREFIX: &str = "tower-webhook:";

/// How long a claim on an event being handled lasts when nothing settles it (default of
/// [`Dedupe::in_flight_ttl`]).
pub const DEFAULT_IN_FLIGHT_TTL: Duration = Duration::from_secs(30);

/// How much longer than the timestamp tolerance, or the sender's retry period where that is
/// longer, a handled event is remembered, unless changed with [`Dedupe::ttl`].
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
/// use tower_webhook::dedupe::{Dedupe, MemoryStore};
/// use tower_webhook::WebhookVerify;
///
/// let store = Arc::new(MemoryStore::new());
/// let orders = WebhookVerify::new("secret a").dedupe(Dedupe::new(Arc::clone(&store)).prefix("orders:"));
/// let refunds = WebhookVerify::new("secret b").dedupe(Dedupe::new(Arc::clone(&store)).prefix("refunds:"));
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

/// A [`Store`] and how the layer uses it: what [`WebhookVerify::dedupe`](crate::WebhookVerify::dedupe)
/// takes. A bare store converts into one with the default settings.
///
/// ```
/// use std::time::Duration;
/// use tower_webhook::dedupe::{Dedupe, MemoryStore};
/// use tower_webhook::WebhookVerify;
///
/// let layer = WebhookVerify::stripe("whsec_...").dedupe(
///     Dedupe::new(MemoryStore::new())
///         .prefix("billing:stripe:")
///         .in_flight_ttl(Duration::from_secs(120))
///         .ttl(Duration::from_secs(3 * 24 * 3600))
///         .fail_open(false),
/// );
/// ```
#[derive(Clone, Debug)]
pub struct Dedupe {
    store: Arc<dyn Store>,
    prefix: String,
    in_flight_ttl: Duration,
    done_ttl: Option<Duration>,
    fail_open: bool,
    /// Limits the `warn` lines about a failing store.
    store_warnings: Arc<Throttle>,
}

impl<T: Store> From<T> for Dedupe {
    fn from(store: T) -> Self {
        Self::new(store)
    }
}

/// How a deduplicated request ended.
pub(crate) enum Outcome<R> {
    /// The handler ran and gave this response.
    Handled(R),
    /// The event was already handled; the handler did not run.
    Duplicate,
    /// The request was refused without running the handler.
    Refused(Rejection),
}

impl Dedupe {
    /// Dedupe through `store`, with the default settings.
    pub fn new(store: impl Store) -> Self {
        Self {
            store: Arc::new(store),
            prefix: DEFAULT_PREFIX.to_owned(),
            in_flight_ttl: DEFAULT_IN_FLIGHT_TTL,
            done_ttl: None,
            fail_open: false,
            store_warnings: Arc::default(),
        }
    }

    /// What goes before each event id in the store (default [`DEFAULT_PREFIX`]); give each
    /// endpoint its own when several share one store.
    ///
    /// ```
    /// use tower_webhook::dedupe::{Dedupe, MemoryStore};
    /// let dedupe = Dedupe::new(MemoryStore::new()).prefix("billing:stripe:");
    /// ```
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long a claim on an event being handled lasts if nothing settles it (default
    /// 30 seconds): after that a retry may run the handler again. Make it longer than your
    /// slowest handler.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_webhook::dedupe::{Dedupe, MemoryStore};
    /// let dedupe = Dedupe::new(MemoryStore::new()).in_flight_ttl(Duration::from_secs(120));
    /// ```
    pub fn in_flight_ttl(mut self, ttl: Duration) -> Self {
        self.in_flight_ttl = ttl;
        self
    }

    /// How long a handled event id is remembered. The default covers both the replays
    /// inside the timestamp window and the sender's own retries: the longer of the layer's
    /// [`tolerance`](crate::WebhookVerify::tolerance) and the provider's retry period
    /// ([`Scheme::retry_period`](crate::scheme::Scheme::retry_period): Stripe's 3 days, Svix's 28 hours, ...), plus 5 minutes.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_webhook::dedupe::{Dedupe, MemoryStore};
    /// let dedupe = Dedupe::new(MemoryStore::new()).ttl(Duration::from_secs(3 * 24 * 3600));
    /// ```
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.done_ttl = Some(ttl);
        self
    }

    /// When the store does not answer: `false` (the default) refuses the event with 503
    /// so the sender retries later; `true` runs the handler anyway, without dedupe. Both
    /// log a warning, at most one line a minute.
    ///
    /// ```
    /// use tower_webhook::dedupe::{Dedupe, MemoryStore};
    /// let dedupe = Dedupe::new(MemoryStore::new()).fail_open(true);
    /// ```
    pub fn fail_open(mut self, fail_open: bool) -> Self {
        self.fail_open = fail_open;
        self
    }

    /// The store key of a verified event.
    pub(crate) fn key(&self, event_id: Option<&str>) -> Result<String, Rejection> {
        let id = event_id.ok_or_else(|| Rejection::new(RejectionKind::MissingEventId))?;
        Ok(format!("{}{id}", self.prefix))
    }

    /// Runs `handler` at most once per `key` across every receiver sharing the store. A
    /// handled event is remembered for the configured [`ttl`](Self::ttl), else
    /// `tolerance` plus [`DEFAULT_DONE_MARGIN`].
    pub(crate) async fn run_once<B, E, F>(
        &self,
        key: String,
        tolerance: Duration,
        handler: F,
    ) -> Result<Outcome<http::Response<B>>, E>
    where
        F: Future<Output = Result<http::Response<B>, E>>,
    {
        let owner = owner_token();
        match self.store.claim(&key, &owner, self.in_flight_ttl).await {
            Ok(Claim::New) => {}
            Ok(Claim::Done) => {
                tracing::debug!("duplicate of a handled webhook event; handler not run");
                crate::report::duplicate();
                return Ok(Outcome::Duplicate);
            }
            Ok(Claim::InFlight) => {
                return Ok(Outcome::Refused(Rejection::new(RejectionKind::InFlight)))
            }
            Err(error) => {
                if !self.fail_open {
                    crate::report::store_unavailable();
                    tracing::debug!(%error, "event store unavailable");
                    // Logged at `warn` (throttled) as a rejection.
                    let rejection = Rejection::new(RejectionKind::StoreUnavailable);
                    return Ok(Outcome::Refused(rejection));
                }
                let what = "event store unavailable; handling the webhook without dedupe";
                warn_store(&self.store_warnings, &error, what);
                return handler.await.map(Outcome::Handled);
            }
        }

        let claim = HeldClaim {
            store: Arc::clone(&self.store),
            warnings: Arc::clone(&self.store_warnings),
            key,
            owner,
            settled: false,
        };
        match AssertUnwindSafe(handler).catch_unwind().await {
            Ok(Ok(response)) if response.status().is_success() => {
                let done_ttl = self.done_ttl.unwrap_or(tolerance + DEFAULT_DONE_MARGIN);
                claim.complete(done_ttl).await;
                Ok(Outcome::Handled(response))
            }
            Ok(outcome) => {
                claim.release().await;
                outcome.map(Outcome::Handled)
            }
            Err(panic) => {
                claim.release().await;
                std::panic::resume_unwind(panic)
            }
        }
    }
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
    warnings: Arc<Throttle>,
    key: String,
    owner: String,
    settled: bool,
}

impl HeldClaim {
    async fn complete(mut self, ttl: Duration) {
        self.settled = true;
        if let Err(error) = self.store.complete(&self.key, ttl).await {
            warn_store(
                &self.warnings,
                &error,
                "could not mark a handled webhook event done",
            );
        }
    }

    async fn release(mut self) {
        self.settled = true;
        release(&*self.store, &self.warnings, &self.key, &self.owner).await;
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
        let warnings = Arc::clone(&self.warnings);
        let key = std::mem::take(&mut self.key);
        let owner = std::mem::take(&mut self.owner);
        runtime.spawn(async move { release(&*store, &warnings, &key, &owner).await });
    }
}

async fn release(store: &dyn Store, warnings: &Throttle, key: &str, owner: &str) {
    if let Err(error) = store.release(key, owner).await {
        let what = "could not release a webhook event claim; it will expire";
        warn_store(warnings, &error, what);
    }
}

/// A `warn` line about the store, at most one per interval.
fn warn_store(warnings: &Throttle, error: &StoreError, what: &str) {
    crate::report::store_unavailable();
    match warnings.event() {
        Some(count) => tracing::warn!(%error, count, "{what}"),
        None => tracing::debug!(%error, "{what}"),
    }
}

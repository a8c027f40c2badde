//! [`Worker`]: claims deliveries from an inbox and runs a handler with each.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::FutureExt as _;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::Instrument as _;

use super::{Claimed, Delivery, Receipt, Store};
use crate::report::Throttle;
use crate::scheme::EventShape;

type BoxError = Box<dyn Error + Send + Sync>;

/// How long to wait before each retry: `base` × 2^(attempt − 1), at most `max`, with
/// jitter (a random wait between half that and all of it), so that deliveries that failed
/// together do not all come back together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first failed attempt (before jitter).
    pub base: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Backoff {
    /// 1 second, doubling up to 10 minutes.
    pub const DEFAULT: Self = Self {
        base: Duration::from_secs(1),
        max: Duration::from_secs(600),
    };

    /// The wait after failed attempt `attempt` (1 for the first).
    pub fn delay(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        let full = self.base.saturating_mul(1 << doublings).min(self.max);
        let mut random = [0u8; 4];
        // Without randomness, wait the whole time rather than fail.
        let fraction = match getrandom::fill(&mut random) {
            Ok(()) => f64::from(u32::from_le_bytes(random)) / f64::from(u32::MAX),
            Err(_) => 1.0,
        };
        full.mul_f64(0.5 + fraction / 2.0)
    }
}

/// Claims deliveries from an inbox [`Store`] and runs a handler with each: up to
/// [`concurrency`](Self::concurrency) at a time, retrying a failed one with [`Backoff`]
/// until [`max_attempts`](Self::max_attempts), then burying it as a dead letter.
///
/// The handler gets the [`Delivery`] (its [`event`](Delivery::event),
/// [`json`](Delivery::json) and [`verified`](Delivery::verified) facts) and returns
/// `Ok(())` once it is handled; an error or a panic is a failed attempt. Every attempt is
/// traced (a `webhook.delivery` span with the event id and attempt; a `debug` line with the
/// outcome and duration, `warn` for a failure, `error` for a dead letter) and, with feature
/// `metrics`, counted in `tower_webhook_inbox_handled_total` by `outcome` (`done`,
/// `retry`, `dead`).
///
/// ```
/// use std::time::Duration;
/// use tower_webhook::inbox::{Backoff, MemoryInbox, Worker};
///
/// let worker = Worker::new(MemoryInbox::new(1_000))
///     .concurrency(8)
///     .max_attempts(10)
///     .backoff(Backoff { base: Duration::from_secs(2), max: Duration::from_secs(3600) })
///     .visibility_timeout(Duration::from_secs(60));
/// ```
pub struct Worker {
    store: Arc<dyn Store>,
    name: String,
    concurrency: usize,
    max_attempts: u32,
    backoff: Backoff,
    visibility: Duration,
    wait: Duration,
    shape: EventShape,
}

impl Worker {
    /// A worker on `store`: 1 delivery at a time, 5 attempts, [`Backoff::DEFAULT`], a
    /// 30-second visibility timeout, and the `{id, type, payload}` envelope.
    pub fn new(store: impl Store) -> Self {
        let mut random = [0u8; 6];
        let _ = getrandom::fill(&mut random);
        Self {
            store: Arc::new(store),
            name: format!("worker-{}", hex::encode(random)),
            concurrency: 1,
            max_attempts: 5,
            backoff: Backoff::DEFAULT,
            visibility: Duration::from_secs(30),
            wait: Duration::from_secs(1),
            shape: EventShape::ENVELOPE,
        }
    }

    /// How many deliveries are handled at once (at least 1).
    pub fn concurrency(mut self, handlers: usize) -> Self {
        self.concurrency = handlers.max(1);
        self
    }

    /// How many attempts a delivery gets before it becomes a dead letter (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The wait before each retry.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// How long a claimed delivery stays with this worker: if it has not settled it by
    /// then (it died, or the handler is still running), another worker claims it again.
    /// Longer than the slowest handler should take.
    pub fn visibility_timeout(mut self, timeout: Duration) -> Self {
        self.visibility = timeout;
        self
    }

    /// How long one claim waits for a delivery before trying again (1 second by default);
    /// also the longest a shutdown waits for an idle worker.
    pub fn poll_wait(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    /// Where the provider puts the event's id, type and payload, for
    /// [`Delivery::event`]: the receiving layer's [`shape`](crate::WebhookVerify::shape)
    /// (the `{id, type, payload}` envelope by default).
    ///
    /// ```
    /// use tower_webhook::inbox::{MemoryInbox, Worker};
    /// use tower_webhook::WebhookVerify;
    ///
    /// let shape = WebhookVerify::stripe("whsec_...").shape();
    /// let worker = Worker::new(MemoryInbox::new(1_000)).event_shape(shape);
    /// ```
    pub fn event_shape(mut self, shape: EventShape) -> Self {
        self.shape = shape;
        self
    }

    /// The name this worker claims under (a random `worker-…` by default): Redis Streams'
    /// consumer name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Handles deliveries until the process ends.
    pub async fn run<H, F, E>(self, handler: H)
    where
        H: Fn(Delivery) -> F + Send + Sync + 'static,
        F: Future<Output = Result<(), E>> + Send + 'static,
        E: Into<BoxError>,
    {
        self.run_until(handler, std::future::pending()).await;
    }

    /// Handles deliveries until `shutdown` completes; then claims nothing new, finishes
    /// the deliveries in flight, and returns.
    ///
    /// ```
    /// use tower_webhook::inbox::{MemoryInbox, Worker};
    ///
    /// # async fn run() {
    /// Worker::new(MemoryInbox::new(1_000))
    ///     .run_until(
    ///         |delivery| async move { Ok::<_, std::io::Error>(()) },
    ///         async { tokio::signal::ctrl_c().await.ok(); },
    ///     )
    ///     .await;
    /// # }
    /// ```
    pub async fn run_until<H, F, E>(self, handler: H, shutdown: impl Future<Output = ()>)
    where
        H: Fn(Delivery) -> F + Send + Sync + 'static,
        F: Future<Output = Result<(), E>> + Send + 'static,
        E: Into<BoxError>,
    {
        let (stop, stopped) = watch::channel(false);
        let worker = Arc::new(self);
        let handler = Arc::new(handler);
        let mut slots = JoinSet::new();
        for _ in 0..worker.concurrency {
            let worker = Arc::clone(&worker);
            let handler = Arc::clone(&handler);
            let stopped = stopped.clone();
            slots.spawn(async move { worker.slot(&*handler, stopped).await });
        }
        shutdown.await;
        let _ = stop.send(true);
        while slots.join_next().await.is_some() {}
        // Nothing is in flight: the store may forget this worker.
        if let Err(error) = worker.store.leave(&worker.name).await {
            tracing::debug!(%error, "webhook inbox: the store did not answer a worker leaving");
        }
    }

    /// One handler's loop: claim, handle, settle, until told to stop.
    async fn slot<H, F, E>(&self, handler: &H, mut stopped: watch::Receiver<bool>)
    where
        H: Fn(Delivery) -> F,
        F: Future<Output = Result<(), E>>,
        E: Into<BoxError>,
    {
        let unavailable = Throttle::default();
        let mut failures = 0u32;
        while !*stopped.borrow() {
            match self
                .store
                .claim(&self.name, self.visibility, self.wait)
                .await
            {
                Ok(Some(claimed)) => {
                    failures = 0;
                    self.handle(handler, claimed).await;
                }
                Ok(None) => failures = 0,
                Err(error) => {
                    failures += 1;
                    if let Some(count) = unavailable.event() {
                        tracing::warn!(%error, count, "webhook inbox: the store did not answer a claim");
                    }
                    // Back off while the store is down, but wake for a shutdown.
                    let pause = self.backoff.delay(failures).min(Duration::from_secs(5));
                    let _ = tokio::time::timeout(pause, stopped.changed()).await;
                }
            }
        }
    }

    /// Runs one attempt in its span.
    async fn handle<H, F, E>(&self, handler: &H, claimed: Claimed)
    where
        H: Fn(Delivery) -> F,
        F: Future<Output = Result<(), E>>,
        E: Into<BoxError>,
    {
        let Claimed { delivery, receipt } = claimed;
        let delivery = delivery
            .with_shape(self.shape)
            .at_attempt(receipt.attempt());
        let event_id = delivery.event_id().unwrap_or_default().to_owned();
        let attempt = receipt.attempt();
        let span = tracing::debug_span!("webhook.delivery", event_id, attempt);
        self.attempt(handler, delivery, receipt, &event_id)
            .instrument(span)
            .await;
    }

    /// Runs the handler once, then completes, retries or buries the delivery. The failure
    /// lines name `event_id` and the attempt themselves: they are seen where the span, at
    /// `debug`, is not.
    async fn attempt<H, F, E>(
        &self,
        handler: &H,
        delivery: Delivery,
        receipt: Receipt,
        event_id: &str,
    ) where
        H: Fn(Delivery) -> F,
        F: Future<Output = Result<(), E>>,
        E: Into<BoxError>,
    {
        let attempt = receipt.attempt();
        let started = Instant::now();
        let outcome = match AssertUnwindSafe(handler(delivery)).catch_unwind().await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(error.into().to_string()),
            Err(_) => Err("the handler panicked".to_owned()),
        };
        let duration = started.elapsed();
        let error = match outcome {
            Ok(()) => {
                tracing::debug!(outcome = "done", ?duration, "webhook delivery handled");
                count("done");
                if let Err(error) = self.store.complete(receipt).await {
                    tracing::warn!(%error, "webhook inbox: could not mark a handled delivery done; it may be handled again");
                }
                return;
            }
            Err(error) => error,
        };
        let settled = if attempt >= self.max_attempts {
            tracing::error!(
                event_id,
                attempt,
                outcome = "dead",
                ?duration,
                %error,
                "webhook delivery failed its last attempt: now a dead letter"
            );
            count("dead");
            self.store.bury(receipt, &error).await
        } else {
            let delay = self.backoff.delay(attempt);
            tracing::warn!(
                event_id,
                attempt,
                outcome = "retry",
                ?duration,
                ?delay,
                %error,
                "webhook delivery failed; it will be retried"
            );
            count("retry");
            self.store.retry(receipt, delay, &error).await
        };
        if let Err(error) = settled {
            tracing::warn!(%error, "webhook inbox: could not record a failed attempt; the delivery comes back after its visibility timeout");
        }
    }
}

fn count(outcome: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!("tower_webhook_inbox_handled_total", "outcome" => outcome).increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = outcome;
}

impl fmt::Debug for Worker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Worker")
            .field("store", &self.store)
            .field("name", &self.name)
            .field("concurrency", &self.concurrency)
            .field("max_attempts", &self.max_attempts)
            .field("backoff", &self.backoff)
            .field("visibility", &self.visibility)
            .finish_non_exhaustive()
    }
}

//! Acknowledge in milliseconds, handle durably: verified deliveries stored in an inbox
//! before the sender gets its 2xx, and handled afterwards by [`Worker`]s with retries.
//!
//! Turn it on with [`WebhookVerify::inbox`](crate::WebhookVerify::inbox) and a [`Store`]:
//! [`MemoryInbox`] for tests and development (not durable), `RedisInbox` (feature `redis`,
//! Redis Streams) or `PostgresInbox` (feature `postgres`). After the signature is verified
//! (and the event claimed, when dedupe is on), the layer appends a [`Delivery`] to the
//! store and answers only once the store has confirmed the write:
//!
//! | the store | the sender sees | the handler behind the layer |
//! | --- | --- | --- |
//! | confirmed the write | 200 (or [`Inbox::status`]) | is not called |
//! | did not answer, or failed | 503: it retries | is not called |
//!
//! A [`Worker`] then claims each delivery, runs your handler with it, and completes it,
//! retries it later with exponential backoff and jitter, or after the last attempt moves it
//! to the dead letters, which [`Store::dead_letters`] lists and [`Store::requeue`] puts
//! back. A delivery whose worker died is claimed again once its visibility timeout passes.
//!
//! ```
//! use std::sync::Arc;
//! use axum::{routing::post, Router};
//! use tower_webhook::inbox::{MemoryInbox, Worker};
//! use tower_webhook::{WebhookEvent, WebhookVerify};
//!
//! # async fn run() {
//! let inbox = Arc::new(MemoryInbox::new(10_000));
//! // The route answers 200 once the delivery is stored; the handler is never called.
//! let app: Router = Router::new().route("/webhook", post(|| async {}))
//!     .layer(WebhookVerify::new("secret").inbox(Arc::clone(&inbox)));
//! // Elsewhere, or in the same process: handle what was stored.
//! Worker::new(inbox)
//!     .concurrency(8)
//!     .run(|delivery| async move {
//!         let event: WebhookEvent = delivery.event()?;
//!         println!("handling {} ({})", event.id(), event.kind());
//!         Ok::<_, tower_webhook::EventRejection>(())
//!     })
//!     .await;
//! # }
//! ```

use std::any::Any;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::event::{EventRejection, Webhook, WebhookEvent};
use crate::scheme::{EventShape, Location};
use crate::verified::Verified;

pub use crate::dedupe::{StoreError, StoreFuture};

mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "redis")]
mod redis;
mod worker;

pub use self::memory::MemoryInbox;
#[cfg(feature = "postgres")]
pub use self::postgres::{tokio_postgres, PostgresInbox, PostgresTransaction};
#[cfg(feature = "redis")]
pub use self::redis::RedisInbox;
pub use self::worker::{Backoff, Worker};

/// A verified request as the inbox keeps it: the exact body, the headers kept, what the
/// signature proved, the route, when it arrived, and which attempt at handling it this is.
pub struct Delivery {
    event_id: Option<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
    key_index: usize,
    signed_id: Option<String>,
    timestamp: Option<u64>,
    received_at: SystemTime,
    attempt: u32,
    shape: EventShape,
    extensions: http::Extensions,
}

impl Delivery {
    /// A delivery of a verified request, as the layer stores it.
    pub(crate) fn new(
        event_id: Option<String>,
        parts: &http::request::Parts,
        headers: HeaderMap,
        verified: &Verified,
    ) -> Self {
        Self {
            event_id,
            method: parts.method.clone(),
            uri: parts.uri.clone(),
            headers,
            body: verified.body().clone(),
            key_index: verified.key_index(),
            signed_id: verified.id().map(str::to_owned),
            timestamp: verified.timestamp(),
            received_at: SystemTime::now(),
            attempt: 0,
            shape: verified.event_shape(),
            extensions: http::Extensions::new(),
        }
    }

    /// The event id: the one dedupe uses (where the provider puts it, else the signed id),
    /// if the event has one.
    pub fn event_id(&self) -> Option<&str> {
        self.event_id.as_deref()
    }

    /// The request's method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The request's URI as it arrived (its path and query: the route).
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// The headers kept: the ones the provider's event shape reads, `content-type`, and
    /// those named with [`Inbox::keep_header`].
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The verified body: exactly the bytes the signature covers.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// When the layer received and stored the request.
    pub fn received_at(&self) -> SystemTime {
        self.received_at
    }

    /// Which attempt at handling this is: 1 for the first.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// What the signature proved, as the layer's [`Verified`] extension said, read with
    /// the worker's [`event_shape`](Worker::event_shape).
    pub fn verified(&self) -> Verified {
        Verified::new(
            self.body.clone(),
            self.key_index,
            self.signed_id.clone(),
            self.timestamp,
            self.shape,
        )
    }

    /// The event's id, type and payload, read as the [`WebhookEvent`] extractor reads them.
    pub fn event<P: DeserializeOwned>(&self) -> Result<WebhookEvent<P>, EventRejection> {
        WebhookEvent::from_verified(&self.verified(), &self.headers)
    }

    /// The body deserialised as `T`, as the [`Webhook`] extractor does.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, EventRejection> {
        Webhook::from_verified(&self.verified()).map(|Webhook(value)| value)
    }

    /// Values a store attaches for the handler, such as the PostgreSQL transaction the
    /// delivery is handled in.
    pub fn extensions(&self) -> &http::Extensions {
        &self.extensions
    }

    /// Values a store attaches for the handler, mutably.
    pub fn extensions_mut(&mut self) -> &mut http::Extensions {
        &mut self.extensions
    }

    /// Everything but the body, as one line of JSON: how stores keep a delivery (with the
    /// body beside it, as bytes). [`Delivery::from_stored`] reads it back.
    ///
    /// ```
    /// # use tower_webhook::inbox::Delivery;
    /// # fn round_trip(delivery: &Delivery) -> Delivery {
    /// let metadata = delivery.metadata_json();
    /// Delivery::from_stored(&metadata, delivery.body().clone(), 1).unwrap()
    /// # }
    /// ```
    pub fn metadata_json(&self) -> String {
        let metadata = Metadata {
            event_id: self.event_id.clone(),
            method: self.method.as_str().to_owned(),
            uri: self.uri.to_string(),
            headers: self
                .headers
                .iter()
                .map(|(name, value)| StoredHeader::new(name, value))
                .collect(),
            key_index: self.key_index,
            signed_id: self.signed_id.clone(),
            timestamp: self.timestamp,
            received_at_ms: self
                .received_at
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis() as u64,
        };
        serde_json::to_string(&metadata).expect("the metadata serialises")
    }

    /// A delivery read back from a store: the JSON [`Delivery::metadata_json`] wrote, the
    /// body, and which attempt at handling it this is (1 for the first).
    pub fn from_stored(metadata: &str, body: Bytes, attempt: u32) -> Result<Self, StoreError> {
        let metadata: Metadata = serde_json::from_str(metadata).map_err(StoreError::new)?;
        let method = Method::from_bytes(metadata.method.as_bytes()).map_err(StoreError::new)?;
        let uri = metadata.uri.parse::<Uri>().map_err(StoreError::new)?;
        let mut headers = HeaderMap::new();
        for header in &metadata.headers {
            let (name, value) = header.decode()?;
            headers.append(name, value);
        }
        Ok(Self {
            event_id: metadata.event_id,
            method,
            uri,
            headers,
            body,
            key_index: metadata.key_index,
            signed_id: metadata.signed_id,
            timestamp: metadata.timestamp,
            received_at: UNIX_EPOCH + Duration::from_millis(metadata.received_at_ms),
            attempt,
            shape: EventShape::ENVELOPE,
            extensions: http::Extensions::new(),
        })
    }

    /// The same delivery read with another event shape (the worker's).
    pub(crate) fn with_shape(mut self, shape: EventShape) -> Self {
        self.shape = shape;
        self
    }

    /// The same delivery, at another attempt.
    pub(crate) fn at_attempt(mut self, attempt: u32) -> Self {
        self.attempt = attempt;
        self
    }
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery")
            .field("event_id", &self.event_id)
            .field("method", &self.method)
            .field("uri", &self.uri)
            .field("body_len", &self.body.len())
            .field("attempt", &self.attempt)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize, Deserialize)]
struct Metadata {
    event_id: Option<String>,
    method: String,
    uri: String,
    headers: Vec<StoredHeader>,
    key_index: usize,
    signed_id: Option<String>,
    timestamp: Option<u64>,
    received_at_ms: u64,
}

/// A header as stored: its value as text, or in base64 where it is not UTF-8.
#[derive(Serialize, Deserialize)]
struct StoredHeader {
    name: String,
    value: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    base64: bool,
}

impl StoredHeader {
    fn new(name: &HeaderName, value: &HeaderValue) -> Self {
        let (value, base64) = match std::str::from_utf8(value.as_bytes()) {
            Ok(text) => (text.to_owned(), false),
            Err(_) => (BASE64.encode(value.as_bytes()), true),
        };
        Self {
            name: name.as_str().to_owned(),
            value,
            base64,
        }
    }

    fn decode(&self) -> Result<(HeaderName, HeaderValue), StoreError> {
        let name = HeaderName::from_bytes(self.name.as_bytes()).map_err(StoreError::new)?;
        let value = if self.base64 {
            let bytes = BASE64.decode(&self.value).map_err(StoreError::new)?;
            HeaderValue::from_bytes(&bytes)
        } else {
            HeaderValue::from_str(&self.value)
        };
        Ok((name, value.map_err(StoreError::new)?))
    }
}

const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A delivery a worker has claimed, and the [`Receipt`] that settles it.
#[derive(Debug)]
pub struct Claimed {
    /// The delivery, at its attempt.
    pub delivery: Delivery,
    /// What the store needs to complete, retry or bury it.
    pub receipt: Receipt,
}

/// A store's hold on a claimed delivery: its id in the store, the attempt, and anything
/// else the store needs to settle it (the open transaction, say).
pub struct Receipt {
    id: String,
    attempt: u32,
    hold: Option<Box<dyn Any + Send + Sync>>,
}

impl Receipt {
    /// The receipt of delivery `id` in the store, at `attempt` (1 for the first).
    pub fn new(id: impl Into<String>, attempt: u32) -> Self {
        Self {
            id: id.into(),
            attempt,
            hold: None,
        }
    }

    /// The same receipt, also holding `hold` until the delivery is settled.
    pub fn with_hold(mut self, hold: impl Any + Send + Sync) -> Self {
        self.hold = Some(Box::new(hold));
        self
    }

    /// The delivery's id in the store.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Which attempt this is: 1 for the first.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Takes what [`with_hold`](Self::with_hold) attached, if it is a `T`.
    pub fn take_hold<T: Any>(&mut self) -> Option<T> {
        let hold = self.hold.take()?;
        match hold.downcast::<T>() {
            Ok(hold) => Some(*hold),
            Err(hold) => {
                self.hold = Some(hold);
                None
            }
        }
    }
}

impl fmt::Debug for Receipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receipt")
            .field("id", &self.id)
            .field("attempt", &self.attempt)
            .finish_non_exhaustive()
    }
}

/// A delivery whose attempts all failed: kept until it is requeued.
#[derive(Debug)]
pub struct DeadLetter {
    /// Its id in the store: what [`Store::requeue`] takes.
    pub id: String,
    /// The delivery as stored.
    pub delivery: Delivery,
    /// How many attempts were made.
    pub attempts: u32,
    /// The last attempt's error.
    pub error: String,
}

/// Where an inbox's deliveries are kept: appended by the layer, claimed and settled by
/// [`Worker`]s.
///
/// Every operation must be atomic on its own, and safe for any number of receivers and
/// workers sharing the store. A claimed delivery that is not settled before its visibility
/// timeout passes is claimed again, at the next attempt.
pub trait Store: fmt::Debug + Send + Sync + 'static {
    /// Stores `delivery` durably; returns only once the store has confirmed the write.
    fn append<'a>(&'a self, delivery: &'a Delivery) -> StoreFuture<'a, ()>;

    /// Claims the next delivery that is due, for `consumer`, for `visibility`; waits up to
    /// `wait` for one, and gives `None` if none came.
    fn claim<'a>(
        &'a self,
        consumer: &'a str,
        visibility: Duration,
        wait: Duration,
    ) -> StoreFuture<'a, Option<Claimed>>;

    /// The delivery was handled: it is not claimed again.
    fn complete(&self, receipt: Receipt) -> StoreFuture<'_, ()>;

    /// The attempt failed with `error`: the delivery is claimed again, at the next attempt,
    /// once `delay` has passed.
    fn retry<'a>(
        &'a self,
        receipt: Receipt,
        delay: Duration,
        error: &'a str,
    ) -> StoreFuture<'a, ()>;

    /// The last attempt failed with `error`: the delivery becomes a [`DeadLetter`].
    fn bury<'a>(&'a self, receipt: Receipt, error: &'a str) -> StoreFuture<'a, ()>;

    /// Up to `limit` dead letters, oldest first.
    fn dead_letters(&self, limit: usize) -> StoreFuture<'_, Vec<DeadLetter>>;

    /// Puts dead letter `id` back in the inbox, for a first attempt again; `false` if there
    /// is no such dead letter.
    fn requeue<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool>;

    /// The worker `consumer` stopped, with nothing left in flight: a store that keeps a
    /// record per consumer may drop it, unless it still holds a delivery. Does nothing by
    /// default.
    fn leave<'a>(&'a self, consumer: &'a str) -> StoreFuture<'a, ()> {
        let _ = consumer;
        Box::pin(async { Ok(()) })
    }
}

/// A shared store: the layer and the workers of one process can use one.
impl<T: Store + ?Sized> Store for Arc<T> {
    fn append<'a>(&'a self, delivery: &'a Delivery) -> StoreFuture<'a, ()> {
        (**self).append(delivery)
    }

    fn claim<'a>(
        &'a self,
        consumer: &'a str,
        visibility: Duration,
        wait: Duration,
    ) -> StoreFuture<'a, Option<Claimed>> {
        (**self).claim(consumer, visibility, wait)
    }

    fn complete(&self, receipt: Receipt) -> StoreFuture<'_, ()> {
        (**self).complete(receipt)
    }

    fn retry<'a>(
        &'a self,
        receipt: Receipt,
        delay: Duration,
        error: &'a str,
    ) -> StoreFuture<'a, ()> {
        (**self).retry(receipt, delay, error)
    }

    fn bury<'a>(&'a self, receipt: Receipt, error: &'a str) -> StoreFuture<'a, ()> {
        (**self).bury(receipt, error)
    }

    fn dead_letters(&self, limit: usize) -> StoreFuture<'_, Vec<DeadLetter>> {
        (**self).dead_letters(limit)
    }

    fn requeue<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool> {
        (**self).requeue(id)
    }

    fn leave<'a>(&'a self, consumer: &'a str) -> StoreFuture<'a, ()> {
        (**self).leave(consumer)
    }
}

/// How the layer stores verified deliveries: the [`Store`], the status the sender gets, and
/// which headers are kept.
#[derive(Clone)]
pub struct Inbox {
    store: Arc<dyn Store>,
    status: StatusCode,
    keep: Vec<HeaderName>,
}

impl Inbox {
    /// Stores deliveries in `store`, answers 200, and keeps `content-type` and the headers
    /// the provider's event shape reads.
    pub fn new(store: impl Store) -> Self {
        Self {
            store: Arc::new(store),
            status: StatusCode::OK,
            keep: Vec::new(),
        }
    }

    /// The status the sender gets once its delivery is stored (200 by default).
    ///
    /// ```
    /// use http::StatusCode;
    /// use tower_webhook::inbox::{Inbox, MemoryInbox};
    ///
    /// let inbox = Inbox::new(MemoryInbox::new(1_000)).status(StatusCode::ACCEPTED);
    /// ```
    ///
    /// # Panics
    ///
    /// If `status` is not a 2xx: the sender would retry what was stored.
    pub fn status(mut self, status: StatusCode) -> Self {
        assert!(
            status.is_success(),
            "Inbox::status({status}): a stored delivery must be acknowledged with a 2xx, \
             or the sender retries it"
        );
        self.status = status;
        self
    }

    /// Also keeps header `name` with each delivery, for the handler to read.
    ///
    /// ```
    /// use tower_webhook::inbox::{Inbox, MemoryInbox};
    ///
    /// let inbox = Inbox::new(MemoryInbox::new(1_000)).keep_header("x-request-id");
    /// ```
    ///
    /// # Panics
    ///
    /// If `name` is not a valid header name.
    pub fn keep_header(mut self, name: &str) -> Self {
        let name = HeaderName::try_from(name)
            .unwrap_or_else(|_| panic!("Inbox::keep_header({name:?}): not a valid header name"));
        self.keep.push(name);
        self
    }

    pub(crate) fn store(&self) -> &dyn Store {
        &*self.store
    }

    pub(crate) fn acknowledged(&self) -> StatusCode {
        self.status
    }

    /// The headers of `all` that a delivery keeps.
    pub(crate) fn kept_headers(&self, all: &HeaderMap, shape: EventShape) -> HeaderMap {
        let shape_headers = [shape.id, shape.kind, shape.payload]
            .into_iter()
            .filter_map(|location| match location {
                Location::Header(name) => Some(name),
                _ => None,
            });
        let mut kept = HeaderMap::new();
        let names = shape_headers
            .chain(std::iter::once("content-type"))
            .chain(self.keep.iter().map(HeaderName::as_str));
        for name in names {
            let name = HeaderName::from_bytes(name.as_bytes()).expect("a valid header name");
            if kept.contains_key(&name) {
                continue;
            }
            for value in all.get_all(&name) {
                kept.append(name.clone(), value.clone());
            }
        }
        kept
    }
}

impl<S: Store> From<S> for Inbox {
    fn from(store: S) -> Self {
        Self::new(store)
    }
}

impl fmt::Debug for Inbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inbox")
            .field("store", &self.store)
            .field("status", &self.status)
            .field("keep", &self.keep)
            .finish()
    }
}

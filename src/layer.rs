//! [`WebhookVerify`]: the layer and its configuration.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderName};
use tower_layer::Layer;

use crate::dedupe::{Dedupe, Store};
use crate::key::Key;
use crate::rejection::{Rejection, RejectionKind};
use crate::scheme::{Claims, Encoding, HmacScheme, Scheme, Slack, StandardWebhooks, Stripe};
use crate::service::WebhookVerifyService;

/// The default body limit: 2 MiB, as axum's `DefaultBodyLimit`.
pub const DEFAULT_MAX_BODY_SIZE: usize = 2 * 1024 * 1024;

/// The default timestamp tolerance, in both directions: 5 minutes.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;
type OnRejection = Arc<dyn Fn(Rejection) -> Response + Send + Sync>;

/// A tower [`Layer`] that verifies a webhook's signature before the inner service runs.
///
/// It reads the body once (up to [`max_body_size`](Self::max_body_size)), checks the
/// signature over exactly those bytes in constant time, and then calls the inner service
/// with the same bytes as the body and a [`Verified`](crate::Verified) extension, which the
/// [`WebhookEvent`](crate::WebhookEvent) and [`Webhook`](crate::Webhook) extractors require.
/// A request that fails is answered with a [`Rejection`] and never reaches the inner service.
///
/// ```
/// use axum::{routing::post, Router, http::StatusCode};
/// use tower_webhook::{WebhookEvent, WebhookVerify};
///
/// async fn handle(event: WebhookEvent) -> StatusCode {
///     println!("{} {}", event.id(), event.kind());
///     StatusCode::OK
/// }
///
/// let app: Router = Router::new()
///     .route("/webhook", post(handle))
///     .layer(WebhookVerify::new("my secret").header("x-protocol-signature"));
/// ```
///
/// The type parameter is the [`Scheme`]; the constructors pick it
/// ([`new`](Self::new), [`github`](Self::github), [`stripe`](Self::stripe), ...).
#[derive(Clone)]
pub struct WebhookVerify<S = HmacScheme> {
    pub(crate) config: Config<S>,
}

#[derive(Clone)]
pub(crate) struct Config<S> {
    pub(crate) scheme: S,
    pub(crate) keys: Vec<Key>,
    pub(crate) max_body_size: usize,
    pub(crate) tolerance: Duration,
    clock: Clock,
    on_rejection: OnRejection,
    pub(crate) dedupe: Dedupe,
}

/// A configuration mistake, found when the layer is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    message: String,
}

impl ConfigError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WebhookVerify: {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

fn configured<T>(result: Result<T, ConfigError>) -> T {
    result.unwrap_or_else(|error| panic!("{error}"))
}

impl WebhookVerify<HmacScheme> {
    /// Hex HMAC-SHA256 of the raw body in `x-webhook-signature`: the scheme of the
    /// `{id, type, payload}` platforms. Change the header with [`header`](Self::header).
    ///
    /// The secret can be `&str`, `String`, `&[u8]` or `Vec<u8>`.
    ///
    /// # Panics
    ///
    /// If the secret is empty (for example an unset environment variable).
    ///
    /// ```
    /// use tower_webhook::WebhookVerify;
    /// let layer = WebhookVerify::new("my secret");
    /// let layer = WebhookVerify::new(b"raw bytes".to_vec());
    /// ```
    pub fn new(secret: impl AsRef<[u8]>) -> Self {
        Self::with_scheme(HmacScheme::new(), secret)
    }

    /// GitHub: `X-Hub-Signature-256: sha256=<hex>` over the raw body.
    /// See <https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries>.
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::github("It's a Secret to Everybody");
    /// ```
    pub fn github(secret: impl AsRef<[u8]>) -> Self {
        Self::with_scheme(HmacScheme::github(), secret)
    }

    /// Shopify: `X-Shopify-Hmac-Sha256: <base64>` over the raw body.
    /// See <https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-2-validate-the-origin-of-your-webhook-to-ensure-its-coming-from-shopify>.
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::shopify("shpss_...");
    /// ```
    pub fn shopify(secret: impl AsRef<[u8]>) -> Self {
        Self::with_scheme(HmacScheme::shopify(), secret)
    }

    /// Stripe: `Stripe-Signature: t=<ts>,v1=<hex>` over `{t}.{body}`, with a timestamp
    /// window. The `whsec_...` secret is used as its literal bytes, as Stripe does.
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::stripe("whsec_...");
    /// ```
    pub fn stripe(secret: impl AsRef<[u8]>) -> WebhookVerify<Stripe> {
        WebhookVerify::with_scheme(Stripe, secret)
    }

    /// Slack: `X-Slack-Signature: v0=<hex>` over `v0:{timestamp}:{body}`, with a
    /// timestamp window.
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::slack("8f742231b10e8888abcd99yyyzzz85a5");
    /// ```
    pub fn slack(secret: impl AsRef<[u8]>) -> WebhookVerify<Slack> {
        WebhookVerify::with_scheme(Slack, secret)
    }

    /// Standard Webhooks (and Svix): `webhook-id`, `webhook-timestamp`, `webhook-signature`
    /// over `{id}.{timestamp}.{body}`, with a timestamp window. The secret is the
    /// `whsec_<base64>` string the sender shows; it is decoded here.
    ///
    /// # Panics
    ///
    /// If the secret is not valid base64 or is empty; use
    /// [`try_with_scheme`](WebhookVerify::try_with_scheme) to handle that as an error.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::standard("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD");
    /// ```
    pub fn standard(secret: impl AsRef<[u8]>) -> WebhookVerify<StandardWebhooks> {
        WebhookVerify::with_scheme(StandardWebhooks, secret)
    }

    /// Standard Webhooks with ed25519 (`v1a`) signatures, from the sender's public key in
    /// the spec's `whpk_<base64>` form. Give the `whsk_<base64>` secret key instead to be
    /// able to [`sign`](WebhookVerify::sign) too.
    ///
    /// # Panics
    ///
    /// If the key is not `whpk_` or `whsk_` followed by base64 of a 32-byte key.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::standard_ed25519(
    ///     "whpk_A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=",
    /// );
    /// ```
    pub fn standard_ed25519(key: impl AsRef<[u8]>) -> WebhookVerify<StandardWebhooks> {
        let key = key.as_ref();
        if !(key.starts_with(b"whpk_") || key.starts_with(b"whsk_")) {
            panic!(
                "{}",
                ConfigError::new("an ed25519 key for Standard Webhooks starts with whpk_ or whsk_")
            );
        }
        WebhookVerify::with_scheme(StandardWebhooks, key)
    }

    /// Changes the header that carries the signature.
    ///
    /// # Panics
    ///
    /// If `name` is not a valid HTTP header name; the message names it.
    /// [`try_header`](Self::try_header) returns the error instead.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::new("secret").header("x-protocol-signature");
    /// ```
    pub fn header(self, name: &str) -> Self {
        configured(self.try_header(name))
    }

    /// Changes the header that carries the signature, or says why `name` is not a header
    /// name.
    ///
    /// ```
    /// let error = tower_webhook::WebhookVerify::new("secret")
    ///     .try_header("x-DocsSmith Demo2-signature")
    ///     .unwrap_err();
    /// assert!(error.to_string().contains("x-DocsSmith Demo2-signature"));
    /// ```
    pub fn try_header(mut self, name: &str) -> Result<Self, ConfigError> {
        self.config.scheme.header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            ConfigError::new(format!(
                "{name:?} is not a valid HTTP header name (letters, digits and `-`, no spaces)"
            ))
        })?;
        Ok(self)
    }

    /// Text that stands before the encoded signature, such as `sha256=`.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::new("secret")
    ///     .header("x-signature")
    ///     .prefix("sha256=");
    /// ```
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.config.scheme.prefix = prefix.into();
        self
    }

    /// How the signature is encoded: [`Encoding::Hex`] (the default) or
    /// [`Encoding::Base64`].
    ///
    /// ```
    /// use tower_webhook::{scheme::Encoding, WebhookVerify};
    /// let layer = WebhookVerify::new("secret").encoding(Encoding::Base64);
    /// ```
    pub fn encoding(mut self, encoding: Encoding) -> Self {
        self.config.scheme.encoding = encoding;
        self
    }
}

impl<S: Scheme + Clone> WebhookVerify<S> {
    /// A layer for any [`Scheme`], including your own.
    ///
    /// # Panics
    ///
    /// If the scheme refuses the secret (for example an empty one); the message says why.
    ///
    /// ```
    /// use tower_webhook::{scheme::Stripe, WebhookVerify};
    /// let layer = WebhookVerify::with_scheme(Stripe, "whsec_...");
    /// ```
    pub fn with_scheme(scheme: S, secret: impl AsRef<[u8]>) -> Self {
        configured(Self::try_with_scheme(scheme, secret))
    }

    /// A layer for any [`Scheme`], or the reason the secret is not usable.
    ///
    /// ```
    /// use tower_webhook::{scheme::StandardWebhooks, WebhookVerify};
    /// assert!(WebhookVerify::try_with_scheme(StandardWebhooks, "whsec_not base64!").is_err());
    /// ```
    pub fn try_with_scheme(scheme: S, secret: impl AsRef<[u8]>) -> Result<Self, ConfigError> {
        let key = scheme.key(secret.as_ref())?;
        Ok(Self {
            config: Config {
                scheme,
                keys: vec![key],
                max_body_size: DEFAULT_MAX_BODY_SIZE,
                tolerance: DEFAULT_TOLERANCE,
                clock: Arc::new(SystemTime::now),
                on_rejection: Arc::new(IntoResponse::into_response),
                dedupe: Dedupe::default(),
            },
        })
    }

    /// Also accepts signatures made with another secret, for rotating secrets without
    /// downtime. Call it once per extra secret; each is tried in order, with one MAC per
    /// secret per request. [`Verified::key_index`](crate::Verified::key_index) says which
    /// matched (0 is the first secret). Signing always uses the first.
    ///
    /// # Panics
    ///
    /// If the scheme refuses the secret, as the constructors do.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::new("new secret").also_accept("old secret");
    /// ```
    pub fn also_accept(mut self, secret: impl AsRef<[u8]>) -> Self {
        let key = configured(self.config.scheme.key(secret.as_ref()));
        self.config.keys.push(key);
        self
    }

    /// The largest body accepted, in bytes (default 2 MiB). A larger one is refused with
    /// 413 as soon as its `Content-Length` or the bytes received pass the limit.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::new("secret").max_body_size(64 * 1024);
    /// ```
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.config.max_body_size = bytes;
        self
    }

    /// How far a signed timestamp may be from now, in either direction (default 5
    /// minutes). Only schemes that sign a timestamp use it.
    ///
    /// ```
    /// use std::time::Duration;
    /// let layer = tower_webhook::WebhookVerify::stripe("whsec_...")
    ///     .tolerance(Duration::from_secs(60));
    /// ```
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.config.tolerance = tolerance;
        self
    }

    /// Where "now" comes from for the timestamp window and for [`sign`](Self::sign)
    /// (default the system clock). Fix it in tests, or when replaying queued requests.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// let layer = tower_webhook::WebhookVerify::stripe("whsec_...")
    ///     .clock(|| UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    /// ```
    pub fn clock(mut self, now: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.config.clock = Arc::new(now);
        self
    }

    /// Shapes the response to a refused request (default: the rejection's status with its
    /// reason as plain text). The inner service is never called for a rejection.
    ///
    /// ```
    /// use axum::{http::StatusCode, Json};
    /// use tower_webhook::{Rejection, WebhookVerify};
    ///
    /// let layer = WebhookVerify::new("secret").on_rejection(|rejection: Rejection| {
    ///     let status = if rejection.status() == StatusCode::BAD_REQUEST {
    ///         StatusCode::UNAUTHORIZED
    ///     } else {
    ///         rejection.status()
    ///     };
    ///     (status, Json(serde_json::json!({ "error": rejection.to_string() })))
    /// });
    /// ```
    pub fn on_rejection<F, R>(mut self, respond: F) -> Self
    where
        F: Fn(Rejection) -> R + Send + Sync + 'static,
        R: IntoResponse,
    {
        self.config.on_rejection = Arc::new(move |rejection| respond(rejection).into_response());
        self
    }

    /// Runs the handler at most once per event id, remembering handled ids in `store`:
    /// [`MemoryStore`](crate::dedupe::MemoryStore) for one receiver,
    /// `RedisStore` (feature `redis`) for several. See the
    /// [`dedupe`](crate::dedupe) module for what each sender sees.
    ///
    /// The id is the one the scheme signs (such as `webhook-id`), else the body's
    /// top-level `id` field; an event with neither is refused with 400.
    ///
    /// ```
    /// use tower_webhook::{dedupe::MemoryStore, WebhookVerify};
    /// let layer = WebhookVerify::standard("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")
    ///     .dedupe(MemoryStore::new());
    /// ```
    pub fn dedupe(mut self, store: impl Store) -> Self {
        self.config.dedupe.store = Some(Arc::new(store));
        self
    }

    /// What goes before each event id in the store (default
    /// [`"tower-webhook:"`](crate::dedupe::DEFAULT_PREFIX)); give each endpoint its own
    /// when several share one store.
    ///
    /// ```
    /// use tower_webhook::{dedupe::MemoryStore, WebhookVerify};
    /// let layer = WebhookVerify::stripe("whsec_...")
    ///     .dedupe(MemoryStore::new())
    ///     .dedupe_prefix("billing:stripe:");
    /// ```
    pub fn dedupe_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.config.dedupe.prefix = prefix.into();
        self
    }

    /// How long a claim on an event being handled lasts if nothing settles it (default
    /// 30 seconds): after that a retry may run the handler again. Make it longer than your
    /// slowest handler.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_webhook::{dedupe::MemoryStore, WebhookVerify};
    /// let layer = WebhookVerify::new("secret")
    ///     .dedupe(MemoryStore::new())
    ///     .dedupe_in_flight_ttl(Duration::from_secs(120));
    /// ```
    pub fn dedupe_in_flight_ttl(mut self, ttl: Duration) -> Self {
        self.config.dedupe.in_flight_ttl = ttl;
        self
    }

    /// How long a handled event id is remembered (default: the
    /// [`tolerance`](Self::tolerance) plus 5 minutes, which covers replays inside the
    /// timestamp window). Set it to the sender's retry schedule to also absorb retries
    /// that come hours later.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_webhook::{dedupe::MemoryStore, WebhookVerify};
    /// let layer = WebhookVerify::stripe("whsec_...")
    ///     .dedupe(MemoryStore::new())
    ///     .dedupe_ttl(Duration::from_secs(3 * 24 * 3600));
    /// ```
    pub fn dedupe_ttl(mut self, ttl: Duration) -> Self {
        self.config.dedupe.done_ttl = Some(ttl);
        self
    }

    /// When the store does not answer: `false` (the default) refuses the event with 503
    /// so the sender retries later; `true` runs the handler anyway, without dedupe. Both
    /// log a warning.
    ///
    /// ```
    /// use tower_webhook::{dedupe::MemoryStore, WebhookVerify};
    /// let layer = WebhookVerify::new("secret")
    ///     .dedupe(MemoryStore::new())
    ///     .dedupe_fail_open(true);
    /// ```
    pub fn dedupe_fail_open(mut self, fail_open: bool) -> Self {
        self.config.dedupe.fail_open = fail_open;
        self
    }

    /// The headers this configuration accepts for `body`, signed now (by the configured
    /// clock) with the first secret and, where the scheme signs an id, a fresh one.
    ///
    /// ```
    /// let verify = tower_webhook::WebhookVerify::new("secret");
    /// let headers = verify.sign(br#"{"id":"1","type":"message.created","payload":{}}"#);
    /// assert!(headers.contains_key("x-webhook-signature"));
    /// ```
    ///
    /// # Panics
    ///
    /// If the first key is an ed25519 public key, which cannot sign.
    pub fn sign(&self, body: &[u8]) -> HeaderMap {
        self.sign_at(body, (self.config.clock)(), &crate::sign::fresh_id())
    }

    /// The headers this configuration accepts for `body`, signed at `timestamp` with event
    /// id `id` (each used only where the scheme's headers carry one).
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// let verify = tower_webhook::WebhookVerify::standard("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD");
    /// let headers = verify.sign_at(
    ///     br#"{"email":"test@example.com","username":"test_user"}"#,
    ///     UNIX_EPOCH + Duration::from_secs(1649367553),
    ///     "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
    /// );
    /// assert_eq!(headers["webhook-signature"], "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=");
    /// ```
    ///
    /// # Panics
    ///
    /// If the first key is an ed25519 public key, which cannot sign.
    pub fn sign_at(&self, body: &[u8], timestamp: SystemTime, id: &str) -> HeaderMap {
        let scheme = &self.config.scheme;
        let mut claims = Claims::default();
        if scheme.carries_timestamp() {
            claims.timestamp = Some(unix_seconds(timestamp));
        }
        if scheme.carries_id() {
            claims.id = Some(id.to_owned());
        }
        let mut prefix = Vec::new();
        scheme.signed_prefix(&claims, &mut prefix);
        claims
            .signatures
            .push(self.config.keys[0].sign(&prefix, body));
        let mut headers = HeaderMap::new();
        scheme.write_headers(&claims, &mut headers);
        headers
    }
}

pub(crate) fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

impl<S> Config<S> {
    /// Refuses a signed timestamp outside the window around now.
    pub(crate) fn check_timestamp(&self, timestamp: Option<u64>) -> Result<(), Rejection> {
        let Some(timestamp) = timestamp else {
            return Ok(());
        };
        let now = unix_seconds((self.clock)());
        let tolerance = self.tolerance.as_secs();
        if timestamp.saturating_add(tolerance) < now {
            Err(Rejection::new(RejectionKind::TimestampTooOld))
        } else if timestamp > now.saturating_add(tolerance) {
            Err(Rejection::new(RejectionKind::TimestampTooNew))
        } else {
            Ok(())
        }
    }

    pub(crate) fn reject(&self, rejection: Rejection) -> Response {
        tracing::debug!(reason = %rejection, "webhook rejected");
        (self.on_rejection)(rejection)
    }
}

impl<S: fmt::Debug> fmt::Debug for WebhookVerify<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let config = &self.config;
        f.debug_struct("WebhookVerify")
            .field("scheme", &config.scheme)
            .field("keys", &config.keys)
            .field("max_body_size", &config.max_body_size)
            .field("tolerance", &config.tolerance)
            .field("dedupe", &config.dedupe)
            .finish_non_exhaustive()
    }
}

impl<S: Scheme + Clone, I> Layer<I> for WebhookVerify<S> {
    type Service = WebhookVerifyService<I, S>;

    fn layer(&self, inner: I) -> Self::Service {
        WebhookVerifyService::new(inner, Arc::new(self.config.clone()))
    }
}

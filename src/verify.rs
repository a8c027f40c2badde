//! [`WebhookVerify`]: the configuration, and the verification of one request.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::request::Parts;
use http::{header, HeaderMap, Method, Uri};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::body::{BoxError, BoxedBody, ResponseBody};
use crate::budget::BufferBudget;
use crate::dedupe::Dedupe;
use crate::error::{configured, ConfigError};
use crate::inbox::Inbox;
use crate::key::Key;
use crate::key_source::KeySource;
use crate::rejection::{Rejection, RejectionKind};
use crate::report::RejectionLog;
use crate::scheme::{
    unix_seconds, Claims, Encoding, EventShape, HmacScheme, Location, PublicUrl, RequestHead,
    Scheme, SignedContent, Slack, StandardWebhooks, Stripe, MAX_SIGNATURES,
};
use crate::verified::Verified;

/// The default body limit: 2 MiB, as axum's `DefaultBodyLimit`.
pub const DEFAULT_MAX_BODY_SIZE: usize = 2 * 1024 * 1024;

/// The body limit of [`WebhookVerify::github`]: 25 MiB, since GitHub sends payloads of up
/// to 25 MB.
pub const GITHUB_MAX_BODY_SIZE: usize = 25 * 1024 * 1024;

/// `n` hours, for the providers' retry periods.
pub(crate) const fn hours(n: u64) -> Duration {
    Duration::from_secs(n * 3600)
}

/// `n` days, for the providers' retry periods.
pub(crate) const fn days(n: u64) -> Duration {
    hours(24 * n)
}

/// The largest body looked at for a setup request (Slack's `url_verification`, Discord's
/// PING, Zoom's and Twitch's challenges are all far smaller).
const MAX_HANDSHAKE_BODY: usize = 4 * 1024;

/// The default timestamp tolerance, in both directions: 5 minutes.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;
type OnRejection = Arc<dyn Fn(Rejection) -> http::Response<BoxedBody> + Send + Sync>;

/// A tower [`Layer`](tower_layer::Layer) that verifies a webhook's signature before the
/// inner service runs, and the configuration of that check.
///
/// It reads the body once (up to [`max_body_size`](Self::max_body_size)), checks the
/// signature over exactly those bytes in constant time, and then calls the inner service
/// with the same bytes as the body ([`VerifiedBody`](crate::VerifiedBody)) and a
/// [`Verified`] extension, which the `WebhookEvent` and `Webhook` extractors (feature
/// `axum`) require. A request that fails is answered with a [`Rejection`] and never
/// reaches the inner service. Outside a tower stack, [`verify`](Self::verify) makes the same
/// checks on a request you already hold.
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
    on_rejection: Option<OnRejection>,
    pub(crate) dedupe: Option<Dedupe>,
    pub(crate) inbox: Option<Inbox>,
    pub(crate) budget: BufferBudget,
    public_url: Option<PublicUrl>,
    handshakes: bool,
    event_shape: EventShape,
    /// Whether the provider's deliveries carry an event id to deduplicate on (false for
    /// the presets of providers that send none).
    pub(crate) event_ids: bool,
    pub(crate) retry_period: Duration,
    pub(crate) key_source: Option<Arc<dyn KeySource>>,
    log: Arc<RejectionLog>,
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

    /// GitHub: `X-Hub-Signature-256: sha256=<hex>` over the raw body. GitHub sends
    /// payloads of up to 25 MB, so the body limit is 25 MiB
    /// ([`GITHUB_MAX_BODY_SIZE`]), within the default buffer budget.
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
            .max_body_size(GITHUB_MAX_BODY_SIZE)
            .event_shape(EventShape::new(
                Location::Header("x-github-delivery"),
                Location::Header("x-github-event"),
                Location::Body(""),
            ))
            // GitHub does not retry by itself, but a delivery can be redelivered, with the
            // same `X-GitHub-Delivery`, for 3 days.
            .retry_period(days(3))
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
            .event_shape(EventShape::new(
                Location::Header("x-shopify-webhook-id"),
                Location::Header("x-shopify-topic"),
                Location::Body(""),
            ))
            // Shopify retries 8 times over 4 hours.
            .retry_period(hours(4))
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
            .event_shape(EventShape::ID_TYPE_DATA)
            // Stripe retries for up to 3 days.
            .retry_period(days(3))
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
    /// over `{id}.{timestamp}.{body}`, with a timestamp window. The same headers named
    /// `svix-id`, `svix-timestamp` and `svix-signature`, as Svix sends them when it is not
    /// white-labelled (Clerk, Resend), are read too. The secret is the `whsec_<base64>`
    /// string the sender shows; it is decoded here.
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
    #[cfg(feature = "ed25519")]
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
        self.config.scheme.header = crate::scheme::hmac::header_name(name)?;
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
        let (event_shape, retry_period) = (scheme.event_shape(), scheme.retry_period());
        Ok(Self {
            config: Config {
                scheme,
                keys: vec![key],
                max_body_size: DEFAULT_MAX_BODY_SIZE,
                tolerance: DEFAULT_TOLERANCE,
                clock: Arc::new(SystemTime::now),
                on_rejection: None,
                dedupe: None,
                inbox: None,
                budget: BufferBudget::default(),
                public_url: None,
                handshakes: true,
                event_shape,
                event_ids: true,
                retry_period,
                key_source: None,
                log: Arc::default(),
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
    /// 413 as soon as its `Content-Length` or the bytes received pass the limit. It must fit
    /// in the [`buffer_budget`](Self::buffer_budget) (64 MiB by default), or applying the
    /// layer panics.
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

    /// Shapes the response to a refused request with any axum
    /// [`IntoResponse`](axum_core::response::IntoResponse) (default: the rejection's status
    /// with its reason as plain text, [`Rejection::to_response`]). The inner service is never
    /// called for a rejection. Without axum, use
    /// [`on_rejection_response`](Self::on_rejection_response).
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
    #[cfg(feature = "axum")]
    pub fn on_rejection<F, R>(self, respond: F) -> Self
    where
        F: Fn(Rejection) -> R + Send + Sync + 'static,
        R: axum_core::response::IntoResponse,
    {
        self.on_rejection_response(move |rejection| respond(rejection).into_response())
    }

    /// Shapes the response to a refused request with any [`http::Response`] whose body is
    /// an [`http_body::Body`] of [`Bytes`]; the framework-neutral form of `on_rejection`.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use http::StatusCode;
    /// use http_body_util::Full;
    /// use tower_webhook::{Rejection, WebhookVerify};
    ///
    /// let layer = WebhookVerify::new("secret").on_rejection_response(|rejection: Rejection| {
    ///     let mut response = http::Response::new(Full::new(Bytes::from(rejection.to_string())));
    ///     *response.status_mut() = StatusCode::UNAUTHORIZED;
    ///     response
    /// });
    /// ```
    pub fn on_rejection_response<F, B>(mut self, respond: F) -> Self
    where
        F: Fn(Rejection) -> http::Response<B> + Send + Sync + 'static,
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        self.config.on_rejection = Some(Arc::new(move |rejection| {
            respond(rejection).map(crate::body::boxed)
        }));
        self
    }

    /// Runs the handler at most once per event id, remembering handled ids in a store:
    /// give a [`Store`](crate::dedupe::Store) such as
    /// [`MemoryStore`](crate::dedupe::MemoryStore) (one receiver) or `RedisStore` (feature
    /// `redis`, several receivers), or a [`Dedupe`] holding a store and its settings. See
    /// the [`dedupe`](crate::dedupe) module for what each sender sees.
    ///
    /// The id is the one the scheme signs (such as `webhook-id`), else the one
    /// [`Scheme::event_id`] finds (by default the body's top-level `id` field); an event
    /// with neither is refused with 400.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_webhook::dedupe::{Dedupe, MemoryStore};
    /// use tower_webhook::WebhookVerify;
    ///
    /// let layer = WebhookVerify::standard("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")
    ///     .dedupe(MemoryStore::new());
    /// let layer = WebhookVerify::stripe("whsec_...")
    ///     .dedupe(Dedupe::new(MemoryStore::new()).ttl(Duration::from_secs(3 * 24 * 3600)));
    /// ```
    pub fn dedupe(mut self, dedupe: impl Into<Dedupe>) -> Self {
        self.config.dedupe = Some(dedupe.into());
        self
    }

    /// Stores each verified delivery in an inbox and answers the sender as soon as the
    /// store has confirmed the write, instead of calling the handler behind the layer:
    /// [`Worker`](crate::inbox::Worker)s handle the stored deliveries afterwards, with
    /// retries. Takes a [`Store`](crate::inbox::Store) (`MemoryInbox`, `RedisInbox`,
    /// `PostgresInbox`), or an [`Inbox`] holding one and its settings. A store that did not
    /// confirm the write gets the sender a 503, so it retries; with dedupe on, a duplicate
    /// is never stored twice. See the [`inbox`](crate::inbox) module.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use tower_webhook::dedupe::MemoryStore;
    /// use tower_webhook::inbox::MemoryInbox;
    /// use tower_webhook::WebhookVerify;
    ///
    /// let inbox = Arc::new(MemoryInbox::new(10_000));
    /// let layer = WebhookVerify::github("secret")
    ///     .dedupe(MemoryStore::new())
    ///     .inbox(Arc::clone(&inbox));
    /// ```
    pub fn inbox(mut self, inbox: impl Into<Inbox>) -> Self {
        self.config.inbox = Some(inbox.into());
        self
    }

    /// The public origin, and path prefix if any, that the provider was given for this
    /// endpoint, such as `"https://example.com"`: URL-signed schemes (Twilio, HubSpot,
    /// Square, Trello, Contentful) sign the URL the provider was configured with, which a
    /// request behind a TLS-terminating proxy or a nested router does not show. The
    /// request's path and query are appended to it.
    ///
    /// Without it, the URL is the request's URI when that is absolute, else `https://`
    /// followed by the `Host` header, the path and the query; a signature mismatch says so.
    /// `X-Forwarded-*` headers are never read.
    ///
    /// # Panics
    ///
    /// If `url` is not an absolute `http` or `https` URL without a query; the message names
    /// it.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::new("secret").public_url("https://example.com/api");
    /// ```
    pub fn public_url(mut self, url: &str) -> Self {
        self.config.public_url = Some(configured(PublicUrl::parse(url)));
        self
    }

    /// The scheme this layer verifies with: a preset's, to call its [`Scheme`] methods
    /// directly (a parser on its own, a custom scheme that wraps it).
    ///
    /// ```
    /// use tower_webhook::scheme::Scheme;
    /// let scheme = tower_webhook::WebhookVerify::paddle("pdl_ntfset_secret").scheme().clone();
    /// assert!(scheme.carries_timestamp());
    /// ```
    pub fn scheme(&self) -> &S {
        &self.config.scheme
    }

    /// Where the provider puts an event's id, type and payload, which
    /// [`WebhookEvent`](crate::WebhookEvent) reads (default: the scheme's
    /// [`event_shape`](Scheme::event_shape); each preset sets its provider's).
    ///
    /// ```
    /// use tower_webhook::scheme::{EventShape, Location};
    /// let layer = tower_webhook::WebhookVerify::new("secret").event_shape(EventShape::new(
    ///     Location::Header("x-acme-delivery"),
    ///     Location::Body("event"),
    ///     Location::Body("data"),
    /// ));
    /// ```
    pub fn event_shape(mut self, shape: EventShape) -> Self {
        self.config.event_shape = shape;
        self
    }

    /// Where this layer reads an event's id, type and payload: the preset's (GitHub's type
    /// in `X-GitHub-Event`, Stripe's `type` and `data`, ...), or what
    /// [`event_shape`](Self::event_shape) set. Give it to the inbox's
    /// [`Worker::event_shape`](crate::inbox::Worker::event_shape), which reads stored
    /// deliveries as this layer would.
    ///
    /// ```
    /// use tower_webhook::scheme::{EventShape, Location};
    /// let shape = tower_webhook::WebhookVerify::github("secret").shape();
    /// assert_eq!(shape.kind, Location::Header("x-github-event"));
    /// ```
    pub fn shape(&self) -> EventShape {
        self.config.event_shape
    }

    /// How long the sender retries a delivery it got no 2xx for, so that
    /// [dedupe](Self::dedupe) remembers a handled event at least that long (default: the
    /// scheme's [`retry_period`](Scheme::retry_period); each preset sets its provider's).
    ///
    /// ```
    /// use std::time::Duration;
    /// let layer = tower_webhook::WebhookVerify::new("secret").retry_period(Duration::from_secs(24 * 3600));
    /// ```
    pub fn retry_period(mut self, period: Duration) -> Self {
        self.config.retry_period = period;
        self
    }

    /// Where the keys come from that requests name (feature of providers that publish
    /// their keys: AWS SNS's and PayPal's certificates, Plaid's JSON Web Keys); see the
    /// [`key_source`](crate::key_source) module. A request that names a key is verified with
    /// that key alone; without a source it is refused. [`verify`](Self::verify), which
    /// cannot wait for a fetch, refuses such requests too.
    ///
    /// ```
    /// use tower_webhook::key_source::{CachedKeys, KeyError, KeyFuture, KeySource};
    /// # #[derive(Debug)] struct Fetch;
    /// # impl KeySource for Fetch {
    /// #     fn key<'a>(&'a self, _: &'a str) -> KeyFuture<'a> { Box::pin(async { Err(KeyError::Unknown) }) }
    /// # }
    /// let layer = tower_webhook::WebhookVerify::new("unused").key_source(CachedKeys::new(Fetch));
    /// ```
    pub fn key_source(mut self, source: impl KeySource) -> Self {
        self.config.key_source = Some(Arc::new(source));
        self
    }

    /// Whether the layer answers the provider's setup requests itself (default on): Slack's
    /// `url_verification`, Discord's PING, Zoom's URL validation, Twitch's callback
    /// verification, the `GET` challenges of Meta, Dropbox and Okta. Verified setup
    /// requests are answered only once their signature holds, and only bodies of up to
    /// 4 KiB are looked at (setup requests are a few hundred bytes), so events are not
    /// parsed twice. Turn it off to handle them in your own handler.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::slack("secret").handshakes(false);
    /// ```
    pub fn handshakes(mut self, answer: bool) -> Self {
        self.config.handshakes = answer;
        self
    }

    /// The budget of body bytes this layer may hold at once across all its requests
    /// (default: 64 MiB, [`DEFAULT_BUFFER_BUDGET`](crate::DEFAULT_BUFFER_BUDGET), for each
    /// layer and its clones). Give several layers the same [`BufferBudget`] to share one.
    /// A request that does not fit is refused with 503 and `Retry-After` before its body is
    /// read.
    ///
    /// # Panics
    ///
    /// When the layer is applied, if [`max_body_size`](Self::max_body_size) is larger than
    /// the budget: no body that large could ever be read.
    ///
    /// ```
    /// use tower_webhook::{BufferBudget, WebhookVerify};
    /// let layer = WebhookVerify::github("secret")
    ///     .max_body_size(25 * 1024 * 1024)
    ///     .buffer_budget(BufferBudget::new(256 * 1024 * 1024));
    /// ```
    pub fn buffer_budget(mut self, budget: BufferBudget) -> Self {
        self.config.budget = budget;
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
        let method = Method::POST;
        let uri = Uri::from_static("/");
        self.sign_head(&method, &uri, &HeaderMap::new(), body, timestamp, id)
    }

    /// Signs a request in place, now and with a fresh id: adds the headers this
    /// configuration accepts for its method, URI, headers and body. URL-signed schemes
    /// (Twilio, HubSpot) need this form, and a [`public_url`](Self::public_url) or a `Host`
    /// header.
    ///
    /// ```
    /// let verify = tower_webhook::WebhookVerify::new("secret");
    /// let mut request = http::Request::post("/hooks").body(b"{}".to_vec()).unwrap();
    /// verify.sign_request(&mut request);
    /// assert!(request.headers().contains_key("x-webhook-signature"));
    /// ```
    ///
    /// # Panics
    ///
    /// If the first key is a public key, which cannot sign, or the scheme cannot build the
    /// signed content from this request (a URL-signed scheme without a host).
    pub fn sign_request<B: AsRef<[u8]>>(&self, request: &mut http::Request<B>) {
        self.sign_request_at(request, (self.config.clock)(), &crate::sign::fresh_id());
    }

    /// [`sign_request`](Self::sign_request) at `timestamp` with event id `id`.
    ///
    /// # Panics
    ///
    /// As [`sign_request`](Self::sign_request).
    pub fn sign_request_at<B: AsRef<[u8]>>(
        &self,
        request: &mut http::Request<B>,
        timestamp: SystemTime,
        id: &str,
    ) {
        let signed = self.sign_head(
            request.method(),
            request.uri(),
            request.headers(),
            request.body().as_ref(),
            timestamp,
            id,
        );
        for (name, value) in &signed {
            request.headers_mut().insert(name, value.clone());
        }
    }

    /// The signature headers for a request with this head and body.
    fn sign_head(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
        timestamp: SystemTime,
        id: &str,
    ) -> HeaderMap {
        let scheme = &self.config.scheme;
        let mut claims = Claims::default();
        if scheme.carries_timestamp() {
            claims.timestamp = Some(timestamp);
        }
        if scheme.carries_id() {
            claims.id = Some(id.to_owned());
        }
        let mut signed = HeaderMap::new();
        scheme.write_headers(&claims, &mut signed);
        let mut all = headers.clone();
        for (name, value) in &signed {
            all.insert(name, value.clone());
        }
        let head =
            RequestHead::new(method, uri, &all).with_public_url(self.config.public_url.as_ref());
        let mut content = SignedContent::default();
        if let Err(rejection) = scheme.signed_content(&head, &mut claims, body, &mut content) {
            panic!("cannot sign this request: {rejection}");
        }
        let signature = self.config.keys[0].sign(scheme.algorithm(), &content, body);
        claims.signatures.push(signature);
        scheme.write_headers(&claims, &mut signed);
        signed
    }
}

impl<S> WebhookVerify<S> {
    /// The same configuration around another scheme, `map(scheme)`: how a preset becomes a
    /// [`WebhookVerify<AnyScheme>`](crate::scheme::AnyScheme).
    pub(crate) fn map_scheme<T>(self, map: impl FnOnce(S) -> T) -> WebhookVerify<T> {
        let Config {
            scheme,
            keys,
            max_body_size,
            tolerance,
            clock,
            on_rejection,
            dedupe,
            inbox,
            budget,
            public_url,
            handshakes,
            event_shape,
            event_ids,
            retry_period,
            key_source,
            log,
        } = self.config;
        WebhookVerify {
            config: Config {
                scheme: map(scheme),
                keys,
                max_body_size,
                tolerance,
                clock,
                on_rejection,
                dedupe,
                inbox,
                budget,
                public_url,
                handshakes,
                event_shape,
                event_ids,
                retry_period,
                key_source,
                log,
            },
        }
    }

    /// Marks a preset whose provider sends no event id with its deliveries, so that
    /// [`dedupe`](Self::dedupe), which would refuse every one of them, is refused when the
    /// layer is applied instead.
    pub(crate) fn without_event_ids(mut self) -> Self {
        self.config.event_ids = false;
        self
    }
}

impl<S: Scheme> WebhookVerify<S> {
    /// Verifies one request from its head and its whole body, with exactly the layer's
    /// checks: the body limit, the timestamp window (against the configured
    /// [`clock`](Self::clock)), every configured secret, the comparison in constant time.
    /// For hosts that are not tower services: a serverless handler, another framework, a
    /// consumer that checks requests stored by a receiver. The rejection is logged and
    /// counted as the layer's are; dedupe is not applied.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use tower_webhook::WebhookVerify;
    ///
    /// let verify = WebhookVerify::github("It's a Secret to Everybody");
    /// let body = Bytes::from_static(b"Hello, World!");
    /// let mut request = http::Request::post("/webhook").body(()).unwrap();
    /// request.headers_mut().extend(verify.sign(&body));
    /// let (head, ()) = request.into_parts();
    ///
    /// let verified = verify.verify(&head, body).unwrap();
    /// assert_eq!(verified.body(), "Hello, World!");
    /// assert!(verify.verify(&head, Bytes::from_static(b"Hello, World?")).is_err());
    /// ```
    pub fn verify(&self, head: &Parts, body: Bytes) -> Result<Verified, Rejection> {
        self.check(head, body, None)
    }

    /// [`verify`](Self::verify) as of `now`: for a request stored when it arrived and
    /// checked later, give the time it arrived, so the timestamp window is the one the
    /// sender had.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use bytes::Bytes;
    /// use tower_webhook::WebhookVerify;
    ///
    /// let verify = WebhookVerify::stripe("whsec_test");
    /// let received = SystemTime::now() - Duration::from_secs(3600);
    /// let body = Bytes::from_static(br#"{"id":"evt_1"}"#);
    /// let mut request = http::Request::post("/stripe").body(()).unwrap();
    /// request.headers_mut().extend(verify.sign_at(&body, received, "unused"));
    /// let (head, ()) = request.into_parts();
    ///
    /// assert!(verify.verify_at(&head, body.clone(), received).is_ok());
    /// assert!(verify.verify(&head, body).is_err()); // an hour late for the window
    /// ```
    pub fn verify_at(
        &self,
        head: &Parts,
        body: Bytes,
        now: SystemTime,
    ) -> Result<Verified, Rejection> {
        self.check(head, body, Some(now))
    }

    /// [`verify_at`](Self::verify_at) `now`, or by the clock when `None`.
    fn check(
        &self,
        head: &Parts,
        body: Bytes,
        now: Option<SystemTime>,
    ) -> Result<Verified, Rejection> {
        let config = &self.config;
        let request = config.request_head(&head.method, &head.uri, &head.headers);
        let checked = config.check_head(&request, now).and_then(|(claims, _)| {
            if body.len() > config.max_body_size {
                return Err(Rejection::payload_too_large(config.max_body_size));
            }
            config.check_body(&request, claims, body, now)
        });
        if let Err(rejection) = &checked {
            config.log.rejected(rejection);
        }
        checked
    }
}

impl<S: Scheme> Config<S> {
    /// The event id of a verified request, where dedupe or the inbox needs one: the id the
    /// scheme signs, else the one [`Scheme::event_id`] finds.
    pub(crate) fn event_id(&self, headers: &HeaderMap, verified: &Verified) -> Option<String> {
        if self.dedupe.is_none() && self.inbox.is_none() {
            return None;
        }
        match verified.id() {
            Some(id) => Some(id.to_owned()),
            None => self.scheme.event_id(headers, verified.body()),
        }
    }

    /// The head schemes see: the request's, with the configured public URL.
    pub(crate) fn request_head<'a>(
        &'a self,
        method: &'a Method,
        uri: &'a Uri,
        headers: &'a HeaderMap,
    ) -> RequestHead<'a> {
        RequestHead::new(method, uri, headers).with_public_url(self.public_url.as_ref())
    }

    /// Checks what the head says before the body is read: the signatures parse, the
    /// timestamp is in the window around `now` (by the clock when `None`, read only when
    /// the scheme signs a timestamp), and `Content-Length` is within the limit. Returns the
    /// claims and the declared length (0 when there is none).
    pub(crate) fn check_head(
        &self,
        request: &RequestHead<'_>,
        now: Option<SystemTime>,
    ) -> Result<(Claims, usize), Rejection> {
        let claims = self.scheme.parse(request)?;
        check_signature_count(&claims)?;
        if let Some(timestamp) = claims.timestamp {
            self.check_timestamp(timestamp, now)?;
        }
        let declared = content_length(request.headers()).unwrap_or(0);
        if declared > self.max_body_size as u64 {
            return Err(Rejection::payload_too_large(self.max_body_size));
        }
        Ok((claims, declared as usize))
    }

    /// Checks the signatures over the signed content the scheme builds around the body,
    /// and the body digest and timestamp the body itself may carry.
    pub(crate) fn check_body(
        &self,
        request: &RequestHead<'_>,
        claims: Claims,
        body: Bytes,
        now: Option<SystemTime>,
    ) -> Result<Verified, Rejection> {
        let prepared = self.prepare(request, claims, &body)?;
        if prepared.key_id().is_some() {
            return Err(Rejection::signature_mismatch(
                "the request names a key to fetch, which needs the layer and a key source",
            ));
        }
        self.check_prepared(&self.keys, prepared, body, now)
    }

    /// Builds the signed content around the body, with the claims the scheme reads from
    /// the body (a signature, a timestamp, the key the request names), before any key is
    /// chosen.
    pub(crate) fn prepare(
        &self,
        request: &RequestHead<'_>,
        mut claims: Claims,
        body: &[u8],
    ) -> Result<Prepared, Rejection> {
        let timestamp_in_head = claims.timestamp.is_some();
        let mut content = SignedContent::default();
        self.scheme
            .signed_content(request, &mut claims, body, &mut content)?;
        check_signature_count(&claims)?;
        Ok(Prepared {
            claims,
            content,
            timestamp_in_head,
        })
    }

    /// Checks the prepared signatures against `keys` (the configured ones, or the one
    /// fetched for the key the request names), then the body digest and the timestamp
    /// the body carries.
    pub(crate) fn check_prepared(
        &self,
        keys: &[Key],
        prepared: Prepared,
        body: Bytes,
        now: Option<SystemTime>,
    ) -> Result<Verified, Rejection> {
        let Prepared {
            claims,
            content,
            timestamp_in_head,
        } = prepared;
        let key_index = keys
            .iter()
            .position(|key| key.verifies(&claims.signatures, &content, &body))
            .ok_or_else(|| self.mismatch())?;
        if let Some(claimed) = &claims.body_sha256 {
            let digest: [u8; 32] = Sha256::digest(&body).into();
            if !bool::from(digest.ct_eq(claimed)) {
                return Err(Rejection::signature_mismatch(
                    "the body's SHA-256 differs from the one signed",
                ));
            }
        }
        match claims.timestamp {
            Some(timestamp) if !timestamp_in_head => self.check_timestamp(timestamp, now)?,
            _ => {}
        }
        crate::report::verified();
        let timestamp = claims.timestamp.map(unix_seconds);
        let shape = self.event_shape;
        Ok(Verified::new(body, key_index, claims.id, timestamp, shape))
    }

    /// The answer to an unsigned setup request, where the scheme has one.
    pub(crate) fn setup_response(
        &self,
        request: &RequestHead<'_>,
    ) -> Option<http::Response<Bytes>> {
        if !self.handshakes {
            return None;
        }
        self.scheme.setup_response(request, &self.keys)
    }

    /// The answer to a verified setup request, where the scheme has one.
    pub(crate) fn verified_response(
        &self,
        keys: &[Key],
        request: &RequestHead<'_>,
        verified: &Verified,
    ) -> Option<http::Response<Bytes>> {
        // Setup requests are a few hundred bytes; the events that follow them can be
        // megabytes, which are not parsed a second time to look for one.
        if !self.handshakes || verified.body().len() > MAX_HANDSHAKE_BODY {
            return None;
        }
        let key = &keys[verified.key_index()];
        self.scheme.verified_response(request, verified.body(), key)
    }

    /// A signature mismatch, saying which URL was assumed where the scheme signs one and
    /// no public URL is configured.
    fn mismatch(&self) -> Rejection {
        if self.scheme.signs_url() && self.public_url.is_none() {
            Rejection::signature_mismatch(
                "the signed URL was taken as https:// with the Host header, path and query; \
                 behind a proxy, configure public_url",
            )
        } else {
            Rejection::new(RejectionKind::SignatureMismatch)
        }
    }
}

/// The signed content a scheme built around a body and the claims it holds, ready to be
/// checked against a key.
pub(crate) struct Prepared {
    claims: Claims,
    content: SignedContent,
    /// Whether the timestamp came from the head (and was checked before the body).
    timestamp_in_head: bool,
}

impl Prepared {
    /// The key the request names, from its head or its body.
    pub(crate) fn key_id(&self) -> Option<&str> {
        self.claims.key_id.as_deref()
    }
}

/// Refuses more signatures than [`MAX_SIGNATURES`], whatever the scheme: each costs a
/// verification.
fn check_signature_count(claims: &Claims) -> Result<(), Rejection> {
    if claims.signatures.len() > MAX_SIGNATURES {
        return Err(Rejection::signature_mismatch("more than 8 signatures"));
    }
    Ok(())
}

impl<S> Config<S> {
    /// Refuses a signed timestamp outside the window around `now` (by the clock when
    /// `None`).
    fn check_timestamp(
        &self,
        timestamp: SystemTime,
        now: Option<SystemTime>,
    ) -> Result<(), Rejection> {
        let now = now.unwrap_or_else(|| (self.clock)());
        match timestamp.duration_since(now) {
            Ok(ahead) if ahead > self.tolerance => {
                Err(Rejection::new(RejectionKind::TimestampTooNew))
            }
            Ok(_) => Ok(()),
            Err(behind) if behind.duration() > self.tolerance => {
                Err(Rejection::new(RejectionKind::TimestampTooOld))
            }
            Err(_) => Ok(()),
        }
    }

    /// Logs and counts a rejection and makes its response.
    pub(crate) fn reject<B>(&self, rejection: Rejection) -> http::Response<ResponseBody<B>> {
        self.log.rejected(&rejection);
        match &self.on_rejection {
            Some(respond) => respond(rejection).map(ResponseBody::boxed),
            None => rejection.to_response().map(ResponseBody::full),
        }
    }
}

impl<S> AsRef<BufferBudget> for Config<S> {
    fn as_ref(&self) -> &BufferBudget {
        &self.budget
    }
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
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
            .field("budget", &config.budget)
            .finish_non_exhaustive()
    }
}

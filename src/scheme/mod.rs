//! Signing schemes: where a provider puts its signature, what it signs, and with which
//! algorithm.
//!
//! A [`Scheme`] reads a request's head (method, URI, headers) into [`Claims`] before the
//! body is read, builds the [`SignedContent`] from parts around the body (a prefix, the
//! body, a suffix, the URL, the method, form fields), may take claims from the body itself,
//! and writes the same headers back when signing. Computing the MAC or verifying the
//! signature, the comparison in constant time, the body limit, the timestamp window, the
//! rotation of keys and the cap on signatures per request are the layer's job, for every
//! scheme.
//!
//! A provider that signs its public URL, `x-acme-signature: <base64 HMAC-SHA1>` over
//! `{METHOD} {url}\n{body}`:
//!
//! ```
//! use std::fmt::Write as _;
//! use http::HeaderMap;
//! use tower_webhook::scheme::{
//!     decode_signature, Algorithm, Claims, Encoding, RequestHead, Scheme, SignedContent,
//! };
//! use tower_webhook::{Rejection, WebhookVerify};
//!
//! #[derive(Debug, Clone)]
//! struct Acme;
//!
//! const SIGNATURE: http::HeaderName = http::HeaderName::from_static("x-acme-signature");
//!
//! impl Scheme for Acme {
//!     fn parse(&self, request: &RequestHead<'_>) -> Result<Claims, Rejection> {
//!         let text = request.header(&SIGNATURE)?;
//!         let signature = decode_signature(Algorithm::HmacSha1, Encoding::Base64, text)
//!             .map_err(|detail| Rejection::malformed_header(SIGNATURE, detail))?;
//!         Ok(Claims::new(vec![signature]))
//!     }
//!
//!     fn signed_content(
//!         &self,
//!         request: &RequestHead<'_>,
//!         _claims: &mut Claims,
//!         _body: &[u8],
//!         content: &mut SignedContent,
//!     ) -> Result<(), Rejection> {
//!         let _ = write!(content, "{} {}\n", request.method(), request.url()?);
//!         content.push_body();
//!         Ok(())
//!     }
//!
//!     fn algorithm(&self) -> Algorithm {
//!         Algorithm::HmacSha1
//!     }
//!
//!     fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap) {
//!         if let Some(signature) = claims.signatures.first() {
//!             let text = Encoding::Base64.encode(signature.as_bytes());
//!             headers.insert(SIGNATURE, text.parse().unwrap());
//!         }
//!     }
//!
//!     fn signs_url(&self) -> bool {
//!         true
//!     }
//! }
//!
//! // Behind a proxy, the URL Acme signs is the public one.
//! let verify = WebhookVerify::with_scheme(Acme, "secret").public_url("https://example.com");
//! let mut request = http::Request::post("/hooks/acme?team=7").body(b"{}".to_vec()).unwrap();
//! verify.sign_request(&mut request);
//! let (head, body) = request.into_parts();
//! assert!(verify.verify(&head, body.into()).is_ok());
//! ```
//!
//! An asymmetric one, `x-acme-signature-ed25519: <hex>` over `{x-acme-timestamp}{body}`,
//! verified with the sender's public key in hex (feature `ed25519`):
//!
//! ```
//! # #[cfg(feature = "ed25519")] {
//! use http::{HeaderMap, HeaderName};
//! use tower_webhook::scheme::{
//!     decode_signature, parse_timestamp, Algorithm, Claims, Encoding, Key, RequestHead,
//!     Scheme, SignedContent,
//! };
//! use tower_webhook::{ConfigError, Rejection, WebhookVerify};
//!
//! #[derive(Debug, Clone)]
//! struct Acme;
//!
//! const SIGNATURE: HeaderName = HeaderName::from_static("x-acme-signature-ed25519");
//! const TIMESTAMP: HeaderName = HeaderName::from_static("x-acme-timestamp");
//!
//! impl Scheme for Acme {
//!     fn parse(&self, request: &RequestHead<'_>) -> Result<Claims, Rejection> {
//!         let text = request.header(&SIGNATURE)?;
//!         let signature = decode_signature(Algorithm::Ed25519, Encoding::Hex, text)
//!             .map_err(|detail| Rejection::malformed_header(SIGNATURE, detail))?;
//!         let timestamp = parse_timestamp(&TIMESTAMP, request.header(&TIMESTAMP)?)?;
//!         Ok(Claims::new(vec![signature]).with_timestamp(timestamp))
//!     }
//!
//!     fn signed_content(
//!         &self,
//!         request: &RequestHead<'_>,
//!         _claims: &mut Claims,
//!         _body: &[u8],
//!         content: &mut SignedContent,
//!     ) -> Result<(), Rejection> {
//!         content.push(request.header(&TIMESTAMP)?);
//!         content.push_body();
//!         Ok(())
//!     }
//!
//!     fn key(&self, public_key_hex: &[u8]) -> Result<Key, ConfigError> {
//!         let bytes = hex::decode(public_key_hex)
//!             .map_err(|_| ConfigError::new("the public key is not hex"))?;
//!         Key::ed25519_public(&bytes)
//!     }
//!
//!     fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap) {
//!         headers.insert(TIMESTAMP, claims.unix_seconds().into());
//!         if let Some(signature) = claims.signatures.first() {
//!             headers.insert(SIGNATURE, hex::encode(signature.as_bytes()).parse().unwrap());
//!         }
//!     }
//!
//!     fn carries_timestamp(&self) -> bool {
//!         true
//!     }
//! }
//!
//! let layer = WebhookVerify::with_scheme(
//!     Acme,
//!     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
//! );
//! # }
//! ```

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::{Method, Uri};
use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use crate::error::ConfigError;
use crate::rejection::Rejection;

mod any;
mod context;
mod header;
pub(crate) mod hmac;
mod slack;
#[cfg(feature = "sns")]
pub(crate) mod sns;
mod standard;
mod timestamped;

pub use self::any::AnyScheme;
#[cfg(feature = "ecdsa")]
pub use self::context::SendGrid;
pub use self::context::{
    Adyen, BodyHashJwt, Braintree, Contentful, HubSpot, Mailgun, Square, Trello, Twilio,
};
#[cfg(feature = "ed25519")]
pub use self::context::{Discord, Telnyx};
pub use self::header::{DocuSign, GitLab, Line, SetupHandshake, SharedToken};
pub use self::hmac::HmacScheme;
pub use self::slack::Slack;
#[cfg(feature = "sns")]
pub use self::sns::AwsSns;
pub use self::standard::StandardWebhooks;
pub use self::timestamped::{PairScheme, StandardVariant, Stripe, TemplateScheme};
pub use crate::key::{Algorithm, Key, Signature};

/// A webhook signing scheme: where a provider puts its signature, what it signs, and with
/// which algorithm.
///
/// See the [module docs](self) for complete custom schemes.
pub trait Scheme: fmt::Debug + Send + Sync + 'static {
    /// Reads the signatures, and the timestamp and event id where the scheme has them, from
    /// the request's head. Called before the body is read, so a request whose headers are
    /// wrong is refused without reading it. A scheme that finds its signature in the body
    /// returns none here and adds them in [`signed_content`](Scheme::signed_content).
    fn parse(&self, request: &RequestHead<'_>) -> Result<Claims, Rejection>;

    /// Builds the signed content from its parts, once the body is read: bytes before the
    /// body, [the body](SignedContent::push_body) where it is signed, bytes after it. The
    /// default signs the raw body alone.
    ///
    /// A scheme that takes claims from the body (a signature or timestamp in a JSON field,
    /// form parameters) reads them here, once, and adds them to `claims`.
    fn signed_content(
        &self,
        request: &RequestHead<'_>,
        claims: &mut Claims,
        body: &[u8],
        content: &mut SignedContent,
    ) -> Result<(), Rejection> {
        let _ = (request, claims, body);
        content.push_body();
        Ok(())
    }

    /// The algorithm signing uses (verification takes whatever the signatures are).
    fn algorithm(&self) -> Algorithm {
        Algorithm::HmacSha256
    }

    /// Writes the headers that carry `claims`: the inverse of [`parse`](Scheme::parse).
    /// Signing calls it twice: first with no signatures (so that the timestamp and id
    /// headers are there when the signed content is built from them), then with the
    /// signature; use `insert` for the headers that are written both times.
    fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap);

    /// Turns a configured secret into a key. The default is a shared secret over the
    /// secret's bytes as given; schemes whose secret is encoded (base64, hex, a public
    /// key) decode it here.
    fn key(&self, secret: &[u8]) -> Result<Key, ConfigError> {
        Key::shared(secret)
    }

    /// The id [`dedupe`](crate::WebhookVerify::dedupe) keys on when the scheme signs none
    /// (see [`Claims::id`]): the body's top-level `id` (a string or an integer) by default.
    /// Called only with dedupe on, once the signature has verified. A scheme whose sender
    /// puts the event id elsewhere (GitHub's `X-GitHub-Delivery` header, Slack's
    /// `event_id`) says so here; a scheme whose body `id` names something other than the
    /// event must not return it, or different events would count as one.
    fn event_id(&self, headers: &HeaderMap, body: &[u8]) -> Option<String> {
        let _ = headers;
        body_field_id(body, "id")
    }

    /// Where the provider puts an event's id, type and payload, so that the same
    /// [`WebhookEvent`](crate::WebhookEvent) handler works behind every preset. The default
    /// is the `{id, type, payload}` envelope.
    fn event_shape(&self) -> EventShape {
        EventShape::ENVELOPE
    }

    /// How long the provider keeps retrying a delivery it got no 2xx for (Stripe: 3 days),
    /// so that [dedupe](crate::dedupe) remembers a handled event at least that long by
    /// default. Zero (the default) where the provider documents no retries.
    fn retry_period(&self) -> Duration {
        Duration::ZERO
    }

    /// Whether the scheme signs a timestamp (so signing must produce one).
    fn carries_timestamp(&self) -> bool {
        false
    }

    /// Whether the scheme's headers carry an event id, signed or not (so signing must
    /// produce one).
    fn carries_id(&self) -> bool {
        false
    }

    /// Answers a setup request of the provider's that carries no signature, before
    /// anything else is checked: a `GET` with a challenge to echo (Meta, Dropbox, Okta).
    /// `keys` are the configured keys, for a challenge that proves knowledge of the secret.
    /// Such a request never reaches the handler. Most schemes have none (the default).
    fn setup_response(
        &self,
        request: &RequestHead<'_>,
        keys: &[Key],
    ) -> Option<http::Response<bytes::Bytes>> {
        let _ = (request, keys);
        None
    }

    /// Answers a verified setup request in place of the handler: Slack's
    /// `url_verification`, Discord's PING, Zoom's `endpoint.url_validation`, Twitch's
    /// `webhook_callback_verification`. `key` is the key that verified it. The default
    /// answers none.
    fn verified_response(
        &self,
        request: &RequestHead<'_>,
        body: &[u8],
        key: &Key,
    ) -> Option<http::Response<bytes::Bytes>> {
        let _ = (request, body, key);
        None
    }

    /// Whether the signed content holds the request's URL ([`RequestHead::url`]), so a
    /// mismatch can say which URL was assumed.
    fn signs_url(&self) -> bool {
        false
    }
}

/// Where a provider puts one part of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Location {
    /// A request header, such as GitHub's `X-GitHub-Event`.
    Header(&'static str),
    /// A field of the JSON body by its dotted path (`type`, `data.object`, `event.type`;
    /// a number indexes an array: `0.eventId`). The empty path is the whole body.
    Body(&'static str),
    /// The event id the scheme signs (Standard Webhooks' `webhook-id`).
    SignedId,
    /// Nowhere: the provider sends none (Dropbox's notifications have no type). The
    /// extractor gives an empty string.
    Absent,
}

/// Where a provider puts an event's id, type and payload: what
/// [`WebhookEvent`](crate::WebhookEvent) reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct EventShape {
    /// The event id; when it is not there, the id the scheme signed is used.
    pub id: Location,
    /// The event type.
    pub kind: Location,
    /// The payload.
    pub payload: Location,
}

impl EventShape {
    /// The `{"id": ..., "type": ..., "payload": ...}` envelope.
    pub const ENVELOPE: Self = Self::new(
        Location::Body("id"),
        Location::Body("type"),
        Location::Body("payload"),
    );

    /// `{"id": ..., "type": ..., "data": ...}`: Stripe, Svix and Standard Webhooks senders,
    /// and many others.
    pub const ID_TYPE_DATA: Self = Self::new(
        Location::Body("id"),
        Location::Body("type"),
        Location::Body("data"),
    );

    /// An event with its id, type and payload where these say.
    pub const fn new(id: Location, kind: Location, payload: Location) -> Self {
        Self { id, kind, payload }
    }
}

/// What a scheme sees of a request before its body: the method, the URI, the headers, and
/// the public URL the sender was given, where one is configured
/// ([`public_url`](crate::WebhookVerify::public_url)).
#[derive(Debug, Clone, Copy)]
pub struct RequestHead<'a> {
    method: &'a Method,
    uri: &'a Uri,
    headers: &'a HeaderMap,
    public_url: Option<&'a PublicUrl>,
}

impl<'a> RequestHead<'a> {
    /// The head of a request with this method, URI and headers, and no public URL.
    pub fn new(method: &'a Method, uri: &'a Uri, headers: &'a HeaderMap) -> Self {
        Self {
            method,
            uri,
            headers,
            public_url: None,
        }
    }

    pub(crate) fn with_public_url(mut self, public_url: Option<&'a PublicUrl>) -> Self {
        self.public_url = public_url;
        self
    }

    /// The request method.
    pub fn method(&self) -> &'a Method {
        self.method
    }

    /// The request URI, as the server received it.
    pub fn uri(&self) -> &'a Uri {
        self.uri
    }

    /// The request headers.
    pub fn headers(&self) -> &'a HeaderMap {
        self.headers
    }

    /// The one value of a header as text; see [`single_header`].
    pub fn header(&self, name: &HeaderName) -> Result<&'a str, Rejection> {
        single_header(self.headers, name)
    }

    /// The one value of a header as text, or `None` where it is not sent; repeated or
    /// non-ASCII values are rejected as by [`header`](Self::header).
    ///
    /// ```
    /// use http::{HeaderMap, HeaderName, Method, Uri};
    /// use tower_webhook::scheme::RequestHead;
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert("x-signature", "abc".parse().unwrap());
    /// let (method, uri) = (Method::POST, Uri::from_static("/webhook"));
    /// let head = RequestHead::new(&method, &uri, &headers);
    /// let sent = HeaderName::from_static("x-signature");
    /// assert_eq!(head.header_if_sent(&sent).unwrap(), Some("abc"));
    /// let absent = HeaderName::from_static("x-other");
    /// assert_eq!(head.header_if_sent(&absent).unwrap(), None);
    ///
    /// headers.append("x-signature", "def".parse().unwrap());
    /// let head = RequestHead::new(&method, &uri, &headers);
    /// assert!(head.header_if_sent(&sent).is_err());
    /// ```
    pub fn header_if_sent(&self, name: &HeaderName) -> Result<Option<&'a str>, Rejection> {
        header_if_sent(self.headers, name)
    }

    /// The URL the sender signed: the configured [public
    /// URL](crate::WebhookVerify::public_url) followed by the request's path and query.
    /// Without one, the request's own URI when it is absolute, else `https://` followed by
    /// the `Host` header, the path and the query. `X-Forwarded-*` headers are never read:
    /// anyone can send them.
    pub fn url(&self) -> Result<String, Rejection> {
        let path_and_query = self.uri.path_and_query().map_or("/", |p| p.as_str());
        if let Some(public) = self.public_url {
            return Ok(format!("{}{path_and_query}", public.0));
        }
        if self.uri.scheme().is_some() && self.uri.authority().is_some() {
            return Ok(self.uri.to_string());
        }
        let host = single_header(self.headers, &http::header::HOST)?;
        Ok(format!("https://{host}{path_and_query}"))
    }
}

/// The public origin (and path prefix) a provider was given for this endpoint, such as
/// `https://example.com` or `https://example.com/api`: what URL-signed schemes sign,
/// whatever the request's URI looks like behind a proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    /// Parses `https://host[:port][/prefix]`: an absolute `http` or `https` URL without a
    /// query. A trailing `/` is dropped, since the request's path starts with one.
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        let mistake = || {
            ConfigError::new(format!(
                "{url:?} is not a public URL: give the scheme, host and optional path prefix, \
                 such as \"https://example.com\" or \"https://example.com/api\""
            ))
        };
        let uri: Uri = url.parse().map_err(|_| mistake())?;
        let scheme_ok = matches!(uri.scheme_str(), Some("https" | "http"));
        if !scheme_ok || uri.authority().is_none() || uri.query().is_some() {
            return Err(mistake());
        }
        Ok(Self(url.trim_end_matches('/').to_owned()))
    }
}

/// The bytes a signature covers, built from parts by a scheme: bytes before the body, the
/// body itself where it is signed, bytes after it. The body is never copied into it.
///
/// It implements [`fmt::Write`], so `write!(content, "{timestamp}.")` appends text.
#[derive(Default)]
pub struct SignedContent {
    bytes: Vec<u8>,
    /// Where the body stands in `bytes`, if it is signed.
    body_at: Option<usize>,
}

impl SignedContent {
    /// Appends bytes (before the body until [`push_body`](Self::push_body), after it
    /// once it is pushed).
    pub fn push(&mut self, bytes: impl AsRef<[u8]>) {
        self.bytes.extend_from_slice(bytes.as_ref());
    }

    /// Makes room for `additional` more bytes, for a scheme that knows what it will push.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.bytes.reserve(additional);
    }

    /// Appends `bytes`, taking them without a copy when nothing was pushed before.
    pub(crate) fn push_vec(&mut self, bytes: Vec<u8>) {
        if self.bytes.is_empty() {
            self.bytes = bytes;
        } else {
            self.push(bytes);
        }
    }

    /// Puts the raw body here. At most once; a scheme that never calls it does not sign
    /// the body.
    ///
    /// # Panics
    ///
    /// If the body was already pushed.
    pub fn push_body(&mut self) {
        assert!(self.body_at.is_none(), "the body is signed once");
        self.body_at = Some(self.bytes.len());
    }

    /// Whether the body is part of the signed content.
    pub fn signs_body(&self) -> bool {
        self.body_at.is_some()
    }

    /// Calls `f` with each part of the content in order, the body where it stands.
    pub(crate) fn each(&self, body: &[u8], mut f: impl FnMut(&[u8])) {
        match self.body_at {
            Some(at) => {
                f(&self.bytes[..at]);
                f(body);
                f(&self.bytes[at..]);
            }
            None => f(&self.bytes),
        }
    }

    /// `digest` fed with the content.
    pub(crate) fn feed<D: sha2::Digest>(&self, mut digest: D, body: &[u8]) -> D {
        self.each(body, |part| digest.update(part));
        digest
    }

    /// The content in one buffer, for algorithms that take the message whole (ed25519).
    #[cfg_attr(not(feature = "ed25519"), allow(dead_code))]
    pub(crate) fn to_message(&self, body: &[u8]) -> Vec<u8> {
        let mut message = Vec::with_capacity(self.bytes.len() + body.len());
        self.each(body, |part| message.extend_from_slice(part));
        message
    }
}

impl fmt::Write for SignedContent {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        self.push(text);
        Ok(())
    }
}

impl fmt::Debug for SignedContent {
    // The content may hold form fields and other parts of the request: show only sizes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedContent")
            .field("len", &self.bytes.len())
            .field("body_at", &self.body_at)
            .finish()
    }
}

/// The longest event id dedupe accepts from a body or an unsigned header.
const MAX_EVENT_ID_LEN: usize = 256;

/// The body's top-level `field`, a non-empty string or an integer, read without the rest.
pub(crate) fn body_field_id(body: &[u8], field: &str) -> Option<String> {
    struct TopLevel<'a>(&'a str);

    impl<'de> Visitor<'de> for TopLevel<'_> {
        type Value = Option<EventId>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut found = None;
            while let Some(key) = map.next_key::<String>()? {
                if key == self.0 && found.is_none() {
                    found = map.next_value::<Option<EventId>>()?;
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(found)
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum EventId {
        Text(String),
        Number(i64),
    }

    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let id = match deserializer.deserialize_map(TopLevel(field)).ok()?? {
        EventId::Text(text) => text,
        EventId::Number(number) => number.to_string(),
    };
    valid_event_id(id)
}

/// A JSON value that a provider signs as text: a string as sent (borrowed from the body
/// where it has no escapes), an integer or a boolean as JSON writes it. Read straight from
/// the parser; any other value (a fraction, null, an object, an array) is refused.
pub(crate) struct JsonText<'a>(pub(crate) Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for JsonText<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonTextVisitor)
    }
}

struct JsonTextVisitor;

impl<'de> Visitor<'de> for JsonTextVisitor {
    type Value = JsonText<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("text, an integer or a boolean")
    }

    fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(JsonText(Cow::Borrowed(text)))
    }

    fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
        Ok(JsonText(Cow::Owned(text.to_owned())))
    }

    fn visit_u64<E>(self, number: u64) -> Result<Self::Value, E> {
        Ok(JsonText(Cow::Owned(number.to_string())))
    }

    fn visit_i64<E>(self, number: i64) -> Result<Self::Value, E> {
        Ok(JsonText(Cow::Owned(number.to_string())))
    }

    fn visit_bool<E>(self, value: bool) -> Result<Self::Value, E> {
        Ok(JsonText(Cow::Borrowed(if value {
            "true"
        } else {
            "false"
        })))
    }
}

/// The top-level `field` of the JSON object `body`, read as `T`, the other fields skipped
/// without being kept; `None` where the object has no such field. A body that is not one
/// JSON object, or that has the field twice, is an error.
pub(crate) fn top_level_field<'de, T: Deserialize<'de>>(
    body: &'de [u8],
    field: &str,
) -> serde_json::Result<Option<T>> {
    struct TopLevel<'f, T>(&'f str, std::marker::PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for TopLevel<'_, T> {
        type Value = Option<T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut found = None;
            while let Some(JsonText(key)) = map.next_key()? {
                if key != self.0 {
                    map.next_value::<IgnoredAny>()?;
                } else if found.replace(map.next_value()?).is_some() {
                    return Err(serde::de::Error::custom("a field appears twice"));
                }
            }
            Ok(found)
        }
    }

    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = deserializer.deserialize_map(TopLevel(field, std::marker::PhantomData))?;
    deserializer.end()?;
    Ok(value)
}

/// `id`, if it is non-empty and not too long to key on.
pub(crate) fn valid_event_id(id: String) -> Option<String> {
    (!id.is_empty() && id.len() <= MAX_EVENT_ID_LEN).then_some(id)
}

/// What a request claims: its signatures, the timestamp and id they cover, and the body
/// digest a signed token states.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Claims {
    /// Every signature the request carries; any one that matches any key verifies it.
    pub signatures: Vec<Signature>,
    /// The signed timestamp, where the scheme has one.
    pub timestamp: Option<SystemTime>,
    /// The event id. [`parse`](Scheme::parse) sets it only where the scheme signs it, so
    /// the id of a verified request is always signed; signing writes it wherever the
    /// scheme's headers carry one ([`carries_id`](Scheme::carries_id)).
    pub id: Option<String>,
    /// The SHA-256 of the body that a signed token states (a JWT's body-hash claim,
    /// Twilio's `bodySHA256`): the body must have this digest, compared in constant time.
    pub body_sha256: Option<[u8; 32]>,
    /// The key the request names, for providers that publish their keys (a certificate
    /// URL, a key id): the layer verifies with the key its
    /// [`KeySource`](crate::key_source::KeySource) gives for it, not with the configured
    /// ones. A scheme sets it in [`parse`](Scheme::parse), or in
    /// [`signed_content`](Scheme::signed_content) for a key named in the body (AWS SNS's
    /// `SigningCertURL`), and only after checking that the provider could have named it.
    pub key_id: Option<String>,
}

impl Claims {
    /// Claims carrying these signatures and nothing else.
    pub fn new(signatures: Vec<Signature>) -> Self {
        Self {
            signatures,
            ..Self::default()
        }
    }

    /// Sets the signed timestamp.
    pub fn with_timestamp(mut self, timestamp: SystemTime) -> Self {
        self.timestamp = Some(timestamp);
        self
    }

    /// Sets the signed event id.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// The signed timestamp in whole seconds since the Unix epoch (0 when there is none).
    pub fn unix_seconds(&self) -> u64 {
        self.timestamp.map_or(0, unix_seconds)
    }

    /// The signed timestamp in milliseconds since the Unix epoch (0 when there is none).
    pub fn unix_millis(&self) -> u64 {
        self.timestamp.map_or(0, unix_millis)
    }
}

/// How a signature is written in its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Encoding {
    /// Hexadecimal; upper- and lower-case are both accepted, lower-case is written.
    #[default]
    Hex,
    /// Standard base64; written with padding, read with or without.
    Base64,
    /// URL-safe base64; written without padding, read with or without.
    Base64Url,
}

/// Base64 engines that read text with or without padding.
const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);
const BASE64_URL: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    base64::engine::GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

impl Encoding {
    /// Decodes exactly `N` bytes (at most 64), or says in a few words why the text is not
    /// that.
    pub fn decode<const N: usize>(self, text: &str) -> Result<[u8; N], &'static str> {
        let mut out = [0u8; N];
        match self {
            Self::Hex => {
                if text.len() != 2 * N {
                    return Err("wrong length for this signature");
                }
                // Either case, in constant time: no branch per digit, so no mispredictions
                // on signatures whose letters differ from one request to the next.
                base16ct::mixed::decode(text, &mut out).map_err(|_| "not hex")?;
            }
            Self::Base64 | Self::Base64Url => {
                // Room for the decoder's estimate, which rounds up to whole 3-byte groups.
                let mut buffer = [0u8; 72];
                if N > 64 || text.len() > 88 {
                    return Err("wrong length for this signature");
                }
                let len = self
                    .engine()
                    .decode_slice(text, &mut buffer)
                    .map_err(|_| "not base64")?;
                if len != N {
                    return Err("wrong length for this signature");
                }
                out.copy_from_slice(&buffer[..N]);
            }
        }
        Ok(out)
    }

    /// Decodes any number of bytes up to `max` (for signatures of varying length, such as
    /// DER), or says why the text is not that.
    pub fn decode_vec(self, text: &str, max: usize) -> Result<Vec<u8>, &'static str> {
        if text.len() > 2 * max + 4 {
            return Err("too long for this signature");
        }
        let decoded = match self {
            Self::Hex => hex::decode(text).map_err(|_| "not hex")?,
            Self::Base64 | Self::Base64Url => {
                self.engine().decode(text).map_err(|_| "not base64")?
            }
        };
        if decoded.len() > max {
            return Err("too long for this signature");
        }
        Ok(decoded)
    }

    /// Encodes bytes in this encoding.
    pub fn encode(self, bytes: &[u8]) -> String {
        match self {
            Self::Hex => hex::encode(bytes),
            Self::Base64 => base64::engine::general_purpose::STANDARD.encode(bytes),
            Self::Base64Url => BASE64_URL.encode(bytes),
        }
    }

    fn engine(self) -> &'static base64::engine::GeneralPurpose {
        match self {
            Self::Base64Url => &BASE64_URL,
            _ => &BASE64,
        }
    }
}

/// The longest RSA signature decoded: that of a 4096-bit key.
const MAX_RSA_BYTES: usize = 512;

/// Decodes one signature made with `algorithm` from its text: a MAC of the algorithm's
/// length, an ed25519 signature, an ECDSA signature in DER, or an RSA signature (up to
/// 4096 bits). A token is taken as is.
pub fn decode_signature(
    algorithm: Algorithm,
    encoding: Encoding,
    text: &str,
) -> Result<Signature, &'static str> {
    Ok(match algorithm {
        Algorithm::HmacSha1 => Signature::HmacSha1(encoding.decode(text)?),
        Algorithm::HmacSha256 => Signature::HmacSha256(encoding.decode(text)?),
        Algorithm::HmacSha512 => Signature::HmacSha512(encoding.decode(text)?),
        Algorithm::KeyedSha256 => Signature::KeyedSha256(encoding.decode(text)?),
        Algorithm::Ed25519 => Signature::Ed25519(encoding.decode(text)?),
        Algorithm::EcdsaP256 => Signature::EcdsaP256(encoding.decode_vec(text, 72)?),
        Algorithm::RsaSha1 => Signature::RsaSha1(encoding.decode_vec(text, MAX_RSA_BYTES)?),
        Algorithm::RsaSha256 => Signature::RsaSha256(encoding.decode_vec(text, MAX_RSA_BYTES)?),
        Algorithm::Token => Signature::Token(text.as_bytes().to_vec()),
    })
}

/// The text of one signature in `encoding`; a token is written as is.
pub fn encode_signature(encoding: Encoding, signature: &Signature) -> String {
    match signature {
        Signature::Token(token) => String::from_utf8_lossy(token).into_owned(),
        _ => encoding.encode(signature.as_bytes()),
    }
}

/// How a provider shows a shared secret, and so how it becomes the key's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SecretForm {
    /// The text's bytes as given (most providers).
    #[default]
    Raw,
    /// Base64 of the key (Airtable's `macSecretBase64`).
    Base64,
    /// Hex of the key (Adyen's HMAC key).
    Hex,
}

impl SecretForm {
    /// The key this secret stands for; a secret that is not in this form is a
    /// [`ConfigError`] that says so.
    pub fn key(self, secret: &[u8]) -> Result<Key, ConfigError> {
        let decoded = match self {
            Self::Raw => return Key::shared(secret),
            Self::Base64 => BASE64
                .decode(secret)
                .map_err(|_| ConfigError::new("the secret is not base64"))?,
            Self::Hex => {
                hex::decode(secret).map_err(|_| ConfigError::new("the secret is not hex"))?
            }
        };
        Key::shared(&zeroize::Zeroizing::new(decoded))
    }
}

/// The most signatures one request may carry. Senders send one per active secret (two
/// during a rotation); a cap keeps a header stuffed with signatures from costing one
/// verification each.
pub const MAX_SIGNATURES: usize = 8;

/// Refuses a list of signatures that is longer than [`MAX_SIGNATURES`].
pub fn check_signature_count(
    header: &HeaderName,
    signatures: &[Signature],
) -> Result<(), Rejection> {
    if signatures.len() > MAX_SIGNATURES {
        return Err(Rejection::malformed_header(
            header.clone(),
            "more than 8 signatures",
        ));
    }
    Ok(())
}

/// Returns the one value of a header as text: missing, repeated or non-ASCII values are
/// rejected with a reason that names the header.
pub fn single_header<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Result<&'a str, Rejection> {
    header_if_sent(headers, name)?.ok_or_else(|| Rejection::missing_header(name.clone()))
}

/// [`single_header`], or `None` where the header is not sent at all.
fn header_if_sent<'a>(
    headers: &'a HeaderMap,
    name: &HeaderName,
) -> Result<Option<&'a str>, Rejection> {
    let mut values = headers.get_all(name).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(Rejection::malformed_header(name.clone(), "repeated"));
    }
    value
        .to_str()
        .map(Some)
        .map_err(|_| Rejection::malformed_header(name.clone(), "not ASCII"))
}

/// Parses a timestamp in whole seconds since the Unix epoch.
pub fn parse_timestamp(name: &HeaderName, text: &str) -> Result<SystemTime, Rejection> {
    let seconds = parse_digits(name, text)?;
    since_epoch(Duration::from_secs(seconds))
        .ok_or_else(|| Rejection::invalid_timestamp(name.clone()))
}

/// Parses a timestamp in milliseconds since the Unix epoch.
pub fn parse_timestamp_millis(name: &HeaderName, text: &str) -> Result<SystemTime, Rejection> {
    let millis = parse_digits(name, text)?;
    since_epoch(Duration::from_millis(millis))
        .ok_or_else(|| Rejection::invalid_timestamp(name.clone()))
}

/// The time `since` after the Unix epoch, or `None` past what a `SystemTime` holds (a
/// stated timestamp is the sender's number: adding it unchecked would panic).
pub(crate) fn since_epoch(since: Duration) -> Option<SystemTime> {
    UNIX_EPOCH.checked_add(since)
}

/// Parses an RFC 3339 (ISO 8601) date and time with an offset, such as
/// `2024-01-31T12:00:00.123Z` or `2024-01-31T04:00:00-08:00`.
pub fn parse_rfc3339(name: &HeaderName, text: &str) -> Result<SystemTime, Rejection> {
    let time = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|_| Rejection::invalid_timestamp(name.clone()))?;
    Ok(time.into())
}

/// Writes `time` in RFC 3339 in UTC (`2024-01-31T12:00:00Z`, with fractional seconds only
/// where `time` has them).
pub fn format_rfc3339(time: SystemTime) -> String {
    time::OffsetDateTime::from(time)
        .format(&time::format_description::well_known::Rfc3339)
        .expect("every SystemTime after 1970 has an RFC 3339 form")
}

/// `time` in whole seconds since the Unix epoch (0 before it).
pub fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

/// `time` in milliseconds since the Unix epoch (0 before it).
pub fn unix_millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as u64)
}

/// Digits only (`u64::from_str` would take a leading `+`), at most 19 of them.
fn parse_digits(name: &HeaderName, text: &str) -> Result<u64, Rejection> {
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Rejection::invalid_timestamp(name.clone()));
    }
    text.parse()
        .map_err(|_| Rejection::invalid_timestamp(name.clone()))
}

/// A 200 response to a setup request, with this content type and body.
pub(crate) fn setup_answer(
    content_type: &'static str,
    body: impl Into<bytes::Bytes>,
) -> http::Response<bytes::Bytes> {
    let mut response = http::Response::new(body.into());
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(content_type),
    );
    response
}

/// Builds a header value from text this crate produced (hex, base64, digits, ids).
pub(crate) fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).expect("signature headers are visible ASCII")
}

#[cfg(test)]
mod tests {
    use super::{body_field_id, Encoding};

    #[test]
    fn decode_mac_agrees_with_the_hex_crate_in_both_cases() {
        let mac: [u8; 32] = std::array::from_fn(|i| (i * 37 + 11) as u8);
        let lower = hex::encode(mac);
        assert_eq!(Encoding::Hex.decode::<32>(&lower), Ok(mac));
        assert_eq!(Encoding::Hex.decode::<32>(&lower.to_uppercase()), Ok(mac));
        for bad in ["g", "G", " ", "/", ":", "@", "`", "é"] {
            let text = format!("{bad}{}", &lower[bad.len()..]);
            assert_eq!(Encoding::Hex.decode::<32>(&text), Err("not hex"), "{bad:?}");
        }
    }

    #[test]
    fn body_field_id_reads_a_top_level_string_or_integer() {
        let event = br#"{"type":"a","id":"evt_1","data":{"id":"x"},"event_id":7}"#;
        assert_eq!(body_field_id(event, "id").as_deref(), Some("evt_1"));
        assert_eq!(body_field_id(event, "event_id").as_deref(), Some("7"));
        assert_eq!(body_field_id(br#"{"id":42}"#, "id").as_deref(), Some("42"));
        assert_eq!(body_field_id(br#"{"data":{"id":"x"}}"#, "id"), None);
        assert_eq!(body_field_id(br#"{"id":""}"#, "id"), None);
        assert_eq!(body_field_id(br#"{"id":null}"#, "id"), None);
        assert_eq!(body_field_id(br#"{"id":{"nested":1}}"#, "id"), None);
        assert_eq!(body_field_id(b"not json", "id"), None);
        assert_eq!(body_field_id(b"[1,2]", "id"), None);
        let long = format!(r#"{{"id":"{}"}}"#, "a".repeat(257));
        assert_eq!(body_field_id(long.as_bytes(), "id"), None);
    }
}

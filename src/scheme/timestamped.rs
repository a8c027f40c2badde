//! Schemes that sign a timestamp with the body: a header of `key=value` pairs (Stripe's
//! shape, [`PairScheme`]), signed content laid out by a template from separate headers
//! ([`TemplateScheme`]), and Standard Webhooks with another secret form or header names
//! ([`StandardVariant`]).

use std::fmt::{self, Write as _};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderName};
use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};

use super::{
    body_field_id, check_signature_count, decode_signature, encode_signature, format_rfc3339,
    header_value, parse_rfc3339, parse_timestamp, parse_timestamp_millis, setup_answer,
    since_epoch, valid_event_id, Algorithm, Claims, Encoding, Key, RequestHead, Scheme,
    SignedContent, StandardWebhooks, MAX_SIGNATURES,
};
use crate::error::ConfigError;
use crate::rejection::Rejection;

/// Where dedupe finds a delivery's event id, for schemes that sign none.
#[derive(Debug, Clone)]
pub(crate) enum EventIdAt {
    /// The sender gives none.
    Nowhere,
    /// The body's top-level field.
    Body(&'static str),
    /// A header (not signed).
    Header(HeaderName),
    /// The `id` of the body's top-level `data` object (Persona's `{"data": {"id": ...}}`).
    DataId,
}

impl EventIdAt {
    fn find(&self, headers: &HeaderMap, body: &[u8]) -> Option<String> {
        match self {
            Self::Nowhere => None,
            Self::Body(field) => body_field_id(body, field),
            Self::Header(name) => valid_event_id(headers.get(name)?.to_str().ok()?.to_owned()),
            Self::DataId => {
                #[derive(serde::Deserialize)]
                struct Envelope {
                    data: Data,
                }
                #[derive(serde::Deserialize)]
                struct Data {
                    id: String,
                }
                let envelope: Envelope = serde_json::from_slice(body).ok()?;
                valid_event_id(envelope.data.id)
            }
        }
    }
}

/// How a timestamp is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeFormat {
    /// Whole seconds since the Unix epoch.
    Seconds,
    /// Milliseconds since the Unix epoch.
    Millis,
    /// RFC 3339 (ISO 8601), written in whole seconds, UTC.
    Rfc3339,
}

impl TimeFormat {
    fn parse(self, name: &HeaderName, text: &str) -> Result<SystemTime, Rejection> {
        match self {
            Self::Seconds => parse_timestamp(name, text),
            Self::Millis => parse_timestamp_millis(name, text),
            Self::Rfc3339 => parse_rfc3339(name, text),
        }
    }

    fn format(self, claims: &Claims) -> String {
        match self {
            Self::Seconds => claims.unix_seconds().to_string(),
            Self::Millis => claims.unix_millis().to_string(),
            Self::Rfc3339 => {
                format_rfc3339(UNIX_EPOCH + Duration::from_secs(claims.unix_seconds()))
            }
        }
    }
}

/// One header of `key=value` pairs holding a timestamp and one or more signatures, over
/// `{timestamp}{joiner}{body}`: Stripe's `Stripe-Signature: t=<s>,v1=<hex>` and the
/// providers that copied it with another header, keys, separator, time unit or encoding
/// (Paddle's `ts=<s>;h1=<hex>` over `{ts}:{body}`, WorkOS's milliseconds, Sanity's
/// base64url).
///
/// Pairs are split on the separator and on spaces (WorkOS writes `, `, Persona sends
/// space-separated groups while a secret rotates, each stating the same timestamp); every
/// signature entry is tried, entries with other keys (Stripe's `v0`) are ignored, and a
/// repeated timestamp is refused (outside Persona's groups, one that differs). The signed timestamp is the number the header states. The presets build
/// it: [`WebhookVerify::stripe`](crate::WebhookVerify::stripe),
/// [`paddle`](crate::WebhookVerify::paddle), [`workos`](crate::WebhookVerify::workos)...
#[derive(Debug, Clone)]
pub struct PairScheme {
    header: HeaderName,
    timestamp_key: &'static str,
    signature_key: &'static str,
    /// Between pairs, as read (spaces also separate) and as written.
    separator: &'static str,
    time: TimeFormat,
    encoding: Encoding,
    /// Between the timestamp and the body in the signed content.
    joiner: char,
    /// Whether space-separated groups may each repeat the (same) timestamp (Persona).
    groups: bool,
    event_id: EventIdAt,
}

/// Stripe: `Stripe-Signature: t=<timestamp>,v1=<hex>[,v1=<hex>...]` over `{t}.{body}`.
///
/// Every `v1` entry is tried (Stripe sends several while a secret is being rolled); `v0`
/// and unknown entries are ignored. The `whsec_...` secret is used as its literal bytes.
/// See <https://docs.stripe.com/webhooks#verify-manually>.
pub type Stripe = PairScheme;

/// Stripe's scheme, as a value: `WebhookVerify::with_scheme(Stripe, "whsec_...")`.
#[allow(non_upper_case_globals)]
pub const Stripe: PairScheme = PairScheme::stripe();

impl PairScheme {
    /// `{header}: t=<s>,v1=<hex>` over `{t}.{body}`, the body's `id` for dedupe.
    const fn stripe_shaped(header: HeaderName) -> Self {
        Self {
            header,
            timestamp_key: "t",
            signature_key: "v1",
            separator: ",",
            time: TimeFormat::Seconds,
            encoding: Encoding::Hex,
            joiner: '.',
            groups: false,
            event_id: EventIdAt::Body("id"),
        }
    }

    /// Stripe's `Stripe-Signature: t=<s>,v1=<hex>` over `{t}.{body}`.
    pub const fn stripe() -> Self {
        Self::stripe_shaped(HeaderName::from_static("stripe-signature"))
    }

    pub(crate) fn calendly() -> Self {
        let scheme = Self::stripe_shaped(HeaderName::from_static("calendly-webhook-signature"));
        scheme.with_event_id(EventIdAt::Nowhere)
    }

    pub(crate) fn mux() -> Self {
        Self::stripe_shaped(HeaderName::from_static("mux-signature"))
    }

    pub(crate) fn persona() -> Self {
        Self {
            groups: true,
            event_id: EventIdAt::DataId,
            ..Self::stripe_shaped(HeaderName::from_static("persona-signature"))
        }
    }

    pub(crate) fn workos() -> Self {
        Self {
            separator: ", ",
            time: TimeFormat::Millis,
            ..Self::stripe_shaped(HeaderName::from_static("workos-signature"))
        }
    }

    pub(crate) fn sanity() -> Self {
        Self {
            time: TimeFormat::Millis,
            encoding: Encoding::Base64Url,
            ..Self::stripe_shaped(HeaderName::from_static("sanity-webhook-signature"))
        }
        .with_event_id(EventIdAt::Header(HeaderName::from_static(
            "idempotency-key",
        )))
    }

    pub(crate) fn paddle() -> Self {
        Self {
            timestamp_key: "ts",
            signature_key: "h1",
            separator: ";",
            joiner: ':',
            event_id: EventIdAt::Body("event_id"),
            ..Self::stripe_shaped(HeaderName::from_static("paddle-signature"))
        }
    }

    fn with_event_id(mut self, event_id: EventIdAt) -> Self {
        self.event_id = event_id;
        self
    }

    fn malformed(&self, detail: &'static str) -> Rejection {
        Rejection::malformed_header(self.header.clone(), detail)
    }
}

impl Scheme for PairScheme {
    fn parse(&self, request: &RequestHead<'_>) -> Result<Claims, Rejection> {
        let value = request.header(&self.header)?;
        // Every separator is one ASCII character, perhaps followed by a space.
        let separator = self.separator.as_bytes().first().copied().unwrap_or(b' ');
        let items = value
            .as_bytes()
            .split(|&byte| byte == b' ' || byte == separator)
            .filter(|item| !item.is_empty())
            .filter_map(|item| std::str::from_utf8(item).ok());
        let mut claims = Claims::default();
        let mut timestamp = None;
        for item in items {
            let (key, text) = item
                .split_once('=')
                .ok_or_else(|| self.malformed("an entry is not key=value"))?;
            if key == self.timestamp_key {
                match timestamp {
                    Some(seen) if seen != text => {
                        return Err(self.malformed("timestamps that differ"))
                    }
                    Some(_) if !self.groups => return Err(self.malformed("repeated timestamp")),
                    _ => {}
                }
                timestamp = Some(text);
            } else if key == self.signature_key && claims.signatures.len() <= MAX_SIGNATURES {
                let signature = decode_signature(Algorithm::HmacSha256, self.encoding, text)
                    .map_err(|detail| self.malformed(detail))?;
                claims.signatures.push(signature);
            }
        }
        let timestamp = timestamp.ok_or_else(|| self.malformed("no timestamp entry"))?;
        claims.timestamp = Some(self.time.parse(&self.header, timestamp)?);
        if claims.signatures.is_empty() {
            return Err(self.malformed("no signature entry"));
        }
        check_signature_count(&self.header, &claims.signatures)?;
        Ok(claims)
    }

    fn signed_content(
        &self,
        _request: &RequestHead<'_>,
        claims: &mut Claims,
        _body: &[u8],
        content: &mut SignedContent,
    ) -> Result<(), Rejection> {
        let _ = write!(content, "{}{}", self.time.format(claims), self.joiner);
        content.push_body();
        Ok(())
    }

    fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap) {
        let mut text = format!("{}={}", self.timestamp_key, self.time.format(claims));
        for signature in &claims.signatures {
            let encoded = encode_signature(self.encoding, signature);
            let _ = write!(text, "{}{}={encoded}", self.separator, self.signature_key);
        }
        headers.insert(self.header.clone(), header_value(&text));
    }

    fn event_id(&self, headers: &HeaderMap, body: &[u8]) -> Option<String> {
        self.event_id.find(headers, body)
    }

    fn carries_timestamp(&self) -> bool {
        true
    }
}

/// Where a [`TemplateScheme`] finds the signed timestamp.
#[derive(Debug, Clone)]
pub(crate) enum TimestampAt {
    /// A header, in this format.
    Header(HeaderName, TimeFormat),
    /// A top-level JSON number of milliseconds in the body (Linear's `webhookTimestamp`).
    BodyMillis(&'static str),
}

/// The setup request a [`TemplateScheme`] answers once it is verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Handshake {
    None,
    /// Zoom's `endpoint.url_validation`: `{plainToken, encryptedToken}`.
    Zoom,
    /// Twitch's `webhook_callback_verification`: the challenge as text.
    Twitch,
}

/// Signature, timestamp and id in headers of their own, and signed content laid out by a
/// template around the body: Zoom's `v0:{t}:{body}`, Webflow's `{t}:{body}`, Zendesk's
/// `{t}{body}`, Twitch's `{id}{t}{body}`, Box's `{body}{t}` (a suffix). The timestamp is
/// signed as the header's text, so RFC 3339 timestamps are signed as sent.
///
/// Each signature header is optional as long as one is present (Box's primary and
/// secondary). Built by the presets: [`WebhookVerify::zoom`](crate::WebhookVerify::zoom),
/// [`twitch`](crate::WebhookVerify::twitch), [`zendesk`](crate::WebhookVerify::zendesk),
/// [`linear`](crate::WebhookVerify::linear)...
#[derive(Debug, Clone)]
pub struct TemplateScheme {
    signatures: &'static [HeaderName],
    prefix: &'static str,
    encoding: Encoding,
    timestamp: TimestampAt,
    /// The header of the signed id, where the scheme signs one.
    id: Option<HeaderName>,
    /// The signed content: `{body}`, `{t}` and `{id}` between literal text.
    template: &'static str,
    /// Headers that must have exactly this value (Box's signature version).
    fixed: &'static [(HeaderName, &'static str)],
    event_id: EventIdAt,
    handshake: Handshake,
}

static ZOOM_SIGNATURE: [HeaderName; 1] = [HeaderName::from_static("x-zm-signature")];
static TWITCH_SIGNATURE: [HeaderName; 1] =
    [HeaderName::from_static("twitch-eventsub-message-signature")];
static ZENDESK_SIGNATURE: [HeaderName; 1] =
    [HeaderName::from_static("x-zendesk-webhook-signature")];
static WEBFLOW_SIGNATURE: [HeaderName; 1] = [HeaderName::from_static("x-webflow-signature")];
static LINEAR_SIGNATURE: [HeaderName; 1] = [HeaderName::from_static("linear-signature")];
static BOX_SIGNATURES: [HeaderName; 2] = [
    HeaderName::from_static("box-signature-primary"),
    HeaderName::from_static("box-signature-secondary"),
];
static BOX_FIXED: [(HeaderName, &str); 2] = [
    (HeaderName::from_static("box-signature-version"), "1"),
    (
        HeaderName::from_static("box-signature-algorithm"),
        "HmacSHA256",
    ),
];
const TWITCH_MESSAGE_TYPE: HeaderName = HeaderName::from_static("twitch-eventsub-message-type");

impl TemplateScheme {
    /// A hex signature header over `template`, with a timestamp in `timestamp`.
    fn new(
        signatures: &'static [HeaderName],
        timestamp: TimestampAt,
        template: &'static str,
    ) -> Self {
        Self {
            signatures,
            prefix: "",
            encoding: Encoding::Hex,
            timestamp,
            id: None,
            template,
            fixed: &[],
            event_id: EventIdAt::Nowhere,
            handshake: Handshake::None,
        }
    }

    fn header_timestamp(name: &'static str, format: TimeFormat) -> TimestampAt {
        TimestampAt::Header(HeaderName::from_static(name), format)
    }

    pub(crate) fn zoom() -> Self {
        let timestamp = Self::header_timestamp("x-zm-request-timestamp", TimeFormat::Seconds);
        Self {
            prefix: "v0=",
            handshake: Handshake::Zoom,
            ..Self::new(&ZOOM_SIGNATURE, timestamp, "v0:{t}:{body}")
        }
    }

    pub(crate) fn twitch() -> Self {
        let timestamp =
            Self::header_timestamp("twitch-eventsub-message-timestamp", TimeFormat::Rfc3339);
        Self {
            prefix: "sha256=",
            id: Some(HeaderName::from_static("twitch-eventsub-message-id")),
            handshake: Handshake::Twitch,
            ..Self::new(&TWITCH_SIGNATURE, timestamp, "{id}{t}{body}")
        }
    }

    pub(crate) fn zendesk() -> Self {
        let timestamp =
            Self::header_timestamp("x-zendesk-webhook-signature-timestamp", TimeFormat::Rfc3339);
        Self {
            encoding: Encoding::Base64,
            event_id: EventIdAt::Header(HeaderName::from_static("x-zendesk-webhook-invocation-id")),
            ..Self::new(&ZENDESK_SIGNATURE, timestamp, "{t}{body}")
        }
    }

    pub(crate) fn webflow() -> Self {
        let timestamp = Self::header_timestamp("x-webflow-timestamp", TimeFormat::Millis);
        Self::new(&WEBFLOW_SIGNATURE, timestamp, "{t}:{body}")
    }

    pub(crate) fn r#box() -> Self {
        let timestamp = Self::header_timestamp("box-delivery-timestamp", TimeFormat::Rfc3339);
        Self {
            encoding: Encoding::Base64,
            fixed: &BOX_FIXED,
            event_id: EventIdAt::Body("id"),
            ..Self::new(&BOX_SIGNATURES, timestamp, "{body}{t}")
        }
    }

    pub(crate) fn linear() -> Self {
        let timestamp = TimestampAt::BodyMillis("webhookTimestamp");
        Self {
            event_id: EventIdAt::Header(HeaderName::from_static("linear-delivery")),
            ..Self::new(&LINEAR_SIGNATURE, timestamp, "{body}")
        }
    }

    /// The text of `{t}` or `{id}`: the timestamp header's, or the id `parse` read from its
    /// header (or, when signing, the id being signed).
    fn part<'a>(
        &self,
        request: &RequestHead<'a>,
        claims: &'a Claims,
        name: &str,
    ) -> Result<&'a str, Rejection> {
        match (name, &self.timestamp, &self.id) {
            ("t", TimestampAt::Header(header, _), _) => request.header(header),
            ("id", _, Some(header)) => match &claims.id {
                Some(id) => Ok(id),
                None => request.header(header),
            },
            _ => panic!("the template names {{{name}}}, which this scheme does not have"),
        }
    }

    /// Pushes `template`'s text, with `{t}` and `{id}` replaced by their text.
    fn expand(
        &self,
        template: &str,
        request: &RequestHead<'_>,
        claims: &Claims,
        content: &mut SignedContent,
    ) -> Result<(), Rejection> {
        let mut rest = template;
        while let Some((text, after)) = rest.split_once('{') {
            let (name, after) = after.split_once('}').expect("templates close their braces");
            content.push(text);
            content.push(self.part(request, claims, name)?);
            rest = after;
        }
        content.push(rest);
        Ok(())
    }

    fn answer_zoom(body: &[u8], key: &Key) -> Option<http::Response<bytes::Bytes>> {
        #[derive(serde::Deserialize)]
        struct Validation {
            event: String,
            payload: Payload,
        }
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Payload {
            plain_token: String,
        }
        let request: Validation = serde_json::from_slice(body).ok()?;
        if request.event != "endpoint.url_validation" {
            return None;
        }
        let plain_token = request.payload.plain_token;
        let mut content = SignedContent::default();
        content.push(&plain_token);
        let mac = key.sign(Algorithm::HmacSha256, &content, &[]);
        let answer = serde_json::json!({
            "plainToken": plain_token,
            "encryptedToken": hex::encode(mac.as_bytes()),
        });
        Some(setup_answer("application/json", answer.to_string()))
    }

    fn answer_twitch(
        request: &RequestHead<'_>,
        body: &[u8],
    ) -> Option<http::Response<bytes::Bytes>> {
        #[derive(serde::Deserialize)]
        struct Verification {
            challenge: String,
        }
        let kind = request.headers().get(TWITCH_MESSAGE_TYPE)?;
        if kind != "webhook_callback_verification" {
            return None;
        }
        let verification: Verification = serde_json::from_slice(body).ok()?;
        Some(setup_answer(
            "text/plain; charset=utf-8",
            verification.challenge,
        ))
    }
}

/// The longest signed id accepted; ids are used as keys, so they are bounded.
const MAX_ID_LEN: usize = 256;

impl Scheme for TemplateScheme {
    fn parse(&self, request: &RequestHead<'_>) -> Result<Claims, Rejection> {
        for (name, value) in self.fixed {
            if request.header(name)? != *value {
                return Err(Rejection::malformed_header(
                    name.clone(),
                    "not a version this scheme verifies",
                ));
            }
        }
        let mut claims = Claims::default();
        for name in self.signatures {
            let Some(value) = request.header_if_sent(name)? else {
                continue;
            };
            let malformed = |detail| Rejection::malformed_header(name.clone(), detail);
            let encoded = value
                .strip_prefix(self.prefix)
                .ok_or_else(|| malformed("missing prefix"))?;
            let signature = decode_signature(Algorithm::HmacSha256, self.encoding, encoded)
                .map_err(malformed)?;
            claims.signatures.push(signature);
        }
        if claims.signatures.is_empty() {
            return Err(Rejection::missing_header(self.signatures[0].clone()));
        }
        if let TimestampAt::Header(name, format) = &self.timestamp {
            claims.timestamp = Some(format.parse(name, request.header(name)?)?);
        }
        if let Some(name) = &self.id {
            let id = request.header(name)?;
            if id.is_empty() || id.len() > MAX_ID_LEN {
                return Err(Rejection::malformed_header(
                    name.clone(),
                    "empty or longer than 256 bytes",
                ));
            }
            claims.id = Some(id.to_owned());
        }
        Ok(claims)
    }

    fn signed_content(
        &self,
        request: &RequestHead<'_>,
        claims: &mut Claims,
        body: &[u8],
        content: &mut SignedContent,
    ) -> Result<(), Rejection> {
        if let TimestampAt::BodyMillis(field) = self.timestamp {
            claims.timestamp = Some(body_millis(body, field)?);
        }
        let (before, after) = self
            .template
            .split_once("{body}")
            .expect("templates sign the body");
        self.expand(before, request, claims, content)?;
        content.push_body();
        self.expand(after, request, claims, content)
    }

    fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap) {
        for (name, value) in self.fixed {
            headers.insert(name.clone(), header_value(value));
        }
        if let TimestampAt::Header(name, format) = &self.timestamp {
            headers.insert(name.clone(), header_value(&format.format(claims)));
        }
        if let (Some(name), Some(id)) = (&self.id, &claims.id) {
            headers.insert(name.clone(), header_value(id));
        }
        for (name, signature) in self.signatures.iter().zip(&claims.signatures) {
            let text = format!(
                "{}{}",
                self.prefix,
                encode_signature(self.encoding, signature)
            );
            headers.insert(name.clone(), header_value(&text));
        }
    }

    fn event_id(&self, headers: &HeaderMap, body: &[u8]) -> Option<String> {
        self.event_id.find(headers, body)
    }

    fn verified_response(
        &self,
        request: &RequestHead<'_>,
        body: &[u8],
        key: &Key,
    ) -> Option<http::Response<bytes::Bytes>> {
        match self.handshake {
            Handshake::None => None,
            Handshake::Zoom => Self::answer_zoom(body, key),
            Handshake::Twitch => Self::answer_twitch(request, body),
        }
    }

    fn carries_timestamp(&self) -> bool {
        matches!(self.timestamp, TimestampAt::Header(..))
    }

    fn carries_id(&self) -> bool {
        self.id.is_some()
    }
}

/// The body's top-level `field`, a JSON number of milliseconds since the Unix epoch, read
/// without the rest.
fn body_millis(body: &[u8], field: &'static str) -> Result<SystemTime, Rejection> {
    struct TopLevel(&'static str);

    impl<'de> Visitor<'de> for TopLevel {
        type Value = Option<f64>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut found = None;
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if key == self.0 && found.is_none() {
                    found = Some(map.next_value::<f64>()?);
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(found)
        }
    }

    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let millis = deserializer
        .deserialize_map(TopLevel(field))
        .map_err(|_| Rejection::malformed_body("not a JSON object with a numeric timestamp"))?
        .ok_or_else(|| Rejection::malformed_body("no timestamp field"))?;
    Duration::try_from_secs_f64(millis / 1000.0)
        .ok()
        .and_then(since_epoch)
        .ok_or_else(|| Rejection::malformed_body("the timestamp is out of range"))
}

/// How a [`StandardVariant`] reads the secret its sender shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StandardSecret {
    /// `whsec_<base64>`, as Standard Webhooks.
    Whsec,
    /// The secret's UTF-8 bytes as the key (Polar).
    Raw,
    /// `v1,whsec_<base64>` (Supabase).
    Versioned,
}

/// [Standard Webhooks](StandardWebhooks) as a sender deploys it with another secret form
/// or header names: Polar's secret is its own bytes (no `whsec_` decoding), Supabase shows
/// `v1,whsec_<base64>`, Clerk and Resend send `svix-*` headers (and this scheme writes
/// them when signing, since Clerk's SDK reads only those). Verification is Standard
/// Webhooks', `webhook-*` or `svix-*` headers alike.
#[derive(Debug, Clone, Copy)]
pub struct StandardVariant {
    secret: StandardSecret,
    svix_headers: bool,
}

impl StandardVariant {
    /// `whsec_` secrets, `svix-*` headers (Clerk, Resend).
    pub(crate) const fn svix() -> Self {
        Self {
            secret: StandardSecret::Whsec,
            svix_headers: true,
        }
    }

    /// The secret's own bytes as the key, `webhook-*` headers (Polar).
    pub(crate) const fn polar() -> Self {
        Self {
            secret: StandardSecret::Raw,
            svix_headers: false,
        }
    }

    /// `v1,whsec_` secrets, `webhook-*` headers (Supabase).
    pub(crate) const fn supabase() -> Self {
        Self {
            secret: StandardSecret::Versioned,
            svix_headers: false,
        }
    }
}

/// The `svix-*` name of a Standard Webhooks header.
fn svix_name(name: &HeaderName) -> HeaderName {
    let svix = name.as_str().replacen("webhook-", "svix-", 1);
    HeaderName::from_bytes(svix.as_bytes()).expect("a header name with another prefix")
}

impl Scheme for StandardVariant {
    fn parse(&self, request: &RequestHead<'_>) -> Result<Claims, Rejection> {
        StandardWebhooks.parse(request)
    }

    fn signed_content(
        &self,
        request: &RequestHead<'_>,
        claims: &mut Claims,
        body: &[u8],
        content: &mut SignedContent,
    ) -> Result<(), Rejection> {
        StandardWebhooks.signed_content(request, claims, body, content)
    }

    fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap) {
        if !self.svix_headers {
            return StandardWebhooks.write_headers(claims, headers);
        }
        let mut standard = HeaderMap::new();
        StandardWebhooks.write_headers(claims, &mut standard);
        for (name, value) in standard {
            if let Some(name) = name {
                headers.insert(svix_name(&name), value);
            }
        }
    }

    fn key(&self, secret: &[u8]) -> Result<Key, ConfigError> {
        match self.secret {
            StandardSecret::Whsec => StandardWebhooks.key(secret),
            StandardSecret::Raw => Key::shared(secret),
            StandardSecret::Versioned => {
                StandardWebhooks.key(secret.strip_prefix(b"v1,").unwrap_or(secret))
            }
        }
    }

    fn carries_timestamp(&self) -> bool {
        true
    }

    fn carries_id(&self) -> bool {
        true
    }
}

//! Schemes that sign the request's context (its URL and method, or a configured URL), that
//! verify with the sender's public key, or whose signatures travel in the body.

use std::borrow::Cow;
use std::fmt::Write as _;

use base64::Engine as _;
use http::{HeaderMap, HeaderName};
use serde::Deserialize;
use serde_json::error::Category;
use serde_json::Value;
use sha1::Sha1;
use sha2::{Digest as _, Sha256};

use super::{
    decode_signature, header_value, parse_timestamp, parse_timestamp_millis, valid_event_id,
    Algorithm, Claims, Encoding, JsonText, Key, RequestHead, Scheme, SecretForm, Signature,
    SignedContent, BASE64, BASE64_URL, MAX_SIGNATURES,
};
use crate::error::ConfigError;
use crate::rejection::Rejection;

// ------------------------------------------------------------------ shared helpers

/// One signature from a header: `algorithm` in `encoding`.
fn header_signature(
    request: &RequestHead<'_>,
    name: &HeaderName,
    algorithm: Algorithm,
    encoding: Encoding,
) -> Result<Signature, Rejection> {
    decode_signature(algorithm, encoding, request.header(name)?)
        .map_err(|detail| Rejection::malformed_header(name.clone(), detail))
}

/// An event id from a JSON value: a non-empty string or an integer.
fn json_id(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => valid_event_id(text.clone()),
        Value::Number(number) if number.is_i64() || number.is_u64() => {
            valid_event_id(number.to_string())
        }
        _ => None,
    }
}

/// The id at `path` in a JSON body, such as `data.id` (`["data", "id"]`).
fn nested_event_id(body: &[u8], path: &[&str]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    json_id(path.iter().try_fold(&value, |value, key| value.get(key))?)
}

/// The id of a batch: a JSON array of events, each with its id in `field` (see
/// [`batch_id`]).
fn batch_event_id(body: &[u8], field: &str) -> Option<String> {
    let events: Vec<Value> = serde_json::from_slice(body).ok()?;
    batch_id(&events, field)
}

/// The id of a batch of events, each with its id in `field`. One event is keyed on its id;
/// several on the hex SHA-256 of their ids joined by `,`, so that a batch retried as is
/// counts once and two batches never share a key.
pub(super) fn batch_id(events: &[Value], field: &str) -> Option<String> {
    let ids: Vec<String> = events
        .iter()
        .map(|event| json_id(event.get(field)?))
        .collect::<Option<_>>()?;
    match ids.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        many => Some(hex::encode(Sha256::digest(many.join(",")))),
    }
}

/// Why a body the provider signs fields of did not parse: `wrong_types` where it is JSON
/// with a field of another type than the provider sends, else that it is not JSON.
fn not_as_sent(error: &serde_json::Error, wrong_types: &'static str) -> Rejection {
    Rejection::malformed_body(match error.classify() {
        Category::Data => wrong_types,
        _ => "the body is not JSON",
    })
}

/// The one header value, if it is there and is text.
fn optional_header<'a>(request: &RequestHead<'a>, name: &HeaderName) -> Option<&'a str> {
    request.headers().get(name)?.to_str().ok()
}

// ------------------------------------------------------------------ asymmetric

/// Where a scheme signed with a key pair puts its parts: a signature header, a timestamp
/// header, and what stands between the timestamp and the body.
#[cfg(any(feature = "ed25519", feature = "ecdsa"))]
struct KeyPairLayout {
    signature: HeaderName,
    timestamp: HeaderName,
    separator: &'static str,
    algorithm: Algorithm,
    encoding: Encoding,
    /// Whether the provider bounds the timestamp's age (its SDK checks a window).
    window: bool,
}

#[cfg(any(feature = "ed25519", feature = "ecdsa"))]
impl KeyPairLayout {
    fn parse(&self, request: &RequestHead<'_>) -> Result<Claims, Rejection> {
        let signature = header_signature(request, &self.signature, self.algorithm, self.encoding)?;
        let timestamp = parse_timestamp(&self.timestamp, request.header(&self.timestamp)?)?;
        let claims = Claims::new(vec![signature]);
        Ok(if self.window {
            claims.with_timestamp(timestamp)
        } else {
            claims
        })
    }

    /// `{timestamp}{separator}{body}`, the timestamp as its header has it.
    fn signed_content(
        &self,
        request: &RequestHead<'_>,
        content: &mut SignedContent,
    ) -> Result<(), Rejection> {
        content.push(request.header(&self.timestamp)?);
        content.push(self.separator);
        content.push_body();
        Ok(())
    }

    fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap) {
        headers.insert(self.timestamp.clone(), claims.unix_seconds().into());
        if let Some(signature) = claims.signatures.first() {
            let text = self.encoding.encode(signature.as_bytes());
            headers.insert(self.signature.clone(), header_value(&text));
        }
    }
}

/// The methods a scheme signed with a key pair takes from its [`KeyPairLayout`].
#[cfg(any(feature = "ed25519", feature = "ecdsa"))]
macro_rules! key_pair_scheme {
    ($layout:expr) => {
        fn parse(&self, request: &RequestHead<'_>) -> Result<Claims, Rejection> {
            $layout.parse(request)
        }

        fn signed_content(
            &self,
            request: &RequestHead<'_>,
            _claims: &mut Claims,
            _body: &[u8],
            content: &mut SignedContent,
        ) -> Result<(), Rejection> {
            $layout.signed_content(request, content)
        }

        fn algorithm(&self) -> Algorithm {
            $layout.algorithm
        }

        fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap) {
            $layout.write_headers(claims, headers);
        }

        fn carries_timestamp(&self) -> bool {
            true
        }
    };
}

/// An ed25519 key from its raw bytes: 32 bytes are the public key; 64 bytes are the secret
/// key as NaCl and libsodium write it (the 32-byte seed followed by the public key), which
/// can also sign.
#[cfg(feature = "ed25519")]
fn ed25519_key(bytes: &[u8]) -> Result<Key, ConfigError> {
    match bytes.len() {
        32 => Key::ed25519_public(bytes),
        64 => {
            let (seed, public) = bytes.split_at(32);
            let seed: [u8; 32] = seed.try_into().expect("32 bytes");
            let derived = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
            if derived.as_bytes() != public {
                return Err(ConfigError::new(
                    "the ed25519 secret key's second half is not its public key",
                ));
            }
            Key::ed25519_secret(&seed)
        }
        _ => Err(ConfigError::new(
            "an ed25519 key is 32 bytes (public) or 64 bytes (secret key: seed and public key)",
        )),
    }
}

/// Discord (interactions and webhook events): `X-Signature-Ed25519: <hex>` over
/// `{X-Signature-Timestamp}{body}`, verified with the application's public key in hex.
///
/// The key is the 64 hex characters the developer portal shows; 128 hex characters are a
/// secret key (the seed followed by the public key, as NaCl writes it), which can also sign.
/// Discord's SDKs check no timestamp window, and neither does this scheme. A verified `PING`
/// (`{"type":1}`) is answered with `{"type":1}`. Dedupe keys on the body's `id`.
/// See <https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers>.
#[cfg(feature = "ed25519")]
#[cfg_attr(docsrs, doc(cfg(feature = "ed25519")))]
#[derive(Debug, Clone, Copy, Default)]
pub struct Discord;

#[cfg(feature = "ed25519")]
const DISCORD: KeyPairLayout = KeyPairLayout {
    signature: HeaderName::from_static("x-signature-ed25519"),
    timestamp: HeaderName::from_static("x-signature-timestamp"),
    separator: "",
    algorithm: Algorithm::Ed25519,
    encoding: Encoding::Hex,
    window: false,
};

#[cfg(feature = "ed25519")]
impl Scheme for Discord {
    key_pair_scheme!(DISCORD);

    fn key(&self, public_key_hex: &[u8]) -> Result<Key, ConfigError> {
        let bytes = hex::decode(public_key_hex.trim_ascii())
            .map_err(|_| ConfigError::new("the Discord public key is not hex"))?;
        ed25519_key(&bytes)
    }

    /// Answers a verified `PING` (`{"type":1}`) with `{"type":1}`.
    fn verified_response(
        &self,
        _request: &RequestHead<'_>,
        body: &[u8],
        _key: &Key,
    ) -> Option<http::Response<bytes::Bytes>> {
        let interaction: Value = serde_json::from_slice(body).ok()?;
        (interaction.get("type")? == 1)
            .then(|| super::setup_answer("application/json", &br#"{"type":1}"#[..]))
    }
}

/// Telnyx: `telnyx-signature-ed25519: <base64>` over `{telnyx-timestamp}|{body}`, verified
/// with the account's public key in base64, with the SDKs' 300-second window.
///
/// The key is the base64 of 32 bytes the portal shows; base64 of 64 bytes is a secret key
/// (the seed followed by the public key), which can also sign. Dedupe keys on the body's
/// `data.id`.
/// See <https://developers.telnyx.com/docs/messaging/messages/receiving-webhooks>.
#[cfg(feature = "ed25519")]
#[cfg_attr(docsrs, doc(cfg(feature = "ed25519")))]
#[derive(Debug, Clone, Copy, Default)]
pub struct Telnyx;

#[cfg(feature = "ed25519")]
const TELNYX: KeyPairLayout = KeyPairLayout {
    signature: HeaderName::from_static("telnyx-signature-ed25519"),
    timestamp: HeaderName::from_static("telnyx-timestamp"),
    separator: "|",
    algorithm: Algorithm::Ed25519,
    encoding: Encoding::Base64,
    window: true,
};

#[cfg(feature = "ed25519")]
impl Scheme for Telnyx {
    key_pair_scheme!(TELNYX);

    fn key(&self, public_key_base64: &[u8]) -> Result<Key, ConfigError> {
        let bytes = BASE64
            .decode(public_key_base64.trim_ascii())
            .map(zeroize::Zeroizing::new)
            .map_err(|_| ConfigError::new("the Telnyx public key is not base64"))?;
        ed25519_key(&bytes)
    }

    /// The body's `data.id`.
    fn event_id(&self, _headers: &HeaderMap, body: &[u8]) -> Option<String> {
        nested_event_id(body, &["data", "id"])
    }
}

/// SendGrid's Event Webhook: `X-Twilio-Email-Event-Webhook-Signature: <base64 DER>`, an
/// ECDSA P-256 / SHA-256 signature over `{X-Twilio-Email-Event-Webhook-Timestamp}{body}`,
/// verified with the verification key from Mail Settings (base64 of a DER
/// SubjectPublicKeyInfo; PEM armour is accepted too).
///
/// A base64 DER PKCS#8 secret key is accepted in its place, and can also sign. SendGrid's
/// SDKs check no timestamp window, and neither does this scheme. The body is an array of
/// events: dedupe keys on the one event's `sg_event_id`, or on a digest of every event's.
/// See <https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features>.
#[cfg(feature = "ecdsa")]
#[cfg_attr(docsrs, doc(cfg(feature = "ecdsa")))]
#[derive(Debug, Clone, Copy, Default)]
pub struct SendGrid;

#[cfg(feature = "ecdsa")]
const SENDGRID: KeyPairLayout = KeyPairLayout {
    signature: HeaderName::from_static("x-twilio-email-event-webhook-signature"),
    timestamp: HeaderName::from_static("x-twilio-email-event-webhook-timestamp"),
    separator: "",
    algorithm: Algorithm::EcdsaP256,
    encoding: Encoding::Base64,
    window: false,
};

#[cfg(feature = "ecdsa")]
impl Scheme for SendGrid {
    key_pair_scheme!(SENDGRID);

    fn key(&self, public_key: &[u8]) -> Result<Key, ConfigError> {
        let mistake = || {
            ConfigError::new(
                "the SendGrid key is not base64 DER of a P-256 public key (SubjectPublicKeyInfo) \
                 or secret key (PKCS#8)",
            )
        };
        let text = std::str::from_utf8(public_key).map_err(|_| mistake())?;
        let base64: String = text
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .flat_map(str::split_whitespace)
            .collect();
        let der = zeroize::Zeroizing::new(BASE64.decode(base64).map_err(|_| mistake())?);
        Key::ecdsa_p256_public(&der)
            .or_else(|_| Key::ecdsa_p256_secret(&der))
            .map_err(|_| mistake())
    }

    /// The `sg_event_id` of the body's one event, or a digest of every event's.
    fn event_id(&self, _headers: &HeaderMap, body: &[u8]) -> Option<String> {
        batch_event_id(body, "sg_event_id")
    }
}

// ------------------------------------------------------------------ a configured URL

/// A base64 MAC in `header`.
fn base64_signature(
    request: &RequestHead<'_>,
    header: &HeaderName,
    algorithm: Algorithm,
) -> Result<Claims, Rejection> {
    Ok(Claims::new(vec![header_signature(
        request,
        header,
        algorithm,
        Encoding::Base64,
    )?]))
}

/// Writes the first signature in base64 to `header`.
fn write_base64(claims: &Claims, header: HeaderName, headers: &mut HeaderMap) {
    if let Some(signature) = claims.signatures.first() {
        headers.insert(header, header_value(&BASE64.encode(signature.as_bytes())));
    }
}

const SQUARE_SIGNATURE: HeaderName = HeaderName::from_static("x-square-hmacsha256-signature");

/// Square: `x-square-hmacsha256-signature: <base64>`, HMAC-SHA256 over
/// `{notification URL}{body}`, where the notification URL is the one registered with the
/// subscription, byte for byte (configured, not taken from the request).
///
/// The signature key is used as its text, as Square shows it. Dedupe keys on the body's
/// `event_id`. See <https://developer.squareup.com/docs/webhooks/step3validate>.
#[derive(Debug, Clone)]
pub struct Square {
    notification_url: String,
}

impl Square {
    /// Square, for a subscription registered with `notification_url`.
    pub fn new(notification_url: impl Into<String>) -> Self {
        Self {
            notification_url: notification_url.into(),
        }
    }
}

impl Scheme for Square {
    fn parse(&self, request: &RequestHead<'_>) -> Result<Claims, Rejection> {
        base64_signature(request, &SQUARE_SIGNATURE, Algorithm::HmacSha256)
    }

    fn signed_content(
        &self,
        _request: &RequestHead<'_>,
        _claims: &mut Claims,
        _body: &[u8],
        content: &mut SignedContent,
    ) -> Result<(), Rejection> {
        content.push(&self.notification_url);
        content.push_body();
        Ok(())
    }

    fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap) {
        write_base64(claims, SQUARE_SIGNATURE, headers);
    }

    /// The body's `event_id`.
    fn event_id(&self, _headers: &HeaderMap, body: &[u8]) -> Option<String> {
        super::body_field_id(body, "event_id")
    }
}

const TRELLO_SIGNATURE: HeaderName = HeaderName::from_static("x-trello-webhook");

/// Trello: `X-Trello-Webhook: <base64>`, HMAC-SHA1 over `{body}{callback URL}`, where the
/// callback URL is the one the webhook was created with (configured, not taken from the
/// request).
///
/// The key is the application's secret. Dedupe keys on the body's `action.id`.
/// See <https://developer.atlassian.com/cloud/trello/guides/rest-api/webhooks/#webhook-signatures>.
#[derive(Debug, Clone)]
pub struct Trello {
    callback_url: String,
}

impl Trello {
    /// Trello, for a webhook created with `callback_url`.
    pub fn new(callback_url: impl Into<String>) -> Self {
        Self {
            callback_url: callback_url.into(),
        }
    }
}

impl Scheme for Trello {
    fn parse(&self, request: &RequestHead<'_>) -> Result<Claims, Rejection> {
        base64_signature(request, &TRELLO_SIGNATURE, Algorithm::HmacSha1)
    }

    fn signed_content(
        &self,
        _request: &RequestHead<'_>,
        _claims: &mut Claims,
        _body: &[u8],
        content: &mut SignedContent,
    ) -> Result<(), Rejection> {
        content.push_body();
        content.push(&self.callback_url);
        Ok(())
    }

    fn algorithm(&self) -> Algorithm {
        Algorithm::HmacSha1
    }

    fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap) {
        write_base64(claims, TRELLO_SIGNATURE, headers);
    }

    /// The body's `action.id`.
    fn event_id(&self, _headers: &HeaderMap, body: &[u8]) -> Option<String> {
        nested_event_id(body, &["action", "id"])
    }
}

// ------------------------------------------------------------------ the request's URL

const HUBSPOT_V3: HeaderName = HeaderName::from_static("x-hubspot-signature-v3");
const HUBSPOT_TIMESTAMP: HeaderName = HeaderName::from_static("x-hubspot-request-timestamp");
const HUBSPOT_LEGACY: HeaderName = HeaderName::from_static("x-hubspot-signature");
const HUBSPOT_VERSION: HeaderName = HeaderName::from_static("x-hubspot-signature-version");

/// Which of HubSpot's signatures a request carries.
#[derive(Clone, Copy, PartialEq, Eq)]
enum HubSpotVersion {
    V1,
    V2,
    V3,
}

/// HubSpot: `X-HubSpot-Signature-v3: <base64>`, HMAC-SHA256 over
/// `{method}{URL}{body}{X-HubSpot-Request-Timestamp}` with the timestamp in milliseconds and
/// a 5-minute window; or the older `X-HubSpot-Signature: <hex>` with
/// `X-HubSpot-Signature-Version: v1` (SHA-256 of `{client secret}{body}`) or `v2` (SHA-256
/// of `{client secret}{method}{URL}{body}`), which sign no timestamp.
///
/// The URL is [the public URL](RequestHead::url), used exactly as the request has it: as
/// HubSpot's SDKs do, no percent-escape is decoded. The body is an array of events: dedupe
/// keys on the one event's `eventId`, or on a digest of every event's.
/// See <https://developers.hubspot.com/docs/guides/apps/authentication/validating-requests>.
#[derive(Debug, Clone, Copy, Default)]
pub struct HubSpot;

impl HubSpot {
    /// v1 or v2 where the request carries only the older header, else v3.
    fn version(request: &RequestHead<'_>) -> Result<HubSpotVersion, Rejection> {
        let headers = request.headers();
        if headers.contains_key(HUBSPOT_V3) || !headers.contains_key(HUBSPOT_LEGACY) {
            return Ok(HubSpotVersion::V3);
        }
        match optional_header(request, &HUBSPOT_VERSION).unwrap_or("v1") {
            "v1" | "V1" => Ok(HubSpotVersion::V1),
            "v2" | "V2" => Ok(HubSpotVersion::V2),
            _ => Err(Rejection::malformed_header(HUBSPOT_VERSION, "not v1 or v2")),
        }
    }
}

impl Scheme for HubSpot {
    fn parse(&self, request: &RequestHead<'_>) -> Result<Claims, Rejection> {
        if Self::version(request)? != HubSpotVersion::V3 {
            let signature = header_signature(
                request,
                &HUBSPOT_LEGACY,
                Algorithm::KeyedSha256,
                Encoding::Hex,
            )?;
            return Ok(Claims::new(vec![signature]));
        }
        let signature = header_signature(
            request,
            &HUBSPOT_V3,
            Algorithm::HmacSha256,
            Encoding::Base64,
        )?;
        let timestamp =
            parse_timestamp_millis(&HUBSPOT_TIMESTAMP, request.header(&HUBSPOT_TIMESTAMP)?)?;
        Ok(Claims::new(vec![signature]).with_timestamp(timestamp))
    }

    fn signed_content(
        &self,
        request: &RequestHead<'_>,
        _claims: &mut Claims,
        _body: &[u8],
        content: &mut SignedContent,
    ) -> Result<(), Rejection> {
        let version = Self::version(request)?;
        if version != HubSpotVersion::V1 {
            content.push(request.method().as_str());
            content.push(request.url()?);
        }
        content.push_body();
        if version == HubSpotVersion::V3 {
            content.push(request.header(&HUBSPOT_TIMESTAMP)?);
        }
        Ok(())
    }

    fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap) {
        headers.insert(HUBSPOT_TIMESTAMP, claims.unix_millis().into());
        write_base64(claims, HUBSPOT_V3, headers);
    }

    /// The `eventId` of the body's one event, or a digest of every event's.
    fn event_id(&self, _headers: &HeaderMap, body: &[u8]) -> Option<String> {
        batch_event_id(body, "eventId")
    }

    fn carries_timestamp(&self) -> bool {
        true
    }

    fn signs_url(&self) -> bool {
        true
    }
}

const TWILIO_SIGNATURE: HeaderName = HeaderName::from_static("x-twilio-signature");
const TWILIO_SETTINGS: HeaderName = HeaderName::from_static("x-twilio-webhooks-signature-settings");
const TWILIO_IDEMPOTENCY: HeaderName = HeaderName::from_static("i-twilio-idempotency-token");

/// Twilio: `X-Twilio-Signature: <base64>`, HMAC-SHA1 keyed with the auth token over the
/// public URL followed, for a form POST, by every parameter sorted by name as
/// `{name}{value}` (decoded; a name's repeated values sorted, identical ones once).
///
/// A JSON body is not signed itself: Twilio adds `bodySHA256=<hex SHA-256 of the body>` to
/// the URL's query and signs the URL alone; the body must have that digest. A body that is
/// neither a form nor covered by `bodySHA256` is refused.
///
/// Requests signed with a Webhooks Rule SharedKey carry
/// `X-Twilio-Webhooks-Signature-Settings: key=<id>,algorithm=HMAC_SHA256` and an
/// HMAC-SHA256 signature: configure that key's secret with
/// [`also_accept`](crate::WebhookVerify::also_accept) (every configured secret is tried; the
/// `key` id is not read).
///
/// The URL is [the public URL](RequestHead::url) exactly: Twilio's SDKs also try it with the
/// default port (`:443`) added or removed, which this scheme does not; if the URL Twilio
/// calls names the port, give it in [`public_url`](crate::WebhookVerify::public_url). Dedupe
/// keys on `I-Twilio-Idempotency-Token`.
/// See <https://www.twilio.com/docs/usage/webhooks/webhooks-security>.
#[derive(Debug, Clone, Copy, Default)]
pub struct Twilio;

/// The `bodySHA256` the URL's query carries, if any.
fn twilio_body_sha256(request: &RequestHead<'_>) -> Result<Option<[u8; 32]>, Rejection> {
    let Some(query) = request.uri().query() else {
        return Ok(None);
    };
    let Some((_, hex)) =
        form_urlencoded::parse(query.as_bytes()).find(|(name, _)| name == "bodySHA256")
    else {
        return Ok(None);
    };
    Encoding::Hex
        .decode(&hex)
        .map(Some)
        .map_err(|_| Rejection::malformed_body("bodySHA256 in the URL is not a hex SHA-256"))
}

/// Whether the request says its body is a form.
fn is_form(request: &RequestHead<'_>) -> bool {
    optional_header(request, &http::header::CONTENT_TYPE).is_some_and(|content_type| {
        content_type
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    })
}

impl Scheme for Twilio {
    fn parse(&self, request: &RequestHead<'_>) -> Result<Claims, Rejection> {
        let algorithm = match optional_header(request, &TWILIO_SETTINGS).and_then(|settings| {
            settings
                .split(',')
                .filter_map(|part| part.split_once('='))
                .find(|(name, _)| name.trim() == "algorithm")
                .map(|(_, value)| value.trim())
        }) {
            None | Some("") => Algorithm::HmacSha1,
            Some(name) if name.eq_ignore_ascii_case("HMAC_SHA1") => Algorithm::HmacSha1,
            Some(name) if name.eq_ignore_ascii_case("HMAC_SHA256") => Algorithm::HmacSha256,
            Some(_) => {
                return Err(Rejection::malformed_header(
                    TWILIO_SETTINGS,
                    "unknown algorithm",
                ))
            }
        };
        let mut claims = base64_signature(request, &TWILIO_SIGNATURE, algorithm)?;
        claims.body_sha256 = twilio_body_sha256(request)?;
        Ok(claims)
    }

    fn signed_content(
        &self,
        request: &RequestHead<'_>,
        claims: &mut Claims,
        body: &[u8],
        content: &mut SignedContent,
    ) -> Result<(), Rejection> {
        content.push(request.url()?);
        let hashed = claims.body_sha256.is_some() || twilio_body_sha256(request)?.is_some();
        if hashed || body.is_empty() {
            return Ok(());
        }
        if !is_form(request) {
            return Err(Rejection::malformed_body(
                "a body that is not a form needs bodySHA256 in the URL",
            ));
        }
        // Sorted by name, then value; a parameter sent twice with one value counts once.
        // Names and values borrow from the body unless they hold escapes.
        let mut params: Vec<_> = form_urlencoded::parse(body).collect();
        params.sort_unstable();
        params.dedup();
        for (name, value) in &params {
            content.push(name.as_bytes());
            content.push(value.as_bytes());
        }
        Ok(())
    }

    fn algorithm(&self) -> Algorithm {
        Algorithm::HmacSha1
    }

    fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap) {
        write_base64(claims, TWILIO_SIGNATURE, headers);
        if let Some(id) = &claims.id {
            headers.insert(TWILIO_IDEMPOTENCY, header_value(id));
        }
    }

    /// `I-Twilio-Idempotency-Token`.
    fn event_id(&self, headers: &HeaderMap, _body: &[u8]) -> Option<String> {
        valid_event_id(headers.get(TWILIO_IDEMPOTENCY)?.to_str().ok()?.to_owned())
    }

    fn carries_id(&self) -> bool {
        true
    }

    fn signs_url(&self) -> bool {
        true
    }
}

// ------------------------------------------------------------------ JWTs

/// An HS256 JWT whose claims state the body's SHA-256 in hex: Netlify's
/// `X-Webhook-Signature` (claims `iss: "netlify"` and `sha256`) and Vonage's
/// `Authorization: Bearer` (claims `payload_hash`, `iat` and `jti`).
///
/// The MAC covers `{header}.{payload}` as sent; the body is bound by the digest the
/// payload states, which must match once the MAC has verified. A token whose `alg` is not
/// `HS256` is refused. See [`WebhookVerify::netlify`](crate::WebhookVerify::netlify) and
/// [`WebhookVerify::vonage`](crate::WebhookVerify::vonage).
#[derive(Debug, Clone)]
pub struct BodyHashJwt {
    header: HeaderName,
    /// What stands before the token in the header (`Bearer `).
    prefix: &'static str,
    /// The claim holding the hex SHA-256 of the body.
    hash_claim: &'static str,
    /// The `iss` the token must name, where the sender sets one.
    issuer: Option<&'static str>,
    /// Whether `iat` is the signed timestamp (checked against the window) and `jti` the
    /// signed event id.
    issued_at: bool,
}

impl BodyHashJwt {
    /// Netlify: `X-Webhook-Signature: <JWT>` with `iss: "netlify"` and `sha256`.
    pub fn netlify() -> Self {
        Self {
            header: HeaderName::from_static("x-webhook-signature"),
            prefix: "",
            hash_claim: "sha256",
            issuer: Some("netlify"),
            issued_at: false,
        }
    }

    /// Vonage: `Authorization: Bearer <JWT>` with `payload_hash`, `iat` and `jti`.
    pub fn vonage() -> Self {
        Self {
            header: http::header::AUTHORIZATION,
            prefix: "Bearer ",
            hash_claim: "payload_hash",
            issuer: None,
            issued_at: true,
        }
    }

    /// The token's parts, as text.
    fn token<'a>(&self, request: &RequestHead<'a>) -> Result<Jwt<'a>, Rejection> {
        let malformed = |detail| Rejection::malformed_header(self.header.clone(), detail);
        let value = request.header(&self.header)?;
        let token = value
            .strip_prefix(self.prefix)
            .ok_or_else(|| malformed("missing prefix Bearer"))?
            .trim();
        let not_compact = || malformed("not a compact JWT");
        let (signed, signature) = token.rsplit_once('.').ok_or_else(not_compact)?;
        let (header, payload) = signed.split_once('.').ok_or_else(not_compact)?;
        if payload.contains('.') {
            return Err(not_compact());
        }
        Ok(Jwt {
            header,
            payload,
            signature,
        })
    }

    /// `{header}.{payload}` of the token sent, as bytes: what [`token`](Self::token)
    /// finds, without checking again what `parse` checked.
    fn signed_part<'a>(&self, request: &RequestHead<'a>) -> Option<&'a [u8]> {
        let value = request.headers().get(&self.header)?.as_bytes();
        let token = value.strip_prefix(self.prefix.as_bytes())?.trim_ascii();
        let dot = token.iter().rposition(|&byte| byte == b'.')?;
        Some(&token[..dot])
    }

    /// A part of the token decoded into `buffer`, then read as the JSON object `T`, which
    /// may borrow from it.
    fn decode_part<'b, T: Deserialize<'b>>(
        &self,
        part: &str,
        buffer: &'b mut Vec<u8>,
    ) -> Result<T, Rejection> {
        let malformed = |detail| Rejection::malformed_header(self.header.clone(), detail);
        buffer.clear();
        BASE64_URL
            .decode_vec(part, buffer)
            .map_err(|_| malformed("a JWT part is not base64url"))?;
        serde_json::from_slice(buffer).map_err(|_| malformed("a JWT part is not a JSON object"))
    }

    /// `{header}.{payload}` of the token this scheme writes for `claims`.
    fn unsigned_token(&self, claims: &Claims) -> String {
        let mut payload = serde_json::Map::new();
        if let Some(issuer) = self.issuer {
            payload.insert("iss".into(), issuer.into());
        }
        let digest = claims.body_sha256.unwrap_or_default();
        payload.insert(self.hash_claim.into(), hex::encode(digest).into());
        if self.issued_at {
            payload.insert("iat".into(), claims.unix_seconds().into());
            payload.insert("jti".into(), claims.id.clone().unwrap_or_default().into());
        }
        format!(
            "{}.{}",
            BASE64_URL.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
            BASE64_URL.encode(Value::Object(payload).to_string())
        )
    }
}

/// A compact JWT's parts, as sent.
struct Jwt<'a> {
    header: &'a str,
    payload: &'a str,
    signature: &'a str,
}

/// The header of a body-hash JWT: only its `alg` is read.
#[derive(Deserialize)]
struct JwtHeader<'a> {
    #[serde(default, borrow)]
    alg: Option<Cow<'a, str>>,
}

/// The claims of a body-hash JWT this crate reads; any others are ignored. The text
/// claims borrow from the decoded payload unless they hold escapes.
#[derive(Deserialize)]
struct JwtClaims<'a> {
    #[serde(default, borrow)]
    iss: Option<Cow<'a, str>>,
    /// Netlify's body hash.
    #[serde(default, borrow)]
    sha256: Option<Cow<'a, str>>,
    /// Vonage's body hash.
    #[serde(default, borrow)]
    payload_hash: Option<Cow<'a, str>>,
    #[serde(default)]
    iat: Option<Value>,
    #[serde(default)]
    jti: Option<Value>,
}

impl Scheme for BodyHashJwt {
    fn parse(&self, request: &RequestHead<'_>) -> Result<Claims, Rejection> {
        let malformed = |detail| Rejection::malformed_header(self.header.clone(), detail);
        let token = self.token(request)?;
        let mut buffer = Vec::with_capacity(token.header.len().max(token.payload.len()));
        // What the senders write, as base64url: `{"alg":"HS256","typ":"JWT"}` needs no parse.
        if token.header != "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" {
            let header: JwtHeader<'_> = self.decode_part(token.header, &mut buffer)?;
            if header.alg.as_deref() != Some("HS256") {
                return Err(malformed("the JWT's alg is not HS256"));
            }
        }
        let signature =
            decode_signature(Algorithm::HmacSha256, Encoding::Base64Url, token.signature)
                .map_err(malformed)?;
        let payload: JwtClaims<'_> = self.decode_part(token.payload, &mut buffer)?;
        let digest = match self.hash_claim {
            "sha256" => payload.sha256.as_deref(),
            _ => payload.payload_hash.as_deref(),
        }
        .ok_or_else(|| malformed("the JWT states no body hash"))?;
        let mut claims = Claims::new(vec![signature]);
        claims.body_sha256 = Some(
            Encoding::Hex
                .decode(digest)
                .map_err(|_| malformed("the JWT's body hash is not a hex SHA-256"))?,
        );
        if let Some(issuer) = self.issuer {
            if payload.iss.as_deref() != Some(issuer) {
                return Err(malformed("the JWT's iss is not the sender's"));
            }
        }
        if self.issued_at {
            let iat = payload
                .iat
                .as_ref()
                .and_then(Value::as_u64)
                .ok_or_else(|| malformed("the JWT has no iat"))?;
            let timestamp = super::since_epoch(std::time::Duration::from_secs(iat))
                .ok_or_else(|| malformed("the JWT's iat is out of range"))?;
            claims.timestamp = Some(timestamp);
            claims.id = payload.jti.as_ref().and_then(json_id);
        }
        Ok(claims)
    }

    /// `{header}.{payload}` as sent; when signing (no token yet), the token this scheme
    /// writes for the body.
    fn signed_content(
        &self,
        request: &RequestHead<'_>,
        claims: &mut Claims,
        body: &[u8],
        content: &mut SignedContent,
    ) -> Result<(), Rejection> {
        if let Some(signed) = self.signed_part(request) {
            content.push(signed);
        } else if request.headers().contains_key(&self.header) {
            return Err(Rejection::malformed_header(
                self.header.clone(),
                "not a compact JWT",
            ));
        } else {
            claims.body_sha256 = Some(Sha256::digest(body).into());
            content.push(self.unsigned_token(claims));
        }
        Ok(())
    }

    fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap) {
        if let Some(signature) = claims.signatures.first() {
            let token = format!(
                "{}{}.{}",
                self.prefix,
                self.unsigned_token(claims),
                BASE64_URL.encode(signature.as_bytes())
            );
            headers.insert(self.header.clone(), header_value(&token));
        }
    }

    fn carries_timestamp(&self) -> bool {
        self.issued_at
    }

    fn carries_id(&self) -> bool {
        self.issued_at
    }
}

// ------------------------------------------------------------------ signatures in the body

/// Mailgun: the JSON body's `signature: {timestamp, token, signature}`, hex HMAC-SHA256
/// keyed with the HTTP webhook signing key over `{timestamp}{token}`.
///
/// **The body is not signed**: a verified request proves that Mailgun made the token at
/// that time, not that the rest of the body is Mailgun's. Whoever has seen one delivery can
/// send another body with its `signature` object until the window closes (15 minutes, as
/// Mailgun's SDK checks); turn [dedupe](crate::WebhookVerify::dedupe) on and treat the
/// event as a hint to fetch from Mailgun's API where that matters. Dedupe keys on the
/// body's `event-data.id`, else the token.
/// See <https://documentation.mailgun.com/docs/mailgun/user-manual/events/webhooks/#securing-webhooks>.
#[derive(Debug, Clone, Copy, Default)]
pub struct Mailgun;

/// The name Mailgun's timestamp goes by in a rejection's reason.
const SIGNATURE_TIMESTAMP: HeaderName = HeaderName::from_static("signature-timestamp");

/// The part of a Mailgun body this scheme reads; the rest is skipped, not kept.
#[derive(Deserialize)]
struct MailgunBody<'a> {
    #[serde(default, borrow)]
    signature: Option<MailgunSignature<'a>>,
}

#[derive(Deserialize)]
struct MailgunSignature<'a> {
    #[serde(default, borrow)]
    timestamp: Option<JsonText<'a>>,
    #[serde(default, borrow)]
    token: Option<JsonText<'a>>,
    #[serde(default, borrow)]
    signature: Option<JsonText<'a>>,
}

impl Scheme for Mailgun {
    fn parse(&self, _request: &RequestHead<'_>) -> Result<Claims, Rejection> {
        Ok(Claims::default())
    }

    fn signed_content(
        &self,
        _request: &RequestHead<'_>,
        claims: &mut Claims,
        body: &[u8],
        content: &mut SignedContent,
    ) -> Result<(), Rejection> {
        let body: MailgunBody<'_> = serde_json::from_slice(body).map_err(|error| {
            not_as_sent(&error, "the signature is not an object of text fields")
        })?;
        let signed = body
            .signature
            .ok_or_else(|| Rejection::malformed_body("no signature object in the body"))?;
        let (Some(JsonText(timestamp)), Some(JsonText(token)), Some(JsonText(signature))) =
            (signed.timestamp, signed.token, signed.signature)
        else {
            return Err(Rejection::malformed_body(
                "the signature object lacks timestamp, token or signature",
            ));
        };
        let mac = Encoding::Hex
            .decode(&signature)
            .map_err(|_| Rejection::malformed_body("the signature is not a hex HMAC-SHA256"))?;
        claims.signatures.push(Signature::HmacSha256(mac));
        claims.timestamp = Some(
            parse_timestamp(&SIGNATURE_TIMESTAMP, &timestamp).map_err(|_| {
                Rejection::malformed_body("the signature's timestamp is not digits")
            })?,
        );
        content.reserve(timestamp.len() + token.len());
        content.push(timestamp.as_bytes());
        content.push(token.as_bytes());
        Ok(())
    }

    fn write_headers(&self, _claims: &Claims, _headers: &mut HeaderMap) {}

    /// The body's `event-data.id`, else its `signature.token`.
    fn event_id(&self, _headers: &HeaderMap, body: &[u8]) -> Option<String> {
        nested_event_id(body, &["event-data", "id"])
            .or_else(|| nested_event_id(body, &["signature", "token"]))
    }
}

/// Adyen's standard webhooks (payments): no header; the notification item's
/// `additionalData.hmacSignature` is a base64 HMAC-SHA256 over
/// `pspReference:originalReference:merchantAccountCode:merchantReference:amount.value:amount.currency:eventCode:success`,
/// keyed with the HMAC key hex-decoded.
///
/// As Adyen's SDKs build it: the values joined by `:` with no escaping, a missing (or
/// null) value empty, an integer or a boolean as JSON writes it; any other value (a
/// fraction, an object) is refused, since Adyen sends text and integer amounts. The body
/// is not signed beyond those fields. Adyen sends one `NotificationRequestItem` per
/// request; a body with several is refused, since each would need its own signature
/// checked. Dedupe keys on
/// `{pspReference}:{eventCode}:{success}`.
/// See <https://docs.adyen.com/development-resources/webhooks/secure-webhooks/verify-hmac-signatures/>.
#[derive(Debug, Clone, Copy, Default)]
pub struct Adyen;

/// What an Adyen notification is read as: its items, each with the fields Adyen signs and
/// the signature; the rest is skipped, not kept.
#[derive(Deserialize)]
struct AdyenNotification<'a> {
    #[serde(rename = "notificationItems", borrow)]
    items: Option<Vec<AdyenEntry<'a>>>,
}

#[derive(Deserialize)]
struct AdyenEntry<'a> {
    #[serde(rename = "NotificationRequestItem", borrow)]
    item: Option<AdyenItem<'a>>,
}

/// The fields of a `NotificationRequestItem` that Adyen signs, and the signature.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AdyenItem<'a> {
    #[serde(borrow)]
    psp_reference: Option<JsonText<'a>>,
    #[serde(borrow)]
    original_reference: Option<JsonText<'a>>,
    #[serde(borrow)]
    merchant_account_code: Option<JsonText<'a>>,
    #[serde(borrow)]
    merchant_reference: Option<JsonText<'a>>,
    #[serde(borrow)]
    amount: Option<AdyenAmount<'a>>,
    #[serde(borrow)]
    event_code: Option<JsonText<'a>>,
    #[serde(borrow)]
    success: Option<JsonText<'a>>,
    #[serde(borrow)]
    additional_data: Option<AdyenAdditionalData<'a>>,
}

#[derive(Deserialize)]
struct AdyenAmount<'a> {
    #[serde(borrow)]
    value: Option<JsonText<'a>>,
    #[serde(borrow)]
    currency: Option<JsonText<'a>>,
}

#[derive(Deserialize)]
struct AdyenAdditionalData<'a> {
    #[serde(rename = "hmacSignature", borrow)]
    hmac_signature: Option<JsonText<'a>>,
}

/// The body's one `NotificationRequestItem`.
fn adyen_item(body: &[u8]) -> Result<AdyenItem<'_>, Rejection> {
    let notification: AdyenNotification<'_> = serde_json::from_slice(body).map_err(|error| {
        not_as_sent(
            &error,
            "the notification's fields are not of the types Adyen sends",
        )
    })?;
    let mut items = notification
        .items
        .ok_or_else(|| Rejection::malformed_body("no notificationItems array"))?;
    if items.len() != 1 {
        return Err(Rejection::malformed_body(
            "not exactly one notification item",
        ));
    }
    items
        .pop()
        .and_then(|entry| entry.item)
        .ok_or_else(|| Rejection::malformed_body("no NotificationRequestItem"))
}

/// A field as Adyen's SDKs write it into the signed string: empty where it is missing.
fn adyen_text<'t>(field: Option<&'t JsonText<'_>>) -> &'t str {
    field.map_or("", |JsonText(text)| text)
}

impl Scheme for Adyen {
    fn parse(&self, _request: &RequestHead<'_>) -> Result<Claims, Rejection> {
        Ok(Claims::default())
    }

    fn signed_content(
        &self,
        _request: &RequestHead<'_>,
        claims: &mut Claims,
        body: &[u8],
        content: &mut SignedContent,
    ) -> Result<(), Rejection> {
        let item = adyen_item(body)?;
        let signature = item
            .additional_data
            .as_ref()
            .and_then(|data| data.hmac_signature.as_ref())
            .ok_or_else(|| Rejection::malformed_body("no additionalData.hmacSignature"))?;
        let mac = Encoding::Base64
            .decode(&signature.0)
            .map_err(|_| Rejection::malformed_body("hmacSignature is not a base64 HMAC-SHA256"))?;
        claims.signatures.push(Signature::HmacSha256(mac));
        let amount = item.amount.as_ref();
        let fields = [
            item.psp_reference.as_ref(),
            item.original_reference.as_ref(),
            item.merchant_account_code.as_ref(),
            item.merchant_reference.as_ref(),
            amount.and_then(|amount| amount.value.as_ref()),
            amount.and_then(|amount| amount.currency.as_ref()),
            item.event_code.as_ref(),
            item.success.as_ref(),
        ];
        for (n, field) in fields.into_iter().enumerate() {
            if n > 0 {
                content.push(":");
            }
            content.push(adyen_text(field));
        }
        Ok(())
    }

    fn write_headers(&self, _claims: &Claims, _headers: &mut HeaderMap) {}

    fn key(&self, hmac_key_hex: &[u8]) -> Result<Key, ConfigError> {
        SecretForm::Hex.key(hmac_key_hex.trim_ascii())
    }

    /// `{pspReference}:{eventCode}:{success}` of the one item.
    fn event_id(&self, _headers: &HeaderMap, body: &[u8]) -> Option<String> {
        let item = adyen_item(body).ok()?;
        let id = [&item.psp_reference, &item.event_code, &item.success]
            .map(|field| adyen_text(field.as_ref()))
            .join(":");
        valid_event_id(id)
    }
}

/// Braintree: a form POST whose `bt_signature` field holds `{public key}|{hex}` pairs
/// joined by `&`, and whose `bt_payload` field is the notification (base64 XML); the hex is
/// HMAC-SHA1 over `bt_payload` as sent, keyed with the SHA-1 of the private key.
///
/// The pair for the configured public key is checked. Braintree's SDKs also accept a MAC
/// over the payload followed by a newline; this scheme checks the payload as sent, which is
/// what Braintree signs. Dedupe keys on the hex SHA-256 of `bt_payload`.
/// See <https://developer.paypal.com/braintree/docs/guides/webhooks/parse>.
#[derive(Debug, Clone)]
pub struct Braintree {
    public_key: String,
}

impl Braintree {
    /// Braintree, for the API key pair whose public key is `public_key`.
    pub fn new(public_key: impl Into<String>) -> Self {
        Self {
            public_key: public_key.into(),
        }
    }
}

/// The form's `bt_signature` and `bt_payload`.
fn braintree_fields(body: &[u8]) -> Result<(Cow<'_, str>, Cow<'_, str>), Rejection> {
    let (mut signature, mut payload) = (None, None);
    for (name, value) in form_urlencoded::parse(body) {
        match &*name {
            "bt_signature" => signature.get_or_insert(value),
            "bt_payload" => payload.get_or_insert(value),
            _ => continue,
        };
    }
    match (signature, payload) {
        (Some(signature), Some(payload)) => Ok((signature, payload)),
        _ => Err(Rejection::malformed_body(
            "no bt_signature and bt_payload form fields",
        )),
    }
}

impl Scheme for Braintree {
    fn parse(&self, _request: &RequestHead<'_>) -> Result<Claims, Rejection> {
        Ok(Claims::default())
    }

    fn signed_content(
        &self,
        _request: &RequestHead<'_>,
        claims: &mut Claims,
        body: &[u8],
        content: &mut SignedContent,
    ) -> Result<(), Rejection> {
        let (signature, payload) = braintree_fields(body)?;
        let base64 = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'\n');
        // Every byte looked at, without stopping early, so that the check vectorises.
        if !payload.bytes().fold(true, |all, byte| all & base64(byte)) {
            return Err(Rejection::malformed_body("bt_payload is not base64"));
        }
        for pair in signature.split('&').take(MAX_SIGNATURES + 1) {
            let Some((public_key, hex)) = pair.split_once('|') else {
                continue;
            };
            if public_key == self.public_key {
                let mac = Encoding::Hex.decode(hex).map_err(|_| {
                    Rejection::malformed_body("bt_signature holds no hex HMAC-SHA1")
                })?;
                claims.signatures.push(Signature::HmacSha1(mac));
            }
        }
        if claims.signatures.is_empty() {
            return Err(Rejection::signature_mismatch(
                "bt_signature has no signature for the configured public key",
            ));
        }
        // Decoded from the form already: taken, not copied again.
        content.push_vec(payload.into_owned().into_bytes());
        Ok(())
    }

    fn algorithm(&self) -> Algorithm {
        Algorithm::HmacSha1
    }

    fn write_headers(&self, _claims: &Claims, _headers: &mut HeaderMap) {}

    /// The key is the SHA-1 of the private key.
    fn key(&self, private_key: &[u8]) -> Result<Key, ConfigError> {
        if private_key.is_empty() {
            return Err(ConfigError::new("the private key is empty"));
        }
        Key::shared(&Sha1::digest(private_key))
    }

    /// The hex SHA-256 of `bt_payload`.
    fn event_id(&self, _headers: &HeaderMap, body: &[u8]) -> Option<String> {
        let (_, payload) = braintree_fields(body).ok()?;
        Some(hex::encode(Sha256::digest(payload.as_bytes())))
    }
}

// ------------------------------------------------------------------ a canonical request

const CONTENTFUL_SIGNATURE: HeaderName = HeaderName::from_static("x-contentful-signature");
const CONTENTFUL_TIMESTAMP: HeaderName = HeaderName::from_static("x-contentful-timestamp");
const CONTENTFUL_SIGNED_HEADERS: HeaderName =
    HeaderName::from_static("x-contentful-signed-headers");

/// Contentful (App Framework request verification): `x-contentful-signature: <hex>`,
/// HMAC-SHA256 over the canonical request
/// `{METHOD}\n{path}\n{name}:{value};...\n{body}`, with `x-contentful-timestamp` in
/// milliseconds and a 30-second window.
///
/// As `@contentful/node-apps-toolkit` builds it: the headers are those that
/// `x-contentful-signed-headers` lists, names lower-case, values trimmed, sorted by name,
/// always with `x-contentful-signed-headers` (the sorted list again) and
/// `x-contentful-timestamp`; the path is the request's path and query with the query
/// escaped as a query component and the whole then escaped as a URI, so `%` is escaped
/// twice (`?a=b` is signed as `?a%253Db`). The secret is the app's 64-character signing
/// secret. Contentful sends no event id for dedupe.
/// See <https://www.contentful.com/developers/docs/extensibility/app-framework/request-verification/>.
#[derive(Debug, Clone, Copy, Default)]
pub struct Contentful;

/// Appends `text` percent-encoded: every byte but ASCII alphanumerics and `keep` as
/// `{escape}XX`. With `escape` `%`, as JavaScript's `encodeURIComponent` (`keep` =
/// `-_.!~*'()`) and `encodeURI` do; with `%25`, as `encodeURI` of `encodeURIComponent`'s
/// output does.
fn push_percent_encoded(content: &mut SignedContent, text: &str, keep: &[u8], escape: &str) {
    let kept = |byte: &u8| byte.is_ascii_alphanumeric() || keep.contains(byte);
    let mut rest = text.as_bytes();
    while !rest.is_empty() {
        let run = rest.iter().take_while(|byte| kept(byte)).count();
        content.push(&rest[..run]);
        if let Some(byte) = rest.get(run) {
            let _ = write!(content, "{escape}{byte:02X}");
            rest = &rest[run + 1..];
        } else {
            rest = &[];
        }
    }
}

/// Appends the path and query as the toolkit signs them: `encodeURI` of the path followed
/// by `?` and `encodeURIComponent` of the query.
fn push_contentful_path(content: &mut SignedContent, request: &RequestHead<'_>) {
    const COMPONENT: &[u8] = b"-_.!~*'()";
    const URI: &[u8] = b";,/?:@&=+$-_.!~*'()#";
    let uri = request.uri();
    push_percent_encoded(content, uri.path(), URI, "%");
    if let Some(query) = uri.query().filter(|query| !query.is_empty()) {
        content.push("?");
        // The toolkit drops whatever follows a second `?`. The component's escapes are
        // escaped again by `encodeURI`; what it keeps, `encodeURI` keeps too.
        let query = query.split('?').next().unwrap_or_default();
        push_percent_encoded(content, query, COMPONENT, "%25");
    }
}

impl Scheme for Contentful {
    fn parse(&self, request: &RequestHead<'_>) -> Result<Claims, Rejection> {
        let signature = header_signature(
            request,
            &CONTENTFUL_SIGNATURE,
            Algorithm::HmacSha256,
            Encoding::Hex,
        )?;
        let timestamp = parse_timestamp_millis(
            &CONTENTFUL_TIMESTAMP,
            request.header(&CONTENTFUL_TIMESTAMP)?.trim(),
        )?;
        request.header(&CONTENTFUL_SIGNED_HEADERS)?;
        Ok(Claims::new(vec![signature]).with_timestamp(timestamp))
    }

    fn signed_content(
        &self,
        request: &RequestHead<'_>,
        claims: &mut Claims,
        _body: &[u8],
        content: &mut SignedContent,
    ) -> Result<(), Rejection> {
        let listed = request.header(&CONTENTFUL_SIGNED_HEADERS)?.trim();
        let timestamp = claims.unix_millis().to_string();
        // Both are always signed, the timestamp as parsed and the list as rebuilt here.
        let mut signed = vec![
            ("x-contentful-timestamp", timestamp.as_str()),
            ("x-contentful-signed-headers", ""),
        ];
        for name in listed.split(',').take(64) {
            if signed.iter().any(|(kept, _)| *kept == name) {
                continue;
            }
            let Ok(header) = HeaderName::from_bytes(name.as_bytes()) else {
                continue;
            };
            if header.as_str() == name {
                if let Ok(value) = request.header(&header) {
                    signed.push((name, value.trim()));
                }
            }
        }
        signed.sort_unstable_by_key(|(name, _)| *name);
        content.push(request.method().as_str());
        content.push("\n");
        push_contentful_path(content, request);
        content.push("\n");
        for (index, (name, value)) in signed.iter().enumerate() {
            if index > 0 {
                content.push(";");
            }
            content.push(name);
            content.push(":");
            if *name == "x-contentful-signed-headers" {
                for (index, (name, _)) in signed.iter().enumerate() {
                    if index > 0 {
                        content.push(",");
                    }
                    content.push(name);
                }
            } else {
                content.push(value);
            }
        }
        content.push("\n");
        content.push_body();
        Ok(())
    }

    fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap) {
        headers.insert(CONTENTFUL_TIMESTAMP, claims.unix_millis().into());
        headers.insert(
            CONTENTFUL_SIGNED_HEADERS,
            header_value("x-contentful-signed-headers,x-contentful-timestamp"),
        );
        if let Some(signature) = claims.signatures.first() {
            headers.insert(
                CONTENTFUL_SIGNATURE,
                header_value(&hex::encode(signature.as_bytes())),
            );
        }
    }

    /// The app's signing secret, 64 characters as Contentful makes them.
    fn key(&self, secret: &[u8]) -> Result<Key, ConfigError> {
        if secret.len() != 64 {
            return Err(ConfigError::new(
                "a Contentful signing secret is 64 characters",
            ));
        }
        Key::shared(secret)
    }

    /// None: Contentful sends no event id.
    fn event_id(&self, _headers: &HeaderMap, _body: &[u8]) -> Option<String> {
        None
    }

    fn carries_timestamp(&self) -> bool {
        true
    }
}

//! Signing schemes: what a provider signs, where it puts the signature, and how it encodes it.
//!
//! A [`Scheme`] reads a request's signature headers into [`Claims`] before the body is read,
//! says which bytes are signed ahead of the body, and writes the same headers back when
//! signing. The MAC itself, the comparison in constant time, the body limit and the
//! timestamp window are the layer's job, so a new provider is a few short functions:
//!
//! ```
//! use http::{HeaderMap, HeaderName};
//! use tower_webhook::scheme::{Claims, Encoding, Scheme, Signature};
//! use tower_webhook::{Rejection, WebhookVerify};
//!
//! /// `x-acme-signature: <hex>` over `{x-acme-timestamp}:{body}`.
//! #[derive(Debug, Clone)]
//! struct Acme;
//!
//! const SIGNATURE: HeaderName = HeaderName::from_static("x-acme-signature");
//! const TIMESTAMP: HeaderName = HeaderName::from_static("x-acme-timestamp");
//!
//! impl Scheme for Acme {
//!     fn parse(&self, headers: &HeaderMap) -> Result<Claims, Rejection> {
//!         let signature = tower_webhook::scheme::single_header(headers, &SIGNATURE)?;
//!         let timestamp = tower_webhook::scheme::single_header(headers, &TIMESTAMP)?;
//!         let mac = Encoding::Hex.decode_mac(signature)
//!             .map_err(|detail| Rejection::malformed_header(SIGNATURE, detail))?;
//!         let timestamp = tower_webhook::scheme::parse_timestamp(&TIMESTAMP, timestamp)?;
//!         Ok(Claims::new(vec![Signature::HmacSha256(mac)]).with_timestamp(timestamp))
//!     }
//!
//!     fn signed_prefix(&self, claims: &Claims, prefix: &mut Vec<u8>) {
//!         prefix.extend_from_slice(format!("{}:", claims.timestamp.unwrap_or(0)).as_bytes());
//!     }
//!
//!     fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap) {
//!         if let Some(Signature::HmacSha256(mac)) = claims.signatures.first() {
//!             headers.insert(SIGNATURE, Encoding::Hex.encode(mac).parse().unwrap());
//!         }
//!         headers.insert(TIMESTAMP, claims.timestamp.unwrap_or(0).into());
//!     }
//!
//!     fn carries_timestamp(&self) -> bool {
//!         true
//!     }
//! }
//!
//! let verify = WebhookVerify::with_scheme(Acme, "secret");
//! let headers = verify.sign(b"{}");
//! assert!(headers.contains_key("x-acme-timestamp"));
//! ```

use std::fmt;

use base64::Engine as _;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use crate::error::ConfigError;
use crate::rejection::Rejection;

mod hmac;
mod slack;
mod standard;
mod stripe;

pub use self::hmac::HmacScheme;
pub use self::slack::Slack;
pub use self::standard::StandardWebhooks;
pub use self::stripe::Stripe;
pub use crate::key::{Key, Signature};

/// A webhook signing scheme: how a provider carries and encodes its signature.
///
/// See the [module docs](self) for a complete custom scheme.
pub trait Scheme: fmt::Debug + Send + Sync + 'static {
    /// Reads the signatures, and the timestamp and event id where the scheme has them, from
    /// the request headers. Called before the body is read, so it must not need the body.
    fn parse(&self, headers: &HeaderMap) -> Result<Claims, Rejection>;

    /// Appends the bytes that are signed ahead of the body (for example `{timestamp}.`).
    /// The signed content is this prefix followed by the raw body. The default is nothing:
    /// the raw body alone is signed.
    fn signed_prefix(&self, claims: &Claims, prefix: &mut Vec<u8>) {
        let _ = (claims, prefix);
    }

    /// Writes the headers that carry `claims`: the inverse of [`parse`](Scheme::parse).
    fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap);

    /// Turns a configured secret into a key. The default is an HMAC-SHA256 key over the
    /// secret's bytes as given; schemes with an encoded secret format decode it here.
    fn key(&self, secret: &[u8]) -> Result<Key, ConfigError> {
        Key::hmac_sha256(secret)
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

    /// Whether the scheme signs a timestamp (so signing must produce one).
    fn carries_timestamp(&self) -> bool {
        false
    }

    /// Whether the scheme's headers carry an event id, signed or not (so signing must
    /// produce one).
    fn carries_id(&self) -> bool {
        false
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

/// `id`, if it is non-empty and not too long to key on.
pub(crate) fn valid_event_id(id: String) -> Option<String> {
    (!id.is_empty() && id.len() <= MAX_EVENT_ID_LEN).then_some(id)
}

/// What a request's headers claim: its signatures, and the timestamp and id they cover.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Claims {
    /// Every signature the request carries; any one that matches any key verifies it.
    pub signatures: Vec<Signature>,
    /// The signed timestamp, in seconds since the Unix epoch, where the scheme has one.
    pub timestamp: Option<u64>,
    /// The event id. [`parse`](Scheme::parse) sets it only where the scheme signs it, so
    /// the id of a verified request is always signed; signing writes it wherever the
    /// scheme's headers carry one ([`carries_id`](Scheme::carries_id)).
    pub id: Option<String>,
}

impl Claims {
    /// Claims carrying these signatures and nothing else.
    pub fn new(signatures: Vec<Signature>) -> Self {
        Self {
            signatures,
            timestamp: None,
            id: None,
        }
    }

    /// Sets the signed timestamp (seconds since the Unix epoch).
    pub fn with_timestamp(mut self, timestamp: u64) -> Self {
        self.timestamp = Some(timestamp);
        self
    }

    /// Sets the signed event id.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }
}

/// How a signature is written in its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Encoding {
    /// Hexadecimal; upper- and lower-case are both accepted, lower-case is written.
    #[default]
    Hex,
    /// Standard base64 with padding.
    Base64,
}

impl Encoding {
    /// Decodes a 32-byte MAC, or says in a few words why it is not one.
    pub fn decode_mac(self, text: &str) -> Result<[u8; 32], &'static str> {
        let mut mac = [0u8; 32];
        match self {
            Self::Hex => {
                if text.len() != 64 {
                    return Err("wrong length for a hex SHA-256 MAC");
                }
                // Either case, in constant time: no branch per digit, so no mispredictions
                // on signatures whose letters differ from one request to the next.
                base16ct::mixed::decode(text, &mut mac).map_err(|_| "not hex")?;
            }
            Self::Base64 => {
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|_| "not base64")?;
                if decoded.len() != 32 {
                    return Err("wrong length for a SHA-256 MAC");
                }
                mac.copy_from_slice(&decoded);
            }
        }
        Ok(mac)
    }

    /// Encodes bytes in this encoding.
    pub fn encode(self, bytes: &[u8]) -> String {
        match self {
            Self::Hex => hex::encode(bytes),
            Self::Base64 => base64::engine::general_purpose::STANDARD.encode(bytes),
        }
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
    let mut values = headers.get_all(name).iter();
    let value = values
        .next()
        .ok_or_else(|| Rejection::missing_header(name.clone()))?;
    if values.next().is_some() {
        return Err(Rejection::malformed_header(name.clone(), "repeated"));
    }
    value
        .to_str()
        .map_err(|_| Rejection::malformed_header(name.clone(), "not ASCII"))
}

/// Parses a timestamp in whole seconds since the Unix epoch.
pub fn parse_timestamp(name: &HeaderName, text: &str) -> Result<u64, Rejection> {
    // `u64::from_str` accepts a leading `+`; a timestamp is digits only.
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Rejection::invalid_timestamp(name.clone()));
    }
    text.parse()
        .map_err(|_| Rejection::invalid_timestamp(name.clone()))
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
        assert_eq!(Encoding::Hex.decode_mac(&lower), Ok(mac));
        assert_eq!(Encoding::Hex.decode_mac(&lower.to_uppercase()), Ok(mac));
        for bad in ["g", "G", " ", "/", ":", "@", "`", "é"] {
            let text = format!("{bad}{}", &lower[bad.len()..]);
            assert_eq!(Encoding::Hex.decode_mac(&text), Err("not hex"), "{bad:?}");
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

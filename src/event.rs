//! The verified event types: [`WebhookEvent`], [`Webhook`] and [`EventRejection`], read
//! from a [`Verified`] body. The axum extractors (feature `axum`) and the inbox's workers
//! both build them here.

use std::fmt;

use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::scheme::{EventShape, Location};
use crate::verified::Verified;

/// A verified webhook event: its id, type and payload, read from wherever the provider puts
/// them, so the same handler works behind every preset. The `{"id": ..., "type": ...,
/// "payload": ...}` envelope by default; GitHub's type from `X-GitHub-Event` and its id from
/// `X-GitHub-Delivery`, Stripe's `type` and `data`, and so on (the scheme's
/// [`event_shape`](crate::scheme::Scheme::event_shape)).
///
/// `P` is the payload type: [`serde_json::Value`] by default, or your own struct.
///
/// ```
/// use axum::http::StatusCode;
/// use tower_webhook::WebhookEvent;
///
/// async fn handle(event: WebhookEvent) -> StatusCode {
///     match (event.resource(), event.action()) {
///         ("message", "updated") => println!("message {}", event.payload()["id"]),
///         _ => {}
///     }
///     StatusCode::OK
/// }
/// ```
///
/// It requires [`WebhookVerify`](crate::WebhookVerify) in front of the handler: without
/// it, the request is answered 500 and the handler never runs. A body that is not JSON, or
/// an event that lacks its id or type where the provider puts them, is answered 400 with a
/// reason that says what is missing and where it was looked for.
#[derive(Debug, Clone)]
pub struct WebhookEvent<P = serde_json::Value> {
    id: String,
    kind: String,
    payload: P,
}

#[derive(Deserialize)]
struct Envelope<P> {
    id: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    payload: P,
}

impl<P> WebhookEvent<P> {
    /// The event id: where the provider puts it (the envelope's `id`, GitHub's
    /// `X-GitHub-Delivery`, ...), else the id the scheme signed; empty where the provider
    /// sends none.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The event type, such as `message.updated` (the envelope's `type` field, GitHub's
    /// `X-GitHub-Event` header, ...); empty where the provider sends none.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The part of the type before its last `.`: `message` in `message.updated`.
    pub fn resource(&self) -> &str {
        self.kind
            .rsplit_once('.')
            .map_or(&self.kind, |(resource, _)| resource)
    }

    /// The part of the type after its last `.`: `updated` in `message.updated`, or empty.
    pub fn action(&self) -> &str {
        self.kind.rsplit_once('.').map_or("", |(_, action)| action)
    }

    /// The payload.
    pub fn payload(&self) -> &P {
        &self.payload
    }

    /// Takes the payload.
    pub fn into_payload(self) -> P {
        self.payload
    }
}

impl<P: DeserializeOwned> WebhookEvent<P> {
    /// Reads the event from a verified body and the request's headers (for providers that
    /// put the id or type in a header), where the provider puts them: what the extractor
    /// does, for hosts that call [`WebhookVerify::verify`](crate::WebhookVerify::verify).
    ///
    /// ```
    /// use http::HeaderMap;
    /// use tower_webhook::{WebhookEvent, WebhookVerify};
    ///
    /// let verify = WebhookVerify::new("secret");
    /// let body = br#"{"id":"evt_1","type":"message.created","payload":{"text":"hi"}}"#;
    /// let request = http::Request::builder()
    ///     .method("POST")
    ///     .uri("/webhook")
    ///     .body(())
    ///     .unwrap();
    /// let (mut head, ()) = request.into_parts();
    /// head.headers = verify.sign(body);
    /// let verified = verify.verify(&head, body.as_slice().into()).unwrap();
    /// let event: WebhookEvent = WebhookEvent::from_verified(&verified, &head.headers).unwrap();
    /// assert_eq!((event.id(), event.kind()), ("evt_1", "message.created"));
    /// ```
    pub fn from_verified(verified: &Verified, headers: &HeaderMap) -> Result<Self, EventRejection> {
        let shape = verified.event_shape();
        if shape == EventShape::ENVELOPE {
            return from_envelope(verified);
        }
        let body: serde_json::Value = parse_json(verified.body())?;
        let id = match shape.id {
            Location::Absent => verified.id().unwrap_or_default().to_owned(),
            at => text_at(at, headers, &body)
                .or_else(|| verified.id().map(str::to_owned))
                .ok_or_else(|| missing("id", at))?,
        };
        let kind = match shape.kind {
            Location::Absent => String::new(),
            at => text_at(at, headers, &body).ok_or_else(|| missing("type", at))?,
        };
        let payload = match shape.payload {
            Location::Body(path) => field(&body, path)
                .ok_or_else(|| missing("payload", shape.payload))?
                .clone(),
            _ => body,
        };
        let payload = P::deserialize(payload).map_err(|_| {
            EventRejection::InvalidEvent(
                "the event's payload does not match the expected type".into(),
            )
        })?;
        Ok(Self { id, kind, payload })
    }
}

/// The `{id, type, payload}` envelope, deserialised in one pass.
fn from_envelope<P: DeserializeOwned>(
    verified: &Verified,
) -> Result<WebhookEvent<P>, EventRejection> {
    let envelope: Envelope<P> = parse_json(verified.body())?;
    let id = envelope
        .id
        .or_else(|| verified.id().map(str::to_owned))
        .ok_or(EventRejection::InvalidEvent(
            "the event has no `id`".to_owned(),
        ))?;
    Ok(WebhookEvent {
        id,
        kind: envelope.kind,
        payload: envelope.payload,
    })
}

/// The text at `location`: a header's value, or a body field that is a string or a number.
fn text_at(location: Location, headers: &HeaderMap, body: &serde_json::Value) -> Option<String> {
    let text = match location {
        Location::Header(name) => headers.get(name)?.to_str().ok()?.to_owned(),
        Location::Body(path) => match field(body, path)? {
            serde_json::Value::String(text) => text.clone(),
            serde_json::Value::Number(number) => number.to_string(),
            _ => return None,
        },
        Location::SignedId | Location::Absent => return None,
    };
    (!text.is_empty()).then_some(text)
}

/// The value at a dotted path (a number indexes an array); the empty path is the value.
fn field<'a>(value: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    if path.is_empty() {
        return Some(value);
    }
    path.split('.').try_fold(value, |value, step| match value {
        serde_json::Value::Array(items) => items.get(step.parse::<usize>().ok()?),
        _ => value.get(step),
    })
}

/// The event lacks `what` where the provider puts it.
fn missing(what: &str, location: Location) -> EventRejection {
    let place = match location {
        Location::Header(name) => format!("the `{name}` header"),
        Location::Body("") => "the body".to_owned(),
        Location::Body(path) => format!("the body's `{path}` field"),
        Location::SignedId => "the signed id".to_owned(),
        Location::Absent => "no place at all".to_owned(),
    };
    EventRejection::InvalidEvent(format!(
        "the event has no {what}: this provider puts it in {place}"
    ))
}

/// A verified webhook body deserialised as `T`, for any [`DeserializeOwned`] type: a typed
/// enum of events (`#[serde(tag = "type", content = "payload")]`) or a provider's own shape.
///
/// ```
/// use axum::http::StatusCode;
/// use serde::Deserialize;
/// use tower_webhook::Webhook;
///
/// #[derive(Deserialize)]
/// #[serde(tag = "type", content = "payload")]
/// enum Event {
///     #[serde(rename = "message.created")]
///     MessageCreated { id: String },
/// }
///
/// async fn handle(Webhook(event): Webhook<Event>) -> StatusCode {
///     match event {
///         Event::MessageCreated { id } => println!("new message {id}"),
///     }
///     StatusCode::OK
/// }
/// ```
///
/// Like [`WebhookEvent`], it answers 500 without [`WebhookVerify`](crate::WebhookVerify)
/// and 400 for a body that is not a `T`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Webhook<T>(pub T);

impl<T: DeserializeOwned> Webhook<T> {
    /// Deserialises a verified body as `T`: what the extractor does, for hosts that call
    /// [`WebhookVerify::verify`](crate::WebhookVerify::verify).
    pub fn from_verified(verified: &Verified) -> Result<Self, EventRejection> {
        parse_json(verified.body()).map(Webhook)
    }
}

/// Parses JSON, with a reason that says where it failed but not what the body held.
pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, EventRejection> {
    serde_json::from_slice(body).map_err(|error| {
        let what = match error.classify() {
            serde_json::error::Category::Data => "does not match the expected event",
            _ => "is not valid JSON",
        };
        let reason = format!(
            "the webhook body {what} (line {}, column {})",
            error.line(),
            error.column()
        );
        // serde_json's own message quotes the body ("unknown variant `...`"): log the
        // reason only.
        tracing::debug!(%reason, "verified webhook body is not the expected JSON");
        EventRejection::InvalidEvent(reason)
    })
}

/// Why [`WebhookEvent`], [`Webhook`] or [`Verified`] could not be extracted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventRejection {
    /// The request did not pass through [`WebhookVerify`](crate::WebhookVerify) (500): a
    /// wiring mistake, never an unverified event reaching the handler.
    MissingLayer,
    /// The verified body is not the expected JSON (400).
    InvalidEvent(String),
}

impl EventRejection {
    /// The status code of the response.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MissingLayer => StatusCode::INTERNAL_SERVER_ERROR,
            Self::InvalidEvent(_) => StatusCode::BAD_REQUEST,
        }
    }

    /// The plain-text body of the response.
    pub fn body_text(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for EventRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingLayer => f.write_str(
                "webhook extractor used without `WebhookVerify`: add \
                 `.layer(tower_webhook::WebhookVerify::new(secret))` to this route or router",
            ),
            Self::InvalidEvent(reason) => f.write_str(reason),
        }
    }
}

impl std::error::Error for EventRejection {}

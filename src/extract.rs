//! Extractors for verified webhooks (feature `axum`): [`WebhookEvent`], [`Webhook`] and
//! [`Verified`].

use std::fmt;

use axum_core::extract::FromRequestParts;
use axum_core::response::{IntoResponse, Response};
use http::request::Parts;
use http::StatusCode;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::verified::Verified;

/// Lets axum's own body extractors (`Bytes`, `String`, `Json`, ...) read a verified body
/// of up to `limit` bytes, the layer's limit, where that is above axum's default of 2 MiB:
/// the body is already read and bounded, and a second, smaller limit would refuse with 413
/// what the layer accepted.
pub(crate) fn allow_verified_body<B>(
    mut request: http::Request<B>,
    limit: usize,
) -> http::Request<B> {
    if limit > crate::DEFAULT_MAX_BODY_SIZE {
        axum_core::extract::DefaultBodyLimit::max(limit).apply(&mut request);
    }
    request
}

impl<S: Send + Sync> FromRequestParts<S> for Verified {
    type Rejection = EventRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        verified(parts).cloned()
    }
}

fn verified(parts: &Parts) -> Result<&Verified, EventRejection> {
    parts
        .extensions
        .get::<Verified>()
        .ok_or(EventRejection::MissingLayer)
}

/// A verified webhook in the `{"id": ..., "type": ..., "payload": ...}` envelope.
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
/// it, the request is answered 500 and the handler never runs. A body that is not such
/// JSON is answered 400.
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
    /// The event id: the body's `id`, or the id the scheme signed when the body has none.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The event type, such as `message.updated` (the envelope's `type` field).
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

impl<S, P> FromRequestParts<S> for WebhookEvent<P>
where
    S: Send + Sync,
    P: DeserializeOwned,
{
    type Rejection = EventRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let verified = verified(parts)?;
        let envelope: Envelope<P> = parse_json(verified.body())?;
        let id = envelope
            .id
            .or_else(|| verified.id().map(str::to_owned))
            .ok_or(EventRejection::InvalidEvent(
                "the event has no `id`".to_owned(),
            ))?;
        Ok(Self {
            id,
            kind: envelope.kind,
            payload: envelope.payload,
        })
    }
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

impl<S, T> FromRequestParts<S> for Webhook<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = EventRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parse_json(verified(parts)?.body()).map(Webhook)
    }
}

/// Parses JSON, with a reason that says where it failed but not what the body held.
fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, EventRejection> {
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

impl IntoResponse for EventRejection {
    fn into_response(self) -> Response {
        if matches!(self, Self::MissingLayer) {
            tracing::error!("{self}");
        }
        (self.status(), self.body_text()).into_response()
    }
}

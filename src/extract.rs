//! The axum extractors (feature `axum`): [`WebhookEvent`], [`Webhook`] and [`Verified`],
//! and [`EventRejection`] as a response.

use axum_core::extract::FromRequestParts;
use axum_core::response::{IntoResponse, Response};
use http::request::Parts;
use serde::de::DeserializeOwned;

use crate::event::{EventRejection, Webhook, WebhookEvent};
use crate::verified::Verified;

/// Lets axum's own body extractors (`Bytes`, `String`, `Json`, ...) read a verified body
/// of `len` bytes where that is above axum's default limit of 2 MiB: the body is already
/// read and bounded by the layer, and a second, smaller limit would refuse with 413 what
/// the layer accepted. Below it, the request is left as it is (no extension to add).
pub(crate) fn allow_verified_body<B>(
    mut request: http::Request<B>,
    len: usize,
) -> http::Request<B> {
    // axum's default, which is also the layer's.
    if len > crate::DEFAULT_MAX_BODY_SIZE {
        axum_core::extract::DefaultBodyLimit::max(len).apply(&mut request);
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

impl<S, P> FromRequestParts<S> for WebhookEvent<P>
where
    S: Send + Sync,
    P: DeserializeOwned,
{
    type Rejection = EventRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        WebhookEvent::from_verified(verified(parts)?, &parts.headers)
    }
}

impl<S, T> FromRequestParts<S> for Webhook<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = EventRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Webhook::from_verified(verified(parts)?)
    }
}

impl IntoResponse for EventRejection {
    fn into_response(self) -> Response {
        if matches!(self, Self::MissingLayer) {
            tracing::error!("{self}");
        }
        (self.status(), self.body_text()).into_response()
    }
}

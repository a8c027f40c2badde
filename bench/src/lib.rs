//! What the benchmarks share: the secret and header of the `{id, type, payload}` scheme,
//! the by-hand verification the layer is measured against, and the work every variant
//! does once a body is verified.

use std::convert::Infallible;
use std::hint::black_box;

use axum::body::Body;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use http::{HeaderMap, Request, Response, StatusCode};
use sha2::Sha256;

/// HMAC-SHA256, as a by-hand handler keys it.
pub type HmacSha256 = Hmac<Sha256>;

/// The secret every HMAC benchmark signs and verifies with.
pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// The header `WebhookVerify::new` reads.
pub const HEADER: &str = "x-webhook-signature";

/// The work every variant does once the body is verified: deliberately trivial, so the
/// comparisons show the whole cost of verifying.
pub fn handle_event(body: &Bytes) -> StatusCode {
    black_box(body.len());
    StatusCode::OK
}

/// What a handler without the layer does: hex-decode the header, feed `mac` the body,
/// `verify_slice` (constant time), then do the work.
pub fn verify_by_hand(headers: &HeaderMap, body: &Bytes, mut mac: HmacSha256) -> StatusCode {
    let Some(claimed) = headers.get(HEADER) else {
        return StatusCode::BAD_REQUEST;
    };
    let mut tag = [0u8; 32];
    if hex::decode_to_slice(claimed.as_bytes(), &mut tag).is_err() {
        return StatusCode::BAD_REQUEST;
    }
    mac.update(body);
    if mac.verify_slice(&tag).is_err() {
        return StatusCode::BAD_REQUEST;
    }
    handle_event(body)
}

/// The inner service of the layer benchmarks: whatever body type the layer hands it.
pub async fn trivial<B>(_request: Request<B>) -> Result<Response<Body>, Infallible> {
    Ok(Response::new(Body::empty()))
}

/// The inner service of the paired benchmarks: it hands the request back, unread, in its
/// response's body ([`Kept`]). Dropping a request is work a server does whether or not it
/// verifies, so the benchmark drops it with the response, outside the clock.
pub async fn kept<B>(request: Request<B>) -> Result<Response<Kept<B>>, Infallible> {
    Ok(Response::new(Kept(request)))
}

/// An empty response body holding the request it answers, dropped with the response.
pub struct Kept<B>(Request<B>);

impl<B> http_body::Body for Kept<B> {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Infallible>>> {
        std::task::Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        true
    }
}

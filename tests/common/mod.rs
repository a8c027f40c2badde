//! Helpers shared by the integration tests.
//!
//! Signatures here are computed with `hmac` and `sha2` directly, never through the crate,
//! so a test that passes proves the layer agrees with an independent implementation.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code, unreachable_pub, unused_imports)]

pub mod capture;
pub mod dedupe;
pub mod inbox;
pub mod report;

pub use self::capture::{status_kib, Capture};

use std::convert::Infallible;
use std::fmt::Debug;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use http_body_util::BodyExt;
use serde_json::json;
use sha2::Sha256;
use tower::{Service, ServiceExt};
use tower_webhook::scheme::Scheme;
use tower_webhook::{Rejection, Verified, WebhookVerify};

/// The secret of the `{id, type, payload}` platform used throughout.
pub const SECRET: &str = "protocol-demo-secret";

/// The header the platform docs name.
pub const SIGNATURE_HEADER: &str = "x-protocol-signature";

/// The docs' own example payload, as raw bytes: its `’` is the UTF-8 sequence E2 80 99.
pub const SEED_PAYLOAD: &[u8] = include_bytes!("../data/message_updated.json");

/// The hex HMAC-SHA256 of [`SEED_PAYLOAD`] under [`SECRET`], computed with the docs' own
/// snippet (`crypto.createHmac('sha256', secret).update(payload).digest('hex')`) in
/// Node.js over the file's bytes.
pub const SEED_SIGNATURE_FROM_NODE: &str =
    "8141b97b20de04aabef41f6b06be85491f0d545d8e70eb85fbf22a663fea44a3";

/// The path every test app serves.
pub const PATH: &str = "/webhook";

/// HMAC-SHA256 over the concatenation of `parts`.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Lowercase hex HMAC-SHA256 of `body`: what the docs' JS snippet produces.
pub fn hmac_hex(key: &[u8], body: &[u8]) -> String {
    hex::encode(hmac_sha256(key, &[body]))
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The platform's layer: hex HMAC-SHA256 of the body in `x-protocol-signature`.
pub fn protocol_layer() -> WebhookVerify {
    WebhookVerify::new(SECRET).header(SIGNATURE_HEADER)
}

/// A POST to [`PATH`] with these headers and body (no `Content-Length` unless given).
pub fn post_with(headers: &[(&str, &str)], body: impl Into<Body>) -> Request {
    let mut request = Request::post(PATH).body(body.into()).unwrap();
    for (name, value) in headers {
        request.headers_mut().append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    request
}

/// A POST to [`PATH`] carrying `headers` (from a signer) and `body`, with its
/// `Content-Length`.
pub fn post_signed(headers: HeaderMap, body: &[u8]) -> Request {
    let mut request = Request::post(PATH)
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body.to_vec()))
        .unwrap();
    request.headers_mut().extend(headers);
    request
}

/// A POST to [`PATH`] signed for [`protocol_layer`], with its `Content-Length`.
pub fn protocol_request(body: &[u8]) -> Request {
    let signature = hmac_hex(SECRET.as_bytes(), body);
    let mut request = post_with(&[(SIGNATURE_HEADER, &signature)], body.to_vec());
    request
        .headers_mut()
        .insert(header::CONTENT_LENGTH, body.len().into());
    request
}

/// A loopback port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A streaming body that yields `body` in chunks of `size` bytes, with no known length.
pub fn chunked(body: &[u8], size: usize) -> Body {
    let chunks: Vec<Result<Bytes, Infallible>> = body
        .chunks(size)
        .map(|chunk| Ok(Bytes::copy_from_slice(chunk)))
        .collect();
    Body::from_stream(futures_util::stream::iter(chunks))
}

/// What a service answered.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("the response body is UTF-8")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the response body is JSON")
    }
}

/// Sends one request through `service` with `oneshot` and collects the response.
pub async fn send<S, B, R>(service: S, request: http::Request<B>) -> Reply
where
    S: Service<http::Request<B>, Response = http::Response<R>>,
    S::Error: Debug,
    R: http_body::Body,
    R::Error: Debug,
{
    let response = service.oneshot(request).await.expect("the service answers");
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .expect("the response body reads")
        .to_bytes();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

/// An app whose handler echoes the body it receives after the layer.
pub fn echo_app<S: Scheme + Clone>(layer: WebhookVerify<S>) -> Router {
    Router::new()
        .route(PATH, post(|body: Bytes| async move { body }))
        .layer(layer)
}

/// An app whose handler reports what the `Verified` extension proved.
pub fn verified_app<S: Scheme + Clone>(layer: WebhookVerify<S>) -> Router {
    Router::new()
        .route(PATH, post(report_verified))
        .layer(layer)
}

async fn report_verified(verified: Verified) -> Json<serde_json::Value> {
    Json(json!({
        "key_index": verified.key_index(),
        "id": verified.id(),
        "timestamp": verified.timestamp(),
        "body": hex::encode(verified.body()),
    }))
}

/// The header in which [`with_kind_header`] reports the rejection kind.
pub const KIND_HEADER: &str = "x-rejection-kind";

/// The layer with a rejection response that also names the kind in [`KIND_HEADER`], so
/// tests can tell the reasons apart without parsing text.
pub fn with_kind_header<S: Scheme + Clone>(layer: WebhookVerify<S>) -> WebhookVerify<S> {
    layer.on_rejection(|rejection: Rejection| {
        let kind = format!("{:?}", rejection.kind());
        let mut response = axum::response::IntoResponse::into_response(rejection);
        response
            .headers_mut()
            .insert(KIND_HEADER, HeaderValue::from_str(&kind).unwrap());
        response
    })
}

/// The rejection kind a reply reports, or `None` for an accepted request.
pub fn kind_of(reply: &Reply) -> Option<&str> {
    reply
        .headers
        .get(KIND_HEADER)
        .map(|value| value.to_str().unwrap())
}

/// A point in time, in seconds since the Unix epoch.
pub fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

/// A clock fixed at `seconds` since the Unix epoch.
pub fn fixed_clock(seconds: u64) -> impl Fn() -> SystemTime + Send + Sync + 'static {
    move || at(seconds)
}

/// The message of a caught panic.
pub fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

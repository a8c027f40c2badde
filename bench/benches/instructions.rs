//! Instructions executed for one signed 1 KiB request, counted by callgrind: a count that
//! stays the same from run to run on a shared, noisy machine, where wall time does not.
//!
//! ```text
//! scripts/instructions.sh          # installs the runner (and valgrind) if missing, then runs this
//! ```
//!
//! Each benchmark is one call; building the service, the request, the headers and the body
//! happens in its setup, which callgrind does not count.
//!
//! - `layer`: one request through `WebhookVerify::new` around a trivial service, polled to
//!   completion without a runtime (it never waits: the body is one chunk). Counts the
//!   whole `oneshot`: reading the headers, collecting the body, the MAC, the `Verified`
//!   extension, the inner call and dropping the response.
//! - `by_hand`: what a handler does without the layer, given the headers and the body:
//!   hex-decode the signature header, key `Hmac<Sha256>` from the secret, feed it the body,
//!   `verify_slice`.
//! - `by_hand_keyed_once`: the same with the HMAC keyed once (in setup) and cloned, as the
//!   layer does.
//! - `by_hand_service`: `by_hand` as a tower service around the same trivial work, taking
//!   the same `Request<Body>` as the layer and collecting its body first: like for like
//!   with `layer`.
//! - `by_hand_service_keyed_once`: the same service with its HMAC keyed once and cloned per
//!   request, as the layer does.
//! - `bare_hmac`: one keyed HMAC-SHA256 over the body, the floor.
//! - `router_layer` and `router_by_hand`: the headline comparison of the wall-time
//!   benchmarks, one request through an axum `Router` (finalized with `.with_state(())`):
//!   the route behind `WebhookVerify::new` with a handler taking the verified `Bytes`,
//!   against the same route without the layer, its handler taking `HeaderMap` + `Bytes`
//!   and verifying by hand.
//!
//! Valgrind's CPU does not offer the SHA extensions, so `sha2` runs its portable
//! compression here (about 3,200 instructions per 64-byte block): the hash weighs more in
//! these counts than in wall time on a CPU with SHA-NI, and the differences between the
//! benchmarks say more than their ratios.

use std::convert::Infallible;
use std::hint::black_box;

use axum::body::Body;
use axum::routing::post;
use axum::Router;
use bytes::Bytes;
use futures_util::FutureExt as _;
use hmac::{KeyInit, Mac};
use http::{header, HeaderMap, Request, Response, StatusCode};
use http_body_util::BodyExt as _;
use iai_callgrind::{library_benchmark, library_benchmark_group, main};
use tower::{Layer as _, Service, ServiceExt as _};
use tower_webhook::WebhookVerify;
use tower_webhook_bench::{handle_event, trivial, verify_by_hand, HmacSha256, HEADER, SECRET};

const SIZE: usize = 1024;

/// A JSON event in the `{id, type, payload}` envelope, exactly 1 KiB long.
fn event_body() -> Bytes {
    let head = r#"{"id":"evt_0001","type":"message.created","payload":{"text":""#;
    let tail = r#""}}"#;
    let filler = "The quick brown fox jumps over the lazy dog. ";
    let mut body = String::with_capacity(SIZE);
    body.push_str(head);
    while body.len() + tail.len() < SIZE {
        let room = SIZE - tail.len() - body.len();
        body.push_str(&filler[..room.min(filler.len())]);
    }
    body.push_str(tail);
    assert_eq!(body.len(), SIZE);
    Bytes::from(body)
}

/// The signed event's headers and body, as a handler without the layer receives them.
fn signed() -> (HeaderMap, Bytes) {
    let body = event_body();
    let mut mac = HmacSha256::new_from_slice(SECRET.as_bytes()).expect("any key length");
    mac.update(&body);
    let signature = hex::encode(mac.finalize().into_bytes());
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        "application/json".parse().expect("a header value"),
    );
    headers.insert(header::CONTENT_LENGTH, SIZE.into());
    headers.insert(HEADER, signature.parse().expect("hex is a header value"));
    (headers, body)
}

/// The signed event as a request in one chunk, as hyper hands over a small body.
fn signed_request() -> Request<Body> {
    let (headers, body) = signed();
    let mut request = Request::post("/webhook")
        .body(Body::from(body))
        .expect("a valid request");
    *request.headers_mut() = headers;
    request
}

/// Polls `future` to completion once: none of these ever waits.
fn complete<F: std::future::Future>(future: F) -> F::Output {
    future
        .now_or_never()
        .expect("completes without waiting: the body is in memory")
}

fn keyed_mac() -> HmacSha256 {
    HmacSha256::new_from_slice(SECRET.as_bytes()).expect("any key length")
}

/// The by-hand handler as a service taking the request the layer takes.
async fn by_hand_handler(request: Request<Body>) -> Result<Response<Body>, Infallible> {
    verify_request_by_hand(request, keyed_mac()).await
}

/// Collects the body of `request`, then verifies it by hand with `mac`.
async fn verify_request_by_hand(
    request: Request<Body>,
    mac: HmacSha256,
) -> Result<Response<Body>, Infallible> {
    let (parts, body) = request.into_parts();
    let Ok(collected) = body.collect().await else {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::BAD_REQUEST;
        return Ok(response);
    };
    let status = verify_by_hand(&parts.headers, &collected.to_bytes(), mac);
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    Ok(response)
}

/// Sends `request` through `service` and returns the status it answers.
fn status_of<S, ResBody>(service: S, request: Request<Body>) -> StatusCode
where
    S: Service<Request<Body>, Response = Response<ResBody>>,
    S::Error: std::fmt::Debug,
{
    complete(service.oneshot(request))
        .expect("the service answers")
        .status()
}

fn layer_setup() -> (
    impl Service<Request<Body>, Response = Response<impl Sized>, Error = Infallible>,
    Request<Body>,
) {
    let service = WebhookVerify::new(SECRET).layer(tower::service_fn(trivial));
    (service, signed_request())
}

#[library_benchmark]
#[bench::request_1kib(layer_setup())]
fn layer(
    (service, request): (
        impl Service<Request<Body>, Response = Response<impl Sized>, Error = Infallible>,
        Request<Body>,
    ),
) -> StatusCode {
    black_box(status_of(service, black_box(request)))
}

fn by_hand_service_setup() -> (
    impl Service<Request<Body>, Response = Response<Body>, Error = Infallible>,
    Request<Body>,
) {
    (tower::service_fn(by_hand_handler), signed_request())
}

#[library_benchmark]
#[bench::request_1kib(by_hand_service_setup())]
fn by_hand_service(
    (service, request): (
        impl Service<Request<Body>, Response = Response<Body>, Error = Infallible>,
        Request<Body>,
    ),
) -> StatusCode {
    black_box(status_of(service, black_box(request)))
}

fn by_hand_service_keyed_once_setup() -> (
    impl Service<Request<Body>, Response = Response<Body>, Error = Infallible>,
    Request<Body>,
) {
    let keyed = keyed_mac();
    let service = tower::service_fn(move |request| verify_request_by_hand(request, keyed.clone()));
    (service, signed_request())
}

#[library_benchmark]
#[bench::request_1kib(by_hand_service_keyed_once_setup())]
fn by_hand_service_keyed_once(
    (service, request): (
        impl Service<Request<Body>, Response = Response<Body>, Error = Infallible>,
        Request<Body>,
    ),
) -> StatusCode {
    black_box(status_of(service, black_box(request)))
}

#[library_benchmark]
#[bench::request_1kib(signed())]
fn by_hand((headers, body): (HeaderMap, Bytes)) -> StatusCode {
    let mac = keyed_mac();
    black_box(verify_by_hand(black_box(&headers), black_box(&body), mac))
}

fn keyed_once_setup() -> (HmacSha256, HeaderMap, Bytes) {
    let (headers, body) = signed();
    (keyed_mac(), headers, body)
}

#[library_benchmark]
#[bench::request_1kib(keyed_once_setup())]
fn by_hand_keyed_once((keyed, headers, body): (HmacSha256, HeaderMap, Bytes)) -> StatusCode {
    let mac = black_box(&keyed).clone();
    black_box(verify_by_hand(black_box(&headers), black_box(&body), mac))
}

#[library_benchmark]
#[bench::request_1kib(event_body())]
fn bare_hmac(body: Bytes) -> [u8; 32] {
    let mut mac = keyed_mac();
    mac.update(black_box(&body));
    black_box(mac.finalize().into_bytes().into())
}

/// `router` with one request polled to completion.
fn router_status(router: Router, request: Request<Body>) -> StatusCode {
    complete(router.oneshot(request))
        .unwrap_or_else(|never| match never {})
        .status()
}

fn router_layer_setup() -> (Router, Request<Body>) {
    let router = Router::new()
        .route(
            "/webhook",
            post(|body: Bytes| async move { handle_event(&body) }),
        )
        .layer(WebhookVerify::new(SECRET))
        .with_state(());
    (router, signed_request())
}

#[library_benchmark]
#[bench::request_1kib(router_layer_setup())]
fn router_layer((router, request): (Router, Request<Body>)) -> StatusCode {
    black_box(router_status(router, black_box(request)))
}

fn router_by_hand_setup() -> (Router, Request<Body>) {
    let router = Router::new()
        .route(
            "/webhook",
            post(|headers: HeaderMap, body: Bytes| async move {
                verify_by_hand(&headers, &body, keyed_mac())
            }),
        )
        .with_state(());
    (router, signed_request())
}

#[library_benchmark]
#[bench::request_1kib(router_by_hand_setup())]
fn router_by_hand((router, request): (Router, Request<Body>)) -> StatusCode {
    black_box(router_status(router, black_box(request)))
}

library_benchmark_group!(
    name = verify_1kib;
    benchmarks =
        router_layer,
        router_by_hand,
        layer,
        by_hand_service,
        by_hand_service_keyed_once,
        by_hand,
        by_hand_keyed_once,
        bare_hmac
);

main!(library_benchmark_groups = verify_1kib);

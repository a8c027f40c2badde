//! Per-request time against body size: the layer in front of a `WebhookEvent` handler vs
//! an axum handler that checks the same HMAC by hand, both as an in-memory request through
//! a `Router`. `scripts/plot.py` draws the result into `docs/body_size.svg`.
//!
//! ```text
//! cargo bench --bench body_size && python3 scripts/plot.py
//! ```

// `criterion_group!` defines a function that cannot carry a doc comment.
#![allow(missing_docs)]

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode};
use axum::routing::post;
use axum::Router;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use futures_util::FutureExt as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tower::ServiceExt as _;
use tower_webhook::{WebhookEvent, WebhookVerify};

const SECRET: &[u8] = b"bench secret";
const SIZES: [usize; 6] = [256, 1024, 4096, 16384, 65536, 262_144];

async fn verified(event: WebhookEvent) -> StatusCode {
    std::hint::black_box(event.id());
    StatusCode::OK
}

async fn by_hand(headers: HeaderMap, body: Bytes) -> StatusCode {
    let Some(claimed) = headers
        .get("x-webhook-signature")
        .and_then(|value| value.to_str().ok())
        .and_then(|text| hex::decode(text).ok())
    else {
        return StatusCode::BAD_REQUEST;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET).expect("HMAC takes any key");
    mac.update(&body);
    if mac.verify_slice(&claimed).is_err() {
        return StatusCode::BAD_REQUEST;
    }
    match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(event) if event["type"].is_string() => {
            std::hint::black_box(&event["id"]);
            StatusCode::OK
        }
        _ => StatusCode::BAD_REQUEST,
    }
}

/// A `{id, type, payload}` event of exactly `size` bytes.
fn event(size: usize) -> Vec<u8> {
    let head = r#"{"id":"evt_1","type":"message.created","payload":{"text":""#;
    let tail = r#""}}"#;
    let mut body = head.as_bytes().to_vec();
    body.resize(size - tail.len(), b'a');
    body.extend_from_slice(tail.as_bytes());
    body
}

fn send(app: &Router, body: &Bytes, signature: &str) -> StatusCode {
    let request = Request::post("/")
        .header("content-type", "application/json")
        .header("x-webhook-signature", signature)
        .body(Body::from(body.clone()))
        .unwrap();
    let response: Result<_, Infallible> = app
        .clone()
        .oneshot(request)
        .now_or_never()
        .expect("an in-memory request completes at once");
    response.unwrap().status()
}

fn body_size(c: &mut Criterion) {
    let layer = Router::new()
        .route("/", post(verified))
        .layer(WebhookVerify::new(SECRET));
    let hand = Router::new().route("/", post(by_hand));
    let mut group = c.benchmark_group("body_size");
    group.measurement_time(Duration::from_secs(3));
    group.warm_up_time(Duration::from_secs(1));
    for size in SIZES {
        let body = Bytes::from(event(size));
        let signature = tower_webhook::sign(SECRET, &body);
        group.throughput(Throughput::Bytes(size as u64));
        for (name, app) in [("layer", &layer), ("by-hand", &hand)] {
            assert_eq!(send(app, &body, &signature), StatusCode::OK);
            group.bench_with_input(BenchmarkId::new(name, size), &body, |b, body| {
                b.iter(|| send(app, body, &signature))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, body_size);
criterion_main!(benches);

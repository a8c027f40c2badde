//! The cost of exactly-once handling, per request and in memory.
//!
//! ```text
//! cargo bench -p tower-webhook-bench --bench dedupe                   # no dedupe and MemoryStore
//! cargo bench -p tower-webhook-bench --bench dedupe --features redis  # also RedisStore (Redis
//!                                                                     # at REDIS_URL, default
//!                                                                     # redis://127.0.0.1:6379)
//! ```
//!
//! Each request is a signed 1 KiB `{id, type, payload}` event with a new id, sent through
//! an axum `Router` whose handler answers 200; signing happens outside the timed part.
//! Before the timings it prints the resident memory a `MemoryStore` takes for 1 million ids.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::post;
use axum::Router;
use criterion::{BatchSize, Criterion};
use tower::ServiceExt;
use tower_webhook::dedupe::{Claim, MemoryStore, Store};
use tower_webhook::WebhookVerify;

const SECRET: &str = "bench-secret";
const BODY_SIZE: usize = 1024;

/// A signed request for a fresh event of exactly 1 KiB.
fn fresh_request() -> Request<Body> {
    static NEXT_ID: AtomicU64 = AtomicU64::new(0);
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    request_for(id)
}

fn request_for(id: u64) -> Request<Body> {
    let head = format!(r#"{{"id":"evt_{id:016}","type":"bench.event","payload":""#);
    let padding = "x".repeat(BODY_SIZE - head.len() - 2);
    let body = format!("{head}{padding}\"}}");
    debug_assert_eq!(body.len(), BODY_SIZE);
    Request::post("/webhook")
        .header("content-type", "application/json")
        .header("x-webhook-signature", tower_webhook::sign(SECRET, &body))
        .body(Body::from(body))
        .unwrap()
}

fn app(layer: WebhookVerify) -> Router {
    Router::new()
        .route("/webhook", post(|| async { StatusCode::OK }))
        .layer(layer)
}

fn bench_app(
    criterion: &mut Criterion,
    runtime: &tokio::runtime::Runtime,
    name: &str,
    app: Router,
) {
    criterion.bench_function(name, |bencher| {
        bencher.to_async(runtime).iter_batched(
            fresh_request,
            |request| {
                let app = app.clone();
                async move {
                    let response = app.oneshot(request).await.unwrap();
                    assert_eq!(response.status(), StatusCode::OK);
                }
            },
            BatchSize::SmallInput,
        );
    });
}

fn per_request(criterion: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    bench_app(
        criterion,
        &runtime,
        "1KiB/no_dedupe",
        app(WebhookVerify::new(SECRET)),
    );
    bench_app(
        criterion,
        &runtime,
        "1KiB/memory_store",
        app(WebhookVerify::new(SECRET).dedupe(MemoryStore::new())),
    );

    let duplicate = app(WebhookVerify::new(SECRET).dedupe(MemoryStore::new()));
    runtime
        .block_on(duplicate.clone().oneshot(request_for(u64::MAX)))
        .unwrap();
    criterion.bench_function("1KiB/memory_store_duplicate", |bencher| {
        bencher.to_async(&runtime).iter_batched(
            || request_for(u64::MAX),
            |request| {
                let app = duplicate.clone();
                async move {
                    let response = app.oneshot(request).await.unwrap();
                    assert!(response.headers().contains_key("webhook-duplicate"));
                }
            },
            BatchSize::SmallInput,
        );
    });

    #[cfg(feature = "redis")]
    {
        let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let store = runtime
            .block_on(tower_webhook::dedupe::RedisStore::connect(&url))
            .unwrap_or_else(|error| {
                panic!("no Redis at {url} ({error}); start one or drop --features redis")
            });
        let layer = WebhookVerify::new(SECRET).dedupe(
            tower_webhook::dedupe::Dedupe::new(store)
                .prefix(format!("tower-webhook-bench:{}:", std::process::id()))
                .ttl(Duration::from_secs(60)),
        );
        bench_app(criterion, &runtime, "1KiB/redis_store", app(layer));
    }
}

/// The resident set size of this process, in bytes (Linux).
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Fills a `MemoryStore` with 1 million handled ids and prints what it costs.
fn memory_at_one_million_ids() {
    const IDS: usize = 1_000_000;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let before = resident_bytes();
    let store = MemoryStore::with_capacity(IDS);
    let ttl = Duration::from_secs(600);
    runtime.block_on(async {
        for id in 0..IDS {
            let key = format!("tower-webhook:msg_{id:024}");
            assert_eq!(store.claim(&key, "owner", ttl).await.unwrap(), Claim::New);
            store.complete(&key, ttl).await.unwrap();
        }
    });
    assert_eq!(store.len(), IDS);
    match (before, resident_bytes()) {
        (Some(before), Some(after)) => {
            let grown = after.saturating_sub(before);
            println!(
                "MemoryStore, {IDS} ids: resident memory grew by {:.1} MiB ({} bytes per id)",
                grown as f64 / (1024.0 * 1024.0),
                grown / IDS as u64
            );
        }
        _ => println!("MemoryStore, {IDS} ids: resident memory is not readable on this system"),
    }
    drop(store);
}

fn main() {
    memory_at_one_million_ids();
    let mut criterion = Criterion::default().configure_from_args();
    per_request(&mut criterion);
    criterion.final_summary();
}

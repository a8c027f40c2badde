//! Helpers shared by the dedupe tests.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use tokio::sync::Notify;
use tower_webhook::scheme::{Scheme, StandardWebhooks};
use tower_webhook::WebhookVerify;

/// A router whose handler waits until `release` is notified, counting its runs.
pub fn blocking_app(
    layer: WebhookVerify<StandardWebhooks>,
    runs: Arc<AtomicUsize>,
    release: Arc<Notify>,
) -> Router {
    let handler = move || {
        let runs = Arc::clone(&runs);
        let release = Arc::clone(&release);
        async move {
            runs.fetch_add(1, Ordering::SeqCst);
            release.notified().await;
            StatusCode::OK
        }
    };
    Router::new().route("/webhook", post(handler)).layer(layer)
}

/// Waits (up to 5 s) until the handler has started `expected` times.
pub async fn wait_for_runs(runs: &AtomicUsize, expected: usize) {
    for _ in 0..1000 {
        if runs.load(Ordering::SeqCst) >= expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the handler did not start {expected} time(s)");
}

/// A router whose handler counts its runs and answers with `status(run number)`.
pub fn counting_app<S: Scheme + Clone>(
    layer: WebhookVerify<S>,
    runs: Arc<AtomicUsize>,
    status: impl Fn(usize) -> StatusCode + Clone + Send + Sync + 'static,
) -> Router {
    let handler = move || {
        let runs = Arc::clone(&runs);
        let status = status.clone();
        async move { status(runs.fetch_add(1, Ordering::SeqCst) + 1) }
    };
    Router::new().route("/webhook", post(handler)).layer(layer)
}

/// Whether a response is the answer to a duplicate of a handled event.
pub fn is_duplicate(response: &axum::response::Response) -> bool {
    response
        .headers()
        .get(tower_webhook::dedupe::DUPLICATE_HEADER)
        .is_some_and(|value| value == "true")
}

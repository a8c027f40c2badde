//! A webhook receiver done right: verifies the signature over the raw body, in constant
//! time, with a body limit, before the handler runs.
//!
//! ```text
//! cargo run --example receiver
//! ```
//!
//! Environment: `WEBHOOK_SECRET` (a fixed development secret when unset, with a warning),
//! `WEBHOOK_HEADER` (default `x-webhook-signature`), `PORT` (default 3000), `RUST_LOG`
//! (default `info`). Send it a signed event with `cargo run --example send`.

use axum::{http::StatusCode, routing::post, Router};
use tower_webhook::{WebhookEvent, WebhookVerify};

/// The secret used when `WEBHOOK_SECRET` is unset. For development only.
const DEVELOPMENT_SECRET: &str = "development-secret-do-not-use-in-production";

fn app(secret: &str, header: &str) -> Router {
    Router::new()
        .route("/webhook", post(handle))
        .layer(WebhookVerify::new(secret).header(header))
}

async fn handle(event: WebhookEvent) -> StatusCode {
    tracing::info!(id = event.id(), kind = event.kind(), "verified webhook");
    StatusCode::OK
}

const USAGE: &str = "\
A webhook receiver: POST /webhook, verified before the handler runs. Runs until stopped
(Ctrl-C).

usage: cargo run --example receiver

environment: WEBHOOK_SECRET (a fixed development secret when unset, with a warning),
WEBHOOK_HEADER (default x-webhook-signature), PORT (default 3000), RUST_LOG (default info)";

#[tokio::main]
async fn main() -> std::io::Result<()> {
    if std::env::args()
        .skip(1)
        .any(|arg| arg == "--help" || arg == "-h")
    {
        println!("{USAGE}");
        return Ok(());
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();

    let secret = std::env::var("WEBHOOK_SECRET").unwrap_or_else(|_| {
        tracing::warn!(
            "WEBHOOK_SECRET is not set: using the fixed development secret. \
             Never run like this in production."
        );
        DEVELOPMENT_SECRET.to_owned()
    });
    let header = std::env::var("WEBHOOK_HEADER").unwrap_or_else(|_| "x-webhook-signature".into());
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());

    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    tracing::info!(
        "listening on http://{}/webhook (signature header `{header}`); runs until stopped (Ctrl-C)",
        listener.local_addr()?
    );
    axum::serve(listener, app(&secret, &header)).await
}

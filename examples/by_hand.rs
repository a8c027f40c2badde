//! The `receiver` example with its verification written by hand (hmac + sha2, compared
//! with `verify_slice`): the bar `WebhookVerify` is measured against by `scripts/soak.sh`.
//! Prefer the layer in your own code: this handler has no body limit of its own beyond
//! axum's default, and nothing stops a route from forgetting the check.
//!
//! ```text
//! cargo run --release --example by_hand
//! ```

use axum::{
    body::Bytes,
    http::{HeaderMap, StatusCode},
    routing::post,
    Router,
};
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;

const DEVELOPMENT_SECRET: &str = "development-secret-do-not-use-in-production";

#[derive(Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[allow(dead_code)]
    payload: serde_json::Value,
}

async fn handle(key: Hmac<Sha256>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let Some(Ok(signature)) = headers.get("x-webhook-signature").map(|v| v.to_str()) else {
        return StatusCode::BAD_REQUEST;
    };
    let Ok(signature) = hex::decode(signature) else {
        return StatusCode::BAD_REQUEST;
    };
    let mut mac = key;
    mac.update(&body);
    if mac.verify_slice(&signature).is_err() {
        return StatusCode::BAD_REQUEST;
    }
    let Ok(event) = serde_json::from_slice::<Envelope>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    tracing::info!(id = event.id, kind = event.kind, "verified webhook");
    StatusCode::OK
}

/// What `--help` prints.
const USAGE: &str = "\
The receiver example with its verification written by hand, the bar of scripts/soak.sh.
Runs until stopped (Ctrl-C).

usage: cargo run --release --example by_hand

environment: WEBHOOK_SECRET, PORT (default 3001), RUST_LOG";

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
    let secret = std::env::var("WEBHOOK_SECRET").unwrap_or_else(|_| DEVELOPMENT_SECRET.into());
    let key = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    let app = Router::new().route(
        "/webhook",
        post(move |headers: HeaderMap, body: Bytes| handle(key.clone(), headers, body)),
    );
    let port = std::env::var("PORT").unwrap_or_else(|_| "3001".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    tracing::info!(
        "listening on http://{}/webhook; runs until stopped (Ctrl-C)",
        listener.local_addr()?
    );
    axum::serve(listener, app).await
}

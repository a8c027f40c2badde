//! Two receivers of the same webhook in one server, for load tests: `/webhook` behind
//! [`WebhookVerify`], and `/by-hand`, an axum handler that checks the HMAC itself.
//!
//! ```text
//! WEBHOOK_SECRET=secret SOAK_ADDR=127.0.0.1:3000 cargo run --release --example soak_server
//! ```
//!
//! `scripts/soak.sh` drives it with `wrk`.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tower_webhook::{WebhookEvent, WebhookVerify};

/// The layer's receiver: the handler only ever sees verified events.
async fn verified(event: WebhookEvent) -> StatusCode {
    std::hint::black_box(event.id());
    StatusCode::OK
}

/// The same checks written by hand: signature header, HMAC over the raw body in
/// constant time, then the JSON envelope.
async fn by_hand(secret: &'static [u8], headers: HeaderMap, body: Bytes) -> StatusCode {
    let Some(claimed) = headers
        .get("x-webhook-signature")
        .and_then(|value| value.to_str().ok())
        .and_then(|text| hex::decode(text).ok())
    else {
        return StatusCode::BAD_REQUEST;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key");
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

#[tokio::main]
async fn main() {
    let secret: &'static [u8] = std::env::var("WEBHOOK_SECRET")
        .unwrap_or_else(|_| "secret".to_owned())
        .into_bytes()
        .leak();
    let address: SocketAddr = std::env::var("SOAK_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3000".to_owned())
        .parse()
        .expect("SOAK_ADDR is host:port");
    let layered = Router::new()
        .route("/webhook", post(verified))
        .layer(WebhookVerify::new(secret));
    let app = layered.route(
        "/by-hand",
        post(move |headers: HeaderMap, body: Bytes| by_hand(secret, headers, body)),
    );
    let listener = tokio::net::TcpListener::bind(address).await.unwrap();
    println!("listening on {address}");
    axum::serve(listener, app).await.unwrap();
}

//! What the layer and the extractors log: a reason, never the secret, the expected
//! signature or the body. One test in its own binary, so the global subscriber captures
//! everything at TRACE.

mod common;

use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use common::*;
use serde::Deserialize;
use tower_webhook::{Webhook, WebhookEvent};

#[derive(Deserialize)]
#[serde(tag = "type", content = "payload")]
#[allow(dead_code)]
enum Event {
    #[serde(rename = "message.created")]
    MessageCreated { id: String },
}

/// A body marker that must never reach a log line.
const BODY_MARKER: &str = "KevinMcCallister";

#[tokio::test]
async fn no_log_line_holds_the_secret_the_expected_signature_or_the_body() {
    let capture = Capture::default();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(capture.clone())
        .init();

    let event_app = Router::new()
        .route(PATH, post(|_: WebhookEvent| async { StatusCode::OK }))
        .layer(protocol_layer().max_body_size(4096));
    let typed_app = Router::new()
        .route(PATH, post(|_: Webhook<Event>| async { StatusCode::OK }))
        .layer(protocol_layer());
    let unlayered = Router::new().route(PATH, post(|_: WebhookEvent| async { StatusCode::OK }));

    let expected = hmac_hex(SECRET.as_bytes(), SEED_PAYLOAD);
    // A body with the right shape but an unknown type, and one that is not JSON: their
    // text must not be echoed by the parse error either.
    let unknown_type = format!(r#"{{"id":"1","type":"{BODY_MARKER}","payload":{{}}}}"#);
    let wrong_field =
        format!(r#"{{"id":"1","type":"message.created","payload":{{"id":["{BODY_MARKER}"]}}}}"#);
    let not_json = format!("{BODY_MARKER} is not JSON");
    let mut statuses = Vec::new();
    for request in [
        protocol_request(SEED_PAYLOAD),
        post_with(&[(SIGNATURE_HEADER, &"0".repeat(64))], SEED_PAYLOAD),
        post_with(&[(SIGNATURE_HEADER, &expected[1..])], SEED_PAYLOAD),
        post_with(
            &[(SIGNATURE_HEADER, &expected.to_uppercase()[..63])],
            SEED_PAYLOAD,
        ),
        post_with(&[], SEED_PAYLOAD),
        protocol_request(&[b'x'; 5000]),
        protocol_request(not_json.as_bytes()),
    ] {
        statuses.push(send(event_app.clone(), request).await.status);
    }
    for body in [&unknown_type, &wrong_field, &not_json] {
        statuses.push(
            send(typed_app.clone(), protocol_request(body.as_bytes()))
                .await
                .status,
        );
    }
    statuses.push(send(unlayered, protocol_request(SEED_PAYLOAD)).await.status);
    assert_eq!(
        statuses,
        [200, 400, 400, 400, 400, 413, 400, 400, 400, 400, 500]
            .map(|code| StatusCode::from_u16(code).unwrap())
    );

    let logs = capture.text();
    // The capture works: each layer rejection left its debug line.
    assert_eq!(logs.matches("webhook rejected").count(), 5, "{logs}");
    for line in logs.lines() {
        let lower = line.to_lowercase();
        assert!(!lower.contains(&expected), "expected signature in: {line}");
        assert!(!lower.contains(&SECRET.to_lowercase()), "secret in: {line}");
        assert!(!line.contains(BODY_MARKER), "body in: {line}");
    }
}

//! What a verified request carries: the signed id and timestamp, the event id fallback, and
//! bodies that are bytes rather than text.

mod common;

use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use common::*;
use tower_webhook::scheme::Scheme;
use tower_webhook::{WebhookEvent, WebhookVerify};

const NOW: u64 = 1_700_000_000;
const STANDARD_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Not UTF-8: a lone continuation byte, an overlong sequence, 0xFF, and a NUL.
const NOT_UTF8: &[u8] = &[0x80, 0xc0, 0xaf, 0xff, 0x00, b'{', 0xfe];

#[tokio::test]
async fn verified_carries_the_standard_id_and_timestamp() {
    let layer = WebhookVerify::standard(STANDARD_SECRET).clock(fixed_clock(NOW));
    let body = br#"{"type":"contact.created","payload":{}}"#;
    let headers = layer.sign_at(body, at(NOW - 30), "msg_claims_1");
    let reply = send(verified_app(layer), post_signed(headers, body)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let report = reply.json();
    assert_eq!(report["id"], "msg_claims_1");
    assert_eq!(report["timestamp"], NOW - 30);
    assert_eq!(report["key_index"], 0);
}

#[tokio::test]
async fn verified_carries_the_stripe_and_slack_timestamps() {
    let body = b"{}";
    let stripe = WebhookVerify::stripe("whsec_s").clock(fixed_clock(NOW));
    let headers = stripe.sign_at(body, at(NOW - 5), "ignored");
    let report = send(verified_app(stripe), post_signed(headers, body))
        .await
        .json();
    assert_eq!(report["timestamp"], NOW - 5);
    assert_eq!(report["id"], serde_json::Value::Null);

    let slack = WebhookVerify::slack("slack secret").clock(fixed_clock(NOW));
    let headers = slack.sign_at(body, at(NOW + 5), "ignored");
    let report = send(verified_app(slack), post_signed(headers, body))
        .await
        .json();
    assert_eq!(report["timestamp"], NOW + 5);
}

fn event_app<S: Scheme + Clone>(layer: WebhookVerify<S>) -> Router {
    let handle = |event: WebhookEvent| async move { format!("{} {}", event.id(), event.kind()) };
    Router::new().route(PATH, post(handle)).layer(layer)
}

#[tokio::test]
async fn event_id_falls_back_to_the_signed_webhook_id() {
    let layer = WebhookVerify::standard(STANDARD_SECRET).clock(fixed_clock(NOW));
    // Standard Webhooks' payload is `{type, timestamp, data}`.
    let body = br#"{"type":"contact.created","data":{"name":"Kevin"}}"#;
    let headers = layer.sign_at(body, at(NOW), "msg_from_header");
    let reply = send(event_app(layer), post_signed(headers, body)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "msg_from_header contact.created");
}

#[tokio::test]
async fn the_body_id_wins_over_the_signed_webhook_id() {
    let layer = WebhookVerify::standard(STANDARD_SECRET).clock(fixed_clock(NOW));
    let body = br#"{"id":"evt_in_body","type":"contact.created","data":{}}"#;
    let headers = layer.sign_at(body, at(NOW), "msg_from_header");
    let reply = send(event_app(layer), post_signed(headers, body)).await;
    assert_eq!(reply.text(), "evt_in_body contact.created");
}

#[tokio::test]
async fn an_event_without_any_id_is_refused() {
    // The default scheme signs no id, so an envelope without one has none.
    let body = br#"{"type":"contact.created","payload":{}}"#;
    let reply = send(event_app(protocol_layer()), protocol_request(body)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.text(), "the event has no `id`");
}

/// Signs `NOT_UTF8` with `layer` and checks it arrives unchanged.
async fn assert_bytes_verify<S: Scheme + Clone>(layer: WebhookVerify<S>) {
    assert!(String::from_utf8(NOT_UTF8.to_vec()).is_err());
    let layer = layer.clock(fixed_clock(NOW));
    let headers = layer.sign_at(NOT_UTF8, at(NOW), "msg_bytes");
    let reply = send(echo_app(layer.clone()), post_signed(headers, NOT_UTF8)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, NOT_UTF8);
    // Streamed in one-byte chunks too.
    let headers = layer.sign_at(NOT_UTF8, at(NOW), "msg_bytes");
    let mut request = post_with(&[], chunked(NOT_UTF8, 1));
    request.headers_mut().extend(headers);
    let reply = send(echo_app(layer), request).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, NOT_UTF8);
}

#[tokio::test]
async fn non_utf8_bodies_verify_in_every_scheme() {
    // Checked against an independent MAC for the default scheme.
    let signature = hmac_hex(SECRET.as_bytes(), NOT_UTF8);
    let request = post_with(&[(SIGNATURE_HEADER, &signature)], NOT_UTF8);
    let reply = send(echo_app(protocol_layer()), request).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, NOT_UTF8);

    assert_bytes_verify(WebhookVerify::new("secret")).await;
    assert_bytes_verify(WebhookVerify::github("secret")).await;
    assert_bytes_verify(WebhookVerify::shopify("secret")).await;
    assert_bytes_verify(WebhookVerify::stripe("whsec_s")).await;
    assert_bytes_verify(WebhookVerify::slack("secret")).await;
    assert_bytes_verify(WebhookVerify::standard(STANDARD_SECRET)).await;
    assert_bytes_verify(WebhookVerify::standard_ed25519(
        "whsk_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    ))
    .await;
}

#[tokio::test]
async fn a_non_utf8_body_is_refused_by_the_json_extractors_not_by_the_layer() {
    let signature = hmac_hex(SECRET.as_bytes(), NOT_UTF8);
    let request = post_with(&[(SIGNATURE_HEADER, &signature)], NOT_UTF8);
    let reply = send(event_app(protocol_layer()), request).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.text().starts_with("the webhook body"),
        "{}",
        reply.text()
    );
}

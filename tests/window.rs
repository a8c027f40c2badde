//! The timestamp window: its edges on both sides, for every scheme that signs a timestamp,
//! at the default tolerance and at others.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::*;
use tower_webhook::scheme::Scheme;
use tower_webhook::{WebhookVerify, DEFAULT_TOLERANCE};

const NOW: u64 = 1_700_000_000;
const BODY: &[u8] = br#"{"id":"evt_1","type":"invoice.paid","payload":{}}"#;

/// The kind of rejection for a request signed at `signed_at` and received at [`NOW`], or
/// `None` when it is accepted.
async fn outcome<S: Scheme + Clone>(layer: &WebhookVerify<S>, signed_at: u64) -> Option<String> {
    let headers = layer.sign_at(BODY, at(signed_at), "msg_window");
    let layer = with_kind_header(layer.clone().clock(fixed_clock(NOW)));
    let reply = send(echo_app(layer), post_signed(headers, BODY)).await;
    match kind_of(&reply) {
        Some(kind) => {
            assert_eq!(reply.status, StatusCode::BAD_REQUEST);
            Some(kind.to_owned())
        }
        None => {
            assert_eq!(reply.status, StatusCode::OK);
            None
        }
    }
}

/// Exactly at the tolerance passes; one second past fails, on both sides.
async fn assert_window<S: Scheme + Clone>(layer: WebhookVerify<S>, tolerance: u64) {
    let old = Some("TimestampTooOld".to_owned());
    let new = Some("TimestampTooNew".to_owned());
    assert_eq!(outcome(&layer, NOW).await, None);
    assert_eq!(outcome(&layer, NOW - tolerance).await, None);
    assert_eq!(outcome(&layer, NOW - tolerance - 1).await, old);
    assert_eq!(outcome(&layer, NOW + tolerance).await, None);
    assert_eq!(outcome(&layer, NOW + tolerance + 1).await, new);
    assert_eq!(outcome(&layer, 0).await, old);
    assert_eq!(outcome(&layer, u64::MAX / 2).await, new);
}

fn presets() -> (
    WebhookVerify<tower_webhook::scheme::Stripe>,
    WebhookVerify<tower_webhook::scheme::Slack>,
    WebhookVerify<tower_webhook::scheme::StandardWebhooks>,
    WebhookVerify<tower_webhook::scheme::StandardWebhooks>,
) {
    (
        WebhookVerify::stripe("whsec_window"),
        WebhookVerify::slack("slack signing secret"),
        WebhookVerify::standard("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        WebhookVerify::standard_ed25519("whsk_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="),
    )
}

#[tokio::test]
async fn default_tolerance_is_five_minutes_both_ways() {
    assert_eq!(DEFAULT_TOLERANCE, Duration::from_secs(300));
    let (stripe, slack, standard, ed25519) = presets();
    assert_window(stripe, 300).await;
    assert_window(slack, 300).await;
    assert_window(standard, 300).await;
    assert_window(ed25519, 300).await;
}

#[tokio::test]
async fn a_shorter_tolerance_moves_both_edges() {
    let one_minute = Duration::from_secs(60);
    let (stripe, slack, standard, ed25519) = presets();
    assert_window(stripe.tolerance(one_minute), 60).await;
    assert_window(slack.tolerance(one_minute), 60).await;
    assert_window(standard.tolerance(one_minute), 60).await;
    assert_window(ed25519.tolerance(one_minute), 60).await;
}

#[tokio::test]
async fn a_longer_tolerance_moves_both_edges() {
    let one_hour = Duration::from_secs(3600);
    let (stripe, slack, standard, _) = presets();
    assert_window(stripe.tolerance(one_hour), 3600).await;
    assert_window(slack.tolerance(one_hour), 3600).await;
    assert_window(standard.tolerance(one_hour), 3600).await;
}

#[tokio::test]
async fn a_zero_tolerance_accepts_only_the_current_second() {
    let (stripe, _, standard, _) = presets();
    assert_window(stripe.tolerance(Duration::ZERO), 0).await;
    assert_window(standard.tolerance(Duration::ZERO), 0).await;
}

#[tokio::test]
async fn the_window_is_checked_before_the_signature() {
    // A forged signature with a stale timestamp is refused for its timestamp: the MAC is
    // not even computed.
    let layer = with_kind_header(WebhookVerify::stripe("whsec_window").clock(fixed_clock(NOW)));
    let value = format!("t={},v1={}", NOW - 3600, "0".repeat(64));
    let reply = send(
        echo_app(layer),
        post_with(&[("stripe-signature", &value)], BODY),
    )
    .await;
    assert_eq!(kind_of(&reply), Some("TimestampTooOld"));
    assert_eq!(reply.text(), "timestamp too old");
}

#[tokio::test]
async fn schemes_without_a_timestamp_ignore_the_clock() {
    let layer = WebhookVerify::github("secret").clock(fixed_clock(0));
    let headers = layer.sign_at(BODY, at(NOW), "unused");
    let reply = send(echo_app(layer), post_signed(headers, BODY)).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn the_real_clock_accepts_a_fresh_signature() {
    let layer = WebhookVerify::standard("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    let headers = layer.sign(BODY);
    let reply = send(echo_app(layer), post_signed(headers, BODY)).await;
    assert_eq!(reply.status, StatusCode::OK);
}

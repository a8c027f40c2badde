//! Published test vectors, and signatures made by other implementations, accepted through
//! the layer.

mod common;

use axum::http::StatusCode;
use common::*;
use tower_webhook::WebhookVerify;

/// GitHub's documented example: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
const GITHUB_SECRET: &str = "It's a Secret to Everybody";
const GITHUB_PAYLOAD: &[u8] = b"Hello, World!";
const GITHUB_SIGNATURE: &str =
    "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

/// The Standard Webhooks reference test (the spec repository's libraries share it).
const STANDARD_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const STANDARD_ID: &str = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
const STANDARD_TIMESTAMP: u64 = 1649367553;
const STANDARD_BODY: &[u8] = br#"{"email":"test@example.com","username":"test_user"}"#;
const STANDARD_SIGNATURE: &str = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";

/// An ed25519 key pair whose 32-byte seed is the bytes 0..32, in the spec's key formats.
const ED25519_SECRET_KEY: &str = "whsk_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const ED25519_PUBLIC_KEY: &str = "whpk_A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=";

/// A `v1a` signature made with Python's `cryptography` package (Ed25519PrivateKey from
/// the seed 0..32) over `{ED25519_ID}.{ED25519_TIMESTAMP}.{ED25519_BODY}`.
const ED25519_ID: &str = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
const ED25519_TIMESTAMP: u64 = 1674087231;
const ED25519_BODY: &[u8] = br#"{"event_type":"ping","data":{"success":true}}"#;
const ED25519_SIGNATURE: &str =
    "v1a,RtGajiyWZlhA+Gd1m8Sji/nPHkGu84AGdJ9094aMvGg4tvqw7PU8+rZh028kEF8CXV/zMeV51koIX3lPHrevBA==";

#[tokio::test]
async fn github_documented_example_is_accepted() {
    let request = post_with(&[("X-Hub-Signature-256", GITHUB_SIGNATURE)], GITHUB_PAYLOAD);
    let reply = send(echo_app(WebhookVerify::github(GITHUB_SECRET)), request).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, GITHUB_PAYLOAD);

    // The same signature over another payload is refused.
    let request = post_with(
        &[("X-Hub-Signature-256", GITHUB_SIGNATURE)],
        "Hello, World?",
    );
    let reply = send(echo_app(WebhookVerify::github(GITHUB_SECRET)), request).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[test]
fn github_documented_example_is_what_the_signers_produce() {
    let expected = GITHUB_SIGNATURE.strip_prefix("sha256=").unwrap();
    assert_eq!(hmac_hex(GITHUB_SECRET.as_bytes(), GITHUB_PAYLOAD), expected);
    assert_eq!(tower_webhook::sign(GITHUB_SECRET, GITHUB_PAYLOAD), expected);
    let headers = WebhookVerify::github(GITHUB_SECRET).sign(GITHUB_PAYLOAD);
    assert_eq!(headers["x-hub-signature-256"], GITHUB_SIGNATURE);
}

fn standard_vector_headers() -> Vec<(&'static str, String)> {
    vec![
        ("webhook-id", STANDARD_ID.to_owned()),
        ("webhook-timestamp", STANDARD_TIMESTAMP.to_string()),
        ("webhook-signature", STANDARD_SIGNATURE.to_owned()),
    ]
}

fn as_pairs<'a>(headers: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    headers
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect()
}

#[tokio::test]
async fn standard_webhooks_reference_vector_is_accepted_at_its_time() {
    let layer = WebhookVerify::standard(STANDARD_SECRET).clock(fixed_clock(STANDARD_TIMESTAMP));
    let headers = standard_vector_headers();
    let reply = send(
        verified_app(layer),
        post_with(&as_pairs(&headers), STANDARD_BODY),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let report = reply.json();
    assert_eq!(report["id"], STANDARD_ID);
    assert_eq!(report["timestamp"], STANDARD_TIMESTAMP);
    assert_eq!(report["body"], hex::encode(STANDARD_BODY));
}

#[tokio::test]
async fn standard_webhooks_reference_vector_is_refused_today() {
    // The vector is from 2022: with the real clock it is far outside the window.
    let layer = with_kind_header(WebhookVerify::standard(STANDARD_SECRET));
    let headers = standard_vector_headers();
    let reply = send(
        echo_app(layer),
        post_with(&as_pairs(&headers), STANDARD_BODY),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(kind_of(&reply), Some("TimestampTooOld"));
}

#[test]
fn standard_webhooks_reference_vector_is_what_the_signers_produce() {
    use base64::Engine as _;
    let key = base64::engine::general_purpose::STANDARD
        .decode(STANDARD_SECRET.strip_prefix("whsec_").unwrap())
        .unwrap();
    let content = format!("{STANDARD_ID}.{STANDARD_TIMESTAMP}.");
    let mac = hmac_sha256(&key, &[content.as_bytes(), STANDARD_BODY]);
    assert_eq!(format!("v1,{}", base64(&mac)), STANDARD_SIGNATURE);

    let headers = WebhookVerify::standard(STANDARD_SECRET).sign_at(
        STANDARD_BODY,
        at(STANDARD_TIMESTAMP),
        STANDARD_ID,
    );
    assert_eq!(headers["webhook-signature"], STANDARD_SIGNATURE);
    assert_eq!(headers["webhook-id"], STANDARD_ID);
    assert_eq!(headers["webhook-timestamp"], "1649367553");
}

#[tokio::test]
async fn stripe_header_with_two_v1_entries_accepts_the_second() {
    let secret = "whsec_stripe_test_secret";
    let now = 1_700_000_000;
    let body = br#"{"id":"evt_1","object":"event","type":"invoice.paid"}"#;
    // Stripe signs `{t}.{body}` with the literal bytes of the `whsec_` secret.
    let right = hex::encode(hmac_sha256(secret.as_bytes(), &[b"1700000000.", body]));
    let wrong = hex::encode(hmac_sha256(b"the old secret", &[b"1700000000.", body]));
    let v0 = "6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39";

    let layer = WebhookVerify::stripe(secret).clock(fixed_clock(now));
    let value = format!("t={now},v1={wrong},v1={right},v0={v0}");
    let reply = send(
        echo_app(layer.clone()),
        post_with(&[("Stripe-Signature", &value)], &body[..]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, &body[..]);

    // Neither entry matching is refused.
    let value = format!("t={now},v1={wrong},v1={wrong},v0={v0}");
    let reply = send(
        echo_app(layer.clone()),
        post_with(&[("Stripe-Signature", &value)], &body[..]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    // `v0` is ignored, even when it holds the right MAC.
    let value = format!("t={now},v0={right}");
    let reply = send(
        echo_app(layer),
        post_with(&[("Stripe-Signature", &value)], &body[..]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn ed25519_signature_from_another_implementation_is_accepted() {
    let layer =
        WebhookVerify::standard_ed25519(ED25519_PUBLIC_KEY).clock(fixed_clock(ED25519_TIMESTAMP));
    let timestamp = ED25519_TIMESTAMP.to_string();
    let headers = [
        ("webhook-id", ED25519_ID),
        ("webhook-timestamp", timestamp.as_str()),
        ("webhook-signature", ED25519_SIGNATURE),
    ];
    let reply = send(
        verified_app(layer.clone()),
        post_with(&headers, ED25519_BODY),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["id"], ED25519_ID);

    // The same signature over another body is refused.
    let reply = send(verified_app(layer), post_with(&headers, &b"{}"[..])).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[test]
fn ed25519_secret_key_signs_as_the_other_implementation_does() {
    // ed25519 signatures are deterministic: the same key and message give the same bytes.
    let headers = WebhookVerify::standard_ed25519(ED25519_SECRET_KEY).sign_at(
        ED25519_BODY,
        at(ED25519_TIMESTAMP),
        ED25519_ID,
    );
    assert_eq!(headers["webhook-signature"], ED25519_SIGNATURE);
}

#[test]
fn ed25519_keys_match_the_seed() {
    let seed: Vec<u8> = (0u8..32).collect();
    assert_eq!(ED25519_SECRET_KEY, format!("whsk_{}", base64(&seed)));
    let signing = ed25519_dalek::SigningKey::from_bytes(&seed.try_into().unwrap());
    let public = signing.verifying_key().to_bytes();
    assert_eq!(ED25519_PUBLIC_KEY, format!("whpk_{}", base64(&public)));
}

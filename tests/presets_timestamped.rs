//! The timestamped presets beyond what the interop check covers: the handshakes (answered
//! only once signed), several signatures per request, millisecond and RFC 3339 windows,
//! Linear's timestamp in the body and Box's two signature headers. Signatures are computed
//! here with `hmac` directly.

mod common;

use axum::http::StatusCode;
use base64::Engine as _;
use common::*;
use tower_webhook::scheme::Scheme;
use tower_webhook::WebhookVerify;

const NOW: u64 = 1_700_000_000;
/// [`NOW`] in RFC 3339.
const NOW_RFC3339: &str = "2023-11-14T22:13:20Z";
const BODY: &[u8] = br#"{"id":"evt_1","type":"thing.created"}"#;

/// Sends `body` with `headers` through `layer` (clock at [`NOW`]): the status, the
/// rejection kind and the response text.
async fn answer<S: Scheme + Clone>(
    layer: WebhookVerify<S>,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (StatusCode, Option<String>, String) {
    let layer = with_kind_header(layer.clock(fixed_clock(NOW)));
    let reply = send(echo_app(layer), post_with(headers, body.to_vec())).await;
    let kind = kind_of(&reply).map(str::to_owned);
    (reply.status, kind, reply.text().to_owned())
}

fn hex_mac(secret: &str, parts: &[&[u8]]) -> String {
    hex::encode(hmac_sha256(secret.as_bytes(), parts))
}

fn base64_mac(secret: &str, parts: &[&[u8]]) -> String {
    base64(&hmac_sha256(secret.as_bytes(), parts))
}

fn assert_kind(got: (StatusCode, Option<String>, String), kind: &str) {
    assert_eq!(got.1.as_deref(), Some(kind), "{}", got.2);
}

fn assert_ok(got: (StatusCode, Option<String>, String)) {
    assert_eq!(got.0, StatusCode::OK, "{}", got.2);
}

// ---------------------------------------------------------------- handshakes

#[tokio::test]
async fn zoom_url_validation_is_answered_once_signed() {
    let secret = "zoom secret token";
    let body = br#"{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}"#;
    let timestamp = NOW.to_string();
    let signature = format!(
        "v0={}",
        hex_mac(secret, &[b"v0:", timestamp.as_bytes(), b":", body])
    );
    let headers = [
        ("x-zm-signature", signature.as_str()),
        ("x-zm-request-timestamp", timestamp.as_str()),
    ];
    let layer = WebhookVerify::zoom(secret).clock(fixed_clock(NOW));
    let reply = send(echo_app(layer.clone()), post_with(&headers, body.to_vec())).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers["content-type"], "application/json");
    assert_eq!(
        reply.json(),
        serde_json::json!({
            "plainToken": "qgg8vlvZRS6UYooatFL8Aw",
            "encryptedToken": hex_mac(secret, &[b"qgg8vlvZRS6UYooatFL8Aw"]),
        })
    );

    // Unsigned, or signed with another secret, it is refused.
    let unsigned = send(echo_app(layer.clone()), post_with(&[], body.to_vec())).await;
    assert_eq!(unsigned.status, StatusCode::BAD_REQUEST);
    assert_kind(
        answer(WebhookVerify::zoom("another"), &headers, body).await,
        "SignatureMismatch",
    );

    // Left to the handler, or any other event, it reaches the handler.
    let handler = send(
        echo_app(layer.handshakes(false)),
        post_with(&headers, body.to_vec()),
    )
    .await;
    assert_eq!(handler.body, &body[..]);
}

#[tokio::test]
async fn twitch_callback_verification_is_answered_once_signed() {
    let secret = "twitch subscription secret";
    let body = br#"{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{"type":"channel.follow"}}"#;
    let id = "e76c6bd4-55c9-4987-8304-da1588d8988b";
    let timestamp = "2023-11-14T22:13:20.634234626Z";
    let signature = format!(
        "sha256={}",
        hex_mac(secret, &[id.as_bytes(), timestamp.as_bytes(), body])
    );
    let mut headers = vec![
        ("twitch-eventsub-message-id", id),
        ("twitch-eventsub-message-timestamp", timestamp),
        ("twitch-eventsub-message-signature", signature.as_str()),
    ];
    let layer = WebhookVerify::twitch(secret);

    // A notification reaches the handler.
    assert_eq!(
        answer(layer.clone(), &headers, body).await.2.as_bytes(),
        body
    );

    headers.push((
        "twitch-eventsub-message-type",
        "webhook_callback_verification",
    ));
    let (status, _, text) = answer(layer.clone(), &headers, body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(text, "pogchamp-kappa-360noscope-vohiyo");

    assert_kind(
        answer(WebhookVerify::twitch("another secret"), &headers, body).await,
        "SignatureMismatch",
    );
    let unsigned = [headers[3]];
    assert_eq!(
        answer(layer, &unsigned, body).await.0,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn twitch_signs_its_message_id_for_dedupe() {
    let layer = WebhookVerify::twitch("twitch subscription secret").clock(fixed_clock(NOW));
    let headers = layer.sign_at(BODY, at(NOW), "msg-1");
    assert_eq!(headers["twitch-eventsub-message-id"], "msg-1");
    assert_eq!(headers["twitch-eventsub-message-timestamp"], NOW_RFC3339);
    let reply = send(verified_app(layer), post_signed(headers, BODY)).await;
    assert_eq!(reply.json()["id"], "msg-1");
}

// ---------------------------------------------------------------- several signatures

#[tokio::test]
async fn paddle_tries_every_h1() {
    let secret = "pdl_ntfset_secret";
    let ts = NOW.to_string();
    let good = hex_mac(secret, &[ts.as_bytes(), b":", BODY]);
    let old = hex_mac("pdl_ntfset_old", &[ts.as_bytes(), b":", BODY]);
    let layer = WebhookVerify::paddle(secret);
    for header in [
        format!("ts={ts};h1={old};h1={good}"),
        format!("ts={ts};h1={good};h1={old}"),
    ] {
        assert_ok(answer(layer.clone(), &[("paddle-signature", &header)], BODY).await);
    }
    let header = format!("ts={ts};h1={old}");
    assert_kind(
        answer(layer, &[("paddle-signature", &header)], BODY).await,
        "SignatureMismatch",
    );
}

#[tokio::test]
async fn persona_reads_one_group_per_secret() {
    let secret = "wbhsec_new";
    let ts = NOW.to_string();
    let good = hex_mac(secret, &[ts.as_bytes(), b".", BODY]);
    let old = hex_mac("wbhsec_old", &[ts.as_bytes(), b".", BODY]);
    let layer = WebhookVerify::persona(secret);
    let header = format!("t={ts},v1={old} t={ts},v1={good}");
    assert_ok(answer(layer.clone(), &[("persona-signature", &header)], BODY).await);

    let other = NOW - 1;
    let header = format!("t={ts},v1={old} t={other},v1={good}");
    let refused = answer(layer, &[("persona-signature", &header)], BODY).await;
    assert_kind(refused.clone(), "MalformedHeader");
    assert!(refused.2.contains("persona-signature"), "{}", refused.2);
}

// ---------------------------------------------------------------- windows

/// The timestamp `offset` seconds from [`NOW`], in milliseconds.
fn millis(offset: i64) -> String {
    ((NOW as i64 + offset) * 1000).to_string()
}

/// A delivery: its headers and body.
type Delivery = (Vec<(&'static str, String)>, Vec<u8>);

/// For each `(timestamp, kind)`, sends what `delivery(timestamp)` builds through `layer`
/// and checks the rejection kind (`None`: accepted).
async fn check_window<S: Scheme + Clone>(
    layer: WebhookVerify<S>,
    cases: &[(String, Option<&str>)],
    delivery: impl Fn(&str) -> Delivery,
) {
    for (timestamp, kind) in cases {
        let (headers, body) = delivery(timestamp);
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let got = answer(layer.clone(), &headers, &body).await;
        assert_eq!(got.1.as_deref(), *kind, "{timestamp}: {}", got.2);
    }
}

/// Cases of RFC 3339 timestamps.
fn texts(cases: &[(&str, Option<&'static str>)]) -> Vec<(String, Option<&'static str>)> {
    cases
        .iter()
        .map(|(t, kind)| (t.to_string(), *kind))
        .collect()
}

#[tokio::test]
async fn workos_window_is_180_seconds_in_milliseconds() {
    let secret = "workos secret";
    let cases = [
        (millis(0), None),
        (millis(-179), None),
        (millis(179), None),
        (millis(-181), Some("TimestampTooOld")),
        (millis(181), Some("TimestampTooNew")),
    ];
    check_window(WebhookVerify::workos(secret), &cases, |t| {
        let signature = hex_mac(secret, &[t.as_bytes(), b".", BODY]);
        let header = format!("t={t}, v1={signature}");
        (vec![("workos-signature", header)], BODY.to_vec())
    })
    .await;
}

#[tokio::test]
async fn webflow_window_is_5_minutes_in_milliseconds() {
    let secret = "webflow secret";
    let cases = [
        (millis(0), None),
        (millis(-301), Some("TimestampTooOld")),
        (millis(301), Some("TimestampTooNew")),
    ];
    check_window(WebhookVerify::webflow(secret), &cases, |t| {
        let signature = hex_mac(secret, &[t.as_bytes(), b":", BODY]);
        let headers = vec![
            ("x-webflow-signature", signature),
            ("x-webflow-timestamp", t.to_owned()),
        ];
        (headers, BODY.to_vec())
    })
    .await;
}

#[tokio::test]
async fn zendesk_signs_the_iso_8601_text_as_sent() {
    let secret = "zendesk secret";
    let cases = texts(&[
        (NOW_RFC3339, None),
        ("2023-11-14T14:13:20-08:00", None),
        ("2023-11-14T22:08:19Z", Some("TimestampTooOld")),
        ("2023-11-14T22:18:21.5Z", Some("TimestampTooNew")),
        ("2023-11-14 22:13:20", Some("InvalidTimestamp")),
    ]);
    check_window(WebhookVerify::zendesk(secret), &cases, |t| {
        let headers = vec![
            (
                "x-zendesk-webhook-signature",
                base64_mac(secret, &[t.as_bytes(), BODY]),
            ),
            ("x-zendesk-webhook-signature-timestamp", t.to_owned()),
        ];
        (headers, BODY.to_vec())
    })
    .await;
}

#[tokio::test]
async fn twitch_window_is_10_minutes() {
    let secret = "twitch subscription secret";
    let cases = texts(&[
        ("2023-11-14T22:03:21.000000001Z", None),
        ("2023-11-14T22:03:19.999999999Z", Some("TimestampTooOld")),
        ("2023-11-14T22:23:20.100Z", Some("TimestampTooNew")),
    ]);
    check_window(WebhookVerify::twitch(secret), &cases, |t| {
        let signature = hex_mac(secret, &[b"id-1", t.as_bytes(), BODY]);
        let headers = vec![
            ("twitch-eventsub-message-id", "id-1".to_owned()),
            ("twitch-eventsub-message-timestamp", t.to_owned()),
            (
                "twitch-eventsub-message-signature",
                format!("sha256={signature}"),
            ),
        ];
        (headers, BODY.to_vec())
    })
    .await;
}

// ---------------------------------------------------------------- Linear

fn linear_body(timestamp: &str) -> Vec<u8> {
    format!(r#"{{"action":"create","type":"Issue","webhookTimestamp":{timestamp}}}"#).into_bytes()
}

#[tokio::test]
async fn linear_checks_the_signed_body_timestamp() {
    let secret = "lin_wh_secret";
    let cases = [
        (millis(0), None),
        (millis(-59), None),
        (millis(-61), Some("TimestampTooOld")),
        (millis(61), Some("TimestampTooNew")),
    ];
    check_window(WebhookVerify::linear(secret), &cases, |t| {
        let body = linear_body(t);
        (vec![("linear-signature", hex_mac(secret, &[&body]))], body)
    })
    .await;
}

#[tokio::test]
async fn linear_refuses_a_body_without_a_numeric_timestamp() {
    let secret = "lin_wh_secret";
    for (body, reason) in [
        (
            &br#"{"action":"create","type":"Issue"}"#[..],
            "no timestamp",
        ),
        (br#"{"webhookTimestamp":"1700000000000"}"#, "numeric"),
        (br#"{"webhookTimestamp":null}"#, "numeric"),
        (b"not json", "numeric"),
    ] {
        let signature = hex_mac(secret, &[body]);
        let got = answer(
            WebhookVerify::linear(secret),
            &[("linear-signature", &signature)],
            body,
        )
        .await;
        assert_eq!(got.0, StatusCode::BAD_REQUEST);
        assert_kind(got.clone(), "MalformedBody");
        assert!(got.2.contains(reason), "{}", got.2);
    }
}

#[tokio::test]
async fn linear_signs_a_body_that_carries_its_timestamp() {
    let layer = WebhookVerify::linear("lin_wh_secret").clock(fixed_clock(NOW));
    let body = linear_body(&millis(0));
    let headers = layer.sign_at(&body, at(NOW), "unused");
    assert_eq!(headers.len(), 1);
    assert_eq!(
        headers["linear-signature"],
        hex_mac("lin_wh_secret", &[&body])
    );
    let reply = send(verified_app(layer), post_signed(headers, &body)).await;
    assert_eq!(reply.json()["timestamp"], NOW);
}

// ---------------------------------------------------------------- Box

fn box_headers<'a>(
    primary: Option<&'a str>,
    secondary: Option<&'a str>,
    version: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut headers = vec![
        ("box-delivery-timestamp", NOW_RFC3339),
        ("box-signature-version", version),
        ("box-signature-algorithm", "HmacSHA256"),
    ];
    headers.extend(primary.map(|s| ("box-signature-primary", s)));
    headers.extend(secondary.map(|s| ("box-signature-secondary", s)));
    headers
}

#[tokio::test]
async fn box_reads_both_signature_headers_with_both_keys() {
    let primary = base64_mac("primary", &[BODY, NOW_RFC3339.as_bytes()]);
    let secondary = base64_mac("secondary", &[BODY, NOW_RFC3339.as_bytes()]);
    let wrong = base64_mac("wrong", &[BODY, NOW_RFC3339.as_bytes()]);
    let both = WebhookVerify::r#box("primary").also_accept("secondary");

    for headers in [
        box_headers(Some(&primary), Some(&secondary), "1"),
        box_headers(Some(&wrong), Some(&secondary), "1"),
        box_headers(None, Some(&secondary), "1"),
        box_headers(Some(&primary), None, "1"),
    ] {
        assert_ok(answer(both.clone(), &headers, BODY).await);
    }
    // The secondary key alone, from the primary header (keys rotated into place).
    let headers = box_headers(Some(&secondary), None, "1");
    assert_ok(answer(WebhookVerify::r#box("secondary"), &headers, BODY).await);

    let headers = box_headers(Some(&wrong), Some(&wrong), "1");
    assert_kind(
        answer(both.clone(), &headers, BODY).await,
        "SignatureMismatch",
    );
    let headers = box_headers(None, None, "1");
    assert_kind(answer(both.clone(), &headers, BODY).await, "MissingHeader");
    let headers = box_headers(Some(&primary), None, "2");
    let got = answer(both, &headers, BODY).await;
    assert_kind(got.clone(), "MalformedHeader");
    assert!(got.2.contains("box-signature-version"), "{}", got.2);
}

#[tokio::test]
async fn box_window_is_10_minutes_on_the_rfc_3339_timestamp() {
    let cases = texts(&[
        ("2023-11-14T14:04:00-08:00", None),
        ("2023-11-14T22:03:19Z", Some("TimestampTooOld")),
        ("2023-11-14T22:23:21Z", Some("TimestampTooNew")),
    ]);
    check_window(WebhookVerify::r#box("primary"), &cases, |t| {
        let headers = vec![
            ("box-delivery-timestamp", t.to_owned()),
            ("box-signature-version", "1".to_owned()),
            ("box-signature-algorithm", "HmacSHA256".to_owned()),
            (
                "box-signature-primary",
                base64_mac("primary", &[BODY, t.as_bytes()]),
            ),
        ];
        (headers, BODY.to_vec())
    })
    .await;
}

// ---------------------------------------------------------------- forms of secrets and headers

#[tokio::test]
async fn standard_variants_take_their_providers_secrets_and_headers() {
    let whsec = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let key = base64::engine::general_purpose::STANDARD
        .decode(&whsec["whsec_".len()..])
        .unwrap();
    let now = NOW.to_string();
    let content: &[&[u8]] = &[b"msg_1.", now.as_bytes(), b".", BODY];
    let decoded = format!("v1,{}", base64(&hmac_sha256(&key, content)));
    let raw = format!("v1,{}", base64(&hmac_sha256(whsec.as_bytes(), content)));

    let clerk = WebhookVerify::clerk(whsec).sign_at(BODY, at(NOW), "msg_1");
    assert_eq!(clerk["svix-signature"], decoded.as_str());
    assert!(!clerk.contains_key("webhook-id"));
    let supabase = format!("v1,{whsec}");
    let supabase = WebhookVerify::supabase(supabase).sign_at(BODY, at(NOW), "msg_1");
    assert_eq!(supabase["webhook-signature"], decoded.as_str());
    let polar = WebhookVerify::polar(whsec).sign_at(BODY, at(NOW), "msg_1");
    assert_eq!(polar["webhook-signature"], raw.as_str());
}

#[tokio::test]
async fn sanity_writes_its_header_as_its_sdk_compares_it() {
    let secret = "sanity secret";
    let headers = WebhookVerify::sanity(secret).sign_at(BODY, at(NOW), "unused");
    let t = millis(0);
    let mac = hmac_sha256(secret.as_bytes(), &[t.as_bytes(), b".", BODY]);
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac);
    assert_eq!(
        headers["sanity-webhook-signature"],
        format!("t={t},v1={signature}").as_str()
    );
}

#[tokio::test]
async fn persona_dedupes_on_the_event_data_id() {
    use tower_webhook::dedupe::{MemoryStore, DUPLICATE_HEADER};

    let layer = WebhookVerify::persona("wbhsec_new")
        .clock(fixed_clock(NOW))
        .dedupe(MemoryStore::new());
    let body = br#"{"data":{"type":"event","id":"evt_persona_1","attributes":{}}}"#;
    let app = echo_app(layer.clone());
    for duplicate in [false, true] {
        let headers = layer.sign_at(body, at(NOW), "unused");
        let reply = send(app.clone(), post_signed(headers, body)).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.headers.contains_key(DUPLICATE_HEADER), duplicate);
    }
}

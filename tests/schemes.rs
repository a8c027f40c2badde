//! Every preset and a custom configuration: sign-then-verify round trips against
//! independently computed headers, every rejection reason per scheme, and configuration
//! errors.

mod common;

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use base64::Engine as _;
use common::*;
use tower_webhook::scheme::{Encoding, Scheme, StandardWebhooks};
use tower_webhook::WebhookVerify;

const NOW: u64 = 1_700_000_000;
const ID: &str = "msg_2fd0c3a1";
const BODY: &[u8] =
    "{\"id\":\"evt_1\",\"type\":\"message.created\",\"payload\":{\"text\":\"I’m here\"}}"
        .as_bytes();

const HMAC_SECRET: &str = "a shared secret";
const STANDARD_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ED25519_SECRET_KEY: &str = "whsk_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const ED25519_PUBLIC_KEY: &str = "whpk_A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=";

fn standard_key(secret: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap()
}

/// Signs with `signer` at [`NOW`], checks the headers equal `expected`, then sends them
/// through `verifier` (clock at [`NOW`]) and through a verifier with another secret.
async fn round_trip<S: Scheme + Clone>(
    signer: WebhookVerify<S>,
    verifier: WebhookVerify<S>,
    other: WebhookVerify<S>,
    expected: &[(&str, String)],
) {
    let headers = signer.sign_at(BODY, at(NOW), ID);
    let mut wanted = HeaderMap::new();
    for (name, value) in expected {
        wanted.insert(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    assert_eq!(headers, wanted);

    let verifier = verifier.clock(fixed_clock(NOW));
    let reply = send(
        verified_app(verifier.clone()),
        post_signed(headers.clone(), BODY),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["body"], hex::encode(BODY));

    // `sign` uses the configured clock and a fresh id.
    let signer = signer.clock(fixed_clock(NOW));
    let fresh = signer.sign(BODY);
    let reply = send(verified_app(verifier), post_signed(fresh, BODY)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());

    let other = with_kind_header(other.clock(fixed_clock(NOW)));
    let reply = send(echo_app(other), post_signed(headers, BODY)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(kind_of(&reply), Some("SignatureMismatch"));
}

#[tokio::test]
async fn new_round_trip() {
    let hex = hmac_hex(HMAC_SECRET.as_bytes(), BODY);
    round_trip(
        WebhookVerify::new(HMAC_SECRET),
        WebhookVerify::new(HMAC_SECRET),
        WebhookVerify::new("another secret"),
        &[("x-webhook-signature", hex)],
    )
    .await;
}

#[tokio::test]
async fn github_round_trip() {
    let hex = hmac_hex(HMAC_SECRET.as_bytes(), BODY);
    round_trip(
        WebhookVerify::github(HMAC_SECRET),
        WebhookVerify::github(HMAC_SECRET),
        WebhookVerify::github("another secret"),
        &[
            ("x-hub-signature-256", format!("sha256={hex}")),
            ("x-github-delivery", ID.to_owned()),
        ],
    )
    .await;
}

#[tokio::test]
async fn github_takes_the_25_mb_payloads_github_sends() {
    let layer = WebhookVerify::github(HMAC_SECRET);
    // Over the 2 MiB default limit of the other presets.
    let body = vec![b'a'; 3 * 1024 * 1024];
    let reply = send(
        echo_app(layer.clone()),
        post_signed(layer.sign(&body), &body),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.body.len(), body.len());

    // Past 25 MiB: refused on the declared length, before the body is read.
    let mut request = post_signed(layer.sign(b"{}"), b"{}");
    let declared = tower_webhook::GITHUB_MAX_BODY_SIZE + 1;
    request
        .headers_mut()
        .insert("content-length", HeaderValue::from(declared));
    let reply = send(echo_app(layer), request).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.text(), "body larger than the limit of 26214400 bytes");
}

#[tokio::test]
async fn shopify_round_trip() {
    let mac = hmac_sha256(HMAC_SECRET.as_bytes(), &[BODY]);
    round_trip(
        WebhookVerify::shopify(HMAC_SECRET),
        WebhookVerify::shopify(HMAC_SECRET),
        WebhookVerify::shopify("another secret"),
        &[
            ("x-shopify-hmac-sha256", base64(&mac)),
            ("x-shopify-webhook-id", ID.to_owned()),
        ],
    )
    .await;
}

#[tokio::test]
async fn stripe_round_trip() {
    let secret = "whsec_stripe_literal";
    let mac = hmac_sha256(secret.as_bytes(), &[format!("{NOW}.").as_bytes(), BODY]);
    round_trip(
        WebhookVerify::stripe(secret),
        WebhookVerify::stripe(secret),
        WebhookVerify::stripe("whsec_another"),
        &[(
            "stripe-signature",
            format!("t={NOW},v1={}", hex::encode(mac)),
        )],
    )
    .await;
}

#[tokio::test]
async fn slack_round_trip() {
    let mac = hmac_sha256(
        HMAC_SECRET.as_bytes(),
        &[format!("v0:{NOW}:").as_bytes(), BODY],
    );
    round_trip(
        WebhookVerify::slack(HMAC_SECRET),
        WebhookVerify::slack(HMAC_SECRET),
        WebhookVerify::slack("another secret"),
        &[
            ("x-slack-signature", format!("v0={}", hex::encode(mac))),
            ("x-slack-request-timestamp", NOW.to_string()),
        ],
    )
    .await;
}

#[tokio::test]
async fn standard_round_trip() {
    let key = standard_key(STANDARD_SECRET);
    let mac = hmac_sha256(&key, &[format!("{ID}.{NOW}.").as_bytes(), BODY]);
    round_trip(
        WebhookVerify::standard(STANDARD_SECRET),
        WebhookVerify::standard(STANDARD_SECRET),
        WebhookVerify::standard("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"),
        &[
            ("webhook-id", ID.to_owned()),
            ("webhook-timestamp", NOW.to_string()),
            ("webhook-signature", format!("v1,{}", base64(&mac))),
        ],
    )
    .await;
}

#[tokio::test]
async fn standard_ed25519_round_trip_signs_with_whsk_and_verifies_with_whpk() {
    use ed25519_dalek::Signer as _;
    let seed: [u8; 32] = std::array::from_fn(|i| i as u8);
    let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
    let message = [format!("{ID}.{NOW}.").as_bytes(), BODY].concat();
    let signature = signing.sign(&message).to_bytes();
    let other_public = ed25519_dalek::SigningKey::from_bytes(&[7; 32])
        .verifying_key()
        .to_bytes();
    round_trip(
        WebhookVerify::standard_ed25519(ED25519_SECRET_KEY),
        WebhookVerify::standard_ed25519(ED25519_PUBLIC_KEY),
        WebhookVerify::standard_ed25519(format!("whpk_{}", base64(&other_public))),
        &[
            ("webhook-id", ID.to_owned()),
            ("webhook-timestamp", NOW.to_string()),
            ("webhook-signature", format!("v1a,{}", base64(&signature))),
        ],
    )
    .await;
}

#[tokio::test]
async fn custom_header_prefix_and_base64_round_trip() {
    let custom = |secret: &str| {
        WebhookVerify::new(secret)
            .header("x-acme-signature")
            .prefix("sha256=")
            .encoding(Encoding::Base64)
    };
    let mac = hmac_sha256(HMAC_SECRET.as_bytes(), &[BODY]);
    round_trip(
        custom(HMAC_SECRET),
        custom(HMAC_SECRET),
        custom("another secret"),
        &[("x-acme-signature", format!("sha256={}", base64(&mac)))],
    )
    .await;
}

#[test]
fn a_public_ed25519_key_cannot_sign() {
    let verify = WebhookVerify::standard_ed25519(ED25519_PUBLIC_KEY);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| verify.sign(BODY)));
    let message = panic_message(result.unwrap_err());
    assert!(message.contains("whsk_"), "message: {message}");
}

/// Sends `headers` (with `BODY`) through `layer` at [`NOW`] and returns the status, the
/// rejection kind and the reason text.
async fn refusal<S: Scheme + Clone>(
    layer: &WebhookVerify<S>,
    headers: HeaderMap,
) -> (StatusCode, Option<String>, String) {
    let layer = with_kind_header(layer.clone().clock(fixed_clock(NOW)));
    let reply = send(echo_app(layer), post_signed(headers, BODY)).await;
    (
        reply.status,
        kind_of(&reply).map(str::to_owned),
        reply.text().to_owned(),
    )
}

/// Valid headers for `layer` with `name` replaced by `value`, or removed when `None`.
fn altered<S: Scheme + Clone>(
    layer: &WebhookVerify<S>,
    name: &str,
    value: Option<&str>,
) -> HeaderMap {
    let mut headers = layer.sign_at(BODY, at(NOW), ID);
    assert!(
        headers.contains_key(name),
        "{name} is one of the scheme's headers"
    );
    match value {
        Some(value) => {
            headers.insert(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        None => {
            headers.remove(name);
        }
    }
    headers
}

/// Asserts each case is refused with 400, the kind, and a reason naming `header` where
/// one is given.
async fn assert_refusals<S: Scheme + Clone>(
    layer: WebhookVerify<S>,
    cases: &[(&str, Option<&str>, &str)],
) {
    assert_refusals_signed_by(&layer.clone(), layer, cases).await;
}

/// As [`assert_refusals`], with the valid headers made by `signer`.
async fn assert_refusals_signed_by<S: Scheme + Clone>(
    signer: &WebhookVerify<S>,
    layer: WebhookVerify<S>,
    cases: &[(&str, Option<&str>, &str)],
) {
    // The unaltered headers pass, so each refusal is due to its alteration.
    let valid = signer.sign_at(BODY, at(NOW), ID);
    assert_eq!(refusal(&layer, valid).await.0, StatusCode::OK);
    for (name, value, kind) in cases {
        let (status, got, text) = refusal(&layer, altered(signer, name, *value)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {value:?}");
        assert_eq!(got.as_deref(), Some(*kind), "{name}: {value:?} -> {text}");
        if *kind != "SignatureMismatch" {
            assert!(text.contains(*name), "{text:?} names {name}");
        }
    }
}

#[tokio::test]
async fn new_rejections() {
    let zeros = "0".repeat(64);
    assert_refusals(
        WebhookVerify::new(HMAC_SECRET),
        &[
            ("x-webhook-signature", None, "MissingHeader"),
            ("x-webhook-signature", Some("xyz"), "MalformedHeader"),
            (
                "x-webhook-signature",
                Some(&"g".repeat(64)),
                "MalformedHeader",
            ),
            ("x-webhook-signature", Some(&zeros), "SignatureMismatch"),
        ],
    )
    .await;
}

#[tokio::test]
async fn github_rejections() {
    let hex = hmac_hex(HMAC_SECRET.as_bytes(), BODY);
    let zeros = format!("sha256={}", "0".repeat(64));
    let sha1 = format!("sha1={}", &hex[..40]);
    assert_refusals(
        WebhookVerify::github(HMAC_SECRET),
        &[
            ("x-hub-signature-256", None, "MissingHeader"),
            // The right MAC without its prefix.
            ("x-hub-signature-256", Some(&hex), "MalformedHeader"),
            ("x-hub-signature-256", Some(&sha1), "MalformedHeader"),
            ("x-hub-signature-256", Some("sha256=abc"), "MalformedHeader"),
            ("x-hub-signature-256", Some(&zeros), "SignatureMismatch"),
        ],
    )
    .await;
}

#[tokio::test]
async fn shopify_rejections() {
    let mac = hmac_sha256(HMAC_SECRET.as_bytes(), &[BODY]);
    let as_hex = hex::encode(mac);
    let short = base64(&mac[..31]);
    let zeros = base64(&[0; 32]);
    assert_refusals(
        WebhookVerify::shopify(HMAC_SECRET),
        &[
            ("x-shopify-hmac-sha256", None, "MissingHeader"),
            (
                "x-shopify-hmac-sha256",
                Some("not base64!"),
                "MalformedHeader",
            ),
            ("x-shopify-hmac-sha256", Some(&short), "MalformedHeader"),
            // The right MAC in the wrong encoding.
            ("x-shopify-hmac-sha256", Some(&as_hex), "MalformedHeader"),
            ("x-shopify-hmac-sha256", Some(&zeros), "SignatureMismatch"),
        ],
    )
    .await;
}

#[tokio::test]
async fn stripe_rejections() {
    let v1 = hex::encode(hmac_sha256(
        b"whsec_x",
        &[format!("{NOW}.").as_bytes(), BODY],
    ));
    let zeros = "0".repeat(64);
    let cases: Vec<(String, &str)> = vec![
        ("garbage".to_owned(), "MalformedHeader"),
        (format!("v1={v1}"), "MalformedHeader"),
        (format!("t={NOW}"), "MalformedHeader"),
        (format!("t={NOW},v0={v1}"), "MalformedHeader"),
        (format!("t={NOW},v1=xyz"), "MalformedHeader"),
        (format!("t={NOW},t={NOW},v1={v1}"), "MalformedHeader"),
        (format!("t=soon,v1={v1}"), "InvalidTimestamp"),
        (format!("t=-{NOW},v1={v1}"), "InvalidTimestamp"),
        (format!("t=+{NOW},v1={v1}"), "InvalidTimestamp"),
        (format!("t={NOW},v1={zeros}"), "SignatureMismatch"),
        (format!("t={},v1={v1}", NOW - 301), "TimestampTooOld"),
    ];
    let layer = WebhookVerify::stripe("whsec_x");
    let mut table = vec![("stripe-signature", None, "MissingHeader")];
    table.extend(
        cases
            .iter()
            .filter(|(_, kind)| !kind.starts_with("Timestamp"))
            .map(|(value, kind)| ("stripe-signature", Some(value.as_str()), *kind)),
    );
    assert_refusals(layer.clone(), &table).await;
    let (status, kind, _) = refusal(
        &layer,
        altered(&layer, "stripe-signature", Some(&cases[10].0)),
    )
    .await;
    assert_eq!(
        (status, kind.as_deref()),
        (StatusCode::BAD_REQUEST, Some("TimestampTooOld"))
    );
}

#[tokio::test]
async fn slack_rejections() {
    let mac = hmac_hex(HMAC_SECRET.as_bytes(), BODY);
    let zeros = format!("v0={}", "0".repeat(64));
    assert_refusals(
        WebhookVerify::slack(HMAC_SECRET),
        &[
            ("x-slack-signature", None, "MissingHeader"),
            ("x-slack-request-timestamp", None, "MissingHeader"),
            ("x-slack-signature", Some(&mac), "MalformedHeader"),
            ("x-slack-signature", Some("v0=abc"), "MalformedHeader"),
            (
                "x-slack-request-timestamp",
                Some("1700000000.5"),
                "InvalidTimestamp",
            ),
            (
                "x-slack-request-timestamp",
                Some("yesterday"),
                "InvalidTimestamp",
            ),
            (
                "x-slack-request-timestamp",
                Some("99999999999999999999"),
                "InvalidTimestamp",
            ),
            ("x-slack-signature", Some(&zeros), "SignatureMismatch"),
            // A different timestamp is signed content: the MAC no longer matches.
            (
                "x-slack-request-timestamp",
                Some("1700000001"),
                "SignatureMismatch",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn standard_rejections() {
    let zeros = format!("v1,{}", base64(&[0; 32]));
    let ed_zeros = format!("v1a,{}", base64(&[0; 64]));
    assert_refusals(
        WebhookVerify::standard(STANDARD_SECRET),
        &[
            ("webhook-id", None, "MissingHeader"),
            ("webhook-timestamp", None, "MissingHeader"),
            ("webhook-signature", None, "MissingHeader"),
            ("webhook-id", Some(""), "MalformedHeader"),
            ("webhook-id", Some(&"m".repeat(257)), "MalformedHeader"),
            ("webhook-signature", Some("v1"), "MalformedHeader"),
            (
                "webhook-signature",
                Some("v1,not base64!"),
                "MalformedHeader",
            ),
            (
                "webhook-signature",
                Some(&format!("v1,{}", base64(&[0; 31]))),
                "MalformedHeader",
            ),
            ("webhook-signature", Some("v2,AAAA"), "MalformedHeader"),
            ("webhook-timestamp", Some("1e9"), "InvalidTimestamp"),
            ("webhook-timestamp", Some(""), "InvalidTimestamp"),
            ("webhook-signature", Some(&zeros), "SignatureMismatch"),
            ("webhook-signature", Some(&ed_zeros), "SignatureMismatch"),
            // Another id is signed content: the MAC no longer matches.
            ("webhook-id", Some("msg_other"), "SignatureMismatch"),
        ],
    )
    .await;
}

#[tokio::test]
async fn standard_accepts_any_matching_entry_in_the_list() {
    let layer = WebhookVerify::standard(STANDARD_SECRET).clock(fixed_clock(NOW));
    let valid = layer.sign_at(BODY, at(NOW), ID);
    let right = valid["webhook-signature"].to_str().unwrap().to_owned();
    let wrong = format!("v1,{}", base64(&[0; 32]));
    for list in [
        format!("{wrong} {right}"),
        format!("v2,whatever {right}"),
        format!("{right} {wrong}"),
    ] {
        let headers = altered(&layer, "webhook-signature", Some(&list));
        let reply = send(echo_app(layer.clone()), post_signed(headers, BODY)).await;
        assert_eq!(reply.status, StatusCode::OK, "{list}");
    }
}

/// `headers` with each `webhook-*` name replaced by `svix-*`.
fn as_svix(headers: &HeaderMap) -> HeaderMap {
    headers
        .iter()
        .map(|(name, value)| {
            let name = name.as_str().replace("webhook-", "svix-");
            (
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn standard_reads_the_svix_header_names_too() {
    // Svix senders that are not white-labelled (Clerk, Resend, ...) send the same headers
    // as `svix-id`, `svix-timestamp` and `svix-signature`.
    let layer = with_kind_header(WebhookVerify::standard(STANDARD_SECRET).clock(fixed_clock(NOW)));
    let signed = layer.sign_at(BODY, at(NOW), ID);
    let svix = as_svix(&signed);
    assert!(svix.contains_key("svix-signature") && !svix.contains_key("webhook-id"));
    let reply = send(verified_app(layer.clone()), post_signed(svix.clone(), BODY)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["id"], ID);

    // The same checks under those names: a changed body, a forged signature, an old
    // timestamp, a missing header named as sent.
    let reply = send(echo_app(layer.clone()), post_signed(svix.clone(), b"{}")).await;
    assert_eq!(kind_of(&reply), Some("SignatureMismatch"));
    let mut forged = svix.clone();
    let wrong = format!("v1,{}", base64(&[0; 32]));
    forged.insert("svix-signature", HeaderValue::from_str(&wrong).unwrap());
    let reply = send(echo_app(layer.clone()), post_signed(forged, BODY)).await;
    assert_eq!(kind_of(&reply), Some("SignatureMismatch"));
    let old = as_svix(&layer.sign_at(BODY, at(NOW - 3600), ID));
    let reply = send(echo_app(layer.clone()), post_signed(old, BODY)).await;
    assert_eq!(kind_of(&reply), Some("TimestampTooOld"));
    let mut missing = svix.clone();
    missing.remove("svix-timestamp");
    let reply = send(echo_app(layer.clone()), post_signed(missing, BODY)).await;
    assert_eq!(reply.text(), "missing header `svix-timestamp`");

    // One set or the other: `webhook-id` with `svix-*` for the rest is refused.
    let mut mixed = svix;
    mixed.insert("webhook-id", HeaderValue::from_static(ID));
    let reply = send(echo_app(layer), post_signed(mixed, BODY)).await;
    assert_eq!(reply.text(), "missing header `webhook-timestamp`");
}

#[tokio::test]
async fn standard_ed25519_rejections() {
    let key = standard_key(STANDARD_SECRET);
    let hmac = hmac_sha256(&key, &[format!("{ID}.{NOW}.").as_bytes(), BODY]);
    let hmac_entry = format!("v1,{}", base64(&hmac));
    let zeros = format!("v1a,{}", base64(&[0; 64]));
    assert_refusals_signed_by(
        &WebhookVerify::standard_ed25519(ED25519_SECRET_KEY),
        WebhookVerify::standard_ed25519(ED25519_PUBLIC_KEY),
        &[
            ("webhook-signature", None, "MissingHeader"),
            ("webhook-signature", Some("v1a,AAAA"), "MalformedHeader"),
            ("webhook-timestamp", Some("noon"), "InvalidTimestamp"),
            ("webhook-signature", Some(&zeros), "SignatureMismatch"),
            // An HMAC entry does not satisfy an ed25519 configuration.
            ("webhook-signature", Some(&hmac_entry), "SignatureMismatch"),
        ],
    )
    .await;
}

#[test]
fn a_bad_whsec_secret_is_a_configuration_error() {
    for bad in ["whsec_not base64!", "whsec_", "whsec_%%%%"] {
        let error = WebhookVerify::try_with_scheme(StandardWebhooks, bad).unwrap_err();
        assert!(error.to_string().starts_with("WebhookVerify:"), "{error}");
        let panicked = std::panic::catch_unwind(|| WebhookVerify::standard(bad));
        let message = panic_message(panicked.unwrap_err());
        assert_eq!(message, error.to_string());
    }
    assert!(WebhookVerify::try_with_scheme(StandardWebhooks, STANDARD_SECRET).is_ok());
}

#[test]
fn a_bad_secret_in_also_accept_panics() {
    let result = std::panic::catch_unwind(|| {
        WebhookVerify::standard(STANDARD_SECRET).also_accept("whsec_not base64!")
    });
    assert!(panic_message(result.unwrap_err()).contains("base64"));
}

#[test]
fn bad_ed25519_keys_are_configuration_errors() {
    let short = format!("whpk_{}", base64(&[1; 31]));
    for bad in ["whpk_not base64!", short.as_str()] {
        assert!(
            WebhookVerify::try_with_scheme(StandardWebhooks, bad).is_err(),
            "{bad}"
        );
        assert!(std::panic::catch_unwind(|| WebhookVerify::standard_ed25519(bad)).is_err());
    }
    // A whsec_ secret is not an ed25519 key.
    let message = panic_message(
        std::panic::catch_unwind(|| WebhookVerify::standard_ed25519(STANDARD_SECRET)).unwrap_err(),
    );
    assert!(message.contains("whpk_"), "{message}");
}

#[test]
fn empty_secrets_panic_in_every_preset() {
    let attempts: [fn(); 5] = [
        || drop(WebhookVerify::github("")),
        || drop(WebhookVerify::shopify("")),
        || drop(WebhookVerify::stripe("")),
        || drop(WebhookVerify::slack("")),
        || drop(WebhookVerify::standard("whsec_")),
    ];
    for attempt in attempts {
        assert!(std::panic::catch_unwind(attempt).is_err());
    }
}

#[test]
fn debug_output_hides_the_secrets() {
    let shown = format!(
        "{:?} {:?} {:?}",
        WebhookVerify::new(HMAC_SECRET).also_accept("old secret"),
        WebhookVerify::standard(STANDARD_SECRET),
        WebhookVerify::standard_ed25519(ED25519_SECRET_KEY),
    );
    assert!(!shown.contains(HMAC_SECRET), "{shown}");
    assert!(!shown.contains("old secret"), "{shown}");
    assert!(
        !shown.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        "{shown}"
    );
    assert!(!shown.contains("AAECAwQF"), "{shown}");
    assert!(shown.contains("redacted"), "{shown}");
}

#[tokio::test]
async fn slack_url_verification_is_answered_by_the_layer_once_signed() {
    use axum::body::Body;
    use axum::http::Request;
    use std::time::{Duration, UNIX_EPOCH};
    use tower::ServiceExt as _;

    let layer = WebhookVerify::slack(HMAC_SECRET).clock(|| UNIX_EPOCH + Duration::from_secs(NOW));
    let body = br#"{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#;
    let app = axum::Router::new()
        .route("/", axum::routing::post(|| async { "the handler" }))
        .layer(layer.clone());
    let signed = layer.sign(body);
    let mut request = Request::post("/").body(Body::from(body.to_vec())).unwrap();
    request.headers_mut().extend(signed.clone());
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .unwrap();
    assert_eq!(text, "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");

    // Unsigned, it is refused like any other request.
    let request = Request::post("/").body(Body::from(body.to_vec())).unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

/// A stated timestamp past what `SystemTime` holds (19 digits of seconds, a JWT's `iat`
/// near `u64::MAX`, a body's milliseconds in the 1e22) is refused as malformed, never a
/// panic from adding it to the epoch.
#[test]
fn timestamps_past_the_end_of_time_are_refused() {
    let b64url = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let mac = "ab".repeat(32);
    let far = "9999999999999999999";
    let payload = format!(r#"{{"payload_hash":"{mac}","iat":18446744073709551615,"jti":"j"}}"#);
    let jwt = format!(
        "Bearer {}.{}.{}",
        b64url(br#"{"alg":"HS256","typ":"JWT"}"#),
        b64url(payload.as_bytes()),
        b64url(&[7; 32]),
    );
    let mailgun =
        format!(r#"{{"signature":{{"timestamp":"{far}","token":"t","signature":"{mac}"}}}}"#);

    let stripe = [("stripe-signature", format!("t={far},v1={mac}"))];
    assert_refused(&WebhookVerify::stripe("whsec_x"), &stripe, BODY);
    let slack = [
        ("x-slack-signature", format!("v0={mac}")),
        ("x-slack-request-timestamp", far.to_owned()),
    ];
    assert_refused(&WebhookVerify::slack("x"), &slack, BODY);
    let linear = [("linear-signature", mac.clone())];
    assert_refused(
        &WebhookVerify::linear("x"),
        &linear,
        br#"{"webhookTimestamp":1e22}"#,
    );
    assert_refused(&WebhookVerify::vonage("x"), &[("authorization", jwt)], BODY);
    assert_refused(&WebhookVerify::mailgun("x"), &[], mailgun.as_bytes());
}

/// `verify` refuses a request with these headers and body with 400.
fn assert_refused<S: Scheme>(
    verify: &WebhookVerify<S>,
    headers: &[(&'static str, String)],
    body: &[u8],
) {
    let mut request = http::Request::post("/webhook").body(()).unwrap();
    for (name, value) in headers {
        request
            .headers_mut()
            .insert(*name, HeaderValue::from_str(value).unwrap());
    }
    let (head, ()) = request.into_parts();
    let rejection = verify
        .verify_at(&head, body.to_vec().into(), at(NOW))
        .expect_err("refused");
    assert_eq!(rejection.status(), StatusCode::BAD_REQUEST, "{rejection}");
}

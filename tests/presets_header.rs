//! The presets of one header with a MAC of the raw body, and of shared tokens: what the
//! interop check does not cover. The setup handshakes (answered only when they should be),
//! several signatures at once, tokens in the body and in Basic credentials.

mod common;

use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::routing::any;
use axum::Router;
use bytes::Bytes;
use common::*;
use tower_webhook::scheme::Scheme;
use tower_webhook::{Rejection, RejectionKind, Verified, WebhookVerify};

const BODY: &[u8] = br#"{"id":"evt_1","type":"ping"}"#;

/// An app that answers 200 "handler" to any method, behind `layer`.
fn app<S: Scheme + Clone>(layer: WebhookVerify<S>) -> Router {
    Router::new()
        .route(PATH, any(|| async { "handler" }))
        .layer(layer)
}

fn request(method: Method, uri: &str, headers: &[(&str, &str)], body: &[u8]) -> Request {
    let mut builder = http::Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(axum::body::Body::from(body.to_vec())).unwrap()
}

type Request = http::Request<axum::body::Body>;

/// Verifies `body` with `headers` through [`WebhookVerify::verify`].
fn verify<S: Scheme>(
    layer: &WebhookVerify<S>,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Verified, Rejection> {
    let mut builder = http::Request::post(PATH);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let (head, ()) = builder.body(()).unwrap().into_parts();
    layer.verify(&head, Bytes::copy_from_slice(body))
}

#[tokio::test]
async fn asana_echoes_only_a_configured_hook_secret() {
    let layer = WebhookVerify::asana("new hook secret").also_accept("old hook secret");
    for secret in ["new hook secret", "old hook secret"] {
        let handshake = request(Method::POST, PATH, &[("x-hook-secret", secret)], b"");
        let reply = send(app(layer.clone()), handshake).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.headers["x-hook-secret"], secret);
        assert!(reply.body.is_empty());
    }

    // A secret the layer does not know is not confirmed: the request is refused unsigned.
    let unknown = request(Method::POST, PATH, &[("x-hook-secret", "guess")], b"");
    let reply = send(app(layer.clone()), unknown).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(!reply.headers.contains_key("x-hook-secret"));

    // A signed event that also carries the header is an event, not a handshake.
    let signature = hmac_hex(b"new hook secret", BODY);
    let event = request(
        Method::POST,
        PATH,
        &[
            ("x-hook-secret", "new hook secret"),
            ("x-hook-signature", &signature),
        ],
        BODY,
    );
    let reply = send(app(layer.clone()), event).await;
    assert_eq!(reply.text(), "handler");

    // With handshakes left to the handler, nothing is answered.
    let handshake = request(
        Method::POST,
        PATH,
        &[("x-hook-secret", "new hook secret")],
        b"",
    );
    let reply = send(app(layer.handshakes(false)), handshake).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn dropbox_echoes_the_challenge_of_a_get() {
    let layer = WebhookVerify::dropbox("app secret");
    let uri = format!("{PATH}?challenge=a1%2Bb+c");
    let reply = send(app(layer.clone()), request(Method::GET, &uri, &[], b"")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "a1+b c");
    assert_eq!(reply.headers[header::CONTENT_TYPE], "text/plain");
    assert_eq!(reply.headers["x-content-type-options"], "nosniff");

    // Only a GET with a challenge.
    let post = request(Method::POST, &uri, &[], b"");
    assert_eq!(
        send(app(layer.clone()), post).await.status,
        StatusCode::BAD_REQUEST
    );
    let bare = request(Method::GET, PATH, &[], b"");
    assert_eq!(
        send(app(layer.clone()), bare).await.status,
        StatusCode::BAD_REQUEST
    );

    let signature = hmac_hex(b"app secret", BODY);
    let event = request(
        Method::POST,
        PATH,
        &[("x-dropbox-signature", &signature)],
        BODY,
    );
    assert_eq!(send(app(layer), event).await.text(), "handler");
}

#[tokio::test]
async fn meta_echoes_the_challenge_only_for_its_verify_token() {
    let layer = WebhookVerify::meta("app secret", "my verify token");
    let subscribe = |token: &str, mode: &str| {
        let uri =
            format!("{PATH}?hub.mode={mode}&hub.verify_token={token}&hub.challenge=1158201444");
        request(Method::GET, &uri, &[], b"")
    };
    let reply = send(
        app(layer.clone()),
        subscribe("my+verify%20token", "subscribe"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "1158201444");

    for refused in [
        subscribe("my+verify+tokem", "subscribe"),
        subscribe("", "subscribe"),
        subscribe("my+verify+token", "unsubscribe"),
    ] {
        let reply = send(app(layer.clone()), refused).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_ne!(reply.text(), "1158201444");
    }

    let signature = format!("sha256={}", hmac_hex(b"app secret", BODY));
    let event = request(
        Method::POST,
        PATH,
        &[("x-hub-signature-256", &signature)],
        BODY,
    );
    assert_eq!(send(app(layer), event).await.text(), "handler");

    // The verify token is never shown.
    let debug = format!("{:?}", WebhookVerify::meta("app secret", "my verify token"));
    assert!(!debug.contains("my verify token"));
}

#[tokio::test]
async fn okta_answers_the_verification_only_with_its_authorization() {
    let layer = WebhookVerify::okta("Bearer hook secret");
    let challenge = |authorization: Option<&str>| {
        let mut headers = vec![("x-okta-verification-challenge", "XW5rbB8Zfq")];
        headers.extend(authorization.map(|value| ("authorization", value)));
        request(Method::GET, PATH, &headers, b"")
    };
    let reply = send(app(layer.clone()), challenge(Some("Bearer hook secret"))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(
        reply.json(),
        serde_json::json!({ "verification": "XW5rbB8Zfq" })
    );

    for refused in [challenge(Some("Bearer guess")), challenge(None)] {
        let reply = send(app(layer.clone()), refused).await;
        assert!(reply.status.is_client_error(), "{reply:?}");
    }

    let event = request(
        Method::POST,
        PATH,
        &[("authorization", "Bearer hook secret")],
        BODY,
    );
    assert_eq!(send(app(layer.clone()), event).await.text(), "handler");

    // Left to the handler, the verification reaches it once its token verifies.
    let reply = send(
        app(layer.handshakes(false)),
        challenge(Some("Bearer hook secret")),
    )
    .await;
    assert_eq!(reply.text(), "handler");
}

#[test]
fn pagerduty_accepts_any_signature_of_its_list() {
    let layer = WebhookVerify::pagerduty("current secret");
    let current = hmac_hex(b"current secret", BODY);
    let other = hmac_hex(b"retired secret", BODY);
    let both = format!("v1={other}, v1={current}");
    let verified = verify(&layer, &[("x-pagerduty-signature", &both)], BODY).unwrap();
    assert_eq!(verified.key_index(), 0);

    let retired = format!("v1={other}");
    assert!(verify(&layer, &[("x-pagerduty-signature", &retired)], BODY).is_err());

    let nine = vec![format!("v1={current}"); 9].join(",");
    let rejection = verify(&layer, &[("x-pagerduty-signature", &nine)], BODY).unwrap_err();
    assert!(rejection.to_string().contains("more than 8"), "{rejection}");
}

#[test]
fn docusign_reads_every_numbered_header() {
    let layer = WebhookVerify::docusign("second key");
    let mac = |key: &[u8]| base64(&hmac_sha256(key, &[BODY]));
    let first = mac(b"first key");
    let second = mac(b"second key");
    let headers = [
        ("x-docusign-signature-1", first.as_str()),
        ("x-docusign-signature-2", second.as_str()),
    ];
    assert!(verify(&layer, &headers, BODY).is_ok());
    assert!(verify(&layer, &headers[..1], BODY).is_err());

    let rejection = verify(&layer, &[], BODY).unwrap_err();
    assert!(
        rejection.to_string().contains("x-docusign-signature-1"),
        "{rejection}"
    );

    // Other headers of the same prefix are not signatures.
    let named = [("x-docusign-signature-key", first.as_str())];
    assert!(verify(&layer, &named, BODY).is_err());

    let names: Vec<String> = (1..=9)
        .map(|n| format!("x-docusign-signature-{n}"))
        .collect();
    let nine: Vec<(&str, &str)> = names
        .iter()
        .map(|n| (n.as_str(), second.as_str()))
        .collect();
    let rejection = verify(&layer, &nine, BODY).unwrap_err();
    assert!(rejection.to_string().contains("more than 8"), "{rejection}");

    let signed = layer.sign(BODY);
    assert_eq!(signed["x-docusign-signature-1"], second.as_str());
}

#[test]
fn figma_reads_the_passcode_from_the_body() {
    let layer = WebhookVerify::figma("my passcode");
    let body = br#"{"event_type":"PING","passcode":"my passcode","webhook_id":"22"}"#;
    assert!(verify(&layer, &[], body).is_ok());

    // Escaped text is read as the text it stands for.
    let escaped = br#"{"passcode":"my\u0020passcode","file_name":"\"quoted\""}"#;
    assert!(verify(&layer, &[], escaped).is_ok());

    let wrong = br#"{"event_type":"PING","passcode":"my passcodf"}"#;
    let rejection = verify(&layer, &[], wrong).unwrap_err();
    assert_eq!(rejection.kind(), RejectionKind::SignatureMismatch);

    for (body, reason) in [
        (&br#"{"event_type":"PING"}"#[..], "no token field"),
        (br#"{"passcode":1234}"#, "no token field"),
        (br#"{"passcode":null}"#, "no token field"),
        (b"passcode=my+passcode", "not a JSON object"),
        (br#"["my passcode"]"#, "not a JSON object"),
        (
            br#"{"passcode":"my passcode","passcode":"another"}"#,
            "token field twice",
        ),
        (
            br#"{"passcode":"my passcode"} trailing"#,
            "not a JSON object",
        ),
    ] {
        let rejection = verify(&layer, &[], body).unwrap_err();
        assert_eq!(
            rejection.kind(),
            RejectionKind::MalformedBody,
            "{rejection}"
        );
        assert!(rejection.to_string().contains(reason), "{rejection}");
    }

    // Signing cannot write a passcode into the body.
    assert!(layer.sign(body).is_empty());
}

#[test]
fn postmark_compares_basic_credentials_whole() {
    let layer = WebhookVerify::postmark("hooks:pa ss:word");
    let basic = |credentials: &str| format!("Basic {}", base64(credentials.as_bytes()));
    for accepted in [
        basic("hooks:pa ss:word"),
        basic("hooks:pa ss:word").replace("Basic", "basic"),
    ] {
        assert!(verify(&layer, &[("authorization", &accepted)], BODY).is_ok());
    }
    assert_eq!(layer.sign(BODY)["authorization"], basic("hooks:pa ss:word"));

    for refused in [basic("hooks:pa ss:wore"), basic("hooks"), basic("")] {
        let rejection = verify(&layer, &[("authorization", &refused)], BODY).unwrap_err();
        assert_eq!(rejection.kind(), RejectionKind::SignatureMismatch);
    }
    for malformed in ["Bearer aG9va3M6cGFzcw==", "Basic", "Basic !!!"] {
        let rejection = verify(&layer, &[("authorization", malformed)], BODY).unwrap_err();
        assert_eq!(
            rejection.kind(),
            RejectionKind::MalformedHeader,
            "{rejection}"
        );
    }
}

#[test]
fn gitlab_token_or_signing_token() {
    let token = WebhookVerify::gitlab("secret token");
    assert!(verify(&token, &[("x-gitlab-token", "secret token")], BODY).is_ok());
    assert!(verify(&token, &[("x-gitlab-token", "secret tokem")], BODY).is_err());
    assert!(verify(&token, &[], BODY).is_err());

    let secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    let signing = WebhookVerify::gitlab(secret);
    let headers = signing.sign(BODY);
    assert!(headers.contains_key("webhook-signature"));
    assert!(!headers.contains_key("x-gitlab-token"));
    let standard = WebhookVerify::standard(secret);
    let (mut head, ()) = http::Request::post(PATH).body(()).unwrap().into_parts();
    head.headers = headers;
    assert!(standard.verify(&head, Bytes::from_static(BODY)).is_ok());
    // A signing token is not accepted as a plain token.
    assert!(verify(&signing, &[("x-gitlab-token", secret)], BODY).is_err());
}

#[test]
fn tokens_are_compared_whole() {
    let layer = WebhookVerify::telegram("token_123");
    assert!(verify(
        &layer,
        &[("x-telegram-bot-api-secret-token", "token_123")],
        BODY
    )
    .is_ok());
    for refused in ["token_12", "token_1234", "TOKEN_123", ""] {
        let headers = [("x-telegram-bot-api-secret-token", refused)];
        assert!(verify(&layer, &headers, BODY).is_err(), "{refused:?}");
    }
    let repeated = [("cf-webhook-auth", "secret"), ("cf-webhook-auth", "secret")];
    let rejection = verify(&WebhookVerify::cloudflare("secret"), &repeated, BODY).unwrap_err();
    assert_eq!(rejection.kind(), RejectionKind::MalformedHeader);
    assert_eq!(
        WebhookVerify::cloudflare("secret").sign(BODY)["cf-webhook-auth"],
        HeaderValue::from_static("secret")
    );
}

#[test]
fn airtable_decodes_its_base64_secret() {
    let key = b"airtable mac key";
    let layer = WebhookVerify::airtable(base64(key));
    let signature = format!("hmac-sha256={}", hmac_hex(key, BODY));
    assert!(verify(&layer, &[("x-airtable-content-mac", &signature)], BODY).is_ok());
    let panic = std::panic::catch_unwind(|| WebhookVerify::airtable("not base64!")).unwrap_err();
    assert!(panic_message(panic).contains("not base64"));
}

#[test]
fn hmac_sha1_and_sha512_presets() {
    let sha1 = |key: &[u8]| {
        use hmac::{Hmac, KeyInit, Mac};
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key).unwrap();
        mac.update(BODY);
        hex::encode(mac.finalize().into_bytes())
    };
    let intercom = format!("sha1={}", sha1(b"client secret"));
    let layer = WebhookVerify::intercom("client secret");
    assert!(verify(&layer, &[("x-hub-signature", &intercom)], BODY).is_ok());
    // A SHA-256 signature in the SHA-1 header is malformed, not a mismatch.
    let sha256 = format!("sha1={}", hmac_hex(b"client secret", BODY));
    let rejection = verify(&layer, &[("x-hub-signature", &sha256)], BODY).unwrap_err();
    assert_eq!(rejection.kind(), RejectionKind::MalformedHeader);

    let sha512 = {
        use hmac::{Hmac, KeyInit, Mac};
        let mut mac = Hmac::<sha2::Sha512>::new_from_slice(b"sk_test").unwrap();
        mac.update(BODY);
        hex::encode(mac.finalize().into_bytes())
    };
    let layer = WebhookVerify::paystack("sk_test");
    assert!(verify(&layer, &[("x-paystack-signature", &sha512)], BODY).is_ok());
}

#[tokio::test]
async fn line_dedupes_on_its_events_ids_and_answers_the_verify_request_itself() {
    use tower_webhook::dedupe::{MemoryStore, DUPLICATE_HEADER};
    let layer = WebhookVerify::line("channel secret").dedupe(MemoryStore::new());
    let deduped = app(layer.clone());
    let post = |body: &str| {
        let signed = layer.sign(body.as_bytes());
        let signature = signed["x-line-signature"].to_str().unwrap().to_owned();
        request(
            Method::POST,
            PATH,
            &[("x-line-signature", &signature)],
            body.as_bytes(),
        )
    };

    // The console's Verify button: signed, no events. The layer answers it, dedupe or not.
    let reply = send(deduped.clone(), post(r#"{"destination":"U1","events":[]}"#)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.is_empty(), "the handler did not answer it");

    // A batch is handled once however often it comes; another batch is another event.
    let event = |id: &str| format!(r#"{{"type":"follow","webhookEventId":"{id}"}}"#);
    let batch = |ids: &[&str]| {
        let events: Vec<String> = ids.iter().map(|id| event(id)).collect();
        format!(r#"{{"destination":"U1","events":[{}]}}"#, events.join(","))
    };
    let two = batch(&["01A", "01B"]);
    let reply = send(deduped.clone(), post(&two)).await;
    assert_eq!((reply.status, reply.text()), (StatusCode::OK, "handler"));
    let reply = send(deduped.clone(), post(&two)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.headers.contains_key(DUPLICATE_HEADER));
    let reply = send(deduped.clone(), post(&batch(&["01A"]))).await;
    assert_eq!((reply.status, reply.text()), (StatusCode::OK, "handler"));

    // With handshakes off, the Verify request reaches the handler (and dedupe finds no id).
    let quiet = app(layer.clone().handshakes(false));
    let reply = send(quiet, post(r#"{"destination":"U1","events":[]}"#)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

//! The presets that sign the request's context, verify with a public key or carry their
//! signatures in the body: what the interop check does not cover (the URL assumed without
//! a public URL, Twilio's form and JSON bodies, Discord's PING, the reasons for malformed
//! bodies and tokens).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use bytes::Bytes;
use hmac::{KeyInit as _, Mac as _};
use http::{Request, StatusCode};
use sha2::{Digest as _, Sha256};
use tower::ServiceExt as _;
use tower_webhook::scheme::Scheme;
use tower_webhook::{Rejection, RejectionKind, Verified, WebhookVerify};

const NOW: u64 = 1_700_000_000;
const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
const BASE64_URL: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// An ed25519 secret key (seed and public key) and its public key, in hex.
const DISCORD_SECRET: &str = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2079b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664";
const DISCORD_PUBLIC: &str = "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664";

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

fn check<S: Scheme>(
    layer: &WebhookVerify<S>,
    request: Request<Vec<u8>>,
) -> Result<Verified, Rejection> {
    let (head, body) = request.into_parts();
    layer.verify_at(&head, Bytes::from(body), now())
}

fn post(uri: &str, content_type: &str, body: &str) -> Request<Vec<u8>> {
    Request::post(uri)
        .header("host", "example.com")
        .header("content-type", content_type)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

fn reason(result: Result<Verified, Rejection>) -> String {
    result.expect_err("refused").to_string()
}

// ------------------------------------------------------------------ the URL

#[test]
fn a_url_signed_behind_a_proxy_verifies_with_public_url_and_says_what_was_assumed_without() {
    let signer = WebhookVerify::hubspot("client secret")
        .clock(now)
        .public_url("https://hooks.example.com");
    let mut request = Request::post("/hubspot?portal=1")
        .header("host", "internal:8080")
        .body(br#"[{"eventId":1}]"#.to_vec())
        .unwrap();
    signer.sign_request(&mut request);

    let behind_proxy = WebhookVerify::hubspot("client secret");
    let refused = reason(check(&behind_proxy, request.clone()));
    assert!(refused.contains("Host header"), "{refused}");
    assert!(refused.contains("public_url"), "{refused}");

    let configured = behind_proxy.public_url("https://hooks.example.com");
    assert!(check(&configured, request).is_ok());
}

#[test]
fn a_configured_url_mismatch_says_no_more_than_mismatch() {
    let signer = WebhookVerify::square("key", "https://example.com/square").clock(now);
    let mut request = post("/square", "application/json", r#"{"event_id":"e1"}"#);
    signer.sign_request(&mut request);
    assert!(check(&signer, request.clone()).is_ok());
    let other = WebhookVerify::square("key", "https://example.com/other");
    let refused = reason(check(&other, request));
    assert!(!refused.contains("public_url"), "{refused}");
}

#[test]
fn hubspot_v1_and_v2_signatures_verify() {
    let layer = WebhookVerify::hubspot("secret");
    let body = r#"[{"eventId":7}]"#;
    let v1 = hex::encode(Sha256::digest(format!("secret{body}")));
    let request = Request::post("/h?a=1")
        .header("host", "example.com")
        .header("x-hubspot-signature", v1)
        .body(body.as_bytes().to_vec())
        .unwrap();
    assert!(check(&layer, request).is_ok());
    let v2 = hex::encode(Sha256::digest(format!(
        "secretPOSThttps://example.com/h?a=1{body}"
    )));
    let request = Request::post("/h?a=1")
        .header("host", "example.com")
        .header("x-hubspot-signature", v2)
        .header("x-hubspot-signature-version", "v2")
        .body(body.as_bytes().to_vec())
        .unwrap();
    assert!(check(&layer, request).is_ok());
}

// ------------------------------------------------------------------ Twilio

fn twilio_mac<M: hmac::Mac + hmac::KeyInit>(token: &str, content: &str) -> String {
    let mut mac = <M as hmac::KeyInit>::new_from_slice(token.as_bytes()).unwrap();
    mac.update(content.as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

#[test]
fn twilio_form_params_are_signed_sorted_and_decoded() {
    let layer = WebhookVerify::twilio("12345");
    let body = "To=%2B18005551212&Body=Hello+world&From=%2B12349013030&Body=Hello+world&Body=again";
    let content =
        "https://example.com/sms?x=1BodyHello worldBodyagainFrom+12349013030To+18005551212";
    let mut request = post("/sms?x=1", "application/x-www-form-urlencoded", body);
    request.headers_mut().insert(
        "x-twilio-signature",
        twilio_mac::<hmac::Hmac<sha1::Sha1>>("12345", content)
            .parse()
            .unwrap(),
    );
    assert!(check(&layer, request.clone()).is_ok());

    *request.body_mut() = body.replace("again", "again!").into_bytes();
    assert!(check(&layer, request).is_err());
}

#[test]
fn twilio_hmac_sha256_is_selected_by_the_settings_header() {
    let layer = WebhookVerify::twilio("auth token").also_accept("shared key");
    let content = "https://example.com/sms?x=1Digits1234";
    let mut request = post(
        "/sms?x=1",
        "application/x-www-form-urlencoded",
        "Digits=1234",
    );
    request.headers_mut().insert(
        "x-twilio-signature",
        twilio_mac::<hmac::Hmac<Sha256>>("shared key", content)
            .parse()
            .unwrap(),
    );
    request.headers_mut().insert(
        "x-twilio-webhooks-signature-settings",
        "key=webhooks_sharedkey_1,algorithm=HMAC_SHA256"
            .parse()
            .unwrap(),
    );
    let verified = check(&layer, request).unwrap();
    assert_eq!(verified.key_index(), 1);
}

#[test]
fn twilio_json_bodies_are_bound_by_body_sha256_in_the_url() {
    let layer = WebhookVerify::twilio("12345").clock(now);
    let body = r#"{"property":"value","boolean":true}"#;
    let digest = hex::encode(Sha256::digest(body));
    let mut request = post(
        &format!("/hook?bodySHA256={digest}"),
        "application/json",
        body,
    );
    layer.sign_request(&mut request);
    assert!(check(&layer, request.clone()).is_ok());

    let mut changed = request.clone();
    *changed.body_mut() = body.replace("value", "other").into_bytes();
    let refused = reason(check(&layer, changed));
    assert!(refused.contains("SHA-256"), "{refused}");

    // Without bodySHA256, a JSON body would be unsigned: refused.
    let mut request = post("/hook", "application/json", body);
    request.headers_mut().insert(
        "x-twilio-signature",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAA=".parse().unwrap(),
    );
    let refused = check(&layer, request).unwrap_err();
    assert_eq!(refused.kind(), RejectionKind::MalformedBody);
    assert!(refused.to_string().contains("bodySHA256"), "{refused}");
}

// ------------------------------------------------------------------ Discord's PING

#[tokio::test]
async fn discord_ping_is_answered_only_when_signed() {
    let signer = WebhookVerify::discord(DISCORD_SECRET);
    let layer = WebhookVerify::discord(DISCORD_PUBLIC);
    let app = axum::Router::new()
        .route("/", axum::routing::post(|| async { "the handler" }))
        .layer(layer);
    let ping = br#"{"id":"1","type":1}"#;
    let mut request = Request::post("/")
        .body(axum::body::Body::from(&ping[..]))
        .unwrap();
    request.headers_mut().extend(signer.sign(ping));
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let answer = axum::body::to_bytes(response.into_body(), 64)
        .await
        .unwrap();
    assert_eq!(answer, r#"{"type":1}"#);

    // Discord also sends PINGs with bad signatures, which must be refused.
    let mut request = Request::post("/")
        .body(axum::body::Body::from(&ping[..]))
        .unwrap();
    request.headers_mut().extend(signer.sign(ping));
    request
        .headers_mut()
        .insert("x-signature-timestamp", "1".parse().unwrap());
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[test]
fn an_ed25519_public_key_cannot_pass_for_a_secret_key() {
    let mismatched = format!("{}{}", &DISCORD_SECRET[..64], "00".repeat(32));
    let refused = WebhookVerify::try_with_scheme(tower_webhook::scheme::Discord, mismatched);
    assert!(refused.is_err());
}

// ------------------------------------------------------------------ bodies

#[test]
fn body_signatures_that_do_not_parse_say_why() {
    let cases: Vec<(Result<Verified, Rejection>, &str)> = vec![
        (
            check(
                &WebhookVerify::mailgun("k"),
                post("/", "application/json", "{}"),
            ),
            "no signature object",
        ),
        (
            check(
                &WebhookVerify::mailgun("k"),
                post("/", "application/json", r#"{"signature":{"token":"t"}}"#),
            ),
            "lacks timestamp, token or signature",
        ),
        (
            check(
                &WebhookVerify::mailgun("k"),
                post(
                    "/",
                    "application/json",
                    r#"{"signature":{"timestamp":1.5,"token":"t","signature":"00"}}"#,
                ),
            ),
            "not an object of text fields",
        ),
        (
            check(
                &WebhookVerify::mailgun("k"),
                post("/", "application/json", "["),
            ),
            "not JSON",
        ),
        (
            check(
                &WebhookVerify::adyen("00ff"),
                post(
                    "/",
                    "application/json",
                    r#"{"notificationItems":[{"NotificationRequestItem":{}},{"NotificationRequestItem":{}}]}"#,
                ),
            ),
            "not exactly one notification item",
        ),
        (
            check(
                &WebhookVerify::adyen("00ff"),
                post(
                    "/",
                    "application/json",
                    r#"{"notificationItems":[{"NotificationRequestItem":{"pspReference":"1"}}]}"#,
                ),
            ),
            "no additionalData.hmacSignature",
        ),
        (
            check(
                &WebhookVerify::braintree("pub", "priv"),
                post("/", "application/x-www-form-urlencoded", "bt_payload=abc"),
            ),
            "no bt_signature and bt_payload",
        ),
        (
            check(
                &WebhookVerify::braintree("pub", "priv"),
                post(
                    "/",
                    "application/x-www-form-urlencoded",
                    "bt_signature=pub%7C00&bt_payload=%3Cxml%3E",
                ),
            ),
            "bt_payload is not base64",
        ),
    ];
    for (result, expected) in cases {
        let rejection = result.expect_err(expected);
        assert_eq!(rejection.status(), StatusCode::BAD_REQUEST);
        assert!(
            rejection.to_string().contains(expected),
            "{rejection} / {expected}"
        );
    }
}

#[test]
fn adyen_signs_each_field_as_its_sdks_write_it() {
    let key = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056";
    let layer = WebhookVerify::adyen(key);
    let signature = |signed: &str| {
        let mut mac = hmac::Hmac::<Sha256>::new_from_slice(&hex::decode(key).unwrap()).unwrap();
        mac.update(signed.as_bytes());
        BASE64.encode(mac.finalize().into_bytes())
    };
    let notification = |item: &str, signed: &str| {
        format!(
            r#"{{"live":"false","notificationItems":[{{"NotificationRequestItem":{{"additionalData":{{"hmacSignature":"{}","authCode":1234}},{item}}}}}]}}"#,
            signature(signed)
        )
    };
    // An integer amount as its digits, a boolean as JSON writes it, a missing or null
    // field empty, escaped text as the text it stands for.
    let item = r#""amount":{"value":1130,"currency":"EUR"},"eventCode":"AUTHORISATION","merchantAccountCode":"Test\u004derchant","originalReference":null,"pspReference":"7914073381342284","success":true"#;
    let signed = "7914073381342284::TestMerchant::1130:EUR:AUTHORISATION:true";
    let body = notification(item, signed);
    assert!(check(&layer, post("/", "application/json", &body)).is_ok());

    // The same fields signed otherwise do not verify.
    let body = notification(
        item,
        "7914073381342284::TestMerchant::1130:EUR:AUTHORISATION:",
    );
    let rejection = check(&layer, post("/", "application/json", &body)).unwrap_err();
    assert_eq!(rejection.kind(), RejectionKind::SignatureMismatch);

    // A fraction is not an amount Adyen sends.
    let fraction = item.replace("1130", "11.30");
    let body = notification(
        &fraction,
        "7914073381342284::TestMerchant::11.30:EUR:AUTHORISATION:true",
    );
    let reason = reason(check(&layer, post("/", "application/json", &body)));
    assert!(reason.contains("types Adyen sends"), "{reason}");
}

#[test]
fn mailgun_checks_the_signed_timestamp_against_its_window() {
    let layer = WebhookVerify::mailgun("key");
    let stale = NOW - 16 * 60;
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(b"key").unwrap();
    mac.update(format!("{stale}token").as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    let body = format!(
        r#"{{"signature":{{"timestamp":"{stale}","token":"token","signature":"{signature}"}}}}"#
    );
    let rejection = check(&layer, post("/", "application/json", &body)).unwrap_err();
    assert_eq!(rejection.kind(), RejectionKind::TimestampTooOld);
}

#[test]
fn mailgun_signs_a_numeric_timestamp_as_its_digits() {
    let layer = WebhookVerify::mailgun("key");
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(b"key").unwrap();
    mac.update(format!("{NOW}token").as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    let body = format!(
        r#"{{"event-data":{{"id":"e1"}},"signature":{{"timestamp":{NOW},"token":"token","signature":"{signature}"}}}}"#
    );
    assert!(check(&layer, post("/", "application/json", &body)).is_ok());
    let other = body.replace(r#""token":"token""#, r#""token":"other""#);
    let rejection = check(&layer, post("/", "application/json", &other)).unwrap_err();
    assert_eq!(rejection.kind(), RejectionKind::SignatureMismatch);
}

// ------------------------------------------------------------------ JWTs

fn jwt(header: &str, payload: &str, secret: &[u8]) -> String {
    let unsigned = format!(
        "{}.{}",
        BASE64_URL.encode(header),
        BASE64_URL.encode(payload)
    );
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(unsigned.as_bytes());
    format!(
        "{unsigned}.{}",
        BASE64_URL.encode(mac.finalize().into_bytes())
    )
}

#[test]
fn a_jwt_with_another_alg_or_body_hash_is_refused() {
    let layer = WebhookVerify::netlify("secret");
    let body = r#"{"id":"d1"}"#;
    let digest = hex::encode(Sha256::digest(body));
    let payload = format!(r#"{{"iss":"netlify","sha256":"{digest}"}}"#);
    let with = |token: String| {
        let mut request = post("/", "application/json", body);
        request
            .headers_mut()
            .insert("x-webhook-signature", token.parse().unwrap());
        check(&layer, request)
    };

    assert!(with(jwt(r#"{"alg":"HS256","typ":"JWT"}"#, &payload, b"secret")).is_ok());

    let refused = reason(with(jwt(r#"{"alg":"none"}"#, &payload, b"secret")));
    assert!(refused.contains("alg is not HS256"), "{refused}");
    let refused = reason(with(jwt(r#"{"alg":"HS512"}"#, &payload, b"secret")));
    assert!(refused.contains("alg is not HS256"), "{refused}");

    let other = hex::encode(Sha256::digest("another body"));
    let payload = format!(r#"{{"iss":"netlify","sha256":"{other}"}}"#);
    let refused = reason(with(jwt(r#"{"alg":"HS256"}"#, &payload, b"secret")));
    assert!(refused.contains("SHA-256 differs"), "{refused}");

    let payload = format!(r#"{{"iss":"someone","sha256":"{digest}"}}"#);
    let refused = reason(with(jwt(r#"{"alg":"HS256"}"#, &payload, b"secret")));
    assert!(refused.contains("iss"), "{refused}");

    let refused = reason(with("not.a-jwt".to_owned()));
    assert!(refused.contains("not a compact JWT"), "{refused}");
}

#[test]
fn vonage_signs_and_verifies_its_bearer_token_with_iat_and_jti() {
    let layer = WebhookVerify::vonage("secret").clock(now);
    let mut request = post("/", "application/json", r#"{"status":"delivered"}"#);
    layer.sign_request_at(&mut request, now(), "jti-1");
    let auth = request.headers()["authorization"].to_str().unwrap();
    assert!(auth.starts_with("Bearer "), "{auth}");
    let verified = check(&layer, request).unwrap();
    assert_eq!(verified.id(), Some("jti-1"));
}

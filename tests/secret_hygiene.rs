//! Secret hygiene: no configured type shows its secret in `Debug`, and neither the logs (at
//! TRACE) nor the responses of accepted and refused requests contain the secret or the
//! signature the receiver expects.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::routing::post;
use axum::Router;
use base64::Engine as _;
use http::StatusCode;
use tower::Layer as _;
use tower_webhook::scheme::{Key, Scheme};
use tower_webhook::{Rejection, Verified, WebhookVerify};

use crate::common::Capture;

const SECRET: &[u8] = b"s3cr3t-that-must-not-leak-4f1a";
const OLD_SECRET: &[u8] = b"older-s3cr3t-also-private-77c2";
const SEED: [u8; 32] = [
    0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
    0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
];
const BODY: &[u8] = br#"{"id":"evt_1","type":"message.created","payload":{"text":"hello"}}"#;
const NOW: u64 = 1_700_000_000;

const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

/// Every way a byte string could show up in text: as is, hex (both cases), base64, and
/// as the start of a `Debug` list of its bytes.
fn spellings(bytes: &[u8]) -> Vec<String> {
    let mut forms = vec![
        hex::encode(bytes),
        hex::encode_upper(bytes),
        BASE64.encode(bytes),
        format!("{:?}", &bytes[..6])
            .trim_end_matches(']')
            .to_owned(),
    ];
    if let Ok(text) = std::str::from_utf8(bytes) {
        forms.push(text.to_owned());
    }
    forms
}

/// The secrets, in every spelling, for every preset.
fn secret_spellings() -> Vec<String> {
    let mut forms = spellings(SECRET);
    forms.extend(spellings(OLD_SECRET));
    forms.extend(spellings(&SEED));
    forms.push(whsk());
    forms
}

fn whsec(secret: &[u8]) -> String {
    format!("whsec_{}", BASE64.encode(secret))
}

fn whsk() -> String {
    format!("whsk_{}", BASE64.encode(SEED))
}

/// The signature header values this configuration expects for `BODY`, and the signature
/// bytes in every spelling.
fn expected_signature<S: Scheme + Clone>(verify: &WebhookVerify<S>) -> Vec<String> {
    let headers = verify.sign_at(BODY, now(), "msg_1");
    let mut forms = Vec::new();
    for (name, value) in &headers {
        if name.as_str().contains("sign") || name.as_str().contains("hmac") {
            let text = value.to_str().unwrap();
            forms.push(text.to_owned());
            for part in text.split([',', ' ']) {
                // `sha256=`, `v0=`, `v1=` stand before the signature; base64 ends in `=`.
                let encoded = match part.split_once('=') {
                    Some((label, value)) if label.len() <= 6 => value,
                    _ => part,
                };
                if encoded.len() < 40 {
                    continue;
                }
                let bytes = hex::decode(encoded)
                    .or_else(|_| BASE64.decode(encoded))
                    .unwrap();
                forms.extend(spellings(&bytes));
            }
        }
    }
    assert!(forms.len() > 1, "found the signature in {headers:?}");
    forms
}

#[track_caller]
fn assert_hides(text: &str, needles: &[String], what: &str) {
    for needle in needles {
        assert!(
            !text.contains(needle.as_str()),
            "{what} shows {needle:?}:\n{text}"
        );
    }
}

/// Debug, plain and pretty, of the layer and of the service it builds, with the
/// signatures it would expect for `BODY`.
fn debug_of<S: Scheme + Clone>(verify: &WebhookVerify<S>) -> (String, Vec<String>) {
    let service = verify.clone().layer(tower::service_fn(
        |_: http::Request<tower_webhook::VerifiedBody>| async {
            Ok::<_, std::convert::Infallible>(http::Response::new(axum::body::Body::empty()))
        },
    ));
    let debug = format!("{verify:?}\n{verify:#?}\n{service:?}\n{service:#?}");
    (debug, expected_signature(verify))
}

#[test]
fn debug_of_every_preset_hides_the_secrets_and_macs() {
    let debugs = [
        debug_of(&WebhookVerify::new(SECRET).also_accept(OLD_SECRET)),
        debug_of(&WebhookVerify::github(SECRET).also_accept(OLD_SECRET)),
        debug_of(&WebhookVerify::shopify(SECRET).also_accept(OLD_SECRET)),
        debug_of(&WebhookVerify::stripe(SECRET).also_accept(OLD_SECRET)),
        debug_of(&WebhookVerify::slack(SECRET).also_accept(OLD_SECRET)),
        debug_of(&WebhookVerify::standard(whsec(SECRET)).also_accept(whsec(OLD_SECRET))),
        debug_of(&WebhookVerify::standard_ed25519(whsk()).also_accept(whsec(OLD_SECRET))),
    ];
    for (debug, expected) in &debugs {
        assert!(
            debug.contains("WebhookVerify") && debug.contains("<redacted>"),
            "{debug}"
        );
        assert_hides(debug, &secret_spellings(), "Debug of the layer");
        assert_hides(debug, expected, "Debug of the layer");
    }
}

#[test]
fn debug_of_keys_hides_the_secrets() {
    let keys = [
        Key::shared(SECRET).unwrap(),
        Key::ed25519_secret(&SEED).unwrap(),
    ];
    for key in &keys {
        let debug = format!("{key:?} {key:#?}");
        assert!(debug.contains("<redacted>"), "{debug}");
        assert_hides(&debug, &secret_spellings(), "Debug of a key");
    }
}

#[test]
fn keys_zeroize_on_drop() {
    fn zeroizes_on_drop<T: zeroize::ZeroizeOnDrop>() {}
    zeroizes_on_drop::<ed25519_dalek::SigningKey>();
    // An HMAC-SHA256 key is two SHA-256 cores keyed with the padded secret (and a block
    // buffer of message bytes); the cores are what a copy of the key would need.
    zeroizes_on_drop::<<sha2::Sha256 as sha2::digest::block_api::CoreProxy>::Core>();
    // A shared secret is also keyed for HMAC-SHA1 and HMAC-SHA512.
    zeroizes_on_drop::<<sha1::Sha1 as sha2::digest::block_api::CoreProxy>::Core>();
    zeroizes_on_drop::<<sha2::Sha512 as sha2::digest::block_api::CoreProxy>::Core>();
}

/// What a client saw, and what the handler and the rejection hook saw.
#[derive(Default)]
struct Seen {
    responses: String,
    debugs: String,
}

async fn handle(verified: Verified) -> String {
    format!("handled {verified:?}")
}

/// Serves `verify` on loopback and sends it a correctly signed request, one signed with
/// another secret, and one with a malformed signature.
/// `configure` builds the receiver from a secret; the forger uses it with another one.
/// Returns the signatures the receiver expects, in every spelling.
async fn exchange<S: Scheme + Clone>(
    configure: impl Fn(&[u8]) -> WebhookVerify<S>,
    seen: &mut Seen,
) -> Vec<String> {
    let verify = configure(SECRET);
    let debugs = Arc::new(Mutex::new(String::new()));
    let hook = Arc::clone(&debugs);
    let verify = verify.clock(now).on_rejection(move |rejection: Rejection| {
        hook.lock()
            .unwrap()
            .push_str(&format!("{rejection:?} {rejection:#?}\n"));
        rejection
    });
    let expected = expected_signature(&verify);
    let forger = configure(b"a secret the receiver does not know");
    let app = Router::new()
        .route("/webhook", post(handle))
        .layer(verify.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhook", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let client = reqwest::Client::new();
    let good = verify.sign_at(BODY, now(), "msg_1");
    let bad = forger.sign_at(BODY, now(), "msg_1");
    let mut malformed = good.clone();
    for value in malformed.values_mut() {
        *value = "v1,not a signature".parse().unwrap();
    }
    let mut statuses = Vec::new();
    for headers in [good, bad, malformed] {
        let response = client
            .post(&url)
            .headers(headers)
            .body(BODY)
            .send()
            .await
            .unwrap();
        statuses.push(response.status());
        seen.responses
            .push_str(&format!("{:?}\n", response.headers()));
        seen.responses.push_str(&response.text().await.unwrap());
        seen.responses.push('\n');
    }
    server.abort();
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::BAD_REQUEST,
            StatusCode::BAD_REQUEST
        ],
        "{}",
        seen.responses
    );
    assert_hides(&seen.responses, &expected, "a response");
    assert_hides(&debugs.lock().unwrap(), &expected, "Debug of a rejection");
    seen.debugs.push_str(&debugs.lock().unwrap());
    expected
}

#[tokio::test]
async fn logs_and_responses_hide_the_secret_and_the_expected_signature() {
    let captured = Capture::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // Callsites first seen by tests on other threads, without a subscriber, may have
    // cached "never interested"; ask again under this one.
    tracing::callsite::rebuild_interest_cache();

    let mut seen = Seen::default();
    let mut expected = Vec::new();
    expected.extend(exchange(|s: &[u8]| WebhookVerify::new(s), &mut seen).await);
    expected.extend(exchange(|s: &[u8]| WebhookVerify::github(s), &mut seen).await);
    expected.extend(exchange(|s: &[u8]| WebhookVerify::shopify(s), &mut seen).await);
    expected.extend(exchange(|s: &[u8]| WebhookVerify::stripe(s), &mut seen).await);
    expected.extend(exchange(|s: &[u8]| WebhookVerify::slack(s), &mut seen).await);
    expected.extend(exchange(|s: &[u8]| WebhookVerify::standard(whsec(s)), &mut seen).await);
    let ed25519 = |secret: &[u8]| {
        let seed = if secret == SECRET { SEED } else { [7; 32] };
        WebhookVerify::standard_ed25519(format!("whsk_{}", BASE64.encode(seed)))
    };
    expected.extend(exchange(ed25519, &mut seen).await);

    let logs = captured.text();
    assert!(
        logs.contains("webhook rejected"),
        "the logs were captured:\n{logs}"
    );
    assert!(
        seen.responses.contains("handled Verified"),
        "{}",
        seen.responses
    );
    assert!(seen.debugs.contains("SignatureMismatch"), "{}", seen.debugs);
    for text in [&logs, &seen.responses, &seen.debugs] {
        assert_hides(text, &secret_spellings(), "logs, responses or rejections");
    }
    assert_hides(&logs, &expected, "the logs");
}

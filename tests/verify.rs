//! The default scheme end to end: what is accepted, what is refused and with which status,
//! and the body limit.

mod common;

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::http::{header, HeaderValue, StatusCode};
use axum::routing::post;
use axum::Router;
use bytes::Bytes;
use common::*;
use http_body::Frame;
use tower_webhook::{Rejection, RejectionKind, WebhookVerify};

#[tokio::test]
async fn seed_payload_signed_like_the_docs_snippet_is_accepted() {
    // The payload carries the non-ASCII `’` as raw UTF-8 bytes.
    assert!(SEED_PAYLOAD.windows(3).any(|w| w == "’".as_bytes()));
    let signature = hmac_hex(SECRET.as_bytes(), SEED_PAYLOAD);
    assert_eq!(signature, SEED_SIGNATURE_FROM_NODE);
    assert_eq!(tower_webhook::sign(SECRET, SEED_PAYLOAD), signature);

    let request = post_with(&[(SIGNATURE_HEADER, &signature)], SEED_PAYLOAD);
    let reply = send(echo_app(protocol_layer()), request).await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, SEED_PAYLOAD);
}

#[tokio::test]
async fn a_flipped_byte_in_the_body_is_refused() {
    let signature = hmac_hex(SECRET.as_bytes(), SEED_PAYLOAD);
    for position in [0, SEED_PAYLOAD.len() / 2, SEED_PAYLOAD.len() - 1] {
        let mut body = SEED_PAYLOAD.to_vec();
        body[position] ^= 0x01;
        let request = post_with(&[(SIGNATURE_HEADER, &signature)], body);
        let reply = send(echo_app(protocol_layer()), request).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "byte {position}");
        assert_eq!(reply.text(), "signature does not match");
    }
}

#[tokio::test]
async fn a_flipped_digit_in_the_signature_is_refused() {
    let signature = hmac_hex(SECRET.as_bytes(), SEED_PAYLOAD);
    for position in [0, 31, 63] {
        let mut forged = signature.clone().into_bytes();
        // Another hex digit, so the header stays well-formed and only the MAC differs.
        forged[position] = if forged[position] == b'0' { b'1' } else { b'0' };
        let forged = String::from_utf8(forged).unwrap();
        let request = post_with(&[(SIGNATURE_HEADER, &forged)], SEED_PAYLOAD);
        let reply = send(echo_app(protocol_layer()), request).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "digit {position}");
        assert_eq!(reply.text(), "signature does not match");
    }
}

#[tokio::test]
async fn a_missing_header_is_refused() {
    let reply = send(echo_app(protocol_layer()), post_with(&[], SEED_PAYLOAD)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.text(), "missing header `x-protocol-signature`");
}

#[tokio::test]
async fn a_signature_under_another_header_is_refused() {
    let signature = hmac_hex(SECRET.as_bytes(), SEED_PAYLOAD);
    let request = post_with(&[("x-webhook-signature", &signature)], SEED_PAYLOAD);
    let reply = send(echo_app(protocol_layer()), request).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.text(), "missing header `x-protocol-signature`");
}

#[tokio::test]
async fn a_header_that_is_not_hex_is_refused() {
    let not_hex = "g".repeat(64);
    let request = post_with(&[(SIGNATURE_HEADER, &not_hex)], SEED_PAYLOAD);
    let reply = send(echo_app(protocol_layer()), request).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.text(),
        "malformed header `x-protocol-signature`: not hex"
    );
}

#[tokio::test]
async fn a_header_of_the_wrong_length_is_refused() {
    let signature = hmac_hex(SECRET.as_bytes(), SEED_PAYLOAD);
    for wrong in [
        String::new(),
        signature[..62].to_owned(),
        format!("{signature}00"),
        format!("{signature} "),
    ] {
        let request = post_with(&[(SIGNATURE_HEADER, &wrong)], SEED_PAYLOAD);
        let reply = send(echo_app(protocol_layer()), request).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{wrong:?}");
        assert!(reply
            .text()
            .starts_with("malformed header `x-protocol-signature`"));
    }
}

#[tokio::test]
async fn a_header_with_non_ascii_bytes_is_refused() {
    let signature = hmac_hex(SECRET.as_bytes(), SEED_PAYLOAD);
    let mut value = signature.as_bytes()[..61].to_vec();
    value.extend_from_slice("’".as_bytes());
    let mut request = post_with(&[], SEED_PAYLOAD);
    request.headers_mut().insert(
        SIGNATURE_HEADER,
        HeaderValue::from_bytes(&value).expect("obs-text is a valid header value"),
    );
    let reply = send(echo_app(protocol_layer()), request).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.text(),
        "malformed header `x-protocol-signature`: not ASCII"
    );
}

#[tokio::test]
async fn a_repeated_header_is_refused_even_when_both_values_are_right() {
    let signature = hmac_hex(SECRET.as_bytes(), SEED_PAYLOAD);
    let request = post_with(
        &[
            (SIGNATURE_HEADER, &signature),
            (SIGNATURE_HEADER, &signature),
        ],
        SEED_PAYLOAD,
    );
    let reply = send(echo_app(protocol_layer()), request).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.text(),
        "malformed header `x-protocol-signature`: repeated"
    );
}

#[tokio::test]
async fn uppercase_hex_is_accepted() {
    let signature = hmac_hex(SECRET.as_bytes(), SEED_PAYLOAD).to_uppercase();
    let request = post_with(&[(SIGNATURE_HEADER, &signature)], SEED_PAYLOAD);
    let reply = send(echo_app(protocol_layer()), request).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, SEED_PAYLOAD);
}

#[tokio::test]
async fn a_body_in_many_small_chunks_verifies() {
    let signature = hmac_hex(SECRET.as_bytes(), SEED_PAYLOAD);
    for size in [1, 3, 7, 64] {
        // Chunk edges fall inside the three bytes of `’` for some of these sizes.
        let request = post_with(
            &[(SIGNATURE_HEADER, &signature)],
            chunked(SEED_PAYLOAD, size),
        );
        let reply = send(echo_app(protocol_layer()), request).await;
        assert_eq!(reply.status, StatusCode::OK, "chunks of {size}");
        assert_eq!(reply.body, SEED_PAYLOAD, "chunks of {size}");
    }
}

const LIMIT: usize = 1024;

fn limited_app() -> Router {
    echo_app(protocol_layer().max_body_size(LIMIT))
}

fn body_of(len: usize) -> Vec<u8> {
    (0..len).map(|i| b'a' + (i % 26) as u8).collect()
}

#[tokio::test]
async fn a_body_exactly_at_the_limit_passes_with_content_length() {
    let body = body_of(LIMIT);
    let reply = send(limited_app(), protocol_request(&body)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, body);
}

#[tokio::test]
async fn a_body_one_byte_over_the_limit_is_refused_with_content_length() {
    let body = body_of(LIMIT + 1);
    let reply = send(limited_app(), protocol_request(&body)).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.text(), "body larger than the limit of 1024 bytes");
}

#[tokio::test]
async fn a_body_exactly_at_the_limit_passes_when_streamed() {
    let body = body_of(LIMIT);
    let signature = hmac_hex(SECRET.as_bytes(), &body);
    let request = post_with(&[(SIGNATURE_HEADER, &signature)], chunked(&body, 100));
    assert!(request.headers().get(header::CONTENT_LENGTH).is_none());
    let reply = send(limited_app(), request).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, body);
}

#[tokio::test]
async fn a_body_one_byte_over_the_limit_is_refused_when_streamed() {
    let body = body_of(LIMIT + 1);
    let signature = hmac_hex(SECRET.as_bytes(), &body);
    let request = post_with(&[(SIGNATURE_HEADER, &signature)], chunked(&body, 100));
    let reply = send(limited_app(), request).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_content_length_below_the_truth_does_not_lift_the_limit() {
    let body = body_of(LIMIT * 4);
    let signature = hmac_hex(SECRET.as_bytes(), &body);
    let request = post_with(
        &[(SIGNATURE_HEADER, &signature), ("content-length", "10")],
        chunked(&body, 100),
    );
    let reply = send(limited_app(), request).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

/// A body that records being polled and fails: a request carrying it must be decided
/// from its headers alone.
struct MustNotBeRead(Arc<AtomicBool>);

impl http_body::Body for MustNotBeRead {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        self.0.store(true, Ordering::SeqCst);
        Poll::Ready(Some(Err(std::io::Error::other("the body was read"))))
    }
}

#[tokio::test]
async fn a_content_length_over_the_limit_is_refused_without_reading_the_body() {
    let polled = Arc::new(AtomicBool::new(false));
    let signature = hmac_hex(SECRET.as_bytes(), b"anything");
    let request = http::Request::post(PATH)
        .header(SIGNATURE_HEADER, signature)
        .header(header::CONTENT_LENGTH, LIMIT + 1)
        .body(MustNotBeRead(Arc::clone(&polled)))
        .unwrap();
    let reply = send(limited_app(), request).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(!polled.load(Ordering::SeqCst), "the body was polled");
}

#[tokio::test]
async fn a_body_that_fails_to_read_is_refused() {
    let polled = Arc::new(AtomicBool::new(false));
    let signature = hmac_hex(SECRET.as_bytes(), b"anything");
    let request = http::Request::post(PATH)
        .header(SIGNATURE_HEADER, signature)
        .body(MustNotBeRead(Arc::clone(&polled)))
        .unwrap();
    let reply = send(limited_app(), request).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.text(), "failed to read the request body");
    assert!(polled.load(Ordering::SeqCst));
}

#[tokio::test]
async fn the_default_limit_is_two_mebibytes() {
    assert_eq!(tower_webhook::DEFAULT_MAX_BODY_SIZE, 2 * 1024 * 1024);
    let body = body_of(tower_webhook::DEFAULT_MAX_BODY_SIZE);
    let reply = send(echo_app(protocol_layer()), protocol_request(&body)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = body_of(tower_webhook::DEFAULT_MAX_BODY_SIZE + 1);
    let reply = send(echo_app(protocol_layer()), protocol_request(&body)).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn rejections_never_show_the_expected_signature_or_the_secret() {
    let expected = hmac_hex(SECRET.as_bytes(), SEED_PAYLOAD);
    let forged = "0".repeat(64);
    let requests = [
        post_with(&[(SIGNATURE_HEADER, &forged)], SEED_PAYLOAD),
        post_with(&[(SIGNATURE_HEADER, "zz")], SEED_PAYLOAD),
        post_with(&[], SEED_PAYLOAD),
    ];
    for request in requests {
        let reply = send(echo_app(protocol_layer()), request).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        let text = reply.text().to_lowercase();
        assert!(!text.contains(&expected));
        assert!(!text.contains(&SECRET.to_lowercase()));
        assert!(
            !text.contains("kevinmccallister"),
            "the body leaked: {text}"
        );
        assert_eq!(
            reply.headers[header::CONTENT_TYPE],
            "text/plain; charset=utf-8"
        );
    }
}

#[test]
fn a_header_name_with_a_space_panics_naming_it() {
    let result = std::panic::catch_unwind(|| {
        WebhookVerify::new(SECRET).header("x-DocsSmith Demo2-signature")
    });
    let message = panic_message(result.unwrap_err());
    assert!(
        message.contains("x-DocsSmith Demo2-signature"),
        "message: {message}"
    );
}

#[test]
fn try_header_returns_the_error_naming_the_header() {
    let error = WebhookVerify::new(SECRET)
        .try_header("x-DocsSmith Demo2-signature")
        .unwrap_err();
    assert!(error.to_string().contains("x-DocsSmith Demo2-signature"));
    assert!(WebhookVerify::new(SECRET)
        .try_header("x-docssmith-demo2-signature")
        .is_ok());
}

#[test]
fn an_empty_secret_panics() {
    let attempts: [fn() -> WebhookVerify; 4] = [
        || WebhookVerify::new(""),
        || WebhookVerify::new(String::new()),
        || WebhookVerify::new(&b""[..]),
        || WebhookVerify::new(Vec::new()),
    ];
    for attempt in attempts {
        let message = panic_message(std::panic::catch_unwind(attempt).unwrap_err());
        assert!(message.contains("empty"), "message: {message}");
    }
}

#[tokio::test]
// Owned secrets on purpose: each accepted type is the point of the test.
#[allow(clippy::unnecessary_to_owned)]
async fn secrets_of_every_accepted_type_verify() {
    let body = SEED_PAYLOAD;
    let layers = [
        WebhookVerify::new(SECRET),
        WebhookVerify::new(SECRET.to_owned()),
        WebhookVerify::new(SECRET.as_bytes()),
        WebhookVerify::new(SECRET.as_bytes().to_vec()),
    ];
    for layer in layers {
        let signature = hmac_hex(SECRET.as_bytes(), body);
        let request = post_with(&[("x-webhook-signature", &signature)], body);
        assert_eq!(send(echo_app(layer), request).await.status, StatusCode::OK);
    }
}

/// An app that counts the calls reaching its handler and answers rejections as 401 JSON.
fn counting_app(calls: Arc<AtomicUsize>) -> Router {
    let layer = protocol_layer()
        .max_body_size(LIMIT)
        .on_rejection(|rejection: Rejection| {
            let status = match rejection.kind() {
                RejectionKind::PayloadTooLarge => rejection.status(),
                _ => StatusCode::UNAUTHORIZED,
            };
            let error = serde_json::json!({ "error": rejection.to_string() });
            (status, axum::Json(error))
        });
    Router::new()
        .route(
            PATH,
            post(move || async move {
                calls.fetch_add(1, Ordering::SeqCst);
                StatusCode::NO_CONTENT
            }),
        )
        .layer(layer)
}

#[tokio::test]
async fn on_rejection_shapes_the_response_and_the_handler_is_not_called() {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = counting_app(Arc::clone(&calls));

    let forged = post_with(&[(SIGNATURE_HEADER, &"0".repeat(64))], SEED_PAYLOAD);
    let reply = send(app.clone(), forged).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(
        reply.json(),
        serde_json::json!({ "error": "signature does not match" })
    );

    let missing = send(app.clone(), post_with(&[], SEED_PAYLOAD)).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    let too_large = send(app.clone(), protocol_request(&body_of(LIMIT + 1))).await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(calls.load(Ordering::SeqCst), 0);

    let valid = send(app, protocol_request(SEED_PAYLOAD)).await;
    assert_eq!(valid.status, StatusCode::NO_CONTENT);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_inner_service_is_not_called_for_any_default_rejection() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let app = Router::new()
        .route(
            PATH,
            post(move || async move {
                counter.fetch_add(1, Ordering::SeqCst);
                StatusCode::OK
            }),
        )
        .layer(protocol_layer().max_body_size(LIMIT));
    let requests = [
        post_with(&[], SEED_PAYLOAD),
        post_with(&[(SIGNATURE_HEADER, "nothex")], SEED_PAYLOAD),
        post_with(&[(SIGNATURE_HEADER, &"0".repeat(64))], SEED_PAYLOAD),
        protocol_request(&body_of(LIMIT + 1)),
    ];
    for request in requests {
        assert_ne!(send(app.clone(), request).await.status, StatusCode::OK);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    assert_eq!(
        send(app, protocol_request(SEED_PAYLOAD)).await.status,
        StatusCode::OK
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_empty_body_verifies_when_signed() {
    let reply = send(echo_app(protocol_layer()), protocol_request(b"")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.is_empty());
}

/// A body that arrives in one chunk reaches the handler as the same allocation: the layer
/// neither copies it to verify it nor to hand it on.
#[tokio::test]
async fn a_body_in_one_chunk_is_not_copied() {
    let body = Bytes::from(SEED_PAYLOAD.to_vec());
    let address = body.as_ptr() as usize;
    let app = Router::new()
        .route(
            PATH,
            post(
                move |verified: tower_webhook::Verified, received: Bytes| async move {
                    assert_eq!(verified.body().as_ptr() as usize, address);
                    assert_eq!(received.as_ptr() as usize, address);
                    StatusCode::OK
                },
            ),
        )
        .layer(protocol_layer());
    let signature = hmac_hex(SECRET.as_bytes(), SEED_PAYLOAD);
    let reply = send(app, post_with(&[(SIGNATURE_HEADER, &signature)], body)).await;
    assert_eq!(reply.status, StatusCode::OK);
}

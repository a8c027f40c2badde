//! The layer in a real server over loopback TCP, driven by a real HTTP client.

mod common;

use std::convert::Infallible;

use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use bytes::Bytes;
use common::*;
use http_body::Frame;
use tower_webhook::WebhookEvent;

const LIMIT: usize = 1024;

/// Answers with the event and how the body arrived.
async fn handle(headers: HeaderMap, event: WebhookEvent) -> String {
    let framing = match headers.get("transfer-encoding") {
        Some(value) => value.to_str().unwrap().to_owned(),
        None => format!(
            "content-length {}",
            headers["content-length"].to_str().unwrap()
        ),
    };
    format!("{} {} ({framing})", event.id(), event.kind())
}

/// A request body sent with `Transfer-Encoding: chunked`: no length is known up front.
fn streamed(body: &[u8], size: usize) -> reqwest::Body {
    let frames: Vec<Result<Frame<Bytes>, Infallible>> = body
        .chunks(size)
        .map(|chunk| Ok(Frame::data(Bytes::copy_from_slice(chunk))))
        .collect();
    let stream = futures_util::stream::iter(frames);
    reqwest::Body::wrap(http_body_util::StreamBody::new(stream))
}

#[tokio::test]
async fn verifies_over_real_tcp() {
    let app = Router::new()
        .route(PATH, post(handle))
        .layer(protocol_layer().max_body_size(LIMIT));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}{PATH}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let signature = hmac_hex(SECRET.as_bytes(), SEED_PAYLOAD);

    // A valid signed event.
    let response = client
        .post(&url)
        .header(SIGNATURE_HEADER, &signature)
        .body(SEED_PAYLOAD)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.text().await.unwrap(),
        format!(
            "a056V7R7NmNRjl70 message.updated (content-length {})",
            SEED_PAYLOAD.len()
        )
    );

    // A forged one: the body changed after signing.
    let mut forged = SEED_PAYLOAD.to_vec();
    forged[SEED_PAYLOAD.len() / 2] ^= 0x20;
    let response = client
        .post(&url)
        .header(SIGNATURE_HEADER, &signature)
        .body(forged)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.text().await.unwrap(), "signature does not match");

    // A valid event streamed in small chunks, with no Content-Length.
    let response = client
        .post(&url)
        .header(SIGNATURE_HEADER, &signature)
        .body(streamed(SEED_PAYLOAD, 16))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.text().await.unwrap(),
        "a056V7R7NmNRjl70 message.updated (chunked)"
    );

    // A body over the limit, streamed with no Content-Length: refused while reading.
    let large: Vec<u8> = (0..LIMIT * 4).map(|i| b'a' + (i % 26) as u8).collect();
    let large_signature = hmac_hex(SECRET.as_bytes(), &large);
    let response = client
        .post(&url)
        .header(SIGNATURE_HEADER, &large_signature)
        .body(streamed(&large, 64))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        response.text().await.unwrap(),
        "body larger than the limit of 1024 bytes"
    );

    server.abort();
}

//! Bodies that lie or dawdle: a `Content-Length` smaller or larger than the body, a
//! declared length over the limit, a client that stops sending, and a stream far past the
//! limit. Over real TCP with a raw client, so the lies reach the server as sent.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::routing::post;
use axum::Router;
use futures_util::StreamExt as _;
use http::{Request, StatusCode};
use http_body_util::StreamBody;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tower::{Layer as _, ServiceExt as _};
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_webhook::{WebhookVerify, DEFAULT_MAX_BODY_SIZE};

const SECRET: &str = "secret";
/// No exchange here may take longer: a hang fails the test instead of blocking it.
const BOUND: Duration = Duration::from_secs(10);

/// A server whose handler counts its calls and answers with the body it got.
async fn serve(app: impl FnOnce(Router) -> Router) -> (SocketAddr, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    let router = Router::new().route(
        "/webhook",
        post(move |body: Bytes| async move {
            counter.fetch_add(1, Ordering::SeqCst);
            body
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = app(router);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (address, hits)
}

fn with_layer(router: Router) -> Router {
    router.layer(WebhookVerify::new(SECRET))
}

/// Writes `request`, optionally closes the sending side, and reads until the server closes
/// the connection; `None` if that takes longer than [`BOUND`].
async fn exchange(address: SocketAddr, request: &[u8], close_sending: bool) -> Option<String> {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(request).await.unwrap();
    if close_sending {
        stream.shutdown().await.unwrap();
    }
    let mut received = Vec::new();
    let read = tokio::time::timeout(BOUND, stream.read_to_end(&mut received)).await;
    match read {
        Ok(_) => Some(String::from_utf8_lossy(&received).into_owned()),
        Err(_) => None,
    }
}

fn request_head(address: SocketAddr, signature: &str, content_length: u64) -> String {
    format!(
        "POST /webhook HTTP/1.1\r\nhost: {address}\r\nx-webhook-signature: {signature}\r\n\
         content-length: {content_length}\r\nconnection: close\r\n\r\n"
    )
}

#[tokio::test]
async fn a_content_length_shorter_than_the_body_verifies_only_the_declared_bytes() {
    let (address, hits) = serve(with_layer).await;
    let body = b"0123456789 and then bytes the length does not cover";

    // Signed over everything sent: the server reads 10 bytes, which do not match.
    let head = request_head(address, &tower_webhook::sign(SECRET, body), 10);
    let response = exchange(address, &[head.as_bytes(), body].concat(), true)
        .await
        .expect("answered and closed in time");
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(!response.contains(" 200 "), "{response}");
    assert_eq!(hits.load(Ordering::SeqCst), 0);

    // Signed over the declared 10 bytes: those, and only those, are verified and handed on.
    let head = request_head(address, &tower_webhook::sign(SECRET, &body[..10]), 10);
    let response = exchange(address, &[head.as_bytes(), body].concat(), true)
        .await
        .expect("answered and closed in time");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("\r\n\r\n0123456789"), "{response}");
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_content_length_longer_than_the_body_is_never_accepted() {
    let (address, hits) = serve(with_layer).await;
    let body = b"short body";
    let head = request_head(address, &tower_webhook::sign(SECRET, body), 1000);
    // The client sends less than it declared, then closes its side.
    let response = exchange(address, &[head.as_bytes(), body].concat(), true)
        .await
        .expect("the server gives up on a truncated body in time");
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_before_any_body() {
    let (address, hits) = serve(with_layer).await;
    let declared = DEFAULT_MAX_BODY_SIZE as u64 + 1;
    let head = request_head(address, &"0".repeat(64), declared);
    // No body follows and the connection stays open: the answer cannot wait for it.
    let started = Instant::now();
    let response = exchange(address, head.as_bytes(), false)
        .await
        .expect("answered without the body");
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(started.elapsed() < BOUND);
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_stalled_body_is_cut_off_by_a_request_body_timeout() {
    let timeout = Duration::from_millis(300);
    let (address, hits) =
        serve(|router| with_layer(router).layer(RequestBodyTimeoutLayer::new(timeout))).await;
    let head = request_head(address, &tower_webhook::sign(SECRET, "never sent"), 1000);
    // Part of the body, then nothing, with the connection open.
    let started = Instant::now();
    let response = exchange(address, &[head.as_bytes(), b"never"].concat(), false)
        .await
        .expect("the timeout ends the request");
    let waited = started.elapsed();
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(
        response.contains("failed to read the request body"),
        "{response}"
    );
    assert!(waited >= timeout && waited < BOUND, "{waited:?}");
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn without_a_timeout_a_stalled_body_holds_the_request_open() {
    // What the timeout layer is for: the layer itself waits for the body it was promised.
    let (address, hits) = serve(with_layer).await;
    let head = request_head(address, &tower_webhook::sign(SECRET, "never sent"), 1000);
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut byte = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_millis(500), stream.read(&mut byte)).await;
    assert!(read.is_err(), "no answer while the body is pending");
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_stream_past_the_limit_is_read_no_further_than_the_limit() {
    const CHUNK: usize = 64 * 1024;
    let pulled = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&pulled);
    // 1 GiB of the same shared chunk, made as it is read.
    let chunk = Bytes::from(vec![b'a'; CHUNK]);
    let frames = futures_util::stream::iter(0..(1u64 << 30) / CHUNK as u64).map(move |_| {
        counter.fetch_add(CHUNK as u64, Ordering::SeqCst);
        Ok::<_, Infallible>(http_body::Frame::data(chunk.clone()))
    });
    let request = Request::post("/webhook")
        .header("x-webhook-signature", "0".repeat(64))
        .body(Body::new(StreamBody::new(frames)))
        .unwrap();
    let inner = tower::service_fn(|_: Request<tower_webhook::VerifiedBody>| async {
        Ok::<_, Infallible>(http::Response::new(Body::empty()))
    });
    let response = WebhookVerify::new(SECRET)
        .layer(inner)
        .oneshot(request)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let pulled = pulled.load(Ordering::SeqCst);
    assert!(
        pulled <= (DEFAULT_MAX_BODY_SIZE + CHUNK) as u64,
        "read {pulled} bytes"
    );
}

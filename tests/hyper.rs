//! The layer without axum: a `tower::service_fn` that takes `Request<VerifiedBody>`, served
//! by plain hyper 1 and hyper-util over loopback TCP and driven by a real HTTP client. It
//! builds and passes with `--no-default-features`, where the crate's `axum` feature is off.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use sha2::Sha256;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tower::Layer;
use tower_webhook::{Verified, VerifiedBody, WebhookVerify};

const SECRET: &str = "It's a Secret to Everybody";
const BODY: &[u8] = br#"{"action":"opened","issue":{"number":1347}}"#;

/// GitHub's `X-Hub-Signature-256` of `body`, computed with `hmac` and `sha2` directly.
fn github_signature(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The handler: counts its calls and answers with the body it was given, after checking
/// that it is the body the `Verified` extension holds.
async fn handle(
    calls: Arc<AtomicUsize>,
    request: Request<VerifiedBody>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    calls.fetch_add(1, Ordering::SeqCst);
    let (parts, body) = request.into_parts();
    let verified = parts
        .extensions
        .get::<Verified>()
        .expect("the layer sets the Verified extension")
        .clone();
    let body = body.collect().await?.to_bytes();
    assert_eq!(&body, verified.body());
    let mut answer = b"handled: ".to_vec();
    answer.extend_from_slice(&body);
    Ok(Response::new(Full::new(Bytes::from(answer))))
}

/// Serves the layer-wrapped handler with hyper's HTTP/1 connection on 127.0.0.1:0.
async fn serve(calls: Arc<AtomicUsize>) -> (SocketAddr, JoinHandle<()>) {
    let service = WebhookVerify::github(SECRET).layer(tower::service_fn(move |request| {
        handle(Arc::clone(&calls), request)
    }));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let service = TowerToHyperService::new(service.clone());
            tokio::spawn(async move {
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (address, server)
}

#[tokio::test]
async fn plain_hyper_serves_the_handler_only_verified_requests() {
    let calls = Arc::new(AtomicUsize::new(0));
    let (address, server) = serve(Arc::clone(&calls)).await;
    let url = format!("http://{address}/webhook");
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let signature = github_signature(BODY);

    // Signed: the handler answers, with exactly the bytes that were signed.
    let response = client
        .post(&url)
        .header("x-hub-signature-256", &signature)
        .body(BODY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut expected = b"handled: ".to_vec();
    expected.extend_from_slice(BODY);
    assert_eq!(response.bytes().await.unwrap(), expected);
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // Forged: the body changed after signing. Refused with the reason; no handler call.
    let forged = String::from_utf8(BODY.to_vec())
        .unwrap()
        .replace("opened", "closed");
    let response = client
        .post(&url)
        .header("x-hub-signature-256", &signature)
        .body(forged)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.text().await.unwrap(), "signature does not match");

    // Unsigned: refused before the body is read; no handler call.
    let response = client.post(&url).body(BODY).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.text().await.unwrap(),
        "missing header `x-hub-signature-256`"
    );

    assert_eq!(calls.load(Ordering::SeqCst), 1, "only the signed request");
    server.abort();
}

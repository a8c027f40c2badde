//! Keys that requests name and the layer fetches: verified with the fetched key alone,
//! fetched once through `CachedKeys`, refused when unknown (400) or unavailable (503).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, Request, StatusCode};
use axum::routing::post;
use axum::Router;
use ed25519_dalek::Signer as _;
use tower::ServiceExt as _;
use tower_webhook::key_source::{CachedKeys, KeyError, KeyFuture, KeySource};
use tower_webhook::scheme::{
    decode_signature, Algorithm, Claims, Encoding, Key, RequestHead, Scheme,
};
use tower_webhook::{Rejection, WebhookVerify};

const SIGNATURE: HeaderName = HeaderName::from_static("x-acme-signature");
const KEY_ID: HeaderName = HeaderName::from_static("x-acme-key");

/// ed25519 over the raw body, with the key named in `x-acme-key` (ids start with `acme-`).
#[derive(Debug, Clone)]
struct Published;

impl Scheme for Published {
    fn parse(&self, request: &RequestHead<'_>) -> Result<Claims, Rejection> {
        let text = request.header(&SIGNATURE)?;
        let signature = decode_signature(Algorithm::Ed25519, Encoding::Hex, text)
            .map_err(|detail| Rejection::malformed_header(SIGNATURE, detail))?;
        let id = request.header(&KEY_ID)?;
        if !id.starts_with("acme-") {
            return Err(Rejection::malformed_header(
                KEY_ID,
                "not a key of this provider",
            ));
        }
        let mut claims = Claims::new(vec![signature]);
        claims.key_id = Some(id.to_owned());
        Ok(claims)
    }

    fn write_headers(&self, _claims: &Claims, _headers: &mut HeaderMap) {}
}

/// The provider's published keys: `acme-1` is seed 1's; `acme-down` cannot be fetched.
#[derive(Debug, Default)]
struct Publisher {
    fetches: Arc<AtomicUsize>,
}

impl KeySource for Publisher {
    fn key<'a>(&'a self, id: &'a str) -> KeyFuture<'a> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            tokio::task::yield_now().await; // a real fetch waits
            match id {
                "acme-1" => Ok(Key::ed25519_public(signer(1).verifying_key().as_bytes()).unwrap()),
                "acme-down" => Err(KeyError::Unavailable),
                _ => Err(KeyError::Unknown),
            }
        })
    }
}

fn signer(seed: u8) -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[seed; 32])
}

fn request(key_id: &str, seed: u8, body: &'static str) -> Request<Body> {
    let signature = hex::encode(signer(seed).sign(body.as_bytes()).to_bytes());
    Request::post("/")
        .header(SIGNATURE, signature)
        .header(KEY_ID, key_id)
        .body(Body::from(body))
        .unwrap()
}

async fn status(app: &Router, request: Request<Body>) -> (StatusCode, String) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn app(layer: WebhookVerify<Published>) -> Router {
    Router::new()
        .route(
            "/",
            post(|body: String| async move { format!("handled {body}") }),
        )
        .layer(layer)
}

#[tokio::test]
async fn a_named_key_is_fetched_once_and_verifies_alone() {
    let fetches = Arc::new(AtomicUsize::new(0));
    let source = CachedKeys::new(Publisher {
        fetches: Arc::clone(&fetches),
    });
    // The configured secret is never used for a request that names its key.
    let app = app(WebhookVerify::with_scheme(Published, "unused").key_source(source));

    assert_eq!(
        status(&app, request("acme-1", 1, "one")).await,
        (StatusCode::OK, "handled one".into())
    );
    assert_eq!(
        status(&app, request("acme-1", 1, "two")).await,
        (StatusCode::OK, "handled two".into())
    );
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        1,
        "the second request used the cached key"
    );

    // Signed by another key than the one it names.
    let (forged, _) = status(&app, request("acme-1", 2, "three")).await;
    assert_eq!(forged, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn unknown_unavailable_and_unconfigured_keys_are_refused() {
    let layer = WebhookVerify::with_scheme(Published, "unused").key_source(Publisher::default());
    let app = app(layer.clone());
    let (unknown, reason) = status(&app, request("acme-9", 1, "x")).await;
    assert_eq!(unknown, StatusCode::BAD_REQUEST);
    assert!(reason.contains("unknown"), "{reason}");
    let (down, reason) = status(&app, request("acme-down", 1, "x")).await;
    assert_eq!(down, StatusCode::SERVICE_UNAVAILABLE);
    assert!(reason.contains("retry later"), "{reason}");
    let (foreign, _) = status(&app, request("evil-1", 1, "x")).await;
    assert_eq!(foreign, StatusCode::BAD_REQUEST);

    let without_source = self::app(WebhookVerify::with_scheme(Published, "unused"));
    let (refused, reason) = status(&without_source, request("acme-1", 1, "x")).await;
    assert_eq!(refused, StatusCode::BAD_REQUEST);
    assert!(reason.contains("no key source"), "{reason}");

    // `verify` cannot wait for a fetch: it refuses, and says why.
    let (head, body) = request("acme-1", 1, "x").into_parts();
    let body = axum::body::to_bytes(body, 1024).await.unwrap();
    let rejection = layer.verify(&head, body).unwrap_err();
    assert!(rejection.to_string().contains("key source"), "{rejection}");
}

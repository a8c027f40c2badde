//! The layer wherever tower layers go: `Router::layer`, `Router::route_layer`, a
//! `MethodRouter`, and `ServiceBuilder` around a plain `service_fn` with another body type
//! (or one borrowed from the caller); a request refused on its headers never reaches, or
//! even clones, the inner service.

mod common;

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, Full};
use tower::{Layer, Service, ServiceBuilder, ServiceExt};
use tower_webhook::{Verified, VerifiedBody, WebhookEvent};

async fn kind(event: WebhookEvent) -> String {
    event.kind().to_owned()
}

/// Sends a valid and a forged request and checks that only the first gets through.
async fn accepts_only_signed<S, B>(app: S)
where
    S: tower::Service<Request<Body>, Response = Response<B>, Error = Infallible> + Clone,
    B: http_body::Body,
    B::Error: std::fmt::Debug,
{
    let valid = send(app.clone(), protocol_request(SEED_PAYLOAD)).await;
    assert_eq!(valid.status, StatusCode::OK);
    assert_eq!(valid.text(), "message.updated");

    let forged = post_with(&[(SIGNATURE_HEADER, &"0".repeat(64))], SEED_PAYLOAD);
    let reply = send(app, forged).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn router_layer() {
    accepts_only_signed(
        Router::new()
            .route(PATH, post(kind))
            .layer(protocol_layer()),
    )
    .await;
}

#[tokio::test]
async fn router_route_layer() {
    let app = Router::new()
        .route(PATH, post(kind))
        .route_layer(protocol_layer())
        .route("/health", get(|| async { "ok" }));
    accepts_only_signed(app.clone()).await;

    // Routes added after `route_layer` and unmatched paths are not behind it.
    let health = send(
        app.clone(),
        Request::get("/health").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(health.status, StatusCode::OK);
    let unknown = Request::post("/elsewhere").body(Body::empty()).unwrap();
    assert_eq!(send(app, unknown).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn method_router_layer() {
    let app = Router::new()
        .route(PATH, post(kind).layer(protocol_layer()))
        .route("/health", get(|| async { "ok" }));
    accepts_only_signed(app.clone()).await;
    let health = Request::get("/health").body(Body::empty()).unwrap();
    assert_eq!(send(app, health).await.status, StatusCode::OK);
}

#[tokio::test]
async fn service_builder_around_service_fn_with_another_body_type() {
    let service = ServiceBuilder::new().layer(protocol_layer()).service_fn(
        |request: Request<VerifiedBody>| async move {
            let verified = request
                .extensions()
                .get::<Verified>()
                .cloned()
                .expect("the layer adds Verified");
            let body = request.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(&body, verified.body());
            let text = format!("verified {} bytes", body.len());
            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(text))))
        },
    );

    let signature = hmac_hex(SECRET.as_bytes(), SEED_PAYLOAD);
    let request = Request::post(PATH)
        .header(SIGNATURE_HEADER, &signature)
        .body(Full::new(Bytes::from_static(SEED_PAYLOAD)))
        .unwrap();
    let reply = send(service.clone(), request).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.text(),
        format!("verified {} bytes", SEED_PAYLOAD.len())
    );

    let forged = Request::post(PATH)
        .header(SIGNATURE_HEADER, "0".repeat(64))
        .body(Full::new(Bytes::from_static(SEED_PAYLOAD)))
        .unwrap();
    let reply = send(service, forged).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.text(), "signature does not match");
}

#[tokio::test]
async fn a_body_borrowed_from_the_caller_verifies() {
    // The layer is generic over the request body: it need not be `Send` or `'static`.
    let payload = SEED_PAYLOAD.to_vec();
    let service = ServiceBuilder::new().layer(protocol_layer()).service_fn(
        |request: Request<VerifiedBody>| async move {
            let verified = request.extensions().get::<Verified>().cloned();
            let length = verified.expect("the layer adds Verified").body().len();
            Ok::<_, Infallible>(Response::new(Body::from(format!("{length} bytes"))))
        },
    );
    let request = Request::post(PATH)
        .header(SIGNATURE_HEADER, hmac_hex(SECRET.as_bytes(), &payload))
        .body(Full::new(payload.as_slice()))
        .unwrap();
    let reply = send(service, request).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), format!("{} bytes", payload.len()));
}

/// A service that answers 200 and counts how often it is cloned.
struct CountsClones(Arc<AtomicUsize>);

impl Clone for CountsClones {
    fn clone(&self) -> Self {
        self.0.fetch_add(1, Ordering::SeqCst);
        Self(Arc::clone(&self.0))
    }
}

impl Service<Request<VerifiedBody>> for CountsClones {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<VerifiedBody>) -> Self::Future {
        std::future::ready(Ok(Response::new(Body::empty())))
    }
}

#[tokio::test]
async fn a_request_refused_on_its_headers_never_touches_the_inner_service() {
    let clones = Arc::new(AtomicUsize::new(0));
    let mut service = protocol_layer().layer(CountsClones(Arc::clone(&clones)));
    for headers in [vec![], vec![(SIGNATURE_HEADER, "not hex")]] {
        let request = post_with(&headers, SEED_PAYLOAD);
        let ready = ServiceExt::<Request<Body>>::ready(&mut service)
            .await
            .unwrap();
        let response = ready.call(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }
    assert_eq!(clones.load(Ordering::SeqCst), 0);

    let request = protocol_request(SEED_PAYLOAD);
    let ready = ServiceExt::<Request<Body>>::ready(&mut service)
        .await
        .unwrap();
    let response = ready.call(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

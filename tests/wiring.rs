//! The layer wherever tower layers go: `Router::layer`, `Router::route_layer`, a
//! `MethodRouter`, and `ServiceBuilder` around a plain `service_fn` with another body type.

mod common;

use std::convert::Infallible;

use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, Full};
use tower::ServiceBuilder;
use tower_webhook::{Verified, WebhookEvent};

async fn kind(event: WebhookEvent) -> String {
    event.kind().to_owned()
}

/// Sends a valid and a forged request and checks that only the first gets through.
async fn accepts_only_signed<S>(app: S)
where
    S: tower::Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone,
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
        |request: Request<Body>| async move {
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

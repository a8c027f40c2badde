//! Exactly-once handling with `MemoryStore`, through a real `Router` and real signatures.

mod common;

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use common::dedupe::{blocking_app, counting_app, is_duplicate, wait_for_runs};
use futures_util::FutureExt;
use http_body_util::BodyExt;
use tokio::sync::Notify;
use tower::ServiceExt;
use tower_webhook::dedupe::{Dedupe, MemoryStore};
use tower_webhook::scheme::{Scheme, StandardWebhooks};
use tower_webhook::WebhookVerify;

const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const BODY: &[u8] = br#"{"type":"order.paid","data":{"amount":100}}"#;

fn standard() -> WebhookVerify<StandardWebhooks> {
    WebhookVerify::standard(SECRET)
}

/// A request for event `id`, signed now.
fn delivery(id: &str) -> Request<Body> {
    let headers = standard().sign_at(BODY, SystemTime::now(), id);
    let mut request = Request::post("/webhook").body(Body::from(BODY)).unwrap();
    request.headers_mut().extend(headers);
    request
}

/// Sends a request that must be answered without waiting on any handler.
async fn send(app: &Router, request: Request<Body>) -> Response {
    let answer = tokio::time::timeout(Duration::from_secs(10), app.clone().oneshot(request));
    answer.await.expect("an answer within 10 s").unwrap()
}

#[tokio::test]
async fn a_duplicate_of_a_handled_event_gets_200_without_running_the_handler() {
    let runs = Arc::new(AtomicUsize::new(0));
    let app = counting_app(
        standard().dedupe(MemoryStore::new()),
        Arc::clone(&runs),
        |_| StatusCode::OK,
    );

    let first = send(&app, delivery("msg_1")).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert!(!is_duplicate(&first));

    for _ in 0..3 {
        let again = send(&app, delivery("msg_1")).await;
        assert_eq!(again.status(), StatusCode::OK);
        assert!(is_duplicate(&again));
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    let other = send(&app, delivery("msg_2")).await;
    assert!(!is_duplicate(&other));
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_failed_handler_runs_again_on_retry_and_then_counts_as_done() {
    let runs = Arc::new(AtomicUsize::new(0));
    let app = counting_app(
        standard().dedupe(MemoryStore::new()),
        Arc::clone(&runs),
        |run| {
            if run == 1 {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::NO_CONTENT
            }
        },
    );

    assert_eq!(
        send(&app, delivery("msg_1")).await.status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    let retry = send(&app, delivery("msg_1")).await;
    assert_eq!(retry.status(), StatusCode::NO_CONTENT);
    assert!(!is_duplicate(&retry));
    let duplicate = send(&app, delivery("msg_1")).await;
    assert!(is_duplicate(&duplicate));
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_panicking_handler_releases_the_claim_and_the_panic_goes_on() {
    let runs = Arc::new(AtomicUsize::new(0));
    let app = counting_app(
        standard().dedupe(MemoryStore::new()),
        Arc::clone(&runs),
        |run| {
            assert!(run > 1, "first run fails");
            StatusCode::OK
        },
    );

    let panicked = AssertUnwindSafe(send(&app, delivery("msg_1")))
        .catch_unwind()
        .await;
    assert!(panicked.is_err(), "the panic must reach the caller");
    let retry = send(&app, delivery("msg_1")).await;
    assert_eq!(retry.status(), StatusCode::OK);
    assert!(!is_duplicate(&retry));
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_duplicate_while_the_first_is_in_flight_gets_409() {
    let runs = Arc::new(AtomicUsize::new(0));
    let release = Arc::new(Notify::new());
    let app = blocking_app(
        standard().dedupe(MemoryStore::new()),
        Arc::clone(&runs),
        Arc::clone(&release),
    );

    let first = tokio::spawn(send_owned(app.clone(), delivery("msg_1")));
    wait_for_runs(&runs, 1).await;

    let concurrent = send(&app, delivery("msg_1")).await;
    assert_eq!(concurrent.status(), StatusCode::CONFLICT);
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    release.notify_one();
    assert_eq!(first.await.unwrap().status(), StatusCode::OK);
    assert!(is_duplicate(&send(&app, delivery("msg_1")).await));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

async fn send_owned(app: Router, request: Request<Body>) -> Response {
    app.oneshot(request).await.unwrap()
}

#[tokio::test]
async fn an_in_flight_claim_expires_by_itself() {
    let runs = Arc::new(AtomicUsize::new(0));
    let release = Arc::new(Notify::new());
    let layer = standard()
        .dedupe(Dedupe::new(MemoryStore::new()).in_flight_ttl(Duration::from_millis(200)));
    let app = blocking_app(layer, Arc::clone(&runs), Arc::clone(&release));

    let _stuck = tokio::spawn(send_owned(app.clone(), delivery("msg_1")));
    wait_for_runs(&runs, 1).await;
    assert_eq!(
        send(&app, delivery("msg_1")).await.status(),
        StatusCode::CONFLICT
    );

    tokio::time::sleep(Duration::from_millis(300)).await;
    let _second = tokio::spawn(send_owned(app.clone(), delivery("msg_1")));
    wait_for_runs(&runs, 2).await;
    release.notify_waiters();
}

#[tokio::test]
async fn a_dropped_request_releases_its_claim() {
    let runs = Arc::new(AtomicUsize::new(0));
    let release = Arc::new(Notify::new());
    let app = blocking_app(
        standard().dedupe(MemoryStore::new()),
        Arc::clone(&runs),
        Arc::clone(&release),
    );

    let first = tokio::spawn(send_owned(app.clone(), delivery("msg_1")));
    wait_for_runs(&runs, 1).await;
    first.abort();
    let _ = first.await;
    tokio::time::sleep(Duration::from_millis(50)).await;

    let _retry = tokio::spawn(send_owned(app.clone(), delivery("msg_1")));
    wait_for_runs(&runs, 2).await;
    release.notify_waiters();
}

#[tokio::test]
async fn a_handled_event_is_forgotten_after_the_dedupe_ttl() {
    let runs = Arc::new(AtomicUsize::new(0));
    let layer = standard().dedupe(Dedupe::new(MemoryStore::new()).ttl(Duration::from_millis(200)));
    let app = counting_app(layer, Arc::clone(&runs), |_| StatusCode::OK);

    send(&app, delivery("msg_1")).await;
    assert!(is_duplicate(&send(&app, delivery("msg_1")).await));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!is_duplicate(&send(&app, delivery("msg_1")).await));
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

/// Requests for the plain HMAC scheme, which signs no id: the id comes from the body.
fn hmac_delivery(body: &'static str) -> Request<Body> {
    let mut request = Request::post("/webhook").body(Body::from(body)).unwrap();
    request.headers_mut().insert(
        "x-webhook-signature",
        tower_webhook::sign("secret", body).parse().unwrap(),
    );
    request
}

#[tokio::test]
async fn without_a_signed_id_the_body_id_is_the_key() {
    let runs = Arc::new(AtomicUsize::new(0));
    let handler = {
        let runs = Arc::clone(&runs);
        move || {
            runs.fetch_add(1, Ordering::SeqCst);
            async { StatusCode::OK }
        }
    };
    let app = Router::new()
        .route("/webhook", post(handler))
        .layer(WebhookVerify::new("secret").dedupe(MemoryStore::new()));

    let first = send(&app, hmac_delivery(r#"{"id":"evt_1","type":"a"}"#)).await;
    assert!(!is_duplicate(&first));
    let same_id = send(&app, hmac_delivery(r#"{"type":"a","id":"evt_1"}"#)).await;
    assert!(
        is_duplicate(&same_id),
        "same id, other bytes: still a duplicate"
    );
    let numeric = send(&app, hmac_delivery(r#"{"id":7}"#)).await;
    assert!(!is_duplicate(&numeric));
    assert_eq!(runs.load(Ordering::SeqCst), 2);

    let no_id = send(&app, hmac_delivery(r#"{"type":"a","data":{"id":"x"}}"#)).await;
    assert_eq!(no_id.status(), StatusCode::BAD_REQUEST);
    let text = no_id.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&text[..], b"no event id to deduplicate on");
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

/// A request signed now by `layer`, with event id `id` where its headers carry one.
fn signed<S: Scheme + Clone>(layer: &WebhookVerify<S>, body: &str, id: &str) -> Request<Body> {
    let headers = layer.sign_at(body.as_bytes(), SystemTime::now(), id);
    common::post_signed(headers, body.as_bytes())
}

#[tokio::test]
async fn github_and_shopify_key_on_their_delivery_header_not_the_body_id() {
    // Their bodies' `id` names the order (or other resource): two events about one order
    // share it, and must both be handled.
    let created = r#"{"id":820982911946154508,"financial_status":"pending"}"#;
    let paid = r#"{"id":820982911946154508,"financial_status":"paid"}"#;
    let presets = [
        (WebhookVerify::github("secret"), "x-github-delivery"),
        (WebhookVerify::shopify("secret"), "x-shopify-webhook-id"),
    ];
    for (layer, header) in presets {
        let runs = Arc::new(AtomicUsize::new(0));
        let app = counting_app(
            layer.clone().dedupe(MemoryStore::new()),
            Arc::clone(&runs),
            |_| StatusCode::OK,
        );

        assert!(!is_duplicate(
            &send(&app, signed(&layer, created, "d-1")).await
        ));
        assert!(!is_duplicate(
            &send(&app, signed(&layer, paid, "d-2")).await
        ));
        let retry = send(&app, signed(&layer, created, "d-1")).await;
        assert!(is_duplicate(&retry), "{header}: the same delivery again");
        assert_eq!(runs.load(Ordering::SeqCst), 2, "{header}");

        // `sign` writes a fresh delivery id, as the sender would.
        let fresh = common::post_signed(layer.sign(created.as_bytes()), created.as_bytes());
        assert!(fresh.headers().contains_key(header), "{header} signed");
        assert!(!is_duplicate(&send(&app, fresh).await));
        assert_eq!(runs.load(Ordering::SeqCst), 3, "{header}");

        let mut without = signed(&layer, created, "d-3");
        without.headers_mut().remove(header);
        let without = send(&app, without).await;
        assert_eq!(
            without.status(),
            StatusCode::BAD_REQUEST,
            "{header} missing"
        );
        assert_eq!(runs.load(Ordering::SeqCst), 3, "{header}");
    }
}

#[tokio::test]
async fn slack_keys_on_the_event_id() {
    let layer = WebhookVerify::slack("secret");
    let runs = Arc::new(AtomicUsize::new(0));
    let app = counting_app(
        layer.clone().dedupe(MemoryStore::new()),
        Arc::clone(&runs),
        |_| StatusCode::OK,
    );
    let first = r#"{"type":"event_callback","event_id":"Ev1","event":{"type":"message"}}"#;
    let second = r#"{"type":"event_callback","event_id":"Ev2","event":{"type":"message"}}"#;

    assert!(!is_duplicate(&send(&app, signed(&layer, first, "")).await));
    let retry = signed(&layer, first, "");
    assert!(is_duplicate(&send(&app, retry).await));
    assert!(!is_duplicate(&send(&app, signed(&layer, second, "")).await));
    assert_eq!(runs.load(Ordering::SeqCst), 2);

    // Setting up the endpoint: no event_id, a one-off challenge, which the layer answers.
    let challenge = r#"{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#;
    let setup = send(&app, signed(&layer, challenge, "")).await;
    assert_eq!(setup.status(), StatusCode::OK);
    assert!(!is_duplicate(&setup));
    assert_eq!(runs.load(Ordering::SeqCst), 2);

    // With the handshake left to the handler, the challenge is its event id.
    let app = counting_app(
        layer.clone().handshakes(false).dedupe(MemoryStore::new()),
        Arc::clone(&runs),
        |_| StatusCode::OK,
    );
    let setup = send(&app, signed(&layer, challenge, "")).await;
    assert_eq!(setup.status(), StatusCode::OK);
    assert!(!is_duplicate(&setup));
    assert_eq!(runs.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn prefixes_keep_endpoints_sharing_a_store_apart() {
    let store = Arc::new(MemoryStore::new());
    let runs = Arc::new(AtomicUsize::new(0));
    let orders = counting_app(
        standard().dedupe(Dedupe::new(Arc::clone(&store)).prefix("orders:")),
        Arc::clone(&runs),
        |_| StatusCode::OK,
    );
    let refunds = counting_app(
        standard().dedupe(Dedupe::new(Arc::clone(&store)).prefix("refunds:")),
        Arc::clone(&runs),
        |_| StatusCode::OK,
    );

    assert!(!is_duplicate(&send(&orders, delivery("msg_1")).await));
    assert!(!is_duplicate(&send(&refunds, delivery("msg_1")).await));
    assert!(is_duplicate(&send(&orders, delivery("msg_1")).await));
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    assert_eq!(store.len(), 2);
}

#[tokio::test]
async fn forged_requests_never_reach_the_store() {
    let store = Arc::new(MemoryStore::new());
    let runs = Arc::new(AtomicUsize::new(0));
    let app = counting_app(
        standard().dedupe(Arc::clone(&store)),
        Arc::clone(&runs),
        |_| StatusCode::OK,
    );

    let mut forged = delivery("msg_1");
    *forged.body_mut() = Body::from(r#"{"type":"order.paid","data":{"amount":1000000}}"#);
    assert_eq!(send(&app, forged).await.status(), StatusCode::BAD_REQUEST);
    assert!(store.is_empty());
    assert!(!is_duplicate(&send(&app, delivery("msg_1")).await));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn many_concurrent_copies_run_the_handler_once_per_id() {
    let runs = Arc::new(AtomicUsize::new(0));
    let handler = {
        let runs = Arc::clone(&runs);
        move || {
            let runs = Arc::clone(&runs);
            async move {
                runs.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
                StatusCode::OK
            }
        }
    };
    let app = Router::new()
        .route("/webhook", post(handler))
        .layer(standard().dedupe(MemoryStore::new()));

    let mut tasks = Vec::new();
    for _copy in 0..20 {
        for id in 0..10 {
            let app = app.clone();
            tasks.push(tokio::spawn(async move {
                deliver_until_accepted(app, &format!("msg_{id}")).await
            }));
        }
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), StatusCode::OK);
    }
    assert_eq!(runs.load(Ordering::SeqCst), 10);
}

/// Sends like a sender does: again after a 409, until it is accepted.
async fn deliver_until_accepted(app: Router, id: &str) -> StatusCode {
    loop {
        let status = send(&app, delivery(id)).await.status();
        if status != StatusCode::CONFLICT {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// A store that keeps the time each handled event is to be remembered.
#[derive(Debug, Default)]
struct RecordingStore {
    inner: MemoryStore,
    done_ttls: std::sync::Mutex<Vec<Duration>>,
}

impl tower_webhook::dedupe::Store for RecordingStore {
    fn claim<'a>(
        &'a self,
        key: &'a str,
        owner: &'a str,
        ttl: Duration,
    ) -> tower_webhook::dedupe::StoreFuture<'a, tower_webhook::dedupe::Claim> {
        self.inner.claim(key, owner, ttl)
    }

    fn complete<'a>(
        &'a self,
        key: &'a str,
        ttl: Duration,
    ) -> tower_webhook::dedupe::StoreFuture<'a, ()> {
        self.done_ttls.lock().unwrap().push(ttl);
        self.inner.complete(key, ttl)
    }

    fn release<'a>(
        &'a self,
        key: &'a str,
        owner: &'a str,
    ) -> tower_webhook::dedupe::StoreFuture<'a, ()> {
        self.inner.release(key, owner)
    }
}

#[tokio::test]
async fn handled_events_are_remembered_as_long_as_the_sender_retries() {
    let day = Duration::from_secs(24 * 3600);
    let cases: [(&str, Duration); 3] = [
        // Stripe retries for 3 days, longer than its 5-minute window.
        ("stripe", 3 * day + Duration::from_secs(300)),
        // The generic scheme documents no retries: the window and the margin.
        ("new", Duration::from_secs(600)),
        // An explicit ttl wins.
        ("explicit", Duration::from_secs(42)),
    ];
    for (name, expected) in cases {
        let store = Arc::new(RecordingStore::default());
        let dedupe = Dedupe::new(Arc::clone(&store));
        let runs = Arc::new(AtomicUsize::new(0));
        let body = r#"{"id":"evt_1","type":"a.b","payload":{}}"#;
        let request = match name {
            "stripe" => {
                let layer = WebhookVerify::stripe("whsec_s");
                let app = counting_app(layer.clone().dedupe(dedupe), Arc::clone(&runs), |_| {
                    StatusCode::OK
                });
                send(&app, signed(&layer, body, "")).await
            }
            "new" => {
                let layer = WebhookVerify::new("s");
                let app = counting_app(layer.clone().dedupe(dedupe), Arc::clone(&runs), |_| {
                    StatusCode::OK
                });
                send(&app, signed(&layer, body, "")).await
            }
            _ => {
                let layer = WebhookVerify::new("s");
                let dedupe = dedupe.ttl(Duration::from_secs(42));
                let app = counting_app(layer.clone().dedupe(dedupe), Arc::clone(&runs), |_| {
                    StatusCode::OK
                });
                send(&app, signed(&layer, body, "")).await
            }
        };
        assert_eq!(request.status(), StatusCode::OK, "{name}");
        assert_eq!(*store.done_ttls.lock().unwrap(), [expected], "{name}");
    }
}

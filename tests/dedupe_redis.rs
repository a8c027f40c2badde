//! Exactly-once handling with `RedisStore`, against a real Redis server.
//!
//! Needs Redis at 127.0.0.1:6379 (`redis-server --daemonize yes`) and `redis-server` on
//! the PATH; run with `cargo test --all-features`. Each test uses its own key prefix.
#![cfg(feature = "redis")]

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use common::dedupe::{blocking_app, counting_app, is_duplicate, wait_for_runs};
use common::free_port;
use tokio::sync::Notify;
use tower::ServiceExt;
use tower_webhook::dedupe::{Claim, Dedupe, RedisStore, Store, DUPLICATE_HEADER};
use tower_webhook::scheme::StandardWebhooks;
use tower_webhook::{Verified, WebhookVerify};

const SHARED_REDIS: &str = "redis://127.0.0.1:6379";
const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const BODY: &[u8] = br#"{"type":"order.paid","data":{"amount":100}}"#;

async fn shared_store() -> RedisStore {
    RedisStore::connect(SHARED_REDIS)
        .await
        .unwrap_or_else(|error| {
            panic!(
                "these tests need Redis at {SHARED_REDIS} ({error}); start it with \
             `redis-server --daemonize yes`, or run plain `cargo test` to leave them out"
            )
        })
}

/// A prefix no other test or earlier run shares.
fn unique_prefix(test: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("tower-webhook-test:{test}:{nanos}:")
}

fn layer(store: RedisStore, prefix: &str) -> WebhookVerify<StandardWebhooks> {
    WebhookVerify::standard(SECRET).dedupe(Dedupe::new(store).prefix(prefix))
}

fn delivery(id: &str) -> Request<Body> {
    let headers = WebhookVerify::standard(SECRET).sign_at(BODY, SystemTime::now(), id);
    let mut request = Request::post("/webhook").body(Body::from(BODY)).unwrap();
    request.headers_mut().extend(headers);
    request
}

/// Sends event `id`, which must be answered without waiting on any handler.
async fn send(app: &Router, id: &str) -> Response {
    let answer = tokio::time::timeout(Duration::from_secs(10), app.clone().oneshot(delivery(id)));
    answer.await.expect("an answer within 10 s").unwrap()
}

/// Serves `app` on a fresh loopback port.
async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    address
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_sharing_redis_run_each_event_exactly_once() {
    const IDS: usize = 20;
    const COPIES_PER_INSTANCE: usize = 10;
    let prefix = unique_prefix("exactly-once");
    let runs: Arc<Mutex<HashMap<String, usize>>> = Arc::default();

    let mut addresses = Vec::new();
    for _instance in 0..2 {
        let runs = Arc::clone(&runs);
        let handler = move |verified: Verified| {
            let runs = Arc::clone(&runs);
            async move {
                let id = verified.id().unwrap().to_owned();
                *runs.lock().unwrap().entry(id).or_default() += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
                StatusCode::OK
            }
        };
        let app = Router::new()
            .route("/webhook", post(handler))
            .layer(layer(shared_store().await, &prefix));
        addresses.push(serve(app).await);
    }

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut deliveries = Vec::new();
    for id in 0..IDS {
        for _copy in 0..COPIES_PER_INSTANCE {
            for address in &addresses {
                let client = client.clone();
                let url = format!("http://{address}/webhook");
                let id = format!("msg_{id}");
                deliveries.push(tokio::spawn(async move {
                    // A sender retries a 409 later; each copy keeps its own signature.
                    let headers =
                        WebhookVerify::standard(SECRET).sign_at(BODY, SystemTime::now(), &id);
                    loop {
                        let response = client
                            .post(&url)
                            .headers(headers.clone())
                            .body(BODY)
                            .send()
                            .await
                            .expect("the receiver answers");
                        match response.status() {
                            StatusCode::CONFLICT => {
                                tokio::time::sleep(Duration::from_millis(10)).await
                            }
                            status => {
                                return (status, response.headers().contains_key(DUPLICATE_HEADER))
                            }
                        }
                    }
                }));
            }
        }
    }

    let mut handled = 0;
    let mut duplicates = 0;
    for delivery in deliveries {
        let (status, duplicate) = delivery.await.unwrap();
        assert_eq!(status, StatusCode::OK);
        if duplicate {
            duplicates += 1;
        } else {
            handled += 1;
        }
    }
    assert_eq!(handled, IDS, "one delivery per id ran the handler");
    assert_eq!(duplicates, IDS * (2 * COPIES_PER_INSTANCE - 1));
    let runs = runs.lock().unwrap();
    assert_eq!(runs.len(), IDS);
    for (id, count) in runs.iter() {
        assert_eq!(*count, 1, "{id} was handled {count} times");
    }
}

#[tokio::test]
async fn a_failed_handler_runs_again_on_retry_then_duplicates_get_200() {
    let prefix = unique_prefix("fail-then-succeed");
    let runs = Arc::new(AtomicUsize::new(0));
    let app = counting_app(
        layer(shared_store().await, &prefix),
        Arc::clone(&runs),
        |run| {
            if run == 1 {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::OK
            }
        },
    );

    assert_eq!(
        send(&app, "msg_1").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    let retry = send(&app, "msg_1").await;
    assert_eq!(retry.status(), StatusCode::OK);
    assert!(!is_duplicate(&retry));
    let duplicate = send(&app, "msg_1").await;
    assert_eq!(duplicate.status(), StatusCode::OK);
    assert!(is_duplicate(&duplicate));
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_duplicate_while_in_flight_gets_409_and_the_claim_expires_by_itself() {
    let prefix = unique_prefix("in-flight");
    let runs = Arc::new(AtomicUsize::new(0));
    let release = Arc::new(Notify::new());
    let dedupe = Dedupe::new(shared_store().await)
        .prefix(&prefix)
        .in_flight_ttl(Duration::from_millis(300));
    let layer = WebhookVerify::standard(SECRET).dedupe(dedupe);
    let app = blocking_app(layer, Arc::clone(&runs), Arc::clone(&release));

    let stuck = app.clone();
    let _first = tokio::spawn(async move { stuck.oneshot(delivery("msg_1")).await });
    wait_for_runs(&runs, 1).await;
    let concurrent = send(&app, "msg_1").await;
    assert_eq!(concurrent.status(), StatusCode::CONFLICT);
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    tokio::time::sleep(Duration::from_millis(400)).await;
    let after_expiry = app.clone();
    let _second = tokio::spawn(async move { after_expiry.oneshot(delivery("msg_1")).await });
    wait_for_runs(&runs, 2).await;
    release.notify_waiters();
}

#[tokio::test]
async fn the_store_operations_are_atomic_and_owner_checked() {
    let store = shared_store().await;
    let key = format!("{}evt", unique_prefix("store"));
    let ttl = Duration::from_secs(10);

    assert_eq!(store.claim(&key, "a", ttl).await.unwrap(), Claim::New);
    assert_eq!(store.claim(&key, "b", ttl).await.unwrap(), Claim::InFlight);
    store.release(&key, "b").await.unwrap();
    assert_eq!(
        store.claim(&key, "b", ttl).await.unwrap(),
        Claim::InFlight,
        "b does not own it"
    );
    store.release(&key, "a").await.unwrap();
    assert_eq!(store.claim(&key, "b", ttl).await.unwrap(), Claim::New);
    store.complete(&key, ttl).await.unwrap();
    store.release(&key, "b").await.unwrap();
    assert_eq!(
        store.claim(&key, "c", ttl).await.unwrap(),
        Claim::Done,
        "release leaves done alone"
    );

    let racing = format!("{}race", unique_prefix("store"));
    let claims = futures_util::future::join_all((0..50).map(|owner| {
        let store = store.clone();
        let racing = racing.clone();
        async move { store.claim(&racing, &owner.to_string(), ttl).await.unwrap() }
    }))
    .await;
    assert_eq!(
        claims.iter().filter(|claim| **claim == Claim::New).count(),
        1
    );
}

/// A private `redis-server` on its own port, so stopping it leaves the shared one alone.
struct PrivateRedis {
    port: u16,
    child: Child,
}

impl PrivateRedis {
    fn start(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is on the PATH (apt-get install redis-server)");
        Self { port, child }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    async fn wait_until_answering(&self) -> RedisStore {
        for _ in 0..100 {
            if let Ok(store) = RedisStore::connect(&self.url()).await {
                return store;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "the private redis-server on port {} did not start",
            self.port
        );
    }

    fn stop(&mut self) {
        self.child
            .kill()
            .expect("the private redis-server can be killed");
        self.child.wait().expect("the private redis-server exits");
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn redis_stopped_mid_test_gives_503_and_recovers_when_it_returns() {
    let port = free_port();
    let mut redis = PrivateRedis::start(port);
    let store = redis.wait_until_answering().await;
    let prefix = unique_prefix("outage");
    let runs = Arc::new(AtomicUsize::new(0));
    let app = counting_app(layer(store.clone(), &prefix), Arc::clone(&runs), |_| {
        StatusCode::OK
    });
    let fail_open = counting_app(
        WebhookVerify::standard(SECRET).dedupe(Dedupe::new(store).prefix(&prefix).fail_open(true)),
        Arc::clone(&runs),
        |_| StatusCode::OK,
    );

    assert_eq!(send(&app, "msg_before").await.status(), StatusCode::OK);
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    redis.stop();
    for id in ["msg_during_1", "msg_during_2", "msg_before"] {
        let response = send(&app, id).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{id}");
    }
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "no handler ran while the store was down"
    );
    let open = send(&fail_open, "msg_open").await;
    assert_eq!(
        open.status(),
        StatusCode::OK,
        "fail-open runs the handler anyway"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 2);

    let _redis = PrivateRedis::start(port);
    let mut recovered = None;
    for _ in 0..100 {
        let response = send(&app, "msg_during_1").await;
        if response.status() != StatusCode::SERVICE_UNAVAILABLE {
            recovered = Some(response);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recovered = recovered.expect("the store recovers once Redis is back");
    assert_eq!(recovered.status(), StatusCode::OK);
    assert!(!is_duplicate(&recovered));
    assert_eq!(runs.load(Ordering::SeqCst), 3);
    assert!(is_duplicate(&send(&app, "msg_during_1").await));
}

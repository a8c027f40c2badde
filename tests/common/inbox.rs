//! What every inbox store must do, run against each backend (`MemoryInbox` here,
//! `RedisInbox` and `PostgresInbox` against real servers), and a receiver over real
//! loopback HTTP.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use http::HeaderMap;
use tokio::sync::Notify;
use tower_webhook::dedupe::MemoryStore;
use tower_webhook::inbox::{Claimed, Delivery, Inbox, Store, Worker};
use tower_webhook::scheme::StandardWebhooks;
use tower_webhook::{EventRejection, WebhookEvent, WebhookVerify};

/// The Standard Webhooks secret the inbox tests sign with.
pub const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

/// The sender's layer, used to sign.
pub fn standard() -> WebhookVerify<StandardWebhooks> {
    WebhookVerify::standard(SECRET)
}

/// The `{id, type, data}` body of event `id`.
pub fn body_of(id: &str) -> Vec<u8> {
    format!(r#"{{"id":"{id}","type":"order.paid","data":{{"amount":100}}}}"#).into_bytes()
}

/// The headers of event `id`, signed now.
pub fn signed(id: &str) -> HeaderMap {
    standard().sign_at(&body_of(id), SystemTime::now(), id)
}

/// A receiver on loopback that stores into `inbox` (with dedupe in memory when asked), and
/// counts the calls of the handler behind the layer, which must stay at 0. Returns the URL
/// and the handler's call count.
pub async fn receiver(inbox: impl Into<Inbox>, dedupe: bool) -> (String, Arc<Mutex<usize>>) {
    let calls = Arc::new(Mutex::new(0));
    let counted = Arc::clone(&calls);
    let mut layer = standard().inbox(inbox);
    if dedupe {
        layer = layer.dedupe(MemoryStore::new());
    }
    let app = Router::new()
        .route(
            "/webhook",
            post(move || async move {
                *counted.lock().unwrap() += 1;
                StatusCode::IM_A_TEAPOT
            }),
        )
        .layer(layer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, calls)
}

/// Posts event `id`, signed, and gives the status.
pub async fn post_event(client: &reqwest::Client, url: &str, id: &str) -> StatusCode {
    let mut request = client.post(url).body(body_of(id));
    for (name, value) in &signed(id) {
        request = request.header(name.as_str(), value.as_bytes());
    }
    let response = request.send().await.unwrap();
    StatusCode::from_u16(response.status().as_u16()).unwrap()
}

/// A client that never goes through a proxy.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// Claims the next delivery, waiting up to 2 seconds; panics if none comes.
pub async fn claim(store: &dyn Store, visibility: Duration) -> Claimed {
    store
        .claim("test-consumer", visibility, Duration::from_secs(2))
        .await
        .unwrap()
        .expect("a delivery to claim")
}

/// Asserts there is nothing to claim now.
pub async fn assert_empty(store: &dyn Store) {
    let claimed = store
        .claim(
            "test-consumer",
            Duration::from_secs(30),
            Duration::from_millis(200),
        )
        .await
        .unwrap();
    assert!(claimed.is_none(), "unexpected delivery: {claimed:?}");
}

/// Waits until `done` holds, for up to 10 seconds.
pub async fn eventually(what: &str, done: impl Fn() -> bool) {
    for _ in 0..200 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Runs `worker` until it has handled `events` distinct events, then stops it (what is in
/// flight finishes) and gives how many times each event was handled. Each delivery must
/// read as the `order.paid` event it was sent as, at its first attempt.
pub async fn handle_all(worker: Worker, events: usize) -> HashMap<String, usize> {
    let handled = Arc::new(Mutex::new(HashMap::<String, usize>::new()));
    let seen = Arc::clone(&handled);
    let stop = Arc::new(Notify::new());
    let stopped = Arc::clone(&stop);
    let run = tokio::spawn(worker.run_until(
        move |delivery: Delivery| {
            let seen = Arc::clone(&seen);
            async move {
                let event: WebhookEvent = delivery.event()?;
                assert_eq!(event.kind(), "order.paid");
                assert_eq!(event.payload()["amount"], 100);
                assert_eq!(delivery.verified().id(), Some(event.id()));
                assert_eq!(delivery.attempt(), 1);
                let id = event.id().to_owned();
                *seen.lock().unwrap().entry(id).or_default() += 1;
                Ok::<_, EventRejection>(())
            }
        },
        async move { stopped.notified().await },
    ));
    eventually(&format!("{events} events handled"), || {
        handled.lock().unwrap().len() == events
    })
    .await;
    stop.notify_one();
    run.await.unwrap();
    let handled = handled.lock().unwrap().clone();
    handled
}

/// Claims and completes deliveries until none comes within `wait`; gives each one's event
/// id and attempt, in the order claimed. Each body must be the one its event was sent with.
pub async fn drain(store: &dyn Store, wait: Duration) -> Vec<(String, u32)> {
    let mut drained = Vec::new();
    let visibility = Duration::from_secs(30);
    while let Some(claimed) = store
        .claim("test-consumer", visibility, wait)
        .await
        .unwrap()
    {
        let id = claimed.delivery.event_id().unwrap().to_owned();
        assert_eq!(claimed.delivery.body().as_ref(), body_of(&id).as_slice());
        drained.push((id, claimed.receipt.attempt()));
        store.complete(claimed.receipt).await.unwrap();
    }
    drained
}

/// Every behaviour of the `Store` contract, on an empty store. Delays are short, so a store
/// must honour sub-second visibility timeouts and retry delays (to within ~100 ms).
pub async fn store_contract(store: Arc<dyn Store>) {
    let client = client();
    let (url, calls) = receiver(Arc::clone(&store), false).await;

    // Stored before the 2xx, with the body, event id, kept headers and verified facts.
    assert_eq!(post_event(&client, &url, "evt_1").await, StatusCode::OK);
    assert_eq!(
        *calls.lock().unwrap(),
        0,
        "the handler behind an inbox runs"
    );
    let claimed = claim(&*store, Duration::from_secs(30)).await;
    let delivery = &claimed.delivery;
    assert_eq!(claimed.receipt.attempt(), 1);
    assert_eq!(delivery.body().as_ref(), body_of("evt_1").as_slice());
    assert_eq!(delivery.event_id(), Some("evt_1"));
    assert_eq!(delivery.uri().path(), "/webhook");
    assert_eq!(delivery.method(), http::Method::POST);
    assert_eq!(delivery.verified().id(), Some("evt_1"));
    assert!(delivery.verified().timestamp().is_some());
    let age = SystemTime::now()
        .duration_since(delivery.received_at())
        .unwrap();
    assert!(age < Duration::from_secs(60), "received {age:?} ago");
    // Claimed by one consumer, not handed to another.
    assert_empty(&*store).await;
    store.complete(claimed.receipt).await.unwrap();
    assert_empty(&*store).await;

    // A retry comes back at the next attempt, after its delay and not before.
    assert_eq!(post_event(&client, &url, "evt_2").await, StatusCode::OK);
    let claimed = claim(&*store, Duration::from_secs(30)).await;
    store
        .retry(claimed.receipt, Duration::from_millis(600), "boom")
        .await
        .unwrap();
    assert_empty(&*store).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let claimed = claim(&*store, Duration::from_secs(30)).await;
    assert_eq!(claimed.receipt.attempt(), 2);
    assert_eq!(claimed.delivery.event_id(), Some("evt_2"));

    // Buried: listed as a dead letter, not claimable; requeued: claimable at attempt 1.
    store.bury(claimed.receipt, "boom twice").await.unwrap();
    assert_empty(&*store).await;
    let dead = store.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].delivery.event_id(), Some("evt_2"));
    assert_eq!(dead[0].attempts, 2);
    assert_eq!(dead[0].error, "boom twice");
    assert!(store.requeue(&dead[0].id).await.unwrap());
    assert!(!store.requeue(&dead[0].id).await.unwrap(), "requeued twice");
    assert!(store.dead_letters(10).await.unwrap().is_empty());
    let claimed = claim(&*store, Duration::from_secs(30)).await;
    assert_eq!(claimed.receipt.attempt(), 1);
    assert_eq!(claimed.delivery.event_id(), Some("evt_2"));
    store.complete(claimed.receipt).await.unwrap();

    // A claim whose worker died (never settled) is claimed again after the visibility
    // timeout, at the next attempt; the dead worker's late settle changes nothing.
    assert_eq!(post_event(&client, &url, "evt_3").await, StatusCode::OK);
    let abandoned = claim(&*store, Duration::from_millis(500)).await;
    assert_empty(&*store).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let reclaimed = claim(&*store, Duration::from_secs(30)).await;
    assert_eq!(reclaimed.receipt.attempt(), 2);
    assert_eq!(reclaimed.delivery.event_id(), Some("evt_3"));
    // A store may refuse the late settle or ignore it; either way it changes nothing.
    let _ = store.bury(abandoned.receipt, "late").await;
    assert!(store.dead_letters(10).await.unwrap().is_empty());
    store.complete(reclaimed.receipt).await.unwrap();
    assert_empty(&*store).await;

    // Many deliveries, claimed concurrently: each exactly once.
    let ids: Vec<String> = (0..40).map(|n| format!("evt_many_{n}")).collect();
    for id in &ids {
        assert_eq!(post_event(&client, &url, id).await, StatusCode::OK);
    }
    let claimers: Vec<_> = (0..4)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { drain(&*store, Duration::from_millis(300)).await })
        })
        .collect();
    let mut seen = HashMap::<String, usize>::new();
    for claimer in claimers {
        for (id, _attempt) in claimer.await.unwrap() {
            *seen.entry(id).or_default() += 1;
        }
    }
    assert_eq!(seen.len(), ids.len());
    assert!(seen.values().all(|&count| count == 1), "{seen:?}");
    assert_eq!(*calls.lock().unwrap(), 0);
}

/// A private `redis-server` on `port` that keeps its data in `dir` and fsyncs every write
/// before it replies (`appendonly yes`, `appendfsync always`): the setting under which an
/// inbox loses nothing it acknowledged.
pub fn durable_redis_server(port: u16, dir: &std::path::Path) -> std::process::Command {
    let mut command = std::process::Command::new("redis-server");
    command
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args([
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--save",
            "",
        ])
        .arg("--dir")
        .arg(dir)
        .stdout(std::process::Stdio::null());
    command
}

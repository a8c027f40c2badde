//! The inbox with `RedisInbox`, against real Redis servers: the store contract, trimming,
//! workers over HTTP, and acknowledged deliveries surviving a `SIGKILL` of the server.
//!
//! Needs Redis at 127.0.0.1:6379 (`redis-server --daemonize yes`); each test uses an inbox
//! of its own and deletes its keys. The restart and password tests start private
//! `redis-server`s and are skipped when it is not on the PATH, unless `INBOX_REQUIRED=1`.
#![cfg(feature = "redis")]

mod common;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use common::free_port;
use common::inbox::*;
use tower_webhook::inbox::{RedisInbox, Store, Worker};

const SHARED_REDIS: &str = "redis://127.0.0.1:6379";

/// An inbox name no other test or earlier run shares.
fn unique_name(test: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("test-{test}-{}-{nanos}", std::process::id())
}

/// Key `part` of inbox `name`, as `RedisInbox` documents its layout.
fn key(name: &str, part: &str) -> String {
    format!("tower-webhook:inbox:{{{name}}}:{part}")
}

const PARTS: [&str; 5] = ["stream", "delayed", "retries", "dead", "cursor"];

/// An inbox on the shared server, and a plain connection to look at its keys.
struct Shared {
    name: String,
    inbox: RedisInbox,
    redis: redis::aio::MultiplexedConnection,
}

impl Shared {
    async fn open(test: &str) -> Self {
        let name = unique_name(test);
        let inbox = RedisInbox::connect(SHARED_REDIS, &name)
            .await
            .unwrap_or_else(|error| {
                panic!(
                    "these tests need Redis at {SHARED_REDIS} ({error}); start it with \
                     `redis-server --daemonize yes`, or run plain `cargo test` to leave them out"
                )
            });
        let redis = redis::Client::open(SHARED_REDIS)
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        Self { name, inbox, redis }
    }

    /// Runs `command` on the inbox's key `part`.
    async fn query<T: redis::FromRedisValue>(&self, command: &str, part: &str) -> T {
        redis::cmd(command)
            .arg(key(&self.name, part))
            .query_async(&mut self.redis.clone())
            .await
            .unwrap()
    }

    /// How many entries each of the inbox's streams and sets holds, and how many
    /// deliveries are claimed and unsettled.
    async fn sizes(&self) -> [usize; 4] {
        let pending: (usize, redis::Value, redis::Value, redis::Value) = redis::cmd("XPENDING")
            .arg(key(&self.name, "stream"))
            .arg("workers")
            .query_async(&mut self.redis.clone())
            .await
            .unwrap();
        [
            self.query("XLEN", "stream").await,
            pending.0,
            self.query("XLEN", "delayed").await,
            self.query("ZCARD", "retries").await,
        ]
    }

    /// The names of the consumer group's consumers.
    async fn consumers(&self) -> Vec<String> {
        let consumers: Vec<HashMap<String, redis::Value>> = redis::cmd("XINFO")
            .arg("CONSUMERS")
            .arg(key(&self.name, "stream"))
            .arg("workers")
            .query_async(&mut self.redis.clone())
            .await
            .unwrap();
        consumers
            .into_iter()
            .map(|consumer| redis::from_redis_value(&consumer["name"]).unwrap())
            .collect()
    }

    /// Deletes every key of the inbox.
    async fn remove(self) {
        let keys: Vec<String> = PARTS.iter().map(|part| key(&self.name, part)).collect();
        redis::cmd("DEL")
            .arg(keys)
            .query_async::<()>(&mut self.redis.clone())
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn redis_inbox_keeps_the_store_contract() {
    let shared = Shared::open("contract").await;
    store_contract(Arc::new(shared.inbox.clone())).await;
    assert_eq!(
        shared.sizes().await,
        [0, 0, 0, 0],
        "stream, pending, delayed, retries"
    );
    shared.remove().await;
}

#[tokio::test]
async fn handled_deliveries_are_trimmed_from_the_stream() {
    let shared = Shared::open("trimmed").await;
    let inbox = &shared.inbox;
    let (url, _) = receiver(inbox.clone(), false).await;
    let client = client();
    for n in 0..30 {
        let id = format!("evt_{n}");
        assert_eq!(post_event(&client, &url, &id).await, StatusCode::OK);
    }
    assert_eq!(shared.sizes().await, [30, 0, 0, 0]);

    // Every third fails once: parked for a retry, off the stream.
    let mut retried = 0;
    for n in 0..30 {
        let claimed = claim(inbox, Duration::from_secs(30)).await;
        if n % 3 == 0 {
            // Long enough that none is due before the sizes are checked.
            let delay = Duration::from_secs(1);
            inbox.retry(claimed.receipt, delay, "later").await.unwrap();
            retried += 1;
        } else {
            inbox.complete(claimed.receipt).await.unwrap();
        }
    }
    assert_eq!(shared.sizes().await, [0, 0, retried, retried]);
    for _ in 0..retried {
        let claimed = claim(inbox, Duration::from_secs(30)).await;
        assert_eq!(claimed.receipt.attempt(), 2);
        inbox.complete(claimed.receipt).await.unwrap();
    }
    assert_empty(inbox).await;
    assert_eq!(shared.sizes().await, [0, 0, 0, 0]);
    shared.remove().await;
}

#[tokio::test]
async fn each_claim_keeps_its_own_visibility_timeout() {
    let shared = Shared::open("visibility").await;
    let inbox = &shared.inbox;
    let (url, _) = receiver(inbox.clone(), false).await;
    assert_eq!(post_event(&client(), &url, "evt_1").await, StatusCode::OK);
    let held = claim(inbox, Duration::from_secs(5)).await;
    // A worker with a shorter timeout does not take a claim whose own has not passed.
    let other = inbox
        .claim(
            "hasty",
            Duration::from_millis(100),
            Duration::from_millis(800),
        )
        .await
        .unwrap();
    assert!(other.is_none(), "{other:?}");
    inbox.complete(held.receipt).await.unwrap();
    assert_eq!(shared.sizes().await, [0, 0, 0, 0]);
    shared.remove().await;
}

#[tokio::test]
async fn workers_handle_each_event_exactly_once_and_leave_the_stream_empty() {
    const EVENTS: usize = 60;
    let shared = Shared::open("workers").await;
    let (url, calls) = receiver(shared.inbox.clone(), false).await;
    let client = client();
    for n in 0..EVENTS {
        let id = format!("evt_{n}");
        assert_eq!(post_event(&client, &url, &id).await, StatusCode::OK);
    }
    let worker = Worker::new(shared.inbox.clone())
        .name("inbox-redis-test-worker")
        .concurrency(4)
        .poll_wait(Duration::from_millis(200))
        .event_shape(standard().shape());
    let handled = handle_all(worker, EVENTS).await;
    assert_eq!(handled.len(), EVENTS, "every event handled");
    assert!(handled.values().all(|&n| n == 1), "{handled:?}");
    assert_eq!(*calls.lock().unwrap(), 0);
    assert_eq!(shared.sizes().await, [0, 0, 0, 0]);
    // Stopped with nothing pending, the worker left the consumer group.
    assert!(!shared
        .consumers()
        .await
        .contains(&"inbox-redis-test-worker".to_owned()));
    shared.remove().await;
}

#[tokio::test]
async fn a_consumer_leaves_the_group_only_with_nothing_pending() {
    let shared = Shared::open("leave").await;
    let (url, _) = receiver(shared.inbox.clone(), false).await;
    assert_eq!(post_event(&client(), &url, "evt_1").await, StatusCode::OK);
    let claimed = shared
        .inbox
        .claim("holder", Duration::from_secs(30), Duration::from_secs(5))
        .await
        .unwrap()
        .expect("the delivery");
    // Holding a delivery, it stays: deleting it would drop the delivery's pending entry.
    shared.inbox.leave("holder").await.unwrap();
    assert_eq!(shared.consumers().await, ["holder"]);
    shared.inbox.complete(claimed.receipt).await.unwrap();
    shared.inbox.leave("holder").await.unwrap();
    assert!(shared.consumers().await.is_empty());
    shared.remove().await;
}

#[tokio::test]
async fn a_nameless_inbox_or_an_unreachable_server_is_a_clear_error() {
    let error = RedisInbox::connect(SHARED_REDIS, "").await.unwrap_err();
    assert!(error.to_string().contains("name"), "{error}");
    let url = format!("redis://:hunter2-secret@127.0.0.1:{}", free_port());
    let error = RedisInbox::connect(&url, "orders").await.unwrap_err();
    let message = format!("{error} {error:?}");
    assert!(
        message.contains("\"orders\" could not connect"),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");
}

/// Whether a private `redis-server` can be started; says why a test is skipped if not.
fn redis_server_installed(test: &str) -> bool {
    let found = Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok();
    if !found {
        assert!(
            std::env::var("INBOX_REQUIRED").as_deref() != Ok("1"),
            "{test}: redis-server is not on the PATH, and INBOX_REQUIRED=1"
        );
        eprintln!("skipping {test}: redis-server is not on the PATH");
    }
    found
}

/// A private `redis-server` on a free port, persisting to a directory of its own with
/// every write fsynced before Redis replies.
struct PrivateRedis {
    port: u16,
    dir: PathBuf,
    extra: Vec<String>,
    child: Option<Child>,
}

impl PrivateRedis {
    fn start(test: &str, extra: &[&str]) -> Self {
        let dir = std::env::temp_dir().join(unique_name(test));
        std::fs::create_dir_all(&dir).unwrap();
        let mut redis = Self {
            port: free_port(),
            dir,
            extra: extra.iter().map(|arg| arg.to_string()).collect(),
            child: None,
        };
        redis.restart();
        redis
    }

    /// Starts the server (again), on the same port and directory.
    fn restart(&mut self) {
        let child = durable_redis_server(self.port, &self.dir)
            .args(&self.extra)
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
    }

    /// Kills the server with `SIGKILL`: no chance to flush anything.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child
                .kill()
                .expect("the private redis-server can be killed");
            child.wait().expect("the private redis-server exits");
        }
    }

    fn url(&self, password: Option<&str>) -> String {
        let auth = password.map_or(String::new(), |password| format!(":{password}@"));
        format!("redis://{auth}127.0.0.1:{}", self.port)
    }

    /// The inbox `name` once the server answers.
    async fn inbox(&self, name: &str, password: Option<&str>) -> RedisInbox {
        let mut last = None;
        for _ in 0..100 {
            match RedisInbox::connect(&self.url(password), name).await {
                Ok(inbox) => return inbox,
                Err(error) => last = Some(error),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "the private redis-server on port {} did not answer: {last:?}",
            self.port
        );
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn acknowledged_deliveries_survive_a_sigkill_of_redis() {
    const EVENTS: usize = 25;
    if !redis_server_installed("acknowledged_deliveries_survive_a_sigkill_of_redis") {
        return;
    }
    let mut redis = PrivateRedis::start("restart", &[]);
    let inbox = redis.inbox("orders", None).await;
    let (url, _) = receiver(inbox.clone(), false).await;
    let client = client();
    let mut acknowledged = HashSet::new();
    for n in 0..EVENTS {
        let id = format!("evt_{n}");
        if post_event(&client, &url, &id).await == StatusCode::OK {
            acknowledged.insert(id);
        }
    }
    assert_eq!(acknowledged.len(), EVENTS);
    // One left in flight by a worker that dies, one waiting for a retry, one dead.
    let _abandoned = claim(&inbox, Duration::from_secs(2)).await;
    let retried = claim(&inbox, Duration::from_secs(30)).await;
    let delay = Duration::from_millis(300);
    inbox.retry(retried.receipt, delay, "later").await.unwrap();
    let buried = claim(&inbox, Duration::from_secs(30)).await;
    inbox.bury(buried.receipt, "boom").await.unwrap();

    redis.kill();
    redis.restart();
    // The receiver's own connection comes back: a sender's retry is stored.
    let mut status = StatusCode::SERVICE_UNAVAILABLE;
    for _ in 0..50 {
        status = post_event(&client, &url, "evt_after").await;
        if status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        status,
        StatusCode::OK,
        "the receiver stores again after the restart"
    );
    acknowledged.insert("evt_after".to_owned());
    let inbox = redis.inbox("orders", None).await;

    let dead = inbox.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!((dead[0].attempts, dead[0].error.as_str()), (1, "boom"));
    let drained = drain(&inbox, Duration::from_secs(3)).await;
    assert_eq!(drained.len(), EVENTS, "{drained:?}");
    let handled: HashMap<String, u32> = drained.into_iter().collect();
    let dead_id = dead[0].delivery.event_id().unwrap().to_owned();
    let mut all: HashSet<String> = handled.keys().cloned().collect();
    all.insert(dead_id);
    assert_eq!(
        all, acknowledged,
        "every acknowledged delivery is still there"
    );
    assert_eq!(handled.len(), EVENTS, "each delivery once");
    assert_eq!(
        handled["evt_0"], 2,
        "the abandoned claim comes back, at attempt 2"
    );
    assert_eq!(handled["evt_1"], 2, "the retry comes back, at attempt 2");
    assert!(handled
        .iter()
        .all(|(id, &attempt)| attempt == 1 || ["evt_0", "evt_1"].contains(&id.as_str())));
}

#[tokio::test]
async fn an_inbox_keeps_working_across_a_restart_of_redis() {
    if !redis_server_installed("an_inbox_keeps_working_across_a_restart_of_redis") {
        return;
    }
    let mut redis = PrivateRedis::start("reconnect", &[]);
    let inbox = redis.inbox("orders", None).await;
    // A claim that waits leaves its connection idle for the next wait.
    assert_empty(&inbox).await;
    redis.kill();
    redis.restart();
    let _answering = redis.inbox("orders", None).await;

    // The shared connection fails once and reconnects; the idle one is replaced.
    let mut failed = 0;
    let claimed = loop {
        match inbox
            .claim(
                "worker",
                Duration::from_secs(30),
                Duration::from_millis(200),
            )
            .await
        {
            Ok(claimed) => break claimed,
            Err(_) if failed < 1 => failed += 1,
            Err(error) => panic!("the inbox does not recover: {error}"),
        }
    };
    assert!(claimed.is_none(), "{claimed:?}");
    let (url, _) = receiver(inbox.clone(), false).await;
    assert_eq!(post_event(&client(), &url, "evt_1").await, StatusCode::OK);
    let claimed = claim(&inbox, Duration::from_secs(30)).await;
    assert_eq!(claimed.delivery.event_id(), Some("evt_1"));
}

#[tokio::test]
async fn the_password_in_the_url_never_shows() {
    const PASSWORD: &str = "hunter2-secret";
    if !redis_server_installed("the_password_in_the_url_never_shows") {
        return;
    }
    let redis = PrivateRedis::start("password", &["--requirepass", PASSWORD]);
    let inbox = redis.inbox("orders", Some(PASSWORD)).await;
    let debug = format!("{inbox:?}");
    assert!(debug.contains("orders"), "{debug}");
    assert!(!debug.contains(PASSWORD), "{debug}");

    let wrong = RedisInbox::connect(&redis.url(Some("wrong-hunter3")), "orders")
        .await
        .unwrap_err();
    let message = format!("{wrong} {wrong:?}");
    assert!(
        message.contains("\"orders\" could not connect"),
        "{message}"
    );
    assert!(!message.contains("hunter3"), "{message}");
}

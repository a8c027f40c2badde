//! Worker throughput: how fast `Worker`s drain an inbox, in events per second.
//!
//! ```text
//! cargo bench -p tower-webhook-bench --bench inbox                            # MemoryInbox
//! cargo bench -p tower-webhook-bench --bench inbox --features redis,postgres  # also Redis
//!     # (at REDIS_URL, default redis://127.0.0.1:6379) and PostgreSQL (at POSTGRES_URL,
//!     # default postgres://postgres@127.0.0.1/test)
//! ```
//!
//! Each timed iteration starts a `Worker` on an inbox that holds `K` stored deliveries and
//! stops the clock when the store has completed the last of them: every one claimed,
//! handled and completed. The deliveries are appended beforehand through `Store::append`, untimed;
//! they are copies of one signed 1 KiB event stored through the layer, each with its own
//! event id. Cases: a handler that does nothing, with `concurrency(1)` and `(8)`, and a
//! handler that sleeps 10 ms, where concurrency 8 should get close to 8 times the rate.
//! Stopping the worker afterwards is not timed (its `poll_wait` is 5 ms, so its idle
//! handlers stop within that). The Redis and PostgreSQL inboxes have names of their own
//! and are deleted afterwards.

use std::convert::Infallible;
use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::post;
use axum::Router;
use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use futures_util::StreamExt as _;
use tokio::runtime::Runtime;
use tokio::sync::Notify;
use tower::ServiceExt;
use tower_webhook::inbox::{
    Claimed, DeadLetter, Delivery, MemoryInbox, Receipt, Store, StoreFuture, Worker,
};
use tower_webhook::WebhookVerify;

const SECRET: &str = "bench-secret";
const BODY_SIZE: usize = 1024;

/// Deliveries drained per iteration, with a handler that does nothing.
const TRIVIAL: usize = 1_000;
/// Deliveries drained per iteration, with a handler that sleeps [`SLOW_HANDLER`].
const SLOW: usize = 80;
const SLOW_HANDLER: Duration = Duration::from_millis(10);
/// How long an idle handler waits in one claim: the most a run's end waits for one.
const POLL_WAIT: Duration = Duration::from_millis(5);

/// One delivery as the layer stores it: the metadata JSON and the body.
struct Template {
    metadata: serde_json::Value,
    body: Bytes,
}

impl Template {
    /// Sends one signed 1 KiB event through the layer into a `MemoryInbox`, and claims it.
    async fn stored() -> Self {
        let head = r#"{"id":"evt_template","type":"bench.event","payload":""#;
        let body = format!("{head}{}\"}}", "x".repeat(BODY_SIZE - head.len() - 2));
        let inbox = Arc::new(MemoryInbox::new(1));
        let app = Router::new()
            .route("/webhook", post(|| async { StatusCode::OK }))
            .layer(WebhookVerify::new(SECRET).inbox(Arc::clone(&inbox)));
        let request = Request::post("/webhook")
            .header("content-type", "application/json")
            .header("x-webhook-signature", tower_webhook::sign(SECRET, &body))
            .body(Body::from(body))
            .unwrap();
        let response = app.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let claimed = inbox
            .claim("bench", Duration::from_secs(60), Duration::ZERO)
            .await
            .unwrap()
            .expect("the layer stored the delivery");
        let delivery = claimed.delivery;
        Self {
            metadata: serde_json::from_str(&delivery.metadata_json()).unwrap(),
            body: delivery.body().clone(),
        }
    }

    /// A copy with a new event id, unique in this process.
    fn fresh(&self) -> Delivery {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let mut metadata = self.metadata.clone();
        metadata["event_id"] = format!("evt_{}_{n}", std::process::id()).into();
        Delivery::from_stored(&metadata.to_string(), self.body.clone(), 0).unwrap()
    }
}

/// Appends `count` fresh deliveries to `store`, 16 at a time.
async fn fill(store: &Arc<dyn Store>, template: &Template, count: usize) {
    futures_util::stream::iter(0..count)
        .for_each_concurrent(16, |_| async {
            store.append(&template.fresh()).await.unwrap();
        })
        .await;
}

/// A store that notes when its `count`th delivery was completed.
struct Counting {
    inner: Arc<dyn Store>,
    count: usize,
    completed: AtomicUsize,
    all_completed: Notify,
    finished: Mutex<Option<Instant>>,
}

impl fmt::Debug for Counting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Counting")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl Store for Counting {
    fn append<'a>(&'a self, delivery: &'a Delivery) -> StoreFuture<'a, ()> {
        self.inner.append(delivery)
    }

    fn claim<'a>(
        &'a self,
        consumer: &'a str,
        visibility: Duration,
        wait: Duration,
    ) -> StoreFuture<'a, Option<Claimed>> {
        self.inner.claim(consumer, visibility, wait)
    }

    fn complete(&self, receipt: Receipt) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.inner.complete(receipt).await?;
            if self.completed.fetch_add(1, Ordering::AcqRel) + 1 == self.count {
                *self.finished.lock().unwrap() = Some(Instant::now());
                self.all_completed.notify_one();
            }
            Ok(())
        })
    }

    fn retry<'a>(
        &'a self,
        receipt: Receipt,
        delay: Duration,
        error: &'a str,
    ) -> StoreFuture<'a, ()> {
        self.inner.retry(receipt, delay, error)
    }

    fn bury<'a>(&'a self, receipt: Receipt, error: &'a str) -> StoreFuture<'a, ()> {
        self.inner.bury(receipt, error)
    }

    fn dead_letters(&self, limit: usize) -> StoreFuture<'_, Vec<DeadLetter>> {
        self.inner.dead_letters(limit)
    }

    fn requeue<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool> {
        self.inner.requeue(id)
    }
}

/// Runs a worker with `concurrency` on `store`, which holds `count` deliveries, each
/// handled in `pause`; the time from its start until the last was completed.
async fn drain(
    store: &Arc<dyn Store>,
    concurrency: usize,
    count: usize,
    pause: Duration,
) -> Duration {
    let counting = Arc::new(Counting {
        inner: Arc::clone(store),
        count,
        completed: AtomicUsize::new(0),
        all_completed: Notify::new(),
        finished: Mutex::new(None),
    });
    let handler = move |_delivery: Delivery| async move {
        if !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
        Ok::<_, Infallible>(())
    };
    let worker = Worker::new(Arc::clone(&counting))
        .concurrency(concurrency)
        .poll_wait(POLL_WAIT);
    let started = Instant::now();
    let shutdown = {
        let counting = Arc::clone(&counting);
        async move { counting.all_completed.notified().await }
    };
    // Stopping the worker (its idle handlers' last wait) is not timed.
    worker.run_until(handler, shutdown).await;
    assert_eq!(counting.completed.load(Ordering::Acquire), count);
    let finished = counting.finished.lock().unwrap().expect("all completed");
    finished - started
}

/// The store cases of one inbox: trivial and slow handlers, 1 and 8 at a time.
fn bench_store(
    criterion: &mut Criterion,
    runtime: &Runtime,
    template: &Template,
    name: &str,
    store: Arc<dyn Store>,
    between: impl Fn(),
) {
    for (handler, count, pause) in [
        ("trivial", TRIVIAL, Duration::ZERO),
        ("sleep_10ms", SLOW, SLOW_HANDLER),
    ] {
        let mut group = criterion.benchmark_group(format!("inbox/{handler}"));
        group
            .sampling_mode(SamplingMode::Flat)
            .throughput(Throughput::Elements(count as u64));
        for concurrency in [1, 8] {
            let id = BenchmarkId::new(name, format!("concurrency_{concurrency}"));
            group.bench_function(id, |bencher| {
                bencher.iter_custom(|iterations| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iterations {
                        between();
                        runtime.block_on(fill(&store, template, count));
                        total += runtime.block_on(drain(&store, concurrency, count, pause));
                    }
                    total
                });
            });
        }
        group.finish();
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let template = runtime.block_on(Template::stored());
    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();

    let memory: Arc<dyn Store> = Arc::new(MemoryInbox::new(TRIVIAL.max(SLOW)));
    bench_store(&mut criterion, &runtime, &template, "memory", memory, || {});

    let name = format!("tower_webhook_bench_{}", std::process::id());

    #[cfg(feature = "redis")]
    {
        let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let inbox = runtime
            .block_on(tower_webhook::inbox::RedisInbox::connect(&url, &name))
            .unwrap_or_else(|error| {
                panic!("no Redis at {url} ({error}); start one or drop --features redis")
            });
        bench_store(
            &mut criterion,
            &runtime,
            &template,
            "redis",
            Arc::new(inbox),
            || {},
        );
        // Completed deliveries are deleted from the stream; the keys themselves go now.
        runtime.block_on(async {
            let client = redis::Client::open(url.as_str()).unwrap();
            let mut connection = client.get_multiplexed_async_connection().await.unwrap();
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(format!("tower-webhook:inbox:{{{name}}}:*"))
                .query_async(&mut connection)
                .await
                .unwrap();
            if !keys.is_empty() {
                redis::cmd("DEL")
                    .arg(keys)
                    .query_async::<()>(&mut connection)
                    .await
                    .unwrap();
            }
        });
    }

    #[cfg(feature = "postgres")]
    {
        use tower_webhook::inbox::{tokio_postgres, PostgresInbox};
        let url = std::env::var("POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1/test".into());
        let inbox = runtime.block_on(async {
            let inbox = PostgresInbox::connect(&url, &name).await.unwrap();
            inbox.migrate().await.unwrap_or_else(|error| {
                panic!("no PostgreSQL at {url} ({error}); start one or drop --features postgres")
            });
            inbox
        });
        // Handled rows stay (their ids are the dedupe) until purged: purge them between
        // iterations, untimed, so the table does not grow through the run.
        let purge = |inbox: &PostgresInbox| {
            runtime
                .block_on(inbox.purge_handled(Duration::ZERO))
                .unwrap();
        };
        let kept = inbox.clone();
        bench_store(
            &mut criterion,
            &runtime,
            &template,
            "postgres",
            Arc::new(inbox),
            || purge(&kept),
        );
        runtime.block_on(async {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            client
                .batch_execute(&format!(
                    "DROP TABLE IF EXISTS \"{name}\"; \
                     DELETE FROM tower_webhook_migrations WHERE inbox = '{name}'"
                ))
                .await
                .unwrap();
        });
    }
    #[cfg(not(any(feature = "redis", feature = "postgres")))]
    let _ = name;

    criterion.final_summary();
}

//! Acknowledge in milliseconds, handle durably: a receiver that stores each verified event
//! in an inbox on Redis or PostgreSQL and answers at once, and workers that handle them.
//!
//! ```text
//! INBOX_URL=postgres://postgres@127.0.0.1/test cargo run --example inbox --features redis,postgres -- receive
//! INBOX_URL=postgres://postgres@127.0.0.1/test cargo run --example inbox --features redis,postgres -- work
//! ```
//!
//! See `--help` for the environment. `INBOX_NAME` picks the inbox (its table or stream:
//! several can share a server), and `DEDUPE=off` makes `receive` on Redis store every
//! verified request without dedupe (a repeat of an event is then stored again): what
//! `scripts/bench-inbox.sh` measures against dedupe on.

use std::sync::Arc;
use std::time::Duration;

use axum::{routing::post, Router};
use serde_json::Value;
use tower_webhook::dedupe::RedisStore;
use tower_webhook::inbox::{Delivery, Inbox, PostgresInbox, RedisInbox, Store, StoreError, Worker};
use tower_webhook::WebhookVerify;

/// The secret used when `WEBHOOK_SECRET` is unset. For development only.
const DEVELOPMENT_SECRET: &str = "development-secret-do-not-use-in-production";

/// The inbox's name when `INBOX_NAME` is unset: its table on PostgreSQL, its stream on
/// Redis.
const INBOX: &str = "webhook_inbox";

const USAGE: &str = "\
A webhook inbox: `receive` verifies each POST /webhook, stores it, and answers 200 once it
is stored; `work` handles the stored events. Both run until stopped (Ctrl-C).

usage: cargo run --example inbox --features redis,postgres -- receive|work|dead|requeue ID

  receive   serve POST /webhook on PORT (default 3000): the `{id, type, payload}` scheme
            (WEBHOOK_SECRET, WEBHOOK_HEADER as in the receiver example), dedupe on the
            same server, and the inbox at INBOX_URL
  work      handle the inbox: print `handled <event id>` per event; on PostgreSQL, also
            insert it into handled_events in the delivery's own transaction
  dead      list the dead letters (events whose every attempt failed)
  requeue   put dead letter ID back in the inbox

environment:
  INBOX_URL      redis://HOST:PORT or postgres://USER@HOST/DB (required)
  WEBHOOK_SECRET the shared secret (a fixed development secret when unset, with a warning)
  WEBHOOK_HEADER the signature header (default x-webhook-signature)
  PORT           receive: the port (default 3000)
  WORKERS        work: deliveries handled at once (default 4)
  HANDLE_MS      work: how long each handling sleeps, to play slow work (default 0)
  FAIL_TYPE      work: events of this type fail, to play a broken handler (default none)
  VISIBILITY_MS  work: how long a claimed event stays with a worker that does not finish
                 it before another claims it (default 30000)
  INBOX_NAME     the inbox: its table on PostgreSQL, its stream on Redis (letters,
                 digits and _; default webhook_inbox)
  DEDUPE         receive: `off` stores every verified request on Redis without dedupe, so
                 a repeat of an event is stored again (default on; PostgreSQL's unique
                 event ids are its dedupe either way)
  RUST_LOG       default info";

/// The inbox at `INBOX_URL`, with the dedupe store on the same server where it needs one.
// One value for the life of the process: its size does not matter.
#[allow(clippy::large_enum_variant)]
enum Backend {
    /// Redis Streams; dedupe in Redis unless `DEDUPE=off`.
    Redis(RedisInbox, Option<RedisStore>),
    /// A PostgreSQL table, whose unique event ids are its dedupe.
    Postgres(PostgresInbox),
}

impl Backend {
    async fn open(url: &str, name: &str, dedupe: bool) -> Result<Self, StoreError> {
        if url.starts_with("redis://") || url.starts_with("rediss://") {
            let inbox = RedisInbox::connect(url, name).await?;
            let dedupe = match dedupe {
                true => Some(RedisStore::connect(url).await?),
                false => None,
            };
            return Ok(Self::Redis(inbox, dedupe));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let inbox = PostgresInbox::connect(url, name).await?;
            // Migrations run only when asked: here, explicitly, at start.
            inbox.migrate().await?;
            return Ok(Self::Postgres(inbox));
        }
        Err(StoreError::new(
            "INBOX_URL must start with redis:// or postgres://",
        ))
    }

    fn store(&self) -> Arc<dyn Store> {
        match self {
            Self::Redis(inbox, _) => Arc::new(inbox.clone()),
            Self::Postgres(inbox) => Arc::new(inbox.clone()),
        }
    }
}

/// The receiver: verify, dedupe, store, answer.
fn app(backend: &Backend, secret: &str, header: &str) -> Router {
    let layer = WebhookVerify::new(secret).header(header);
    let layer = match backend {
        Backend::Redis(inbox, Some(dedupe)) => layer.dedupe(dedupe.clone()).inbox(inbox.clone()),
        Backend::Redis(inbox, None) => layer.inbox(inbox.clone()),
        Backend::Postgres(inbox) => layer.inbox(Inbox::new(inbox.clone())),
    };
    // The layer answers once the event is stored: this handler is never called.
    Router::new()
        .route("/webhook", post(|| async {}))
        .layer(layer)
}

/// Handles one delivery: sleeps `HANDLE_MS`, records it, says so.
async fn handle(
    delivery: Delivery,
    pause: Duration,
    fail_type: Option<String>,
) -> Result<(), String> {
    let event = delivery
        .event::<Value>()
        .map_err(|rejection| rejection.to_string())?;
    tokio::time::sleep(pause).await;
    if fail_type.as_deref() == Some(event.kind()) {
        return Err(format!("events of type {} fail (FAIL_TYPE)", event.kind()));
    }
    if let Some(transaction) = delivery.transaction() {
        transaction
            .execute(
                "INSERT INTO handled_events (event_id, handled_at) VALUES ($1, now())",
                &[&event.id()],
            )
            .await
            .map_err(|error| error.to_string())?;
    }
    println!("handled {}", event.id());
    Ok(())
}

async fn work(backend: Backend) -> Result<(), Box<dyn std::error::Error>> {
    if let Backend::Postgres(_) = &backend {
        let url = std::env::var("INBOX_URL")?;
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
        tokio::spawn(connection);
        client
            .batch_execute(
                "CREATE TABLE IF NOT EXISTS handled_events (event_id text, handled_at timestamptz)",
            )
            .await?;
    }
    let workers = env_number("WORKERS", 4);
    let pause = Duration::from_millis(env_number("HANDLE_MS", 0));
    let fail_type = std::env::var("FAIL_TYPE").ok();
    let visibility = Duration::from_millis(env_number("VISIBILITY_MS", 30_000));
    tracing::info!("handling the inbox with {workers} workers; stops on Ctrl-C or SIGTERM");
    Worker::new(backend.store())
        .concurrency(workers as usize)
        .visibility_timeout(visibility)
        .run_until(
            move |delivery| handle(delivery, pause, fail_type.clone()),
            shutdown(),
        )
        .await;
    tracing::info!("stopped: every delivery in flight was finished");
    Ok(())
}

async fn receive(backend: Backend) -> Result<(), Box<dyn std::error::Error>> {
    let secret = std::env::var("WEBHOOK_SECRET").unwrap_or_else(|_| {
        tracing::warn!("WEBHOOK_SECRET is not set: using the fixed development secret");
        DEVELOPMENT_SECRET.to_owned()
    });
    let header = std::env::var("WEBHOOK_HEADER").unwrap_or_else(|_| "x-webhook-signature".into());
    let port = env_number("PORT", 3000);
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    tracing::info!("receiving on http://{}/webhook", listener.local_addr()?);
    axum::serve(listener, app(&backend, &secret, &header))
        .with_graceful_shutdown(shutdown())
        .await?;
    Ok(())
}

async fn dead_letters(backend: Backend) -> Result<(), Box<dyn std::error::Error>> {
    for dead in backend.store().dead_letters(100).await? {
        let event_id = dead.delivery.event_id().unwrap_or("(no id)");
        println!(
            "{}  event {event_id}  {} attempts  last error: {}",
            dead.id, dead.attempts, dead.error
        );
    }
    Ok(())
}

async fn requeue(backend: Backend, id: &str) -> Result<(), Box<dyn std::error::Error>> {
    match backend.store().requeue(id).await? {
        true => println!("requeued {id}"),
        false => println!("no dead letter {id}"),
    }
    Ok(())
}

/// Ctrl-C or SIGTERM.
async fn shutdown() {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("a SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value:?} is not a number")),
        Err(_) => default,
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str).unwrap_or("--help");
    if matches!(command, "--help" | "-h") {
        println!("{USAGE}");
        return Ok(());
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let url = std::env::var("INBOX_URL").map_err(|_| "INBOX_URL is not set: see --help")?;
    let name = std::env::var("INBOX_NAME").unwrap_or_else(|_| INBOX.to_owned());
    let dedupe = match std::env::var("DEDUPE").as_deref() {
        Ok("off") => false,
        Ok("on") | Err(_) => true,
        Ok(other) => return Err(format!("DEDUPE={other:?}: use on or off").into()),
    };
    let backend = Backend::open(&url, &name, dedupe).await?;
    match (command, args.get(1)) {
        ("receive", _) => receive(backend).await,
        ("work", _) => work(backend).await,
        ("dead", _) => dead_letters(backend).await,
        ("requeue", Some(id)) => requeue(backend, id).await,
        _ => Err(format!("unknown command {command:?}: see --help").into()),
    }
}

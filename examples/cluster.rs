//! Two receivers behind one Redis: the same event, delivered to both at once, is handled
//! exactly once.
//!
//! ```text
//! redis-server --daemonize yes          # or any Redis at REDIS_URL
//! cargo run --example cluster --features redis
//! ```
//!
//! It starts receivers on 127.0.0.1:3001 and 127.0.0.1:3002 (as two processes behind a
//! load balancer would be), each with its own connection to Redis, then delivers one
//! signed event to both, three times each, all at once, and prints what each delivery got:
//! one 200 from the handler, and 200 `webhook-duplicate: true` or 409 for the others. The
//! receivers keep running; send them more with
//! `cargo run --example send -- --url http://127.0.0.1:3002/webhook`.
//!
//! Environment: `REDIS_URL` (default `redis://127.0.0.1:6379`), `WEBHOOK_SECRET` (the
//! `receiver` example's development secret when unset).

use std::time::Duration;

use axum::extract::State;
use axum::{http::StatusCode, routing::post, Router};
use tower_webhook::dedupe::{RedisStore, DUPLICATE_HEADER};
use tower_webhook::{WebhookEvent, WebhookVerify};

/// The secret used when `WEBHOOK_SECRET` is unset. For development only.
const DEVELOPMENT_SECRET: &str = "development-secret-do-not-use-in-production";

const PORTS: [u16; 2] = [3001, 3002];

async fn handle(State(name): State<&'static str>, event: WebhookEvent) -> StatusCode {
    println!("{name}: handling {} ({})", event.id(), event.kind());
    // Slow enough that the copies arrive while it is in flight.
    tokio::time::sleep(Duration::from_millis(200)).await;
    StatusCode::OK
}

async fn receiver(
    name: &'static str,
    port: u16,
    secret: &str,
    redis_url: &str,
) -> Result<(), String> {
    let store = RedisStore::connect(redis_url).await.map_err(|error| {
        format!("no Redis at {redis_url} ({error}); start one with `redis-server --daemonize yes`")
    })?;
    let app = Router::new()
        .route("/webhook", post(handle))
        .with_state(name)
        .layer(WebhookVerify::new(secret).dedupe(store));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|error| format!("cannot listen on 127.0.0.1:{port}: {error}"))?;
    println!("{name} listening on http://127.0.0.1:{port}/webhook");
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(())
}

/// Delivers one signed event to every receiver three times, concurrently, then once more
/// to each after the first delivery has finished.
async fn deliver_duplicates(secret: &str) {
    let body = serde_json::json!({
        "id": format!("evt_cluster_{}", std::process::id()),
        "type": "order.paid",
        "payload": { "amount": 4200 },
    })
    .to_string();
    let signature = tower_webhook::sign(secret, &body);
    let client = reqwest::Client::new();
    let deliver = |port: u16| {
        let request = client
            .post(format!("http://127.0.0.1:{port}/webhook"))
            .header("x-webhook-signature", &signature)
            .header("content-type", "application/json")
            .body(body.clone());
        async move {
            match request.send().await {
                Ok(response) => {
                    let duplicate = response.headers().contains_key(DUPLICATE_HEADER);
                    let note = if duplicate {
                        " (duplicate: handler not run)"
                    } else {
                        ""
                    };
                    println!("  to :{port} -> {}{note}", response.status());
                }
                Err(error) => println!("  to :{port} failed: {error}"),
            }
        }
    };
    println!("\nthe same event six times, to both receivers at once:");
    futures_util::future::join_all(PORTS.iter().cycle().take(6).map(|port| deliver(*port))).await;
    println!("\nand again, once to each, after it was handled:");
    for port in PORTS {
        deliver(port).await;
    }
}

/// What `--help` prints.
const USAGE: &str = "\
Two receivers on ports 3001 and 3002 sharing one Redis; delivers one event to both six
times at once and prints what each delivery got, then runs until stopped (Ctrl-C).

usage: cargo run --example cluster --features redis

environment: REDIS_URL (default redis://127.0.0.1:6379), WEBHOOK_SECRET";

#[tokio::main]
async fn main() -> Result<(), String> {
    if std::env::args()
        .skip(1)
        .any(|arg| arg == "--help" || arg == "-h")
    {
        println!("{USAGE}");
        return Ok(());
    }
    let redis_url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let secret = std::env::var("WEBHOOK_SECRET").unwrap_or_else(|_| DEVELOPMENT_SECRET.into());

    receiver("receiver A", PORTS[0], &secret, &redis_url).await?;
    receiver("receiver B", PORTS[1], &secret, &redis_url).await?;

    deliver_duplicates(&secret).await;
    println!(
        "\nthe receivers keep running; try\n  \
         cargo run --example send -- --url http://127.0.0.1:{}/webhook\n\
         Ctrl-C to stop.",
        PORTS[1]
    );
    tokio::signal::ctrl_c()
        .await
        .map_err(|error| error.to_string())
}

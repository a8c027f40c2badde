//! `PostgresInbox` against the real server (`DATABASE_URL`, by default the local
//! `postgres://postgres@127.0.0.1/test`): the store contract, explicit migrations, and the
//! handler's writes committed with the delivery's completion, or not at all.

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use common::inbox::*;
use tower_webhook::inbox::{Backoff, Delivery, PostgresInbox, Store, Worker};

fn database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1/test".into())
}

/// A fresh inbox table with a name unique to this test run.
async fn fresh_inbox(test: &str) -> PostgresInbox {
    let name = format!("inbox_test_{test}_{}", std::process::id());
    let inbox = PostgresInbox::connect(&database_url(), &name)
        .await
        .unwrap();
    let client = raw_client().await;
    client
        .batch_execute(&format!(
            "DROP TABLE IF EXISTS \"{name}\";
             DO $$ BEGIN
                 IF to_regclass('tower_webhook_migrations') IS NOT NULL THEN
                     DELETE FROM tower_webhook_migrations WHERE inbox = '{name}';
                 END IF;
             END $$;"
        ))
        .await
        .unwrap();
    assert_eq!(inbox.migrate().await.unwrap(), 1);
    inbox
}

/// A plain connection, to look at the tables as another client would.
async fn raw_client() -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&database_url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

#[tokio::test]
async fn postgres_inbox_keeps_the_store_contract() {
    let inbox = fresh_inbox("contract").await;
    store_contract(Arc::new(inbox)).await;
}

#[tokio::test]
async fn migrations_are_explicit_idempotent_and_named_in_errors() {
    let name = format!("inbox_test_unmigrated_{}", std::process::id());
    let inbox = PostgresInbox::connect(&database_url(), &name)
        .await
        .unwrap();
    raw_client()
        .await
        .batch_execute(&format!(
            "DROP TABLE IF EXISTS \"{name}\";
             DELETE FROM tower_webhook_migrations WHERE inbox = '{name}';"
        ))
        .await
        .ok();
    // Nothing is created by using the inbox: the error says what to do.
    let (url, _) = receiver(inbox.clone(), false).await;
    assert_eq!(
        post_event(&client(), &url, "evt_1").await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let error = inbox
        .claim("c", Duration::from_secs(1), Duration::ZERO)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("does not exist: call PostgresInbox::migrate()"),
        "{error}"
    );
    assert_eq!(inbox.migrate().await.unwrap(), 1);
    assert_eq!(
        inbox.migrate().await.unwrap(),
        0,
        "a second migrate applies nothing"
    );
    assert_eq!(post_event(&client(), &url, "evt_1").await, StatusCode::OK);
}

#[tokio::test]
async fn a_bad_table_name_is_refused_at_connect() {
    let error = PostgresInbox::connect(&database_url(), "inbox; DROP TABLE x")
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("cannot name an inbox table"), "{error}");
}

#[tokio::test]
async fn the_handlers_writes_commit_with_the_completion_or_not_at_all() {
    let inbox = fresh_inbox("transaction").await;
    let effects = format!("effects_{}", std::process::id());
    let raw = raw_client().await;
    raw.batch_execute(&format!(
        "DROP TABLE IF EXISTS {effects}; CREATE TABLE {effects} (event_id text, attempt int)"
    ))
    .await
    .unwrap();
    let (url, _) = receiver(inbox.clone(), false).await;
    for id in ["evt_ok", "evt_fails_once"] {
        assert_eq!(post_event(&client(), &url, id).await, StatusCode::OK);
    }
    let insert = format!("INSERT INTO {effects} (event_id, attempt) VALUES ($1, $2)");
    let worker = Worker::new(inbox.clone())
        .backoff(Backoff {
            base: Duration::from_millis(50),
            max: Duration::from_millis(50),
        })
        .poll_wait(Duration::from_millis(100))
        .event_shape(EVENT_SHAPE);
    let run = tokio::spawn(worker.run(move |delivery: Delivery| {
        let insert = insert.clone();
        async move {
            let transaction = delivery.transaction().expect("a PostgreSQL delivery");
            let id = delivery.event_id().unwrap().to_owned();
            let attempt = delivery.attempt() as i32;
            transaction.execute(&insert, &[&id, &attempt]).await?;
            if id == "evt_fails_once" && attempt == 1 {
                return Err("fails after writing".into());
            }
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        }
    }));
    let mut rows = Vec::new();
    for _ in 0..100 {
        rows = raw
            .query(
                &format!("SELECT event_id, attempt FROM {effects} ORDER BY event_id"),
                &[],
            )
            .await
            .unwrap();
        if rows.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    run.abort();
    let rows: Vec<(String, i32)> = rows.iter().map(|row| (row.get(0), row.get(1))).collect();
    // The failed attempt's write was rolled back with it; the retry's committed.
    assert_eq!(
        rows,
        [("evt_fails_once".to_owned(), 2), ("evt_ok".to_owned(), 1)]
    );
    let left: i64 = raw
        .query_one(
            &format!(
                "SELECT count(*) FROM \"{}\" WHERE state <> 'done'",
                inbox.name()
            ),
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        left, 0,
        "handled deliveries are marked done in their transaction"
    );
}

#[tokio::test]
async fn a_worker_cancelled_mid_handler_leaves_no_effect_and_the_delivery_comes_back() {
    let inbox = fresh_inbox("cancelled").await;
    let (url, _) = receiver(inbox.clone(), false).await;
    assert_eq!(post_event(&client(), &url, "evt_1").await, StatusCode::OK);
    let effects = format!("effects_cancel_{}", std::process::id());
    let raw = raw_client().await;
    raw.batch_execute(&format!(
        "DROP TABLE IF EXISTS {effects}; CREATE TABLE {effects} (event_id text)"
    ))
    .await
    .unwrap();
    let insert = format!("INSERT INTO {effects} (event_id) VALUES ($1)");
    let (wrote, written) = tokio::sync::oneshot::channel::<()>();
    let wrote = std::sync::Mutex::new(Some(wrote));
    let stuck = Worker::new(inbox.clone())
        .visibility_timeout(Duration::from_millis(500))
        .run(move |delivery: Delivery| {
            let insert = insert.clone();
            let wrote = wrote.lock().unwrap().take();
            async move {
                let transaction = delivery.transaction().unwrap();
                transaction
                    .execute(&insert, &[&delivery.event_id()])
                    .await?;
                if let Some(wrote) = wrote {
                    let _ = wrote.send(());
                }
                std::future::pending::<()>().await;
                Ok::<_, tokio_postgres::Error>(())
            }
        });
    let stuck = tokio::spawn(stuck);
    written.await.unwrap();
    stuck.abort();
    let _ = stuck.await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let count: i64 = raw
        .query_one(&format!("SELECT count(*) FROM {effects}"), &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 0, "the cancelled handler's write was rolled back");
    let claimed = claim(&inbox, Duration::from_secs(30)).await;
    assert_eq!(claimed.receipt.attempt(), 2);
    inbox.complete(claimed.receipt).await.unwrap();
}

const EVENT_SHAPE: tower_webhook::scheme::EventShape =
    tower_webhook::scheme::EventShape::ID_TYPE_DATA;

#[tokio::test]
async fn an_event_already_stored_is_acknowledged_and_not_stored_again() {
    let inbox = fresh_inbox("repeat").await;
    let (url, _) = receiver(inbox.clone(), false).await;
    let client = client();
    // Concurrent repeats, then one after the event was handled: one row, every one 200.
    let sends: Vec<_> = (0..8)
        .map(|_| {
            let (client, url) = (client.clone(), url.clone());
            tokio::spawn(async move { post_event(&client, &url, "evt_once").await })
        })
        .collect();
    for send in sends {
        assert_eq!(send.await.unwrap(), StatusCode::OK);
    }
    let claimed = claim(&inbox, Duration::from_secs(30)).await;
    inbox.complete(claimed.receipt).await.unwrap();
    assert_eq!(post_event(&client, &url, "evt_once").await, StatusCode::OK);
    assert_empty(&inbox).await;
    let rows = || async {
        let count: i64 = raw_client()
            .await
            .query_one(&format!("SELECT count(*) FROM \"{}\"", inbox.name()), &[])
            .await
            .unwrap()
            .get(0);
        count
    };
    assert_eq!(rows().await, 1);
    // Purging handled rows older than a day keeps it; older than nothing removes it.
    assert_eq!(
        inbox
            .purge_handled(Duration::from_secs(86_400))
            .await
            .unwrap(),
        0
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(
        inbox.purge_handled(Duration::from_millis(1)).await.unwrap(),
        1
    );
    assert_eq!(rows().await, 0);
}

#[tokio::test]
async fn a_claims_transaction_carries_its_visibility_timeout_to_the_server() {
    let inbox = fresh_inbox("idle_timeout").await;
    let (url, _) = receiver(inbox.clone(), false).await;
    assert_eq!(post_event(&client(), &url, "evt_1").await, StatusCode::OK);
    let claimed = claim(&inbox, Duration::from_millis(1_500)).await;
    let transaction = claimed.delivery.transaction().unwrap();
    let timeout: String = transaction
        .query_one("SHOW idle_in_transaction_session_timeout", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(timeout, "1500ms");
    inbox.complete(claimed.receipt).await.unwrap();
}

#[tokio::test]
async fn a_waiting_claim_is_woken_when_a_delivery_is_stored_or_requeued_elsewhere() {
    // Looking at the table only once an hour: only a notification wakes the claim in time.
    let inbox = fresh_inbox("woken")
        .await
        .idle_poll(Duration::from_secs(3600));
    // Another receiver, as in another process: its own pool and listener.
    let other = PostgresInbox::connect(&database_url(), inbox.name())
        .await
        .unwrap();
    let (url, _) = receiver(other.clone(), false).await;
    let waiting = |inbox: PostgresInbox| {
        tokio::spawn(async move {
            inbox
                .claim("c", Duration::from_secs(30), Duration::from_secs(600))
                .await
        })
    };
    let in_time = Duration::from_secs(20);

    let claim = waiting(inbox.clone());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        post_event(&client(), &url, "evt_woken").await,
        StatusCode::OK
    );
    let claimed = tokio::time::timeout(in_time, claim)
        .await
        .expect("woken by the delivery stored")
        .unwrap()
        .unwrap()
        .expect("a delivery");
    assert_eq!(claimed.delivery.event_id(), Some("evt_woken"));
    inbox.bury(claimed.receipt, "to requeue").await.unwrap();

    let claim = waiting(inbox.clone());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let dead = other.dead_letters(10).await.unwrap();
    assert!(other.requeue(&dead[0].id).await.unwrap());
    let claimed = tokio::time::timeout(in_time, claim)
        .await
        .expect("woken by the delivery requeued")
        .unwrap()
        .unwrap()
        .expect("a delivery");
    assert_eq!(claimed.delivery.event_id(), Some("evt_woken"));
    inbox.complete(claimed.receipt).await.unwrap();
}

//! The inbox with `MemoryInbox`: the store contract, the layer's acknowledgement, and
//! workers (retries, dead letters, requeue, shutdown), over real loopback HTTP.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use common::inbox::*;
use tokio::sync::Notify;
use tower_webhook::inbox::{Backoff, Delivery, Inbox, MemoryInbox, Store, Worker};

/// Fast retries, so that tests do not wait.
const FAST: Backoff = Backoff {
    base: Duration::from_millis(20),
    max: Duration::from_millis(50),
};

fn worker(inbox: &Arc<MemoryInbox>) -> Worker {
    Worker::new(Arc::clone(inbox))
        .backoff(FAST)
        .poll_wait(Duration::from_millis(100))
        .event_shape(standard().shape())
}

#[tokio::test]
async fn memory_inbox_keeps_the_store_contract() {
    store_contract(Arc::new(MemoryInbox::new(1_000))).await;
}

#[tokio::test]
async fn workers_handle_each_stored_event_once_with_the_extractors_types() {
    let inbox = Arc::new(MemoryInbox::new(1_000));
    let (url, calls) = receiver(Arc::clone(&inbox), false).await;
    let client = client();
    for n in 0..20 {
        assert_eq!(
            post_event(&client, &url, &format!("evt_{n}")).await,
            StatusCode::OK
        );
    }
    let handled = handle_all(worker(&inbox).concurrency(4), 20).await;
    assert!(handled.values().all(|&n| n == 1), "{handled:?}");
    assert!(inbox.is_empty(), "handled deliveries are removed");
    assert_eq!(*calls.lock().unwrap(), 0);
}

#[tokio::test]
async fn failures_are_retried_then_buried_then_requeued() {
    let inbox = Arc::new(MemoryInbox::new(1_000));
    let (url, _) = receiver(Arc::clone(&inbox), false).await;
    assert_eq!(post_event(&client(), &url, "evt_bad").await, StatusCode::OK);
    let attempts = Arc::new(Mutex::new(Vec::new()));
    let fail = Arc::new(Mutex::new(true));
    let (seen, failing) = (Arc::clone(&attempts), Arc::clone(&fail));
    let run = tokio::spawn(
        worker(&inbox)
            .max_attempts(3)
            .run(move |delivery: Delivery| {
                seen.lock().unwrap().push(delivery.attempt());
                let failing = *failing.lock().unwrap();
                async move {
                    match failing {
                        true => Err("the downstream API said no"),
                        false => Ok(()),
                    }
                }
            }),
    );
    eventually("a dead letter", || {
        inbox.len() == 1 && attempts.lock().unwrap().len() == 3
    })
    .await;
    let dead = inbox.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(
        (dead[0].attempts, dead[0].error.as_str()),
        (3, "the downstream API said no")
    );
    assert_eq!(*attempts.lock().unwrap(), [1, 2, 3]);

    *fail.lock().unwrap() = false;
    assert!(inbox.requeue(&dead[0].id).await.unwrap());
    eventually("the requeued delivery handled", || inbox.is_empty()).await;
    assert_eq!(*attempts.lock().unwrap(), [1, 2, 3, 1]);
    run.abort();
}

#[tokio::test]
async fn a_panicking_handler_is_a_failed_attempt() {
    let inbox = Arc::new(MemoryInbox::new(1_000));
    let (url, _) = receiver(Arc::clone(&inbox), false).await;
    assert_eq!(
        post_event(&client(), &url, "evt_panic").await,
        StatusCode::OK
    );
    let run = tokio::spawn(
        worker(&inbox)
            .max_attempts(2)
            .run(|_delivery: Delivery| async {
                if true {
                    panic!("handler bug");
                }
                Ok::<_, std::io::Error>(())
            }),
    );
    eventually("a dead letter", || {
        futures_util::FutureExt::now_or_never(inbox.dead_letters(1))
            .is_some_and(|dead| dead.unwrap().len() == 1)
    })
    .await;
    let dead = inbox.dead_letters(1).await.unwrap();
    assert_eq!(dead[0].error, "the handler panicked");
    run.abort();
}

#[tokio::test]
async fn a_full_inbox_answers_503_and_stores_nothing() {
    let inbox = Arc::new(MemoryInbox::new(2));
    let (url, calls) = receiver(Arc::clone(&inbox), false).await;
    let client = client();
    assert_eq!(post_event(&client, &url, "evt_1").await, StatusCode::OK);
    assert_eq!(post_event(&client, &url, "evt_2").await, StatusCode::OK);
    assert_eq!(
        post_event(&client, &url, "evt_3").await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(inbox.len(), 2);
    assert_eq!(*calls.lock().unwrap(), 0);
}

#[tokio::test]
async fn with_dedupe_a_duplicate_is_never_stored_twice() {
    let inbox = Arc::new(MemoryInbox::new(1_000));
    let (url, _) = receiver(Arc::clone(&inbox), true).await;
    let client = client();
    let sends: Vec<_> = (0..16)
        .map(|_| {
            let (client, url) = (client.clone(), url.clone());
            tokio::spawn(async move { post_event(&client, &url, "evt_dup").await })
        })
        .collect();
    let mut statuses = Vec::new();
    for send in sends {
        statuses.push(send.await.unwrap());
    }
    // One stored; the rest duplicates (200) or in flight at that moment (409).
    assert!(statuses
        .iter()
        .all(|status| [StatusCode::OK, StatusCode::CONFLICT].contains(status)));
    assert_eq!(inbox.len(), 1, "{statuses:?}");
    assert_eq!(post_event(&client, &url, "evt_dup").await, StatusCode::OK);
    assert_eq!(inbox.len(), 1);
}

#[tokio::test]
async fn the_acknowledgement_status_is_configurable() {
    let inbox = Arc::new(MemoryInbox::new(10));
    let (url, _) = receiver(
        Inbox::new(Arc::clone(&inbox))
            .status(StatusCode::ACCEPTED)
            .keep_header("webhook-id"),
        false,
    )
    .await;
    assert_eq!(
        post_event(&client(), &url, "evt_1").await,
        StatusCode::ACCEPTED
    );
    let claimed = claim(&*inbox, Duration::from_secs(30)).await;
    let headers = claimed.delivery.headers();
    assert_eq!(headers["webhook-id"], "evt_1");
    assert!(
        headers.get("webhook-signature").is_none(),
        "kept a header not asked for"
    );
}

#[test]
#[should_panic(expected = "must be acknowledged with a 2xx")]
fn a_non_2xx_acknowledgement_is_a_configuration_mistake() {
    let _ = Inbox::new(MemoryInbox::new(10)).status(StatusCode::FOUND);
}

#[tokio::test]
async fn shutdown_finishes_the_delivery_in_flight_and_claims_nothing_new() {
    let inbox = Arc::new(MemoryInbox::new(1_000));
    let (url, _) = receiver(Arc::clone(&inbox), false).await;
    let client = client();
    assert_eq!(post_event(&client, &url, "evt_slow").await, StatusCode::OK);
    assert_eq!(post_event(&client, &url, "evt_next").await, StatusCode::OK);
    let started = Arc::new(Notify::new());
    let handled = Arc::new(Mutex::new(Vec::new()));
    let (began, done) = (Arc::clone(&started), Arc::clone(&handled));
    let stop = Arc::new(Notify::new());
    let stopped = Arc::clone(&stop);
    let run = tokio::spawn(worker(&inbox).run_until(
        move |delivery: Delivery| {
            let (began, done) = (Arc::clone(&began), Arc::clone(&done));
            async move {
                began.notify_one();
                tokio::time::sleep(Duration::from_millis(300)).await;
                done.lock()
                    .unwrap()
                    .push(delivery.event_id().unwrap().to_owned());
                Ok::<_, std::io::Error>(())
            }
        },
        async move { stopped.notified().await },
    ));
    started.notified().await;
    stop.notify_one();
    run.await.unwrap();
    assert_eq!(*handled.lock().unwrap(), ["evt_slow"]);
    assert_eq!(inbox.len(), 1, "the second delivery stays stored");
}

#[test]
fn the_backoff_doubles_up_to_its_maximum_with_jitter() {
    let backoff = Backoff {
        base: Duration::from_secs(1),
        max: Duration::from_secs(60),
    };
    for (attempt, full) in [(1, 1), (2, 2), (3, 4), (7, 60), (40, 60), (u32::MAX, 60)] {
        let full = Duration::from_secs(full);
        let delays: Vec<Duration> = (0..50).map(|_| backoff.delay(attempt)).collect();
        assert!(
            delays
                .iter()
                .all(|delay| *delay >= full / 2 && *delay <= full),
            "attempt {attempt}: {delays:?}"
        );
        assert!(
            delays.iter().any(|delay| *delay != delays[0]),
            "attempt {attempt}: no jitter"
        );
    }
}

#[tokio::test]
async fn a_worker_reads_an_event_whose_type_and_id_are_in_headers() {
    use tower::ServiceExt as _;
    use tower_webhook::WebhookVerify;
    let inbox = Arc::new(MemoryInbox::new(10));
    let github = WebhookVerify::github("gh-secret");
    let body = br#"{"action":"opened","number":7}"#;
    let signed = github.sign(body);
    let delivery_id = signed["x-github-delivery"].to_str().unwrap().to_owned();
    let mut request = http::Request::post("/webhook")
        .header("x-github-event", "pull_request")
        .body(axum::body::Body::from(&body[..]))
        .unwrap();
    request.headers_mut().extend(signed);
    let app = axum::Router::new()
        .route("/webhook", axum::routing::post(|| async {}))
        .layer(github.clone().inbox(Arc::clone(&inbox)));
    assert_eq!(app.oneshot(request).await.unwrap().status(), StatusCode::OK);

    let seen = Arc::new(Mutex::new(None));
    let kept = Arc::clone(&seen);
    let stored = Arc::clone(&inbox);
    Worker::new(Arc::clone(&inbox))
        .poll_wait(Duration::from_millis(20))
        .event_shape(github.shape())
        .run_until(
            move |delivery: Delivery| {
                let kept = Arc::clone(&kept);
                async move {
                    let event: tower_webhook::WebhookEvent = delivery.event()?;
                    *kept.lock().unwrap() = Some((event.id().to_owned(), event.kind().to_owned()));
                    Ok::<_, tower_webhook::EventRejection>(())
                }
            },
            async move { eventually("handled", || stored.is_empty()).await },
        )
        .await;
    assert_eq!(
        seen.lock().unwrap().clone(),
        Some((delivery_id, "pull_request".to_owned()))
    );
}

//! What the layer tells the operator about the requests it refuses, with the `metrics`
//! feature: a counter per outcome and per reason, with exact values.
#![cfg(feature = "metrics")]

mod common;

use common::report::*;
use common::*;

/// The counters, read from a `DebuggingRecorder` installed on the test's own thread.
mod counters {
    use std::collections::BTreeMap;

    use axum::http::StatusCode;
    use bytes::Bytes;
    use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
    use tower_webhook::dedupe::{MemoryStore, DUPLICATE_HEADER};

    use super::*;

    /// Every counter recorded, as `name{label=value,..}` and its value.
    fn counters(snapshotter: &Snapshotter) -> BTreeMap<String, u64> {
        snapshotter
            .snapshot()
            .into_vec()
            .into_iter()
            .map(|(key, _, _, value)| {
                let key = key.key();
                let labels: Vec<String> = key
                    .labels()
                    .map(|label| format!("{}={}", label.key(), label.value()))
                    .collect();
                let name = if labels.is_empty() {
                    key.name().to_owned()
                } else {
                    format!("{}{{{}}}", key.name(), labels.join(","))
                };
                let DebugValue::Counter(count) = value else {
                    panic!("{name} is not a counter");
                };
                (name, count)
            })
            .collect()
    }

    /// Runs `requests` with a fresh recorder and returns the counters they left.
    fn counted(requests: impl std::future::Future<Output = ()>) -> BTreeMap<String, u64> {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        metrics::with_local_recorder(&recorder, || block_on(requests));
        counters(&snapshotter)
    }

    fn expect(counts: &[(&str, u64)]) -> BTreeMap<String, u64> {
        counts
            .iter()
            .map(|(name, count)| ((*name).to_owned(), *count))
            .collect()
    }

    #[test]
    fn each_outcome_and_each_reason_has_its_own_count() {
        const VALID: u64 = 7;
        const FORGED: u64 = 5;
        const UNSIGNED: u64 = 3;
        let app = echo_app(protocol_layer());
        let forged = forged_signatures();

        let counts = counted(async {
            for _ in 0..VALID {
                let reply = send(app.clone(), protocol_request(BODY.as_bytes())).await;
                assert_eq!(reply.status, StatusCode::OK);
            }
            for i in 0..FORGED as usize {
                let request = post_with(&[(SIGNATURE_HEADER, &forged[i % forged.len()])], BODY);
                assert_eq!(send(app.clone(), request).await.status, 400);
            }
            for _ in 0..UNSIGNED {
                assert_eq!(send(app.clone(), post_with(&[], BODY)).await.status, 400);
            }
        });

        assert_eq!(
            counts,
            expect(&[
                (
                    "tower_webhook_rejected_total{reason=missing_header}",
                    UNSIGNED
                ),
                (
                    "tower_webhook_rejected_total{reason=signature_mismatch}",
                    FORGED
                ),
                ("tower_webhook_verified_total", VALID),
            ])
        );
    }

    #[test]
    fn a_duplicate_is_counted_as_verified_and_as_a_duplicate() {
        let app = echo_app(protocol_layer().dedupe(MemoryStore::new()));

        let counts = counted(async {
            let first = send(app.clone(), protocol_request(BODY.as_bytes())).await;
            assert_eq!(first.status, StatusCode::OK);
            assert_eq!(first.body, Bytes::from(BODY));
            let again = send(app.clone(), protocol_request(BODY.as_bytes())).await;
            assert_eq!(again.status, StatusCode::OK);
            assert_eq!(again.headers[DUPLICATE_HEADER], "true");
            assert!(again.body.is_empty(), "the handler did not run again");
        });

        assert_eq!(
            counts,
            expect(&[
                ("tower_webhook_duplicate_total", 1),
                ("tower_webhook_verified_total", 2),
            ])
        );
    }

    #[test]
    fn verify_outside_tower_is_counted_as_the_layer_is() {
        let verify = protocol_layer();
        let (head, ()) = post_with(&[(SIGNATURE_HEADER, &forged_signatures()[0])], BODY)
            .map(|_| ())
            .into_parts();
        let (signed, ()) = protocol_request(BODY.as_bytes()).map(|_| ()).into_parts();

        let counts = counted(async {
            assert!(verify.verify(&signed, Bytes::from(BODY)).is_ok());
            let rejection = verify.verify(&head, Bytes::from(BODY)).unwrap_err();
            assert_eq!(rejection.to_string(), "signature does not match");
        });

        assert_eq!(
            counts,
            expect(&[
                ("tower_webhook_rejected_total{reason=signature_mismatch}", 1),
                ("tower_webhook_verified_total", 1),
            ])
        );
    }

    #[test]
    fn the_inbox_counts_what_it_stores_refuses_and_handles() {
        use std::sync::Arc;
        use std::time::Duration;
        use tower_webhook::inbox::{Backoff, Delivery, MemoryInbox, Store, Worker};

        let inbox = Arc::new(MemoryInbox::new(2));
        let app = echo_app(protocol_layer().inbox(Arc::clone(&inbox)));
        let body = |id: &str| format!(r#"{{"id":"{id}","type":"t","payload":{{}}}}"#);

        let counts = counted(async {
            for id in ["evt_ok", "evt_bad", "evt_full"] {
                let reply = send(app.clone(), protocol_request(body(id).as_bytes())).await;
                let expected = if id == "evt_full" { 503 } else { 200 };
                assert_eq!(reply.status, expected, "{id}");
            }
            let worker = Worker::new(Arc::clone(&inbox))
                .max_attempts(2)
                .poll_wait(Duration::from_millis(20))
                .backoff(Backoff {
                    base: Duration::from_millis(10),
                    max: Duration::from_millis(10),
                });
            let watched = Arc::clone(&inbox);
            let settled = async move {
                while watched.len() != 1 || watched.dead_letters(1).await.unwrap().is_empty() {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            };
            let handle = |delivery: Delivery| async move {
                match delivery.event_id() {
                    Some("evt_bad") => Err("refused downstream"),
                    _ => Ok(()),
                }
            };
            worker.run_until(handle, settled).await;
        });

        assert_eq!(
            counts,
            expect(&[
                ("tower_webhook_inbox_handled_total{outcome=dead}", 1),
                ("tower_webhook_inbox_handled_total{outcome=done}", 1),
                ("tower_webhook_inbox_handled_total{outcome=retry}", 1),
                ("tower_webhook_inbox_stored_total", 2),
                ("tower_webhook_rejected_total{reason=inbox_unavailable}", 1),
                ("tower_webhook_verified_total", 3),
            ])
        );
    }
}

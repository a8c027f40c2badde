//! What the layer tells the operator about the requests it refuses: in the logs, a `debug`
//! line each and at most one `warn` line per reason per minute, however many arrive, naming
//! the reason only; with the `metrics` feature, a counter per outcome and per reason.

mod common;

use std::future::Future;

use axum::http::StatusCode;
use common::*;

/// The event every test sends; its marker must never reach a log line.
const BODY: &str =
    r#"{"id":"evt_1","type":"message.created","payload":{"note":"KevinMcCallister"}}"#;
const BODY_MARKER: &str = "KevinMcCallister";

/// Signatures a forger could send for [`BODY`]: made with the wrong secret, copied from
/// another body, and made up.
fn forged_signatures() -> [String; 3] {
    [
        hmac_hex(b"not the secret", BODY.as_bytes()),
        hmac_hex(SECRET.as_bytes(), b"{}"),
        "0".repeat(64),
    ]
}

/// Runs `future` to completion on this thread, so thread-local recorders and subscribers
/// see everything it does.
fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

const FORGERIES: usize = 10_000;

#[test]
fn a_flood_of_forgeries_is_warned_about_once_per_reason_naming_only_the_reason() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .without_time()
        .with_writer(capture.clone())
        .finish();
    let app = echo_app(protocol_layer());
    let forged = forged_signatures();

    tracing::subscriber::with_default(subscriber, || {
        // Other tests in this binary run on other threads with no subscriber; a callsite
        // first seen there may have cached "never interested". Ask again under this one.
        tracing::callsite::rebuild_interest_cache();
        block_on(async {
            for i in 0..FORGERIES {
                let request = post_with(&[(SIGNATURE_HEADER, &forged[i % forged.len()])], BODY);
                let reply = send(app.clone(), request).await;
                assert_eq!(reply.status, StatusCode::BAD_REQUEST);
                assert_eq!(reply.text(), "signature does not match");
            }
            for _ in 0..3 {
                let reply = send(app.clone(), post_with(&[], BODY)).await;
                assert_eq!(reply.status, StatusCode::BAD_REQUEST);
            }
        })
    });

    let logs = capture.text();
    // A debug line for every rejection.
    assert_eq!(logs.matches("webhook rejected").count(), FORGERIES + 3);

    let warns: Vec<&str> = logs
        .lines()
        .filter(|line| line.trim_start().starts_with("WARN"))
        .collect();
    let mismatches: Vec<&str> = warns
        .iter()
        .copied()
        .filter(|line| line.contains(r#"kind="signature_mismatch""#))
        .collect();
    // One line per minute: a few, should the run straddle a minute on a slow machine.
    assert!(
        (1..=3).contains(&mismatches.len()),
        "{} warn lines for {FORGERIES} forgeries:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert!(
        mismatches[0].contains("reason=signature does not match"),
        "{}",
        mismatches[0]
    );
    assert!(mismatches[0].contains("count=1"), "{}", mismatches[0]);

    // Another reason is not hidden behind the first one's line.
    let missing: Vec<&str> = warns
        .iter()
        .copied()
        .filter(|line| line.contains(r#"kind="missing_header""#))
        .collect();
    assert_eq!(missing.len(), 1, "{}", warns.join("\n"));
    assert!(
        missing[0].contains("reason=missing header `x-protocol-signature`"),
        "{}",
        missing[0]
    );
    assert_eq!(warns.len(), mismatches.len() + missing.len());

    let expected = hmac_hex(SECRET.as_bytes(), BODY.as_bytes());
    for line in logs.lines() {
        let lower = line.to_lowercase();
        assert!(!lower.contains(&SECRET.to_lowercase()), "secret in: {line}");
        assert!(!line.contains(BODY_MARKER), "body in: {line}");
        assert!(!lower.contains(&expected), "expected signature in: {line}");
        for signature in &forged {
            assert!(!lower.contains(signature), "sent signature in: {line}");
        }
    }
}

/// The counters, read from a `DebuggingRecorder` installed on the test's own thread.
#[cfg(feature = "metrics")]
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
}

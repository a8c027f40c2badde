//! What the layer tells the operator about the requests it refuses, in the logs: a `debug`
//! line each and at most one `warn` line per reason per minute, however many arrive, naming
//! the reason only. (The counters are in `report_metrics.rs`: this binary holds one test,
//! so no other test's requests share tracing's callsite cache with its subscriber.)

mod common;

use axum::http::StatusCode;
use common::report::*;
use common::*;

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

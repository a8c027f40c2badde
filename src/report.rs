//! What the layer tells the operator: a `warn` line per rejection reason per interval, and
//! counters through the `metrics` facade (feature `metrics`).
//!
//! Counters (all `counter`s, without labels unless named):
//! - `tower_webhook_verified_total`: requests whose signature verified.
//! - `tower_webhook_rejected_total`, label `reason` ([`RejectionKind::as_str`]): refused
//!   requests.
//! - `tower_webhook_duplicate_total`: verified duplicates of handled events, answered
//!   without running the handler.
//! - `tower_webhook_store_unavailable_total`: times the dedupe store did not answer
//!   (whether the event was then refused or, with fail-open, handled).
//! - `tower_webhook_inbox_stored_total`: verified deliveries stored in the inbox
//!   (a store that did not answer counts as a rejection, `inbox_unavailable`).
//! - `tower_webhook_inbox_handled_total`, label `outcome` (`done`, `retry`, `dead`):
//!   attempts of the inbox's [`Worker`](crate::inbox::Worker)s.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::rejection::{Rejection, RejectionKind};

/// How often a `warn` line is written per rejection reason, at most.
pub(crate) const WARN_INTERVAL: Duration = Duration::from_secs(60);

/// Allows one `warn` line per [`WARN_INTERVAL`] for one kind of event, and counts the
/// events each line stands for.
#[derive(Default)]
pub(crate) struct Throttle {
    /// Milliseconds since the process's first throttle before which no line is written.
    next_warn: AtomicU64,
    /// Events since the last line.
    unreported: AtomicU64,
}

impl Throttle {
    /// Counts one event; returns the count to report when a line is due now.
    pub(crate) fn event(&self) -> Option<u64> {
        static STARTED: OnceLock<Instant> = OnceLock::new();
        self.unreported.fetch_add(1, Ordering::Relaxed);
        let now = STARTED.get_or_init(Instant::now).elapsed().as_millis() as u64;
        let next = self.next_warn.load(Ordering::Relaxed);
        let interval = WARN_INTERVAL.as_millis() as u64;
        let due = now >= next
            && self
                .next_warn
                .compare_exchange(next, now + interval, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok();
        due.then(|| self.unreported.swap(0, Ordering::Relaxed))
    }
}

impl fmt::Debug for Throttle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Throttle").finish_non_exhaustive()
    }
}

/// The [`Throttle`] of each rejection reason.
#[derive(Default)]
pub(crate) struct RejectionLog {
    reasons: [Throttle; RejectionKind::ALL.len()],
}

impl RejectionLog {
    /// Records a rejection: a `debug` line each time, and a `warn` line with the count of
    /// rejections for that reason since the last one, at most once per [`WARN_INTERVAL`].
    /// The line names the reason only: never a signature, a secret or a body.
    pub(crate) fn rejected(&self, rejection: &Rejection) {
        let kind = rejection.kind();
        tracing::debug!(reason = %rejection, "webhook rejected");
        #[cfg(feature = "metrics")]
        metrics::counter!("tower_webhook_rejected_total", "reason" => kind.as_str()).increment(1);
        if let Some(count) = self.reasons[kind as usize].event() {
            tracing::warn!(
                reason = %rejection,
                kind = kind.as_str(),
                count,
                "webhook requests refused: {count} for this reason since the last such line \
                 (at most one line per reason per minute)"
            );
        }
    }
}

/// Counts a request whose signature verified.
pub(crate) fn verified() {
    #[cfg(feature = "metrics")]
    metrics::counter!("tower_webhook_verified_total").increment(1);
}

/// Counts a duplicate answered without running the handler.
pub(crate) fn duplicate() {
    #[cfg(feature = "metrics")]
    metrics::counter!("tower_webhook_duplicate_total").increment(1);
}

/// Counts a delivery stored in the inbox.
pub(crate) fn stored() {
    #[cfg(feature = "metrics")]
    metrics::counter!("tower_webhook_inbox_stored_total").increment(1);
}

/// Counts a dedupe store that did not answer.
pub(crate) fn store_unavailable() {
    #[cfg(feature = "metrics")]
    metrics::counter!("tower_webhook_store_unavailable_total").increment(1);
}

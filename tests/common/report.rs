//! What `tests/report.rs` and `tests/report_metrics.rs` share.

use std::future::Future;

use super::*;

/// The event every test sends; its marker must never reach a log line.
pub const BODY: &str =
    r#"{"id":"evt_1","type":"message.created","payload":{"note":"KevinMcCallister"}}"#;
pub const BODY_MARKER: &str = "KevinMcCallister";

/// Signatures a forger could send for [`BODY`]: made with the wrong secret, copied from
/// another body, and made up.
pub fn forged_signatures() -> [String; 3] {
    [
        hmac_hex(b"not the secret", BODY.as_bytes()),
        hmac_hex(SECRET.as_bytes(), b"{}"),
        "0".repeat(64),
    ]
}

/// Runs `future` to completion on this thread, so thread-local recorders and subscribers
/// see everything it does.
pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

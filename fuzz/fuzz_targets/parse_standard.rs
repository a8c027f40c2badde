//! `StandardWebhooks::parse` on arbitrary id, timestamp and signature values.
#![no_main]

use http::HeaderName;
use libfuzzer_sys::fuzz_target;
use tower_webhook::scheme::StandardWebhooks;
use tower_webhook_fuzz::{headers_from_lines, parse_round_trip};

const NAMES: [HeaderName; 3] = [
    HeaderName::from_static("webhook-id"),
    HeaderName::from_static("webhook-timestamp"),
    HeaderName::from_static("webhook-signature"),
];

fuzz_target!(|data: &[u8]| {
    parse_round_trip(&StandardWebhooks, &headers_from_lines(data, &NAMES));
});

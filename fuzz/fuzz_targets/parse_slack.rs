//! `Slack::parse` on arbitrary signature and timestamp values.
#![no_main]

use http::HeaderName;
use libfuzzer_sys::fuzz_target;
use tower_webhook::scheme::Slack;
use tower_webhook_fuzz::{headers_from_lines, parse_round_trip};

const NAMES: [HeaderName; 2] = [
    HeaderName::from_static("x-slack-signature"),
    HeaderName::from_static("x-slack-request-timestamp"),
];

fuzz_target!(|data: &[u8]| {
    parse_round_trip(&Slack, &headers_from_lines(data, &NAMES));
});

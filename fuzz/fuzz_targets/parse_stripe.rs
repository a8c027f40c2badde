//! `Stripe::parse` on arbitrary `Stripe-Signature` values.
#![no_main]

use http::HeaderName;
use libfuzzer_sys::fuzz_target;
use tower_webhook::scheme::Stripe;
use tower_webhook_fuzz::{headers_from_lines, parse_round_trip};

fuzz_target!(|data: &[u8]| {
    parse_round_trip(
        &Stripe,
        &headers_from_lines(data, &[HeaderName::from_static("stripe-signature")]),
    );
});

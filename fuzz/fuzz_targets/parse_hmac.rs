//! `HmacScheme::parse` (plain hex, GitHub, Shopify; the first byte picks) on arbitrary
//! header values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tower_webhook_fuzz::{headers_from_lines, hmac_scheme, parse_round_trip};

fuzz_target!(|data: &[u8]| {
    let Some((selector, rest)) = data.split_first() else {
        return;
    };
    let scheme = hmac_scheme(*selector);
    let names = [scheme.header().clone()];
    parse_round_trip(&scheme, &headers_from_lines(rest, &names));
});

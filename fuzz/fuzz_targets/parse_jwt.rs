//! `BodyHashJwt::parse` and `signed_content` (Netlify's `X-Webhook-Signature`, Vonage's
//! `Authorization: Bearer` with `iat` and `jti`; byte 0 picks) on arbitrary tokens. Input
//! format: see `src/lib.rs`.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use tower_webhook::WebhookVerify;
use tower_webhook_fuzz::{fuzz_parsers, Parser};

static PARSERS: LazyLock<Vec<Parser>> = LazyLock::new(|| {
    vec![
        Parser::new(WebhookVerify::netlify("s"), &["x-webhook-signature"]),
        Parser::new(WebhookVerify::vonage("s"), &["authorization"]),
    ]
});

fuzz_target!(|data: &[u8]| {
    fuzz_parsers(&PARSERS, data);
});

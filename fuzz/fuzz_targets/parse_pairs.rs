//! `PairScheme::parse` and `signed_content` (Stripe, Calendly, Mux, Persona's groups,
//! WorkOS's `, ` and milliseconds, Sanity's base64url, Paddle's `ts=;h1=`; byte 0 picks) on
//! arbitrary header values. Input format: see `src/lib.rs`.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use tower_webhook::WebhookVerify;
use tower_webhook_fuzz::{fuzz_parsers, Parser};

static PARSERS: LazyLock<Vec<Parser>> = LazyLock::new(|| {
    vec![
        Parser::new(WebhookVerify::stripe("s"), &["stripe-signature"]),
        Parser::new(
            WebhookVerify::calendly("s"),
            &["calendly-webhook-signature"],
        ),
        Parser::new(WebhookVerify::mux("s"), &["mux-signature"]),
        Parser::new(WebhookVerify::persona("s"), &["persona-signature"]),
        Parser::new(WebhookVerify::workos("s"), &["workos-signature"]),
        Parser::new(WebhookVerify::sanity("s"), &["sanity-webhook-signature"]),
        Parser::new(WebhookVerify::paddle("s"), &["paddle-signature"]),
    ]
});

fuzz_target!(|data: &[u8]| {
    fuzz_parsers(&PARSERS, data);
});

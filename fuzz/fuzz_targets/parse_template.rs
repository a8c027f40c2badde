//! `TemplateScheme::parse` and `signed_content` (Zoom, Twitch's RFC 3339 and id, Zendesk,
//! Webflow's milliseconds, Box's two signatures and fixed headers, Linear's timestamp in
//! the body; byte 0 picks) on arbitrary header values and bodies. Input format: see
//! `src/lib.rs`.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use tower_webhook::WebhookVerify;
use tower_webhook_fuzz::{fuzz_parsers, Parser};

static PARSERS: LazyLock<Vec<Parser>> = LazyLock::new(|| {
    vec![
        Parser::new(
            WebhookVerify::zoom("s"),
            &["x-zm-signature", "x-zm-request-timestamp"],
        ),
        Parser::new(
            WebhookVerify::twitch("s"),
            &[
                "twitch-eventsub-message-signature",
                "twitch-eventsub-message-timestamp",
                "twitch-eventsub-message-id",
                "twitch-eventsub-message-type",
            ],
        ),
        Parser::new(
            WebhookVerify::zendesk("s"),
            &[
                "x-zendesk-webhook-signature",
                "x-zendesk-webhook-signature-timestamp",
            ],
        ),
        Parser::new(
            WebhookVerify::webflow("s"),
            &["x-webflow-signature", "x-webflow-timestamp"],
        ),
        Parser::new(
            WebhookVerify::r#box("s"),
            &[
                "box-signature-primary",
                "box-signature-secondary",
                "box-delivery-timestamp",
                "box-signature-version",
                "box-signature-algorithm",
            ],
        ),
        Parser::new(WebhookVerify::linear("s"), &["linear-signature"]),
    ]
});

fuzz_target!(|data: &[u8]| {
    fuzz_parsers(&PARSERS, data);
});

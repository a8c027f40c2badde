//! The parsers of DocuSign's numbered headers and of shared tokens (in a header, HTTP
//! Basic, GitLab's, Okta's `Authorization`, Figma's body field), `parse` and
//! `signed_content`; byte 0 picks. Input format: see `src/lib.rs`.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use tower_webhook::WebhookVerify;
use tower_webhook_fuzz::{fuzz_parsers, Parser};

static PARSERS: LazyLock<Vec<Parser>> = LazyLock::new(|| {
    vec![
        Parser::new(
            WebhookVerify::docusign("s"),
            &[
                "x-docusign-signature-1",
                "x-docusign-signature-2",
                "x-docusign-signature-10",
                "x-docusign-signature-01",
                "x-docusign-signature-",
            ],
        ),
        Parser::new(
            WebhookVerify::telegram("s"),
            &["x-telegram-bot-api-secret-token"],
        ),
        Parser::new(WebhookVerify::postmark("s"), &["authorization"]),
        Parser::new(WebhookVerify::okta("s"), &["authorization"]),
        Parser::new(WebhookVerify::gitlab("s"), &["x-gitlab-token"]),
        Parser::new(WebhookVerify::cloudflare("s"), &["cf-webhook-auth"]),
        Parser::new(WebhookVerify::figma("s"), &[]).one_way(),
    ]
});

fuzz_target!(|data: &[u8]| {
    fuzz_parsers(&PARSERS, data);
});

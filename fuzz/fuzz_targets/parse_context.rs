//! The parsers of the schemes that sign the request's context, verify with a public key,
//! or carry their claims in the body, `parse` and `signed_content` (byte 0 picks): Mailgun's
//! and Adyen's JSON, Braintree's form fields, Twilio's form parameters and `bodySHA256`,
//! HubSpot v1/v2/v3, Contentful's canonical request, Square, Trello, Discord, Telnyx and
//! SendGrid. Input format: see `src/lib.rs`.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use tower_webhook::WebhookVerify;
use tower_webhook_fuzz::{fuzz_parsers, Parser};

const ED25519_PUBLIC_HEX: &str = "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664";
const P256_PUBLIC: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAERxw+dYxJBChbun5TEY7Q9SSt6wdX0lvS+Oew1236cUzdUg96yoqLkXrMN/Ud6PDJu+OthYOC5wLcJaEtCfeoWA==";

static PARSERS: LazyLock<Vec<Parser>> = LazyLock::new(|| {
    let telnyx = base64_of_hex(ED25519_PUBLIC_HEX);
    vec![
        Parser::new(WebhookVerify::mailgun("s"), &[]).one_way(),
        Parser::new(WebhookVerify::adyen("00"), &[]).one_way(),
        Parser::new(WebhookVerify::braintree("public", "s"), &[]).one_way(),
        Parser::new(
            WebhookVerify::twilio("s"),
            &[
                "x-twilio-signature",
                "content-type",
                "x-twilio-webhooks-signature-settings",
            ],
        )
        .one_way(),
        Parser::new(
            WebhookVerify::hubspot("s"),
            &[
                "x-hubspot-signature-v3",
                "x-hubspot-request-timestamp",
                "x-hubspot-signature",
                "x-hubspot-signature-version",
            ],
        )
        .one_way(),
        Parser::new(
            WebhookVerify::contentful("0".repeat(64)),
            &[
                "x-contentful-signature",
                "x-contentful-timestamp",
                "x-contentful-signed-headers",
                "x-contentful-topic",
            ],
        ),
        Parser::new(
            WebhookVerify::square("s", "https://example.com/webhook"),
            &["x-square-hmacsha256-signature"],
        ),
        Parser::new(
            WebhookVerify::trello("s", "https://example.com/webhook"),
            &["x-trello-webhook"],
        ),
        Parser::new(
            WebhookVerify::discord(ED25519_PUBLIC_HEX),
            &["x-signature-ed25519", "x-signature-timestamp"],
        ),
        Parser::new(
            WebhookVerify::telnyx(telnyx),
            &["telnyx-signature-ed25519", "telnyx-timestamp"],
        ),
        Parser::new(
            WebhookVerify::sendgrid(P256_PUBLIC),
            &[
                "x-twilio-email-event-webhook-signature",
                "x-twilio-email-event-webhook-timestamp",
            ],
        ),
    ]
});

fn base64_of_hex(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(hex::decode(text).unwrap())
}

fuzz_target!(|data: &[u8]| {
    fuzz_parsers(&PARSERS, data);
});

//! The presets of this family, for the interop check and the README's table.

use crate::providers::{boxed, shared, Facts, Provider, Request, TOKEN_IN_HEADER};
use tower_webhook::WebhookVerify;

const DOCUMENTED: &str = "documented construction";

/// The facts of a MAC of the raw body in one header, with no window and no handshake.
fn body_mac(
    header: &'static str,
    algorithm: &'static str,
    dedupe_id: &'static str,
    docs: &'static str,
    peer_package: &'static str,
) -> Facts {
    Facts {
        header,
        signed: "body",
        algorithm,
        window: "none",
        dedupe_id,
        handshake: "none",
        docs,
        peer_package,
    }
}

pub(crate) fn providers() -> Vec<Provider> {
    let mut all = body_macs();
    all.extend(handshakes());
    all.extend(tokens());
    all.sort_by_key(|provider| provider.name);
    all
}

/// The facts of a shared token sent as is, with nothing signed.
fn token(
    header: &'static str,
    dedupe_id: &'static str,
    handshake: &'static str,
    docs: &'static str,
) -> Facts {
    Facts {
        header,
        signed: TOKEN_IN_HEADER,
        algorithm: "token compare",
        window: "none",
        dedupe_id,
        handshake,
        docs,
        peer_package: DOCUMENTED,
    }
}

/// The presets that are an `HmacScheme`.
fn body_macs() -> Vec<Provider> {
    vec![
        shared(
            "airtable",
            |secret| boxed(WebhookVerify::airtable(secret)),
            "c2VjcmV0IG1hYyBrZXkgZm9yIGFpcnRhYmxl",
            || {
                Request::json(
                    r#"{"base":{"id":"appXXX"},"webhook":{"id":"achYYY"},"timestamp":"2024-01-31T12:00:00.000Z"}"#,
                )
            },
            body_mac(
                "`X-Airtable-Content-MAC: hmac-sha256=<hex>`",
                "HMAC-SHA256, hex; base64 secret",
                "none",
                "https://airtable.com/developers/web/api/webhooks-overview",
                DOCUMENTED,
            ),
        ),
        shared(
            "bitbucket",
            |secret| boxed(WebhookVerify::bitbucket(secret)),
            "bitbucket secret",
            || {
                Request::json(r#"{"repository":{"full_name":"team/repo"},"push":{"changes":[]}}"#)
                    .header("x-event-key", "repo:push")
                    .header("x-request-uuid", "8a2c4f1e-0b6d-4c1a-9f3e-2d5b7a9c1e01")
            },
            body_mac(
                "`X-Hub-Signature: sha256=<hex>`",
                "HMAC-SHA256, hex",
                "`X-Request-UUID`",
                "https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/",
                DOCUMENTED,
            ),
        ),
        shared(
            "cal_com",
            |secret| boxed(WebhookVerify::cal_com(secret)),
            "cal secret",
            || {
                Request::json(
                    r#"{"triggerEvent":"BOOKING_CREATED","createdAt":"2024-01-31T12:00:00Z","payload":{"uid":"bk1"}}"#,
                )
            },
            body_mac(
                "`X-Cal-Signature-256: <hex>`",
                "HMAC-SHA256, hex",
                "none",
                "https://cal.com/docs/developing/guides/automation/webhooks",
                DOCUMENTED,
            ),
        ),
        shared(
            "coinbase_commerce",
            |secret| boxed(WebhookVerify::coinbase_commerce(secret)),
            "coinbase shared secret",
            || {
                Request::json(
                    r#"{"id":1,"scheduled_for":"2024-01-31T12:00:00Z","event":{"id":"24934862-d980-46cb-9402-43c81b0cdba6","type":"charge:created","data":{"code":"66BEOV2A"}}}"#,
                )
            },
            body_mac(
                "`X-CC-Webhook-Signature: <hex>`",
                "HMAC-SHA256, hex",
                "body `id`",
                "https://github.com/coinbase/coinbase-commerce-node#webhooks",
                "coinbase-commerce",
            ),
        ),
        shared(
            "jira",
            |secret| boxed(WebhookVerify::jira(secret)),
            "jira admin secret",
            || {
                Request::json(
                    r#"{"timestamp":1706702400000,"webhookEvent":"jira:issue_created","issue":{"id":"10001"}}"#,
                )
                .header(
                    "x-atlassian-webhook-identifier",
                    "7f2b8c3d-1e4a-4b5c-8d9e-0a1b2c3d4e5f",
                )
            },
            body_mac(
                "`X-Hub-Signature: sha256=<hex>`",
                "HMAC-SHA256, hex",
                "`X-Atlassian-Webhook-Identifier`",
                "https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks",
                DOCUMENTED,
            ),
        ),
        shared(
            "lemon_squeezy",
            |secret| boxed(WebhookVerify::lemon_squeezy(secret)),
            "lemon secret",
            || {
                Request::json(
                    r#"{"meta":{"event_name":"order_created"},"data":{"type":"orders","id":"1"}}"#,
                )
                .header("x-event-name", "order_created")
            },
            body_mac(
                "`X-Signature: <hex>`",
                "HMAC-SHA256, hex",
                "none",
                "https://docs.lemonsqueezy.com/help/webhooks/signing-requests",
                DOCUMENTED,
            ),
        ),
        shared(
            "line",
            |secret| boxed(WebhookVerify::line(secret)),
            "8c570fa6dd201bb328f1c1eac23a96d8",
            || {
                Request::json(
                    r#"{"destination":"U8e742f61d673b39c7fff3cecb7536ef0","events":[{"type":"message","webhookEventId":"01FZ74A0TDDPYRVKNK77XKC3ZR","message":{"type":"text","text":"こんにちは"}}]}"#,
                )
            },
            Facts {
                handshake: "Verify request (no events) answered 200",
                ..body_mac(
                    "`x-line-signature: <base64>`",
                    "HMAC-SHA256, base64",
                    "each event's `webhookEventId`",
                    "https://developers.line.biz/en/reference/messaging-api/#signature-validation",
                    "@line/bot-sdk",
                )
            },
        ),
        shared(
            "notion",
            |secret| boxed(WebhookVerify::notion(secret)),
            "secret_tMrlL1qK5vuQAh1b6cZGhFChZTSYJlce",
            || {
                Request::json(
                    r#"{"id":"367cba44-b6f3-4c92-81e7-6a2e9659efd4","type":"page.created","entity":{"id":"153104cd","type":"page"}}"#,
                )
            },
            body_mac(
                "`X-Notion-Signature: sha256=<hex>`",
                "HMAC-SHA256, hex",
                "body `id`",
                "https://developers.notion.com/reference/webhooks",
                DOCUMENTED,
            ),
        ),
        shared(
            "razorpay",
            |secret| boxed(WebhookVerify::razorpay(secret)),
            "razorpay webhook secret",
            || {
                Request::json(
                    r#"{"entity":"event","account_id":"acc_BFQ7uQEaa7j2z7","event":"payment.captured","payload":{"payment":{"entity":{"id":"pay_29QQoUBi66xm2f","amount":5000}}}}"#,
                )
                .header("x-razorpay-event-id", "JbVaktS5DdvOk1")
            },
            body_mac(
                "`X-Razorpay-Signature: <hex>`",
                "HMAC-SHA256, hex",
                "`x-razorpay-event-id`",
                "https://razorpay.com/docs/webhooks/validate-test/",
                "razorpay",
            ),
        ),
        shared(
            "sentry",
            |secret| boxed(WebhookVerify::sentry(secret)),
            "sentry client secret",
            || {
                Request::json(
                    r#"{"action":"created","installation":{"uuid":"a8e5d37a"},"data":{"issue":{"id":"1117540176"}}}"#,
                )
                .header("sentry-hook-resource", "issue")
                .header("request-id", "d9b9d4b9-5b2e-4c5a-9b7c-2c5e0f8a1b3c")
            },
            body_mac(
                "`Sentry-Hook-Signature: <hex>`",
                "HMAC-SHA256, hex",
                "`Request-ID`",
                "https://docs.sentry.io/organization/integrations/integration-platform/webhooks/",
                DOCUMENTED,
            ),
        ),
        shared(
            "typeform",
            |secret| boxed(WebhookVerify::typeform(secret)),
            "typeform secret",
            || {
                Request::json(
                    r#"{"event_id":"01HNQ8Z3KZ","event_type":"form_response","form_response":{"form_id":"lT4Z3j"}}"#,
                )
            },
            body_mac(
                "`Typeform-Signature: sha256=<base64>`",
                "HMAC-SHA256, base64",
                "body `event_id`",
                "https://www.typeform.com/developers/webhooks/secure-your-webhooks/",
                DOCUMENTED,
            ),
        ),
        shared(
            "woocommerce",
            |secret| boxed(WebhookVerify::woocommerce(secret)),
            "woo secret",
            || {
                Request::json(r#"{"id":727,"status":"processing","total":"29.35"}"#)
                    .header("x-wc-webhook-topic", "order.created")
                    .header("x-wc-webhook-delivery-id", "4f3c1d9a2b7e")
            },
            body_mac(
                "`X-WC-Webhook-Signature: <base64>`",
                "HMAC-SHA256, base64",
                "`X-WC-Webhook-Delivery-ID`",
                "https://woocommerce.github.io/woocommerce-rest-api-docs/#webhooks",
                DOCUMENTED,
            ),
        ),
        shared(
            "xero",
            |secret| boxed(WebhookVerify::xero(secret)),
            "xero webhook key",
            || {
                Request::json(
                    r#"{"events":[{"resourceUrl":"https://api.xero.com/api.xro/2.0/Contacts/1","resourceId":"1","eventCategory":"CONTACT","eventType":"UPDATE"}],"firstEventSequence":1,"lastEventSequence":1,"entropy":"S0m3r4Nd0mt3xt"}"#,
                )
            },
            body_mac(
                "`x-xero-signature: <base64>`",
                "HMAC-SHA256, base64",
                "none",
                "https://developer.xero.com/documentation/guides/webhooks/overview",
                DOCUMENTED,
            ),
        ),
        shared(
            "intercom",
            |secret| boxed(WebhookVerify::intercom(secret)),
            "intercom client secret",
            || {
                Request::json(
                    r#"{"type":"notification_event","id":"notif_ccd8a4d2","topic":"conversation.user.created","data":{"item":{"type":"conversation"}}}"#,
                )
            },
            body_mac(
                "`X-Hub-Signature: sha1=<hex>`",
                "HMAC-SHA1, hex",
                "body `id`",
                "https://developers.intercom.com/docs/webhooks",
                DOCUMENTED,
            ),
        ),
        shared(
            "paystack",
            |secret| boxed(WebhookVerify::paystack(secret)),
            "sk_test_paystack",
            || {
                Request::json(
                    r#"{"event":"charge.success","data":{"id":302961,"reference":"qTPrJoy9Bx"}}"#,
                )
            },
            body_mac(
                "`x-paystack-signature: <hex>`",
                "HMAC-SHA512, hex",
                "none",
                "https://paystack.com/docs/payments/webhooks/",
                DOCUMENTED,
            ),
        ),
        shared(
            "segment",
            |secret| boxed(WebhookVerify::segment(secret)),
            "segment shared secret",
            || {
                Request::json(
                    r#"{"type":"track","event":"Signed Up","messageId":"ajs-next-1706702400000"}"#,
                )
            },
            body_mac(
                "`X-Signature: <hex>`",
                "HMAC-SHA1, hex",
                "body `messageId`",
                "https://segment.com/docs/connections/destinations/catalog/webhooks/",
                DOCUMENTED,
            ),
        ),
        shared(
            "vercel",
            |secret| boxed(WebhookVerify::vercel(secret)),
            "vercel secret",
            || {
                Request::json(
                    r#"{"id":"evt_vercel_1","type":"deployment.created","payload":{"deployment":{"id":"dpl_1"}}}"#,
                )
            },
            body_mac(
                "`x-vercel-signature: <hex>`",
                "HMAC-SHA1, hex",
                "body `id`",
                "https://vercel.com/docs/webhooks",
                DOCUMENTED,
            ),
        ),
        shared(
            "pagerduty",
            |secret| boxed(WebhookVerify::pagerduty(secret)),
            "pagerduty_secret",
            || {
                Request::json(
                    r#"{"event":{"id":"01DEN1HNLBC1VITK192ETGUHN3","event_type":"incident.triggered","data":{"id":"PGR0VU2"}}}"#,
                )
                .header("x-webhook-id", "36ac6e2b-9d6c-4fc5-b18a-4a6b1a2c3d4e")
            },
            body_mac(
                "`X-PagerDuty-Signature: v1=<hex>[,v1=<hex>...]`",
                "HMAC-SHA256, hex",
                "`X-Webhook-Id`",
                "https://developer.pagerduty.com/docs/verifying-webhook-signatures",
                DOCUMENTED,
            ),
        ),
    ]
}

/// The presets whose setup handshake the layer answers, and DocuSign's numbered headers.
fn handshakes() -> Vec<Provider> {
    vec![
        shared(
            "asana",
            |secret| boxed(WebhookVerify::asana(secret)),
            "asana_hook_secret",
            || {
                Request::json(
                    r#"{"events":[{"action":"changed","resource":{"gid":"1337","resource_type":"task"}}]}"#,
                )
            },
            Facts {
                handshake: "`X-Hook-Secret` echoed when it is a configured secret",
                ..body_mac(
                    "`X-Hook-Signature: <hex>`",
                    "HMAC-SHA256, hex",
                    "none",
                    "https://developers.asana.com/docs/webhooks-guide",
                    DOCUMENTED,
                )
            },
        ),
        shared(
            "dropbox",
            |secret| boxed(WebhookVerify::dropbox(secret)),
            "dropbox_app_secret",
            || {
                Request::json(
                    r#"{"list_folder":{"accounts":["dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc"]},"delta":{"users":[12345678]}}"#,
                )
            },
            Facts {
                handshake: "`GET ?challenge=` echoed",
                ..body_mac(
                    "`X-Dropbox-Signature: <hex>`",
                    "HMAC-SHA256, hex",
                    "none",
                    "https://www.dropbox.com/developers/reference/webhooks",
                    DOCUMENTED,
                )
            },
        ),
        shared(
            "meta",
            |secret| boxed(WebhookVerify::meta(secret, "meta verify token")),
            "meta_app_secret",
            || {
                Request::json(
                    r#"{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{"messages":[{"id":"wamid.1","text":{"body":"\u00e9t\u00e9"}}]}}]}]}"#,
                )
            },
            Facts {
                handshake:
                    "`GET ?hub.mode=subscribe` with the verify token: `hub.challenge` echoed",
                ..body_mac(
                    "`X-Hub-Signature-256: sha256=<hex>`",
                    "HMAC-SHA256, hex",
                    "none",
                    "https://developers.facebook.com/docs/graph-api/webhooks/getting-started",
                    DOCUMENTED,
                )
            },
        ),
        shared(
            "docusign",
            |secret| boxed(WebhookVerify::docusign(secret)),
            "docusign_connect_key",
            || {
                Request::json(
                    r#"{"event":"envelope-completed","apiVersion":"v2.1","generatedDateTime":"2024-01-31T12:00:00.000Z","data":{"envelopeId":"93be49ab-afa0-4adf-933c-f752070d71ec"}}"#,
                )
            },
            body_mac(
                "`X-DocuSign-Signature-1` … `-N: <base64>`, one per active key",
                "HMAC-SHA256, base64",
                "none",
                "https://developers.docusign.com/platform/webhooks/connect/hmac/",
                DOCUMENTED,
            ),
        ),
    ]
}

/// The presets where the sender sends a shared token, not a signature.
fn tokens() -> Vec<Provider> {
    vec![
        shared(
            "telegram",
            |secret| boxed(WebhookVerify::telegram(secret)),
            "telegram_secret-token_42",
            || Request::json(r#"{"update_id":10000,"message":{"message_id":1365,"text":"/start"}}"#),
            token(
                "`X-Telegram-Bot-Api-Secret-Token: <token>`",
                "body `update_id`",
                "none",
                "https://core.telegram.org/bots/api#setwebhook",
            ),
        ),
        shared(
            "gitlab",
            |secret| boxed(WebhookVerify::gitlab(secret)),
            "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
            || {
                Request::json(r#"{"object_kind":"push","ref":"refs/heads/main","checkout_sha":"da1560886d"}"#)
                    .header("x-gitlab-event", "Push Hook")
            },
            Facts {
                header: "`X-Gitlab-Token: <token>`; with a `whsec_` signing token, `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`",
                signed: "token: nothing; signing token: `{id}.{timestamp}.{body}`",
                algorithm: "token compare; HMAC-SHA256, base64",
                window: "token: none; signing token: 5 min",
                dedupe_id: "`Idempotency-Key`; signing token: `webhook-id`",
                handshake: "none",
                docs: "https://docs.gitlab.com/user/project/integrations/webhooks/",
                peer_package: "standardwebhooks",
            },
        ),
        shared(
            "cloudflare",
            |secret| boxed(WebhookVerify::cloudflare(secret)),
            "cloudflare-webhook-secret",
            || {
                Request::json(
                    r#"{"name":"Origin monitoring","text":"Origin unreachable","data":{"zone":"example.com"},"ts":1706702400,"alert_type":"real_origin_monitoring"}"#,
                )
            },
            token(
                "`cf-webhook-auth: <secret>`",
                "none",
                "none",
                "https://developers.cloudflare.com/notifications/get-started/configure-webhooks/",
            ),
        ),
        shared(
            "okta",
            |secret| boxed(WebhookVerify::okta(secret)),
            "Bearer okta-hook-secret",
            || {
                Request::json(
                    r#"{"eventType":"com.okta.event_hook","eventId":"b5a188b9-5ece-4636-b041-482ffda96311","data":{"events":[{"uuid":"f8ba6e1a","eventType":"user.session.start"}]}}"#,
                )
            },
            token(
                "`Authorization: <configured value>`",
                "body `eventId`",
                "`GET` with `X-Okta-Verification-Challenge` and the token: `{\"verification\": ...}`",
                "https://developer.okta.com/docs/concepts/event-hooks/",
            ),
        ),
        shared(
            "postmark",
            |secret| boxed(WebhookVerify::postmark(secret)),
            "hooks:correct horse battery",
            || {
                Request::json(
                    r#"{"RecordType":"Delivery","MessageID":"883953f4-6105-42a2-a16a-77a8eac79483","Recipient":"john@example.com"}"#,
                )
            },
            token(
                "`Authorization: Basic <base64 of user:password>`",
                "none",
                "none",
                "https://postmarkapp.com/developer/webhooks/webhooks-overview",
            ),
        ),
        shared(
            "figma",
            |secret| boxed(WebhookVerify::figma(secret)),
            "figma-passcode",
            // The passcode stands last, so that the interop check's changed byte is in it:
            // the rest of the body is not protected.
            || {
                Request::json(
                    r#"{"event_type":"PING","file_key":"Ek1C3v4MqJ","webhook_id":"22","passcode":"figma-passcode"}"#,
                )
            },
            Facts {
                signed: "nothing (a token in the body)",
                ..token(
                    "body field `passcode`",
                    "none",
                    "none",
                    "https://www.figma.com/developers/api#webhooks_v2",
                )
            },
        ),
    ]
}

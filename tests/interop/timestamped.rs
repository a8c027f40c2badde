//! The presets of this family, for the interop check and the README's table.

use std::time::{SystemTime, UNIX_EPOCH};

use tower_webhook::WebhookVerify;

use crate::providers::{boxed, shared, AnyVerify, Facts, Provider, Request};

const DOCUMENTED: &str = "documented construction";
const STANDARD_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// A JSON event with a top-level `id`.
fn event() -> Request {
    Request::json(r#"{"id":"evt_1","type":"thing.created","data":{"name":"Zoë"}}"#)
}

/// Box's `"<primary> <secondary>"` secret convention, secondary optional.
fn box_layer(secret: &str) -> Box<dyn AnyVerify> {
    let (primary, secondary) = secret.split_once(' ').unwrap_or((secret, ""));
    let layer = WebhookVerify::r#box(primary);
    boxed(if secondary.is_empty() {
        layer
    } else {
        layer.also_accept(secondary)
    })
}

pub(crate) fn providers() -> Vec<Provider> {
    let mut all = pair_presets();
    all.extend(standard_presets());
    all.extend(template_presets());
    all
}

fn pair_presets() -> Vec<Provider> {
    vec![
        shared(
            "calendly",
            |secret| boxed(WebhookVerify::calendly(secret)),
            "calendly signing key",
            || Request::json(r#"{"event":"invitee.created","created_at":"2024-01-31T12:00:00.000000Z","payload":{"email":"a@example.com"}}"#),
            Facts {
                header: "`Calendly-Webhook-Signature: t=<s>,v1=<hex>`",
                signed: "`{t}.{body}`",
                algorithm: "HMAC-SHA256, hex",
                window: "3 min",
                dedupe_id: "none",
                handshake: "none",
                docs: "https://developer.calendly.com/api-docs/overview/webhooks/webhook-signatures",
                peer_package: DOCUMENTED,
            },
        ),
        shared(
            "mux",
            |secret| boxed(WebhookVerify::mux(secret)),
            "mux signing secret",
            event,
            Facts {
                header: "`Mux-Signature: t=<s>,v1=<hex>`",
                signed: "`{t}.{body}`",
                algorithm: "HMAC-SHA256, hex",
                window: "5 min",
                dedupe_id: "body `id`",
                handshake: "none",
                docs: "https://docs.mux.com/core/verify-webhook-signatures",
                peer_package: "@mux/mux-node",
            },
        ),
        shared(
            "persona",
            |secret| boxed(WebhookVerify::persona(secret)),
            "wbhsec_persona",
            || Request::json(r#"{"data":{"type":"event","id":"evt_1","attributes":{"name":"inquiry.completed","payload":{"data":{"id":"inq_1"}}}}}"#),
            Facts {
                header: "`Persona-Signature: t=<s>,v1=<hex>[ t=..,v1=..]`",
                signed: "`{t}.{body}`",
                algorithm: "HMAC-SHA256, hex",
                window: "5 min",
                dedupe_id: "body `data.id`",
                handshake: "none",
                docs: "https://docs.withpersona.com/docs/webhooks-best-practices",
                peer_package: DOCUMENTED,
            },
        ),
        shared(
            "workos",
            |secret| boxed(WebhookVerify::workos(secret)),
            "workos webhook secret",
            // Compact JSON: WorkOS's Node SDK signs the body re-serialised.
            || Request::json(r#"{"id":"event_01","event":"user.created","data":{"id":"user_1"}}"#),
            Facts {
                header: "`WorkOS-Signature: t=<ms>, v1=<hex>`",
                signed: "`{t}.{body}`",
                algorithm: "HMAC-SHA256, hex",
                window: "180 s",
                dedupe_id: "body `id`",
                handshake: "none",
                docs: "https://workos.com/docs/events/data-syncing/webhooks/3-process-the-events/b-validate-the-requests-manually",
                peer_package: "@workos-inc/node",
            },
        ),
        shared(
            "sanity",
            |secret| boxed(WebhookVerify::sanity(secret)),
            "sanity secret",
            || Request::json(r#"{"_id":"doc_1","_type":"post","title":"Zoë"}"#).header("idempotency-key", "idem_1").header("sanity-operation", "create"),
            Facts {
                header: "`sanity-webhook-signature: t=<ms>,v1=<base64url>`",
                signed: "`{t}.{body}`",
                algorithm: "HMAC-SHA256, base64url",
                window: "5 min",
                dedupe_id: "`idempotency-key`",
                handshake: "none",
                docs: "https://www.sanity.io/docs/webhooks",
                peer_package: "@sanity/webhook",
            },
        ),
        shared(
            "paddle",
            |secret| boxed(WebhookVerify::paddle(secret)),
            "pdl_ntfset_01_secret",
            || Request::json(r#"{"event_id":"evt_01","event_type":"transaction.created","occurred_at":"2024-01-31T12:00:00Z","data":{"id":"txn_1"}}"#),
            Facts {
                header: "`Paddle-Signature: ts=<s>;h1=<hex>`",
                signed: "`{ts}:{body}`",
                algorithm: "HMAC-SHA256, hex",
                window: "5 s",
                dedupe_id: "body `event_id`",
                handshake: "none",
                docs: "https://developer.paddle.com/webhooks/signature-verification",
                peer_package: "@paddle/paddle-node-sdk",
            },
        ),
    ]
}

fn standard_presets() -> Vec<Provider> {
    let facts = |header, docs, peer_package| Facts {
        header,
        signed: "`{id}.{timestamp}.{body}`",
        algorithm: "HMAC-SHA256, base64",
        window: "5 min",
        dedupe_id: "signed id",
        handshake: "none",
        docs,
        peer_package,
    };
    let svix_headers = "`svix-id`, `svix-timestamp`, `svix-signature: v1,<base64>`";
    let standard_headers = "`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`";
    vec![
        shared(
            "clerk",
            |secret| boxed(WebhookVerify::clerk(secret)),
            STANDARD_SECRET,
            event,
            facts(
                svix_headers,
                "https://clerk.com/docs/webhooks/sync-data",
                "@clerk/backend",
            ),
        ),
        shared(
            "resend",
            |secret| boxed(WebhookVerify::resend(secret)),
            STANDARD_SECRET,
            event,
            facts(
                svix_headers,
                "https://resend.com/docs/webhooks/verify-webhooks-requests",
                "resend",
            ),
        ),
        shared(
            "replicate",
            |secret| boxed(WebhookVerify::replicate(secret)),
            STANDARD_SECRET,
            || Request::json(r#"{"id":"pred_1","status":"succeeded","output":["x"]}"#),
            facts(
                standard_headers,
                "https://replicate.com/docs/topics/webhooks/verify-webhook",
                "replicate",
            ),
        ),
        shared(
            "polar",
            |secret| boxed(WebhookVerify::polar(secret)),
            "polar_whs_dashboard secret",
            || Request::json(r#"{"type":"checkout.created","data":{"id":"chk_1"}}"#),
            facts(
                standard_headers,
                "https://docs.polar.sh/integrate/webhooks/delivery",
                "@polar-sh/sdk",
            ),
        ),
        shared(
            "supabase",
            |secret| boxed(WebhookVerify::supabase(secret)),
            "v1,whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            event,
            // Supabase's documentation verifies with standardwebhooks.
            facts(
                standard_headers,
                "https://supabase.com/docs/guides/auth/auth-hooks",
                "standardwebhooks",
            ),
        ),
    ]
}

fn template_presets() -> Vec<Provider> {
    vec![
        shared(
            "zoom",
            |secret| boxed(WebhookVerify::zoom(secret)),
            "zoom secret token",
            || Request::json(r#"{"event":"meeting.started","event_ts":1706702400000,"payload":{"account_id":"a1"}}"#),
            Facts {
                header: "`x-zm-signature: v0=<hex>`, `x-zm-request-timestamp`",
                signed: "`v0:{timestamp}:{body}`",
                algorithm: "HMAC-SHA256, hex",
                window: "5 min",
                dedupe_id: "none",
                handshake: "`endpoint.url_validation` (signed)",
                docs: "https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events",
                peer_package: DOCUMENTED,
            },
        ),
        shared(
            "twitch",
            |secret| boxed(WebhookVerify::twitch(secret)),
            "twitch subscription secret",
            || Request::json(r#"{"subscription":{"type":"channel.follow"},"event":{"user_id":"1"}}"#),
            Facts {
                header: "`Twitch-Eventsub-Message-Signature: sha256=<hex>`, `-Message-Id`, `-Message-Timestamp` (RFC 3339)",
                signed: "`{id}{timestamp}{body}`",
                algorithm: "HMAC-SHA256, hex",
                window: "10 min",
                dedupe_id: "signed `Twitch-Eventsub-Message-Id`",
                handshake: "`webhook_callback_verification` (signed)",
                docs: "https://dev.twitch.tv/docs/eventsub/handling-webhook-events/",
                peer_package: DOCUMENTED,
            },
        ),
        shared(
            "zendesk",
            |secret| boxed(WebhookVerify::zendesk(secret)),
            "zendesk signing secret",
            || Request::json(r#"{"type":"zen:event-type:ticket.created","id":"evt_1","detail":{"id":"35"}}"#).header("x-zendesk-webhook-invocation-id", "inv_1"),
            Facts {
                header: "`X-Zendesk-Webhook-Signature: <base64>`, `-Signature-Timestamp` (ISO 8601)",
                signed: "`{timestamp}{body}`",
                algorithm: "HMAC-SHA256, base64",
                window: "5 min",
                dedupe_id: "`X-Zendesk-Webhook-Invocation-Id`",
                handshake: "none",
                docs: "https://developer.zendesk.com/documentation/webhooks/verifying/",
                peer_package: DOCUMENTED,
            },
        ),
        shared(
            "webflow",
            |secret| boxed(WebhookVerify::webflow(secret)),
            "webflow client secret",
            || Request::json(r#"{"triggerType":"form_submission","payload":{"name":"Contact"}}"#),
            Facts {
                header: "`x-webflow-signature: <hex>`, `x-webflow-timestamp` (ms)",
                signed: "`{timestamp}:{body}`",
                algorithm: "HMAC-SHA256, hex",
                window: "5 min",
                dedupe_id: "none",
                handshake: "none",
                docs: "https://developers.webflow.com/data/docs/working-with-webhooks",
                peer_package: "webflow-api",
            },
        ),
        Provider {
            name: "box",
            verifier: box_layer,
            signer: box_layer,
            verify_secret: "box_primary_key_1".into(),
            sign_secret: "box_primary_key_1".into(),
            request: || {
                Request::json(r#"{"type":"webhook_event","id":"evt_1","trigger":"FILE.UPLOADED","source":{"id":"f_1","type":"file"}}"#)
            },
            facts: Facts {
                header: "`BOX-SIGNATURE-PRIMARY`, `BOX-SIGNATURE-SECONDARY` (base64), `BOX-DELIVERY-TIMESTAMP` (RFC 3339)",
                signed: "`{body}{timestamp}`",
                algorithm: "HMAC-SHA256, base64",
                window: "10 min",
                dedupe_id: "body `id`",
                handshake: "none",
                docs: "https://developer.box.com/guides/webhooks/v2/signatures-v2",
                peer_package: "box-node-sdk",
            },
        },
        shared(
            "linear",
            |secret| boxed(WebhookVerify::linear(secret)),
            "lin_wh_signing_secret",
            || {
                let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
                let body = format!(
                    r#"{{"webhookTimestamp":{},"action":"create","type":"Issue","data":{{"id":"iss_1"}}}}"#,
                    now.as_millis()
                );
                Request::json(&body).header("linear-delivery", "delivery_1")
            },
            Facts {
                header: "`Linear-Signature: <hex>`",
                signed: "body",
                algorithm: "HMAC-SHA256, hex",
                window: "60 s, body `webhookTimestamp` (ms)",
                dedupe_id: "`Linear-Delivery`",
                handshake: "none",
                docs: "https://linear.app/developers/webhooks#securing-webhooks",
                peer_package: "@linear/sdk",
            },
        ),
    ]
}

//! One header with a MAC of the raw body, and shared tokens.

use crate::scheme::{
    Algorithm, DocuSign, Encoding, EventShape, GitLab, HmacScheme, Line, Location, SecretForm,
    SetupHandshake, SharedToken,
};
use crate::verify::{days, hours};
use crate::WebhookVerify;

/// `header: <prefix><hex HMAC-SHA256 of the raw body>`, the shape most of these share.
fn hex_sha256(header: &str, prefix: &str) -> HmacScheme {
    HmacScheme::new().with_header(header).with_prefix(prefix)
}

/// `header: <base64 HMAC-SHA256 of the raw body>`.
fn base64_sha256(header: &str) -> HmacScheme {
    HmacScheme::new()
        .with_header(header)
        .with_encoding(Encoding::Base64)
}

impl WebhookVerify<HmacScheme> {
    /// Airtable: `X-Airtable-Content-MAC: hmac-sha256=<hex>` over the raw body, keyed with
    /// the webhook's `macSecretBase64` (given as Airtable returns it, base64; decoded here).
    /// See <https://airtable.com/developers/web/api/webhooks-overview>.
    ///
    /// Its deliveries carry no event id, so [`dedupe`](Self::dedupe) cannot key on one:
    /// applying the layer with dedupe on panics.
    ///
    /// # Panics
    ///
    /// If the secret is not base64 or is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::airtable("c2VjcmV0IG1hYyBrZXk=");
    /// ```
    pub fn airtable(mac_secret_base64: impl AsRef<[u8]>) -> Self {
        let scheme = hex_sha256("x-airtable-content-mac", "hmac-sha256=")
            .with_secret_form(SecretForm::Base64);
        Self::with_scheme(scheme, mac_secret_base64)
            .event_shape(EventShape::new(
                Location::Absent,
                Location::Absent,
                Location::Body(""),
            ))
            .without_event_ids()
    }

    /// Bitbucket: `X-Hub-Signature: sha256=<hex>` over the raw body; dedupe keys on
    /// `X-Request-UUID`.
    /// See <https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/>.
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::bitbucket("webhook secret");
    /// ```
    pub fn bitbucket(secret: impl AsRef<[u8]>) -> Self {
        let scheme =
            hex_sha256("x-hub-signature", "sha256=").with_event_id_header("x-request-uuid");
        Self::with_scheme(scheme, secret).event_shape(EventShape::new(
            Location::Header("x-request-uuid"),
            Location::Header("x-event-key"),
            Location::Body(""),
        ))
    }

    /// Cal.com: `X-Cal-Signature-256: <hex>` over the raw body.
    /// See <https://cal.com/docs/developing/guides/automation/webhooks>.
    ///
    /// Its deliveries carry no event id, so [`dedupe`](Self::dedupe) cannot key on one:
    /// applying the layer with dedupe on panics.
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::cal_com("webhook secret");
    /// ```
    pub fn cal_com(secret: impl AsRef<[u8]>) -> Self {
        Self::with_scheme(hex_sha256("x-cal-signature-256", ""), secret)
            .event_shape(EventShape::new(
                Location::Absent,
                Location::Body("triggerEvent"),
                Location::Body("payload"),
            ))
            .without_event_ids()
    }

    /// Coinbase Commerce: `X-CC-Webhook-Signature: <hex>` over the raw body.
    /// See <https://github.com/coinbase/coinbase-commerce-node#webhooks>.
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::coinbase_commerce("shared secret");
    /// ```
    pub fn coinbase_commerce(shared_secret: impl AsRef<[u8]>) -> Self {
        Self::with_scheme(hex_sha256("x-cc-webhook-signature", ""), shared_secret)
            .event_shape(EventShape::new(
                Location::Body("event.id"),
                Location::Body("event.type"),
                Location::Body("event.data"),
            ))
            // Coinbase Commerce retries for up to 3 days.
            .retry_period(days(3))
    }

    /// Jira (admin webhooks with a secret): `X-Hub-Signature: sha256=<hex>` over the raw
    /// body; dedupe keys on `X-Atlassian-Webhook-Identifier`, which stays the same over
    /// retries.
    /// See <https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks>.
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::jira("webhook secret");
    /// ```
    pub fn jira(secret: impl AsRef<[u8]>) -> Self {
        let scheme = hex_sha256("x-hub-signature", "sha256=")
            .with_event_id_header("x-atlassian-webhook-identifier");
        Self::with_scheme(scheme, secret).event_shape(EventShape::new(
            Location::Header("x-atlassian-webhook-identifier"),
            Location::Body("webhookEvent"),
            Location::Body(""),
        ))
    }

    /// Lemon Squeezy: `X-Signature: <hex>` over the raw body.
    /// See <https://docs.lemonsqueezy.com/help/webhooks/signing-requests>.
    ///
    /// Its deliveries carry no event id, so [`dedupe`](Self::dedupe) cannot key on one:
    /// applying the layer with dedupe on panics.
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::lemon_squeezy("signing secret");
    /// ```
    pub fn lemon_squeezy(signing_secret: impl AsRef<[u8]>) -> Self {
        Self::with_scheme(hex_sha256("x-signature", ""), signing_secret)
            .event_shape(EventShape::new(
                Location::Absent,
                Location::Body("meta.event_name"),
                Location::Body("data"),
            ))
            .without_event_ids()
    }

    /// LINE Messaging API: `x-line-signature: <base64>` over the raw body, keyed with the
    /// channel secret. Dedupe keys on the events' `webhookEventId`s; the console's Verify
    /// request (no events) is answered 200 by the layer. See [`Line`].
    /// See <https://developers.line.biz/en/reference/messaging-api/#signature-validation>.
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::line("8c570fa6dd201bb328f1c1eac23a96d8");
    /// ```
    pub fn line(channel_secret: impl AsRef<[u8]>) -> WebhookVerify<Line> {
        WebhookVerify::with_scheme(Line::new(), channel_secret).event_shape(EventShape::new(
            Location::Body("events.0.webhookEventId"),
            Location::Body("events.0.type"),
            Location::Body("events"),
        ))
    }

    /// Notion: `X-Notion-Signature: sha256=<hex>` over the raw body, keyed with the
    /// `verification_token` Notion posts to the endpoint once, when the subscription is
    /// made.
    /// See <https://developers.notion.com/reference/webhooks>.
    ///
    /// # Panics
    ///
    /// If the token is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::notion("secret_tMrlL1qK5vuQAh1b6cZGhFChZTSYJlce");
    /// ```
    pub fn notion(verification_token: impl AsRef<[u8]>) -> Self {
        Self::with_scheme(
            hex_sha256("x-notion-signature", "sha256="),
            verification_token,
        )
        .event_shape(EventShape::new(
            Location::Body("id"),
            Location::Body("type"),
            Location::Body("entity"),
        ))
    }

    /// Razorpay: `X-Razorpay-Signature: <hex>` over the raw body; dedupe keys on
    /// `x-razorpay-event-id`.
    /// See <https://razorpay.com/docs/webhooks/validate-test/>.
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::razorpay("webhook secret");
    /// ```
    pub fn razorpay(secret: impl AsRef<[u8]>) -> Self {
        let scheme =
            hex_sha256("x-razorpay-signature", "").with_event_id_header("x-razorpay-event-id");
        Self::with_scheme(scheme, secret)
            .event_shape(EventShape::new(
                Location::Header("x-razorpay-event-id"),
                Location::Body("event"),
                Location::Body("payload"),
            ))
            // Razorpay retries for 24 hours.
            .retry_period(hours(24))
    }

    /// Sentry (integration platform): `Sentry-Hook-Signature: <hex>` over the raw body,
    /// keyed with the integration's client secret; dedupe keys on `Request-ID`.
    /// See <https://docs.sentry.io/organization/integrations/integration-platform/webhooks/>.
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::sentry("client secret");
    /// ```
    pub fn sentry(client_secret: impl AsRef<[u8]>) -> Self {
        let scheme = hex_sha256("sentry-hook-signature", "").with_event_id_header("request-id");
        Self::with_scheme(scheme, client_secret).event_shape(EventShape::new(
            Location::Header("request-id"),
            Location::Header("sentry-hook-resource"),
            Location::Body("data"),
        ))
    }

    /// Typeform: `Typeform-Signature: sha256=<base64>` over the raw body; dedupe keys on
    /// the body's `event_id`.
    /// See <https://www.typeform.com/developers/webhooks/secure-your-webhooks/>.
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::typeform("webhook secret");
    /// ```
    pub fn typeform(secret: impl AsRef<[u8]>) -> Self {
        let scheme = base64_sha256("typeform-signature")
            .with_prefix("sha256=")
            .with_event_id_field("event_id");
        Self::with_scheme(scheme, secret).event_shape(EventShape::new(
            Location::Body("event_id"),
            Location::Body("event_type"),
            Location::Body("form_response"),
        ))
    }

    /// WooCommerce: `X-WC-Webhook-Signature: <base64>` over the raw body; dedupe keys on
    /// `X-WC-Webhook-Delivery-ID` (the body's `id` is the order's or product's).
    /// See <https://woocommerce.github.io/woocommerce-rest-api-docs/#webhooks>.
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::woocommerce("webhook secret");
    /// ```
    pub fn woocommerce(secret: impl AsRef<[u8]>) -> Self {
        let scheme = base64_sha256("x-wc-webhook-signature")
            .with_event_id_header("x-wc-webhook-delivery-id");
        Self::with_scheme(scheme, secret).event_shape(EventShape::new(
            Location::Header("x-wc-webhook-delivery-id"),
            Location::Header("x-wc-webhook-topic"),
            Location::Body(""),
        ))
    }

    /// Xero: `x-xero-signature: <base64>` over the raw body, keyed with the webhook key.
    /// Xero's "intent to receive" check needs nothing more: a bad signature is refused
    /// (Xero asks for 401: shape it with `on_rejection`), a good one reaches the handler,
    /// which answers 200.
    /// See <https://developer.xero.com/documentation/guides/webhooks/overview>.
    ///
    /// Its deliveries carry no event id, so [`dedupe`](Self::dedupe) cannot key on one:
    /// applying the layer with dedupe on panics.
    ///
    /// # Panics
    ///
    /// If the key is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::xero("webhook key");
    /// ```
    pub fn xero(webhook_key: impl AsRef<[u8]>) -> Self {
        Self::with_scheme(base64_sha256("x-xero-signature"), webhook_key)
            .event_shape(EventShape::new(
                Location::Absent,
                Location::Body("events.0.eventType"),
                Location::Body("events"),
            ))
            .without_event_ids()
    }

    /// Intercom: `X-Hub-Signature: sha1=<hex>` HMAC-SHA1 over the raw body, keyed with the
    /// app's client secret.
    /// See <https://developers.intercom.com/docs/webhooks>.
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::intercom("client secret");
    /// ```
    pub fn intercom(client_secret: impl AsRef<[u8]>) -> Self {
        let scheme = hex_sha256("x-hub-signature", "sha1=").with_algorithm(Algorithm::HmacSha1);
        Self::with_scheme(scheme, client_secret).event_shape(EventShape::new(
            Location::Body("id"),
            Location::Body("topic"),
            Location::Body("data.item"),
        ))
    }

    /// Paystack: `x-paystack-signature: <hex>` HMAC-SHA512 over the raw body, keyed with
    /// the secret API key.
    /// See <https://paystack.com/docs/payments/webhooks/>.
    ///
    /// Its deliveries carry no event id, so [`dedupe`](Self::dedupe) cannot key on one:
    /// applying the layer with dedupe on panics. [`WebhookEvent::id`](crate::WebhookEvent::id)
    /// is the body's `data.id`, the transaction's, which several events share.
    ///
    /// # Panics
    ///
    /// If the key is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::paystack("sk_test_...");
    /// ```
    pub fn paystack(secret_key: impl AsRef<[u8]>) -> Self {
        let scheme = hex_sha256("x-paystack-signature", "").with_algorithm(Algorithm::HmacSha512);
        Self::with_scheme(scheme, secret_key)
            .event_shape(EventShape::new(
                Location::Body("data.id"),
                Location::Body("event"),
                Location::Body("data"),
            ))
            // Paystack retries for 72 hours.
            .retry_period(hours(72))
            .without_event_ids()
    }

    /// Segment (Webhooks destination): `X-Signature: <hex>` HMAC-SHA1 over the raw body;
    /// dedupe keys on the body's `messageId`.
    /// See <https://segment.com/docs/connections/destinations/catalog/webhooks/>.
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::segment("shared secret");
    /// ```
    pub fn segment(shared_secret: impl AsRef<[u8]>) -> Self {
        let scheme = hex_sha256("x-signature", "")
            .with_algorithm(Algorithm::HmacSha1)
            .with_event_id_field("messageId");
        Self::with_scheme(scheme, shared_secret).event_shape(EventShape::new(
            Location::Body("messageId"),
            Location::Body("type"),
            Location::Body(""),
        ))
    }

    /// Vercel: `x-vercel-signature: <hex>` HMAC-SHA1 over the raw body, keyed with the
    /// integration's client secret or the account webhook's secret.
    /// See <https://vercel.com/docs/webhooks>.
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::vercel("webhook secret");
    /// ```
    pub fn vercel(secret: impl AsRef<[u8]>) -> Self {
        let scheme = hex_sha256("x-vercel-signature", "").with_algorithm(Algorithm::HmacSha1);
        Self::with_scheme(scheme, secret).event_shape(EventShape::new(
            Location::Body("id"),
            Location::Body("type"),
            Location::Body("payload"),
        ))
    }

    /// PagerDuty (webhooks v3): `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>...]` over the
    /// raw body, one signature per active secret while one rotates; dedupe keys on
    /// `X-Webhook-Id`, which stays the same over retries.
    /// See <https://developer.pagerduty.com/docs/verifying-webhook-signatures>.
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::pagerduty("subscription secret");
    /// ```
    pub fn pagerduty(secret: impl AsRef<[u8]>) -> Self {
        let scheme = hex_sha256("x-pagerduty-signature", "v1=")
            .with_separator(',')
            .with_event_id_header("x-webhook-id");
        Self::with_scheme(scheme, secret).event_shape(EventShape::new(
            Location::Body("event.id"),
            Location::Body("event.event_type"),
            Location::Body("event.data"),
        ))
    }

    /// DocuSign Connect: `X-DocuSign-Signature-1` … `-N`, a base64 HMAC-SHA256 of the raw
    /// body per active Connect key; any header that matches any configured key verifies.
    /// Configure a second key with [`also_accept`](WebhookVerify::also_accept).
    /// See <https://developers.docusign.com/platform/webhooks/connect/hmac/>.
    ///
    /// Its deliveries carry no event id, so [`dedupe`](Self::dedupe) cannot key on one:
    /// applying the layer with dedupe on panics.
    ///
    /// # Panics
    ///
    /// If the key is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::docusign("Connect HMAC key");
    /// ```
    pub fn docusign(hmac_key: impl AsRef<[u8]>) -> WebhookVerify<DocuSign> {
        WebhookVerify::with_scheme(DocuSign, hmac_key)
            .event_shape(EventShape::new(
                Location::Absent,
                Location::Body("event"),
                Location::Body("data"),
            ))
            .without_event_ids()
    }

    /// Asana: `X-Hook-Signature: <hex>` over the raw body, keyed with the secret Asana sent
    /// in `X-Hook-Secret` when the webhook was made.
    ///
    /// The handshake (a request with `X-Hook-Secret` and no signature, answered 200 with
    /// the same header) is answered only when that secret is one of the configured ones:
    /// the layer must not confirm a secret it does not know. So receive the first handshake
    /// where you can store the secret (a route without this layer), then configure it here;
    /// Asana's later handshakes for the same webhook are answered by the layer.
    /// See <https://developers.asana.com/docs/webhooks-guide>.
    ///
    /// Its deliveries carry no event id, so [`dedupe`](Self::dedupe) cannot key on one:
    /// applying the layer with dedupe on panics.
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::asana("0b8ac6d2c7f0e0a4c5d1f2e3");
    /// ```
    pub fn asana(hook_secret: impl AsRef<[u8]>) -> WebhookVerify<SetupHandshake<HmacScheme>> {
        let scheme = SetupHandshake::asana(hex_sha256("x-hook-signature", ""));
        WebhookVerify::with_scheme(scheme, hook_secret)
            .event_shape(EventShape::new(
                Location::Absent,
                Location::Body("events.0.action"),
                Location::Body("events"),
            ))
            // Asana retries for 24 hours.
            .retry_period(hours(24))
            .without_event_ids()
    }

    /// Dropbox: `X-Dropbox-Signature: <hex>` over the raw body, keyed with the app secret.
    /// The verification request, `GET ?challenge=<text>`, is answered with the challenge
    /// (`text/plain`, `X-Content-Type-Options: nosniff`); Dropbox does not sign it.
    /// See <https://www.dropbox.com/developers/reference/webhooks>.
    ///
    /// Its deliveries carry no event id, so [`dedupe`](Self::dedupe) cannot key on one:
    /// applying the layer with dedupe on panics.
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::dropbox("app secret");
    /// ```
    pub fn dropbox(app_secret: impl AsRef<[u8]>) -> WebhookVerify<SetupHandshake<HmacScheme>> {
        let scheme = SetupHandshake::dropbox(hex_sha256("x-dropbox-signature", ""));
        WebhookVerify::with_scheme(scheme, app_secret)
            .event_shape(EventShape::new(
                Location::Absent,
                Location::Absent,
                Location::Body(""),
            ))
            .without_event_ids()
    }

    /// Meta (WhatsApp Cloud API, Messenger, Instagram, Graph API): `X-Hub-Signature-256:
    /// sha256=<hex>` over the raw body, keyed with the app secret.
    ///
    /// `verify_token` is the token you typed in the app dashboard: the subscription request,
    /// `GET ?hub.mode=subscribe&hub.verify_token=<token>&hub.challenge=<text>`, is answered
    /// with the challenge when the token is that one (compared in constant time). It signs
    /// nothing, so a wrong token gets no answer and the request is refused as unsigned.
    /// See <https://developers.facebook.com/docs/graph-api/webhooks/getting-started>.
    ///
    /// Its deliveries carry no event id, so [`dedupe`](Self::dedupe) cannot key on one:
    /// applying the layer with dedupe on panics.
    ///
    /// # Panics
    ///
    /// If the app secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::meta("app secret", "my verify token");
    /// ```
    pub fn meta(
        app_secret: impl AsRef<[u8]>,
        verify_token: impl AsRef<[u8]>,
    ) -> WebhookVerify<SetupHandshake<HmacScheme>> {
        let scheme = hex_sha256("x-hub-signature-256", "sha256=");
        let scheme = SetupHandshake::meta(scheme, verify_token.as_ref());
        WebhookVerify::with_scheme(scheme, app_secret)
            .event_shape(EventShape::new(
                Location::Absent,
                Location::Body("object"),
                Location::Body("entry"),
            ))
            .without_event_ids()
    }

    /// Telegram Bot API: the `secret_token` given to `setWebhook`, sent as is in
    /// `X-Telegram-Bot-Api-Secret-Token`. Nothing is signed: the body is not protected.
    /// Dedupe keys on the body's `update_id`.
    /// See <https://core.telegram.org/bots/api#setwebhook>.
    ///
    /// # Panics
    ///
    /// If the token is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::telegram("my_secret-token_123");
    /// ```
    pub fn telegram(secret_token: impl AsRef<[u8]>) -> WebhookVerify<SharedToken> {
        let scheme =
            SharedToken::header("x-telegram-bot-api-secret-token").with_event_id_field("update_id");
        WebhookVerify::with_scheme(scheme, secret_token).event_shape(EventShape::new(
            Location::Body("update_id"),
            Location::Absent,
            Location::Body(""),
        ))
    }

    /// GitLab: the secret token sent as is in `X-Gitlab-Token` (nothing signed; dedupe keys
    /// on `Idempotency-Key`), or, given a `whsec_` signing token, Standard Webhooks
    /// signatures over `{webhook-id}.{webhook-timestamp}.{body}` with a 5-minute window.
    /// See <https://docs.gitlab.com/user/project/integrations/webhooks/>.
    ///
    /// # Panics
    ///
    /// If the token is empty, or a `whsec_` token is not base64.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::gitlab("secret token");
    /// let signed = tower_webhook::WebhookVerify::gitlab("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD");
    /// ```
    pub fn gitlab(token: impl AsRef<[u8]>) -> WebhookVerify<GitLab> {
        WebhookVerify::with_scheme(GitLab::for_secret(token.as_ref()), token).event_shape(
            EventShape::new(
                Location::Header("idempotency-key"),
                Location::Body("object_kind"),
                Location::Body(""),
            ),
        )
    }

    /// Cloudflare notifications: the webhook's secret sent as is in `cf-webhook-auth`.
    /// Nothing is signed: the body is not protected.
    /// See <https://developers.cloudflare.com/notifications/get-started/configure-webhooks/>.
    ///
    /// Its deliveries carry no event id, so [`dedupe`](Self::dedupe) cannot key on one:
    /// applying the layer with dedupe on panics.
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::cloudflare("webhook secret");
    /// ```
    pub fn cloudflare(secret: impl AsRef<[u8]>) -> WebhookVerify<SharedToken> {
        WebhookVerify::with_scheme(SharedToken::header("cf-webhook-auth"), secret)
            .event_shape(EventShape::new(
                Location::Absent,
                Location::Body("alert_type"),
                Location::Body("data"),
            ))
            .without_event_ids()
    }

    /// Okta event hooks: the `Authorization` header's whole value as configured on the hook
    /// (for example `Bearer <secret>`). Nothing is signed: the body is not protected. Dedupe
    /// keys on the body's `eventId`.
    ///
    /// The one-time verification request, a `GET` with `X-Okta-Verification-Challenge`, is
    /// answered `{"verification": <challenge>}` when its `Authorization` is the configured
    /// one.
    /// See <https://developer.okta.com/docs/concepts/event-hooks/>.
    ///
    /// # Panics
    ///
    /// If the value is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::okta("Bearer my hook secret");
    /// ```
    pub fn okta(authorization: impl AsRef<[u8]>) -> WebhookVerify<SetupHandshake<SharedToken>> {
        let token = SharedToken::header("authorization").with_event_id_field("eventId");
        WebhookVerify::with_scheme(SetupHandshake::okta(token), authorization).event_shape(
            EventShape::new(
                Location::Body("eventId"),
                Location::Body("eventType"),
                Location::Body("data"),
            ),
        )
    }

    /// Postmark: HTTP Basic credentials set on the webhook, `Authorization: Basic
    /// <base64>`, given here as `user:password` and compared whole. Nothing is signed: the
    /// body is not protected.
    /// See <https://postmarkapp.com/developer/webhooks/webhooks-overview>.
    ///
    /// Its deliveries carry no event id, so [`dedupe`](Self::dedupe) cannot key on one:
    /// applying the layer with dedupe on panics. [`WebhookEvent::id`](crate::WebhookEvent::id)
    /// is the body's `MessageID`, the message's, which its delivery, bounce and open
    /// events share.
    ///
    /// # Panics
    ///
    /// If the credentials are empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::postmark("hooks:correct horse battery");
    /// ```
    pub fn postmark(user_password: impl AsRef<[u8]>) -> WebhookVerify<SharedToken> {
        WebhookVerify::with_scheme(SharedToken::basic(), user_password)
            .event_shape(EventShape::new(
                Location::Body("MessageID"),
                Location::Body("RecordType"),
                Location::Body(""),
            ))
            .without_event_ids()
    }

    /// Figma (webhooks V2): the passcode set on the webhook, in the JSON body's `passcode`.
    /// The body itself is not signed: only the passcode is checked, so anyone who has seen
    /// one delivery can send others. A body without a `passcode` string is refused (400).
    /// Signing cannot put the passcode in a body: the sender writes it in the JSON.
    /// See <https://www.figma.com/developers/api#webhooks_v2>.
    ///
    /// Its deliveries carry no event id, so [`dedupe`](Self::dedupe) cannot key on one:
    /// applying the layer with dedupe on panics.
    ///
    /// # Panics
    ///
    /// If the passcode is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::figma("my passcode");
    /// ```
    pub fn figma(passcode: impl AsRef<[u8]>) -> WebhookVerify<SharedToken> {
        WebhookVerify::with_scheme(SharedToken::body_field("passcode"), passcode)
            .event_shape(EventShape::new(
                Location::Absent,
                Location::Body("event_type"),
                Location::Body(""),
            ))
            .without_event_ids()
    }
}

//! One header with a MAC of the raw body, and shared tokens.

use crate::scheme::{Algorithm, Encoding, HmacScheme, SecretForm};
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
        Self::with_scheme(scheme, secret)
    }

    /// Cal.com: `X-Cal-Signature-256: <hex>` over the raw body.
    /// See <https://cal.com/docs/developing/guides/automation/webhooks>.
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
        Self::with_scheme(scheme, secret)
    }

    /// Lemon Squeezy: `X-Signature: <hex>` over the raw body.
    /// See <https://docs.lemonsqueezy.com/help/webhooks/signing-requests>.
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
    }

    /// LINE Messaging API: `x-line-signature: <base64>` over the raw body, keyed with the
    /// channel secret.
    /// See <https://developers.line.biz/en/reference/messaging-api/#signature-validation>.
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::line("8c570fa6dd201bb328f1c1eac23a96d8");
    /// ```
    pub fn line(channel_secret: impl AsRef<[u8]>) -> Self {
        Self::with_scheme(base64_sha256("x-line-signature"), channel_secret)
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
        Self::with_scheme(scheme, client_secret)
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
        Self::with_scheme(scheme, secret)
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
        Self::with_scheme(scheme, secret)
    }

    /// Xero: `x-xero-signature: <base64>` over the raw body, keyed with the webhook key.
    /// Xero's "intent to receive" check needs nothing more: a bad signature is refused
    /// (Xero asks for 401: shape it with `on_rejection`), a good one reaches the handler,
    /// which answers 200.
    /// See <https://developer.xero.com/documentation/guides/webhooks/overview>.
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
        Self::with_scheme(scheme, client_secret)
    }

    /// Paystack: `x-paystack-signature: <hex>` HMAC-SHA512 over the raw body, keyed with
    /// the secret API key.
    /// See <https://paystack.com/docs/payments/webhooks/>.
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
        Self::with_scheme(scheme, shared_secret)
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
        Self::with_scheme(scheme, secret)
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
        Self::with_scheme(scheme, secret)
    }
}

use std::time::Duration;

use crate::scheme::{
    EventShape, HmacScheme, Location, PairScheme, StandardVariant, StandardWebhooks, TemplateScheme,
};
use crate::verify::{days, hours};
use crate::WebhookVerify;

impl WebhookVerify<HmacScheme> {
    /// Calendly: `Calendly-Webhook-Signature: t=<s>,v1=<hex>` over `{t}.{body}`, within 3
    /// minutes, as Calendly's documentation checks.
    /// See <https://developer.calendly.com/api-docs/overview/webhooks/webhook-signatures>.
    ///
    /// Its deliveries carry no event id, so [`dedupe`](Self::dedupe) cannot key on one:
    /// applying the layer with dedupe on panics.
    ///
    /// # Panics
    ///
    /// If the webhook signing key is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::calendly("webhook signing key");
    /// ```
    pub fn calendly(signing_key: impl AsRef<[u8]>) -> WebhookVerify<PairScheme> {
        WebhookVerify::with_scheme(PairScheme::calendly(), signing_key)
            .tolerance(Duration::from_secs(3 * 60))
            .event_shape(EventShape::new(
                Location::Absent,
                Location::Body("event"),
                Location::Body("payload"),
            ))
            .without_event_ids()
    }

    /// Mux: `Mux-Signature: t=<s>,v1=<hex>` over `{t}.{body}`, within 5 minutes; the
    /// body's `id` for dedupe.
    /// See <https://docs.mux.com/core/verify-webhook-signatures>.
    ///
    /// # Panics
    ///
    /// If the signing secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::mux("mux signing secret");
    /// ```
    pub fn mux(signing_secret: impl AsRef<[u8]>) -> WebhookVerify<PairScheme> {
        WebhookVerify::with_scheme(PairScheme::mux(), signing_secret)
            .event_shape(EventShape::ID_TYPE_DATA)
    }

    /// Persona: `Persona-Signature: t=<s>,v1=<hex>` over `{t}.{body}`, within 5 minutes;
    /// while a secret rotates Persona sends a space-separated group per secret, each tried.
    /// The event's `data.id` for dedupe.
    /// See <https://docs.withpersona.com/docs/webhooks-best-practices>.
    ///
    /// # Panics
    ///
    /// If the webhook secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::persona("wbhsec_...");
    /// ```
    pub fn persona(secret: impl AsRef<[u8]>) -> WebhookVerify<PairScheme> {
        WebhookVerify::with_scheme(PairScheme::persona(), secret).event_shape(EventShape::new(
            Location::Body("data.id"),
            Location::Body("data.attributes.name"),
            Location::Body("data.attributes.payload"),
        ))
    }

    /// WorkOS: `WorkOS-Signature: t=<ms>, v1=<hex>` over `{t}.{body}` (the raw body),
    /// within 180 seconds, as WorkOS's SDKs check; the body's `id` for dedupe.
    /// See <https://workos.com/docs/events/data-syncing/webhooks/3-process-the-events/b-validate-the-requests-manually>.
    ///
    /// # Panics
    ///
    /// If the webhook secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::workos("workos webhook secret");
    /// ```
    pub fn workos(secret: impl AsRef<[u8]>) -> WebhookVerify<PairScheme> {
        WebhookVerify::with_scheme(PairScheme::workos(), secret)
            .tolerance(Duration::from_secs(180))
            .event_shape(EventShape::new(
                Location::Body("id"),
                Location::Body("event"),
                Location::Body("data"),
            ))
            // WorkOS retries up to 6 times over 3 days.
            .retry_period(days(3))
    }

    /// Sanity: `sanity-webhook-signature: t=<ms>,v1=<base64url>` over `{t}.{body}`, within
    /// 5 minutes (Sanity's SDK checks no window); the `idempotency-key` header for dedupe.
    /// See <https://www.sanity.io/docs/webhooks>.
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::sanity("the secret you set");
    /// ```
    pub fn sanity(secret: impl AsRef<[u8]>) -> WebhookVerify<PairScheme> {
        WebhookVerify::with_scheme(PairScheme::sanity(), secret).event_shape(EventShape::new(
            Location::Header("idempotency-key"),
            Location::Header("sanity-operation"),
            Location::Body(""),
        ))
    }

    /// Paddle Billing: `Paddle-Signature: ts=<s>;h1=<hex>[;h1=<hex>]` over `{ts}:{body}`,
    /// every `h1` tried (Paddle sends one per secret while one rotates); the body's
    /// `event_id` for dedupe. Paddle recommends a 5-second window and both its SDKs check
    /// one, so the tolerance is 5 seconds: keep the server's clock synchronised, or widen
    /// it with [`tolerance`](WebhookVerify::tolerance).
    /// See <https://developer.paddle.com/webhooks/signature-verification>.
    ///
    /// # Panics
    ///
    /// If the secret key is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::paddle("pdl_ntfset_...");
    /// ```
    pub fn paddle(secret_key: impl AsRef<[u8]>) -> WebhookVerify<PairScheme> {
        WebhookVerify::with_scheme(PairScheme::paddle(), secret_key)
            .tolerance(Duration::from_secs(5))
            .event_shape(EventShape::new(
                Location::Body("event_id"),
                Location::Body("event_type"),
                Location::Body("data"),
            ))
            // Paddle retries for 3 days.
            .retry_period(days(3))
    }

    /// Clerk (through Svix): `svix-id`, `svix-timestamp`, `svix-signature` over
    /// `{id}.{timestamp}.{body}` with the `whsec_<base64>` signing secret, within 5
    /// minutes; signing writes the `svix-*` headers, the only ones Clerk's SDK reads.
    /// See <https://clerk.com/docs/webhooks/sync-data>.
    ///
    /// # Panics
    ///
    /// If the secret is not `whsec_` followed by base64.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::clerk("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD");
    /// ```
    pub fn clerk(signing_secret: impl AsRef<[u8]>) -> WebhookVerify<StandardVariant> {
        WebhookVerify::with_scheme(StandardVariant::svix(), signing_secret)
            .event_shape(EventShape::ID_TYPE_DATA)
            // Svix retries for about 28 hours.
            .retry_period(hours(28))
    }

    /// Resend (through Svix): `svix-id`, `svix-timestamp`, `svix-signature` over
    /// `{id}.{timestamp}.{body}` with the `whsec_<base64>` signing secret, within 5
    /// minutes. See <https://resend.com/docs/webhooks/verify-webhooks-requests>.
    ///
    /// # Panics
    ///
    /// If the secret is not `whsec_` followed by base64.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::resend("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD");
    /// ```
    pub fn resend(signing_secret: impl AsRef<[u8]>) -> WebhookVerify<StandardVariant> {
        WebhookVerify::with_scheme(StandardVariant::svix(), signing_secret)
            .event_shape(EventShape::ID_TYPE_DATA)
            // Svix retries for about 28 hours.
            .retry_period(hours(28))
    }

    /// Replicate: Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`
    /// over `{id}.{timestamp}.{body}`) with the `whsec_<base64>` secret, within 5 minutes.
    /// See <https://replicate.com/docs/topics/webhooks/verify-webhook>.
    ///
    /// # Panics
    ///
    /// If the secret is not `whsec_` followed by base64.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::replicate("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD");
    /// ```
    pub fn replicate(secret: impl AsRef<[u8]>) -> WebhookVerify<StandardWebhooks> {
        WebhookVerify::with_scheme(StandardWebhooks, secret).event_shape(EventShape::new(
            Location::SignedId,
            Location::Body("status"),
            Location::Body(""),
        ))
    }

    /// Polar: Standard Webhooks headers over `{id}.{timestamp}.{body}`, within 5 minutes,
    /// keyed with the secret's own bytes as Polar's dashboard shows it (not decoded as a
    /// `whsec_` secret). See <https://docs.polar.sh/integrate/webhooks/delivery>.
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::polar("polar_whs_...");
    /// ```
    pub fn polar(secret: impl AsRef<[u8]>) -> WebhookVerify<StandardVariant> {
        WebhookVerify::with_scheme(StandardVariant::polar(), secret)
            .event_shape(EventShape::ID_TYPE_DATA)
    }

    /// Supabase Auth Hooks: Standard Webhooks headers over `{id}.{timestamp}.{body}`,
    /// within 5 minutes, with the secret as the dashboard shows it, `v1,whsec_<base64>`.
    /// See <https://supabase.com/docs/guides/auth/auth-hooks>.
    ///
    /// # Panics
    ///
    /// If the secret is not `v1,whsec_` (or `whsec_`) followed by base64.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::supabase("v1,whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD");
    /// ```
    pub fn supabase(secret: impl AsRef<[u8]>) -> WebhookVerify<StandardVariant> {
        WebhookVerify::with_scheme(StandardVariant::supabase(), secret).event_shape(
            EventShape::new(
                Location::Body("id"),
                Location::Body("type"),
                Location::Body(""),
            ),
        )
    }

    /// Zoom: `x-zm-signature: v0=<hex>` over `v0:{x-zm-request-timestamp}:{body}`, within
    /// 5 minutes. The signed `endpoint.url_validation` request is answered with
    /// `{plainToken, encryptedToken}`, the token's hex HMAC-SHA256 under the secret token.
    /// See <https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events>.
    ///
    /// Its deliveries carry no event id, so [`dedupe`](Self::dedupe) cannot key on one:
    /// applying the layer with dedupe on panics.
    ///
    /// # Panics
    ///
    /// If the secret token is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::zoom("zoom secret token");
    /// ```
    pub fn zoom(secret_token: impl AsRef<[u8]>) -> WebhookVerify<TemplateScheme> {
        WebhookVerify::with_scheme(TemplateScheme::zoom(), secret_token)
            .event_shape(EventShape::new(
                Location::Absent,
                Location::Body("event"),
                Location::Body("payload"),
            ))
            // Zoom retries three times, after 5, 30 and 90 minutes.
            .retry_period(hours(2))
            .without_event_ids()
    }

    /// Twitch EventSub: `Twitch-Eventsub-Message-Signature: sha256=<hex>` over
    /// `{message id}{timestamp}{body}`, with the RFC 3339 `Twitch-Eventsub-Message-Timestamp`
    /// within 10 minutes, as Twitch asks; the signed `Twitch-Eventsub-Message-Id` for
    /// dedupe. The signed `webhook_callback_verification` message is answered with its
    /// challenge. See <https://dev.twitch.tv/docs/eventsub/handling-webhook-events/>.
    ///
    /// # Panics
    ///
    /// If the subscription secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::twitch("subscription secret");
    /// ```
    pub fn twitch(secret: impl AsRef<[u8]>) -> WebhookVerify<TemplateScheme> {
        WebhookVerify::with_scheme(TemplateScheme::twitch(), secret)
            .tolerance(Duration::from_secs(10 * 60))
            .event_shape(EventShape::new(
                Location::Header("twitch-eventsub-message-id"),
                Location::Body("subscription.type"),
                Location::Body("event"),
            ))
    }

    /// Zendesk: `X-Zendesk-Webhook-Signature: <base64>` over `{timestamp}{body}`, with the
    /// ISO 8601 `X-Zendesk-Webhook-Signature-Timestamp` within 5 minutes; the
    /// `X-Zendesk-Webhook-Invocation-Id` header for dedupe.
    /// See <https://developer.zendesk.com/documentation/webhooks/verifying/>.
    ///
    /// # Panics
    ///
    /// If the signing secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::zendesk("webhook signing secret");
    /// ```
    pub fn zendesk(signing_secret: impl AsRef<[u8]>) -> WebhookVerify<TemplateScheme> {
        WebhookVerify::with_scheme(TemplateScheme::zendesk(), signing_secret).event_shape(
            EventShape::new(
                Location::Header("x-zendesk-webhook-invocation-id"),
                Location::Body("type"),
                Location::Body(""),
            ),
        )
    }

    /// Webflow: `x-webflow-signature: <hex>` over `{x-webflow-timestamp}:{body}`, the
    /// timestamp in milliseconds within 5 minutes, as Webflow advises.
    /// See <https://developers.webflow.com/data/docs/working-with-webhooks>.
    ///
    /// Its deliveries carry no event id, so [`dedupe`](Self::dedupe) cannot key on one:
    /// applying the layer with dedupe on panics.
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::webflow("webflow client secret");
    /// ```
    pub fn webflow(secret: impl AsRef<[u8]>) -> WebhookVerify<TemplateScheme> {
        WebhookVerify::with_scheme(TemplateScheme::webflow(), secret)
            .event_shape(EventShape::new(
                Location::Absent,
                Location::Body("triggerType"),
                Location::Body("payload"),
            ))
            .without_event_ids()
    }

    /// Box: `BOX-SIGNATURE-PRIMARY` and `BOX-SIGNATURE-SECONDARY` (base64) over
    /// `{body}{BOX-DELIVERY-TIMESTAMP}`, the RFC 3339 timestamp within 10 minutes, with
    /// `BOX-SIGNATURE-VERSION: 1` and `BOX-SIGNATURE-ALGORITHM: HmacSHA256`; the body's
    /// `id` for dedupe. Give the primary key here and the secondary with
    /// [`also_accept`](WebhookVerify::also_accept): each header is tried with each key.
    /// See <https://developer.box.com/guides/webhooks/v2/signatures-v2>.
    ///
    /// # Panics
    ///
    /// If the key is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::r#box("primary key").also_accept("secondary key");
    /// ```
    pub fn r#box(primary_key: impl AsRef<[u8]>) -> WebhookVerify<TemplateScheme> {
        WebhookVerify::with_scheme(TemplateScheme::r#box(), primary_key)
            .tolerance(Duration::from_secs(10 * 60))
            .event_shape(EventShape::new(
                Location::Body("id"),
                Location::Body("trigger"),
                Location::Body("source"),
            ))
    }

    /// Linear: `Linear-Signature: <hex>` over the raw body, whose JSON number
    /// `webhookTimestamp` (milliseconds) must be within 60 seconds, as Linear's SDK checks
    /// (a body without it is refused); the `Linear-Delivery` header for dedupe.
    /// See <https://linear.app/developers/webhooks#securing-webhooks>.
    ///
    /// # Panics
    ///
    /// If the signing secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::linear("lin_wh_...");
    /// ```
    pub fn linear(signing_secret: impl AsRef<[u8]>) -> WebhookVerify<TemplateScheme> {
        WebhookVerify::with_scheme(TemplateScheme::linear(), signing_secret)
            .tolerance(Duration::from_secs(60))
            .event_shape(EventShape::new(
                Location::Header("linear-delivery"),
                Location::Body("type"),
                Location::Body("data"),
            ))
    }
}

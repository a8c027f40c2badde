//! Presets whose schemes sign the request's context (URL, method), verify with a public
//! key, or carry their signatures in the body.

use std::time::Duration;

use crate::error::{configured, ConfigError};
#[cfg(feature = "ecdsa")]
use crate::scheme::SendGrid;
use crate::scheme::{
    Adyen, BodyHashJwt, Braintree, Contentful, HmacScheme, HubSpot, Mailgun, Square, Trello, Twilio,
};
#[cfg(feature = "ed25519")]
use crate::scheme::{Discord, Telnyx};
use crate::scheme::{EventShape, Location};
use crate::verify::{days, hours};
use crate::WebhookVerify;

/// Refuses an empty URL, which no provider signs.
fn configured_url(url: &str, what: &str) -> String {
    if url.is_empty() {
        configured::<()>(Err(ConfigError::new(format!("the {what} is empty"))));
    }
    url.to_owned()
}

impl WebhookVerify<HmacScheme> {
    /// Discord: `X-Signature-Ed25519: <hex>` over `{X-Signature-Timestamp}{body}`, verified
    /// with the application's public key in hex as the developer portal shows it. A
    /// verified `PING` is answered with `{"type":1}` before the handler; no timestamp window
    /// (Discord's SDKs check none). Dedupe keys on the body's `id`. See [`Discord`].
    ///
    /// # Panics
    ///
    /// If the key is not 64 hex characters (a public key) or 128 (a secret key: seed and
    /// public key, which can also sign).
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::discord(
    ///     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    /// );
    /// ```
    #[cfg(feature = "ed25519")]
    #[cfg_attr(docsrs, doc(cfg(feature = "ed25519")))]
    pub fn discord(public_key_hex: impl AsRef<[u8]>) -> WebhookVerify<Discord> {
        WebhookVerify::with_scheme(Discord, public_key_hex).event_shape(EventShape::ID_TYPE_DATA)
    }

    /// Telnyx: `telnyx-signature-ed25519: <base64>` over `{telnyx-timestamp}|{body}`,
    /// verified with the public key in base64 as the portal shows it, with a 300-second
    /// window. Dedupe keys on the body's `data.id`. See [`Telnyx`].
    ///
    /// # Panics
    ///
    /// If the key is not base64 of 32 bytes (a public key) or 64 bytes (a secret key: seed
    /// and public key, which can also sign).
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::telnyx(
    ///     "5/FioQvsVZr+oZXk3OhLaVaNXSywlj60RsBoXisX8vA=",
    /// );
    /// ```
    #[cfg(feature = "ed25519")]
    #[cfg_attr(docsrs, doc(cfg(feature = "ed25519")))]
    pub fn telnyx(public_key_base64: impl AsRef<[u8]>) -> WebhookVerify<Telnyx> {
        WebhookVerify::with_scheme(Telnyx, public_key_base64)
            .tolerance(Duration::from_secs(300))
            .event_shape(EventShape::new(
                Location::Body("data.id"),
                Location::Body("data.event_type"),
                Location::Body("data.payload"),
            ))
    }

    /// SendGrid's Event Webhook: `X-Twilio-Email-Event-Webhook-Signature: <base64 DER>`,
    /// ECDSA P-256 / SHA-256 over `{X-Twilio-Email-Event-Webhook-Timestamp}{body}`, verified
    /// with the verification key from Mail Settings (base64 DER). No timestamp window
    /// (SendGrid's SDKs check none). See [`SendGrid`].
    ///
    /// # Panics
    ///
    /// If the key is not base64 DER of a P-256 public key (or of a PKCS#8 secret key, which
    /// can also sign).
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::sendgrid(
    ///     "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAERxw+dYxJBChbun5TEY7Q9SSt6wdX0lvS+Oew1236cUzdUg96yoqLkXrMN/Ud6PDJu+OthYOC5wLcJaEtCfeoWA==",
    /// );
    /// ```
    #[cfg(feature = "ecdsa")]
    #[cfg_attr(docsrs, doc(cfg(feature = "ecdsa")))]
    pub fn sendgrid(public_key: impl AsRef<[u8]>) -> WebhookVerify<SendGrid> {
        WebhookVerify::with_scheme(SendGrid, public_key)
            .event_shape(EventShape::new(
                Location::Body("0.sg_event_id"),
                Location::Body("0.event"),
                Location::Body(""),
            ))
            // SendGrid retries for up to 24 hours.
            .retry_period(hours(24))
    }

    /// Square: `x-square-hmacsha256-signature: <base64>`, HMAC-SHA256 over
    /// `{notification URL}{body}`, with the subscription's signature key and the
    /// notification URL it was registered with, byte for byte. Dedupe keys on the body's
    /// `event_id`. See [`Square`].
    ///
    /// # Panics
    ///
    /// If the key or the URL is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::square(
    ///     "asdf1234",
    ///     "https://example.com/webhooks/square",
    /// );
    /// ```
    pub fn square(
        signature_key: impl AsRef<[u8]>,
        notification_url: &str,
    ) -> WebhookVerify<Square> {
        let url = configured_url(notification_url, "notification URL");
        WebhookVerify::with_scheme(Square::new(url), signature_key)
            .event_shape(EventShape::new(
                Location::Body("event_id"),
                Location::Body("type"),
                Location::Body("data"),
            ))
            // Square retries for up to 24 hours.
            .retry_period(hours(24))
    }

    /// Trello: `X-Trello-Webhook: <base64>`, HMAC-SHA1 over `{body}{callback URL}`, with the
    /// application's secret and the callback URL the webhook was created with. Dedupe keys
    /// on the body's `action.id`. See [`Trello`].
    ///
    /// # Panics
    ///
    /// If the secret or the URL is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::trello(
    ///     "app secret",
    ///     "https://example.com/webhooks/trello",
    /// );
    /// ```
    pub fn trello(app_secret: impl AsRef<[u8]>, callback_url: &str) -> WebhookVerify<Trello> {
        let url = configured_url(callback_url, "callback URL");
        WebhookVerify::with_scheme(Trello::new(url), app_secret).event_shape(EventShape::new(
            Location::Body("action.id"),
            Location::Body("action.type"),
            Location::Body("action.data"),
        ))
    }

    /// HubSpot: `X-HubSpot-Signature-v3: <base64>`, HMAC-SHA256 over
    /// `{method}{URL}{body}{timestamp}` with `X-HubSpot-Request-Timestamp` in milliseconds
    /// and a 5-minute window; the older v1 and v2 `X-HubSpot-Signature` too. The URL is the
    /// one HubSpot called: behind a proxy, set [`public_url`](WebhookVerify::public_url).
    /// See [`HubSpot`].
    ///
    /// # Panics
    ///
    /// If the client secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::hubspot("client secret")
    ///     .public_url("https://example.com");
    /// ```
    pub fn hubspot(client_secret: impl AsRef<[u8]>) -> WebhookVerify<HubSpot> {
        WebhookVerify::with_scheme(HubSpot, client_secret)
            .event_shape(EventShape::new(
                Location::Body("0.eventId"),
                Location::Body("0.subscriptionType"),
                Location::Body(""),
            ))
            // HubSpot retries up to 10 times over 24 hours.
            .retry_period(hours(24))
    }

    /// Twilio: `X-Twilio-Signature: <base64>`, HMAC-SHA1 keyed with the auth token over the
    /// URL Twilio called and the sorted form parameters, or, for a JSON body, over the URL
    /// carrying `bodySHA256`. The URL is the one Twilio called: behind a proxy, set
    /// [`public_url`](WebhookVerify::public_url). Dedupe keys on
    /// `I-Twilio-Idempotency-Token`. See [`Twilio`].
    ///
    /// # Panics
    ///
    /// If the auth token is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::twilio("12345")
    ///     .public_url("https://mycompany.com");
    /// ```
    pub fn twilio(auth_token: impl AsRef<[u8]>) -> WebhookVerify<Twilio> {
        WebhookVerify::with_scheme(Twilio, auth_token).event_shape(EventShape::new(
            Location::Header("i-twilio-idempotency-token"),
            Location::Absent,
            Location::Body(""),
        ))
    }

    /// Netlify: `X-Webhook-Signature`, an HS256 JWT signed with the JWS secret token you
    /// set, with claims `iss: "netlify"` and `sha256`, the hex SHA-256 of the body. Dedupe
    /// keys on the body's `id`. See [`BodyHashJwt`].
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::netlify("jws secret");
    /// ```
    pub fn netlify(jws_secret: impl AsRef<[u8]>) -> WebhookVerify<BodyHashJwt> {
        WebhookVerify::with_scheme(BodyHashJwt::netlify(), jws_secret).event_shape(EventShape::new(
            Location::Body("id"),
            Location::Body("state"),
            Location::Body(""),
        ))
    }

    /// Vonage: `Authorization: Bearer <JWT>`, HS256 signed with the signature secret, with
    /// claims `payload_hash` (the hex SHA-256 of the body), `iat` (checked against a
    /// 5-minute window) and `jti` (the event id dedupe keys on). See [`BodyHashJwt`].
    ///
    /// # Panics
    ///
    /// If the secret is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::vonage("signature secret");
    /// ```
    pub fn vonage(signature_secret: impl AsRef<[u8]>) -> WebhookVerify<BodyHashJwt> {
        WebhookVerify::with_scheme(BodyHashJwt::vonage(), signature_secret).event_shape(
            EventShape::new(Location::SignedId, Location::Absent, Location::Body("")),
        )
    }

    /// Mailgun: the JSON body's `signature: {timestamp, token, signature}`, hex HMAC-SHA256
    /// over `{timestamp}{token}` with the HTTP webhook signing key, with a 15-minute window
    /// (Mailgun's SDK's). **The body itself is not signed**: see [`Mailgun`]. Dedupe keys on
    /// `event-data.id`, else the token.
    ///
    /// # Panics
    ///
    /// If the signing key is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::mailgun("key-signing");
    /// ```
    pub fn mailgun(signing_key: impl AsRef<[u8]>) -> WebhookVerify<Mailgun> {
        WebhookVerify::with_scheme(Mailgun, signing_key)
            .tolerance(Duration::from_secs(15 * 60))
            .event_shape(EventShape::new(
                Location::Body("event-data.id"),
                Location::Body("event-data.event"),
                Location::Body("event-data"),
            ))
            // Mailgun retries for 8 hours.
            .retry_period(hours(8))
    }

    /// Adyen's standard payment webhooks: the notification item's
    /// `additionalData.hmacSignature`, base64 HMAC-SHA256 over its `pspReference`,
    /// `originalReference`, `merchantAccountCode`, `merchantReference`, amount, `eventCode`
    /// and `success`, with the HMAC key in hex as the Customer Area shows it. One item per
    /// request. See [`Adyen`].
    ///
    /// # Panics
    ///
    /// If the key is not hex, or is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::adyen(
    ///     "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056",
    /// );
    /// ```
    pub fn adyen(hmac_key_hex: impl AsRef<[u8]>) -> WebhookVerify<Adyen> {
        WebhookVerify::with_scheme(Adyen, hmac_key_hex)
            .event_shape(EventShape::new(
                Location::Body("notificationItems.0.NotificationRequestItem.pspReference"),
                Location::Body("notificationItems.0.NotificationRequestItem.eventCode"),
                Location::Body("notificationItems.0.NotificationRequestItem"),
            ))
            // Adyen keeps retrying an unacknowledged notification for up to 30 days.
            .retry_period(days(30))
    }

    /// Braintree: the form fields `bt_signature` (`{public key}|{hex}` pairs) and
    /// `bt_payload`, HMAC-SHA1 over the payload keyed with the SHA-1 of the private key,
    /// from the API key pair. Dedupe keys on a digest of the payload. See [`Braintree`].
    ///
    /// # Panics
    ///
    /// If the private key is empty.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::braintree("public_key", "private_key");
    /// ```
    pub fn braintree(public_key: &str, private_key: impl AsRef<[u8]>) -> WebhookVerify<Braintree> {
        WebhookVerify::with_scheme(Braintree::new(public_key), private_key).event_shape(
            EventShape::new(Location::Absent, Location::Absent, Location::Body("")),
        )
    }

    /// Contentful (App Framework): `x-contentful-signature: <hex>`, HMAC-SHA256 over the
    /// canonical request (method, path and query, the headers
    /// `x-contentful-signed-headers` lists, body), with `x-contentful-timestamp` in
    /// milliseconds and a 30-second window. See [`Contentful`].
    ///
    /// Its deliveries carry no event id, so [`dedupe`](Self::dedupe) cannot key on one:
    /// applying the layer with dedupe on panics.
    ///
    /// # Panics
    ///
    /// If the signing secret is not 64 characters.
    ///
    /// ```
    /// let layer = tower_webhook::WebhookVerify::contentful(
    ///     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    /// );
    /// ```
    pub fn contentful(secret: impl AsRef<[u8]>) -> WebhookVerify<Contentful> {
        WebhookVerify::with_scheme(Contentful, secret)
            .tolerance(Duration::from_secs(30))
            .event_shape(EventShape::new(
                Location::Absent,
                Location::Header("x-contentful-topic"),
                Location::Body(""),
            ))
            .without_event_ids()
    }
}

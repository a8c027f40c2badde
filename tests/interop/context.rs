//! The presets of this family, for the interop check and the README's table.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde_json::{json, Value};
use sha1::{Digest as _, Sha1};
use tower_webhook::scheme::{Algorithm, Claims, Encoding, HmacScheme, SecretForm};
use tower_webhook::{Rejection, Verified, WebhookVerify};

use crate::providers::{boxed, AnyVerify, Facts, Provider, Request};

const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Discord's and Telnyx's sample key pair: the seed, and its public key.
const ED25519_SEED_HEX: &str = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";
const ED25519_PUBLIC_HEX: &str = "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664";
const TELNYX_SEED: &str = "ISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0A=";
const TELNYX_PUBLIC: &str = "5/FioQvsVZr+oZXk3OhLaVaNXSywlj60RsBoXisX8vA=";
/// SendGrid's: a P-256 key pair, base64 DER (PKCS#8 and SubjectPublicKeyInfo).
const SENDGRID_SECRET: &str = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJCrze+hRANCAARHHD51jEkEKFu6flMRjtD1JK3rB1fSW9L457DXbfpxTN1SD3rKiouResw39R3o8Mm7462Fg4LnAtwloS0J96hY";
const SENDGRID_PUBLIC: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAERxw+dYxJBChbun5TEY7Q9SSt6wdX0lvS+Oew1236cUzdUg96yoqLkXrMN/Ud6PDJu+OthYOC5wLcJaEtCfeoWA==";
const CONTENTFUL_SECRET: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const URL: &str = "https://example.com/webhook";

/// An ed25519 secret key as the presets take it: the seed followed by its public key.
fn nacl_secret(seed: &[u8]) -> Vec<u8> {
    let seed: [u8; 32] = seed.try_into().unwrap();
    let public = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
    [&seed[..], public.as_bytes()].concat()
}

/// Signs a request whose signature travels in its body, with the crate's HMAC over the
/// content the provider's documentation names.
struct BodySigner {
    secret: String,
    sign: fn(&str, &mut Request, SystemTime, &str),
}

impl AnyVerify for BodySigner {
    fn sign(&self, request: &mut Request, at: SystemTime, id: &str) {
        (self.sign)(&self.secret, request, at, id);
    }

    fn verify(&self, _request: &Request, _now: SystemTime) -> Result<Verified, Rejection> {
        unreachable!("a body signer only signs")
    }

    fn event(&self, _request: &Request) -> (http::StatusCode, String) {
        unreachable!("a body signer only signs")
    }

    fn inspect(&self, _request: &Request) -> Result<(Claims, bool), Rejection> {
        unreachable!("a body signer only signs")
    }
}

fn body_signer(secret: &str, sign: fn(&str, &mut Request, SystemTime, &str)) -> Box<dyn AnyVerify> {
    Box::new(BodySigner {
        secret: secret.to_owned(),
        sign,
    })
}

/// The crate's MAC of `content` with `scheme` keyed by `secret`, as its header text.
fn mac(scheme: HmacScheme, secret: impl AsRef<[u8]>, content: &str) -> String {
    let headers = WebhookVerify::with_scheme(scheme, secret).sign(content.as_bytes());
    headers["x-webhook-signature"].to_str().unwrap().to_owned()
}

fn sign_mailgun(secret: &str, request: &mut Request, at: SystemTime, id: &str) {
    let timestamp = at.duration_since(UNIX_EPOCH).unwrap().as_secs().to_string();
    let token = hex::encode(Sha1::digest(id.as_bytes()));
    let signature = mac(HmacScheme::new(), secret, &format!("{timestamp}{token}"));
    let mut body: Value = serde_json::from_slice(&request.body).unwrap();
    body["signature"] = json!({"timestamp": timestamp, "token": token, "signature": signature});
    request.body = serde_json::to_vec(&body).unwrap();
}

fn sign_adyen(secret: &str, request: &mut Request, _at: SystemTime, _id: &str) {
    let mut body: Value = serde_json::from_slice(&request.body).unwrap();
    let item = &mut body["notificationItems"][0]["NotificationRequestItem"];
    let text = |value: &Value| match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let content = [
        &item["pspReference"],
        &item["originalReference"],
        &item["merchantAccountCode"],
        &item["merchantReference"],
        &item["amount"]["value"],
        &item["amount"]["currency"],
        &item["eventCode"],
        &item["success"],
    ]
    .map(text)
    .join(":");
    let scheme = HmacScheme::new()
        .with_secret_form(SecretForm::Hex)
        .with_encoding(Encoding::Base64);
    item["additionalData"]["hmacSignature"] = mac(scheme, secret, &content).into();
    request.body = serde_json::to_vec(&body).unwrap();
}

fn sign_braintree(secret: &str, request: &mut Request, _at: SystemTime, _id: &str) {
    let (public_key, private_key) = secret.split_once(':').unwrap();
    let payload = braintree_payload();
    let scheme = HmacScheme::new().with_algorithm(Algorithm::HmacSha1);
    let hex = mac(scheme, Sha1::digest(private_key.as_bytes()), &payload);
    request.body = form_urlencoded::Serializer::new(String::new())
        .append_pair("bt_signature", &format!("{public_key}|{hex}"))
        .append_pair("bt_payload", &payload)
        .finish()
        .into_bytes();
}

/// A `check` notification, base64 with its newline, as Braintree sends it.
fn braintree_payload() -> String {
    let xml = r#"<notification><timestamp type="datetime">2026-01-01T00:00:00Z</timestamp><kind>check</kind><subject><check type="boolean">true</check></subject></notification>"#;
    format!("{}\n", BASE64.encode(xml))
}

fn braintree_verifier(secret: &str) -> Box<dyn AnyVerify> {
    let (public_key, private_key) = secret.split_once(':').unwrap();
    boxed(WebhookVerify::braintree(public_key, private_key))
}

const ADYEN_BODY: &str = r#"{"live":"false","notificationItems":[{"NotificationRequestItem":{"additionalData":{"authCode":"1234"},"amount":{"currency":"EUR","value":1000},"eventCode":"AUTHORISATION","eventDate":"2024-01-01T12:00:00+01:00","merchantAccountCode":"TestMerchant","merchantReference":"order-1","originalReference":"","paymentMethod":"visa","pspReference":"7914073381342284","reason":"","success":"true"}}]}"#;

pub(crate) fn providers() -> Vec<Provider> {
    vec![
        Provider {
            name: "discord",
            verifier: |key| boxed(WebhookVerify::discord(key)),
            signer: |seed| {
                let secret = nacl_secret(&hex::decode(seed).unwrap());
                boxed(WebhookVerify::discord(hex::encode(secret)))
            },
            verify_secret: ED25519_PUBLIC_HEX.into(),
            sign_secret: ED25519_SEED_HEX.into(),
            request: || Request::json(r#"{"id":"1234","type":2,"data":{"name":"ping"}}"#),
            facts: Facts {
                header: "`X-Signature-Ed25519: <hex>`, `X-Signature-Timestamp`",
                signed: "`{timestamp}{body}`",
                algorithm: "Ed25519, hex; public key in hex",
                window: "none (as the SDKs)",
                dedupe_id: "body `id`",
                handshake: "verified `PING` → `{\"type\":1}`",
                docs: "https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers",
                peer_package: "discord-interactions",
            },
        },
        Provider {
            name: "telnyx",
            verifier: |key| boxed(WebhookVerify::telnyx(key)),
            signer: |seed| {
                let secret = nacl_secret(&BASE64.decode(seed).unwrap());
                boxed(WebhookVerify::telnyx(BASE64.encode(secret)))
            },
            verify_secret: TELNYX_PUBLIC.into(),
            sign_secret: TELNYX_SEED.into(),
            request: || {
                Request::json(r#"{"data":{"event_type":"message.received","id":"0ccc7b54-4df3-4bca-a65a-3da1ecc777f0","record_type":"event","payload":{"text":"hi"}},"meta":{"attempt":1}}"#)
            },
            facts: Facts {
                header: "`telnyx-signature-ed25519: <base64>`, `telnyx-timestamp`",
                signed: "`{timestamp}\\|{body}`",
                algorithm: "Ed25519, base64; public key in base64",
                window: "300 s",
                dedupe_id: "body `data.id`",
                handshake: "none",
                docs: "https://developers.telnyx.com/docs/messaging/messages/receiving-webhooks",
                peer_package: "telnyx",
            },
        },
        Provider {
            name: "sendgrid",
            verifier: |key| boxed(WebhookVerify::sendgrid(key)),
            signer: |key| boxed(WebhookVerify::sendgrid(key)),
            verify_secret: SENDGRID_PUBLIC.into(),
            sign_secret: SENDGRID_SECRET.into(),
            request: || {
                Request::json(r#"[{"email":"example@test.com","event":"delivered","sg_event_id":"sg_event_id_1","sg_message_id":"sg_message_id","timestamp":1513299569}]"#)
            },
            facts: Facts {
                header: "`X-Twilio-Email-Event-Webhook-Signature: <base64 DER>`, `X-Twilio-Email-Event-Webhook-Timestamp`",
                signed: "`{timestamp}{body}`",
                algorithm: "ECDSA P-256 / SHA-256, base64 DER; public key base64 DER",
                window: "none (as the SDKs)",
                dedupe_id: "`sg_event_id` (a digest of all for a batch)",
                handshake: "none",
                docs: "https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features",
                peer_package: "sendgrid",
            },
        },
        Provider {
            name: "square",
            verifier: |key| boxed(WebhookVerify::square(key, URL)),
            signer: |key| boxed(WebhookVerify::square(key, URL)),
            verify_secret: "square signature key".into(),
            sign_secret: "square signature key".into(),
            request: || {
                Request::json(r#"{"merchant_id":"6SSW7HV8K2ST5","type":"payment.updated","event_id":"13b867cf-db3d-4b1c-90b6-2f32a9d78124","data":{"type":"payment","id":"KkAkhdMsgzn59SM8A89WgKwekxLZY"}}"#)
            },
            facts: Facts {
                header: "`x-square-hmacsha256-signature: <base64>`",
                signed: "`{notification URL}{body}` (URL configured)",
                algorithm: "HMAC-SHA256, base64",
                window: "none",
                dedupe_id: "body `event_id`",
                handshake: "none",
                docs: "https://developer.squareup.com/docs/webhooks/step3validate",
                peer_package: "square",
            },
        },
        Provider {
            name: "trello",
            verifier: |key| boxed(WebhookVerify::trello(key, URL)),
            signer: |key| boxed(WebhookVerify::trello(key, URL)),
            verify_secret: "trello app secret".into(),
            sign_secret: "trello app secret".into(),
            request: || {
                Request::json(r#"{"action":{"id":"51f9424bcd6e040f3c002412","type":"updateCard","data":{"card":{"id":"c1"}}},"model":{"id":"4d5ea62fd76aa1136000000c"}}"#)
            },
            facts: Facts {
                header: "`X-Trello-Webhook: <base64>`",
                signed: "`{body}{callback URL}` (URL configured)",
                algorithm: "HMAC-SHA1, base64",
                window: "none",
                dedupe_id: "body `action.id`",
                handshake: "none",
                docs: "https://developer.atlassian.com/cloud/trello/guides/rest-api/webhooks/#webhook-signatures",
                peer_package: "documented construction",
            },
        },
        Provider {
            name: "hubspot",
            verifier: |key| boxed(WebhookVerify::hubspot(key)),
            signer: |key| boxed(WebhookVerify::hubspot(key)),
            verify_secret: "hubspot client secret".into(),
            sign_secret: "hubspot client secret".into(),
            request: || {
                Request::new(
                    "POST",
                    "https://example.com/webhooks/hubspot?portal=62515&x=a%20b",
                    r#"[{"eventId":1,"subscriptionId":12,"portalId":62515,"subscriptionType":"contact.creation","objectId":123}]"#,
                )
                .header("content-type", "application/json")
            },
            facts: Facts {
                header: "`X-HubSpot-Signature-v3: <base64>`, `X-HubSpot-Request-Timestamp` (ms); v1/v2 `X-HubSpot-Signature`",
                signed: "v3 `{method}{URL}{body}{timestamp}`; v2 `{secret}{method}{URL}{body}`; v1 `{secret}{body}`",
                algorithm: "HMAC-SHA256, base64; v1/v2 SHA-256, hex",
                window: "5 min (v3)",
                dedupe_id: "`eventId` (a digest of all for a batch)",
                handshake: "none",
                docs: "https://developers.hubspot.com/docs/guides/apps/authentication/validating-requests",
                peer_package: "@hubspot/api-client",
            },
        },
        Provider {
            name: "twilio",
            verifier: |key| boxed(WebhookVerify::twilio(key)),
            signer: |key| boxed(WebhookVerify::twilio(key)),
            verify_secret: "12345".into(),
            sign_secret: "12345".into(),
            request: || {
                Request::form(
                    "https://mycompany.com/myapp.php?foo=1&bar=2",
                    "CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234&From=%2B12349013030&To=%2B18005551212&Body=Hello+world&Body=Hello+world&Body=again",
                )
            },
            facts: Facts {
                header: "`X-Twilio-Signature: <base64>`",
                signed: "`{URL}` then each form param sorted `{name}{value}`; JSON: `{URL with bodySHA256}`",
                algorithm: "HMAC-SHA1 (HMAC-SHA256 per `X-Twilio-Webhooks-Signature-Settings`), base64",
                window: "none",
                dedupe_id: "`I-Twilio-Idempotency-Token`",
                handshake: "none",
                docs: "https://www.twilio.com/docs/usage/webhooks/webhooks-security",
                peer_package: "twilio",
            },
        },
        Provider {
            name: "netlify",
            verifier: |key| boxed(WebhookVerify::netlify(key)),
            signer: |key| boxed(WebhookVerify::netlify(key)),
            verify_secret: "netlify jws secret".into(),
            sign_secret: "netlify jws secret".into(),
            request: || Request::json(r#"{"id":"5e5c5d5b5a","state":"ready","name":"site"}"#),
            facts: Facts {
                header: "`X-Webhook-Signature: <JWT>`",
                signed: "JWT `{header}.{payload}`; claims `iss: netlify`, `sha256` of the body",
                algorithm: "HS256 JWT",
                window: "none",
                dedupe_id: "body `id`",
                handshake: "none",
                docs: "https://docs.netlify.com/site-deploys/deploy-notifications/#payload-signature",
                peer_package: "documented construction",
            },
        },
        Provider {
            name: "vonage",
            verifier: |key| boxed(WebhookVerify::vonage(key)),
            signer: |key| boxed(WebhookVerify::vonage(key)),
            verify_secret: "vonage signature secret".into(),
            sign_secret: "vonage signature secret".into(),
            request: || {
                Request::json(r#"{"message_uuid":"aaaaaaaa-bbbb-cccc-dddd-0123456789ab","to":"447700900000","status":"delivered"}"#)
            },
            facts: Facts {
                header: "`Authorization: Bearer <JWT>`",
                signed: "JWT `{header}.{payload}`; claims `payload_hash` of the body, `iat`, `jti`",
                algorithm: "HS256 JWT",
                window: "5 min (`iat`)",
                dedupe_id: "JWT `jti` (signed)",
                handshake: "none",
                docs: "https://developer.vonage.com/en/getting-started/concepts/webhooks#validating-signed-webhooks",
                peer_package: "@vonage/jwt",
            },
        },
        Provider {
            name: "mailgun",
            verifier: |key| boxed(WebhookVerify::mailgun(key)),
            signer: |key| body_signer(key, sign_mailgun),
            verify_secret: "key-mailgun-signing".into(),
            sign_secret: "key-mailgun-signing".into(),
            request: || {
                Request::json(r#"{"event-data":{"id":"CPgfbmQMTCKtHW6uIWtuVe","event":"delivered"}}"#)
            },
            facts: Facts {
                header: "body `signature: {timestamp, token, signature}`",
                signed: "`{timestamp}{token}` (**the body is not signed**)",
                algorithm: "HMAC-SHA256, hex",
                window: "15 min (as the SDK)",
                dedupe_id: "body `event-data.id`, else the token",
                handshake: "none",
                docs: "https://documentation.mailgun.com/docs/mailgun/user-manual/events/webhooks/#securing-webhooks",
                peer_package: "mailgun",
            },
        },
        Provider {
            name: "adyen",
            verifier: |key| boxed(WebhookVerify::adyen(key)),
            signer: |key| body_signer(key, sign_adyen),
            verify_secret: "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056".into(),
            sign_secret: "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056".into(),
            request: || Request::json(ADYEN_BODY),
            facts: Facts {
                header: "body `additionalData.hmacSignature` of the one `NotificationRequestItem`",
                signed: "`pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success`",
                algorithm: "HMAC-SHA256, base64; key in hex",
                window: "none",
                dedupe_id: "`pspReference:eventCode:success`",
                handshake: "none",
                docs: "https://docs.adyen.com/development-resources/webhooks/secure-webhooks/verify-hmac-signatures/",
                peer_package: "@adyen/api-library",
            },
        },
        Provider {
            name: "braintree",
            verifier: braintree_verifier,
            signer: |key| body_signer(key, sign_braintree),
            verify_secret: "interop_public:interop_private".into(),
            sign_secret: "interop_public:interop_private".into(),
            request: || Request::form(URL, ""),
            facts: Facts {
                header: "form fields `bt_signature` (`{public key}\\|{hex}`), `bt_payload`",
                signed: "`bt_payload` as sent",
                algorithm: "HMAC-SHA1 keyed with SHA-1(private key), hex",
                window: "none",
                dedupe_id: "SHA-256 of `bt_payload`",
                handshake: "none",
                docs: "https://developer.paypal.com/braintree/docs/guides/webhooks/parse",
                peer_package: "braintree",
            },
        },
        Provider {
            name: "contentful",
            verifier: |key| boxed(WebhookVerify::contentful(key)),
            signer: |key| boxed(WebhookVerify::contentful(key)),
            verify_secret: CONTENTFUL_SECRET.into(),
            sign_secret: CONTENTFUL_SECRET.into(),
            request: || {
                Request::new(
                    "POST",
                    "https://example.com/apps/contentful?space=s1&q=a%20b",
                    r#"{"sys":{"id":"entry-1","type":"Entry"},"fields":{}}"#,
                )
                .header("content-type", "application/json")
                .header("x-contentful-space-id", "s1")
                .header("x-contentful-topic", "ContentManagement.Entry.publish")
            },
            facts: Facts {
                header: "`x-contentful-signature: <hex>`, `x-contentful-timestamp` (ms), `x-contentful-signed-headers`",
                signed: "`{METHOD}\\n{path?query, escaped twice}\\n{signed headers}\\n{body}`",
                algorithm: "HMAC-SHA256, hex",
                window: "30 s",
                dedupe_id: "none",
                handshake: "none",
                docs: "https://www.contentful.com/developers/docs/extensibility/app-framework/request-verification/",
                peer_package: "@contentful/node-apps-toolkit",
            },
        },
    ]
}

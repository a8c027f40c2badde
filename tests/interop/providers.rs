//! Every preset, as the interop check and the README's providers table see it.

use std::time::SystemTime;

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde_json::Value;
use tower_webhook::scheme::{Claims, RequestHead, Scheme, SignedContent};
use tower_webhook::{Rejection, Verified, WebhookVerify};

/// One preset: how to build it, what the peers get, a sample delivery, and its facts.
pub(crate) struct Provider {
    /// The constructor's name, which is also the peers' name for the provider.
    pub(crate) name: &'static str,
    /// The layer that verifies, from `verify_secret` (or an example's secret).
    pub(crate) verifier: fn(&str) -> Box<dyn AnyVerify>,
    /// The layer that signs, from `sign_secret` (the same as `verifier` for shared secrets;
    /// built from the secret key for asymmetric ones).
    pub(crate) signer: fn(&str) -> Box<dyn AnyVerify>,
    /// The secret, or public key, in the form the provider shows it.
    pub(crate) verify_secret: String,
    /// The secret, or secret key, that signs.
    pub(crate) sign_secret: String,
    /// A sample delivery, unsigned.
    pub(crate) request: fn() -> Request,
    pub(crate) facts: Facts,
}

/// What the README's providers table says about a preset.
pub(crate) struct Facts {
    /// The headers (or body fields) that carry the signature and what it covers.
    pub(crate) header: &'static str,
    /// The signed content, e.g. `{t}.{body}`.
    pub(crate) signed: &'static str,
    /// Algorithm and encoding, e.g. `HMAC-SHA256, hex`.
    pub(crate) algorithm: &'static str,
    /// The timestamp window, or `none`.
    pub(crate) window: &'static str,
    /// Where dedupe finds the event id.
    pub(crate) dedupe_id: &'static str,
    /// The setup handshake the layer answers, or `none`.
    pub(crate) handshake: &'static str,
    /// The provider's documentation of the scheme.
    pub(crate) docs: &'static str,
    /// The peer that proves it: a package name its answers contain (`svix`,
    /// `@octokit/webhooks-methods`, `slack_sdk`), or `documented construction`.
    pub(crate) peer_package: &'static str,
}

/// A layer of any scheme, as far as the interop check needs it.
pub(crate) trait AnyVerify {
    fn sign(&self, request: &mut Request, at: SystemTime, id: &str);
    fn verify(&self, request: &Request, now: SystemTime) -> Result<Verified, Rejection>;
    /// The status and text of a `WebhookEvent` handler behind this layer: `{id} {kind}`.
    #[allow(dead_code)] // Used by the interop test, not by the property tests.
    fn event(&self, request: &Request) -> (http::StatusCode, String);
    /// What the verifying scheme reads from a request: its claims, with those it takes
    /// from the body, and whether the signature covers the raw body (in the signed content,
    /// or by a digest a signed token states); or why it cannot read the request.
    #[allow(dead_code)] // Used by the property tests, which include this registry.
    fn inspect(&self, request: &Request) -> Result<(Claims, bool), Rejection>;
}

impl<S: Scheme + Clone> AnyVerify for WebhookVerify<S> {
    fn sign(&self, request: &mut Request, at: SystemTime, id: &str) {
        let mut http = request.to_http();
        self.sign_request_at(&mut http, at, id);
        request.headers = http.headers().clone();
    }

    fn verify(&self, request: &Request, now: SystemTime) -> Result<Verified, Rejection> {
        let (head, body) = request.to_http().into_parts();
        self.verify_at(&head, Bytes::from(body), now)
    }

    fn event(&self, request: &Request) -> (http::StatusCode, String) {
        use tower::ServiceExt as _;
        async fn handle(event: tower_webhook::WebhookEvent) -> String {
            format!("{} {}", event.id(), event.kind())
        }
        let http = request.to_http();
        let path = http.uri().path().to_owned();
        let app = axum::Router::new()
            .route(&path, axum::routing::any(handle))
            .layer(self.clone());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let response = app.oneshot(http.map(axum::body::Body::from)).await.unwrap();
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .unwrap();
            (status, String::from_utf8_lossy(&body).into_owned())
        })
    }

    fn inspect(&self, request: &Request) -> Result<(Claims, bool), Rejection> {
        let http = request.to_http();
        let head = RequestHead::new(http.method(), http.uri(), http.headers());
        let mut claims = self.scheme().parse(&head)?;
        let mut content = SignedContent::default();
        self.scheme()
            .signed_content(&head, &mut claims, http.body(), &mut content)?;
        let covers_body = content.signs_body() || claims.body_sha256.is_some();
        Ok((claims, covers_body))
    }
}

/// A delivery: method, public URL, headers and body.
#[derive(Clone, Debug)]
pub(crate) struct Request {
    pub(crate) method: Method,
    url: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Request {
    /// A request to `url` (absolute, `https://host/path?query`).
    pub(crate) fn new(method: &str, url: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            method: method.parse().unwrap(),
            url: url.to_owned(),
            headers: HeaderMap::new(),
            body: body.into(),
        }
    }

    /// A JSON POST to `https://example.com/webhook`.
    pub(crate) fn json(body: &str) -> Self {
        Self::new("POST", "https://example.com/webhook", body)
            .header("content-type", "application/json")
    }

    /// A form POST to `url`.
    pub(crate) fn form(url: &str, body: &str) -> Self {
        Self::new("POST", url, body).header("content-type", "application/x-www-form-urlencoded")
    }

    pub(crate) fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
        self
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The request as the server sees it: the path and query as its URI, the host in
    /// `Host`.
    pub(crate) fn to_http(&self) -> http::Request<Vec<u8>> {
        let uri: http::Uri = self.url.parse().unwrap();
        let mut request = http::Request::builder()
            .method(self.method.clone())
            .uri(uri.path_and_query().map_or("/", |p| p.as_str()))
            .body(self.body.clone())
            .unwrap();
        *request.headers_mut() = self.headers.clone();
        if let Some(authority) = uri.authority() {
            request
                .headers_mut()
                .insert(http::header::HOST, authority.as_str().parse().unwrap());
        }
        request
    }

    /// The same request with one byte of the body changed (the last one, which keeps JSON
    /// and form bodies parseable where the last byte is a value's).
    pub(crate) fn with_body_byte_changed(&self) -> Self {
        let mut changed = self.clone();
        let index = changed
            .body
            .iter()
            .rposition(u8::is_ascii_alphanumeric)
            .unwrap_or(changed.body.len().saturating_sub(1));
        if let Some(byte) = changed.body.get_mut(index) {
            *byte = if *byte == b'1' { b'2' } else { b'1' };
        } else {
            changed.body.push(b' ');
        }
        changed
    }

    /// The same request with the last alphanumeric byte of each of the headers `names`
    /// changed (for a token, which covers no byte of the body).
    pub(crate) fn with_header_byte_changed(&self, names: &[String]) -> Self {
        let mut changed = self.clone();
        for name in names {
            let Some(value) = changed.headers.get_mut(name.as_str()) else {
                continue;
            };
            let mut bytes = value.as_bytes().to_vec();
            if let Some(byte) = bytes.iter_mut().rev().find(|b| b.is_ascii_alphanumeric()) {
                *byte = if *byte == b'1' { b'2' } else { b'1' };
            }
            *value = HeaderValue::from_bytes(&bytes).unwrap();
        }
        changed
    }

    /// Sets headers from a peer's JSON object (a value or a list of values each).
    pub(crate) fn set_headers(&mut self, headers: &serde_json::Map<String, Value>) {
        for (name, value) in headers {
            let name = HeaderName::from_bytes(name.as_bytes()).unwrap();
            self.headers.remove(&name);
            let values = match value {
                Value::Array(values) => values.clone(),
                other => vec![other.clone()],
            };
            for value in values {
                let text = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_owned);
                self.headers
                    .append(name.clone(), HeaderValue::from_str(&text).unwrap());
            }
        }
    }

    /// Applies what a peer's sign answer says: its headers, and the body or URL where it
    /// changed them.
    pub(crate) fn apply_signed(&mut self, headers: &Value, answer: &Value) {
        if let Some(headers) = headers.as_object() {
            self.set_headers(headers);
        }
        if let Some(body) = answer.get("body_b64").and_then(Value::as_str) {
            self.body = base64::engine::general_purpose::STANDARD
                .decode(body)
                .unwrap();
        }
        if let Some(url) = answer.get("url").and_then(Value::as_str) {
            self.url = url.to_owned();
        }
    }
}

/// [`Facts::signed`] of a preset whose sender signs nothing and sends a shared token in a
/// header: the interop check changes a byte of the token rather than of the body.
pub(crate) const TOKEN_IN_HEADER: &str = "nothing (a token in a header)";

/// A preset whose one secret both verifies and signs.
pub(crate) fn shared(
    name: &'static str,
    layer: fn(&str) -> Box<dyn AnyVerify>,
    secret: &str,
    request: fn() -> Request,
    facts: Facts,
) -> Provider {
    Provider {
        name,
        verifier: layer,
        signer: layer,
        verify_secret: secret.into(),
        sign_secret: secret.into(),
        request,
        facts,
    }
}

/// A boxed layer, for `Provider::verifier` and `signer`.
pub(crate) fn boxed<S: Scheme + Clone>(verify: WebhookVerify<S>) -> Box<dyn AnyVerify> {
    Box::new(verify)
}

/// Every preset.
pub(crate) fn all() -> Vec<Provider> {
    let mut all = original();
    all.extend(crate::header::providers());
    all.extend(crate::timestamped::providers());
    all.extend(crate::context::providers());
    all
}

/// The presets of the first release.
fn original() -> Vec<Provider> {
    vec![
        Provider {
            name: "github",
            verifier: |secret| boxed(WebhookVerify::github(secret)),
            signer: |secret| boxed(WebhookVerify::github(secret)),
            verify_secret: "It's a Secret to Everybody".into(),
            sign_secret: "It's a Secret to Everybody".into(),
            request: || {
                Request::json(r#"{"action":"opened","number":1}"#).header("x-github-event", "issues")
            },
            facts: Facts {
                header: "`X-Hub-Signature-256: sha256=<hex>`",
                signed: "body",
                algorithm: "HMAC-SHA256, hex",
                window: "none",
                dedupe_id: "`X-GitHub-Delivery`",
                handshake: "none",
                docs: "https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries",
                peer_package: "@octokit/webhooks-methods",
            },
        },
        Provider {
            name: "stripe",
            verifier: |secret| boxed(WebhookVerify::stripe(secret)),
            signer: |secret| boxed(WebhookVerify::stripe(secret)),
            verify_secret: "whsec_test_secret".into(),
            sign_secret: "whsec_test_secret".into(),
            request: || Request::json(r#"{"id":"evt_1","object":"event","type":"charge.succeeded","data":{"object":{"id":"ch_1"}}}"#),
            facts: Facts {
                header: "`Stripe-Signature: t=<s>,v1=<hex>[,v1=...]`",
                signed: "`{t}.{body}`",
                algorithm: "HMAC-SHA256, hex",
                window: "±5 min",
                dedupe_id: "body `id`",
                handshake: "none",
                docs: "https://docs.stripe.com/webhooks#verify-manually",
                peer_package: "stripe",
            },
        },
        Provider {
            name: "slack",
            verifier: |secret| boxed(WebhookVerify::slack(secret)),
            signer: |secret| boxed(WebhookVerify::slack(secret)),
            verify_secret: "8f742231b10e8888abcd99yyyzzz85a5".into(),
            sign_secret: "8f742231b10e8888abcd99yyyzzz85a5".into(),
            request: || {
                Request::json(r#"{"type":"event_callback","event_id":"Ev1","event":{"type":"message"}}"#)
            },
            facts: Facts {
                header: "`X-Slack-Signature: v0=<hex>`, `X-Slack-Request-Timestamp`",
                signed: "`v0:{timestamp}:{body}`",
                algorithm: "HMAC-SHA256, hex",
                window: "±5 min",
                dedupe_id: "body `event_id`",
                handshake: "`url_verification`",
                docs: "https://api.slack.com/authentication/verifying-requests-from-slack",
                peer_package: "slack_sdk",
            },
        },
        Provider {
            name: "shopify",
            verifier: |secret| boxed(WebhookVerify::shopify(secret)),
            signer: |secret| boxed(WebhookVerify::shopify(secret)),
            verify_secret: "shpss_test_secret".into(),
            sign_secret: "shpss_test_secret".into(),
            request: || {
                Request::json(r#"{"id":820982911946154508,"email":"jon@example.com"}"#)
                    .header("x-shopify-topic", "orders/create")
                    .header("x-shopify-shop-domain", "example.myshopify.com")
                    .header("x-shopify-api-version", "2025-07")
            },
            facts: Facts {
                header: "`X-Shopify-Hmac-Sha256: <base64>`",
                signed: "body",
                algorithm: "HMAC-SHA256, base64",
                window: "none",
                dedupe_id: "`X-Shopify-Webhook-Id`",
                handshake: "none",
                docs: "https://shopify.dev/docs/apps/build/webhooks/subscribe/https",
                peer_package: "@shopify/shopify-api",
            },
        },
        Provider {
            name: "standard",
            verifier: |secret| boxed(WebhookVerify::standard(secret)),
            signer: |secret| boxed(WebhookVerify::standard(secret)),
            verify_secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
            sign_secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
            request: || Request::json(r#"{"type":"user.created","data":{"id":"u_1"}}"#),
            facts: Facts {
                header: "`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64> ...` (or `svix-*`)",
                signed: "`{id}.{timestamp}.{body}`",
                algorithm: "HMAC-SHA256, base64",
                window: "±5 min",
                dedupe_id: "`webhook-id` (signed)",
                handshake: "none",
                docs: "https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md",
                peer_package: "standardwebhooks",
            },
        },
        Provider {
            name: "standard_ed25519",
            verifier: |key| boxed(WebhookVerify::standard_ed25519(key)),
            signer: |key| boxed(WebhookVerify::standard_ed25519(key)),
            verify_secret: ed25519_key("whpk_", 7, true),
            sign_secret: ed25519_key("whsk_", 7, false),
            request: || Request::json(r#"{"type":"user.created","data":{"id":"u_1"}}"#),
            facts: Facts {
                header: "as `standard`, `v1a,<base64>`",
                signed: "`{id}.{timestamp}.{body}`",
                algorithm: "ed25519, base64",
                window: "±5 min",
                dedupe_id: "`webhook-id` (signed)",
                handshake: "none",
                docs: "https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md",
                peer_package: "documented construction",
            },
        },
    ]
}

/// A Standard Webhooks ed25519 key from a fixed seed: the public key (`whpk_`) or the
/// seed itself (`whsk_`).
fn ed25519_key(prefix: &str, seed: u8, public: bool) -> String {
    let secret = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    let bytes = if public {
        secret.verifying_key().to_bytes()
    } else {
        secret.to_bytes()
    };
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

use http::{HeaderMap, HeaderName};

use super::{
    body_field_id, check_signature_count, decode_signature, encode_signature, header_value,
    valid_event_id, Algorithm, Claims, Encoding, Key, RequestHead, Scheme, SecretForm,
    MAX_SIGNATURES,
};
use crate::error::ConfigError;
use crate::rejection::Rejection;

/// One header holding a MAC of the raw body, optionally behind a prefix: the shape most
/// providers use.
///
/// It covers the platforms of the `{id, type, payload}` envelope (`x-<platform>-signature:
/// <hex>`, the default of [`WebhookVerify::new`](crate::WebhookVerify::new)), GitHub
/// (`X-Hub-Signature-256: sha256=<hex>`), Shopify (`X-Shopify-Hmac-Sha256: <base64>`) and
/// the many providers that differ from them only in the header, the prefix, the encoding,
/// the hash or the form of the secret. Change it with
/// [`header`](crate::WebhookVerify::header), [`prefix`](crate::WebhookVerify::prefix) and
/// [`encoding`](crate::WebhookVerify::encoding), or build one with the methods here and
/// [`WebhookVerify::with_scheme`](crate::WebhookVerify::with_scheme).
///
/// ```
/// use tower_webhook::scheme::{Algorithm, Encoding, HmacScheme};
/// use tower_webhook::WebhookVerify;
///
/// // `X-Acme-Signature: sha1=<base64>` over the raw body.
/// let scheme = HmacScheme::new()
///     .with_header("x-acme-signature")
///     .with_prefix("sha1=")
///     .with_encoding(Encoding::Base64)
///     .with_algorithm(Algorithm::HmacSha1);
/// let layer = WebhookVerify::with_scheme(scheme, "secret");
/// ```
#[derive(Debug, Clone)]
pub struct HmacScheme {
    pub(crate) header: HeaderName,
    pub(crate) prefix: String,
    pub(crate) encoding: Encoding,
    algorithm: Algorithm,
    /// Splits one header value into several signatures (rotation), where the sender
    /// lists them.
    separator: Option<char>,
    secret_form: SecretForm,
    /// The header carrying the event id, where the sender puts it there rather than in
    /// the body (not signed).
    event_id_header: Option<HeaderName>,
    /// The body's top-level field holding the event id, where it is not `id`.
    event_id_field: &'static str,
}

impl HmacScheme {
    /// `x-webhook-signature: <hex>`, HMAC-SHA256.
    pub fn new() -> Self {
        Self {
            header: HeaderName::from_static("x-webhook-signature"),
            prefix: String::new(),
            encoding: Encoding::Hex,
            algorithm: Algorithm::HmacSha256,
            separator: None,
            secret_form: SecretForm::Raw,
            event_id_header: None,
            event_id_field: "id",
        }
    }

    /// GitHub: `X-Hub-Signature-256: sha256=<hex>`.
    pub fn github() -> Self {
        Self::new()
            .with_header("x-hub-signature-256")
            .with_prefix("sha256=")
            .with_event_id_header("x-github-delivery")
    }

    /// Shopify: `X-Shopify-Hmac-Sha256: <base64>`.
    pub fn shopify() -> Self {
        Self::new()
            .with_header("x-shopify-hmac-sha256")
            .with_encoding(Encoding::Base64)
            .with_event_id_header("x-shopify-webhook-id")
    }

    /// The header that carries the signature.
    ///
    /// # Panics
    ///
    /// If `name` is not a valid header name; use
    /// [`WebhookVerify::try_header`](crate::WebhookVerify::try_header) to handle that as an
    /// error.
    pub fn with_header(mut self, name: &str) -> Self {
        self.header = crate::error::configured(header_name(name));
        self
    }

    /// Text that stands before the encoded signature, such as `sha256=`.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How the signature is encoded (default hex).
    pub fn with_encoding(mut self, encoding: Encoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// The MAC (default HMAC-SHA256).
    pub fn with_algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// The header may hold several signatures split by `separator`, each behind the prefix
    /// (`v1=<hex>,v1=<hex>` while a secret rotates).
    pub fn with_separator(mut self, separator: char) -> Self {
        self.separator = Some(separator);
        self
    }

    /// How the provider shows the secret (default: its bytes as given).
    pub fn with_secret_form(mut self, form: SecretForm) -> Self {
        self.secret_form = form;
        self
    }

    /// The header that carries the event id for dedupe (not signed).
    ///
    /// # Panics
    ///
    /// If `name` is not a valid header name.
    pub fn with_event_id_header(mut self, name: &str) -> Self {
        self.event_id_header = Some(crate::error::configured(header_name(name)));
        self
    }

    /// The body's top-level field that holds the event id for dedupe (default `id`).
    pub fn with_event_id_field(mut self, field: &'static str) -> Self {
        self.event_id_field = field;
        self
    }

    /// The header that carries the signature.
    pub fn header(&self) -> &HeaderName {
        &self.header
    }
}

pub(crate) fn header_name(name: &str) -> Result<HeaderName, ConfigError> {
    HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
        ConfigError::new(format!(
            "{name:?} is not a valid HTTP header name (letters, digits and `-`, no spaces)"
        ))
    })
}

impl Default for HmacScheme {
    fn default() -> Self {
        Self::new()
    }
}

impl Scheme for HmacScheme {
    fn parse(&self, request: &RequestHead<'_>) -> Result<Claims, Rejection> {
        let value = request.header(&self.header)?;
        let malformed = |detail| Rejection::malformed_header(self.header.clone(), detail);
        let mut claims = Claims::default();
        let mut add = |item: &str| {
            let encoded = item
                .strip_prefix(self.prefix.as_str())
                .ok_or_else(|| malformed("missing prefix"))?;
            let signature =
                decode_signature(self.algorithm, self.encoding, encoded).map_err(malformed)?;
            claims.signatures.push(signature);
            Ok::<_, Rejection>(())
        };
        match self.separator {
            Some(separator) => {
                for item in value.split(separator).take(MAX_SIGNATURES + 1) {
                    add(item.trim())?;
                }
            }
            None => add(value)?,
        }
        check_signature_count(&self.header, &claims.signatures)?;
        Ok(claims)
    }

    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    fn key(&self, secret: &[u8]) -> Result<Key, ConfigError> {
        self.secret_form.key(secret)
    }

    /// The configured header (GitHub's `X-GitHub-Delivery`, Shopify's
    /// `X-Shopify-Webhook-Id`: their bodies' `id`, where there is one, names the order or
    /// other resource, not the event); otherwise the body's top-level `id`, or the
    /// configured field.
    fn event_id(&self, headers: &HeaderMap, body: &[u8]) -> Option<String> {
        match &self.event_id_header {
            Some(name) => {
                let value = headers.get(name)?.to_str().ok()?;
                valid_event_id(value.to_owned())
            }
            None => body_field_id(body, self.event_id_field),
        }
    }

    fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap) {
        let encoded: Vec<String> = claims
            .signatures
            .iter()
            .map(|signature| {
                format!(
                    "{}{}",
                    self.prefix,
                    encode_signature(self.encoding, signature)
                )
            })
            .collect();
        if !encoded.is_empty() {
            let separator = self.separator.map_or(String::new(), String::from);
            headers.insert(self.header.clone(), header_value(&encoded.join(&separator)));
        }
        if let (Some(name), Some(id)) = (&self.event_id_header, &claims.id) {
            headers.insert(name.clone(), header_value(id));
        }
    }

    /// Where the event id is in a header, signing writes one there.
    fn carries_id(&self) -> bool {
        self.event_id_header.is_some()
    }
}

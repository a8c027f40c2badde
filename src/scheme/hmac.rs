use http::{HeaderMap, HeaderName};

use super::{
    body_field_id, header_value, single_header, valid_event_id, Claims, Encoding, Scheme, Signature,
};
use crate::rejection::Rejection;

/// One header holding an HMAC-SHA256 of the raw body, optionally behind a prefix.
///
/// This covers the platforms of the `{id, type, payload}` envelope (`x-<platform>-signature:
/// <hex>`, the default of [`WebhookVerify::new`](crate::WebhookVerify::new)), GitHub
/// (`X-Hub-Signature-256: sha256=<hex>`) and Shopify (`X-Shopify-Hmac-Sha256: <base64>`).
/// Change it with [`header`](crate::WebhookVerify::header),
/// [`prefix`](crate::WebhookVerify::prefix) and [`encoding`](crate::WebhookVerify::encoding).
#[derive(Debug, Clone)]
pub struct HmacScheme {
    pub(crate) header: HeaderName,
    pub(crate) prefix: String,
    pub(crate) encoding: Encoding,
    /// The header carrying the event id, where the sender puts it there rather than in
    /// the body (not signed).
    pub(crate) event_id_header: Option<HeaderName>,
}

impl HmacScheme {
    /// `x-webhook-signature: <hex>`.
    pub fn new() -> Self {
        Self {
            header: HeaderName::from_static("x-webhook-signature"),
            prefix: String::new(),
            encoding: Encoding::Hex,
            event_id_header: None,
        }
    }

    /// GitHub: `X-Hub-Signature-256: sha256=<hex>`.
    pub fn github() -> Self {
        Self {
            header: HeaderName::from_static("x-hub-signature-256"),
            prefix: "sha256=".to_owned(),
            encoding: Encoding::Hex,
            event_id_header: Some(HeaderName::from_static("x-github-delivery")),
        }
    }

    /// Shopify: `X-Shopify-Hmac-Sha256: <base64>`.
    pub fn shopify() -> Self {
        Self {
            header: HeaderName::from_static("x-shopify-hmac-sha256"),
            prefix: String::new(),
            encoding: Encoding::Base64,
            event_id_header: Some(HeaderName::from_static("x-shopify-webhook-id")),
        }
    }

    /// The header that carries the signature.
    pub fn header(&self) -> &HeaderName {
        &self.header
    }
}

impl Default for HmacScheme {
    fn default() -> Self {
        Self::new()
    }
}

impl Scheme for HmacScheme {
    fn parse(&self, headers: &HeaderMap) -> Result<Claims, Rejection> {
        let value = single_header(headers, &self.header)?;
        let encoded = value
            .strip_prefix(self.prefix.as_str())
            .ok_or_else(|| Rejection::malformed_header(self.header.clone(), "missing prefix"))?;
        let mac = self
            .encoding
            .decode_mac(encoded)
            .map_err(|detail| Rejection::malformed_header(self.header.clone(), detail))?;
        Ok(Claims::new(vec![Signature::HmacSha256(mac)]))
    }

    /// GitHub's `X-GitHub-Delivery` and Shopify's `X-Shopify-Webhook-Id` (their bodies'
    /// `id`, where there is one, names the order or other resource, not the event);
    /// otherwise the body's top-level `id`.
    fn event_id(&self, headers: &HeaderMap, body: &[u8]) -> Option<String> {
        match &self.event_id_header {
            Some(name) => {
                let value = headers.get(name)?.to_str().ok()?;
                valid_event_id(value.to_owned())
            }
            None => body_field_id(body, "id"),
        }
    }

    fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap) {
        for signature in &claims.signatures {
            if let Signature::HmacSha256(mac) = signature {
                let text = format!("{}{}", self.prefix, self.encoding.encode(mac));
                headers.append(self.header.clone(), header_value(&text));
            }
        }
        if let (Some(name), Some(id)) = (&self.event_id_header, &claims.id) {
            headers.insert(name.clone(), header_value(id));
        }
    }

    /// GitHub and Shopify put the event id in a header; signing writes it there.
    fn carries_id(&self) -> bool {
        self.event_id_header.is_some()
    }
}

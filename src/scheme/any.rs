//! [`AnyScheme`]: a scheme of any type, so that a preset picked at run time is one type.

use std::sync::Arc;
use std::time::Duration;

use http::HeaderMap;

use super::{Claims, EventShape, RequestHead, Scheme, SignedContent};
use crate::error::ConfigError;
use crate::key::{Algorithm, Key};
use crate::rejection::Rejection;
use crate::WebhookVerify;

/// A scheme of any type behind one type: what [`WebhookVerify::preset`] returns, so that
/// a provider chosen by name (from a configuration file, a command line) is a
/// `WebhookVerify<AnyScheme>` whatever its scheme. Every method is the inner scheme's.
///
/// ```
/// use tower_webhook::scheme::AnyScheme;
/// use tower_webhook::WebhookVerify;
///
/// let layers: Vec<WebhookVerify<AnyScheme>> = vec![
///     WebhookVerify::github("github secret").into_any(),
///     WebhookVerify::stripe("whsec_stripe").into_any(),
/// ];
/// ```
#[derive(Debug, Clone)]
pub struct AnyScheme(Arc<dyn Scheme>);

impl AnyScheme {
    /// `scheme` behind the one type.
    pub fn new(scheme: impl Scheme) -> Self {
        Self(Arc::new(scheme))
    }
}

impl<S: Scheme> WebhookVerify<S> {
    /// The same layer, with its scheme behind [`AnyScheme`]: the keys, body limit, window,
    /// event shape and every other setting stay as they are.
    ///
    /// ```
    /// use tower_webhook::WebhookVerify;
    ///
    /// let layer = WebhookVerify::slack("8f742231b10e8888abcd99yyyzzz85a5").into_any();
    /// let headers = layer.sign(b"{}");
    /// assert!(headers.contains_key("x-slack-signature"));
    /// ```
    pub fn into_any(self) -> WebhookVerify<AnyScheme> {
        self.map_scheme(AnyScheme::new)
    }
}

impl Scheme for AnyScheme {
    fn parse(&self, request: &RequestHead<'_>) -> Result<Claims, Rejection> {
        self.0.parse(request)
    }

    fn signed_content(
        &self,
        request: &RequestHead<'_>,
        claims: &mut Claims,
        body: &[u8],
        content: &mut SignedContent,
    ) -> Result<(), Rejection> {
        self.0.signed_content(request, claims, body, content)
    }

    fn algorithm(&self) -> Algorithm {
        self.0.algorithm()
    }

    fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap) {
        self.0.write_headers(claims, headers);
    }

    fn key(&self, secret: &[u8]) -> Result<Key, ConfigError> {
        self.0.key(secret)
    }

    fn event_id(&self, headers: &HeaderMap, body: &[u8]) -> Option<String> {
        self.0.event_id(headers, body)
    }

    fn event_shape(&self) -> EventShape {
        self.0.event_shape()
    }

    fn retry_period(&self) -> Duration {
        self.0.retry_period()
    }

    fn carries_timestamp(&self) -> bool {
        self.0.carries_timestamp()
    }

    fn carries_id(&self) -> bool {
        self.0.carries_id()
    }

    fn setup_response(
        &self,
        request: &RequestHead<'_>,
        keys: &[Key],
    ) -> Option<http::Response<bytes::Bytes>> {
        self.0.setup_response(request, keys)
    }

    fn verified_response(
        &self,
        request: &RequestHead<'_>,
        body: &[u8],
        key: &Key,
    ) -> Option<http::Response<bytes::Bytes>> {
        self.0.verified_response(request, body, key)
    }

    fn signs_url(&self) -> bool {
        self.0.signs_url()
    }
}

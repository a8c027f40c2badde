use std::fmt::Write as _;

use http::{HeaderMap, HeaderName};

use super::{
    body_field_id, header_value, parse_timestamp, setup_answer, Claims, Encoding, EventShape, Key,
    Location, RequestHead, Scheme, Signature, SignedContent,
};
use crate::rejection::Rejection;

const SIGNATURE: HeaderName = HeaderName::from_static("x-slack-signature");
const TIMESTAMP: HeaderName = HeaderName::from_static("x-slack-request-timestamp");

/// Slack: `X-Slack-Signature: v0=<hex>` over `v0:{X-Slack-Request-Timestamp}:{body}`.
///
/// See <https://api.slack.com/authentication/verifying-requests-from-slack>.
#[derive(Debug, Clone, Copy, Default)]
pub struct Slack;

impl Scheme for Slack {
    fn parse(&self, request: &RequestHead<'_>) -> Result<Claims, Rejection> {
        let signature = request.header(&SIGNATURE)?;
        let timestamp = parse_timestamp(&TIMESTAMP, request.header(&TIMESTAMP)?)?;
        let encoded = signature
            .strip_prefix("v0=")
            .ok_or_else(|| Rejection::malformed_header(SIGNATURE, "missing prefix v0="))?;
        let mac = Encoding::Hex
            .decode(encoded)
            .map_err(|detail| Rejection::malformed_header(SIGNATURE, detail))?;
        Ok(Claims::new(vec![Signature::HmacSha256(mac)]).with_timestamp(timestamp))
    }

    fn signed_content(
        &self,
        _request: &RequestHead<'_>,
        claims: &mut Claims,
        _body: &[u8],
        content: &mut SignedContent,
    ) -> Result<(), Rejection> {
        let _ = write!(content, "v0:{}:", claims.unix_seconds());
        content.push_body();
        Ok(())
    }

    fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap) {
        if let Some(signature) = claims.signatures.first() {
            let text = format!("v0={}", hex::encode(signature.as_bytes()));
            headers.insert(SIGNATURE, header_value(&text));
        }
        headers.insert(TIMESTAMP, claims.unix_seconds().into());
    }

    /// The Events API's top-level `event_id`; for the `url_verification` request, which
    /// has none, its one-off `challenge`, so that setting up the endpoint works with dedupe
    /// on.
    fn event_id(&self, _headers: &HeaderMap, body: &[u8]) -> Option<String> {
        body_field_id(body, "event_id").or_else(|| body_field_id(body, "challenge"))
    }

    /// Answers the Events API's `url_verification` request with its `challenge`, once its
    /// signature has verified.
    fn verified_response(
        &self,
        _request: &RequestHead<'_>,
        body: &[u8],
        _key: &Key,
    ) -> Option<http::Response<bytes::Bytes>> {
        #[derive(serde::Deserialize)]
        struct UrlVerification {
            r#type: String,
            challenge: String,
        }
        let request: UrlVerification = serde_json::from_slice(body).ok()?;
        (request.r#type == "url_verification")
            .then(|| setup_answer("text/plain; charset=utf-8", request.challenge))
    }

    fn event_shape(&self) -> EventShape {
        EventShape::new(
            Location::Body("event_id"),
            Location::Body("event.type"),
            Location::Body("event"),
        )
    }

    /// Slack retries three times: at once, after 1 minute and after 5 minutes.
    fn retry_period(&self) -> std::time::Duration {
        std::time::Duration::from_secs(10 * 60)
    }

    fn carries_timestamp(&self) -> bool {
        true
    }
}

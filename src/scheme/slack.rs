use http::{HeaderMap, HeaderName};

use super::{
    body_field_id, header_value, parse_timestamp, single_header, Claims, Encoding, Scheme,
    Signature,
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
    fn parse(&self, headers: &HeaderMap) -> Result<Claims, Rejection> {
        let signature = single_header(headers, &SIGNATURE)?;
        let timestamp = parse_timestamp(&TIMESTAMP, single_header(headers, &TIMESTAMP)?)?;
        let encoded = signature
            .strip_prefix("v0=")
            .ok_or_else(|| Rejection::malformed_header(SIGNATURE, "missing prefix v0="))?;
        let mac = Encoding::Hex
            .decode_mac(encoded)
            .map_err(|detail| Rejection::malformed_header(SIGNATURE, detail))?;
        Ok(Claims::new(vec![Signature::HmacSha256(mac)]).with_timestamp(timestamp))
    }

    fn signed_prefix(&self, claims: &Claims, prefix: &mut Vec<u8>) {
        let timestamp = claims.timestamp.unwrap_or_default();
        prefix.extend_from_slice(format!("v0:{timestamp}:").as_bytes());
    }

    fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap) {
        if let Some(Signature::HmacSha256(mac)) = claims.signatures.first() {
            headers.insert(SIGNATURE, header_value(&format!("v0={}", hex::encode(mac))));
        }
        headers.insert(TIMESTAMP, claims.timestamp.unwrap_or_default().into());
    }

    /// The Events API's top-level `event_id`; for the `url_verification` request, which
    /// has none, its one-off `challenge`, so that setting up the endpoint works with dedupe
    /// on.
    fn event_id(&self, _headers: &HeaderMap, body: &[u8]) -> Option<String> {
        body_field_id(body, "event_id").or_else(|| body_field_id(body, "challenge"))
    }

    fn carries_timestamp(&self) -> bool {
        true
    }
}

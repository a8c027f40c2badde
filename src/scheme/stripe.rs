use std::fmt::Write as _;

use http::{HeaderMap, HeaderName};

use super::{
    check_signature_count, header_value, parse_timestamp, Claims, Encoding, EventShape, Location,
    RequestHead, Scheme, Signature, SignedContent, MAX_SIGNATURES,
};
use crate::rejection::Rejection;

const HEADER: HeaderName = HeaderName::from_static("stripe-signature");

/// Stripe: `Stripe-Signature: t=<timestamp>,v1=<hex>[,v1=<hex>...]` over `{t}.{body}`.
///
/// Every `v1` entry is tried (Stripe sends several while a secret is being rolled); `v0`
/// and unknown entries are ignored. The `whsec_...` secret is used as its literal bytes.
/// See <https://docs.stripe.com/webhooks#verify-manually>.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stripe;

impl Scheme for Stripe {
    fn parse(&self, request: &RequestHead<'_>) -> Result<Claims, Rejection> {
        let value = request.header(&HEADER)?;
        let mut claims = Claims::default();
        for item in value.split(',') {
            let Some((key, text)) = item.trim().split_once('=') else {
                return Err(Rejection::malformed_header(
                    HEADER,
                    "an entry is not key=value",
                ));
            };
            match key {
                "t" if claims.timestamp.is_some() => {
                    return Err(Rejection::malformed_header(HEADER, "repeated t"));
                }
                "t" => claims.timestamp = Some(parse_timestamp(&HEADER, text)?),
                "v1" if claims.signatures.len() > MAX_SIGNATURES => break,
                "v1" => {
                    let mac = Encoding::Hex
                        .decode(text)
                        .map_err(|detail| Rejection::malformed_header(HEADER, detail))?;
                    claims.signatures.push(Signature::HmacSha256(mac));
                }
                _ => {}
            }
        }
        if claims.timestamp.is_none() {
            return Err(Rejection::malformed_header(HEADER, "no t= timestamp"));
        }
        if claims.signatures.is_empty() {
            return Err(Rejection::malformed_header(HEADER, "no v1= signature"));
        }
        check_signature_count(&HEADER, &claims.signatures)?;
        Ok(claims)
    }

    fn signed_content(
        &self,
        _request: &RequestHead<'_>,
        claims: &mut Claims,
        _body: &[u8],
        content: &mut SignedContent,
    ) -> Result<(), Rejection> {
        let _ = write!(content, "{}.", claims.unix_seconds());
        content.push_body();
        Ok(())
    }

    fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap) {
        let mut text = format!("t={}", claims.unix_seconds());
        for signature in &claims.signatures {
            text.push_str(",v1=");
            text.push_str(&hex::encode(signature.as_bytes()));
        }
        headers.insert(HEADER, header_value(&text));
    }

    fn event_shape(&self) -> EventShape {
        EventShape::new(
            Location::Body("id"),
            Location::Body("type"),
            Location::Body("data"),
        )
    }

    /// Stripe retries for up to 3 days.
    fn retry_period(&self) -> std::time::Duration {
        std::time::Duration::from_secs(3 * 24 * 3600)
    }

    fn carries_timestamp(&self) -> bool {
        true
    }
}

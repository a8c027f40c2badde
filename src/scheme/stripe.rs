use http::{HeaderMap, HeaderName};

use super::{
    check_signature_count, header_value, parse_timestamp, single_header, Claims, Encoding, Scheme,
    Signature,
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
    fn parse(&self, headers: &HeaderMap) -> Result<Claims, Rejection> {
        let value = single_header(headers, &HEADER)?;
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
                "v1" => {
                    let mac = Encoding::Hex
                        .decode_mac(text)
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

    fn signed_prefix(&self, claims: &Claims, prefix: &mut Vec<u8>) {
        let timestamp = claims.timestamp.unwrap_or_default();
        prefix.extend_from_slice(format!("{timestamp}.").as_bytes());
    }

    fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap) {
        let mut text = format!("t={}", claims.timestamp.unwrap_or_default());
        for signature in &claims.signatures {
            if let Signature::HmacSha256(mac) = signature {
                text.push_str(",v1=");
                text.push_str(&hex::encode(mac));
            }
        }
        headers.insert(HEADER, header_value(&text));
    }

    fn carries_timestamp(&self) -> bool {
        true
    }
}

use std::fmt::Write as _;

use base64::Engine as _;
use http::{HeaderMap, HeaderName};
use zeroize::Zeroizing;

use super::{
    check_signature_count, header_value, parse_timestamp, Claims, Encoding, EventShape, Key,
    RequestHead, Scheme, Signature, SignedContent, MAX_SIGNATURES,
};
use crate::error::ConfigError;
use crate::rejection::Rejection;

const ID: HeaderName = HeaderName::from_static("webhook-id");
const TIMESTAMP: HeaderName = HeaderName::from_static("webhook-timestamp");
const SIGNATURE: HeaderName = HeaderName::from_static("webhook-signature");

/// The same headers under the names Svix sends when it is not white-labelled (Clerk,
/// Resend and other Svix senders).
const SVIX_ID: HeaderName = HeaderName::from_static("svix-id");
const SVIX_TIMESTAMP: HeaderName = HeaderName::from_static("svix-timestamp");
const SVIX_SIGNATURE: HeaderName = HeaderName::from_static("svix-signature");

/// The longest `webhook-id` accepted; ids are used as keys, so they are bounded.
const MAX_ID_LEN: usize = 256;

/// [Standard Webhooks](https://www.standardwebhooks.com/) (what Svix sends):
/// `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64> [v1a,<base64>]...`
/// over `{id}.{timestamp}.{body}`, or the same headers named `svix-id`, `svix-timestamp`
/// and `svix-signature` (a request with `svix-id` and no `webhook-id`).
///
/// Secrets: `whsec_<base64>` for HMAC-SHA256 (`v1`), `whpk_<base64>` for an ed25519 public
/// key (`v1a`, verify only) and `whsk_<base64>` for an ed25519 secret key (`v1a`, verify
/// and sign). Each is decoded at configuration; a bad one is a [`ConfigError`].
/// See <https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md>.
#[derive(Debug, Clone, Copy, Default)]
pub struct StandardWebhooks;

/// Decodes a configured secret; the decoded bytes are zeroed when dropped.
fn decode_base64(text: &[u8], what: &'static str) -> Result<Zeroizing<Vec<u8>>, ConfigError> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map(Zeroizing::new)
        .map_err(|_| ConfigError::new(what))
}

impl Scheme for StandardWebhooks {
    /// Reads the `webhook-*` headers, or the `svix-*` ones when the request has
    /// `svix-id` and no `webhook-id`.
    fn parse(&self, request: &RequestHead<'_>) -> Result<Claims, Rejection> {
        let headers = request.headers();
        let [id_header, timestamp_header, signature_header] =
            if !headers.contains_key(&ID) && headers.contains_key(&SVIX_ID) {
                [SVIX_ID, SVIX_TIMESTAMP, SVIX_SIGNATURE]
            } else {
                [ID, TIMESTAMP, SIGNATURE]
            };
        let id = request.header(&id_header)?;
        if id.is_empty() || id.len() > MAX_ID_LEN {
            return Err(Rejection::malformed_header(
                id_header.clone(),
                "empty or longer than 256 bytes",
            ));
        }
        let timestamp = parse_timestamp(&timestamp_header, request.header(&timestamp_header)?)?;
        let value = request.header(&signature_header)?;
        let mut signatures = Vec::new();
        let items = value.split(' ').filter(|item| !item.is_empty());
        for item in items.take(MAX_SIGNATURES + 1) {
            let Some((version, encoded)) = item.split_once(',') else {
                return Err(Rejection::malformed_header(
                    signature_header.clone(),
                    "an entry is not version,signature",
                ));
            };
            let signature = match version {
                "v1" => Encoding::Base64.decode(encoded).map(Signature::HmacSha256),
                "v1a" => Encoding::Base64.decode(encoded).map(Signature::Ed25519),
                _ => continue,
            };
            signatures.push(signature.map_err(|_| {
                Rejection::malformed_header(
                    signature_header.clone(),
                    "a signature is not base64 of the right length",
                )
            })?);
        }
        if signatures.is_empty() {
            return Err(Rejection::malformed_header(
                signature_header.clone(),
                "no v1 or v1a signature",
            ));
        }
        check_signature_count(&signature_header, &signatures)?;
        Ok(Claims::new(signatures)
            .with_timestamp(timestamp)
            .with_id(id))
    }

    fn signed_content(
        &self,
        _request: &RequestHead<'_>,
        claims: &mut Claims,
        _body: &[u8],
        content: &mut SignedContent,
    ) -> Result<(), Rejection> {
        let id = claims.id.as_deref().unwrap_or_default();
        let _ = write!(content, "{id}.{}.", claims.unix_seconds());
        content.push_body();
        Ok(())
    }

    fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap) {
        let engine = base64::engine::general_purpose::STANDARD;
        let entries: Vec<String> = claims
            .signatures
            .iter()
            .filter_map(|signature| match signature {
                Signature::HmacSha256(mac) => Some(format!("v1,{}", engine.encode(mac))),
                Signature::Ed25519(sig) => Some(format!("v1a,{}", engine.encode(sig))),
                _ => None,
            })
            .collect();
        headers.insert(ID, header_value(claims.id.as_deref().unwrap_or_default()));
        headers.insert(TIMESTAMP, claims.unix_seconds().into());
        if !entries.is_empty() {
            headers.insert(SIGNATURE, header_value(&entries.join(" ")));
        }
    }

    fn key(&self, secret: &[u8]) -> Result<Key, ConfigError> {
        if secret.starts_with(b"whpk_") || secret.starts_with(b"whsk_") {
            ed25519_key(secret)
        } else {
            let encoded = secret.strip_prefix(b"whsec_").unwrap_or(secret);
            Key::shared(&decode_base64(encoded, "the whsec_ secret is not base64")?)
        }
    }

    /// The spec's `{type, timestamp, data}` payload; the id is the body's `id` where it has
    /// one, else the signed `webhook-id`.
    fn event_shape(&self) -> EventShape {
        EventShape::ID_TYPE_DATA
    }

    /// Svix retries for about 28 hours (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h).
    fn retry_period(&self) -> std::time::Duration {
        std::time::Duration::from_secs(28 * 3600)
    }

    fn carries_timestamp(&self) -> bool {
        true
    }

    fn carries_id(&self) -> bool {
        true
    }
}

/// A `whpk_` public key or a `whsk_` secret key.
#[cfg(feature = "ed25519")]
fn ed25519_key(secret: &[u8]) -> Result<Key, ConfigError> {
    if let Some(encoded) = secret.strip_prefix(b"whpk_") {
        Key::ed25519_public(&decode_base64(
            encoded,
            "the whpk_ public key is not base64",
        )?)
    } else {
        let encoded = &secret[b"whsk_".len()..];
        let bytes = decode_base64(encoded, "the whsk_ secret key is not base64")?;
        // The spec's secret key is the 32-byte seed, sometimes followed by the public key.
        Key::ed25519_secret(bytes.get(..32).unwrap_or(&bytes))
    }
}

#[cfg(not(feature = "ed25519"))]
fn ed25519_key(_secret: &[u8]) -> Result<Key, ConfigError> {
    Err(ConfigError::new(
        "whpk_ and whsk_ keys are ed25519 keys: enable the `ed25519` feature of tower-webhook",
    ))
}

//! Shared tokens, numbered signature headers, and the setup handshakes of providers whose
//! scheme is otherwise one header.

use std::fmt;

use http::header::AUTHORIZATION;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::hmac::HmacScheme;
use super::{
    body_field_id, check_signature_count, decode_signature, encode_signature, header_value,
    setup_answer, valid_event_id, Algorithm, Claims, Encoding, Key, RequestHead, Scheme, Signature,
    SignedContent, StandardWebhooks, MAX_SIGNATURES,
};
use crate::error::{configured, ConfigError};
use crate::rejection::Rejection;

/// The longest token or credential read from a request.
const MAX_TOKEN_LEN: usize = 4096;

/// A shared secret that the sender sends as is, in a header, as HTTP Basic credentials or
/// in a JSON body field: nothing is signed, so the body is not protected, only the sender's
/// knowledge of the secret is checked (by its SHA-256, in constant time).
///
/// Telegram, Cloudflare and Okta send it in a header, Postmark as `Authorization: Basic`,
/// Figma in the body's `passcode`.
///
/// ```
/// use tower_webhook::scheme::SharedToken;
/// use tower_webhook::WebhookVerify;
///
/// let scheme = SharedToken::header("x-acme-token").with_event_id_field("event_id");
/// let layer = WebhookVerify::with_scheme(scheme, "a long random token");
/// ```
#[derive(Debug, Clone)]
pub struct SharedToken {
    place: TokenPlace,
    event_id_header: Option<HeaderName>,
    event_id_field: &'static str,
}

#[derive(Debug, Clone)]
enum TokenPlace {
    Header(HeaderName),
    Basic,
    BodyField(&'static str),
}

impl SharedToken {
    /// The token is the whole value of the header `name`.
    ///
    /// # Panics
    ///
    /// If `name` is not a valid header name.
    pub fn header(name: &str) -> Self {
        let name = configured(super::hmac::header_name(name));
        Self::at(TokenPlace::Header(name))
    }

    /// HTTP Basic credentials, `Authorization: Basic <base64 of user:password>`; the secret
    /// is `user:password`, compared whole.
    pub fn basic() -> Self {
        Self::at(TokenPlace::Basic)
    }

    /// The token is the string in the JSON body's top-level `field`.
    pub fn body_field(field: &'static str) -> Self {
        Self::at(TokenPlace::BodyField(field))
    }

    fn at(place: TokenPlace) -> Self {
        Self {
            place,
            event_id_header: None,
            event_id_field: "id",
        }
    }

    /// The header that carries the event id for dedupe.
    ///
    /// # Panics
    ///
    /// If `name` is not a valid header name.
    pub fn with_event_id_header(mut self, name: &str) -> Self {
        self.event_id_header = Some(configured(super::hmac::header_name(name)));
        self
    }

    /// The body's top-level field that holds the event id for dedupe (default `id`).
    pub fn with_event_id_field(mut self, field: &'static str) -> Self {
        self.event_id_field = field;
        self
    }
}

impl Scheme for SharedToken {
    fn parse(&self, request: &RequestHead<'_>) -> Result<Claims, Rejection> {
        let token = match &self.place {
            TokenPlace::Header(name) => request.header(name)?.as_bytes().to_vec(),
            TokenPlace::Basic => basic_credentials(request.header(&AUTHORIZATION)?)
                .map_err(|detail| Rejection::malformed_header(AUTHORIZATION, detail))?,
            TokenPlace::BodyField(_) => return Ok(Claims::default()),
        };
        Ok(Claims::new(vec![Signature::Token(token)]))
    }

    /// Nothing is signed; a token in the body is read here.
    fn signed_content(
        &self,
        _request: &RequestHead<'_>,
        claims: &mut Claims,
        body: &[u8],
        _content: &mut SignedContent,
    ) -> Result<(), Rejection> {
        if let TokenPlace::BodyField(field) = self.place {
            let token = body_string_field(body, field)?;
            claims.signatures.push(Signature::Token(token.into_bytes()));
        }
        Ok(())
    }

    fn algorithm(&self) -> Algorithm {
        Algorithm::Token
    }

    /// Writes the token in its header; a token in the body cannot be written by signing
    /// (the sender puts it in the JSON it sends).
    fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap) {
        let Some(Signature::Token(token)) = claims.signatures.first() else {
            return;
        };
        let (name, value) = match &self.place {
            TokenPlace::Header(name) => (name.clone(), HeaderValue::from_bytes(token)),
            TokenPlace::Basic => (
                AUTHORIZATION,
                HeaderValue::try_from(format!("Basic {}", Encoding::Base64.encode(token))),
            ),
            TokenPlace::BodyField(_) => return,
        };
        if let Ok(value) = value {
            headers.insert(name, value);
        }
    }

    fn event_id(&self, headers: &HeaderMap, body: &[u8]) -> Option<String> {
        event_id(
            self.event_id_header.as_ref(),
            self.event_id_field,
            headers,
            body,
        )
    }
}

/// The credentials of `Basic <base64>` (the scheme's name in any case).
fn basic_credentials(value: &str) -> Result<Vec<u8>, &'static str> {
    let (scheme, credentials) = value.split_once(' ').ok_or("not Basic credentials")?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err("not Basic credentials");
    }
    Encoding::Base64.decode_vec(credentials.trim(), MAX_TOKEN_LEN)
}

/// The JSON body's top-level `field`, which must be a string.
fn body_string_field(body: &[u8], field: &str) -> Result<String, Rejection> {
    match super::top_level_field(body, field) {
        Ok(Some(serde_json::Value::String(token))) => Ok(token),
        Ok(_) => Err(Rejection::malformed_body(
            "the JSON body has no token field (a string)",
        )),
        Err(_) => Err(Rejection::malformed_body(
            "the body is not a JSON object, or has the token field twice",
        )),
    }
}

/// The event id from `header` where one is configured, else from the body's `field`.
fn event_id(
    header: Option<&HeaderName>,
    field: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<String> {
    match header {
        Some(name) => valid_event_id(headers.get(name)?.to_str().ok()?.to_owned()),
        None => body_field_id(body, field),
    }
}

/// The methods of [`Scheme`] but the handshakes, handed to the scheme `self.$inner()`;
/// with `verification`, only those that verify (not `event_id` and `verified_response`).
macro_rules! delegate_to {
    ($inner:ident) => {
        delegate_to!($inner, verification);

        fn event_id(&self, headers: &HeaderMap, body: &[u8]) -> Option<String> {
            self.$inner().event_id(headers, body)
        }

        fn verified_response(
            &self,
            request: &RequestHead<'_>,
            body: &[u8],
            key: &Key,
        ) -> Option<http::Response<bytes::Bytes>> {
            self.$inner().verified_response(request, body, key)
        }
    };
    ($inner:ident, verification) => {
        fn parse(&self, request: &RequestHead<'_>) -> Result<Claims, Rejection> {
            self.$inner().parse(request)
        }

        fn signed_content(
            &self,
            request: &RequestHead<'_>,
            claims: &mut Claims,
            body: &[u8],
            content: &mut SignedContent,
        ) -> Result<(), Rejection> {
            self.$inner().signed_content(request, claims, body, content)
        }

        fn algorithm(&self) -> Algorithm {
            self.$inner().algorithm()
        }

        fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap) {
            self.$inner().write_headers(claims, headers);
        }

        fn key(&self, secret: &[u8]) -> Result<Key, ConfigError> {
            self.$inner().key(secret)
        }

        fn carries_timestamp(&self) -> bool {
            self.$inner().carries_timestamp()
        }

        fn carries_id(&self) -> bool {
            self.$inner().carries_id()
        }

        fn signs_url(&self) -> bool {
            self.$inner().signs_url()
        }
    };
}

const DOCUSIGN_PREFIX: &str = "x-docusign-signature-";

/// DocuSign Connect: `X-DocuSign-Signature-1` … `X-DocuSign-Signature-N`, each a base64
/// HMAC-SHA256 of the raw body made with one of the account's active Connect keys; every
/// such header is read (up to [`MAX_SIGNATURES`]) and any one that matches verifies.
/// See <https://developers.docusign.com/platform/webhooks/connect/hmac/>.
#[derive(Debug, Clone, Copy, Default)]
pub struct DocuSign;

impl Scheme for DocuSign {
    fn parse(&self, request: &RequestHead<'_>) -> Result<Claims, Rejection> {
        let numbered = request.headers().iter().filter(|(name, _)| {
            name.as_str()
                .strip_prefix(DOCUSIGN_PREFIX)
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        });
        let mut claims = Claims::default();
        for (name, value) in numbered.take(MAX_SIGNATURES + 1) {
            let malformed = |detail| Rejection::malformed_header(name.clone(), detail);
            let text = value.to_str().map_err(|_| malformed("not ASCII"))?;
            let signature = decode_signature(Algorithm::HmacSha256, Encoding::Base64, text)
                .map_err(malformed)?;
            claims.signatures.push(signature);
        }
        let first = HeaderName::from_static("x-docusign-signature-1");
        if claims.signatures.is_empty() {
            return Err(Rejection::missing_header(first));
        }
        check_signature_count(&first, &claims.signatures)?;
        Ok(claims)
    }

    fn write_headers(&self, claims: &Claims, headers: &mut HeaderMap) {
        for (n, signature) in claims.signatures.iter().enumerate() {
            let name = format!("{DOCUSIGN_PREFIX}{}", n + 1);
            let name = HeaderName::try_from(name).expect("a valid header name");
            let text = encode_signature(Encoding::Base64, signature);
            headers.insert(name, header_value(&text));
        }
    }
}

/// GitLab: the secret token in `X-Gitlab-Token` (dedupe keys on `Idempotency-Key`, which
/// stays the same over retries), or, when the configured secret is a `whsec_` signing
/// token, [Standard Webhooks](StandardWebhooks) signatures (dedupe keys on the signed
/// `webhook-id`). The first secret chooses; secrets added with
/// [`also_accept`](crate::WebhookVerify::also_accept) are read the same way.
#[derive(Debug, Clone)]
pub struct GitLab(GitLabMode);

#[derive(Debug, Clone)]
enum GitLabMode {
    Token(SharedToken),
    Signing(StandardWebhooks),
}

impl GitLab {
    /// The scheme the secret calls for: signing for a `whsec_` one, the token otherwise.
    pub(crate) fn for_secret(secret: &[u8]) -> Self {
        if secret.starts_with(b"whsec_") {
            Self(GitLabMode::Signing(StandardWebhooks))
        } else {
            let token =
                SharedToken::header("x-gitlab-token").with_event_id_header("idempotency-key");
            Self(GitLabMode::Token(token))
        }
    }

    fn scheme(&self) -> &dyn Scheme {
        match &self.0 {
            GitLabMode::Token(token) => token,
            GitLabMode::Signing(signing) => signing,
        }
    }
}

impl Scheme for GitLab {
    delegate_to!(scheme);
}

/// LINE Messaging API: `x-line-signature`, the base64 HMAC-SHA256 of the raw body keyed
/// with the channel secret.
///
/// Dedupe keys on the events' `webhookEventId`s, which identify each event and stay the
/// same when LINE redelivers it (marking it `deliveryContext.isRedelivery`): one event's
/// id, or, for several, the hex SHA-256 of their ids joined by `,`. The request the
/// console's Verify button sends carries no events: once verified, the layer answers it
/// 200 itself (unless [`handshakes`](crate::WebhookVerify::handshakes) is off), so that
/// dedupe, which would find no id in it, does not refuse it.
/// See <https://developers.line.biz/en/reference/messaging-api/#webhooks>.
#[derive(Debug, Clone)]
pub struct Line(HmacScheme);

impl Line {
    /// LINE's scheme.
    pub fn new() -> Self {
        Self(
            HmacScheme::new()
                .with_header("x-line-signature")
                .with_encoding(Encoding::Base64),
        )
    }

    fn mac(&self) -> &HmacScheme {
        &self.0
    }
}

impl Default for Line {
    fn default() -> Self {
        Self::new()
    }
}

/// A LINE webhook body's events, read as values (for their ids) or skipped (to count them).
#[derive(serde::Deserialize)]
struct LineEvents<E> {
    events: Vec<E>,
}

impl Scheme for Line {
    delegate_to!(mac, verification);

    fn event_id(&self, _headers: &HeaderMap, body: &[u8]) -> Option<String> {
        let body: LineEvents<serde_json::Value> = serde_json::from_slice(body).ok()?;
        super::context::batch_id(&body.events, "webhookEventId")
    }

    /// The Verify button's request, `{"destination": ..., "events": []}`: answered 200.
    fn verified_response(
        &self,
        _request: &RequestHead<'_>,
        body: &[u8],
        _key: &Key,
    ) -> Option<http::Response<bytes::Bytes>> {
        let body: LineEvents<serde::de::IgnoredAny> = serde_json::from_slice(body).ok()?;
        body.events
            .is_empty()
            .then(|| http::Response::new(bytes::Bytes::new()))
    }
}

/// A scheme whose provider's setup handshake the layer answers: Asana's `X-Hook-Secret`,
/// Dropbox's and Meta's `GET` challenges, Okta's verification `GET`. Everything else is the
/// inner scheme's.
#[derive(Debug, Clone)]
pub struct SetupHandshake<S> {
    scheme: S,
    setup: Setup,
}

#[derive(Debug, Clone)]
enum Setup {
    Asana,
    Dropbox,
    Meta(VerifyToken),
    Okta,
}

/// The SHA-256 of Meta's verify token, compared in constant time and never shown.
#[derive(Clone)]
struct VerifyToken([u8; 32]);

impl fmt::Debug for VerifyToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VerifyToken(<redacted>)")
    }
}

const HOOK_SECRET: HeaderName = HeaderName::from_static("x-hook-secret");
const HOOK_SIGNATURE: HeaderName = HeaderName::from_static("x-hook-signature");
const OKTA_CHALLENGE: HeaderName = HeaderName::from_static("x-okta-verification-challenge");

impl<S> SetupHandshake<S> {
    pub(crate) fn asana(scheme: S) -> Self {
        Self {
            scheme,
            setup: Setup::Asana,
        }
    }

    pub(crate) fn dropbox(scheme: S) -> Self {
        Self {
            scheme,
            setup: Setup::Dropbox,
        }
    }

    pub(crate) fn meta(scheme: S, verify_token: &[u8]) -> Self {
        Self {
            scheme,
            setup: Setup::Meta(VerifyToken(Sha256::digest(verify_token).into())),
        }
    }

    pub(crate) fn okta(scheme: S) -> Self {
        Self {
            scheme,
            setup: Setup::Okta,
        }
    }
}

/// Asana: a request with `X-Hook-Secret` and no signature, answered 200 with the same
/// header, only when the secret is one of the configured ones.
fn asana_answer(request: &RequestHead<'_>, keys: &[Key]) -> Option<http::Response<bytes::Bytes>> {
    let headers = request.headers();
    if headers.contains_key(HOOK_SIGNATURE) {
        return None;
    }
    let secret = headers.get(HOOK_SECRET)?;
    if !accepted(keys, &[Signature::Token(secret.as_bytes().to_vec())]) {
        return None;
    }
    let mut response = http::Response::new(bytes::Bytes::new());
    response.headers_mut().insert(HOOK_SECRET, secret.clone());
    Some(response)
}

impl<S: Scheme> SetupHandshake<S> {
    fn inner(&self) -> &S {
        &self.scheme
    }

    /// Okta: a `GET` with `X-Okta-Verification-Challenge`, answered
    /// `{"verification": <challenge>}` only when the request's token verifies.
    fn okta_answer(
        &self,
        request: &RequestHead<'_>,
        keys: &[Key],
    ) -> Option<http::Response<bytes::Bytes>> {
        if request.method() != Method::GET {
            return None;
        }
        let challenge = request.headers().get(OKTA_CHALLENGE)?.to_str().ok()?;
        let claims = self.scheme.parse(request).ok()?;
        if !accepted(keys, &claims.signatures) {
            return None;
        }
        let body = serde_json::json!({ "verification": challenge }).to_string();
        Some(setup_answer("application/json", body))
    }
}

/// Meta: a `GET` with `hub.mode=subscribe` and the configured `hub.verify_token`, answered
/// with `hub.challenge`.
fn meta_answer(
    request: &RequestHead<'_>,
    verify_token: &VerifyToken,
) -> Option<http::Response<bytes::Bytes>> {
    if request.method() != Method::GET || query_param(request, "hub.mode")? != "subscribe" {
        return None;
    }
    let token = query_param(request, "hub.verify_token")?;
    let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
    if !bool::from(digest.ct_eq(&verify_token.0)) {
        return None;
    }
    Some(echo(query_param(request, "hub.challenge")?))
}

/// Dropbox: a `GET` with `?challenge=`, answered with the challenge.
fn dropbox_answer(request: &RequestHead<'_>) -> Option<http::Response<bytes::Bytes>> {
    if request.method() != Method::GET {
        return None;
    }
    Some(echo(query_param(request, "challenge")?))
}

/// A challenge echoed as plain text, which browsers must not sniff as anything else.
fn echo(challenge: String) -> http::Response<bytes::Bytes> {
    let mut response = setup_answer("text/plain", challenge);
    response.headers_mut().insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// Whether one of `tokens` is one of the configured shared secrets (compared in constant
/// time).
fn accepted(keys: &[Key], tokens: &[Signature]) -> bool {
    let nothing_signed = SignedContent::default();
    keys.iter()
        .any(|key| key.verifies(tokens, &nothing_signed, &[]))
}

/// The first value of the query parameter `name`, percent-decoded (`+` is a space).
fn query_param(request: &RequestHead<'_>, name: &str) -> Option<String> {
    request.uri().query()?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(key)? == name).then(|| percent_decode(value))?
    })
}

/// `text` with `+` as a space and `%XX` escapes decoded, if that is UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        rest = tail;
        match byte {
            b'+' => bytes.push(b' '),
            b'%' => {
                bytes.push(hex::decode(rest.get(..2)?).ok()?[0]);
                rest = &rest[2..];
            }
            _ => bytes.push(byte),
        }
    }
    String::from_utf8(bytes).ok()
}

impl<S: Scheme> Scheme for SetupHandshake<S> {
    delegate_to!(inner);

    fn setup_response(
        &self,
        request: &RequestHead<'_>,
        keys: &[Key],
    ) -> Option<http::Response<bytes::Bytes>> {
        match &self.setup {
            Setup::Asana => asana_answer(request, keys),
            Setup::Dropbox => dropbox_answer(request),
            Setup::Meta(verify_token) => meta_answer(request, verify_token),
            Setup::Okta => self.okta_answer(request, keys),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn percent_decode_reads_escapes_and_plus() {
        assert_eq!(percent_decode("a%20b+c").as_deref(), Some("a b c"));
        assert_eq!(percent_decode("%E3%81%82").as_deref(), Some("あ"));
        assert_eq!(percent_decode("%2"), None);
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%+1"), None);
        assert_eq!(percent_decode("%FF"), None);
    }
}

//! What the fuzz targets share: turning fuzz input into requests, the parser checks, and
//! one request through the layer.
//!
//! Input format (plain text, so seeds can be written by hand):
//! - `parse_hmac`, `parse_stripe`, `parse_slack`, `parse_standard`: one header value per
//!   line, given in turn to the scheme's header names; lines past the last name repeat the
//!   names (a repeated header).
//! - the other parser targets (`parse_pairs`, `parse_template`, `parse_tokens`, `parse_jwt`,
//!   `parse_context`): byte 0 picks the scheme; then lines: the request target (path and
//!   query), then header values given in turn to the scheme's header names, then an empty
//!   line and the body. A line that is no header value (one with a DEL byte) leaves its
//!   name out. Every request also has `Host: example.com`.
//! - `verify`: byte 0 picks the preset ([`PRESETS`] of them), byte 1 holds flags (bit 0:
//!   sign the body first; bits 1-7: signing time, `(bits - 64) * 10` seconds from now).
//!   Then lines: the secret, the event id, then `name: value` headers (set over the signed
//!   ones, or added), then an empty line and the body.

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use base64::Engine as _;
use futures_util::FutureExt as _;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, Uri};
use tower::{Layer as _, ServiceExt as _};
use tower_webhook::scheme::{
    unix_seconds, Claims, HmacScheme, RequestHead, Scheme, SignedContent, Slack, StandardWebhooks,
    Stripe,
};
use tower_webhook::{Rejection, Verified, VerifiedBody, WebhookVerify};

/// The receiver's fixed "now", in seconds since the Unix epoch.
pub const NOW: u64 = 1_700_000_000;

/// The host every request is sent to, so that URL-signed schemes have a URL.
const HOST: &str = "example.com";

/// Headers from one value per line, given in turn to `names` (cycling).
pub fn headers_from_lines(data: &[u8], names: &[HeaderName]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if names.is_empty() {
        return headers;
    }
    for (index, line) in data.split(|&b| b == b'\n').enumerate() {
        if let Ok(value) = HeaderValue::from_bytes(line) {
            headers.append(names[index % names.len()].clone(), value);
        }
    }
    headers
}

/// Parses the headers; when they parse, writing the claims back and parsing again must
/// give the same claims. The rejection's reason must render.
pub fn parse_round_trip<S: Scheme>(scheme: &S, headers: &HeaderMap) {
    check_parser(scheme, true, &Uri::from_static("/webhook"), headers, b"");
}

/// The HMAC scheme the first byte picks: plain hex, GitHub or Shopify.
pub fn hmac_scheme(selector: u8) -> HmacScheme {
    match selector % 3 {
        0 => HmacScheme::new(),
        1 => HmacScheme::github(),
        _ => HmacScheme::shopify(),
    }
}

/// One scheme a parser target exercises: the headers its input lines fill, and whether
/// [`Scheme::write_headers`] is the inverse of [`Scheme::parse`].
pub struct Parser {
    scheme: Box<dyn Scheme>,
    names: Vec<HeaderName>,
    round_trip: bool,
}

impl Parser {
    /// A preset's scheme, with the headers the input lines fill in turn; its headers must
    /// survive a round trip.
    pub fn new<S: Scheme + Clone>(verify: WebhookVerify<S>, names: &[&'static str]) -> Self {
        Self {
            scheme: Box::new(verify.scheme().clone()),
            names: names.iter().map(|n| HeaderName::from_static(n)).collect(),
            round_trip: true,
        }
    }

    /// The same, for a scheme whose claims are not all in the headers it writes (claims
    /// from the body, a version chosen by a header it does not write).
    pub fn one_way(mut self) -> Self {
        self.round_trip = false;
        self
    }
}

/// Runs one parser-target input (see the crate docs): byte 0 picks among `parsers`.
pub fn fuzz_parsers(parsers: &[Parser], data: &[u8]) {
    let [selector, rest @ ..] = data else {
        return;
    };
    let parser = &parsers[usize::from(*selector) % parsers.len()];
    let (head, body) = split_once(rest, b"\n\n").unwrap_or((rest, b""));
    let (target, values) = split_once(head, b"\n").unwrap_or((head, b""));
    let uri = std::str::from_utf8(target)
        .ok()
        .and_then(|target| target.parse::<Uri>().ok())
        .filter(|uri| uri.scheme().is_none() && uri.path().starts_with('/'))
        .unwrap_or_else(|| Uri::from_static("/webhook"));
    let mut headers = headers_from_lines(values, &parser.names);
    headers.append(http::header::HOST, HeaderValue::from_static(HOST));
    check_parser(&*parser.scheme, parser.round_trip, &uri, &headers, body);
}

/// `parse`, then `signed_content` over `body`: each either succeeds or refuses with a 4xx
/// and a reason. With `round_trip`, parsing what `write_headers` wrote from the claims
/// gives the same claims.
fn check_parser(
    scheme: &dyn Scheme,
    round_trip: bool,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) {
    let method = Method::POST;
    let head = RequestHead::new(&method, uri, headers);
    let mut claims = match scheme.parse(&head) {
        Ok(claims) => claims,
        Err(rejection) => return check_rejection(&rejection),
    };
    if round_trip {
        let mut written = HeaderMap::new();
        scheme.write_headers(&claims, &mut written);
        let again = scheme
            .parse(&RequestHead::new(&method, uri, &written))
            .expect("headers written from parsed claims parse");
        assert_eq!(
            whole_seconds(claims.clone()),
            whole_seconds(again),
            "parse(write(claims)) changed the claims"
        );
    }
    let mut content = SignedContent::default();
    if let Err(rejection) = scheme.signed_content(&head, &mut claims, body, &mut content) {
        check_rejection(&rejection);
    }
}

/// A refusal is a client error with a reason.
fn check_rejection(rejection: &Rejection) {
    assert!(!rejection.to_string().is_empty());
    assert!(rejection.status().is_client_error());
}

/// The claims with the timestamp in whole seconds since the epoch: what a scheme writes
/// (RFC 3339 timestamps are written in whole seconds, and none before 1970).
fn whole_seconds(mut claims: Claims) -> Claims {
    claims.timestamp = claims
        .timestamp
        .map(|time| UNIX_EPOCH + Duration::from_secs(unix_seconds(time)));
    claims
}

/// The timestamp window of every preset in the `verify` target.
const WINDOW: Duration = Duration::from_secs(300);

/// How many presets the `verify` target picks from with byte 0.
pub const PRESETS: u8 = 64;

/// Runs one `verify` input (see the crate docs) through the layer and checks the answer.
pub fn verify(data: &[u8]) {
    let [preset, flags, rest @ ..] = data else {
        return;
    };
    let sign_first = flags & 1 == 1;
    let offset = (i64::from(flags >> 1) - 64) * 10;
    let (head, body) = split_once(rest, b"\n\n").unwrap_or((rest, b""));
    let mut lines = head.split(|&b| b == b'\n');
    let secret = lines.next().unwrap_or_default();
    let id = event_id(lines.next().unwrap_or_default());
    let edits: Vec<(HeaderName, HeaderValue)> = lines.filter_map(header_line).collect();
    let case = Case {
        sign_first,
        offset,
        id: &id,
        edits: &edits,
        body,
    };
    let secret = Secret(if secret.is_empty() { b"secret" } else { secret });
    let base64 = base64::engine::general_purpose::STANDARD;
    let _ = match preset % PRESETS {
        0..=2 => {
            WebhookVerify::try_with_scheme(hmac_scheme(*preset), secret.0).map(|v| case.run(v))
        }
        3 => WebhookVerify::try_with_scheme(Stripe, secret.0).map(|v| case.run(v)),
        4 => WebhookVerify::try_with_scheme(Slack, secret.0).map(|v| case.run(v)),
        5 => {
            let secret = format!("whsec_{}", base64.encode(secret.0));
            WebhookVerify::try_with_scheme(StandardWebhooks, secret).map(|v| case.run(v))
        }
        6 => {
            let secret = format!("whsk_{}", base64.encode(secret.seed()));
            WebhookVerify::try_with_scheme(StandardWebhooks, secret).map(|v| case.run(v))
        }
        preset => {
            presets(preset, &secret, &case);
            Ok(())
        }
    };
}

/// The secret bytes of a `verify` input, and the keys derived from them.
struct Secret<'a>(&'a [u8]);

impl Secret<'_> {
    /// 32 bytes: the secret, cut or padded with zeros (an ed25519 seed).
    fn seed(&self) -> [u8; 32] {
        let mut seed = [0u8; 32];
        for (to, from) in seed.iter_mut().zip(self.0) {
            *to = *from;
        }
        seed
    }

    fn base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.0)
    }

    fn hex(&self) -> String {
        hex::encode(self.0)
    }

    /// A shared token the input cannot contain: the hex HMAC of a fixed text under the
    /// secret. A token scheme accepts whoever sends the token, so the check that nothing
    /// unsigned gets through needs a token the fuzzer cannot copy from its own input.
    fn token(&self) -> String {
        let signed = WebhookVerify::new(self.0).sign_at(b"token", UNIX_EPOCH, "id");
        signed["x-webhook-signature"].to_str().unwrap().to_owned()
    }

    /// An ed25519 secret key (seed, then public key), as the key-pair presets take it.
    fn ed25519(&self) -> Vec<u8> {
        let seed = self.seed();
        let public = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
        [&seed[..], public.as_bytes()].concat()
    }

    /// A P-256 secret key in PKCS#8 DER, base64, from the seed: the top bit cleared and
    /// the bottom one set keep the scalar in range.
    fn p256(&self) -> String {
        const PKCS8: [u8; 36] = [
            0x30, 0x41, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d,
            0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x04, 0x27,
            0x30, 0x25, 0x02, 0x01, 0x01, 0x04, 0x20, 0x00,
        ];
        let mut scalar = self.seed();
        scalar[0] &= 0x7f;
        scalar[31] |= 1;
        let der = [&PKCS8[..35], &scalar[..]].concat();
        base64::engine::general_purpose::STANDARD.encode(der)
    }
}

/// The presets past the first seven `verify` picks (byte 0 from 7 to [`PRESETS`] - 1),
/// each with its secret in the form it takes.
fn presets(preset: u8, secret: &Secret<'_>, case: &Case<'_>) {
    let raw = secret.0;
    let url = "https://example.com/webhook";
    match preset {
        7 => case.run(WebhookVerify::airtable(secret.base64())),
        8 => case.run(WebhookVerify::bitbucket(raw)),
        9 => case.run(WebhookVerify::cal_com(raw)),
        10 => case.run(WebhookVerify::coinbase_commerce(raw)),
        11 => case.run(WebhookVerify::jira(raw)),
        12 => case.run(WebhookVerify::lemon_squeezy(raw)),
        13 => case.run(WebhookVerify::line(raw)),
        14 => case.run(WebhookVerify::notion(raw)),
        15 => case.run(WebhookVerify::razorpay(raw)),
        16 => case.run(WebhookVerify::sentry(raw)),
        17 => case.run(WebhookVerify::typeform(raw)),
        18 => case.run(WebhookVerify::woocommerce(raw)),
        19 => case.run(WebhookVerify::xero(raw)),
        20 => case.run(WebhookVerify::intercom(raw)),
        21 => case.run(WebhookVerify::paystack(raw)),
        22 => case.run(WebhookVerify::segment(raw)),
        23 => case.run(WebhookVerify::vercel(raw)),
        24 => case.run(WebhookVerify::pagerduty(raw)),
        25 => case.run(WebhookVerify::docusign(raw)),
        26 => case.run(WebhookVerify::asana(raw)),
        27 => case.run(WebhookVerify::dropbox(raw)),
        28 => case.run(WebhookVerify::meta(raw, secret.token())),
        29 => case.run(WebhookVerify::telegram(secret.token())),
        30 => case.run(WebhookVerify::gitlab(secret.token())),
        31 => case.run(WebhookVerify::gitlab(format!("whsec_{}", secret.base64()))),
        32 => case.run(WebhookVerify::cloudflare(secret.token())),
        33 => case.run(WebhookVerify::okta(secret.token())),
        34 => case.run(WebhookVerify::postmark(secret.token())),
        35 => case.unsigned(WebhookVerify::figma(secret.token())),
        36 => case.run(WebhookVerify::calendly(raw)),
        37 => case.run(WebhookVerify::mux(raw)),
        38 => case.run(WebhookVerify::persona(raw)),
        39 => case.run(WebhookVerify::workos(raw)),
        40 => case.run(WebhookVerify::sanity(raw)),
        41 => case.run(WebhookVerify::paddle(raw)),
        42 => case.run(WebhookVerify::clerk(format!("whsec_{}", secret.base64()))),
        43 => case.run(WebhookVerify::polar(raw)),
        44 => case.run(WebhookVerify::supabase(format!(
            "v1,whsec_{}",
            secret.base64()
        ))),
        45 => case.run(WebhookVerify::zoom(raw)),
        46 => case.run(WebhookVerify::twitch(raw)),
        47 => case.run(WebhookVerify::zendesk(raw)),
        48 => case.run(WebhookVerify::webflow(raw)),
        49 => case.run(WebhookVerify::r#box(raw)),
        // Linear signs a timestamp in the body: any the body states is in the window.
        50 => case.run_within(WebhookVerify::linear(raw), Duration::MAX),
        51 => case.run(WebhookVerify::discord(hex::encode(secret.ed25519()))),
        52 => case.run(WebhookVerify::telnyx(
            base64::engine::general_purpose::STANDARD.encode(secret.ed25519()),
        )),
        53 => case.run(WebhookVerify::sendgrid(secret.p256())),
        54 => case.run(WebhookVerify::square(raw, url)),
        55 => case.run(WebhookVerify::trello(raw, url)),
        56 => case.run(WebhookVerify::hubspot(raw)),
        57 => case.run(WebhookVerify::twilio(raw)),
        58 => case.run(WebhookVerify::netlify(raw)),
        59 => case.run(WebhookVerify::vonage(raw)),
        60 => case.unsigned(WebhookVerify::mailgun(raw)),
        61 => case.unsigned(WebhookVerify::adyen(secret.hex())),
        62 => case.unsigned(WebhookVerify::braintree("public", raw)),
        // Contentful's secret is 64 characters.
        63 => case.run(WebhookVerify::contentful(format!(
            "{:0<64.64}",
            secret.hex()
        ))),
        _ => unreachable!("byte 0 is taken modulo PRESETS"),
    }
}

struct Case<'a> {
    sign_first: bool,
    offset: i64,
    id: &'a str,
    edits: &'a [(HeaderName, HeaderValue)],
    body: &'a [u8],
}

impl Case<'_> {
    /// A preset whose signature travels in the body (Mailgun, Adyen, Braintree, Figma's
    /// passcode): the crate verifies but does not sign those, so every request is unsigned.
    fn unsigned<S: Scheme + Clone>(&self, verify: WebhookVerify<S>) {
        let case = Case {
            sign_first: false,
            ..*self
        };
        case.run(verify);
    }

    /// Sends the case through `verify` with the common window, so that `offset` says
    /// whether the request is in it.
    fn run<S: Scheme + Clone>(&self, verify: WebhookVerify<S>) {
        self.run_within(verify, WINDOW);
    }

    fn run_within<S: Scheme + Clone>(&self, verify: WebhookVerify<S>, window: Duration) {
        let verify = verify
            .clock(|| UNIX_EPOCH + Duration::from_secs(NOW))
            .tolerance(window);
        let mut request = Request::post("/webhook").body(self.body).unwrap();
        let headers = request.headers_mut();
        headers.insert(http::header::HOST, HeaderValue::from_static(HOST));
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        let at = UNIX_EPOCH + Duration::from_secs(NOW.saturating_add_signed(self.offset));
        // A scheme that cannot build the signed content from this body (Linear's without a
        // timestamp) leaves it unsigned.
        let signed = self.sign_first && signable(verify.scheme(), &request, at, self.id);
        if signed {
            verify.sign_request_at(&mut request, at, self.id);
        }
        let mut headers = request.headers().clone();
        for (name, value) in self.edits {
            if signed {
                headers.insert(name.clone(), value.clone());
            } else {
                headers.append(name.clone(), value.clone());
            }
        }
        let (status, reached) = send(&verify, headers, self.body);
        assert!(
            matches!(
                status,
                StatusCode::OK | StatusCode::BAD_REQUEST | StatusCode::PAYLOAD_TOO_LARGE
            ),
            "unexpected status {status}"
        );
        // 200 without the handler is a handshake the layer answers itself.
        if reached {
            assert_eq!(
                status,
                StatusCode::OK,
                "the handler ran but the answer is {status}"
            );
        }
        if !signed {
            assert!(!reached, "accepted a request nobody signed");
        }
        let in_window = Duration::from_secs(self.offset.unsigned_abs()) <= window;
        let within_limit = self.body.len() <= tower_webhook::DEFAULT_MAX_BODY_SIZE;
        if signed && self.edits.is_empty() && in_window && within_limit {
            assert_eq!(status, StatusCode::OK, "refused what it signed");
        }
    }
}

/// Whether signing can build the signed content for this request: what signing does
/// before it computes the MAC, without its panic when the content cannot be built.
fn signable<S: Scheme>(scheme: &S, request: &Request<&[u8]>, at: SystemTime, id: &str) -> bool {
    let mut claims = Claims::default();
    if scheme.carries_timestamp() {
        claims.timestamp = Some(at);
    }
    if scheme.carries_id() {
        claims.id = Some(id.to_owned());
    }
    let mut headers = request.headers().clone();
    let mut written = HeaderMap::new();
    scheme.write_headers(&claims, &mut written);
    for (name, value) in &written {
        headers.insert(name, value.clone());
    }
    let head = RequestHead::new(request.method(), request.uri(), &headers);
    let mut content = SignedContent::default();
    scheme
        .signed_content(&head, &mut claims, request.body(), &mut content)
        .is_ok()
}
/// One request through the layer around a service that checks it got the verified body.
/// Returns the status and whether the inner service ran.
fn send<S: Scheme + Clone>(
    verify: &WebhookVerify<S>,
    headers: HeaderMap,
    body: &[u8],
) -> (StatusCode, bool) {
    let reached = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&reached);
    let sent = body.to_vec();
    let inner = tower::service_fn(move |request: Request<VerifiedBody>| {
        flag.store(true, Ordering::SeqCst);
        let verified = request.extensions().get::<Verified>().cloned();
        let expected = sent.clone();
        async move {
            let verified = verified.expect("the inner service sees Verified");
            assert_eq!(verified.body().as_ref(), expected.as_slice());
            let body = axum::body::to_bytes(Body::new(request.into_body()), usize::MAX)
                .now_or_never()
                .expect("the verified body is in memory")
                .expect("the verified body reads");
            assert_eq!(body.as_ref(), expected.as_slice());
            Ok::<_, Infallible>(http::Response::new(Body::empty()))
        }
    });
    let mut request = Request::post("/webhook")
        .body(Body::from(body.to_vec()))
        .unwrap();
    *request.headers_mut() = headers;
    let response = verify
        .layer(inner)
        .oneshot(request)
        .now_or_never()
        .expect("an in-memory request is answered without waiting")
        .unwrap_or_else(|never| match never {});
    (response.status(), reached.load(Ordering::SeqCst))
}

/// An id `sign_at` can put in a header: visible ASCII, at least one character.
fn event_id(line: &[u8]) -> String {
    let id: String = line
        .iter()
        .filter(|b| b.is_ascii_graphic())
        .take(64)
        .map(|&b| char::from(b))
        .collect();
    if id.is_empty() {
        "msg_1".to_owned()
    } else {
        id
    }
}

fn header_line(line: &[u8]) -> Option<(HeaderName, HeaderValue)> {
    let (name, value) = split_once(line, b":")?;
    let value = value.strip_prefix(b" ").unwrap_or(value);
    Some((
        HeaderName::from_bytes(name).ok()?,
        HeaderValue::from_bytes(value).ok()?,
    ))
}

fn split_once<'a>(data: &'a [u8], separator: &[u8]) -> Option<(&'a [u8], &'a [u8])> {
    let at = data.windows(separator.len()).position(|w| w == separator)?;
    Some((&data[..at], &data[at + separator.len()..]))
}

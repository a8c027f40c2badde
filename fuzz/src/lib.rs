//! What the fuzz targets share: turning fuzz input into headers, the parser round trip,
//! and one request through the layer.
//!
//! Input format (plain text, so seeds can be written by hand):
//! - parser targets: one header value per line, given in turn to the scheme's header
//!   names; lines past the last name repeat the names (a repeated header).
//! - `verify`: byte 0 picks the preset, byte 1 holds flags (bit 0: sign the body first;
//!   bits 1-7: signing time, `(bits - 64) * 10` seconds from now). Then lines: the secret,
//!   the event id, then `name: value` headers (set over the signed ones, or added), then an
//!   empty line and the body.

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use axum::body::Body;
use base64::Engine as _;
use futures_util::FutureExt as _;
use http::{HeaderMap, HeaderName, HeaderValue, Request, StatusCode};
use tower::{Layer as _, ServiceExt as _};
use tower_webhook::scheme::{HmacScheme, RequestHead, Scheme, Slack, StandardWebhooks, Stripe};
use tower_webhook::{Verified, VerifiedBody, WebhookVerify};

/// The receiver's fixed "now", in seconds since the Unix epoch.
pub const NOW: u64 = 1_700_000_000;

/// Headers from one value per line, given in turn to `names` (cycling).
pub fn headers_from_lines(data: &[u8], names: &[HeaderName]) -> HeaderMap {
    let mut headers = HeaderMap::new();
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
    let method = http::Method::POST;
    let uri = http::Uri::from_static("/webhook");
    match scheme.parse(&RequestHead::new(&method, &uri, headers)) {
        Ok(claims) => {
            let mut written = HeaderMap::new();
            scheme.write_headers(&claims, &mut written);
            let again = scheme
                .parse(&RequestHead::new(&method, &uri, &written))
                .expect("headers written from parsed claims parse");
            assert_eq!(claims, again, "parse(write(claims)) changed the claims");
        }
        Err(rejection) => {
            assert!(!rejection.to_string().is_empty());
            assert!(rejection.status().is_client_error());
        }
    }
}

/// The HMAC scheme the first byte picks: plain hex, GitHub or Shopify.
pub fn hmac_scheme(selector: u8) -> HmacScheme {
    match selector % 3 {
        0 => HmacScheme::new(),
        1 => HmacScheme::github(),
        _ => HmacScheme::shopify(),
    }
}

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
    let base64 = base64::engine::general_purpose::STANDARD;
    let _ = match preset % 7 {
        0..=2 => WebhookVerify::try_with_scheme(hmac_scheme(*preset), secret).map(|v| case.run(v)),
        3 => WebhookVerify::try_with_scheme(Stripe, secret).map(|v| case.run(v)),
        4 => WebhookVerify::try_with_scheme(Slack, secret).map(|v| case.run(v)),
        5 => {
            let secret = format!("whsec_{}", base64.encode(secret));
            WebhookVerify::try_with_scheme(StandardWebhooks, secret).map(|v| case.run(v))
        }
        _ => {
            let mut seed = [0u8; 32];
            for (to, from) in seed.iter_mut().zip(secret) {
                *to = *from;
            }
            let secret = format!("whsk_{}", base64.encode(seed));
            WebhookVerify::try_with_scheme(StandardWebhooks, secret).map(|v| case.run(v))
        }
    };
}

struct Case<'a> {
    sign_first: bool,
    offset: i64,
    id: &'a str,
    edits: &'a [(HeaderName, HeaderValue)],
    body: &'a [u8],
}

impl Case<'_> {
    fn run<S: Scheme + Clone>(&self, verify: WebhookVerify<S>) {
        let verify = verify.clock(|| UNIX_EPOCH + Duration::from_secs(NOW));
        let mut headers = HeaderMap::new();
        if self.sign_first {
            let at = UNIX_EPOCH + Duration::from_secs(NOW.saturating_add_signed(self.offset));
            headers = verify.sign_at(self.body, at, self.id);
        }
        for (name, value) in self.edits {
            if self.sign_first {
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
        assert_eq!(status == StatusCode::OK, reached, "status {status}");
        if !self.sign_first {
            assert_ne!(status, StatusCode::OK, "accepted a request nobody signed");
        }
        let in_window = self.offset.abs() <= 300;
        let within_limit = self.body.len() <= tower_webhook::DEFAULT_MAX_BODY_SIZE;
        if self.sign_first && self.edits.is_empty() && in_window && within_limit {
            assert_eq!(status, StatusCode::OK, "refused what it signed");
        }
    }
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

//! Property tests: every scheme accepts what it signed, refuses any single flipped bit, and
//! answers arbitrary input without panicking or answering 5xx. The presets of the first
//! release are checked in depth (their timestamps and ids too); every preset is checked
//! through the interop registry (`tests/interop/providers.rs`).
//!
//! Each property runs 128 cases by default (those over every preset, 8 cases of every
//! preset); run more with `PROPTEST_CASES=10000 cargo test --release --test properties`.

// The interop registry of every preset, with its sample request and constructors.
#[allow(dead_code)]
#[path = "interop/context.rs"]
mod context;
#[allow(dead_code)]
#[path = "interop/header.rs"]
mod header;
#[allow(dead_code)]
#[path = "interop/providers.rs"]
mod providers;
#[allow(dead_code)]
#[path = "interop/timestamped.rs"]
mod timestamped;

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Request, StatusCode};
use proptest::prelude::*;
use tower::{Layer as _, ServiceExt as _};
use tower_webhook::scheme::{Encoding, Scheme, Signature};
use tower_webhook::{Rejection, Verified, VerifiedBody, WebhookVerify};

use providers::{AnyVerify, Provider};

/// The receiver's fixed "now", in seconds since the Unix epoch.
const NOW: u64 = 1_700_000_000;

/// The Standard Webhooks ed25519 secret key whose seed is the bytes 0, 1, ..., 31.
const SEED_0_TO_31: &str = "whsk_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

#[derive(Debug, Clone, Copy)]
enum Preset {
    New,
    Github,
    Shopify,
    Stripe,
    Slack,
    Standard,
    StandardEd25519,
}

const PRESETS: [Preset; 7] = [
    Preset::New,
    Preset::Github,
    Preset::Shopify,
    Preset::Stripe,
    Preset::Slack,
    Preset::Standard,
    Preset::StandardEd25519,
];

/// Where a preset puts its signature: header, the text before the encoded bytes, and
/// whether they are base64 (else hex).
struct SignatureField {
    header: &'static str,
    marker: &'static str,
    base64: bool,
}

impl Preset {
    fn signature_field(self) -> SignatureField {
        let (header, marker, base64) = match self {
            Self::New => ("x-webhook-signature", "", false),
            Self::Github => ("x-hub-signature-256", "sha256=", false),
            Self::Shopify => ("x-shopify-hmac-sha256", "", true),
            Self::Stripe => ("stripe-signature", "v1=", false),
            Self::Slack => ("x-slack-signature", "v0=", false),
            Self::Standard => ("webhook-signature", "v1,", true),
            Self::StandardEd25519 => ("webhook-signature", "v1a,", true),
        };
        SignatureField {
            header,
            marker,
            base64,
        }
    }

    /// The header holding the signed timestamp, and the text before the digits.
    fn timestamp_field(self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::Stripe => Some(("stripe-signature", "t=")),
            Self::Slack => Some(("x-slack-request-timestamp", "")),
            Self::Standard | Self::StandardEd25519 => Some(("webhook-timestamp", "")),
            Self::New | Self::Github | Self::Shopify => None,
        }
    }

    fn id_header(self) -> Option<&'static str> {
        match self {
            Self::Standard | Self::StandardEd25519 => Some("webhook-id"),
            _ => None,
        }
    }
}

/// What the inner service saw.
#[derive(Debug, PartialEq)]
struct Outcome {
    status: StatusCode,
    /// The body the inner service received, when it ran.
    reached_inner: Option<Bytes>,
}

type SignFn = Box<dyn Fn(&[u8], SystemTime, &str) -> HeaderMap>;
type SendFn = Box<dyn Fn(HeaderMap, Vec<u8>) -> Outcome>;

/// A configured layer of any scheme, behind one type.
struct Receiver {
    sign: SignFn,
    send: SendFn,
}

fn receiver<S: Scheme + Clone>(verify: WebhookVerify<S>) -> Receiver {
    let verify = verify.clock(|| UNIX_EPOCH + Duration::from_secs(NOW));
    let signer = verify.clone();
    Receiver {
        sign: Box::new(move |body, at, id| signer.sign_at(body, at, id)),
        send: Box::new(move |headers, body| send(&verify, headers, body)),
    }
}

/// Sends one request through the layer around a service that echoes the verified body.
fn send<S: Scheme + Clone>(
    verify: &WebhookVerify<S>,
    headers: HeaderMap,
    body: Vec<u8>,
) -> Outcome {
    let reached = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&reached);
    let echo = tower::service_fn(move |request: Request<VerifiedBody>| {
        flag.store(true, Ordering::SeqCst);
        echo(request)
    });
    let mut request = Request::post("/webhook").body(Body::from(body)).unwrap();
    *request.headers_mut() = headers;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let response = verify.layer(echo).oneshot(request).await.unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(Body::new(response.into_body()), usize::MAX)
            .await
            .unwrap();
        Outcome {
            status,
            reached_inner: reached.load(Ordering::SeqCst).then_some(body),
        }
    })
}

/// Answers 200 with the body it received when the layer verified it, 418 otherwise.
async fn echo(request: Request<VerifiedBody>) -> Result<http::Response<Body>, Infallible> {
    let verified = request.extensions().get::<Verified>().cloned();
    let body = axum::body::to_bytes(Body::new(request.into_body()), usize::MAX)
        .await
        .expect("the layer hands on a readable body");
    let status = match verified {
        Some(verified) if verified.body() == &body => StatusCode::OK,
        _ => StatusCode::IM_A_TEAPOT,
    };
    let mut response = http::Response::new(Body::from(body));
    *response.status_mut() = status;
    Ok(response)
}

fn configure(preset: Preset, secret: &[u8], seed: &[u8; 32]) -> Receiver {
    match preset {
        Preset::New => receiver(WebhookVerify::new(secret)),
        Preset::Github => receiver(WebhookVerify::github(secret)),
        Preset::Shopify => receiver(WebhookVerify::shopify(secret)),
        Preset::Stripe => receiver(WebhookVerify::stripe(secret)),
        Preset::Slack => receiver(WebhookVerify::slack(secret)),
        Preset::Standard => receiver(WebhookVerify::standard(format!(
            "whsec_{}",
            BASE64.encode(secret)
        ))),
        Preset::StandardEd25519 => receiver(WebhookVerify::standard_ed25519(format!(
            "whsk_{}",
            BASE64.encode(seed)
        ))),
    }
}

fn accepted(outcome: &Outcome, body: &[u8]) -> bool {
    outcome.status == StatusCode::OK && outcome.reached_inner.as_deref() == Some(body)
}

fn refused(outcome: &Outcome) -> bool {
    outcome.status == StatusCode::BAD_REQUEST && outcome.reached_inner.is_none()
}

/// Flips one bit of the decoded signature and writes it back in the same encoding.
fn flip_signature(preset: Preset, headers: &mut HeaderMap, bit: usize) {
    let field = preset.signature_field();
    let text = headers[field.header].to_str().unwrap().to_owned();
    let start = text.find(field.marker).unwrap() + field.marker.len();
    let (head, encoded) = text.split_at(start);
    let mut bytes = if field.base64 {
        BASE64.decode(encoded).unwrap()
    } else {
        hex::decode(encoded).unwrap()
    };
    let bit = bit % (bytes.len() * 8);
    bytes[bit / 8] ^= 1 << (bit % 8);
    let encoded = if field.base64 {
        BASE64.encode(&bytes)
    } else {
        hex::encode(&bytes)
    };
    headers.insert(field.header, format!("{head}{encoded}").parse().unwrap());
}

/// Flips one bit of the header's value from `marker` on, up to the next `,` or the end.
/// `None` when the result is not a valid header value (it could not be sent).
fn flip_text(
    headers: &mut HeaderMap,
    header: &'static str,
    marker: &str,
    bit: usize,
) -> Option<()> {
    let mut bytes = headers[header].as_bytes().to_vec();
    let start = if marker.is_empty() {
        0
    } else {
        let text = std::str::from_utf8(&bytes).unwrap();
        text.find(marker).unwrap() + marker.len()
    };
    let end = bytes[start..]
        .iter()
        .position(|&b| b == b',')
        .map_or(bytes.len(), |at| start + at);
    let bit = bit % ((end - start) * 8);
    bytes[start + bit / 8] ^= 1 << (bit % 8);
    headers.insert(header, HeaderValue::from_bytes(&bytes).ok()?);
    Some(())
}

fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 128;
    }
    // About one flip in eight makes a byte no header may carry; those cases are skipped.
    config.max_global_rejects = config.cases.max(1024);
    config
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        prop::collection::vec(any::<u8>(), 0..4096),
        "\\PC{0,200}".prop_map(String::into_bytes),
    ]
}

fn secret() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 1..80)
}

fn event_id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_]{1,40}"
}

fn preset() -> impl Strategy<Value = Preset> {
    prop::sample::select(PRESETS.to_vec())
}

/// Headers a request might carry: the schemes' own, with plausible or arbitrary values,
/// and others.
fn header_map() -> impl Strategy<Value = HeaderMap> {
    header_map_of(
        [
            "x-webhook-signature",
            "x-hub-signature-256",
            "x-shopify-hmac-sha256",
            "stripe-signature",
            "x-slack-signature",
            "x-slack-request-timestamp",
            "webhook-id",
            "webhook-timestamp",
            "webhook-signature",
            "content-length",
        ]
        .map(HeaderName::from_static)
        .to_vec(),
    )
}

/// Headers named from `names` or at random, with plausible or arbitrary values.
fn header_map_of(names: Vec<HeaderName>) -> impl Strategy<Value = HeaderMap> {
    let name = prop_oneof![
        prop::sample::select(names),
        "[a-z0-9-]{1,24}".prop_map(|name| HeaderName::from_bytes(name.as_bytes()).unwrap()),
    ];
    let value = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..120),
        "[0-9]{0,22}".prop_map(String::into_bytes),
        "(sha256=|v0=)?[0-9a-fA-F]{60,68}".prop_map(String::into_bytes),
        "t=[0-9]{1,21}(,v[01]=[0-9a-f]{62,66}){0,3}(,[a-z]*=?[0-9a-z]*)?"
            .prop_map(String::into_bytes),
        "( ?v1a?,[A-Za-z0-9+/]{40,90}={0,2}){0,4} ?".prop_map(String::into_bytes),
        "[A-Za-z0-9+/]{40,46}={0,2}".prop_map(String::into_bytes),
        "\\PC{0,40}".prop_map(String::into_bytes),
        "(ts|t)=[0-9]{1,20}[;,] ?(h1|v1)=[0-9a-f]{62,66}".prop_map(String::into_bytes),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})"
            .prop_map(String::into_bytes),
        "(Bearer )?[A-Za-z0-9_-]{0,40}\\.[A-Za-z0-9_-]{0,80}\\.[A-Za-z0-9_-]{0,50}"
            .prop_map(String::into_bytes),
        "Basic [A-Za-z0-9+/]{0,40}={0,2}".prop_map(String::into_bytes),
    ]
    .prop_filter_map("not a header value", |bytes| {
        HeaderValue::from_bytes(&bytes).ok()
    });
    prop::collection::vec((name, value), 0..8).prop_map(|pairs| {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(name, value);
        }
        headers
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn what_is_signed_is_accepted(
        preset in preset(),
        secret in secret(),
        seed in any::<[u8; 32]>(),
        body in body(),
        offset in -300i64..=300,
        id in event_id(),
    ) {
        let receiver = configure(preset, &secret, &seed);
        let at = UNIX_EPOCH + Duration::from_secs(NOW.checked_add_signed(offset).unwrap());
        let headers = (receiver.sign)(&body, at, &id);
        let outcome = (receiver.send)(headers, body.clone());
        prop_assert!(accepted(&outcome, &body), "{preset:?}: {outcome:?}");
    }

    #[test]
    fn a_flipped_body_bit_is_refused(
        preset in preset(),
        secret in secret(),
        seed in any::<[u8; 32]>(),
        body in prop::collection::vec(any::<u8>(), 1..2048),
        bit in any::<usize>(),
        id in event_id(),
    ) {
        let receiver = configure(preset, &secret, &seed);
        let headers = (receiver.sign)(&body, UNIX_EPOCH + Duration::from_secs(NOW), &id);
        let mut forged = body.clone();
        let bit = bit % (forged.len() * 8);
        forged[bit / 8] ^= 1 << (bit % 8);
        let outcome = (receiver.send)(headers, forged);
        prop_assert!(refused(&outcome), "{preset:?}: {outcome:?}");
    }

    #[test]
    fn a_flipped_signature_bit_is_refused(
        preset in preset(),
        secret in secret(),
        seed in any::<[u8; 32]>(),
        body in body(),
        bit in any::<usize>(),
        id in event_id(),
    ) {
        let receiver = configure(preset, &secret, &seed);
        let mut headers = (receiver.sign)(&body, UNIX_EPOCH + Duration::from_secs(NOW), &id);
        flip_signature(preset, &mut headers, bit);
        let outcome = (receiver.send)(headers, body);
        prop_assert!(refused(&outcome), "{preset:?}: {outcome:?}");
    }

    #[test]
    fn a_flipped_timestamp_bit_is_refused(
        preset in prop::sample::select(vec![
            Preset::Stripe,
            Preset::Slack,
            Preset::Standard,
            Preset::StandardEd25519,
        ]),
        secret in secret(),
        seed in any::<[u8; 32]>(),
        body in body(),
        offset in -300i64..=300,
        bit in any::<usize>(),
        id in event_id(),
    ) {
        let (header, marker) = preset.timestamp_field().unwrap();
        let receiver = configure(preset, &secret, &seed);
        let at = UNIX_EPOCH + Duration::from_secs(NOW.checked_add_signed(offset).unwrap());
        let mut headers = (receiver.sign)(&body, at, &id);
        prop_assume!(flip_text(&mut headers, header, marker, bit).is_some());
        let outcome = (receiver.send)(headers, body);
        prop_assert!(refused(&outcome), "{preset:?}: {outcome:?}");
    }

    #[test]
    fn a_flipped_id_bit_is_refused(
        ed25519 in any::<bool>(),
        secret in secret(),
        seed in any::<[u8; 32]>(),
        body in body(),
        bit in any::<usize>(),
        id in event_id(),
    ) {
        let preset = if ed25519 { Preset::StandardEd25519 } else { Preset::Standard };
        let receiver = configure(preset, &secret, &seed);
        let mut headers = (receiver.sign)(&body, UNIX_EPOCH + Duration::from_secs(NOW), &id);
        prop_assume!(flip_text(&mut headers, preset.id_header().unwrap(), "", bit).is_some());
        let outcome = (receiver.send)(headers, body);
        prop_assert!(refused(&outcome), "{preset:?}: {outcome:?}");
    }

    #[test]
    fn arbitrary_requests_are_refused_without_panic_or_5xx(
        secret in secret(),
        seed in any::<[u8; 32]>(),
        headers in header_map(),
        body in body(),
    ) {
        for preset in PRESETS {
            let receiver = configure(preset, &secret, &seed);
            let outcome = (receiver.send)(headers.clone(), body.clone());
            prop_assert!(
                matches!(outcome.status, StatusCode::BAD_REQUEST | StatusCode::PAYLOAD_TOO_LARGE),
                "{preset:?}: {outcome:?}"
            );
            prop_assert!(outcome.reached_inner.is_none(), "{preset:?}: {outcome:?}");
        }
    }
}

#[test]
fn the_spec_style_secret_key_signs_and_verifies() {
    let seed: Vec<u8> = (0..32).collect();
    assert_eq!(SEED_0_TO_31, format!("whsk_{}", BASE64.encode(&seed)));
    let receiver = receiver(WebhookVerify::standard_ed25519(SEED_0_TO_31));
    let body = b"\xff\xfe not UTF-8 \x00".to_vec();
    let headers = (receiver.sign)(&body, UNIX_EPOCH + Duration::from_secs(NOW), "msg_1");
    assert!(headers["webhook-signature"]
        .to_str()
        .unwrap()
        .starts_with("v1a,"));
    let outcome = (receiver.send)(headers.clone(), body.clone());
    assert!(accepted(&outcome, &body), "{outcome:?}");

    let mut headers = headers;
    flip_signature(Preset::StandardEd25519, &mut headers, 511);
    assert!(refused(&(receiver.send)(headers, body)));
}

// ------------------------------------------------------------------ every preset

/// The body a proptest case signs for a preset: any bytes where its provider takes any
/// body, else the sample's body with a field holding `note` (a JSON field, or a form
/// parameter).
fn body_for(provider: &Provider, verifier: &dyn AnyVerify, any: &[u8], note: &str) -> Vec<u8> {
    if takes_any_body(provider, verifier) {
        return any.to_vec();
    }
    let sample = (provider.request)().body;
    if let Ok(serde_json::Value::Object(mut object)) = serde_json::from_slice(&sample) {
        object.insert("note".into(), note.into());
        return serde_json::to_vec(&object).unwrap();
    }
    let mut form = form_urlencoded::Serializer::new(String::from_utf8(sample).unwrap());
    form.append_pair("note", note);
    form.finish().into_bytes()
}

/// Whether the preset's scheme reads a signed sample whose body is replaced by bytes that
/// are neither JSON nor a form with its fields (Mailgun, Linear, Figma... do not).
fn takes_any_body(provider: &Provider, verifier: &dyn AnyVerify) -> bool {
    let mut request = (provider.request)();
    (provider.signer)(&provider.sign_secret).sign(&mut request, SystemTime::now(), "evt_probe");
    request.body = b"\xff\x00 neither JSON nor fields".to_vec();
    verifier.inspect(&request).is_ok()
}

/// A sample of the preset, with `body` (see [`body_for`]), signed now.
fn signed_sample(
    provider: &Provider,
    any: &[u8],
    note: &str,
    id: &str,
) -> (providers::Request, SystemTime) {
    let verifier = (provider.verifier)(&provider.verify_secret);
    let mut request = (provider.request)();
    request.body = body_for(provider, &*verifier, any, note);
    let now = SystemTime::now();
    (provider.signer)(&provider.sign_secret).sign(&mut request, now, id);
    (request, now)
}

/// The request with one bit of its signature (or token) flipped where it stands, in a
/// header or in the body, and written back in the same encoding. `None` when the flipped
/// token is no header value (it could not be sent).
fn with_signature_bit_flipped(
    request: &providers::Request,
    signature: &Signature,
    bit: usize,
) -> Option<providers::Request> {
    let bytes = signature.as_bytes();
    let mut flipped = bytes.to_vec();
    let bit = bit % (flipped.len() * 8);
    flipped[bit / 8] ^= 1 << (bit % 8);
    let forms: Vec<(Vec<u8>, Vec<u8>)> = if let Signature::Token(_) = signature {
        vec![
            (bytes.to_vec(), flipped.clone()),
            (
                BASE64.encode(bytes).into_bytes(),
                BASE64.encode(&flipped).into_bytes(),
            ),
        ]
    } else {
        [Encoding::Hex, Encoding::Base64, Encoding::Base64Url]
            .map(|encoding| {
                let text = |bytes: &[u8]| encoding.encode(bytes).into_bytes();
                (text(bytes), text(&flipped))
            })
            .to_vec()
    };
    let mut changed = request.clone();
    for (text, replacement) in &forms {
        for value in changed.headers.values_mut() {
            if let Some(new) = replace(value.as_bytes(), text, replacement) {
                *value = HeaderValue::from_bytes(&new).ok()?;
                return Some(changed);
            }
        }
        if let Some(new) = replace(&changed.body, text, replacement) {
            changed.body = new;
            return Some(changed);
        }
    }
    panic!("the signature is neither in a header nor in the body");
}

/// `haystack` with the first `needle` replaced, if it holds one.
fn replace(haystack: &[u8], needle: &[u8], replacement: &[u8]) -> Option<Vec<u8>> {
    let at = haystack
        .windows(needle.len())
        .position(|window| window == needle)?;
    Some([&haystack[..at], replacement, &haystack[at + needle.len()..]].concat())
}

/// Every header name a preset's signer writes.
fn signed_header_names() -> Vec<HeaderName> {
    let mut names: Vec<HeaderName> = providers::all()
        .iter()
        .flat_map(|provider| {
            let mut request = (provider.request)();
            (provider.signer)(&provider.sign_secret).sign(&mut request, SystemTime::now(), "id");
            request.headers.keys().cloned().collect::<Vec<_>>()
        })
        .collect();
    names.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    names.dedup();
    names
}

fn every_preset_config() -> ProptestConfig {
    let mut config = config();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 8;
    }
    config
}

fn refused_with_400(
    provider: &Provider,
    verified: Result<Verified, Rejection>,
) -> Result<(), TestCaseError> {
    match verified {
        Ok(_) => Err(TestCaseError::fail(format!("{}: accepted", provider.name))),
        Err(rejection) if rejection.status() == StatusCode::BAD_REQUEST => Ok(()),
        Err(rejection) => Err(TestCaseError::fail(format!(
            "{}: {rejection}",
            provider.name
        ))),
    }
}

proptest! {
    #![proptest_config(every_preset_config())]

    #[test]
    fn every_preset_accepts_what_it_signed(
        body in body(),
        note in "\\PC{0,40}",
        id in event_id(),
    ) {
        for provider in providers::all() {
            let (request, now) = signed_sample(&provider, &body, &note, &id);
            let verifier = (provider.verifier)(&provider.verify_secret);
            match verifier.verify(&request, now) {
                Ok(verified) => prop_assert_eq!(verified.body().as_ref(), &request.body[..]),
                Err(rejection) => prop_assert!(false, "{}: {rejection}", provider.name),
            }
        }
    }

    #[test]
    fn every_preset_refuses_a_flipped_bit_of_a_signed_body(
        body in prop::collection::vec(any::<u8>(), 1..1024),
        note in "\\PC{1,40}",
        bit in any::<usize>(),
        id in event_id(),
    ) {
        for provider in providers::all() {
            let (mut request, now) = signed_sample(&provider, &body, &note, &id);
            let verifier = (provider.verifier)(&provider.verify_secret);
            let (_, covers_body) = verifier.inspect(&request).unwrap();
            if !covers_body {
                continue;
            }
            let bit = bit % (request.body.len() * 8);
            request.body[bit / 8] ^= 1 << (bit % 8);
            refused_with_400(&provider, verifier.verify(&request, now))?;
        }
    }

    #[test]
    fn every_preset_refuses_a_flipped_bit_of_its_signature_or_token(
        body in body(),
        note in "\\PC{0,40}",
        bit in any::<usize>(),
        id in event_id(),
    ) {
        for provider in providers::all() {
            let (request, now) = signed_sample(&provider, &body, &note, &id);
            let verifier = (provider.verifier)(&provider.verify_secret);
            let (claims, _) = verifier.inspect(&request).unwrap();
            let [signature] = &claims.signatures[..] else {
                panic!("{}: signed with {} signatures", provider.name, claims.signatures.len());
            };
            let Some(forged) = with_signature_bit_flipped(&request, signature, bit) else {
                continue;
            };
            refused_with_400(&provider, verifier.verify(&forged, now))?;
        }
    }

    #[test]
    fn every_preset_refuses_arbitrary_headers_without_panic(
        headers in header_map_of(signed_header_names()),
        body in body(),
    ) {
        for provider in providers::all() {
            let mut request = (provider.request)();
            request.body = body.clone();
            for (name, value) in &headers {
                request.headers.append(name, value.clone());
            }
            let verifier = (provider.verifier)(&provider.verify_secret);
            match verifier.verify(&request, SystemTime::now()) {
                Ok(_) => prop_assert!(false, "{}: accepted {headers:?}", provider.name),
                Err(rejection) => prop_assert!(
                    matches!(rejection.status(), StatusCode::BAD_REQUEST | StatusCode::PAYLOAD_TOO_LARGE),
                    "{}: {rejection}", provider.name
                ),
            }
        }
    }
}

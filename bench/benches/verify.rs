//! What verification costs, next to what it must cost.
//!
//! Groups, one per compared set and body size, each with `Throughput::Bytes`:
//!
//! - `request/<size>`: a full request through an axum `Router`. `layer` is the route behind
//!   `WebhookVerify::new`, its handler taking the verified `Bytes`; `by_hand` is the same
//!   route without the layer, its handler taking `HeaderMap` + `Bytes` and verifying with
//!   `hmac` + `sha2` itself (hex-decode the header, key the HMAC, `verify_slice`). After
//!   verifying, both handlers do the same work: they read the body's length and answer 200.
//!   That work is deliberately trivial, so the comparison shows the layer's whole overhead
//!   rather than hiding it behind the handler's. Both routers are finalized with
//!   `.with_state(())`, as `axum::serve` does, so neither turns its handler into a service
//!   on every request. `by_hand_keyed_once` keys its HMAC once and clones it per request,
//!   as the layer does, rather than keying it from the secret on every request as
//!   `by_hand` (and most hand-written handlers) do; `by_hand_noop_layer` is `by_hand`
//!   behind a layer that does nothing.
//! - `verify/<size>`: `layer` is `WebhookVerify::new` around a trivial service; `bare_hmac`
//!   is one keyed HMAC-SHA256 over the same bytes, the floor.
//! - `presets/<size>`: every preset through the layer around a trivial service, next to
//!   `bare_hmac`.
//! - `algorithms/64KiB`: one layer per algorithm family, each paired with its bare
//!   primitive over the same bytes: HMAC-SHA1, -SHA256 and -SHA512, keyed SHA-256, and
//!   ed25519 (the bare verification of a message already in one buffer).
//! - `schemes/64KiB`: one preset per scheme type (one header, key=value pairs, templates
//!   with RFC 3339 or suffixed timestamps, Standard Webhooks variants, numbered headers, a
//!   token, URL-signed, ed25519 with hex keys, ECDSA, a JWT), each paired with the bare
//!   primitive of its algorithm. Presets on the same scheme type differ only in names and
//!   settings.
//!
//! - `every_preset/64KiB`: every preset that MACs the raw body with a shared secret, each
//!   paired with the bare MAC of its algorithm ([`every_preset`] says which are left out).
//! - `from_body/64KiB`: the presets that read what they verify from the body (Linear,
//!   Twilio, Mailgun, Braintree, Adyen, Figma), each paired with the same parse and check
//!   by hand.
//!
//!   A pair is measured in turn within every iteration ([`bench_pair`]): criterion
//!   reports the layer's time as `<preset>`, and each of its samples also sums the
//!   primitive's calls over the same iterations, so the ratio is taken between figures
//!   from the same moments of the machine, not between two benchmarks run a few seconds
//!   apart. The medians of both and of the samples' ratios are printed as `pair` lines.
//! - `rotation/<size>`: three secrets (`also_accept` twice) where the request is signed
//!   with the last, next to one and three bare HMACs. The layer keys each secret's HMAC
//!   once, when it is configured, and per request clones the keyed states and feeds every
//!   body chunk to each: three secrets cost three MACs over the body, however many
//!   signatures the request carries, and no keying.
//!
//! Every request is built in the untimed setup of `iter_batched`, from a `Bytes` body in one
//! chunk (as hyper delivers small bodies), and driven with `oneshot` on a clone of the
//! service inside a current-thread tokio runtime. Each benchmark cycles through distinct
//! signed events ([`event_count`]: 4096 at 1 KiB), because a real signature never repeats:
//! the same few signatures on every request let the branch predictor learn their hex
//! digits, which hides the cost of a branchy decoder such as the by-hand handler's.

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::routing::post;
use axum::Router;
use bytes::Bytes;
use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BatchSize, BenchmarkGroup, Criterion, Throughput,
};
use hmac::{KeyInit, Mac};
use http::{header, HeaderMap, Request, Response, StatusCode};
use tokio::runtime::Runtime;
use tower::{Layer, Service, ServiceExt};
use tower_webhook::scheme::{Algorithm, AnyScheme, Scheme};
use tower_webhook::WebhookVerify;
use tower_webhook_bench::{
    handle_event, kept, trivial, verify_by_hand, HmacSha256, HEADER, SECRET,
};

const STANDARD_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const ED25519_SECRET_KEY: &str = "whsk_nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
const EVENT_ID: &str = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
/// A key in hex, for the presets that read theirs so (Adyen).
const HEX_SECRET: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// The memory the distinct events of one size may take.
const EVENT_BYTES: usize = 8 * 1024 * 1024;

const KIB: usize = 1024;
const MIB: usize = 1024 * 1024;

/// The fixed "now" of every layer that checks a timestamp; requests are signed at it.
fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn size_name(size: usize) -> String {
    if size >= MIB {
        format!("{}MiB", size / MIB)
    } else {
        format!("{}KiB", size / KIB)
    }
}

/// How many distinct events of `size` bytes a benchmark cycles through: as many as fit in
/// [`EVENT_BYTES`], from 8 to 4096.
fn event_count(size: usize) -> usize {
    (EVENT_BYTES / size).clamp(8, 4096)
}

/// JSON events in the `{id, type, payload}` envelope, each exactly `size` bytes long, with
/// distinct ids.
fn event_bodies(size: usize) -> Vec<Bytes> {
    (0..event_count(size))
        .map(|n| event_body(size, n))
        .collect()
}

/// A JSON event in the `{id, type, payload}` envelope, exactly `size` bytes long.
fn event_body(size: usize, n: usize) -> Bytes {
    let head = format!(r#"{{"id":"evt_{n:04}","type":"message.created","payload":{{"text":""#);
    padded(&head, r#""}}"#, size)
}

/// `head`, then text, then `tail`: exactly `size` bytes.
fn padded(head: &str, tail: &str, size: usize) -> Bytes {
    let mut body = String::with_capacity(size);
    body.push_str(head);
    let filler = "The quick brown fox jumps over the lazy dog. ";
    while body.len() + tail.len() < size {
        let room = size - tail.len() - body.len();
        body.push_str(&filler[..room.min(filler.len())]);
    }
    body.push_str(tail);
    assert_eq!(body.len(), size);
    Bytes::from(body)
}

/// A request as hyper hands it over: the headers, `Content-Length`, and the body in one chunk.
fn request(headers: &HeaderMap, body: &Bytes) -> Request<Body> {
    let mut request = Request::post("/webhook")
        .header(header::HOST, "example.com")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body.clone()))
        .expect("a valid request");
    request.headers_mut().extend(headers.clone());
    request
}

/// One keyed HMAC-SHA256 over `body`, keyed from the secret: the floor.
fn bare_hmac(body: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(SECRET.as_bytes()).expect("any key length");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

async fn verified_handler(body: Bytes) -> StatusCode {
    handle_event(&body)
}

/// What a handler without the layer does: verify the hex header itself, then do the work.
async fn by_hand_handler(headers: HeaderMap, body: Bytes) -> StatusCode {
    let mac = HmacSha256::new_from_slice(SECRET.as_bytes()).expect("any key length");
    verify_by_hand(&headers, &body, mac)
}

/// The by-hand handler with its HMAC keyed once and cloned per request, as the layer does.
async fn by_hand_keyed_once_handler(headers: HeaderMap, body: Bytes) -> StatusCode {
    static KEYED: OnceLock<HmacSha256> = OnceLock::new();
    let keyed = KEYED
        .get_or_init(|| HmacSha256::new_from_slice(SECRET.as_bytes()).expect("any key length"));
    verify_by_hand(&headers, &body, keyed.clone())
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Benches `service` on the signed `events` in turn, after checking that it accepts each.
fn bench_service<S, ResBody>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    runtime: &Runtime,
    name: &str,
    service: S,
    events: &[(HeaderMap, Bytes)],
) where
    S: Service<Request<Body>, Response = Response<ResBody>> + Clone,
    S::Error: std::fmt::Debug,
{
    assert_accepts(runtime, name, &service, events);
    let mut next = events.iter().cycle();
    group.bench_function(name, |b| {
        b.to_async(runtime).iter_batched(
            || {
                let (headers, body) = next.next().expect("a cycle never ends");
                (service.clone(), request(headers, body))
            },
            |(service, request)| service.oneshot(request),
            BatchSize::SmallInput,
        )
    });
}

/// Panics unless `service` answers 200 to every one of `events`.
fn assert_accepts<S, ResBody>(
    runtime: &Runtime,
    name: &str,
    service: &S,
    events: &[(HeaderMap, Bytes)],
) where
    S: Service<Request<Body>, Response = Response<ResBody>> + Clone,
    S::Error: std::fmt::Debug,
{
    for (headers, body) in events {
        let status = runtime
            .block_on(service.clone().oneshot(request(headers, body)))
            .expect("the service answers")
            .status();
        assert_eq!(
            status,
            StatusCode::OK,
            "{name} refused a correctly signed request"
        );
    }
}

/// A preset's layer around a trivial service, on events it signed at the fixed now.
fn bench_layer<Sch: Scheme + Clone>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    runtime: &Runtime,
    name: &str,
    verify: WebhookVerify<Sch>,
    bodies: &[Bytes],
) {
    let verify = verify.clock(now);
    let events = signed_events(&verify, bodies);
    let service = verify.layer(tower::service_fn(trivial));
    bench_service(group, runtime, name, service, &events);
}

/// Each body with the headers `verify` signs it with at the fixed now.
fn signed_events<Sch: Scheme + Clone>(
    verify: &WebhookVerify<Sch>,
    bodies: &[Bytes],
) -> Vec<(HeaderMap, Bytes)> {
    signed_events_as(verify, bodies, "application/json")
}

/// [`signed_events`] of another content type, which the headers then carry.
fn signed_events_as<Sch: Scheme + Clone>(
    verify: &WebhookVerify<Sch>,
    bodies: &[Bytes],
    content_type: &str,
) -> Vec<(HeaderMap, Bytes)> {
    bodies
        .iter()
        .map(|body| {
            let mut signed = Request::post("/webhook")
                .header(header::HOST, "example.com")
                .header(header::CONTENT_TYPE, content_type)
                .body(body.clone())
                .expect("a valid request");
            verify.sign_request_at(&mut signed, now(), EVENT_ID);
            (signed.headers().clone(), body.clone())
        })
        .collect()
}

/// A preset's layer and the bare primitive of its algorithm, measured in turn within every
/// iteration, in one benchmark: `name` reports the layer's time to criterion, and each
/// criterion sample also sums the primitive's calls over the same iterations. The ratio of
/// the two sums compares figures from the same moments of a shared machine, where two
/// benchmarks run one after the other differ by as much as the comparison. Once measured,
/// a line `pair {group}/{name} layer_ns=… primitive_ns=… ratio=… samples=…` goes to
/// standard output: the medians over the samples of the layer's and the primitive's time
/// per iteration and of the samples' ratios (`scripts/bench-schemes.sh` collects them).
///
/// The layer verifies event `i` while `bare(j)` works on event `j = i + n / 2`, so that
/// neither finds its bytes in cache from the other. Building each request stays outside
/// the clock, as in [`bench_service`], and so does dropping it: the inner service
/// ([`kept`]) hands it back in its response, which is dropped after the clock stops. A
/// server builds and drops every request whether or not it verifies; what the clock holds
/// is the layer's own work and the primitive's.
fn bench_pair<Sch: Scheme + Clone, R>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    runtime: &Runtime,
    name: &str,
    verify: WebhookVerify<Sch>,
    bodies: &[Bytes],
    bare: impl Fn(usize) -> R,
) {
    let verify = verify.clock(now);
    let events = signed_events(&verify, bodies);
    bench_pair_of(group, runtime, name, verify, &events, bare);
}

/// [`bench_pair`] over events already signed (or made signed by hand).
fn bench_pair_of<Sch: Scheme + Clone, R>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    runtime: &Runtime,
    name: &str,
    verify: WebhookVerify<Sch>,
    events: &[(HeaderMap, Bytes)],
    bare: impl Fn(usize) -> R,
) {
    let service = verify.clock(now).layer(tower::service_fn(kept));
    bench_service_pair(group, runtime, name, service, events, bare);
}

/// [`bench_pair`] of any service: `service` in the layer's place.
fn bench_service_pair<S, ResBody, R>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    runtime: &Runtime,
    name: &str,
    service: S,
    events: &[(HeaderMap, Bytes)],
    bare: impl Fn(usize) -> R,
) where
    S: Service<Request<Body>, Response = Response<ResBody>> + Clone,
    S::Error: std::fmt::Debug,
{
    assert_accepts(runtime, name, &service, events);
    let count = events.len();
    let mut next = 0;
    // (iterations, layer, primitive) of every call: warm-up first, then the samples.
    let mut runs: Vec<(u64, Duration, Duration)> = Vec::new();
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let (mut layer, mut primitive) = (Duration::ZERO, Duration::ZERO);
                for iteration in 0..iters {
                    let (headers, body) = &events[next];
                    let request = request(headers, body);
                    let service = service.clone();
                    let other = (next + count / 2) % count;
                    let time_bare = || {
                        let start = Instant::now();
                        black_box(bare(black_box(other)));
                        start.elapsed()
                    };
                    // Each goes first in every other iteration, so that neither always
                    // follows the other's work.
                    if iteration % 2 == 1 {
                        primitive += time_bare();
                    }
                    let start = Instant::now();
                    let response = service.oneshot(request).await;
                    layer += start.elapsed();
                    drop(black_box(response));
                    if iteration % 2 == 0 {
                        primitive += time_bare();
                    }
                    next = (next + 1) % count;
                }
                runs.push((iters, layer, primitive));
                layer
            })
        })
    });
    print_pair(name, &runs);
}

/// How many samples criterion takes of each benchmark (its default).
const SAMPLES: usize = 100;

/// The group [`bench_pair`] reports in, for its `pair` lines.
static PAIR_GROUP: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

/// A benchmark group whose pairs [`bench_pair`] reports under its name.
fn pair_group(c: &mut Criterion, name: String) -> BenchmarkGroup<'_, WallTime> {
    *PAIR_GROUP.lock().expect("not poisoned") = name.clone();
    let mut group = c.benchmark_group(name);
    group.sample_size(SAMPLES);
    group
}

/// Prints the `pair` line of the last [`SAMPLES`] runs, if the benchmark was measured.
fn print_pair(name: &str, runs: &[(u64, Duration, Duration)]) {
    let Some(samples) = runs.len().checked_sub(SAMPLES).map(|start| &runs[start..]) else {
        return;
    };
    let median = |mut values: Vec<f64>| {
        values.sort_by(f64::total_cmp);
        let middle = values.len() / 2;
        (values[middle - 1] + values[middle]) / 2.0
    };
    let per_iteration = |time: Duration, iters: u64| time.as_nanos() as f64 / iters as f64;
    let layer = median(
        samples
            .iter()
            .map(|&(n, l, _)| per_iteration(l, n))
            .collect(),
    );
    let primitive = median(
        samples
            .iter()
            .map(|&(n, _, p)| per_iteration(p, n))
            .collect(),
    );
    let ratio = median(
        samples
            .iter()
            .map(|&(_, l, p)| l.as_secs_f64() / p.as_secs_f64())
            .collect(),
    );
    let group = PAIR_GROUP.lock().expect("not poisoned");
    println!(
        "pair {group}/{name} layer_ns={layer:.1} primitive_ns={primitive:.1} ratio={ratio:.4} samples={}",
        samples.len()
    );
}

/// `times` bare HMACs of each body in turn.
fn bench_bare_hmac(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    times: usize,
    bodies: &[Bytes],
) {
    let mut next = bodies.iter().cycle();
    group.bench_function(name, |b| {
        b.iter(|| {
            let body = next.next().expect("a cycle never ends");
            for _ in 0..times {
                black_box(bare_hmac(black_box(body)));
            }
        })
    });
}

/// The layer in a Router against the same Router verifying by hand.
fn request_through_router(c: &mut Criterion) {
    let runtime = runtime();
    for size in [KIB, 64 * KIB, MIB] {
        let events: Vec<_> = event_bodies(size)
            .into_iter()
            .map(|body| {
                let mut headers = HeaderMap::new();
                let signature = hex::encode(bare_hmac(&body));
                headers.insert(HEADER, signature.parse().expect("hex is a header value"));
                (headers, body)
            })
            .collect();
        let layered = Router::new()
            .route("/webhook", post(verified_handler))
            .layer(WebhookVerify::new(SECRET))
            .with_state(());
        let by_hand = Router::new()
            .route("/webhook", post(by_hand_handler))
            .with_state(());
        let by_hand_keyed_once = Router::new()
            .route("/webhook", post(by_hand_keyed_once_handler))
            .with_state(());
        // The same by-hand Router behind a layer that does nothing: what axum charges for
        // any layer, the floor for a layer against a handler.
        let by_hand_noop_layer = Router::new()
            .route("/webhook", post(by_hand_handler))
            .layer(tower::util::MapRequestLayer::new(
                |request: Request<Body>| request,
            ))
            .with_state(());

        let mut group = c.benchmark_group(format!("request/{}", size_name(size)));
        group.throughput(Throughput::Bytes(size as u64));
        bench_service(&mut group, &runtime, "layer", layered, &events);
        bench_service(&mut group, &runtime, "by_hand", by_hand, &events);
        bench_service(
            &mut group,
            &runtime,
            "by_hand_keyed_once",
            by_hand_keyed_once,
            &events,
        );
        bench_service(
            &mut group,
            &runtime,
            "by_hand_noop_layer",
            by_hand_noop_layer,
            &events,
        );
        group.finish();
    }
}

/// The layer's verification against one bare HMAC over the same bytes.
fn verify_against_bare_hmac(c: &mut Criterion) {
    let runtime = runtime();
    for size in [KIB, 64 * KIB, MIB] {
        let bodies = event_bodies(size);
        let mut group = c.benchmark_group(format!("verify/{}", size_name(size)));
        group.throughput(Throughput::Bytes(size as u64));
        bench_bare_hmac(&mut group, "bare_hmac", 1, &bodies);
        let layer = WebhookVerify::new(SECRET);
        bench_layer(&mut group, &runtime, "layer", layer, &bodies);
        group.finish();
    }
}

/// Every preset through the layer, next to the bare HMAC.
fn presets(c: &mut Criterion) {
    let rt = &runtime();
    for size in [KIB, 64 * KIB] {
        let bodies = &event_bodies(size);
        let mut group = c.benchmark_group(format!("presets/{}", size_name(size)));
        group.throughput(Throughput::Bytes(size as u64));
        let g = &mut group;
        bench_bare_hmac(g, "bare_hmac", 1, bodies);
        bench_layer(g, rt, "new", WebhookVerify::new(SECRET), bodies);
        bench_layer(g, rt, "github", WebhookVerify::github(SECRET), bodies);
        bench_layer(g, rt, "shopify", WebhookVerify::shopify(SECRET), bodies);
        bench_layer(g, rt, "stripe", WebhookVerify::stripe(SECRET), bodies);
        bench_layer(g, rt, "slack", WebhookVerify::slack(SECRET), bodies);
        let standard = WebhookVerify::standard(STANDARD_SECRET);
        bench_layer(g, rt, "standard", standard, bodies);
        let ed25519 = WebhookVerify::standard_ed25519(ED25519_SECRET_KEY);
        bench_layer(g, rt, "standard_ed25519", ed25519, bodies);
        group.finish();
    }
}

/// Each algorithm family through the layer, paired with its bare primitive.
fn algorithms(c: &mut Criterion) {
    use tower_webhook::scheme::HmacScheme;

    let rt = &runtime();
    let size = 64 * KIB;
    let bodies = &event_bodies(size);
    let mut group = pair_group(c, format!("algorithms/{}", size_name(size)));
    group.throughput(Throughput::Bytes(size as u64));
    let g = &mut group;

    let sha1 = HmacScheme::new().with_algorithm(Algorithm::HmacSha1);
    let sha1 = WebhookVerify::with_scheme(sha1, SECRET);
    bench_pair(g, rt, "hmac_sha1", sha1, bodies, |i| {
        bare_hmac_sha1(&bodies[i])
    });

    let sha256 = WebhookVerify::new(SECRET);
    let events = signed_events(&sha256, bodies);
    bench_pair(g, rt, "hmac_sha256", sha256, bodies, |i| {
        bare_hmac(&bodies[i])
    });
    // The same verification written by hand as a service: the bar for the layer's own
    // work, which reads the body as any service must.
    bench_service_pair(
        g,
        rt,
        "by_hand",
        tower::service_fn(by_hand_service),
        &events,
        |i| bare_hmac(&bodies[i]),
    );

    let sha512 = HmacScheme::new().with_algorithm(Algorithm::HmacSha512);
    let sha512 = WebhookVerify::with_scheme(sha512, SECRET);
    bench_pair(g, rt, "hmac_sha512", sha512, bodies, |i| {
        bare_hmac_sha512(&bodies[i])
    });

    let keyed = HmacScheme::new().with_algorithm(Algorithm::KeyedSha256);
    let keyed = WebhookVerify::with_scheme(keyed, SECRET);
    bench_pair(g, rt, "keyed_sha256", keyed, bodies, |i| {
        bare_keyed_sha256(&bodies[i])
    });

    // ed25519 (Standard Webhooks `v1a`).
    let ed25519 = WebhookVerify::standard_ed25519(ED25519_SECRET_KEY);
    let prefix = format!("{EVENT_ID}.1700000000.");
    bench_ed25519_pair(g, rt, "ed25519", ed25519, bodies, &prefix);
    group.finish();
}

/// One preset per scheme type through the layer, each paired with the bare primitive of
/// its algorithm, at 64 KiB.
fn schemes(c: &mut Criterion) {
    use base64::Engine as _;
    let rt = &runtime();
    let size = 64 * KIB;
    let bodies = &event_bodies(size);
    let mut group = pair_group(c, format!("schemes/{}", size_name(size)));
    group.throughput(Throughput::Bytes(size as u64));
    let g = &mut group;
    let hmac_sha256 = |i: usize| bare_hmac(&bodies[i]);
    let hmac_sha1 = |i: usize| bare_hmac_sha1(&bodies[i]);
    let line = WebhookVerify::line(SECRET);
    bench_pair(g, rt, "line", line, bodies, hmac_sha256);
    let paddle = WebhookVerify::paddle(SECRET);
    bench_pair(g, rt, "paddle", paddle, bodies, hmac_sha256);
    let workos = WebhookVerify::workos(SECRET);
    bench_pair(g, rt, "workos", workos, bodies, hmac_sha256);
    let twitch = WebhookVerify::twitch(SECRET);
    bench_pair(g, rt, "twitch", twitch, bodies, hmac_sha256);
    let r#box = WebhookVerify::r#box(SECRET);
    bench_pair(g, rt, "box", r#box, bodies, hmac_sha256);
    let clerk = WebhookVerify::clerk(STANDARD_SECRET);
    bench_pair(g, rt, "clerk", clerk, bodies, hmac_sha256);
    let docusign = WebhookVerify::docusign(SECRET);
    bench_pair(g, rt, "docusign", docusign, bodies, hmac_sha256);
    let hubspot = WebhookVerify::hubspot(SECRET);
    bench_pair(g, rt, "hubspot", hubspot, bodies, hmac_sha256);
    let square = WebhookVerify::square(SECRET, "https://example.com/webhook");
    bench_pair(g, rt, "square", square, bodies, hmac_sha256);
    let netlify = WebhookVerify::netlify(SECRET);
    bench_pair(g, rt, "netlify", netlify, bodies, hmac_sha256);
    let intercom = WebhookVerify::intercom(SECRET);
    bench_pair(g, rt, "intercom", intercom, bodies, hmac_sha1);
    let trello = WebhookVerify::trello(SECRET, "https://example.com/webhook");
    bench_pair(g, rt, "trello", trello, bodies, hmac_sha1);
    // A token compared: nothing is hashed, so there is no primitive to pair it with.
    bench_layer(g, rt, "telegram", WebhookVerify::telegram(SECRET), bodies);

    // ed25519 with a hex key (Discord): the seed and its public key, which can sign.
    let signing = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let discord_key =
        hex::encode([signing.to_bytes(), signing.verifying_key().to_bytes()].concat());
    let discord = WebhookVerify::discord(discord_key);
    bench_ed25519_pair(g, rt, "discord", discord, bodies, "1700000000");

    // ECDSA P-256 (SendGrid), against a bare verification of the same signed content.
    let signing = p256::ecdsa::SigningKey::from_slice(&[7; 32]).expect("a P-256 scalar");
    let public = *signing.verifying_key();
    let signed = signed_messages(bodies, "1700000000", |message| {
        use p256::ecdsa::signature::Signer as _;
        let signature: p256::ecdsa::Signature = signing.sign(message);
        signature
    });
    let der = {
        use p256::pkcs8::EncodePrivateKey as _;
        signing.to_pkcs8_der().expect("PKCS#8").as_bytes().to_vec()
    };
    let sendgrid = WebhookVerify::sendgrid(base64::engine::general_purpose::STANDARD.encode(der));
    bench_pair(g, rt, "sendgrid", sendgrid, bodies, |i| {
        use p256::ecdsa::signature::Verifier as _;
        let (message, signature) = &signed[i];
        public.verify(message, signature).expect("it verifies")
    });
    group.finish();
}

/// What a service verifying by hand does: collect the body, then [`verify_by_hand`] with
/// an HMAC keyed per request. It hands the request back, as [`kept`] does.
async fn by_hand_service(
    request: Request<Body>,
) -> Result<Response<tower_webhook_bench::Kept<Body>>, std::convert::Infallible> {
    use http_body_util::BodyExt as _;
    let (parts, body) = request.into_parts();
    let body = body.collect().await.expect("a body").to_bytes();
    let mac = HmacSha256::new_from_slice(SECRET.as_bytes()).expect("any key length");
    let status = verify_by_hand(&parts.headers, &body, mac);
    let mut response = kept(Request::from_parts(parts, Body::from(body)))
        .await
        .expect("infallible");
    *response.status_mut() = status;
    Ok(response)
}

/// One bare HMAC-SHA1 over `body`, keyed from the secret.
fn bare_hmac_sha1(body: &[u8]) -> [u8; 20] {
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(SECRET.as_bytes()).expect("any key");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// One bare HMAC-SHA512 over `body`, keyed from the secret.
fn bare_hmac_sha512(body: &[u8]) -> [u8; 64] {
    let mut mac = hmac::Hmac::<sha2::Sha512>::new_from_slice(SECRET.as_bytes()).expect("any key");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// SHA-256 over the secret followed by `body` (HubSpot v1 and v2).
fn bare_keyed_sha256(body: &[u8]) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::new_with_prefix(SECRET.as_bytes())
        .chain_update(body)
        .finalize()
        .into()
}

/// The bare MAC of `algorithm` over `body`, keyed from the secret.
fn bare_mac(algorithm: Algorithm, body: &[u8]) {
    match algorithm {
        Algorithm::HmacSha1 => drop(black_box(bare_hmac_sha1(body))),
        Algorithm::HmacSha256 => drop(black_box(bare_hmac(body))),
        Algorithm::HmacSha512 => drop(black_box(bare_hmac_sha512(body))),
        Algorithm::KeyedSha256 => drop(black_box(bare_keyed_sha256(body))),
        other => unreachable!("{other:?} is not a MAC"),
    }
}

/// Every preset that MACs the raw body with a shared secret, through the layer, each paired
/// with the bare MAC of its algorithm, at 64 KiB: `schemes` has one preset per scheme type,
/// this has them all, since presets on one scheme type differ only in names and settings.
/// The presets this body cannot carry a signature for are left out (and named on standard
/// error): those that sign fields of the body or a form instead of the raw body, or whose
/// signature is in the body; so are those that hash nothing (a token) or verify with a key
/// pair, which `schemes` and `algorithms` pair with their primitives.
fn every_preset(c: &mut Criterion) {
    let rt = &runtime();
    let size = 64 * KIB;
    let bodies = &event_bodies(size);
    let mut group = pair_group(c, format!("every_preset/{}", size_name(size)));
    group.throughput(Throughput::Bytes(size as u64));
    let mut left_out = Vec::new();
    for name in tower_webhook::preset_names() {
        let Some(verify) = preset(name) else {
            left_out.push(name);
            continue;
        };
        let algorithm = verify.scheme().algorithm();
        let is_mac = matches!(
            algorithm,
            Algorithm::HmacSha1
                | Algorithm::HmacSha256
                | Algorithm::HmacSha512
                | Algorithm::KeyedSha256
        );
        if !is_mac || !accepts_signed(rt, &verify, &bodies[0]) {
            left_out.push(name);
            continue;
        }
        bench_pair(&mut group, rt, name, verify, bodies, |i| {
            bare_mac(algorithm, &bodies[i])
        });
    }
    eprintln!("every_preset: left out {}", left_out.join(", "));
    group.finish();
}

/// The presets that read what they verify from the body, at 64 KiB, each paired with a
/// handler's by-hand verification doing the same work: Linear's timestamp field, Twilio's
/// form parameters (sorted, then MACed after the URL), Mailgun's `signature` object,
/// Braintree's form fields, Adyen's notification item and Figma's passcode. Their MAC
/// covers part of the body or what is parsed out of it (Figma's passcode is compared, not
/// MACed), so the bar is the parse and the check together, written with `serde_json`,
/// `form_urlencoded`, `hmac` and `subtle` as a handler would.
fn from_body(c: &mut Criterion) {
    use hmac::Hmac;
    use sha1::{Digest as _, Sha1};

    let rt = &runtime();
    let size = 64 * KIB;
    let count = event_count(size);
    let mut group = pair_group(c, format!("from_body/{}", size_name(size)));
    group.throughput(Throughput::Bytes(size as u64));
    let g = &mut group;

    // Linear: the raw body's HMAC-SHA256, and its `webhookTimestamp` within the window.
    let linear_bodies: Vec<Bytes> = (0..count)
        .map(|n| {
            let head = format!(
                r#"{{"action":"create","type":"Issue","data":{{"id":"evt_{n:04}","title":""#
            );
            padded(&head, r#""},"webhookTimestamp":1700000000000}"#, size)
        })
        .collect();
    let linear = WebhookVerify::linear(SECRET);
    bench_pair(g, rt, "linear", linear, &linear_bodies, |i| {
        #[derive(serde::Deserialize)]
        struct Stamp {
            #[serde(rename = "webhookTimestamp")]
            millis: u64,
        }
        let body = &linear_bodies[i];
        let stamp: Stamp = serde_json::from_slice(body).expect("a timestamp");
        (bare_hmac(body), stamp.millis)
    });

    // Twilio: HMAC-SHA1 over the URL, then every form parameter's name and value, sorted.
    let forms: Vec<Bytes> = (0..count).map(|n| form_body(size, n)).collect();
    let twilio = WebhookVerify::twilio(SECRET);
    let form = "application/x-www-form-urlencoded";
    let events = signed_events_as(&twilio, &forms, form);
    bench_pair_of(g, rt, "twilio", twilio, &events, |i| {
        let mut params: Vec<_> = form_urlencoded::parse(&forms[i]).collect();
        params.sort_unstable();
        let mut mac = Hmac::<Sha1>::new_from_slice(SECRET.as_bytes()).expect("any key");
        mac.update(b"https://example.com/webhook");
        for (name, value) in &params {
            mac.update(name.as_bytes());
            mac.update(value.as_bytes());
        }
        mac.finalize().into_bytes()
    });

    // Mailgun: HMAC-SHA256 over the body's `signature.timestamp` and `signature.token`.
    let mailgun_bodies: Vec<Bytes> = (0..count)
        .map(|n| {
            let (timestamp, token) = ("1700000000", format!("{n:050}"));
            let mut mac = HmacSha256::new_from_slice(SECRET.as_bytes()).expect("any key");
            mac.update(timestamp.as_bytes());
            mac.update(token.as_bytes());
            let signature = hex::encode(mac.finalize().into_bytes());
            let head = format!(
                r#"{{"signature":{{"timestamp":"{timestamp}","token":"{token}","signature":"{signature}"}},"event-data":{{"id":"evt_{n:04}","event":"delivered","message":""#
            );
            padded(&head, r#""}}"#, size)
        })
        .collect();
    let events = in_body(&mailgun_bodies);
    let mailgun = WebhookVerify::mailgun(SECRET);
    bench_pair_of(g, rt, "mailgun", mailgun, &events, |i| {
        #[derive(serde::Deserialize)]
        struct Body<'a> {
            #[serde(borrow)]
            signature: Signed<'a>,
        }
        #[derive(serde::Deserialize)]
        struct Signed<'a> {
            timestamp: &'a str,
            token: &'a str,
            signature: &'a str,
        }
        let body: Body<'_> = serde_json::from_slice(&mailgun_bodies[i]).expect("Mailgun's");
        let seconds: u64 = body.signature.timestamp.parse().expect("digits");
        let mut tag = [0; 32];
        hex::decode_to_slice(body.signature.signature, &mut tag).expect("hex");
        let mut mac = HmacSha256::new_from_slice(SECRET.as_bytes()).expect("any key");
        mac.update(body.signature.timestamp.as_bytes());
        mac.update(body.signature.token.as_bytes());
        (mac.verify_slice(&tag).is_ok(), seconds)
    });

    // Braintree: HMAC-SHA1, keyed with the private key's SHA-1, over the form's
    // `bt_payload`, which must be base64; `bt_signature` is `{public key}|{hex}`.
    let (public_key, private_key) = ("public_key", "private_key");
    let braintree_key = Sha1::digest(private_key);
    let braintree_forms: Vec<Bytes> = (0..count)
        .map(|n| {
            use base64::Engine as _;
            let xml = padded(
                &format!("<notification><id>evt_{n:04}</id><text>"),
                "</text></notification>",
                size * 3 / 4 - 64,
            );
            let payload = base64::engine::general_purpose::STANDARD.encode(xml);
            let mut mac = Hmac::<Sha1>::new_from_slice(&braintree_key).expect("any key");
            mac.update(payload.as_bytes());
            let signature = format!("{public_key}|{}", hex::encode(mac.finalize().into_bytes()));
            let form: String = form_urlencoded::Serializer::new(String::new())
                .append_pair("bt_signature", &signature)
                .append_pair("bt_payload", &payload)
                .finish();
            Bytes::from(form)
        })
        .collect();
    let braintree = WebhookVerify::braintree(public_key, private_key);
    // Signed in the form: only its content type to add.
    let events: Vec<_> = braintree_forms
        .iter()
        .map(|body| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, form.parse().expect("a header value"));
            (headers, body.clone())
        })
        .collect();
    bench_pair_of(g, rt, "braintree", braintree, &events, |i| {
        let (mut signature, mut payload) = (None, None);
        for (name, value) in form_urlencoded::parse(&braintree_forms[i]) {
            match &*name {
                "bt_signature" => signature = Some(value),
                "bt_payload" => payload = Some(value),
                _ => {}
            }
        }
        let (signature, payload) = (signature.expect("signed"), payload.expect("a payload"));
        // Braintree's SDKs refuse a payload with anything but base64 in it (every byte
        // looked at, as the layer does, so that the check vectorises).
        let base64 = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'\n');
        assert!(
            payload.bytes().fold(true, |all, b| all & base64(b)),
            "base64"
        );
        let (_, hex) = signature
            .split('&')
            .filter_map(|pair| pair.split_once('|'))
            .find(|(key, _)| *key == public_key)
            .expect("a signature for the key");
        let mut tag = [0; 20];
        hex::decode_to_slice(hex, &mut tag).expect("hex");
        let mut mac = Hmac::<Sha1>::new_from_slice(&braintree_key).expect("any key");
        mac.update(payload.as_bytes());
        mac.verify_slice(&tag).is_ok()
    });

    // Adyen: HMAC-SHA256, keyed with the hex key, over eight fields of the notification
    // item joined by `:`; the signature is base64 in the item's `additionalData`.
    let adyen_key = hex::decode(HEX_SECRET).expect("hex");
    let adyen_bodies: Vec<Bytes> = (0..count)
        .map(|n| {
            use base64::Engine as _;
            let (psp, reference, value) = (format!("{n:016}"), format!("order-{n}"), 1000 + n);
            let signed = format!("{psp}::TestMerchant:{reference}:{value}:EUR:AUTHORISATION:true");
            let mut mac = HmacSha256::new_from_slice(&adyen_key).expect("any key");
            mac.update(signed.as_bytes());
            let signature =
                base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
            let head = format!(
                r#"{{"live":"false","notificationItems":[{{"NotificationRequestItem":{{"additionalData":{{"hmacSignature":"{signature}"}},"amount":{{"currency":"EUR","value":{value}}},"eventCode":"AUTHORISATION","merchantAccountCode":"TestMerchant","merchantReference":"{reference}","originalReference":"","pspReference":"{psp}","success":"true","reason":""#
            );
            padded(&head, r#""}}]}"#, size)
        })
        .collect();
    let events = in_body(&adyen_bodies);
    let adyen = WebhookVerify::adyen(HEX_SECRET);
    bench_pair_of(g, rt, "adyen", adyen, &events, |i| {
        use base64::Engine as _;
        #[derive(serde::Deserialize)]
        struct Notification<'a> {
            #[serde(rename = "notificationItems", borrow)]
            items: Vec<Entry<'a>>,
        }
        #[derive(serde::Deserialize)]
        struct Entry<'a> {
            #[serde(rename = "NotificationRequestItem", borrow)]
            item: Item<'a>,
        }
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Item<'a> {
            psp_reference: &'a str,
            original_reference: &'a str,
            merchant_account_code: &'a str,
            merchant_reference: &'a str,
            #[serde(borrow)]
            amount: Amount<'a>,
            event_code: &'a str,
            success: &'a str,
            #[serde(borrow)]
            additional_data: AdditionalData<'a>,
        }
        #[derive(serde::Deserialize)]
        struct Amount<'a> {
            value: u64,
            currency: &'a str,
        }
        #[derive(serde::Deserialize)]
        struct AdditionalData<'a> {
            #[serde(rename = "hmacSignature")]
            hmac_signature: &'a str,
        }
        let body: Notification<'_> = serde_json::from_slice(&adyen_bodies[i]).expect("Adyen's");
        let item = &body.items[0].item;
        let signed = format!(
            "{}:{}:{}:{}:{}:{}:{}:{}",
            item.psp_reference,
            item.original_reference,
            item.merchant_account_code,
            item.merchant_reference,
            item.amount.value,
            item.amount.currency,
            item.event_code,
            item.success
        );
        let mut tag = [0; 32];
        base64::engine::general_purpose::STANDARD
            .decode_slice(item.additional_data.hmac_signature, &mut tag)
            .expect("base64");
        let mut mac = HmacSha256::new_from_slice(&adyen_key).expect("any key");
        mac.update(signed.as_bytes());
        mac.verify_slice(&tag).is_ok()
    });

    // Figma: the passcode in the body's top-level `passcode`, compared in constant time.
    let passcode = "figma passcode";
    let figma_bodies: Vec<Bytes> = (0..count)
        .map(|n| {
            let head = format!(
                r#"{{"event_type":"FILE_UPDATE","passcode":"{passcode}","webhook_id":"{n}","file_key":"k{n}","file_name":""#
            );
            padded(&head, r#""}"#, size)
        })
        .collect();
    let events = in_body(&figma_bodies);
    let figma = WebhookVerify::figma(passcode);
    bench_pair_of(g, rt, "figma", figma, &events, |i| {
        use subtle::ConstantTimeEq as _;
        #[derive(serde::Deserialize)]
        struct Passcode<'a> {
            passcode: &'a str,
        }
        let body: Passcode<'_> = serde_json::from_slice(&figma_bodies[i]).expect("Figma's");
        bool::from(body.passcode.as_bytes().ct_eq(passcode.as_bytes()))
    });
    group.finish();
}

/// Each body as a request with no header to add: signed (or carrying its token) in the body.
fn in_body(bodies: &[Bytes]) -> Vec<(HeaderMap, Bytes)> {
    bodies
        .iter()
        .map(|body| (HeaderMap::new(), body.clone()))
        .collect()
}

/// A form of about `size` bytes as Twilio might post it: 64 parameters in no order, their
/// values text with spaces (`+` in the form).
fn form_body(size: usize, n: usize) -> Bytes {
    let value_len = size / 64 - 8;
    let filler = "The quick brown fox jumps over the lazy dog. ";
    let value: String = filler.chars().cycle().take(value_len).collect();
    let mut form = form_urlencoded::Serializer::new(String::with_capacity(size));
    form.append_pair("MessageSid", &format!("SM{n:032}"));
    for param in (0..63).rev() {
        form.append_pair(&format!("P{param:02}"), &value);
    }
    Bytes::from(form.finish())
}

/// The preset `name` with the first of the benchmarks' secrets it takes (some read only
/// `whsec_`, base64 or 64 characters); `None` where it takes none (a key pair, two secrets).
fn preset(name: &str) -> Option<WebhookVerify<AnyScheme>> {
    let secrets = [
        SECRET,
        STANDARD_SECRET,
        "C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
        HEX_SECRET,
    ];
    secrets.into_iter().find_map(|secret| {
        quietly(|| WebhookVerify::preset_with_url(name, secret, "https://example.com/webhook"))?
            .ok()
    })
}

/// Whether `verify` can sign `body` in headers (signing panics where the scheme needs what
/// this body lacks) and the layer accepts it so signed.
fn accepts_signed(runtime: &Runtime, verify: &WebhookVerify<AnyScheme>, body: &Bytes) -> bool {
    let verify = verify.clone().clock(now);
    let Some(events) = quietly(|| signed_events(&verify, std::slice::from_ref(body))) else {
        return false;
    };
    let service = verify.layer(tower::service_fn(kept));
    let (headers, body) = &events[0];
    let response = runtime.block_on(service.oneshot(request(headers, body)));
    response.is_ok_and(|response| response.status() == StatusCode::OK)
}

/// `work`'s value, or `None` where it panics, without the panic's message.
fn quietly<T>(work: impl FnOnce() -> T) -> Option<T> {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).ok();
    std::panic::set_hook(report);
    outcome
}

/// `verify`, an ed25519 preset, paired with a bare ed25519 verification of each body
/// after `prefix` (what the preset signs before the body), already in one buffer. The
/// bare key is its own: a verification costs the same whatever the key.
fn bench_ed25519_pair<Sch: Scheme + Clone>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    runtime: &Runtime,
    name: &str,
    verify: WebhookVerify<Sch>,
    bodies: &[Bytes],
    prefix: &str,
) {
    let signing = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let public = signing.verifying_key();
    let signed = signed_messages(bodies, prefix, |message| {
        use ed25519_dalek::Signer as _;
        signing.sign(message)
    });
    bench_pair(group, runtime, name, verify, bodies, |i| {
        let (message, signature) = &signed[i];
        public
            .verify_strict(message, signature)
            .expect("it verifies")
    });
}

/// Each body after `prefix`, in one buffer, with `sign`'s signature of it.
fn signed_messages<S>(
    bodies: &[Bytes],
    prefix: &str,
    sign: impl Fn(&[u8]) -> S,
) -> Vec<(Vec<u8>, S)> {
    bodies
        .iter()
        .map(|body| {
            let message = [prefix.as_bytes(), body].concat();
            let signature = sign(&message);
            (message, signature)
        })
        .collect()
}

/// Three secrets, the request signed with the last: one MAC per secret, so at most three.
fn rotation(c: &mut Criterion) {
    let runtime = runtime();
    for size in [KIB, 64 * KIB] {
        let bodies = event_bodies(size);
        let signer = WebhookVerify::new("third secret");
        let signed_with_last: Vec<_> = bodies
            .iter()
            .map(|body| (signer.sign_at(body, now(), EVENT_ID), body.clone()))
            .collect();
        let three = WebhookVerify::new("first secret")
            .also_accept("second secret")
            .also_accept("third secret");
        let one = WebhookVerify::new("third secret");

        let mut group = c.benchmark_group(format!("rotation/{}", size_name(size)));
        group.throughput(Throughput::Bytes(size as u64));
        bench_bare_hmac(&mut group, "bare_hmac_x1", 1, &bodies);
        bench_bare_hmac(&mut group, "bare_hmac_x3", 3, &bodies);
        for (name, verify) in [("layer_1_secret", one), ("layer_3_secrets_last", three)] {
            let service = verify.layer(tower::service_fn(trivial));
            bench_service(&mut group, &runtime, name, service, &signed_with_last);
        }
        group.finish();
    }
}

criterion_group!(
    benches,
    request_through_router,
    verify_against_bare_hmac,
    presets,
    algorithms,
    schemes,
    every_preset,
    from_body,
    rotation
);
criterion_main!(benches);

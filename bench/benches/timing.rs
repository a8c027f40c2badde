//! Timing-leak test in the style of dudect: does verification take longer when a forged
//! signature shares more leading bytes with the right one?
//!
//! Each bench times one request through the layer per sample, for two classes of input
//! drawn at random, and reports Welch's t statistic between the two timing distributions
//! (|t| above about 5 is evidence of a difference).
//!
//! ```text
//! cargo bench -p tower-webhook-bench --bench timing             # each bench once
//! cargo bench -p tower-webhook-bench --bench timing -- --continuous first_vs_last_byte
//! ```
//!
//! - `first_vs_last_byte`: the forgery differs from the right signature in its first byte
//!   vs its last byte. A comparison that stops at the first difference shows up here.
//! - `correct_vs_first_byte`: the right signature vs a wrong one. These take different
//!   paths (the inner service runs, or the rejection is built), so a difference is
//!   expected and tells an attacker nothing they do not see in the status code.
//! - `control_early_exit_first_vs_last`: a byte-by-byte comparison that stops at the first
//!   difference, on the same 32 bytes, to show this machine and sample size can see a leak.

use std::cell::RefCell;
use std::convert::Infallible;
use std::hint::black_box;

use axum::body::Body;
use dudect_bencher::ctbench::{run_benches_console, BenchFn, BenchMetadata, BenchName, BenchOpts};
use dudect_bencher::rand::RngExt as _;
use dudect_bencher::{BenchRng, Class, CtRunner};
use futures_util::FutureExt as _;
use http::Request;
use tower::{Layer as _, ServiceExt as _};
use tower_webhook::WebhookVerify;

const SECRET: &str = "timing secret";
const BODY: &[u8] = br#"{"id":"evt_1","type":"message.created","payload":{"id":"m_1"}}"#;
const SAMPLES: usize = 100_000;

/// The right MAC for `BODY`, with byte `flip` changed when given.
fn mac(flip: Option<usize>) -> Vec<u8> {
    let mut mac = hex::decode(tower_webhook::sign(SECRET, BODY)).unwrap();
    if let Some(index) = flip {
        mac[index] ^= 0x01;
    }
    mac
}

fn pick_class(rng: &mut BenchRng) -> Class {
    if rng.random::<bool>() {
        Class::Left
    } else {
        Class::Right
    }
}

/// The inner service: whatever body type the layer hands it.
async fn trivial<B>(_request: Request<B>) -> Result<http::Response<Body>, Infallible> {
    Ok(http::Response::new(Body::empty()))
}

/// Times verification through the layer of requests signed `left` or `right`.
fn through_layer(runner: &mut CtRunner, rng: &mut BenchRng, left: &[u8], right: &[u8]) {
    let service = WebhookVerify::new(SECRET).layer(tower::service_fn(trivial));
    let (left, right) = (hex::encode(left), hex::encode(right));
    let inputs: Vec<(Class, RefCell<Option<Request<Body>>>)> = (0..SAMPLES)
        .map(|_| {
            let class = pick_class(rng);
            let signature = if matches!(class, Class::Left) {
                &left
            } else {
                &right
            };
            let request = Request::post("/webhook")
                .header("x-webhook-signature", signature)
                .body(Body::from(BODY))
                .unwrap();
            (class, RefCell::new(Some(request)))
        })
        .collect();
    for (class, request) in inputs {
        runner.run_one(class, || {
            let request = request.borrow_mut().take().unwrap();
            let response = service.clone().oneshot(request).now_or_never();
            response.unwrap().unwrap().status()
        });
    }
}

fn first_vs_last_byte(runner: &mut CtRunner, rng: &mut BenchRng) {
    through_layer(runner, rng, &mac(Some(0)), &mac(Some(31)));
}

fn correct_vs_first_byte(runner: &mut CtRunner, rng: &mut BenchRng) {
    through_layer(runner, rng, &mac(None), &mac(Some(0)));
}

/// What a leaking comparison looks like: it stops at the first differing byte.
fn early_exit_eq(a: &[u8], b: &[u8]) -> bool {
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return false;
        }
    }
    a.len() == b.len()
}

fn control_early_exit_first_vs_last(runner: &mut CtRunner, rng: &mut BenchRng) {
    let expected = mac(None);
    let (first, last) = (mac(Some(0)), mac(Some(31)));
    for _ in 0..SAMPLES {
        let class = pick_class(rng);
        let candidate = if matches!(class, Class::Left) {
            &first
        } else {
            &last
        };
        runner.run_one(class, || {
            early_exit_eq(black_box(&expected), black_box(candidate))
        });
    }
}

/// dudect-bencher's own `main` refuses the `--bench` flag `cargo bench` passes, so this
/// one takes `[--continuous] [NAME]`: run the benches whose name contains NAME, once each,
/// or the first of them until interrupted.
fn main() {
    let benches: [(&'static str, BenchFn); 3] = [
        ("first_vs_last_byte", first_vs_last_byte),
        ("correct_vs_first_byte", correct_vs_first_byte),
        (
            "control_early_exit_first_vs_last",
            control_early_exit_first_vs_last,
        ),
    ];
    let mut options = BenchOpts::default();
    for argument in std::env::args().skip(1) {
        match argument.as_str() {
            "--bench" => {}
            "--continuous" => options.continuous = true,
            name => options.filter = Some(name.to_owned()),
        }
    }
    let benches = benches
        .into_iter()
        .map(|(name, benchfn)| BenchMetadata {
            name: BenchName(name),
            seed: None,
            benchfn,
        })
        .collect();
    run_benches_console(options, benches).unwrap();
}

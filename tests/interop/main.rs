//! Every preset against its provider's own code: the official SDKs (npm and PyPI, pinned in
//! `interop/`), or, where a provider has none, an independent implementation of its
//! documented construction, plus every example the provider publishes.
//!
//! For each preset: the crate signs and every peer that can verify accepts, and refuses
//! the same request with one body byte changed; every peer that can sign produces a request
//! the crate accepts, and the crate refuses it with one byte changed. Each preset must be
//! proven by the peer its facts name (the README's providers table says which).
//!
//! The peers need `interop/setup-node.sh` and `interop/setup-python.sh`. Without them this
//! test says so and passes, so that `cargo test` needs nothing outside Rust; `.ci/run` sets
//! `INTEROP_REQUIRED=1`, which makes a missing peer a failure.

mod context;
mod dedupe;
mod header;
mod named;
mod peers;
mod providers;
mod readme;
mod timestamped;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde_json::{json, Value};

use peers::Peers;
use providers::{Provider, Request};

const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

#[test]
fn every_preset_interoperates_with_its_providers_code() {
    let Some(mut peers) = Peers::start() else {
        return;
    };
    let providers = providers::all();
    let mut failures = Vec::new();
    for provider in &providers {
        if let Err(failure) = check(provider, &mut peers) {
            failures.push(format!("{}: {failure}", provider.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} presets failed:\n{}",
        failures.len(),
        providers.len(),
        failures.join("\n")
    );
}

#[test]
fn every_published_example_verifies() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/interop/published_examples.json"
    ))
    .expect("interop/published_examples.json");
    let examples: Vec<Value> = serde_json::from_str(&text).expect("examples are JSON");
    let providers = providers::all();
    let mut checked = 0;
    for example in &examples {
        let name = example["provider"].as_str().unwrap();
        let provider = providers
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("an example of {name}, which has no preset"));
        let request = request_from_json(example);
        let at = example["at"].as_u64().map_or_else(SystemTime::now, unix);
        let secret = example["secret"].as_str().unwrap();
        let verify = (provider.verifier)(secret);
        verify
            .verify(&request, at)
            .unwrap_or_else(|rejection| panic!("{name} example refused: {rejection}"));
        checked += 1;
    }
    assert_eq!(checked, examples.len());
    assert!(checked >= 8, "only {checked} published examples");
}

/// The same `WebhookEvent` handler behind every preset: its sample delivery, signed, gives
/// the handler the event's id and type from wherever the provider puts them.
#[test]
fn every_preset_hands_its_sample_to_webhook_event() {
    let mut failures = Vec::new();
    for provider in providers::all() {
        let mut request = (provider.request)();
        let form = request.headers.get("content-type").is_some_and(|value| {
            value
                .as_bytes()
                .starts_with(b"application/x-www-form-urlencoded")
        });
        if form {
            continue; // WebhookEvent reads JSON; form deliveries are read with axum's Form.
        }
        let signer = (provider.signer)(&provider.sign_secret);
        signer.sign(&mut request, SystemTime::now(), "evt_interop_1");
        let (status, text) = (provider.verifier)(&provider.verify_secret).event(&request);
        if status != http::StatusCode::OK {
            failures.push(format!("{}: {status} {text}", provider.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// One preset both ways against every peer that knows it.
fn check(provider: &Provider, peers: &mut Peers) -> Result<(), String> {
    let now = SystemTime::now();
    let mut proven_by = Vec::new();

    // The crate signs; each peer verifies it, and refuses it with one byte changed.
    let signer = (provider.signer)(&provider.sign_secret);
    let mut request = (provider.request)();
    let unsigned = request.headers.clone();
    signer.sign(&mut request, now, "evt_interop_1");
    let written: Vec<String> = request
        .headers
        .iter()
        .filter(|(name, value)| unsigned.get(*name) != Some(*value))
        .map(|(name, _)| name.as_str().to_owned())
        .collect();
    for peer in peers.all() {
        let answer = peer.ask(&peer_request(
            "verify",
            provider,
            &provider.verify_secret,
            &request,
            now,
        ));
        if answer.get("unsupported").is_some() {
            continue;
        }
        let name = answer["peer"].as_str().unwrap_or("?").to_owned();
        if answer["ok"] != json!(true) {
            return Err(format!("{name} refused what the crate signed: {answer}"));
        }
        let tampered = changed(provider, &request, &written);
        let answer = peer.ask(&peer_request(
            "verify",
            provider,
            &provider.verify_secret,
            &tampered,
            now,
        ));
        if answer["ok"] != json!(false) {
            return Err(format!("{name} accepted a changed body: {answer}"));
        }
        proven_by.push(name);
    }

    // Each peer signs; the crate verifies it, and refuses it with one byte changed.
    let verify = (provider.verifier)(&provider.verify_secret);
    for peer in peers.all() {
        let unsigned = (provider.request)();
        let answer = peer.ask(&peer_request(
            "sign",
            provider,
            &provider.sign_secret,
            &unsigned,
            now,
        ));
        if answer.get("unsupported").is_some() {
            continue;
        }
        let name = answer["peer"].as_str().unwrap_or("?").to_owned();
        let Some(signed) = answer.get("headers") else {
            return Err(format!("{name} could not sign: {answer}"));
        };
        let mut request = unsigned;
        request.apply_signed(signed, &answer);
        if let Err(rejection) = verify.verify(&request, now) {
            return Err(format!("the crate refused what {name} signed: {rejection}"));
        }
        let written: Vec<String> = signed
            .as_object()
            .map_or_else(Vec::new, |headers| headers.keys().cloned().collect());
        if verify
            .verify(&changed(provider, &request, &written), now)
            .is_ok()
        {
            return Err(format!(
                "the crate accepted a changed body signed by {name}"
            ));
        }
        proven_by.push(name);
    }

    if proven_by.is_empty() {
        return Err("no peer checked this preset".to_owned());
    }
    if !proven_by
        .iter()
        .any(|name| name.contains(provider.facts.peer_package))
    {
        return Err(format!(
            "the named peer {} did not check it (checked by {proven_by:?})",
            provider.facts.peer_package
        ));
    }
    Ok(())
}

/// The request with one byte changed where the sender's proof covers it: the body, or,
/// for a token in a header (which covers nothing), the token in the `written` headers.
fn changed(provider: &Provider, request: &Request, written: &[String]) -> Request {
    if provider.facts.signed == providers::TOKEN_IN_HEADER {
        request.with_header_byte_changed(written)
    } else {
        request.with_body_byte_changed()
    }
}

fn peer_request(
    op: &str,
    provider: &Provider,
    secret: &str,
    request: &Request,
    now: SystemTime,
) -> Value {
    let seconds = now.duration_since(UNIX_EPOCH).unwrap().as_secs();
    let mut headers = serde_json::Map::new();
    for name in request.headers.keys() {
        let values: Vec<Value> = request
            .headers
            .get_all(name)
            .iter()
            .map(|v| Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let value = if values.len() == 1 {
            values[0].clone()
        } else {
            Value::Array(values)
        };
        headers.insert(name.as_str().to_owned(), value);
    }
    json!({
        "op": op,
        "provider": provider.name,
        "secret": secret,
        "method": request.method.as_str(),
        "url": request.url(),
        "headers": headers,
        "body_b64": BASE64.encode(&request.body),
        "timestamp": seconds,
        "id": "evt_interop_1",
        "now": seconds,
    })
}

fn request_from_json(value: &Value) -> Request {
    let body = match (value.get("body_b64"), value.get("body")) {
        (Some(b64), _) => BASE64.decode(b64.as_str().unwrap()).unwrap(),
        (None, Some(text)) => text.as_str().unwrap().as_bytes().to_vec(),
        (None, None) => Vec::new(),
    };
    let mut request = Request::new(
        value["method"].as_str().unwrap_or("POST"),
        value["url"]
            .as_str()
            .unwrap_or("https://example.com/webhook"),
        body,
    );
    if let Some(headers) = value["headers"].as_object() {
        request.set_headers(headers);
    }
    request
}

fn unix(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

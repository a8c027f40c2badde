//! `webhook sign` against the providers' own SDKs: the interop peers (`interop/peer.js`,
//! `interop/peer.py`) verify the headers it prints. Without the peers set up this test
//! says so and passes, unless `INTEROP_REQUIRED` is set.

mod common;

#[path = "../../tests/interop/peers.rs"]
#[allow(dead_code, unreachable_pub)]
mod peers;

use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{json, Map, Value};

/// A delivery for one provider: its secret, the URL it is sent to, and its body.
struct Case {
    provider: &'static str,
    /// Headers the provider sends besides the signature.
    headers: &'static [&'static str],
    secret: &'static str,
    url: &'static str,
    body: &'static str,
}

const CASES: [Case; 7] = [
    Case {
        provider: "github",
        headers: &[],
        secret: "It's a Secret to Everybody",
        url: "https://example.com/webhook",
        body: r#"{"action":"opened","number":1}"#,
    },
    Case {
        provider: "stripe",
        headers: &[],
        secret: "whsec_test_secret",
        url: "https://example.com/webhook",
        body: r#"{"id":"evt_1","object":"event","type":"charge.succeeded"}"#,
    },
    Case {
        provider: "slack",
        headers: &[],
        secret: "8f742231b10e8888abcd99yyyzzz85a5",
        url: "https://example.com/webhook",
        body: r#"{"type":"event_callback","event_id":"Ev1","event":{"type":"message"}}"#,
    },
    Case {
        provider: "shopify",
        headers: &[
            "x-shopify-topic: orders/create",
            "x-shopify-shop-domain: example.myshopify.com",
            "x-shopify-api-version: 2025-07",
        ],
        secret: "shpss_test_secret",
        url: "https://example.com/webhook",
        body: r#"{"id":820982911946154508,"email":"jon@example.com"}"#,
    },
    Case {
        provider: "standard",
        headers: &[],
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        url: "https://example.com/webhook",
        body: r#"{"type":"user.created","data":{"id":"u_1"}}"#,
    },
    Case {
        provider: "twilio",
        headers: &[],
        secret: "12345",
        url: "https://mycompany.com/myapp.php?foo=1&bar=2",
        body: "CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234",
    },
    Case {
        provider: "paddle",
        headers: &[],
        secret: "pdl_ntfset_01_secret",
        url: "https://example.com/webhook",
        body: r#"{"event_id":"evt_01","event_type":"transaction.completed","data":{}}"#,
    },
];

#[test]
fn the_providers_sdks_accept_what_sign_prints() {
    let Some(mut peers) = peers::Peers::start() else {
        return;
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let timestamp = now.to_string();
    for case in &CASES {
        let mut args = vec![
            "--timestamp",
            &timestamp,
            "--id",
            "evt_cli_1",
            "--url",
            case.url,
        ];
        for header in case.headers {
            args.extend(["--add-header", header]);
        }
        let headers = common::sign(case.provider, case.secret, case.body, &args);
        let mut proven_by = Vec::new();
        for peer in peers.all() {
            let answer = peer.ask(&verify_request(case, &headers, now, case.body));
            if answer.get("unsupported").is_some() {
                continue;
            }
            assert_eq!(answer["ok"], json!(true), "{}: {answer}", case.provider);
            let tampered = format!("{} ", case.body);
            let answer = peer.ask(&verify_request(case, &headers, now, &tampered));
            assert_eq!(
                answer["ok"],
                json!(false),
                "{} accepted a changed body: {answer}",
                case.provider
            );
            proven_by.push(answer["peer"].clone());
        }
        assert!(!proven_by.is_empty(), "no peer checked {}", case.provider);
    }
}

/// The peers' `verify` request for `body` with the headers `sign` printed.
fn verify_request(case: &Case, headers: &[(String, String)], now: u64, body: &str) -> Value {
    let headers: Map<String, Value> = headers
        .iter()
        .map(|(name, value)| (name.clone(), Value::String(value.clone())))
        .collect();
    json!({
        "op": "verify",
        "provider": case.provider,
        "secret": case.secret,
        "method": "POST",
        "url": case.url,
        "headers": headers,
        "body_b64": BASE64.encode(body),
        "timestamp": now,
        "id": "evt_cli_1",
        "now": now,
    })
}

//! `send` to `listen` over loopback, captures, and `replay`: real processes, real ports.

mod common;

use common::{captures_in, webhook, Listener};
use predicates::str::contains;
use serde_json::Value;

const SECRET: &str = "whsec_round_trip";

#[test]
fn a_sent_example_event_is_verified_and_printed_by_the_listener() {
    let listener = Listener::start(&["--provider", "stripe", "--secret", SECRET]);
    let url = format!("{}/webhook", listener.url);
    webhook()
        .args(["send", "-p", "stripe", "-s", SECRET, "--url", &url])
        .args([
            "--type",
            "charge.succeeded",
            "--set",
            "data.object.amount=4242",
        ])
        .assert()
        .success()
        .stdout(contains("200 OK"));
    let printed = listener.next_delivery();
    assert!(printed.contains("POST /webhook"), "{printed}");
    assert!(printed.contains("verified"), "{printed}");
    assert!(printed.contains("type: charge.succeeded"), "{printed}");
    assert!(
        printed.contains("id: evt_1NG8Du2eZvKYlo2CUI79vXWy"),
        "{printed}"
    );
    assert!(printed.contains("\"amount\": 4242"), "{printed}");
    assert!(printed.contains("→ 200 OK"), "{printed}");
}

#[test]
fn a_wrong_secret_is_refused_with_the_reason_on_both_sides() {
    let listener = Listener::start(&["--provider", "github", "--secret", "right"]);
    webhook()
        .args([
            "send",
            "-p",
            "github",
            "-s",
            "wrong",
            "--url",
            &listener.url,
        ])
        .arg(r#"{"zen":"hi"}"#)
        .assert()
        .code(1)
        .stdout(contains("400 Bad Request"))
        .stdout(contains("signature does not match"));
    let printed = listener.next_delivery();
    assert!(
        printed.contains("refused: signature does not match"),
        "{printed}"
    );
    assert!(printed.contains("\"zen\": \"hi\""), "{printed}");
}

#[test]
fn the_generic_provider_sends_a_seed_catalog_event_in_its_header() {
    let args = [
        "-p",
        "generic",
        "-s",
        "protocol secret",
        "--header",
        "x-protocol-signature",
    ];
    let listener = Listener::start(&args);
    webhook()
        .arg("send")
        .args(args)
        .args(["--url", &listener.url, "--type", "message.updated"])
        .assert()
        .success();
    let printed = listener.next_delivery();
    assert!(
        printed.contains("verified  id: a056V7R7NmNRjl70  type: message.updated"),
        "{printed}"
    );
}

#[test]
fn the_listener_answers_slacks_url_verification() {
    let secret = "8f742231b10e8888abcd99yyyzzz85a5";
    let listener = Listener::start(&["-p", "slack", "-s", secret]);
    webhook()
        .args(["send", "-p", "slack", "-s", secret, "--url", &listener.url])
        .args(["--type", "url_verification"])
        .assert()
        .success()
        .stdout(contains(
            "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        ));
    let printed = listener.next_delivery();
    assert!(printed.contains("handshake"), "{printed}");
}

#[test]
fn a_url_signing_provider_round_trips_over_plain_http() {
    let listener = Listener::start(&["-p", "twilio", "-s", "12345"]);
    let url = format!("{}/sms?team=7", listener.url);
    webhook()
        .args(["send", "-p", "twilio", "-s", "12345", "--url", &url])
        .arg("From=%2B15551234567&Body=Hello+world")
        .assert()
        .success();
    let printed = listener.next_delivery();
    assert!(printed.contains("verified"), "{printed}");
    assert!(printed.contains("Body = Hello world"), "{printed}");
}

#[test]
fn a_capture_is_byte_exact_and_replays_with_200() {
    let dir = tempfile::tempdir().unwrap();
    let capture_dir = dir.path().to_str().unwrap();
    let listener = Listener::start(&["-p", "github", "-s", "s3cret", "--capture", capture_dir]);
    let body = "{\"zen\": \"caf\u{e9}\"}\r\n";
    webhook()
        .args([
            "send",
            "-p",
            "github",
            "-s",
            "s3cret",
            "--url",
            &listener.url,
            "--",
            body,
        ])
        .assert()
        .success();
    let printed = listener.next_delivery();
    assert!(printed.contains("saved to"), "{printed}");
    let files = captures_in(dir.path());
    assert_eq!(files.len(), 1);
    let capture: Value = serde_json::from_slice(&std::fs::read(&files[0]).unwrap()).unwrap();
    let sent = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, body);
    assert_eq!(capture["body_base64"], sent);
    assert_eq!(capture["method"], "POST");
    assert_eq!(capture["uri"], "/");
    let headers = capture["headers"].as_array().unwrap();
    assert!(headers.iter().any(|pair| pair[0] == "x-hub-signature-256"));

    webhook()
        .args(["replay", files[0].to_str().unwrap(), "--url", &listener.url])
        .assert()
        .success()
        .stdout(contains("200 OK"));
    let replayed = listener.next_delivery();
    assert!(replayed.contains("verified"), "{replayed}");
    assert_eq!(captures_in(dir.path()).len(), 2);
    let again: Value =
        serde_json::from_slice(&std::fs::read(&captures_in(dir.path())[1]).unwrap()).unwrap();
    assert_eq!(again["body_base64"], capture["body_base64"]);
}

#[test]
fn a_stale_capture_is_refused_as_is_and_accepted_re_signed() {
    let dir = tempfile::tempdir().unwrap();
    let listener = Listener::start(&["-p", "stripe", "-s", SECRET]);
    let headers = common::sign(
        "stripe",
        SECRET,
        "{\"id\":\"evt_old\"}",
        &["--timestamp", "1600000000"],
    );
    let capture = common::write_capture(dir.path(), &headers, "/", b"{\"id\":\"evt_old\"}");
    let capture = capture.to_str().unwrap();
    webhook()
        .args(["replay", capture, "--url", &listener.url])
        .assert()
        .code(1)
        .stdout(contains("400 Bad Request"));
    assert!(listener.next_delivery().contains("refused: timestamp"));
    webhook()
        .args([
            "replay",
            capture,
            "--url",
            &listener.url,
            "--resign",
            "-p",
            "stripe",
            "-s",
            SECRET,
        ])
        .assert()
        .success()
        .stdout(contains("200 OK"));
    assert!(listener.next_delivery().contains("verified"));
}

#[test]
fn an_unknown_provider_is_named_with_the_close_ones() {
    webhook()
        .args(["sign", "--provider", "strpe", "--secret", "x", "{}"])
        .assert()
        .code(2)
        .stderr(contains("'strpe'"))
        .stderr(contains("a similar value exists: 'stripe'"));
}

#[test]
fn a_secret_the_preset_cannot_take_says_why() {
    webhook()
        .args([
            "sign",
            "--provider",
            "standard",
            "--secret",
            "whsec_not base64!",
            "{}",
        ])
        .assert()
        .code(2)
        .stderr(contains("the standard preset refused its configuration"))
        .stderr(contains("not base64"));
}

#[test]
fn sign_prints_a_curl_command_that_sends_it() {
    let listener = Listener::start(&["-p", "shopify", "-s", "shpss_x"]);
    let output = webhook()
        .args([
            "sign",
            "-p",
            "shopify",
            "-s",
            "shpss_x",
            "--curl",
            &listener.url,
        ])
        .arg(r#"{"it's":"quoted"}"#)
        .output()
        .unwrap();
    let command = String::from_utf8(output.stdout).unwrap();
    assert!(command.starts_with("curl "), "{command}");
    let status = std::process::Command::new("sh")
        .args([
            "-c",
            &format!("{} -o /dev/null -w '%{{http_code}}'", command.trim()),
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&status.stdout), "200");
    assert!(listener.next_delivery().contains("\"it's\": \"quoted\""));
}

#[test]
fn sign_reads_the_body_from_standard_input() {
    let args = ["sign", "-p", "github", "-s", "s3cret", "--id", "delivery-1"];
    let from_argument = webhook().args(args).arg(r#"{"a":1}"#).output().unwrap();
    let from_stdin = webhook()
        .args(args)
        .arg("-")
        .write_stdin(r#"{"a":1}"#)
        .output()
        .unwrap();
    assert!(from_argument.status.success());
    assert_eq!(from_argument.stdout, from_stdin.stdout);
    let text = String::from_utf8(from_stdin.stdout).unwrap();
    assert!(text.contains("x-hub-signature-256: sha256="), "{text}");
    assert!(text.contains("x-github-delivery: delivery-1"), "{text}");
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    // The reader goes away before the tool writes: it waits for its body on stdin.
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("webhook"))
        .args(["sign", "-p", "github", "-s", "s3cret", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(br#"{"a":1}"#).unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{:?}: {stderr}", output.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn the_listener_answers_metas_subscription_challenge() {
    let listener = Listener::start(&["-p", "meta", "-s", "app-secret:my-verify-token"]);
    let url = format!(
        "{}/webhook?hub.mode=subscribe&hub.verify_token=my-verify-token&hub.challenge=1158201444",
        listener.url
    );
    let output = std::process::Command::new("curl")
        .args(["-sS", &url])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "1158201444");
    let printed = listener.next_delivery();
    assert!(
        printed.contains("GET /webhook?hub.mode=subscribe"),
        "{printed}"
    );
    assert!(printed.contains("handshake"), "{printed}");
}

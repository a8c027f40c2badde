//! `webhook doctor`: each diagnosis, from a capture made to have exactly that fault.

mod common;

use std::path::Path;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use common::{sign, webhook, write_capture};
use tempfile::TempDir;

/// What the doctor printed, and its exit code; it never shows any secret given.
fn doctor(capture: &Path, provider: &str, secrets: &[&str], args: &[&str]) -> (i32, String) {
    let mut command = webhook();
    command.args(["doctor", capture.to_str().unwrap(), "--provider", provider]);
    for secret in secrets {
        command.args(["--secret", secret]);
    }
    let output = command.args(args).output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    for secret in secrets.iter().chain(args) {
        let secret = secret.trim();
        if secret.len() >= 6 && !secret.starts_with("--") && !secret.starts_with("http") {
            assert!(
                !stdout.contains(secret),
                "the secret {secret:?} is shown:\n{stdout}"
            );
        }
    }
    (output.status.code().unwrap(), stdout)
}

/// A capture of `body` with the headers `provider` signs `signed` with.
fn captured(
    provider: &str,
    secret: &str,
    signed: &str,
    body: &[u8],
    args: &[&str],
) -> (TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let headers = sign(provider, secret, signed, args);
    let path = write_capture(dir.path(), &headers, "/webhook", body);
    (dir, path)
}

/// The doctor's verdict on `received`, where the sender signed `signed` with `secret`, the
/// secret the doctor is given too.
fn diagnose(provider: &str, secret: &str, signed: &str, received: &[u8]) -> (i32, String) {
    let (_dir, capture) = captured(provider, secret, signed, received, &[]);
    doctor(&capture, provider, &[secret], &[])
}

/// The doctor's verdict on `BODY` signed by `provider` with `secret`, with the signed
/// headers changed by `edit` on the way.
fn diagnose_edited(
    provider: &str,
    secret: &str,
    edit: impl FnOnce(&mut Vec<(String, String)>),
) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut headers = sign(provider, secret, BODY, &[]);
    edit(&mut headers);
    let capture = write_capture(dir.path(), &headers, "/", BODY.as_bytes());
    doctor(&capture, provider, &[secret], &[])
}

/// Rewrites the value of the header `name`.
fn rewrite(headers: &mut [(String, String)], name: &str, change: impl Fn(&str) -> String) {
    for (header, value) in headers.iter_mut() {
        if header == name {
            *value = change(value);
        }
    }
}

/// Asserts the doctor's diagnosis for a request that does not verify contains `cause`.
fn assert_diagnosis(result: (i32, String), cause: &str) {
    let (code, stdout) = result;
    assert_eq!(code, 1, "{stdout}");
    let diagnosis = stdout
        .lines()
        .find(|line| line.starts_with("diagnosis: "))
        .unwrap_or_else(|| panic!("no diagnosis:\n{stdout}"));
    assert!(diagnosis.contains(cause), "expected {cause:?}:\n{stdout}");
}

const BODY: &str = r#"{"id":"evt_1","type":"charge.succeeded","data":{"amount":100}}"#;

#[test]
fn a_capture_that_verifies_is_said_to() {
    let (code, stdout) = diagnose("github", "s3cret-value", BODY, BODY.as_bytes());
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("it verifies as github"), "{stdout}");
}

#[test]
fn timestamp_skew_outside_the_window_and_inside_a_wider_one() {
    let hour_ago = (common_now() - 3600).to_string();
    let (_dir, capture) = captured(
        "stripe",
        "whsec_skewed",
        BODY,
        BODY.as_bytes(),
        &["--timestamp", &hour_ago],
    );
    let (code, stdout) = doctor(&capture, "stripe", &["whsec_skewed"], &[]);
    assert!(
        stdout.contains("signed 1 h 0 min before now; the window is ±5 min 0 s: it does not pass"),
        "{stdout}"
    );
    assert_diagnosis(
        (code, stdout),
        "timestamp skew: the signature matches, but it was made 1 h 0 min before now, outside the ±5 min 0 s window: a delivery retried late, or a clock",
    );
    let (code, stdout) = doctor(
        &capture,
        "stripe",
        &["whsec_skewed"],
        &["--tolerance", "7200"],
    );
    assert_eq!(code, 0, "{stdout}");
}

#[test]
fn timestamp_skew_of_a_capture_checked_after_it_was_received_on_time() {
    let hour_ago = common_now() - 3600;
    let (_dir, capture) = captured(
        "stripe",
        "whsec_skewed",
        BODY,
        BODY.as_bytes(),
        &["--timestamp", &hour_ago.to_string()],
    );
    let mut file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&capture).unwrap()).unwrap();
    file["received_at"] = (hour_ago + 2).into();
    std::fs::write(&capture, serde_json::to_vec(&file).unwrap()).unwrap();
    let (code, stdout) = doctor(&capture, "stripe", &["whsec_skewed"], &[]);
    assert!(
        stdout.contains("when it was received, it was signed 2 s before"),
        "{stdout}"
    );
    assert_diagnosis(
        (code, stdout),
        "it was inside the window when it was received: it is being checked late",
    );
}

#[test]
fn a_body_re_serialised_indented() {
    let pretty =
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(BODY).unwrap())
            .unwrap();
    let result = diagnose("github", "s3cret-value", BODY, pretty.as_bytes());
    assert_diagnosis(
        result,
        "the sender signed compact JSON, it arrived indented",
    );
}

#[test]
fn a_body_re_serialised_compact() {
    let pretty = "{\n  \"id\": \"evt_1\",\n  \"amount\": 100\n}";
    let result = diagnose(
        "stripe",
        "whsec_pretty",
        pretty,
        br#"{"id":"evt_1","amount":100}"#,
    );
    assert_diagnosis(result, "the sender signed indented JSON (2 spaces)");
}

#[test]
fn a_body_with_its_keys_in_another_order() {
    let sorted = r#"{"amount":100,"id":"evt_1","type":"x"}"#;
    let result = diagnose(
        "github",
        "s3cret-value",
        sorted,
        br#"{"type":"x","id":"evt_1","amount":100}"#,
    );
    assert_diagnosis(
        result,
        "the body's keys were put in another order after signing",
    );
}

#[test]
fn a_body_whose_unicode_escapes_were_written_out() {
    let escaped = r#"{"name":"Zo\u00eb \ud83d\ude00"}"#;
    let written = "{\"name\":\"Zo\u{eb} \u{1F600}\"}";
    let result = diagnose("shopify", "shpss_unicode", escaped, written.as_bytes());
    assert_diagnosis(result, "the sender signed them as \\uXXXX escapes");
}

#[test]
fn a_body_whose_characters_were_escaped() {
    let written = "{\"name\":\"Zo\u{eb}\"}";
    let result = diagnose(
        "shopify",
        "shpss_unicode",
        written,
        br#"{"name":"Zo\u00eb"}"#,
    );
    assert_diagnosis(
        result,
        "non-ASCII characters were written as \\uXXXX escapes after signing",
    );
}

#[test]
fn a_body_with_a_trailing_newline_added() {
    let result = diagnose(
        "standard",
        STANDARD_SECRET,
        BODY,
        format!("{BODY}\n").as_bytes(),
    );
    assert_diagnosis(
        result,
        "a trailing newline was added to the body after it was signed",
    );
}

#[test]
fn a_body_with_a_bom_added() {
    let result = diagnose(
        "slack",
        SLACK_SECRET,
        BODY,
        format!("\u{feff}{BODY}").as_bytes(),
    );
    assert_diagnosis(
        result,
        "a byte-order mark (BOM, EF BB BF) was put before the body",
    );
}

#[test]
fn a_json_body_re_encoded_as_form_data() {
    let json = r#"{"event":"paid","note":"a b"}"#;
    let result = diagnose("github", "s3cret-value", json, b"event=paid&note=a+b");
    assert_diagnosis(
        result,
        "the JSON body was re-encoded as form data after signing",
    );
}

#[test]
fn a_form_body_re_encoded() {
    let result = diagnose("github", "s3cret-value", "note=a%20b&x=1", b"note=a+b&x=1");
    assert_diagnosis(
        result,
        "the form body was re-encoded after signing (spaces as %20 became +)",
    );
}

#[test]
fn a_secret_with_a_trailing_newline() {
    let (_dir, capture) = captured("github", "s3cret-value", BODY, BODY.as_bytes(), &[]);
    let result = doctor(&capture, "github", &["s3cret-value\n"], &[]);
    assert_diagnosis(result, "the secret has surrounding whitespace or a newline");
}

/// `whsec_` and the base64 of `plain key`.
const WHSEC_PLAIN: &str = "whsec_cGxhaW4ga2V5";

#[test]
fn a_whsec_secret_decoded_by_the_sender() {
    let (_dir, capture) = captured("github", "plain key", BODY, BODY.as_bytes(), &[]);
    let result = doctor(&capture, "github", &[WHSEC_PLAIN], &[]);
    assert_diagnosis(
        result,
        "the sender used the base64-decoded bytes of the whsec_ secret as the key",
    );
}

#[test]
fn a_whsec_secret_kept_whole_by_the_sender() {
    let literal = format!("whsec_{}", BASE64.encode(WHSEC_PLAIN));
    let (_dir, capture) = captured("standard", &literal, BODY, BODY.as_bytes(), &[]);
    let result = doctor(&capture, "standard", &[WHSEC_PLAIN], &[]);
    assert_diagnosis(
        result,
        "the sender used the whole whsec_ text as the key, not its decoded bytes",
    );
}

#[test]
fn a_whsec_secret_without_its_prefix_at_the_sender() {
    let (_dir, capture) = captured("github", "cGxhaW4ga2V5", BODY, BODY.as_bytes(), &[]);
    let result = doctor(&capture, "github", &[WHSEC_PLAIN], &[]);
    assert_diagnosis(
        result,
        "the sender used the secret without its whsec_ prefix",
    );
}

#[test]
fn a_secret_base64_decoded_by_the_sender() {
    let (_dir, capture) = captured("github", "plain key", BODY, BODY.as_bytes(), &[]);
    let result = doctor(&capture, "github", &["cGxhaW4ga2V5"], &[]);
    assert_diagnosis(
        result,
        "the sender used the base64-decoded secret as the key",
    );
}

#[test]
fn a_secret_base64_encoded_by_the_sender() {
    let (_dir, capture) = captured("github", "cGxhaW4ga2V5", BODY, BODY.as_bytes(), &[]);
    let result = doctor(&capture, "github", &["plain key"], &[]);
    assert_diagnosis(result, "the sender used the secret base64-encoded");
}

#[test]
fn a_secret_rotated_away() {
    let (_dir, capture) = captured("stripe", "whsec_old_one", BODY, BODY.as_bytes(), &[]);
    let result = doctor(
        &capture,
        "stripe",
        &["whsec_new_one"],
        &["--old-secret", "whsec_old_one"],
    );
    assert_diagnosis(
        result,
        "the request was signed with another secret you gave, `whsec_o…`",
    );
    let result = doctor(&capture, "stripe", &["whsec_new_one", "whsec_old_one"], &[]);
    assert_diagnosis(result, "the secret was rotated");
}

#[test]
fn a_missing_header() {
    let result = diagnose_edited("github", "s3cret-value", |headers| {
        headers.retain(|(name, _)| name != "x-hub-signature-256");
    });
    assert_diagnosis(result, "the required header x-hub-signature-256 is missing");
}

#[test]
fn a_repeated_header() {
    let result = diagnose_edited("github", "s3cret-value", |headers| {
        let stale = format!("sha256={}", "0".repeat(64));
        headers.insert(0, ("x-hub-signature-256".to_owned(), stale));
    });
    assert_diagnosis(
        result,
        "the header x-hub-signature-256 is repeated (2 values); with its value number 2 alone it verifies",
    );
}

#[test]
fn a_hex_signature_where_base64_is_sent() {
    let result = diagnose_edited("shopify", "shpss_encoding", |headers| {
        rewrite(headers, "x-shopify-hmac-sha256", |mac| {
            hex::encode(BASE64.decode(mac).unwrap())
        });
    });
    let cause = "the signature in x-shopify-hmac-sha256 is written in hex; the provider writes it in base64";
    assert_diagnosis(result, cause);
}

#[test]
fn a_base64_signature_where_hex_is_sent() {
    let result = diagnose_edited("github", "s3cret-value", |headers| {
        rewrite(headers, "x-hub-signature-256", |value| {
            let mac = hex::decode(value.trim_start_matches("sha256=")).unwrap();
            format!("sha256={}", BASE64.encode(mac))
        });
    });
    let cause =
        "the signature in x-hub-signature-256 is written in base64; the provider writes it in hex";
    assert_diagnosis(result, cause);
}

const FORM: &str = "From=%2B15551234567&Body=Hello+world";

/// A Twilio capture received at `127.0.0.1:9999/sms`, signed for `signed_url`.
fn twilio_capture(signed_url: &str) -> (TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let mut headers = sign("twilio", "twilio-token", FORM, &["--url", signed_url]);
    headers.push(("host".to_owned(), "127.0.0.1:9999".to_owned()));
    let path = write_capture(dir.path(), &headers, "/sms", FORM.as_bytes());
    (dir, path)
}

#[test]
fn a_url_signed_over_http_not_https() {
    let (_dir, capture) = twilio_capture("http://127.0.0.1:9999/sms");
    let result = doctor(&capture, "twilio", &["twilio-token"], &[]);
    assert_diagnosis(result, "the sender signed the URL http://127.0.0.1:9999");
}

#[test]
fn a_url_signed_at_a_public_address() {
    let (_dir, capture) = twilio_capture("https://hooks.example.com/sms");
    let (code, stdout) = doctor(&capture, "twilio", &["twilio-token"], &[]);
    assert_diagnosis((code, stdout), "none of the likely causes fits");
    let result = doctor(
        &capture,
        "twilio",
        &["twilio-token"],
        &["--public-url", "https://hooks.example.com"],
    );
    assert_diagnosis(
        result,
        "the sender signed the URL https://hooks.example.com",
    );
}

#[test]
fn auto_tells_the_provider_from_the_headers() {
    let (_dir, capture) = captured("github", "s3cret-value", BODY, BODY.as_bytes(), &[]);
    let (code, stdout) = doctor(&capture, "auto", &["s3cret-value"], &[]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("auto: the headers fit github, meta; github's signature matches"),
        "{stdout}"
    );
    let (_dir, capture) = captured(
        "standard",
        STANDARD_SECRET,
        BODY,
        format!("{BODY}\n").as_bytes(),
        &[],
    );
    let (code, stdout) = doctor(&capture, "auto", &[STANDARD_SECRET], &[]);
    assert!(stdout.contains("it is checked as standard"), "{stdout}");
    assert_diagnosis((code, stdout), "a trailing newline was added");
}

const STANDARD_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SLACK_SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";

/// Seconds since the Unix epoch.
fn common_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

//! The "send test webhook" button: signs an event and POSTs it, then prints the status.
//!
//! ```text
//! cargo run --example send -- [--type message.created] [--url http://127.0.0.1:3000/webhook]
//! ```
//!
//! Uses the same `WEBHOOK_SECRET`, `WEBHOOK_HEADER` and `PORT` variables as the `receiver`
//! example, with the same defaults, so the two work together on a fresh machine.

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use tower_webhook::WebhookVerify;

const DEVELOPMENT_SECRET: &str = "development-secret-do-not-use-in-production";

const USAGE: &str = "\
Signs an event in the {id, type, payload} envelope and POSTs it, then prints the status.

usage: cargo run --example send -- [--type TYPE] [--url URL]

  --type TYPE  the event type (default message.created)
  --url URL    where to send it (default http://127.0.0.1:$PORT/webhook, PORT 3000)

environment: WEBHOOK_SECRET (the development secret when unset, with a warning),
WEBHOOK_HEADER (default x-webhook-signature), PORT (default 3000)";

struct Args {
    kind: String,
    url: String,
}

fn parse_args() -> Result<Args, String> {
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
    let mut args = Args {
        kind: "message.created".into(),
        url: format!("http://127.0.0.1:{port}/webhook"),
    };
    let mut words = std::env::args().skip(1);
    while let Some(word) = words.next() {
        if word == "--help" || word == "-h" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let value = words.next().ok_or(format!("{word} needs a value"));
        match word.as_str() {
            "--type" => args.kind = value?,
            "--url" => args.url = value?,
            _ => return Err(format!("unknown argument {word}\n\n{USAGE}")),
        }
    }
    Ok(args)
}

/// An event in the `{id, type, payload}` envelope, with the docs' example payload.
fn event(kind: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    serde_json::json!({
        "id": format!("evt_{}", now.as_nanos()),
        "type": kind,
        "payload": {
            "id": "SIuAFUNKdSYHZF2w",
            "conversation_id": "xgQQXg3hrtjh7AvZ",
            "message": "I’m traveling with my dad. He’s at a meeting. I hate meetings.",
            "reactions": [],
            "attachments": [],
            "created_at": now.as_secs(),
        }
    })
    .to_string()
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    let secret = std::env::var("WEBHOOK_SECRET").unwrap_or_else(|_| {
        eprintln!(
            "warning: WEBHOOK_SECRET is not set: signing with the fixed development secret, \
             which only the examples accept. Never use it in production."
        );
        DEVELOPMENT_SECRET.into()
    });
    let header = std::env::var("WEBHOOK_HEADER").unwrap_or_else(|_| "x-webhook-signature".into());

    let body = event(&args.kind);
    let headers = WebhookVerify::new(secret)
        .header(&header)
        .sign(body.as_bytes());
    let response = reqwest::Client::new()
        .post(&args.url)
        .headers(headers)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await;
    match response {
        Ok(response) => {
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            println!("{} {status} {text}", args.url);
            if status.is_success() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(error) => {
            eprintln!(
                "could not reach {}: {error} (is `cargo run --example receiver` running?)",
                args.url
            );
            ExitCode::FAILURE
        }
    }
}

//! Several providers on one Router, each route behind its own scheme.
//!
//! ```text
//! cargo run --example providers
//! ```
//!
//! Each secret comes from its own variable (`GITHUB_WEBHOOK_SECRET`, ...), with a
//! development value when unset. On start it prints a `curl` line per provider, signed
//! with [`WebhookVerify::sign`], so each route can be tried at once.

use axum::{http::StatusCode, routing::post, Router};
use tower_webhook::{Verified, Webhook, WebhookEvent, WebhookVerify};

fn secret(name: &str, development: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| development.to_owned())
}

/// GitHub sends its own JSON; take what is needed as a `serde_json::Value`.
async fn github(Webhook(event): Webhook<serde_json::Value>) -> StatusCode {
    tracing::info!(action = %event["action"], "github event");
    StatusCode::OK
}

/// Stripe events carry `id` and `type` at the top.
async fn stripe(Webhook(event): Webhook<serde_json::Value>) -> StatusCode {
    tracing::info!(id = %event["id"], kind = %event["type"], "stripe event");
    StatusCode::OK
}

/// Standard Webhooks: the id and timestamp are signed in headers.
async fn standard(verified: Verified, Webhook(event): Webhook<serde_json::Value>) -> StatusCode {
    tracing::info!(id = verified.id(), kind = %event["type"], "standard webhook");
    StatusCode::OK
}

async fn slack(verified: Verified) -> StatusCode {
    tracing::info!(bytes = verified.body().len(), "slack request");
    StatusCode::OK
}

async fn shopify(Webhook(order): Webhook<serde_json::Value>) -> StatusCode {
    tracing::info!(id = %order["id"], "shopify webhook");
    StatusCode::OK
}

/// The `{id, type, payload}` platforms.
async fn platform(event: WebhookEvent) -> StatusCode {
    tracing::info!(id = event.id(), kind = event.kind(), "platform event");
    StatusCode::OK
}

struct Providers {
    github: WebhookVerify,
    stripe: WebhookVerify<tower_webhook::scheme::Stripe>,
    standard: WebhookVerify<tower_webhook::scheme::StandardWebhooks>,
    slack: WebhookVerify<tower_webhook::scheme::Slack>,
    shopify: WebhookVerify,
    platform: WebhookVerify,
}

impl Providers {
    fn from_env() -> Self {
        Self {
            github: WebhookVerify::github(secret("GITHUB_WEBHOOK_SECRET", "github-dev")),
            stripe: WebhookVerify::stripe(secret("STRIPE_WEBHOOK_SECRET", "whsec_stripe_dev")),
            standard: WebhookVerify::standard(secret(
                "STANDARD_WEBHOOK_SECRET",
                "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
            )),
            slack: WebhookVerify::slack(secret("SLACK_SIGNING_SECRET", "slack-dev")),
            shopify: WebhookVerify::shopify(secret("SHOPIFY_WEBHOOK_SECRET", "shopify-dev")),
            platform: WebhookVerify::new(secret("WEBHOOK_SECRET", "platform-dev"))
                .header("x-protocol-signature"),
        }
    }

    fn router(&self) -> Router {
        Router::new()
            .route("/github", post(github).layer(self.github.clone()))
            .route("/stripe", post(stripe).layer(self.stripe.clone()))
            .route("/standard", post(standard).layer(self.standard.clone()))
            .route("/slack", post(slack).layer(self.slack.clone()))
            .route("/shopify", post(shopify).layer(self.shopify.clone()))
            .route("/platform", post(platform).layer(self.platform.clone()))
    }

    /// A `curl` command per route with a body signed now.
    fn curl_lines(&self, base: &str) -> Vec<String> {
        let samples: [(&str, &[u8], http::HeaderMap); 6] = [
            (
                "github",
                br#"{"action":"opened"}"#,
                self.github.sign(br#"{"action":"opened"}"#),
            ),
            (
                "stripe",
                br#"{"id":"evt_1","type":"invoice.paid"}"#,
                self.stripe.sign(br#"{"id":"evt_1","type":"invoice.paid"}"#),
            ),
            (
                "standard",
                br#"{"type":"user.created"}"#,
                self.standard.sign(br#"{"type":"user.created"}"#),
            ),
            (
                "slack",
                b"token=x&command=/hi",
                self.slack.sign(b"token=x&command=/hi"),
            ),
            (
                "shopify",
                br#"{"id":820982911946154508}"#,
                self.shopify.sign(br#"{"id":820982911946154508}"#),
            ),
            (
                "platform",
                br#"{"id":"a056V7R7NmNRjl70","type":"message.updated","payload":{}}"#,
                self.platform
                    .sign(br#"{"id":"a056V7R7NmNRjl70","type":"message.updated","payload":{}}"#),
            ),
        ];
        samples
            .into_iter()
            .map(|(route, body, headers)| {
                let mut line = format!("curl -i {base}/{route}");
                for (name, value) in &headers {
                    line.push_str(&format!(
                        " -H '{name}: {}'",
                        value.to_str().unwrap_or_default()
                    ));
                }
                line.push_str(&format!(
                    " --data-binary '{}'",
                    String::from_utf8_lossy(body)
                ));
                line
            })
            .collect()
    }
}

/// What `--help` prints.
const USAGE: &str = "\
GitHub, Stripe, Standard Webhooks, Slack, Shopify and a platform on one Router, each route
behind its own scheme; prints a signed curl line per route, then runs until stopped (Ctrl-C).

usage: cargo run --example providers

environment: GITHUB_WEBHOOK_SECRET, STRIPE_WEBHOOK_SECRET, ... (development values when
unset), PORT (default 3000), RUST_LOG";

#[tokio::main]
async fn main() -> std::io::Result<()> {
    if std::env::args()
        .skip(1)
        .any(|arg| arg == "--help" || arg == "-h")
    {
        println!("{USAGE}");
        return Ok(());
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_webhook=debug".into()),
        )
        .init();
    let providers = Providers::from_env();
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    let base = format!("http://{}", listener.local_addr()?);
    println!(
        "Try each provider (signed now; Stripe, Slack and Standard Webhooks expire in 5 minutes):"
    );
    for line in providers.curl_lines(&base) {
        println!("  {line}");
    }
    axum::serve(listener, providers.router()).await
}

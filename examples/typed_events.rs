//! The platforms' event catalog as a typed enum: each `type` is a variant with its own
//! payload, dispatched with a `match`. An unknown type is answered 400, like the platforms'
//! own sample receiver does.
//!
//! ```text
//! cargo run --example typed_events
//! cargo run --example send -- --type message.updated      # 200
//! cargo run --example send -- --type invoice.paid         # 400: not in the catalog
//! ```

use std::collections::BTreeMap;

use axum::{http::StatusCode, routing::post, Router};
use serde::Deserialize;
use tower_webhook::{Webhook, WebhookVerify};

const DEVELOPMENT_SECRET: &str = "development-secret-do-not-use-in-production";

/// Every event in the catalog: `<resource>.<action>`, with the payload in `payload`.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", content = "payload")]
enum Event {
    #[serde(rename = "contact.created")]
    ContactCreated(Contact),
    #[serde(rename = "contact.updated")]
    ContactUpdated(Contact),
    #[serde(rename = "contact.deleted")]
    ContactDeleted(Deleted),
    #[serde(rename = "conversation.created")]
    ConversationCreated(Resource),
    #[serde(rename = "conversation.updated")]
    ConversationUpdated(Resource),
    #[serde(rename = "conversation.deleted")]
    ConversationDeleted(Deleted),
    #[serde(rename = "message.created")]
    MessageCreated(Message),
    #[serde(rename = "message.updated")]
    MessageUpdated(Message),
    #[serde(rename = "message.deleted")]
    MessageDeleted(Deleted),
    #[serde(rename = "group.created")]
    GroupCreated(Resource),
    #[serde(rename = "group.updated")]
    GroupUpdated(Resource),
    #[serde(rename = "group.deleted")]
    GroupDeleted(Deleted),
    #[serde(rename = "attachment.created")]
    AttachmentCreated(Resource),
    #[serde(rename = "attachment.updated")]
    AttachmentUpdated(Resource),
    #[serde(rename = "attachment.deleted")]
    AttachmentDeleted(Deleted),
}

/// The message payload of the docs' example.
#[derive(Debug, Deserialize)]
#[allow(dead_code)] // fields are shown with `Debug`
struct Message {
    id: String,
    conversation_id: String,
    #[serde(default)]
    contact: Option<Contact>,
    message: String,
    #[serde(default)]
    reactions: Vec<serde_json::Value>,
    #[serde(default)]
    attachments: Vec<serde_json::Value>,
    #[serde(default)]
    read_at: Option<u64>,
    created_at: u64,
    #[serde(default)]
    updated_at: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Contact {
    id: String,
    username: String,
    #[serde(default)]
    phone_number: Option<String>,
    #[serde(default)]
    avatar_url: Option<String>,
    #[serde(default)]
    last_active_at: Option<u64>,
    #[serde(default)]
    created_at: Option<u64>,
}

/// Any other resource: its id, and the rest of its fields as they came.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Resource {
    id: String,
    #[serde(flatten)]
    fields: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct Deleted {
    id: String,
}

/// The envelope: the event plus its id.
#[derive(Debug, Deserialize)]
struct Envelope {
    id: String,
    #[serde(flatten)]
    event: Event,
}

async fn handle(Webhook(envelope): Webhook<Envelope>) -> StatusCode {
    let id = &envelope.id;
    match envelope.event {
        Event::MessageCreated(message) | Event::MessageUpdated(message) => {
            let from = message
                .contact
                .as_ref()
                .map_or("unknown", |c| c.username.as_str());
            tracing::info!(%id, message = %message.id, %from, "message: {}", message.message);
        }
        Event::ContactCreated(contact) | Event::ContactUpdated(contact) => {
            tracing::info!(%id, contact = %contact.id, "contact {}", contact.username);
        }
        Event::ConversationCreated(resource)
        | Event::ConversationUpdated(resource)
        | Event::GroupCreated(resource)
        | Event::GroupUpdated(resource)
        | Event::AttachmentCreated(resource)
        | Event::AttachmentUpdated(resource) => {
            tracing::info!(%id, resource = %resource.id, fields = resource.fields.len(), "resource changed");
        }
        Event::ContactDeleted(deleted)
        | Event::ConversationDeleted(deleted)
        | Event::MessageDeleted(deleted)
        | Event::GroupDeleted(deleted)
        | Event::AttachmentDeleted(deleted) => {
            tracing::info!(%id, resource = %deleted.id, "deleted");
        }
    }
    StatusCode::OK
}

fn app(secret: &str) -> Router {
    Router::new()
        .route("/webhook", post(handle))
        .layer(WebhookVerify::new(secret))
}

/// What `--help` prints.
const USAGE: &str = "\
The event catalog as a typed enum on POST /webhook; unknown types are answered 400. Runs
until stopped (Ctrl-C).

usage: cargo run --example typed_events

environment: WEBHOOK_SECRET (a development secret when unset, with a warning), PORT
(default 3000), RUST_LOG";

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
    let secret = std::env::var("WEBHOOK_SECRET").unwrap_or_else(|_| {
        tracing::warn!("WEBHOOK_SECRET is not set: using the fixed development secret");
        DEVELOPMENT_SECRET.to_owned()
    });
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    tracing::info!(
        "listening on http://{}/webhook; runs until stopped (Ctrl-C)",
        listener.local_addr()?
    );
    axum::serve(listener, app(&secret)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use http::Request;
    use tower::ServiceExt;

    async fn post(kind: &str, payload: serde_json::Value) -> StatusCode {
        let body =
            serde_json::json!({ "id": "evt_1", "type": kind, "payload": payload }).to_string();
        let mut request = Request::post("/webhook")
            .body(Body::from(body.clone()))
            .unwrap();
        request
            .headers_mut()
            .extend(WebhookVerify::new("s").sign(body.as_bytes()));
        app("s").oneshot(request).await.unwrap().status()
    }

    #[tokio::test]
    async fn known_types_are_dispatched_and_unknown_ones_refused() {
        let message = serde_json::json!({
            "id": "SIuAFUNKdSYHZF2w", "conversation_id": "xgQQXg3hrtjh7AvZ",
            "contact": { "id": "WAz8eIbvDR60rouK", "username": "KevinMcCallister" },
            "message": "I’m traveling with my dad.", "reactions": [], "attachments": [],
            "read_at": 705103200, "created_at": 692233200, "updated_at": 692233200
        });
        assert_eq!(post("message.updated", message).await, StatusCode::OK);
        assert_eq!(
            post("group.deleted", serde_json::json!({ "id": "g1" })).await,
            StatusCode::OK
        );
        assert_eq!(
            post("invoice.paid", serde_json::json!({ "id": "i1" })).await,
            StatusCode::BAD_REQUEST
        );
    }
}

//! The extractors after the layer, and body extractors that still work behind it.

mod common;

use axum::http::{header, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use bytes::Bytes;
use common::*;
use serde::Deserialize;
use tower_webhook::{Verified, Webhook, WebhookEvent};

const MESSAGE: &str = "I’m traveling with my dad. He’s at a meeting. I hate meetings.";

fn verified_route(router: Router) -> Router {
    router.layer(protocol_layer())
}

#[tokio::test]
async fn webhook_event_accessors_read_the_envelope() {
    async fn handle(event: WebhookEvent) -> Json<serde_json::Value> {
        Json(serde_json::json!({
            "id": event.id(),
            "kind": event.kind(),
            "resource": event.resource(),
            "action": event.action(),
            "payload_id": event.payload()["id"],
            "message": event.clone().into_payload()["message"],
        }))
    }
    let app = verified_route(Router::new().route(PATH, post(handle)));
    let reply = send(app, protocol_request(SEED_PAYLOAD)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.json(),
        serde_json::json!({
            "id": "a056V7R7NmNRjl70",
            "kind": "message.updated",
            "resource": "message",
            "action": "updated",
            "payload_id": "SIuAFUNKdSYHZF2w",
            "message": MESSAGE,
        })
    );
}

#[derive(Debug, Deserialize, PartialEq)]
struct Contact {
    id: String,
    username: String,
    phone_number: String,
    avatar_url: String,
    last_active_at: u64,
    created_at: u64,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Message {
    id: String,
    conversation_id: String,
    contact: Contact,
    message: String,
    reactions: Vec<serde_json::Value>,
    attachments: Vec<serde_json::Value>,
    read_at: u64,
    created_at: u64,
    updated_at: u64,
}

#[tokio::test]
async fn webhook_event_takes_a_user_struct_as_payload() {
    async fn handle(event: WebhookEvent<Message>) -> String {
        assert_eq!(event.kind(), "message.updated");
        let message = event.into_payload();
        assert_eq!(message.contact.username, "KevinMcCallister");
        assert_eq!(message.contact.last_active_at, 705103200);
        assert_eq!(message.read_at, 705103200);
        message.message
    }
    let app = verified_route(Router::new().route(PATH, post(handle)));
    let reply = send(app, protocol_request(SEED_PAYLOAD)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), MESSAGE);
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", content = "payload")]
enum Event {
    #[serde(rename = "message.updated")]
    MessageUpdated(Box<Message>),
    #[serde(rename = "conversation.updated")]
    ConversationUpdated { id: String },
}

async fn typed(Webhook(event): Webhook<Event>) -> String {
    match event {
        Event::MessageUpdated(message) => format!("message {}", message.id),
        Event::ConversationUpdated { id } => format!("conversation {id}"),
    }
}

#[tokio::test]
async fn webhook_deserialises_a_tagged_enum() {
    let app = verified_route(Router::new().route(PATH, post(typed)));
    let reply = send(app.clone(), protocol_request(SEED_PAYLOAD)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "message SIuAFUNKdSYHZF2w");

    let conversation =
        br#"{"id":"a056V7R7NmNRjl70","type":"conversation.updated","payload":{"id":"WAz8"}}"#;
    let reply = send(app, protocol_request(conversation)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "conversation WAz8");
}

#[tokio::test]
async fn webhook_refuses_an_unknown_event_type_with_400() {
    let app = verified_route(Router::new().route(PATH, post(typed)));
    let body = br#"{"id":"1","type":"group.exploded","payload":{}}"#;
    let reply = send(app, protocol_request(body)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.text().contains("does not match the expected event"));
    assert!(!reply.text().contains("group.exploded"), "{}", reply.text());
}

#[tokio::test]
async fn a_verified_body_that_is_not_json_is_refused_with_400() {
    let event = Router::new().route(PATH, post(|_: WebhookEvent| async { StatusCode::OK }));
    let webhook = Router::new().route(
        PATH,
        post(|_: Webhook<serde_json::Value>| async { StatusCode::OK }),
    );
    for app in [event, webhook] {
        let reply = send(verified_route(app), protocol_request(b"not json at all")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert!(
            reply.text().contains("is not valid JSON"),
            "{}",
            reply.text()
        );
    }
}

#[tokio::test]
async fn json_that_is_not_an_envelope_is_refused_with_400() {
    let app =
        verified_route(Router::new().route(PATH, post(|_: WebhookEvent| async { StatusCode::OK })));
    for body in [
        &br#"{"id":"1","payload":{}}"#[..],
        br#"{"type":"message.created","payload":{}}"#,
        br#"[1, 2, 3]"#,
    ] {
        let reply = send(app.clone(), protocol_request(body)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body:?}");
    }
}

#[tokio::test]
async fn extractors_without_the_layer_answer_500_naming_it() {
    let apps = [
        Router::new().route(PATH, post(|_: WebhookEvent| async { StatusCode::OK })),
        Router::new().route(PATH, post(|_: Webhook<Event>| async { StatusCode::OK })),
        Router::new().route(PATH, post(|_: Verified| async { StatusCode::OK })),
    ];
    for app in apps {
        // A correctly signed request: without the layer it still must not get through.
        let reply = send(app, protocol_request(SEED_PAYLOAD)).await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(reply.text().contains("WebhookVerify"), "{}", reply.text());
    }
}

#[tokio::test]
async fn bytes_extractor_gets_the_body_unchanged() {
    let app = verified_route(Router::new().route(PATH, post(|body: Bytes| async move { body })));
    let reply = send(app, protocol_request(SEED_PAYLOAD)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, SEED_PAYLOAD);
}

#[tokio::test]
async fn string_extractor_gets_the_body_unchanged() {
    let app = verified_route(Router::new().route(PATH, post(|body: String| async move { body })));
    let reply = send(app, protocol_request(SEED_PAYLOAD)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text().as_bytes(), SEED_PAYLOAD);
}

#[tokio::test]
async fn json_extractor_gets_the_body_unchanged() {
    async fn handle(Json(value): Json<serde_json::Value>) -> Json<serde_json::Value> {
        Json(value)
    }
    let app = verified_route(Router::new().route(PATH, post(handle)));
    let mut request = protocol_request(SEED_PAYLOAD);
    request
        .headers_mut()
        .insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
    let reply = send(app, request).await;
    assert_eq!(reply.status, StatusCode::OK);
    let sent: serde_json::Value = serde_json::from_slice(SEED_PAYLOAD).unwrap();
    assert_eq!(reply.json(), sent);
    assert_eq!(reply.json()["payload"]["message"], MESSAGE);
}

#[tokio::test]
async fn verified_and_body_extractors_combine_in_one_handler() {
    async fn handle(verified: Verified, event: WebhookEvent, body: Bytes) -> String {
        assert_eq!(verified.body(), &body);
        format!("{} {} {}", verified.key_index(), event.kind(), body.len())
    }
    let app = verified_route(Router::new().route(PATH, post(handle)));
    let reply = send(app, protocol_request(SEED_PAYLOAD)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.text(),
        format!("0 message.updated {}", SEED_PAYLOAD.len())
    );
}

#[tokio::test]
async fn the_verified_extension_holds_the_verified_bytes() {
    let reply = send(
        verified_app(protocol_layer()),
        protocol_request(SEED_PAYLOAD),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let report = reply.json();
    assert_eq!(report["body"], hex::encode(SEED_PAYLOAD));
    assert_eq!(report["key_index"], 0);
    // The default scheme signs neither an id nor a timestamp.
    assert_eq!(report["id"], serde_json::Value::Null);
    assert_eq!(report["timestamp"], serde_json::Value::Null);
}

/// The README's first handler, `WebhookEvent` and `event.kind()`, behind each original
/// preset, with a delivery shaped as that provider sends it.
#[tokio::test]
async fn the_same_webhook_event_handler_works_behind_every_original_preset() {
    use tower_webhook::WebhookVerify;

    async fn handle(event: WebhookEvent) -> String {
        format!("{} {} {}", event.id(), event.kind(), event.payload()["n"])
    }
    async fn reply<S>(layer: WebhookVerify<S>, body: &str, extra: &[(&str, &str)]) -> Reply
    where
        S: tower_webhook::scheme::Scheme + Clone,
    {
        let app = Router::new().route(PATH, post(handle)).layer(layer.clone());
        let mut headers: Vec<(String, String)> = layer
            .sign_at(body.as_bytes(), std::time::SystemTime::now(), "msg_1")
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
            .collect();
        headers.extend(extra.iter().map(|(n, v)| (n.to_string(), v.to_string())));
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        send(app, post_with(&headers, body.to_owned())).await
    }

    let github = reply(
        WebhookVerify::github("s"),
        r#"{"action":"opened","n":1}"#,
        &[("x-github-event", "issues")],
    )
    .await;
    assert_eq!(github.status, StatusCode::OK);
    assert_eq!(github.text(), "msg_1 issues 1");

    let stripe = reply(
        WebhookVerify::stripe("whsec_s"),
        r#"{"id":"evt_1","type":"charge.succeeded","data":{"n":2}}"#,
        &[],
    )
    .await;
    assert_eq!(stripe.text(), "evt_1 charge.succeeded 2");

    let slack = reply(
        WebhookVerify::slack("s"),
        r#"{"type":"event_callback","event_id":"Ev1","event":{"type":"message","n":3}}"#,
        &[],
    )
    .await;
    assert_eq!(slack.text(), "Ev1 message 3");

    let standard = reply(
        WebhookVerify::standard("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"),
        r#"{"type":"user.created","data":{"n":4}}"#,
        &[],
    )
    .await;
    assert_eq!(standard.text(), "msg_1 user.created 4");

    let shopify = reply(
        WebhookVerify::shopify("s"),
        r#"{"id":820982911946154508,"n":5}"#,
        &[("x-shopify-topic", "orders/create")],
    )
    .await;
    assert_eq!(shopify.text(), "msg_1 orders/create 5");

    // Without the header GitHub puts the type in, the reason says where it was looked for.
    let github = reply(WebhookVerify::github("s"), r#"{"n":1}"#, &[]).await;
    assert_eq!(github.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        github.text(),
        "the event has no type: this provider puts it in the `x-github-event` header"
    );
}

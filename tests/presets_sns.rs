//! AWS SNS: messages signed as AWS documents (RSA over `{name}\n{value}\n` of the body's
//! fields), verified with the certificate the message names, fetched once through
//! `SnsCertificates` and `CachedKeys`. The key and its self-signed certificate are made as
//! the tests start; nothing is served over the network: the fetch function answers the
//! PEM for the one certificate URL it knows.

use std::str::FromStr as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use axum::routing::post;
use axum::Router;
use base64::Engine as _;
use rsa::signature::{SignatureEncoding as _, Signer as _};
use serde_json::{json, Value};
use tower::ServiceExt as _;
use tower_webhook::dedupe::MemoryStore;
use tower_webhook::key_source::{CachedKeys, KeyError, SnsCertificates};
use tower_webhook::scheme::AwsSns;
use tower_webhook::{WebhookEvent, WebhookVerify};
use x509_cert::builder::{profile::cabf, Builder as _, CertificateBuilder};
use x509_cert::der::EncodePem as _;

const CERT_URL: &str =
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem";
const DOWN_URL: &str = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-down.pem";
const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:orders";

/// The signing key and its self-signed certificate in PEM.
struct Aws {
    key: rsa::PrivateKey,
    pem: String,
}

fn aws() -> &'static Aws {
    static AWS: OnceLock<Aws> = OnceLock::new();
    AWS.get_or_init(|| {
        use rsa::Generate as _;
        let key = rsa::PrivateKey::generate();
        let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key.clone());
        let public = x509_cert::spki::SubjectPublicKeyInfoOwned::from_key(&key.to_public_key())
            .expect("an RSA public key encodes");
        let subject =
            x509_cert::name::Name::from_str("CN=sns.amazonaws.com,O=Amazon,C=US").unwrap();
        let certificate = CertificateBuilder::new(
            cabf::Root::new(false, subject).unwrap(),
            x509_cert::serial_number::SerialNumber::from(1u32),
            x509_cert::time::Validity::from_now(Duration::from_secs(3600)).unwrap(),
            public,
        )
        .unwrap()
        .build::<_, rsa::pkcs1v15::Signature>(&signer)
        .unwrap();
        let pem = certificate
            .to_pem(x509_cert::der::pem::LineEnding::LF)
            .unwrap();
        Aws { key, pem }
    })
}

/// The string AWS signs: `{name}\n{value}\n` for each signed field the message has, in
/// this order (the construction of AWS's PHP validator, `getStringToSign`).
fn string_to_sign(message: &Value) -> String {
    let mut signed = String::new();
    for name in [
        "Message",
        "MessageId",
        "Subject",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ] {
        if let Some(value) = message[name].as_str() {
            signed.push_str(&format!("{name}\n{value}\n"));
        }
    }
    signed
}

/// Signs `message` as SNS does with `SignatureVersion` `version`, naming `cert_url`.
fn sign(mut message: Value, version: u8, cert_url: &str) -> Value {
    let signed = string_to_sign(&message);
    let key = aws().key.clone();
    let signature = match version {
        1 => rsa::pkcs1v15::SigningKey::<sha1::Sha1>::new(key)
            .sign(signed.as_bytes())
            .to_vec(),
        _ => rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key)
            .sign(signed.as_bytes())
            .to_vec(),
    };
    message["SignatureVersion"] = json!(version.to_string());
    message["Signature"] = json!(base64::engine::general_purpose::STANDARD.encode(signature));
    message["SigningCertURL"] = json!(cert_url);
    message
}

fn notification(subject: Option<&str>) -> Value {
    let mut message = json!({
        "Type": "Notification",
        "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": TOPIC,
        "Message": "{\"order\":7,\"note\":\"caf\u{e9} \\\"quoted\\\"\\nnext line\"}",
        "Timestamp": "2012-05-02T00:54:06.655Z",
        "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x",
    });
    if let Some(subject) = subject {
        message["Subject"] = json!(subject);
    }
    message
}

fn confirmation(kind: &str) -> Value {
    json!({
        "Type": kind,
        "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
        "Token": "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a",
        "TopicArn": TOPIC,
        "Message": "You have chosen to subscribe to the topic.\nTo confirm the subscription, visit the SubscribeURL included in this message.",
        "SubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=x&Token=2336",
        "Timestamp": "2012-04-26T20:45:04.751Z",
    })
}

/// The fetch function: the PEM for `CERT_URL`, unavailable for `DOWN_URL`, counted.
fn certificates(
    fetches: &Arc<AtomicUsize>,
) -> CachedKeys<impl tower_webhook::key_source::KeySource> {
    let fetches = Arc::clone(fetches);
    CachedKeys::new(SnsCertificates::new(move |url: String| {
        fetches.fetch_add(1, Ordering::SeqCst);
        async move {
            tokio::task::yield_now().await; // a real fetch waits
            match url.as_str() {
                CERT_URL => Ok(aws().pem.clone().into_bytes()),
                _ => Err(KeyError::Unavailable),
            }
        }
    }))
}

fn app(layer: WebhookVerify<AwsSns>) -> Router {
    Router::new()
        .route(
            "/sns",
            post(|body: Bytes| async move {
                let message: Value = serde_json::from_slice(&body).unwrap();
                match message["Type"].as_str() {
                    // What a handler does with a confirmation: visit the SubscribeURL.
                    Some("SubscriptionConfirmation") => {
                        format!("confirm {}", message["SubscribeURL"].as_str().unwrap())
                    }
                    kind => format!("handled {}", kind.unwrap()),
                }
            }),
        )
        .route(
            "/event",
            post(|event: WebhookEvent| async move {
                format!("{} {} {}", event.id(), event.kind(), event.payload())
            }),
        )
        .layer(layer)
}

fn request(path: &str, message: &Value) -> Request<Body> {
    Request::post(path)
        .header("content-type", "text/plain; charset=UTF-8")
        .header("x-amz-sns-message-type", "Notification")
        .body(Body::from(message.to_string()))
        .unwrap()
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, String) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let retry_after = response.headers().contains_key("retry-after");
    let body = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&body).into_owned();
    assert_eq!(status == StatusCode::SERVICE_UNAVAILABLE, retry_after);
    (status, text)
}

fn layer(fetches: &Arc<AtomicUsize>) -> WebhookVerify<AwsSns> {
    WebhookVerify::aws_sns(certificates(fetches)).topics([TOPIC])
}

#[tokio::test]
async fn notifications_verify_with_either_version_and_the_certificate_is_fetched_once() {
    let fetches = Arc::new(AtomicUsize::new(0));
    let app = app(layer(&fetches));
    for version in [1, 2] {
        for subject in [None, Some("My First Message"), Some("")] {
            let message = sign(notification(subject), version, CERT_URL);
            assert_eq!(
                send(&app, request("/sns", &message)).await,
                (StatusCode::OK, "handled Notification".into()),
                "version {version}, subject {subject:?}"
            );
        }
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 1, "cached after the first");
}

#[tokio::test]
async fn confirmations_verify_and_reach_the_handler() {
    let fetches = Arc::new(AtomicUsize::new(0));
    let app = app(layer(&fetches));
    for version in [1, 2] {
        let message = sign(confirmation("SubscriptionConfirmation"), version, CERT_URL);
        let (status, text) = send(&app, request("/sns", &message)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            text,
            format!("confirm {}", message["SubscribeURL"].as_str().unwrap())
        );
        let message = sign(confirmation("UnsubscribeConfirmation"), version, CERT_URL);
        assert_eq!(
            send(&app, request("/sns", &message)).await,
            (StatusCode::OK, "handled UnsubscribeConfirmation".into())
        );
    }
}

#[tokio::test]
async fn the_event_is_the_message_id_type_and_message() {
    let fetches = Arc::new(AtomicUsize::new(0));
    let app = app(layer(&fetches));
    let message = sign(notification(Some("s")), 2, CERT_URL);
    let (status, text) = send(&app, request("/event", &message)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(
        text,
        format!(
            "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324 Notification {}",
            json!(message["Message"])
        )
    );
}

#[tokio::test]
async fn any_change_to_a_signed_field_is_refused() {
    let fetches = Arc::new(AtomicUsize::new(0));
    let app = app(layer(&fetches));
    let signed = sign(notification(Some("Subject")), 2, CERT_URL);

    let mut changes = Vec::new();
    for field in ["Message", "MessageId", "Subject", "Timestamp"] {
        let mut changed = signed.clone();
        let mut value = changed[field].as_str().unwrap().to_owned().into_bytes();
        value[0] ^= 1; // one bit of one byte
        changed[field] = json!(String::from_utf8(value).unwrap());
        changes.push((field, changed));
    }
    let mut without_subject = signed.clone();
    without_subject.as_object_mut().unwrap().remove("Subject");
    changes.push(("no Subject", without_subject));
    let mut version = signed.clone();
    version["SignatureVersion"] = json!("1"); // SHA-256 signature read as SHA-1
    changes.push(("SignatureVersion", version));
    let mut signature = signed.clone();
    let mut bytes = base64::engine::general_purpose::STANDARD
        .decode(signature["Signature"].as_str().unwrap())
        .unwrap();
    bytes[100] ^= 0x80;
    signature["Signature"] = json!(base64::engine::general_purpose::STANDARD.encode(bytes));
    changes.push(("Signature", signature));

    for (what, changed) in changes {
        let (status, text) = send(&app, request("/sns", &changed)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {text}");
    }
    // The unchanged message still verifies.
    assert_eq!(send(&app, request("/sns", &signed)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_foreign_certificate_url_is_refused_before_any_fetch() {
    let fetches = Arc::new(AtomicUsize::new(0));
    let app = app(layer(&fetches));
    for url in [
        "https://evil.example/SimpleNotificationService-0123456789abcdef.pem",
        "http://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem",
        "https://sns.us-east-1.amazonaws.com.evil.example/cert.pem",
        "https://sns.us-east-1.amazonaws.com@evil.example/cert.pem",
        "https://attacker@sns.us-east-1.amazonaws.com/cert.pem",
        "https://sns.us-east-1.amazonaws.com:8443/cert.pem",
        "https://s3.amazonaws.com/my-bucket/cert.pem",
        "https://sns.us-east-1.amazonaws.com/cert.pem?download=evil",
        "https://sns.us-east-1.amazonaws.com/cert.txt",
    ] {
        let message = sign(notification(None), 2, url);
        let (status, text) = send(&app, request("/sns", &message)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{url}");
        assert!(text.contains("SigningCertURL"), "{text}");
        assert!(!text.contains("evil") && !text.contains("8443"), "{text}");
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn an_unknown_topic_is_refused_before_any_fetch() {
    let fetches = Arc::new(AtomicUsize::new(0));
    let app = app(layer(&fetches));
    let mut message = notification(None);
    message["TopicArn"] = json!("arn:aws:sns:us-east-1:999999999999:theirs");
    let message = sign(message, 2, CERT_URL);
    let (status, text) = send(&app, request("/sns", &message)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("TopicArn"), "{text}");
    assert_eq!(fetches.load(Ordering::SeqCst), 0);

    // Without topics, any topic's message that AWS signed is accepted.
    let any_topic = app_without_topics(&fetches);
    assert_eq!(
        send(&any_topic, request("/sns", &message)).await.0,
        StatusCode::OK
    );
}

fn app_without_topics(fetches: &Arc<AtomicUsize>) -> Router {
    app(WebhookVerify::aws_sns(certificates(fetches)))
}

#[tokio::test]
async fn a_certificate_that_cannot_be_fetched_is_a_503() {
    let fetches = Arc::new(AtomicUsize::new(0));
    let app = app(layer(&fetches));
    let message = sign(notification(None), 2, DOWN_URL);
    let (status, text) = send(&app, request("/sns", &message)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(text.contains("retry later"), "{text}");
    // Not cached: the next delivery fetches again.
    let _ = send(&app, request("/sns", &message)).await;
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn malformed_messages_say_what_is_wrong() {
    let fetches = Arc::new(AtomicUsize::new(0));
    let app = app(layer(&fetches));
    let signed = sign(notification(None), 2, CERT_URL);
    let mut cases = vec![(json!("not an object"), "not an SNS message")];
    for (field, reason) in [
        ("Type", "no Type"),
        ("Signature", "no Signature"),
        ("SigningCertURL", "no SigningCertURL"),
        ("MessageId", "no MessageId"),
    ] {
        let mut message = signed.clone();
        message.as_object_mut().unwrap().remove(field);
        cases.push((message, reason));
    }
    let mut version = signed.clone();
    version["SignatureVersion"] = json!("3");
    cases.push((version, "SignatureVersion is not 1 or 2"));
    let mut kind = signed.clone();
    kind["Type"] = json!("Other");
    cases.push((kind, "Type is not"));
    let mut confirmation = sign(confirmation("SubscriptionConfirmation"), 2, CERT_URL);
    confirmation.as_object_mut().unwrap().remove("Token");
    cases.push((confirmation, "no Token"));
    for (message, reason) in cases {
        let (status, text) = send(&app, request("/sns", &message)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{reason}");
        assert!(text.contains(reason), "{text} lacks {reason}");
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn dedupe_keys_on_the_message_id() {
    let fetches = Arc::new(AtomicUsize::new(0));
    let app = app(layer(&fetches).dedupe(MemoryStore::new()));
    let message = sign(notification(None), 2, CERT_URL);
    let first = app
        .clone()
        .oneshot(request("/sns", &message))
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    assert!(!first.headers().contains_key("webhook-duplicate"));
    let retried = app
        .clone()
        .oneshot(request("/sns", &message))
        .await
        .unwrap();
    assert_eq!(retried.status(), StatusCode::OK);
    assert!(retried.headers().contains_key("webhook-duplicate"));
}

#[tokio::test]
async fn the_timestamp_window_is_off_unless_asked_for() {
    let fetches = Arc::new(AtomicUsize::new(0));
    // Published in 2012: accepted without a window, refused with one.
    let message = sign(notification(None), 2, CERT_URL);
    assert_eq!(
        send(&app(layer(&fetches)), request("/sns", &message))
            .await
            .0,
        StatusCode::OK
    );
    let windowed = app(layer(&fetches).timestamp_window(Duration::from_secs(3900)));
    let (status, text) = send(&windowed, request("/sns", &message)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("too old"), "{text}");

    let mut fresh = notification(None);
    fresh["Timestamp"] = json!(tower_webhook::scheme::format_rfc3339(
        std::time::SystemTime::now() - Duration::from_secs(1800)
    ));
    let fresh = sign(fresh, 2, CERT_URL);
    assert_eq!(
        send(&windowed, request("/sns", &fresh)).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn verify_without_the_layer_cannot_fetch_and_says_so() {
    let fetches = Arc::new(AtomicUsize::new(0));
    let layer = layer(&fetches);
    let message = sign(notification(None), 2, CERT_URL);
    let (head, ()) = Request::post("/sns").body(()).unwrap().into_parts();
    let rejection = layer
        .verify(&head, Bytes::from(message.to_string()))
        .unwrap_err();
    assert!(rejection.to_string().contains("key source"), "{rejection}");
}

#[test]
fn the_certificate_key_verifies_and_a_bad_pem_is_refused() {
    use tower_webhook::scheme::Key;
    assert!(Key::rsa_certificate_pem(&aws().pem).is_ok());
    assert!(Key::rsa_certificate_pem(
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    )
    .is_err());
    assert!(Key::rsa_certificate_pem("").is_err());
    let debug = format!("{:?}", Key::rsa_certificate_pem(&aws().pem).unwrap());
    assert_eq!(debug, "Key::RsaPublic(..)");
}

/// Messages signed with another key (the construction of AWS's PHP validator, in Node's
/// crypto) that AWS's own JavaScript validator, `sns-validator` 0.3.5, accepted with its
/// certificate fetch stubbed: both SignatureVersions, a Notification with and without
/// Subject, a SubscriptionConfirmation, escaped and non-ASCII characters in Message. Only
/// the public certificate is kept.
#[tokio::test]
async fn messages_aws_s_validator_accepts_verify() {
    let vectors: Value =
        serde_json::from_str(include_str!("data/sns_validator.json")).expect("the vectors");
    let pem = vectors["certificate"].as_str().unwrap().to_owned();
    let fetches = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&fetches);
    let certificates = SnsCertificates::new(move |_url: String| {
        counted.fetch_add(1, Ordering::SeqCst);
        let pem = pem.clone();
        async move { Ok::<_, KeyError>(pem) }
    });
    let app = app(WebhookVerify::aws_sns(CachedKeys::new(certificates)));
    let messages = vectors["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 6);
    for message in messages {
        let (status, text) = send(&app, request("/sns", message)).await;
        assert_eq!(status, StatusCode::OK, "{message}: {text}");
        let mut changed = message.clone();
        changed["Timestamp"] = json!(message["Timestamp"]
            .as_str()
            .unwrap()
            .replace('Z', "+00:00"));
        assert_eq!(
            send(&app, request("/sns", &changed)).await.0,
            StatusCode::BAD_REQUEST
        );
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
}

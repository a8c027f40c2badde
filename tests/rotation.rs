//! Secret rotation with `also_accept`: old and new secrets verify, and `Verified::key_index`
//! says which matched.

mod common;

use axum::http::StatusCode;
use common::*;
use tower_webhook::scheme::Scheme;
use tower_webhook::WebhookVerify;

const NOW: u64 = 1_700_000_000;
const BODY: &[u8] = br#"{"id":"evt_rot","type":"contact.created","payload":{}}"#;

/// The `key_index` reported for a request signed by `signer`, or the rejection kind.
async fn matched<S: Scheme + Clone>(
    verifier: &WebhookVerify<S>,
    signer: &WebhookVerify<S>,
) -> Result<u64, String> {
    let headers = signer.sign_at(BODY, at(NOW), "msg_rotation");
    let verifier = with_kind_header(verifier.clone().clock(fixed_clock(NOW)));
    let reply = send(verified_app(verifier), post_signed(headers, BODY)).await;
    match kind_of(&reply) {
        Some(kind) => Err(kind.to_owned()),
        None => {
            assert_eq!(reply.status, StatusCode::OK);
            Ok(reply.json()["key_index"].as_u64().unwrap())
        }
    }
}

/// With `make(new).also_accept(old).also_accept(older)`, each secret verifies with its
/// index and a fourth does not.
async fn assert_rotation<S, F>(make: F, secrets: [&'static str; 4])
where
    S: Scheme + Clone,
    F: Fn(&'static str) -> WebhookVerify<S>,
{
    let [new, old, older, unknown] = secrets;
    let verifier = make(new).also_accept(old).also_accept(older);
    assert_eq!(matched(&verifier, &make(new)).await, Ok(0));
    assert_eq!(matched(&verifier, &make(old)).await, Ok(1));
    assert_eq!(matched(&verifier, &make(older)).await, Ok(2));
    assert_eq!(
        matched(&verifier, &make(unknown)).await,
        Err("SignatureMismatch".to_owned())
    );
    // Without the rotation, the old secret is refused.
    assert_eq!(
        matched(&make(new), &make(old)).await,
        Err("SignatureMismatch".to_owned())
    );
}

#[tokio::test]
async fn rotation_with_the_default_scheme() {
    assert_rotation(
        |secret| WebhookVerify::new(secret).header(SIGNATURE_HEADER),
        ["new secret", "old secret", "older secret", "someone else"],
    )
    .await;
}

#[tokio::test]
async fn rotation_with_github() {
    assert_rotation(WebhookVerify::github, ["new", "old", "older", "other"]).await;
}

#[tokio::test]
async fn rotation_with_shopify() {
    assert_rotation(WebhookVerify::shopify, ["new", "old", "older", "other"]).await;
}

#[tokio::test]
async fn rotation_with_stripe() {
    assert_rotation(
        WebhookVerify::stripe,
        ["whsec_new", "whsec_old", "whsec_older", "whsec_other"],
    )
    .await;
}

#[tokio::test]
async fn rotation_with_slack() {
    assert_rotation(WebhookVerify::slack, ["new", "old", "older", "other"]).await;
}

#[tokio::test]
async fn rotation_with_standard() {
    assert_rotation(
        WebhookVerify::standard,
        [
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
            "whsec_dGhpcmQgc2VjcmV0IGtleQ==",
            "whsec_c29tZW9uZSBlbHNl",
        ],
    )
    .await;
}

#[tokio::test]
async fn rotation_with_ed25519_keys() {
    let key = |byte: u8| format!("whsk_{}", base64(&[byte; 32]));
    let public = |byte: u8| {
        let signing = ed25519_dalek::SigningKey::from_bytes(&[byte; 32]);
        format!("whpk_{}", base64(&signing.verifying_key().to_bytes()))
    };
    let verifier = WebhookVerify::standard_ed25519(public(1))
        .also_accept(public(2))
        .also_accept(public(3));
    for (byte, index) in [(1, 0), (2, 1), (3, 2)] {
        let signer = WebhookVerify::standard_ed25519(key(byte));
        assert_eq!(matched(&verifier, &signer).await, Ok(index));
    }
    let stranger = WebhookVerify::standard_ed25519(key(4));
    assert_eq!(
        matched(&verifier, &stranger).await,
        Err("SignatureMismatch".to_owned())
    );
}

#[tokio::test]
async fn stripe_header_signed_with_both_secrets_reports_the_first_configured_match() {
    // While Stripe rolls a secret it sends one `v1` per secret.
    let old = hex::encode(hmac_sha256(b"whsec_old", &[b"1700000000.", BODY]));
    let new = hex::encode(hmac_sha256(b"whsec_new", &[b"1700000000.", BODY]));
    let value = format!("t={NOW},v1={old},v1={new}");
    for (verifier, index) in [
        (
            WebhookVerify::stripe("whsec_new").also_accept("whsec_old"),
            0,
        ),
        (
            WebhookVerify::stripe("whsec_old").also_accept("whsec_new"),
            0,
        ),
        (
            WebhookVerify::stripe("whsec_other").also_accept("whsec_new"),
            1,
        ),
    ] {
        let verifier = verifier.clock(fixed_clock(NOW));
        let request = post_with(&[("stripe-signature", &value)], BODY);
        let reply = send(verified_app(verifier), request).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.json()["key_index"], index);
    }
}

#[tokio::test]
async fn signing_uses_the_first_secret() {
    let layer = WebhookVerify::github("new").also_accept("old");
    let headers = layer.sign(BODY);
    let expected = format!("sha256={}", hmac_hex(b"new", BODY));
    assert_eq!(headers["x-hub-signature-256"], expected.as_str());
}

#[tokio::test]
async fn standard_accepts_hmac_and_ed25519_keys_side_by_side() {
    let hmac_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let ed25519_secret = "whsk_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let ed25519_public = "whpk_A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=";
    let verifier = WebhookVerify::standard(hmac_secret).also_accept(ed25519_public);
    assert_eq!(
        matched(&verifier, &WebhookVerify::standard(hmac_secret)).await,
        Ok(0)
    );
    assert_eq!(
        matched(&verifier, &WebhookVerify::standard_ed25519(ed25519_secret)).await,
        Ok(1)
    );

    // One header carrying a wrong v1 and a right v1a: the v1a matches the second key.
    let ed25519 = WebhookVerify::standard_ed25519(ed25519_secret);
    let mut headers = ed25519.sign_at(BODY, at(NOW), "msg_mixed");
    let v1a = headers["webhook-signature"].to_str().unwrap().to_owned();
    let list = format!("v1,{} {v1a}", base64(&[0; 32]));
    headers.insert("webhook-signature", list.parse().unwrap());
    let verifier = verifier.clock(fixed_clock(NOW));
    let reply = send(verified_app(verifier), post_signed(headers, BODY)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["key_index"], 1);
}

/// The standard headers for `BODY` with `count - 1` wrong `v1` entries before the right one.
fn standard_with_signatures(count: usize) -> http::HeaderMap {
    let mut headers = WebhookVerify::standard("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").sign_at(
        BODY,
        at(NOW),
        "msg_many",
    );
    let right = headers["webhook-signature"].to_str().unwrap().to_owned();
    let wrong = format!("v1,{}", base64(&[7u8; 32]));
    let mut list = vec![wrong; count - 1];
    list.push(right);
    headers.insert("webhook-signature", list.join(" ").parse().unwrap());
    headers
}

#[tokio::test]
async fn at_most_eight_signatures_are_tried() {
    let verifier = with_kind_header(
        WebhookVerify::standard("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").clock(fixed_clock(NOW)),
    );
    let eight = send(
        verified_app(verifier.clone()),
        post_signed(standard_with_signatures(8), BODY),
    )
    .await;
    assert_eq!(eight.status, StatusCode::OK);
    let nine = send(
        verified_app(verifier),
        post_signed(standard_with_signatures(9), BODY),
    )
    .await;
    assert_eq!(kind_of(&nine), Some("MalformedHeader"));
    assert!(nine.text().contains("more than 8 signatures"));
}

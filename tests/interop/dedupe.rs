//! Dedupe behind every preset: a preset whose provider sends an event id handles a
//! delivery once and answers its repeat as a duplicate; a preset whose provider sends none
//! refuses dedupe when the layer is applied, instead of refusing every delivery. The
//! `dedupe_id` fact says which is which, so the README's providers table and the presets
//! agree.

use std::convert::Infallible;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Body;
use http::{Response, StatusCode};
use tower::{Layer as _, ServiceExt as _};
use tower_webhook::dedupe::{MemoryStore, DUPLICATE_HEADER};
use tower_webhook::scheme::AnyScheme;
use tower_webhook::{VerifiedBody, WebhookVerify};

use crate::providers::Provider;

/// The preset by name, with the URL of its sample request where it signs one.
fn preset(provider: &Provider, url: &str) -> WebhookVerify<AnyScheme> {
    let secret = &provider.verify_secret;
    WebhookVerify::preset(provider.name, secret)
        .or_else(|_| WebhookVerify::preset_with_url(provider.name, secret, url))
        .expect("every registered preset is built by name")
}

#[tokio::test]
async fn dedupe_keys_every_preset_on_its_event_id_or_is_refused_where_there_is_none() {
    for provider in crate::providers::all() {
        let mut request = (provider.request)();
        (provider.signer)(&provider.sign_secret).sign(&mut request, SystemTime::now(), "evt_1");
        let verify = preset(&provider, request.url()).dedupe(MemoryStore::new());
        let handled = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&handled);
        let handler = tower::service_fn(move |_: http::Request<VerifiedBody>| {
            count.fetch_add(1, Ordering::SeqCst);
            async { Ok::<_, Infallible>(Response::new(Body::empty())) }
        });
        let layered = quietly(|| verify.layer(handler));
        if provider.facts.dedupe_id == "none" {
            let panic = layered.expect_err(provider.name);
            let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
            assert!(
                message.contains("dedupe needs an event id"),
                "{}: {message}",
                provider.name
            );
            continue;
        }
        let service = layered.unwrap_or_else(|_| panic!("{} refused dedupe", provider.name));
        for attempt in 0..2 {
            let http = request.to_http().map(Body::from);
            let response = service.clone().oneshot(http).await.unwrap();
            assert_eq!(
                response.status(),
                StatusCode::OK,
                "{} #{attempt}",
                provider.name
            );
            let duplicate = response.headers().contains_key(DUPLICATE_HEADER);
            assert_eq!(duplicate, attempt == 1, "{} #{attempt}", provider.name);
        }
        assert_eq!(handled.load(Ordering::SeqCst), 1, "{}", provider.name);
    }
}

/// `work`'s value, or its panic without the panic's message on standard error.
fn quietly<T>(work: impl FnOnce() -> T) -> std::thread::Result<T> {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = catch_unwind(AssertUnwindSafe(work));
    std::panic::set_hook(report);
    outcome
}

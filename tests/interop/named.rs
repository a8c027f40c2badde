//! `WebhookVerify::preset` against this registry: the same names, and each named preset
//! verifies what the registry's preset signs.

use std::time::SystemTime;

use bytes::Bytes;
use tower_webhook::WebhookVerify;

use crate::providers;

/// The URL the registry's Square and Trello presets were given.
const URL: &str = "https://example.com/webhook";

#[test]
fn the_names_are_the_registrys() {
    let mut registry: Vec<&str> = providers::all().iter().map(|p| p.name).collect();
    registry.sort_unstable();
    assert_eq!(tower_webhook::preset_names(), registry);
}

#[test]
fn each_named_preset_verifies_what_the_registrys_signs() {
    let now = SystemTime::now();
    for provider in providers::all() {
        let mut request = (provider.request)();
        (provider.signer)(&provider.sign_secret).sign(&mut request, now, "evt_named_1");
        let secret = &provider.verify_secret;
        let named = match provider.name {
            "square" | "trello" => WebhookVerify::preset_with_url(provider.name, secret, URL),
            name => WebhookVerify::preset(name, secret),
        };
        let named = named.unwrap();
        let (head, body) = request.to_http().into_parts();
        if let Err(rejection) = named.verify_at(&head, Bytes::from(body), now) {
            panic!("{}: {rejection}", provider.name);
        }
    }
}

//! Choosing a provider by name and building its preset; signing a request with it.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::time::SystemTime;

use anyhow::{anyhow, bail, Context as _};
use bytes::Bytes;
use clap::builder::PossibleValuesParser;
use clap::Args;
use tower_webhook::scheme::AnyScheme;
use tower_webhook::WebhookVerify;

/// The name of the provider that is no preset: a hex HMAC-SHA256 of the body in one
/// header (`--header`), the scheme of the `{id, type, payload}` platforms.
pub(crate) const GENERIC: &str = "generic";

/// The header of the `generic` provider when `--header` does not say.
pub(crate) const GENERIC_HEADER: &str = "x-webhook-signature";

/// Whether the preset `name` is given the whole URL it signs (Square's notification URL,
/// Trello's callback URL) rather than a public URL the request's path is appended to.
pub(crate) fn signs_whole_url(name: &str) -> bool {
    matches!(name, "square" | "trello")
}

/// Which provider, with which secret.
#[derive(Debug, Clone, Args)]
pub(crate) struct ProviderArgs {
    /// The provider: a preset's name (github, stripe, slack, shopify, standard, ...) or
    /// `generic` (hex HMAC-SHA256 of the body in --header).
    #[arg(long, short, value_parser = provider_parser(false), hide_possible_values = true)]
    pub(crate) provider: String,
    /// The secret, in the form the provider shows it (braintree: public_key:private_key;
    /// meta: app_secret[:verify_token]).
    #[arg(long, short, env = "WEBHOOK_SECRET", hide_env_values = true)]
    pub(crate) secret: String,
    /// The signature header of the `generic` provider.
    #[arg(long, default_value = GENERIC_HEADER)]
    pub(crate) header: String,
}

impl ProviderArgs {
    /// The preset, for a provider that signs `url` (Square, Trello) or none.
    pub(crate) fn verify(&self, url: Option<&str>) -> anyhow::Result<WebhookVerify<AnyScheme>> {
        build(&self.provider, self.secret.as_bytes(), &self.header, url)
    }
}

/// Every name `--provider` takes: the presets', `generic`, and `auto` where asked for.
pub(crate) fn provider_names(with_auto: bool) -> Vec<&'static str> {
    let mut names = tower_webhook::preset_names();
    names.push(GENERIC);
    if with_auto {
        names.push("auto");
    }
    names
}

/// A parser that refuses an unknown provider, naming close ones.
pub(crate) fn provider_parser(with_auto: bool) -> PossibleValuesParser {
    PossibleValuesParser::new(provider_names(with_auto))
}

/// The preset `name` with `secret`: Square's and Trello's with `url` as the URL they sign.
/// A secret the preset cannot take is an error that says why.
pub(crate) fn build(
    name: &str,
    secret: &[u8],
    header: &str,
    url: Option<&str>,
) -> anyhow::Result<WebhookVerify<AnyScheme>> {
    let built = unpanic(|| {
        if name == GENERIC {
            return Ok(WebhookVerify::new(secret).try_header(header)?.into_any());
        }
        match url {
            Some(url) if signs_whole_url(name) => WebhookVerify::preset_with_url(name, secret, url),
            _ => WebhookVerify::preset(name, secret),
        }
    });
    let built = built.with_context(|| format!("the {name} preset refused its configuration"))?;
    built.map_err(|error| anyhow!("{error}"))
}

/// Signs `request` as `verify`'s provider would, at `at` with event id `id`, and checks
/// that the preset verifies what it signed (a provider whose signature is in the body is
/// not signed by headers).
pub(crate) fn sign_request(
    verify: &WebhookVerify<AnyScheme>,
    request: &mut http::Request<Vec<u8>>,
    at: SystemTime,
    id: &str,
) -> anyhow::Result<()> {
    unpanic(|| verify.sign_request_at(request, at, id)).context("signing the request")?;
    let head = request_head(request.method(), request.uri(), request.headers());
    if let Err(rejection) = verify.verify_at(&head, Bytes::from(request.body().clone()), at) {
        bail!("the signed request does not verify ({rejection}): this provider signs what headers cannot carry (a signature in the body) or needs its URL (--url)");
    }
    Ok(())
}

/// A request's head with this method, URI and headers, as `verify` takes it.
pub(crate) fn request_head(
    method: &http::Method,
    uri: &http::Uri,
    headers: &http::HeaderMap,
) -> http::request::Parts {
    let mut request = http::Request::new(());
    *request.method_mut() = method.clone();
    *request.uri_mut() = uri.clone();
    *request.headers_mut() = headers.clone();
    request.into_parts().0
}

thread_local! {
    /// Whether a panic on this thread is caught by [`unpanic`] and reported by it.
    static CATCHING: Cell<bool> = const { Cell::new(false) };
}

/// Makes the presets' configuration panics (an empty secret, a key that is not hex, ...)
/// silent where [`unpanic`] turns them into errors.
pub(crate) fn quiet_config_panics() {
    let default = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if !CATCHING.with(Cell::get) {
            default(info);
        }
    }));
}

/// Runs `work`, turning a panic into an error with its message.
pub(crate) fn unpanic<T>(work: impl FnOnce() -> T) -> anyhow::Result<T> {
    CATCHING.with(|catching| catching.set(true));
    let outcome = panic::catch_unwind(AssertUnwindSafe(work));
    CATCHING.with(|catching| catching.set(false));
    outcome.map_err(|payload| {
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| {
                payload
                    .downcast_ref::<&str>()
                    .map(|text| (*text).to_owned())
            })
            .unwrap_or_else(|| "an unexpected failure".to_owned());
        anyhow!(message)
    })
}

/// A secret shown without showing it: its first few characters (after a `whsec_`-style
/// prefix) and its length, enough to tell two apart.
pub(crate) fn fingerprint(secret: &[u8]) -> String {
    let text = String::from_utf8_lossy(secret);
    let prefix_len = ["whsec_", "whsk_", "whpk_"]
        .iter()
        .find(|prefix| text.starts_with(*prefix))
        .map_or(0, |prefix| prefix.len());
    // A quarter of the rest at most, and never more than three characters.
    let rest = text.chars().count() - prefix_len;
    let shown: String = text.chars().take(prefix_len + (rest / 4).min(3)).collect();
    format!("`{shown}…` ({} bytes)", secret.len())
}

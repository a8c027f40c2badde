//! The presets by name: [`WebhookVerify::preset`] and [`preset_names`], for a provider
//! chosen at run time.

use crate::error::ConfigError;
use crate::scheme::{AnyScheme, Scheme as _};
use crate::WebhookVerify;

/// The presets built from a secret alone, by their constructors' names.
const SHARED: &[&str] = &[
    "adyen",
    "airtable",
    "asana",
    "bitbucket",
    "box",
    "braintree",
    "cal_com",
    "calendly",
    "clerk",
    "cloudflare",
    "coinbase_commerce",
    "contentful",
    "docusign",
    "dropbox",
    "figma",
    "github",
    "gitlab",
    "hubspot",
    "intercom",
    "jira",
    "lemon_squeezy",
    "line",
    "linear",
    "mailgun",
    "meta",
    "mux",
    "netlify",
    "notion",
    "okta",
    "paddle",
    "pagerduty",
    "paystack",
    "persona",
    "polar",
    "postmark",
    "razorpay",
    "replicate",
    "resend",
    "sanity",
    "segment",
    "sentry",
    "shopify",
    "slack",
    "square",
    "standard",
    "stripe",
    "supabase",
    "telegram",
    "trello",
    "twilio",
    "twitch",
    "typeform",
    "vercel",
    "vonage",
    "webflow",
    "woocommerce",
    "workos",
    "xero",
    "zendesk",
    "zoom",
];

/// The presets that verify ed25519 signatures (feature `ed25519`).
#[cfg(feature = "ed25519")]
const ED25519: &[&str] = &["discord", "standard_ed25519", "telnyx"];
#[cfg(not(feature = "ed25519"))]
const ED25519: &[&str] = &[];

/// The presets that verify ECDSA signatures (feature `ecdsa`).
#[cfg(feature = "ecdsa")]
const ECDSA: &[&str] = &["sendgrid"];
#[cfg(not(feature = "ecdsa"))]
const ECDSA: &[&str] = &[];

/// The names [`WebhookVerify::preset`] knows with the features enabled, sorted: each is
/// the name of the preset's constructor (`github`, `stripe`, `cal_com`, `box`, ...).
/// AWS SNS is not among them: it verifies with certificates it fetches, not a secret
/// ([`WebhookVerify::aws_sns`]).
///
/// ```
/// let names = tower_webhook::preset_names();
/// assert!(names.contains(&"github") && names.contains(&"stripe"));
/// ```
pub fn preset_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = [SHARED, ED25519, ECDSA].concat();
    names.sort_unstable();
    names
}

impl WebhookVerify<AnyScheme> {
    /// The preset named `name` (one of [`preset_names`]), with `secret` in the form the
    /// preset's constructor takes it, behind [`AnyScheme`]: for a provider chosen at run
    /// time. Two presets take more than one secret, joined with a colon: `braintree`,
    /// `public_key:private_key`; `meta`, `app_secret:verify_token` (with the app secret
    /// alone, Meta's `GET` handshake is not answered). `square` and `trello` sign the URL
    /// they were given: use [`preset_with_url`](Self::preset_with_url).
    ///
    /// An unknown name is an error that names it.
    ///
    /// # Panics
    ///
    /// Where the preset's constructor does: an empty secret, or one not in the form the
    /// preset reads (a Standard Webhooks secret that is not `whsec_` and base64, a key that
    /// is not hex, ...).
    ///
    /// ```
    /// use tower_webhook::WebhookVerify;
    ///
    /// let layer = WebhookVerify::preset("github", "It's a Secret to Everybody").unwrap();
    /// let headers = layer.sign(b"{}");
    /// assert!(headers.contains_key("x-hub-signature-256"));
    ///
    /// let error = WebhookVerify::preset("githup", "secret").unwrap_err();
    /// assert!(error.to_string().contains("githup"));
    /// ```
    pub fn preset(name: &str, secret: impl AsRef<[u8]>) -> Result<Self, ConfigError> {
        build(name, secret.as_ref(), None)
    }

    /// [`preset`](Self::preset), for a provider that signs the URL it delivers to: `url`
    /// is Square's notification URL and Trello's callback URL, whole; for the others that
    /// sign a URL (Twilio, HubSpot, Contentful) it is their
    /// [`public_url`](Self::public_url), to which the request's path and query are
    /// appended. Presets that sign no URL ignore it.
    ///
    /// # Panics
    ///
    /// As [`preset`](Self::preset), and where `url` is not an absolute URL.
    ///
    /// ```
    /// use tower_webhook::WebhookVerify;
    ///
    /// let url = "https://example.com/webhooks/square";
    /// let layer = WebhookVerify::preset_with_url("square", "signature key", url).unwrap();
    /// assert!(layer.sign(b"{}").contains_key("x-square-hmacsha256-signature"));
    /// ```
    pub fn preset_with_url(
        name: &str,
        secret: impl AsRef<[u8]>,
        url: &str,
    ) -> Result<Self, ConfigError> {
        let verify = build(name, secret.as_ref(), Some(url))?;
        if verify.scheme().signs_url() && !matches!(name, "square" | "trello") {
            return Ok(verify.public_url(url));
        }
        Ok(verify)
    }
}

/// The preset `name`, with its URL where it has one.
fn build(
    name: &str,
    secret: &[u8],
    url: Option<&str>,
) -> Result<WebhookVerify<AnyScheme>, ConfigError> {
    let needs_url = || ConfigError::new(format!("the {name} preset signs a URL: give it one"));
    Ok(match name {
        "adyen" => WebhookVerify::adyen(secret).into_any(),
        "airtable" => WebhookVerify::airtable(secret).into_any(),
        "asana" => WebhookVerify::asana(secret).into_any(),
        "bitbucket" => WebhookVerify::bitbucket(secret).into_any(),
        "box" => WebhookVerify::r#box(secret).into_any(),
        "braintree" => braintree(secret)?,
        "cal_com" => WebhookVerify::cal_com(secret).into_any(),
        "calendly" => WebhookVerify::calendly(secret).into_any(),
        "clerk" => WebhookVerify::clerk(secret).into_any(),
        "cloudflare" => WebhookVerify::cloudflare(secret).into_any(),
        "coinbase_commerce" => WebhookVerify::coinbase_commerce(secret).into_any(),
        "contentful" => WebhookVerify::contentful(secret).into_any(),
        #[cfg(feature = "ed25519")]
        "discord" => WebhookVerify::discord(secret).into_any(),
        "docusign" => WebhookVerify::docusign(secret).into_any(),
        "dropbox" => WebhookVerify::dropbox(secret).into_any(),
        "figma" => WebhookVerify::figma(secret).into_any(),
        "github" => WebhookVerify::github(secret).into_any(),
        "gitlab" => WebhookVerify::gitlab(secret).into_any(),
        "hubspot" => WebhookVerify::hubspot(secret).into_any(),
        "intercom" => WebhookVerify::intercom(secret).into_any(),
        "jira" => WebhookVerify::jira(secret).into_any(),
        "lemon_squeezy" => WebhookVerify::lemon_squeezy(secret).into_any(),
        "line" => WebhookVerify::line(secret).into_any(),
        "linear" => WebhookVerify::linear(secret).into_any(),
        "mailgun" => WebhookVerify::mailgun(secret).into_any(),
        "meta" => meta(secret),
        "mux" => WebhookVerify::mux(secret).into_any(),
        "netlify" => WebhookVerify::netlify(secret).into_any(),
        "notion" => WebhookVerify::notion(secret).into_any(),
        "okta" => WebhookVerify::okta(secret).into_any(),
        "paddle" => WebhookVerify::paddle(secret).into_any(),
        "pagerduty" => WebhookVerify::pagerduty(secret).into_any(),
        "paystack" => WebhookVerify::paystack(secret).into_any(),
        "persona" => WebhookVerify::persona(secret).into_any(),
        "polar" => WebhookVerify::polar(secret).into_any(),
        "postmark" => WebhookVerify::postmark(secret).into_any(),
        "razorpay" => WebhookVerify::razorpay(secret).into_any(),
        "replicate" => WebhookVerify::replicate(secret).into_any(),
        "resend" => WebhookVerify::resend(secret).into_any(),
        "sanity" => WebhookVerify::sanity(secret).into_any(),
        "segment" => WebhookVerify::segment(secret).into_any(),
        #[cfg(feature = "ecdsa")]
        "sendgrid" => WebhookVerify::sendgrid(secret).into_any(),
        "sentry" => WebhookVerify::sentry(secret).into_any(),
        "shopify" => WebhookVerify::shopify(secret).into_any(),
        "slack" => WebhookVerify::slack(secret).into_any(),
        "square" => WebhookVerify::square(secret, url.ok_or_else(needs_url)?).into_any(),
        "standard" => WebhookVerify::standard(secret).into_any(),
        #[cfg(feature = "ed25519")]
        "standard_ed25519" => WebhookVerify::standard_ed25519(secret).into_any(),
        "stripe" => WebhookVerify::stripe(secret).into_any(),
        "supabase" => WebhookVerify::supabase(secret).into_any(),
        "telegram" => WebhookVerify::telegram(secret).into_any(),
        #[cfg(feature = "ed25519")]
        "telnyx" => WebhookVerify::telnyx(secret).into_any(),
        "trello" => WebhookVerify::trello(secret, url.ok_or_else(needs_url)?).into_any(),
        "twilio" => WebhookVerify::twilio(secret).into_any(),
        "twitch" => WebhookVerify::twitch(secret).into_any(),
        "typeform" => WebhookVerify::typeform(secret).into_any(),
        "vercel" => WebhookVerify::vercel(secret).into_any(),
        "vonage" => WebhookVerify::vonage(secret).into_any(),
        "webflow" => WebhookVerify::webflow(secret).into_any(),
        "woocommerce" => WebhookVerify::woocommerce(secret).into_any(),
        "workos" => WebhookVerify::workos(secret).into_any(),
        "xero" => WebhookVerify::xero(secret).into_any(),
        "zendesk" => WebhookVerify::zendesk(secret).into_any(),
        "zoom" => WebhookVerify::zoom(secret).into_any(),
        _ => return Err(ConfigError::new(format!("no preset is named `{name}`"))),
    })
}

/// Splits `first:second` at its first colon.
fn split_pair(secret: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = secret.iter().position(|&byte| byte == b':')?;
    Some((&secret[..colon], &secret[colon + 1..]))
}

/// Braintree from `public_key:private_key`.
fn braintree(secret: &[u8]) -> Result<WebhookVerify<AnyScheme>, ConfigError> {
    let (public_key, private_key) = split_pair(secret)
        .ok_or_else(|| ConfigError::new("the braintree preset takes public_key:private_key"))?;
    let public_key = std::str::from_utf8(public_key)
        .map_err(|_| ConfigError::new("the braintree public key is not UTF-8"))?;
    Ok(WebhookVerify::braintree(public_key, private_key).into_any())
}

/// Meta from `app_secret:verify_token`, or the app secret alone (no handshake then).
fn meta(secret: &[u8]) -> WebhookVerify<AnyScheme> {
    match split_pair(secret) {
        Some((app_secret, verify_token)) => {
            WebhookVerify::meta(app_secret, verify_token).into_any()
        }
        None => WebhookVerify::meta(secret, [0u8; 0])
            .into_any()
            .handshakes(false),
    }
}

//! `--provider auto`: which providers' headers a request has, and which one verifies.

use http::HeaderMap;
use tower_webhook::scheme::{RequestHead, Scheme as _, SignedContent};

use super::Case;
use crate::provider::{provider_names, unpanic, GENERIC};

/// Secrets in the forms the presets with encoded keys take, to read a request's headers
/// with when the one given does not fit (only the scheme's parsing is used).
const PLACEHOLDERS: [&str; 4] = [
    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
    "public:private",
];

/// The providers first in line when several fit equally: the most common senders.
const FIRST: [&str; 6] = ["github", "stripe", "slack", "shopify", "standard", GENERIC];

/// The provider whose headers the request has: of those whose scheme reads a signature
/// from it, the one that verifies with `secret`, else the one whose signed headers are
/// most of the request's.
pub(super) fn provider(case: &Case, secret: &[u8]) -> anyhow::Result<String> {
    let mut fitting: Vec<(&str, bool, usize)> = Vec::new();
    for name in provider_names(false) {
        let Some(score) = fit(case, name, secret) else {
            continue;
        };
        fitting.push((name, score.0, score.1));
    }
    fitting.sort_by_key(|(name, verifies, matched)| {
        let rank = FIRST
            .iter()
            .position(|first| first == name)
            .unwrap_or(FIRST.len());
        (!verifies, std::cmp::Reverse(*matched), rank, *name)
    });
    let Some((chosen, verifies, _)) = fitting.first().copied() else {
        anyhow::bail!("no provider's signature headers are in this request: give --provider");
    };
    let names: Vec<&str> = fitting.iter().map(|(name, ..)| *name).collect();
    say!(
        "· auto: the headers fit {}; {}",
        names.join(", "),
        if verifies {
            format!("{chosen}'s signature matches")
        } else {
            format!("none verifies it, so it is checked as {chosen}")
        }
    );
    Ok(chosen.to_owned())
}

/// Whether `name`'s scheme reads a signature from the request: whether it verifies, and
/// how many of the headers its signing writes the request has.
fn fit(case: &Case, name: &str, secret: &[u8]) -> Option<(bool, usize)> {
    let case = Case {
        provider: name.to_owned(),
        ..case.clone()
    };
    let candidates = std::iter::once(secret).chain(PLACEHOLDERS.iter().map(|p| p.as_bytes()));
    let layer = candidates
        .filter_map(|secret| case.layer(secret, None).ok())
        .next()?;
    let head = RequestHead::new(&case.method, &case.uri, &case.headers);
    let mut claims = layer.scheme().parse(&head).ok()?;
    let mut content = SignedContent::default();
    layer
        .scheme()
        .signed_content(&head, &mut claims, &case.body, &mut content)
        .ok()?;
    if claims.signatures.is_empty() {
        return None;
    }
    let verifies = case
        .verify(secret, None, &case.headers, &case.body, claims.timestamp)
        .is_ok();
    let written: HeaderMap = unpanic(|| layer.sign(b"{}")).unwrap_or_default();
    let matched = written
        .keys()
        .filter(|name| case.headers.contains_key(*name))
        .count();
    Some((verifies, matched))
}

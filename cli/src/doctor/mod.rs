//! `webhook doctor`: why a captured request verifies or not, cause by cause.
//!
//! It verifies the capture as a receiver with the preset would, and when that fails, tries
//! each likely cause in turn by undoing it (the header repeated, the clock, the signature's
//! encoding, the body changed on the way, the secret's form, the URL the sender signed)
//! and says which one makes the signature match. It never prints a secret or a signature
//! it computes: secrets are shown by their first few characters at most.

mod body;
mod detect;
mod secret;
mod signature;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use bytes::Bytes;
use clap::Args;
use http::{HeaderMap, Method, Uri};
use tower_webhook::scheme::{AnyScheme, Claims, RequestHead, Scheme as _, SignedContent};
use tower_webhook::{RejectionKind, WebhookVerify};

use crate::capture::Capture;
use crate::provider::{
    build, fingerprint, provider_parser, request_head, signs_whole_url, GENERIC_HEADER,
};

/// `webhook doctor`'s arguments.
#[derive(Debug, Args)]
pub(crate) struct DoctorArgs {
    /// The capture file (from `webhook listen --capture`).
    capture: PathBuf,
    /// The provider, or `auto` to tell it from the headers.
    #[arg(long, short, value_parser = provider_parser(true), hide_possible_values = true)]
    provider: String,
    /// The secret the receiver verifies with; give it again for more secrets to try.
    #[arg(
        long = "secret",
        value_name = "SECRET",
        short,
        required = true,
        env = "WEBHOOK_SECRET",
        hide_env_values = true
    )]
    secrets: Vec<String>,
    /// A secret that was in use before (rotated away), to try.
    #[arg(long = "old-secret", value_name = "SECRET")]
    old_secrets: Vec<String>,
    /// The signature header of the `generic` provider.
    #[arg(long, default_value = GENERIC_HEADER)]
    header: String,
    /// A public URL the sender may have signed (for providers that sign the URL); the
    /// captured Host with http:// and https:// is always tried.
    #[arg(long = "public-url", value_name = "URL")]
    public_urls: Vec<String>,
    /// The timestamp window, in seconds either way.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    tolerance: u64,
}

/// The captured request and how the receiver is configured.
#[derive(Clone)]
struct Case {
    provider: String,
    header: String,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Vec<u8>,
    tolerance: Duration,
    now: SystemTime,
    /// When the request was received, where the capture says.
    received_at: Option<SystemTime>,
}

/// What verifying one variant of the request says.
type Outcome = Result<(), String>;

impl Case {
    /// The receiver's layer with `secret`, taking `url` as the signed URL: the public URL,
    /// or Square's and Trello's whole URL.
    fn layer(&self, secret: &[u8], url: Option<&str>) -> anyhow::Result<WebhookVerify<AnyScheme>> {
        let whole_url = signs_whole_url(&self.provider);
        let default_url = self.https_url();
        let build_url = whole_url.then(|| url.unwrap_or(&default_url));
        let verify = build(&self.provider, secret, &self.header, build_url)?;
        let verify = match url {
            Some(url) if !whole_url && verify.scheme().signs_url() => {
                crate::provider::unpanic(|| verify.public_url(url))?
            }
            _ => verify,
        };
        Ok(verify.tolerance(self.tolerance))
    }

    /// Verifies the request with these headers and body, at `at` (or now).
    fn verify(
        &self,
        secret: &[u8],
        url: Option<&str>,
        headers: &HeaderMap,
        body: &[u8],
        at: Option<SystemTime>,
    ) -> Outcome {
        let layer = self
            .layer(secret, url)
            .map_err(|error| format!("{error:#}"))?;
        let head = request_head(&self.method, &self.uri, headers);
        let body = Bytes::copy_from_slice(body);
        layer
            .verify_at(&head, body, at.unwrap_or(self.now))
            .map(drop)
            .map_err(|rejection| rejection.to_string())
    }

    /// The captured Host, or `localhost`.
    fn host(&self) -> String {
        self.headers
            .get(http::header::HOST)
            .and_then(|host| host.to_str().ok())
            .unwrap_or("localhost")
            .to_owned()
    }

    /// `https://` with the captured Host, path and query: the URL a layer assumes.
    fn https_url(&self) -> String {
        format!("https://{}{}", self.host(), self.uri)
    }
}

/// The secrets given: the first is the receiver's.
struct Secrets {
    main: Vec<u8>,
    others: Vec<Vec<u8>>,
}

/// Runs `webhook doctor`: exits 0 when the capture verifies, 1 when it does not.
pub(crate) fn run(args: DoctorArgs) -> anyhow::Result<ExitCode> {
    let capture = Capture::read(&args.capture)?;
    let request = capture.to_request()?;
    let (head, body) = request.into_parts();
    let secrets = Secrets {
        main: args.secrets[0].as_bytes().to_vec(),
        others: args.secrets[1..]
            .iter()
            .chain(&args.old_secrets)
            .map(|secret| secret.as_bytes().to_vec())
            .collect(),
    };
    let mut case = Case {
        provider: args.provider.clone(),
        header: args.header.clone(),
        method: head.method,
        uri: head.uri,
        headers: head.headers,
        body,
        tolerance: Duration::from_secs(args.tolerance),
        now: SystemTime::now(),
        received_at: (capture.received_at > 0)
            .then(|| UNIX_EPOCH + Duration::from_secs(capture.received_at)),
    };
    say!(
        "capture {}: {} {}, {} body bytes, with the secret {}",
        args.capture.display(),
        case.method,
        case.uri,
        case.body.len(),
        fingerprint(&secrets.main)
    );
    if case.provider == "auto" {
        case.provider = detect::provider(&case, &secrets.main)?;
    }
    let verdict = diagnose(&case, &secrets, &args.public_urls)?;
    Ok(verdict)
}

/// Checks the capture as it is, then each likely cause in turn, and prints a diagnosis.
fn diagnose(case: &Case, secrets: &Secrets, public_urls: &[String]) -> anyhow::Result<ExitCode> {
    let layer = usable_layer(case, &secrets.main)?;
    let head = RequestHead::new(&case.method, &case.uri, &case.headers);
    if let Err(rejection) = layer.scheme().parse(&head) {
        if let Some(found) = header_fault(case, secrets, &rejection) {
            return Ok(conclude(Some(found)));
        }
    }
    if verifies_as_captured(case, secrets) {
        return Ok(ExitCode::SUCCESS);
    }
    let at = signed_at(&layer, case);
    let fits = [
        at.and_then(|signed_at| timestamp_fault(case, secrets, signed_at)),
        encoding_fault(case, secrets, at),
        body_fault(case, secrets, at),
        secret_fault(case, secrets, at),
        url_fault(case, &layer, secrets, public_urls, at),
    ];
    Ok(conclude(fits.into_iter().flatten().next()))
}

/// Whether the capture verifies as it is, now; says so either way.
fn verifies_as_captured(case: &Case, secrets: &Secrets) -> bool {
    match case.verify(&secrets.main, None, &case.headers, &case.body, None) {
        Ok(()) => {
            say!(
                "✓ it verifies as {}: nothing is wrong with it",
                case.provider
            );
            true
        }
        Err(reason) => {
            say!("✗ as {} it does not verify: {reason}", case.provider);
            false
        }
    }
}

/// A signature written in the other encoding, verified at `at`.
fn encoding_fault(case: &Case, secrets: &Secrets, at: Option<SystemTime>) -> Option<String> {
    let tries = signature::candidates(&case.headers).into_iter().map(|c| {
        let outcome = case.verify(&secrets.main, None, &c.headers, &case.body, at);
        (c.cause, outcome)
    });
    first_fit("the signature's encoding (hex or base64)", tries)
}

/// The body as the sender may have signed it, verified at `at`.
fn body_fault(case: &Case, secrets: &Secrets, at: Option<SystemTime>) -> Option<String> {
    let tries = body::candidates(&case.body).into_iter().map(|c| {
        let outcome = case.verify(&secrets.main, None, &case.headers, &c.body, at);
        (c.cause.to_owned(), outcome)
    });
    first_fit("the body, changed after signing", tries)
}

/// The secret in other forms, and the other secrets given, verified at `at`.
fn secret_fault(case: &Case, secrets: &Secrets, at: Option<SystemTime>) -> Option<String> {
    let mut candidates = secret::candidates(&secrets.main);
    candidates.extend(secrets.others.iter().map(|other| secret::rotated(other)));
    let tries = candidates.into_iter().map(|c| {
        let outcome = case.verify(&c.secret, None, &case.headers, &case.body, at);
        (c.cause, outcome)
    });
    first_fit("the secret's form, and other secrets", tries)
}

/// For a scheme that signs the URL: the URLs the sender may have signed, verified at `at`.
fn url_fault(
    case: &Case,
    layer: &WebhookVerify<AnyScheme>,
    secrets: &Secrets,
    public_urls: &[String],
    at: Option<SystemTime>,
) -> Option<String> {
    let whole_url = signs_whole_url(&case.provider);
    if !(layer.scheme().signs_url() || whole_url) {
        return None;
    }
    let tries = url_candidates(case, public_urls).into_iter().map(|url| {
        let outcome = case.verify(&secrets.main, Some(&url), &case.headers, &case.body, at);
        let cause = format!("the sender signed the URL {url}: configure it as the public URL");
        (cause, outcome)
    });
    first_fit("the URL the sender signed", tries)
}

/// A layer for reading the request's claims: with the secret given, or, where the preset
/// refuses it, with the first of its other forms that it takes.
fn usable_layer(case: &Case, secret: &[u8]) -> anyhow::Result<WebhookVerify<AnyScheme>> {
    let refused = match case.layer(secret, None) {
        Ok(layer) => return Ok(layer),
        Err(error) => error,
    };
    say!(
        "✗ the secret is not in the form {} takes: {refused:#}",
        case.provider
    );
    secret::candidates(secret)
        .iter()
        .find_map(|candidate| case.layer(&candidate.secret, None).ok())
        .with_context(|| format!("no form of the secret is one {} takes", case.provider))
}

/// A header missing, or repeated with one copy that verifies.
fn header_fault(
    case: &Case,
    secrets: &Secrets,
    rejection: &tower_webhook::Rejection,
) -> Option<String> {
    let name = rejection.header()?;
    match rejection.kind() {
        RejectionKind::MissingHeader => Some(format!(
            "the required header {name} is missing: the sender did not send it, something on the way dropped it, or {} did not send this request",
            case.provider
        )),
        RejectionKind::MalformedHeader if case.headers.get_all(name).iter().count() > 1 => {
            let values: Vec<_> = case.headers.get_all(name).iter().cloned().collect();
            say!("✗ the header {name} is there {} times: a scheme reads one", values.len());
            let copy = values.iter().position(|value| {
                let mut headers = case.headers.clone();
                headers.insert(name, value.clone());
                case.verify(&secrets.main, None, &headers, &case.body, Some(case.now)).is_ok()
            });
            Some(match copy {
                Some(index) => format!(
                    "the header {name} is repeated ({} values); with its value number {} alone it verifies: something on the way added a copy",
                    values.len(),
                    index + 1
                ),
                None => format!(
                    "the header {name} is repeated ({} values), and none of them alone verifies",
                    values.len()
                ),
            })
        }
        _ => None,
    }
}

/// When the request says it was signed, from its headers or its body.
fn signed_at(layer: &WebhookVerify<AnyScheme>, case: &Case) -> Option<SystemTime> {
    let head = RequestHead::new(&case.method, &case.uri, &case.headers);
    let mut claims: Claims = layer.scheme().parse(&head).ok()?;
    if claims.timestamp.is_none() {
        let mut content = SignedContent::default();
        let _ = layer
            .scheme()
            .signed_content(&head, &mut claims, &case.body, &mut content);
    }
    claims.timestamp
}

/// The signed timestamp against now (and against when it was received) and the window; a
/// fit if only the window refuses it.
fn timestamp_fault(case: &Case, secrets: &Secrets, signed_at: SystemTime) -> Option<String> {
    let (skew, direction) = distance(signed_at, case.now);
    let inside = skew <= case.tolerance;
    say!(
        "· the timestamp: signed {} {direction} now; the window is ±{}: it {}",
        human(skew),
        human(case.tolerance),
        if inside { "passes" } else { "does not pass" }
    );
    if inside {
        return None;
    }
    let at_receipt = case
        .received_at
        .map(|received| distance(signed_at, received));
    if let Some((skew, direction)) = at_receipt {
        say!(
            "  when it was received, it was signed {} {direction}",
            human(skew)
        );
    }
    let matches = case
        .verify(
            &secrets.main,
            None,
            &case.headers,
            &case.body,
            Some(signed_at),
        )
        .is_ok();
    let verdict = if matches {
        "matches"
    } else {
        "does not match either"
    };
    say!("  the signature {verdict} at the signed time");
    let late = at_receipt.is_some_and(|(skew, _)| skew <= case.tolerance);
    let why = if late {
        "it was inside the window when it was received: it is being checked late, as a replayed capture is"
    } else {
        "a delivery retried late, or a clock (the sender's or this one) off by that much"
    };
    matches.then(|| {
        format!(
            "timestamp skew: the signature matches, but it was made {} {direction} now, outside the ±{} window: {why} (`webhook replay --resign` sends it signed afresh)",
            human(skew),
            human(case.tolerance)
        )
    })
}

/// How far `signed_at` is from `then`, and which way.
fn distance(signed_at: SystemTime, then: SystemTime) -> (Duration, &'static str) {
    match then.duration_since(signed_at) {
        Ok(ago) => (ago, "before"),
        Err(ahead) => (ahead.duration(), "after"),
    }
}

/// The URLs the sender may have signed, other than the one a layer assumes.
fn url_candidates(case: &Case, public_urls: &[String]) -> Vec<String> {
    let whole_url = signs_whole_url(&case.provider);
    let host = case.host();
    let mut urls: Vec<String> = if whole_url {
        vec![format!("http://{host}{}", case.uri)]
    } else {
        vec![format!("http://{host}"), format!("https://{host}")]
    };
    urls.extend(public_urls.iter().cloned());
    urls
}

/// Prints one group of causes and returns the first that fits.
fn first_fit(group: &str, tries: impl Iterator<Item = (String, Outcome)>) -> Option<String> {
    for (cause, outcome) in tries {
        if outcome.is_ok() {
            say!("✓ {group}: {cause}");
            return Some(cause);
        }
    }
    say!("· {group}: no change of this kind makes it verify");
    None
}

/// Prints the diagnosis and gives the exit code of a request that does not verify.
fn conclude(fit: Option<String>) -> ExitCode {
    match fit {
        Some(cause) => say!("diagnosis: {cause}"),
        None => say!(
            "diagnosis: none of the likely causes fits: the secret is probably not the one that signed it, or another provider sent it"
        ),
    }
    ExitCode::FAILURE
}

/// A duration in words: `45 s`, `12 min 5 s`, `3 h 2 min`, `2 d 4 h`.
fn human(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min {} s", seconds / 60, seconds % 60),
        3600..86400 => format!("{} h {} min", seconds / 3600, seconds % 3600 / 60),
        _ => format!("{} d {} h", seconds / 86400, seconds % 86400 / 3600),
    }
}

//! `webhook sign`: the headers a provider would send with a body, or a curl command.

use std::io::Read as _;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context as _};
use clap::Args;
use http::{header, HeaderName, HeaderValue};

use crate::provider::{sign_request, ProviderArgs};

/// `webhook sign`'s arguments.
#[derive(Debug, Args)]
pub(crate) struct SignArgs {
    #[command(flatten)]
    provider: ProviderArgs,
    #[command(flatten)]
    signing: SigningArgs,
    /// Print a curl command that POSTs the signed body to this URL instead.
    #[arg(long, value_name = "URL")]
    curl: Option<String>,
    /// The URL the request goes to, for providers that sign it (Twilio, Square, ...).
    #[arg(long, conflicts_with = "curl")]
    url: Option<String>,
    /// The body, or `-` (the default) to read it from standard input.
    body: Option<String>,
}

/// How a request is signed: when, with which event id, as which content type.
#[derive(Debug, Clone, Args)]
pub(crate) struct SigningArgs {
    /// The signed timestamp, in seconds since the Unix epoch (default: now).
    #[arg(long, value_name = "SECONDS")]
    pub(crate) timestamp: Option<u64>,
    /// The event id, for providers whose headers carry one (default: a fresh one).
    #[arg(long)]
    pub(crate) id: Option<String>,
    /// The content type (default: JSON if the body is JSON, else form data if it looks
    /// like it, else text).
    #[arg(long)]
    pub(crate) content_type: Option<String>,
    /// Another header to send, `name: value` (repeatable), such as a provider's event type
    /// header.
    #[arg(long = "add-header", short = 'H', value_name = "NAME: VALUE", value_parser = parse_header_line)]
    pub(crate) add_headers: Vec<(String, String)>,
}

/// `name: value` as a header name and value.
fn parse_header_line(line: &str) -> Result<(String, String), String> {
    let (name, value) = line
        .split_once(':')
        .ok_or_else(|| format!("{line:?} is not `name: value`"))?;
    Ok((name.trim().to_owned(), value.trim().to_owned()))
}

impl SigningArgs {
    /// The time to sign at.
    pub(crate) fn at(&self) -> SystemTime {
        self.timestamp.map_or_else(SystemTime::now, |seconds| {
            UNIX_EPOCH + Duration::from_secs(seconds)
        })
    }

    /// The event id to sign with.
    pub(crate) fn event_id(&self) -> String {
        self.id.clone().unwrap_or_else(fresh_id)
    }
}

/// Runs `webhook sign`.
pub(crate) fn run(args: SignArgs) -> anyhow::Result<ExitCode> {
    let body = read_body(args.body.as_deref())?;
    let url = args.curl.as_deref().or(args.url.as_deref());
    let request = signed_request(&args.provider, &args.signing, url, body, &[])?;
    match &args.curl {
        Some(url) => say!("{}", curl_command(url, &request)?),
        None => {
            for (name, value) in request.headers() {
                say!("{name}: {}", String::from_utf8_lossy(value.as_bytes()));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A POST of `body` to `url` (or `/`), with `headers`, signed as `provider` would.
pub(crate) fn signed_request(
    provider: &ProviderArgs,
    signing: &SigningArgs,
    url: Option<&str>,
    body: Vec<u8>,
    headers: &[(String, String)],
) -> anyhow::Result<http::Request<Vec<u8>>> {
    let verify = provider.verify(url)?;
    let content_type = signing
        .content_type
        .clone()
        .unwrap_or_else(|| guess_content_type(&body).to_owned());
    let mut request = http::Request::post(url.unwrap_or("/"))
        .header(header::CONTENT_TYPE, content_type)
        .body(body)
        .with_context(|| format!("{:?} is not a URL", url.unwrap_or("/")))?;
    for (name, value) in headers.iter().chain(&signing.add_headers) {
        request.headers_mut().insert(
            HeaderName::from_bytes(name.as_bytes())?,
            HeaderValue::from_str(value)?,
        );
    }
    sign_request(&verify, &mut request, signing.at(), &signing.event_id())?;
    Ok(request)
}

/// The body from the argument, or standard input for `-` or none.
pub(crate) fn read_body(argument: Option<&str>) -> anyhow::Result<Vec<u8>> {
    match argument {
        Some("-") | None => {
            let mut body = Vec::new();
            std::io::stdin()
                .read_to_end(&mut body)
                .context("reading the body from standard input")?;
            Ok(body)
        }
        Some(text) => Ok(text.as_bytes().to_vec()),
    }
}

/// JSON, form data or text, by what the body looks like.
fn guess_content_type(body: &[u8]) -> &'static str {
    let looks_like_form =
        !body.is_empty() && body.contains(&b'=') && body.iter().all(|byte| byte.is_ascii_graphic());
    if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() {
        "application/json"
    } else if looks_like_form {
        "application/x-www-form-urlencoded"
    } else {
        "text/plain"
    }
}

/// A curl command that sends `request` to `url`.
fn curl_command(url: &str, request: &http::Request<Vec<u8>>) -> anyhow::Result<String> {
    let Ok(body) = std::str::from_utf8(request.body()) else {
        bail!("the body is not text: a curl command line cannot carry it");
    };
    let mut words = vec![
        "curl".to_owned(),
        "-sS".to_owned(),
        "-X".to_owned(),
        request.method().to_string(),
        quote(url)?,
    ];
    for (name, value) in request.headers() {
        let line = format!("{name}: {}", String::from_utf8_lossy(value.as_bytes()));
        words.push("-H".to_owned());
        words.push(quote(&line)?);
    }
    words.push("--data-raw".to_owned());
    words.push(quote(body)?);
    Ok(words.join(" "))
}

/// `text` quoted for a POSIX shell.
fn quote(text: &str) -> anyhow::Result<String> {
    Ok(shlex::try_quote(text)
        .context("a NUL byte cannot be passed to a shell")?
        .into_owned())
}

/// A new event id: `evt_` and the current time in nanoseconds, in hex.
pub(crate) fn fresh_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    format!("evt_{nanos:x}")
}

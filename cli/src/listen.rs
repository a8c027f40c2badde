//! `webhook listen`: a local receiver that verifies each delivery with the preset's layer,
//! prints it, and saves it with `--capture`.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::Context as _;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use clap::Args;
use tower_webhook::scheme::{AnyScheme, Scheme as _};
use tower_webhook::{EventRejection, Verified, WebhookEvent, WebhookVerify};

use crate::capture::Capture;
use crate::provider::{signs_whole_url, ProviderArgs};

/// The largest body received: GitHub's 25 MiB.
const MAX_BODY: usize = tower_webhook::GITHUB_MAX_BODY_SIZE;

/// `webhook listen`'s arguments.
#[derive(Debug, Args)]
pub(crate) struct ListenArgs {
    #[command(flatten)]
    provider: ProviderArgs,
    /// The port to listen on (0: any free one, which is printed).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Save every request, exactly as received, to a file in this directory.
    #[arg(long, value_name = "DIR")]
    capture: Option<PathBuf>,
    /// The URL the provider delivers to, for providers that sign it (default: this
    /// listener's http:// address). Square and Trello: the whole notification URL.
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
}

/// What the printing middleware shares.
struct Listener {
    capture_dir: Option<PathBuf>,
    count: AtomicU64,
}

/// The event a verified delivery carried, put in the response by the handler.
#[derive(Debug, Clone)]
struct Delivered {
    id: String,
    kind: String,
}

/// Why the layer refused a delivery, put in its response.
#[derive(Debug, Clone)]
struct Refused(String);

/// Runs `webhook listen` until interrupted.
pub(crate) async fn run(args: ListenArgs) -> anyhow::Result<ExitCode> {
    let listener = tokio::net::TcpListener::bind((args.bind, args.port))
        .await
        .with_context(|| format!("listening on {}:{}", args.bind, args.port))?;
    let address = format!("http://{}", listener.local_addr()?);
    let verify = receiver(&args, &address)?;
    if let Some(dir) = &args.capture {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let state = Arc::new(Listener {
        capture_dir: args.capture.clone(),
        count: AtomicU64::new(0),
    });
    let app = Router::new()
        .fallback(handle)
        .layer(verify)
        .layer(middleware::from_fn_with_state(state, record));
    say!("listening on {address} as {}", args.provider.provider);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(ExitCode::SUCCESS)
}

/// The preset's layer, answering a refusal with the layer's response and the reason.
fn receiver(args: &ListenArgs, address: &str) -> anyhow::Result<WebhookVerify<AnyScheme>> {
    let provider = args.provider.provider.as_str();
    let signed_url = args.public_url.as_deref().unwrap_or(address);
    let mut verify = args.provider.verify(Some(signed_url))?;
    if verify.scheme().signs_url() && !signs_whole_url(provider) {
        verify = crate::provider::unpanic(|| verify.public_url(signed_url))?;
    }
    Ok(verify.on_rejection_response(|rejection| {
        let mut response = rejection.to_response();
        response
            .extensions_mut()
            .insert(Refused(rejection.to_string()));
        response
    }))
}

/// The handler behind the layer: every verified delivery is answered 200.
async fn handle(
    _verified: Verified,
    event: Result<WebhookEvent, EventRejection>,
) -> impl IntoResponse {
    let delivered = match event {
        Ok(event) => Delivered {
            id: event.id().to_owned(),
            kind: event.kind().to_owned(),
        },
        Err(rejection) => Delivered {
            id: format!("(not read: {})", rejection.body_text()),
            kind: String::new(),
        },
    };
    (Extension(delivered), StatusCode::OK)
}

/// Reads the body once, saves the request, runs the layer, and prints the delivery.
async fn record(State(state): State<Arc<Listener>>, request: Request, next: Next) -> Response {
    let (head, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            "body too large or unreadable",
        )
            .into_response();
    };
    let capture = Capture::new(&head, &body);
    let number = state.count.fetch_add(1, Ordering::Relaxed) + 1;
    let saved = state
        .capture_dir
        .as_deref()
        .map(|dir| save(dir, number, &capture));
    let response = next
        .run(Request::from_parts(head, Body::from(body.clone())))
        .await;
    print_delivery(&capture, &body, &response, saved);
    response
}

/// Writes `capture` to a new file in `dir`.
fn save(dir: &Path, number: u64, capture: &Capture) -> anyhow::Result<PathBuf> {
    let path = dir.join(format!("{}-{number:04}.json", capture.received_at));
    capture.write(&path)?;
    Ok(path)
}

/// Prints one delivery: the request line, the verdict, the body, the answer.
fn print_delivery(
    capture: &Capture,
    body: &Bytes,
    response: &Response,
    saved: Option<anyhow::Result<PathBuf>>,
) {
    let received = std::time::UNIX_EPOCH + std::time::Duration::from_secs(capture.received_at);
    say!(
        "── {} {}  {}",
        capture.method,
        capture.uri,
        tower_webhook::scheme::format_rfc3339(received)
    );
    if let Some(refused) = response.extensions().get::<Refused>() {
        say!("refused: {}", refused.0);
    } else if let Some(event) = response.extensions().get::<Delivered>() {
        say!(
            "verified  id: {}  type: {}",
            or_none(&event.id),
            or_none(&event.kind)
        );
    } else {
        say!("answered by the layer (the provider's setup handshake)");
    }
    say!("{}", pretty(body));
    say!("→ {}", response.status());
    match saved {
        Some(Ok(path)) => say!("saved to {}", path.display()),
        Some(Err(error)) => say!("not saved: {error:#}"),
        None => {}
    }
    say!();
}

/// `text`, or `-` for nothing.
fn or_none(text: &str) -> &str {
    if text.is_empty() {
        "-"
    } else {
        text
    }
}

/// A body for reading: indented JSON, one form field a line, text, or its length.
pub(crate) fn pretty(body: &[u8]) -> String {
    if body.is_empty() {
        return "(empty body)".to_owned();
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        return serde_json::to_string_pretty(&value).unwrap_or_default();
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return format!("({} bytes, not text)", body.len());
    };
    if text.contains('=') && !text.contains(char::is_whitespace) {
        return form_urlencoded::parse(body)
            .map(|(name, value)| format!("{name} = {value}"))
            .collect::<Vec<_>>()
            .join("\n");
    }
    text.to_owned()
}

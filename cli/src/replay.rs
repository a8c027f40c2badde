//! `webhook replay`: send captured requests again, as captured or signed afresh.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::SystemTime;

use anyhow::Context as _;
use clap::Args;

use crate::capture::Capture;
use crate::provider::{build, sign_request, GENERIC_HEADER};
use crate::sign::fresh_id;

/// `webhook replay`'s arguments.
#[derive(Debug, Args)]
pub(crate) struct ReplayArgs {
    /// The capture files to send, in order.
    #[arg(required = true)]
    captures: Vec<PathBuf>,
    /// Where to send them.
    #[arg(long)]
    url: String,
    /// Sign each again with a fresh timestamp and event id (needs --provider and --secret).
    #[arg(long, requires_all = ["provider", "secret"])]
    resign: bool,
    /// The provider, to re-sign.
    #[arg(long, short, value_parser = crate::provider::provider_parser(false), hide_possible_values = true)]
    provider: Option<String>,
    /// The secret, to re-sign.
    #[arg(long, short, env = "WEBHOOK_SECRET", hide_env_values = true)]
    secret: Option<String>,
    /// The signature header of the `generic` provider.
    #[arg(long, default_value = GENERIC_HEADER)]
    header: String,
}

/// Runs `webhook replay`: exits 0 when every answer is 2xx, 1 otherwise.
pub(crate) async fn run(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let mut all_ok = true;
    for path in &args.captures {
        let capture = Capture::read(path)?;
        let mut request = capture.to_request()?;
        if args.resign {
            resign(&args, &mut request)?;
        }
        say!("── {} → {}", path.display(), args.url);
        let answer = crate::http_client::send(&args.url, request).await?;
        answer.print();
        all_ok &= answer.status.is_success();
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Signs `request` again, as sent to `--url`, now and with a fresh id.
fn resign(args: &ReplayArgs, request: &mut http::Request<Vec<u8>>) -> anyhow::Result<()> {
    let (Some(provider), Some(secret)) = (&args.provider, &args.secret) else {
        anyhow::bail!("--resign needs --provider and --secret");
    };
    let verify = build(provider, secret.as_bytes(), &args.header, Some(&args.url))?;
    let target: http::Uri = args.url.parse().context("--url is not a URL")?;
    *request.uri_mut() = target;
    sign_request(&verify, request, SystemTime::now(), &fresh_id())
}

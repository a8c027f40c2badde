//! `webhook send`: sign a body or a bundled example event and POST it.

use std::process::ExitCode;

use clap::Args;

use crate::examples::Example;
use crate::provider::ProviderArgs;
use crate::sign::{read_body, signed_request, SigningArgs};

/// `webhook send`'s arguments.
#[derive(Debug, Args)]
pub(crate) struct SendArgs {
    #[command(flatten)]
    provider: ProviderArgs,
    #[command(flatten)]
    signing: SigningArgs,
    /// Where to POST it.
    #[arg(long)]
    url: String,
    /// Send the bundled example event of this type (e.g. charge.succeeded, push).
    #[arg(long = "type", value_name = "TYPE", conflicts_with = "body")]
    kind: Option<String>,
    /// Change a field of the example event: a dotted path (numbers index arrays) and a
    /// JSON value or text; repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE", requires = "kind")]
    sets: Vec<String>,
    /// The body, or `-` (the default without --type) to read it from standard input.
    body: Option<String>,
}

/// Runs `webhook send`: exits 0 on a 2xx answer, 1 otherwise.
pub(crate) async fn run(args: SendArgs) -> anyhow::Result<ExitCode> {
    let (body, headers) = match &args.kind {
        Some(kind) => {
            let mut example = Example::find(&args.provider.provider, kind)?;
            example.set_all(&args.sets)?;
            (serde_json::to_vec(&example.body)?, example.header_pairs())
        }
        None => (read_body(args.body.as_deref())?, Vec::new()),
    };
    let url = args.url.as_str();
    let request = signed_request(&args.provider, &args.signing, Some(url), body, &headers)?;
    let answer = crate::http_client::send(url, request).await?;
    answer.print();
    Ok(exit_code(answer.status))
}

/// 0 for a 2xx status, 1 for any other.
pub(crate) fn exit_code(status: http::StatusCode) -> ExitCode {
    if status.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

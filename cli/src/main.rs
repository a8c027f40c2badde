//! `webhook`: sign, send, listen to, replay and diagnose webhook deliveries for every
//! provider [`tower_webhook`] has a preset for.
//!
//! See the README for a walk-through and the capture file format.

/// `println!` that ends the process quietly, as a closed pipe would, when standard output
/// is closed (`webhook doctor ... | head`), instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        match writeln!(std::io::stdout(), $($arg)*) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
            Err(error) => panic!("could not write to standard output: {error}"),
        }
    }};
}

mod capture;
mod doctor;
mod examples;
mod http_client;
mod listen;
mod provider;
mod replay;
mod send;
mod sign;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Sign, send, receive, replay and diagnose webhook deliveries, for every tower-webhook preset.
#[derive(Debug, Parser)]
#[command(name = "webhook", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the headers a provider would send with a body (or a curl command that sends it).
    Sign(sign::SignArgs),
    /// Sign a body, or a bundled example event, and POST it; print the response.
    Send(send::SendArgs),
    /// Receive deliveries on a local port, verify each and print it; save them with --capture.
    Listen(listen::ListenArgs),
    /// Send captured requests again, as captured or signed afresh.
    Replay(replay::ReplayArgs),
    /// Explain why a captured request verifies or not.
    Doctor(doctor::DoctorArgs),
}

fn main() -> ExitCode {
    provider::quiet_config_panics();
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Sign(args) => sign::run(args),
        Command::Send(args) => runtime().and_then(|rt| rt.block_on(send::run(args))),
        Command::Listen(args) => runtime().and_then(|rt| rt.block_on(listen::run(args))),
        Command::Replay(args) => runtime().and_then(|rt| rt.block_on(replay::run(args))),
        Command::Doctor(args) => doctor::run(args),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// The async runtime of the commands that talk HTTP.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

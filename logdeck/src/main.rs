//! `logdeck`: the dashboard server and every command-line tool, one binary.
//! The server is crate `server`, the producer and consumer clients crate
//! `client`, the benchmarks crate `bench`; this crate parses the command
//! line and runs the chosen one.

mod cli;
mod cmd;

use clap::Parser;
use cli::{Cli, Command};

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.into_command() {
        Command::Serve(args) => {
            init_tracing();
            tokio::runtime::Runtime::new()?.block_on(cmd::serve::run(*args))
        }
        Command::Replay(args) => {
            tokio::runtime::Runtime::new()?.block_on(client::replay::run(args))
        }
        Command::Sample(args) => cmd::sample::run(args),
        Command::Parse(args) => cmd::parse::run(args),
        Command::Bench(args) => {
            init_tracing();
            tokio::runtime::Runtime::new()?.block_on(bench::catalog::run(args))
        }
        Command::Run(args) => {
            let code = tokio::runtime::Runtime::new()?.block_on(client::run::run(args))?;
            std::process::exit(code)
        }
        Command::Token(args) => tokio::runtime::Runtime::new()?.block_on(cmd::token::run(args)),
        Command::BenchLive(args) => {
            init_tracing();
            tokio::runtime::Runtime::new()?.block_on(bench::live::run(args))
        }
        Command::BenchViewers(args) => {
            tokio::runtime::Runtime::new()?.block_on(bench::live::viewers(args))
        }
        Command::BenchSources(args) => {
            init_tracing();
            tokio::runtime::Runtime::new()?.block_on(bench::sources::run(args))
        }
        Command::Tail(args) => tokio::runtime::Runtime::new()?.block_on(client::tail::run(args)),
        Command::Import(args) => {
            init_tracing();
            tokio::runtime::Runtime::new()?.block_on(cmd::import::run(args))
        }
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("LOGDECK_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
}

//! `logdeck`: the dashboard server and its command-line tools.

use clap::Parser;
use server::cli::{Cli, Command};
use server::cmd;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.into_command() {
        Command::Serve(args) => {
            init_tracing();
            tokio::runtime::Runtime::new()?.block_on(cmd::serve::run(args))
        }
        Command::Sample(args) if args.replay.is_some() => {
            tokio::runtime::Runtime::new()?.block_on(cmd::replay::run(args))
        }
        Command::Sample(args) => cmd::sample::run(args),
        Command::Parse(args) => cmd::parse::run(args),
        Command::Bench(args) => {
            init_tracing();
            tokio::runtime::Runtime::new()?.block_on(cmd::bench::run(args))
        }
        Command::Run(args) => {
            let code = tokio::runtime::Runtime::new()?.block_on(cmd::run::run(args))?;
            std::process::exit(code)
        }
        Command::Token(args) => tokio::runtime::Runtime::new()?.block_on(cmd::token::run(args)),
        Command::BenchLive(args) => {
            init_tracing();
            tokio::runtime::Runtime::new()?.block_on(cmd::bench_live::run(args))
        }
        Command::Tail(args) => tokio::runtime::Runtime::new()?.block_on(cmd::tail::run(args)),
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

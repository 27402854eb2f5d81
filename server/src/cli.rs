//! Command-line interface: subcommands and their options (flags with
//! environment fallbacks).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// logdeck — a dashboard for the logs of streaming sessions.
///
/// Without a subcommand, `logdeck` serves the dashboard (`logdeck serve`).
#[derive(Debug, Parser)]
#[command(
    name = "logdeck",
    version,
    about,
    long_about = None,
    propagate_version = true,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of `serve`, accepted without the subcommand too.
    #[command(flatten)]
    pub serve: ServeArgs,
}

impl Cli {
    /// The subcommand to run: `serve` when none is named.
    pub fn into_command(self) -> Command {
        self.command.unwrap_or(Command::Serve(self.serve))
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the dashboard (default). On first start with an empty data
    /// directory, a sample corpus is generated so there is something to see.
    Serve(ServeArgs),
    /// Write a deterministic sample corpus: an inventory and its session logs.
    Sample(SampleArgs),
    /// Parse log files and print their counts, metrics and most common errors.
    Parse(ParseArgs),
}

/// Options of `logdeck serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LOGDECK_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// Directory holding the inventory and the local log store.
    #[arg(long, env = "LOGDECK_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Directory with the built browser bundle (`pkg/logdeck.js`, `.wasm`,
    /// `.css`). Default: `site/` beside the binary's target directory, else
    /// `target/site`.
    #[arg(long, env = "LOGDECK_SITE_ROOT")]
    pub site_root: Option<PathBuf>,
    /// Connections in the sample corpus generated on first start.
    #[arg(long, env = "LOGDECK_SAMPLE_CONNECTIONS", default_value_t = 1000)]
    pub sample_connections: usize,
    /// Do not generate a sample corpus when the data directory is empty.
    #[arg(long, env = "LOGDECK_NO_SAMPLE")]
    pub no_sample: bool,
}

/// Options of `logdeck sample`.
#[derive(Debug, Clone, Args)]
pub struct SampleArgs {
    /// Number of connections to generate.
    #[arg(long, short = 'n', default_value_t = 1000)]
    pub connections: usize,
    /// Seed: the same seed always gives the same bytes.
    #[arg(long, short = 's', default_value_t = 42)]
    pub seed: u64,
    /// Output directory (gets `inventory.json` and `logs/`).
    #[arg(long, short = 'o', env = "LOGDECK_DATA_DIR", default_value = "./data")]
    pub out: PathBuf,
    /// Do not draw a progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Options of `logdeck parse`.
#[derive(Debug, Clone, Args)]
pub struct ParseArgs {
    /// Log files to parse (`-` reads standard input).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print one JSON object per file (JSON Lines) instead of a text summary.
    #[arg(long)]
    pub json: bool,
    /// Include every metric point `[t, v]` (t in seconds since the first
    /// parsed line) under `metrics.<name>.points`.
    #[arg(long)]
    pub series: bool,
    /// How many of the most common error/warning templates to show.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
}

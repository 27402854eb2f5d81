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
    /// Import an inventory (JSON array, JSON Lines or CSV) into the catalog
    /// and queue its logs for indexing. Re-importing updates.
    Import(ImportArgs),
    /// Measure the catalog with many runs (page at any depth, user search,
    /// import) and the metrics of a large log, on the configured engine.
    Bench(BenchArgs),
}

/// Options of `logdeck bench`.
#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Catalog and stores (use a scratch data dir or database).
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Runs to generate and import when the catalog is empty.
    #[arg(long, default_value_t = 1_000_000)]
    pub runs: u64,
    /// Distinct users among them.
    #[arg(long, default_value_t = 50_000)]
    pub users: u64,
    /// Import again even if the catalog has runs.
    #[arg(long)]
    pub reimport: bool,
    /// Timed samples per figure.
    #[arg(long, default_value_t = 500)]
    pub samples: usize,
    /// Size of the generated log for the metrics figures, in bytes.
    #[arg(long, default_value_t = 5_000_000)]
    pub log_bytes: u64,
    /// Skip the catalog figures.
    #[arg(long)]
    pub skip_catalog: bool,
    /// Skip the log figures.
    #[arg(long)]
    pub skip_log: bool,
}

/// Where the catalog and the logs are: shared by `serve` and `import`.
#[derive(Debug, Clone, Args)]
pub struct StorageArgs {
    /// Directory holding the embedded catalog, the inventory and the local
    /// log store (`logs/`).
    #[arg(long, env = "LOGDECK_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Catalog database: `postgres://user@host/db`, or `sqlite:PATH`.
    /// Default: the SQLite file `catalog.db` in the data directory.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// A log store to read from besides the local `logs/` folder:
    /// `s3://bucket[/prefix][?endpoint=…&region=…&allow_http=true]`,
    /// `https://host/prefix`, or a folder. Repeat, or separate with commas
    /// in the environment variable. Nothing outside these is ever fetched.
    #[arg(long = "store", env = "LOGDECK_STORES", value_delimiter = ',')]
    pub stores: Vec<String>,
    /// Largest log read, in MiB.
    #[arg(long, env = "LOGDECK_MAX_LOG_MIB", default_value_t = 64)]
    pub max_log_mib: u64,
}

/// Options of `logdeck import`.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// The inventory file (`-` reads standard input).
    pub file: PathBuf,
    /// Catalog and stores.
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Do not draw a progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Options of `logdeck serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LOGDECK_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// Catalog and stores.
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Indexing workers in this process (0: index nothing here).
    #[arg(long, env = "LOGDECK_WORKERS", default_value_t = 2)]
    pub workers: usize,
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

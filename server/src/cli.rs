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
    /// Run a program and stream its output live to a logdeck server, passing
    /// it through to this terminal; exits with the program's exit code.
    /// Lines are kept until the server has stored them, so a network cut or
    /// a server restart loses nothing.
    Run(RunArgs),
    /// Print the lines of a live log, from the start, a seq or the last N,
    /// and with --follow keep printing them as they arrive.
    Tail(TailArgs),
    /// Create, list or revoke producer tokens (kept in the catalog, so every
    /// server sharing it accepts them).
    Token(TokenArgs),
    /// Measure live streaming on loopback (a server in this process): one
    /// producer's ingest rate, producer → viewer latency, many viewers.
    BenchLive(BenchLiveArgs),
}

/// Options of `logdeck token`.
#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: TokenAction,
}

/// `logdeck token` actions.
#[derive(Debug, Clone, Subcommand)]
pub enum TokenAction {
    /// Create a token named NAME and print it (only its hash is stored, so
    /// it is shown this once).
    Create {
        /// A name for the token (who or what uses it).
        name: String,
        /// The catalog.
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// List the tokens' names and when they were created.
    List {
        /// The catalog.
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Revoke the token named NAME.
    Revoke {
        /// Its name.
        name: String,
        /// The catalog.
        #[command(flatten)]
        storage: StorageArgs,
    },
}

/// Options of `logdeck bench-live`.
#[derive(Debug, Clone, Args)]
pub struct BenchLiveArgs {
    /// Use Redis Streams at this URL instead of the embedded store.
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: Option<String>,
    /// Lines for the ingest-rate figure.
    #[arg(long, default_value_t = 1_000_000)]
    pub lines: u64,
    /// Lines per second for the latency figures.
    #[arg(long, default_value_t = 1000)]
    pub rate: u64,
    /// Seconds the latency figures run.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Viewers of one stream for the last figure (1: skip it).
    #[arg(long, default_value_t = 1000)]
    pub viewers: usize,
}

/// Options of `logdeck run`.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Examples:\n  logdeck run --token $T -- make -j2\n  ./job.sh 2>&1 | logdeck run --token $T --stdin --name nightly-job"
)]
pub struct RunArgs {
    /// The logdeck server.
    #[arg(long, env = "LOGDECK_SERVER", default_value = "http://127.0.0.1:3000")]
    pub server: url::Url,
    /// Producer token (one of the server's --ingest-token).
    #[arg(long, env = "LOGDECK_TOKEN", hide_env_values = true)]
    pub token: String,
    /// A label `key=value` for the run; repeat for more.
    #[arg(long = "label", value_parser = parse_label)]
    pub labels: Vec<(String, String)>,
    /// Name shown for the run (default: the command line).
    #[arg(long)]
    pub name: Option<String>,
    /// The program is a streaming session writing its `client` or `server`
    /// log: its lines feed that log's charts live.
    #[arg(long, value_parser = ["client", "server"])]
    pub session: Option<String>,
    /// The connection whose session this is (with --session).
    #[arg(long, requires = "session")]
    pub connection: Option<i64>,
    /// Stream standard input instead of running a program (needs --name).
    #[arg(long, requires = "name", conflicts_with = "command")]
    pub stdin: bool,
    /// Do not print where the run can be watched, or retries.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// MiB of output not yet stored by the server kept in memory; past it,
    /// output waits in a file in --spool-dir.
    #[arg(long, default_value_t = 64, value_name = "MIB")]
    pub spool_memory: usize,
    /// GiB of output not yet stored by the server kept in all; past it the
    /// program waits on its output until the server catches up.
    #[arg(long, default_value_t = 4, value_name = "GIB")]
    pub spool_max: u64,
    /// Folder of the spool file (default: the system's temporary folder).
    #[arg(long, env = "LOGDECK_SPOOL_DIR", value_name = "DIR")]
    pub spool_dir: Option<std::path::PathBuf>,
    /// The program and its arguments (after `--`).
    #[arg(last = true, required_unless_present = "stdin")]
    pub command: Vec<String>,
}

fn parse_label(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("a label is key=value, not {s:?}")),
    }
}

/// Options of `logdeck tail`.
#[derive(Debug, Clone, Args)]
pub struct TailArgs {
    /// The run, optionally with the log: `RUN` or `RUN/LOG` (default log:
    /// `output`).
    pub log: String,
    /// The logdeck server.
    #[arg(long, env = "LOGDECK_SERVER", default_value = "http://127.0.0.1:3000")]
    pub server: url::Url,
    /// Start at this seq (line number).
    #[arg(long, conflicts_with = "last")]
    pub from: Option<u64>,
    /// Start with the last N lines.
    #[arg(long, short = 'n')]
    pub last: Option<u64>,
    /// Keep printing lines as they arrive, until the log is sealed.
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// Prefix each line with its capture time (UTC).
    #[arg(long, short = 't')]
    pub timestamps: bool,
    /// Prefix each line with its seq.
    #[arg(long)]
    pub seq: bool,
    /// Colour standard-error lines: auto (on a terminal), always, never.
    #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub color: String,
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
    /// Seconds one read of a log from S3 or HTTP may take in all (retries
    /// and body included); a store that hangs or trickles is cut off then.
    /// Redirects are never followed.
    #[arg(long, env = "LOGDECK_STORE_DEADLINE", default_value_t = 30)]
    pub store_deadline: u64,
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
    /// Live store: `redis://host:port/db` keeps live lines in Redis Streams
    /// (several servers can share it). Default: files under `live/` in the
    /// data directory.
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: Option<String>,
    /// A token producers must present (`logdeck run --token`). Repeat, or
    /// separate with commas in the environment variable. Without one the
    /// server takes no producers.
    #[arg(
        long = "ingest-token",
        env = "LOGDECK_INGEST_TOKENS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub ingest_tokens: Vec<String>,
    /// Seconds a live run may go without a connected producer or a line
    /// before it is sealed with status `lost`.
    #[arg(long, env = "LOGDECK_LIVE_SILENCE", default_value_t = 600)]
    pub live_silence: u64,
    /// Where finished live logs are archived: a location prefix in one of
    /// the stores, e.g. `s3://bucket/logdeck/` (also given as a --store).
    /// Default: the data dir's `logs/` folder. Servers sharing Redis and
    /// the catalog need a store they all read.
    #[arg(long, env = "LOGDECK_ARCHIVE_TO", value_name = "PREFIX")]
    pub archive_to: Option<String>,
    /// The URL people reach the dashboard at, e.g. `https://logs.example.com`
    /// behind a proxy. Requests are answered for IP addresses, `localhost`
    /// and these names only (others get 421), so a web page elsewhere cannot
    /// reach the server under a name of its own. Repeat, or separate with
    /// commas in the environment variable.
    #[arg(long = "public-url", env = "LOGDECK_PUBLIC_URL", value_delimiter = ',')]
    pub public_urls: Vec<url::Url>,
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
    /// Instead of writing a corpus, stream this session log to a server as
    /// a live run, at the pace its times give (divided by --speed).
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,
    /// How many times faster than written to replay.
    #[arg(long, default_value_t = 10.0, requires = "replay")]
    pub speed: f64,
    /// Which session log it is (default: told from its metric lines).
    #[arg(long, value_parser = ["client", "server"], requires = "replay")]
    pub session: Option<String>,
    /// The logdeck server to replay to.
    #[arg(long, env = "LOGDECK_SERVER", default_value = "http://127.0.0.1:3000")]
    pub server: url::Url,
    /// Producer token (one of the server's --ingest-token), for --replay.
    #[arg(long, env = "LOGDECK_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
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

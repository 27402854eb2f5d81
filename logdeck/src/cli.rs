//! Command-line interface: subcommands and their options (flags with
//! environment fallbacks).

use std::net::SocketAddr;
use std::path::PathBuf;

use bench::catalog::BenchArgs;
use bench::live::{BenchLiveArgs, ViewersArgs};
use bench::sources::BenchSourcesArgs;
use clap::{Args, Parser, Subcommand};
use client::replay::ReplayArgs;
use client::run::RunArgs;
use client::tail::TailArgs;
use server::storage::StorageArgs;

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
        self.command.unwrap_or(Command::Serve(Box::new(self.serve)))
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the dashboard (default). On first start with an empty data
    /// directory, a sample corpus is generated so there is something to see.
    Serve(Box<ServeArgs>),
    /// Write a deterministic sample corpus: an inventory and its session logs.
    Sample(SampleArgs),
    /// Parse log files and print their counts, metrics and most common errors.
    Parse(ParseArgs),
    /// Import an inventory (JSON array, JSON Lines or CSV) into the catalog
    /// and queue its logs for indexing. Re-importing updates.
    Import(ImportArgs),
    /// Measure the catalog with many runs (import, pages at any depth,
    /// search, templates, the population, indexing) and the metrics of a
    /// large log, on one engine or several, ending with each figure beside
    /// its goal.
    Bench(BenchArgs),
    /// Run a program and stream its output live to a logdeck server, passing
    /// it through to this terminal; exits with the program's exit code.
    /// Lines are kept until the server has stored them, so a network cut or
    /// a server restart loses nothing.
    Run(RunArgs),
    /// Stream a session log (client or server) to a logdeck server as a live
    /// run, at the pace its time stamps give (faster by --speed): its charts
    /// grow in the dashboard as its lines arrive.
    Replay(ReplayArgs),
    /// Print the lines of a live log, from the start, a seq or the last N,
    /// and with --follow keep printing them as they arrive.
    Tail(TailArgs),
    /// Create, list or revoke producer tokens (kept in the catalog, so every
    /// server sharing it accepts them).
    Token(TokenArgs),
    /// Measure live streaming on loopback (a server in this process): one
    /// producer's ingest rate, producer → viewer latency, many viewers.
    BenchLive(BenchLiveArgs),
    /// The viewers of `bench-live --viewers-apart`, in their own process:
    /// follows one run with many viewers and prints what they saw.
    #[command(hide = true)]
    BenchViewers(ViewersArgs),
    /// Measure new sessions from an S3 prefix (a server in this process
    /// polling an S3 server): the lag from a file's upload to its runs in
    /// /api/runs, and the rate sustained while pages are read.
    BenchSources(BenchSourcesArgs),
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
        /// What it may do: `producer` (stream runs with `logdeck run`, read
        /// them with `logdeck tail`) or `inventory` (send inventory entries
        /// to `POST /api/inventory`, nothing else).
        #[arg(long, default_value = "producer")]
        scope: model::TokenScope,
        /// The catalog.
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// List the tokens' names, scopes and when they were created.
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
    /// server takes only tokens made with `logdeck token create`. A token
    /// with less than 128 bits of entropy is refused.
    #[arg(
        long = "ingest-token",
        env = "LOGDECK_INGEST_TOKENS",
        value_delimiter = ',',
        hide_env_values = true,
        value_parser = server::live::tokens::strong_token
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
    /// How builds are compared and outlier sessions found.
    #[command(flatten)]
    pub population: PopulationArgs,
    /// What one connection may hold.
    #[command(flatten)]
    pub connections: ConnectionArgs,
    /// Who may use the dashboard.
    #[command(flatten)]
    pub auth: AuthArgs,
    /// Where new sessions come from.
    #[command(flatten)]
    pub intake: IntakeArgs,
}

/// Where new sessions come from besides `logdeck import`: inventory
/// sources polled by the server, entries sent to `POST /api/inventory`,
/// and logs uploaded after their entries.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "New sessions")]
pub struct IntakeArgs {
    /// An inventory source to poll: `[EVERY:]LOCATION`, LOCATION an
    /// inventory URL answering JSON, JSON Lines or CSV
    /// (`https://svc/api/inventory.csv`; fetched with ETag and
    /// If-Modified-Since, redirects not followed) or an S3 prefix where
    /// inventory files land (`s3://bucket/inventory/?endpoint=…`, options
    /// as for --store; each file imported once, by one server), and EVERY
    /// its own interval (`30s:https://…`). Repeat, or separate with commas
    /// in the environment variable.
    #[arg(long = "source", env = "LOGDECK_SOURCES", value_delimiter = ',',
        value_parser = clap::value_parser!(server::sources::SourceSpec))]
    pub sources: Vec<server::sources::SourceSpec>,
    /// Time between polls of a source that gives none (`30s`, `5m`, `1h`).
    #[arg(long, env = "LOGDECK_SOURCE_INTERVAL", default_value = "60s",
        value_parser = server::sources::parse_duration)]
    pub source_interval: std::time::Duration,
    /// How long a connection's log named by the inventory but not yet in
    /// its store is looked for (with backoff) before it counts as failed;
    /// meanwhile the table shows it as "not yet uploaded". `0s`: at once.
    #[arg(long, env = "LOGDECK_LATE_LOGS", default_value = "1d",
        value_parser = parse_window)]
    pub late_logs: std::time::Duration,
    /// Largest inventory read at once, in MiB: a body sent to
    /// `POST /api/inventory` (413 above it), an inventory URL's answer or
    /// a file of an S3 source.
    #[arg(long, env = "LOGDECK_MAX_INVENTORY_MIB", default_value_t = 64,
        value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub max_inventory_mib: u64,
}

/// `--late-logs`: a duration, or `0` (`0s`, `0h` …) for none.
fn parse_window(s: &str) -> Result<std::time::Duration, String> {
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    if digits > 0 && s[..digits].bytes().all(|b| b == b'0') {
        return Ok(std::time::Duration::ZERO);
    }
    server::sources::parse_duration(s)
}

/// How people are authenticated, and what their roles are (see the
/// README's "Sign-in and roles").
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Sign-in and roles")]
pub struct AuthArgs {
    /// How people are authenticated: `none` (whoever reaches the server may
    /// do anything; the default only while listening on a loopback
    /// address), `proxy` (a reverse proxy such as oauth2-proxy signs
    /// people in and names them in a header; needs --trusted-proxy) or
    /// `oidc` (people sign in with an OpenID Connect provider; needs
    /// --oidc-issuer, --oidc-client-id and --public-url).
    #[arg(long, env = "LOGDECK_AUTH", value_enum)]
    pub auth: Option<AuthKind>,
    /// The header a trusted proxy names the signed-in person in.
    #[arg(
        long,
        env = "LOGDECK_PROXY_USER_HEADER",
        default_value = "X-Forwarded-User"
    )]
    pub proxy_user_header: server::auth::proxy::HeaderName,
    /// The header a trusted proxy lists their groups in, separated by
    /// commas (`none`: groups are not read).
    #[arg(
        long,
        env = "LOGDECK_PROXY_GROUPS_HEADER",
        default_value = "X-Forwarded-Groups"
    )]
    pub proxy_groups_header: String,
    /// An address or network the proxy connects from (`10.0.0.5`,
    /// `10.0.0.0/8`); identity headers from anywhere else are ignored.
    /// Repeat, or separate with commas in the environment variable.
    #[arg(long = "trusted-proxy", env = "LOGDECK_TRUSTED_PROXIES", value_delimiter = ',',
        value_parser = server::auth::proxy::parse_net)]
    pub trusted_proxies: Vec<server::auth::proxy::IpNet>,
    /// `ROLE=GROUP`: members of GROUP get ROLE (viewer, editor or admin);
    /// a person in several groups gets the highest. Repeat, or separate
    /// with commas in the environment variable.
    #[arg(long = "role", env = "LOGDECK_ROLES", value_delimiter = ',',
        value_parser = server::auth::parse_role_rule)]
    pub roles: Vec<(String, model::Role)>,
    /// The role of a signed-in person whose groups have none: viewer,
    /// editor, admin, or `none` (they may do nothing).
    #[arg(long, env = "LOGDECK_DEFAULT_ROLE", default_value = "viewer", value_parser = parse_default_role)]
    pub default_role: DefaultRole,
    /// The OpenID Connect provider's issuer URL (its discovery document is
    /// under it at `/.well-known/openid-configuration`).
    #[arg(long, env = "LOGDECK_OIDC_ISSUER")]
    pub oidc_issuer: Option<url::Url>,
    /// This dashboard's client id at the provider. Register
    /// `PUBLIC_URL/auth/callback` as its redirect URI and
    /// `PUBLIC_URL/auth/signed-out` as its post-logout redirect URI.
    #[arg(long, env = "LOGDECK_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
    /// The client's secret (none: a public client, PKCE alone).
    #[arg(long, env = "LOGDECK_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,
    /// Scopes asked for besides `openid`.
    #[arg(
        long,
        env = "LOGDECK_OIDC_SCOPES",
        default_value = "profile email groups",
        value_delimiter = ' '
    )]
    pub oidc_scopes: Vec<String>,
    /// The claim that names the person (else `preferred_username`, `email`,
    /// `sub`).
    #[arg(
        long,
        env = "LOGDECK_OIDC_NAME_CLAIM",
        default_value = "preferred_username"
    )]
    pub oidc_name_claim: String,
    /// The claim that lists the person's groups (mapped by --role).
    #[arg(long, env = "LOGDECK_OIDC_GROUPS_CLAIM", default_value = "groups")]
    pub oidc_groups_claim: String,
    /// Hours a signed-in session lasts without being used; used past half
    /// of that it is renewed.
    #[arg(long, env = "LOGDECK_SESSION_HOURS", default_value_t = 12.0)]
    pub session_hours: f64,
}

/// `--default-role`: a role, or none at all.
#[derive(Debug, Clone, Copy)]
pub struct DefaultRole(pub Option<model::Role>);

/// `--auth` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthKind {
    None,
    Proxy,
    Oidc,
}

fn parse_default_role(s: &str) -> Result<DefaultRole, String> {
    if s == "none" {
        return Ok(DefaultRole(None));
    }
    s.parse()
        .map(|r| DefaultRole(Some(r)))
        .map_err(|e| format!("{e} or none"))
}

impl AuthArgs {
    /// The authentication for a server listening on `listen`: without
    /// `--auth`, nobody signs in on a loopback address, and any other
    /// address is refused (with how to choose).
    pub fn build(
        &self,
        listen: SocketAddr,
        public_urls: &[url::Url],
    ) -> anyhow::Result<server::auth::Auth> {
        use server::auth::oidc::{Oidc, OidcConfig};
        use server::auth::{Auth, AuthMode, RoleMap, proxy::Proxy};
        let roles = RoleMap {
            groups: self.roles.clone(),
            default: self.default_role.0,
        };
        let kind = match self.auth {
            Some(kind) => kind,
            None if listen.ip().is_loopback() => AuthKind::None,
            None => anyhow::bail!(
                "listening on {listen}, which other machines can reach, needs a way to know who \
                 people are: --auth oidc to sign them in with an OpenID Connect provider (with \
                 --oidc-issuer, --oidc-client-id and --public-url), --auth proxy behind a reverse \
                 proxy that signs them in (with --trusted-proxy ADDRESS), or --auth none to let \
                 anyone who reaches it do anything"
            ),
        };
        let mode = match kind {
            AuthKind::None => {
                if !listen.ip().is_loopback() {
                    tracing::warn!(%listen, "--auth none: anyone who reaches this address may read every log and manage tokens");
                }
                AuthMode::None
            }
            AuthKind::Proxy => {
                if self.trusted_proxies.is_empty() {
                    anyhow::bail!(
                        "--auth proxy needs --trusted-proxy: the address (or network) of the proxy, \
                         the only place identity headers are believed from"
                    );
                }
                let groups_header = match self.proxy_groups_header.trim() {
                    "" | "none" => None,
                    h => Some(h.parse().map_err(|_| {
                        anyhow::anyhow!("--proxy-groups-header {h:?} is not a header name")
                    })?),
                };
                AuthMode::Proxy(Proxy {
                    user_header: self.proxy_user_header.clone(),
                    groups_header,
                    trusted: self.trusted_proxies.clone(),
                    roles,
                })
            }
            AuthKind::Oidc => {
                let (Some(issuer), Some(client_id)) = (&self.oidc_issuer, &self.oidc_client_id)
                else {
                    anyhow::bail!(
                        "--auth oidc needs --oidc-issuer (the provider's issuer URL) and --oidc-client-id \
                         (this dashboard's client at the provider)"
                    );
                };
                let Some(public_url) = public_urls.first() else {
                    anyhow::bail!(
                        "--auth oidc needs --public-url: the address people open the dashboard at, \
                         under which the provider sends them back (PUBLIC_URL/auth/callback)"
                    );
                };
                if !(self.session_hours > 0.0 && self.session_hours <= 24.0 * 90.0) {
                    anyhow::bail!("--session-hours must be more than 0 and at most 2160 (90 days)");
                }
                AuthMode::Oidc(std::sync::Arc::new(Oidc::new(OidcConfig {
                    issuer: issuer.clone(),
                    client_id: client_id.clone(),
                    client_secret: self.oidc_client_secret.clone().filter(|s| !s.is_empty()),
                    public_url: public_url.clone(),
                    scopes: self
                        .oidc_scopes
                        .iter()
                        .filter(|s| !s.is_empty())
                        .cloned()
                        .collect(),
                    name_claim: self.oidc_name_claim.clone(),
                    groups_claim: self.oidc_groups_claim.clone(),
                    roles,
                    session: std::time::Duration::from_secs_f64(self.session_hours * 3600.0),
                })?))
            }
        };
        Ok(Auth { mode })
    }
}

/// What one connection may hold (see the README's Security section).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Connections")]
pub struct ConnectionArgs {
    /// Connections open at once; more are answered 503 and closed. Lowered
    /// to what the open-file limit allows (raised to its hard limit at
    /// start).
    #[arg(long, env = "LOGDECK_MAX_CONNECTIONS", default_value_t = server::listen::MAX_CONNECTIONS,
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_connections: usize,
    /// Seconds a connection may stay open with nothing sent either way and
    /// no request being handled (also the time to send the first byte).
    #[arg(long, env = "LOGDECK_IDLE_TIMEOUT", default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout: u64,
    /// Seconds a request's body may take to arrive.
    #[arg(long, env = "LOGDECK_BODY_TIMEOUT", default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..))]
    pub body_timeout: u64,
}

impl ConnectionArgs {
    /// The limits, with the connection cap fitted under `open_files`.
    pub fn limits(&self, open_files: u64) -> server::listen::Limits {
        let idle = std::time::Duration::from_secs(self.idle_timeout);
        server::listen::Limits {
            first_byte: idle.min(server::listen::Limits::default().first_byte),
            idle,
            body: std::time::Duration::from_secs(self.body_timeout),
            max_connections: self
                .max_connections
                .min(server::listen::connections_that_fit(open_files)),
            ..Default::default()
        }
    }
}

/// How builds are compared and outlier sessions found (the builds view,
/// `/api/builds`, the outlier filter).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Builds and outliers")]
pub struct PopulationArgs {
    /// A build differs from its baseline on a measure when the rank test's
    /// p-value, Holm-adjusted over every build × measure compared, is at
    /// most this.
    #[arg(long, env = "LOGDECK_REGRESSION_ALPHA", default_value_t = 0.01,
        value_parser = fraction_open)]
    pub regression_alpha: f64,
    /// …and when Cliff's delta (from -1 to 1) is at least this far from 0.
    #[arg(long, env = "LOGDECK_REGRESSION_MIN_DELTA", default_value_t = 0.2,
        value_parser = fraction_closed)]
    pub regression_min_delta: f64,
    /// Measured sessions a build (and its baseline) needs before it is
    /// compared; fewer say "too few sessions".
    #[arg(long, env = "LOGDECK_MIN_BUILD_SESSIONS", default_value_t = 20,
        value_parser = clap::value_parser!(u64).range(3..))]
    pub min_build_sessions: u64,
    /// A session is an outlier when a p95 lies this many robust standard
    /// deviations (1.4826 × MAD) above its build's median.
    #[arg(long, env = "LOGDECK_OUTLIER_SCORE", default_value_t = 5.0,
        value_parser = positive)]
    pub outlier_score: f64,
}

impl PopulationArgs {
    /// The rules these options give.
    pub fn rules(&self) -> model::PopulationRules {
        model::PopulationRules {
            alpha: self.regression_alpha,
            min_delta: self.regression_min_delta,
            min_sessions: self.min_build_sessions,
            outlier_score: self.outlier_score,
        }
    }
}

fn number(s: &str) -> Result<f64, String> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("{s:?} is not a number"))
}

/// A number strictly between 0 and 1.
fn fraction_open(s: &str) -> Result<f64, String> {
    let v = number(s)?;
    if v > 0.0 && v < 1.0 {
        Ok(v)
    } else {
        Err(format!("must be between 0 and 1 (exclusive), not {v}"))
    }
}

/// A number from 0 to 1.
fn fraction_closed(s: &str) -> Result<f64, String> {
    let v = number(s)?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("must be from 0 to 1, not {v}"))
    }
}

/// A number above 0.
fn positive(s: &str) -> Result<f64, String> {
    let v = number(s)?;
    if v > 0.0 {
        Ok(v)
    } else {
        Err(format!("must be above 0, not {v}"))
    }
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

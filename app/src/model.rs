//! Data shared by server and browser: what the JSON API and the page speak.

use serde::{Deserialize, Serialize};

/// The logs a run may have: a connection's client and server logs, or a
/// task's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogName {
    /// Written by the user's computer (latency, decode time).
    Client,
    /// Written by the VM that encodes the video (encode time and size).
    Server,
    /// What a task run's program printed, streamed live by its producer.
    Output,
}

impl LogName {
    /// A connection's two logs, client first.
    pub const CONNECTION: [LogName; 2] = [LogName::Client, LogName::Server];

    /// `client`, `server` or `output`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogName::Client => "client",
            LogName::Server => "server",
            LogName::Output => "output",
        }
    }

    /// Parses `client`, `server` or `output`.
    pub fn parse(s: &str) -> Option<LogName> {
        match s {
            "client" => Some(LogName::Client),
            "server" => Some(LogName::Server),
            "output" => Some(LogName::Output),
            _ => None,
        }
    }

    /// The logs a run of `kind` has.
    pub fn of_kind(kind: RunKind) -> &'static [LogName] {
        match kind {
            RunKind::Connection => &LogName::CONNECTION,
            RunKind::Task => &[LogName::Output],
        }
    }
}

/// What a run is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunKind {
    /// A streaming session's connection, from the inventory (client and
    /// server logs).
    #[default]
    Connection,
    /// A program run by a producer (`logdeck run`), one output log.
    Task,
}

impl RunKind {
    /// Parses the stored word.
    pub fn parse(s: &str) -> Option<RunKind> {
        match s {
            "connection" => Some(RunKind::Connection),
            "task" => Some(RunKind::Task),
            _ => None,
        }
    }
}

/// Where a run stands: imported from the inventory, or streamed live and
/// then finished.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Read from the inventory.
    #[default]
    Imported,
    /// Its producer is still streaming.
    Live,
    /// The program exited with code 0.
    Succeeded,
    /// The program exited with another code, or was killed by a signal.
    Failed,
    /// The producer went silent and the run was sealed without an end.
    Lost,
}

impl RunStatus {
    /// The word stored in the catalog.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Imported => "imported",
            RunStatus::Live => "live",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Lost => "lost",
        }
    }

    /// Parses the stored word.
    pub fn parse(s: &str) -> Option<RunStatus> {
        match s {
            "imported" => Some(RunStatus::Imported),
            "live" => Some(RunStatus::Live),
            "succeeded" => Some(RunStatus::Succeeded),
            "failed" => Some(RunStatus::Failed),
            "lost" => Some(RunStatus::Lost),
            _ => None,
        }
    }
}

/// Where a log stands in indexing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogState {
    /// The inventory names no such log.
    Missing,
    /// Named, not yet indexed.
    Pending,
    /// Fetched, parsed and summarised.
    Indexed,
    /// Indexing failed for good; the reason is recorded.
    Failed,
}

impl LogState {
    /// The word stored in the catalog.
    pub fn as_str(self) -> &'static str {
        match self {
            LogState::Missing => "missing",
            LogState::Pending => "pending",
            LogState::Indexed => "indexed",
            LogState::Failed => "failed",
        }
    }

    /// [`LogState::Missing`], for serde defaults.
    pub fn missing() -> LogState {
        LogState::Missing
    }

    /// Parses the stored word.
    pub fn parse(s: &str) -> Option<LogState> {
        match s {
            "missing" => Some(LogState::Missing),
            "pending" => Some(LogState::Pending),
            "indexed" => Some(LogState::Indexed),
            "failed" => Some(LogState::Failed),
            _ => None,
        }
    }
}

/// One run (a connection or a task) as the table shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// Unique id: the connection id, or from 10^12 up for tasks.
    pub id: i64,
    /// A connection, or a task run by a producer.
    #[serde(default)]
    pub kind: RunKind,
    /// Imported, live, or how a live run ended.
    #[serde(default)]
    pub status: RunStatus,
    /// A task's exit code, once it ended with one.
    #[serde(default)]
    pub exit_code: Option<i64>,
    /// A task's command line.
    #[serde(default)]
    pub command: Option<String>,
    /// A task's `key=value` labels, in key order.
    #[serde(default)]
    pub labels: Vec<(String, String)>,
    /// The user, when the inventory names one; a task's name.
    pub username: Option<String>,
    /// IP address of the server VM.
    pub ip: String,
    /// When the logs were received, as the inventory writes it.
    pub last_updated: String,
    /// `last_updated` as seconds since the Unix epoch (UTC); 0 when unreadable.
    pub updated_at: i64,
    /// Build id of the streaming protocol.
    pub version: Option<String>,
    /// Location of the client log, or `None` when there is none.
    pub client_log: Option<String>,
    /// Location of the server log, or `None` when there is none.
    pub server_log: Option<String>,
    /// Indexing state of the client log.
    pub client_state: LogState,
    /// Indexing state of the server log.
    pub server_state: LogState,
    /// Location of a task's archived output, once its run has ended.
    #[serde(default)]
    pub output_log: Option<String>,
    /// Indexing state of a task's archived output.
    #[serde(default = "LogState::missing")]
    pub output_state: LogState,
    /// Counted lines over the indexed logs; `None` before any is indexed.
    pub lines: Option<i64>,
    /// ERROR lines over the indexed logs.
    pub errors: Option<i64>,
    /// WARNING lines over the indexed logs.
    pub warnings: Option<i64>,
    /// `errors` as a percentage of `lines`.
    pub error_pct: Option<f64>,
    /// Median network latency in seconds (client log).
    pub latency_p50: Option<f64>,
    /// 95th percentile network latency in seconds (client log).
    pub latency_p95: Option<f64>,
    /// Latency over the session, reduced to a few values for a sparkline.
    pub sparkline: Vec<f32>,
    /// Bookmarked by someone on this server.
    pub bookmarked: bool,
}

impl Run {
    /// The location and state of one of the logs.
    pub fn log(&self, name: LogName) -> (Option<&str>, LogState) {
        match name {
            LogName::Client => (self.client_log.as_deref(), self.client_state),
            LogName::Server => (self.server_log.as_deref(), self.server_state),
            LogName::Output => (self.output_log.as_deref(), self.output_state),
        }
    }

    /// For a task streaming a session's log (label `session=client` or
    /// `session=server`), which log it is: its lines feed that log's charts.
    pub fn session(&self) -> Option<LogName> {
        self.labels
            .iter()
            .find(|(k, _)| k == SESSION_LABEL)
            .and_then(|(_, v)| LogName::parse(v))
            .filter(|n| *n != LogName::Output)
    }
}

/// The label naming the session log a task streams (`client` or `server`).
pub const SESSION_LABEL: &str = "session";
/// The label naming the connection whose session a task streams.
pub const CONNECTION_LABEL: &str = "connection";

/// Orders the run list can take.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Most recently updated first.
    #[default]
    Newest,
    /// Least recently updated first.
    Oldest,
    /// Highest error percentage first (unindexed last).
    Errors,
    /// Highest 95th percentile latency first (unknown last).
    LatencyP95,
}

impl Sort {
    /// Every order, for menus and parameter errors.
    pub const ALL: [Sort; 4] = [Sort::Newest, Sort::Oldest, Sort::Errors, Sort::LatencyP95];

    /// The name used in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Newest => "newest",
            Sort::Oldest => "oldest",
            Sort::Errors => "errors",
            Sort::LatencyP95 => "latency_p95",
        }
    }

    /// Parses the name used in URLs.
    pub fn parse(s: &str) -> Option<Sort> {
        Sort::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// Which runs to list, in which order, from where.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunQuery {
    /// Case-insensitive substring of the username.
    pub user: Option<String>,
    /// Only runs with at least one ERROR line.
    pub has_errors: bool,
    /// Only runs whose client log is missing.
    pub missing_client: bool,
    /// Only runs whose server log is missing.
    pub missing_server: bool,
    /// Only runs of this protocol build.
    pub version: Option<String>,
    /// Only bookmarked runs.
    pub bookmarked: bool,
    /// Order of the list.
    pub sort: Sort,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
    /// Rows wanted (1 to [`MAX_PAGE`]).
    pub limit: u32,
}

/// A page of runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunPage {
    /// The rows of this page.
    pub rows: Vec<Run>,
    /// Pass as `after` to get the next page; `None` on the last page.
    pub next: Option<String>,
    /// The newest event's seq when the first page was read (0 on later
    /// pages): follow the event feed from here to miss no change since.
    #[serde(default)]
    pub event_seq: i64,
}

/// Largest page the server returns.
pub const MAX_PAGE: u32 = 500;

/// Totals over the whole catalog.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Number of runs.
    pub connections: i64,
    /// Runs with a client log.
    pub client_logs: i64,
    /// Runs with a server log.
    pub server_logs: i64,
    /// Distinct usernames.
    pub users: i64,
    /// Logs indexed so far.
    pub indexed_logs: i64,
    /// ERROR lines over all indexed logs.
    pub errors: i64,
    /// WARNING lines over all indexed logs.
    pub warnings: i64,
}

/// Summary statistics of one metric of one log: count, min, max, mean,
/// p50, p95, p99 (all but `count` are `None` with no points), as the parser
/// computes them.
pub use logparse::Stats as MetricStats;

/// One error or warning message template of a log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateCount {
    /// `ERROR` or `WARNING`.
    pub level: String,
    /// The message with numbers, hex, ids and paths replaced by placeholders.
    pub template: String,
    /// Lines with this template.
    pub count: u64,
    /// The first message with this template, as written.
    pub example: String,
    /// Line number (1-based) of the first such message.
    pub first_line: u64,
}

/// What indexing learned about one log.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LogSummary {
    /// Size of the log in bytes.
    pub bytes: u64,
    /// Counted (non-blank) lines.
    pub lines: u64,
    /// Lines in the `TIME | LEVEL | FILE | FUNCTION:LINE | MESSAGE` form.
    pub parsed: u64,
    /// Counted lines not in that form.
    pub malformed: u64,
    /// DEBUG lines.
    pub debug: u64,
    /// INFO lines.
    pub info: u64,
    /// WARNING lines.
    pub warnings: u64,
    /// ERROR lines.
    pub errors: u64,
    /// Seconds from the first to the last parsed line.
    pub duration_s: f64,
    /// Network latency in seconds.
    pub latency: MetricStats,
    /// Decode time per frame in seconds.
    pub decode_time: MetricStats,
    /// Encode time per frame in seconds.
    pub encode_time: MetricStats,
    /// Encode size per frame in bytes.
    pub encode_size: MetricStats,
    /// Most frequent error and warning templates, most frequent first.
    pub templates: Vec<TemplateCount>,
    /// Latency over the session, reduced to a few values.
    pub sparkline: Vec<f32>,
}

impl LogSummary {
    /// ERROR lines as a percentage of counted lines (0 for an empty log).
    pub fn error_pct(&self) -> f64 {
        percent(self.errors, self.lines)
    }
}

/// `part` as a percentage of `whole`; 0 when `whole` is 0.
pub fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// One log of a run, with its summary once indexed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogInfo {
    /// `client` or `server`.
    pub name: LogName,
    /// Where the log is stored; `None` when missing.
    pub location: Option<String>,
    /// Indexing state.
    pub state: LogState,
    /// Why indexing failed, when it did.
    pub reason: Option<String>,
    /// What indexing found.
    pub summary: Option<LogSummary>,
}

/// One run with both of its logs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunDetail {
    /// The run as the table shows it.
    pub run: Run,
    /// A connection's client log, then server log; or a task's output.
    pub logs: Vec<LogInfo>,
    /// The bookmark's note, when the run is bookmarked.
    pub bookmark_note: Option<String>,
}

/// Counts of indexing jobs by state, and the latest failures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobStatus {
    /// Waiting for a worker (including retries not yet due).
    pub queued: i64,
    /// Leased by a worker.
    pub running: i64,
    /// Finished.
    pub done: i64,
    /// Failed for good.
    pub failed: i64,
    /// The most recent failures, newest first.
    pub recent_failures: Vec<JobFailure>,
}

/// A job that failed for good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobFailure {
    /// The run of the log.
    pub run_id: i64,
    /// Which log.
    pub log: LogName,
    /// Where it was read from.
    pub location: String,
    /// Why it failed.
    pub reason: String,
    /// Attempts made.
    pub attempts: i64,
    /// When it failed, in milliseconds since the Unix epoch.
    pub at_ms: i64,
}

/// A bookmarked run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bookmark {
    /// The run.
    pub run_id: i64,
    /// Free text.
    pub note: String,
    /// When it was set, in milliseconds since the Unix epoch.
    pub created_ms: i64,
}

/// Something that happened, in the order it happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the feed; strictly increasing.
    pub seq: i64,
    /// When, in milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// `log.indexed`, `index.failed`, …
    pub topic: String,
    /// Details, by topic.
    pub payload: serde_json::Value,
}

/// An error or warning template over all logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopTemplate {
    /// `ERROR` or `WARNING`.
    pub level: String,
    /// The normalised message.
    pub template: String,
    /// Lines with it, over all logs.
    pub count: i64,
    /// Runs with at least one such line.
    pub runs: i64,
}

/// One run in the errors-versus-latency scatter.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ErrorLatencyPoint {
    /// The run.
    pub run_id: i64,
    /// ERROR lines as a percentage of its lines.
    pub error_pct: f64,
    /// Its median latency in seconds.
    pub latency_p50: f64,
}

/// Whether runs with more errors have higher latency.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorsVsLatency {
    /// Runs with both figures known.
    pub runs: u64,
    /// Pearson correlation of error % and median latency; `None` under 2 runs
    /// or when either is constant.
    pub pearson: Option<f64>,
    /// Spearman rank correlation (ties get their average rank).
    pub spearman: Option<f64>,
    /// Points to plot: every run, or an even sample of them.
    pub points: Vec<ErrorLatencyPoint>,
}

/// A histogram bucket.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    /// Lower bound (inclusive).
    pub lo: f64,
    /// Upper bound (exclusive; inclusive for the last bucket).
    pub hi: f64,
    /// Values in it.
    pub count: u64,
}

/// Distribution of one value over runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// Runs with the value known.
    pub runs: u64,
    /// Equal-width buckets from the smallest value to the largest.
    pub buckets: Vec<Bucket>,
}

/// A metric's points, possibly reduced for display.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// `latency`, `decode_time`, `encode_time` or `encode_size`.
    pub metric: String,
    /// `s` or `bytes`.
    pub unit: String,
    /// Points in the log.
    pub total: u64,
    /// Whether `points` is reduced (min and max kept per bucket).
    pub downsampled: bool,
    /// `[t, v]`: seconds since the log's first parsed line, and the value.
    pub points: Vec<[f64; 2]>,
    /// Statistics over every point.
    pub stats: MetricStats,
}

/// One line of a log, as the viewer shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// Line number, 1-based, counting every line of the file.
    pub n: u64,
    /// Level of a well-formed line.
    pub level: Option<String>,
    /// The line as written (invalid UTF-8 replaced).
    pub text: String,
}

/// A page of log lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinePage {
    /// Lines in the file.
    pub total: u64,
    /// The lines of this page, in order.
    pub lines: Vec<LogLine>,
    /// Line number to continue from; `None` at the end of the file.
    pub next: Option<u64>,
}

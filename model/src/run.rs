//! Runs: what a run is, where it stands, and the lists the table reads.

use crate::Level;
use serde::{Deserialize, Serialize};

use words::words;

words! {
    /// The logs a run may have: a connection's client and server logs, or a
    /// task's output.
    pub enum LogName {
        /// Written by the user's computer (latency, decode time).
        Client = "client",
        /// Written by the VM that encodes the video (encode time and size).
        Server = "server",
        /// What a task run's program printed, streamed live by its producer.
        Output = "output",
    }
}

impl LogName {
    /// A connection's two logs, client first.
    pub const CONNECTION: [LogName; 2] = [LogName::Client, LogName::Server];

    /// The logs a run of `kind` has.
    pub fn of_kind(kind: RunKind) -> &'static [LogName] {
        match kind {
            RunKind::Connection => &LogName::CONNECTION,
            RunKind::Task => &[LogName::Output],
        }
    }
}

words! {
    /// The file format of an export of the run list.
    #[derive(Default)]
    pub enum ExportFormat {
        /// Comma-separated values with a header row (RFC 4180 quoting).
        #[default]
        Csv = "csv",
        /// One JSON object per line, each run as the list gives it.
        Jsonl = "jsonl",
    }
}

words! {
    /// What a run is.
    #[derive(Default)]
    pub enum RunKind {
        /// A streaming session's connection, from the inventory (client and
        /// server logs).
        #[default]
        Connection = "connection",
        /// A program run by a producer (`logdeck run`), one output log.
        Task = "task",
    }
}

words! {
    /// Where a run stands: imported from the inventory, or streamed live and
    /// then finished.
    #[derive(Default)]
    pub enum RunStatus {
        /// Read from the inventory.
        #[default]
        Imported = "imported",
        /// Its producer is still streaming.
        Live = "live",
        /// The program exited with code 0.
        Succeeded = "succeeded",
        /// The program exited with another code, or was killed by a signal.
        Failed = "failed",
        /// The producer went silent and the run was sealed without an end.
        Lost = "lost",
    }
}

impl RunStatus {
    /// Whether the run has ended (a producer can no longer change it).
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            RunStatus::Succeeded | RunStatus::Failed | RunStatus::Lost
        )
    }
}

words! {
    /// Where a log stands in indexing.
    pub enum LogState {
        /// The inventory names no such log.
        Missing = "missing",
        /// Named, not yet indexed.
        Pending = "pending",
        /// Named, but not in its store yet: looked for again, with backoff,
        /// until the server's wait for late logs (`--late-logs`) ends.
        Awaited = "awaited",
        /// Fetched, parsed and summarised.
        Indexed = "indexed",
        /// Indexing failed for good; the reason is recorded.
        Failed = "failed",
    }
}

impl LogState {
    /// [`LogState::Missing`], for serde defaults.
    pub fn missing() -> LogState {
        LogState::Missing
    }
}

/// One run (a connection or a task) as the table shows it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// A task's `key=value` labels, in key order, each `[key, value]`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Vec<String>>))]
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
    /// The measure on which the session lies farthest above its build,
    /// when it lies beyond the outlier threshold (see [`crate::OutlierNote`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlier: Option<crate::Measure>,
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
            .and_then(|(_, v)| v.parse::<LogName>().ok())
            .filter(|n| *n != LogName::Output)
    }
}

/// The label naming the session log a task streams (`client` or `server`).
pub const SESSION_LABEL: &str = "session";
/// The label naming the connection whose session a task streams.
pub const CONNECTION_LABEL: &str = "connection";

words! {
    /// Orders the run list can take.
    #[derive(Default)]
    pub enum Sort {
        /// Most recently updated first.
        #[default]
        Newest = "newest",
        /// Least recently updated first.
        Oldest = "oldest",
        /// Highest error percentage first (unindexed last).
        Errors = "errors",
        /// Highest 95th percentile latency first (unknown last).
        LatencyP95 = "latency_p95",
    }
}

/// Which runs to list, in which order, from where.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunQuery {
    /// What was typed in search: a case-insensitive piece of the username,
    /// the start of an IP address, or a connection id (see
    /// [`SearchTerm`]).
    pub user: Option<String>,
    /// Only runs with a log that has this error or warning template.
    pub template: Option<TemplateRef>,
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
    /// Only sessions that are outliers of their build.
    pub outliers: bool,
    /// Order of the list.
    pub sort: Sort,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
    /// Rows wanted (1 to [`MAX_PAGE`]).
    pub limit: u32,
}

/// A page of runs.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// On a first page of a filtered or searched list: how many runs the
    /// whole list holds, counted up to a cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matches: Option<MatchCount>,
}

/// How many runs a list holds: counted up to a cap, or estimated where
/// counting would cost more than the page (a common term over a million
/// runs).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchCount {
    /// Runs counted: all of them, or the cap when `more`; or, when
    /// `estimate`, about how many (two significant digits).
    pub runs: u64,
    /// Whether more runs than `runs` match.
    pub more: bool,
    /// Whether `runs` is an estimate: the density of matches in the walk
    /// that found the first page, times the length of that walk's list
    /// from the database's statistics.
    #[serde(default)]
    pub estimate: bool,
}

impl MatchCount {
    /// An exact count of `runs`, at most `cap` ("more than `cap`").
    pub fn counted(runs: u64, cap: u64) -> MatchCount {
        MatchCount {
            runs: runs.min(cap),
            more: runs > cap,
            estimate: false,
        }
    }

    /// About `runs`, rounded to two significant digits.
    pub fn about(runs: u64) -> MatchCount {
        let mut unit = 1;
        while runs / unit >= 100 {
            unit *= 10;
        }
        MatchCount {
            runs: (runs + unit / 2) / unit * unit,
            more: false,
            estimate: true,
        }
    }
}

impl std::fmt::Display for MatchCount {
    /// "1 run", "47 runs", "more than 10,000 runs", "about 170,000 runs".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = crate::group_thousands(self.runs as i64);
        match (self.estimate, self.more, self.runs) {
            (true, _, _) => write!(f, "about {n} runs"),
            (false, true, _) => write!(f, "more than {n} runs"),
            (false, false, 1) => f.write_str("1 run"),
            (false, false, _) => write!(f, "{n} runs"),
        }
    }
}

/// An error or warning template, as a filter of the run list.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TemplateRef {
    /// [`Level::Error`] or [`Level::Warning`].
    pub level: Level,
    /// The template's text, as the analytics list it.
    pub template: String,
}

/// What a search term can name besides a piece of a username.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerm {
    /// The term as typed, trimmed.
    pub text: String,
    /// The start of an IP address (lower case): a term of hex digits, dots
    /// and colons with at least one dot or colon and one digit.
    pub ip_prefix: Option<String>,
    /// A connection id: a term of decimal digits, maybe after `#`.
    pub id: Option<i64>,
}

impl SearchTerm {
    /// Reads a term; `None` when it is blank.
    pub fn parse(raw: &str) -> Option<SearchTerm> {
        let text = raw.trim();
        if text.is_empty() {
            return None;
        }
        let digits = text.strip_prefix('#').unwrap_or(text);
        let id = (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| digits.parse::<i64>().ok())
            .flatten();
        let ip_like = text
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b':')
            && text.bytes().any(|b| b == b'.' || b == b':')
            && text.bytes().any(|b| b.is_ascii_digit());
        Some(SearchTerm {
            text: text.to_string(),
            ip_prefix: ip_like.then(|| text.to_ascii_lowercase()),
            id,
        })
    }
}

/// Largest page the server returns.
pub const MAX_PAGE: u32 = 500;

/// Totals over the whole catalog.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_reads_as_words() {
        let c = |runs, cap| MatchCount::counted(runs, cap).to_string();
        assert_eq!(c(0, 10), "0 runs");
        assert_eq!(c(1, 10), "1 run");
        assert_eq!(c(47, 100), "47 runs");
        assert_eq!(c(10_001, 10_000), "more than 10,000 runs");
        let about = |runs| MatchCount::about(runs).to_string();
        assert_eq!(about(7), "about 7 runs");
        assert_eq!(about(99), "about 99 runs");
        assert_eq!(about(104), "about 100 runs");
        assert_eq!(about(166_666), "about 170,000 runs");
        assert_eq!(about(1_234_567), "about 1,200,000 runs");
    }

    #[test]
    fn a_term_names_an_ip_or_an_id_only_when_it_can_be_one() {
        let t = |s: &str| SearchTerm::parse(s).map(|t| (t.ip_prefix, t.id));
        assert_eq!(t("  "), None);
        assert_eq!(t("10.0.3."), Some((Some("10.0.3.".into()), None)));
        assert_eq!(t(" FE80::1 "), Some((Some("fe80::1".into()), None)));
        assert_eq!(t("1234"), Some((None, Some(1234))));
        assert_eq!(t("#1234"), Some((None, Some(1234))));
        // Letters and dots only (a name or a domain), no digit: not an IP.
        assert_eq!(t("ab.cd"), Some((None, None)));
        assert_eq!(t("noah"), Some((None, None)));
        assert_eq!(t("#"), Some((None, None)));
        // Too long for an id.
        assert_eq!(t("99999999999999999999"), Some((None, None)));
        assert_eq!(t("-5"), Some((None, None)));
    }
}

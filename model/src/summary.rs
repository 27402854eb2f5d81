//! What indexing learns about a log, and a log's lines and series as the
//! detail panel reads them.

use serde::{Deserialize, Serialize};

use crate::{Level, LogName, LogState, Metric, Run};

/// Summary statistics of one metric of one log: count, min, max, mean,
/// p50, p95, p99 (all but `count` are `None` with no points), as the parser
/// computes them.
pub use logparse::Stats as MetricStats;

/// One error or warning message template of a log, as the parser counts it.
pub use logparse::TemplateCount;

/// What indexing learned about one log.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// Bytes at the end of a log over the server's whole-log limit that
    /// indexing did not read; the figures cover the rest (0: all of it).
    #[serde(default)]
    pub skipped_bytes: u64,
    /// Time of day of the log's first parsed line, seconds since midnight
    /// UTC: what puts a run's client and server series on one clock.
    /// `None` with no parsed line (or indexed before it was recorded).
    #[serde(default)]
    pub started_s: Option<f64>,
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunDetail {
    /// The run as the table shows it.
    pub run: Run,
    /// A connection's client log, then server log; or a task's output.
    pub logs: Vec<LogInfo>,
    /// The bookmark's note, when the run is bookmarked.
    pub bookmark_note: Option<String>,
    /// Why the session is an outlier, when it is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlier: Option<crate::OutlierNote>,
}

/// A metric's points, possibly reduced for display.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// `latency`, `decode_time`, `encode_time` or `encode_size`.
    pub metric: Metric,
    /// `s` or `bytes`.
    pub unit: String,
    /// Points in the log.
    pub total: u64,
    /// Whether `points` is reduced (min and max kept per bucket).
    pub downsampled: bool,
    /// `[t, v]`: seconds since the log's first parsed line, and the value.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Vec<f64>>))]
    pub points: Vec<[f64; 2]>,
    /// The line number of each point (1-based), in the order of `points`:
    /// where a point leads in the log. Empty where unknown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<u64>,
    /// Statistics over every point.
    pub stats: MetricStats,
}

/// One line of a log, as the viewer shows it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// Line number, 1-based, counting every line of the file.
    pub n: u64,
    /// The line's level, by [`Level`]'s one rule for a line (see
    /// `model::output::line_level`).
    pub level: Option<Level>,
    /// The line as written (invalid UTF-8 replaced).
    pub text: String,
    /// Shown only as context around a match of the search (`context=N`),
    /// not a match itself.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub context: bool,
}

/// A page of log lines.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinePage {
    /// Lines in the file.
    pub total: u64,
    /// The lines of this page, in order.
    pub lines: Vec<LogLine>,
    /// Line number to continue from; `None` at the end of the file.
    pub next: Option<u64>,
}

//! What logdeck's crates, its JSON API and its page speak: runs, logs,
//! summaries, jobs, events and the live protocol, each concept one type.
//!
//! Words (statuses, kinds, log names, levels, topics, streams) are enums;
//! they become text only at the edges — SQL columns, URLs, JSON — through
//! their `as_str`/`FromStr` (see [`words::words!`]). No leptos here: the catalog,
//! the server, the clients and the browser all build on this crate.

pub mod access;
pub mod analytics;
pub mod backoff;
pub mod error;
pub mod event;
pub mod inventory;
pub mod jobs;
pub mod live;
pub mod output;
pub mod population;
pub mod run;
pub mod series;
pub mod summary;
pub mod time;

pub use access::{AuditAction, AuditEntry, AuditPage, Me, NewToken, Role, TokenInfo, TokenScope};
pub use analytics::{Bucket, ErrorLatencyPoint, ErrorsVsLatency, Histogram, TopTemplate};
pub use backoff::Backoff;
pub use error::ApiError;
pub use event::{Event, Topic, TopicName};
pub use inventory::{InventoryReport, SkippedEntry};
pub use jobs::{Bookmark, JobFailure, JobState, JobStatus, SourceStatus};
pub use logparse::{Level, Metric};
pub use population::{
    BuildMeasure, BuildReport, BuildsReport, Comparison, HistoryPoint, Measure, MeasureAxis,
    OutlierNote, PopulationRules, UserHistory, Verdict,
};
pub use run::{
    CONNECTION_LABEL, ExportFormat, LogName, LogState, MAX_PAGE, MatchCount, Run, RunKind, RunPage,
    RunQuery, RunStatus, SESSION_LABEL, SearchTerm, Sort, TemplateRef, Totals,
};
pub use summary::{
    LinePage, LogInfo, LogLine, LogSummary, MetricStats, RunDetail, Series, TemplateCount, percent,
};
pub use words::UnknownWord;

/// `1234567` → `1,234,567`.
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let sign = if n < 0 { "-" } else { "" };
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

//! Indexing jobs as the dashboard reports them, and bookmarks.

use serde::{Deserialize, Serialize};

use crate::LogName;
use words::words;

words! {
    /// Where an indexing job stands (the `jobs.state` column).
    pub enum JobState {
        /// Waiting for a worker, or for its retry to fall due.
        Queued = "queued",
        /// Leased by a worker.
        Running = "running",
        /// Finished: the log's summary is stored.
        Done = "done",
        /// Failed for good; the reason is recorded.
        Failed = "failed",
    }
}

/// Counts of indexing jobs by state, and the latest failures.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// Inventory sources this server polls (`serve --source`), in the
    /// order configured.
    #[serde(default)]
    pub sources: Vec<SourceStatus>,
}

/// Where an inventory source stands: what this server was configured with,
/// and what every server polling it recorded in the catalog.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceStatus {
    /// The source as configured, credentials left out: an inventory URL or
    /// an `s3://bucket/prefix/`.
    pub name: String,
    /// Seconds between polls.
    pub interval_s: f64,
    /// The last poll's start, in ms since the Unix epoch; none before the
    /// first.
    pub polled_ms: Option<i64>,
    /// The last poll that succeeded.
    pub ok_ms: Option<i64>,
    /// When this server polls it next (later than the interval after a
    /// failure: failures back off).
    pub next_ms: Option<i64>,
    /// Inventory entries read from it so far, by every server.
    pub rows: i64,
    /// Of them, runs that were new to the catalog.
    pub added: i64,
    /// Entries skipped as invalid (each is logged with its line and reason).
    pub skipped: i64,
    /// Inventory files imported from it (an S3 prefix), or changed
    /// inventories read (a URL).
    pub files: i64,
    /// Polls that failed.
    pub errors: i64,
    /// Why the last poll failed, while it is the latest news.
    pub last_error: Option<String>,
    /// From the newest file's upload (its `Last-Modified`) to its runs
    /// being in the catalog, in ms; none until one is imported.
    pub lag_ms: Option<i64>,
}

impl JobStatus {
    /// The count of jobs in `state`.
    pub fn count(&self, state: JobState) -> i64 {
        match state {
            JobState::Queued => self.queued,
            JobState::Running => self.running,
            JobState::Done => self.done,
            JobState::Failed => self.failed,
        }
    }

    /// Sets the count of jobs in `state`.
    pub fn set_count(&mut self, state: JobState, n: i64) {
        match state {
            JobState::Queued => self.queued = n,
            JobState::Running => self.running = n,
            JobState::Done => self.done = n,
            JobState::Failed => self.failed = n,
        }
    }
}

/// A job that failed for good.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bookmark {
    /// The run.
    pub run_id: i64,
    /// Free text.
    pub note: String,
    /// When it was set, in milliseconds since the Unix epoch.
    pub created_ms: i64,
    /// Who set it (none for bookmarks made before this was recorded).
    #[serde(default)]
    pub created_by: Option<String>,
}

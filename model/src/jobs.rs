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

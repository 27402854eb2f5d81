//! Indexing jobs as the dashboard reports them, and bookmarks.

use serde::{Deserialize, Serialize};

use crate::LogName;

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
}

//! What sending inventory entries did (`POST /api/inventory`).

use serde::{Deserialize, Serialize};

/// The answer to a push of inventory entries: every entry is either
/// written or listed in `skipped` with its line and why.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryReport {
    /// Entries read and written.
    pub rows: u64,
    /// Of them, runs new to the catalog.
    pub added: u64,
    /// Of them, runs that were in the catalog, now updated in place
    /// (sending an entry again is harmless).
    pub updated: u64,
    /// Logs queued for indexing.
    pub jobs_queued: u64,
    /// Entries not written, in line order.
    pub skipped: Vec<SkippedEntry>,
}

/// An entry that was not written, and why.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedEntry {
    /// 1-based line of the body where the entry starts.
    pub line: u64,
    /// What is wrong with it.
    pub reason: String,
}

//! Importing an inventory into the catalog, with progress.

use std::time::Instant;

use anyhow::Context;
use catalog::inventory::{self, InventoryRow, RowError};
use catalog::{Catalog, UpsertStats, now_ms};

/// Imports at least this large refresh the planner's statistics.
const ANALYZE_AFTER: u64 = 10_000;

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// Entries read and kept.
    pub rows: u64,
    /// Entries skipped, with line numbers and reasons.
    pub skipped: Vec<RowError>,
    /// Catalog changes.
    pub stats: UpsertStats,
    /// Seconds taken.
    pub seconds: f64,
}

/// Imports an inventory held in memory; `progress(done, total)` is called
/// as rows are written.
pub async fn import_bytes(
    catalog: &Catalog,
    bytes: &[u8],
    progress: impl FnMut(u64, u64),
) -> anyhow::Result<ImportReport> {
    let started = Instant::now();
    let parsed = inventory::parse(bytes).context("cannot read the inventory")?;
    let mut report = import_rows(catalog, &parsed.rows, progress).await?;
    report.skipped = parsed.errors;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Writes entries already read, in steps of the catalog's
/// [`tx_rows`](Catalog::tx_rows) (each one transaction, committed in order,
/// so an import that stops keeps every step before it); an error says how
/// many were written.
pub async fn import_rows(
    catalog: &Catalog,
    rows: &[InventoryRow],
    mut progress: impl FnMut(u64, u64),
) -> Result<ImportReport, Stopped> {
    let started = Instant::now();
    let total = rows.len() as u64;
    let now = now_ms();
    progress(0, total);
    let stats = catalog
        .upsert_runs_in_steps(rows, now, |done| progress(done as u64, total))
        .await
        .map_err(|e| Stopped {
            written: e.written as u64,
            total,
            source: e.source,
        })?;
    if total >= ANALYZE_AFTER
        && let Err(e) = catalog.analyze().await
    {
        tracing::warn!(error = %e, "cannot refresh the planner's statistics after an import");
    }
    Ok(ImportReport {
        rows: total,
        skipped: Vec::new(),
        stats,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// An import that stopped part way: the entries before `written` (in
/// order) are in the catalog, the others are not.
#[derive(Debug, thiserror::Error)]
#[error(
    "the import stopped after {written} of {total} entries were written (in order); \
     importing the same entries again finishes it (entries already written are updated in place): {source}"
)]
pub struct Stopped {
    /// Entries written.
    pub written: u64,
    /// Entries there were to write.
    pub total: u64,
    /// Why it stopped.
    pub source: catalog::CatalogError,
}

//! Importing an inventory into the catalog, with progress.

use std::time::Instant;

use anyhow::Context;
use catalog::inventory::{self, RowError};
use catalog::{Catalog, UpsertStats, now_ms};

/// Rows written per step: each step is one committed transaction, so an
/// import that stops keeps every step before it.
const STEP: usize = 500;

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
    mut progress: impl FnMut(u64, u64),
) -> anyhow::Result<ImportReport> {
    let started = Instant::now();
    let parsed = inventory::parse(bytes).context("cannot read the inventory")?;
    let total = parsed.rows.len() as u64;
    let mut stats = UpsertStats::default();
    let now = now_ms();
    let mut done = 0;
    progress(0, total);
    for chunk in parsed.rows.chunks(STEP) {
        let written = catalog.upsert_runs(chunk, now).await.with_context(|| {
            format!(
                "the import stopped after {done} of {total} entries were written (in file order); \
                 running it again finishes it (entries already written are updated in place)"
            )
        })?;
        stats += written;
        done += chunk.len() as u64;
        progress(done, total);
    }
    if total >= ANALYZE_AFTER {
        catalog.analyze().await?;
    }
    Ok(ImportReport {
        rows: total,
        skipped: parsed.errors,
        stats,
        seconds: started.elapsed().as_secs_f64(),
    })
}

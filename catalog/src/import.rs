//! Writing inventory entries in steps: each step is one transaction, and
//! steps commit in order, so an import that stops has written exactly the
//! steps before the one that failed.
//!
//! On PostgreSQL two steps are in flight: the next one writes its runs,
//! logs and jobs on a second connection while the one before it finishes
//! (each backend works on one core; an import with one in flight left half
//! the machine idle). What the two may share is kept apart:
//!
//! - A step whose ids meet the step before's, or that updates runs already
//!   in the catalog (whose templates, builds and logs other rows share),
//!   waits for the step before to commit before it writes anything.
//! - Rows every step touches (builds, usernames, the event feed) are
//!   written only after the step before has committed.
//! - That wait is on a lock the step before holds for its whole
//!   transaction (a transaction-scoped advisory lock), not only inside this
//!   process: should another writer ever close a cycle of waits through the
//!   two, PostgreSQL sees it and breaks it with an error rather than both
//!   hanging.
//!
//! SQLite has one writer: its steps run one after the other.

use std::collections::HashSet;
use std::sync::atomic::{AtomicI64, Ordering};

use futures::StreamExt;
use tokio::sync::oneshot;

use crate::inventory::InventoryRow;
use crate::runs::UpsertStats;
use crate::{Backend, Catalog, CatalogError, search, upsert};

/// Rows written per statement.
pub(crate) const BATCH: usize = 500;

/// Rows written per transaction when importing into SQLite. Each commit
/// writes every page it touched to the log again, and the username and IP
/// indexes are touched at random: at 1M runs, 5,000 rows a transaction
/// took 72–77 s, 25,000 took 57 s (50,000: 56 s). The write lock is held
/// about a second and a half.
const SQLITE_TX_ROWS: usize = 25_000;

/// Rows written per transaction when importing into PostgreSQL, which logs
/// rows rather than pages, so larger transactions gain nothing there (at
/// 1M runs, one step at a time: 72–88 s with 5,000 rows a transaction,
/// 99 s with 50,000).
const POSTGRES_TX_ROWS: usize = 5_000;

/// An import that stopped: the first `written` rows (whole steps, in
/// order) are in the catalog, the others are not.
#[derive(Debug, thiserror::Error)]
#[error("{source}")]
pub struct UpsertStopped {
    /// Rows of the steps that committed.
    pub written: usize,
    /// Why the next step failed.
    pub source: CatalogError,
}

impl Catalog {
    /// Rows [`upsert_runs`](Catalog::upsert_runs) writes in one
    /// transaction: an import that stops keeps every such step before it.
    pub fn tx_rows(&self) -> usize {
        match self.backend {
            Backend::Sqlite => SQLITE_TX_ROWS,
            Backend::Postgres => POSTGRES_TX_ROWS,
        }
    }

    /// Inserts or updates runs (the first occurrence of an id within a step
    /// wins; a later step's updates it), and queues an indexing job for
    /// every log that is new, moved, or failed before. `now_ms` stamps the
    /// rows. Each [`tx_rows`](Catalog::tx_rows) rows are one transaction.
    pub async fn upsert_runs(
        &self,
        rows: &[InventoryRow],
        now_ms: i64,
    ) -> Result<UpsertStats, CatalogError> {
        self.upsert_runs_in_steps(rows, now_ms, |_| {})
            .await
            .map_err(|e| e.source)
    }

    /// [`upsert_runs`](Catalog::upsert_runs), calling `committed(rows)`
    /// with the rows written so far after each step commits.
    pub async fn upsert_runs_in_steps(
        &self,
        rows: &[InventoryRow],
        now_ms: i64,
        mut committed: impl FnMut(usize),
    ) -> Result<UpsertStats, UpsertStopped> {
        let steps: Vec<&[InventoryRow]> = rows.chunks(self.tx_rows()).collect();
        let in_flight = match self.backend {
            Backend::Sqlite => 1,
            Backend::Postgres => 2,
        };
        // Each step's signals, handed to the step after it. The futures
        // start when the stream polls them, `in_flight` at a time.
        let mut handoff: Option<Before> = None;
        let mut previous_ids: HashSet<i64> = HashSet::new();
        let mut pending = Vec::with_capacity(steps.len());
        for step in &steps {
            let ids: HashSet<i64> = step.iter().map(|r| r.connection_id).collect();
            let meets_previous = !ids.is_disjoint(&previous_ids);
            let (after, next) = if in_flight > 1 {
                let (locked_tx, locked_rx) = oneshot::channel();
                let (done_tx, done_rx) = oneshot::channel();
                let after = After {
                    locked: Some(locked_tx),
                    done: Some(done_tx),
                };
                let next = Before {
                    locked: locked_rx,
                    done: done_rx,
                };
                (after, Some(next))
            } else {
                (After::default(), None)
            };
            let before = std::mem::replace(&mut handoff, next);
            pending.push(Box::pin(self.upsert_step(
                step,
                now_ms,
                before,
                after,
                meets_previous,
            )));
            previous_ids = ids;
        }
        let mut results = futures::stream::iter(pending).buffered(in_flight);
        let mut stats = UpsertStats::default();
        let mut written = 0;
        for step in &steps {
            match results.next().await {
                Some(Ok(s)) => {
                    stats += s;
                    written += step.len();
                    committed(written);
                }
                Some(Err(source)) => return Err(UpsertStopped { written, source }),
                None => break,
            }
        }
        Ok(stats)
    }

    /// One step: one transaction, committed after the step before it.
    async fn upsert_step(
        &self,
        rows: &[InventoryRow],
        now_ms: i64,
        before: Option<Before>,
        after: After,
        meets_previous: bool,
    ) -> Result<UpsertStats, CatalogError> {
        // The first entry of an id counts; the others were reported.
        let mut seen = HashSet::with_capacity(rows.len());
        let rows: Vec<&InventoryRow> = rows
            .iter()
            .filter(|r| seen.insert(r.connection_id))
            .collect();
        let backend = self.backend;
        let mut tx = self.begin_write().await?;
        // Each lookup by a list of ids is planned for its own values. A
        // connection otherwise settles on one plan after five runs, and one
        // settled while the table was empty scans it: the first step of an
        // import into an empty catalog made every later lookup read every
        // run (4–6 s each at 400,000 runs).
        plan_each_statement(&mut tx, backend, true).await?;
        let mut after = after;
        if let Some(locked) = after.locked.take() {
            let key = step_key();
            advisory_lock(&mut tx, key).await?;
            let _ = locked.send(key);
        }
        let mut before = before;
        if meets_previous {
            wait_for(&mut tx, before.take()).await?;
        }
        let mut existing = HashSet::new();
        for batch in rows.chunks(BATCH) {
            existing.extend(upsert::existing_ids(&mut tx, backend, batch).await?);
        }
        if existing.is_empty() {
            // Only writes follow, whose plans do not depend on the values:
            // planning each again would be wasted.
            plan_each_statement(&mut tx, backend, false).await?;
        } else {
            wait_for(&mut tx, before.take()).await?;
        }
        let mut stats = UpsertStats::default();
        let mut newest: Option<&InventoryRow> = None;
        for batch in rows.chunks(BATCH) {
            // A new run has no logs, jobs or build yet: only the runs that
            // exist have anything to take back or mark.
            let old: Vec<&InventoryRow> = batch
                .iter()
                .filter(|r| existing.contains(&r.connection_id))
                .copied()
                .collect();
            if !old.is_empty() {
                upsert::forget_replaced_templates(&mut tx, backend, &old).await?;
                let ids: Vec<i64> = old.iter().map(|r| r.connection_id).collect();
                crate::builds::mark_runs_changed(&mut tx, backend, &ids).await?;
            }
            upsert::write_runs(&mut tx, backend, batch, now_ms).await?;
            upsert::forget_unnamed_logs(&mut tx, backend, &old).await?;
            let named = upsert::named_logs(batch);
            upsert::write_logs(&mut tx, backend, &named).await?;
            stats.jobs_queued += upsert::queue_jobs(&mut tx, backend, &named, now_ms).await?;
            stats.inserted += (batch.len() - old.len()) as u64;
            stats.updated += old.len() as u64;
            newest = batch
                .iter()
                .filter(|r| !existing.contains(&r.connection_id))
                .copied()
                .chain(newest)
                .max_by_key(|r| (r.updated_at, r.connection_id));
        }
        // Rows every step shares: only once the step before has committed.
        wait_for(&mut tx, before.take()).await?;
        let mut versions: Vec<&str> = rows.iter().filter_map(|r| r.version.as_deref()).collect();
        versions.sort_unstable();
        versions.dedup();
        for versions in versions.chunks(BATCH) {
            crate::builds::mark_versions_changed(&mut tx, backend, versions).await?;
        }
        // Last: in PostgreSQL this holds the names' lock until the commit.
        let mut names: Vec<&str> = rows.iter().filter_map(|r| r.username.as_deref()).collect();
        names.sort_unstable();
        names.dedup();
        for names in names.chunks(BATCH * 4) {
            search::remember_usernames(&mut tx, backend, names.iter().copied()).await?;
        }
        if let Some(newest) = newest {
            let topic = model::Topic::RunsAdded(model::event::RunsAdded {
                run_id: newest.connection_id,
                count: stats.inserted,
                updated_at: newest.updated_at,
            });
            crate::events::append_event(&mut tx, backend, now_ms, &topic).await?;
        }
        tx.commit().await?;
        if let Some(done) = after.done.take() {
            let _ = done.send(());
        }
        Ok(stats)
    }
}

/// What a step hears from the step before it.
struct Before {
    /// The key of the lock it holds until its transaction ends.
    locked: oneshot::Receiver<i64>,
    /// Sent once it has committed (dropped unsent if it failed).
    done: oneshot::Receiver<()>,
}

/// What a step tells the step after it.
#[derive(Default)]
struct After {
    locked: Option<oneshot::Sender<i64>>,
    done: Option<oneshot::Sender<()>>,
}

/// Waits, inside `tx`, until the step before has committed; an error if it
/// did not. Nothing to wait for when there is no step before, or when this
/// step already waited.
async fn wait_for(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    before: Option<Before>,
) -> Result<(), CatalogError> {
    let Some(before) = before else {
        return Ok(());
    };
    let not_committed =
        || CatalogError::Conflict("the import step before this one did not commit".into());
    let key = before.locked.await.map_err(|_| not_committed())?;
    // Granted when the step before's transaction ends, either way.
    advisory_lock(tx, key).await?;
    before.done.await.map_err(|_| not_committed())
}

/// Whether PostgreSQL plans every statement of `tx` for its values (`true`)
/// or may reuse a plan made for any values.
async fn plan_each_statement(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    backend: Backend,
    each: bool,
) -> Result<(), CatalogError> {
    if backend == Backend::Postgres {
        let mode = if each { "force_custom_plan" } else { "auto" };
        sqlx::query(&format!("SET LOCAL plan_cache_mode = {mode}"))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

async fn advisory_lock(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    key: i64,
) -> Result<(), CatalogError> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(key)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A lock key no other step of any process is likely to hold: a per-process
/// random start (the clock's nanoseconds and the process id), counted up.
fn step_key() -> i64 {
    static NEXT: AtomicI64 = AtomicI64::new(0);
    if NEXT.load(Ordering::Relaxed) == 0 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i64);
        let start = (nanos ^ (i64::from(std::process::id()) << 40)) | 1;
        let _ = NEXT.compare_exchange(0, start, Ordering::Relaxed, Ordering::Relaxed);
    }
    NEXT.fetch_add(1, Ordering::Relaxed)
}

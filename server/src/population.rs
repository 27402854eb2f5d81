//! Keeps the builds' figures current: a background task recomputes each
//! build that indexing left stale, one at a time. Indexing goes first:
//! while this process's workers are indexing, the task works at most a
//! twentieth of the time (it rests nineteen times as long as a
//! recomputation took, and for a moment after it starts); when they are
//! idle, half of it. Figures then lag by up to a pass over the stale
//! builds during a bulk import, and catch up once it ends.

use std::sync::Arc;
use std::time::{Duration, Instant};

use catalog::{Catalog, now_ms};
use model::PopulationRules;

use crate::indexer::IndexerStats;

/// How often an idle refresher looks for stale builds (and a waiting one
/// looks whether indexing has stopped).
const IDLE_POLL: Duration = Duration::from_secs(2);
/// The shortest rest between two recomputations.
const MIN_REST: Duration = Duration::from_millis(100);
/// Rest after a recomputation, in its durations, while indexing is busy.
const BUSY_REST: u32 = 19;
/// How long indexing has the machine to itself after the task starts.
const START_GRACE: Duration = Duration::from_secs(2);

/// Starts the refresher beside the workers counted by `indexing`; it runs
/// until the process ends.
pub fn spawn(
    catalog: Catalog,
    rules: PopulationRules,
    indexing: Arc<IndexerStats>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut busy_until = Instant::now() + START_GRACE;
        let mut mark = indexing.ended();
        loop {
            let stale = match catalog.stale_builds(&rules).await {
                Ok(stale) => stale,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot look for stale builds; retrying");
                    tokio::time::sleep(IDLE_POLL * 3).await;
                    continue;
                }
            };
            if stale.is_empty() {
                tokio::time::sleep(IDLE_POLL).await;
                continue;
            }
            for version in stale {
                // Wait out the rest owed to a busy indexer.
                loop {
                    let busy = indexing.busy_since(mark);
                    mark = indexing.ended();
                    let now = Instant::now();
                    if !busy || now >= busy_until {
                        break;
                    }
                    tokio::time::sleep((busy_until - now).min(IDLE_POLL)).await;
                }
                let started = Instant::now();
                if let Err(e) = catalog.refresh_build(&version, &rules, now_ms()).await {
                    tracing::warn!(build = %version, error = %e, "cannot recompute a build's figures");
                }
                let took = started.elapsed();
                busy_until = Instant::now() + took * BUSY_REST;
                tokio::time::sleep(took.max(MIN_REST)).await;
            }
        }
    })
}

//! Keeps the builds' figures current: a background task recomputes each
//! build that indexing left stale, one at a time, resting nine times as
//! long as each recomputation took, so it takes at most a tenth of a core
//! from indexing however fast logs arrive (figures then lag by seconds
//! during a bulk import, never by more than one pass over the builds).

use std::time::{Duration, Instant};

use catalog::{Catalog, now_ms};
use model::PopulationRules;

/// How often an idle refresher looks for stale builds.
const IDLE_POLL: Duration = Duration::from_secs(2);
/// The shortest rest between two recomputations.
const MIN_REST: Duration = Duration::from_millis(100);

/// Starts the refresher; it runs until the process ends.
pub fn spawn(catalog: Catalog, rules: PopulationRules) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
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
                let started = Instant::now();
                if let Err(e) = catalog.refresh_build(&version, &rules, now_ms()).await {
                    tracing::warn!(build = %version, error = %e, "cannot recompute a build's figures");
                }
                tokio::time::sleep((started.elapsed() * 9).max(MIN_REST)).await;
            }
        }
    })
}

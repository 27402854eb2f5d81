//! The page's data source: the catalog, with totals cached briefly (they
//! scan every run, and every page load shows them).

use std::time::{Duration, Instant};

use app::api::{BoxFuture, DataSource};
use model::ApiError;

use crate::problem::api_error;
use catalog::Catalog;
use model::{RunPage, RunQuery, Totals};
use tokio::sync::Mutex;

/// How long totals are reused.
const TOTALS_TTL: Duration = Duration::from_secs(2);

/// Serves the page from the catalog.
pub struct CatalogSource {
    catalog: Catalog,
    totals: Mutex<Option<(Instant, Totals)>>,
}

impl CatalogSource {
    /// A source over `catalog`.
    pub fn new(catalog: Catalog) -> CatalogSource {
        CatalogSource {
            catalog,
            totals: Mutex::new(None),
        }
    }
}

impl DataSource for CatalogSource {
    fn totals(&self) -> BoxFuture<'_, Result<Totals, ApiError>> {
        Box::pin(async move {
            // Held across the query so concurrent page loads share one scan.
            let mut cached = self.totals.lock().await;
            if let Some((at, t)) = *cached
                && at.elapsed() < TOTALS_TTL
            {
                return Ok(t);
            }
            let t = self.catalog.totals().await.map_err(api_error)?;
            *cached = Some((Instant::now(), t));
            Ok(t)
        })
    }

    fn runs(&self, query: RunQuery) -> BoxFuture<'_, Result<RunPage, ApiError>> {
        Box::pin(async move { self.catalog.list_runs(&query).await.map_err(api_error) })
    }
}

//! Server functions the page calls, and the data source the server provides
//! to them.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use model::ApiError;
use model::{RunPage, RunQuery, Totals};

/// A boxed future, as the data source returns them.
#[cfg(feature = "ssr")]
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// What the server functions read from; the server provides one as context.
#[cfg(feature = "ssr")]
pub trait DataSource: Send + Sync + 'static {
    /// Totals over all runs.
    fn totals(&self) -> BoxFuture<'_, Result<Totals, ApiError>>;
    /// One page of runs.
    fn runs(&self, query: RunQuery) -> BoxFuture<'_, Result<RunPage, ApiError>>;
}

/// The data source as provided to server functions.
#[cfg(feature = "ssr")]
pub type SharedSource = std::sync::Arc<dyn DataSource>;

#[cfg(feature = "ssr")]
fn source() -> Result<SharedSource, ServerFnError> {
    use_context::<SharedSource>().ok_or_else(|| ServerFnError::new("data source not available"))
}

/// Turns an API error into a server-function error with the status the
/// JSON API gives it.
#[cfg(feature = "ssr")]
fn fail(e: ApiError) -> ServerFnError {
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(
            http::StatusCode::from_u16(e.status()).unwrap_or(http::StatusCode::SERVICE_UNAVAILABLE),
        );
    }
    ServerFnError::new(e.to_string())
}

/// Totals over all runs.
#[server(prefix = "/api/fn", endpoint = "totals")]
pub async fn get_totals() -> Result<Totals, ServerFnError> {
    source()?.totals().await.map_err(fail)
}

/// A page of runs; `query.after` is the previous page's `next`.
#[server(prefix = "/api/fn", endpoint = "runs")]
pub async fn list_runs(query: RunQuery) -> Result<RunPage, ServerFnError> {
    source()?.runs(query).await.map_err(fail)
}

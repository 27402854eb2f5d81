//! Server functions the page calls, and the data source the server provides
//! to them.

use leptos::prelude::*;

use crate::model::{RunPage, RunQuery, Totals};

/// What went wrong answering a request, as the API reports it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum ApiError {
    /// The request itself is wrong (400).
    #[error("{0}")]
    BadRequest(String),
    /// No such thing (404).
    #[error("{0}")]
    NotFound(String),
    /// The server could not answer (500 or 503).
    #[error("{0}")]
    Internal(String),
}

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

/// Turns an API error into a server-function error with the right status.
#[cfg(feature = "ssr")]
fn fail(e: ApiError) -> ServerFnError {
    let status = match &e {
        ApiError::BadRequest(_) => http::StatusCode::BAD_REQUEST,
        ApiError::NotFound(_) => http::StatusCode::NOT_FOUND,
        ApiError::Internal(_) => http::StatusCode::INTERNAL_SERVER_ERROR,
    };
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(status);
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

//! Server functions the page calls, and the catalog interface the server
//! provides to them.

use leptos::prelude::*;

use crate::model::{ConnectionPage, Totals};

/// What the server functions read from; the server provides one as context.
#[cfg(feature = "ssr")]
pub trait Catalog: Send + Sync + 'static {
    /// Totals over all connections.
    fn totals(&self) -> Totals;
    /// Up to `limit` connections after the one with id `after` (from the
    /// start when `None`), newest first.
    fn page(&self, after: Option<u64>, limit: usize) -> ConnectionPage;
}

/// The catalog as provided to server functions.
#[cfg(feature = "ssr")]
pub type SharedCatalog = std::sync::Arc<dyn Catalog>;

#[cfg(feature = "ssr")]
fn catalog() -> Result<SharedCatalog, ServerFnError> {
    use_context::<SharedCatalog>().ok_or_else(|| ServerFnError::new("catalog not available"))
}

/// An error caused by the request itself: answered with status 400.
#[cfg(feature = "ssr")]
fn bad_request(message: String) -> ServerFnError {
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::BAD_REQUEST);
    }
    ServerFnError::new(message)
}

/// Totals over all connections.
#[server(prefix = "/api/fn", endpoint = "totals")]
pub async fn get_totals() -> Result<Totals, ServerFnError> {
    Ok(catalog()?.totals())
}

/// A page of connections, newest first; `after` is the previous page's `next`.
#[server(prefix = "/api/fn", endpoint = "connections")]
pub async fn list_connections(
    after: Option<u64>,
    limit: u32,
) -> Result<ConnectionPage, ServerFnError> {
    if limit == 0 || limit > crate::model::MAX_PAGE {
        return Err(bad_request(format!(
            "limit must be between 1 and {}",
            crate::model::MAX_PAGE
        )));
    }
    Ok(catalog()?.page(after, limit as usize))
}

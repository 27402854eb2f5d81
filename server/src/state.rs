//! Shared application state handed to every handler.

use std::path::PathBuf;

use app::api::SharedCatalog;
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

/// Everything a request handler may need.
#[derive(Clone)]
pub struct AppState {
    /// Leptos rendering options (site root, output name).
    pub leptos: LeptosOptions,
    /// The connection catalog.
    pub catalog: SharedCatalog,
    /// Folder of the local log store.
    pub log_dir: PathBuf,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

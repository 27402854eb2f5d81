//! The HTTP application: health probes, the log store, the server
//! functions and the server-rendered page.

use app::{App, shell};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json};
use axum::routing::get;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use serde_json::json;
use tower_http::services::ServeDir;

use crate::site::bundle_missing;
use crate::state::AppState;

/// Builds the application router; no socket needed, so tests call it directly.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let catalog = state.catalog.clone();
    let options = state.leptos.clone();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .nest_service("/logs", ServeDir::new(&state.log_dir))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(catalog.clone()),
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .with_state(state)
}

/// Liveness: the process answers.
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the catalog is loaded and the browser bundle is in place.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let missing = bundle_missing(std::path::Path::new(&*state.leptos.site_root));
    let totals = state.catalog.totals();
    if missing.is_empty() {
        (
            StatusCode::OK,
            Json(json!({"ready": true, "connections": totals.connections})),
        )
    } else {
        let missing: Vec<String> = missing.iter().map(|p| p.display().to_string()).collect();
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({
                "ready": false,
                "reason": "browser bundle missing; build it with `cargo xtask build`",
                "missing": missing,
            })),
        )
    }
}

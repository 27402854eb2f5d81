//! The HTTP application: health probes, the JSON API, the server functions
//! and the server-rendered page.

use app::{App, shell};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json};
use axum::routing::get;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use serde_json::json;

use crate::site::{bundle_missing, published};
use crate::state::AppState;

/// Builds the application router; no socket needed, so tests call it directly.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let source = state.source.clone();
    let options = state.leptos.clone();
    let root = std::path::PathBuf::from(&*options.site_root);
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(crate::api::routes())
        .merge(crate::assets::routes(&root, published(&options)))
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(source.clone());
                crate::edge::set_page_policy();
            },
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::count,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::edge::guard,
        ))
        .layer(crate::assets::compression())
        .with_state(state)
}

/// Liveness: the process answers.
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the catalog answers and the browser bundle is in place.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let missing = bundle_missing(&state.leptos);
    let totals = match state.source.totals().await {
        Ok(t) => t,
        Err(e) => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"ready": false, "reason": format!("catalog unavailable: {e}")})),
            );
        }
    };
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

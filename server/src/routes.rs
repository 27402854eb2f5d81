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
    let page_context = move || {
        provide_context(source.clone());
        crate::edge::set_page_policy();
    };
    let options = state.leptos.clone();
    let root = std::path::PathBuf::from(&*options.site_root);
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(crate::api::routes())
        .merge(crate::auth::oidc::routes())
        .merge(crate::assets::routes(&root, published(&options)))
        .leptos_routes_with_context(&state, routes, page_context.clone(), move || {
            shell(options.clone())
        })
        // The not-found page is the page too, under the same policy.
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(page_context, shell))
        .layer(axum::middleware::from_fn(malformed_calls))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::auth::identify,
        ))
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

/// A server function called with a body that is not its arguments, or with
/// arguments it refuses, is the caller's mistake: Leptos answers 500 or
/// 400 with its own text encoding (`Args|…`, `ServerError|…`); this makes
/// it the 400 with a JSON error every other endpoint gives. (The page
/// never sends such a call; the other errors a function returns, such as
/// a 503, keep Leptos's encoding, which the page decodes.)
async fn malformed_calls(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let server_fn = req.uri().path().starts_with("/api/fn/");
    let res = next.run(req).await;
    let refused = matches!(
        res.status(),
        StatusCode::INTERNAL_SERVER_ERROR | StatusCode::BAD_REQUEST
    );
    if !server_fn || !refused {
        return res;
    }
    let (parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 << 10).await else {
        return crate::problem::Problem {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "the server function failed".into(),
        }
        .into_response();
    };
    let text = String::from_utf8_lossy(&bytes);
    for kind in ["Args|", "Deserialization|"] {
        if let Some(reason) = text.strip_prefix(kind) {
            return crate::problem::Problem::bad_request(format!(
                "the request body is not this function's arguments: {reason}"
            ))
            .into_response();
        }
    }
    if parts.status == StatusCode::BAD_REQUEST
        && let Some(reason) = text.strip_prefix("ServerError|")
    {
        return crate::problem::Problem::bad_request(reason).into_response();
    }
    axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
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

//! The JSON API: everything the dashboard shows, for curl and Grafana too.

pub mod analytics;
pub mod error;
pub mod export;
pub mod feed;
pub mod logs;
pub mod openapi;
pub mod population;
pub mod query;
pub mod runs;

use axum::Router;
use axum::routing::{MethodRouter, any, get, post, put};

use crate::state::AppState;

/// Every endpoint: its path (as the OpenAPI document writes it) and handlers.
fn table() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/api/runs", get(runs::list)),
        ("/api/runs/export", get(export::export)),
        ("/api/runs/{id}", get(runs::get)),
        (
            "/api/runs/{id}/bookmark",
            put(runs::put_bookmark).delete(runs::delete_bookmark),
        ),
        ("/api/runs/{id}/logs/{log}/series", get(logs::series)),
        ("/api/runs/{id}/logs/{log}/lines", get(logs::lines)),
        ("/api/runs/{id}/logs/{log}/raw", get(logs::raw)),
        ("/api/runs/{id}/logs/{log}/retry", put(logs::retry)),
        (
            "/api/runs/{id}/logs/{log}/live",
            get(crate::live::viewer::live),
        ),
        ("/api/live/runs", post(crate::live::ingest::create_run)),
        (
            "/api/live/runs/{id}/logs/{log}/ingest",
            get(crate::live::ingest::ingest),
        ),
        ("/api/totals", get(runs::totals)),
        ("/api/jobs", get(runs::jobs)),
        ("/api/events", get(runs::events)),
        ("/api/events/stream", get(feed::stream)),
        ("/api/bookmarks", get(runs::bookmarks)),
        ("/api/analytics/templates", get(analytics::templates)),
        (
            "/api/analytics/errors-vs-latency",
            get(analytics::errors_vs_latency),
        ),
        (
            "/api/analytics/latency-histogram",
            get(analytics::latency_histogram),
        ),
        ("/api/builds", get(population::builds)),
        ("/api/users/{name}/history", get(population::history)),
        ("/api/openapi.json", get(openapi::serve)),
        ("/metrics", get(crate::metrics::metrics)),
    ]
}

/// The API's routes; any other `/api/…` path is a JSON 404.
pub fn routes() -> Router<AppState> {
    table()
        .into_iter()
        .fold(Router::new(), |r, (path, handler)| r.route(path, handler))
        .route("/api/{*rest}", any(unknown))
}

async fn unknown(uri: axum::http::Uri) -> error::Problem {
    error::Problem::not_found(format!(
        "no API endpoint {}; see /api/openapi.json",
        uri.path()
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn openapi_lists_every_path() {
        let doc = super::openapi::document();
        let mut documented: Vec<&str> = doc["paths"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut served: Vec<&str> = super::table().into_iter().map(|(p, _)| p).collect();
        documented.sort_unstable();
        served.sort_unstable();
        assert_eq!(documented, served);
    }
}

//! The JSON API: everything the dashboard shows, for curl and Grafana too.

pub mod analytics;
pub mod export;
pub mod feed;
pub mod live;
pub mod logs;
pub mod openapi;
pub mod path;
pub mod population;
pub mod query;
pub mod runs;

use axum::Router;
use axum::routing::any;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// Every endpoint, each registered with its OpenAPI description (the
/// handler's `#[utoipa::path]`, which also gives the route's path and
/// methods): what is served and what is documented cannot differ.
fn endpoints() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::about())
        .routes(routes!(runs::list))
        .routes(routes!(export::export))
        .routes(routes!(runs::get))
        .routes(routes!(runs::put_bookmark, runs::delete_bookmark))
        .routes(routes!(logs::series))
        .routes(routes!(logs::lines))
        .routes(routes!(logs::raw))
        .routes(routes!(logs::retry))
        .routes(routes!(live::viewer::live))
        .routes(routes!(live::ingest::create_run))
        .routes(routes!(live::ingest::ingest))
        .routes(routes!(runs::totals))
        .routes(routes!(runs::jobs))
        .routes(routes!(runs::events))
        .routes(routes!(feed::stream))
        .routes(routes!(runs::bookmarks))
        .routes(routes!(analytics::templates))
        .routes(routes!(analytics::errors_vs_latency))
        .routes(routes!(analytics::latency_histogram))
        .routes(routes!(population::builds))
        .routes(routes!(population::history))
        .routes(routes!(openapi::serve))
        .routes(routes!(crate::metrics::metrics))
}

/// The API's routes; any other `/api/…` path is a JSON 404.
pub fn routes() -> Router<AppState> {
    let (router, _) = endpoints().split_for_parts();
    router.route("/api/{*rest}", any(unknown))
}

/// The OpenAPI document of [`routes`].
pub(crate) fn described() -> utoipa::openapi::OpenApi {
    endpoints().into_openapi()
}

async fn unknown(uri: axum::http::Uri) -> crate::problem::Problem {
    crate::problem::Problem::not_found(format!(
        "no API endpoint {}; see /api/openapi.json",
        uri.path()
    ))
}

#[cfg(test)]
mod tests {
    /// The document and the router come from one list; this checks the
    /// document has what a client needs of every operation.
    #[test]
    fn every_operation_is_described() {
        let doc = super::openapi::document();
        let paths = doc["paths"].as_object().unwrap();
        assert!(paths.len() >= 20, "{} paths", paths.len());
        for (path, item) in paths {
            for (method, op) in item.as_object().unwrap() {
                assert!(
                    op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                    "{method} {path} has no summary"
                );
                assert!(
                    op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                    "{method} {path} has no responses"
                );
            }
        }
    }
}

//! The API's OpenAPI 3.1 description, served at `/api/openapi.json`,
//! generated from the handlers' annotations and the types of `model`: the
//! parameters are the handlers' own parameter structs, the answers the
//! types they return, so the document cannot drift from the code.

use axum::Json;
use serde_json::Value;
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};

use super::{analytics, export, feed, logs, population, runs};

/// The document's description of the API as a whole.
const ABOUT: &str = "Runs (connections of streaming sessions, and task runs streamed live) with \
their logs, summaries, metric series, log lines and analytics. Lists use keyset cursors: pass a \
page's `next` as `after`. Errors are `{\"error\": \"…\"}` with a 4xx/5xx status; a parameter \
this endpoint does not take, given twice, or out of range is a 400 that names it.";

#[derive(OpenApi)]
#[openapi(
    info(title = "logdeck API", description = ABOUT),
    paths(
        runs::list,
        export::export,
        runs::get,
        runs::put_bookmark,
        runs::delete_bookmark,
        runs::totals,
        runs::jobs,
        runs::events,
        runs::bookmarks,
        logs::series,
        logs::lines,
        logs::raw,
        logs::retry,
        analytics::templates,
        analytics::errors_vs_latency,
        analytics::latency_histogram,
        population::builds,
        population::history,
        feed::stream,
        crate::live::viewer::live,
        crate::live::ingest::create_run,
        crate::live::ingest::ingest,
        crate::metrics::metrics,
        serve,
    ),
    components(schemas(model::Event)),
    modifiers(&Bearer)
)]
struct Api;

/// The producers' bearer token scheme.
struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.description =
            Some("A producer token (--ingest-token, or `logdeck token create`)".into());
        doc.components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The document.
pub fn document() -> Value {
    let mut doc = Api::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").into();
    serde_json::to_value(doc).expect("the document serialises")
}

/// `GET /api/openapi.json`
#[utoipa::path(get, path = "/api/openapi.json", summary = "This document",
    responses((status = 200, description = "OpenAPI 3.1", body = Object)))]
pub async fn serve() -> Json<Value> {
    Json(document())
}

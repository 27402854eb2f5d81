//! The API's OpenAPI 3.1 description, served at `/api/openapi.json`,
//! generated from the handlers' annotations and the types of `model`: the
//! parameters are the handlers' own parameter structs, the answers the
//! types they return, so the document cannot drift from the code.

use axum::Json;
use serde_json::Value;
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};

/// The document's description of the API as a whole.
const ABOUT: &str = "Runs (connections of streaming sessions, and task runs streamed live) with \
their logs, summaries, metric series, log lines and analytics. Lists use keyset cursors: pass a \
page's `next` as `after`. Errors are `{\"error\": \"…\"}` with a 4xx/5xx status; a parameter \
this endpoint does not take, given twice, or out of range is a 400 that names it.";

/// What the document says besides the operations, which
/// [`super::routes`] adds with their routes.
#[derive(OpenApi)]
#[openapi(
    info(title = "logdeck API", description = ABOUT),
    components(schemas(model::Event)),
    modifiers(&Bearer)
)]
struct Api;

/// The document's front matter and shared parts.
pub(super) fn about() -> utoipa::openapi::OpenApi {
    Api::openapi()
}

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

/// The document, made once.
pub fn document() -> Value {
    static DOC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = super::described();
        doc.info.version = env!("CARGO_PKG_VERSION").into();
        serde_json::to_value(doc).expect("the document serialises")
    })
    .clone()
}

/// `GET /api/openapi.json`
#[utoipa::path(get, path = "/api/openapi.json", summary = "This document",
    responses((status = 200, description = "OpenAPI 3.1", body = Object)))]
pub async fn serve() -> Json<Value> {
    Json(document())
}

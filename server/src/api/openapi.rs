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
this endpoint does not take, given twice, or out of its schema is a 400 that names it. Values \
are taken as sent (never trimmed); a parameter given with no value (`x=`, or a bare `x`) is a \
400 whatever its type: leave it out for its default. The websockets' messages and close codes \
are in docs/formats.md, *Websockets*.";

/// What the document says besides the operations, which
/// [`super::routes`] adds with their routes.
#[derive(OpenApi)]
#[openapi(
    info(title = "logdeck API", description = ABOUT),
    components(schemas(model::Event, crate::problem::ErrorBody, model::live::ProducerMsg)),
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

/// The document as this deployment answers it: with the ways its people
/// sign in (`--auth`) as security schemes, required by every operation that
/// needs a role. With `--auth none` nobody signs in, and only the producers'
/// operations ask for something (their token).
pub fn document_for(auth: &crate::auth::Auth) -> Value {
    use crate::auth::AuthMode;
    let mut doc = document();
    let (person, scheme) = match &auth.mode {
        AuthMode::None => return doc,
        AuthMode::Proxy(p) => (
            "proxy",
            serde_json::json!({
                "type": "apiKey",
                "in": "header",
                "name": p.user_header.as_str(),
                "description": "The person, named by the proxy in front of this server \
                    (believed only from its addresses, --trusted-proxy)",
            }),
        ),
        AuthMode::Oidc(o) => {
            let mut discovery = o.config.issuer.to_string();
            if !discovery.ends_with('/') {
                discovery.push('/');
            }
            discovery.push_str(".well-known/openid-configuration");
            doc["components"]["securitySchemes"]["oidc"] = serde_json::json!({
                "type": "openIdConnect",
                "openIdConnectUrl": discovery,
                "description": "Sign in at /auth/sign-in, which leads to this provider",
            });
            (
                "session",
                serde_json::json!({
                    "type": "apiKey",
                    "in": "cookie",
                    "name": crate::auth::oidc::SESSION_COOKIE,
                    "description": "The session a sign-in at /auth/sign-in opens",
                }),
            )
        }
    };
    doc["components"]["securitySchemes"][person] = scheme;
    let Some(paths) = doc["paths"].as_object_mut() else {
        return doc;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for op in item.values_mut() {
            let needs = op["x-role"].as_str().unwrap_or_default().to_string();
            let ways = match needs.as_str() {
                // A producer token reads as a viewer named after it.
                "viewer" => serde_json::json!([{ person: [] }, { "bearer": [] }]),
                "editor" | "admin" => serde_json::json!([{ person: [] }]),
                _ => continue,
            };
            op["security"] = ways;
        }
    }
    doc
}

/// The document, made once.
pub fn document() -> Value {
    static DOC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = super::described();
        doc.info.version = env!("CARGO_PKG_VERSION").into();
        let mut doc = serde_json::to_value(doc).expect("the document serialises");
        super::query::state_empty_rule(&mut doc);
        doc
    })
    .clone()
}

/// `GET /api/openapi.json`
#[utoipa::path(get, path = "/api/openapi.json", summary = "This document",
    responses((status = 200, description = "OpenAPI 3.1", body = Object)))]
pub async fn serve(
    axum::extract::State(s): axum::extract::State<crate::state::AppState>,
    _: super::query::Query<super::query::NoParams>,
) -> Json<Value> {
    Json(document_for(&s.auth))
}

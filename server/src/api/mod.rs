//! The JSON API: everything the dashboard shows, for curl and Grafana too.

pub mod access;
pub mod analytics;
pub mod body;
pub mod export;
pub mod feed;
pub mod inventory;
pub mod live;
pub mod logs;
pub mod openapi;
pub mod param;
pub mod path;
pub mod population;
pub mod query;
pub mod runs;

use axum::Router;
use axum::routing::any;
use model::Role;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

use crate::auth::Need;
use crate::state::AppState;

/// Every endpoint, each registered with its OpenAPI description (the
/// handler's `#[utoipa::path]`, which also gives the route's path and
/// methods) and what it needs of the person asking ([`needs`]): what is
/// served, what is documented and who may use it cannot differ.
fn endpoints() -> OpenApiRouter<AppState> {
    use Need::Anyone;
    let producer = Need::Token(model::TokenScope::Producer);
    let inventory = Need::Token(model::TokenScope::Inventory);
    let viewer = Need::Role(Role::Viewer);
    let editor = Need::Role(Role::Editor);
    let admin = Need::Role(Role::Admin);
    OpenApiRouter::with_openapi(openapi::about())
        .routes(needs(viewer, routes!(runs::list)))
        .routes(needs(viewer, routes!(export::export)))
        .routes(needs(viewer, routes!(runs::get)))
        .routes(needs(
            editor,
            routes!(runs::put_bookmark, runs::delete_bookmark),
        ))
        .routes(needs(viewer, routes!(logs::series)))
        .routes(needs(viewer, routes!(logs::lines)))
        .routes(needs(viewer, routes!(logs::raw)))
        .routes(needs(editor, routes!(logs::retry)))
        .routes(needs(viewer, routes!(live::viewer::live)))
        .routes(needs(producer, routes!(live::ingest::create_run)))
        .routes(needs(producer, routes!(live::ingest::ingest)))
        .routes(needs(inventory, routes!(inventory::push)))
        .routes(needs(viewer, routes!(runs::totals)))
        .routes(needs(viewer, routes!(runs::jobs)))
        .routes(needs(viewer, routes!(runs::events)))
        .routes(needs(viewer, routes!(feed::stream)))
        .routes(needs(viewer, routes!(runs::bookmarks)))
        .routes(needs(viewer, routes!(analytics::templates)))
        .routes(needs(viewer, routes!(analytics::errors_vs_latency)))
        .routes(needs(viewer, routes!(analytics::latency_histogram)))
        .routes(needs(viewer, routes!(population::builds)))
        .routes(needs(viewer, routes!(population::history)))
        .routes(needs(viewer, routes!(access::me)))
        .routes(needs(admin, routes!(access::tokens, access::create_token)))
        .routes(needs(admin, routes!(access::revoke_token)))
        .routes(needs(admin, routes!(access::audit)))
        .routes(needs(Anyone, routes!(openapi::serve)))
        .routes(needs(viewer, routes!(crate::metrics::metrics)))
}

/// An operation that needs `need`: checked before its handler runs (see
/// [`crate::auth`]), and said in the document as `x-role`, with the 401
/// and 403 a person without that role gets; and with the answers every
/// operation may give, whatever its handler (the layers in front of it).
fn needs(
    need: Need,
    (schemas, mut paths, router): UtoipaMethodRouter<AppState>,
) -> UtoipaMethodRouter<AppState> {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let refusal = |what: &str| {
        ResponseBuilder::new()
            .description(what)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
    };
    for item in paths.paths.values_mut() {
        let ops = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
            &mut item.trace,
        ];
        for op in ops.into_iter().flatten() {
            op.extensions
                .get_or_insert_default()
                .insert("x-role".into(), need.word().into());
            let answers = &mut op.responses.responses;
            let mut answer = |status: &str, what: &str| {
                answers.insert(status.into(), refusal(what).into());
            };
            answer(
                "400",
                "A parameter this operation does not take, one given twice or with no value, \
                 one out of its range or pattern, or a body that is not the one described",
            );
            let (unauthorized, forbidden) = match need {
                Need::Role(role) => (
                    "Nobody is signed in (when the server asks people to sign in)".to_string(),
                    format!(
                        "The person signed in lacks the {role} role, or the request comes from \
                         a page of another site"
                    ),
                ),
                Need::Token(scope) => (
                    "No token, or one the server does not know".to_string(),
                    format!(
                        "The token's scope is not {scope}, or the request comes from a page of \
                         another site"
                    ),
                ),
                Need::Anyone => (
                    String::new(),
                    "The request comes from a page of another site".to_string(),
                ),
            };
            if !unauthorized.is_empty() {
                answer("401", &unauthorized);
            }
            answer("403", &forbidden);
            answer(
                "421",
                "The request's Host is not one of this server's public addresses",
            );
            if matches!(need, Need::Token(_)) {
                answer(
                    "429",
                    "This address gave wrong tokens too often; wait as `Retry-After` says",
                );
            }
            answer(
                "503",
                "The server cannot answer now (its catalog or store failed; the message has \
                 an error id for the server's log)",
            );
        }
    }
    let router = match need {
        Need::Role(_) => router.route_layer(axum::middleware::from_fn(move |req, next| {
            crate::auth::require(need, req, next)
        })),
        Need::Anyone | Need::Token(_) => router,
    };
    (schemas, paths, router)
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

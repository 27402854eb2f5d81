//! Who is signed in, producer tokens managed from the page and the API,
//! and the audit trail.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use model::{AuditAction, AuditPage, Me, NewToken, TokenInfo, TokenScope};
use serde::Deserialize;
use utoipa::IntoParams;

use super::param::Id;
use super::path::{TokenName, token_name};
use super::query::{Int, NoParams, Query};
use crate::auth::Caller;
use crate::live::tokens::{new_token, token_hash};
use crate::problem::{ApiResult, ErrorBody, Problem};
use crate::state::AppState;

/// `GET /api/me`
#[utoipa::path(get, path = "/api/me", summary = "Who is signed in, and their role",
    responses((status = 200, description = "The person the request is for", body = Me)))]
pub async fn me(caller: Caller, _: Query<NoParams>) -> ApiResult<Json<Me>> {
    caller
        .who
        .as_ref()
        .and_then(|w| w.me())
        .map(Json)
        .ok_or_else(|| Problem {
            status: StatusCode::UNAUTHORIZED,
            message: "nobody is signed in".into(),
        })
}

/// `GET /api/tokens`
#[utoipa::path(get, path = "/api/tokens", summary = "Tokens (their names and scopes; the secrets are never shown again)",
    responses((status = 200, description = "Tokens by name", body = Vec<TokenInfo>)))]
pub async fn tokens(
    State(s): State<AppState>,
    _: Query<NoParams>,
) -> ApiResult<Json<Vec<TokenInfo>>> {
    Ok(Json(s.catalog.tokens().await?))
}

/// Body of `POST /api/tokens`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    /// 1 to 100 characters without control characters; unique.
    #[schema(schema_with = super::path::token_name_schema)]
    name: String,
    /// What it may do: stream runs (the default) or send inventory entries.
    #[serde(default)]
    scope: TokenScope,
}

/// `POST /api/tokens` with `{"name": "…"}`
#[utoipa::path(post, path = "/api/tokens", summary = "Create a token (a producer's, or one that sends inventory entries); its secret is in this answer only",
    request_body(content = TokenBody),
    responses((status = 201, description = "Created", body = NewToken,
        links(("revoke" = (operation_id = "revoke_token", parameters(("name" = "$response.body#/name")), description = "Revoke it")))),
        (status = 409, description = "A token has that name", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody)))]
pub async fn create_token(
    State(s): State<AppState>,
    caller: Caller,
    _: Query<NoParams>,
    super::body::Json(body): super::body::Json<TokenBody>,
) -> ApiResult<(StatusCode, Json<NewToken>)> {
    let name = token_name(&body.name).map_err(Problem::bad_request)?;
    let token = new_token();
    if !s
        .catalog
        .create_token(&name, &token_hash(&token), body.scope, catalog::now_ms())
        .await?
    {
        return Err(Problem {
            status: StatusCode::CONFLICT,
            message: format!("a token named {name:?} exists; revoke it first or pick another name"),
        });
    }
    caller
        .record(&s, AuditAction::TokenCreate, Some(name.clone()), None)
        .await;
    Ok((
        StatusCode::CREATED,
        Json(NewToken {
            name,
            scope: body.scope,
            token,
        }),
    ))
}

/// `DELETE /api/tokens/{name}`
#[utoipa::path(delete, path = "/api/tokens/{name}", summary = "Revoke a producer token: its producers' sockets close",
    params(TokenName),
    responses((status = 204, description = "Revoked"), (status = 404, description = "No token has that name", body = ErrorBody)))]
pub async fn revoke_token(
    State(s): State<AppState>,
    caller: Caller,
    TokenName(name): TokenName,
    _: Query<NoParams>,
) -> ApiResult<StatusCode> {
    if !s.catalog.revoke_token(&name).await? {
        return Err(Problem::not_found(format!("no token named {name:?}")));
    }
    caller
        .record(&s, AuditAction::TokenRevoke, Some(name), None)
        .await;
    Ok(StatusCode::NO_CONTENT)
}

/// Parameters of the audit trail.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Entries older than this one (the previous page's `next`).
    #[param(inline)]
    before: Option<Id>,
    /// Entries in the page.
    #[param(inline)]
    limit: AuditLimit,
}

/// Entries in one page of the audit trail.
type AuditLimit = Int<1, 500, 100>;

/// `GET /api/audit?before=&limit=100`
#[utoipa::path(get, path = "/api/audit", summary = "The audit trail: who changed what, when and from where, newest first",
    params(AuditParams),
    responses((status = 200, description = "A page of entries and the cursor of the next", body = AuditPage,
        links(("older" = (operation_id = "audit", parameters(("before" = "$response.body#/next")), description = "The page of older entries")))))
    )]
pub async fn audit(
    State(s): State<AppState>,
    Query(p): Query<AuditParams>,
) -> ApiResult<Json<AuditPage>> {
    Ok(Json(
        s.catalog
            .audit_page(p.before.map(|Id(b)| b), p.limit.0 as u32)
            .await?,
    ))
}

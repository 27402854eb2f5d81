//! Runs, totals, jobs, events and bookmarks.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use catalog::now_ms;
use model::{
    AuditAction, Bookmark, Event, JobStatus, Level, RunDetail, RunPage, RunQuery, Sort,
    TemplateRef, Totals,
};
use serde::Deserialize;
use utoipa::IntoParams;

use super::body::OptionalJson;
use super::param::{MissingLogs, PageCursor, TemplateLevel, Text};
use super::path::RunId;
use super::query::{Int, NoParams, Query, from_text_opt};
use crate::auth::Caller;
use crate::problem::{ApiResult, ErrorBody, Problem};
use crate::state::AppState;

/// Parameters of `GET /api/runs`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct RunParams {
    /// Search: a case-insensitive piece of the username, the start of an
    /// IP address, or a connection id (`#123` or `123`).
    #[param(inline)]
    user: Option<SearchTerm>,
    /// Only runs with a log that has this template (as
    /// `/api/analytics/templates` lists it).
    #[param(inline)]
    template: Option<TemplateText>,
    /// The template's level: `ERROR` (default) or `WARNING`.
    #[param(inline)]
    template_level: Option<TemplateLevel>,
    /// Only runs with ERROR lines.
    has_errors: bool,
    /// Only runs missing this log: `client`, `server`, or `client,server`.
    #[param(inline)]
    missing: Option<MissingLogs>,
    /// Only this protocol build.
    #[param(inline)]
    version: Option<BuildName>,
    /// Only bookmarked runs.
    bookmarked: bool,
    /// Only sessions that are outliers of their build (see
    /// `/api/builds`).
    outliers: bool,
    /// Order (default `newest`).
    #[serde(deserialize_with = "from_text_opt")]
    #[param(inline)]
    sort: Option<Sort>,
    /// Cursor: the previous page's `next`, with the same order (another
    /// order's cursor is a 409).
    #[param(inline)]
    after: Option<PageCursor>,
    /// Rows.
    #[param(inline)]
    limit: PageRows,
}

/// A search term, as long as the catalog searches.
type SearchTerm = Text<{ catalog::MAX_TERM_CHARS }>;
/// A template (the parser keeps at most 240 bytes of one). Every text
/// parameter is bounded so that a request at every limit, in any script,
/// stays under the longest URI the server reads (64 KiB, percent-encoded).
type TemplateText = Text<1000>;
/// A protocol build's name, as long as a request may name one.
pub type BuildName = Text<1000>;

/// Rows of a page of runs.
type PageRows = Int<1, { model::MAX_PAGE as i64 }, 100>;

impl From<RunParams> for RunQuery {
    fn from(p: RunParams) -> RunQuery {
        let missing = p.missing.unwrap_or_default();
        RunQuery {
            user: p.user.map(|t| t.0),
            template: p.template.map(|Text(template)| TemplateRef {
                level: p.template_level.map_or(Level::Error, |l| l.0),
                template,
            }),
            has_errors: p.has_errors,
            missing_client: missing.client,
            missing_server: missing.server,
            version: p.version.map(|t| t.0),
            bookmarked: p.bookmarked,
            outliers: p.outliers,
            sort: p.sort.unwrap_or_default(),
            after: p.after.map(|c| c.0),
            limit: p.limit.0 as u32,
        }
    }
}

/// `GET /api/runs`
#[utoipa::path(get, path = "/api/runs", operation_id = "list_runs", summary = "List runs, a page at a time",
    params(RunParams),
    responses((status = 200, description = "A page of runs", body = RunPage,
        links(("run" = (operation_id = "get_run", parameters(("id" = "$response.body#/rows/0/id")), description = "The first run of the page")))),
        (status = 409, description = "`after` is a cursor of another order", body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    Query(p): Query<RunParams>,
) -> ApiResult<Json<RunPage>> {
    Ok(Json(s.catalog.list_runs(&p.into()).await?))
}

/// `GET /api/runs/{id}`
#[utoipa::path(get, path = "/api/runs/{id}", operation_id = "get_run", summary = "One run with its logs and their summaries",
    params(RunId),
    responses((status = 200, description = "The run", body = RunDetail,
        links(("lines" = (operation_id = "log_lines", parameters(("id" = "$request.path.id"), ("log" = "$response.body#/logs/0/name")), description = "The lines of its first log")),
            ("series" = (operation_id = "log_series", parameters(("id" = "$request.path.id"), ("log" = "$response.body#/logs/0/name")), description = "A metric of its first log")),
            ("raw" = (operation_id = "raw_log", parameters(("id" = "$request.path.id"), ("log" = "$response.body#/logs/0/name")), description = "Its first log as stored")),
            ("retry" = (operation_id = "retry_log", parameters(("id" = "$request.path.id"), ("log" = "$response.body#/logs/0/name")), description = "Index its first log again")),
            ("bookmark" = (operation_id = "put_bookmark", parameters(("id" = "$request.path.id")), description = "Bookmark it")))),
        (status = 404, description = "No run has this id", body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    RunId(id): RunId,
    _: Query<NoParams>,
) -> ApiResult<Json<RunDetail>> {
    s.catalog
        .run(id)
        .await?
        .map(Json)
        .ok_or_else(|| Problem::not_found(format!("no run {id}")))
}

/// `GET /api/totals`
#[utoipa::path(get, path = "/api/totals", summary = "Totals over all runs",
    responses((status = 200, description = "Totals", body = Totals)))]
pub async fn totals(State(s): State<AppState>, _: Query<NoParams>) -> ApiResult<Json<Totals>> {
    Ok(Json(s.source.totals().await?))
}

/// `GET /api/jobs`
#[utoipa::path(get, path = "/api/jobs", summary = "Indexing jobs by state, the latest failures, and the inventory sources this server polls",
    responses((status = 200, description = "Job status", body = JobStatus)))]
pub async fn jobs(State(s): State<AppState>, _: Query<NoParams>) -> ApiResult<Json<JobStatus>> {
    let mut status = s.catalog.job_status().await?;
    status.sources = s.sources.status(&s.catalog).await?;
    Ok(Json(status))
}

/// Parameters of `GET /api/events`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct EventParams {
    /// Last seq seen (0: from the start).
    #[param(inline)]
    after: EventSeq,
    /// Events.
    #[param(inline)]
    limit: EventCount,
}

/// An event seq to read after.
type EventSeq = Int<0, { i64::MAX }, 0>;
/// Events in one answer.
type EventCount = Int<1, { catalog::MAX_EVENTS as i64 }, 100>;

/// `GET /api/events`
#[utoipa::path(get, path = "/api/events", summary = "Events after a sequence number, oldest first",
    params(EventParams),
    responses((status = 200, description = "Events", body = Vec<Event>)))]
pub async fn events(
    State(s): State<AppState>,
    Query(p): Query<EventParams>,
) -> ApiResult<Json<Vec<Event>>> {
    Ok(Json(
        s.catalog.events_after(p.after.0, p.limit.0 as u32).await?,
    ))
}

/// `GET /api/bookmarks`
#[utoipa::path(get, path = "/api/bookmarks", summary = "Bookmarked runs, newest first",
    responses((status = 200, description = "Bookmarks", body = Vec<Bookmark>)))]
pub async fn bookmarks(
    State(s): State<AppState>,
    _: Query<NoParams>,
) -> ApiResult<Json<Vec<Bookmark>>> {
    Ok(Json(s.catalog.bookmarks().await?))
}

/// Body of `PUT /api/runs/{id}/bookmark`.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookmarkBody {
    /// Free text (empty when not given).
    #[serde(default)]
    #[schema(schema_with = note_schema)]
    note: String,
}

/// A bookmark's note: as long as the catalog keeps.
fn note_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .max_length(Some(catalog::MAX_NOTE))
        .build()
}

/// `PUT /api/runs/{id}/bookmark` with an optional `{"note": "…"}`.
#[utoipa::path(put, path = "/api/runs/{id}/bookmark", summary = "Bookmark a run, with an optional note",
    params(RunId), request_body(content = Option<BookmarkBody>, description = "Optional: an empty body is no note"),
    responses((status = 204, description = "Bookmarked",
        links(("remove" = (operation_id = "delete_bookmark", parameters(("id" = "$request.path.id")), description = "Remove the bookmark")))),
        (status = 404, description = "No run has this id", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody)))]
pub async fn put_bookmark(
    State(s): State<AppState>,
    caller: Caller,
    RunId(id): RunId,
    _: Query<NoParams>,
    OptionalJson(body): OptionalJson<BookmarkBody>,
) -> ApiResult<StatusCode> {
    if s.catalog
        .set_bookmark(id, &body.note, caller.name(), now_ms())
        .await?
    {
        let note = (!body.note.is_empty()).then_some(body.note);
        caller
            .record(&s, AuditAction::Bookmark, Some(format!("run {id}")), note)
            .await;
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found(format!("no run {id}")))
    }
}

/// `DELETE /api/runs/{id}/bookmark`
#[utoipa::path(delete, path = "/api/runs/{id}/bookmark", summary = "Remove a bookmark",
    params(RunId),
    responses((status = 204, description = "Removed"),
        (status = 404, description = "The run is not bookmarked", body = ErrorBody)))]
pub async fn delete_bookmark(
    State(s): State<AppState>,
    caller: Caller,
    RunId(id): RunId,
    _: Query<NoParams>,
) -> ApiResult<StatusCode> {
    if s.catalog.remove_bookmark(id).await? {
        caller
            .record(&s, AuditAction::Unbookmark, Some(format!("run {id}")), None)
            .await;
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found(format!("run {id} is not bookmarked")))
    }
}

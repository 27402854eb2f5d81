//! Runs, totals, jobs, events and bookmarks.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use catalog::now_ms;
use model::{
    AuditAction, Bookmark, Event, JobStatus, Level, LogName, RunDetail, RunPage, RunQuery, Sort,
    TemplateRef, Totals,
};
use serde::Deserialize;
use utoipa::IntoParams;

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
    user: Option<String>,
    /// Only runs with a log that has this template (as
    /// `/api/analytics/templates` lists it).
    template: Option<String>,
    /// The template's level: `ERROR` (default) or `WARNING`.
    #[serde(deserialize_with = "from_text_opt")]
    #[param(value_type = Option<String>)]
    template_level: Option<Level>,
    /// Only runs with ERROR lines.
    has_errors: bool,
    /// Only runs missing this log: `client`, `server`, or `client,server`.
    #[serde(deserialize_with = "from_text_opt")]
    #[param(value_type = Option<String>)]
    missing: Option<MissingLogs>,
    /// Only this protocol build.
    version: Option<String>,
    /// Only bookmarked runs.
    bookmarked: bool,
    /// Only sessions that are outliers of their build (see
    /// `/api/builds`).
    outliers: bool,
    /// Order (default `newest`).
    #[serde(deserialize_with = "from_text_opt")]
    #[param(inline)]
    sort: Option<Sort>,
    /// Cursor: the previous page's `next`.
    after: Option<String>,
    /// Rows.
    #[param(inline)]
    limit: PageRows,
}

/// Rows of a page of runs.
type PageRows = Int<1, { model::MAX_PAGE as i64 }, 100>;

impl From<RunParams> for RunQuery {
    fn from(p: RunParams) -> RunQuery {
        let missing = p.missing.unwrap_or_default();
        RunQuery {
            user: p.user,
            template: p.template.map(|template| TemplateRef {
                level: p.template_level.unwrap_or(Level::Error),
                template,
            }),
            has_errors: p.has_errors,
            missing_client: missing.client,
            missing_server: missing.server,
            version: p.version,
            bookmarked: p.bookmarked,
            outliers: p.outliers,
            sort: p.sort.unwrap_or_default(),
            after: p.after,
            limit: p.limit.0 as u32,
        }
    }
}

/// `missing=client,server`: which logs a run must lack.
#[derive(Debug, Clone, Copy, Default)]
struct MissingLogs {
    client: bool,
    server: bool,
}

impl std::str::FromStr for MissingLogs {
    type Err = String;
    fn from_str(s: &str) -> Result<MissingLogs, String> {
        let mut m = MissingLogs::default();
        for part in s.split(',').map(str::trim) {
            match part.parse::<LogName>() {
                Ok(LogName::Client) => m.client = true,
                Ok(LogName::Server) => m.server = true,
                _ => {
                    return Err(format!(
                        "must be client, server or both (comma-separated), not {part:?}"
                    ));
                }
            }
        }
        Ok(m)
    }
}

/// `GET /api/runs`
#[utoipa::path(get, path = "/api/runs", summary = "List runs, a page at a time",
    params(RunParams),
    responses((status = 200, description = "A page of runs", body = RunPage), (status = "default", description = "An error: `{\"error\": …}`", body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    Query(p): Query<RunParams>,
) -> ApiResult<Json<RunPage>> {
    Ok(Json(s.catalog.list_runs(&p.into()).await?))
}

/// `GET /api/runs/{id}`
#[utoipa::path(get, path = "/api/runs/{id}", summary = "One run with its logs and their summaries",
    params(("id" = i64, Path, description = "Run id")),
    responses((status = 200, description = "The run", body = RunDetail), (status = "default", description = "An error: `{\"error\": …}`", body = ErrorBody)))]
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
    responses((status = 200, description = "Totals", body = Totals), (status = "default", description = "An error: `{\"error\": …}`", body = ErrorBody)))]
pub async fn totals(State(s): State<AppState>, _: Query<NoParams>) -> ApiResult<Json<Totals>> {
    Ok(Json(s.source.totals().await?))
}

/// `GET /api/jobs`
#[utoipa::path(get, path = "/api/jobs", summary = "Indexing jobs by state and the latest failures",
    responses((status = 200, description = "Job status", body = JobStatus), (status = "default", description = "An error: `{\"error\": …}`", body = ErrorBody)))]
pub async fn jobs(State(s): State<AppState>, _: Query<NoParams>) -> ApiResult<Json<JobStatus>> {
    Ok(Json(s.catalog.job_status().await?))
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
    responses((status = 200, description = "Events", body = Vec<Event>), (status = "default", description = "An error: `{\"error\": …}`", body = ErrorBody)))]
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
    responses((status = 200, description = "Bookmarks", body = Vec<Bookmark>), (status = "default", description = "An error: `{\"error\": …}`", body = ErrorBody)))]
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
    /// Free text.
    #[serde(default)]
    note: String,
}

/// `PUT /api/runs/{id}/bookmark` with an optional `{"note": "…"}`.
#[utoipa::path(put, path = "/api/runs/{id}/bookmark", summary = "Bookmark a run, with an optional note",
    params(("id" = i64, Path, description = "Run id")), request_body(content = Option<BookmarkBody>, description = "Optional"),
    responses((status = 204, description = "Bookmarked"), (status = "default", description = "An error: `{\"error\": …}`", body = ErrorBody)))]
pub async fn put_bookmark(
    State(s): State<AppState>,
    caller: Caller,
    RunId(id): RunId,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let body: BookmarkBody = if body.iter().all(u8::is_ascii_whitespace) {
        BookmarkBody::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| Problem::bad_request(format!("body must be {{\"note\": \"…\"}}: {e}")))?
    };
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
    params(("id" = i64, Path, description = "Run id")),
    responses((status = 204, description = "Removed"), (status = "default", description = "An error: `{\"error\": …}`", body = ErrorBody)))]
pub async fn delete_bookmark(
    State(s): State<AppState>,
    caller: Caller,
    RunId(id): RunId,
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

//! Runs, totals, jobs, events and bookmarks.

use app::model::{Bookmark, Event, JobStatus, RunDetail, RunPage, RunQuery, Sort, Totals};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use catalog::now_ms;

use super::error::{ApiResult, Problem};
use super::params::Params;
use crate::state::AppState;

/// Parameters of the run list.
pub const RUN_PARAMS: &[&str] = &[
    "user",
    "has_errors",
    "missing",
    "version",
    "bookmarked",
    "sort",
    "after",
    "limit",
];

/// Reads a run query from the query string.
pub fn run_query(p: &Params) -> ApiResult<RunQuery> {
    p.only(RUN_PARAMS)?;
    let sort = match p.text("sort") {
        None => Sort::default(),
        Some(s) => Sort::parse(&s).ok_or_else(|| {
            Problem::bad_request(format!(
                "sort must be one of {}, not {s:?}",
                Sort::ALL.map(Sort::as_str).join(", ")
            ))
        })?,
    };
    let (mut missing_client, mut missing_server) = (false, false);
    if let Some(m) = p.text("missing") {
        for part in m.split(',') {
            match part.trim() {
                "client" => missing_client = true,
                "server" => missing_server = true,
                other => {
                    return Err(Problem::bad_request(format!(
                        "missing must be client, server or both (comma-separated), not {other:?}"
                    )));
                }
            }
        }
    }
    Ok(RunQuery {
        user: p.text("user"),
        has_errors: p.flag("has_errors")?,
        missing_client,
        missing_server,
        version: p.text("version"),
        bookmarked: p.flag("bookmarked")?,
        sort,
        after: p.text("after"),
        limit: p.int("limit", 100, 1, i64::from(app::model::MAX_PAGE))? as u32,
    })
}

/// `GET /api/runs`
pub async fn list(State(s): State<AppState>, p: Params) -> ApiResult<Json<RunPage>> {
    let q = run_query(&p)?;
    Ok(Json(s.catalog.list_runs(&q).await?))
}

/// A run id from the path.
pub fn run_id(raw: &str) -> ApiResult<i64> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        Problem::bad_request(format!("run id must be a positive integer, not {raw:?}"))
    })
}

/// `GET /api/runs/{id}`
pub async fn get(
    State(s): State<AppState>,
    Path(id): Path<String>,
    p: Params,
) -> ApiResult<Json<RunDetail>> {
    p.only(&[])?;
    let id = run_id(&id)?;
    s.catalog
        .run(id)
        .await?
        .map(Json)
        .ok_or_else(|| Problem::not_found(format!("no run {id}")))
}

/// `GET /api/totals`
pub async fn totals(State(s): State<AppState>, p: Params) -> ApiResult<Json<Totals>> {
    p.only(&[])?;
    Ok(Json(s.source.totals().await?))
}

/// `GET /api/jobs`
pub async fn jobs(State(s): State<AppState>, p: Params) -> ApiResult<Json<JobStatus>> {
    p.only(&[])?;
    Ok(Json(s.catalog.job_status().await?))
}

/// `GET /api/events`
pub async fn events(State(s): State<AppState>, p: Params) -> ApiResult<Json<Vec<Event>>> {
    p.only(&["after", "limit"])?;
    let after = p.int("after", 0, 0, i64::MAX)?;
    let limit = p.int("limit", 100, 1, i64::from(catalog::MAX_EVENTS))? as u32;
    Ok(Json(s.catalog.events_after(after, limit).await?))
}

/// `GET /api/bookmarks`
pub async fn bookmarks(State(s): State<AppState>, p: Params) -> ApiResult<Json<Vec<Bookmark>>> {
    p.only(&[])?;
    Ok(Json(s.catalog.bookmarks().await?))
}

/// Body of `PUT /api/runs/{id}/bookmark`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct BookmarkBody {
    #[serde(default)]
    note: String,
}

/// `PUT /api/runs/{id}/bookmark` with an optional `{"note": "…"}`.
pub async fn put_bookmark(
    State(s): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let id = run_id(&id)?;
    let body: BookmarkBody = if body.iter().all(u8::is_ascii_whitespace) {
        BookmarkBody::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| Problem::bad_request(format!("body must be {{\"note\": \"…\"}}: {e}")))?
    };
    if s.catalog.set_bookmark(id, &body.note, now_ms()).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found(format!("no run {id}")))
    }
}

/// `DELETE /api/runs/{id}/bookmark`
pub async fn delete_bookmark(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = run_id(&id)?;
    if s.catalog.remove_bookmark(id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found(format!("run {id} is not bookmarked")))
    }
}

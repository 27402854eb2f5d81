//! The population of sessions: builds compared, and a user's history.

use axum::Json;
use axum::extract::State;
use model::{BuildsReport, UserHistory};
use serde::Deserialize;
use utoipa::IntoParams;

use super::path::UserName;
use super::query::{NoParams, Query};
use crate::problem::{ApiResult, ErrorBody, Problem};
use crate::state::AppState;

/// Parameters of `GET /api/builds`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct BuildsParams {
    /// Compare every build with this one. Default: each build with the
    /// build first seen before it.
    #[param(inline)]
    baseline: Option<super::runs::BuildName>,
}

/// `GET /api/builds?baseline=…`
#[utoipa::path(get, path = "/api/builds",
    summary = "Every protocol build with its sessions' distributions, compared with a baseline (worse builds first)",
    description = "Per build and measure (median and p95 of latency, decode time, encode time and encode size per session, and error %): the distribution of its sessions' values and a Mann-Whitney U test against the baseline, with Cliff's delta and the change of medians. A build is `worse` when a measure's Holm-adjusted p-value (over every comparison in the answer) is at most `rules.alpha` and Cliff's delta at least `rules.min_delta`; builds or baselines with fewer than `rules.min_sessions` measured sessions are `too_few`. Figures are kept as logs are indexed; `updating` counts builds being brought up to date.",
    params(BuildsParams),
    responses((status = 200, description = "The builds", body = BuildsReport),
        (status = 404, description = "No build named `baseline` has a session", body = ErrorBody)))]
pub async fn builds(
    State(s): State<AppState>,
    Query(p): Query<BuildsParams>,
) -> ApiResult<Json<BuildsReport>> {
    Ok(Json(
        s.catalog
            .builds_report(p.baseline.as_ref().map(|t| t.0.as_str()), &s.population)
            .await?,
    ))
}

/// `GET /api/users/{name}/history`
#[utoipa::path(get, path = "/api/users/{name}/history",
    summary = "A user's newest sessions (up to 1,000), oldest first, with each session's figures",
    params(UserName),
    responses((status = 200, description = "Their sessions", body = UserHistory),
        (status = 404, description = "No run has this username", body = ErrorBody)))]
pub async fn history(
    State(s): State<AppState>,
    UserName(name): UserName,
    _: Query<NoParams>,
) -> ApiResult<Json<UserHistory>> {
    s.catalog
        .user_history(&name)
        .await?
        .map(Json)
        .ok_or_else(|| Problem::not_found(format!("no run has the username {name:?}")))
}

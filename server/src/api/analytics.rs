//! Analytics across all logs.

use axum::Json;
use axum::extract::State;
use model::{ErrorsVsLatency, Histogram, Level, TopTemplate};
use serde::Deserialize;
use utoipa::IntoParams;

use super::param::TemplateLevel;
use super::query::{Int, Query};
use crate::problem::ApiResult;
use crate::state::AppState;

/// Parameters of the templates endpoint.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct TemplateParams {
    /// `ERROR` (default) or `WARNING`.
    #[param(inline)]
    level: Option<TemplateLevel>,
    /// Templates.
    #[param(inline)]
    limit: TemplateCount,
}

/// Templates in one answer.
type TemplateCount = Int<1, 500, 20>;

/// `GET /api/analytics/templates?level=ERROR&limit=20`
#[utoipa::path(get, path = "/api/analytics/templates",
    summary = "Most common error or warning templates across all logs",
    params(TemplateParams),
    responses((status = 200, description = "Templates with line and run counts", body = Vec<TopTemplate>)))]
pub async fn templates(
    State(s): State<AppState>,
    Query(p): Query<TemplateParams>,
) -> ApiResult<Json<Vec<TopTemplate>>> {
    let level = p.level.map_or(Level::Error, |l| l.0);
    Ok(Json(
        s.catalog.top_templates(level, p.limit.0 as u32).await?,
    ))
}

/// Whether tasks count in analytics of sessions.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct SessionParams {
    /// Count tasks' runs too (a task is not a session: its output may
    /// carry figures that are no session's). Default false.
    tasks: bool,
}

/// `GET /api/analytics/errors-vs-latency[?tasks=true]`
#[utoipa::path(get, path = "/api/analytics/errors-vs-latency",
    summary = "Error % against median latency per session, with Pearson and Spearman correlation",
    params(SessionParams),
    responses((status = 200, description = "Points and correlations", body = ErrorsVsLatency)))]
pub async fn errors_vs_latency(
    State(s): State<AppState>,
    Query(p): Query<SessionParams>,
) -> ApiResult<Json<ErrorsVsLatency>> {
    Ok(Json(s.catalog.errors_vs_latency(p.tasks).await?))
}

/// Parameters of the histogram endpoint.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct HistogramParams {
    /// Buckets.
    #[param(inline)]
    buckets: Buckets,
    /// Count tasks' runs too. Default false.
    tasks: bool,
}

/// Buckets of the histogram.
type Buckets = Int<1, 200, 30>;

/// `GET /api/analytics/latency-histogram?buckets=30[&tasks=true]`
#[utoipa::path(get, path = "/api/analytics/latency-histogram",
    summary = "Distribution of median latency over sessions",
    params(HistogramParams),
    responses((status = 200, description = "Histogram", body = Histogram)))]
pub async fn latency_histogram(
    State(s): State<AppState>,
    Query(p): Query<HistogramParams>,
) -> ApiResult<Json<Histogram>> {
    Ok(Json(
        s.catalog
            .latency_histogram(p.buckets.0 as u32, p.tasks)
            .await?,
    ))
}

//! Analytics across all logs.

use app::model::{ErrorsVsLatency, Histogram, TopTemplate};
use axum::Json;
use axum::extract::State;

use super::error::ApiResult;
use super::params::Params;
use crate::state::AppState;

/// `GET /api/analytics/templates?level=ERROR&limit=20`
pub async fn templates(State(s): State<AppState>, p: Params) -> ApiResult<Json<Vec<TopTemplate>>> {
    p.only(&["level", "limit"])?;
    let level = p
        .text("level")
        .unwrap_or_else(|| "ERROR".into())
        .to_ascii_uppercase();
    let limit = p.int("limit", 20, 1, 500)? as u32;
    Ok(Json(s.catalog.top_templates(&level, limit).await?))
}

/// `GET /api/analytics/errors-vs-latency`
pub async fn errors_vs_latency(
    State(s): State<AppState>,
    p: Params,
) -> ApiResult<Json<ErrorsVsLatency>> {
    p.only(&[])?;
    Ok(Json(s.catalog.errors_vs_latency().await?))
}

/// `GET /api/analytics/latency-histogram?buckets=30`
pub async fn latency_histogram(State(s): State<AppState>, p: Params) -> ApiResult<Json<Histogram>> {
    p.only(&["buckets"])?;
    let buckets = p.int("buckets", 30, 1, 200)? as u32;
    Ok(Json(s.catalog.latency_histogram(buckets).await?))
}

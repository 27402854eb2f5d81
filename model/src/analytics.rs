//! Figures across all runs: templates, errors against latency, histograms.

use serde::{Deserialize, Serialize};

use crate::Level;

/// An error or warning template over all logs.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopTemplate {
    /// [`Level::Error`] or [`Level::Warning`].
    pub level: Level,
    /// The normalised message.
    pub template: String,
    /// Lines with it, over all logs.
    pub count: i64,
    /// Runs with at least one such line.
    pub runs: i64,
}

/// One run in the errors-versus-latency scatter.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ErrorLatencyPoint {
    /// The run.
    pub run_id: i64,
    /// ERROR lines as a percentage of its lines.
    pub error_pct: f64,
    /// Its median latency in seconds.
    pub latency_p50: f64,
}

/// Whether runs with more errors have higher latency.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorsVsLatency {
    /// Runs with both figures known.
    pub runs: u64,
    /// Pearson correlation of error % and median latency; `None` under 2 runs
    /// or when either is constant.
    pub pearson: Option<f64>,
    /// Spearman rank correlation (ties get their average rank).
    pub spearman: Option<f64>,
    /// Points to plot: every run, or an even sample of them.
    pub points: Vec<ErrorLatencyPoint>,
}

/// A histogram bucket.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    /// Lower bound (inclusive).
    pub lo: f64,
    /// Upper bound (exclusive; inclusive for the last bucket).
    pub hi: f64,
    /// Values in it.
    pub count: u64,
}

/// Distribution of one value over runs.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// Runs with the value known.
    pub runs: u64,
    /// Equal-width buckets from the smallest value to the largest.
    pub buckets: Vec<Bucket>,
}

//! The population of sessions: protocol builds compared with a baseline,
//! sessions far from their build, and one user's sessions over time.
//!
//! Every figure here is per session (a run's median or 95th percentile of
//! a metric over its log, or its error %), and a population is the
//! sessions of a build. The catalog keeps each build's figures as counts
//! on a 2 % log scale, updated as logs are indexed; these types are what
//! the API answers with.

use serde::{Deserialize, Serialize};

use words::words;

words! {
    /// A per-session figure the population statistics look at. Higher is
    /// worse for every one (slower, larger, more errors).
    pub enum Measure {
        /// Median network latency over the session, seconds.
        LatencyP50 = "latency_p50",
        /// 95th percentile of network latency, seconds.
        LatencyP95 = "latency_p95",
        /// Median decode time per frame, seconds.
        DecodeP50 = "decode_p50",
        /// 95th percentile of decode time, seconds.
        DecodeP95 = "decode_p95",
        /// Median encode time per frame, seconds.
        EncodeP50 = "encode_p50",
        /// 95th percentile of encode time, seconds.
        EncodeP95 = "encode_p95",
        /// Median encoded frame size, bytes.
        SizeP50 = "size_p50",
        /// 95th percentile of encoded frame size, bytes.
        SizeP95 = "size_p95",
        /// ERROR lines as a percentage of the session's lines.
        ErrorPct = "error_pct",
    }
}

/// What a measure's values are in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Seconds,
    Bytes,
    Percent,
}

impl Measure {
    /// The measures a session is scored on for being an outlier: the
    /// 95th percentiles (a session's worst stretch is what its user felt).
    pub const OUTLIER: [Measure; 4] = [
        Measure::LatencyP95,
        Measure::DecodeP95,
        Measure::EncodeP95,
        Measure::SizeP95,
    ];

    /// Its place in [`Measure::ALL`] (the order of per-session values).
    pub fn index(self) -> usize {
        Measure::ALL.iter().position(|m| *m == self).unwrap_or(0)
    }

    /// The `runs` column holding it (the same word).
    pub fn column(self) -> &'static str {
        self.as_str()
    }

    /// What its values are in.
    pub fn unit(self) -> Unit {
        match self {
            Measure::SizeP50 | Measure::SizeP95 => Unit::Bytes,
            Measure::ErrorPct => Unit::Percent,
            _ => Unit::Seconds,
        }
    }

    /// In words, as a sentence names it: "p95 latency", "median decode
    /// time", "error %".
    pub fn label(self) -> &'static str {
        match self {
            Measure::LatencyP50 => "median latency",
            Measure::LatencyP95 => "p95 latency",
            Measure::DecodeP50 => "median decode time",
            Measure::DecodeP95 => "p95 decode time",
            Measure::EncodeP50 => "median encode time",
            Measure::EncodeP95 => "p95 encode time",
            Measure::SizeP50 => "median encode size",
            Measure::SizeP95 => "p95 encode size",
            Measure::ErrorPct => "error %",
        }
    }
}

/// How a build compares with its baseline, all measures taken together.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// At least one measure is significantly and materially higher.
    Worse,
    /// None worse, at least one significantly and materially lower.
    Better,
    /// Compared, and no measure differs enough to say.
    Same,
    /// The build or its baseline has fewer measured sessions than the
    /// minimum: nothing is said.
    TooFew,
    /// Nothing to compare with: the first build, or the baseline itself.
    Baseline,
}

/// The rules a comparison follows (the server's configuration).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PopulationRules {
    /// A difference is significant when its Holm-adjusted p-value (over
    /// every build × measure compared in the report) is at most this.
    pub alpha: f64,
    /// …and material when Cliff's delta is at least this far from 0.
    pub min_delta: f64,
    /// Measured sessions a build (and its baseline) needs to be compared.
    pub min_sessions: u64,
    /// A session is an outlier when a measure lies this many robust
    /// standard deviations (1.4826 × MAD) above its build's median.
    pub outlier_score: f64,
}

impl Default for PopulationRules {
    fn default() -> Self {
        PopulationRules {
            alpha: 0.01,
            min_delta: 0.2,
            min_sessions: 20,
            outlier_score: 5.0,
        }
    }
}

/// One measure of one build against its baseline.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Two-sided p-value of the Mann–Whitney U test.
    pub p: f64,
    /// `p` adjusted by Holm's method for every comparison in the report.
    pub p_adjusted: f64,
    /// Cliff's delta: P(build > baseline) − P(build < baseline).
    pub cliffs_delta: f64,
    /// The build's median minus the baseline's.
    pub median_change: f64,
    /// Significant, material and higher.
    pub worse: bool,
    /// Significant, material and lower.
    pub better: bool,
}

/// One measure of one build: its sessions' distribution.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuildMeasure {
    pub measure: Measure,
    /// Sessions with a value of it.
    pub sessions: u64,
    /// Median over the sessions (within 2 %); `None` without a session.
    pub median: Option<f64>,
    /// 95th percentile over the sessions (within 2 %).
    pub p95: Option<f64>,
    /// Sessions per bar of the measure's axis in the report
    /// ([`BuildsReport::axes`]): the distribution as a small multiple.
    pub bars: Vec<u64>,
    /// Against the baseline, when both have enough sessions.
    pub comparison: Option<Comparison>,
}

/// One protocol build.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuildReport {
    pub version: String,
    /// Its first session's time (seconds since the epoch).
    pub first_seen: i64,
    /// Its runs.
    pub sessions: u64,
    /// Its runs with an indexed log (the ones with figures).
    pub measured: u64,
    /// Its runs that are outliers.
    pub outliers: u64,
    /// The build it was compared with.
    pub baseline: Option<String>,
    pub verdict: Verdict,
    /// In [`Measure::ALL`]'s order.
    pub measures: Vec<BuildMeasure>,
}

/// A measure's axis: the bars' edges, common to every build.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasureAxis {
    pub measure: Measure,
    /// Lower edge of each bar, then the last bar's upper edge
    /// (logarithmic; a first edge of 0 is a bar of zeros). Empty when no
    /// build has a value.
    pub edges: Vec<f64>,
}

/// Every build, compared.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuildsReport {
    /// The build every other one was compared with, when one was picked;
    /// `None`: each with the build seen before it.
    pub baseline: Option<String>,
    pub rules: PopulationRules,
    /// Comparisons made (builds × measures), the number Holm's method
    /// accounts for.
    pub comparisons: u64,
    /// Worse builds first, then the newest first.
    pub builds: Vec<BuildReport>,
    /// In [`Measure::ALL`]'s order.
    pub axes: Vec<MeasureAxis>,
    /// Builds whose figures are being brought up to date (logs indexed
    /// since they were last computed).
    pub updating: u64,
}

/// Why a session is an outlier: its most extreme measure.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutlierNote {
    pub measure: Measure,
    /// The session's value.
    pub value: f64,
    /// Robust standard deviations (1.4826 × MAD) above the median.
    pub score: f64,
    /// The median of its build.
    pub median: f64,
    /// The build it was scored against.
    pub version: String,
}

/// One session of a user's history.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryPoint {
    pub run_id: i64,
    /// Seconds since the epoch.
    pub at: i64,
    pub version: Option<String>,
    /// Per-session figures in [`Measure::ALL`]'s order (`None`: not
    /// measured).
    pub values: Vec<Option<f64>>,
    /// The outlier's measure, when the session is one.
    pub outlier: Option<Measure>,
}

/// A user's sessions over time, oldest first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserHistory {
    pub username: String,
    /// Their sessions in all (the points are the newest of them).
    pub sessions: u64,
    pub points: Vec<HistoryPoint>,
    /// Builds they used, in the order they first used them.
    pub builds: Vec<String>,
}

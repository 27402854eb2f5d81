//! Summary statistics of a series: count, min, max, mean and percentiles.

use serde::{Deserialize, Serialize};

/// Summary of a series of values. All but `count` are `None` when it is empty.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Stats {
    /// Number of values.
    pub count: u64,
    /// Smallest value.
    pub min: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
    /// Arithmetic mean (compensated summation).
    pub mean: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
}

impl Stats {
    /// Computes the summary of `values` (finite numbers, any order).
    pub fn of(values: impl IntoIterator<Item = f64>) -> Stats {
        let mut sorted: Vec<f64> = values.into_iter().collect();
        if sorted.is_empty() {
            return Stats::default();
        }
        sorted.sort_unstable_by(f64::total_cmp);
        Stats {
            count: sorted.len() as u64,
            min: sorted.first().copied(),
            max: sorted.last().copied(),
            mean: Some(neumaier_sum(&sorted) / sorted.len() as f64),
            p50: percentile(&sorted, 50.0),
            p95: percentile(&sorted, 95.0),
            p99: percentile(&sorted, 99.0),
        }
    }
}

/// Percentile `p` (0–100) of ascending `sorted` values, interpolating
/// linearly between closest ranks (rank = p/100 × (n − 1), numpy's default).
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let rank = (p / 100.0).clamp(0.0, 1.0) * (n - 1) as f64;
    let lo = rank.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    let frac = rank - lo as f64;
    let (a, b) = (sorted[lo], sorted[hi]);
    // numpy's lerp form, exact at both ends
    Some(if frac >= 0.5 {
        b - (b - a) * (1.0 - frac)
    } else {
        a + (b - a) * frac
    })
}

fn neumaier_sum(values: &[f64]) -> f64 {
    let (mut sum, mut comp) = (0.0f64, 0.0f64);
    for &v in values {
        let t = sum + v;
        comp += if sum.abs() >= v.abs() {
            (sum - t) + v
        } else {
            (v - t) + sum
        };
        sum = t;
    }
    sum + comp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_has_only_count() {
        let s = Stats::of([]);
        assert_eq!(s.count, 0);
        assert!(s.min.is_none() && s.mean.is_none() && s.p99.is_none());
    }

    #[test]
    fn matches_numpy_linear() {
        // numpy.percentile([1,2,3,4,10], [50,95,99]) -> 3.0, 8.8, 9.76
        let s = Stats::of([10.0, 1.0, 3.0, 2.0, 4.0]);
        assert_eq!(s.p50, Some(3.0));
        assert!((s.p95.unwrap() - 8.8).abs() < 1e-12);
        assert!((s.p99.unwrap() - 9.76).abs() < 1e-12);
        assert_eq!(s.mean, Some(4.0));
        assert_eq!((s.min, s.max), (Some(1.0), Some(10.0)));
        let one = Stats::of([0.25]);
        assert_eq!((one.p50, one.p99), (Some(0.25), Some(0.25)));
    }

    #[test]
    fn compensated_mean() {
        let vals = [1e16, 1.0, -1e16, 1.0];
        assert_eq!(Stats::of(vals).mean, Some(0.5));
    }
}

//! Reducing a series for display, the same for the server's answers and the
//! page's live charts: per bucket of time, keep the smallest and the largest
//! point, so spikes survive any zoom level.

use logparse::{Metric, Point, Stats};

use crate::Series;

/// `all` (a metric's points, in time order) as a [`Series`]: every point
/// (`full`, or when there are at most `2 × width`), else the minimum and
/// maximum of each of `width` buckets; only those within the `(from, to)`
/// window when one is given. `stats` are over all the points. `Err` when the
/// window ends before it starts.
pub fn series_of(
    metric: Metric,
    all: &[Point],
    stats: Stats,
    width: usize,
    full: bool,
    (from, to): (Option<f64>, Option<f64>),
) -> Result<Series, String> {
    let points: Vec<[f64; 2]> = all.iter().map(|p| [p.t, p.v]).collect();
    let t0 = from.unwrap_or_else(|| points.first().map_or(0.0, |p| p[0]));
    let t1 = to.unwrap_or_else(|| points.last().map_or(0.0, |p| p[0]));
    if t1 < t0 {
        return Err(format!("from ({t0}) is after to ({t1})"));
    }
    let windowed = from.is_some() || to.is_some();
    let (points, downsampled) = if full || points.len() <= 2 * width {
        let kept = if windowed {
            points
                .into_iter()
                .filter(|p| p[0] >= t0 && p[0] <= t1)
                .collect()
        } else {
            points
        };
        (kept, false)
    } else {
        (downsample_minmax(&points, width, t0, t1), true)
    };
    Ok(Series {
        metric,
        unit: if metric == Metric::EncodeSize {
            "bytes"
        } else {
            "s"
        }
        .to_string(),
        total: all.len() as u64,
        downsampled,
        points,
        stats,
    })
}

/// At most `2 × buckets` points of `points` (sorted by t): in each of
/// `buckets` equal slices of `[t0, t1]`, the minimum and the maximum, in
/// time order. Points outside `[t0, t1]` are dropped.
pub fn downsample_minmax(points: &[[f64; 2]], buckets: usize, t0: f64, t1: f64) -> Vec<[f64; 2]> {
    if buckets == 0 || points.is_empty() {
        return Vec::new();
    }
    let inside = points.iter().filter(|p| p[0] >= t0 && p[0] <= t1);
    if t1 <= t0 {
        return inside.copied().collect();
    }
    let width = (t1 - t0) / buckets as f64;
    let mut out = Vec::with_capacity(buckets * 2);
    let mut current: Option<(usize, [f64; 2], [f64; 2])> = None;
    let flush = |out: &mut Vec<[f64; 2]>, (_, lo, hi): (usize, [f64; 2], [f64; 2])| {
        if lo == hi {
            out.push(lo);
        } else if lo[0] <= hi[0] {
            out.push(lo);
            out.push(hi);
        } else {
            out.push(hi);
            out.push(lo);
        }
    };
    for &p in inside {
        let b = (((p[0] - t0) / width) as usize).min(buckets - 1);
        match &mut current {
            Some((cb, lo, hi)) if *cb == b => {
                if p[1] < lo[1] {
                    *lo = p;
                }
                if p[1] > hi[1] {
                    *hi = p;
                }
            }
            _ => {
                if let Some(c) = current.take() {
                    flush(&mut out, c);
                }
                current = Some((b, p, p));
            }
        }
    }
    if let Some(c) = current {
        flush(&mut out, c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::downsample_minmax;

    #[test]
    fn keeps_extremes_per_bucket_in_time_order() {
        let pts: Vec<[f64; 2]> = (0..100)
            .map(|i| [i as f64, if i == 37 { 1000.0 } else { (i % 7) as f64 }])
            .collect();
        let out = downsample_minmax(&pts, 10, 0.0, 99.0);
        assert!(out.len() <= 20);
        assert!(out.contains(&[37.0, 1000.0]), "the spike survives");
        assert!(out.windows(2).all(|w| w[0][0] <= w[1][0]), "time order");
        let lo = out.iter().map(|p| p[1]).fold(f64::INFINITY, f64::min);
        assert_eq!(lo, 0.0);
    }

    #[test]
    fn small_inputs_and_ranges() {
        assert!(downsample_minmax(&[], 10, 0.0, 1.0).is_empty());
        assert_eq!(
            downsample_minmax(&[[1.0, 2.0]], 10, 0.0, 5.0),
            vec![[1.0, 2.0]]
        );
        let pts = [[0.0, 1.0], [5.0, 2.0], [10.0, 3.0]];
        assert_eq!(downsample_minmax(&pts, 100, 4.0, 6.0), vec![[5.0, 2.0]]);
    }
}

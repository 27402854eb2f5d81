//! Reducing a series for display, the same for the server's answers and the
//! page's live charts: per bucket of time, keep the smallest and the largest
//! point, so spikes survive any zoom level.

use logparse::{Metric, Point, Stats};

use crate::Series;

/// `all` (a metric's points, in time order) as a [`Series`]: every point
/// (`full`, or when there are at most `2 × width`), else the minimum and
/// maximum of each of `width` buckets; only those within the `(from, to)`
/// window when one is given. `stats` are over every point of the window (of
/// the whole series without one), so they follow a chart's zoom. A window
/// that ends before it starts holds no point.
pub fn series_of(
    metric: Metric,
    all: &[Point],
    width: usize,
    full: bool,
    (from, to): (Option<f64>, Option<f64>),
) -> Series {
    let t0 = from.unwrap_or_else(|| all.first().map_or(0.0, |p| p.t));
    let t1 = to.unwrap_or_else(|| all.last().map_or(0.0, |p| p.t));
    let windowed = from.is_some() || to.is_some();
    let inside = |p: &&Point| !windowed || (p.t >= t0 && p.t <= t1);
    let stats = Stats::of(all.iter().filter(inside).map(|p| p.v));
    let (kept, downsampled): (Vec<&Point>, bool) = if t1 < t0 {
        (Vec::new(), false)
    } else if full || all.len() <= 2 * width {
        (all.iter().filter(inside).collect(), false)
    } else {
        let xy: Vec<[f64; 2]> = all.iter().map(|p| [p.t, p.v]).collect();
        let picked = minmax_indices(&xy, width, t0, t1);
        (picked.into_iter().map(|i| &all[i]).collect(), true)
    };
    Series {
        metric,
        unit: if metric == Metric::EncodeSize {
            "bytes"
        } else {
            "s"
        }
        .to_string(),
        total: all.len() as u64,
        downsampled,
        points: kept.iter().map(|p| [p.t, p.v]).collect(),
        lines: if kept.iter().any(|p| p.n > 0) {
            kept.iter().map(|p| p.n).collect()
        } else {
            Vec::new()
        },
        stats,
    }
}

/// At most `2 × buckets` points of `points` (sorted by t): in each of
/// `buckets` equal slices of `[t0, t1]`, the minimum and the maximum, in
/// time order. Points outside `[t0, t1]` are dropped.
pub fn downsample_minmax(points: &[[f64; 2]], buckets: usize, t0: f64, t1: f64) -> Vec<[f64; 2]> {
    minmax_indices(points, buckets, t0, t1)
        .into_iter()
        .map(|i| points[i])
        .collect()
}

/// The indices [`downsample_minmax`] keeps, in time order.
fn minmax_indices(points: &[[f64; 2]], buckets: usize, t0: f64, t1: f64) -> Vec<usize> {
    if buckets == 0 || points.is_empty() {
        return Vec::new();
    }
    let inside = points
        .iter()
        .enumerate()
        .filter(|(_, p)| p[0] >= t0 && p[0] <= t1);
    if t1 <= t0 {
        return inside.map(|(i, _)| i).collect();
    }
    let width = (t1 - t0) / buckets as f64;
    let mut out = Vec::with_capacity(buckets * 2);
    // (bucket, index of its lowest value, index of its highest value)
    let mut current: Option<(usize, usize, usize)> = None;
    let flush = |out: &mut Vec<usize>, (_, lo, hi): (usize, usize, usize)| {
        if lo == hi {
            out.push(lo);
        } else {
            out.push(lo.min(hi));
            out.push(lo.max(hi));
        }
    };
    for (i, p) in inside {
        let b = (((p[0] - t0) / width) as usize).min(buckets - 1);
        match &mut current {
            Some((cb, lo, hi)) if *cb == b => {
                if p[1] < points[*lo][1] {
                    *lo = i;
                }
                if p[1] > points[*hi][1] {
                    *hi = i;
                }
            }
            _ => {
                if let Some(c) = current.take() {
                    flush(&mut out, c);
                }
                current = Some((b, i, i));
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
    use super::{downsample_minmax, series_of};
    use logparse::{Metric, Point};

    fn pts(n: u64) -> Vec<Point> {
        (0..n)
            .map(|i| Point {
                t: i as f64,
                v: if i == 37 { 1000.0 } else { (i % 7) as f64 },
                n: 10 + 2 * i,
            })
            .collect()
    }

    #[test]
    fn reduced_points_keep_their_lines() {
        let s = series_of(Metric::Latency, &pts(1000), 10, false, (None, None));
        assert!(s.downsampled);
        assert_eq!(s.lines.len(), s.points.len());
        for (p, n) in s.points.iter().zip(&s.lines) {
            assert_eq!(*n, 10 + 2 * p[0] as u64, "point {p:?}");
        }
        assert!(s.points.contains(&[37.0, 1000.0]), "the spike survives");
    }

    #[test]
    fn statistics_follow_the_window() {
        let all = pts(100);
        let whole = series_of(Metric::Latency, &all, 1000, false, (None, None));
        assert_eq!(whole.stats.count, 100);
        assert_eq!(whole.stats.max, Some(1000.0));
        let zoomed = series_of(Metric::Latency, &all, 1000, false, (Some(40.0), Some(49.0)));
        assert_eq!(zoomed.stats.count, 10);
        assert_eq!(zoomed.stats.max, Some(6.0), "the spike at 37 is outside");
        assert_eq!(zoomed.total, 100);
        assert_eq!(zoomed.lines.first(), Some(&90));
        let empty = series_of(Metric::Latency, &all, 10, false, (Some(5.0), Some(4.0)));
        assert!(empty.points.is_empty());
        assert_eq!(empty.stats.count, 0);
        assert_eq!(empty.total, 100);
    }

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

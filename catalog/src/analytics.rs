//! Analytics across all logs: most common templates, errors versus latency,
//! the distribution of median latency.

use model::{ErrorLatencyPoint, ErrorsVsLatency, Histogram, Level, TopTemplate};
use sqlx::Row;

use crate::{Catalog, CatalogError};

/// Most points a scatter carries.
pub const MAX_POINTS: usize = 2000;

impl Catalog {
    /// The `limit` most frequent templates at `level` ([`Level::Error`] or
    /// [`Level::Warning`]: only those have templates).
    pub async fn top_templates(
        &self,
        level: Level,
        limit: u32,
    ) -> Result<Vec<TopTemplate>, CatalogError> {
        if !matches!(level, Level::Error | Level::Warning) {
            return Err(CatalogError::BadRequest(format!(
                "level must be ERROR or WARNING, not {:?}",
                level.as_str()
            )));
        }
        if limit == 0 || limit > 500 {
            return Err(CatalogError::BadRequest(format!(
                "limit must be between 1 and 500, not {limit}"
            )));
        }
        let rows = sqlx::query(
            "SELECT level, template, count, runs FROM template_totals WHERE level = $1 \
             ORDER BY count DESC, template LIMIT $2",
        )
        .bind(level.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TopTemplate {
                    level: crate::runs::word(r, "level")?,
                    template: r.try_get("template")?,
                    count: r.try_get("count")?,
                    runs: r.try_get("runs")?,
                })
            })
            .collect()
    }

    /// Error percentage against median latency over every indexed session,
    /// with Pearson and Spearman correlations. Tasks are not sessions,
    /// whatever their output says: they count only `with_tasks`.
    pub async fn errors_vs_latency(
        &self,
        with_tasks: bool,
    ) -> Result<ErrorsVsLatency, CatalogError> {
        let rows = sqlx::query(
            "SELECT id, error_pct, latency_p50 FROM runs WHERE (kind = 'connection' OR $1) \
             AND error_pct IS NOT NULL AND latency_p50 IS NOT NULL ORDER BY id",
        )
        .bind(with_tasks)
        .fetch_all(&self.pool)
        .await?;
        let mut points = Vec::with_capacity(rows.len());
        for r in &rows {
            points.push(ErrorLatencyPoint {
                run_id: r.try_get("id")?,
                error_pct: r.try_get("error_pct")?,
                latency_p50: r.try_get("latency_p50")?,
            });
        }
        let xs: Vec<f64> = points.iter().map(|p| p.error_pct).collect();
        let ys: Vec<f64> = points.iter().map(|p| p.latency_p50).collect();
        let pearson = stats::pearson(&xs, &ys);
        let spearman = stats::pearson(&stats::ranks(&xs), &stats::ranks(&ys));
        let runs = points.len() as u64;
        if points.len() > MAX_POINTS {
            let step = points.len() as f64 / MAX_POINTS as f64;
            points = (0..MAX_POINTS)
                .map(|i| points[(i as f64 * step) as usize])
                .collect();
        }
        Ok(ErrorsVsLatency {
            runs,
            pearson,
            spearman,
            points,
        })
    }

    /// Distribution of median latency (seconds) over sessions (and tasks,
    /// `with_tasks`), in `buckets` equal-width buckets.
    pub async fn latency_histogram(
        &self,
        buckets: u32,
        with_tasks: bool,
    ) -> Result<Histogram, CatalogError> {
        if buckets == 0 || buckets > 200 {
            return Err(CatalogError::BadRequest(format!(
                "buckets must be between 1 and 200, not {buckets}"
            )));
        }
        let rows = sqlx::query(
            "SELECT latency_p50 FROM runs WHERE (kind = 'connection' OR $1) \
             AND latency_p50 IS NOT NULL",
        )
        .bind(with_tasks)
        .fetch_all(&self.pool)
        .await?;
        let values: Vec<f64> = rows
            .iter()
            .map(|r| r.try_get::<f64, _>("latency_p50"))
            .collect::<Result<_, _>>()?;
        Ok(stats::histogram(&values, buckets as usize))
    }
}

/// Pure statistics helpers.
pub(crate) mod stats {
    use model::{Bucket, Histogram};

    /// Pearson correlation; `None` with fewer than two pairs or a constant side.
    pub fn pearson(xs: &[f64], ys: &[f64]) -> Option<f64> {
        let n = xs.len().min(ys.len());
        if n < 2 {
            return None;
        }
        let mx = xs[..n].iter().sum::<f64>() / n as f64;
        let my = ys[..n].iter().sum::<f64>() / n as f64;
        let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
        for i in 0..n {
            let dx = xs[i] - mx;
            let dy = ys[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        if sxx == 0.0 || syy == 0.0 {
            return None;
        }
        Some((sxy / (sxx.sqrt() * syy.sqrt())).clamp(-1.0, 1.0))
    }

    /// 1-based ranks, ties sharing their average rank.
    pub fn ranks(values: &[f64]) -> Vec<f64> {
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
        let mut ranks = vec![0.0; values.len()];
        let mut i = 0;
        while i < order.len() {
            let mut j = i;
            while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
                j += 1;
            }
            let rank = (i + j) as f64 / 2.0 + 1.0;
            for &k in &order[i..=j] {
                ranks[k] = rank;
            }
            i = j + 1;
        }
        ranks
    }

    /// `n` equal-width buckets from min to max (one bucket when all are equal).
    pub fn histogram(values: &[f64], n: usize) -> Histogram {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let (Some(lo), Some(hi)) = (
            finite.iter().copied().reduce(f64::min),
            finite.iter().copied().reduce(f64::max),
        ) else {
            return Histogram::default();
        };
        let n = if hi > lo { n } else { 1 };
        let width = if hi > lo { (hi - lo) / n as f64 } else { 0.0 };
        let mut buckets: Vec<Bucket> = (0..n)
            .map(|i| Bucket {
                lo: lo + i as f64 * width,
                hi: if i + 1 == n {
                    hi
                } else {
                    lo + (i + 1) as f64 * width
                },
                count: 0,
            })
            .collect();
        for v in &finite {
            let i = if width > 0.0 {
                (((v - lo) / width) as usize).min(n - 1)
            } else {
                0
            };
            buckets[i].count += 1;
        }
        Histogram {
            runs: finite.len() as u64,
            buckets,
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn close(got: Option<f64>, want: f64) -> bool {
            got.is_some_and(|g| (g - want).abs() < 1e-12)
        }

        #[test]
        fn pearson_of_lines_and_constants() {
            assert!(close(pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]), 1.0));
            assert!(close(pearson(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), -1.0));
            assert_eq!(pearson(&[1.0, 1.0], &[1.0, 2.0]), None);
            assert_eq!(pearson(&[1.0], &[1.0]), None);
        }

        #[test]
        fn spearman_is_pearson_of_average_ranks() {
            assert_eq!(ranks(&[10.0, 30.0, 20.0, 20.0]), vec![1.0, 4.0, 2.5, 2.5]);
            // Monotone but not linear: Spearman 1, Pearson below 1.
            let xs = [1.0, 2.0, 3.0, 4.0];
            let ys = [1.0, 8.0, 27.0, 64.0];
            assert!(close(pearson(&ranks(&xs), &ranks(&ys)), 1.0));
            assert!(pearson(&xs, &ys).unwrap() < 0.99);
            // numpy/scipy: spearmanr([1,2,2,3],[1,3,2,4]) = 0.9486832980505138
            let r = pearson(&ranks(&[1.0, 2.0, 2.0, 3.0]), &ranks(&[1.0, 3.0, 2.0, 4.0])).unwrap();
            assert!((r - 0.9486832980505138).abs() < 1e-12, "{r}");
        }

        #[test]
        fn histogram_spans_min_to_max() {
            let h = histogram(&[0.0, 1.0, 2.0, 3.0, 4.0], 4);
            assert_eq!(h.runs, 5);
            assert_eq!(
                h.buckets.iter().map(|b| b.count).collect::<Vec<_>>(),
                vec![1, 1, 1, 2]
            );
            assert_eq!(h.buckets[3].hi, 4.0);
            let h = histogram(&[2.0, 2.0], 10);
            assert_eq!(h.buckets.len(), 1);
            assert_eq!(h.buckets[0].count, 2);
            assert_eq!(histogram(&[], 3), Histogram::default());
        }
    }
}

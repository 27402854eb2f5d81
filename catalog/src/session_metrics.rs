//! Each session's median and 95th percentile of decode time, encode time
//! and encode size, as columns of `runs` (migration 8; latency has its own
//! since the first). Written from the logs' summaries when a log is
//! indexed, and filled once on open for a catalog made before them. The
//! population figures read these columns, never the summaries.

use std::collections::BTreeMap;

use model::{LogSummary, MetricStats};
use sqlx::Row;

use crate::sql::Sql;
use crate::{Backend, CatalogError};

/// A metric's two columns and where its figures are in a summary.
struct Columns {
    p50: &'static str,
    p95: &'static str,
    of: fn(&LogSummary) -> MetricStats,
}

const COLUMNS: [Columns; 3] = [
    Columns {
        p50: "decode_p50",
        p95: "decode_p95",
        of: |s| s.decode_time,
    },
    Columns {
        p50: "encode_p50",
        p95: "encode_p95",
        of: |s| s.encode_time,
    },
    Columns {
        p50: "size_p50",
        p95: "size_p95",
        of: |s| s.encode_size,
    },
];

/// A metric's figures for a run: those of whichever of its logs has more
/// values of it (a client logs decoding, a server encoding; a log with
/// none of it says nothing). Default (no values) when none has any.
fn of_run(logs: &[&LogSummary], of: fn(&LogSummary) -> MetricStats) -> MetricStats {
    logs.iter()
        .map(|s| of(s))
        .filter(|m| m.count > 0)
        .max_by_key(|m| m.count)
        .unwrap_or_default()
}

/// Appends `, decode_p50 = …, …` for a run whose indexed logs are `logs`.
pub(crate) fn push_set(q: &mut Sql, logs: &[&LogSummary]) {
    for c in &COLUMNS {
        let m = of_run(logs, c.of);
        q.push(&format!(", {} = ", c.p50)).bind_f64(m.p50);
        q.push(&format!(", {} = ", c.p95)).bind_f64(m.p95);
    }
}

/// Fills the columns of every run with an indexed log, once, for a
/// catalog made before them; runs on open while the migration's marker is
/// there, a thousand runs per transaction.
pub(crate) async fn fill_migrated(
    pool: &sqlx::AnyPool,
    backend: Backend,
) -> Result<(), CatalogError> {
    if !crate::marker_pending(pool, "fill_session_metrics").await? {
        return Ok(());
    }
    let mut after = i64::MIN;
    loop {
        let ids = sqlx::query(
            "SELECT DISTINCT run_id FROM logs WHERE summary IS NOT NULL AND run_id > $1 \
             ORDER BY run_id LIMIT 1000",
        )
        .bind(after)
        .fetch_all(pool)
        .await?;
        let (Some(first), Some(last)) = (ids.first(), ids.last()) else {
            break;
        };
        let (first, last): (i64, i64) = (first.try_get("run_id")?, last.try_get("run_id")?);
        after = last;
        let rows = sqlx::query(
            "SELECT run_id, summary FROM logs WHERE summary IS NOT NULL \
             AND run_id >= $1 AND run_id <= $2",
        )
        .bind(first)
        .bind(last)
        .fetch_all(pool)
        .await?;
        let mut by_run: BTreeMap<i64, Vec<LogSummary>> = BTreeMap::new();
        for r in &rows {
            let text: String = r.try_get("summary")?;
            let summary: LogSummary = serde_json::from_str(&text)
                .map_err(|e| CatalogError::Corrupt(format!("log summary: {e}")))?;
            by_run
                .entry(r.try_get("run_id")?)
                .or_default()
                .push(summary);
        }
        let mut tx = crate::begin_write(pool, backend).await?;
        for (id, logs) in &by_run {
            let logs: Vec<&LogSummary> = logs.iter().collect();
            let mut q = Sql::new(backend, "UPDATE runs SET id = id");
            push_set(&mut q, &logs);
            q.push(" WHERE id = ").bind(*id);
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
    }
    crate::marker_done(pool, "fill_session_metrics").await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(count: u64, p50: f64) -> MetricStats {
        MetricStats {
            count,
            p50: Some(p50),
            p95: Some(p50 * 2.0),
            ..MetricStats::default()
        }
    }

    #[test]
    fn a_metric_comes_from_the_log_with_more_of_it() {
        let client = LogSummary {
            decode_time: stats(100, 0.004),
            encode_time: stats(2, 0.5),
            ..LogSummary::default()
        };
        let server = LogSummary {
            encode_time: stats(90, 0.007),
            ..LogSummary::default()
        };
        let logs = [&client, &server];
        assert_eq!(of_run(&logs, |s| s.decode_time).p50, Some(0.004));
        assert_eq!(of_run(&logs, |s| s.encode_time).p50, Some(0.007));
        assert_eq!(of_run(&logs, |s| s.encode_size), MetricStats::default());
        assert_eq!(of_run(&[], |s| s.encode_size), MetricStats::default());
    }
}

//! Totals of error and warning templates over all logs, kept in step as logs
//! are indexed, moved or dropped.

use std::collections::HashSet;

use model::{LogSummary, TemplateCount};
use sqlx::{Any, Row};

use crate::sql::Sql;
use crate::{Backend, CatalogError};

/// Adds (`sign` 1) or removes (`sign` -1) one log's templates from the
/// totals. A run counts once per template, so a template the run's other
/// log also has does not change the run count.
pub(crate) async fn add_templates(
    tx: &mut sqlx::Transaction<'_, Any>,
    backend: Backend,
    templates: &[TemplateCount],
    other_log: &HashSet<(&str, &str)>,
    sign: i64,
) -> Result<(), CatalogError> {
    if templates.is_empty() {
        return Ok(());
    }
    let mut q = Sql::new(
        backend,
        "INSERT INTO template_totals (level, template, count, runs) VALUES ",
    );
    q.values(templates, |b, t| {
        let runs = i64::from(!other_log.contains(&(t.level.as_str(), t.template.as_str())));
        b.bind(t.level.as_str().to_string())
            .bind(crate::clean_text(&t.template).into_owned())
            .bind(sign * t.count as i64)
            .bind(sign * runs);
    });
    q.push(
        " ON CONFLICT (level, template) DO UPDATE SET \
         count = template_totals.count + excluded.count, runs = template_totals.runs + excluded.runs",
    );
    q.execute(&mut **tx).await?;
    if sign < 0 {
        sqlx::query("DELETE FROM template_totals WHERE count <= 0")
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Takes the templates of logs whose location changed or that are no longer
/// named out of the totals, before the import drops their summaries.
/// `new_location(run, log)` is the location the import gives the log.
pub(crate) async fn forget_replaced(
    tx: &mut sqlx::Transaction<'_, Any>,
    backend: Backend,
    run_ids: &[i64],
    new_location: impl Fn(i64, &str) -> Option<String>,
) -> Result<(), CatalogError> {
    let mut q = Sql::new(
        backend,
        "SELECT run_id, name, location, summary FROM logs WHERE summary IS NOT NULL AND run_id IN (",
    );
    q.list(run_ids.to_vec()).push(")");
    let rows = q.fetch_all(&mut **tx).await?;
    // (run, name, replaced, summary)
    let mut logs: Vec<(i64, String, bool, LogSummary)> = Vec::with_capacity(rows.len());
    for r in rows {
        let run: i64 = r.try_get("run_id")?;
        let name: String = r.try_get("name")?;
        let location: Option<String> = r.try_get("location")?;
        let text: String = r.try_get("summary")?;
        let summary: LogSummary = serde_json::from_str(&text)
            .map_err(|e| CatalogError::Corrupt(format!("log summary: {e}")))?;
        let replaced = new_location(run, &name) != location;
        logs.push((run, name, replaced, summary));
    }
    for i in 0..logs.len() {
        if !logs[i].2 {
            continue;
        }
        let (run, name) = (logs[i].0, logs[i].1.clone());
        let other: HashSet<(&str, &str)> = logs
            .iter()
            .filter(|l| l.0 == run && l.1 != name && !l.3.templates.is_empty())
            .flat_map(|l| &l.3.templates)
            .map(|t| (t.level.as_str(), t.template.as_str()))
            .collect();
        add_templates(tx, backend, &logs[i].3.templates, &other, -1).await?;
        // Counted out: the other log no longer shares with it.
        logs[i].3.templates.clear();
    }
    Ok(())
}

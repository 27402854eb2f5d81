//! Error and warning templates: totals over all logs, and which logs have
//! each (`log_templates`, for the run list's template filter), both kept in
//! step as logs are indexed, moved or dropped.

use std::collections::HashSet;

use model::{Level, LogSummary, TemplateCount, TemplateRef};
use sqlx::{Any, Row};

use crate::sql::Sql;
use crate::{Backend, CatalogError};

/// The key `log_templates` files a template under: 63 bits of FNV-1a over
/// the level, a NUL and the template as stored. Stable across builds and
/// engines (it is stored); two of the few thousand templates a catalog
/// holds share a key with a chance of about one in 10^12.
pub fn template_key(level: Level, template: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let text = crate::clean_text(template);
    for b in level
        .as_str()
        .bytes()
        .chain(std::iter::once(0))
        .chain(text.bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h >> 1) as i64
}

/// How many times more runs a template may have than a search term before
/// the list is walked instead: testing a run while walking (a probe of
/// `log_templates` per run) costs more than reading a found run's sort key
/// (at 1M runs in SQLite, a page of a template on 6,667 runs took 66 ms
/// p50 walked and 29–42 ms sorted).
const TEMPLATE_DENSE: i64 = 4;

/// How to find the runs with a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TemplatePlan {
    key: i64,
    /// Fewer runs have it than [`TEMPLATE_DENSE`] times
    /// [`crate::SearchLimits::dense_runs`]: read them through
    /// `log_templates` and sort them, rather than test each run while
    /// walking the list.
    few: bool,
    /// Runs that have it, as the totals say (kept in step with
    /// `log_templates` in the same transactions).
    runs: i64,
}

impl TemplatePlan {
    pub fn is_few(&self) -> bool {
        self.few
    }

    pub fn runs(&self) -> i64 {
        self.runs
    }

    /// Appends `lt.tkey = KEY` (for a statement reading `log_templates lt`).
    pub fn push_key(&self, q: &mut Sql) {
        q.push("lt.tkey = ").bind(self.key);
    }

    /// Appends a condition true for the runs with the template.
    ///
    /// The few are read by id. PostgreSQL is handed them as one array
    /// (`= ANY(ARRAY(…))`, computed once): written as `IN (SELECT …)` its
    /// planner costs the thousands of lookups above a scan of a whole
    /// order's index, and at 1M runs chose the scan — 235 ms for a template
    /// on 6,346 runs against 30–40 ms for the lookups.
    pub fn push_filter(&self, q: &mut Sql, backend: Backend) {
        if self.few {
            q.push(match backend {
                Backend::Sqlite => "runs.id IN (SELECT lt.run_id",
                Backend::Postgres => "runs.id = ANY(ARRAY(SELECT lt.run_id",
            })
            .push(" FROM log_templates lt WHERE lt.tkey = ")
            .bind(self.key)
            .push(match backend {
                Backend::Sqlite => ")",
                Backend::Postgres => "))",
            });
        } else {
            q.push("EXISTS (SELECT 1 FROM log_templates lt WHERE lt.tkey = ")
                .bind(self.key)
                .push(" AND lt.run_id = runs.id)");
        }
    }
}

/// Chooses how to find the runs with `t`, by how many runs the totals say
/// have it; `None` when no run has it.
pub(crate) async fn plan(
    pool: &sqlx::AnyPool,
    limits: crate::SearchLimits,
    t: &TemplateRef,
) -> Result<Option<TemplatePlan>, CatalogError> {
    if !matches!(t.level, Level::Error | Level::Warning) {
        return Err(CatalogError::BadRequest(format!(
            "template_level must be ERROR or WARNING, not {:?}",
            t.level.as_str()
        )));
    }
    let text = crate::clean_text(&t.template).into_owned();
    let row = sqlx::query("SELECT runs FROM template_totals WHERE level = $1 AND template = $2")
        .bind(t.level.as_str())
        .bind(text.clone())
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let runs: i64 = row.try_get("runs")?;
    Ok((runs > 0).then(|| TemplatePlan {
        key: template_key(t.level, &text),
        few: runs < limits.dense_runs * TEMPLATE_DENSE,
        runs,
    }))
}

/// One log of one run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LogOf<'a> {
    pub run_id: i64,
    pub log: &'a str,
}

/// The log of a task run: a program's output, not a streaming session's
/// log. Its errors and warnings stay out of the templates (the most common
/// errors, the runs with a template): one task printing thousands of lines
/// would otherwise outweigh every session.
const TASK_OUTPUT: &str = "output";

/// Adds (`sign` 1) or removes (`sign` -1) one log's templates from the
/// totals and from `log_templates`. A run counts once per template, so a
/// template the run's other log also has does not change the run count.
/// A task's output is left out (see [`TASK_OUTPUT`]).
pub(crate) async fn add_templates(
    tx: &mut sqlx::Transaction<'_, Any>,
    backend: Backend,
    of: LogOf<'_>,
    templates: &[TemplateCount],
    other_log: &HashSet<(&str, &str)>,
    sign: i64,
) -> Result<(), CatalogError> {
    if of.log == TASK_OUTPUT {
        return Ok(());
    }
    change_templates(tx, backend, of, templates, other_log, sign).await
}

/// [`add_templates`] for any log.
async fn change_templates(
    tx: &mut sqlx::Transaction<'_, Any>,
    backend: Backend,
    of: LogOf<'_>,
    templates: &[TemplateCount],
    other_log: &HashSet<(&str, &str)>,
    sign: i64,
) -> Result<(), CatalogError> {
    if templates.is_empty() {
        return Ok(());
    }
    file_templates(tx, backend, of, templates, sign > 0).await?;
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
        let of = LogOf {
            run_id: run,
            log: &name,
        };
        add_templates(tx, backend, of, &logs[i].3.templates, &other, -1).await?;
        // Counted out: the other log no longer shares with it.
        logs[i].3.templates.clear();
    }
    Ok(())
}

/// Files a log's templates in `log_templates` (`add`), or takes them out.
async fn file_templates(
    tx: &mut sqlx::Transaction<'_, Any>,
    backend: Backend,
    of: LogOf<'_>,
    templates: &[TemplateCount],
    add: bool,
) -> Result<(), CatalogError> {
    if !add {
        let mut q = Sql::new(backend, "DELETE FROM log_templates WHERE run_id = ");
        q.bind(of.run_id)
            .push(" AND log = ")
            .bind(of.log.to_string());
        q.execute(&mut **tx).await?;
        return Ok(());
    }
    let mut keys: Vec<i64> = templates
        .iter()
        .map(|t| template_key(t.level, &t.template))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let mut q = Sql::new(
        backend,
        "INSERT INTO log_templates (tkey, run_id, log) VALUES ",
    );
    q.values(&keys, |b, k| {
        b.bind(*k).bind(of.run_id).bind(of.log.to_string());
    });
    q.push(" ON CONFLICT DO NOTHING");
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Files the templates of every indexed log once, for a catalog made
/// before `log_templates` existed; runs on open while the migration's
/// marker is there, a few thousand logs per transaction.
pub(crate) async fn file_migrated_templates(
    pool: &sqlx::AnyPool,
    backend: Backend,
) -> Result<(), CatalogError> {
    if !crate::marker_pending(pool, "index_log_templates").await? {
        return Ok(());
    }
    let mut after: (i64, String) = (i64::MIN, String::new());
    loop {
        let rows = sqlx::query(
            "SELECT run_id, name, summary FROM logs WHERE summary IS NOT NULL \
             AND (run_id, name) > ($1, $2) ORDER BY run_id, name LIMIT 2000",
        )
        .bind(after.0)
        .bind(after.1.clone())
        .fetch_all(pool)
        .await?;
        let Some(last) = rows.last() else { break };
        after = (last.try_get("run_id")?, last.try_get("name")?);
        let mut tx = crate::begin_write(pool, backend).await?;
        for r in &rows {
            let text: String = r.try_get("summary")?;
            let summary: LogSummary = serde_json::from_str(&text)
                .map_err(|e| CatalogError::Corrupt(format!("log summary: {e}")))?;
            let name: String = r.try_get("name")?;
            if summary.templates.is_empty() || name == TASK_OUTPUT {
                continue;
            }
            let of = LogOf {
                run_id: r.try_get("run_id")?,
                log: &name,
            };
            file_templates(&mut tx, backend, of, &summary.templates, true).await?;
        }
        tx.commit().await?;
    }
    crate::marker_done(pool, "index_log_templates").await?;
    Ok(())
}

/// Takes the templates of tasks' output out of the totals and of
/// `log_templates`, for a catalog that counted them (before migration 11);
/// runs on open while the migration's marker is there.
pub(crate) async fn drop_task_templates(
    pool: &sqlx::AnyPool,
    backend: Backend,
) -> Result<(), CatalogError> {
    if !crate::marker_pending(pool, "drop_task_templates").await? {
        return Ok(());
    }
    let mut after = i64::MIN;
    loop {
        let rows = sqlx::query(
            "SELECT run_id, summary FROM logs WHERE name = $1 AND summary IS NOT NULL \
             AND run_id > $2 ORDER BY run_id LIMIT 2000",
        )
        .bind(TASK_OUTPUT)
        .bind(after)
        .fetch_all(pool)
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.try_get("run_id")?;
        let mut tx = crate::begin_write(pool, backend).await?;
        for r in &rows {
            let text: String = r.try_get("summary")?;
            let summary: LogSummary = serde_json::from_str(&text)
                .map_err(|e| CatalogError::Corrupt(format!("log summary: {e}")))?;
            let of = LogOf {
                run_id: r.try_get("run_id")?,
                log: TASK_OUTPUT,
            };
            // A task run has one log: no other log shares its templates.
            change_templates(
                &mut tx,
                backend,
                of,
                &summary.templates,
                &HashSet::new(),
                -1,
            )
            .await?;
        }
        tx.commit().await?;
    }
    crate::marker_done(pool, "drop_task_templates").await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_and_tell_levels_apart() {
        let e = template_key(Level::Error, "disk <*> full");
        assert_eq!(e, template_key(Level::Error, "disk <*> full"));
        assert_ne!(e, template_key(Level::Warning, "disk <*> full"));
        assert_ne!(e, template_key(Level::Error, "disk <*> ful"));
        assert!(e >= 0);
        // As stored: NUL is replaced before hashing.
        assert_eq!(
            template_key(Level::Error, "a\0b"),
            template_key(Level::Error, "a\u{FFFD}b")
        );
    }
}

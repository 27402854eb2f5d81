//! Durable indexing jobs: one per log, leased by a worker for a while,
//! retried with backoff when a lease expires or an attempt fails, recorded
//! with its reason when it fails for good. Completing a job and storing its
//! summary happen in one transaction, and only while the lease is still held,
//! so a job completes once however many workers died on it.

use std::collections::HashSet;

use model::event::{IndexFailed, LogIndexed};
use model::{JobFailure, JobState, JobStatus, LogName, LogState, LogSummary, Topic};
use sqlx::Row;

use crate::events::append_event;
use crate::sql::Sql;
use crate::templates::{LogOf, add_templates};
use crate::{Backend, Catalog, CatalogError};

/// Attempts before a job that keeps failing (or whose worker keeps dying)
/// is given up.
pub const MAX_ATTEMPTS: i64 = 5;

/// A job leased by a worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Job id.
    pub id: i64,
    /// The run whose log this is.
    pub run_id: i64,
    /// Which log.
    pub log: LogName,
    /// Where to read it.
    pub location: String,
    /// Attempts so far, this one included.
    pub attempts: i64,
    /// Since when the log has been expected at `location` (ms): when the
    /// inventory first named it there.
    pub named_ms: i64,
    /// The worker holding the lease.
    pub owner: String,
}

/// What became of a job a worker reported on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobOutcome {
    /// Stored; the job is done.
    Done,
    /// Will be tried again after the given delay.
    Retrying {
        /// Milliseconds until the next attempt.
        after_ms: i64,
    },
    /// Failed for good.
    Failed,
    /// The lease had passed to another worker; nothing was written.
    LeaseLost,
}

/// Delay before attempt `attempts + 1`: 1 s, 2 s, 4 s … at most 5 min.
pub fn backoff_ms(attempts: i64) -> i64 {
    (1000_i64 << attempts.clamp(1, 20).saturating_sub(1)).min(300_000)
}

/// Delay before looking again for a log that has not been uploaded in the
/// `waited_ms` since the inventory named it: a quarter of that, from 15 s
/// to 15 min. A log uploaded a minute late is found within seconds of its
/// upload, one a day late within 15 minutes, and a log never uploaded
/// costs about 100 looks a day.
pub fn await_ms(waited_ms: i64) -> i64 {
    (waited_ms / 4).clamp(15_000, 900_000)
}

/// The `runs` column that mirrors a log's indexing state.
pub(crate) fn state_column(log: LogName) -> &'static str {
    match log {
        LogName::Client => "client_state",
        LogName::Server => "server_state",
        LogName::Output => "output_state",
    }
}

/// Sets the state and reason of a job's log, in its row and in its run's
/// column, inside `tx`.
async fn set_log_state(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    job: &Job,
    state: LogState,
    reason: &str,
) -> Result<(), CatalogError> {
    sqlx::query("UPDATE logs SET state = $1, reason = $2 WHERE run_id = $3 AND name = $4")
        .bind(state.as_str())
        .bind(crate::clean_text(reason).into_owned())
        .bind(job.run_id)
        .bind(job.log.as_str())
        .execute(&mut **tx)
        .await?;
    let state_col = state_column(job.log);
    sqlx::query(&format!("UPDATE runs SET {state_col} = $1 WHERE id = $2"))
        .bind(state.as_str())
        .bind(job.run_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Catalog {
    /// Leases the next due job (queued and due, or running with an expired
    /// lease) to `owner` until `now_ms + lease_ms`.
    pub async fn lease_job(
        &self,
        owner: &str,
        lease_ms: i64,
        now_ms: i64,
    ) -> Result<Option<Job>, CatalogError> {
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            // One writer at a time: the statement is atomic as it stands.
            Backend::Sqlite => "",
        };
        // The first due job of each kind, each found by seeking its index
        // (an OR of the two would scan every job), then the earlier one.
        let sql = format!(
            "UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2, \
             attempts = attempts + 1, updated_ms = $3 \
             WHERE id = (SELECT id FROM ( \
                SELECT id, run_after FROM (SELECT id, run_after FROM jobs \
                    WHERE state = 'running' AND lease_until < $3 \
                    ORDER BY lease_until, id LIMIT 1{lock}) AS lapsed \
                UNION ALL \
                SELECT id, run_after FROM (SELECT id, run_after FROM jobs \
                    WHERE state = 'queued' AND run_after <= $3 \
                    ORDER BY run_after, id LIMIT 1{lock}) AS queued \
             ) AS due ORDER BY run_after, id LIMIT 1) \
             RETURNING id, run_id, log_name, location, attempts, created_ms"
        );
        let row = sqlx::query(&sql)
            .bind(owner.to_string())
            .bind(now_ms + lease_ms)
            .bind(now_ms)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Job {
            id: row.try_get("id")?,
            run_id: row.try_get("run_id")?,
            log: crate::runs::word(&row, "log_name")?,
            location: row.try_get("location")?,
            attempts: row.try_get("attempts")?,
            named_ms: row.try_get("created_ms")?,
            owner: owner.to_string(),
        }))
    }

    /// Extends a lease that is still held; `false` if it was lost.
    pub async fn renew_lease(
        &self,
        job: &Job,
        lease_ms: i64,
        now_ms: i64,
    ) -> Result<bool, CatalogError> {
        let done = sqlx::query(
            "UPDATE jobs SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND state = 'running'",
        )
        .bind(now_ms + lease_ms)
        .bind(job.id)
        .bind(job.owner.clone())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Stores the summary of a job's log and marks the job done, if the
    /// lease is still held: in one transaction, the job, the log's template
    /// totals, the log's row, the run's columns, its build's staleness and a
    /// `log.indexed` event.
    pub async fn complete_job(
        &self,
        job: &Job,
        summary: &LogSummary,
        now_ms: i64,
    ) -> Result<JobOutcome, CatalogError> {
        let mut tx = self.begin_write().await?;
        if self.backend == Backend::Postgres {
            // Like SQLite's `synchronous = NORMAL`: a completion that a
            // crash of the machine loses is redone when its lease lapses
            // (indexing is idempotent), so it need not wait for a flush —
            // while it waits, the other workers wait on its template rows.
            sqlx::query("SET LOCAL synchronous_commit = off")
                .execute(&mut *tx)
                .await?;
        }
        if !mark_done(&mut tx, job, now_ms).await? {
            tx.rollback().await?;
            return Ok(JobOutcome::LeaseLost);
        }
        let (old, other) = stored_summaries(&mut tx, job).await?;
        replace_templates(
            &mut tx,
            self.backend,
            job,
            old.as_ref(),
            other.as_ref(),
            summary,
        )
        .await?;
        store_summary(&mut tx, job, summary, now_ms).await?;
        update_run(&mut tx, self.backend, job, summary, other.as_ref()).await?;
        crate::builds::mark_run_changed(&mut tx, job.run_id).await?;
        append_event(
            &mut tx,
            self.backend,
            now_ms,
            &Topic::LogIndexed(LogIndexed {
                run_id: job.run_id,
                log: job.log,
                lines: summary.lines,
                errors: summary.errors,
                warnings: summary.warnings,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(JobOutcome::Done)
    }

    /// Records a failed attempt: retried later with backoff, or failed for
    /// good when `permanent` or out of attempts.
    pub async fn fail_job(
        &self,
        job: &Job,
        reason: &str,
        permanent: bool,
        now_ms: i64,
    ) -> Result<JobOutcome, CatalogError> {
        let mut tx = self.begin_write().await?;
        let give_up = permanent || job.attempts >= MAX_ATTEMPTS;
        let outcome = if give_up {
            JobOutcome::Failed
        } else {
            JobOutcome::Retrying {
                after_ms: backoff_ms(job.attempts),
            }
        };
        let (state, run_after) = match outcome {
            JobOutcome::Retrying { after_ms } => (JobState::Queued, now_ms + after_ms),
            _ => (JobState::Failed, now_ms),
        };
        let claimed = sqlx::query(
            "UPDATE jobs SET state = $1, run_after = $2, last_error = $3, lease_owner = NULL, \
             lease_until = NULL, updated_ms = $4 \
             WHERE id = $5 AND lease_owner = $6 AND state = 'running'",
        )
        .bind(state.as_str())
        .bind(run_after)
        .bind(crate::clean_text(reason).into_owned())
        .bind(now_ms)
        .bind(job.id)
        .bind(job.owner.clone())
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(JobOutcome::LeaseLost);
        }
        if give_up {
            set_log_state(&mut tx, job, LogState::Failed, reason).await?;
            append_event(
                &mut tx,
                self.backend,
                now_ms,
                &Topic::IndexFailed(IndexFailed {
                    run_id: job.run_id,
                    log: job.log,
                    location: job.location.clone(),
                    reason: reason.to_string(),
                    attempts: job.attempts,
                }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// Records that a job's log is not in its store yet. Until `until_ms`
    /// the job is queued again (after [`await_ms`], its attempts back to 0:
    /// looks for a log not yet there are not failures) and the log and its
    /// run say `awaited`;
    /// from then on it fails for good, as [`Catalog::fail_job`] with
    /// `reason`.
    pub async fn await_job(
        &self,
        job: &Job,
        reason: &str,
        until_ms: i64,
        now_ms: i64,
    ) -> Result<JobOutcome, CatalogError> {
        if now_ms >= until_ms {
            return self.fail_job(job, reason, true, now_ms).await;
        }
        let after_ms = await_ms(now_ms - job.named_ms).min(until_ms - now_ms);
        let mut tx = self.begin_write().await?;
        let claimed = sqlx::query(
            "UPDATE jobs SET state = 'queued', attempts = 0, run_after = $1, last_error = $2, \
             lease_owner = NULL, \
             lease_until = NULL, updated_ms = $3 \
             WHERE id = $4 AND lease_owner = $5 AND state = 'running'",
        )
        .bind(now_ms + after_ms)
        .bind(crate::clean_text(reason).into_owned())
        .bind(now_ms)
        .bind(job.id)
        .bind(job.owner.clone())
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(JobOutcome::LeaseLost);
        }
        set_log_state(&mut tx, job, LogState::Awaited, reason).await?;
        tx.commit().await?;
        Ok(JobOutcome::Retrying { after_ms })
    }

    /// Queues again the job of a log whose indexing failed for good, with
    /// its attempts reset; the log and its run say `pending` again. `false`
    /// when that log has no failed job (never queued, done, or already
    /// queued again).
    pub async fn retry_job(
        &self,
        run_id: i64,
        log: LogName,
        now_ms: i64,
    ) -> Result<bool, CatalogError> {
        let mut tx = self.begin_write().await?;
        let requeued = sqlx::query(
            "UPDATE jobs SET state = 'queued', attempts = 0, run_after = $1, last_error = NULL, \
             lease_owner = NULL, lease_until = NULL, updated_ms = $1 \
             WHERE run_id = $2 AND log_name = $3 AND state = 'failed'",
        )
        .bind(now_ms)
        .bind(run_id)
        .bind(log.as_str())
        .execute(&mut *tx)
        .await?;
        if requeued.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(
            "UPDATE logs SET state = 'pending', reason = NULL WHERE run_id = $1 AND name = $2",
        )
        .bind(run_id)
        .bind(log.as_str())
        .execute(&mut *tx)
        .await?;
        let state_col = state_column(log);
        sqlx::query(&format!("UPDATE runs SET {state_col} = $1 WHERE id = $2"))
            .bind(LogState::Pending.as_str())
            .bind(run_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Job counts by state and the ten most recent failures.
    pub async fn job_status(&self) -> Result<JobStatus, CatalogError> {
        let mut status = JobStatus::default();
        let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state")
            .fetch_all(&self.pool)
            .await?;
        for r in rows {
            let state: String = r.try_get("state")?;
            let n: i64 = r.try_get("n")?;
            let state: JobState = state
                .parse()
                .map_err(|e| CatalogError::Corrupt(format!("job state {e}")))?;
            status.set_count(state, n);
        }
        let rows = sqlx::query(
            "SELECT run_id, log_name, location, last_error, attempts, updated_ms FROM jobs \
             WHERE state = 'failed' ORDER BY updated_ms DESC LIMIT 10",
        )
        .fetch_all(&self.pool)
        .await?;
        for r in rows {
            status.recent_failures.push(JobFailure {
                run_id: r.try_get("run_id")?,
                log: crate::runs::word(&r, "log_name")?,
                location: r.try_get("location")?,
                reason: r
                    .try_get::<Option<String>, _>("last_error")?
                    .unwrap_or_default(),
                attempts: r.try_get("attempts")?,
                at_ms: r.try_get("updated_ms")?,
            });
        }
        Ok(status)
    }
}

/// The transaction [`Catalog::complete_job`] works in.
type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// Marks `job` done; false when its lease was lost (another worker has it,
/// or it finished already).
async fn mark_done(tx: &mut Tx, job: &Job, now_ms: i64) -> Result<bool, CatalogError> {
    let claimed = sqlx::query(&format!(
        "UPDATE jobs SET state = '{done}', lease_owner = NULL, lease_until = NULL, \
         last_error = NULL, updated_ms = $1 \
         WHERE id = $2 AND lease_owner = $3 AND state = '{running}'",
        done = JobState::Done,
        running = JobState::Running,
    ))
    .bind(now_ms)
    .bind(job.id)
    .bind(job.owner.clone())
    .execute(&mut **tx)
    .await?;
    Ok(claimed.rows_affected() == 1)
}

/// The summaries stored for the job's run: the job's log's previous one,
/// and the run's other log's.
async fn stored_summaries(
    tx: &mut Tx,
    job: &Job,
) -> Result<(Option<LogSummary>, Option<LogSummary>), CatalogError> {
    let stored = sqlx::query("SELECT name, summary FROM logs WHERE run_id = $1")
        .bind(job.run_id)
        .fetch_all(&mut **tx)
        .await?;
    let (mut old, mut other) = (None, None);
    for r in &stored {
        let name: String = r.try_get("name")?;
        let s: Option<String> = r.try_get("summary")?;
        let s = s
            .map(|s| serde_json::from_str::<LogSummary>(&s))
            .transpose()
            .map_err(|e| CatalogError::Corrupt(format!("log summary: {e}")))?;
        if name == job.log.as_str() {
            old = s;
        } else {
            other = s;
        }
    }
    Ok((old, other))
}

/// Template totals: the old summary's share taken out, the new one's put in
/// (a template the run's other log also has keeps counting the run once).
async fn replace_templates(
    tx: &mut Tx,
    backend: Backend,
    job: &Job,
    old: Option<&LogSummary>,
    other: Option<&LogSummary>,
    new: &LogSummary,
) -> Result<(), CatalogError> {
    let other_templates: HashSet<(&str, &str)> = other
        .iter()
        .flat_map(|s| &s.templates)
        .map(|t| (t.level.as_str(), t.template.as_str()))
        .collect();
    let of = LogOf {
        run_id: job.run_id,
        log: job.log.as_str(),
    };
    if let Some(old) = old {
        add_templates(tx, backend, of, &old.templates, &other_templates, -1).await?;
    }
    add_templates(tx, backend, of, &new.templates, &other_templates, 1).await
}

/// The log's row: indexed, with its summary.
async fn store_summary(
    tx: &mut Tx,
    job: &Job,
    summary: &LogSummary,
    now_ms: i64,
) -> Result<(), CatalogError> {
    let text = serde_json::to_string(summary)
        .map_err(|e| CatalogError::Corrupt(format!("summary: {e}")))?;
    sqlx::query(
        "UPDATE logs SET state = $1, summary = $2, reason = NULL, indexed_ms = $3 \
         WHERE run_id = $4 AND name = $5",
    )
    .bind(LogState::Indexed.as_str())
    .bind(text)
    .bind(now_ms)
    .bind(job.run_id)
    .bind(job.log.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The run's columns for sorting and filtering, over both of its logs.
async fn update_run(
    tx: &mut Tx,
    backend: Backend,
    job: &Job,
    summary: &LogSummary,
    other: Option<&LogSummary>,
) -> Result<(), CatalogError> {
    let (client, server) = match job.log {
        LogName::Client => (Some(summary), other),
        LogName::Server => (other, Some(summary)),
        // A task's one log; its metrics (if it printed any) are its own.
        LogName::Output => (Some(summary), None),
    };
    let logs = [client, server];
    let sum = |f: fn(&LogSummary) -> u64| logs.iter().flatten().map(|s| f(s) as i64).sum::<i64>();
    let lines = sum(|s| s.lines);
    let errors = sum(|s| s.errors);
    let warnings = sum(|s| s.warnings);
    let error_pct = model::percent(errors as u64, lines as u64);
    let latency = client.map(|c| c.latency).unwrap_or_default();
    let sparkline = client
        .filter(|c| !c.sparkline.is_empty())
        .map(|c| serde_json::to_string(&c.sparkline).unwrap_or_default());
    let state_col = state_column(job.log);
    let mut q = Sql::new(backend, "UPDATE runs SET lines = ");
    q.bind(lines)
        .push(", errors = ")
        .bind(errors)
        .push(", warnings = ")
        .bind(warnings);
    q.push(", error_pct = ").bind(error_pct);
    q.push(", latency_p50 = ").bind_f64(latency.p50);
    q.push(", latency_p95 = ").bind_f64(latency.p95);
    let indexed: Vec<&LogSummary> = logs.iter().flatten().copied().collect();
    crate::session_metrics::push_set(&mut q, &indexed);
    q.push(", sparkline = ").bind(sparkline);
    q.push(&format!(", {state_col} = 'indexed' WHERE id = "))
        .bind(job.run_id);
    q.execute(&mut **tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_doubles_to_a_cap() {
        use super::backoff_ms;
        assert_eq!(backoff_ms(1), 1000);
        assert_eq!(backoff_ms(2), 2000);
        assert_eq!(backoff_ms(4), 8000);
        assert_eq!(backoff_ms(40), 300_000);
    }
}

//! Runs started by producers (`logdeck run`): created live, finished with
//! the program's exit code.

use sqlx::Row;

use model::event::{LogSealed, RunFinished, RunStarted};
use model::{LogName, RunKind, RunStatus, Topic};

use crate::events::append_event;
use crate::{Catalog, CatalogError};

/// A task's labels by key, as stored (a JSON object) and announced.
type Labels = std::collections::BTreeMap<String, String>;

/// Task runs get ids from here up, so they never meet a connection id.
pub const TASK_ID_BASE: i64 = 1_000_000_000_000;

/// Where a run stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunState {
    /// Imported, live, or how a live run ended.
    pub status: RunStatus,
    /// A connection or a task.
    pub kind: RunKind,
    /// The program's exit code, once finished.
    pub exit_code: Option<i64>,
    /// Where a finished task's output was archived, once it was.
    pub output_log: Option<String>,
    /// The SHA-256 of the token of the producer that created a task run
    /// (none for runs created before it was recorded, and for connections).
    pub producer: Option<String>,
}

impl Catalog {
    /// Creates a live task run for `producer` (the SHA-256 of its token)
    /// and returns its id. Of labels with the same key, the last is kept.
    pub async fn create_task_run(
        &self,
        name: &str,
        command: Option<&str>,
        labels: &[(String, String)],
        producer: &str,
        now_ms: i64,
    ) -> Result<i64, CatalogError> {
        let labels: Labels = labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let name = crate::clean_text(name).into_owned();
        let command = command.map(|c| crate::clean_text(c).into_owned());
        let secs = now_ms.div_euclid(1000);
        // Two processes may pick the same next id; the loser tries again.
        // One statement picks and inserts, so in SQLite the transaction
        // writes from its first statement (no read-then-write upgrade).
        for attempt in 0..50u64 {
            match self
                .try_create_task_run(&name, command.as_deref(), &labels, producer, secs, now_ms)
                .await
            {
                Ok(Some(id)) => return Ok(id),
                Ok(None) => {}
                // SQLite answers "busy" at once, without waiting, when two
                // transactions would deadlock; one of them tries again.
                Err(CatalogError::Db(e)) if is_busy(&e) => {
                    tokio::time::sleep(std::time::Duration::from_millis(2 + attempt * 3)).await;
                }
                Err(e) => return Err(e),
            }
        }
        Err(CatalogError::Corrupt(
            "could not allocate a task run id after 50 tries".into(),
        ))
    }

    async fn try_create_task_run(
        &self,
        name: &str,
        command: Option<&str>,
        labels: &Labels,
        producer: &str,
        secs: i64,
        now_ms: i64,
    ) -> Result<Option<i64>, CatalogError> {
        {
            let mut tx = self.begin_write().await?;
            let inserted = sqlx::query(
                "INSERT INTO runs (id, username, ip, last_updated, updated_at, version, \
                 client_state, server_state, imported_ms, status, kind, command, labels, started_ms, \
                 username_folded, producer) \
                 SELECT COALESCE(MAX(id), $1) + 1, $2, '', $3, $4, NULL, 'missing', 'missing', $5, \
                 'live', 'task', $6, $7, $5, $8, $9 FROM runs WHERE id > $1 \
                 ON CONFLICT (id) DO NOTHING RETURNING id",
            )
            .bind(TASK_ID_BASE)
            .bind(name.to_string())
            .bind(iso_minute(secs))
            .bind(secs)
            .bind(now_ms)
            .bind(command.map(str::to_string))
            .bind(serde_json::to_string(labels).map_err(|e| CatalogError::Corrupt(e.to_string()))?)
            .bind(crate::search::fold(name))
            .bind(producer.to_string())
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = inserted else {
                return Ok(None);
            };
            let next: i64 = row.try_get("id")?;
            crate::search::remember_usernames(&mut tx, self.backend, [name]).await?;
            append_event(
                &mut tx,
                self.backend,
                now_ms,
                &Topic::RunStarted(RunStarted {
                    run_id: next,
                    name: name.to_string(),
                    command: command.map(str::to_string),
                    labels: labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                }),
            )
            .await?;
            tx.commit().await?;
            Ok(Some(next))
        }
    }

    /// Records that a live task run ended: `succeeded` with exit code 0,
    /// `failed` otherwise (no code: killed by a signal), or `lost` when its
    /// producer went silent. `false` if the run was not live.
    pub async fn finish_task_run(
        &self,
        id: i64,
        status: RunStatus,
        exit_code: Option<i32>,
        now_ms: i64,
    ) -> Result<bool, CatalogError> {
        self.end_task_run(id, status, exit_code, None, now_ms).await
    }

    /// Ends a live task run that never got a producer because its id could
    /// not be used: `lost`, with its output recorded as failed for
    /// `reason`, so nothing is ever archived under it.
    pub async fn abandon_task_run(
        &self,
        id: i64,
        reason: &str,
        now_ms: i64,
    ) -> Result<bool, CatalogError> {
        self.end_task_run(id, RunStatus::Lost, None, Some(reason), now_ms)
            .await
    }

    async fn end_task_run(
        &self,
        id: i64,
        status: RunStatus,
        exit_code: Option<i32>,
        abandoned: Option<&str>,
        now_ms: i64,
    ) -> Result<bool, CatalogError> {
        if !status.is_finished() {
            return Err(CatalogError::BadRequest(format!(
                "not a finished status: {status:?}"
            )));
        }
        let mut tx = self.begin_write().await?;
        if let Some(reason) = abandoned {
            sqlx::query(
                "UPDATE runs SET output_state = 'failed' WHERE id = $1 AND kind = 'task' \
                 AND status = 'live'",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO logs (run_id, name, location, state, reason) \
                 VALUES ($1, $2, NULL, 'failed', $3) ON CONFLICT (run_id, name) DO NOTHING",
            )
            .bind(id)
            .bind(LogName::Output.as_str())
            .bind(reason.to_string())
            .execute(&mut *tx)
            .await?;
        }
        let done = sqlx::query(
            "UPDATE runs SET status = $1, exit_code = $2, finished_ms = $3, updated_at = $4 \
             WHERE id = $5 AND kind = 'task' AND status = 'live'",
        )
        .bind(status.as_str())
        .bind(exit_code.map(i64::from))
        .bind(now_ms)
        .bind(now_ms.div_euclid(1000))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        append_event(
            &mut tx,
            self.backend,
            now_ms,
            &Topic::RunFinished(RunFinished {
                run_id: id,
                status,
                exit_code,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Marks a live run as heard from now (its producer is connected or
    /// sent lines); live runs therefore sort as the newest.
    pub async fn touch_live_run(&self, id: i64, now_ms: i64) -> Result<(), CatalogError> {
        sqlx::query("UPDATE runs SET updated_at = $1 WHERE id = $2 AND status = 'live'")
            .bind(now_ms.div_euclid(1000))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Live task runs not heard from since `before_ms`.
    pub async fn silent_live_runs(&self, before_ms: i64) -> Result<Vec<i64>, CatalogError> {
        let rows = sqlx::query(
            "SELECT id FROM runs WHERE status = 'live' AND kind = 'task' AND updated_at < $1 ORDER BY id",
        )
        .bind(before_ms.div_euclid(1000))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
    }

    /// Records that a finished task's output was written to `location`:
    /// the run names it, its log is pending, an indexing job is queued and
    /// `log.sealed` is told. `false` (and nothing written) if the run is
    /// unknown, still live, or already archived, so several processes may
    /// archive the same run and one of them records it.
    pub async fn record_archived(
        &self,
        id: i64,
        location: &str,
        lines: u64,
        now_ms: i64,
    ) -> Result<bool, CatalogError> {
        let log = LogName::Output.as_str();
        let mut tx = self.begin_write().await?;
        let claimed = sqlx::query(
            "UPDATE runs SET output_log = $1, output_state = 'pending' \
             WHERE id = $2 AND kind = 'task' AND status <> 'live' AND output_state = 'missing'",
        )
        .bind(location.to_string())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO logs (run_id, name, location, state) VALUES ($1, $2, $3, 'pending') \
             ON CONFLICT (run_id, name) DO UPDATE SET location = excluded.location, \
             state = 'pending', summary = NULL, reason = NULL",
        )
        .bind(id)
        .bind(log)
        .bind(location.to_string())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO jobs (run_id, log_name, location, state, attempts, run_after, \
             created_ms, updated_ms) VALUES ($1, $2, $3, 'queued', 0, $4, $4, $4) \
             ON CONFLICT (run_id, log_name) DO UPDATE SET location = excluded.location, \
             state = 'queued', attempts = 0, run_after = excluded.run_after, \
             lease_owner = NULL, lease_until = NULL, last_error = NULL, \
             updated_ms = excluded.updated_ms",
        )
        .bind(id)
        .bind(log)
        .bind(location.to_string())
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        append_event(
            &mut tx,
            self.backend,
            now_ms,
            &Topic::LogSealed(LogSealed {
                run_id: id,
                log: LogName::Output,
                location: location.to_string(),
                lines,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Task runs that have ended but whose output is not archived yet.
    pub async fn unarchived_task_runs(&self) -> Result<Vec<i64>, CatalogError> {
        let rows = sqlx::query(
            "SELECT id FROM runs WHERE kind = 'task' AND output_state = 'missing' \
             AND status <> 'live' ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
    }

    /// The status of run `id`, if it exists.
    pub async fn run_state(&self, id: i64) -> Result<Option<RunState>, CatalogError> {
        let row = sqlx::query(
            "SELECT status, kind, exit_code, output_log, producer FROM runs WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(RunState {
                status: crate::runs::word(&r, "status")?,
                kind: crate::runs::word(&r, "kind")?,
                exit_code: r.try_get("exit_code")?,
                output_log: r.try_get("output_log")?,
                producer: r.try_get("producer")?,
            })
        })
        .transpose()
    }
}

/// Whether SQLite refused for a lock held by another connection.
fn is_busy(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|c| c == "5" || c == "517")
}

/// `YYYY-MM-DD HH:MM` (UTC) of seconds since the epoch: the catalog's
/// `last_updated` text for runs it creates itself.
fn iso_minute(secs: i64) -> String {
    let mut text = model::time::utc(secs);
    text.truncate("YYYY-MM-DD HH:MM".len());
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_minute_reads_back() {
        for secs in [0, 951_782_400, 1_593_550_920, 1_700_000_000, 4_102_444_799] {
            let text = iso_minute(secs);
            assert_eq!(
                crate::parse_last_updated(&text),
                Some(secs - secs % 60),
                "{text}"
            );
        }
        assert_eq!(iso_minute(951_782_400), "2000-02-29 00:00");
    }
}

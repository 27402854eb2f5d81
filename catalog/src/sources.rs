//! Inventory sources as every server polling them has recorded them, and
//! the files of S3 sources, each claimed by one server before it is
//! imported (a lease, as indexing jobs have) and marked done after: a file
//! is imported once however many servers watch its prefix, and a server
//! that dies while importing one leaves it to another when its lease ends.
//! Keys are stored as given: the caller skips keys PostgreSQL cannot hold
//! (with a NUL).

use std::collections::HashSet;

use model::SourceStatus;
use sqlx::Row;

use crate::sql::Sql;
use crate::{Catalog, CatalogError};

/// What one poll did, to add to the source's row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollReport {
    /// Entries read.
    pub rows: i64,
    /// Of them, runs new to the catalog.
    pub added: i64,
    /// Entries skipped as invalid.
    pub skipped: i64,
    /// Files imported (or changed inventories read).
    pub files: i64,
    /// The newest lag measured, if a file was imported.
    pub lag_ms: Option<i64>,
}

impl Catalog {
    /// What every server polling source `name` recorded of it (all zero
    /// before its first poll; this server's interval and schedule are the
    /// caller's to add), and where its next poll starts.
    pub async fn source(&self, name: &str) -> Result<(SourceStatus, Option<String>), CatalogError> {
        let row = sqlx::query(
            "SELECT cursor, polled_ms, ok_ms, rows, added, skipped, files, errors, last_error, \
             lag_ms FROM sources WHERE name = $1",
        )
        .bind(name.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let mut status = SourceStatus {
            name: name.to_string(),
            ..SourceStatus::default()
        };
        let Some(r) = row else {
            return Ok((status, None));
        };
        status.polled_ms = r.try_get("polled_ms")?;
        status.ok_ms = r.try_get("ok_ms")?;
        status.rows = r.try_get("rows")?;
        status.added = r.try_get("added")?;
        status.skipped = r.try_get("skipped")?;
        status.files = r.try_get("files")?;
        status.errors = r.try_get("errors")?;
        status.last_error = r.try_get("last_error")?;
        status.lag_ms = r.try_get("lag_ms")?;
        Ok((status, r.try_get("cursor")?))
    }

    /// Records a poll of `name` that started at `polled_ms`: what it
    /// imported, its new cursor (`None` leaves the cursor as it was), and a
    /// problem that did not stop it (it replaces the last error; none
    /// clears it). Counts add to what other servers recorded.
    pub async fn record_poll(
        &self,
        name: &str,
        polled_ms: i64,
        done: &PollReport,
        cursor: Option<&str>,
        problem: Option<&str>,
    ) -> Result<(), CatalogError> {
        sqlx::query(
            "INSERT INTO sources (name, cursor, polled_ms, ok_ms, rows, added, skipped, files, \
             lag_ms, last_error) VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (name) DO UPDATE SET cursor = COALESCE(excluded.cursor, sources.cursor), \
             polled_ms = excluded.polled_ms, ok_ms = excluded.ok_ms, \
             rows = sources.rows + excluded.rows, added = sources.added + excluded.added, \
             skipped = sources.skipped + excluded.skipped, files = sources.files + excluded.files, \
             lag_ms = COALESCE(excluded.lag_ms, sources.lag_ms), last_error = excluded.last_error",
        )
        .bind(name.to_string())
        .bind(cursor.map(str::to_string))
        .bind(polled_ms)
        .bind(done.rows)
        .bind(done.added)
        .bind(done.skipped)
        .bind(done.files)
        .bind(done.lag_ms)
        .bind(problem.map(|p| crate::clean_text(p).into_owned()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a poll of `name` that failed, and why.
    pub async fn record_poll_error(
        &self,
        name: &str,
        polled_ms: i64,
        error: &str,
    ) -> Result<(), CatalogError> {
        sqlx::query(
            "INSERT INTO sources (name, polled_ms, errors, last_error) VALUES ($1, $2, 1, $3) \
             ON CONFLICT (name) DO UPDATE SET polled_ms = excluded.polled_ms, \
             errors = sources.errors + 1, last_error = excluded.last_error",
        )
        .bind(name.to_string())
        .bind(polled_ms)
        .bind(crate::clean_text(error).into_owned())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Of `keys` of source `source`, those another poll need not import:
    /// done, or claimed under a lease that has not ended.
    pub async fn settled_source_files(
        &self,
        source: &str,
        keys: &[String],
        now_ms: i64,
    ) -> Result<HashSet<String>, CatalogError> {
        let mut settled = HashSet::new();
        for chunk in keys.chunks(500) {
            let mut q = Sql::new(self.backend, "SELECT key FROM source_files WHERE source = ");
            q.bind(source.to_string())
                .push(" AND (state = 'done' OR lease_until >= ")
                .bind(now_ms)
                .push(") AND key IN (");
            q.list(chunk.iter().cloned()).push(")");
            for r in q.fetch_all(&self.pool).await? {
                settled.insert(r.try_get("key")?);
            }
        }
        Ok(settled)
    }

    /// Claims file `key` of `source` for `owner` until `now_ms + lease_ms`;
    /// `false` when it is done or another owner's lease holds it.
    pub async fn claim_source_file(
        &self,
        source: &str,
        key: &str,
        owner: &str,
        lease_ms: i64,
        now_ms: i64,
    ) -> Result<bool, CatalogError> {
        let done = sqlx::query(
            "INSERT INTO source_files (source, key, state, owner, lease_until) \
             VALUES ($1, $2, 'claimed', $3, $4) \
             ON CONFLICT (source, key) DO UPDATE SET owner = excluded.owner, \
             lease_until = excluded.lease_until \
             WHERE source_files.state = 'claimed' AND source_files.lease_until < $5",
        )
        .bind(source.to_string())
        .bind(key.to_string())
        .bind(owner.to_string())
        .bind(now_ms + lease_ms)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks a claimed file imported; `false` if `owner` no longer held it
    /// (another server took it over after the lease ended).
    pub async fn finish_source_file(
        &self,
        source: &str,
        key: &str,
        owner: &str,
        rows: i64,
        skipped: i64,
        now_ms: i64,
    ) -> Result<bool, CatalogError> {
        let done = sqlx::query(
            "UPDATE source_files SET state = 'done', rows = $1, skipped = $2, done_ms = $3, \
             lease_until = NULL WHERE source = $4 AND key = $5 AND owner = $6 AND state = 'claimed'",
        )
        .bind(rows)
        .bind(skipped)
        .bind(now_ms)
        .bind(source.to_string())
        .bind(key.to_string())
        .bind(owner.to_string())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives up a claim (the import failed), so the next poll of any server
    /// tries the file again.
    pub async fn release_source_file(
        &self,
        source: &str,
        key: &str,
        owner: &str,
    ) -> Result<(), CatalogError> {
        sqlx::query(
            "DELETE FROM source_files WHERE source = $1 AND key = $2 AND owner = $3 \
             AND state = 'claimed'",
        )
        .bind(source.to_string())
        .bind(key.to_string())
        .bind(owner.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

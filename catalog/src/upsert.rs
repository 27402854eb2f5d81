//! The statements of importing a batch of inventory entries, in the order
//! an import step (`crate::import`) takes them inside its transaction:
//! find what exists, forget the templates of logs that are replaced, write
//! the runs, forget logs no longer named, write the named logs, queue their
//! indexing.

use model::{JobState, LogName, LogState};
use sqlx::{Any, Row, Transaction};

use crate::inventory::InventoryRow;
use crate::search;
use crate::sql::Sql;
use crate::{Backend, CatalogError};

/// A named log of an entry: run id, which log, where it is.
pub(crate) type NamedLog<'a> = (i64, LogName, &'a str);

/// The entries' runs that exist already.
pub(crate) async fn existing_ids(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    rows: &[&InventoryRow],
) -> Result<std::collections::HashSet<i64>, CatalogError> {
    let mut q = Sql::new(backend, "SELECT id FROM runs WHERE id IN (");
    q.list(rows.iter().map(|r| r.connection_id)).push(")");
    q.fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| Ok(r.try_get("id")?))
        .collect()
}

/// Takes back from the template totals what indexed logs counted, for the
/// logs the entries now place elsewhere (they will be indexed again).
pub(crate) async fn forget_replaced_templates(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    rows: &[&InventoryRow],
) -> Result<(), CatalogError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.connection_id).collect();
    let by_id: std::collections::HashMap<i64, &InventoryRow> =
        rows.iter().map(|r| (r.connection_id, *r)).collect();
    crate::templates::forget_replaced(tx, backend, &ids, |run, name| {
        let r = by_id.get(&run)?;
        match name.parse::<LogName>().ok()? {
            LogName::Client => r.client_logs.clone(),
            LogName::Server => r.server_logs.clone(),
            LogName::Output => None,
        }
    })
    .await
}

/// Inserts or updates the runs. A log whose location is unchanged keeps
/// its state; a new or moved one is pending, an absent one missing.
pub(crate) async fn write_runs(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    rows: &[&InventoryRow],
    now_ms: i64,
) -> Result<(), CatalogError> {
    let mut q = Sql::new(
        backend,
        "INSERT INTO runs (id, username, username_folded, ip, last_updated, updated_at, version, \
         client_log, server_log, client_state, server_state, imported_ms) VALUES ",
    );
    q.values(rows, |b, r| {
        let state = |l: &Option<String>| {
            if l.is_some() {
                LogState::Pending
            } else {
                LogState::Missing
            }
            .as_str()
        };
        b.bind(r.connection_id)
            .bind(r.username.clone())
            .bind(r.username.as_deref().map(search::fold))
            .bind(r.ip.clone())
            .bind(r.last_updated.clone())
            .bind(r.updated_at)
            .bind(r.version.clone())
            .bind(r.client_logs.clone())
            .bind(r.server_logs.clone())
            .bind(state(&r.client_logs))
            .bind(state(&r.server_logs))
            .bind(now_ms);
    });
    q.push(
        " ON CONFLICT (id) DO UPDATE SET username = excluded.username, \
         username_folded = excluded.username_folded, ip = excluded.ip, \
         last_updated = excluded.last_updated, updated_at = excluded.updated_at, \
         version = excluded.version, imported_ms = excluded.imported_ms, \
         client_state = CASE WHEN excluded.client_log IS NULL THEN 'missing' \
            WHEN runs.client_log = excluded.client_log THEN runs.client_state ELSE 'pending' END, \
         server_state = CASE WHEN excluded.server_log IS NULL THEN 'missing' \
            WHEN runs.server_log = excluded.server_log THEN runs.server_state ELSE 'pending' END, \
         client_log = excluded.client_log, server_log = excluded.server_log",
    );
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Removes the log rows and jobs of logs an entry no longer names.
pub(crate) async fn forget_unnamed_logs(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    rows: &[&InventoryRow],
) -> Result<(), CatalogError> {
    for name in LogName::CONNECTION {
        let gone: Vec<i64> = rows
            .iter()
            .filter(|r| location(r, name).is_none())
            .map(|r| r.connection_id)
            .collect();
        if gone.is_empty() {
            continue;
        }
        for (table, column) in [("logs", "name"), ("jobs", "log_name")] {
            let mut q = Sql::new(backend, format!("DELETE FROM {table} WHERE {column} = "));
            q.bind(name.as_str()).push(" AND run_id IN (");
            q.list(gone.clone()).push(")");
            q.execute(&mut **tx).await?;
        }
    }
    Ok(())
}

/// Every log the entries name.
pub(crate) fn named_logs<'a>(rows: &[&'a InventoryRow]) -> Vec<NamedLog<'a>> {
    rows.iter()
        .flat_map(|r| {
            LogName::CONNECTION
                .into_iter()
                .filter_map(move |n| location(r, n).map(|l| (r.connection_id, n, l)))
        })
        .collect()
}

/// Where an entry says its log `name` is.
fn location(r: &InventoryRow, name: LogName) -> Option<&str> {
    match name {
        LogName::Client => r.client_logs.as_deref(),
        LogName::Server => r.server_logs.as_deref(),
        LogName::Output => None,
    }
}

/// Inserts or updates the named logs' rows; a log that moved loses its
/// summary and is pending again.
pub(crate) async fn write_logs(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    named: &[NamedLog<'_>],
) -> Result<(), CatalogError> {
    if named.is_empty() {
        return Ok(());
    }
    let mut q = Sql::new(
        backend,
        "INSERT INTO logs (run_id, name, location, state) VALUES ",
    );
    q.values(named, |b, (id, name, loc)| {
        b.bind(*id)
            .bind(name.as_str())
            .bind(loc.to_string())
            .bind(LogState::Pending.as_str());
    });
    q.push(
        " ON CONFLICT (run_id, name) DO UPDATE SET \
         state = CASE WHEN logs.location = excluded.location THEN logs.state ELSE 'pending' END, \
         summary = CASE WHEN logs.location = excluded.location THEN logs.summary ELSE NULL END, \
         reason = CASE WHEN logs.location = excluded.location THEN logs.reason ELSE NULL END, \
         location = excluded.location",
    );
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Queues indexing for new and moved logs and retries failed ones; returns
/// how many jobs were queued.
pub(crate) async fn queue_jobs(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    named: &[NamedLog<'_>],
    now_ms: i64,
) -> Result<u64, CatalogError> {
    if named.is_empty() {
        return Ok(0);
    }
    let mut q = Sql::new(
        backend,
        "INSERT INTO jobs (run_id, log_name, location, state, attempts, run_after, \
         created_ms, updated_ms) VALUES ",
    );
    q.values(named, |b, (id, name, loc)| {
        b.bind(*id)
            .bind(name.as_str())
            .bind(loc.to_string())
            .bind(JobState::Queued.as_str())
            .bind(0_i64)
            .bind(now_ms)
            .bind(now_ms)
            .bind(now_ms);
    });
    q.push(
        " ON CONFLICT (run_id, log_name) DO UPDATE SET location = excluded.location, \
         state = 'queued', attempts = 0, run_after = excluded.run_after, \
         lease_owner = NULL, lease_until = NULL, last_error = NULL, \
         updated_ms = excluded.updated_ms, \
         created_ms = CASE WHEN jobs.location <> excluded.location THEN excluded.created_ms \
            ELSE jobs.created_ms END \
         WHERE jobs.location <> excluded.location OR jobs.state = 'failed'",
    );
    Ok(q.execute(&mut **tx).await?.rows_affected())
}

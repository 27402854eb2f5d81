//! Runs: import (upsert), the keyset-paginated list, one run, totals.

use model::{
    LogInfo, LogName, LogState, LogSummary, MAX_PAGE, MatchCount, Run, RunDetail, RunPage,
    RunQuery, Sort, Totals,
};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::cursor::{Cursor, Key};
use crate::sql::Sql;
use crate::{Catalog, CatalogError, estimate, search};

/// What an import changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertStats {
    /// Runs that were not in the catalog.
    pub inserted: u64,
    /// Runs that were, now updated.
    pub updated: u64,
    /// Indexing jobs queued (new or changed logs, and failed ones retried).
    pub jobs_queued: u64,
}

impl std::ops::AddAssign for UpsertStats {
    fn add_assign(&mut self, o: Self) {
        self.inserted += o.inserted;
        self.updated += o.updated;
        self.jobs_queued += o.jobs_queued;
    }
}

/// The columns a [`Run`] is read from, with the bookmark joined as `b`.
const RUN_COLUMNS: &str = "runs.id, runs.username, runs.ip, runs.last_updated, runs.updated_at, \
     runs.version, runs.client_log, runs.server_log, runs.client_state, runs.server_state, \
     runs.lines, runs.errors, runs.warnings, runs.error_pct, runs.latency_p50, runs.latency_p95, \
     runs.sparkline, runs.kind, runs.status, runs.exit_code, runs.command, runs.output_log, \
     runs.output_state, runs.labels, runs.outlier, b.created_ms AS bookmarked_ms";

/// A word column read as its enum (a status, kind, state or log name); a
/// word the enum does not know means the catalog was changed by hand.
pub(crate) fn word<T>(row: &AnyRow, col: &str) -> Result<T, CatalogError>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let s: String = row.try_get(col)?;
    s.parse()
        .map_err(|e: T::Err| CatalogError::Corrupt(format!("column {col}: {e}")))
}

pub(crate) fn run_from_row(row: &AnyRow) -> Result<Run, CatalogError> {
    let sparkline: Option<String> = row.try_get("sparkline")?;
    Ok(Run {
        id: row.try_get("id")?,
        kind: word(row, "kind")?,
        status: word(row, "status")?,
        exit_code: row.try_get("exit_code")?,
        command: row.try_get("command")?,
        labels: labels(row.try_get("labels")?)?,
        username: row.try_get("username")?,
        ip: row.try_get("ip")?,
        last_updated: row.try_get("last_updated")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
        client_log: row.try_get("client_log")?,
        server_log: row.try_get("server_log")?,
        client_state: word(row, "client_state")?,
        server_state: word(row, "server_state")?,
        output_log: row.try_get("output_log")?,
        output_state: word(row, "output_state")?,
        lines: row.try_get("lines")?,
        errors: row.try_get("errors")?,
        warnings: row.try_get("warnings")?,
        error_pct: row.try_get("error_pct")?,
        latency_p50: row.try_get("latency_p50")?,
        latency_p95: row.try_get("latency_p95")?,
        sparkline: sparkline
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(|e| CatalogError::Corrupt(format!("sparkline: {e}")))?
            .unwrap_or_default(),
        bookmarked: row.try_get::<Option<i64>, _>("bookmarked_ms")?.is_some(),
        outlier: row
            .try_get::<Option<String>, _>("outlier")?
            .map(|m| m.parse())
            .transpose()
            .map_err(|e| CatalogError::Corrupt(format!("column outlier: {e}")))?,
    })
}

/// A task's labels from their stored JSON object, in key order.
fn labels(text: Option<String>) -> Result<Vec<(String, String)>, CatalogError> {
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    let map: std::collections::BTreeMap<String, serde_json::Value> = serde_json::from_str(&text)
        .map_err(|e| CatalogError::Corrupt(format!("run labels: {e}")))?;
    Ok(map
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            (k, v)
        })
        .collect())
}

/// The SQL of a sort: the key expression, and whether it descends.
fn sort_key(sort: Sort) -> (&'static str, bool) {
    match sort {
        Sort::Newest => ("runs.updated_at", true),
        Sort::Oldest => ("runs.updated_at", false),
        // The same expressions as the indexes (migration 5); -1.0 (not -1)
        // so that SQLite gives every row a REAL key.
        Sort::Errors => ("COALESCE(runs.error_pct, -1.0)", true),
        Sort::LatencyP95 => ("COALESCE(runs.latency_p95, -1.0)", true),
    }
}

/// What narrows a list beyond its plain filters.
#[derive(Debug, Clone)]
struct Found {
    user: Option<search::Plan>,
    template: Option<crate::templates::TemplatePlan>,
}

impl Found {
    /// Whether few runs match, found by index and sorted.
    fn is_few(&self) -> bool {
        self.user.as_ref().is_some_and(search::Plan::is_few)
            || self
                .template
                .as_ref()
                .is_some_and(crate::templates::TemplatePlan::is_few)
    }
}

/// Whether `query` lists fewer than all runs (its first page then counts
/// them).
fn narrowed(query: &RunQuery) -> bool {
    let given = |t: &Option<String>| t.as_deref().is_some_and(|t| !t.trim().is_empty());
    given(&query.user)
        || given(&query.version)
        || query.template.is_some()
        || query.has_errors
        || query.missing_client
        || query.missing_server
        || query.bookmarked
        || query.outliers
}

/// The count the totals already hold: a list narrowed by a template alone
/// has as many runs as `template_totals` says have it, with no statement.
fn known_count(query: &RunQuery, found: &Found) -> Option<i64> {
    let t = found.template.as_ref()?;
    let alone = found.user.is_none()
        && !query.has_errors
        && !query.missing_client
        && !query.missing_server
        && !query.bookmarked
        && !query.outliers
        && query.version.as_deref().is_none_or(|v| v.is_empty());
    alone.then(|| t.runs())
}

/// Where a page's rows lie in the list's order.
#[derive(Debug, Clone, Copy)]
enum Bound {
    /// From the first row.
    Start,
    /// After the cursor's (key, id).
    After(Cursor),
    /// After the cursor, with the cursor's key (a walk's first part).
    Ties(Cursor),
    /// With keys past the cursor's (a walk's second part).
    Beyond(Cursor),
}

/// Which of the indexes of an order walks a list (migrations 1 and 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Walk {
    /// The order's own index.
    Whole,
    /// None: the runs are found otherwise — the few that search found
    /// (through the username and IP indexes), the few with a template
    /// (through `log_templates`), or the bookmarked ones — and sorted. The
    /// key is written `KEY * 1`, which no index has, so that no planner
    /// walks an order's index testing every run instead.
    Sorted,
    /// Within one build: `(version, key, id)`.
    Build,
    /// Among runs with errors: a partial index on `key + 0`.
    WithErrors,
    /// Among runs without a server log (partial, `key + 0`).
    NoServer,
    /// Among runs without a client log (partial, `key + 0`).
    NoClient,
    /// Among outlier sessions (partial, `key + 0`; migration 9).
    Outliers,
}

impl Walk {
    /// The walk for `query`: the first of its filters that has an index.
    /// Each partial index holds only the runs its filter keeps, so a rare
    /// filter never walks the runs it leaves out.
    fn of(query: &RunQuery, found: &Found) -> Walk {
        if found.is_few() || query.bookmarked {
            Walk::Sorted
        } else if query.version.as_deref().is_some_and(|v| !v.is_empty()) {
            Walk::Build
        } else if query.outliers {
            Walk::Outliers
        } else if query.has_errors {
            Walk::WithErrors
        } else if query.missing_server {
            Walk::NoServer
        } else if query.missing_client {
            Walk::NoClient
        } else {
            Walk::Whole
        }
    }

    /// The order's key as this walk's index has it.
    fn key(self, sort: Sort) -> String {
        let (key, _) = sort_key(sort);
        match self {
            Walk::Whole | Walk::Build => key.to_string(),
            Walk::Sorted => format!("({key} * 1)"),
            Walk::WithErrors | Walk::NoServer | Walk::NoClient | Walk::Outliers => {
                format!("({key} + 0)")
            }
        }
    }

    /// The SQLite index (named in `INDEXED BY`).
    fn index(self, sort: Sort) -> String {
        let order = match sort {
            Sort::Newest | Sort::Oldest => "newest",
            Sort::Errors => "by_errors",
            Sort::LatencyP95 => "by_latency_p95",
        };
        match self {
            Walk::Whole | Walk::Sorted => format!("runs_{order}"),
            Walk::Build => format!("runs_version_{order}"),
            Walk::WithErrors => format!("runs_{order}_with_errors"),
            Walk::NoServer => format!("runs_{order}_no_server"),
            Walk::NoClient => format!("runs_{order}_no_client"),
            Walk::Outliers => format!("runs_{order}_outliers"),
        }
    }
}

/// Appends the condition of `walk`'s index (its partial index's own, or
/// its build's).
fn push_domain(q: &mut Sql, query: &RunQuery, walk: Walk) {
    match walk {
        Walk::Whole | Walk::Sorted => q.push("1 = 1"),
        Walk::Build => q
            .push("runs.version = ")
            .bind(query.version.clone().unwrap_or_default()),
        Walk::WithErrors => q.push("runs.errors > 0"),
        Walk::NoServer => q.push("runs.server_log IS NULL"),
        Walk::NoClient => q.push("runs.client_log IS NULL"),
        Walk::Outliers => q.push("runs.outlier IS NOT NULL"),
    };
}

fn bind_key(q: &mut Sql, key: Key) {
    match key {
        Key::Int(k) => q.bind(k),
        Key::Real(k) => q.bind(k),
    };
}

/// The sort key of `sort` read from column `col` (a metric key is REAL in
/// both engines: see [`sort_key`]).
fn read_key(row: &AnyRow, col: &str, sort: Sort) -> Result<Key, CatalogError> {
    Ok(match sort {
        Sort::Newest | Sort::Oldest => Key::Int(row.try_get(col)?),
        Sort::Errors | Sort::LatencyP95 => Key::Real(row.try_get(col)?),
    })
}

impl Catalog {
    /// One page of runs matching `query`, in its order, after its cursor.
    pub async fn list_runs(&self, query: &RunQuery) -> Result<RunPage, CatalogError> {
        // Read first: a change after it is in the feed after this seq. Only
        // a first page needs it (pages after it continue the same list).
        let event_seq = match query.after {
            None => self.last_event_seq().await?,
            Some(_) => 0,
        };
        if query.limit == 0 || query.limit > MAX_PAGE {
            return Err(CatalogError::BadRequest(format!(
                "limit must be between 1 and {MAX_PAGE}, not {}",
                query.limit
            )));
        }
        let cursor = query
            .after
            .as_deref()
            .map(|a| Cursor::decode(a, query.sort))
            .transpose()?;
        let Some(found) = self.find(query).await? else {
            return Ok(RunPage {
                event_seq,
                matches: self.counted(query, 0),
                ..RunPage::default()
            });
        };
        let want = i64::from(query.limit) + 1;
        let sorted = Walk::of(query, &found) == Walk::Sorted;
        let rows = async {
            Ok::<_, CatalogError>(match cursor {
                // An index on (key, id) is sought with `key = k AND id < c`
                // and with `key < k`, but both engines may walk every tie of
                // `k` for the two combined (SQLite always; PostgreSQL behind
                // a leading `version = v`): the rows after the cursor are
                // asked for in two parts, unless they are sorted anyway.
                Some(c) if !sorted => {
                    let mut rows = self
                        .page_part(query, &found, Bound::Ties(c), want)
                        .fetch_all(&self.pool)
                        .await?;
                    if (rows.len() as i64) < want {
                        let rest = want - rows.len() as i64;
                        rows.extend(
                            self.page_part(query, &found, Bound::Beyond(c), rest)
                                .fetch_all(&self.pool)
                                .await?,
                        );
                    }
                    rows
                }
                c => {
                    let bound = c.map_or(Bound::Start, Bound::After);
                    self.page_part(query, &found, bound, want)
                        .fetch_all(&self.pool)
                        .await?
                }
            })
        };
        // A first page of a narrowed list says how long the list is. Runs
        // found by index (or with a template alone) are counted beside the
        // page; a list found walking an order is counted from the page
        // itself, after it (see `estimate`).
        let counting = cursor.is_none() && narrowed(query);
        let count = async {
            if !counting {
                return Ok(None);
            }
            if let Some(n) = known_count(query, &found) {
                return Ok(self.counted(query, n));
            }
            if !sorted {
                return Ok(None);
            }
            let n = self.count_part(query, &found).fetch_one(&self.pool).await?;
            Ok::<_, CatalogError>(self.counted(query, n.try_get("n")?))
        };
        let (rows, mut matches) = tokio::try_join!(rows, count)?;
        if counting && matches.is_none() {
            matches = self.count_walked(query, &found, &rows).await?;
        }

        let more = rows.len() > query.limit as usize;
        let rows = &rows[..rows.len().min(query.limit as usize)];
        let next = match rows.last() {
            Some(last) if more => {
                let key = read_key(last, "sort_key", query.sort)?;
                Some(
                    Cursor {
                        key,
                        id: last.try_get("id")?,
                    }
                    .encode(query.sort),
                )
            }
            _ => None,
        };
        Ok(RunPage {
            rows: rows.iter().map(run_from_row).collect::<Result<_, _>>()?,
            next,
            event_seq,
            matches,
        })
    }

    /// How a search term and a template narrow the list; `None` when
    /// nothing can match.
    async fn find(&self, query: &RunQuery) -> Result<Option<Found>, CatalogError> {
        let user = match query.user.as_deref().map(str::trim) {
            Some(term) if !term.is_empty() => {
                let plan =
                    search::plan(&self.pool, self.backend, &self.names, self.search, term).await?;
                if plan.is_empty() {
                    return Ok(None);
                }
                Some(plan)
            }
            _ => None,
        };
        let template = match &query.template {
            None => None,
            Some(t) => match crate::templates::plan(&self.pool, self.search, t).await? {
                None => return Ok(None),
                some => some,
            },
        };
        Ok(Some(Found { user, template }))
    }

    /// A count of `n` matches as the page gives it (`None` for a list
    /// that is not narrowed).
    fn counted(&self, query: &RunQuery, n: i64) -> Option<MatchCount> {
        narrowed(query).then(|| MatchCount::counted(n as u64, self.search.count_cap as u64))
    }

    /// The count of a first page found walking its order's index: `rows`
    /// (up to the limit and one more) are all there is when the page is not
    /// full; else the matches are estimated from the walk up to the last
    /// row (see `estimate`), or counted when the index has no statistics.
    async fn count_walked(
        &self,
        query: &RunQuery,
        found: &Found,
        rows: &[AnyRow],
    ) -> Result<Option<MatchCount>, CatalogError> {
        let last = match rows.last() {
            Some(last) if rows.len() > query.limit as usize => last,
            _ => return Ok(self.counted(query, rows.len() as i64)),
        };
        let walk = Walk::of(query, found);
        let entries = match walk {
            Walk::Build => match query.version.as_deref() {
                Some(v) => estimate::build_sessions(&self.pool, v).await?,
                None => None,
            },
            _ => estimate::index_entries(&self.pool, self.backend, &walk.index(query.sort)).await?,
        };
        let Some(entries) = entries.filter(|&n| n >= self.search.estimate_from) else {
            let n = self.count_part(query, found).fetch_one(&self.pool).await?;
            return Ok(self.counted(query, n.try_get("n")?));
        };
        // The page's own matches over the entries it walked through its
        // last row …
        let key = read_key(last, "sort_key", query.sort)?;
        let last_id: i64 = last.try_get("id")?;
        let walked: i64 = self
            .walked(query, walk, key, last_id)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        let head = estimate::Head {
            matched: rows.len() as i64,
            walked,
        };
        // … and the density of matches in the rest of the walk, from the
        // hashed sample of the runs.
        let sampled = estimate::index_entries(&self.pool, self.backend, "runs_sample").await?;
        let row = self
            .tail_sample(
                query,
                found,
                walk,
                key,
                last_id,
                estimate::sample_size(sampled, entries - walked),
            )
            .fetch_one(&self.pool)
            .await?;
        let tail = Some(estimate::Sample {
            present: row.try_get("present")?,
            matched: row.try_get("matched")?,
        });
        let n = estimate::total(head, tail, entries).max(rows.len() as u64);
        Ok(narrowed(query).then(|| MatchCount::about(n)))
    }

    /// The statement counting the runs among the `size` of the hashed
    /// sample with the smallest keys that are in `walk` after `(key, id)`
    /// in its order (`present`), and the matches of `query` among them
    /// (`matched`). The sample is read through its own index (SQLite is
    /// told to; PostgreSQL's planner takes it for the order and the bound).
    fn tail_sample(
        &self,
        query: &RunQuery,
        found: &Found,
        walk: Walk,
        key: Key,
        id: i64,
        size: i64,
    ) -> Sql {
        let (_, desc) = sort_key(query.sort);
        let after = if desc { "<" } else { ">" };
        let k = walk.key(query.sort);
        let from = match self.backend {
            crate::Backend::Sqlite => "runs INDEXED BY runs_sample",
            crate::Backend::Postgres => "runs",
        };
        let mut q = Sql::new(self.backend, "SELECT COUNT(*) AS present, ");
        q.push("CAST(COALESCE(SUM(CASE WHEN 1 = 1");
        self.push_filters(&mut q, query, found);
        q.push(" THEN 1 ELSE 0 END), 0) AS BIGINT) AS matched");
        // The key and its bound are written in, not bound: each engine
        // matches them to the index's own expression and condition.
        q.push(&format!(
            " FROM (SELECT * FROM {from} WHERE {sample} < {below} ORDER BY {sample} LIMIT {size}) AS runs WHERE ",
            sample = estimate::SAMPLE_KEY,
            below = estimate::SAMPLED_BELOW,
        ));
        push_domain(&mut q, query, walk);
        q.push(&format!(" AND ({k} {after} "));
        bind_key(&mut q, key);
        q.push(&format!(" OR ({k} = "));
        bind_key(&mut q, key);
        q.push(&format!(" AND runs.id {after} "))
            .bind(id)
            .push("))");
        q
    }

    /// Appends ` FROM runs … WHERE …`: the entries of `walk` (its index,
    /// with its own condition and no other).
    fn push_walk(&self, q: &mut Sql, query: &RunQuery, walk: Walk) {
        let from = match self.backend {
            crate::Backend::Sqlite => format!("runs INDEXED BY {}", walk.index(query.sort)),
            crate::Backend::Postgres => "runs".into(),
        };
        q.push(&format!(" FROM {from} WHERE "));
        push_domain(q, query, walk);
    }

    /// The statement counting the entries of `walk` from its start through
    /// `(key, id)`: those before the key, and its ties up to the id, each a
    /// range of the walk's index (a row value over both may be read as a
    /// scan of every entry, as in [`Bound::Ties`]).
    fn walked(&self, query: &RunQuery, walk: Walk, key: Key, id: i64) -> Sql {
        let (_, desc) = sort_key(query.sort);
        let (before, at_or_before) = if desc { (">", ">=") } else { ("<", "<=") };
        let k = walk.key(query.sort);
        let mut q = Sql::new(self.backend, "SELECT (SELECT COUNT(*)");
        self.push_walk(&mut q, query, walk);
        q.push(&format!(" AND {k} {before} "));
        bind_key(&mut q, key);
        q.push(") + (SELECT COUNT(*)");
        self.push_walk(&mut q, query, walk);
        q.push(&format!(" AND {k} = "));
        bind_key(&mut q, key);
        q.push(&format!(" AND runs.id {at_or_before} "))
            .bind(id)
            .push(") AS n");
        q
    }

    /// The statement counting `query`'s runs up to one past the cap. The
    /// order does not matter here, so the count starts from what matches
    /// rather than walking the list's order: the bookmarks, or the few runs
    /// search or a template found (as the list does); else the runs with
    /// the template; else the walk's own index (a small catalog's: a large
    /// one's walks are estimated).
    fn count_part(&self, query: &RunQuery, found: &Found) -> Sql {
        let cap = self.search.count_cap.saturating_add(1);
        let backend = self.backend;
        let sorted = Walk::of(query, found) == Walk::Sorted;
        match &found.template {
            Some(t) if !sorted => {
                let mut q = Sql::new(
                    backend,
                    "SELECT COUNT(*) AS n FROM (SELECT DISTINCT lt.run_id FROM log_templates lt \
                     JOIN runs ON runs.id = lt.run_id WHERE ",
                );
                t.push_key(&mut q);
                let no_template = Found {
                    user: found.user.clone(),
                    template: None,
                };
                self.push_filters(&mut q, query, &no_template);
                q.push(" LIMIT ").bind(cap).push(") AS m");
                q
            }
            _ => {
                let mut q = self.select(query, found, "SELECT COUNT(*) AS n FROM (SELECT 1 AS one");
                q.push(" LIMIT ").bind(cap).push(") AS m");
                q
            }
        }
    }

    /// `{head} FROM … WHERE …` for `query`'s list, in no order (`head`
    /// is `SELECT` and the columns).
    fn select(&self, query: &RunQuery, found: &Found, head: &str) -> Sql {
        let mut q = Sql::new(self.backend, "");
        self.push_select(&mut q, query, found, head);
        q
    }

    /// Appends [`Catalog::select`]'s statement to `q`.
    fn push_select(&self, q: &mut Sql, query: &RunQuery, found: &Found, head: &str) {
        let walk = Walk::of(query, found);
        let from = match (query.bookmarked, self.backend) {
            // Bookmarks are few: they drive the join (in SQLite, CROSS JOIN
            // fixes the order) and the matches are sorted.
            (true, crate::Backend::Sqlite) => {
                "bookmarks b CROSS JOIN runs ON b.run_id = runs.id".to_string()
            }
            (true, crate::Backend::Postgres) => {
                "bookmarks b JOIN runs ON b.run_id = runs.id".into()
            }
            // SQLite is told which index walks the list (see `Walk`); the
            // few runs that search or a template found are read by index.
            (false, crate::Backend::Sqlite) if walk != Walk::Sorted => format!(
                "runs INDEXED BY {} LEFT JOIN bookmarks b ON b.run_id = runs.id",
                walk.index(query.sort)
            ),
            (false, _) => "runs LEFT JOIN bookmarks b ON b.run_id = runs.id".into(),
        };
        q.push(&format!("{head} FROM {from} WHERE 1 = 1"));
        self.push_filters(q, query, found);
    }

    /// Appends ` AND …` for each of `query`'s filters, the search and the
    /// template `found` (not the bookmarks: those are joined).
    fn push_filters(&self, q: &mut Sql, query: &RunQuery, found: &Found) {
        if let Some(plan) = found.user.clone() {
            q.push(" AND ");
            search::push_user_filter(q, self.backend, plan);
        }
        if let Some(t) = &found.template {
            q.push(" AND ");
            t.push_filter(q, self.backend);
        }
        if query.has_errors {
            q.push(" AND runs.errors > 0");
        }
        if query.missing_client {
            q.push(" AND runs.client_log IS NULL");
        }
        if query.outliers {
            q.push(" AND runs.outlier IS NOT NULL");
        }
        if query.missing_server {
            q.push(" AND runs.server_log IS NULL");
        }
        if let Some(v) = query.version.as_deref().filter(|v| !v.is_empty()) {
            q.push(" AND runs.version = ").bind(v.to_string());
        }
    }

    /// The statement for up to `limit` rows of `query`'s list within `bound`.
    ///
    /// The page's ids are found first, and only its rows are then read
    /// whole, when
    /// - the runs are found by index and sorted: they are sorted as (key,
    ///   id) pairs (sorting thousands of whole rows, sparklines and all,
    ///   costs several times more);
    /// - PostgreSQL walks the whole order by a metric testing each run for
    ///   a search or a template: a template's test reads only the id, and
    ///   the indexes of the orders by a metric carry what a search's test
    ///   reads (migration 18), so a walk that reads only the ids can read
    ///   the index alone, where one that reads rows fetches every run it
    ///   tests from the table. The other indexes carry no username: a walk
    ///   of them reads the table anyway, and its rows at once.
    fn page_part(&self, query: &RunQuery, found: &Found, bound: Bound, limit: i64) -> Sql {
        let (_, desc) = sort_key(query.sort);
        let walk = Walk::of(query, found);
        let key = walk.key(query.sort);
        let dir = if desc { "DESC" } else { "ASC" };
        let columns = format!("SELECT {RUN_COLUMNS}, {key} AS sort_key");
        let covered = self.backend == crate::Backend::Postgres
            && walk == Walk::Whole
            && matches!(query.sort, Sort::Errors | Sort::LatencyP95)
            && (found.user.is_some() || found.template.is_some());
        let ids_first = walk == Walk::Sorted || covered;
        let mut q = Sql::new(self.backend, "");
        if ids_first {
            q.push(&format!(
                "{columns} FROM runs LEFT JOIN bookmarks b ON b.run_id = runs.id \
                 WHERE runs.id IN (SELECT id FROM ("
            ));
            self.push_select(&mut q, query, found, "SELECT runs.id AS id");
        } else {
            self.push_select(&mut q, query, found, &columns);
        }
        let lt = if desc { "<" } else { ">" };
        let bind_key = |q: &mut Sql, c: &Cursor| {
            match c.key {
                Key::Int(k) => q.bind(k),
                Key::Real(k) => q.bind(k),
            };
        };
        match bound {
            Bound::Start => {}
            // A row value seeks the (key, id) index, ties included.
            Bound::After(c) => {
                q.push(&format!(" AND ({key}, runs.id) {lt} ("));
                bind_key(&mut q, &c);
                q.push(", ").bind(c.id).push(")");
            }
            Bound::Ties(c) => {
                q.push(&format!(" AND {key} = "));
                bind_key(&mut q, &c);
                q.push(&format!(" AND runs.id {lt} ")).bind(c.id);
            }
            Bound::Beyond(c) => {
                q.push(&format!(" AND {key} {lt} "));
                bind_key(&mut q, &c);
            }
        }
        if let Bound::Ties(_) = bound {
            // One key: ordering by it too would make SQLite sort every tie.
            q.push(&format!(" ORDER BY runs.id {dir} LIMIT "));
        } else {
            q.push(&format!(" ORDER BY {key} {dir}, runs.id {dir} LIMIT "));
        }
        q.bind(limit);
        if ids_first {
            q.push(&format!(") AS page) ORDER BY {key} {dir}, runs.id {dir}"));
        }
        q
    }

    /// One run with both logs and their summaries; `None` if unknown.
    pub async fn run(&self, id: i64) -> Result<Option<RunDetail>, CatalogError> {
        let row = sqlx::query(&format!(
            "SELECT {RUN_COLUMNS}, b.note FROM runs LEFT JOIN bookmarks b ON b.run_id = runs.id \
             WHERE runs.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let run = run_from_row(&row)?;
        let bookmark_note: Option<String> = row.try_get("note")?;
        let stored = sqlx::query(
            "SELECT name, location, state, reason, summary FROM logs WHERE run_id = $1",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let mut logs = Vec::with_capacity(2);
        for &name in LogName::of_kind(run.kind) {
            let found = stored.iter().find(|r| {
                r.try_get::<String, _>("name")
                    .is_ok_and(|n| n == name.as_str())
            });
            let info = match found {
                None => LogInfo {
                    name,
                    location: run.log(name).0.map(str::to_string),
                    state: LogState::Missing,
                    reason: None,
                    summary: None,
                },
                Some(r) => {
                    let summary: Option<String> = r.try_get("summary")?;
                    LogInfo {
                        name,
                        location: r.try_get("location")?,
                        state: word(r, "state")?,
                        reason: r.try_get("reason")?,
                        summary: summary
                            .map(|s| serde_json::from_str::<LogSummary>(&s))
                            .transpose()
                            .map_err(|e| CatalogError::Corrupt(format!("log summary: {e}")))?,
                    }
                }
            };
            logs.push(info);
        }
        let outlier = self.outlier_note(&run).await?;
        Ok(Some(RunDetail {
            run,
            logs,
            bookmark_note,
            outlier,
        }))
    }

    /// The cursor that continues a `sort` list right after run `id` (to
    /// start a page at that run); `None` if there is no such run.
    pub async fn cursor_at(&self, sort: Sort, id: i64) -> Result<Option<String>, CatalogError> {
        let (key, _) = sort_key(sort);
        let row = sqlx::query(&format!("SELECT {key} AS k FROM runs WHERE runs.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let key = read_key(&row, "k", sort)?;
        Ok(Some(Cursor { key, id }.encode(sort)))
    }

    /// Refreshes the query planner's statistics (after a large import).
    pub async fn analyze(&self) -> Result<(), CatalogError> {
        let sql = match self.backend {
            crate::Backend::Sqlite => "ANALYZE",
            crate::Backend::Postgres => "ANALYZE runs, log_templates, builds",
        };
        sqlx::query(sql).execute(&self.pool).await?;
        Ok(())
    }

    /// The bytes the catalog takes on disk: the database's pages in SQLite
    /// (the write-ahead log aside), the database's files in PostgreSQL.
    pub async fn size_on_disk(&self) -> Result<Option<i64>, CatalogError> {
        let sql = match self.backend {
            crate::Backend::Sqlite => {
                "SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()"
            }
            crate::Backend::Postgres => "SELECT pg_database_size(current_database()) AS n",
        };
        let row = sqlx::query(sql).fetch_one(&self.pool).await?;
        Ok(row.try_get("n")?)
    }

    /// Whether the catalog holds no run.
    pub async fn is_empty(&self) -> Result<bool, CatalogError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM (SELECT id FROM runs LIMIT 1) AS one")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>("n")? == 0)
    }

    /// Totals over all runs.
    pub async fn totals(&self) -> Result<Totals, CatalogError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS connections, COUNT(client_log) AS client_logs, \
             COUNT(server_log) AS server_logs, COUNT(DISTINCT username) AS users, \
             CAST(COALESCE(SUM(errors), 0) AS BIGINT) AS errors, \
             CAST(COALESCE(SUM(warnings), 0) AS BIGINT) AS warnings FROM runs",
        )
        .fetch_one(&self.pool)
        .await?;
        let indexed: i64 = sqlx::query("SELECT COUNT(*) AS n FROM logs WHERE state = 'indexed'")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        Ok(Totals {
            connections: row.try_get("connections")?,
            client_logs: row.try_get("client_logs")?,
            server_logs: row.try_get("server_logs")?,
            users: row.try_get("users")?,
            indexed_logs: indexed,
            errors: row.try_get("errors")?,
            warnings: row.try_get("warnings")?,
        })
    }
}

#[cfg(test)]
mod plans {
    //! What PostgreSQL makes of a page's statement. These are properties of
    //! the plan, not of the rows (the reference tests check those): a walk
    //! that reads its table where it could read an index alone gives the
    //! same pages, only slower at scale.

    use super::*;
    use crate::{InventoryRow, SearchLimits};

    /// The plan PostgreSQL runs for the first page of `query` (`EXPLAIN
    /// ANALYZE`). It is kept off reading the table whole and off sorting
    /// it, as at scale: it would rather read a few thousand runs whole.
    async fn plan_of(cat: &Catalog, query: &RunQuery) -> String {
        let found = cat.find(query).await.unwrap().expect("runs match");
        assert_eq!(
            Walk::of(query, &found),
            Walk::Whole,
            "{query:?} walks its order"
        );
        let sql = cat
            .page_part(query, &found, Bound::Start, 101)
            .prefixed("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ");
        let mut tx = cat.pool.begin().await.unwrap();
        for set in [
            "SET LOCAL enable_seqscan = off",
            "SET LOCAL enable_bitmapscan = off",
            "SET LOCAL enable_sort = off",
        ] {
            sqlx::query(set).execute(&mut *tx).await.unwrap();
        }
        let rows = sql.fetch_all(&mut *tx).await.unwrap();
        let lines: Vec<String> = rows.iter().map(|r| r.try_get(0).unwrap()).collect();
        lines.join("\n")
    }

    /// A search walking the order by errors or by p95 latency tests each
    /// run in the order's index (migration 18); newest first it reads the
    /// rows. Whether the index-only scan then skips the table ("Heap
    /// Fetches: 0") is VACUUM's part, not the statement's, and it is not
    /// asserted: a transaction of a test running beside this one, in the
    /// same database, keeps VACUUM from marking the new rows visible to all.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_tests_a_walked_search_in_the_index_of_an_order_by_a_metric() {
        let Some(db) = crate::testing::postgres().await else {
            return;
        };
        let rows: Vec<InventoryRow> = (1..=3000)
            .map(|id| InventoryRow {
                connection_id: id,
                username: Some(format!("User{}@Example.com", id % 40)),
                ip: format!("10.{}.{}.{}", id % 7, id / 256 % 256, id % 256),
                last_updated: String::new(),
                updated_at: 1_600_000_000 + id * 60,
                version: Some("AAAA".into()),
                client_logs: None,
                server_logs: None,
            })
            .collect();
        // Every term walks its order.
        let cat = db.catalog.clone().with_search_limits(SearchLimits {
            dense_runs: 1,
            many_names: 0,
            count_cap: 10,
            estimate_from: i64::MAX,
        });
        cat.upsert_runs(&rows, 1).await.unwrap();
        sqlx::query("VACUUM ANALYZE runs")
            .execute(&cat.pool)
            .await
            .unwrap();
        for (term, sort, index) in [
            ("user1", Sort::Errors, "runs_by_errors"),
            ("10.3.", Sort::LatencyP95, "runs_by_latency_p95"),
            ("@EXAMPLE", Sort::Errors, "runs_by_errors"),
        ] {
            let query = RunQuery {
                user: Some(term.into()),
                sort,
                limit: 100,
                ..RunQuery::default()
            };
            let plan = plan_of(&cat, &query).await;
            assert!(
                plan.contains(&format!("Index Only Scan using {index}")),
                "{term} by {sort:?}:\n{plan}"
            );
        }
        // A template's walk tests each run by its id alone.
        let template = "decoder stalled for <*> ms";
        let key = crate::template_key(model::Level::Error, template);
        sqlx::query(&format!(
            "INSERT INTO log_templates (tkey, run_id, log) \
             SELECT {key}, id, 'server' FROM runs WHERE id % 3 = 0"
        ))
        .execute(&cat.pool)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO template_totals (level, template, count, runs) VALUES ('ERROR', $1, 1000, 1000)",
        )
        .bind(template)
        .execute(&cat.pool)
        .await
        .unwrap();
        let query = RunQuery {
            template: Some(model::TemplateRef {
                level: model::Level::Error,
                template: template.into(),
            }),
            sort: Sort::LatencyP95,
            limit: 100,
            ..RunQuery::default()
        };
        let plan = plan_of(&cat, &query).await;
        assert!(
            plan.contains("Index Only Scan using runs_by_latency_p95"),
            "the template by latency:\n{plan}"
        );
        let newest = RunQuery {
            user: Some("user1".into()),
            limit: 100,
            ..RunQuery::default()
        };
        let plan = plan_of(&cat, &newest).await;
        assert!(
            plan.contains("using runs_newest") && !plan.contains("Index Only Scan"),
            "{plan}"
        );
        db.drop_schema().await;
    }
}

//! Search: what was typed, as a piece of a username, the start of an IP
//! address, or a connection id ([`SearchTerm`]); a run matches if any of
//! them does.
//!
//! Usernames: a term is [`fold`]ed, and so is every username (kept in
//! `runs.username_folded`, and with each distinct name in `usernames`), so
//! "matches" means exactly: `fold(term)` is a substring of
//! `fold(username)`, with no wildcard of any kind. An IP matches when it
//! starts with the term (lower-cased), byte for byte; an id when it equals
//! the term's number.
//!
//! The distinct names (far fewer than runs) are searched first, in memory
//! ([`crate::names`]). An IP prefix is a range of the `runs_ip` index. Then,
//! by how many runs match:
//! - none: the answer is empty at once;
//! - few (a few names and IPs, under [`SearchLimits::dense_runs`] runs):
//!   the runs are read through the username and IP indexes and sorted
//!   ([`Plan::Few`]);
//! - many: the list is walked in its own order and each run tested
//!   ([`Plan::Scan`]); at that density a page is found within a few
//!   thousand rows of the walk (tens of thousands for a term on a few runs
//!   in a thousand; in the orders by a metric PostgreSQL tests them from
//!   what the order's index carries, without reading the table: migration
//!   18).

use model::SearchTerm;
use sqlx::Row;

use crate::sql::Sql;
use crate::{Backend, CatalogError};

/// Longest search term, in characters (no username is longer in practice).
pub const MAX_TERM_CHARS: usize = 256;

/// Where the search plans change over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchLimits {
    /// Matching runs from which walking the list in its order beats
    /// collecting and sorting them.
    pub dense_runs: i64,
    /// Matching names past which the term is taken as common enough to
    /// walk the list without counting its runs.
    pub many_names: i64,
    /// Runs a first page counts its list's matches up to ("more than …").
    pub count_cap: i64,
    /// Entries (by the statistics) from which a list found walking an
    /// order's index has its matches estimated rather than counted
    /// (`i64::MAX`: always counted).
    pub estimate_from: i64,
}

impl Default for SearchLimits {
    fn default() -> Self {
        SearchLimits {
            dense_runs: 5000,
            many_names: 5000,
            count_cap: 10_000,
            estimate_from: 10_000,
        }
    }
}

/// Text as usernames and terms are compared: as the catalog stores it (see
/// [`crate::clean_text`]), in Unicode lower case.
pub fn fold(s: &str) -> String {
    crate::clean_text(s).to_lowercase()
}

/// How to find the runs of a term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Fewer than [`SearchLimits::dense_runs`] runs match: those of exactly
    /// these usernames, those in these IP ranges, and the run `id`. Read
    /// through the indexes and sorted.
    Few {
        names: Vec<String>,
        ips: Vec<IpRange>,
        id: Option<i64>,
    },
    /// Many runs match: test each run in list order.
    Scan {
        /// The folded term.
        folded: String,
        ips: Vec<IpRange>,
        id: Option<i64>,
    },
}

impl Plan {
    /// Whether the plan finds no run.
    pub fn is_empty(&self) -> bool {
        matches!(self, Plan::Few { names, ips, id: None } if names.is_empty() && ips.is_empty())
    }

    /// Whether the runs are found by index and sorted, rather than found
    /// walking the list.
    pub fn is_few(&self) -> bool {
        matches!(self, Plan::Few { .. })
    }
}

/// The IPs that start with a prefix: `from <= ip < to`, in byte order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IpRange {
    from: String,
    to: String,
}

impl IpRange {
    /// The ranges of `prefix` (ASCII hex digits, dots and colons) as typed
    /// lower-cased and, when it has letters, upper-cased.
    fn of(prefix: &str) -> Vec<IpRange> {
        let mut forms = vec![prefix.to_ascii_lowercase(), prefix.to_ascii_uppercase()];
        forms.dedup();
        forms
            .into_iter()
            .map(|from| {
                // Every string that starts with `from` sorts before `from`
                // with its last byte one higher (an ASCII byte: no carry).
                let mut to = from.clone().into_bytes();
                if let Some(last) = to.last_mut() {
                    *last += 1;
                }
                IpRange {
                    from,
                    to: String::from_utf8(to).unwrap_or_default(),
                }
            })
            .collect()
    }
}

/// The IP column in byte order (in PostgreSQL whatever the database's
/// collation): as `runs_ip` orders it when `indexed`, else as an
/// expression no index has, so that a planner walks the list's order
/// testing each run rather than reading every run of a common prefix
/// through `runs_ip` and sorting them.
fn ip_column(backend: Backend, indexed: bool) -> &'static str {
    match (backend, indexed) {
        (Backend::Sqlite, true) => "runs.ip",
        (Backend::Sqlite, false) => "(runs.ip || '')",
        (Backend::Postgres, true) => "runs.ip COLLATE \"C\"",
        (Backend::Postgres, false) => "(runs.ip || '') COLLATE \"C\"",
    }
}

/// Appends a condition true for the runs in one of `ips`, or `FALSE`.
fn push_ip_match(q: &mut Sql, backend: Backend, ips: &[IpRange], indexed: bool) {
    if ips.is_empty() {
        q.push("1 = 0");
        return;
    }
    let col = ip_column(backend, indexed);
    for (i, r) in ips.iter().enumerate() {
        if i > 0 {
            q.push(" OR ");
        }
        q.push(&format!("({col} >= "))
            .bind(r.from.clone())
            .push(&format!(" AND {col} < "))
            .bind(r.to.clone())
            .push(")");
    }
}

/// Chooses how to search for `term` (trimmed, not empty).
pub(crate) async fn plan(
    pool: &sqlx::AnyPool,
    backend: Backend,
    names: &crate::names::Names,
    limits: SearchLimits,
    term: &str,
) -> Result<Plan, CatalogError> {
    if term.chars().count() > MAX_TERM_CHARS {
        return Err(CatalogError::BadRequest(format!(
            "user: the search term is longer than {MAX_TERM_CHARS} characters"
        )));
    }
    let Some(term) = SearchTerm::parse(term) else {
        return Ok(Plan::Few {
            names: Vec::new(),
            ips: Vec::new(),
            id: None,
        });
    };
    let folded = fold(&term.text);
    let id = term.id;
    let ips = term
        .ip_prefix
        .as_deref()
        .map(IpRange::of)
        .unwrap_or_default();
    let scan = |ips: Vec<IpRange>| Plan::Scan {
        folded: folded.clone(),
        ips,
        id,
    };

    // Runs by IP, counted through `runs_ip` up to `dense_runs`.
    let mut ip_runs = 0;
    if !ips.is_empty() {
        let mut q = Sql::new(
            backend,
            "SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM runs WHERE ",
        );
        push_ip_match(&mut q, backend, &ips, true);
        q.push(" LIMIT ").bind(limits.dense_runs).push(") AS m");
        ip_runs = q.fetch_one(pool).await?.try_get("n")?;
        if ip_runs >= limits.dense_runs {
            return Ok(scan(ips));
        }
    }
    let ips = if ip_runs == 0 { Vec::new() } else { ips };

    names.catch_up(pool).await?;
    let names = names
        .containing(&folded, limits.many_names.saturating_add(1) as usize)
        .await;
    if names.len() as i64 > limits.many_names {
        return Ok(scan(ips));
    }
    if !names.is_empty() {
        // Counted through the username index, up to what is left of
        // `dense_runs`.
        let room = limits.dense_runs - ip_runs;
        let mut q = Sql::new(
            backend,
            "SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM runs WHERE runs.username IN (",
        );
        q.list(names.clone())
            .push(") LIMIT ")
            .bind(room)
            .push(") AS m");
        let n: i64 = q.fetch_one(pool).await?.try_get("n")?;
        if n >= room {
            return Ok(scan(ips));
        }
    }
    Ok(Plan::Few { names, ips, id })
}

/// Appends a condition true for the runs the plan found.
pub(crate) fn push_user_filter(q: &mut Sql, backend: Backend, plan: Plan) {
    let few = plan.is_few();
    let (ips, id) = match plan {
        Plan::Few { names, ips, id } => {
            // NULL keeps the list valid when empty; it matches nothing.
            q.push("(runs.username IN (NULL");
            for name in names {
                q.push(", ").bind(name);
            }
            q.push(")");
            (ips, id)
        }
        Plan::Scan { folded, ips, id } => {
            let f = match backend {
                Backend::Sqlite => "instr",
                Backend::Postgres => "strpos",
            };
            q.push(&format!("({f}(runs.username_folded, "))
                .bind(folded)
                .push(") > 0");
            (ips, id)
        }
    };
    if !ips.is_empty() {
        q.push(" OR ");
        push_ip_match(q, backend, &ips, few);
    }
    if let Some(id) = id {
        q.push(" OR runs.id = ").bind(id);
    }
    q.push(")");
}

/// Adds the usernames of newly written runs to the searchable names. In
/// PostgreSQL this takes [`crate::names::NAMES_LOCK`] until the transaction
/// ends, so it belongs at the end of one.
pub(crate) async fn remember_usernames<'c>(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    names: impl IntoIterator<Item = &'c str>,
) -> Result<(), CatalogError> {
    let mut names: Vec<&str> = names.into_iter().collect();
    names.sort_unstable();
    names.dedup();
    if names.is_empty() {
        return Ok(());
    }
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(crate::names::NAMES_LOCK)
            .execute(&mut *conn)
            .await?;
    }
    let mut q = Sql::new(backend, "INSERT INTO usernames (username, folded) VALUES ");
    q.values(&names, |b, name| {
        b.bind(name.to_string()).bind(fold(name));
    });
    q.push(" ON CONFLICT (username) DO NOTHING");
    q.execute(&mut *conn).await?;
    Ok(())
}

/// Folds, in Rust, the names that a migration could only lower-case in SQL
/// (its `lower()` knows ASCII, or the database's collation); runs once per
/// catalog.
pub(crate) async fn fold_migrated_usernames(
    pool: &sqlx::AnyPool,
    backend: Backend,
) -> Result<(), CatalogError> {
    if !crate::marker_pending(pool, "fold_usernames").await? {
        return Ok(());
    }
    let rows = sqlx::query("SELECT id, username, folded FROM usernames")
        .fetch_all(pool)
        .await?;
    let mut tx = crate::begin_write(pool, backend).await?;
    for row in rows {
        let (id, name, folded): (i64, String, String) = (
            row.try_get("id")?,
            row.try_get("username")?,
            row.try_get("folded")?,
        );
        let want = fold(&name);
        if want != folded {
            let mut q = Sql::new(backend, "UPDATE usernames SET folded = ");
            q.bind(want.clone()).push(" WHERE id = ").bind(id);
            q.execute(&mut *tx).await?;
            let mut q = Sql::new(backend, "UPDATE runs SET username_folded = ");
            q.bind(want).push(" WHERE username = ").bind(name);
            q.execute(&mut *tx).await?;
        }
    }
    crate::marker_done(&mut *tx, "fold_usernames").await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ip_prefix_is_a_byte_range() {
        let r = IpRange::of("10.0.3.");
        assert_eq!(
            r,
            vec![IpRange {
                from: "10.0.3.".into(),
                to: "10.0.3/".into()
            }]
        );
        let r = IpRange::of("fe80:");
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].from.as_str(), r[0].to.as_str()), ("fe80:", "fe80;"));
        assert_eq!((r[1].from.as_str(), r[1].to.as_str()), ("FE80:", "FE80;"));
        // Every IP with the prefix is in the range, nothing else is.
        for (ip, inside) in [
            ("10.0.3.7", true),
            ("10.0.3.", true),
            ("10.0.3.\u{10FFFF}", true),
            ("10.0.3", false),
            ("10.0.30.1", false),
            ("10.0.4.1", false),
        ] {
            let r = &IpRange::of("10.0.3.")[0];
            assert_eq!(ip >= r.from.as_str() && ip < r.to.as_str(), inside, "{ip}");
        }
    }

    #[test]
    fn folds_unicode_and_nul() {
        assert_eq!(fold("ÄnnA@X"), "änna@x");
        assert_eq!(fold("a\0b"), "a\u{FFFD}b");
    }
}

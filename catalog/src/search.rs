//! Username search: a case-insensitive substring of the username.
//!
//! A term is [`fold`]ed, and so is every username (kept in
//! `runs.username_folded`, and with each distinct name in `usernames`), so
//! "matches" means exactly: `fold(term)` is a substring of
//! `fold(username)`, with no wildcard of any kind.
//!
//! The distinct names (far fewer than runs) are searched first: a trigram
//! index of the folded names answers terms of three or more characters
//! (FTS5 `trigram` in SQLite, `pg_trgm` in PostgreSQL); shorter ones read
//! the names. Then, by how many runs match:
//! - none: the answer is empty at once;
//! - few (a few names, under [`SearchLimits::dense_runs`] runs): the runs
//!   of those names are read through the username index and sorted
//!   ([`Plan::Names`]);
//! - many: the list is walked in its own order and each run's folded name
//!   tested ([`Plan::Scan`]); at that density a page is found within a few
//!   thousand rows of the walk.

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
}

impl Default for SearchLimits {
    fn default() -> Self {
        SearchLimits {
            dense_runs: 5000,
            many_names: 1000,
        }
    }
}

/// Text as usernames and terms are compared: as the catalog stores it (see
/// [`crate::clean_text`]), in Unicode lower case.
pub fn fold(s: &str) -> String {
    crate::clean_text(s).to_lowercase()
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn like_pattern(term: &str) -> String {
    let mut p = String::with_capacity(term.len() + 2);
    p.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// `term` as an FTS5 phrase (quotes doubled, so it cannot become syntax).
fn phrase(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// How to find the runs of a term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Plan {
    /// The runs of exactly these usernames match (fewer than
    /// [`SearchLimits::dense_runs`] runs; no name at all: no run).
    Names(Vec<String>),
    /// Many runs match: test each run's folded name in list order.
    Scan {
        /// The folded term.
        folded: String,
    },
}

impl Plan {
    /// Whether the plan finds no run.
    pub fn is_empty(&self) -> bool {
        matches!(self, Plan::Names(n) if n.is_empty())
    }
}

/// Appends a condition on `usernames` (no alias) true for the names that
/// contain `folded`.
fn push_name_match(q: &mut Sql, backend: Backend, folded: &str) {
    match backend {
        Backend::Sqlite => {
            if folded.chars().count() >= 3 {
                q.push("usernames.id IN (SELECT rowid FROM usernames_trigram WHERE usernames_trigram MATCH ")
                    .bind(phrase(folded))
                    .push(") AND ");
            }
            q.push("instr(usernames.folded, ")
                .bind(folded.to_string())
                .push(") > 0");
        }
        Backend::Postgres => {
            // LIKE on the folded text is case-sensitive, as it must be, and
            // uses the trigram index for three characters or more.
            q.push("usernames.folded LIKE ")
                .bind(like_pattern(folded))
                .push(" ESCAPE '\\'");
        }
    }
}

/// Chooses how to search for `term` (trimmed, not empty).
pub(crate) async fn plan(
    pool: &sqlx::AnyPool,
    backend: Backend,
    limits: SearchLimits,
    term: &str,
) -> Result<Plan, CatalogError> {
    if term.chars().count() > MAX_TERM_CHARS {
        return Err(CatalogError::BadRequest(format!(
            "user: the search term is longer than {MAX_TERM_CHARS} characters"
        )));
    }
    let folded = fold(term);
    let mut q = Sql::new(
        backend,
        "SELECT usernames.username AS name FROM usernames WHERE ",
    );
    push_name_match(&mut q, backend, &folded);
    q.push(" LIMIT ").bind(limits.many_names + 1);
    let names: Vec<String> = q
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| r.try_get("name"))
        .collect::<Result<_, _>>()?;
    if names.is_empty() {
        return Ok(Plan::Names(names));
    }
    if names.len() as i64 > limits.many_names {
        return Ok(Plan::Scan { folded });
    }
    // Counted through the username index, up to `dense_runs`.
    let mut q = Sql::new(
        backend,
        "SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM runs WHERE runs.username IN (",
    );
    q.list(names.clone())
        .push(") LIMIT ")
        .bind(limits.dense_runs)
        .push(") AS m");
    let n: i64 = q.fetch_one(pool).await?.try_get("n")?;
    if n >= limits.dense_runs {
        return Ok(Plan::Scan { folded });
    }
    Ok(Plan::Names(names))
}

/// Appends a condition true for the runs the plan found.
pub(crate) fn push_user_filter(q: &mut Sql, backend: Backend, plan: Plan) {
    match plan {
        Plan::Names(names) => {
            // NULL keeps the list valid when empty; it matches nothing.
            q.push("runs.username IN (NULL");
            for name in names {
                q.push(", ").bind(name);
            }
            q.push(")");
        }
        Plan::Scan { folded } => {
            let f = match backend {
                Backend::Sqlite => "instr",
                Backend::Postgres => "strpos",
            };
            q.push(&format!("{f}(runs.username_folded, "))
                .bind(folded)
                .push(") > 0");
        }
    }
}

/// Adds the usernames of newly written runs to the searchable names.
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
    let pending = sqlx::query("SELECT value FROM catalog_meta WHERE key = 'fold_usernames'")
        .fetch_optional(pool)
        .await?;
    if pending.is_none() {
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
    sqlx::query("DELETE FROM catalog_meta WHERE key = 'fold_usernames'")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_wildcards() {
        assert_eq!(like_pattern("a%b_c\\"), "%a\\%b\\_c\\\\%");
    }

    #[test]
    fn folds_unicode_and_nul() {
        assert_eq!(fold("ÄnnA@X"), "änna@x");
        assert_eq!(fold("a\0b"), "a\u{FFFD}b");
    }
}

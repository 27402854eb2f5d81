//! Username search: a case-insensitive substring of the username.
//!
//! The distinct usernames (table `usernames`, far fewer than runs) are
//! searched first, each kept with its [`fold`]ed form; then the runs of the
//! ones that match. A term is folded the same way, so "matches" means
//! exactly: `fold(term)` is a substring of `fold(username)`, with no
//! wildcard of any kind. Terms of three or more characters are looked up in
//! a trigram index of the folded names (FTS5 `trigram` in SQLite, `pg_trgm`
//! in PostgreSQL); shorter ones read every distinct name.
//!
//! Then, by how many runs match: few, and their ids are collected through
//! the username index and sorted ([`Plan::Ids`]); many, and the list is
//! walked in its own order, each run tested against the matching names
//! ([`Plan::Scan`]), which finds a page after reading a few times its size.

use sqlx::Row;

use crate::sql::Sql;
use crate::{Backend, CatalogError};

/// Longest search term, in characters (no username is longer in practice).
pub const MAX_TERM_CHARS: usize = 256;

/// Run matches below which collecting and sorting them beats walking the
/// list in its order (at that density a page is found within
/// `total / DENSE * limit` rows of the walk).
const DENSE: i64 = 5000;

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
    /// Exactly these runs match (fewer than [`DENSE`]; maybe none).
    Ids(Vec<i64>),
    /// Many runs match: test each run in list order against the names
    /// that match `folded`.
    Scan {
        /// The folded term.
        folded: String,
    },
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
    term: &str,
) -> Result<Plan, CatalogError> {
    if term.chars().count() > MAX_TERM_CHARS {
        return Err(CatalogError::BadRequest(format!(
            "user: the search term is longer than {MAX_TERM_CHARS} characters"
        )));
    }
    let folded = fold(term);
    // The username index drives this (the names are few); at most DENSE
    // ids are read to learn whether there are more.
    let mut q = Sql::new(
        backend,
        "SELECT runs.id AS id FROM runs WHERE runs.username IN \
         (SELECT usernames.username FROM usernames WHERE ",
    );
    push_name_match(&mut q, backend, &folded);
    q.push(") LIMIT ").bind(DENSE);
    let rows = q.fetch_all(pool).await?;
    if rows.len() as i64 >= DENSE {
        return Ok(Plan::Scan { folded });
    }
    let ids = rows
        .iter()
        .map(|r| r.try_get::<i64, _>("id"))
        .collect::<Result<_, _>>()?;
    Ok(Plan::Ids(ids))
}

/// Appends a condition true for the runs the plan found.
pub(crate) fn push_user_filter(q: &mut Sql, backend: Backend, plan: Plan) {
    match plan {
        Plan::Ids(ids) => {
            // `0` keeps the list valid when nothing matched; no run has id 0.
            q.push("runs.id IN (0");
            for id in ids {
                q.push(", ").bind(id);
            }
            q.push(")");
        }
        Plan::Scan { folded } => {
            // The names are collected once; the expression on the left keeps
            // either engine from collecting every matching run through the
            // username index and sorting them all.
            match backend {
                Backend::Sqlite => q.push("+runs.username IN (SELECT usernames.username FROM usernames WHERE "),
                Backend::Postgres => q.push(
                    "(runs.username || '') = ANY(ARRAY(SELECT usernames.username FROM usernames WHERE ",
                ),
            };
            push_name_match(q, backend, &folded);
            q.push(match backend {
                Backend::Sqlite => ")",
                Backend::Postgres => "))",
            });
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
            q.bind(want).push(" WHERE id = ").bind(id);
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

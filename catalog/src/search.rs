//! Username search: case-insensitive substring, answered from a trigram
//! index (FTS5 `trigram` in SQLite, `pg_trgm` in PostgreSQL).

use crate::Backend;
use crate::sql::Sql;

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

/// Matches past which the SQLite trigram index is not worth it: walking the
/// list's own order and testing each username finds a page sooner than
/// sorting every match.
const DENSE: i64 = 5000;

/// Newest runs sampled to judge how common a term is (PostgreSQL).
const SAMPLE: i64 = 10_000;

/// Matches in the sample above which scanning in list order wins.
const SAMPLE_DENSE: i64 = 20;

/// How to look for a username.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Plan {
    /// These runs match (few matches, found through the trigram index).
    Ids(Vec<i64>),
    /// By testing rows in list order (many matches, or a term too short
    /// for trigrams).
    Scan,
}

/// Chooses how to search for `term`: asks the trigram index for up to
/// [`DENSE`] matches.
pub(crate) async fn plan(
    pool: &sqlx::AnyPool,
    backend: Backend,
    term: &str,
) -> Result<Plan, sqlx::Error> {
    use sqlx::Row;
    if term.chars().count() < 3 {
        return Ok(Plan::Scan);
    }
    let rows = match backend {
        Backend::Sqlite => {
            sqlx::query("SELECT rowid AS id FROM runs_user WHERE runs_user MATCH $1 LIMIT $2")
                .bind(phrase(term))
                .bind(DENSE)
                .fetch_all(pool)
                .await?
        }
        Backend::Postgres => {
            // Collecting matches through the trigram index costs in
            // proportion to all of them: first see how common the term is
            // among the newest runs.
            let n: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM (SELECT username FROM runs ORDER BY updated_at DESC, id DESC LIMIT $2) AS s \
                 WHERE username ILIKE $1 ESCAPE '\\'",
            )
            .bind(like_pattern(term))
            .bind(SAMPLE)
            .fetch_one(pool)
            .await?
            .try_get("n")?;
            if n >= SAMPLE_DENSE {
                return Ok(Plan::Scan);
            }
            sqlx::query("SELECT id FROM runs WHERE username ILIKE $1 ESCAPE '\\' LIMIT $2")
                .bind(like_pattern(term))
                .bind(DENSE)
                .fetch_all(pool)
                .await?
        }
    };
    if rows.len() as i64 >= DENSE {
        return Ok(Plan::Scan);
    }
    let ids = rows
        .iter()
        .map(|r| r.try_get::<i64, _>("id"))
        .collect::<Result<_, _>>()?;
    Ok(Plan::Ids(ids))
}

/// `term` as an FTS5 phrase (quotes doubled, so it cannot become syntax).
fn phrase(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// Appends a condition true for runs whose username contains `term`,
/// ignoring case. `plan` matters for SQLite only.
pub(crate) fn push_user_filter(q: &mut Sql, backend: Backend, plan: Plan, term: &str) {
    // The trigram index found these (SQLite); `0` keeps the list non-empty.
    match (backend, plan) {
        // Many matches: test rows in the list's order. The expression keeps
        // PostgreSQL from collecting every match through the trigram index
        // and sorting them.
        (Backend::Postgres, Plan::Scan) => {
            q.push("(runs.username || '') ILIKE ")
                .bind(like_pattern(term))
                .push(" ESCAPE '\\'");
        }
        (_, Plan::Ids(ids)) => {
            q.push("runs.id IN (0");
            for id in ids {
                q.push(", ").bind(id);
            }
            q.push(")");
        }
        (Backend::Sqlite, Plan::Scan) => {
            q.push("runs.username LIKE ")
                .bind(like_pattern(term))
                .push(" ESCAPE '\\'");
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_like_wildcards() {
        assert_eq!(super::like_pattern("a%b_c\\"), "%a\\%b\\_c\\\\%");
    }
}

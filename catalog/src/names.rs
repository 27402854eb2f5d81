//! The distinct usernames held in memory, for finding those that contain a
//! search term.
//!
//! A term of one or two characters has no trigram to look up, and a term
//! of any length may match few of hundreds of thousands of names: reading
//! the `usernames` table for it costs tens of milliseconds. Here every
//! folded name sits in one string, separated by NUL (which [`fold`] never
//! leaves in a name), and a term is found with a substring search over it:
//! a millisecond or two for half a million names.
//!
//! The copy follows the `usernames` table by id: names are only ever added,
//! and each reader asks for the ids past the last it holds before every
//! search. That sees every name only if ids become visible in order, so
//! writers add names last in their transaction, one writer at a time
//! (SQLite has one; PostgreSQL takes [`NAMES_LOCK`] first).
//!
//! [`fold`]: crate::search::fold

use sqlx::Row;
use tokio::sync::RwLock;

use crate::CatalogError;

/// The PostgreSQL advisory lock a transaction holds from adding usernames
/// until it commits, so that their ids commit in order.
pub(crate) const NAMES_LOCK: i64 = 0x6c6f_6764_6563_6b01;

/// Names read at a time while catching up.
const READ_BATCH: i64 = 50_000;

/// Every username of the catalog, folded, in id order.
#[derive(Debug, Default)]
pub(crate) struct Names(RwLock<Loaded>);

#[derive(Debug, Default)]
struct Loaded {
    /// `\0name\0name\0…\0`: the folded names, each after a NUL.
    text: String,
    /// Where each name starts in `text` (after its NUL).
    starts: Vec<usize>,
    /// Each name as stored (what `runs.username` holds).
    names: Vec<Box<str>>,
    /// The highest id read.
    last_id: i64,
}

impl Names {
    /// Reads the names added since the last call.
    pub(crate) async fn catch_up(&self, pool: &sqlx::AnyPool) -> Result<(), CatalogError> {
        loop {
            let after = self.0.read().await.last_id;
            let rows = sqlx::query(
                "SELECT id, username, folded FROM usernames WHERE id > $1 ORDER BY id LIMIT $2",
            )
            .bind(after)
            .bind(READ_BATCH)
            .fetch_all(pool)
            .await?;
            if rows.is_empty() {
                return Ok(());
            }
            let full = rows.len() as i64 == READ_BATCH;
            let mut guard = self.0.write().await;
            let loaded = &mut *guard;
            for row in rows {
                let id: i64 = row.try_get("id")?;
                // Another search may have read them meanwhile.
                if id <= loaded.last_id {
                    continue;
                }
                let name: String = row.try_get("username")?;
                let folded: String = row.try_get("folded")?;
                loaded.text.push('\0');
                loaded.starts.push(loaded.text.len());
                loaded.text.push_str(&folded);
                loaded.names.push(name.into_boxed_str());
                loaded.last_id = id;
            }
            if !full {
                return Ok(());
            }
        }
    }

    /// The names (as stored) whose folded form contains `folded`, at most
    /// `limit`, in id order.
    pub(crate) async fn containing(&self, folded: &str, limit: usize) -> Vec<String> {
        let loaded = self.0.read().await;
        loaded.containing(folded, limit)
    }
}

impl Loaded {
    fn containing(&self, folded: &str, limit: usize) -> Vec<String> {
        let mut found = Vec::new();
        if folded.is_empty() || folded.contains('\0') {
            return found;
        }
        let mut last = None;
        for at in memchr::memmem::find_iter(self.text.as_bytes(), folded.as_bytes()) {
            if found.len() >= limit {
                break;
            }
            // The name the match is in: the last that starts at or before
            // it (a match never spans a NUL, the term has none).
            let i = self.starts.partition_point(|&s| s <= at) - 1;
            if last != Some(i) {
                found.push(self.names[i].to_string());
                last = Some(i);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(names: &[(&str, &str)]) -> Loaded {
        let mut l = Loaded::default();
        for (i, (name, folded)) in names.iter().enumerate() {
            l.text.push('\0');
            l.starts.push(l.text.len());
            l.text.push_str(folded);
            l.names.push((*name).into());
            l.last_id = i as i64 + 1;
        }
        l
    }

    #[test]
    fn finds_each_name_once_up_to_the_limit() {
        let l = loaded(&[
            ("Anna@X", "anna@x"),
            ("bob", "bob"),
            ("Hannah", "hannah"),
            ("ÄNNA", "änna"),
        ]);
        assert_eq!(l.containing("n", 10), ["Anna@X", "Hannah", "ÄNNA"]);
        assert_eq!(l.containing("nn", 2), ["Anna@X", "Hannah"]);
        assert_eq!(l.containing("änn", 10), ["ÄNNA"]);
        assert_eq!(l.containing("b", 10), ["bob"]);
        // Never across two names, never on the separator.
        assert!(l.containing("x\0bob", 10).is_empty());
        assert!(l.containing("xbob", 10).is_empty());
        assert!(l.containing("", 10).is_empty());
        assert!(Loaded::default().containing("a", 10).is_empty());
    }
}

//! Bookmarks: runs someone marked, with an optional note, kept on the server.

use model::Bookmark;
use sqlx::Row;

use crate::{Catalog, CatalogError};

/// Longest note accepted, in characters.
pub const MAX_NOTE: usize = 2000;

impl Catalog {
    /// Bookmarks `run_id` for `by` (or changes its note, and who set it).
    /// `false` if the run is unknown.
    pub async fn set_bookmark(
        &self,
        run_id: i64,
        note: &str,
        by: &str,
        now_ms: i64,
    ) -> Result<bool, CatalogError> {
        let chars = note.chars().count();
        if chars > MAX_NOTE {
            return Err(CatalogError::BadRequest(format!(
                "note is {chars} characters; at most {MAX_NOTE} are kept"
            )));
        }
        let done = sqlx::query(
            "INSERT INTO bookmarks (run_id, note, created_ms, created_by) SELECT id, $1, $2, $4 FROM runs WHERE id = $3 \
             ON CONFLICT (run_id) DO UPDATE SET note = excluded.note, created_by = excluded.created_by",
        )
        .bind(crate::clean_text(note).into_owned())
        .bind(now_ms)
        .bind(run_id)
        .bind(crate::clean_text(by).into_owned())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Removes a bookmark; `false` if there was none.
    pub async fn remove_bookmark(&self, run_id: i64) -> Result<bool, CatalogError> {
        let done = sqlx::query("DELETE FROM bookmarks WHERE run_id = $1")
            .bind(run_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// All bookmarks, newest first.
    pub async fn bookmarks(&self) -> Result<Vec<Bookmark>, CatalogError> {
        let rows = sqlx::query(
            "SELECT run_id, note, created_ms, created_by FROM bookmarks ORDER BY created_ms DESC, run_id DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Bookmark {
                    run_id: r.try_get("run_id")?,
                    note: r.try_get("note")?,
                    created_ms: r.try_get("created_ms")?,
                    created_by: r.try_get("created_by")?,
                })
            })
            .collect()
    }
}

//! The audit trail: every change people make (bookmarks, retries, tokens,
//! sign-ins), kept for good in the catalog, so it outlives restarts and is
//! shared by every server on one catalog.

use model::{AuditAction, AuditEntry, AuditPage};
use sqlx::Row;

use crate::{Catalog, CatalogError};

/// Most entries in one page.
pub const MAX_AUDIT_PAGE: u32 = 500;

/// A change to record (the time is the catalog's caller's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditNote<'a> {
    pub actor: &'a str,
    pub action: AuditAction,
    pub target: Option<String>,
    pub address: Option<String>,
    pub detail: Option<String>,
}

impl Catalog {
    /// Records a change at `now_ms`.
    pub async fn audit(&self, note: &AuditNote<'_>, now_ms: i64) -> Result<(), CatalogError> {
        let text = |s: &Option<String>| s.as_deref().map(|s| crate::clean_text(s).into_owned());
        sqlx::query(
            "INSERT INTO audit (at_ms, actor, action, target, address, detail) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(now_ms)
        .bind(crate::clean_text(note.actor).into_owned())
        .bind(note.action.as_str())
        .bind(text(&note.target))
        .bind(text(&note.address))
        .bind(text(&note.detail))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Up to `limit` entries older than the entry `before` (from the newest
    /// without it), newest first.
    pub async fn audit_page(
        &self,
        before: Option<i64>,
        limit: u32,
    ) -> Result<AuditPage, CatalogError> {
        if limit == 0 || limit > MAX_AUDIT_PAGE {
            return Err(CatalogError::BadRequest(format!(
                "limit must be between 1 and {MAX_AUDIT_PAGE}, not {limit}"
            )));
        }
        let rows = sqlx::query(
            "SELECT id, at_ms, actor, action, target, address, detail FROM audit \
             WHERE id < $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(before.unwrap_or(i64::MAX))
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let mut entries = rows
            .iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.try_get("id")?,
                    at_ms: r.try_get("at_ms")?,
                    actor: r.try_get("actor")?,
                    action: crate::runs::word(r, "action")?,
                    target: r.try_get("target")?,
                    address: r.try_get("address")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect::<Result<Vec<_>, CatalogError>>()?;
        let more = entries.len() > limit as usize;
        entries.truncate(limit as usize);
        let next = more.then(|| entries.last().map(|e| e.id)).flatten();
        Ok(AuditPage { entries, next })
    }
}

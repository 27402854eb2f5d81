//! One user's sessions over time, read through `runs_user_history`
//! (username, newest first): the newest [`MAX_HISTORY`] of them, whatever
//! the user's total.

use model::{HistoryPoint, Measure, UserHistory};
use sqlx::Row;

use crate::{Catalog, CatalogError};

/// Sessions a history shows at most (the newest).
pub const MAX_HISTORY: i64 = 1000;

impl Catalog {
    /// `username`'s newest sessions, oldest first (an exact name, as runs
    /// carry it); `None` when no run has it.
    pub async fn user_history(&self, username: &str) -> Result<Option<UserHistory>, CatalogError> {
        let columns: Vec<&str> = Measure::ALL.iter().map(|m| m.column()).collect();
        let rows = sqlx::query(&format!(
            "SELECT id, updated_at, version, outlier, {} FROM runs WHERE username = $1 \
             ORDER BY updated_at DESC, id DESC LIMIT $2",
            columns.join(", ")
        ))
        .bind(crate::clean_text(username).into_owned())
        .bind(MAX_HISTORY)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(None);
        }
        let sessions = if (rows.len() as i64) < MAX_HISTORY {
            rows.len() as i64
        } else {
            sqlx::query("SELECT COUNT(*) AS n FROM runs WHERE username = $1")
                .bind(crate::clean_text(username).into_owned())
                .fetch_one(&self.pool)
                .await?
                .try_get("n")?
        };
        let mut points = Vec::with_capacity(rows.len());
        for r in rows.iter().rev() {
            let values = columns
                .iter()
                .map(|c| {
                    r.try_get::<Option<f64>, _>(*c)
                        .map(|v| v.filter(|v| v.is_finite()))
                })
                .collect::<Result<Vec<_>, _>>()?;
            points.push(HistoryPoint {
                run_id: r.try_get("id")?,
                at: r.try_get("updated_at")?,
                version: r.try_get("version")?,
                values,
                outlier: r
                    .try_get::<Option<String>, _>("outlier")?
                    .map(|m| m.parse())
                    .transpose()
                    .map_err(|e| CatalogError::Corrupt(format!("column outlier: {e}")))?,
            });
        }
        let mut builds: Vec<String> = Vec::new();
        for p in &points {
            if let Some(v) = &p.version
                && !builds.contains(v)
            {
                builds.push(v.clone());
            }
        }
        Ok(Some(UserHistory {
            username: username.to_string(),
            sessions: sessions.max(0) as u64,
            points,
            builds,
        }))
    }
}

//! Signed-in sessions: kept in the catalog so they outlive restarts and
//! every server on one catalog knows them. Only a hash of a session's
//! secret is kept; what the cookie holds cannot be read back from here.

use model::Role;
use sqlx::Row;

use crate::{Catalog, CatalogError};

/// A session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub name: String,
    /// None: signed in, but their groups give no role.
    pub role: Option<Role>,
    pub created_ms: i64,
    pub expires_ms: i64,
}

impl Catalog {
    /// Stores a new session under `hash`.
    pub async fn create_session(&self, hash: &str, s: &Session) -> Result<(), CatalogError> {
        sqlx::query(
            "INSERT INTO sessions (hash, name, role, created_ms, expires_ms) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(hash.to_string())
        .bind(crate::clean_text(&s.name).into_owned())
        .bind(s.role.map(Role::as_str))
        .bind(s.created_ms)
        .bind(s.expires_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The session under `hash` if it has not expired at `now_ms`.
    pub async fn session(&self, hash: &str, now_ms: i64) -> Result<Option<Session>, CatalogError> {
        let row = sqlx::query(
            "SELECT name, role, created_ms, expires_ms FROM sessions WHERE hash = $1 AND expires_ms > $2",
        )
        .bind(hash.to_string())
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            let role: Option<String> = r.try_get("role")?;
            Ok(Session {
                name: r.try_get("name")?,
                role: role
                    .map(|w| {
                        w.parse()
                            .map_err(|e| CatalogError::Corrupt(format!("session role: {e}")))
                    })
                    .transpose()?,
                created_ms: r.try_get("created_ms")?,
                expires_ms: r.try_get("expires_ms")?,
            })
        })
        .transpose()
    }

    /// Moves a session's end to `expires_ms` (a renewal).
    pub async fn renew_session(&self, hash: &str, expires_ms: i64) -> Result<(), CatalogError> {
        sqlx::query("UPDATE sessions SET expires_ms = $1 WHERE hash = $2")
            .bind(expires_ms)
            .bind(hash.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends a session; `false` if there was none. Sessions that expired
    /// before `now_ms` go too.
    pub async fn end_session(&self, hash: &str, now_ms: i64) -> Result<bool, CatalogError> {
        let done = sqlx::query("DELETE FROM sessions WHERE hash = $1")
            .bind(hash.to_string())
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE expires_ms <= $1")
            .bind(now_ms)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

//! Producer tokens kept in the catalog (by their SHA-256, never in clear),
//! so every server process sharing the catalog accepts them.

use sqlx::Row;

use crate::{Catalog, CatalogError};

impl Catalog {
    /// Stores a token's hash under `name`; `false` if the name is taken.
    pub async fn create_token(
        &self,
        name: &str,
        hash: &str,
        now_ms: i64,
    ) -> Result<bool, CatalogError> {
        let done = sqlx::query(
            "INSERT INTO tokens (name, hash, created_ms) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
        )
        .bind(crate::clean_text(name).into_owned())
        .bind(hash.to_string())
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The name of the token with this hash, if there is one.
    pub async fn token_by_hash(&self, hash: &str) -> Result<Option<String>, CatalogError> {
        let row = sqlx::query("SELECT name FROM tokens WHERE hash = $1")
            .bind(hash.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok(r.try_get("name")?)).transpose()
    }

    /// Every token's name and creation time (ms), by name.
    pub async fn tokens(&self) -> Result<Vec<(String, i64)>, CatalogError> {
        let rows = sqlx::query("SELECT name, created_ms FROM tokens ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("name")?, r.try_get("created_ms")?)))
            .collect()
    }

    /// Deletes the token `name`; `false` if there was none.
    pub async fn revoke_token(&self, name: &str) -> Result<bool, CatalogError> {
        let done = sqlx::query("DELETE FROM tokens WHERE name = $1")
            .bind(name.to_string())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

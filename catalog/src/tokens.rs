//! Tokens kept in the catalog (by their SHA-256, never in clear), so every
//! server process sharing the catalog accepts them. Each has one scope
//! ([`TokenScope`]): a producer's token cannot send inventory entries, and
//! an inventory token cannot stream.

use model::{TokenInfo, TokenScope};
use sqlx::Row;

use crate::{Catalog, CatalogError};

impl Catalog {
    /// Stores a token's hash under `name`; `false` if the name is taken.
    pub async fn create_token(
        &self,
        name: &str,
        hash: &str,
        scope: TokenScope,
        now_ms: i64,
    ) -> Result<bool, CatalogError> {
        let done = sqlx::query(
            "INSERT INTO tokens (name, hash, scope, created_ms) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(crate::clean_text(name).into_owned())
        .bind(hash.to_string())
        .bind(scope.as_str())
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The name and scope of the token with this hash, if there is one.
    pub async fn token_by_hash(
        &self,
        hash: &str,
    ) -> Result<Option<(String, TokenScope)>, CatalogError> {
        let row = sqlx::query("SELECT name, scope FROM tokens WHERE hash = $1")
            .bind(hash.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((r.try_get("name")?, scope_of(&r)?)))
            .transpose()
    }

    /// Every token, by name.
    pub async fn tokens(&self) -> Result<Vec<TokenInfo>, CatalogError> {
        let rows = sqlx::query("SELECT name, scope, created_ms FROM tokens ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(TokenInfo {
                    name: r.try_get("name")?,
                    scope: scope_of(r)?,
                    created_ms: r.try_get("created_ms")?,
                })
            })
            .collect()
    }

    /// Whether any token of `scope` exists.
    pub async fn has_tokens(&self, scope: TokenScope) -> Result<bool, CatalogError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM tokens WHERE scope = $1")
            .bind(scope.as_str())
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
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

fn scope_of(r: &sqlx::any::AnyRow) -> Result<TokenScope, CatalogError> {
    let word: String = r.try_get("scope")?;
    word.parse()
        .map_err(|e| CatalogError::Corrupt(format!("token scope: {e}")))
}

//! Producer tokens: from the server's configuration (`--ingest-token`), or
//! created with `logdeck token create` and kept in the catalog as a SHA-256.

use axum::http::HeaderMap;
use catalog::Catalog;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The tokens producers may present, besides those in the catalog.
#[derive(Clone, Default)]
pub struct Tokens {
    tokens: Vec<String>,
}

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No token is configured or created, so the server takes no producers.
    #[error(
        "this server accepts no producers yet: create a token with `logdeck token create NAME`, or start it with --ingest-token"
    )]
    NoTokens,
    /// No `Authorization: Bearer …` header.
    #[error("missing bearer token (Authorization: Bearer TOKEN)")]
    Missing,
    /// A token that is neither configured nor created.
    #[error("wrong token")]
    Wrong,
    /// The catalog could not be asked.
    #[error("cannot check the token: {0}")]
    Unavailable(String),
}

/// The SHA-256 of a token, in hex: what the catalog keeps.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new random token.
pub fn new_token() -> String {
    let bytes: [u8; 24] = rand::random();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("ldk_{hex}")
}

/// The bearer token of a request.
pub fn bearer(headers: &HeaderMap) -> Result<&str, AuthError> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(AuthError::Missing)
}

impl Tokens {
    /// Tokens from configuration; empty ones are ignored.
    pub fn new(tokens: impl IntoIterator<Item = String>) -> Tokens {
        Tokens {
            tokens: tokens
                .into_iter()
                .filter(|t| !t.trim().is_empty())
                .collect(),
        }
    }

    /// Whether no token is configured (the catalog may still have some).
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Whether `given` is one of the configured tokens. Every configured
    /// token is compared in full, so timing tells nothing.
    fn configured(&self, given: &str) -> bool {
        let mut ok = false;
        for t in &self.tokens {
            ok |= bool::from(t.as_bytes().ct_eq(given.as_bytes()));
        }
        ok
    }

    /// Checks the request's bearer token against the configured tokens,
    /// then the catalog's.
    pub async fn check(&self, headers: &HeaderMap, catalog: &Catalog) -> Result<(), AuthError> {
        self.check_bearer(bearer(headers), catalog).await
    }

    /// Checks a bearer token (or why there is none) as [`Tokens::check`].
    pub async fn check_bearer(
        &self,
        given: Result<&str, AuthError>,
        catalog: &Catalog,
    ) -> Result<(), AuthError> {
        if let Ok(g) = given
            && self.configured(g)
        {
            return Ok(());
        }
        let unavailable = |e: catalog::CatalogError| AuthError::Unavailable(e.to_string());
        if let Ok(g) = given
            && catalog
                .token_by_hash(&token_hash(g))
                .await
                .map_err(unavailable)?
                .is_some()
        {
            return Ok(());
        }
        if self.tokens.is_empty() && catalog.tokens().await.map_err(unavailable)?.is_empty() {
            return Err(AuthError::NoTokens);
        }
        given.map(|_| ()).and(Err(AuthError::Wrong))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bearer_of(t: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("authorization", format!("Bearer {t}").parse().unwrap());
        h
    }

    #[tokio::test]
    async fn checks_configured_and_created_tokens() {
        let db = catalog::testing::sqlite().await;
        let c = &db.catalog;
        let none = Tokens::new([]);
        assert_eq!(
            none.check(&bearer_of("x"), c).await,
            Err(AuthError::NoTokens)
        );
        let t = Tokens::new(["s3cret".to_string(), String::new()]);
        assert_eq!(t.check(&bearer_of("s3cret"), c).await, Ok(()));
        assert_eq!(t.check(&bearer_of("s3cre"), c).await, Err(AuthError::Wrong));
        assert_eq!(
            t.check(&bearer_of("s3cret2"), c).await,
            Err(AuthError::Wrong)
        );
        assert_eq!(t.check(&HeaderMap::new(), c).await, Err(AuthError::Missing));
        // A created token works with or without configured ones.
        let made = new_token();
        assert!(made.starts_with("ldk_") && made.len() == 52);
        c.create_token("ci", &token_hash(&made), 1).await.unwrap();
        assert_eq!(none.check(&bearer_of(&made), c).await, Ok(()));
        assert_eq!(t.check(&bearer_of(&made), c).await, Ok(()));
        assert_eq!(
            none.check(&bearer_of("other"), c).await,
            Err(AuthError::Wrong)
        );
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

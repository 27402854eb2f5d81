//! Producer tokens: bearer tokens from the server's configuration.

use axum::http::HeaderMap;

/// The tokens producers may present.
#[derive(Clone, Default)]
pub struct Tokens {
    tokens: Vec<String>,
}

/// Why a request is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The server has no tokens, so it takes no producers.
    #[error(
        "this server accepts no producers: start it with --ingest-token (LOGDECK_INGEST_TOKENS)"
    )]
    NoTokens,
    /// No `Authorization: Bearer …` header.
    #[error("missing bearer token (Authorization: Bearer TOKEN)")]
    Missing,
    /// A token that is not configured.
    #[error("wrong token")]
    Wrong,
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

    /// Whether any producer can be accepted.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Checks the request's bearer token.
    pub fn check(&self, headers: &HeaderMap) -> Result<(), AuthError> {
        if self.tokens.is_empty() {
            return Err(AuthError::NoTokens);
        }
        let given = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(AuthError::Missing)?;
        // Compare every configured token in full so timing tells nothing.
        let mut ok = false;
        for t in &self.tokens {
            ok |= constant_time_eq(t.as_bytes(), given.as_bytes());
        }
        if ok { Ok(()) } else { Err(AuthError::Wrong) }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bearer(t: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("authorization", format!("Bearer {t}").parse().unwrap());
        h
    }

    #[test]
    fn checks_bearer_tokens() {
        let t = Tokens::new(["s3cret".to_string(), String::new()]);
        assert_eq!(t.check(&bearer("s3cret")), Ok(()));
        assert_eq!(t.check(&bearer("s3cre")), Err(AuthError::Wrong));
        assert_eq!(t.check(&bearer("s3cret2")), Err(AuthError::Wrong));
        assert_eq!(t.check(&HeaderMap::new()), Err(AuthError::Missing));
        assert_eq!(
            Tokens::new([]).check(&bearer("x")),
            Err(AuthError::NoTokens)
        );
    }
}

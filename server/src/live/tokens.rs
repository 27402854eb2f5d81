//! Tokens: producers' from the server's configuration (`--ingest-token`),
//! or any scope's created with `logdeck token create` and kept in the
//! catalog as a SHA-256. A token is checked whatever its scope; each
//! operation then asks for its own ([`Holder::with_scope`]).

use axum::http::HeaderMap;
use catalog::Catalog;
use model::TokenScope;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::guesses::{self, Guesses};

/// The tokens producers may present, besides those in the catalog, and
/// the wrong ones presented so far.
#[derive(Clone, Default)]
pub struct Tokens {
    tokens: Vec<String>,
    /// Wrong tokens by client address.
    pub guesses: std::sync::Arc<Guesses>,
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
    /// The client presented too many wrong tokens lately; it may try again
    /// after this long.
    #[error(
        "too many wrong tokens from this address; try again in {} s",
        .0.as_secs()
    )]
    TooManyFailures(std::time::Duration),
    /// A valid token of another scope than the operation needs.
    #[error(
        "this token may only {}; this needs a token of scope {needs} (`logdeck token create NAME --scope {needs}`)",
        match has { TokenScope::Producer => "stream runs", TokenScope::Inventory => "send inventory entries" }
    )]
    OtherScope {
        /// The token's scope.
        has: TokenScope,
        /// The one needed.
        needs: TokenScope,
    },
    /// The catalog could not be asked.
    #[error("cannot check the token: {0}")]
    Unavailable(String),
}

/// Whose a valid token is, and what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// The token's name (the catalog's, or [`CONFIGURED`]).
    pub name: String,
    /// What it may do.
    pub scope: TokenScope,
}

impl Holder {
    /// The holder, if the token has scope `needs`.
    pub fn with_scope(self, needs: TokenScope) -> Result<Holder, AuthError> {
        if self.scope == needs {
            Ok(self)
        } else {
            Err(AuthError::OtherScope {
                has: self.scope,
                needs,
            })
        }
    }
}

/// The name a token given with `--ingest-token` goes by (in the audit
/// trail, as the person a `tail` reads for).
pub const CONFIGURED: &str = "configured token";

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

/// Least entropy a configured token must have, in bits.
pub const MIN_TOKEN_BITS: f64 = 128.0;

/// An upper estimate of a token's entropy: its length times the bits of
/// the character classes it draws from (lower case, upper case, digits,
/// other ASCII, anything else), as if each character were drawn at random.
/// A token of fewer than 8 distinct characters (`aaaa…`, `abab…`) counts as
/// none. Guessing is cheap over a network a server shares, so the server
/// refuses at start a configured token below [`MIN_TOKEN_BITS`].
pub fn token_bits(token: &str) -> f64 {
    let distinct: std::collections::HashSet<char> = token.chars().collect();
    if distinct.len() < 8 {
        return 0.0;
    }
    let class = |c: &char| match c {
        'a'..='z' => 0,
        'A'..='Z' => 1,
        '0'..='9' => 2,
        c if c.is_ascii() => 3,
        _ => 4,
    };
    let sizes = [26.0, 26.0, 10.0, 32.0, 1000.0];
    let mut used = [false; 5];
    for c in &distinct {
        used[class(c)] = true;
    }
    let alphabet: f64 = sizes
        .iter()
        .zip(used)
        .filter(|(_, u)| *u)
        .map(|(s, _)| s)
        .sum();
    token.chars().count() as f64 * alphabet.log2()
}

/// A configured token, checked: `Err` says why it is refused.
pub fn strong_token(token: &str) -> Result<String, String> {
    let bits = token_bits(token);
    if bits >= MIN_TOKEN_BITS {
        Ok(token.to_string())
    } else {
        Err(format!(
            "a producer token needs at least {MIN_TOKEN_BITS} bits of entropy (this one has about \
             {bits:.0}): make one with `logdeck token create NAME`, or use 32 random hex digits \
             (`openssl rand -hex 16`)"
        ))
    }
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
            guesses: Default::default(),
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
    /// then the catalog's; a valid one's holder (see [`Tokens::check_bearer`]).
    pub async fn check(&self, headers: &HeaderMap, catalog: &Catalog) -> Result<Holder, AuthError> {
        self.check_bearer(bearer(headers), catalog).await
    }

    /// Checks the bearer token a request from `client` presents, counting
    /// wrong ones against the client (see [`guesses`]): a client over the
    /// limit is refused whatever it presents. Without an address (a router
    /// called without a socket) nothing is counted.
    pub async fn admit(
        &self,
        headers: &HeaderMap,
        catalog: &Catalog,
        client: Option<std::net::IpAddr>,
    ) -> Result<Holder, AuthError> {
        let now = std::time::Instant::now();
        if let Some(ip) = client
            && let Some(wait) = self.guesses.refused_for(ip, now)
        {
            return Err(AuthError::TooManyFailures(wait));
        }
        let checked = self.check_bearer(bearer(headers), catalog).await;
        if let (Err(AuthError::Wrong), Some(ip)) = (&checked, client) {
            match self.guesses.failed(ip, now) {
                1 => tracing::warn!(client = %ip, "a wrong producer token was presented"),
                guesses::LIMIT => tracing::warn!(
                    client = %ip,
                    "{} wrong producer tokens within {} s; refusing tokens from this address for {} s",
                    guesses::LIMIT,
                    guesses::WINDOW.as_secs(),
                    guesses::WINDOW.as_secs()
                ),
                _ => {}
            }
        }
        checked
    }

    /// Checks a bearer token (or why there is none) as [`Tokens::check`]:
    /// a configured one is a producer's named [`CONFIGURED`]; a created one
    /// has the catalog's name and scope.
    pub async fn check_bearer(
        &self,
        given: Result<&str, AuthError>,
        catalog: &Catalog,
    ) -> Result<Holder, AuthError> {
        if let Ok(g) = given
            && self.configured(g)
        {
            return Ok(Holder {
                name: CONFIGURED.to_string(),
                scope: TokenScope::Producer,
            });
        }
        let unavailable = |e: catalog::CatalogError| AuthError::Unavailable(e.to_string());
        if let Ok(g) = given
            && let Some((name, scope)) = catalog
                .token_by_hash(&token_hash(g))
                .await
                .map_err(unavailable)?
        {
            return Ok(Holder { name, scope });
        }
        if self.tokens.is_empty() && catalog.tokens().await.map_err(unavailable)?.is_empty() {
            return Err(AuthError::NoTokens);
        }
        given.and(Err(AuthError::Wrong))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_tokens_are_refused_and_generated_ones_pass() {
        for weak in [
            "",
            "tok",
            "e2e-token",
            "correct-horse",
            &"a".repeat(64),
            &"ab".repeat(40),
            "0123456789abcdef0123", // 20 hex digits: 80 bits
        ] {
            assert!(strong_token(weak).is_err(), "{weak:?} passed");
        }
        let refusal = strong_token("tok").unwrap_err();
        assert!(
            refusal.contains("128 bits") && refusal.contains("token create"),
            "{refusal}"
        );
        for strong in [
            new_token(),
            "3f9c2a7be10d4c5f8a6b9e0d1c2f3a4b".to_string(), // openssl rand -hex 16
            "Qm9vdC1zdHJhcC10b2tlbi0xMjM0NTY".to_string(),
        ] {
            assert!(
                strong_token(&strong).is_ok(),
                "{strong:?}: {} bits",
                token_bits(&strong)
            );
        }
    }

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
        let producer = |name: &str| {
            Ok(Holder {
                name: name.into(),
                scope: TokenScope::Producer,
            })
        };
        assert_eq!(t.check(&bearer_of("s3cret"), c).await, producer(CONFIGURED));
        assert_eq!(t.check(&bearer_of("s3cre"), c).await, Err(AuthError::Wrong));
        assert_eq!(
            t.check(&bearer_of("s3cret2"), c).await,
            Err(AuthError::Wrong)
        );
        assert_eq!(t.check(&HeaderMap::new(), c).await, Err(AuthError::Missing));
        // A created token works with or without configured ones.
        let made = new_token();
        assert!(made.starts_with("ldk_") && made.len() == 52);
        c.create_token("ci", &token_hash(&made), TokenScope::Producer, 1)
            .await
            .unwrap();
        assert_eq!(none.check(&bearer_of(&made), c).await, producer("ci"));
        assert_eq!(t.check(&bearer_of(&made), c).await, producer("ci"));
        // A token of another scope is valid, and says what it may not do.
        let feed = new_token();
        c.create_token("feed", &token_hash(&feed), TokenScope::Inventory, 1)
            .await
            .unwrap();
        let holder = none.check(&bearer_of(&feed), c).await.unwrap();
        assert_eq!(holder.scope, TokenScope::Inventory);
        let refused = holder.with_scope(TokenScope::Producer).unwrap_err();
        assert!(
            refused.to_string().contains("send inventory entries"),
            "{refused}"
        );
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

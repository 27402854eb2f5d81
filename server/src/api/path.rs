//! What a path names, each read by one extractor: a run (`{id}`), one of its
//! logs (`{id}` and `{log}`), a user (`{name}`). A bad value is a JSON 400
//! that names the parameter, on every route (axum's own `Path` answers plain
//! text).

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path};
use axum::http::StatusCode;
use axum::http::request::Parts;
use model::LogName;

use crate::problem::Problem;

/// Longest username a path may name, in bytes.
const MAX_NAME_BYTES: usize = 1000;

/// The path's parameters by name.
async fn params<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
) -> Result<HashMap<String, String>, Problem> {
    Path::<HashMap<String, String>>::from_request_parts(parts, state)
        .await
        .map(|Path(p)| p)
        .map_err(|e| Problem::bad_request(e.body_text()))
}

/// Parameter `name` of `p`; a route without it is the server's mistake.
fn param<'a>(p: &'a HashMap<String, String>, name: &str) -> Result<&'a str, Problem> {
    p.get(name).map(String::as_str).ok_or_else(|| Problem {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        message: format!("this route has no {{{name}}} parameter"),
    })
}

/// A run id as a path writes it: a positive integer.
pub fn run_id(raw: &str) -> Result<i64, Problem> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        Problem::bad_request(format!("run id must be a positive integer, not {raw:?}"))
    })
}

/// `{id}`: a run.
#[derive(Debug, Clone, Copy)]
pub struct RunId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for RunId {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<RunId, Problem> {
        let p = params(parts, state).await?;
        run_id(param(&p, "id")?).map(RunId)
    }
}

/// `{id}` and `{log}`: one log of a run.
#[derive(Debug, Clone, Copy)]
pub struct RunLog {
    /// The run.
    pub id: i64,
    /// Which of its logs.
    pub log: LogName,
}

impl<S: Send + Sync> FromRequestParts<S> for RunLog {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<RunLog, Problem> {
        let p = params(parts, state).await?;
        let id = run_id(param(&p, "id")?)?;
        let log = param(&p, "log")?
            .parse()
            .map_err(|e| Problem::bad_request(format!("log {e}")))?;
        Ok(RunLog { id, log })
    }
}

/// `{name}`: a username exactly as runs carry it (1 to 1,000 bytes, not
/// only white space).
#[derive(Debug, Clone)]
pub struct UserName(pub String);

impl<S: Send + Sync> FromRequestParts<S> for UserName {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<UserName, Problem> {
        let p = params(parts, state).await?;
        let name = param(&p, "name")?;
        if name.trim().is_empty() || name.len() > MAX_NAME_BYTES {
            return Err(Problem::bad_request(
                "name must be a username of 1 to 1000 bytes",
            ));
        }
        Ok(UserName(name.to_string()))
    }
}

/// `{name}`: a producer token's name (see [`token_name`]).
#[derive(Debug, Clone)]
pub struct TokenName(pub String);

impl<S: Send + Sync> FromRequestParts<S> for TokenName {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<TokenName, Problem> {
        let p = params(parts, state).await?;
        token_name(param(&p, "name")?)
            .map(TokenName)
            .map_err(Problem::bad_request)
    }
}

/// Longest producer token name, in characters.
pub const MAX_TOKEN_NAME: usize = 100;

/// A producer token's name, trimmed: 1 to 100 characters, no control
/// characters (the one rule of `logdeck token create` and the API).
pub fn token_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_TOKEN_NAME
        || name.chars().any(char::is_control)
    {
        return Err(format!(
            "a token name is 1 to {MAX_TOKEN_NAME} characters without control characters"
        ));
    }
    Ok(name.to_string())
}

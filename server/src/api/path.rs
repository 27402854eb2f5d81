//! What a path names, each read by one extractor: a run (`{id}`), one of its
//! logs (`{id}` and `{log}`), a user (`{name}`), a token (`{name}`). A bad
//! value is a JSON 400 that names the parameter, on every route (axum's own
//! `Path` answers plain text). Each extractor also describes its
//! parameters to the document (`IntoParams`), from the same types.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path};
use axum::http::StatusCode;
use axum::http::request::Parts;
use model::LogName;
use utoipa::openapi::RefOr;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{IntoParams, PartialSchema};

use super::param::{Id, Pattern, Text};
use crate::problem::Problem;

/// Longest username a path may name, in characters.
const MAX_NAME_CHARS: usize = 1000;

/// A parameter of the path.
fn in_path(name: &str, description: &str, schema: RefOr<Schema>) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(utoipa::openapi::Required::True)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

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

/// A run id as a path writes it.
pub fn run_id(raw: &str) -> Result<i64, Problem> {
    raw.parse::<Id>()
        .map(|Id(id)| id)
        .map_err(|e| Problem::bad_request(format!("id {e}")))
}

/// `{id}`.
fn id_param() -> Parameter {
    in_path("id", "Run id", super::param::id_schema())
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

impl IntoParams for RunId {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![id_param()]
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

impl IntoParams for RunLog {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            id_param(),
            in_path(
                "log",
                "Which log: a connection has `client` and `server`, a task run `output`",
                LogName::schema(),
            ),
        ]
    }
}

/// `{name}`: a username exactly as runs carry it (1 to 1,000 characters).
#[derive(Debug, Clone)]
pub struct UserName(pub String);

impl<S: Send + Sync> FromRequestParts<S> for UserName {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<UserName, Problem> {
        let p = params(parts, state).await?;
        param(&p, "name")?
            .parse::<Text<MAX_NAME_CHARS>>()
            .map(|Text(name)| UserName(name))
            .map_err(|e| Problem::bad_request(format!("name {e}")))
    }
}

impl IntoParams for UserName {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![in_path(
            "name",
            "The username exactly as runs carry it",
            Text::<MAX_NAME_CHARS>::schema(),
        )]
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

impl IntoParams for TokenName {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![in_path("name", "The token's name", token_name_schema())]
    }
}

/// Longest producer token name, in characters.
pub const MAX_TOKEN_NAME: usize = 100;

/// What a token name may hold: no control characters (Unicode's `Cc`,
/// which Rust's `char::is_control` is).
static TOKEN_NAME: Pattern = Pattern::new("^[^\\u0000-\\u001f\\u007f-\\u009f]*$");

/// The schema of a token name, wherever one is given.
pub fn token_name_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(MAX_TOKEN_NAME))
        .pattern(Some(TOKEN_NAME.source()))
        .into()
}

/// A producer token's name, as given: 1 to 100 characters, no control
/// characters (the one rule of `logdeck token create` and the API).
pub fn token_name(name: &str) -> Result<String, String> {
    let n = name.chars().count();
    if n == 0 || n > MAX_TOKEN_NAME || !TOKEN_NAME.matches(name) {
        return Err(format!(
            "a token name is 1 to {MAX_TOKEN_NAME} characters without control characters"
        ));
    }
    debug_assert!(!name.chars().any(char::is_control));
    Ok(name.to_string())
}

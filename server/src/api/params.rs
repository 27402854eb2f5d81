//! Query-string parameters, read strictly: an unknown name or a bad value is
//! a 400 that says which and why.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, RawQuery};
use axum::http::request::Parts;

use super::error::Problem;

/// The query string's parameters.
#[derive(Debug, Default)]
pub struct Params(HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let RawQuery(raw) = RawQuery::from_request_parts(parts, state)
            .await
            .map_err(|e| Problem::bad_request(e.to_string()))?;
        let mut map = HashMap::new();
        for (k, v) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            if map.insert(k.to_string(), v.to_string()).is_some() {
                return Err(Problem::bad_request(format!(
                    "parameter {k:?} is given twice"
                )));
            }
        }
        Ok(Params(map))
    }
}

impl Params {
    /// Refuses parameters not in `known`.
    pub fn only(&self, known: &[&str]) -> Result<(), Problem> {
        let mut unknown: Vec<&str> = self
            .0
            .keys()
            .map(String::as_str)
            .filter(|k| !known.contains(k))
            .collect();
        if unknown.is_empty() {
            return Ok(());
        }
        unknown.sort_unstable();
        Err(Problem::bad_request(format!(
            "unknown parameter {}; this endpoint takes: {}",
            unknown
                .iter()
                .map(|k| format!("{k:?}"))
                .collect::<Vec<_>>()
                .join(", "),
            known.join(", ")
        )))
    }

    /// A text parameter, if given and not blank.
    pub fn text(&self, name: &str) -> Option<String> {
        self.0
            .get(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// `true`/`false`/`1`/`0`; absent is `false`.
    pub fn flag(&self, name: &str) -> Result<bool, Problem> {
        match self.0.get(name).map(String::as_str) {
            None | Some("false" | "0" | "no") => Ok(false),
            Some("" | "true" | "1" | "yes") => Ok(true),
            Some(other) => Err(Problem::bad_request(format!(
                "{name} must be true or false, not {other:?}"
            ))),
        }
    }

    /// An integer in `min..=max`, or `default` when absent.
    pub fn int(&self, name: &str, default: i64, min: i64, max: i64) -> Result<i64, Problem> {
        match self.0.get(name) {
            None => Ok(default),
            Some(v) => match v.trim().parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(Problem::bad_request(format!(
                    "{name} must be an integer from {min} to {max}, not {v:?}"
                ))),
            },
        }
    }

    /// A number, if given.
    pub fn number(&self, name: &str) -> Result<Option<f64>, Problem> {
        match self.0.get(name) {
            None => Ok(None),
            Some(v) => match v.trim().parse::<f64>() {
                Ok(n) if n.is_finite() => Ok(Some(n)),
                _ => Err(Problem::bad_request(format!(
                    "{name} must be a number, not {v:?}"
                ))),
            },
        }
    }
}

//! What went wrong answering a request, as every path reports it: the JSON
//! API (`{"error": …}` with the status) and the page's server functions
//! answer the same kind of failure with the same status.

use serde::{Deserialize, Serialize};

/// A failed request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApiError {
    /// The request itself is wrong (400).
    BadRequest(String),
    /// No such thing (404).
    NotFound(String),
    /// The request does not fit what it continues (409), such as a page's
    /// cursor given for another order.
    Conflict(String),
    /// The server cannot answer now, e.g. its catalog failed (503). The
    /// message names an error id; the details are in the server's log.
    Unavailable(String),
}

impl ApiError {
    /// The HTTP status this failure is answered with.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::BadRequest(_) => 400,
            ApiError::NotFound(_) => 404,
            ApiError::Conflict(_) => 409,
            ApiError::Unavailable(_) => 503,
        }
    }

    /// What a person is told.
    pub fn message(&self) -> &str {
        match self {
            ApiError::BadRequest(m)
            | ApiError::NotFound(m)
            | ApiError::Conflict(m)
            | ApiError::Unavailable(m) => m,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for ApiError {}

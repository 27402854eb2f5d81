//! Errors answered as JSON: `{"error": "what is wrong"}` with a status, and
//! the one mapping of a catalog failure to what a client is told.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use catalog::CatalogError;
use logstore::StoreError;
use model::ApiError;

/// An error answer.
#[derive(Debug)]
pub struct Problem {
    /// HTTP status.
    pub status: StatusCode,
    /// What went wrong, for people.
    pub message: String,
}

impl Problem {
    /// 400.
    pub fn bad_request(message: impl Into<String>) -> Problem {
        Problem {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> Problem {
        Problem {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }
}

/// Longest error message answered; longer ones (which may echo input back)
/// are cut, with `…`.
pub const MAX_MESSAGE_CHARS: usize = 300;

/// `message` cut to [`MAX_MESSAGE_CHARS`].
pub fn cut_message(message: &str) -> String {
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        None => message.to_string(),
        Some((at, _)) => format!("{}…", &message[..at]),
    }
}

/// What every error answer carries, whatever its status.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What is wrong, for people; at most 300 characters.
    pub error: String,
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let error = cut_message(&self.message);
        (self.status, Json(ErrorBody { error })).into_response()
    }
}

/// Logs an internal failure under a new id and returns what a user is
/// told instead: a short message with that id (never the database's or a
/// library's text, which is for the server's log).
pub fn incident(what: &str, error: &dyn std::fmt::Display) -> String {
    let id = format!("{:08x}", rand::random::<u32>());
    tracing::error!(error_id = %id, error = %error, "{what} failed");
    format!("{what} failed (error id {id}; the server's log has the details)")
}

/// The API's view of a catalog failure, the same on every path: a refused
/// request is a 400 with the catalog's reason, anything else a 503 with an
/// error id (see [`incident`]).
pub fn api_error(e: CatalogError) -> ApiError {
    match e {
        CatalogError::BadRequest(m) => ApiError::BadRequest(m),
        CatalogError::NotFound(m) => ApiError::NotFound(m),
        CatalogError::Conflict(m) => ApiError::Conflict(m),
        other => ApiError::Unavailable(incident("reading the catalog", &other)),
    }
}

impl From<CatalogError> for Problem {
    fn from(e: CatalogError) -> Problem {
        api_error(e).into()
    }
}

impl From<ApiError> for Problem {
    fn from(e: ApiError) -> Problem {
        Problem {
            status: StatusCode::from_u16(e.status()).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
            message: match e {
                ApiError::BadRequest(m)
                | ApiError::NotFound(m)
                | ApiError::Conflict(m)
                | ApiError::Unavailable(m) => m,
            },
        }
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Problem {
        Problem::from(&e)
    }
}

/// As a log cache shares it among everyone who asked.
impl From<std::sync::Arc<StoreError>> for Problem {
    fn from(e: std::sync::Arc<StoreError>) -> Problem {
        Problem::from(&*e)
    }
}

impl From<&StoreError> for Problem {
    fn from(e: &StoreError) -> Problem {
        let status = match e {
            StoreError::NotFound(_) => StatusCode::NOT_FOUND,
            StoreError::NotAllowed(_) | StoreError::BadLocation { .. } => StatusCode::FORBIDDEN,
            StoreError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            StoreError::BadRange { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            StoreError::Backend { .. }
            | StoreError::Config { .. }
            | StoreError::Refused { .. }
            | StoreError::Unavailable { .. } => StatusCode::BAD_GATEWAY,
            StoreError::TimedOut { .. } => StatusCode::GATEWAY_TIMEOUT,
            StoreError::Write { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Problem {
            status,
            message: e.to_string(),
        }
    }
}

impl From<crate::archive::ArchiveError> for Problem {
    fn from(e: crate::archive::ArchiveError) -> Problem {
        use crate::archive::ArchiveError;
        match e {
            ArchiveError::Store(e) => e.into(),
            ArchiveError::Catalog(e) => e.into(),
            other => Problem {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: incident("reading a log a page at a time", &other),
            },
        }
    }
}

/// A handler's result.
pub type ApiResult<T> = Result<T, Problem>;

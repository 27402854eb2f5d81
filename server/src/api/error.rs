//! Errors answered as JSON: `{"error": "what is wrong"}` with a status.

use app::api::ApiError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use catalog::CatalogError;
use logstore::StoreError;
use serde_json::json;

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

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

impl From<CatalogError> for Problem {
    fn from(e: CatalogError) -> Problem {
        match e {
            CatalogError::BadRequest(m) => Problem::bad_request(m),
            other => {
                tracing::error!(error = %other, "catalog request failed");
                Problem {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    message: format!("the catalog cannot answer: {other}"),
                }
            }
        }
    }
}

impl From<ApiError> for Problem {
    fn from(e: ApiError) -> Problem {
        match e {
            ApiError::BadRequest(m) => Problem::bad_request(m),
            ApiError::NotFound(m) => Problem::not_found(m),
            ApiError::Internal(m) => Problem {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: m,
            },
        }
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Problem {
        let status = match &e {
            StoreError::NotFound(_) => StatusCode::NOT_FOUND,
            StoreError::NotAllowed(_) | StoreError::BadLocation { .. } => StatusCode::FORBIDDEN,
            StoreError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            StoreError::BadRange { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            StoreError::Backend { .. } | StoreError::Config { .. } => StatusCode::BAD_GATEWAY,
            StoreError::Write { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Problem {
            status,
            message: e.to_string(),
        }
    }
}

/// A handler's result.
pub type ApiResult<T> = Result<T, Problem>;

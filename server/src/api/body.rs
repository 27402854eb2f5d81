//! JSON request bodies, read one way on every operation that takes one: a
//! JSON object with only the fields its type names, at most [`MAX_BODY`]
//! bytes. Whatever is wrong is a JSON 400 (413 when too large) that says
//! what, never axum's plain-text rejections.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::problem::Problem;

/// Largest JSON body an operation reads, in bytes.
pub const MAX_BODY: usize = 64 << 10;

/// A body the operation needs.
pub struct Json<T>(pub T);

/// A body the operation may go without: an empty body, or JSON `null`, is
/// `T::default()`.
pub struct OptionalJson<T>(pub T);

/// The bytes of a body, at most [`MAX_BODY`].
async fn bytes(req: Request) -> Result<Bytes, Problem> {
    axum::body::to_bytes(req.into_body(), MAX_BODY)
        .await
        .map_err(|_| Problem {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            message: format!("the body is larger than {MAX_BODY} bytes, or was not sent whole"),
        })
}

/// `bytes` as a `T`, from a JSON object.
fn object<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| Problem::bad_request(format!("the body is not JSON: {e}")))?;
    if !value.is_object() {
        return Err(Problem::bad_request("the body must be a JSON object"));
    }
    serde_json::from_value(value).map_err(|e| Problem::bad_request(format!("the body: {e}")))
}

/// Whether a body holds nothing but white space.
fn blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, _: &S) -> Result<Self, Problem> {
        let bytes = bytes(req).await?;
        if blank(&bytes) {
            return Err(Problem::bad_request("this operation needs a JSON body"));
        }
        object(&bytes).map(Json)
    }
}

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, _: &S) -> Result<Self, Problem> {
        let bytes = bytes(req).await?;
        if blank(&bytes) || serde_json::from_slice::<()>(&bytes).is_ok() {
            return Ok(OptionalJson(T::default()));
        }
        object(&bytes).map(OptionalJson)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Note {
        #[serde(default)]
        note: String,
    }

    #[test]
    fn only_an_object_with_known_fields_reads() {
        assert_eq!(
            object::<Note>(br#"{"note":"x"}"#).unwrap(),
            Note { note: "x".into() }
        );
        assert_eq!(object::<Note>(b"{}").unwrap(), Note::default());
        for bad in [
            &b"[]"[..],
            b"[\"x\"]",
            b"null",
            b"\"x\"",
            b"{\"other\":1}",
            b"{",
        ] {
            let e = object::<Note>(bad).unwrap_err();
            assert_eq!(e.status, StatusCode::BAD_REQUEST, "{bad:?}");
        }
    }
}

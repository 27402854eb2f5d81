//! What the router tests share.

pub mod openapi;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// Sends a request through the router and reads the whole answer; every
/// answer is checked against the API's OpenAPI document.
pub async fn send(app: &axum::Router, req: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let (method, uri) = (req.method().clone(), req.uri().to_string());
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    openapi::check_answer(&method, &uri, status, &headers, &body);
    (status, headers, body)
}

//! The browser bundle on the wire: precompressed copies and caching.
//!
//! Files under `/pkg/` are sent as the brotli or gzip copy the build wrote
//! beside them when the browser accepts it (`Vary: Accept-Encoding`), with
//! no compression work per request. A file whose name carries the bundle's
//! content hash never changes, so it is `immutable` for a year; anything
//! else there may change with the next build and is revalidated each time.
//! Other answers (the page, JSON) are compressed as they are sent, by
//! [`compression`].

use std::path::Path;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::services::ServeDir;

/// `Cache-Control` of a file whose name has the bundle's hash.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of the other static files.
pub const REVALIDATE: &str = "no-cache";

/// Serves `/pkg/` from the site root's `pkg` directory. `hashed` is the
/// bundle's published name (`logdeck.HASH`), if it has one.
pub fn routes<S: Clone + Send + Sync + 'static>(root: &Path, hashed: Option<&str>) -> Router<S> {
    let files = ServeDir::new(root.join("pkg"))
        .precompressed_br()
        .precompressed_gzip();
    let prefix = hashed.map(|h| format!("/pkg/{h}."));
    Router::new()
        .nest_service("/pkg", files)
        .layer(axum::middleware::from_fn(
            move |req: Request, next: Next| {
                let prefix = prefix.clone();
                async move {
                    let path = req.uri().path().to_string();
                    let fixed = prefix.as_deref().is_some_and(|p| path.starts_with(p));
                    let mut res = next.run(req).await;
                    if res.status() == StatusCode::OK || res.status() == StatusCode::NOT_MODIFIED {
                        let policy = if fixed { IMMUTABLE } else { REVALIDATE };
                        res.headers_mut()
                            .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
                    }
                    res
                }
            },
        ))
}

/// Compression of answers made per request (the page, JSON, raw logs):
/// brotli or gzip as the client asks, at a level cheap enough to do on
/// every answer. Never for an event stream (it must flush each event) or a
/// protocol switch (websockets); tower-http itself leaves alone what is
/// already encoded and byte ranges.
pub fn compression() -> CompressionLayer<impl Predicate> {
    let not_upgrades =
        |status: StatusCode,
         _: axum::http::Version,
         _: &axum::http::HeaderMap,
         _: &axum::http::Extensions| { status != StatusCode::SWITCHING_PROTOCOLS };
    CompressionLayer::new()
        .br(true)
        .gzip(true)
        .quality(CompressionLevel::Precise(4))
        .compress_when(DefaultPredicate::new().and(not_upgrades))
}

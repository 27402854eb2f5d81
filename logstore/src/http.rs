//! Plain HTTP(S) under a URL prefix, read by a client that follows no
//! redirect: an object that answers 3xx is refused, whatever the target, so
//! a read can never leave the prefix it was allowed under.
//!
//! A ranged read asks for `Range: bytes=a-b`; an origin that ignores it and
//! sends the whole object (200) is read through and cut to the range.

use std::ops::Range;
use std::time::Duration;

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, LOCATION, RANGE};
use url::Url;

use crate::{Limits, StoreError};

/// A prefix URL and the client that reads under it.
pub(crate) struct HttpStore {
    client: reqwest::Client,
    /// Ends with `/`.
    base: Url,
    max_retries: usize,
}

/// A response's body, already cut to the range asked for.
pub(crate) type Body = BoxStream<'static, Result<Bytes, StoreError>>;

impl HttpStore {
    pub(crate) fn new(base: &Url, limits: &Limits) -> Result<HttpStore, String> {
        let client = httpclient::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(limits.connect_timeout)
            .read_timeout(limits.request_timeout)
            .user_agent(concat!("logdeck/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(HttpStore {
            client,
            base: base.clone(),
            max_retries: limits.max_retries,
        })
    }

    /// The object's URL: the prefix, then `rest` (a checked relative path,
    /// percent-encoded as written), with one `/` between them.
    fn url(&self, location: &str, rest: &str) -> Result<Url, StoreError> {
        let url = Url::parse(&format!("{}{}", self.base, rest.trim_start_matches('/')))
            .ok()
            .filter(|u| u.path().starts_with(self.base.path()) && u.host() == self.base.host());
        url.ok_or_else(|| StoreError::BadLocation {
            location: location.to_string(),
            reason: "does not stay under the store's prefix".into(),
        })
    }

    /// Sends `req` (rebuilt for each attempt), retrying connection failures
    /// and 5xx answers with a short backoff.
    async fn send(
        &self,
        location: &str,
        make: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, StoreError> {
        let mut attempt = 0;
        loop {
            let failure = match make().send().await {
                Ok(res) if res.status().is_server_error() => {
                    format!("the store answered {}", res.status())
                }
                Ok(res) => return Ok(res),
                Err(e) => describe(&e),
            };
            if attempt >= self.max_retries {
                return Err(StoreError::Unavailable {
                    location: location.to_string(),
                    reason: failure,
                });
            }
            tokio::time::sleep(Duration::from_millis(100 << attempt.min(5))).await;
            attempt += 1;
        }
    }

    /// The object's size.
    pub(crate) async fn size(&self, location: &str, rest: &str) -> Result<u64, StoreError> {
        let url = self.url(location, rest)?;
        let res = self
            .send(location, || self.client.head(url.clone()))
            .await?;
        match res.status() {
            s if s.is_success() => content_length(location, &res),
            // Some origins answer HEAD with 405 or 501: ask for one byte.
            StatusCode::METHOD_NOT_ALLOWED | StatusCode::NOT_IMPLEMENTED => {
                let res = self
                    .send(location, || {
                        self.client.get(url.clone()).header(RANGE, "bytes=0-0")
                    })
                    .await?;
                match res.status() {
                    StatusCode::PARTIAL_CONTENT => content_range(location, &res).map(|r| r.2),
                    StatusCode::RANGE_NOT_SATISFIABLE => Ok(0),
                    s if s.is_success() => content_length(location, &res),
                    _ => Err(refusal(location, &res)),
                }
            }
            _ => Err(refusal(location, &res)),
        }
    }

    /// The bytes `range` of an object of `size` bytes (`range` is within it
    /// and not empty).
    pub(crate) async fn get(
        &self,
        location: &str,
        rest: &str,
        range: Range<u64>,
        size: u64,
    ) -> Result<Body, StoreError> {
        let url = self.url(location, rest)?;
        let whole = range == (0..size);
        let res = self
            .send(location, || {
                let req = self.client.get(url.clone());
                if whole {
                    req
                } else {
                    req.header(RANGE, format!("bytes={}-{}", range.start, range.end - 1))
                }
            })
            .await?;
        let status = res.status();
        let owned = location.to_string();
        let body = res
            .bytes_stream()
            .map(move |c| {
                c.map_err(|e| StoreError::Unavailable {
                    location: owned.clone(),
                    reason: describe(&e),
                })
            })
            .boxed();
        match status {
            StatusCode::PARTIAL_CONTENT if !whole => Ok(body),
            StatusCode::OK => Ok(if whole { body } else { cut(body, range) }),
            StatusCode::RANGE_NOT_SATISFIABLE => Err(StoreError::BadRange {
                location: location.to_string(),
                size,
            }),
            _ => Err(StoreError::Refused {
                location: location.to_string(),
                reason: format!("the store answered {status}"),
            }),
        }
    }
}

/// `range` of a body that holds the whole object (an origin that ignored
/// `Range`); stops reading once the range is complete.
fn cut(body: Body, range: Range<u64>) -> Body {
    // State: the body and the offset of its next byte.
    futures::stream::unfold((body, 0u64), move |(mut body, mut pos)| {
        let range = range.clone();
        async move {
            while pos < range.end {
                let chunk = match body.next().await? {
                    Ok(c) => c,
                    Err(e) => return Some((Err(e), (body, u64::MAX))),
                };
                let (start, end) = (pos, pos + chunk.len() as u64);
                pos = end;
                let (a, b) = (range.start.max(start), range.end.min(end));
                if a < b {
                    let piece = chunk.slice((a - start) as usize..(b - start) as usize);
                    return Some((Ok(piece), (body, pos)));
                }
            }
            None
        }
    })
    .boxed()
}

/// The reason a request failed, in words.
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "the store did not answer in time".into()
    } else if e.is_connect() {
        "cannot connect to the store".into()
    } else {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            text = format!("{text}: {s}");
            source = s.source();
        }
        text
    }
}

/// A non-success answer as an error: missing, refused (redirects included,
/// which are never followed), or transient.
fn refusal(location: &str, res: &reqwest::Response) -> StoreError {
    let status = res.status();
    if status == StatusCode::NOT_FOUND || status == StatusCode::GONE {
        return StoreError::NotFound(location.to_string());
    }
    let reason = if status.is_redirection() {
        let target = res
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(|t| t.chars().take(200).collect::<String>())
            .unwrap_or_default();
        format!("the store answered {status} (a redirect to {target:?}, which is not followed)")
    } else {
        format!("the store answered {status}")
    };
    if status.is_client_error() || status.is_redirection() {
        StoreError::Refused {
            location: location.to_string(),
            reason,
        }
    } else {
        StoreError::Unavailable {
            location: location.to_string(),
            reason,
        }
    }
}

fn content_length(location: &str, res: &reqwest::Response) -> Result<u64, StoreError> {
    res.headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| StoreError::Refused {
            location: location.to_string(),
            reason: "the store gives no Content-Length".into(),
        })
}

/// `bytes a-b/size` as (a, b, size).
fn content_range(location: &str, res: &reqwest::Response) -> Result<(u64, u64, u64), StoreError> {
    let parsed = res
        .headers()
        .get(CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().strip_prefix("bytes "))
        .and_then(|v| {
            let (span, size) = v.split_once('/')?;
            let (a, b) = span.split_once('-')?;
            Some((a.parse().ok()?, b.parse().ok()?, size.parse().ok()?))
        });
    parsed.ok_or_else(|| StoreError::Refused {
        location: location.to_string(),
        reason: "the store gives no usable Content-Range".into(),
    })
}

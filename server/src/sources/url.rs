//! An inventory at a URL: fetched with `If-None-Match` / `If-Modified-Since`
//! from the validators the last read recorded in the catalog, so an
//! unchanged inventory costs one 304 whichever server asks. Of a changed
//! one, only the entries that differ from this server's last read are
//! written (the first read after a start writes them all; writing an entry
//! again is harmless). Redirects are not followed, and the body is read up
//! to the server's limit.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::time::Duration;

use catalog::inventory;
use catalog::now_ms;
use reqwest::StatusCode;
use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use super::{Context, Polled, SourceError};

/// Connection set-up, and the whole of one fetch.
const CONNECT: Duration = Duration::from_secs(5);
const FETCH: Duration = Duration::from_secs(120);

/// What a URL source keeps between polls.
pub struct UrlState {
    client: reqwest::Client,
    /// Each entry's hash as last read, by connection id; `None` before
    /// this server's first read.
    seen: Mutex<Option<HashMap<i64, u64>>>,
}

/// The validators of the last read, as the catalog keeps them.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Validators {
    etag: Option<String>,
    last_modified: Option<String>,
}

impl UrlState {
    /// A client that follows no redirect and gives up after [`FETCH`].
    pub fn new() -> Result<UrlState, reqwest::Error> {
        Ok(UrlState {
            client: httpclient::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(CONNECT)
                .timeout(FETCH)
                .user_agent(concat!("logdeck/", env!("CARGO_PKG_VERSION")))
                .build()?,
            seen: Mutex::default(),
        })
    }

    /// Fetches the inventory if it changed and writes what differs.
    pub async fn poll(
        &self,
        ctx: &Context,
        name: &str,
        url: &reqwest::Url,
    ) -> Result<Polled, SourceError> {
        let (_, cursor) = ctx.catalog.source(name).await?;
        let before: Validators = cursor
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok())
            .unwrap_or_default();
        // Held for the whole poll: this server reads the source once at a time.
        let mut seen = self.seen.lock().await;
        let mut req = self.client.get(url.clone());
        // Validators only help once this server has read the inventory: the
        // first read after a start writes everything.
        if seen.is_some() {
            if let Some(etag) = &before.etag {
                req = req.header(IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &before.last_modified {
                req = req.header(IF_MODIFIED_SINCE, lm);
            }
        }
        let mut res = req
            .send()
            .await
            .map_err(|e| SourceError::Http(format!("cannot fetch {name}: {}", plain(&e, name))))?;
        let status = res.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Polled::default());
        }
        if status.is_redirection() {
            let to = res
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("nowhere");
            return Err(SourceError::Http(format!(
                "{name} redirects to {to}; redirects are not followed: give the inventory's own URL"
            )));
        }
        if !status.is_success() {
            return Err(SourceError::Http(format!("{name} answered {status}")));
        }
        let header = |h| {
            res.headers()
                .get(h)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let after = Validators {
            etag: header(ETAG),
            last_modified: header(LAST_MODIFIED),
        };
        let limit = ctx.limit as u64;
        if let Some(len) = res.content_length()
            && len > limit
        {
            return Err(SourceError::TooLarge {
                what: name.to_string(),
                size: len,
                limit,
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = res
            .chunk()
            .await
            .map_err(|e| SourceError::Http(format!("reading {name} failed: {}", plain(&e, name))))?
        {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(SourceError::TooLarge {
                    what: name.to_string(),
                    size: (body.len() + chunk.len()) as u64,
                    limit,
                });
            }
            body.extend_from_slice(&chunk);
        }
        let parsed = inventory::parse(&body).map_err(|e| SourceError::Unreadable {
            what: name.to_string(),
            reason: e.to_string(),
        })?;
        drop(body);
        let mut next = HashMap::with_capacity(parsed.rows.len());
        let changed: Vec<_> = parsed
            .rows
            .into_iter()
            .filter(|row| {
                let h = hash(row);
                next.insert(row.connection_id, h);
                seen.as_ref().and_then(|s| s.get(&row.connection_id)) != Some(&h)
            })
            .collect();
        let mut polled = Polled {
            cursor: Some(serde_json::to_string(&after).unwrap_or_default()),
            ..Polled::default()
        };
        polled.report.files = 1;
        super::write(ctx, &changed, parsed.errors.len(), &mut polled.report).await?;
        if let Some(first) = parsed.errors.first() {
            polled.problem = Some(format!(
                "{} entries skipped; the first: {first}",
                parsed.errors.len()
            ));
        }
        polled.report.lag_ms = after
            .last_modified
            .as_deref()
            .and_then(|lm| httpdate::parse_http_date(lm).ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|t| (now_ms() - t.as_millis() as i64).max(0));
        *seen = Some(next);
        Ok(polled)
    }
}

/// An entry's fingerprint: equal entries, equal hashes.
fn hash(row: &catalog::InventoryRow) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    row.hash(&mut h);
    h.finish()
}

/// A reqwest error with its causes, the URL (which may hold a credential
/// in its query) written as the source's name.
fn plain(e: &reqwest::Error, name: &str) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), name);
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

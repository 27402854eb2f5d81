//! Inventory sources (`serve --source`): each polled on its own interval
//! by a task of its own, so new sessions reach the catalog without anyone
//! running `import`.
//!
//! - An inventory URL ([`url`]) is fetched with its validators, so an
//!   unchanged inventory costs one 304; of a changed one, only the entries
//!   that differ from the last read are written.
//! - An S3 prefix ([`prefix`]) is listed on each poll (from the last key
//!   seen, once it holds many files); each file is claimed in the catalog
//!   before it is imported, so it is imported once however many servers
//!   watch the prefix.
//!
//! A poll that fails is logged, recorded with its reason (the jobs panel,
//! `/api/jobs` and `/metrics` show it) and tried again with backoff; a bad
//! entry is skipped and reported as `import` does.

pub mod prefix;
pub mod url;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use catalog::sources::PollReport;
use catalog::{Catalog, CatalogError, now_ms};
use logstore::{StoreError, StoreSpec};
use model::{Backoff, SourceStatus};

use crate::indexer::Indexer;

/// Time between polls of a source by default.
pub const DEFAULT_EVERY: Duration = Duration::from_secs(60);

/// Longest wait between polls of a failing source.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// A source as configured: `[EVERY:]LOCATION`, where EVERY is a duration
/// (`30s`, `5m`, `1h`; else `--source-interval`) and LOCATION an inventory
/// URL (`https://…`) or an S3 prefix (`s3://bucket/inventory/`, with the
/// S3 options a `--store` takes).
#[derive(Debug, Clone)]
pub struct SourceSpec {
    /// Where the inventory is.
    pub location: Location,
    /// Time between polls, if the spec gives one.
    pub every: Option<Duration>,
}

/// Where a source's inventory is.
#[derive(Debug, Clone)]
pub enum Location {
    /// One inventory document, fetched whole.
    Url(reqwest::Url),
    /// A prefix where inventory files land, each imported once.
    Prefix {
        /// The store holding it (its prefix is the source's).
        store: StoreSpec,
        /// The prefix as a location, `s3://bucket/inventory/`.
        prefix: String,
    },
}

impl SourceSpec {
    /// The name the source is shown and recorded under: its location
    /// without credentials, query or options.
    pub fn name(&self) -> String {
        match &self.location {
            Location::Url(u) => {
                let mut shown = u.clone();
                shown.set_query(None);
                shown.set_fragment(None);
                let _ = shown.set_username("");
                let _ = shown.set_password(None);
                shown.to_string()
            }
            Location::Prefix { prefix, .. } => prefix.clone(),
        }
    }
}

impl FromStr for SourceSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<SourceSpec, String> {
        let (every, location) = match s.split_once(':') {
            Some((head, rest)) if head.starts_with(|c: char| c.is_ascii_digit()) => {
                (Some(parse_duration(head)?), rest)
            }
            _ => (None, s),
        };
        let scheme = location.split_once("://").map(|(s, _)| s);
        let location = match scheme {
            Some("http" | "https") => {
                let url = reqwest::Url::parse(location)
                    .map_err(|e| format!("{location:?} is not a URL: {e}"))?;
                if url.host_str().is_none_or(str::is_empty) {
                    return Err(format!("{location:?} names no host"));
                }
                Location::Url(url)
            }
            Some("s3") => {
                let store: StoreSpec = location.parse().map_err(|e: StoreError| e.to_string())?;
                let shown = store.to_string();
                let prefix = shown.split('?').next().unwrap_or_default().to_string();
                Location::Prefix { store, prefix }
            }
            _ => {
                return Err(format!(
                    "{location:?} is not an inventory source: give an inventory URL \
                     (https://host/inventory.csv) or an S3 prefix (s3://bucket/inventory/), \
                     optionally after an interval (30s:https://…)"
                ));
            }
        };
        Ok(SourceSpec { location, every })
    }
}

/// A duration written as a number and a unit: `500ms`, `30s`, `5m`, `2h`,
/// `1d`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(digits);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("{s:?} is not a duration such as 30s, 5m, 2h or 1d"))?;
    let ms = match unit {
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(format!("{s:?} is not a duration such as 30s, 5m, 2h or 1d")),
    };
    n.checked_mul(ms)
        .map(Duration::from_millis)
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("{s:?} is not a duration above 0"))
}

/// Why a poll failed (the next one is tried after a backoff).
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The inventory URL answered with an error or a redirect.
    #[error("{0}")]
    Http(String),
    /// The inventory or an inventory file is larger than the server reads.
    #[error("{what} is {size} bytes; the server reads at most {limit} (--max-inventory-mib)")]
    TooLarge {
        /// What was read.
        what: String,
        /// Its size, or at least how much was sent.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The inventory is not an inventory at all.
    #[error("{what} cannot be read as an inventory: {reason}")]
    Unreadable {
        /// What was read.
        what: String,
        /// Why.
        reason: String,
    },
    /// The S3 prefix could not be listed or a file read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The catalog failed.
    #[error("the catalog failed: {0}")]
    Catalog(#[from] CatalogError),
    /// Writing entries stopped part way.
    #[error(transparent)]
    Stopped(#[from] crate::import::Stopped),
}

/// What a poll returns: what it did, and where the next one starts.
#[derive(Debug, Default)]
pub struct Polled {
    /// What it imported.
    pub report: PollReport,
    /// The new cursor; `None` keeps the recorded one.
    pub cursor: Option<String>,
    /// A problem that did not stop the poll (a file that can never be
    /// imported), shown as the source's latest news.
    pub problem: Option<String>,
}

/// What every poll needs.
#[derive(Clone)]
pub struct Context {
    /// Where runs go.
    pub catalog: Catalog,
    /// Woken after runs arrive.
    pub indexer: Indexer,
    /// Largest inventory read, in bytes.
    pub limit: usize,
    /// This server, as it claims files.
    pub owner: String,
}

/// One configured source and this server's view of it.
pub struct Watched {
    /// The name it is recorded under.
    pub name: String,
    /// Time between polls.
    pub every: Duration,
    /// When this server polls it next (ms).
    next_ms: AtomicI64,
    /// Polls made by this server.
    polls: AtomicU64,
    /// Where it is, and what that kind of source keeps between polls.
    kind: Kind,
}

enum Kind {
    Url {
        url: reqwest::Url,
        state: url::UrlState,
    },
    Prefix {
        prefix: String,
        state: prefix::PrefixState,
    },
}

/// The sources this server polls.
#[derive(Default)]
pub struct Sources {
    list: Vec<Arc<Watched>>,
}

impl Sources {
    /// Sources from their specs, polled every `every` unless a spec says.
    pub fn new(specs: Vec<SourceSpec>, every: Duration, limit: usize) -> Result<Sources, String> {
        let mut list = Vec::new();
        let mut names = std::collections::HashSet::new();
        for spec in specs {
            let name = spec.name();
            if !names.insert(name.clone()) {
                return Err(format!("the source {name} is given twice"));
            }
            let kind = match spec.location {
                Location::Url(url) => Kind::Url {
                    url,
                    state: url::UrlState::new().map_err(|e| e.to_string())?,
                },
                Location::Prefix { store, prefix } => Kind::Prefix {
                    prefix,
                    state: prefix::PrefixState::new(store, limit).map_err(|e| e.to_string())?,
                },
            };
            list.push(Arc::new(Watched {
                every: spec.every.unwrap_or(every),
                name,
                next_ms: AtomicI64::new(0),
                polls: AtomicU64::new(0),
                kind,
            }));
        }
        Ok(Sources { list })
    }

    /// Whether no source is configured.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The sources, in the order configured.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Watched>> {
        self.list.iter()
    }

    /// Starts one task per source; they run until the process ends or
    /// their handles abort them.
    pub fn spawn(&self, ctx: Context) -> Vec<tokio::task::JoinHandle<()>> {
        self.list
            .iter()
            .map(|w| {
                let (w, ctx) = (w.clone(), ctx.clone());
                tokio::spawn(async move { w.watch(ctx).await })
            })
            .collect()
    }

    /// Where each source stands: this server's schedule and what the
    /// catalog recorded of every server's polls.
    pub async fn status(&self, catalog: &Catalog) -> Result<Vec<SourceStatus>, CatalogError> {
        let mut out = Vec::with_capacity(self.list.len());
        for w in &self.list {
            let (mut status, _) = catalog.source(&w.name).await?;
            let next = w.next_ms.load(Ordering::Relaxed);
            status.interval_s = w.every.as_secs_f64();
            status.next_ms = (next > 0).then_some(next);
            out.push(status);
        }
        Ok(out)
    }
}

impl Watched {
    /// Polls until the process ends: every `every`, or after a growing
    /// backoff while polls fail.
    async fn watch(self: Arc<Self>, ctx: Context) {
        let mut backoff = Backoff::seeded(self.every, MAX_BACKOFF.max(self.every));
        loop {
            let wait = match self.poll_once(&ctx).await {
                Ok(()) => {
                    backoff.reset();
                    self.every
                }
                Err(e) => {
                    let wait = backoff.fail().max(self.every);
                    tracing::warn!(source = %self.name, error = %e, "polling the inventory source failed; trying again in {} s", wait.as_secs());
                    wait
                }
            };
            self.next_ms
                .store(now_ms() + wait.as_millis() as i64, Ordering::Relaxed);
            tokio::time::sleep(wait).await;
        }
    }

    /// Polls once and records the outcome in the catalog.
    pub async fn poll_once(&self, ctx: &Context) -> Result<(), SourceError> {
        let started = now_ms();
        let n = self.polls.fetch_add(1, Ordering::Relaxed);
        let polled = match &self.kind {
            Kind::Url { url, state } => state.poll(ctx, &self.name, url).await,
            Kind::Prefix { prefix, state } => {
                state
                    .poll(ctx, &self.name, prefix, state.lists_all(n))
                    .await
            }
        };
        match polled {
            Ok(p) => {
                if p.report.rows > 0 {
                    ctx.indexer.wake();
                }
                if p.report.skipped > 0 || p.problem.is_some() {
                    tracing::warn!(
                        source = %self.name,
                        skipped = p.report.skipped,
                        problem = p.problem.as_deref().unwrap_or(""),
                        "the inventory source had entries or files that could not be imported"
                    );
                }
                ctx.catalog
                    .record_poll(
                        &self.name,
                        started,
                        &p.report,
                        p.cursor.as_deref(),
                        p.problem.as_deref(),
                    )
                    .await?;
                Ok(())
            }
            Err(e) => {
                if let Err(c) = ctx
                    .catalog
                    .record_poll_error(&self.name, started, &e.to_string())
                    .await
                {
                    tracing::warn!(source = %self.name, error = %c, "cannot record a failed poll");
                }
                Err(e)
            }
        }
    }
}

/// Writes `rows` and counts what happened into `report`.
pub(crate) async fn write(
    ctx: &Context,
    rows: &[catalog::InventoryRow],
    skipped: usize,
    report: &mut PollReport,
) -> Result<(), SourceError> {
    let done = crate::import::import_rows(&ctx.catalog, rows, |_, _| {}).await?;
    report.rows += done.rows as i64;
    report.added += done.stats.inserted as i64;
    report.skipped += skipped as i64;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_read_an_interval_and_a_location() {
        let s: SourceSpec = "30s:https://svc.example/api/inventory.csv?key=secret"
            .parse()
            .unwrap();
        assert_eq!(s.every, Some(Duration::from_secs(30)));
        assert_eq!(s.name(), "https://svc.example/api/inventory.csv");
        let s: SourceSpec = "s3://logs/inventory?endpoint=http://127.0.0.1:9000&allow_http=true"
            .parse()
            .unwrap();
        assert_eq!(s.every, None);
        assert_eq!(s.name(), "s3://logs/inventory/");
        for bad in [
            "ftp://x/y",
            "inventory.csv",
            "0s:https://x/",
            "5y:https://x/",
            "s3:///x",
        ] {
            assert!(bad.parse::<SourceSpec>().is_err(), "{bad} was taken");
        }
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("99999999999999999999h").is_err());
    }
}

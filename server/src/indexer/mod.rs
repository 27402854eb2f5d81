//! Indexing workers: lease a job from the catalog, read the log through the
//! allow-listed stores, parse it, store the summary. A worker that dies
//! leaves its lease to expire; another worker then takes the job over.

pub mod summary;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use catalog::{Catalog, Job, JobOutcome, now_ms};
use futures::StreamExt;
use logstore::{LogStores, StoreError};
use model::LogSummary;
use tokio::sync::Notify;

/// How long a lease lasts before another worker may take the job.
pub const LEASE_MS: i64 = 60_000;

/// How long a log the inventory names is looked for by default before it
/// counts as failed: a day.
pub const DEFAULT_LATE_MS: i64 = 86_400_000;

/// How often an idle worker looks for work another process queued.
const IDLE_POLL: Duration = Duration::from_secs(1);

/// Counters for `/metrics`.
#[derive(Debug, Default)]
pub struct IndexerStats {
    /// Jobs completed.
    pub done: AtomicU64,
    /// Attempts that failed and will be retried.
    pub retried: AtomicU64,
    /// Jobs that failed for good.
    pub failed: AtomicU64,
    /// Bytes of logs parsed.
    pub bytes: AtomicU64,
    /// Jobs being worked on now.
    pub in_flight: AtomicU64,
}

impl IndexerStats {
    /// Attempts ended so far, however they ended.
    pub fn ended(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
            + self.retried.load(Ordering::Relaxed)
            + self.failed.load(Ordering::Relaxed)
    }

    /// Whether a job is being worked on now, or one ended since `mark` (a
    /// value of [`IndexerStats::ended`] read earlier).
    pub fn busy_since(&self, mark: u64) -> bool {
        self.in_flight.load(Ordering::Relaxed) > 0 || self.ended() != mark
    }
}

/// Counts a job in flight while it lives.
struct InFlight<'a>(&'a AtomicU64);

impl<'a> InFlight<'a> {
    fn new(n: &'a AtomicU64) -> Self {
        n.fetch_add(1, Ordering::Relaxed);
        InFlight(n)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Why a log could not be indexed.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// Reading it failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// It was read but is not a log in the expected format.
    #[error(
        "not a log: none of its {0} lines has the `TIME | LEVEL | FILE | FUNCTION:LINE | MESSAGE` form"
    )]
    NotALog(u64),
}

impl IndexError {
    /// Whether retrying cannot help.
    pub fn is_permanent(&self) -> bool {
        match self {
            IndexError::Store(e) => e.is_permanent(),
            IndexError::NotALog(_) => true,
        }
    }
}

/// Reads and parses the log at `location`. A session's log must have lines
/// in the log format; a task's output (`any_text`) may be any text, and its
/// metrics and levels are those of the lines that happen to be in the format.
/// Of a log over the whole-log limit, the whole lines within the limit are
/// read and the rest is counted in `skipped_bytes`: a big log is indexed
/// as far as it can be, never refused.
pub async fn summarize_location(
    stores: &LogStores,
    location: &str,
    any_text: bool,
) -> Result<LogSummary, IndexError> {
    let cap = stores.limits().max_bytes;
    let mut read = stores.open_streaming(location).await?;
    let mut parser = logparse::Parser::new();
    let mut bytes = 0u64;
    // A program's output is read again for the levels its other lines
    // announce (see `model::output::line_level`).
    let mut kept = Vec::new();
    while let Some(chunk) = read.stream.next().await {
        let mut chunk = chunk?;
        let room = cap - bytes;
        let full = chunk.len() as u64 >= room;
        if full {
            // Up to the last whole line within the limit.
            let within = &chunk[..room as usize];
            let end = memchr::memrchr(b'\n', within).map_or(0, |i| i + 1);
            chunk.truncate(end);
        }
        bytes += chunk.len() as u64;
        parser.feed(&chunk);
        if any_text {
            kept.extend_from_slice(&chunk);
        }
        if full {
            break;
        }
    }
    drop(read.stream);
    let report = parser.finish();
    if !any_text && report.lines > 0 && report.parsed == 0 {
        return Err(IndexError::NotALog(report.lines));
    }
    let mut summary = summary::summarize(&report, bytes);
    summary.skipped_bytes = read.size.saturating_sub(bytes);
    summary.bytes = read.size;
    if summary.skipped_bytes > 0 {
        tracing::warn!(
            location,
            size = read.size,
            indexed = bytes,
            "the log is over the whole-log limit (--max-log-mib): indexed its first {bytes} bytes"
        );
    }
    if any_text {
        summary::add_announced_levels(&mut summary, &kept);
    }
    Ok(summary)
}

/// The workers of one process, and the bell that wakes them.
#[derive(Clone)]
pub struct Indexer {
    catalog: Catalog,
    stores: Arc<LogStores>,
    wake: Arc<Notify>,
    lease_ms: i64,
    /// How long a connection's log is awaited after the inventory names it.
    late_ms: i64,
    /// Counters.
    pub stats: Arc<IndexerStats>,
}

impl Indexer {
    /// An indexer over `catalog` reading through `stores`; no workers yet.
    pub fn new(catalog: Catalog, stores: Arc<LogStores>) -> Indexer {
        Indexer {
            catalog,
            stores,
            wake: Arc::new(Notify::new()),
            lease_ms: LEASE_MS,
            late_ms: DEFAULT_LATE_MS,
            stats: Arc::default(),
        }
    }

    /// The same indexer with leases of `ms` milliseconds.
    pub fn with_lease(mut self, ms: i64) -> Indexer {
        self.lease_ms = ms.max(3);
        self
    }

    /// The same indexer, looking for a connection's log not yet in its
    /// store for `ms` milliseconds after the inventory names it (0: a log
    /// not found fails at once).
    pub fn with_late_window(mut self, ms: i64) -> Indexer {
        self.late_ms = ms.max(0);
        self
    }

    /// Indexes due jobs one after another until none is left; returns how
    /// many were taken.
    pub async fn drain(&self, owner: &str) -> Result<usize, catalog::CatalogError> {
        let mut n = 0;
        while let Some(job) = self
            .catalog
            .lease_job(owner, self.lease_ms, now_ms())
            .await?
        {
            self.run(job).await;
            n += 1;
        }
        Ok(n)
    }

    /// Tells idle workers that jobs were queued.
    pub fn wake(&self) {
        self.wake.notify_waiters();
    }

    /// Starts `n` workers; they run until the process ends.
    pub fn spawn(&self, n: usize) -> Vec<tokio::task::JoinHandle<()>> {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
        (0..n)
            .map(|i| {
                let me = self.clone();
                let owner = format!("{host}:{}:{i}:{:x}", std::process::id(), now_ms());
                tokio::spawn(async move { me.work(owner).await })
            })
            .collect()
    }

    async fn work(self, owner: String) {
        let mut errors = 0u32;
        loop {
            match self
                .catalog
                .lease_job(&owner, self.lease_ms, now_ms())
                .await
            {
                Ok(Some(job)) => {
                    errors = 0;
                    self.run(job).await;
                }
                Ok(None) => {
                    let _ = tokio::time::timeout(IDLE_POLL, self.wake.notified()).await;
                }
                Err(e) => {
                    errors = errors.saturating_add(1);
                    let wait = Duration::from_millis(500 * u64::from(errors.min(20)));
                    tracing::warn!(error = %e, "cannot lease an indexing job; retrying in {wait:?}");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Indexes one leased job, renewing its lease while it runs.
    pub async fn run(&self, job: Job) -> JobOutcome {
        let _in_flight = InFlight::new(&self.stats.in_flight);
        let work = summarize_location(
            &self.stores,
            &job.location,
            job.log == model::LogName::Output,
        );
        tokio::pin!(work);
        let mut renew = tokio::time::interval(Duration::from_millis(self.lease_ms as u64 / 3));
        renew.tick().await;
        let result = loop {
            tokio::select! {
                r = &mut work => break r,
                _ = renew.tick() => {
                    match self.catalog.renew_lease(&job, self.lease_ms, now_ms()).await {
                        Ok(true) => {}
                        Ok(false) => {
                            tracing::info!(job = job.id, "lease lost to another worker; dropping the job here");
                            return JobOutcome::LeaseLost;
                        }
                        Err(e) => tracing::warn!(job = job.id, error = %e, "cannot renew lease"),
                    }
                }
            }
        };
        let outcome = match result {
            Ok(summary) => {
                let bytes = summary.bytes;
                let r = self.catalog.complete_job(&job, &summary, now_ms()).await;
                if matches!(r, Ok(JobOutcome::Done)) {
                    self.stats.done.fetch_add(1, Ordering::Relaxed);
                    self.stats.bytes.fetch_add(bytes, Ordering::Relaxed);
                }
                r
            }
            // A connection's log the inventory names may be uploaded
            // later than its entry: looked for again until the window ends.
            Err(IndexError::Store(StoreError::NotFound(ref location)))
                if job.log != model::LogName::Output
                    && now_ms() < job.named_ms.saturating_add(self.late_ms) =>
            {
                let reason = format!("not yet uploaded: {location} is not in its store");
                let r = self
                    .catalog
                    .await_job(&job, &reason, job.named_ms + self.late_ms, now_ms())
                    .await;
                if let Ok(JobOutcome::Retrying { after_ms }) = &r {
                    tracing::debug!(
                        run = job.run_id,
                        log = job.log.as_str(),
                        "log not yet uploaded; looking again in {after_ms} ms"
                    );
                }
                r
            }
            Err(e) => {
                let reason = match &e {
                    IndexError::Store(StoreError::NotFound(location))
                        if job.log != model::LogName::Output && self.late_ms > 0 =>
                    {
                        format!(
                            "not uploaded within {} of the inventory naming it: {location} is not in its store",
                            crate::indexer::span(self.late_ms)
                        )
                    }
                    e => e.to_string(),
                };
                let r = self
                    .catalog
                    .fail_job(&job, &reason, e.is_permanent(), now_ms())
                    .await;
                match &r {
                    Ok(JobOutcome::Failed) => {
                        self.stats.failed.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(run = job.run_id, log = job.log.as_str(), location = %job.location, "indexing failed: {reason}");
                    }
                    Ok(JobOutcome::Retrying { after_ms }) => {
                        self.stats.retried.fetch_add(1, Ordering::Relaxed);
                        tracing::info!(
                            run = job.run_id,
                            log = job.log.as_str(),
                            "indexing attempt {} failed ({reason}); retrying in {after_ms} ms",
                            job.attempts
                        );
                    }
                    _ => {}
                }
                r
            }
        };
        outcome.unwrap_or_else(|e| {
            // The catalog is unreachable: the lease expires and the job is
            // taken up again later.
            tracing::warn!(job = job.id, error = %e, "cannot record the job's result");
            JobOutcome::LeaseLost
        })
    }
}

/// A span of time as a person writes it: `36 h`, `15 min`, `40 s`, `5 ms`.
pub fn span(ms: i64) -> String {
    match ms {
        ms if ms >= 3_600_000 && ms % 3_600_000 == 0 => format!("{} h", ms / 3_600_000),
        ms if ms >= 120_000 => format!("{} min", ms / 60_000),
        ms if ms >= 1000 => format!("{} s", ms / 1000),
        ms => format!("{ms} ms"),
    }
}

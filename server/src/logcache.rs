//! Recently read logs, parsed, with their line offsets: the charts and the
//! log viewer of one run ask for the same log many times.

use std::sync::Arc;

use bytes::Bytes;
use logparse::LogReport;
use logstore::{LogStores, StoreError};
use moka::future::Cache;
use moka::policy::EvictionPolicy;

/// Bytes of logs kept by default.
pub const DEFAULT_BUDGET: usize = 256 << 20;

/// A log read and parsed.
pub struct CachedLog {
    /// The log as stored.
    pub bytes: Bytes,
    /// Byte offset where each line starts (line 1 at index 0).
    line_starts: Vec<usize>,
    /// The parse.
    pub report: LogReport,
}

impl CachedLog {
    /// Parses `bytes`.
    pub fn new(bytes: Bytes) -> CachedLog {
        let mut line_starts = Vec::with_capacity(bytes.len() / 80 + 1);
        line_starts.push(0);
        line_starts.extend(memchr::memchr_iter(b'\n', &bytes).map(|i| i + 1));
        // A final newline does not start another line.
        if line_starts.len() > 1 && *line_starts.last().unwrap_or(&0) == bytes.len() {
            line_starts.pop();
        }
        if bytes.is_empty() {
            line_starts.clear();
        }
        let report = logparse::parse(&bytes);
        CachedLog {
            bytes,
            line_starts,
            report,
        }
    }

    /// Bytes it holds: the log, its line index and its metric points (the
    /// parse's largest parts), so the cache's budget is of memory, not only
    /// of file sizes.
    pub fn weight(&self) -> usize {
        let points: usize = self.report.series.iter().map(Vec::len).sum();
        self.bytes.len()
            + self.line_starts.len() * std::mem::size_of::<usize>()
            + points * std::mem::size_of::<logparse::Point>()
    }

    /// Number of physical lines.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Line `n` (1-based) without its `\n` and a trailing `\r`.
    pub fn line(&self, n: usize) -> Option<&[u8]> {
        let start = *self.line_starts.get(n.checked_sub(1)?)?;
        let end = self.line_starts.get(n).map_or(self.bytes.len(), |&e| e - 1);
        let line = &self.bytes[start..end.max(start)];
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    }
}

/// Parsed logs by location, least recently used dropped first once their
/// bytes pass the budget; a log asked for by many at once is read and
/// parsed once (moka's single-flight `try_get_with`).
pub struct LogCache {
    stores: Arc<LogStores>,
    cache: Cache<String, Arc<CachedLog>>,
}

impl LogCache {
    /// A cache reading through `stores`, keeping about `budget` bytes.
    pub fn new(stores: Arc<LogStores>, budget: usize) -> LogCache {
        let cache = Cache::builder()
            .max_capacity(budget as u64)
            .weigher(|_: &String, log: &Arc<CachedLog>| {
                u32::try_from(log.weight()).unwrap_or(u32::MAX).max(1)
            })
            .eviction_policy(EvictionPolicy::lru())
            .build();
        LogCache { stores, cache }
    }

    /// The log at `location`, read and parsed once however many ask at once.
    pub async fn get(&self, location: &str) -> Result<Arc<CachedLog>, Arc<StoreError>> {
        self.cache
            .try_get_with(location.to_string(), async {
                let bytes = self.stores.read(location).await?;
                let log = tokio::task::spawn_blocking(move || CachedLog::new(bytes))
                    .await
                    .map_err(|e| StoreError::BadLocation {
                        location: location.to_string(),
                        reason: format!("parsing failed: {e}"),
                    })?;
                Ok::<_, StoreError>(Arc::new(log))
            })
            .await
    }

    /// Bytes held (evictions are applied in the background, so this may
    /// run a little over the budget for a moment).
    pub fn size(&self) -> usize {
        usize::try_from(self.cache.weighted_size()).unwrap_or(usize::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_numbered_like_the_parser() {
        let log = CachedLog::new(Bytes::from_static(b"a\r\n\nb\nc"));
        assert_eq!(log.line_count(), 4);
        assert_eq!(log.line(1), Some(&b"a"[..]));
        assert_eq!(log.line(2), Some(&b""[..]));
        assert_eq!(log.line(4), Some(&b"c"[..]));
        assert_eq!(log.line(0), None);
        assert_eq!(log.line(5), None);
        let log = CachedLog::new(Bytes::from_static(b"x\n"));
        assert_eq!(log.line_count(), 1);
        // A metric line weighs its bytes, its place in the index and its point.
        let metric = b"00:00:00:000 | INFO | a.c | f:1 | Latency: 0.5\n";
        let log = CachedLog::new(Bytes::from_static(metric));
        assert_eq!(
            log.weight(),
            metric.len() + std::mem::size_of::<usize>() + std::mem::size_of::<logparse::Point>()
        );
        assert_eq!(CachedLog::new(Bytes::new()).line_count(), 0);
    }

    #[tokio::test]
    async fn evicts_the_least_recently_used_over_budget() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a", "b", "c"] {
            std::fs::write(dir.path().join(name), vec![b'x'; 100]).unwrap();
        }
        let cache = LogCache::new(Arc::new(LogStores::local(dir.path()).unwrap()), 250);
        // moka applies reads and writes to its policy in batches; settling
        // after each makes the order of use exact.
        for name in ["a", "b", "a", "c"] {
            cache.get(name).await.unwrap();
            cache.cache.run_pending_tasks().await;
        }
        // Each: 100 bytes and a line index of one line.
        assert_eq!(cache.size(), 2 * (100 + std::mem::size_of::<usize>()));
        assert!(cache.cache.contains_key("a") && cache.cache.contains_key("c"));
        assert!(!cache.cache.contains_key("b"));
    }

    #[tokio::test]
    async fn many_asking_at_once_read_once_and_a_failure_is_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), b"x\n").unwrap();
        let cache = Arc::new(LogCache::new(
            Arc::new(LogStores::local(dir.path()).unwrap()),
            1 << 20,
        ));
        let asks: Vec<_> = (0..8)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move { cache.get("a").await.unwrap() })
            })
            .collect();
        let mut logs = Vec::new();
        for ask in asks {
            logs.push(ask.await.unwrap());
        }
        assert!(logs.iter().all(|l| Arc::ptr_eq(l, &logs[0])), "one parse");
        let Err(e) = cache.get("missing").await else {
            panic!("a missing log is an error");
        };
        assert!(matches!(*e, StoreError::NotFound(_)), "{e}");
        std::fs::write(dir.path().join("missing"), b"now here\n").unwrap();
        assert_eq!(cache.get("missing").await.unwrap().line_count(), 1);
    }
}

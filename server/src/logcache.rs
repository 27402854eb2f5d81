//! Recently read logs, parsed, with their line offsets: the charts and the
//! log viewer of one run ask for the same log many times.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use logparse::LogReport;
use logstore::{LogStores, StoreError};
use tokio::sync::OnceCell;

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

struct Slot {
    cell: Arc<OnceCell<Arc<CachedLog>>>,
    used: u64,
    size: usize,
}

/// Parsed logs by location, least recently used dropped first.
pub struct LogCache {
    stores: Arc<LogStores>,
    budget: usize,
    inner: std::sync::Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    slots: HashMap<String, Slot>,
    clock: u64,
    size: usize,
}

impl LogCache {
    /// A cache reading through `stores`, keeping about `budget` bytes.
    pub fn new(stores: Arc<LogStores>, budget: usize) -> LogCache {
        LogCache {
            stores,
            budget,
            inner: Default::default(),
        }
    }

    /// The log at `location`, read and parsed once however many ask at once.
    pub async fn get(&self, location: &str) -> Result<Arc<CachedLog>, StoreError> {
        let cell = {
            let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            inner.clock += 1;
            let clock = inner.clock;
            let slot = inner
                .slots
                .entry(location.to_string())
                .or_insert_with(|| Slot {
                    cell: Arc::new(OnceCell::new()),
                    used: clock,
                    size: 0,
                });
            slot.used = clock;
            slot.cell.clone()
        };
        let log = cell
            .get_or_try_init(|| async {
                let bytes = self.stores.read(location).await?;
                let log = tokio::task::spawn_blocking(move || CachedLog::new(bytes))
                    .await
                    .map_err(|e| StoreError::BadLocation {
                        location: location.to_string(),
                        reason: format!("parsing failed: {e}"),
                    })?;
                Ok::<_, StoreError>(Arc::new(log))
            })
            .await?
            .clone();
        self.account(location, log.bytes.len());
        Ok(log)
    }

    /// Records the size of a freshly loaded log and evicts others over budget.
    fn account(&self, location: &str, size: usize) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let Inner {
            slots, size: total, ..
        } = &mut *inner;
        if let Some(slot) = slots.get_mut(location)
            && slot.size == 0
        {
            slot.size = size.max(1);
            *total += slot.size;
        }
        while *total > self.budget && slots.len() > 1 {
            let Some(oldest) = slots
                .iter()
                .filter(|(k, s)| k.as_str() != location && s.size > 0)
                .min_by_key(|(_, s)| s.used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(s) = slots.remove(&oldest) {
                *total -= s.size;
            }
        }
        // Failed loads leave empty slots behind: drop them.
        slots.retain(|k, s| {
            s.size > 0 || s.cell.initialized() || k == location || Arc::strong_count(&s.cell) > 1
        });
    }

    /// Bytes held.
    pub fn size(&self) -> usize {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).size
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
        assert_eq!(CachedLog::new(Bytes::new()).line_count(), 0);
    }

    #[tokio::test]
    async fn evicts_the_least_recently_used_over_budget() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a", "b", "c"] {
            std::fs::write(dir.path().join(name), vec![b'x'; 100]).unwrap();
        }
        let cache = LogCache::new(Arc::new(LogStores::local(dir.path()).unwrap()), 250);
        cache.get("a").await.unwrap();
        cache.get("b").await.unwrap();
        cache.get("a").await.unwrap();
        cache.get("c").await.unwrap();
        assert_eq!(cache.size(), 200);
        let inner = cache.inner.lock().unwrap();
        assert!(inner.slots.contains_key("a") && inner.slots.contains_key("c"));
        assert!(!inner.slots.contains_key("b"));
    }
}

//! Archiving: once a task run has ended, its output moves from the live
//! store to the log store. The archived object is plain text, line `n` being
//! the line with seq `n`, so it reads, downloads and indexes like any other
//! log; a sidecar object keeps each line's capture time and stream so the
//! live endpoint can serve it afterwards exactly as it did while live. The
//! catalog then names it and queues it for indexing, and only after that do
//! the lines leave the live store.

use std::fmt::Write as _;
use std::sync::Arc;

use bytes::Bytes;
use livestore::{Line, Stream};
use logstore::LogStores;
use model::LogName;

use crate::state::AppState;

/// Lines read from the live store per call while archiving.
const READ_BATCH: usize = 10_000;

/// Where the output of task run `run` is archived: under `prefix` (a
/// location prefix in a store; empty for the local log folder).
pub fn location(prefix: &str, run: i64) -> String {
    format!("{prefix}live/{run}.{}.log", LogName::Output)
}

/// `prefix` as a location prefix (ending in `/` unless empty), if one of
/// `stores` covers it.
pub fn check_prefix(stores: &logstore::LogStores, prefix: &str) -> Result<String, String> {
    let prefix = match prefix.trim() {
        "" => return Ok(String::new()),
        p if p.ends_with('/') => p.to_string(),
        p => format!("{p}/"),
    };
    stores
        .resolve(&location(&prefix, 1))
        .map(|_| prefix.clone())
        .map_err(|e| format!("{prefix} is not in a configured store (add it with --store): {e}"))
}

/// The sidecar of an archived log: one `TIME_US STREAM` line per line.
fn sidecar(location: &str) -> String {
    format!("{location}.lines")
}

/// Why archived lines could not be served.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The log store failed.
    #[error(transparent)]
    Store(#[from] logstore::StoreError),
    /// The live store failed.
    #[error(transparent)]
    Live(#[from] livestore::LiveError),
    /// The catalog failed.
    #[error(transparent)]
    Catalog(#[from] catalog::CatalogError),
    /// The stored objects disagree with each other or with the live store.
    #[error("{0}")]
    Inconsistent(String),
}

/// How long a run's lines stay in the live store after the run is
/// archived, when it has just ended: its viewers a tick or two behind the
/// end then finish from the live store, as they read the rest. Removed at
/// once, each of them opened the archive and read it from the start to
/// reach its last lines: a thousand viewers of a 10,000-line run ending
/// kept the server's cores busy for eight seconds. A crash during this
/// time leaves the lines in the live store, where they are served the
/// same.
pub const LINGER: std::time::Duration = std::time::Duration::from_secs(2);

/// Archives run `run`'s output if it has ended and is not archived yet;
/// `true` if this call recorded it. The live lines are removed `linger`
/// after the archive is recorded ([`LINGER`] for a run that has just
/// ended). Safe to call from several processes at once, and again after a
/// crash at any point.
pub async fn archive(
    s: &AppState,
    run: i64,
    linger: std::time::Duration,
) -> Result<bool, ArchiveError> {
    let key = crate::live::output_key(run)?;
    let store = &s.live.store;
    let progress = store.progress(&key).await?.unwrap_or_default();
    if progress.removed {
        // Another process archived it and let the lines go.
        return Ok(false);
    }
    // The run has ended: make sure no late line can join after the copy.
    let progress = store.seal(&key).await?;
    let mut lines = Vec::with_capacity(progress.last_seq.min(1 << 20) as usize);
    let mut next = 1;
    loop {
        let batch = store.read(&key, next, READ_BATCH).await?;
        let Some(last) = batch.last() else { break };
        next = last.seq + 1;
        lines.extend(batch);
    }
    if lines.len() as u64 != progress.last_seq
        || lines.iter().enumerate().any(|(i, l)| l.seq != i as u64 + 1)
    {
        return Err(ArchiveError::Inconsistent(format!(
            "{key}: read {} lines of {} from the live store",
            lines.len(),
            progress.last_seq
        )));
    }
    let (text, times) = encode(&lines);
    let loc = location(&s.live.archive_to, run);
    s.stores.put(&loc, text).await?;
    s.stores.put(&sidecar(&loc), times).await?;
    let recorded = s
        .catalog
        .record_archived(run, &loc, progress.last_seq, catalog::now_ms())
        .await?;
    if recorded {
        s.indexer.wake();
        tracing::info!(log = %key, lines = progress.last_seq, location = %loc, "live log archived");
    }
    // Recorded here or elsewhere: either way the archive now serves it.
    if !linger.is_zero() {
        tokio::time::sleep(linger).await;
    }
    store.remove(&key).await?;
    Ok(recorded)
}

/// Archives every ended, unarchived task run (those whose archiving was
/// cut short by a crash, or ended in another process); returns how many
/// this call recorded.
pub async fn sweep(s: &AppState) -> Result<usize, ArchiveError> {
    let mut done = 0;
    for run in s.catalog.unarchived_task_runs().await? {
        match archive(s, run, std::time::Duration::ZERO).await {
            Ok(true) => done += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(run, error = %e, "archiving a finished run failed; will retry")
            }
        }
    }
    Ok(done)
}

/// The text and the sidecar of `lines`.
fn encode(lines: &[Line]) -> (Bytes, Bytes) {
    let mut text = String::with_capacity(lines.iter().map(|l| l.text.len() + 1).sum());
    let mut times = String::with_capacity(lines.len() * 20);
    for l in lines {
        text.push_str(&l.text);
        text.push('\n');
        let _ = writeln!(times, "{} {}", l.time_us, l.stream);
    }
    (text.into(), times.into())
}

/// Bytes read from the store per page while serving an archived log: with
/// the sidecar's page and a message, about what a viewer that stopped
/// reading holds.
const PAGE: u64 = 16 << 10;
/// Longest line an archived log may hold (a live line is at most a
/// producer's frame).
const MAX_LINE: usize = crate::live::MAX_FRAME + 1;

/// Reads an archived log's lines in order, a page of the store at a time:
/// what a reader holds is a page and a batch, whatever the log's size, and
/// nothing is read ahead of what its caller asks for.
pub struct ArchiveReader {
    text: Pager,
    /// None when the log has no sidecar: lines get time 0 on stdout.
    times: Option<Pager>,
    /// Seq of the next line `text` gives.
    seq: u64,
}

/// One object, read a page at a time and split into lines: what it holds
/// is a page and the line being read, whatever the object's size.
pub struct Pager {
    stores: Arc<LogStores>,
    location: String,
    size: u64,
    pos: u64,
    page: u64,
    buf: bytes::BytesMut,
}

impl Pager {
    /// Opens `location` (any log, archived or not) for reading its lines.
    pub async fn lines(stores: Arc<LogStores>, location: &str) -> Result<Pager, ArchiveError> {
        Ok(Pager::open(stores, location.to_string(), PAGE).await?)
    }

    async fn open(
        stores: Arc<LogStores>,
        location: String,
        page: u64,
    ) -> Result<Pager, logstore::StoreError> {
        let size = stores.open(&location, Some(0..0)).await?.size;
        Ok(Pager {
            stores,
            location,
            size,
            pos: 0,
            page,
            buf: bytes::BytesMut::new(),
        })
    }

    /// The next line, without its newline; `None` at the end.
    pub async fn line(&mut self) -> Result<Option<Bytes>, ArchiveError> {
        use futures::StreamExt;
        let mut scanned = 0;
        loop {
            if let Some(i) = memchr::memchr(b'\n', &self.buf[scanned..]) {
                let mut line = self.buf.split_to(scanned + i + 1);
                line.truncate(scanned + i);
                return Ok(Some(line.freeze()));
            }
            scanned = self.buf.len();
            if self.pos >= self.size {
                return Ok((!self.buf.is_empty()).then(|| self.buf.split().freeze()));
            }
            if self.buf.len() > MAX_LINE {
                return Err(ArchiveError::Inconsistent(format!(
                    "{}: a line longer than {MAX_LINE} bytes at byte {}",
                    self.location, self.pos
                )));
            }
            let end = (self.pos + self.page).min(self.size);
            let mut read = self
                .stores
                .open(&self.location, Some(self.pos..end))
                .await?;
            while let Some(chunk) = read.stream.next().await {
                self.buf.extend_from_slice(&chunk?);
            }
            self.pos = end;
        }
    }
}

impl ArchiveReader {
    /// Opens the archived log at `location` (and its sidecar, if any).
    pub async fn open(
        stores: Arc<LogStores>,
        location: &str,
    ) -> Result<ArchiveReader, ArchiveError> {
        ArchiveReader::open_paged(stores, location, PAGE).await
    }

    async fn open_paged(
        stores: Arc<LogStores>,
        location: &str,
        page: u64,
    ) -> Result<ArchiveReader, ArchiveError> {
        let text = Pager::open(stores.clone(), location.to_string(), page).await?;
        let times = match Pager::open(stores, sidecar(location), page).await {
            Ok(p) => Some(p),
            Err(logstore::StoreError::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        };
        Ok(ArchiveReader {
            text,
            times,
            seq: 1,
        })
    }

    /// Up to `n` lines from seq `from` on (lines before it are read past),
    /// stopping after the line that reaches `max_bytes` of text; empty at
    /// the end.
    pub async fn next(
        &mut self,
        from: u64,
        n: usize,
        max_bytes: usize,
    ) -> Result<Vec<Line>, ArchiveError> {
        let mut out = Vec::new();
        let mut bytes = 0;
        while out.len() < n && bytes < max_bytes {
            let Some(text) = self.text.line().await? else {
                break;
            };
            let time = match &mut self.times {
                Some(t) => t.line().await?,
                None => None,
            };
            let seq = self.seq;
            self.seq += 1;
            if seq < from {
                continue;
            }
            let text = String::from_utf8(text.to_vec()).map_err(|e| {
                ArchiveError::Inconsistent(format!("archived line {seq} is not UTF-8: {e}"))
            })?;
            let (time_us, stream) = parse_time(time.as_deref());
            bytes += text.len();
            out.push(Line {
                seq,
                time_us,
                stream,
                text,
            });
        }
        Ok(out)
    }
}

/// The number of lines of the archived log at `location`, counted a page
/// at a time (archived logs never change: callers may keep the answer).
pub async fn count_lines(stores: &LogStores, location: &str) -> Result<u64, ArchiveError> {
    use futures::StreamExt;
    let size = stores.open(location, Some(0..0)).await?.size;
    let (mut lines, mut pos, mut last) = (0u64, 0u64, b'\n');
    while pos < size {
        let end = (pos + PAGE).min(size);
        let mut read = stores.open(location, Some(pos..end)).await?;
        while let Some(chunk) = read.stream.next().await {
            let chunk = chunk?;
            lines += memchr::memchr_iter(b'\n', &chunk).count() as u64;
            last = chunk.last().copied().unwrap_or(last);
        }
        pos = end;
    }
    // A last line without its newline is a line too.
    Ok(lines + u64::from(last != b'\n'))
}

fn parse_time(entry: Option<&[u8]>) -> (i64, Stream) {
    let Some((t, s)) = entry
        .and_then(|e| std::str::from_utf8(e).ok())
        .and_then(|e| e.split_once(' '))
    else {
        return (0, Stream::Out);
    };
    let stream = s.parse().unwrap_or(Stream::Out);
    (t.parse().unwrap_or(0), stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(seq: u64, text: &str, stream: Stream) -> Line {
        Line {
            seq,
            time_us: 1_700_000_000_000_000 + seq as i64,
            stream,
            text: text.into(),
        }
    }

    /// Writes `text` (and `times`, if any) as an archived log in a local
    /// store; reads it back from `from` in batches of 2, a `page` of bytes
    /// at a time.
    async fn read_back(text: &[u8], times: Option<&[u8]>, from: u64, page: u64) -> Vec<Line> {
        let dir = tempfile::tempdir().unwrap();
        let stores = Arc::new(LogStores::local(dir.path()).unwrap());
        let loc = location("", 7);
        stores
            .put(&loc, Bytes::copy_from_slice(text))
            .await
            .unwrap();
        if let Some(t) = times {
            stores
                .put(&sidecar(&loc), Bytes::copy_from_slice(t))
                .await
                .unwrap();
        }
        let mut r = ArchiveReader::open_paged(stores.clone(), &loc, page)
            .await
            .unwrap();
        let mut out = Vec::new();
        loop {
            let batch = r.next(from, 2, 1 << 20).await.unwrap();
            if batch.is_empty() {
                break;
            }
            assert!(batch.len() <= 2);
            out.extend(batch);
        }
        let n = count_lines(&stores, &loc).await.unwrap();
        let whole = text.iter().filter(|&&b| b == b'\n').count() as u64;
        assert_eq!(
            n,
            whole + u64::from(text.last().is_some_and(|&b| b != b'\n'))
        );
        out
    }

    #[tokio::test]
    async fn encoding_round_trips_with_seqs_times_and_streams_at_any_page_size() {
        let lines = vec![
            line(1, "first", Stream::Out),
            line(2, "", Stream::Err),
            line(3, "ünïcode | pipes \r", Stream::Out),
            line(4, &"long ".repeat(40), Stream::Err),
            line(5, "last", Stream::Out),
        ];
        let (text, times) = encode(&lines);
        assert!(text.starts_with("first\n\nünïcode | pipes \r\n".as_bytes()));
        for page in [1, 3, 7, 64, 1 << 20] {
            assert_eq!(
                read_back(&text, Some(&times), 1, page).await,
                lines,
                "page {page}"
            );
            assert_eq!(read_back(&text, Some(&times), 3, page).await, lines[2..]);
            assert!(read_back(&text, Some(&times), 6, page).await.is_empty());
        }
    }

    #[test]
    fn the_archive_prefix_must_be_in_a_store() {
        let dir = tempfile::tempdir().unwrap();
        let stores = logstore::LogStores::local(dir.path()).unwrap();
        assert_eq!(check_prefix(&stores, "").unwrap(), "");
        assert_eq!(check_prefix(&stores, "archive").unwrap(), "archive/");
        assert_eq!(location("archive/", 7), "archive/live/7.output.log");
        let e = check_prefix(&stores, "s3://bucket/logs").unwrap_err();
        assert!(e.contains("--store"), "{e}");
    }

    #[tokio::test]
    async fn an_empty_log_has_no_lines_and_a_missing_sidecar_still_reads() {
        let (text, times) = encode(&[]);
        assert!(text.is_empty() && times.is_empty());
        assert!(read_back(&text, Some(&times), 1, 4).await.is_empty());
        let got = read_back(b"a\nb\nno newline", None, 1, 4).await;
        assert_eq!(got.len(), 3);
        assert_eq!(
            (got[1].seq, got[1].time_us, got[1].stream),
            (2, 0, Stream::Out)
        );
        assert_eq!(got[2].text, "no newline");
    }
}

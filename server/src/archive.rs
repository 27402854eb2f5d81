//! Archiving: once a task run has ended, its output moves from the live
//! store to the log store. The archived object is plain text, line `n` being
//! the line with seq `n`, so it reads, downloads and indexes like any other
//! log; a sidecar object keeps each line's capture time and stream so the
//! live endpoint can serve it afterwards exactly as it did while live. The
//! catalog then names it and queues it for indexing, and only after that do
//! the lines leave the live store.

use std::fmt::Write as _;

use bytes::Bytes;
use livestore::{Line, Stream};
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

/// Archives run `run`'s output if it has ended and is not archived yet;
/// `true` if this call recorded it. Safe to call from several processes at
/// once, and again after a crash at any point.
pub async fn archive(s: &AppState, run: i64) -> Result<bool, ArchiveError> {
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
    store.remove(&key).await?;
    Ok(recorded)
}

/// Archives every ended, unarchived task run (those whose archiving was
/// cut short by a crash, or ended in another process); returns how many
/// this call recorded.
pub async fn sweep(s: &AppState) -> Result<usize, ArchiveError> {
    let mut done = 0;
    for run in s.catalog.unarchived_task_runs().await? {
        match archive(s, run).await {
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

/// Lines of an archived log from seq `from` on, with their times and
/// streams (lines without a sidecar entry get time 0 on stdout).
pub async fn read(s: &AppState, location: &str, from: u64) -> Result<Vec<Line>, ArchiveError> {
    let text = s.stores.read(location).await?;
    let times = match s.stores.read(&sidecar(location)).await {
        Ok(t) => t,
        Err(logstore::StoreError::NotFound(_)) => Bytes::new(),
        Err(e) => return Err(e.into()),
    };
    decode(&text, &times, from)
}

fn decode(text: &[u8], times: &[u8], from: u64) -> Result<Vec<Line>, ArchiveError> {
    let text = std::str::from_utf8(text)
        .map_err(|e| ArchiveError::Inconsistent(format!("archived text is not UTF-8: {e}")))?;
    let times = std::str::from_utf8(times)
        .map_err(|e| ArchiveError::Inconsistent(format!("archived times are not UTF-8: {e}")))?;
    let body = text.strip_suffix('\n').unwrap_or(text);
    if body.is_empty() && text.is_empty() {
        return Ok(Vec::new());
    }
    let mut times = times.lines();
    let mut out = Vec::new();
    for (i, t) in body.split('\n').enumerate() {
        let (time_us, stream) = parse_time(times.next());
        let seq = i as u64 + 1;
        if seq >= from {
            out.push(Line {
                seq,
                time_us,
                stream,
                text: t.to_string(),
            });
        }
    }
    Ok(out)
}

fn parse_time(entry: Option<&str>) -> (i64, Stream) {
    let Some((t, s)) = entry.and_then(|e| e.split_once(' ')) else {
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

    #[test]
    fn encoding_round_trips_with_seqs_times_and_streams() {
        let lines = vec![
            line(1, "first", Stream::Out),
            line(2, "", Stream::Err),
            line(3, "ünïcode | pipes \r", Stream::Out),
        ];
        let (text, times) = encode(&lines);
        assert_eq!(&text[..], "first\n\nünïcode | pipes \r\n".as_bytes());
        assert_eq!(decode(&text, &times, 1).unwrap(), lines);
        assert_eq!(decode(&text, &times, 3).unwrap(), lines[2..]);
        assert!(decode(&text, &times, 4).unwrap().is_empty());
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

    #[test]
    fn an_empty_log_has_no_lines_and_a_missing_sidecar_still_reads() {
        let (text, times) = encode(&[]);
        assert!(text.is_empty() && times.is_empty());
        assert!(decode(&text, &times, 1).unwrap().is_empty());
        let got = decode(b"a\nb\n", b"", 1).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[1].seq, got[1].time_us, got[1].stream),
            (2, 0, Stream::Out)
        );
    }
}

//! The live line store: where the lines of a running log live between the
//! producer that writes them and the viewers that read them, until the log is
//! sealed and archived.
//!
//! A log is an ordered sequence of lines numbered 1, 2, 3, … (its *seq*). The
//! store accepts a batch only as the continuation of what it holds: lines it
//! already has are dropped (a producer resending after a reconnect), a batch
//! that would leave a hole is refused ([`LiveError::Gap`]). So whatever the
//! network does, the stored log is every line exactly once, in order, and the
//! highest stored seq is the producer's acknowledgement.
//!
//! Two implementations behind [`LiveStore`]:
//! - [`EmbeddedStore`] (the default): one append-only file per log in the
//!   data dir, synced before an append returns, so a restart loses nothing
//!   acknowledged;
//! - [`RedisStore`]: one Redis stream per log (`XADD` through a script that
//!   drops duplicates atomically, `XREAD BLOCK` by one reader per stream per
//!   process shared by all its viewers), for several processes sharing one
//!   Redis.
//!
//! Readers never get a pushed copy of each line: they hold a cursor and pull
//! ([`LiveStore::read`]) when [`LiveStore::watch`] says there is more. A slow
//! reader therefore never makes the store drop a line; it just lags.

mod embedded;
mod frame;
mod redis_store;
mod tail;
#[cfg(feature = "testing")]
pub mod testing;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use embedded::EmbeddedStore;
pub use model::live::{Line, Stream};
pub use redis_store::RedisStore;

/// Names one live log: a run and the log's name within it (`output`,
/// `client`, …).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LogKey {
    run: i64,
    name: String,
}

impl LogKey {
    /// A key, if `name` is 1–32 characters of `a-z`, `0-9`, `_` and `-` (it
    /// becomes part of a file name and a Redis key).
    pub fn new(run: i64, name: &str) -> Result<LogKey, LiveError> {
        let ok = !name.is_empty()
            && name.len() <= 32
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if ok && run >= 0 {
            Ok(LogKey {
                run,
                name: name.to_owned(),
            })
        } else {
            Err(LiveError::BadKey(format!("{run}/{name}")))
        }
    }

    /// The run id.
    pub fn run(&self) -> i64 {
        self.run
    }

    /// The log's name within its run.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for LogKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.run, self.name)
    }
}

/// How far a log has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Progress {
    /// Highest seq stored (0 when none).
    pub last_seq: u64,
    /// No more lines will come.
    pub sealed: bool,
    /// The lines were removed from the live store (after archiving); read
    /// them from the archive.
    pub removed: bool,
}

/// Errors of the live store.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The batch does not continue the log: its first new line is not the
    /// next seq.
    #[error("log {log}: expected seq {expected}, got {got}")]
    Gap {
        /// The log.
        log: String,
        /// The next seq the store can take.
        expected: u64,
        /// The first seq of the batch past what is stored.
        got: u64,
    },
    /// The batch's seqs are not strictly increasing by one.
    #[error("log {0}: the batch's seqs are not consecutive")]
    Unordered(String),
    /// The log is sealed; nothing more can be appended.
    #[error("log {0} is sealed")]
    Sealed(String),
    /// Not a valid log name.
    #[error("not a valid log name: {0:?} (1-32 of a-z 0-9 _ -)")]
    BadKey(String),
    /// The embedded store's files.
    #[error("live store I/O on {path}: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// What failed.
        source: std::io::Error,
    },
    /// Redis failed or is unreachable.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// What the store holds cannot be read back.
    #[error("live store data of {log} is damaged: {what}")]
    Corrupt {
        /// The log.
        log: String,
        /// What is wrong.
        what: String,
    },
}

impl LiveError {
    fn io(path: &std::path::Path, source: std::io::Error) -> LiveError {
        LiveError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// The result of an append.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// Highest seq now stored: the acknowledgement for the producer.
    pub last_seq: u64,
    /// Lines of the batch that were new (the rest were already stored).
    pub added: usize,
}

/// The live store the server was configured with.
#[derive(Clone)]
pub enum LiveStore {
    /// Files in the data dir.
    Embedded(EmbeddedStore),
    /// Redis Streams.
    Redis(RedisStore),
}

impl LiveStore {
    /// Stores the lines of `batch` that continue `log` and returns the new
    /// acknowledgement. Lines at or below the stored seq are dropped; a batch
    /// must be consecutive seqs.
    pub async fn append(&self, log: &LogKey, batch: &[Line]) -> Result<Appended, LiveError> {
        check_consecutive(log, batch)?;
        match self {
            LiveStore::Embedded(s) => s.append(log, batch).await,
            LiveStore::Redis(s) => s.append(log, batch).await,
        }
    }

    /// Where `log` stands; `None` if the store has never seen it.
    pub async fn progress(&self, log: &LogKey) -> Result<Option<Progress>, LiveError> {
        match self {
            LiveStore::Embedded(s) => s.progress(log).await,
            LiveStore::Redis(s) => s.progress(log).await,
        }
    }

    /// Up to `max` lines of `log` from seq `from` on (fewer at the end of what
    /// is stored; none once the log was removed).
    pub async fn read(&self, log: &LogKey, from: u64, max: usize) -> Result<Vec<Line>, LiveError> {
        let from = from.max(1);
        if max == 0 {
            return Ok(Vec::new());
        }
        match self {
            LiveStore::Embedded(s) => s.read(log, from, max).await,
            LiveStore::Redis(s) => s.read(log, from, max).await,
        }
    }

    /// A receiver that changes whenever `log` gets lines, is sealed or is
    /// removed. Creates the log if the store does not know it yet.
    pub async fn watch(
        &self,
        log: &LogKey,
    ) -> Result<tokio::sync::watch::Receiver<Progress>, LiveError> {
        match self {
            LiveStore::Embedded(s) => s.watch(log).await,
            LiveStore::Redis(s) => s.watch(log).await,
        }
    }

    /// Marks `log` finished: appends are refused from now on. Idempotent.
    pub async fn seal(&self, log: &LogKey) -> Result<Progress, LiveError> {
        match self {
            LiveStore::Embedded(s) => s.seal(log).await,
            LiveStore::Redis(s) => s.seal(log).await,
        }
    }

    /// Drops the lines of a sealed log (once its archived copy is stored).
    /// The log's progress stays, marked removed.
    pub async fn remove(&self, log: &LogKey) -> Result<(), LiveError> {
        match self {
            LiveStore::Embedded(s) => s.remove(log).await,
            LiveStore::Redis(s) => s.remove(log).await,
        }
    }

    /// A short name for logs and `/readyz`.
    pub fn kind(&self) -> &'static str {
        match self {
            LiveStore::Embedded(_) => "embedded",
            LiveStore::Redis(_) => "redis",
        }
    }
}

fn check_consecutive(log: &LogKey, batch: &[Line]) -> Result<(), LiveError> {
    let ok = batch.first().is_none_or(|l| l.seq >= 1)
        && batch.windows(2).all(|w| w[1].seq == w[0].seq + 1);
    if ok {
        Ok(())
    } else {
        Err(LiveError::Unordered(log.to_string()))
    }
}

/// The part of `batch` past `last_seq`, or a gap error if it does not start
/// at `last_seq + 1`.
fn new_part<'a>(log: &LogKey, batch: &'a [Line], last_seq: u64) -> Result<&'a [Line], LiveError> {
    let skip = batch.iter().take_while(|l| l.seq <= last_seq).count();
    let rest = &batch[skip..];
    match rest.first() {
        Some(first) if first.seq != last_seq + 1 => Err(LiveError::Gap {
            log: log.to_string(),
            expected: last_seq + 1,
            got: first.seq,
        }),
        _ => Ok(rest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(seq: u64) -> Line {
        Line {
            seq,
            time_us: 0,
            stream: Stream::Out,
            text: String::new(),
        }
    }

    #[test]
    fn keys_are_checked() {
        assert!(LogKey::new(1, "output").is_ok());
        assert!(LogKey::new(1, "client-2_x").is_ok());
        for bad in ["", "Out", "a/b", "..", "a b", &"x".repeat(33)] {
            assert!(LogKey::new(1, bad).is_err(), "{bad:?}");
        }
        assert!(LogKey::new(-1, "output").is_err());
    }

    #[test]
    fn new_part_drops_duplicates_and_refuses_holes() {
        let key = LogKey::new(1, "output").unwrap();
        let batch: Vec<Line> = (3..=6).map(line).collect();
        assert_eq!(new_part(&key, &batch, 2).unwrap().len(), 4);
        assert_eq!(new_part(&key, &batch, 4).unwrap().len(), 2);
        assert_eq!(new_part(&key, &batch, 6).unwrap().len(), 0);
        assert_eq!(new_part(&key, &batch, 9).unwrap().len(), 0);
        assert!(matches!(
            new_part(&key, &batch, 1),
            Err(LiveError::Gap {
                expected: 2,
                got: 3,
                ..
            })
        ));
        assert!(check_consecutive(&key, &[line(1), line(3)]).is_err());
        assert!(check_consecutive(&key, &[line(0)]).is_err());
        assert!(check_consecutive(&key, &[]).is_ok());
    }
}

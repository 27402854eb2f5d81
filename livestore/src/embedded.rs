//! The embedded live store: one append-only file per log in a folder.
//!
//! An append is written and synced (`fdatasync`) before it returns, so an
//! acknowledged line survives a crash or a restart. Each open log keeps the
//! file offset of every line (8 bytes a line) to read any range with one
//! positioned read, and its newest lines in memory for viewers following the
//! end.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use crate::frame::{self, MAGIC, Record};
use crate::tail::Tail;
use crate::{Appended, Line, LiveError, LogKey, Progress, new_part};

/// Lines of each log kept in memory for viewers at the end of the log.
const TAIL_LINES: usize = 4096;

/// The file-backed store. Cheap to clone; clones share the open logs.
#[derive(Clone)]
pub struct EmbeddedStore {
    inner: Arc<Inner>,
}

struct Inner {
    dir: PathBuf,
    logs: Mutex<HashMap<LogKey, Arc<Entry>>>,
}

/// One log: its file state, its newest lines and its watchers.
struct Entry {
    key: LogKey,
    path: PathBuf,
    file: Mutex<LogFile>,
    tail: Mutex<Tail>,
    tx: watch::Sender<Progress>,
}

#[derive(Default)]
struct LogFile {
    /// Whether the file was looked for and, if there, scanned.
    loaded: bool,
    file: Option<File>,
    /// `offsets[i]` is where the record of seq `i + 1` starts.
    offsets: Vec<u64>,
    /// Where the line records end (a seal mark may follow).
    lines_end: u64,
    /// Where the file ends.
    end: u64,
    progress: Progress,
}

impl EmbeddedStore {
    /// A store in `dir` (created if missing). Logs are opened on first use.
    pub fn open(dir: impl Into<PathBuf>) -> Result<EmbeddedStore, LiveError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| LiveError::io(&dir, e))?;
        Ok(EmbeddedStore {
            inner: Arc::new(Inner {
                dir,
                logs: Mutex::new(HashMap::new()),
            }),
        })
    }

    fn entry(&self, key: &LogKey) -> Arc<Entry> {
        let mut logs = self.inner.logs.lock().unwrap_or_else(|e| e.into_inner());
        logs.entry(key.clone())
            .or_insert_with(|| {
                Arc::new(Entry {
                    key: key.clone(),
                    path: self
                        .inner
                        .dir
                        .join(format!("{}.{}.live", key.run(), key.name())),
                    file: Mutex::new(LogFile::default()),
                    tail: Mutex::new(Tail::new(TAIL_LINES)),
                    tx: watch::channel(Progress::default()).0,
                })
            })
            .clone()
    }

    /// Runs blocking file work for `key` off the async threads.
    async fn with_file<T: Send + 'static>(
        &self,
        key: &LogKey,
        work: impl FnOnce(&Entry, &mut LogFile) -> Result<T, LiveError> + Send + 'static,
    ) -> Result<T, LiveError> {
        let entry = self.entry(key);
        tokio::task::spawn_blocking(move || {
            let mut f = entry.file.lock().unwrap_or_else(|e| e.into_inner());
            if !f.loaded {
                *f = load(&entry)?;
                entry.tx.send_replace(f.progress);
            }
            work(&entry, &mut f)
        })
        .await
        .map_err(|e| LiveError::Io {
            path: key.to_string(),
            source: std::io::Error::other(e),
        })?
    }

    pub(crate) async fn append(&self, key: &LogKey, batch: &[Line]) -> Result<Appended, LiveError> {
        let batch = batch.to_vec();
        self.with_file(key, move |entry, f| {
            let new = new_part(&entry.key, &batch, f.progress.last_seq)?;
            if new.is_empty() {
                return Ok(Appended {
                    last_seq: f.progress.last_seq,
                    added: 0,
                });
            }
            if f.progress.sealed {
                return Err(LiveError::Sealed(entry.key.to_string()));
            }
            ensure_file(entry, f)?;
            let mut buf = Vec::with_capacity(new.iter().map(|l| l.text.len() + 26).sum());
            let mut starts = Vec::with_capacity(new.len());
            for line in new {
                starts.push(f.end + buf.len() as u64);
                frame::encode_line(&mut buf, line);
            }
            write_synced(entry, f, &buf)?;
            f.offsets.extend(starts);
            f.lines_end = f.end;
            f.progress.last_seq = new[new.len() - 1].seq;
            entry
                .tail
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(new);
            entry.tx.send_replace(f.progress);
            Ok(Appended {
                last_seq: f.progress.last_seq,
                added: new.len(),
            })
        })
        .await
    }

    pub(crate) async fn progress(&self, key: &LogKey) -> Result<Option<Progress>, LiveError> {
        self.with_file(key, |_, f| Ok(f.file.as_ref().map(|_| f.progress)))
            .await
    }

    pub(crate) async fn read(
        &self,
        key: &LogKey,
        from: u64,
        max: usize,
    ) -> Result<Vec<Line>, LiveError> {
        let entry = self.entry(key);
        // Readers at the end (the usual case for followers) are answered
        // without the file: progress is published after the file and tail.
        let known = *entry.tx.borrow();
        if known.last_seq > 0 && from > known.last_seq {
            return Ok(Vec::new());
        }
        if let Some(lines) = entry
            .tail
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(from, max)
        {
            return Ok(lines);
        }
        self.with_file(key, move |entry, f| {
            let last = f.offsets.len() as u64;
            if f.progress.removed || from > last {
                return Ok(Vec::new());
            }
            let to = last.min(from.saturating_add(max as u64 - 1));
            let start = f.offsets[(from - 1) as usize];
            let end = if to == last {
                f.lines_end
            } else {
                f.offsets[to as usize]
            };
            let mut buf = vec![0; (end - start) as usize];
            let file = f.file.as_ref().expect("a log with lines has a file");
            file.read_exact_at(&mut buf, start)
                .map_err(|e| LiveError::io(&entry.path, e))?;
            let mut lines = Vec::with_capacity((to - from + 1) as usize);
            let mut at = 0;
            while at < buf.len() {
                match frame::decode(&buf[at..]) {
                    Some((Record::Line(line), n)) => {
                        lines.push(line);
                        at += n;
                    }
                    _ => {
                        return Err(LiveError::Corrupt {
                            log: entry.key.to_string(),
                            what: format!("unreadable record at byte {}", start + at as u64),
                        });
                    }
                }
            }
            Ok(lines)
        })
        .await
    }

    pub(crate) async fn watch(&self, key: &LogKey) -> Result<watch::Receiver<Progress>, LiveError> {
        // Load first, so the receiver starts from what the file holds.
        self.with_file(key, |entry, _| Ok(entry.tx.subscribe()))
            .await
    }

    pub(crate) async fn seal(&self, key: &LogKey) -> Result<Progress, LiveError> {
        self.with_file(key, |entry, f| {
            if !f.progress.sealed {
                let mut buf = Vec::new();
                frame::encode_mark(&mut buf, f.progress.last_seq, false);
                write_synced(entry, f, &buf)?;
                f.progress.sealed = true;
                entry.tx.send_replace(f.progress);
            }
            Ok(f.progress)
        })
        .await
    }

    pub(crate) async fn remove(&self, key: &LogKey) -> Result<(), LiveError> {
        self.with_file(key, |entry, f| {
            if f.progress.removed {
                return Ok(());
            }
            if !f.progress.sealed {
                return Err(LiveError::Corrupt {
                    log: entry.key.to_string(),
                    what: "only a sealed log can be removed".into(),
                });
            }
            // Replace the file by its removal mark, atomically.
            let mut buf = MAGIC.to_vec();
            frame::encode_mark(&mut buf, f.progress.last_seq, true);
            let tmp = entry.path.with_extension("live.tmp");
            let io = |e| LiveError::io(&tmp, e);
            let file = File::create(&tmp).map_err(io)?;
            file.write_all_at(&buf, 0).map_err(io)?;
            file.sync_data().map_err(io)?;
            std::fs::rename(&tmp, &entry.path).map_err(|e| LiveError::io(&entry.path, e))?;
            sync_dir(&entry.path);
            f.file = Some(file);
            f.offsets = Vec::new();
            f.end = buf.len() as u64;
            f.lines_end = f.end;
            f.progress.removed = true;
            entry.tail.lock().unwrap_or_else(|e| e.into_inner()).clear();
            entry.tx.send_replace(f.progress);
            Ok(())
        })
        .await
    }
}

/// Creates the log's file on first use.
fn ensure_file(entry: &Entry, f: &mut LogFile) -> Result<(), LiveError> {
    let io = |e| LiveError::io(&entry.path, e);
    if f.file.is_none() {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&entry.path)
            .map_err(io)?;
        file.write_all_at(MAGIC, 0).map_err(io)?;
        f.file = Some(file);
        f.end = MAGIC.len() as u64;
        f.lines_end = f.end;
        sync_dir(&entry.path);
    }
    Ok(())
}

/// Appends `buf` at the end of the file (created first if need be) and
/// syncs. On failure the file is cut back to where it ended.
fn write_synced(entry: &Entry, f: &mut LogFile, buf: &[u8]) -> Result<(), LiveError> {
    let io = |e| LiveError::io(&entry.path, e);
    ensure_file(entry, f)?;
    let file = f.file.as_ref().expect("just opened");
    let written = file.write_all_at(buf, f.end).and_then(|_| file.sync_data());
    if let Err(e) = written {
        let _ = file.set_len(f.end);
        return Err(io(e));
    }
    f.end += buf.len() as u64;
    Ok(())
}

/// Makes a new or renamed file's directory entry durable.
fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent()
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
}

/// Reads what the file of `entry` holds, cutting off a damaged end.
fn load(entry: &Entry) -> Result<LogFile, LiveError> {
    let io = |e| LiveError::io(&entry.path, e);
    let file = match OpenOptions::new().read(true).write(true).open(&entry.path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(LogFile {
                loaded: true,
                ..LogFile::default()
            });
        }
        Err(e) => return Err(io(e)),
    };
    let len = file.metadata().map_err(io)?.len();
    let mut f = LogFile {
        loaded: true,
        ..LogFile::default()
    };
    let mut reader = BufReader::with_capacity(1 << 20, &file);
    let mut magic = [0u8; 8];
    if len < MAGIC.len() as u64 || reader.read_exact(&mut magic).is_err() || &magic != MAGIC {
        if len < MAGIC.len() as u64 {
            // Created and never written past its first bytes: empty.
            file.set_len(0).map_err(io)?;
            file.write_all_at(MAGIC, 0).map_err(io)?;
            file.sync_data().map_err(io)?;
            f.end = MAGIC.len() as u64;
            f.lines_end = f.end;
            f.file = Some(file);
            return Ok(f);
        }
        return Err(LiveError::Corrupt {
            log: entry.key.to_string(),
            what: format!("{} is not a live log file", entry.path.display()),
        });
    }
    let mut at = MAGIC.len() as u64;
    let mut buf = Vec::new();
    loop {
        let mut head = [0u8; 8];
        if reader.read_exact(&mut head).is_err() {
            break;
        }
        let body_len = u32::from_le_bytes(head[..4].try_into().expect("4 bytes")) as u64;
        if at + 8 + body_len > len {
            break;
        }
        buf.clear();
        buf.extend_from_slice(&head);
        buf.resize(8 + body_len as usize, 0);
        if reader.read_exact(&mut buf[8..]).is_err() {
            break;
        }
        let Some((record, n)) = frame::decode(&buf) else {
            break;
        };
        match record {
            Record::Line(line) if line.seq == f.progress.last_seq + 1 && !f.progress.sealed => {
                f.offsets.push(at);
                f.progress.last_seq = line.seq;
                f.lines_end = at + n as u64;
            }
            Record::Seal(last) if last == f.progress.last_seq => f.progress.sealed = true,
            Record::Removed(last) if f.offsets.is_empty() => {
                f.progress = Progress {
                    last_seq: last,
                    sealed: true,
                    removed: true,
                };
            }
            _ => break,
        }
        at += n as u64;
    }
    drop(reader);
    if at < len {
        tracing::warn!(
            log = %entry.key,
            file = %entry.path.display(),
            kept = at,
            dropped = len - at,
            "live log file ends in an unreadable record (an append cut short); dropping the unacknowledged end"
        );
        file.set_len(at).map_err(io)?;
        file.sync_data().map_err(io)?;
    }
    if f.lines_end == 0 {
        f.lines_end = MAGIC.len() as u64;
    }
    f.end = at;
    f.file = Some(file);
    Ok(f)
}

//! The producer's spool: every line the server has not acknowledged, oldest
//! first. Lines are held in memory up to a bound; past it they go to a file
//! (one JSON line each) and come back into memory as acknowledgements make
//! room, so a long outage costs disk, not memory. Only past a second,
//! larger bound does the producer stop taking lines (the program then waits
//! on its output until the server catches up).

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};
use std::path::PathBuf;

use model::live::{Line, Stream};

/// Most bytes of line text in one message.
pub(super) const MAX_BATCH_BYTES: usize = 1 << 20;

/// Where and how much to keep.
#[derive(Debug, Clone)]
pub struct SpoolConfig {
    /// Bytes of line text kept in memory before lines go to a file.
    pub memory_bytes: usize,
    /// Bytes kept in all (memory and file) before no more lines are taken.
    pub max_bytes: u64,
    /// Folder of the spool file.
    pub dir: PathBuf,
}

impl Default for SpoolConfig {
    fn default() -> Self {
        SpoolConfig {
            memory_bytes: 64 << 20,
            max_bytes: 4 << 30,
            dir: std::env::temp_dir(),
        }
    }
}

/// The spool file failed.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    /// Creating, writing or reading it failed.
    #[error("spool file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The server acknowledged lines this program never printed: its log
    /// is not this run's (a run id reused by another catalog sharing the
    /// live store), and what it holds would be taken for ours.
    #[error(
        "the server acknowledged line {acked} but only {printed} lines were printed: \
         its log for this run holds lines from elsewhere, so nothing more is sent"
    )]
    ForeignLog {
        /// The acknowledgement.
        acked: u64,
        /// Lines printed so far.
        printed: u64,
    },
    /// What was read back is not what was written.
    #[error("spool file {path} is damaged: {reason}")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// Lines past the memory bound, in a file: written at the end, read from
/// the front.
struct SpillFile {
    path: PathBuf,
    writer: BufWriter<File>,
    reader: BufReader<File>,
    /// Lines written and not read back yet.
    lines: u64,
    /// Their text bytes.
    bytes: u64,
}

impl SpillFile {
    fn create(dir: &std::path::Path) -> Result<SpillFile, SpoolError> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let path = dir.join(format!(
            "logdeck-spool-{}-{nanos:x}.jsonl",
            std::process::id()
        ));
        let io = |source| SpoolError::Io {
            path: path.clone(),
            source,
        };
        let file = File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(io)?;
        // A second open, not a clone: reading and writing keep their own
        // positions.
        let reader = File::open(&path).map_err(io)?;
        Ok(SpillFile {
            writer: BufWriter::new(file),
            reader: BufReader::new(reader),
            path,
            lines: 0,
            bytes: 0,
        })
    }

    fn io(&self, source: std::io::Error) -> SpoolError {
        SpoolError::Io {
            path: self.path.clone(),
            source,
        }
    }

    fn write(&mut self, line: &Line) -> Result<(), SpoolError> {
        serde_json::to_writer(&mut self.writer, line)
            .map_err(|e| self.io(std::io::Error::other(e)))?;
        self.writer.write_all(b"\n").map_err(|e| self.io(e))?;
        self.lines += 1;
        self.bytes += line.text.len() as u64;
        Ok(())
    }

    fn read(&mut self) -> Result<Line, SpoolError> {
        self.writer.flush().map_err(|e| self.io(e))?;
        let mut text = String::new();
        self.reader.read_line(&mut text).map_err(|e| self.io(e))?;
        let line: Line = serde_json::from_str(&text).map_err(|e| SpoolError::Damaged {
            path: self.path.clone(),
            reason: e.to_string(),
        })?;
        self.lines -= 1;
        self.bytes -= line.text.len() as u64;
        if self.lines == 0 {
            // Everything came back: start the file over.
            self.writer.flush().map_err(|e| self.io(e))?;
            self.writer.get_ref().set_len(0).map_err(|e| self.io(e))?;
            self.writer
                .seek(SeekFrom::Start(0))
                .map_err(|e| self.io(e))?;
            self.reader
                .seek(SeekFrom::Start(0))
                .map_err(|e| self.io(e))?;
        }
        Ok(line)
    }
}

impl Drop for SpillFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Unacknowledged lines, oldest first: the oldest in memory, the rest (if
/// any) in the spill file.
pub(super) struct Spool {
    config: SpoolConfig,
    memory: VecDeque<Line>,
    memory_bytes: usize,
    file: Option<SpillFile>,
    next_seq: u64,
    /// Highest seq the server has acknowledged.
    pub acked: u64,
    /// Lines that went through the file so far.
    pub spilled_total: u64,
}

impl Spool {
    pub(super) fn new(config: SpoolConfig) -> Spool {
        Spool {
            config,
            memory: VecDeque::new(),
            memory_bytes: 0,
            file: None,
            next_seq: 0,
            acked: 0,
            spilled_total: 0,
        }
    }

    fn spilled(&self) -> u64 {
        self.file.as_ref().map_or(0, |f| f.lines)
    }

    /// Numbers and keeps a new line.
    pub(super) fn push(
        &mut self,
        stream: Stream,
        time_us: i64,
        text: String,
    ) -> Result<(), SpoolError> {
        self.next_seq += 1;
        let line = Line {
            seq: self.next_seq,
            time_us,
            stream,
            text,
        };
        let fits = self.memory_bytes + line.text.len() <= self.config.memory_bytes;
        if self.spilled() == 0 && (fits || self.memory.is_empty()) {
            self.memory_bytes += line.text.len();
            self.memory.push_back(line);
            return Ok(());
        }
        if self.file.is_none() {
            self.file = Some(SpillFile::create(&self.config.dir)?);
        }
        self.spilled_total += 1;
        self.file.as_mut().expect("just made").write(&line)
    }

    /// Lets go of lines up to `seq`, and brings spilled lines back into the
    /// room that made.
    pub(super) fn ack(&mut self, seq: u64) -> Result<(), SpoolError> {
        if seq > self.next_seq {
            return Err(SpoolError::ForeignLog {
                acked: seq,
                printed: self.next_seq,
            });
        }
        while self.memory.front().is_some_and(|l| l.seq <= seq) {
            let l = self.memory.pop_front().expect("checked");
            self.memory_bytes -= l.text.len();
        }
        self.acked = self.acked.max(seq);
        self.refill()
    }

    fn refill(&mut self) -> Result<(), SpoolError> {
        while self.spilled() > 0
            && (self.memory.is_empty() || self.memory_bytes < self.config.memory_bytes / 2)
        {
            let line = self.file.as_mut().expect("spilled").read()?;
            if line.seq <= self.acked {
                continue;
            }
            self.memory_bytes += line.text.len();
            self.memory.push_back(line);
        }
        Ok(())
    }

    /// Whether another line may be taken.
    pub(super) fn has_room(&self) -> bool {
        let spilled = self.file.as_ref().map_or(0, |f| f.bytes);
        (self.memory_bytes as u64 + spilled) < self.config.max_bytes
    }

    /// Whether every line has been acknowledged.
    pub(super) fn is_empty(&self) -> bool {
        self.memory.is_empty() && self.spilled() == 0
    }

    /// The seq of the newest line.
    pub(super) fn last_seq(&self) -> u64 {
        self.next_seq
    }

    /// The next batch of lines after `sent` that is in memory, if any.
    pub(super) fn batch_after(&self, sent: u64) -> Option<Vec<Line>> {
        let start = self.memory.iter().position(|l| l.seq > sent)?;
        let mut bytes = 0;
        let batch: Vec<Line> = self
            .memory
            .iter()
            .skip(start)
            .take_while(|l| {
                bytes += l.text.len() + 32;
                bytes <= MAX_BATCH_BYTES
            })
            .cloned()
            .collect();
        if batch.is_empty() {
            // One line larger than a batch still goes alone.
            Some(vec![self.memory[start].clone()])
        } else {
            Some(batch)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(dir: &std::path::Path) -> SpoolConfig {
        SpoolConfig {
            memory_bytes: 100,
            max_bytes: 10_000,
            dir: dir.to_path_buf(),
        }
    }

    #[test]
    fn spool_keeps_what_is_unacknowledged() {
        let mut s = Spool::new(SpoolConfig::default());
        for i in 0..5 {
            s.push(Stream::Out, i, format!("line {i}")).unwrap();
        }
        assert_eq!(s.batch_after(0).unwrap().len(), 5);
        assert_eq!(s.batch_after(3).unwrap()[0].seq, 4);
        assert!(s.batch_after(5).is_none());
        s.ack(3).unwrap();
        assert_eq!(s.memory.len(), 2);
        assert_eq!(s.memory_bytes, "line 3".len() + "line 4".len());
        s.ack(2).unwrap();
        assert_eq!(s.acked, 3);
        // An acknowledgement of lines never printed is another log's.
        assert!(matches!(
            s.ack(9),
            Err(SpoolError::ForeignLog {
                acked: 9,
                printed: 5
            })
        ));
        s.ack(5).unwrap();
        assert!(s.is_empty() && s.memory_bytes == 0);
        // A line larger than a batch is sent on its own.
        s.push(Stream::Err, 0, "x".repeat(MAX_BATCH_BYTES + 10))
            .unwrap();
        assert_eq!(s.batch_after(5).unwrap().len(), 1);
    }

    #[test]
    fn lines_past_the_memory_bound_go_to_a_file_and_come_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Spool::new(small(dir.path()));
        let text = |i: u64| format!("line {i} ü");
        for i in 1..=500 {
            s.push(Stream::Out, i as i64, text(i)).unwrap();
        }
        assert!(s.memory_bytes <= 100, "memory stays bounded");
        assert!(s.spilled() > 400);
        let file = s.file.as_ref().unwrap().path.clone();
        assert!(file.exists());
        // Send and acknowledge in small steps, as a server would.
        let mut got = Vec::new();
        let mut sent = 0;
        while !s.is_empty() {
            let batch = s
                .batch_after(sent)
                .expect("lines in memory while any are left");
            sent = batch.last().unwrap().seq;
            got.extend(batch);
            s.ack(sent).unwrap();
            // New lines keep coming while the old drain.
            if got.len() == 250 {
                for i in 501..=520 {
                    s.push(Stream::Err, i as i64, text(i)).unwrap();
                }
            }
        }
        assert_eq!(got.len(), 520);
        for (i, l) in got.iter().enumerate() {
            assert_eq!(l.seq, i as u64 + 1);
            assert_eq!(l.text, text(l.seq));
        }
        drop(s);
        assert!(!file.exists(), "the spool file goes with the spool");
    }

    #[test]
    fn a_resend_after_reconnecting_starts_from_the_ack() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Spool::new(small(dir.path()));
        for i in 1..=50 {
            s.push(Stream::Out, 0, format!("{i:08}")).unwrap();
        }
        // Sent everything in memory, then the connection dropped; the server
        // had stored up to 5.
        let first = s.batch_after(0).unwrap();
        s.ack(5).unwrap();
        assert_eq!(s.batch_after(5).unwrap()[0].seq, 6);
        assert!(first.len() < 50);
    }

    #[test]
    fn the_total_bound_stops_taking_lines() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Spool::new(small(dir.path()));
        while s.has_room() {
            s.push(Stream::Out, 0, "x".repeat(90)).unwrap();
        }
        assert!(s.last_seq() >= 100);
        s.ack(s.last_seq()).unwrap();
        assert!(s.has_room() && s.is_empty());
    }

    #[test]
    fn an_unwritable_folder_is_a_clear_error() {
        let mut s = Spool::new(SpoolConfig {
            memory_bytes: 1,
            max_bytes: 1000,
            dir: "/nonexistent/logdeck".into(),
        });
        s.push(Stream::Out, 0, "a".into()).unwrap();
        let e = s.push(Stream::Out, 0, "b".into()).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/logdeck"), "{e}");
    }
}

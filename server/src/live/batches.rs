//! `lines` messages shared by the viewers of a log: the viewers following
//! the end of a log all ask for the same lines, so the first to ask reads
//! and encodes them and the rest send the same bytes.

use std::collections::VecDeque;
use std::sync::Mutex;

use axum::extract::ws::Utf8Bytes;
use livestore::LogKey;

/// Encoded batches kept (over all logs); the newest replace the oldest.
const KEEP: usize = 64;

/// Recently encoded `lines` messages, by log and first seq.
#[derive(Default)]
pub struct Batches {
    recent: Mutex<VecDeque<Entry>>,
}

struct Entry {
    key: LogKey,
    from: u64,
    to: u64,
    text: Utf8Bytes,
}

impl Batches {
    /// A message with the lines of `key` from seq `from` on (up to the seq
    /// returned), if one was encoded recently. Lines never change once
    /// stored, so an entry is never stale.
    pub fn get(&self, key: &LogKey, from: u64) -> Option<(u64, Utf8Bytes)> {
        let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        recent
            .iter()
            .rev()
            .find(|e| e.from == from && &e.key == key)
            .map(|e| (e.to, e.text.clone()))
    }

    /// Keeps the message with lines `from..=to` of `key`.
    pub fn put(&self, key: &LogKey, from: u64, to: u64, text: Utf8Bytes) {
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        if recent.len() >= KEEP {
            recent.pop_front();
        }
        recent.push_back(Entry {
            key: key.clone(),
            from,
            to,
            text,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_found_by_log_and_first_seq_and_the_oldest_go() {
        let b = Batches::default();
        let a = LogKey::new(1, "output").unwrap();
        let other = LogKey::new(2, "output").unwrap();
        b.put(&a, 1, 10, "one".into());
        b.put(&other, 1, 5, "two".into());
        assert_eq!(b.get(&a, 1).unwrap().0, 10);
        assert_eq!(b.get(&other, 1).unwrap().1.as_str(), "two");
        assert!(b.get(&a, 2).is_none());
        for i in 0..KEEP as u64 {
            b.put(&a, 100 + i, 100 + i, "x".into());
        }
        assert!(b.get(&a, 1).is_none(), "the oldest went");
        assert!(b.get(&a, 100 + KEEP as u64 - 1).is_some());
    }
}

//! The most recent lines of a log, kept in memory so that many viewers
//! following the end of a log are served without touching the store.

use std::collections::VecDeque;

use crate::Line;

/// A bounded run of consecutive lines ending at the newest one seen.
pub(crate) struct Tail {
    lines: VecDeque<Line>,
    cap: usize,
}

impl Tail {
    pub(crate) fn new(cap: usize) -> Tail {
        Tail {
            lines: VecDeque::new(),
            cap,
        }
    }

    /// Adds lines that follow the newest one held; anything else starts the
    /// run over (it must stay consecutive to answer reads).
    pub(crate) fn push(&mut self, batch: &[Line]) {
        let Some(first) = batch.first() else { return };
        let follows = self.lines.back().is_none_or(|b| b.seq + 1 == first.seq);
        if !follows {
            self.lines.clear();
        }
        let skip = batch.len().saturating_sub(self.cap);
        self.lines.extend(batch[skip..].iter().cloned());
        while self.lines.len() > self.cap {
            self.lines.pop_front();
        }
    }

    /// Up to `max` lines from seq `from`, if the run holds `from`; `None` when
    /// the caller must read the store (which may also hold newer lines).
    pub(crate) fn get(&self, from: u64, max: usize) -> Option<Vec<Line>> {
        let first = self.lines.front()?.seq;
        let last = self.lines.back()?.seq;
        if from < first || from > last || max == 0 {
            return None;
        }
        let start = (from - first) as usize;
        Some(self.lines.iter().skip(start).take(max).cloned().collect())
    }

    pub(crate) fn clear(&mut self) {
        self.lines.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Stream;

    fn lines(a: u64, b: u64) -> Vec<Line> {
        (a..=b)
            .map(|seq| Line {
                seq,
                time_us: 0,
                stream: Stream::Out,
                text: seq.to_string(),
            })
            .collect()
    }

    fn seqs(v: Option<Vec<Line>>) -> Option<Vec<u64>> {
        v.map(|v| v.iter().map(|l| l.seq).collect())
    }

    #[test]
    fn serves_only_what_it_holds() {
        let mut t = Tail::new(5);
        assert_eq!(seqs(t.get(1, 10)), None);
        t.push(&lines(1, 3));
        assert_eq!(seqs(t.get(2, 10)), Some(vec![2, 3]));
        assert_eq!(seqs(t.get(4, 10)), None);
        assert_eq!(seqs(t.get(5, 10)), None);
        t.push(&lines(4, 8));
        assert_eq!(seqs(t.get(3, 10)), None);
        assert_eq!(seqs(t.get(4, 2)), Some(vec![4, 5]));
        // A jump restarts the run.
        t.push(&lines(20, 21));
        assert_eq!(seqs(t.get(8, 10)), None);
        assert_eq!(seqs(t.get(20, 10)), Some(vec![20, 21]));
        // A batch larger than the bound keeps its newest lines.
        t.push(&lines(22, 40));
        assert_eq!(seqs(t.get(36, 10)), Some(vec![36, 37, 38, 39, 40]));
    }
}

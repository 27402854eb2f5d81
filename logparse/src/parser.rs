//! The incremental parser: bytes in, a [`LogReport`] out.

use serde::{Deserialize, Serialize};

use crate::line::{Level, LineKind, Pipes, classify_with_pipes};
use crate::metric::Metric;
use crate::scan::for_each_block;
use crate::stats::Stats;
use crate::template::{TemplateCount, TemplateCounter};
use crate::text::is_ascii_ws;
use crate::time::NANOS_PER_DAY;

/// Only the first this-many bytes of a line are examined (plus whether the
/// rest holds non-whitespace), so one runaway line cannot exhaust memory.
/// Real messages are capped near 1000 bytes.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Twelve hours: a parsed time this much earlier than the previous one means
/// the log crossed midnight.
const HALF_DAY: u64 = NANOS_PER_DAY / 2;

/// A metric point: seconds since the first parsed line, the value in the
/// log's units (seconds or bytes), and the line it was read from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Seconds since the first parsed line of the log.
    pub t: f64,
    /// The value.
    pub v: f64,
    /// Line number (1-based, counting every line of the file, blank ones
    /// too), so a point leads to its line.
    #[serde(default)]
    pub n: u64,
}

/// Parses one log incrementally.
///
/// ```
/// let mut p = logparse::Parser::new();
/// p.feed(b"21:02:13:123 | INFO | a.c | f:1 | Lat");
/// p.feed(b"ency: 0.5\n");
/// let r = p.finish();
/// assert_eq!(r.parsed, 1);
/// assert_eq!(r.series[0][0].v, 0.5);
/// ```
pub struct Parser {
    /// Line cap in bytes ([`MAX_LINE_BYTES`] unless a test lowers it).
    cap: usize,
    /// Bytes of a line not yet ended by `\n` (at most `cap`).
    carry: Vec<u8>,
    /// The current partial line went past `MAX_LINE_BYTES` with non-whitespace.
    carry_overflow_nonblank: bool,
    /// The current partial line went past `MAX_LINE_BYTES` at all.
    carry_overflowed: bool,
    acc: Accumulator,
}

/// Everything counted so far.
#[derive(Default)]
struct Accumulator {
    physical_lines: u64,
    lines: u64,
    parsed: u64,
    levels: [u64; 4],
    first_abs: Option<u64>,
    last_abs: u64,
    prev_tod: u64,
    day_offset: u64,
    series: [Vec<Point>; 4],
    templates: TemplateCounter,
}

/// The result of parsing one log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogReport {
    /// Counted lines (not empty, not only whitespace).
    pub lines: u64,
    /// Lines of the form `TIME | LEVEL | … | … | MESSAGE`.
    pub parsed: u64,
    /// Counted lines that are not parsed.
    pub malformed: u64,
    /// Parsed lines per level, indexed like [`Level::ALL`].
    pub levels: [u64; 4],
    /// Last parsed time minus first parsed time, seconds (0 with none;
    /// negative when the log's clock stepped back by less than 12 h).
    pub duration_s: f64,
    /// Time of day of the first parsed line, seconds since midnight UTC:
    /// where every point's `t` counts from. `None` with no parsed line.
    #[serde(default)]
    pub started_s: Option<f64>,
    /// Points per metric, indexed like [`Metric::ALL`].
    pub series: [Vec<Point>; 4],
    /// WARNING and ERROR templates, most frequent first.
    pub templates: Vec<TemplateCount>,
}

impl LogReport {
    /// Number of parsed lines of `level`.
    pub fn level(&self, level: Level) -> u64 {
        self.levels[level as usize]
    }

    /// Points of `metric`.
    pub fn points(&self, metric: Metric) -> &[Point] {
        &self.series[metric.index()]
    }

    /// Summary statistics of `metric`.
    pub fn stats(&self, metric: Metric) -> Stats {
        Stats::of(self.points(metric).iter().map(|p| p.v))
    }
}

/// Parses a whole log at once.
pub fn parse(bytes: &[u8]) -> LogReport {
    let mut p = Parser::new();
    p.feed(bytes);
    p.finish()
}

impl Default for Parser {
    fn default() -> Self {
        Self::with_line_cap(MAX_LINE_BYTES)
    }
}

impl Parser {
    /// A parser at the start of a log.
    pub fn new() -> Self {
        Self::default()
    }

    /// A parser that examines only the first `cap` bytes of each line
    /// (minimum 64); [`Parser::new`] uses [`MAX_LINE_BYTES`].
    pub fn with_line_cap(cap: usize) -> Self {
        Parser {
            cap: cap.max(64),
            carry: Vec::new(),
            carry_overflow_nonblank: false,
            carry_overflowed: false,
            acc: Accumulator::default(),
        }
    }

    /// Feeds the next bytes of the log; lines may span calls.
    pub fn feed(&mut self, chunk: &[u8]) {
        let mut start = 0;
        // One scan finds both line ends and the field separators; only the
        // first four `|` of a line are kept, later ones are dropped in bulk.
        let mut pipes = Pipes::default();
        for_each_block(chunk, |base, mut newlines, mut bars| {
            loop {
                let before_newline = if newlines == 0 {
                    u64::MAX
                } else {
                    (newlines & newlines.wrapping_neg()) - 1
                };
                let mut mine = bars & before_newline;
                while mine != 0 && pipes.count < 4 {
                    pipes.at[pipes.count] = base + mine.trailing_zeros() as usize - start;
                    pipes.count += 1;
                    mine &= mine - 1;
                }
                bars &= !before_newline;
                if newlines == 0 {
                    break;
                }
                let pos = base + newlines.trailing_zeros() as usize;
                newlines &= newlines - 1;
                let piece = &chunk[start..pos];
                start = pos + 1;
                if self.carry.is_empty() && !self.carry_overflowed {
                    self.acc.line(piece, self.cap, None, &pipes);
                } else {
                    self.end_carried_line(piece);
                }
                pipes.count = 0;
            }
        });
        self.push_carry(&chunk[start..]);
    }

    /// Ends the log: a last line without `\n` counts like any other.
    pub fn finish(mut self) -> LogReport {
        if !self.carry.is_empty() || self.carry_overflowed {
            let carry = std::mem::take(&mut self.carry);
            let overflow = self.overflow();
            self.acc
                .line(&carry, self.cap, overflow, &Pipes::find(&carry));
        }
        self.acc.into_report()
    }

    /// The report for the complete lines fed so far (a partial last line is
    /// left out), without ending the log.
    pub fn snapshot(&self) -> LogReport {
        self.acc.report()
    }

    /// Points of `metric` from complete lines fed so far.
    pub fn points(&self, metric: Metric) -> &[Point] {
        &self.acc.series[metric.index()]
    }

    /// Ends a line that began in an earlier chunk.
    fn end_carried_line(&mut self, piece: &[u8]) {
        self.push_carry(piece);
        let carry = std::mem::take(&mut self.carry);
        self.acc
            .line(&carry, self.cap, self.overflow(), &Pipes::find(&carry));
        self.carry = carry;
        self.carry.clear();
        self.carry_overflowed = false;
        self.carry_overflow_nonblank = false;
    }

    fn overflow(&self) -> Option<bool> {
        self.carry_overflowed
            .then_some(self.carry_overflow_nonblank)
    }

    fn push_carry(&mut self, bytes: &[u8]) {
        let room = self.cap - self.carry.len();
        if bytes.len() <= room {
            self.carry.extend_from_slice(bytes);
        } else {
            self.carry.extend_from_slice(&bytes[..room]);
            self.carry_overflowed = true;
            if !self.carry_overflow_nonblank {
                self.carry_overflow_nonblank = bytes[room..].iter().any(|&b| !is_ascii_ws(b));
            }
        }
    }
}

/// `to - from` in seconds; negative when `to` is earlier.
#[inline(always)]
fn seconds_between(from: u64, to: u64) -> f64 {
    (to as i64 - from as i64) as f64 / 1e9
}

impl Accumulator {
    /// One line without its `\n`: drops one trailing `\r` and applies the
    /// line cap. `cut` is `Some(rest_nonblank)` when the caller already cut
    /// the line at `cap` bytes (its end, and any `\r`, are then gone);
    /// `pipes` are the first separators of `raw`.
    #[inline]
    fn line(&mut self, raw: &[u8], cap: usize, cut: Option<bool>, pipes: &Pipes) {
        self.physical_lines += 1;
        let (line, nonblank) = match cut {
            Some(rest_nonblank) => (raw, rest_nonblank),
            None => {
                let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
                if raw.len() > cap {
                    let (head, tail) = raw.split_at(cap);
                    (head, tail.iter().any(|&b| !is_ascii_ws(b)))
                } else {
                    (raw, false)
                }
            }
        };
        // `line` is a prefix of `raw`: keep the separators that fall inside it.
        let mut pipes = *pipes;
        while pipes.count > 0 && pipes.at[pipes.count - 1] >= line.len() {
            pipes.count -= 1;
        }
        match classify_with_pipes(line, nonblank, pipes) {
            LineKind::Blank => {}
            LineKind::Malformed => self.lines += 1,
            LineKind::Parsed {
                time_of_day,
                level,
                message,
            } => {
                self.lines += 1;
                self.parsed += 1;
                self.levels[level as usize] += 1;
                let abs = self.absolute(time_of_day);
                if matches!(level, Level::Warning | Level::Error) {
                    self.templates.add(level, message, self.physical_lines);
                }
                if let Some((metric, v)) = Metric::match_message(message) {
                    // Times may step back (less than 12 h): such points get negative t.
                    let t = seconds_between(self.first_abs.unwrap_or(abs), abs);
                    self.series[metric.index()].push(Point {
                        t,
                        v,
                        n: self.physical_lines,
                    });
                }
            }
        }
    }

    /// Turns a time of day into nanoseconds since the first day's midnight.
    #[inline(always)]
    fn absolute(&mut self, tod: u64) -> u64 {
        if self.first_abs.is_some() && tod + HALF_DAY < self.prev_tod {
            self.day_offset += NANOS_PER_DAY;
        }
        self.prev_tod = tod;
        let abs = tod + self.day_offset;
        self.first_abs.get_or_insert(abs);
        self.last_abs = abs;
        abs
    }

    /// The report, moving the series out (at the end of the log).
    fn into_report(mut self) -> LogReport {
        let series = std::mem::take(&mut self.series);
        self.report_with(series)
    }

    /// The report so far, copying the series.
    fn report(&self) -> LogReport {
        self.report_with(self.series.clone())
    }

    fn report_with(&self, series: [Vec<Point>; 4]) -> LogReport {
        LogReport {
            lines: self.lines,
            parsed: self.parsed,
            malformed: self.lines - self.parsed,
            levels: self.levels,
            duration_s: self
                .first_abs
                .map_or(0.0, |f| seconds_between(f, self.last_abs)),
            started_s: self.first_abs.map(|f| f as f64 / 1e9),
            series,
            templates: self.templates.sorted(),
        }
    }
}

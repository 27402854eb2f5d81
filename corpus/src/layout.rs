//! The line layout: `TIME | LEVEL | FILE | FUNCTION:LINE | MESSAGE`, in the
//! three padding variants of the protocol's history, and the [`LineWriter`]
//! that emits lines into a log buffer (with rotation and the old builds'
//! blank line after metric lines).

use crate::text::{Out, push_left, push_padded, push_right, push_spaces, push_u64};

/// Microseconds in a day.
pub(crate) const DAY_US: i64 = 86_400_000_000;
/// Messages are capped near this many bytes.
pub(crate) const MAX_MESSAGE: usize = 1000;
/// Upper bound of a prefix (time, level, file, location) in bytes.
const MAX_PREFIX: usize = 160;

/// Which `printf` format a build used for the line prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Layout {
    /// `"%s | %-7s | %-15s | %s:%d | "`
    Oldest,
    /// `"%s | %-7s | %-15s | %30s:%-5d | "`
    Middle,
    /// `"%s | %-7s | %-35s | %-30s:%-5d | "`
    Newest,
}

/// Fraction of the second printed in the time stamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Precision {
    /// `HH:MM:SS:mmm` (Windows servers).
    Millis,
    /// `HH:MM:SS:uuuuuu` (Linux/macOS clients).
    Micros,
}

/// Log level of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Level {
    Debug,
    Info,
    Warning,
    Error,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
        }
    }
}

/// A source location: file, function and line of the logging call.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Loc {
    pub file: &'static str,
    pub func: &'static str,
    pub line: u32,
}

/// Shorthand constructor for [`Loc`].
pub(crate) const fn loc(file: &'static str, func: &'static str, line: u32) -> Loc {
    Loc { file, func, line }
}

/// Appends the time of day of `abs_us` (microseconds since the epoch; the
/// date is dropped, so times wrap at midnight).
pub(crate) fn push_time(buf: &mut Vec<u8>, abs_us: i64, precision: Precision) {
    let tod = abs_us.rem_euclid(DAY_US) as u64;
    let secs = tod / 1_000_000;
    push_padded(buf, secs / 3600, 2);
    buf.push(b':');
    push_padded(buf, secs / 60 % 60, 2);
    buf.push(b':');
    push_padded(buf, secs % 60, 2);
    buf.push(b':');
    match precision {
        Precision::Millis => push_padded(buf, tod % 1_000_000 / 1000, 3),
        Precision::Micros => push_padded(buf, tod % 1_000_000, 6),
    }
}

/// Appends the whole prefix up to and including the `" | "` before the message.
pub(crate) fn push_prefix(
    buf: &mut Vec<u8>,
    layout: Layout,
    precision: Precision,
    abs_us: i64,
    level: Level,
    at: &Loc,
    line_shift: u32,
) {
    push_time(buf, abs_us, precision);
    buf.extend_from_slice(b" | ");
    push_left(buf, level.name(), 7);
    buf.extend_from_slice(b" | ");
    let line = u64::from(at.line + line_shift);
    match layout {
        Layout::Oldest => {
            push_left(buf, at.file, 15);
            buf.extend_from_slice(b" | ");
            buf.extend_from_slice(at.func.as_bytes());
            buf.push(b':');
            push_u64(buf, line);
        }
        Layout::Middle => {
            push_left(buf, at.file, 15);
            buf.extend_from_slice(b" | ");
            push_right(buf, at.func, 30);
            buf.push(b':');
            push_line_left(buf, line);
        }
        Layout::Newest => {
            push_left(buf, at.file, 35);
            buf.extend_from_slice(b" | ");
            push_left(buf, at.func, 30);
            buf.push(b':');
            push_line_left(buf, line);
        }
    }
    buf.extend_from_slice(b" | ");
}

/// `%-5d`
fn push_line_left(buf: &mut Vec<u8>, line: u64) {
    let start = buf.len();
    push_u64(buf, line);
    push_spaces(buf, 5usize.saturating_sub(buf.len() - start));
}

/// How a log's lines look.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Style {
    pub layout: Layout,
    pub precision: Precision,
    /// Old builds print an extra blank line after each metric line.
    pub blank_after_metric: bool,
    /// Added to every source line number (code moved between builds).
    pub line_shift: u32,
}

/// Emits lines into a log buffer. Time stamps never go backwards; when the
/// buffer would pass `rotate_at` it is cleared (the uploaded file is the
/// last rotation); `stop_at` tells the generator when to stop early.
pub(crate) struct LineWriter<'a> {
    pub buf: &'a mut Vec<u8>,
    style: Style,
    last_us: i64,
    rotate_at: usize,
    stop_at: usize,
}

impl<'a> LineWriter<'a> {
    /// A writer appending to `buf`.
    pub(crate) fn new(
        buf: &'a mut Vec<u8>,
        style: Style,
        rotate_at: usize,
        stop_at: usize,
    ) -> Self {
        LineWriter {
            buf,
            style,
            last_us: i64::MIN,
            rotate_at,
            stop_at,
        }
    }

    /// Time of the last line written.
    pub(crate) fn last_time(&self) -> i64 {
        self.last_us
    }

    /// Whether the early-stop size has been reached.
    pub(crate) fn full(&self) -> bool {
        self.buf.len() >= self.stop_at
    }

    /// Writes one line at time `t`; `body` writes the message. Metric lines
    /// get the old builds' extra blank line.
    pub(crate) fn emit(
        &mut self,
        t: i64,
        level: Level,
        at: &Loc,
        metric: bool,
        body: impl FnOnce(&mut Out<'_>),
    ) {
        let t = t.max(self.last_us);
        self.last_us = t;
        if self.buf.len() + MAX_PREFIX + MAX_MESSAGE + 2 > self.rotate_at {
            self.buf.clear();
        }
        let st = self.style;
        push_prefix(
            self.buf,
            st.layout,
            st.precision,
            t,
            level,
            at,
            st.line_shift,
        );
        let start = self.buf.len();
        body(&mut Out(self.buf));
        if self.buf.len() - start > MAX_MESSAGE {
            let mut end = start + MAX_MESSAGE;
            while end > start && (self.buf[end] & 0xC0) == 0x80 {
                end -= 1;
            }
            self.buf.truncate(end);
        }
        self.buf.push(b'\n');
        if metric && st.blank_after_metric {
            self.buf.push(b'\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(layout: Layout, precision: Precision, t: i64, at: Loc) -> String {
        let mut b = Vec::new();
        push_prefix(&mut b, layout, precision, t, Level::Info, &at, 0);
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn layouts_match_printf() {
        let t = (21 * 3600 + 2 * 60 + 13) * 1_000_000 + 123_456;
        let at = loc("server_message_handler.c", "handlePongMessage", 79);
        assert_eq!(
            line(Layout::Middle, Precision::Micros, t, at),
            "21:02:13:123456 | INFO    | server_message_handler.c |              handlePongMessage:79    | "
        );
        let at = loc("main.c", "SendVideo", 307);
        assert_eq!(
            line(Layout::Middle, Precision::Millis, t, at),
            "21:02:13:123 | INFO    | main.c          |                      SendVideo:307   | "
        );
        assert_eq!(
            line(Layout::Oldest, Precision::Millis, t, at),
            "21:02:13:123 | INFO    | main.c          | SendVideo:307 | "
        );
        assert_eq!(
            line(Layout::Newest, Precision::Millis, t - DAY_US * 3, at),
            "21:02:13:123 | INFO    | main.c                              | SendVideo                     :307   | "
        );
    }

    #[test]
    fn time_wraps_at_midnight() {
        let mut b = Vec::new();
        push_time(&mut b, DAY_US + 5_000_123, Precision::Micros);
        assert_eq!(b, b"00:00:05:000123");
        b.clear();
        push_time(&mut b, -1, Precision::Millis);
        assert_eq!(b, b"23:59:59:999");
    }
}

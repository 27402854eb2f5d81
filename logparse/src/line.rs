//! Classifying one line: blank, malformed, or parsed into time, level and message.

use memchr::memchr_iter;

use crate::text::trim_ws;
use crate::time::parse_time_of_day;

words::words! {
    /// Severity of a parsed line, in increasing order.
    #[derive(PartialOrd, Ord)]
    pub enum Level {
        /// `DEBUG`
        Debug = "DEBUG",
        /// `INFO`
        Info = "INFO",
        /// `WARNING`
        Warning = "WARNING",
        /// `ERROR`
        Error = "ERROR",
    }
}

impl Level {
    /// The level of a line's second field, exactly as written (the parser's
    /// path: bytes, possibly not UTF-8).
    #[inline(always)]
    fn from_exact(s: &[u8]) -> Option<Level> {
        match s {
            b"INFO" => Some(Level::Info),
            b"WARNING" => Some(Level::Warning),
            b"ERROR" => Some(Level::Error),
            b"DEBUG" => Some(Level::Debug),
            _ => None,
        }
    }
}

/// What one line of a log is.
#[derive(Debug, Clone, PartialEq)]
pub enum LineKind<'a> {
    /// Empty or only whitespace: not counted anywhere.
    Blank,
    /// Counted, but not `TIME | LEVEL | … | … | MESSAGE`.
    Malformed,
    /// A well-formed line.
    Parsed {
        /// Nanoseconds since midnight.
        time_of_day: u64,
        /// Its level.
        level: Level,
        /// The message, trimmed (may contain further `|`; bytes as in the
        /// log, possibly invalid UTF-8).
        message: &'a [u8],
    },
}

/// Classifies one line; `line` has no `\n` and its trailing `\r` already dropped.
///
/// `more_nonblank` tells that bytes beyond `line` (a line longer than
/// [`crate::MAX_LINE_BYTES`]) hold non-whitespace.
#[inline]
pub fn classify(line: &[u8], more_nonblank: bool) -> LineKind<'_> {
    classify_with_pipes(line, more_nonblank, Pipes::find(line))
}

/// Positions of the first four `|` of a line (fewer when the line has fewer).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Pipes {
    /// Byte offsets from the start of the line.
    pub(crate) at: [usize; 4],
    /// How many of `at` are set.
    pub(crate) count: usize,
}

impl Pipes {
    /// Finds them with one scan.
    #[inline]
    pub(crate) fn find(line: &[u8]) -> Pipes {
        let mut pipes = Pipes::default();
        for (slot, pos) in pipes.at.iter_mut().zip(memchr_iter(b'|', line)) {
            *slot = pos;
            pipes.count += 1;
        }
        pipes
    }
}

/// [`classify`] with the pipe positions already known (the parser finds them
/// in the same scan that finds line ends).
#[inline(always)]
pub(crate) fn classify_with_pipes(line: &[u8], more_nonblank: bool, pipes: Pipes) -> LineKind<'_> {
    if pipes.count < 4 {
        // Only here can the line be blank: `|` is not whitespace.
        return if !more_nonblank && is_blank(line) {
            LineKind::Blank
        } else {
            LineKind::Malformed
        };
    }
    let [p1, p2, p3, p4] = pipes.at;
    debug_assert!(p1 < p2 && p2 < p3 && p3 < p4 && p4 < line.len());
    let _ = p3;
    let Some(time_of_day) = time_field(&line[..p1]) else {
        return LineKind::Malformed;
    };
    let Some(level) = level_field(&line[p1 + 1..p2]) else {
        return LineKind::Malformed;
    };
    let message = trim_ws(&line[p4 + 1..]);
    LineKind::Parsed {
        time_of_day,
        level,
        message,
    }
}

/// The time field, trimmed.
#[inline(always)]
fn time_field(raw: &[u8]) -> Option<u64> {
    parse_time_of_day(trim_ws(raw))
}

/// The level field, trimmed.
#[inline(always)]
fn level_field(raw: &[u8]) -> Option<Level> {
    Level::from_exact(trim_ws(raw))
}

#[inline(always)]
fn is_blank(line: &[u8]) -> bool {
    trim_ws(line).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(s: &str) -> LineKind<'_> {
        classify(s.as_bytes(), false)
    }

    #[test]
    fn all_three_layouts_parse() {
        for l in [
            "21:02:13:123 | INFO    | main.c          | SendVideo:307 | Average Encode Time: 0.006012",
            "21:02:13:123 | INFO    | main.c          |                      SendVideo:307   | Average Encode Time: 0.006012",
            "21:02:13:123456 | INFO    | server_message_handler.c            | handlePongMessage             :79    | Average Encode Time: 0.006012",
        ] {
            match kind(l) {
                LineKind::Parsed { level, message, .. } => {
                    assert_eq!(level, Level::Info);
                    assert_eq!(message, b"Average Encode Time: 0.006012");
                }
                other => panic!("{l}: {other:?}"),
            }
        }
    }

    #[test]
    fn message_keeps_extra_pipes() {
        let LineKind::Parsed { message, .. } = kind("00:00:00.5|ERROR|f|g:1| a | b |") else {
            panic!()
        };
        assert_eq!(message, b"a | b |");
    }

    #[test]
    fn blank_and_malformed() {
        assert_eq!(kind(""), LineKind::Blank);
        assert_eq!(kind(" \t\x0b\x0c "), LineKind::Blank);
        assert_eq!(kind("\u{a0}\u{3000}"), LineKind::Blank);
        assert_eq!(kind("continuation of a message"), LineKind::Malformed);
        assert_eq!(kind("21:02:13:123 | INFO | a | b"), LineKind::Malformed);
        assert_eq!(kind("21:02:13:123 | info | a | b | c"), LineKind::Malformed);
        assert_eq!(kind("21:02:13 | INFO | a | b | c"), LineKind::Malformed);
        assert_eq!(kind("\u{fffd}"), LineKind::Malformed);
        assert_eq!(classify(b"   ", true), LineKind::Malformed);
    }

    #[test]
    fn unicode_padding_is_trimmed() {
        let l = "\u{a0}21:02:13:123\u{a0}|\u{2003}WARNING\u{a0}| a | b |\u{a0}msg\u{a0}";
        let LineKind::Parsed { level, message, .. } = kind(l) else {
            panic!()
        };
        assert_eq!(level, Level::Warning);
        assert_eq!(message, b"msg");
    }
}

//! Classifying one line: blank, malformed, or parsed into time, level and message.

use std::borrow::Cow;

use memchr::memchr;
use serde::{Deserialize, Serialize};

use crate::text::{edges_non_ascii, is_ascii_ws, trim_ascii, trim_unicode};
use crate::time::parse_time_of_day;

/// Severity of a parsed line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// `DEBUG`
    Debug,
    /// `INFO`
    Info,
    /// `WARNING`
    Warning,
    /// `ERROR`
    Error,
}

impl Level {
    /// All levels, in increasing severity.
    pub const ALL: [Level; 4] = [Level::Debug, Level::Info, Level::Warning, Level::Error];

    /// The level's name as written in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
        }
    }

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
        /// The message, trimmed (may contain further `|`). Borrowed unless
        /// the line needed a lossy UTF-8 decode at the message's edges.
        message: Cow<'a, [u8]>,
    },
}

/// Classifies one line; `line` has no `\n` and its trailing `\r` already dropped.
///
/// `more_nonblank` tells that bytes beyond `line` (a line longer than
/// [`crate::MAX_LINE_BYTES`]) hold non-whitespace.
#[inline]
pub fn classify(line: &[u8], more_nonblank: bool) -> LineKind<'_> {
    if !more_nonblank && is_blank(line) {
        return LineKind::Blank;
    }
    let Some(p1) = memchr(b'|', line) else {
        return LineKind::Malformed;
    };
    let Some(time_of_day) = field(&line[..p1], parse_time_of_day) else {
        return LineKind::Malformed;
    };
    let rest = &line[p1 + 1..];
    let Some(p2) = memchr(b'|', rest) else {
        return LineKind::Malformed;
    };
    let Some(level) = field(&rest[..p2], Level::from_exact) else {
        return LineKind::Malformed;
    };
    let rest = &rest[p2 + 1..];
    let Some(p3) = memchr(b'|', rest) else {
        return LineKind::Malformed;
    };
    let rest = &rest[p3 + 1..];
    let Some(p4) = memchr(b'|', rest) else {
        return LineKind::Malformed;
    };
    let msg = trim_ascii(&rest[p4 + 1..]);
    let message = if edges_non_ascii(msg) {
        Cow::Owned(trim_unicode(msg).into_owned().into_bytes())
    } else {
        Cow::Borrowed(msg)
    };
    LineKind::Parsed {
        time_of_day,
        level,
        message,
    }
}

/// Parses a trimmed field, falling back to a Unicode trim only when the
/// ASCII-trimmed field still has non-ASCII bytes at an edge.
#[inline(always)]
fn field<T>(raw: &[u8], parse: impl Fn(&[u8]) -> Option<T>) -> Option<T> {
    let f = trim_ascii(raw);
    match parse(f) {
        Some(v) => Some(v),
        None if edges_non_ascii(f) => parse(trim_unicode(f).as_bytes()),
        None => None,
    }
}

#[inline(always)]
fn is_blank(line: &[u8]) -> bool {
    match line.iter().position(|&b| !is_ascii_ws(b)) {
        None => true,
        Some(i) if line[i] >= 0x80 => String::from_utf8_lossy(&line[i..]).trim().is_empty(),
        Some(_) => false,
    }
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
                    assert_eq!(&*message, b"Average Encode Time: 0.006012");
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
        assert_eq!(&*message, b"a | b |");
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
        assert_eq!(&*message, b"msg");
    }
}

//! Byte-level helpers for whitespace the way Rust's `char::is_whitespace` sees it.

use std::borrow::Cow;

/// ASCII bytes that are Unicode `White_Space` (note: includes vertical tab,
/// unlike `u8::is_ascii_whitespace`).
#[inline(always)]
pub(crate) fn is_ascii_ws(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ')
}

/// Trims ASCII whitespace from both ends.
#[inline(always)]
pub(crate) fn trim_ascii(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if is_ascii_ws(*first) {
            s = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if is_ascii_ws(*last) {
            s = rest;
        } else {
            break;
        }
    }
    s
}

/// Trims Unicode whitespace from both ends after a lossy UTF-8 decode.
///
/// Only called on the rare bytes that start or end with a non-ASCII byte, so
/// the allocation it may make stays off the hot path.
pub(crate) fn trim_unicode(s: &[u8]) -> Cow<'_, str> {
    match String::from_utf8_lossy(s) {
        Cow::Borrowed(b) => Cow::Borrowed(b.trim()),
        Cow::Owned(o) => Cow::Owned(o.trim().to_owned()),
    }
}

/// True when an ASCII-trimmed field may still carry Unicode whitespace at an end.
#[inline(always)]
pub(crate) fn edges_non_ascii(s: &[u8]) -> bool {
    matches!(s.first(), Some(b) if *b >= 0x80) || matches!(s.last(), Some(b) if *b >= 0x80)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_like_str_trim_for_ascii() {
        for s in ["", " ", "\t a \x0b", "a", "\r\n x y \x0c"] {
            assert_eq!(trim_ascii(s.as_bytes()), s.trim().as_bytes());
        }
    }

    #[test]
    fn unicode_trim_removes_nbsp() {
        assert_eq!(trim_unicode("\u{a0}INFO\u{3000}".as_bytes()), "INFO");
        assert_eq!(trim_unicode(b"\xffX "), "\u{fffd}X");
    }
}

//! Text from logs made safe to print on a terminal: control characters
//! (escape sequences, NUL, backspace, bidi-free C1 controls …) are shown as
//! visible escapes, so a log cannot retitle the window, move the cursor,
//! rewrite what was printed before it or hide text.

use std::borrow::Cow;
use std::fmt::Write;

/// `text` with every control character but tab made visible (`\e` for
/// ESC, `\0` for NUL, `\xNN` for the rest). With `keep_colour`, SGR
/// sequences (`ESC [ … m`: colours and text attributes, nothing else) are
/// kept as they are.
pub fn printable(text: &str, keep_colour: bool) -> Cow<'_, str> {
    if !text.chars().any(is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if keep_colour
            && c == '\x1b'
            && let Some(len) = sgr_len(rest)
        {
            out.push_str(&rest[..len]);
            rest = &rest[len..];
            continue;
        }
        match c {
            '\x1b' => out.push_str("\\e"),
            '\0' => out.push_str("\\0"),
            c if is_control(c) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

fn is_control(c: char) -> bool {
    c != '\t' && (c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
}

/// The length of an SGR sequence at the start of `s`: `ESC [`, digits and
/// `;` only, then `m`.
fn sgr_len(s: &str) -> Option<usize> {
    let body = s.strip_prefix("\x1b[")?;
    let end = body.find(|c: char| !(c.is_ascii_digit() || c == ';'))?;
    (body[end..].starts_with('m') && end <= 64).then_some(2 + end + 1)
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn controls_are_made_visible() {
        assert_eq!(printable("plain ünï\ttab", false), "plain ünï\ttab");
        assert_eq!(
            printable("\x1b]0;pwned\x07title", false),
            "\\e]0;pwned\\x07title"
        );
        assert_eq!(
            printable("a\0b\rc\x08d\u{9b}e", false),
            "a\\0b\\x0dc\\x08d\\x9be"
        );
    }

    #[test]
    fn colour_is_kept_only_when_asked_and_only_colour() {
        let red = "\x1b[31mred\x1b[0m";
        assert_eq!(printable(red, true), red);
        assert_eq!(printable(red, false), "\\e[31mred\\e[0m");
        // Cursor movement, screen clearing and titles are not colour.
        assert_eq!(printable("\x1b[2J\x1b[Hx", true), "\\e[2J\\e[Hx");
        assert_eq!(printable("\x1b]0;t\x07", true), "\\e]0;t\\x07");
        assert_eq!(printable("\x1b[31;1m\0", true), "\x1b[31;1m\\0");
    }
}

//! A program's output lines: ANSI colour codes (SGR) turned into styled
//! runs of plain text, every other escape sequence dropped, and the level a
//! line has for every count, filter and badge (the server's and the
//! page's). Text stays text: the page renders the runs as text nodes,
//! never as markup.

use crate::Level;

/// A run of text in one style.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Styled {
    /// The text, escapes removed.
    pub text: String,
    /// Foreground colour: 0–7 normal, 8–15 bright.
    pub fg: Option<u8>,
    /// Background colour: 0–7 normal, 8–15 bright.
    pub bg: Option<u8>,
    /// Bold.
    pub bold: bool,
    /// Dim.
    pub dim: bool,
    /// Italic.
    pub italic: bool,
    /// Underlined.
    pub underline: bool,
}

impl Styled {
    fn same_style(&self, o: &Styled) -> bool {
        (
            self.fg,
            self.bg,
            self.bold,
            self.dim,
            self.italic,
            self.underline,
        ) == (o.fg, o.bg, o.bold, o.dim, o.italic, o.underline)
    }
}

/// Splits `line` into styled runs. Colours a line sets end with it.
pub fn parse(line: &str) -> Vec<Styled> {
    let mut out: Vec<Styled> = Vec::new();
    let mut cur = Styled::default();
    let mut chars = line.char_indices().peekable();
    let mut text_start = 0;
    let flush = |out: &mut Vec<Styled>, cur: &Styled, text: &str| {
        if text.is_empty() {
            return;
        }
        match out.last_mut() {
            Some(last) if last.same_style(cur) => last.text.push_str(text),
            _ => out.push(Styled {
                text: text.to_string(),
                ..cur.clone()
            }),
        }
    };
    while let Some((i, c)) = chars.next() {
        if c != '\x1b' && !(c.is_control() && c != '\t') {
            continue;
        }
        flush(&mut out, &cur, &line[text_start..i]);
        let mut end = i + c.len_utf8();
        if c == '\x1b' {
            match chars.peek() {
                // CSI: parameters, intermediates, one final byte.
                Some(&(_, '[')) => {
                    chars.next();
                    let params_start = end + 1;
                    end = line.len();
                    for (j, d) in chars.by_ref() {
                        if ('\x40'..='\x7e').contains(&d) {
                            end = j + 1;
                            if d == 'm' {
                                apply_sgr(&mut cur, &line[params_start..j]);
                            }
                            break;
                        }
                    }
                }
                // OSC (titles, links): up to BEL or ESC \.
                Some(&(_, ']')) => {
                    chars.next();
                    end = line.len();
                    while let Some((j, d)) = chars.next() {
                        if d == '\x07' {
                            end = j + 1;
                            break;
                        }
                        if d == '\x1b' && chars.peek().is_some_and(|&(_, n)| n == '\\') {
                            end = j + 2;
                            chars.next();
                            break;
                        }
                    }
                }
                // A two-character escape.
                Some(&(j, d)) => {
                    chars.next();
                    end = j + d.len_utf8();
                }
                None => {}
            }
        }
        text_start = end;
    }
    flush(&mut out, &cur, &line[text_start.min(line.len())..]);
    out
}

fn apply_sgr(s: &mut Styled, params: &str) {
    let mut codes = params.split([';', ':']).map(|p| {
        if p.is_empty() {
            0
        } else {
            p.parse::<u16>().unwrap_or(u16::MAX)
        }
    });
    let mut any = false;
    while let Some(code) = codes.next() {
        any = true;
        match code {
            0 => *s = Styled::default(),
            1 => s.bold = true,
            2 => s.dim = true,
            3 => s.italic = true,
            4 => s.underline = true,
            22 => {
                s.bold = false;
                s.dim = false;
            }
            23 => s.italic = false,
            24 => s.underline = false,
            30..=37 => s.fg = Some((code - 30) as u8),
            39 => s.fg = None,
            40..=47 => s.bg = Some((code - 40) as u8),
            49 => s.bg = None,
            90..=97 => s.fg = Some((code - 90 + 8) as u8),
            100..=107 => s.bg = Some((code - 100 + 8) as u8),
            // 256-colour and true colour: map the 16 basic ones, skip the
            // rest (their arguments must not be read as codes).
            38 | 48 => {
                let colour = match codes.next() {
                    Some(5) => codes.next().filter(|n| *n < 16).map(|n| n as u8),
                    Some(2) => {
                        codes.next();
                        codes.next();
                        codes.next();
                        None
                    }
                    _ => None,
                };
                if code == 38 {
                    s.fg = colour;
                } else {
                    s.bg = colour;
                }
            }
            _ => {}
        }
    }
    if !any {
        *s = Styled::default();
    }
}

/// The text of `line` without escape sequences.
pub fn strip(line: &str) -> String {
    parse(line).into_iter().map(|s| s.text).collect()
}

/// The level of one line of a log, as every count, filter and badge takes
/// it: the LEVEL field of a line in the log format
/// (`TIME | LEVEL | FILE | FUNCTION:LINE | MESSAGE`); for a program's
/// output (a task's log) that is not in that format, the level word it
/// announces near its start ([`level_of`], escape sequences removed). A
/// session's log line not in the format has no level.
pub fn line_level(line: &str, program_output: bool) -> Option<Level> {
    if let logparse::LineKind::Parsed { level, .. } = logparse::classify(line.as_bytes(), false) {
        return Some(level);
    }
    if !program_output {
        return None;
    }
    if line.contains('\x1b') {
        level_of(&strip(line))
    } else {
        level_of(line)
    }
}

/// The level a line of program output announces, if any, from words such
/// as `ERROR`, `error:`, `[warn]`, `WARNING` near its start.
pub fn level_of(plain: &str) -> Option<Level> {
    let head: String = plain.chars().take(120).collect();
    for word in head.split(|c: char| !c.is_ascii_alphabetic()) {
        let level = match word {
            "ERROR" | "Error" | "error" | "FATAL" | "fatal" | "PANIC" | "panic" | "CRITICAL"
            | "ERR" => Some(Level::Error),
            "WARNING" | "Warning" | "warning" | "WARN" | "Warn" | "warn" => Some(Level::Warning),
            "INFO" | "Info" | "info" => Some(Level::Info),
            "DEBUG" | "Debug" | "debug" | "TRACE" | "trace" => Some(Level::Debug),
            _ => None,
        };
        if level.is_some() {
            return level;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(v: &[Styled]) -> Vec<(&str, Option<u8>, bool)> {
        v.iter().map(|s| (s.text.as_str(), s.fg, s.bold)).collect()
    }

    #[test]
    fn colours_become_runs_and_markup_stays_text() {
        let got = parse("a \x1b[31mred\x1b[0m <b>not html</b>");
        assert_eq!(
            texts(&got),
            vec![
                ("a ", None, false),
                ("red", Some(1), false),
                (" <b>not html</b>", None, false)
            ]
        );
        let got = parse("\x1b[1;92mok\x1b[22m done\x1b[m");
        assert_eq!(
            texts(&got),
            vec![("ok", Some(10), true), (" done", Some(10), false)]
        );
    }

    #[test]
    fn other_escapes_and_controls_are_dropped() {
        assert_eq!(strip("\x1b[2K\x1b[1Gprogress 50%\r"), "progress 50%");
        assert_eq!(
            strip("\x1b]0;title\x07x\x1b]8;;http://a\x1b\\link"),
            "xlink"
        );
        assert_eq!(strip("tab\there\x1b"), "tab\there");
        assert_eq!(strip("cut \x1b[31"), "cut ");
        assert_eq!(strip("\x1b[38;5;196mred\x1b[38;2;1;2;3mrgb"), "redrgb");
        let got = parse("\x1b[38;5;4mblue\x1b[48;5;3mx\x1b[48;5;200my");
        assert_eq!(got[0].fg, Some(4));
        assert_eq!((got[1].fg, got[1].bg), (Some(4), Some(3)));
        assert_eq!((got[2].text.as_str(), got[2].bg), ("y", None));
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        for s in [
            "\x1b",
            "\x1b[",
            "\x1b[;;;m",
            "\x1b[99999999999m",
            "é\x1bé",
            "\x1b]",
            "\x1b[38;5m",
        ] {
            let _ = parse(s);
        }
    }

    #[test]
    fn levels_are_guessed_from_words() {
        assert_eq!(level_of("2026-01-01 ERROR db down"), Some(Level::Error));
        assert_eq!(level_of("error: linking failed"), Some(Level::Error));
        // The log format's own field first; words only for program output.
        let parsed = "12:00:00.1 | INFO | a.c | f:1 | error opening (retrying)";
        assert_eq!(line_level(parsed, true), Some(Level::Info));
        assert_eq!(line_level(parsed, false), Some(Level::Info));
        assert_eq!(line_level("ERROR: disk full", true), Some(Level::Error));
        assert_eq!(line_level("ERROR: disk full", false), None);
        assert_eq!(
            line_level("\x1b[31mERROR\x1b[0m: red", true),
            Some(Level::Error)
        );
        assert_eq!(level_of("[warn] slow"), Some(Level::Warning));
        assert_eq!(level_of("12:00 | INFO    | main.c"), Some(Level::Info));
        assert_eq!(level_of("errors: 0 (terror)"), None);
        assert_eq!(level_of("compiling 3 crates"), None);
    }
}

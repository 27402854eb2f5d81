//! Message templates: WARNING/ERROR messages with their variable parts
//! (numbers, hex, ids, addresses, paths) replaced, so that "Audio queue full,
//! skipping ID 3416" and "… ID 17" count as one error.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::line::Level;

/// Most distinct templates kept per log; further new ones are counted in
/// [`TemplateCount::OTHER`] so memory stays bounded on hostile input.
pub const MAX_TEMPLATES: usize = 1000;

/// Templates longer than this are cut (on a char boundary) before counting.
const MAX_TEMPLATE_BYTES: usize = 240;

/// One WARNING or ERROR message template of a log, with how often it
/// occurred (a log's summary keeps its most frequent ones).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateCount {
    /// [`Level::Error`] or [`Level::Warning`].
    pub level: Level,
    /// The message with numbers, hex, ids and paths replaced by placeholders.
    pub template: String,
    /// Lines with this template.
    pub count: u64,
    /// The first message with this template, as written.
    pub example: String,
    /// Physical line number (1-based) of that first message.
    pub first_line: u64,
}

impl TemplateCount {
    /// The template that collects messages past [`MAX_TEMPLATES`].
    pub const OTHER: &'static str = "<other templates>";
}

struct Entry {
    count: u64,
    example: String,
    first_line: u64,
}

/// Counts templates, one map per level keyed by the normalised bytes.
#[derive(Default)]
pub(crate) struct TemplateCounter {
    maps: [FxHashMap<Vec<u8>, Entry>; 4],
    scratch: Vec<u8>,
}

impl TemplateCounter {
    /// Counts one message. Allocates only the first time a template is seen.
    pub(crate) fn add(&mut self, level: Level, message: &[u8], line_no: u64) {
        self.scratch.clear();
        normalize_into(message, &mut self.scratch);
        let total: usize = self.maps.iter().map(|m| m.len()).sum();
        let map = &mut self.maps[level as usize];
        if let Some(e) = map.get_mut(self.scratch.as_slice()) {
            e.count += 1;
            return;
        }
        let key = if total >= MAX_TEMPLATES {
            TemplateCount::OTHER.as_bytes().to_vec()
        } else {
            self.scratch.clone()
        };
        map.entry(key)
            .or_insert_with(|| Entry {
                count: 0,
                example: String::from_utf8_lossy(message).into_owned(),
                first_line: line_no,
            })
            .count += 1;
    }

    /// All templates, most frequent first (ties by level, then text).
    pub(crate) fn sorted(&self) -> Vec<TemplateCount> {
        let mut out: Vec<TemplateCount> = Level::ALL
            .iter()
            .flat_map(|&level| {
                self.maps[level as usize]
                    .iter()
                    .map(move |(t, e)| (level, t, e))
            })
            .map(|(level, t, e)| TemplateCount {
                level,
                template: String::from_utf8_lossy(t).into_owned(),
                count: e.count,
                example: e.example.clone(),
                first_line: e.first_line,
            })
            .collect();
        out.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then(b.level.cmp(&a.level))
                .then_with(|| a.template.cmp(&b.template))
        });
        out
    }
}

/// Normalises a message into its template.
pub fn normalize(message: &str) -> String {
    let mut out = Vec::new();
    normalize_into(message.as_bytes(), &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Writes the template of `message` into `out`: words are split on ASCII
/// whitespace (runs collapse to one space); surrounding punctuation is kept
/// and the core of each word is classified.
fn normalize_into(message: &[u8], out: &mut Vec<u8>) {
    for word in message
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
    {
        if out.len() >= MAX_TEMPLATE_BYTES {
            break;
        }
        if !out.is_empty() {
            out.push(b' ');
        }
        let lead = word.iter().take_while(|b| b"([{<\"'".contains(b)).count();
        let core_end = word.len()
            - word[lead..]
                .iter()
                .rev()
                .take_while(|b| b")]}>\"',;.:!?".contains(b))
                .count();
        let core = &word[lead..core_end];
        out.extend_from_slice(&word[..lead]);
        push_core(core, out);
        out.extend_from_slice(&word[core_end..]);
    }
    if out.len() > MAX_TEMPLATE_BYTES {
        let mut cut = MAX_TEMPLATE_BYTES;
        while cut > 0 && (out[cut] & 0xC0) == 0x80 {
            cut -= 1;
        }
        out.truncate(cut);
        out.extend_from_slice("…".as_bytes());
    }
}

fn push_core(core: &[u8], out: &mut Vec<u8>) {
    let has_digit = core.iter().any(u8::is_ascii_digit);
    if core.len() > 1 && core.iter().any(|&b| b == b'/' || b == b'\\') {
        out.extend_from_slice(b"<path>");
    } else if !has_digit {
        out.extend_from_slice(core);
    } else if is_number(core) {
        out.extend_from_slice(b"<n>");
    } else if (core.starts_with(b"0x") || core.starts_with(b"0X"))
        && core.len() > 2
        && core[2..].iter().all(u8::is_ascii_hexdigit)
    {
        out.extend_from_slice(b"<hex>");
    } else if is_address(core) {
        out.extend_from_slice(b"<addr>");
    } else if core.len() >= 8 && core.iter().all(|&b| b.is_ascii_hexdigit() || b == b'-') {
        // build ids, UUIDs, HRESULTs like 887A0022
        out.extend_from_slice(b"<id>");
    } else {
        // identifiers with numbers inside: client19772.txt -> client<n>.txt
        let mut in_digits = false;
        for &b in core {
            if b.is_ascii_digit() {
                if !in_digits {
                    out.extend_from_slice(b"<n>");
                }
                in_digits = true;
            } else {
                out.push(b);
                in_digits = false;
            }
        }
    }
}

/// `[+-]digits[.digits][e[+-]digits]` or with a unit-less fraction like `.5`.
fn is_number(s: &[u8]) -> bool {
    let s = s
        .strip_prefix(b"-")
        .or_else(|| s.strip_prefix(b"+"))
        .unwrap_or(s);
    let mut seen_dot = false;
    let mut seen_e = false;
    let mut prev = 0u8;
    for &b in s {
        match b {
            b'0'..=b'9' => {}
            b'.' if !seen_dot && !seen_e => seen_dot = true,
            b'e' | b'E' if !seen_e && prev.is_ascii_digit() => seen_e = true,
            b'+' | b'-' if prev == b'e' || prev == b'E' => {}
            _ => return false,
        }
        prev = b;
    }
    prev.is_ascii_digit() || prev == b'.'
}

/// IPv4 with optional port (`10.0.0.1`, `52.1.2.3:443`) or `host:port` style
/// `[::1]:80`.
fn is_address(s: &[u8]) -> bool {
    let (host, port) = match s.iter().rposition(|&b| b == b':') {
        Some(i) if s[i + 1..].iter().all(u8::is_ascii_digit) && i + 1 < s.len() => (&s[..i], true),
        _ => (s, false),
    };
    let dots = host.iter().filter(|&&b| b == b'.').count();
    let ipv4 = dots == 3
        && host
            .split(|&b| b == b'.')
            .all(|p| !p.is_empty() && p.len() <= 3 && p.iter().all(u8::is_ascii_digit));
    ipv4 || (port && host.starts_with(b"[") && host.ends_with(b"]"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_variable_parts() {
        let cases = [
            (
                "Audio queue full, skipping ID 3416 (Queued: 6)",
                "Audio queue full, skipping ID <n> (Queued: <n>)",
            ),
            (
                "Server disconnected: 3 consecutive ping failures.",
                "Server disconnected: <n> consecutive ping failures.",
            ),
            (
                "Could not GetDisplayModeList: 887A0022",
                "Could not GetDisplayModeList: <id>",
            ),
            (
                "Failed to open C:\\Users\\noah\\AppData\\x.dll (0x80070005)",
                "Failed to open <path> (<hex>)",
            ),
            (
                "/usr/lib/libva.so.2: cannot open shared object",
                "<path>: cannot open shared object",
            ),
            (
                "connect to 52.237.153.167:443 failed after 1.5e3 ms",
                "connect to <addr> failed after <n> ms",
            ),
            (
                "Dropped frame 18233: decoder busy for 41ms",
                "Dropped frame <n>: decoder busy for <n>ms",
            ),
            (
                "upload of client19772.txt  failed",
                "upload of client<n>.txt failed",
            ),
            (
                "Ping received no response: -12",
                "Ping received no response: <n>",
            ),
        ];
        for (msg, want) in cases {
            assert_eq!(normalize(msg), want, "{msg}");
        }
    }

    #[test]
    fn same_template_counts_together_and_is_capped() {
        let mut c = TemplateCounter::default();
        c.add(Level::Error, b"Dropped frame 1", 1);
        c.add(Level::Error, b"Dropped frame 22", 2);
        c.add(Level::Warning, b"Dropped frame 3", 3);
        let s = c.sorted();
        assert_eq!(s[0].count, 2);
        assert_eq!(s[0].example, "Dropped frame 1");
        assert_eq!(s[0].first_line, 1);
        assert_eq!(s[1].level, Level::Warning);

        let mut c = TemplateCounter::default();
        for i in 0..MAX_TEMPLATES + 50 {
            // digits spelled as letters, so every message is its own template
            let word: String = i
                .to_string()
                .bytes()
                .map(|d| char::from(d - b'0' + b'a'))
                .collect();
            c.add(Level::Error, format!("unique {word}").as_bytes(), 1);
        }
        let s = c.sorted();
        assert!(s.len() <= MAX_TEMPLATES + 1);
        assert_eq!(
            s.iter().map(|t| t.count).sum::<u64>(),
            (MAX_TEMPLATES + 50) as u64
        );
    }

    #[test]
    fn long_messages_are_cut_on_char_boundary() {
        let msg = "é".repeat(400);
        let t = normalize(&msg);
        assert!(t.len() <= MAX_TEMPLATE_BYTES + 3);
        assert!(t.ends_with('…'));
    }
}

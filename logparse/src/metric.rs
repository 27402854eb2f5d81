//! The four metric series and how a message becomes a metric point.

use serde::{Deserialize, Serialize};

use crate::text::is_ascii_ws;

/// One of the four metrics a streaming-session log reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Network round trip, seconds (client log, `Latency:`).
    Latency,
    /// Decode time per frame, seconds (client log, `Avg Decode Time:`).
    DecodeTime,
    /// Encode time per frame, seconds (server log, `Average Encode Time:`).
    EncodeTime,
    /// Encoded frame size, bytes (server log, `Average Encode Size:`).
    EncodeSize,
}

impl Metric {
    /// All metrics, in the order reports list them.
    pub const ALL: [Metric; 4] = [
        Metric::Latency,
        Metric::DecodeTime,
        Metric::EncodeTime,
        Metric::EncodeSize,
    ];

    /// The key used in JSON and URLs.
    pub fn key(self) -> &'static str {
        match self {
            Metric::Latency => "latency",
            Metric::DecodeTime => "decode_time",
            Metric::EncodeTime => "encode_time",
            Metric::EncodeSize => "encode_size",
        }
    }

    /// The message prefix that introduces this metric.
    pub fn prefix(self) -> &'static str {
        match self {
            Metric::Latency => "Latency:",
            Metric::DecodeTime => "Avg Decode Time:",
            Metric::EncodeTime => "Average Encode Time:",
            Metric::EncodeSize => "Average Encode Size:",
        }
    }

    /// Index into arrays ordered like [`Metric::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Parses a metric key such as `decode_time`.
    pub fn from_key(key: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.key() == key)
    }

    /// Recognises a metric point in a trimmed message: the prefix, then a
    /// first whitespace-separated token that is a finite number.
    #[inline]
    pub fn match_message(message: &[u8]) -> Option<(Metric, f64)> {
        let metric = match message.first()? {
            b'L' => Metric::Latency,
            b'A' => match message.get(1)? {
                b'v' if message.get(2) == Some(&b'g') => Metric::DecodeTime,
                b'v' => match message.get(15)? {
                    b'T' => Metric::EncodeTime,
                    b'S' => Metric::EncodeSize,
                    _ => return None,
                },
                _ => return None,
            },
            _ => return None,
        };
        let rest = message.strip_prefix(metric.prefix().as_bytes())?;
        parse_first_token(rest).map(|v| (metric, v))
    }
}

/// The first whitespace-separated token of `s`, parsed as a finite number
/// (Python `float()` syntax, including `_` between digits).
fn parse_first_token(s: &[u8]) -> Option<f64> {
    let start = s.iter().position(|&b| !is_ascii_ws(b))?;
    let s = &s[start..];
    let end = s.iter().position(|&b| is_ascii_ws(b)).unwrap_or(s.len());
    let token = &s[..end];
    if token.iter().any(|&b| b >= 0x80) {
        // Unicode whitespace may end (or start) the token: decode and split.
        let text = String::from_utf8_lossy(s);
        let tok = text.split_whitespace().next()?;
        return parse_number(tok.as_bytes());
    }
    parse_number(token)
}

fn parse_number(token: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(token).ok()?;
    let v: f64 = if token.contains(&b'_') {
        // Python accepts single underscores between digits.
        let ok = token
            .windows(3)
            .all(|w| w[1] != b'_' || (w[0].is_ascii_digit() && w[2].is_ascii_digit()))
            && token.first() != Some(&b'_')
            && token.last() != Some(&b'_');
        if !ok {
            return None;
        }
        text.replace('_', "").parse().ok()?
    } else {
        text.parse().ok()?
    };
    v.is_finite().then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Option<(Metric, f64)> {
        Metric::match_message(s.as_bytes())
    }

    #[test]
    fn recognises_the_four_prefixes() {
        assert_eq!(m("Latency: 0.031234"), Some((Metric::Latency, 0.031234)));
        assert_eq!(
            m("Avg Decode Time: 0.004512"),
            Some((Metric::DecodeTime, 0.004512))
        );
        assert_eq!(
            m("Average Encode Time: 0.006012 s"),
            Some((Metric::EncodeTime, 0.006012))
        );
        assert_eq!(
            m("Average Encode Size: 48211.000000"),
            Some((Metric::EncodeSize, 48211.0))
        );
        assert_eq!(m("Latency:0.5"), Some((Metric::Latency, 0.5)));
        assert_eq!(
            m("Latency: \t 1e-3 trailing"),
            Some((Metric::Latency, 0.001))
        );
        assert_eq!(m("Latency: 1_000"), Some((Metric::Latency, 1000.0)));
    }

    #[test]
    fn rejects_look_alikes_and_non_numbers() {
        for s in [
            "Longest Encode Time: 0.1",
            "Longest Encode Size: 100",
            "Latency",
            "Latency:",
            "Latency: abc",
            "Latency: inf",
            "Latency: nan",
            "Latency: 0.5ms",
            "latency: 0.5",
            "Average Encode Tim: 1",
            "Avg Decode Time 1",
            "Latency: 1__0",
            "Latency: _1",
            "A",
            "Av",
        ] {
            assert_eq!(m(s), None, "{s}");
        }
    }
}

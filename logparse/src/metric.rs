//! The four metric series and how a message becomes a metric point.

use crate::text::is_ascii_ws;

words::words! {
    /// One of the four metrics a streaming-session log reports; its word is
    /// the key in JSON and URLs.
    #[derive(Default, PartialOrd, Ord)]
    pub enum Metric {
        /// Network round trip, seconds (client log, `Latency:`); the metric
        /// shown when none is named.
        #[default]
        Latency = "latency",
        /// Decode time per frame, seconds (client log, `Avg Decode Time:`).
        DecodeTime = "decode_time",
        /// Encode time per frame, seconds (server log, `Average Encode Time:`).
        EncodeTime = "encode_time",
        /// Encoded frame size, bytes (server log, `Average Encode Size:`).
        EncodeSize = "encode_size",
    }
}

impl Metric {
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

    /// Recognises a metric point in a trimmed message: the prefix, then a
    /// first whitespace-separated token that is a finite number.
    #[inline]
    pub fn match_message(message: &[u8]) -> Option<(Metric, f64)> {
        // Dispatch on the first byte, then compare fixed-size prefixes
        // (inlined word compares rather than a memcmp call).
        let (metric, rest) = match message.first()? {
            b'L' => (Metric::Latency, strip(message, b"Latency:")?),
            b'A' => match message.get(1)? {
                b'v' if message.get(2) == Some(&b'g') => {
                    (Metric::DecodeTime, strip(message, b"Avg Decode Time:")?)
                }
                b'v' => match message.get(15)? {
                    b'T' => (Metric::EncodeTime, strip(message, b"Average Encode Time:")?),
                    b'S' => (Metric::EncodeSize, strip(message, b"Average Encode Size:")?),
                    _ => return None,
                },
                _ => return None,
            },
            _ => return None,
        };
        parse_first_token(rest).map(|v| (metric, v))
    }
}

#[inline(always)]
fn strip<'a, const N: usize>(message: &'a [u8], prefix: &[u8; N]) -> Option<&'a [u8]> {
    let (head, rest) = message.split_first_chunk::<N>()?;
    (head == prefix).then_some(rest)
}

/// The first whitespace-separated token of `s`, parsed as a finite number
/// (Python `float()` syntax, including `_` between digits).
#[inline(always)]
fn parse_first_token(s: &[u8]) -> Option<f64> {
    // Fast path: spaces, then a plain decimal ended by whitespace or the end,
    // read in one pass.
    let mut i = 0;
    while i < s.len() && s[i] == b' ' {
        i += 1;
    }
    let start = i;
    let (mut mantissa, mut digits, mut frac, mut dot) = (0u64, 0usize, 0usize, false);
    while let Some(&b) = s.get(i) {
        let d = b.wrapping_sub(b'0');
        if d < 10 {
            mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d));
            digits += 1;
            frac += usize::from(dot);
        } else if b == b'.' && !dot {
            dot = true;
        } else if is_ascii_ws(b) {
            break;
        } else {
            return parse_first_token_general(s);
        }
        i += 1;
    }
    if digits > 0 && digits <= 19 && mantissa <= 1 << 53 && frac <= 22 && i > start {
        return Some(mantissa as f64 / POW10[frac]);
    }
    parse_first_token_general(s)
}

#[cold]
fn parse_first_token_general(s: &[u8]) -> Option<f64> {
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

/// Powers of ten exactly representable as f64.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Plain decimals (`[+-]digits[.digits]`, at most 19 digits, mantissa below
/// 2^53, at most 22 fraction digits): mantissa and power of ten are exact, so
/// one IEEE division is correctly rounded and equals `str::parse`. Anything
/// else returns `None` for the general parser.
#[inline(always)]
fn parse_plain_decimal(token: &[u8]) -> Option<f64> {
    let (neg, digits) = match token.first()? {
        b'-' => (true, &token[1..]),
        b'+' => (false, &token[1..]),
        _ => (false, token),
    };
    let (mut mantissa, mut count, mut frac, mut dot) = (0u64, 0usize, 0usize, false);
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d < 10 {
            if count == 19 {
                return None;
            }
            mantissa = mantissa * 10 + u64::from(d);
            count += 1;
            frac += usize::from(dot);
        } else if b == b'.' && !dot {
            dot = true;
        } else {
            return None;
        }
    }
    if count == 0 || mantissa > 1 << 53 || frac > 22 {
        return None;
    }
    let v = mantissa as f64 / POW10[frac];
    Some(if neg { -v } else { v })
}

fn parse_number(token: &[u8]) -> Option<f64> {
    if let Some(v) = parse_plain_decimal(token) {
        return Some(v);
    }
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

    #[test]
    fn plain_decimal_fast_path_equals_std() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..200_000 {
            let int = next() % 10u64.pow((next() % 12) as u32);
            let frac_digits = (next() % 12) as usize;
            let frac = next() % 10u64.pow(frac_digits as u32);
            let s = match next() % 3 {
                0 => format!("{int}"),
                1 => format!("{int}.{frac:0frac_digits$}"),
                _ => format!("-{int}.{frac:0frac_digits$}"),
            };
            let fast = parse_plain_decimal(s.as_bytes());
            let std: f64 = s.parse().unwrap();
            if let Some(f) = fast {
                assert_eq!(f.to_bits(), std.to_bits(), "{s}");
            }
        }
        for s in ["0.031234", "48211.000000", "5.", "-0", "+1.5"] {
            assert_eq!(
                parse_plain_decimal(s.as_bytes()).map(f64::to_bits),
                s.parse::<f64>().ok().map(f64::to_bits),
                "{s}"
            );
        }
        for s in [
            ".",
            "",
            "-",
            "1e5",
            "1.2.3",
            "12345678901234567890",
            "0000000000000000001.5",
        ] {
            assert_eq!(parse_plain_decimal(s.as_bytes()), None, "{s}");
        }
    }

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

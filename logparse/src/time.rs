//! Time-of-day fields: `HH:MM:SS:F` or `HH:MM:SS.F`, F being 1–9 digits.

/// Nanoseconds in one day.
pub const NANOS_PER_DAY: u64 = 86_400 * 1_000_000_000;

/// Parses a trimmed time field into nanoseconds since midnight.
///
/// Accepts exactly two digits each for hours (≤ 23), minutes and seconds
/// (≤ 59), then `:` or `.` and 1–9 digits read as a decimal fraction of a
/// second. Returns `None` for anything else.
#[inline]
pub fn parse_time_of_day(s: &[u8]) -> Option<u64> {
    if s.len() < 10 || s.len() > 18 || s[2] != b':' || s[5] != b':' {
        return None;
    }
    if s[8] != b':' && s[8] != b'.' {
        return None;
    }
    let two = |i: usize| -> Option<u64> {
        let (a, b) = (s[i].wrapping_sub(b'0'), s[i + 1].wrapping_sub(b'0'));
        (a < 10 && b < 10).then_some(u64::from(a) * 10 + u64::from(b))
    };
    let (h, m, sec) = (two(0)?, two(3)?, two(6)?);
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    let frac = &s[9..];
    let mut nanos: u64 = 0;
    for &b in frac {
        let d = b.wrapping_sub(b'0');
        if d >= 10 {
            return None;
        }
        nanos = nanos * 10 + u64::from(d);
    }
    nanos *= 10u64.pow(9 - frac.len() as u32);
    Some(((h * 60 + m) * 60 + sec) * 1_000_000_000 + nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_both_separators_and_precisions() {
        assert_eq!(parse_time_of_day(b"00:00:00:1"), Some(100_000_000));
        assert_eq!(parse_time_of_day(b"21:02:13:123"), Some(75_733_123_000_000));
        assert_eq!(
            parse_time_of_day(b"21:02:13.123456"),
            Some(75_733_123_456_000)
        );
        assert_eq!(
            parse_time_of_day(b"23:59:59:999999999"),
            Some(NANOS_PER_DAY - 1)
        );
    }

    #[test]
    fn rejects_out_of_range_and_bad_shapes() {
        for bad in [
            "24:00:00:000",
            "23:60:00:000",
            "23:00:60:000",
            "1:02:03:004",
            "01:02:03",
            "01:02:03:",
            "01:02:03:1234567890",
            "01-02-03:123",
            "01:02:03,123",
            "01:02:03:12a",
            "+1:02:03:123",
        ] {
            assert_eq!(parse_time_of_day(bad.as_bytes()), None, "{bad}");
        }
    }
}

//! Time-of-day fields: `HH:MM:SS:F` or `HH:MM:SS.F`, F being 1–9 digits.

/// Nanoseconds in one day.
pub const NANOS_PER_DAY: u64 = 86_400 * 1_000_000_000;

/// Multiplier that turns a fraction of n digits into nanoseconds.
const SCALE: [u64; 10] = [
    0,
    100_000_000,
    10_000_000,
    1_000_000,
    100_000,
    10_000,
    1_000,
    100,
    10,
    1,
];

/// The number written by the last `len` (1–8) bytes of `bytes`, if they are
/// all ASCII digits; the other bytes are ignored. Branch-free (SWAR).
#[inline(always)]
fn eight_digits_right_aligned(bytes: [u8; 8], len: usize) -> Option<u64> {
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    let keep = u64::MAX << (8 * (8 - len));
    let x = (u64::from_le_bytes(bytes) & keep) | (ZEROS & !keep);
    if x & HIGH != ZEROS || x.wrapping_add(0x0606_0606_0606_0606) & HIGH != ZEROS {
        return None;
    }
    // Combine digit pairs, then pairs of pairs (first byte most significant).
    let v = (x & 0x0F0F_0F0F_0F0F_0F0F).wrapping_mul(2561) >> 8;
    let v = (v & 0x00FF_00FF_00FF_00FF).wrapping_mul(6_553_601) >> 16;
    Some((v & 0x0000_FFFF_0000_FFFF).wrapping_mul(42_949_672_960_001) >> 32)
}

#[inline(always)]
fn two_digits(a: u8, b: u8) -> Option<u64> {
    let (a, b) = (a.wrapping_sub(b'0'), b.wrapping_sub(b'0'));
    (a < 10 && b < 10).then_some(u64::from(a) * 10 + u64::from(b))
}

/// Parses a trimmed time field into nanoseconds since midnight.
///
/// Accepts exactly two digits each for hours (≤ 23), minutes and seconds
/// (≤ 59), then `:` or `.` and 1–9 digits read as a decimal fraction of a
/// second. Returns `None` for anything else.
#[inline(always)]
pub fn parse_time_of_day(s: &[u8]) -> Option<u64> {
    if s.len() < 10 || s.len() > 18 || s[2] != b':' || s[5] != b':' {
        return None;
    }
    if s[8] != b':' && s[8] != b'.' {
        return None;
    }
    let (h, m, sec) = (
        two_digits(s[0], s[1])?,
        two_digits(s[3], s[4])?,
        two_digits(s[6], s[7])?,
    );
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    let frac_len = s.len() - 9;
    let nanos = if frac_len <= 8 {
        // The fraction is right-aligned in the field's last 8 bytes.
        let (_, last8) = s.split_last_chunk::<8>()?;
        eight_digits_right_aligned(*last8, frac_len)?
    } else {
        let mut n: u64 = 0;
        for &b in &s[9..] {
            let d = b.wrapping_sub(b'0');
            if d >= 10 {
                return None;
            }
            n = n * 10 + u64::from(d);
        }
        n
    } * SCALE[frac_len];
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
    fn swar_digits_match_a_plain_loop() {
        for len in 1..=8usize {
            for n in [
                0u64, 1, 7, 42, 999, 12_345, 9_999_999, 99_999_999, 10_203_040,
            ] {
                let text = format!("xxxxxxxx:{:0len$}", n % 10u64.pow(len as u32));
                let last8: [u8; 8] = text.as_bytes()[text.len() - 8..].try_into().unwrap();
                assert_eq!(
                    eight_digits_right_aligned(last8, len),
                    Some(n % 10u64.pow(len as u32))
                );
            }
        }
        for bad in [*b"00000/00", *b"0000000:", *b"1234567a", *b"\x002345678"] {
            assert_eq!(eight_digits_right_aligned(bad, 8), None, "{bad:?}");
        }
        assert_eq!(eight_digits_right_aligned(*b"ab:12345", 5), Some(12345));
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

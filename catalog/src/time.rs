//! Clock and the inventory's date format.

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Seconds since the Unix epoch (UTC) of an inventory date:
/// `MM/DD/YYYY, HH:MM` (see `docs/formats.md`), or ISO 8601
/// `YYYY-MM-DD[T ]HH:MM[:SS][Z]`. `None` when it is neither.
pub fn parse_last_updated(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, time) = s
        .split_once(", ")
        .or_else(|| s.split_once('T'))
        .or_else(|| s.split_once(' '))?;
    let (year, month, day) = if date.contains('/') {
        let mut it = date.split('/');
        let m = it.next()?;
        let d = it.next()?;
        let y = it.next()?;
        (num(y)?, num(m)?, num(d)?)
    } else {
        let mut it = date.split('-');
        let y = it.next()?;
        let m = it.next()?;
        let d = it.next()?;
        (num(y)?, num(m)?, num(d)?)
    };
    let time = time.trim_end_matches('Z');
    let mut it = time.split(':');
    let hour = num(it.next()?)?;
    let minute = num(it.next()?)?;
    let second = match it.next() {
        Some(s) => num(s.split('.').next()?)?,
        None => 0,
    };
    if it.next().is_some()
        || !(1..=12).contains(&month)
        || !(1..=days_in_month(year, month)).contains(&day)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

fn num(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_formats() {
        // 2020-06-30T21:02:00Z
        assert_eq!(parse_last_updated("06/30/2020, 21:02"), Some(1_593_550_920));
        assert_eq!(
            parse_last_updated("2020-06-30T21:02:00Z"),
            Some(1_593_550_920)
        );
        assert_eq!(parse_last_updated("2020-06-30 21:02"), Some(1_593_550_920));
        assert_eq!(parse_last_updated("01/01/1970, 00:00"), Some(0));
        assert_eq!(parse_last_updated("02/29/2024, 12:00"), Some(1_709_208_000));
    }

    #[test]
    fn rejects_nonsense() {
        for s in [
            "",
            "yesterday",
            "13/01/2020, 10:00",
            "02/30/2021, 10:00",
            "06/30/2020, 24:00",
            "06/30/2020",
            "06/30/2020, 10:00:00:00",
        ] {
            assert_eq!(parse_last_updated(s), None, "{s}");
        }
    }
}

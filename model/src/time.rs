//! Times as logdeck writes them: UTC, one format everywhere.

/// Seconds since the Unix epoch as `YYYY-MM-DD HH:MM:SS` (UTC, proleptic
/// Gregorian calendar).
pub fn utc(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The same time in ISO 8601 (`2025-10-14T12:30:05Z`), for machines.
pub fn iso(secs: i64) -> String {
    format!("{}Z", utc(secs).replacen(' ', "T", 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_in_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00:00");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(utc(1_760_445_005), "2025-10-14 12:30:05");
        assert_eq!(utc(-1), "1969-12-31 23:59:59");
        assert_eq!(utc(253_402_300_799), "9999-12-31 23:59:59");
        assert_eq!(iso(1_760_445_005), "2025-10-14T12:30:05Z");
    }
}

//! Allocation-free text output: numbers, fixed-point decimals, hex, IPs and
//! times written straight into a byte buffer.

/// A cursor that appends formatted pieces to a byte buffer. Methods chain:
/// `m.s("Latency: ").f6(0.031234)`.
pub(crate) struct Out<'a>(pub &'a mut Vec<u8>);

impl Out<'_> {
    /// Appends a string.
    pub(crate) fn s(&mut self, s: &str) -> &mut Self {
        self.0.extend_from_slice(s.as_bytes());
        self
    }

    /// Appends an unsigned decimal.
    pub(crate) fn u(&mut self, v: u64) -> &mut Self {
        push_u64(self.0, v);
        self
    }

    /// Appends a signed decimal.
    pub(crate) fn i(&mut self, v: i64) -> &mut Self {
        if v < 0 {
            self.0.push(b'-');
        }
        push_u64(self.0, v.unsigned_abs());
        self
    }

    /// Appends a non-negative float with exactly six decimals (like `%f`).
    pub(crate) fn f6(&mut self, v: f64) -> &mut Self {
        push_fixed(self.0, v, 6);
        self
    }

    /// Appends a non-negative float with `decimals` decimals (at most 9).
    pub(crate) fn fx(&mut self, v: f64, decimals: u32) -> &mut Self {
        push_fixed(self.0, v, decimals);
        self
    }

    /// Appends `v` in upper-case hex, zero-padded to `width` digits.
    pub(crate) fn hex(&mut self, v: u64, width: usize) -> &mut Self {
        push_hex(self.0, v, width, true);
        self
    }

    /// Appends `v` in lower-case hex, zero-padded to `width` digits.
    pub(crate) fn hexl(&mut self, v: u64, width: usize) -> &mut Self {
        push_hex(self.0, v, width, false);
        self
    }

    /// Appends a dotted IPv4 address.
    pub(crate) fn ip(&mut self, ip: u32) -> &mut Self {
        for (k, shift) in [24u32, 16, 8, 0].iter().enumerate() {
            if k > 0 {
                self.0.push(b'.');
            }
            push_u64(self.0, u64::from((ip >> shift) & 0xFF));
        }
        self
    }
}

/// Appends the decimal digits of `v`.
pub(crate) fn push_u64(buf: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// Appends `v` zero-padded to exactly `width` digits (`v` must fit).
pub(crate) fn push_padded(buf: &mut Vec<u8>, mut v: u64, width: usize) {
    let start = buf.len();
    buf.resize(start + width, b'0');
    for k in (start..start + width).rev() {
        buf[k] = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// Appends `v` rounded to `decimals` decimals.
pub(crate) fn push_fixed(buf: &mut Vec<u8>, v: f64, decimals: u32) {
    let v = if v.is_finite() && v > 0.0 { v } else { 0.0 };
    let scale = 10u64.pow(decimals);
    let scaled = (v * scale as f64).round() as u64;
    push_u64(buf, scaled / scale);
    if decimals > 0 {
        buf.push(b'.');
        push_padded(buf, scaled % scale, decimals as usize);
    }
}

/// Appends `v` in hex, zero-padded to at least `width` digits.
pub(crate) fn push_hex(buf: &mut Vec<u8>, v: u64, width: usize, upper: bool) {
    let digits: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut n = 1;
    while n < 16 && (v >> (4 * n)) != 0 {
        n += 1;
    }
    let n = n.max(width);
    for k in (0..n).rev() {
        let nib = if k >= 16 { 0 } else { (v >> (4 * k)) & 0xF };
        buf.push(digits[nib as usize]);
    }
}

/// Appends `s` left-aligned in a field of `width` (never truncates), like `%-Ns`.
pub(crate) fn push_left(buf: &mut Vec<u8>, s: &str, width: usize) {
    buf.extend_from_slice(s.as_bytes());
    push_spaces(buf, width.saturating_sub(s.len()));
}

/// Appends `s` right-aligned in a field of `width` (never truncates), like `%Ns`.
pub(crate) fn push_right(buf: &mut Vec<u8>, s: &str, width: usize) {
    push_spaces(buf, width.saturating_sub(s.len()));
    buf.extend_from_slice(s.as_bytes());
}

/// Appends `n` spaces.
pub(crate) fn push_spaces(buf: &mut Vec<u8>, mut n: usize) {
    const SPACES: &[u8; 64] = &[b' '; 64];
    while n > 0 {
        let k = n.min(SPACES.len());
        buf.extend_from_slice(&SPACES[..k]);
        n -= k;
    }
}

/// Days since 1970-01-01 to `(year, month, day)` (proleptic Gregorian).
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `(year, month, day)` to days since 1970-01-01.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Minutes since the Unix epoch as `MM/DD/YYYY, HH:MM`.
pub(crate) fn format_minute(minutes: i64) -> String {
    let (y, m, d) = civil_from_days(minutes.div_euclid(1440));
    let mod_day = minutes.rem_euclid(1440);
    let mut b = Vec::with_capacity(17);
    push_padded(&mut b, u64::from(m), 2);
    b.push(b'/');
    push_padded(&mut b, u64::from(d), 2);
    b.push(b'/');
    push_padded(&mut b, y as u64, 4);
    b.extend_from_slice(b", ");
    push_padded(&mut b, (mod_day / 60) as u64, 2);
    b.push(b':');
    push_padded(&mut b, (mod_day % 60) as u64, 2);
    String::from_utf8(b).expect("ascii")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let mut b = Vec::new();
        Out(&mut b)
            .u(0)
            .s(" ")
            .u(18_233)
            .s(" ")
            .i(-11)
            .s(" ")
            .f6(0.031_234)
            .s(" ")
            .f6(48_211.0)
            .s(" ")
            .hex(0x887A_0022, 8)
            .s(" ")
            .hexl(0xab, 4)
            .s(" ")
            .ip(0x34ED_99A7)
            .s(" ")
            .fx(1.25, 1);
        assert_eq!(
            String::from_utf8(b).unwrap(),
            "0 18233 -11 0.031234 48211.000000 887A0022 00ab 52.237.153.167 1.3"
        );
    }

    #[test]
    fn dates() {
        let d = days_from_civil(2020, 6, 30);
        assert_eq!(civil_from_days(d), (2020, 6, 30));
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(format_minute(d * 1440 + 21 * 60 + 2), "06/30/2020, 21:02");
        assert_eq!(
            format_minute(days_from_civil(2020, 3, 1) * 1440 - 1),
            "02/29/2020, 23:59"
        );
    }
}

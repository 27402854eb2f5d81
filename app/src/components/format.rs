//! Numbers as the dashboard writes them.

/// `1234567` → `1,234,567`.
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let sign = if n < 0 { "-" } else { "" };
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

/// Seconds as milliseconds with sensible precision: `0.03123` → `31.2 ms`.
pub fn ms(seconds: f64) -> String {
    let v = seconds * 1000.0;
    if v.abs() >= 100.0 {
        format!("{v:.0} ms")
    } else if v.abs() >= 10.0 {
        format!("{v:.1} ms")
    } else {
        format!("{v:.2} ms")
    }
}

/// Bytes with a unit: `48211` → `47.1 KiB`.
pub fn bytes(b: f64) -> String {
    let units = ["B", "KiB", "MiB", "GiB"];
    let mut v = b;
    let mut u = 0;
    while v.abs() >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{v:.0} B")
    } else {
        format!("{v:.1} {}", units[u])
    }
}

/// A percentage: `2.345` → `2.3%`; tiny non-zero values stay visible.
pub fn pct(p: f64) -> String {
    if p > 0.0 && p < 0.1 {
        "<0.1%".into()
    } else {
        format!("{p:.1}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(-1234567), "-1,234,567");
        assert_eq!(ms(0.031234), "31.2 ms");
        assert_eq!(ms(0.0045), "4.50 ms");
        assert_eq!(ms(0.25), "250 ms");
        assert_eq!(bytes(48211.0), "47.1 KiB");
        assert_eq!(bytes(12.0), "12 B");
        assert_eq!(pct(0.04), "<0.1%");
        assert_eq!(pct(12.345), "12.3%");
    }
}

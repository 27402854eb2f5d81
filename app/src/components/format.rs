//! Numbers and times as the dashboard writes them. Every time is UTC,
//! written one way (`2025-10-14 12:30:05`), with how long ago it was as a
//! hint.

use leptos::prelude::*;

pub use model::group_thousands;

/// Seconds as milliseconds with sensible precision: `0.03123` → `31.2 ms`.
pub fn ms(seconds: f64) -> String {
    let v = seconds * 1000.0;
    if v == 0.0 {
        "0 ms".into()
    } else if v.abs() >= 100.0 {
        format!("{v:.0} ms")
    } else if v.abs() >= 10.0 {
        format!("{v:.1} ms")
    } else {
        format!("{v:.2} ms")
    }
}

/// A span of time in its largest fitting unit: `250 ms`, `45 s`, `15 min`,
/// `2 h`.
pub fn span(seconds: f64) -> String {
    match seconds {
        s if s < 1.0 => format!("{:.0} ms", s * 1000.0),
        s if s < 120.0 => format!("{s:.0} s"),
        s if s < 7200.0 => format!("{:.0} min", s / 60.0),
        s => format!("{:.0} h", s / 3600.0),
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

pub use model::time::utc;

/// A measure's value in its unit: `412 ms`, `47.1 KiB`, `2.3%`.
pub fn measure(m: model::Measure, v: f64) -> String {
    match m.unit() {
        model::population::Unit::Seconds => ms(v),
        model::population::Unit::Bytes => bytes(v),
        model::population::Unit::Percent => pct(v),
    }
}

/// A change of a measure, signed: `+24.0 ms`, `-1.2 KiB`.
pub fn change(m: model::Measure, d: f64) -> String {
    let sign = if d < 0.0 { "-" } else { "+" };
    format!("{sign}{}", measure(m, d.abs()))
}

/// Why a session is an outlier, in words: "p95 latency 412 ms, 6.8× this
/// build's typical 61.0 ms (build 1A32)"; the robust score is for a hover.
pub fn outlier_reason(n: &model::OutlierNote) -> String {
    let ratio = n.value / n.median;
    let times = if n.median <= 0.0 || !ratio.is_finite() {
        "far above".to_string()
    } else if ratio >= 10.0 {
        format!("{ratio:.0}×")
    } else {
        format!("{ratio:.1}×")
    };
    format!(
        "{} {}, {times} this build's typical {} (build {})",
        n.measure.label(),
        measure(n.measure, n.value),
        measure(n.measure, n.median),
        n.version
    )
}

/// The figure behind [`outlier_reason`]: "7.9 robust standard deviations
/// (1.4826 × MAD) above the build's median".
pub fn outlier_score(n: &model::OutlierNote) -> String {
    if n.score >= 1e6 {
        "far more robust standard deviations (1.4826 × MAD) above the build's median than can be counted".into()
    } else {
        format!(
            "{:.1} robust standard deviations (1.4826 × MAD) above the build's median",
            n.score
        )
    }
}

/// How long before `now` the time `secs` was: `just now`, `5 min ago`,
/// `3 h ago`, `12 days ago`, `2 years ago` (`in the future` after `now`).
pub fn ago(secs: i64, now: i64) -> String {
    let d = now - secs;
    match d {
        d if d < -60 => "in the future".into(),
        d if d < 60 => "just now".into(),
        d if d < 3600 => format!("{} min ago", d / 60),
        d if d < 86_400 => format!("{} h ago", d / 3600),
        d if d < 2 * 86_400 => "1 day ago".into(),
        d if d < 2 * 365 * 86_400 => format!("{} days ago", d / 86_400),
        d => format!("{} years ago", d / (365 * 86_400)),
    }
}

/// Seconds since the Unix epoch, now.
pub fn now_secs() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        window()
            .performance()
            .map_or(0, |p| ((p.time_origin() + p.now()) / 1000.0) as i64)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    }
}

/// A time in the one format, with how long ago as its hover text. `secs`
/// 0 means the source's text could not be read as a time: it is shown as
/// written.
#[component]
pub fn Time(secs: i64, #[prop(into)] written: String) -> impl IntoView {
    if secs == 0 {
        return view! { <span title="not a time logdeck can read">{written}</span> }.into_any();
    }
    let iso = utc(secs);
    let machine = model::time::iso(secs);
    view! {
        <time datetime=machine title=format!("{} · {iso} UTC", ago(secs, now_secs()))>
            // The year can be left out where room is short (beside a run).
            <span class="yr">{iso.get(..5).unwrap_or_default().to_string()}</span>{iso.get(5..).unwrap_or(&iso).to_string()}
        </time>
    }
    .into_any()
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
        assert_eq!(change(model::Measure::LatencyP95, -0.0121), "-12.1 ms");
        assert_eq!(change(model::Measure::SizeP50, 2048.0), "+2.0 KiB");
        let note = model::OutlierNote {
            measure: model::Measure::LatencyP95,
            value: 0.412,
            score: 7.94,
            median: 0.061,
            version: "1A32".into(),
        };
        assert_eq!(
            outlier_reason(&note),
            "p95 latency 412 ms, 6.8× this build's typical 61.0 ms (build 1A32)"
        );
        let zero = model::OutlierNote {
            median: 0.0,
            ..note.clone()
        };
        assert_eq!(
            outlier_reason(&zero),
            "p95 latency 412 ms, far above this build's typical 0 ms (build 1A32)"
        );
    }

    #[test]
    fn times() {
        assert_eq!(ago(100, 100), "just now");
        assert_eq!(ago(0, 3_599), "59 min ago");
        assert_eq!(ago(0, 90_000), "1 day ago");
        assert_eq!(ago(0, 200_000), "2 days ago");
        assert_eq!(ago(0, 3 * 365 * 86_400), "3 years ago");
        assert_eq!(ago(1000, 0), "in the future");
    }
}

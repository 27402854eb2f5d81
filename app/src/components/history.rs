//! A user's history: their sessions over time, each metric's per-session
//! p95 (and error %) as a trend with the outliers marked and the builds
//! they moved through, and the sessions themselves, each a link to its run.

use leptos::prelude::*;
use model::{HistoryPoint, Measure, UserHistory};

use super::format::{Time, group_thousands, measure};
use super::loaded::loaded;
use super::nav::Nav;
use crate::client::get_json;
use crate::view::Page;

/// The trends drawn, in order.
const TRENDS: [Measure; 5] = [
    Measure::LatencyP95,
    Measure::DecodeP95,
    Measure::EncodeP95,
    Measure::SizeP95,
    Measure::ErrorPct,
];

/// Sessions listed under the trends (the newest).
const LISTED: usize = 200;

#[component]
pub fn History(user: String) -> impl IntoView {
    let nav = Nav::get();
    let name = user.clone();
    let history = LocalResource::new(move || {
        get_json::<UserHistory>(format!("/api/users/{}/history", crate::view::encode(&name)))
    });
    let runs_href = nav
        .view
        .with_untracked(|v| v.href_after(|v| v.page = Page::Runs));
    view! {
        <section class="history" data-testid="history" aria-label=format!("History of {user}")>
            <div class="page-head">
                <h2>"History of " <span class="mono">{user.clone()}</span></h2>
                <a class="link" href=runs_href data-testid="back-to-runs"
                    on:click=move |ev| { ev.prevent_default(); nav.push(|v| v.page = Page::Runs) }>"← runs"</a>
            </div>
            {move || loaded(history.get(), "Reading their sessions…", |h| view! { <HistoryBody h/> }.into_any())}
        </section>
    }
}

#[component]
fn HistoryBody(h: UserHistory) -> impl IntoView {
    let shown = h.points.len();
    let summary = format!(
        "{} sessions{} · builds: {}",
        group_thousands(h.sessions as i64),
        if (shown as u64) < h.sessions {
            format!(" (the newest {} shown)", group_thousands(shown as i64))
        } else {
            String::new()
        },
        if h.builds.is_empty() {
            "none named".to_string()
        } else {
            h.builds.join(" → ")
        }
    );
    let outliers = h.points.iter().filter(|p| p.outlier.is_some()).count();
    let has = |m: Measure| {
        let i = m.index();
        h.points
            .iter()
            .any(|p| p.values.get(i).copied().flatten().is_some())
    };
    let (measured, unmeasured): (Vec<Measure>, Vec<Measure>) =
        TRENDS.iter().partition(|m| has(**m));
    let unmeasured: Vec<&str> = unmeasured.iter().map(|m| m.label()).collect();
    let points = std::sync::Arc::new(h.points);
    view! {
        <p class="facts" data-testid="history-summary">{summary}
            {(outliers > 0).then(|| format!(" · {outliers} outlier sessions"))}
        </p>
        <div class="trends">
            {measured.iter().map(|&m| view! { <Trend m points=points.clone()/> }).collect_view()}
        </div>
        {(!unmeasured.is_empty()).then(|| view! {
            <p class="muted">{format!("Not measured in their sessions: {}.", unmeasured.join(", "))}</p>
        })}
        <HistoryTable points=points.clone()/>
    }
}

/// Where a session sits on a trend's time axis (0–100), between the first
/// and the last session's times.
fn time_x(at: i64, (t0, t1): (i64, i64)) -> f64 {
    if t1 <= t0 {
        50.0
    } else {
        (at - t0) as f64 / (t1 - t0) as f64 * 100.0
    }
}

/// Where a trend's line breaks: a pause between two measured sessions much
/// longer than usual (ten times the median, and at least an hour) is a
/// gap, not a slope.
fn gap_after(times: &[i64]) -> i64 {
    let mut d: Vec<i64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    if d.len() < 2 {
        return i64::MAX;
    }
    let mid = d.len() / 2;
    let (_, m, _) = d.select_nth_unstable(mid);
    (*m * 10).max(3_600)
}

/// The builds in time order as bands: (version, from x, to x), each
/// from its first session to the next build's first.
fn build_bands(points: &[HistoryPoint], span: (i64, i64)) -> Vec<(String, f64, f64)> {
    let mut bands: Vec<(String, f64, f64)> = Vec::new();
    for p in points {
        let v = p.version.clone().unwrap_or_else(|| "unknown build".into());
        let x = time_x(p.at, span);
        match bands.last_mut() {
            Some(last) if last.0 == v => last.2 = x,
            Some(last) => {
                last.2 = x;
                bands.push((v, x, x));
            }
            None => bands.push((v, x, x)),
        }
    }
    if let Some(last) = bands.last_mut() {
        last.2 = 100.0;
    }
    bands
}

/// A time on a trend's axis: the date, and the time of day when the whole
/// span is under two days.
fn axis_time(at: i64, span: (i64, i64)) -> String {
    let t = super::format::utc(at);
    if span.1 - span.0 < 2 * 86_400 {
        t.get(5..16).unwrap_or(&t).to_string()
    } else {
        t.get(..10).unwrap_or(&t).to_string()
    }
}

/// One measure over the sessions (at least one has it), on a time axis:
/// the builds as bands, a line through the values that breaks across long
/// pauses, every session a dot and outliers marked.
#[component]
fn Trend(m: Measure, points: std::sync::Arc<Vec<HistoryPoint>>) -> impl IntoView {
    let i = m.index();
    let span = (
        points.first().map_or(0, |p| p.at),
        points.last().map_or(0, |p| p.at),
    );
    let values: Vec<(i64, f64, bool, i64)> = points
        .iter()
        .filter_map(|p| {
            p.values
                .get(i)
                .copied()
                .flatten()
                .map(|v| (p.at, v, p.outlier == Some(m), p.run_id))
        })
        .collect();
    let max = values.iter().map(|v| v.1).fold(0.0f64, f64::max);
    let top = max.max(f64::MIN_POSITIVE);
    let y = move |v: f64| 38.0 - v / top * 36.0;
    let gap = gap_after(&values.iter().map(|v| v.0).collect::<Vec<_>>());
    let mut lines: Vec<Vec<String>> = Vec::new();
    for (k, v) in values.iter().enumerate() {
        if k == 0 || v.0 - values[k - 1].0 > gap {
            lines.push(Vec::new());
        }
        if let Some(l) = lines.last_mut() {
            l.push(format!("{:.2},{:.2}", time_x(v.0, span), y(v.1)));
        }
    }
    let gaps = lines.len().saturating_sub(1);
    let bands = build_bands(&points, span);
    let band_views = bands
        .iter()
        .enumerate()
        .map(|(k, (v, a, b))| view! {
            <rect class=if k % 2 == 0 { "band even" } else { "band odd" } x=format!("{a:.2}") y="0" width=format!("{:.2}", (b - a).max(0.3)) height="40">
                <title>{format!("build {v}")}</title>
            </rect>
        })
        .collect_view();
    // A label starts at its band, or in the right half ends with it, so a
    // build whose sessions bunch at either end keeps its name in the chart;
    // labels alternate between two rows so narrow neighbours do not cover
    // each other.
    let rows = if bands.len() > 1 { "two" } else { "one" };
    let band_labels = bands
        .iter()
        .enumerate()
        .map(|(k, (v, a, b))| {
            let (left, right) = if *a <= 50.0 {
                (Some(format!("{a:.2}%")), None)
            } else {
                (None, Some(format!("{:.2}%", 100.0 - b)))
            };
            let room = if *a <= 50.0 { 100.0 - a } else { *b };
            view! {
                <span class="band-label mono" class:second=k % 2 == 1 class:end=right.is_some() title=format!("build {v}")
                    style:left=left style:right=right style:width=format!("{:.2}%", (b - a).max(0.0))
                    style:max-width=format!("{room:.2}%")>{v.clone()}</span>
            }
        })
        .collect_view();
    // Dots as round caps of zero-length strokes: they stay round however the
    // chart is stretched.
    let dots = values
        .iter()
        .map(|v| {
            let class = if v.2 { "dot outlier" } else { "dot" };
            let (cx, cy) = (time_x(v.0, span), y(v.1));
            view! {
                <path class=class d=format!("M{cx:.2},{cy:.2}h0") vector-effect="non-scaling-stroke">
                    <title>{format!("run {}: {}", v.3, measure(m, v.1))}</title>
                </path>
            }
        })
        .collect_view();
    let last = values.last().map(|v| measure(m, v.1)).unwrap_or_default();
    view! {
        <figure class="trend" data-measure=m.as_str() data-gaps=gaps>
            <figcaption><span>{m.label()}</span><span class="mono">{format!("latest {last} · max {}", measure(m, max))}</span></figcaption>
            <svg viewBox="0 0 100 40" preserveAspectRatio="none" role="img"
                aria-label=format!("{} over {} sessions from {} to {}, across {} builds", m.label(), values.len(), axis_time(span.0, span), axis_time(span.1, span), bands.len())>
                {band_views}
                {lines.into_iter().map(|l| view! { <polyline points=l.join(" ") vector-effect="non-scaling-stroke"/> }).collect_view()}
                {dots}
            </svg>
            <div class=format!("bands {rows}") aria-hidden="true">{band_labels}</div>
            <div class="time-axis mono muted" data-testid="time-axis">
                <span>{axis_time(span.0, span)}</span>
                <span>{axis_time(span.0 + (span.1 - span.0) / 2, span)}</span>
                <span>{axis_time(span.1, span)}</span>
            </div>
        </figure>
    }
}

/// The sessions, newest first, each opening its run.
#[component]
fn HistoryTable(points: std::sync::Arc<Vec<HistoryPoint>>) -> impl IntoView {
    let nav = Nav::get();
    let rows = points
        .iter()
        .rev()
        .take(LISTED)
        .map(|p| {
            let id = p.run_id;
            let open = move |v: &mut crate::view::View| {
                v.page = Page::Runs;
                v.run = Some(id);
                v.log = None;
                v.line = None;
            };
            let href = nav.view.with_untracked(|v| v.href_after(open));
            let cell = |i: usize, m: Measure| p.values.get(i).copied().flatten().map(|v| measure(m, v)).unwrap_or_else(|| "—".into());
            view! {
                <tr data-run=id class:outlier=p.outlier.is_some()>
                    <td class="mono"><a href=href data-testid="history-run" on:click=move |ev| { ev.prevent_default(); nav.push(open) }>{id}</a></td>
                    <td class="mono"><Time secs=p.at written=String::new()/></td>
                    <td class="mono ellipsis">{p.version.clone().unwrap_or_else(|| "—".into())}</td>
                    {TRENDS.iter().map(|&m| view! { <td class="num mono">{cell(m.index(), m)}</td> }).collect_view()}
                    <td>{p.outlier.map(|m| view! { <span class="badge outlier" title=format!("outlier on {}", m.label())>"outlier"</span> })}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="history-runs">
            <thead><tr><th>"run"</th><th>"time (UTC)"</th><th>"build"</th>
                {TRENDS.iter().map(|m| view! { <th class="num">{m.label()}</th> }).collect_view()}
                <th></th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

#[cfg(test)]
mod tests {
    use super::{build_bands, gap_after, time_x};
    use model::HistoryPoint;

    fn at(at: i64, version: &str) -> HistoryPoint {
        HistoryPoint {
            run_id: at,
            at,
            version: Some(version.into()),
            values: vec![],
            outlier: None,
        }
    }

    #[test]
    fn sessions_sit_on_a_time_axis_with_builds_as_bands_and_long_pauses_as_gaps() {
        assert_eq!(time_x(150, (100, 200)), 50.0);
        assert_eq!(time_x(5, (5, 5)), 50.0);
        let pts = [at(0, "A"), at(100, "A"), at(200, "B"), at(1000, "C")];
        assert_eq!(
            build_bands(&pts, (0, 1000)),
            vec![
                ("A".to_string(), 0.0, 20.0),
                ("B".to_string(), 20.0, 100.0),
                ("C".to_string(), 100.0, 100.0),
            ]
        );
        // Daily sessions with one pause of a month: one gap.
        let mut times: Vec<i64> = (0..10).map(|d| d * 86_400).collect();
        times.push(40 * 86_400);
        let gap = gap_after(&times);
        assert_eq!(times.windows(2).filter(|w| w[1] - w[0] > gap).count(), 1);
        // Sessions minutes apart, then again the next day: a gap.
        let times = [0, 240, 480, 720, 86_000, 86_240];
        let gap = gap_after(&times);
        assert_eq!(times.windows(2).filter(|w| w[1] - w[0] > gap).count(), 1);
    }
}

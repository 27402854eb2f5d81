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

/// One measure over the sessions (at least one has it): a line through
/// the values, outliers as dots, a mark where the build changes.
#[component]
fn Trend(m: Measure, points: std::sync::Arc<Vec<HistoryPoint>>) -> impl IntoView {
    let i = m.index();
    // Sessions are spaced evenly, in time order (their times can bunch).
    let n = points.len();
    let x = move |k: usize| {
        if n <= 1 {
            50.0
        } else {
            k as f64 / (n - 1) as f64 * 100.0
        }
    };
    let values: Vec<(usize, f64, bool, i64)> = points
        .iter()
        .enumerate()
        .filter_map(|(k, p)| {
            p.values
                .get(i)
                .copied()
                .flatten()
                .map(|v| (k, v, p.outlier == Some(m), p.run_id))
        })
        .collect();
    let max = values.iter().map(|v| v.1).fold(0.0f64, f64::max);
    let top = max.max(f64::MIN_POSITIVE);
    let y = move |v: f64| 38.0 - v / top * 36.0;
    let line = values
        .iter()
        .map(|v| format!("{:.2},{:.2}", x(v.0), y(v.1)))
        .collect::<Vec<_>>()
        .join(" ");
    // Where the build changes (between consecutive sessions).
    let changes: Vec<f64> = points
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w[0].version != w[1].version)
        .map(|(k, _)| (x(k) + x(k + 1)) / 2.0)
        .collect();
    let dots = values
        .iter()
        .filter(|v| v.2)
        .map(|v| view! { <circle class="outlier" cx=format!("{:.2}", x(v.0)) cy=format!("{:.2}", y(v.1)) r="1.6"><title>{format!("run {}: {}", v.3, measure(m, v.1))}</title></circle> })
        .collect_view();
    let last = values.last().map(|v| measure(m, v.1)).unwrap_or_default();
    view! {
        <figure class="trend" data-measure=m.as_str()>
            <figcaption><span>{m.label()}</span><span class="mono">{format!("latest {last} · max {}", measure(m, max))}</span></figcaption>
            <svg viewBox="0 0 100 40" preserveAspectRatio="none" role="img" aria-label=format!("{} over {} sessions", m.label(), values.len())>
                {changes.into_iter().map(|cx| view! { <line class="build-change" x1=format!("{cx:.2}") x2=format!("{cx:.2}") y1="0" y2="40"/> }).collect_view()}
                <polyline points=line vector-effect="non-scaling-stroke"/>
                {dots}
            </svg>
        </figure>
    }
}

/// The sessions, newest first, each opening its run.
#[component]
fn HistoryTable(points: std::sync::Arc<Vec<HistoryPoint>>) -> impl IntoView {
    let nav = Nav::get();
    let (lat, err) = (Measure::LatencyP95.index(), Measure::ErrorPct.index());
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
                    <td class="num mono">{cell(lat, Measure::LatencyP95)}</td>
                    <td class="num mono">{cell(err, Measure::ErrorPct)}</td>
                    <td>{p.outlier.map(|m| view! { <span class="badge outlier" title=format!("outlier on {}", m.label())>"outlier"</span> })}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="history-runs">
            <thead><tr><th>"run"</th><th>"time (UTC)"</th><th>"build"</th><th class="num">"p95 latency"</th><th class="num">"error %"</th><th></th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

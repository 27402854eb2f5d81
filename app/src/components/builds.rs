//! The builds view: every protocol build compared with its baseline,
//! worse builds first, each metric's distribution over the build's
//! sessions as a small multiple on an axis common to every build.

use leptos::prelude::*;
use model::{BuildMeasure, BuildReport, BuildsReport, Comparison, Measure, MeasureAxis, Verdict};

use super::format::{Time, change, group_thousands, measure};
use super::loaded::loaded;
use super::nav::Nav;
use crate::client::get_json;
use crate::view::Page;

/// The cells of a build: each metric's p95 (error % has one figure).
/// A cell is marked when either of its metric's measures is.
const CELLS: [(Measure, Option<Measure>); 5] = [
    (Measure::LatencyP95, Some(Measure::LatencyP50)),
    (Measure::DecodeP95, Some(Measure::DecodeP50)),
    (Measure::EncodeP95, Some(Measure::EncodeP50)),
    (Measure::SizeP95, Some(Measure::SizeP50)),
    (Measure::ErrorPct, None),
];

/// Milliseconds between reads while builds are being brought up to date.
const UPDATING_POLL_MS: u32 = 2000;

fn verdict_words(v: Verdict) -> &'static str {
    match v {
        Verdict::Worse => "worse",
        Verdict::Better => "better",
        Verdict::Same => "no change",
        Verdict::TooFew => "too few sessions",
        Verdict::Baseline => "baseline",
    }
}

fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Worse => "worse",
        Verdict::Better => "better",
        Verdict::Same => "same",
        Verdict::TooFew => "few",
        Verdict::Baseline => "base",
    }
}

/// The figures behind a comparison, for a hover:
/// `p95 latency +24.0 ms (δ 0.62, adjusted p 3.0e-12)`.
fn comparison_figures(m: Measure, c: &Comparison) -> String {
    format!(
        "{} {} (Cliff's δ {:.2}, adjusted p {:.1e})",
        m.label(),
        change(m, c.median_change),
        c.cliffs_delta,
        c.p_adjusted
    )
}

/// How often a session of the build is higher than one of the baseline,
/// from Cliff's delta (ties split evenly), in percent.
fn higher_share(c: &Comparison) -> f64 {
    (1.0 + c.cliffs_delta) / 2.0 * 100.0
}

/// A comparison in plain words: `p95 latency +24.0 ms: higher than the
/// baseline's in 81 % of session pairs`, or why it says nothing yet.
pub fn comparison_words(m: Measure, c: &Comparison, sessions: u64) -> String {
    let delta = change(m, c.median_change);
    let share = higher_share(c);
    if c.worse {
        format!(
            "{} {delta}: higher than the baseline's in {share:.0} % of session pairs",
            m.label()
        )
    } else if c.better {
        format!(
            "{} {delta}: lower than the baseline's in {:.0} % of session pairs",
            m.label(),
            100.0 - share
        )
    } else {
        format!(
            "{} {delta}, not conclusive yet: {} measured sessions could be chance",
            m.label(),
            group_thousands(sessions as i64)
        )
    }
}

/// Why a build is not compared, in words.
fn too_few_words(b: &BuildReport, base: Option<&BuildReport>, min: u64) -> String {
    let n = |x: u64| group_thousands(x as i64);
    match base {
        Some(base) if base.measured < min => format!(
            "Not compared: its baseline {} has {} measured sessions, {} needed. The changes shown are of the medians only.",
            base.version,
            n(base.measured),
            n(min)
        ),
        _ => format!(
            "Not compared: this build has {} measured sessions, {} needed. The changes shown are of the medians only.",
            n(b.measured),
            n(min)
        ),
    }
}

#[component]
pub fn Builds() -> impl IntoView {
    let nav = Nav::get();
    let baseline = Memo::new(move |_| nav.view.with(|v| v.baseline.clone()));
    let tick = RwSignal::new(0u32);
    let report = LocalResource::new(move || {
        let b = baseline.get();
        tick.track();
        let url = match b {
            Some(b) => format!("/api/builds?baseline={}", crate::view::encode(&b)),
            None => "/api/builds".into(),
        };
        get_json::<BuildsReport>(url)
    });
    // While figures are being recomputed, read again.
    Effect::new(move |_| {
        if let Some(Ok(r)) = report.get()
            && r.updating > 0
        {
            set_timeout(
                move || tick.update(|t| *t += 1),
                std::time::Duration::from_millis(u64::from(UPDATING_POLL_MS)),
            );
        }
    });
    let runs_href = move || nav.view.with(|v| v.href_after(|v| v.page = Page::Runs));
    view! {
        <section class="builds" data-testid="builds" aria-label="Builds">
            <div class="page-head">
                <h2>"Builds"</h2>
                <a class="link" href=runs_href data-testid="back-to-runs"
                    on:click=move |ev| { ev.prevent_default(); nav.push(|v| v.page = Page::Runs) }>"← runs"</a>
                {move || report.get().and_then(Result::ok).map(|r| view! { <Rules r=r.clone()/> })}
            </div>
            {move || loaded(report.get(), "Comparing builds…", |v| match v {
                r if r.builds.is_empty() => view! {
                    <p class="muted" data-testid="builds-empty">"No build has a session yet: builds appear as runs are imported and their logs indexed."</p>
                }.into_any(),
                r => {
                    let axes = r.axes.clone();
                    let all = std::sync::Arc::new(r.builds.clone());
                    let min = r.rules.min_sessions;
                    view! {
                        {(r.updating > 0).then(|| view! {
                            <p class="muted" data-testid="builds-updating">{format!("Bringing {} builds up to date with newly indexed logs…", r.updating)}</p>
                        })}
                        <div class="build-list">
                            {r.builds.into_iter().map(|b| {
                                let base = b.baseline.as_ref().and_then(|v| all.iter().find(|x| &x.version == v)).cloned();
                                view! { <BuildCard b base axes=axes.clone() min/> }
                            }).collect_view()}
                        </div>
                    }.into_any()
                }
            })}
        </section>
    }
}

/// The baseline picker and the rules the verdicts follow.
#[component]
fn Rules(r: BuildsReport) -> impl IntoView {
    let nav = Nav::get();
    let versions: Vec<String> = {
        let mut v: Vec<(i64, String)> = r
            .builds
            .iter()
            .map(|b| (b.first_seen, b.version.clone()))
            .collect();
        v.sort();
        v.into_iter().map(|(_, v)| v).collect()
    };
    let picked = r.baseline.clone().unwrap_or_default();
    let rules = r.rules;
    view! {
        <label class="baseline">
            "Compare with "
            <select data-testid="baseline" prop:value=picked.clone()
                on:change=move |ev| {
                    let b = event_target_value(&ev);
                    nav.push(|v| v.baseline = (!b.is_empty()).then_some(b));
                }>
                <option value="" selected=picked.is_empty()>"the build before each"</option>
                {versions.into_iter().map(|v| {
                    let sel = v == picked;
                    view! { <option value=v.clone() selected=sel>{v.clone()}</option> }
                }).collect_view()}
            </select>
        </label>
        <span class="muted rules" data-testid="rules"
            title=format!(
                "Worse: a Mann–Whitney U test with Holm-adjusted p ≤ {} over {} comparisons, and Cliff's δ ≥ {}; at least {} measured sessions on each side",
                rules.alpha, r.comparisons, rules.min_delta, rules.min_sessions
            )>
            {format!(
                "A build is marked worse when a measure is higher than its baseline's in at least {:.0} % of session pairs, too often to be chance across the {} comparisons here; each side needs {} measured sessions.",
                (1.0 + rules.min_delta) / 2.0 * 100.0,
                group_thousands(r.comparisons as i64),
                rules.min_sessions
            )}
        </span>
    }
}

#[component]
fn BuildCard(
    b: BuildReport,
    base: Option<BuildReport>,
    axes: Vec<MeasureAxis>,
    min: u64,
) -> impl IntoView {
    let nav = Nav::get();
    let version = b.version.clone();
    // The build's runs (or its outliers) in the table.
    let to_runs = move |version: String, outliers: bool| {
        move |view: &mut crate::view::View| {
            view.page = Page::Runs;
            view.version = Some(version);
            view.outliers = outliers;
            view.run = None;
        }
    };
    let runs = nav
        .view
        .with_untracked(|view| view.href_after(to_runs(version.clone(), false)));
    let outliers_href = nav
        .view
        .with_untracked(|view| view.href_after(to_runs(version.clone(), true)));
    let go = move |outliers: bool| {
        let version = version.clone();
        move |ev: leptos::ev::MouseEvent| {
            ev.prevent_default();
            nav.push(to_runs(version.clone(), outliers));
        }
    };
    let reasons: Vec<String> = b
        .measures
        .iter()
        .filter_map(|m| {
            m.comparison
                .filter(|c| c.worse || c.better)
                .map(|c| comparison_words(m.measure, &c, m.sessions))
        })
        .collect();
    let too_few = (b.verdict == Verdict::TooFew).then(|| too_few_words(&b, base.as_ref(), min));
    let measured = b.measured;
    let by = |m: Measure| b.measures.iter().find(|x| x.measure == m).cloned();
    let base_of = |m: Measure| {
        base.as_ref()
            .and_then(|x| x.measures.iter().find(|x| x.measure == m).cloned())
    };
    let cells: Vec<_> = CELLS
        .iter()
        .filter_map(|&(main, other)| {
            let shown = by(main)?;
            let axis = axes.iter().find(|a| a.measure == main)?.clone();
            Some((shown, other.and_then(by), base_of(main), axis))
        })
        .collect();
    let version = b.version.clone();
    view! {
        <article class=format!("build {}", verdict_class(b.verdict)) data-testid="build" data-version=version.clone() data-verdict=verdict_words(b.verdict)>
            <header>
                <strong class="mono version" title=version.clone()>{version.clone()}</strong>
                <span class=format!("verdict {}", verdict_class(b.verdict)) data-testid="verdict">{verdict_words(b.verdict)}</span>
                {b.baseline.clone().filter(|_| b.verdict != Verdict::Baseline).map(|base| view! { <span class="muted">{format!("vs {base}")}</span> })}
                <span class="muted">
                    <a href=runs data-testid="build-runs" on:click=go(false)>{format!("{} sessions", group_thousands(b.sessions as i64))}</a>
                    {(measured < b.sessions).then(|| format!(" ({} measured)", group_thousands(measured as i64)))}
                    " · first "
                    <Time secs=b.first_seen written=String::new()/>
                </span>
                {(b.outliers > 0).then(|| view! {
                    <a class="outliers" href=outliers_href.clone() data-testid="build-outliers" on:click=go(true)>
                        {format!("{} outlier{}", group_thousands(b.outliers as i64), if b.outliers == 1 { "" } else { "s" })}
                    </a>
                })}
            </header>
            {(!reasons.is_empty()).then(|| view! { <p class="why" data-testid="why">{reasons.join("; ")}</p> })}
            {too_few.map(|t| view! { <p class="why too-few" data-testid="too-few">{t}</p> })}
            <div class="multiples">
                {cells.into_iter().map(|(shown, other, base, axis)| view! { <Multiple shown other base axis/> }).collect_view()}
            </div>
        </article>
    }
}

/// One measure of one build: its distribution's bars with the baseline's
/// drawn over them as an outline (each as a share of its sessions), its
/// median, and the change against the baseline's median, always, with
/// what the comparison made of it.
#[component]
fn Multiple(
    shown: BuildMeasure,
    other: Option<BuildMeasure>,
    base: Option<BuildMeasure>,
    axis: MeasureAxis,
) -> impl IntoView {
    let m = shown.measure;
    let comparisons: Vec<(Measure, Comparison, u64)> = [Some(&shown), other.as_ref()]
        .into_iter()
        .flatten()
        .filter_map(|x| x.comparison.map(|c| (x.measure, c, x.sessions)))
        .collect();
    let worse = comparisons.iter().any(|(_, c, _)| c.worse);
    let better = !worse && comparisons.iter().any(|(_, c, _)| c.better);
    let title = comparisons
        .iter()
        .map(|(m, c, n)| {
            format!(
                "{}\n{}",
                comparison_words(*m, c, *n),
                comparison_figures(*m, c)
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let share = |bars: &[u64]| {
        let total = bars.iter().sum::<u64>().max(1) as f64;
        bars.iter().map(|&c| c as f64 / total).collect::<Vec<f64>>()
    };
    let mine = share(&shown.bars);
    let theirs = base
        .as_ref()
        .filter(|b| b.sessions > 0)
        .map(|b| share(&b.bars));
    let top = mine
        .iter()
        .chain(theirs.iter().flatten())
        .copied()
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    let n = shown.bars.len().max(1) as f64;
    let w = 100.0 / n;
    let bars = mine
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0.0)
        .map(|(i, &c)| {
            let h = 28.0 * c / top;
            view! { <rect x=format!("{:.2}", i as f64 * w) y=format!("{:.2}", 30.0 - h) width=format!("{:.2}", (w - 0.6).max(0.4)) height=format!("{h:.2}")/> }
        })
        .collect_view();
    // The baseline's distribution as a step outline over the bars.
    let outline = theirs.map(|t| {
        let mut d = String::from("M0,30");
        for (i, c) in t.iter().enumerate() {
            let y = 30.0 - 28.0 * c / top;
            d.push_str(&format!(
                " L{:.2},{y:.2} L{:.2},{y:.2}",
                i as f64 * w,
                (i + 1) as f64 * w
            ));
        }
        d.push_str(" L100,30");
        view! { <path class="base-outline" d=d data-testid="baseline-overlay"/> }
    });
    let range = match (axis.edges.first(), axis.edges.last()) {
        (Some(lo), Some(hi)) => format!("{} – {}", measure(m, *lo), measure(m, *hi)),
        _ => String::new(),
    };
    // The change of the median: the comparison's, else the medians'.
    let own = comparisons
        .iter()
        .find(|(x, _, _)| *x == m)
        .map(|(_, c, _)| *c);
    let delta = own.map(|c| c.median_change).or_else(|| {
        let (a, b) = (shown.median?, base.as_ref()?.median?);
        Some(a - b)
    });
    let (status, status_class) = match own {
        Some(c) if c.worse => ("worse", "worse"),
        Some(c) if c.better => ("better", "better"),
        Some(_) => ("not conclusive", "unsure"),
        None if delta.is_some() => ("not compared", "unsure"),
        None => ("", ""),
    };
    view! {
        <figure class="multiple" class:worse=worse class:better=better data-measure=m.as_str() title=title>
            <figcaption>
                <span>{m.label()}</span>
                <span class="mono">
                    {shown.median.map(|v| format!("median {}", measure(m, v))).unwrap_or_else(|| "not measured".into())}
                    {delta.map(|d| view! { " " <b data-testid="change">{change(m, d)}</b> })}
                </span>
            </figcaption>
            {(!status.is_empty()).then(|| view! { <span class=format!("measure-status {status_class}") data-testid="measure-status">{status}</span> })}
            {(shown.sessions > 0).then(|| view! {
                <svg viewBox="0 0 100 30" preserveAspectRatio="none" role="img"
                    aria-label=format!("{} over {} sessions, {range}{}", m.label(), shown.sessions, if base.is_some() { "; the outline is the baseline's" } else { "" })>
                    {bars}
                    {outline}
                </svg>
                <div class="axis mono muted">{range.clone()}</div>
            })}
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::comparison_words;
    use model::{Comparison, Measure};

    fn c(delta: f64, worse: bool, better: bool) -> Comparison {
        Comparison {
            p: 0.01,
            p_adjusted: 0.09,
            cliffs_delta: delta,
            median_change: 0.0668,
            worse,
            better,
        }
    }

    #[test]
    fn comparisons_in_plain_words() {
        assert_eq!(
            comparison_words(Measure::LatencyP95, &c(0.62, true, false), 40),
            "p95 latency +66.8 ms: higher than the baseline's in 81 % of session pairs"
        );
        assert_eq!(
            comparison_words(Measure::LatencyP95, &c(0.3, false, false), 24),
            "p95 latency +66.8 ms, not conclusive yet: 24 measured sessions could be chance"
        );
    }
}

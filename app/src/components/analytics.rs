//! The analytics strip: most common errors across all logs, errors against
//! median latency with their correlation, and bookmarks.

use leptos::prelude::*;

use super::format::{group_thousands, ms};
use super::loaded::loaded;
use super::nav::Nav;
use crate::client::{get_json, send};
use model::{Bookmark, ErrorsVsLatency, JobStatus, LogName, TopTemplate};

/// Counts bookmark changes, so the Bookmarks card refreshes when the run
/// panel adds or removes one; provided by the dashboard.
#[derive(Clone, Copy)]
pub struct BookmarksChanged(pub RwSignal<u32>);

/// The phone layout's media query, as the stylesheet writes it: there the
/// analytics start collapsed.
const PHONE: &str = "(width <= 480px)";

/// Where the choice to show or fold the cards is kept: one while no run is
/// open, one while a run is open (then the run's charts and log need the
/// room, so the cards start folded).
const KEYS: [&str; 2] = ["logdeck.analytics.open", "logdeck.analytics.open.run"];

/// The cards under the header. Shown unless folded, except on a phone,
/// where the stylesheet hides them until asked (`auto`), so the first
/// screen shows runs, before and after the app starts; folded while a run
/// is open. Each choice to show or fold is kept across visits.
#[component]
pub fn Analytics() -> impl IntoView {
    let nav = Nav::get();
    let run_open = Memo::new(move |_| nav.view.with(|v| v.run.is_some()));
    let choices = [RwSignal::new(None::<bool>), RwSignal::new(None::<bool>)];
    for (choice, key) in choices.into_iter().zip(KEYS) {
        Effect::new(move |_| {
            if let Some(v) = super::kept::kept(key) {
                choice.set(Some(v == "1"));
            }
        });
    }
    let choice = move || choices[usize::from(run_open.get())];
    // The reader's choice, else folded while a run is open.
    let open = move || choice().get().or_else(|| run_open.get().then_some(false));
    let shown = move || {
        open().unwrap_or_else(|| {
            #[cfg(feature = "hydrate")]
            {
                !window()
                    .match_media(PHONE)
                    .ok()
                    .flatten()
                    .is_some_and(|m| m.matches())
            }
            #[cfg(not(feature = "hydrate"))]
            {
                let _ = PHONE;
                true
            }
        })
    };
    let toggle = move |_| {
        let now = !shown();
        let key = KEYS[usize::from(run_open.get_untracked())];
        choice().set(Some(now));
        super::kept::keep(key, if now { "1" } else { "0" });
    };
    view! {
        <section
            class="analytics"
            class:auto=move || open().is_none()
            class:collapsed=move || open() == Some(false)
            data-testid="analytics"
        >
            <button class="link toggle" aria-controls="analytics-cards" aria-expanded=move || shown().to_string()
                on:click=toggle>
                "Analytics"
            </button>
            <Show when=move || open() != Some(false)>
                <div class="cards" id="analytics-cards">
                    <TopErrors/>
                    <Scatter/>
                    <Bookmarks/>
                    <Indexing/>
                </div>
            </Show>
        </section>
    }
}

#[component]
fn TopErrors() -> impl IntoView {
    let nav = Nav::get();
    let top = LocalResource::new(|| {
        get_json::<Vec<TopTemplate>>("/api/analytics/templates?level=ERROR&limit=8".into())
    });
    view! {
        <div class="card" data-testid="top-errors">
            <h3>"Most common errors"</h3>
            {move || loaded(top.get(), "Loading…", |v| match v {
                t if t.is_empty() => view! { <p class="muted">"No errors in the indexed logs yet."</p> }.into_any(),
                t => view! {
                    <ol class="top">
                        {t.into_iter().map(|t| {
                            let title = format!("{} — list the {} runs with it", t.template, group_thousands(t.runs));
                            let filter = model::TemplateRef { level: t.level, template: t.template.clone() };
                            let apply = move |v: &mut crate::view::View| {
                                v.template = Some(filter.clone());
                                v.run = None;
                                v.log = None;
                                v.line = None;
                            };
                            let href = nav.view.with_untracked(|v| v.href_after(apply.clone()));
                            view! {
                            <li title=title>
                                <a class="tmpl-link" href=href data-testid="template-link" on:click=move |ev| { ev.prevent_default(); nav.push(apply.clone()) }>
                                    <span class="count mono">{group_thousands(t.count)}</span>
                                    <span class="tmpl">{t.template}</span>
                                    <span class="muted small">{format!("{} runs", group_thousands(t.runs))}</span>
                                </a>
                            </li>
                        }}).collect_view()}
                    </ol>
                }.into_any(),
            })}
        </div>
    }
}

/// Where the scatter's *with tasks* choice is kept.
const TASKS_KEY: &str = "logdeck.scatter.tasks";

#[component]
fn Scatter() -> impl IntoView {
    let nav = Nav::get();
    // Sessions only, unless the reader asks for tasks too (kept): a task's
    // output may carry figures that are no session's.
    let tasks = RwSignal::new(false);
    Effect::new(move |_| tasks.set(super::kept::kept(TASKS_KEY).as_deref() == Some("1")));
    let data = LocalResource::new(move || {
        let q = if tasks.get() { "?tasks=true" } else { "" };
        get_json::<ErrorsVsLatency>(format!("/api/analytics/errors-vs-latency{q}"))
    });
    let r = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:.2}"));
    let what = move || {
        if tasks.get() {
            "runs (sessions and tasks)"
        } else {
            "sessions"
        }
    };
    view! {
        <div class="card" data-testid="scatter">
            <h3>"Errors vs median latency"</h3>
            <label class="small check" title="A task's output may carry latency figures that are no session's">
                <input type="checkbox" data-testid="scatter-tasks" prop:checked=tasks
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        tasks.set(on);
                        super::kept::keep(TASKS_KEY, if on { "1" } else { "0" });
                    }/>
                " with tasks"
            </label>
            {move || loaded(data.get(), "Loading…", move |v| match v {
                d if d.points.is_empty() => view! { <p class="muted">{format!("No {} with both an error rate and a latency yet.", what())}</p> }.into_any(),
                d => {
                    // Plot area inside margins for the tick labels.
                    let (w, h, left, bottom) = (260.0, 130.0, 44.0, 16.0);
                    let xmax = d.points.iter().map(|p| p.error_pct).fold(0.0_f64, f64::max).max(1e-9);
                    let ymax = d.points.iter().map(|p| p.latency_p50).fold(0.0_f64, f64::max).max(1e-9);
                    let px = move |e: f64| left + e / xmax * (w - left - 6.0);
                    let py = move |l: f64| h - bottom - l / ymax * (h - bottom - 6.0);
                    let dots = d.points.iter().map(|p| {
                        let id = p.run_id;
                        let (x, y) = (px(p.error_pct), py(p.latency_p50));
                        view! {
                            <circle cx=format!("{x:.1}") cy=format!("{y:.1}") r="3.5" on:click=move |_| nav.push(|v| v.run = Some(id))>
                                <title>{format!("run {id}: {:.2}% errors, {}", p.error_pct, ms(p.latency_p50))}</title>
                            </circle>
                        }
                    }).collect_view();
                    let ticks = [0.0, 0.5, 1.0].map(|f| view! {
                        <text x=format!("{:.1}", px(xmax * f)) y=h - 3.0 text-anchor="middle" class="tick">{format!("{:.1}%", xmax * f)}</text>
                        <text x=left - 4.0 y=format!("{:.1}", py(ymax * f) + 3.0) text-anchor="end" class="tick">{ms(ymax * f)}</text>
                        <line x1=left y1=py(ymax * f) x2=w y2=py(ymax * f) class="grid"/>
                    });
                    view! {
                        <svg class="scatter" viewBox=format!("0 0 {w} {h}") role="img"
                            aria-label=format!("error percentage against median latency for {} {}; Pearson r {}, Spearman rho {}", d.runs, what(), r(d.pearson), r(d.spearman))>
                            {ticks.into_iter().collect_view()}
                            <line x1=left y1=h - bottom x2=w y2=h - bottom class="axis"/>
                            <line x1=left y1="0" x2=left y2=h - bottom class="axis"/>
                            {dots}
                        </svg>
                        <p class="small">
                            {format!("{} {} · x: error % (max {:.1}%) · y: median latency (max {})", group_thousands(d.runs as i64), what(), xmax, ms(ymax))}
                            <br/>
                            <span data-testid="correlation">{format!("Pearson r = {} · Spearman ρ = {}", r(d.pearson), r(d.spearman))}</span>
                        </p>
                    }.into_any()
                }
            })}
        </div>
    }
}

#[component]
fn Bookmarks() -> impl IntoView {
    let nav = Nav::get();
    let signed = super::me::Signed::get();
    let changed = expect_context::<BookmarksChanged>().0;
    let list = LocalResource::new(move || {
        changed.track();
        get_json::<Vec<Bookmark>>("/api/bookmarks".into())
    });
    view! {
        <div class="card" data-testid="bookmarks">
            <h3>"Bookmarks"</h3>
            {move || loaded(list.get(), "Loading…", move |v| match v {
                b if b.is_empty() && signed.may(model::Role::Editor) => view! { <p class="muted">"No bookmarks. Open a run and press “Bookmark”."</p> }.into_any(),
                b if b.is_empty() => view! { <p class="muted">"No bookmarks yet (editors make them)."</p> }.into_any(),
                b => view! {
                    <ul class="marks">
                        {b.into_iter().map(|b| {
                            let id = b.run_id;
                            view! {
                                <li><button class="link mono" on:click=move |_| nav.push(|v| v.run = Some(id))>{id}</button>
                                    " " <span class="muted">{b.note}</span>
                                    {b.created_by.filter(|_| signed.signed_in()).map(|by| view! { " " <span class="small muted">{format!("by {by}")}</span> })}</li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            })}
        </div>
    }
}

/// Seconds between looks at the jobs while some are queued or running.
const JOBS_POLL_S: u64 = 3;

/// The indexing jobs: how many are queued, running, done and failed, the
/// latest failures with their reasons, and a retry for each.
#[component]
fn Indexing() -> impl IntoView {
    let nav = Nav::get();
    let version = RwSignal::new(0u32);
    let problem = RwSignal::new(None::<String>);
    let status = LocalResource::new(move || {
        version.track();
        get_json::<JobStatus>("/api/jobs".into())
    });
    // While there is work in hand, look again shortly.
    Effect::new(move |_| {
        if let Some(Ok(s)) = status.get()
            && s.queued + s.running > 0
        {
            set_timeout(
                move || version.update(|v| *v += 1),
                std::time::Duration::from_secs(JOBS_POLL_S),
            );
        }
    });
    let retry = move |run: i64, log: LogName| {
        leptos::task::spawn_local(async move {
            let url = format!("/api/runs/{run}/logs/{}/retry", log.as_str());
            match send("PUT", url, None).await {
                Ok(()) => problem.set(None),
                Err(e) => problem.set(Some(format!("Retry of run {run}: {e}"))),
            }
            version.update(|v| *v += 1);
        });
    };
    view! {
        <div class="card" data-testid="indexing">
            <h3>"Indexing"</h3>
            {move || problem.get().map(|p| view! { <p class="error small" role="alert">{p}</p> })}
            {move || loaded(status.get(), "Loading…", |s| {
                    let failures = s.recent_failures.clone();
                    let any_failed = s.failed > 0;
                    view! {
                        <p class="job-counts" data-testid="job-counts">
                            <span data-testid="jobs-queued">{format!("{} queued", group_thousands(s.queued))}</span>
                            " · " <span>{format!("{} running", group_thousands(s.running))}</span>
                            " · " <span>{format!("{} done", group_thousands(s.done))}</span>
                            " · " <span class:hot=any_failed data-testid="jobs-failed">{format!("{} failed", group_thousands(s.failed))}</span>
                        </p>
                        {(!failures.is_empty()).then(|| view! {
                            <ul class="failures">
                                {failures.into_iter().map(|f| {
                                    let (run, log) = (f.run_id, f.log);
                                    view! {
                                        <li data-testid="failure">
                                            <button class="link mono" on:click=move |_| nav.push(|v| v.run = Some(run))>
                                                {format!("{run} {}", log.as_str())}
                                            </button>
                                            " " <span class="reason" title=f.reason.clone()>{f.reason.clone()}</span>
                                            " " <button class="small" data-testid="retry" on:click=move |_| retry(run, log)>"Retry"</button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        })}
                        {(!s.sources.is_empty()).then(|| view! { <Sources sources=s.sources.clone()/> })}
                    }
                    .into_any()
            })}
        </div>
    }
}

/// The inventory sources the server polls: when each was polled, what it
/// brought, how late, and why its last poll failed.
#[component]
fn Sources(sources: Vec<model::SourceStatus>) -> impl IntoView {
    use super::format::{ago, now_secs, span};
    let now = now_secs();
    view! {
        <h4 class="sources-head">"Inventory sources"</h4>
        <ul class="sources" data-testid="sources">
            {sources.into_iter().map(|s| {
                let polled = match (s.polled_ms, s.ok_ms) {
                    (None, _) => "not polled yet".to_string(),
                    (Some(p), Some(ok)) if ok == p => format!("polled {}", ago(p / 1000, now)),
                    (Some(p), _) => format!("last poll failed {}", ago(p / 1000, now)),
                };
                let every = format!("every {}", span(s.interval_s));
                let lag = s.lag_ms.map(|l| format!(" · lag {}", span(l as f64 / 1000.0)));
                view! {
                    <li data-testid="source">
                        <span class="mono source-name" title=s.name.clone()>{s.name.clone()}</span>
                        <span class="muted small">
                            {format!(
                                " {polled} ({every}) · {} entries, {} new · {} files{} · {} failed polls",
                                group_thousands(s.rows),
                                group_thousands(s.added),
                                group_thousands(s.files),
                                lag.unwrap_or_default(),
                                group_thousands(s.errors)
                            )}
                            {(s.skipped > 0).then(|| format!(" · {} entries skipped", group_thousands(s.skipped)))}
                        </span>
                        {s.last_error.map(|e| {
                            let title = e.clone();
                            view! { <span class="error small reason" data-testid="source-error" title=title>{e}</span> }
                        })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

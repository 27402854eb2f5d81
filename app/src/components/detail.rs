//! The selected run beside the table: its four charts on a shared time axis,
//! error and warning counts, error templates, and the log viewer.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::chart::{Chart, Crosshair, Unit, clock_text, one_clock, time_domain};
use super::format::{group_thousands, pct};
use super::livecharts::{LiveCharts, LiveSeries};
use super::livelog::LiveLog;
use super::loaded::loaded;
use super::logview::LogViewer;
use super::nav::Nav;
use crate::client::{get_json, send};
use model::{LogInfo, LogName, LogState, RunDetail, RunKind, RunStatus, Series};

/// Task runs have ids from here up (as the catalog hands them out).
const TASK_ID_BASE: i64 = 1_000_000_000_000;

/// Points asked for per chart (reduced on the server, min and max kept).
const CHART_WIDTH: u32 = 1200;

/// The panel of the selected run, or nothing.
#[component]
pub fn Detail() -> impl IntoView {
    let nav = Nav::get();
    let run = Memo::new(move |_| nav.view.with(|v| v.run));
    move || run.get().map(|id| view! { <RunPanel id/> })
}

#[component]
fn RunPanel(id: i64) -> impl IntoView {
    let nav = Nav::get();
    let version = RwSignal::new(0u32);
    let detail = LocalResource::new(move || {
        version.track();
        async move {
            get_json::<RunDetail>(format!("/api/runs/{id}"))
                .await
                .map_err(|e| format!("Could not load run {id}: {e}"))
        }
    });
    view! {
        <aside class="detail" data-testid="detail" aria-label=format!("Run {id}")>
            <header class="detail-head">
                <h2>
                    {move || match detail.get() {
                        Some(Ok(d)) if d.run.kind == RunKind::Task => "Task ",
                        _ if id >= TASK_ID_BASE => "Task ",
                        _ => "Connection ",
                    }}
                    <span class="mono">{id}</span>
                </h2>
                <button class="close" title="Close (Esc)" data-testid="close-run" on:click=move |_| nav.push(|v| { v.run = None; v.log = None; v.line = None; v.zoom = None; })>
                    <span class="back">"← Back"</span><span class="x" aria-hidden="true">"✕"</span>
                </button>
            </header>
            {move || loaded(detail.get(), "Loading run…", |d| if d.run.kind == RunKind::Task {
                view! { <TaskBody d=d/> }.into_any()
            } else {
                view! { <RunBody d=d version/> }.into_any()
            })}
        </aside>
    }
}

#[component]
fn RunBody(d: RunDetail, version: RwSignal<u32>) -> impl IntoView {
    let nav = Nav::get();
    let id = d.run.id;
    let client = d.logs.iter().find(|l| l.name == LogName::Client).cloned();
    let server = d.logs.iter().find(|l| l.name == LogName::Server).cloned();
    let has_logs = [&client, &server]
        .iter()
        .any(|l| l.as_ref().is_some_and(|l| l.location.is_some()));
    let bookmarked = d.run.bookmarked;
    let note = RwSignal::new(d.bookmark_note.clone().unwrap_or_default());
    let busy = RwSignal::new(None::<String>);
    let bookmarks = expect_context::<super::analytics::BookmarksChanged>().0;
    let signed = super::me::Signed::get();
    let toggle = move |_| {
        let body =
            (!bookmarked).then(|| serde_json::json!({ "note": note.get_untracked() }).to_string());
        let method = if bookmarked { "DELETE" } else { "PUT" };
        spawn_local(async move {
            match send(method, format!("/api/runs/{id}/bookmark"), body).await {
                Ok(()) => {
                    version.update(|v| *v += 1);
                    bookmarks.update(|v| *v += 1);
                }
                Err(e) => busy.set(Some(e)),
            }
        });
    };
    let facts = format!(
        "{} · {} · version {} · updated {}",
        d.run
            .username
            .clone()
            .unwrap_or_else(|| "no username".into()),
        d.run.ip,
        d.run.version.clone().unwrap_or_else(|| "unknown".into()),
        match (d.run.updated_at, d.run.last_updated.is_empty()) {
            (0, true) => "unknown".into(),
            (0, false) => d.run.last_updated.clone(),
            (t, _) => format!("{} UTC", super::format::utc(t)),
        },
    );
    let history = d.run.username.clone().filter(|u| !u.trim().is_empty()).map(|user| {
        let open = move |v: &mut crate::view::View| {
            v.page = crate::view::Page::History(user.clone());
        };
        let href = nav.view.with_untracked(|v| v.href_after(open.clone()));
        view! {
            <a class="link" href=href data-testid="user-history" on:click=move |ev| { ev.prevent_default(); nav.push(open.clone()) }>
                "their history"
            </a>
        }
    });
    view! {
        <p class="facts">{facts} " · " {history}</p>
        {d.outlier.as_ref().map(|n| view! {
            <p class="outlier-why" data-testid="outlier-reason" title=super::format::outlier_score(n)>
                <span class="badge outlier">"outlier"</span> " " {super::format::outlier_reason(n)}
            </p>
        })}
        <div class="bookmark">
            // Only editors bookmark; others see whether it is marked.
            <Show when=move || signed.may(model::Role::Editor)
                fallback=move || bookmarked.then(|| view! { <span class="muted" data-testid="bookmarked">"★ Bookmarked"</span> })>
                <button data-testid="bookmark" class:on=bookmarked on:click=toggle>
                    {if bookmarked { "★ Bookmarked" } else { "☆ Bookmark" }}
                </button>
                {(!bookmarked).then(|| view! {
                    <input type="text" placeholder="note (optional)" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/>
                })}
            </Show>
            {bookmarked.then(|| d.bookmark_note.clone().filter(|n| !n.is_empty()).map(|n| view! { <span class="muted">{n}</span> }))}
            {move || busy.get().map(|e| view! { <span class="error">{e}</span> })}
        </div>
        <div class="log-counts">
            <LogCounts id info=client.clone() name=LogName::Client/>
            <LogCounts id info=server.clone() name=LogName::Server/>
        </div>
        {has_logs.then(|| view! { <Charts id client=client.clone() server=server.clone()/> })}
        {(!has_logs).then(|| view! {
            <p class="no-logs muted" data-testid="no-logs">
                "This connection has no client or server log in the inventory, so there is nothing to chart or read."
            </p>
        })}
        {has_logs.then(|| view! { <LogTabs id client=client.clone() server=server.clone()/> })}
        <Templates id info=client.clone()/>
        <Templates id info=server.clone()/>
    }
}

/// The run's logs as tabs (client | server) right below its charts, and
/// the open one's viewer.
#[component]
fn LogTabs(id: i64, client: Option<LogInfo>, server: Option<LogInfo>) -> impl IntoView {
    let nav = Nav::get();
    let open = Memo::new(move |_| nav.view.with(|v| v.log));
    let tab = move |name: LogName, info: &Option<LogInfo>| {
        let there = info.as_ref().is_some_and(|l| l.location.is_some());
        let label = format!("{} log", name.as_str());
        view! {
            <button role="tab" class="tab" data-testid=format!("open-{}", name.as_str())
                aria-selected=move || (open.get() == Some(name)).to_string()
                disabled=!there
                title=(!there).then(|| format!("This connection has no {} log", name.as_str()))
                on:click=move |_| nav.push(move |v| {
                    if v.log != Some(name) {
                        v.log = Some(name);
                        v.line = None;
                    }
                })>{label}</button>
        }
    };
    view! {
        <div class="log-tabs" role="tablist" aria-label="Logs of this run" data-testid="log-tabs">
            {tab(LogName::Client, &client)}
            {tab(LogName::Server, &server)}
            {move || open.get().is_none().then(|| view! {
                <span class="muted small">"Open a log to read it here, or click a point on a chart to open the line it came from."</span>
            })}
        </div>
        {move || open.get().map(|log| view! { <LogViewer id log/> })}
    }
}

/// A task run: what ran, how it stands, and its output, live or archived.
#[component]
fn TaskBody(d: RunDetail) -> impl IntoView {
    let id = d.run.id;
    let status = RwSignal::new((d.run.status, d.run.exit_code));
    // The end has arrived: the catalog has the final status (a lost run
    // has no exit code).
    let on_sealed = Callback::new(move |_code: Option<i32>| {
        spawn_local(async move {
            if let Ok(fresh) = get_json::<RunDetail>(format!("/api/runs/{id}")).await {
                status.set((fresh.run.status, fresh.run.exit_code));
            }
        });
    });
    let name = d.run.username.clone().unwrap_or_else(|| "unnamed".into());
    let started = match d.run.updated_at {
        0 => d.run.last_updated.clone(),
        t => super::format::utc(t),
    };
    let live = d.run.session().map(LiveSeries::new);
    // ERROR and WARNING lines as they arrive (the viewer reads the output
    // from its first line), before the archived log is indexed.
    let seen = RwSignal::new((0u64, 0u64));
    let on_batch = Callback::new(move |lines: Vec<String>| {
        let (mut e, mut w) = (0, 0);
        for l in &lines {
            match model::output::line_level(l, true) {
                Some(model::Level::Error) => e += 1,
                Some(model::Level::Warning) => w += 1,
                _ => {}
            }
        }
        if e + w > 0 {
            seen.update(|(a, b)| {
                *a += e;
                *b += w;
            });
        }
        if let Some(l) = live {
            l.feed(&lines);
        }
    });
    let labels = d
        .run
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <p class="facts">
            <strong>{name}</strong>
            {d.run.command.clone().map(|c| view! { " · " <code class="mono">{c}</code> })}
            {format!(" · started {started} UTC")}
            {(!labels.is_empty()).then(|| view! { " · " <span class="mono">{labels}</span> })}
        </p>
        <p class="task-status" data-testid="task-status">
            {move || {
                let (st, code) = status.get();
                view! { <StatusBadge status=st exit_code=code/> }
            }}
        </p>
            <p class="muted small" data-testid="live-counts">
                {move || {
                    let (e, w) = seen.get();
                    format!(
                        "{} error{}, {} warning{} in the output{}",
                        group_thousands(e as i64),
                        if e == 1 { "" } else { "s" },
                        group_thousands(w as i64),
                        if w == 1 { "" } else { "s" },
                        if status.get().0 == RunStatus::Live { " so far" } else { "" }
                    )
                }}
            </p>
        {live.map(|series| view! { <LiveCharts series/> })}
        <LiveLog id on_sealed on_batch/>
    }
}

/// A run's status as a badge: live (pulsing), succeeded, failed with its
/// exit code, or lost.
#[component]
pub fn StatusBadge(status: RunStatus, exit_code: Option<i64>) -> impl IntoView {
    let (class, text) = match (status, exit_code) {
        (RunStatus::Live, _) => ("live", "live".to_string()),
        (RunStatus::Succeeded, _) => ("ok", "succeeded".to_string()),
        (RunStatus::Failed, Some(c)) => ("failed", format!("failed · exit {c}")),
        (RunStatus::Failed, None) => ("failed", "failed · killed".to_string()),
        (RunStatus::Lost, _) => ("lost", "lost".to_string()),
        (RunStatus::Imported, _) => ("missing", "imported".to_string()),
    };
    let title = text.clone();
    view! { <span class=format!("badge status {class}") data-testid="status-badge" title=title>{text}</span> }
}

/// Lines, errors and warnings of one log, or why there are none.
#[component]
fn LogCounts(id: i64, info: Option<LogInfo>, name: LogName) -> impl IntoView {
    let label = name.as_str();
    let body = match info {
        None => view! { <span class="absent">"none"</span> " — the inventory names no log" }.into_any(),
        Some(i) => match (i.state, i.summary) {
            // Most connections never upload a client log: quiet, not an alarm.
            (LogState::Missing, _) => view! { <span class="absent" data-testid=format!("{label}-absent")>"none"</span> " — this connection did not upload a " {label} " log" }.into_any(),
            (LogState::Awaited, _) => view! {
                <span class="badge awaited" data-testid=format!("{label}-awaited")>"not yet uploaded"</span>
                " — the inventory names it, but it is not in its store yet; the server looks again, with backoff, and indexes it when it appears"
            }
            .into_any(),
            (LogState::Failed, _) => view! {
                <span class="badge failed">"failed"</span> " " {i.reason.unwrap_or_default()} " "
                <RetryLog id name/>
            }
            .into_any(),
            (_, Some(s)) => view! {
                <span data-testid=format!("{label}-errors")>
                    <strong class:hot={s.errors > 0}>{group_thousands(s.errors as i64)} " errors"</strong>
                    {format!(" ({})", pct(app_pct(s.errors, s.lines)))}
                </span>
                ", "
                <span>{group_thousands(s.warnings as i64)} " warnings" {format!(" ({})", pct(app_pct(s.warnings, s.lines)))}</span>
                {format!(" of {} non-blank lines", group_thousands(s.lines as i64))}
                {(s.skipped_bytes > 0).then(|| {
                    let mib = |b: u64| format!("{:.1}", b as f64 / (1u64 << 20) as f64);
                    view! {
                        <span class="muted" data-testid=format!("{label}-skipped")>
                            {format!(
                                " in its first {} MiB; the last {} MiB are over the server's whole-log limit and were not indexed",
                                mib(s.bytes - s.skipped_bytes),
                                mib(s.skipped_bytes)
                            )}
                        </span>
                    }
                })}
            }
            .into_any(),
            _ => view! { <span class="muted">"indexing…"</span> }.into_any(),
        },
    };
    view! { <div class="log-count"><span class="log-name">{label} " log"</span> " " {body}</div> }
}

/// Queues a failed log's indexing again, and says how that went.
#[component]
fn RetryLog(id: i64, name: LogName) -> impl IntoView {
    let answer = RwSignal::new(None::<Result<(), String>>);
    let retry = move |_| {
        spawn_local(async move {
            let url = format!("/api/runs/{id}/logs/{}/retry", name.as_str());
            answer.set(Some(send("PUT", url, None).await));
        });
    };
    let signed = super::me::Signed::get();
    view! {
        {move || match answer.get() {
            None if !signed.may(model::Role::Editor) => ().into_any(),
            None => view! {
                <button class="small" data-testid=format!("retry-{}", name.as_str()) on:click=retry>"Retry"</button>
            }
            .into_any(),
            Some(Ok(())) => view! { <span class="muted" role="status">"queued again"</span> }.into_any(),
            Some(Err(e)) => view! { <span class="error" role="alert">{e}</span> }.into_any(),
        }}
    }
}

fn app_pct(part: u64, whole: u64) -> f64 {
    model::percent(part, whole)
}

/// What each chart shows.
const CHARTS: [(&str, LogName, &str, Unit, &str); 4] = [
    (
        "Latency",
        LogName::Client,
        "latency",
        Unit::Millis,
        "Latency:",
    ),
    (
        "Decode time",
        LogName::Client,
        "decode_time",
        Unit::Millis,
        "Avg Decode Time:",
    ),
    (
        "Encode time",
        LogName::Server,
        "encode_time",
        Unit::Millis,
        "Average Encode Time:",
    ),
    (
        "Encode size",
        LogName::Server,
        "encode_size",
        Unit::Bytes,
        "Average Encode Size:",
    ),
];

/// The four charts on one clock: each log's points are shifted by how much
/// later than the run's first log it started, so a moment lines up across
/// client and server. A click on a point opens its log at that line.
#[component]
fn Charts(id: i64, client: Option<LogInfo>, server: Option<LogInfo>) -> impl IntoView {
    let nav = Nav::get();
    let zoom = Memo::new(move |_| nav.view.with(|v| v.zoom));
    let info = |log: LogName| -> Option<LogInfo> {
        if log == LogName::Client {
            client.clone()
        } else {
            server.clone()
        }
    };
    let present = |log: LogName| {
        info(log).is_some_and(|l| l.location.is_some() && l.state != LogState::Missing)
    };
    let charted: Vec<LogName> = [LogName::Client, LogName::Server]
        .into_iter()
        .filter(|&l| present(l))
        .collect();
    let starts: Vec<Option<f64>> = charted
        .iter()
        .map(|&l| info(l).and_then(|i| i.summary).and_then(|s| s.started_s))
        .collect();
    let (clock, offsets) = match one_clock(&starts) {
        Some((zero, off)) => (Some(zero), off),
        None => (None, vec![0.0; charted.len()]),
    };
    let offset_of = move |log: LogName| {
        charted
            .iter()
            .position(|&l| l == log)
            .map_or(0.0, |i| offsets[i])
    };
    let resources: Vec<Option<LocalResource<Result<Series, String>>>> = CHARTS
        .iter()
        .map(|&(_, log, metric, _, _)| {
            let off = offset_of(log);
            present(log).then(|| {
                LocalResource::new(move || {
                    // The zoom is on the run's axis; each log counts from its own start.
                    let window = match zoom.get() {
                        Some((a, b)) => format!("&from={}&to={}", a - off, b - off),
                        None => String::new(),
                    };
                    async move {
                        let mut s = get_json::<Series>(format!(
                            "/api/runs/{id}/logs/{}/series?metric={metric}&width={CHART_WIDTH}{window}",
                            log.as_str()
                        ))
                        .await?;
                        for p in &mut s.points {
                            p[0] += off;
                        }
                        Ok(s)
                    }
                })
            })
        })
        .collect();
    let signals: Vec<Signal<Option<Series>>> = resources
        .iter()
        .map(|r| {
            let r = *r;
            Signal::derive(move || r.and_then(|r| r.get()).and_then(Result::ok))
        })
        .collect();
    let all = signals.clone();
    let domain = Memo::new(move |_| time_domain(zoom.get(), all.iter().map(|s| s.get())));
    let cross = Crosshair {
        clock,
        hover: RwSignal::new(None),
        domain,
        zoom: Callback::new(move |(a, b): (f64, f64)| nav.push(|v| v.zoom = Some((a, b)))),
    };
    let slots = CHARTS
        .iter()
        .zip(resources)
        .zip(signals)
        .map(|((&(title, log, _, unit, prefix), res), sig)| match res {
            None => view! {
                <div class="chart-missing" data-testid=format!("missing-{}", log.as_str())>
                    <strong>{title}</strong>
                    <p>{format!("No {} log for this connection: {} comes from the {} log.", log.as_str(), title.to_lowercase(), log.as_str())}</p>
                </div>
            }
            .into_any(),
            Some(res) => {
                let on_pick = Callback::new(move |line: u64| {
                    nav.push(move |v| {
                        v.log = Some(log);
                        v.line = Some(line);
                        v.level = None;
                        v.find = String::new();
                    })
                });
                view! {
                {move || match res.get() {
                    None => view! { <div class="chart-missing"><strong>{title}</strong><p class="muted">"Loading…"</p></div> }.into_any(),
                    Some(Err(e)) => view! { <div class="chart-missing"><strong>{title}</strong><p class="error">{e}</p></div> }.into_any(),
                    Some(Ok(s)) if s.total == 0 => view! {
                        <div class="chart-missing" data-testid="no-points">
                            <strong>{title}</strong>
                            <p>{format!("The {} log has no “{prefix}” lines, so there is nothing to plot.", log.as_str())}</p>
                        </div>
                    }.into_any(),
                    Some(Ok(s)) => {
                        let st = s.stats;
                        let show = move |v: Option<f64>| v.map(|v| unit.show(v)).unwrap_or_else(|| "—".into());
                        let scope = if zoom.get_untracked().is_some() { "in the zoomed window" } else { "over the whole log" };
                        view! {
                            <div class="chart-slot">
                                <Chart title unit series=sig cross on_pick/>
                                <dl class="chart-stats" title=format!("Statistics {scope}") data-testid="chart-stats">
                                    <div><dt>"mean"</dt><dd>{show(st.mean)}</dd></div>
                                    <div><dt>"median"</dt><dd>{show(st.p50)}</dd></div>
                                    <div><dt>"p95"</dt><dd>{show(st.p95)}</dd></div>
                                    <div><dt>"p99"</dt><dd>{show(st.p99)}</dd></div>
                                    <div><dt>"max"</dt><dd>{show(st.max)}</dd></div>
                                    <div><dt>"points"</dt><dd data-testid="chart-count">{group_thousands(st.count as i64)}</dd></div>
                                </dl>
                            </div>
                        }.into_any()
                    }
                }}
                }
                .into_any()
            }
        })
        .collect_view();
    let axis = if clock.is_some() {
        "Times are UTC, client and server on one clock."
    } else {
        "Times are seconds from each log's first line (a log indexed before start times were kept)."
    };
    view! {
        <section class="charts" data-testid="charts">
            <div class="chart-tools">
                <span class="muted small">{axis} " Click a point to read its log line; drag across a chart to zoom."</span>
                {move || zoom.get().map(|(a, b)| view! {
                    <button data-testid="reset-zoom" on:click=move |_| nav.push(|v| v.zoom = None)>
                        {format!("Reset zoom ({} – {})", clock_text(clock, a, false), clock_text(clock, b, false))}
                    </button>
                })}
            </div>
            {slots}
        </section>
    }
}

/// A log's most common error and warning templates, each opening the log at
/// its first line.
#[component]
fn Templates(id: i64, info: Option<LogInfo>) -> impl IntoView {
    let nav = Nav::get();
    let Some(info) = info else {
        return ().into_any();
    };
    let Some(summary) = info.summary else {
        return ().into_any();
    };
    if summary.templates.is_empty() {
        return ().into_any();
    }
    let name = info.name;
    let _ = id;
    let items = summary
        .templates
        .into_iter()
        .take(12)
        .map(|t| {
            let line = t.first_line;
            let level = t.level.as_str();
            view! {
                <li>
                    <button class="template" title=t.example.clone() on:click=move |_| {
                        nav.push(move |v| { v.log = Some(name); v.line = Some(line); v.level = None; v.find = String::new(); })
                    }>
                        <span class=format!("lvl lvl-{}", level.to_lowercase())>{level}</span>
                        <span class="count mono">{group_thousands(t.count as i64)} "×"</span>
                        <span class="tmpl">{t.template.clone()}</span>
                    </button>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="templates" data-testid=format!("templates-{}", name.as_str())>
            <h3>{format!("Errors and warnings in the {} log", name.as_str())}</h3>
            <ul>{items}</ul>
        </section>
    }
    .into_any()
}

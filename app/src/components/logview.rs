//! The log viewer: a virtualised list of a log's lines with level colours,
//! level filter, search with highlights, a permalink per line and download.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::format::group_thousands;
use super::nav::Nav;
use super::virtual_list::VirtualList;
use super::wrap::{Seg, Wrap, mark_matches, row_text, wrapped_lines};
use crate::client::get_json;
use crate::view::encode;
use model::{Level, LinePage, LogLine, LogName};

/// Height of one line in pixels (as the stylesheet's `.line`).
pub(super) const LINE_H: f64 = 18.0;
/// Lines fetched per request.
const PAGE: u32 = 500;
/// Lines rendered beyond each edge of the viewport.
pub(super) const OVERSCAN: usize = 20;
/// Height of the line area in pixels before it is measured (as the
/// stylesheet's `.lines`).
pub(super) const VIEW_H: f64 = 360.0;
/// Lines shown above a permalinked line.
const CONTEXT: u64 = 40;

/// The log `log` of run `id`, following the URL's line, level and search.
#[component]
pub fn LogViewer(id: i64, log: LogName) -> impl IntoView {
    let nav = Nav::get();
    let filter = Memo::new(move |_| nav.view.with(|v| (v.level, v.find.clone())));
    let target = Memo::new(move |_| nav.view.with(|v| v.line));
    let lines = RwSignal::new(Vec::<LogLine>::new());
    let next = RwSignal::new(None::<u64>);
    let total = RwSignal::new(None::<u64>);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let generation = StoredValue::new(0u64);
    let list = VirtualList::new(LINE_H, VIEW_H, OVERSCAN);
    let pending_scroll = StoredValue::new(None::<u64>);
    let prefs = super::viewer_prefs::ViewerPrefs::get();
    let filtered = move || filter.with(|(l, f)| l.is_some() || !f.is_empty());
    // Lines around each match, when a filter is on.
    let context = Memo::new(move |_| if filtered() { prefs.context.get() } else { 0 });

    let url = move |from: u64| {
        let (level, find) = filter.get_untracked();
        let around = context.get_untracked();
        let mut u = format!(
            "/api/runs/{id}/logs/{}/lines?from={from}&limit={PAGE}",
            log.as_str()
        );
        if let Some(l) = level {
            u.push_str("&level=");
            u.push_str(l.as_str());
        }
        if !find.is_empty() {
            u.push_str(&format!("&q={}", encode(&find)));
        }
        if around > 0 {
            u.push_str(&format!("&context={around}"));
        }
        u
    };
    let fetch = move |from: u64, reset: bool| {
        loading.set(true);
        error.set(None);
        let g = generation.get_value();
        let u = url(from);
        spawn_local(async move {
            let r = get_json::<LinePage>(u).await;
            if generation.get_value() != g {
                return;
            }
            match r {
                Ok(p) => {
                    total.set(Some(p.total));
                    next.set(p.next);
                    if reset {
                        lines.set(p.lines);
                    } else {
                        lines.update(|l| l.extend(p.lines));
                    }
                }
                Err(e) => error.set(Some(e)),
            }
            loading.set(false);
        });
    };
    // (Re)load from the start, or around the permalinked line.
    Effect::new(move |_| {
        context.track();
        let (level, find) = filter.get();
        let from = match target.get_untracked() {
            Some(l) if level.is_none() && find.is_empty() => l.saturating_sub(CONTEXT).max(1),
            _ => 1,
        };
        pending_scroll.set_value(target.get_untracked());
        generation.update_value(|g| *g += 1);
        lines.set(Vec::new());
        next.set(None);
        list.scroll_to(0.0);
        fetch(from, true);
    });
    // Once the permalinked line is loaded, bring it into view.
    Effect::new(move |_| {
        // Tracked before anything else: an effect that returned early
        // without reading them would never run again.
        let scroller = list.scroller.get();
        lines.track();
        let Some(want) = pending_scroll.get_value() else {
            return;
        };
        let pos = lines.with_untracked(|l| l.iter().position(|x| x.n == want));
        if let (Some(i), Some(_)) = (pos, scroller) {
            list.center(i);
            pending_scroll.set_value(None);
        }
    });
    let section = NodeRef::<leptos::html::Section>::new();
    // A line picked elsewhere (a chart point, a template, the end) while
    // this log is open: kept in view when loaded, else loaded around.
    Effect::new(move |prev: Option<Option<u64>>| {
        let want = target.get();
        if let (Some(prev), Some(n)) = (prev, want)
            && prev != Some(n)
        {
            match lines.with_untracked(|l| l.iter().position(|x| x.n == n)) {
                Some(i) => list.keep_in_view(i),
                None if filter.with_untracked(|(l, f)| l.is_none() && f.is_empty()) => {
                    pending_scroll.set_value(Some(n));
                    generation.update_value(|g| *g += 1);
                    lines.set(Vec::new());
                    next.set(None);
                    fetch(n.saturating_sub(CONTEXT).max(1), true);
                    if let Some(el) = section.get_untracked() {
                        el.scroll_into_view();
                    }
                }
                None => {}
            }
        }
        want
    });
    Effect::new(move |_| {
        let (_, end) = list.window();
        if end + 200 > lines.with(Vec::len)
            && !loading.get()
            && error.get().is_none()
            && let Some(n) = next.get()
        {
            fetch(n, false);
        }
    });
    let first_n = move || lines.with(|l| l.first().map(|x| x.n));
    let earlier = move |_| {
        // Restart from the top of the file.
        nav.replace(|v| v.line = None);
        generation.update_value(|g| *g += 1);
        lines.set(Vec::new());
        fetch(1, true);
    };
    // The lines in view, each with whether lines were left out before it
    // (between groups of matches and their context).
    let visible = move || {
        lines.with(|l| {
            list.range(l.len())
                .map(|i| {
                    let gap = i > 0 && l[i].n != l[i - 1].n + 1;
                    (l[i].clone(), gap)
                })
                .collect::<Vec<_>>()
        })
    };
    // `n` / `N`: the next / previous match among the lines loaded.
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || !filtered() {
                return;
            }
            let typing = ev
                .target()
                .and_then(|t| {
                    use leptos::wasm_bindgen::JsCast;
                    t.dyn_into::<leptos::web_sys::Element>().ok()
                })
                .is_some_and(|el| {
                    matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                });
            let key = ev.key();
            if typing || (key != "n" && key != "N") {
                return;
            }
            ev.prevent_default();
            let now = target.get_untracked();
            let found = lines.with_untracked(|l| {
                let mut hits = l.iter().filter(|x| !x.context).map(|x| x.n);
                if key == "n" {
                    hits.clone()
                        .find(|n| now.is_none_or(|c| *n > c))
                        .or_else(|| hits.next())
                } else {
                    hits.clone()
                        .rfind(|n| now.is_none_or(|c| *n < c))
                        .or_else(|| hits.next_back())
                }
            });
            if let Some(n) = found {
                nav.replace(|v| v.line = Some(n));
            }
        });
        on_cleanup(move || handle.remove());
    }
    let count = move || lines.with(Vec::len);
    // Opening a log (or a link to one of its lines) brings it into view.
    let max = super::viewer_prefs::ViewerPrefs::get().full;
    // Long lines wrap (on by default): each line is as many screen lines
    // high as its text needs at the viewer's width.
    let wrap = Wrap::new(list);
    Effect::new(move |_| {
        let c = wrap.cols(0);
        if c > 0 {
            let n: Vec<u32> = lines.with(|l| l.iter().map(|x| wrapped_lines(&x.text, c)).collect());
            list.set_lines(Some(&n));
        } else {
            list.set_lines(None);
        }
    });
    let height = Signal::derive(move || wrap.cols(0));
    Effect::new(move |_| {
        if let Some(el) = section.get() {
            el.scroll_into_view();
        }
    });
    view! {
        <section class="logview" class:max=max data-testid="logview" node_ref=section>
            <header class="logview-head">
                <h3>{format!("{} log", log.as_str())}</h3>
                <LevelChips/>
                <FindBox placeholder="Find in this log…"/>
                {move || filtered().then(|| view! {
                    <label class="context-pick small">
                        "Around each match "
                        <select data-testid="context" title="Lines shown before and after each match (n / N: next / previous match)"
                            on:change=move |ev| {
                                if let Ok(n) = event_target_value(&ev).parse::<u32>() {
                                    prefs.context.set(n);
                                }
                            }>
                            {super::viewer_prefs::CONTEXT_CHOICES.into_iter().map(|n| view! {
                                <option value=n.to_string() selected=move || prefs.context.get() == n>
                                    {if n == 0 { "no lines".to_string() } else { format!("{n} lines") }}
                                </option>
                            }).collect_view()}
                        </select>
                    </label>
                })}
                // `download` (and `rel=external`): the browser saves the file; the
                // app's router leaves the link alone.
                <a class="download" data-testid="download-log" download="" rel="external"
                    href=format!("/api/runs/{id}/logs/{}/raw?download=true", log.as_str())>"Download"</a>
                <button data-testid="to-end" title="Jump to the last line"
                    disabled=move || total.get().is_none_or(|t| t == 0)
                    on:click=move |_| {
                        if let Some(t) = total.get_untracked() {
                            nav.replace(|v| { v.level = None; v.find = String::new(); v.line = Some(t.max(1)); });
                        }
                    }>"End"</button>
                {wrap.button()}
                <button class="toggle" data-testid="maximise" aria-pressed=move || max.get().to_string()
                    title="Use the whole window for the log" on:click=move |_| { max.update(|m| *m = !*m); request_animation_frame(move || wrap.measure()); }>
                    "Full window"
                </button>
                <button class="close" title="Close the log" on:click=move |_| nav.push(|v| { v.log = None; v.line = None; v.level = None; v.find = String::new(); })>"✕"</button>
            </header>
            <p class="muted small">
                {move || match total.get() {
                    Some(t) => format!("{} lines in the file; {} shown{}", group_thousands(t as i64), group_thousands(count() as i64), if next.get().is_some() { " so far" } else { "" }),
                    None => "Loading lines…".into(),
                }}
                {move || first_n().filter(|n| *n > 1 && filter.with(|(l, f)| l.is_none() && f.is_empty())).map(|_| view! { " " <button class="link" on:click=earlier>"show from the first line"</button> })}
            </p>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{format!("Could not load lines: {e}")}</p> })}
            <div class="lines" class:wrap=wrap.on node_ref=list.scroller on:scroll=move |_| list.measure()>
                <div style:height=move || list.pad_before(count())></div>
                <For each=visible key=|(l, gap)| (l.n, *gap) children=move |(l, gap)| view! { <Line line=l gap id log cols=height/> }/>
                <div style:height=move || list.pad_after(count())></div>
                {move || (count() == 0 && !loading.get()).then(|| total.get().map(|t| {
                    let past = target.get().filter(|n| *n > t && filter.with(|(l, f)| l.is_none() && f.is_empty()));
                    match past {
                        Some(n) => view! {
                            <p class="muted empty" data-testid="past-end">
                                {format!("Line {} is past the end: this log has {} lines. ", group_thousands(n as i64), group_thousands(t as i64))}
                                <button class="link" on:click=move |_| nav.replace(move |v| v.line = Some(t.max(1)))>"Go to the last line"</button>
                            </p>
                        }.into_any(),
                        None if t == 0 => view! { <p class="muted empty">"This log is empty."</p> }.into_any(),
                        None => view! { <p class="muted empty">"No line matches."</p> }.into_any(),
                    }
                }))}
            </div>
        </section>
    }
}

/// The level filter of a log viewer (the URL's `level`).
#[component]
pub(super) fn LevelChips() -> impl IntoView {
    let nav = Nav::get();
    let chip = move |l: Option<Level>| {
        view! {
            <button
                class="chip"
                class:on=move || nav.view.with(|v| v.level == l)
                on:click=move |_| nav.replace(|v| { v.level = l; v.line = None; })
            >{l.map_or("all", Level::as_str)}</button>
        }
    };
    view! {
        <div class="chips">
            {chip(None)} {chip(Some(Level::Error))} {chip(Some(Level::Warning))} {chip(Some(Level::Info))} {chip(Some(Level::Debug))}
        </div>
    }
}

/// The text search of a log viewer (the URL's `find`), applied once typing
/// pauses.
#[component]
pub(super) fn FindBox(placeholder: &'static str) -> impl IntoView {
    let nav = Nav::get();
    let typing = nav.typing(300, |v, text| {
        v.find = text;
        v.line = None;
    });
    view! {
        <input type="search" placeholder=placeholder data-testid="find"
            prop:value=move || nav.view.with(|v| v.find.clone())
            on:input=move |ev| typing.input(event_target_value(&ev))
            on:keydown=move |ev| {
                // Esc empties the box and drops the filter (and `find=`)
                // with it; a second Esc leaves the box.
                if ev.key() == "Escape" && !event_target_value(&ev).is_empty() {
                    ev.stop_propagation();
                    typing.now(String::new(), false);
                }
            }/>
    }
}

#[component]
fn Line(line: LogLine, gap: bool, id: i64, log: LogName, cols: Signal<usize>) -> impl IntoView {
    let find = Nav::get().view.with_untracked(|v| v.find.clone());
    let mut segs = Vec::new();
    mark_matches(&line.text, &find, "", 0, &mut segs);
    view! {
        <LineRow n=line.n level=line.level run=id log=Some(log) cols context=line.context gap
            text=line.text segs/>
    }
}

/// One row of a log viewer, archived or live: the line number (a permalink
/// that selects the line), the time when `time` is given and shown, and the
/// text. Wrapped, it is as high as the `lines` its text takes, which is what
/// the list counted, each screen line drawn as counted (see [`row_text`]).
#[allow(clippy::too_many_arguments)] // a component's props
#[component]
pub(super) fn LineRow(
    /// Line number, or a live line's seq.
    n: u64,
    level: Option<Level>,
    /// The run the permalink opens.
    run: i64,
    /// The log the permalink opens (a live run has one).
    log: Option<LogName>,
    /// Columns lines wrap at (0: they do not wrap).
    cols: Signal<usize>,
    /// The text, terminal escapes taken out.
    text: String,
    /// How its stretches are drawn.
    segs: Vec<Seg>,
    /// A program's standard error.
    #[prop(optional)]
    stderr: bool,
    /// Shown only as context around a match.
    #[prop(optional)]
    context: bool,
    /// Lines were left out before it.
    #[prop(optional)]
    gap: bool,
    /// The line's time, and whether times are shown.
    #[prop(optional)]
    time: Option<(String, RwSignal<bool>)>,
) -> impl IntoView {
    let nav = Nav::get();
    let selected = move || nav.view.with(|v| v.line == Some(n));
    let level = level.map_or("none".to_string(), |l| l.as_str().to_lowercase());
    let href = {
        let mut v = nav.view.get_untracked();
        v.run = Some(run);
        if log.is_some() {
            v.log = log;
        }
        v.line = Some(n);
        v.href()
    };
    let text = Arc::<str>::from(text);
    let height = {
        let text = text.clone();
        move || match cols.get() {
            0 => None,
            c => Some(format!("{}px", f64::from(wrapped_lines(&text, c)) * LINE_H)),
        }
    };
    let time = time.map(|(text, shown)| {
        move || {
            shown
                .get()
                .then(|| view! { <span class="ts mono">{text.clone()}</span> })
        }
    });
    view! {
        <div class=format!("line lvl-{level}") class:stderr=stderr class:ctx=context class:gap=gap class:selected=selected data-line=n style:height=height>
            <a class="ln mono" href=href on:click=move |ev| { ev.prevent_default(); nav.replace(|v| v.line = Some(n)); }>{n}</a>
            {time}
            <span class="text mono">{move || row_text(&text, &segs, cols.get())}</span>
        </div>
    }
}

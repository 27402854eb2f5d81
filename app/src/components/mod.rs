//! The page and its parts.

mod admin;
mod analytics;
mod builds;
pub mod chart;
mod columns;
mod detail;
mod feed;
mod format;
mod header;
mod history;
mod kept;
mod livecharts;
mod livelog;
mod loaded;
mod logview;
mod me;
mod nav;
mod split;
mod table;
mod viewer_prefs;
mod virtual_list;
mod wrap;

use leptos::prelude::*;
use leptos_meta::{Meta, Title, provide_meta_context};
use leptos_router::{
    SsrMode, StaticSegment,
    components::{Route, Router, Routes},
};

/// The HTML document the server renders around [`App`].
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use leptos_meta::MetaTags;
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="stylesheet" href=format!("/pkg/{}.css", options.output_name)/>
                <HydrationScripts options/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The single-page dashboard.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser: mark the page once hydrated (tests and
    // styles can tell a live page from server-rendered HTML).
    Effect::new(|_| {
        #[cfg(feature = "hydrate")]
        if let Some(perf) = window().performance() {
            let _ = perf.mark("logdeck-hydrated");
        }
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Title text="logdeck"/>
        <Meta name="color-scheme" content="light dark"/>
        <Router>
            <Routes fallback=NotFound>
                // In order: each part is sent when its data is ready, in
                // place, so the page works before (or without) the app.
                <Route path=StaticSegment("") view=Dashboard ssr=SsrMode::InOrder/>
            </Routes>
        </Router>
    }
}

#[component]
fn Dashboard() -> impl IntoView {
    let nav = nav::Nav::provide();
    feed::Feed::provide();
    header::PageTotals::provide();
    me::Signed::provide();
    viewer_prefs::ViewerPrefs::provide();
    provide_context(analytics::BookmarksChanged(RwSignal::new(0)));
    let has_detail = Memo::new(move |_| nav.view.with(|v| v.run.is_some()));
    let split = split::Split::provide();
    let page = Memo::new(move |_| nav.view.with(|v| v.page.clone()));
    view! {
        <header::Header/>
        <IgnoredParams/>
        {move || match page.get() {
            crate::view::Page::Runs => view! {
                <analytics::Analytics/>
                <main class="content" class:with-detail=has_detail style:--split=move || split.css()>
                    <table::RunTable/>
                    <Show when=move || has_detail.get()><split::Splitter split/></Show>
                    <detail::Detail/>
                </main>
            }.into_any(),
            crate::view::Page::Builds => view! {
                <main class="content page"><builds::Builds/></main>
            }.into_any(),
            crate::view::Page::History(user) => view! {
                <main class="content page"><history::History user/></main>
            }.into_any(),
            crate::view::Page::Admin => view! {
                <main class="content page"><admin::Admin/></main>
            }.into_any(),
        }}
    }
}

/// What the address asked for that the page did not understand (say,
/// `sort=bogus` or `run=abc`), so a mistyped link is not mistaken for an
/// empty result; gone once dismissed or once the view changes.
#[component]
fn IgnoredParams() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let ignored = Memo::new(move |_| query.with(|q| crate::view::View::ignored(|k| q.get(k))));
    let dismissed = RwSignal::new(false);
    move || {
        let items = ignored.get();
        (!items.is_empty() && !dismissed.get()).then(|| {
            let n = items.len();
            let list = items
                .into_iter()
                .enumerate()
                .map(|(i, (given, expected))| {
                    view! {
                        <code>{given}</code>
                        {format!(" (expected {expected}){}", if i + 1 < n { "; " } else { "" })}
                    }
                })
                .collect_view();
            view! {
                <p class="notice" role="status" data-testid="ignored-params">
                    <span>"Ignored from the address: " {list}</span>
                    <button on:click=move |_| dismissed.set(true)>"Dismiss"</button>
                </p>
            }
        })
    }
}

/// The keys of the page, for the help (`?`).
const KEYS_HELP: [(&str, &str); 8] = [
    ("/", "search users, IPs and ids"),
    ("j  k  ↓  ↑", "next / previous run"),
    (
        "Enter",
        "open the run's log (on a chart: the line of the point)",
    ),
    ("Esc", "close the log, then the run; leave a box"),
    (
        "n  N",
        "next / previous match in a log with a search or level",
    ),
    ("←  →", "on a chart: step from point to point"),
    ("Tab", "reach each run, link and chart"),
    ("?", "show or hide this help"),
];

/// Keyboard: `/` search, `j`/`k` move through runs, `Enter` open the log,
/// `Esc` close (focus goes back to the run's row), `?` the keys.
#[component]
pub(crate) fn Keys() -> impl IntoView {
    let nav = nav::Nav::get();
    let rows = expect_context::<table::Rows>();
    let scroll = expect_context::<table::ScrollTo>();
    let help = RwSignal::new(false);
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        let tag = ev
            .target()
            .and_then(|t| {
                use leptos::wasm_bindgen::JsCast;
                t.dyn_into::<leptos::web_sys::Element>().ok()
            })
            .map(|el| el.tag_name())
            .unwrap_or_default();
        let typing = matches!(tag.as_str(), "INPUT" | "TEXTAREA" | "SELECT");
        let key = ev.key();
        // Enter on a link or button is its own click.
        if key == "Enter" && matches!(tag.as_str(), "A" | "BUTTON") {
            return;
        }
        if typing {
            if key == "Escape"
                && let Some(el) = document().active_element()
            {
                use leptos::wasm_bindgen::JsCast;
                if let Ok(el) = el.dyn_into::<leptos::web_sys::HtmlElement>() {
                    let _ = el.blur();
                }
            }
            return;
        }
        if help.get_untracked() && key == "Escape" {
            help.set(false);
            return;
        }
        match key.as_str() {
            "?" => help.update(|h| *h = !*h),
            "/" => {
                ev.prevent_default();
                if let Some(el) = document().get_element_by_id("search") {
                    use leptos::wasm_bindgen::JsCast;
                    if let Ok(el) = el.dyn_into::<leptos::web_sys::HtmlElement>() {
                        let _ = el.focus();
                    }
                }
            }
            "j" | "k" | "ArrowDown" | "ArrowUp" if !rows.is_empty() => {
                ev.prevent_default();
                let down = key == "j" || key == "ArrowDown";
                let current = nav
                    .view
                    .with_untracked(|v| v.run)
                    .and_then(|id| rows.position(id));
                let i = match current {
                    None => 0,
                    Some(i) if down => (i + 1).min(rows.len() - 1),
                    Some(i) => i.saturating_sub(1),
                };
                if let Some(r) = rows.at(i) {
                    nav.replace(|v| {
                        v.run = Some(r.id);
                        v.log = None;
                        v.line = None;
                        v.zoom = None;
                    });
                    scroll.0.run(i);
                }
            }
            "Enter" => {
                let Some(id) = nav.view.with_untracked(|v| v.run) else {
                    return;
                };
                let Some(r) = rows.position(id).and_then(|i| rows.at(i)) else {
                    return;
                };
                let log = if r.client_log.is_some() {
                    Some(model::LogName::Client)
                } else if r.server_log.is_some() {
                    Some(model::LogName::Server)
                } else {
                    None
                };
                if log.is_some() {
                    nav.push(|v| v.log = log);
                }
            }
            "Escape" => {
                let (log, run) = nav
                    .view
                    .with_untracked(|v| (v.log.is_some(), v.run.is_some()));
                if log {
                    nav.push(|v| {
                        v.log = None;
                        v.line = None;
                    });
                } else if let Some(id) = nav.view.with_untracked(|v| v.run).filter(|_| run) {
                    nav.push(|v| {
                        v.run = None;
                        v.zoom = None;
                    });
                    // Back to the row the run was opened from.
                    request_animation_frame(move || {
                        use leptos::wasm_bindgen::JsCast;
                        let link = document()
                            .query_selector(&format!("tr[data-connection=\"{id}\"] a.row-link"))
                            .ok()
                            .flatten()
                            .and_then(|el| el.dyn_into::<leptos::web_sys::HtmlElement>().ok());
                        if let Some(link) = link {
                            let _ = link.focus();
                        }
                    });
                }
            }
            _ => {}
        }
    });
    on_cleanup(move || handle.remove());
    let close = move |_| help.set(false);
    move || {
        help.get().then(|| {
            view! {
                <div class="help-backdrop" on:click=close>
                    <div class="help" role="dialog" aria-modal="true" aria-labelledby="help-title" data-testid="help"
                        on:click=|ev| ev.stop_propagation()>
                        <h2 id="help-title">"Keys"</h2>
                        <dl>
                            {KEYS_HELP.iter().map(|(k, what)| view! {
                                <div><dt><kbd>{*k}</kbd></dt><dd>{*what}</dd></div>
                            }).collect_view()}
                        </dl>
                        <button autofocus on:click=close>"Close"</button>
                    </div>
                </div>
            }
        })
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <main class="content notfound">
            <h1>"Not found"</h1>
            <p>"There is nothing at this address. " <a href="/">"Back to the dashboard"</a></p>
        </main>
    }
}

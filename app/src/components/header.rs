//! The top bar: totals, user search, filter chips and sort.

use leptos::prelude::*;

use super::format::group_thousands;
use super::nav::Nav;
use crate::api::get_totals;
use crate::view::Page;

/// The totals over all runs, read once for the page (the header and the
/// table's footer show them) and again as events arrive (at most every
/// 2 s), kept on screen while they are read.
#[derive(Clone, Copy)]
pub struct PageTotals(pub Resource<Result<model::Totals, ServerFnError>>);

impl PageTotals {
    /// Provided by the dashboard, after the event feed.
    pub fn provide() {
        let feed = super::feed::Feed::get();
        provide_context(PageTotals(Resource::new(
            move || feed.totals.get(),
            |_| get_totals(),
        )));
    }
}

/// Milliseconds of quiet typing before a search runs.
const DEBOUNCE_MS: u64 = 250;

/// Product name, totals, search, filters and sort.
#[component]
pub fn Header() -> impl IntoView {
    let totals = expect_context::<PageTotals>().0;
    view! {
        <header class="topbar">
            <a class="brand" href="/">"logdeck"</a>
            <PageLink page=Page::Builds label="Builds" testid="nav-builds"/>
            <AdminLink/>
            <Transition fallback=|| view! { <span class="totals muted">"Loading totals…"</span> }>
                {move || Suspend::new(async move {
                    match totals.await {
                        Ok(t) => view! {
                            <dl class="totals" data-testid="totals">
                                <Stat label="connections" value=t.connections/>
                                <Stat label="client logs" value=t.client_logs/>
                                <Stat label="server logs" value=t.server_logs/>
                                <Stat label="users" value=t.users/>
                                <Stat label="errors" value=t.errors/>
                                <Stat label="indexed logs" value=t.indexed_logs/>
                            </dl>
                        }
                        .into_any(),
                        Err(e) => view! {
                            <span class="totals error">{format!("Totals unavailable: {e}")}</span>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
            <super::me::MeBadge/>
        </header>
        <Controls/>
    }
}

/// The way to a page of its own (and back to the runs): `page=builds`,
/// `page=admin`.
#[component]
fn PageLink(page: Page, label: &'static str, testid: &'static str) -> impl IntoView {
    let nav = Nav::get();
    let target = page.clone();
    let on = move || nav.view.with(|v| v.page == target);
    let toggled = move |v: &mut crate::view::View| {
        v.page = if v.page == page {
            Page::Runs
        } else {
            page.clone()
        };
    };
    let go = toggled.clone();
    view! {
        <a class="pagelink" class:on=on.clone() aria-current=move || on().then_some("page") data-testid=testid
            href=move || nav.view.with(|v| v.href_after(toggled.clone()))
            on:click=move |ev| { ev.prevent_default(); nav.push(go.clone()) }>
            {label}
        </a>
    }
}

/// The admin page's link, for admins.
#[component]
fn AdminLink() -> impl IntoView {
    let signed = super::me::Signed::get();
    move || {
        signed
            .may(model::Role::Admin)
            .then(|| view! { <PageLink page=Page::Admin label="Admin" testid="nav-admin"/> })
    }
}

#[component]
fn Stat(label: &'static str, value: i64) -> impl IntoView {
    view! {
        <div class="stat">
            <dt>{label}</dt>
            <dd>{group_thousands(value)}</dd>
        </div>
    }
}

/// Search box, filter chips and sort menu; every change goes to the URL.
///
/// Before the app starts they are a plain form and plain links, so they
/// work from the server-rendered page; text typed into the box then is
/// kept when the app takes over.
#[component]
fn Controls() -> impl IntoView {
    let nav = Nav::get();
    let view = nav.view;
    // A search shows the run table.
    let typing = nav.typing(DEBOUNCE_MS, |v, text| {
        if v.user != text {
            v.page = Page::Runs;
        }
        v.user = text;
    });
    let input = NodeRef::<leptos::html::Input>::new();
    // The box follows the URL (back, links) but is not overwritten when the
    // app starts: what was typed before then is applied instead.
    Effect::new(move |started: Option<()>| {
        let user = view.with(|v| v.user.clone());
        let Some(el) = input.get() else { return };
        if started.is_none() {
            let typed = el.value();
            if typed.trim() != user {
                typing.now(typed, false);
            }
        } else if el.value().trim() != user {
            el.set_value(&user);
        }
    });
    let chip = move |label: &'static str,
                     testid: &'static str,
                     get: fn(&crate::view::View) -> bool,
                     set: fn(&mut crate::view::View, bool)| {
        // A filter shows the run table.
        let toggled = move |v: &mut crate::view::View| {
            let on = get(v);
            set(v, !on);
            v.page = Page::Runs;
        };
        view! {
            <a
                class="chip"
                role="button"
                href=move || view.with(|v| v.href_after(toggled))
                class:on=move || view.with(get)
                aria-pressed=move || view.with(get).to_string()
                data-testid=testid
                on:click=move |ev| { ev.prevent_default(); nav.push(toggled) }
            >
                {label}
            </a>
        }
    };
    view! {
        <div class="controls">
            <form
                class="search"
                role="search"
                method="get"
                action="/"
                on:submit=move |ev| {
                    ev.prevent_default();
                    if let Some(el) = input.get() { typing.now(el.value(), true) }
                }
            >
                <label>
                    <span class="visually-hidden">"Search users, IP addresses and connection ids"</span>
                    <input
                        id="search"
                        name="user"
                        type="search"
                        node_ref=input
                        placeholder="Search user, IP or id…  ( / )"
                        autocomplete="off"
                        data-testid="search"
                        value=view.with_untracked(|v| v.user.clone())
                        on:input=move |ev| typing.input(event_target_value(&ev))
                        on:keydown=move |ev| {
                            // Esc clears the box and the filter together.
                            if ev.key() == "Escape" {
                                if let Some(el) = input.get() { el.set_value("") }
                                typing.now(String::new(), false);
                            }
                        }
                    />
                </label>
            </form>
            <div class="chips" role="group" aria-label="Filters">
                {chip("has errors", "chip-errors", |v| v.has_errors, |v, on| v.has_errors = on)}
                {chip("no client log", "chip-missing-client", |v| v.missing_client, |v, on| v.missing_client = on)}
                {chip("no server log", "chip-missing-server", |v| v.missing_server, |v, on| v.missing_server = on)}
                {chip("bookmarked", "chip-bookmarked", |v| v.bookmarked, |v, on| v.bookmarked = on)}
                {chip("outliers", "chip-outliers", |v| v.outliers, |v, on| v.outliers = on)}
                {move || view.with(|v| v.template.clone()).map(|t| {
                    let label = format!("{}: {}", t.level.as_str().to_lowercase(), t.template);
                    view! {
                        <a
                            class="chip on tmpl-chip"
                            href=move || view.with(|v| v.href_after(|v| v.template = None))
                            title=format!("Remove the filter: {label}")
                            data-testid="chip-template"
                            on:click=move |ev| { ev.prevent_default(); nav.push(|v| v.template = None) }
                        >
                            <span class="ellipsis">{label.clone()}</span>" ✕"
                        </a>
                    }
                })}
                {move || view.with(|v| v.version.clone()).map(|ver| view! {
                    <button class="chip on" title="Remove the version filter" on:click=move |_| nav.push(|v| v.version = None)>
                        {format!("version {ver} ✕")}
                    </button>
                })}
            </div>
            <label class="sort">
                "Sort "
                <select
                    data-testid="sort"
                    on:change=move |ev| {
                        let s = event_target_value(&ev);
                        nav.push(|v| v.sort = s.parse().unwrap_or_default());
                    }
                    prop:value=move || view.with(|v| v.sort.as_str())
                >
                    <option value="newest">"newest"</option>
                    <option value="oldest">"oldest"</option>
                    <option value="errors">"error %"</option>
                    <option value="latency_p95">"p95 latency"</option>
                </select>
            </label>
        </div>
    }
}

//! The top bar: totals, user search, filter chips and sort.

use leptos::prelude::*;

use super::format::group_thousands;
use super::nav::Nav;
use crate::api::get_totals;

/// Milliseconds of quiet typing before a search runs.
const DEBOUNCE_MS: u64 = 250;

/// Product name, totals, search, filters and sort.
#[component]
pub fn Header() -> impl IntoView {
    let totals = Resource::new(|| (), |_| get_totals());
    view! {
        <header class="topbar">
            <a class="brand" href="/">"logdeck"</a>
            <Suspense fallback=|| view! { <span class="totals muted">"Loading totals…"</span> }>
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
            </Suspense>
        </header>
        <Controls/>
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
#[component]
fn Controls() -> impl IntoView {
    let nav = Nav::get();
    let view = nav.view;
    let on_input = nav.on_typing(DEBOUNCE_MS, |v, text| v.user = text);
    let chip = move |label: &'static str,
                     testid: &'static str,
                     get: fn(&crate::view::View) -> bool,
                     set: fn(&mut crate::view::View, bool)| {
        view! {
            <button
                class="chip"
                class:on=move || view.with(get)
                aria-pressed=move || view.with(get).to_string()
                data-testid=testid
                on:click=move |_| nav.push(|v| { let on = get(v); set(v, !on) })
            >
                {label}
            </button>
        }
    };
    view! {
        <div class="controls">
            <label class="search">
                <span class="visually-hidden">"Search users"</span>
                <input
                    id="search"
                    type="search"
                    placeholder="Search users…  ( / )"
                    autocomplete="off"
                    data-testid="search"
                    prop:value=move || view.with(|v| v.user.clone())
                    on:input=on_input
                />
            </label>
            <div class="chips" role="group" aria-label="Filters">
                {chip("has errors", "chip-errors", |v| v.has_errors, |v, on| v.has_errors = on)}
                {chip("no client log", "chip-missing-client", |v| v.missing_client, |v, on| v.missing_client = on)}
                {chip("no server log", "chip-missing-server", |v| v.missing_server, |v, on| v.missing_server = on)}
                {chip("bookmarked", "chip-bookmarked", |v| v.bookmarked, |v, on| v.bookmarked = on)}
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
